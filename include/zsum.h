/*
 * zsum.h — the public contract of libzsum.
 *
 * libzsum computes the statistical mechanics of energy-based models: microstates, the
 * partition function Z = sum_j exp(-beta E_j), ln Z, probabilities, entropy, free energy.
 * Units: k_B = 1, beta = 1/T, energies in the caller's units.
 *
 * Conventions (docs/ARCHITECTURE.md):
 *  - Every fallible function returns zs_status (ZS_OK = 0, fixed negative codes) and writes
 *    results through out-parameters; on failure the out-parameters are left untouched unless
 *    documented otherwise.
 *  - Detailed messages: functions that take a zs_ctx record a readable message for the last
 *    error, read with zs_last_error(). A NULL context is allowed everywhere: no message.
 *  - Every _alloc has a _free that accepts NULL. The library never prints and never exits.
 *  - Thread safety: distinct handles may be used from distinct threads; one handle must not
 *    be used by two threads at once. Functions use OpenMP internally; their results do not
 *    depend on the number of threads.
 *
 * This header holds the core (status, context, log-space helpers, random streams) and the
 * chapter's system (independent units on energy levels). Larger model families, NumPy arrays
 * and data/pattern files have their own headers under zsum/, included at the end inside this
 * header's one extern "C" block; each refuses to be included on its own.
 *
 * Implementations: lib/core/status.c, logmath.c, rng.c, count.c (core); lib/models/levels.c,
 * lib/exact/levels_thermo.c, levels_closed.c, levels_macro.c, levels_enumerate.c (the
 * chapter's system).
 */
#ifndef ZSUM_H
#define ZSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZSUM_VERSION_MAJOR 0
#define ZSUM_VERSION_MINOR 2
#define ZSUM_VERSION_PATCH 0
#define ZSUM_VERSION_STRING "0.2.0" /* kept equal to CMakeLists.txt's project VERSION */
/* ZSUM_VERSION_STRING as the library was built: a program that loads libzsum at run time (the
 * Python package, through ctypes) compares it with the version it was written for. */
const char *zs_version(void);

/* ---------------------------------------------------------------------------------------- */
/* Status codes. Values are pinned: never renumber, only append.                              */
/* ---------------------------------------------------------------------------------------- */
typedef enum zs_status {
    ZS_OK = 0,
    ZS_EINVAL = -1,       /* an argument is out of its domain (bad usage or bad input)          */
    ZS_ENOMEM = -2,       /* an allocation failed                                               */
    ZS_ERANGE = -3,       /* a value is too large or too small to represent                     */
    ZS_EIO = -4,          /* a file could not be opened, read or written                        */
    ZS_EFORMAT = -5,      /* a file or text does not follow its format                          */
    ZS_ETOOBIG = -6,      /* the problem is too large for the asked method or limit             */
    ZS_ENUMERIC = -7,     /* a computation produced NaN or diverged                             */
    ZS_EUNSUPPORTED = -8, /* the method does not apply to this model                            */
    ZS_ECANCELLED = -9    /* the progress hook asked to stop                                    */
} zs_status;

/* A static English name for a status ("invalid argument", ...); never NULL. */
const char *zs_strerror(zs_status status);
/* The code's name without the prefix ("OK", "EINVAL", ...); "unknown" for another value. */
const char *zs_status_name(zs_status status);
/* The inverse of zs_status_name: ZS_OK and *out set, or ZS_EINVAL (out untouched). */
zs_status zs_status_from_name(const char *name, zs_status *out);
/* A byte count for messages, in binary units with one decimal ("9.7 GiB", "512.0 B"; beyond
 * 1024 EiB three significant digits): written into buf, which is returned. */
const char *zs_format_bytes(char buf[32], double bytes);
/* A decimal number, the whole text: [-]digits[.digits][(e|E)[+|-]digits] (".5" and "5." too;
 * no spaces, no '+' sign, no hexadecimal, no inf or nan). ZS_OK and *out set; ZS_EFORMAT when
 * the text is not of this form; ZS_ERANGE beyond +-1.8e308 (a subnormal such as 1e-320 is read
 * as the nearest double). The grammar of every number in the command line and in schedule
 * files. */
zs_status zs_parse_decimal(const char *text, double *out);

