/* rbm_exact_avx512.c — AVX-512 kernels of the exact RBM sum (see rbm_exact_kernels.h), with
 * SLEEF's vector exp and log (1.0-ULP). Compiled with -mavx512f; called only after the CPU said
 * it has AVX-512F (rbm_exact.c). The 64 lanes are eight zmm accumulators. */
#include "exact/rbm_exact_kernels.h"

#ifdef __AVX512F__
#include <immintrin.h>
#include <sleef.h>

#define NV (RBM_LANES / 8)

void rbm_kernel_fast_avx512(const double *eo, const double *e, size_t m, size_t r, double *out) {
    __m512d p[NV], ex[NV];
    const __m512d one = _mm512_set1_pd(1.0);
    for (int k = 0; k < NV; k++) {
        p[k] = one;
        ex[k] = _mm512_setzero_pd();
    }
    size_t i = 0;
    while (i < m) {
        size_t end = i + r < m ? i + r : m;
        for (; i < end; i++) {
            const __m512d b = _mm512_set1_pd(eo[i]);
            const double *row = e + i * RBM_LANES;
            for (int k = 0; k < NV; k++)
                p[k] = _mm512_mul_pd(p[k], _mm512_fmadd_pd(b, _mm512_loadu_pd(row + 8 * k), one));
        }
        /* p = mant * 2^exp with mant in [1, 2): keep the exponent apart so p never overflows. */
        for (int k = 0; k < NV; k++) {
            ex[k] = _mm512_add_pd(ex[k], _mm512_getexp_pd(p[k]));
            p[k] = _mm512_getmant_pd(p[k], _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
        }
    }
    const __m512d ln2 = _mm512_set1_pd(0.69314718055994530942);
    for (int k = 0; k < NV; k++)
        _mm512_storeu_pd(out + 8 * k, _mm512_fmadd_pd(ex[k], ln2, Sleef_logd8_u10avx512f(p[k])));
}

void rbm_kernel_robust_avx512(const double *xo, const double *y, size_t m, double *out) {
    __m512d p[NV], lin[NV], ex[NV];
    const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
    const __m512d signbit = _mm512_set1_pd(-0.0);
    for (int k = 0; k < NV; k++) {
        p[k] = one;
        lin[k] = zero;
        ex[k] = zero;
    }
    size_t i = 0;
    while (i < m) {
        size_t end = i + 512 < m ? i + 512 : m; /* 512 factors in (1, 2] stay below 2^512 */
        for (; i < end; i++) {
            const __m512d b = _mm512_set1_pd(xo[i]);
            const double *row = y + i * RBM_LANES;
            for (int k = 0; k < NV; k++) {
                __m512d x = _mm512_add_pd(b, _mm512_loadu_pd(row + 8 * k));
                __m512d negabs = _mm512_or_pd(x, signbit);
                lin[k] = _mm512_add_pd(lin[k], _mm512_max_pd(x, zero));
                p[k] = _mm512_fmadd_pd(p[k], Sleef_expd8_u10avx512f(negabs), p[k]);
            }
        }
        for (int k = 0; k < NV; k++) {
            ex[k] = _mm512_add_pd(ex[k], _mm512_getexp_pd(p[k]));
            p[k] = _mm512_getmant_pd(p[k], _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
        }
    }
    const __m512d ln2 = _mm512_set1_pd(0.69314718055994530942);
    for (int k = 0; k < NV; k++)
        _mm512_storeu_pd(out + 8 * k, _mm512_add_pd(lin[k], _mm512_fmadd_pd(ex[k], ln2,
                                                        Sleef_logd8_u10avx512f(p[k]))));
}
#endif
