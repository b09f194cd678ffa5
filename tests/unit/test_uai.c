/* test_uai.c — factor models, the UAI reader/writer and variable elimination, each checked
 * against an independent source: brute-force enumeration written here (linear space, every
 * assignment), closed forms, and hand-computed tables. */
#include "check.h"
#include "zsum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a random model kept in plain arrays for the brute force ---------------------------- */

#define MAXV 18
#define MAXF 200

#include "rmodel.h"

/* Z by visiting every assignment consistent with the evidence: the oracle. */
static double brute_lnz(const rmodel *r, const int32_t *ev) {
    uint32_t x[MAXV];
    double z = 0.0;
    rmodel_first(r, ev, x);
    do z += rmodel_weight(r, x);
    while (rmodel_next(r, ev, x));
    return log(z);
}

static void random_model(zs_rng *rng, size_t n, size_t nf, uint32_t maxdom, double pzero,
                         rmodel *r) {
    memset(r, 0, sizeof *r);
    r->n = n;
    r->nf = nf;
    for (size_t i = 0; i < n; i++) r->dom[i] = 1 + (uint32_t)zs_rng_below(rng, maxdom);
    for (size_t f = 0; f < nf; f++) {
        size_t a = (size_t)zs_rng_below(rng, 4); /* 0..3 */
        if (a > n) a = n;
        r->arity[f] = a;
        size_t size = 1;
        for (size_t k = 0; k < a; k++) {
            uint32_t v;
            int dup;
            do {
                v = (uint32_t)zs_rng_below(rng, n);
                dup = 0;
                for (size_t l = 0; l < k; l++) dup |= r->scope[f][l] == v;
            } while (dup);
            r->scope[f][k] = v;
            size *= r->dom[v];
        }
        r->val[f] = malloc(size * sizeof(double));
        for (size_t e = 0; e < size; e++)
            r->val[f][e] = zs_rng_uniform(rng) < pzero ? 0.0 : 0.2 + 2.385 * zs_rng_uniform(rng);
    }
}

static double elim_lnz(const zs_factor_model *m, const int32_t *ev, zs_factor_order h) {
    zs_factor_plan *p = NULL;
    double lnz = (double)NAN;
    if (zs_factor_plan_alloc(m, ev, h, &p) != ZS_OK) return (double)NAN;
    if (zs_factor_lnz(m, ev, p, 0.0, &lnz) != ZS_OK) lnz = (double)NAN;
    zs_factor_plan_free(p);
    return lnz;
}

/* Equal as ln Z: both -inf, or close. */
static int same_lnz(double got, double want, double tol) {
    if (want == -HUGE_VAL || got == -HUGE_VAL) return got == want;
    return fabs(got - want) <= tol * (fabs(want) > 1.0 ? fabs(want) : 1.0);
}

