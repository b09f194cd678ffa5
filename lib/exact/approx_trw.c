/* approx_trw.c — the tree-reweighted upper bound on ln Z, for any factor model and at every
 * iterate.
 *
 * Convexity of ln Z in the log-tables theta (Wainwright, Jaakkola & Willsky 2005, IEEE Trans.
 * Inf. Theory 51, 2313, eq. 12): for pieces k with weights rho_k > 0, sum_k rho_k = 1, and
 * any tables theta^k with sum_k rho_k theta^k = theta,
 *     ln Z(theta) <= B = sum_k rho_k ln Z(theta^k).
 * The pieces here are acyclic sub-models (factor-graph forests: a factor joins the piece
 * only when its variables lie in distinct components, so the bipartite graph of variables and
 * factors stays a forest; WJW's spanning trees, and spanning hypertrees for larger factors).
 * Every piece holds every variable and its unary table; factor f lies in the pieces P(f),
 * rho_f = sum_{k in P(f)} rho_k > 0. ln Z of a piece is exact by sum-product on its forest
 * (Pearl; Kschischang, Frey & Loeliger 2001), so every B evaluated is a valid upper bound,
 * whatever the split and however many steps were taken: the result is always labelled an
 * upper bound. Exact on a forest (every piece is the whole model).
 *
 * The split is optimized from theta^k_f = theta_f / rho_f (the start). For one block (the
 * tables of one factor, or one variable's unary table, across the pieces holding it), ln Z of
 * piece k moves as ln sum_x mu^k(x) exp(delta theta^k(x)): the piece's other messages do not
 * depend on that table, so with c^k(x) = ln mu^k(x) - theta^k(x) (the "cavity": the product of
 * the messages into the block, up to a constant) the block's exact minimizer under the
 * constraint is
 *     theta^k(x) = theta(x) / rho_f - c^k(x) + sum_j rho_j c^j(x) / rho_f,
 * the split at which the pieces' marginals of the block agree (the optimality condition, WJW
 * sec. IV). Every block's minimizer at once gives a descent direction d (each block part has a
 * non-positive directional derivative, and the gradient is their sum); a backtracking line
 * search along d keeps B strictly decreasing, so the best bound seen is the last one.
 * converged: the pieces' marginals of every block agree within tol (then B is the minimum over
 * splits of this piece set, the TRW bound for its edge appearance probabilities rho_f).
 *
 * Pieces, each of weight rho_k = 1 / pieces (so rho_f is the fraction of pieces holding f):
 * on a square L x L torus numbered row by row (the UAI generators', zsum ising's), the 2n
 * translates of the two comb spanning trees, which give every bond the uniform weight
 * (n - 1)/|E| that a translation-invariant model's optimum calls for (a torus whose tables
 * differ from bond to bond: the 2L diagonal translates, comb_piece; on Grids_11 the bound
 * after 1000 steps is within 0.02 nats of the 2n pieces' in a tenth of the time); on an open R x C grid
 * so numbered, the R + C combs (each row a path joined by one column, or each column by one
 * row: a row bond in C + 1 of them, a column bond in R + 1; on Grids_15 the bound after 1000
 * steps went from +129.1 to +128.1 nats in a quarter of the time, 40 pieces instead of 100);
 * otherwise `trees`
 * maximal forests of random factor keys (Kruskal on hyperedges), then more, with the factors
 * not yet drawn first, until every factor is in one (on an open grid sampled spanning trees
 * give each bond about (n - 1)/|E|). Past 2^23 table entries no more are drawn once every
 * factor is covered.
 *
 * Zeros: a factor entry or unary value whose cavity vanishes in some piece has zero marginal
 * there, and a piece's support contains the model's (its tables are zero where theta is, and
 * it has fewer factors), so no configuration of positive weight uses it: it is set to zero in
 * every piece, which leaves Z unchanged, until none is left; then every cavity of a live entry
 * is finite. A piece with Z = 0 proves Z = 0. */
#include "exact/approx_internal.h"

#include <float.h>
#include <string.h>

/* An edge of a piece's forest in breadth-first order: factor f, its scope position p, and
 * whether the child (the end farther from the component's root) is the factor. */
typedef struct tedge {
    size_t f;
    uint32_t p;
    uint32_t child_is_factor;
} tedge;

