/* pairwise_enumerate.h — the enumeration's kernels by name, for the benchmark and tests. */
#ifndef ZSUM_EXACT_PAIRWISE_ENUMERATE_H
#define ZSUM_EXACT_PAIRWISE_ENUMERATE_H

#include "zsum.h"

typedef enum pairwise_kernel {
    PAIRWISE_KERNEL_AUTO = 0,   /* MATVEC while the dynamic range allows it, else VEXP        */
    PAIRWISE_KERNEL_MATVEC = 1, /* tabulated factors, one fused multiply-add per state        */
    PAIRWISE_KERNEL_VEXP = 2    /* one SLEEF vector exp per state, block shifted by its max   */
} pairwise_kernel;

zs_status pairwise_enumerate_lnz_kernel(const zs_pairwise *m, double beta, pairwise_kernel kernel,
                                        double *lnz);

#endif
