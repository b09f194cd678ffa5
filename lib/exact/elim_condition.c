/* elim_condition.c — a plan that fits a memory limit by conditioning (cutset conditioning,
 * Pearl 1986; Dechter 1999, sec. 6): Z(e) = sum_{x_C} Z(e, x_C), each term an elimination
 * with the variables C observed, so that each run's tables fit. C is chosen greedily among
 * the variables of the largest table, one at a time, until the plan fits. */
#include "exact/elim_internal.h"

#include <stdlib.h>
#include <string.h>

/* Which of two plans to keep while conditioning: one that fits max_bytes over one that
 * does not; among those that fit the cheaper (elim_plan_cost), among those that do not the
 * smaller peak. Returns 1 when b is better than a. */
static int plan_better(const zs_factor_plan_info *a, const zs_factor_plan_info *b,
                       double max_bytes) {
    int fa = a->peak_bytes <= max_bytes, fb = b->peak_bytes <= max_bytes;
    if (fa != fb) return fb;
    if (fa) return elim_plan_cost(b) < elim_plan_cost(a);
    return b->peak_bytes < a->peak_bytes;
}

/* The search's working state: the evidence with the conditioned variables observed (ev), the
 * conditioned variables so far (cond, nc) and the number of their joint assignments. */
typedef struct cstate {
    const zs_factor_model *m;
    int32_t *ev;           /* (nvars) evidence, conditioned variables set to 0             */
    unsigned char *skip;   /* (nvars) scratch for elim_make_skip                           */
    uint32_t *val;         /* (nvars) likewise                                             */
    size_t *big;           /* (nvars + 1) candidate positions                              */
    size_t *ord;           /* (nvars) an order without one variable                        */
    size_t cond[ZS_FACTOR_MAX_CONDITIONED];
    size_t nc;
    double assign;
} cstate;

static void cstate_free(cstate *c) {
    free(c->ev);
    free(c->skip);
    free(c->val);
    free(c->big);
    free(c->ord);
}

static zs_status cstate_init(cstate *c, const zs_factor_model *m, const int32_t *evidence) {
    const size_t nv = m->nvars ? m->nvars : 1;
    memset(c, 0, sizeof *c);
    c->m = m;
    c->assign = 1.0;
    c->ev = zs_malloc(nv * sizeof *c->ev);
    c->skip = zs_malloc(nv);
    c->val = zs_malloc(nv * sizeof *c->val);
    c->big = zs_malloc((nv + 1) * sizeof *c->big);
    c->ord = zs_malloc(nv * sizeof *c->ord);
    if (!c->ev || !c->skip || !c->val || !c->big || !c->ord) {
        cstate_free(c);
        return zs_fail(m->ctx, ZS_ENOMEM, "condition: out of memory");
    }
    for (size_t v = 0; v < m->nvars; v++) c->ev[v] = evidence ? evidence[v] : -1;
    return ZS_OK;
}

/* cur's order without variable v into c->ord; returns its length. */
static size_t order_without(cstate *c, const zs_factor_plan *cur, size_t v) {
    size_t k = 0;
    for (size_t q = 0; q < cur->n; q++)
        if (cur->order[q] != v) c->ord[k++] = cur->order[q];
    return k;
}

/* The variable to condition on next, SIZE_MAX when there is none. Candidates: the variables
 * of the largest table (conditioning on one of them cuts that table by its d_v). Each is
 * scored by the estimated total cost of the current order without it, d_v x plan cost; ties
 * go to the smaller peak, then to the earlier candidate. */
