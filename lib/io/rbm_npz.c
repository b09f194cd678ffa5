/* rbm_npz.c — an RBM on disk as a NumPy .npz archive (lib/io/npz.c):
 *   W      (nv, nh)  float32 or float64
 *   vbias  (nv)      float32 or float64
 *   hbias  (nh)      float32 or float64
 * and the training checkpoint that zsum rbm train adds to the same file (train_epoch,
 * train_velocity_W, train_velocity_vbias, train_velocity_hbias, train_chains, train_options,
 * train_data_frequency), read back by zs_rbm_trainer_resume. */
#include "learn/rbm_train_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_float(const zs_array *a) {
    return zs_array_dtype(a) == ZS_DTYPE_F4 || zs_array_dtype(a) == ZS_DTYPE_F8;
}

/* The training data's frequencies (train_data_frequency) into r->freq when the archive has
 * them: nv entries, each strictly between 0 and 1 (a base rate with a positive pseudocount). */
static zs_status load_frequency(zs_ctx *ctx, const char *path, zs_npz *z, zs_rbm *r) {
    if (!zs_npz_has(z, "train_data_frequency")) return ZS_OK;
    zs_array *f = NULL;
    zs_status st = zs_npz_get(z, "train_data_frequency", &f);
    if (st != ZS_OK) return st;
    if (zs_array_ndim(f) != 1 || zs_array_size(f) != r->nv)
        st = zs_fail(ctx, ZS_EFORMAT, "%s: train_data_frequency has %zu entries, the model has %zu "
                     "visible units", path, zs_array_size(f), r->nv);
    for (size_t i = 0; st == ZS_OK && i < r->nv; i++) {
        const double p = zs_array_cdata(f)[i];
        if (!(p > 0.0 && p < 1.0))
            st = zs_fail(ctx, ZS_EFORMAT, "%s: train_data_frequency[%zu] = %g is not strictly "
                         "between 0 and 1", path, i, p);
    }
    if (st == ZS_OK) {
        r->freq = zs_malloc(r->nv * sizeof *r->freq);
        if (!r->freq) st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory for %zu frequencies", path, r->nv);
        else memcpy(r->freq, zs_array_cdata(f), r->nv * sizeof *r->freq);
    }
    zs_array_free(f);
    return st;
}

zs_status zs_rbm_load(zs_ctx *ctx, const char *path, zs_rbm **out) {
    if (!path || !out) return ZS_EINVAL;
    zs_npz *z = NULL;
    zs_array *w = NULL, *a = NULL, *b = NULL;
    zs_rbm *r = NULL;
    zs_status st = zs_npz_open(ctx, path, &z);
    if (st == ZS_OK) st = zs_npz_get(z, "W", &w);
    if (st == ZS_OK) st = zs_npz_get(z, "vbias", &a);
    if (st == ZS_OK) st = zs_npz_get(z, "hbias", &b);
    char s1[128], s2[128], s3[128];
    if (st == ZS_OK) {
        zs_array_shape_str(w, s1, sizeof s1);
        zs_array_shape_str(a, s2, sizeof s2);
        zs_array_shape_str(b, s3, sizeof s3);
        if (zs_array_ndim(w) != 2)
            st = zs_fail(ctx, ZS_EFORMAT, "%s: W has shape %s; it must be 2-D (nv, nh)", path, s1);
        else if (zs_array_ndim(a) != 1)
            st = zs_fail(ctx, ZS_EFORMAT, "%s: vbias has shape %s; it must be 1-D (nv,)", path, s2);
        else if (zs_array_ndim(b) != 1)
            st = zs_fail(ctx, ZS_EFORMAT, "%s: hbias has shape %s; it must be 1-D (nh,)", path, s3);
        else if (zs_array_dim(a, 0) != zs_array_dim(w, 0))
            st = zs_fail(ctx, ZS_EFORMAT, "%s: shape mismatch: W is %s but vbias is %s (expected "
                         "(%llu,))", path, s1, s2, (unsigned long long)zs_array_dim(w, 0));
        else if (zs_array_dim(b, 0) != zs_array_dim(w, 1))
            st = zs_fail(ctx, ZS_EFORMAT, "%s: shape mismatch: W is %s but hbias is %s (expected "
                         "(%llu,))", path, s1, s3, (unsigned long long)zs_array_dim(w, 1));
        else if (!is_float(w) || !is_float(a) || !is_float(b))
            st = zs_fail(ctx, ZS_EFORMAT, "%s: W, vbias, hbias must be float32 or float64 (got %s, "
                         "%s, %s)", path, zs_dtype_name(zs_array_dtype(w)),
                         zs_dtype_name(zs_array_dtype(a)), zs_dtype_name(zs_array_dtype(b)));
    }
    if (st == ZS_OK) {
        st = zs_rbm_alloc(ctx, (size_t)zs_array_dim(w, 0), (size_t)zs_array_dim(w, 1), &r);
        if (st != ZS_OK) { /* name the file on the constructor's message */
            char msg[512];
            snprintf(msg, sizeof msg, "%s", zs_last_error(ctx));
            zs_fail(ctx, st, "%s: %s", path, msg);
        }
    }
    if (st == ZS_OK) {
        memcpy(r->w, zs_array_cdata(w), r->nv * r->nh * sizeof *r->w);
        memcpy(r->a, zs_array_cdata(a), r->nv * sizeof *r->a);
        memcpy(r->b, zs_array_cdata(b), r->nh * sizeof *r->b);
        r->dtype = zs_array_dtype(w);
        st = zs_rbm_check(r);
        if (st != ZS_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", zs_last_error(ctx));
            zs_fail(ctx, st, "%s: %s", path, msg);
        }
    }
    if (st == ZS_OK) st = load_frequency(ctx, path, z, r);
    zs_array_free(w);
    zs_array_free(a);
    zs_array_free(b);
    zs_npz_close(z);
    if (st != ZS_OK) {
        zs_rbm_free(r);
        return st;
    }
    *out = r;
    return ZS_OK;
}

