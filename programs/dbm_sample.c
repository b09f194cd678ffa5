/* dbm_sample.c — zsum dbm sample (options parsed by cmd_dbm.c): block-Gibbs samples of a deep
 * Boltzmann machine (zs_dbm_sample), written as a .npy of the final visible states or as an
 * image of p(v = 1 | h1) (docs/dbm.md). */
#include "dbm_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tiles (count x h*w values in [0,1]) as a grey grid with one pixel of border, as zsum rbm
 * sample draws them. */
static int write_grid(zs_ctx *ctx, const dbm_opts *o, const double *tiles, size_t count, size_t h, size_t w) {
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
    zs_status st = zs_image_write_grey(ctx, o->out, img, W, H, cli_image_scale(o->out, (size_t)o->scale, W, H));
    free(img);
    return st == ZS_OK ? EXIT_OK : cli_status(ctx, st);
}

static int tile_shape(const dbm_opts *o, size_t nv, size_t *h, size_t *w) {
    if (o->have_shape) {
        /* the product in floating point: two uint64 sizes may overflow uint64 */
        double pixels = (double)o->shape[0] * (double)o->shape[1];
        if (pixels != (double)nv)
            return cli_usage("--shape %llux%llu has %.17g pixels but the model has %zu visible units",
                             (unsigned long long)o->shape[0], (unsigned long long)o->shape[1],
                             pixels, nv);
        *h = (size_t)o->shape[0];
        *w = (size_t)o->shape[1];
        return EXIT_OK;
    }
    size_t s = (size_t)llround(sqrt((double)nv));
    if (s * s != nv) return cli_usage("%zu visible units are not a square image; give --shape HxW", nv);
    *h = *w = s;
    return EXIT_OK;
}

int dbm_sample(const dbm_opts *o, zs_ctx *ctx) {
    zs_dbm *dbm = NULL;
    uint8_t *init = NULL, *vis = NULL;
    double *prob = NULL;
    zs_array *arr = NULL;
    size_t n_init = 0, h = 0, w = 0;
    const size_t K = (size_t)o->chains;
    const int png = !strcmp(o->out + strlen(o->out) - 4, ".png");
    int rc = EXIT_OK;
    zs_status st = zs_dbm_load(ctx, o->model, &dbm);
    if (st != ZS_OK) rc = cli_status(ctx, st);
    const size_t n0 = rc == EXIT_OK ? zs_dbm_size(dbm, 0) : 0;
    if (rc == EXIT_OK && png) rc = tile_shape(o, n0, &h, &w);
    if (rc == EXIT_OK && o->init && !strncmp(o->init, "data:", 5))
        rc = dbm_load_rows(ctx, o, o->init + 5, n0, &init, &n_init, NULL);
    if (rc == EXIT_OK) {
        double secs = zs_dbm_sample_seconds(dbm, K, o->steps);
        if (!(secs <= o->max_seconds)) {
            char when[64];
            cli_format_seconds(secs, when, sizeof when);
            rc = cli_usage("sample: %zu chains x %llu Gibbs sweeps of this DBM would take about %s, over "
                           "--max-seconds %g; use fewer --chains or --steps, or raise --max-seconds", K,
                           (unsigned long long)o->steps, when, o->max_seconds);
        }
    }
    if (rc == EXIT_OK) {
        uint64_t shape[2] = {K, n0};
        if (png) prob = malloc(K * n0 * sizeof *prob);
        else if (zs_array_alloc(ctx, ZS_DTYPE_U1, 2, shape, &arr) == ZS_OK) vis = malloc(K * n0);
        if (!prob && !vis) rc = cli_fail(EXIT_NOMEM, "out of memory for %zu samples", K);
    }
    if (rc == EXIT_OK) {
        zs_dbm_sample_opts so;
        zs_dbm_sample_defaults(&so);
        so.chains = K;
        so.steps = o->steps;
        so.seed = o->seed;
        so.init = init;
        so.n_init = n_init;
        st = zs_dbm_sample(dbm, &so, vis, NULL, prob);
        if (st == ZS_OK && !png) { /* the array holds doubles and writes them as uint8 */
            double *a = zs_array_data(arr);
            for (size_t q = 0; q < K * n0; q++) a[q] = vis[q];
            st = zs_npy_write(ctx, o->out, arr);
        }
        if (st != ZS_OK) rc = cli_status(ctx, st);
        else if (png) rc = write_grid(ctx, o, prob, K, h, w);
    }
    progress_finish();
    if (rc == EXIT_OK && !o->quiet)
        fprintf(cli_out(), "%zu samples after %llu Gibbs sweeps (seed %llu) written to %s\n", K,
                (unsigned long long)o->steps, (unsigned long long)o->seed, o->out);
    zs_array_free(arr);
    free(prob);
    free(vis);
    free(init);
    zs_dbm_free(dbm);
    return rc;
}
