/* fg.c — libDAI's factor-graph files (.fg), read strictly with the line of every complaint,
 * into the same factor model the UAI reader makes; and the choice between the two formats.
 *
 * Format (libDAI 0.3, doc/fileformats.txt; FactorGraph's operator>> in src/factorgraph.cpp):
 *     F                              number of factors
 *     then per factor:
 *       k                            number of variables
 *       l_1 ... l_k                  their labels (non-negative integers)
 *       d_1 ... d_k                  their numbers of values
 *       N                            number of entries listed (the others are 0)
 *       N lines: i  v                linear index i (the FIRST variable fastest:
 *                                    i = x_1 + d_1 (x_2 + d_2 (x_3 + ...))) and its value v
 * Lines starting with '#' are comments; libDAI writes a blank line between factors. Tokens are
 * separated by any white space here, line breaks carry no meaning except in messages.
 *
 * The model: libDAI's variables are its labels in ascending order, so variable i of the model
 * is the i-th smallest label (label i when the labels are 0..n-1, as libDAI's own files
 * number them). Each factor keeps its scope in the file's order and its table is transposed
 * to the UAI convention (the last variable fastest), so a .fg file and the .uai file of the
 * same scopes and tables give identical models.
 *
 * Bounds (docs/robustness.md): a sparse table declares entries it does not list, so besides
 * the per-table limit of ZS_FACTOR_MAX_TABLE the tables together may hold at most
 * FG_ENTRY_SLACK + FG_ENTRIES_PER_BYTE x (bytes of text) entries; a listed entry takes at
 * least four bytes ("0 1" and a separator), so a fully listed table is far inside that. */
#include "io/lex_internal.h"
#include "models/factor_internal.h"

#include "zsum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FG_MAX_FACTORS 100000000ULL
#define FG_ENTRY_SLACK 1048576.0  /* 2^20 entries (8 MiB) whatever the file's length       */
#define FG_ENTRIES_PER_BYTE 16.0  /* 128 bytes of tables per byte of text beyond that       */

/* A table value, with its place for messages (libDAI writes them with operator<<). */
static zs_status fg_value(lexer *lx, size_t factor, uint64_t index, double *out) {
    const char *tok;
    size_t len;
    if (!lex_next(lx, &tok, &len))
        return zs_fail(lx->ctx, ZS_EFORMAT,
                       "%s:%zu: the file ends where the value of entry %llu of factor %zu was "
                       "expected", lx->name, lx->tok_line, (unsigned long long)index, factor);
    return lex_weight(lx, tok, len, factor, index, out);
}

/* ---- the file -------------------------------------------------------------------------- */

typedef struct fg_factor {
    size_t k, line;   /* variables; the line of the variable count          */
    size_t first;     /* its labels and dims at lab[first..first+k)         */
    size_t size;      /* table entries                                      */
    double *t;        /* (size) values, the FIRST variable fastest          */
} fg_factor;

/* One use of a label: by which factor, with how many values, on which line. */
typedef struct fg_use {
    uint64_t label;
    uint32_t dom;
    size_t line;
} fg_use;

