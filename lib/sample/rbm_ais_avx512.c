/* rbm_ais_avx512.c — AVX-512 row sums for AIS (rbm_ais_kernels.h): columns in blocks of 128
 * floats held in eight zmm accumulators while the rows that are on stream past, so each element
 * of W costs one load and one add. Compiled with -mavx512f; called after a CPU check. */
#include "sample/rbm_ais_kernels.h"

#ifdef __AVX512F__
#include <immintrin.h>

void rbm_rows_sum_avx512(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                         size_t n) {
    size_t j0 = 0;
    for (; j0 + 128 <= n; j0 += 128) {
        __m512 s[8];
        for (int k = 0; k < 8; k++) s[k] = _mm512_setzero_ps();
        for (size_t q = 0; q < non; q++) {
            const float *row = w + (size_t)on[q] * stride + j0;
            for (int k = 0; k < 8; k++) s[k] = _mm512_add_ps(s[k], _mm512_loadu_ps(row + 16 * k));
        }
        for (int k = 0; k < 8; k++) _mm512_storeu_ps(acc + j0 + 16 * k, s[k]);
    }
    for (; j0 < n; j0 += 16) {
        size_t left = n - j0;
        __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
        __m512 s = _mm512_setzero_ps();
        for (size_t q = 0; q < non; q++)
            s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, w + (size_t)on[q] * stride + j0));
        _mm512_mask_storeu_ps(acc + j0, m, s);
    }
}
#endif
