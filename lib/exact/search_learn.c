/* search_learn.c — conflict-driven clause learning for the counter by search (search.c), as
 * in the model counters Cachet (Sang, Beame & Kautz 2004) and sharpSAT (Thurley 2006): each
 * conflict found by unit propagation is analysed to its first unique implication point
 * (Zhang, Madigan, Moskewicz & Malik 2001) and the clause learned, which then propagates by two
 * watched literals (Chaff, Moskewicz et al. 2001) wherever the same failure would recur.
 *
 * Why the counts stay exact: a learned clause is a resolvent of the model's clauses (and of
 * earlier resolvents), so every assignment with non-zero weight satisfies it: adding it
 * changes no weight and no count. It is used for propagation only: components are still split
 * on the model's clauses alone, so a component's variables, key and count are what they were
 * without learning (sharpSAT, Thurley 2006, sec. 3: learned clauses are left out of the
 * component analysis). Two guards keep it so within the component frames (search.c):
 *  - a learned clause may span components (it is implied by the whole residual formula, not
 *    by one component), so it propagates only onto variables of the component being counted
 *    (s->depth); the weights summed for a branch are then all that component's;
 *  - the residual formula F|s is the product of the component being counted and its pending
 *    siblings (at every level above); a learned clause is implied by the component alone only
 *    when those siblings have a model. When one has none, the count of a component made under
 *    it may come out too small, but the branch above is then zero: the search drops every
 *    cache entry stored while a branch whose product is zero was open (sharpSAT's removal of
 *    "cache pollutions", Thurley 2006), so no such count is reused.
 *
 * Literals: x != a (the value index of (x, a)); false when x = a, true when a is removed. For
 * a variable of two values, x = a is implied by the one clause that removed the other value,
 * so resolution runs as in CNF. For a variable of more values, x = a follows from several
 * removals and resolving on it would need the literal x = b, which this clause form lacks: its
 * literal is kept as it is (the clause stays a valid nogood, only less general). */
#include "exact/search_internal.h"

#include <stdlib.h>
#include <string.h>

#define LEARN_FIRST_LIMIT 20000u
#define ACT_DECAY 0.999f
#define SR_VDECAY 0.95

static void free_watches(sr_learnt *L, size_t nval) {
    if (!L->watch) return;
    for (size_t i = 0; i < nval; i++) free(L->watch[i].w);
    free(L->watch);
    L->watch = NULL;
}

void sr_learn_free(sr_state *s) {
    sr_learnt *L = &s->L;
    if (s->sm) free_watches(L, s->sm->voff[s->sm->nv]);
    free(L->lit);
    free(L->start);
    free(L->act);
    free(s->lev);
    free(s->reason);
    free(s->depth);
    free(s->seen);
    free(s->tmp);
    free(s->vact);
    s->vact = NULL;
    memset(L, 0, sizeof *L);
    s->lev = s->reason = s->depth = s->tmp = NULL;
    s->seen = NULL;
}

zs_status sr_learn_init(sr_state *s) {
    const sr_model *sm = s->sm;
    size_t nv = sm->nv ? sm->nv : 1, nval = sm->voff[sm->nv] ? sm->voff[sm->nv] : 1;
    sr_learnt *L = &s->L;
    s->lev = zs_calloc(nv, sizeof *s->lev);
    s->reason = zs_malloc(nv * sizeof *s->reason);
    s->depth = zs_calloc(nv, sizeof *s->depth);
    s->seen = zs_calloc(nv, 1);
    s->tmp = zs_malloc(2 * nv * sizeof *s->tmp); /* the clause, then the variables seen */
    L->watch = zs_calloc(nval, sizeof *L->watch);
    s->vact = zs_calloc(nv, sizeof *s->vact);
    s->vinc = 1.0;
    L->start = zs_malloc(sizeof *L->start);
    if (!s->lev || !s->reason || !s->depth || !s->seen || !s->tmp || !L->watch || !L->start || !s->vact) return ZS_ENOMEM;
    for (size_t v = 0; v < nv; v++) s->reason[v] = SR_NO_REASON;
    L->start[0] = 0;
    L->inc = 1.0f;
    L->limit = LEARN_FIRST_LIMIT + sm->nc / 2;
    return ZS_OK;
}

const uint32_t *sr_clause(const sr_state *s, uint32_t id, uint32_t *n) {
    const sr_model *sm = s->sm;
    if (id < sm->nc) return *n = sm->cstart[id + 1] - sm->cstart[id], sm->lit + sm->cstart[id];
    id -= (uint32_t)sm->nc;
    return *n = s->L.start[id + 1] - s->L.start[id], s->L.lit + s->L.start[id];
}

static int watch_push(sr_watch *w, uint32_t id) {
    if (w->n == w->cap) {
        uint32_t cap = w->cap ? 2 * w->cap : 4;
        uint32_t *p = zs_realloc(w->w, cap * sizeof *p);
        if (!p) return 0;
        w->w = p, w->cap = cap;
    }
    w->w[w->n++] = id;
    return 1;
}

