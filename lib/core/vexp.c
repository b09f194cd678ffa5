/* vexp.c — vectorized exp for hot loops: SLEEF's AVX-512 or AVX2 kernels, chosen once by
 * what the CPU reports, with a plain libm loop (the oracle in tests) elsewhere. The three
 * agree to SLEEF's 1-ULP bound, so results do not depend on the CPU beyond rounding. */
#include "core/internal.h"
#include "core/vexp_kernels.h"

typedef double (*sum_fn)(const double *, size_t, double);
typedef void (*vexp_fn)(double *, const double *, size_t, double);

static double sum_exp_shift_scalar(const double *x, size_t n, double shift) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += exp(x[i] + shift);
    return s;
}

static void vexp_shift_scalar(double *y, const double *x, size_t n, double shift) {
    for (size_t i = 0; i < n; i++) y[i] = exp(x[i] + shift);
}

static int cpu_level(void) {
    /* 2: AVX-512F, 1: AVX2+FMA, 0: neither. ZSUM_NO_SIMD=1 forces the scalar loop. */
    static int level = -1;
    int l = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (l >= 0) return l;
    const char *off = getenv("ZSUM_NO_SIMD");
    __builtin_cpu_init();
    if (off && off[0] == '1') l = 0;
    else if (__builtin_cpu_supports("avx512f")) l = 2;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) l = 1;
    else l = 0;
    __atomic_store_n(&level, l, __ATOMIC_RELAXED);
    return l;
}

double zs_sum_exp_shift(const double *x, size_t n, double shift) {
    static const sum_fn fns[3] = {sum_exp_shift_scalar, zs_sum_exp_shift_avx2,
                                  zs_sum_exp_shift_avx512};
    return fns[cpu_level()](x, n, shift);
}

void zs_vexp_shift(double *y, const double *x, size_t n, double shift) {
    static const vexp_fn fns[3] = {vexp_shift_scalar, zs_vexp_shift_avx2, zs_vexp_shift_avx512};
    fns[cpu_level()](y, x, n, shift);
}

double zs_sum_exp(const double *x, size_t n) {
    return zs_sum_exp_shift(x, n, 0.0);
}

void zs_vexp(double *y, const double *x, size_t n) {
    zs_vexp_shift(y, x, n, 0.0);
}
