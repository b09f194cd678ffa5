/* dbm_lnz.c — zsum dbm lnz and zsum dbm loglik (options parsed by cmd_dbm.c): ln Z exact
 * when affordable, else by AIS; for loglik the mean-field lower bound and the exact mean
 * ln p(v) when affordable. */
#include "dbm_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compute_ais(zs_ctx *ctx, dbm_opts *o, const zs_dbm *dbm, lnz_result *r) {
    zs_dbm_sandwich_opts so;
    zs_dbm_sandwich_defaults(&so);
    so.pt_temperatures = (size_t)o->pt_temperatures;
    so.pt_sweeps = o->pt_sweeps;
    zs_dbm_ais_opts ao = so.ais;
    ao.chains = (size_t)o->chains;
    ao.seed = o->seed;
    ao.pseudocount = o->pseudocount;
    double *betas = NULL;
    size_t nb = 0;
    int rc = cli_schedule(ctx, o->schedule, &betas, &nb);
    if (rc != EXIT_OK) return rc;
    ao.betas = betas;
    ao.nbetas = nb;
    uint8_t *rows = NULL;
    size_t n = 0;
    if (!strcmp(o->base, "pt")) ao.base = ZS_DBM_AIS_BASE_PT;
    else if (!strcmp(o->base, "uniform")) ao.base = ZS_DBM_AIS_BASE_UNIFORM;
    else if (!strcmp(o->base, "model")) ao.base = ZS_DBM_AIS_BASE_MODEL;
    else if (!strncmp(o->base, "data:", 5) && o->base[5]) {
        ao.base = ZS_DBM_AIS_BASE_DATA;
        rc = dbm_load_rows(ctx, o, o->base + 5, zs_dbm_size(dbm, 0), &rows, &n, NULL);
        ao.data = rows;
        ao.n_data = n;
    } else {
        rc = cli_usage("--base: '%s' is not pt, uniform, model or data:FILE", o->base);
    }
    uint8_t *rev = NULL;
    size_t nrev = 0;
    so.reverse = !strcmp(o->reverse, "pt") ? ZS_RBM_REVERSE_PT : ZS_RBM_REVERSE_NONE;
    if (rc == EXIT_OK && !strncmp(o->reverse, "data:", 5)) {
        so.reverse = ZS_RBM_REVERSE_DATA;
        rc = dbm_load_rows(ctx, o, o->reverse + 5, zs_dbm_size(dbm, 0), &rev, &nrev, NULL);
        so.start_rows = rev;
        so.n_start = nrev;
    }
    so.ais = ao;
    o->pt_sweeps = zs_dbm_sandwich_pt_sweeps(&so); /* as given, or sized: the output says which ran */
    zs_dbm_sandwich_result res;
    if (rc == EXIT_OK) {
        zs_status st = zs_dbm_lnz_sandwich(dbm, &so, &res);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    free(betas);
    free(rows);
    free(rev);
    if (rc != EXIT_OK) return rc;
    lnz_result_set(r, &res.forward.lnz, &res.forward.band, res.forward.chains, res.forward.temperatures,
                   res.reverse != ZS_RBM_REVERSE_NONE, &res.upper, &res.upper_band, &res.sandwich, res.pt_swap_min);
    return EXIT_OK;
}

static const char *DISAGREE_WARNING =
    "ln Z is unreliable; use a longer --schedule, more --chains or --pt-sweeps, or the data's base "
    "rate (--base data:FILE)";

/* loglik's figures over the data rows: the mean-field bound (mean of B(v), with its
 * iterations) and, when affordable in --max-seconds, the exact mean unnormalised ln p(v). */
typedef struct ll_out {
    int have_exact;
    double ll, elbo, it_mean;
    uint64_t nconv, it_max;
} ll_out;

static int compute_loglik(zs_ctx *ctx, const dbm_opts *o, const zs_dbm *dbm, const uint8_t *rows, size_t n,
                          ll_out *l) {
    int rc = EXIT_OK;
    double *u = malloc(n * sizeof *u), *bound = malloc(n * sizeof *bound);
    uint32_t *iters = malloc(n * sizeof *iters);
    uint8_t *conv = malloc(n);
    if (!u || !bound || !iters || !conv) rc = cli_fail(EXIT_NOMEM, "out of memory for %zu rows", n);
    if (rc == EXIT_OK) {
        zs_dbm_mf_opts mo;
        zs_dbm_mf_defaults(&mo);
        mo.max_iterations = (size_t)o->mf_iterations;
        mo.tolerance = o->mf_tolerance;
        zs_status st = zs_dbm_mean_field(dbm, &mo, rows, n, bound, iters, conv);
        if (st != ZS_OK) rc = cli_status(ctx, st);
        for (size_t q = 0; rc == EXIT_OK && q < n; q++) {
            l->elbo += bound[q];
            l->it_mean += iters[q];
            if (iters[q] > l->it_max) l->it_max = iters[q];
            l->nconv += conv[q];
        }
        l->elbo /= (double)n;
        l->it_mean /= (double)n;
    }
    if (rc == EXIT_OK) {
        zs_status st = zs_dbm_unnorm_loglik_exact(dbm, rows, n, o->max_seconds, u);
        if (st == ZS_OK) {
            l->have_exact = 1;
            for (size_t q = 0; q < n; q++) l->ll += u[q];
            l->ll /= (double)n;
        } else if (st != ZS_ETOOBIG) {
            rc = cli_status(ctx, st);
        }
    }
    free(u);
    free(bound);
    free(iters);
    free(conv);
    return rc;
}

