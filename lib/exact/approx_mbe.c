/* approx_mbe.c — weighted mini-bucket elimination (WMB) with iterative cost shifting and
 * weight optimization: an upper bound on ln Z.
 *
 * Bucket elimination (Dechter 1999) sums a variable v out of the product of the functions in
 * its bucket, building a table over all their variables: exponential in the induced width.
 * Mini-buckets (Dechter & Rish 2003) split the bucket into groups (clusters) of at most
 * i_bound variables each and eliminate v from each separately. Hölder's inequality makes that
 * a bound: for weights w_a > 0 with sum_a w_a = 1,
 *     sum_x prod_a f_a(x) <= prod_a ( sum_x f_a(x)^(1/w_a) )^(w_a),
 * so cluster a sends m_a = w_a ln sum_{x_v} exp(F_a / w_a) (F_a = ln f_a plus its incoming
 * messages) to the cluster of a later bucket that holds the message's scope; the constant
 * left at the end is an upper bound on ln Z (Liu & Ihler 2011, "Bounding the partition
 * function using Hölder's inequality", ICML).
 *
 * The bound is then tightened as Liu & Ihler (sec. 5) and Merlin's wmb do it, by passes over
 * the cluster tree the elimination built:
 * - the forward pass computes the messages and the bound along the order; before a bucket's
 *   messages, its clusters' weighted beliefs b_a ~ exp((F_a + B_a) / w_a), where B_a is the
 *   backward message from the cluster a sends to, are moment-matched on x_v: with ln mu_a
 *   the log marginal of b_a on x_v and ln mu_bar = sum_a w_a ln mu_a, a cost shift
 *   delta_a = w_a (ln mu_bar - ln mu_a) is added to cluster a (after it the weighted
 *   marginals agree: ln mu_a + delta_a / w_a = ln mu_bar up to a constant). The shifts
 *   sum to zero over the bucket, so the product of the clusters, hence Z, is unchanged, and
 *   the bound stays one for any shifts;
 * - the Hölder weights follow the gradient of the bound, d bound / d w_a = H_a, the
 *   conditional entropy of x_v given the rest of a's scope under b_a (Liu & Ihler, sec. 4):
 *   ln w_a -= w_a (H_a - sum_b w_b H_b), then renormalized to sum 1 (any positive weights that
 *   sum to 1 give a bound);
 * - the backward pass sends each cluster the message of the cluster it feeds,
 *   B_a = w_a ln sum_{rest of b} exp((F_b + B_b) / w_b - m_a / w_a), the weighted
 *   belief of b with a's own message divided out (Liu & Ihler, eq. 14; Merlin's wmb).
 * Each pass's bound is an upper bound; the least one seen is reported, so more passes never
 * report a looser bound. The passes stop after max_iter, when a pass moves the bound by
 * less than tol, or at max_seconds. Values where a marginal vanishes are left unshifted.
 *
 * The clusters of a bucket are formed as Merlin forms them: functions are merged pairwise,
 * the pair of fewest variables together first, while the union stays within i_bound (or
 * within the larger of the two, so that a function merges into one whose scope holds it).
 * The orders are the greedy ones of elimination (lib/exact/elim_order.c): min-fill, weighted
 * min-fill and min-degree each run one pass, and the passes continue on the order of the
 * least bound. When i_bound is at least the induced width + 1 there is one cluster per bucket
 * and the first pass is exact. */
#include "exact/approx_internal.h"
#include "exact/elim_internal.h"

#include <string.h>

/* Tables larger than this (2^31 entries, 16 GiB) are refused. */
#define MBE_MAX_TABLE 2147483648.0
/* Buckets of more functions than this are split by first fit (the pairwise merge is cubic). */
#define MBE_PAIR_MAX 256
/* The step of the weights' exponentiated gradient (3 gave tighter bounds on the UAI grids
 * than 0.3 or 1). */
#define MBE_WEIGHT_STEP 3.0
/* The least weight kept by the weight steps (renormalized after). */
#define MBE_MIN_WEIGHT 1e-3
/* The passes stop when the last MBE_WINDOW of them lowered the bound by less than
 * MBE_REL_TOL of its descent since the first pass. */
#define MBE_WINDOW 10
#define MBE_REL_TOL 0.01
/* Orders raced (mbe_rules) and the passes each runs before the least bound is picked. */
#define MBE_ORDERS 8
#define MBE_RACE 2

/* A function waiting in a bucket: a factor (src < nf), a variable's unary table (nf + v) or
 * a cluster's message (nf + n + cluster). */
typedef struct item {
    size_t k;
    uint32_t v[ZS_FACTOR_MAX_ARITY]; /* sorted ascending */
    size_t src;
    size_t next;                     /* next item in the same bucket */
} item;

