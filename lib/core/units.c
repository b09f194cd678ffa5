/* units.c — the one run over work units that every long computation uses, and the problem
 * hash that tells one problem's records from another's (include/zsum/units.h).
 *
 * The units are handed out one at a time to OpenMP threads (dynamic, so units of different
 * cost balance), the most costly first where the computation estimates their costs (so the
 * last to finish are short: the longest-processing-time rule, Graham 1969, whose finish is
 * within 4/3 of the best possible); each thread writes its unit's record into the unit's own
 * slot, and the caller combines the slots in unit order, so the result does not depend on
 * which thread or process ran a unit. The hook's callbacks are called inside one critical
 * section: a caller that talks to other processes from them (MPI) needs no thread safety of
 * its own. */
#include "core/internal.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

void zs_ctx_set_units(zs_ctx *ctx, const zs_units_hook *hook) {
    if (!ctx) return;
    if (hook) ctx->units = *hook;
    else memset(&ctx->units, 0, sizeof ctx->units);
}

/* FNV-1a, 64 bits (Fowler, Noll, Vo; the IETF draft "The FNV Non-Cryptographic Hash
 * Algorithm"): offset basis 14695981039346656037, prime 1099511628211. Not a defence against
 * a forger, only against records of another problem mixed in by mistake. */
uint64_t units_hash_bytes(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t units_hash_begin(const char *name) {
    /* "units 1": the record layout's version, so a change of layout changes every hash. */
    uint64_t h = units_hash_bytes(14695981039346656037ULL, "zsum units 1", 12);
    return units_hash_bytes(h, name, strlen(name) + 1);
}

uint64_t units_hash_u64(uint64_t h, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i)); /* little-endian always */
    return units_hash_bytes(h, b, 8);
}

uint64_t units_hash_double(uint64_t h, double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return units_hash_u64(h, u);
}

uint64_t units_hash_doubles(uint64_t h, const double *v, size_t n) {
    for (size_t i = 0; i < n; i++) h = units_hash_double(h, v[i]);
    return h;
}

/* The hand-out order: order[i] is the unit handed out i-th. NULL (and *ok 1) when the job
 * gives no cost estimate: unit order. Otherwise the units by descending estimated cost, ties
 * in unit order (a total order: the same in every process and thread). *ok 0: out of memory. */
typedef struct unit_cost {
    double c;
    uint64_t u;
} unit_cost;

static int by_cost(const void *a, const void *b) {
    const unit_cost *x = a, *y = b;
    if (x->c != y->c) return x->c > y->c ? -1 : 1;
    return x->u < y->u ? -1 : x->u > y->u;
}

static uint64_t *hand_out_order(const units_job *job, units_cost_fn cost, int *ok) {
    *ok = 1;
    if (!cost || job->units < 2) return NULL;
    const uint64_t units = job->units;
    unit_cost *uc = units <= SIZE_MAX / sizeof *uc ? zs_malloc(units * sizeof *uc) : NULL;
    uint64_t *order = uc ? zs_malloc(units * sizeof *order) : NULL;
    if (!order) {
        free(uc);
        *ok = 0;
        return NULL;
    }
    for (uint64_t u = 0; u < units; u++) {
        double c = cost(job->plan, u);
        uc[u].c = c == c ? c : 0.0; /* a NaN estimate sorts as free, never breaks the order */
        uc[u].u = u;
    }
    qsort(uc, units, sizeof *uc, by_cost);
    for (uint64_t i = 0; i < units; i++) order[i] = uc[i].u;
    free(uc);
    return order;
}

/* The default hand-out: every unit not known, in hand-out order (a shared cursor). */
static int next_unknown(const unsigned char *have, const uint64_t *order, uint64_t units,
                        uint64_t *cursor, uint64_t *unit) {
    while (*cursor < units && have[order ? order[*cursor] : *cursor]) ++*cursor;
    if (*cursor >= units) return 0;
    *unit = order ? order[*cursor] : *cursor;
    ++*cursor;
    return 1;
}

/* The next unit to run here, from the hook or the default hand-out; 0 when there is none. A
 * unit the hook names twice or out of range ends the run here (the hook's error). */
static int take_next(const zs_units_hook *hk, const unsigned char *have, const uint64_t *order,
                     uint64_t units, uint64_t *cursor, uint64_t *u) {
    if (!hk->next) return next_unknown(have, order, units, cursor, u);
    if (!hk->next(hk->user, u)) return 0;
    if (hk->positions && *u < units && order) *u = order[*u];
    return *u < units && !have[*u];
}

/* The hook's records of unit u (parts of them) checked against the job; 0 when one is of
 * another problem, unit or part. */
static int known_ok(const units_job *job, uint64_t u, uint32_t parts, const zs_unit_record *r) {
    for (uint32_t p = 0; p < parts; p++)
        if (r[p].problem != job->problem || r[p].unit != u || r[p].part != p ||
            r[p].nvalues > ZS_UNIT_MAX_VALUES)
            return 0;
    return 1;
}

/* The units the hook already knows, checked, into recs; have[u] set, *present counted. */
static zs_status take_known(const units_job *job, const zs_units_hook *hk, uint32_t parts,
                            zs_unit_record *recs, unsigned char *have, uint64_t *present) {
    if (!hk->known) return ZS_OK;
    for (uint64_t u = 0; u < job->units; u++) {
        zs_unit_record *r = &recs[u * parts];
        if (!hk->known(hk->user, u, r)) continue;
        if (!known_ok(job, u, parts, r))
            return zs_fail(job->ctx, ZS_EINVAL,
                           "%s: the record given for unit %llu belongs to another problem "
                           "(hash %016llx, this one %016llx)",
                           job->name, (unsigned long long)u, (unsigned long long)r[0].problem,
                           (unsigned long long)job->problem);
        have[u] = 1;
        ++*present;
    }
    return ZS_OK;
}

