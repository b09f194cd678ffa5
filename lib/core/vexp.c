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

double zs_sum_exp_shift(const double *x, size_t n, double shift) {
    static const sum_fn fns[3] = {sum_exp_shift_scalar, zs_sum_exp_shift_avx2,
                                  zs_sum_exp_shift_avx512};
    return fns[zs_simd_level()](x, n, shift);
}

void zs_vexp_shift(double *y, const double *x, size_t n, double shift) {
    static const vexp_fn fns[3] = {vexp_shift_scalar, zs_vexp_shift_avx2, zs_vexp_shift_avx512};
    fns[zs_simd_level()](y, x, n, shift);
}

void zs_vexp(double *y, const double *x, size_t n) {
    zs_vexp_shift(y, x, n, 0.0);
}
