/* rbm_rows_kernels.h — the hot loop of AIS and training for binary units, per instruction set:
 * acc[j] = sum_{q < non} w[on[q] * stride + j] for j < n, rows added in the order of on[], so
 * every version gives the same float32 sums bit for bit. */
#ifndef ZSUM_MODELS_RBM_ROWS_KERNELS_H
#define ZSUM_MODELS_RBM_ROWS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

void rbm_rows_sum_avx512(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                         size_t n);

/* y[j] = 1 / (1 + exp(-(x[j] + bias[j]))), j < n, in float32 with SLEEF's expf (1.0 ULP). */
void rbm_sigmoid_avx512(float *y, const float *x, const float *bias, size_t n);

void rbm_rows_sum_avx2(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                       size_t n);
void rbm_sigmoid_avx2(float *y, const float *x, const float *bias, size_t n);

#endif
