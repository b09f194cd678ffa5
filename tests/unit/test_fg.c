/* test_fg.c — libDAI's .fg reader (lib/io/fg.c) against the UAI reader: random models are
 * written here in both formats by a converter of the test's own (labels that are not 0..n-1,
 * scopes in any order, tables first-variable-fastest with unlisted zeros in .fg, last-fastest
 * in .uai), and the two models must be identical entry by entry; every refusal of a bad .fg
 * file names FILE:LINE and its reason. */
#include "check.h"
#include "models/factor_internal.h"
#include "zsum.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing text buffer. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = 2 * (b->len + (size_t)n + 1);
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, tmp, (size_t)n + 1);
    b->len += (size_t)n;
}

#define NV 9
#define NF 14

/* A random model in the test's own terms: variables by label, each factor a scope of labels
 * and a table indexed last-fastest over that scope (the UAI order). */
typedef struct tmodel {
    size_t n, nf;
    uint64_t label[NV]; /* distinct labels, in variable-rank order (ascending)        */
    uint32_t dom[NV];
    size_t arity[NF];
    size_t var[NF][4];  /* scope as variable ranks                                    */
    double *t[NF];      /* last-fastest                                               */
    size_t size[NF];
} tmodel;

static void tmodel_random(zs_rng *rng, tmodel *r) {
    memset(r, 0, sizeof *r);
    r->n = 1 + (size_t)zs_rng_below(rng, NV);
    uint64_t l = zs_rng_below(rng, 3);
    for (size_t i = 0; i < r->n; i++) {
        l += 1 + zs_rng_below(rng, i % 2 ? 1 : 40); /* gaps, and runs of consecutive labels */
        r->label[i] = l;
        r->dom[i] = 1 + (uint32_t)zs_rng_below(rng, 3);
    }
    r->nf = 1 + (size_t)zs_rng_below(rng, NF);
    for (size_t f = 0; f < r->nf; f++) {
        size_t a = (size_t)zs_rng_below(rng, 5);
        if (a > r->n) a = r->n;
        r->arity[f] = a;
        size_t size = 1;
        for (size_t k = 0; k < a; k++) {
            size_t v;
            int dup;
            do {
                v = (size_t)zs_rng_below(rng, r->n);
                dup = 0;
                for (size_t j = 0; j < k; j++) dup |= r->var[f][j] == v;
            } while (dup);
            r->var[f][k] = v;
            size *= r->dom[v];
        }
        r->size[f] = size;
        r->t[f] = malloc(size * sizeof(double));
        for (size_t e = 0; e < size; e++)
            r->t[f][e] = zs_rng_uniform(rng) < 0.25 ? 0.0 : 0.125 * (double)(1 + zs_rng_below(rng, 40));
    }
}

/* Every variable appears in a factor, else libDAI's format cannot carry it. */
static void tmodel_cover(tmodel *r) {
    for (size_t v = 0; v < r->n; v++) {
        int seen = 0;
        for (size_t f = 0; f < r->nf; f++)
            for (size_t k = 0; k < r->arity[f]; k++) seen |= r->var[f][k] == v;
        if (seen || r->nf == NF) continue;
        size_t f = r->nf++;
        r->arity[f] = 1;
        r->var[f][0] = v;
        r->size[f] = r->dom[v];
        r->t[f] = malloc(r->dom[v] * sizeof(double));
        for (size_t e = 0; e < r->dom[v]; e++) r->t[f][e] = 1.0 + (double)e;
    }
}

static int tmodel_covered(const tmodel *r) {
    for (size_t v = 0; v < r->n; v++) {
        int seen = 0;
        for (size_t f = 0; f < r->nf; f++)
            for (size_t k = 0; k < r->arity[f]; k++) seen |= r->var[f][k] == v;
        if (!seen) return 0;
    }
    return 1;
}

