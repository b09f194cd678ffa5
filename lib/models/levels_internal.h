/* levels_internal.h — the chapter's system as the library holds it (lib/models/levels.c). */
#ifndef ZSUM_MODELS_LEVELS_INTERNAL_H
#define ZSUM_MODELS_LEVELS_INTERNAL_H

#include "core/internal.h"

struct zs_levels {
    zs_ctx *ctx;        /* for error messages; may be NULL                                   */
    size_t k;           /* K levels                                                          */
    double e[ZS_LEVELS_MAX_K];    /* e_k                                                      */
    uint64_t g[ZS_LEVELS_MAX_K];  /* g_k >= 1                                                 */
    double lng[ZS_LEVELS_MAX_K];  /* ln g_k                                                   */
    double emin;        /* min_k e_k: energies are summed relative to it (no cancellation)   */
    uint64_t gsum;      /* G = sum_k g_k                                                     */
};

/* Per-unit Boltzmann factors at beta relative to the ground level:
 * lw[k] = ln g_k - beta (e_k - emin), lnz_shift = logsumexp(lw), P[k] = exp(lw[k] - lnz_shift).
 * The per-unit ln z = lnz_shift - beta emin. */
typedef struct levels_unit {
    double lw[ZS_LEVELS_MAX_K];
    double prob[ZS_LEVELS_MAX_K];
    double lnz_shift;
    double lnz;
} levels_unit;

void levels_unit_compute(const zs_levels *lv, double beta, levels_unit *u);

/* Argument checks shared by the methods; they record a message in lv->ctx. Units: 1 <= N <=
 * 10^9 and the energy scale N max|e_k| within 1e100; beta: finite, |beta| N max|e_k| within
 * 1e300, and |beta| zero or at least 1e-200 (F = -T ln Z stays finite). */
zs_status levels_check_beta(const zs_levels *lv, uint64_t n, double beta);
zs_status levels_check_units(const zs_levels *lv, uint64_t n);

/* F = -ln Z / beta; at beta = 0 its limit: -infinity when G > 1, N e_0 for a single state. */
double levels_free_energy(const zs_levels *lv, uint64_t n, double beta, double lnz);

/* Number of occupation vectors of n units on k levels, C(n+k-1, k-1), as a double. */
double levels_macrostate_count(uint64_t n, size_t k);

#endif
