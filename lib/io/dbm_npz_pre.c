/* dbm_npz_pre.c — the checkpoint of DBM pretraining (zs_dbm_pretrainer_save/_resume, zsum/dbm.h):
 * a .npz of float64 arrays, all named pretrain_*, written atomically (zs_npz_write):
 *   pretrain_layer       (1)        the RBM in training, l
 *   pretrain_done        (l)        epochs done of RBMs 1..l (those before l are finished)
 *   pretrain_options     (7)        batch, lr, momentum, weight_decay, init_std, seed (high and
 *                                   low 32-bit halves: a double holds each exactly)
 *   pretrain_sizes       (L+1)      n_0..n_L
 *   pretrain_recipe      (2)        cd_step_epochs, resample (absent in checkpoints written
 *                                   before these options: 0, 0)
 *   pretrain_W1..Wl, pretrain_a1..al, pretrain_b1..bl   RBMs 1..l's parameters
 *   pretrain_velocity_W, _a, _b     RBM l's velocities
 * The rows of RBM l are not stored: they are drawn again from the data and RBMs 1..l-1 with
 * the same streams (dbm_pretrainer_redraw). The random state is the seed and the position. */
#include "learn/dbm_train_internal.h"

#include <stdio.h>
#include <string.h>

#define N_PRE_OPTIONS 7
/* arrays: layer, done, options, sizes, 3 per RBM, 3 velocities */
#define N_PRE_ARRAYS (5 + 3 * ZS_DBM_MAX_LAYERS + 3)
#define N_PRE_RECIPE 2

static void pre_recipe(const zs_dbm_pretrain_opts *o, double *v) {
    v[0] = (double)o->cd_step_epochs;
    v[1] = (double)o->resample;
}

static const char *const pre_recipe_names[N_PRE_RECIPE] = {"cd_step_epochs", "resample"};

static void pre_options(const zs_dbm_pretrain_opts *o, double *v) {
    v[0] = (double)o->batch;
    v[1] = o->lr;
    v[2] = o->momentum;
    v[3] = o->weight_decay;
    v[4] = o->init_std;
    v[5] = (double)(o->seed >> 32);
    v[6] = (double)(o->seed & 0xffffffffULL);
}

static const char *const pre_option_names[N_PRE_OPTIONS] = {
    "batch", "lr", "momentum", "weight_decay", "init_std", "seed (high half)", "seed (low half)"};

/* A new float64 array of rank 1 or 2 holding x (NULL: left for the caller), named name. */
static zs_status add(zs_ctx *ctx, zs_array **arrays, const char **names, char (*buf)[32], size_t *k,
                     const char *name, int rank, uint64_t d0, uint64_t d1, const double *x) {
    uint64_t shape[2] = {d0, d1};
    zs_status st = zs_array_alloc(ctx, ZS_DTYPE_F8, rank, shape, &arrays[*k]);
    if (st != ZS_OK) return st;
    if (x) memcpy(zs_array_data(arrays[*k]), x, zs_array_size(arrays[*k]) * sizeof(double));
    snprintf(buf[*k], sizeof buf[*k], "%s", name);
    names[*k] = buf[*k];
    (*k)++;
    return ZS_OK;
}

