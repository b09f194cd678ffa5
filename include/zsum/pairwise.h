/*
 * zsum/pairwise.h — binary pairwise energy models: Ising chains and square lattices, dense
 * Ising / Boltzmann machines, and (through the dense constructor) Hopfield networks.
 * Included by zsum.h; do not include on its own.
 *
 * The model is held in the +-1 (Ising) form
 *     E(s) = offset - sum_{i<j} J_ij s_i s_j - sum_i h_i s_i,      s_i in {-1, +1}.
 * A 0/1 Boltzmann machine E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i is converted exactly
 * with x = (1 + s)/2:  J = W/4,  h_i = b_i/2 + sum_j W_ij/4,  offset = -sum_{i<j} W_ij/4 -
 * sum_i b_i/2; conversely W = 4J, b = 2h - 2 sum_j J_ij and E_bm = E_ising + (sum_{i<j} J_ij -
 * sum_i h_i). The offset is part of every energy the library reports (U, F, DOS).
 *
 * Magnetization M = sum_i s_i (in the +-1 form also for a Boltzmann machine: s = 2x - 1).
 * chi = beta (<M^2> - <M>^2). C = beta^2 (<E^2> - <E>^2). S = beta U + ln Z. F = -ln Z / beta.
 *
 * Implementations: lib/models/pairwise.c (the model), lib/exact/pairwise_thermo.c (method
 * choice), pairwise_enumerate.c, transfer.c, ising_closed.c, pairwise_dos.c (exact),
 * lib/sample/pairwise_mcmc.c (Metropolis, heat bath, Wolff).
 */
#ifndef ZSUM_PAIRWISE_H
#define ZSUM_PAIRWISE_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/pairwise.h"
#endif

typedef struct zs_pairwise zs_pairwise;

#define ZS_PAIRWISE_MAX_SPINS 16777216ULL /* lattices up to 2^24 sites (4096 x 4096)      */
#define ZS_PAIRWISE_DENSE_MAX 65536        /* dense models: n x n doubles                  */

/* Dense model from J (n x n, row-major, symmetric, zero diagonal; NULL = no couplings) and h
 * (n entries, NULL = zero field). Copies the arrays. ctx (may be NULL) must outlive the model.
 * ZS_EINVAL, naming the entry, for a non-finite value, an asymmetric pair ("J: entry (3,5) =
 * 0.2 but (5,3) = 0.1") or a non-zero diagonal entry; n == 0 or n > ZS_PAIRWISE_DENSE_MAX. */
zs_status zs_pairwise_alloc_dense(zs_ctx *ctx, size_t n, const double *j, const double *h,
                                  zs_pairwise **out);
/* Dense 0/1 Boltzmann machine from W (n x n, symmetric, zero diagonal) and b (n, NULL = 0),
 * converted to the +-1 form above; the same checks, messages naming "W" and "b". */
zs_status zs_pairwise_alloc_bm(zs_ctx *ctx, size_t n, const double *w, const double *b,
                               zs_pairwise **out);
/* The same machine from a NumPy .npz (lib/io/bm_npz.c) holding W (n, n) and optionally b (n,),
 * of any numeric dtype. symmetrize != 0 replaces W by (W + W^T)/2 before the checks. Every
 * message starts with the path and names the array: ZS_EFORMAT for a missing W (the arrays
 * present are listed) or a shape that does not fit ("W has shape (3, 4)", "b has shape
 * (11,)"), ZS_EINVAL for an entry of W or b that is not finite, an asymmetric pair or a
 * non-zero diagonal entry of W, ZS_EIO / ZS_EFORMAT when the file cannot be read. */
zs_status zs_pairwise_load_bm(zs_ctx *ctx, const char *path, int symmetrize, zs_pairwise **out);
/* Random Boltzmann machine (documented scale): W_ij = g_ij / sqrt(n) for i < j and b_i = g_i,
 * g standard normal from zs_rng stream (seed, 0), drawn in the order W_01, W_02, ...,
 * W_{n-2,n-1}, then b_0 .. b_{n-1} (Sherrington-Kirkpatrick scaling: fields stay O(1)). */
