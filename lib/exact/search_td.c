/* search_td.c — the tree-decomposition position of each variable, for the branching of the
 * counter by search (search.c), as in sharpSAT-TD (Korhonen & Järvisalo, "Integrating Tree
 * Decompositions into Decision Heuristics of Propositional Model Counters", CP 2021):
 *
 *  - a tree decomposition of the primal graph (variables linked when they share a factor) from
 *    the min-fill elimination order (elim_order.c): the bag of the i-th variable eliminated is
 *    the variable and its later neighbours in the filled graph, H(v); its parent, the first of
 *    H(v) eliminated (the elimination tree);
 *  - each tree rooted at a centroid: the deepest bag whose subtree holds at least half of the
 *    tree's variables;
 *  - from the root down, a bag that holds a variable no bag above holds is one level deeper
 *    than its parent (else at its parent's level), and a variable's level is that of the
 *    highest bag holding it;
 *  - its position score (L - level) / L, L the deepest level: 1 near the root, 0 at the leaves.
 *
 * Branching on the variables near the root first assigns separators before the parts they
 * separate, so the components split along the decomposition. */
#include "exact/elim_internal.h"
#include "exact/search_internal.h"

#include <string.h>

/* Past this many bag entries in all (1 GiB of them) the decomposition is not built. */
#define TD_MAX_ENTRIES ((size_t)1 << 28)
#define TD_NONE UINT32_MAX

typedef struct td {
    size_t n;          /* variables in the decomposition                                   */
    size_t *order;     /* (n) the elimination order: position -> variable                   */
    uint32_t *pos;     /* (nvars) variable -> position, TD_NONE when skipped                */
    uint32_t *hoff;    /* (n + 1) H(position) in h[hoff[i] .. hoff[i + 1]), as positions   */
    uint32_t *h;
    size_t nh, ch;
    uint32_t *parent;  /* (n) the first of H eliminated; TD_NONE: a root                    */
    uint32_t *child;   /* (n) the first child; sibling: the next                            */
    uint32_t *sibling; /* (n)                                                              */
    uint32_t *mark;    /* (n) stamps                                                         */
    size_t *foff;      /* (nvars + 1) the factors of each variable                           */
    size_t *fac;
} td;

static void td_free(td *t) {
    free(t->order), free(t->pos), free(t->hoff), free(t->h), free(t->parent), free(t->child);
    free(t->sibling), free(t->mark), free(t->foff), free(t->fac);
}

/* Append position p to H(i) unless marked: 0 when out of room. */
static int h_push(td *t, uint32_t p, uint32_t stamp) {
    if (t->mark[p] == stamp) return 1;
    t->mark[p] = stamp;
    if (t->nh == t->ch) {
        size_t cap = t->ch ? 2 * t->ch : 1024;
        if (cap > TD_MAX_ENTRIES) return 0;
        uint32_t *h = zs_realloc(t->h, cap * sizeof *h);
        if (!h) return 0;
        t->h = h, t->ch = cap;
    }
    t->h[t->nh++] = p;
    return 1;
}

/* H(i) = the later neighbours of position i in the model, and H(c) \ {i} of its children c
 * (the fill the elimination of c added); parent(i) = min H(i). 0 when out of room. */
static int build_bags(const zs_factor_model *m, td *t) {
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t stamp = i + 1;
        t->hoff[i] = (uint32_t)t->nh;
        t->mark[i] = stamp;
        size_t v = t->order[i];
        for (size_t k = t->foff[v]; k < t->foff[v + 1]; k++) {
            const fm_factor *fa = &m->f[t->fac[k]];
            for (size_t a = 0; a < fa->arity; a++) {
                uint32_t p = t->pos[fa->scope[a]];
                if (p != TD_NONE && p > i && !h_push(t, p, stamp)) return 0;
            }
        }
        for (uint32_t c = t->child[i]; c != TD_NONE; c = t->sibling[c])
            for (uint32_t k = t->hoff[c]; k < t->hoff[c + 1]; k++)
                if (!h_push(t, t->h[k], stamp)) return 0;
        uint32_t par = TD_NONE;
        for (size_t k = t->hoff[i]; k < t->nh; k++)
            if (t->h[k] < par) par = t->h[k];
        t->parent[i] = par;
        if (par != TD_NONE) t->sibling[i] = t->child[par], t->child[par] = i;
    }
    t->hoff[t->n] = (uint32_t)t->nh;
    return 1;
}

/* The levels of the tree holding root (its positions listed in queue from qt on), rooted at
 * its centroid; level[] by position. sz, tpar: scratch (n). Returns the new queue end. */
