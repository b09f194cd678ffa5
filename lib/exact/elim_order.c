/* elim_order.c — greedy elimination orders for variable elimination.
 *
 * The interaction graph links two variables when they share a factor. Eliminating a variable
 * joins its neighbours into a clique (the fill edges) and builds a table over them; the
 * largest such neighbourhood over the order is the induced width w, and time and memory grow
 * as d^(w+1). Finding the order of least width is NP-hard (Arnborg, Corneil & Proskurowski
 * 1987), so the usual greedy rules pick, one at a time, the variable that looks cheapest now
 * (Koller & Friedman 2009, sec. 9.4.3.2; Kjaerulff 1990 for the weighted form):
 *   min-degree        fewest neighbours;
 *   min-fill          fewest fill edges added, sum over neighbour pairs {a,b} not yet linked;
 *   weighted min-fill fill edges weighted by d_a d_b (the size of the table they create).
 * Ties go to the smaller table (sum of ln d over the variable and its neighbours), then to the
 * lower index, so an order is a pure function of the model.
 *
 * The graph is held as bitset rows: fill counts are popcounts of N(u) & ~N(a). After eliminating
 * v, the neighbours N(v) are scored afresh (their neighbourhoods changed); any other vertex u
 * keeps its neighbourhood, so its score changes only through the fill edges: each new edge
 * {a,b} with a, b in N(u) removes one missing pair, fill(u) -= 1 (weighted: d_a d_b), for every
 * u in N(a) & N(b) outside N(v). Scores are sums of integers, exact in doubles while they stay
 * below 2^53, so these updates give the very scores (and orders) a fresh count would; where
 * that bound cannot be shown, every affected vertex is scored afresh. */
#include "exact/elim_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct graph {
    size_t n, words;
    uint64_t *adj;      /* (n x words) adjacency rows                                       */
    double *lnd;        /* (n) ln d of each vertex                                          */
    double *dom;        /* (n) d of each vertex                                             */
    double udom;        /* the common domain size when all are equal, else 0                */
    double ops;         /* words fresh scores would visit: the ordering's cost, deterministic */
    double *cost;       /* (n) words a fresh fill score of each vertex visits (see ops)     */
} graph;

/* Population count without -mpopcnt (the library's baseline is plain x86-64, where the
 * builtin becomes a libgcc call): the SWAR sum of bits (Hacker's Delight, sec. 5-1). */
static inline size_t popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (size_t)((x * 0x0101010101010101ULL) >> 56);
}

static inline uint64_t *row(const graph *g, size_t u) { return g->adj + u * g->words; }

static inline void set_edge(graph *g, size_t a, size_t b) {
    row(g, a)[b >> 6] |= 1ULL << (b & 63);
    row(g, b)[a >> 6] |= 1ULL << (a & 63);
}

static inline int has_edge(const graph *g, size_t a, size_t b) {
    return (int)((row(g, a)[b >> 6] >> (b & 63)) & 1);
}

/* Neighbour list of u into nb; returns the count. */
static size_t neighbours(const graph *g, size_t u, size_t *nb) {
    size_t k = 0;
    const uint64_t *r = row(g, u);
    for (size_t w = 0; w < g->words; w++) {
        uint64_t x = r[w];
        while (x) {
            nb[k++] = (w << 6) + (size_t)__builtin_ctzll(x);
            x &= x - 1;
        }
    }
    return k;
}

