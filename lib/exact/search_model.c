/* search_model.c — a factor model as clauses over multi-valued variables, for the counter by
 * search (search_internal.h): which models it takes, and their nogoods with occurrence
 * lists. */
#include "exact/search_internal.h"

#include <math.h>
#include <string.h>

/* The most values, clauses and literals (their indices are 32-bit). */
#define SR_MAX_INDEX 2147483647.0

void sr_model_free(sr_model *sm) {
    if (!sm) return;
    free(sm->dom);
    free(sm->voff);
    free(sm->vof);
    free(sm->lw);
    free(sm->cstart);
    free(sm->lit);
    free(sm->lostart);
    free(sm->locc);
    free(sm->vostart);
    free(sm->vocc);
    memset(sm, 0, sizeof *sm);
}

/* The one non-zero value of a factor of two or more variables, into *c (-HUGE_VAL when all its
 * entries are 0), and its zero entries into *zeros; ZS_EUNSUPPORTED when two differ. Equality
 * is exact: a table of 0 and 1 (a clause) has ln entries 0 and -inf. */
static zs_status factor_constant(const zs_factor_model *m, size_t f, double *c, size_t *zeros) {
    const fm_factor *fa = &m->f[f];
    double first = -HUGE_VAL;
    size_t nz = 0;
    for (size_t i = 0; i < fa->size; i++) {
        double t = fa->lnt[i];
        if (t == -HUGE_VAL) {
            nz++;
        } else if (first == -HUGE_VAL) {
            first = t;
        } else if (t != first) {
            return zs_fail(m->ctx, ZS_EUNSUPPORTED,
                           "search: factor %zu (%zu variables) has the non-zero entries %.17g and "
                           "%.17g: the search counts constraints (tables of 0 and one constant) "
                           "with weights on single variables only; the elimination takes this model",
                           f, fa->arity, exp(first), exp(t));
        }
    }
    *c = first;
    *zeros = nz;
    return ZS_OK;
}

/* Count the clauses and literals of m (factors of arity >= 2 contribute their zeros) and fold
 * the constants and unary weights into sm. */
static zs_status count_clauses(const zs_factor_model *m, const unsigned char *dead, sr_model *sm, size_t *nlit) {
    size_t nc = 0, nl = 0;
    for (size_t f = 0; f < m->nf; f++) {
        const fm_factor *fa = &m->f[f];
        if (dead && dead[f]) {
            double c = 0.0;
            size_t z = 0;
            zs_status st = fa->arity >= 2 ? factor_constant(m, f, &c, &z) : ZS_OK; /* the class is the same */
            if (st != ZS_OK) return st;
        } else if (fa->arity == 0) {
            sm->lconst += fa->lnt[0];
        } else if (fa->arity == 1) {
            uint32_t base = sm->voff[fa->scope[0]];
            for (size_t a = 0; a < fa->size; a++) sm->lw[base + a] += fa->lnt[a];
        } else {
            double c = -HUGE_VAL;
            size_t z = 0;
            zs_status st = factor_constant(m, f, &c, &z);
            if (st != ZS_OK) return st;
            sm->lconst += c;
            if (c == -HUGE_VAL) continue; /* Z = 0 whatever the rest */
            nc += z;
            nl += z * fa->arity;
            if ((double)nc > SR_MAX_INDEX || (double)nl > SR_MAX_INDEX)
                return zs_fail(m->ctx, ZS_ETOOBIG, "search: the constraints' zero entries pass 2^31 "
                                                   "clauses or literals");
        }
    }
    sm->nc = nc;
    *nlit = nl;
    return ZS_OK;
}

/* Every zero entry of every factor of arity >= 2 as a clause (the entry's index decoded with
 * the last scope variable fastest). */
static void fill_clauses(const zs_factor_model *m, const unsigned char *dead, sr_model *sm) {
    size_t c = 0, l = 0;
    for (size_t f = 0; f < m->nf; f++) {
        const fm_factor *fa = &m->f[f];
        if (fa->arity < 2 || sm->lconst == -HUGE_VAL || (dead && dead[f])) continue;
        for (size_t i = 0; i < fa->size; i++) {
            if (fa->lnt[i] != -HUGE_VAL) continue;
            sm->cstart[c++] = (uint32_t)l;
            size_t rest = i;
            for (size_t k = fa->arity; k-- > 0;) {
                uint32_t v = fa->scope[k];
                sm->lit[l + k] = sm->voff[v] + (uint32_t)(rest % sm->dom[v]);
                rest /= sm->dom[v];
            }
            l += fa->arity;
        }
    }
    sm->cstart[c] = (uint32_t)l;
}

