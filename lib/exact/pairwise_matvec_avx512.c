/* pairwise_matvec_avx512.c — the enumeration's inner block as a matrix-vector product with
 * AVX-512 fused multiply-adds: v = sum_r a[r] M[r,:] kept in 8 registers (64 columns at a
 * time), then v . b. Compiled with -mavx512f; called only after the CPU said it has AVX-512F. */
#include "exact/pairwise_kernels.h"

#ifdef __AVX512F__
#include <immintrin.h>

double pairwise_block_sum_avx512(const double *mat, const double *a, const double *b,
                                 size_t rows, size_t cols) {
    __m512d tot = _mm512_setzero_pd();
    for (size_t c0 = 0; c0 < cols; c0 += 64) {
        size_t w = cols - c0 < 64 ? cols - c0 : 64; /* multiple of 8 */
        __m512d acc[8];
        for (int k = 0; k < 8; k++) acc[k] = _mm512_setzero_pd();
        if (w == 64) {
            for (size_t r = 0; r < rows; r++) {
                const double *row = mat + r * cols + c0;
                __m512d ar = _mm512_set1_pd(a[r]);
                for (int k = 0; k < 8; k++)
                    acc[k] = _mm512_fmadd_pd(ar, _mm512_loadu_pd(row + 8 * k), acc[k]);
            }
        } else {
            for (size_t r = 0; r < rows; r++) {
                const double *row = mat + r * cols + c0;
                __m512d ar = _mm512_set1_pd(a[r]);
                for (size_t k = 0; k < w / 8; k++)
                    acc[k] = _mm512_fmadd_pd(ar, _mm512_loadu_pd(row + 8 * k), acc[k]);
            }
        }
        for (size_t k = 0; k < w / 8; k++)
            tot = _mm512_fmadd_pd(acc[k], _mm512_loadu_pd(b + c0 + 8 * k), tot);
    }
    return _mm512_reduce_add_pd(tot);
}

/* Eight rows at a time, all columns: the eight accumulators stay in registers and each
 * column costs three loads, five broadcasts and eight fused multiply-adds. */
void pairwise_moments_avx512(const pairwise_moment_io *io) {
    const size_t NA = io->NA;
    for (size_t r = 0; r < NA; r += 8) {
        __m512d y1 = _mm512_setzero_pd(), y2 = y1, ym = y1, ym2 = y1, z0 = y1, z1 = y1, u0 = y1;
        for (size_t k = 0; k < io->ncls; k++) {
            __m512d y0 = _mm512_setzero_pd();
            for (size_t c = io->cls[k]; c < io->cls[k + 1]; c++) {
                __m512d m = _mm512_loadu_pd(io->mt + c * NA + r);
                __m512d m1 = _mm512_loadu_pd(io->mt1 + c * NA + r);
                __m512d m2 = _mm512_loadu_pd(io->mt2 + c * NA + r);
                __m512d b = _mm512_set1_pd(io->b[c]), bg = _mm512_set1_pd(io->bg[c]);
                y0 = _mm512_fmadd_pd(b, m, y0);
                y1 = _mm512_fmadd_pd(bg, m, y1);
                y2 = _mm512_fmadd_pd(_mm512_set1_pd(io->bg2[c]), m, y2);
                ym = _mm512_fmadd_pd(_mm512_set1_pd(io->bm[c]), m, ym);
                ym2 = _mm512_fmadd_pd(_mm512_set1_pd(io->bm2[c]), m, ym2);
                z0 = _mm512_fmadd_pd(b, m1, z0);
                z1 = _mm512_fmadd_pd(bg, m1, z1);
                u0 = _mm512_fmadd_pd(b, m2, u0);
            }
            _mm512_storeu_pd(io->y0c + k * NA + r, y0);
        }
        _mm512_storeu_pd(io->y1 + r, y1);
        _mm512_storeu_pd(io->y2 + r, y2);
        _mm512_storeu_pd(io->ym + r, ym);
        _mm512_storeu_pd(io->ym2 + r, ym2);
        _mm512_storeu_pd(io->z0 + r, z0);
        _mm512_storeu_pd(io->z1 + r, z1);
        _mm512_storeu_pd(io->u0 + r, u0);
    }
}
#endif
