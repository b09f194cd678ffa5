/* rbm_exact_kernels.h — the inner loops of the exact RBM sum (rbm_exact.c), per instruction set.
 * A block is 64 states of the smaller layer's first b units ("lanes"); row i is one unit of the
 * larger layer. Both kernels return out[j] = sum_i softplus(x_ij), x_ij = xo_i + y_ij:
 *  fast:   from eo_i = e^{xo_i} and E_ij = e^{y_ij}: ln prod_i (1 + eo_i E_ij), renormalizing
 *          the running product every R rows (its exponent kept apart) — one FMA and one
 *          multiply per term. Needs |x| bounded so that R factors stay below 2^1000.
 *  robust: max(x,0) + ln prod_i (1 + e^{-|x_ij|}) — one exp per term, any x. */
#ifndef ZSUM_EXACT_RBM_EXACT_KERNELS_H
#define ZSUM_EXACT_RBM_EXACT_KERNELS_H

#include <stddef.h>

#define RBM_LANES 64

/* The work units (chunks of the outer walk) of the exact sum over a smaller layer of n units:
 * the items its threads are counted against (zs_threads_for), in estimates too. */
size_t rbm_exact_chunks(size_t n);

void rbm_kernel_fast_avx512(const double *eo, const double *e, size_t m, size_t r, double *out);
void rbm_kernel_robust_avx512(const double *xo, const double *y, size_t m, double *out);
void rbm_kernel_fast_avx2(const double *eo, const double *e, size_t m, size_t r, double *out);
void rbm_kernel_robust_avx2(const double *xo, const double *y, size_t m, double *out);

#endif
