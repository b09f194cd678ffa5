/* dbm.c — the deep Boltzmann machine: parameters, its RBM view, the mean-field bound (its .npz
 * files: lib/io/dbm_npz.c; exact sums: lib/exact/dbm_exact.c; AIS: lib/sample/dbm_ais.c).
 *   E(v, h^1..h^L) = - sum_l h^{l-1 T} W^l h^l - sum_l b^l . h^l
 * (Salakhutdinov & Hinton 2009, eq. 1, with L layers instead of 2). */
#include "models/dbm_internal.h"
#include "models/rbm_internal.h"

#include <stdio.h>
#include <string.h>

zs_status zs_dbm_alloc(zs_ctx *ctx, size_t L, const size_t *sizes, zs_dbm **out) {
    if (!out || !sizes) return ZS_EINVAL;
    if (L == 0 || L > ZS_DBM_MAX_LAYERS)
        return zs_fail(ctx, ZS_EINVAL, "dbm: %zu hidden layers; between 1 and %d are allowed", L,
                       ZS_DBM_MAX_LAYERS);
    for (size_t l = 0; l <= L; l++)
        if (sizes[l] == 0)
            return zs_fail(ctx, ZS_EINVAL, "dbm: layer %zu has 0 units; every layer needs >= 1", l);
    for (size_t l = 1; l <= L; l++)
        if (sizes[l - 1] > SIZE_MAX / sizeof(double) / sizes[l])
            return zs_fail(ctx, ZS_ERANGE, "dbm: %zu x %zu weights (W%zu) are too many",
                           sizes[l - 1], sizes[l], l);
    zs_dbm *d = zs_calloc(1, sizeof *d);
    int bad = !d;
    if (d) {
        d->ctx = ctx;
        d->L = L;
        d->dtype = ZS_DTYPE_F8;
        for (size_t l = 0; l <= L; l++) {
            d->n[l] = sizes[l];
            d->b[l] = zs_calloc(sizes[l], sizeof(double));
            if (l > 0) d->w[l] = zs_calloc(sizes[l - 1] * sizes[l], sizeof(double));
            if (!d->b[l] || (l > 0 && !d->w[l])) bad = 1;
        }
    }
    if (bad) {
        zs_dbm_free(d);
        return zs_fail(ctx, ZS_ENOMEM, "dbm: out of memory for the parameters");
    }
    *out = d;
    return ZS_OK;
}

void zs_dbm_free(zs_dbm *dbm) {
    if (!dbm) return;
    for (size_t l = 0; l <= dbm->L; l++) {
        free(dbm->w[l]);
        free(dbm->b[l]);
    }
    free(dbm);
}

size_t zs_dbm_layers(const zs_dbm *dbm) { return dbm->L; }
size_t zs_dbm_size(const zs_dbm *dbm, size_t l) { return l <= dbm->L ? dbm->n[l] : 0; }
double *zs_dbm_w_mut(zs_dbm *dbm, size_t l) { return l >= 1 && l <= dbm->L ? dbm->w[l] : NULL; }
double *zs_dbm_bias_mut(zs_dbm *dbm, size_t l) { return l <= dbm->L ? dbm->b[l] : NULL; }
const double *zs_dbm_w(const zs_dbm *dbm, size_t l) { return l >= 1 && l <= dbm->L ? dbm->w[l] : NULL; }
const double *zs_dbm_bias(const zs_dbm *dbm, size_t l) { return l <= dbm->L ? dbm->b[l] : NULL; }
zs_dtype zs_dbm_dtype(const zs_dbm *dbm) { return dbm->dtype; }

zs_status zs_dbm_check(const zs_dbm *dbm) {
    for (size_t l = 1; l <= dbm->L; l++)
        for (size_t i = 0; i < dbm->n[l - 1]; i++)
            for (size_t j = 0; j < dbm->n[l]; j++) {
                double x = dbm->w[l][i * dbm->n[l] + j];
                if (!isfinite(x))
                    return zs_fail(dbm->ctx, ZS_EINVAL, "W%zu: entry (%zu, %zu) = %g is not finite",
                                   l, i, j, x);
            }
    for (size_t l = 0; l <= dbm->L; l++)
        for (size_t j = 0; j < dbm->n[l]; j++)
            if (!isfinite(dbm->b[l][j]))
                return zs_fail(dbm->ctx, ZS_EINVAL, "b%zu: entry %zu = %g is not finite", l, j,
                               dbm->b[l][j]);
    return ZS_OK;
}

zs_status zs_dbm_from_rbm(const zs_rbm *rbm, zs_dbm **out) {
    if (!rbm || !out) return ZS_EINVAL;
    size_t sizes[2] = {rbm->nv, rbm->nh};
    zs_dbm *d = NULL;
    zs_status st = zs_dbm_alloc(rbm->ctx, 1, sizes, &d);
    if (st != ZS_OK) return st;
    memcpy(d->w[1], rbm->w, rbm->nv * rbm->nh * sizeof *rbm->w);
    memcpy(d->b[0], rbm->a, rbm->nv * sizeof *rbm->a);
    memcpy(d->b[1], rbm->b, rbm->nh * sizeof *rbm->b);
    d->dtype = rbm->dtype;
    *out = d;
    return ZS_OK;
}

