/* bm_train_npz.c — a Boltzmann-machine training checkpoint as a NumPy .npz archive
 * (lib/io/npz.c): the model as zs_pairwise_load_bm reads it,
 *   W  (n, n)  float64, symmetric, zero diagonal
 *   b  (n,)    float64
 * and the training state: train_epoch (1,), train_options (N_OPTIONS,), train_velocity_W
 * (n, n), train_velocity_b (n,), train_chains (chains, n, float32 0/1), train_mean_field (n,). */
#include "learn/bm_train_internal.h"

#include <stdio.h>
#include <string.h>

#define N_OPTIONS 12
#define N_ARRAYS 8

/* The options a checkpoint must be resumed with (the seed as two 32-bit halves: a double holds
 * them exactly). */
static void options_vector(const zs_bm_train_opts *o, double *v) {
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
    v[11] = (double)o->negative;
}

static const char *const option_names[N_OPTIONS] = {
    "batch", "lr", "lr_decay", "momentum", "weight_decay", "chains", "gibbs_steps",
    "mf_iterations", "mf_tolerance", "seed (high half)", "seed (low half)",
    "negative phase (0 persistent, 1 exact, 2 mean-field)"};

static const char *const array_names[N_ARRAYS] = {
    "W", "b", "train_epoch", "train_options", "train_velocity_W", "train_velocity_b",
    "train_chains", "train_mean_field"};

/* The shape of array k for view v. */
static int array_shape(const bm_trainer_view *v, int k, uint64_t *shape) {
    const uint64_t u = v->units;
    switch (k) {
    case 0: case 4: shape[0] = shape[1] = u; return 2;
    case 2: shape[0] = 1; return 1;
    case 3: shape[0] = N_OPTIONS; return 1;
    case 6: shape[0] = v->opts->chains, shape[1] = u; return 2;
    default: shape[0] = u; return 1;
    }
}

/* Array k's values into d. */
static void array_fill(const bm_trainer_view *v, int k, double *d) {
    const size_t u = v->units;
    switch (k) {
    case 0: memcpy(d, v->w, u * u * sizeof *d); break;
    case 1: memcpy(d, v->b, u * sizeof *d); break;
    case 2: d[0] = (double)v->epoch; break;
    case 3: options_vector(v->opts, d); break;
    case 4: memcpy(d, v->vw, u * u * sizeof *d); break;
    case 5: memcpy(d, v->vb, u * sizeof *d); break;
    case 6: for (size_t q = 0; q < v->opts->chains * u; q++) d[q] = v->chains[q]; break;
    default: memcpy(d, v->mean_field, u * sizeof *d); break;
    }
}

zs_status zs_bm_trainer_save(const zs_bm_trainer *t, const char *path) {
    if (!t || !path) return ZS_EINVAL;
    bm_trainer_view v;
    bm_trainer_state(t, &v);
    zs_array *a[N_ARRAYS] = {NULL};
    zs_status st = ZS_OK;
    for (int k = 0; k < N_ARRAYS && st == ZS_OK; k++) {
        uint64_t shape[2];
        int nd = array_shape(&v, k, shape);
        st = zs_array_alloc(v.ctx, k == 6 ? ZS_DTYPE_F4 : ZS_DTYPE_F8, nd, shape, &a[k]);
        if (st == ZS_OK) array_fill(&v, k, zs_array_data(a[k]));
    }
    if (st == ZS_OK) st = zs_npz_write(v.ctx, path, N_ARRAYS, array_names, (const zs_array *const *)a, 1);
    for (int k = 0; k < N_ARRAYS; k++) zs_array_free(a[k]);
    return st;
}