/* The .fg text: labels, first variable fastest, zeros left out (sometimes), comments. */
static void write_fg(const tmodel *r, sbuf *b) {
    put(b, "# made by test_fg.c\n%zu\n\n", r->nf);
    for (size_t f = 0; f < r->nf; f++) {
        size_t a = r->arity[f];
        put(b, "%zu\n", a);
        for (size_t k = 0; k < a; k++) put(b, "%llu ", (unsigned long long)r->label[r->var[f][k]]);
        put(b, "\n");
        for (size_t k = 0; k < a; k++) put(b, "%u ", r->dom[r->var[f][k]]);
        put(b, "\n");
        int sparse = f % 2 == 1;
        size_t listed = 0;
        for (size_t e = 0; e < r->size[f]; e++) listed += !sparse || r->t[f][e] != 0.0;
        put(b, "%zu\n", listed);
        /* i runs first-fastest: digits x_0 (fastest) ... x_{a-1}; the UAI index is
         * sum_k x_k prod_{l>k} d_l. Entries in reverse order, to show the order is free. */
        for (size_t i = r->size[f]; i-- > 0;) {
            size_t rem = i, u = 0;
            size_t x[4];
            for (size_t k = 0; k < a; k++) {
                x[k] = rem % r->dom[r->var[f][k]];
                rem /= r->dom[r->var[f][k]];
            }
            for (size_t k = 0; k < a; k++) u = u * r->dom[r->var[f][k]] + x[k];
            if (sparse && r->t[f][u] == 0.0) continue;
            put(b, "%zu %.17g\n", i, r->t[f][u]);
        }
        put(b, "# end of factor %zu\n\n", f);
    }
}

static void write_uai(const tmodel *r, sbuf *b) {
    put(b, "MARKOV\n%zu\n", r->n);
    for (size_t v = 0; v < r->n; v++) put(b, "%u ", r->dom[v]);
    put(b, "\n%zu\n", r->nf);
    for (size_t f = 0; f < r->nf; f++) {
        put(b, "%zu", r->arity[f]);
        for (size_t k = 0; k < r->arity[f]; k++) put(b, " %zu", r->var[f][k]);
        put(b, "\n");
    }
    for (size_t f = 0; f < r->nf; f++) {
        put(b, "%zu\n", r->size[f]);
        for (size_t e = 0; e < r->size[f]; e++) put(b, "%.17g ", r->t[f][e]);
        put(b, "\n");
    }
}

static int same_models(const zs_factor_model *a, const zs_factor_model *b) {
    if (a->nvars != b->nvars || a->nf != b->nf) return 0;
    for (size_t v = 0; v < a->nvars; v++)
        if (a->dom[v] != b->dom[v]) return 0;
    for (size_t f = 0; f < a->nf; f++) {
        const fm_factor *x = &a->f[f], *y = &b->f[f];
        if (x->arity != y->arity || x->size != y->size) return 0;
        if (x->arity && memcmp(x->scope, y->scope, x->arity * sizeof *x->scope)) return 0;
        for (size_t e = 0; e < x->size; e++)
            if (!(x->lnt[e] == y->lnt[e])) return 0;
    }
    return 1;
}

static double lnz_of(const zs_factor_model *m) {
    zs_factor_plan *p = NULL;
    double lnz = (double)NAN;
    if (zs_factor_plan_alloc(m, NULL, ZS_ORDER_AUTO, &p) == ZS_OK) zs_factor_lnz(m, NULL, p, 0.0, &lnz);
    zs_factor_plan_free(p);
    return lnz;
}

static void fg_reader_should_make_the_uai_readers_model(void) {
    zs_rng rng;
    zs_rng_init(&rng, 1312, 3);
    zs_ctx *ctx = zs_ctx_alloc();
    int tried = 0;
    for (int trial = 0; trial < 200; trial++) {
        tmodel r;
        tmodel_random(&rng, &r);
        tmodel_cover(&r);
        if (tmodel_covered(&r)) {
            tried++;
            sbuf fg = {0}, uai = {0};
            write_fg(&r, &fg);
            write_uai(&r, &uai);
            zs_factor_model *a = NULL, *b = NULL;
            CHECK(zs_factor_parse_fg(ctx, fg.p, fg.len, "t.fg", &a) == ZS_OK);
            if (!a) printf("trial %d: %s\n", trial, zs_last_error(ctx));
            CHECK(zs_factor_parse_uai(ctx, uai.p, uai.len, "t.uai", &b) == ZS_OK);
            CHECK(a && b && same_models(a, b));
            if (a && b) {
                double la = lnz_of(a), lb = lnz_of(b);
                CHECK(la == lb || (isnan(la) && isnan(lb)));
            }
            zs_factor_model_free(a);
            zs_factor_model_free(b);
            free(fg.p);
            free(uai.p);
        }
        for (size_t f = 0; f < r.nf; f++) free(r.t[f]);
    }
    CHECK(tried > 150);
    zs_ctx_free(ctx);
}

