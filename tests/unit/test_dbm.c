/* test_dbm.c — deep Boltzmann machines: exact ln Z and ln p*(v) against brute force over every
 * layer (written here, simply, without the parity trick), the RBM special case bit for bit,
 * the mean-field bound below the exact value, AIS bands against the exact value, files. */
#include "zsum.h"
#include "check.h"
#include "dbm_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* A small generator independent of the library's: 64-bit LCG, uniform in [-1, 1). */
static uint64_t lcg_state;
static double lcg(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) * 0x1.0p-52 - 1.0;
}

static zs_dbm *random_dbm(size_t L, const size_t *n, double wscale, double bscale, uint64_t seed) {
    zs_dbm *d = NULL;
    if (zs_dbm_alloc(NULL, L, n, &d) != ZS_OK) return NULL;
    lcg_state = seed;
    for (size_t l = 1; l <= L; l++)
        for (size_t i = 0; i < n[l - 1] * n[l]; i++) zs_dbm_w_mut(d, l)[i] = wscale * lcg();
    for (size_t l = 0; l <= L; l++)
        for (size_t i = 0; i < n[l]; i++) zs_dbm_bias_mut(d, l)[i] = bscale * lcg();
    return d;
}

/* -E(x) of a joint state given as one bit string over all layers, layer 0 first. */
static double neg_energy(const zs_dbm *d, uint64_t bits) {
    size_t L = zs_dbm_layers(d), off[16];
    off[0] = 0;
    for (size_t l = 1; l <= L; l++) off[l] = off[l - 1] + zs_dbm_size(d, l - 1);
    double e = 0.0;
    for (size_t l = 0; l <= L; l++)
        for (size_t j = 0; j < zs_dbm_size(d, l); j++)
            if (bits >> (off[l] + j) & 1) e += zs_dbm_bias(d, l)[j];
    for (size_t l = 1; l <= L; l++) {
        size_t np = zs_dbm_size(d, l - 1), nl = zs_dbm_size(d, l);
        for (size_t i = 0; i < np; i++)
            if (bits >> (off[l - 1] + i) & 1)
                for (size_t j = 0; j < nl; j++)
                    if (bits >> (off[l] + j) & 1) e += zs_dbm_w(d, l)[i * nl + j];
    }
    return e;
}

static size_t total_units(const zs_dbm *d) {
    size_t t = 0;
    for (size_t l = 0; l <= zs_dbm_layers(d); l++) t += zs_dbm_size(d, l);
    return t;
}

typedef struct lse {
    double mx, s;
} lse;
static void lse_put(lse *a, double e) {
    if (e > a->mx) {
        a->s = a->s * exp(a->mx - e) + 1.0;
        a->mx = e;
    } else {
        a->s += exp(e - a->mx);
    }
}

/* ln Z over every joint state; running max. */
static double brute_lnz(const zs_dbm *d) {
    lse a = {-HUGE_VAL, 0.0};
    for (uint64_t x = 0; x < (1ULL << total_units(d)); x++) lse_put(&a, neg_energy(d, x));
    return a.mx + log(a.s);
}

/* ln p*(v) = ln sum_h exp(-E(v, h)) for v given as n_0 bytes. */
static double brute_unnorm(const zs_dbm *d, const uint8_t *v) {
    size_t n0 = zs_dbm_size(d, 0), nh = total_units(d) - n0;
    uint64_t vb = 0;
    for (size_t i = 0; i < n0; i++) vb |= (uint64_t)v[i] << i;
    lse a = {-HUGE_VAL, 0.0};
    for (uint64_t h = 0; h < (1ULL << nh); h++) lse_put(&a, neg_energy(d, vb | h << n0));
    return a.mx + log(a.s);
}

static void exact_matches_brute_force_over_every_layer(void) {
    /* shapes: L = 1, 2, 3, 4; some with the odd set smaller, some with the even one */
    static const size_t shapes[][6] = {
        {1, 1, 0},        {3, 4, 0},       {2, 6, 3, 0},    {6, 2, 5, 0},    {4, 3, 2, 3, 0},
        {2, 5, 2, 4, 0},  {3, 2, 3, 2, 3, 0}, {5, 1, 6, 0},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t L = 0;
        while (shapes[s][L + 1]) L++;
        for (int rep = 0; rep < 2; rep++) {
            zs_dbm *d = random_dbm(L, shapes[s], rep ? 2.5 : 0.7, 1.0, 100 + s * 7 + (size_t)rep);
            double lz = 0;
            CHECK(zs_dbm_lnz_exact(d, 0, &lz) == ZS_OK);
            CHECK_REL(lz, brute_lnz(d), 1e-12);
            zs_dbm_free(d);
        }
    }
}

/* Weights of 40: ln Z near 3000, far past exp's range (e^709). */
static void exact_has_no_overflow_beyond_exp_range(void) {
    size_t n[] = {5, 4, 6};
    zs_dbm *d = random_dbm(2, n, 1.0, 0.0, 7);
    for (size_t l = 1; l <= 2; l++)
        for (size_t i = 0; i < n[l - 1] * n[l]; i++) zs_dbm_w_mut(d, l)[i] = 40.0 + 5.0 * lcg();
    double lz = 0, want = brute_lnz(d);
    CHECK(want > 1000);
    CHECK(zs_dbm_lnz_exact(d, 0, &lz) == ZS_OK);
    CHECK_REL(lz, want, 1e-12);
    uint8_t v[5] = {1, 1, 0, 1, 1};
    double u = 0;
    CHECK(zs_dbm_unnorm_loglik_exact(d, v, 1, 0, &u) == ZS_OK);
    CHECK_REL(u, brute_unnorm(d, v), 1e-12);
    zs_dbm_free(d);
}

static void unnormalized_loglik_matches_brute_force(void) {
    static const size_t shapes[][6] = {{4, 3, 0}, {5, 3, 4, 0}, {3, 4, 2, 3, 0}, {4, 2, 3, 2, 2, 0}};
    for (size_t s = 0; s < 4; s++) {
        size_t L = 0;
        while (shapes[s][L + 1]) L++;
        zs_dbm *d = random_dbm(L, shapes[s], 1.5, 1.0, 300 + s);
        size_t n0 = shapes[s][0], rows = (size_t)1 << n0;
        uint8_t *v = malloc(rows * n0);
        double *u = malloc(rows * sizeof *u), lz = 0, total = -HUGE_VAL;
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < n0; i++) v[r * n0 + i] = (uint8_t)(r >> i & 1);
        CHECK(zs_dbm_unnorm_loglik_exact(d, v, rows, 0, u) == ZS_OK);
        for (size_t r = 0; r < rows; r++) {
            CHECK_REL(u[r], brute_unnorm(d, v + r * n0), 1e-12);
            total = total > u[r] ? total + log1p(exp(u[r] - total)) : u[r] + log1p(exp(total - u[r]));
        }
        /* sum_v p*(v) = Z */
        CHECK(zs_dbm_lnz_exact(d, 0, &lz) == ZS_OK);
        CHECK_REL(total, lz, 1e-12);
        free(v);
        free(u);
        zs_dbm_free(d);
    }
}

static zs_rbm *random_rbm(size_t nv, size_t nh, double ws, uint64_t seed) {
    zs_rbm *r = NULL;
    zs_rbm_alloc(NULL, nv, nh, &r);
    lcg_state = seed;
    for (size_t i = 0; i < nv * nh; i++) zs_rbm_w_mut(r)[i] = ws * lcg();
    for (size_t i = 0; i < nv; i++) zs_rbm_vbias_mut(r)[i] = lcg();
    for (size_t j = 0; j < nh; j++) zs_rbm_hbias_mut(r)[j] = lcg();
    return r;
}

