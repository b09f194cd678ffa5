/* rbm_ais_kernels.h — the hot loop of AIS for binary units (rbm_ais.c), per instruction set:
 * acc[j] = sum_{q < non} w[on[q] * stride + j] for j < n, rows added in the order of on[], so
 * every version gives the same float32 sums bit for bit. */
#ifndef ZSUM_SAMPLE_RBM_AIS_KERNELS_H
#define ZSUM_SAMPLE_RBM_AIS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

void rbm_rows_sum_avx512(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                         size_t n);

#endif
