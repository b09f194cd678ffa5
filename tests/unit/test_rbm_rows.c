/* test_rbm_rows.c — the RBM calls on whole binary matrices that the Python estimator uses:
 * per-row free energies of byte rows (against the sum over h written here), one Gibbs step
 * (its frequencies against the exact transition probabilities summed here over h), the
 * training state in memory (continuing from it is bit-identical to never having stopped), and
 * the faster set-up of a training run (the parallel start of W against the sequential normal
 * stream; the word-wise scan of the data against the bytes). */
#include "zsum.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

/* 64-bit LCG independent of the library's generator: uniform in [-1, 1). */
static uint64_t lcg_state;
static double lcg(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) * 0x1.0p-52 - 1.0;
}

static zs_rbm *random_rbm(zs_ctx *ctx, size_t nv, size_t nh, double scale, uint64_t seed) {
    zs_rbm *r = NULL;
    if (zs_rbm_alloc(ctx, nv, nh, &r) != ZS_OK) return NULL;
    lcg_state = seed;
    for (size_t i = 0; i < nv * nh; i++) zs_rbm_w_mut(r)[i] = scale * lcg();
    for (size_t i = 0; i < nv; i++) zs_rbm_vbias_mut(r)[i] = scale * lcg();
    for (size_t j = 0; j < nh; j++) zs_rbm_hbias_mut(r)[j] = scale * lcg();
    return r;
}

static uint8_t *random_rows(size_t n, size_t nv, uint64_t seed) {
    uint8_t *d = malloc(n * nv);
    lcg_state = seed;
    for (size_t x = 0; x < n * nv; x++) d[x] = lcg() > 0.3 ? 1 : 0;
    return d;
}

/* F(v) = -ln sum_h exp(-E(v, h)), every h (nh small). */
static double free_energy_by_sum(const zs_rbm *r, const uint8_t *v) {
    size_t nv = zs_rbm_nv(r), nh = zs_rbm_nh(r);
    double s = 0.0;
    for (uint64_t hs = 0; hs < (1ULL << nh); hs++) {
        double e = 0.0;
        for (size_t i = 0; i < nv; i++) e += v[i] * zs_rbm_vbias(r)[i];
        for (size_t j = 0; j < nh; j++) {
            if (!(hs >> j & 1)) continue;
            e += zs_rbm_hbias(r)[j];
            for (size_t i = 0; i < nv; i++) e += v[i] * zs_rbm_w(r)[i * nh + j];
        }
        s += exp(e);
    }
    return -log(s);
}

static void free_energies_of_byte_rows_match_the_sum_over_h(void) {
    const size_t nv = 9, nh = 7, n = 40;
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *r = random_rbm(ctx, nv, nh, 0.8, 11);
    uint8_t *d = random_rows(n, nv, 5);
    double f[40], v[9];
    CHECK(zs_rbm_free_energies_u8(r, d, n, f) == ZS_OK);
    for (size_t q = 0; q < n; q++) {
        CHECK_REL(f[q], free_energy_by_sum(r, d + q * nv), 1e-12);
        for (size_t i = 0; i < nv; i++) v[i] = d[q * nv + i];
        CHECK(f[q] == zs_rbm_free_energy(r, v)); /* the same bits as the double path */
    }
    d[3 * nv + 4] = 2;
    CHECK(zs_rbm_free_energies_u8(r, d, n, f) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "row 3, column 4 = 2 is not 0 or 1") != NULL);
    CHECK(zs_rbm_free_energies_u8(r, NULL, n, f) == ZS_EINVAL);
    free(d);
    zs_rbm_free(r);
    zs_ctx_free(ctx);
}

