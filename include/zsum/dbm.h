/*
 * zsum/dbm.h — deep Boltzmann machines. Included by zsum.h; do not include on its own.
 *
 * Model (Salakhutdinov & Hinton 2009, "Deep Boltzmann machines", AISTATS): binary layers
 * h^0 = v (n_0 units), h^1, ..., h^L (L >= 1 hidden layers), each coupled only to its
 * neighbours:
 *   E(v, h^1, ..., h^L) = - sum_{l=1..L} h^{l-1 T} W^l h^l - sum_{l=0..L} b^l . h^l,
 * W^l: n_{l-1} x n_l, b^l: n_l. With L = 1 this is an RBM (W = W^1, vbias = b^0, hbias = b^1).
 *
 * Layers of one parity are not coupled to each other, so the units split into the "even" set
 * (v, h^2, h^4, ...) and the "odd" set (h^1, h^3, ...) with couplings only between the sets:
 * the DBM is an RBM between them whose weight matrix has the blocks W^l in place and zeros
 * elsewhere (zs_dbm_to_rbm). Every sum over states uses that: given one set, the units of
 * the other are independent and are summed out with softplus.
 *
 * Files: NumPy .npz with arrays W1..WL (W^l, shape (n_{l-1}, n_l)) and b0..bL (b^l, shape
 * (n_l,)), float32 or float64 (zs_dbm_load also reads the layout of other tools, below).
 *
 * Implementations: lib/models/dbm.c (model, its RBM view, mean field), lib/models/
 * dbm_variational.c (mean-field and Bethe ln Z), lib/io/dbm_npz.c
 * (model files), lib/exact/dbm_exact.c (exact ln Z and log-likelihood), lib/sample/dbm_ais.c
 * (annealed importance sampling), lib/sample/dbm_sandwich.c (its reverse side),
 * lib/sample/dbm_sample.c (block Gibbs sampling), lib/learn/dbm_train_pre.c (pretraining) and
 * dbm_train.c (joint training), lib/io/dbm_npz_pre.c (pretraining checkpoints).
 */
#ifndef ZSUM_DBM_H
#define ZSUM_DBM_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/dbm.h"
#endif

typedef struct zs_dbm zs_dbm;

/* The most hidden layers a model may have. */
#define ZS_DBM_MAX_LAYERS 64

/* A model with all parameters zero: L hidden layers, sizes[0..L] the units of v, h^1..h^L.
 * ctx (may be NULL) is kept for the messages of later calls and must outlive the model.
 * ZS_EINVAL for L = 0, L > ZS_DBM_MAX_LAYERS or a layer of 0 units; ZS_ERANGE for a size
 * whose arrays do not fit in memory's address space; ZS_ENOMEM. */
zs_status zs_dbm_alloc(zs_ctx *ctx, size_t L, const size_t *sizes, zs_dbm **out);
void zs_dbm_free(zs_dbm *dbm);

size_t zs_dbm_layers(const zs_dbm *dbm);           /* L, the hidden layers                */
size_t zs_dbm_size(const zs_dbm *dbm, size_t l);   /* n_l, l = 0..L (0 = visible); 0 past L */
/* Views of the parameters, owned by the model, valid until zs_dbm_free: W^l for l = 1..L,
 * row-major (w[i*n_l + j] couples unit i of layer l-1 and unit j of layer l); b^l for l =
 * 0..L. NULL for l out of range. The mutable views fill in a model made by zs_dbm_alloc;
 * call zs_dbm_check afterwards. */
double *zs_dbm_w_mut(zs_dbm *dbm, size_t l);
double *zs_dbm_bias_mut(zs_dbm *dbm, size_t l);
const double *zs_dbm_w(const zs_dbm *dbm, size_t l);
const double *zs_dbm_bias(const zs_dbm *dbm, size_t l);
/* The element type the model came from (ZS_DTYPE_F4 or ZS_DTYPE_F8); new models: F8. */
zs_dtype zs_dbm_dtype(const zs_dbm *dbm);

/* ZS_EINVAL unless every parameter is finite; the message names the first bad entry,
 * e.g. "W2: entry (3, 5) = nan is not finite". */
zs_status zs_dbm_check(const zs_dbm *dbm);

/* The one-hidden-layer DBM of an RBM (W^1 = W, b^0 = vbias, b^1 = hbias), and back for L = 1
 * (ZS_EINVAL otherwise). The copies are exact. */