/* Occurrence lists: start has n + 1 entries; key(c, j) gives the j-th literal's key. */
static zs_status occurrences(sr_model *sm, size_t n, int by_var, uint32_t **start, uint32_t **occ) {
    size_t nl = sm->cstart[sm->nc];
    *start = zs_calloc(n + 1, sizeof **start);
    *occ = zs_malloc((nl ? nl : 1) * sizeof **occ);
    if (!*start || !*occ) return ZS_ENOMEM;
    uint32_t *s = *start;
    for (size_t j = 0; j < nl; j++) s[(by_var ? sm->vof[sm->lit[j]] : sm->lit[j]) + 1]++;
    for (size_t k = 0; k < n; k++) s[k + 1] += s[k];
    for (size_t c = 0; c < sm->nc; c++)
        for (uint32_t j = sm->cstart[c]; j < sm->cstart[c + 1]; j++) {
            uint32_t key = by_var ? sm->vof[sm->lit[j]] : sm->lit[j];
            (*occ)[s[key]++] = (uint32_t)c;
        }
    for (size_t k = n; k > 0; k--) s[k] = s[k - 1];
    s[0] = 0;
    return ZS_OK;
}

static zs_status alloc_values(const zs_factor_model *m, sr_model *sm) {
    sm->nv = m->nvars;
    size_t nv = m->nvars;
    sm->dom = zs_malloc((nv ? nv : 1) * sizeof *sm->dom);
    sm->voff = zs_malloc((nv + 1) * sizeof *sm->voff);
    if (!sm->dom || !sm->voff) return zs_fail(m->ctx, ZS_ENOMEM, "search: out of memory");
    double total = 0.0;
    for (size_t v = 0; v < nv; v++) total += m->dom[v];
    if (total > SR_MAX_INDEX)
        return zs_fail(m->ctx, ZS_ETOOBIG, "search: the variables have %.0f values in all; at most 2^31", total);
    sm->voff[0] = 0;
    for (size_t v = 0; v < nv; v++) {
        sm->dom[v] = m->dom[v];
        sm->voff[v + 1] = sm->voff[v] + m->dom[v];
    }
    size_t nval = sm->voff[nv];
    sm->vof = zs_malloc((nval ? nval : 1) * sizeof *sm->vof);
    sm->lw = zs_calloc(nval ? nval : 1, sizeof *sm->lw);
    if (!sm->vof || !sm->lw) return zs_fail(m->ctx, ZS_ENOMEM, "search: out of memory");
    for (size_t v = 0; v < nv; v++)
        for (uint32_t a = 0; a < sm->dom[v]; a++) sm->vof[sm->voff[v] + a] = (uint32_t)v;
    return ZS_OK;
}

zs_status sr_model_build(const zs_factor_model *m, const unsigned char *dead, sr_model *sm) {
    memset(sm, 0, sizeof *sm);
    zs_status st = alloc_values(m, sm);
    size_t nl = 0;
    if (st == ZS_OK) st = count_clauses(m, dead, sm, &nl);
    if (st != ZS_OK) return sr_model_free(sm), st;
    if (sm->lconst == -HUGE_VAL) sm->nc = nl = 0; /* an all-zero factor: no clause needed */
    sm->cstart = zs_malloc((sm->nc + 1) * sizeof *sm->cstart);
    sm->lit = zs_malloc((nl ? nl : 1) * sizeof *sm->lit);
    if (!sm->cstart || !sm->lit) return sr_model_free(sm), zs_fail(m->ctx, ZS_ENOMEM, "search: out of memory");
    fill_clauses(m, dead, sm);
    if (occurrences(sm, sm->voff[sm->nv], 0, &sm->lostart, &sm->locc) != ZS_OK ||
        occurrences(sm, sm->nv, 1, &sm->vostart, &sm->vocc) != ZS_OK)
        return sr_model_free(sm), zs_fail(m->ctx, ZS_ENOMEM, "search: out of memory");
    return ZS_OK;
}

int sr_var_factors(const zs_factor_model *m, size_t **foff, size_t **fac) {
    size_t total = 0;
    for (size_t f = 0; f < m->nf; f++) total += m->f[f].arity;
    size_t *off = *foff = zs_calloc(m->nvars + 1, sizeof *off);
    size_t *fs = *fac = zs_malloc((total ? total : 1) * sizeof *fs);
    if (!off || !fs) return 0;
    for (size_t f = 0; f < m->nf; f++)
        for (size_t a = 0; a < m->f[f].arity; a++) off[m->f[f].scope[a] + 1]++;
    for (size_t v = 0; v < m->nvars; v++) off[v + 1] += off[v];
    for (size_t f = 0; f < m->nf; f++)
        for (size_t a = 0; a < m->f[f].arity; a++) fs[off[m->f[f].scope[a]]++] = f;
    for (size_t v = m->nvars; v > 0; v--) off[v] = off[v - 1];
    off[0] = 0;
    return 1;
}