/* Whether literal l (x != a) is false: x = a. */
static int lit_false(const sr_state *s, uint32_t l) {
    const sr_model *sm = s->sm;
    uint32_t x = sm->vof[l];
    return s->val[x] >= 0 && sm->voff[x] + (uint32_t)s->val[x] == l;
}

/* Learned clause id (an index into L) watched at vi, which is now false. 1: keep watching vi
 * (0: the watch moved); *conflict when every literal is false. */
static int visit_one(sr_state *s, uint32_t id, uint32_t vi, int *conflict) {
    sr_learnt *L = &s->L;
    uint32_t *c = L->lit + L->start[id], n = L->start[id + 1] - L->start[id];
    if (n == 1) return *conflict = 1;
    if (c[0] == vi) c[0] = c[1], c[1] = vi;
    if (s->removed[c[0]]) return 1; /* satisfied by the other watch */
    for (uint32_t k = 2; k < n; k++)
        if (!lit_false(s, c[k])) {
            if (!watch_push(&L->watch[c[k]], id)) return 1; /* no room: keep the old watch */
            c[1] = c[k], c[k] = vi;
            return 0;
        }
    if (lit_false(s, c[0])) return *conflict = 1;
    /* unit: c[0] must hold, when its variable is the component's (file comment) */
    if (s->depth[s->sm->vof[c[0]]] == s->level) sr_remove(s, c[0], (uint32_t)s->sm->nc + id);
    return 1;
}

int sr_learn_visit(sr_state *s, uint32_t vi) {
    sr_watch *w = &s->L.watch[vi];
    uint32_t i = 0, j = 0, n = w->n;
    int conflict = 0;
    for (; i < n && !conflict; i++) {
        uint32_t id = w->w[i];
        if (visit_one(s, id, vi, &conflict)) w->w[j++] = id;
        if (conflict) s->conflict = (uint32_t)s->sm->nc + id;
    }
    while (i < n) w->w[j++] = w->w[i++];
    w->n = j;
    return !conflict;
}

static void bump(sr_learnt *L, uint32_t id) {
    if ((L->act[id] += L->inc) > 1e30f) {
        for (size_t j = 0; j < L->n; j++) L->act[j] *= 1e-30f;
        L->inc *= 1e-30f;
    }
}

/* Add the literals of clause id except those of variable skip to the analysis: a literal of
 * the current level on a two-valued variable is to be resolved (seen 2, counted in *open);
 * others go into the clause (seen 1); those of level 0 hold everywhere and are left out. */
static void add_lits(sr_state *s, uint32_t id, uint32_t skip, uint32_t *open, uint32_t *nout, uint32_t *nseen) {
    const sr_model *sm = s->sm;
    uint32_t n;
    const uint32_t *c = sr_clause(s, id, &n);
    if (id >= sm->nc) bump(&s->L, id - (uint32_t)sm->nc);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t x = sm->vof[c[k]];
        if (x == skip || s->seen[x]) continue;
        s->seen[x] = 1;
        if ((s->vact[x] += s->vinc) > 1e100) {
            for (size_t v = 0; v < sm->nv; v++) s->vact[v] *= 1e-100;
            s->vinc *= 1e-100;
        }
        s->tmp[sm->nv + (*nseen)++] = x;
        if (s->lev[x] == 0) continue;
        if (s->lev[x] == s->level && sm->dom[x] == 2) s->seen[x] = 2, (*open)++;
        else s->tmp[(*nout)++] = c[k];
    }
}

/* The first-UIP clause of the conflict into tmp[0 .. n): its length. Walking the trail back,
 * each current-level literal is replaced by the other literals of its reason until one is
 * left (the UIP; the decision at the latest). */
static uint32_t analyse(sr_state *s, uint32_t *nseen) {
    const sr_model *sm = s->sm;
    uint32_t open = 0, nout = 0;
    add_lits(s, s->conflict, UINT32_MAX, &open, &nout, nseen);
    size_t t = s->ntrail;
    while (open > 0 && t > 0) {
        uint32_t x = sm->vof[s->trail[--t]];
        if (s->seen[x] != 2) continue;
        s->seen[x] = 1;
        uint32_t l = sm->voff[x] + (uint32_t)s->val[x];
        if (open == 1 || s->reason[x] == SR_NO_REASON) {
            s->tmp[nout++] = l;
            open--;
            continue;
        }
        open--;
        add_lits(s, s->reason[x], x, &open, &nout, nseen);
    }
    return nout;
}