static void elimination_should_match_brute_force_on_random_models(void) {
    zs_rng rng;
    zs_rng_init(&rng, 2385, 1);
    const zs_factor_order rules[] = {ZS_ORDER_MINFILL, ZS_ORDER_MINDEGREE,
                                     ZS_ORDER_WEIGHTED_MINFILL, ZS_ORDER_FILE, ZS_ORDER_AUTO};
    int zeros_seen = 0;
    for (int trial = 0; trial < 300; trial++) {
        rmodel r;
        size_t n = 1 + (size_t)zs_rng_below(&rng, 8);
        size_t nf = (size_t)zs_rng_below(&rng, 12);
        double pzero = trial % 3 == 0 ? 0.45 : 0.1;
        random_model(&rng, n, nf, 3, pzero, &r);
        int32_t ev[MAXV];
        int use_ev = trial % 2;
        for (size_t i = 0; i < n; i++)
            ev[i] = use_ev && zs_rng_uniform(&rng) < 0.3 ? (int32_t)zs_rng_below(&rng, r.dom[i]) : -1;
        zs_factor_model *m = to_model(&r);
        CHECK(m != NULL);
        if (!m) {
            rmodel_free(&r);
            continue;
        }
        double want = brute_lnz(&r, use_ev ? ev : NULL);
        zeros_seen += want == -HUGE_VAL;
        for (size_t h = 0; h < sizeof rules / sizeof rules[0]; h++) {
            double got = elim_lnz(m, use_ev ? ev : NULL, rules[h]);
            if (!same_lnz(got, want, 1e-12)) {
                printf("trial %d rule %zu: got %.17g want %.17g\n", trial, h, got, want);
                CHECK(0);
            } else {
                CHECK(1);
            }
        }
        /* A random order given explicitly. */
        size_t ord[MAXV];
        for (size_t i = 0; i < n; i++) ord[i] = i;
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)zs_rng_below(&rng, i), t = ord[i - 1];
            ord[i - 1] = ord[j];
            ord[j] = t;
        }
        zs_factor_plan *p = NULL;
        double got = (double)NAN;
        CHECK(zs_factor_plan_from_order(m, use_ev ? ev : NULL, ord, n, &p) == ZS_OK);
        if (p) CHECK(zs_factor_lnz(m, use_ev ? ev : NULL, p, 0.0, &got) == ZS_OK);
        CHECK(same_lnz(got, want, 1e-12));
        zs_factor_plan_free(p);
        zs_factor_model_free(m);
        rmodel_free(&r);
    }
    CHECK(zeros_seen > 0); /* the Z = 0 path was exercised */
}

/* A complete graph on 17 binary variables: width 16, tables of 65536 entries, run through
 * the parallel loop (ZSUM_ELIM_PAR_MIN lowers its threshold); the result must not depend on
 * the thread count, and must match the brute force. */
static void elimination_should_not_depend_on_threads(void) {
    setenv("ZSUM_ELIM_PAR_MIN", "1024", 1);
    zs_rng rng;
    zs_rng_init(&rng, 77, 2);
    rmodel r;
    memset(&r, 0, sizeof r);
    r.n = 17;
    for (size_t i = 0; i < r.n; i++) r.dom[i] = 2;
    for (size_t i = 0; i < r.n; i++)
        for (size_t j = i + 1; j < r.n; j++) {
            size_t f = r.nf++;
            r.arity[f] = 2;
            r.scope[f][0] = (uint32_t)j;
            r.scope[f][1] = (uint32_t)i;
            r.val[f] = malloc(4 * sizeof(double));
            for (int e = 0; e < 4; e++) r.val[f][e] = exp(0.3 * zs_rng_normal(&rng));
        }
    zs_ctx *ctx = zs_ctx_alloc();
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(ctx, r.n, r.dom, &m) == ZS_OK);
    for (size_t f = 0; m && f < r.nf; f++)
        CHECK(zs_factor_model_add(m, r.arity[f], r.scope[f], r.val[f], 0) == ZS_OK);
    double a = 0.0, b = 1.0, c = 2.0;
    zs_factor_plan *p = NULL;
    CHECK(zs_factor_plan_alloc(m, NULL, ZS_ORDER_MINFILL, &p) == ZS_OK);
    zs_factor_plan_info info;
    zs_factor_plan_get_info(p, &info);
    CHECK_EQ_INT(info.width, 16);
    CHECK_REL(info.max_table_entries, 65536.0, 0.0);
    zs_ctx_set_threads(ctx, 1);
    CHECK(zs_factor_lnz(m, NULL, p, 0.0, &a) == ZS_OK);
    zs_ctx_set_threads(ctx, 2);
    CHECK(zs_factor_lnz(m, NULL, p, 0.0, &b) == ZS_OK);
    zs_ctx_set_threads(ctx, 3);
    CHECK(zs_factor_lnz(m, NULL, p, 0.0, &c) == ZS_OK);
    CHECK(a == b && b == c);
    CHECK_REL(a, brute_lnz(&r, NULL), 1e-12);
    /* The memory limit refuses before any work, naming what is needed. */
    double z;
    CHECK(zs_factor_lnz(m, NULL, p, 1000.0, &z) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "needs") != NULL);
    zs_factor_plan_free(p);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
    rmodel_free(&r);
    unsetenv("ZSUM_ELIM_PAR_MIN");
}

