/* levels_enumerate.c — brute force: visit every microstate of N units on K levels.
 *
 * The K^N level assignments (each standing for prod_i g(unit i) microstates of equal energy)
 * are walked in a modular K-ary Gray code: consecutive assignments differ in one unit, whose
 * level goes up by one (mod K). The last b units form an inner block whose K^b assignments
 * are tabulated once; the walk goes over the outer assignments, and for each one over every
 * inner one.
 *
 * The weight of a microstate is computed without an exp of its own: with lw = ln g - beta eps
 * summed over units, exp(lw_outer + lw_inner) = exp(lw_outer) exp(lw_inner), so one exp per
 * outer assignment (W) and one per inner assignment, tabulated once (v_j), give every weight
 * as the product W v_j (within an ulp of the exp of the sum). The sums themselves are taken
 * term by term over all K^N assignments — Z = sum_j w_j, sum_j w_j eps_j, sum_j w_j eps_j^2 —
 * and never regrouped into the product of per-unit sums that the closed form is, nor into
 * the occupation-vector sums of the macro method, so the method stays their independent check.
 *
 * Every weight is taken relative to the largest possible log-weight N max_k lw_k, so each is
 * <= 1, the largest is exactly 1 and the plain sums stay in [1, K^N]: one pass, no rescaling.
 * The outer walk is cut into a fixed number of chunks, summed by OpenMP threads and combined
 * in chunk order, so the result does not depend on the number of threads; the inner loop is
 * the same arithmetic on every instruction set (levels_enumerate_kernels.h), so it does not
 * depend on the CPU either. */
#include "exact/levels_methods.h"
#include "exact/levels_enumerate_kernels.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define INNER_MAX 8192   /* inner block K^b <= 8192 assignments: two tables of 64 KiB (L2) */
#define CHUNKS_MAX 4096  /* fixed work split, independent of the thread count            */

/* Factors below 2^-500 of the largest are set to zero: a product of two of them is then
 * either zero or a normal number (no slow subnormal arithmetic), and what is dropped is
 * below 2^-500 of a total that is at least 1, far under one ulp. */
#define WEIGHT_FLOOR 0x1p-500

typedef struct enum_plan {
    size_t k, n, b;          /* levels, units, inner units                              */
    size_t inner;            /* K^b                                                      */
    size_t seglen, segpad;   /* K^(b-1) inner assignments per level of the last inner   */
                             /* unit, padded to a multiple of LEVELS_LANES              */
    uint64_t outer;          /* K^(n-b)                                                  */
    double lw[ZS_LEVELS_MAX_K];  /* per-unit log weight ln g_k - beta (e_k - emin)       */
    double eps[ZS_LEVELS_MAX_K]; /* e_k - emin                                          */
    double lwmax;            /* max_k lw_k                                               */
    double centre;           /* weighted mean energy of the inner block: x = eps - centre */
    double *in_v;            /* (k * segpad) exp(inner lw - b lwmax), zero in the padding */
    double *in_x;            /* (k * segpad) inner eps - centre, zero in the padding      */
} enum_plan;

static void plan_free(enum_plan *p) {
    free(p->in_v);
    free(p->in_x);
}

