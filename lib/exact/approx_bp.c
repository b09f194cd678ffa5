/* approx_bp.c — loopy belief propagation and the Bethe estimate of ln Z.
 *
 * Sum-product on the factor graph (Kschischang, Frey & Loeliger 2001), in log space:
 *     mu_{v->f}(x) = ln u_v(x) + sum_{g ni v, g != f} m_{g->v}(x),
 *     m_{f->v}(x)  = ln sum_{x_f : x_v = x} phi_f(x_f) exp(sum_{j in f, j != v} mu_{j->f}(x_j)),
 * each message normalized. At a fixed point the beliefs b_v ~ u_v exp(sum_g m_{g->v}) and
 * b_f ~ phi_f exp(sum_j mu_{j->f}) are stationary points of the Bethe free energy (Yedidia,
 * Freeman & Weiss 2005), and
 *     ln Z_Bethe = sum_f (E_bf[ln phi_f] + H(b_f)) + sum_v (E_bv[ln u_v] + (1 - d_v) H(b_v)),
 * d_v the number of factors of v. Exact on a tree; on loopy graphs an estimate of either side.
 * The same formula is evaluated after an unconverged run (flagged so).
 *
 * Damping: ln m <- (1 - a) ln m_new + a ln m_old (then normalized). Schedules: sequential
 * visits the factors in order, recomputing their incoming mu from the newest messages;
 * parallel computes every message from the previous sweep's.
 *
 * Restarts: the first run starts from uniform messages, which keep the symmetry of a model
 * (a ferromagnet without field stays on the paramagnetic fixed point even where it is
 * unstable); each restart from random messages. Of the runs that converge, the fixed point of
 * the largest ln Z_Bethe (the lowest Bethe free energy) is reported; when none converges,
 * the symmetric start's.
 *
 * Zeros: messages at a zero are -inf and stay so (damping keeps them); a value of a solution
 * x* (P~(x*) > 0) keeps a positive message by induction, so a variable or factor whose
 * belief vanishes everywhere proves Z = 0. */
#include "exact/approx_internal.h"

#include <string.h>

typedef struct bp_graph {
    const ax_model *r;
    size_t ne;        /* edges (factor, position)                                       */
    size_t *ebase;    /* (nf + 1) first edge of each factor                             */
    size_t *eoff;     /* (ne + 1) offset of each edge's values                          */
    double *m;        /* (eoff[ne]) factor -> variable messages, log, normalized        */
    double *mnew;     /* (eoff[ne]) parallel schedule: the next sweep's                 */
    double *mu;       /* (eoff[ne]) variable -> factor messages                         */
    double *fin;      /* (maxdom) scratch: finite part of a variable's total            */
    size_t *ninf;     /* (maxdom) scratch: -inf count of a variable's total             */
    double *acc;      /* (2 maxdom) scratch: running log-sum-exp (max, sum)             */
} bp_graph;

/* The edge of variable v's k-th factor (CSR index k). */
static inline size_t edge_of(const bp_graph *g, size_t k) {
    return g->ebase[g->r->vfac[k]] + g->r->vpos[k];
}

/* mu_{v->f} for every factor f of v, from the current messages m (or mnew when alt). */
static void var_to_factors(bp_graph *g, size_t v) {
    const ax_model *r = g->r;
    uint32_t d = r->dom[v];
    for (uint32_t x = 0; x < d; x++) {
        double u = r->un[r->uoff[v] + x];
        g->fin[x] = u == -HUGE_VAL ? 0.0 : u;
        g->ninf[x] = u == -HUGE_VAL;
    }
    for (size_t k = r->vstart[v]; k < r->vstart[v + 1]; k++) {
        const double *mm = g->m + g->eoff[edge_of(g, k)];
        for (uint32_t x = 0; x < d; x++) {
            if (mm[x] == -HUGE_VAL) g->ninf[x]++;
            else g->fin[x] += mm[x];
        }
    }
    for (size_t k = r->vstart[v]; k < r->vstart[v + 1]; k++) {
        size_t e = edge_of(g, k);
        const double *mm = g->m + g->eoff[e];
        double *out = g->mu + g->eoff[e];
        for (uint32_t x = 0; x < d; x++) {
            size_t ni = g->ninf[x] - (mm[x] == -HUGE_VAL);
            out[x] = ni ? -HUGE_VAL : g->fin[x] - (mm[x] == -HUGE_VAL ? 0.0 : mm[x]);
        }
        ax_lognormalize(out, d);
    }
}

