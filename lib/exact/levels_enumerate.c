/* levels_enumerate.c — brute force: visit every microstate of N units on K levels.
 *
 * The K^N level assignments (each standing for prod_i g(unit i) microstates of equal energy)
 * are walked in a modular K-ary Gray code: consecutive assignments differ in one unit, whose
 * level goes up by one (mod K), so the energy changes by one difference e_{a+1} - e_a.
 * The last b units form an inner block whose K^b log-weights are tabulated once; each outer
 * assignment then evaluates exp of (outer + inner) for all K^b inner ones with SLEEF's
 * vector exp. The outer walk is cut into a fixed number of chunks, summed by OpenMP threads
 * and combined in chunk order, so the result does not depend on the number of threads.
 * Every weight is taken relative to the largest possible log-weight N max_k lw_k, so the
 * plain sums of exp stay in [1, K^N] and no per-chunk rescaling is needed. */
#include "exact/levels_methods.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define INNER_MAX 8192   /* inner block K^b <= 8192 doubles: 64 KiB, stays in L2 */
#define CHUNKS_MAX 4096  /* fixed work split, independent of the thread count       */

typedef struct enum_plan {
    size_t k, n, b;          /* levels, units, inner units                              */
    size_t inner;            /* K^b                                                      */
    uint64_t outer;          /* K^(n-b)                                                  */
    double lw[ZS_LEVELS_MAX_K];  /* per-unit log weight ln g_k - beta (e_k - emin)       */
    double eps[ZS_LEVELS_MAX_K]; /* e_k - emin                                          */
    double ref;              /* n max_k lw_k: every log-weight minus ref is <= 0          */
    double *in_lw;           /* (inner) sum of lw over the inner units                   */
    double *in_eps;          /* (inner) sum of eps over the inner units                  */
    uint8_t *in_lvl0;        /* (inner) level of the first inner unit                    */
} enum_plan;

static void plan_free(enum_plan *p) {
    free(p->in_lw);
    free(p->in_eps);
    free(p->in_lvl0);
}

static zs_status plan_make(const zs_levels *lv, uint64_t n, double beta, enum_plan *p) {
    memset(p, 0, sizeof *p);
    double states = pow((double)lv->k, (double)n);
    if (states > ZS_LEVELS_ENUMERATE_MAX)
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "method enumerate: %.4g level assignments (K^N = %zu^%llu) exceed the "
                       "limit %.0e; use the closed form (--method closed) or macrostates "
                       "(--method macro)",
                       states, lv->k, (unsigned long long)n, ZS_LEVELS_ENUMERATE_MAX);
    if (n > 64) /* only K = 1 gets here: one assignment, but the walk keeps 64 digits */
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "method enumerate: at most 64 units can be walked, N = %llu; use the "
                       "closed form (--method closed)", (unsigned long long)n);
    p->k = lv->k;
    p->n = (size_t)n;
    double lwmax = -HUGE_VAL;
    for (size_t i = 0; i < lv->k; i++) {
        p->eps[i] = lv->e[i] - lv->emin;
        p->lw[i] = lv->lng[i] - beta * p->eps[i];
        if (p->lw[i] > lwmax) lwmax = p->lw[i];
    }
    p->ref = (double)n * lwmax;
    p->b = 1;
    p->inner = lv->k;
    while (p->b < p->n && p->inner * lv->k <= INNER_MAX) {
        p->b++;
        p->inner *= lv->k;
    }
    p->outer = 1;
    for (size_t i = p->b; i < p->n; i++) p->outer *= lv->k;
    p->in_lw = malloc(p->inner * sizeof *p->in_lw);
    p->in_eps = malloc(p->inner * sizeof *p->in_eps);
    p->in_lvl0 = malloc(p->inner);
    if (!p->in_lw || !p->in_eps || !p->in_lvl0) {
        plan_free(p);
        return zs_fail(lv->ctx, ZS_ENOMEM, "method enumerate: out of memory");
    }
    /* Tabulate the inner block by the same Gray walk as the outer one (below). */
    uint8_t d[64] = {0}, g[64] = {0};
    double lw = (double)p->b * p->lw[0], eps = (double)p->b * p->eps[0];
    for (size_t j = 0; j < p->inner; j++) {
        p->in_lw[j] = lw;
        p->in_eps[j] = eps;
        p->in_lvl0[j] = g[0];
        size_t q = 0;
        while (q < p->b && d[q] == lv->k - 1) d[q++] = 0;
        if (q == p->b) break;
        d[q]++;
        uint8_t from = g[q], to = (uint8_t)((g[q] + 1) % lv->k);
        g[q] = to;
        lw += p->lw[to] - p->lw[from];
        eps += p->eps[to] - p->eps[from];
    }
    return ZS_OK;
}

/* Outer walk state: base-K counter d and its modular Gray code g (g_i = d_i - d_{i+1} mod K).
 * Incrementing d changes exactly one Gray digit, the one where the carry stops, by +1. */
typedef struct outer_walk {
    uint8_t d[64], g[64];
    double lw, eps;
} outer_walk;