/* ---------------------------------------------------------------------------------------- */
/* Names of enumerations. Every public enum E has                                            */
/*     const char *zs_E_name(E value);        a static lowercase name, "unknown" out of range */
/*     zs_status zs_E_from_name(const char *name, E *out);  ZS_EINVAL for an unknown name     */
/* (lib/core/names.c); the names are those the command line accepts and prints.              */
/* Every enum that chooses a method has an AUTO member whose rule is written beside it; AUTO */
/* members were appended, so existing values keep their numbers.                             */
/* ---------------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------------- */
/* Estimates and intervals: every random or approximate result of every family.              */
/* ---------------------------------------------------------------------------------------- */
typedef struct zs_estimate {
    double value;     /* the estimate                                                        */
    double std_error; /* its standard error; NaN when the method cannot give one             */
    double ess;       /* effective number of independent samples behind std_error (the method
                         documents which samples); NaN when the method defines none          */
} zs_estimate;

/* A confidence interval [lo, hi]; lo may be -HUGE_VAL and hi HUGE_VAL (no end on that side).
 * confidence: the probability the interval is meant to cover (e.g. 0.9973 for +-3 sigma of a
 * normal), NaN when the interval is not a confidence interval. */
typedef struct zs_interval {
    double lo, hi;
    double confidence;
} zs_interval;

/* ---------------------------------------------------------------------------------------- */
/* Context: last error message, progress hook, thread count. Owned by the caller.            */
/* ---------------------------------------------------------------------------------------- */
typedef struct zs_ctx zs_ctx;

/* Progress hook: done out of total units of work for the named task. Return nonzero to ask
 * the computation to stop (it then returns ZS_ECANCELLED). Called from one thread only. */
typedef int (*zs_progress_fn)(void *user, const char *task, double done, double total);

zs_ctx *zs_ctx_alloc(void); /* NULL when out of memory */
void zs_ctx_free(zs_ctx *ctx);
/* The message of the last failure recorded in ctx ("" when none). Valid until the next call
 * that takes ctx. Returns "" for a NULL ctx. */
const char *zs_last_error(const zs_ctx *ctx);
void zs_ctx_set_progress(zs_ctx *ctx, zs_progress_fn fn, void *user);
/* Threads for parallel loops; 0 (the default) lets OpenMP decide. Results do not depend on it. */
void zs_ctx_set_threads(zs_ctx *ctx, int threads);
/* The threads parallel loops of calls given ctx use: the count set, else OpenMP's
 * omp_get_max_threads() (also for a NULL ctx). */
int zs_ctx_threads(const zs_ctx *ctx);
/* The threads a parallel loop of `items` independent iterations starts given ctx:
 * min(zs_ctx_threads, processors, items), at least 1. Every estimate of time divides by it. */
int zs_ctx_threads_for(const zs_ctx *ctx, size_t items);
/* The most bytes an input whose size is not known from the file system may unpack to: a
 * gzipped IDX file, an .npz member (also capped by 1032 times its compressed size, deflate's
 * largest ratio), a pipe or a device. Plain regular files are checked against their size
 * instead. 0 (the default) means the environment's ZSUM_INPUT_LIMIT (bytes, or with a suffix
 * K, M, G, T for powers of 1024) when set, else ZS_INPUT_LIMIT_DEFAULT. A larger claim is
 * refused with ZS_ETOOBIG before anything is allocated. */
#define ZS_INPUT_LIMIT_DEFAULT (1ULL << 30)
void zs_ctx_set_input_limit(zs_ctx *ctx, uint64_t bytes);

/* Seconds on a monotonic clock (CLOCK_MONOTONIC: never steps with the wall clock), from an
 * arbitrary origin: the difference of two calls is the time between them (lib/core/clock.c). */
double zs_monotonic_seconds(void);

/* ---------------------------------------------------------------------------------------- */
/* Log-space arithmetic (lib/core/logmath.c).                                                 */
/* ---------------------------------------------------------------------------------------- */
/* ln(sum_i exp(x_i)) with a running maximum; -HUGE_VAL for n == 0 or all -HUGE_VAL. */
double zs_logsumexp(const double *x, size_t n);
/* ln(exp(a) + exp(b)) without overflow. */
double zs_logaddexp(double a, double b);
/* softplus(x) = ln(1 + exp(x)), accurate for all x. */
double zs_softplus(double x);
/* ln(1 - exp(-a)) for a >= 0 (Maechler 2012: log1p or log of expm1 by the size of a). */
double zs_log1mexp(double a);