zs_status zs_dbm_pretrainer_save(const zs_dbm_pretrainer *pre, const char *path) {
    if (!pre || !path) return ZS_EINVAL;
    dbm_pretrainer_view v;
    /* the view is read only here */
    dbm_pretrainer_state((zs_dbm_pretrainer *)pre, &v);
    const size_t l = *v.layer, L = v.L;
    zs_array *arrays[N_PRE_ARRAYS] = {NULL};
    const char *names[N_PRE_ARRAYS];
    char buf[N_PRE_ARRAYS][32];
    double head[ZS_DBM_MAX_LAYERS + 1 + N_PRE_OPTIONS];
    size_t k = 0;
    head[0] = (double)l;
    zs_status st = add(v.ctx, arrays, names, buf, &k, "pretrain_layer", 1, 1, 0, head);
    for (size_t q = 1; q <= l; q++) head[q - 1] = (double)v.done[q];
    if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, "pretrain_done", 1, l, 0, head);
    pre_options(v.opts, head);
    if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, "pretrain_options", 1, N_PRE_OPTIONS, 0, head);
    pre_recipe(v.opts, head);
    if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, "pretrain_recipe", 1, N_PRE_RECIPE, 0, head);
    for (size_t q = 0; q <= L; q++) head[q] = (double)v.sizes[q];
    if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, "pretrain_sizes", 1, L + 1, 0, head);
    for (size_t q = 1; st == ZS_OK && q <= l; q++) {
        const size_t nv = v.sizes[q - 1], nh = v.sizes[q];
        char name[32];
        snprintf(name, sizeof name, "pretrain_W%zu", q);
        st = add(v.ctx, arrays, names, buf, &k, name, 2, nv, nh, v.w[q]);
        snprintf(name, sizeof name, "pretrain_a%zu", q);
        if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, name, 1, nv, 0, v.a[q]);
        snprintf(name, sizeof name, "pretrain_b%zu", q);
        if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, name, 1, nh, 0, v.b[q]);
    }
    const size_t nv = v.sizes[l - 1], nh = v.sizes[l];
    if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, "pretrain_velocity_W", 2, nv, nh, v.vw);
    if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, "pretrain_velocity_a", 1, nv, 0, v.va);
    if (st == ZS_OK) st = add(v.ctx, arrays, names, buf, &k, "pretrain_velocity_b", 1, nh, 0, v.vb);
    if (st == ZS_OK) st = zs_npz_write(v.ctx, path, k, names, (const zs_array *const *)arrays, 1);
    for (size_t q = 0; q < k; q++) zs_array_free(arrays[q]);
    return st;
}

zs_status zs_dbm_is_pretrain_checkpoint(zs_ctx *ctx, const char *path, int *yes) {
    if (!path || !yes) return ZS_EINVAL;
    *yes = 0;
    zs_npz *z = NULL;
    zs_status st = zs_npz_open(ctx, path, &z);
    if (st != ZS_OK) return st;
    *yes = zs_npz_has(z, "pretrain_layer");
    zs_npz_close(z);
    return ZS_OK;
}

/* The array name of the checkpoint into *out with `size` entries, each finite (ZS_EFORMAT
 * naming the array otherwise). */
static zs_status get_pre(zs_ctx *ctx, zs_npz *z, const char *path, const char *name, size_t size, zs_array **out) {
    *out = NULL;
    if (!zs_npz_has(z, name))
        return zs_fail(ctx, ZS_EFORMAT, "%s: no %s: not a pretraining checkpoint of zsum dbm train", path, name);
    zs_status st = zs_npz_get(z, name, out);
    if (st == ZS_OK && zs_array_size(*out) != size)
        st = zs_fail(ctx, ZS_EFORMAT, "%s: %s has %zu entries, this run needs %zu (other layer sizes)", path,
                     name, zs_array_size(*out), size);
    for (size_t q = 0; st == ZS_OK && q < size; q++)
        if (!isfinite(zs_array_cdata(*out)[q]))
            st = zs_fail(ctx, ZS_EFORMAT, "%s: %s entry %zu is not finite", path, name, q);
    if (st != ZS_OK) {
        zs_array_free(*out);
        *out = NULL;
    }
    return st;
}