static void outer_seek(const enum_plan *p, uint64_t r, outer_walk *w) {
    size_t m = p->n - p->b;
    for (size_t i = 0; i < m; i++) {
        w->d[i] = (uint8_t)(r % p->k);
        r /= p->k;
    }
    w->lw = 0.0;
    w->eps = 0.0;
    for (size_t i = 0; i < m; i++) {
        uint8_t next = i + 1 < m ? w->d[i + 1] : 0;
        w->g[i] = (uint8_t)((w->d[i] + p->k - next) % p->k);
        w->lw += p->lw[w->g[i]];
        w->eps += p->eps[w->g[i]];
    }
}

static void outer_step(const enum_plan *p, outer_walk *w) {
    size_t m = p->n - p->b, q = 0;
    while (q < m && w->d[q] == p->k - 1) w->d[q++] = 0;
    if (q == m) return;
    w->d[q]++;
    uint8_t from = w->g[q], to = (uint8_t)((from + 1) % p->k);
    w->g[q] = to;
    w->lw += p->lw[to] - p->lw[from];
    w->eps += p->eps[to] - p->eps[from];
}

static size_t chunk_count(const enum_plan *p) {
    return p->outer < CHUNKS_MAX ? (size_t)p->outer : CHUNKS_MAX;
}

/* Pass 1: s = sum over all assignments of exp(lw_j - ref); ln Z' = ref + ln s. Progress is
 * reported as chunks done out of `passes` passes over the chunks (thermo makes two). */
static zs_status enumerate_lnz_shift(const zs_levels *lv, const enum_plan *p, int passes,
                                     double *lnz_shift) {
    const size_t nchunks = chunk_count(p);
    double *part = calloc(nchunks, sizeof *part);
    if (!part) return zs_fail(lv->ctx, ZS_ENOMEM, "method enumerate: out of memory");
    int stop = 0;
    size_t done = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads(lv->ctx))
    for (size_t c = 0; c < nchunks; c++) {
        if (__atomic_load_n(&stop, __ATOMIC_RELAXED)) continue;
        uint64_t r0 = p->outer * c / nchunks, r1 = p->outer * (c + 1) / nchunks;
        outer_walk w;
        outer_seek(p, r0, &w);
        double s = 0.0;
        for (uint64_t r = r0; r < r1; r++) {
            s += zs_sum_exp_shift(p->in_lw, p->inner, w.lw - p->ref);
            outer_step(p, &w);
        }
        part[c] = s;
        size_t now = __atomic_add_fetch(&done, 1, __ATOMIC_RELAXED);
        if (omp_get_thread_num() == 0 &&
            zs_progress(lv->ctx, "enumerate", (double)now, (double)(nchunks * (size_t)passes)))
            __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    }
    double s = 0.0;
    for (size_t c = 0; c < nchunks; c++) s += part[c];
    free(part);
    if (stop) return zs_fail(lv->ctx, ZS_ECANCELLED, "method enumerate: cancelled");
    *lnz_shift = p->ref + log(s);
    return ZS_OK;
}

zs_status zs_levels_enumerate_lnz(const zs_levels *lv, uint64_t n, double beta, double *lnz) {
    if (!lv || !lnz) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, beta);
    enum_plan p;
    if (st == ZS_OK) st = plan_make(lv, n, beta, &p);
    if (st != ZS_OK) return st;
    double lnz_shift;
    st = enumerate_lnz_shift(lv, &p, 1, &lnz_shift);
    if (st == ZS_OK) *lnz = lnz_shift - beta * (double)n * lv->emin;
    plan_free(&p);
    return st;
}

/* Weighted moments of eps with Chan, Golub & LeVeque's pairwise combination (1979): the
 * variance is accumulated centered, block by block, never as <x^2> - <x>^2. */
typedef struct moments {
    double w, mean, m2, ent;
    double occ[ZS_LEVELS_MAX_K];
} moments;

static void moments_merge(moments *a, const moments *b, size_t k) {
    double w = a->w + b->w;
    if (w > 0.0) {
        double delta = b->mean - a->mean;
        a->mean += delta * (b->w / w);
        a->m2 += b->m2 + delta * delta * (a->w * b->w / w);
    }
    a->w = w;
    a->ent += b->ent;
    for (size_t i = 0; i < k; i++) a->occ[i] += b->occ[i];
}

/* One outer assignment: prob[j] = exp(out_lw + in_lw[j] - ln Z') for the inner block. */
static void block_moments(const enum_plan *p, const outer_walk *w, double lnz_shift,
                          double beta, double *prob, moments *m) {
    zs_vexp_shift(prob, p->in_lw, p->inner, w->lw - lnz_shift);
    double sw = 0.0, se = 0.0;
    for (size_t j = 0; j < p->inner; j++) {
        sw += prob[j];
        se += prob[j] * p->in_eps[j];
    }
    memset(m, 0, sizeof *m);
    m->w = sw;
    if (sw <= 0.0) return;
    m->mean = w->eps + se / sw;
    double m2 = 0.0, ent = 0.0;
    for (size_t j = 0; j < p->inner; j++) {
        double e = w->eps + p->in_eps[j];
        m2 += prob[j] * (e - m->mean) * (e - m->mean);
        /* -p ln p summed over the microstates of this assignment: P (beta eps + ln Z'). */
        ent += prob[j] * (beta * e + lnz_shift);
        m->occ[p->in_lvl0[j]] += prob[j];
    }
    m->m2 = m2;
    m->ent = ent;
}