/* One hidden layer: the RBM's exact ln Z, AIS run and -F(v), bit for bit, both layer orders. */
static void one_hidden_layer_gives_the_rbm_numbers_bit_for_bit(void) {
    static const size_t dims[][2] = {{12, 7}, {6, 14}};
    for (int s = 0; s < 2; s++) {
        zs_rbm *r = random_rbm(dims[s][0], dims[s][1], 1.0, 40 + (uint64_t)s);
        zs_dbm *d = NULL;
        CHECK(zs_dbm_from_rbm(r, &d) == ZS_OK);
        double a = 1, b = 2;
        CHECK(zs_rbm_lnz_exact(r, 0, &a) == ZS_OK && zs_dbm_lnz_exact(d, 0, &b) == ZS_OK);
        CHECK(a == b);
        zs_rbm_ais_opts ro;
        zs_dbm_ais_opts dop;
        zs_rbm_ais_defaults(&ro);
        zs_dbm_ais_defaults(&dop);
        double *betas = NULL;
        size_t nb = 0;
        zs_rbm_schedule_linear(300, &betas, &nb);
        ro.betas = dop.betas = betas;
        ro.nbetas = dop.nbetas = nb;
        ro.seed = dop.seed = 9;
        ro.base = ZS_RBM_AIS_BASE_MODEL;
        dop.base = ZS_DBM_AIS_BASE_MODEL;
        zs_rbm_ais_result rr;
        zs_dbm_ais_result dr;
        CHECK(zs_rbm_lnz_ais(r, &ro, &rr) == ZS_OK && zs_dbm_lnz_ais(d, &dop, &dr) == ZS_OK);
        CHECK(rr.lnz.value == dr.lnz.value && rr.band.lo == dr.band.lo && rr.band.hi == dr.band.hi);
        CHECK(rr.lnz.ess == dr.lnz.ess && dr.base == ZS_DBM_AIS_BASE_MODEL);
        /* the data base: same bits */
        size_t nv = dims[s][0], n = 40;
        uint8_t *data = malloc(n * nv);
        for (size_t q = 0; q < n * nv; q++) data[q] = (uint8_t)(lcg() > 0.2);
        ro.base = ZS_RBM_AIS_BASE_DATA;
        dop.base = ZS_DBM_AIS_BASE_AUTO;
        ro.data = dop.data = data;
        ro.n_data = dop.n_data = n;
        CHECK(zs_rbm_lnz_ais(r, &ro, &rr) == ZS_OK && zs_dbm_lnz_ais(d, &dop, &dr) == ZS_OK);
        CHECK(rr.lnz.value == dr.lnz.value && dr.base == ZS_DBM_AIS_BASE_DATA);
        double *u = malloc(n * sizeof *u), *vd = malloc(nv * sizeof *vd);
        CHECK(zs_dbm_unnorm_loglik_exact(d, data, n, 0, u) == ZS_OK);
        for (size_t q = 0; q < n; q++) {
            for (size_t i = 0; i < nv; i++) vd[i] = data[q * nv + i];
            CHECK(u[q] == -zs_rbm_free_energy(r, vd));
        }
        /* mean field is exact for one hidden layer (up to rounding) */
        zs_dbm_mf_opts mo;
        zs_dbm_mf_defaults(&mo);
        double *mf = malloc(n * sizeof *mf);
        uint8_t *conv = malloc(n);
        uint32_t *it = malloc(n * sizeof *it);
        CHECK(zs_dbm_mean_field(d, &mo, data, n, mf, it, conv) == ZS_OK);
        for (size_t q = 0; q < n; q++) {
            CHECK_REL(mf[q], u[q], 1e-13);
            CHECK(conv[q] == 1 && it[q] <= 2);
        }
        zs_rbm *back = NULL;
        CHECK(zs_dbm_to_rbm(d, &back) == ZS_OK);
        CHECK(memcmp(zs_rbm_w(back), zs_rbm_w(r), nv * dims[s][1] * sizeof(double)) == 0);
        zs_rbm_free(back);
        free(mf);
        free(conv);
        free(it);
        free(u);
        free(vd);
        free(data);
        free(betas);
        zs_dbm_free(d);
        zs_rbm_free(r);
    }
}

/* B(v) <= ln p*(v) on every row (Jensen), and close to it for weak couplings. */
static void mean_field_bound_is_below_exact_on_every_row(void) {
    static const size_t shapes[][6] = {{6, 4, 3, 0}, {5, 3, 4, 2, 0}, {8, 6, 5, 0}};
    for (size_t s = 0; s < 3; s++) {
        size_t L = 0;
        while (shapes[s][L + 1]) L++;
        for (int strong = 0; strong < 2; strong++) {
            zs_dbm *d = random_dbm(L, shapes[s], strong ? 3.0 : 0.3, 1.0, 500 + s * 3 + (size_t)strong);
            size_t n0 = shapes[s][0], rows = (size_t)1 << n0;
            uint8_t *v = malloc(rows * n0);
            double *u = malloc(rows * sizeof *u), *b = malloc(rows * sizeof *b);
            uint8_t *conv = malloc(rows);
            for (size_t r = 0; r < rows; r++)
                for (size_t i = 0; i < n0; i++) v[r * n0 + i] = (uint8_t)(r >> i & 1);
            zs_dbm_mf_opts mo;
            zs_dbm_mf_defaults(&mo);
            mo.max_iterations = 200;
            CHECK(zs_dbm_unnorm_loglik_exact(d, v, rows, 0, u) == ZS_OK);
            CHECK(zs_dbm_mean_field(d, &mo, v, rows, b, NULL, conv) == ZS_OK);
            double worst = 0;
            size_t nconv = 0;
            for (size_t r = 0; r < rows; r++) {
                CHECK(b[r] <= u[r] + 1e-12 * fabs(u[r]));
                if (u[r] - b[r] > worst) worst = u[r] - b[r];
                nconv += conv[r];
            }
            if (!strong) CHECK(worst < 0.05);
            CHECK(nconv > rows / 2);
            free(v);
            free(u);
            free(b);
            free(conv);
            zs_dbm_free(d);
        }
    }
}

/* Count seeds whose band holds the exact value. */
static int ais_hits(const zs_dbm *d, double exact, int seeds, size_t temps, zs_dbm_ais_base base,
                    const uint8_t *data, size_t nd) {
    double *b = NULL;
    size_t nb = 0;
    zs_rbm_schedule_linear(temps, &b, &nb);
    int hits = 0;
    for (int s = 1; s <= seeds; s++) {
        zs_dbm_ais_opts o;
        zs_dbm_ais_defaults(&o);
        o.seed = (uint64_t)s;
        o.betas = b;
        o.nbetas = nb;
        o.base = base;
        o.data = data;
        o.n_data = nd;
        zs_dbm_ais_result res;
        if (zs_dbm_lnz_ais(d, &o, &res) != ZS_OK) continue;
        if (res.band.lo <= exact && exact <= res.band.hi) hits++;
        else printf("  seed %d: band [%.6f, %.6f] misses %.6f\n", s, res.band.lo, res.band.hi, exact);
    }
    free(b);
    return hits;
}

static void ais_band_holds_exact_on_random_models(void) {
    int seeds = check_short_run() ? 3 : 20, need = check_short_run() ? 2 : 18;
    size_t n1[] = {14, 10, 8}, n2[] = {8, 12, 6, 5};
    zs_dbm *d = random_dbm(2, n1, 1.0, 1.0, 61);
    double exact = 0;
    CHECK(zs_dbm_lnz_exact(d, 0, &exact) == ZS_OK);
    CHECK(ais_hits(d, exact, seeds, 1000, ZS_DBM_AIS_BASE_UNIFORM, NULL, 0) >= need);
    CHECK(ais_hits(d, exact, seeds, 1000, ZS_DBM_AIS_BASE_MODEL, NULL, 0) >= need);
    zs_dbm_free(d);
    d = random_dbm(3, n2, 0.8, 0.5, 62);
    CHECK(zs_dbm_lnz_exact(d, 0, &exact) == ZS_OK);
    CHECK(ais_hits(d, exact, seeds, 1000, ZS_DBM_AIS_BASE_UNIFORM, NULL, 0) >= need);
    zs_dbm_free(d);
}

/* Data: 4 prototypes of nv pixels with 10% flipped. */
static uint8_t *toy_data(size_t n, size_t nv, uint64_t seed) {
    uint8_t *d = malloc(n * nv);
    lcg_state = seed;
    for (size_t q = 0; q < n; q++) {
        size_t proto = q % 4;
        for (size_t i = 0; i < nv; i++) {
            int on = (i / (nv / 4)) == proto || (i % 4) == proto;
            if (lcg() > 0.8) on = !on;
            d[q * nv + i] = (uint8_t)on;
        }
    }
    return d;
}

/* A trained small DBM: two RBMs trained greedily (PCD on the data, then on the first's hidden
 * samples) and stacked, the middle layer taking both biases. AIS from the data base. */
