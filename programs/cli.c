/* cli.c — parsing, messages, exit codes and buffered output shared by the subcommands. */
#include "cli.h"
#include "units_cli.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void vsay(const char *fmt, va_list ap) {
    fputs("zsum: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    return code;
}

void cli_format_seconds_on(double secs, int threads, char *buf, size_t size) {
    char when[48];
    cli_format_seconds(secs, when, sizeof when);
    snprintf(buf, size, "%s on %d thread%s", when, threads, threads == 1 ? "" : "s");
}

double cli_physical_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0) return 0.0; /* unknown: no default limit */
    return (double)pages * (double)size;
}

void cli_format_seconds(double secs, char *buf, size_t size) {
    if (secs < 10) snprintf(buf, size, "%.2g seconds", secs);
    else if (secs < 3600) snprintf(buf, size, "%.0f seconds", secs);
    else if (secs < 86400 * 2) snprintf(buf, size, "%.1f hours", secs / 3600);
    else if (secs < 86400 * 365.25 * 2) snprintf(buf, size, "%.1f days", secs / 86400);
    else snprintf(buf, size, "%.3g years", secs / (86400 * 365.25));
}

int cli_exit_code(zs_status st) {
    switch (st) {
    case ZS_OK: return EXIT_OK;
    case ZS_EINVAL:
    case ZS_ERANGE:
    case ZS_EFORMAT:
    case ZS_ETOOBIG:
    case ZS_EUNSUPPORTED:
    case ZS_EIO: return EXIT_USAGE;
    /* its own code, so a script can tell "retry with more memory" from a failed computation */
    case ZS_ENOMEM: return EXIT_NOMEM;
    default: return EXIT_RUNTIME;
    }
}

/* Library messages speak the library's words: a method by its enum name ("use method
 * transfer"), a limit by its option member ("(max_bytes)"). The command line says which of
 * its options that is. Phrases are replaced whole; "method NAME" becomes "--method NAME"
 * except where it opens the message or a clause ("method closed: needs a torus"). */
static const struct {
    const char *lib, *cli;
} cli_hints[] = {
    {"(max_bytes)", "(--max-memory)"},
    {"(max_work)", "(--max-work)"},
    {"(their average would make it symmetric)", "(--symmetrize uses their average)"},
    {"raise the limit, or list macrostates or the density of states instead",
     "raise --limit or ask for --macrostates or --dos"},
    {"sampling (zs_pairwise_sample)", "sampling (zsum ising sample, zsum bm sample)"},
    {"more processes (work units)", "more processes (zsum-mpi)"},
    {"use annealed importance sampling", "use --ais"},
    {"a binarization rule (threshold or stochastic)",
     "a binarization rule (--binarize threshold[:T] or --binarize stochastic)"},
};
static const char *const cli_hint_methods[] = {"closed", "macro", "enumerate", "transfer"};

/* msg with the command line's options for the library's words, into out (cap bytes). */
static void cli_hint(const char *msg, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; msg[i] && o + 1 < cap;) {
        const char *rep = NULL;
        size_t skip = 0;
        for (size_t k = 0; k < sizeof cli_hints / sizeof cli_hints[0] && !rep; k++) {
            size_t n = strlen(cli_hints[k].lib);
            if (!strncmp(msg + i, cli_hints[k].lib, n)) rep = cli_hints[k].cli, skip = n;
        }
        if (!rep && i > 0 && !strncmp(msg + i, "method ", 7) &&
            (msg[i - 1] == ' ' || msg[i - 1] == '(')) {
            for (size_t k = 0; k < sizeof cli_hint_methods / sizeof cli_hint_methods[0]; k++) {
                size_t n = strlen(cli_hint_methods[k]);
                const char *w = msg + i + 7;
                if (!strncmp(w, cli_hint_methods[k], n) && w[n] != ':' &&
                    !isalnum((unsigned char)w[n])) {
                    rep = "--method ";
                    skip = 7;
                }
            }
        }
        if (rep) {
            for (size_t k = 0; rep[k] && o + 1 < cap; k++) out[o++] = rep[k];
            i += skip;
        } else {
            out[o++] = msg[i++];
        }
    }
    out[o] = 0;
}