zs_status levels_thermo_enumerate(const zs_levels *lv, uint64_t n, double beta,
                                  zs_levels_thermo *out, double *occupation) {
    enum_plan p;
    zs_status st = plan_make(lv, n, beta, &p);
    if (st != ZS_OK) return st;
    double lnz_shift = 0.0;
    st = enumerate_lnz_shift(lv, &p, 2, &lnz_shift);
    const size_t nchunks = chunk_count(&p);
    moments *part = st == ZS_OK ? calloc(nchunks, sizeof *part) : NULL;
    if (st == ZS_OK && !part) st = zs_fail(lv->ctx, ZS_ENOMEM, "method enumerate: out of memory");
    int failed = 0;
    size_t done = 0;
    if (st == ZS_OK) {
#pragma omp parallel num_threads(zs_threads(lv->ctx))
        {
            double *prob = malloc(p.inner * sizeof *prob);
            if (!prob) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(dynamic, 1)
            for (size_t c = 0; c < nchunks; c++) {
                if (!prob) continue;
                uint64_t r0 = p.outer * c / nchunks, r1 = p.outer * (c + 1) / nchunks;
                outer_walk w;
                outer_seek(&p, r0, &w);
                for (uint64_t r = r0; r < r1; r++) {
                    moments m;
                    block_moments(&p, &w, lnz_shift, beta, prob, &m);
                    moments_merge(&part[c], &m, p.k);
                    outer_step(&p, &w);
                }
                size_t now = __atomic_add_fetch(&done, 1, __ATOMIC_RELAXED);
                if (omp_get_thread_num() == 0)
                    zs_progress(lv->ctx, "enumerate", (double)(nchunks + now), (double)(2 * nchunks));
            }
            free(prob);
        }
    }
    if (st == ZS_OK && failed) st = zs_fail(lv->ctx, ZS_ENOMEM, "method enumerate: out of memory");
    if (st == ZS_OK) {
        moments total = part[0];
        for (size_t c = 1; c < nchunks; c++) moments_merge(&total, &part[c], p.k);
        const double nn = (double)n;
        out->lnz = lnz_shift - beta * nn * lv->emin;
        out->lnz_unit = out->lnz / nn;
        out->u = nn * lv->emin + total.mean;
        out->f = levels_free_energy(lv, n, beta, out->lnz);
        out->s = total.ent;
        out->s_thermo = beta * out->u + out->lnz;
        out->c = beta * beta * total.m2 / total.w;
        if (occupation)
            for (size_t i = 0; i < lv->k; i++) occupation[i] = total.occ[i] / total.w;
    }
    free(part);
    plan_free(&p);
    return st;
}

/* ---- listing: every microstate, unit 0 slowest ---------------------------------------- */

zs_status zs_levels_microstates(const zs_levels *lv, size_t n, double beta, double limit,
                                zs_levels_microstate_fn fn, void *user) {
    if (!lv || !fn) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, beta);
    if (st != ZS_OK) return st;
    double count = pow((double)lv->gsum, (double)n);
    if (count > limit)
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "microstates: %.4g microstates (%llu^%zu) exceed the limit %.4g; raise "
                       "--limit or ask for --macrostates or --dos",
                       count, (unsigned long long)lv->gsum, n, limit);
    if (count * (double)n > 1e8)
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "microstates: listing %.4g microstates of %zu units each is too much output",
                       count, n);
    levels_unit u;
    levels_unit_compute(lv, beta, &u);
    uint64_t *state = calloc(n, sizeof *state);
    uint32_t *level = calloc(n, sizeof *level), *sub = calloc(n, sizeof *sub);
    uint64_t first[ZS_LEVELS_MAX_K + 1]; /* unit states of level k: first[k] .. first[k+1]-1 */
    if (!state || !level || !sub) st = zs_fail(lv->ctx, ZS_ENOMEM, "microstates: out of memory");
    first[0] = 0;
    for (size_t k = 0; k < lv->k; k++) first[k + 1] = first[k] + lv->g[k];
    for (int more = st == ZS_OK; more;) {
        double eps = 0.0;
        for (size_t i = 0; i < n; i++) {
            uint32_t k = 0;
            while (state[i] >= first[k + 1]) k++;
            level[i] = k;
            sub[i] = (uint32_t)(state[i] - first[k]);
            eps += lv->e[k] - lv->emin;
        }
        double p = exp(-beta * eps - (double)n * u.lnz_shift);
        if (fn(user, level, sub, (double)n * lv->emin + eps, p)) {
            st = ZS_ECANCELLED;
            break;
        }
        size_t i = n; /* odometer: the last unit varies fastest */
        while (i > 0 && state[i - 1] == lv->gsum - 1) state[--i] = 0;
        if (i == 0) more = 0;
        else state[i - 1]++;
    }
    free(state);
    free(level);
    free(sub);
    return st;
}