static int fg_cmp_use(const void *a, const void *b) {
    const fg_use *x = a, *y = b;
    if (x->label != y->label) return x->label < y->label ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

typedef struct fg_state {
    fg_factor *f;
    size_t nf;
    fg_use *use;      /* (sum of k) labels in file order, then sorted          */
    uint64_t *lab;    /* (sum of k) labels in file order                       */
    uint32_t *dim;    /* (sum of k) numbers of values in file order            */
    size_t nuse, cap;
} fg_state;

static void fg_state_free(fg_state *s) {
    for (size_t i = 0; s->f && i < s->nf; i++) free(s->f[i].t);
    free(s->f);
    free(s->use);
    free(s->lab);
    free(s->dim);
}

static zs_status fg_grow(fg_state *s, lexer *lx, size_t more) {
    /* allocated even for more = 0: a factor's labels are s->lab + s->nuse, and NULL + 0 is
     * undefined */
    if (s->use && s->lab && s->dim && s->nuse + more <= s->cap) return ZS_OK;
    size_t cap = s->cap ? 2 * s->cap : 256;
    while (cap < s->nuse + more) cap *= 2;
    fg_use *u = zs_realloc(s->use, cap * sizeof *u);
    if (u) s->use = u;
    uint64_t *l = zs_realloc(s->lab, cap * sizeof *l);
    if (l) s->lab = l;
    uint32_t *d = zs_realloc(s->dim, cap * sizeof *d);
    if (d) s->dim = d;
    if (!u || !l || !d) return zs_fail(lx->ctx, ZS_ENOMEM, "%s: out of memory", lx->name);
    s->cap = cap;
    return ZS_OK;
}

/* One factor's header and entries into s->f[fi]. budget: table entries the file may still
 * declare. */
static zs_status fg_read_factor(lexer *lx, fg_state *s, size_t fi, double *budget) {
    fg_factor *fa = &s->f[fi];
    char what[96];
    uint64_t k;
    snprintf(what, sizeof what, "the number of variables of factor %zu", fi);
    zs_status st = lex_uint(lx, what, 0, ZS_FACTOR_MAX_ARITY, &k);
    if (st == ZS_OK) st = lex_check_room(lx, what, k, 2);
    if (st == ZS_OK) st = fg_grow(s, lx, (size_t)k);
    if (st != ZS_OK) return st;
    fa->k = (size_t)k;
    fa->line = lx->tok_line;
    fa->first = s->nuse;
    uint64_t *lab = s->lab + s->nuse;
    uint32_t *dim = s->dim + s->nuse;
    for (size_t j = 0; j < fa->k; j++) {
        snprintf(what, sizeof what, "label %zu of factor %zu", j + 1, fi);
        st = lex_uint(lx, what, 0, (uint64_t)INT64_MAX, &lab[j]);
        if (st != ZS_OK) return st;
        for (size_t l = 0; l < j; l++)
            if (lab[l] == lab[j])
                return zs_fail(lx->ctx, ZS_EFORMAT,
                               "%s:%zu: label %llu appears twice in factor %zu", lx->name,
                               lx->tok_line, (unsigned long long)lab[j], fi);
    }
    double size = 1.0;
    for (size_t j = 0; j < fa->k; j++) {
        uint64_t d;
        snprintf(what, sizeof what, "the number of values of label %llu in factor %zu",
                 (unsigned long long)lab[j], fi);
        st = lex_uint(lx, what, 1, ZS_FACTOR_MAX_DOMAIN, &d);
        if (st != ZS_OK) return st;
        dim[j] = (uint32_t)d;
        s->use[s->nuse + j] = (fg_use){lab[j], dim[j], lx->tok_line};
        size *= (double)d;
    }
    s->nuse += fa->k;
    if (size > ZS_FACTOR_MAX_TABLE)
        return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: factor %zu: a table of %.4g entries exceeds %.4g",
                       lx->name, lx->tok_line, fi, size, ZS_FACTOR_MAX_TABLE);
    if (size > *budget)
        return zs_fail(lx->ctx, ZS_EFORMAT,
                       "%s:%zu: factor %zu: a table of %.4g entries passes the entries a file "
                       "of this length may declare in all (%.4g more; 2^20 + 16 per byte of "
                       "text: unlisted entries are zeros, but each is held in memory)",
                       lx->name, lx->tok_line, fi, size, *budget);
    *budget -= size;
    fa->size = (size_t)size;
    uint64_t nz;
    snprintf(what, sizeof what, "the number of entries of factor %zu", fi);
    st = lex_uint(lx, what, 0, (uint64_t)fa->size, &nz);
    if (st == ZS_OK) st = lex_check_room(lx, what, nz, 2);
    if (st != ZS_OK) return st;
    size_t nzline = lx->tok_line;
    fa->t = zs_malloc(fa->size * sizeof *fa->t);
    if (!fa->t) {
        char nb[32];
        return zs_fail(lx->ctx, ZS_ENOMEM, "%s: factor %zu: out of memory for its table (%s)",
                       lx->name, fi, zs_format_bytes(nb, (double)fa->size * sizeof *fa->t));
    }
    /* -1 marks an entry not yet listed (values are >= 0), to refuse one listed twice. */
    for (size_t e = 0; e < fa->size; e++) fa->t[e] = -1.0;
    for (uint64_t e = 0; e < nz; e++) {
        uint64_t i;
        snprintf(what, sizeof what, "the index of entry %llu of factor %zu (line %zu: %llu entries)",
                 (unsigned long long)e + 1, fi, nzline, (unsigned long long)nz);
        st = lex_uint(lx, what, 0, (uint64_t)fa->size - 1, &i);
        if (st != ZS_OK) return st;
        if (fa->t[i] >= 0.0)
            return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: factor %zu: index %llu is listed twice",
                           lx->name, lx->tok_line, fi, (unsigned long long)i);
        st = fg_value(lx, fi, i, &fa->t[i]);
        if (st != ZS_OK) return st;
    }
    for (size_t e = 0; e < fa->size; e++)
        if (fa->t[e] < 0.0) fa->t[e] = 0.0;
    return ZS_OK;
}