static zs_status pick_variable(cstate *c, const zs_factor_plan *cur, size_t *out) {
    const zs_factor_model *m = c->m;
    size_t nbig = 0;
    zs_factor_plan_info ci;
    zs_status st = elim_make_skip(m, c->ev, c->skip, c->val);
    if (st == ZS_OK) st = elim_plan_simulate(m, c->skip, cur->order, cur->n, &ci, c->big, &nbig);
    if (st != ZS_OK) return st;
    if (nbig == 0) {
        /* No elimination builds a table beyond one entry: the peak is the input tables
         * themselves; every variable is a candidate. */
        for (size_t q = 0; q < cur->n; q++) c->big[q] = q;
        nbig = cur->n;
    }
    size_t best = SIZE_MAX;
    double best_score = HUGE_VAL, best_peak = HUGE_VAL;
    for (size_t i = 0; i < nbig && st == ZS_OK; i++) {
        size_t v = cur->order[c->big[i]], k = order_without(c, cur, v);
        c->skip[v] = 1;
        st = elim_plan_simulate(m, c->skip, c->ord, k, &ci, NULL, NULL);
        c->skip[v] = 0;
        double score = (double)m->dom[v] * elim_plan_cost(&ci);
        if (st == ZS_OK && (score < best_score ||
                            (score == best_score && ci.peak_bytes < best_peak))) {
            best = v;
            best_score = score;
            best_peak = ci.peak_bytes;
        }
    }
    if (st != ZS_OK) return st;
    *out = best;
    return ZS_OK;
}

/* Condition on v: re-plan under the new evidence; keep the old order minus v when that is
 * better (the greedy rules can do worse on the smaller graph). *cur is replaced. */
static zs_status condition_on(cstate *c, size_t v, zs_factor_order heuristic, double max_bytes,
                              zs_factor_plan **cur) {
    const zs_factor_model *m = c->m;
    c->cond[c->nc++] = v;
    c->assign *= (double)m->dom[v];
    c->ev[v] = 0; /* any value: a plan depends only on which variables are observed */
    size_t k = order_without(c, *cur, v);
    zs_factor_plan *a = NULL, *b = NULL;
    zs_status st = zs_factor_plan_alloc(m, c->ev, heuristic, &a);
    if (st == ZS_OK) st = zs_factor_plan_from_order(m, c->ev, c->ord, k, &b);
    if (st != ZS_OK) {
        zs_factor_plan_free(a);
        zs_factor_plan_free(b);
        return st;
    }
    b->info.chosen = (*cur)->info.chosen;
    b->info.fallback = (*cur)->info.fallback;
    zs_factor_plan_free(*cur);
    if (plan_better(&a->info, &b->info, max_bytes)) {
        zs_factor_plan_free(a);
        *cur = b;
    } else {
        zs_factor_plan_free(b);
        *cur = a;
    }
    return ZS_OK;
}

/* ETOOBIG with what was tried when cur still does not fit max_bytes, or when conditioning
 * fits it but reads more than max_work; ZS_OK otherwise. plain: the plan without
 * conditioning; hopeless: the search stopped on the work limit. */
static zs_status check_limits(const cstate *c, const zs_factor_plan_info *plain,
                              const zs_factor_plan *cur, double max_bytes, double max_work,
                              int hopeless) {
    const zs_factor_model *m = c->m;
    const size_t nc = c->nc;
    const double assign = c->assign;
    char need[32], have[32], run[32];
    if (!(cur->info.peak_bytes <= max_bytes)) {
        if (hopeless)
            return zs_fail(m->ctx, ZS_ETOOBIG,
                           "eliminate: needs %s of tables (induced width %zu, largest table "
                           "%.4g entries), more than the memory limit of %s (max_bytes); "
                           "conditioning would read at least %.4g table entries (%.4g "
                           "assignments so far), more than the work limit of %.4g (max_work)",
                           zs_format_bytes(need, plain->peak_bytes), plain->width,
                           plain->max_table_entries, zs_format_bytes(have, max_bytes),
                           assign * cur->info.work, assign, max_work);
        return zs_fail(m->ctx, ZS_ETOOBIG,
                       "eliminate: needs %s of tables (induced width %zu, largest table "
                       "%.4g entries), more than the memory limit of %s (max_bytes), "
                       "and conditioning on %zu variables still needs %s per run",
                       zs_format_bytes(need, plain->peak_bytes), plain->width,
                       plain->max_table_entries, zs_format_bytes(have, max_bytes), nc,
                       zs_format_bytes(run, cur->info.peak_bytes));
    }
    /* The work limit is for conditioning only: a plan that fits as it is runs as before. */
    if (nc && max_work > 0.0 && !(assign * cur->info.work <= max_work))
        return zs_fail(m->ctx, ZS_ETOOBIG,
                       "eliminate: needs %s of tables (induced width %zu), more than the "
                       "memory limit of %s (max_bytes); conditioning on %zu variables "
                       "fits it (%s per run) but reads %.4g assignments x %.4g = %.4g table "
                       "entries, more than the work limit of %.4g (max_work)",
                       zs_format_bytes(need, plain->peak_bytes), plain->width,
                       zs_format_bytes(have, max_bytes), nc, zs_format_bytes(run, cur->info.peak_bytes),
                       assign, cur->info.work, assign * cur->info.work, max_work);
    return ZS_OK;
}

