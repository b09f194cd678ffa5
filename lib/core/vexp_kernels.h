/* vexp_kernels.h — per-instruction-set kernels behind zs_sum_exp / zs_vexp (vexp.c). */
#ifndef ZSUM_CORE_VEXP_KERNELS_H
#define ZSUM_CORE_VEXP_KERNELS_H

#include <math.h>
#include <stddef.h>

double zs_sum_exp_shift_avx512(const double *x, size_t n, double shift);
void zs_vexp_shift_avx512(double *y, const double *x, size_t n, double shift);
double zs_sum_exp_shift_avx2(const double *x, size_t n, double shift);
void zs_vexp_shift_avx2(double *y, const double *x, size_t n, double shift);

#endif
