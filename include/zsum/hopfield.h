/*
 * zsum/hopfield.h — Hopfield memories: ±1 patterns, Hebbian storage, recall dynamics and the
 * storage-capacity sweep. Included by zsum.h; do not include on its own. See docs/hopfield.md
 * for the tour and theory. Pattern files (read, write as image): zsum/io.h.
 *
 * A network of N units s_i in {-1,+1} with symmetric couplings J (zero diagonal) has energy
 * E(s) = -1/2 s^T J s. Hebbian storage of P patterns xi^mu (Hopfield 1982, eq. 2):
 * J = (1/N) sum_mu xi^mu xi^mu^T with the diagonal set to zero. The overlap of a state with
 * pattern mu is m_mu = (1/N) sum_i xi^mu_i s_i (1 = the pattern, -1 = its mirror image).
 *
 * Exactness: Hebbian couplings are kept as the integer matrix K = sum_mu xi xi^T and the
 * scale 1/N, so local fields N h_i = sum_j K_ij s_j are exact integers in double precision:
 * ties h_i = 0 are recognised exactly and results do not depend on the summation order (BLAS
 * kernel, thread count). A J read from a file is used as K = N J when every J_ij is exactly
 * k / N for an integer k (as store writes it), as plain doubles otherwise.
 *
 * Implementations: lib/models/patterns.c (pattern sets), lib/models/hopfield.c (the network),
 * lib/learn/hebbian.c, lib/learn/projection.c (storage), lib/sample/hopfield_dynamics.c,
 * lib/sample/hopfield_capacity.c (recall, capacity), lib/io/hopfield_npz.c (network files).
 */
#ifndef ZSUM_HOPFIELD_H
#define ZSUM_HOPFIELD_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/hopfield.h"
#endif

/* ---------------------------------------------------------------------------------------- */
/* Patterns: P rows of N values in {-1,+1}, with an optional image shape rows x cols = N.    */
/* (lib/models/patterns.c; pattern files: zsum/io.h)                                       */
/* ---------------------------------------------------------------------------------------- */
typedef struct zs_patterns zs_patterns;

#define ZS_PATTERNS_MAX_UNITS 100000 /* N: J alone is N^2 doubles (80 GB at the limit)     */

/* A copy of p x n values from data (row-major, each -1 or +1). rows x cols is the image shape
 * (both 0: none). ZS_EINVAL (message names the entry) for p or n == 0, n above the limit, a
 * value other than ±1, or a shape whose product is not n. */
zs_status zs_patterns_alloc(zs_ctx *ctx, size_t p, size_t n, const int8_t *data, size_t rows,
                            size_t cols, zs_patterns **out);
void zs_patterns_free(zs_patterns *pt);

/* Append the patterns of b to a (same N; shapes must agree when both have one). */
zs_status zs_patterns_append(zs_ctx *ctx, zs_patterns *a, const zs_patterns *b);

size_t zs_patterns_count(const zs_patterns *pt);   /* P */
size_t zs_patterns_units(const zs_patterns *pt);   /* N */
/* P x N, row-major, values ±1: a view, valid until the patterns are freed or appended to. */
const int8_t *zs_patterns_data(const zs_patterns *pt);
/* Image shape; returns 0 and leaves rows/cols alone when there is none. */
int zs_patterns_shape(const zs_patterns *pt, size_t *rows, size_t *cols);
/* Set the shape (rows * cols must equal N; 0 x 0 removes it). ZS_EINVAL otherwise. */
zs_status zs_patterns_set_shape(zs_ctx *ctx, zs_patterns *pt, size_t rows, size_t cols);

/* ---------------------------------------------------------------------------------------- */
/* The network (lib/learn/hebbian.c, lib/models/hopfield.c).                                 */
/* ---------------------------------------------------------------------------------------- */
typedef struct zs_hopfield zs_hopfield;

/* Hebbian storage of the patterns (copied, kept for overlaps): K = Xi^T Xi by BLAS dsyrk on
 * the P x N pattern matrix, diagonal zeroed, J = K / N. ctx (may be NULL) is kept for the
 * messages of later calls and must outlive the handle. */
