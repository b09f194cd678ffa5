/* approx_mf.c — naive mean field: a lower bound on ln Z.
 *
 * For any product distribution q(x) = prod_v q_v(x_v), Jensen's inequality gives
 *     ln Z >= sum_x q(x) ln P~(x) + H(q) = sum_f E_q[ln phi_f] + sum_v (E_qv[ln u_v] + H(q_v))
 * (the Gibbs/Bogoliubov bound; Koller & Friedman 2009, sec. 11.5). Coordinate ascent sets one
 * q_v at a time to its optimum given the others,
 *     ln q_v(x) = ln u_v(x) + sum_{f ni v} E_{q_-v}[ln phi_f | x_v = x] + const,
 * which never lowers the bound, so the value of every sweep is a lower bound, converged or not.
 * The bound is not concave: a ferromagnet below T_c has two symmetry-broken optima and the
 * symmetric start sits on the saddle between them. So the first run starts from uniform q and
 * each restart from the point mass on a random configuration (repaired by a local search
 * against zeros, since a q that puts weight on a zero of some factor has E_q[ln phi] = -inf);
 * the best bound found is reported.
 *
 * Zeros: terms of weight q = 0 are left out (0 ln 0 = 0), so a value x_v gets q_v(x) = 0
 * exactly when some factor vanishes at x_v for a configuration of the others that q allows;
 * once the support of q is of positive weight it stays so. */
#include "exact/approx_internal.h"

#include <string.h>

typedef struct mf_state {
    const ax_model *r;
    double *lq;   /* (uoff[n]) ln q_v(x)  */
    double *pq;   /* (uoff[n]) q_v(x)     */
    double *s;    /* (maxdom) scratch     */
} mf_state;

/* s[x] += E_{q_-v}[ln phi_f | x_v = x] for the factor f with v at position p; entries of
 * positive weight on a zero give -HUGE_VAL. */
static void expect_given(const mf_state *w, const fm_factor *f, size_t p, double *s) {
    const ax_model *r = w->r;
    size_t digit[ZS_FACTOR_MAX_ARITY] = {0};
    for (size_t e = 0; e < f->size; e++) {
        double wgt = 1.0;
        for (size_t j = 0; j < f->arity && wgt > 0.0; j++)
            if (j != p) wgt *= w->pq[r->uoff[f->scope[j]] + digit[j]];
        if (wgt > 0.0) s[digit[p]] += f->lnt[e] == -HUGE_VAL ? -HUGE_VAL : wgt * f->lnt[e];
        for (size_t j = f->arity; j-- > 0;) {
            if (++digit[j] < r->dom[f->scope[j]]) break;
            digit[j] = 0;
        }
    }
}

/* E_q[ln phi_f] over the whole factor. */
static double expect_all(const mf_state *w, const fm_factor *f) {
    const ax_model *r = w->r;
    size_t digit[ZS_FACTOR_MAX_ARITY] = {0};
    double acc = 0.0;
    for (size_t e = 0; e < f->size; e++) {
        double wgt = 1.0;
        for (size_t j = 0; j < f->arity && wgt > 0.0; j++)
            wgt *= w->pq[r->uoff[f->scope[j]] + digit[j]];
        if (wgt > 0.0) {
            if (f->lnt[e] == -HUGE_VAL) return -HUGE_VAL;
            acc += wgt * f->lnt[e];
        }
        for (size_t j = f->arity; j-- > 0;) {
            if (++digit[j] < r->dom[f->scope[j]]) break;
            digit[j] = 0;
        }
    }
    return acc;
}

static double bound(const mf_state *w) {
    const ax_model *r = w->r;
    double b = 0.0;
    for (size_t v = 0; v < r->n; v++) {
        const double *lq = w->lq + r->uoff[v], *u = r->un + r->uoff[v];
        for (uint32_t x = 0; x < r->dom[v]; x++)
            if (lq[x] > -HUGE_VAL) {
                if (u[x] == -HUGE_VAL) return -HUGE_VAL;
                b += exp(lq[x]) * u[x];
            }
        b += ax_entropy(lq, r->dom[v]);
    }
    for (size_t f = 0; f < r->fm->nf; f++) b += expect_all(w, &r->fm->f[f]);
    return b;
}

/* Number of factors (unary included) that vanish at x_v = x with the others at cfg. */
static size_t zeros_at(const ax_model *r, const uint32_t *cfg, size_t v, uint32_t x) {
    size_t z = r->un[r->uoff[v] + x] == -HUGE_VAL;
    for (size_t k = r->vstart[v]; k < r->vstart[v + 1]; k++) {
        const fm_factor *f = &r->fm->f[r->vfac[k]];
        size_t e = 0;
        for (size_t j = 0; j < f->arity; j++)
            e = e * r->dom[f->scope[j]] + (j == r->vpos[k] ? x : cfg[f->scope[j]]);
        z += f->lnt[e] == -HUGE_VAL;
    }
    return z;
}

