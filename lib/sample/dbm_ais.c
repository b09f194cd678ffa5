/* dbm_ais.c — ln Z of a deep Boltzmann machine by annealed importance sampling
 * (Salakhutdinov & Hinton 2009, "Deep Boltzmann machines", section 4).
 *
 * The paper anneals over the states of v and h^2 with h^1 summed out analytically, from a base
 * model with all couplings zero. That is exactly AIS on the RBM between the even layers
 * (v, h^2, h^4, ...; the annealed "visible" layer) and the odd ones (h^1, h^3, ...; summed
 * out), zs_dbm_to_rbm: its intermediate distributions
 *   p*_k(x_even) = exp((1 - beta_k) b^A.x_even + beta_k b_even.x_even)
 *                  prod_{j odd} (1 + exp(beta_k (b_j + field_j(x_even))))
 * are the paper's (its eq. 15 with the odd layers summed out), and its Gibbs transition
 * (odd | even, then even | odd) is the paper's. So the sampler is zs_rbm_lnz_ais, which also
 * makes an L = 1 DBM give the RBM's numbers bit for bit. The data base sets the biases of v
 * from the data's frequencies and leaves those of h^2, h^4, ... at 0 (frequency 1/2); the PT
 * base sets every even unit's from the model's frequencies, which tempering estimates
 * (dbm_sandwich.c), so the forward run with that base is the sandwich's without a reverse side. */
#include "sample/dbm_sample_internal.h"

#include <string.h>

void zs_dbm_ais_defaults(zs_dbm_ais_opts *o) {
    memset(o, 0, sizeof *o);
    o->chains = 100;
    o->base = ZS_DBM_AIS_BASE_AUTO;
    o->pseudocount = 1.0;
    o->seed = 1;
}

zs_status dbm_ais_rbm_opts(const zs_dbm *d, const zs_dbm_ais_opts *opts, zs_dbm_ais_base *base_out,
                           zs_rbm_ais_opts *o, double **rate_out) {
    *rate_out = NULL;
    if ((unsigned)opts->base > (unsigned)ZS_DBM_AIS_BASE_PT)
        return zs_fail(d->ctx, ZS_EINVAL, "AIS: unknown base %d", (int)opts->base);
    zs_dbm_ais_base base = opts->base;
    if (base == ZS_DBM_AIS_BASE_AUTO) base = opts->data ? ZS_DBM_AIS_BASE_DATA : ZS_DBM_AIS_BASE_UNIFORM;
    if (base == ZS_DBM_AIS_BASE_DATA && (!opts->data || opts->n_data == 0))
        return zs_fail(d->ctx, ZS_EINVAL, "AIS: the data base rate needs data (got none)");
    zs_status st = opts->data ? dbm_check_rows(d->ctx, opts->data, opts->n_data, d->n[0]) : ZS_OK;
    if (st != ZS_OK) return st;
    st = zs_dbm_check(d);
    if (st != ZS_OK) return st;
    size_t ne, no;
    dbm_set_offsets(d, NULL, &ne, &no);
    zs_rbm_ais_defaults(o);
    o->chains = opts->chains;
    o->betas = opts->betas;
    o->nbetas = opts->nbetas;
    o->seed = opts->seed;
    o->pseudocount = opts->pseudocount;
    if (base == ZS_DBM_AIS_BASE_UNIFORM) o->base = ZS_RBM_AIS_BASE_UNIFORM;
    else if (base == ZS_DBM_AIS_BASE_MODEL) o->base = ZS_RBM_AIS_BASE_MODEL;
    else if (base == ZS_DBM_AIS_BASE_PT && d->L == 1) o->base = ZS_RBM_AIS_BASE_AUTO; /* the RBM's PT base */
    else if (base == ZS_DBM_AIS_BASE_PT) { /* the even set's frequencies: the caller's PT fills them */
        double *rate = zs_malloc(ne * sizeof *rate);
        if (!rate) return zs_fail(d->ctx, ZS_ENOMEM, "AIS: out of memory");
        o->base = ZS_RBM_AIS_BASE_RATE;
        o->rate = rate;
        *rate_out = rate;
    } else if (d->L == 1) { /* the even set is v: the RBM's own data base */
        o->base = ZS_RBM_AIS_BASE_DATA;
        o->data = opts->data;
        o->n_data = opts->n_data;
    } else {
        double *rate = zs_malloc(ne * sizeof *rate);
        if (!rate) return zs_fail(d->ctx, ZS_ENOMEM, "AIS: out of memory");
        double c = opts->pseudocount > 0 ? opts->pseudocount : 1.0;
        st = zs_data_base_rate(opts->data, opts->n_data, d->n[0], c, rate);
        for (size_t i = d->n[0]; i < ne; i++) rate[i] = 0.5;
        o->base = ZS_RBM_AIS_BASE_RATE;
        o->rate = rate;
        *rate_out = rate;
    }
    *base_out = base;
    return st;
}

zs_status zs_dbm_lnz_ais(const zs_dbm *d, const zs_dbm_ais_opts *opts, zs_dbm_ais_result *out) {
    if (!d || !opts || !out) return ZS_EINVAL;
    if (opts->base == ZS_DBM_AIS_BASE_PT) { /* the base needs tempering: the sandwich's forward side */
        zs_dbm_sandwich_opts so;
        zs_dbm_sandwich_defaults(&so);
        so.ais = *opts;
        so.reverse = ZS_RBM_REVERSE_NONE;
        zs_dbm_sandwich_result res;
        zs_status st = zs_dbm_lnz_sandwich(d, &so, &res);
        if (st == ZS_OK) *out = res.forward;
        return st;
    }
    zs_dbm_ais_base base = ZS_DBM_AIS_BASE_AUTO;
    zs_rbm_ais_opts o;
    double *rate = NULL;
    zs_rbm *r = NULL;
    zs_status st = dbm_ais_rbm_opts(d, opts, &base, &o, &rate);
    if (st == ZS_OK) st = zs_dbm_to_rbm(d, &r);
    zs_rbm_ais_result res;
    if (st == ZS_OK) st = zs_rbm_lnz_ais(r, &o, &res);
    if (st == ZS_OK) {
        out->lnz = res.lnz;
        out->band = res.band;
        out->lnz_base = res.lnz_base;
        out->chains = res.chains;
        out->temperatures = res.temperatures;
        out->base = base;
    }
    free(rate);
    zs_rbm_free(r);
    return st;
}
