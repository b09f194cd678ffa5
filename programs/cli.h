/* cli.h — what every zsum subcommand shares: argument parsing with overflow checks, error
 * reporting, exit codes, buffered output (nothing reaches stdout unless the command
 * succeeds), number formatting, JSON writing, plots and the progress bar. Uses only zsum.h. */
#ifndef ZSUM_PROGRAMS_CLI_H
#define ZSUM_PROGRAMS_CLI_H

#include "zsum.h"

#include <stdio.h>

/* Exit codes (docs/ARCHITECTURE.md): 0 ok, 1 runtime failure, 2 bad usage or bad input. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

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

/* Strict parsers: the whole text must be the number; they print what is wrong (naming the
 * option and the value) and return 0 on failure, 1 on success. */
int cli_parse_double(const char *option, const char *text, double *out);   /* finite */
int cli_parse_u64(const char *option, const char *text, uint64_t *out);    /* 0..2^64-1 */
int cli_parse_int(const char *option, const char *text, long lo, long hi, long *out);
/* A comma-separated list of finite numbers; *out malloc'd (free it), *n its length. */
int cli_parse_list(const char *option, const char *text, double **out, size_t *n);
/* A size "AxB" or "A" (A, B >= 1); dims receives 1 or 2 entries, *ndims how many. */
int cli_parse_size(const char *option, const char *text, uint64_t dims[2], int *ndims);

/* Output formats shared by the commands. */
typedef enum { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV } cli_format;
int cli_parse_format(const char *text, cli_format *out);

/* Buffered stdout: commands write to cli_out() and call cli_flush() once they succeeded;
 * cli_discard() drops everything (on error). */
FILE *cli_out(void);
int cli_flush(void);
void cli_discard(void);

/* Shortest decimal that reads back to the same double (%.15g, %.16g or %.17g), "inf",
 * "-inf" or "nan" for the rest. buf needs 32 bytes. */
const char *cli_num(char buf[32], double x);
/* A CSV field: cli_num, but an empty field for a value the method does not give (NaN), so no
 * "nan" is ever printed as a result. */
const char *cli_csv_num(char buf[32], double x);

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
int cmd_uai(int argc, char **argv);

#endif
