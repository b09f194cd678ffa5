/* test_rbm.c — restricted Boltzmann machines: exact ln Z against brute force over both layers
 * (written here, simply), the published mnistvh value, AIS bands against the exact value,
 * free energies, schedules, IDX files, binarization, training and bit-identical resume. */
#include "zsum.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* A small generator independent of the library's: 64-bit LCG, uniform in [-1, 1). */
static uint64_t lcg_state;
static double lcg(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) * 0x1.0p-52 - 1.0;
}

static zs_rbm *random_rbm(size_t nv, size_t nh, double wscale, double bscale, uint64_t seed) {
    zs_rbm *r = NULL;
    if (zs_rbm_alloc(NULL, nv, nh, &r) != ZS_OK) return NULL;
    lcg_state = seed;
    for (size_t i = 0; i < nv * nh; i++) zs_rbm_w_mut(r)[i] = wscale * lcg();
    for (size_t i = 0; i < nv; i++) zs_rbm_vbias_mut(r)[i] = bscale * lcg();
    for (size_t j = 0; j < nh; j++) zs_rbm_hbias_mut(r)[j] = bscale * lcg();
    return r;
}

/* ln Z = ln sum_{v,h} exp(v.W.h + a.v + b.h), every joint state, running max. */
static double brute_lnz(const zs_rbm *r) {
    size_t nv = zs_rbm_nv(r), nh = zs_rbm_nh(r);
    const double *w = zs_rbm_w(r), *a = zs_rbm_vbias(r), *b = zs_rbm_hbias(r);
    double mx = -HUGE_VAL, s = 0.0;
    for (uint64_t vs = 0; vs < (1ULL << nv); vs++)
        for (uint64_t hs = 0; hs < (1ULL << nh); hs++) {
            double e = 0.0;
            for (size_t i = 0; i < nv; i++) {
                if (!(vs >> i & 1)) continue;
                e += a[i];
                for (size_t j = 0; j < nh; j++)
                    if (hs >> j & 1) e += w[i * nh + j];
            }
            for (size_t j = 0; j < nh; j++)
                if (hs >> j & 1) e += b[j];
            if (e > mx) {
                s = s * exp(mx - e) + 1.0;
                mx = e;
            } else {
                s += exp(e - mx);
            }
        }
    return mx + log(s);
}

static void exact_matches_brute_force_over_both_layers(void) {
    static const size_t dims[][2] = {{1, 1}, {3, 2}, {2, 5}, {6, 6}, {7, 9}, {12, 7}, {9, 11}};
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        for (int scale = 0; scale < 2; scale++) {
            /* scale 0: small weights (the FMA kernel); scale 1: large ones (the exp kernel). */
            double ws = scale ? 60.0 : 0.7, bs = scale ? 30.0 : 1.3;
            zs_rbm *r = random_rbm(dims[t][0], dims[t][1], ws, bs, 1000 + t);
            double lnz = 0;
            CHECK(zs_rbm_lnz_exact(r, 0, &lnz) == ZS_OK);
            double want = brute_lnz(r);
            CHECK_REL(lnz, want, 1e-12);
            zs_rbm_free(r);
        }
    }
}

static void exact_has_no_overflow_above_3000(void) {
    /* All weights +40: ln Z is at least the energy of the all-ones state, 10*9*40 + biases. */
    zs_rbm *r = random_rbm(10, 9, 0.0, 1.0, 7);
    for (size_t i = 0; i < 90; i++) zs_rbm_w_mut(r)[i] = 40.0 + 0.25 * (double)(i % 7);
    double lnz = 0, want = brute_lnz(r);
    CHECK(want > 3000);
    CHECK(zs_rbm_lnz_exact(r, 0, &lnz) == ZS_OK);
    CHECK_REL(lnz, want, 1e-13);
    zs_rbm_free(r);
    /* 700 x 12 with mixed signs: ln Z above 3000; checked against the sum over h written out. */
    r = random_rbm(700, 12, 10.0, 4.0, 8);
    CHECK(zs_rbm_lnz_exact(r, 0, &lnz) == ZS_OK);
    double mx = -HUGE_VAL, s = 0;
    for (uint64_t hs = 0; hs < (1ULL << 12); hs++) {
        double e = 0;
        for (size_t j = 0; j < 12; j++)
            if (hs >> j & 1) e += zs_rbm_hbias(r)[j];
        for (size_t i = 0; i < 700; i++) {
            double x = zs_rbm_vbias(r)[i];
            for (size_t j = 0; j < 12; j++)
                if (hs >> j & 1) x += zs_rbm_w(r)[i * 12 + j];
            e += x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
        }
        if (e > mx) {
            s = s * exp(mx - e) + 1;
            mx = e;
        } else s += exp(e - mx);
    }
    CHECK(mx + log(s) > 3000);
    CHECK_REL(lnz, mx + log(s), 1e-12);
    zs_rbm_free(r);
}

static void exact_does_not_depend_on_threads(void) {
    zs_ctx *c1 = zs_ctx_alloc(), *c2 = zs_ctx_alloc();
    zs_ctx_set_threads(c1, 1);
    zs_ctx_set_threads(c2, 3);
    zs_rbm *r = random_rbm(40, check_short_run() ? 14 : 18, 0.5, 1.0, 9), *q = NULL;
    zs_rbm_alloc(c1, 40, zs_rbm_nh(r), &q);
    double l1 = 0, l2 = 1;
    CHECK(zs_rbm_lnz_exact(r, 0, &l1) == ZS_OK);
    zs_rbm_free(q);
    /* same model under two contexts */
    zs_rbm *r1 = NULL, *r2 = NULL;
    zs_rbm_alloc(c1, 40, zs_rbm_nh(r), &r1);
    zs_rbm_alloc(c2, 40, zs_rbm_nh(r), &r2);
    memcpy(zs_rbm_w_mut(r1), zs_rbm_w(r), 40 * zs_rbm_nh(r) * sizeof(double));
    memcpy(zs_rbm_w_mut(r2), zs_rbm_w(r), 40 * zs_rbm_nh(r) * sizeof(double));
    memcpy(zs_rbm_vbias_mut(r1), zs_rbm_vbias(r), 40 * sizeof(double));
    memcpy(zs_rbm_vbias_mut(r2), zs_rbm_vbias(r), 40 * sizeof(double));
    memcpy(zs_rbm_hbias_mut(r1), zs_rbm_hbias(r), zs_rbm_nh(r) * sizeof(double));
    memcpy(zs_rbm_hbias_mut(r2), zs_rbm_hbias(r), zs_rbm_nh(r) * sizeof(double));
    CHECK(zs_rbm_lnz_exact(r1, 0, &l1) == ZS_OK);
    CHECK(zs_rbm_lnz_exact(r2, 0, &l2) == ZS_OK);
    CHECK(l1 == l2);
    zs_rbm_free(r);
    zs_rbm_free(r1);
    zs_rbm_free(r2);
    zs_ctx_free(c1);
    zs_ctx_free(c2);
}

static void exact_refuses_too_large_with_an_estimate(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *r = NULL;
    zs_rbm_alloc(ctx, 500, 64, &r);
    double lnz = 0;
    CHECK(zs_rbm_lnz_exact(r, 3600, &lnz) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "annealed importance sampling") && strstr(zs_last_error(ctx), "years"));
    zs_rbm_free(r);
    zs_rbm_alloc(ctx, 500, 40, &r);
    CHECK(zs_rbm_lnz_exact(r, 3600, &lnz) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "2^40") != NULL);
    zs_rbm_free(r);
    zs_ctx_free(ctx);
}

