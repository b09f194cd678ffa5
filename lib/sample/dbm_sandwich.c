/* dbm_sandwich.c — the two sides of a DBM's ln Z: forward AIS (a stochastic lower bound) and
 * reverse AIS from samples of the model (a stochastic upper bound); Grosse, Ghahramani & Adams
 * 2015 ("Sandwiching the marginal likelihood using bidirectional Monte Carlo", sec. 4) and Burda,
 * Grosse & Salakhutdinov 2015 (RAISE).
 *
 * The DBM's AIS (Salakhutdinov & Hinton 2009, sec. 4) anneals over the even layers with the
 * odd ones summed out: it is AIS on the RBM between the two sets (lib/sample/dbm_ais.c). Its
 * reverse is therefore the RBM's reverse AIS on that RBM (lib/sample/rbm_sandwich.c), started
 * from samples of the even layers: the RBM's parallel tempering on the same RBM samples them
 * (the odd layers summed out, as in the forward chain), or, from data, v is a data row and h^2,
 * h^4, ... are drawn from p(h | v) by block-Gibbs sweeps with v clamped: (v, h) is then a
 * sample of the model exactly when v is, as RAISE starts from (v, h ~ p(h | v)). */
#include "sample/dbm_sample_internal.h"

#include <string.h>

void zs_dbm_sandwich_defaults(zs_dbm_sandwich_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    zs_dbm_ais_defaults(&o->ais);
    zs_rbm_sandwich_opts r;
    zs_rbm_sandwich_defaults(&r);
    o->reverse = ZS_RBM_REVERSE_AUTO;
    o->start_sweeps = 100;
    o->pt_temperatures = r.pt_temperatures;
    o->pt_sweeps = r.pt_sweeps;
    o->pt_ladders = r.pt_ladders;
}

/* M rows of the even set (ne units: v, h^2, ... in order) from the v rows: run c from row
 * c mod n with its hidden layers after `sweeps` clamped sweeps. */
static zs_status even_starts(const zs_dbm *d, const zs_dbm_sandwich_opts *o, size_t M, size_t ne, uint8_t **out) {
    size_t off[ZS_DBM_MAX_LAYERS + 2], eoff[ZS_DBM_MAX_LAYERS + 1], no, ne2;
    const size_t units = dbm_units(d, NULL, off);
    dbm_set_offsets(d, eoff, &ne2, &no);
    uint8_t *all = zs_malloc(M * units), *rows = zs_malloc(M * ne);
    zs_status st = all && rows ? ZS_OK : zs_fail(d->ctx, ZS_ENOMEM, "sandwich: out of memory for %zu start rows", M);
    if (st == ZS_OK)
        st = dbm_gibbs_chains(d, M, o->start_sweeps, o->ais.seed, (uint64_t)1 << 44, o->start_rows, o->n_start, 1,
                              all, NULL);
    for (size_t c = 0; st == ZS_OK && c < M; c++)
        for (size_t l = 0; l <= d->L; l += 2) memcpy(rows + c * ne + eoff[l], all + c * units + off[l], d->n[l]);
    free(all);
    if (st != ZS_OK) {
        free(rows);
        rows = NULL;
    }
    *out = rows;
    return st;
}

zs_status zs_dbm_lnz_sandwich(const zs_dbm *d, const zs_dbm_sandwich_opts *opts, zs_dbm_sandwich_result *out) {
    if (!d || !opts || !out) return ZS_EINVAL;
    memset(out, 0, sizeof *out);
    if ((unsigned)opts->reverse > (unsigned)ZS_RBM_REVERSE_AUTO)
        return zs_fail(d->ctx, ZS_EINVAL, "sandwich: unknown reverse start %d", (int)opts->reverse);
    zs_rbm_reverse_start rev = opts->reverse;
    if (rev == ZS_RBM_REVERSE_AUTO) rev = opts->start_rows ? ZS_RBM_REVERSE_DATA : ZS_RBM_REVERSE_PT;
    if (rev == ZS_RBM_REVERSE_DATA && (!opts->start_rows || opts->n_start == 0))
        return zs_fail(d->ctx, ZS_EINVAL, "sandwich: reverse runs from data need rows (start_rows)");
    zs_status st = rev == ZS_RBM_REVERSE_DATA ? dbm_check_rows(d->ctx, opts->start_rows, opts->n_start, d->n[0]) : ZS_OK;
    if (st != ZS_OK) return st;
    if (rev == ZS_RBM_REVERSE_DATA && d->L > 1 && opts->start_sweeps == 0)
        return zs_fail(d->ctx, ZS_EINVAL, "sandwich: 0 start sweeps; at least 1 is needed to draw h2 "
                       "given v (start_sweeps)");
    zs_dbm_ais_base base = ZS_DBM_AIS_BASE_AUTO;
    zs_rbm_sandwich_opts so;
    zs_rbm_sandwich_defaults(&so);
    double *rate = NULL;
    uint8_t *starts = NULL;
    zs_rbm *r = NULL;
    st = dbm_ais_rbm_opts(d, &opts->ais, &base, &so.ais, &rate);
    if (st == ZS_OK) st = zs_dbm_to_rbm(d, &r);
    so.reverse = rev;
    so.pt_temperatures = opts->pt_temperatures;
    so.pt_sweeps = opts->pt_sweeps;
    so.pt_ladders = opts->pt_ladders;
    if (st == ZS_OK && rev == ZS_RBM_REVERSE_DATA) {
        if (d->L == 1) { /* the even set is v itself */
            so.start_rows = opts->start_rows;
            so.n_start = opts->n_start;
        } else if (opts->ais.chains < 2) { /* the sandwich's own message */
            so.start_rows = opts->start_rows;
            so.n_start = opts->n_start;
        } else {
            st = even_starts(d, opts, opts->ais.chains, zs_rbm_nv(r), &starts);
            so.start_rows = starts;
            so.n_start = opts->ais.chains;
        }
    }
    zs_rbm_sandwich_result res;
    if (st == ZS_OK) st = zs_rbm_lnz_sandwich(r, &so, &res);
    if (st == ZS_OK) {
        out->forward.lnz = res.forward.lnz;
        out->forward.band = res.forward.band;
        out->forward.lnz_base = res.forward.lnz_base;
        out->forward.chains = res.forward.chains;
        out->forward.temperatures = res.forward.temperatures;
        out->forward.base = base;
        out->reverse = res.reverse;
        out->upper = res.upper;
        out->upper_band = res.upper_band;
        out->sandwich = res.sandwich;
        out->pt_swap_min = res.pt_swap_min;
        out->pt_seconds = res.pt_seconds;
        out->forward_seconds = res.forward_seconds;
        out->reverse_seconds = res.reverse_seconds;
    }
    free(starts);
    free(rate);
    zs_rbm_free(r);
    return st;
}
