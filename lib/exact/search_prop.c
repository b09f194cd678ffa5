/* search_prop.c — the state of the counter by search (search_internal.h): removing values,
 * unit propagation over the clauses, undoing to a mark, and the split of what is left into
 * independent components (variables linked by an unsatisfied clause). */
#include "exact/search_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sr_state_free(sr_state *s) {
    free(s->removed);
    free(s->nrem);
    free(s->val);
    free(s->trail);
    free(s->asg);
    free(s->vmark);
    free(s->cmark);
    free(s->ccomp);
    free(s->cweight);
    free(s->queue);
    free(s->info);
    free(s->off);
    free(s->order);
    free(s->ar);
    free(s->tdw);
    sr_learn_free(s);
    memset(s, 0, sizeof *s);
}

zs_status sr_state_init(sr_state *s, const sr_model *sm) {
    memset(s, 0, sizeof *s);
    s->sm = sm;
    size_t nv = sm->nv ? sm->nv : 1, nval = sm->voff[sm->nv] ? sm->voff[sm->nv] : 1, nc = sm->nc ? sm->nc : 1;
    s->removed = zs_calloc(nval, 1);
    s->nrem = zs_malloc(nv * sizeof *s->nrem);
    s->val = zs_malloc(nv * sizeof *s->val);
    s->trail = zs_malloc(nval * sizeof *s->trail);
    s->asg = zs_malloc(nv * sizeof *s->asg);
    s->vmark = zs_calloc(nv, sizeof *s->vmark);
    s->cmark = zs_calloc(nc, sizeof *s->cmark);
    s->ccomp = zs_calloc(nc, sizeof *s->ccomp);
    s->cweight = zs_calloc(nc, sizeof *s->cweight);
    s->queue = zs_malloc(nv * sizeof *s->queue);
    s->info = zs_malloc(4 * nv * sizeof *s->info);
    s->off = zs_calloc(nv, sizeof *s->off);
    s->order = zs_malloc(nv * sizeof *s->order);
    if (!s->removed || !s->nrem || !s->val || !s->trail || !s->asg || !s->vmark || !s->cmark || !s->ccomp || !s->cweight ||
        !s->queue || !s->info || !s->off || !s->order || sr_learn_init(s) != ZS_OK)
        return sr_state_free(s), ZS_ENOMEM;
    for (size_t v = 0; v < sm->nv; v++) {
        s->nrem[v] = sm->dom[v];
        s->val[v] = -1;
        if (sm->dom[v] == 1) s->val[v] = 0, s->asg[s->nasg++] = (uint32_t)v;
    }
    return ZS_OK;
}

int sr_remove(sr_state *s, uint32_t vi, uint32_t reason) {
    const sr_model *sm = s->sm;
    if (s->removed[vi]) return 1;
    uint32_t v = sm->vof[vi];
    s->removed[vi] = 1;
    s->trail[s->ntrail++] = vi;
    if (--s->nrem[v] == 0) return 0;
    if (s->nrem[v] == 1) {
        uint32_t a = 0;
        while (s->removed[sm->voff[v] + a]) a++;
        s->val[v] = (int32_t)a;
        s->asg[s->nasg++] = v;
        s->lev[v] = s->level;
        s->reason[v] = sm->dom[v] == 2 ? reason : SR_NO_REASON;
    }
    return 1;
}

int sr_assign(sr_state *s, uint32_t v, uint32_t a) {
    const sr_model *sm = s->sm;
    for (uint32_t b = 0; b < sm->dom[v]; b++)
        if (b != a && !sr_remove(s, sm->voff[v] + b, SR_NO_REASON)) return 0;
    return !s->removed[sm->voff[v] + a];
}

/* Clause c after its literal became false: satisfied, a conflict (0), or one literal left
 * undecided, which then must hold (its value is removed). */
static int check_clause(sr_state *s, uint32_t c) {
    const sr_model *sm = s->sm;
    uint32_t undecided = UINT32_MAX;
    for (uint32_t j = sm->cstart[c]; j < sm->cstart[c + 1]; j++) {
        uint32_t vi = sm->lit[j];
        if (s->removed[vi]) return 1; /* x != a holds */
        uint32_t v = sm->vof[vi];
        if (s->val[v] >= 0) continue; /* x = a: the literal is false */
        if (undecided != UINT32_MAX) return 1; /* two undecided: nothing implied */
        undecided = vi;
    }
    if (undecided == UINT32_MAX) return 0;
    return sr_remove(s, undecided, c);
}

