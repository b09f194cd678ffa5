/* rbm_rows_kernels.h — the hot loop of AIS and training for binary units, per instruction set:
 * acc[j] = sum_{q < non} w[on[q] * stride + j] for j < n, rows added in the order of on[], so
 * every version gives the same float32 sums bit for bit. */
#ifndef ZSUM_MODELS_RBM_ROWS_KERNELS_H
#define ZSUM_MODELS_RBM_ROWS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

void rbm_rows_sum_avx512(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                         size_t n);

/* out[q][j] = sum_{x < counts[q]} w[lists[q][x] * stride + j], j < n, q < nq, for a w of m rows
 * and increasing lists: the same bits as rbm_rows_sum per query (rbm_internal.h). cursor: nq. */
void rbm_rows_sum_many_avx512(float *const *out, const float *w, size_t stride, size_t m,
                              const uint32_t *const *lists, const size_t *counts, size_t nq,
                              size_t n, size_t *cursor);

/* The gradient step of rows x < ni of W and its velocity (rbm_internal.h: rbm_grad_step). */
void rbm_grad_step_avx512(float *w, float *vw, size_t nh, const float *p0, const float *pk,
                          const uint32_t *c0, const size_t *s0, const uint32_t *ck, const size_t *sk,
                          size_t ni, float lr, float mom, float wd, float inv);

/* dst[j * dstride + r] = src[r * sstride + j] for r < rows <= 16, j < cols. */
void rbm_transpose16_avx512(float *dst, size_t dstride, const float *src, size_t sstride, size_t rows,
                            size_t cols);

/* The k < n (n even) with u_k < p[k], as base + k, into on[]; u_k the 24-bit uniforms of
 * words[], two per word, the high one first (rbm_internal.h: rbm_select_below). */
size_t rbm_select_below_avx512(uint32_t *on, const float *p, const uint64_t *words, size_t n,
                               uint32_t base);

/* y[j] = 1 / (1 + exp(-(x[j] + bias[j]))), j < n, in float32 with SLEEF's expf (1.0 ULP). */
void rbm_sigmoid_avx512(float *y, const float *x, const float *bias, size_t n);

void rbm_rows_sum_avx2(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                       size_t n);
void rbm_sigmoid_avx2(float *y, const float *x, const float *bias, size_t n);

#endif
