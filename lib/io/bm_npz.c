/* bm_npz.c — a 0/1 Boltzmann machine from a NumPy .npz archive (lib/io/npz.c):
 *   W  (n, n)  couplings, symmetric, zero diagonal (any numeric dtype)
 *   b  (n,)    biases (optional: zero)
 * E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i; the model itself (its +-1 form and the
 * checks of every entry) is zs_pairwise_alloc_bm's. Every message starts with the path. */
#include "core/internal.h"

#include <stdio.h>
#include <string.h>

zs_status zs_pairwise_load_bm(zs_ctx *ctx, const char *path, int symmetrize, zs_pairwise **out) {
    if (!path || !out) return zs_fail(ctx, ZS_EINVAL, "Boltzmann machine: NULL argument");
    zs_npz *z = NULL;
    zs_array *w = NULL, *b = NULL;
    char shape[64];
    zs_status st = zs_npz_open(ctx, path, &z);
    if (st == ZS_OK) st = zs_npz_get(z, "W", &w);
    if (st == ZS_OK && zs_npz_has(z, "b")) st = zs_npz_get(z, "b", &b);
    if (st == ZS_OK && (zs_array_ndim(w) != 2 || zs_array_dim(w, 0) != zs_array_dim(w, 1)))
        st = zs_fail(ctx, ZS_EFORMAT, "%s: W has shape %s; a square n x n matrix is needed", path,
                     zs_array_shape_str(w, shape, sizeof shape));
    if (st == ZS_OK && b && (zs_array_ndim(b) != 1 || zs_array_dim(b, 0) != zs_array_dim(w, 0)))
        st = zs_fail(ctx, ZS_EFORMAT, "%s: b has shape %s; W is %llu x %llu, so b needs %llu entries",
                     path, zs_array_shape_str(b, shape, sizeof shape),
                     (unsigned long long)zs_array_dim(w, 0), (unsigned long long)zs_array_dim(w, 0),
                     (unsigned long long)zs_array_dim(w, 0));
    if (st == ZS_OK) {
        size_t n = (size_t)zs_array_dim(w, 0);
        double *wd = zs_array_data(w);
        if (symmetrize)
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                    wd[i * n + j] = wd[j * n + i] = (wd[i * n + j] + wd[j * n + i]) / 2.0;
        st = zs_pairwise_alloc_bm(ctx, n, wd, b ? zs_array_cdata(b) : NULL, out);
        if (st != ZS_OK && ctx) {
            /* the constructor names the array and the entry; add the file */
            char why[400];
            snprintf(why, sizeof why, "%s", zs_last_error(ctx));
            st = zs_fail(ctx, st, "%s: %s", path, why);
        }
    }
    zs_array_free(w);
    zs_array_free(b);
    zs_npz_close(z);
    return st;
}
