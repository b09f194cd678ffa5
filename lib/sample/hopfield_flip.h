/* hopfield_flip.h — the inner loop of Hopfield dynamics on 16-bit couplings: when unit i flips
 * to s_i' = up ? +1 : -1, every field gains 2 s_i' K_ij (h_j += ±2 row[j]). Integer, so every
 * instruction set gives the same bits; the kernels differ only in vector width. The _avx512 /
 * _avx2 files are compiled for their ISA (CMakeLists.txt) and called only after
 * zs_simd_level() says so (hopfield_pick_flip in hopfield_dynamics.c). */
#ifndef ZSUM_SAMPLE_HOPFIELD_FLIP_H
#define ZSUM_SAMPLE_HOPFIELD_FLIP_H

#include <stddef.h>
#include <stdint.h>

typedef void (*hopfield_flip_fn)(size_t n, const int16_t *row, int up, int32_t *h);

void hopfield_flip_avx512(size_t n, const int16_t *row, int up, int32_t *h);
void hopfield_flip_avx2(size_t n, const int16_t *row, int up, int32_t *h);
/* The best kernel this CPU runs (ZSUM_NO_SIMD=1: the portable one). */
hopfield_flip_fn hopfield_pick_flip(void);

#endif