/* The first-fastest table t over dims[0..k) as the UAI layout (last fastest) into u. */
static void fg_transpose(const double *t, const uint32_t *dims, size_t k, size_t size, double *u) {
    size_t digit[ZS_FACTOR_MAX_ARITY] = {0}, stride[ZS_FACTOR_MAX_ARITY] = {0};
    size_t s = 1;
    for (size_t j = k; j-- > 0;) {
        stride[j] = s;
        s *= dims[j];
    }
    size_t off = 0; /* UAI index of the current first-fastest entry */
    for (size_t i = 0; i < size; i++) {
        u[off] = t[i];
        for (size_t j = 0; j < k; j++) {
            off += stride[j];
            if (++digit[j] < dims[j]) break;
            off -= stride[j] * dims[j];
            digit[j] = 0;
        }
    }
}

zs_status zs_factor_parse_fg(zs_ctx *ctx, const char *text, size_t len, const char *name,
                             zs_factor_model **out) {
    if (!out || (!text && len)) return zs_fail(ctx, ZS_EINVAL, "fg: NULL argument");
    lexer lx = {text, text + len, 1, 1, name ? name : "(fg)", ctx, '#'};
    fg_state s = {0};
    uint64_t nf;
    zs_status st = lex_text(ctx, lx.name, text, len);
    if (st == ZS_OK) st = lex_uint(&lx, "the number of factors", 0, FG_MAX_FACTORS, &nf);
    /* Each factor holds at least two numbers: its variable count and its entry count. */
    if (st == ZS_OK) st = lex_check_room(&lx, "the number of factors", nf, 2);
    if (st != ZS_OK) return st;
    s.f = zs_calloc(nf ? nf : 1, sizeof *s.f);
    if (!s.f) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", lx.name);
    s.nf = (size_t)nf;
    double budget = FG_ENTRY_SLACK + FG_ENTRIES_PER_BYTE * (double)len;
    for (size_t f = 0; f < s.nf && st == ZS_OK; f++) st = fg_read_factor(&lx, &s, f, &budget);
    const char *tok;
    size_t tl;
    char sb[40];
    if (st == ZS_OK && lex_next(&lx, &tok, &tl))
        st = zs_fail(ctx, ZS_EFORMAT, "%s:%zu: '%s' follows the last factor (%llu declared)",
                     lx.name, lx.tok_line, lex_shown(sb, tok, tl), (unsigned long long)nf);
    /* The variables: distinct labels, ascending; each with one number of values throughout. */
    size_t nv = 0;
    uint32_t *dom = NULL;
    if (st == ZS_OK) {
        if (s.nuse) qsort(s.use, s.nuse, sizeof *s.use, fg_cmp_use); /* s.use may be NULL */
        dom = zs_malloc((s.nuse ? s.nuse : 1) * sizeof *dom);
        if (!dom) st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", lx.name);
        for (size_t i = 0; st == ZS_OK && i < s.nuse; i++) {
            if (i > 0 && s.use[i].label == s.use[i - 1].label) {
                if (s.use[i].dom != dom[nv - 1])
                    st = zs_fail(ctx, ZS_EFORMAT,
                                 "%s:%zu: label %llu has %u values here and %u on line %zu",
                                 lx.name, s.use[i].line, (unsigned long long)s.use[i].label,
                                 s.use[i].dom, dom[nv - 1], s.use[i - 1].line);
                continue;
            }
            /* s.use[j] for j < nv is no longer read: keep the distinct labels there. */
            s.use[nv].label = s.use[i].label;
            dom[nv++] = s.use[i].dom;
        }
    }
    zs_factor_model *m = NULL;
    if (st == ZS_OK) st = zs_factor_model_alloc(ctx, nv, dom, &m);
    double *u = NULL;
    size_t ucap = 0;
    for (size_t f = 0; st == ZS_OK && f < s.nf; f++) {
        fg_factor *fa = &s.f[f];
        uint32_t scope[ZS_FACTOR_MAX_ARITY];
        for (size_t j = 0; j < fa->k; j++) {
            /* the label's rank among the distinct labels */
            uint64_t want = s.lab[fa->first + j];
            size_t lo = 0, hi = nv;
            while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (s.use[mid].label <= want) lo = mid;
                else hi = mid;
            }
            scope[j] = (uint32_t)lo;
        }
        if (fa->size > ucap) {
            free(u);
            u = zs_malloc(fa->size * sizeof *u);
            ucap = u ? fa->size : 0;
            if (!u) {
                st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", lx.name);
                break;
            }
        }
        fg_transpose(fa->t, s.dim + fa->first, fa->k, fa->size, u);
        st = zs_factor_model_add(m, fa->k, scope, u, 0);
        free(fa->t);
        fa->t = NULL;
    }
    free(u);
    free(dom);
    fg_state_free(&s);
    if (st != ZS_OK) {
        zs_factor_model_free(m);
        return st;
    }
    *out = m;
    return ZS_OK;
}