zs_status zs_pairwise_alloc_random_bm(zs_ctx *ctx, size_t n, uint64_t seed, zs_pairwise **out);

/* A chain (rows == 1) or rows x cols square lattice; site (r, c) is spin r*cols + c.
 * Bonds: (r,c)-(r,c+1) with coupling jh, (r,c)-(r+1,c) with coupling jv; periodic
 * directions wrap (the last column bonds to the first, the last row to the first). A periodic
 * direction needs at least 2 sites (with 2, the pair is bonded twice, as on the torus graph).
 * Per-bond arrays (rows*cols entries, entry r*cols+c for the bond leaving (r,c) rightwards or
 * downwards; entries of bonds that do not exist in an open direction must be 0) override the
 * uniform values when not NULL; per-site fields likewise. */
typedef struct zs_lattice_spec {
    size_t rows, cols;       /* rows == 1: a chain of cols spins                           */
    int periodic_rows;       /* wrap the last row to the first (ignored when rows == 1)    */
    int periodic_cols;       /* wrap the last column to the first                          */
    double j, h;             /* uniform coupling and field                                 */
    const double *jh, *jv;   /* per-bond couplings or NULL                                 */
    const double *hs;        /* per-site fields or NULL                                    */
} zs_lattice_spec;
zs_status zs_pairwise_alloc_lattice(zs_ctx *ctx, const zs_lattice_spec *spec, zs_pairwise **out);
void zs_pairwise_free(zs_pairwise *m);

size_t zs_pairwise_units(const zs_pairwise *m);   /* n spins                                  */
double zs_pairwise_offset(const zs_pairwise *m); /* the constant energy term                 */
/* 1 for a lattice (rows, cols and periodic flags set, any out-pointer may be NULL), else 0. */
int zs_pairwise_lattice(const zs_pairwise *m, size_t *rows, size_t *cols, int *periodic_rows,
                        int *periodic_cols);
/* 1 when every coupling and field (+-1 form) is a multiple of 1/4, as for integer lattice
 * couplings or a 0/1 machine with integer W and b: energies are then offset + k * unit for
 * integers k, and the exact DOS applies. */
int zs_pairwise_is_integer(const zs_pairwise *m);
/* 1 when every coupling is >= 0 and every field 0 (Wolff clusters apply). */
int zs_pairwise_is_ferromagnetic(const zs_pairwise *m);
/* Energy of a configuration s (n entries, each +1 or -1; anything else counts as -1). */
double zs_pairwise_energy(const zs_pairwise *m, const int8_t *s);
/* The dense J (n x n) and h (n) of the +-1 form; ZS_ETOOBIG above ZS_PAIRWISE_DENSE_MAX.
 * Either pointer may be NULL. */
zs_status zs_pairwise_dense(const zs_pairwise *m, double *j, double *h);
/* The 0/1 Boltzmann-machine parameters W (n x n), b (n) and the shift E_bm - E_ising. */
zs_status zs_pairwise_bm_params(const zs_pairwise *m, double *w, double *b, double *shift);