/* A random configuration, then sweeps that set each variable to a value with the fewest
 * vanishing factors (random among ties), until none vanishes or 100 sweeps have passed. */
static void random_start(const ax_model *r, zs_rng *rng, uint32_t *cfg) {
    for (size_t v = 0; v < r->n; v++) cfg[v] = (uint32_t)zs_rng_below(rng, r->dom[v]);
    for (int sweep = 0; sweep < 100; sweep++) {
        size_t bad = 0;
        for (size_t v = 0; v < r->n; v++) {
            size_t best = SIZE_MAX, ties = 0;
            uint32_t pick = cfg[v];
            for (uint32_t x = 0; x < r->dom[v]; x++) {
                size_t z = zeros_at(r, cfg, v, x);
                if (z < best) best = z, ties = 1, pick = x;
                else if (z == best && zs_rng_below(rng, ++ties) == 0) pick = x;
            }
            cfg[v] = pick;
            bad += best;
        }
        if (!bad) break;
    }
}

/* One run of coordinate ascent from the current q. Returns 0 when some q_v has no value of
 * positive weight left (this start fails). */
static int run(mf_state *w, const zs_factor_approx_opts *o, double t0, uint64_t *iters,
               int *converged, double *residual) {
    const ax_model *r = w->r;
    *converged = 0;
    *residual = HUGE_VAL;
    for (uint64_t it = 1; it <= o->max_iter; it++) {
        double change = 0.0;
        for (size_t v = 0; v < r->n; v++) {
            double *s = w->s;
            uint32_t d = r->dom[v];
            memcpy(s, r->un + r->uoff[v], d * sizeof *s);
            for (size_t k = r->vstart[v]; k < r->vstart[v + 1]; k++)
                expect_given(w, &r->fm->f[r->vfac[k]], r->vpos[k], s);
            if (ax_lognormalize(s, d) == -HUGE_VAL) return 0;
            double dv = ax_maxdiff(s, w->lq + r->uoff[v], d);
            if (dv > change) change = dv;
            memcpy(w->lq + r->uoff[v], s, d * sizeof *s);
            for (uint32_t x = 0; x < d; x++) w->pq[r->uoff[v] + x] = exp(s[x]);
        }
        *iters = it;
        *residual = change;
        if (change < o->tol) {
            *converged = 1;
            break;
        }
        if (ax_out_of_time(o, t0)) break;
    }
    return 1;
}

zs_status ax_mf(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res) {
    double t0 = zs_monotonic_seconds();
    size_t tot = r->uoff[r->n];
    mf_state w = {r, zs_malloc(tot * sizeof(double)), zs_malloc(tot * sizeof(double)),
                  zs_malloc(r->maxdom * sizeof(double))};
    uint32_t *cfg = zs_malloc(r->n * sizeof *cfg);
    if (!w.lq || !w.pq || !w.s || !cfg) {
        free(w.lq), free(w.pq), free(w.s), free(cfg);
        return zs_fail(r->ctx, ZS_ENOMEM, "mf: out of memory");
    }
    double best = -HUGE_VAL;
    unsigned tried = 0;
    for (unsigned k = 0; k <= o->restarts; k++) {
        if (k > 0 && ax_out_of_time(o, t0)) break;
        tried++;
        if (k == 0) {
            for (size_t v = 0; v < r->n; v++)
                for (uint32_t x = 0; x < r->dom[v]; x++) {
                    w.lq[r->uoff[v] + x] = -log((double)r->dom[v]);
                    w.pq[r->uoff[v] + x] = 1.0 / r->dom[v];
                }
        } else {
            zs_rng rng;
            zs_rng_init(&rng, o->seed, k);
            random_start(r, &rng, cfg);
            for (size_t v = 0; v < r->n; v++)
                for (uint32_t x = 0; x < r->dom[v]; x++) {
                    w.lq[r->uoff[v] + x] = x == cfg[v] ? 0.0 : -HUGE_VAL;
                    w.pq[r->uoff[v] + x] = x == cfg[v];
                }
        }
        uint64_t iters = 0;
        int conv = 0;
        double resid = 0.0;
        if (!run(&w, o, t0, &iters, &conv, &resid)) continue;
        double b = bound(&w);
        if (b > best) {
            best = b;
            res->converged = conv;
            res->iterations = iters;
            res->residual = resid;
        }
    }
    free(w.lq), free(w.pq), free(w.s), free(cfg);
    if (best == -HUGE_VAL)
        return zs_fail(r->ctx, ZS_ENUMERIC,
                       "mf: no product distribution of positive weight found in %u starts (the "
                       "zeros or the evidence rule out every one tried; Z may be 0)", tried);
    res->lnz = best;
    return ZS_OK;
}
