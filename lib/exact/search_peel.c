/* search_peel.c — before the search (search.c), sum out every variable whose factors sum to
 * one constant whatever its neighbours' values. For a variable v with factors F_v,
 *     Z = sum_{x \ v} prod_{f not in F_v} phi_f(x) * sum_{x_v} prod_{f in F_v} phi_f(x),
 * and when the inner sum is the same c for every assignment of v's neighbours, Z = c Z' with
 * Z' the model without v and F_v: variable elimination whose message is a constant. The
 * output of a gate of a circuit's CNF (its defining clauses and no other, once the gates it
 * feeds are gone) is such a variable, with c = 1: a circuit peels from its outputs back to its
 * inputs, which are left free (c = their number of values), so a circuit of k binary inputs
 * is counted as 2^k without a decision, where branching meets its full width (counters
 * eliminate such "defined" variables in preprocessing: Lagniez & Marquis, "Improving Model
 * Counting by Leveraging Definability", IJCAI 2016). The sums are compared exactly (==), in
 * log space: a variable is taken out only when the inner sum is the very same double for every
 * assignment, so the count is exact. Observed variables stay. */
#include "exact/search_internal.h"

#include <math.h>
#include <string.h>

/* Neighbourhoods of more assignments than this are not enumerated, and the pass stops after
 * this many table lookups in all (a few seconds at most, on models of millions of factors). */
#define PEEL_MAX_ASSIGNMENTS 4096.0
#define PEEL_MAX_LOOKUPS 1e9

typedef struct peel {
    const zs_factor_model *m;
    size_t *foff, *fac;     /* the factors of each variable (CSR)                               */
    unsigned char *dead;    /* (nf) factors summed out                                         */
    unsigned char *gone;    /* (nvars) variables summed out                                    */
    uint32_t *nb;           /* (nvars) scratch: the neighbours of the variable tried            */
    uint32_t *x;            /* (nvars) scratch: an assignment                                   */
    size_t *mark;           /* (nvars) stamps                                                   */
    size_t stamp;
    double lookups;         /* table entries read so far                                        */
    uint32_t *queue;        /* (nvars) variables to try                                         */
    unsigned char *inq;     /* (nvars)                                                          */
} peel;

static void peel_free(peel *p) {
    free(p->foff), free(p->fac), free(p->nb), free(p->x), free(p->mark), free(p->queue), free(p->inq);
}

static int peel_init(peel *p, const zs_factor_model *m, unsigned char *dead, unsigned char *gone) {
    memset(p, 0, sizeof *p);
    p->m = m, p->dead = dead, p->gone = gone;
    size_t nv = m->nvars ? m->nvars : 1;
    if (!sr_var_factors(m, &p->foff, &p->fac)) return 0;
    p->nb = zs_malloc(nv * sizeof *p->nb);
    p->x = zs_calloc(nv, sizeof *p->x);
    p->mark = zs_calloc(nv, sizeof *p->mark);
    p->queue = zs_malloc(nv * sizeof *p->queue);
    p->inq = zs_calloc(nv, 1);
    if (!p->nb || !p->x || !p->mark || !p->queue || !p->inq) return 0;
    return 1;
}

/* ln of the inner sum at the assignment p->x of v's neighbours. */
static double inner_sum(peel *p, uint32_t v) {
    const zs_factor_model *m = p->m;
    double s = -HUGE_VAL;
    for (uint32_t a = 0; a < m->dom[v]; a++) {
        p->x[v] = a;
        double t = 0.0;
        for (size_t k = p->foff[v]; k < p->foff[v + 1] && t != -HUGE_VAL; k++) {
            const fm_factor *fa = &m->f[p->fac[k]];
            if (p->dead[p->fac[k]]) continue;
            size_t idx = 0;
            for (size_t j = 0; j < fa->arity; j++) idx = idx * m->dom[fa->scope[j]] + p->x[fa->scope[j]];
            t += fa->lnt[idx];
            p->lookups += 1.0;
        }
        s = zs_logaddexp(s, t);
    }
    return s;
}

/* The live neighbours of v into p->nb: their number, SIZE_MAX past the enumeration's limit. */
static size_t neighbours(peel *p, uint32_t v) {
    const zs_factor_model *m = p->m;
    size_t n = 0;
    double assignments = 1.0;
    p->mark[v] = ++p->stamp;
    for (size_t k = p->foff[v]; k < p->foff[v + 1]; k++) {
        const fm_factor *fa = &m->f[p->fac[k]];
        if (p->dead[p->fac[k]]) continue;
        for (size_t j = 0; j < fa->arity; j++) {
            uint32_t u = fa->scope[j];
            if (p->mark[u] == p->stamp) continue;
            p->mark[u] = p->stamp;
            p->nb[n++] = u;
            if ((assignments *= m->dom[u]) > PEEL_MAX_ASSIGNMENTS) return SIZE_MAX;
        }
    }
    return n;
}

/* Whether v's inner sum is one finite constant over its neighbours' assignments: *lnc. */
static int constant_sum(peel *p, uint32_t v, size_t n, double *lnc) {
    const uint32_t *dom = p->m->dom;
    for (size_t i = 0; i < n; i++) p->x[p->nb[i]] = 0;
    double c = inner_sum(p, v);
    if (c == -HUGE_VAL || !isfinite(c)) return 0;
    for (;;) {
        size_t i = 0; /* the next assignment, the first neighbour fastest */
        while (i < n && ++p->x[p->nb[i]] == dom[p->nb[i]]) p->x[p->nb[i++]] = 0;
        if (i == n) break;
        if (inner_sum(p, v) != c) return 0;
    }
    *lnc = c;
    return 1;
}

zs_status sr_peel(const zs_factor_model *m, const int32_t *ev, unsigned char *dead, unsigned char *gone,
                  double *lnc, size_t *count) {
    peel p;
    memset(dead, 0, m->nf ? m->nf : 1);
    memset(gone, 0, m->nvars ? m->nvars : 1);
    *lnc = 0.0, *count = 0;
    if (!peel_init(&p, m, dead, gone)) return peel_free(&p), ZS_ENOMEM;
    size_t qn = 0;
    for (size_t v = m->nvars; v-- > 0;) /* popped from the end: variable 0 first */
        if (!ev || ev[v] < 0) p.queue[qn++] = (uint32_t)v, p.inq[v] = 1;
    while (qn > 0 && p.lookups < PEEL_MAX_LOOKUPS) {
        uint32_t v = p.queue[--qn];
        p.inq[v] = 0;
        size_t n = neighbours(&p, v);
        double c;
        if (n == SIZE_MAX || !constant_sum(&p, v, n, &c)) continue;
        gone[v] = 1;
        *lnc += c;
        ++*count;
        for (size_t k = p.foff[v]; k < p.foff[v + 1]; k++) dead[p.fac[k]] = 1;
        for (size_t i = 0; i < n; i++) { /* their factors changed: try them again */
            uint32_t u = p.nb[i];
            if (!p.inq[u] && !gone[u] && (!ev || ev[u] < 0)) p.queue[qn++] = u, p.inq[u] = 1;
        }
    }
    peel_free(&p);
    return ZS_OK;
}
