/* dbm_sandwich.c — the two sides of a DBM's ln Z: forward AIS (a stochastic lower bound) and
 * reverse AIS from samples of the model (a stochastic upper bound); Grosse, Ghahramani & Adams
 * 2015 ("Sandwiching the marginal likelihood using bidirectional Monte Carlo", sec. 4) and Burda,
 * Grosse & Salakhutdinov 2015 (RAISE).
 *
 * The DBM's AIS (Salakhutdinov & Hinton 2009, sec. 4) anneals over the even layers with the
 * odd ones summed out: it is AIS on the RBM between the two sets (lib/sample/dbm_ais.c). Its
 * reverse is therefore the RBM's reverse AIS on that RBM (lib/sample/rbm_sandwich.c), started
 * from samples of the even layers: parallel tempering over the odd layers with the even ones
 * summed out, the even layers then drawn given the odd (odd_pt_starts; for L = 1 the RBM's own
 * PT over v, for the RBM's numbers), or, from data, v is a data row and h^2,
 * h^4, ... are drawn from p(h | v) by block-Gibbs sweeps with v clamped: (v, h) is then a
 * sample of the model exactly when v is, as RAISE starts from (v, h ~ p(h | v)). */
#include "sample/dbm_sample_internal.h"
#include "sample/rbm_ais_internal.h"

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
    o->pt_sweeps = 0; /* sized from the forward run: zs_dbm_sandwich_pt_sweeps */
    o->pt_ladders = r.pt_ladders;
}

/* PT's sweeps when not given: its replica-sweeps over both stages, 2 P L S, a quarter of the
 * forward run's chain-sweeps M K, so S = M K / (8 P L), within [100, 1000]. A PT sweep costs
 * about what an AIS step of one chain costs (784-500-1000, one thread: 1.04x over the odd set,
 * docs/dbm.md), so PT adds about a quarter to the forward run, and the reverse side (the same
 * schedule again) one more: the sandwich costs about 2.25x the forward run alone, where PT's
 * fixed 1,000 sweeps made it 2.7x with the sm08 schedule. The floor keeps short schedules'
 * ladders long enough to mix on small models; the ceiling is zs_rbm_sandwich_defaults'.
 * With the PT base the ceiling itself, as zsum rbm lnz runs it: the
 * base, and so the forward side, is then only as good as the ladder's frequencies, which the
 * sized count does not make good enough on a trained model (mnistvh as an L = 1 DBM, sm08,
 * seed 1: 362 sweeps give the forward side 215.07 with ESS 74 and a reverse side of 204.9 with
 * ESS 5; 1,000 give 215.141 and 215.151, ESS 99; exact 215.138). */