static void ais_band_holds_exact_on_a_trained_model(void) {
    const size_t nv = 24, n1 = 10, n2 = 8, n = 400;
    uint8_t *data = toy_data(n, nv, 3);
    zs_rbm *r1 = NULL, *r2 = NULL;
    zs_rbm_alloc(NULL, nv, n1, &r1);
    zs_rbm_alloc(NULL, n1, n2, &r2);
    zs_rbm_init_from_data(r1, data, n, 0.01, 1);
    zs_rbm_train_opts o;
    zs_rbm_train_defaults(&o);
    o.persistent = 1;
    o.batch = 20;
    o.lr = 0.05;
    o.seed = 2;
    zs_rbm_trainer *t = NULL;
    CHECK(zs_rbm_trainer_alloc(NULL, r1, &o, data, n, &t) == ZS_OK);
    for (int e = 0; e < 30; e++) zs_rbm_trainer_epoch(t, NULL);
    zs_rbm_trainer_get(t, r1);
    zs_rbm_trainer_free(t);
    double *ph = malloc(n * n1 * sizeof *ph);
    uint8_t *hs = malloc(n * n1);
    zs_rbm_hidden_probs(r1, data, n, ph);
    lcg_state = 11;
    for (size_t q = 0; q < n * n1; q++) hs[q] = (uint8_t)(0.5 * (lcg() + 1.0) < ph[q]);
    zs_rbm_init_from_data(r2, hs, n, 0.01, 3);
    CHECK(zs_rbm_trainer_alloc(NULL, r2, &o, hs, n, &t) == ZS_OK);
    for (int e = 0; e < 30; e++) zs_rbm_trainer_epoch(t, NULL);
    zs_rbm_trainer_get(t, r2);
    zs_rbm_trainer_free(t);
    size_t sizes[] = {nv, n1, n2};
    zs_dbm *d = NULL;
    zs_dbm_alloc(NULL, 2, sizes, &d);
    memcpy(zs_dbm_w_mut(d, 1), zs_rbm_w(r1), nv * n1 * sizeof(double));
    memcpy(zs_dbm_w_mut(d, 2), zs_rbm_w(r2), n1 * n2 * sizeof(double));
    memcpy(zs_dbm_bias_mut(d, 0), zs_rbm_vbias(r1), nv * sizeof(double));
    for (size_t j = 0; j < n1; j++) zs_dbm_bias_mut(d, 1)[j] = zs_rbm_hbias(r1)[j] + zs_rbm_vbias(r2)[j];
    memcpy(zs_dbm_bias_mut(d, 2), zs_rbm_hbias(r2), n2 * sizeof(double));
    double exact = 0;
    CHECK(zs_dbm_lnz_exact(d, 0, &exact) == ZS_OK);
    int seeds = check_short_run() ? 3 : 20, need = check_short_run() ? 2 : 18;
    CHECK(ais_hits(d, exact, seeds, 1000, ZS_DBM_AIS_BASE_DATA, data, n) >= need);
    /* the mean-field bound of the data stays below the exact log-likelihood */
    double *u = malloc(n * sizeof *u), *b = malloc(n * sizeof *b);
    zs_dbm_mf_opts mo;
    zs_dbm_mf_defaults(&mo);
    CHECK(zs_dbm_unnorm_loglik_exact(d, data, n, 0, u) == ZS_OK);
    CHECK(zs_dbm_mean_field(d, &mo, data, n, b, NULL, NULL) == ZS_OK);
    int below = 1;
    for (size_t q = 0; q < n; q++) below &= b[q] <= u[q] + 1e-12 * fabs(u[q]);
    CHECK(below);
    free(u);
    free(b);
    free(ph);
    free(hs);
    free(data);
    zs_rbm_free(r1);
    zs_rbm_free(r2);
    zs_dbm_free(d);
}

static void exact_refuses_too_large_with_an_estimate(void) {
    size_t n[] = {784, 100, 500};
    zs_dbm *d = NULL;
    zs_ctx *ctx = zs_ctx_alloc();
    CHECK(zs_dbm_alloc(ctx, 2, n, &d) == ZS_OK);
    double lz = 0;
    CHECK(zs_dbm_lnz_exact(d, 10, &lz) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "784-100-500 DBM sums 2^100") != NULL);
    CHECK(strstr(zs_last_error(ctx), "annealed importance sampling") != NULL);
    n[1] = 30;
    zs_dbm_free(d);
    CHECK(zs_dbm_alloc(ctx, 2, n, &d) == ZS_OK);
    CHECK(zs_dbm_lnz_exact(d, 0.001, &lz) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "limit of 0.001 s") != NULL);
    uint8_t *v = calloc(1000, 784);
    double *many = malloc(1000 * sizeof *many);
    CHECK(zs_dbm_unnorm_loglik_exact(d, v, 1000, 0.001, many) == ZS_ETOOBIG);
    free(many);
    CHECK(strstr(zs_last_error(ctx), "mean-field") != NULL);
    v[3] = 2;
    CHECK(zs_dbm_unnorm_loglik_exact(d, v, 1, 0, &lz) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "row 1, column 4: 2 is not 0 or 1") != NULL);
    zs_dbm_mf_opts mo;
    zs_dbm_mf_defaults(&mo);
    uint32_t it;
    CHECK(zs_dbm_mean_field(d, &mo, v, 1, &lz, &it, NULL) == ZS_EINVAL);
    mo.max_iterations = 0;
    v[3] = 0;
    CHECK(zs_dbm_mean_field(d, &mo, v, 1, &lz, &it, NULL) == ZS_EINVAL);
    free(v);
    zs_dbm_free(d);
    size_t bad[] = {3, 0, 2};
    CHECK(zs_dbm_alloc(ctx, 2, bad, &d) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "layer 1 has 0 units") != NULL);
    CHECK(zs_dbm_alloc(ctx, 0, bad, &d) == ZS_EINVAL);
    zs_ctx_free(ctx);
}

static void write_npz(const char *p, size_t k, const char *const *names, zs_array **arr) {
    CHECK(zs_npz_write(NULL, p, k, names, (const zs_array *const *)arr, 0) == ZS_OK);
}

static zs_array *arr(size_t nd, uint64_t a, uint64_t b, double fill) {
    uint64_t s[2] = {a, b};
    zs_array *x = NULL;
    zs_array_alloc(NULL, ZS_DTYPE_F8, (int)nd, s, &x);
    for (size_t i = 0; i < zs_array_size(x); i++) zs_array_data(x)[i] = fill + 0.01 * (double)i;
    return x;
}

static void model_files_round_trip_and_reject_bad_ones(void) {
    char dir[] = "/tmp/zsum_dbmf_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    char p[256];
    snprintf(p, sizeof p, "%s/m.npz", dir);
    size_t n[] = {5, 3, 4, 2};
    zs_dbm *d = random_dbm(3, n, 1.0, 1.0, 1), *q = NULL;
    CHECK(zs_dbm_save(d, p, ZS_DTYPE_F8) == ZS_OK);
    CHECK(zs_dbm_load(NULL, p, &q) == ZS_OK);
    if (q) {
        CHECK(zs_dbm_layers(q) == 3 && zs_dbm_size(q, 2) == 4 && zs_dbm_dtype(q) == ZS_DTYPE_F8);
        CHECK(memcmp(zs_dbm_w(q, 2), zs_dbm_w(d, 2), 12 * sizeof(double)) == 0);
        CHECK(memcmp(zs_dbm_bias(q, 3), zs_dbm_bias(d, 3), 2 * sizeof(double)) == 0);
    }
    zs_dbm_free(q);
    q = NULL;
    CHECK(zs_dbm_save(d, p, ZS_DTYPE_F4) == ZS_OK);
    CHECK(zs_dbm_load(NULL, p, &q) == ZS_OK);
    if (q) CHECK(zs_dbm_dtype(q) == ZS_DTYPE_F4 && zs_dbm_w(q, 1)[3] == (double)(float)zs_dbm_w(d, 1)[3]);
    zs_dbm_free(q);
    q = NULL;
    zs_ctx *ctx = zs_ctx_alloc();
    zs_dbm_w_mut(d, 2)[7] = (double)NAN;
    CHECK(zs_dbm_save(d, p, ZS_DTYPE_F8) == ZS_OK);
    CHECK(zs_dbm_load(ctx, p, &q) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "W2: entry (1, 3) = nan is not finite") != NULL);
    zs_dbm_free(d);
    {   /* shapes that do not chain: W1 (5, 3), W2 (4, 2) */
        zs_array *a[5] = {arr(2, 5, 3, 0), arr(2, 4, 2, 0), arr(1, 5, 0, 0), arr(1, 3, 0, 0), arr(1, 2, 0, 0)};
        const char *nm[5] = {"W1", "W2", "b0", "b1", "b2"};
        write_npz(p, 5, nm, a);
        CHECK(zs_dbm_load(ctx, p, &q) == ZS_EFORMAT);
        CHECK(strstr(zs_last_error(ctx), "do not chain: W1 is (5, 3) but W2 is (4, 2)") != NULL);
        /* a bias of the wrong length */
        zs_array_free(a[1]);
        a[1] = arr(2, 3, 2, 0);
        zs_array_free(a[3]);
        a[3] = arr(1, 4, 0, 0);
        write_npz(p, 5, nm, a);
        CHECK(zs_dbm_load(ctx, p, &q) == ZS_EFORMAT);
        CHECK(strstr(zs_last_error(ctx), "b1 is (4,)") != NULL);
        /* a missing bias */
        write_npz(p, 4, nm, a);
        CHECK(zs_dbm_load(ctx, p, &q) == ZS_EFORMAT);
        CHECK(strstr(zs_last_error(ctx), "no b2") && strstr(zs_last_error(ctx), "W1, W2, b0, b1"));
        /* a gap in the weights: W1 and W3 */
        const char *gap[5] = {"W1", "W3", "b0", "b1", "b2"};
        write_npz(p, 5, gap, a);
        CHECK(zs_dbm_load(ctx, p, &q) == ZS_EFORMAT);
        CHECK(strstr(zs_last_error(ctx), "W3 is present but W2 is missing") != NULL);
        /* a 1-D W */
        const char *one[3] = {"W1", "b0", "b1"};
        zs_array *a1[3] = {a[2], a[2], a[3]};
        write_npz(p, 3, one, a1);
        CHECK(zs_dbm_load(ctx, p, &q) == ZS_EFORMAT);
        CHECK(strstr(zs_last_error(ctx), "W1 has shape (5,)") != NULL);
        /* nothing we know */
        const char *none[1] = {"arr_0"};
        write_npz(p, 1, none, a);
        CHECK(zs_dbm_load(ctx, p, &q) == ZS_EFORMAT);
        CHECK(strstr(zs_last_error(ctx), "no W1") && strstr(zs_last_error(ctx), "arr_0"));
        for (int i = 0; i < 5; i++) zs_array_free(a[i]);
    }
    {   /* Salakhutdinov's MATLAB names, biases as 1 x n rows */
        zs_array *a[5] = {arr(2, 5, 3, 0.1), arr(2, 3, 2, -0.2), arr(2, 1, 5, 0.3), arr(2, 1, 3, 0.4),
                          arr(2, 1, 2, 0.5)};
        const char *nm[5] = {"vishid", "hidpen", "visbiases", "hidbiases", "penbiases"};
        write_npz(p, 5, nm, a);
        CHECK(zs_dbm_load(ctx, p, &q) == ZS_OK);
        if (q) {
            CHECK(zs_dbm_layers(q) == 2 && zs_dbm_size(q, 0) == 5 && zs_dbm_size(q, 2) == 2);
            CHECK(zs_dbm_w(q, 2)[5] == -0.2 + 0.05 && zs_dbm_bias(q, 1)[2] == 0.4 + 0.02);
        }
        zs_dbm_free(q);
        q = NULL;
        for (int i = 0; i < 5; i++) zs_array_free(a[i]);
    }
    remove(p);
    rmdir(dir);
    zs_ctx_free(ctx);
}