/* Score of eliminating u now (lower is better) and its tie-break weight. */
static void score_of(graph *g, size_t u, zs_factor_order h, size_t *nb, double *score,
                     double *tie) {
    size_t k = neighbours(g, u, nb);
    double t = g->lnd[u];
    for (size_t i = 0; i < k; i++) t += g->lnd[nb[i]];
    *tie = t;
    if (h == ZS_ORDER_MINDEGREE) {
        *score = (double)k;
        return;
    }
    const uint64_t *ru = row(g, u);
    size_t wlo = k ? nb[0] >> 6 : 0, whi = k ? (nb[k - 1] >> 6) + 1 : 0;
    g->cost[u] = (double)k * (double)(whi - wlo);
    g->ops += g->cost[u];
    double s = 0.0;
    for (size_t i = 0; i < k; i++) {
        const uint64_t *ra = row(g, nb[i]);
        if (h == ZS_ORDER_MINFILL || g->udom > 0.0) {
            size_t c = 0;
            for (size_t w = wlo; w < whi; w++) c += popcount64(ru[w] & ~ra[w]);
            /* a itself is in N(u) but not in N(a); equal domains weigh every edge d^2 */
            s += (double)(c - 1) * (h == ZS_ORDER_MINFILL ? 1.0 : g->udom * g->udom);
        } else {
            double c = 0.0;
            for (size_t w = wlo; w < whi; w++) {
                uint64_t x = ru[w] & ~ra[w];
                while (x) {
                    size_t b = (w << 6) + (size_t)__builtin_ctzll(x);
                    x &= x - 1;
                    if (b != nb[i]) c += g->dom[b];
                }
            }
            s += g->dom[nb[i]] * c;
        }
    }
    *score = 0.5 * s; /* every missing pair was counted from both ends */
}

/* The greedy run's state besides the graph. */
typedef struct greedy {
    size_t *var;            /* (n) model variable of each vertex                           */
    size_t *nb, *nb2;       /* (n) neighbour lists                                         */
    double *score, *tie;    /* (n) current score of each vertex and its tie-break weight   */
    unsigned char *alive;   /* (n) not yet eliminated                                      */
    uint64_t *touched;      /* (words) vertices whose score may have changed               */
    uint64_t *clique;       /* (words) the vertex being eliminated and its neighbours       */
} greedy;

static void greedy_free(graph *g, greedy *r) {
    free(r->var);
    free(r->nb);
    free(r->nb2);
    free(r->score);
    free(r->tie);
    free(r->alive);
    free(r->touched);
    free(r->clique);
    free(g->adj);
    free(g->cost);
    free(g->lnd);
    free(g->dom);
}

/* The interaction graph of the variables with skip[v] == 0, as vertices 0..n-1 in variable
 * order; id (nvars) is scratch. */
static zs_status graph_build(const zs_factor_model *m, const unsigned char *skip, size_t n,
                             size_t *id, graph *g, greedy *r) {
    *g = (graph){n, (n + 63) / 64, NULL, NULL, NULL, 0.0, 0.0, NULL};
    memset(r, 0, sizeof *r);
    r->var = zs_malloc((n ? n : 1) * sizeof *r->var);
    r->nb = zs_malloc((n ? n : 1) * sizeof *r->nb);
    r->nb2 = zs_malloc((n ? n : 1) * sizeof *r->nb2);
    r->score = zs_malloc((n ? n : 1) * sizeof *r->score);
    r->tie = zs_malloc((n ? n : 1) * sizeof *r->tie);
    r->alive = zs_malloc(n ? n : 1);
    r->touched = zs_calloc(g->words ? g->words : 1, sizeof *r->touched);
    r->clique = zs_calloc(g->words ? g->words : 1, sizeof *r->clique);
    g->adj = zs_calloc(n * g->words > 0 ? n * g->words : 1, sizeof *g->adj);
    g->lnd = zs_malloc((n ? n : 1) * sizeof *g->lnd);
    g->dom = zs_malloc((n ? n : 1) * sizeof *g->dom);
    g->cost = zs_calloc(n ? n : 1, sizeof *g->cost);
    if (!id || !r->var || !r->nb || !r->nb2 || !r->score || !r->tie || !r->alive ||
        !r->touched || !r->clique || !g->adj || !g->lnd || !g->dom || !g->cost)
        return zs_fail(m->ctx, ZS_ENOMEM, "order: out of memory for a graph of %zu variables", n);
    for (size_t v = 0, k = 0; v < m->nvars; v++) {
        id[v] = SIZE_MAX;
        if (skip[v]) continue;
        id[v] = k;
        r->var[k] = v;
        g->dom[k] = m->dom[v];
        g->lnd[k] = log((double)m->dom[v]);
        k++;
    }
    g->udom = n ? g->dom[0] : 0.0;
    for (size_t k = 0; k < n; k++)
        if (g->dom[k] != g->udom) g->udom = 0.0;
    for (size_t f = 0; f < m->nf; f++) {
        const fm_factor *fa = &m->f[f];
        for (size_t a = 0; a < fa->arity; a++) {
            size_t ia = id[fa->scope[a]];
            if (ia == SIZE_MAX) continue;
            for (size_t b = a + 1; b < fa->arity; b++) {
                size_t ib = id[fa->scope[b]];
                if (ib != SIZE_MAX) set_edge(g, ia, ib);
            }
        }
    }
    memset(r->alive, 1, n);
    return ZS_OK;
}