int sr_propagate(sr_state *s) {
    const sr_model *sm = s->sm;
    while (s->head < s->nasg) {
        uint32_t v = s->asg[s->head++];
        uint32_t vi = sm->voff[v] + (uint32_t)s->val[v];
        for (uint32_t k = sm->lostart[vi]; k < sm->lostart[vi + 1]; k++)
            if (!check_clause(s, sm->locc[k])) return s->conflict = sm->locc[k], 0;
        if (s->L.n && !sr_learn_visit(s, vi)) return 0;
    }
    return 1;
}

void sr_undo(sr_state *s, size_t trail_mark, size_t asg_mark) {
    const sr_model *sm = s->sm;
    while (s->ntrail > trail_mark) {
        uint32_t vi = s->trail[--s->ntrail];
        uint32_t v = sm->vof[vi];
        s->removed[vi] = 0;
        if (++s->nrem[v] == 2) s->val[v] = -1;
    }
    s->nasg = asg_mark;
    if (s->head > asg_mark) s->head = asg_mark;
}

/* Whether clause c is unsatisfied (some literal's value removed makes it hold). */
static int clause_active(const sr_state *s, uint32_t c) {
    const sr_model *sm = s->sm;
    for (uint32_t j = sm->cstart[c]; j < sm->cstart[c + 1]; j++)
        if (s->removed[sm->lit[j]]) return 0;
    return 1;
}

/* Breadth-first from variable root over unsatisfied clauses: every variable reached gets
 * vmark = id, every clause ccomp = k + 1 (cmark: seen in this call, above base); info[4k..]
 * receives the component's variables, clauses, removed values and the variable of the highest
 * score (the lowest index on ties): the branching rule. The score: the weights of its
 * unsatisfied clauses, its conflict activity (VSADS) and its tree-decomposition position
 * (s->tdw, search.c). */
static void explore(sr_state *s, uint32_t root, uint64_t base, uint64_t id, uint32_t k) {
    const sr_model *sm = s->sm;
    uint32_t *in = &s->info[4 * (size_t)k];
    size_t qh = 0, qt = 0;
    uint32_t best = root, nc = 0, nrm = 0;
    double best_score = -1.0, vw = s->vweight / s->vinc;
    s->vmark[root] = id;
    s->queue[qt++] = root;
    while (qh < qt) {
        uint32_t x = s->queue[qh++], score = 0;
        nrm += sm->dom[x] > 2 ? sm->dom[x] - s->nrem[x] : 0;
        for (uint32_t j = sm->vostart[x]; j < sm->vostart[x + 1]; j++) {
            uint32_t c = sm->vocc[j];
            if (s->cmark[c] <= base) {
                s->cmark[c] = base + 1; /* looked at in this call */
                s->ccomp[c] = 0;
                if (!clause_active(s, c)) continue;
                uint32_t reduced = 0, open = 0;
                nc++;
                for (uint32_t l = sm->cstart[c]; l < sm->cstart[c + 1]; l++) {
                    uint32_t y = sm->vof[sm->lit[l]];
                    if (s->val[y] >= 0) reduced = SR_REDUCED;
                    else if (open++, s->vmark[y] != id) s->vmark[y] = id, s->queue[qt++] = y;
                }
                s->ccomp[c] = (k + 1) | reduced;
                s->cweight[c] = 1u << (SR_WEIGHT_BITS - (open < SR_WEIGHT_BITS ? open : SR_WEIGHT_BITS));
            }
            score += s->ccomp[c] ? s->cweight[c] : 0;
        }
        double sc = (double)score + vw * s->vact[x] + (s->tdw ? s->tdw[x] : 0.0);
        if (sc > best_score || (sc == best_score && x < best)) best = x, best_score = sc;
    }
    in[0] = (uint32_t)qt, in[1] = nc, in[2] = nrm, in[3] = best;
}

/* Room for n more arena words. */
static zs_status arena_reserve(sr_state *s, size_t n) {
    if (s->nar + n <= s->car) return ZS_OK;
    size_t cap = 2 * (s->nar + n);
    uint32_t *ar = zs_realloc(s->ar, cap * sizeof *ar);
    if (!ar) return ZS_ENOMEM;
    s->ar = ar, s->car = cap;
    return ZS_OK;
}

