/* test_approx.c — approximate ln Z (zs_factor_lnz_approx) against brute-force enumeration
 * written here (every assignment, log-sum-exp) on random small factor graphs — binary and
 * multi-valued, with zeros and evidence — with the side of every bound checked on every
 * model; exactness where theory says so (BP and TRW on trees, MBE above the induced width);
 * and the critical couplings of the square lattice against their closed forms. */
#include "check.h"
#include "zsum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXV 12
#define MAXF 64

typedef struct rmodel {
    size_t n, nf;
    uint32_t dom[MAXV];
    size_t arity[MAXF];
    uint32_t scope[MAXF][4];
    double lnt[MAXF][81]; /* ln phi, last scope variable fastest */
} rmodel;

/* ln Z(evidence) by visiting every assignment: the oracle. */
static double brute_lnz(const rmodel *r, const int32_t *ev) {
    uint32_t x[MAXV] = {0};
    for (size_t i = 0; i < r->n; i++) x[i] = ev && ev[i] >= 0 ? (uint32_t)ev[i] : 0;
    double mx = -HUGE_VAL, s = 0.0;
    for (;;) {
        double lp = 0.0;
        for (size_t f = 0; f < r->nf; f++) {
            size_t idx = 0;
            for (size_t k = 0; k < r->arity[f]; k++) idx = idx * r->dom[r->scope[f][k]] + x[r->scope[f][k]];
            lp += r->lnt[f][idx];
        }
        if (lp > -HUGE_VAL) {
            if (lp > mx) s = s * exp(mx - lp) + 1.0, mx = lp;
            else s += exp(lp - mx);
        }
        size_t i = r->n;
        while (i-- > 0) {
            if (ev && ev[i] >= 0) continue;
            if (++x[i] < r->dom[i]) break;
            x[i] = 0;
        }
        if (i == (size_t)-1) break;
    }
    return mx == -HUGE_VAL ? -HUGE_VAL : mx + log(s);
}

static uint64_t lcg_state;
static double urand(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}

/* A random model: n variables with domains in [2, maxdom], unary factors, pairwise factors on
 * random pairs (or a random tree when tree != 0), triples when arity3; entries ln phi normal
 * times scale, a fraction zeros of them 0. */
static void make_model(rmodel *r, size_t n, uint32_t maxdom, size_t npair, int tree, int arity3,
                       double scale, double zeros) {
    memset(r, 0, sizeof *r);
    r->n = n;
    for (size_t i = 0; i < n; i++) r->dom[i] = 2 + (uint32_t)(urand() * (maxdom - 1));
    for (size_t i = 0; i < n; i++) {
        size_t f = r->nf++;
        r->arity[f] = 1;
        r->scope[f][0] = (uint32_t)i;
    }
    for (size_t k = 0; k < (tree ? n - 1 : npair); k++) {
        size_t f = r->nf++;
        uint32_t a, b;
        if (tree) {
            a = (uint32_t)(k + 1);
            b = (uint32_t)(urand() * (double)(k + 1));
        } else {
            do {
                a = (uint32_t)(urand() * (double)n);
                b = (uint32_t)(urand() * (double)n);
            } while (a == b);
        }
        r->arity[f] = 2;
        r->scope[f][0] = a;
        r->scope[f][1] = b;
    }
    if (arity3 && n >= 3) {
        size_t f = r->nf++;
        r->arity[f] = 3;
        r->scope[f][0] = 0, r->scope[f][1] = 2, r->scope[f][2] = 1;
    }
    for (size_t f = 0; f < r->nf; f++) {
        size_t size = 1;
        for (size_t k = 0; k < r->arity[f]; k++) size *= r->dom[r->scope[f][k]];
        for (size_t e = 0; e < size; e++) {
            /* Box-Muller: a normal from two uniforms. */
            double g = sqrt(-2.0 * log(1.0 - urand())) * cos(6.283185307179586 * urand());
            r->lnt[f][e] = urand() < zeros ? -HUGE_VAL : scale * g;
        }
    }
}

/* An R x C open grid (site r*C + c) of binary spins: unary factors, then a bond factor per
 * lattice bond, entries ln phi normal times scale. */
static void make_grid(rmodel *r, size_t R, size_t C, double scale) {
    memset(r, 0, sizeof *r);
    r->n = R * C;
    for (size_t i = 0; i < r->n; i++) {
        r->dom[i] = 2;
        r->arity[r->nf] = 1;
        r->scope[r->nf++][0] = (uint32_t)i;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (i % C + 1 < C) {
            r->arity[r->nf] = 2;
            r->scope[r->nf][0] = (uint32_t)i, r->scope[r->nf++][1] = (uint32_t)(i + 1);
        }
        if (i + C < r->n) {
            r->arity[r->nf] = 2;
            r->scope[r->nf][0] = (uint32_t)i, r->scope[r->nf++][1] = (uint32_t)(i + C);
        }
    }
    for (size_t f = 0; f < r->nf; f++)
        for (size_t e = 0; e < (r->arity[f] == 1 ? 2u : 4u); e++) {
            double g = sqrt(-2.0 * log(1.0 - urand())) * cos(6.283185307179586 * urand());
            r->lnt[f][e] = scale * g;
        }
}

