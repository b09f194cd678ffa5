/* elim_plan.c — planning variable elimination: which variables are eliminated (evidence
 * and single-valued variables are sliced away), in which order, and what that costs.
 *
 * A plan is the order plus the figures of one simulated run on scopes alone: the same bucket
 * walk as the elimination (elim_run.c; Dechter, "Bucket elimination", Artificial
 * Intelligence 113, 1999) without any table, giving the induced width (the largest scope
 * built minus one), the largest table, the peak of the tables held at once and the work (the
 * table entries read). The orders come from the greedy rules of elim_order.c; the plan of
 * least estimated cost among their runs is kept. */
#include "exact/elim_internal.h"

#include <stdlib.h>
#include <string.h>

#define PLAN_RUNS_FILL 16      /* greedy runs (1 deterministic + randomized ties) per plan  */
#define PLAN_RUNS_DEGREE 16
#define PLAN_RUNS_MAX_VARS 5000 /* more variables: the deterministic run only              */
#define PLAN_RUNS_MAX_OPS 2.0e8 /* elim_order_greedy's ops all the randomized runs may use */
#define PLAN_RUNS_MIN_TABLE 65536.0 /* plans this small are cheap whatever the order     */
#define PLAN_RUNS_MAX_TABLE 35184372088832.0 /* 2^45: out of reach whatever the ties do  */

/* ---- evidence and what gets eliminated ---------------------------------------------- */

zs_status elim_make_skip(const zs_factor_model *m, const int32_t *evidence, unsigned char *skip,
                         uint32_t *val) {
    for (size_t v = 0; v < m->nvars; v++) {
        int32_t e = evidence ? evidence[v] : -1;
        if (e < -1 || (e >= 0 && (uint32_t)e >= m->dom[v]))
            return zs_fail(m->ctx, ZS_EINVAL,
                           "evidence: value %d for variable %zu, which has %u values (0..%u)", e, v,
                           m->dom[v], m->dom[v] - 1);
        skip[v] = e >= 0 || m->dom[v] == 1;
        val[v] = e >= 0 ? (uint32_t)e : 0;
    }
    return ZS_OK;
}

/* ---- planning: the same bucket walk on scopes alone ---------------------------------- */

typedef struct sscope {
    size_t n;
    size_t *pos;    /* (n) positions in the order, ascending                           */
    size_t next;    /* next scope in the same bucket, SIZE_MAX at the end              */
} sscope;

/* File the scope tmp[0..k) (sorted positions) as scope number i in the bucket of its first
 * position: buckets are singly linked through next, newest first. 0 when out of memory. */
static int scope_push(sscope *sc, size_t i, size_t *head, const size_t *tmp, size_t k) {
    sc[i].n = k;
    sc[i].pos = zs_malloc(k * sizeof *tmp);
    if (!sc[i].pos) return 0;
    memcpy(sc[i].pos, tmp, k * sizeof *tmp);
    sc[i].next = head[tmp[0]];
    head[tmp[0]] = i;
    return 1;
}

/* Union of the bucket's scopes minus position p, ascending, into out; returns its size.
 * mark is a per-position stamp array (stamp p + 1 means taken in this step). */
static size_t bucket_union(const sscope *sc, size_t head, size_t p, size_t *mark, size_t *out) {
    size_t k = 0;
    for (size_t s = head; s != SIZE_MAX; s = sc[s].next)
        for (size_t i = 0; i < sc[s].n; i++) {
            size_t q = sc[s].pos[i];
            if (q == p || mark[q] == p + 1) continue;
            mark[q] = p + 1;
            out[k++] = q;
        }
    qsort(out, k, sizeof *out, elim_cmp_size);
    return k;
}

/* The simulated run's state: scopes filed in buckets by their first position, and the
 * running figures. */
