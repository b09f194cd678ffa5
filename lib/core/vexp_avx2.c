/* vexp_avx2.c — AVX2 kernels over SLEEF's exp (1.0-ULP). Compiled with -mavx2 -mfma; called
 * only after the CPU said it has AVX2 and FMA (vexp.c). */
#include "core/vexp_kernels.h"

#ifdef __AVX2__
#include <immintrin.h>
#include <sleef.h>

double zs_sum_exp_shift_avx2(const double *x, size_t n, double shift) {
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    const __m256d sh = _mm256_set1_pd(shift);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        acc0 = _mm256_add_pd(acc0, Sleef_expd4_u10avx2(_mm256_add_pd(_mm256_loadu_pd(x + i), sh)));
        acc1 = _mm256_add_pd(acc1, Sleef_expd4_u10avx2(_mm256_add_pd(_mm256_loadu_pd(x + i + 4), sh)));
    }
    double lane[4];
    _mm256_storeu_pd(lane, _mm256_add_pd(acc0, acc1));
    double s = (lane[0] + lane[1]) + (lane[2] + lane[3]);
    for (; i < n; i++) s += exp(x[i] + shift);
    return s;
}

void zs_vexp_shift_avx2(double *y, const double *x, size_t n, double shift) {
    const __m256d sh = _mm256_set1_pd(shift);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(y + i, Sleef_expd4_u10avx2(_mm256_add_pd(_mm256_loadu_pd(x + i), sh)));
    for (; i < n; i++) y[i] = exp(x[i] + shift);
}
#endif
