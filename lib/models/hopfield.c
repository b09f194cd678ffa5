/* hopfield.c — the Hopfield network: couplings J = w / div (symmetric, zero diagonal), the
 * stored patterns, the energy E = -1/2 s^T J s and the overlaps m_mu = xi^mu . s / N
 * (Hopfield 1982; Amit, Gutfreund & Sompolinsky 1985 for the overlap as order parameter). */
#include "models/hopfield_internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

zs_status hopfield_new(zs_ctx *ctx, size_t n, const zs_patterns *patterns, zs_hopfield **out) {
    if (n == 0 || n > ZS_PATTERNS_MAX_UNITS)
        return zs_fail(ctx, ZS_EINVAL, "hopfield: N = %zu units is outside 1..%d", n,
                       ZS_PATTERNS_MAX_UNITS);
    if (patterns && patterns->n != n)
        return zs_fail(ctx, ZS_EINVAL, "hopfield: the patterns have %zu units but J is %zu x %zu",
                       patterns->n, n, n);
    zs_hopfield *net = zs_calloc(1, sizeof *net);
    if (!net) return zs_fail(ctx, ZS_ENOMEM, "hopfield: out of memory");
    net->ctx = ctx;
    net->n = n;
    net->div = 1.0;
    net->w = zs_calloc(n * n, sizeof *net->w);
    zs_status st = net->w ? ZS_OK : zs_fail(ctx, ZS_ENOMEM, "hopfield: out of memory for J "
                                                            "(%zu x %zu)", n, n);
    if (st == ZS_OK && patterns) {
        st = zs_patterns_alloc(ctx, patterns->p, n, patterns->x, patterns->rows, patterns->cols,
                               &net->pat);
        if (st == ZS_OK) {
            net->xi = zs_malloc(patterns->p * n * sizeof *net->xi);
            if (!net->xi) st = zs_fail(ctx, ZS_ENOMEM, "hopfield: out of memory");
            else
                for (size_t i = 0; i < patterns->p * n; i++) net->xi[i] = patterns->x[i];
        }
    }
    if (st != ZS_OK) {
        zs_hopfield_free(net);
        return st;
    }
    *out = net;
    return ZS_OK;
}

zs_status zs_hopfield_alloc(zs_ctx *ctx, size_t n, const double *j, const zs_patterns *patterns,
                            zs_hopfield **out) {
    if (!j || !out) return zs_fail(ctx, ZS_EINVAL, "hopfield: NULL argument");
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            double x = j[a * n + b], y = j[b * n + a];
            if (!isfinite(x))
                return zs_fail(ctx, ZS_EINVAL, "J: entry (%zu,%zu) = %g is not finite", a, b, x);
            if (a == b && x != 0.0)
                return zs_fail(ctx, ZS_EINVAL, "J: diagonal entry (%zu,%zu) = %.17g is not zero "
                                               "(a Hopfield network has no self-coupling)", a, a, x);
            if (b > a && isfinite(y) && fabs(x - y) > 1e-12 * fmax(fabs(x), fabs(y)))
                return zs_fail(ctx, ZS_EINVAL, "J: not symmetric: entry (%zu,%zu) = %.17g but "
                                               "(%zu,%zu) = %.17g", a, b, x, b, a, y);
        }
    zs_hopfield *net;
    zs_status st = hopfield_new(ctx, n, patterns, &net);
    if (st != ZS_OK) return st;
    /* Integer test: Hebbian couplings are K / N with integer K (|K| <= P); keep K so that
     * local fields are exact sums of integers (see zsum/hopfield.h). */
    const double dn = (double)n;
    int integer = 1;
    for (size_t i = 0; i < n * n && integer; i++) {
        /* J_ij must be exactly k / N for an integer k (as K / N written by store is), so
         * the integer path changes no coupling by even one ulp. */
        double k = nearbyint(j[i] * dn);
        integer = fabs(k) < 0x1p30 && k / dn == j[i];
    }
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            double x = 0.5 * (j[a * n + b] + j[b * n + a]);
            net->w[a * n + b] = integer ? nearbyint(j[a * n + b] * dn) : x;
        }
    net->integer = integer;
    net->div = integer ? dn : 1.0;
    hopfield_finish(net);
    *out = net;
    return ZS_OK;
}

void hopfield_finish(zs_hopfield *net) {
    if (!net->integer) return;
    const size_t n = net->n;
    double big = 0.0;
    for (size_t i = 0; i < n * n; i++) big = fmax(big, fabs(net->w[i]));
    if (big > 32767.0 || big * (double)n >= 2147483647.0) return;
    net->w16 = zs_malloc(n * n * sizeof *net->w16);
    if (!net->w16) return;
    for (size_t i = 0; i < n * n; i++) net->w16[i] = (int16_t)net->w[i];
}

void zs_hopfield_free(zs_hopfield *net) {
    if (!net) return;
    free(net->w16);
    free(net->w);
    free(net->xi);
    zs_patterns_free(net->pat);
    free(net);
}

size_t zs_hopfield_units(const zs_hopfield *net) { return net->n; }
size_t zs_hopfield_pattern_count(const zs_hopfield *net) { return net->pat ? net->pat->p : 0; }
const zs_patterns *zs_hopfield_patterns(const zs_hopfield *net) { return net->pat; }
int zs_hopfield_is_integer(const zs_hopfield *net) { return net->integer; }

void zs_hopfield_couplings(const zs_hopfield *net, double *j_out) {
    for (size_t i = 0; i < net->n * net->n; i++) j_out[i] = net->w[i] / net->div;
}

double zs_hopfield_energy(const zs_hopfield *net, const int8_t *s) {
    /* E = -1/2 sum_ij s_i w_ij s_j / div; for integer w the double sum is exact. */
    const size_t n = net->n;
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *row = net->w + i * n;
        double h = 0.0;
        for (size_t k = 0; k < n; k++) h += row[k] * s[k];
        e += s[i] * h;
    }
    return -0.5 * e / net->div + 0.0; /* + 0.0: no negative zero */
}

zs_status zs_hopfield_overlaps(const zs_hopfield *net, const int8_t *s, double *m) {
    if (!net->pat) return zs_fail(net->ctx, ZS_EINVAL, "hopfield: the network keeps no patterns");
    const size_t n = net->n, p = net->pat->p;
    double *sd = zs_malloc(n * sizeof *sd);
    if (!sd) return zs_fail(net->ctx, ZS_ENOMEM, "hopfield: out of memory");
    for (size_t i = 0; i < n; i++) sd[i] = s[i];
    /* xi . s are sums of ±1: exact in any order. */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)p, (int)n, 1.0, net->xi, (int)n, sd, 1, 0.0, m,
                1);
    for (size_t k = 0; k < p; k++) m[k] /= (double)n;
    free(sd);
    return ZS_OK;
}
