/* levels_cli.h — zsum levels: the parsed options and the collected results, shared by the
 * command (cmd_levels.c: parse, compute, plot) and its writer (levels_print.c). */
#ifndef ZSUM_PROGRAMS_LEVELS_CLI_H
#define ZSUM_PROGRAMS_LEVELS_CLI_H

#include "cli.h"

#include <stddef.h>
#include <stdint.h>

typedef struct levels_opts {
    uint64_t units;
    double *energies, *degeneracies;
    size_t k, kg;
    double beta;
    int beta_set, temp_set;
    cli_format format;
    zs_levels_thermo_opts thermo;  /* --method (closed unless given)                               */
    const char *state_text;
    int microstates, macrostates, dos, landscape, quiet;
    int help;                  /* the help was printed: nothing to run                         */
    double limit;
    double max_seconds;        /* --max-seconds: the listings' estimated time allowed          */
    long points;               /* landscape grid                                               */
    int threads;
    cli_sweep sweep;
    const char *plot;
} levels_opts;

typedef struct levels_result {
    zs_levels_thermo th;
    double occupation[ZS_LEVELS_MAX_K];
    zs_count count;
    /* --state */
    uint32_t *state;
    zs_levels_state_info info;
    uint64_t state_occ[ZS_LEVELS_MAX_K];
    zs_count mult;
    /* --sweep */
    double *sweep;             /* (points, 7): T, beta, lnZ, U, F, S, C                       */
    /* --landscape */
    double *land;              /* (points, 3): x, F, S                                         */
    double land_xmin, land_fmin, land_x_exact, land_f_exact;
} levels_result;

/* Refuse (exit 2, naming the estimate) listings estimated beyond o->max_seconds, and those
 * past --limit (the library's message); EXIT_OK otherwise. */
int levels_check_listing_time(zs_ctx *ctx, const zs_levels *lv, const levels_opts *o);

/* Write the results in o->format: the summary, the state, the listings (streamed from the
 * library), the sweep and the landscape. */
zs_status levels_write_results(const zs_levels *lv, const levels_opts *o, const levels_result *r);

#endif