static zs_factor_model *to_model(const rmodel *r) {
    zs_factor_model *m = NULL;
    if (zs_factor_model_alloc(NULL, r->n, r->dom, &m) != ZS_OK) return NULL;
    for (size_t f = 0; f < r->nf; f++)
        if (zs_factor_model_add(m, r->arity[f], r->scope[f], r->lnt[f], 1) != ZS_OK) {
            zs_factor_model_free(m);
            return NULL;
        }
    return m;
}

static int debug_level(void) { return getenv("ZSUM_TEST_DEBUG") != NULL; }

/* Run method on (r, ev); check the side of its bound against the oracle exact (to 1e-7:
 * bounds hold to the iteration's tolerance), or that it refuses Z = 0 with ENUMERIC. Returns
 * the error (value - exact), NAN when refused. */
static double check_side(const rmodel *r, const int32_t *ev, zs_factor_approx method,
                         const zs_factor_approx_opts *o, double exact) {
    zs_factor_model *m = to_model(r);
    CHECK(m != NULL);
    if (!m) return NAN;
    zs_factor_approx_result res;
    zs_status st = zs_factor_lnz_approx(m, ev, method, o, &res);
    zs_factor_model_free(m);
    if (exact == -HUGE_VAL) {
        /* Z = 0: a method either proves it (ENUMERIC) or gives a finite upper bound/estimate;
         * a lower bound cannot exist. */
        if (method == ZS_APPROX_MF) CHECK_EQ_INT(st, ZS_ENUMERIC);
        else CHECK(st == ZS_ENUMERIC || (st == ZS_OK && isfinite(res.lnz) && res.kind != ZS_BOUND_LOWER));
        return NAN;
    }
    if (method == ZS_APPROX_TRW && st == ZS_EUNSUPPORTED) return NAN;
    CHECK_EQ_INT(st, ZS_OK);
    if (st != ZS_OK) return NAN;
    CHECK(isfinite(res.lnz));
    if (debug_level())
        printf("%s: exact %.10f got %.10f (%s, conv %d, %llu it)\n", zs_factor_approx_name(method),
               exact, res.lnz, zs_bound_kind_name(res.kind), res.converged,
               (unsigned long long)res.iterations);
    if (res.kind == ZS_BOUND_LOWER) CHECK(res.lnz <= exact + 1e-7);
    if (res.kind == ZS_BOUND_UPPER) CHECK(res.lnz >= exact - 1e-7);
    return res.lnz - exact;
}

static void mean_field_should_be_a_lower_bound_on_random_models(void) {
    lcg_state = 11;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    CHECK_EQ_INT(o.restarts, 4); /* symmetry-broken restarts by default */
    int zero_models = 0;
    for (int t = 0; t < 200; t++) {
        rmodel r;
        make_model(&r, 3 + (size_t)(urand() * 7), t % 2 ? 3 : 2, 4 + (size_t)(urand() * 10), 0,
                   t % 3 == 0, 1.0, t % 4 == 1 ? 0.2 : 0.0);
        int32_t ev[MAXV];
        for (size_t i = 0; i < r.n; i++)
            ev[i] = (t % 5 == 2 && urand() < 0.3) ? (int32_t)(urand() * r.dom[i]) : -1;
        double exact = brute_lnz(&r, ev);
        zero_models += exact == -HUGE_VAL;
        check_side(&r, ev, ZS_APPROX_MF, &o, exact);
    }
    CHECK(zero_models > 0); /* the zeros made some Z = 0, and mean field refused them */
}

static void bp_should_be_exact_on_trees(void) {
    lcg_state = 12;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    o.restarts = 0;
    for (int t = 0; t < 60; t++) {
        rmodel r;
        make_model(&r, 2 + (size_t)(urand() * 9), t % 2 ? 4 : 2, 0, 1, 0, 1.0, t % 3 == 1 ? 0.15 : 0.0);
        int32_t ev[MAXV];
        for (size_t i = 0; i < r.n; i++) ev[i] = (t % 4 == 3 && urand() < 0.3) ? 0 : -1;
        double exact = brute_lnz(&r, ev);
        for (int sched = 0; sched < 2; sched++) {
            o.schedule = sched ? ZS_SCHEDULE_PARALLEL : ZS_SCHEDULE_SEQUENTIAL;
            double err = check_side(&r, ev, ZS_APPROX_BP, &o, exact);
            if (!isnan(err)) CHECK(fabs(err) < 1e-7);
        }
    }
}

