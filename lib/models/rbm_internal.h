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
};

/* sum_j softplus(x_j) = sum_j max(x_j, 0) + ln prod_j (1 + e^{-|x_j|}): one exp per term and
 * one log per 512 terms (each factor is in (1, 2], so 512 of them stay below 2^512). */
double rbm_sum_softplus(const double *x, size_t n);

/* acc[j] = sum_{q < non} w[on[q] * stride + j], j < n: the product of a binary vector (the
 * indices of its ones) with a float matrix, rows added in the order of on[] (so the AVX-512 and
 * portable versions agree bit for bit). ZSUM_NO_SIMD=1 forces the portable loop. */
void rbm_rows_sum(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non, size_t n);

/* y[j] = sigmoid(x[j] + bias[j]) in float32 (SLEEF's AVX-512 expf, or libm's; y may be x). */
void rbm_sigmoid(float *y, const float *x, const float *bias, size_t n);

#endif
