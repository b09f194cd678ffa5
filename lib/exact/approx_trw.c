/* approx_trw.c — tree-reweighted belief propagation: an upper bound on ln Z.
 *
 * For a pairwise model with node tables theta_s = ln u_s and edge tables theta_st = ln phi_st,
 * and a distribution over spanning trees in which edge e appears with probability rho_e,
 * convexity of ln Z in the parameters gives (Wainwright, Jaakkola & Willsky 2005, IEEE Trans.
 * Inf. Theory 51, 2313)
 *     ln Z <= max_{tau in the local polytope} <theta, tau> + sum_s H(tau_s) - sum_st rho_st I_st(tau_st),
 * a concave maximization whose optimum is the fixed point of the reweighted messages
 *     M_{t->s}(x_s) = ln sum_{x_t} exp(theta_st(x_s, x_t)/rho_st + theta_t(x_t)
 *                       + sum_{v in N(t)} rho_vt M_{v->t}(x_t) - M_{s->t}(x_t)),
 * with beliefs tau_s ~ exp(theta_s + sum_v rho_vs M_{v->s}) and
 * tau_st ~ exp(theta_st/rho_st + mu_{s->st} + mu_{t->st}), mu_{s->st} = theta_s +
 * sum_v rho_vs M_{v->s} - M_{t->s}. At that fixed point the value above is the bound; it is
 * evaluated from the final messages, and reported as an upper bound only when the messages
 * converged (an unconverged value may fall on either side: it is then an estimate).
 *
 * Edge weights rho: on a full square grid or torus (the variables numbered row by row, as
 * the generators of the UAI grids and zsum ising do) the uniform rho = (n - 1)/|E|, which is
 * in the spanning-tree polytope because the whole graph is its densest subgraph (a torus is
 * edge-transitive; a grid's a x b subgrids have density (2ab - a - b)/(ab - 1), increasing in
 * a and b). Elsewhere `trees` spanning forests are drawn as minimum spanning forests of
 * random edge weights (Kruskal), then more, with the edges not yet drawn first, until every
 * edge is in one; rho_e is the fraction of forests holding e.
 *
 * Zeros: a value whose incoming message or node table vanishes is dead for every message
 * (arc consistency: no configuration of positive weight uses it), so the bound is that of
 * the model with the dead values removed, which has the same Z. When every value of a
 * variable dies, Z = 0 is proved. */
#include "exact/approx_internal.h"

#include <string.h>

typedef struct trw {
    const ax_model *r;
    double *rho;      /* (nf) edge appearance probabilities                             */
    size_t *eoff;     /* (2 nf + 1) offsets of the messages into factor f's endpoints    */
    double *m;        /* messages M_{f -> scope[p]}, edge 2f + p                         */
    double *mnew;
    double *fin;      /* (maxdom) scratch                                               */
    size_t *ninf;     /* (maxdom)                                                       */
    double *mu;       /* (2 maxdom) the two endpoints' mu of one factor                 */
} trw;

/* The total theta_v + sum_g rho_g M_{g->v} of variable v as finite part and -inf count. */
static void total(const trw *w, size_t v) {
    const ax_model *r = w->r;
    uint32_t d = r->dom[v];
    for (uint32_t x = 0; x < d; x++) {
        double u = r->un[r->uoff[v] + x];
        w->fin[x] = u == -HUGE_VAL ? 0.0 : u;
        w->ninf[x] = u == -HUGE_VAL;
    }
    for (size_t k = r->vstart[v]; k < r->vstart[v + 1]; k++) {
        size_t f = r->vfac[k];
        const double *mm = w->m + w->eoff[2 * f + r->vpos[k]];
        for (uint32_t x = 0; x < d; x++) {
            if (mm[x] == -HUGE_VAL) w->ninf[x]++;
            else w->fin[x] += w->rho[f] * mm[x];
        }
    }
}