/* Room for one more clause of n literals. */
static int reserve(sr_learnt *L, uint32_t n) {
    if (L->n + 1 >= L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 1024;
        uint32_t *st = zs_realloc(L->start, (cap + 1) * sizeof *st);
        if (!st) return 0;
        L->start = st;
        float *a = zs_realloc(L->act, cap * sizeof *a);
        if (!a) return 0;
        L->act = a, L->cap = cap;
    }
    if (L->nlit + n > L->clit) {
        size_t cap = 2 * (L->nlit + n);
        uint32_t *p = zs_realloc(L->lit, cap * sizeof *p);
        if (!p) return 0;
        L->lit = p, L->clit = cap;
    }
    return 1;
}

/* Store tmp[0 .. n) as a learned clause watched at its last literal (the UIP) and at the
 * literal of the highest level among the others: after the conflict's level is undone, both
 * are undecided or the latter is the one to become false first. */
static void add_clause(sr_state *s, uint32_t n) {
    sr_learnt *L = &s->L;
    if (!n || !reserve(L, n)) return;
    uint32_t *c = L->lit + L->nlit;
    c[0] = s->tmp[n - 1];
    uint32_t best = 0;
    for (uint32_t k = 0; k + 1 < n; k++) {
        c[k + 1] = s->tmp[k];
        if (s->lev[s->sm->vof[c[k + 1]]] > s->lev[s->sm->vof[c[best]]] || best == 0) best = k + 1;
    }
    if (n > 1) {
        uint32_t t = c[1];
        c[1] = c[best], c[best] = t;
    }
    uint32_t id = (uint32_t)L->n;
    if (!watch_push(&L->watch[c[0]], id) || (n > 1 && !watch_push(&L->watch[c[1]], id))) {
        if (L->watch[c[0]].n && L->watch[c[0]].w[L->watch[c[0]].n - 1] == id) L->watch[c[0]].n--;
        return;
    }
    L->act[id] = L->inc;
    L->nlit += n;
    L->start[++L->n] = (uint32_t)L->nlit;
    L->total++;
}

static int cmp_float(const void *x, const void *y) {
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

/* Keep the clauses that are reasons now, those of two literals or fewer and the more active
 * half of the rest (MiniSat's reduceDB, Eén & Sörensson 2003); renumber, and watch again at
 * the same two literals. */
static void reduce(sr_state *s) {
    sr_learnt *L = &s->L;
    const sr_model *sm = s->sm;
    uint32_t nc = (uint32_t)sm->nc;
    size_t n = L->n;
    unsigned char *keep = zs_calloc(n ? n : 1, 1);
    float *a = zs_malloc((n ? n : 1) * sizeof *a);
    uint32_t *map = zs_malloc((n ? n : 1) * sizeof *map);
    if (!keep || !a || !map) {
        free(keep), free(a), free(map);
        L->limit += L->limit / 2; /* try again later */
        return;
    }
    for (size_t i = 0; i < s->nasg; i++) {
        uint32_t r = s->reason[s->asg[i]];
        if (r != SR_NO_REASON && r >= nc) keep[r - nc] = 1;
    }
    memcpy(a, L->act, n * sizeof *a);
    qsort(a, n, sizeof *a, cmp_float);
    float median = a[n / 2];
    size_t nn = 0, nl = 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t b = L->start[j], len = L->start[j + 1] - b;
        if (!keep[j] && len > 2 && L->act[j] < median) {
            map[j] = UINT32_MAX;
            continue;
        }
        map[j] = (uint32_t)nn;
        memmove(L->lit + nl, L->lit + b, len * sizeof *L->lit);
        L->act[nn] = L->act[j];
        L->start[nn] = (uint32_t)nl;
        nl += len, nn++;
    }
    L->start[nn] = (uint32_t)nl;
    L->n = nn, L->nlit = nl;
    for (size_t i = 0; i < s->nasg; i++) {
        uint32_t *r = &s->reason[s->asg[i]];
        if (*r != SR_NO_REASON && *r >= nc) *r = nc + map[*r - nc];
    }
    size_t nval = sm->voff[sm->nv];
    for (size_t i = 0; i < nval; i++) L->watch[i].n = 0;
    for (size_t j = 0; j < nn; j++) {
        const uint32_t *c = L->lit + L->start[j];
        watch_push(&L->watch[c[0]], (uint32_t)j); /* room: the lists held at least these */
        if (L->start[j + 1] - L->start[j] > 1) watch_push(&L->watch[c[1]], (uint32_t)j);
    }
    L->limit += L->limit / 10;
    free(keep), free(a), free(map);
}

void sr_learn_conflict(sr_state *s) {
    uint32_t nseen = 0;
    uint32_t n = analyse(s, &nseen);
    for (uint32_t i = 0; i < nseen; i++) s->seen[s->tmp[s->sm->nv + i]] = 0;
    add_clause(s, n);
    s->L.inc /= ACT_DECAY;
    s->vinc /= SR_VDECAY;
    if (s->L.n > s->L.limit) reduce(s);
}