zs_status zs_rbm_save(const zs_rbm *rbm, const char *path, zs_dtype dtype, size_t n_extra,
                      const char *const *extra_names, const zs_array *const *extra) {
    if (!rbm || !path || (dtype != ZS_DTYPE_F4 && dtype != ZS_DTYPE_F8)) return ZS_EINVAL;
    uint64_t sw[2] = {rbm->nv, rbm->nh}, sa[1] = {rbm->nv}, sb[1] = {rbm->nh};
    zs_array *w = NULL, *a = NULL, *b = NULL;
    zs_status st = zs_array_alloc(rbm->ctx, dtype, 2, sw, &w);
    if (st == ZS_OK) st = zs_array_alloc(rbm->ctx, dtype, 1, sa, &a);
    if (st == ZS_OK) st = zs_array_alloc(rbm->ctx, dtype, 1, sb, &b);
    const char **names = zs_calloc(3 + n_extra, sizeof *names);
    const zs_array **arrays = zs_calloc(3 + n_extra, sizeof *arrays);
    if (st == ZS_OK && (!names || !arrays)) st = zs_fail(rbm->ctx, ZS_ENOMEM, "%s: out of memory", path);
    if (st == ZS_OK) {
        memcpy(zs_array_data(w), rbm->w, rbm->nv * rbm->nh * sizeof *rbm->w);
        memcpy(zs_array_data(a), rbm->a, rbm->nv * sizeof *rbm->a);
        memcpy(zs_array_data(b), rbm->b, rbm->nh * sizeof *rbm->b);
        names[0] = "W", names[1] = "vbias", names[2] = "hbias";
        arrays[0] = w, arrays[1] = a, arrays[2] = b;
        for (size_t i = 0; i < n_extra; i++) {
            names[3 + i] = extra_names[i];
            arrays[3 + i] = extra[i];
        }
        st = zs_npz_write(rbm->ctx, path, 3 + n_extra, names, arrays, 1);
    }
    free(names);
    free(arrays);
    zs_array_free(w);
    zs_array_free(a);
    zs_array_free(b);
    return st;
}

/* ---- training checkpoints --------------------------------------------------------------- */

static zs_status f32_array(zs_ctx *ctx, const float *x, int nd, const uint64_t *shape, zs_array **out) {
    zs_status st = zs_array_alloc(ctx, ZS_DTYPE_F4, nd, shape, out);
    if (st != ZS_OK) return st;
    double *d = zs_array_data(*out);
    for (size_t i = 0; i < zs_array_size(*out); i++) d[i] = (double)x[i];
    return ZS_OK;
}