/* mu_{scope[p] -> f} into out (not normalized; dead values -inf). */
static void mu_of(const trw *w, size_t f, size_t p, double *out) {
    const ax_model *r = w->r;
    size_t v = r->fm->f[f].scope[p];
    total(w, v);
    const double *mm = w->m + w->eoff[2 * f + p];
    for (uint32_t x = 0; x < r->dom[v]; x++)
        out[x] = w->ninf[x] ? -HUGE_VAL : w->fin[x] - mm[x];
    ax_lognormalize(out, r->dom[v]);
}

/* ln sum_k exp(t[k stride] / rho + mu[k]) over k < n, by a running maximum; a dead term
 * (-inf in t or mu) adds nothing. One row (stride 1) or column (stride = row length) of a
 * pairwise table against the other end's mu. */
static double lse_line(const double *t, size_t stride, uint32_t n, double rho, const double *mu) {
    double mx = -HUGE_VAL, s = 0.0;
    for (uint32_t k = 0; k < n; k++) {
        double tk = t[k * stride];
        double v = (tk == -HUGE_VAL || mu[k] == -HUGE_VAL) ? -HUGE_VAL : tk / rho + mu[k];
        if (v > mx) s = s * exp(mx - v) + 1.0, mx = v;
        else if (v > -HUGE_VAL) s += exp(v - mx);
    }
    return mx == -HUGE_VAL ? -HUGE_VAL : mx + log(s);
}

/* New messages of factor f into out. */
static void update(trw *w, size_t f, double *out) {
    const ax_model *r = w->r;
    const fm_factor *ff = &r->fm->f[f];
    uint32_t da = r->dom[ff->scope[0]], db = r->dom[ff->scope[1]];
    double *mua = w->mu, *mub = w->mu + r->maxdom;
    mu_of(w, f, 0, mua);
    mu_of(w, f, 1, mub);
    double rho = w->rho[f];
    double *oa = out + w->eoff[2 * f], *ob = out + w->eoff[2 * f + 1];
    for (uint32_t a = 0; a < da; a++) oa[a] = lse_line(ff->lnt + (size_t)a * db, 1, db, rho, mub);
    for (uint32_t b = 0; b < db; b++) ob[b] = lse_line(ff->lnt + b, db, da, rho, mua);
    ax_lognormalize(oa, da);
    ax_lognormalize(ob, db);
}