/* ---------------------------------------------------------------------------------------- */
/* Exact thermodynamics.                                                                     */
/*  ENUMERATE: every one of the 2^n states, Gray code, blocked, OpenMP, work units (up to   */
/*             62 spins, within the options' max_seconds at hand); all values               */
/*             (ln Z and F only for n > 32 when beta times the energy spread exceeds 170,   */
/*             where the moments would cost one exponential per state).                     */
/*  TRANSFER:  lattices: site-by-site transfer matrix over a strip of width w = min(rows,   */
/*             cols), cost ~ n 2^w (open length) or n 4^w (periodic length); w <= 22 open,   */
/*             w <= 12 periodic. ln Z, U, C, <M>, chi; <|M|> by a magnetization-resolved    */
/*             pass when n (n+1) 2^w (x 2^w periodic) <= 4e8, else NaN.                     */
/*             One thread unless zs_ctx_set_threads asks for more (it is memory-bound).      */
/*  CLOSED:    uniform chain (ring or open) with field; the uniform h = 0 torus (Kaufman     */
/*             1949); any size. ln Z exact. Torus: U and C from exact K-derivatives of       */
/*             Kaufman's formula, <M> = 0, chi and <|M|> not provided (NaN); where the       */
/*             estimated rounding of C passes 1e-10 of it (low T: C ~ e^{-8K} under terms   */
/*             ~ e^{-4K}), C comes from the transfer matrix when that costs <= 1e8 and its   */
/*             estimate is within the options' max_seconds, else it is not provided (NaN).   */
/*             Chain: U, C, <M>, chi from exact derivatives of its closed form (forward-     */
/*             mode, second order; agree with brute force to 1e-13), or where those cancel   */
/*             (long chains, low T) from the transfer recursion when its estimate is within  */
/*             max_seconds, else not provided; <|M|> not provided.                           */
/*  AUTO:      ENUMERATE up to 20 spins (instant, and it gives every value), else the        */
/*             cheapest that applies: CLOSED, else TRANSFER or ENUMERATE by cost.            */
/* ---------------------------------------------------------------------------------------- */
typedef enum zs_pairwise_method {
    ZS_PAIRWISE_AUTO = 0,
    ZS_PAIRWISE_ENUMERATE = 1,
    ZS_PAIRWISE_TRANSFER = 2,
    ZS_PAIRWISE_CLOSED = 3
} zs_pairwise_method;

#define ZS_PAIRWISE_ENUMERATE_MAX 36   /* spins within the default limit on any machine     */
#define ZS_PAIRWISE_ENUMERATE_WALK_MAX 62 /* spins the Gray-code walk can take at all       */
/* The default time limit of enumeration (zs_pairwise_thermo_opts.max_seconds, and the one of
 * zs_pairwise_lnz_enumerate): the limit is the time at hand (threads x processes sharing the
 * work units, include/zsum/units.h), not a size, so that many processes reach further (a
 * 44-spin machine on 1,000 nodes). */
#define ZS_PAIRWISE_ENUMERATE_SECONDS 3600.0
/* Estimated seconds of the enumeration's thermodynamics with the model's context: 2^n states
 * at 1e9 states per second per thread (BENCHMARKS.md, "work units"), over the context's
 * threads times the processes of its units hook. */
double zs_pairwise_enumerate_seconds(const zs_pairwise *m);
#define ZS_PAIRWISE_ENUMERATE_MOMENTS_MAX 32 /* see ENUMERATE below                          */
#define ZS_PAIRWISE_TRANSFER_WIDTH 22  /* strip width, open length                         */
#define ZS_PAIRWISE_TRANSFER_WIDTH_PERIODIC 12 /* strip width, periodic length            */

/* "auto", "enumerate", "transfer", "closed". */
const char *zs_pairwise_method_name(zs_pairwise_method method);
zs_status zs_pairwise_method_from_name(const char *name, zs_pairwise_method *out);

/* Totals (not per spin); NaN for what the method does not provide. */
typedef struct zs_pairwise_thermo {
    double lnz;    /* ln Z                                                                  */
    double u;      /* U = <E>                                                               */
    double f;      /* F = -ln Z / beta (NaN at beta = 0)                                     */
    double s;      /* S = beta U + ln Z                                                      */
    double c;      /* C = beta^2 Var(E)                                                      */
    double m;      /* <M>                                                                   */
    double absm;   /* <|M|>                                                                 */
    double chi;    /* beta Var(M)                                                            */
    zs_pairwise_method method; /* the method that ran                                        */
} zs_pairwise_thermo;

/* The options of zs_pairwise_thermo_compute; zs_pairwise_thermo_defaults fills them (method
 * AUTO: the cheapest exact method that applies). */
typedef struct zs_pairwise_thermo_opts {
    zs_pairwise_method method;
    double max_seconds; /* ENUMERATE and TRANSFER are refused (ZS_ETOOBIG, the message giving
                           the estimate) when their estimated time exceeds this (enumeration:
                           zs_pairwise_enumerate_seconds; transfer matrix: w l 2^w site visits,
                           times 2^w with a periodic length, at 7.5 ns); <= 0: no limit besides
                           ZS_PAIRWISE_ENUMERATE_WALK_MAX spins and the strip widths. Default
                           ZS_PAIRWISE_ENUMERATE_SECONDS.                                       */
} zs_pairwise_thermo_opts;
void zs_pairwise_thermo_defaults(zs_pairwise_thermo_opts *opts);