typedef struct cl {
    uint32_t var;                    /* the variable it eliminates                      */
    size_t k, p;                     /* scope size; var at position p                   */
    uint32_t v[ZS_FACTOR_MAX_ARITY]; /* scope, sorted                                   */
    uint32_t s[ZS_FACTOR_MAX_ARITY]; /* separator: the scope without var                */
    size_t size, ssize, inner;       /* table size, separator size, stride of var       */
    double w;                        /* Hölder weight                                   */
    size_t parent;                   /* the cluster its message joins; SIZE_MAX: none   */
    size_t o0, no;                   /* its factors and unary tables: orig[o0 .. o0+no) */
    size_t c0, nc;                   /* the clusters feeding it: kids[c0 .. c0+nc)      */
    size_t b0;                       /* first cluster of its bucket                     */
    double *fwd, *bwd, *shift;       /* (ssize) (ssize) (dom[var])                      */
    double *th;                      /* (size) the sum of its factors and unary tables  */
    size_t toff;                     /* its incoming table: wmb.T + toff                */
    uint32_t *up;                    /* (parent's size) parent entry -> separator entry */
} cl;

typedef struct wmb {
    const ax_model *r;
    item *it;
    size_t nit, capit;
    size_t *head, *pos;   /* (n) first item of each bucket; each variable's place in the order */
    cl *c;
    size_t nc, capc;
    size_t *orig, norig, caporig;
    size_t *kids, nkids, capkids;
    size_t *bucket;       /* (n + 1) clusters of the i-th bucket: bucket[i] .. bucket[i+1]     */
    double *T;            /* every cluster's incoming table of the last forward pass (the
                             backward pass reads them: nothing changes between the two)        */
    double *U;            /* scratch of the largest cluster's size, for the backward pass      */
    uint64_t pass;        /* passes run                                                        */
    double first, best;   /* the first pass's bound, the least one                             */
    double hist[MBE_WINDOW]; /* the last passes' bounds (pass p at p % MBE_WINDOW)             */
    int conv;
} wmb;

static zs_status oom(const wmb *b) {
    return zs_fail(b->r->ctx, ZS_ENOMEM, "mbe: out of memory");
}

/* Make room for one more of an array (cap doubles). */
static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = zs_realloc(*p, nc * elem);
    if (!q) return 0;
    *p = q;
    *cap = nc;
    return 1;
}

/* File an item in the bucket of its earliest variable. */
static zs_status push(wmb *b, size_t k, const uint32_t *v, size_t src) {
    if (!grow((void **)&b->it, &b->capit, b->nit + 1, sizeof *b->it)) return oom(b);
    item *f = &b->it[b->nit];
    f->k = k;
    memcpy(f->v, v, k * sizeof *v);
    f->src = src;
    size_t first = v[0];
    for (size_t j = 1; j < k; j++)
        if (b->pos[v[j]] < b->pos[first]) first = v[j];
    f->next = b->head[first];
    b->head[first] = b->nit++;
    return ZS_OK;
}

/* Union of two sorted scopes into out; returns its size. */
static size_t merge_scope(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out) {
    size_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        if (j == nb || (i < na && a[i] < b[j])) out[k++] = a[i++];
        else if (i == na || b[j] < a[i]) out[k++] = b[j++];
        else out[k++] = a[i++], j++;
    }
    return k;
}

typedef struct group {
    size_t k;
    uint32_t v[ZS_FACTOR_MAX_ARITY];
} group;

/* The score of merging groups x and y (Merlin's greedy scope rule: fewest variables first),
 * or -1 when the union passes both i_bound and the larger of the two. */
static double pair_score(const group *x, const group *y, size_t ib) {
    uint32_t u[2 * ZS_FACTOR_MAX_ARITY];
    size_t k = merge_scope(x->v, x->k, y->v, y->k, u), lim = ib;
    if (x->k > lim) lim = x->k;
    if (y->k > lim) lim = y->k;
    return k > lim ? -1.0 : 1.0 / (double)(x->k + y->k);
}

/* The nb items list[] of a bucket into groups: grp[a] is item a's group, g[] their scopes.
 * Returns the number of groups, numbered 0.. in the order of their first item. */
