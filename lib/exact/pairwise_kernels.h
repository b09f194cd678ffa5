/* pairwise_kernels.h — the enumeration's inner block kernel (lib/exact/pairwise_enumerate.c)
 * and its AVX-512 build (pairwise_matvec_avx512.c, called only after a CPU check). */
#ifndef ZSUM_EXACT_PAIRWISE_KERNELS_H
#define ZSUM_EXACT_PAIRWISE_KERNELS_H

#include <stddef.h>

/* sum_r a[r] sum_c M[r*cols + c] b[c] for rows x cols M (row-major). cols % 8 == 0 for the
 * AVX-512 version. */
double pairwise_block_sum_avx512(const double *mat, const double *a, const double *b,
                                 size_t rows, size_t cols);

/* The eight products of the moment pass (pairwise_enumerate.c, thermo_matvec): with mt,
 * mt1, mt2 stored column by column (NA rows each) and the columns grouped in classes
 * [cls[k], cls[k+1]):
 *   y0c[k*NA + r] = sum_{c in class k} b[c] mt[c,r],  y1 = mt bg, y2 = mt bg2, ym = mt bm,
 *   ym2 = mt bm2, z0 = mt1 b, z1 = mt1 bg, u0 = mt2 b   (all outputs overwritten). */
typedef struct pairwise_moment_io {
    const double *mt, *mt1, *mt2;
    size_t NA, ncls;
    const size_t *cls;
    const double *b, *bg, *bg2, *bm, *bm2;
    double *y0c, *y1, *y2, *ym, *ym2, *z0, *z1, *u0;
} pairwise_moment_io;

/* NA % 8 == 0. */
void pairwise_moments_avx512(const pairwise_moment_io *io);

#endif