static void bp_should_be_close_on_loopy_models_and_refuse_proved_zeros(void) {
    lcg_state = 13;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    double worst = 0.0;
    for (int t = 0; t < 100; t++) {
        rmodel r;
        make_model(&r, 4 + (size_t)(urand() * 6), t % 2 ? 3 : 2, 6, 0, t % 3 == 0, 0.3,
                   t % 4 == 1 ? 0.2 : 0.0);
        int32_t ev[MAXV];
        for (size_t i = 0; i < r.n; i++) ev[i] = (t % 5 == 2 && urand() < 0.3) ? 1 : -1;
        double exact = brute_lnz(&r, ev);
        double err = check_side(&r, ev, ZS_APPROX_BP, &o, exact);
        if (!isnan(err) && fabs(err) > worst) worst = fabs(err);
    }
    CHECK(worst < 0.5); /* weak couplings: Bethe is close */
}

static void mini_buckets_should_bound_from_above_and_be_exact_with_a_large_i_bound(void) {
    lcg_state = 14;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    int loose = 0;
    for (int t = 0; t < 200; t++) {
        rmodel r;
        make_model(&r, 4 + (size_t)(urand() * 7), t % 2 ? 3 : 2, 6 + (size_t)(urand() * 12), 0,
                   t % 3 == 0, 1.0, t % 4 == 1 ? 0.2 : 0.0);
        int32_t ev[MAXV];
        for (size_t i = 0; i < r.n; i++) ev[i] = (t % 5 == 2 && urand() < 0.3) ? 1 : -1;
        double exact = brute_lnz(&r, ev);
        o.i_bound = 2 + (unsigned)(t % 3);
        double err = check_side(&r, ev, ZS_APPROX_MBE, &o, exact);
        loose += !isnan(err) && err > 1e-3;
        o.i_bound = 12; /* above any induced width here: one mini-bucket per bucket */
        err = check_side(&r, ev, ZS_APPROX_MBE, &o, exact);
        if (!isnan(err)) CHECK(fabs(err) < 1e-9);
    }
    CHECK(loose > 20); /* small i-bounds really split buckets */
}

/* The passes of weighted mini-buckets (forward-backward cost shifting and weight steps): a
 * bound on every model at every i-bound and pass count, never looser with more passes (the
 * least bound seen is kept), tighter than one pass on many; a time limit still gives one. */
static void mini_bucket_passes_should_only_tighten_the_bound(void) {
    lcg_state = 17;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    static const uint64_t passes[] = {1, 2, 5, 30, 1000};
    int tighter = 0, runs = 0;
    for (int t = 0; t < 120; t++) {
        rmodel r;
        make_model(&r, 4 + (size_t)(urand() * 7), t % 2 ? 3 : 2, 8 + (size_t)(urand() * 12), 0,
                   t % 3 == 0, 1.5, t % 4 == 1 ? 0.2 : 0.0);
        int32_t ev[MAXV];
        for (size_t i = 0; i < r.n; i++) ev[i] = (t % 5 == 2 && urand() < 0.3) ? 1 : -1;
        double exact = brute_lnz(&r, ev);
        zs_factor_model *m = to_model(&r);
        CHECK(m != NULL);
        if (!m) continue;
        for (unsigned ib = 2; ib <= 4; ib++) {
            double prev = HUGE_VAL, first = HUGE_VAL;
            for (size_t k = 0; k < sizeof passes / sizeof passes[0]; k++) {
                o.i_bound = ib;
                o.max_iter = passes[k];
                o.max_seconds = k == 0 && t % 7 == 3 ? 1e-9 : 0.0; /* out of time at once */
                zs_factor_approx_result res;
                zs_status st = zs_factor_lnz_approx(m, ev, ZS_APPROX_MBE, &o, &res);
                if (exact == -HUGE_VAL) {
                    CHECK(st == ZS_ENUMERIC || (st == ZS_OK && isfinite(res.lnz)));
                    continue;
                }
                CHECK_EQ_INT(st, ZS_OK);
                if (st != ZS_OK) break;
                CHECK(isfinite(res.lnz));
                CHECK_EQ_INT(res.kind, ZS_BOUND_UPPER);
                CHECK_EQ_INT(res.method, ZS_APPROX_MBE);
                CHECK(res.lnz >= exact - 1e-7);
                CHECK(res.iterations >= 1 && res.iterations <= passes[k]);
                CHECK(res.lnz <= prev);
                prev = res.lnz;
                if (k == 0) first = res.lnz;
            }
            if (exact > -HUGE_VAL) tighter += prev < first - 1e-6, runs++;
        }
        zs_factor_model_free(m);
    }
    if (debug_level()) printf("mbe passes tightened %d of %d runs\n", tighter, runs);
    CHECK(tighter > runs / 4);
}

/* max_bytes: mini-bucket tables beyond it are refused with what they need; a limit they fit
 * in changes nothing; a negative one is an error. */