/* ---- reading a file: .fg, or either format ---------------------------------------------- */

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* libDAI when the name says .fg, UAI when it says .uai; otherwise the content decides: a
 * .fg file starts (after '#' comments) with a digit, a UAI file with MARKOV or BAYES. */
static int looks_like_fg(const char *path, const char *text, size_t len) {
    if (ends_with(path, ".fg") || ends_with(path, ".fg.gz")) return 1;
    if (ends_with(path, ".uai") || ends_with(path, ".uai.gz")) return 0;
    lexer lx = {text, text + len, 1, 1, "", NULL, '#'};
    const char *tok;
    size_t tl;
    return lex_next(&lx, &tok, &tl) && tok[0] >= '0' && tok[0] <= '9';
}

/* Read path whole (gzip unpacked, "-" standard input, bounded) and parse it as libDAI's
 * format when fg is 1, UAI's when 0, and the one it looks like when -1. */
static zs_status read_model(zs_ctx *ctx, const char *path, int fg, zs_factor_model **out) {
    char *text;
    size_t len;
    const char *name;
    zs_status st = lex_read_file(ctx, path, &text, &len, &name);
    if (st != ZS_OK) return st;
    if (fg < 0) fg = looks_like_fg(path, text, len);
    if (fg)
        st = zs_factor_parse_fg(ctx, text, len, name, out);
    else
        st = zs_factor_parse_uai(ctx, text, len, name, out);
    free(text);
    return st;
}

zs_status zs_factor_read_fg(zs_ctx *ctx, const char *path, zs_factor_model **out) {
    if (!path || !out) return zs_fail(ctx, ZS_EINVAL, "fg: NULL argument");
    return read_model(ctx, path, 1, out);
}

zs_status zs_factor_read_model(zs_ctx *ctx, const char *path, zs_factor_model **out) {
    if (!path || !out) return zs_fail(ctx, ZS_EINVAL, "model: NULL argument");
    return read_model(ctx, path, -1, out);
}
