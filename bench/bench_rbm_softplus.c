/* bench_rbm_softplus.c — the floor of the exact RBM sum: how many softplus(x) = ln(1 + e^x)
 * evaluations per second this machine does, on all threads, as (1) libm's log1p(exp(x)) per
 * term (zs_softplus) and (2) SLEEF's AVX-512 log1p and exp over 8 lanes. The exact sum of an
 * nv x nh RBM (nh <= nv) needs nv * 2^nh of them; bench_rbm.sh divides. */
#include "zsum.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* bench_rbm_softplus_avx512.c, compiled with -mavx512f; called after a CPU check. */
double bench_sum_sleef_avx512(const double *x, size_t n, int reps);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void) {
    const size_t n = 4096;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = -8.0 + 16.0 * (double)i / (double)n;
    const int reps = 4000;
    double sink = 0, t0 = now();
#pragma omp parallel reduction(+ : sink)
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < n; i++) sink += zs_softplus(x[i]);
    double t1 = now();
    int threads = omp_get_max_threads();
    printf("softplus_libm_per_s %.4g\n", (double)n * reps * threads / (t1 - t0));
#ifdef __x86_64__
    if (__builtin_cpu_supports("avx512f")) {
        t0 = now();
#pragma omp parallel reduction(+ : sink)
        sink += bench_sum_sleef_avx512(x, n, reps * 4);
        t1 = now();
        printf("softplus_sleef_avx512_per_s %.4g\n", (double)n * reps * 4 * threads / (t1 - t0));
    }
#endif
    printf("threads %d (checksum %g)\n", threads, sink);
    free(x);
    return 0;
}
