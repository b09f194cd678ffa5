/* hopfield_cli.h — what the zsum hopfield subcommands share (cmd_hopfield.c): the option
 * table, the --shape and fraction parsers, and the +/- pattern printer. */
#ifndef ZSUM_PROGRAMS_HOPFIELD_CLI_H
#define ZSUM_PROGRAMS_HOPFIELD_CLI_H

#include "cli.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The subcommands (modes) and the options of the one table (cmd_hopfield.c). */
enum { H_STORE = 1, H_RECALL = 2, H_CAPACITY = 4 };
enum { H_OUTPUT = 1, H_IMAGE, H_RULE, H_SHAPE, H_SCALE, H_PROBE, H_FLIP, H_SEED, H_TEMP, H_BETA,
       H_SWEEPS, H_ORDER, H_UNITS, H_TRIALS, H_ALPHA, H_PLOT, H_FORMAT, H_THREADS, H_QUIET,
       H_SPELL_T, H_SPELL_N, H_MAX_SECONDS };
extern const cli_command hopfield_command;
int hopfield_parse_shape(const char *text, size_t *rows, size_t *cols);
int hopfield_parse_fraction(const char *option, const char *text, double *out);
/* A pattern as a line of + and -, with a newline every `cols` units when cols > 0. */
void hopfield_print_pattern(FILE *f, const int8_t *s, size_t n, size_t cols, const char *indent);

/* The subcommands, with the parser started after the subcommand's name. */
int hopfield_recall(cli_args *a);
int hopfield_capacity(cli_args *a);

#endif