static size_t wmb_partition(size_t ib, size_t nb, const item *it, const size_t *list,
                            size_t *grp, group *g, double *sc) {
    for (size_t a = 0; a < nb; a++) {
        grp[a] = a;
        g[a].k = it[list[a]].k;
        memcpy(g[a].v, it[list[a]].v, g[a].k * sizeof *g[a].v);
    }
    if (nb <= MBE_PAIR_MAX) {
        for (size_t a = 0; a < nb; a++)
            for (size_t c = 0; c < a; c++) sc[a * nb + c] = pair_score(&g[a], &g[c], ib);
        for (;;) {
            size_t bi = 0, bj = 0;
            double best = -1.0;
            for (size_t a = 0; a < nb; a++)
                for (size_t c = 0; c < a; c++)
                    if (grp[a] == a && grp[c] == c && sc[a * nb + c] > best)
                        best = sc[a * nb + c], bi = a, bj = c;
            if (best < 0.0) break;
            /* Merge bi into bj (bj < bi) and rescore bj's pairs. */
            uint32_t u[2 * ZS_FACTOR_MAX_ARITY];
            g[bj].k = merge_scope(g[bj].v, g[bj].k, g[bi].v, g[bi].k, u);
            memcpy(g[bj].v, u, g[bj].k * sizeof *u);
            for (size_t a = 0; a < nb; a++)
                if (grp[a] == bi) grp[a] = bj;
            for (size_t a = 0; a < nb; a++) {
                if (a == bj || grp[a] != a) continue;
                double s = pair_score(&g[a], &g[bj], ib);
                if (a > bj) sc[a * nb + bj] = s;
                else sc[bj * nb + a] = s;
            }
        }
    } else {
        /* First fit, largest scope first would need a sort; plain first fit keeps it linear
         * in the groups. */
        for (size_t a = 0; a < nb; a++) {
            for (size_t q = 0; q < a; q++) {
                if (grp[q] != q) continue;
                if (pair_score(&g[q], &g[a], ib) < 0.0) continue;
                uint32_t u[2 * ZS_FACTOR_MAX_ARITY];
                g[q].k = merge_scope(g[q].v, g[q].k, g[a].v, g[a].k, u);
                memcpy(g[q].v, u, g[q].k * sizeof *u);
                grp[a] = q;
                break;
            }
        }
    }
    /* Renumber the surviving groups 0..R-1. */
    size_t R = 0;
    for (size_t a = 0; a < nb; a++) {
        if (grp[a] != a) continue;
        g[R] = g[a];
        for (size_t c = a; c < nb; c++)
            if (grp[c] == a) grp[c] = SIZE_MAX - R; /* mark, resolved below */
        R++;
    }
    for (size_t a = 0; a < nb; a++) grp[a] = SIZE_MAX - grp[a];
    return R;
}

/* One cluster for group q of the bucket of v: its scope, members and tables. */
static zs_status wmb_cluster(wmb *b, uint32_t v, const group *gq, size_t q, size_t nb,
                             const size_t *list, const size_t *grp, size_t b0) {
    const ax_model *r = b->r;
    if (!grow((void **)&b->c, &b->capc, b->nc + 1, sizeof *b->c)) return oom(b);
    cl *c = &b->c[b->nc];
    memset(c, 0, sizeof *c);
    c->var = v;
    c->k = gq->k;
    memcpy(c->v, gq->v, c->k * sizeof *c->v);
    double sz = 1.0;
    for (size_t j = 0; j < c->k; j++) sz *= r->dom[c->v[j]];
    if (sz > MBE_MAX_TABLE)
        return zs_fail(r->ctx, ZS_ETOOBIG,
                       "mbe: a mini-bucket table of %.3g entries (a factor of %zu variables "
                       "beyond i_bound) passes 2^31", sz, c->k);
    c->size = (size_t)sz;
    c->ssize = c->size / r->dom[v];
    for (size_t j = 0, m = 0; j < c->k; j++) {
        if (c->v[j] == v) c->p = j;
        else c->s[m++] = c->v[j];
    }
    c->inner = 1;
    for (size_t j = c->p + 1; j < c->k; j++) c->inner *= r->dom[c->v[j]];
    c->parent = SIZE_MAX;
    c->b0 = b0;
    c->o0 = b->norig;
    c->c0 = b->nkids;
    size_t nf = r->fm->nf, n = r->n;
    for (size_t a = 0; a < nb; a++) {
        if (grp[a] != q) continue;
        size_t src = b->it[list[a]].src;
        if (src < nf + n) {
            if (!grow((void **)&b->orig, &b->caporig, b->norig + 1, sizeof *b->orig)) return oom(b);
            b->orig[b->norig++] = src;
            c->no++;
        } else {
            if (!grow((void **)&b->kids, &b->capkids, b->nkids + 1, sizeof *b->kids)) return oom(b);
            b->kids[b->nkids++] = src - nf - n;
            b->c[src - nf - n].parent = b->nc;
            c->nc++;
        }
    }
    c->fwd = zs_calloc(c->ssize, sizeof *c->fwd);
    c->bwd = zs_calloc(c->ssize, sizeof *c->bwd);
    c->shift = zs_calloc(r->dom[v], sizeof *c->shift);
    b->nc++;
    if (!c->fwd || !c->bwd || !c->shift) return oom(b);
    return ZS_OK;
}