/* P(v' | v) = sum_h p(h | v) p(v' | h), every h and v' (nv, nh small). */
static void exact_transition(const zs_rbm *r, const uint8_t *v, double *p) {
    size_t nv = zs_rbm_nv(r), nh = zs_rbm_nh(r);
    const double *w = zs_rbm_w(r), *a = zs_rbm_vbias(r), *b = zs_rbm_hbias(r);
    for (uint64_t vs = 0; vs < (1ULL << nv); vs++) p[vs] = 0.0;
    for (uint64_t hs = 0; hs < (1ULL << nh); hs++) {
        double ph = 1.0;
        for (size_t j = 0; j < nh; j++) {
            double x = b[j];
            for (size_t i = 0; i < nv; i++) x += v[i] * w[i * nh + j];
            double on = 1.0 / (1.0 + exp(-x));
            ph *= (hs >> j & 1) ? on : 1.0 - on;
        }
        for (uint64_t vs = 0; vs < (1ULL << nv); vs++) {
            double pv = 1.0;
            for (size_t i = 0; i < nv; i++) {
                double x = a[i];
                for (size_t j = 0; j < nh; j++) x += (double)(hs >> j & 1) * w[i * nh + j];
                double on = 1.0 / (1.0 + exp(-x));
                pv *= (vs >> i & 1) ? on : 1.0 - on;
            }
            p[vs] += ph * pv;
        }
    }
}

static void gibbs_step_frequencies_match_the_exact_transition(void) {
    const size_t nv = 3, nh = 2, n = 40000;
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *r = random_rbm(ctx, nv, nh, 1.3, 7);
    const uint8_t v0[3] = {1, 0, 1};
    uint8_t *rows = malloc(n * nv), *out = malloc(n * nv);
    for (size_t q = 0; q < n; q++) memcpy(rows + q * nv, v0, nv);
    CHECK(zs_rbm_gibbs(r, rows, n, 99, out) == ZS_OK);
    double p[8], count[8] = {0};
    exact_transition(r, v0, p);
    for (size_t q = 0; q < n; q++) {
        unsigned s = 0;
        for (size_t i = 0; i < nv; i++) s |= (unsigned)out[q * nv + i] << i;
        count[s] += 1.0;
    }
    /* Each frequency within 5 binomial standard deviations of its probability. */
    for (int s = 0; s < 8; s++) {
        double sd = sqrt(p[s] * (1 - p[s]) / (double)n);
        CHECK(fabs(count[s] / (double)n - p[s]) <= 5 * sd + 1e-12);
    }
    /* Threads do not change the draws; out may be the input itself. */
    zs_ctx_set_threads(ctx, 1);
    uint8_t *again = malloc(n * nv);
    CHECK(zs_rbm_gibbs(r, rows, n, 99, again) == ZS_OK);
    CHECK(memcmp(again, out, n * nv) == 0);
    zs_ctx_set_threads(ctx, 2);
    CHECK(zs_rbm_gibbs(r, rows, n, 99, rows) == ZS_OK);
    CHECK(memcmp(rows, out, n * nv) == 0);
    rows[5] = 7;
    CHECK(zs_rbm_gibbs(r, rows, n, 99, out) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "row 1, column 2 = 7 is not 0 or 1") != NULL);
    free(again);
    free(rows);
    free(out);
    zs_rbm_free(r);
    zs_ctx_free(ctx);
}

typedef struct state_arrays {
    zs_rbm_train_state s;
    float *buf;
} state_arrays;

static void state_init(state_arrays *a, size_t nv, size_t nh, size_t batch) {
    a->buf = malloc((nv * nh + nv + nh + batch * nv) * sizeof(float));
    a->s.velocity_w = a->buf;
    a->s.velocity_vbias = a->buf + nv * nh;
    a->s.velocity_hbias = a->s.velocity_vbias + nv;
    a->s.chains = a->s.velocity_hbias + nh;
}

/* Three epochs in one trainer against one epoch, the state carried by get/set into a fresh
 * trainer (its parameters through zs_rbm_trainer_get), two more there: the same bits. */
