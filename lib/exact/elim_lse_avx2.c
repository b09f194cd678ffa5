/* elim_lse_avx2.c — elim_lse_rows on 4 lanes; see elim_lse.c for the formula. Compiled for
 * avx2, called only after the CPU check there. d = 2 is evaluated inline, by the method of
 * elim_lse_avx512.c (its tables from elim_lse_tables.h, looked up by gathers instead of
 * vpermt2pd) with the same operations in the same order, so both give the same doubles; other
 * d through SLEEF's exp and log. */
#include "exact/elim_lse.h"

#ifdef __AVX2__
#include <immintrin.h>
#include <sleef.h>

#include "exact/elim_lse_tables.h"

static inline __m256d blend_zero_if_ninf(__m256d m) {
    __m256d k = _mm256_cmp_pd(m, _mm256_set1_pd(-HUGE_VAL), _CMP_EQ_OQ);
    return _mm256_blendv_pd(m, _mm256_setzero_pd(), k);
}

/* e^t for t <= 0, 0 below -708 and for NaN (elim_lse_avx512.c's exp_nonpos). */
static inline __m256d exp_nonpos(__m256d t) {
    const __m256d shifter = _mm256_set1_pd(0x1.8p52);
    const __m256d ok = _mm256_cmp_pd(t, _mm256_set1_pd(-708.0), _CMP_GE_OQ);
    t = _mm256_max_pd(t, _mm256_set1_pd(-708.0));
    __m256d kd = _mm256_fmadd_pd(t, _mm256_set1_pd(0x1.71547652b82fep+4), shifter);
    __m256d n = _mm256_sub_pd(kd, shifter);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0x1.62e42fee00000p-5), t);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0x1.a39ef35793c76p-37), r);
    const __m256i ki = _mm256_castpd_si256(kd), low4 = _mm256_set1_epi64x(15);
    __m256d tj = _mm256_i64gather_pd(elim_exp2_16, _mm256_and_si256(ki, low4), 8);
    __m256i eb = _mm256_slli_epi64(_mm256_andnot_si256(low4, ki), 48);
    __m256d sc = _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(tj), eb));
    __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2);
    __m256d p01 = _mm256_fmadd_pd(r, _mm256_set1_pd(1.0 / 6), _mm256_set1_pd(0.5));
    __m256d p23 = _mm256_fmadd_pd(r, _mm256_set1_pd(1.0 / 120), _mm256_set1_pd(1.0 / 24));
    __m256d p45 = _mm256_fmadd_pd(r, _mm256_set1_pd(1.0 / 5040), _mm256_set1_pd(1.0 / 720));
    __m256d q = _mm256_fmadd_pd(r4, p45, _mm256_fmadd_pd(r2, p23, p01));
    __m256d p = _mm256_fmadd_pd(r2, q, r);
    return _mm256_and_pd(ok, _mm256_fmadd_pd(sc, p, sc));
}

/* log1p(u) for u in [0, 1] (elim_lse_avx512.c's log1p_unit). */
static inline __m256d log1p_unit(__m256d u) {
    __m256i j = _mm256_and_si256(
        _mm256_castpd_si256(_mm256_fmadd_pd(u, _mm256_set1_pd(15.0), _mm256_set1_pd(0x1.8p52))),
        _mm256_set1_epi64x(15));
    __m256d cj = _mm256_i64gather_pd(elim_log1p_c, j, 8);
    __m256d r = _mm256_fmadd_pd(u, cj, _mm256_sub_pd(cj, _mm256_set1_pd(1.0)));
    __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    __m256d e[5];
    for (int k = 0; k < 5; k++)
        e[k] = _mm256_fmadd_pd(r, _mm256_set1_pd(1.0 / (2 * k + 3)),
                               _mm256_set1_pd(-1.0 / (2 * k + 2)));
    __m256d q = _mm256_fmadd_pd(r4, _mm256_fmadd_pd(r2, e[3], e[2]),
                                _mm256_fmadd_pd(r2, e[1], e[0]));
    q = _mm256_fmadd_pd(r8, e[4], q);
    __m256d p = _mm256_fmadd_pd(r2, q, r);
    return _mm256_add_pd(_mm256_i64gather_pd(elim_log1p_t, j, 8), p);
}

void elim_lse_rows_avx2(const double *s, size_t d, size_t L, double *out) {
    size_t i = 0;
    if (d == 2) {
        for (; i + 4 <= L; i += 4) {
            __m256d a = _mm256_loadu_pd(s + i), b = _mm256_loadu_pd(s + L + i);
            __m256d m = _mm256_max_pd(a, b), lo = _mm256_min_pd(a, b);
            /* lo = m = -inf: lo - m is NaN, u = 0 and the result m = -inf. */
            __m256d u = exp_nonpos(_mm256_sub_pd(lo, m));
            _mm256_storeu_pd(out + i, _mm256_add_pd(m, log1p_unit(u)));
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