/* libDAI's own example (doc/fileformats.txt style): two factors over labels 0..3; Z is the
 * product of the two tables' sums, computed by hand. */
static void fg_reader_should_read_libdai_layout_and_choose_the_format(void) {
    const char *text = "# Factor graph\n2\n\n2\n0 1\n2 2\n4\n0 0.5\n1 0.25\n2 1\n3 2\n\n"
                       "2\n3 2\n2 3\n5\n0 1\n1 1\n2 1\n3 1\n5 4\n";
    zs_ctx *ctx = zs_ctx_alloc();
    zs_factor_model *m = NULL;
    CHECK(zs_factor_parse_fg(ctx, text, strlen(text), "x.fg", &m) == ZS_OK);
    CHECK(m && zs_factor_model_nvars(m) == 4 && zs_factor_model_nfactors(m) == 2);
    if (m) {
        CHECK_EQ_INT(zs_factor_model_domain(m, 2), 3);
        CHECK_EQ_INT(zs_factor_model_domain(m, 3), 2);
        /* Factor 1 keeps its scope (3, 2): UAI index x3 * 3 + x2; .fg index x3 + 2 x2. Entry
         * .fg 5 (x3 = 1, x2 = 2) -> UAI 5; .fg 1 (x3 = 1, x2 = 0) -> UAI 3; .fg 4 (x3 = 0,
         * x2 = 2, unlisted) -> UAI 2 = 0. */
        CHECK(m->f[1].scope[0] == 3 && m->f[1].scope[1] == 2);
        CHECK(m->f[1].lnt[5] == log(4.0) && m->f[1].lnt[3] == 0.0 && m->f[1].lnt[2] == -HUGE_VAL);
        CHECK_REL(lnz_of(m), log(3.75 * 8.0), 1e-15);
    }
    zs_factor_model_free(m);
    /* Through the format choice: by name, and by content when the name says nothing. */
    char dir[] = "/tmp/test_fg_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char p1[64], p2[64], p3[64];
    snprintf(p1, sizeof p1, "%s/a.fg", dir);
    snprintf(p2, sizeof p2, "%s/a.model", dir);
    snprintf(p3, sizeof p3, "%s/b.model", dir);
    FILE *f = fopen(p1, "w");
    if (f) fputs(text, f), fclose(f);
    f = fopen(p2, "w");
    if (f) fputs(text, f), fclose(f);
    f = fopen(p3, "w");
    if (f) fputs("MARKOV\n1\n2\n1\n1 0\n2\n1 3\n", f), fclose(f);
    m = NULL;
    CHECK(zs_factor_read_model(ctx, p1, &m) == ZS_OK && m && zs_factor_model_nvars(m) == 4);
    zs_factor_model_free(m);
    m = NULL;
    CHECK(zs_factor_read_model(ctx, p2, &m) == ZS_OK && m && zs_factor_model_nvars(m) == 4);
    zs_factor_model_free(m);
    m = NULL;
    CHECK(zs_factor_read_model(ctx, p3, &m) == ZS_OK && m && zs_factor_model_nvars(m) == 1);
    zs_factor_model_free(m);
    m = NULL;
    CHECK(zs_factor_read_fg(ctx, p1, &m) == ZS_OK && m);
    zs_factor_model_free(m);
    m = NULL;
    CHECK(zs_factor_read_fg(ctx, dir, &m) == ZS_EIO && !m);
    remove(p1);
    remove(p2);
    remove(p3);
    remove(dir);
    zs_ctx_free(ctx);
}

