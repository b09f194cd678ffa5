/* test_dbm_pretrain_cd.c — the pretraining step (lib/learn/dbm_train_pre.c, float32 batch
 * products) against a double-precision, row-by-row reference written here from the recipe
 * (Hinton 2010, "A practical guide", sec. 3; rbm.m, rbm_l2.m): CD-1 of the bottom RBM, the
 * CD-k schedule of the second (k = ceil(epoch / S), learning rate / k), and pixels drawn afresh
 * from grey levels (resample). The reference shares only the random streams' names with the
 * library (the order of the rows, the draws of each row). Also: the same bits on 1 and 2
 * threads with several column blocks; joint training's resample of 0/255 bytes is the
 * training on 0/1 rows bit for bit; the new options' rejections. */
#include "zsum.h"
#include "check.h"
#include "dbm_check.h"
#include "learn/dbm_train_internal.h"
#include "learn/rbm_train_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* n rows of nv values from a 64-bit LCG: 0/1 (grey = 0) or grey levels 0..255 with many 0s
 * and 255s, as in digits (independent of the library). */
static uint8_t *toy_rows(size_t n, size_t nv, uint64_t seed, int grey) {
    uint8_t *d = malloc(n * nv);
    uint64_t x = seed;
    for (size_t q = 0; q < n; q++)
        for (size_t i = 0; i < nv; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            const int r = (int)(x >> 56);
            int on = ((i / 4) % 4 == q % 4) != (r < 50);
            d[q * nv + i] = (uint8_t)(!grey ? on : r < 80 ? 0 : r > 200 ? 255 : r);
        }
    return d;
}

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

/* One RBM's parameters and velocities (copies). */
typedef struct rbm_copy {
    size_t nv, nh;
    double *w, *a, *b, *vw, *va, *vb;
} rbm_copy;

static void copy_rbm(zs_dbm_pretrainer *p, size_t l, rbm_copy *c) {
    dbm_pretrainer_view v;
    dbm_pretrainer_state(p, &v);
    c->nv = v.sizes[l - 1];
    c->nh = v.sizes[l];
    const size_t k = c->nv * c->nh;
    c->w = malloc(k * sizeof(double));
    c->vw = malloc(k * sizeof(double));
    c->a = malloc(c->nv * sizeof(double));
    c->va = malloc(c->nv * sizeof(double));
    c->b = malloc(c->nh * sizeof(double));
    c->vb = malloc(c->nh * sizeof(double));
    memcpy(c->w, v.w[l], k * sizeof(double));
    memcpy(c->vw, v.vw, k * sizeof(double));
    memcpy(c->a, v.a[l], c->nv * sizeof(double));
    memcpy(c->va, v.va, c->nv * sizeof(double));
    memcpy(c->b, v.b[l], c->nh * sizeof(double));
    memcpy(c->vb, v.vb, c->nh * sizeof(double));
}

static void free_rbm(rbm_copy *c) {
    free(c->w);
    free(c->a);
    free(c->b);
    free(c->vw);
    free(c->va);
    free(c->vb);
}

/* The reference epoch e of RBM l (scales fu up, fd down) on n rows: CD-k, every product a
 * plain double loop. grey: pixel i of a row on when u < x_i / 255. */