typedef struct trw {
    const ax_model *r;
    size_t K;          /* pieces                                                           */
    double rho;        /* 1 / K: each piece's weight                                       */
    size_t *pstart;    /* (K + 1) piece k's slots are pstart[k] .. pstart[k + 1]            */
    size_t *sfac;      /* (nslots) the factor of each slot                                  */
    size_t *soff;      /* (nslots + 1) offsets of the slots' tables                         */
    size_t *fstart;    /* (nf + 1) CSR factor -> its slots                                  */
    size_t *fslot;
    size_t *estart;    /* (K + 1) piece k's edges: ed[estart[k] .. estart[k + 1])           */
    tedge *ed;
    size_t *rstart;    /* (K + 1) piece k's component roots: roots[rstart[k] ..]            */
    size_t *roots;
    size_t *foff;      /* (nf + 1) first edge id of factor f; edge foff[f] + p              */
    size_t *moff;      /* (edges + 1) value offsets of the edges' messages                  */
    double *mvf, *mfv; /* messages variable -> factor and factor -> variable (logs)         */
    size_t *slot_of;   /* (nf) slot of f in the piece being evaluated, SIZE_MAX if none      */
    double *sa, *sb;   /* (maxdom) scratch                                                  */
    double *lk;        /* (2 K) scratch                                                     */
    size_t *koff;      /* (K) scratch                                                       */
    size_t nu;         /* uoff[n]: unary entries of one piece                               */
    double *lnt;       /* (soff-shaped per factor: toff) the live tables (zeros propagated) */
    size_t *toff;      /* (nf + 1)                                                          */
    double *un;        /* (nu) the live unary tables                                        */
} trw;

/* The split: theta^k of every slot (T, soff-shaped) and of every piece's unaries (U, K nu),
 * and the cavities of the same shapes at that split. */
typedef struct split {
    double *T, *U, *C, *CU;
} split;

static size_t nslots(const trw *w) { return w->pstart[w->K]; }

static zs_status oom(const trw *w) {
    return zs_fail(w->r->ctx, ZS_ENOMEM, "trw: out of memory for the pieces");
}

/* ---- the pieces -------------------------------------------------------------------------- */

static size_t find(size_t *parent, size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
}

typedef struct wkey {
    double key;
    size_t f;
} wkey;

static int by_key(const void *a, const void *b) {
    double x = ((const wkey *)a)->key, y = ((const wkey *)b)->key;
    return (x > y) - (x < y);
}

/* Set in[] (1 = in the forest) to a maximal acyclic set of factors taken in key order. */
static void draw_forest(const ax_model *r, const wkey *wk, size_t *parent, unsigned char *in) {
    size_t nf = r->fm->nf;
    for (size_t v = 0; v < r->n; v++) parent[v] = v;
    for (size_t k = 0; k < nf; k++) {
        const fm_factor *g = &r->fm->f[wk[k].f];
        int ok = 1;
        /* Acyclic iff the scope's variables lie in distinct components (scopes are sorted
         * sets, so a repeated root means two of them are already joined). */
        for (size_t a = 0; a < g->arity && ok; a++)
            for (size_t b = a + 1; b < g->arity && ok; b++)
                ok = find(parent, g->scope[a]) != find(parent, g->scope[b]);
        in[wk[k].f] = (unsigned char)ok;
        if (!ok) continue;
        for (size_t a = 1; a < g->arity; a++)
            parent[find(parent, g->scope[a])] = find(parent, g->scope[0]);
    }
}

/* Grow the slot arrays to hold cap slots. */
static int grow_slots(trw *w, size_t cap) {
    size_t *a = zs_realloc(w->sfac, cap * sizeof *a);
    if (!a) return 0;
    w->sfac = a;
    size_t *b = zs_realloc(w->soff, (cap + 1) * sizeof *b);
    if (!b) return 0;
    w->soff = b;
    return 1;
}

/* A square L x L torus numbered row by row (ax_lattice): bond[s] is the factor of the bond
 * from site s to its right neighbour, bond[n + s] to the one below; 0 when it is not one. */
static int torus_bonds(const ax_model *r, size_t *bond) {
    size_t R, C, n = r->n;
    int torus;
    if (!ax_lattice(r, &R, &C, &torus) || !torus || R != C) return 0;
    for (size_t f = 0; f < r->fm->nf; f++) {
        size_t a = r->fm->f[f].scope[0], b = r->fm->f[f].scope[1];
        if (b == a + 1 && a % C != C - 1) bond[a] = f;
        else if (b == a + C - 1 && a % C == 0) bond[b] = f; /* (row, C - 1) -> (row, 0) */
        else if (b == a + C) bond[n + a] = f;
        else bond[n + b] = f; /* (R - 1, c) -> (0, c) */
    }
    return 1;
}

/* 1 when every factor has the same table and every variable the same unary table: a
 * translation-invariant model on a torus. */
static int same_tables(const ax_model *r) {
    const fm_factor *f0 = &r->fm->f[0];
    for (size_t f = 1; f < r->fm->nf; f++)
        if (r->fm->f[f].size != f0->size ||
            memcmp(r->fm->f[f].lnt, f0->lnt, f0->size * sizeof *f0->lnt) != 0)
            return 0;
    for (size_t v = 1; v < r->n; v++)
        if (r->dom[v] != r->dom[0] ||
            memcmp(r->un + r->uoff[v], r->un, r->dom[0] * sizeof *r->un) != 0)
            return 0;
    return 1;
}

