/* dbm_sample_internal.h — block Gibbs chains of a deep Boltzmann machine (lib/sample/dbm_sample.c),
 * shared by sampling and by the reverse-AIS starts from data (lib/sample/dbm_sandwich.c). */
#ifndef ZSUM_SAMPLE_DBM_SAMPLE_INTERNAL_H
#define ZSUM_SAMPLE_DBM_SAMPLE_INTERNAL_H

#include "models/dbm_internal.h"

/* n chains of `steps` sweeps (odd layers given even, then even given odd), chain c drawing
 * from zs_rng(seed, stream0 + c); chain c starts with v = init row c mod n_init (init: NULL
 * for uniform random v) and h^2, h^4, ... uniform random. clamp: v is never redrawn (the
 * chains sample the posterior of the hidden layers given v). layers (may be NULL): n x
 * dbm_units, every layer's final state in order (0 or 1); prob (may be NULL): n x n_0, p(v = 1
 * | h^1) of the last sweep. Rows already checked. Chains run in parallel; the result does
 * not depend on the threads. ZS_ENOMEM; ZS_ECANCELLED (progress hook). */
zs_status dbm_gibbs_chains(const zs_dbm *dbm, size_t n, uint64_t steps, uint64_t seed, uint64_t stream0,
                           const uint8_t *init, size_t n_init, int clamp, uint8_t *layers, double *prob);

/* The DBM's AIS options as those of zs_rbm_lnz_ais on zs_dbm_to_rbm (lib/sample/dbm_ais.c):
 * the base resolved into *base (AUTO: DATA with data, else UNIFORM); *rate (free it; NULL
 * unless the data or PT base of a model with L > 1 needs frequencies of the even set) is what
 * o->rate points to; for the PT base the caller fills it. Checks the options, the rows and the
 * parameters. */
zs_status dbm_ais_rbm_opts(const zs_dbm *dbm, const zs_dbm_ais_opts *opts, zs_dbm_ais_base *base,
                           zs_rbm_ais_opts *o, double **rate);

#endif
