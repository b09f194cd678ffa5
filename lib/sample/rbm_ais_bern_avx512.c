/* rbm_ais_bern_avx512.c — the AIS Bernoulli draws (rbm_ais_bern.h), eight per step. */
#include "sample/rbm_ais_bern.h"

#include <immintrin.h>

void rbm_ais_bern_avx512(const uint64_t *words, const double *y, const double *t, size_t n,
                         float *out) {
    const __m512d half = _mm512_set1_pd(0.5), scale = _mm512_set1_pd(0x1.0p-32);
    const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
    const __m256 onef = _mm256_set1_ps(1.0f);
    size_t q = 0;
    for (; q + 8 <= n; q += 8) {
        /* 4 words = 8 halves, low first in memory: swap each pair to take the high half first. */
        __m256i w = _mm256_loadu_si256((const __m256i *)(const void *)(words + q / 2));
        w = _mm256_shuffle_epi32(w, 0xB1);
        const __m512d u = _mm512_mul_pd(_mm512_add_pd(_mm512_cvtepu32_pd(w), half), scale);
        const __m512d tv = _mm512_loadu_pd(t + q), yv = _mm512_loadu_pd(y + q);
        const __m512d lhs = _mm512_mul_pd(u, _mm512_add_pd(one, tv));
        const __m512d rhs = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(yv, zero, _CMP_GE_OQ), tv, one);
        const __mmask8 hit = _mm512_cmp_pd_mask(lhs, rhs, _CMP_LT_OQ);
        _mm256_storeu_ps(out + q, _mm256_maskz_mov_ps(hit, onef));
    }
    for (; q < n; q++) {
        const uint32_t x = (uint32_t)(words[q >> 1] >> ((~q & 1) * 32));
        const double uq = ((double)x + 0.5) * 0x1.0p-32;
        out[q] = uq * (1.0 + t[q]) < (y[q] >= 0 ? 1.0 : t[q]) ? 1.0f : 0.0f;
    }
}