/* The result: ln Z (with AIS's band and diagnostics) and, for loglik, the data's figures. */
static void print_result(const dbm_opts *o, const zs_dbm *dbm, const lnz_result *r, size_t n, const ll_out *l) {
    result res;
    result_init(&res);
    size_t sizes[ZS_DBM_MAX_LAYERS + 1];
    for (size_t k = 0; k <= zs_dbm_layers(dbm); k++) sizes[k] = zs_dbm_size(dbm, k);
    result_sizes(&res, "layers", sizes, zs_dbm_layers(dbm) + 1);
    const lnz_report how = {o->seed, o->base, o->have_reverse ? o->reverse : NULL, o->pt_temperatures,
                            o->pt_sweeps, DISAGREE_WARNING};
    result_lnz(&res, r, &how);
    if (o->sub == LOGLIK) {
        result_u64(&res, "n", n);
        if (l->have_exact) result_num(&res, "loglik", l->ll - r->lnz)->comment = "mean ln p(v)";
        else result_absent(&res, "loglik")->comment = "exact sum over the hidden layers over --max-seconds";
        if (l->have_exact) result_loglik_sandwich(&res, r, l->ll);
        else if (r->ais && r->reverse) {
            result_absent(&res, "loglik_sandwich_lo")->label = "loglik_sw_lo";
            result_absent(&res, "loglik_sandwich_hi")->label = "loglik_sw_hi";
        }
        result_num(&res, "elbo", l->elbo - r->lnz)->comment = "mean-field bound on mean ln p(v)";
        result_num(&res, "elbo_lo", l->elbo - r->hi);
        result_num(&res, "elbo_hi", l->elbo - r->lo);
        result_u64(&res, "mf_converged", l->nconv)->comment = "rows within --mf-tolerance";
        result_num(&res, "mf_iterations_mean", l->it_mean);
        result_u64(&res, "mf_iterations_max", l->it_max);
        result_u64(&res, "mf_iterations_limit", o->mf_iterations);
    }
    result_write(cli_out(), o->format, &res, 20);
    result_free(&res);
}

int dbm_lnz(const dbm_opts *opts, zs_ctx *ctx) {
    dbm_opts o = *opts;   /* a copy: AIS may be chosen, and the base set to DATA */
    int rc = EXIT_OK, sub = o.sub;
    zs_dbm *dbm = NULL;
    uint8_t *rows = NULL;
    size_t n = 0;
    char basebuf[4096];
    zs_status st = zs_dbm_load(ctx, o.model, &dbm);
    if (st != ZS_OK) rc = cli_status(ctx, st);
    if (rc == EXIT_OK && sub == LOGLIK) rc = dbm_load_rows(ctx, &o, o.data, zs_dbm_size(dbm, 0), &rows, &n, NULL);
    lnz_result r;
    memset(&r, 0, sizeof r);
    if (rc == EXIT_OK && !o.ais) {
        /* exact when affordable (refused before any work), else AIS unless --exact */
        st = zs_dbm_lnz_exact(dbm, o.max_seconds, &r.lnz);
        if (st == ZS_ETOOBIG && !o.exact) o.ais = 1;
        else if (st != ZS_OK) rc = cli_status(ctx, st);
        else r.lo = r.hi = r.lnz;
    }
    if (rc == EXIT_OK && o.ais) {
        if (!o.have_base && sub == LOGLIK && strlen(o.data) + 6 <= sizeof basebuf) {
            snprintf(basebuf, sizeof basebuf, "data:%s", o.data);
            o.base = basebuf;
        }
        /* The PT base's tempering gives the reverse side's starts too: both sides by default,
         * as zsum rbm lnz (docs/dbm.md, "A data-free base"). */
        if (!o.have_reverse && !strcmp(o.base, "pt")) {
            o.reverse = "pt";
            o.have_reverse = 1;
        }
        rc = compute_ais(ctx, &o, dbm, &r);
    }
    ll_out l = {0, 0, 0, 0, 0, 0};
    if (rc == EXIT_OK && sub == LOGLIK) rc = compute_loglik(ctx, &o, dbm, rows, n, &l);
    if (rc == EXIT_OK) {
        progress_finish();
        print_result(&o, dbm, &r, n, &l);
    }
    free(rows);
    zs_dbm_free(dbm);
    return rc;
}
