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

/* Records to use instead of running their units: units x parts records, recs[u parts + p]
 * for part p of unit u, of problem; the session takes ownership of recs (free). */
void units_cli_supply(uint64_t problem, uint64_t units, uint32_t parts, zs_unit_record *recs);

/* Units to run here are handed out by next (a process of many); every record run here is
 * kept for units_cli_records. */
void units_cli_set_source(int (*next)(void *user, uint64_t *unit), void *user, int processes);

/* What the last command did: whether it began a work-unit computation (problem, units, records
 * per unit), and the records it ran here (*recs points into the session; *n of them, every
 * part of a unit). */
int units_cli_began(uint64_t *problem, uint64_t *units, uint32_t *parts);
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
