/* units_file.c — files of work-unit records (include/zsum/units.h): the partial results of a
 * slice of units (--partial), and checkpoints that grow one record at a time.
 *
 * Text, so a person can read which units a file holds:
 *     zsum-units 1
 *     problem 0123456789abcdef
 *     units 4096
 *     text <the caller's line>
 *     u <unit> <problem> <n> <value> ... <value> <check>
 * Values are C99 hexadecimal floats (%a: every bit, inf and nan included) and <check> is the
 * FNV-1a hash (lib/core/units.c) of the line before it, so a line damaged or cut short is told
 * from a record. A checkpoint is the header written atomically (lib/io/atomic.c) and then one
 * write(2) of one whole line per finished unit, with O_APPEND: a process killed at any moment
 * leaves whole lines and at most one cut last line, which the reader drops. */
#include "io/atomic_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "zsum-units 1\n"
/* Longest record line: "u" + 3 numbers + 72 values of at most 24 characters + the check. */
#define LINE_MAX_BYTES (64 + 25 * ZS_UNIT_MAX_VALUES + 20)

void zs_units_header_clear(zs_units_header *h) {
    if (!h) return;
    free(h->text);
    h->text = NULL;
}

static size_t format_record(const zs_unit_record *r, char *line, size_t cap) {
    size_t k = (size_t)snprintf(line, cap, "u %" PRIu64 " %016" PRIx64 " %" PRIu32, r->unit,
                                r->problem, r->nvalues);
    for (uint32_t i = 0; i < r->nvalues && k < cap; i++)
        k += (size_t)snprintf(line + k, cap - k, " %a", r->values[i]);
    uint64_t check = units_hash_bytes(units_hash_begin("line"), line, k);
    if (k < cap) k += (size_t)snprintf(line + k, cap - k, " %016" PRIx64 "\n", check);
    return k;
}

zs_status zs_units_save(zs_ctx *ctx, const char *path, const zs_units_header *h,
                        const zs_unit_record *recs, size_t n) {
    if (!path || !h || (n && !recs)) return zs_fail(ctx, ZS_EINVAL, "unit records: no file or header");
    const char *text = h->text ? h->text : "";
    if (strlen(text) > ZS_UNITS_TEXT_MAX || strchr(text, '\n'))
        return zs_fail(ctx, ZS_EINVAL, "unit records: the header's text has a newline or is too long");
    io_atomic w;
    zs_status st = io_atomic_open(ctx, path, &w);
    if (st != ZS_OK) return st;
    fprintf(w.f, MAGIC "problem %016" PRIx64 "\nunits %" PRIu64 "\ntext %s\n", h->problem,
            h->units, text);
    char line[LINE_MAX_BYTES];
    for (size_t i = 0; i < n; i++) {
        size_t k = format_record(&recs[i], line, sizeof line);
        fwrite(line, 1, k, w.f);
    }
    return io_atomic_commit(ctx, &w);
}

zs_status zs_units_append(zs_ctx *ctx, const char *path, const zs_unit_record *rec) {
    if (!path || !rec) return zs_fail(ctx, ZS_EINVAL, "unit records: no file or record");
    char line[LINE_MAX_BYTES];
    size_t k = format_record(rec, line, sizeof line);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return zs_fail(ctx, ZS_EIO, "%s: cannot append: %s", path, strerror(errno));
    ssize_t wr = write(fd, line, k);
    int err = errno;
    close(fd);
    if (wr != (ssize_t)k)
        return zs_fail(ctx, ZS_EIO, "%s: cannot append: %s", path, wr < 0 ? strerror(err) : "short write");
    return ZS_OK;
}

zs_status zs_units_sync(zs_ctx *ctx, const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return zs_fail(ctx, ZS_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc != 0) return zs_fail(ctx, ZS_EIO, "%s: cannot sync: %s", path, strerror(err));
    return ZS_OK;
}