zs_status zs_dbm_from_rbm(const zs_rbm *rbm, zs_dbm **out);

/* The DBM as an RBM between its two sets of layers: "visible" = the even layers v, h^2, h^4,
 * ... in that order, "hidden" = the odd layers h^1, h^3, ...; W has the blocks W^l (or their
 * transposes) and zeros between layers that are not neighbours. The two models have the same
 * Z and the same distribution. For L = 1 it is the RBM of zs_dbm_from_rbm. The new model
 * keeps dbm's context. */
zs_status zs_dbm_to_rbm(const zs_dbm *dbm, zs_rbm **out);

/* Load from .npz. Three layouts:
 *  - zsum's: W1..WL and b0..bL; L is the largest l with W1..Wl all present;
 *  - Salakhutdinov's public MATLAB DBM code (the .mat variables of its 2-layer models, saved
 *    to .npz under the same names, e.g. numpy.savez(path, **scipy.io.loadmat(mat))): vishid
 *    (n_0, n_1), hidpen (n_1, n_2), visbiases, hidbiases, penbiases (1-D, or 2-D with one row);
 *    read when W1 is absent and vishid is present. Its label units (labpen, labbiases) are
 *    not part of the model read;
 *  - an RBM file (W, vbias, hbias; zsum/rbm.h), read as the DBM with one hidden layer, when
 *    neither W1 nor vishid is present.
 * float32 or float64; other arrays are ignored. ZS_EFORMAT for a checkpoint written inside
 * pretraining (zs_dbm_pretrainer_save: no trained model yet), for a missing array (the message
 * lists the arrays present), a wrong rank, shapes that do not chain (the message names both
 * arrays and their shapes); ZS_EINVAL for a non-finite parameter; the errors of
 * zs_npz_open / zs_npz_get otherwise. */
zs_status zs_dbm_load(zs_ctx *ctx, const char *path, zs_dbm **out);
/* Save W1..WL and b0..bL as dtype (F4 or F8), deflated; atomic replacement of path. */
zs_status zs_dbm_save(const zs_dbm *dbm, const char *path, zs_dtype dtype);

/* ---- exact sums (lib/exact/dbm_exact.c) --------------------------------------------------- */
/* ln Z by enumerating the smaller of the two sets of layers (even: v, h^2, ...; odd: h^1,
 * h^3, ...) and summing the other analytically: with s the enumerated set and x_i the field
 * of unit i of the other set,
 *   ln Z = logsumexp_s [ c . s + sum_i softplus(x_i(s)) ]
 * — the exact RBM sum (zs_rbm_lnz_exact) on zs_dbm_to_rbm, in log space. For L = 1 it gives
 * zs_rbm_lnz_exact's value bit for bit. */
double zs_dbm_exact_cost(const zs_dbm *dbm);                /* softplus terms: m * 2^n   */
double zs_dbm_exact_seconds(const zs_dbm *dbm, int threads);
/* max_seconds: refuse (ZS_ETOOBIG, message with the estimate suggesting AIS) when the
 * estimate exceeds it; <= 0: no limit besides ZS_RBM_EXACT_MAX_SMALL units in the smaller
 * set. */
zs_status zs_dbm_lnz_exact(const zs_dbm *dbm, double max_seconds, double *lnz);

/* ln p*(v) = ln sum_{h^1..h^L} exp(-E(v, h)) of n binary rows (n x n_0 bytes, 0 or 1) into
 * out (n entries): with v clamped the hidden layers are a DBM of L - 1 hidden layers whose
 * bottom bias is b^1 + W^1T v, summed exactly as zs_dbm_lnz_exact does (for L = 1:
 * b^0 . v + sum_j softplus(b^1_j + (v W^1)_j), the RBM's -F(v)). ln p(v) = out[r] - ln Z.
 * max_seconds bounds the estimated time of all rows together. ZS_EINVAL for a byte that is
 * not 0 or 1 (message names row and column); ZS_ETOOBIG; ZS_ENOMEM. */
zs_status zs_dbm_unnorm_loglik_exact(const zs_dbm *dbm, const uint8_t *rows, size_t n,
                                     double max_seconds, double *out);

