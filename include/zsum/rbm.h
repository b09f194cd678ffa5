/*
 * zsum/rbm.h — restricted Boltzmann machines. Included by zsum.h; do not include on its own.
 *
 * Model: binary visible v in {0,1}^nv and hidden h in {0,1}^nh,
 *   E(v,h) = -v^T W h - a^T v - b^T h,   W: nv x nh, a = vbias, b = hbias,
 *   Z = sum_{v,h} exp(-E(v,h)).
 * Summing one layer out analytically gives the free energy of the other:
 *   F(v) = -a^T v - sum_j softplus(b_j + (v^T W)_j),  p(v) = exp(-F(v)) / Z,
 * softplus(x) = ln(1 + e^x). Files: NumPy .npz with arrays W (nv x nh), vbias (nv),
 * hbias (nh), float32 or float64, C or Fortran order (zsum/npz.h).
 *
 * Implementations: lib/models/rbm.c (model, free energy), lib/io/rbm_npz.c (model files and
 * training checkpoints, the stored training frequencies), lib/exact/rbm_exact.c (exact ln Z), lib/sample/rbm_ais.c (annealed
 * importance sampling), lib/sample/rbm_sandwich.c and lib/sample/ais_sandwich.c (reverse AIS, the two-sided estimate), lib/sample/rbm_sample.c (Gibbs sampling), lib/learn/rbm_cd.c (CD/PCD
 * training). Data sets: zsum/io.h.
 */
#ifndef ZSUM_RBM_H
#define ZSUM_RBM_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/rbm.h"
#endif

typedef struct zs_rbm zs_rbm;

/* A model with all parameters zero. ctx (may be NULL) is kept for the messages of later calls
 * and must outlive the model. ZS_EINVAL when nv or nh is 0. */
zs_status zs_rbm_alloc(zs_ctx *ctx, size_t nv, size_t nh, zs_rbm **out);
void zs_rbm_free(zs_rbm *rbm);

size_t zs_rbm_nv(const zs_rbm *rbm);
size_t zs_rbm_nh(const zs_rbm *rbm);
/* Views of the parameters, owned by the model: W row-major (W[i*nh + j] couples v_i and h_j),
 * vbias (nv), hbias (nh). A view is valid until zs_rbm_free; the model never reallocates
 * them. The mutable views (zs_rbm_w_mut, ...) are how a caller fills in a model made by
 * zs_rbm_alloc; a writer must not run concurrently with any other call on the model, and
 * should call zs_rbm_check afterwards. The const views (zs_rbm_w, ...) are for reading.
 * Across families: a view is a pointer returned by an accessor, valid while its owner lives
 * and is not changed; anything else is copied out into the caller's array
 * (zs_hopfield_couplings, zs_pairwise_dense, zs_rbm_trainer_get). */
double *zs_rbm_w_mut(zs_rbm *rbm);
double *zs_rbm_vbias_mut(zs_rbm *rbm);
double *zs_rbm_hbias_mut(zs_rbm *rbm);
const double *zs_rbm_w(const zs_rbm *rbm);
const double *zs_rbm_vbias(const zs_rbm *rbm);
const double *zs_rbm_hbias(const zs_rbm *rbm);
/* The element type the model came from (ZS_DTYPE_F4 or ZS_DTYPE_F8); new models: F8. */
zs_dtype zs_rbm_dtype(const zs_rbm *rbm);
/* The training data's frequencies (nv entries in (0, 1)) that zs_rbm_trainer_save stores in a
 * model file (train_data_frequency: zs_data_base_rate with pseudocount 1 of the training
 * rows), as read by zs_rbm_load — a view valid until zs_rbm_free; NULL when the file had none
 * or the model was made by zs_rbm_alloc. AIS starts from them by default. */
const double *zs_rbm_stored_frequency(const zs_rbm *rbm);

/* ZS_EINVAL unless every parameter is finite; the message names the first bad entry,
 * e.g. "W: entry (3, 5) = nan is not finite". */
zs_status zs_rbm_check(const zs_rbm *rbm);

/* Load from .npz: arrays W, vbias, hbias (float32 or float64), and train_data_frequency when
 * present (zs_rbm_stored_frequency); other arrays are ignored. The file is opened once.
 * ZS_EFORMAT for a missing array (message lists those present), a wrong rank or a shape
 * mismatch (message names both shapes), stored frequencies of another length or outside (0, 1); ZS_EINVAL for a non-finite parameter; the errors of
 * zs_npz_open / zs_npz_get otherwise. */