const char *cli_library_message(const zs_ctx *ctx, char *buf, size_t cap) {
    cli_hint(zs_last_error(ctx), buf, cap);
    return buf;
}

int cli_status(zs_ctx *ctx, zs_status st) {
    if (units_cli_swallow(st)) return cli_exit_code(st); /* a slice's end, a stop on a signal */
    double ceiling;
    if (st == ZS_ECANCELLED && progress_stopped(&ceiling))
        return cli_fail(EXIT_RUNTIME, "stopped after %g s, the most ZSUM_MAX_SECONDS allows", ceiling);
    const char *msg = zs_last_error(ctx);
    if (msg && *msg) {
        char buf[2048];
        return cli_fail(cli_exit_code(st), "%s", cli_library_message(ctx, buf, sizeof buf));
    }
    return cli_fail(cli_exit_code(st), "%s", zs_strerror(st));
}

int cli_schedule(zs_ctx *ctx, const char *text, double **betas, size_t *n) {
    zs_status st = zs_rbm_schedule_parse(ctx, text, betas, n);
    if (st == ZS_OK) return EXIT_OK;
    if (st == ZS_ENOMEM) return cli_status(ctx, st);
    char msg[2048];
    return cli_usage("--schedule: %s", cli_library_message(ctx, msg, sizeof msg));
}

/* 0 ok; 1 not a number; 2 out of range: the library's one decimal grammar (zs_parse_decimal). */
int cli_decimal(const char *t, double *out) {
    zs_status st = zs_parse_decimal(t, out);
    return st == ZS_OK ? 0 : st == ZS_ERANGE ? 2 : 1;
}

int cli_parse_double(const char *option, const char *text, double *out) {
    if (!text || !*text) {
        cli_usage("%s: a number is needed, got an empty value", option);
        return 0;
    }
    double v = 0.0;
    int bad = cli_decimal(text, &v);
    if (bad == 1) {
        cli_usage("%s: '%s' is not a number (a decimal such as 2, -0.5 or 1e-3)", option, text);
        return 0;
    }
    if (bad == 2) {
        cli_usage("%s: '%s' is out of range (beyond +-1.8e308)", option, text);
        return 0;
    }
    *out = v;
    return 1;
}

int cli_parse_u64(const char *option, const char *text, uint64_t *out) {
    if (!text || !*text) {
        cli_usage("%s: a whole number is needed, got an empty value", option);
        return 0;
    }
    const char *p = text;
    uint64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            cli_usage("%s: '%s' is not a whole number", option, text);
            return 0;
        }
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            cli_usage("%s: '%s' is out of range (at most 18446744073709551615)", option, text);
            return 0;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* Whole numbers: digits only, with a leading '-' where the range admits negatives; no '+', no
 * spaces, no exponent. */
int cli_parse_int(const char *option, const char *text, long lo, long hi, long *out) {
    const char *digits = text && *text == '-' ? text + 1 : text;
    if (!digits || !*digits) {
        cli_usage("%s: a whole number is needed, got '%s'", option, text ? text : "");
        return 0;
    }
    uint64_t v = 0;
    int over = 0;
    for (const char *p = digits; *p; p++) {
        if (*p < '0' || *p > '9') {
            cli_usage("%s: '%s' is not a whole number", option, text);
            return 0;
        }
        uint64_t d = (uint64_t)(*p - '0');
        if (v > ((uint64_t)LONG_MAX - d) / 10) over = 1;
        else v = v * 10 + d;
    }
    long x = text[0] == '-' ? -(long)v : (long)v;
    if (over || x < lo || x > hi) {
        cli_usage("%s: '%s' is out of range %ld..%ld", option, text, lo, hi);
        return 0;
    }
    *out = x;
    return 1;
}

int cli_parse_u64_in(const char *option, const char *text, uint64_t lo, uint64_t hi, uint64_t *out) {
    if (!cli_parse_u64(option, text, out)) return 0;
    if (*out >= lo && *out <= hi) return 1;
    cli_usage("%s: '%s' is not in %llu..%llu", option, text, (unsigned long long)lo, (unsigned long long)hi);
    return 0;
}

int cli_parse_nonneg(const char *option, const char *text, int strict, double *out) {
    if (!cli_parse_double(option, text, out)) return 0;
    if (strict ? *out > 0 : *out >= 0) return 1;
    cli_usage("%s: '%s' must be %s", option, text, strict ? "> 0" : ">= 0");
    return 0;
}

