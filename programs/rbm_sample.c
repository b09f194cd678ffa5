/* rbm_sample.c — zsum rbm sample, filters and transform: Gibbs samples and filters as image grids,
 * hidden features of a data set (docs/rbm.md). */
#include "rbm_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- images ------------------------------------------------------------------------------ */

int rbm_images(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    int rc = rbm_setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = rbm_load_model(ctx, o->model, &rbm);
    size_t h = 0, w = 0;
    if (rc == EXIT_OK) rc = cli_tile_shape(o->have_shape, o->shape, zs_rbm_nv(rbm), &h, &w);
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
            char when[96];
            cli_format_seconds_on(secs, zs_ctx_threads_for(ctx, count), when, sizeof when);
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
    rc = cli_write_tile_grid(ctx, o->out, (size_t)o->scale, tiles, count, h, w);
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