static void mini_buckets_should_respect_max_bytes(void) {
    lcg_state = 19;
    rmodel r;
    make_model(&r, 9, 2, 16, 0, 0, 1.0, 0.0);
    int32_t ev[MAXV];
    for (size_t i = 0; i < r.n; i++) ev[i] = -1;
    zs_factor_model *m = to_model(&r);
    CHECK(m != NULL);
    if (!m) return;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    o.i_bound = 3;
    zs_factor_approx_result free_run, fit, tight;
    CHECK_EQ_INT(zs_factor_lnz_approx(m, ev, ZS_APPROX_MBE, &o, &free_run), ZS_OK);
    o.max_bytes = 1e9;
    CHECK_EQ_INT(zs_factor_lnz_approx(m, ev, ZS_APPROX_MBE, &o, &fit), ZS_OK);
    CHECK(fit.lnz == free_run.lnz && fit.iterations == free_run.iterations);
    o.max_bytes = 64.0;
    CHECK_EQ_INT(zs_factor_lnz_approx(m, ev, ZS_APPROX_MBE, &o, &tight), ZS_ETOOBIG);
    o.max_bytes = -1.0;
    CHECK_EQ_INT(zs_factor_lnz_approx(m, ev, ZS_APPROX_MBE, &o, &tight), ZS_EINVAL);
    zs_factor_model_free(m);
}

static void trw_should_bound_from_above_and_be_exact_on_trees(void) {
    lcg_state = 15;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    o.max_iter = 20000;
    int checked = 0;
    const int trials = check_short_run() ? 60 : 200; /* the brute force is most of the time */
    for (int t = 0; t < trials; t++) {
        rmodel r;
        int tree = t % 4 == 0;
        make_model(&r, 3 + (size_t)(urand() * 8), t % 2 ? 3 : 2, 4 + (size_t)(urand() * 14), tree,
                   0, 1.0, t % 4 == 1 ? 0.2 : 0.0);
        int32_t ev[MAXV];
        for (size_t i = 0; i < r.n; i++) ev[i] = (t % 5 == 2 && urand() < 0.3) ? 1 : -1;
        double exact = brute_lnz(&r, ev);
        o.schedule = t % 3 == 0 ? ZS_SCHEDULE_PARALLEL : ZS_SCHEDULE_SEQUENTIAL;
        double err = check_side(&r, ev, ZS_APPROX_TRW, &o, exact);
        if (tree && !isnan(err)) CHECK(fabs(err) < 1e-7); /* rho = 1 on a tree: exact */
        checked += tree && !isnan(err);
    }
    /* check_side passes a refusal (EUNSUPPORTED) by: the trees, pairwise with nonzero Z, are
     * all solved. */
    CHECK_EQ_INT(checked, trials / 4);
}

/* Append a factor over k distinct variables (the first `first`, if not SIZE_MAX, the rest
 * drawn from [lo, r->n)), entries ln phi normal times scale, a fraction zeros of them 0. */
static void add_factor(rmodel *r, size_t k, size_t first, size_t lo, double scale, double zeros) {
    size_t f = r->nf++, size = 1;
    r->arity[f] = k;
    for (size_t a = 0; a < k; a++) {
        uint32_t v;
        int dup;
        do {
            v = a == 0 && first != SIZE_MAX ? (uint32_t)first
                                             : (uint32_t)(lo + (size_t)(urand() * (double)(r->n - lo)));
            dup = 0;
            for (size_t b = 0; b < a; b++) dup |= r->scope[f][b] == v;
        } while (dup);
        r->scope[f][a] = v;
        size *= r->dom[v];
    }
    for (size_t e = 0; e < size; e++) {
        double g = sqrt(-2.0 * log(1.0 - urand())) * cos(6.283185307179586 * urand());
        r->lnt[f][e] = urand() < zeros ? -HUGE_VAL : scale * g;
    }
}

/* TRW's value is a bound at every iterate, not only at convergence: run it for 1, 5 and 100
 * steps and check each value against the oracle (to rounding), and that more steps never
 * loosen it (the same pieces, the same path, the least bound kept). Returns the number of
 * models where it was a finite bound. */
static int trw_check_every_iterate(const rmodel *r, const int32_t *ev, double exact) {
    static const uint64_t iters[] = {1, 5, 100};
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    o.trees = 6;
    zs_factor_model *m = to_model(r);
    CHECK(m != NULL);
    if (!m) return 0;
    double prev = HUGE_VAL;
    int ok = 0;
    for (size_t i = 0; i < 3; i++) {
        o.max_iter = iters[i];
        zs_factor_approx_result res;
        zs_status st = zs_factor_lnz_approx(m, ev, ZS_APPROX_TRW, &o, &res);
        if (debug_level())
            printf("trw %llu: exact %.10f got %.10f st %d conv %d it %llu res %.3g\n",
                   (unsigned long long)o.max_iter, exact, st == ZS_OK ? res.lnz : (double)NAN, (int)st,
                   res.converged, (unsigned long long)res.iterations, res.residual);
        if (exact == -HUGE_VAL && st == ZS_ENUMERIC) continue; /* Z = 0 proved */
        CHECK_EQ_INT(st, ZS_OK);
        if (st != ZS_OK) break;
        CHECK(isfinite(res.lnz) && res.kind == ZS_BOUND_UPPER && res.iterations <= o.max_iter);
        CHECK(res.lnz >= exact - 1e-10 * (1.0 + fabs(res.lnz)));
        CHECK(res.lnz <= prev);
        prev = res.lnz;
        ok = 1;
    }
    zs_factor_model_free(m);
    return ok;
}