int units_left_elsewhere(const zs_ctx *ctx, zs_status st) {
    return st == ZS_ECANCELLED && ctx && ctx->units_elsewhere;
}
static zs_status exec_units(const units_job *job, uint32_t parts, units_cost_fn cost,
                            zs_unit_record *recs);

int units_poll(zs_ctx *ctx) {
    int stop = 0;
    if (!ctx || !ctx->units_task) return 0;
#pragma omp critical(zs_units)
    {
        if (!ctx->units_stop && zs_progress(ctx, ctx->units_task, ctx->units_done, ctx->units_total))
            ctx->units_stop = 1;
        stop = ctx->units_stop;
    }
    return stop;
}

zs_status units_exec(const units_job *job, zs_unit_record *recs) {
    return exec_units(job, 1, NULL, recs);
}

zs_status units_exec_parts(const units_job *job, uint32_t parts, zs_unit_record *recs) {
    return exec_units(job, parts, NULL, recs);
}

zs_status units_exec_by_cost(const units_job *job, units_cost_fn cost, zs_unit_record *recs) {
    return exec_units(job, 1, cost, recs);
}

/* No more threads than units left to run here (zs_threads_for): a thread without a unit would
 * only be started, given its scratch and stopped. Which thread runs a unit does not change its
 * record. */
static int threads_for(const units_job *job, uint64_t left) {
    return job->serial ? 1 : zs_threads_for(job->ctx, left);
}

static zs_status exec_units(const units_job *job, uint32_t parts, units_cost_fn cost,
                            zs_unit_record *recs) {
    static const zs_units_hook none;
    zs_ctx *ctx = job->ctx;
    const zs_units_hook *hk = ctx ? &ctx->units : &none;
    const uint64_t units = job->units;
    if (parts == 0) parts = 1;
    if (ctx) ctx->units_elsewhere = 0;
    if (hk->begin) {
        char msg[400] = "";
        if (hk->begin(hk->user, job->problem, units, parts, job->name, msg, sizeof msg))
            return zs_fail(ctx, ZS_EINVAL, "%s", msg[0] ? msg : "work units: refused");
    }
    int order_ok;
    uint64_t *order = hand_out_order(job, cost, &order_ok);
    unsigned char *have = order_ok ? zs_calloc(units ? units : 1, 1) : NULL;
    if (!have) {
        free(order);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", job->name);
    }
    uint64_t present = 0;
    zs_status kst = take_known(job, hk, parts, recs, have, &present);
    if (kst != ZS_OK) {
        free(order);
        free(have);
        return kst;
    }
    int stop = 0, failed = 0;
    zs_status fail_st = ZS_OK;
    uint64_t cursor = 0, done = present;
    char fail_msg[512] = "";
    if (ctx) {
        ctx->units_task = job->task;
        ctx->units_done = (double)done;
        ctx->units_total = (double)units;
        ctx->units_stop = 0;
    }
#pragma omp parallel num_threads(threads_for(job, units - present)) if (!job->serial && units - present > 1)
    {
        void *scratch = job->scratch_alloc ? job->scratch_alloc(job->plan) : NULL;
        if (job->scratch_alloc && !scratch) {
#pragma omp critical(zs_units)
            if (!failed) {
                failed = 1;
                fail_st = ZS_ENOMEM;
                snprintf(fail_msg, sizeof fail_msg, "%s: out of memory", job->name);
            }
        }
        for (;;) {
            uint64_t u = 0;
            int got;
#pragma omp critical(zs_units)
            {
                got = !stop && !failed && take_next(hk, have, order, units, &cursor, &u);
            }
            if (!got) break;
            zs_unit_record *rec = &recs[u * parts];
            memset(rec, 0, parts * sizeof *rec);
            zs_status st = job->run(job->plan, u, scratch, rec);
            for (uint32_t p = 0; p < parts; p++) {
                rec[p].problem = job->problem;
                rec[p].unit = u;
                rec[p].part = p;
            }
#pragma omp critical(zs_units)
            {
                if (st == ZS_ECANCELLED && ctx && ctx->units_stop) {
                    stop = 1; /* units_poll: the hook asked to stop inside the unit */
                } else if (st != ZS_OK) {
                    if (!failed) {
                        failed = 1;
                        fail_st = st;
                        snprintf(fail_msg, sizeof fail_msg, "%s", zs_last_error(ctx));
                    }
                } else {
                    have[u] = 1;
                    done++;
                    if (ctx) ctx->units_done = (double)done;
                    if (hk->done && hk->done(hk->user, rec)) stop = 1;
                    if (job->task && zs_progress(ctx, job->task, (double)done, (double)units))
                        stop = 1;
                }
            }
        }
        if (job->scratch_free) job->scratch_free(scratch);
    }
    if (ctx) ctx->units_task = NULL;
    uint64_t missing = 0, first_missing = 0;
    for (uint64_t u = units; u-- > 0;)
        if (!have[u]) {
            missing++;
            first_missing = u;
        }
    free(have);
    free(order);
    if (failed) return zs_fail(ctx, fail_st, "%s", fail_msg);
    if (stop && missing) return zs_fail(ctx, ZS_ECANCELLED, "%s: cancelled", job->name);
    if (missing && ctx) ctx->units_elsewhere = 1;
    if (missing)
        return zs_fail(ctx, ZS_ECANCELLED,
                       "%s: %llu of %llu units are not here (unit %llu is the first); "
                       "the result needs them all",
                       job->name, (unsigned long long)missing, (unsigned long long)units,
                       (unsigned long long)first_missing);
    return ZS_OK;
}
