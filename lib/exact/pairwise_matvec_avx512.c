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
#endif