/* New messages of factor f into out (laid out as g->m), from the current mu. */
static void factor_to_vars(bp_graph *g, size_t fi, double *out) {
    const ax_model *r = g->r;
    const fm_factor *f = &r->fm->f[fi];
    size_t base = g->ebase[fi];
    for (size_t p = 0; p < f->arity; p++) {
        uint32_t dp = r->dom[f->scope[p]];
        double *mx = g->acc, *sm = g->acc + r->maxdom;
        for (uint32_t x = 0; x < dp; x++) mx[x] = -HUGE_VAL, sm[x] = 0.0;
        size_t digit[ZS_FACTOR_MAX_ARITY] = {0};
        for (size_t e = 0; e < f->size; e++) {
            double a = f->lnt[e];
            for (size_t j = 0; j < f->arity && a > -HUGE_VAL; j++)
                if (j != p) a += g->mu[g->eoff[base + j] + digit[j]];
            if (a > -HUGE_VAL) {
                uint32_t x = (uint32_t)digit[p];
                if (a > mx[x]) sm[x] = sm[x] * exp(mx[x] - a) + 1.0, mx[x] = a;
                else sm[x] += exp(a - mx[x]);
            }
            for (size_t j = f->arity; j-- > 0;) {
                if (++digit[j] < r->dom[f->scope[j]]) break;
                digit[j] = 0;
            }
        }
        double *o = out + g->eoff[base + p];
        for (uint32_t x = 0; x < dp; x++) o[x] = mx[x] == -HUGE_VAL ? -HUGE_VAL : mx[x] + log(sm[x]);
        ax_lognormalize(o, dp);
    }
}

/* One sweep; returns the largest change of a message. */
static double sweep(bp_graph *g, const zs_factor_approx_opts *o) {
    const ax_model *r = g->r;
    double change = 0.0;
    if (o->schedule == ZS_SCHEDULE_PARALLEL) {
        for (size_t v = 0; v < r->n; v++) var_to_factors(g, v);
        for (size_t f = 0; f < r->fm->nf; f++) factor_to_vars(g, f, g->mnew);
        for (size_t e = 0; e < g->ne; e++) {
            size_t d = g->eoff[e + 1] - g->eoff[e];
            double c = ax_damp_into(g->m + g->eoff[e], g->mnew + g->eoff[e], d, o->damping);
            if (c > change) change = c;
        }
        return change;
    }
    for (size_t f = 0; f < r->fm->nf; f++) {
        const fm_factor *ff = &r->fm->f[f];
        for (size_t p = 0; p < ff->arity; p++) var_to_factors(g, ff->scope[p]);
        factor_to_vars(g, f, g->mnew);
        for (size_t e = g->ebase[f]; e < g->ebase[f + 1]; e++) {
            size_t d = g->eoff[e + 1] - g->eoff[e];
            double c = ax_damp_into(g->m + g->eoff[e], g->mnew + g->eoff[e], d, o->damping);
            if (c > change) change = c;
        }
    }
    return change;
}

/* ln Z_Bethe from the current messages; -HUGE_VAL when a belief vanishes (Z = 0). */
static double bethe(bp_graph *g) {
    const ax_model *r = g->r;
    double lz = 0.0;
    double *b = g->acc;
    for (size_t v = 0; v < r->n; v++) {
        var_to_factors(g, v);
        uint32_t d = r->dom[v];
        for (uint32_t x = 0; x < d; x++) {
            double t = r->un[r->uoff[v] + x];
            for (size_t k = r->vstart[v]; k < r->vstart[v + 1] && t > -HUGE_VAL; k++)
                t += g->m[g->eoff[edge_of(g, k)] + x];
            b[x] = t;
        }
        if (ax_lognormalize(b, d) == -HUGE_VAL) return -HUGE_VAL;
        double dv = (double)(r->vstart[v + 1] - r->vstart[v]);
        for (uint32_t x = 0; x < d; x++)
            if (b[x] > -HUGE_VAL) lz += exp(b[x]) * r->un[r->uoff[v] + x];
        lz += (1.0 - dv) * ax_entropy(b, d);
    }
    /* mu is now that of the final messages for every edge. */
    for (size_t fi = 0; fi < r->fm->nf; fi++) {
        const fm_factor *f = &r->fm->f[fi];
        size_t base = g->ebase[fi];
        /* b_f = phi exp(sum mu) / its sum: two passes over the table. */
        double mx = -HUGE_VAL;
        size_t digit[ZS_FACTOR_MAX_ARITY] = {0};
        for (int pass = 0; pass < 2; pass++) {
            double s = 0.0, e1 = 0.0, h = 0.0;
            memset(digit, 0, sizeof digit);
            for (size_t e = 0; e < f->size; e++) {
                double a = f->lnt[e];
                for (size_t j = 0; j < f->arity && a > -HUGE_VAL; j++)
                    a += g->mu[g->eoff[base + j] + digit[j]];
                if (pass == 0) {
                    if (a > mx) mx = a;
                } else if (a > -HUGE_VAL) {
                    double w = exp(a - mx);
                    s += w;
                    e1 += w * f->lnt[e];
                    h -= w * (a - mx);
                }
                for (size_t j = f->arity; j-- > 0;) {
                    if (++digit[j] < r->dom[f->scope[j]]) break;
                    digit[j] = 0;
                }
            }
            if (pass == 0 && mx == -HUGE_VAL) return -HUGE_VAL;
            /* With w = exp(a - mx), b = w/s: E_b[ln phi] = e1/s and
             * H(b) = -sum b ln b = -sum (w/s)(a - mx - ln s) = h/s + ln s. */
            if (pass == 1) lz += e1 / s + h / s + log(s);
        }
    }
    return lz;
}