zs_status dbm_check_rows(zs_ctx *ctx, const uint8_t *rows, size_t n, size_t d) {
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            if (rows[r * d + i] > 1)
                return zs_fail(ctx, ZS_EINVAL, "row %zu, column %zu: %u is not 0 or 1", r + 1, i + 1,
                               rows[r * d + i]);
    return ZS_OK;
}

void dbm_set_offsets(const zs_dbm *dbm, size_t *offset, size_t *n_even, size_t *n_odd) {
    size_t e = 0, o = 0;
    for (size_t l = 0; l <= dbm->L; l++) {
        size_t *sum = l % 2 == 0 ? &e : &o;
        if (offset) offset[l] = *sum;
        *sum += dbm->n[l];
    }
    *n_even = e;
    *n_odd = o;
}

zs_status zs_dbm_to_rbm(const zs_dbm *dbm, zs_rbm **out) {
    if (!dbm || !out) return ZS_EINVAL;
    size_t off[ZS_DBM_MAX_LAYERS + 1], ne, no;
    dbm_set_offsets(dbm, off, &ne, &no);
    zs_rbm *r = NULL;
    zs_status st = zs_rbm_alloc(dbm->ctx, ne, no, &r);
    if (st != ZS_OK) return st;
    for (size_t l = 0; l <= dbm->L; l++)
        memcpy((l % 2 == 0 ? r->a : r->b) + off[l], dbm->b[l], dbm->n[l] * sizeof(double));
    /* W^l couples layer l-1 (rows) and layer l (columns); one of them is even. */
    for (size_t l = 1; l <= dbm->L; l++) {
        size_t np = dbm->n[l - 1], nl = dbm->n[l];
        const double *w = dbm->w[l];
        if (l % 2 == 1) /* l-1 even (rows of r), l odd (columns): W^l in place */
            for (size_t i = 0; i < np; i++)
                memcpy(r->w + (off[l - 1] + i) * no + off[l], w + i * nl, nl * sizeof(double));
        else /* l-1 odd, l even: the transpose */
            for (size_t i = 0; i < np; i++)
                for (size_t j = 0; j < nl; j++) r->w[(off[l] + j) * no + off[l - 1] + i] = w[i * nl + j];
    }
    r->dtype = dbm->dtype;
    *out = r;
    return ZS_OK;
}

/* ---- mean field ------------------------------------------------------------------------- */

void zs_dbm_mf_defaults(zs_dbm_mf_opts *o) {
    o->max_iterations = 30;
    o->tolerance = 1e-7;
}

/* sum_k w_k m_k in k order from 0. */
static double dot(const double *w, const double *m, size_t n) {
    double s = 0.0;
    for (size_t k = 0; k < n; k++) s += w[k] * m[k];
    return s;
}

/* t_r = sum_k w[r stride + k] m_k for the four rows r = 0..3, each in k order from 0: four
 * independent sums overlap, with the same additions in the same order as dot() row by row. */
static void dot4(const double *w, size_t stride, const double *m, size_t n, double t[4]) {
    const double *w0 = w, *w1 = w0 + stride, *w2 = w1 + stride, *w3 = w2 + stride;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (size_t k = 0; k < n; k++) {
        s0 += w0[k] * m[k];
        s1 += w1[k] * m[k];
        s2 += w2[k] * m[k];
        s3 += w3[k] * m[k];
    }
    t[0] = s0;
    t[1] = s1;
    t[2] = s2;
    t[3] = s3;
}

/* The field of layer l given the means of its neighbours (mu[0] = v); top: include layer l+1. */
static void field(const zs_dbm *d, double *const *mu, size_t l, int top, double *x) {
    size_t nl = d->n[l], np = d->n[l - 1];
    memcpy(x, d->b[l], nl * sizeof *x);
    const double *w = d->w[l];
    for (size_t i = 0; i < np; i++) {
        double m = mu[l - 1][i];
        if (m == 0.0) continue;
        for (size_t j = 0; j < nl; j++) x[j] += m * w[i * nl + j];
    }
    if (top && l < d->L) {
        /* x_j += sum_k W_jk m_k, four rows at a time (dot4) */
        size_t nn = d->n[l + 1], j = 0;
        const double *wn = d->w[l + 1], *m = mu[l + 1];
        double t[4];
        for (; j + 4 <= nl; j += 4) {
            dot4(wn + j * nn, nn, m, nn, t);
            for (int r = 0; r < 4; r++) x[j + r] += t[r];
        }
        for (; j < nl; j++) x[j] += dot(wn + j * nn, m, nn);
    }
}

/* s + sum_i a_i (sum_j W_ij b_j), the inner sums in j order from 0, the outer in i order
 * (rows with a_i = 0 skipped); the inner sums four rows at a time (dot4). */
