/* test_search.c — exact ln Z by search (lib/exact/search*.c) against a brute force written
 * here (every assignment consistent with the evidence, in linear space) on random
 * deterministic models: CNF-like binary ones, 3-valued constraints with constants, literal
 * weights, evidence, unsatisfiable ones, ones that split into components; against variable
 * elimination on larger random ones; the cache limit, the refusals and the limits. */
#include "check.h"
#include "zsum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXV 14
#define MAXF 80

#include "rmodel.h"

/* A constraint over `arity` random distinct variables: each entry 0 with probability pzero
 * (a clause when binary with exactly one zero: clause != 0), else the constant c. */
static void add_constraint(zs_rng *rng, rmodel *r, size_t arity, int clause, double pzero, double c) {
    size_t f = r->nf++;
    r->arity[f] = arity;
    for (size_t k = 0; k < arity; k++) {
        uint32_t v;
        int again;
        do {
            v = (uint32_t)zs_rng_below(rng, r->n);
            again = 0;
            for (size_t j = 0; j < k; j++) again |= r->scope[f][j] == v;
        } while (again);
        r->scope[f][k] = v;
    }
    size_t size = 1;
    for (size_t k = 0; k < arity; k++) size *= r->dom[r->scope[f][k]];
    r->val[f] = malloc(size * sizeof *r->val[f]);
    size_t zero = (size_t)zs_rng_below(rng, size);
    for (size_t e = 0; e < size; e++)
        r->val[f][e] = clause ? (e == zero ? 0.0 : c) : (zs_rng_uniform(rng) < pzero ? 0.0 : c);
}

/* A unary factor of random positive weights (a zero with probability pzero). */
static void add_weight(zs_rng *rng, rmodel *r, uint32_t v, double pzero) {
    size_t f = r->nf++;
    r->arity[f] = 1;
    r->scope[f][0] = v;
    r->val[f] = malloc(r->dom[v] * sizeof *r->val[f]);
    for (uint32_t a = 0; a < r->dom[v]; a++)
        r->val[f][a] = zs_rng_uniform(rng) < pzero ? 0.0 : exp(1.5 * (zs_rng_uniform(rng) - 0.5));
}

/* ln of the brute-force sum (-HUGE_VAL for Z = 0). */
static double brute_lnz(const rmodel *r, const int32_t *ev) {
    uint32_t x[MAXV];
    double z = 0.0;
    rmodel_first(r, ev, x);
    do z += rmodel_weight(r, x);
    while (rmodel_next(r, ev, x));
    return z > 0.0 ? log(z) : -HUGE_VAL;
}

/* A random model of the search class: n variables of 2 (maxdom 2) or 2..maxdom values,
 * constraints (clauses when binary and `clauses`), unary weights on some variables. */
static void random_model(zs_rng *rng, size_t n, size_t ncons, uint32_t maxdom, int clauses, rmodel *r) {
    memset(r, 0, sizeof *r);
    r->n = n;
    for (size_t i = 0; i < n; i++) r->dom[i] = maxdom == 2 ? 2 : 2 + (uint32_t)zs_rng_below(rng, maxdom - 1);
    for (size_t k = 0; k < ncons && r->nf < MAXF - MAXV; k++) {
        size_t arity = 2 + (size_t)zs_rng_below(rng, n < 4 ? n - 1 : 3);
        double c = zs_rng_below(rng, 3) ? 1.0 : exp(zs_rng_uniform(rng) * 2.0 - 1.0);
        add_constraint(rng, r, arity, clauses, 0.3, c);
    }
    for (uint32_t v = 0; v < n; v++)
        if (zs_rng_below(rng, 3) == 0) add_weight(rng, r, v, 0.1);
}

static double search_lnz(const zs_factor_model *m, const int32_t *ev, const zs_factor_search_opts *o,
                         zs_factor_search_stats *stats, zs_status *st) {
    double lnz = 0.0;
    *st = zs_factor_lnz_search(m, ev, o, &lnz, stats);
    return lnz;
}

static int learned_models; /* models on which check_random's search learned a clause */