/* The bound's value from the current messages; -HUGE_VAL when a variable is dead (Z = 0). */
static double value(trw *w) {
    const ax_model *r = w->r;
    double b = 0.0;
    double *t = w->mu; /* scratch of maxdom for tau_s */
    for (size_t v = 0; v < r->n; v++) {
        total(w, v);
        uint32_t d = r->dom[v];
        for (uint32_t x = 0; x < d; x++) t[x] = w->ninf[x] ? -HUGE_VAL : w->fin[x];
        if (ax_lognormalize(t, d) == -HUGE_VAL) return -HUGE_VAL;
        for (uint32_t x = 0; x < d; x++)
            if (t[x] > -HUGE_VAL) b += exp(t[x]) * r->un[r->uoff[v] + x];
        b += ax_entropy(t, d);
    }
    double *mua = zs_malloc(2 * r->maxdom * sizeof *mua);
    double *tab = NULL;
    size_t tcap = 0;
    if (!mua) return (double)NAN;
    for (size_t f = 0; f < r->fm->nf; f++) {
        const fm_factor *ff = &r->fm->f[f];
        uint32_t da = r->dom[ff->scope[0]], db = r->dom[ff->scope[1]];
        double *mub = mua + r->maxdom;
        mu_of(w, f, 0, mua);
        mu_of(w, f, 1, mub);
        if (ff->size > tcap) {
            free(tab);
            tcap = ff->size;
            tab = zs_malloc((tcap + r->maxdom * 2) * sizeof *tab);
            if (!tab) {
                free(mua);
                return (double)NAN;
            }
        }
        double rho = w->rho[f];
        for (uint32_t a = 0; a < da; a++)
            for (uint32_t bb = 0; bb < db; bb++) {
                double lt = ff->lnt[a * db + bb];
                tab[a * db + bb] = (lt == -HUGE_VAL || mua[a] == -HUGE_VAL || mub[bb] == -HUGE_VAL)
                                       ? -HUGE_VAL
                                       : lt / rho + mua[a] + mub[bb];
            }
        if (ax_lognormalize(tab, ff->size) == -HUGE_VAL) {
            free(mua), free(tab);
            return -HUGE_VAL;
        }
        /* <theta_f, tau_f> - rho I(tau_f), I = H(tau_a) + H(tau_b) - H(tau_f) over tau_f's own
         * marginals. */
        double *pa = tab + tcap, *pb = pa + r->maxdom;
        for (uint32_t a = 0; a < da; a++) pa[a] = 0.0;
        for (uint32_t bb = 0; bb < db; bb++) pb[bb] = 0.0;
        double e1 = 0.0, hf = 0.0;
        for (uint32_t a = 0; a < da; a++)
            for (uint32_t bb = 0; bb < db; bb++) {
                double l = tab[a * db + bb];
                if (l == -HUGE_VAL) continue;
                double p = exp(l);
                e1 += p * ff->lnt[a * db + bb];
                hf -= p * l;
                pa[a] += p;
                pb[bb] += p;
            }
        double ha = 0.0, hb = 0.0;
        for (uint32_t a = 0; a < da; a++)
            if (pa[a] > 0.0) ha -= pa[a] * log(pa[a]);
        for (uint32_t bb = 0; bb < db; bb++)
            if (pb[bb] > 0.0) hb -= pb[bb] * log(pb[bb]);
        b += e1 - rho * (ha + hb - hf);
    }
    free(mua), free(tab);
    return b;
}

/* ---- edge weights ------------------------------------------------------------------------ */

static size_t find(size_t *parent, size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
}

typedef struct wedge {
    double key;
    size_t f;
} wedge;

static int by_key(const void *a, const void *b) {
    double x = ((const wedge *)a)->key, y = ((const wedge *)b)->key;
    return (x > y) - (x < y);
}

static zs_status edge_weights(const ax_model *r, const zs_factor_approx_opts *o, double *rho) {
    size_t n = r->n, E = r->fm->nf;
    if (ax_lattice(r, NULL, NULL, NULL)) {
        for (size_t f = 0; f < E; f++) rho[f] = (double)(n - 1) / (double)E;
        return ZS_OK;
    }
    size_t *parent = zs_malloc(n * sizeof *parent);
    size_t *cnt = zs_calloc(E ? E : 1, sizeof *cnt);
    wedge *we = zs_malloc((E ? E : 1) * sizeof *we);
    if (!parent || !cnt || !we) {
        free(parent), free(cnt), free(we);
        return zs_fail(r->ctx, ZS_ENOMEM, "trw: out of memory");
    }
    zs_rng rng;
    zs_rng_init(&rng, o->seed, 7);
    size_t uncovered = E, trees = 0;
    while (trees < o->trees || uncovered > 0) {
        for (size_t f = 0; f < E; f++)
            we[f].key = zs_rng_uniform(&rng) + (trees >= o->trees && cnt[f] ? 1.0 : 0.0), we[f].f = f;
        qsort(we, E, sizeof *we, by_key);
        for (size_t v = 0; v < n; v++) parent[v] = v;
        for (size_t k = 0; k < E; k++) {
            size_t f = we[k].f;
            size_t a = find(parent, r->fm->f[f].scope[0]), b = find(parent, r->fm->f[f].scope[1]);
            if (a == b) continue;
            parent[a] = b;
            if (cnt[f]++ == 0) uncovered--;
        }
        trees++;
    }
    for (size_t f = 0; f < E; f++) rho[f] = (double)cnt[f] / (double)trees;
    free(parent), free(cnt), free(we);
    return ZS_OK;
}

