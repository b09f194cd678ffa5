/*
 * zsum/bm.h — learning a fully visible Boltzmann machine: n binary units x_i in {0, 1},
 *     E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i = -1/2 x^T W x - b^T x,
 * W symmetric with a zero diagonal (the machine of zs_pairwise_alloc_bm, zsum/pairwise.h).
 * Included by zsum.h; do not include on its own.
 *
 * The gradient of the mean log-likelihood of data rows is
 *     d/dW_ij = <x_i x_j>_data - <x_i x_j>_model,   d/db_i = <x_i>_data - <x_i>_model
 * (Ackley, Hinton & Sejnowski 1985); the trainer takes the model's term three ways, as the
 * DBM trainer does (zsum/dbm.h, zs_dbm_negative).
 *
 * Implementations: lib/models/bm_moments.c (exact moments), lib/learn/bm_train.c (the
 * trainer), lib/exact/bm_monitor.c (the figures of an epoch), lib/io/bm_train_npz.c
 * (checkpoints).
 */
#ifndef ZSUM_BM_H
#define ZSUM_BM_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/bm.h"
#endif

/* ---- exact moments (lib/models/bm_moments.c) ---------------------------------------------- */
/* The most units the exact moments take (2^30 states). */
#define ZS_BM_MOMENTS_MAX 30
/* Estimated seconds of one zs_bm_moments_exact call on the threads it runs, which
 * zs_bm_moments_threads gives: min(the context's threads, processors, its chunks of states). */
double zs_bm_moments_seconds(const zs_ctx *ctx, size_t n);
int zs_bm_moments_threads(const zs_ctx *ctx, size_t n);
/* Every first and second moment of the machine (w: n x n row-major, symmetric, zero diagonal;
 * b: n entries) by enumerating its 2^n states: moments[i*n + j] = <x_i x_j> (i != j) and
 * moments[i*n + i] = <x_i>; *lnz (may be NULL) = ln Z. The states are split into a high and a
 * low block of units; each high state's low states are walked by adding one unit at a time,
 * in fixed chunks of high states whose sums are merged in order, so the result does not
 * depend on the thread count. ZS_EINVAL for n = 0 or a non-finite parameter; ZS_ETOOBIG
 * for n > ZS_BM_MOMENTS_MAX (the message gives the estimated time); ZS_ENOMEM. */
zs_status zs_bm_moments_exact(zs_ctx *ctx, size_t n, const double *w, const double *b,
                              double *moments, double *lnz);

/* ---- training (lib/learn/bm_train.c) ------------------------------------------------------ */
/* Per mini-batch: velocity = momentum * velocity + lr_e ((<x x^T>_data - <x x^T>_model) -
 * weight_decay W), W += velocity (the diagonal stays 0), biases alike without decay; lr_e =
 * lr / (1 + lr_decay * e) in epoch e (from 0); momentum 0.5 for the first 5 epochs when it
 * is above 0.5 (as zs_dbm_train_opts). */
typedef enum zs_bm_negative {
    ZS_BM_NEGATIVE_PERSISTENT = 0, /* `chains` persistent Gibbs chains, `gibbs_steps` sweeps of
                                      single-unit updates in index order per mini-batch        */
    ZS_BM_NEGATIVE_EXACT = 1,      /* zs_bm_moments_exact at every update (at most
                                      ZS_BM_NEGATIVE_EXACT_MAX units)                         */
    ZS_BM_NEGATIVE_MEAN_FIELD = 2, /* naive mean field mu_i = sigmoid(b_i + sum_j W_ij mu_j),
                                      <x_i x_j> ~ mu_i mu_j, continued from the previous update
                                      (mf_iterations sweeps in index order, or until no mu
                                      moves by more than mf_tolerance)                        */
    ZS_BM_NEGATIVE_AUTO = 3        /* PERSISTENT                                               */
} zs_bm_negative;
#define ZS_BM_NEGATIVE_EXACT_MAX 24
/* "persistent", "exact", "mean-field", "auto". */
const char *zs_bm_negative_name(zs_bm_negative negative);
zs_status zs_bm_negative_from_name(const char *name, zs_bm_negative *out);

