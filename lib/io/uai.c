/* uai.c — the UAI competition file formats: models (.uai, MARKOV or BAYES) and evidence
 * (.evid), read strictly with the line of every complaint, and models written back.
 *
 * Model file (UAI 2008-2014 "Model format", http://www.hlt.utdallas.edu/~vgogate/uai14-competition/modelformat.html):
 *     MARKOV | BAYES
 *     n                       number of variables
 *     d_0 ... d_{n-1}         domain sizes
 *     F                       number of factors
 *     F lines: k v_1 ... v_k  scope of each factor
 *     F tables: N t_0 ... t_{N-1}  with N = prod d_{v_i}, the last scope variable fastest
 * Evidence file: N v_1 x_1 ... v_N x_N (2014), or 1 N v_1 x_1 ... (earlier: samples first).
 * Tokens are separated by any white space; line breaks carry no meaning except in messages. */
#include "io/atomic_internal.h"
#include "io/lex_internal.h"
#include "models/factor_internal.h"

#include "zsum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A table entry, with its place for messages. */
static zs_status read_entry(lexer *lx, size_t factor, size_t entry, size_t count, double *out) {
    const char *tok;
    size_t len;
    if (!lex_next(lx, &tok, &len))
        return zs_fail(lx->ctx, ZS_EFORMAT,
                       "%s:%zu: the file ends in the table of factor %zu (entry %zu of %zu)",
                       lx->name, lx->tok_line, factor, entry + 1, count);
    return lex_weight(lx, tok, len, factor, entry, out);
}

/* ---- model ------------------------------------------------------------------------------ */

#define UAI_MAX_VARS 100000000ULL
#define UAI_MAX_FACTORS 100000000ULL

/* The factors' scopes, packed (all of them come before the first table): factor f's
 * variables are v[first[f] .. first[f] + arity[f]), its scope size read on line line[f]. */
typedef struct uai_scopes {
    size_t *arity, *line, *first;
    uint32_t *v;
    size_t n, cap;
} uai_scopes;

static void scopes_free(uai_scopes *s) {
    free(s->arity);
    free(s->line);
    free(s->first);
    free(s->v);
}

/* Room for k more variables in s->v. */
static zs_status scopes_grow(lexer *lx, uai_scopes *s, size_t k) {
    /* allocated even for k = 0: a scope pointer is s->v + s->n, and NULL + 0 is undefined */
    if (s->v && s->n + k <= s->cap) return ZS_OK;
    size_t cap = s->cap ? 2 * s->cap : 256;
    while (cap < s->n + k) cap *= 2;
    uint32_t *g = zs_realloc(s->v, cap * sizeof *g);
    if (!g) return zs_fail(lx->ctx, ZS_ENOMEM, "%s: out of memory", lx->name);
    s->v = g;
    s->cap = cap;
    return ZS_OK;
}

/* Factor f's scope line: its size k, then k distinct variables below nvars. */
static zs_status read_scope(lexer *lx, uint64_t f, uint64_t nvars, uai_scopes *s) {
    char what[80];
    uint64_t k;
    snprintf(what, sizeof what, "the scope size of factor %llu", (unsigned long long)f);
    zs_status st = lex_uint(lx, what, 0, ZS_FACTOR_MAX_ARITY, &k);
    if (st == ZS_OK) st = lex_check_room(lx, what, k, 1);
    if (st == ZS_OK) st = scopes_grow(lx, s, (size_t)k);
    if (st != ZS_OK) return st;
    s->arity[f] = (size_t)k;
    s->line[f] = lx->tok_line;
    s->first[f] = s->n;
    uint32_t *sc = s->v + s->n;
    for (uint64_t j = 0; j < k; j++) {
        uint64_t v;
        snprintf(what, sizeof what, "variable %llu of the scope of factor %llu",
                 (unsigned long long)j + 1, (unsigned long long)f);
        if (nvars == 0)
            return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: %s: the model has no variables",
                           lx->name, lx->tok_line, what);
        st = lex_uint(lx, what, 0, nvars - 1, &v);
        if (st != ZS_OK) return st;
        for (uint64_t l = 0; l < j; l++)
            if (sc[l] == v)
                return zs_fail(lx->ctx, ZS_EFORMAT,
                               "%s:%zu: variable %llu appears twice in the scope of factor %llu",
                               lx->name, lx->tok_line, (unsigned long long)v,
                               (unsigned long long)f);
        sc[j] = (uint32_t)v;
    }
    s->n += (size_t)k;
    return ZS_OK;
}