/* ---- mean field (lib/models/dbm.c) -------------------------------------------------------- */
/* The variational lower bound on ln p*(v) with the fully factorized posterior
 * q(h) = prod_{l,j} mu_lj^h (1 - mu_lj)^(1-h) (Salakhutdinov & Hinton 2009, section 3):
 *   ln p*(v) >= B(v) = -E_q[E(v, h)] + H(q)
 *     = b^0.v + sum_l b^l.mu^l + v W^1 mu^1 + sum_{l>=2} mu^{l-1} W^l mu^l + sum H(mu_lj),
 * maximized by the fixed-point updates mu^l = sigmoid(b^l + W^lT mu^{l-1} + W^{l+1} mu^{l+1})
 * (mu^0 = v), layer after layer from l = 1 up (each update maximizes B over one layer, so B
 * never decreases), started from a bottom-up pass with W^{l+1} mu^{l+1} left out. The bound
 * on ln p(v) is B(v) - ln Z. For L = 1 the posterior factorizes and B(v) = ln p*(v). */
typedef struct zs_dbm_mf_opts {
    size_t max_iterations;    /* sweeps over the layers (default 30)                          */
    double tolerance;         /* converged when no mu changes by more than this in a sweep
                                 (default 1e-7)                                               */
} zs_dbm_mf_opts;
void zs_dbm_mf_defaults(zs_dbm_mf_opts *opts);
/* n binary rows (n x n_0 bytes, 0 or 1): bound[r] = B(v_r); iterations[r] (may be NULL) the
 * sweeps run; converged[r] (may be NULL) 1 when the tolerance was met. ZS_EINVAL for a byte
 * that is not 0 or 1 (message names row and column) or bad options; ZS_ENOMEM. */
zs_status zs_dbm_mean_field(const zs_dbm *dbm, const zs_dbm_mf_opts *opts, const uint8_t *rows,
                            size_t n, double *bound, uint32_t *iterations, uint8_t *converged);

/* ---- approximations of ln Z (lib/models/dbm_variational.c) --------------------------------- */
/* The naive mean-field lower bound on ln Z: q a product of Bernoullis over every unit (v
 * included), ln Z >= sum_l [b^l.mu^l + H(mu^l)] + sum_l mu^{l-1} W^l mu^l at the fixed point of
 * mu^l = sigmoid(b^l + W^lT mu^{l-1} + W^{l+1} mu^{l+1}) reached layer after layer from
 * mu = sigmoid(b) (opts as zs_dbm_mean_field's). A lower bound at every iterate. */
zs_status zs_dbm_lnz_mean_field(const zs_dbm *dbm, const zs_dbm_mf_opts *opts, double *lnz,
                                uint32_t *iterations, int *converged);
/* The Bethe approximation of ln Z by loopy belief propagation with damped parallel updates
 * (exact when the model is a tree, e.g. one unit per layer); neither a lower nor an upper
 * bound in general. *converged: the messages changed by at most the tolerance in the last
 * sweep (the value is that of the last messages either way). */
typedef struct zs_dbm_bethe_opts {
    size_t max_iterations;    /* default 1000                                                 */
    double tolerance;         /* on the messages' log-odds (default 1e-10)                     */
    double damping;           /* new = damping old + (1 - damping) update, in [0, 1) (0.5)     */
} zs_dbm_bethe_opts;
void zs_dbm_bethe_defaults(zs_dbm_bethe_opts *opts);
zs_status zs_dbm_lnz_bethe(const zs_dbm *dbm, const zs_dbm_bethe_opts *opts, double *lnz,
                           uint32_t *iterations, int *converged);

/* ---- annealed importance sampling (lib/sample/dbm_ais.c) ---------------------------------- */
/* Salakhutdinov & Hinton (2009), section 4: AIS over the states of the even layers (v, h^2,
 * ...) with the odd layers (h^1, h^3, ...) summed out — zs_rbm_lnz_ais on zs_dbm_to_rbm,
 * whose "visible" layer is the even set. Base models (zs_dbm_ais_base): */
