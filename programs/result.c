/* result.c — the format-neutral result writer (result.h): one list of fields, rendered as a
 * table, JSON or CSV. */
#include "result.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void result_init(result *r) {
    r->n = 0;
    r->nowned = 0;
}

void result_free(result *r) {
    for (size_t i = 0; i < r->nowned; i++) free(r->owned[i]);
    r->nowned = 0;
    r->n = 0;
}

/* Adding more fields than RESULT_MAX is a programming error in a command: the extra fields go
 * to a scratch slot that is never written, so the output shows what is missing. */
static result_field *add(result *r, const char *key, result_type type) {
    static result_field scratch;
    result_field *f = r->n < RESULT_MAX ? &r->field[r->n++] : &scratch;
    memset(f, 0, sizeof *f);
    f->key = key;
    f->type = type;
    return f;
}

/* A scalar field: its type and the member of the value union that type reads. */
static result_field *add_value(result *r, const char *key, result_type type, const result_field *v) {
    result_field *f = add(r, key, type);
    f->v = v->v;
    return f;
}

result_field *result_num(result *r, const char *key, double x) {
    return add_value(r, key, RF_NUM, &(result_field){.v.num = x});
}

result_field *result_u64(result *r, const char *key, uint64_t x) {
    return add_value(r, key, RF_U64, &(result_field){.v.u64 = x});
}

result_field *result_str(result *r, const char *key, const char *s) {
    return add_value(r, key, RF_STR, &(result_field){.v.str = s});
}

result_field *result_bool(result *r, const char *key, int b) {
    return add_value(r, key, RF_BOOL, &(result_field){.v.b = b});
}

static result_field *add_arr(result *r, const char *key, result_type type, const void *v, size_t n) {
    result_field *f = add(r, key, type);
    f->v.arr.v = v;
    f->v.arr.n = n;
    return f;
}

result_field *result_nums(result *r, const char *key, const double *v, size_t n) {
    return add_arr(r, key, RF_NUMS, v, n);
}

result_field *result_u64s(result *r, const char *key, const uint64_t *v, size_t n) {
    return add_arr(r, key, RF_U64S, v, n);
}

result_field *result_u32s(result *r, const char *key, const uint32_t *v, size_t n) {
    return add_arr(r, key, RF_U32S, v, n);
}

result_field *result_sizes(result *r, const char *key, const size_t *v, size_t n) {
    return add_arr(r, key, RF_SIZES, v, n);
}

result_field *result_absent(result *r, const char *key) { return add(r, key, RF_ABSENT); }

result_field *result_obj(result *r, const char *key, const result *sub) {
    result_field *f = add(r, key, RF_OBJ);
    f->v.obj = sub;
    f->flags = RF_NO_TABLE | RF_NO_CSV;
    return f;
}

result_field *result_rows(result *r, const char *key, const result *rows, size_t n) {
    result_field *f = add(r, key, RF_ROWS);
    f->v.rows.rows = rows;
    f->v.rows.n = n;
    f->flags = RF_NO_TABLE | RF_NO_CSV;
    return f;
}

static const char *vfmt(result *r, const char *fmt, va_list ap) {
    va_list aq;
    va_copy(aq, ap);
    int len = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *s = len >= 0 && r->nowned < RESULT_MAX ? malloc((size_t)len + 1) : NULL;
    if (!s) return "";
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    r->owned[r->nowned++] = s;
    return s;
}

const char *result_fmt(result *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const char *s = vfmt(r, fmt, ap);
    va_end(ap);
    return s;
}

result_field *result_line(result *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const char *s = vfmt(r, fmt, ap);
    va_end(ap);
    result_field *f = add(r, "", RF_LINE);
    f->v.str = s;
    f->flags = RF_NO_JSON | RF_NO_CSV;
    return f;
}

/* ---- values ----------------------------------------------------------------------------- */

static int is_array(const result_field *f) {
    return f->type == RF_NUMS || f->type == RF_U64S || f->type == RF_U32S || f->type == RF_SIZES;
}

