/* test_marginals.c — exact single-variable marginals (lib/exact/elim_marginals.c) against a
 * brute force written here (every assignment consistent with the evidence, in linear space):
 * random models, binary and multi-valued, with zero entries and evidence, along every order
 * rule, a random order and conditioned plans; the log option, the memory bound and the
 * refusals. */
#include "check.h"
#include "zsum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXV 10
#define MAXF 24

#include "rmodel.h"

static void random_model(zs_rng *rng, size_t n, size_t nf, uint32_t maxdom, double pzero, rmodel *r) {
    memset(r, 0, sizeof *r);
    r->n = n;
    r->nf = nf;
    for (size_t i = 0; i < n; i++) r->dom[i] = maxdom == 2 ? 2 : 1 + (uint32_t)zs_rng_below(rng, maxdom);
    for (size_t f = 0; f < nf; f++) {
        size_t a = 1 + (size_t)zs_rng_below(rng, 3);
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
            r->val[f][e] = zs_rng_uniform(rng) < pzero ? 0.0 : exp(1.5 * zs_rng_normal(rng));
    }
}

/* p(x_i | ev) by enumeration into marg (offsets by variable); returns Z. */
static double brute_marginals(const rmodel *r, const int32_t *ev, double *marg) {
    uint32_t x[MAXV];
    size_t off[MAXV], total = 0;
    for (size_t i = 0; i < r->n; i++) {
        off[i] = total;
        total += r->dom[i];
    }
    for (size_t j = 0; j < total; j++) marg[j] = 0.0;
    double z = 0.0;
    rmodel_first(r, ev, x);
    do {
        double p = rmodel_weight(r, x);
        z += p;
        for (size_t i = 0; i < r->n; i++) marg[off[i] + x[i]] += p;
    } while (rmodel_next(r, ev, x));
    if (z > 0.0)
        for (size_t j = 0; j < total; j++) marg[j] /= z;
    return z;
}

static size_t total_values(const rmodel *r) {
    size_t t = 0;
    for (size_t i = 0; i < r->n; i++) t += r->dom[i];
    return t;
}

/* |got - want| <= 1e-12 (absolute, on probabilities) for every entry. */
static int close_marginals(const double *got, const double *want, size_t n, double *worst) {
    int ok = 1;
    for (size_t j = 0; j < n; j++) {
        double e = fabs(got[j] - want[j]);
        if (!(e <= 1e-12)) ok = 0;
        if (e > *worst || isnan(e)) *worst = isnan(e) ? HUGE_VAL : e;
    }
    return ok;
}

/* What every plan holds whatever its tables: the per-thread block buffers (the plan of a
 * model with no tables). Conditioning can only cut what lies above it. */
