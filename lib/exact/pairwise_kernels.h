/* pairwise_kernels.h — the enumeration's inner block kernel (lib/exact/pairwise_enumerate.c)
 * and its AVX-512 build (pairwise_matvec_avx512.c, called only after a CPU check). */
#ifndef ZSUM_EXACT_PAIRWISE_KERNELS_H
#define ZSUM_EXACT_PAIRWISE_KERNELS_H

#include <stddef.h>

/* sum_r a[r] sum_c M[r*cols + c] b[c] for rows x cols M (row-major). cols % 8 == 0 for the
 * AVX-512 version. */
double pairwise_block_sum_avx512(const double *mat, const double *a, const double *b,
                                 size_t rows, size_t cols);

#endif
