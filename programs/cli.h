/* cli.h — what every zsum subcommand shares: argument parsing with overflow checks, error
 * reporting, exit codes, buffered output (nothing reaches stdout unless the command
 * succeeds), number formatting, JSON writing, plots and the progress bar. Uses only zsum.h. */
#ifndef ZSUM_PROGRAMS_CLI_H
#define ZSUM_PROGRAMS_CLI_H

#include "zsum.h"

#include <stdio.h>

/* Exit codes (docs/ARCHITECTURE.md): 0 ok, 1 runtime failure, 2 bad usage or bad input,
 * 3 out of memory. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_NOMEM = 3 };

/* A subcommand: argv[0] is its name. Returns an exit code. */
typedef int (*cli_command_fn)(int argc, char **argv);

/* The program: argv[0] is "zsum"; dispatches to the subcommand argv[1] (programs/main.c).
 * Returns the exit code; stdout holds the output only when it is 0. */
int zsum_main(int argc, char **argv);

/* Print "zsum: <message>" on stderr; returns EXIT_USAGE so callers can `return cli_usage(...)`. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "zsum: <message>" on stderr and return code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a library failure: the context's message (or the status name) on stderr; returns the
 * exit code the status maps to. */
int cli_status(zs_ctx *ctx, zs_status st);
int cli_exit_code(zs_status st);
/* An estimated duration in words: "12 seconds", "3.5 hours", "2.1 days", "4.2e+06 years". */
void cli_format_seconds(double secs, char *buf, size_t size);
/* The context's last message with the library's words for options (a method name, an option
 * member such as max_bytes) replaced by the command line's flags; written into buf. */
const char *cli_library_message(const zs_ctx *ctx, char *buf, size_t cap);

/* Strict parsers: the whole text must be the number; they print what is wrong (naming the
 * option and the value) and return 0 on failure, 1 on success.
 * Decimals (every real-valued option): [-]digits[.digits][(e|E)[+|-]digits], ".5" and "5."
 * too; no spaces, no '+' sign, no hexadecimal, no inf or nan. A value beyond +-1.8e308 is
 * refused as out of range; a tiny one (a subnormal such as 1e-320) is read as the nearest
 * double.
 * Whole numbers: decimal digits only (and a leading '-' in cli_parse_int); no '+', no
 * spaces, no exponent; out of range is refused with the range. */
int cli_parse_double(const char *option, const char *text, double *out);
/* The same grammar without a message: 0 read, 1 not a decimal, 2 out of range. */
int cli_decimal(const char *text, double *out);
int cli_parse_u64(const char *option, const char *text, uint64_t *out);    /* 0..2^64-1 */
int cli_parse_int(const char *option, const char *text, long lo, long hi, long *out);
/* A comma-separated list of decimals; *out malloc'd (free it), *n its length. */
int cli_parse_list(const char *option, const char *text, double **out, size_t *n);
/* A size "AxB" or "A" (A, B >= 1); dims receives 1 or 2 entries, *ndims how many. */
int cli_parse_size(const char *option, const char *text, uint64_t dims[2], int *ndims);

/* --threads N: the same range in every command. */
#define CLI_THREADS_MAX 1024
int cli_parse_threads(const char *text, int *out);

/* --sweep T:LO:HI:POINTS or beta:LO:HI:POINTS, POINTS evenly spaced values from LO to HI
 * (temperatures > 0; beta may be any sign); the one parser of every command with a sweep. */
#define CLI_SWEEP_MAX_POINTS 1000000
typedef struct cli_sweep {
    int active, by_beta;   /* --sweep given; the range is in beta rather than T */
    double lo, hi;
    long points;
} cli_sweep;
int cli_parse_sweep(const char *text, cli_sweep *out);
double cli_sweep_value(const cli_sweep *sw, long i);   /* point i (0..points-1): T or beta */

/* An output file (-o, --plot, --write-uai, images, checkpoints) is checked before any work:
 * the folder exists and is writable, the path is not a folder, an existing file is writable.
 * Returns EXIT_OK, or EXIT_USAGE after printing "OPTION: cannot write 'PATH': REASON". */
int cli_check_output(const char *option, const char *path);

/* Output formats shared by the commands. */
typedef enum { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV } cli_format;
int cli_parse_format(const char *text, cli_format *out);