zs_status zs_rbm_load(zs_ctx *ctx, const char *path, zs_rbm **out);
/* Save W, vbias, hbias (plus n_extra more arrays, e.g. a training state) as dtype (F4 or F8),
 * deflated; atomic replacement of path. */
zs_status zs_rbm_save(const zs_rbm *rbm, const char *path, zs_dtype dtype, size_t n_extra,
                      const char *const *extra_names, const zs_array *const *extra);

/* F(v) for a binary visible vector (nv entries, 0 or 1). */
double zs_rbm_free_energy(const zs_rbm *rbm, const double *v);
/* F(v) for n rows of data (n x nv, row-major) into f (n entries). */
void zs_rbm_free_energies(const zs_rbm *rbm, const double *data, size_t n, double *f);
/* The mean log-likelihood of n binary rows (n x nv bytes, each 0 or 1, row-major), in nats a
 * row: *loglik = -mean_r F(v_r) - lnz, where lnz is ln Z (exact, or an estimate). *mean_f
 * (may be NULL) receives mean_r F(v_r), so that a band [lo, hi] of ln Z maps to the band
 * [-mean_f - hi, -mean_f - lo] of the log-likelihood. ZS_EINVAL for n = 0; ZS_ENOMEM. */
zs_status zs_rbm_loglik(const zs_rbm *rbm, const uint8_t *rows, size_t n, double lnz, double *loglik,
                        double *mean_f);
/* The hidden units' probabilities p(h_j = 1 | v) = sigmoid(hbias_j + sum_i v_i W_ij) of n binary
 * rows (n x nv bytes, 0 or 1) into out (n x nh, row-major): scikit-learn's
 * BernoulliRBM.transform. ZS_EINVAL for a NULL argument. */
zs_status zs_rbm_hidden_probs(const zs_rbm *rbm, const uint8_t *rows, size_t n, double *out);
/* F(v) of each of n binary rows (n x nv bytes, 0 or 1, row-major) into f (n entries): the same
 * bits as zs_rbm_free_energy of the row in doubles, with no widened copy of the rows. ZS_EINVAL
 * for a NULL argument or a byte that is not 0 or 1 (message names row and column); ZS_ENOMEM. */
zs_status zs_rbm_free_energies_u8(const zs_rbm *rbm, const uint8_t *rows, size_t n, double *f);

/* ---- exact ln Z (lib/exact/rbm_exact.c) --------------------------------------------------- */
/* ln Z by summing the larger layer analytically and enumerating the 2^n states of the smaller
 * one (n = min(nv, nh)): m * 2^n softplus terms, m = max(nv, nh). */
double zs_rbm_exact_cost(const zs_rbm *rbm);        /* m * 2^n                            */
/* Estimated seconds for the exact sum with the given thread count (a documented rate). */
double zs_rbm_exact_seconds(const zs_rbm *rbm, int threads);
#define ZS_RBM_EXACT_MAX_SMALL 62                   /* n above this is refused outright     */
/* max_seconds: refuse (ZS_ETOOBIG, message with the estimated time suggesting AIS) when the
 * estimate exceeds it; <= 0 means no limit besides ZS_RBM_EXACT_MAX_SMALL. */
zs_status zs_rbm_lnz_exact(const zs_rbm *rbm, double max_seconds, double *lnz);

/* ---- annealed importance sampling (lib/sample/rbm_ais.c) ---------------------------------- */
/* Salakhutdinov & Murray (2008), "On the quantitative analysis of deep belief networks". */
typedef enum zs_rbm_ais_base {
    ZS_RBM_AIS_BASE_UNIFORM = 0, /* W = 0, all biases 0                                     */
    ZS_RBM_AIS_BASE_DATA = 1,    /* visible biases ln(p_i / (1 - p_i)) from data frequencies */
    ZS_RBM_AIS_BASE_MODEL = 2,   /* the model's own visible biases, W = 0, hbias = 0         */
    ZS_RBM_AIS_BASE_RATE = 3,    /* visible biases ln(p_i / (1 - p_i)) of given frequencies
                                    p (opts->rate), e.g. a model's train_data_frequency      */
    ZS_RBM_AIS_BASE_AUTO = 4     /* DATA when opts->data is set, else RATE when opts->rate is
                                    set, else UNIFORM: the base closest to the model's
                                    marginals that the caller has given (sm08, sec. 4.2)      */
} zs_rbm_ais_base;
/* "uniform", "data", "model", "rate", "auto". */
const char *zs_rbm_ais_base_name(zs_rbm_ais_base base);
zs_status zs_rbm_ais_base_from_name(const char *name, zs_rbm_ais_base *out);

