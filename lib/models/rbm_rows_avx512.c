/* rbm_rows_avx512.c — AVX-512 row sums (rbm_rows_kernels.h): columns in blocks of 128
 * floats held in eight zmm accumulators while the rows that are on stream past, so each element
 * of W costs one load and one add. Compiled with -mavx512f; called after a CPU check. */
#include "models/rbm_rows_kernels.h"

#ifdef __AVX512F__
#include <immintrin.h>
#include <math.h>
#include <sleef.h>

/* The last n < 128 columns as `vecs` accumulators (the last one masked) in one pass over the
 * rows: one accumulator per 16 columns and a pass each made the 116-column tail of a 500-wide
 * W cost as much as three full blocks (each pass a chain of dependent adds). */
static inline __attribute__((always_inline)) void tail_block(float *acc, const float *w,
                                                              size_t stride, const uint32_t *on,
                                                              size_t non, const int vecs,
                                                              __mmask16 last) {
    __m512 s[8];
    for (int k = 0; k < vecs; k++) s[k] = _mm512_setzero_ps();
    for (size_t q = 0; q < non; q++) {
        const float *row = w + (size_t)on[q] * stride;
        for (int k = 0; k + 1 < vecs; k++)
            s[k] = _mm512_add_ps(s[k], _mm512_loadu_ps(row + 16 * k));
        s[vecs - 1] =
            _mm512_add_ps(s[vecs - 1], _mm512_maskz_loadu_ps(last, row + 16 * (vecs - 1)));
    }
    for (int k = 0; k + 1 < vecs; k++) _mm512_storeu_ps(acc + 16 * k, s[k]);
    _mm512_mask_storeu_ps(acc + 16 * (vecs - 1), last, s[vecs - 1]);
}

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
    if (j0 < n) {
        const size_t left = n - j0;
        const __mmask16 m = (__mmask16)(left % 16 ? (1u << (left % 16)) - 1u : 0xffffu);
        switch ((left + 15) / 16) {
        case 1: tail_block(acc + j0, w + j0, stride, on, non, 1, m); break;
        case 2: tail_block(acc + j0, w + j0, stride, on, non, 2, m); break;
        case 3: tail_block(acc + j0, w + j0, stride, on, non, 3, m); break;
        case 4: tail_block(acc + j0, w + j0, stride, on, non, 4, m); break;
        case 5: tail_block(acc + j0, w + j0, stride, on, non, 5, m); break;
        case 6: tail_block(acc + j0, w + j0, stride, on, non, 6, m); break;
        case 7: tail_block(acc + j0, w + j0, stride, on, non, 7, m); break;
        default: tail_block(acc + j0, w + j0, stride, on, non, 8, m); break;
        }
    }
}

void rbm_sigmoid_avx512(float *y, const float *x, const float *bias, size_t n) {
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 z = _mm512_sub_ps(zero, _mm512_add_ps(_mm512_loadu_ps(x + j), _mm512_loadu_ps(bias + j)));
        _mm512_storeu_ps(y + j, _mm512_div_ps(one, _mm512_add_ps(one, Sleef_expf16_u10avx512f(z))));
    }
    for (; j < n; j++) y[j] = 1.0f / (1.0f + expf(-(x[j] + bias[j])));
}
#endif
