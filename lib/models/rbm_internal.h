/* rbm_internal.h — the RBM as the library holds it (lib/models/rbm.c). */
#ifndef ZSUM_MODELS_RBM_INTERNAL_H
#define ZSUM_MODELS_RBM_INTERNAL_H

#include "core/internal.h"

struct zs_rbm {
    zs_ctx *ctx;     /* for messages; may be NULL                     */
    size_t nv, nh;
    double *w;       /* (nv, nh) row-major: w[i*nh + j] couples v_i, h_j */
    double *a;       /* (nv) visible biases                            */
    double *b;       /* (nh) hidden biases                             */
    zs_dtype dtype;  /* the file's element type                        */
    double *freq;    /* (nv) the training data's frequencies stored in the model file
                      * (train_data_frequency), NULL when it has none   */
};

/* x[j] = b_j + sum_i v_i W_ij (j < nh), the hidden units' field given binary v (nv bytes):
 * a sum over the rows of W whose v_i is on, in order (lib/models/rbm_data.c). */
void rbm_hidden_field(const zs_rbm *rbm, const uint8_t *v, double *x);

/* 1 / (1 + e^-x) in double: p(h_j = 1 | v) and p(v_i = 1 | h) of the samplers (for x < -709,
 * e^-x is inf and the value its limit 0). */
static inline double rbm_logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

/* ZS_EINVAL, "<what> row R, column C = X is not 0 or 1" (0-based), when a byte of the n rows of
 * nv units is not 0 or 1 (lib/models/rbm_data.c). */
zs_status rbm_check_rows(zs_ctx *ctx, const char *what, const uint8_t *rows, size_t n, size_t nv);

/* sum_j softplus(x_j) = sum_j max(x_j, 0) + ln prod_j (1 + e^{-|x_j|}): one exp per term and
 * one log per 512 terms (each factor is in (1, 2], so 512 of them stay below 2^512). */
double rbm_sum_softplus(const double *x, size_t n);

/* acc[j] = sum_{q < non} w[on[q] * stride + j], j < n: the product of a binary vector (the
 * indices of its ones) with a float matrix, rows added in the order of on[] (so the AVX-512 and
 * portable versions agree bit for bit). ZSUM_NO_SIMD=1 forces the portable loop. */
void rbm_rows_sum(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non, size_t n);

/* Many row sums at once: out[q] (n floats) = the sum of the rows of w (m rows, row stride
 * `stride`) listed in lists[q] (increasing), q < nq, with the same bits as one rbm_rows_sum per
 * query; on AVX-512 blocked so that a slice of w is read from L1 by all the queries
 * (rbm_rows_avx512.c). cursor: scratch for nq entries. */
void rbm_rows_sum_many(float *const *out, const float *w, size_t stride, size_t m,
                       const uint32_t *const *lists, const size_t *counts, size_t nq, size_t n,
                       size_t *cursor);

/* The CD step of rows x < ni of W (nh wide) and of their velocities vw:
 *   pos = sum of the rows of p0 listed in c0[s0[x] .. s0[x+1]), in list order (from 0),
 *   neg = the same over pk, ck and sk,
 *   vw = mom vw + lr ((pos - neg) inv - wd w),  w += vw,
 * each element with the operations in this order and no fused multiply-add, so every instruction
 * set gives the same bits. On AVX-512 the slices of p0 and pk are read from L1. vw may be NULL
 * when mom = 0: then w += lr ((pos - neg) inv - wd w), the same bits (0 vw + x = x: x is never
 * -0 here, since pos - neg is +0 when they are equal), and no velocity is read or written.
 * scratch: 2 nh floats (used by the other versions). */
void rbm_grad_step(float *w, float *vw, size_t nh, const float *p0, const float *pk,
                   const uint32_t *c0, const size_t *s0, const uint32_t *ck, const size_t *sk,
                   size_t ni, float lr, float mom, float wd, float inv, float *scratch);

/* dst[j * dstride + r] = src[r * sstride + j] for r < rows <= 16, j < cols (keeping a W^T). */
void rbm_transpose16(float *dst, size_t dstride, const float *src, size_t sstride, size_t rows,
                     size_t cols);

/* Bernoulli draws: on[] = base + k for the k < n (n even) with u_k < p[k], where u_{2i} and
 * u_{2i+1} are bits 40..63 and 8..31 of words[i] times 2^-24 (24-bit uniforms in [0, 1), two
 * per 64-bit draw); returns how many. on[] needs room for n entries. */
size_t rbm_select_below(uint32_t *on, const float *p, const uint64_t *words, size_t n, uint32_t base);

/* y[j] = sigmoid(x[j] + bias[j]) in float32 (SLEEF's AVX-512 expf, or libm's; y may be x). */
void rbm_sigmoid(float *y, const float *x, const float *bias, size_t n);

#endif
