/* rbm_data.c — an RBM applied to binary data rows held as bytes (0 or 1): the mean
 * log-likelihood ln p(v) = -F(v) - ln Z (Hinton 2010, "A practical guide to training RBMs",
 * eq. 25, F as in rbm.c) and the hidden units' probabilities
 * p(h_j = 1 | v) = sigmoid(b_j + sum_i v_i W_ij) (the same guide, eq. 7); and the data's smoothed
 * base rate, the start of AIS's data base and of the visible biases. */
#include "models/rbm_internal.h"

#include <math.h>
#include <string.h>

zs_status zs_data_base_rate(const uint8_t *rows, size_t n, size_t d, double c, double *p) {
    if (!rows || !p || n == 0 || d == 0 || !(c > 0) || !isfinite(c)) return ZS_EINVAL;
    /* The column sums as integers (a vectorized byte loop), 1024 columns and 2^24 rows at a time
     * (255 * 2^24 < 2^32), added to p in doubles: exact integers up to 2^53, so the same bits
     * as adding the bytes to p one by one. */
    enum { COLS = 1024, ROWS = 1 << 24 };
    uint32_t count[COLS];
    for (size_t i = 0; i < d; i++) p[i] = 0.0;
    for (size_t i0 = 0; i0 < d; i0 += COLS) {
        const size_t w = d - i0 < COLS ? d - i0 : COLS;
        for (size_t r0 = 0; r0 < n; r0 += ROWS) {
            const size_t r1 = n - r0 < ROWS ? n : r0 + ROWS;
            memset(count, 0, w * sizeof *count);
            for (size_t r = r0; r < r1; r++) {
                const uint8_t *row = rows + r * d + i0;
                for (size_t i = 0; i < w; i++) count[i] += row[i];
            }
            for (size_t i = 0; i < w; i++) p[i0 + i] += (double)count[i];
        }
    }
    for (size_t i = 0; i < d; i++) p[i] = (p[i] + c) / ((double)n + 2.0 * c);
    return ZS_OK;
}

/* f[r] = F(row r), r < n, one row widened to doubles at a time: F of a row of bytes is then
 * the same, bit for bit, as zs_rbm_free_energy of the same row in doubles. Returns 1 when a
 * thread's row buffer could not be allocated or an F is NaN. */
static int free_energies(const zs_rbm *rbm, const uint8_t *rows, size_t n, double *f) {
    const size_t nv = rbm->nv;
    int failed = 0;
#pragma omp parallel num_threads(zs_threads_for(rbm->ctx, n))
    {
        double *v = zs_malloc(nv * sizeof *v);
        if (!v) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(static)
        for (size_t r = 0; r < n; r++) {
            if (!v) continue;
            for (size_t i = 0; i < nv; i++) v[i] = rows[r * nv + i];
            f[r] = zs_rbm_free_energy(rbm, v);
            if (isnan(f[r])) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
        }
        free(v);
    }
    return failed;
}

zs_status rbm_check_rows(zs_ctx *ctx, const char *what, const uint8_t *rows, size_t n, size_t nv) {
    for (size_t x = 0; x < n * nv; x++)
        if (rows[x] > 1)
            return zs_fail(ctx, ZS_EINVAL, "%s row %zu, column %zu = %d is not 0 or 1", what, x / nv,
                           x % nv, (int)rows[x]);
    return ZS_OK;
}

void rbm_hidden_field(const zs_rbm *rbm, const uint8_t *v, double *x) {
    const size_t nv = rbm->nv, nh = rbm->nh;
    memcpy(x, rbm->b, nh * sizeof *x);
    for (size_t i = 0; i < nv; i++) {
        if (!v[i]) continue;
        const double *w = rbm->w + i * nh;
        for (size_t j = 0; j < nh; j++) x[j] += w[j];
    }
}

zs_status zs_rbm_loglik(const zs_rbm *rbm, const uint8_t *rows, size_t n, double lnz, double *loglik,
                        double *mean_f) {
    if (!rbm || !rows || !loglik) return ZS_EINVAL;
    if (n == 0) return zs_fail(rbm->ctx, ZS_EINVAL, "loglik: no data rows");
    double *f = zs_malloc(n * sizeof *f);
    if (!f) return zs_fail(rbm->ctx, ZS_ENOMEM, "loglik: out of memory for %zu rows", n);
    int failed = free_energies(rbm, rows, n, f);
    double mf = 0.0;
    for (size_t r = 0; r < n; r++) mf += f[r];
    mf /= (double)n;
    free(f);
    if (failed || isnan(mf)) return zs_fail(rbm->ctx, ZS_ENOMEM, "loglik: out of memory");
    *loglik = -mf - lnz;
    if (mean_f) *mean_f = mf;
    return ZS_OK;
}

zs_status zs_rbm_hidden_probs(const zs_rbm *rbm, const uint8_t *rows, size_t n, double *out) {
    if (!rbm || !rows || !out) return ZS_EINVAL;
    const size_t nv = rbm->nv, nh = rbm->nh;
#pragma omp parallel for schedule(static) num_threads(zs_threads_for(rbm->ctx, n))
    for (size_t r = 0; r < n; r++) {
        double *x = out + r * nh;
        rbm_hidden_field(rbm, rows + r * nv, x);
        for (size_t j = 0; j < nh; j++) x[j] = rbm_logistic(x[j]);
    }
    return ZS_OK;
}

zs_status zs_rbm_free_energies_u8(const zs_rbm *rbm, const uint8_t *rows, size_t n, double *f) {
    if (!rbm || !rows || !f) return ZS_EINVAL;
    zs_status st = rbm_check_rows(rbm->ctx, "free energy:", rows, n, rbm->nv);
    if (st != ZS_OK) return st;
    if (free_energies(rbm, rows, n, f)) return zs_fail(rbm->ctx, ZS_ENOMEM, "free energy: out of memory");
    return ZS_OK;
}
