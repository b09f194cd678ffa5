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
    r->lnz = res.forward.lnz.value;
    r->lo = res.forward.band.lo;
    r->hi = res.forward.band.hi;
    r->ess = res.forward.lnz.ess;
    r->chains = res.forward.chains;
    r->temps = res.forward.temperatures;
    r->reverse = res.reverse != ZS_RBM_REVERSE_NONE;
    r->rlnz = res.upper.value;
    r->rlo = res.upper_band.lo;
    r->rhi = res.upper_band.hi;
    r->ress = res.upper.ess;
    r->swap_min = res.pt_swap_min;
    r->agree = res.sandwich.agree;
    r->blo = res.sandwich.bracket.lo;
    r->bhi = res.sandwich.bracket.hi;
    return EXIT_OK;
}

/* AIS weights dominated by a few chains: Z^ is then typically far too low and its +-3 sigma
 * band far too narrow (mnistvh with the uniform base: ESS 1.8 of 100, ln Z^ = 198.9 with the
 * band's top at 200.0, exact 215.14). Below this ESS the result carries a warning. */
static int ais_unreliable(const lnz_result *r) {
    double floor = (double)r->chains / 10.0;
    return r->ais && r->ess < (floor > 10.0 ? floor : 10.0);
}

/* The forward (lower) and reverse (upper) sides' bands do not overlap: at least one run has
 * not converged, and neither figure can be trusted (Grosse et al. 2015, sec. 4). */
static int sides_disagree(const lnz_result *r) { return r->ais && r->reverse && !r->agree; }

static const char *AIS_WARNING =
    "the effective sample size is low: a few chains carry the estimate, which then tends to be "
    "too low with a band that is too narrow; use the data's base rate (--base data:FILE), more "
    "--chains or a longer --schedule";

static const char *DISAGREE_WARNING =
    "ln Z is unreliable; use a longer --schedule, more --chains or --pt-sweeps, or the training "
    "data's base rate (--base data:FILE)";

/* The result, described once (result.h) and written in the chosen format. */
static void print_result(const opts *o, const zs_rbm *rbm, const lnz_result *r, int loglik,
                         double ll, double ll_lo, double ll_hi, size_t n) {
    char eb[32];
    if (ais_unreliable(r))
        fprintf(stderr, "zsum: warning: ESS %s of %zu chains: %s\n", cli_num(eb, r->ess), r->chains,
                AIS_WARNING);
    char gap[160] = "";
    if (sides_disagree(r)) {
        char g1[32], g2[32];
        snprintf(gap, sizeof gap, "the forward (lower) estimate %s and the reverse (upper) estimate %s "
                 "disagree by more than their bands", cli_num(g1, r->lnz), cli_num(g2, r->rlnz));
        fprintf(stderr, "zsum: warning: %s: %s\n", gap, DISAGREE_WARNING);
    }
    result res;
    result_init(&res);
    result_u64(&res, "nv", zs_rbm_nv(rbm));
    result_u64(&res, "nh", zs_rbm_nh(rbm));
    result_str(&res, "method", r->ais ? "ais" : "exact");
    result_num(&res, "lnZ", r->lnz);
    if (r->ais) {
        result_num(&res, "lnZ_lo", r->lo);
        result_num(&res, "lnZ_hi", r->hi);
        result_num(&res, "ess", r->ess);
        result_u64(&res, "chains", r->chains);
        result_u64(&res, "temperatures", r->temps);
        result_u64(&res, "seed", o->seed);
        result_str(&res, "base", o->base);
        if (!isfinite(r->lo))
            result_line(&res, "# Z^ - 3 sigma <= 0: the band has no lower end (lnZ_lo = -inf); use more "
                              "chains or temperatures");
        result_str(&res, "reverse", r->reverse ? o->reverse : "none");
        if (r->reverse) {
            result_num(&res, "lnZ_reverse", r->rlnz);
            result_num(&res, "lnZ_reverse_lo", r->rlo)->label = "lnZ_rev_lo";
            result_num(&res, "lnZ_reverse_hi", r->rhi)->label = "lnZ_rev_hi";
            result_num(&res, "reverse_ess", r->ress);
            result_num(&res, "sandwich_lo", r->blo);
            result_num(&res, "sandwich_hi", r->bhi);
            result_bool(&res, "sides_agree", r->agree);
        }
        if (isfinite(r->swap_min)) {
            result_u64(&res, "pt_temperatures", o->pt_temperatures)->label = "pt_temps";
            result_u64(&res, "pt_sweeps", o->pt_sweeps);
            result_num(&res, "pt_swap_min", r->swap_min);
        }
        if (ais_unreliable(r)) result_str(&res, "warning", AIS_WARNING)->flags = RF_NOTE;
        if (sides_disagree(r))
            result_str(&res, "sides_warning", result_fmt(&res, "%s: %s", gap, DISAGREE_WARNING))->flags = RF_NOTE;
    }
    if (loglik) {
        result_num(&res, "loglik", ll);
        result_num(&res, "loglik_lo", ll_lo);
        result_num(&res, "loglik_hi", ll_hi);
        if (r->ais && r->reverse) {
            /* ln p(v) = -F(v) - ln Z: the joined bands of ln Z map to a joined band here, the
             * reverse side giving the lower end (RAISE's conservative estimate) */
            const double mf = -ll - r->lnz;
            result_num(&res, "loglik_sandwich_lo", -mf - r->bhi)->label = "loglik_sw_lo";
            result_num(&res, "loglik_sandwich_hi", -mf - r->blo)->label = "loglik_sw_hi";
        }
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