/* Independent variables with huge weights: Z overflows, ln Z is n ln(2 * 10^200). */
static void elimination_should_stay_in_log_space(void) {
    const size_t n = 40;
    uint32_t dom[40];
    for (size_t i = 0; i < n; i++) dom[i] = 2;
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(NULL, n, dom, &m) == ZS_OK);
    for (uint32_t i = 0; i < n; i++) {
        double t[2] = {1e200, 1e200};
        CHECK(zs_factor_model_add(m, 1, &i, t, 0) == ZS_OK);
    }
    CHECK_REL(elim_lnz(m, NULL, ZS_ORDER_MINFILL), 40.0 * (log(2.0) + 200.0 * log(10.0)), 1e-14);
    zs_factor_model_free(m);
}

static zs_factor_model *parse(zs_ctx *ctx, const char *text, zs_status *st) {
    zs_factor_model *m = NULL;
    *st = zs_factor_parse_uai(ctx, text, strlen(text), "t.uai", &m);
    return m;
}

/* Scope (1, 0): the last variable of the scope (x0) varies fastest, so the table reads
 * phi(x1=0,x0=0)=2, phi(x1=0,x0=1)=3, phi(x1=1,x0=0)=5, phi(x1=1,x0=1)=7; a unary 11, 13 on
 * x0. Z = 2*11 + 3*13 + 5*11 + 7*13 = 207; with x0 = 1, 3*13 + 7*13 = 130. */