static zs_status plan_make(const zs_levels *lv, uint64_t n, double beta, enum_plan *p) {
    memset(p, 0, sizeof *p);
    double states = pow((double)lv->k, (double)n);
    if (states > ZS_LEVELS_ENUMERATE_MAX)
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "method enumerate: %.4g level assignments (K^N = %zu^%llu) exceed the "
                       "limit %.0e; use the closed form (method closed) or macrostates "
                       "(method macro)",
                       states, lv->k, (unsigned long long)n, ZS_LEVELS_ENUMERATE_MAX);
    if (n > 64) /* only K = 1 gets here: one assignment, but the walk keeps 64 digits */
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "method enumerate: at most 64 units can be walked, N = %llu; use the "
                       "closed form (method closed)", (unsigned long long)n);
    p->k = lv->k;
    p->n = (size_t)n;
    p->lwmax = -HUGE_VAL;
    for (size_t i = 0; i < lv->k; i++) {
        p->eps[i] = lv->e[i] - lv->emin;
        p->lw[i] = lv->lng[i] - beta * p->eps[i];
        if (p->lw[i] > p->lwmax) p->lwmax = p->lw[i];
    }
    p->b = 1;
    p->inner = lv->k;
    while (p->b < p->n && p->inner * lv->k <= INNER_MAX) {
        p->b++;
        p->inner *= lv->k;
    }
    p->outer = 1;
    for (size_t i = p->b; i < p->n; i++) p->outer *= lv->k;
    p->seglen = p->inner / p->k;
    p->segpad = (p->seglen + LEVELS_LANES - 1) / LEVELS_LANES * LEVELS_LANES;
    /* Cache-line aligned (segpad * 8 bytes is a multiple of 64), so no vector load of the
     * kernel straddles two lines: with malloc's 16-byte alignment N = 20 took 1.5x as long. */
    const size_t bytes = p->k * p->segpad * sizeof(double);
    p->in_v = zs_aligned_alloc(64, bytes);
    p->in_x = zs_aligned_alloc(64, bytes);
    if (p->in_v) memset(p->in_v, 0, bytes);
    if (p->in_x) memset(p->in_x, 0, bytes);
    if (!p->in_v || !p->in_x) {
        plan_free(p);
        return zs_fail(lv->ctx, ZS_ENOMEM, "method enumerate: out of memory");
    }
    /* Tabulate the inner block by the same Gray walk as the outer one (below). Its last digit
     * g[b-1] equals the counter's slowest digit, so assignment j lies in segment j / seglen,
     * the level of the last inner unit. */
    uint8_t d[64] = {0}, g[64] = {0};
    const double inref = (double)p->b * p->lwmax;
    for (size_t j = 0; j < p->inner; j++) {
        size_t at = g[p->b - 1] * p->segpad + j % p->seglen;
        double lw = 0.0, eps = 0.0;
        for (size_t i = 0; i < p->b; i++) {
            lw += p->lw[g[i]];
            eps += p->eps[g[i]];
        }
        double v = exp(lw - inref);
        p->in_v[at] = v < WEIGHT_FLOOR ? 0.0 : v;
        p->in_x[at] = eps;
        size_t q = 0;
        while (q < p->b && d[q] == lv->k - 1) d[q++] = 0;
        if (q == p->b) break;
        d[q]++;
        g[q] = (uint8_t)((g[q] + 1) % lv->k);
    }
    /* Centre the energies on the block's own weighted mean, so the sums of w x^2 are already
     * centred for the inner block (any fixed centre is exact; this one keeps the digits). */
    double sv = 0.0, sx = 0.0;
    for (size_t j = 0; j < p->k * p->segpad; j++) {
        sv += p->in_v[j];
        sx += p->in_v[j] * p->in_x[j];
    }
    p->centre = sx / sv;
    for (size_t s = 0; s < p->k; s++)
        for (size_t j = 0; j < p->seglen; j++) p->in_x[s * p->segpad + j] -= p->centre;
    return ZS_OK;
}

/* Outer walk state: base-K counter d and its modular Gray code g (g_i = d_i - d_{i+1} mod K).
 * Incrementing d changes exactly one Gray digit, the one where the carry stops, by +1. The
 * log-weight and energy are summed afresh at each step (n - b terms, against K^b microstates
 * of work per step), so no rounding accumulates along the walk. */
typedef struct outer_walk {
    uint8_t d[64], g[64];
    double lw, eps;
} outer_walk;

static void outer_sums(const enum_plan *p, outer_walk *w) {
    w->lw = 0.0;
    w->eps = 0.0;
    for (size_t i = 0; i < p->n - p->b; i++) {
        w->lw += p->lw[w->g[i]];
        w->eps += p->eps[w->g[i]];
    }
}

static void outer_seek(const enum_plan *p, uint64_t r, outer_walk *w) {
    size_t m = p->n - p->b;
    for (size_t i = 0; i < m; i++) {
        w->d[i] = (uint8_t)(r % p->k);
        r /= p->k;
    }
    for (size_t i = 0; i < m; i++) {
        uint8_t next = i + 1 < m ? w->d[i + 1] : 0;
        w->g[i] = (uint8_t)((w->d[i] + p->k - next) % p->k);
    }
    outer_sums(p, w);
}

static void outer_step(const enum_plan *p, outer_walk *w) {
    size_t m = p->n - p->b, q = 0;
    while (q < m && w->d[q] == p->k - 1) w->d[q++] = 0;
    if (q == m) return;
    w->d[q]++;
    w->g[q] = (uint8_t)((w->g[q] + 1) % p->k);
    outer_sums(p, w);
}

