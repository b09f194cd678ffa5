/* hopfield_cli.h — what the zsum hopfield subcommands share (cmd_hopfield.c): the option
 * scanner, the --shape and fraction parsers, and the +/- pattern printer. */
#ifndef ZSUM_PROGRAMS_HOPFIELD_CLI_H
#define ZSUM_PROGRAMS_HOPFIELD_CLI_H

#include "cli.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* --name VALUE or --name=VALUE at argv[*i]: the value (advancing *i), NULL when argv[*i] is not
 * this option; *missing is set when the value is absent. */
const char *hopfield_opt(int argc, char **argv, int *i, const char *name, const char *alias, int *missing);
int hopfield_parse_shape(const char *text, size_t *rows, size_t *cols);
int hopfield_parse_fraction(const char *option, const char *text, double *out);
/* A pattern as a line of + and -, with a newline every `cols` units when cols > 0. */
void hopfield_print_pattern(FILE *f, const int8_t *s, size_t n, size_t cols, const char *indent);

int hopfield_recall(int argc, char **argv);

#endif