/* The clusters of the bucket of v (the i-th), each message filed in a later bucket. */
static zs_status wmb_build_bucket(wmb *b, size_t ib, uint32_t v) {
    size_t nb = 0;
    for (size_t k = b->head[v]; k != SIZE_MAX; k = b->it[k].next) nb++;
    if (nb == 0) return ZS_OK;
    size_t *list = zs_malloc(2 * nb * sizeof *list);
    group *g = zs_malloc(nb * sizeof *g);
    double *sc = nb <= MBE_PAIR_MAX ? zs_malloc(nb * nb * sizeof *sc) : NULL;
    zs_status st = ZS_OK;
    if (!list || !g || (nb <= MBE_PAIR_MAX && !sc)) {
        st = oom(b);
        goto out;
    }
    size_t *grp = list + nb;
    nb = 0;
    for (size_t k = b->head[v]; k != SIZE_MAX; k = b->it[k].next) list[nb++] = k;
    size_t R = wmb_partition(ib, nb, b->it, list, grp, g, sc);
    size_t b0 = b->nc;
    for (size_t q = 0; q < R && st == ZS_OK; q++) {
        st = wmb_cluster(b, v, &g[q], q, nb, list, grp, b0);
        if (st == ZS_OK) b->c[b->nc - 1].w = 1.0 / (double)R;
    }
    for (size_t q = 0; q < R && st == ZS_OK; q++) {
        const cl *c = &b->c[b0 + q];
        if (c->k > 1) st = push(b, c->k - 1, c->s, b->r->fm->nf + b->r->n + b0 + q);
    }
out:
    free(list), free(g), free(sc);
    return st;
}

static zs_status wmb_tables(wmb *b);

/* The bytes wmb_tables and the passes will hold: per cluster its own and its incoming table
 * (doubles), its map into its parent's table (uint32), its two messages and its shift; and
 * the backward pass's scratch of three times the largest table. */
static double wmb_bytes(const wmb *b) {
    double tot = 0.0, big = 1.0;
    for (size_t q = 0; q < b->nc; q++) {
        const cl *c = &b->c[q];
        tot += 16.0 * (double)c->size + 16.0 * (double)c->ssize + 8.0 * b->r->dom[c->var];
        if (c->parent != SIZE_MAX) tot += 4.0 * (double)b->c[c->parent].size;
        if ((double)c->size > big) big = (double)c->size;
    }
    return tot + 24.0 * big;
}

/* The cluster tree along the greedy order of rule h. */
static zs_status wmb_build(wmb *b, const zs_factor_approx_opts *o, zs_factor_order h,
                           uint64_t stream) {
    size_t ib = o->i_bound;
    const ax_model *r = b->r;
    size_t n = r->n;
    size_t *order = zs_malloc(n * sizeof *order);
    unsigned char *skip = zs_calloc(n, 1);
    b->head = zs_malloc(n * sizeof *b->head);
    b->pos = zs_malloc(n * sizeof *b->pos);
    b->bucket = zs_malloc((n + 1) * sizeof *b->bucket);
    zs_status st = ZS_OK;
    if (!order || !skip || !b->head || !b->pos || !b->bucket) {
        st = oom(b);
        goto out;
    }
    size_t count = 0;
    int fell = 0;
    double ops = 0.0;
    st = elim_order_greedy(r->fm, skip, h, stream, order, &count, &fell, &ops);
    if (st != ZS_OK) goto out;
    for (size_t i = 0; i < n; i++) b->head[i] = SIZE_MAX, b->pos[order[i]] = i;
    for (size_t f = 0; f < r->fm->nf && st == ZS_OK; f++)
        st = push(b, r->fm->f[f].arity, r->fm->f[f].scope, f);
    for (size_t v = 0; v < n && st == ZS_OK; v++) {
        uint32_t vv = (uint32_t)v;
        st = push(b, 1, &vv, r->fm->nf + v);
    }
    for (size_t i = 0; i < n && st == ZS_OK; i++) {
        b->bucket[i] = b->nc;
        st = wmb_build_bucket(b, ib, (uint32_t)order[i]);
    }
    b->bucket[n] = b->nc;
    if (st == ZS_OK) {
        double need = wmb_bytes(b);
        if (o->max_bytes > 0.0 && need > o->max_bytes)
            st = zs_fail(r->ctx, ZS_ETOOBIG,
                         "mbe: i_bound %zu needs %.4g MiB of tables (on the last order tried), "
                         "more than the %.4g MiB allowed (max_bytes); a lower i_bound needs "
                         "less",
                         ib, need / 1048576.0, o->max_bytes / 1048576.0);
    }
    if (st == ZS_OK) st = wmb_tables(b);
out:
    free(order), free(skip);
    return st;
}

