/* pairwise_methods.h — the exact methods for binary pairwise models (lib/exact/
 * pairwise_enumerate.c, transfer.c, ising_closed.c) and their dispatcher
 * zs_pairwise_thermo_compute (lib/exact/pairwise_thermo.c). The model itself is
 * lib/models/pairwise_internal.h. */
#ifndef ZSUM_EXACT_PAIRWISE_METHODS_H
#define ZSUM_EXACT_PAIRWISE_METHODS_H

#include "models/pairwise_internal.h"

zs_status pairwise_thermo_enumerate(const zs_pairwise *m, double beta, double max_seconds,
                                    zs_pairwise_thermo *out);
zs_status pairwise_thermo_transfer(const zs_pairwise *m, double beta, zs_pairwise_thermo *out);
zs_status pairwise_thermo_closed(const zs_pairwise *m, double beta, double max_seconds, zs_pairwise_thermo *out);
/* Why CLOSED does not apply (NULL when it does). */
const char *pairwise_closed_refusal(const zs_pairwise *m);
/* 1 when CLOSED at this beta reads the model's arrays (the chain's moments from the transfer
 * recursion where its eigenvalue form cancels, the torus's C from the transfer matrix at low
 * T), which it does only when that transfer matrix's estimate is within max_seconds (> 0);
 * else it needs only the lattice's description (pairwise_lattice_shape). */
int pairwise_closed_needs_arrays(const zs_pairwise *m, double beta, double max_seconds);
/* Why TRANSFER does not apply or is too big (NULL when it does); *cost its work estimate. */
const char *pairwise_transfer_refusal(const zs_pairwise *m, double *cost);
/* Estimated seconds of the transfer matrix's thermodynamics on m at beta (the sweep, its
 * sites, and the <|M|> pass where it runs; slower in log mode at low T) over the threads it
 * runs; HUGE_VAL where it does not apply. */
double pairwise_transfer_seconds(const zs_pairwise *m, double beta);
/* Estimated seconds of CLOSED at beta (the transfer matrix's where it runs for the torus's C
 * or the chain's moments within max_seconds). */
double pairwise_closed_seconds(const zs_pairwise *m, double beta, double max_seconds);
/* ZS_ETOOBIG with the estimate when the transfer matrix's time (its cost at a release-build
 * rate, over the threads it runs) exceeds max_seconds (> 0); ZS_OK otherwise, its other
 * refusals left to it. */
zs_status pairwise_transfer_check_time(const zs_pairwise *m, double beta, double max_seconds);

#endif