typedef enum zs_dbm_ais_base {
    ZS_DBM_AIS_BASE_UNIFORM = 0, /* all couplings and biases 0                               */
    ZS_DBM_AIS_BASE_DATA = 1,    /* v biases ln(p_i / (1 - p_i)) from the data's frequencies
                                    (pseudocount), h^2, h^4, ... biases 0                     */
    ZS_DBM_AIS_BASE_MODEL = 2,   /* the model's own biases of v, h^2, h^4, ...; couplings 0   */
    ZS_DBM_AIS_BASE_AUTO = 3,    /* DATA when data is given, else UNIFORM                    */
    ZS_DBM_AIS_BASE_PT = 4       /* no data: biases ln(p_i / (1 - p_i)) of v, h^2, h^4, ...
                                    from the model's own frequencies, estimated by parallel
                                    tempering (zs_dbm_lnz_sandwich; for L = 1 the RBM's PT base
                                    of zs_rbm_lnz_sandwich); the command's default            */
} zs_dbm_ais_base;
/* "uniform", "data", "model", "auto", "pt". */
const char *zs_dbm_ais_base_name(zs_dbm_ais_base base);
zs_status zs_dbm_ais_base_from_name(const char *name, zs_dbm_ais_base *out);

typedef struct zs_dbm_ais_opts {
    size_t chains;            /* independent runs (default 100)                              */
    const double *betas;      /* increasing from 0 to 1 inclusive; NULL: the sm08 schedule   */
    size_t nbetas;
    zs_dbm_ais_base base;     /* default AUTO                                                */
    const uint8_t *data;      /* n_data x n_0 binary rows for ZS_DBM_AIS_BASE_DATA            */
    size_t n_data;
    double pseudocount;       /* default 1                                                   */
    uint64_t seed;            /* default 1                                                   */
} zs_dbm_ais_opts;
void zs_dbm_ais_defaults(zs_dbm_ais_opts *opts);

typedef struct zs_dbm_ais_result {
    zs_estimate lnz;          /* as zs_rbm_ais_result.lnz                                    */
    zs_interval band;         /* as zs_rbm_ais_result.band (+-3 sigma of the mean weight)     */
    double lnz_base;
    size_t chains;
    size_t temperatures;      /* transitions                                                */
    zs_dbm_ais_base base;     /* the base that ran (AUTO resolved)                           */
} zs_dbm_ais_result;
/* ZS_EINVAL for bad options (the messages of zs_rbm_lnz_ais); ZS_ENOMEM; ZS_ECANCELLED. For
 * L = 1 the numbers are zs_rbm_lnz_ais's on the same model, seed and base, bit for bit. The PT
 * base runs zs_dbm_lnz_sandwich's tempering with its defaults (reverse NONE): its forward side. */
zs_status zs_dbm_lnz_ais(const zs_dbm *dbm, const zs_dbm_ais_opts *opts, zs_dbm_ais_result *out);

/* ---- the two sides of ln Z: forward and reverse AIS (lib/sample/dbm_sandwich.c) ---------- */
/* The sandwich of zsum/rbm.h (zs_rbm_lnz_sandwich: Grosse, Ghahramani & Adams 2015; Burda,
 * Grosse & Salakhutdinov 2015) on the RBM between the even and the odd layers, whose AIS is the
 * DBM's (zs_dbm_lnz_ais): the forward run is zs_dbm_lnz_ais's, bit for bit, and the reverse
 * runs anneal the same schedule backwards, over the even layers with the odd ones summed out,
 * from samples of the model: parallel-tempering samples (PT: for L > 1 tempering over the odd
 * layers with the even ones summed out, the even layers then drawn exactly given the odd ones;
 * for L = 1 the RBM's PT over v), or rows of v (start_rows) whose h^2, h^4, ... are drawn by
 * start_sweeps block-Gibbs sweeps with v clamped (posterior samples: the start is a sample of
 * the model as far as the rows are). For L = 1 every number is zs_rbm_lnz_sandwich's on the
 * same model, options (pt_sweeps as zs_dbm_sandwich_pt_sweeps gives it) and seed.
 * The PT base (ZS_DBM_AIS_BASE_PT): for L > 1 the same tempering over the
 * odd layers gives the even units' frequencies as the mean of p(x_i = 1 | x_odd) over its cold
 * replicas' kept sweeps (pseudocount 1); one PT run serves the base and the PT reverse start. */