static void exact_matches_mnistvh_reference(void) {
    const char *shared = getenv("ZSUM_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/rbm/mnistvh.npz", shared ? shared : "../shared");
    if (access(path, R_OK) != 0) {
        printf("SKIP exact_matches_mnistvh_reference: %s is absent\n", path);
        return;
    }
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *r = NULL;
    CHECK(zs_rbm_load(ctx, path, &r) == ZS_OK);
    if (r) {
        CHECK(zs_rbm_nv(r) == 784 && zs_rbm_nh(r) == 15);
        double lnz = 0;
        CHECK(zs_rbm_lnz_exact(r, 0, &lnz) == ZS_OK);
        /* Published in ../shared/data/README.md: ln Z = 215.1384055253 (10 decimals). */
        CHECK(fabs(lnz - 215.1384055253) < 1e-9 * 215.1384055253);
    }
    zs_rbm_free(r);
    zs_ctx_free(ctx);
}

static void free_energy_matches_the_sum_over_h(void) {
    zs_rbm *r = random_rbm(7, 5, 1.5, 1.0, 11);
    double v[7];
    for (uint64_t vs = 0; vs < 128; vs += 9) {
        for (int i = 0; i < 7; i++) v[i] = (double)(vs >> i & 1);
        double s = 0;
        for (uint64_t hs = 0; hs < 32; hs++) {
            double e = 0;
            for (int i = 0; i < 7; i++) {
                e += v[i] * zs_rbm_vbias(r)[i];
                for (int j = 0; j < 5; j++) e += v[i] * (double)(hs >> j & 1) * zs_rbm_w(r)[i * 5 + j];
            }
            for (int j = 0; j < 5; j++) e += (double)(hs >> j & 1) * zs_rbm_hbias(r)[j];
            s += exp(e);
        }
        CHECK_REL(zs_rbm_free_energy(r, v), -log(s), 1e-13);
    }
    zs_rbm_free(r);
}

static void sm08_schedule_has_14500_steps(void) {
    double *b = NULL;
    size_t n = 0;
    CHECK(zs_rbm_schedule_sm08(&b, &n) == ZS_OK);
    CHECK_EQ_INT(n, 14501);
    CHECK(b[0] == 0.0 && b[n - 1] == 1.0);
    CHECK_REL(b[500], 0.5, 1e-15);
    CHECK_REL(b[501] - b[500], 1e-4, 1e-9);
    CHECK_REL(b[4500], 0.9, 1e-15);
    CHECK_REL(b[4501] - b[4500], 1e-5, 1e-9);
    CHECK(zs_rbm_schedule_check(NULL, b, n) == ZS_OK);
    free(b);
    zs_ctx *ctx = zs_ctx_alloc();
    double bad1[3] = {0, 0.7, 0.6}, bad2[3] = {0.1, 0.5, 1}, bad3[3] = {0, 0.5, 0.99}, bad4[4] = {0, 0.5, 0.5, 1};
    CHECK(zs_rbm_schedule_check(ctx, bad1, 3) == ZS_EINVAL);
    CHECK(zs_rbm_schedule_check(ctx, bad2, 3) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "must be 0") != NULL);
    CHECK(zs_rbm_schedule_check(ctx, bad3, 3) == ZS_EINVAL);
    CHECK(zs_rbm_schedule_check(ctx, bad4, 4) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "does not increase") != NULL);
    zs_ctx_free(ctx);
}

/* Count seeds whose band [lnZ_lo, lnZ_hi] holds the exact value. */
static int ais_hits(const zs_rbm *r, double exact, int seeds, size_t temps, zs_rbm_ais_base base,
                    const uint8_t *data, size_t nd) {
    double *b = NULL;
    size_t nb = 0;
    zs_rbm_schedule_linear(temps, &b, &nb);
    int hits = 0;
    for (int s = 1; s <= seeds; s++) {
        zs_rbm_ais_opts o;
        zs_rbm_ais_defaults(&o);
        o.seed = (uint64_t)s;
        o.betas = b;
        o.nbetas = nb;
        o.base = base;
        o.data = data;
        o.n_data = nd;
        zs_rbm_ais_result res;
        if (zs_rbm_lnz_ais(r, &o, &res) != ZS_OK) continue;
        if (res.band.lo <= exact && exact <= res.band.hi) hits++;
        else printf("  seed %d: band [%.6f, %.6f] misses %.6f\n", s, res.band.lo, res.band.hi, exact);
    }
    free(b);
    return hits;
}

static void ais_band_holds_exact_on_random_models(void) {
    int seeds = check_short_run() ? 3 : 20, need = check_short_run() ? 2 : 18;
    zs_rbm *r = random_rbm(24, 10, 1.2, 1.0, 21);
    double exact = 0;
    zs_rbm_lnz_exact(r, 0, &exact);
    CHECK(ais_hits(r, exact, seeds, 1000, ZS_RBM_AIS_BASE_UNIFORM, NULL, 0) >= need);
    zs_rbm_free(r);
    r = random_rbm(12, 30, 0.8, 0.5, 22); /* visible is the smaller layer */
    zs_rbm_lnz_exact(r, 0, &exact);
    CHECK(ais_hits(r, exact, seeds, 1000, ZS_RBM_AIS_BASE_MODEL, NULL, 0) >= need);
    zs_rbm_free(r);
}

/* The sandwich over seeds: the forward band holds the exact value, the reverse side's band
 * reaches above it, and in every run either the exact value lies in the joined bands or the
 * two sides are reported to disagree. */
typedef struct sandwich_counts {
    int forward_hits, reverse_above, honest, runs;
} sandwich_counts;

static sandwich_counts sandwich_seeds(const zs_rbm *r, double exact, int seeds, size_t temps,
                                      zs_rbm_ais_base base, size_t pt_temps, uint64_t pt_sweeps) {
    sandwich_counts n = {0, 0, 0, 0};
    double *b = NULL;
    size_t nb = 0;
    zs_rbm_schedule_linear(temps, &b, &nb);
    for (int s = 1; s <= seeds; s++) {
        zs_rbm_sandwich_opts o;
        zs_rbm_sandwich_defaults(&o);
        o.ais.seed = (uint64_t)s;
        o.ais.betas = b;
        o.ais.nbetas = nb;
        o.ais.chains = 50;
        o.ais.base = base;
        o.pt_temperatures = pt_temps;
        o.pt_sweeps = pt_sweeps;
        zs_rbm_sandwich_result res;
        if (zs_rbm_lnz_sandwich(r, &o, &res) != ZS_OK) continue;
        n.runs++;
        n.forward_hits += res.forward.band.lo <= exact && exact <= res.forward.band.hi;
        n.reverse_above += res.upper_band.hi >= exact;
        int inside = res.sandwich.bracket.lo <= exact && exact <= res.sandwich.bracket.hi;
        n.honest += inside || !res.sandwich.agree;
        if (!inside)
            printf("  seed %d: forward %.4f [%.4f, %.4f], reverse %.4f [%.4f, %.4f], exact %.4f, agree %d\n",
                   s, res.forward.lnz.value, res.forward.band.lo, res.forward.band.hi, res.upper.value,
                   res.upper_band.lo, res.upper_band.hi, exact, res.sandwich.agree);
    }
    free(b);
    return n;
}