static size_t chunk_count(const enum_plan *p) {
    return p->outer < CHUNKS_MAX ? (size_t)p->outer : CHUNKS_MAX;
}

typedef void (*block_sums_fn)(const double *, const double *, size_t, size_t, double, double *,
                              double[2]);

static void block_sums_portable(const double *v, const double *x, size_t nseg, size_t segpad,
                                double W, double *segw, double sums[2]) {
    levels_block_sums_body(v, x, nseg, segpad, W, segw, sums);
}

/* Weighted moments of eps with Chan, Golub & LeVeque's pairwise combination (1979): the
 * variance is accumulated centered, block by block, never as <x^2> - <x>^2. Weights are
 * relative to exp(N max lw), so w is Z' = Z exp(-N max lw) and occ[k] the weight with the
 * last inner unit on level k. */
typedef struct moments {
    double w, mean, m2;
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
    for (size_t i = 0; i < k; i++) a->occ[i] += b->occ[i];
}

/* One unit of the walk: outer assignments r0..r1 of chunk c, their weight, mean and centred
 * second moment of eps and the weight per level of the last inner unit, as the record's
 * values (w, mean, m2, occ[0..k-1]). */
static zs_status enumerate_unit(const void *plan, uint64_t c, void *scratch, zs_unit_record *rec) {
    static const block_sums_fn fns[3] = {block_sums_portable, levels_block_sums_avx2,
                                         levels_block_sums_avx512};
    (void)scratch;
    const enum_plan *p = plan;
    const block_sums_fn block_sums = fns[zs_simd_level()];
    const size_t nchunks = chunk_count(p);
    const double outref = (double)(p->n - p->b) * p->lwmax;
    uint64_t r0 = p->outer * c / nchunks, r1 = p->outer * (c + 1) / nchunks;
    outer_walk w;
    outer_seek(p, r0, &w);
    moments acc;
    memset(&acc, 0, sizeof acc);
    for (uint64_t r = r0; r < r1; r++, outer_step(p, &w)) {
        double W = exp(w.lw - outref), sums[2];
        if (W < WEIGHT_FLOOR) W = 0.0;
        moments m;
        memset(&m, 0, sizeof m);
        block_sums(p->in_v, p->in_x, p->k, p->segpad, W, m.occ, sums);
        for (size_t i = 0; i < p->k; i++) m.w += m.occ[i];
        if (m.w <= 0.0) continue;
        /* sums are about the centre: mean = eps_outer + centre + S1/S0, and the centred
         * second moment S2 - S1^2/S0 (S1 is small: the centre is the block's mean). */
        m.mean = w.eps + p->centre + sums[0] / m.w;
        m.m2 = sums[1] - sums[0] * (sums[0] / m.w);
        if (m.m2 < 0.0) m.m2 = 0.0;
        moments_merge(&acc, &m, p->k);
    }
    rec->nvalues = (uint32_t)(3 + p->k);
    rec->values[0] = acc.w;
    rec->values[1] = acc.mean;
    rec->values[2] = acc.m2;
    memcpy(rec->values + 3, acc.occ, p->k * sizeof acc.occ[0]);
    return ZS_OK;
}

static void record_moments(const zs_unit_record *rec, size_t k, moments *m) {
    memset(m, 0, sizeof *m);
    m->w = rec->values[0];
    m->mean = rec->values[1];
    m->m2 = rec->values[2];
    memcpy(m->occ, rec->values + 3, k * sizeof m->occ[0]);
}

/* One pass over every microstate, as work units (lib/core/units.c): the chunks of the outer
 * walk, merged in chunk order. The problem's hash covers the levels (e, g), N and beta. */