/* Piece K of a square torus: the translate t = K / 2 (by t / L rows, t % L columns; diag: by t
 * rows and t columns) of a comb spanning tree, horizontal (every row a path, joined by a
 * column) for even K, vertical for odd K. Over all 2n pieces each bond is in a fraction
 * (n - 1) / 2n of them: the uniform edge weights, which a symmetric model's optimum needs
 * (WJW sec. VI: the weights the symmetry leaves). The 2L diagonal translates put a bond in L
 * of them, or in L - 1 for the L bonds of each direction that the spines of the other
 * direction miss (row bonds at column row - 1, column bonds at row column - 1, mod L): weights
 * 1/2 and (L - 1)/2L, with a tenth of the pieces on a 10 x 10 torus. */
static void comb_piece(const ax_model *r, const size_t *bond, size_t K, int diag,
                       unsigned char *in) {
    size_t n = r->n, L = 1;
    while (L * L < n) L++;
    size_t t = K / 2, dr = diag ? t : t / L, dc = t % L, mr = (L - 1 + dr) % L,
           mc = (L - 1 + dc) % L;
    memset(in, 0, r->fm->nf);
    for (size_t s = 0; s < n; s++) {
        size_t row = s / L, col = s % L;
        if (K % 2 == 0) {
            in[bond[s]] = col != mc;                      /* each row: a path       */
            if (col == dc && row != mr) in[bond[n + s]] = 1; /* the spine: a column */
        } else {
            in[bond[n + s]] = row != mr;
            if (row == dr && col != mc) in[bond[s]] = 1;
        }
    }
}

/* An open R x C grid numbered row by row (ax_lattice, not a torus): bond as torus_bonds
 * (SIZE_MAX where a border leaves none); 0 when the model is not one. */
static int grid_bonds(const ax_model *r, size_t *bond, size_t *R, size_t *C) {
    size_t n = r->n;
    int torus;
    if (!ax_lattice(r, R, C, &torus) || torus) return 0;
    for (size_t s = 0; s < 2 * n; s++) bond[s] = SIZE_MAX;
    for (size_t f = 0; f < r->fm->nf; f++) {
        size_t a = r->fm->f[f].scope[0], b = r->fm->f[f].scope[1];
        bond[b == a + 1 ? a : n + a] = f;
    }
    return 1;
}

/* Piece K of an open R x C grid: for K < C the comb of every row's path joined by column K,
 * else the comb of every column's path joined by row K - C. Over the R + C pieces a bond
 * along a row is in (C + 1) of them, one along a column in (R + 1): uniform weights on a
 * square grid, (L + 1) / 2L, near the (n - 1)/|E| of uniformly sampled spanning trees, with
 * R + C pieces instead of `trees`. */
static void open_comb_piece(const ax_model *r, const size_t *bond, size_t C, size_t K,
                            unsigned char *in) {
    size_t n = r->n;
    memset(in, 0, r->fm->nf);
    for (size_t s = 0; s < n; s++) {
        size_t row = s / C, col = s % C, h = bond[s], v = bond[n + s];
        if (K < C) {
            if (h != SIZE_MAX) in[h] = 1;
            if (v != SIZE_MAX && col == K) in[v] = 1;
        } else {
            if (v != SIZE_MAX) in[v] = 1;
            if (h != SIZE_MAX && row == K - C) in[h] = 1;
        }
    }
}

/* Draw the pieces (sfac, soff, pstart, K), stopping early once every factor is covered and
 * the tables pass max_entries: the 2n combs of a square torus, `trees` random forests
 * otherwise. */