static void reader_should_follow_the_last_variable_fastest_convention(void) {
    const char *text = "MARKOV\n2\n2 2\n2\n2 1 0\n1 0\n\n4\n 2 3\n 5 7\n\n2\n11 13\n";
    zs_ctx *ctx = zs_ctx_alloc();
    zs_status st;
    zs_factor_model *m = parse(ctx, text, &st);
    CHECK(st == ZS_OK);
    CHECK_REL(elim_lnz(m, NULL, ZS_ORDER_MINFILL), log(207.0), 1e-15);
    int32_t ev[2];
    size_t nobs = 99;
    const char *evt = "1 0 1\n";
    CHECK(zs_factor_parse_evid(m, evt, strlen(evt), "t.evid", ev, &nobs) == ZS_OK);
    CHECK_EQ_INT(nobs, 1);
    CHECK(ev[0] == 1 && ev[1] == -1);
    CHECK_REL(elim_lnz(m, ev, ZS_ORDER_MINFILL), log(130.0), 1e-15);
    /* The older layout: number of samples (1) first. */
    const char *old = "1\n1 0 1\n";
    ev[0] = ev[1] = 5;
    CHECK(zs_factor_parse_evid(m, old, strlen(old), "t.evid", ev, &nobs) == ZS_OK);
    CHECK(ev[0] == 1 && ev[1] == -1);
    const char *none = "0";
    CHECK(zs_factor_parse_evid(m, none, strlen(none), "t.evid", ev, &nobs) == ZS_OK);
    CHECK(ev[0] == -1 && ev[1] == -1 && nobs == 0);
    /* BAYES header, same product. */
    zs_factor_model_free(m);
    m = parse(ctx, "BAYES 2 2 2 2 2 1 0 1 0 4 2 3 5 7 2 11 13", &st);
    CHECK(st == ZS_OK);
    CHECK(zs_factor_model_kind(m) == ZS_FACTOR_BAYES);
    CHECK_REL(elim_lnz(m, NULL, ZS_ORDER_MINFILL), log(207.0), 1e-15);
    /* Z = 0: the evidence x0 = 1 against a table that is zero there. */
    zs_factor_model_free(m);
    m = parse(ctx, "MARKOV 2 2 2 1 1 0 2 4 0", &st);
    CHECK(st == ZS_OK);
    ev[0] = 1;
    ev[1] = -1;
    CHECK(elim_lnz(m, ev, ZS_ORDER_MINFILL) == -HUGE_VAL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

/* Every rejection names the line. */
static void reader_should_reject_bad_files_with_the_line(void) {
    static const struct {
        const char *text, *pattern;
    } cases[] = {
        {"", "t.uai:1: the file is empty"},
        {"MRF 1 2 0", "t.uai:1: expected MARKOV or BAYES"},
        {"MARKOV\n2\n2 2\n1\n2 0 1\n4\n1 2 3", "t.uai:7: the file ends in the table of factor 0 (entry 4 of 4)"},
        {"MARKOV\n2\n2 2\n1\n2 0 1\n3\n1 2 3", "t.uai:6: factor 0: the table has 3 entries, but its scope (line 5)"},
        {"MARKOV\n2\n2 2\n1\n2 0 1\n4\n1 2 -3 4", "t.uai:7: factor 0, entry 2: -3 is negative"},
        {"MARKOV\n2\n2 2\n1\n2 0 2\n4\n1 2 3 4", "t.uai:5: variable 2 of the scope of factor 0: 2 is out of range 0..1"},
        {"MARKOV\n2\n2 2\n1\n2 1 1\n4\n1 2 3 4", "t.uai:5: variable 1 appears twice in the scope of factor 0"},
        {"MARKOV\n2\n2 0\n0\n", "t.uai:3: the domain size of variable 1: 0 is out of range"},
        {"MARKOV\n1\n2\n1\n1 0\n2\n1 nan", "t.uai:7: factor 0, entry 1: 'nan' is not a number"},
        {"MARKOV\n1\n2\n1\n1 0\n2\n1 1e999", "t.uai:7: factor 0, entry 1: '1e999' is not finite"},
        {"MARKOV\n1\n2\n1\n1 0\n2\n1 2\n3", "t.uai:8: '3' follows the last table"},
        {"MARKOV\n1\n2\nx\n", "t.uai:4: the number of factors: 'x' is not a whole number"},
    };
    zs_ctx *ctx = zs_ctx_alloc();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zs_status st;
        zs_factor_model *m = parse(ctx, cases[i].text, &st);
        CHECK(m == NULL && st == ZS_EFORMAT);
        if (!strstr(zs_last_error(ctx), cases[i].pattern)) {
            printf("case %zu: message '%s' lacks '%s'\n", i, zs_last_error(ctx), cases[i].pattern);
            CHECK(0);
        }
        zs_factor_model_free(m);
    }
    zs_status st;
    zs_factor_model *m = parse(ctx, "MARKOV 3 2 3 2 0", &st);
    CHECK(st == ZS_OK);
    static const struct {
        const char *text, *pattern;
    } ev[] = {
        {"", "t.evid:1: the evidence file is empty"},
        {"1 3 0", "t.evid:1: evidence on variable 3, which does not exist"},
        {"1\n1 3", "t.evid:2: evidence value 3 for variable 1, which has 3 values"},
        {"2 0 1 0 0", "t.evid:1: variable 0 is observed twice"},
        {"2 0 1", "t.evid:1: the count says 2 variable/value pairs, 2 numbers follow it"},
        {"3 0 1 1 1 0", "only one is supported"},
        {"1 0 x", "t.evid:1: an observed value: 'x' is not a whole number"},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
        int32_t e[3];
        CHECK(zs_factor_parse_evid(m, ev[i].text, strlen(ev[i].text), "t.evid", e, NULL) ==
              ZS_EFORMAT);
        if (!strstr(zs_last_error(ctx), ev[i].pattern)) {
            printf("evid case %zu: message '%s' lacks '%s'\n", i, zs_last_error(ctx), ev[i].pattern);
            CHECK(0);
        }
    }
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

/* Pairwise model: brute force over spins of exp(-beta E) written from the energy formula. */
static double pairwise_brute(size_t n, const double *J, const double *h, double beta, int s01) {
    double z = 0.0;
    for (unsigned long x = 0; x < (1UL << n); x++) {
        double e = 0.0;
        for (size_t i = 0; i < n; i++) {
            double si = (x >> i) & 1 ? 1.0 : (s01 ? 0.0 : -1.0);
            e -= h[i] * si;
            for (size_t j = i + 1; j < n; j++) {
                double sj = (x >> j) & 1 ? 1.0 : (s01 ? 0.0 : -1.0);
                e -= J[i * n + j] * si * sj;
            }
        }
        z += exp(-beta * e);
    }
    return log(z);
}

static void pairwise_models_should_round_trip_through_uai_files(void) {
    enum { N = 9 };
    double J[N * N] = {0}, h[N];
    zs_rng rng;
    zs_rng_init(&rng, 11, 3);
    for (size_t i = 0; i < N; i++) {
        h[i] = 0.7 * zs_rng_normal(&rng);
        for (size_t j = i + 1; j < N; j++)
            if (zs_rng_uniform(&rng) < 0.6) J[i * N + j] = J[j * N + i] = zs_rng_normal(&rng);
    }
    char path[] = "/tmp/zsum_test_uai_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    for (int s01 = 0; s01 <= 1; s01++) {
        zs_factor_model *m = NULL, *back = NULL;
        CHECK(zs_factor_from_pairwise(NULL, N, J, h, 0.8, s01, &m) == ZS_OK);
        double want = pairwise_brute(N, J, h, 0.8, s01);
        double a = elim_lnz(m, NULL, ZS_ORDER_MINFILL);
        CHECK_REL(a, want, 1e-12);
        CHECK(zs_factor_write_uai(m, path) == ZS_OK);
        CHECK(zs_factor_read_uai(NULL, path, &back) == ZS_OK);
        CHECK_REL(elim_lnz(back, NULL, ZS_ORDER_MINFILL), want, 1e-12);
        CHECK_EQ_INT(zs_factor_model_nfactors(back), zs_factor_model_nfactors(m));
        zs_factor_model_free(m);
        zs_factor_model_free(back);
    }
    unlink(path);
    /* Bad matrices are refused with the entry named. */
    zs_ctx *ctx = zs_ctx_alloc();
    zs_factor_model *m = NULL;
    J[1] = 0.5; /* (0,1) no longer equals (1,0) */
    J[N] = 0.25;
    CHECK(zs_factor_from_pairwise(ctx, N, J, h, 1.0, 0, &m) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "(0,1)") != NULL);
    J[N] = 0.5;
    J[0] = 1.0;
    CHECK(zs_factor_from_pairwise(ctx, N, J, h, 1.0, 0, &m) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "diagonal") != NULL);
    zs_ctx_free(ctx);
}