static void sandwich_brackets_exact_or_says_unreliable(void) {
    int seeds = check_short_run() ? 2 : 20, need = check_short_run() ? 1 : 18;
    struct { size_t nv, nh; double ws, bs; uint64_t seed; zs_rbm_ais_base base; size_t temps; } m[] = {
        {24, 10, 1.2, 1.0, 21, ZS_RBM_AIS_BASE_AUTO, 500},
        {12, 30, 0.8, 0.5, 22, ZS_RBM_AIS_BASE_AUTO, 500},
        {40, 12, 2.5, 1.0, 23, ZS_RBM_AIS_BASE_AUTO, 1000}, /* strong couplings: several modes */
        {40, 12, 2.5, 1.0, 23, ZS_RBM_AIS_BASE_UNIFORM, 20}, /* far too short: must say so */
    };
    for (size_t t = 0; t < sizeof m / sizeof m[0]; t++) {
        zs_rbm *r = random_rbm(m[t].nv, m[t].nh, m[t].ws, m[t].bs, m[t].seed);
        double exact = 0;
        zs_rbm_lnz_exact(r, 0, &exact);
        sandwich_counts n = sandwich_seeds(r, exact, seeds, m[t].temps, m[t].base, 20, 400);
        printf("  model %zu (%zux%zu, %zu temperatures): forward hits %d, reverse above %d, "
               "honest %d of %d\n", t, m[t].nv, m[t].nh, m[t].temps, n.forward_hits,
               n.reverse_above, n.honest, n.runs);
        CHECK(n.runs == seeds);
        CHECK(n.honest == seeds);
        if (t < 3) {
            CHECK(n.forward_hits >= need);
            CHECK(n.reverse_above >= need);
        }
        zs_rbm_free(r);
    }
}

/* The sandwich does not depend on the thread count, and rejects what it cannot run. */
static void sandwich_is_thread_independent_and_checks_options(void) {
    zs_rbm *r = random_rbm(30, 8, 1.0, 1.0, 24);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *q = NULL;
    zs_rbm_alloc(ctx, 30, 8, &q);
    memcpy(zs_rbm_w_mut(q), zs_rbm_w(r), 30 * 8 * sizeof(double));
    memcpy(zs_rbm_vbias_mut(q), zs_rbm_vbias(r), 30 * sizeof(double));
    memcpy(zs_rbm_hbias_mut(q), zs_rbm_hbias(r), 8 * sizeof(double));
    zs_rbm_sandwich_opts o;
    zs_rbm_sandwich_defaults(&o);
    double *b = NULL;
    size_t nb = 0;
    zs_rbm_schedule_linear(200, &b, &nb);
    o.ais.betas = b;
    o.ais.nbetas = nb;
    o.ais.chains = 13;
    o.pt_temperatures = 10;
    o.pt_sweeps = 100;
    o.pt_ladders = 3;
    zs_rbm_sandwich_result r1, r2;
    zs_ctx_set_threads(ctx, 1);
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r1) == ZS_OK);
    zs_ctx_set_threads(ctx, 2);
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r2) == ZS_OK);
    CHECK(r1.forward.lnz.value == r2.forward.lnz.value && r1.upper.value == r2.upper.value);
    CHECK(r1.pt_swap_min == r2.pt_swap_min && r1.base_from_pt == 1 && r1.reverse == ZS_RBM_REVERSE_PT);
    /* reverse from rows: byte 2 refused; no rows refused */
    uint8_t rows[2 * 30] = {0};
    o.reverse = ZS_RBM_REVERSE_DATA;
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r1) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "need rows") != NULL);
    o.start_rows = rows;
    o.n_start = 2;
    rows[35] = 2;
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r1) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "start row 1, column 5 is 2") != NULL);
    rows[35] = 1;
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r1) == ZS_OK && r1.reverse == ZS_RBM_REVERSE_DATA);
    o.reverse = ZS_RBM_REVERSE_AUTO;
    o.pt_temperatures = 1;
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r1) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "pt_temperatures") != NULL);
    o.pt_temperatures = 10;
    o.pt_sweeps = 1;
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r1) == ZS_EINVAL);
    o.pt_sweeps = 10;
    o.pt_ladders = 0;
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r1) == ZS_EINVAL);
    o.pt_ladders = 2;
    o.reverse = ZS_RBM_REVERSE_NONE;
    o.ais.base = ZS_RBM_AIS_BASE_UNIFORM;
    CHECK(zs_rbm_lnz_sandwich(q, &o, &r1) == ZS_OK && r1.sandwich.agree == 1 && isnan(r1.upper.value));
    CHECK(isnan(r1.pt_swap_min)); /* neither side needed PT */
    /* the generic summary: reverse of weights ln w = -(lnZ - lnZ_A) for every run is exact */
    double lw[4] = {-3.0, -3.0, -3.0, -3.0};
    zs_estimate e;
    zs_interval band;
    CHECK(zs_ais_summarize(ctx, lw, 4, 1.0, 1, &e, &band) == ZS_OK && e.value == 4.0 && band.lo == 4.0);
    CHECK(zs_ais_summarize(ctx, lw, 1, 1.0, 1, &e, &band) == ZS_EINVAL);
    lw[2] = (double)NAN;
    CHECK(zs_ais_summarize(ctx, lw, 4, 1.0, 0, &e, &band) == ZS_ENUMERIC);
    CHECK(strstr(zs_last_error(ctx), "forward run 2") != NULL);
    zs_sandwich sw;
    zs_estimate lo = {1.0, 0.1, 10}, hi = {1.5, 0.1, 10};
    zs_interval lb = {0.8, 1.2, 0.99}, hb = {1.3, 1.7, 0.99};
    zs_sandwich_judge(&lo, &lb, &hi, &hb, &sw);
    CHECK(!sw.agree && sw.bracket.lo == 0.8 && sw.bracket.hi == 1.7 && fabs(sw.gap - 0.5) < 1e-15);
    hb.lo = 1.1;
    zs_sandwich_judge(&lo, &lb, &hi, &hb, &sw);
    CHECK(sw.agree);
    free(b);
    zs_rbm_free(q);
    zs_rbm_free(r);
    zs_ctx_free(ctx);
}

/* Data: 4 prototypes of 30 pixels with 5% of pixels flipped. */
/* Binary rows as the library takes them: one byte a value. */
static uint8_t *toy_data(size_t n, size_t nv, uint64_t seed) {
    uint8_t *d = malloc(n * nv * sizeof *d);
    lcg_state = seed;
    for (size_t q = 0; q < n; q++) {
        size_t proto = q % 4;
        for (size_t i = 0; i < nv; i++) {
            int on = (i / (nv / 4)) == proto || (i % 4) == proto;
            if (lcg() > 0.9) on = !on;
            d[q * nv + i] = (uint8_t)on;
        }
    }
    return d;
}

static double mean_loglik(const zs_rbm *r, const uint8_t *d, size_t n) {
    double lnz = 0;
    zs_rbm_lnz_exact(r, 0, &lnz);
    const size_t nv = zs_rbm_nv(r);
    double s = 0, *v = malloc(nv * sizeof *v);
    for (size_t q = 0; q < n; q++) {
        for (size_t i = 0; i < nv; i++) v[i] = d[q * nv + i];
        s += -zs_rbm_free_energy(r, v) - lnz;
    }
    free(v);
    return s / (double)n;
}