static zs_status draw_pieces(trw *w, const zs_factor_approx_opts *o, size_t max_entries) {
    const ax_model *r = w->r;
    size_t nf = r->fm->nf, cap = 0, ns = 0, uncovered = nf, K = 0;
    size_t *parent = zs_malloc((r->n ? r->n : 1) * sizeof *parent);
    size_t *cnt = zs_calloc(nf ? nf : 1, sizeof *cnt);
    unsigned char *in = zs_malloc(nf ? nf : 1);
    wkey *wk = zs_malloc((nf ? nf : 1) * sizeof *wk);
    size_t *ps = NULL, *bond = zs_calloc(2 * r->n, sizeof *bond);
    zs_status st = ZS_OK;
    zs_rng rng;
    zs_rng_init(&rng, o->seed, 7);
    if (!parent || !cnt || !in || !wk || !bond) st = oom(w);
    int combs = st == ZS_OK && torus_bonds(r, bond);
    size_t GR = 0, GC = 0;
    int open = st == ZS_OK && !combs && grid_bonds(r, bond, &GR, &GC);
    /* A torus whose tables differ from bond to bond has no symmetry that favours uniform
     * weights: the 2L diagonal translates. */
    int diag = combs && !same_tables(r);
    while (diag && GR * GR < r->n) GR++;
    size_t want = diag ? 2 * GR : combs ? 2 * r->n : open ? GR + GC : o->trees;
    while (st == ZS_OK && (K < want || uncovered > 0)) {
        if (uncovered == 0 && w->soff && w->soff[ns] + K * r->uoff[r->n] > max_entries) break;
        size_t *np = zs_realloc(ps, (K + 2) * sizeof *np);
        if (!np) {
            st = oom(w);
            break;
        }
        ps = np;
        if (combs) {
            comb_piece(r, bond, K, diag, in);
        } else if (open) {
            open_comb_piece(r, bond, GC, K, in);
        } else {
            for (size_t f = 0; f < nf; f++)
                wk[f].key = zs_rng_uniform(&rng) + (K >= want && cnt[f] ? 1.0 : 0.0), wk[f].f = f;
            qsort(wk, nf, sizeof *wk, by_key);
            draw_forest(r, wk, parent, in);
        }
        size_t add = 0;
        for (size_t f = 0; f < nf; f++) add += in[f];
        if (ns + add >= cap) {
            cap = 2 * (ns + add) + 16;
            if (!grow_slots(w, cap)) {
                st = oom(w);
                break;
            }
        }
        if (ns == 0) w->soff[0] = 0;
        ps[K] = ns;
        for (size_t f = 0; f < nf; f++) {
            if (!in[f]) continue;
            if (cnt[f]++ == 0) uncovered--;
            w->sfac[ns] = f;
            w->soff[ns + 1] = w->soff[ns] + r->fm->f[f].size;
            ns++;
        }
        K++;
        ps[K] = ns;
        if (uncovered > 0 && w->soff[ns] + K * r->uoff[r->n] > max_entries)
            st = zs_fail(r->ctx, ZS_ETOOBIG,
                         "trw: covering every factor by forests needs more than %zu table entries",
                         max_entries);
    }
    if (st == ZS_OK && K == 0) st = oom(w);
    w->pstart = ps;
    w->K = K;
    w->rho = K ? 1.0 / (double)K : 1.0;
    free(parent), free(cnt), free(in), free(wk), free(bond);
    return st;
}

/* The breadth-first edges and roots of piece k (estart/ed/rstart/roots appended). */
static void piece_edges(trw *w, size_t k, unsigned char *seen, size_t *ne, size_t *nr) {
    const ax_model *r = w->r;
    for (size_t s = w->pstart[k]; s < w->pstart[k + 1]; s++) w->slot_of[w->sfac[s]] = s;
    memset(seen, 0, r->n);
    for (size_t root = 0; root < r->n; root++) {
        if (seen[root]) continue;
        seen[root] = 1;
        w->roots[(*nr)++] = root;
        size_t head = *ne;
        /* The edge list is its own queue: expand the root, then each edge's child in turn. */
        size_t v = root, from = SIZE_MAX;
        for (;;) {
            if (v != SIZE_MAX) {
                for (size_t j = r->vstart[v]; j < r->vstart[v + 1]; j++) {
                    size_t g = r->vfac[j];
                    if (g == from || w->slot_of[g] == SIZE_MAX) continue;
                    w->ed[(*ne)++] = (tedge){g, (uint32_t)r->vpos[j], 1};
                }
            }
            if (head == *ne) break;
            tedge e = w->ed[head++];
            v = SIZE_MAX;
            if (e.child_is_factor) {
                const fm_factor *g = &r->fm->f[e.f];
                for (uint32_t q = 0; q < g->arity; q++) {
                    if (q == e.p || seen[g->scope[q]]) continue;
                    seen[g->scope[q]] = 1;
                    w->ed[(*ne)++] = (tedge){e.f, q, 0};
                }
            } else {
                v = r->fm->f[e.f].scope[e.p];
                from = e.f;
            }
        }
    }
    for (size_t s = w->pstart[k]; s < w->pstart[k + 1]; s++) w->slot_of[w->sfac[s]] = SIZE_MAX;
}

/* Every piece's edges and roots, and the factor -> slots index. */
static zs_status index_pieces(trw *w) {
    const ax_model *r = w->r;
    size_t nf = r->fm->nf, ns = nslots(w), tot = 0;
    for (size_t s = 0; s < ns; s++) tot += r->fm->f[w->sfac[s]].arity;
    w->estart = zs_malloc((w->K + 1) * sizeof *w->estart);
    w->rstart = zs_malloc((w->K + 1) * sizeof *w->rstart);
    w->ed = zs_malloc((tot ? tot : 1) * sizeof *w->ed);
    w->roots = zs_malloc((w->K * r->n + 1) * sizeof *w->roots);
    w->fstart = zs_calloc(nf + 1, sizeof *w->fstart);
    w->fslot = zs_malloc((ns ? ns : 1) * sizeof *w->fslot);
    unsigned char *seen = zs_malloc(r->n ? r->n : 1);
    if (!w->estart || !w->rstart || !w->ed || !w->roots || !w->fstart || !w->fslot || !seen) {
        free(seen);
        return oom(w);
    }
    size_t ne = 0, nr = 0;
    for (size_t k = 0; k < w->K; k++) {
        w->estart[k] = ne, w->rstart[k] = nr;
        piece_edges(w, k, seen, &ne, &nr);
    }
    w->estart[w->K] = ne, w->rstart[w->K] = nr;
    free(seen);
    for (size_t s = 0; s < ns; s++) w->fstart[w->sfac[s] + 1]++;
    for (size_t f = 0; f < nf; f++) w->fstart[f + 1] += w->fstart[f];
    size_t *fill = zs_malloc((nf ? nf : 1) * sizeof *fill);
    if (!fill) return oom(w);
    memcpy(fill, w->fstart, (nf ? nf : 1) * sizeof *fill);
    for (size_t s = 0; s < ns; s++) w->fslot[fill[w->sfac[s]]++] = s;
    free(fill);
    return ZS_OK;
}