/* Item i of an array field: a number (as text in buf). csv: NaN is an empty field. */
static const char *item_text(char buf[32], const result_field *f, size_t i, int csv) {
    switch (f->type) {
    case RF_NUMS: {
        double x = ((const double *)f->v.arr.v)[i];
        return csv ? cli_csv_num(buf, x) : cli_num(buf, x);
    }
    case RF_U64S: snprintf(buf, 32, "%llu", (unsigned long long)((const uint64_t *)f->v.arr.v)[i]); break;
    case RF_U32S: snprintf(buf, 32, "%u", ((const uint32_t *)f->v.arr.v)[i]); break;
    case RF_SIZES: snprintf(buf, 32, "%zu", ((const size_t *)f->v.arr.v)[i]); break;
    default: buf[0] = '\0';
    }
    return buf;
}

static void put_array(FILE *out, const result_field *f, char sep, int csv) {
    char b[32];
    for (size_t i = 0; i < f->v.arr.n; i++) {
        if (i) fputc(sep, out);
        fputs(item_text(b, f, i, csv), out);
    }
}

/* A scalar as text; NULL for arrays and nested records. csv: NaN and absent are empty; a table
 * shows them as "-". */
static const char *scalar_text(char buf[32], const result_field *f, int csv) {
    switch (f->type) {
    case RF_NUM: return csv ? cli_csv_num(buf, f->v.num) : cli_num_or_dash(buf, f->v.num);
    case RF_U64: snprintf(buf, 32, "%llu", (unsigned long long)f->v.u64); return buf;
    case RF_STR: return f->v.str;
    case RF_BOOL: return f->v.b ? "true" : "false";
    case RF_ABSENT: return csv ? "" : "-";
    default: return NULL;
    }
}

/* The value as it appears in a table cell or line. */
static void put_table_value(FILE *out, const result_field *f) {
    char b[32];
    if (f->table_text) fputs(f->table_text, out);
    else if (is_array(f)) put_array(out, f, ',', 0);
    else {
        const char *s = scalar_text(b, f, 0);
        if (s) fputs(s, out);
    }
}

/* ---- JSON ------------------------------------------------------------------------------- */

void result_json_members(json *j, const result *r) {
    for (size_t i = 0; i < r->n; i++) {
        const result_field *f = &r->field[i];
        if (f->flags & RF_NO_JSON) continue;
        json_key(j, f->key);
        switch (f->type) {
        case RF_NUM: json_num(j, f->v.num); break;
        case RF_U64: json_u64(j, f->v.u64); break;
        case RF_STR: json_str(j, f->v.str); break;
        case RF_BOOL: json_bool(j, f->v.b); break;
        case RF_ABSENT: json_null(j); break;
        case RF_OBJ:
            if (f->flags & RF_INLINE) json_obj_inline(j);
            else json_obj(j);
            result_json_members(j, f->v.obj);
            json_end_obj(j);
            break;
        case RF_ROWS:
            json_arr(j);
            for (size_t k = 0; k < f->v.rows.n; k++) {
                json_obj_inline(j);
                result_json_members(j, &f->v.rows.rows[k]);
                json_end_obj(j);
            }
            json_end_arr(j);
            break;
        case RF_NUMS:
        case RF_U64S:
        case RF_U32S:
        case RF_SIZES:
            json_arr_inline(j);
            for (size_t k = 0; k < f->v.arr.n; k++) {
                if (f->type == RF_NUMS) json_num(j, ((const double *)f->v.arr.v)[k]);
                else if (f->type == RF_U64S) json_u64(j, ((const uint64_t *)f->v.arr.v)[k]);
                else if (f->type == RF_U32S) json_u64(j, ((const uint32_t *)f->v.arr.v)[k]);
                else json_u64(j, ((const size_t *)f->v.arr.v)[k]);
            }
            json_end_arr(j);
            break;
        case RF_LINE: json_null(j); break;
        }
    }
}

void result_json(FILE *f, const result *r) {
    json j;
    json_init(&j, f);
    json_obj(&j);
    result_json_members(&j, r);
    json_end_obj(&j);
    json_end(&j);
}

/* ---- table ------------------------------------------------------------------------------ */

void result_table(FILE *out, const result *r, int width, const char *indent) {
    for (size_t i = 0; i < r->n; i++) {
        const result_field *f = &r->field[i];
        if (f->flags & RF_NO_TABLE) continue;
        if (f->type == RF_LINE) {
            fprintf(out, "%s\n", f->v.str);
            continue;
        }
        if (f->flags & RF_NOTE) {
            fprintf(out, "# %s: ", f->label ? f->label : f->key);
            put_table_value(out, f);
            fputc('\n', out);
            continue;
        }
        if (!(f->flags & RF_OUTDENT)) fputs(indent, out);
        fprintf(out, "%-*s", width, f->label ? f->label : f->key);
        put_table_value(out, f);
        if (f->unit) fprintf(out, " %s", f->unit);
        if (f->comment) fprintf(out, "   (%s)", f->comment);
        fputc('\n', out);
    }
}

