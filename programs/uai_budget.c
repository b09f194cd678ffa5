/* uai_budget.c — zsum uai --budget SECONDS: the best answer within a time budget. Exact
 * elimination (conditioned when over the memory limit) when its estimated time fits what is
 * left, cancelled through the progress hook if it overruns its share; otherwise, or then, the
 * approximations in turn (uai_approx.c) until one gives a value, labelled with what it
 * guarantees. */
#include "uai_cli.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* Seconds per table entry read, for the estimate. BENCHMARKS.md (uai) measures 1-3 ns per
 * entry with more than two values a variable (linkage_23: 1.7e11 entries in 363 s, 2.2 ns;
 * ObjectDetection_13, 16 values: 6.3e9 in 9.9 s, 1.6 ns) and 0.4-0.6 ns on binary models,
 * whose two-row log-sum-exp is inlined (Grids_15: 1.5e9 in 0.8 s CPU; DBN_16 4.3e9 in 1.8 s).
 * An elimination slower than its estimate is cancelled at its share of the budget, with an
 * answer in hand (below), so the estimate need not be on the safe side. */
#define SECONDS_PER_ENTRY 2e-9
#define SECONDS_PER_ENTRY_BINARY 0.6e-9

static double seconds_per_entry(const zs_factor_model *m) {
    for (size_t i = 0, n = zs_factor_model_nvars(m); i < n; i++)
        if (zs_factor_model_domain(m, i) > 2) return SECONDS_PER_ENTRY;
    return SECONDS_PER_ENTRY_BINARY;
}
/* The share of the budget kept for the approximations when the exact method is tried: enough
 * for loopy BP to converge on the UAI 2014 instances out of elimination's reach (0.1-5 s). */
#define APPROX_SHARE 0.2
/* An elimination estimated at more than SURE_SHARE of the budget may not finish (the rate
 * varies 2x between instances, and on a busy machine a 2.6 s estimate took over 16 s of wall
 * time: DBN_16 at load 24): an approximate answer is found first, in PRE_SHARE of the budget,
 * and the elimination may then run until END_SHARE. */
#define SURE_SHARE 0.02
#define PRE_SHARE 0.15
#define END_SHARE 0.88
/* The elimination checks for cancellation between buckets only, and one bucket may take
 * seconds: at WATCH_SHARE of the budget a timer writes the answer in hand and ends the
 * process, so an answer comes within the budget whatever the elimination does. */
#define WATCH_SHARE 0.93
/* `auto` tries every rule 16 times, which takes seconds on the large SAT-derived instances
 * (rc.cnf: 9 s of CPU, where min-degree alone takes 0.1 s): a min-degree plan over SCREEN
 * times the budget is taken as out of reach without the others. */
#define SCREEN 100.0

/* The rendered answer the timer writes (async-signal-safe: write and _exit only). */
static char *watch_buf;
static size_t watch_len;

static void on_deadline(int sig) {
    (void)sig;
    for (size_t done = 0; done < watch_len;) {
        ssize_t k = write(STDOUT_FILENO, watch_buf + done, watch_len - done);
        if (k <= 0) _exit(EXIT_RUNTIME);
        done += (size_t)k;
    }
    _exit(EXIT_OK);
}

/* Arms (seconds > 0) or disarms (0) the timer. */
static void watch(double seconds) {
    struct itimerval t;
    memset(&t, 0, sizeof t);
    if (seconds > 0.0) {
        t.it_value.tv_sec = (time_t)seconds;
        t.it_value.tv_usec = (suseconds_t)((seconds - floor(seconds)) * 1e6) + 1;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_deadline;
        sigaction(SIGALRM, &sa, NULL);
    }
    setitimer(ITIMER_REAL, &t, NULL);
}

double uai_budget_left(const uai_budget *b) {
    return b->start + b->seconds - zs_monotonic_seconds();
}

static int past_deadline(void *user, const char *task, double done, double total) {
    (void)task, (void)done, (void)total;
    return zs_monotonic_seconds() > *(const double *)user;
}

/* Why the exact method was not used, for the answer. Returns 0 (fall back). */
__attribute__((format(printf, 2, 3))) static int fall_back(uai_budget *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->why, sizeof b->why, fmt, ap);
    va_end(ap);
    return 0;
}

/* The plan, conditioned when over max_mem; 1 when its estimated time fits exact_left, 0 (with
 * b->why) when not, or a negative exit code. */
