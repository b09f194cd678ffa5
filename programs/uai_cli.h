/* uai_cli.h — the parts of zsum uai beside cmd_uai.c: the marginals (uai_marginals.c). */
#ifndef ZSUM_PROGRAMS_UAI_CLI_H
#define ZSUM_PROGRAMS_UAI_CLI_H

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

#endif
