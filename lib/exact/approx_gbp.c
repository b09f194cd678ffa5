/* approx_gbp.c — generalized belief propagation with plaquette regions: the Kikuchi estimate
 * of ln Z (the cluster variation method, Kikuchi 1951; the "square approximation").
 *
 * Regions: the plaquettes of the square lattice (maximal), the bonds shared by two of them,
 * and the sites shared by two of them. Counting numbers c_R = 1 - sum of c over the regions
 * that contain R (plaquettes 1; shared bonds 1 - 2 = -1; sites 1 - 4 + 4 = 1 inside a
 * torus, 0 on an open grid's edge), so every factor is counted once:
 * sum_{R contains f} c_R = 1 (checked). The Kikuchi free energy
 *     -F = sum_R c_R ( E_bR[ln psi_R] + H(b_R) ),   psi_R = prod of the factors inside R,
 * is made stationary by the single-loop algorithm of Heskes, Albers & Kappen (2003, UAI,
 * "Approximate inference and constrained optimization"; libDAI's HAK), between the outer
 * regions alpha (the plaquettes, each factor assigned to one of them: psi_alpha) and the inner
 * regions beta (the shared bonds and sites), each beta linked to every plaquette that
 * contains it. For each beta in turn:
 *     mu_{alpha->beta} = Q_alpha(x_beta) / mu_{beta->alpha}      (Q_alpha's marginal),
 *     Q_beta ~ prod_alpha mu_{alpha->beta}^(1/(n_beta + c_beta)),  n_beta its plaquettes,
 *     mu_{beta->alpha} = Q_beta / mu_{alpha->beta},
 *     Q_alpha ~ psi_alpha prod_{beta in alpha} mu_{beta->alpha},
 * all in log space; at a fixed point the marginals of the Q_alpha agree with the Q_beta and
 *     ln Z_Kikuchi = sum_alpha (E_Qalpha[ln psi_alpha] + H(Q_alpha)) + sum_beta c_beta H(Q_beta).
 * Each run makes that single loop first (damped on Q_beta by the options' damping): where it
 * converges (weak or unfrustrated couplings: the 16 x 16 torus at K = 0.2 in 33 sweeps) it is
 * the fastest route. On frustrated lattices it oscillates (every UAI 2014 grid), so when its
 * residual stops making new lows the run starts again from the same start with the double
 * loop of the same paper (libDAI's HAK with doubleloop), whose outer steps lower the free
 * energy (when the inner problem is solved) and so settle, if slowly: the entropies of the
 * inner regions with c_beta < 0 (concave in Q) are replaced by their linearization at the
 * current Q_beta, which moves Q_beta^(-c_beta / n_beta) into each psi_alpha and sets those
 * c_beta to 0 (an upper bound on the free energy touching it at the current Q); the inner
 * problem is then convex and GBP_INNER undamped sweeps of the single loop are run on it; the
 * outer loop repeats until Q_beta moves by less than tol (max_iter outer iterations). Both
 * loops' fixed points are stationary points of the same Kikuchi free energy, so where both
 * converge they agree (tests/unit/test_gbp.c). The iterations reported are the single loop's
 * sweeps plus the double loop's outer iterations.
 * An estimate (neither side is guaranteed); exact where the plaquettes form no loop (a strip
 * two sites wide), and usually far closer than Bethe. Restarts and
 * the choice among them are those of BP (approx_bp.c), restart k = 1 .. d leaning every
 * variable towards value k - 1 (an ordered phase), later ones towards random values.
 * A value of zero weight is dead for every message (x - (-inf) is taken as -inf).
 *
 * Only a full square grid or torus is taken (ax_lattice); other models are refused. */
#include "exact/approx_internal.h"

#include <string.h>

#define GBP_MAXV 4
#define GBP_INNER 3 /* inner sweeps per outer iteration of the double loop (libDAI's HAK: 5) */
#define GBP_STALL 20 /* sweeps without a new low of the residual that end the single loop */

