/* dbm_npz.c — a deep Boltzmann machine on disk as a NumPy .npz archive (lib/io/npz.c):
 *   W1 .. WL   (n_{l-1}, n_l)   float32 or float64
 *   b0 .. bL   (n_l)            float32 or float64
 * and, read only, the variable names of Salakhutdinov's MATLAB DBM code for 2-layer models
 * (vishid, hidpen, visbiases, hidbiases, penbiases; zsum/dbm.h). */
#include "learn/dbm_train_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_float(const zs_array *a) {
    return zs_array_dtype(a) == ZS_DTYPE_F4 || zs_array_dtype(a) == ZS_DTYPE_F8;
}

/* "W1, b0, ..." : the archive's names, for a message about a missing array. */
static void list_names(const zs_npz *z, char *buf, size_t cap) {
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < zs_npz_count(z) && k + 1 < cap; i++) {
        int m = snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", zs_npz_name(z, i));
        if (m < 0) break;
        k += (size_t)m;
    }
    if (zs_npz_count(z) == 0) snprintf(buf, cap, "none");
}

/* A bias: 1-D (n), or 2-D with one row (1, n) or one column (n, 1) as MATLAB stores vectors
 * (allowed only for the MATLAB names). */
static int bias_len(const zs_array *a, int matlab, uint64_t *len) {
    if (zs_array_ndim(a) == 1) {
        *len = zs_array_dim(a, 0);
        return 1;
    }
    if (matlab && zs_array_ndim(a) == 2 && (zs_array_dim(a, 0) == 1 || zs_array_dim(a, 1) == 1)) {
        *len = zs_array_dim(a, 0) * zs_array_dim(a, 1);
        return 1;
    }
    return 0;
}

/* The array names of one of the three layouts a DBM archive may use. */
typedef struct {
    size_t L;
    int matlab; /* Salakhutdinov's names: biases may be stored as (1, n) or (n, 1) */
    const char *w[ZS_DBM_MAX_LAYERS + 1], *b[ZS_DBM_MAX_LAYERS + 1]; /* w[0] unused */
    char buf[2 * (ZS_DBM_MAX_LAYERS + 1)][16];                       /* "W1".., "b0".. */
} dbm_layout;

/* zsum's W1..WL, b0..bL: L is the first missing Wk less one, and no later Wk may follow. */
static zs_status zsum_layout(zs_ctx *ctx, const zs_npz *z, const char *path, dbm_layout *lay) {
    size_t L = 0;
    while (L < ZS_DBM_MAX_LAYERS) {
        snprintf(lay->buf[L + 1], sizeof lay->buf[0], "W%zu", L + 1);
        if (!zs_npz_has(z, lay->buf[L + 1])) break;
        L++;
        lay->w[L] = lay->buf[L];
    }
    for (size_t k = L + 2; k <= ZS_DBM_MAX_LAYERS; k++) {
        char later[16];
        snprintf(later, sizeof later, "W%zu", k);
        if (zs_npz_has(z, later))
            return zs_fail(ctx, ZS_EFORMAT, "%s: %s is present but W%zu is missing (the "
                           "weights W1..WL must all be given)", path, later, L + 1);
    }
    for (size_t l = 0; l <= L; l++) {
        snprintf(lay->buf[ZS_DBM_MAX_LAYERS + 1 + l], sizeof lay->buf[0], "b%zu", l);
        lay->b[l] = lay->buf[ZS_DBM_MAX_LAYERS + 1 + l];
    }
    lay->L = L;
    return ZS_OK;
}

