/* units_cli.h — work units on the command line (programs/units_cli.c, cmd_combine.c): the
 * options every long command takes (--units I:J --partial FILE, --checkpoint FILE), the hook
 * that serves them to the library (include/zsum/units.h), and what zsum-mpi drives. */
#ifndef ZSUM_PROGRAMS_UNITS_CLI_H
#define ZSUM_PROGRAMS_UNITS_CLI_H

#include "zsum.h"

/* Take --units I:J, --partial FILE and --checkpoint FILE out of a command's arguments (argv[0]
 * is the command's name; argv is rearranged, *argc lowered), so no command parses them.
 * "--units N" without a colon is left alone: it is levels' unit count. Remembers the command
 * line that remains, for the header of the files written. Returns 0, or an exit code after
 * printing what is wrong. */
int units_cli_strip(int *argc, char **argv);

/* Install the session's hook in ctx (called by progress_install, which every long command
 * runs on the context of its computation). Nothing when no option asked for units. */
void units_cli_install(zs_ctx *ctx);

/* A command that runs several computations calls this when one of them fails with st: 1
 * when st is the session's doing — the computation's other units run elsewhere (a slice, a
 * process of zsum-mpi) — and the command is to go on to its next computation, which has its
 * share here too; the computation's result is missing. Before it prints, such a command asks
 * units_cli_deferred() and, when 1, prints nothing and returns cli_status(ctx,
 * ZS_ECANCELLED). */
int units_cli_defer(zs_status st);
int units_cli_deferred(void);

/* cli_status asks: is this failure the session's doing (a slice that leaves units to other
 * runs, a stop on a signal)? Then it is not reported as an error. */
int units_cli_swallow(zs_status st);

/* After the command: write the slice's records (--partial), report a stop on a signal
 * (--checkpoint: exit 128 + signal), or check that the command ran work units at all.
 * rc is the command's exit code; returns the program's. *keep_output: 1 when the command's
 * output is the program's (0 for a partial run, which prints nothing). */
int units_cli_finish(int rc, int *keep_output);

/* Run a command line (argv[0] the command's name) through the dispatch table (programs/main.c). */
int cli_dispatch(int argc, char **argv);

/* ---- for zsum combine and zsum-mpi ------------------------------------------------------ */

/* The record slots of computations comps[0..n-1]: computation k's from start[k] (start may
 * be NULL), units x parts each; UINT64_MAX when the count overflows. */
uint64_t units_cli_slots(const zs_units_comp *comps, size_t n, uint64_t *start);

/* Records to use instead of running their units, for the computations comps[0..ncomps-1] in
 * the order the command begins them: part p of unit u of computation k at recs[start[k] +
 * u parts + p] (units_cli_slots); the session takes ownership of recs (free). */
void units_cli_supply(const zs_units_comp *comps, size_t ncomps, zs_unit_record *recs);

/* Units to run here are handed out by next (a process of many); every record run here is
 * kept for units_cli_records. */
void units_cli_set_source(int (*next)(void *user, uint64_t *unit), void *user, int processes);

/* What the last command did: the work-unit computations it began (*comps malloc'd, in order;
 * the count returned, 0 for none or when out of memory), and the records it ran here (*recs
 * points into the session; *n of them, every part of a unit, each with its comp). */
size_t units_cli_comps(zs_units_comp **comps);
void units_cli_records(const zs_unit_record **recs, size_t *n);

/* The command line after units_cli_strip, encoded for a file's header, and back. */
const char *units_cli_command_text(void);
/* Encode argv[0..argc-1] into malloc'd text (NULL when out of memory). */
char *units_cli_encode(int argc, char **argv);
/* Decode text into a malloc'd argv (argv[argc] = NULL; free with units_cli_free_argv). */
char **units_cli_decode(const char *text, int *argc);
void units_cli_free_argv(char **argv);

/* Forget the session (between the commands zsum-mpi and combine run in one process). */
void units_cli_reset(void);

#endif