typedef struct zs_dbm_sandwich_opts {
    zs_dbm_ais_opts ais;          /* the forward run; the reverse runs use its chains, base and
                                     schedule (reversed)                                         */
    zs_rbm_reverse_start reverse; /* NONE, PT, DATA (start_rows), AUTO: DATA when rows are given,
                                     else PT (default AUTO)                                      */
    const uint8_t *start_rows;    /* n_start x n_0 binary rows of v; run c starts from row c mod
                                     n_start                                                     */
    size_t n_start;
    uint64_t start_sweeps;        /* clamped sweeps drawing h^2, h^4, ... of a start row (default
                                     100; unused for L = 1, whose even set is v)                 */
    size_t pt_temperatures;       /* as zs_rbm_sandwich_opts (default 50)                        */
    uint64_t pt_sweeps;           /* as zs_rbm_sandwich_opts; 0 (the default): sized from the
                                     forward run, zs_dbm_sandwich_pt_sweeps                      */
    size_t pt_ladders;            /* default 10                                                  */
} zs_dbm_sandwich_opts;

typedef struct zs_dbm_sandwich_result {
    zs_dbm_ais_result forward;    /* the lower side: zs_dbm_lnz_ais's result                     */
    zs_rbm_reverse_start reverse; /* the start that ran (AUTO resolved)                          */
    zs_estimate upper;            /* the reverse side (NaN with NONE)                            */
    zs_interval upper_band;
    zs_sandwich sandwich;         /* agree = 1 and the forward band alone with NONE              */
    double pt_swap_min;           /* lowest PT swap acceptance; NaN when PT did not run           */
    double pt_seconds, forward_seconds, reverse_seconds;
} zs_dbm_sandwich_result;
void zs_dbm_sandwich_defaults(zs_dbm_sandwich_opts *opts);
/* The PT sweeps that run: opts->pt_sweeps when nonzero; else with the PT base
 * zs_rbm_sandwich_defaults' 1,000; else M K / (8 P L) within [100, 1000] for M chains, K
 * transitions (14,500 for sm08), P ladders and L temperatures, which makes PT's replica-sweeps
 * a quarter of the forward run's chain-sweeps (lib/sample/dbm_sandwich.c). */
uint64_t zs_dbm_sandwich_pt_sweeps(const zs_dbm_sandwich_opts *opts);
/* Streams: as zs_rbm_lnz_sandwich's; the clamped sweeps of start run c draw from zs_rng(seed,
 * 2^44 + c). Results do not depend on the thread count. Errors: zs_dbm_lnz_ais's and
 * zs_rbm_lnz_sandwich's (reverse DATA without rows, a row byte not 0 or 1, bad PT options). */
zs_status zs_dbm_lnz_sandwich(const zs_dbm *dbm, const zs_dbm_sandwich_opts *opts, zs_dbm_sandwich_result *out);

/* ---- sampling (lib/sample/dbm_sample.c) --------------------------------------------------- */
/* Block Gibbs sampling: given the even layers (v, h^2, ...) the units of the odd layers (h^1,
 * h^3, ...) are independent, p(h^l_j = 1 | rest) = sigmoid(b^l_j + (h^{l-1} W^l)_j +
 * (W^{l+1} h^{l+1})_j), and the other way round; a sweep draws every odd layer, then every
 * even layer. Chain c starts from v uniform at random (or v = init row c mod n_init) and h^2,
 * h^4, ... uniform at random, and draws from zs_rng(seed, c): results do not depend on the
 * thread count. */
typedef struct zs_dbm_sample_opts {
    size_t chains;            /* independent chains (default 64)                              */
    uint64_t steps;           /* sweeps per chain (default 1000)                              */
    uint64_t seed;            /* default 1                                                    */
    const uint8_t *init;      /* n_init x n_0 binary start rows of v; NULL: random starts      */
    size_t n_init;
} zs_dbm_sample_opts;
void zs_dbm_sample_defaults(zs_dbm_sample_opts *opts);
/* Each output may be NULL: visible (chains x n_0) the final v of each chain (0 or 1); layers
 * (chains x (n_0 + ... + n_L)) every layer's final state, layers in order; prob (chains x n_0)
 * p(v = 1 | h^1) of the last sweep (the mean of the last draw of v, for images). ZS_EINVAL for
 * 0 chains, init with n_init = 0, a start byte that is not 0 or 1 (message names row and
 * column) or a non-finite parameter; ZS_ERANGE; ZS_ENOMEM; ZS_ECANCELLED. */
zs_status zs_dbm_sample(const zs_dbm *dbm, const zs_dbm_sample_opts *opts, uint8_t *visible, uint8_t *layers,
                        double *prob);