/* Buffered stdout: commands write to cli_out() and call cli_flush() once they succeeded;
 * cli_discard() drops everything (on error). Help (COMMAND [SUBCOMMAND] --help) is written
 * there too and returns EXIT_OK; usage errors go to stderr with EXIT_USAGE. */
FILE *cli_out(void);
int cli_flush(void);
void cli_discard(void);

/* Shortest decimal that reads back to the same double (%.15g, %.16g or %.17g), "inf",
 * "-inf" or "nan" for the rest. buf needs 32 bytes. */
const char *cli_num(char buf[32], double x);
/* A CSV field: cli_num, but an empty field for a value the method does not give (NaN), so no
 * "nan" is ever printed as a result. */
const char *cli_csv_num(char buf[32], double x);

/* A table whose columns never run into each other: cells added row by row (the header is
 * the first row), each column padded to its widest entry, two spaces between columns, no
 * trailing spaces. cli_table_write returns an exit code (out of memory while adding). */
typedef struct cli_table {
    size_t cols, n, cap;
    char **cells;
    int failed;
} cli_table;
void cli_table_init(cli_table *t, size_t cols);
int cli_table_add(cli_table *t, const char *cell);
int cli_table_write(const cli_table *t, FILE *f);
void cli_table_free(cli_table *t);

/* A small JSON writer: objects on indented lines, scalar arrays on one line. Non-finite
 * numbers are written as null. */
typedef struct json {
    FILE *f;
    int depth;
    int count[32];   /* items written in the open container at each depth */
    int inl[32];     /* container written inline                           */
    int after_key;
} json;

void json_init(json *j, FILE *f);
void json_obj(json *j);          /* { on its own lines                                  */
void json_obj_inline(json *j);   /* { ... } on one line (rows of a table)               */
void json_end_obj(json *j);
void json_arr(json *j);          /* [ with one item per line                            */
void json_arr_inline(json *j);   /* [ ... ] on one line                                 */
void json_end_arr(json *j);
void json_key(json *j, const char *key);
void json_num(json *j, double x);
void json_u64(json *j, uint64_t x);
void json_str(json *j, const char *s);   /* escaped */
void json_null(json *j);
void json_bool(json *j, int b);
void json_end(json *j);          /* final newline */
/* key and value in one call: json_key then json_num / json_u64 / json_str / json_bool */
void json_kv_num(json *j, const char *key, double x);
void json_kv_u64(json *j, const char *key, uint64_t x);
void json_kv_str(json *j, const char *key, const char *s);
void json_kv_bool(json *j, const char *key, int b);

/* Plots through gnuplot (ZSUM_GNUPLOT names the program, default "gnuplot"): the script is run
 * with the terminal chosen from file's extension (.png or .svg). Returns an exit code after
 * printing what went wrong. */
int plot_check_target(const char *file);  /* EXIT_USAGE for a bad extension */
int plot_run(const char *file, const char *script);
/* A script written to memory, then drawn: FILE *s = plot_script_open(&ps); fprintf(s, ...);
 * return plot_script_draw(&ps, file); (NULL from open: out of memory, message printed). */
typedef struct plot_script {
    char *text;
    size_t len;
    FILE *f;
} plot_script;
FILE *plot_script_open(plot_script *ps);
int plot_script_draw(plot_script *ps, const char *file);

/* Images (--scale K): each pixel becomes a K x K block. Without --scale (asked == 0): 1 for a
 * .pbm (a PBM is also a pattern file and reads back one pixel per unit), and for a .png the
 * smallest K that makes the longer side at least CLI_IMAGE_MIN_SIDE pixels, so an image of a
 * few units is visible. */
#define CLI_IMAGE_MIN_SIDE 256
#define CLI_IMAGE_MAX_SCALE 1000
size_t cli_image_scale(const char *path, size_t asked, size_t width, size_t height);

/* Progress bar on stderr when it is a terminal (and --quiet is not set). */
void progress_install(zs_ctx *ctx, int quiet);
/* Text shown in place of the task's name, and after the bar (printf formats; NULL clears). */
void progress_label(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_finish(void);

/* Subcommands (programs/cmd_*.c). */
int cmd_levels(int argc, char **argv);
int cmd_hopfield(int argc, char **argv);
int cmd_ising(int argc, char **argv);
int cmd_bm(int argc, char **argv);
int cmd_rbm(int argc, char **argv);
int cmd_dbm(int argc, char **argv);
int cmd_uai(int argc, char **argv);

#endif
