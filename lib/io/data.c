/* data.c — data sets as rows of binary vectors: loading (.npy, .npz, IDX; narrow, one byte a
 * value, with row ranges), binarization, base rates. */
#include "io/idx_internal.h"
#include "io/input_internal.h"
#include "io/npy_internal.h"

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
    /* C order is the same in any shape: relabel, never copy (a data set can be most of memory) */
    uint64_t shape[2] = {n, d};
    npy_array_reshape(a, 2, shape);
    *out = a;
    return ZS_OK;
}

zs_status zs_data_load(zs_ctx *ctx, const char *path, zs_array **out) {
    if (!path || !out) return ZS_EINVAL;
    zs_array *a = NULL;
    zs_status st;
    const char *colon = strstr(path, ".npz:");
    if (ends_with(path, ".npy")) {
        st = zs_npy_read(ctx, path, &a);
    } else if (ends_with(path, ".npz") || colon) {
        char *file = zs_strdup(path);
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

static int plain_uint(const char *s, size_t len, uint64_t *v) {
    if (len == 0 || len > 18) return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return 1;
}

/* Split "FILE:START:END" (two colons after the last '/'): *file is malloc'd; *have = 0 when
 * path carries no range. */
static zs_status split_range(zs_ctx *ctx, const char *path, char **file, int *have, uint64_t *lo,
                             uint64_t *hi) {
    *have = 0;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *c2 = strrchr(base, ':');
    const char *c1 = NULL;
    for (const char *q = base; c2 && q < c2; q++)
        if (*q == ':') c1 = q;
    size_t keep = strlen(path);
    if (c1) {
        if (!plain_uint(c1 + 1, (size_t)(c2 - c1 - 1), lo) || !plain_uint(c2 + 1, strlen(c2 + 1), hi))
            return zs_fail(ctx, ZS_EINVAL, "%s: the row range '%s' is not START:END (two plain "
                           "integers)", path, c1 + 1);
        if (*lo >= *hi)
            return zs_fail(ctx, ZS_EINVAL, "%s: the row range %llu:%llu is empty (END is exclusive "
                           "and must exceed START)", path, (unsigned long long)*lo,
                           (unsigned long long)*hi);
        *have = 1;
        keep = (size_t)(c1 - path);
    }
    *file = zs_malloc(keep + 1);
    if (!*file) return zs_fail(ctx, ZS_ENOMEM, "out of memory");
    memcpy(*file, path, keep);
    (*file)[keep] = '\0';
    return ZS_OK;
}

/* zs_data_binarize over raw bytes (an IDX file of unsigned bytes), in place, with the same
 * arithmetic in double so that the result is the same bit for bit. */
static zs_status binarize_bytes(zs_ctx *ctx, unsigned char *x, size_t n, size_t d, zs_binarize rule,
                                double threshold, uint64_t seed) {
    const size_t size = n * d;
    unsigned char umx = 0;
    for (size_t i = 0; i < size; i++) umx = x[i] > umx ? x[i] : umx;
    const double mx = (double)umx;
    if (rule == ZS_BINARIZE_NONE) {
        for (size_t i = 0; i < size; i++)
            if (x[i] > 1)
                return zs_fail(ctx, ZS_EINVAL, "data: row %zu, column %zu = %g is not 0 or 1; give a "
                               "binarization rule (threshold or stochastic)", i / d, i % d, (double)x[i]);
        return ZS_OK;
    }
    if (rule == ZS_BINARIZE_THRESHOLD) {
        double t = isnan(threshold) ? mx / 2 : threshold;
        if (isnan(threshold) && mx == 0.0)
            return zs_fail(ctx, ZS_EINVAL, "data: every value is 0; half the maximum is no threshold");
        for (size_t i = 0; i < size; i++) x[i] = (double)x[i] > t ? 1 : 0;
        return ZS_OK;
    }
    if (mx == 0.0) return zs_fail(ctx, ZS_EINVAL, "data: every value is 0; nothing to binarize stochastically");
    for (size_t r = 0; r < n; r++) {
        zs_rng rng;
        zs_rng_init(&rng, seed, r);
        for (size_t i = 0; i < d; i++) {
            double p = (double)x[r * d + i] / mx;
            x[r * d + i] = zs_rng_uniform(&rng) < p ? 1 : 0;
        }
    }
    return ZS_OK;
}

zs_status zs_data_load_binary(zs_ctx *ctx, const char *path, zs_binarize rule, double threshold,
                              uint64_t seed, uint8_t **rows, size_t *n, size_t *d) {
    if (!path || !rows || !n || !d) return ZS_EINVAL;
    char *file = NULL;
    int ranged;
    uint64_t lo = 0, hi = 0;
    zs_status st = split_range(ctx, path, &file, &ranged, &lo, &hi);
    if (st != ZS_OK) return st;
    unsigned char *buf = NULL;
    size_t off = 0;
    uint64_t N = 0, D = 0;
    int is_u8 = 0;
    if (!ends_with(file, ".npy") && !ends_with(file, ".npz") && !strstr(file, ".npz:"))
        st = idx_read_u8_raw(ctx, file, &buf, &off, &N, &D, &is_u8);
    if (st == ZS_OK && is_u8) {
        st = binarize_bytes(ctx, buf + off, (size_t)N, (size_t)D, rule, threshold, seed);
    } else if (st == ZS_OK) {
        zs_array *a = NULL;
        st = zs_data_load(ctx, file, &a);
        if (st == ZS_OK) st = zs_data_binarize(ctx, a, rule, threshold, seed);
        if (st == ZS_OK) {
            N = zs_array_dim(a, 0), D = zs_array_dim(a, 1);
            const size_t size = (size_t)(N * D);
            buf = zs_malloc(size > 0 ? size : 1);
            if (!buf) st = io_nomem(ctx, path, (double)size, "the rows as bytes");
            for (size_t i = 0; buf && i < size; i++) buf[i] = zs_array_cdata(a)[i] != 0.0;
            off = 0;
        }
        zs_array_free(a);
    }
    if (st == ZS_OK && ranged && hi > N)
        st = zs_fail(ctx, ZS_EINVAL, "%s: the row range %llu:%llu runs past the end: %s has %llu rows",
                     path, (unsigned long long)lo, (unsigned long long)hi, file, (unsigned long long)N);
    free(file);
    if (st != ZS_OK) {
        free(buf);
        return st;
    }
    if (!ranged) lo = 0, hi = N;
    const size_t bytes = (size_t)((hi - lo) * D);
    memmove(buf, buf + off + (size_t)(lo * D), bytes);
    unsigned char *shrunk = zs_realloc(buf, bytes);
    *rows = shrunk ? shrunk : buf;
    *n = (size_t)(hi - lo);
    *d = (size_t)D;
    return ZS_OK;
}