/* ln sum_a w(v, a) over the values of v not removed. */
static double free_weight(const sr_state *s, uint32_t v) {
    const sr_model *sm = s->sm;
    double mx = -HUGE_VAL, sum = 0.0;
    for (uint32_t a = 0; a < sm->dom[v]; a++)
        if (!s->removed[sm->voff[v] + a] && sm->lw[sm->voff[v] + a] > mx) mx = sm->lw[sm->voff[v] + a];
    if (mx == -HUGE_VAL) return mx;
    for (uint32_t a = 0; a < sm->dom[v]; a++)
        if (!s->removed[sm->voff[v] + a]) sum += exp(sm->lw[sm->voff[v] + a] - mx);
    return mx + log(sum);
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Write the components found (info[4k..], ids base + 2 + k) into the arena from s->nar:
 * headers, then variables and clauses in the parent's (ascending) order, then removed values.
 * off (ncomp entries): each component's offset from s->nar, UINT32_MAX for a free variable. */
static void lay_out(sr_state *s, const uint32_t *pv, uint32_t pnv, const uint32_t *pc, uint32_t pnc,
                    uint64_t base, uint32_t ncomp, uint32_t *off) {
    const sr_model *sm = s->sm;
    uint32_t *ar = s->ar;
    size_t o = s->nar;
    /* the smaller components first: a component with no model ends the branch, and the small
     * ones are the cheap ones to count (sharpSAT orders them so too) */
    for (uint32_t k = 0; k < ncomp; k++) s->order[k] = (uint64_t)s->info[4 * (size_t)k] << 32 | k;
    qsort(s->order, ncomp, sizeof *s->order, cmp_u64);
    for (uint32_t r = 0; r < ncomp; r++) {
        uint32_t k = (uint32_t)s->order[r];
        uint32_t *in = &s->info[4 * (size_t)k];
        off[k] = UINT32_MAX;
        if (in[0] == 1 && in[1] == 0) continue; /* a free variable */
        off[k] = (uint32_t)(o - s->nar);
        ar[o] = in[3], ar[o + 1] = in[0], ar[o + 2] = in[1], ar[o + 3] = in[2];
        /* from here on info[4k .. 4k+2] are the next positions of its three lists */
        in[0] = off[k] + SR_HEAD, in[1] = in[0] + ar[o + 1], in[2] = in[1] + ar[o + 2];
        o += sr_comp_words(ar + o);
    }
    for (uint32_t i = 0; i < pnv; i++) {
        uint32_t v = pv[i];
        if (s->val[v] >= 0) continue;
        uint32_t k = (uint32_t)(s->vmark[v] - base - 2);
        if (off[k] == UINT32_MAX) continue;
        uint32_t *in = &s->info[4 * (size_t)k];
        ar[s->nar + in[0]++] = v;
        if (sm->dom[v] > 2)
            for (uint32_t a = 0; a < sm->dom[v]; a++)
                if (s->removed[sm->voff[v] + a]) ar[s->nar + in[2]++] = sm->voff[v] + a;
    }
    for (uint32_t i = 0; i < pnc; i++) {
        uint32_t c = pc[i] & ~SR_REDUCED, cc = s->ccomp[c];
        if (s->cmark[c] > base && cc)
            ar[s->nar + s->info[4 * (size_t)((cc & ~SR_REDUCED) - 1) + 1]++] = c | (cc & SR_REDUCED);
    }
    s->nar = o;
}

zs_status sr_components(sr_state *s, size_t po, double *lnfree, size_t *end) {
    uint32_t pnv = s->ar[po + 1];
    uint64_t base = s->stamp + 1; /* clauses seen get base + 1; components base + 2 + k */
    uint32_t ncomp = 0;
    size_t need = 0;
    double lf = 0.0;
    for (uint32_t i = 0; i < pnv; i++) {
        uint32_t v = s->ar[po + SR_HEAD + i];
        if (s->val[v] >= 0 || s->vmark[v] > base) continue;
        explore(s, v, base, base + 2 + ncomp, ncomp);
        const uint32_t *in = &s->info[4 * (size_t)ncomp];
        if (in[0] == 1 && in[1] == 0) lf += free_weight(s, v);
        else need += SR_HEAD + (size_t)in[0] + in[1] + in[2];
        ncomp++;
    }
    s->stamp = base + 2 + ncomp;
    if (arena_reserve(s, need) != ZS_OK) return ZS_ENOMEM;
    const uint32_t *P = s->ar + po;
    const uint32_t *pv = P + SR_HEAD, *pc = pv + P[1];
    lay_out(s, pv, pnv, pc, P[2], base, ncomp, s->off);
    *lnfree = lf;
    *end = s->nar;
    return ZS_OK;
}

size_t sr_key(const uint32_t *c, uint32_t *key) {
    uint32_t nv = c[1], nc = c[2], nrm = c[3];
    const uint32_t *v = c + SR_HEAD, *cl = v + nv;
    size_t n = 0;
    key[n++] = nv;
    key[n++] = nrm;
    memcpy(key + n, v, nv * sizeof *key);
    n += nv;
    for (uint32_t i = 0; i < nc; i++)
        if (cl[i] & SR_REDUCED) key[n++] = cl[i];
    memcpy(key + n, cl + nc, nrm * sizeof *key);
    return n + nrm;
}
