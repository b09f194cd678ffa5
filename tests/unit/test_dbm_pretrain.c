/* test_dbm_pretrain.c — DBM pretraining an epoch at a time (zs_dbm_pretrainer): the same
 * parameters as zs_dbm_pretrain bit for bit; per-RBM epoch counts; a checkpoint written after
 * any epoch (every one, RBM boundaries and RBMs of 0 epochs included) and resumed on another
 * thread count gives the uninterrupted run's parameters bit for bit; what a resume refuses;
 * a cancelled epoch changes nothing; zs_dbm_load refuses the checkpoint as a model. */
#include "zsum.h"
#include "check.h"
#include "dbm_check.h"

#include <stdint.h>
#include <stdlib.h>

/* Rows near four prototypes, 20 % of bits flipped by a 64-bit LCG (independent of the library). */
static uint8_t *toy_data(size_t n, size_t nv, uint64_t seed) {
    uint8_t *d = malloc(n * nv);
    uint64_t x = seed;
    for (size_t q = 0; q < n; q++)
        for (size_t i = 0; i < nv; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            int on = (i / (nv / 4)) == q % 4 || (i % 4) == q % 4;
            if ((x >> 11) < (uint64_t)(0.2 * 0x1.0p53)) on = !on;
            d[q * nv + i] = (uint8_t)on;
        }
    return d;
}

static const size_t SIZES[] = {16, 8, 6, 4};
#define NROWS 60

static void opts(zs_dbm_pretrain_opts *o, size_t e1, size_t e2, size_t e3) {
    zs_dbm_pretrain_defaults(o);
    o->batch = 16;
    o->lr = 0.1;
    o->seed = 5;
    o->per_layer = 1;
    o->layer_epochs[1] = e1;
    o->layer_epochs[2] = e2;
    o->layer_epochs[3] = e3;
}

/* The 16-8-6-4 DBM pretrained on ctx with o: in one go (stop = -1), or stopped after `stop`
 * epochs, saved to path, and resumed in a new pretrainer on ctx2 with o2. */
static zs_dbm *pretrained(zs_ctx *ctx, const zs_dbm_pretrain_opts *o, const uint8_t *data, long stop,
                          const char *path, zs_ctx *ctx2, const zs_dbm_pretrain_opts *o2) {
    zs_dbm *d = NULL;
    CHECK(zs_dbm_alloc(ctx, 3, SIZES, &d) == ZS_OK);
    zs_dbm_pretrainer *p = NULL;
    CHECK(zs_dbm_pretrainer_alloc(ctx, d, o, data, NROWS, &p) == ZS_OK);
    if (!p) return d;
    if (stop >= 0) {
        while ((long)zs_dbm_pretrainer_epochs_done(p) < stop) CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
        CHECK(zs_dbm_pretrainer_save(p, path) == ZS_OK);
        zs_dbm_pretrainer_free(p);
        p = NULL;
        CHECK(zs_dbm_pretrainer_alloc(ctx2, d, o2, data, NROWS, &p) == ZS_OK);
        CHECK(zs_dbm_pretrainer_resume(p, path) == ZS_OK);
        CHECK_EQ_INT(zs_dbm_pretrainer_epochs_done(p), stop);
    }
    while (zs_dbm_pretrainer_epochs_done(p) < zs_dbm_pretrainer_epochs(p))
        CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
    CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK); /* nothing left: no work */
    CHECK(zs_dbm_pretrainer_get(p, d) == ZS_OK);
    zs_dbm_pretrainer_free(p);
    return d;
}