static zs_status read_scopes(lexer *lx, uint64_t nf, uint64_t nvars, uai_scopes *s) {
    s->arity = zs_calloc(nf ? nf : 1, sizeof *s->arity);
    s->line = zs_calloc(nf ? nf : 1, sizeof *s->line);
    s->first = zs_calloc(nf ? nf : 1, sizeof *s->first);
    if (!s->arity || !s->line || !s->first)
        return zs_fail(lx->ctx, ZS_ENOMEM, "%s: out of memory", lx->name);
    zs_status st = ZS_OK;
    for (uint64_t f = 0; f < nf && st == ZS_OK; f++) st = read_scope(lx, f, nvars, s);
    return st;
}

/* Factor f's table (its scope sc of k variables read on line sline): its size, checked
 * against the scope's, then its entries into *vals (of room *vcap, grown as needed). */
static zs_status read_table(lexer *lx, uint64_t f, const uint32_t *dom, const uint32_t *sc,
                            size_t k, size_t sline, double **vals, size_t *vcap) {
    /* The table size prod d_v, in integers with an overflow check: each d_v <= 10^6 and
     * the running product is at most 2^32 before the next multiplication, so it stays
     * below 2^52. */
    uint64_t want = 1;
    for (size_t j = 0; j < k && want <= (uint64_t)ZS_FACTOR_MAX_TABLE; j++) want *= dom[sc[j]];
    if (want > (uint64_t)ZS_FACTOR_MAX_TABLE) {
        double full = 1.0;
        for (size_t j = 0; j < k; j++) full *= dom[sc[j]];
        return zs_fail(lx->ctx, ZS_EFORMAT,
                       "%s:%zu: factor %llu: a table of %.4g entries exceeds %.4g", lx->name,
                       sline, (unsigned long long)f, full, ZS_FACTOR_MAX_TABLE);
    }
    char what[80];
    snprintf(what, sizeof what, "the number of table entries of factor %llu",
             (unsigned long long)f);
    uint64_t n;
    zs_status st = lex_uint(lx, what, 0, UINT64_MAX, &n);
    if (st != ZS_OK) return st;
    if (n != want)
        return zs_fail(lx->ctx, ZS_EFORMAT,
                       "%s:%zu: factor %llu: the table has %llu entries, but its scope (line %zu) "
                       "of %zu variables gives %llu",
                       lx->name, lx->tok_line, (unsigned long long)f, (unsigned long long)n,
                       sline, k, (unsigned long long)want);
    /* Room is made for the entries as far as the rest of the text can hold them (a
     * truncated table then fails at its end, naming the entry), never for the count alone. */
    uint64_t fit = lex_room(lx);
    size_t reserve = (size_t)(n < fit ? n : fit);
    for (size_t e = 0; e < n && st == ZS_OK; e++) {
        if (e >= *vcap || reserve > *vcap) {
            size_t cap = reserve > *vcap ? reserve : 2 * *vcap;
            reserve = 0;
            double *v = zs_realloc(*vals, (cap ? cap : 1) * sizeof *v);
            if (!v) {
                char nb[32];
                return zs_fail(lx->ctx, ZS_ENOMEM,
                               "%s: factor %llu: out of memory for its table (%s)", lx->name,
                               (unsigned long long)f, zs_format_bytes(nb, (double)cap * sizeof *v));
            }
            *vals = v;
            *vcap = cap ? cap : 1;
        }
        st = read_entry(lx, (size_t)f, e, (size_t)n, &(*vals)[e]);
    }
    return st;
}