/* Exact thermodynamics at beta by opts->method (opts NULL: the defaults). ZS_EINVAL for a
 * non-finite beta; ZS_ERANGE for an energy scale sum|J| + sum|h| past 1e100, |beta| times it
 * past 1e60, or 0 < |beta| < 1e-200 (F = -T ln Z would overflow); ZS_EUNSUPPORTED when the method does not apply (message says why and names
 * one that would); ZS_ETOOBIG when it is too large for the method (the message names the
 * method that would work). */
zs_status zs_pairwise_thermo_compute(const zs_pairwise *m, double beta, const zs_pairwise_thermo_opts *opts,
                                     zs_pairwise_thermo *out);

/* The same thermodynamics for the lattice spec describes, building the model only where the
 * method needs it: CLOSED (asked for, or AUTO's choice above) reads only the dimensions,
 * boundaries and uniform J, h, so a 4096 x 4096 torus takes O(rows + cols) time and no
 * memory per spin; any other method, per-bond or per-site arrays, or the chain's moments at
 * low T (from the transfer recursion) build the model for the call and free it. The values
 * are those of zs_pairwise_thermo_compute on zs_pairwise_alloc_lattice(ctx, spec), bit for
 * bit; the errors and messages those of the two calls. For many calls with a method other
 * than CLOSED, build the model once instead. */
zs_status zs_lattice_thermo_compute(zs_ctx *ctx, const zs_lattice_spec *spec, double beta,
                                    const zs_pairwise_thermo_opts *opts, zs_pairwise_thermo *out);

/* Estimated seconds of zs_pairwise_thermo_compute(m, beta, opts), or of
 * zs_lattice_thermo_compute(ctx, spec, beta, opts), on the context's threads (and processes
 * of its units hook): the method the call would run (AUTO resolved as the call resolves it),
 * at the rates its refusals use. It depends on beta where the closed form calls the
 * transfer matrix (a torus's C at low T, a chain's moments) and, for the transfer matrix, on
 * whether beta puts it in log mode. HUGE_VAL where the method does not apply to the model (no
 * method applies, a strip too wide, too many spins, a bad spec, a non-finite beta); a call
 * refused for its beta alone (a closed form's range, an energy scale past its limit) is
 * estimated as if it ran. Per-bond arrays in spec: the model is built for the estimate, as for
 * the call. For an estimated-time refusal of many calls, a temperature sweep's: the sum over
 * its points. */
double zs_pairwise_thermo_seconds(const zs_pairwise *m, double beta, const zs_pairwise_thermo_opts *opts);
double zs_lattice_thermo_seconds(zs_ctx *ctx, const zs_lattice_spec *spec, double beta,
                                 const zs_pairwise_thermo_opts *opts);

/* ln Z alone by enumeration (the benchmark's kernel): blocked Gray code whose inner block is
 * a small matrix-vector product of tabulated Boltzmann factors (see pairwise_enumerate.c). */
zs_status zs_pairwise_lnz_enumerate(const zs_pairwise *m, double beta, double *lnz);
/* ln Z alone by the transfer matrix. */
zs_status zs_pairwise_lnz_transfer(const zs_pairwise *m, double beta, double *lnz);

/* Closed forms (lib/exact/ising_closed.c), K = beta J, eta = beta h. */
/* Chain of n spins, ring (periodic) or open: ring Z = l+^n + l-^n, l+- = e^K cosh eta +-
 * sqrt(e^{2K} sinh^2 eta + e^{-2K}); open Z = u^T T^{n-1} u with u = (e^{eta/2}, e^{-eta/2}). */
zs_status zs_ising_chain_lnz(size_t n, int periodic, double k, double eta, double *lnz);
/* Kaufman's m x n torus at h = 0 (Kaufman 1949, eqs. 35-38; Beale 1996). m, n >= 2. */
zs_status zs_ising_kaufman_lnz(size_t m, size_t n, double k, double *lnz);
/* Onsager's infinite square lattice at h = 0 (Huang, Statistical Mechanics, eq. 15.129):
 * ln Z / N = ln(2 cosh 2K) + (1/pi) int_0^{pi/2} ln[(1 + sqrt(1 - q^2 sin^2 t)) / 2] dt,
 * q = 2 sinh 2K / cosh^2 2K; the integral by Gauss-Legendre panels. */
