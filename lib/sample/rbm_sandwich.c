/* rbm_sandwich.c — the two sides of an RBM's ln Z (zsum/rbm.h): parallel tempering for samples
 * of the model, forward AIS from a base, reverse AIS from the samples back to the base.
 *
 * Reverse AIS (Grosse, Ghahramani & Adams 2015, "Sandwiching the marginal likelihood using
 * bidirectional Monte Carlo", sec. 4; Burda, Grosse & Salakhutdinov 2015, RAISE) runs the
 * forward chain's schedule backwards, beta from 1 to 0, from a sample v_K of the model: the
 * weight ln p*_{k-1}(v) - ln p*_k(v) accumulates at each step and a Gibbs sweep at beta_{k-1}
 * follows, so E w = Z_A / Z when v_K ~ p exactly. Exact samples are not available; parallel
 * tempering (Swendsen & Wang 1986; Geyer 1991) gives approximate ones that cross between the
 * modes of a trained model through the hot end of a ladder of the same interpolating family
 * p*_beta(v) = exp((1-beta) b^A.v + beta a.v) prod_j (1 + exp(beta (b_j + (v^T W)_j))).
 *
 * PT runs twice. The first ladder runs on the path from the model-bias base (b^A = a: W and
 * hbias scaled by beta), whose hot end is the model's own independent-pixel part; its cold
 * replicas' visible frequencies, smoothed with pseudocount 1 (as the data base rate of
 * Salakhutdinov & Murray 2008, sec. 4.2), define a base with the model's marginals. The second
 * ladder runs on the path from that base and gives the samples and the final frequencies, the
 * data-free base of both AIS directions. */
#include "sample/rbm_ais_internal.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

void zs_rbm_sandwich_defaults(zs_rbm_sandwich_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    zs_rbm_ais_defaults(&o->ais);
    o->reverse = ZS_RBM_REVERSE_AUTO;
    o->pt_temperatures = 50;
    o->pt_sweeps = 1000;
    o->pt_ladders = 10;
}

/* One replica: its visible state (the indices of the ones), x = b + v^T W (double), and the
 * visible sums a.v (b^A = a on the PT path, so the interpolation keeps a.v whole). */
typedef struct replica {
    uint32_t *von;
    size_t nvon;
    double *x, bav, dav; /* b^A.v and (a - b^A).v */
} replica;

typedef struct pt_shared {
    const zs_rbm *rbm;
    const float *wf, *wt;
    const double *ba, *betas; /* the path's base biases b^A; the ladder */
    size_t L;
    uint64_t sweeps, seed, stream0; /* ladder l draws from zs_rng(seed, stream0 + l) */
    size_t P;                 /* ladders                                                       */
    size_t *done;             /* ladders finished (atomic)                                     */
    int *stop;                /* the progress hook asked to stop (atomic)                      */
} pt_shared;

/* Multiply-adds between two calls of the progress hook inside a ladder (a few ms), so that
 * a deadline stops ladders of seconds each. */
#define PT_POLL_WORK 1.6e7
/* One unit's exponential, draw and bookkeeping, in multiply-adds (a rough ratio of costs). */
#define PT_UNIT_WORK 64.0

/* The progress hook, from any thread (one at a time); nonzero: stop. */
static int pt_progress(const pt_shared *sh) {
    if (__atomic_load_n(sh->stop, __ATOMIC_RELAXED)) return 1;
    int s;
#pragma omp critical(zs_pt_progress)
    s = zs_progress(sh->rbm->ctx, "PT", (double)__atomic_load_n(sh->done, __ATOMIC_RELAXED), (double)sh->P);
    if (s) __atomic_store_n(sh->stop, 1, __ATOMIC_RELAXED);
    return s;
}

/* ln p*_beta(v) = b^A.v + beta (a - b^A).v + sum_j softplus(beta x_j) (SM08 eq. 13). */
static double pt_logf(const zs_rbm *rbm, const replica *r, double beta, double *t) {
    return r->bav + beta * r->dav + rbm_softplus_sum_beta(r->x, rbm->nh, beta, t);
}

