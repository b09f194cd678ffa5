/* rbm_sample.c — zsum rbm sample, filters and transform: Gibbs samples and filters as image grids,
 * hidden features of a data set (docs/rbm.md). */
#include "rbm_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- images ------------------------------------------------------------------------------ */

/* Tiles (count x h*w values in [0,1]) as a grey grid, one pixel of border, written by the
 * library's image writer (atomic), each pixel a scale x scale block (--scale, default
 * cli_image_scale). */
static int write_grid(zs_ctx *ctx, const opts *o, const double *tiles, size_t count, size_t h,
                      size_t w) {
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

static int tile_shape(const opts *o, size_t nv, size_t *h, size_t *w) {
    if (o->have_shape) {
        if (o->shape[0] * o->shape[1] != nv)
            return cli_usage("--shape %llux%llu has %llu pixels but the model has %zu visible units",
                             (unsigned long long)o->shape[0], (unsigned long long)o->shape[1],
                             (unsigned long long)(o->shape[0] * o->shape[1]), nv);
        *h = (size_t)o->shape[0];
        *w = (size_t)o->shape[1];
        return EXIT_OK;
    }
    size_t s = (size_t)llround(sqrt((double)nv));
    if (s * s != nv)
        return cli_usage("%zu visible units are not a square image; give --shape HxW", nv);
    *h = *w = s;
    return EXIT_OK;
}

int rbm_images(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    int rc = rbm_setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = rbm_load_model(ctx, o->model, &rbm);
    size_t h = 0, w = 0;
    if (rc == EXIT_OK) rc = tile_shape(o, zs_rbm_nv(rbm), &h, &w);
    if (rc != EXIT_OK) return rbm_finish(ctx, rbm, NULL, rc);
    size_t nv = zs_rbm_nv(rbm), nh = zs_rbm_nh(rbm);
    const double *W = zs_rbm_w(rbm);
    size_t count = o->sub == SAMPLE ? (size_t)o->n : nh;
    double *tiles = malloc(count * nv * sizeof *tiles);
    if (!tiles) return rbm_finish(ctx, rbm, NULL, cli_fail(EXIT_NOMEM, "out of memory"));
    if (o->sub == FILTERS) {
        for (size_t j = 0; j < nh; j++) {
            double lo = HUGE_VAL, hi = -HUGE_VAL;
            for (size_t i = 0; i < nv; i++) {
                double x = W[i * nh + j];
                lo = x < lo ? x : lo;
                hi = x > hi ? x : hi;
            }
            for (size_t i = 0; i < nv; i++)
                tiles[j * nv + i] = hi > lo ? (W[i * nh + j] - lo) / (hi - lo) : 0.5;
        }
    } else {
        data_rows init = {0};
        if (o->init && !strncmp(o->init, "data:", 5)) {
            rc = rbm_load_data(ctx, o, o->init + 5, nv, &init);
            if (rc != EXIT_OK) {
                free(tiles);
                return rbm_finish(ctx, rbm, NULL, rc);
            }
        }
        double secs = zs_rbm_sample_seconds(rbm, count, o->steps);
        if (!(secs <= o->max_seconds)) {
            char when[64];
            cli_format_seconds(secs, when, sizeof when);
            free(init.x);
            free(tiles);
            return rbm_finish(ctx, rbm, NULL,
                              cli_fail(EXIT_USAGE,
                                       "sample: %zu chains x %llu Gibbs sweeps of this %zux%zu RBM "
                                       "would take about %s, over --max-seconds %g; use fewer "
                                       "--chains or --steps, or raise --max-seconds", count,
                                       (unsigned long long)o->steps, nv, zs_rbm_nh(rbm), when,
                                       o->max_seconds));
        }
        zs_status st = init.x ? zs_rbm_sample_from(rbm, count, o->steps, o->seed, init.x, init.n, tiles)
                              : zs_rbm_sample(rbm, count, o->steps, o->seed, tiles);
        free(init.x);
        if (st != ZS_OK) {
            free(tiles);
            return rbm_finish(ctx, rbm, NULL, cli_status(ctx, st));
        }
    }
    rc = write_grid(ctx, o, tiles, count, h, w);
    free(tiles);
    if (rc == EXIT_OK && !o->quiet && o->sub == SAMPLE)
        fprintf(cli_out(), "%zu samples after %llu Gibbs sweeps (seed %llu) written to %s\n", count,
                (unsigned long long)o->steps, (unsigned long long)o->seed, o->out);
    else if (rc == EXIT_OK && !o->quiet && o->sub == FILTERS)
        fprintf(cli_out(), "%zu filters of %zux%zu written to %s\n", nh, h, w, o->out);
    return rbm_finish(ctx, rbm, NULL, rc);
}

/* ---- transform --------------------------------------------------------------------------- */

int rbm_transform(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    data_rows data = {0};
    zs_array *h = NULL;
    int rc = rbm_setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = rbm_load_model(ctx, o->model, &rbm);
    if (rc == EXIT_OK) rc = rbm_load_data(ctx, o, o->data, zs_rbm_nv(rbm), &data);
    if (rc == EXIT_OK) {
        uint64_t shape[2] = {data.n, zs_rbm_nh(rbm)};
        zs_status st = zs_array_alloc(ctx, ZS_DTYPE_F8, 2, shape, &h);
        if (st == ZS_OK) st = zs_rbm_hidden_probs(rbm, data.x, data.n, zs_array_data(h));
        if (st == ZS_OK) st = zs_npy_write(ctx, o->out, h);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    if (rc == EXIT_OK && !o->quiet)
        fprintf(cli_out(), "p(h = 1 | v) of %zu rows x %zu hidden units written to %s\n", data.n,
                zs_rbm_nh(rbm), o->out);
    zs_array_free(h);
    free(data.x);
    return rbm_finish(ctx, rbm, NULL, rc);
}

