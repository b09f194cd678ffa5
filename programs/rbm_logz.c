/* rbm_logz.c — zsum rbm logz and loglik: ln Z (exact or AIS) and the mean log-likelihood of a data
 * set (docs/rbm.md). */
#include "rbm_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The AIS base when --base is not given: the training data's frequencies stored in the model
 * (`stored`, when the model has them), else for loglik the base rate of the rows being scored,
 * else the frequencies of parallel-tempering samples of the model (`pt`: data-free; mnistvh from
 * the uniform base: 198.4 with ESS 3; from `pt`: within 0.03 of the exact 215.138). */
static const char *default_base(const opts *o, int have_stored, char *buf, size_t len) {
    if (have_stored) return "stored";
    if (o->sub == LOGLIK && strlen(o->data) + 6 <= len) {
        snprintf(buf, len, "data:%s", o->data);
        return buf;
    }
    return "pt";
}

int rbm_compute_logz(zs_ctx *ctx, const opts *o, const zs_rbm *rbm, const double *stored,
                        lnz_result *r) {
    memset(r, 0, sizeof *r);
    if (!o->ais) {
        zs_status st = zs_rbm_lnz_exact(rbm, o->max_seconds, &r->lnz);
        if (st != ZS_OK) return cli_status(ctx, st);
        r->lo = r->hi = r->lnz;
        return EXIT_OK;
    }
    r->ais = 1;
    zs_rbm_sandwich_opts so;
    zs_rbm_sandwich_defaults(&so);
    zs_rbm_ais_opts *ao = &so.ais;
    ao->chains = (size_t)o->chains;
    ao->seed = o->seed;
    ao->pseudocount = o->pseudocount;
    so.pt_temperatures = (size_t)o->pt_temperatures;
    so.pt_sweeps = o->pt_sweeps;
    double *betas = NULL;
    size_t nb = 0;
    int rc = cli_schedule(ctx, o->schedule, &betas, &nb);
    if (rc != EXIT_OK) return rc;
    ao->betas = betas;
    ao->nbetas = nb;
    data_rows base_data = {0}, rev_data = {0};
    if (!strcmp(o->base, "uniform")) ao->base = ZS_RBM_AIS_BASE_UNIFORM;
    else if (!strcmp(o->base, "model")) ao->base = ZS_RBM_AIS_BASE_MODEL;
    else if (!strcmp(o->base, "pt")) ao->base = ZS_RBM_AIS_BASE_AUTO; /* no data, no rate: PT's */
    else if (!strcmp(o->base, "stored")) {
        if (!stored) {
            free(betas);
            return cli_usage("--base stored: %s has no train_data_frequency (it was not written by zsum "
                             "rbm train); use --base data:FILE with the training data", o->model);
        }
        ao->base = ZS_RBM_AIS_BASE_RATE;
        ao->rate = stored;
    } else if (!strncmp(o->base, "data:", 5) && o->base[5]) {
        ao->base = ZS_RBM_AIS_BASE_DATA;
        rc = rbm_load_data(ctx, o, o->base + 5, zs_rbm_nv(rbm), &base_data);
        if (rc != EXIT_OK) {
            free(betas);
            return rc;
        }
        ao->data = base_data.x;
        ao->n_data = base_data.n;
    } else {
        free(betas);
        return cli_usage("--base: '%s' is not stored, pt, uniform, model or data:FILE", o->base);
    }
    if (!strcmp(o->reverse, "none")) so.reverse = ZS_RBM_REVERSE_NONE;
    else if (!strcmp(o->reverse, "pt")) so.reverse = ZS_RBM_REVERSE_PT;
    else {
        so.reverse = ZS_RBM_REVERSE_DATA;
        rc = rbm_load_data(ctx, o, o->reverse + 5, zs_rbm_nv(rbm), &rev_data);
        if (rc != EXIT_OK) {
            free(betas);
            free(base_data.x);
            return rc;
        }
        so.start_rows = rev_data.x;
        so.n_start = rev_data.n;
    }
    zs_rbm_sandwich_result res;
    zs_status st = zs_rbm_lnz_sandwich(rbm, &so, &res);
    free(betas);
    free(base_data.x);
    free(rev_data.x);
    if (st != ZS_OK) return cli_status(ctx, st);
    lnz_result_set(r, &res.forward.lnz, &res.forward.band, res.forward.chains, res.forward.temperatures,
                   res.reverse != ZS_RBM_REVERSE_NONE, &res.upper, &res.upper_band, &res.sandwich, res.pt_swap_min);
    return EXIT_OK;
}