/* The first line (MARKOV or BAYES), the number of variables and their domain sizes (*dom,
 * allocated here) and the number of factors. */
static zs_status read_header(lexer *lx, zs_factor_kind *kind, uint64_t *nvars, uint32_t **dom,
                             uint64_t *nf) {
    const char *tok;
    size_t tl;
    char sb[40];
    if (!lex_next(lx, &tok, &tl))
        return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: the file is empty (expected MARKOV or BAYES)",
                       lx->name, lx->tok_line);
    if (tl == 6 && !strncmp(tok, "MARKOV", 6)) *kind = ZS_FACTOR_MARKOV;
    else if (tl == 5 && !strncmp(tok, "BAYES", 5)) *kind = ZS_FACTOR_BAYES;
    else
        return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: expected MARKOV or BAYES, found '%s'",
                       lx->name, lx->tok_line, lex_shown(sb, tok, tl));
    zs_status st = lex_uint(lx, "the number of variables", 0, UAI_MAX_VARS, nvars);
    if (st == ZS_OK) st = lex_check_room(lx, "the number of variables", *nvars, 1);
    if (st != ZS_OK) return st;
    *dom = zs_malloc((*nvars ? *nvars : 1) * sizeof **dom);
    if (!*dom) return zs_fail(lx->ctx, ZS_ENOMEM, "%s: out of memory", lx->name);
    for (uint64_t i = 0; i < *nvars && st == ZS_OK; i++) {
        char what[64];
        snprintf(what, sizeof what, "the domain size of variable %llu", (unsigned long long)i);
        uint64_t d;
        st = lex_uint(lx, what, 1, ZS_FACTOR_MAX_DOMAIN, &d);
        (*dom)[i] = (uint32_t)d;
    }
    if (st == ZS_OK) st = lex_uint(lx, "the number of factors", 0, UAI_MAX_FACTORS, nf);
    /* Each factor has a scope line and a table: at least two numbers (its scope size and
     * its table size). */
    if (st == ZS_OK) st = lex_check_room(lx, "the number of factors", *nf, 2);
    return st;
}

zs_status zs_factor_parse_uai(zs_ctx *ctx, const char *text, size_t len, const char *name,
                              zs_factor_model **out) {
    if (!out || (!text && len)) return zs_fail(ctx, ZS_EINVAL, "uai: NULL argument");
    lexer lx = {text, text + len, 1, 1, name ? name : "(uai)", ctx, 0};
    zs_factor_kind kind = ZS_FACTOR_MARKOV;
    uint64_t nvars = 0, nf = 0;
    uint32_t *dom = NULL;
    zs_factor_model *m = NULL;
    zs_status st = lex_text(ctx, lx.name, text, len);
    if (st == ZS_OK) st = read_header(&lx, &kind, &nvars, &dom, &nf);
    if (st == ZS_OK) st = zs_factor_model_alloc(ctx, (size_t)nvars, dom, &m);
    if (st != ZS_OK) {
        free(dom);
        return st;
    }
    m->kind = kind;
    uai_scopes s = {0};
    st = read_scopes(&lx, nf, nvars, &s);
    double *vals = NULL;
    size_t vcap = 0;
    for (uint64_t f = 0; f < nf && st == ZS_OK; f++) {
        const uint32_t *sc = s.v ? s.v + s.first[f] : NULL;
        st = read_table(&lx, f, dom, sc, s.arity[f], s.line[f], &vals, &vcap);
        double one = 1.0;
        if (st == ZS_OK) st = zs_factor_model_add(m, s.arity[f], sc, vals ? vals : &one, 0);
    }
    const char *tok;
    size_t tl;
    char sb[40];
    if (st == ZS_OK && lex_next(&lx, &tok, &tl))
        st = zs_fail(ctx, ZS_EFORMAT, "%s:%zu: '%s' follows the last table (%llu factors declared)",
                     lx.name, lx.tok_line, lex_shown(sb, tok, tl), (unsigned long long)nf);
    free(vals);
    scopes_free(&s);
    free(dom);
    if (st != ZS_OK) {
        zs_factor_model_free(m);
        return st;
    }
    *out = m;
    return ZS_OK;
}