/* ---- sum-product on one piece ------------------------------------------------------------- */

/* ln sum exp, accumulated per output value: acc holds the running maxima, sum the scaled sums. */
static void lse_add(double *mx, double *sum, size_t i, double v) {
    if (v == -HUGE_VAL) return;
    /* The first term needs no exp (the sum so far is 0: sum exp(-inf) + 1 = 1 exactly). */
    if (mx[i] == -HUGE_VAL) sum[i] = 1.0, mx[i] = v;
    else if (v > mx[i]) sum[i] = sum[i] * exp(mx[i] - v) + 1.0, mx[i] = v;
    else sum[i] += exp(v - mx[i]);
}

/* The message of factor f (table t, this piece's) to its variable at position p, from the
 * messages of its other variables. */
static void factor_msg(trw *w, size_t f, const double *t, uint32_t p) {
    const fm_factor *g = &w->r->fm->f[f];
    const uint32_t *dom = w->r->dom;
    uint32_t dp = dom[g->scope[p]];
    double *mx = w->sa, *sum = w->sb;
    for (uint32_t x = 0; x < dp; x++) mx[x] = -HUGE_VAL, sum[x] = 0.0;
    uint32_t digit[ZS_FACTOR_MAX_ARITY] = {0};
    const size_t e0 = w->foff[f];
    for (size_t e = 0; e < g->size; e++) {
        double v = t[e];
        for (uint32_t q = 0; q < g->arity && v > -HUGE_VAL; q++)
            if (q != p) v += w->mvf[w->moff[e0 + q] + digit[q]];
        lse_add(mx, sum, digit[p], v);
        for (size_t q = g->arity; q-- > 0;) {
            if (++digit[q] < dom[g->scope[q]]) break;
            digit[q] = 0;
        }
    }
    double *out = w->mfv + w->moff[e0 + p];
    for (uint32_t x = 0; x < dp; x++) out[x] = mx[x] == -HUGE_VAL ? -HUGE_VAL : mx[x] + log(sum[x]);
}

/* The unary table u of v plus the messages into v from its factors in the piece other than
 * skip, into out. */
static void var_in(const trw *w, size_t v, const double *u, size_t skip, double *out) {
    const ax_model *r = w->r;
    uint32_t d = r->dom[v];
    for (uint32_t x = 0; x < d; x++) out[x] = u[r->uoff[v] + x];
    for (size_t j = r->vstart[v]; j < r->vstart[v + 1]; j++) {
        size_t g = r->vfac[j];
        if (g == skip || w->slot_of[g] == SIZE_MAX) continue;
        const double *m = w->mfv + w->moff[w->foff[g] + r->vpos[j]];
        for (uint32_t x = 0; x < d; x++) out[x] += m[x];
    }
}

/* Send along edge e in the direction given (to the factor or to the variable). */
static void send(trw *w, const tedge *e, int to_factor, const double *T, const double *u) {
    if (to_factor) {
        size_t v = w->r->fm->f[e->f].scope[e->p];
        var_in(w, v, u, e->f, w->mvf + w->moff[w->foff[e->f] + e->p]);
    } else {
        factor_msg(w, e->f, T + w->soff[w->slot_of[e->f]], e->p);
    }
}

/* The cavities of piece k's slots and unaries into C and cu. */
static void cavities(trw *w, size_t k, double *C, double *cu) {
    const ax_model *r = w->r;
    for (size_t s = w->pstart[k]; s < w->pstart[k + 1]; s++) {
        const fm_factor *g = &r->fm->f[w->sfac[s]];
        size_t e0 = w->foff[w->sfac[s]];
        uint32_t digit[ZS_FACTOR_MAX_ARITY] = {0};
        double *c = C + w->soff[s];
        for (size_t e = 0; e < g->size; e++) {
            double v = 0.0;
            for (uint32_t q = 0; q < g->arity; q++) v += w->mvf[w->moff[e0 + q] + digit[q]];
            c[e] = v;
            for (size_t q = g->arity; q-- > 0;) {
                if (++digit[q] < r->dom[g->scope[q]]) break;
                digit[q] = 0;
            }
        }
    }
    for (size_t v = 0; v < r->n; v++) {
        for (uint32_t x = 0; x < r->dom[v]; x++) cu[r->uoff[v] + x] = 0.0;
        for (size_t j = r->vstart[v]; j < r->vstart[v + 1]; j++) {
            size_t g = r->vfac[j];
            if (w->slot_of[g] == SIZE_MAX) continue;
            const double *m = w->mfv + w->moff[w->foff[g] + r->vpos[j]];
            for (uint32_t x = 0; x < r->dom[v]; x++) cu[r->uoff[v] + x] += m[x];
        }
    }
}