static double fixed_bytes(void) {
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

static void marginals_should_match_brute_force_on_random_models(void) {
    const double fixed = fixed_bytes();
    zs_rng rng;
    zs_rng_init(&rng, 4242, 7);
    const zs_factor_order rules[] = {ZS_ORDER_MINFILL, ZS_ORDER_MINDEGREE, ZS_ORDER_FILE, ZS_ORDER_AUTO};
    int zero_runs = 0, conditioned_runs = 0, checked = 0;
    double worst = 0.0;
    for (int trial = 0; trial < 400; trial++) {
        rmodel r;
        size_t n = 1 + (size_t)zs_rng_below(&rng, MAXV);
        size_t nf = (size_t)zs_rng_below(&rng, 2 * n + 2);
        uint32_t maxdom = trial % 2 ? 2 : 4;
        double pzero = trial % 3 == 0 ? 0.35 : 0.05;
        random_model(&rng, n, nf, maxdom, pzero, &r);
        int32_t ev[MAXV];
        for (size_t i = 0; i < n; i++)
            ev[i] = trial % 4 >= 2 && zs_rng_uniform(&rng) < 0.25 ? (int32_t)zs_rng_below(&rng, r.dom[i]) : -1;
        zs_factor_model *m = to_model(&r);
        CHECK(m != NULL);
        size_t tv = total_values(&r);
        double *want = malloc(tv * sizeof *want), *got = malloc(tv * sizeof *got);
        double z = brute_marginals(&r, ev, want);
        for (size_t h = 0; m && h < sizeof rules / sizeof rules[0]; h++) {
            zs_factor_plan *p = NULL;
            CHECK(zs_factor_plan_alloc(m, ev, rules[h], &p) == ZS_OK);
            double lnz = 0.0;
            zs_status st = zs_factor_marginals(m, ev, p, NULL, got, &lnz);
            if (z == 0.0) {
                CHECK(st == ZS_EINVAL);
                zero_runs += h == 0;
            } else {
                CHECK(st == ZS_OK);
                CHECK_REL(lnz, log(z), 1e-12);
                int ok = close_marginals(got, want, tv, &worst);
                if (!ok) printf("trial %d rule %zu: marginals differ\n", trial, h);
                CHECK(ok);
                checked++;
            }
            zs_factor_plan_free(p);
        }
        /* Conditioned: a memory limit that forces a few variables out. */
        zs_factor_plan *cp = NULL;
        if (m && zs_factor_plan_condition(m, ev, ZS_ORDER_MINFILL, fixed + 8.0 * (double)(1 + trial % 6), 0.0, &cp) == ZS_OK) {
            zs_factor_plan_info info;
            zs_factor_plan_get_info(cp, &info);
            double lnz = 0.0;
            zs_status st = zs_factor_marginals(m, ev, cp, NULL, got, &lnz);
            if (z == 0.0) {
                CHECK(st == ZS_EINVAL);
            } else {
                CHECK(st == ZS_OK);
                CHECK_REL(lnz, log(z), 1e-12);
                CHECK(close_marginals(got, want, tv, &worst));
                conditioned_runs += info.conditioned > 0;
            }
        }
        zs_factor_plan_free(cp);
        free(want);
        free(got);
        zs_factor_model_free(m);
        rmodel_free(&r);
    }
    printf("  %d marginal sets checked, worst |error| %.3g\n", checked, worst);
    printf("  %d conditioned plans\n", conditioned_runs);
    CHECK(zero_runs > 0);
    CHECK(checked > 1000);
    CHECK(conditioned_runs > 50);
}

/* A model whose tables dominate the plan's memory (10 variables of 4 values, every pair
 * linked: width 9, tables of 4^9 entries), so that an eighth of its memory forces
 * conditioning; the marginals must not change. */
static void conditioned_marginals_should_equal_plain_ones(void) {
    zs_rng rng;
    zs_rng_init(&rng, 99, 1);
    rmodel r;
    memset(&r, 0, sizeof r);
    r.n = 10;
    for (size_t i = 0; i < r.n; i++) r.dom[i] = 4;
    for (size_t i = 0; i < r.n; i++)
        for (size_t j = i + 1; j < r.n && r.nf < MAXF; j += 1 + i % 2) {
            size_t f = r.nf++;
            r.arity[f] = 2;
            r.scope[f][0] = (uint32_t)i;
            r.scope[f][1] = (uint32_t)j;
            r.val[f] = malloc(16 * sizeof(double));
            for (int e = 0; e < 16; e++) r.val[f][e] = e % 5 == 0 ? 0.0 : exp(zs_rng_normal(&rng));
        }
    int32_t ev[MAXV];
    for (size_t i = 0; i < r.n; i++) ev[i] = i == 5 ? 2 : -1;
    zs_factor_model *m = to_model(&r);
    size_t tv = total_values(&r);
    double want[64], a[64], b[64], la = 0, lb = 0, worst = 0.0;
    double z = brute_marginals(&r, ev, want);
    CHECK(z > 0.0);
    zs_factor_plan *p = NULL, *cp = NULL;
    CHECK(zs_factor_plan_alloc(m, ev, ZS_ORDER_MINFILL, &p) == ZS_OK);
    zs_factor_plan_info pi;
    zs_factor_plan_get_info(p, &pi);
    CHECK(zs_factor_plan_condition(m, ev, ZS_ORDER_MINFILL, fixed_bytes() + (pi.peak_bytes - fixed_bytes()) / 8.0, 0.0, &cp) == ZS_OK);
    zs_factor_plan_info ci;
    zs_factor_plan_get_info(cp, &ci);
    CHECK(ci.conditioned > 0);
    CHECK(zs_factor_marginals(m, ev, p, NULL, a, &la) == ZS_OK);
    CHECK(zs_factor_marginals(m, ev, cp, NULL, b, &lb) == ZS_OK);
    CHECK(close_marginals(a, want, tv, &worst));
    CHECK(close_marginals(b, want, tv, &worst));
    CHECK_REL(la, log(z), 1e-12);
    CHECK_REL(lb, log(z), 1e-12);
    /* The bound of the conditioned plan is below the plain one's. */
    double bp = 0, bc = 0;
    CHECK(zs_factor_marginals_bytes(m, ev, p, &bp) == ZS_OK);
    CHECK(zs_factor_marginals_bytes(m, ev, cp, &bc) == ZS_OK);
    CHECK(bc < bp);
    zs_factor_plan_free(p);
    zs_factor_plan_free(cp);
    zs_factor_model_free(m);
    rmodel_free(&r);
}

/* Extreme weights: ln tables near +-700 would overflow or vanish in linear space; the log
 * option gives ln p with the tiny probabilities intact. Two variables: phi(x0, x1) =
 * exp(700 [x0 == x1]) and a unary exp(-800 x0): p(x0 = 1) = e^-800 (1 + e^700) /
 * ((1 + e^700) (1 + e^-800)) = e^-800 to rounding, ln p = -800. */
static void marginals_should_stay_in_log_space(void) {
    uint32_t dom[2] = {2, 2};
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(NULL, 2, dom, &m) == ZS_OK);
    uint32_t s01[2] = {0, 1}, s0[1] = {0};
    double t2[4] = {700.0, 0.0, 0.0, 700.0}, t1[2] = {0.0, -800.0};
    CHECK(zs_factor_model_add(m, 2, s01, t2, 1) == ZS_OK);
    CHECK(zs_factor_model_add(m, 1, s0, t1, 1) == ZS_OK);
    zs_factor_plan *p = NULL;
    CHECK(zs_factor_plan_alloc(m, NULL, ZS_ORDER_FILE, &p) == ZS_OK);
    zs_factor_marginals_opts o;
    zs_factor_marginals_defaults(&o);
    o.log = 1;
    double lp[4], lnz = 0;
    CHECK(zs_factor_marginals(m, NULL, p, &o, lp, &lnz) == ZS_OK);
    CHECK_REL(lp[1], -800.0, 1e-14);
    CHECK(lp[0] == 0.0);
    /* x1 follows x0 with weight e^700: p(x1 = 1) = (e^-800 e^700 + 1) / ((1 + e^700)(1 + e^-800)) */
    CHECK_REL(lp[3], -700.0, 1e-14);
    CHECK_REL(lnz, 700.0 + log1p(exp(-700.0)), 1e-15);
    zs_factor_plan_free(p);
    zs_factor_model_free(m);
}