static void ref_epoch(rbm_copy *s, const uint8_t *rows, size_t n, int grey, const zs_dbm_pretrain_opts *o,
                      size_t l, size_t e, size_t k, double fu, double fd) {
    const size_t nv = s->nv, nh = s->nh, B = o->batch;
    size_t *perm = malloc(n * sizeof *perm);
    learn_shuffle(perm, n, o->seed, ID_ORDER + ((uint64_t)l << 48) + e);
    const double mom = e < 5 && o->momentum > 0.5 ? 0.5 : o->momentum, lr = o->lr / (double)k;
    double *v0 = malloc(B * nv * sizeof(double)), *v1 = malloc(B * nv * sizeof(double));
    double *h0 = malloc(B * nh * sizeof(double)), *h1 = malloc(B * nh * sizeof(double));
    double *hs = malloc(nh * sizeof(double));
    for (size_t r0 = 0; r0 < n; r0 += B) {
        const size_t bs = r0 + B <= n ? B : n - r0;
        for (size_t q = 0; q < bs; q++) {
            const uint8_t *row = rows + perm[r0 + q] * nv;
            zs_rng r, px;
            zs_rng_init(&r, o->seed, ID_PRE + ((uint64_t)l << 48) + ((uint64_t)e << 32) + r0 + q);
            zs_rng_init(&px, o->seed, ID_PIXELS + ((uint64_t)e << 32) + r0 + q);
            for (size_t i = 0; i < nv; i++) v0[q * nv + i] = grey ? (zs_rng_uniform(&px) < row[i] / 255.0) : row[i];
            for (size_t j = 0; j < nh; j++) {
                double f = s->b[j];
                for (size_t i = 0; i < nv; i++) f += fu * s->w[i * nh + j] * v0[q * nv + i];
                h0[q * nh + j] = h1[q * nh + j] = sig(f);
            }
            for (size_t step = 0; step < k; step++) {
                for (size_t j = 0; j < nh; j++) hs[j] = zs_rng_uniform(&r) < h1[q * nh + j];
                for (size_t i = 0; i < nv; i++) {
                    double f = s->a[i];
                    for (size_t j = 0; j < nh; j++) f += fd * s->w[i * nh + j] * hs[j];
                    v1[q * nv + i] = sig(f);
                }
                for (size_t j = 0; j < nh; j++) {
                    double f = s->b[j];
                    for (size_t i = 0; i < nv; i++) f += fu * s->w[i * nh + j] * v1[q * nv + i];
                    h1[q * nh + j] = sig(f);
                }
            }
        }
        for (size_t i = 0; i < nv; i++) {
            for (size_t j = 0; j < nh; j++) {
                double g = 0.0;
                for (size_t q = 0; q < bs; q++) g += v0[q * nv + i] * h0[q * nh + j] - v1[q * nv + i] * h1[q * nh + j];
                double *vel = &s->vw[i * nh + j];
                *vel = mom * *vel + lr * (g / (double)bs - o->weight_decay * s->w[i * nh + j]);
                s->w[i * nh + j] += *vel;
            }
            double g = 0.0;
            for (size_t q = 0; q < bs; q++) g += v0[q * nv + i] - v1[q * nv + i];
            s->va[i] = mom * s->va[i] + lr * g / (double)bs;
            s->a[i] += s->va[i];
        }
        for (size_t j = 0; j < nh; j++) {
            double g = 0.0;
            for (size_t q = 0; q < bs; q++) g += h0[q * nh + j] - h1[q * nh + j];
            s->vb[j] = mom * s->vb[j] + lr * g / (double)bs;
            s->b[j] += s->vb[j];
        }
    }
    free(perm);
    free(v0);
    free(v1);
    free(h0);
    free(h1);
    free(hs);
}

/* The largest difference between the reference and the pretrainer's RBM l. */
static double max_diff(zs_dbm_pretrainer *p, size_t l, const rbm_copy *s) {
    dbm_pretrainer_view v;
    dbm_pretrainer_state(p, &v);
    double m = 0.0;
    for (size_t k = 0; k < s->nv * s->nh; k++) m = fmax(m, fabs(v.w[l][k] - s->w[k]));
    for (size_t i = 0; i < s->nv; i++) m = fmax(m, fabs(v.a[l][i] - s->a[i]));
    for (size_t j = 0; j < s->nh; j++) m = fmax(m, fabs(v.b[l][j] - s->b[j]));
    return m;
}

static double diff_copies(const rbm_copy *x, const rbm_copy *y) {
    double m = 0.0;
    for (size_t k = 0; k < x->nv * x->nh; k++) m = fmax(m, fabs(x->w[k] - y->w[k]));
    return m;
}

/* RBM 2's rows as the reference draws them: h ~ p(h | v) with fu W^1 from RBM 1's final
 * parameters, v the rows (grey: x / 255). */
static uint8_t *ref_rows2(zs_dbm_pretrainer *p, const uint8_t *data, size_t n, int grey, const zs_dbm_pretrain_opts *o,
                          double fu) {
    dbm_pretrainer_view v;
    dbm_pretrainer_state(p, &v);
    const size_t nv = v.sizes[0], nh = v.sizes[1];
    uint8_t *out = malloc(n * nh);
    for (size_t r = 0; r < n; r++) {
        zs_rng g;
        zs_rng_init(&g, o->seed, ID_PRE + (1ULL << 48) + 0x80000000ULL + r);
        for (size_t j = 0; j < nh; j++) {
            double s = v.b[1][j];
            for (size_t i = 0; i < nv; i++)
                if (data[r * nv + i]) s += fu * v.w[1][i * nh + j] * (grey ? data[r * nv + i] / 255.0 : 1.0);
            out[r * nh + j] = (uint8_t)(zs_rng_uniform(&g) < sig(s));
        }
    }
    return out;
}

#define NROWS 60
static const size_t SIZES[] = {16, 8, 6};

/* The options these tests share: batch 16, RBMs of 2 and `e2` epochs, CD-k with k = epoch
 * (cd_step_epochs 1), resampling as asked. */