static void training_raises_likelihood_and_ais_holds_on_trained_model(void) {
    const size_t nv = 32, nh = 8, n = 400;
    uint8_t *d = toy_data(n, nv, 5);
    zs_rbm *r = NULL;
    zs_rbm_alloc(NULL, nv, nh, &r);
    lcg_state = 99;
    for (size_t i = 0; i < nv * nh; i++) zs_rbm_w_mut(r)[i] = 0.01 * lcg();
    double before = mean_loglik(r, d, n);
    for (int pcd = 0; pcd <= 1; pcd++) {
        zs_rbm_train_opts o;
        zs_rbm_train_defaults(&o);
        o.persistent = pcd;
        o.batch = 20;
        o.lr = pcd ? 0.02 : 0.1;
        o.momentum = 0.5;
        o.seed = 4;
        zs_rbm_trainer *t = NULL;
        CHECK(zs_rbm_trainer_alloc(NULL, r, &o, d, n, &t) == ZS_OK);
        double recon0 = 0, recon = 0;
        for (int e = 0; e < 30; e++) CHECK(zs_rbm_trainer_epoch(t, e ? &recon : &recon0) == ZS_OK);
        CHECK(recon < recon0);
        zs_rbm *trained = NULL;
        zs_rbm_alloc(NULL, nv, nh, &trained);
        zs_rbm_trainer_get(t, trained);
        double after = mean_loglik(trained, d, n);
        printf("  pcd %d recon %g -> %g loglik %g -> %g\n", pcd, recon0, recon, before, after);
        CHECK(after > before + 3.0);
        if (pcd) {
            double exact = 0;
            zs_rbm_lnz_exact(trained, 0, &exact);
            int seeds = check_short_run() ? 3 : 20, need = check_short_run() ? 2 : 18;
            CHECK(ais_hits(trained, exact, seeds, 1000, ZS_RBM_AIS_BASE_DATA, d, n) >= need);
        }
        zs_rbm_free(trained);
        zs_rbm_trainer_free(t);
    }
    zs_rbm_free(r);
    free(d);
}

/* The base from given frequencies (a model's stored train_data_frequency) is the data base of
 * the same frequencies: p_i = (count_i + 1) / (n + 2) computed here gives the very same run; a
 * frequency of 0, 1 or NaN, or none, is refused. */
static void ais_rate_base_is_the_data_base_of_the_same_frequencies(void) {
    const size_t nv = 32, nh = 6, n = 50;
    uint8_t *d = toy_data(n, nv, 8);
    double p[32];
    zs_rbm *r = random_rbm(nv, nh, 0.5, 0.5, 31);
    for (size_t i = 0; i < nv; i++) {
        double c = 0;
        for (size_t q = 0; q < n; q++) c += d[q * nv + i];
        p[i] = (c + 1.0) / ((double)n + 2.0);
    }
    double *b = NULL;
    size_t nb = 0;
    zs_rbm_schedule_linear(300, &b, &nb);
    zs_rbm_ais_opts o;
    zs_rbm_ais_defaults(&o);
    o.betas = b, o.nbetas = nb, o.seed = 5, o.chains = 20;
    zs_rbm_ais_result rd, rr;
    o.base = ZS_RBM_AIS_BASE_DATA, o.data = d, o.n_data = n;
    CHECK(zs_rbm_lnz_ais(r, &o, &rd) == ZS_OK);
    o.base = ZS_RBM_AIS_BASE_RATE, o.data = NULL, o.n_data = 0, o.rate = p;
    CHECK(zs_rbm_lnz_ais(r, &o, &rr) == ZS_OK);
    CHECK(rd.lnz.value == rr.lnz.value && rd.lnz_base == rr.lnz_base && rd.lnz.ess == rr.lnz.ess);
    CHECK(rd.base == ZS_RBM_AIS_BASE_DATA && rr.base == ZS_RBM_AIS_BASE_RATE);
    CHECK(rd.band.lo < rd.lnz.value && rd.lnz.value < rd.band.hi);
    CHECK(rd.band.confidence > 0.9972 && rd.band.confidence < 0.9974);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *rc = NULL;
    zs_rbm_alloc(ctx, nv, nh, &rc);
    memcpy(zs_rbm_w_mut(rc), zs_rbm_w(r), nv * nh * sizeof(double));
    const double bad[3] = {0.0, 1.0, (double)NAN};
    for (int k = 0; k < 3; k++) {
        const double keep = p[7];
        p[7] = bad[k];
        CHECK(zs_rbm_lnz_ais(rc, &o, &rr) == ZS_EINVAL);
        CHECK(strstr(zs_last_error(ctx), "base frequency 7") != NULL);
        p[7] = keep;
    }
    o.rate = NULL;
    CHECK(zs_rbm_lnz_ais(rc, &o, &rr) == ZS_EINVAL);
    zs_rbm_free(rc);
    zs_ctx_free(ctx);
    zs_rbm_free(r);
    free(b);
    free(d);
}

/* Training partitions batch rows, visible units and hidden units among the threads; every
 * number must come out the same for any thread count, for CD (without momentum: no velocity
 * array) and PCD (with momentum), with a short last batch, nh crossing the kernels' 64-column
 * slices and nv crossing the update's 64-unit chunks. */
static void training_does_not_depend_on_threads(void) {
    const size_t nv = 100, nh = 150, n = 90;
    uint8_t *d = toy_data(n, nv, 8);
    zs_rbm *r = random_rbm(nv, nh, 0.05, 0.1, 4);
    for (int pcd = 0; pcd < 2; pcd++) {
        double ref_recon = 0.0;
        zs_rbm *ref = NULL;
        zs_rbm_alloc(NULL, nv, nh, &ref);
        for (int threads = 1; threads <= 3; threads++) {
            zs_ctx *ctx = zs_ctx_alloc();
            zs_ctx_set_threads(ctx, threads);
            zs_rbm_train_opts o;
            zs_rbm_train_defaults(&o);
            o.persistent = pcd;
            o.k = pcd ? 1 : 2;
            o.batch = 32;
            o.momentum = pcd ? 0.5 : 0.0;
            o.weight_decay = 1e-3;
            o.seed = 11;
            zs_rbm_trainer *t = NULL;
            double recon = 0.0;
            CHECK(zs_rbm_trainer_alloc(ctx, r, &o, d, n, &t) == ZS_OK);
            for (int e = 0; e < 3; e++) CHECK(zs_rbm_trainer_epoch(t, &recon) == ZS_OK);
            zs_rbm *m = NULL;
            zs_rbm_alloc(NULL, nv, nh, &m);
            zs_rbm_trainer_get(t, m);
            if (threads == 1) {
                zs_rbm_trainer_get(t, ref);
                ref_recon = recon;
                CHECK(zs_rbm_w(m)[0] != zs_rbm_w(r)[0]); /* it did train */
            } else {
                CHECK(recon == ref_recon);
                CHECK(!memcmp(zs_rbm_w(m), zs_rbm_w(ref), nv * nh * sizeof(double)));
                CHECK(!memcmp(zs_rbm_vbias(m), zs_rbm_vbias(ref), nv * sizeof(double)));
                CHECK(!memcmp(zs_rbm_hbias(m), zs_rbm_hbias(ref), nh * sizeof(double)));
            }
            zs_rbm_free(m);
            zs_rbm_trainer_free(t);
            zs_ctx_free(ctx);
        }
        zs_rbm_free(ref);
    }
    zs_rbm_free(r);
    free(d);
}