typedef struct zs_bm_train_opts {
    zs_bm_negative negative;  /* the model's statistics (default AUTO: persistent chains)     */
    size_t batch;             /* rows per update (default 100)                               */
    double lr;                /* default 0.01                                                */
    double lr_decay;          /* default 0                                                   */
    double momentum;          /* 0.5 for the first 5 epochs, then this (default 0.9)         */
    double weight_decay;      /* L2 on W (default 0.0002)                                    */
    size_t chains;            /* persistent chains (default 100)                             */
    size_t gibbs_steps;       /* sweeps per update (default 5)                               */
    size_t mf_iterations;     /* mean-field sweeps per update (default 10)                   */
    double mf_tolerance;      /* default 1e-7                                                */
    uint64_t seed;            /* default 1                                                   */
} zs_bm_train_opts;
void zs_bm_train_defaults(zs_bm_train_opts *opts);

typedef struct zs_bm_trainer zs_bm_trainer;
/* n rows of `units` binary values (bytes 0 or 1; copied). w (units x units, symmetric, zero
 * diagonal) and b (units) are the start; NULL: W = 0 and b_i = ln(p_i / (1 - p_i)) with p the
 * data's frequencies with pseudocount 1 (zs_data_base_rate), the independent model nearest to
 * the data. The chains start uniform at random, the model's mean field at sigmoid(b).
 * ZS_EINVAL for a byte that is not 0 or 1 (message names row and column), units or n = 0, a
 * bad start or bad options; ZS_ETOOBIG for the exact negative phase with more than
 * ZS_BM_NEGATIVE_EXACT_MAX units (the message gives the estimated time); ZS_ENOMEM. */
zs_status zs_bm_trainer_alloc(zs_ctx *ctx, size_t units, const double *w, const double *b,
                              const zs_bm_train_opts *opts, const uint8_t *data, size_t n,
                              zs_bm_trainer **out);
void zs_bm_trainer_free(zs_bm_trainer *t);
/* One epoch over the data in an order drawn from the seed and the epoch number. The result
 * does not depend on the thread count. ZS_ENUMERIC when a parameter becomes non-finite (the
 * parameters of the epoch before are kept); ZS_ECANCELLED (the progress hook asked; the
 * parameters of the epoch before are kept); ZS_ENOMEM. */
zs_status zs_bm_trainer_epoch(zs_bm_trainer *t);
uint64_t zs_bm_trainer_epochs_done(const zs_bm_trainer *t);
size_t zs_bm_trainer_units(const zs_bm_trainer *t);
/* The current parameters: w (units x units) and b (units); either may be NULL. */
void zs_bm_trainer_get(const zs_bm_trainer *t, double *w, double *b);
/* The model (W, b, float64: read by zs_pairwise_load_bm and `zsum bm`) and the training state
 * (train_epoch, train_options, train_velocity_W, train_velocity_b, train_chains,
 * train_mean_field), atomically. */
zs_status zs_bm_trainer_save(const zs_bm_trainer *t, const char *path);
/* Restore what zs_bm_trainer_save wrote into t (made with the same data, units and options):
 * continuing is bit-identical to never having stopped. ZS_EFORMAT when the file has no
 * training state, another number of units or other options (the message says which); t is
 * unchanged on any failure. */
zs_status zs_bm_trainer_resume(zs_bm_trainer *t, const char *path);

/* ---- the figures of an epoch (lib/exact/bm_monitor.c) ---------------------------------------- */
typedef struct zs_bm_monitor {
    double lnz;           /* exact ln Z (zs_pairwise_lnz_enumerate); NaN beyond max_seconds   */
    double lnz_mf;        /* naive mean-field lower bound on ln Z (zs_factor_lnz_approx, MF)  */
    double lnz_bethe;     /* Bethe value by loopy BP (zs_factor_lnz_approx, BP); NaN when BP
                             found no finite value                                           */
    int bethe_converged;  /* BP met its tolerance                                            */
    double loglik;        /* exact mean ln p(x) of the rows = mean(-E(x)) - ln Z; NaN with lnz */
} zs_bm_monitor;
/* The figures of the machine (w, b as zs_bm_moments_exact's) on n binary rows (n may be 0:
 * loglik NaN). max_seconds bounds the estimated time of the exact ln Z (<= 0: no limit
 * besides the enumeration's own). ZS_EINVAL for a bad parameter or a byte that is not 0 or 1;
 * ZS_ENOMEM. */
zs_status zs_bm_monitor_compute(zs_ctx *ctx, size_t units, const double *w, const double *b,
                                const uint8_t *rows, size_t n, double max_seconds,
                                zs_bm_monitor *out);

#endif