static void check_random_opts(uint64_t seed, uint32_t maxdom, int clauses, const zs_factor_search_opts *o, int *zeros,
                              int *split) {
    zs_rng rng;
    zs_rng_init(&rng, seed, 3);
    for (int trial = 0; trial < 300; trial++) {
        rmodel r;
        size_t n = 2 + (size_t)zs_rng_below(&rng, maxdom == 2 ? MAXV - 1 : 8);
        random_model(&rng, n, (size_t)zs_rng_below(&rng, 3 * n), maxdom, clauses, &r);
        int32_t ev[MAXV];
        for (size_t i = 0; i < n; i++)
            ev[i] = trial % 3 == 2 && zs_rng_below(&rng, 4) == 0 ? (int32_t)zs_rng_below(&rng, r.dom[i]) : -1;
        zs_factor_model *m = to_model(&r);
        CHECK(m != NULL);
        zs_status st;
        zs_factor_search_stats stats;
        double got = search_lnz(m, trial % 3 == 2 ? ev : NULL, o, &stats, &st);
        double want = brute_lnz(&r, trial % 3 == 2 ? ev : NULL);
        CHECK(st == ZS_OK);
        if (want == -HUGE_VAL) CHECK(got == -HUGE_VAL), ++*zeros;
        else CHECK_REL(got, want, 1e-12);
        *split += stats.max_depth > 1 && stats.components > 1;
        learned_models += stats.learned > 0;
        if (o && !o->learn) CHECK(stats.learned == 0);
        zs_factor_model_free(m);
        rmodel_free(&r);
    }
}

/* With the defaults (clause learning on). */
static void check_random(uint64_t seed, uint32_t maxdom, int clauses, int *zeros, int *split) {
    check_random_opts(seed, maxdom, clauses, NULL, zeros, split);
}

static void search_should_match_brute_force_on_random_cnfs(void) {
    int zeros = 0, split = 0;
    check_random(11, 2, 1, &zeros, &split);
    printf("  %d of 300 unsatisfiable, %d with nested components\n", zeros, split);
    CHECK(zeros > 5 && zeros < 250);
    CHECK(split > 20);
}

static void search_should_match_brute_force_on_binary_constraints(void) {
    int zeros = 0, split = 0;
    check_random(12, 2, 0, &zeros, &split);
    CHECK(zeros > 5);
}

static void search_should_match_brute_force_on_multivalued_constraints(void) {
    int zeros = 0, split = 0;
    check_random(13, 4, 0, &zeros, &split);
    printf("  3- and 4-valued: %d of 300 zero\n", zeros);
    CHECK(zeros > 5 && zeros < 250);
}

/* Clause learning and the branching by activity change no count: the random models above
 * with learning but the clause score alone and with no learning, and with the defaults the
 * learned clauses did arise (multi-valued variables included). */
static void search_should_count_the_same_without_learning(void) {
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    CHECK(o.learn == 1);
    int zeros = 0, split = 0;
    learned_models = 0;
    check_random(13, 4, 0, &zeros, &split);
    printf("  with learning: clauses learned on %d of 300 multi-valued models\n", learned_models);
    CHECK(learned_models > 20);
    o.activity = 0;
    for (uint64_t seed = 11; seed <= 13; seed++) check_random_opts(seed, seed == 13 ? 4 : 2, seed == 11, &o, &zeros, &split);
    o.learn = 0;
    for (uint64_t seed = 11; seed <= 13; seed++) check_random_opts(seed, seed == 13 ? 4 : 2, seed == 11, &o, &zeros, &split);
}

/* The pigeonhole formula: P pigeons, P - 1 holes, p(i, h) = pigeon i sits in hole h; each
 * pigeon somewhere (a clause of P - 1 literals), no two in one hole (binary clauses). It has
 * no model, and every proof by search refutes the same small cores again and again: learned
 * clauses refute them once. */
static zs_factor_model *pigeonhole(uint32_t P) {
    uint32_t H = P - 1, n = P * H, dom[64];
    for (uint32_t i = 0; i < n; i++) dom[i] = 2;
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(NULL, n, dom, &m) == ZS_OK);
    double t[64];
    for (uint32_t i = 0; i < P; i++) {
        uint32_t sc[8];
        for (uint32_t h = 0; h < H; h++) sc[h] = i * H + h;
        for (size_t e = 0; e < (1u << H); e++) t[e] = e == 0 ? 0.0 : 1.0; /* all of them 0 */
        CHECK(zs_factor_model_add(m, H, sc, t, 0) == ZS_OK);
    }
    for (uint32_t h = 0; h < H; h++)
        for (uint32_t i = 0; i < P; i++)
            for (uint32_t j = i + 1; j < P; j++) {
                uint32_t sc[2] = {i * H + h, j * H + h};
                double b[4] = {1.0, 1.0, 1.0, 0.0};
                CHECK(zs_factor_model_add(m, 2, sc, b, 0) == ZS_OK);
            }
    return m;
}