static void resume_is_bit_identical(void) {
    const size_t nv = 16, nh = 6, n = 90;
    uint8_t *d = toy_data(n, nv, 6);
    zs_rbm *r = random_rbm(nv, nh, 0.05, 0.1, 3);
    char dir[] = "/tmp/zsum_rbm_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    char pa[256], pb[256];
    snprintf(pa, sizeof pa, "%s/a.npz", dir);
    snprintf(pb, sizeof pb, "%s/b.npz", dir);
    zs_rbm_train_opts o;
    zs_rbm_train_defaults(&o);
    o.persistent = 1;
    o.k = 2;
    o.batch = 32; /* n is not a multiple: a short last batch */
    o.momentum = 0.9;
    o.weight_decay = 1e-3;
    o.seed = 77;
    zs_rbm_trainer *t = NULL, *u = NULL;
    zs_rbm_trainer_alloc(NULL, r, &o, d, n, &t);
    zs_rbm_trainer_epoch(t, NULL);
    zs_rbm_trainer_epoch(t, NULL);
    CHECK(zs_rbm_trainer_save(t, pa) == ZS_OK);
    zs_rbm_trainer_free(t);
    zs_rbm_trainer_alloc(NULL, r, &o, d, n, &t);
    zs_rbm_trainer_epoch(t, NULL);
    CHECK(zs_rbm_trainer_save(t, pb) == ZS_OK);
    zs_rbm_trainer_free(t);
    zs_rbm_trainer_alloc(NULL, r, &o, d, n, &u);
    CHECK(zs_rbm_trainer_resume(u, pb) == ZS_OK);
    CHECK_EQ_INT(zs_rbm_trainer_epochs_done(u), 1);
    zs_rbm_trainer_epoch(u, NULL);
    CHECK(zs_rbm_trainer_save(u, pb) == ZS_OK);
    zs_rbm_trainer_free(u);
    FILE *fa = fopen(pa, "rb"), *fb = fopen(pb, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    CHECK(same);
    /* Options must match. */
    zs_ctx *ctx = zs_ctx_alloc();
    o.lr = 0.07;
    zs_rbm_trainer_alloc(ctx, r, &o, d, n, &u);
    CHECK(zs_rbm_trainer_resume(u, pa) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "lr") != NULL);
    zs_rbm_trainer_free(u);
    zs_ctx_free(ctx);
    remove(pa);
    remove(pb);
    rmdir(dir);
    zs_rbm_free(r);
    free(d);
}

static void divergence_stops_and_keeps_parameters(void) {
    const size_t nv = 16, nh = 6, n = 40;
    uint8_t *d = toy_data(n, nv, 6);
    zs_rbm *r = random_rbm(nv, nh, 0.05, 0.1, 3);
    zs_rbm_train_opts o;
    zs_rbm_train_defaults(&o);
    o.lr = 1e30;
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm_trainer *t = NULL;
    zs_rbm_trainer_alloc(ctx, r, &o, d, n, &t);
    CHECK(zs_rbm_trainer_epoch(t, NULL) == ZS_ENUMERIC);
    CHECK(strstr(zs_last_error(ctx), "diverged") != NULL);
    CHECK_EQ_INT(zs_rbm_trainer_epochs_done(t), 0);
    zs_rbm *q = NULL;
    zs_rbm_alloc(NULL, nv, nh, &q);
    zs_rbm_trainer_get(t, q);
    CHECK(zs_rbm_w(q)[5] == (double)(float)zs_rbm_w(r)[5]);
    zs_rbm_free(q);
    zs_rbm_trainer_free(t);
    zs_ctx_free(ctx);
    zs_rbm_free(r);
    free(d);
}

static void model_files_round_trip_and_reject_bad_ones(void) {
    char dir[] = "/tmp/zsum_rbmf_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    char p[256];
    snprintf(p, sizeof p, "%s/m.npz", dir);
    zs_rbm *r = random_rbm(5, 3, 1.0, 1.0, 1), *q = NULL;
    CHECK(zs_rbm_save(r, p, ZS_DTYPE_F8, 0, NULL, NULL) == ZS_OK);
    CHECK(zs_rbm_load(NULL, p, &q) == ZS_OK);
    if (q) CHECK(memcmp(zs_rbm_w(q), zs_rbm_w(r), 15 * sizeof(double)) == 0 && zs_rbm_dtype(q) == ZS_DTYPE_F8);
    zs_rbm_free(q);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm_w_mut(r)[7] = (double)NAN;
    CHECK(zs_rbm_save(r, p, ZS_DTYPE_F4, 0, NULL, NULL) == ZS_OK);
    q = NULL;
    CHECK(zs_rbm_load(ctx, p, &q) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "W: entry (2, 1) = nan is not finite") != NULL);
    /* shape mismatch: hbias of 4 for W 5x3 */
    uint64_t s2[2] = {5, 3}, s1[1] = {5}, s4[1] = {4};
    zs_array *w = NULL, *a = NULL, *b = NULL;
    zs_array_alloc(NULL, ZS_DTYPE_F8, 2, s2, &w);
    zs_array_alloc(NULL, ZS_DTYPE_F8, 1, s1, &a);
    zs_array_alloc(NULL, ZS_DTYPE_F8, 1, s4, &b);
    const char *names[3] = {"W", "vbias", "hbias"};
    const zs_array *arr[3] = {w, a, b};
    zs_npz_write(NULL, p, 3, names, arr, 0);
    CHECK(zs_rbm_load(ctx, p, &q) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "(5, 3)") && strstr(zs_last_error(ctx), "(4,)"));
    zs_npz_write(NULL, p, 2, names, arr, 0);
    CHECK(zs_rbm_load(ctx, p, &q) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "'hbias'") && strstr(zs_last_error(ctx), "W, vbias"));
    zs_array_free(w);
    zs_array_free(a);
    zs_array_free(b);
    remove(p);
    rmdir(dir);
    zs_ctx_free(ctx);
    zs_rbm_free(r);
}

static void idx_files_and_binarization(void) {
    char dir[] = "/tmp/zsum_idx_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    char p[256], pz[256];
    snprintf(p, sizeof p, "%s/x-ubyte", dir);
    snprintf(pz, sizeof pz, "%s/x-ubyte.gz", dir);
    uint64_t shape[3] = {3, 2, 4};
    zs_array *a = NULL, *b = NULL;
    zs_array_alloc(NULL, ZS_DTYPE_U1, 3, shape, &a);
    for (size_t i = 0; i < 24; i++) zs_array_data(a)[i] = (double)(i * 11 % 256);
    CHECK(zs_idx_write_u8(NULL, p, a) == ZS_OK);
    CHECK(zs_idx_write_u8(NULL, pz, a) == ZS_OK);
    const char *paths[2] = {p, pz};
    for (int k = 0; k < 2; k++) {
        b = NULL;
        CHECK(zs_idx_read(NULL, paths[k], &b) == ZS_OK);
        if (b) {
            CHECK(zs_array_ndim(b) == 3 && zs_array_dim(b, 2) == 4);
            CHECK(memcmp(zs_array_cdata(a), zs_array_cdata(b), 24 * sizeof(double)) == 0);
        }
        zs_array_free(b);
    }
    /* rows: N x D */
    b = NULL;
    CHECK(zs_data_load(NULL, pz, &b) == ZS_OK);
    if (b) CHECK(zs_array_ndim(b) == 2 && zs_array_dim(b, 0) == 3 && zs_array_dim(b, 1) == 8);
    /* binarization: none rejects, threshold = half of max 253 */
    zs_ctx *ctx = zs_ctx_alloc();
    CHECK(zs_data_binarize(ctx, b, ZS_BINARIZE_NONE, (double)NAN, 0) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "row 0, column 1 = 11 is not 0 or 1") != NULL);
    CHECK(zs_data_binarize(ctx, b, ZS_BINARIZE_THRESHOLD, (double)NAN, 0) == ZS_OK);
    double mx = 0;
    for (size_t i = 0; i < 24; i++) mx = fmax(mx, (double)(i * 11 % 256));
    for (size_t i = 0; i < 24; i++)
        CHECK(zs_array_cdata(b)[i] == ((double)(i * 11 % 256) > mx / 2 ? 1.0 : 0.0));
    zs_array_free(b);
    /* header disagreeing with the size */
    FILE *f = fopen(p, "wb");
    unsigned char hdr[12] = {0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 4};
    fwrite(hdr, 1, 12, f);
    fwrite(hdr, 1, 11, f);
    fclose(f);
    b = NULL;
    CHECK(zs_idx_read(ctx, p, &b) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "3x4") && strstr(zs_last_error(ctx), "has 11"));
    zs_ctx_free(ctx);
    zs_array_free(a);
    remove(p);
    remove(pz);
    rmdir(dir);
}