/* ln Z of piece k under the split's tables, and its cavities into sp->C, sp->CU. */
static double piece_lnz(trw *w, size_t k, split *sp) {
    const ax_model *r = w->r;
    const double *u = sp->U + k * w->nu;
    for (size_t s = w->pstart[k]; s < w->pstart[k + 1]; s++) w->slot_of[w->sfac[s]] = s;
    /* Upward (leaves first: messages to the parents), then downward (to the children). */
    for (size_t i = w->estart[k + 1]; i-- > w->estart[k];) {
        const tedge *e = &w->ed[i];
        send(w, e, !e->child_is_factor, sp->T, u);
    }
    for (size_t i = w->estart[k]; i < w->estart[k + 1]; i++) {
        const tedge *e = &w->ed[i];
        send(w, e, (int)e->child_is_factor, sp->T, u);
    }
    double lnz = 0.0;
    for (size_t i = w->rstart[k]; i < w->rstart[k + 1] && lnz > -HUGE_VAL; i++) {
        size_t v = w->roots[i];
        double *b = w->sa;
        var_in(w, v, u, SIZE_MAX, b);
        lnz += ax_lognormalize(b, r->dom[v]);
    }
    cavities(w, k, sp->C, sp->CU + k * w->nu);
    for (size_t s = w->pstart[k]; s < w->pstart[k + 1]; s++) w->slot_of[w->sfac[s]] = SIZE_MAX;
    return lnz;
}

/* B = sum_k rho_k ln Z(theta^k), -HUGE_VAL when a piece has Z = 0. */
static double bound(trw *w, split *sp) {
    double b = 0.0;
    for (size_t k = 0; k < w->K && b > -HUGE_VAL; k++) b += w->rho * piece_lnz(w, k, sp);
    return b;
}

/* ---- the split and its optimization ---------------------------------------------------- */

/* theta^k = theta / rho_f for every slot, theta_v in every piece. */
static void split_start(const trw *w, split *sp) {
    const ax_model *r = w->r;
    for (size_t s = 0; s < nslots(w); s++) {
        size_t f = w->sfac[s];
        double rf = (double)(w->fstart[f + 1] - w->fstart[f]) * w->rho;
        const double *t = w->lnt + w->toff[f];
        for (size_t e = 0; e < r->fm->f[f].size; e++)
            sp->T[w->soff[s] + e] = t[e] == -HUGE_VAL ? -HUGE_VAL : t[e] / rf;
    }
    for (size_t k = 0; k < w->K; k++) memcpy(sp->U + k * w->nu, w->un, w->nu * sizeof *w->un);
}

/* Set to zero, in the live tables and every piece, each entry that is positive in a piece but
 * whose cavity there vanishes; returns 1 when one was. */
static int kill_dead(trw *w, split *sp) {
    const ax_model *r = w->r;
    int killed = 0;
    for (size_t s = 0; s < nslots(w); s++) {
        size_t f = w->sfac[s];
        for (size_t e = 0; e < r->fm->f[f].size; e++) {
            if (sp->T[w->soff[s] + e] == -HUGE_VAL || sp->C[w->soff[s] + e] > -HUGE_VAL) continue;
            killed = 1;
            w->lnt[w->toff[f] + e] = -HUGE_VAL;
            for (size_t j = w->fstart[f]; j < w->fstart[f + 1]; j++)
                sp->T[w->soff[w->fslot[j]] + e] = -HUGE_VAL;
        }
    }
    for (size_t k = 0; k < w->K; k++)
        for (size_t i = 0; i < w->nu; i++) {
            if (sp->U[k * w->nu + i] == -HUGE_VAL || sp->CU[k * w->nu + i] > -HUGE_VAL) continue;
            killed = 1;
            w->un[i] = -HUGE_VAL;
            for (size_t j = 0; j < w->K; j++) sp->U[j * w->nu + i] = -HUGE_VAL;
        }
    return killed;
}

/* One block (a factor's or a variable's table theta of S entries, in the m pieces whose
 * tables start at off[j] of T and C, rf = m rho): the step d to the block's minimizer,
 * theta^j <- theta / rf - c^j + mean_j c^j (the pieces' weights are equal), and the largest
 * disagreement of the pieces' marginals, returned (d NULL: only that). */