static void marginals_should_refuse_what_they_cannot_give(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint32_t dom[3] = {2, 3, 2};
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(ctx, 3, dom, &m) == ZS_OK);
    uint32_t sc[2] = {0, 1};
    double t[6] = {1, 2, 0, 0, 0, 0};
    CHECK(zs_factor_model_add(m, 2, sc, t, 0) == ZS_OK);
    zs_factor_plan *p = NULL;
    CHECK(zs_factor_plan_alloc(m, NULL, ZS_ORDER_AUTO, &p) == ZS_OK);
    double marg[7];
    /* a variable no factor mentions is uniform; a zero row is probability 0 */
    CHECK(zs_factor_marginals(m, NULL, p, NULL, marg, NULL) == ZS_OK);
    CHECK(marg[0] == 1.0 && marg[1] == 0.0);
    CHECK_REL(marg[2], 1.0 / 3.0, 1e-15);
    CHECK_REL(marg[3], 2.0 / 3.0, 1e-15);
    CHECK(marg[4] == 0.0);
    CHECK_REL(marg[5], 0.5, 1e-15);
    CHECK_REL(marg[6], 0.5, 1e-15);
    /* the memory bound */
    double need = 0;
    CHECK(zs_factor_marginals_bytes(m, NULL, p, &need) == ZS_OK);
    CHECK(need > 0.0);
    zs_factor_marginals_opts o;
    zs_factor_marginals_defaults(&o);
    o.max_bytes = need / 2;
    CHECK(zs_factor_marginals(m, NULL, p, &o, marg, NULL) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "max_bytes") != NULL);
    o.max_bytes = need;
    CHECK(zs_factor_marginals(m, NULL, p, &o, marg, NULL) == ZS_OK);
    /* impossible evidence */
    int32_t ev[3] = {1, -1, -1};
    zs_factor_plan *pe = NULL;
    CHECK(zs_factor_plan_alloc(m, ev, ZS_ORDER_AUTO, &pe) == ZS_OK);
    CHECK(zs_factor_marginals(m, ev, pe, NULL, marg, NULL) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "probability 0") != NULL);
    /* a plan for other evidence */
    CHECK(zs_factor_marginals(m, NULL, pe, NULL, marg, NULL) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "other evidence") != NULL);
    CHECK(zs_factor_marginals(NULL, NULL, p, NULL, marg, NULL) == ZS_EINVAL);
    zs_factor_plan_free(p);
    zs_factor_plan_free(pe);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

/* Weights over a range of hundreds of nats (ln phi ~ 150 N(0,1)): the beliefs pass the
 * range where the pass back sums in linear space, so its per-entry log-space sums run; the
 * brute force sums in log space too (a running maximum per value), and ln p is compared for
 * every probability a double holds (ln p > -700), p itself everywhere. */