/* Which layout the archive uses, and its names. */
static zs_status find_layout(zs_ctx *ctx, const zs_npz *z, const char *path, dbm_layout *lay) {
    static const char *const mw[] = {NULL, "vishid", "hidpen"};
    static const char *const mb[] = {"visbiases", "hidbiases", "penbiases"};
    memset(lay, 0, sizeof *lay);
    if (zs_npz_has(z, "W1")) return zsum_layout(ctx, z, path, lay);
    if (zs_npz_has(z, "vishid")) {
        lay->matlab = 1;
        lay->L = zs_npz_has(z, "hidpen") ? 2 : 1;
        for (size_t l = 0; l <= lay->L; l++) {
            lay->b[l] = mb[l];
            lay->w[l] = mw[l];
        }
        return ZS_OK;
    }
    if (zs_npz_has(z, "W") && zs_npz_has(z, "vbias")) {
        /* an RBM file (zsum/rbm.h): the DBM with one hidden layer */
        lay->L = 1;
        lay->w[1] = "W";
        lay->b[0] = "vbias";
        lay->b[1] = "hbias";
        return ZS_OK;
    }
    char have[1024];
    list_names(z, have, sizeof have);
    return zs_fail(ctx, ZS_EFORMAT, "%s: no W1 (zsum's layout W1..WL, b0..bL), vishid "
                   "(Salakhutdinov's vishid, hidpen, visbiases, hidbiases, penbiases) nor W "
                   "and vbias (an RBM); the archive has: %s", path, have);
}

/* The layout's arrays into w[1..L], b[0..L] (the caller frees them, also on failure). */
static zs_status read_arrays(zs_ctx *ctx, zs_npz *z, const char *path, const dbm_layout *lay,
                             zs_array **w, zs_array **b) {
    zs_status st = ZS_OK;
    for (size_t l = 0; st == ZS_OK && l <= lay->L; l++) {
        if (!zs_npz_has(z, lay->b[l])) {
            char have[1024];
            list_names(z, have, sizeof have);
            return zs_fail(ctx, ZS_EFORMAT, "%s: %zu weight arrays but no %s (the bias of layer "
                           "%zu); the archive has: %s", path, lay->L, lay->b[l], l, have);
        }
        st = zs_npz_get(z, lay->b[l], &b[l]);
        if (st == ZS_OK && l) st = zs_npz_get(z, lay->w[l], &w[l]);
    }
    return st;
}

/* Every W is 2-D and its rows are the previous W's columns. */
static zs_status check_weights(zs_ctx *ctx, const char *path, const dbm_layout *lay,
                               zs_array *const *w) {
    char s1[128], s2[128];
    for (size_t l = 1; l <= lay->L; l++) {
        zs_array_shape_str(w[l], s1, sizeof s1);
        if (zs_array_ndim(w[l]) != 2)
            return zs_fail(ctx, ZS_EFORMAT, "%s: %s has shape %s; it must be 2-D (n%zu, n%zu)",
                           path, lay->w[l], s1, l - 1, l);
        if (l >= 2 && zs_array_dim(w[l], 0) != zs_array_dim(w[l - 1], 1)) {
            zs_array_shape_str(w[l - 1], s2, sizeof s2);
            return zs_fail(ctx, ZS_EFORMAT, "%s: shapes do not chain: %s is %s but %s is %s (its "
                           "rows must be the %llu units of layer %zu)", path, lay->w[l - 1], s2,
                           lay->w[l], s1, (unsigned long long)zs_array_dim(w[l - 1], 1), l - 1);
        }
    }
    return ZS_OK;
}

/* Every b_l is a vector of layer l's width (set into sizes[l]); call after check_weights. */
static zs_status check_biases(zs_ctx *ctx, const char *path, const dbm_layout *lay,
                              zs_array *const *w, zs_array *const *b, size_t *sizes) {
    char s1[128], s2[128];
    for (size_t l = 0; l <= lay->L; l++) {
        size_t wl = l == 0 ? 1 : l; /* the W whose shape gives layer l's width */
        uint64_t want = zs_array_dim(w[wl], l == 0 ? 0 : 1), len = 0;
        zs_array_shape_str(b[l], s1, sizeof s1);
        if (!bias_len(b[l], lay->matlab, &len))
            return zs_fail(ctx, ZS_EFORMAT, "%s: %s has shape %s; it must be 1-D (n%zu,)", path,
                           lay->b[l], s1, l);
        if (len != want) {
            zs_array_shape_str(w[wl], s2, sizeof s2);
            return zs_fail(ctx, ZS_EFORMAT, "%s: shape mismatch: %s is %s but %s is %s (expected "
                           "(%llu,))", path, lay->w[wl], s2, lay->b[l], s1,
                           (unsigned long long)want);
        }
        sizes[l] = (size_t)want;
    }
    return ZS_OK;
}

