/* cmd_combine.c — zsum combine FILE...: the result of a computation whose units ran in
 * slices (--units I:J --partial FILE), from the slices' record files.
 *
 * Every file must hold records of the same problem (the hash in its header and in each of
 * its records); every unit must be present exactly once. The command line kept in the first
 * file's header (slices may differ in options that change no bit, such as --threads) is
 * then run again with every unit's record supplied,
 * so nothing is computed again and the output is the one the whole run prints: the records
 * are combined in unit order, as the whole run combines them. */
#include "cli.h"
#include "units_cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: zsum combine FILE...\n"
    "Print the result of a computation run in slices: each FILE was written by the same\n"
    "command with --units I:J --partial FILE. Every unit must be in exactly one file, and\n"
    "every file must belong to the same problem (model and options); the command line kept\n"
    "in the first file runs again with the records, so its model file must be where it was\n"
    "(paths are read from the folder combine runs in). The output is the whole run's.\n";

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
    zs_units_header first = {0, 0, NULL, 1};
    uint64_t slots = 0;
    zs_unit_record *all = NULL;
    int *from = NULL; /* the file (argv index) of each unit's record, 0 when none yet */
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        zs_units_header h;
        zs_unit_record *recs = NULL;
        size_t n = 0;
        zs_status st = zs_units_load(ctx, argv[i], &h, &recs, &n, NULL);
        if (st != ZS_OK) {
            rc = cli_status(ctx, st);
            break;
        }
        if (i == 1) {
            first = h;
            slots = h.units * h.parts; /* the loader bounds parts; units x parts is checked */
            if (slots / h.parts == h.units) {
                all = calloc(slots ? slots : 1, sizeof *all);
                from = calloc(slots ? slots : 1, sizeof *from);
            }
            if (!all || !from) rc = cli_fail(EXIT_NOMEM, "combine: out of memory for %" PRIu64 " units", h.units);
        } else {
            if (h.problem != first.problem || h.units != first.units || h.parts != first.parts)
                rc = cli_usage("combine: %s holds records of another problem (hash %016" PRIx64
                               ", %" PRIu64 " units, 'zsum %.200s') than %s (hash %016" PRIx64
                               ", %" PRIu64 " units, 'zsum %.200s')",
                               argv[i], h.problem, h.units, h.text, argv[1], first.problem,
                               first.units, first.text);
            zs_units_header_clear(&h);
        }
        for (size_t k = 0; k < n && rc == EXIT_OK; k++) {
            uint64_t u = recs[k].unit, slot = u * first.parts + recs[k].part;
            if (from[slot])
                rc = cli_usage("combine: unit %" PRIu64 " is given twice (in %s and in %s)", u,
                               argv[from[slot]], argv[i]);
            from[slot] = i;
            all[slot] = recs[k];
        }
        free(recs);
    }
    if (rc == EXIT_OK) {
        uint64_t missing = 0, firstmiss = 0;
        for (uint64_t u = first.units; u-- > 0;) {
            int whole = 1;
            for (uint32_t q = 0; q < first.parts; q++) whole = whole && from[u * first.parts + q];
            if (!whole) {
                missing++;
                firstmiss = u;
            }
        }
        if (missing)
            rc = cli_usage("combine: unit %" PRIu64 " is missing (%" PRIu64 " of %" PRIu64
                           " units are in none of the files)", firstmiss, missing, first.units);
    }
    char **sub = NULL;
    int subc = 0;
    if (rc == EXIT_OK) {
        sub = units_cli_decode(first.text, &subc);
        if (!sub) rc = cli_fail(EXIT_NOMEM, "combine: out of memory");
        else if (subc < 1 || !strcmp(sub[0], "combine"))
            rc = cli_usage("combine: %s names no command to combine for", argv[1]);
    }
    if (rc == EXIT_OK) {
        units_cli_supply(first.problem, first.units, first.parts, all);
        all = NULL;
        rc = cli_dispatch(subc, sub);
    }
    units_cli_free_argv(sub);
    free(all);
    free(from);
    zs_units_header_clear(&first);
    zs_ctx_free(ctx);
    return rc;
}