/* ---------------------------------------------------------------------------------------- */
/* Random streams (lib/core/rng.c): xoshiro256** seeded by splitmix64 from (seed, stream), so */
/* chain or thread k of a run gets the same numbers whatever the number of threads.           */
/* ---------------------------------------------------------------------------------------- */
typedef struct zs_rng {
    uint64_t s[4];
} zs_rng;

void zs_rng_init(zs_rng *rng, uint64_t seed, uint64_t stream);
uint64_t zs_rng_next(zs_rng *rng);
void zs_rng_fill(zs_rng *rng, uint64_t *out, size_t n);   /* n successive zs_rng_next */
double zs_rng_uniform(zs_rng *rng);                   /* in [0, 1), 53 random bits */
uint64_t zs_rng_below(zs_rng *rng, uint64_t bound);   /* uniform in [0, bound), bound > 0 */
double zs_rng_normal(zs_rng *rng);                    /* standard normal */
/* A seed from the clock and the process id, for runs where the user gave none (print it). */
uint64_t zs_seed_from_entropy(void);

/* ---------------------------------------------------------------------------------------- */
/* Exact counts. Counts that can exceed 2^64 are returned as decimal strings (from GMP) with */
/* their log10; strings are allocated with malloc and freed by the caller with free().       */
/* ---------------------------------------------------------------------------------------- */
typedef struct zs_count {
    char *decimal;   /* exact value in decimal; NULL when it has more than max_digits digits */
    double log10;    /* log10 of the value (-HUGE_VAL for 0), always set                     */
} zs_count;

void zs_count_clear(zs_count *c); /* frees decimal, sets it to NULL */

/* ======================================================================================== */
/* The chapter's system: N distinguishable units, each on one of K energy levels.            */
/* Level k has energy e_k and degeneracy g_k (distinct unit states with energy e_k).         */
/* A microstate gives every unit one of the G = sum_k g_k unit states: G^N microstates.      */
/* E_j = sum_i e(unit i); p_j = exp(-beta E_j) / Z; S = -sum_j p_j ln p_j.                   */
/* A macrostate is the occupation vector (n_0..n_{K-1}); its multiplicity is                 */
/* W = N! / prod_k n_k! * prod_k g_k^{n_k}.                                                   */
/* ======================================================================================== */
typedef struct zs_levels zs_levels;

#define ZS_LEVELS_MAX_K 64          /* levels per unit                                       */
#define ZS_LEVELS_MAX_UNITS 1000000000ULL /* N up to 10^9 for the closed form             */

/* Create a level system. energies: k finite values (repeats allowed). degeneracies: k
 * positive integers given as doubles, or NULL for all 1; G = sum g_k must stay below 2^53.
 * ctx (may be NULL) is kept for error messages of later calls and must outlive the handle.
 * ZS_EINVAL (message names the offending item) for k == 0, k > ZS_LEVELS_MAX_K, a non-finite
 * energy, a degeneracy that is not a positive integer. */
zs_status zs_levels_alloc(zs_ctx *ctx, size_t k, const double *energies,
                          const double *degeneracies, zs_levels **out);
void zs_levels_free(zs_levels *lv);

size_t zs_levels_count(const zs_levels *lv);           /* K                                 */
double zs_levels_energy(const zs_levels *lv, size_t k); /* e_k                              */
uint64_t zs_levels_degeneracy(const zs_levels *lv, size_t k); /* g_k                       */
uint64_t zs_levels_unit_states(const zs_levels *lv);    /* G = sum_k g_k                    */

/* How to sum over microstates.
 *  CLOSED:    Z = z^N, z = sum_k g_k exp(-beta e_k): any N up to 10^9.
 *  MACRO:     sum over occupation vectors with log-gamma multinomials: C(N+K-1, K-1) terms.
 *  ENUMERATE: every microstate (K^N level assignments weighted by prod g), mixed-radix Gray
 *             code with incremental energy, vectorized exp, OpenMP. */
