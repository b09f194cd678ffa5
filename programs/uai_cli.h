/* uai_cli.h — the parts of zsum uai beside cmd_uai.c: approximate ln Z (uai_approx.c). */
#ifndef ZSUM_PROGRAMS_UAI_CLI_H
#define ZSUM_PROGRAMS_UAI_CLI_H

#include "cli.h"

/* The options of --approx, as parsed. */
typedef struct uai_approx_args {
    const char *methods;       /* --approx: a method, a comma-separated list, or "all"; NULL: off */
    int compare;               /* --compare: the exact value too, when affordable             */
    const char *given;         /* the first approximation option seen (for "needs --approx")  */
    zs_factor_approx_opts opts;
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
int uai_approx_run(const uai_approx_args *a, zs_ctx *ctx, const zs_factor_model *m,
                   const int32_t *ev, size_t observed, const char *model_path,
                   const char *evid_path, int fmt, double max_mem, double max_work);

#endif