/* ZSUM_MAX_SECONDS into *cap: a decimal > 0, or HUGE_VAL when unset or empty (no cap).
 * Returns 0 for anything else, which cli_check_max_seconds_env refuses before a command runs
 * (so later callers read it as no cap). */
static int env_max_seconds(double *cap) {
    const char *e = getenv("ZSUM_MAX_SECONDS");
    *cap = HUGE_VAL;
    if (!e || !*e) return 1;
    double x;
    if (cli_decimal(e, &x) != 0 || !(x > 0.0)) return 0;
    *cap = x;
    return 1;
}

int cli_check_max_seconds_env(void) {
    double cap;
    if (env_max_seconds(&cap)) return 1;
    cli_usage("ZSUM_MAX_SECONDS: '%s' is not a number of seconds > 0", getenv("ZSUM_MAX_SECONDS"));
    return 0;
}

double cli_max_seconds(double seconds) {
    double cap;
    env_max_seconds(&cap);
    return seconds > 0.0 && seconds < cap ? seconds : cap;
}

int cli_parse_max_seconds(const char *text, double *out) {
    if (!cli_parse_nonneg("--max-seconds", text, 1, out)) return 0;
    *out = cli_max_seconds(*out);
    return 1;
}

int cli_parse_fraction(const char *option, const char *text, double *out) {
    if (!cli_parse_double(option, text, out)) return 0;
    if (*out >= 0 && *out < 1) return 1;
    cli_usage("%s: '%s' is not in [0, 1)", option, text);
    return 0;
}

int cli_parse_list(const char *option, const char *text, double **out, size_t *n) {
    if (!text || !*text) {
        cli_usage("%s: the list is empty", option);
        return 0;
    }
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == ',';
    double *v = malloc(cap * sizeof *v);
    char *copy = strdup(text);
    if (!v || !copy) {
        free(v);
        free(copy);
        cli_fail(EXIT_NOMEM, "out of memory");
        return 0;
    }
    size_t count = 0;
    char *item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma) *comma = '\0';
        double x = 0.0;
        int bad = cli_decimal(item, &x);
        if (bad == 1) {
            cli_usage("%s: item %zu '%s' is not a number", option, count + 1, item);
            break;
        }
        if (bad == 2) {
            cli_usage("%s: item %zu '%s' is out of range (beyond +-1.8e308)", option, count + 1,
                      item);
            break;
        }
        v[count++] = x;
        if (!comma) {
            free(copy);
            *out = v;
            *n = count;
            return 1;
        }
        item = comma + 1;
    }
    free(copy);
    free(v);
    return 0;
}

int cli_parse_size(const char *option, const char *text, uint64_t dims[2], int *ndims) {
    if (!text || !*text) {
        cli_usage("%s: a size like 16 or 16x16 is needed", option);
        return 0;
    }
    char buf[64];
    if (strlen(text) >= sizeof buf) {
        cli_usage("%s: '%s' is not a size like 16 or 16x16", option, text);
        return 0;
    }
    strcpy(buf, text);
    char *x = strchr(buf, 'x');
    if (x) *x = '\0';
    *ndims = x ? 2 : 1;
    const char *parts[2] = {buf, x ? x + 1 : NULL};
    for (int i = 0; i < *ndims; i++) {
        if (!cli_parse_u64(option, parts[i], &dims[i])) return 0;
        if (dims[i] == 0) {
            cli_usage("%s: '%s' has a zero dimension", option, text);
            return 0;
        }
    }
    return 1;
}

int cli_parse_format(const char *text, cli_format *out) {
    if (!strcmp(text, "table")) *out = FORMAT_TABLE;
    else if (!strcmp(text, "json")) *out = FORMAT_JSON;
    else if (!strcmp(text, "csv")) *out = FORMAT_CSV;
    else {
        cli_usage("--format: '%s' is not one of table, json, csv", text);
        return 0;
    }
    return 1;
}

/* ---- buffered output ------------------------------------------------------------------ */

static char *out_buf;
static size_t out_len;
static FILE *out_stream;

