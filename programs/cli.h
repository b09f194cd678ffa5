/* cli.h — what every zsum subcommand shares: argument parsing with overflow checks, error
 * reporting, exit codes, buffered output (nothing reaches stdout unless the command
 * succeeds), number formatting, JSON writing, plots and the progress bar. Uses only zsum.h.
 *
 * The idiom of every command (programs/cmd_*.c):
 *   - Its options are one table of cli_option: id, long name, short letter, the value's name
 *     (NULL for a flag), the modes (subcommands) that accept it, one help line. Its
 *     subcommands are a table of cli_sub (name, mode bit, synopsis, paragraph). Both go into
 *     one cli_command. The parser (cli_next) and the help (cli_help) read the same tables, so
 *     the help never lists an option the parser refuses, and an option of another mode is
 *     refused by name instead of ignored.
 *   - Adding an option: one table entry, and one case in the command's switch:
 *         {O_STEPS, "--steps", 0, "N", SAMPLE, 0, "Gibbs sweeps per chain (default 1000)"},
 *         ...
 *         case O_STEPS: if (!cli_parse_u64(a.name, a.value, &o->steps)) return EXIT_USAGE; break;
 *   - The command reads parse -> load -> compute -> print, and every command function
 *     returns an exit code below (EXIT_OK, EXIT_USAGE, EXIT_RUNTIME, EXIT_NOMEM), nothing
 *     else. The value parsers (cli_parse_*) are predicates: 1 read, 0 refused (message
 *     printed), so a caller writes `if (!cli_parse_...(...)) return EXIT_USAGE;`. */
#ifndef ZSUM_PROGRAMS_CLI_H
#define ZSUM_PROGRAMS_CLI_H

#include "zsum.h"

#include <stdio.h>

/* Exit codes (docs/ARCHITECTURE.md): 0 ok, 1 runtime failure, 2 bad usage or bad input,
 * 3 out of memory. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_NOMEM = 3 };

/* A subcommand: argv[0] is its name. Returns an exit code. */
typedef int (*cli_command_fn)(int argc, char **argv);

/* ---- options and help: one table per command ------------------------------------------- */

/* One option. id (> 0) is what cli_next returns for it. name is the long spelling with its
 * dashes ("--units"), letter the short one ('n'; 0 for none), arg the value's name in the help
 * ("N", "LIST"; NULL for a flag). modes: the cli_sub mode bits that accept it (0: every mode).
 * help: its line in the help; a '\n' continues it on the next line, indented. flags:
 * CLI_ONCE refuses a second occurrence; CLI_HIDDEN leaves it out of the help (a spelling
 * zsum refuses with help as the reason, CLI_SPELLING, is hidden too). */
typedef struct cli_option {
    int id;
    const char *name;
    char letter;
    const char *arg;
    unsigned modes;
    unsigned flags;
    const char *help;
} cli_option;
enum { CLI_ONCE = 1, CLI_HIDDEN = 2, CLI_SPELLING = 4 | 2 };

/* A subcommand (or the one mode of a command without them: name NULL). usage: its synopsis
 * lines without "usage: " ("zsum rbm lnz MODEL.npz [--exact | --ais ...]"), about: the
 * paragraph under them. alias: an older name still accepted. */
typedef struct cli_sub {
    const char *name;
    unsigned mode;
    const char *usage;
    const char *about;
    const char *alias;
} cli_sub;

struct cli_args;
typedef struct cli_command {
    const char *name;              /* "rbm"                                                   */
    const cli_sub *subs;
    size_t nsubs;
    const cli_option *opts;
    size_t nopts;
    const char *about;             /* `zsum CMD --help`: after the synopses (NULL: none)      */
    const char *notes;             /* after the options, in every help of the command (NULL)  */
    /* An option of the table that the mode being parsed does not accept: print why and
     * return EXIT_USAGE. NULL: "PROG: unknown option 'X' (it belongs to zsum CMD SUB ...)". */
    int (*refuse)(const struct cli_args *a, const cli_option *o);
} cli_command;
#define CLI_TABLE(t) (t), (sizeof(t) / sizeof((t)[0]))