static void wmb_free(wmb *b) {
    for (size_t k = 0; k < b->nc; k++)
        free(b->c[k].fwd), free(b->c[k].bwd), free(b->c[k].shift), free(b->c[k].th),
            free(b->c[k].up);
    free(b->it), free(b->head), free(b->pos), free(b->c), free(b->orig), free(b->kids),
        free(b->bucket), free(b->T), free(b->U);
}

/* T = the cluster's factors and unary tables, its shift and its children's messages. */
static void wmb_incoming(const wmb *b, const cl *c, double *T) {
    uint32_t d = b->r->dom[c->var];
    memcpy(T, c->th, c->size * sizeof *T);
    for (size_t e = 0; e < c->size; e += c->inner * d)
        for (uint32_t x = 0; x < d; x++)
            for (size_t j = 0; j < c->inner; j++) T[e + x * c->inner + j] += c->shift[x];
    for (size_t j = 0; j < c->nc; j++) {
        const cl *a = &b->c[b->kids[c->c0 + j]];
        for (size_t e = 0; e < c->size; e++) T[e] += a->fwd[a->up[e]];
    }
}

/* From T (the incoming table) and the backward message: lm, the normalized log marginal on
 * var of the weighted belief exp((T + B) / w), and H, the conditional entropy of var given
 * the separator under it (0 where the belief vanishes). */
static void wmb_stats(const ax_model *r, const cl *c, const double *T, double *lm, double *H) {
    uint32_t d = r->dom[c->var];
    size_t inner = c->inner;
    double M = -HUGE_VAL;
    for (size_t e = 0, o0 = 0; e < c->size; e += inner * d, o0 += inner)
        for (uint32_t x = 0; x < d; x++)
            for (size_t j = 0; j < inner; j++) {
                double a = (T[e + x * inner + j] + c->bwd[o0 + j]) / c->w;
                if (a > M) M = a;
            }
    for (uint32_t x = 0; x < d; x++) lm[x] = 0.0;
    double hs = 0.0, ws = 0.0;
    /* base: entry of x_v = 0 for separator entry o (the digit of var skipped). */
    for (size_t o = 0, base = 0, lo = 0; M > -HUGE_VAL && o < c->ssize;
         o++, base += ++lo == inner ? (lo = 0, inner * (d - 1) + 1) : 1) {
        double m = -HUGE_VAL;
        uint32_t at = 0;
        for (uint32_t x = 0; x < d; x++) {
            double a = (T[base + x * inner] + c->bwd[o]) / c->w;
            if (a > m) m = a, at = x;
        }
        if (m == -HUGE_VAL) continue;
        /* The largest term is exp(0) = 1 (and adds 0 to za): no exp for it. */
        double z = 1.0, za = 0.0, sc = exp(m - M);
        lm[at] += sc;
        for (uint32_t x = 0; x < d; x++) {
            double a = (T[base + x * inner] + c->bwd[o]) / c->w;
            if (x == at || a == -HUGE_VAL) continue;
            double ex = exp(a - m);
            z += ex, za += ex * (a - m);
            lm[x] += ex * sc;
        }
        hs += z * sc * (log(z) - za / z);
        ws += z * sc;
    }
    for (uint32_t x = 0; x < d; x++) lm[x] = lm[x] > 0.0 ? log(lm[x]) : -HUGE_VAL;
    ax_lognormalize(lm, d);
    *H = ws > 0.0 ? hs / ws : 0.0;
}

/* Moment matching and the weight step over the R clusters of a bucket (their incoming
 * tables at T + off[q]); the shifts are added to the tables too. lm: scratch of (R + 1) d + R. */
static void wmb_match(wmb *b, size_t c0, size_t R, double *T, const size_t *off, double step,
                      double eta, double *lm) {
    const ax_model *r = b->r;
    uint32_t d = r->dom[b->c[c0].var];
    double *lbar = lm + R * d, *H = lbar + d;
    for (size_t q = 0; q < R; q++) wmb_stats(r, &b->c[c0 + q], T + off[q], lm + q * d, &H[q]);
    for (uint32_t x = 0; x < d; x++) {
        double s = 0.0;
        for (size_t q = 0; q < R && s > -HUGE_VAL; q++) {
            double l = lm[q * d + x];
            s = l == -HUGE_VAL ? -HUGE_VAL : s + b->c[c0 + q].w * l;
        }
        lbar[x] = s;
    }
    double Hbar = 0.0;
    for (size_t q = 0; q < R; q++) {
        cl *c = &b->c[c0 + q];
        Hbar += c->w * H[q];
        double *t = T + off[q];
        for (uint32_t x = 0; x < d; x++) {
            if (lbar[x] == -HUGE_VAL) continue;
            double delta = step * c->w * (lbar[x] - lm[q * d + x]);
            c->shift[x] += delta;
            for (size_t e = x * c->inner; e < c->size; e += c->inner * d)
                for (size_t j = 0; j < c->inner; j++) t[e + j] += delta;
        }
    }
    if (eta <= 0.0) return;
    /* Exponentiated gradient on the weights: ln w_a -= eta w_a (H_a - Hbar), renormalized. */
    double sum = 0.0;
    for (size_t q = 0; q < R; q++) {
        cl *c = &b->c[c0 + q];
        c->w *= exp(-eta * c->w * (H[q] - Hbar));
        if (c->w < MBE_MIN_WEIGHT) c->w = MBE_MIN_WEIGHT;
        sum += c->w;
    }
    for (size_t q = 0; q < R; q++) b->c[c0 + q].w /= sum;
}