/* The checkpoint's position, options and sizes against the run's: *layer, done[1..*layer]. */
static zs_status resume_head(const dbm_pretrainer_view *v, zs_npz *z, const char *path, size_t *layer,
                             size_t *done) {
    zs_array *a = NULL;
    const size_t L = v->L;
    zs_status st = get_pre(v->ctx, z, path, "pretrain_sizes", L + 1, &a);
    for (size_t q = 0; st == ZS_OK && q <= L; q++)
        if (zs_array_cdata(a)[q] != (double)v->sizes[q])
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: the checkpoint's layer %zu has %.17g units, this run's %zu",
                         path, q, zs_array_cdata(a)[q], v->sizes[q]);
    zs_array_free(a);
    a = NULL;
    double mine[N_PRE_OPTIONS];
    pre_options(v->opts, mine);
    if (st == ZS_OK) st = get_pre(v->ctx, z, path, "pretrain_options", N_PRE_OPTIONS, &a);
    for (size_t q = 0; st == ZS_OK && q < N_PRE_OPTIONS; q++)
        if (zs_array_cdata(a)[q] != mine[q])
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: the pretraining ran with %s = %.17g, this one has %.17g; "
                         "resume with the same options", path, pre_option_names[q], zs_array_cdata(a)[q], mine[q]);
    zs_array_free(a);
    a = NULL;
    double rec[N_PRE_RECIPE], was[N_PRE_RECIPE] = {0.0, 0.0};
    pre_recipe(v->opts, rec);
    if (st == ZS_OK && zs_npz_has(z, "pretrain_recipe")) {
        st = get_pre(v->ctx, z, path, "pretrain_recipe", N_PRE_RECIPE, &a);
        if (st == ZS_OK) memcpy(was, zs_array_cdata(a), sizeof was);
        zs_array_free(a);
        a = NULL;
    }
    for (size_t q = 0; st == ZS_OK && q < N_PRE_RECIPE; q++)
        if (was[q] != rec[q])
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: the pretraining ran with %s = %.17g, this one has %.17g; "
                         "resume with the same options", path, pre_recipe_names[q], was[q], rec[q]);
    if (st == ZS_OK) st = get_pre(v->ctx, z, path, "pretrain_layer", 1, &a);
    if (st == ZS_OK) {
        const double x = zs_array_cdata(a)[0];
        if (!(x >= 1 && x <= (double)L && x == floor(x)))
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: pretrain_layer = %g is not an RBM of 1..%zu", path, x, L);
        else *layer = (size_t)x;
    }
    zs_array_free(a);
    a = NULL;
    if (st == ZS_OK) st = get_pre(v->ctx, z, path, "pretrain_done", *layer, &a);
    for (size_t q = 1; st == ZS_OK && q <= *layer; q++) {
        const double x = zs_array_cdata(a)[q - 1];
        if (!(x >= 0 && x <= 1e8 && x == floor(x)))
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: pretrain_done entry %zu = %g is not a number of epochs", path,
                         q - 1, x);
        else if (q < *layer && x != (double)v->count[q])
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: the checkpoint's RBM %zu was finished after %.0f pretraining "
                         "epochs, this run gives it %zu; resume with the same count for it", path, q, x, v->count[q]);
        else if (q == *layer && x > (double)v->count[q])
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: the checkpoint's RBM %zu has had %.0f pretraining epochs, this "
                         "run gives it %zu; resume with at least %.0f", path, q, x, v->count[q], x);
        else done[q] = (size_t)x;
    }
    zs_array_free(a);
    a = NULL;
    return st;
}

/* RBMs 1..layer's parameters and RBM layer's velocities, read whole before any is set. */
zs_status zs_dbm_pretrainer_resume(zs_dbm_pretrainer *pre, const char *path) {
    if (!pre || !path) return ZS_EINVAL;
    dbm_pretrainer_view v;
    dbm_pretrainer_state(pre, &v);
    zs_npz *z = NULL;
    zs_status st = zs_npz_open(v.ctx, path, &z);
    if (st != ZS_OK) return st;
    size_t layer = 0, done[ZS_DBM_MAX_LAYERS + 1] = {0};
    if (!zs_npz_has(z, "pretrain_layer"))
        st = zs_fail(v.ctx, ZS_EFORMAT, "%s: not a checkpoint written inside pretraining (no pretrain_layer)", path);
    if (st == ZS_OK) st = resume_head(&v, z, path, &layer, done);
    zs_array *arr[3 * ZS_DBM_MAX_LAYERS + 3] = {NULL};
    size_t k = 0;
    for (size_t q = 1; st == ZS_OK && q <= layer + 1; q++) {
        /* q = layer + 1: the velocities of RBM layer */
        const size_t l = q <= layer ? q : layer, nv = v.sizes[l - 1], nh = v.sizes[l];
        const size_t size[3] = {nv * nh, nv, nh};
        for (int m = 0; st == ZS_OK && m < 3; m++) {
            char name[32];
            if (q <= layer) snprintf(name, sizeof name, "pretrain_%c%zu", "Wab"[m], q);
            else snprintf(name, sizeof name, "pretrain_velocity_%c", "Wab"[m]);
            st = get_pre(v.ctx, z, path, name, size[m], &arr[k++]);
        }
    }
    zs_npz_close(z);
    if (st == ZS_OK) {
        k = 0;
        for (size_t q = 1; q <= layer + 1; q++) {
            const size_t l = q <= layer ? q : layer;
            double *dst[2][3] = {{v.w[l], v.a[l], v.b[l]}, {v.vw, v.va, v.vb}};
            for (int m = 0; m < 3; m++, k++)
                memcpy(dst[q > layer][m], zs_array_cdata(arr[k]), zs_array_size(arr[k]) * sizeof(double));
        }
        *v.layer = layer;
        memcpy(v.done, done, sizeof done);
        dbm_pretrainer_redraw(pre);
    }
    for (size_t q = 0; q < 3 * ZS_DBM_MAX_LAYERS + 3; q++) zs_array_free(arr[q]);
    return st;
}