static void trw_should_bound_any_factor_model_at_every_iteration(void) {
    lcg_state = 21;
    int bounded = 0, zero = 0, loose = 0;
    const int trials = check_short_run() ? 48 : 160;
    for (int t = 0; t < trials; t++) {
        rmodel r;
        /* Pairwise loops, then factors of three and four variables over them; binary or
         * three-valued; zeros in a quarter of the models, evidence in a fifth. */
        make_model(&r, 4 + (size_t)(urand() * 5), t % 2 ? 3 : 2, 2 + (size_t)(urand() * 6), 0, 0,
                   t % 3 == 0 ? 2.0 : 1.0, t % 4 == 1 ? 0.25 : 0.0);
        for (size_t k = 0; k < (size_t)(t % 4); k++)
            add_factor(&r, 3 + (size_t)(urand() * 2), SIZE_MAX, 0, 1.0, t % 4 == 1 ? 0.25 : 0.0);
        int32_t ev[MAXV];
        for (size_t i = 0; i < r.n; i++) ev[i] = (t % 5 == 2 && urand() < 0.3) ? 1 : -1;
        double exact = brute_lnz(&r, ev);
        zero += exact == -HUGE_VAL;
        bounded += trw_check_every_iterate(&r, ev, exact);
        zs_factor_approx_opts o;
        zs_factor_approx_defaults(&o);
        double err = check_side(&r, ev, ZS_APPROX_TRW, &o, exact);
        loose += !isnan(err) && err > 1e-3;
    }
    /* most are loopy: the bound is not exact */
    CHECK(bounded > trials * 3 / 4 && zero > 0 && loose > trials * 3 / 8);
}

static void trw_should_be_exact_on_hypertrees(void) {
    lcg_state = 22;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    for (int t = 0; t < 60; t++) {
        /* Each factor joins one variable already placed to new ones: no cycle in the factor
         * graph, so every piece is the whole model. */
        rmodel r;
        memset(&r, 0, sizeof r);
        r.n = 4 + (size_t)(urand() * 7);
        for (size_t i = 0; i < r.n; i++) r.dom[i] = 2 + (uint32_t)(urand() * (t % 2 ? 2.0 : 1.0));
        size_t placed = 1;
        while (placed < r.n) {
            size_t k = 2 + (size_t)(urand() * 3);
            if (placed + k - 1 > r.n) k = r.n - placed + 1;
            size_t f = r.nf, first = (size_t)(urand() * (double)placed), size = r.dom[first];
            r.arity[f] = k;
            r.scope[f][0] = (uint32_t)first;
            for (size_t a = 1; a < k; a++) {
                r.scope[f][a] = (uint32_t)(placed + a - 1);
                size *= r.dom[placed + a - 1];
            }
            for (size_t e = 0; e < size; e++)
                r.lnt[f][e] = urand() < (t % 3 == 0 ? 0.2 : 0.0) ? -HUGE_VAL : 1.5 * (urand() - 0.5);
            r.nf++;
            placed += k - 1;
        }
        int32_t ev[MAXV];
        for (size_t i = 0; i < r.n; i++) ev[i] = (t % 4 == 3 && urand() < 0.3) ? 0 : -1;
        double exact = brute_lnz(&r, ev);
        double err = check_side(&r, ev, ZS_APPROX_TRW, &o, exact);
        if (!isnan(err)) CHECK(fabs(err) < 1e-9);
    }
}