/* m = w ln sum_{var} exp(T / w) over the separator, normalized to max 0; returns the max. */
static double wmb_message(const ax_model *r, cl *c, const double *T) {
    uint32_t d = r->dom[c->var];
    size_t inner = c->inner;
    double top = -HUGE_VAL;
    for (size_t o = 0, base = 0, lo = 0; o < c->ssize;
         o++, base += ++lo == inner ? (lo = 0, inner * (d - 1) + 1) : 1) {
        double mx = -HUGE_VAL;
        uint32_t at = 0;
        for (uint32_t x = 0; x < d; x++)
            if (T[base + x * inner] > mx) mx = T[base + x * inner], at = x;
        double m = -HUGE_VAL;
        if (mx > -HUGE_VAL) {
            /* The largest term is exp(0) = 1: added last, without its exp. */
            double s = 0.0;
            for (uint32_t x = 0; x < d; x++)
                if (x != at) s += exp((T[base + x * inner] - mx) / c->w);
            m = mx + c->w * log(s + 1.0);
        }
        c->fwd[o] = m;
        if (m > top) top = m;
    }
    if (top > -HUGE_VAL)
        for (size_t o = 0; o < c->ssize; o++) c->fwd[o] -= top;
    return top;
}

/* The forward pass: every bucket matched (when it has several clusters) and its messages
 * sent; returns the bound (-HUGE_VAL: Z = 0). */
static zs_status wmb_forward(wmb *b, double step, double eta, double *bound) {
    const ax_model *r = b->r;
    double lnz = 0.0;
    size_t off[ZS_FACTOR_MAX_ARITY + 1] = {0};
    double lm[(ZS_FACTOR_MAX_ARITY + 1) * 2];
    for (size_t i = 0; i < r->n; i++) {
        size_t c0 = b->bucket[i], R = b->bucket[i + 1] - c0;
        if (R == 0) continue;
        double *lmp = lm, *heap = NULL;
        size_t *offp = off, *hoff = NULL;
        size_t need = (R + 1) * r->dom[b->c[c0].var] + R;
        if (R > ZS_FACTOR_MAX_ARITY || need > sizeof lm / sizeof lm[0]) {
            heap = zs_malloc(need * sizeof *heap);
            hoff = zs_malloc((R + 1) * sizeof *hoff);
            if (!heap || !hoff) {
                free(heap), free(hoff);
                return oom(b);
            }
            lmp = heap, offp = hoff;
        }
        /* The bucket's clusters are consecutive, their tables too. */
        double *T = b->T + b->c[c0].toff;
        offp[0] = 0;
        for (size_t q = 0; q < R; q++) offp[q + 1] = offp[q] + b->c[c0 + q].size;
        for (size_t q = 0; q < R; q++) wmb_incoming(b, &b->c[c0 + q], T + offp[q]);
        if (R > 1) wmb_match(b, c0, R, T, offp, step, eta, lmp);
        for (size_t q = 0; q < R && lnz > -HUGE_VAL; q++) {
            double top = wmb_message(r, &b->c[c0 + q], T + offp[q]);
            lnz = top == -HUGE_VAL ? -HUGE_VAL : lnz + top;
        }
        free(heap), free(hoff);
        if (lnz == -HUGE_VAL) break;
    }
    *bound = lnz;
    return ZS_OK;
}

/* idx[e]: the entry of the table over s (a subset of S) that entry e of the table over S
 * projects to. */
static void wmb_index(const uint32_t *dom, const uint32_t *S, size_t nS, const uint32_t *s,
                      size_t ns, size_t size, uint32_t *idx) {
    ax_odometer od;
    ax_odometer_init(&od, dom, S, nS, s, ns);
    for (size_t e = 0; e < size; e++, ax_odometer_next(&od)) idx[e] = (uint32_t)od.src;
}