/* Every array holds float32 or float64. */
static zs_status check_dtypes(zs_ctx *ctx, const char *path, const dbm_layout *lay,
                              zs_array *const *w, zs_array *const *b) {
    for (size_t l = 0; l <= lay->L; l++) {
        const zs_array *bad = !is_float(b[l]) ? b[l] : l && !is_float(w[l]) ? w[l] : NULL;
        if (bad)
            return zs_fail(ctx, ZS_EFORMAT, "%s: %s must be float32 or float64 (got %s)", path,
                           bad == b[l] ? lay->b[l] : lay->w[l], zs_dtype_name(zs_array_dtype(bad)));
    }
    return ZS_OK;
}

/* st, with path put before the message a constructor or checker recorded. */
static zs_status name_file(zs_ctx *ctx, zs_status st, const char *path) {
    if (st == ZS_OK) return st;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", zs_last_error(ctx));
    return zs_fail(ctx, st, "%s: %s", path, msg);
}

/* The model with layer sizes `sizes` and the checked arrays' values, validated. */
static zs_status build_model(zs_ctx *ctx, const char *path, size_t L, const size_t *sizes,
                             zs_array *const *w, zs_array *const *b, zs_dbm **out) {
    zs_dbm *d = NULL;
    zs_status st = name_file(ctx, zs_dbm_alloc(ctx, L, sizes, &d), path);
    if (st != ZS_OK) return st;
    for (size_t l = 0; l <= L; l++) {
        memcpy(d->b[l], zs_array_cdata(b[l]), sizes[l] * sizeof(double));
        if (l) memcpy(d->w[l], zs_array_cdata(w[l]), sizes[l - 1] * sizes[l] * sizeof(double));
    }
    d->dtype = zs_array_dtype(w[1]);
    st = name_file(ctx, zs_dbm_check(d), path);
    if (st != ZS_OK) {
        zs_dbm_free(d);
        return st;
    }
    *out = d;
    return ZS_OK;
}

zs_status zs_dbm_load(zs_ctx *ctx, const char *path, zs_dbm **out) {
    if (!path || !out) return ZS_EINVAL;
    zs_npz *z = NULL;
    zs_status st = zs_npz_open(ctx, path, &z);
    if (st != ZS_OK) return st;
    dbm_layout lay;
    zs_array *w[ZS_DBM_MAX_LAYERS + 1] = {NULL}, *b[ZS_DBM_MAX_LAYERS + 1] = {NULL};
    size_t sizes[ZS_DBM_MAX_LAYERS + 1] = {0};
    /* a checkpoint from inside pretraining holds RBMs, some untrained, not a DBM */
    if (zs_npz_has(z, "pretrain_layer"))
        st = zs_fail(ctx, ZS_EFORMAT, "%s: a checkpoint written inside greedy pretraining, not a trained "
                     "model (no W1..WL yet); resume its training to finish it", path);
    if (st == ZS_OK) st = find_layout(ctx, z, path, &lay);
    if (st == ZS_OK) st = read_arrays(ctx, z, path, &lay, w, b);
    if (st == ZS_OK) st = check_weights(ctx, path, &lay, w);
    if (st == ZS_OK) st = check_biases(ctx, path, &lay, w, b, sizes);
    if (st == ZS_OK) st = check_dtypes(ctx, path, &lay, w, b);
    if (st == ZS_OK) st = build_model(ctx, path, lay.L, sizes, w, b, out);
    for (size_t l = 0; l <= ZS_DBM_MAX_LAYERS; l++) {
        zs_array_free(w[l]);
        zs_array_free(b[l]);
    }
    zs_npz_close(z);
    return st;
}

