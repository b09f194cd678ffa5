/* cli.c — parsing, messages, exit codes and buffered output shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
    default: return EXIT_RUNTIME;
    }
}

int cli_status(zs_ctx *ctx, zs_status st) {
    const char *msg = zs_last_error(ctx);
    if (msg && *msg) return cli_fail(cli_exit_code(st), "%s", msg);
    return cli_fail(cli_exit_code(st), "%s", zs_strerror(st));
}

int cli_parse_double(const char *option, const char *text, double *out) {
    if (!text || !*text) {
        cli_usage("%s: a number is needed, got an empty value", option);
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end) {
        cli_usage("%s: '%s' is not a number", option, text);
        return 0;
    }
    if (!isfinite(v) || errno == ERANGE) {
        cli_usage("%s: '%s' is not a finite number", option, text);
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
            cli_usage("%s: '%s' is too large", option, text);
            return 0;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int cli_parse_int(const char *option, const char *text, long lo, long hi, long *out) {
    const char *digits = text && *text == '-' ? text + 1 : text;
    uint64_t v;
    if (!digits || !*digits) {
        cli_usage("%s: a whole number is needed, got '%s'", option, text ? text : "");
        return 0;
    }
    if (!cli_parse_u64(option, digits, &v)) return 0;
    if (v > (uint64_t)LONG_MAX) {
        cli_usage("%s: '%s' is out of range %ld..%ld", option, text, lo, hi);
        return 0;
    }
    long x = text[0] == '-' ? -(long)v : (long)v;
    if (x < lo || x > hi) {
        cli_usage("%s: '%s' is out of range %ld..%ld", option, text, lo, hi);
        return 0;
    }
    *out = x;
    return 1;
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
        cli_fail(EXIT_RUNTIME, "out of memory");
        return 0;
    }
    size_t count = 0;
    char *item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma) *comma = '\0';
        char *end;
        errno = 0;
        double x = strtod(item, &end);
        if (!*item || end == item || *end) {
            cli_usage("%s: item %zu '%s' is not a number", option, count + 1, item);
            break;
        }
        if (!isfinite(x) || errno == ERANGE) {
            cli_usage("%s: item %zu '%s' is not a finite number", option, count + 1, item);
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
            exit(EXIT_RUNTIME);
        }
    }
    return out_stream;
}

int cli_flush(void) {
    if (!out_stream) return EXIT_OK;
    int rc = EXIT_OK;
    if (fclose(out_stream) != 0) rc = cli_fail(EXIT_RUNTIME, "out of memory buffering output");
    out_stream = NULL;
    if (rc == EXIT_OK && out_len && fwrite(out_buf, 1, out_len, stdout) != out_len)
        rc = cli_fail(EXIT_RUNTIME, "cannot write the output");
    if (fflush(stdout) != 0 && rc == EXIT_OK) rc = cli_fail(EXIT_RUNTIME, "cannot write the output");
    free(out_buf);
    out_buf = NULL;
    out_len = 0;
    return rc;
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

size_t cli_image_scale(const char *path, size_t asked, size_t width, size_t height) {
    if (asked) return asked;
    const char *dot = strrchr(path, '.');
    if (dot && !strcmp(dot, ".pbm")) return 1;
    size_t side = width > height ? width : height;
    if (!side || side >= CLI_IMAGE_MIN_SIDE) return 1;
    return (CLI_IMAGE_MIN_SIDE + side - 1) / side;
}