static void stepping_equals_pretrain_and_counts_apply_per_rbm(void) {
    uint8_t *data = toy_data(NROWS, 16, 3);
    zs_dbm_pretrain_opts o, all;
    opts(&o, 3, 3, 3);
    zs_dbm_pretrain_defaults(&all);
    all.batch = 16;
    all.lr = 0.1;
    all.seed = 5;
    all.epochs = 3;
    zs_dbm *a = NULL, *b = NULL;
    CHECK(zs_dbm_alloc(NULL, 3, SIZES, &a) == ZS_OK);
    CHECK(zs_dbm_pretrain(a, &all, data, NROWS) == ZS_OK);
    b = pretrained(NULL, &o, data, -1, NULL, NULL, NULL);
    CHECK(same_params(a, b)); /* per_layer 3,3,3 is epochs 3 */
    zs_dbm_free(b);
    opts(&o, 3, 4, 3);
    b = pretrained(NULL, &o, data, -1, NULL, NULL, NULL);
    CHECK(!same_params(a, b));
    /* RBM 1 is the same in both: W^1 equal */
    CHECK(memcmp(zs_dbm_w(a, 1), zs_dbm_w(b, 1), 16 * 8 * sizeof(double)) == 0);
    CHECK(memcmp(zs_dbm_w(a, 3), zs_dbm_w(b, 3), 6 * 4 * sizeof(double)) != 0);
    zs_dbm_free(b);
    /* all counts 0, or one over the cap: bad options */
    zs_dbm_pretrainer *p = NULL;
    zs_ctx *ctx = zs_ctx_alloc();
    opts(&o, 0, 0, 0);
    CHECK(zs_dbm_pretrainer_alloc(ctx, a, &o, data, NROWS, &p) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "epochs 0 in all") != NULL);
    opts(&o, 1, 200000000, 1);
    CHECK(zs_dbm_pretrainer_alloc(ctx, a, &o, data, NROWS, &p) == ZS_EINVAL);
    CHECK(p == NULL);
    /* get before the end */
    opts(&o, 2, 1, 1);
    CHECK(zs_dbm_pretrainer_alloc(ctx, a, &o, data, NROWS, &p) == ZS_OK);
    CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
    size_t layer = 0, done = 0;
    zs_dbm_pretrainer_position(p, &layer, &done);
    CHECK(layer == 1 && done == 1);
    CHECK(zs_dbm_pretrainer_get(p, a) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "not finished (RBM 1 of 3, epoch 1 of 2)") != NULL);
    zs_dbm_pretrainer_free(p);
    zs_ctx_free(ctx);
    zs_dbm_free(a);
    free(data);
}

/* Stopped after every k of the run's epochs (RBM 2 has 0: it keeps its initial weights),
 * saved, resumed on 3 threads where the run had 1: the same bits. */
static void resume_after_any_epoch_is_bit_identical_on_another_thread_count(void) {
    uint8_t *data = toy_data(NROWS, 16, 4);
    zs_ctx *c1 = zs_ctx_alloc(), *c3 = zs_ctx_alloc();
    zs_ctx_set_threads(c1, 1);
    zs_ctx_set_threads(c3, 3);
    zs_dbm_pretrain_opts o;
    opts(&o, 3, 0, 2);
    zs_dbm *ref = pretrained(c1, &o, data, -1, NULL, NULL, NULL);
    const char *path = check_path("pre.npz");
    for (long k = 0; k <= 5; k++) {
        zs_dbm *d = pretrained(c1, &o, data, k, path, c3, &o);
        if (!same_params(ref, d)) printf("  differs when stopped after %ld epochs\n", k);
        CHECK(same_params(ref, d));
        zs_dbm_free(d);
    }
    /* stopped at RBM 1's epoch 2 of a run of 2,0,2, resumed with 3,0,2: the 3,0,2 run */
    zs_dbm_pretrain_opts shorter;
    opts(&shorter, 2, 0, 2);
    zs_dbm *d = pretrained(c1, &shorter, data, 2, path, c3, &o);
    CHECK(same_params(ref, d));
    zs_dbm_free(d);
    zs_dbm_free(ref);
    zs_ctx_free(c1);
    zs_ctx_free(c3);
    free(data);
}

/* Expect resume of path into a new pretrainer of options o (sizes) to fail with ZS_EFORMAT
 * and a message containing want, leaving the pretrainer at its start. */
static void refuses(const char *path, const zs_dbm_pretrain_opts *o, const size_t *sizes, const uint8_t *data,
                    const char *want) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_dbm *d = NULL;
    zs_dbm_pretrainer *p = NULL;
    CHECK(zs_dbm_alloc(ctx, 3, sizes, &d) == ZS_OK);
    CHECK(zs_dbm_pretrainer_alloc(ctx, d, o, data, NROWS, &p) == ZS_OK);
    CHECK(zs_dbm_pretrainer_resume(p, path) == ZS_EFORMAT);
    if (!strstr(zs_last_error(ctx), want)) printf("  message '%s' lacks '%s'\n", zs_last_error(ctx), want);
    CHECK(strstr(zs_last_error(ctx), want) != NULL);
    CHECK_EQ_INT(zs_dbm_pretrainer_epochs_done(p), 0);
    zs_dbm_pretrainer_free(p);
    zs_dbm_free(d);
    zs_ctx_free(ctx);
}

