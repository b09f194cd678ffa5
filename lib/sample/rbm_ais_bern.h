/* rbm_ais_bern.h — the Bernoulli draws of RBM AIS (rbm_ais.c) on whole generator words:
 *   out[q] = 1 if u_q (1 + t[q]) < (y[q] >= 0 ? 1 : t[q]) else 0,  q < n (n even),
 * with u_{2i}, u_{2i+1} = ((bits 32..63, bits 0..31 of words[i]) + 1/2) 2^-32, i.e. the test
 * u < sigmoid(y) given t = exp(-|y|), without a division. The operations are exact conversions,
 * one add, two multiplies and a compare, with no fused multiply-add, so every instruction set
 * gives the same bits. The _avx512 file is compiled for its ISA (CMakeLists.txt) and called
 * only after zs_simd_level() says so (bern_pick in rbm_ais.c). */
#ifndef ZSUM_SAMPLE_RBM_AIS_BERN_H
#define ZSUM_SAMPLE_RBM_AIS_BERN_H

#include <stddef.h>
#include <stdint.h>

typedef void (*bern_words_fn)(const uint64_t *words, const double *y, const double *t, size_t n,
                              float *out);

void rbm_ais_bern_avx512(const uint64_t *words, const double *y, const double *t, size_t n,
                         float *out);

#endif