static void names_of_the_ais_bases(void) {
    zs_dbm_ais_base b;
    CHECK_STR(zs_dbm_ais_base_name(ZS_DBM_AIS_BASE_DATA), "data");
    CHECK_STR(zs_dbm_ais_base_name((zs_dbm_ais_base)9), "unknown");
    CHECK(zs_dbm_ais_base_from_name("model", &b) == ZS_OK && b == ZS_DBM_AIS_BASE_MODEL);
    CHECK_STR(zs_dbm_ais_base_name(ZS_DBM_AIS_BASE_PT), "pt");
    CHECK(zs_dbm_ais_base_from_name("pt", &b) == ZS_OK && b == ZS_DBM_AIS_BASE_PT);
    CHECK(zs_dbm_ais_base_from_name("rate", &b) == ZS_EINVAL);
}

/* Both sets and the threads: the exact sum and the bound do not depend on the thread count. */
static void results_do_not_depend_on_threads(void) {
    size_t n[] = {10, 14, 6};
    zs_ctx *c1 = zs_ctx_alloc(), *c3 = zs_ctx_alloc();
    zs_ctx_set_threads(c1, 1);
    zs_ctx_set_threads(c3, 3);
    zs_dbm *d = random_dbm(2, n, 1.0, 1.0, 77), *d1 = NULL, *d3 = NULL;
    zs_dbm_alloc(c1, 2, n, &d1);
    zs_dbm_alloc(c3, 2, n, &d3);
    for (size_t l = 0; l <= 2; l++) {
        memcpy(zs_dbm_bias_mut(d1, l), zs_dbm_bias(d, l), n[l] * sizeof(double));
        memcpy(zs_dbm_bias_mut(d3, l), zs_dbm_bias(d, l), n[l] * sizeof(double));
        if (l) {
            memcpy(zs_dbm_w_mut(d1, l), zs_dbm_w(d, l), n[l - 1] * n[l] * sizeof(double));
            memcpy(zs_dbm_w_mut(d3, l), zs_dbm_w(d, l), n[l - 1] * n[l] * sizeof(double));
        }
    }
    double a = 0, b = 1;
    CHECK(zs_dbm_lnz_exact(d1, 0, &a) == ZS_OK && zs_dbm_lnz_exact(d3, 0, &b) == ZS_OK);
    CHECK(a == b);
    uint8_t v[4 * 10];
    lcg_state = 5;
    for (size_t i = 0; i < 40; i++) v[i] = (uint8_t)(lcg() > 0);
    double u1[4], u3[4], m1[4], m3[4];
    zs_dbm_mf_opts mo;
    zs_dbm_mf_defaults(&mo);
    CHECK(zs_dbm_unnorm_loglik_exact(d1, v, 4, 0, u1) == ZS_OK);
    CHECK(zs_dbm_unnorm_loglik_exact(d3, v, 4, 0, u3) == ZS_OK);
    CHECK(zs_dbm_mean_field(d1, &mo, v, 4, m1, NULL, NULL) == ZS_OK);
    CHECK(zs_dbm_mean_field(d3, &mo, v, 4, m3, NULL, NULL) == ZS_OK);
    CHECK(memcmp(u1, u3, sizeof u1) == 0 && memcmp(m1, m3, sizeof m1) == 0);
    zs_dbm_free(d);
    zs_dbm_free(d1);
    zs_dbm_free(d3);
    zs_ctx_free(c1);
    zs_ctx_free(c3);
}


static double mean_exact_loglik(const zs_dbm *d, const uint8_t *data, size_t n) {
    double lz = 0, s = 0, *u = malloc(n * sizeof *u);
    zs_dbm_lnz_exact(d, 0, &lz);
    zs_dbm_unnorm_loglik_exact(d, data, n, 0, u);
    for (size_t q = 0; q < n; q++) s += u[q] - lz;
    free(u);
    return s / (double)n;
}

static zs_dbm *trained(zs_ctx *ctx, const size_t *sizes, const uint8_t *data, size_t n,
                       size_t pre_epochs, double lr, int epochs, int stop_at, const char *ckpt,
                       double *bound, double *ll_pre) {
    zs_dbm *d = NULL;
    zs_dbm_alloc(ctx, 2, sizes, &d);
    zs_dbm_pretrain_opts po;
    zs_dbm_pretrain_defaults(&po);
    po.epochs = pre_epochs;
    po.batch = 20;
    po.lr = 0.1;
    po.seed = 8;
    CHECK(zs_dbm_pretrain(d, &po, data, n) == ZS_OK);
    if (ll_pre) *ll_pre = mean_exact_loglik(d, data, n);
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.batch = 20;
    o.lr = lr;
    o.chains = 30;
    o.seed = 9;
    zs_dbm_trainer *t = NULL;
    CHECK(zs_dbm_trainer_alloc(ctx, d, &o, data, n, &t) == ZS_OK);
    for (int e = 0; e < epochs && t; e++) {
        if (e == stop_at && ckpt) { /* save, throw the trainer away, resume a new one */
            CHECK(zs_dbm_trainer_save(t, ckpt) == ZS_OK);
            zs_dbm_trainer_free(t);
            t = NULL;
            CHECK(zs_dbm_trainer_alloc(ctx, d, &o, data, n, &t) == ZS_OK);
            CHECK(zs_dbm_trainer_resume(t, ckpt) == ZS_OK);
            CHECK(zs_dbm_trainer_epochs_done(t) == (uint64_t)stop_at);
        }
        CHECK(zs_dbm_trainer_epoch(t, bound) == ZS_OK);
    }
    if (t) zs_dbm_trainer_get(t, d);
    zs_dbm_trainer_free(t);
    return d;
}

/* Pretraining then joint training raise the exact log-likelihood of the data above the
 * model with the data's marginals only; the mean-field bound stays below it. */