static void pt_refresh(const pt_shared *sh, replica *r, float *xf) {
    const zs_rbm *rbm = sh->rbm;
    rbm_rows_sum(xf, sh->wf, rbm->nh, r->von, r->nvon, rbm->nh);
    r->bav = r->dav = 0.0;
    for (size_t q = 0; q < r->nvon; q++) {
        r->bav += sh->ba[r->von[q]];
        r->dav += rbm->a[r->von[q]] - sh->ba[r->von[q]];
    }
    for (size_t j = 0; j < rbm->nh; j++) r->x[j] = rbm->b[j] + (double)xf[j];
}

/* A kept sweep: the cold replica's ones added to freq and, when hsum is given, its hidden
 * units' conditional means sigmoid(x_j) = p(h_j = 1 | v) added to hsum (the Rao-Blackwellized
 * frequencies of the hidden layer); its state copied to the rows of out (nout x nv) at equally
 * spaced sweeps: row `next` at sweep burn + (next + 1) kept / nout - 1. Returns the next row. */
static size_t pt_keep(const zs_rbm *rbm, const replica *cold, uint64_t s_kept, uint64_t kept, uint8_t *out,
                      size_t nout, size_t next, uint64_t *freq, double *hsum) {
    for (size_t q = 0; q < cold->nvon; q++) freq[cold->von[q]]++;
    for (size_t j = 0; hsum && j < rbm->nh; j++) {
        const double t = exp(-fabs(cold->x[j]));
        hsum[j] += cold->x[j] >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t);
    }
    while (next < nout && s_kept + 1 >= (next + 1) * kept / nout) {
        uint8_t *row = out + next * rbm->nv;
        memset(row, 0, rbm->nv);
        for (size_t q = 0; q < cold->nvon; q++) row[cold->von[q]] = 1;
        next++;
    }
    return next;
}

/* Ladder l: every replica starts from v ~ sigmoid(a) (the hot end exactly), then `sweeps`
 * rounds of a Gibbs sweep per temperature and one set of swaps. After the first half, every
 * sweep is kept (pt_keep: freq, hsum when not NULL, the rows of out). acc[k] counts accepted
 * swaps of pair (k, k+1). Returns 0 when out of memory. */
