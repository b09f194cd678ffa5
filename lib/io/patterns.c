/* patterns.c — ±1 patterns from files: the text format and the reader that recognises a
 * file by its content (the container is lib/models/patterns.c) (text here, PBM in pattern_image.c, .npy through lib/io/npz.c).
 *
 * Text format (docs/hopfield.md): one pattern per line; '#' starts a comment line; items are
 * separated by whitespace or commas; an item is a run of '+'/'-' (one unit per character) or
 * one of 1, +1, -1, 0. 0 means -1, so 0/1 data x maps to s = 2x - 1; a file that uses both 0
 * and -1 is ambiguous and is refused. */
#include "io/patterns_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------------------ */

typedef struct grow {
    int8_t *x;
    size_t len, cap;
} grow;

static int grow_push(grow *g, int8_t v) {
    if (g->len == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 4096;
        int8_t *x = zs_realloc(g->x, cap);
        if (!x) return 0;
        g->x = x;
        g->cap = cap;
    }
    g->x[g->len++] = v;
    return 1;
}

static int is_sep(char c) {
    return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\v' || c == '\f';
}

zs_status zs_patterns_parse_text(zs_ctx *ctx, const char *name, const char *text, size_t len,
                                 zs_patterns **out) {
    grow g = {0};
    size_t n = 0, p = 0, first_line = 0;
    size_t zero_line = 0, zero_col = 0, minus_line = 0, minus_col = 0;
    zs_status st = ZS_OK;
    size_t pos = 0, line = 0;
    while (pos < len && st == ZS_OK) {
        line++;
        size_t start = pos, end = pos;
        while (end < len && text[end] != '\n') end++;
        pos = end < len ? end + 1 : end;
        size_t i = start;
        while (i < end && is_sep(text[i])) i++;
        if (i == end || text[i] == '#') continue;
        size_t units = 0;
        while (i < end && st == ZS_OK) {
            size_t a = i;
            while (i < end && !is_sep(text[i])) i++;
            size_t toklen = i - a;
            const char *t = text + a;
            size_t col = a - start + 1;
            int ok = 1;
            if ((toklen == 1 && t[0] == '1') || (toklen == 2 && !memcmp(t, "+1", 2))) {
                ok = grow_push(&g, 1);
                units++;
            } else if (toklen == 2 && !memcmp(t, "-1", 2)) {
                ok = grow_push(&g, -1);
                units++;
                if (!minus_line) minus_line = line, minus_col = col;
            } else if (toklen == 1 && t[0] == '0') {
                ok = grow_push(&g, -1);
                units++;
                if (!zero_line) zero_line = line, zero_col = col;
            } else {
                for (size_t k = 0; k < toklen && ok; k++) {
                    if (t[k] != '+' && t[k] != '-') {
                        unsigned char c = (unsigned char)t[k];
                        if (c >= 0x21 && c < 0x7f)
                            st = zs_fail(ctx, ZS_EFORMAT,
                                         "%s: line %zu, column %zu: '%c' is not a pattern value "
                                         "(use + and -, or the numbers 1, -1, 0)",
                                         name, line, col + k, c);
                        else
                            st = zs_fail(ctx, ZS_EFORMAT,
                                         "%s: line %zu, column %zu: byte 0x%02x is not a pattern "
                                         "value (use + and -, or the numbers 1, -1, 0)",
                                         name, line, col + k, c);
                        break;
                    }
                    ok = grow_push(&g, t[k] == '+' ? 1 : -1);
                    units++;
                }
            }
            if (!ok) st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", name);
            /* Refused as soon as a line passes the limit, not after the whole line is kept. */
            if (st == ZS_OK && units > ZS_PATTERNS_MAX_UNITS)
                st = zs_fail(ctx, ZS_ETOOBIG, "%s: line %zu has more than %d units, the limit",
                             name, line, ZS_PATTERNS_MAX_UNITS);
            while (i < end && is_sep(text[i])) i++;
        }
        if (st != ZS_OK) break;
        if (p == 0) {
            n = units;
            first_line = line;
        } else if (units != n) {
            st = zs_fail(ctx, ZS_EFORMAT,
                         "%s: line %zu has %zu units but line %zu has %zu: patterns must have "
                         "equal lengths", name, line, units, first_line, n);
            break;
        }
        p++;
    }
    if (st == ZS_OK && zero_line && minus_line)
        st = zs_fail(ctx, ZS_EFORMAT,
                     "%s: line %zu, column %zu uses 0 but line %zu, column %zu uses -1: 0 stands "
                     "for -1 (0/1 data), so use one of the two conventions", name, zero_line,
                     zero_col, minus_line, minus_col);
    if (st == ZS_OK && p == 0)
        st = zs_fail(ctx, ZS_EFORMAT, "%s: no patterns (the file is empty or holds only "
                                      "comments and blank lines)", name);
    if (st == ZS_OK) st = zs_patterns_alloc(ctx, p, n, g.x, 0, 0, out);
    free(g.x);
    return st;
}