static void training_raises_the_exact_likelihood(void) {
    const size_t sizes[] = {16, 8, 6}, n = 200;
    uint8_t *data = toy_data(n, 16, 12);
    zs_dbm *base = NULL;
    zs_dbm_alloc(NULL, 2, sizes, &base);
    double p[16];
    zs_data_base_rate(data, n, 16, 1.0, p);
    for (size_t i = 0; i < 16; i++) zs_dbm_bias_mut(base, 0)[i] = log(p[i] / (1 - p[i]));
    double ll0 = mean_exact_loglik(base, data, n); /* p(v) = prod_i p_i: W = 0 */
    double bound = 0, pre = 0;
    zs_dbm *d = trained(NULL, sizes, data, n, 50, 0.001, 30, -1, NULL, &bound, &pre);
    double ll = mean_exact_loglik(d, data, n);
    double lz = 0;
    zs_dbm_lnz_exact(d, 0, &lz);
    printf("  marginals %.4f -> pretrained %.4f -> trained %.4f, last epoch's mean-field bound %.4f\n",
           ll0, pre, ll, bound - lz);
    CHECK(pre > ll0 + 3.0);
    CHECK(ll > pre + 0.3);
    CHECK(bound - lz < ll); /* the epoch's bound (moving parameters) is below */
    zs_dbm_free(base);
    zs_dbm_free(d);
    free(data);
}

static void training_resumes_bit_identically_on_any_thread_count(void) {
    const size_t sizes[] = {16, 8, 6}, n = 100;
    uint8_t *data = toy_data(n, 16, 13);
    char dir[] = "/tmp/zsum_dbmt_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    char p[256];
    snprintf(p, sizeof p, "%s/ck.npz", dir);
    zs_ctx *c1 = zs_ctx_alloc(), *c3 = zs_ctx_alloc();
    zs_ctx_set_threads(c1, 1);
    zs_ctx_set_threads(c3, 3);
    zs_dbm *a = trained(c1, sizes, data, n, 5, 0.01, 6, -1, NULL, NULL, NULL);
    zs_dbm *b = trained(c3, sizes, data, n, 5, 0.01, 6, -1, NULL, NULL, NULL);
    zs_dbm *c = trained(c3, sizes, data, n, 5, 0.01, 6, 3, p, NULL, NULL);
    CHECK(same_params(a, b));
    CHECK(same_params(a, c));
    /* a checkpoint refuses other options */
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.batch = 20;
    o.lr = 0.02;
    o.chains = 30;
    o.seed = 9;
    zs_dbm_trainer *t = NULL;
    CHECK(zs_dbm_trainer_alloc(c1, a, &o, data, n, &t) == ZS_OK);
    CHECK(zs_dbm_trainer_resume(t, p) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(c1), "lr = 0.01") != NULL);
    zs_dbm_trainer_free(t);
    zs_dbm_save(a, p, ZS_DTYPE_F8);
    o.lr = 0.01;
    CHECK(zs_dbm_trainer_alloc(c1, a, &o, data, n, &t) == ZS_OK);
    CHECK(zs_dbm_trainer_resume(t, p) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(c1), "no training state") != NULL);
    zs_dbm_trainer_free(t);
    o.batch = 0;
    CHECK(zs_dbm_trainer_alloc(c1, a, &o, data, n, &t) == ZS_EINVAL);
    remove(p);
    rmdir(dir);
    zs_dbm_free(a);
    zs_dbm_free(b);
    zs_dbm_free(c);
    zs_ctx_free(c1);
    zs_ctx_free(c3);
    free(data);
}

/* A progress callback that asks to stop at the given batch of an epoch. */
static int stop_at_batch(void *user, const char *task, double done, double total) {
    (void)task;
    (void)total;
    return done >= *(const double *)user;
}

/* A cancelled epoch leaves the whole trainer as it was — parameters, velocities, chains and
 * running means — so the epochs after it give the same model as a run never interrupted. */
static void a_cancelled_epoch_changes_nothing(void) {
    const size_t sizes[] = {16, 8, 6}, n = 100;
    uint8_t *data = toy_data(n, 16, 21);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_dbm *d = NULL, *a = NULL, *b = NULL;
    CHECK(zs_dbm_alloc(ctx, 2, sizes, &d) == ZS_OK);
    CHECK(zs_dbm_alloc(ctx, 2, sizes, &a) == ZS_OK);
    CHECK(zs_dbm_alloc(ctx, 2, sizes, &b) == ZS_OK);
    zs_dbm_pretrain_opts po;
    zs_dbm_pretrain_defaults(&po);
    po.epochs = 2;
    po.batch = 20;
    po.seed = 4;
    CHECK(zs_dbm_pretrain(d, &po, data, n) == ZS_OK);
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.batch = 10;
    o.lr = 0.02;
    o.chains = 20;
    o.seed = 6;
    o.sparsity_cost = 0.01;
    o.sparsity_target[1] = o.sparsity_target[2] = 0.1;
    for (int neg = 0; neg < 3; neg++) {
        o.negative = neg == 0 ? ZS_DBM_NEGATIVE_PERSISTENT
                     : neg == 1 ? ZS_DBM_NEGATIVE_MEAN_FIELD : ZS_DBM_NEGATIVE_EXACT;
        zs_dbm_trainer *ta = NULL, *tb = NULL;
        CHECK(zs_dbm_trainer_alloc(ctx, d, &o, data, n, &ta) == ZS_OK);
        CHECK(zs_dbm_trainer_alloc(ctx, d, &o, data, n, &tb) == ZS_OK);
        if (!ta || !tb) break;
        for (int e = 0; e < 3; e++) CHECK(zs_dbm_trainer_epoch(ta, NULL) == ZS_OK);
        CHECK(zs_dbm_trainer_epoch(tb, NULL) == ZS_OK);
        const double at = 6; /* of 10 batches */
        zs_ctx_set_progress(ctx, stop_at_batch, (void *)&at);
        CHECK(zs_dbm_trainer_epoch(tb, NULL) == ZS_ECANCELLED);
        zs_ctx_set_progress(ctx, NULL, NULL);
        CHECK(zs_dbm_trainer_epochs_done(tb) == 1);
        for (int e = 0; e < 2; e++) CHECK(zs_dbm_trainer_epoch(tb, NULL) == ZS_OK);
        zs_dbm_trainer_get(ta, a);
        zs_dbm_trainer_get(tb, b);
        CHECK(same_params(a, b));
        zs_dbm_trainer_free(ta);
        zs_dbm_trainer_free(tb);
    }
    zs_dbm_free(d);
    zs_dbm_free(a);
    zs_dbm_free(b);
    zs_ctx_free(ctx);
    free(data);
}

/* Joint training from a pretrained 16-8-6 DBM with sparsity (cost 0: off) and the public code's
 * per-update learning-rate decay; resumed from ckpt at epoch stop_at when ckpt is given. */
static zs_dbm *trained_sparse(zs_ctx *ctx, const uint8_t *data, size_t n, double cost, double target,
                              int epochs, int stop_at, const char *ckpt) {
    const size_t sizes[] = {16, 8, 6};
    zs_dbm *d = NULL;
    zs_dbm_alloc(ctx, 2, sizes, &d);
    zs_dbm_pretrain_opts po;
    zs_dbm_pretrain_defaults(&po);
    po.epochs = 5;
    po.batch = 20;
    po.lr = 0.1;
    po.seed = 8;
    CHECK(zs_dbm_pretrain(d, &po, data, n) == ZS_OK);
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.batch = 20;
    o.lr = 0.02;
    o.lr_divisor = 1.001;
    o.lr_min = 0.015;
    o.chains = 30;
    o.seed = 9;
    o.sparsity_cost = cost;
    o.sparsity_target[1] = target;
    o.sparsity_target[2] = target;
    zs_dbm_trainer *t = NULL;
    CHECK(zs_dbm_trainer_alloc(ctx, d, &o, data, n, &t) == ZS_OK);
    for (int e = 0; e < epochs && t; e++) {
        if (e == stop_at && ckpt) {
            CHECK(zs_dbm_trainer_save(t, ckpt) == ZS_OK);
            zs_dbm_trainer_free(t);
            t = NULL;
            CHECK(zs_dbm_trainer_alloc(ctx, d, &o, data, n, &t) == ZS_OK);
            CHECK(zs_dbm_trainer_resume(t, ckpt) == ZS_OK);
        }
        CHECK(zs_dbm_trainer_epoch(t, NULL) == ZS_OK);
    }
    if (t) zs_dbm_trainer_get(t, d);
    zs_dbm_trainer_free(t);
    return d;
}

/* The mean over the rows and the hidden units of the mean-field posterior of a 2-hidden-layer
 * DBM: 50 sweeps mu1 = sigmoid(b1 + W1T v + W2 mu2), mu2 = sigmoid(b2 + W2T mu1) from 0.5 (the
 * test's own loop, not the library's). */