typedef enum zs_levels_method {
    ZS_LEVELS_CLOSED = 0,
    ZS_LEVELS_MACRO = 1,
    ZS_LEVELS_ENUMERATE = 2,
    ZS_LEVELS_AUTO = 3 /* CLOSED: it applies to every level system and N and gives every value */
} zs_levels_method;
/* "closed", "macro", "enumerate", "auto". */
const char *zs_levels_method_name(zs_levels_method method);
zs_status zs_levels_method_from_name(const char *name, zs_levels_method *out);

/* Work limits for the non-closed methods; refusing beats running for a year. */
#define ZS_LEVELS_MACRO_MAX 100000000.0      /* macrostates summed by MACRO                  */
#define ZS_LEVELS_ENUMERATE_MAX 1.0e12       /* level assignments K^N visited by ENUMERATE   */

/* Thermodynamics of N units at inverse temperature beta (any finite beta, 0 included). Every
 * call that takes N and beta refuses, with ZS_ERANGE, an energy scale N max_k |e_k| past 1e100
 * (the total energies and their moments would overflow), |beta| times it past 1e300 (beta E
 * would), and 0 < |beta| < 1e-200 (F = -T ln Z would). */
typedef struct zs_levels_thermo {
    double lnz;       /* ln Z                                                               */
    double lnz_unit;  /* ln z, z = per-unit partition function (ln Z = N ln z)              */
    double u;         /* U = <E>                                                            */
    double f;         /* F = -ln Z / beta; at beta = 0 its limit (-inf unless G = 1)        */
    double s;         /* S = -sum_j p_j ln p_j, summed over states by the chosen method     */
    double s_thermo;  /* S = beta (U - F) = beta U + ln Z                                    */
    double c;         /* C = beta^2 Var(E)                                                  */
    zs_levels_method method; /* the method that ran (AUTO resolved)                         */
} zs_levels_thermo;

/* The options of zs_levels_thermo_compute; zs_levels_thermo_defaults fills them (method AUTO). */
typedef struct zs_levels_thermo_opts {
    zs_levels_method method;
} zs_levels_thermo_opts;
void zs_levels_thermo_defaults(zs_levels_thermo_opts *opts);

/* Fill *out, and occupation[k] = <n_k>/N (probability that a given unit is on level k) when
 * occupation is not NULL (k entries), by opts->method (opts NULL: the defaults). ZS_EINVAL for
 * n == 0, n > ZS_LEVELS_MAX_UNITS, a non-finite beta or an unknown method; ZS_ERANGE past the
 * bounds above; ZS_ETOOBIG when the
 * method's work exceeds its limit (message gives the count and names the closed form). */
zs_status zs_levels_thermo_compute(const zs_levels *lv, size_t n, double beta,
                                   const zs_levels_thermo_opts *opts, zs_levels_thermo *out,
                                   double *occupation);

/* Estimated seconds of zs_levels_thermo_compute(lv, n, beta, opts, ...) on the context's
 * threads (and processes of its units hook), at any beta: the method's work at measured
 * release-build rates. HUGE_VAL where the call refuses for another reason (N out of range,
 * the method's work limit). For an estimated-time refusal of many calls, a temperature
 * sweep's: the sum over its points. */
double zs_levels_thermo_seconds(const zs_levels *lv, size_t n, const zs_levels_thermo_opts *opts);

/* ln Z alone by enumeration of every microstate (the benchmark's kernel). */
zs_status zs_levels_lnz_enumerate(const zs_levels *lv, size_t n, double beta, double *lnz);

/* The number of microstates G^N (decimal when it has at most max_digits digits). */
zs_status zs_levels_microstate_count(const zs_levels *lv, size_t n, size_t max_digits,
                                     zs_count *out);

/* One microstate, given as the level of each of the n units (unit sub-states do not change
 * energy or probability, so a level per unit names the microstate up to degeneracy). */
typedef struct zs_levels_state_info {
    double energy;     /* E_j                                                               */
    double lnp;        /* ln p_j = -beta E_j - ln Z                                          */
    double p;          /* p_j (0 when it underflows)                                         */
} zs_levels_state_info;

/* occupation_out (k entries, may be NULL) receives the occupation vector; multiplicity (may
 * be NULL) the exact multiplicity of its macrostate. ZS_EINVAL when a level is >= K. */
