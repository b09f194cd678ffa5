/* cli_files.c — what the commands share about files and tables: output paths checked before
 * any work, the padded table and the image scale. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder part of path ("." when there is none), in buf; NULL when it does not fit. */
static const char *folder_of(const char *path, char *buf, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    if (len >= size) return NULL;
    memcpy(buf, path, len);
    buf[len] = '\0';
    return buf;
}

int cli_check_output(const char *option, const char *path) {
    if (!path || !*path) return cli_usage("%s: the file name is empty", option);
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return cli_usage("%s: cannot write '%s': %s", option, path, strerror(EISDIR));
        if (access(path, W_OK) != 0)
            return cli_usage("%s: cannot write '%s': %s", option, path, strerror(errno));
        if (!S_ISREG(st.st_mode)) return EXIT_OK; /* a device or FIFO is written in place */
        /* A regular file is replaced through a temporary file in its folder (lib/io/atomic.c),
         * so the folder must be writable too. */
        char fb[4096];
        const char *fdir = folder_of(path, fb, sizeof fb);
        if (!fdir) return cli_usage("%s: cannot write '%s': %s", option, path, strerror(ENAMETOOLONG));
        if (access(fdir, W_OK | X_OK) != 0)
            return cli_usage("%s: cannot write '%s': %s (its folder)", option, path, strerror(errno));
        return EXIT_OK;
    }
    if (errno != ENOENT) return cli_usage("%s: cannot write '%s': %s", option, path, strerror(errno));
    if (path[strlen(path) - 1] == '/')
        return cli_usage("%s: cannot write '%s': %s", option, path, strerror(EISDIR));
    char buf[4096];
    const char *dir = folder_of(path, buf, sizeof buf);
    if (!dir) return cli_usage("%s: cannot write '%s': %s", option, path, strerror(ENAMETOOLONG));
    if (stat(dir, &st) != 0)
        return cli_usage("%s: cannot write '%s': %s", option, path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return cli_usage("%s: cannot write '%s': %s", option, path, strerror(ENOTDIR));
    if (access(dir, W_OK | X_OK) != 0)
        return cli_usage("%s: cannot write '%s': %s", option, path, strerror(errno));
    return EXIT_OK;
}

/* ---- tables ------------------------------------------------------------------------------ */

void cli_table_init(cli_table *t, size_t cols) {
    memset(t, 0, sizeof *t);
    t->cols = cols;
}

int cli_table_add(cli_table *t, const char *cell) {
    if (t->failed) return 0;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **grown = realloc(t->cells, cap * sizeof *grown);
        if (!grown) return !(t->failed = 1);
        t->cells = grown;
        t->cap = cap;
    }
    if (!(t->cells[t->n] = strdup(cell))) return !(t->failed = 1);
    t->n++;
    return 1;
}

int cli_table_write(const cli_table *t, FILE *f) {
    if (t->failed) return cli_fail(EXIT_NOMEM, "out of memory");
    size_t *width = calloc(t->cols ? t->cols : 1, sizeof *width);
    if (!width) return cli_fail(EXIT_NOMEM, "out of memory");
    for (size_t i = 0; i < t->n; i++) {
        size_t len = strlen(t->cells[i]);
        if (len > width[i % t->cols]) width[i % t->cols] = len;
    }
    for (size_t i = 0; i < t->n; i++) {
        size_t c = i % t->cols;
        int last = c + 1 == t->cols || i + 1 == t->n;
        fputs(t->cells[i], f);
        if (last) fputc('\n', f);
        else fprintf(f, "%*s", (int)(width[c] - strlen(t->cells[i]) + 2), "");
    }
    free(width);
    return EXIT_OK;
}