static double block(trw *w, size_t m, const size_t *off, size_t S, const double *theta, double rf,
                    const double *T, const double *C, double *d) {
    double *shift = w->lk, *lz = w->lk + w->K, res = 0.0;
    for (size_t j = 0; j < m; j++) {
        double mx = -HUGE_VAL, sum = 0.0;
        shift[j] = -HUGE_VAL;
        for (size_t e = 0; e < S; e++) {
            if (theta[e] == -HUGE_VAL) continue;
            if (C[off[j] + e] > shift[j]) shift[j] = C[off[j] + e];
            lse_add(&mx, &sum, 0, T[off[j] + e] + C[off[j] + e]);
        }
        lz[j] = mx == -HUGE_VAL ? -HUGE_VAL : mx + log(sum);
    }
    for (size_t e = 0; e < S; e++) {
        int live = theta[e] > -HUGE_VAL;
        double cbar = 0.0, mubar = 0.0;
        for (size_t j = 0; j < m && live; j++) {
            live = C[off[j] + e] > -HUGE_VAL && lz[j] > -HUGE_VAL;
            cbar += (C[off[j] + e] - shift[j]) / (double)m;
            mubar += exp(T[off[j] + e] + C[off[j] + e] - lz[j]) / (double)m;
        }
        for (size_t j = 0; j < m; j++) {
            if (!live) {
                if (d) d[off[j] + e] = 0.0;
                continue;
            }
            double c = C[off[j] + e];
            if (d) d[off[j] + e] = theta[e] / rf - (c - shift[j]) + cbar - T[off[j] + e];
            double dev = fabs(exp(T[off[j] + e] + c - lz[j]) - mubar);
            if (dev > res) res = dev;
        }
    }
    return res;
}

/* The step d (dT, dU; NULL: none) to every block's minimizer; returns the largest disagreement of the
 * pieces' marginals (0 when every block is at its minimizer). */
static double propose(trw *w, const split *sp, double *dT, double *dU) {
    const ax_model *r = w->r;
    size_t *off = w->koff;
    double res = 0.0;
    for (size_t f = 0; f < r->fm->nf; f++) {
        size_t m = w->fstart[f + 1] - w->fstart[f];
        for (size_t j = 0; j < m; j++) off[j] = w->soff[w->fslot[w->fstart[f] + j]];
        double b = block(w, m, off, r->fm->f[f].size, w->lnt + w->toff[f], (double)m * w->rho,
                         sp->T, sp->C, dT);
        if (b > res) res = b;
    }
    for (size_t v = 0; v < r->n; v++) {
        for (size_t k = 0; k < w->K; k++) off[k] = k * w->nu + r->uoff[v];
        double b = block(w, w->K, off, r->dom[v], w->un + r->uoff[v], 1.0, sp->U, sp->CU, dU);
        if (b > res) res = b;
    }
    return res;
}

/* x' = x + t d over n entries (a zero stays zero: its step is 0). */
static void axpy(double *out, const double *x, double t, const double *d, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = x[i] == -HUGE_VAL ? -HUGE_VAL : x[i] + t * d[i];
}

/* Minimize B over the split from *a (whose bound is *b): block-minimizer directions with a
 * backtracking line search. A step is taken when B decreases; near the minimum B is flat to
 * second order in the marginals' disagreement and its last digits cannot show progress, so a
 * step that changes B by no more than its rounding is taken when the disagreement shrinks.
 * *b is the least B evaluated. */
static void optimize(trw *w, const zs_factor_approx_opts *o, double t0, split *a, split *tr,
                     double *dT, double *dU, double *b, zs_factor_approx_result *res) {
    size_t nt = w->soff[nslots(w)], nuk = w->K * w->nu;
    double step = 1.0, cur = *b, resid = propose(w, a, dT, dU);
    uint64_t it = 0;
    while (resid >= o->tol && it < o->max_iter && !ax_out_of_time(o, t0)) {
        double t = step < 0.5 ? 2.0 * step : 1.0, bt = HUGE_VAL;
        double slack = 64.0 * DBL_EPSILON * (1.0 + fabs(cur));
        int ok = 0;
        for (; t > 1e-12 && !ok; t *= 0.5) {
            axpy(tr->T, a->T, t, dT, nt);
            axpy(tr->U, a->U, t, dU, nuk);
            bt = bound(w, tr);
            ok = bt < cur - slack || (bt <= cur + slack && propose(w, tr, NULL, NULL) < resid);
        }
        if (!ok) break; /* no progress along a descent direction: at rounding level */
        split tmp = *a;
        *a = *tr, *tr = tmp;
        cur = bt, step = 2.0 * t;
        if (bt < *b) *b = bt;
        it++;
        resid = propose(w, a, dT, dU);
    }
    res->converged = resid < o->tol;
    res->iterations = it;
    res->residual = resid;
}

