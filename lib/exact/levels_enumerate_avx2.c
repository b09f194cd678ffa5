/* levels_enumerate_avx2.c — the enumerate method's inner loop (levels_enumerate_kernels.h)
 * compiled with -mavx2 -mfma; called only after the CPU said it has AVX2 and FMA. */
#include "exact/levels_enumerate_kernels.h"

#ifdef __AVX2__
void levels_block_sums_avx2(const double *v, const double *x, size_t nseg, size_t segpad,
                            double W, double *segw, double sums[2]) {
    levels_block_sums_body(v, x, nseg, segpad, W, segw, sums);
}
#endif