FILE *cli_out(void) {
    if (!out_stream) {
        out_stream = open_memstream(&out_buf, &out_len);
        if (!out_stream) {
            fputs("zsum: out of memory\n", stderr);
            exit(EXIT_NOMEM);
        }
    }
    return out_stream;
}

int cli_flush(void) {
    if (!out_stream) return EXIT_OK;
    int rc = EXIT_OK;
    if (fclose(out_stream) != 0) rc = cli_fail(EXIT_NOMEM, "out of memory buffering output");
    out_stream = NULL;
    if (rc == EXIT_OK && out_len && fwrite(out_buf, 1, out_len, stdout) != out_len)
        rc = cli_fail(EXIT_RUNTIME, "cannot write the output");
    if (fflush(stdout) != 0 && rc == EXIT_OK) rc = cli_fail(EXIT_RUNTIME, "cannot write the output");
    free(out_buf);
    out_buf = NULL;
    out_len = 0;
    return rc;
}

char *cli_take(size_t *len) {
    *len = 0;
    if (!out_stream) return NULL;
    int bad = fclose(out_stream) != 0;
    out_stream = NULL;
    char *buf = out_buf;
    *len = bad ? 0 : out_len;
    out_buf = NULL;
    out_len = 0;
    if (bad) free(buf);
    return bad ? NULL : buf;
}

void cli_discard(void) {
    if (out_stream) fclose(out_stream);
    out_stream = NULL;
    free(out_buf);
    out_buf = NULL;
    out_len = 0;
}

const char *cli_csv_num(char buf[32], double x) {
    if (isnan(x)) return strcpy(buf, "");
    return cli_num(buf, x);
}

const char *cli_num_or_dash(char buf[32], double x) { return isnan(x) ? "-" : cli_num(buf, x); }

const char *cli_num(char buf[32], double x) {
    if (isnan(x)) return strcpy(buf, "nan");
    if (isinf(x)) return strcpy(buf, x > 0 ? "inf" : "-inf");
    if (x == 0.0) return strcpy(buf, "0");
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    return buf;
}

/* ---- shared option vocabulary ----------------------------------------------------------- */

int cli_parse_threads(const char *text, int *out) {
    long t;
    if (!cli_parse_int("--threads", text, 1, CLI_THREADS_MAX, &t)) return 0;
    *out = (int)t;
    return 1;
}

int cli_parse_sweep(const char *text, cli_sweep *sw) {
    char buf[256];
    if (strlen(text) >= sizeof buf) return !cli_usage("--sweep: '%s' is too long", text);
    strcpy(buf, text);
    /* Split on every ':' (empty fields count, so "T::1:5" is refused as a bad LO). */
    char *parts[4];
    int n = 0;
    for (char *p = buf;; n++) {
        char *colon = strchr(p, ':');
        if (n < 4) parts[n] = p;
        if (!colon) break;
        *colon = '\0';
        p = colon + 1;
    }
    n++;
    if (n != 4) return !cli_usage("--sweep: '%s' is not T:LO:HI:POINTS or beta:LO:HI:POINTS", text);
    if (!strcmp(parts[0], "beta")) sw->by_beta = 1;
    else if (!strcmp(parts[0], "T")) sw->by_beta = 0;
    else return !cli_usage("--sweep: '%s' must start with T: or beta:", text);
    if (!cli_parse_double("--sweep LO", parts[1], &sw->lo) ||
        !cli_parse_double("--sweep HI", parts[2], &sw->hi) ||
        !cli_parse_int("--sweep POINTS", parts[3], 1, CLI_SWEEP_MAX_POINTS, &sw->points))
        return 0;
    if (sw->hi < sw->lo) return !cli_usage("--sweep: HI (%g) is below LO (%g)", sw->hi, sw->lo);
    if (!sw->by_beta && sw->lo <= 0)
        return !cli_usage("--sweep: temperatures must be positive, LO = %g", sw->lo);
    if (sw->points == 1 && sw->hi != sw->lo) return !cli_usage("--sweep: one point needs LO == HI");
    sw->active = 1;
    return 1;
}

double cli_sweep_value(const cli_sweep *sw, long i) {
    if (sw->points == 1) return sw->lo;
    return sw->lo + (sw->hi - sw->lo) * (double)i / (double)(sw->points - 1);
}
