/* hopfield_npz.c — a Hopfield network on disk as a NumPy .npz archive (lib/io/npz.c):
 *   J         (N, N) float64  couplings, symmetric, zero diagonal
 *   patterns  (P, N) int8     the stored ±1 patterns (optional: recall reports overlaps)
 *   shape     (2,)   int64    rows, cols of image patterns (optional)
 * numpy reads it with np.load; a J written by hand (asymmetric, NaN, ...) is refused by
 * zs_hopfield_alloc with the offending entry named. */
#include "models/hopfield_internal.h"

#include <stdio.h>
#include <string.h>

zs_status zs_hopfield_save(const zs_hopfield *net, const char *path) {
    zs_ctx *ctx = net->ctx;
    const size_t n = net->n;
    zs_array *arr[3] = {NULL, NULL, NULL};
    const char *names[3] = {"J", "patterns", "shape"};
    size_t count = 1;
    uint64_t dims[2] = {n, n};
    zs_status st = zs_array_alloc(ctx, ZS_DTYPE_F8, 2, dims, &arr[0]);
    if (st == ZS_OK) zs_hopfield_couplings(net, zs_array_data(arr[0]));
    if (st == ZS_OK && net->pat) {
        dims[0] = net->pat->p;
        st = zs_array_alloc(ctx, ZS_DTYPE_I1, 2, dims, &arr[1]);
        if (st == ZS_OK) {
            double *d = zs_array_data(arr[1]);
            for (size_t i = 0; i < net->pat->p * n; i++) d[i] = net->pat->x[i];
            count = 2;
        }
        if (st == ZS_OK && net->pat->rows) {
            uint64_t two = 2;
            st = zs_array_alloc(ctx, ZS_DTYPE_I8, 1, &two, &arr[2]);
            if (st == ZS_OK) {
                zs_array_data(arr[2])[0] = (double)net->pat->rows;
                zs_array_data(arr[2])[1] = (double)net->pat->cols;
                count = 3;
            }
        }
    }
    if (st == ZS_OK) st = zs_npz_write(ctx, path, count, names, (const zs_array *const *)arr, 1);
    for (int i = 0; i < 3; i++) zs_array_free(arr[i]);
    return st;
}

zs_status zs_hopfield_load(zs_ctx *ctx, const char *path, zs_hopfield **out) {
    zs_npz *z;
    zs_status st = zs_npz_open(ctx, path, &z);
    if (st != ZS_OK) return st;
    zs_array *j = NULL, *pa = NULL, *sh = NULL;
    zs_patterns *pat = NULL;
    char buf[128];
    st = zs_npz_get(z, "J", &j);
    size_t n = 0;
    if (st == ZS_OK) {
        if (zs_array_ndim(j) != 2 || zs_array_dim(j, 0) != zs_array_dim(j, 1) ||
            zs_array_dim(j, 0) == 0)
            st = zs_fail(ctx, ZS_EFORMAT, "%s: J has shape %s; it must be a square (N, N) matrix",
                         path, zs_array_shape_str(j, buf, sizeof buf));
        else if (zs_array_dim(j, 0) > ZS_PATTERNS_MAX_UNITS)
            st = zs_fail(ctx, ZS_ETOOBIG, "%s: J is %s, above the limit of %d units", path,
                         zs_array_shape_str(j, buf, sizeof buf), ZS_PATTERNS_MAX_UNITS);
        else
            n = (size_t)zs_array_dim(j, 0);
    }
    if (st == ZS_OK && zs_npz_has(z, "patterns")) {
        st = zs_npz_get(z, "patterns", &pa);
        if (st == ZS_OK && (zs_array_ndim(pa) != 2 || zs_array_dim(pa, 1) != n ||
                            zs_array_dim(pa, 0) == 0))
            st = zs_fail(ctx, ZS_EFORMAT, "%s: patterns has shape %s; with J of %zu x %zu it "
                                          "must be (P, %zu)",
                         path, zs_array_shape_str(pa, buf, sizeof buf), n, n, n);
        if (st == ZS_OK) {
            size_t p = (size_t)zs_array_dim(pa, 0);
            const double *v = zs_array_cdata(pa);
            int8_t *x = zs_malloc(p * n);
            if (!x) st = zs_fail(ctx, ZS_ENOMEM, "%s: cannot allocate %zu bytes for the patterns", path, p * n);
            for (size_t i = 0; st == ZS_OK && i < p * n; i++) {
                if (v[i] != 1.0 && v[i] != -1.0)
                    st = zs_fail(ctx, ZS_EFORMAT, "%s: patterns entry (%zu, %zu) = %g is not -1 "
                                                  "or +1", path, i / n, i % n, v[i]);
                else
                    x[i] = v[i] > 0 ? 1 : -1;
            }
            if (st == ZS_OK) st = zs_patterns_alloc(ctx, p, n, x, 0, 0, &pat);
            free(x);
        }
    }
    if (st == ZS_OK && pat && zs_npz_has(z, "shape")) {
        st = zs_npz_get(z, "shape", &sh);
        if (st == ZS_OK) {
            const double *v = zs_array_cdata(sh);
            if (zs_array_ndim(sh) != 1 || zs_array_dim(sh, 0) != 2 || !(v[0] >= 1) ||
                !(v[1] >= 1) || v[0] * v[1] != (double)n)
                st = zs_fail(ctx, ZS_EFORMAT, "%s: shape must be two whole numbers rows, cols "
                                              "with rows * cols = N = %zu", path, n);
            else
                st = zs_patterns_set_shape(ctx, pat, (size_t)v[0], (size_t)v[1]);
        }
    }
    if (st == ZS_OK) {
        st = zs_hopfield_alloc(ctx, n, zs_array_cdata(j), pat, out);
        if (st != ZS_OK) {
            /* Prefix the file name to the entry message. */
            char msg[512];
            snprintf(msg, sizeof msg, "%s", zs_last_error(ctx));
            st = zs_fail(ctx, st, "%s: %s", path, msg);
        }
    }
    zs_patterns_free(pat);
    zs_array_free(j);
    zs_array_free(pa);
    zs_array_free(sh);
    zs_npz_close(z);
    return st;
}