static zs_dbm_pretrain_opts cd_opts(size_t e2, int resample) {
    zs_dbm_pretrain_opts o;
    zs_dbm_pretrain_defaults(&o);
    o.batch = 16;
    o.per_layer = 1;
    o.layer_epochs[1] = 2;
    o.layer_epochs[2] = e2;
    o.cd_step_epochs = 1;
    o.resample = resample;
    return o;
}

/* A 16-8-6 stack (bottom RBM: 2W up, W down; top RBM: W up, 2W down), epochs 2 and 3, S = 1
 * (RBM 2's epochs run CD-1, CD-2, CD-3), batch 16 (the last batch of 12 rows): every epoch
 * against the reference started from the pretrainer's state. Then the same reference with
 * k = 1 for RBM 2's last epoch differs by far more than the tolerance. */
static void cd_steps_match_the_reference(int grey) {
    uint8_t *data = toy_rows(NROWS, 16, grey ? 11 : 7, grey);
    zs_dbm_pretrain_opts o = cd_opts(3, grey);
    o.lr = 0.1;
    o.seed = 5;
    zs_dbm *d = NULL;
    CHECK(zs_dbm_alloc(NULL, 2, SIZES, &d) == ZS_OK);
    zs_dbm_pretrainer *p = NULL;
    CHECK(zs_dbm_pretrainer_alloc(NULL, d, &o, data, NROWS, &p) == ZS_OK);
    if (!p) return;
    const double tol = 1e-6; /* float32 products against double: 1e-8 seen */
    for (size_t e = 0; e < 2; e++) { /* RBM 1: CD-1 whatever S */
        rbm_copy s;
        copy_rbm(p, 1, &s);
        ref_epoch(&s, data, NROWS, grey, &o, 1, e, 1, 2.0, 1.0);
        CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
        const double m = max_diff(p, 1, &s);
        if (!(m < tol)) printf("  RBM 1, epoch %zu: %g from the reference\n", e, m);
        CHECK(m < tol);
        free_rbm(&s);
    }
    uint8_t *rows2 = ref_rows2(p, data, NROWS, grey, &o, 2.0);
    CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK); /* RBM 2's epoch 1, CD-1 */
    for (size_t e = 1; e < 3; e++) {
        rbm_copy s, s1;
        copy_rbm(p, 2, &s);
        copy_rbm(p, 2, &s1);
        ref_epoch(&s, rows2, NROWS, 0, &o, 2, e, e + 1, 1.0, 2.0);
        ref_epoch(&s1, rows2, NROWS, 0, &o, 2, e, 1, 1.0, 2.0);
        CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
        const double m = max_diff(p, 2, &s), other = diff_copies(&s, &s1);
        if (!(m < tol && other > 100 * tol))
            printf("  RBM 2, epoch %zu (CD-%zu): %g from the reference, %g from CD-1's\n", e + 1, e + 1, m, other);
        CHECK(m < tol);
        CHECK(other > 100 * tol);
        free_rbm(&s);
        free_rbm(&s1);
    }
    free(rows2);
    zs_dbm_pretrainer_free(p);
    zs_dbm_free(d);
    free(data);
}

static void binary_rows_match_the_reference(void) { cd_steps_match_the_reference(0); }
static void grey_rows_resampled_match_the_reference(void) { cd_steps_match_the_reference(1); }

/* A 300-200-150 stack (3, 2 and 2 column blocks of the products) on grey rows, resampled, with
 * the CD-k schedule, on 1 and 2 threads: the same bits; and another seed gives other bits. */
static void threads_do_not_change_the_bits(void) {
    static const size_t sz[] = {300, 200, 150};
    uint8_t *data = toy_rows(40, 300, 3, 1);
    zs_dbm_pretrain_opts o = cd_opts(2, 1);
    zs_dbm *d[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++) {
        zs_ctx *c = zs_ctx_alloc();
        zs_ctx_set_threads(c, k == 1 ? 2 : 1);
        o.seed = k == 2 ? 9 : 1;
        CHECK(zs_dbm_alloc(c, 2, sz, &d[k]) == ZS_OK);
        CHECK(zs_dbm_pretrain(d[k], &o, data, 40) == ZS_OK);
        zs_ctx_free(c);
    }
    CHECK(same_params(d[0], d[1]));
    CHECK(!same_params(d[0], d[2]));
    for (int k = 0; k < 3; k++) zs_dbm_free(d[k]);
    free(data);
}

/* Joint training with resample on bytes 0 and 255 draws every pixel as it is: the same bits
 * as training on the 0/1 rows (the pixels' streams touch no other draw); on grey rows, 1 and
 * 2 threads give the same bits, and the grey rows give other bits than their 0/1 rounding. */
