/* levels_enumerate_kernels.h — the inner loop of the enumerate method (levels_enumerate.c),
 * compiled three times: portable (levels_enumerate.c), AVX2 (levels_enumerate_avx2.c) and
 * AVX-512 (levels_enumerate_avx512.c). The body is plain C over LEVELS_LANES independent
 * accumulators, which the compiler maps onto vector registers; the arithmetic and its order
 * are the same in all three builds (C11 mode: no contraction into FMA), so their results are
 * bit-identical and the choice of kernel changes only the speed. */
#ifndef ZSUM_EXACT_LEVELS_ENUMERATE_KERNELS_H
#define ZSUM_EXACT_LEVELS_ENUMERATE_KERNELS_H

#include <stddef.h>

/* Segments are padded with zero weights to a multiple of the lane count. */
#define LEVELS_LANES 16

/* One outer assignment of weight W against the tabulated inner block: v (nseg * segpad) are
 * the inner assignments' Boltzmann factors, x their energies minus a fixed centre, segment s
 * holding the inner assignments whose last unit is on level s. For every microstate j the
 * weight is w_j = W v_j; the kernel writes segw[s] = sum_{j in s} w_j and
 * sums[0] = sum_j w_j x_j, sums[1] = sum_j w_j x_j^2. */
void levels_block_sums_avx2(const double *v, const double *x, size_t nseg, size_t segpad,
                            double W, double *segw, double sums[2]);
void levels_block_sums_avx512(const double *v, const double *x, size_t nseg, size_t segpad,
                              double W, double *segw, double sums[2]);

/* Fixed pairwise order, so the reduction does not depend on the vector width. */
static inline double levels_lanes_reduce(double *a) {
    for (size_t h = LEVELS_LANES / 2; h > 0; h /= 2)
        for (size_t l = 0; l < h; l++) a[l] += a[l + h];
    return a[0];
}

static inline void levels_block_sums_body(const double *restrict v, const double *restrict x,
                                          size_t nseg, size_t segpad, double W,
                                          double *restrict segw, double sums[2]) {
    double a1[LEVELS_LANES] = {0}, a2[LEVELS_LANES] = {0};
    for (size_t s = 0; s < nseg; s++) {
        double a0[LEVELS_LANES] = {0};
        const double *vs = v + s * segpad, *xs = x + s * segpad;
        for (size_t i = 0; i < segpad; i += LEVELS_LANES)
            for (size_t l = 0; l < LEVELS_LANES; l++) {
                double w = W * vs[i + l], wx = w * xs[i + l];
                a0[l] += w;
                a1[l] += wx;
                a2[l] += wx * xs[i + l];
            }
        segw[s] = levels_lanes_reduce(a0);
    }
    sums[0] = levels_lanes_reduce(a1);
    sums[1] = levels_lanes_reduce(a2);
}

#endif