static void trw_should_refuse_or_bound_deterministic_models(void) {
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    zs_factor_approx_result res;
    rmodel r;
    memset(&r, 0, sizeof r);
    r.n = 3;
    r.dom[0] = r.dom[1] = r.dom[2] = 2;
    /* x0 = x1, x1 = x2 (deterministic pairs) and a three-variable parity factor. */
    uint32_t pairs[2][2] = {{0, 1}, {1, 2}};
    for (size_t k = 0; k < 2; k++) {
        r.arity[r.nf] = 2;
        r.scope[r.nf][0] = pairs[k][0], r.scope[r.nf][1] = pairs[k][1];
        for (size_t e = 0; e < 4; e++) r.lnt[r.nf][e] = e == 0 || e == 3 ? 0.3 * (double)k : -HUGE_VAL;
        r.nf++;
    }
    r.arity[r.nf] = 3;
    r.scope[r.nf][0] = 0, r.scope[r.nf][1] = 1, r.scope[r.nf][2] = 2;
    for (size_t e = 0; e < 8; e++) r.lnt[r.nf][e] = __builtin_popcount((unsigned)e) % 2 ? -HUGE_VAL : 0.7;
    r.nf++;
    /* Even parity and all equal: only 000 survives, Z = e^0.3 e^0.7. */
    double exact = brute_lnz(&r, NULL);
    CHECK(fabs(exact - 1.0) < 1e-12);
    CHECK(trw_check_every_iterate(&r, NULL, exact));
    /* Not all equal instead: Z = 0, refused with ENUMERIC or bounded by a finite value. */
    for (size_t e = 0; e < 8; e++) r.lnt[2][e] = e == 0 || e == 7 ? -HUGE_VAL : 0.7;
    CHECK(brute_lnz(&r, NULL) == -HUGE_VAL);
    trw_check_every_iterate(&r, NULL, -HUGE_VAL);
    /* A factor that is zero everywhere: Z = 0, proved. */
    for (size_t e = 0; e < 8; e++) r.lnt[2][e] = -HUGE_VAL;
    zs_factor_model *m = to_model(&r);
    CHECK_EQ_INT(zs_factor_lnz_approx(m, NULL, ZS_APPROX_TRW, &o, &res), ZS_ENUMERIC);
    zs_factor_model_free(m);
}

/* ln Z of method on an L x L torus with coupling K (h = 0) minus the paramagnetic value
 * para(K): N ln 2 for mean field, N ln 2 + 2N ln cosh K for Bethe (the paramagnetic fixed point
 * is exact to high-temperature tree order). Nonzero where the method's fixed point orders. */
static double excess(zs_factor_approx method, size_t L, double K, const zs_factor_approx_opts *o,
                     zs_factor_approx_result *res) {
    zs_lattice_spec spec = {L, L, 1, 1, K, 0.0, NULL, NULL, NULL};
    zs_pairwise *p = NULL;
    zs_factor_model *m = NULL;
    double offset = 0.0;
    CHECK_EQ_INT(zs_pairwise_alloc_lattice(NULL, &spec, &p), ZS_OK);
    CHECK_EQ_INT(zs_pairwise_to_factor(p, 1.0, &m, &offset), ZS_OK);
    CHECK_EQ_INT(zs_factor_lnz_approx(m, NULL, method, o, res), ZS_OK);
    zs_factor_model_free(m);
    zs_pairwise_free(p);
    double N = (double)(L * L);
    double para = N * log(2.0) + (method == ZS_APPROX_MF ? 0.0 : 2.0 * N * log(cosh(K)));
    if (debug_level())
        printf("%s L=%zu K=%.4f excess %.6g conv %d it %llu\n", zs_factor_approx_name(method), L, K,
               res->lnz - offset - para, res->converged, (unsigned long long)res->iterations);
    return res->lnz - offset - para;
}

static void kikuchi_should_be_exact_on_strips_and_close_on_small_grids(void) {
    lcg_state = 16;
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    o.restarts = 1;
    o.max_iter = 5000;
    for (int t = 0; t < 12; t++) {
        rmodel r;
        /* A strip two sites wide: its plaquettes form a chain, where Kikuchi is exact. */
        make_grid(&r, 2, 2 + (size_t)(t % 5), 1.0);
        double exact = brute_lnz(&r, NULL);
        double err = check_side(&r, NULL, ZS_APPROX_GBP, &o, exact);
        CHECK(fabs(err) < 1e-7);
        /* 3 x 3 and 3 x 4 grids, moderate couplings: far closer than Bethe. */
        make_grid(&r, 3, 3 + (size_t)(t % 2), 0.4);
        exact = brute_lnz(&r, NULL);
        err = check_side(&r, NULL, ZS_APPROX_GBP, &o, exact);
        double bethe = check_side(&r, NULL, ZS_APPROX_BP, &o, exact);
        CHECK(fabs(err) < 1e-4 && fabs(err) < fabs(bethe));
    }
    /* Not a lattice: refused. */
    rmodel r;
    make_model(&r, 6, 2, 7, 0, 0, 1.0, 0.0);
    zs_factor_model *m = to_model(&r);
    zs_factor_approx_result res;
    CHECK_EQ_INT(zs_factor_lnz_approx(m, NULL, ZS_APPROX_GBP, &o, &res), ZS_EUNSUPPORTED);
    zs_factor_model_free(m);
}

/* On a square torus TRW's pieces are the 2n translated combs, so every bond has the uniform
 * weight rho = (n - 1)/2n; with h = 0 the symmetric split is optimal (convexity and the
 * lattice's symmetry), each piece a tree of couplings K/rho:
 *     B = n ln 2 + (n - 1) ln cosh(K / rho),
 * at K = 0.2 and at Onsager's K_c alike. Random couplings and fields on a 3 x 3 torus: a
 * bound at every iterate against brute force. */
