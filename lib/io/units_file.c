/* units_file.c — files of work-unit records (include/zsum/units.h): the partial results of a
 * slice of units (--partial), and checkpoints that grow one record at a time.
 *
 * Text, so a person can read which units a file holds:
 *     zsum-units 1
 *     problem 0123456789abcdef
 *     units 4096
 *     text <the caller's line>
 *     u <unit> <problem> <n> <value> ... <value> <check>
 * A computation with several records per unit (its parts) writes format 2: the line
 * "parts <P>" after "units", and "u <unit>.<part> ..." in each record line. A caller's
 * session of several computations writes format 3: the header is only the first line and
 * "text"; each computation is declared by a line
 *     c <index> <problem> <units> <parts> <check>
 * (indexes 0, 1, ... in order; a checkpoint appends one as its computation begins), and each
 * record line names its computation: "u <comp>:<unit>.<part> ...".
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
#define MAGIC2 "zsum-units 2\n"
#define MAGIC3 "zsum-units 3\n"
/* Longest record line: "u" + 3 numbers + 72 values of at most 24 characters + the check. */
#define LINE_MAX_BYTES (64 + 25 * ZS_UNIT_MAX_VALUES + 20)

void zs_units_header_clear(zs_units_header *h) {
    if (!h) return;
    free(h->text);
    h->text = NULL;
    free(h->comps);
    h->comps = NULL;
    h->ncomps = 0;
}

/* A line's check: FNV-1a of its first k bytes, appended as " %016x\n". */
static size_t add_check(char *line, size_t k, size_t cap) {
    uint64_t check = units_hash_bytes(units_hash_begin("line"), line, k);
    if (k < cap) k += (size_t)snprintf(line + k, cap - k, " %016" PRIx64 "\n", check);
    return k;
}

/* A record line of format fmt (1, 2 or 3: see above). */
static size_t format_record(const zs_unit_record *r, int fmt, char *line, size_t cap) {
    size_t k = fmt == 3   ? (size_t)snprintf(line, cap, "u %" PRIu32 ":%" PRIu64 ".%" PRIu32 " %016" PRIx64 " %" PRIu32,
                                             r->comp, r->unit, r->part, r->problem, r->nvalues)
               : fmt == 2 ? (size_t)snprintf(line, cap, "u %" PRIu64 ".%" PRIu32 " %016" PRIx64 " %" PRIu32,
                                             r->unit, r->part, r->problem, r->nvalues)
                          : (size_t)snprintf(line, cap, "u %" PRIu64 " %016" PRIx64 " %" PRIu32, r->unit,
                                             r->problem, r->nvalues);
    for (uint32_t i = 0; i < r->nvalues && k < cap; i++)
        k += (size_t)snprintf(line + k, cap - k, " %a", r->values[i]);
    return add_check(line, k, cap);
}

/* A computation's declaration line (format 3). */
static size_t format_comp(size_t index, const zs_units_comp *c, char *line, size_t cap) {
    size_t k = (size_t)snprintf(line, cap, "c %zu %016" PRIx64 " %" PRIu64 " %" PRIu32, index, c->problem,
                                c->units, c->parts ? c->parts : 1);
    return add_check(line, k, cap);
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
    int fmt = h->ncomps || h->format == 3 ? 3 : h->parts > 1 ? 2 : 1;
    char line[LINE_MAX_BYTES];
    if (fmt == 3) {
        fprintf(w.f, MAGIC3 "text %s\n", text);
        for (size_t c = 0; c < h->ncomps; c++) {
            size_t k = format_comp(c, &h->comps[c], line, sizeof line);
            fwrite(line, 1, k, w.f);
        }
    } else if (fmt == 2)
        fprintf(w.f, MAGIC2 "problem %016" PRIx64 "\nunits %" PRIu64 "\nparts %" PRIu32 "\ntext %s\n",
                h->problem, h->units, h->parts, text);
    else
        fprintf(w.f, MAGIC "problem %016" PRIx64 "\nunits %" PRIu64 "\ntext %s\n", h->problem,
                h->units, text);
    for (size_t i = 0; i < n; i++) {
        size_t k = format_record(&recs[i], fmt, line, sizeof line);
        fwrite(line, 1, k, w.f);
    }
    return io_atomic_commit(ctx, &w);
}

/* The format of the record file open as fd (its first line); 0 when it is none. */
static int file_format(int fd) {
    char head[sizeof MAGIC - 1];
    if (pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head) return 0;
    if (!memcmp(head, MAGIC, sizeof head)) return 1;
    if (!memcmp(head, MAGIC2, sizeof head)) return 2;
    if (!memcmp(head, MAGIC3, sizeof head)) return 3;
    return 0;
}