static void trw_free(trw *w, split *sp, size_t nsp) {
    free(w->pstart), free(w->sfac), free(w->soff), free(w->fstart), free(w->fslot);
    free(w->estart), free(w->ed), free(w->rstart), free(w->roots), free(w->foff), free(w->moff);
    free(w->mvf), free(w->mfv), free(w->slot_of), free(w->sa), free(w->sb), free(w->lk), free(w->koff);
    free(w->lnt), free(w->toff), free(w->un);
    for (size_t i = 0; i < nsp; i++) free(sp[i].T), free(sp[i].U), free(sp[i].C), free(sp[i].CU);
}

/* The message layout, scratch and live tables (everything but the pieces). */
static zs_status trw_setup(trw *w) {
    const ax_model *r = w->r;
    size_t nf = r->fm->nf, ne = 0, nv = 0, nt = 0;
    for (size_t f = 0; f < nf; f++) ne += r->fm->f[f].arity, nt += r->fm->f[f].size;
    w->foff = zs_malloc((nf + 1) * sizeof *w->foff);
    w->moff = zs_malloc((ne + 1) * sizeof *w->moff);
    w->toff = zs_malloc((nf + 1) * sizeof *w->toff);
    w->slot_of = zs_malloc((nf ? nf : 1) * sizeof *w->slot_of);
    w->sa = zs_malloc(r->maxdom * sizeof *w->sa);
    w->sb = zs_malloc(r->maxdom * sizeof *w->sb);
    w->nu = r->uoff[r->n];
    w->lnt = zs_malloc((nt ? nt : 1) * sizeof *w->lnt);
    w->un = zs_malloc(w->nu * sizeof *w->un);
    if (!w->foff || !w->moff || !w->toff || !w->slot_of || !w->sa || !w->sb || !w->lnt || !w->un)
        return oom(w);
    w->moff[0] = w->toff[0] = 0;
    for (size_t f = 0; f < nf; f++) {
        const fm_factor *g = &r->fm->f[f];
        w->foff[f] = nv;
        for (size_t p = 0; p < g->arity; p++, nv++)
            w->moff[nv + 1] = w->moff[nv] + r->dom[g->scope[p]];
        w->toff[f + 1] = w->toff[f] + g->size;
        memcpy(w->lnt + w->toff[f], g->lnt, g->size * sizeof *g->lnt);
        w->slot_of[f] = SIZE_MAX;
    }
    w->foff[nf] = nv;
    memcpy(w->un, r->un, w->nu * sizeof *w->un);
    w->mvf = zs_malloc((w->moff[ne] + 1) * sizeof *w->mvf);
    w->mfv = zs_malloc((w->moff[ne] + 1) * sizeof *w->mfv);
    return w->mvf && w->mfv ? ZS_OK : oom(w);
}

/* Most table entries the split may hold (T, and U over the pieces): 2^23, about 64 MiB for
 * each of the six arrays of that shape; fewer pieces are drawn past it. */
#define TRW_MAX_ENTRIES ((size_t)1 << 23)

zs_status ax_trw(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res) {
    double t0 = zs_monotonic_seconds();
    trw w;
    memset(&w, 0, sizeof w);
    w.r = r;
    split sp[2];
    memset(sp, 0, sizeof sp);
    double *dT = NULL, *dU = NULL;
    zs_status st = trw_setup(&w);
    if (st == ZS_OK) st = draw_pieces(&w, o, TRW_MAX_ENTRIES);
    if (st == ZS_OK) st = index_pieces(&w);
    size_t nt = st == ZS_OK ? w.soff[nslots(&w)] + 1 : 0, nuk = w.K * w.nu + 1;
    if (st == ZS_OK) {
        w.lk = zs_malloc(2 * w.K * sizeof(double));
        w.koff = zs_malloc(w.K * sizeof(size_t));
        dT = zs_malloc(nt * sizeof *dT);
        dU = zs_malloc(nuk * sizeof *dU);
        int ok = w.lk && w.koff && dT && dU;
        for (int i = 0; i < 2 && ok; i++) {
            sp[i].T = zs_malloc(nt * sizeof(double)), sp[i].C = zs_malloc(nt * sizeof(double));
            sp[i].U = zs_malloc(nuk * sizeof(double)), sp[i].CU = zs_malloc(nuk * sizeof(double));
            ok = sp[i].T && sp[i].C && sp[i].U && sp[i].CU;
        }
        if (!ok) st = oom(&w);
    }
    double b = -HUGE_VAL;
    if (st == ZS_OK) {
        split_start(&w, &sp[0]);
        b = bound(&w, &sp[0]);
        while (b > -HUGE_VAL && kill_dead(&w, &sp[0])) b = bound(&w, &sp[0]);
        if (b == -HUGE_VAL)
            st = zs_fail(r->ctx, ZS_ENUMERIC,
                         "trw: a tree piece has Z = 0: the zeros and the evidence give Z = 0");
    }
    if (st == ZS_OK) {
        optimize(&w, o, t0, &sp[0], &sp[1], dT, dU, &b, res);
        res->lnz = b;
        res->kind = ZS_BOUND_UPPER;
    }
    free(dT), free(dU);
    trw_free(&w, sp, 2);
    return st;
}
