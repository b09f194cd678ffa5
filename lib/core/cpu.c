/* cpu.c — which hand-vectorized kernels this CPU may run, decided once per process.
 * Kernels in files named *_avx512.c are compiled with -mavx512f/dq/vl/bw and -mfma, those in
 * *_avx2.c with -mavx2 -mfma (CMakeLists.txt); they are called only when this says so. */
#include "core/internal.h"

#include <string.h>

int zs_simd_level(void) {
    /* A benign cache: every thread computes the same value, so a race only repeats work. */
    static int level = -1;
    int l = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (l >= 0) return l;
    const char *off = getenv("ZSUM_NO_SIMD"), *cap = getenv("ZSUM_SIMD");
    __builtin_cpu_init();
    int has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int has512 = has2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
    if (off && off[0] == '1') l = 0;
    else if (cap && !strcmp(cap, "avx2")) l = has2;
    else l = has512 ? 2 : has2;
    __atomic_store_n(&level, l, __ATOMIC_RELAXED);
    return l;
}