zs_status zs_factor_read_uai(zs_ctx *ctx, const char *path, zs_factor_model **out) {
    if (!path || !out) return zs_fail(ctx, ZS_EINVAL, "uai: NULL argument");
    char *text;
    size_t len;
    const char *name;
    zs_status st = lex_read_file(ctx, path, &text, &len, &name);
    if (st != ZS_OK) return st;
    st = zs_factor_parse_uai(ctx, text, len, name, out);
    free(text);
    return st;
}

/* ---- evidence ---------------------------------------------------------------------------- */

zs_status zs_factor_parse_evid(const zs_factor_model *m, const char *text, size_t len,
                               const char *name, int32_t *evidence, size_t *observed) {
    if (!m || !evidence || (!text && len)) return ZS_EINVAL;
    zs_ctx *ctx = m->ctx;
    lexer lx = {text, text + len, 1, 1, name ? name : "(evid)", ctx, 0};
    zs_status nul = lex_text(ctx, lx.name, text, len);
    if (nul != ZS_OK) return nul;
    /* Count the tokens first: the two layouts differ in parity (1 + 2N against 2 + 2N). */
    size_t ntok = 0;
    const char *tok;
    size_t tl;
    while (lex_next(&lx, &tok, &tl)) ntok++;
    lx.p = text;
    lx.line = 1;
    if (ntok == 0)
        return zs_fail(ctx, ZS_EFORMAT, "%s:%zu: the evidence file is empty (expected a count; "
                       "0 means no evidence)", lx.name, lx.tok_line);
    uint64_t first, count;
    zs_status st = lex_uint(&lx, "the number of observed variables", 0, UINT64_MAX, &first);
    if (st != ZS_OK) return st;
    size_t count_line = lx.tok_line;
    /* first < ntok keeps 2 * first from wrapping around. */
    if (first < ntok && ntok == 1 + 2 * first) {
        count = first;
    } else if (first == 1 && ntok >= 2 && (ntok - 2) % 2 == 0) {
        /* Older layout: the number of samples (1), then one sample. */
        st = lex_uint(&lx, "the number of observed variables", 0, UINT64_MAX, &count);
        if (st != ZS_OK) return st;
        count_line = lx.tok_line;
        if (count >= ntok || ntok != 2 + 2 * count)
            return zs_fail(ctx, ZS_EFORMAT,
                           "%s:%zu: the count says %llu variable/value pairs, %zu numbers follow it",
                           lx.name, count_line, (unsigned long long)count, ntok - 2);
    } else if (first > 1 && ntok >= 2 && ntok % 2 == 0) {
        return zs_fail(ctx, ZS_EFORMAT,
                       "%s:%zu: the count says %llu variable/value pairs, %zu numbers follow it "
                       "(or %llu samples in the older layout: only one is supported)",
                       lx.name, count_line, (unsigned long long)first, ntok - 1,
                       (unsigned long long)first);
    } else {
        return zs_fail(ctx, ZS_EFORMAT,
                       "%s:%zu: the count says %llu variable/value pairs, %zu numbers follow it",
                       lx.name, count_line, (unsigned long long)first, ntok - 1);
    }
    int32_t *ev = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *ev);
    if (!ev) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", lx.name);
    for (size_t i = 0; i < m->nvars; i++) ev[i] = -1;
    size_t seen = 0;
    for (uint64_t k = 0; k < count && st == ZS_OK; k++) {
        uint64_t v, x;
        st = lex_uint(&lx, "an observed variable", 0, UINT64_MAX, &v);
        if (st != ZS_OK) break;
        if (v >= m->nvars) {
            st = zs_fail(ctx, ZS_EFORMAT,
                         "%s:%zu: evidence on variable %llu, which does not exist (the model has "
                         "%zu variables, 0..%zu)",
                         lx.name, lx.tok_line, (unsigned long long)v, m->nvars,
                         m->nvars ? m->nvars - 1 : 0);
            break;
        }
        st = lex_uint(&lx, "an observed value", 0, UINT64_MAX, &x);
        if (st != ZS_OK) break;
        if (x >= m->dom[v]) {
            st = zs_fail(ctx, ZS_EFORMAT,
                         "%s:%zu: evidence value %llu for variable %llu, which has %u values (0..%u)",
                         lx.name, lx.tok_line, (unsigned long long)x, (unsigned long long)v,
                         m->dom[v], m->dom[v] - 1);
            break;
        }
        if (ev[v] >= 0) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s:%zu: variable %llu is observed twice", lx.name,
                         lx.tok_line, (unsigned long long)v);
            break;
        }
        ev[v] = (int32_t)x;
        seen++;
    }
    if (st == ZS_OK) {
        memcpy(evidence, ev, m->nvars * sizeof *ev);
        if (observed) *observed = seen;
    }
    free(ev);
    return st;
}

