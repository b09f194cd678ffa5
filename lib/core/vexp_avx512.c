/* vexp_avx512.c — AVX-512 kernels over SLEEF's exp (1.0-ULP). Compiled with -mavx512f; called
 * only after the CPU said it has AVX-512F (vexp.c). */
#include "core/vexp_kernels.h"

#ifdef __AVX512F__
#include <immintrin.h>
#include <sleef.h>

double zs_sum_exp_shift_avx512(const double *x, size_t n, double shift) {
    __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
    const __m512d sh = _mm512_set1_pd(shift);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm512_add_pd(acc0, Sleef_expd8_u10avx512f(_mm512_add_pd(_mm512_loadu_pd(x + i), sh)));
        acc1 = _mm512_add_pd(acc1, Sleef_expd8_u10avx512f(_mm512_add_pd(_mm512_loadu_pd(x + i + 8), sh)));
    }
    double s = _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
    for (; i < n; i++) s += exp(x[i] + shift);
    return s;
}

void zs_vexp_shift_avx512(double *y, const double *x, size_t n, double shift) {
    const __m512d sh = _mm512_set1_pd(shift);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(y + i, Sleef_expd8_u10avx512f(_mm512_add_pd(_mm512_loadu_pd(x + i), sh)));
    for (; i < n; i++) y[i] = exp(x[i] + shift);
}
#endif
