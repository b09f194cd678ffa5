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

#endif
