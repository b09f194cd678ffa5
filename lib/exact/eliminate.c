/* eliminate.c — exact ln Z of a factor model by bucket (variable) elimination in log space.
 *
 * Z = sum_x prod_f phi_f(x). Summing the variables out one at a time along an order
 * (Dechter, "Bucket elimination", Artificial Intelligence 113, 1999; Koller & Friedman 2009,
 * alg. 9.1): the factors that mention v (v's bucket) are multiplied and v is summed out,
 *     psi(x_S) = sum_{x_v} prod_{f in bucket(v)} phi_f(x_v, x_S),   S = scopes minus v,
 * and psi goes to the bucket of the first of S in the order. In logarithms,
 *     ln psi(x_S) = logsumexp_{x_v} sum_f ln phi_f(x_v, x_S),
 * with the running maximum m taken out: ln psi = m + ln sum_{x_v} exp(s_{x_v} - m), so no
 * term overflows; when every term is ln 0 = -inf the maximum is -inf and the result is -inf
 * exactly (m is replaced by 0 there, exp(-inf) = 0, ln 0 = -inf). Empty buckets contribute
 * ln d_v; tables left with no variables are constants added to ln Z.
 *
 * Evidence is applied first by slicing: each table keeps only the entries consistent with the
 * observed values. Variables with a single value are sliced the same way (they change
 * nothing but would widen tables). Each sliced table's variables are then sorted by their
 * position in the order, the earliest first (slowest), so the variable being eliminated is
 * always the slowest index of every table in its bucket: for each of its values x the table
 * is the contiguous slice t[x * size/d ...].
 *
 * Hot loop: the output table is cut into blocks of its last (fastest) dimensions, at most
 * BLOCK entries; per block each input table is one of constant (none of the block's
 * variables), contiguous (the block's variables are its own last ones, in the same order) or
 * gathered through an offset table computed once per elimination. Sums go into d rows of a
 * block buffer, then one vector exp (SLEEF) over all d rows and one log per output entry.
 * Blocks are shared among OpenMP threads; each output entry is computed by the same
 * operations whatever the thread count, so results do not depend on it. */
#include "exact/eliminate_internal.h"
#include "exact/elim_lse.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 1024            /* output entries per block: d rows of it stay in L1/L2     */
/* Below this many entry-rows (output entries x d) an elimination runs on one thread: each
 * parallel elimination ends at a barrier, and on a shared machine a descheduled thread holds
 * everyone there (Grids_15, 400 eliminations of 2^21 entry-rows: 1.9 s on one thread, 11.7 s
 * on two with two other builds running); 2^22 entry-rows are ~10 ms of work. */
#define PAR_MIN_ENTRIES 4194304.0
#define PLAN_RUNS_FILL 16      /* greedy runs (1 deterministic + randomized ties) per plan  */
#define PLAN_RUNS_DEGREE 16
#define PLAN_RUNS_MAX_VARS 5000 /* more variables: the deterministic run only              */
#define PLAN_RUNS_MAX_OPS 2.0e8 /* bitset words all the randomized runs may visit (~0.1 s) */
#define PLAN_RUNS_MIN_TABLE 65536.0 /* plans this small are cheap whatever the order     */
#define PLAN_RUNS_MAX_TABLE 35184372088832.0 /* 2^45: out of reach whatever the ties do  */

struct zs_factor_plan {
    size_t nvars;
    int32_t *ev;              /* (nvars) the evidence the plan was made for, -1 none       */
    size_t n;
    size_t *order;            /* (n) variables in elimination order                        */
    size_t *cond;             /* (info.conditioned) conditioned variables, NULL when none  */
    zs_factor_plan_info info;
};

/* ---- evidence and what gets eliminated ---------------------------------------------- */