#include <time.h>
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
#undef RUN
#define RUN(test)                                                  \
    do {                                                           \
        double t0_ = now();                                        \
        check_current = #test;                                     \
        test();                                                    \
        if (getenv("ZSUM_TEST_TIMES")) printf("%-70s %.2fs\n", #test, now() - t0_); \
    } while (0)

static void stochastic_binarization_is_seeded_and_unbiased(void) {
    uint64_t shape[2] = {200, 20};
    zs_array *a = NULL, *b = NULL, *c = NULL;
    zs_array_alloc(NULL, ZS_DTYPE_U1, 2, shape, &a);
    zs_array_alloc(NULL, ZS_DTYPE_U1, 2, shape, &b);
    zs_array_alloc(NULL, ZS_DTYPE_U1, 2, shape, &c);
    /* Column 0 holds the maximum 200; the others 50: p = 0.25. */
    for (size_t i = 0; i < 4000; i++) {
        double x = i % 20 == 0 ? 200.0 : 50.0;
        zs_array_data(a)[i] = zs_array_data(b)[i] = zs_array_data(c)[i] = x;
    }
    CHECK(zs_data_binarize(NULL, a, ZS_BINARIZE_STOCHASTIC, (double)NAN, 5) == ZS_OK);
    CHECK(zs_data_binarize(NULL, b, ZS_BINARIZE_STOCHASTIC, (double)NAN, 5) == ZS_OK);
    CHECK(zs_data_binarize(NULL, c, ZS_BINARIZE_STOCHASTIC, (double)NAN, 6) == ZS_OK);
    CHECK(memcmp(zs_array_cdata(a), zs_array_cdata(b), 4000 * sizeof(double)) == 0);
    CHECK(memcmp(zs_array_cdata(a), zs_array_cdata(c), 4000 * sizeof(double)) != 0);
    double ones = 0, col0 = 0;
    for (size_t i = 0; i < 4000; i++) {
        if (i % 20 == 0) col0 += zs_array_cdata(a)[i];
        else ones += zs_array_cdata(a)[i];
    }
    CHECK(col0 == 200.0);                   /* p = 1 */
    CHECK(fabs(ones / 3800.0 - 0.25) < 0.03); /* binomial sd 0.007: 4 sd */
    zs_array_free(a);
    zs_array_free(b);
    zs_array_free(c);
}

static void gibbs_samples_of_an_uncoupled_model_are_its_marginals(void) {
    /* W = 0: p(v_i = 1 | h) = sigmoid(a_i) whatever h, so every chain's output is exact. */
    zs_rbm *r = random_rbm(9, 4, 0.0, 2.0, 31);
    double out[3 * 9];
    CHECK(zs_rbm_sample(r, 3, 5, 1, out) == ZS_OK);
    for (size_t c = 0; c < 3; c++)
        for (size_t i = 0; i < 9; i++) CHECK_REL(out[c * 9 + i], 1.0 / (1.0 + exp(-zs_rbm_vbias(r)[i])), 1e-15);
    CHECK(zs_rbm_sample(r, 0, 5, 1, out) == ZS_EINVAL);
    zs_rbm_free(r);
}

/* zs_data_load_binary keeps the bytes of a uint8 IDX file and of the same values in .npy
 * equal to zs_data_load + zs_data_binarize (threshold and stochastic: the same bytes), a row
 * range selects the rows of the whole file's result, and bad ranges are refused. */
static void narrow_loading_matches_the_wide_path_and_ranges_slice(void) {
    char dir[] = "/tmp/zsum_narrow_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    char p[256], pn[256], q[300];
    snprintf(p, sizeof p, "%s/x-ubyte.gz", dir);
    snprintf(pn, sizeof pn, "%s/x.npy", dir);
    uint64_t shape[2] = {7, 10};
    zs_array *a = NULL;
    zs_array_alloc(NULL, ZS_DTYPE_U1, 2, shape, &a);
    for (size_t i = 0; i < 70; i++) zs_array_data(a)[i] = (double)(i * 37 % 251);
    CHECK(zs_idx_write_u8(NULL, p, a) == ZS_OK);
    CHECK(zs_npy_write(NULL, pn, a) == ZS_OK);
    zs_ctx *ctx = zs_ctx_alloc();
    const zs_binarize rules[2] = {ZS_BINARIZE_THRESHOLD, ZS_BINARIZE_STOCHASTIC};
    for (int k = 0; k < 2; k++) {
        zs_array *w = NULL;
        CHECK(zs_data_load(NULL, p, &w) == ZS_OK);
        CHECK(zs_data_binarize(NULL, w, rules[k], (double)NAN, 9) == ZS_OK);
        const char *paths[2] = {p, pn};
        for (int f = 0; f < 2; f++) {
            uint8_t *x = NULL;
            size_t n = 0, d = 0;
            CHECK(zs_data_load_binary(ctx, paths[f], rules[k], (double)NAN, 9, &x, &n, &d) == ZS_OK);
            CHECK(n == 7 && d == 10);
            for (size_t i = 0; x && i < 70; i++) CHECK(x[i] == zs_array_cdata(w)[i]);
            free(x);
            snprintf(q, sizeof q, "%s:2:5", paths[f]);
            x = NULL;
            CHECK(zs_data_load_binary(ctx, q, rules[k], (double)NAN, 9, &x, &n, &d) == ZS_OK);
            CHECK(n == 3 && d == 10);
            for (size_t i = 0; x && i < 30; i++) CHECK(x[i] == zs_array_cdata(w)[20 + i]);
            free(x);
        }
        zs_array_free(w);
    }
    uint8_t *x = NULL;
    size_t n = 0, d = 0;
    const char *bad[4] = {":5:5", ":6:9", ":a:3", ":-1:3"};
    const char *why[4] = {"is empty", "has 7 rows", "two plain integers", "two plain integers"};
    for (int k = 0; k < 4; k++) {
        snprintf(q, sizeof q, "%s%s", p, bad[k]);
        CHECK(zs_data_load_binary(ctx, q, ZS_BINARIZE_THRESHOLD, (double)NAN, 0, &x, &n, &d) == ZS_EINVAL);
        CHECK(strstr(zs_last_error(ctx), why[k]) != NULL);
    }
    /* No rule for values other than 0 and 1: refused, naming the first such value. */
    CHECK(zs_data_load_binary(ctx, p, ZS_BINARIZE_NONE, (double)NAN, 0, &x, &n, &d) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "row 0, column 1 = 37") != NULL);
    zs_ctx_free(ctx);
    zs_array_free(a);
    remove(p);
    remove(pn);
    rmdir(dir);
}