zs_status ax_trw(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res) {
    double t0 = zs_monotonic_seconds();
    size_t nf = r->fm->nf;
    for (size_t f = 0; f < nf; f++)
        if (r->fm->f[f].arity > 2)
            return zs_fail(r->ctx, ZS_EUNSUPPORTED,
                           "trw: a factor joins %zu variables (the first is variable %zu); "
                           "tree-reweighted BP here takes pairwise models (mbe gives an upper "
                           "bound for any model)",
                           r->fm->f[f].arity, r->orig[r->fm->f[f].scope[0]]);
    trw w = {r, zs_malloc((nf ? nf : 1) * sizeof(double)), zs_malloc((2 * nf + 1) * sizeof(size_t)),
             NULL, NULL, zs_malloc(r->maxdom * sizeof(double)), zs_malloc(r->maxdom * sizeof(size_t)),
             zs_malloc(2 * r->maxdom * sizeof(double))};
    zs_status st = ZS_OK;
    if (w.eoff) {
        w.eoff[0] = 0;
        for (size_t f = 0; f < nf; f++)
            for (size_t p = 0; p < 2; p++)
                w.eoff[2 * f + p + 1] = w.eoff[2 * f + p] + r->dom[r->fm->f[f].scope[p]];
        w.m = zs_malloc((w.eoff[2 * nf] + 1) * sizeof(double));
        w.mnew = zs_malloc((w.eoff[2 * nf] + 1) * sizeof(double));
    }
    if (!w.rho || !w.eoff || !w.m || !w.mnew || !w.fin || !w.ninf || !w.mu) {
        st = zs_fail(r->ctx, ZS_ENOMEM, "trw: out of memory for the messages");
        goto out;
    }
    st = edge_weights(r, o, w.rho);
    if (st != ZS_OK) goto out;
    for (size_t e = 0; e < w.eoff[2 * nf]; e++) w.m[e] = 0.0;
    for (size_t e = 0; e < 2 * nf; e++) {
        size_t d = w.eoff[e + 1] - w.eoff[e];
        for (size_t x = 0; x < d; x++) w.m[w.eoff[e] + x] = -log((double)d);
    }
    uint64_t it = 0;
    double change = HUGE_VAL;
    int conv = nf == 0;
    while (!conv && it < o->max_iter) {
        change = 0.0;
        if (o->schedule == ZS_SCHEDULE_PARALLEL) {
            for (size_t f = 0; f < nf; f++) update(&w, f, w.mnew);
        }
        for (size_t f = 0; f < nf; f++) {
            if (o->schedule != ZS_SCHEDULE_PARALLEL) update(&w, f, w.mnew);
            for (size_t e = 2 * f; e < 2 * f + 2; e++) {
                size_t d = w.eoff[e + 1] - w.eoff[e];
                double c = ax_damp_into(w.m + w.eoff[e], w.mnew + w.eoff[e], d, o->damping);
                if (c > change) change = c;
            }
        }
        it++;
        if (change < o->tol) conv = 1;
        else if (ax_out_of_time(o, t0)) break;
    }
    double b = value(&w);
    if (isnan(b)) st = zs_fail(r->ctx, ZS_ENOMEM, "trw: out of memory");
    else if (b == -HUGE_VAL)
        st = zs_fail(r->ctx, ZS_ENUMERIC,
                     "trw: every value of a variable has zero weight after message passing: the "
                     "zeros and the evidence give Z = 0");
    res->lnz = b;
    res->converged = conv;
    res->iterations = it;
    res->residual = nf == 0 ? 0.0 : change;
    if (!conv) res->kind = ZS_BOUND_ESTIMATE;
out:
    free(w.rho), free(w.eoff), free(w.m), free(w.mnew), free(w.fin), free(w.ninf), free(w.mu);
    return st;
}
