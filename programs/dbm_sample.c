/* dbm_sample.c — zsum dbm sample (options parsed by cmd_dbm.c): block-Gibbs samples of a deep
 * Boltzmann machine (zs_dbm_sample), written as a .npy of the final visible states or as an
 * image of p(v = 1 | h1) (docs/dbm.md). */
#include "dbm_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    if (rc == EXIT_OK && png) rc = cli_tile_shape(o->have_shape, o->shape, n0, &h, &w);
    if (rc == EXIT_OK && o->init && !strncmp(o->init, "data:", 5))
        rc = dbm_load_rows(ctx, o, o->init + 5, n0, &init, &n_init, NULL);
    if (rc == EXIT_OK) {
        double secs = zs_dbm_sample_seconds(dbm, K, o->steps);
        if (!(secs <= o->max_seconds)) {
            char when[96];
            cli_format_seconds_on(secs, zs_ctx_threads_for(ctx, K), when, sizeof when);
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
        else if (png) rc = cli_write_tile_grid(ctx, o->out, (size_t)o->scale, prob, K, h, w);
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