/* ---- CSV -------------------------------------------------------------------------------- */

/* RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes doubled. */
static void csv_text(FILE *out, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static int in_csv(const result_field *f) { return !(f->flags & RF_NO_CSV) && f->type != RF_LINE; }

static void csv_value(FILE *out, const result_field *f) {
    char b[32];
    if (is_array(f)) put_array(out, f, ' ', 1);
    else csv_text(out, scalar_text(b, f, 1));
}

void result_csv_header(FILE *out, const result *r) {
    int first = 1;
    for (size_t i = 0; i < r->n; i++) {
        const result_field *f = &r->field[i];
        if (!in_csv(f)) continue;
        if (is_array(f) && (f->flags & RF_SPREAD)) {
            for (size_t k = 0; k < f->v.arr.n; k++, first = 0) fprintf(out, "%s%s_%zu", first ? "" : ",", f->key, k);
            continue;
        }
        if (!first) fputc(',', out);
        csv_text(out, f->key);
        first = 0;
    }
    fputc('\n', out);
}

void result_csv_values(FILE *out, const result *r) {
    char b[32];
    int first = 1;
    for (size_t i = 0; i < r->n; i++) {
        const result_field *f = &r->field[i];
        if (!in_csv(f)) continue;
        if (is_array(f) && (f->flags & RF_SPREAD)) {
            for (size_t k = 0; k < f->v.arr.n; k++, first = 0)
                fprintf(out, "%s%s", first ? "" : ",", item_text(b, f, k, 1));
            continue;
        }
        if (!first) fputc(',', out);
        csv_value(out, f);
        first = 0;
    }
    fputc('\n', out);
}

void result_csv_row(FILE *out, const result *r) {
    result_csv_header(out, r);
    result_csv_values(out, r);
}

void result_csv_pairs(FILE *out, const result *r) {
    char b[32];
    fputs("quantity,value\n", out);
    for (size_t i = 0; i < r->n; i++) {
        const result_field *f = &r->field[i];
        if (!in_csv(f)) continue;
        if (is_array(f) && (f->flags & RF_SPREAD)) {
            for (size_t k = 0; k < f->v.arr.n; k++) fprintf(out, "%s_%zu,%s\n", f->key, k, item_text(b, f, k, 1));
            continue;
        }
        csv_text(out, f->key);
        fputc(',', out);
        csv_value(out, f);
        fputc('\n', out);
    }
}

void result_write(FILE *out, cli_format fmt, const result *r, int width) {
    if (fmt == FORMAT_JSON) result_json(out, r);
    else if (fmt == FORMAT_CSV) result_csv_row(out, r);
    else result_table(out, r, width, "");
}

/* ---- rows ------------------------------------------------------------------------------- */

void result_row_header(FILE *out, cli_format fmt, const result *row) {
    if (fmt == FORMAT_CSV) {
        result_csv_header(out, row);
        return;
    }
    int first = 1;
    for (size_t i = 0; i < row->n; i++) {
        const result_field *f = &row->field[i];
        if (f->flags & RF_NO_TABLE) continue;
        fprintf(out, "%s%s", first ? "" : "  ", f->label ? f->label : f->key);
        first = 0;
    }
    fputc('\n', out);
}

/* ---- padded listing tables ---------------------------------------------------------------- */

static void tab_write_row(const result_tab *t, char *const *cells) {
    for (size_t c = 0; c < t->cols; c++) {
        fputs(cells[c], t->out);
        size_t len = strlen(cells[c]);
        if (c + 1 < t->cols) fprintf(t->out, "%*s", (int)(len < t->width[c] ? t->width[c] - len + 2 : 2), "");
    }
    fputc('\n', t->out);
}

/* Size the columns from what is held, write it and hold no more. */
static void tab_size(result_tab *t) {
    t->width = calloc(t->cols ? t->cols : 1, sizeof *t->width);
    if (!t->width) {
        t->held.failed = 1;
        return;
    }
    for (size_t i = 0; i < t->held.n; i++) {
        size_t len = strlen(t->held.cells[i]);
        if (len > t->width[i % t->cols]) t->width[i % t->cols] = len;
    }
    for (size_t i = 0; i + t->cols <= t->held.n; i += t->cols) tab_write_row(t, t->held.cells + i);
    cli_table_free(&t->held);
    cli_table_init(&t->held, t->cols);
}

void result_tab_begin(result_tab *t, FILE *f, const result *proto) {
    memset(t, 0, sizeof *t);
    t->out = f;
    for (size_t i = 0; i < proto->n; i++) t->cols += !(proto->field[i].flags & RF_NO_TABLE);
    cli_table_init(&t->held, t->cols);
    for (size_t i = 0; i < proto->n; i++)
        if (!(proto->field[i].flags & RF_NO_TABLE))
            cli_table_add(&t->held, proto->field[i].label ? proto->field[i].label : proto->field[i].key);
}

void result_tab_row(result_tab *t, const result *row) {
    if (!t->cols || t->held.failed) return;
    char *cells[RESULT_MAX] = {0};
    size_t n = 0;
    for (size_t i = 0; i < row->n && n < t->cols; i++) {
        if (row->field[i].flags & RF_NO_TABLE) continue;
        size_t len = 0;
        FILE *m = open_memstream(&cells[n], &len);
        if (!m) break;
        put_table_value(m, &row->field[i]);
        if (fclose(m) != 0) break;
        n++;
    }
    if (n < t->cols) t->held.failed = 1;
    else if (t->width) tab_write_row(t, cells);
    else
        for (size_t c = 0; c < n; c++) cli_table_add(&t->held, cells[c]);
    for (size_t c = 0; c < n; c++) free(cells[c]);
    if (!t->width && t->held.n >= (RESULT_TAB_HOLD + 1) * t->cols) tab_size(t);
}

int result_tab_end(result_tab *t) {
    int failed = t->held.failed;
    if (!failed && !t->width) tab_size(t);
    failed |= t->held.failed;
    cli_table_free(&t->held);
    free(t->width);
    t->width = NULL;
    return failed ? cli_fail(EXIT_NOMEM, "out of memory") : EXIT_OK;
}

void result_row(FILE *out, cli_format fmt, json *j, const result *row) {
    if (fmt == FORMAT_JSON) {
        json_obj_inline(j);
        result_json_members(j, row);
        json_end_obj(j);
        return;
    }
    if (fmt == FORMAT_CSV) {
        result_csv_values(out, row);
        return;
    }
    int first = 1;
    for (size_t i = 0; i < row->n; i++) {
        const result_field *f = &row->field[i];
        if (f->flags & RF_NO_TABLE) continue;
        if (!first) fputs("  ", out);
        put_table_value(out, f);
        first = 0;
    }
    fputc('\n', out);
}

/* ---- ln Z by AIS and its two sides ------------------------------------------------------- */

void lnz_result_set(lnz_result *r, const zs_estimate *fwd, const zs_interval *fwd_band, size_t chains,
                    size_t temps, int reverse, const zs_estimate *upper, const zs_interval *upper_band,
                    const zs_sandwich *sandwich, double swap_min) {
    r->ais = 1;
    r->lnz = fwd->value;
    r->lo = fwd_band->lo;
    r->hi = fwd_band->hi;
    r->ess = fwd->ess;
    r->chains = chains;
    r->temps = temps;
    r->reverse = reverse;
    r->rlnz = upper->value;
    r->rlo = upper_band->lo;
    r->rhi = upper_band->hi;
    r->ress = upper->ess;
    r->swap_min = swap_min;
    r->agree = sandwich->agree;
    r->blo = sandwich->bracket.lo;
    r->bhi = sandwich->bracket.hi;
}

/* AIS weights dominated by a few chains: Z^ is then typically far too low and its +-3 sigma
 * band far too narrow (mnistvh with the uniform base: ESS 1.8 of 100, ln Z^ = 198.9 with the
 * band's top at 200.0, exact 215.14). Below this ESS the result carries a warning. */
static int ais_unreliable(const lnz_result *r) {
    double floor = (double)r->chains / 10.0;
    return r->ais && r->ess < (floor > 10.0 ? floor : 10.0);
}

/* The forward (lower) and reverse (upper) sides' bands do not overlap: at least one run has
 * not converged, and neither figure can be trusted (Grosse et al. 2015, sec. 4). */
static int sides_disagree(const lnz_result *r) { return r->ais && r->reverse && !r->agree; }

static const char *AIS_WARNING =
    "the effective sample size is low: a few chains carry the estimate, which then tends to be "
    "too low with a band that is too narrow; use the data's base rate (--base data:FILE), more "
    "--chains or a longer --schedule";
/* From the data's base rate the next thing to try is the data-free base: a base over v alone
 * can be far from a trained model whose hidden units sit mostly on (the 784-500-1000 MNIST DBM
 * of docs/dbm.md: ESS 5.4 of 100 and ln Z 122 nats low from the data base; ESS 98, both sides
 * agreeing, from --base pt). */
static const char *AIS_WARNING_DATA =
    "the effective sample size is low: a few chains carry the estimate, which then tends to be "
    "too low with a band that is too narrow; the data's base rate is far from this model: use "
    "the data-free base (--base pt, with a reverse side), more --chains or a longer --schedule";

static const char *ais_warning(const lnz_report *how) {
    return how->base && strncmp(how->base, "data", 4) == 0 ? AIS_WARNING_DATA : AIS_WARNING;
}

void result_lnz(result *res, const lnz_result *r, const lnz_report *how) {
    char eb[32];
    if (ais_unreliable(r))
        fprintf(stderr, "zsum: warning: ESS %s of %zu chains: %s\n", cli_num(eb, r->ess), r->chains, ais_warning(how));
    char gap[160] = "";
    if (sides_disagree(r)) {
        char g1[32], g2[32];
        snprintf(gap, sizeof gap, "the forward (lower) estimate %s and the reverse (upper) estimate %s "
                 "disagree by more than their bands", cli_num(g1, r->lnz), cli_num(g2, r->rlnz));
        fprintf(stderr, "zsum: warning: %s: %s\n", gap, how->disagree_advice);
    }
    result_str(res, "method", r->ais ? "ais" : "exact");
    result_num(res, "lnZ", r->lnz);
    if (!r->ais) return;
    result_num(res, "lnZ_lo", r->lo);
    result_num(res, "lnZ_hi", r->hi);
    result_num(res, "ess", r->ess);
    result_u64(res, "chains", r->chains);
    result_u64(res, "temperatures", r->temps);
    result_u64(res, "seed", how->seed);
    result_str(res, "base", how->base);
    if (!isfinite(r->lo))
        result_line(res, "# Z^ - 3 sigma <= 0: the band has no lower end (lnZ_lo = -inf); use more "
                         "chains or temperatures");
    if (how->reverse || r->reverse) result_str(res, "reverse", r->reverse ? how->reverse : "none");
    if (r->reverse) {
        result_num(res, "lnZ_reverse", r->rlnz);
        result_num(res, "lnZ_reverse_lo", r->rlo)->label = "lnZ_rev_lo";
        result_num(res, "lnZ_reverse_hi", r->rhi)->label = "lnZ_rev_hi";
        result_num(res, "reverse_ess", r->ress);
        result_num(res, "sandwich_lo", r->blo);
        result_num(res, "sandwich_hi", r->bhi);
        result_bool(res, "sides_agree", r->agree);
    }
    if (isfinite(r->swap_min)) {
        result_u64(res, "pt_temperatures", how->pt_temperatures)->label = "pt_temps";
        result_u64(res, "pt_sweeps", how->pt_sweeps);
        result_num(res, "pt_swap_min", r->swap_min);
    }
    if (ais_unreliable(r)) result_str(res, "warning", ais_warning(how))->flags = RF_NOTE;
    if (sides_disagree(r))
        result_str(res, "sides_warning", result_fmt(res, "%s: %s", gap, how->disagree_advice))->flags = RF_NOTE;
}

void result_loglik_sandwich(result *res, const lnz_result *r, double mean_lnp_star) {
    if (!r->ais || !r->reverse) return;
    result_num(res, "loglik_sandwich_lo", mean_lnp_star - r->bhi)->label = "loglik_sw_lo";
    result_num(res, "loglik_sandwich_hi", mean_lnp_star - r->blo)->label = "loglik_sw_hi";
}