static int pt_ladder(const pt_shared *sh, size_t l, uint8_t *out, size_t nout, uint64_t *freq, double *hsum,
                     double *acc, double *tries) {
    const zs_rbm *rbm = sh->rbm;
    const size_t nv = rbm->nv, nh = rbm->nh, L = sh->L;
    replica *rep = zs_calloc(L, sizeof *rep);
    uint32_t *von = zs_malloc(L * nv * sizeof *von), *hon = zs_malloc(nh * sizeof *hon);
    double *x = zs_malloc(L * nh * sizeof *x), *t = zs_malloc(nh * sizeof *t);
    double *y = zs_malloc(nv * sizeof *y), *ty = zs_malloc(nv * sizeof *ty);
    float *xf = zs_malloc((nh + nv) * sizeof *xf);
    int ok = rep && von && hon && x && t && y && ty && xf;
    if (ok) {
        urand u;
        zs_rng_init(&u.rng, sh->seed, sh->stream0 + l);
        u.left = 0;
        for (size_t r = 0; r < L; r++) {
            rep[r].von = von + r * nv;
            rep[r].x = x + r * nh;
            for (size_t i = 0; i < nv; i++)
                if (bern(&u, sh->ba[i], exp(-fabs(sh->ba[i])))) rep[r].von[rep[r].nvon++] = (uint32_t)i;
            pt_refresh(sh, &rep[r], xf);
        }
        const uint64_t burn = sh->sweeps / 2, kept = sh->sweeps - burn;
        size_t next = 0;
        /* a sweep: L replicas' two sparse products, at most nv nh multiply-adds each, and each
         * unit's exponential and draw, PT_UNIT_WORK multiply-adds (a model of a few units must
         * still ask every few ms) */
        const double per_sweep = (double)L * ((double)nv * (double)nh + PT_UNIT_WORK * (double)(nv + nh));
        /* the first sweep asks first: a ladder started after a stop (on another thread) does
         * no sweep, so the work done after a deadline does not grow with the threads */
        double since = PT_POLL_WORK;
        for (uint64_t s = 0; s < sh->sweeps; s++) {
            since += per_sweep;
            if (since >= PT_POLL_WORK) {
                since = 0.0;
                if (pt_progress(sh)) break; /* pt_run reports the stop; out is not used */
            }
            /* replica r sits at temperature r; swaps exchange states (pointers) */
            for (size_t r = 1; r < L; r++) { /* beta_0 = 0: independent pixels, redrawn below */
                const double beta = sh->betas[r];
                replica *p = &rep[r];
                rbm_softplus_sum_beta(p->x, nh, beta, t); /* t_j = exp(-|beta x_j|) */
                size_t nhon = 0;
                for (size_t j = 0; j < nh; j++)
                    if (bern(&u, beta * p->x[j], t[j])) hon[nhon++] = (uint32_t)j;
                rbm_rows_sum(xf + nh, sh->wt, nv, hon, nhon, nv);
                for (size_t i = 0; i < nv; i++) {
                    y[i] = (1.0 - beta) * sh->ba[i] + beta * (rbm->a[i] + (double)xf[nh + i]);
                    ty[i] = -fabs(y[i]);
                }
                zs_vexp(ty, ty, nv);
                p->nvon = 0;
                for (size_t i = 0; i < nv; i++)
                    if (bern(&u, y[i], ty[i])) p->von[p->nvon++] = (uint32_t)i;
                pt_refresh(sh, p, xf);
            }
            { /* at beta = 0 the pixels are independent: an exact draw */
                replica *p = &rep[0];
                p->nvon = 0;
                for (size_t i = 0; i < nv; i++)
                    if (bern(&u, sh->ba[i], exp(-fabs(sh->ba[i])))) p->von[p->nvon++] = (uint32_t)i;
                pt_refresh(sh, p, xf);
            }
            for (size_t k = s & 1; k + 1 < L; k += 2) {
                const double b0 = sh->betas[k], b1 = sh->betas[k + 1];
                double d = pt_logf(rbm, &rep[k + 1], b0, t) + pt_logf(rbm, &rep[k], b1, t)
                         - pt_logf(rbm, &rep[k], b0, t) - pt_logf(rbm, &rep[k + 1], b1, t);
                tries[k] += 1.0;
                if (d >= 0 || u32(&u) < exp(d)) {
                    replica tmp = rep[k];
                    rep[k] = rep[k + 1];
                    rep[k + 1] = tmp;
                    acc[k] += 1.0;
                }
            }
            if (s >= burn) next = pt_keep(rbm, &rep[L - 1], s - burn, kept, out, nout, next, freq, hsum);
        }
    }
    free(rep);
    free(von);
    free(hon);
    free(x);
    free(t);
    free(y);
    free(ty);
    free(xf);
    return ok;
}

/* M start rows (run c from ladder c mod P), the cold replicas' smoothed frequencies, when hrate
 * is not NULL their hidden units' smoothed conditional means (nh), and the lowest swap
 * acceptance. */