typedef struct zs_rbm_ais_opts {
    size_t chains;            /* M independent runs (default 100)                          */
    const double *betas;      /* increasing from 0 to 1 inclusive; NULL: the sm08 schedule  */
    size_t nbetas;            /* number of entries of betas                                  */
    zs_rbm_ais_base base;
    const uint8_t *data;      /* n_data x nv binary rows (bytes 0 or 1), ZS_RBM_AIS_BASE_DATA */
    size_t n_data;
    double pseudocount;       /* p_i = (count_i + c) / (n_data + 2c); default (0) means 1    */
    const double *rate;       /* nv frequencies in (0, 1) for ZS_RBM_AIS_BASE_RATE            */
    uint64_t seed;
} zs_rbm_ais_opts;

typedef struct zs_rbm_ais_result {
    zs_estimate lnz;          /* value: ln Z^ = ln Z_A + ln mean_i w_i; std_error: sigma / Z^,
                                 sigma the standard error of the mean weight (the delta
                                 method's error of ln Z^); ess: (sum w)^2 / sum w^2 over the
                                 chains                                                      */
    zs_interval band;         /* [ln(Z^ - 3 sigma), ln(Z^ + 3 sigma)], confidence 0.9973 (+-3
                                 sigma of a normal mean); lo = -inf when Z^ - 3 sigma <= 0
                                 (the band then has no lower end)                            */
    double lnz_base;          /* ln Z_A                                                       */
    size_t chains;
    size_t temperatures;      /* K: the number of transitions (betas minus one)              */
    zs_rbm_ais_base base;     /* the base that ran (AUTO resolved)                           */
} zs_rbm_ais_result;

void zs_rbm_ais_defaults(zs_rbm_ais_opts *opts);
/* The sm08 schedule: 0 -> 0.5 by 1e-3, 0.5 -> 0.9 by 1e-4, 0.9 -> 1 by 1e-5: 14,501 betas
 * (14,500 transitions). *betas is malloc'd. */
zs_status zs_rbm_schedule_sm08(double **betas, size_t *n);
/* n transitions with equal steps: n + 1 betas. */
zs_status zs_rbm_schedule_linear(size_t n, double **betas, size_t *count);
/* ZS_EINVAL unless betas[0] == 0, betas[n-1] == 1, strictly increasing, n >= 2 (message names
 * the first offending entry). */
zs_status zs_rbm_schedule_check(zs_ctx *ctx, const double *betas, size_t n);
/* A schedule named by text: "sm08", "linear:N" (N transitions, 1..100000000), or the path of a
 * text file of betas separated by white space (plain decimals; checked by
 * zs_rbm_schedule_check). *betas is malloc'd. ZS_EINVAL for a linear count out of range or
 * not a plain integer, an item of the file that is not a finite decimal (message names the
 * item's number and text) or a schedule that fails the check; ZS_EIO when text names no
 * readable file (message says what text may be); ZS_ENOMEM. */
zs_status zs_rbm_schedule_parse(zs_ctx *ctx, const char *text, double **betas, size_t *n);
zs_status zs_rbm_lnz_ais(const zs_rbm *rbm, const zs_rbm_ais_opts *opts,
                          zs_rbm_ais_result *out);

/* ---- AIS weights and the two-sided estimate, for any annealed model (lib/sample/ais_sandwich.c)
 * Forward AIS (base A -> model) gives weights with E w = Z / Z_A; ln(mean w) is then, by
 * Jensen, below ln(Z / Z_A) on average: a stochastic lower bound of ln Z. Reverse AIS (model ->
 * A, started from samples of the model) gives weights with E w = Z_A / Z, and ln Z_A - ln(mean
 * w) is a stochastic upper bound (Grosse, Ghahramani & Adams 2015, "Sandwiching the marginal
 * likelihood using bidirectional Monte Carlo"; Burda, Grosse & Salakhutdinov 2015, "Accurate
 * and conservative estimates of MRF log-likelihood using reverse annealing"). The gap between
 * the two sides bounds the error of either, as far as the reverse run's start samples are
 * samples of the model. */

