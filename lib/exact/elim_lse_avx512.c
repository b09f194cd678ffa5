/* elim_lse_avx512.c — elim_lse_rows with SLEEF's avx512 exp, log and log1p (8 lanes); see
 * elim_lse.c for the formula. Compiled for avx512, called only after the CPU check there. */
#include "exact/elim_lse.h"

#ifdef __AVX512F__
#include <immintrin.h>
#include <sleef.h>

static inline __m512d blend_zero_if_ninf(__m512d m) {
    __mmask8 k = _mm512_cmp_pd_mask(m, _mm512_set1_pd(-HUGE_VAL), _CMP_EQ_OQ);
    return _mm512_mask_blend_pd(k, m, _mm512_setzero_pd());
}

void elim_lse_rows_avx512(const double *s, size_t d, size_t L, double *out) {
    size_t i = 0;
    if (d == 2) {
        const __m512d one = _mm512_set1_pd(1.0);
        for (; i + 8 <= L; i += 8) {
            __m512d a = _mm512_loadu_pd(s + i), b = _mm512_loadu_pd(s + L + i);
            __m512d m = _mm512_max_pd(a, b), lo = _mm512_min_pd(a, b);
            __m512d t = Sleef_expd8_u10avx512f(_mm512_sub_pd(lo, blend_zero_if_ninf(m)));
            _mm512_storeu_pd(out + i, _mm512_add_pd(m, Sleef_logd8_u35avx512f(_mm512_add_pd(one, t))));
        }
    } else {
        for (; i + 8 <= L; i += 8) {
            __m512d m = _mm512_loadu_pd(s + i);
            for (size_t x = 1; x < d; x++) m = _mm512_max_pd(m, _mm512_loadu_pd(s + x * L + i));
            __m512d shift = blend_zero_if_ninf(m), acc = _mm512_setzero_pd();
            for (size_t x = 0; x < d; x++)
                acc = _mm512_add_pd(acc, Sleef_expd8_u10avx512f(_mm512_sub_pd(_mm512_loadu_pd(s + x * L + i), shift)));
            _mm512_storeu_pd(out + i, _mm512_add_pd(m, Sleef_logd8_u35avx512f(acc)));
        }
    }
    if (i < L) {
        /* The tail columns, through the scalar loop on a strided view. */
        double tmp[64 * 8];
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