typedef struct sim {
    const zs_factor_model *m;
    size_t n;
    size_t *pos;        /* (nvars) position of each variable in the order, SIZE_MAX none */
    size_t *head;       /* (n) first scope of each bucket, SIZE_MAX when empty           */
    size_t *mark, *mark2; /* (n) per-position stamps                                    */
    size_t *tmp;        /* (n) a scope being built                                       */
    double *dimp;       /* (n) domain size at each position                              */
    sscope *sc;         /* (nf + n + 1) every scope filed so far                         */
    size_t nsc;
    double live, peak, work; /* entries held now, their maximum, entries read            */
} sim;

static void sim_free(sim *s) {
    if (s->sc)
        for (size_t i = 0; i < s->nsc; i++) free(s->sc[i].pos);
    free(s->sc);
    free(s->pos);
    free(s->head);
    free(s->mark);
    free(s->mark2);
    free(s->tmp);
    free(s->dimp);
}

static zs_status sim_init(sim *s, const zs_factor_model *m, const size_t *order, size_t n) {
    memset(s, 0, sizeof *s);
    s->m = m;
    s->n = n;
    s->pos = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *s->pos);
    s->head = zs_malloc((n ? n : 1) * sizeof *s->head);
    s->mark = zs_calloc(n ? n : 1, sizeof *s->mark);
    s->mark2 = zs_calloc(n ? n : 1, sizeof *s->mark2);
    s->tmp = zs_malloc((n ? n : 1) * sizeof *s->tmp);
    s->dimp = zs_malloc((n ? n : 1) * sizeof *s->dimp);
    s->sc = zs_malloc((m->nf + n + 1) * sizeof *s->sc);
    if (!s->pos || !s->head || !s->mark || !s->mark2 || !s->tmp || !s->dimp || !s->sc)
        return zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    for (size_t v = 0; v < m->nvars; v++) s->pos[v] = SIZE_MAX;
    for (size_t p = 0; p < n; p++) {
        s->pos[order[p]] = p;
        s->head[p] = SIZE_MAX;
        s->dimp[p] = m->dom[order[p]];
    }
    return ZS_OK;
}

/* Entries of scope i. */
static double scope_entries(const sim *s, size_t i) {
    double size = 1.0;
    for (size_t j = 0; j < s->sc[i].n; j++) size *= s->dimp[s->sc[i].pos[j]];
    return size;
}

/* File s->tmp[0..k) as a new scope. */
static zs_status sim_file(sim *s, size_t k) {
    if (!scope_push(s->sc, s->nsc, s->head, s->tmp, k))
        return zs_fail(s->m->ctx, ZS_ENOMEM, "plan: out of memory");
    s->nsc++;
    return ZS_OK;
}

/* File every factor's scope once sliced; they are all live at the start. */
static zs_status sim_factors(sim *s, const unsigned char *skip) {
    for (size_t f = 0; f < s->m->nf; f++) {
        const fm_factor *fa = &s->m->f[f];
        size_t k = 0;
        for (size_t a = 0; a < fa->arity; a++)
            if (!skip[fa->scope[a]]) s->tmp[k++] = s->pos[fa->scope[a]];
        if (k == 0) continue; /* a constant once sliced */
        qsort(s->tmp, k, sizeof *s->tmp, elim_cmp_size);
        zs_status st = sim_file(s, k);
        if (st != ZS_OK) return st;
        s->live += scope_entries(s, s->nsc - 1);
    }
    s->peak = s->live;
    return ZS_OK;
}

/* A bucket of three or more tables: the real run first multiplies the tables other than
 * the largest into one when that is no larger than the largest (elim_run.c); count it too.
 * *in and *nin (entries and tables in the bucket) become those of the two that remain. */