static zs_status pt_run(const zs_rbm *rbm, const zs_rbm_sandwich_opts *o, const double *ba, uint64_t stream0, size_t M,
                        uint8_t *starts, double *rate, double *hrate, double *swap_min) {
    zs_ctx *ctx = rbm->ctx;
    const size_t nv = rbm->nv, nh = rbm->nh, L = o->pt_temperatures, P = o->pt_ladders;
    float *wf = zs_malloc(nv * nh * sizeof *wf), *wt = zs_malloc(nv * nh * sizeof *wt);
    double *betas = zs_malloc(L * sizeof *betas);
    uint8_t *rows = zs_malloc(M * nv);
    uint64_t *freq = zs_calloc(P * nv, sizeof *freq);
    double *acc = zs_calloc(2 * P * L, sizeof *acc);
    int *okv = zs_calloc(P, sizeof *okv);
    double *hsum = hrate ? zs_calloc(P * nh, sizeof *hsum) : NULL;
    zs_status st = ZS_OK;
    if (!wf || !wt || !betas || !rows || !freq || !acc || !okv || (hrate && !hsum)) {
        st = zs_fail(ctx, ZS_ENOMEM, "PT: out of memory");
        goto done;
    }
    rbm_float_weights(rbm, wf, wt);
    for (size_t k = 0; k < L; k++) betas[k] = k + 1 == L ? 1.0 : (double)k / (double)(L - 1);
    size_t done_count = 0;
    int stop = 0;
    const pt_shared sh = {rbm, wf, wt, ba, betas, L, o->pt_sweeps, o->ais.seed, stream0, P, &done_count, &stop};
    /* Ladder l fills the rows of runs l, l + P, ...: first into its own block of rows. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads_for(ctx, P))
    for (size_t l = 0; l < P; l++) {
        if (__atomic_load_n(&stop, __ATOMIC_RELAXED)) continue;
        size_t first = 0;
        for (size_t q = 0; q < l; q++) first += M / P + (q < M % P);
        size_t nout = M / P + (l < M % P);
        okv[l] = pt_ladder(&sh, l, rows + first * nv, nout, freq + l * nv, hsum ? hsum + l * nh : NULL,
                           acc + 2 * l * L, acc + (2 * l + 1) * L);
        __atomic_add_fetch(&done_count, 1, __ATOMIC_RELAXED);
        pt_progress(&sh);
    }
    if (stop) {
        st = zs_fail(ctx, ZS_ECANCELLED, "PT: cancelled");
        goto done;
    }
    for (size_t l = 0; l < P; l++)
        if (!okv[l]) {
            st = zs_fail(ctx, ZS_ENOMEM, "PT: out of memory");
            goto done;
        }
    /* run c = l + P q takes row q of ladder l */
    for (size_t l = 0, first = 0; l < P; l++) {
        size_t nout = M / P + (l < M % P);
        for (size_t q = 0; q < nout; q++) memcpy(starts + (l + P * q) * nv, rows + (first + q) * nv, nv);
        first += nout;
    }
    const uint64_t burn = o->pt_sweeps / 2; /* the discarded first half, as in pt_ladder */
    const double kept = (double)P * (double)(o->pt_sweeps - burn);
    for (size_t i = 0; i < nv; i++) {
        uint64_t n1 = 0;
        for (size_t l = 0; l < P; l++) n1 += freq[l * nv + i];
        rate[i] = ((double)n1 + 1.0) / (kept + 2.0);
    }
    for (size_t j = 0; hrate && j < nh; j++) { /* the same smoothing, ladders summed in order */
        double m = 0.0;
        for (size_t l = 0; l < P; l++) m += hsum[l * nh + j];
        hrate[j] = (m + 1.0) / (kept + 2.0);
    }
    *swap_min = HUGE_VAL;
    for (size_t k = 0; k + 1 < L; k++) {
        double a = 0.0, n = 0.0;
        for (size_t l = 0; l < P; l++) {
            a += acc[2 * l * L + k];
            n += acc[(2 * l + 1) * L + k];
        }
        if (n > 0 && a / n < *swap_min) *swap_min = a / n;
    }
    if (!isfinite(*swap_min)) *swap_min = (double)NAN;
done:
    free(wf);
    free(wt);
    free(betas);
    free(rows);
    free(freq);
    free(acc);
    free(okv);
    free(hsum);
    return st;
}

/* The sandwich's options checked. rev: the reverse start, AUTO resolved; base_pt: the forward
 * base is PT's frequencies (AUTO with neither data nor a rate given); need_pt: PT runs. */