static double mean_hidden_activation(const zs_dbm *d, const uint8_t *data, size_t n) {
    const size_t n0 = zs_dbm_size(d, 0), n1 = zs_dbm_size(d, 1), n2 = zs_dbm_size(d, 2);
    const double *w1 = zs_dbm_w(d, 1), *w2 = zs_dbm_w(d, 2), *b1 = zs_dbm_bias(d, 1), *b2 = zs_dbm_bias(d, 2);
    double m1[64], m2[64], s = 0.0;
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < n1; j++) m1[j] = 0.5;
        for (size_t k = 0; k < n2; k++) m2[k] = 0.5;
        for (int it = 0; it < 50; it++) {
            for (size_t j = 0; j < n1; j++) {
                double f = b1[j];
                for (size_t i = 0; i < n0; i++) f += data[r * n0 + i] * w1[i * n1 + j];
                for (size_t k = 0; k < n2; k++) f += w2[j * n2 + k] * m2[k];
                m1[j] = 1.0 / (1.0 + exp(-f));
            }
            for (size_t k = 0; k < n2; k++) {
                double f = b2[k];
                for (size_t j = 0; j < n1; j++) f += m1[j] * w2[j * n2 + k];
                m2[k] = 1.0 / (1.0 + exp(-f));
            }
        }
        for (size_t j = 0; j < n1; j++) s += m1[j];
        for (size_t k = 0; k < n2; k++) s += m2[k];
    }
    return s / (double)(n * (n1 + n2));
}

/* A sparsity target pulls the hidden units' mean activation toward it: the same run with and
 * without the penalty, the target far below where the units sit without it. */
static void sparsity_moves_the_mean_activation_toward_the_target(void) {
    const size_t n = 200;
    uint8_t *data = toy_data(n, 16, 12);
    const double target = 0.05;
    zs_dbm *off = trained_sparse(NULL, data, n, 0.0, target, 20, -1, NULL);
    zs_dbm *on = trained_sparse(NULL, data, n, 0.5, target, 20, -1, NULL);
    double q_off = mean_hidden_activation(off, data, n), q_on = mean_hidden_activation(on, data, n);
    printf("  mean hidden activation: %.4f without sparsity, %.4f with target %.2f\n", q_off, q_on, target);
    CHECK(fabs(q_on - target) < 0.5 * fabs(q_off - target));
    zs_dbm_free(off);
    zs_dbm_free(on);
    free(data);
}

/* With sparsity and the per-update decay on, a run resumed from a checkpoint on another
 * thread count ends with the same parameters bit for bit; bad options are refused. */
static void sparse_training_resumes_bit_identically(void) {
    const size_t n = 100;
    uint8_t *data = toy_data(n, 16, 13);
    char dir[] = "/tmp/zsum_dbms_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        free(data);
        return;
    }
    char p[256];
    snprintf(p, sizeof p, "%s/ck.npz", dir);
    zs_ctx *c1 = zs_ctx_alloc(), *c3 = zs_ctx_alloc();
    zs_ctx_set_threads(c1, 1);
    zs_ctx_set_threads(c3, 3);
    zs_dbm *a = trained_sparse(c1, data, n, 0.05, 0.1, 6, -1, NULL);
    zs_dbm *b = trained_sparse(c3, data, n, 0.05, 0.1, 6, 3, p);
    zs_dbm *c = trained_sparse(c3, data, n, 0.0, 0.1, 6, -1, NULL);
    CHECK(same_params(a, b));
    CHECK(!same_params(a, c));
    zs_dbm_train_opts o;
    zs_dbm_trainer *t = NULL;
    const double bad[][5] = {/* divisor, floor, cost, damping, target */
                             {0.5, 0, 0, 0.9, 0.1}, {1, -1, 0, 0.9, 0.1}, {1, 0, -0.1, 0.9, 0.1},
                             {1, 0, NAN, 0.9, 0.1}, {1, 0, 0.1, 1.0, 0.1}, {1, 0, 0.1, 0.9, 0.0},
                             {1, 0, 0.1, 0.9, 1.0}, {INFINITY, 0, 0, 0.9, 0.1}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        zs_dbm_train_defaults(&o);
        o.lr_divisor = bad[k][0];
        o.lr_min = bad[k][1];
        o.sparsity_cost = bad[k][2];
        o.sparsity_damping = bad[k][3];
        o.sparsity_target[2] = bad[k][4];
        CHECK(zs_dbm_trainer_alloc(c1, a, &o, data, n, &t) == ZS_EINVAL);
        CHECK(strstr(zs_last_error(c1), "training: ") != NULL);
    }
    remove(p);
    rmdir(dir);
    zs_dbm_free(a);
    zs_dbm_free(b);
    zs_dbm_free(c);
    zs_ctx_free(c1);
    zs_ctx_free(c3);
    free(data);
}

/* The mean-field ln Z is below the exact one on every model; the Bethe value is exact on
 * trees (one unit per layer; one visible unit under an RBM layer) and near it for weak
 * couplings. */
static void mean_field_and_bethe_lnz_against_exact(void) {
    static const size_t shapes[][6] = {{6, 4, 3, 0}, {5, 3, 4, 2, 0}, {8, 6, 5, 0}, {4, 7, 0}};
    zs_dbm_mf_opts mo;
    zs_dbm_mf_defaults(&mo);
    mo.max_iterations = 500;
    zs_dbm_bethe_opts bo;
    zs_dbm_bethe_defaults(&bo);
    for (size_t s = 0; s < 4; s++) {
        size_t L = 0;
        while (shapes[s][L + 1]) L++;
        for (int strong = 0; strong < 2; strong++) {
            zs_dbm *d = random_dbm(L, shapes[s], strong ? 2.0 : 0.1, 1.0, 900 + s * 2 + (size_t)strong);
            double ex = 0, mf = 0, be = 0;
            int conv = 0;
            CHECK(zs_dbm_lnz_exact(d, 0, &ex) == ZS_OK);
            CHECK(zs_dbm_lnz_mean_field(d, &mo, &mf, NULL, NULL) == ZS_OK);
            CHECK(mf <= ex + 1e-12 * fabs(ex));
            CHECK(zs_dbm_lnz_bethe(d, &bo, &be, NULL, &conv) == ZS_OK);
            if (!strong) {
                CHECK(conv);
                CHECK(fabs(be - ex) < 1e-3 && ex - mf < 0.05);
                CHECK(fabs(be - ex) <= ex - mf); /* Bethe is the better of the two here */
            }
            zs_dbm_free(d);
        }
    }
    static const size_t trees[][6] = {{1, 1, 1, 0}, {1, 1, 1, 1, 1, 0}, {1, 5, 0}, {4, 1, 0}, {3, 1, 3, 0}};
    for (size_t s = 0; s < 5; s++) {
        size_t L = 0;
        while (trees[s][L + 1]) L++;
        zs_dbm *d = random_dbm(L, trees[s], 3.0, 2.0, 950 + s);
        double ex = 0, be = 0;
        int conv = 0;
        CHECK(zs_dbm_lnz_exact(d, 0, &ex) == ZS_OK);
        CHECK(zs_dbm_lnz_bethe(d, &bo, &be, NULL, &conv) == ZS_OK);
        CHECK(conv);
        CHECK_REL(be, ex, 1e-9);
        zs_dbm_free(d);
    }
    bo.damping = 1.0;
    double be;
    zs_dbm *d = random_dbm(1, trees[2], 1.0, 1.0, 1);
    CHECK(zs_dbm_lnz_bethe(d, &bo, &be, NULL, NULL) == ZS_EINVAL);
    zs_dbm_free(d);
}

/* One update of the exact negative phase on an RBM-shaped DBM (the posterior is exact, so the
 * positive statistics are known): (W' - W) / lr = <v h>_data - <v h>_model - 0, each side by
 * brute force here; both set choices (visible smaller, hidden smaller). */