static void sim_premultiply(sim *s, size_t p, double *in, double *nin) {
    size_t bigs = s->head[p];
    double bsize = 0.0;
    for (size_t i = s->head[p]; i != SIZE_MAX; i = s->sc[i].next) {
        double size = scope_entries(s, i);
        if (size > bsize) {
            bsize = size;
            bigs = i;
        }
    }
    double usize = 1.0;
    for (size_t i = s->head[p]; i != SIZE_MAX; i = s->sc[i].next) {
        if (i == bigs) continue;
        for (size_t j = 0; j < s->sc[i].n; j++)
            if (s->mark2[s->sc[i].pos[j]] != p + 1) {
                s->mark2[s->sc[i].pos[j]] = p + 1;
                usize *= s->dimp[s->sc[i].pos[j]];
            }
    }
    if (usize <= bsize) {
        if (s->live + usize > s->peak) s->peak = s->live + usize;
        s->live += usize - (*in - bsize);
        s->work += usize * (*nin - 1.0);
        *in = bsize + usize;
        *nin = 2.0;
    }
}

/* Eliminate position p: its bucket's scopes give one over their union minus p, filed in the
 * bucket of its first position. Width and largest table go to info; big and *nbig as for
 * elim_plan_simulate. */
static zs_status sim_eliminate(sim *s, size_t p, zs_factor_plan_info *info, size_t *big,
                               size_t *nbig) {
    size_t k = bucket_union(s->sc, s->head[p], p, s->mark, s->tmp);
    double in = 0.0, nin = 0.0;
    for (size_t i = s->head[p]; i != SIZE_MAX; i = s->sc[i].next) {
        in += scope_entries(s, i);
        nin += 1.0;
    }
    if (s->head[p] == SIZE_MAX) return ZS_OK;
    if (nin >= 3) sim_premultiply(s, p, &in, &nin);
    double out = 1.0;
    for (size_t i = 0; i < k; i++) out *= s->dimp[s->tmp[i]];
    if (k > info->width) info->width = k;
    if (out > info->max_table_entries) {
        info->max_table_entries = out;
        if (big) {
            memcpy(big, s->tmp, k * sizeof *s->tmp);
            big[k] = p;
            *nbig = k + 1;
        }
    }
    s->work += out * s->dimp[p] * nin;
    if (s->live + out > s->peak) s->peak = s->live + out;
    s->live += out - in;
    if (k == 0) return ZS_OK;
    return sim_file(s, k);
}

zs_status elim_plan_simulate(const zs_factor_model *m, const unsigned char *skip,
                             const size_t *order, size_t n, zs_factor_plan_info *info,
                             size_t *big, size_t *nbig) {
    sim s;
    zs_factor_plan_info r = {0};
    r.max_table_entries = 1.0;
    if (nbig) *nbig = 0;
    zs_status st = sim_init(&s, m, order, n);
    if (st == ZS_OK) st = sim_factors(&s, skip);
    for (size_t p = 0; p < n && st == ZS_OK; p++) st = sim_eliminate(&s, p, &r, big, nbig);
    if (st == ZS_OK) {
        info->eliminated = n;
        info->width = r.width;
        info->max_table_entries = r.max_table_entries;
        /* Tables are doubles; add the per-thread block buffers and offset tables (at most one
         * thread per processor runs: zs_threads_for). */
        info->peak_bytes = 8.0 * s.peak + 64.0 * ELIM_BLOCK * (double)zs_threads_for(m->ctx, SIZE_MAX);
        info->work = s.work;
        info->conditioned = 0;
        info->assignments = 1.0;
        info->total_work = s.work;
    }
    sim_free(&s);
    return st;
}

static zs_status plan_finish(const zs_factor_model *m, const int32_t *evidence,
                             const unsigned char *skip, size_t *order, size_t n,
                             zs_factor_plan **out) {
    /* Takes ownership of order, also on failure. */
    zs_factor_plan *p = zs_calloc(1, sizeof *p);
    if (!p) {
        free(order);
        return zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    }
    p->nvars = m->nvars;
    p->n = n;
    p->order = order;
    p->ev = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *p->ev);
    if (!p->ev) {
        zs_factor_plan_free(p);
        return zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    }
    for (size_t v = 0; v < m->nvars; v++) p->ev[v] = evidence ? evidence[v] : -1;
    zs_status st = elim_plan_simulate(m, skip, order, n, &p->info, NULL, NULL);
    if (st != ZS_OK) {
        zs_factor_plan_free(p);
        return st;
    }
    *out = p;
    return ZS_OK;
}