/* skip[v] = 1 for observed or single-valued variables, val[v] their value. */
static zs_status make_skip(const zs_factor_model *m, const int32_t *evidence,
                           unsigned char *skip, uint32_t *val) {
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

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* ---- planning: the same bucket walk on scopes alone ---------------------------------- */

typedef struct sscope {
    size_t n;
    size_t *pos;    /* (n) positions in the order, ascending                           */
    size_t next;    /* next scope in the same bucket, SIZE_MAX at the end              */
} sscope;

/* Union of the bucket's scopes minus position p, ascending, into out; returns its size.
 * mark is a per-position stamp array (stamp p + 1 means taken in this step). */
/* File the scope tmp[0..k) (sorted positions) as scope number i in the bucket of its first
 * position: buckets are singly linked through next, newest first. 0 when out of memory. */
static int scope_push(sscope *sc, size_t i, size_t *head, const size_t *tmp, size_t k) {
    sc[i].n = k;
    sc[i].pos = malloc(k * sizeof *tmp);
    if (!sc[i].pos) return 0;
    memcpy(sc[i].pos, tmp, k * sizeof *tmp);
    sc[i].next = head[tmp[0]];
    head[tmp[0]] = i;
    return 1;
}

static size_t bucket_union(const sscope *sc, size_t head, size_t p, size_t *mark, size_t *out) {
    size_t k = 0;
    for (size_t s = head; s != SIZE_MAX; s = sc[s].next)
        for (size_t i = 0; i < sc[s].n; i++) {
            size_t q = sc[s].pos[i];
            if (q == p || mark[q] == p + 1) continue;
            mark[q] = p + 1;
            out[k++] = q;
        }
    qsort(out, k, sizeof *out, cmp_size);
    return k;
}

/* big (room for n, may be NULL) receives the positions of the largest table's variables,
 * the eliminated one included, and *nbig their number: the candidates for conditioning. */
static zs_status plan_simulate(const zs_factor_model *m, const unsigned char *skip,
                               const size_t *order, size_t n, zs_factor_plan_info *info,
                               size_t *big, size_t *nbig) {
    size_t *pos = malloc((m->nvars ? m->nvars : 1) * sizeof *pos);
    size_t *head = malloc((n ? n : 1) * sizeof *head);
    size_t *mark = calloc(n ? n : 1, sizeof *mark);
    size_t *mark2 = calloc(n ? n : 1, sizeof *mark2);
    size_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    double *dimp = malloc((n ? n : 1) * sizeof *dimp);
    sscope *sc = malloc((m->nf + n + 1) * sizeof *sc);
    size_t nsc = 0;
    zs_status st = ZS_OK;
    if (!pos || !head || !mark || !mark2 || !tmp || !dimp || !sc) {
        st = zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
        goto done;
    }
    for (size_t v = 0; v < m->nvars; v++) pos[v] = SIZE_MAX;
    for (size_t p = 0; p < n; p++) {
        pos[order[p]] = p;
        head[p] = SIZE_MAX;
        dimp[p] = m->dom[order[p]];
    }
    double live = 0.0, peak = 0.0, maxt = 1.0, work = 0.0;
    size_t width = 0;
    if (nbig) *nbig = 0;
    for (size_t f = 0; f < m->nf; f++) {
        const fm_factor *fa = &m->f[f];
        size_t k = 0;
        for (size_t a = 0; a < fa->arity; a++)
            if (!skip[fa->scope[a]]) tmp[k++] = pos[fa->scope[a]];
        if (k == 0) continue; /* a constant once sliced */
        qsort(tmp, k, sizeof *tmp, cmp_size);
        if (!scope_push(sc, nsc, head, tmp, k)) {
            st = zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
            goto done;
        }
        double size = 1.0;
        for (size_t i = 0; i < k; i++) size *= dimp[tmp[i]];
        live += size;
        nsc++;
    }
    peak = live;
    for (size_t p = 0; p < n; p++) {
        size_t k = bucket_union(sc, head[p], p, mark, tmp);
        double in = 0.0, nin = 0.0;
        for (size_t s = head[p]; s != SIZE_MAX; s = sc[s].next) {
            double size = 1.0;
            for (size_t i = 0; i < sc[s].n; i++) size *= dimp[sc[s].pos[i]];
            in += size;
            nin += 1.0;
        }
        if (head[p] == SIZE_MAX) continue;
        if (nin >= 3) {
            /* The real run first multiplies the bucket's tables other than the largest into
             * one when that is no larger than the largest (zs_factor_lnz): count it too. */
            size_t bigs = head[p];
            double bsize = 0.0;
            for (size_t s = head[p]; s != SIZE_MAX; s = sc[s].next) {
                double size = 1.0;
                for (size_t i = 0; i < sc[s].n; i++) size *= dimp[sc[s].pos[i]];
                if (size > bsize) {
                    bsize = size;
                    bigs = s;
                }
            }
            double usize = 1.0;
            for (size_t s = head[p]; s != SIZE_MAX; s = sc[s].next) {
                if (s == bigs) continue;
                for (size_t i = 0; i < sc[s].n; i++)
                    if (mark2[sc[s].pos[i]] != p + 1) {
                        mark2[sc[s].pos[i]] = p + 1;
                        usize *= dimp[sc[s].pos[i]];
                    }
            }
            if (usize <= bsize) {
                if (live + usize > peak) peak = live + usize;
                live += usize - (in - bsize);
                work += usize * (nin - 1.0);
                in = bsize + usize;
                nin = 2.0;
            }
        }
        double out = 1.0;
        for (size_t i = 0; i < k; i++) out *= dimp[tmp[i]];
        if (k > width) width = k;
        if (out > maxt) {
            maxt = out;
            if (big) {
                memcpy(big, tmp, k * sizeof *tmp);
                big[k] = p;
                *nbig = k + 1;
            }
        }
        work += out * dimp[p] * nin;
        if (live + out > peak) peak = live + out;
        live += out - in;
        if (k == 0) continue;
        if (!scope_push(sc, nsc, head, tmp, k)) {
            st = zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
            goto done;
        }
        nsc++;
    }
    info->eliminated = n;
    info->width = width;
    info->max_table_entries = maxt;
    /* Tables are doubles; add the per-thread block buffers and offset tables. */
    info->peak_bytes = 8.0 * peak + 64.0 * BLOCK * (double)zs_threads(m->ctx);
    info->work = work;
    info->conditioned = 0;
    info->assignments = 1.0;
    info->total_work = work;
done:
    if (sc)
        for (size_t s = 0; s < nsc; s++) free(sc[s].pos);
    free(sc);
    free(pos);
    free(head);
    free(mark);
    free(mark2);
    free(tmp);
    free(dimp);
    return st;
}

static zs_status plan_finish(const zs_factor_model *m, const int32_t *evidence,
                             const unsigned char *skip, size_t *order, size_t n,
                             zs_factor_plan **out) {
    /* Takes ownership of order, also on failure. */
    zs_factor_plan *p = calloc(1, sizeof *p);
    if (!p) {
        free(order);
        return zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    }
    p->nvars = m->nvars;
    p->n = n;
    p->order = order;
    p->ev = malloc((m->nvars ? m->nvars : 1) * sizeof *p->ev);
    if (!p->ev) {
        zs_factor_plan_free(p);
        return zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    }
    for (size_t v = 0; v < m->nvars; v++) p->ev[v] = evidence ? evidence[v] : -1;
    zs_status st = plan_simulate(m, skip, order, n, &p->info, NULL, NULL);
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
static double plan_cost(const zs_factor_plan_info *i) {
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
        size_t *ord = malloc((m->nvars ? m->nvars : 1) * sizeof *ord);
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
        if (!best || (!fb && plan_cost(&cand->info) < plan_cost(&best->info))) {
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
    size_t *ord = malloc((m->nvars ? m->nvars : 1) * sizeof *ord);
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
    unsigned char *skip = malloc(m->nvars ? m->nvars : 1);
    uint32_t *val = malloc((m->nvars ? m->nvars : 1) * sizeof *val);
    zs_status st = ZS_OK;
    if (!skip || !val) st = zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    if (st == ZS_OK) st = make_skip(m, evidence, skip, val);
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
                 plan_cost(&cand->info) < plan_cost(&best->info))) {
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
    unsigned char *skip = malloc(m->nvars ? m->nvars : 1);
    uint32_t *val = malloc((m->nvars ? m->nvars : 1) * sizeof *val);
    unsigned char *seen = calloc(m->nvars ? m->nvars : 1, 1);
    size_t *ord = malloc((m->nvars ? m->nvars : 1) * sizeof *ord);
    zs_status st = ZS_OK;
    if (!skip || !val || !seen || !ord) st = zs_fail(m->ctx, ZS_ENOMEM, "plan: out of memory");
    if (st == ZS_OK) st = make_skip(m, evidence, skip, val);
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

/* ---- tables during elimination ------------------------------------------------------ */

typedef struct etab {
    size_t n;       /* variables                                                       */
    size_t *pos;    /* (n) their positions in the order, ascending (first = slowest)   */
    size_t size;    /* entries                                                          */
    double *t;      /* (size) ln values                                                 */
    struct etab *next; /* next table in the same bucket                                 */
} etab;

static void etab_free(etab *e) {
    if (!e) return;
    free(e->pos);
    free(e->t);
    free(e);
}

/* One spare table buffer. Along a chain of eliminations each new table is about the size of
 * the one just consumed; handing that buffer over saves the kernel's page faults and zeroing
 * of fresh pages (glibc maps blocks over 32 MiB anew each time: 16% of DBN_13's run). It
 * never raises the memory in use above the plan's peak: the buffer held is one that was live
 * a moment before, and it is released before any larger allocation. */
typedef struct tpool {
    double *buf;
    size_t cap;
} tpool;

#define POOL_MIN 65536 /* entries: smaller tables are served by malloc's own free lists */

static double *pool_take(tpool *pl, size_t size) {
    if (pl->buf && pl->cap >= size && pl->cap <= 2 * size) {
        double *b = pl->buf;
        pl->buf = NULL;
        pl->cap = 0;
        return b;
    }
    if (pl->buf && size >= POOL_MIN) {
        free(pl->buf);
        pl->buf = NULL;
        pl->cap = 0;
    }
    return malloc((size ? size : 1) * sizeof(double));
}

static void pool_give(tpool *pl, etab *e) {
    if (!e) return;
    if (pl && e->size >= POOL_MIN && e->size > pl->cap) {
        free(pl->buf);
        pl->buf = e->t;
        pl->cap = e->size;
        e->t = NULL;
    }
    etab_free(e);
}

/* Slice factor f by the skipped variables' values and sort its variables by position.
 * A factor left with no variables returns NULL with *constant its single ln value. */
static zs_status slice_factor(const zs_factor_model *m, const fm_factor *fa,
                              const unsigned char *skip, const uint32_t *val, const size_t *pos,
                              etab **out, double *constant) {
    size_t k = 0, base = 0;
    size_t keyp[ZS_FACTOR_MAX_ARITY], ostr[ZS_FACTOR_MAX_ARITY], dims[ZS_FACTOR_MAX_ARITY];
    size_t stride = 1;
    for (size_t a = fa->arity; a-- > 0;) {
        size_t v = fa->scope[a];
        if (skip[v]) {
            base += val[v] * stride;
        } else {
            keyp[k] = pos[v];
            ostr[k] = stride;
            dims[k] = m->dom[v];
            k++;
        }
        stride *= m->dom[v];
    }
    *out = NULL;
    if (k == 0) {
        *constant = fa->lnt[base];
        return ZS_OK;
    }
    /* Insertion sort of the (at most 64) kept variables by position. */
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && keyp[j - 1] > keyp[j]; j--) {
            size_t t;
            t = keyp[j]; keyp[j] = keyp[j - 1]; keyp[j - 1] = t;
            t = ostr[j]; ostr[j] = ostr[j - 1]; ostr[j - 1] = t;
            t = dims[j]; dims[j] = dims[j - 1]; dims[j - 1] = t;
        }
    etab *e = calloc(1, sizeof *e);
    size_t size = 1;
    for (size_t i = 0; i < k; i++) size *= dims[i];
    if (e) {
        e->pos = malloc(k * sizeof *e->pos);
        e->t = malloc(size * sizeof *e->t);
    }
    if (!e || !e->pos || !e->t) {
        etab_free(e);
        return zs_fail(m->ctx, ZS_ENOMEM, "eliminate: out of memory");
    }
    e->n = k;
    e->size = size;
    memcpy(e->pos, keyp, k * sizeof *keyp);
    /* Walk the new table in order (last fastest) with an odometer over the old offsets. */
    size_t digit[ZS_FACTOR_MAX_ARITY] = {0};
    size_t off = base;
    for (size_t i = 0; i < size; i++) {
        e->t[i] = fa->lnt[off];
        for (size_t j = k; j-- > 0;) {
            off += ostr[j];
            if (++digit[j] < dims[j]) break;
            off -= ostr[j] * dims[j];
            digit[j] = 0;
        }
    }
    *out = e;
    return ZS_OK;
}

/* ---- the elimination kernel --------------------------------------------------------- */

enum { IN_CONST = 0, IN_CONTIG = 1, IN_GATHER = 2 };

typedef struct kin {
    const double *t;
    size_t sv;          /* stride of the eliminated variable (its slowest index)       */
    size_t *st;         /* (w) stride of each output variable in this table, 0 if absent */
    size_t *ioff;       /* (L) offsets of the block's entries in this table            */
    int cls;
} kin;

typedef struct kplan {
    size_t k;           /* input tables                                                */
    kin *in;
    size_t w;           /* output variables                                            */
    const size_t *dims; /* (w) their domain sizes                                      */
    size_t d;           /* values of the eliminated variable                           */
    size_t nout;        /* output entries                                              */
    size_t L;           /* entries per block (product of the last b dims)              */
    size_t b;           /* dims in a block                                             */
    size_t nblocks;
} kplan;

/* One block: out[0..L) for outer index o; s is d*L scratch, src and io k entries each. */
static void kernel_block(const kplan *kp, size_t o, double *s, const double **src,
                         const size_t **io, double *out) {
    const size_t L = kp->L, d = kp->d, outer = kp->w - kp->b;
    size_t digit[ZS_FACTOR_MAX_ARITY + 1];
    for (size_t j = outer; j-- > 0;) {
        digit[j] = o % kp->dims[j];
        o /= kp->dims[j];
    }
    /* Tables constant over the block fold into one number per row; up to three others are
     * read in one fused pass (one store per entry instead of one per table). */
    for (size_t x = 0; x < d; x++) {
        double *sx = s + x * L;
        double c = 0.0;
        size_t ng = 0, contig0 = 0;
        for (size_t k = 0; k < kp->k; k++) {
            const kin *in = &kp->in[k];
            size_t base = x * in->sv;
            for (size_t j = 0; j < outer; j++) base += digit[j] * in->st[j];
            if (in->cls == IN_CONST) {
                c += in->t[base];
                continue;
            }
            if (ng == 0) contig0 = in->cls == IN_CONTIG;
            src[ng] = in->t + base;
            io[ng] = in->ioff;
            ng++;
        }
        switch (ng) {
        case 0:
            for (size_t i = 0; i < L; i++) sx[i] = c;
            break;
        case 1:
            if (contig0)
                for (size_t i = 0; i < L; i++) sx[i] = c + src[0][i];
            else
                for (size_t i = 0; i < L; i++) sx[i] = c + src[0][io[0][i]];
            break;
        case 2:
            if (contig0)
                for (size_t i = 0; i < L; i++) sx[i] = c + src[0][i] + src[1][io[1][i]];
            else
                for (size_t i = 0; i < L; i++) sx[i] = c + src[0][io[0][i]] + src[1][io[1][i]];
            break;
        case 3:
            for (size_t i = 0; i < L; i++)
                sx[i] = c + src[0][io[0][i]] + src[1][io[1][i]] + src[2][io[2][i]];
            break;
        default:
            for (size_t i = 0; i < L; i++) sx[i] = c + src[0][io[0][i]];
            for (size_t g = 1; g < ng; g++)
                for (size_t i = 0; i < L; i++) sx[i] += src[g][io[g][i]];
        }
    }
    if (d == 1) {
        memcpy(out, s, L * sizeof *out);
        return;
    }
    elim_lse_rows(s, d, L, out);
}

/* Eliminate position p: the bucket's tables -> one table over the union of their variables
 * minus p (or a constant when that union is empty). */
static zs_status eliminate_one(zs_ctx *ctx, etab *bucket, size_t p, int keep,
                               const size_t *dimp, size_t *mark, size_t *stamp,
                               size_t *scratch, double par_min, tpool *pl, etab **result) {
    /* Output variables: union of the bucket's positions minus p (keep: with p, a plain
     * product of the tables), ascending. */
    size_t w = 0, k = 0;
    const size_t tag = ++*stamp;
    for (etab *e = bucket; e; e = e->next, k++)
        for (size_t i = 0; i < e->n; i++) {
            size_t q = e->pos[i];
            if ((q == p && !keep) || mark[q] == tag) continue;
            mark[q] = tag;
            scratch[w++] = q;
        }
    qsort(scratch, w, sizeof *scratch, cmp_size);
    etab *r = calloc(1, sizeof *r);
    kplan kp = {0};
    size_t *dims = malloc((w ? w : 1) * sizeof *dims);
    kp.in = calloc(k, sizeof *kp.in);
    zs_status st = ZS_OK;
    if (!r || !dims || !kp.in) {
        st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory");
        goto fail;
    }
    r->n = w;
    r->pos = malloc((w ? w : 1) * sizeof *r->pos);
    size_t size = 1;
    for (size_t j = 0; j < w; j++) {
        dims[j] = dimp[scratch[j]];
        size *= dims[j];
    }
    r->size = size;
    r->t = pool_take(pl, size);
    if (!r->pos || !r->t) {
        st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory for a table of %zu entries", size);
        goto fail;
    }
    if (w) memcpy(r->pos, scratch, w * sizeof *scratch);
    kp.k = k;
    kp.w = w;
    kp.dims = dims;
    kp.d = keep ? 1 : dimp[p];
    kp.nout = size;
    /* The block: the last b output dims, at most BLOCK entries (at least 1). */
    kp.L = 1;
    kp.b = 0;
    while (kp.b < w && kp.L * dims[w - 1 - kp.b] <= BLOCK) kp.L *= dims[w - 1 - kp.b++];
    kp.nblocks = size / kp.L;
    size_t ki = 0;
    for (etab *e = bucket; e; e = e->next, ki++) {
        kin *in = &kp.in[ki];
        in->t = e->t;
        in->st = calloc(w ? w : 1, sizeof *in->st);
        in->ioff = malloc(kp.L * sizeof *in->ioff);
        if (!in->st || !in->ioff) {
            st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory");
            goto fail;
        }
        /* Own strides (last fastest), matched to the output's variables by position. */
        size_t stride = 1, j = w;
        for (size_t i = e->n; i-- > 0;) {
            size_t q = e->pos[i];
            if (q == p && !keep) {
                in->sv = stride;
            } else {
                while (j > 0 && scratch[j - 1] != q) j--;
                in->st[j - 1] = stride;
            }
            stride *= dimp[q];
        }
        /* Offsets within a block (its b dims, last fastest) and the class. */
        int contig = 1, constant = 1;
        for (size_t i = 0; i < kp.L; i++) {
            size_t rem = i, off = 0;
            for (size_t t = 0; t < kp.b; t++) {
                size_t jj = w - 1 - t;
                off += (rem % dims[jj]) * in->st[jj];
                rem /= dims[jj];
            }
            in->ioff[i] = off;
            contig &= off == i;
            constant &= off == 0;
        }
        in->cls = constant ? IN_CONST : contig ? IN_CONTIG : IN_GATHER;
    }
    /* Put a contiguous table first (it initialises the rows by memcpy). */
    for (size_t i = 1; i < k; i++)
        if (kp.in[i].cls == IN_CONTIG && kp.in[0].cls != IN_CONTIG) {
            kin t = kp.in[0];
            kp.in[0] = kp.in[i];
            kp.in[i] = t;
            break;
        }
    int oom = 0;
    const int nt = (double)size * (double)kp.d >= par_min && kp.nblocks > 1 ? zs_threads(ctx) : 1;
#pragma omp parallel num_threads(nt)
    {
        double *s = malloc(kp.d * kp.L * sizeof *s);
        const double **src = malloc(k * sizeof *src);
        const size_t **io = malloc(k * sizeof *io);
        int ok = s && src && io;
        if (!ok) __atomic_store_n(&oom, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(dynamic, 4)
        for (size_t o = 0; o < kp.nblocks; o++)
            if (ok) kernel_block(&kp, o, s, src, io, r->t + o * kp.L);
        free(s);
        free(src);
        free(io);
    }
    if (oom) {
        st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory for block buffers");
        goto fail;
    }
    for (size_t i = 0; i < k; i++) {
        free(kp.in[i].st);
        free(kp.in[i].ioff);
    }
    free(kp.in);
    free(dims);
    *result = r;
    return ZS_OK;
fail:
    if (kp.in)
        for (size_t i = 0; i < k; i++) {
            free(kp.in[i].st);
            free(kp.in[i].ioff);
        }
    free(kp.in);
    free(dims);
    etab_free(r);
    return st;
}

static void bucket_free(etab *e, tpool *pl) {
    while (e) {
        etab *n = e->next;
        pool_give(pl, e);
        e = n;
    }
}

/* One elimination along p's order under evidence (which must leave unobserved exactly the
 * variables of the order). Progress is reported as work_base + the work done so far, out of
 * work_total, so that runs under conditioning add up to one bar. */
static zs_status lnz_run(const zs_factor_model *m, const int32_t *evidence,
                         const zs_factor_plan *p, double work_base, double work_total,
                         double *lnz) {
    zs_ctx *ctx = m->ctx;
    const size_t nv = m->nvars ? m->nvars : 1, n = p->n;
    tpool pool = {NULL, 0};
    unsigned char *skip = malloc(nv);
    uint32_t *val = malloc(nv * sizeof *val);
    size_t *pos = malloc(nv * sizeof *pos);
    size_t *dimp = malloc((n ? n : 1) * sizeof *dimp);
    size_t *mark = calloc(n ? n : 1, sizeof *mark);
    size_t *scratch = malloc((n ? n : 1) * sizeof *scratch);
    etab **bucket = calloc(n ? n : 1, sizeof *bucket);
    zs_status st = ZS_OK;
    if (!skip || !val || !pos || !dimp || !mark || !scratch || !bucket) {
        st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory");
        goto done;
    }
    st = make_skip(m, evidence, skip, val);
    if (st != ZS_OK) goto done;
    for (size_t v = 0; v < m->nvars; v++) pos[v] = SIZE_MAX;
    for (size_t q = 0; q < n; q++) {
        pos[p->order[q]] = q;
        dimp[q] = m->dom[p->order[q]];
    }
    /* Constants are added in a fixed order: factors in file order, then buckets in order. */
    double total = 0.0;
    for (size_t f = 0; f < m->nf && st == ZS_OK; f++) {
        etab *e;
        double c;
        st = slice_factor(m, &m->f[f], skip, val, pos, &e, &c);
        if (st != ZS_OK) break;
        if (!e) {
            total += c;
            continue;
        }
        e->next = bucket[e->pos[0]];
        bucket[e->pos[0]] = e;
    }
    double done_work = 0.0;
    size_t stamp = 0;
    /* ZSUM_ELIM_PAR_MIN overrides the threshold (tests use it to reach the parallel loop on
     * small models). */
    double par_min = PAR_MIN_ENTRIES;
    const char *env = getenv("ZSUM_ELIM_PAR_MIN");
    if (env && *env) {
        char *end;
        double v = strtod(env, &end);
        if (*end == '\0' && v >= 1.0) par_min = v;
    }
    for (size_t q = 0; q < n && st == ZS_OK; q++) {
        if (!bucket[q]) {
            total += log((double)dimp[q]); /* sum over a variable no table mentions */
            continue;
        }
        etab *r = NULL;
        size_t k = 0;
        double out_entries = 1.0;
        for (etab *e = bucket[q]; e; e = e->next) k++;
        if (k >= 3) {
            /* Multiply the bucket's small tables into one first when that table is no larger
             * than the largest one: the main loop then reads two tables per entry, not k. */
            etab *big = bucket[q], *rest = NULL, *e = bucket[q];
            for (; e; e = e->next)
                if (e->size > big->size) big = e;
            double usize = 1.0;
            stamp++;
            for (e = bucket[q]; e; e = e->next) {
                if (e == big) continue;
                for (size_t i = 0; i < e->n; i++)
                    if (mark[e->pos[i]] != stamp) {
                        mark[e->pos[i]] = stamp;
                        usize *= (double)dimp[e->pos[i]];
                    }
            }
            if (usize <= (double)big->size) {
                etab **link = &bucket[q];
                while (*link) {
                    e = *link;
                    if (e == big) {
                        link = &e->next;
                    } else {
                        *link = e->next;
                        e->next = rest;
                        rest = e;
                    }
                }
                etab *prod = NULL;
                st = eliminate_one(ctx, rest, q, 1, dimp, mark, &stamp, scratch, par_min, &pool, &prod);
                bucket_free(rest, &pool);
                if (st != ZS_OK) break;
                prod->next = bucket[q];
                bucket[q] = prod;
            }
        }
        st = eliminate_one(ctx, bucket[q], q, 0, dimp, mark, &stamp, scratch, par_min, &pool, &r);
        if (st != ZS_OK) break;
        bucket_free(bucket[q], &pool);
        bucket[q] = NULL;
        out_entries = (double)r->size;
        done_work += out_entries * (double)dimp[q] * (double)k;
        if (r->n == 0) {
            total += r->t[0];
            etab_free(r);
        } else {
            r->next = bucket[r->pos[0]];
            bucket[r->pos[0]] = r;
        }
        if (zs_progress(ctx, "eliminate", work_base + done_work, work_total)) {
            st = zs_fail(ctx, ZS_ECANCELLED, "eliminate: cancelled");
            break;
        }
    }
    if (st == ZS_OK) {
        if (isnan(total)) st = zs_fail(ctx, ZS_ENUMERIC, "eliminate: ln Z is NaN");
        else *lnz = total;
    }
done:
    if (bucket)
        for (size_t q = 0; q < n; q++) bucket_free(bucket[q], NULL);
    free(pool.buf);
    free(bucket);
    free(skip);
    free(val);
    free(pos);
    free(dimp);
    free(mark);
    free(scratch);
    return st;
}

zs_status zs_factor_lnz(const zs_factor_model *m, const int32_t *evidence,
                        const zs_factor_plan *p, double max_bytes, double *lnz) {
    if (!m || !p || !lnz) return ZS_EINVAL;
    zs_ctx *ctx = m->ctx;
    if (p->nvars != m->nvars) return zs_fail(ctx, ZS_EINVAL, "eliminate: the plan is for another model");
    for (size_t v = 0; v < m->nvars; v++)
        if (p->ev[v] != (evidence ? evidence[v] : -1))
            return zs_fail(ctx, ZS_EINVAL,
                           "eliminate: the plan was made for other evidence (variable %zu)", v);
    if (max_bytes > 0.0 && !(p->info.peak_bytes <= max_bytes)) {
        char need[32], have[32];
        return zs_fail(ctx, ZS_ETOOBIG,
                       "eliminate: needs %s of tables (induced width %zu, largest table %.4g "
                       "entries), more than the memory limit of %s (max_bytes)",
                       zs_format_bytes(need, p->info.peak_bytes), p->info.width,
                       p->info.max_table_entries, zs_format_bytes(have, max_bytes));
    }
    if (!(p->info.max_table_entries * 8.0 < (double)SIZE_MAX))
        return zs_fail(ctx, ZS_ETOOBIG, "eliminate: a table of %.4g entries cannot be addressed",
                       p->info.max_table_entries);
    const size_t nc = p->info.conditioned;
    if (nc == 0) return lnz_run(m, evidence, p, 0.0, p->info.work, lnz);
    /* Conditioning: Z(e) = sum_{x_C} Z(e, x_C). The assignments are visited in one fixed
     * order (mixed radix, last conditioned variable fastest) and summed in log space with a
     * running maximum mx: Z = e^mx * s, and a new term r > mx rescales s by e^(mx - r). The
     * order of the additions is the same whatever the thread count (each run is itself
     * thread-count independent), so the result is too. */
    int32_t *ev = malloc((m->nvars ? m->nvars : 1) * sizeof *ev);
    uint32_t digit[ZS_FACTOR_MAX_CONDITIONED];
    if (!ev) return zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory");
    for (size_t v = 0; v < m->nvars; v++) ev[v] = evidence ? evidence[v] : -1;
    for (size_t i = 0; i < nc; i++) digit[i] = 0;
    zs_status st = ZS_OK;
    double mx = -HUGE_VAL, s = 0.0, base = 0.0;
    for (;;) {
        for (size_t i = 0; i < nc; i++) ev[p->cond[i]] = (int32_t)digit[i];
        double r = 0.0;
        st = lnz_run(m, ev, p, base, p->info.total_work, &r);
        if (st != ZS_OK) break;
        base += p->info.work;
        if (r > mx) {
            s = s * exp(mx - r) + 1.0;
            mx = r;
        } else if (r > -HUGE_VAL) {
            s += exp(r - mx);
        }
        size_t i = nc;
        while (i > 0 && ++digit[i - 1] == m->dom[p->cond[i - 1]]) digit[--i] = 0;
        if (i == 0) break;
    }
    free(ev);
    if (st != ZS_OK) return st;
    *lnz = mx == -HUGE_VAL ? -HUGE_VAL : mx + log(s);
    return ZS_OK;
}

const size_t *zs_factor_plan_conditioned(const zs_factor_plan *p) {
    return p && p->info.conditioned ? p->cond : NULL;
}

/* Which of two plans to keep while conditioning: one that fits max_bytes over one that
 * does not; among those that fit the cheaper (plan_cost), among those that do not the
 * smaller peak. Returns 1 when b is better than a. */
static int plan_better(const zs_factor_plan_info *a, const zs_factor_plan_info *b,
                       double max_bytes) {
    int fa = a->peak_bytes <= max_bytes, fb = b->peak_bytes <= max_bytes;
    if (fa != fb) return fb;
    if (fa) return plan_cost(b) < plan_cost(a);
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
        st = make_skip(m, ev, skip, val);
        if (st == ZS_OK) st = plan_simulate(m, skip, cur->order, cur->n, &ci, big, &nbig);
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
            st = plan_simulate(m, skip, ord, k, &ci, NULL, NULL);
            skip[v] = 0;
            double score = (double)m->dom[v] * plan_cost(&ci);
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
                             "%.4g entries), more than the memory limit of %s (max_bytes); "
                             "conditioning would read at least %.4g table entries (%.4g "
                             "assignments so far), more than the work limit of %.4g (max_work)",
                             zs_format_bytes(need, plain.peak_bytes), plain.width,
                             plain.max_table_entries, zs_format_bytes(have, max_bytes),
                             assign * cur->info.work, assign, max_work);
            else
                st = zs_fail(m->ctx, ZS_ETOOBIG,
                             "eliminate: needs %s of tables (induced width %zu, largest table "
                             "%.4g entries), more than the memory limit of %s (max_bytes), "
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
                         "memory limit of %s (max_bytes); conditioning on %zu variables "
                         "fits it (%s per run) but reads %.4g assignments x %.4g = %.4g table "
                         "entries, more than the work limit of %.4g (max_work)",
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