static void trw_should_give_the_uniform_weight_bound_on_tori(void) {
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    zs_factor_approx_result res;
    const double ks[] = {0.2, 0.5 * log(1.0 + sqrt(2.0))};
    for (size_t L = 4; L <= 16; L += 12)
        for (size_t i = 0; i < 2; i++) {
            double N = (double)(L * L), K = ks[i], rho = (N - 1.0) / (2.0 * N);
            double got = excess(ZS_APPROX_TRW, L, K, &o, &res) + N * log(2.0) + 2.0 * N * log(cosh(K));
            double want = N * log(2.0) + (N - 1.0) * log(cosh(K / rho));
            CHECK(fabs(got - want) < 1e-9 * want && res.converged && res.kind == ZS_BOUND_UPPER);
        }
    lcg_state = 23;
    for (int t = 0; t < 20; t++) {
        rmodel r;
        make_grid(&r, 3, 3, t % 2 ? 1.5 : 0.5);
        for (size_t row = 0; row < 3; row++) /* the wrapping bonds */
            add_factor(&r, 2, row * 3, row * 3 + 2, t % 2 ? 1.5 : 0.5, 0.0),
                r.scope[r.nf - 1][1] = (uint32_t)(row * 3 + 2);
        for (size_t col = 0; col < 3; col++)
            add_factor(&r, 2, col, 6 + col, t % 2 ? 1.5 : 0.5, 0.0),
                r.scope[r.nf - 1][1] = (uint32_t)(6 + col);
        double exact = brute_lnz(&r, NULL);
        CHECK(trw_check_every_iterate(&r, NULL, exact));
    }
}

/* Open R x C grids: the R + C combs (each row's path joined by one column, or each column's by
 * one row) put a row bond in C + 1 of them and a column bond in R + 1. With no field a tree's
 * ln Z is n ln 2 + sum_e ln cosh theta_e, separable over bonds, so the optimal split is
 * theta_e = K / rho_e in every piece holding e (Jensen) and the bound is
 *     n ln 2 + R (C - 1) rho_h ln cosh(K / rho_h) + C (R - 1) rho_v ln cosh(K / rho_v),
 * rho_h = (C + 1)/(R + C), rho_v = (R + 1)/(R + C). Random open grids: a bound at every
 * iterate against brute force. */
static void trw_should_give_the_comb_bound_on_open_grids(void) {
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    o.max_iter = 5000;
    static const size_t dims[][2] = {{3, 3}, {3, 5}, {6, 4}};
    for (size_t g = 0; g < 3; g++)
        for (size_t i = 0; i < 2; i++) {
            size_t R = dims[g][0], C = dims[g][1];
            double K = i ? 0.8 : 0.3, N = (double)(R * C);
            zs_lattice_spec spec = {R, C, 0, 0, K, 0.0, NULL, NULL, NULL};
            zs_pairwise *p = NULL;
            zs_factor_model *m = NULL;
            double offset = 0.0;
            zs_factor_approx_result res;
            CHECK_EQ_INT(zs_pairwise_alloc_lattice(NULL, &spec, &p), ZS_OK);
            CHECK_EQ_INT(zs_pairwise_to_factor(p, 1.0, &m, &offset), ZS_OK);
            CHECK_EQ_INT(zs_factor_lnz_approx(m, NULL, ZS_APPROX_TRW, &o, &res), ZS_OK);
            double rh = (double)(C + 1) / (double)(R + C), rv = (double)(R + 1) / (double)(R + C);
            double want = N * log(2.0) + (double)(R * (C - 1)) * rh * log(cosh(K / rh)) +
                          (double)(C * (R - 1)) * rv * log(cosh(K / rv));
            double got = res.lnz - offset;
            if (debug_level()) printf("open %zux%zu K=%g got %.12f want %.12f\n", R, C, K, got, want);
            CHECK(fabs(got - want) < 1e-8 * want && res.converged && res.kind == ZS_BOUND_UPPER);
            zs_factor_model_free(m);
            zs_pairwise_free(p);
        }
    lcg_state = 29;
    for (int t = 0; t < 20; t++) {
        rmodel r;
        make_grid(&r, 3, 3 + (size_t)(t % 2), t % 2 ? 1.5 : 0.5);
        double exact = brute_lnz(&r, NULL);
        CHECK(trw_check_every_iterate(&r, NULL, exact));
    }
}

/* A torus whose couplings differ from bond to bond (no field) takes the 2L diagonal
 * translates of the combs: a bond is in L of them, or in L - 1 when it is a row bond at
 * column row - 1 or a column bond at row column - 1 (mod L). With no field the optimal split is
 * J_e / rho_e in every piece holding e, so the bound is n ln 2 + sum_e rho_e ln cosh(J_e /
 * rho_e) with rho_e = count_e / 2L: this checks the pieces' weights bond by bond. */