/* Record the conditioned variables in cur; its evidence goes back to the caller's (the
 * conditioned variables' values are set run by run). */
static zs_status attach_conditioning(const cstate *c, const int32_t *evidence,
                                     zs_factor_plan *cur) {
    const size_t nc = c->nc;
    if (nc == 0) return ZS_OK;
    cur->cond = zs_malloc(nc * sizeof *cur->cond);
    if (!cur->cond) return zs_fail(c->m->ctx, ZS_ENOMEM, "condition: out of memory");
    memcpy(cur->cond, c->cond, nc * sizeof *c->cond);
    for (size_t i = 0; i < nc; i++) cur->ev[c->cond[i]] = evidence ? evidence[c->cond[i]] : -1;
    cur->info.conditioned = nc;
    cur->info.assignments = c->assign;
    cur->info.total_work = c->assign * cur->info.work;
    return ZS_OK;
}

zs_status zs_factor_plan_condition(const zs_factor_model *m, const int32_t *evidence,
                                   zs_factor_order heuristic, double max_bytes, double max_work,
                                   zs_factor_plan **out) {
    if (!m || !out) return ZS_EINVAL;
    if (!(max_bytes > 0.0))
        return zs_fail(m->ctx, ZS_EINVAL, "condition: the memory limit must be > 0");
    cstate c;
    zs_status st = cstate_init(&c, m, evidence);
    if (st != ZS_OK) return st;
    zs_factor_plan *cur = NULL;
    st = zs_factor_plan_alloc(m, c.ev, heuristic, &cur);
    zs_factor_plan_info plain = cur ? cur->info : (zs_factor_plan_info){0};
    int hopeless = 0;
    while (st == ZS_OK && !(cur->info.peak_bytes <= max_bytes)) {
        /* Conditioning on v splits the work into d_v runs that each read, at best, 1/d_v of
         * it: the total work does not fall below the current one in practice. Once that is
         * over the budget, more conditioning will not bring it back. */
        if (max_work > 0.0 && !(c.assign * cur->info.work <= max_work)) {
            hopeless = 1;
            break;
        }
        if (c.nc == ZS_FACTOR_MAX_CONDITIONED) break;
        size_t v = SIZE_MAX;
        st = pick_variable(&c, cur, &v);
        if (st != ZS_OK || v == SIZE_MAX) break;
        st = condition_on(&c, v, heuristic, max_bytes, &cur);
    }
    if (st == ZS_OK) st = check_limits(&c, &plain, cur, max_bytes, max_work, hopeless);
    if (st == ZS_OK) st = attach_conditioning(&c, evidence, cur);
    if (st == ZS_OK) {
        *out = cur;
        cur = NULL;
    }
    zs_factor_plan_free(cur);
    cstate_free(&c);
    return st;
}