/* Estimated wall-clock seconds of zs_dbm_sample for `chains` chains of `steps` sweeps on the
 * context's threads (rough: each weight read twice a sweep at about 1.4 ns, 10 ns a unit). */
double zs_dbm_sample_seconds(const zs_dbm *dbm, size_t chains, uint64_t steps);

/* ---- training (lib/learn/dbm_train_pre.c, dbm_train.c) -------------------------------------- */
/* Salakhutdinov & Hinton (2009, 2012). Greedy layer-wise pretraining: a stack of RBMs trained
 * by CD-1, each with the weights doubled where its layer will also receive input from the
 * other side in the DBM (the bottom RBM: 2W from v to h^1, W back; the top RBM: W up, 2W from
 * h^L down to h^{L-1}; a middle RBM: 2W both ways), each trained on samples of the hidden
 * units of the one below (drawn with its up-weights); then composed as W^l = the l-th RBM's
 * weights, b^0 = the bottom RBM's visible biases, b^L = the top RBM's hidden biases, and for
 * 0 < l < L the mean of the hidden biases of RBM l and the visible biases of RBM l+1. */
typedef struct zs_dbm_pretrain_opts {
    size_t epochs;            /* per RBM (default 10; the public code: 100, then 200)       */
    size_t batch;             /* default 100                                                 */
    double lr;                /* default 0.05                                                */
    double momentum;          /* 0.5 for the first 5 epochs, then this (default 0.9)         */
    double weight_decay;      /* L2 on W (default 0.0002)                                    */
    double init_std;          /* W ~ N(0, init_std^2) at the start (default 0.01)            */
    uint64_t seed;
    /* Appended: one count per RBM, as the public code's demo.m trains the first RBM 100 epochs
     * and the second 200. When per_layer is nonzero, RBM l (1..L) gets layer_epochs[l] epochs
     * (each may be 0: that RBM keeps its initial weights; not all 0) and epochs is unused. */
    int per_layer;                              /* default 0: every RBM `epochs`            */
    size_t layer_epochs[ZS_DBM_MAX_LAYERS + 1];
    /* Appended, as the public code's rbm_l2.m and rbm.m have them: */
    size_t cd_step_epochs;    /* > 0: RBMs 2..L run CD-k, k = ceil(e / cd_step_epochs) in their
                                 epoch e (from 1), at learning rate lr / k (rbm_l2.m: k =
                                 ceil(epoch/20)); 0 (default): CD-1 throughout               */
    int resample;             /* 1: the data are grey levels, bytes 0..255, and each use of a
                                 row by RBM 1 draws its pixels afresh, pixel i on with
                                 probability x_i / 255 (rbm.m: data > rand); RBM 2's rows are
                                 drawn from p(h | x / 255); 0 (default): binary rows           */
} zs_dbm_pretrain_opts;
void zs_dbm_pretrain_defaults(zs_dbm_pretrain_opts *opts);
/* Pretrain dbm's parameters (overwritten) on n binary rows (n x n_0 bytes, 0 or 1; grey
 * levels 0..255 with opts->resample): a
 * zs_dbm_pretrainer run to the end. The context's progress hook is called per batch
 * ("pretraining"). Deterministic for a seed whatever the thread count. ZS_EINVAL for a byte
 * that is not 0 or 1 (without resample) or bad options; ZS_ENUMERIC when a parameter becomes non-finite;
 * ZS_ENOMEM; ZS_ECANCELLED. On failure dbm is unchanged. */
zs_status zs_dbm_pretrain(zs_dbm *dbm, const zs_dbm_pretrain_opts *opts, const uint8_t *data,
                          size_t n);

/* Pretraining an epoch at a time, with checkpoints: the same arithmetic and random streams as
 * zs_dbm_pretrain, so a run stopped after any epoch, saved, resumed and run to the end gives
 * the same parameters bit for bit. Every draw comes from a stream named by (seed, RBM, epoch,
 * row), so the seed and the position are the whole random state. */
typedef struct zs_dbm_pretrainer zs_dbm_pretrainer;
/* dbm gives the layer sizes (its parameters are not read); data as zs_dbm_pretrain's (copied).
 * RBM 1 starts initialized. ZS_EINVAL, ZS_ENOMEM as zs_dbm_pretrain. */
