/* pattern_image.c — patterns as black-and-white images: PBM in (plain P1 and raw P4, several
 * images per file as netpbm allows), PBM (P4) and PNG (8-bit grey) out through lib/io/image.c.
 * PBM (netpbm's pbm(5)): magic, whitespace, width, whitespace, height, one whitespace byte,
 * then the bits: P1 as '0'/'1' characters (whitespace optional between them, '#' comments
 * allowed), P4 as rows packed 8 pixels per byte, most significant bit first, each row padded
 * to a whole byte. 1 = black. A black pixel is the unit state +1, white is -1. */
#include "io/patterns_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct pbm_reader {
    const unsigned char *b;
    size_t len, pos;
} pbm_reader;

static int pbm_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skip whitespace and '#' comments (to the end of their line). */
static void pbm_skip(pbm_reader *r) {
    while (r->pos < r->len) {
        if (pbm_space(r->b[r->pos])) r->pos++;
        else if (r->b[r->pos] == '#') {
            while (r->pos < r->len && r->b[r->pos] != '\n') r->pos++;
        } else break;
    }
}

/* A header number (decimal, > 0, <= 2^20). 0 on failure. */
static size_t pbm_number(pbm_reader *r) {
    pbm_skip(r);
    size_t v = 0, digits = 0;
    while (r->pos < r->len && r->b[r->pos] >= '0' && r->b[r->pos] <= '9') {
        v = v * 10 + (size_t)(r->b[r->pos++] - '0');
        if (v > (1u << 20)) return 0;
        digits++;
    }
    return digits ? v : 0;
}

zs_status patterns_parse_pbm(zs_ctx *ctx, const char *name, const unsigned char *buf, size_t len,
                             zs_patterns **out) {
    pbm_reader r = {buf, len, 0};
    size_t image = 0, w0 = 0, h0 = 0;
    zs_status st = ZS_OK;
    /* All images' pixels, one after another; grown as images are read, never by a header's
     * claim alone. */
    int8_t *px = NULL;
    size_t npx = 0, cap = 0;
    for (;;) {
        pbm_skip(&r);
        if (r.pos >= len && image > 0) break;
        image++;
        if (r.pos + 2 > len || buf[r.pos] != 'P' || (buf[r.pos + 1] != '1' && buf[r.pos + 1] != '4')) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: image %zu: expected a PBM header P1 or P4 at byte %zu",
                         name, image, r.pos);
            break;
        }
        int raw = buf[r.pos + 1] == '4';
        r.pos += 2;
        size_t w = pbm_number(&r), h = pbm_number(&r);
        if (!w || !h) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: image %zu: width and height must be whole numbers "
                                          "from 1 to 1048576", name, image);
            break;
        }
        /* w, h <= 2^20, so w * h <= 2^40 does not overflow. */
        if (w * h > ZS_PATTERNS_MAX_UNITS) {
            st = zs_fail(ctx, ZS_ETOOBIG, "%s: image %zu: %zux%zu pixels exceed the limit of %d "
                                          "units", name, image, w, h, ZS_PATTERNS_MAX_UNITS);
            break;
        }
        if (r.pos >= len || !pbm_space(buf[r.pos])) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: image %zu: no whitespace after the height", name,
                         image);
            break;
        }
        r.pos++;
        if (image > 1 && (w != w0 || h != h0)) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: image %zu is %zux%zu but image 1 is %zux%zu "
                                          "(width x height): patterns must have equal sizes",
                         name, image, w, h, w0, h0);
            break;
        }
        w0 = w;
        h0 = h;
        /* The pixels must be present before room is made for them: a raw row is (w + 7) / 8
         * bytes, a plain pixel at least one byte. */
        size_t need = raw ? (w + 7) / 8 * h : w * h;
        if (len - r.pos < need) {
            if (raw)
                st = zs_fail(ctx, ZS_EFORMAT, "%s: image %zu: raw PBM data ends after %zu of %zu "
                                              "bytes", name, image, len - r.pos, need);
            else
                st = zs_fail(ctx, ZS_EFORMAT, "%s: image %zu: plain PBM data ends after %zu "
                                              "bytes; %zux%zu pixels need at least %zu",
                             name, image, len - r.pos, w, h, need);
            break;
        }
        if (npx + w * h > cap) {
            size_t ncap = cap ? 2 * cap : w * h;
            while (ncap < npx + w * h) ncap *= 2;
            int8_t *g = zs_realloc(px, ncap);
            if (!g) {
                st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", name);
                break;
            }
            px = g;
            cap = ncap;
        }
        int8_t *dst = px + npx;
        if (raw) {
            size_t rowbytes = (w + 7) / 8;
            for (size_t y = 0; y < h; y++)
                for (size_t x = 0; x < w; x++) {
                    unsigned bit = (buf[r.pos + y * rowbytes + x / 8] >> (7 - x % 8)) & 1u;
                    dst[y * w + x] = bit ? 1 : -1;
                }
            r.pos += rowbytes * h;
        } else {
            for (size_t k = 0; k < w * h && st == ZS_OK; k++) {
                pbm_skip(&r);
                if (r.pos >= len)
                    st = zs_fail(ctx, ZS_EFORMAT, "%s: image %zu: plain PBM data ends after %zu "
                                                  "of %zu pixels", name, image, k, w * h);
                else if (buf[r.pos] != '0' && buf[r.pos] != '1')
                    st = zs_fail(ctx, ZS_EFORMAT, "%s: image %zu: byte %zu '%c' is not a pixel "
                                                  "(0 or 1)", name, image, r.pos,
                                 buf[r.pos] >= 0x21 && buf[r.pos] < 0x7f ? buf[r.pos] : '?');
                else
                    dst[k] = buf[r.pos++] == '1' ? 1 : -1;
            }
            if (st != ZS_OK) break;
        }
        npx += w * h;
    }
    if (st == ZS_OK) st = zs_patterns_alloc(ctx, image, w0 * h0, px, h0, w0, out);
    free(px);
    return st;
}

/* ---- writing ---------------------------------------------------------------------------- */

/* Through the library's image writer (lib/io/image.c): +1 is black (0), -1 white (255). */
zs_status zs_pattern_write_image(zs_ctx *ctx, const char *path, size_t rows, size_t cols,
                                 const int8_t *s, size_t scale) {
    if (!path || !s || !rows || !cols || rows * cols > ZS_PATTERNS_MAX_UNITS)
        return zs_fail(ctx, ZS_EINVAL, "image: bad arguments (%zux%zu)", rows, cols);
    unsigned char *px = zs_malloc(rows * cols);
    if (!px) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < rows * cols; i++) px[i] = s[i] > 0 ? 0 : 255;
    zs_status st = zs_image_write_grey(ctx, path, px, cols, rows, scale);
    free(px);
    return st;
}
