/* data.c — data sets as rows of binary vectors: loading (.npy, .npz, IDX) and binarization. */
#include "core/internal.h"

#include <stdio.h>
#include <string.h>

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* Flatten every axis after the first: N x D. A 1-D array is one row. */
static zs_status as_rows(zs_ctx *ctx, const char *path, zs_array *a, zs_array **out) {
    int nd = zs_array_ndim(a);
    if (nd == 0) {
        zs_array_free(a);
        return zs_fail(ctx, ZS_EFORMAT, "%s: a scalar is not a data set (need N x D rows)", path);
    }
    uint64_t n = nd == 1 ? 1 : zs_array_dim(a, 0);
    uint64_t d = n ? zs_array_size(a) / n : 0;
    if (n == 0 || d == 0) {
        zs_array_free(a);
        return zs_fail(ctx, ZS_EFORMAT, "%s: the data set is empty", path);
    }
    uint64_t shape[2] = {n, d};
    zs_array *r;
    zs_status st = zs_array_alloc(ctx, zs_array_dtype(a), 2, shape, &r);
    if (st == ZS_OK) {
        memcpy(zs_array_data(r), zs_array_cdata(a), zs_array_size(a) * sizeof(double));
        *out = r;
    }
    zs_array_free(a);
    return st;
}

zs_status zs_data_load(zs_ctx *ctx, const char *path, zs_array **out) {
    if (!path || !out) return ZS_EINVAL;
    zs_array *a = NULL;
    zs_status st;
    const char *colon = strstr(path, ".npz:");
    if (ends_with(path, ".npy")) {
        st = zs_npy_read(ctx, path, &a);
    } else if (ends_with(path, ".npz") || colon) {
        char *file = strdup(path);
        if (!file) return zs_fail(ctx, ZS_ENOMEM, "out of memory");
        const char *name = NULL;
        if (colon) {
            file[colon - path + 4] = '\0';
            name = colon + 5;
        }
        zs_npz *z;
        st = zs_npz_open(ctx, file, &z);
        if (st == ZS_OK) {
            if (!name) name = zs_npz_count(z) ? zs_npz_name(z, 0) : "(none)";
            st = zs_npz_get(z, name, &a);
            zs_npz_close(z);
        }
        free(file);
    } else {
        st = zs_idx_read(ctx, path, &a);
    }
    if (st != ZS_OK) return st;
    return as_rows(ctx, path, a, out);
}

zs_status zs_data_binarize(zs_ctx *ctx, zs_array *data, zs_binarize rule, double threshold,
                           uint64_t seed) {
    double *x = zs_array_data(data);
    size_t n = zs_array_size(data);
    size_t d = zs_array_ndim(data) == 2 ? (size_t)zs_array_dim(data, 1) : n;
    double mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || x[i] < 0)
            return zs_fail(ctx, ZS_EINVAL, "data: row %zu, column %zu = %g; values must be finite "
                           "and >= 0", i / d, i % d, x[i]);
        if (x[i] > mx) mx = x[i];
    }
    if (rule == ZS_BINARIZE_AUTO) { /* zsum/rbm.h: binary data as it is, else THRESHOLD */
        rule = ZS_BINARIZE_NONE;
        for (size_t i = 0; i < n && rule == ZS_BINARIZE_NONE; i++)
            if (x[i] != 0.0 && x[i] != 1.0) rule = ZS_BINARIZE_THRESHOLD;
    }
    if (rule == ZS_BINARIZE_NONE) {
        for (size_t i = 0; i < n; i++)
            if (x[i] != 0.0 && x[i] != 1.0)
                return zs_fail(ctx, ZS_EINVAL, "data: row %zu, column %zu = %g is not 0 or 1; give a "
                               "binarization rule (threshold or stochastic)", i / d, i % d, x[i]);
        return ZS_OK;
    }
    if (rule == ZS_BINARIZE_THRESHOLD) {
        double t = isnan(threshold) ? mx / 2 : threshold;
        if (isnan(threshold) && mx == 0.0)
            return zs_fail(ctx, ZS_EINVAL, "data: every value is 0; half the maximum is no threshold");
        for (size_t i = 0; i < n; i++) x[i] = x[i] > t ? 1.0 : 0.0;
        return ZS_OK;
    }
    if (mx == 0.0) return zs_fail(ctx, ZS_EINVAL, "data: every value is 0; nothing to binarize stochastically");
    size_t rows = n / d;
    for (size_t r = 0; r < rows; r++) {
        zs_rng rng;
        zs_rng_init(&rng, seed, r);
        for (size_t i = 0; i < d; i++) {
            double p = x[r * d + i] / mx;
            x[r * d + i] = zs_rng_uniform(&rng) < p ? 1.0 : 0.0;
        }
    }
    zs_array_set_dtype(data, ZS_DTYPE_U1);
    return ZS_OK;
}