/* W1..WL, b0..bL as dtype, then n_extra more arrays; atomic. */
static zs_status save_arrays(const zs_dbm *d, const char *path, zs_dtype dtype, size_t n_extra,
                             const char *const *extra_names, zs_array *const *extra) {
    size_t n = 2 * d->L + 1;
    const char *names[2 * ZS_DBM_MAX_LAYERS + 1 + 4 * ZS_DBM_MAX_LAYERS + 8];
    const zs_array *arrays[2 * ZS_DBM_MAX_LAYERS + 1 + 4 * ZS_DBM_MAX_LAYERS + 8];
    zs_array *own[2 * ZS_DBM_MAX_LAYERS + 1] = {NULL};
    char buf[2 * ZS_DBM_MAX_LAYERS + 1][16];
    zs_status st = ZS_OK;
    if (n_extra > 4 * ZS_DBM_MAX_LAYERS + 8) return ZS_EINVAL;
    for (size_t k = 0; st == ZS_OK && k < n; k++) {
        /* W1..WL first, then b0..bL */
        int is_w = k < d->L;
        size_t l = is_w ? k + 1 : k - d->L;
        uint64_t shape[2] = {is_w ? d->n[l - 1] : d->n[l], d->n[l]};
        st = zs_array_alloc(d->ctx, dtype, is_w ? 2 : 1, shape, &own[k]);
        if (st != ZS_OK) break;
        memcpy(zs_array_data(own[k]), is_w ? d->w[l] : d->b[l],
               zs_array_size(own[k]) * sizeof(double));
        snprintf(buf[k], sizeof buf[k], "%s%zu", is_w ? "W" : "b", l);
        names[k] = buf[k];
        arrays[k] = own[k];
    }
    for (size_t k = 0; k < n_extra; k++) {
        names[n + k] = extra_names[k];
        arrays[n + k] = extra[k];
    }
    if (st == ZS_OK) st = zs_npz_write(d->ctx, path, n + n_extra, names, arrays, 1);
    for (size_t k = 0; k < n; k++) zs_array_free(own[k]);
    return st;
}

zs_status zs_dbm_save(const zs_dbm *d, const char *path, zs_dtype dtype) {
    if (!d || !path || (dtype != ZS_DTYPE_F4 && dtype != ZS_DTYPE_F8)) return ZS_EINVAL;
    return save_arrays(d, path, dtype, 0, NULL, NULL);
}

/* ---- training checkpoints ------------------------------------------------------------------ */

/* The options of the first checkpoints (before the learning-rate schedule and sparsity), then
 * those of the schedule and sparsity, then one sparsity target per hidden layer. */
#define N_OPTIONS 12
#define N_OPTIONS_EXTRA 4
#define N_OPTIONS_MAX (N_OPTIONS + N_OPTIONS_EXTRA + ZS_DBM_MAX_LAYERS)

/* The options a checkpoint must be resumed with (the seed as two 32-bit halves: a double holds
 * them exactly): N_OPTIONS + N_OPTIONS_EXTRA + L entries. */
static void options_vector(const zs_dbm_train_opts *o, size_t L, double *v) {
    v[0] = (double)o->batch;
    v[1] = o->lr;
    v[2] = o->lr_decay;
    v[3] = o->momentum;
    v[4] = o->weight_decay;
    v[5] = (double)o->chains;
    v[6] = (double)o->gibbs_steps;
    v[7] = (double)o->mf_iterations;
    v[8] = o->mf_tolerance;
    v[9] = (double)(o->seed >> 32);
    v[10] = (double)(o->seed & 0xffffffffULL);
    v[11] = (double)(o->negative == ZS_DBM_NEGATIVE_AUTO ? ZS_DBM_NEGATIVE_PERSISTENT : o->negative);
    v[12] = o->lr_divisor;
    v[13] = o->lr_min;
    v[14] = o->sparsity_cost;
    v[15] = o->sparsity_damping;
    for (size_t l = 1; l <= L; l++) v[N_OPTIONS + N_OPTIONS_EXTRA + l - 1] = o->sparsity_target[l];
}

static const char *const option_names[N_OPTIONS] = {
    "batch", "lr", "lr_decay", "momentum", "weight_decay", "chains", "gibbs_steps",
    "mf_iterations", "mf_tolerance", "seed (high half)", "seed (low half)",
    "negative phase (0 persistent, 1 exact, 2 mean-field)"};
