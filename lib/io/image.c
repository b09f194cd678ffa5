/* image.c — the library's one image writer: 8-bit grey pixels as PNG (libpng) or PBM, each
 * pixel replicated into a scale x scale block, written atomically.
 *
 * Atomic (lib/io/atomic.c): the image goes to a new file beside the target, is fsync'ed and
 * only then renamed over it; a failure at any point leaves whatever was at the path before.
 *
 * PNG (ISO/IEC 15948): colour type 0 (grey), bit depth 8, no interlace, written row by row so
 * memory is one scaled row. PBM (netpbm's pbm(5)): raw P4, rows packed 8 pixels per byte, most
 * significant bit first, 1 = black; a grey value below 128 is black. */
#include "io/atomic_internal.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

static const char *image_ext(const char *path) {
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

/* ---- PNG -------------------------------------------------------------------------------- */

typedef struct png_err {
    jmp_buf jmp;
    char msg[200];
} png_err;

static void png_on_error(png_structp png, png_const_charp msg) {
    png_err *e = png_get_error_ptr(png);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    longjmp(e->jmp, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg; /* the library never prints */
}

static void scale_row(const uint8_t *src, size_t width, size_t scale, uint8_t *dst) {
    for (size_t x = 0; x < width; x++) memset(dst + x * scale, src[x], scale);
}

static zs_status write_png(zs_ctx *ctx, const char *path, FILE *f, const uint8_t *px, size_t width,
                           size_t height, size_t scale) {
    uint8_t *row = zs_malloc(width * scale);
    if (!row) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    png_err e;
    e.msg[0] = '\0';
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        free(row);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    }
    if (setjmp(e.jmp)) {
        /* libpng's own fwrite failed ("Write Error"): the system's reason is in errno */
        int err = ferror(f) ? errno : 0;
        png_destroy_write_struct(&png, &info);
        free(row);
        return zs_fail(ctx, ZS_EIO, "%s: cannot write the PNG: %s%s%s", path,
                       e.msg[0] ? e.msg : "libpng error", err ? ": " : "", err ? strerror(err) : "");
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)(width * scale), (png_uint_32)(height * scale), 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t y = 0; y < height; y++) {
        scale_row(px + y * width, width, scale, row);
        for (size_t k = 0; k < scale; k++) png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return ZS_OK;
}

/* ---- PBM -------------------------------------------------------------------------------- */

static zs_status write_pbm(zs_ctx *ctx, const char *path, FILE *f, const uint8_t *px, size_t width,
                           size_t height, size_t scale) {
    size_t w = width * scale, rowbytes = (w + 7) / 8;
    unsigned char *row = zs_malloc(rowbytes);
    if (!row) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    fprintf(f, "P4\n%zu %zu\n", w, height * scale);
    for (size_t y = 0; y < height; y++) {
        memset(row, 0, rowbytes);
        for (size_t x = 0; x < w; x++)
            if (px[y * width + x / scale] < 128) row[x / 8] |= (unsigned char)(0x80u >> (x % 8));
        for (size_t k = 0; k < scale; k++) fwrite(row, 1, rowbytes, f);
    }
    free(row);
    return ZS_OK; /* a write error shows in ferror, checked at the commit */
}

zs_status zs_image_write_grey(zs_ctx *ctx, const char *path, const uint8_t *px, size_t width,
                              size_t height, size_t scale) {
    if (!path || !px) return zs_fail(ctx, ZS_EINVAL, "image: NULL argument");
    if (!width || !height || !scale)
        return zs_fail(ctx, ZS_EINVAL, "%s: an image of %zux%zu pixels at scale %zu is empty", path,
                       width, height, scale);
    if (width > ZS_IMAGE_MAX_SIDE / scale || height > ZS_IMAGE_MAX_SIDE / scale)
        return zs_fail(ctx, ZS_ETOOBIG, "%s: %zux%zu pixels at scale %zu exceed %d pixels a side",
                       path, width, height, scale, ZS_IMAGE_MAX_SIDE);
    const char *ext = image_ext(path);
    int png = !strcmp(ext, "png");
    if (!png && strcmp(ext, "pbm"))
        return zs_fail(ctx, ZS_EINVAL, "%s: an image file must end in .png or .pbm", path);
    io_atomic t;
    zs_status st = io_atomic_open(ctx, path, &t);
    if (st != ZS_OK) return st;
    st = png ? write_png(ctx, path, t.f, px, width, height, scale)
             : write_pbm(ctx, path, t.f, px, width, height, scale);
    if (st != ZS_OK) {
        io_atomic_abort(&t);
        return st;
    }
    return io_atomic_commit(ctx, &t);
}
