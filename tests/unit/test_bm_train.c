/* test_bm_train.c — the fully visible Boltzmann machine's exact moments and trainer
 * (zsum/bm.h) against independent sums written here: brute-force moments over every state, the
 * likelihood gradient by finite differences of a brute-force ln p, the monitor's ln Z and
 * log-likelihood by brute force; the mean-field bound below ln Z; exact learning raising the
 * log-likelihood; checkpoints resuming bit for bit; results independent of the thread count. */
#include "zsum.h"
#include "check.h"

#include <stdint.h>

/* A random machine: W_ij ~ scale N(0,1) (i < j, mirrored), b_i ~ N(0,1). */
static void random_bm(size_t n, uint64_t seed, double scale, double *w, double *b) {
    zs_rng r;
    zs_rng_init(&r, seed, 7);
    memset(w, 0, n * n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) w[i * n + j] = w[j * n + i] = scale * zs_rng_normal(&r);
    for (size_t i = 0; i < n; i++) b[i] = zs_rng_normal(&r);
}

/* -E(x) of state s (bit i = x_i). */
static double neg_energy(size_t n, const double *w, const double *b, uint64_t s) {
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(s >> i & 1)) continue;
        e += b[i];
        for (size_t j = i + 1; j < n; j++)
            if (s >> j & 1) e += w[i * n + j];
    }
    return e;
}

/* ln Z and (when mom) every moment by the plainest sum over the 2^n states. */
static double brute(size_t n, const double *w, const double *b, double *mom) {
    double mx = -HUGE_VAL, z = 0.0;
    for (uint64_t s = 0; s < (1ULL << n); s++) {
        double e = neg_energy(n, w, b, s);
        if (e > mx) mx = e;
    }
    if (mom) memset(mom, 0, n * n * sizeof *mom);
    for (uint64_t s = 0; s < (1ULL << n); s++) {
        double p = exp(neg_energy(n, w, b, s) - mx);
        z += p;
        if (mom)
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    if ((s >> i & 1) && (s >> j & 1)) mom[i * n + j] += p;
    }
    if (mom)
        for (size_t k = 0; k < n * n; k++) mom[k] /= z;
    return mx + log(z);
}

static void exact_moments_match_brute_force(void) {
    /* n <= 12: one block; 13..16: high and low blocks, one or several chunks */
    const size_t sizes[] = {1, 2, 5, 12, 13, 16, 17};
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++) {
        size_t n = sizes[q];
        double *w = malloc(n * n * sizeof *w), *b = malloc(n * sizeof *b);
        double *m = malloc(n * n * sizeof *m), *want = malloc(n * n * sizeof *want);
        random_bm(n, 10 + q, 1.0, w, b);
        double lnz = 0.0, lnz_want = brute(n, w, b, want);
        CHECK(zs_bm_moments_exact(NULL, n, w, b, m, &lnz) == ZS_OK);
        CHECK_REL(lnz, lnz_want, 1e-12);
        double err = 0.0;
        for (size_t k = 0; k < n * n; k++) err = fmax(err, fabs(m[k] - want[k]));
        CHECK(err < 1e-12);
        free(w), free(b), free(m), free(want);
    }
    /* weights beyond exp's range: ln Z ~ 2000 */
    double w[16], b[4] = {500, 500, 500, 500}, m[16], want[16];
    memset(w, 0, sizeof w);
    double lnz;
    CHECK(zs_bm_moments_exact(NULL, 4, w, b, m, &lnz) == ZS_OK);
    CHECK_REL(lnz, brute(4, w, b, want), 1e-14);
    CHECK(isfinite(m[0]) && fabs(m[0] - 1.0) < 1e-12);
}

/* The mean log-likelihood of rows under (w, b) by brute force. */
static double loglik(size_t n, const double *w, const double *b, const uint8_t *rows, size_t nr) {
    double lnz = brute(n, w, b, NULL), s = 0.0;
    for (size_t r = 0; r < nr; r++) {
        uint64_t st = 0;
        for (size_t i = 0; i < n; i++) st |= (uint64_t)rows[r * n + i] << i;
        s += neg_energy(n, w, b, st);
    }
    return s / (double)nr - lnz;
}