/* Each cluster's own table (th) and its map into its parent's (up). */
static zs_status wmb_tables(wmb *b) {
    const ax_model *r = b->r;
    size_t tot = 0, big = 1;
    for (size_t q = 0; q < b->nc; q++) {
        b->c[q].toff = tot;
        tot += b->c[q].size;
        if (b->c[q].size > big) big = b->c[q].size;
    }
    b->T = zs_malloc((tot ? tot : 1) * sizeof *b->T);
    b->U = zs_malloc(3 * big * sizeof *b->U);
    if (!b->T || !b->U) return oom(b);
    for (size_t q = 0; q < b->nc; q++) {
        cl *c = &b->c[q];
        if (!(c->th = zs_calloc(c->size, sizeof *c->th))) return oom(b);
        for (size_t j = 0; j < c->no; j++) {
            size_t src = b->orig[c->o0 + j];
            if (src < r->fm->nf) {
                const fm_factor *f = &r->fm->f[src];
                ax_accumulate(r->dom, c->v, c->k, c->th, f->scope, f->arity, f->lnt);
            } else {
                uint32_t u = (uint32_t)(src - r->fm->nf);
                ax_accumulate(r->dom, c->v, c->k, c->th, &u, 1, r->un + r->uoff[u]);
            }
        }
        if (c->parent == SIZE_MAX) continue;
        const cl *p = &b->c[c->parent];
        if (!(c->up = zs_malloc(p->size * sizeof *c->up))) return oom(b);
        wmb_index(r->dom, p->v, p->k, c->s, c->k - 1, p->size, c->up);
    }
    return ZS_OK;
}

/* Child a's backward message from its parent's weighted belief U = (F_c + B_c) / w_c:
 * B_a = w_a ln sum_{rest} exp(U - m_a / w_a), normalized to max 0. */
static void wmb_send_back(const cl *c, const double *U, cl *a, double *sum, double *fa) {
    const uint32_t *idx = a->up;
    double *mx = a->bwd;
    for (size_t o = 0; o < a->ssize; o++) mx[o] = -HUGE_VAL, sum[o] = 0.0, fa[o] = a->fwd[o] / a->w;
    /* Where m_a is -inf, U is too (m_a is one of its terms): those entries are skipped. */
    for (size_t e = 0; e < c->size; e++) {
        if (U[e] == -HUGE_VAL) continue;
        double t = U[e] - fa[idx[e]];
        if (t > mx[idx[e]]) mx[idx[e]] = t;
    }
    for (size_t e = 0; e < c->size; e++)
        if (U[e] > -HUGE_VAL) sum[idx[e]] += exp(U[e] - fa[idx[e]] - mx[idx[e]]);
    double top = -HUGE_VAL;
    for (size_t o = 0; o < a->ssize; o++) {
        mx[o] = mx[o] == -HUGE_VAL ? -HUGE_VAL : a->w * (mx[o] + log(sum[o]));
        if (mx[o] > top) top = mx[o];
    }
    if (top > -HUGE_VAL)
        for (size_t o = 0; o < a->ssize; o++) mx[o] -= top;
}

/* The backward pass: parents before children (clusters are made children first). */
static void wmb_backward(wmb *b) {
    const ax_model *r = b->r;
    for (size_t ci = b->nc; ci-- > 0;) {
        cl *c = &b->c[ci];
        if (c->nc == 0) continue;
        /* U: the incoming table of the forward pass just run (b->T), then (T + B) / w; sum
         * and fa: scratch of a child's separator size (at most c's size; b->U holds three
         * times the largest). */
        double *U = b->U, *sum = b->U + c->size, *fa = sum + c->size;
        memcpy(U, b->T + c->toff, c->size * sizeof *U);
        uint32_t d = r->dom[c->var];
        for (size_t e = 0, o0 = 0; e < c->size; e += c->inner * d, o0 += c->inner)
            for (uint32_t x = 0; x < d; x++)
                for (size_t j = 0; j < c->inner; j++) {
                    double *u = &U[e + x * c->inner + j];
                    *u = (*u + c->bwd[o0 + j]) / c->w;
                }
        for (size_t j = 0; j < c->nc; j++) {
            cl *a = &b->c[b->kids[c->c0 + j]];
            wmb_send_back(c, U, a, sum, fa);
        }
    }
}

/* 1 when some bucket has more than one cluster (else the first pass is exact). */
static int wmb_split(const wmb *b) {
    for (size_t i = 0; i < b->r->n; i++)
        if (b->bucket[i + 1] - b->bucket[i] > 1) return 1;
    return 0;
}

/* Passes along the order of rule h (ties of min-fill broken at random from stream when it is
 * not 0); the least bound is kept in best. */
static zs_status wmb_start(wmb *b, const ax_model *r, const zs_factor_approx_opts *o,
                           zs_factor_order h, uint64_t stream) {
    memset(b, 0, sizeof *b);
    b->r = r;
    b->best = HUGE_VAL;
    return wmb_build(b, o, h, stream);
}