typedef struct region {
    size_t nv;
    uint32_t v[GBP_MAXV];   /* sorted ascending                                           */
    size_t size;
    double c;               /* counting number                                            */
    double ceff;            /* the double loop's: max(c, 0) for inner regions             */
    double *lpsi;           /* (size) ln psi_R: every factor inside R (for the check)       */
    double *lq;             /* (size) ln Q_R                                              */
    size_t *link;           /* links of this region (outer: to its inner regions; inner:
                               to the plaquettes holding it)                               */
    size_t nlink;
} region;

/* A link between outer region a and inner region b, with its two messages over x_b. */
typedef struct glink {
    size_t a, b;
    size_t off;             /* offset of the messages' values                             */
    size_t *proj;           /* (size_a) entry of x_b at each entry of x_a                 */
} glink;

typedef struct gbp {
    const ax_model *r;
    region *reg;
    size_t nreg, nouter;
    glink *link;
    size_t nlink;
    double *mab, *mba;      /* alpha -> beta and beta -> alpha, log                        */
    double *lpsio;          /* ln psi of the outer regions (each factor in one), size_a each */
    double *lpsi0;          /* the same, as the model gives it (lpsio is the double loop's) */
    size_t *psioff;
    double *scratch;
    double *qold;           /* the Q_beta of the previous outer iteration                 */
} gbp;

/* Entry index in region J of the assignment at entry e of region R (J inside R). */
static size_t project(const ax_model *r, const region *R, size_t e, const region *J) {
    uint32_t digit[GBP_MAXV] = {0};
    for (size_t k = R->nv; k-- > 0;) {
        digit[k] = (uint32_t)(e % r->dom[R->v[k]]);
        e /= r->dom[R->v[k]];
    }
    size_t idx = 0;
    for (size_t j = 0; j < J->nv; j++) {
        size_t k = 0;
        while (R->v[k] != J->v[j]) k++;
        idx = idx * r->dom[J->v[j]] + digit[k];
    }
    return idx;
}