zs_status zs_dbm_pretrainer_alloc(zs_ctx *ctx, const zs_dbm *dbm, const zs_dbm_pretrain_opts *opts,
                                  const uint8_t *data, size_t n, zs_dbm_pretrainer **out);
void zs_dbm_pretrainer_free(zs_dbm_pretrainer *p);
/* One epoch of the RBM in training; when it has had its epochs, first the next RBM's rows are
 * drawn (with its up-weights) and it is initialized. ZS_OK without work when every RBM has had
 * its epochs. ZS_ENUMERIC, ZS_ECANCELLED: the RBM's parameters and velocities are as they were
 * before the call, and the next call runs the same epoch again. */
zs_status zs_dbm_pretrainer_epoch(zs_dbm_pretrainer *p);
/* Epochs done over all RBMs, and the run's total (the sum of the counts). */
uint64_t zs_dbm_pretrainer_epochs_done(const zs_dbm_pretrainer *p);
uint64_t zs_dbm_pretrainer_epochs(const zs_dbm_pretrainer *p);
/* The RBM in training (1..L) and its epochs done. */
void zs_dbm_pretrainer_position(const zs_dbm_pretrainer *p, size_t *layer, size_t *epochs_done);
/* The composed DBM into dbm (same layer sizes) once every RBM has had its epochs (ZS_EINVAL
 * before; RBMs of 0 epochs are initialized here). */
zs_status zs_dbm_pretrainer_get(zs_dbm_pretrainer *p, zs_dbm *dbm);
/* The pretraining state (pretrain_* arrays: the position, the options, the layer sizes, the
 * parameters of RBMs 1..l and the velocities of RBM l; docs/dbm.md), atomically. The file holds
 * no W1..WL: zs_dbm_load refuses it as a model. */
zs_status zs_dbm_pretrainer_save(const zs_dbm_pretrainer *p, const char *path);
/* Restore what zs_dbm_pretrainer_save wrote into p (made with the same data and layer sizes,
 * the same batch, lr, momentum, weight decay, init_std and seed; the counts may differ where
 * the checkpoint allows: the finished RBMs' counts equal, the current RBM's not below its
 * epochs done). ZS_EFORMAT naming what differs; p is unchanged on failure. */
zs_status zs_dbm_pretrainer_resume(zs_dbm_pretrainer *p, const char *path);
/* *yes = 1 when path is a checkpoint that zs_dbm_pretrainer_save wrote, else 0 (errors of
 * zs_npz_open). */
zs_status zs_dbm_is_pretrain_checkpoint(zs_ctx *ctx, const char *path, int *yes);

/* Joint training (S&H 2009, section 3): for each batch, the data-dependent statistics from
 * the mean-field posterior of every row (mf_iterations sweeps or mf_tolerance), the
 * model's from `chains` persistent Gibbs chains advanced `gibbs_steps` sweeps (odd layers
 * given even, then even given odd); W^l += velocity, velocity = momentum * velocity +
 * lr_e ((<h^{l-1} h^l>_data - <h^{l-1} h^l>_model) - weight_decay W^l), biases alike without
 * decay; lr_e = lr / (1 + lr_decay * e) in epoch e (from 0). Defaults: the values of
 * Salakhutdinov's public code for MNIST. */
typedef enum zs_dbm_negative {
    ZS_DBM_NEGATIVE_PERSISTENT = 0, /* `chains` persistent Gibbs chains (S&H)                    */
    ZS_DBM_NEGATIVE_EXACT = 1,      /* the model's exact statistics, enumerating the smaller set
                                       of layers each update (at most ZS_DBM_NEGATIVE_EXACT_MAX
                                       units in it)                                          */
    ZS_DBM_NEGATIVE_MEAN_FIELD = 2, /* naive mean field of the model over every unit, its fixed
                                       point continued from the previous update (mf_iterations
                                       sweeps, mf_tolerance): the variational approximation of
                                       the data-independent statistics                        */
    ZS_DBM_NEGATIVE_AUTO = 3        /* PERSISTENT                                               */
} zs_dbm_negative;
#define ZS_DBM_NEGATIVE_EXACT_MAX 24
/* "persistent", "exact", "mean-field", "auto". */
const char *zs_dbm_negative_name(zs_dbm_negative negative);
zs_status zs_dbm_negative_from_name(const char *name, zs_dbm_negative *out);

