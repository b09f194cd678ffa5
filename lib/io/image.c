/* image.c — the library's one image writer: 8-bit grey pixels as PNG (libpng) or PBM, each
 * pixel replicated into a scale x scale block, written atomically.
 *
 * Atomic: the image goes to a new file beside the target (same folder, so the same file
 * system), is flushed and fsync'ed, and only then renamed over the target (rename(2) replaces
 * it in one step). A failure at any point removes the temporary file and leaves whatever was
 * at the path before untouched.
 *
 * PNG (ISO/IEC 15948): colour type 0 (grey), bit depth 8, no interlace, written row by row so
 * memory is one scaled row. PBM (netpbm's pbm(5)): raw P4, rows packed 8 pixels per byte, most
 * significant bit first, 1 = black; a grey value below 128 is black. */
#include "core/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *image_ext(const char *path) {
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

/* ---- the temporary file beside the target ---------------------------------------------- */

typedef struct tmpfile_beside {
    char *name;
    FILE *f;
} tmpfile_beside;

/* Create "<path>.<pid>-<k>.tmp" exclusively (O_EXCL: never someone else's file), mode 0666
 * less the umask, like the file fopen would make. */
static zs_status tmp_open(zs_ctx *ctx, const char *path, tmpfile_beside *t) {
    size_t len = strlen(path) + 48;
    t->f = NULL;
    t->name = malloc(len);
    if (!t->name) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    int fd = -1, err = 0;
    for (unsigned k = 0; k < 100 && fd < 0; k++) {
        snprintf(t->name, len, "%s.%ld-%u.tmp", path, (long)getpid(), k);
        fd = open(t->name, O_WRONLY | O_CREAT | O_EXCL, 0666);
        err = errno;
        if (fd < 0 && err != EEXIST) break;
    }
    if (fd < 0) {
        free(t->name);
        t->name = NULL;
        return zs_fail(ctx, ZS_EIO, "%s: cannot create: %s", path, strerror(err));
    }
    t->f = fdopen(fd, "wb");
    if (!t->f) {
        err = errno;
        close(fd);
        unlink(t->name);
        free(t->name);
        t->name = NULL;
        return zs_fail(ctx, ZS_EIO, "%s: cannot create: %s", path, strerror(err));
    }
    return ZS_OK;
}

static void tmp_abort(tmpfile_beside *t) {
    if (t->f) fclose(t->f);
    if (t->name) unlink(t->name);
    free(t->name);
    t->f = NULL;
    t->name = NULL;
}

/* Flush, fsync, close, rename over the target; then fsync the folder so the rename itself
 * survives a crash (best effort: some file systems refuse to fsync a directory). */
static zs_status tmp_commit(zs_ctx *ctx, const char *path, tmpfile_beside *t) {
    int err = 0;
    errno = 0;
    if (fflush(t->f) != 0 || ferror(t->f)) err = errno ? errno : EIO;
    else if (fsync(fileno(t->f)) != 0) err = errno;
    int closed = fclose(t->f);
    t->f = NULL;
    if (!err && closed != 0) err = errno ? errno : EIO;
    if (!err && rename(t->name, path) != 0) err = errno;
    if (err) {
        tmp_abort(t);
        return zs_fail(ctx, ZS_EIO, "%s: cannot write: %s", path, strerror(err));
    }
    char *dir = strdup(path);
    if (dir) {
        int dfd = open(dirname(dir), O_RDONLY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    free(t->name);
    t->name = NULL;
    return ZS_OK;
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
    uint8_t *row = malloc(width * scale);
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
    unsigned char *row = malloc(rowbytes);
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
    tmpfile_beside t;
    zs_status st = tmp_open(ctx, path, &t);
    if (st != ZS_OK) return st;
    st = png ? write_png(ctx, path, t.f, px, width, height, scale)
             : write_pbm(ctx, path, t.f, px, width, height, scale);
    if (st != ZS_OK) {
        tmp_abort(&t);
        return st;
    }
    return tmp_commit(ctx, path, &t);
}