static int inside(const region *a, const region *b) { /* a's variables all in b */
    for (size_t i = 0; i < a->nv; i++) {
        int hit = 0;
        for (size_t j = 0; j < b->nv; j++) hit |= a->v[i] == b->v[j];
        if (!hit) return 0;
    }
    return 1;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* a - b in log space with a dead value (-inf on either side) staying dead. */
static inline double lsub(double a, double b) {
    return a == -HUGE_VAL || b == -HUGE_VAL ? -HUGE_VAL : a - b;
}

static void gbp_free(gbp *g) {
    for (size_t i = 0; i < g->nreg; i++) free(g->reg[i].lpsi), free(g->reg[i].lq), free(g->reg[i].link);
    for (size_t k = 0; k < g->nlink; k++) free(g->link[k].proj);
    free(g->reg), free(g->link), free(g->mab), free(g->mba), free(g->lpsio), free(g->lpsi0), free(g->psioff),
        free(g->scratch), free(g->qold);
}

/* The factor of bond (a, b), through the lower end's factor list; SIZE_MAX if none. */
static size_t bond(const ax_model *r, size_t a, size_t b) {
    size_t lo = a < b ? a : b, hi = a < b ? b : a;
    for (size_t k = r->vstart[lo]; k < r->vstart[lo + 1]; k++)
        if (r->fm->f[r->vfac[k]].scope[1] == hi) return r->vfac[k];
    return SIZE_MAX;
}

/* What build's steps share: per site and per bond (factor) the number of plaquettes holding
 * it, and the plaquette given each factor (bonds 0 .. nf-1, then the unary table of each
 * site). */
typedef struct census {
    size_t *pcount, *bcount, *owner;
    size_t nbond; /* the inner bond regions are reg[nouter .. nbond) */
} census;

/* The plaquettes (outer regions, c = 1), counted onto their sites and bonds. */
static zs_status plaquettes(gbp *g, size_t R, size_t C, int torus, census *cs) {
    const ax_model *r = g->r;
    size_t nf = r->fm->nf;
    for (size_t i = 0; i < (torus ? R : R - 1); i++)
        for (size_t j = 0; j < (torus ? C : C - 1); j++) {
            size_t id = g->nreg++;
            region *p = &g->reg[id];
            size_t i1 = (i + 1) % R, j1 = (j + 1) % C;
            size_t s[4] = {i * C + j, i * C + j1, i1 * C + j, i1 * C + j1};
            p->nv = 4;
            for (int k = 0; k < 4; k++) {
                p->v[k] = (uint32_t)s[k];
                cs->pcount[s[k]]++;
                if (cs->owner[nf + s[k]] == SIZE_MAX) cs->owner[nf + s[k]] = id;
            }
            size_t pairs[4][2] = {{s[0], s[1]}, {s[2], s[3]}, {s[0], s[2]}, {s[1], s[3]}};
            for (int k = 0; k < 4; k++) {
                size_t f = bond(r, pairs[k][0], pairs[k][1]);
                if (f == SIZE_MAX) return ZS_EUNSUPPORTED;
                cs->bcount[f]++;
                if (cs->owner[f] == SIZE_MAX) cs->owner[f] = id;
            }
            qsort(p->v, 4, sizeof p->v[0], cmp_u32);
            p->c = 1.0;
        }
    g->nouter = g->nreg;
    return ZS_OK;
}

/* The inner regions: the bonds, then the sites, shared by two or more plaquettes, with
 * c_R = 1 - sum of c over the regions that contain R. */
static zs_status inner_regions(gbp *g, census *cs) {
    const ax_model *r = g->r;
    size_t n = r->n, nf = r->fm->nf;
    for (size_t f = 0; f < nf; f++) {
        if (cs->owner[f] == SIZE_MAX) return ZS_EUNSUPPORTED; /* a bond in no plaquette */
        if (cs->bcount[f] < 2) continue;
        region *b = &g->reg[g->nreg++];
        b->nv = 2;
        b->v[0] = r->fm->f[f].scope[0];
        b->v[1] = r->fm->f[f].scope[1];
        b->c = 1.0 - (double)cs->bcount[f];
    }
    cs->nbond = g->nreg;
    for (size_t v = 0; v < n; v++) {
        if (cs->owner[nf + v] == SIZE_MAX) return ZS_EUNSUPPORTED;
        if (cs->pcount[v] < 2) continue;
        region *s = &g->reg[g->nreg++];
        s->nv = 1;
        s->v[0] = (uint32_t)v;
        double c = 1.0 - (double)cs->pcount[v];
        for (size_t k = g->nouter; k < cs->nbond; k++)
            if (g->reg[k].v[0] == v || g->reg[k].v[1] == v) c -= g->reg[k].c;
        s->c = c;
    }
    return ZS_OK;
}

/* Each factor counted once: the sum of c over the regions holding it is 1. */
static zs_status check_counting(const gbp *g) {
    const ax_model *r = g->r;
    size_t nf = r->fm->nf;
    for (size_t f = 0; f < nf + r->n; f++) {
        region fr = {0};
        if (f < nf) {
            fr.nv = 2;
            fr.v[0] = r->fm->f[f].scope[0], fr.v[1] = r->fm->f[f].scope[1];
        } else {
            fr.nv = 1;
            fr.v[0] = (uint32_t)(f - nf);
        }
        double c = 0.0;
        for (size_t k = 0; k < g->nreg; k++)
            if (inside(&fr, &g->reg[k])) c += g->reg[k].c;
        if (fabs(c - 1.0) > 1e-12) return ZS_EUNSUPPORTED;
    }
    return ZS_OK;
}

/* Tables: sizes, Q, and ln psi of the outer regions from the factors each owns. */
static zs_status make_tables(gbp *g, const census *cs) {
    const ax_model *r = g->r;
    size_t nf = r->fm->nf;
    g->psioff = zs_malloc((g->nouter + 1) * sizeof *g->psioff);
    if (!g->psioff) return ZS_ENOMEM;
    size_t tot = 0, maxsize = 1;
    for (size_t k = 0; k < g->nreg; k++) {
        region *q = &g->reg[k];
        q->size = 1;
        for (size_t j = 0; j < q->nv; j++) q->size *= r->dom[q->v[j]];
        if (q->size > maxsize) maxsize = q->size;
        if (k < g->nouter) g->psioff[k] = tot, tot += q->size;
        q->lq = zs_malloc(q->size * sizeof *q->lq);
        if (!q->lq) return ZS_ENOMEM;
    }
    g->psioff[g->nouter] = tot;
    g->lpsio = zs_calloc(tot ? tot : 1, sizeof *g->lpsio);
    g->lpsi0 = zs_calloc(tot ? tot : 1, sizeof *g->lpsi0);
    g->scratch = zs_malloc(2 * maxsize * sizeof *g->scratch);
    if (!g->lpsio || !g->lpsi0 || !g->scratch) return ZS_ENOMEM;
    for (size_t f = 0; f < nf + r->n; f++) {
        region *q = &g->reg[cs->owner[f]];
        double *t = g->lpsio + g->psioff[cs->owner[f]];
        if (f < nf) ax_accumulate(r->dom, q->v, q->nv, t, r->fm->f[f].scope, 2, r->fm->f[f].lnt);
        else {
            uint32_t v = (uint32_t)(f - nf);
            ax_accumulate(r->dom, q->v, q->nv, t, &v, 1, r->un + r->uoff[v]);
        }
    }
    memcpy(g->lpsi0, g->lpsio, tot * sizeof *g->lpsi0);
    for (size_t k = 0; k < g->nreg; k++) g->reg[k].ceff = g->reg[k].c > 0.0 ? g->reg[k].c : 0.0;
    return ZS_OK;
}

/* Links: each inner region to every plaquette holding it, with the projection of the
 * plaquette's entries onto the region's; then the message and Q_beta storage. */
static zs_status make_links(gbp *g, const census *cs) {
    const ax_model *r = g->r;
    size_t nl = 0;
    for (size_t b = g->nouter; b < g->nreg; b++)
        nl += b < cs->nbond ? (size_t)(1.0 - g->reg[b].c) : 0; /* bonds: their plaquette count */
    for (size_t v = 0; v < r->n; v++) nl += cs->pcount[v] >= 2 ? cs->pcount[v] : 0;
    g->link = zs_calloc(nl ? nl : 1, sizeof *g->link);
    if (!g->link) return ZS_ENOMEM;
    for (size_t k = 0; k < g->nreg; k++) {
        g->reg[k].link = zs_malloc((k < g->nouter ? 12 : 8) * sizeof(size_t));
        if (!g->reg[k].link) return ZS_ENOMEM;
    }
    size_t off = 0;
    for (size_t b = g->nouter; b < g->nreg; b++) {
        region *B = &g->reg[b];
        for (size_t a = 0; a < g->nouter; a++) {
            region *A = &g->reg[a];
            if (!inside(B, A)) continue;
            if (g->nlink == nl || A->nlink == 12 || B->nlink == 8) return ZS_EUNSUPPORTED;
            glink *L = &g->link[g->nlink];
            L->a = a, L->b = b, L->off = off;
            off += B->size;
            L->proj = zs_malloc(A->size * sizeof *L->proj);
            if (!L->proj) return ZS_ENOMEM;
            for (size_t e = 0; e < A->size; e++) L->proj[e] = project(r, A, e, B);
            A->link[A->nlink++] = g->nlink;
            B->link[B->nlink++] = g->nlink;
            g->nlink++;
        }
        if (!((double)B->nlink + B->c > 0.0) || B->nlink == 0) return ZS_EUNSUPPORTED;
    }
    size_t qtot = 1;
    for (size_t b = g->nouter; b < g->nreg; b++) qtot += g->reg[b].size;
    g->qold = zs_malloc(qtot * sizeof *g->qold);
    g->mab = zs_malloc((off ? off : 1) * sizeof *g->mab);
    g->mba = zs_malloc((off ? off : 1) * sizeof *g->mba);
    return g->mab && g->mba && g->qold ? ZS_OK : ZS_ENOMEM;
}

/* Regions, counting numbers, tables and links. */
static zs_status build(gbp *g, size_t R, size_t C, int torus) {
    const ax_model *r = g->r;
    size_t n = r->n, nf = r->fm->nf;
    size_t np = torus ? R * C : (R - 1) * (C - 1);
    g->reg = zs_calloc(np + nf + n, sizeof *g->reg);
    census cs = {zs_calloc(n, sizeof *cs.pcount), zs_calloc(nf, sizeof *cs.bcount),
                 zs_malloc((nf + n) * sizeof *cs.owner), 0};
    zs_status st = g->reg && cs.pcount && cs.bcount && cs.owner ? ZS_OK : ZS_ENOMEM;
    if (st == ZS_OK) {
        for (size_t f = 0; f < nf + n; f++) cs.owner[f] = SIZE_MAX;
        st = plaquettes(g, R, C, torus, &cs);
    }
    if (st == ZS_OK) st = inner_regions(g, &cs);
    if (st == ZS_OK) st = check_counting(g);
    if (st == ZS_OK) st = make_tables(g, &cs);
    if (st == ZS_OK) st = make_links(g, &cs);
    free(cs.pcount), free(cs.bcount), free(cs.owner);
    return st;
}

/* Q_alpha ~ psi_alpha prod mu_{beta->alpha}; -HUGE_VAL returned when it vanishes. */
static double refresh_outer(gbp *g, size_t a) {
    region *A = &g->reg[a];
    const double *lp = g->lpsio + g->psioff[a];
    for (size_t e = 0; e < A->size; e++) A->lq[e] = lp[e];
    for (size_t k = 0; k < A->nlink; k++) {
        const glink *L = &g->link[A->link[k]];
        for (size_t e = 0; e < A->size; e++)
            if (A->lq[e] > -HUGE_VAL) A->lq[e] += g->mba[L->off + L->proj[e]];
    }
    return ax_lognormalize(A->lq, A->size);
}

/* One inner region's update; returns the change of Q_beta. */
static double update_inner(gbp *g, size_t b, double damping) {
    region *B = &g->reg[b];
    double *marg = g->scratch, *qn = g->scratch + B->size;
    double ex = 1.0 / ((double)B->nlink + B->ceff);
    for (size_t x = 0; x < B->size; x++) qn[x] = 0.0;
    for (size_t k = 0; k < B->nlink; k++) {
        const glink *L = &g->link[B->link[k]];
        const region *A = &g->reg[L->a];
        /* Q_alpha's marginal on x_beta (log-sum-exp by a running maximum per entry). */
        double *mx = marg, *sm = g->mab + L->off; /* the sums go where the message will */
        for (size_t x = 0; x < B->size; x++) mx[x] = -HUGE_VAL, sm[x] = 0.0;
        for (size_t e = 0; e < A->size; e++) {
            double t = A->lq[e];
            if (t == -HUGE_VAL) continue;
            size_t x = L->proj[e];
            if (t > mx[x]) sm[x] = sm[x] * exp(mx[x] - t) + 1.0, mx[x] = t;
            else sm[x] += exp(t - mx[x]);
        }
        double *mab = g->mab + L->off, *mba = g->mba + L->off;
        for (size_t x = 0; x < B->size; x++) {
            double lm = mx[x] == -HUGE_VAL ? -HUGE_VAL : mx[x] + log(sm[x]);
            mab[x] = lsub(lm, mba[x]);
            qn[x] = qn[x] == -HUGE_VAL || mab[x] == -HUGE_VAL ? -HUGE_VAL : qn[x] + ex * mab[x];
        }
    }
    ax_lognormalize(qn, B->size);
    double change = ax_damp_into(B->lq, qn, B->size, damping);
    for (size_t k = 0; k < B->nlink; k++) {
        const glink *L = &g->link[B->link[k]];
        double *mab = g->mab + L->off, *mba = g->mba + L->off;
        /* Q_alpha changes by the ratio of the new message to the old one: one pass over
         * its table instead of the product of all its messages again. */
        double *dl = marg;
        int dead = 0;
        for (size_t x = 0; x < B->size; x++) {
            double nw = lsub(B->lq[x], mab[x]);
            dead |= mba[x] == -HUGE_VAL;
            dl[x] = nw == -HUGE_VAL ? -HUGE_VAL : nw - mba[x];
            mba[x] = nw;
        }
        if (dead) {
            refresh_outer(g, L->a);
            continue;
        }
        region *A = &g->reg[L->a];
        for (size_t e = 0; e < A->size; e++)
            if (A->lq[e] > -HUGE_VAL) A->lq[e] += dl[L->proj[e]];
        ax_lognormalize(A->lq, A->size);
    }
    return change;
}

/* ln Z_Kikuchi from the current Q; -HUGE_VAL when a belief vanishes. */
static double kikuchi(gbp *g) {
    double lz = 0.0;
    for (size_t a = 0; a < g->nouter; a++) {
        const region *A = &g->reg[a];
        const double *lp = g->lpsi0 + g->psioff[a];
        double e1 = 0.0;
        int alive = 0;
        for (size_t e = 0; e < A->size; e++)
            if (A->lq[e] > -HUGE_VAL) e1 += exp(A->lq[e]) * lp[e], alive = 1;
        if (!alive) return -HUGE_VAL;
        lz += e1 + ax_entropy(A->lq, A->size);
    }
    for (size_t b = g->nouter; b < g->nreg; b++) {
        const region *B = &g->reg[b];
        int alive = 0;
        for (size_t x = 0; x < B->size; x++) alive |= B->lq[x] > -HUGE_VAL;
        if (!alive) return -HUGE_VAL;
        lz += B->c * ax_entropy(B->lq, B->size);
    }
    return lz;
}

/* Restart k's start: mu_{beta->alpha} leaning every variable towards a value of a
 * configuration, one unit of log-weight per match (none at k = 0; the same value everywhere
 * for k = 1 .. d, an ordered phase of a ferromagnet; random values beyond), the Q_alpha they
 * give and uniform Q_beta. Returns 1 when a Q_alpha vanishes (Z = 0). */
static int start(gbp *g, unsigned k, uint64_t seed, uint32_t *pref) {
    const ax_model *r = g->r;
    zs_rng rng;
    zs_rng_init(&rng, seed, 2000003u + k);
    for (size_t v = 0; v < r->n; v++)
        pref[v] = k == 0 ? 0
                  : k <= r->maxdom ? (uint32_t)((k - 1) % r->dom[v])
                                   : (uint32_t)zs_rng_below(&rng, r->dom[v]);
    for (size_t l = 0; l < g->nlink; l++) {
        const region *B = &g->reg[g->link[l].b];
        for (size_t x = 0; x < B->size; x++) {
            /* x's values, last variable fastest. */
            size_t e = x, match = 0;
            for (size_t j = B->nv; j-- > 0;) {
                match += e % r->dom[B->v[j]] == pref[B->v[j]];
                e /= r->dom[B->v[j]];
            }
            g->mba[g->link[l].off + x] = k ? 0.5 * (double)match : 0.0;
        }
    }
    int zero = 0;
    for (size_t a = 0; a < g->nouter; a++)
        if (refresh_outer(g, a) == -HUGE_VAL) zero = 1;
    for (size_t b = g->nouter; b < g->nreg; b++) {
        region *B = &g->reg[b];
        for (size_t x = 0; x < B->size; x++) B->lq[x] = -log((double)B->size);
    }
    return zero;
}

/* The outer loop's step: the concave part of the free energy (the entropies of the inner
 * regions with c < 0) linearized at the current Q_beta, as a change of the outer regions'
 * tables: psi_alpha prod_beta Q_beta^((max(c,0) - c) / n_beta). Returns 1 when a Q_alpha
 * vanishes. */
static int linearize(gbp *g) {
    int zero = 0;
    for (size_t a = 0; a < g->nouter; a++) {
        region *A = &g->reg[a];
        double *lp = g->lpsio + g->psioff[a];
        memcpy(lp, g->lpsi0 + g->psioff[a], A->size * sizeof *lp);
        for (size_t q = 0; q < A->nlink; q++) {
            const glink *L = &g->link[A->link[q]];
            const region *B = &g->reg[L->b];
            double w = (B->ceff - B->c) / (double)B->nlink;
            if (w == 0.0) continue;
            for (size_t e = 0; e < A->size; e++)
                lp[e] = lp[e] == -HUGE_VAL || B->lq[L->proj[e]] == -HUGE_VAL
                            ? -HUGE_VAL
                            : lp[e] + w * B->lq[L->proj[e]];
        }
        if (refresh_outer(g, a) == -HUGE_VAL) zero = 1;
    }
    return zero;
}

/* The inner loop on the convex problem: GBP_INNER sweeps, undamped (as libDAI's HAK, whose
 * double loop ignores its damping: damping Q_beta here keeps the outer loop from settling;
 * with 0.5 it had not converged on Grids_14 of UAI 2014 after 1000 outer iterations, without
 * it converges in 617). Returns the largest change of a Q_beta over them. */
static double inner_sweeps(gbp *g) {
    double *old = g->qold;
    for (size_t b = g->nouter, off = 0; b < g->nreg; off += g->reg[b].size, b++)
        memcpy(old + off, g->reg[b].lq, g->reg[b].size * sizeof *old);
    for (int sweep = 0; sweep < GBP_INNER; sweep++)
        for (size_t b = g->nouter; b < g->nreg; b++) update_inner(g, b, 0.0);
    double change = 0.0;
    for (size_t b = g->nouter, off = 0; b < g->nreg; off += g->reg[b].size, b++) {
        double c = ax_maxdiff(g->reg[b].lq, old + off, g->reg[b].size);
        if (c > change) change = c;
    }
    return change;
}

/* Inner regions' exponents: the single loop's true counting numbers (dbl = 0), or the double
 * loop's max(c, 0) (dbl = 1); the single loop also takes the model's psi_alpha back. */
static void set_loop(gbp *g, int dbl) {
    for (size_t b = g->nouter; b < g->nreg; b++) {
        double c = g->reg[b].c;
        g->reg[b].ceff = dbl && c < 0.0 ? 0.0 : c;
    }
    if (!dbl) memcpy(g->lpsio, g->lpsi0, g->psioff[g->nouter] * sizeof *g->lpsio);
}

/* One sweep of the single loop over every inner region; the largest change of a Q_beta. */
static double single_sweep(gbp *g, double damping) {
    double change = 0.0;
    for (size_t b = g->nouter; b < g->nreg; b++) {
        double c = update_inner(g, b, damping);
        if (c > change) change = c;
    }
    return change;
}

typedef struct run_state {
    uint64_t it;   /* single-loop sweeps plus double-loop outer iterations */
    double change; /* the last sweep's (outer iteration's) largest change of a Q_beta */
    int conv;
} run_state;

/* The single loop from restart k's start: converged (rs->conv), or given up at max_iter sweeps,
 * out of time (then 2 is returned: no double loop to follow), or, before the double loop
 * (loop AX_GBP_BOTH), when its residual has made no new low in GBP_STALL sweeps: it oscillates
 * (the UAI 2014 grids: within 25-45 sweeps) or drifts away from an unstable fixed point (the
 * 16 x 16 torus at K_c, after about 100).
 * Returns 1 when a Q_alpha vanishes. */
static int single_loop(gbp *g, const zs_factor_approx_opts *o, double t0, unsigned k, uint32_t *pref,
                       int loop, run_state *rs) {
    set_loop(g, 0);
    if (start(g, k, o->seed, pref)) return 1;
    double best = HUGE_VAL;
    uint64_t best_it = 0;
    while (rs->it < o->max_iter) {
        rs->change = single_sweep(g, o->damping);
        rs->it++;
        if (rs->change < o->tol) {
            rs->conv = 1;
            return 0;
        }
        if (ax_out_of_time(o, t0)) return 2;
        if (rs->change < best) best = rs->change, best_it = rs->it;
        if (loop == AX_GBP_BOTH && rs->it - best_it >= GBP_STALL) return 0;
    }
    return 0;
}

/* The double loop from restart k's start (afresh: the single loop's last state is wherever its
 * oscillation stood): at most max_iter outer iterations. Returns 1 when a Q_alpha vanishes. */
static int double_loop(gbp *g, const zs_factor_approx_opts *o, double t0, unsigned k, uint32_t *pref,
                       run_state *rs) {
    set_loop(g, 1);
    if (start(g, k, o->seed, pref)) return 1;
    for (uint64_t outer = 0; outer < o->max_iter; outer++) {
        if (linearize(g)) return 1;
        rs->change = inner_sweeps(g);
        rs->it++;
        if (rs->change < o->tol) {
            rs->conv = 1;
            break;
        }
        if (ax_out_of_time(o, t0)) break;
    }
    return 0;
}

/* One run from restart k's start by loop (AX_GBP_BOTH: the single loop, then the double loop
 * unless the single one converged or the time ran out). Returns 1 when a Q_alpha vanishes. */
static int one_run(gbp *g, const zs_factor_approx_opts *o, double t0, unsigned k, uint32_t *pref,
                   int loop, run_state *rs) {
    if (loop != AX_GBP_DOUBLE) {
        int st = single_loop(g, o, t0, k, pref, loop, rs);
        if (st == 1) return 1;
        if (st == 2 || rs->conv || loop == AX_GBP_SINGLE) return 0;
    }
    return double_loop(g, o, t0, k, pref, rs);
}

zs_status ax_gbp(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res) {
    return ax_gbp_loop(r, o, AX_GBP_BOTH, res);
}

zs_status ax_gbp_loop(const ax_model *r, const zs_factor_approx_opts *o, int loop,
                      zs_factor_approx_result *res) {
    double t0 = zs_monotonic_seconds();
    size_t R = 0, C = 0;
    int torus = 0;
    if (!ax_lattice(r, &R, &C, &torus))
        return zs_fail(r->ctx, ZS_EUNSUPPORTED,
                       "gbp: the model is not a square grid or torus of pairwise bonds (after "
                       "evidence) numbered row by row; the plaquette regions need one (bp, trw "
                       "and mbe take any model)");
    gbp g;
    memset(&g, 0, sizeof g);
    g.r = r;
    zs_status st = build(&g, R, C, torus);
    if (st != ZS_OK) {
        gbp_free(&g);
        return st == ZS_ENOMEM ? zs_fail(r->ctx, ZS_ENOMEM, "gbp: out of memory for the regions")
                               : zs_fail(r->ctx, ZS_EUNSUPPORTED,
                                         "gbp: the lattice's plaquettes do not make a valid "
                                         "region graph");
    }
    uint32_t *pref = zs_malloc(r->n * sizeof *pref);
    if (!pref) {
        gbp_free(&g);
        return zs_fail(r->ctx, ZS_ENOMEM, "gbp: out of memory");
    }
    int have = 0, zero = 0;
    for (unsigned k = 0; k <= o->restarts && !zero; k++) {
        if (k > 0 && ax_out_of_time(o, t0)) break;
        run_state rs = {0, HUGE_VAL, 0};
        zero = one_run(&g, o, t0, k, pref, loop, &rs);
        if (zero) break;
        double lz = kikuchi(&g);
        if (lz == -HUGE_VAL) {
            zero = 1;
            break;
        }
        ax_keep_run(res, &have, rs.conv, lz, rs.it, rs.change);
    }
    free(pref);
    gbp_free(&g);
    if (zero)
        return zs_fail(r->ctx, ZS_ENUMERIC,
                       "gbp: every value of a region has zero weight after message passing: the "
                       "zeros and the evidence give Z = 0");
    return ZS_OK;
}