/* One write(2) at the end of path of the lines make writes in the file's format (want3: the
 * file must be of format 3). */
static zs_status append_bytes(zs_ctx *ctx, const char *path, char *(*make)(const void *, int, size_t *),
                              const void *arg, int want3) {
    int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0) return zs_fail(ctx, ZS_EIO, "%s: cannot append: %s", path, strerror(errno));
    int fmt = file_format(fd);
    if (!fmt || (want3 && fmt != 3)) {
        close(fd);
        return zs_fail(ctx, ZS_EIO, "%s: cannot append: not a file of zsum unit records%s", path,
                       want3 ? " of format 3" : "");
    }
    size_t k = 0;
    char *buf = make(arg, fmt, &k);
    if (!buf) {
        close(fd);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory for a record", path);
    }
    ssize_t wr = write(fd, buf, k);
    int err = errno;
    close(fd);
    free(buf);
    if (wr != (ssize_t)k)
        return zs_fail(ctx, ZS_EIO, "%s: cannot append: %s", path, wr < 0 ? strerror(err) : "short write");
    return ZS_OK;
}

typedef struct rec_lines {
    const zs_unit_record *rec;
    size_t n;
} rec_lines;

static char *make_records(const void *arg, int fmt, size_t *k) {
    const rec_lines *a = arg;
    char *buf = zs_malloc(a->n * LINE_MAX_BYTES);
    if (!buf) return NULL;
    for (size_t i = 0; i < a->n; i++) *k += format_record(&a->rec[i], fmt, buf + *k, LINE_MAX_BYTES);
    return buf;
}

zs_status zs_units_append(zs_ctx *ctx, const char *path, const zs_unit_record *rec, size_t n) {
    if (!path || !rec || !n) return zs_fail(ctx, ZS_EINVAL, "unit records: no file or record");
    rec_lines a = {rec, n};
    return append_bytes(ctx, path, make_records, &a, 0);
}

typedef struct comp_line {
    size_t index;
    const zs_units_comp *c;
} comp_line;

static char *make_comp(const void *arg, int fmt, size_t *k) {
    const comp_line *a = arg;
    (void)fmt;
    char *buf = zs_malloc(LINE_MAX_BYTES);
    if (buf) *k = format_comp(a->index, a->c, buf, LINE_MAX_BYTES);
    return buf;
}