static size_t level_tree(td *t, uint32_t root, uint32_t *sz, uint32_t *tpar, uint32_t *queue, size_t qt,
                         uint32_t *level, uint32_t *stamp) {
    /* the centroid: down from the root while a child's subtree holds half the variables */
    uint32_t cen = root, half = sz[root] / 2;
    for (int moved = 1; moved;) {
        moved = 0;
        for (uint32_t c = t->child[cen]; c != TD_NONE && !moved; c = t->sibling[c])
            if (sz[c] >= half) cen = c, moved = 1;
    }
    size_t qh = qt;
    queue[qt++] = cen;
    tpar[cen] = TD_NONE;
    while (qh < qt) {
        uint32_t b = queue[qh++], p = tpar[b], lv = p == TD_NONE ? 1 : level[p];
        /* a variable of b is new unless the parent bag holds it */
        ++*stamp;
        if (p != TD_NONE) {
            t->mark[p] = *stamp;
            for (uint32_t k = t->hoff[p]; k < t->hoff[p + 1]; k++) t->mark[t->h[k]] = *stamp;
        }
        int fresh = t->mark[b] != *stamp;
        for (uint32_t k = t->hoff[b]; k < t->hoff[b + 1] && !fresh; k++) fresh = t->mark[t->h[k]] != *stamp;
        level[b] = lv + (uint32_t)fresh;
        uint32_t up = t->parent[b];
        if (up != TD_NONE && up != p) tpar[up] = b, queue[qt++] = up;
        for (uint32_t c = t->child[b]; c != TD_NONE; c = t->sibling[c])
            if (c != p) tpar[c] = b, queue[qt++] = c;
    }
    return qt;
}

/* The level of each variable: that of the first bag holding it met from the root. */
static void var_levels(td *t, const uint32_t *queue, const uint32_t *level, uint32_t *vlev) {
    for (size_t i = 0; i < t->n; i++) vlev[i] = 0;
    for (size_t q = 0; q < t->n; q++) {
        uint32_t b = queue[q];
        if (!vlev[b]) vlev[b] = level[b];
        for (uint32_t k = t->hoff[b]; k < t->hoff[b + 1]; k++)
            if (!vlev[t->h[k]]) vlev[t->h[k]] = level[b];
    }
}

/* Levels by position into vlev (n), from the bags: 0 when out of memory. */
static int levels(td *t, uint32_t *vlev) {
    uint32_t *sz = zs_malloc(t->n * sizeof *sz), *tpar = zs_malloc(t->n * sizeof *tpar);
    uint32_t *queue = zs_malloc(t->n * sizeof *queue), *level = zs_malloc(t->n * sizeof *level);
    int ok = sz && tpar && queue && level;
    if (ok) {
        for (size_t i = 0; i < t->n; i++) sz[i] = 1;
        for (size_t i = 0; i < t->n; i++)
            if (t->parent[i] != TD_NONE) sz[t->parent[i]] += sz[i];
        uint32_t stamp = (uint32_t)t->n + 1;
        memset(t->mark, 0, t->n * sizeof *t->mark);
        size_t qt = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->parent[i] == TD_NONE) qt = level_tree(t, (uint32_t)i, sz, tpar, queue, qt, level, &stamp);
        var_levels(t, queue, level, vlev);
    }
    free(sz), free(tpar), free(queue), free(level);
    return ok;
}

zs_status sr_td_scores(const zs_factor_model *m, const unsigned char *skip, double *score, size_t *width) {
    td t;
    memset(&t, 0, sizeof t);
    for (size_t v = 0; v < m->nvars; v++) score[v] = 0.0;
    *width = 0;
    for (size_t v = 0; v < m->nvars; v++) t.n += !skip[v];
    if (t.n < 3 || t.n > ZS_FACTOR_MAX_ORDER_VARS) return ZS_OK; /* nothing to order, or too many */
    t.order = zs_malloc(t.n * sizeof *t.order);
    t.pos = zs_malloc(m->nvars * sizeof *t.pos);
    t.hoff = zs_malloc((t.n + 1) * sizeof *t.hoff);
    t.parent = zs_malloc(t.n * sizeof *t.parent);
    t.child = zs_malloc(t.n * sizeof *t.child);
    t.sibling = zs_malloc(t.n * sizeof *t.sibling);
    t.mark = zs_calloc(t.n, sizeof *t.mark);
    uint32_t *vlev = zs_malloc(t.n * sizeof *vlev);
    zs_status st = ZS_ENOMEM;
    size_t count = 0;
    int fell_back = 0;
    double ops = 0.0;
    if (!t.order || !t.pos || !t.hoff || !t.parent || !t.child || !t.sibling || !t.mark || !vlev || !sr_var_factors(m, &t.foff, &t.fac))
        goto done;
    st = elim_order_greedy(m, skip, ZS_ORDER_MINFILL, 0, t.order, &count, &fell_back, &ops);
    if (st != ZS_OK) goto done;
    for (size_t v = 0; v < m->nvars; v++) t.pos[v] = TD_NONE;
    for (size_t i = 0; i < t.n; i++) t.pos[t.order[i]] = (uint32_t)i, t.child[i] = TD_NONE;
    if (!build_bags(m, &t)) goto done; /* st: ZS_OK, no scores (too large) or ZS_ENOMEM */
    if (!levels(&t, vlev)) {
        st = ZS_ENOMEM;
        goto done;
    }
    uint32_t deepest = 1;
    for (size_t i = 0; i < t.n; i++) {
        if (vlev[i] > deepest) deepest = vlev[i];
        if (t.hoff[i + 1] - t.hoff[i] > *width) *width = t.hoff[i + 1] - t.hoff[i];
    }
    for (size_t i = 0; i < t.n; i++) score[t.order[i]] = (double)(deepest - vlev[i]) / deepest;
done:
    td_free(&t);
    free(vlev);
    return st;
}
