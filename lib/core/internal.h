/* internal.h — helpers shared inside libzsum; not part of the public contract. */
#ifndef ZSUM_CORE_INTERNAL_H
#define ZSUM_CORE_INTERNAL_H

#include "core/alloc.h"
#include "zsum.h"

#include <gmp.h>
#include <math.h>
#include <stdlib.h>

struct zs_ctx {
    char message[512];      /* last error, "" when none */
    zs_progress_fn progress;
    void *progress_user;
    int threads;            /* 0: OpenMP's choice */
    uint64_t input_limit;   /* 0: ZSUM_INPUT_LIMIT, else ZS_INPUT_LIMIT_DEFAULT */
    zs_units_hook units;    /* work-unit callbacks (lib/core/units.c); all NULL: none */
    int units_elsewhere;    /* the last units_exec ended with units left to other processes */
    /* the running units_exec, for units_poll: its task, units done of total, a stop asked */
    const char *units_task;
    double units_done, units_total;
    int units_stop;
};

/* Record a formatted message for ctx (if any) and return status: `return zs_fail(ctx, ZS_EINVAL,
 * "energies: item %zu is not finite", i);`. */
zs_status zs_fail(zs_ctx *ctx, zs_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An estimated duration and the resources it assumes, in words for a refusal:
 * "about 3.3 days on 1 thread", "about 7.5 hours on 2 threads x 4 processes". */
void zs_time_words(char *buf, size_t cap, double secs, int threads, double processes);

/* Report progress through the hook; nonzero when the caller should stop. Call from one
 * thread only. */
int zs_progress(zs_ctx *ctx, const char *task, double done, double total);

/* Work units (lib/core/units.c, include/zsum/units.h). A problem's hash is FNV-1a over its
 * bytes: start with units_hash_begin(name), feed every parameter and option that changes a
 * bit of the result. */
uint64_t units_hash_begin(const char *name);
uint64_t units_hash_bytes(uint64_t h, const void *p, size_t n);
uint64_t units_hash_u64(uint64_t h, uint64_t v);
uint64_t units_hash_double(uint64_t h, double v);
uint64_t units_hash_doubles(uint64_t h, const double *v, size_t n);

/* One unit's work: fill rec->values and rec->nvalues, of rec[0..parts-1] when the job has
 * several records per unit (units_exec_parts; the caller sets problem, unit and part).
 * scratch: the thread's buffer from the job's scratch_alloc (NULL when it has none). */
typedef zs_status (*units_run_fn)(const void *plan, uint64_t unit, void *scratch,
                                  zs_unit_record *rec);
typedef struct units_job {
    zs_ctx *ctx;
    const char *name;  /* the computation, in messages and begin ("levels enumerate")      */
    const char *task;  /* the progress hook's task                                         */
    uint64_t problem;  /* hash                                                             */
    uint64_t units;
    units_run_fn run;
    const void *plan;
    void *(*scratch_alloc)(const void *plan); /* per thread; NULL means out of memory      */
    void (*scratch_free)(void *scratch);
    int serial;        /* one unit at a time, the unit using the threads itself            */
} units_job;

/* Every unit's record into recs[0..units-1] (recs[u].unit == u; with parts P > 1, unit u's
 * parts are recs[u P .. u P + P - 1]): from the context's hook
 * where it knows them, run here (OpenMP threads, units handed out one at a time) where it
 * asks for them (serial: one at a time on the calling thread, the unit parallel inside; a
 * NULL task: the unit reports progress itself). ZS_OK only when all are present; ZS_ECANCELLED when the progress hook or
 * the hook's done asked to stop, or when units are left to other processes (the message
 * counts them); ZS_EINVAL when the hook refused the problem; a unit's own failure as it
 * returned it. */
zs_status units_exec(const units_job *job, zs_unit_record *recs);
/* From inside a running unit, on any thread: nonzero when the run is to stop. It calls the
 * progress hook (in the units' critical section, with the units done so far), so that a
 * deadline set through the hook stops units of seconds each; a unit then returns
 * ZS_ECANCELLED and units_exec reports the stop. Costs a lock and the hook's clock read:
 * call it every millisecond or so of work. */
int units_poll(zs_ctx *ctx);
/* The same with parts records per unit (a unit's result over ZS_UNIT_MAX_VALUES doubles). */
zs_status units_exec_parts(const units_job *job, uint32_t parts, zs_unit_record *recs);
/* st is the ZS_ECANCELLED of a units_exec that left units to other processes (not a stop):
 * a function running several computations goes on to the next (include/zsum/units.h). */
int units_left_elsewhere(const zs_ctx *ctx, zs_status st);
/* units_exec for units of uneven cost: cost(plan, u) estimates unit u's (any positive scale)
 * and the units are handed out most costly first (ties in unit order), so the last units to
 * finish are cheap ones and no worker idles through a long one at the end. The result does
 * not depend on the estimate: records are combined in unit order. */
typedef double (*units_cost_fn)(const void *plan, uint64_t unit);
zs_status units_exec_by_cost(const units_job *job, units_cost_fn cost, zs_unit_record *recs);

/* Threads to use for a parallel region (>= 1). */
int zs_threads(const zs_ctx *ctx);
/* ... for a region of `items` independent iterations: min(zs_threads, processors, items).
 * No more threads than items (each one started costs its creation whether or not it gets
 * work: hundreds of --threads for a ladder of ten took seconds in a sanitized build), nor than
 * processors (threads beyond them only share them, each running its share up to its next look
 * at the deadline). Estimates of time divide by this count and name it. The results never
 * depend on the count. */
int zs_threads_for(const zs_ctx *ctx, size_t items);
/* zs_rng_normal from the two words it draws (a first): the same bits, so that the draws of a
 * long run can be taken in order (zs_rng_fill) and transformed in parallel. */
double rng_normal_from(uint64_t a, uint64_t b);

/* Exact counts (lib/core/count.c). */
/* Fill out from an mpz: decimal when it has at most max_digits digits, and log10. */
zs_status zs_count_from_mpz(const mpz_t value, size_t max_digits, zs_count *out);
/* log10 of a non-negative mpz without overflow (mpz_get_d_2exp). */
double zs_mpz_log10(const mpz_t value);
/* ln of a non-negative mpz without overflow. */
double zs_mpz_log(const mpz_t value);
/* value = n! / prod_k occ_k! * prod_k g_k^occ_k (multinomial times degeneracy powers). */
void zs_mpz_multiplicity(mpz_t value, size_t k, const uint64_t *occ, const uint64_t *g);

/* ln of the multinomial n! / prod occ_k! by log-gamma (for sums where exactness is not
 * needed but overflow must be avoided). */
double zs_log_multinomial(size_t k, const uint64_t *occ);

/* Kernel level for this CPU (lib/core/cpu.c): 2 = AVX-512 (F, DQ, VL, BW), 1 = AVX2 + FMA,
 * 0 = portable C. ZSUM_NO_SIMD=1 in the environment forces 0; ZSUM_SIMD=avx2 caps it at 1. */
int zs_simd_level(void);

/* Vectorized exponentials (lib/core/vexp.c): SLEEF's AVX-512 or AVX2 exp when the CPU has
 * them, libm otherwise; ZSUM_NO_SIMD=1 in the environment forces libm.
 * zs_sum_exp_shift returns sum_i exp(x[i] + shift) (callers shift by a maximum so no term
 * overflows); zs_vexp_shift sets y[i] = exp(x[i] + shift). */
double zs_sum_exp_shift(const double *x, size_t n, double shift);
void zs_vexp_shift(double *y, const double *x, size_t n, double shift);
void zs_vexp(double *y, const double *x, size_t n);

/* The heat capacity C = beta^2 Var(E) (lib/core/logmath.c), finite for every finite beta:
 * where beta^2 overflows (|beta| >= 1.3e154) it is beta (beta Var), and 0 when Var(E) = 0,
 * so a vanishing variance never gives inf * 0 = NaN. A negative Var (rounding in a caller's
 * difference of moments; the true variance is >= 0) counts as 0. */
double zs_heat_capacity(double beta, double var);

#endif