zs_status zs_hopfield_alloc_hebbian(zs_ctx *ctx, const zs_patterns *patterns, zs_hopfield **out);
/* The projection (pseudo-inverse) rule J = (1/N) Xi^T C^{-1} Xi, C = Xi Xi^T / N, diagonal
 * zeroed (Personnaz, Guyon & Dreyfus 1985; Kanter & Sompolinsky 1987): every stored pattern
 * is a fixed point for any P < N linearly independent patterns. Real couplings (not integer).
 * ZS_EINVAL for P >= N or linearly dependent patterns (the first such pattern is named). */
zs_status zs_hopfield_alloc_projection(zs_ctx *ctx, const zs_patterns *patterns,
                                       zs_hopfield **out);
/* A network from given couplings (n x n row-major, copied) and optionally the stored patterns
 * (NULL: overlaps are not available). ZS_EINVAL (message names the entry) for a non-finite
 * J_ij, J_ij != J_ji (beyond 1e-12 relative), a non-zero diagonal, or patterns of another N. */
zs_status zs_hopfield_alloc(zs_ctx *ctx, size_t n, const double *j, const zs_patterns *patterns,
                            zs_hopfield **out);
void zs_hopfield_free(zs_hopfield *net);

size_t zs_hopfield_units(const zs_hopfield *net);              /* N */
size_t zs_hopfield_pattern_count(const zs_hopfield *net);      /* P (0 when none is kept) */
/* A view of the kept patterns (NULL when none), valid until the network is freed. */
const zs_patterns *zs_hopfield_patterns(const zs_hopfield *net);
/* J (n x n row-major) written to j_out. */
void zs_hopfield_couplings(const zs_hopfield *net, double *j_out);
/* 1 when the couplings are held exactly as integers / N (Hebbian), 0 otherwise. */
int zs_hopfield_is_integer(const zs_hopfield *net);

/* Save as an .npz (lib/io/hopfield_npz.c): J (N, N) float64, patterns (P, N) int8 when kept,
 * shape (2,) int64 [rows, cols] when the patterns have one. Written atomically. */
zs_status zs_hopfield_save(const zs_hopfield *net, const char *path);
/* Load such an .npz. ZS_EIO / ZS_EFORMAT for an unreadable file, a missing or non-square J,
 * patterns of another length or with values other than ±1, a bad shape; ZS_EINVAL (the entry
 * named, after the file name) for a non-finite, asymmetric or non-zero-diagonal J. */
zs_status zs_hopfield_load(zs_ctx *ctx, const char *path, zs_hopfield **out);

/* E(s) = -1/2 s^T J s. */
double zs_hopfield_energy(const zs_hopfield *net, const int8_t *s);
/* m_mu = (1/N) xi^mu . s for every stored pattern (P entries; BLAS dgemv). ZS_EINVAL when the
 * network keeps no patterns. */
zs_status zs_hopfield_overlaps(const zs_hopfield *net, const int8_t *s, double *m);

/* ---------------------------------------------------------------------------------------- */
/* Asynchronous dynamics (lib/sample/hopfield_dynamics.c).                                   */
/* ---------------------------------------------------------------------------------------- */
typedef enum zs_hopfield_order {
    ZS_HOPFIELD_SEQUENTIAL = 0, /* units 0..N-1 in turn, every sweep                         */
    ZS_HOPFIELD_RANDOM = 1      /* a fresh random permutation each sweep (from the rng)      */
} zs_hopfield_order;
/* "sequential", "random". */
const char *zs_hopfield_order_name(zs_hopfield_order order);
zs_status zs_hopfield_order_from_name(const char *name, zs_hopfield_order *out);

typedef struct zs_hopfield_run_opts {
    double beta;             /* HUGE_VAL (T = 0): deterministic s_i <- sign(h_i) (ties keep
                                s_i); 0 < beta < inf: Glauber heat bath
                                P(s_i = +1) = 1 / (1 + exp(-2 beta h_i))                     */
    zs_hopfield_order order;
    uint64_t max_sweeps;     /* deterministic: stop earlier at a fixed point; heat bath: run
                                all                                                          */
    uint64_t seed, stream;   /* random order and heat bath draw from zs_rng_init(seed, stream) */
} zs_hopfield_run_opts;

/* The defaults (those of the command line): beta = HUGE_VAL (deterministic), RANDOM order,
 * 100 sweeps, seed 0, stream 0. */
void zs_hopfield_run_defaults(zs_hopfield_run_opts *opts);

