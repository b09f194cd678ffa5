/* uai_cli.h — the parts of zsum uai beside cmd_uai.c: the marginals (uai_marginals.c) and
 * approximate ln Z (uai_approx.c). */
#ifndef ZSUM_PROGRAMS_UAI_CLI_H
#define ZSUM_PROGRAMS_UAI_CLI_H

#include "cli.h"
#include "result.h"

#include "zsum.h"

#include <stdio.h>

typedef struct uai_marg {
    int on;             /* --marginals, --format mar or -o given                          */
    const char *output; /* -o FILE: the MAR answer file                                   */
    double *p;          /* the marginals, zs_factor_marginals' layout                      */
} uai_marg;

/* After parsing: the combinations that have no meaning. fmt_* say which --format was asked. */
int uai_marginals_check(uai_marg *mo, int fmt_mar, int fmt_uai, int fmt_csv, int plan_only);
/* The marginals and ln Z along *plan. When the pass back needs more than max_mem (> 0), the
 * plan is replaced by one conditioned on more variables (its memory halved until the pass
 * fits); *pi is refreshed. Returns the library's status (its message in ctx). */
zs_status uai_marginals_compute(uai_marg *mo, const zs_factor_model *m, const int32_t *ev,
                                zs_factor_order order, zs_factor_plan **plan,
                                zs_factor_plan_info *pi, double max_mem, double max_work,
                                double *lnz);
/* The answer r with the marginals: JSON (the members of r, then "marginals", one array per
 * variable) or table (r, then a line per variable). */
void uai_marginals_write(FILE *f, int json, const result *r, const uai_marg *mo,
                         const zs_factor_model *m);
/* The MAR answer on f (--format mar). */
void uai_marginals_write_mar(FILE *f, const uai_marg *mo, const zs_factor_model *m);
/* -o FILE, when given: the MAR answer written by the library (atomically). */
int uai_marginals_save(const uai_marg *mo, zs_ctx *ctx, const zs_factor_model *m);
void uai_marginals_free(uai_marg *mo);

/* The options of --approx, as parsed. */
typedef struct uai_approx_args {
    const char *methods;       /* --approx: a method, a comma-separated list, or "all"; NULL: off */
    int compare;               /* --compare: the exact value too, when affordable             */
    const char *given;         /* the first approximation option seen (for "needs --approx")  */
    zs_factor_approx_opts opts;
    /* --budget: the methods are tried in turn until one gives a value, each given the time
     * left before deadline (zs_monotonic_seconds); the answer says why exact was not used. */
    int fallback;
    double deadline;
    const char *why;
    /* --budget: an answer found before the elimination was tried (uai_approx_first). */
    int have_pre;
    zs_factor_approx pre_method;
    zs_factor_approx_result pre;
} uai_approx_args;

/* The approximation options, in the order of cmd_uai.c's table (its ids are O_APPROX + these). */
enum {
    UAI_APPROX, UAI_COMPARE, UAI_DAMPING, UAI_SCHEDULE, UAI_MAX_ITER, UAI_TOL, UAI_RESTARTS,
    UAI_SEED, UAI_IBOUND, UAI_TREES, UAI_MAX_SECONDS, UAI_APPROX_OPTIONS
};

void uai_approx_init(uai_approx_args *a);
/* One approximation option (which: UAI_*, name: as the table spells it, v: its value, NULL
 * for --compare): an exit code (EXIT_USAGE after printing why). */
int uai_approx_option(int which, const char *name, const char *v, uai_approx_args *a);
/* Run the approximations on the model read by zsum uai and write the answer; fmt: 0 table,
 * 1 json, 2 csv, 3 uai. max_mem and max_work bound the exact value of --compare (work <= 0:
 * the default for --compare). Returns an exit code. */
/* --budget: the methods in turn, each stopped before deadline, until one gives a value: it
 * becomes a->pre (have_pre = 1, which uai_approx_run then writes). Returns have_pre. */
int uai_approx_first(uai_approx_args *a, const zs_factor_model *m, const int32_t *ev, double deadline);
int uai_approx_run(const uai_approx_args *a, zs_ctx *ctx, const zs_factor_model *m,
                   const int32_t *ev, size_t observed, const char *model_path,
                   const char *evid_path, int fmt, double max_mem, double max_work);

/* --budget SECONDS (uai_budget.c). */
typedef struct uai_budget {
    double seconds; /* the budget; 0: off                                   */
    double start;   /* zs_monotonic_seconds() when the command started       */
    char why[256];  /* why the exact method was not used ("" when it was)  */
    int answered;   /* the approximate answer is already in cli_out()        */
} uai_budget;

/* Writes the approximate answer (a->pre) to cli_out(): an exit code. */
typedef int (*uai_render_fn)(void *user);

/* Seconds left of the budget (negative once past it). */
double uai_budget_left(const uai_budget *b);
/* Plans (conditioned over max_mem) and, when the estimated time fits the budget's share,
 * eliminates (after finding an approximate answer with a's methods first, into a->pre, when
 * the elimination may not finish; it is rendered then, and written by a timer should the
 * elimination not return by the end of the budget; b->answered when it is the answer): *exact = 1 with *lnz, *plan and *pi; otherwise *exact = 0 with the reason in
 * b->why (the caller then runs the approximations). An exit code. */
int uai_budget_exact(uai_budget *b, uai_approx_args *a, zs_ctx *ctx, const zs_factor_model *m,
                     const int32_t *ev, zs_factor_order order, double max_mem, double max_work,
                     zs_factor_plan **plan, zs_factor_plan_info *pi, double *lnz, int *exact,
                     uai_render_fn render, void *user);

/* --method search, or auto where elimination is out of reach (uai_search.c). */
typedef struct uai_search_args {
    zs_factor_exact method; /* --method                                                    */
    double max_bytes;       /* the cache's memory (--max-memory)                           */
    double max_seconds;     /* --max-seconds: give up after this long; 0: no limit          */
    const char *why;        /* auto: why elimination was not used (NULL: search was asked)  */
    int budget;             /* --budget: the answer says it is exact                         */
    double td_weight;       /* --td-weight; < 0: the library's default                      */
} uai_search_args;
/* Count m by search and write the answer (fmt: 0 table, 1 json, 2 csv, 3 uai; verbose: say so
 * on stderr first): an exit code. */
int uai_search_run(const uai_search_args *sa, zs_ctx *ctx, const zs_factor_model *m, const int32_t *ev,
                   size_t observed, const char *model_path, const char *evid_path, int fmt, int verbose);
/* --budget, the elimination out of reach: count by search within a share of the time left
 * when m is in its class; *done = 1 when it finished and its answer (labelled exact, with the
 * elimination's reason b->why) is written; else the caller runs the approximations. */
int uai_search_budget(uai_search_args *sa, const uai_budget *b, zs_ctx *ctx, const zs_factor_model *m,
                      const int32_t *ev, size_t observed, const char *model_path, const char *evid_path,
                      int fmt, int *done);

/* The first fields of every uai answer (cmd_uai.c): model (with its kind and sizes), variables,
 * factors and evidence. */
void uai_result_model(result *r, const zs_factor_model *m, const char *model_path, const char *evid_path,
                      size_t observed);

#endif
