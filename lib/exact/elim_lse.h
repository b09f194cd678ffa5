/* elim_lse.h — the log-sum-exp over the eliminated variable's rows (elim_lse*.c):
 * out[i] = ln sum_{x<d} exp(s[x L + i]), i < L, with -inf entries exact. */
#ifndef ZSUM_EXACT_ELIM_LSE_H
#define ZSUM_EXACT_ELIM_LSE_H

#include <math.h>
#include <stddef.h>

void elim_lse_rows(const double *s, size_t d, size_t L, double *out);
void elim_lse_rows_scalar(const double *s, size_t d, size_t L, double *out);
void elim_lse_rows_avx512(const double *s, size_t d, size_t L, double *out);
void elim_lse_rows_avx2(const double *s, size_t d, size_t L, double *out);

/* A d = 2 block of two tables read through offsets, fused (no block buffer): row x of entry i
 * is (c[x] + t[0][x][io[0][i]]) + t[1][x][io[1][i]], and out[i] = ln(e^row0 + e^row1).
 * additive[g]: io[g][i + l] = io[g][i] + io[g][l] for every i = 0 mod 8 and l < 8 (the
 * block's 8 fastest entries are 3 binary dims), so each 8 entries are one load and a permute.
 * L must be a multiple of 8; AVX-512 only (zs_simd_level() == 2). */
typedef struct elim_pair {
    double c[2];
    const double *t[2][2];
    const size_t *io[2];
    int additive[2];
} elim_pair;

void elim_lse2_pair_avx512(const elim_pair *p, size_t L, double *out);

#endif
