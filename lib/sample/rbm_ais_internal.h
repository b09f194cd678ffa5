/* rbm_ais_internal.h — what the RBM's forward AIS (rbm_ais.c) and its reverse side and
 * parallel tempering (rbm_sandwich.c) share. */
#ifndef ZSUM_SAMPLE_RBM_AIS_INTERNAL_H
#define ZSUM_SAMPLE_RBM_AIS_INTERNAL_H

#include "models/rbm_internal.h"

/* 32-bit uniforms, two per generator call. */
typedef struct urand {
    zs_rng rng;
    uint64_t word;
    int left;
} urand;

static inline double u32(urand *u) {
    if (!u->left) {
        u->word = zs_rng_next(&u->rng);
        u->left = 2;
    }
    u->left--;
    uint32_t x = (uint32_t)(u->word >> (32 * u->left));
    return ((double)x + 0.5) * 0x1.0p-32;
}

/* Bernoulli(sigmoid(y)) from t = exp(-|y|): sigmoid(y) = 1/(1+t) for y >= 0, t/(1+t) else;
 * u < sigmoid(y) is tested as u (1 + t) < (1 or t), without a division. */
static inline int bern(urand *u, double y, double t) {
    return u32(u) * (1.0 + t) < (y >= 0 ? 1.0 : t);
}

/* W in float32 for the Gibbs sweeps: wf (nv, nh) as W, wt (nh, nv) its transpose. */
void rbm_float_weights(const zs_rbm *rbm, float *wf, float *wt);

/* sum_j softplus(beta x_j), and t_j = exp(-|beta x_j|) kept for a Gibbs step (rbm_ais.c). */
double rbm_softplus_sum_beta(const double *x, size_t n, double beta, double *t);

/* The log weights lw[c], c < M, of M annealing runs along betas[0..nbetas) between the base A
 * (W = 0, hidden biases 0, visible biases ba) and the model. An increasing schedule (0 .. 1)
 * starts each run from v_0 ~ A (forward AIS: E w = Z / Z_A); a decreasing one (1 .. 0) starts
 * run c from the binary row starts[c] (M x nv bytes) (reverse AIS: E w = Z_A / Z when the rows
 * are drawn from the model). Run c draws from zs_rng(seed, stream0 + c); the runs advance in
 * blocks of at most 64 as matrix products (rbm_ais.c), one work unit per block, so lw does not
 * depend on the thread count. `task` names the progress. ZS_ECANCELLED when the
 * progress hook asks to stop; ZS_ENOMEM. */
zs_status rbm_ais_weights(const zs_rbm *rbm, const double *ba, const double *betas, size_t nbetas,
                          const uint8_t *starts, size_t M, uint64_t seed, uint64_t stream0,
                          const char *task, double *lw);

/* Checks, the schedule (opts->betas or SM08's) and the base biases of opts: on success *betas
 * points at the schedule (*own holds it when it was made here), *ba (malloc'd, nv entries)
 * holds b^A and *base the base that runs (AUTO resolved). */
zs_status rbm_ais_prepare(const zs_rbm *rbm, const zs_rbm_ais_opts *opts, zs_rbm_ais_base *base,
                          double **own, const double **betas, size_t *nbetas, double **ba);

/* Parallel tempering's two stages (rbm_sandwich.c): M start rows of the visible layer (run c
 * from ladder c mod pt_ladders), the cold replicas' smoothed frequencies (rate, nv), when hrate
 * is not NULL the second stage's smoothed mean of p(h_j = 1 | v) over the same kept sweeps
 * (hrate, nh: the hidden layer's frequencies, Rao-Blackwellized), and the lowest swap
 * acceptance, from opts' pt_temperatures, pt_sweeps, pt_ladders and ais.seed. Options already
 * checked. ZS_ENOMEM; ZS_ECANCELLED. */
zs_status rbm_pt_samples(const zs_rbm *rbm, const zs_rbm_sandwich_opts *opts, size_t M,
                         uint8_t *starts, double *rate, double *hrate, double *swap_min);

/* ln Z_A = nh ln 2 + sum_i softplus(ba_i). */
double rbm_ais_lnz_base(const zs_rbm *rbm, const double *ba);

#endif