static zs_dbm *joint(const uint8_t *data, size_t n, int resample, int threads) {
    static const size_t sz[] = {16, 8, 6};
    zs_ctx *c = zs_ctx_alloc();
    zs_ctx_set_threads(c, threads);
    zs_dbm *d = NULL;
    CHECK(zs_dbm_alloc(c, 2, sz, &d) == ZS_OK);
    zs_dbm_pretrain_opts po;
    zs_dbm_pretrain_defaults(&po);
    po.epochs = 1;
    po.batch = 16;
    po.resample = resample;
    CHECK(zs_dbm_pretrain(d, &po, data, n) == ZS_OK);
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    o.batch = 16;
    o.chains = 10;
    o.lr = 0.01;
    o.resample = resample;
    zs_dbm_trainer *t = NULL;
    CHECK(zs_dbm_trainer_alloc(c, d, &o, data, n, &t) == ZS_OK);
    for (int e = 0; t && e < 2; e++) CHECK(zs_dbm_trainer_epoch(t, NULL) == ZS_OK);
    if (t) zs_dbm_trainer_get(t, d);
    zs_dbm_trainer_free(t);
    zs_ctx_free(c);
    return d;
}

static void joint_training_resamples_pixels(void) {
    uint8_t *bin = toy_rows(NROWS, 16, 7, 0), *full = malloc(NROWS * 16), *grey = toy_rows(NROWS, 16, 11, 1);
    for (size_t k = 0; k < NROWS * 16; k++) full[k] = (uint8_t)(bin[k] * 255);
    zs_dbm *a = joint(bin, NROWS, 0, 1), *b = joint(full, NROWS, 1, 2);
    CHECK(same_params(a, b));
    zs_dbm *g1 = joint(grey, NROWS, 1, 1), *g2 = joint(grey, NROWS, 1, 2);
    CHECK(same_params(g1, g2));
    for (size_t k = 0; k < NROWS * 16; k++) full[k] = (uint8_t)(grey[k] > 127 ? 255 : 0);
    zs_dbm *r = joint(full, NROWS, 1, 1);
    CHECK(!same_params(g1, r));
    zs_dbm_free(a);
    zs_dbm_free(b);
    zs_dbm_free(g1);
    zs_dbm_free(g2);
    zs_dbm_free(r);
    free(bin);
    free(full);
    free(grey);
}

/* Pretraining with resample and S = 1 stopped after every epoch, saved, resumed on 2 threads
 * where the run had 1: the straight run's bits; a resume with another S or without resample
 * is refused. Joint training with resample: 2 epochs, then 1 resumed on 2 threads, are the
 * 3 straight epochs; a resume without resample is refused. */