zs_status zs_levels_state(const zs_levels *lv, size_t n, const uint32_t *state, double beta,
                          zs_levels_state_info *info, uint64_t *occupation_out,
                          zs_count *multiplicity);

/* Visit microstates in a fixed order: unit 0's state varies slowest, unit n-1's fastest;
 * unit state s in 0..G-1 maps to level level_of[s] and sub-state sub_of[s] (states of level
 * 0 first). The callback gets the unit states (n entries), energy and p; a nonzero return
 * stops the walk (then ZS_ECANCELLED). ZS_ETOOBIG when G^n > max_work (states visited). */
typedef int (*zs_levels_microstate_fn)(void *user, const uint32_t *levels,
                                       const uint32_t *substates, double energy, double p);
zs_status zs_levels_microstates(const zs_levels *lv, size_t n, double beta, double max_work,
                                zs_levels_microstate_fn fn, void *user);

/* Visit every macrostate (occupation vector) sorted by energy (ties in lexicographic order of
 * the occupation vector, n_0 largest first). multiplicity is the exact decimal W (always
 * set: max_digits unlimited), p the probability of the whole macrostate W exp(-beta E)/Z.
 * ZS_ETOOBIG when C(n+K-1, K-1) > max_work (macrostates visited). */
typedef int (*zs_levels_macrostate_fn)(void *user, const uint64_t *occupation,
                                       const char *multiplicity, double energy, double p);
zs_status zs_levels_macrostates(const zs_levels *lv, size_t n, double beta, double max_work,
                                zs_levels_macrostate_fn fn, void *user);

/* Density of states: each distinct total energy with its exact number of microstates and its
 * probability, ascending in energy. Energies closer than 1e-9 * N * max_k |e_k| are one
 * energy: different occupations can have the same total energy, and their floating-point sums
 * differ only in rounding. ZS_ETOOBIG as for macrostates. */
typedef int (*zs_levels_dos_fn)(void *user, double energy, const char *count, double p);
zs_status zs_levels_dos(const zs_levels *lv, size_t n, double beta, double max_work,
                        zs_levels_dos_fn fn, void *user);

/* The size of a macrostate (dos = 0) or density-of-states (dos = 1) listing before it is
 * made, to estimate its time: *macrostates = C(n+K-1, K-1), the multiplicities the listing
 * computes exactly; *rows, the rows it prints (macrostates, or distinct energies); *digits,
 * the decimal digits of the multiplicities or counts it prints, summed (from log-gamma
 * multinomials, no exact arithmetic). The walk stops once *digits passes stop (then it is a
 * lower bound, and *rows too); stop = 0 walks nothing (*rows = *digits = 0). ZS_ETOOBIG as
 * for the listings. */
zs_status zs_levels_listing_size(const zs_levels *lv, size_t n, int dos, double max_work, double stop,
                                 double *macrostates, double *rows, double *digits);

/* The chapter's two-state entropy S(x) = -[x ln x + (1-x) ln(1-x)], with S(0) = S(1) = 0.   */
double zs_two_state_entropy(double x);

/* Free-energy landscape of one unit of a two-level system (K == 2) as a function of the
 * fraction x of units on the upper level: F(x) = (1-x) e_0 + x e_1 - T [S(x) + (1-x) ln g_0
 * + x ln g_1]. Its minimum is at x* = g_1 e^{-beta e_1} / z with F(x*) = -T ln z.
 * ZS_EUNSUPPORTED unless K == 2; ZS_EINVAL unless 0 < x < 1 and beta > 0. */
zs_status zs_levels_landscape(const zs_levels *lv, double beta, double x, double *f, double *s);
/* The minimizer found numerically: a grid scan and golden-section search on F over the logit
 * y = ln(x/(1-x)) in [-745, 745], so x* is found to about 1e-7 relative (a minimum located by
 * function values is only good to the square root of the rounding) and F(x*) to rounding. */
zs_status zs_levels_landscape_min(const zs_levels *lv, double beta, double *x, double *f);

#include "zsum/npz.h"
#include "zsum/hopfield.h"
#include "zsum/pairwise.h"
#include "zsum/rbm.h"
#include "zsum/dbm.h"
#include "zsum/bm.h"
#include "zsum/factor.h"
#include "zsum/io.h"
#include "zsum/units.h"

#ifdef __cplusplus
}
#endif

#endif /* ZSUM_H */