double zs_ising_onsager_lnz_per_site(double k);

/* ---------------------------------------------------------------------------------------- */
/* Exact density of states when zs_pairwise_is_integer: the number of states at each energy */
/* (exact decimal strings), ascending in energy. ENUMERATE walks the 2^n states (n <= 32);   */
/* TRANSFER carries one count polynomial per frontier state (lattices, n <= 126, width <=   */
/* 16); AUTO: ENUMERATE up to 24 spins or for dense models, else TRANSFER.                  */
/* ZS_EUNSUPPORTED for other parameters.                                                    */
/* ---------------------------------------------------------------------------------------- */
typedef int (*zs_pairwise_dos_fn)(void *user, double energy, const char *count);
zs_status zs_pairwise_dos(const zs_pairwise *m, zs_pairwise_method method,
                          zs_pairwise_dos_fn fn, void *user);
/* zs_pairwise_dos's refusals, before any work or allocation: those above, and (each when > 0)
 * an estimated time over max_seconds or arrays over max_bytes (ZS_ETOOBIG, the message giving
 * the estimate: "about 2.1 hours on 1 thread"). The estimate counts the method's work (count
 * cells of the transfer matrix, spin updates of the enumeration) at a release-build rate over
 * the threads that will run: the transfer matrix one unless zs_ctx_set_threads asked for more,
 * the enumeration min(threads, processors, 256 chunks), never more than the processors. */
zs_status zs_pairwise_dos_check(const zs_pairwise *m, zs_pairwise_method method,
                                double max_seconds, double max_bytes);
/* That estimate in seconds; HUGE_VAL where zs_pairwise_dos refuses anyway. */
double zs_pairwise_dos_seconds(const zs_pairwise *m, zs_pairwise_method method);

/* ---------------------------------------------------------------------------------------- */
/* Markov chain Monte Carlo (lib/sample/pairwise_mcmc.c).                                    */
/* ---------------------------------------------------------------------------------------- */
typedef enum zs_mcmc_kind {
    ZS_MCMC_METROPOLIS = 0, /* single-spin flips, Metropolis acceptance min(1, e^{-beta dE}) */
    ZS_MCMC_HEATBATH = 1,   /* single-spin heat bath (Glauber): s_i = +1 w.p. 1/(1+e^{-2 beta f}) */
    ZS_MCMC_WOLFF = 2,      /* Wolff clusters (ferromagnetic, zero field)                   */
    ZS_MCMC_AUTO = 3        /* WOLFF when it applies (zs_pairwise_is_ferromagnetic: no
                               critical slowing down), else METROPOLIS (it accepts more moves
                               than heat bath at every dE: min(1, e^-x) >= 1/(1 + e^x))      */
} zs_mcmc_kind;
/* "metropolis", "heatbath", "wolff", "auto". */
const char *zs_mcmc_kind_name(zs_mcmc_kind kind);
zs_status zs_mcmc_kind_from_name(const char *name, zs_mcmc_kind *out);

typedef struct zs_pairwise_sample_opts {
    zs_mcmc_kind kind;
    double beta;
    uint64_t sweeps;   /* measured sweeps per chain, rounded down to a multiple of 32 (the  */
                       /* blocks); a Wolff "sweep" is n / <cluster size> clusters           */
    uint64_t burnin;   /* discarded sweeps per chain before measuring                       */
    uint64_t chains;   /* independent chains, chain k on stream zs_rng_init(seed, k)        */
    uint64_t seed;
} zs_pairwise_sample_opts;

/* The defaults (those of the command line): AUTO, beta 1, 10,000 sweeps, 1,000 burn-in
 * sweeps, 4 chains, seed 0. */
void zs_pairwise_sample_defaults(zs_pairwise_sample_opts *opt);

