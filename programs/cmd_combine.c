/* cmd_combine.c — zsum combine FILE...: the result of a computation whose units ran in
 * slices (--units I:J --partial FILE), from the slices' record files.
 *
 * Every file must hold records of the same problem (the hash in its header and in each of
 * its records; of every computation, for a command that runs several: file format 3); every
 * unit of every computation must be present exactly once. The command line kept in the first
 * file's header (slices may differ in options that change no bit, such as --threads) is
 * then run again with every unit's record supplied,
 * so nothing is computed again and the output is the one the whole run prints: the records
 * are combined in unit order, as the whole run combines them. */
#include "cli.h"
#include "units_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: zsum combine FILE...\n"
    "Print the result of a computation run in slices: each FILE was written by the same\n"
    "command with --units I:J --partial FILE. Every unit must be in exactly one file, and\n"
    "every file must belong to the same problem (model and options); the command line kept\n"
    "in the first file runs again with the records, so its model file must be where it was\n"
    "(paths are read from the folder combine runs in). The output is the whole run's.\n";

/* The files read so far: the first one's computations, and each record slot's file. */
typedef struct gathered {
    zs_units_header first;
    uint64_t *start;       /* computation k's slots from start[k]                           */
    zs_unit_record *all;
    int *from;             /* the file (argv index) of each slot's record, 0 when none yet   */
} gathered;

/* " of computation K" when the files hold several. */
static const char *of_comp(char buf[48], const gathered *g, uint32_t k) {
    if (g->first.ncomps > 1) snprintf(buf, 48, " of computation %u", (unsigned)k + 1);
    else buf[0] = '\0';
    return buf;
}

/* The first file's computations: room for every record. */
static int first_file(gathered *g, zs_units_header *h, const char *path) {
    g->first = *h;
    if (!h->ncomps) return cli_usage("combine: %s holds no computation", path);
    g->start = calloc(h->ncomps, sizeof *g->start);
    uint64_t slots = g->start ? units_cli_slots(h->comps, h->ncomps, g->start) : 0;
    if (g->start && slots != UINT64_MAX) {
        g->all = calloc(slots ? slots : 1, sizeof *g->all);
        g->from = calloc(slots ? slots : 1, sizeof *g->from);
    }
    if (!g->all || !g->from) return cli_fail(EXIT_NOMEM, "combine: out of memory for %" PRIu64 " units", h->units);
    return EXIT_OK;
}

/* A later file: of the same computations as the first. */
static int same_problem(const gathered *g, const zs_units_header *h, const char *path, const char *first) {
    int same = h->ncomps == g->first.ncomps;
    for (size_t k = 0; same && k < h->ncomps; k++)
        same = h->comps[k].problem == g->first.comps[k].problem && h->comps[k].units == g->first.comps[k].units &&
               h->comps[k].parts == g->first.comps[k].parts;
    if (same) return EXIT_OK;
    return cli_usage("combine: %s holds records of another problem (hash %016" PRIx64 ", %" PRIu64
                     " units, 'zsum %.200s') than %s (hash %016" PRIx64 ", %" PRIu64 " units, 'zsum %.200s')",
                     path, h->problem, h->units, h->text, first, g->first.problem, g->first.units,
                     g->first.text);
}

/* Each record into its slot, once. */
static int take_records(gathered *g, const zs_unit_record *recs, size_t n, int i, char **argv) {
    char b[48];
    for (size_t k = 0; k < n; k++) {
        const zs_unit_record *r = &recs[k];
        uint64_t slot = g->start[r->comp] + r->unit * g->first.comps[r->comp].parts + r->part;
        if (g->from[slot])
            return cli_usage("combine: unit %" PRIu64 "%s is given twice (in %s and in %s)", r->unit,
                             of_comp(b, g, r->comp), argv[g->from[slot]], argv[i]);
        g->from[slot] = i;
        g->all[slot] = *r;
    }
    return EXIT_OK;
}

/* Every unit of every computation is present: its first missing unit named. */
static int none_missing(const gathered *g) {
    char b[48];
    for (size_t k = 0; k < g->first.ncomps; k++) {
        const zs_units_comp *c = &g->first.comps[k];
        uint64_t missing = 0, firstmiss = 0;
        for (uint64_t u = c->units; u-- > 0;) {
            int whole = 1;
            for (uint32_t q = 0; q < c->parts; q++) whole = whole && g->from[g->start[k] + u * c->parts + q];
            if (!whole) {
                missing++;
                firstmiss = u;
            }
        }
        if (missing)
            return cli_usage("combine: unit %" PRIu64 "%s is missing (%" PRIu64 " of %" PRIu64
                             " units are in none of the files)", firstmiss, of_comp(b, g, (uint32_t)k),
                             missing, c->units);
    }
    return EXIT_OK;
}

int cmd_combine(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_text, cli_out());
        return EXIT_OK;
    }
    if (argc < 2) return cli_usage("combine: no record files (zsum combine FILE...; --help)");
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage("combine: unknown option '%s' (it takes record files only)", argv[i]);
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    int rc = EXIT_OK;
    gathered g;
    memset(&g, 0, sizeof g);
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        zs_units_header h;
        zs_unit_record *recs = NULL;
        size_t n = 0;
        zs_status st = zs_units_load(ctx, argv[i], &h, &recs, &n, NULL);
        if (st != ZS_OK) {
            rc = cli_status(ctx, st);
            break;
        }
        if (i == 1) rc = first_file(&g, &h, argv[i]);
        else {
            rc = same_problem(&g, &h, argv[i], argv[1]);
            zs_units_header_clear(&h);
        }
        if (rc == EXIT_OK) rc = take_records(&g, recs, n, i, argv);
        free(recs);
    }
    if (rc == EXIT_OK) rc = none_missing(&g);
    char **sub = NULL;
    int subc = 0;
    if (rc == EXIT_OK) {
        sub = units_cli_decode(g.first.text, &subc);
        if (!sub) rc = cli_fail(EXIT_NOMEM, "combine: out of memory");
        else if (subc < 1 || !strcmp(sub[0], "combine"))
            rc = cli_usage("combine: %s names no command to combine for", argv[1]);
    }
    if (rc == EXIT_OK) {
        units_cli_supply(g.first.comps, g.first.ncomps, g.all);
        g.all = NULL;
        rc = cli_dispatch(subc, sub);
    }
    units_cli_free_argv(sub);
    free(g.all);
    free(g.from);
    free(g.start);
    zs_units_header_clear(&g.first);
    zs_ctx_free(ctx);
    return rc;
}