/* The subcommand of argv (argv[0] is the command's name): *sub is set and EXIT_OK returned,
 * or *sub is NULL and the returned code is final: the command's help printed (--help, -h,
 * help: EXIT_OK), or the usage error printed (none given, unknown: EXIT_USAGE). A command
 * with a mode named NULL takes it when argv[1] is no subcommand's name. *first: the index of
 * the first argument after the subcommand. */
int cli_select(const cli_command *c, int argc, char **argv, const cli_sub **sub, int *first);

/* The parser: getopt-like, driven by the table.
 *     cli_args a;
 *     cli_start(&a, &command, sub, argc, argv, first);
 *     for (int id; (id = cli_next(&a)) != CLI_DONE;) switch (id) {
 *     case CLI_STOP: return a.rc;               help printed (EXIT_OK) or usage error
 *     case CLI_ARG:  ... a.value ...             a positional argument
 *     case O_UNITS:  ... a.name, a.value ...     an option of the table
 *     }
 * Accepted spellings: --name VALUE, --name=VALUE, -x VALUE, -xVALUE, flags --name and -x;
 * "--" ends the options; "-" alone is an argument. A value is the next word whatever it
 * starts with ("--beta -0.5"). --help or -h anywhere prints the help of the subcommand. */
enum { CLI_DONE = 0, CLI_ARG = -1, CLI_STOP = -2 };
typedef struct cli_args {
    const cli_command *cmd;
    const cli_sub *sub;
    int argc, i, done_options, scanned;
    char **argv;
    char prog[64];            /* "levels", "rbm lnz", "ising sample": the messages' prefix     */
    const char *name;         /* the option's long name ("--units"), or its short one          */
    const char *spelled;      /* as written ("-n", "--units=3")                                */
    const char *value;        /* the option's value, or the positional argument                */
    const cli_option *opt;
    unsigned char seen[128];  /* occurrences of each table entry (CLI_ONCE)                    */
    int rc;
} cli_args;
void cli_start(cli_args *a, const cli_command *c, const cli_sub *sub, int argc, char **argv, int first);
int cli_next(cli_args *a);
/* The table's entry for a word of argv ("--resume", "-o", "--seed=3") in sub's mode, or NULL.
 * Two entries may share a spelling in different modes (rbm sample's --chains, the AIS one). */
const cli_option *cli_find_option(const cli_command *c, const cli_sub *sub, const char *word);
/* The help: for sub, its synopsis, paragraph, its options and the notes; for NULL, every
 * synopsis, the command's about, every option (marked with its subcommands) and the notes.
 * Returns EXIT_OK. */
int cli_help(const cli_command *c, const cli_sub *sub, FILE *f);

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
/* The same followed by the threads the estimate divides by: "12 seconds on 2 threads". */
void cli_format_seconds_on(double secs, int threads, char *buf, size_t size);
/* Bytes of physical memory; 0 when unknown. */
double cli_physical_memory(void);
/* The context's last message with the library's words for options (a method name, an option
 * member such as max_bytes) replaced by the command line's flags; written into buf. */
const char *cli_library_message(const zs_ctx *ctx, char *buf, size_t cap);
/* --schedule TEXT, the AIS temperatures of rbm and dbm (zs_rbm_schedule_parse): *betas
 * malloc'd, *n of them. Returns an exit code (a schedule the library refuses: EXIT_USAGE). */
int cli_schedule(zs_ctx *ctx, const char *text, double **betas, size_t *n);

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
/* A whole number in lo..hi; a decimal > 0 (strict) or >= 0; a decimal in [0, 1). */
int cli_parse_u64_in(const char *option, const char *text, uint64_t lo, uint64_t hi, uint64_t *out);
int cli_parse_nonneg(const char *option, const char *text, int strict, double *out);
int cli_parse_fraction(const char *option, const char *text, double *out);
/* The time a command allows itself (--max-seconds, or its default when not given) lowered to
 * ZSUM_MAX_SECONDS when that is set (docs/zsum.1, ENVIRONMENT): a ceiling on every
 * estimated-time refusal, so that a caller with a small time allowance (a test, the argument
 * fuzzer) gets a refusal instead of a long run. seconds <= 0 means no limit; the result is
 * then the ceiling (HUGE_VAL when unset). cli_check_max_seconds_env: 1 when the variable is
 * unset, empty or a decimal > 0, else 0 with a message (zsum then exits 2). */
