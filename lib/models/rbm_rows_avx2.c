/* rbm_rows_avx2.c — AVX2 row sums and float sigmoid (rbm_rows_kernels.h): columns in blocks of
 * 64 floats held in eight ymm accumulators while the rows that are on stream past, rows added in
 * list order (the same float sums as the other versions). Compiled with -mavx2 -mfma; called
 * after a CPU check (rbm.c). */
#include "models/rbm_rows_kernels.h"

#ifdef __AVX2__
#include <immintrin.h>
#include <math.h>
#include <sleef.h>

void rbm_rows_sum_avx2(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                       size_t n) {
    size_t j0 = 0;
    for (; j0 + 64 <= n; j0 += 64) {
        __m256 s[8];
        for (int k = 0; k < 8; k++) s[k] = _mm256_setzero_ps();
        for (size_t q = 0; q < non; q++) {
            const float *row = w + (size_t)on[q] * stride + j0;
            for (int k = 0; k < 8; k++) s[k] = _mm256_add_ps(s[k], _mm256_loadu_ps(row + 8 * k));
        }
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(acc + j0 + 8 * k, s[k]);
    }
    for (; j0 + 8 <= n; j0 += 8) {
        __m256 s = _mm256_setzero_ps();
        for (size_t q = 0; q < non; q++) s = _mm256_add_ps(s, _mm256_loadu_ps(w + (size_t)on[q] * stride + j0));
        _mm256_storeu_ps(acc + j0, s);
    }
    for (; j0 < n; j0++) {
        float s = 0.0f;
        for (size_t q = 0; q < non; q++) s += w[(size_t)on[q] * stride + j0];
        acc[j0] = s;
    }
}

void rbm_sigmoid_avx2(float *y, const float *x, const float *bias, size_t n) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 z = _mm256_sub_ps(zero, _mm256_add_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(bias + j)));
        _mm256_storeu_ps(y + j, _mm256_div_ps(one, _mm256_add_ps(one, Sleef_expf8_u10avx2(z))));
    }
    for (; j < n; j++) y[j] = 1.0f / (1.0f + expf(-(x[j] + bias[j])));
}
#endif