static const char *const option_extra_names[N_OPTIONS_EXTRA] = {"lr_divisor", "lr_min", "sparsity_cost",
                                                                 "sparsity_damping"};

/* Option i's name for a message (buf for a layer's sparsity target). */
static const char *option_name(size_t i, char buf[48]) {
    if (i < N_OPTIONS) return option_names[i];
    if (i < N_OPTIONS + N_OPTIONS_EXTRA) return option_extra_names[i - N_OPTIONS];
    /* a layer number (at most ZS_DBM_MAX_LAYERS): as unsigned, it fits the buffer */
    snprintf(buf, 48, "sparsity_target of hidden layer %u", (unsigned)(i - N_OPTIONS - N_OPTIONS_EXTRA + 1));
    return buf;
}

zs_status zs_dbm_trainer_save(const zs_dbm_trainer *trainer, const char *path) {
    if (!trainer || !path) return ZS_EINVAL;
    dbm_trainer_view v;
    dbm_trainer_state(trainer, &v);
    const zs_dbm *d = v.model;
    zs_array *extra[4 * ZS_DBM_MAX_LAYERS + 8] = {NULL};
    const char *names[4 * ZS_DBM_MAX_LAYERS + 8];
    char buf[2 * ZS_DBM_MAX_LAYERS + 2][48];
    size_t k = 0;
    zs_status st = ZS_OK;
    uint64_t one = 1, nopt = N_OPTIONS + N_OPTIONS_EXTRA + d->L, sc[2] = {v.opts->chains, v.units};
    st = zs_array_alloc(v.ctx, ZS_DTYPE_F8, 1, &one, &extra[k]);
    if (st == ZS_OK) {
        zs_array_data(extra[k])[0] = (double)v.epoch;
        names[k++] = "train_epoch";
        st = zs_array_alloc(v.ctx, ZS_DTYPE_F8, 1, &nopt, &extra[k]);
    }
    if (st == ZS_OK) {
        options_vector(v.opts, d->L, zs_array_data(extra[k]));
        names[k++] = "train_options";
        st = zs_array_alloc(v.ctx, ZS_DTYPE_F4, 2, sc, &extra[k]);
    }
    if (st == ZS_OK) {
        double *c = zs_array_data(extra[k]);
        for (size_t q = 0; q < sc[0] * sc[1]; q++) c[q] = v.chains[q];
        names[k++] = "train_chains";
        uint64_t su = v.units;
        st = zs_array_alloc(v.ctx, ZS_DTYPE_F8, 1, &su, &extra[k]);
    }
    if (st == ZS_OK) {
        memcpy(zs_array_data(extra[k]), v.mean_field, v.units * sizeof(double));
        names[k++] = "train_mean_field";
        uint64_t sh = v.units - d->n[0];
        st = zs_array_alloc(v.ctx, ZS_DTYPE_F8, 1, &sh, &extra[k]);
    }
    if (st == ZS_OK) {
        memcpy(zs_array_data(extra[k]), v.sparsity_means + d->n[0], (v.units - d->n[0]) * sizeof(double));
        names[k++] = "train_sparsity_means";
    }
    if (st == ZS_OK && v.opts->resample) { /* only then: other checkpoints stay as they were */
        st = zs_array_alloc(v.ctx, ZS_DTYPE_F8, 1, &one, &extra[k]);
        if (st == ZS_OK) {
            zs_array_data(extra[k])[0] = 1.0;
            names[k++] = "train_resample";
        }
    }
    size_t nb = 0;
    for (size_t l = 0; st == ZS_OK && l <= d->L; l++) {
        for (int isw = 0; isw < 2 && st == ZS_OK; isw++) {
            if (isw && l == 0) continue;
            uint64_t shape[2] = {isw ? d->n[l - 1] : d->n[l], d->n[l]};
            st = zs_array_alloc(v.ctx, ZS_DTYPE_F8, isw ? 2 : 1, shape, &extra[k]);
            if (st != ZS_OK) break;
            memcpy(zs_array_data(extra[k]), isw ? v.vw[l] : v.vb[l],
                   zs_array_size(extra[k]) * sizeof(double));
            snprintf(buf[nb], sizeof buf[nb], "train_velocity_%s%zu", isw ? "W" : "b", l);
            names[k++] = buf[nb++];
        }
    }
    if (st == ZS_OK) st = save_arrays(d, path, ZS_DTYPE_F8, k, names, extra);
    for (size_t q = 0; q < k + 1 && q < 4 * ZS_DBM_MAX_LAYERS + 8; q++) zs_array_free(extra[q]);
    return st;
}