/* The base rate is (count + c) / (n + 2c) counted here by hand; bad arguments are refused. */
static void base_rate_is_the_smoothed_frequency(void) {
    const uint8_t x[3 * 4] = {1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1};
    double p[4];
    CHECK(zs_data_base_rate(x, 3, 4, 1.0, p) == ZS_OK);
    CHECK(p[0] == 4.0 / 5.0 && p[1] == 2.0 / 5.0 && p[2] == 1.0 / 5.0 && p[3] == 4.0 / 5.0);
    CHECK(zs_data_base_rate(x, 3, 4, 0.5, p) == ZS_OK);
    CHECK(p[2] == 0.5 / 4.0 && p[1] == 1.5 / 4.0);
    CHECK(zs_data_base_rate(x, 0, 4, 1.0, p) == ZS_EINVAL);
    CHECK(zs_data_base_rate(x, 3, 4, 0.0, p) == ZS_EINVAL);
    CHECK(zs_data_base_rate(x, 3, 4, (double)NAN, p) == ZS_EINVAL);
}

/* init from data: vbias = logit of the base rate, hbias 0, W with the asked spread (sample
 * standard deviation of 10^4 normals within 3%), the same seed giving the same W. */
static void init_from_data_sets_the_marginals(void) {
    const size_t nv = 40, nh = 250, n = 30;
    uint8_t *d = toy_data(n, nv, 3);
    zs_rbm *r = NULL, *s = NULL;
    zs_rbm_alloc(NULL, nv, nh, &r);
    zs_rbm_alloc(NULL, nv, nh, &s);
    CHECK(zs_rbm_init_from_data(r, d, n, 0.1, 5) == ZS_OK);
    CHECK(zs_rbm_init_from_data(s, d, n, 0.1, 5) == ZS_OK);
    CHECK(memcmp(zs_rbm_w(r), zs_rbm_w(s), nv * nh * sizeof(double)) == 0);
    double m = 0, v = 0;
    for (size_t x = 0; x < nv * nh; x++) m += zs_rbm_w(r)[x];
    m /= (double)(nv * nh);
    for (size_t x = 0; x < nv * nh; x++) v += (zs_rbm_w(r)[x] - m) * (zs_rbm_w(r)[x] - m);
    CHECK_REL(sqrt(v / (double)(nv * nh - 1)), 0.1, 0.03);
    for (size_t i = 0; i < nv; i++) {
        double c = 0;
        for (size_t q = 0; q < n; q++) c += d[q * nv + i];
        double p = (c + 1) / (double)(n + 2);
        CHECK_REL(zs_rbm_vbias(r)[i], log(p / (1 - p)), 1e-15);
    }
    for (size_t j = 0; j < nh; j++) CHECK(zs_rbm_hbias(r)[j] == 0.0);
    CHECK(zs_rbm_init_from_data(r, d, 0, 0.1, 5) == ZS_EINVAL);
    CHECK(zs_rbm_init_from_data(r, d, n, -1.0, 5) == ZS_EINVAL);
    zs_rbm_free(r);
    zs_rbm_free(s);
    free(d);
}

/* zs_rbm_loglik against the mean of -F(v) - ln Z over the rows computed here; hidden
 * probabilities against sigmoid(b + v.W) summed here in long double. */
static void loglik_and_hidden_probs_match_direct_sums(void) {
    const size_t nv = 12, nh = 5, n = 9;
    zs_rbm *r = random_rbm(nv, nh, 0.5, 0.3, 17);
    uint8_t *d = toy_data(n, nv, 4);
    double lnz = 0, ll = 0, mf = 0;
    zs_rbm_lnz_exact(r, 0, &lnz);
    CHECK(zs_rbm_loglik(r, d, n, lnz, &ll, &mf) == ZS_OK);
    CHECK_REL(ll, mean_loglik(r, d, n), 1e-13);
    CHECK_REL(-mf - lnz, ll, 1e-15);
    CHECK(zs_rbm_loglik(r, d, 0, lnz, &ll, NULL) == ZS_EINVAL);
    double *h = malloc(n * nh * sizeof *h);
    CHECK(zs_rbm_hidden_probs(r, d, n, h) == ZS_OK);
    for (size_t q = 0; q < n; q++)
        for (size_t j = 0; j < nh; j++) {
            long double x = zs_rbm_hbias(r)[j];
            for (size_t i = 0; i < nv; i++) x += (long double)d[q * nv + i] * zs_rbm_w(r)[i * nh + j];
            CHECK_REL(h[q * nh + j], (double)(1.0L / (1.0L + expl(-x))), 1e-14);
        }
    free(h);
    free(d);
    zs_rbm_free(r);
}

/* Chains started from data rows: with one sweep of a model without couplings the result is
 * the marginal p(v|h) whatever the start; a start row that is not binary is refused; the same
 * start rows give the same samples. */
static void sampling_from_data_rows(void) {
    zs_rbm *r = random_rbm(6, 3, 0.8, 0.5, 23);
    const uint8_t init[2 * 6] = {1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1};
    double a[4 * 6], b[4 * 6];
    CHECK(zs_rbm_sample_from(r, 4, 3, 7, init, 2, a) == ZS_OK);
    CHECK(zs_rbm_sample_from(r, 4, 3, 7, init, 2, b) == ZS_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* One sweep from a fixed start: h ~ p(h|v0) uses the start, so chains 0 and 2 (same start
     * row, different streams) differ from a random start only through the stream. With W = 0
     * p(v|h) is sigmoid(vbias) exactly. */
    zs_rbm *u = random_rbm(6, 3, 0.0, 0.5, 29);
    CHECK(zs_rbm_sample_from(u, 4, 1, 7, init, 2, a) == ZS_OK);
    for (size_t i = 0; i < 24; i++) CHECK_REL(a[i], 1.0 / (1.0 + exp(-zs_rbm_vbias(u)[i % 6])), 1e-15);
    const uint8_t bad[6] = {0, 2, 0, 0, 0, 0};
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *rc = NULL;
    zs_rbm_alloc(ctx, 6, 3, &rc);
    CHECK(zs_rbm_sample_from(rc, 2, 1, 7, bad, 1, a) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "row 0, column 1 = 2") != NULL);
    CHECK(zs_rbm_sample_from(rc, 2, 1, 7, NULL, 0, a) == ZS_EINVAL);
    zs_rbm_free(rc);
    zs_ctx_free(ctx);
    zs_rbm_free(u);
    zs_rbm_free(r);
}

/* Schedule names and files: sm08 and linear:N as their builders; a file's betas; every
 * rejection path with its message. */
