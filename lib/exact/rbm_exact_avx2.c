/* rbm_exact_avx2.c — AVX2 + FMA kernels of the exact RBM sum (rbm_exact_kernels.h), with
 * SLEEF's vector exp and log (1.0-ULP). Compiled with -mavx2 -mfma; called only after the CPU
 * said it has both (rbm_exact.c). Sixteen ymm registers do not hold 64 lanes with their
 * exponents, so the 64 lanes are done as four passes of 16 (four ymm products, four exponent
 * sums). AVX2 has no getexp/getmant: the split p = m 2^e is done on the bits, exact for the
 * normal positive numbers p always is. */
#include "exact/rbm_exact_kernels.h"

#ifdef __AVX2__
#include <immintrin.h>
#include <sleef.h>

#define Q 4 /* ymm registers per pass: 16 lanes */

/* p = m 2^e, m in [1, 2): ex += e, p = m. */
static inline void renorm(__m256d *p, __m256d *ex) {
    const __m256i bits = _mm256_castpd_si256(*p);
    const __m256i mant = _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL);
    const __m256i one = _mm256_set1_epi64x(0x3FF0000000000000LL);
    /* the biased exponent as a double: 2^52 + e_biased, read back with the 2^52 bit pattern */
    const __m256i magic = _mm256_set1_epi64x(0x4330000000000000LL);
    __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(bits, 52), magic)),
                              _mm256_set1_pd(4503599627370496.0 + 1023.0));
    *ex = _mm256_add_pd(*ex, e);
    *p = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, mant), one));
}

void rbm_kernel_fast_avx2(const double *eo, const double *e, size_t m, size_t r, double *out) {
    const __m256d one = _mm256_set1_pd(1.0), ln2 = _mm256_set1_pd(0.69314718055994530942);
    for (int pass = 0; pass < RBM_LANES / (4 * Q); pass++) {
        const size_t off = (size_t)pass * 4 * Q;
        __m256d p[Q], ex[Q];
        for (int k = 0; k < Q; k++) {
            p[k] = one;
            ex[k] = _mm256_setzero_pd();
        }
        size_t i = 0;
        while (i < m) {
            size_t end = i + r < m ? i + r : m;
            for (; i < end; i++) {
                const __m256d b = _mm256_set1_pd(eo[i]);
                const double *row = e + i * RBM_LANES + off;
                for (int k = 0; k < Q; k++)
                    p[k] = _mm256_mul_pd(p[k], _mm256_fmadd_pd(b, _mm256_loadu_pd(row + 4 * k), one));
            }
            for (int k = 0; k < Q; k++) renorm(&p[k], &ex[k]);
        }
        for (int k = 0; k < Q; k++)
            _mm256_storeu_pd(out + off + 4 * k, _mm256_fmadd_pd(ex[k], ln2, Sleef_logd4_u10avx2(p[k])));
    }
}

void rbm_kernel_robust_avx2(const double *xo, const double *y, size_t m, double *out) {
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    const __m256d signbit = _mm256_set1_pd(-0.0), ln2 = _mm256_set1_pd(0.69314718055994530942);
    for (int pass = 0; pass < RBM_LANES / (4 * Q); pass++) {
        const size_t off = (size_t)pass * 4 * Q;
        __m256d p[Q], lin[Q], ex[Q];
        for (int k = 0; k < Q; k++) {
            p[k] = one;
            lin[k] = zero;
            ex[k] = zero;
        }
        size_t i = 0;
        while (i < m) {
            size_t end = i + 512 < m ? i + 512 : m; /* 512 factors in (1, 2] stay below 2^512 */
            for (; i < end; i++) {
                const __m256d b = _mm256_set1_pd(xo[i]);
                const double *row = y + i * RBM_LANES + off;
                for (int k = 0; k < Q; k++) {
                    __m256d x = _mm256_add_pd(b, _mm256_loadu_pd(row + 4 * k));
                    lin[k] = _mm256_add_pd(lin[k], _mm256_max_pd(x, zero));
                    p[k] = _mm256_fmadd_pd(p[k], Sleef_expd4_u10avx2(_mm256_or_pd(x, signbit)), p[k]);
                }
            }
            for (int k = 0; k < Q; k++) renorm(&p[k], &ex[k]);
        }
        for (int k = 0; k < Q; k++)
            _mm256_storeu_pd(out + off + 4 * k,
                             _mm256_add_pd(lin[k], _mm256_fmadd_pd(ex[k], ln2, Sleef_logd4_u10avx2(p[k]))));
    }
}
#endif