/* ln Z from M log weights lw and the base's ln Z_A: forward (reverse = 0) ln Z_A + ln r, r =
 * mean w, band [ln Z_A + ln(r - 3 sigma), ln Z_A + ln(r + 3 sigma)]; reverse (reverse = 1)
 * ln Z_A - ln r, band [ln Z_A - ln(r + 3 sigma), ln Z_A - ln(r - 3 sigma)]; sigma = std(w) /
 * sqrt(M), all relative to max lw. The end at r - 3 sigma <= 0 is infinite. std_error: sigma /
 * r (the delta method); ess: (sum w)^2 / sum w^2; confidence 0.9973 (+-3 sigma of a normal
 * mean). ZS_EINVAL for M < 2; ZS_ENUMERIC (message names the chain) for a non-finite weight. */
zs_status zs_ais_summarize(zs_ctx *ctx, const double *lw, size_t M, double lnz_base, int reverse,
                           zs_estimate *lnz, zs_interval *band);

/* The two sides compared. */
typedef struct zs_sandwich {
    double gap;          /* upper.value - lower.value                                        */
    zs_interval bracket; /* [min of the bands' lower ends, max of their upper ends]           */
    int agree;           /* 1 when the two bands overlap: ln Z is then expected in bracket;
                            0 when they do not (the sides disagree by more than their bands:
                            at least one side has not converged, and neither is reliable)    */
} zs_sandwich;
void zs_sandwich_judge(const zs_estimate *lower, const zs_interval *lower_band,
                       const zs_estimate *upper, const zs_interval *upper_band, zs_sandwich *out);

/* ---- the RBM's sandwich: forward and reverse AIS (lib/sample/rbm_sandwich.c) -------------- */
typedef enum zs_rbm_reverse_start {
    ZS_RBM_REVERSE_NONE = 0, /* forward AIS only                                              */
    ZS_RBM_REVERSE_PT = 1,   /* reverse runs start from parallel-tempering samples of the model */
    ZS_RBM_REVERSE_DATA = 2, /* reverse runs start from the caller's rows (start_rows): an upper
                                side only as far as those rows are typical of the model        */
    ZS_RBM_REVERSE_AUTO = 3  /* DATA when start_rows are given, else PT                        */
} zs_rbm_reverse_start;
/* "none", "pt", "data", "auto". */
const char *zs_rbm_reverse_start_name(zs_rbm_reverse_start start);
zs_status zs_rbm_reverse_start_from_name(const char *name, zs_rbm_reverse_start *out);

typedef struct zs_rbm_sandwich_opts {
    zs_rbm_ais_opts ais;       /* the forward run: chains, schedule, base, seed. The reverse
                                  runs use the same chains, base and schedule (reversed). With
                                  base AUTO and neither data nor rate given, the base is the
                                  visible frequencies of PT samples of the model (pseudocount
                                  1): a data-free base (PT runs for it even when reverse is
                                  NONE)                                                          */
    zs_rbm_reverse_start reverse;
    const uint8_t *start_rows; /* n_start x nv binary rows for ZS_RBM_REVERSE_DATA; run c
                                  starts from row c mod n_start                                  */
    size_t n_start;
    size_t pt_temperatures;    /* PT ladder: betas 0 .. 1 (default 50)                          */
    uint64_t pt_sweeps;        /* Gibbs sweeps of each ladder and stage, the first half
                                  discarded (default 1000)                                       */
    size_t pt_ladders;         /* independent ladders (default 10); run c starts from ladder
                                  c mod pt_ladders                                               */
} zs_rbm_sandwich_opts;

typedef struct zs_rbm_sandwich_result {
    zs_rbm_ais_result forward;      /* the lower side (base RATE when it came from PT)         */
    int base_from_pt;               /* 1 when the base's frequencies are those of PT samples    */
    zs_rbm_reverse_start reverse;   /* the start that ran (AUTO resolved)                       */
    zs_estimate upper;              /* the reverse side (NaN with ZS_RBM_REVERSE_NONE)          */
    zs_interval upper_band;
    zs_sandwich sandwich;           /* agree = 1 and a band of the forward side alone when NONE */
    double pt_swap_min;             /* the lowest swap acceptance between adjacent PT
                                       temperatures over the ladders; NaN when PT did not run   */
    double pt_seconds, forward_seconds, reverse_seconds; /* wall-clock time of each stage      */
} zs_rbm_sandwich_result;