static zs_status sandwich_check(const zs_rbm *rbm, const zs_rbm_sandwich_opts *opts,
                                zs_rbm_reverse_start *rev, int *base_pt, int *need_pt) {
    zs_ctx *ctx = rbm->ctx;
    const size_t nv = rbm->nv, M = opts->ais.chains;
    if ((unsigned)opts->reverse > (unsigned)ZS_RBM_REVERSE_AUTO)
        return zs_fail(ctx, ZS_EINVAL, "sandwich: unknown reverse start %d", (int)opts->reverse);
    *rev = opts->reverse;
    if (*rev == ZS_RBM_REVERSE_AUTO) *rev = opts->start_rows ? ZS_RBM_REVERSE_DATA : ZS_RBM_REVERSE_PT;
    if (*rev == ZS_RBM_REVERSE_DATA) {
        if (!opts->start_rows || opts->n_start == 0)
            return zs_fail(ctx, ZS_EINVAL, "sandwich: reverse runs from data need rows (start_rows)");
        for (size_t r = 0; r < opts->n_start; r++)
            for (size_t i = 0; i < nv; i++)
                if (opts->start_rows[r * nv + i] > 1)
                    return zs_fail(ctx, ZS_EINVAL, "sandwich: start row %zu, column %zu is %d, not 0 or 1",
                                   r, i, opts->start_rows[r * nv + i]);
    }
    const zs_rbm_ais_opts *fo = &opts->ais;
    *base_pt = fo->base == ZS_RBM_AIS_BASE_AUTO && !fo->data && !fo->rate;
    *need_pt = *rev == ZS_RBM_REVERSE_PT || *base_pt;
    if (*need_pt) {
        if (opts->pt_temperatures < 2)
            return zs_fail(ctx, ZS_EINVAL, "sandwich: %zu PT temperatures; at least 2 are needed "
                           "(pt_temperatures)", opts->pt_temperatures);
        if (opts->pt_sweeps < 2)
            return zs_fail(ctx, ZS_EINVAL, "sandwich: %llu PT sweeps; at least 2 are needed (pt_sweeps)",
                           (unsigned long long)opts->pt_sweeps);
        if (opts->pt_ladders == 0 || opts->pt_ladders > ((size_t)1 << 20))
            return zs_fail(ctx, ZS_EINVAL, "sandwich: %zu PT ladders is out of range 1..1048576 "
                           "(pt_ladders)", opts->pt_ladders);
    }
    if (M < 2) return zs_fail(ctx, ZS_EINVAL, "AIS: %zu chains; at least 2 are needed for an error bar", M);
    return zs_rbm_check(rbm);
}

/* Stage 1: PT on the path from the model-bias base gives visible frequencies; stage 2: PT on
 * the path from those frequencies gives the samples (starts, M rows) and the base (rate). On a
 * trained model the first path has a sharp transition that the ladder does not cross in
 * practice (mnistvh: the cold samples' mean ln p* sits 16 nats below that of exact samples,
 * and plain Gibbs keeps them there), while the second, from a base with the model's
 * marginals, does not (within 1 nat). */
zs_status rbm_pt_samples(const zs_rbm *rbm, const zs_rbm_sandwich_opts *opts, size_t M,
                        uint8_t *starts, double *rate, double *hrate, double *swap_min) {
    const size_t nv = rbm->nv;
    double *b1 = zs_malloc(nv * sizeof *b1);
    if (!b1) return zs_fail(rbm->ctx, ZS_ENOMEM, "sandwich: out of memory");
    double swap1 = 0.0;
    zs_status st = pt_run(rbm, opts, rbm->a, (uint64_t)1 << 40, M, starts, rate, NULL, &swap1);
    for (size_t i = 0; st == ZS_OK && i < nv; i++) b1[i] = log(rate[i]) - log1p(-rate[i]);
    if (st == ZS_OK) st = pt_run(rbm, opts, b1, ((uint64_t)1 << 40) + ((uint64_t)1 << 20), M, starts, rate, hrate, swap_min);
    free(b1);
    return st;
}

/* The upper side: reverse AIS from the M rows of starts on the forward run's base and
 * schedule, reversed, into out->upper and out->upper_band. */