double cli_max_seconds(double seconds);
int cli_check_max_seconds_env(void);
/* --max-seconds T: a decimal > 0 (cli_parse_nonneg), lowered by cli_max_seconds. */
int cli_parse_max_seconds(const char *text, double *out);
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
/* Printing one number by cli_num (the shortest text that reads back to the same double:
 * printf and strtod in a loop) costs about 1.3-1.4 us: a sweep of 10^6 points of `levels`
 * spent 9 of its 9.3 s printing. A sweep's estimated time counts its output at this rate. */
#define CLI_NUMBER_SECONDS 1.5e-6
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
/* Binary rows of a data file (zs_data_load_binary: .npy, .npz[:NAME], IDX, FILE:START:END),
 * binarized by the --binarize text (NULL: none; threshold, threshold:T, stochastic with seed):
 * *x (n x width, malloc'd), *n, *width (may be NULL). nv > 0 refuses another row width as a
 * shape mismatch naming the file. Returns an exit code (messages printed). */
int cli_load_rows(zs_ctx *ctx, const char *path, const char *binarize, uint64_t seed, size_t nv,
                  uint8_t **x, size_t *n, size_t *width);
/* The rows of path as grey levels in bytes: round(255 x / max) of each value x (finite, >= 0,
 * not all 0); *binary = 1 when every value is 0 or 1. *x (n x width, malloc'd). An exit code
 * (messages printed). */
int cli_load_grey(zs_ctx *ctx, const char *path, uint8_t **x, size_t *n, size_t *width, int *binary);

/* Output formats shared by the commands. */
typedef enum { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV } cli_format;
int cli_parse_format(const char *text, cli_format *out);

/* Buffered stdout: commands write to cli_out() and call cli_flush() once they succeeded;
 * cli_discard() drops everything (on error). Help (COMMAND [SUBCOMMAND] --help) is written
 * there too and returns EXIT_OK; usage errors go to stderr with EXIT_USAGE. */
FILE *cli_out(void);
int cli_flush(void);
void cli_discard(void);
/* What was written to cli_out() so far, handed over (malloc'd, *len bytes; NULL when nothing):
 * cli_out() starts again empty. */
char *cli_take(size_t *len);

/* Shortest decimal that reads back to the same double (%.15g, %.16g or %.17g), "inf",
 * "-inf" or "nan" for the rest. buf needs 32 bytes. */
const char *cli_num(char buf[32], double x);
/* A CSV field: cli_num, but an empty field for a value the method does not give (NaN), so no
 * "nan" is ever printed as a result. */
const char *cli_csv_num(char buf[32], double x);
/* cli_num, but "-" for NaN: a table's figure that was not measured (JSON: null, CSV: empty). */
const char *cli_num_or_dash(char buf[32], double x);

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
/* The h x w of one tile of nv pixels: --shape HxW when given (have_shape; it must hold nv
 * pixels), else the square root of nv (which must be square). EXIT_OK or EXIT_USAGE. */
int cli_tile_shape(int have_shape, const uint64_t shape[2], size_t nv, size_t *h, size_t *w);
/* Tiles (count x h*w values in [0,1]) as a grey grid with one pixel of border, written to path
 * by the library's atomic image writer, each pixel a block of cli_image_scale(path, scale). */
int cli_write_tile_grid(zs_ctx *ctx, const char *path, size_t scale, const double *tiles,
                        size_t count, size_t h, size_t w);

/* Progress bar on stderr when it is a terminal (and --quiet is not set). Under
 * ZSUM_MAX_SECONDS (cli_max_seconds) the same hook also stops the computation once the command
 * has run that long since progress_install, estimate or not (ZS_ECANCELLED; cli_status then
 * says so); progress_stopped() tells that it did. */
void progress_install(zs_ctx *ctx, int quiet);
int progress_stopped(double *ceiling);
/* The CLI's own loops (a temperature sweep's points) report through the same hook: the bar,
 * and 1 once the ZSUM_MAX_SECONDS deadline has passed (the caller stops with ZS_ECANCELLED). */
int progress_tick(const char *task, double done, double total);
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
int cmd_combine(int argc, char **argv);

#endif