/* The live vertex of least score, ties by the smaller table, then the lower index; with a
 * stream, a uniform choice among exact ties (reservoir sampling). */
static size_t pick_best(const graph *g, const greedy *r, zs_rng *rng, uint64_t stream) {
    size_t best = SIZE_MAX, nties = 0;
    for (size_t u = 0; u < g->n; u++) {
        if (!r->alive[u]) continue;
        if (best == SIZE_MAX || r->score[u] < r->score[best] ||
            (r->score[u] == r->score[best] && r->tie[u] < r->tie[best])) {
            best = u;
            nties = 1;
        } else if (stream && r->score[u] == r->score[best] && r->tie[u] == r->tie[best]) {
            if (zs_rng_below(rng, ++nties) == 0) best = u;
        }
    }
    return best;
}

/* Whether every fill score, and every partial sum score_of forms, is an integer below 2^53,
 * so that decrementing a score gives the same double as counting afresh: the pairs are at
 * most (sum of d)^2 / 2 weighted, n^2 / 2 unweighted, and the partial sums of score_of stay
 * below (sum of d)^2 (d >= 1, so n <= sum of d). */
static int scores_exact(const graph *g, zs_factor_order h) {
    double total = 0.0;
    for (size_t u = 0; u < g->n; u++) total += h == ZS_ORDER_MINFILL ? 1.0 : g->dom[u];
    return total <= 67108864.0; /* 2^26, so total^2 <= 2^52 */
}

/* The fill edge {a,b} is one pair less missing for each common neighbour outside the clique
 * being formed (those in it are scored afresh); w is the pair's weight. */
static void fill_drop(const graph *g, greedy *r, size_t a, size_t b, double w) {
    const uint64_t *ra = row(g, a), *rb = row(g, b);
    for (size_t i = 0; i < g->words; i++) {
        uint64_t x = ra[i] & rb[i] & ~r->clique[i];
        while (x) {
            r->score[(i << 6) + (size_t)__builtin_ctzll(x)] -= w;
            x &= x - 1;
        }
    }
}

/* Take u out of the graph after joining its neighbours into a clique; its neighbours go to
 * r->nb, their number is returned. With incr, each fill edge updates the scores of the
 * vertices outside the clique that see both its ends (rule h). */