static void continuing_from_the_state_in_memory_is_bit_identical(void) {
    const size_t nv = 20, nh = 9, n = 230;
    uint8_t *d = random_rows(n, nv, 3);
    for (int persistent = 0; persistent <= 1; persistent++) {
        zs_ctx *ctx = zs_ctx_alloc();
        zs_rbm *r = NULL, *mid = NULL, *a = NULL, *b = NULL;
        zs_rbm_alloc(ctx, nv, nh, &r);
        zs_rbm_alloc(ctx, nv, nh, &mid);
        zs_rbm_alloc(ctx, nv, nh, &a);
        zs_rbm_alloc(ctx, nv, nh, &b);
        CHECK(zs_rbm_init_from_data(r, d, n, 0.1, 4) == ZS_OK);
        zs_rbm_train_opts o;
        zs_rbm_train_defaults(&o);
        o.persistent = persistent;
        o.batch = 32;
        o.k = 2;
        o.lr = 0.1;
        o.momentum = 0.5;
        o.seed = 17;
        zs_rbm_trainer *t = NULL, *u = NULL;
        CHECK(zs_rbm_trainer_alloc(ctx, r, &o, d, n, &t) == ZS_OK);
        for (int e = 0; e < 3; e++) CHECK(zs_rbm_trainer_epoch(t, NULL) == ZS_OK);
        zs_rbm_trainer_get(t, a);
        zs_rbm_trainer_free(t);

        CHECK(zs_rbm_trainer_alloc(ctx, r, &o, d, n, &t) == ZS_OK);
        CHECK(zs_rbm_trainer_epoch(t, NULL) == ZS_OK);
        state_arrays st;
        state_init(&st, nv, nh, o.batch);
        CHECK(zs_rbm_trainer_get_state(t, &st.s) == ZS_OK);
        CHECK(st.s.epoch == 1 && st.s.chains_ready == persistent);
        double freq[20];
        CHECK(zs_data_base_rate(d, n, nv, 1.0, freq) == ZS_OK);
        CHECK(memcmp(zs_rbm_trainer_data_frequency(t), freq, sizeof freq) == 0);
        zs_rbm_trainer_get(t, mid);
        zs_rbm_trainer_free(t);
        CHECK(zs_rbm_trainer_alloc(ctx, mid, &o, d, n, &u) == ZS_OK);
        CHECK(zs_rbm_trainer_set_state(u, &st.s) == ZS_OK);
        CHECK(zs_rbm_trainer_epochs_done(u) == 1);
        for (int e = 0; e < 2; e++) CHECK(zs_rbm_trainer_epoch(u, NULL) == ZS_OK);
        zs_rbm_trainer_get(u, b);
        CHECK(memcmp(zs_rbm_w(a), zs_rbm_w(b), nv * nh * sizeof(double)) == 0);
        CHECK(memcmp(zs_rbm_vbias(a), zs_rbm_vbias(b), nv * sizeof(double)) == 0);
        CHECK(memcmp(zs_rbm_hbias(a), zs_rbm_hbias(b), nh * sizeof(double)) == 0);

        /* Rejections leave the trainer as it was. */
        CHECK(zs_rbm_trainer_get_state(u, &st.s) == ZS_OK);
        st.s.chains[2 * nv + 3] = 0.5f;
        CHECK(zs_rbm_trainer_set_state(u, &st.s) == ZS_EINVAL);
        CHECK(strstr(zs_last_error(ctx), "chains (2, 3) = 0.5 is not 0 or 1") != NULL);
        st.s.chains[2 * nv + 3] = 1.0f;
        st.s.velocity_vbias[4] = (float)NAN;
        st.s.epoch = 99;
        CHECK(zs_rbm_trainer_set_state(u, &st.s) == ZS_EINVAL);
        CHECK(strstr(zs_last_error(ctx), "velocity_vbias entry 4 = nan is not finite") != NULL);
        CHECK(zs_rbm_trainer_epochs_done(u) == 3);
        st.s.chains = NULL;
        CHECK(zs_rbm_trainer_get_state(u, &st.s) == ZS_EINVAL);
        CHECK(zs_rbm_trainer_set_state(u, &st.s) == ZS_EINVAL);
        CHECK(strstr(zs_last_error(ctx), "NULL chains") != NULL);
        /* NULL velocities: not copied out; set as zeros. */
        st.s.chains = st.s.velocity_hbias + nh;
        st.s.velocity_vbias[4] = 0.0f;
        CHECK(zs_rbm_trainer_set_state(u, &st.s) == ZS_OK);
        float *vw = st.s.velocity_w;
        st.s.velocity_w = st.s.velocity_vbias = st.s.velocity_hbias = NULL;
        CHECK(zs_rbm_trainer_get_state(u, &st.s) == ZS_OK);
        CHECK(zs_rbm_trainer_set_state(u, &st.s) == ZS_OK);
        st.s.velocity_w = vw;
        CHECK(zs_rbm_trainer_get_state(u, &st.s) == ZS_OK);
        int zero = 1;
        for (size_t x = 0; x < nv * nh; x++) zero &= vw[x] == 0.0f;
        CHECK(zero);
        free(st.buf);
        zs_rbm_trainer_free(u);
        zs_rbm_free(r);
        zs_rbm_free(mid);
        zs_rbm_free(a);
        zs_rbm_free(b);
        zs_ctx_free(ctx);
    }
    free(d);
}

