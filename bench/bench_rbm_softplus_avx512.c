/* bench_rbm_softplus_avx512.c — SLEEF AVX-512 softplus for bench_rbm_softplus.c: 8 lanes of
 * max(x, 0) + log1p(exp(-|x|)). Compiled with -mavx512f (bench/CMakeLists.txt). */
#include <stddef.h>

double bench_sum_sleef_avx512(const double *x, size_t n, int reps);

#ifdef __AVX512F__
#include <immintrin.h>
#include <sleef.h>

double bench_sum_sleef_avx512(const double *x, size_t n, int reps) {
    __m512d acc = _mm512_setzero_pd();
    const __m512d zero = _mm512_setzero_pd(), sign = _mm512_set1_pd(-0.0);
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i + 8 <= n; i += 8) {
            __m512d v = _mm512_loadu_pd(x + i);
            __m512d t = Sleef_log1pd8_u10avx512f(Sleef_expd8_u10avx512f(_mm512_or_pd(v, sign)));
            acc = _mm512_add_pd(acc, _mm512_add_pd(_mm512_max_pd(v, zero), t));
        }
    return _mm512_reduce_add_pd(acc);
}
#endif