/* Brute force over the model's own energies: ln sum_s exp(-beta E(s)), offset included. */
static double pairwise_model_brute(const zs_pairwise *pw, double beta) {
    size_t n = zs_pairwise_units(pw);
    int8_t s[16];
    double z = 0.0;
    for (uint32_t x = 0; x < (1u << n); x++) {
        for (size_t i = 0; i < n; i++) s[i] = (int8_t)((x >> i) & 1u ? 1 : -1);
        z += exp(-beta * zs_pairwise_energy(pw, s));
    }
    return log(z);
}

static void pairwise_models_should_become_factor_models_bond_by_bond(void) {
    /* A 2x3 torus: the periodic direction of length 2 lists each vertical pair twice, so the
     * factors are 6 horizontal + 6 vertical bonds + 6 fields; a zero coupling gives none. */
    double jh[6] = {0.4, -0.3, 0.0, 0.25, 0.5, -0.45}, jv[6] = {0.3, 0.2, -0.35, 0.15, 0.1, 0.05};
    zs_lattice_spec sp = {2, 3, 1, 1, 0.0, 0.17, jh, jv, NULL};
    zs_pairwise *pw = NULL;
    zs_factor_model *m = NULL;
    double e0 = 1.0;
    CHECK(zs_pairwise_alloc_lattice(NULL, &sp, &pw) == ZS_OK);
    CHECK(zs_pairwise_to_factor(pw, 0.85, &m, &e0) == ZS_OK);
    CHECK(e0 == 0.0);
    CHECK_EQ_INT(zs_factor_model_nfactors(m), 6 + 5 + 6);
    CHECK_REL(elim_lnz(m, NULL, ZS_ORDER_MINFILL) - 0.85 * e0, pairwise_model_brute(pw, 0.85), 1e-12);
    zs_factor_model_free(m);
    zs_pairwise_free(pw);
    /* A 0/1 Boltzmann machine: its +-1 form has a constant energy, returned as the offset. */
    enum { N = 7 };
    double W[N * N] = {0}, b[N];
    zs_rng rng;
    zs_rng_init(&rng, 5, 1);
    for (size_t i = 0; i < N; i++) {
        b[i] = zs_rng_normal(&rng);
        for (size_t j = i + 1; j < N; j++)
            if (zs_rng_uniform(&rng) < 0.7) W[i * N + j] = W[j * N + i] = zs_rng_normal(&rng);
    }
    CHECK(zs_pairwise_alloc_bm(NULL, N, W, b, &pw) == ZS_OK);
    CHECK(zs_pairwise_to_factor(pw, 1.3, &m, &e0) == ZS_OK);
    CHECK(e0 != 0.0);
    CHECK_REL(elim_lnz(m, NULL, ZS_ORDER_MINFILL) - 1.3 * e0, pairwise_model_brute(pw, 1.3), 1e-12);
    zs_factor_model_free(m);
    m = NULL;
    CHECK(zs_pairwise_to_factor(pw, (double)NAN, &m, NULL) == ZS_EINVAL);
    CHECK(m == NULL);
    zs_pairwise_free(pw);
}