/* One record line (without its newline) into r; 0 when it is not a whole, intact record. */
static int parse_record(char *line, size_t len, zs_unit_record *r) {
    char *sp = len > 17 ? line + len - 17 : NULL;
    if (!sp || *sp != ' ') return 0;
    uint64_t check = units_hash_bytes(units_hash_begin("line"), line, (size_t)(sp - line));
    char *end;
    errno = 0;
    uint64_t want = strtoull(sp + 1, &end, 16);
    if (errno || end != line + len || want != check) return 0;
    *sp = '\0';
    memset(r, 0, sizeof *r);
    char *s = line;
    if (strncmp(s, "u ", 2)) return 0;
    r->unit = strtoull(s + 2, &end, 10);
    if (end == s + 2 || *end != ' ') return 0;
    s = end + 1;
    r->problem = strtoull(s, &end, 16);
    if (end == s || *end != ' ') return 0;
    s = end + 1;
    unsigned long nv = strtoul(s, &end, 10);
    if (end == s || nv > ZS_UNIT_MAX_VALUES) return 0;
    r->nvalues = (uint32_t)nv;
    for (unsigned long i = 0; i < nv; i++) {
        if (*end != ' ') return 0;
        s = end + 1;
        r->values[i] = strtod(s, &end);
        if (end == s) return 0;
    }
    return *end == '\0';
}

zs_status zs_units_load(zs_ctx *ctx, const char *path, zs_units_header *h, zs_unit_record **recs,
                        size_t *n, int *torn) {
    if (!path || !h || !recs || !n) return zs_fail(ctx, ZS_EINVAL, "unit records: no file");
    memset(h, 0, sizeof *h);
    *recs = NULL;
    *n = 0;
    if (torn) *torn = 0;
    char *buf = NULL;
    size_t len = 0;
    zs_status st = zs_read_input(ctx, path, 0, ZS_READ_TEXT, &buf, &len);
    if (st != ZS_OK) return st;
    char *p = buf, *endbuf = buf + len;
    uint64_t problem = 0, units = 0;
    char *text = NULL;
    size_t lineno = 0, cap = 0;
    zs_unit_record *out = NULL;
    /* The header: four lines, in order. */
    static const char *keys[] = {"zsum-units 1", "problem ", "units ", "text "};
    for (int i = 0; i < 4; i++) {
        char *nl = memchr(p, '\n', (size_t)(endbuf - p));
        lineno++;
        size_t kl = strlen(keys[i]);
        if (!nl || (size_t)(nl - p) < kl || memcmp(p, keys[i], kl) || (i == 0 && nl - p != (ptrdiff_t)kl)) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: line %zu: not a file of zsum unit records (want '%s...')",
                         path, lineno, keys[i]);
            goto fail;
        }
        *nl = '\0';
        char *v = p + kl, *e;
        if (i == 1 || i == 2) {
            errno = 0;
            uint64_t x = strtoull(v, &e, i == 1 ? 16 : 10);
            if (errno || e == v || *e) {
                st = zs_fail(ctx, ZS_EFORMAT, "%s: line %zu: '%s' is not a number", path, lineno, v);
                goto fail;
            }
            if (i == 1) problem = x;
            else units = x;
        } else if (i == 3) {
            text = zs_strdup(v);
            if (!text) {
                st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
                goto fail;
            }
        }
        p = nl + 1;
    }
    while (p < endbuf) {
        char *nl = memchr(p, '\n', (size_t)(endbuf - p));
        lineno++;
        if (!nl) { /* a last line cut short by a killed writer */
            if (torn) *torn = 1;
            break;
        }
        if (*n == cap) {
            size_t nc = cap ? 2 * cap : 256;
            zs_unit_record *g = zs_realloc(out, nc * sizeof *g);
            if (!g) {
                st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory for %zu records", path, nc);
                goto fail;
            }
            out = g;
            cap = nc;
        }
        zs_unit_record *r = &out[*n];
        if (!parse_record(p, (size_t)(nl - p), r)) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: line %zu is not an intact unit record", path, lineno);
            goto fail;
        }
        if (r->problem != problem) {
            st = zs_fail(ctx, ZS_EFORMAT,
                         "%s: line %zu: unit %" PRIu64 " belongs to another problem (%016" PRIx64
                         "; the file's is %016" PRIx64 ")",
                         path, lineno, r->unit, r->problem, problem);
            goto fail;
        }
        if (r->unit >= units) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: line %zu: unit %" PRIu64 " is past the problem's %" PRIu64 " units",
                         path, lineno, r->unit, units);
            goto fail;
        }
        ++*n;
        p = nl + 1;
    }
    free(buf);
    h->problem = problem;
    h->units = units;
    h->text = text;
    *recs = out;
    return ZS_OK;
fail:
    free(buf);
    free(text);
    free(out);
    *n = 0;
    return st;
}