static void resume_refuses_other_runs_and_load_refuses_the_checkpoint(void) {
    uint8_t *data = toy_data(NROWS, 16, 5);
    zs_dbm_pretrain_opts o, x;
    opts(&o, 2, 3, 2);
    const char *path = check_path("ref.npz"), *model = check_path("model.npz");
    zs_dbm *d = NULL;
    zs_dbm_pretrainer *p = NULL;
    CHECK(zs_dbm_alloc(NULL, 3, SIZES, &d) == ZS_OK);
    CHECK(zs_dbm_pretrainer_alloc(NULL, d, &o, data, NROWS, &p) == ZS_OK);
    for (int e = 0; e < 4; e++) CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK); /* RBM 2, epoch 2 */
    CHECK(zs_dbm_pretrainer_save(p, path) == ZS_OK);
    zs_dbm_pretrainer_free(p);
    x = o;
    x.lr = 0.2;
    refuses(path, &x, SIZES, data, "lr = 0.10000000000000001, this one has 0.20000000000000001");
    x = o;
    x.seed = 6;
    refuses(path, &x, SIZES, data, "seed (low half) = 5");
    opts(&x, 3, 3, 2);
    refuses(path, &x, SIZES, data, "RBM 1 was finished after 2 pretraining epochs, this run gives it 3");
    opts(&x, 2, 1, 2);
    refuses(path, &x, SIZES, data, "RBM 2 has had 2 pretraining epochs, this run gives it 1; resume with at least 2");
    const size_t other[] = {16, 8, 5, 4};
    refuses(path, &o, other, data, "layer 2 has 6 units, this run's 5");
    /* a model file is not a pretraining checkpoint, and a pretraining checkpoint not a model */
    CHECK(zs_dbm_save(d, model, ZS_DTYPE_F8) == ZS_OK);
    refuses(model, &o, SIZES, data, "not a checkpoint written inside pretraining");
    int yes = -1;
    CHECK(zs_dbm_is_pretrain_checkpoint(NULL, path, &yes) == ZS_OK && yes == 1);
    CHECK(zs_dbm_is_pretrain_checkpoint(NULL, model, &yes) == ZS_OK && yes == 0);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_dbm *m = NULL;
    CHECK(zs_dbm_load(ctx, path, &m) == ZS_EFORMAT && m == NULL);
    CHECK(strstr(zs_last_error(ctx), "a checkpoint written inside greedy pretraining, not a trained model") != NULL);
    zs_dbm_train_opts to;
    zs_dbm_train_defaults(&to);
    zs_dbm_trainer *t = NULL;
    CHECK(zs_dbm_trainer_alloc(ctx, d, &to, data, NROWS, &t) == ZS_OK);
    CHECK(zs_dbm_trainer_resume(t, path) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "inside greedy pretraining") != NULL);
    zs_dbm_trainer_free(t);
    zs_ctx_free(ctx);
    zs_dbm_free(d);
    free(data);
}

/* A progress callback that asks to stop at the given batch. */
static int stop_at_batch(void *user, const char *task, double done, double total) {
    (void)task;
    (void)total;
    return done >= *(const double *)user;
}

static void a_cancelled_epoch_changes_nothing(void) {
    uint8_t *data = toy_data(NROWS, 16, 6);
    zs_dbm_pretrain_opts o;
    opts(&o, 2, 2, 2);
    zs_dbm *ref = pretrained(NULL, &o, data, -1, NULL, NULL, NULL);
    zs_ctx *ctx = zs_ctx_alloc();
    double at = 2;
    zs_dbm *d = NULL;
    zs_dbm_pretrainer *p = NULL;
    CHECK(zs_dbm_alloc(ctx, 3, SIZES, &d) == ZS_OK);
    CHECK(zs_dbm_pretrainer_alloc(ctx, d, &o, data, NROWS, &p) == ZS_OK);
    CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
    CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
    zs_ctx_set_progress(ctx, stop_at_batch, &at);
    CHECK(zs_dbm_pretrainer_epoch(p) == ZS_ECANCELLED); /* RBM 2's first epoch, at its batch 2 */
    CHECK_EQ_INT(zs_dbm_pretrainer_epochs_done(p), 2);
    zs_ctx_set_progress(ctx, NULL, NULL);
    while (zs_dbm_pretrainer_epochs_done(p) < 6) CHECK(zs_dbm_pretrainer_epoch(p) == ZS_OK);
    CHECK(zs_dbm_pretrainer_get(p, d) == ZS_OK);
    CHECK(same_params(ref, d));
    zs_dbm_pretrainer_free(p);
    zs_dbm_free(d);
    zs_dbm_free(ref);
    zs_ctx_free(ctx);
    free(data);
}

int main(void) {
    check_tmpdir("dbmpre");
    RUN(stepping_equals_pretrain_and_counts_apply_per_rbm);
    RUN(resume_after_any_epoch_is_bit_identical_on_another_thread_count);
    RUN(resume_refuses_other_runs_and_load_refuses_the_checkpoint);
    RUN(a_cancelled_epoch_changes_nothing);
    check_tmpdir_remove();
    return check_summary("test_dbm_pretrain");
}
