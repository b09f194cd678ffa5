/* hopfield_capacity.c — the storage-capacity experiment: store P = alpha N random ±1 patterns
 * by the Hebbian rule, start from each stored pattern (optionally with a fraction of its bits
 * flipped), descend to a fixed point, and measure the overlap with the pattern. Amit,
 * Gutfreund & Sompolinsky (Phys. Rev. Lett. 55, 1530, 1985) find that retrieval states with
 * m ~ 0.97 exist only below alpha_c ~ 0.138; above it the overlap collapses.
 *
 * Each trial is independent: its random numbers come from zs_rng_init(seed, a 2^32 + t) for load
 * a and trial t, and all its arithmetic is on integers (Hebbian K, integer fields), so the
 * numbers do not depend on the thread that runs it. Trials run in parallel (OpenMP) and are
 * combined in trial order. Per trial: K = Xi^T Xi by dsyrk, the initial fields of all P probes
 * at once H = S K by dgemm, then asynchronous random-order descent per probe. */
#include "models/hopfield_internal.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#define CAPACITY_MAX_UNITS 20000  /* K alone is N^2 doubles per thread: 3.2 GB at the limit */
#define CAPACITY_MAX_PATTERNS 65536

typedef struct trial_out {
    double overlap;   /* mean final overlap over the P recalls */
    double perfect;   /* recalls that ended exactly on the pattern */
    double sweeps;    /* total sweeps */
} trial_out;

static int capacity_trial(size_t n, size_t p, double flip, uint64_t seed, uint64_t stream,
                          trial_out *out) {
    double *k = malloc(n * n * sizeof *k);
    double *xi = malloc(p * n * sizeof *xi);
    double *probe = malloc(p * n * sizeof *probe);
    double *h = malloc(p * n * sizeof *h);
    int8_t *s = malloc(p * n);
    uint32_t *order = malloc(n * sizeof *order);
    int ok = k && xi && probe && h && s && order;
    if (ok) {
        zs_rng rng;
        zs_rng_init(&rng, seed, stream);
        /* Patterns: one random bit per unit, 64 bits per draw. */
        uint64_t bits = 0;
        for (size_t i = 0; i < p * n; i++) {
            if (i % 64 == 0) bits = zs_rng_next(&rng);
            xi[i] = (bits >> (i % 64)) & 1u ? 1.0 : -1.0;
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)p, 1.0, xi, (int)n, 0.0,
                    k, (int)n);
        for (size_t i = 0; i < n; i++) {
            k[i * n + i] = 0.0;
            for (size_t j = i + 1; j < n; j++) k[j * n + i] = k[i * n + j];
        }
        for (size_t mu = 0; mu < p; mu++) {
            int8_t *sm = s + mu * n;
            for (size_t i = 0; i < n; i++) sm[i] = xi[mu * n + i] > 0.0 ? 1 : -1;
            zs_pattern_flip(sm, n, flip, &rng);
            for (size_t i = 0; i < n; i++) probe[mu * n + i] = sm[i];
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)n, (int)n, 1.0, probe,
                    (int)n, k, (int)n, 0.0, h, (int)n);
        double sum = 0.0, perfect = 0.0, sweeps = 0.0;
        for (size_t mu = 0; mu < p; mu++) {
            int8_t *sm = s + mu * n;
            int conv;
            sweeps += (double)hopfield_descend(n, k, h + mu * n, sm, order, &rng,
                                               ZS_HOPFIELD_CAPACITY_MAX_SWEEPS, &conv);
            long dot = 0;
            for (size_t i = 0; i < n; i++) dot += xi[mu * n + i] > 0.0 ? sm[i] : -sm[i];
            sum += (double)dot / (double)n;
            perfect += dot == (long)n;
        }
        out->overlap = sum / (double)p;
        out->perfect = perfect;
        out->sweeps = sweeps;
    }
    free(k);
    free(xi);
    free(probe);
    free(h);
    free(s);
    free(order);
    return ok;
}

zs_status zs_hopfield_capacity(zs_ctx *ctx, size_t n, const double *alpha, size_t nalpha,
                               size_t trials, double flip, uint64_t seed,
                               zs_hopfield_capacity_point *points) {
    if (!alpha || !points) return zs_fail(ctx, ZS_EINVAL, "capacity: NULL argument");
    if (n < 2 || n > CAPACITY_MAX_UNITS)
        return zs_fail(ctx, n < 2 ? ZS_EINVAL : ZS_ETOOBIG,
                       "capacity: N = %zu units is outside 2..%d", n, CAPACITY_MAX_UNITS);
    if (nalpha == 0) return zs_fail(ctx, ZS_EINVAL, "capacity: no loads alpha given");
    if (trials == 0 || trials > (1u << 30))
        return zs_fail(ctx, ZS_EINVAL, "capacity: trials = %zu is outside 1..2^30", trials);
    if (!(flip >= 0.0 && flip <= 1.0))
        return zs_fail(ctx, ZS_EINVAL, "capacity: flip fraction %g is outside [0, 1]", flip);
    size_t *pcount = malloc(nalpha * sizeof *pcount);
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
    trial_out *res = malloc(trials * sizeof *res);
    if (!res) {
        free(pcount);
        return zs_fail(ctx, ZS_ENOMEM, "capacity: out of memory");
    }
    zs_status st = ZS_OK;
    const double total = (double)(nalpha * trials);
    size_t done = 0;
    for (size_t a = 0; a < nalpha && st == ZS_OK; a++) {
        int failed = 0, stop = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads(ctx))
        for (size_t t = 0; t < trials; t++) {
            if (__atomic_load_n(&stop, __ATOMIC_RELAXED)) continue;
            if (!capacity_trial(n, pcount[a], flip, seed, ((uint64_t)a << 32) | t, &res[t]))
                __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
            size_t now = __atomic_add_fetch(&done, 1, __ATOMIC_RELAXED);
            if (omp_get_thread_num() == 0 && zs_progress(ctx, "capacity", (double)now, total))
                __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
        }
        if (failed) {
            st = zs_fail(ctx, ZS_ENOMEM, "capacity: out of memory for N = %zu, P = %zu", n,
                         pcount[a]);
            break;
        }
        if (stop) {
            st = zs_fail(ctx, ZS_ECANCELLED, "capacity: cancelled");
            break;
        }
        /* Mean of the per-trial means and its standard error, summed in trial order. */
        double mean = 0.0, perfect = 0.0, sweeps = 0.0;
        for (size_t t = 0; t < trials; t++) {
            mean += res[t].overlap;
            perfect += res[t].perfect;
            sweeps += res[t].sweeps;
        }
        mean /= (double)trials;
        double var = 0.0;
        for (size_t t = 0; t < trials; t++) var += (res[t].overlap - mean) * (res[t].overlap - mean);
        zs_hopfield_capacity_point *pt = &points[a];
        pt->alpha = (double)pcount[a] / (double)n;
        pt->p = pcount[a];
        pt->overlap = mean;
        pt->error = trials > 1 ? sqrt(var / (double)(trials - 1) / (double)trials) : 0.0;
        pt->perfect = perfect / (double)(trials * pcount[a]);
        pt->sweeps = sweeps / (double)(trials * pcount[a]);
    }
    free(res);
    free(pcount);
    return st;
}
