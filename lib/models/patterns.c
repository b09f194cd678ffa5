/* patterns.c — the container of ±1 patterns: P patterns of N units with an optional image
 * shape (struct zs_patterns, lib/models/hopfield_internal.h). Reading and writing them is
 * lib/io/patterns.c and lib/io/pattern_image.c. */
#include "models/hopfield_internal.h"

#include <string.h>

zs_status zs_patterns_alloc(zs_ctx *ctx, size_t p, size_t n, const int8_t *data, size_t rows,
                            size_t cols, zs_patterns **out) {
    if (!out || (!data && p && n)) return zs_fail(ctx, ZS_EINVAL, "patterns: NULL argument");
    if (p == 0) return zs_fail(ctx, ZS_EINVAL, "patterns: no patterns (P = 0)");
    if (n == 0) return zs_fail(ctx, ZS_EINVAL, "patterns: patterns have no units (N = 0)");
    if (n > ZS_PATTERNS_MAX_UNITS)
        return zs_fail(ctx, ZS_ETOOBIG, "patterns: N = %zu units exceeds the limit %d", n,
                       ZS_PATTERNS_MAX_UNITS);
    if ((rows || cols) && rows * cols != n)
        return zs_fail(ctx, ZS_EINVAL, "patterns: shape %zux%zu does not hold N = %zu units",
                       rows, cols, n);
    if (p > SIZE_MAX / n) return zs_fail(ctx, ZS_ETOOBIG, "patterns: P x N overflows");
    for (size_t i = 0; i < p * n; i++)
        if (data[i] != 1 && data[i] != -1)
            return zs_fail(ctx, ZS_EINVAL, "patterns: pattern %zu unit %zu = %d is not -1 or +1",
                           i / n, i % n, (int)data[i]);
    zs_patterns *pt = zs_calloc(1, sizeof *pt);
    int8_t *x = zs_malloc(p * n);
    if (!pt || !x) {
        free(pt);
        free(x);
        return zs_fail(ctx, ZS_ENOMEM, "patterns: out of memory for %zu x %zu values", p, n);
    }
    memcpy(x, data, p * n);
    pt->p = p;
    pt->n = n;
    pt->rows = rows;
    pt->cols = cols;
    pt->x = x;
    *out = pt;
    return ZS_OK;
}

void zs_patterns_free(zs_patterns *pt) {
    if (!pt) return;
    free(pt->x);
    free(pt);
}

size_t zs_patterns_count(const zs_patterns *pt) { return pt->p; }
size_t zs_patterns_units(const zs_patterns *pt) { return pt->n; }
const int8_t *zs_patterns_data(const zs_patterns *pt) { return pt->x; }

int zs_patterns_shape(const zs_patterns *pt, size_t *rows, size_t *cols) {
    if (!pt->rows) return 0;
    if (rows) *rows = pt->rows;
    if (cols) *cols = pt->cols;
    return 1;
}

zs_status zs_patterns_set_shape(zs_ctx *ctx, zs_patterns *pt, size_t rows, size_t cols) {
    if ((rows || cols) && rows * cols != pt->n)
        return zs_fail(ctx, ZS_EINVAL, "shape %zux%zu holds %zu units, the patterns have N = %zu",
                       rows, cols, rows * cols, pt->n);
    pt->rows = rows;
    pt->cols = cols;
    return ZS_OK;
}

zs_status zs_patterns_append(zs_ctx *ctx, zs_patterns *a, const zs_patterns *b) {
    if (a->n != b->n)
        return zs_fail(ctx, ZS_EFORMAT, "patterns have unequal lengths: %zu and %zu units",
                       a->n, b->n);
    if (a->rows && b->rows && (a->rows != b->rows || a->cols != b->cols))
        return zs_fail(ctx, ZS_EFORMAT, "images have unequal shapes: %zux%zu and %zux%zu",
                       a->rows, a->cols, b->rows, b->cols);
    int8_t *x = zs_realloc(a->x, (a->p + b->p) * a->n);
    if (!x) return zs_fail(ctx, ZS_ENOMEM, "patterns: out of memory");
    memcpy(x + a->p * a->n, b->x, b->p * b->n);
    a->x = x;
    a->p += b->p;
    if (!a->rows) {
        a->rows = b->rows;
        a->cols = b->cols;
    }
    return ZS_OK;
}
