/* projection.c — the projection (pseudo-inverse) rule (Personnaz, Guyon & Dreyfus, J. Physique
 * Lett. 46, L359, 1985; Kanter & Sompolinsky, Phys. Rev. A 35, 380, 1987):
 *   J = (1/N) Xi^T C^{-1} Xi,  C = (1/N) Xi Xi^T  (the P x P pattern overlap matrix),
 * so that J xi^mu = xi^mu for every stored pattern: J projects onto their span. The factors N
 * cancel: J = Xi^T G^{-1} Xi with the integer Gram matrix G = Xi Xi^T. With G = L L^T
 * (Cholesky) and Y = L^{-1} Xi (BLAS dtrsm), J = Y^T Y (BLAS dsyrk), symmetric by
 * construction. The diagonal is then set to zero (Kanter & Sompolinsky): the field of a
 * stored pattern becomes h_i = (1 - J_ii) xi_i, J_ii < 1 for P < N, so every stored pattern
 * stays a fixed point, correlated or not, up to alpha -> 1 (Hebbian: 0.138). */
#include "models/hopfield_internal.h"

#include <cblas.h>
#include <math.h>

/* In-place lower Cholesky of the p x p matrix g (row-major; the upper part is ignored).
 * Returns the first index whose pivot is not clearly positive, or p on success. */
static size_t cholesky(size_t p, double *g, double tol) {
    for (size_t j = 0; j < p; j++) {
        double d = g[j * p + j];
        for (size_t k = 0; k < j; k++) d -= g[j * p + k] * g[j * p + k];
        if (!(d > tol)) return j;
        d = sqrt(d);
        g[j * p + j] = d;
        for (size_t i = j + 1; i < p; i++) {
            double s = g[i * p + j];
            for (size_t k = 0; k < j; k++) s -= g[i * p + k] * g[j * p + k];
            g[i * p + j] = s / d;
        }
    }
    return p;
}

zs_status zs_hopfield_alloc_projection(zs_ctx *ctx, const zs_patterns *patterns,
                                       zs_hopfield **out) {
    if (!patterns || !out) return zs_fail(ctx, ZS_EINVAL, "projection: NULL argument");
    const size_t n = patterns->n, p = patterns->p;
    if (p >= n)
        return zs_fail(ctx, ZS_EINVAL, "projection rule: P = %zu patterns need P < N = %zu (at "
                                       "most N independent patterns, and P = N stores nothing "
                                       "once the diagonal is removed)", p, n);
    zs_hopfield *net;
    zs_status st = hopfield_new(ctx, n, patterns, &net);
    if (st != ZS_OK) return st;
    double *g = zs_malloc(p * p * sizeof *g), *y = zs_malloc(p * n * sizeof *y);
    if (!g || !y) {
        free(g);
        free(y);
        zs_hopfield_free(net);
        return zs_fail(ctx, ZS_ENOMEM, "projection: out of memory");
    }
    /* G = Xi Xi^T, lower triangle (sums of ±1: exact). */
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)p, (int)n, 1.0, net->xi, (int)n, 0.0,
                g, (int)p);
    /* G_mm = N; a pivot below 1e-9 N means the pattern is (numerically) a combination of the
     * ones before it. */
    size_t bad = cholesky(p, g, 1e-9 * (double)n);
    if (bad < p) {
        free(g);
        free(y);
        zs_hopfield_free(net);
        return zs_fail(ctx, ZS_EINVAL, "projection rule: pattern %zu is a linear combination of "
                                       "patterns 0..%zu (a repeat or a mirror image?); the rule "
                                       "needs linearly independent patterns", bad,
                       bad ? bad - 1 : 0);
    }
    for (size_t i = 0; i < p * n; i++) y[i] = net->xi[i];
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)n,
                1.0, g, (int)p, y, (int)n);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)p, 1.0, y, (int)n, 0.0,
                net->w, (int)n);
    for (size_t i = 0; i < n; i++) {
        net->w[i * n + i] = 0.0;
        for (size_t k = i + 1; k < n; k++) net->w[k * n + i] = net->w[i * n + k];
    }
    free(g);
    free(y);
    net->div = 1.0;
    net->integer = 0;
    *out = net;
    return ZS_OK;
}