void zs_rbm_sandwich_defaults(zs_rbm_sandwich_opts *opts);
/* PT (when the reverse start or the base needs it), forward AIS, reverse AIS, and the judgment.
 * PT: pt_ladders independent ladders of pt_temperatures betas equally spaced in [0, 1], each
 * a Gibbs sweep at every beta and then swaps of adjacent neighbours (even pairs after even
 * sweeps, odd after odd) accepted with min(1, f_k(v') f_k'(v) / (f_k(v) f_k'(v'))) (Swendsen &
 * Wang 1986; Geyer 1991), in two stages: on the path from the model-bias base (AIS base MODEL),
 * then on the path from the first stage's visible frequencies; the second stage gives the
 * start samples and the data-free base (lib/sample/rbm_sandwich.c says why two). Ladder l
 * draws from zs_rng(seed, 2^40 + l) (stage 2: 2^40 + 2^20 + l), reverse run c from
 * zs_rng(seed, 2^32 + c). The result does not depend on the thread count. Errors: those of
 * zs_rbm_lnz_ais; ZS_EINVAL for reverse DATA without rows, a row byte that is not 0 or 1,
 * pt_temperatures < 2, pt_sweeps < 2 or pt_ladders = 0 (message names the member). */
zs_status zs_rbm_lnz_sandwich(const zs_rbm *rbm, const zs_rbm_sandwich_opts *opts,
                              zs_rbm_sandwich_result *out);

/* ---- sampling (lib/sample/rbm_sample.c) ------------------------------------------------- */
/* n block-Gibbs chains of `steps` sweeps each from uniform random v, chain c from zs_rng(seed,
 * c); out (n x nv) receives p(v = 1 | h) of each chain's last sweep. */
zs_status zs_rbm_sample(const zs_rbm *rbm, size_t n, uint64_t steps, uint64_t seed, double *out);
/* Estimated wall-clock seconds of zs_rbm_sample(_from) for n chains of steps sweeps on the
 * context's threads (rough: 2 nv nh multiply-adds and nv + nh draws per sweep and chain). */
double zs_rbm_sample_seconds(const zs_rbm *rbm, size_t n, uint64_t steps);
/* As zs_rbm_sample, but chain c starts from the binary row init[c mod n_init] (n_init x nv
 * bytes, 0 or 1) instead of a random state: chains that begin at the data. ZS_EINVAL for
 * n_init = 0, a NULL init or a byte that is not 0 or 1 (message names row and column). */
zs_status zs_rbm_sample_from(const zs_rbm *rbm, size_t n, uint64_t steps, uint64_t seed,
                             const uint8_t *init, size_t n_init, double *out);

/* One block-Gibbs step from each of n binary rows (n x nv bytes, 0 or 1): h ~ p(h | v), then
 * v' ~ p(v | h), row r drawing from zs_rng(seed, r) (so the result does not depend on the
 * threads); out (n x nv bytes) receives v' (0 or 1); scikit-learn's BernoulliRBM.gibbs. out may
 * be rows. ZS_EINVAL for a NULL argument or a byte that is not 0 or 1 (message names row and
 * column); ZS_ENOMEM. (lib/sample/rbm_gibbs.c) */
zs_status zs_rbm_gibbs(const zs_rbm *rbm, const uint8_t *rows, size_t n, uint64_t seed, uint8_t *out);

/* ---- data statistics (lib/models/rbm_data.c) ---------------------------------------------- */
/* The smoothed frequency of ones in each of the d columns of n binary rows (bytes 0 or 1):
 * p_i = (count_i + c) / (n + 2c), the mean of a Beta(c, c) posterior (a pseudocount c > 0
 * keeps p_i strictly inside (0, 1)). p has d entries. ZS_EINVAL for n = 0, d = 0 or c <= 0
 * (or c not finite). */
zs_status zs_data_base_rate(const uint8_t *rows, size_t n, size_t d, double c, double *p);

/* ---- training (lib/learn/rbm_cd.c) ------------------------------------------------------- */
typedef struct zs_rbm_train_opts {
    size_t k;                 /* Gibbs steps per update (default 1)                          */
    int persistent;           /* 1: PCD-k (persistent chains, one per batch row); 0: CD-k     */
    size_t batch;             /* rows per update (default 100)                               */
    double lr;                /* learning rate (default 0.05)                                */
    double momentum;          /* default 0                                                  */
    double weight_decay;      /* L2 coefficient on W (default 0)                             */
    uint64_t seed;
} zs_rbm_train_opts;

void zs_rbm_train_defaults(zs_rbm_train_opts *opts);

