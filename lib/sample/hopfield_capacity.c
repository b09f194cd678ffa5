/* hopfield_capacity.c — the storage-capacity experiment: store P = alpha N random ±1 patterns
 * by the Hebbian rule, start from each stored pattern (optionally with a fraction of its bits
 * flipped), descend to a fixed point, and measure the overlap with the pattern. Amit,
 * Gutfreund & Sompolinsky (Phys. Rev. Lett. 55, 1530, 1985) find that retrieval states with
 * m ~ 0.97 exist only below alpha_c ~ 0.138; above it the overlap collapses.
 *
 * Each trial is independent: its random numbers come from zs_rng_init(seed, a 2^32 + t) for load
 * a and trial t, and all its arithmetic is on integers (Hebbian K, integer fields), so the
 * numbers do not depend on the thread that runs it. Trials are work units (lib/core/units.c),
 * run in parallel (OpenMP, or processes) and combined in trial order. Per trial: K = Xi^T Xi in 16-bit integers, the initial fields of
 * each probe as Xi^T (Xi s) - P s (O(PN) instead of O(N^2)), then asynchronous random-order
 * descent. The trial-level parallelism is why BLAS is not used here (see capacity_trial). */
#include "models/hopfield_internal.h"
#include "sample/hopfield_flip.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#define CAPACITY_MAX_UNITS 20000  /* K alone is N^2 doubles per thread: 3.2 GB at the limit */
#define CAPACITY_MAX_PATTERNS 32767 /* |K_ij| <= P fits int16 */

typedef struct trial_out {
    double overlap;   /* mean final overlap over the P recalls */
    double perfect;   /* recalls that ended exactly on the pattern */
    double sweeps;    /* total sweeps */
} trial_out;

/* Deterministic random-order descent on integer couplings k (n x n, zero diagonal, 16-bit)
 * with 32-bit integer fields h = k s kept current: exact, and four entries of k per double's
 * worth of cache. Same rule as hopfield_descend (lib/sample/hopfield_dynamics.c). */
static uint64_t descend_i16(size_t n, const int16_t *k, int32_t *h, int8_t *s, uint32_t *order,
                            zs_rng *rng, hopfield_flip_fn flip) {
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
    uint64_t sweep = 0;
    while (sweep < ZS_HOPFIELD_CAPACITY_MAX_SWEEPS) {
        hopfield_shuffle(order, n, rng);
        sweep++;
        size_t flips = 0;
        for (size_t q = 0; q < n; q++) {
            size_t i = order[q];
            /* sign(h_i) disagrees with s_i (h_i = 0 keeps it): one branch, rarely taken once
             * the descent settles, instead of two unpredictable ones. */
            if ((int64_t)h[i] * s[i] >= 0) continue;
            s[i] = (int8_t)-s[i];
            flip(n, k + i * n, s[i] > 0, h);
            flips++;
        }
        if (flips == 0) break;
    }
    return sweep;
}

/* One trial; out of memory returns 0. Everything is integer arithmetic, so the result depends
 * only on (seed, stream). BLAS is not called here: trials run on OpenMP threads, and the
 * pthreads OpenBLAS would start its own threads under them (measured: no speed-up at all). */
static int capacity_trial(size_t n, size_t p, double flip, uint64_t seed, uint64_t stream,
                          trial_out *out) {
    int16_t *k = zs_calloc(n * n, sizeof *k);
    int8_t *xi = zs_malloc(p * n), *s = zs_malloc(n);
    int32_t *h = zs_malloc(n * sizeof *h), *c = zs_malloc(p * sizeof *c);
    uint32_t *order = zs_malloc(n * sizeof *order);
    int ok = k && xi && s && h && c && order;
    if (ok) {
        zs_rng rng;
        zs_rng_init(&rng, seed, stream);
        uint64_t bits = 0;
        for (size_t i = 0; i < p * n; i++) {
            if (i % 64 == 0) bits = zs_rng_next(&rng);
            xi[i] = (bits >> (i % 64)) & 1u ? 1 : -1;
        }
        /* K = sum_mu xi^mu xi^mu^T as P rank-one updates (vectorized integer loop), diag 0. */
        for (size_t mu = 0; mu < p; mu++) {
            const int8_t *x = xi + mu * n;
            for (size_t i = 0; i < n; i++) {
                int16_t *row = k + i * n;
                if (x[i] > 0)
                    for (size_t j = 0; j < n; j++) row[j] = (int16_t)(row[j] + x[j]);
                else
                    for (size_t j = 0; j < n; j++) row[j] = (int16_t)(row[j] - x[j]);
            }
        }
        for (size_t i = 0; i < n; i++) k[i * n + i] = 0;
        double sum = 0.0, perfect = 0.0, sweeps = 0.0;
        for (size_t mu = 0; mu < p; mu++) {
            const int8_t *x = xi + mu * n;
            memcpy(s, x, n);
            zs_pattern_flip(s, n, flip, &rng);
            /* Initial fields without the N x N product: K s = Xi^T (Xi s) - P s, because the
             * full sum over mu includes the diagonal term sum_mu (xi^mu_i)^2 s_i = P s_i. */
            for (size_t nu = 0; nu < p; nu++) {
                const int8_t *y = xi + nu * n;
                int32_t dot = 0;
                for (size_t i = 0; i < n; i++) dot += y[i] * s[i];
                c[nu] = dot;
            }
            for (size_t i = 0; i < n; i++) h[i] = -(int32_t)p * s[i];
            for (size_t nu = 0; nu < p; nu++) {
                const int8_t *y = xi + nu * n;
                for (size_t i = 0; i < n; i++) h[i] += c[nu] * y[i];
            }
            sweeps += (double)descend_i16(n, k, h, s, order, &rng, hopfield_pick_flip());
            int32_t dot = 0;
            for (size_t i = 0; i < n; i++) dot += x[i] * s[i];
            sum += (double)dot / (double)n;
            perfect += dot == (int32_t)n;
        }
        out->overlap = sum / (double)p;
        out->perfect = perfect;
        out->sweeps = sweeps;
    }
    free(k);
    free(xi);
    free(s);
    free(h);
    free(c);
    free(order);
    return ok;
}