/* The array name of path into *out, checked to have `size` entries. */
static zs_status get_sized(zs_ctx *ctx, zs_npz *z, const char *path, const char *name, size_t size,
                           zs_array **out) {
    if (!zs_npz_has(z, name))
        return zs_fail(ctx, ZS_EFORMAT, "%s: no %s: the file has no training state (it was not "
                       "written by zsum dbm train)", path, name);
    zs_status st = zs_npz_get(z, name, out);
    if (st == ZS_OK && zs_array_size(*out) != size) {
        st = zs_fail(ctx, ZS_EFORMAT, "%s: %s has %zu entries, this training run needs %zu (other "
                     "layer sizes or options)", path, name, zs_array_size(*out), size);
        zs_array_free(*out);
        *out = NULL;
    }
    return st;
}

/* The checkpoint's options against the run's: ZS_EFORMAT naming the first that differs. A
 * checkpoint of N_OPTIONS entries (written before the schedule and sparsity options) resumes a
 * run whose added options are at their defaults' effect: no divisor, no floor, no sparsity. */
static zs_status resume_options(const dbm_trainer_view *v, zs_npz *z, const char *path) {
    const size_t L = v->model->L, nall = N_OPTIONS + N_OPTIONS_EXTRA + L;
    double mine[N_OPTIONS_MAX];
    options_vector(v->opts, L, mine);
    zs_array *a = NULL;
    size_t nfile = nall;
    if (zs_npz_has(z, "train_options")) {
        zs_status st = zs_npz_get(z, "train_options", &a);
        if (st != ZS_OK) return st;
        if (zs_array_size(a) == N_OPTIONS && v->opts->lr_divisor == 1.0 && v->opts->lr_min == 0.0 &&
            v->opts->sparsity_cost == 0.0)
            nfile = N_OPTIONS;
        zs_array_free(a);
        a = NULL;
    }
    zs_status st = get_sized(v->ctx, z, path, "train_options", nfile, &a);
    for (size_t i = 0; st == ZS_OK && i < nfile; i++)
        if (zs_array_cdata(a)[i] != mine[i]) {
            char buf[48];
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: the run was trained with %s = %.17g, this one has "
                         "%.17g; resume with the same options", path, option_name(i, buf),
                         zs_array_cdata(a)[i], mine[i]);
        }
    zs_array_free(a);
    /* train_resample: present (1) only in the checkpoints of runs that resample the pixels */
    const int was = zs_npz_has(z, "train_resample");
    if (st == ZS_OK && was != (v->opts->resample != 0))
        st = zs_fail(v->ctx, ZS_EFORMAT, "%s: the run was trained with resample = %d, this one has %d; resume "
                     "with the same options", path, was, v->opts->resample);
    return st;
}

/* The hidden units' running mean activations (train_sparsity_means), needed only with a
 * sparsity cost: checkpoints written before sparsity have none. */
static zs_status resume_sparsity(const dbm_trainer_view *v, zs_npz *z, const char *path) {
    if (!zs_npz_has(z, "train_sparsity_means") && v->opts->sparsity_cost == 0.0) return ZS_OK;
    const size_t n0 = v->model->n[0], nh = v->units - n0;
    zs_array *a = NULL;
    zs_status st = get_sized(v->ctx, z, path, "train_sparsity_means", nh, &a);
    for (size_t q = 0; st == ZS_OK && q < nh; q++) {
        double x = zs_array_cdata(a)[q];
        if (!(x >= 0.0 && x <= 1.0))
            st = zs_fail(v->ctx, ZS_EFORMAT, "%s: train_sparsity_means entry %zu = %g is not in [0, 1]", path, q, x);
        else v->sparsity_means[n0 + q] = x;
    }
    zs_array_free(a);
    return st;
}