uint64_t zs_dbm_sandwich_pt_sweeps(const zs_dbm_sandwich_opts *o) {
    if (!o) return 0;
    if (o->pt_sweeps) return o->pt_sweeps;
    if (o->ais.base == ZS_DBM_AIS_BASE_PT) {
        zs_rbm_sandwich_opts r;
        zs_rbm_sandwich_defaults(&r);
        return r.pt_sweeps;
    }
    const double K = o->ais.betas && o->ais.nbetas > 1 ? (double)(o->ais.nbetas - 1) : 14500.0;
    const double P = o->pt_ladders ? (double)o->pt_ladders : 1.0, L = o->pt_temperatures ? (double)o->pt_temperatures : 1.0;
    double s = floor((double)o->ais.chains * K / (8.0 * P * L));
    return s < 100 ? 100 : s > 1000 ? 1000 : (uint64_t)s;
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

/* PT's start samples of the even set from tempering over the odd set (L > 1). The ladder
 * runs on the even/odd RBM transposed: its states are those of h^1, h^3, ... with v, h^2, ...
 * summed out analytically, p*_beta(x_odd) = exp(beta b_odd.x_odd) prod_{i even} (1 +
 * exp(beta (b_i + field_i(x_odd)))), and its two stages are the RBM's (rbm_pt_samples). Given
 * an odd state the even units are independent, so run c's even state is drawn exactly from
 * p(x_even | x_odd) (zs_rng(seed, 2^45 + c)): (x_even, x_odd) is then a sample of the model as
 * far as x_odd is one of its odd marginal, and x_even is what reverse AIS starts from. The odd
 * set is the smaller one in the DBMs of the papers (784-500-1000: 500 units against 1,784).
 * starts (M x ne) may be NULL when only the base is wanted; even_rate (ne, may be NULL): the
 * even units' frequencies for the PT base, the mean of p(x_i = 1 | x_odd) over the second
 * stage's kept sweeps (rbm_pt_samples' hidden means of the transposed RBM) — over P S / 2
 * states, where the starts are M of them. */
static zs_status odd_pt_starts(const zs_rbm *r, const zs_dbm_sandwich_opts *o, size_t M, uint8_t *starts,
                               double *even_rate, double *swap_min) {
    const size_t ne = r->nv, no = r->nh;
    zs_rbm *t = NULL;
    zs_status st = zs_rbm_alloc(r->ctx, no, ne, &t);
    uint8_t *odd = zs_malloc(M * no);
    double *rate = zs_malloc(no * sizeof *rate);
    if (st == ZS_OK && (!odd || !rate)) st = zs_fail(r->ctx, ZS_ENOMEM, "sandwich: out of memory for PT");
    if (st == ZS_OK) {
        memcpy(t->a, r->b, no * sizeof *t->a);
        memcpy(t->b, r->a, ne * sizeof *t->b);
        for (size_t i = 0; i < ne; i++)
            for (size_t j = 0; j < no; j++) t->w[j * ne + i] = r->w[i * no + j];
        zs_rbm_sandwich_opts so;
        zs_rbm_sandwich_defaults(&so);
        so.ais.seed = o->ais.seed;
        so.pt_temperatures = o->pt_temperatures;
        so.pt_sweeps = zs_dbm_sandwich_pt_sweeps(o);
        so.pt_ladders = o->pt_ladders;
        st = rbm_pt_samples(t, &so, M, odd, rate, even_rate, swap_min);
    }
    for (size_t c = 0; st == ZS_OK && starts && c < M; c++) {
        urand u;
        zs_rng_init(&u.rng, o->ais.seed, ((uint64_t)1 << 45) + c);
        u.left = 0;
        const uint8_t *x = odd + c * no;
        for (size_t i = 0; i < ne; i++) {
            const double *wi = r->w + i * no;
            double y = r->a[i];
            for (size_t j = 0; j < no; j++)
                if (x[j]) y += wi[j];
            starts[c * ne + i] = (uint8_t)bern(&u, y, exp(-fabs(y)));
        }
    }
    zs_rbm_free(t);
    free(odd);
    free(rate);
    return st;
}

/* PT's options, checked here when the odd-set ladder runs (the RBM's sandwich checks its own). */
static zs_status pt_check(zs_ctx *ctx, const zs_dbm_sandwich_opts *o) {
    if (o->pt_temperatures < 2)
        return zs_fail(ctx, ZS_EINVAL, "sandwich: %zu PT temperatures; at least 2 are needed (pt_temperatures)",
                       o->pt_temperatures);
    if (zs_dbm_sandwich_pt_sweeps(o) < 2)
        return zs_fail(ctx, ZS_EINVAL, "sandwich: %llu PT sweeps; at least 2 are needed (pt_sweeps)",
                       (unsigned long long)o->pt_sweeps);
    if (o->pt_ladders == 0 || o->pt_ladders > ((size_t)1 << 20))
        return zs_fail(ctx, ZS_EINVAL, "sandwich: %zu PT ladders is out of range 1..1048576 (pt_ladders)",
                       o->pt_ladders);
    if (o->ais.chains < 2)
        return zs_fail(ctx, ZS_EINVAL, "AIS: %zu chains; at least 2 are needed for an error bar", o->ais.chains);
    /* a bad schedule is refused before PT's work, not after it */
    return o->ais.betas ? zs_rbm_schedule_check(ctx, o->ais.betas, o->ais.nbetas) : ZS_OK;
}

/* The forward base and the reverse starts of a DBM with L > 1 (so's ais and start rows set
 * here; *starts and *rate are freed by the caller): rows of v with their h^2, ... drawn
 * (DATA), and when the base or the reverse start is PT the odd-set tempering, which gives the
 * PT base's even frequencies into rate and a PT reverse side's starts. */
static zs_status deep_starts(const zs_dbm *d, const zs_rbm *r, const zs_dbm_sandwich_opts *opts, zs_dbm_ais_base base,
                             zs_rbm_reverse_start rev, double *rate, zs_rbm_sandwich_opts *so, uint8_t **starts,
                             double *swap) {
    const size_t M = opts->ais.chains, ne = zs_rbm_nv(r);
    const int pt = rev == ZS_RBM_REVERSE_PT || base == ZS_DBM_AIS_BASE_PT;
    zs_status st = pt ? pt_check(d->ctx, opts) : ZS_OK; /* before any work */
    if (st == ZS_OK && rev == ZS_RBM_REVERSE_DATA) {
        if (M < 2) { /* the sandwich's own message */
            so->start_rows = opts->start_rows;
            so->n_start = opts->n_start;
        } else {
            st = even_starts(d, opts, M, ne, starts);
            so->start_rows = *starts;
            so->n_start = M;
        }
    }
    if (st != ZS_OK || !pt) return st;
    if (rev == ZS_RBM_REVERSE_PT && !(*starts = zs_malloc(M * ne)))
        st = zs_fail(d->ctx, ZS_ENOMEM, "sandwich: out of memory for %zu start rows", M);
    if (st == ZS_OK)
        st = odd_pt_starts(r, opts, M, rev == ZS_RBM_REVERSE_PT ? *starts : NULL,
                           base == ZS_DBM_AIS_BASE_PT ? rate : NULL, swap);
    if (rev == ZS_RBM_REVERSE_PT) { /* the RBM's sandwich then starts from the ladder's samples */
        so->reverse = ZS_RBM_REVERSE_DATA;
        so->start_rows = *starts;
        so->n_start = M;
    }
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
    const double t_pt = zs_monotonic_seconds();
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
    so.pt_sweeps = zs_dbm_sandwich_pt_sweeps(opts);
    so.pt_ladders = opts->pt_ladders;
    if (st == ZS_OK && rev == ZS_RBM_REVERSE_DATA && d->L == 1) { /* the even set is v itself */
        so.start_rows = opts->start_rows;
        so.n_start = opts->n_start;
    }
    double odd_swap = (double)NAN;
    const int odd_pt = d->L > 1 && (rev == ZS_RBM_REVERSE_PT || base == ZS_DBM_AIS_BASE_PT);
    if (st == ZS_OK && d->L > 1) st = deep_starts(d, r, opts, base, rev, rate, &so, &starts, &odd_swap);
    zs_rbm_sandwich_result res;
    double t0 = zs_monotonic_seconds();
    if (st == ZS_OK) st = zs_rbm_lnz_sandwich(r, &so, &res);
    if (st == ZS_OK && odd_pt) {
        res.reverse = rev;
        res.pt_swap_min = odd_swap;
        res.pt_seconds = t0 - t_pt;
    }
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