static double bound_coupling(double s, const double *w, const double *a, const double *b, size_t np,
                             size_t nl) {
    size_t i = 0;
    double t[4];
    for (; i + 4 <= np; i += 4) {
        dot4(w + i * nl, nl, b, nl, t);
        for (int r = 0; r < 4; r++)
            if (a[i + r] != 0.0) s += a[i + r] * t[r];
    }
    for (; i < np; i++)
        if (a[i] != 0.0) s += a[i] * dot(w + i * nl, b, nl);
    return s;
}

/* B = b0.v + sum_l [ b^l.mu^l + mu^{l-1} W^l mu^l + sum_j H(mu_lj) ], with each layer's
 * entropy from the field x it was last set from (mu = sigmoid(x)):
 *   H(sigmoid(x)) = softplus(x) - x sigmoid(x),
 * which is exact at saturation, where -m ln m - (1-m) ln(1-m) loses every digit. */
static double bound(const zs_dbm *d, double *const *mu, double *const *xs) {
    double s = 0.0;
    for (size_t i = 0; i < d->n[0]; i++) s += d->b[0][i] * mu[0][i];
    for (size_t l = 1; l <= d->L; l++) {
        size_t nl = d->n[l], np = d->n[l - 1];
        const double *w = d->w[l];
        for (size_t j = 0; j < nl; j++) {
            double m = mu[l][j], x = xs[l][j];
            s += d->b[l][j] * m + zs_softplus(x) - x * m;
        }
        s = bound_coupling(s, w, mu[l - 1], mu[l], np, nl);
    }
    return s;
}

size_t dbm_units(const zs_dbm *d, size_t *widest, size_t *off) {
    size_t total = 0, w = 0;
    for (size_t l = 0; l <= d->L; l++) {
        if (off) off[l] = total;
        total += d->n[l];
        if (d->n[l] > w) w = d->n[l];
    }
    if (off) off[d->L + 1] = total;
    if (widest) *widest = w;
    return total;
}

double dbm_mf_row(const zs_dbm *d, const zs_dbm_mf_opts *opts, double *mu_all, double *x_all,
                  double *x, uint32_t *iterations, int *converged) {
    double *mu[ZS_DBM_MAX_LAYERS + 1], *xs[ZS_DBM_MAX_LAYERS + 1];
    size_t o = 0;
    for (size_t l = 0; l <= d->L; l++) {
        mu[l] = mu_all + o;
        xs[l] = x_all + o;
        o += d->n[l];
    }
    for (size_t l = 1; l <= d->L; l++) { /* bottom-up start */
        field(d, mu, l, 0, xs[l]);
        for (size_t j = 0; j < d->n[l]; j++) mu[l][j] = dbm_sigmoid(xs[l][j]);
    }
    uint32_t it = 0;
    int conv = 0;
    while (it < opts->max_iterations && !conv) {
        double change = 0.0;
        for (size_t l = 1; l <= d->L; l++) {
            field(d, mu, l, 1, x);
            for (size_t j = 0; j < d->n[l]; j++) {
                double m = dbm_sigmoid(x[j]), c = fabs(m - mu[l][j]);
                if (c > change) change = c;
                mu[l][j] = m;
                xs[l][j] = x[j];
            }
        }
        it++;
        conv = change <= opts->tolerance;
    }
    if (iterations) *iterations = it;
    if (converged) *converged = conv;
    return bound(d, mu, xs);
}

zs_status zs_dbm_mean_field(const zs_dbm *d, const zs_dbm_mf_opts *opts, const uint8_t *rows,
                            size_t n, double *out, uint32_t *iterations, uint8_t *converged) {
    if (!d || !opts || (!rows && n) || (!out && n)) return ZS_EINVAL;
    if (opts->max_iterations == 0 || opts->max_iterations > UINT32_MAX || !(opts->tolerance >= 0))
        return zs_fail(d->ctx, ZS_EINVAL, "mean field: max_iterations must be 1..%u and the "
                       "tolerance >= 0 (got %zu and %g)", UINT32_MAX, opts->max_iterations,
                       opts->tolerance);
    zs_status st = dbm_check_rows(d->ctx, rows, n, d->n[0]);
    if (st != ZS_OK) return st;
    size_t widest = 0, total = dbm_units(d, &widest, NULL);
    int failed = 0;
#pragma omp parallel num_threads(zs_threads_for(d->ctx, n))
    {
        double *buf = zs_malloc((2 * total + widest) * sizeof *buf);
        if (!buf) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(dynamic, 16)
        for (size_t r = 0; r < n; r++) {
            if (!buf) continue;
            for (size_t i = 0; i < d->n[0]; i++) buf[i] = rows[r * d->n[0] + i];
            uint32_t it = 0;
            int conv = 0;
            out[r] = dbm_mf_row(d, opts, buf, buf + total, buf + 2 * total, &it, &conv);
            if (iterations) iterations[r] = it;
            if (converged) converged[r] = (uint8_t)conv;
        }
        free(buf);
    }
    if (failed) return zs_fail(d->ctx, ZS_ENOMEM, "mean field: out of memory");
    return ZS_OK;
}