zs_status zs_factor_read_evid(const zs_factor_model *m, const char *path, int32_t *evidence,
                              size_t *observed) {
    if (!m || !path || !evidence) return ZS_EINVAL;
    char *text;
    size_t len;
    const char *name;
    zs_status st = lex_read_file(m->ctx, path, &text, &len, &name);
    if (st != ZS_OK) return st;
    st = zs_factor_parse_evid(m, text, len, name, evidence, observed);
    free(text);
    return st;
}

/* ---- writing ------------------------------------------------------------------------------ */

zs_status zs_factor_write_uai(const zs_factor_model *m, const char *path) {
    if (!m || !path) return ZS_EINVAL;
    zs_ctx *ctx = m->ctx;
    /* %.17g reads back to the same double (liblinear's habit); the stored value is ln phi,
     * so phi = exp(ln phi) must fit a double. */
    for (size_t f = 0; f < m->nf; f++)
        for (size_t e = 0; e < m->f[f].size; e++)
            if (m->f[f].lnt[e] > 709.78)
                return zs_fail(ctx, ZS_ERANGE,
                               "%s: factor %zu, entry %zu: exp(%g) overflows a double; the UAI "
                               "format holds the weights themselves", path, f, e, m->f[f].lnt[e]);
    /* atomically (lib/io/atomic.c): a failed write leaves the previous file */
    io_atomic w;
    zs_status st = io_atomic_open(ctx, path, &w);
    if (st != ZS_OK) return st;
    FILE *out = w.f;
    fprintf(out, "%s\n%zu\n", m->kind == ZS_FACTOR_BAYES ? "BAYES" : "MARKOV", m->nvars);
    for (size_t i = 0; i < m->nvars; i++) fprintf(out, "%s%u", i ? " " : "", m->dom[i]);
    fprintf(out, "\n%zu\n", m->nf);
    for (size_t f = 0; f < m->nf; f++) {
        fprintf(out, "%zu", m->f[f].arity);
        for (size_t k = 0; k < m->f[f].arity; k++) fprintf(out, " %u", m->f[f].scope[k]);
        fputc('\n', out);
    }
    for (size_t f = 0; f < m->nf; f++) {
        fprintf(out, "\n%zu\n", m->f[f].size);
        size_t last = m->f[f].arity ? m->dom[m->f[f].scope[m->f[f].arity - 1]] : 1;
        for (size_t e = 0; e < m->f[f].size; e++) {
            double v = exp(m->f[f].lnt[e]);
            fprintf(out, "%.17g%c", v, (e + 1) % last == 0 ? '\n' : ' ');
        }
    }
    return io_atomic_commit(ctx, &w); /* a failed fprintf shows in ferror, checked there */
}