static void search_should_prune_with_learned_clauses(void) {
    uint64_t dec[2] = {0, 0};
    for (uint32_t P = 5; P <= 7; P++) {
        zs_factor_model *m = pigeonhole(P);
        for (int learn = 0; learn < 2; learn++) {
            zs_factor_search_opts o;
            zs_factor_search_defaults(&o);
            o.learn = learn;
            o.activity = 0; /* the same branching rule both ways */
            zs_factor_search_stats stats;
            zs_status st;
            double lnz = search_lnz(m, NULL, &o, &stats, &st);
            CHECK(st == ZS_OK);
            CHECK(lnz == -HUGE_VAL);
            dec[learn] += stats.decisions;
            CHECK(learn ? stats.learned > 0 : stats.learned == 0);
        }
        zs_factor_model_free(m);
    }
    printf("  pigeonhole 5..7: %llu decisions without learning, %llu with\n", (unsigned long long)dec[0],
           (unsigned long long)dec[1]);
    CHECK(2 * dec[1] < dec[0]);
}

/* Two copies of a satisfiable block on disjoint variables: Z multiplies. */
static void search_should_multiply_independent_components(void) {
    zs_rng rng;
    zs_rng_init(&rng, 21, 1);
    rmodel r;
    memset(&r, 0, sizeof r);
    r.n = 12;
    for (size_t i = 0; i < r.n; i++) r.dom[i] = 2;
    for (size_t block = 0; block < 2; block++)
        for (size_t k = 0; k < 7; k++) {
            size_t f = r.nf;
            add_constraint(&rng, &r, 3, 1, 0.0, 1.0);
            for (size_t j = 0; j < 3; j++) r.scope[f][j] = (uint32_t)(6 * block + (k + 2 * j) % 6);
        }
    zs_factor_model *m = to_model(&r);
    zs_status st;
    zs_factor_search_stats stats;
    double got = search_lnz(m, NULL, NULL, &stats, &st);
    CHECK(st == ZS_OK);
    CHECK_REL(got, brute_lnz(&r, NULL), 1e-13);
    CHECK(stats.components >= 2);
    zs_factor_model_free(m);
    rmodel_free(&r);
}

/* Larger random CNFs (20 to 35 variables, beyond brute force): elimination's value. */
static void search_should_match_elimination_on_larger_models(void) {
    zs_rng rng;
    zs_rng_init(&rng, 31, 2);
    int hits = 0;
    for (int trial = 0; trial < 40; trial++) {
        size_t n = 20 + (size_t)zs_rng_below(&rng, 16);
        uint32_t dom[64];
        for (size_t i = 0; i < n; i++) dom[i] = trial % 4 == 3 ? 3 : 2;
        zs_factor_model *m = NULL;
        CHECK(zs_factor_model_alloc(NULL, n, dom, &m) == ZS_OK);
        size_t ncl = n + (size_t)zs_rng_below(&rng, n);
        for (size_t k = 0; k < ncl; k++) {
            /* local clauses (variables within a window of 8) keep the width low */
            uint32_t s0 = (uint32_t)zs_rng_below(&rng, n - 8), scope[3] = {s0, s0 + 1 + (uint32_t)zs_rng_below(&rng, 3),
                                                                      s0 + 4 + (uint32_t)zs_rng_below(&rng, 4)};
            double t[27];
            size_t size = (size_t)dom[0] * dom[0] * dom[0], z = (size_t)zs_rng_below(&rng, size);
            for (size_t e = 0; e < size; e++) t[e] = e == z || (dom[0] == 3 && zs_rng_below(&rng, 5) == 0) ? 0.0 : 1.0;
            CHECK(zs_factor_model_add(m, 3, scope, t, 0) == ZS_OK);
        }
        for (uint32_t v = 0; v < n; v += 3) {
            double w[3] = {0.3 + zs_rng_uniform(&rng), 0.7 + zs_rng_uniform(&rng), 1.1};
            CHECK(zs_factor_model_add(m, 1, &v, w, 0) == ZS_OK);
        }
        zs_factor_plan *p = NULL;
        double ve = 0.0;
        CHECK(zs_factor_plan_alloc(m, NULL, ZS_ORDER_AUTO, &p) == ZS_OK);
        CHECK(zs_factor_lnz(m, NULL, p, 0.0, &ve) == ZS_OK);
        zs_status st;
        zs_factor_search_stats stats;
        double got = search_lnz(m, NULL, NULL, &stats, &st);
        CHECK(st == ZS_OK);
        CHECK_REL(got, ve, 1e-11);
        hits += stats.cache_hits > 0;
        zs_factor_plan_free(p);
        zs_factor_model_free(m);
    }
    printf("  %d of 40 models used the cache\n", hits);
    CHECK(hits > 10);
}