static void model_should_reject_bad_factors(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint32_t dom[2] = {2, 3};
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(ctx, 2, dom, &m) == ZS_OK);
    uint32_t sc[2] = {0, 1};
    double t[6] = {1, 2, 3, 4, 5, -6};
    CHECK(zs_factor_model_add(m, 2, sc, t, 0) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "entry 5") != NULL);
    t[5] = (double)NAN;
    CHECK(zs_factor_model_add(m, 2, sc, t, 1) == ZS_EINVAL);
    uint32_t bad[2] = {0, 2};
    t[5] = 6;
    CHECK(zs_factor_model_add(m, 2, bad, t, 0) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "variable 2 does not exist") != NULL);
    int32_t ev[2] = {0, 3};
    zs_factor_plan *p = NULL;
    CHECK(zs_factor_plan_alloc(m, ev, ZS_ORDER_MINFILL, &p) == ZS_EINVAL);
    size_t ord[1] = {0};
    CHECK(zs_factor_plan_from_order(m, NULL, ord, 1, &p) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "variable 1 is missing") != NULL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}


/* Conditioning (zs_factor_plan_condition): a memory limit a little above the fixed per-thread
 * buffers forces variables to be conditioned on; ln Z must still match the brute force and
 * the plain elimination, and not depend on the thread count. */
static double fixed_bytes(void) {
    /* The plan of a model with no tables: only the per-thread block buffers. */
    zs_factor_model *m = NULL;
    uint32_t d = 2;
    zs_factor_plan *p = NULL;
    zs_factor_plan_info info = {0};
    if (zs_factor_model_alloc(NULL, 1, &d, &m) == ZS_OK &&
        zs_factor_plan_alloc(m, NULL, ZS_ORDER_MINFILL, &p) == ZS_OK)
        zs_factor_plan_get_info(p, &info);
    zs_factor_plan_free(p);
    zs_factor_model_free(m);
    return info.peak_bytes;
}