typedef struct zs_mcmc_result {
    /* Totals, as in zs_pairwise_thermo. U, M, |M|: std_error = sqrt(2 tau Var / N) over the N =
     * chains x sweeps measurements, tau the integrated autocorrelation time (below), ess = N /
     * (2 tau). C, chi, chi_abs, binder: jackknife over 32 blocks of each chain, the blocks of all
     * chains pooled (ess NaN). A std_error is one standard error; it means what it says only when
     * `mixed` is 1. */
    zs_estimate u, m, absm, c, chi;
    zs_mcmc_kind kind;              /* the kind that ran (AUTO resolved)                     */
    double acceptance;              /* accepted / proposed single flips (1 for Wolff)        */
    double mean_cluster;            /* Wolff: mean cluster size (0 otherwise)                */
    /* chi' = beta (<M^2> - <|M|>^2): the susceptibility of a finite system below T_c, where
     * <M> = 0 by symmetry and chi = beta <M^2> measures the ordered states' spread rather than
     * their fluctuations (Binder & Heermann, Monte Carlo Simulation in Statistical Physics,
     * sec. 2.3; Newman & Barkema eq. 3.47). */
    zs_estimate chi_abs;
    /* Binder's cumulant U_4 = 1 - <M^4> / (3 <M^2>^2) (Binder 1981): 2/3 in an ordered phase,
     * 0 for Gaussian fluctuations (NaN when <M^2> = 0). */
    zs_estimate binder;
    /* Integrated autocorrelation times of the E, M and |M| series, in sweeps: tau = 1/2 +
     * sum_{t=1}^{W} rho(t) with Sokal's automatic window, the smallest W >= 5 tau(W) (Sokal,
     * "Monte Carlo methods in statistical mechanics", 1996, sec. 3; Madras & Sokal 1988); rho
     * from the autocovariance of each chain about its own mean, averaged over chains. Long
     * series are binned in pairs (at most 65,536 entries a chain), tau = bin width x tau of
     * the bins. The window is sought up to max(128, L / 8) lags of a chain's L entries (a run
     * that can pass the mixing test needs fewer); past them tau is the sum to the last lag and
     * the run does not count as mixed. NaN when the series is constant. */
    double tau_u, tau_m, tau_absm;
    /* Split R-hat of E, M and |M| (Gelman et al., Bayesian Data Analysis, 3rd ed., sec. 11.4):
     * every chain cut in two halves, sqrt(((n-1)/n W + B/n) / W) over the halves; 1 when they
     * agree, above 1 when they sample different parts of the space (e.g. the two ordered
     * states of a ferromagnet below T_c). Chains start overdispersed (chain k: k mod 3 = 0
     * random, 1 all +1, 2 all -1) so that a run that never crosses between such parts says so. */
    double rhat_u, rhat_m, rhat_absm;
    /* 1 when the error bars are supported: every R-hat <= 1.05, every chain at least 64 tau
     * sweeps long (so each of its 32 blocks spans 2 tau; Sokal's rule asks for more than 50 tau
     * to estimate tau at all) and tau determined; 0 otherwise: the chains did not mix, and the
     * error bars understate the error. */
    int mixed;
} zs_mcmc_result;

/* Runs the chains (OpenMP over chains, each chain a work unit of zsum/units.h whose record
 * spans several parts; the result does not depend on the thread or process count).
 * Single-spin sweeps visit lattice sites in checkerboard order (even r+c first), dense
 * models in index order. ZS_EINVAL for sweeps < 32 (the jackknife's 32 blocks), chains == 0, a
 * non-finite or negative beta; ZS_EUNSUPPORTED for Wolff on a model that is not ferromagnetic
 * with zero field. */
zs_status zs_pairwise_sample(const zs_pairwise *m, const zs_pairwise_sample_opts *opt,
                             zs_mcmc_result *out);

/* Estimated wall-clock seconds of zs_pairwise_sample with these options on the context's
 * threads (a rough figure from the number of spin updates and bond terms, for refusing runs
 * that would not end in reasonable time); HUGE_VAL past the range of a double. */
double zs_pairwise_sample_seconds(const zs_pairwise *m, const zs_pairwise_sample_opts *opt);

#endif