/* ---- files ----------------------------------------------------------------------------- */

/* A .npy array: (P, N) patterns, (N,) one pattern, or (P, rows, cols) images; values ±1 or
 * 0/1 (0 = -1, as in text; 0 and -1 together are refused). */
static zs_status patterns_from_npy(zs_ctx *ctx, const char *path, const unsigned char *buf,
                                   size_t len, zs_patterns **out) {
    zs_array *a;
    zs_status st = zs_npy_read_mem(ctx, path, buf, len, &a);
    if (st != ZS_OK) return st;
    int nd = zs_array_ndim(a);
    char shape[128];
    if (nd < 1 || nd > 3 || zs_array_size(a) == 0) {
        st = zs_fail(ctx, ZS_EFORMAT, "%s: array of shape %s: patterns need a non-empty (P, N), "
                                      "(N,) or (P, rows, cols) array",
                     path, zs_array_shape_str(a, shape, sizeof shape));
        zs_array_free(a);
        return st;
    }
    size_t p = nd == 1 ? 1 : (size_t)zs_array_dim(a, 0);
    size_t n = zs_array_size(a) / p;
    size_t rows = nd == 3 ? (size_t)zs_array_dim(a, 1) : 0, cols = nd == 3 ? (size_t)zs_array_dim(a, 2) : 0;
    const double *v = zs_array_cdata(a);
    int8_t *x = zs_malloc(p * n);
    if (!x) st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    size_t zero_at = SIZE_MAX, minus_at = SIZE_MAX;
    for (size_t i = 0; i < p * n && st == ZS_OK; i++) {
        double y = v[i];
        if (y == 1.0) x[i] = 1;
        else if (y == -1.0) x[i] = -1, minus_at = minus_at == SIZE_MAX ? i : minus_at;
        else if (y == 0.0) x[i] = -1, zero_at = zero_at == SIZE_MAX ? i : zero_at;
        else if (!isfinite(y))
            st = zs_fail(ctx, ZS_EFORMAT, "%s: entry (%zu, %zu) = %g is not finite", path, i / n,
                         i % n, y);
        else
            st = zs_fail(ctx, ZS_EFORMAT, "%s: entry (%zu, %zu) = %.17g is not a pattern value "
                                          "(use -1/+1 or 0/1)", path, i / n, i % n, y);
    }
    if (st == ZS_OK && zero_at != SIZE_MAX && minus_at != SIZE_MAX)
        st = zs_fail(ctx, ZS_EFORMAT, "%s: entry (%zu, %zu) is 0 but entry (%zu, %zu) is -1: 0 "
                                      "stands for -1 (0/1 data), so use one of the two conventions",
                     path, zero_at / n, zero_at % n, minus_at / n, minus_at % n);
    if (st == ZS_OK) st = zs_patterns_alloc(ctx, p, n, x, rows, cols, out);
    free(x);
    zs_array_free(a);
    return st;
}

zs_status zs_patterns_parse_mem(zs_ctx *ctx, const char *name, const void *data, size_t len,
                                zs_patterns **out) {
    if (!out || (!data && len)) return zs_fail(ctx, ZS_EINVAL, "patterns: NULL argument");
    const unsigned char *buf = data ? data : (const unsigned char *)"";
    if (!name) name = "(patterns)";
    if (len >= 2 && buf[0] == 'P' && (buf[1] == '1' || buf[1] == '4'))
        return patterns_parse_pbm(ctx, name, buf, len, out);
    if (len >= 3 && buf[0] == 'P' && memchr("2356", buf[1], 4) && isspace(buf[2]))
        return zs_fail(ctx, ZS_EFORMAT, "%s: a grey or colour netpbm image (P%c); patterns must "
                                        "be black and white: convert it to PBM (P1 or P4)", name,
                       buf[1]);
    if (len >= 6 && !memcmp(buf, "\x93NUMPY", 6)) return patterns_from_npy(ctx, name, buf, len, out);
    return zs_patterns_parse_text(ctx, name, (const char *)buf, len, out);
}

zs_status zs_patterns_read(zs_ctx *ctx, const char *path, zs_patterns **out) {
    if (!path || !out) return zs_fail(ctx, ZS_EINVAL, "patterns: NULL argument");
    char *buf = NULL;
    size_t len = 0;
    /* PBM (P4) and .npy are binary: no text check here; the text parser names a stray byte. */
    zs_status st = zs_read_input(ctx, path, ZS_READ_MAX_BYTES, 0, &buf, &len);
    if (st != ZS_OK) return st;
    st = zs_patterns_parse_mem(ctx, path, buf, len, out);
    free(buf);
    return st;
}