static void conditioning_should_match_brute_force_and_plain_elimination(void) {
    zs_rng rng;
    zs_rng_init(&rng, 9001, 3);
    const double fixed = fixed_bytes();
    CHECK(fixed > 0.0);
    const zs_factor_order rules[] = {ZS_ORDER_MINFILL, ZS_ORDER_FILE, ZS_ORDER_AUTO};
    int conditioned = 0, several = 0, zeros = 0;
    for (int trial = 0; trial < 120; trial++) {
        rmodel r;
        size_t n = 2 + (size_t)zs_rng_below(&rng, 8);
        size_t nf = 1 + (size_t)zs_rng_below(&rng, 14);
        random_model(&rng, n, nf, 3, trial % 4 == 0 ? 0.4 : 0.05, &r);
        int32_t ev[MAXV];
        int use_ev = trial % 3 == 0;
        for (size_t i = 0; i < n; i++)
            ev[i] = use_ev && zs_rng_uniform(&rng) < 0.2 ? (int32_t)zs_rng_below(&rng, r.dom[i]) : -1;
        const int32_t *e = use_ev ? ev : NULL;
        zs_factor_model *m = to_model(&r);
        CHECK(m != NULL);
        if (!m) {
            rmodel_free(&r);
            continue;
        }
        double want = brute_lnz(&r, e);
        zeros += want == -HUGE_VAL;
        zs_factor_order h = rules[trial % 3];
        double plain = elim_lnz(m, e, h);
        CHECK(same_lnz(plain, want, 1e-12));
        /* Room for a few entries beyond the fixed buffers: 8 bytes each. */
        double max_bytes = fixed + 8.0 * (double)(1 + trial % 6);
        zs_factor_plan *p = NULL;
        zs_status st = zs_factor_plan_condition(m, e, h, max_bytes, 0.0, &p);
        CHECK(st == ZS_OK);
        if (st != ZS_OK) {
            zs_factor_model_free(m);
            rmodel_free(&r);
            continue;
        }
        zs_factor_plan_info info;
        zs_factor_plan_get_info(p, &info);
        CHECK(info.peak_bytes <= max_bytes);
        conditioned += info.conditioned > 0;
        several += info.conditioned > 1;
        double assign = 1.0;
        const size_t *cv = zs_factor_plan_conditioned(p);
        for (size_t i = 0; i < info.conditioned; i++) {
            CHECK(e == NULL || ev[cv[i]] < 0); /* never an observed variable */
            assign *= (double)r.dom[cv[i]];
        }
        CHECK(info.assignments == assign);
        CHECK(info.total_work == assign * info.work);
        double got = (double)NAN;
        CHECK(zs_factor_lnz(m, e, p, max_bytes, &got) == ZS_OK);
        if (!same_lnz(got, want, 1e-12) || !same_lnz(got, plain, 1e-12)) {
            printf("trial %d: conditioned on %zu: got %.17g, brute force %.17g, plain %.17g\n",
                   trial, info.conditioned, got, want, plain);
            CHECK(0);
        }
        zs_factor_plan_free(p);
        zs_factor_model_free(m);
        rmodel_free(&r);
    }
    CHECK(conditioned > 60); /* the limit did force conditioning, often on several variables */
    CHECK(several > 20);
    CHECK(zeros > 0);
}