static void fg_reader_should_reject_bad_files_with_the_line(void) {
    static const struct {
        const char *text, *pattern;
    } cases[] = {
        {"", "t.fg:1: the file ends where the number of factors was expected"},
        {"# only a comment\n", "t.fg:2: the file ends where the number of factors was expected"},
        {"x", "t.fg:1: the number of factors: 'x' is not a whole number"},
        {"1000000000", "t.fg:1: the number of factors: 1000000000 is out of range 0..100000000"},
        {"5\n1 0 2 1 0 1", "t.fg:1: the number of factors: 5 cannot fit in the"},
        {"1\n\n65 0", "t.fg:3: the number of variables of factor 0: 65 is out of range 0..64"},
        {"1\n\n9\n0 1", "t.fg:3: the number of variables of factor 0: 9 cannot fit"},
        {"1\n\n2\n0 -1\n2 2\n0\n", "t.fg:4: label 2 of factor 0: '-1' is not a whole number"},
        {"1\n\n2\n4 4\n2 2\n0\n", "t.fg:4: label 4 appears twice in factor 0"},
        {"1\n\n2\n0 1\n2 0\n0\n", "t.fg:5: the number of values of label 1 in factor 0: 0 is out of range 1..1000000"},
        {"1\n\n3\n0 1 2\n1000000 1000000 1000000\n0\n", "t.fg:5: factor 0: a table of 1e+18 entries exceeds"},
        {"1\n\n2\n0 1\n1000000 1000\n0\n", "t.fg:5: factor 0: a table of 1e+09 entries passes the entries a file of this length"},
        {"1\n\n1\n0\n2\n3\n0 1\n1 1\n", "t.fg:6: the number of entries of factor 0: 3 is out of range 0..2"},
        {"1\n\n1\n0\n3\n3\n0 1\n", "t.fg:6: the number of entries of factor 0: 3 cannot fit"},
        {"1\n\n1\n0\n2\n2\n0 1\n2 1\n", "t.fg:8: the index of entry 2 of factor 0 (line 6: 2 entries): 2 is out of range 0..1"},
        {"1\n\n1\n0\n2\n2\n1 1\n1 1\n", "t.fg:8: factor 0: index 1 is listed twice"},
        {"1\n\n1\n0\n2\n2\n0 1\n1 nan\n", "t.fg:8: factor 0, entry 1: 'nan' is not a number"},
        {"1\n\n1\n0\n2\n2\n0 1\n1 1e999\n", "t.fg:8: factor 0, entry 1: '1e999' is not finite"},
        {"1\n\n1\n0\n2\n2\n0 1\n1 -2\n", "t.fg:8: factor 0, entry 1: -2 is negative"},
        {"1\n\n1\n0\n2\n2\n0 1\n1   ", "t.fg:8: the file ends where the value of entry 1 of factor 0 was expected"},
        {"1\n\n1\n0\n2\n1\n0 1\n\n7\n", "t.fg:9: '7' follows the last factor (1 declared)"},
        {"2\n\n1\n0\n2\n0\n\n1\n0\n3\n0\n", "t.fg:10: label 0 has 3 values here and 2 on line 5"},
        {"2\n\n1\n0\n2\n0\n\n", "t.fg:8: the file ends where the number of variables of factor 1 was expected"},
    };
    zs_ctx *ctx = zs_ctx_alloc();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zs_factor_model *m = NULL;
        zs_status st = zs_factor_parse_fg(ctx, cases[i].text, strlen(cases[i].text), "t.fg", &m);
        CHECK(m == NULL && st == ZS_EFORMAT);
        if (!strstr(zs_last_error(ctx), cases[i].pattern)) {
            printf("case %zu: message '%s' lacks '%s'\n", i, zs_last_error(ctx), cases[i].pattern);
            CHECK(0);
        }
        zs_factor_model_free(m);
    }
    zs_ctx_free(ctx);
}

int main(void) {
    RUN(fg_reader_should_make_the_uai_readers_model);
    RUN(fg_reader_should_read_libdai_layout_and_choose_the_format);
    RUN(fg_reader_should_reject_bad_files_with_the_line);
    return check_summary("test_fg");
}
