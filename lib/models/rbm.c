/* rbm.c — the restricted Boltzmann machine: parameters, free energy (its .npz files:
 * lib/io/rbm_npz.c).
 * E(v,h) = -v^T W h - a^T v - b^T h; summing h out gives the free energy
 *   F(v) = -a^T v - sum_j softplus(b_j + sum_i v_i W_ij)
 * (Hinton 2010, "A practical guide to training RBMs", eq. 25), so ln p(v) = -F(v) - ln Z. */
#include "models/rbm_internal.h"
#include "models/rbm_rows_kernels.h"

#include <stdio.h>
#include <string.h>

zs_status zs_rbm_alloc(zs_ctx *ctx, size_t nv, size_t nh, zs_rbm **out) {
    if (!out) return ZS_EINVAL;
    if (nv == 0 || nh == 0)
        return zs_fail(ctx, ZS_EINVAL, "rbm: %zu visible and %zu hidden units; both must be >= 1", nv, nh);
    if (nv > SIZE_MAX / sizeof(double) / nh)
        return zs_fail(ctx, ZS_ERANGE, "rbm: %zu x %zu weights are too many", nv, nh);
    zs_rbm *r = zs_calloc(1, sizeof *r);
    if (r) {
        r->w = zs_calloc(nv * nh, sizeof *r->w);
        r->a = zs_calloc(nv, sizeof *r->a);
        r->b = zs_calloc(nh, sizeof *r->b);
    }
    if (!r || !r->w || !r->a || !r->b) {
        zs_rbm_free(r);
        return zs_fail(ctx, ZS_ENOMEM, "rbm: out of memory for %zu x %zu weights", nv, nh);
    }
    r->ctx = ctx;
    r->nv = nv;
    r->nh = nh;
    r->dtype = ZS_DTYPE_F8;
    *out = r;
    return ZS_OK;
}

void zs_rbm_free(zs_rbm *rbm) {
    if (!rbm) return;
    free(rbm->w);
    free(rbm->a);
    free(rbm->b);
    free(rbm->freq);
    free(rbm);
}

size_t zs_rbm_nv(const zs_rbm *rbm) { return rbm->nv; }
const double *zs_rbm_stored_frequency(const zs_rbm *rbm) { return rbm ? rbm->freq : NULL; }
size_t zs_rbm_nh(const zs_rbm *rbm) { return rbm->nh; }
double *zs_rbm_w_mut(zs_rbm *rbm) { return rbm->w; }
double *zs_rbm_vbias_mut(zs_rbm *rbm) { return rbm->a; }
double *zs_rbm_hbias_mut(zs_rbm *rbm) { return rbm->b; }
const double *zs_rbm_w(const zs_rbm *rbm) { return rbm->w; }
const double *zs_rbm_vbias(const zs_rbm *rbm) { return rbm->a; }
const double *zs_rbm_hbias(const zs_rbm *rbm) { return rbm->b; }
zs_dtype zs_rbm_dtype(const zs_rbm *rbm) { return rbm->dtype; }

zs_status zs_rbm_check(const zs_rbm *rbm) {
    for (size_t i = 0; i < rbm->nv; i++)
        for (size_t j = 0; j < rbm->nh; j++)
            if (!isfinite(rbm->w[i * rbm->nh + j]))
                return zs_fail(rbm->ctx, ZS_EINVAL, "W: entry (%zu, %zu) = %g is not finite", i, j,
                               rbm->w[i * rbm->nh + j]);
    for (size_t i = 0; i < rbm->nv; i++)
        if (!isfinite(rbm->a[i]))
            return zs_fail(rbm->ctx, ZS_EINVAL, "vbias: entry %zu = %g is not finite", i, rbm->a[i]);
    for (size_t j = 0; j < rbm->nh; j++)
        if (!isfinite(rbm->b[j]))
            return zs_fail(rbm->ctx, ZS_EINVAL, "hbias: entry %zu = %g is not finite", j, rbm->b[j]);
    return ZS_OK;
}

double rbm_sum_softplus(const double *x, size_t n) {
    double lin = 0.0, lg = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += 512) {
        size_t i1 = i0 + 512 < n ? i0 + 512 : n;
        double prod = 1.0;
        for (size_t i = i0; i < i1; i++) {
            lin += x[i] > 0 ? x[i] : 0.0;
            prod *= 1.0 + exp(-fabs(x[i]));
        }
        lg += log(prod);
    }
    return lin + lg;
}

double zs_rbm_free_energy(const zs_rbm *rbm, const double *v) {
    double f = 0.0;
    double *x = zs_malloc(rbm->nh * sizeof *x);
    if (!x) return (double)NAN;
    for (size_t j = 0; j < rbm->nh; j++) x[j] = rbm->b[j];
    for (size_t i = 0; i < rbm->nv; i++) {
        if (v[i] == 0.0) continue;
        f -= rbm->a[i] * v[i];
        const double *row = rbm->w + i * rbm->nh;
        for (size_t j = 0; j < rbm->nh; j++) x[j] += v[i] * row[j];
    }
    f -= rbm_sum_softplus(x, rbm->nh);
    free(x);
    return f;
}