/* One pass: a backward pass (after the first) and a forward pass. b->conv is set when no
 * bucket is split (the first pass is exact), when a pass moves the bound by less than tol,
 * or when the last MBE_WINDOW passes together lowered it by less than MBE_REL_TOL of all
 * that the passes have lowered it since the first (the bound has settled: on the UAI grids
 * the passes past that point gain less than 0.05 nats). */
static zs_status wmb_pass(wmb *b, const zs_factor_approx_opts *o) {
    const ax_model *r = b->r;
    zs_status st = ZS_OK;
    if (b->pass > 0) wmb_backward(b);
    double bound = HUGE_VAL;
    /* Full matching steps (Merlin damps them as 1/pass; on the UAI grids the full step gave
     * the tighter bounds); the weights move once a backward pass has given the beliefs
     * their context. */
    st = wmb_forward(b, 1.0, b->pass > 0 ? MBE_WEIGHT_STEP : 0.0, &bound);
    if (st != ZS_OK) return st;
    if (bound == -HUGE_VAL)
        return zs_fail(r->ctx, ZS_ENUMERIC,
                       "mbe: the upper bound is Z <= 0: the zeros and the evidence give Z = 0");
    if (b->pass == 0) b->first = bound;
    double prev = b->pass > 0 ? b->hist[(b->pass - 1) % MBE_WINDOW] : HUGE_VAL;
    double back = b->pass >= MBE_WINDOW ? b->hist[b->pass % MBE_WINDOW] : HUGE_VAL;
    b->hist[b->pass % MBE_WINDOW] = bound;
    b->pass++;
    if (bound < b->best) b->best = bound;
    if (!wmb_split(b) || fabs(prev - bound) < o->tol ||
        (back < HUGE_VAL && back - bound < MBE_REL_TOL * (b->first - bound)))
        b->conv = 1;
    return ZS_OK;
}

/* The orders raced: min-fill, weighted min-fill, min-degree (ties broken deterministically),
 * then min-fill with ties broken at random (streams 1, 2, ...). */
static const zs_factor_order mbe_rules[MBE_ORDERS] = {
    ZS_ORDER_MINFILL, ZS_ORDER_WEIGHTED_MINFILL, ZS_ORDER_MINDEGREE, ZS_ORDER_MINFILL,
    ZS_ORDER_MINFILL, ZS_ORDER_MINFILL, ZS_ORDER_MINFILL, ZS_ORDER_MINFILL};

/* Every order gives an upper bound, but the mini-buckets an order makes decide how tight the
 * passes can get (on Grids_15 at i-bound 16, ten passes end between +7.0 and +12.3 nats over
 * eight min-fill orders that differ only in ties): each order in mbe_rules runs MBE_RACE
 * passes (the bound after two passes ranked the orders as after ten there), and the passes
 * continue on the order of the least bound. The least bound of any pass of any order is
 * reported, so more passes never report a looser one. */
zs_status ax_mbe(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res) {
    double t0 = zs_monotonic_seconds();
    zs_status st = ZS_OK;
    wmb best, cur;
    memset(&best, 0, sizeof best); /* (read only once have is set; cppcheck cannot see it) */
    int have = 0;
    double least = HUGE_VAL; /* over every order raced: each pass's bound is one */
    for (size_t k = 0; k < MBE_ORDERS; k++) {
        if (have && (ax_out_of_time(o, t0) || (best.conv && !wmb_split(&best)))) break;
        uint64_t stream = k < 3 ? 0 : k - 2;
        zs_status s = wmb_start(&cur, r, o, mbe_rules[k], stream);
        for (uint64_t p = 0; s == ZS_OK && p < MBE_RACE && p < o->max_iter && !cur.conv; p++)
            s = wmb_pass(&cur, o);
        if (s == ZS_ENOMEM || s == ZS_ENUMERIC) { /* Z = 0 is proved by any order */
            wmb_free(&cur);
            if (have) wmb_free(&best);
            return s;
        }
        if (s != ZS_OK) {
            wmb_free(&cur);
            st = s;
            continue;
        }
        if (cur.best < least) least = cur.best;
        if (!have || cur.hist[(cur.pass - 1) % MBE_WINDOW] < best.hist[(best.pass - 1) % MBE_WINDOW]) {
            if (have) wmb_free(&best);
            best = cur;
            have = 1;
        } else {
            wmb_free(&cur);
        }
    }
    if (!have) return st;
    while (st == ZS_OK && !best.conv && best.pass < o->max_iter && !ax_out_of_time(o, t0))
        st = wmb_pass(&best, o);
    if (st == ZS_OK) {
        res->lnz = best.best < least ? best.best : least;
        res->kind = ZS_BOUND_UPPER;
        res->converged = best.conv;
        res->iterations = best.pass;
        res->residual = 0.0;
    }
    wmb_free(&best);
    return st;
}