typedef struct capacity_job {
    zs_ctx *ctx;
    size_t n;
    const size_t *pcount;
    size_t trials;
    double flip;
    uint64_t seed;
} capacity_job;

/* Unit u: trial t = u mod trials of load a = u / trials, from stream (a 2^32 + t). */
static zs_status capacity_unit(const void *job, uint64_t u, void *scratch, zs_unit_record *rec) {
    const capacity_job *j = job;
    (void)scratch;
    const size_t a = (size_t)(u / j->trials), t = (size_t)(u % j->trials);
    trial_out out;
    if (!capacity_trial(j->n, j->pcount[a], j->flip, j->seed, ((uint64_t)a << 32) | t, &out))
        return zs_fail(j->ctx, ZS_ENOMEM, "capacity: out of memory for N = %zu, P = %zu", j->n,
                       j->pcount[a]);
    rec->nvalues = 3;
    rec->values[0] = out.overlap;
    rec->values[1] = out.perfect;
    rec->values[2] = out.sweeps;
    return ZS_OK;
}

/* Unit u's relative cost, for the hand-out order: its load's pattern count P (storing the
 * patterns is P N^2 multiply-adds, the recalls O(P N) flips of O(N) each), so the largest
 * loads go first. */
static double capacity_cost(const void *job, uint64_t u) {
    const capacity_job *j = job;
    const size_t load = (size_t)(u / j->trials); /* unit u is a trial of load u / trials */
    const size_t p = j->pcount[load];
    return (double)p;
}

void zs_hopfield_capacity_defaults(zs_hopfield_capacity_opts *opts) {
    if (!opts) return;
    opts->trials = 10;
    opts->flip = 0.0;
    opts->seed = 0;
}

/* Measured on the development machine, one thread, default loads (0.025..0.3): 0.25-0.31 ns
 * per unit of trials x sum_a P_a x N^2 for N = 500..1500 (K = Xi^T Xi is P N^2 multiply-adds;
 * the estimate below also counts the recalls' initial fields, 2 P^2 N, at the same rate;
 * above capacity a descent makes O(N) flips of O(N) each per recall). The figure below is
 * lower, so the estimate errs towards allowing a run. */
#define CAPACITY_NS_PER_UNIT 0.2

double zs_hopfield_capacity_seconds(const zs_ctx *ctx, size_t n, const double *alpha,
                                    size_t nalpha, const zs_hopfield_capacity_opts *opts) {
    if (!alpha || !opts || n < 2 || nalpha == 0 || opts->trials == 0) return (double)NAN;
    double work = 0.0;
    for (size_t a = 0; a < nalpha; a++) {
        if (!isfinite(alpha[a]) || alpha[a] <= 0.0) return (double)NAN;
        double pd = nearbyint(alpha[a] * (double)n);
        if (pd < 1.0) pd = 1.0;
        /* storing: P N^2; each of the P recalls' initial fields: 2 P N (Xi s, then Xi^T c),
         * which dominates above P = N/2 (--alpha 58 at N = 58: 0.26 s, not the 1 ms of the
         * storing alone) */
        work += pd * (double)n * (double)n + 2.0 * pd * pd * (double)n;
    }
    work *= (double)opts->trials;
    /* trials run in parallel over threads x processes, but no faster than one trial each, and
     * threads beyond the processors share them (--threads 461 on 2 processors is 2 at once:
     * counting 461 let a sweep estimated at 0.03 ms run for 3 ms, and for 1 s in a sanitized
     * build) */
    double units = (double)nalpha * (double)opts->trials;
    double procs = ctx && ctx->units.processes > 1 ? (double)ctx->units.processes : 1.0;
    double workers = (double)zs_threads_for(ctx, (size_t)units) * procs;
    return work * CAPACITY_NS_PER_UNIT * 1e-9 / (workers < units ? workers : units);
}