static void init_messages(bp_graph *g, unsigned restart, uint64_t seed) {
    zs_rng rng;
    zs_rng_init(&rng, seed, 1000003u + restart);
    for (size_t e = 0; e < g->ne; e++) {
        size_t d = g->eoff[e + 1] - g->eoff[e];
        double *mm = g->m + g->eoff[e];
        for (size_t x = 0; x < d; x++) mm[x] = restart ? log(1e-3 + zs_rng_uniform(&rng)) : 0.0;
        ax_lognormalize(mm, d);
    }
}

zs_status ax_bp(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res) {
    double t0 = zs_monotonic_seconds();
    bp_graph g = {r, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t nf = r->fm->nf;
    g.ebase = zs_malloc((nf + 1) * sizeof *g.ebase);
    if (g.ebase) {
        g.ebase[0] = 0;
        for (size_t f = 0; f < nf; f++) g.ebase[f + 1] = g.ebase[f] + r->fm->f[f].arity;
        g.ne = g.ebase[nf];
        g.eoff = zs_malloc((g.ne + 1) * sizeof *g.eoff);
    }
    if (g.eoff) {
        g.eoff[0] = 0;
        for (size_t f = 0; f < nf; f++)
            for (size_t p = 0; p < r->fm->f[f].arity; p++) {
                size_t e = g.ebase[f] + p;
                g.eoff[e + 1] = g.eoff[e] + r->dom[r->fm->f[f].scope[p]];
            }
        size_t tot = g.eoff[g.ne] ? g.eoff[g.ne] : 1;
        g.m = zs_malloc(tot * sizeof(double));
        g.mnew = zs_malloc(tot * sizeof(double));
        g.mu = zs_malloc(tot * sizeof(double));
    }
    g.fin = zs_malloc(r->maxdom * sizeof(double));
    g.ninf = zs_malloc(r->maxdom * sizeof(size_t));
    g.acc = zs_malloc(2 * r->maxdom * sizeof(double));
    zs_status st = ZS_OK;
    if (!g.ebase || !g.eoff || !g.m || !g.mnew || !g.mu || !g.fin || !g.ninf || !g.acc) {
        st = zs_fail(r->ctx, ZS_ENOMEM, "bp: out of memory for the messages");
        goto out;
    }
    int have = 0, zero = 0;
    for (unsigned k = 0; k <= o->restarts; k++) {
        if (k > 0 && ax_out_of_time(o, t0)) break;
        init_messages(&g, k, o->seed);
        uint64_t it = 0;
        double change = HUGE_VAL;
        int conv = 0;
        while (it < o->max_iter) {
            change = sweep(&g, o);
            it++;
            if (change < o->tol) {
                conv = 1;
                break;
            }
            if (ax_out_of_time(o, t0)) break;
        }
        double lz = bethe(&g);
        if (lz == -HUGE_VAL) {
            zero = 1;
            break;
        }
        /* The symmetric start's result stands until a converged run beats it. */
        ax_keep_run(res, &have, conv, lz, it, change);
        if (nf == 0) break; /* independent variables: exact at once */
    }
    if (zero)
        st = zs_fail(r->ctx, ZS_ENUMERIC,
                     "bp: every value of a variable or factor has zero weight after message "
                     "passing: the zeros and the evidence give Z = 0");
out:
    free(g.ebase), free(g.eoff), free(g.m), free(g.mnew), free(g.mu), free(g.fin), free(g.ninf),
        free(g.acc);
    return st;
}