static void exact_negative_phase_is_the_model_expectation(void) {
    static const size_t dims[][2] = {{3, 5}, {5, 3}};
    for (int s = 0; s < 2; s++) {
        size_t nv = dims[s][0], nh = dims[s][1], sizes[2] = {nv, nh}, n = 7;
        zs_dbm *d = random_dbm(1, sizes, 1.0, 0.5, 70 + (uint64_t)s), *after = NULL;
        zs_dbm_alloc(NULL, 1, sizes, &after);
        uint8_t *data = malloc(n * nv);
        lcg_state = 3;
        for (size_t q = 0; q < n * nv; q++) data[q] = (uint8_t)(lcg() > 0);
        zs_dbm_train_opts o;
        zs_dbm_train_defaults(&o);
        o.negative = ZS_DBM_NEGATIVE_EXACT;
        o.batch = n;
        o.lr = 1e-3;
        o.momentum = 0;
        o.weight_decay = 0;
        zs_dbm_trainer *t = NULL;
        CHECK(zs_dbm_trainer_alloc(NULL, d, &o, data, n, &t) == ZS_OK);
        CHECK(zs_dbm_trainer_epoch(t, NULL) == ZS_OK);
        zs_dbm_trainer_get(t, after);
        const double *w = zs_dbm_w(d, 1), *a = zs_dbm_bias(d, 0), *b = zs_dbm_bias(d, 1);
        /* model: sum over every (v, h) */
        double *mvh = calloc(nv * nh, sizeof *mvh), z = 0.0;
        for (uint64_t vs = 0; vs < (1ULL << nv); vs++)
            for (uint64_t hs = 0; hs < (1ULL << nh); hs++) {
                double e = 0.0;
                for (size_t i = 0; i < nv; i++)
                    if (vs >> i & 1) {
                        e += a[i];
                        for (size_t j = 0; j < nh; j++)
                            if (hs >> j & 1) e += w[i * nh + j];
                    }
                for (size_t j = 0; j < nh; j++)
                    if (hs >> j & 1) e += b[j];
                double p = exp(e);
                z += p;
                for (size_t i = 0; i < nv; i++)
                    for (size_t j = 0; j < nh; j++)
                        if ((vs >> i & 1) && (hs >> j & 1)) mvh[i * nh + j] += p;
            }
        double worst = 0.0;
        for (size_t i = 0; i < nv; i++)
            for (size_t j = 0; j < nh; j++) {
                double pos = 0.0;
                for (size_t q = 0; q < n; q++) {
                    if (!data[q * nv + i]) continue;
                    double f = b[j];
                    for (size_t k = 0; k < nv; k++)
                        if (data[q * nv + k]) f += w[k * nh + j];
                    pos += 1.0 / (1.0 + exp(-f));
                }
                double want = pos / (double)n - mvh[i * nh + j] / z;
                double got = (zs_dbm_w(after, 1)[i * nh + j] - w[i * nh + j]) / o.lr;
                if (fabs(got - want) > worst) worst = fabs(got - want);
            }
        /* the data's side is a float32 product (docs/dbm.md, "Training"): 1e-6, where float32
         * keeps about 7 digits of statistics below 1 */
        printf("  %zu-%zu: worst |change / lr - gradient| %.3g\n", nv, nh, worst);
        CHECK(worst < 1e-6);
        zs_dbm_trainer_free(t);
        free(mvh);
        free(data);
        zs_dbm_free(d);
        zs_dbm_free(after);
    }
    /* the exact phase is refused past its size, and named */
    size_t big[] = {30, 30};
    zs_dbm *d = random_dbm(1, big, 0.1, 0.1, 1);
    uint8_t row[30] = {0};
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.negative = ZS_DBM_NEGATIVE_EXACT;
    zs_dbm_trainer *t = NULL;
    zs_ctx *ctx = zs_ctx_alloc();
    CHECK(zs_dbm_trainer_alloc(ctx, d, &o, row, 1, &t) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "2^30") != NULL);
    zs_dbm_negative ng;
    CHECK(zs_dbm_negative_from_name("mean-field", &ng) == ZS_OK && ng == ZS_DBM_NEGATIVE_MEAN_FIELD);
    CHECK_STR(zs_dbm_negative_name(ZS_DBM_NEGATIVE_EXACT), "exact");
    zs_ctx_free(ctx);
    zs_dbm_free(d);
}

/* One update of the mean-field negative phase on an RBM-shaped DBM: the model's statistics are
 * the free naive mean field's fixed point, <v_i h_j> = m_i mu_j with m = sigmoid(a + W mu),
 * mu = sigmoid(b + W^T m), here found by a damped simultaneous (Jacobi) iteration rather than
 * the trainer's layer-by-layer sweep; the weights are weak, so the fixed point is unique. */
static void mean_field_negative_phase_is_the_fixed_point(void) {
    const size_t nv = 4, nh = 3, sizes[2] = {4, 3}, n = 6;
    zs_dbm *d = random_dbm(1, sizes, 0.3, 0.5, 81), *after = NULL;
    zs_dbm_alloc(NULL, 1, sizes, &after);
    uint8_t *data = malloc(n * nv);
    lcg_state = 5;
    for (size_t q = 0; q < n * nv; q++) data[q] = (uint8_t)(lcg() > 0);
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.negative = ZS_DBM_NEGATIVE_MEAN_FIELD;
    o.batch = n;
    o.lr = 1e-3;
    o.momentum = 0;
    o.weight_decay = 0;
    o.mf_iterations = 100000;
    o.mf_tolerance = 1e-15;
    zs_dbm_trainer *t = NULL;
    CHECK(zs_dbm_trainer_alloc(NULL, d, &o, data, n, &t) == ZS_OK);
    CHECK(zs_dbm_trainer_epoch(t, NULL) == ZS_OK);
    zs_dbm_trainer_get(t, after);
    const double *w = zs_dbm_w(d, 1), *a = zs_dbm_bias(d, 0), *b = zs_dbm_bias(d, 1);
    double m[4] = {0.5, 0.5, 0.5, 0.5}, mu[3] = {0.5, 0.5, 0.5};
    for (int it = 0; it < 5000; it++) {
        double m2[4], mu2[3];
        for (size_t i = 0; i < nv; i++) {
            double f = a[i];
            for (size_t j = 0; j < nh; j++) f += w[i * nh + j] * mu[j];
            m2[i] = 0.5 * m[i] + 0.5 / (1.0 + exp(-f));
        }
        for (size_t j = 0; j < nh; j++) {
            double f = b[j];
            for (size_t i = 0; i < nv; i++) f += w[i * nh + j] * m[i];
            mu2[j] = 0.5 * mu[j] + 0.5 / (1.0 + exp(-f));
        }
        memcpy(m, m2, sizeof m);
        memcpy(mu, mu2, sizeof mu);
    }
    double worst = 0.0;
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < nh; j++) {
            double pos = 0.0; /* the posterior of h given v is exact for one hidden layer */
            for (size_t q = 0; q < n; q++) {
                if (!data[q * nv + i]) continue;
                double f = b[j];
                for (size_t k = 0; k < nv; k++)
                    if (data[q * nv + k]) f += w[k * nh + j];
                pos += 1.0 / (1.0 + exp(-f));
            }
            double want = pos / (double)n - m[i] * mu[j];
            double got = (zs_dbm_w(after, 1)[i * nh + j] - w[i * nh + j]) / o.lr;
            if (fabs(got - want) > worst) worst = fabs(got - want);
        }
    printf("  worst |change / lr - gradient| %.3g\n", worst);
    CHECK(worst < 1e-6); /* the data's side is a float32 product */
    zs_dbm_trainer_free(t);
    free(data);
    zs_dbm_free(d);
    zs_dbm_free(after);
}

/* The double-precision reference of one update (momentum 0, no weight decay): each row's mean
 * field as dbm_mf_row runs it (bottom-up, then sweeps layer after layer, until no mean moves
 * or its iterations are spent), then dW^l = lr (mean_q mu^{l-1} mu^lT - mean_c x^{l-1} x^lT),
 * db^l = lr (mean_q mu^l - mean_c x^l) with x the chains as the update left them. */
static void reference_update(const zs_dbm *d, const uint8_t *data, size_t n, const double *chains,
                             size_t M, size_t iters, double lr, double *dw[3], double *db[3], double *bound) {
    const size_t L = zs_dbm_layers(d), U = 12 + 6 + 5, off[3] = {0, 12, 18};
    double *mu = calloc(n * U, sizeof *mu), *xs = calloc(n * U, sizeof *xs);
    *bound = 0.0;
    for (size_t q = 0; q < n; q++) {
        double *m = mu + q * U, *x = xs + q * U;
        for (size_t i = 0; i < 12; i++) m[i] = data[q * 12 + i];
        for (size_t it = 0; it <= iters; it++) { /* it = 0: bottom-up */
            double change = 0.0;
            for (size_t l = 1; l <= L; l++)
                for (size_t j = 0; j < zs_dbm_size(d, l); j++) {
                    double f = zs_dbm_bias(d, l)[j];
                    for (size_t i = 0; i < zs_dbm_size(d, l - 1); i++)
                        f += m[off[l - 1] + i] * zs_dbm_w(d, l)[i * zs_dbm_size(d, l) + j];
                    if (it > 0 && l < L)
                        for (size_t k = 0; k < zs_dbm_size(d, l + 1); k++)
                            f += m[off[l + 1] + k] * zs_dbm_w(d, l + 1)[j * zs_dbm_size(d, l + 1) + k];
                    double v = 1.0 / (1.0 + exp(-f));
                    if (fabs(v - m[off[l] + j]) > change) change = fabs(v - m[off[l] + j]);
                    m[off[l] + j] = v;
                    x[off[l] + j] = f;
                }
            if (it > 0 && change == 0.0) break;
        }
        double b = 0.0; /* B(v) = b.v + sum_l [b^l.mu^l + mu^{l-1} W^l mu^l + H(mu^l)] */
        for (size_t i = 0; i < 12; i++) b += zs_dbm_bias(d, 0)[i] * m[i];
        for (size_t l = 1; l <= L; l++)
            for (size_t j = 0; j < zs_dbm_size(d, l); j++) {
                const double mj = m[off[l] + j], f = x[off[l] + j];
                b += zs_dbm_bias(d, l)[j] * mj + log1p(exp(-fabs(f))) + (f > 0 ? f : 0) - f * mj;
                for (size_t i = 0; i < zs_dbm_size(d, l - 1); i++)
                    b += m[off[l - 1] + i] * zs_dbm_w(d, l)[i * zs_dbm_size(d, l) + j] * mj;
            }
        *bound += b / (double)n;
    }
    for (size_t l = 0; l <= L; l++)
        for (size_t j = 0; j < zs_dbm_size(d, l); j++) {
            double p = 0.0, c = 0.0;
            for (size_t q = 0; q < n; q++) p += mu[q * U + off[l] + j];
            for (size_t k = 0; k < M; k++) c += chains[k * U + off[l] + j];
            db[l][j] = lr * (p / (double)n - c / (double)M);
            if (l == 0) continue;
            for (size_t i = 0; i < zs_dbm_size(d, l - 1); i++) {
                p = c = 0.0;
                for (size_t q = 0; q < n; q++) p += mu[q * U + off[l - 1] + i] * mu[q * U + off[l] + j];
                for (size_t k = 0; k < M; k++) c += chains[k * U + off[l - 1] + i] * chains[k * U + off[l] + j];
                dw[l][i * zs_dbm_size(d, l) + j] = lr * (p / (double)n - c / (double)M);
            }
        }
    free(mu);
    free(xs);
}