zs_status zs_rbm_trainer_save(const zs_rbm_trainer *trainer, const char *path) {
    rbm_trainer_view view, *t = &view;
    rbm_trainer_state(trainer, t);
    zs_rbm *rbm = NULL;
    zs_status st = zs_rbm_alloc(t->ctx, t->nv, t->nh, &rbm);
    if (st != ZS_OK) return st;
    zs_rbm_trainer_get(trainer, rbm);
    uint64_t sw[2] = {t->nv, t->nh}, sa[1] = {t->nv}, sb[1] = {t->nh};
    uint64_t sc[2] = {t->opts->batch, t->nv}, se[1] = {1}, so[1] = {8};
    zs_array *arr[7] = {0};
    const char *names[7] = {"train_epoch", "train_velocity_W", "train_velocity_vbias",
                            "train_velocity_hbias", "train_chains", "train_options",
                            "train_data_frequency"};
    st = zs_array_alloc(t->ctx, ZS_DTYPE_I8, 1, se, &arr[0]);
    if (st == ZS_OK) {
        zs_array_data(arr[0])[0] = (double)t->epoch;
        st = f32_array(t->ctx, t->vw, 2, sw, &arr[1]);
    }
    if (st == ZS_OK) st = f32_array(t->ctx, t->va, 1, sa, &arr[2]);
    if (st == ZS_OK) st = f32_array(t->ctx, t->vb, 1, sb, &arr[3]);
    if (st == ZS_OK) st = f32_array(t->ctx, t->chains, 2, sc, &arr[4]);
    if (st == ZS_OK) st = zs_array_alloc(t->ctx, ZS_DTYPE_F8, 1, so, &arr[5]);
    if (st == ZS_OK) st = zs_array_alloc(t->ctx, ZS_DTYPE_F8, 1, sa, &arr[6]);
    if (st == ZS_OK) {
        memcpy(zs_array_data(arr[6]), t->freq, t->nv * sizeof *t->freq);
        double *o = zs_array_data(arr[5]);
        const zs_rbm_train_opts *op = t->opts;
        o[0] = (double)op->k, o[1] = op->persistent, o[2] = (double)op->batch, o[3] = op->lr;
        o[4] = op->momentum, o[5] = op->weight_decay, o[6] = (double)op->seed;
        o[7] = t->chains_ready;
        const zs_array *extra[7] = {arr[0], arr[1], arr[2], arr[3], arr[4], arr[5], arr[6]};
        st = zs_rbm_save(rbm, path, ZS_DTYPE_F4, 7, names, extra);
    }
    for (int i = 0; i < 7; i++) zs_array_free(arr[i]);
    zs_rbm_free(rbm);
    return st;
}

zs_status zs_rbm_trainer_resume(zs_rbm_trainer *trainer, const char *path) {
    rbm_trainer_view view, *t = &view;
    rbm_trainer_state(trainer, t);
    zs_npz *z = NULL;
    zs_array *arr[9] = {0};
    const char *names[9] = {"W", "vbias", "hbias", "train_epoch", "train_velocity_W",
                            "train_velocity_vbias", "train_velocity_hbias", "train_chains",
                            "train_options"};
    zs_status st = zs_npz_open(t->ctx, path, &z);
    if (st != ZS_OK) return st;
    if (!zs_npz_has(z, "train_epoch")) {
        zs_npz_close(z);
        return zs_fail(t->ctx, ZS_EFORMAT, "%s: no training state (train_epoch is absent); it was "
                       "not written by zsum rbm train", path);
    }
    for (int i = 0; i < 9 && st == ZS_OK; i++) st = zs_npz_get(z, names[i], &arr[i]);
    zs_npz_close(z);
    size_t want[9] = {t->nv * t->nh, t->nv, t->nh, 1, t->nv * t->nh, t->nv, t->nh,
                      t->opts->batch * t->nv, 8};
    for (int i = 0; i < 9 && st == ZS_OK; i++)
        if (zs_array_size(arr[i]) != want[i])
            st = zs_fail(t->ctx, ZS_EFORMAT, "%s: %s has %zu entries, %zu expected for this model "
                         "and batch size", path, names[i], zs_array_size(arr[i]), want[i]);
    if (st == ZS_OK) {
        const double *o = zs_array_cdata(arr[8]);
        const zs_rbm_train_opts *op = t->opts;
        double mine[7] = {(double)op->k, op->persistent, (double)op->batch, op->lr,
                          op->momentum, op->weight_decay, (double)op->seed};
        const char *what[7] = {"k", "persistent", "batch", "lr", "momentum", "weight decay", "seed"};
        for (int i = 0; i < 7 && st == ZS_OK; i++)
            if (o[i] != mine[i])
                st = zs_fail(t->ctx, ZS_EFORMAT, "%s: was trained with %s = %g, this run has %g; "
                             "resume with the same options", path, what[i], o[i], mine[i]);
    }
    if (st == ZS_OK) {
        float *dst[8] = {t->w, t->a, t->b, NULL, t->vw, t->va, t->vb, t->chains};
        for (int i = 0; i < 8; i++) {
            if (!dst[i]) continue;
            const double *s = zs_array_cdata(arr[i]);
            for (size_t x = 0; x < want[i]; x++) dst[i][x] = (float)s[x];
        }
        rbm_trainer_set_progress(trainer, (uint64_t)zs_array_cdata(arr[3])[0],
                                 zs_array_cdata(arr[8])[7] != 0.0);
    }
    for (int i = 0; i < 9; i++) zs_array_free(arr[i]);
    return st;
}