typedef struct zs_dbm_train_opts {
    zs_dbm_negative negative; /* the model's statistics (default AUTO: persistent chains)     */
    size_t batch;             /* rows per update (default 100)                               */
    double lr;                /* default 0.001                                               */
    double lr_decay;          /* default 0                                                  */
    double momentum;          /* 0.5 for the first 5 epochs, then this (default 0.9)         */
    double weight_decay;      /* default 0.0002                                              */
    size_t chains;            /* persistent chains (default 100)                            */
    size_t gibbs_steps;       /* sweeps per update (default 5)                               */
    size_t mf_iterations;     /* mean-field sweeps per row (default 10)                      */
    double mf_tolerance;      /* default 1e-7                                                */
    uint64_t seed;
    /* Appended, as the public MNIST code of Salakhutdinov's "Learning Deep Boltzmann Machines"
     * (dbm_mf.m) has them: */
    double lr_divisor;        /* the learning rate is divided by this at every update (default 1) */
    double lr_min;            /* ... down to this floor (default 0)                            */
    double sparsity_cost;     /* sparsity penalty weight (default 0: off)                      */
    double sparsity_damping;  /* decay of the hidden units' running mean activation (0.9)      */
    double sparsity_target[ZS_DBM_MAX_LAYERS + 1]; /* [l]: hidden layer l's target (default 0.1) */
    int resample;             /* 1: the data are grey levels, bytes 0..255, each batch's pixels
                                 drawn afresh at every use, pixel i on with probability
                                 x_i / 255 (dbm_mf.m: data > rand); 0 (default): binary rows   */
} zs_dbm_train_opts;
void zs_dbm_train_defaults(zs_dbm_train_opts *opts);

typedef struct zs_dbm_trainer zs_dbm_trainer;
/* Start from dbm's parameters (copied). data: n x n_0 binary rows (read, not kept: the
 * trainer copies them). The chains start uniform at random, the model's mean field at
 * sigmoid(b). ZS_EINVAL for a byte that is not 0 or 1 (without opts->resample, which reads
 * grey levels 0..255), n = 0 or bad options; ZS_ETOOBIG for the
 * exact negative phase with more than ZS_DBM_NEGATIVE_EXACT_MAX units in the smaller set;
 * ZS_ENOMEM. */
zs_status zs_dbm_trainer_alloc(zs_ctx *ctx, const zs_dbm *dbm, const zs_dbm_train_opts *opts,
                               const uint8_t *data, size_t n, zs_dbm_trainer **out);
/* The checks zs_dbm_trainer_alloc makes (options, the exact negative phase's size, the rows,
 * the model), without allocating: a program that pretrains first calls this before the
 * pretraining, so that a run that joint training would refuse is refused at once. */
zs_status zs_dbm_train_check(zs_ctx *ctx, const zs_dbm *dbm, const zs_dbm_train_opts *opts,
                             const uint8_t *data, size_t n);
void zs_dbm_trainer_free(zs_dbm_trainer *t);
/* One epoch over the data in an order drawn from the seed and the epoch number. mf_bound
 * (may be NULL): the mean over the epoch's rows of B(v), the mean-field bound on ln p*(v)
 * (parameters of the moment each batch was seen). Results do not depend on the thread count.
 * ZS_ENUMERIC when a parameter becomes non-finite; ZS_ECANCELLED. After either, the trainer
 * is as it was before the call (parameters, velocities, chains, running means), so the next
 * call runs the same epoch again. */
zs_status zs_dbm_trainer_epoch(zs_dbm_trainer *t, double *mf_bound);
uint64_t zs_dbm_trainer_epochs_done(const zs_dbm_trainer *t);
/* Copy the current parameters into dbm (same layer sizes). */
void zs_dbm_trainer_get(const zs_dbm_trainer *t, zs_dbm *dbm);
/* The model (W1..WL, b0..bL, float64) and the training state (train_epoch, train_velocity_W1..,
 * train_velocity_b0.., train_chains, train_mean_field, train_options), atomically. */
zs_status zs_dbm_trainer_save(const zs_dbm_trainer *t, const char *path);
/* Restore what zs_dbm_trainer_save wrote into t (made with the same data, layer sizes and
 * options): continuing is bit-identical to never having stopped. ZS_EFORMAT when the file
 * has no training state, other layer sizes or other options (the message says which). */
zs_status zs_dbm_trainer_resume(zs_dbm_trainer *t, const char *path);

#endif