/* A tiny cache: nothing or little stored, the same count. */
static void search_should_stay_exact_with_a_full_cache(void) {
    zs_rng rng;
    zs_rng_init(&rng, 41, 1);
    rmodel r;
    random_model(&rng, 14, 20, 2, 1, &r);
    zs_factor_model *m = to_model(&r);
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    o.max_bytes = 100.0;
    zs_status st;
    zs_factor_search_stats stats;
    double got = search_lnz(m, NULL, &o, &stats, &st);
    CHECK(st == ZS_OK);
    CHECK_REL(got, brute_lnz(&r, NULL), 1e-12);
    CHECK(stats.cache_full == 1 && stats.cache_entries == 0);
    zs_factor_model_free(m);
    rmodel_free(&r);
}

/* Contradictions: an all-zero constraint, an impossible evidence, x = y and x != y. */
static void search_should_give_minus_infinity_for_no_model(void) {
    uint32_t dom[3] = {2, 2, 3}, s01[2] = {0, 1}, s12[2] = {1, 2};
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(NULL, 3, dom, &m) == ZS_OK);
    double eq[4] = {1, 0, 0, 1}, ne[4] = {0, 1, 1, 0};
    CHECK(zs_factor_model_add(m, 2, s01, eq, 0) == ZS_OK);
    double lnz = 0.0;
    CHECK(zs_factor_lnz_search(m, NULL, NULL, &lnz, NULL) == ZS_OK);
    CHECK_REL(lnz, log(6.0), 1e-15);
    int32_t ev[3] = {0, -1, 2};
    double zero_y[6] = {1, 1, 0, 1, 1, 1}; /* y = 0 with z = 2 is forbidden */
    CHECK(zs_factor_model_add(m, 2, s12, zero_y, 0) == ZS_OK);
    CHECK(zs_factor_lnz_search(m, ev, NULL, &lnz, NULL) == ZS_OK);
    CHECK(lnz == -HUGE_VAL);
    CHECK(zs_factor_model_add(m, 2, s01, ne, 0) == ZS_OK);
    CHECK(zs_factor_lnz_search(m, NULL, NULL, &lnz, NULL) == ZS_OK);
    CHECK(lnz == -HUGE_VAL);
    zs_factor_model_free(m);
}

static void search_should_refuse_what_it_cannot_count(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint32_t dom[3] = {2, 2, 2}, s01[2] = {0, 1}, s12[2] = {1, 2};
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(ctx, 3, dom, &m) == ZS_OK);
    double ok[4] = {2.5, 2.5, 0, 2.5}, soft[4] = {1, 2, 0, 1};
    CHECK(zs_factor_model_add(m, 2, s01, ok, 0) == ZS_OK);
    CHECK(zs_factor_search_check(m) == ZS_OK);
    CHECK(zs_factor_model_add(m, 2, s12, soft, 0) == ZS_OK);
    CHECK(zs_factor_search_check(m) == ZS_EUNSUPPORTED);
    CHECK(strstr(zs_last_error(ctx), "factor 1") != NULL);
    double lnz = 7.0;
    CHECK(zs_factor_lnz_search(m, NULL, NULL, &lnz, NULL) == ZS_EUNSUPPORTED);
    CHECK(lnz == 7.0);
    zs_factor_model_free(m);
    CHECK(zs_factor_model_alloc(ctx, 3, dom, &m) == ZS_OK);
    CHECK(zs_factor_model_add(m, 2, s01, ok, 0) == ZS_OK);
    int32_t bad[3] = {-1, 2, -1};
    CHECK(zs_factor_lnz_search(m, bad, NULL, &lnz, NULL) == ZS_EINVAL);
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    o.max_bytes = 0.0;
    CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, NULL) == ZS_EINVAL);
    CHECK(zs_factor_lnz_search(NULL, NULL, NULL, &lnz, NULL) == ZS_EINVAL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

/* A chain of n 3-valued variables with x_i != x_{i+1}: the proper 3-colourings of a path,
 * 3 * 2^(n-1) of them. */
static zs_factor_model *colouring_chain(zs_ctx *ctx, uint32_t n) {
    uint32_t dom[64];
    for (uint32_t i = 0; i < n; i++) dom[i] = 3;
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(ctx, n, dom, &m) == ZS_OK);
    const double ne[9] = {0, 1, 1, 1, 0, 1, 1, 1, 0};
    for (uint32_t i = 0; i + 1 < n; i++) {
        uint32_t s[2] = {i, i + 1};
        CHECK(zs_factor_model_add(m, 2, s, ne, 0) == ZS_OK);
    }
    return m;
}