zs_status zs_units_append_comp(zs_ctx *ctx, const char *path, size_t index, const zs_units_comp *c) {
    if (!path || !c) return zs_fail(ctx, ZS_EINVAL, "unit records: no file or computation");
    comp_line a = {index, c};
    return append_bytes(ctx, path, make_comp, &a, 1);
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

/* A line's check (its last 17 bytes, " %016x"): 1 when intact; the line is then cut there. */
static int line_intact(char *line, size_t len) {
    char *sp = len > 17 ? line + len - 17 : NULL;
    if (!sp || *sp != ' ') return 0;
    uint64_t check = units_hash_bytes(units_hash_begin("line"), line, (size_t)(sp - line));
    char *end;
    errno = 0;
    uint64_t want = strtoull(sp + 1, &end, 16);
    if (errno || end != line + len || want != check) return 0;
    *sp = '\0';
    return 1;
}

/* An unsigned decimal at *s followed by the character after (0: the end); *s moves past it. */
static int take_u64(char **s, char after, uint64_t *v) {
    char *end;
    errno = 0;
    if (**s < '0' || **s > '9') return 0;
    *v = strtoull(*s, &end, 10);
    if (errno || *end != after) return 0;
    *s = after ? end + 1 : end;
    return 1;
}

/* One record line (without its newline) of format fmt into r; 0 when it is not a whole,
 * intact record. */
static int parse_record(char *line, size_t len, int fmt, zs_unit_record *r) {
    if (!line_intact(line, len)) return 0;
    memset(r, 0, sizeof *r);
    char *s = line, *end;
    uint64_t comp = 0, part = 0, nv = 0;
    if (strncmp(s, "u ", 2)) return 0;
    s += 2;
    if (fmt == 3 && (!take_u64(&s, ':', &comp) || comp > UINT32_MAX)) return 0;
    if (!take_u64(&s, fmt >= 2 ? '.' : ' ', &r->unit)) return 0;
    if (fmt >= 2 && (!take_u64(&s, ' ', &part) || part > UINT32_MAX)) return 0;
    r->comp = (uint32_t)comp;
    r->part = (uint32_t)part;
    r->problem = strtoull(s, &end, 16);
    if (end == s || *end != ' ') return 0;
    s = end + 1;
    nv = strtoull(s, &end, 10);
    if (end == s || *s < '0' || *s > '9' || nv > ZS_UNIT_MAX_VALUES) return 0;
    r->nvalues = (uint32_t)nv;
    for (uint64_t i = 0; i < nv; i++) {
        if (*end != ' ') return 0;
        s = end + 1;
        r->values[i] = strtod(s, &end);
        if (end == s) return 0;
    }
    return *end == '\0';
}

/* A computation's declaration line (format 3) into *index and c; 0 when it is not intact. */
static int parse_comp(char *line, size_t len, uint64_t *index, zs_units_comp *c) {
    if (!line_intact(line, len) || strncmp(line, "c ", 2)) return 0;
    char *s = line + 2, *end;
    uint64_t parts = 0;
    if (!take_u64(&s, ' ', index)) return 0;
    c->problem = strtoull(s, &end, 16);
    if (end == s || *end != ' ') return 0;
    s = end + 1;
    if (!take_u64(&s, ' ', &c->units) || !take_u64(&s, 0, &parts)) return 0;
    if (parts == 0 || parts > UINT32_MAX) return 0;
    c->parts = (uint32_t)parts;
    return 1;
}

/* The header: format 1's four lines, format 2's five (with "parts") or format 3's two, in
 * order; *pp moves past it, *fmt is the format. */
static zs_status parse_header(zs_ctx *ctx, const char *path, char **pp, char *endbuf,
                              size_t *lineno, zs_units_header *h, int *fmt) {
    char *p = *pp;
    size_t avail = (size_t)(endbuf - p);
    *fmt = avail >= strlen(MAGIC2) && !memcmp(p, MAGIC2, strlen(MAGIC2))   ? 2
           : avail >= strlen(MAGIC3) && !memcmp(p, MAGIC3, strlen(MAGIC3)) ? 3
                                                                            : 1;
    static const char *keys1[] = {"zsum-units 1", "problem ", "units ", "text "};
    static const char *keys2[] = {"zsum-units 2", "problem ", "units ", "parts ", "text "};
    static const char *keys3[] = {"zsum-units 3", "text "};
    const char **keys = *fmt == 3 ? keys3 : *fmt == 2 ? keys2 : keys1;
    int nk = *fmt == 3 ? 2 : *fmt == 2 ? 5 : 4;
    for (int i = 0; i < nk; i++) {
        char *nl = memchr(p, '\n', (size_t)(endbuf - p));
        ++*lineno;
        size_t kl = strlen(keys[i]);
        if (!nl || (size_t)(nl - p) < kl || memcmp(p, keys[i], kl) || (i == 0 && nl - p != (ptrdiff_t)kl))
            return zs_fail(ctx, ZS_EFORMAT, "%s: line %zu: not a file of zsum unit records (want '%s...')",
                           path, *lineno, keys[i]);
        *nl = '\0';
        char *v = p + kl, *e;
        if (i == nk - 1) {
            h->text = zs_strdup(v);
            if (!h->text) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
        } else if (i > 0) {
            errno = 0;
            uint64_t x = strtoull(v, &e, i == 1 ? 16 : 10);
            if (errno || e == v || *e || (i == 3 && (x == 0 || x > UINT32_MAX)))
                return zs_fail(ctx, ZS_EFORMAT, "%s: line %zu: '%s' is not a number", path, *lineno, v);
            if (i == 1) h->problem = x;
            else if (i == 2) h->units = x;
            else h->parts = (uint32_t)x;
        }
        p = nl + 1;
    }
    *pp = p;
    return ZS_OK;
}

/* Room for one more element of size sz in *a (*cap of them, *n used). */
static int grow(void **a, size_t *cap, size_t n, size_t sz) {
    if (n < *cap) return 1;
    size_t nc = *cap ? 2 * *cap : 16;
    void *g = zs_realloc(*a, nc * sz);
    if (!g) return 0;
    *a = g;
    *cap = nc;
    return 1;
}

/* The parse of one file: its header, its computations and its records so far. */
typedef struct loader {
    zs_ctx *ctx;
    const char *path;
    zs_units_header *h;
    int fmt;
    size_t lineno, capc, capr, n;
    zs_unit_record *out;
} loader;

/* A computation's declaration (format 3), the next index. */
static zs_status take_comp(loader *L, char *line, size_t len) {
    uint64_t index = 0;
    zs_units_comp c;
    if (!parse_comp(line, len, &index, &c))
        return zs_fail(L->ctx, ZS_EFORMAT, "%s: line %zu is not an intact computation line", L->path, L->lineno);
    if (index != L->h->ncomps)
        return zs_fail(L->ctx, ZS_EFORMAT, "%s: line %zu declares computation %" PRIu64 " after %zu of them "
                       "(want %zu)", L->path, L->lineno, index, L->h->ncomps, L->h->ncomps);
    if (!grow((void **)&L->h->comps, &L->capc, L->h->ncomps, sizeof c))
        return zs_fail(L->ctx, ZS_ENOMEM, "%s: out of memory", L->path);
    L->h->comps[L->h->ncomps++] = c;
    return ZS_OK;
}

/* A record line, checked against its computation. */
static zs_status take_record(loader *L, char *line, size_t len) {
    if (!grow((void **)&L->out, &L->capr, L->n, sizeof *L->out))
        return zs_fail(L->ctx, ZS_ENOMEM, "%s: out of memory for %zu records", L->path, 2 * L->n);
    zs_unit_record *r = &L->out[L->n];
    if (!parse_record(line, len, L->fmt, r))
        return zs_fail(L->ctx, ZS_EFORMAT, "%s: line %zu is not an intact unit record", L->path, L->lineno);
    if (r->comp >= L->h->ncomps)
        return zs_fail(L->ctx, ZS_EFORMAT, "%s: line %zu: unit %" PRIu64 " of computation %" PRIu32
                       " comes before that computation is declared", L->path, L->lineno, r->unit, r->comp);
    const zs_units_comp *c = &L->h->comps[r->comp];
    if (r->problem != c->problem)
        return zs_fail(L->ctx, ZS_EFORMAT,
                       "%s: line %zu: unit %" PRIu64 " belongs to another problem (%016" PRIx64
                       "; the file's is %016" PRIx64 ")",
                       L->path, L->lineno, r->unit, r->problem, c->problem);
    if (r->unit >= c->units)
        return zs_fail(L->ctx, ZS_EFORMAT, "%s: line %zu: unit %" PRIu64 " is past the problem's %" PRIu64 " units",
                       L->path, L->lineno, r->unit, c->units);
    if (r->part >= c->parts)
        return zs_fail(L->ctx, ZS_EFORMAT, "%s: line %zu: unit %" PRIu64 " part %" PRIu32
                       " is past the problem's %" PRIu32 " parts a unit",
                       L->path, L->lineno, r->unit, r->part, c->parts);
    L->n++;
    return ZS_OK;
}

zs_status zs_units_load(zs_ctx *ctx, const char *path, zs_units_header *h, zs_unit_record **recs,
                        size_t *n, int *torn) {
    if (!path || !h || !recs || !n) return zs_fail(ctx, ZS_EINVAL, "unit records: no file");
    memset(h, 0, sizeof *h);
    h->parts = 1;
    *recs = NULL;
    *n = 0;
    if (torn) *torn = 0;
    char *buf = NULL;
    size_t len = 0;
    zs_status st = zs_read_input(ctx, path, 0, ZS_READ_TEXT, &buf, &len);
    if (st != ZS_OK) return st;
    char *p = buf, *endbuf = buf + len;
    loader L = {ctx, path, h, 0, 0, 0, 0, 0, NULL};
    st = parse_header(ctx, path, &p, endbuf, &L.lineno, h, &L.fmt);
    if (st == ZS_OK && L.fmt != 3) { /* one computation, the header's */
        zs_units_comp c = {h->problem, h->units, h->parts};
        if (!grow((void **)&h->comps, &L.capc, 0, sizeof c)) st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
        else h->comps[h->ncomps++] = c;
    }
    while (st == ZS_OK && p < endbuf) {
        char *nl = memchr(p, '\n', (size_t)(endbuf - p));
        L.lineno++;
        if (!nl) { /* a last line cut short by a killed writer */
            if (torn) *torn = 1;
            break;
        }
        st = L.fmt == 3 && *p == 'c' ? take_comp(&L, p, (size_t)(nl - p)) : take_record(&L, p, (size_t)(nl - p));
        p = nl + 1;
    }
    free(buf);
    if (st != ZS_OK) {
        zs_units_header_clear(h);
        free(L.out);
        return st;
    }
    if (L.fmt == 3 && h->ncomps) {
        h->problem = h->comps[0].problem;
        h->units = h->comps[0].units;
        h->parts = h->comps[0].parts;
    }
    h->format = L.fmt;
    *recs = L.out;
    *n = L.n;
    return ZS_OK;
}