static void schedule_parse_reads_names_and_files(void) {
    char dir[] = "/tmp/zsum_sched_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    zs_ctx *ctx = zs_ctx_alloc();
    double *b = NULL;
    size_t n = 0;
    CHECK(zs_rbm_schedule_parse(ctx, "sm08", &b, &n) == ZS_OK && n == 14501);
    free(b);
    CHECK(zs_rbm_schedule_parse(ctx, "linear:4", &b, &n) == ZS_OK && n == 5 && b[2] == 0.5);
    free(b);
    char p[256];
    snprintf(p, sizeof p, "%s/s.txt", dir);
    const char *good = "0 0.25\n0.5e0\t1\n";
    FILE *f = fopen(p, "w");
    fputs(good, f);
    fclose(f);
    CHECK(zs_rbm_schedule_parse(ctx, p, &b, &n) == ZS_OK && n == 4 && b[1] == 0.25 && b[3] == 1.0);
    free(b);
    const char *texts[9] = {"linear:0", "linear:x", "linear:100000001", "linear:", "nosuch"};
    const char *why[9] = {"is not in 1..100000000", "is not in", "is not in", "is not in",
                          "not sm08, linear:N or a readable file"};
    for (int k = 0; k < 5; k++) {
        b = NULL;
        CHECK(zs_rbm_schedule_parse(ctx, texts[k], &b, &n) != ZS_OK && !b);
        CHECK(strstr(zs_last_error(ctx), why[k]) != NULL);
    }
    const char *files[5] = {"0 0x1p-1 1", "0 inf 1", "0 0.5 0.4 1", "0 0.5", "0.1 1"};
    const char *fwhy[5] = {"item 2, '0x1p-1', is not a finite decimal", "item 2, 'inf'",
                           "does not increase", "last beta", "first beta"};
    for (int k = 0; k < 5; k++) {
        f = fopen(p, "w");
        fputs(files[k], f);
        fclose(f);
        b = NULL;
        CHECK(zs_rbm_schedule_parse(ctx, p, &b, &n) == ZS_EINVAL && !b);
        CHECK(strstr(zs_last_error(ctx), fwhy[k]) != NULL);
    }
    remove(p);
    rmdir(dir);
    zs_ctx_free(ctx);
}

/* The frequencies zs_rbm_trainer_save stores are read back by zs_rbm_load (with the model, one
 * opening of the file): the base rate of the training rows, computed here by hand; a model
 * without them gives NULL; a wrong length or a value outside (0, 1) is refused. */
static void stored_frequency_round_trips(void) {
    char dir[] = "/tmp/zsum_freq_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    const size_t nv = 16, nh = 3, n = 20;
    uint8_t *d = toy_data(n, nv, 2);
    zs_rbm *r = random_rbm(nv, nh, 0.1, 0.1, 2);
    zs_rbm_train_opts o;
    zs_rbm_train_defaults(&o);
    o.batch = 10;
    zs_rbm_trainer *t = NULL;
    CHECK(zs_rbm_trainer_alloc(NULL, r, &o, d, n, &t) == ZS_OK);
    char p[256], q[256], bad[256];
    snprintf(p, sizeof p, "%s/m.npz", dir);
    snprintf(q, sizeof q, "%s/plain.npz", dir);
    snprintf(bad, sizeof bad, "%s/bad.npz", dir);
    CHECK(zs_rbm_trainer_save(t, p) == ZS_OK);
    CHECK(zs_rbm_save(r, q, ZS_DTYPE_F8, 0, NULL, NULL) == ZS_OK);
    double want[16];
    for (size_t i = 0; i < nv; i++) {
        double ones = 0;
        for (size_t row = 0; row < n; row++) ones += d[row * nv + i];
        want[i] = (ones + 1.0) / ((double)n + 2.0);
    }
    zs_rbm *m = NULL;
    CHECK(zs_rbm_load(NULL, p, &m) == ZS_OK && zs_rbm_stored_frequency(m));
    for (size_t i = 0; m && zs_rbm_stored_frequency(m) && i < nv; i++)
        CHECK(zs_rbm_stored_frequency(m)[i] == want[i]);
    zs_rbm_free(m);
    m = NULL;
    CHECK(zs_rbm_load(NULL, q, &m) == ZS_OK && !zs_rbm_stored_frequency(m));
    zs_rbm_free(m);
    CHECK(zs_rbm_stored_frequency(r) == NULL);
    /* A frequency of 1 (outside the open interval) and one of another length are refused. */
    zs_ctx *ctx = zs_ctx_alloc();
    double one[16];
    for (size_t i = 0; i < nv; i++) one[i] = 0.5;
    one[3] = 1.0;
    uint64_t shape[1] = {nv};
    zs_array *fa = NULL;
    CHECK(zs_array_alloc(ctx, ZS_DTYPE_F8, 1, shape, &fa) == ZS_OK);
    memcpy(zs_array_data(fa), one, nv * sizeof one[0]);
    const char *names[1] = {"train_data_frequency"};
    const zs_array *extra[1] = {fa};
    CHECK(zs_rbm_save(r, bad, ZS_DTYPE_F8, 1, names, extra) == ZS_OK);
    m = NULL;
    CHECK(zs_rbm_load(ctx, bad, &m) == ZS_EFORMAT && !m);
    CHECK(strstr(zs_last_error(ctx), "train_data_frequency[3]") != NULL);
    zs_array_free(fa);
    shape[0] = nv - 1;
    CHECK(zs_array_alloc(ctx, ZS_DTYPE_F8, 1, shape, &fa) == ZS_OK);
    memcpy(zs_array_data(fa), one, (nv - 1) * sizeof one[0]);
    extra[0] = fa;
    CHECK(zs_rbm_save(r, bad, ZS_DTYPE_F8, 1, names, extra) == ZS_OK);
    CHECK(zs_rbm_load(ctx, bad, &m) == ZS_EFORMAT && !m);
    CHECK(strstr(zs_last_error(ctx), "has 15 entries") != NULL);
    zs_array_free(fa);
    zs_ctx_free(ctx);
    zs_rbm_trainer_free(t);
    zs_rbm_free(r);
    free(d);
    remove(p);
    remove(q);
    remove(bad);
    rmdir(dir);
}

int main(void) {
    RUN(exact_matches_brute_force_over_both_layers);
    RUN(exact_has_no_overflow_above_3000);
    RUN(exact_does_not_depend_on_threads);
    RUN(exact_refuses_too_large_with_an_estimate);
    RUN(exact_matches_mnistvh_reference);
    RUN(free_energy_matches_the_sum_over_h);
    RUN(sm08_schedule_has_14500_steps);
    RUN(ais_band_holds_exact_on_random_models);
    RUN(sandwich_brackets_exact_or_says_unreliable);
    RUN(sandwich_is_thread_independent_and_checks_options);
    RUN(training_raises_likelihood_and_ais_holds_on_trained_model);
    RUN(ais_rate_base_is_the_data_base_of_the_same_frequencies);
    RUN(training_does_not_depend_on_threads);
    RUN(resume_is_bit_identical);
    RUN(divergence_stops_and_keeps_parameters);
    RUN(model_files_round_trip_and_reject_bad_ones);
    RUN(idx_files_and_binarization);
    RUN(stochastic_binarization_is_seeded_and_unbiased);
    RUN(gibbs_samples_of_an_uncoupled_model_are_its_marginals);
    RUN(narrow_loading_matches_the_wide_path_and_ranges_slice);
    RUN(base_rate_is_the_smoothed_frequency);
    RUN(init_from_data_sets_the_marginals);
    RUN(loglik_and_hidden_probs_match_direct_sums);
    RUN(sampling_from_data_rows);
    RUN(schedule_parse_reads_names_and_files);
    RUN(stored_frequency_round_trips);
    return check_summary("test_rbm");
}