void cli_table_free(cli_table *t) {
    for (size_t i = 0; i < t->n; i++) free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

size_t cli_image_scale(const char *path, size_t asked, size_t width, size_t height) {
    if (asked) return asked;
    const char *dot = strrchr(path, '.');
    if (dot && !strcmp(dot, ".pbm")) return 1;
    size_t side = width > height ? width : height;
    if (!side || side >= CLI_IMAGE_MIN_SIDE) return 1;
    return (CLI_IMAGE_MIN_SIDE + side - 1) / side;
}

int cli_tile_shape(int have_shape, const uint64_t shape[2], size_t nv, size_t *h, size_t *w) {
    if (have_shape) {
        /* the product in floating point: two uint64 sizes may overflow uint64 */
        double pixels = (double)shape[0] * (double)shape[1];
        if (pixels != (double)nv)
            return cli_usage("--shape %llux%llu has %.17g pixels but the model has %zu visible units",
                             (unsigned long long)shape[0], (unsigned long long)shape[1], pixels, nv);
        *h = (size_t)shape[0];
        *w = (size_t)shape[1];
        return EXIT_OK;
    }
    size_t s = (size_t)llround(sqrt((double)nv));
    if (s * s != nv) return cli_usage("%zu visible units are not a square image; give --shape HxW", nv);
    *h = *w = s;
    return EXIT_OK;
}

int cli_write_tile_grid(zs_ctx *ctx, const char *path, size_t scale, const double *tiles,
                        size_t count, size_t h, size_t w) {
    size_t cols = (size_t)ceil(sqrt((double)count)), rows = (count + cols - 1) / cols;
    size_t W = cols * (w + 1) + 1, H = rows * (h + 1) + 1;
    if (W > 100000 || H > 100000) return cli_usage("image of %zux%zu pixels is too large", W, H);
    unsigned char *img = calloc(W * H, 1);
    if (!img) return cli_fail(EXIT_NOMEM, "out of memory");
    for (size_t t = 0; t < count; t++) {
        size_t r0 = (t / cols) * (h + 1) + 1, c0 = (t % cols) * (w + 1) + 1;
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++) {
                double v = tiles[t * h * w + y * w + x];
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                img[(r0 + y) * W + c0 + x] = (unsigned char)lround(255.0 * v);
            }
    }
    zs_status st = zs_image_write_grey(ctx, path, img, W, H, cli_image_scale(path, scale, W, H));
    free(img);
    return st == ZS_OK ? EXIT_OK : cli_status(ctx, st);
}

int cli_load_grey(zs_ctx *ctx, const char *path, uint8_t **x, size_t *n, size_t *width, int *binary) {
    zs_array *a = NULL;
    zs_status st = zs_data_load(ctx, path, &a);
    char msg[2048];
    if (st == ZS_EINVAL) return cli_usage("%s: %s", path, cli_library_message(ctx, msg, sizeof msg));
    if (st != ZS_OK) return cli_status(ctx, st);
    const double *v = zs_array_cdata(a);
    const size_t rows = (size_t)zs_array_dim(a, 0), d = (size_t)zs_array_dim(a, 1), k = rows * d;
    double mx = 0.0;
    int bin = 1;
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(v[i]) || v[i] < 0) {
            const double bad = v[i]; /* read before the array is freed */
            zs_array_free(a);
            return cli_usage("%s: row %zu, column %zu = %g; grey levels must be finite and >= 0", path, i / d,
                             i % d, bad);
        }
        mx = v[i] > mx ? v[i] : mx;
        bin &= v[i] == 0.0 || v[i] == 1.0;
    }
    if (mx == 0.0) {
        zs_array_free(a);
        return cli_usage("%s: every value is 0; no grey levels to sample", path);
    }
    *x = malloc(k > 0 ? k : 1);
    if (!*x) {
        zs_array_free(a);
        return cli_fail(EXIT_RUNTIME, "%s: out of memory for %zu bytes", path, k);
    }
    for (size_t i = 0; i < k; i++) (*x)[i] = (uint8_t)lround(255.0 * v[i] / mx);
    zs_array_free(a);
    *n = rows;
    if (width) *width = d;
    *binary = bin;
    return EXIT_OK;
}

int cli_load_rows(zs_ctx *ctx, const char *path, const char *binarize, uint64_t seed, size_t nv,
                  uint8_t **x, size_t *n, size_t *width) {
    zs_binarize rule = ZS_BINARIZE_NONE;
    double t = (double)NAN;
    if (binarize) {
        zs_binarize named;
        if (zs_binarize_from_name(binarize, &named) == ZS_OK &&
            (named == ZS_BINARIZE_STOCHASTIC || named == ZS_BINARIZE_THRESHOLD))
            rule = named;
        else if (!strncmp(binarize, "threshold:", 10)) {
            rule = ZS_BINARIZE_THRESHOLD;
            if (!cli_parse_double("--binarize threshold", binarize + 10, &t)) return EXIT_USAGE;
        } else {
            return cli_usage("--binarize: '%s' is not threshold, threshold:T or stochastic", binarize);
        }
    }
    size_t d = 0;
    zs_status st = zs_data_load_binary(ctx, path, rule, t, seed, x, n, &d);
    if (st == ZS_EINVAL) {
        char msg[2048];
        return cli_usage("%s: %s", path, cli_library_message(ctx, msg, sizeof msg));
    }
    if (st != ZS_OK) return cli_status(ctx, st);
    if (width) *width = d;
    if (nv && d != nv) {
        free(*x);
        *x = NULL;
        return cli_usage("%s: shape mismatch: the data has shape (%zu, %zu) (%zu values a row) but "
                         "the model has %zu visible units", path, *n, d, d, nv);
    }
    return EXIT_OK;
}