static void conditioning_should_not_depend_on_threads_and_should_refuse_hopeless_work(void) {
    setenv("ZSUM_ELIM_PAR_MIN", "256", 1);
    zs_rng rng;
    zs_rng_init(&rng, 4242, 4);
    rmodel r;
    memset(&r, 0, sizeof r);
    r.n = 14; /* complete graph: width 13, a table of 2^13 entries */
    for (size_t i = 0; i < r.n; i++) r.dom[i] = 2;
    for (size_t i = 0; i < r.n; i++)
        for (size_t j = i + 1; j < r.n; j++) {
            size_t f = r.nf++;
            r.arity[f] = 2;
            r.scope[f][0] = (uint32_t)i;
            r.scope[f][1] = (uint32_t)j;
            r.val[f] = malloc(4 * sizeof(double));
            for (int k = 0; k < 4; k++) r.val[f][k] = exp(0.4 * zs_rng_normal(&rng));
        }
    zs_ctx *ctx = zs_ctx_alloc();
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(ctx, r.n, r.dom, &m) == ZS_OK);
    for (size_t f = 0; m && f < r.nf; f++)
        CHECK(zs_factor_model_add(m, r.arity[f], r.scope[f], r.val[f], 0) == ZS_OK);
    const double want = brute_lnz(&r, NULL);
    double lnz[3] = {0.0, 1.0, 2.0};
    for (int t = 1; t <= 3; t++) {
        zs_ctx_set_threads(ctx, t);
        /* The same limit on the tables whatever t (the fixed buffers grow with t). */
        zs_factor_plan *p0 = NULL;
        CHECK(zs_factor_plan_alloc(m, NULL, ZS_ORDER_MINFILL, &p0) == ZS_OK);
        zs_factor_plan_info i0;
        zs_factor_plan_get_info(p0, &i0);
        zs_factor_plan_free(p0);
        double limit = i0.peak_bytes - 8.0 * 12000.0; /* a few thousand entries fewer */
        zs_factor_plan *p = NULL;
        CHECK(zs_factor_plan_condition(m, NULL, ZS_ORDER_MINFILL, limit, 1e9, &p) == ZS_OK);
        zs_factor_plan_info info;
        zs_factor_plan_get_info(p, &info);
        CHECK(info.conditioned >= 1 && info.peak_bytes <= limit);
        CHECK(zs_factor_lnz(m, NULL, p, limit, &lnz[t - 1]) == ZS_OK);
        zs_factor_plan_free(p);
    }
    CHECK(lnz[0] == lnz[1] && lnz[1] == lnz[2]);
    CHECK_REL(lnz[0], want, 1e-12);
    /* Hopeless: the work limit is below what even one run reads; the message gives the
     * estimate and names the option that raises it. */
    zs_factor_plan *p = NULL;
    CHECK(zs_factor_plan_condition(m, NULL, ZS_ORDER_MINFILL, 70000.0, 1000.0, &p) == ZS_ETOOBIG);
    CHECK(p == NULL);
    CHECK(strstr(zs_last_error(ctx), "(max_work)") != NULL);
    CHECK(strstr(zs_last_error(ctx), "needs") != NULL);
    /* A plan that fits comes back unconditioned. */
    CHECK(zs_factor_plan_condition(m, NULL, ZS_ORDER_MINFILL, 1e12, 1.0, &p) == ZS_OK);
    zs_factor_plan_info info;
    zs_factor_plan_get_info(p, &info);
    CHECK(info.conditioned == 0 && info.assignments == 1.0 && info.total_work == info.work);
    CHECK(zs_factor_plan_conditioned(p) == NULL);
    zs_factor_plan_free(p);
    CHECK(zs_factor_plan_condition(m, NULL, ZS_ORDER_MINFILL, 0.0, 0.0, &p) == ZS_EINVAL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
    rmodel_free(&r);
    unsetenv("ZSUM_ELIM_PAR_MIN");
}

int main(void) {
    RUN(elimination_should_match_brute_force_on_random_models);
    RUN(elimination_should_not_depend_on_threads);
    RUN(elimination_should_stay_in_log_space);
    RUN(conditioning_should_match_brute_force_and_plain_elimination);
    RUN(conditioning_should_not_depend_on_threads_and_should_refuse_hopeless_work);
    RUN(reader_should_follow_the_last_variable_fastest_convention);
    RUN(reader_should_reject_bad_files_with_the_line);
    RUN(pairwise_models_should_round_trip_through_uai_files);
    RUN(pairwise_models_should_become_factor_models_bond_by_bond);
    RUN(model_should_reject_bad_factors);
    return check_summary("test_uai");
}