static zs_status enumerate_moments(const zs_levels *lv, const enum_plan *p, double beta,
                                   moments *total) {
    const size_t nchunks = chunk_count(p);
    zs_unit_record *recs = zs_malloc(nchunks * sizeof *recs);
    if (!recs) return zs_fail(lv->ctx, ZS_ENOMEM, "method enumerate: out of memory");
    uint64_t h = units_hash_begin("levels enumerate");
    h = units_hash_u64(h, lv->k);
    h = units_hash_doubles(h, lv->e, lv->k);
    for (size_t i = 0; i < lv->k; i++) h = units_hash_u64(h, lv->g[i]);
    h = units_hash_u64(h, p->n);
    h = units_hash_double(h, beta);
    units_job job = {lv->ctx, "levels enumerate", "enumerate", h, nchunks, enumerate_unit, p,
                     NULL, NULL, 0};
    zs_status st = units_exec(&job, recs);
    if (st == ZS_OK) {
        record_moments(&recs[0], p->k, total);
        for (size_t c = 1; c < nchunks; c++) {
            moments m;
            record_moments(&recs[c], p->k, &m);
            moments_merge(total, &m, p->k);
        }
    }
    free(recs);
    return st;
}

zs_status zs_levels_lnz_enumerate(const zs_levels *lv, size_t n, double beta, double *lnz) {
    if (!lv || !lnz) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, n, beta);
    enum_plan p;
    if (st == ZS_OK) st = plan_make(lv, n, beta, &p);
    if (st != ZS_OK) return st;
    moments total;
    st = enumerate_moments(lv, &p, beta, &total);
    /* ln Z = N max lw + ln Z' - beta N emin (energies were taken relative to emin). */
    if (st == ZS_OK) *lnz = (double)n * p.lwmax + log(total.w) - beta * (double)n * lv->emin;
    plan_free(&p);
    return st;
}

zs_status levels_thermo_enumerate(const zs_levels *lv, uint64_t n, double beta,
                                  zs_levels_thermo *out, double *occupation) {
    enum_plan p;
    zs_status st = plan_make(lv, n, beta, &p);
    if (st != ZS_OK) return st;
    moments total;
    st = enumerate_moments(lv, &p, beta, &total);
    if (st == ZS_OK) {
        const double nn = (double)n;
        const double lnz_shift = nn * p.lwmax + log(total.w);
        out->lnz = lnz_shift - beta * nn * lv->emin;
        out->lnz_unit = out->lnz / nn;
        out->u = nn * lv->emin + total.mean;
        out->f = levels_free_energy(lv, n, beta, out->lnz);
        /* -sum p ln p over microstates: each of the G_j microstates of assignment j has
         * ln p = -beta eps_j - ln Z', so the sum is beta <eps> + ln Z'. */
        out->s = beta * total.mean + lnz_shift;
        out->s_thermo = beta * out->u + out->lnz;
        out->c = zs_heat_capacity(beta, total.m2 / total.w);
        if (occupation)
            for (size_t i = 0; i < lv->k; i++) occupation[i] = total.occ[i] / total.w;
    }
    plan_free(&p);
    return st;
}

/* ---- listing: every microstate, unit 0 slowest ---------------------------------------- */

zs_status zs_levels_microstates(const zs_levels *lv, size_t n, double beta, double limit,
                                zs_levels_microstate_fn fn, void *user) {
    if (!lv || !fn) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, n, beta);
    if (st != ZS_OK) return st;
    double count = pow((double)lv->gsum, (double)n);
    if (count > limit)
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "microstates: %.4g microstates (%llu^%zu) exceed the limit %.4g; raise "
                       "the limit, or list macrostates or the density of states instead",
                       count, (unsigned long long)lv->gsum, n, limit);
    if (count * (double)n > 1e8)
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "microstates: listing %.4g microstates of %zu units each is too much output",
                       count, n);
    levels_unit u;
    levels_unit_compute(lv, beta, &u);
    uint64_t *state = zs_calloc(n, sizeof *state);
    uint32_t *level = zs_calloc(n, sizeof *level), *sub = zs_calloc(n, sizeof *sub);
    uint64_t first[ZS_LEVELS_MAX_K + 1]; /* unit states of level k: first[k] .. first[k+1]-1 */
    if (!state || !level || !sub) st = zs_fail(lv->ctx, ZS_ENOMEM, "microstates: out of memory");
    first[0] = 0;
    for (size_t k = 0; k < lv->k; k++) first[k + 1] = first[k] + lv->g[k];
    double row = 0.0;
    for (int more = st == ZS_OK; more; row++) {
        /* progress each row, so a deadline (the progress hook) can stop a listing */
        if (zs_progress(lv->ctx, "microstates", row, count)) {
            st = zs_fail(lv->ctx, ZS_ECANCELLED, "microstates: cancelled");
            break;
        }
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