/* The parallel start of W (its Box-Muller transforms in blocks over threads) gives the draws
 * of one sequential zs_rng_normal stream, across a block boundary, on 1 and 2 threads. */
static void init_weights_are_the_sequential_normal_stream(void) {
    const size_t nv = 600, nh = 500, n = 7;
    uint8_t *d = random_rows(n, nv, 12);
    zs_rng rng;
    zs_rng_init(&rng, 21, 0xffffffffULL);
    double *want = malloc(nv * nh * sizeof *want);
    for (size_t x = 0; x < nv * nh; x++) want[x] = 0.37 * zs_rng_normal(&rng);
    for (int threads = 1; threads <= 2; threads++) {
        zs_ctx *ctx = zs_ctx_alloc();
        zs_ctx_set_threads(ctx, threads);
        zs_rbm *r = NULL;
        zs_rbm_alloc(ctx, nv, nh, &r);
        CHECK(zs_rbm_init_from_data(r, d, n, 0.37, 21) == ZS_OK);
        CHECK(memcmp(zs_rbm_w(r), want, nv * nh * sizeof *want) == 0);
        zs_rbm_free(r);
        zs_ctx_free(ctx);
    }
    free(want);
    free(d);
}

/* The trainer's scan of the bytes, 8 at a time then byte by byte: a bad byte is found and named
 * in either part, and the lists and frequencies match the bytes. */
static void trainer_scan_finds_bad_bytes_and_every_one(void) {
    const size_t nv = 13, n = 5; /* 65 bytes: 8 words and a tail of 1 */
    uint8_t *d = random_rows(n, nv, 14);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *r = NULL;
    zs_rbm_alloc(ctx, nv, 3, &r);
    zs_rbm_train_opts o;
    zs_rbm_train_defaults(&o);
    o.batch = 2;
    zs_rbm_trainer *t = NULL;
    static const size_t bad[][2] = {{0, 0}, {2, 7}, {4, 12}};
    for (size_t b = 0; b < 3; b++) {
        uint8_t keep = d[bad[b][0] * nv + bad[b][1]];
        d[bad[b][0] * nv + bad[b][1]] = 3;
        CHECK(zs_rbm_trainer_alloc(ctx, r, &o, d, n, &t) == ZS_EINVAL && !t);
        char want[64];
        snprintf(want, sizeof want, "row %zu, column %zu = 3 is not 0 or 1", bad[b][0], bad[b][1]);
        CHECK(strstr(zs_last_error(ctx), want) != NULL);
        d[bad[b][0] * nv + bad[b][1]] = keep;
    }
    CHECK(zs_rbm_trainer_alloc(ctx, r, &o, d, n, &t) == ZS_OK);
    double freq[13];
    size_t count[13] = {0};
    for (size_t x = 0; x < n * nv; x++) count[x % nv] += d[x];
    for (size_t i = 0; i < nv; i++) freq[i] = ((double)count[i] + 1.0) / ((double)n + 2.0);
    CHECK(memcmp(zs_rbm_trainer_data_frequency(t), freq, sizeof freq) == 0);
    zs_rbm_trainer_free(t);
    zs_rbm_free(r);
    zs_ctx_free(ctx);
    free(d);
}

int main(void) {
    RUN(free_energies_of_byte_rows_match_the_sum_over_h);
    RUN(gibbs_step_frequencies_match_the_exact_transition);
    RUN(continuing_from_the_state_in_memory_is_bit_identical);
    RUN(init_weights_are_the_sequential_normal_stream);
    RUN(trainer_scan_finds_bad_bytes_and_every_one);
    return check_summary("test_rbm_rows");
}