static const char *DISAGREE_WARNING =
    "ln Z is unreliable; use a longer --schedule, more --chains or --pt-sweeps, or the training "
    "data's base rate (--base data:FILE)";

/* The result, described once (result.h) and written in the chosen format. */
static void print_result(const opts *o, const zs_rbm *rbm, const lnz_result *r, int loglik,
                         double ll, double ll_lo, double ll_hi, size_t n) {
    result res;
    result_init(&res);
    result_u64(&res, "nv", zs_rbm_nv(rbm));
    result_u64(&res, "nh", zs_rbm_nh(rbm));
    const lnz_report how = {o->seed, o->base, o->reverse, o->pt_temperatures, o->pt_sweeps, DISAGREE_WARNING};
    result_lnz(&res, r, &how);
    if (loglik) {
        result_num(&res, "loglik", ll);
        result_num(&res, "loglik_lo", ll_lo);
        result_num(&res, "loglik_hi", ll_hi);
        result_loglik_sandwich(&res, r, ll + r->lnz); /* mean ln p*(v) = mean ln p(v) + ln Z */
        result_u64(&res, "n", n);
    }
    result_write(cli_out(), o->format, &res, 14);
    result_free(&res);
}

/* ---- logz / loglik ----------------------------------------------------------------------- */

int rbm_logz(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    data_rows data = {0};
    int rc = rbm_setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = rbm_load_model(ctx, o->model, &rbm);
    if (rc == EXIT_OK && o->sub == LOGLIK) rc = rbm_load_data(ctx, o, o->data, zs_rbm_nv(rbm), &data);
    lnz_result r;
    int have_r = 0;
    if (rc == EXIT_OK && !o->exact && !o->ais) {
        /* Neither --exact nor --ais: exact when it is affordable (its estimated time within
         * --max-seconds; the estimate refuses before any work), else AIS. */
        memset(&r, 0, sizeof r);
        zs_status st = zs_rbm_lnz_exact(rbm, o->max_seconds, &r.lnz);
        if (st == ZS_ETOOBIG) o->ais = 1;
        else if (st != ZS_OK) rc = cli_status(ctx, st);
        else r.lo = r.hi = r.lnz, have_r = 1;
    }
    /* The stored frequencies, read with the model: the default base and --base stored. */
    const double *stored = zs_rbm_stored_frequency(rbm);
    char base[4096];
    if (rc == EXIT_OK && o->ais && !o->have_base) o->base = default_base(o, stored != NULL, base, sizeof base);
    if (rc == EXIT_OK && !have_r) rc = rbm_compute_logz(ctx, o, rbm, stored, &r);
    if (rc == EXIT_OK) {
        progress_finish();
        if (o->sub == LOGLIK) {
            double ll, mf;
            zs_status st = zs_rbm_loglik(rbm, data.x, data.n, r.lnz, &ll, &mf);
            if (st != ZS_OK) rc = cli_status(ctx, st);
            /* ln p(v) = -F(v) - ln Z: the band of ln Z maps to the band of the mean. */
            else print_result(o, rbm, &r, 1, ll, -mf - r.hi, -mf - r.lo, data.n);
        } else {
            print_result(o, rbm, &r, 0, 0, 0, 0, 0);
        }
    }
    free(data.x);
    return rbm_finish(ctx, rbm, NULL, rc);
}