static void marginals_should_match_a_log_space_brute_force_at_extreme_weights(void) {
    zs_rng rng;
    zs_rng_init(&rng, 31337, 5);
    double worst = 0.0;
    int tiny = 0;
    for (int trial = 0; trial < 150; trial++) {
        size_t n = 2 + (size_t)zs_rng_below(&rng, 7), nf = n + (size_t)zs_rng_below(&rng, n + 2);
        uint32_t dom[MAXV];
        for (size_t i = 0; i < n; i++) dom[i] = 2 + (uint32_t)zs_rng_below(&rng, 2);
        zs_factor_model *m = NULL;
        CHECK(zs_factor_model_alloc(NULL, n, dom, &m) == ZS_OK);
        size_t arity[MAXF], scope[MAXF][3];
        double *lt[MAXF];
        for (size_t f = 0; f < nf; f++) {
            arity[f] = 1 + (size_t)zs_rng_below(&rng, n < 3 ? n : 3);
            uint32_t sc[3];
            size_t size = 1;
            for (size_t k = 0; k < arity[f]; k++) {
                int dup;
                do {
                    scope[f][k] = (size_t)zs_rng_below(&rng, n);
                    dup = 0;
                    for (size_t l = 0; l < k; l++) dup |= scope[f][l] == scope[f][k];
                } while (dup);
                sc[k] = (uint32_t)scope[f][k];
                size *= dom[sc[k]];
            }
            lt[f] = malloc(size * sizeof(double));
            for (size_t e = 0; e < size; e++)
                lt[f][e] = zs_rng_uniform(&rng) < 0.05 ? -HUGE_VAL : 150.0 * zs_rng_normal(&rng);
            CHECK(zs_factor_model_add(m, arity[f], sc, lt[f], 1) == ZS_OK);
        }
        /* brute force in log space */
        size_t off[MAXV], total = 0;
        for (size_t i = 0; i < n; i++) off[i] = total, total += dom[i];
        double amx[64], asum[64];
        for (size_t j = 0; j < total; j++) amx[j] = -HUGE_VAL, asum[j] = 0.0;
        uint32_t x[MAXV] = {0};
        for (;;) {
            double lw = 0.0;
            for (size_t f = 0; f < nf; f++) {
                size_t idx = 0;
                for (size_t k = 0; k < arity[f]; k++) idx = idx * dom[scope[f][k]] + x[scope[f][k]];
                lw += lt[f][idx];
            }
            for (size_t i = 0; i < n && lw > -HUGE_VAL; i++) {
                double *mx = &amx[off[i] + x[i]], *sm = &asum[off[i] + x[i]];
                if (lw > *mx) *sm = *sm * exp(*mx - lw) + 1.0, *mx = lw;
                else *sm += exp(lw - *mx);
            }
            size_t i = n;
            while (i-- > 0 && ++x[i] == dom[i]) x[i] = 0;
            if (i == (size_t)-1) break;
        }
        double lz = -HUGE_VAL;
        for (size_t j = 0; j < dom[0]; j++)
            if (amx[j] > -HUGE_VAL) {
                double l = amx[j] + log(asum[j]);
                lz = l > lz ? l + log1p(exp(lz - l)) : lz + log1p(exp(l - lz));
            }
        zs_factor_plan *p = NULL;
        CHECK(zs_factor_plan_alloc(m, NULL, ZS_ORDER_AUTO, &p) == ZS_OK);
        zs_factor_marginals_opts o;
        zs_factor_marginals_defaults(&o);
        o.log = 1;
        double lp[64], lnz = 0;
        zs_status st = zs_factor_marginals(m, NULL, p, &o, lp, &lnz);
        if (lz == -HUGE_VAL) {
            CHECK(st == ZS_EINVAL);
        } else {
            CHECK(st == ZS_OK);
            CHECK_REL(lnz, lz, 1e-13);
            for (size_t j = 0; j < total; j++) {
                double want = amx[j] > -HUGE_VAL ? amx[j] + log(asum[j]) - lz : -HUGE_VAL;
                if (want > -700.0) {
                    double e = fabs(lp[j] - want) / (fabs(want) > 1.0 ? fabs(want) : 1.0);
                    worst = e > worst ? e : worst;
                    CHECK(e <= 1e-12);
                    tiny += want < -50.0;
                } else {
                    CHECK(exp(lp[j]) == exp(want) || fabs(exp(lp[j]) - exp(want)) < 1e-300);
                }
            }
        }
        zs_factor_plan_free(p);
        zs_factor_model_free(m);
        for (size_t f = 0; f < nf; f++) free(lt[f]);
    }
    printf("  worst relative error of ln p %.3g; %d probabilities below e^-50 checked\n", worst, tiny);
    CHECK(tiny > 100);
}

int main(void) {
    RUN(marginals_should_match_brute_force_on_random_models);
    RUN(conditioned_marginals_should_equal_plain_ones);
    RUN(marginals_should_stay_in_log_space);
    RUN(marginals_should_match_a_log_space_brute_force_at_extreme_weights);
    RUN(marginals_should_refuse_what_they_cannot_give);
    return check_summary("test_marginals");
}