static void trw_should_give_the_diagonal_comb_bound_on_disordered_tori(void) {
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    lcg_state = 31;
    for (size_t L = 4; L <= 7; L += 3) {
        double jh[64], jv[64], want = (double)(L * L) * log(2.0);
        for (size_t s = 0; s < L * L; s++) {
            size_t row = s / L, col = s % L;
            jh[s] = 1.5 * (urand() - 0.5), jv[s] = 1.5 * (urand() - 0.5);
            double rh = (double)(L - 1 + (col != (row + L - 1) % L)) / (double)(2 * L);
            double rv = (double)(L - 1 + (row != (col + L - 1) % L)) / (double)(2 * L);
            want += rh * log(cosh(jh[s] / rh)) + rv * log(cosh(jv[s] / rv));
        }
        zs_lattice_spec spec = {L, L, 1, 1, 0.0, 0.0, jh, jv, NULL};
        zs_pairwise *p = NULL;
        zs_factor_model *m = NULL;
        double offset = 0.0;
        zs_factor_approx_result res;
        CHECK_EQ_INT(zs_pairwise_alloc_lattice(NULL, &spec, &p), ZS_OK);
        CHECK_EQ_INT(zs_pairwise_to_factor(p, 1.0, &m, &offset), ZS_OK);
        CHECK_EQ_INT(zs_factor_lnz_approx(m, NULL, ZS_APPROX_TRW, &o, &res), ZS_OK);
        double got = res.lnz - offset;
        if (debug_level()) printf("diag torus %zu got %.12f want %.12f\n", L, got, want);
        CHECK(fabs(got - want) < 1e-9 * want && res.converged && res.kind == ZS_BOUND_UPPER);
        zs_factor_model_free(m);
        zs_pairwise_free(p);
    }
}

static void critical_points_should_match_closed_forms(void) {
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    o.max_iter = 5000;
    zs_factor_approx_result res;
    /* Mean field: m = tanh(4 K m) orders at K_c = 1/4 (T_c = 4). */
    double lo = excess(ZS_APPROX_MF, 16, 0.245, &o, &res);
    CHECK(res.converged && fabs(lo) < 1e-6);
    double hi = excess(ZS_APPROX_MF, 16, 0.255, &o, &res);
    CHECK(res.converged && hi > 1e-3);
    /* Bethe: the paramagnetic fixed point loses stability at tanh K = 1/(z - 1) = 1/3,
     * K_c = atanh(1/3) = ln(2)/2 = 0.34657. */
    lo = excess(ZS_APPROX_BP, 16, 0.5 * log(2.0) - 0.01, &o, &res);
    CHECK(res.converged && fabs(lo) < 1e-6);
    hi = excess(ZS_APPROX_BP, 16, 0.5 * log(2.0) + 0.01, &o, &res);
    CHECK(res.converged && hi > 1e-3);
    /* The square cluster variation method (plaquettes) orders at K_c = 0.41226 (T_c =
     * 2.4257; Kikuchi 1951). A translation-invariant fixed point of a torus is the infinite
     * lattice's, so a 4 x 4 torus suffices: from the symmetric start and from an ordered one,
     * the largest ln Z is the symmetric start's below K_c and larger above it. */
    o.restarts = 1;
    o.damping = 0.0;
    o.max_iter = 20000;
    zs_factor_approx_opts sym = o;
    sym.restarts = 0;
    zs_factor_approx_result rs;
    lo = excess(ZS_APPROX_GBP, 4, 0.40, &o, &res) - excess(ZS_APPROX_GBP, 4, 0.40, &sym, &rs);
    CHECK(res.converged && rs.converged && fabs(lo) < 1e-9);
    hi = excess(ZS_APPROX_GBP, 4, 0.43, &o, &res) - excess(ZS_APPROX_GBP, 4, 0.43, &sym, &rs);
    CHECK(res.converged && rs.converged && hi > 1e-2);
}

int main(void) {
    RUN(mean_field_should_be_a_lower_bound_on_random_models);
    RUN(bp_should_be_exact_on_trees);
    RUN(bp_should_be_close_on_loopy_models_and_refuse_proved_zeros);
    RUN(mini_buckets_should_bound_from_above_and_be_exact_with_a_large_i_bound);
    RUN(mini_bucket_passes_should_only_tighten_the_bound);
    RUN(mini_buckets_should_respect_max_bytes);
    RUN(trw_should_bound_from_above_and_be_exact_on_trees);
    RUN(trw_should_bound_any_factor_model_at_every_iteration);
    RUN(trw_should_be_exact_on_hypertrees);
    RUN(trw_should_refuse_or_bound_deterministic_models);
    RUN(trw_should_give_the_uniform_weight_bound_on_tori);
    RUN(trw_should_give_the_comb_bound_on_open_grids);
    RUN(trw_should_give_the_diagonal_comb_bound_on_disordered_tori);
    RUN(kikuchi_should_be_exact_on_strips_and_close_on_small_grids);
    RUN(critical_points_should_match_closed_forms);
    return check_summary("test_approx");
}