/* One update of the batched float32 epoch on a 12-6-5 DBM (7 rows, 9 chains) against the
 * double-precision reference above: the change of every parameter and the epoch's bound
 * agree to float32's precision (1e-6 on statistics below 1, about 10 float32 roundings; the
 * bound to 1e-6 relative). The
 * chains are those the checkpoint holds after the update, the states the update used. */
static void batched_update_matches_a_double_reference(void) {
    const size_t sizes[] = {12, 6, 5}, n = 7, M = 9, U = 23;
    zs_dbm *d = random_dbm(2, sizes, 0.8, 0.5, 90), *after = NULL;
    zs_dbm_alloc(NULL, 2, sizes, &after);
    uint8_t *data = toy_data(n, 12, 91);
    char dir[] = "/tmp/zsum_dbmref_XXXXXX", p[256];
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    snprintf(p, sizeof p, "%s/ck.npz", dir);
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.batch = n;
    o.chains = M;
    o.lr = 1e-3;
    o.momentum = 0;
    o.weight_decay = 0;
    o.mf_iterations = 30;
    o.mf_tolerance = 0;
    zs_dbm_trainer *t = NULL;
    double bound = 0.0, ref_bound = 0.0;
    CHECK(zs_dbm_trainer_alloc(NULL, d, &o, data, n, &t) == ZS_OK);
    CHECK(zs_dbm_trainer_epoch(t, &bound) == ZS_OK);
    CHECK(zs_dbm_trainer_save(t, p) == ZS_OK);
    zs_dbm_trainer_get(t, after);
    char cp[300];
    snprintf(cp, sizeof cp, "%s:train_chains", p);
    zs_array *ch = NULL;
    CHECK(zs_data_load(NULL, cp, &ch) == ZS_OK);
    if (!ch) return;
    CHECK(zs_array_dim(ch, 0) == M && zs_array_dim(ch, 1) == U);
    double w1[72], w2[30], b0[12], b1[6], b2[5];
    double *dw[3] = {NULL, w1, w2}, *db[3] = {b0, b1, b2};
    reference_update(d, data, n, zs_array_cdata(ch), M, o.mf_iterations, o.lr, dw, db, &ref_bound);
    double worst = 0.0;
    for (size_t l = 0; l <= 2; l++)
        for (size_t j = 0; j < sizes[l]; j++) {
            double got = (zs_dbm_bias(after, l)[j] - zs_dbm_bias(d, l)[j]) / o.lr;
            worst = fmax(worst, fabs(got - db[l][j] / o.lr));
            if (l == 0) continue;
            for (size_t i = 0; i < sizes[l - 1]; i++) {
                size_t k = i * sizes[l] + j;
                got = (zs_dbm_w(after, l)[k] - zs_dbm_w(d, l)[k]) / o.lr;
                worst = fmax(worst, fabs(got - dw[l][k] / o.lr));
            }
        }
    printf("  worst |change / lr - reference gradient| %.3g; bound %.9f, reference %.9f\n", worst, bound, ref_bound);
    CHECK(worst < 1e-6);
    CHECK(fabs(bound - ref_bound) < 1e-6 * fabs(ref_bound));
    zs_array_free(ch);
    zs_dbm_trainer_free(t);
    remove(p);
    rmdir(dir);
    free(data);
    zs_dbm_free(d);
    zs_dbm_free(after);
}

/* Several blocks of rows (batch 300: three) and of chains (200: two): the same model on 1, 2
 * and 3 threads, and resumed from a checkpoint on another thread count. */
static void batched_blocks_give_the_same_bits_on_any_thread_count(void) {
    const size_t sizes[] = {16, 8, 6}, n = 600;
    uint8_t *data = toy_data(n, 16, 31);
    char dir[] = "/tmp/zsum_dbmblk_XXXXXX", p[256];
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp made the temporary directory");
        return;
    }
    snprintf(p, sizeof p, "%s/ck.npz", dir);
    zs_dbm *m[4] = {NULL, NULL, NULL, NULL};
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.batch = 300;
    o.chains = 200;
    o.lr = 0.01;
    o.seed = 5;
    for (int k = 0; k < 4; k++) {
        zs_ctx *ctx = zs_ctx_alloc();
        zs_ctx_set_threads(ctx, k < 3 ? k + 1 : 2);
        m[k] = random_dbm(2, sizes, 0.3, 0.3, 32);
        zs_dbm_trainer *t = NULL;
        CHECK(zs_dbm_trainer_alloc(ctx, m[k], &o, data, n, &t) == ZS_OK);
        if (k == 3) { /* an epoch on 3 threads, saved, resumed on 2 */
            zs_ctx_set_threads(ctx, 3);
            CHECK(zs_dbm_trainer_epoch(t, NULL) == ZS_OK);
            CHECK(zs_dbm_trainer_save(t, p) == ZS_OK);
            zs_dbm_trainer_free(t);
            zs_ctx_set_threads(ctx, 2);
            CHECK(zs_dbm_trainer_alloc(ctx, m[k], &o, data, n, &t) == ZS_OK);
            CHECK(zs_dbm_trainer_resume(t, p) == ZS_OK);
        }
        for (uint64_t e = zs_dbm_trainer_epochs_done(t); e < 3; e++) CHECK(zs_dbm_trainer_epoch(t, NULL) == ZS_OK);
        zs_dbm_trainer_get(t, m[k]);
        zs_dbm_trainer_free(t);
        zs_ctx_free(ctx);
    }
    CHECK(same_params(m[0], m[1]));
    CHECK(same_params(m[0], m[2]));
    CHECK(same_params(m[0], m[3]));
    for (int k = 0; k < 4; k++) zs_dbm_free(m[k]);
    remove(p);
    rmdir(dir);
    free(data);
}

int main(void) {
    RUN(exact_matches_brute_force_over_every_layer);
    RUN(exact_has_no_overflow_beyond_exp_range);
    RUN(unnormalized_loglik_matches_brute_force);
    RUN(one_hidden_layer_gives_the_rbm_numbers_bit_for_bit);
    RUN(mean_field_bound_is_below_exact_on_every_row);
    RUN(ais_band_holds_exact_on_random_models);
    RUN(ais_band_holds_exact_on_a_trained_model);
    RUN(exact_refuses_too_large_with_an_estimate);
    RUN(model_files_round_trip_and_reject_bad_ones);
    RUN(names_of_the_ais_bases);
    RUN(results_do_not_depend_on_threads);
    RUN(mean_field_and_bethe_lnz_against_exact);
    RUN(exact_negative_phase_is_the_model_expectation);
    RUN(mean_field_negative_phase_is_the_fixed_point);
    RUN(training_raises_the_exact_likelihood);
    RUN(training_resumes_bit_identically_on_any_thread_count);
    RUN(a_cancelled_epoch_changes_nothing);
    RUN(sparsity_moves_the_mean_activation_toward_the_target);
    RUN(sparse_training_resumes_bit_identically);
    RUN(batched_update_matches_a_double_reference);
    RUN(batched_blocks_give_the_same_bits_on_any_thread_count);
    return check_summary("test_dbm");
}