static void exact_gradient_matches_finite_differences(void) {
    const size_t n = 6, nr = 9;
    double w[36], b[6], m[36];
    uint8_t rows[54];
    random_bm(n, 3, 0.8, w, b);
    zs_rng r;
    zs_rng_init(&r, 5, 0);
    for (size_t k = 0; k < n * nr; k++) rows[k] = (uint8_t)(zs_rng_uniform(&r) < 0.4);
    CHECK(zs_bm_moments_exact(NULL, n, w, b, m, NULL) == ZS_OK);
    const double h = 1e-5;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double data = 0.0;
            for (size_t q = 0; q < nr; q++) data += rows[q * n + i] * rows[q * n + j];
            const double grad = data / (double)nr - m[i * n + j]; /* the trainer's direction */
            double *p = i == j ? &b[i] : &w[i * n + j], *p2 = i == j ? NULL : &w[j * n + i], keep = *p;
            *p = keep + h;
            if (p2) *p2 = *p;
            double up = loglik(n, w, b, rows, nr);
            *p = keep - h;
            if (p2) *p2 = *p;
            double down = loglik(n, w, b, rows, nr);
            *p = keep;
            if (p2) *p2 = keep;
            CHECK(fabs((up - down) / (2 * h) - grad) < 1e-7);
        }
}

/* 40 rows of 8 units: two prototypes with noise, so the pairs are correlated. */
static void toy_data(uint8_t *rows, size_t nr, size_t n) {
    zs_rng r;
    zs_rng_init(&r, 11, 0);
    for (size_t q = 0; q < nr; q++)
        for (size_t i = 0; i < n; i++) {
            int proto = q % 2 ? i < n / 2 : i % 2;
            rows[q * n + i] = (uint8_t)(zs_rng_uniform(&r) < 0.1 ? !proto : proto);
        }
}

static void monitor_matches_brute_force_and_bounds_hold(void) {
    const size_t n = 8, nr = 40;
    uint8_t rows[320];
    toy_data(rows, nr, n);
    zs_bm_train_opts o;
    zs_bm_train_defaults(&o);
    o.negative = ZS_BM_NEGATIVE_EXACT;
    o.batch = 10;
    o.lr = 0.1;
    zs_bm_trainer *t = NULL;
    CHECK(zs_bm_trainer_alloc(NULL, n, NULL, NULL, &o, rows, nr, &t) == ZS_OK);
    double w[64], b[8], first = 0.0, last = 0.0;
    for (int e = 0; e <= 20 && t; e++) {
        if (e) CHECK(zs_bm_trainer_epoch(t) == ZS_OK);
        zs_bm_trainer_get(t, w, b);
        zs_bm_monitor m;
        CHECK(zs_bm_monitor_compute(NULL, n, w, b, rows, nr, 0, &m) == ZS_OK);
        CHECK_REL(m.lnz, brute(n, w, b, NULL), 1e-12);
        CHECK_REL(m.loglik, loglik(n, w, b, rows, nr), 1e-12);
        CHECK(m.lnz_mf <= m.lnz + 1e-12);
        CHECK(isfinite(m.lnz_bethe));
        if (e == 0) first = m.loglik;
        last = m.loglik;
    }
    CHECK(zs_bm_trainer_epochs_done(t) == 20);
    CHECK(last > first + 0.5); /* the start is the independent model; pairs add much */
    zs_bm_trainer_free(t);
}

/* Run `epochs` epochs of negative phase neg with `threads` threads; W and b out. */
static void run(zs_bm_negative neg, int threads, int epochs, const char *save, const char *resume,
                double *w, double *b) {
    const size_t n = 8, nr = 40;
    uint8_t rows[320];
    toy_data(rows, nr, n);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_ctx_set_threads(ctx, threads);
    zs_bm_train_opts o;
    zs_bm_train_defaults(&o);
    o.negative = neg;
    o.batch = 7;
    o.chains = 13;
    o.seed = 42;
    zs_bm_trainer *t = NULL;
    CHECK(zs_bm_trainer_alloc(ctx, n, NULL, NULL, &o, rows, nr, &t) == ZS_OK);
    if (resume) CHECK(zs_bm_trainer_resume(t, resume) == ZS_OK);
    while (t && zs_bm_trainer_epochs_done(t) < (uint64_t)epochs) CHECK(zs_bm_trainer_epoch(t) == ZS_OK);
    if (save) CHECK(zs_bm_trainer_save(t, save) == ZS_OK);
    zs_bm_trainer_get(t, w, b);
    zs_bm_trainer_free(t);
    zs_ctx_free(ctx);
}