void zs_rbm_free_energies(const zs_rbm *rbm, const double *data, size_t n, double *f) {
#pragma omp parallel for schedule(static) num_threads(zs_threads_for(rbm->ctx, n))
    for (size_t r = 0; r < n; r++) f[r] = zs_rbm_free_energy(rbm, data + r * rbm->nv);
}

static void rows_sum_scalar(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                            size_t n) {
    memset(acc, 0, n * sizeof *acc);
    for (size_t q = 0; q < non; q++) {
        const float *row = w + (size_t)on[q] * stride;
        for (size_t j = 0; j < n; j++) acc[j] += row[j];
    }
}

void rbm_rows_sum(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non, size_t n) {
    int l = zs_simd_level();
    if (l == 2) rbm_rows_sum_avx512(acc, w, stride, on, non, n);
    else if (l == 1) rbm_rows_sum_avx2(acc, w, stride, on, non, n);
    else rows_sum_scalar(acc, w, stride, on, non, n);
}

void rbm_rows_sum_many(float *const *out, const float *w, size_t stride, size_t m,
                       const uint32_t *const *lists, const size_t *counts, size_t nq, size_t n,
                       size_t *cursor) {
    if (zs_simd_level() == 2) {
        rbm_rows_sum_many_avx512(out, w, stride, m, lists, counts, nq, n, cursor);
        return;
    }
    /* Other instruction sets: 128 columns of w at a time over all the queries, so the block
     * (400 KB of a 784-row w) stays in L2 instead of w streaming from L3 once per query. */
    for (size_t j0 = 0; j0 < n; j0 += 128) {
        const size_t width = n - j0 < 128 ? n - j0 : 128;
        for (size_t q = 0; q < nq; q++) rbm_rows_sum(out[q] + j0, w + j0, stride, lists[q], counts[q], width);
    }
}

/* The portable CD step, one row at a time; cloned for AVX-512 (ISO C: no FMA contraction, so the
 * same bits as the default clone and as rbm_grad_step_avx512). */
__attribute__((target_clones("avx512f", "default")))
static void step_row(float *restrict w, float *restrict vw, const float *restrict pos,
                     const float *restrict neg, size_t n, float lr, float mom, float wd, float inv) {
    if (!vw) {
        for (size_t j = 0; j < n; j++) w[j] += lr * ((pos[j] - neg[j]) * inv - wd * w[j]);
        return;
    }
    for (size_t j = 0; j < n; j++) {
        vw[j] = mom * vw[j] + lr * ((pos[j] - neg[j]) * inv - wd * w[j]);
        w[j] += vw[j];
    }
}

void rbm_grad_step(float *w, float *vw, size_t nh, const float *p0, const float *pk,
                   const uint32_t *c0, const size_t *s0, const uint32_t *ck, const size_t *sk,
                   size_t ni, float lr, float mom, float wd, float inv, float *scratch) {
    if (zs_simd_level() == 2) {
        rbm_grad_step_avx512(w, vw, nh, p0, pk, c0, s0, ck, sk, ni, lr, mom, wd, inv);
        return;
    }
    float *pos = scratch, *neg = scratch + nh;
    for (size_t x = 0; x < ni; x++) {
        rbm_rows_sum(pos, p0, nh, c0 + s0[x], s0[x + 1] - s0[x], nh);
        rbm_rows_sum(neg, pk, nh, ck + sk[x], sk[x + 1] - sk[x], nh);
        step_row(w + x * nh, vw ? vw + x * nh : NULL, pos, neg, nh, lr, mom, wd, inv);
    }
}

void rbm_transpose16(float *dst, size_t dstride, const float *src, size_t sstride, size_t rows,
                     size_t cols) {
    if (zs_simd_level() == 2) {
        rbm_transpose16_avx512(dst, dstride, src, sstride, rows, cols);
        return;
    }
    for (size_t j = 0; j < cols; j++)
        for (size_t r = 0; r < rows; r++) dst[j * dstride + r] = src[r * sstride + j];
}

size_t rbm_select_below(uint32_t *on, const float *p, const uint64_t *words, size_t n, uint32_t base) {
    if (zs_simd_level() == 2) return rbm_select_below_avx512(on, p, words, n, base);
    size_t c = 0;
    for (size_t k = 0; k < n; k++) {
        const float u = (float)((words[k / 2] >> (k % 2 ? 8 : 40)) & 0xffffff) * 0x1.0p-24f;
        on[c] = base + (uint32_t)k;
        c += u < p[k];
    }
    return c;
}

void rbm_sigmoid(float *y, const float *x, const float *bias, size_t n) {
    int l = zs_simd_level();
    if (l == 2) {
        rbm_sigmoid_avx512(y, x, bias, n);
        return;
    }
    if (l == 1) {
        rbm_sigmoid_avx2(y, x, bias, n);
        return;
    }
    for (size_t j = 0; j < n; j++) y[j] = 1.0f / (1.0f + expf(-(x[j] + bias[j])));
}