zs_status zs_dbm_trainer_resume(zs_dbm_trainer *t, const char *path) {
    if (!t || !path) return ZS_EINVAL;
    dbm_trainer_view v;
    dbm_trainer_state(t, &v);
    zs_dbm *d = v.model;
    zs_dbm *saved = NULL;
    zs_status st = zs_dbm_load(v.ctx, path, &saved);
    if (st != ZS_OK) return st;
    int same = saved->L == d->L;
    for (size_t l = 0; same && l <= d->L; l++) same = saved->n[l] == d->n[l];
    if (!same) {
        zs_dbm_free(saved);
        return zs_fail(v.ctx, ZS_EFORMAT, "%s: the saved model has other layer sizes than this "
                       "training run", path);
    }
    zs_npz *z = NULL;
    st = zs_npz_open(v.ctx, path, &z);
    zs_array *a = NULL;
    if (st == ZS_OK) st = resume_options(&v, z, path);
    if (st == ZS_OK) st = resume_sparsity(&v, z, path);
    uint64_t epoch = 0;
    if (st == ZS_OK) st = get_sized(v.ctx, z, path, "train_epoch", 1, &a);
    if (st == ZS_OK) {
        double e = zs_array_cdata(a)[0];
        if (!(e >= 0 && e < 1e15 && e == floor(e)))
            st = zs_fail(v.ctx, ZS_EFORMAT, "%s: train_epoch = %g is not a whole number of epochs", path, e);
        else epoch = (uint64_t)e;
    }
    zs_array_free(a);
    a = NULL;
    if (st == ZS_OK) st = get_sized(v.ctx, z, path, "train_chains", v.opts->chains * v.units, &a);
    for (size_t q = 0; st == ZS_OK && q < v.opts->chains * v.units; q++) {
        double x = zs_array_cdata(a)[q];
        if (x != 0.0 && x != 1.0)
            st = zs_fail(v.ctx, ZS_EFORMAT, "%s: train_chains entry %zu = %g is not 0 or 1", path, q, x);
        else v.chains[q] = (uint8_t)x;
    }
    zs_array_free(a);
    a = NULL;
    if (st == ZS_OK) st = get_sized(v.ctx, z, path, "train_mean_field", v.units, &a);
    for (size_t q = 0; st == ZS_OK && q < v.units; q++) {
        double x = zs_array_cdata(a)[q];
        if (!(x >= 0.0 && x <= 1.0))
            st = zs_fail(v.ctx, ZS_EFORMAT, "%s: train_mean_field entry %zu = %g is not in [0, 1]", path, q, x);
        else v.mean_field[q] = x;
    }
    zs_array_free(a);
    a = NULL;
    for (size_t l = 0; st == ZS_OK && l <= d->L; l++)
        for (int isw = 0; isw < 2 && st == ZS_OK; isw++) {
            if (isw && l == 0) continue;
            char name[48];
            snprintf(name, sizeof name, "train_velocity_%s%zu", isw ? "W" : "b", l);
            size_t size = isw ? d->n[l - 1] * d->n[l] : d->n[l];
            st = get_sized(v.ctx, z, path, name, size, &a);
            for (size_t q = 0; st == ZS_OK && q < size; q++)
                if (!isfinite(zs_array_cdata(a)[q]))
                    st = zs_fail(v.ctx, ZS_EFORMAT, "%s: %s entry %zu is not finite", path, name, q);
            if (st == ZS_OK) memcpy(isw ? v.vw[l] : v.vb[l], zs_array_cdata(a), size * sizeof(double));
            zs_array_free(a);
            a = NULL;
        }
    zs_npz_close(z);
    if (st == ZS_OK) {
        for (size_t l = 0; l <= d->L; l++) {
            memcpy(d->b[l], saved->b[l], d->n[l] * sizeof(double));
            if (l) memcpy(d->w[l], saved->w[l], d->n[l - 1] * d->n[l] * sizeof(double));
        }
        dbm_trainer_set_epoch(t, epoch);
    }
    zs_dbm_free(saved);
    return st;
}