static void resume_and_threads_are_bit_identical(void) {
    check_tmpdir("bm_train");
    const zs_bm_negative negs[] = {ZS_BM_NEGATIVE_PERSISTENT, ZS_BM_NEGATIVE_EXACT, ZS_BM_NEGATIVE_MEAN_FIELD};
    for (int k = 0; k < 3; k++) {
        double w1[64], b1[8], w2[64], b2[8], w3[64], b3[8];
        run(negs[k], 1, 6, NULL, NULL, w1, b1);
        run(negs[k], 4, 3, check_path("half.npz"), NULL, w2, b2);
        run(negs[k], 4, 6, NULL, check_path("half.npz"), w2, b2);
        run(negs[k], 3, 6, check_path("full.npz"), NULL, w3, b3);
        CHECK(!memcmp(w1, w2, sizeof w1) && !memcmp(b1, b2, sizeof b1));
        CHECK(!memcmp(w1, w3, sizeof w1) && !memcmp(b1, b3, sizeof b1));
        /* the file is a machine `zsum bm` reads: its ln Z is the trained machine's */
        zs_pairwise *pm = NULL;
        double lnz = 0.0;
        CHECK(zs_pairwise_load_bm(NULL, check_path("full.npz"), 0, &pm) == ZS_OK);
        CHECK(pm && zs_pairwise_lnz_enumerate(pm, 1.0, &lnz) == ZS_OK);
        CHECK_REL(lnz, brute(8, w3, b3, NULL), 1e-12);
        zs_pairwise_free(pm);
    }
    check_tmpdir_remove();
}

static void bad_input_is_refused(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_bm_train_opts o;
    zs_bm_train_defaults(&o);
    uint8_t rows[8] = {0, 1, 1, 0, 2, 0, 0, 1};
    zs_bm_trainer *t = NULL;
    CHECK(zs_bm_trainer_alloc(ctx, 4, NULL, NULL, &o, rows, 2, &t) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "row 2, column 1") != NULL);
    rows[4] = 1;
    o.lr = 0;
    CHECK(zs_bm_trainer_alloc(ctx, 4, NULL, NULL, &o, rows, 2, &t) == ZS_EINVAL);
    zs_bm_train_defaults(&o);
    o.negative = ZS_BM_NEGATIVE_EXACT;
    uint8_t *big = calloc(25, 1);
    CHECK(zs_bm_trainer_alloc(ctx, 25, NULL, NULL, &o, big, 1, &t) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "2^25 states") != NULL);
    free(big);
    double w[16] = {0}, b[4] = {0};
    w[1] = 1.0; /* asymmetric */
    zs_bm_train_defaults(&o);
    CHECK(zs_bm_trainer_alloc(ctx, 4, w, b, &o, rows, 2, &t) == ZS_EINVAL);
    CHECK(zs_bm_moments_exact(ctx, 4, w, b, w, NULL) == ZS_EINVAL);
    CHECK(t == NULL);
    zs_bm_negative neg;
    CHECK(zs_bm_negative_from_name("mean-field", &neg) == ZS_OK && neg == ZS_BM_NEGATIVE_MEAN_FIELD);
    CHECK_STR(zs_bm_negative_name(ZS_BM_NEGATIVE_EXACT), "exact");
    CHECK(zs_bm_negative_from_name("gibbs", &neg) == ZS_EINVAL);
    zs_ctx_free(ctx);
}

int main(void) {
    RUN(exact_moments_match_brute_force);
    RUN(exact_gradient_matches_finite_differences);
    RUN(monitor_matches_brute_force_and_bounds_hold);
    RUN(resume_and_threads_are_bit_identical);
    RUN(bad_input_is_refused);
    return check_summary("test_bm_train");
}
