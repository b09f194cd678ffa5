/* elim_lse_avx2.c — elim_lse_rows with SLEEF's avx2 exp, log and log1p (4 lanes); see
 * elim_lse.c for the formula. Compiled for avx2, called only after the CPU check there. */
#include "exact/elim_lse.h"

#ifdef __AVX2__
#include <immintrin.h>
#include <sleef.h>

static inline __m256d blend_zero_if_ninf(__m256d m) {
    __m256d k = _mm256_cmp_pd(m, _mm256_set1_pd(-HUGE_VAL), _CMP_EQ_OQ);
    return _mm256_blendv_pd(m, _mm256_setzero_pd(), k);
}

void elim_lse_rows_avx2(const double *s, size_t d, size_t L, double *out) {
    size_t i = 0;
    if (d == 2) {
        const __m256d one = _mm256_set1_pd(1.0);
        for (; i + 4 <= L; i += 4) {
            __m256d a = _mm256_loadu_pd(s + i), b = _mm256_loadu_pd(s + L + i);
            __m256d m = _mm256_max_pd(a, b), lo = _mm256_min_pd(a, b);
            __m256d t = Sleef_expd4_u10avx2(_mm256_sub_pd(lo, blend_zero_if_ninf(m)));
            _mm256_storeu_pd(out + i, _mm256_add_pd(m, Sleef_logd4_u35avx2(_mm256_add_pd(one, t))));
        }
    } else {
        for (; i + 4 <= L; i += 4) {
            __m256d m = _mm256_loadu_pd(s + i);
            for (size_t x = 1; x < d; x++) m = _mm256_max_pd(m, _mm256_loadu_pd(s + x * L + i));
            __m256d shift = blend_zero_if_ninf(m), acc = _mm256_setzero_pd();
            for (size_t x = 0; x < d; x++)
                acc = _mm256_add_pd(acc, Sleef_expd4_u10avx2(_mm256_sub_pd(_mm256_loadu_pd(s + x * L + i), shift)));
            _mm256_storeu_pd(out + i, _mm256_add_pd(m, Sleef_logd4_u35avx2(acc)));
        }
    }
    if (i < L) {
        /* The tail columns, through the scalar loop on a strided view. */
        double tmp[64 * 4];
        size_t r = L - i;
        if (d <= 64) {
            for (size_t x = 0; x < d; x++)
                for (size_t j = 0; j < r; j++) tmp[x * r + j] = s[x * L + i + j];
            elim_lse_rows_scalar(tmp, d, r, out + i);
        } else {
            for (size_t j = 0; j < r; j++) {
                double m = s[i + j];
                for (size_t x = 1; x < d; x++) m = s[x * L + i + j] > m ? s[x * L + i + j] : m;
                double shift = m == -HUGE_VAL ? 0.0 : m, acc = 0.0;
                for (size_t x = 0; x < d; x++) acc += exp(s[x * L + i + j] - shift);
                out[i + j] = m + log(acc);
            }
        }
    }
}
#endif