static size_t eliminate_vertex(graph *g, greedy *r, size_t u, zs_factor_order h, int incr) {
    r->alive[u] = 0;
    size_t k = neighbours(g, u, r->nb);
    const size_t *nb = r->nb;
    if (incr) {
        memcpy(r->clique, row(g, u), g->words * sizeof *r->clique);
        r->clique[u >> 6] |= 1ULL << (u & 63);
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            if (!has_edge(g, nb[i], nb[j])) {
                if (incr)
                    fill_drop(g, r, nb[i], nb[j],
                              h == ZS_ORDER_MINFILL ? 1.0 : g->dom[nb[i]] * g->dom[nb[j]]);
                set_edge(g, nb[i], nb[j]);
            }
    for (size_t i = 0; i < k; i++) row(g, nb[i])[u >> 6] &= ~(1ULL << (u & 63));
    memset(row(g, u), 0, g->words * sizeof *g->adj);
    return k;
}

/* Rescore after an elimination whose neighbours are r->nb[0..k): the neighbours (their
 * neighbourhoods changed) and, for the fill rules, the neighbours' neighbours (a new edge
 * among them removes a missing pair from every common neighbour). With incr, the latter
 * were updated by fill_drop and only the neighbours are scored afresh; ops still grows by
 * the words a fresh score of every one of them would visit (their rows are unchanged, so
 * g->cost holds it), which keeps ops, and the number of randomized runs elim_plan.c bases on
 * it, what it was before the updates were incremental. */
static void rescore(graph *g, greedy *r, zs_factor_order h, size_t k, int incr) {
    memset(r->touched, 0, g->words * sizeof *r->touched);
    for (size_t i = 0; i < k; i++) {
        r->touched[r->nb[i] >> 6] |= 1ULL << (r->nb[i] & 63);
        if (h != ZS_ORDER_MINDEGREE) {
            const uint64_t *rw = row(g, r->nb[i]);
            for (size_t w = 0; w < g->words; w++) r->touched[w] |= rw[w];
        }
    }
    for (size_t w = 0; w < g->words; w++) {
        uint64_t x = r->touched[w];
        while (x) {
            size_t u = (w << 6) + (size_t)__builtin_ctzll(x);
            x &= x - 1;
            if (!r->alive[u]) continue;
            if (incr && !((r->clique[w] >> (u & 63)) & 1)) g->ops += g->cost[u];
            else score_of(g, u, h, r->nb2, &r->score[u], &r->tie[u]);
        }
    }
}

zs_status elim_order_greedy(const zs_factor_model *m, const unsigned char *skip,
                            zs_factor_order h, uint64_t stream, size_t *order, size_t *count,
                            int *fell_back, double *ops) {
    zs_rng rng;
    zs_rng_init(&rng, 0x5a5d0e11u, stream);
    *fell_back = 0;
    size_t n = 0;
    for (size_t v = 0; v < m->nvars; v++) n += !skip[v];
    if (n > ZS_FACTOR_MAX_ORDER_VARS)
        return zs_fail(m->ctx, ZS_ETOOBIG,
                       "order: %zu variables to eliminate; the heuristics handle at most %u", n,
                       ZS_FACTOR_MAX_ORDER_VARS);
    graph g;
    greedy r;
    size_t *id = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *id);
    zs_status st = graph_build(m, skip, n, id, &g, &r);
    free(id);
    if (st != ZS_OK) {
        greedy_free(&g, &r);
        return st;
    }
    for (size_t u = 0; u < n; u++) score_of(&g, u, h, r.nb, &r.score[u], &r.tie[u]);
    int exact = h != ZS_ORDER_MINDEGREE && scores_exact(&g, h);
    for (size_t step = 0; step < n; step++) {
        size_t best = pick_best(&g, &r, &rng, stream);
        if (h != ZS_ORDER_MINDEGREE && r.tie[best] > ELIM_FALLBACK_LN_TABLE) {
            /* Far beyond any memory: finish by min-degree, whose scores cost nothing, rather
             * than spend minutes on fill counts of huge cliques. */
            h = ZS_ORDER_MINDEGREE;
            *fell_back = 1;
            for (size_t u = 0; u < n; u++)
                if (r.alive[u]) score_of(&g, u, h, r.nb, &r.score[u], &r.tie[u]);
            step--;
            continue;
        }
        order[step] = r.var[best];
        int incr = exact && h != ZS_ORDER_MINDEGREE;
        rescore(&g, &r, h, eliminate_vertex(&g, &r, best, h, incr), incr);
    }
    *count = n;
    *ops = g.ops;
    greedy_free(&g, &r);
    return ZS_OK;
}