static zs_status reverse_side(const zs_rbm *rbm, const zs_rbm_ais_opts *fo, const uint8_t *starts,
                              size_t M, zs_rbm_sandwich_result *out) {
    zs_ctx *ctx = rbm->ctx;
    zs_rbm_ais_base base;
    const double *betas;
    size_t nb;
    double *own = NULL, *ba = NULL, *rb = NULL, *lw = NULL;
    zs_status st = rbm_ais_prepare(rbm, fo, &base, &own, &betas, &nb, &ba);
    if (st == ZS_OK && (!(rb = zs_malloc(nb * sizeof *rb)) || !(lw = zs_malloc(M * sizeof *lw))))
        st = zs_fail(ctx, ZS_ENOMEM, "sandwich: out of memory");
    if (st == ZS_OK) {
        for (size_t k = 0; k < nb; k++) rb[k] = betas[nb - 1 - k];
        st = rbm_ais_weights(rbm, ba, rb, nb, starts, M, fo->seed, (uint64_t)1 << 32, "reverse AIS", lw);
    }
    if (st == ZS_OK) st = zs_ais_summarize(ctx, lw, M, rbm_ais_lnz_base(rbm, ba), 1, &out->upper, &out->upper_band);
    free(rb);
    free(lw);
    free(own);
    free(ba);
    return st;
}

zs_status zs_rbm_lnz_sandwich(const zs_rbm *rbm, const zs_rbm_sandwich_opts *opts,
                              zs_rbm_sandwich_result *out) {
    if (!rbm || !opts || !out) return ZS_EINVAL;
    memset(out, 0, sizeof *out);
    out->pt_swap_min = (double)NAN;
    zs_rbm_reverse_start rev = ZS_RBM_REVERSE_AUTO;
    int base_pt = 0, need_pt = 0;
    zs_status st = sandwich_check(rbm, opts, &rev, &base_pt, &need_pt);
    if (st != ZS_OK) return st;
    zs_ctx *ctx = rbm->ctx;
    const size_t nv = rbm->nv, M = opts->ais.chains;
    zs_rbm_ais_opts fo = opts->ais;
    uint8_t *starts = zs_malloc(M * nv);
    double *rate = zs_malloc(nv * sizeof *rate);
    if (!starts || !rate) {
        st = zs_fail(ctx, ZS_ENOMEM, "sandwich: out of memory");
        goto done;
    }
    double t0 = zs_monotonic_seconds();
    if (need_pt) {
        st = rbm_pt_samples(rbm, opts, M, starts, rate, NULL, &out->pt_swap_min);
        if (st != ZS_OK) goto done;
        if (base_pt) {
            fo.base = ZS_RBM_AIS_BASE_RATE;
            fo.rate = rate;
            out->base_from_pt = 1;
        }
    }
    if (rev == ZS_RBM_REVERSE_DATA) {
        for (size_t c = 0; c < M; c++) memcpy(starts + c * nv, opts->start_rows + (c % opts->n_start) * nv, nv);
    }
    double t1 = zs_monotonic_seconds();
    out->pt_seconds = t1 - t0;
    st = zs_rbm_lnz_ais(rbm, &fo, &out->forward);
    /* Units of the forward side left to other processes: this one runs its share of the
     * reverse side too, then returns the forward side's ZS_ECANCELLED (include/zsum/units.h). */
    char elsewhere[512] = "";
    if (units_left_elsewhere(ctx, st) && rev != ZS_RBM_REVERSE_NONE) {
        snprintf(elsewhere, sizeof elsewhere, "%s", zs_last_error(ctx));
        st = ZS_OK;
    }
    if (st != ZS_OK) goto done;
    double t2 = zs_monotonic_seconds();
    out->forward_seconds = t2 - t1;
    out->reverse = rev;
    if (rev == ZS_RBM_REVERSE_NONE) {
        out->upper.value = out->upper.std_error = out->upper.ess = (double)NAN;
        out->upper_band.lo = out->upper_band.hi = out->upper_band.confidence = (double)NAN;
        out->sandwich.gap = (double)NAN;
        out->sandwich.bracket = out->forward.band;
        out->sandwich.agree = 1;
        goto done;
    }
    st = reverse_side(rbm, &fo, starts, M, out);
    if (st == ZS_OK && elsewhere[0]) st = zs_fail(ctx, ZS_ECANCELLED, "%s", elsewhere);
    if (st != ZS_OK) goto done;
    out->reverse_seconds = zs_monotonic_seconds() - t2;
    zs_sandwich_judge(&out->forward.lnz, &out->forward.band, &out->upper, &out->upper_band, &out->sandwich);
done:
    free(starts);
    free(rate);
    return st;
}