/* What a plan costs, to choose among orders: the entries read, weighted up when the
 * largest table is far beyond the caches (reads then stream from DRAM and fresh tables over
 * glibc's 32 MiB mmap threshold page-fault on every elimination). Measured on Grids_15:
 * min-fill's width-27 order reads no more entries than the file order's width-20 one (1 GiB
 * against 8 MiB tables) but runs twice as long. */
double elim_plan_cost(const zs_factor_plan_info *i) {
    return i->work * (1.0 + 8.0 * i->max_table_entries / 67108864.0);
}

/* The heuristic's deterministic run, then randomized tie-breaks: greedy rules are myopic and
 * their ties decide a lot (on grids, min-fill's first choices among equal corners set the
 * width), so the order of least estimated work is kept. Only where it can matter and costs
 * little. */
static zs_status plan_heuristic(const zs_factor_model *m, const int32_t *evidence,
                                const unsigned char *skip, zs_factor_order h,
                                zs_factor_plan **out) {
    zs_factor_plan *best = NULL;
    zs_status st = ZS_OK;
    int runs = h == ZS_ORDER_MINDEGREE ? PLAN_RUNS_DEGREE : PLAN_RUNS_FILL;
    for (int r = 0; r < runs; r++) {
        size_t *ord = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *ord);
        if (!ord) {
            st = zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
            break;
        }
        size_t k;
        int fb;
        zs_factor_plan *cand = NULL;
        double ops = 0.0;
        st = elim_order_greedy(m, skip, h, (uint64_t)r, ord, &k, &fb, &ops);
        /* Keep the extra runs within a fixed amount of ordering work (counted, not timed,
         * so the plan stays a pure function of the model). */
        if (r == 0 && ops > 0.0 && ops * (runs - 1) > PLAN_RUNS_MAX_OPS)
            runs = 1 + (int)(PLAN_RUNS_MAX_OPS / ops);
        if (st == ZS_OK) st = plan_finish(m, evidence, skip, ord, k, &cand);
        else free(ord);
        if (st != ZS_OK) break;
        cand->info.fallback = fb;
        cand->info.chosen = h;
        if (!best || (!fb && elim_plan_cost(&cand->info) < elim_plan_cost(&best->info))) {
            zs_factor_plan_free(best);
            best = cand;
        } else {
            zs_factor_plan_free(cand);
        }
        if (best->info.fallback || k > PLAN_RUNS_MAX_VARS ||
            best->info.max_table_entries <= PLAN_RUNS_MIN_TABLE ||
            best->info.max_table_entries > PLAN_RUNS_MAX_TABLE)
            break;
    }
    if (st != ZS_OK) {
        zs_factor_plan_free(best);
        return st;
    }
    *out = best;
    return ZS_OK;
}

static zs_status plan_file(const zs_factor_model *m, const int32_t *evidence,
                           const unsigned char *skip, zs_factor_plan **out) {
    size_t *ord = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *ord);
    if (!ord) return zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    size_t k = 0;
    for (size_t v = 0; v < m->nvars; v++)
        if (!skip[v]) ord[k++] = v;
    zs_status st = plan_finish(m, evidence, skip, ord, k, out);
    if (st == ZS_OK) (*out)->info.chosen = ZS_ORDER_FILE;
    return st;
}