/* Array k of z into *out, checked for its size and values. */
static zs_status read_array(const bm_trainer_view *v, zs_npz *z, const char *path, int k, zs_array **out) {
    const char *name = array_names[k];
    if (!zs_npz_has(z, name))
        return zs_fail(v->ctx, ZS_EFORMAT, "%s: no %s: the file has no training state (it was not "
                       "written by zsum bm train)", path, name);
    zs_status st = zs_npz_get(z, name, out);
    if (st != ZS_OK) return st;
    uint64_t shape[2];
    const int nd = array_shape(v, k, shape);
    const size_t size = nd == 2 ? (size_t)(shape[0] * shape[1]) : (size_t)shape[0];
    const double *d = zs_array_cdata(*out);
    if (zs_array_size(*out) != size)
        return zs_fail(v->ctx, ZS_EFORMAT, "%s: %s has %zu entries, this training run needs %zu (another "
                       "number of units or of chains)", path, name, zs_array_size(*out), size);
    for (size_t q = 0; q < size; q++) {
        const int ok = k == 6 ? d[q] == 0.0 || d[q] == 1.0 : k == 7 ? d[q] >= 0.0 && d[q] <= 1.0 : isfinite(d[q]);
        if (!ok) return zs_fail(v->ctx, ZS_EFORMAT, "%s: %s entry %zu = %g is out of range", path, name, q, d[q]);
    }
    return ZS_OK;
}

/* The checks across arrays: the options, the epoch, W symmetric with a zero diagonal. */
static zs_status check_arrays(const bm_trainer_view *v, const char *path, zs_array *const *a) {
    double mine[N_OPTIONS];
    options_vector(v->opts, mine);
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (zs_array_cdata(a[3])[i] != mine[i])
            return zs_fail(v->ctx, ZS_EFORMAT, "%s: the run was trained with %s = %.17g, this one has "
                           "%.17g; resume with the same options", path, option_names[i],
                           zs_array_cdata(a[3])[i], mine[i]);
    const double e = zs_array_cdata(a[2])[0];
    if (!(e >= 0 && e < 1e15 && e == floor(e)))
        return zs_fail(v->ctx, ZS_EFORMAT, "%s: train_epoch = %g is not a whole number of epochs", path, e);
    const size_t u = v->units;
    const double *w = zs_array_cdata(a[0]);
    for (size_t i = 0; i < u; i++)
        for (size_t j = i; j < u; j++)
            if (i == j ? w[i * u + i] != 0.0 : w[i * u + j] != w[j * u + i])
                return zs_fail(v->ctx, ZS_EFORMAT, "%s: W is not symmetric with a zero diagonal at (%zu, %zu)",
                               path, i, j);
    return ZS_OK;
}

zs_status zs_bm_trainer_resume(zs_bm_trainer *t, const char *path) {
    if (!t || !path) return ZS_EINVAL;
    bm_trainer_view v;
    bm_trainer_state(t, &v);
    zs_npz *z = NULL;
    zs_array *a[N_ARRAYS] = {NULL};
    zs_status st = zs_npz_open(v.ctx, path, &z);
    for (int k = 0; k < N_ARRAYS && st == ZS_OK; k++) st = read_array(&v, z, path, k, &a[k]);
    if (st == ZS_OK) st = check_arrays(&v, path, a);
    if (st == ZS_OK) {
        /* every array read and checked: only now is the trainer changed */
        const size_t u = v.units;
        memcpy(v.w, zs_array_cdata(a[0]), u * u * sizeof(double));
        memcpy(v.b, zs_array_cdata(a[1]), u * sizeof(double));
        memcpy(v.vw, zs_array_cdata(a[4]), u * u * sizeof(double));
        memcpy(v.vb, zs_array_cdata(a[5]), u * sizeof(double));
        for (size_t q = 0; q < v.opts->chains * u; q++) v.chains[q] = (uint8_t)zs_array_cdata(a[6])[q];
        memcpy(v.mean_field, zs_array_cdata(a[7]), u * sizeof(double));
        bm_trainer_set_epoch(t, (uint64_t)zs_array_cdata(a[2])[0]);
    }
    for (int k = 0; k < N_ARRAYS; k++) zs_array_free(a[k]);
    zs_npz_close(z);
    return st;
}
