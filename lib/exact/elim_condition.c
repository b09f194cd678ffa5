/* elim_condition.c — a plan that fits a memory limit by conditioning (cutset conditioning,
 * Pearl 1986; Dechter 1999, sec. 6): Z(e) = sum_{x_C} Z(e, x_C), each term an elimination
 * with the variables C observed, so that each run's tables fit. C is chosen greedily among
 * the variables of the largest table, one at a time, until the plan fits. */
#include "exact/elim_internal.h"

#include <stdlib.h>
#include <string.h>

/* Which of two plans to keep while conditioning: one that fits max_bytes over one that
 * does not; among those that fit the cheaper (plan_cost), among those that do not the
 * smaller peak. Returns 1 when b is better than a. */
static int plan_better(const zs_factor_plan_info *a, const zs_factor_plan_info *b,
                       double max_bytes) {
    int fa = a->peak_bytes <= max_bytes, fb = b->peak_bytes <= max_bytes;
    if (fa != fb) return fb;
    if (fa) return elim_plan_cost(b) < elim_plan_cost(a);
    return b->peak_bytes < a->peak_bytes;
}

zs_status zs_factor_plan_condition(const zs_factor_model *m, const int32_t *evidence,
                                   zs_factor_order heuristic, double max_bytes, double max_work,
                                   zs_factor_plan **out) {
    if (!m || !out) return ZS_EINVAL;
    if (!(max_bytes > 0.0))
        return zs_fail(m->ctx, ZS_EINVAL, "condition: the memory limit must be > 0");
    const size_t nv = m->nvars ? m->nvars : 1;
    int32_t *ev = malloc(nv * sizeof *ev);
    unsigned char *skip = malloc(nv);
    uint32_t *val = malloc(nv * sizeof *val);
    size_t *big = malloc((nv + 1) * sizeof *big);
    size_t *ord = malloc(nv * sizeof *ord);
    size_t cond[ZS_FACTOR_MAX_CONDITIONED];
    size_t nc = 0;
    double assign = 1.0;
    zs_factor_plan *cur = NULL;
    zs_factor_plan_info plain = {0};
    zs_status st = ZS_OK;
    if (!ev || !skip || !val || !big || !ord) {
        st = zs_fail(m->ctx, ZS_ENOMEM, "condition: out of memory");
        goto done;
    }
    for (size_t v = 0; v < m->nvars; v++) ev[v] = evidence ? evidence[v] : -1;
    st = zs_factor_plan_alloc(m, ev, heuristic, &cur);
    if (st != ZS_OK) goto done;
    plain = cur->info;
    int hopeless = 0;
    while (!(cur->info.peak_bytes <= max_bytes)) {
        /* Conditioning on v splits the work into d_v runs that each read, at best, 1/d_v of
         * it: the total work does not fall below the current one in practice. Once that is
         * over the budget, more conditioning will not bring it back. */
        if (max_work > 0.0 && !(assign * cur->info.work <= max_work)) {
            hopeless = 1;
            break;
        }
        if (nc == ZS_FACTOR_MAX_CONDITIONED) break;
        /* Candidates: the variables of the largest table (conditioning on one of them cuts
         * that table by its d_v). Each is scored by the estimated total cost of the current
         * order without it, d_v x plan_cost; ties go to the smaller peak, then to the
         * earlier candidate. */
        size_t nbig = 0;
        zs_factor_plan_info ci;
        st = elim_make_skip(m, ev, skip, val);
        if (st == ZS_OK) st = elim_plan_simulate(m, skip, cur->order, cur->n, &ci, big, &nbig);
        if (st != ZS_OK) goto done;
        if (nbig == 0) {
            /* No elimination builds a table beyond one entry: the peak is the input tables
             * themselves; every variable is a candidate. */
            for (size_t q = 0; q < cur->n; q++) big[q] = q;
            nbig = cur->n;
        }
        size_t best = SIZE_MAX;
        double best_score = HUGE_VAL, best_peak = HUGE_VAL;
        for (size_t i = 0; i < nbig && st == ZS_OK; i++) {
            size_t v = cur->order[big[i]], k = 0;
            for (size_t q = 0; q < cur->n; q++)
                if (cur->order[q] != v) ord[k++] = cur->order[q];
            skip[v] = 1;
            st = elim_plan_simulate(m, skip, ord, k, &ci, NULL, NULL);
            skip[v] = 0;
            double score = (double)m->dom[v] * elim_plan_cost(&ci);
            if (st == ZS_OK && (score < best_score ||
                                (score == best_score && ci.peak_bytes < best_peak))) {
                best = v;
                best_score = score;
                best_peak = ci.peak_bytes;
            }
        }
        if (st != ZS_OK) goto done;
        if (best == SIZE_MAX) break;
        cond[nc++] = best;
        assign *= (double)m->dom[best];
        ev[best] = 0; /* any value: a plan depends only on which variables are observed */
        /* Re-plan under the new evidence; keep the old order minus v when that is better
         * (the greedy rules can do worse on the smaller graph). */
        size_t k = 0;
        for (size_t q = 0; q < cur->n; q++)
            if (cur->order[q] != best) ord[k++] = cur->order[q];
        zs_factor_plan *a = NULL, *b = NULL;
        st = zs_factor_plan_alloc(m, ev, heuristic, &a);
        if (st == ZS_OK) st = zs_factor_plan_from_order(m, ev, ord, k, &b);
        if (st != ZS_OK) {
            zs_factor_plan_free(a);
            zs_factor_plan_free(b);
            goto done;
        }
        b->info.chosen = cur->info.chosen;
        b->info.fallback = cur->info.fallback;
        zs_factor_plan_free(cur);
        if (plan_better(&a->info, &b->info, max_bytes)) {
            zs_factor_plan_free(a);
            cur = b;
        } else {
            zs_factor_plan_free(b);
            cur = a;
        }
    }
    {
        char need[32], have[32], run[32];
        if (!(cur->info.peak_bytes <= max_bytes)) {
            if (hopeless)
                st = zs_fail(m->ctx, ZS_ETOOBIG,
                             "eliminate: needs %s of tables (induced width %zu, largest table "
                             "%.4g entries), more than the memory limit of %s (--max-memory); "
                             "conditioning would read at least %.4g table entries (%.4g "
                             "assignments so far), more than the work limit of %.4g (--max-work)",
                             zs_format_bytes(need, plain.peak_bytes), plain.width,
                             plain.max_table_entries, zs_format_bytes(have, max_bytes),
                             assign * cur->info.work, assign, max_work);
            else
                st = zs_fail(m->ctx, ZS_ETOOBIG,
                             "eliminate: needs %s of tables (induced width %zu, largest table "
                             "%.4g entries), more than the memory limit of %s (--max-memory), "
                             "and conditioning on %zu variables still needs %s per run",
                             zs_format_bytes(need, plain.peak_bytes), plain.width,
                             plain.max_table_entries, zs_format_bytes(have, max_bytes), nc,
                             zs_format_bytes(run, cur->info.peak_bytes));
            goto done;
        }
        /* The work limit is for conditioning only: a plan that fits as it is runs as before. */
        if (nc && max_work > 0.0 && !(assign * cur->info.work <= max_work)) {
            st = zs_fail(m->ctx, ZS_ETOOBIG,
                         "eliminate: needs %s of tables (induced width %zu), more than the "
                         "memory limit of %s (--max-memory); conditioning on %zu variables "
                         "fits it (%s per run) but reads %.4g assignments x %.4g = %.4g table "
                         "entries, more than the work limit of %.4g (--max-work)",
                         zs_format_bytes(need, plain.peak_bytes), plain.width,
                         zs_format_bytes(have, max_bytes), nc, zs_format_bytes(run, cur->info.peak_bytes),
                         assign, cur->info.work, assign * cur->info.work, max_work);
            goto done;
        }
    }
    if (nc) {
        cur->cond = malloc(nc * sizeof *cur->cond);
        if (!cur->cond) {
            st = zs_fail(m->ctx, ZS_ENOMEM, "condition: out of memory");
            goto done;
        }
        memcpy(cur->cond, cond, nc * sizeof *cond);
        for (size_t i = 0; i < nc; i++) cur->ev[cond[i]] = evidence ? evidence[cond[i]] : -1;
        cur->info.conditioned = nc;
        cur->info.assignments = assign;
        cur->info.total_work = assign * cur->info.work;
    }
    *out = cur;
    cur = NULL;
done:
    zs_factor_plan_free(cur);
    free(ev);
    free(skip);
    free(val);
    free(big);
    free(ord);
    return st;
}
