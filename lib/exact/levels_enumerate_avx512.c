/* levels_enumerate_avx512.c — the enumerate method's inner loop (levels_enumerate_kernels.h)
 * compiled with -mavx512f; called only after the CPU said it has AVX-512F. */
#include "exact/levels_enumerate_kernels.h"

#ifdef __AVX512F__
void levels_block_sums_avx512(const double *v, const double *x, size_t nseg, size_t segpad,
                              double W, double *segw, double sums[2]) {
    levels_block_sums_body(v, x, nseg, segpad, W, segw, sums);
}
#endif