static int affordable_plan(uai_budget *b, zs_ctx *ctx, const zs_factor_model *m, const int32_t *ev,
                           zs_factor_order order, double max_mem, double max_work,
                           zs_factor_plan **plan, zs_factor_plan_info *pi) {
    double spe = seconds_per_entry(m);
    zs_status st = ZS_OK;
    if (order == ZS_ORDER_AUTO) {
        st = zs_factor_plan_alloc(m, ev, ZS_ORDER_MINDEGREE, plan);
        if (st != ZS_OK) return -cli_status(ctx, st);
        zs_factor_plan_get_info(*plan, pi);
        if (pi->work * spe > SCREEN * b->seconds)
            return fall_back(b, "elimination needs %.3g table entries (about %.3g s) in the min-degree order, "
                                "beyond the budget", pi->work, pi->work * spe);
        zs_factor_plan_free(*plan);
        *plan = NULL;
    }
    st = zs_factor_plan_alloc(m, ev, order, plan);
    if (st != ZS_OK) return -cli_status(ctx, st);
    zs_factor_plan_get_info(*plan, pi);
    double left = uai_budget_left(b) - APPROX_SHARE * b->seconds;
    double cap = fmin(max_work, fmax(left, 0.0) / spe);
    if (max_mem > 0.0 && pi->peak_bytes > max_mem) {
        /* Conditioning reads at least the plain plan's entries in all (docs/uai.md): when
         * those are far beyond the budget, searching for the variables is time lost. */
        if (pi->work > 4.0 * cap)
            return fall_back(b, "elimination needs %.3g table entries (about %.3g s), beyond the budget",
                             pi->work, pi->work * spe);
        zs_factor_plan *cp = NULL;
        st = zs_factor_plan_condition(m, ev, order, max_mem, cap, &cp);
        if (st == ZS_ETOOBIG)
            return fall_back(b, "conditioning needs more than %.3g table entries (%.3g s), beyond the budget",
                             cap, cap * spe);
        if (st != ZS_OK) return -cli_status(ctx, st);
        zs_factor_plan_free(*plan);
        *plan = cp;
        zs_factor_plan_get_info(*plan, pi);
    }
    left = uai_budget_left(b) - APPROX_SHARE * b->seconds;
    if (pi->total_work * spe > left)
        return fall_back(b, "elimination needs %.3g table entries (about %.3g s), beyond the budget",
                         pi->total_work, pi->total_work * spe);
    return 1;
}

int uai_budget_exact(uai_budget *b, uai_approx_args *a, zs_ctx *ctx, const zs_factor_model *m,
                     const int32_t *ev, zs_factor_order order, double max_mem, double max_work,
                     zs_factor_plan **plan, zs_factor_plan_info *pi, double *lnz, int *exact,
                     uai_render_fn render, void *user) {
    *exact = 0;
    b->why[0] = '\0';
    int fits = affordable_plan(b, ctx, m, ev, order, max_mem, max_work, plan, pi);
    if (fits < 0) return -fits;
    if (!fits) return EXIT_OK;
    /* Cancelled at the deadline of its share; the rest of the budget is the approximations',
     * or, with an answer in hand, almost all of it is the elimination's. */
    double share = 1.0 - APPROX_SHARE;
    if (pi->total_work * seconds_per_entry(m) > SURE_SHARE * uai_budget_left(b) &&
        uai_approx_first(a, m, ev, zs_monotonic_seconds() + PRE_SHARE * b->seconds))
        share = END_SHARE;
    double deadline = b->start + share * b->seconds;
    if (a->have_pre) {
        /* The answer should the elimination not finish, rendered now for the timer. */
        fall_back(b, "elimination (%.3g table entries) passed %.3g s", pi->total_work, share * b->seconds);
        int rc = render(user);
        if (rc != EXIT_OK) return rc;
        watch_buf = cli_take(&watch_len);
        b->answered = 1;
        watch(b->start + WATCH_SHARE * b->seconds - zs_monotonic_seconds());
    }
    zs_ctx_set_progress(ctx, past_deadline, &deadline);
    zs_status st = zs_factor_lnz(m, ev, *plan, max_mem, lnz);
    zs_ctx_set_progress(ctx, NULL, NULL);
    if (a->have_pre) {
        watch(0.0);
        if (st != ZS_OK && watch_len) fwrite(watch_buf, 1, watch_len, cli_out());
        free(watch_buf);
        watch_buf = NULL;
        if (st != ZS_OK) return EXIT_OK; /* the answer in hand, whatever stopped the elimination */
        b->answered = 0;
    }
    if (st == ZS_ECANCELLED) {
        fall_back(b, "elimination (%.3g table entries) passed %.3g s", pi->total_work, share * b->seconds);
        return EXIT_OK;
    }
    if (st == ZS_ENOMEM) {
        fall_back(b, "elimination ran out of memory (%.3g bytes of tables planned)", pi->peak_bytes);
        return EXIT_OK;
    }
    if (st != ZS_OK) return cli_status(ctx, st);
    *exact = 1;
    return EXIT_OK;
}
