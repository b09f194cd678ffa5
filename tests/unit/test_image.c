/* test_image.c — the grey-image writer (lib/io/image.c): PNG read back with libpng's own
 * reader, PBM bytes against a hand-made file, pixel replication, and the failures: each one
 * a clear status and message, the previous file untouched, no temporary file left behind. */
#include "check.h"
#include "zsum.h"

#include <dirent.h>
#include <png.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static void path_in(char *buf, size_t len, const char *name) { snprintf(buf, len, "%s", check_path(name)); }

/* Number of entries in the test folder (temporary files left behind would show here). */
static int entries(void) {
    DIR *d = opendir(check_dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

/* The PNG through libpng's reader: its size, and its pixels as 8-bit grey (NULL on failure). */
static uint8_t *read_png(const char *path, size_t *w, size_t *h) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) return NULL;
    img.format = PNG_FORMAT_GRAY;
    uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
    if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
        png_image_free(&img);
        free(px);
        return NULL;
    }
    *w = img.width;
    *h = img.height;
    return px;
}

static void png_should_read_back_with_its_pixels_replicated(void) {
    const uint8_t src[6] = {0, 37, 255, 128, 201, 9}; /* 3 wide, 2 high */
    char path[256];
    path_in(path, sizeof path, "g.png");
    for (size_t k = 1; k <= 4; k += 3) {
        CHECK_EQ_INT(zs_image_write_grey(NULL, path, src, 3, 2, k), ZS_OK);
        size_t w = 0, h = 0;
        uint8_t *px = read_png(path, &w, &h);
        CHECK(px != NULL);
        CHECK_EQ_INT(w, 3 * k);
        CHECK_EQ_INT(h, 2 * k);
        int same = px != NULL;
        for (size_t y = 0; px && y < h; y++)
            for (size_t x = 0; x < w; x++) same &= px[y * w + x] == src[(y / k) * 3 + x / k];
        CHECK(same);
        free(px);
    }
    CHECK_EQ_INT(entries(), 1);
    remove(path);
}

static void pbm_should_pack_dark_pixels_as_black_bits(void) {
    /* 5 x 2 at scale 2: 10 x 4 pixels, rows of 2 bytes; below 128 is black (bit 1). */
    const uint8_t src[10] = {0, 255, 127, 128, 30, 255, 0, 255, 0, 255};
    char path[256];
    path_in(path, sizeof path, "g.pbm");
    CHECK_EQ_INT(zs_image_write_grey(NULL, path, src, 5, 2, 2), ZS_OK);
    /* row 0: 1 1 0 0 1 1 0 0 1 1 -> 0xCC 0xC0; row 1: 0 0 1 1 0 0 1 1 0 0 -> 0x33 0x00 */
    const unsigned char want[] = "P4\n10 4\n\xCC\xC0\xCC\xC0\x33\x00\x33\x00";
    unsigned char got[64];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(got, 1, sizeof got, f) : 0;
    if (f) fclose(f);
    CHECK_EQ_INT(n, sizeof want - 1);
    CHECK(memcmp(got, want, sizeof want - 1) == 0);
    remove(path);
}

static void failures_should_name_the_path_and_keep_the_previous_file(void) {
    const uint8_t src[4] = {0, 255, 255, 0};
    zs_ctx *ctx = zs_ctx_alloc();
    char path[256], sub[256], bad[300];
    path_in(path, sizeof path, "keep.png");
    CHECK_EQ_INT(zs_image_write_grey(ctx, path, src, 2, 2, 3), ZS_OK);
    struct stat before, after;
    CHECK(stat(path, &before) == 0);
    /* bad arguments: nothing is written */
    CHECK_EQ_INT(zs_image_write_grey(ctx, path, src, 2, 2, 0), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "keep.png") != NULL);
    CHECK_EQ_INT(zs_image_write_grey(ctx, path, src, 2, 2, ZS_IMAGE_MAX_SIDE), ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "exceed") != NULL);
    path_in(bad, sizeof bad, "x.jpg");
    CHECK_EQ_INT(zs_image_write_grey(ctx, bad, src, 2, 2, 1), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), ".png or .pbm") != NULL);
    /* a missing folder: the system's reason */
    path_in(bad, sizeof bad, "nowhere/x.png");
    CHECK_EQ_INT(zs_image_write_grey(ctx, bad, src, 2, 2, 1), ZS_EIO);
    CHECK(strstr(zs_last_error(ctx), "nowhere/x.png: cannot create: No such file or directory") != NULL);
    /* the target is a folder: the rename fails after the image was written; the folder stays
     * and the temporary file goes */
    path_in(sub, sizeof sub, "folder.png");
    CHECK(mkdir(sub, 0700) == 0);
    CHECK_EQ_INT(zs_image_write_grey(ctx, sub, src, 2, 2, 1), ZS_EIO);
    CHECK(strstr(zs_last_error(ctx), "folder.png: cannot write: Is a directory") != NULL);
    struct stat st;
    CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_EQ_INT(entries(), 2); /* keep.png and folder.png */
    rmdir(sub);
    /* the previous image is untouched by the failures */
    CHECK(stat(path, &after) == 0);
    CHECK(after.st_size == before.st_size && after.st_mtime == before.st_mtime);
    size_t w = 0, h = 0;
    uint8_t *px = read_png(path, &w, &h);
    CHECK(px != NULL && w == 6 && h == 6);
    free(px);
    remove(path);
    zs_ctx_free(ctx);
}

/* A write that fails halfway (the file-size limit: EFBIG, as a full disk would give ENOSPC):
 * the status says so with the system's reason, the old image stays, no temporary remains. */
static void a_failed_write_should_leave_the_previous_image(void) {
    char path[256];
    path_in(path, sizeof path, "big.png");
    const uint8_t small[1] = {7};
    CHECK_EQ_INT(zs_image_write_grey(NULL, path, small, 1, 1, 1), ZS_OK);
    enum { W = 400 };
    uint8_t *noise = malloc(W * W);
    if (!noise) return;
    uint32_t x = 12345;
    for (size_t i = 0; i < W * W; i++) {
        x = x * 1664525u + 1013904223u; /* Numerical Recipes' LCG: incompressible enough */
        noise[i] = (uint8_t)(x >> 24);
    }
    struct rlimit old, lim;
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    lim = old;
    lim.rlim_cur = 16384;
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_status st = zs_image_write_grey(ctx, path, noise, W, W, 1);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, was);
    CHECK_EQ_INT(st, ZS_EIO);
    CHECK(strstr(zs_last_error(ctx), "big.png") != NULL);
    CHECK(strstr(zs_last_error(ctx), "File too large") != NULL);
    size_t w = 0, h = 0;
    uint8_t *px = read_png(path, &w, &h);
    CHECK(px != NULL && w == 1 && h == 1 && px[0] == 7);
    free(px);
    CHECK_EQ_INT(entries(), 1);
    remove(path);
    free(noise);
    zs_ctx_free(ctx);
}

int main(void) {
    check_tmpdir("test_image");
    RUN(png_should_read_back_with_its_pixels_replicated);
    RUN(pbm_should_pack_dark_pixels_as_black_bits);
    RUN(failures_should_name_the_path_and_keep_the_previous_file);
    RUN(a_failed_write_should_leave_the_previous_image);
    check_tmpdir_remove();
    return check_summary("test_image");
}