zs_status zs_factor_plan_alloc(const zs_factor_model *m, const int32_t *evidence,
                               zs_factor_order heuristic, zs_factor_plan **out) {
    if (!m || !out) return ZS_EINVAL;
    if ((int)heuristic < 0 || heuristic > ZS_ORDER_AUTO)
        return zs_fail(m->ctx, ZS_EINVAL, "order: unknown heuristic %d", (int)heuristic);
    unsigned char *skip = zs_malloc(m->nvars ? m->nvars : 1);
    uint32_t *val = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *val);
    zs_status st = ZS_OK;
    if (!skip || !val) st = zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    if (st == ZS_OK) st = elim_make_skip(m, evidence, skip, val);
    zs_factor_plan *best = NULL;
    if (st == ZS_OK && heuristic == ZS_ORDER_FILE) st = plan_file(m, evidence, skip, &best);
    else if (st == ZS_OK && heuristic != ZS_ORDER_AUTO)
        st = plan_heuristic(m, evidence, skip, heuristic, &best);
    else if (st == ZS_OK) {
        static const zs_factor_order rules[] = {ZS_ORDER_FILE, ZS_ORDER_MINFILL,
                                                ZS_ORDER_WEIGHTED_MINFILL, ZS_ORDER_MINDEGREE};
        for (size_t r = 0; r < sizeof rules / sizeof rules[0] && st == ZS_OK; r++) {
            zs_factor_plan *cand = NULL;
            st = rules[r] == ZS_ORDER_FILE ? plan_file(m, evidence, skip, &cand)
                                           : plan_heuristic(m, evidence, skip, rules[r], &cand);
            if (st != ZS_OK) break;
            if (!best || (best->info.fallback && !cand->info.fallback) ||
                (cand->info.fallback == best->info.fallback &&
                 elim_plan_cost(&cand->info) < elim_plan_cost(&best->info))) {
                zs_factor_plan_free(best);
                best = cand;
            } else {
                zs_factor_plan_free(cand);
            }
        }
    }
    free(skip);
    free(val);
    if (st != ZS_OK) {
        zs_factor_plan_free(best);
        return st;
    }
    *out = best;
    return ZS_OK;
}

zs_status zs_factor_plan_from_order(const zs_factor_model *m, const int32_t *evidence,
                                    const size_t *order, size_t n, zs_factor_plan **out) {
    if (!m || !out || (n && !order)) return ZS_EINVAL;
    unsigned char *skip = zs_malloc(m->nvars ? m->nvars : 1);
    uint32_t *val = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *val);
    unsigned char *seen = zs_calloc(m->nvars ? m->nvars : 1, 1);
    size_t *ord = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *ord);
    zs_status st = ZS_OK;
    if (!skip || !val || !seen || !ord) st = zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    if (st == ZS_OK) st = elim_make_skip(m, evidence, skip, val);
    size_t k = 0;
    for (size_t i = 0; i < n && st == ZS_OK; i++) {
        if (order[i] >= m->nvars)
            st = zs_fail(m->ctx, ZS_EINVAL, "order: variable %zu does not exist (%zu variables)",
                         order[i], m->nvars);
        else if (seen[order[i]])
            st = zs_fail(m->ctx, ZS_EINVAL, "order: variable %zu is listed twice", order[i]);
        else {
            seen[order[i]] = 1;
            if (!skip[order[i]]) ord[k++] = order[i];
        }
    }
    for (size_t v = 0; v < m->nvars && st == ZS_OK; v++)
        if (!skip[v] && !seen[v])
            st = zs_fail(m->ctx, ZS_EINVAL, "order: variable %zu is missing", v);
    if (st == ZS_OK) {
        st = plan_finish(m, evidence, skip, ord, k, out);
        ord = NULL;
    }
    free(skip);
    free(val);
    free(seen);
    free(ord);
    return st;
}

void zs_factor_plan_free(zs_factor_plan *p) {
    if (!p) return;
    free(p->ev);
    free(p->order);
    free(p->cond);
    free(p);
}

void zs_factor_plan_get_info(const zs_factor_plan *p, zs_factor_plan_info *info) {
    if (p && info) *info = p->info;
}

const size_t *zs_factor_plan_order(const zs_factor_plan *p) { return p ? p->order : NULL; }

const size_t *zs_factor_plan_conditioned(const zs_factor_plan *p) {
    return p && p->info.conditioned ? p->cond : NULL;
}