/* max_decisions stops a search that needs more. */
static void search_should_stop_at_its_limits(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    enum { N = 40 };
    zs_factor_model *m = colouring_chain(ctx, N);
    double lnz = 0.0;
    zs_factor_search_stats stats;
    CHECK(zs_factor_lnz_search(m, NULL, NULL, &lnz, &stats) == ZS_OK);
    CHECK_REL(lnz, log(3.0) + (N - 1) * log(2.0), 1e-14); /* 3 * 2^(N-1) colourings */
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    o.max_decisions = 4096;
    o.max_bytes = 1000.0; /* no cache: the path count grows as 2^depth */
    CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, &stats) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "decisions") != NULL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

/* The progress hook: parts done within [0, 1], not going back; a nonzero return stops. */
static int hook_calls, hook_bad, hook_stop_after;
static double hook_last;
static int hook(void *user, const char *task, double done, double total) {
    (void)user;
    hook_bad += strcmp(task, "search") != 0 || total != 1.0 || !(done >= 0.0 && done <= 1.0) ||
                done < hook_last - 1e-12;
    hook_last = done;
    return ++hook_calls == hook_stop_after;
}

static void search_should_report_progress_and_stop_on_request(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    enum { N = 24 };
    zs_factor_model *m = colouring_chain(ctx, N);
    zs_ctx_set_progress(ctx, hook, NULL);
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    o.max_bytes = 1000.0; /* no cache: 3 * 2^... paths, many calls */
    double lnz = 0.0;
    zs_factor_search_stats stats;
    hook_calls = hook_bad = 0, hook_last = 0.0, hook_stop_after = 0;
    CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, &stats) == ZS_OK);
    CHECK_REL(lnz, log(3.0) + (N - 1) * log(2.0), 1e-14);
    printf("  %d progress calls over %llu decisions, last part %.3f\n", hook_calls,
           (unsigned long long)stats.decisions, hook_last);
    CHECK(hook_calls > 10 && hook_bad == 0 && hook_last > 0.9);
    hook_calls = hook_bad = 0, hook_last = 0.0, hook_stop_after = 5;
    CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, &stats) == ZS_ECANCELLED);
    CHECK(hook_calls == 5 && strstr(zs_last_error(ctx), "progress hook") != NULL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

static void exact_method_names_should_round_trip(void) {
    zs_factor_exact e;
    CHECK(zs_factor_exact_from_name("search", &e) == ZS_OK && e == ZS_EXACT_SEARCH);
    CHECK(!strcmp(zs_factor_exact_name(ZS_EXACT_ELIM), "elim"));
    CHECK(!strcmp(zs_factor_exact_name(ZS_EXACT_AUTO), "auto"));
    CHECK(zs_factor_exact_from_name("dpll", &e) == ZS_EINVAL);
}

int main(void) {
    RUN(search_should_match_brute_force_on_random_cnfs);
    RUN(search_should_match_brute_force_on_binary_constraints);
    RUN(search_should_match_brute_force_on_multivalued_constraints);
    RUN(search_should_count_the_same_without_learning);
    RUN(search_should_prune_with_learned_clauses);
    RUN(search_should_multiply_independent_components);
    RUN(search_should_match_elimination_on_larger_models);
    RUN(search_should_stay_exact_with_a_full_cache);
    RUN(search_should_give_minus_infinity_for_no_model);
    RUN(search_should_refuse_what_it_cannot_count);
    RUN(search_should_stop_at_its_limits);
    RUN(search_should_report_progress_and_stop_on_request);
    RUN(exact_method_names_should_round_trip);
    return check_summary("test_search");
}