zs_status zs_hopfield_capacity(zs_ctx *ctx, size_t n, const double *alpha, size_t nalpha,
                               const zs_hopfield_capacity_opts *opts,
                               zs_hopfield_capacity_point *points) {
    if (!alpha || !opts || !points) return zs_fail(ctx, ZS_EINVAL, "capacity: NULL argument");
    const size_t trials = opts->trials;
    const double flip = opts->flip;
    const uint64_t seed = opts->seed;
    if (n < 2 || n > CAPACITY_MAX_UNITS)
        return zs_fail(ctx, n < 2 ? ZS_EINVAL : ZS_ETOOBIG,
                       "capacity: N = %zu units is outside 2..%d", n, CAPACITY_MAX_UNITS);
    if (nalpha == 0) return zs_fail(ctx, ZS_EINVAL, "capacity: no loads alpha given");
    if (trials == 0 || trials > (1u << 30))
        return zs_fail(ctx, ZS_EINVAL, "capacity: trials = %zu is outside 1..2^30", trials);
    if (!(flip >= 0.0 && flip <= 1.0))
        return zs_fail(ctx, ZS_EINVAL, "capacity: flip fraction %g is outside [0, 1]", flip);
    size_t *pcount = zs_malloc(nalpha * sizeof *pcount);
    if (!pcount) return zs_fail(ctx, ZS_ENOMEM, "capacity: out of memory");
    for (size_t a = 0; a < nalpha; a++) {
        double x = alpha[a];
        if (!isfinite(x) || x <= 0.0) {
            free(pcount);
            return zs_fail(ctx, ZS_EINVAL, "capacity: alpha %zu = %g must be > 0", a + 1, x);
        }
        double pd = nearbyint(x * (double)n);
        if (pd > CAPACITY_MAX_PATTERNS) {
            free(pcount);
            return zs_fail(ctx, ZS_ETOOBIG, "capacity: alpha = %g gives P = %.0f patterns, above "
                                            "the limit %d", x, pd, CAPACITY_MAX_PATTERNS);
        }
        pcount[a] = pd < 1.0 ? 1 : (size_t)pd;
    }
    /* Every trial of every load is a work unit (lib/core/units.c): unit a * trials + t, its
     * record (overlap, perfect, sweeps); the hash covers N, the pattern counts, the trials,
     * the flip fraction and the seed. */
    const uint64_t units = (uint64_t)nalpha * trials;
    zs_unit_record *recs = units <= 100000000 ? zs_malloc(units * sizeof *recs) : NULL;
    if (!recs) {
        free(pcount);
        return zs_fail(ctx, ZS_ENOMEM, "capacity: out of memory for %llu trial records",
                       (unsigned long long)units);
    }
    uint64_t h = units_hash_begin("hopfield capacity");
    h = units_hash_u64(units_hash_u64(h, n), nalpha);
    for (size_t a = 0; a < nalpha; a++) h = units_hash_u64(h, pcount[a]);
    h = units_hash_u64(h, trials);
    h = units_hash_double(h, flip);
    h = units_hash_u64(h, seed);
    capacity_job cj = {ctx, n, pcount, trials, flip, seed};
    units_job job = {ctx, "capacity", "capacity", h, units, capacity_unit, &cj, NULL, NULL, 0};
    zs_status st = units_exec_by_cost(&job, capacity_cost, recs);
    for (size_t a = 0; a < nalpha && st == ZS_OK; a++) {
        const zs_unit_record *res = recs + a * trials;
        /* Mean of the per-trial means and its standard error, summed in trial order. */
        double mean = 0.0, perfect = 0.0, sweeps = 0.0;
        for (size_t t = 0; t < trials; t++) {
            mean += res[t].values[0];
            perfect += res[t].values[1];
            sweeps += res[t].values[2];
        }
        mean /= (double)trials;
        double var = 0.0;
        for (size_t t = 0; t < trials; t++)
            var += (res[t].values[0] - mean) * (res[t].values[0] - mean);
        zs_hopfield_capacity_point *pt = &points[a];
        pt->alpha = (double)pcount[a] / (double)n;
        pt->p = pcount[a];
        pt->overlap.value = mean;
        pt->overlap.std_error = trials > 1 ? sqrt(var / (double)(trials - 1) / (double)trials) : 0.0;
        pt->overlap.ess = (double)trials;
        pt->perfect = perfect / (double)(trials * pcount[a]);
        pt->sweeps = sweeps / (double)(trials * pcount[a]);
    }
    free(recs);
    free(pcount);
    return st;
}