static void resume_keeps_the_new_options(void) {
    static const size_t sz[] = {16, 8, 6};
    uint8_t *grey = toy_rows(NROWS, 16, 11, 1);
    zs_ctx *c1 = zs_ctx_alloc(), *c2 = zs_ctx_alloc();
    zs_ctx_set_threads(c1, 1);
    zs_ctx_set_threads(c2, 2);
    zs_dbm_pretrain_opts o = cd_opts(3, 1);
    zs_dbm *ref = NULL, *d = NULL;
    CHECK(zs_dbm_alloc(c1, 2, sz, &ref) == ZS_OK);
    CHECK(zs_dbm_alloc(c1, 2, sz, &d) == ZS_OK);
    CHECK(zs_dbm_pretrain(ref, &o, grey, NROWS) == ZS_OK);
    const char *path = check_path("pre_cd.npz");
    for (uint64_t stop = 1; stop < 5; stop++) {
        zs_dbm_pretrainer *p = NULL;
        CHECK(zs_dbm_pretrainer_alloc(c1, d, &o, grey, NROWS, &p) == ZS_OK);
        if (!p) break;
        while (zs_dbm_pretrainer_epochs_done(p) < stop) CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
        CHECK(zs_dbm_pretrainer_save(p, path) == ZS_OK);
        zs_dbm_pretrainer_free(p);
        p = NULL;
        zs_dbm_pretrain_opts x = o;
        x.cd_step_epochs = 2;
        CHECK(zs_dbm_pretrainer_alloc(c2, d, &x, grey, NROWS, &p) == ZS_OK);
        CHECK(zs_dbm_pretrainer_resume(p, path) == ZS_EFORMAT);
        zs_dbm_pretrainer_free(p);
        p = NULL;
        CHECK(zs_dbm_pretrainer_alloc(c2, d, &o, grey, NROWS, &p) == ZS_OK);
        CHECK(zs_dbm_pretrainer_resume(p, path) == ZS_OK);
        while (zs_dbm_pretrainer_epochs_done(p) < zs_dbm_pretrainer_epochs(p)) CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
        CHECK(zs_dbm_pretrainer_get(p, d) == ZS_OK);
        zs_dbm_pretrainer_free(p);
        if (!same_params(ref, d)) printf("  pretraining resumed after %llu epochs differs\n", (unsigned long long)stop);
        CHECK(same_params(ref, d));
    }
    zs_dbm_train_opts t;
    zs_dbm_train_defaults(&t);
    t.batch = 16;
    t.chains = 10;
    t.lr = 0.01;
    t.resample = 1;
    zs_dbm_trainer *a = NULL, *b = NULL;
    CHECK(zs_dbm_trainer_alloc(c1, ref, &t, grey, NROWS, &a) == ZS_OK);
    CHECK(zs_dbm_trainer_alloc(c1, ref, &t, grey, NROWS, &b) == ZS_OK);
    for (int e = 0; a && e < 3; e++) CHECK(zs_dbm_trainer_epoch(a, NULL) == ZS_OK);
    for (int e = 0; b && e < 2; e++) CHECK(zs_dbm_trainer_epoch(b, NULL) == ZS_OK);
    const char *tpath = check_path("train_rs.npz");
    CHECK(zs_dbm_trainer_save(b, tpath) == ZS_OK);
    zs_dbm_trainer_free(b);
    b = NULL;
    zs_dbm_train_opts u = t;
    u.resample = 0;
    uint8_t *bin = toy_rows(NROWS, 16, 7, 0);
    CHECK(zs_dbm_trainer_alloc(c2, ref, &u, bin, NROWS, &b) == ZS_OK);
    CHECK(zs_dbm_trainer_resume(b, tpath) == ZS_EFORMAT);
    zs_dbm_trainer_free(b);
    b = NULL;
    CHECK(zs_dbm_trainer_alloc(c2, ref, &t, grey, NROWS, &b) == ZS_OK);
    CHECK(zs_dbm_trainer_resume(b, tpath) == ZS_OK);
    CHECK(zs_dbm_trainer_epoch(b, NULL) == ZS_OK);
    if (a && b) {
        zs_dbm_trainer_get(a, ref);
        zs_dbm_trainer_get(b, d);
        CHECK(same_params(ref, d));
    }
    zs_dbm_trainer_free(a);
    zs_dbm_trainer_free(b);
    zs_dbm_free(ref);
    zs_dbm_free(d);
    zs_ctx_free(c1);
    zs_ctx_free(c2);
    free(grey);
    free(bin);
}

/* Grey bytes without resample, resample other than 0 or 1, and an absurd S are refused. */
static void bad_options_are_refused(void) {
    uint8_t *grey = toy_rows(NROWS, 16, 11, 1);
    zs_dbm *d = NULL;
    CHECK(zs_dbm_alloc(NULL, 2, SIZES, &d) == ZS_OK);
    zs_dbm_pretrain_opts po;
    zs_dbm_pretrain_defaults(&po);
    zs_dbm_pretrainer *p = NULL;
    CHECK(zs_dbm_pretrainer_alloc(NULL, d, &po, grey, NROWS, &p) == ZS_EINVAL);
    po.resample = 2;
    CHECK(zs_dbm_pretrainer_alloc(NULL, d, &po, grey, NROWS, &p) == ZS_EINVAL);
    po.resample = 1;
    po.cd_step_epochs = 1000000000;
    CHECK(zs_dbm_pretrainer_alloc(NULL, d, &po, grey, NROWS, &p) == ZS_EINVAL);
    CHECK(p == NULL);
    zs_dbm_train_opts o;
    zs_dbm_train_defaults(&o);
    CHECK(zs_dbm_train_check(NULL, d, &o, grey, NROWS) == ZS_EINVAL);
    o.resample = 2;
    CHECK(zs_dbm_train_check(NULL, d, &o, grey, NROWS) == ZS_EINVAL);
    o.resample = 1;
    CHECK(zs_dbm_train_check(NULL, d, &o, grey, NROWS) == ZS_OK);
    zs_dbm_free(d);
    free(grey);
}

int main(void) {
    RUN(binary_rows_match_the_reference);
    RUN(grey_rows_resampled_match_the_reference);
    RUN(threads_do_not_change_the_bits);
    RUN(joint_training_resamples_pixels);
    RUN(resume_keeps_the_new_options);
    RUN(bad_options_are_refused);
    return check_summary("test_dbm_pretrain_cd");
}