/* The usual start of training (Hinton 2010, "A practical guide to training RBMs", section 8):
 * W_ij ~ N(0, sigma^2) drawn in row-major order from zs_rng(seed, 0xffffffff), hbias 0, and
 * vbias_i = ln(p_i / (1 - p_i)) with p_i the frequency of ones in column i of the n binary
 * rows (zs_data_base_rate with pseudocount 1), so that the model starts at the data's
 * marginals. rows: n x nv bytes, 0 or 1. ZS_EINVAL for n = 0 or sigma < 0 (or not finite). */
zs_status zs_rbm_init_from_data(zs_rbm *rbm, const uint8_t *rows, size_t n, double sigma, uint64_t seed);

/* A training run: float32 parameters and state (momentum, persistent chains, epoch). */
typedef struct zs_rbm_trainer zs_rbm_trainer;

/* Start from rbm's parameters (copied, rounded to float32). data: n x nv binary rows, bytes
 * 0 or 1 (read once: the trainer keeps its own sparse copy, the column of every one).
 * ZS_EINVAL for a byte that is not 0 or 1 (message names row and column). */
zs_status zs_rbm_trainer_alloc(zs_ctx *ctx, const zs_rbm *rbm, const zs_rbm_train_opts *opts,
                               const uint8_t *data, size_t n, zs_rbm_trainer **out);
void zs_rbm_trainer_free(zs_rbm_trainer *t);
/* One epoch over the data in an order drawn from the seed and the epoch number. recon_error:
 * mean over rows of sum_i (v_i - p(v_i = 1 | h0))^2, h0 ~ p(h | v), estimated on every 8th row
 * of each batch. ZS_ENUMERIC (message says
 * which parameter) when a parameter becomes non-finite or |W| exceeds 1e6 (divergence); the
 * trainer then keeps the parameters of the epoch before. */
zs_status zs_rbm_trainer_epoch(zs_rbm_trainer *t, double *recon_error);
uint64_t zs_rbm_trainer_epochs_done(const zs_rbm_trainer *t);
/* The frequencies of ones in the columns of the trainer's data, (count_i + 1) / (n + 2)
 * (zs_data_base_rate with pseudocount 1), that zs_rbm_trainer_save stores as
 * train_data_frequency: a view of nv entries, valid until zs_rbm_trainer_free. */
const double *zs_rbm_trainer_data_frequency(const zs_rbm_trainer *t);
/* Copy the current parameters into rbm (same nv, nh). */
void zs_rbm_trainer_get(const zs_rbm_trainer *t, zs_rbm *rbm);
/* Save the parameters (float32) and the training state (arrays train_epoch, train_velocity_W,
 * train_velocity_vbias, train_velocity_hbias, train_chains, train_options) atomically. */
zs_status zs_rbm_trainer_save(const zs_rbm_trainer *t, const char *path);
/* Restore the state saved by zs_rbm_trainer_save from path into t (created with the same
 * data and options): continuing is bit-identical to never having stopped. ZS_EFORMAT when
 * the file has no training state or was trained with other options (message says which). */
zs_status zs_rbm_trainer_resume(zs_rbm_trainer *t, const char *path);

/* The training state besides the parameters, in the caller's float32 arrays: what continues a
 * run in memory (a Python estimator's partial_fit and pickling) as zs_rbm_trainer_save /
 * zs_rbm_trainer_resume do through a file. The velocities stay 0 without momentum: a caller
 * that trains without it may leave the three velocity pointers NULL. */
typedef struct zs_rbm_train_state {
    float *velocity_w;        /* nv x nh, row-major                                           */
    float *velocity_vbias;    /* nv                                                           */
    float *velocity_hbias;    /* nh                                                           */
    float *chains;            /* batch x nv PCD visible states, each 0 or 1                   */
    uint64_t epoch;           /* epochs done: epoch e's row order and draws come from (seed, e) */
    int chains_ready;         /* 1 once the PCD chains have been started (at the first batch) */
} zs_rbm_train_state;
/* Copy t's state into the arrays of s (of the sizes above; NULL velocity pointers: not
 * copied). ZS_EINVAL for NULL chains. */
zs_status zs_rbm_trainer_get_state(const zs_rbm_trainer *t, zs_rbm_train_state *s);
/* Set t's state from s (as got from a trainer with the same nv, nh and batch; NULL velocity
 * pointers: zero velocities): the next epoch is then bit-identical to the one the other
 * trainer would run, on the same data and options. ZS_EINVAL for NULL chains, a velocity that
 * is not finite or a chain value that is not 0 or 1 (message names which and where); t is
 * unchanged then. */
zs_status zs_rbm_trainer_set_state(zs_rbm_trainer *t, const zs_rbm_train_state *s);

#endif