/* Called after every sweep with the state, its energy, the overlaps with the stored patterns
 * (NULL when none are kept) and the number of units that changed. Nonzero stops the run
 * (then ZS_ECANCELLED). */
typedef int (*zs_hopfield_sweep_fn)(void *user, uint64_t sweep, const int8_t *s, double energy,
                                    const double *overlaps, size_t flips);

typedef struct zs_hopfield_result {
    uint64_t sweeps;  /* sweeps done                                                           */
    int converged;    /* deterministic: the last sweep changed nothing (a fixed point)          */
    double energy;    /* E of the final state                                                  */
} zs_hopfield_result;

/* Run the dynamics from state s (N entries ±1, updated in place). fn may be NULL.
 * Fields h = J s are kept up to date by one row of J per flip (J symmetric), so a sweep costs
 * O(N) plus O(N) per flip. ZS_EINVAL for beta NaN or <= 0, max_sweeps 0
 * or a state entry other than ±1. */
zs_status zs_hopfield_run(const zs_hopfield *net, const zs_hopfield_run_opts *dyn, int8_t *s,
                          zs_hopfield_sweep_fn fn, void *user, zs_hopfield_result *result);

/* Flip exactly round(fraction * n) units of s (n < 2^32), every such subset equally likely,
 * drawn from rng by selection sampling (Knuth's Algorithm S). Returns the number flipped.
 * fraction is clamped to [0, 1]. */
size_t zs_pattern_flip(int8_t *s, size_t n, double fraction, zs_rng *rng);

/* ---------------------------------------------------------------------------------------- */
/* Storage capacity (lib/sample/hopfield_capacity.c): for each load alpha, `trials` networks   */
/* of P = max(1, round(alpha N)) random patterns; recall from every stored pattern, corrupted  */
/* by `flip`, with deterministic random-order dynamics to a fixed point; report the final     */
/* overlap with the pattern recalled. Amit, Gutfreund & Sompolinsky (1985): retrieval states  */
/* vanish above alpha_c ~ 0.138 (at T = 0, N -> infinity).                                     */
/* Trial t of load a draws everything from zs_rng_init(seed, a * 2^32 + t): results do not     */
/* depend on the thread count.                                                                */
/* ---------------------------------------------------------------------------------------- */
typedef struct zs_hopfield_capacity_point {
    double alpha;        /* P / N actually used                                                */
    size_t p;            /* patterns stored                                                    */
    zs_estimate overlap; /* mean final overlap over trials x patterns; std_error: over the
                            trials' means (0 with one trial); ess: the number of trials      */
    double perfect;      /* fraction of recalls that end exactly on the pattern (m = 1)        */
    double sweeps;       /* mean sweeps to the fixed point                                     */
} zs_hopfield_capacity_point;

#define ZS_HOPFIELD_CAPACITY_MAX_SWEEPS 1000 /* a fixed point is reached long before in practice */

typedef struct zs_hopfield_capacity_opts {
    size_t trials;           /* networks per load, 1..2^30                                  */
    double flip;             /* fraction of units flipped in each probe, in [0, 1]          */
    uint64_t seed;
} zs_hopfield_capacity_opts;

/* The defaults (those of the command line): 10 trials, flip 0, seed 0. */
void zs_hopfield_capacity_defaults(zs_hopfield_capacity_opts *opts);

/* n units, nalpha loads in alpha[] (each > 0, P <= 32767). points receives nalpha entries.
 * The progress hook is called once per finished trial. */
zs_status zs_hopfield_capacity(zs_ctx *ctx, size_t n, const double *alpha, size_t nalpha,
                               const zs_hopfield_capacity_opts *opts,
                               zs_hopfield_capacity_point *points);
/* Estimated wall-clock seconds of zs_hopfield_capacity with these arguments on the context's
 * threads and processes (a rough figure from trials x sum_a P_a x N^2, the cost of the Hebbian
 * sums and of the descents, for refusing runs that would not end in reasonable time); NaN for
 * arguments zs_hopfield_capacity refuses. */
double zs_hopfield_capacity_seconds(const zs_ctx *ctx, size_t n, const double *alpha,
                                    size_t nalpha, const zs_hopfield_capacity_opts *opts);

#endif /* ZSUM_HOPFIELD_H */
