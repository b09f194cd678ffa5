/* levels_print.c — zsum levels' output: each result described once (programs/result.c) and
 * written as a table, JSON or CSV; the listings of microstates, macrostates and the density of
 * states are streamed row by row from the library. */
#include "levels_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- listings, streamed from the library ----------------------------------------------- */

/* Each listing row is one record (result.h), written as an inline JSON object, a table line or
 * a CSV line; the header comes from the same record. */
typedef struct list_ctx {
    const levels_opts *o;
    json *j;
    uint64_t row;
    int degenerate;
    result_tab tab;   /* table: the columns padded to their widest entries */
} list_ctx;

static void micro_fields(result *r, const list_ctx *lc, const uint32_t *levels, const uint32_t *subs,
                         double energy, double p) {
    size_t n = (size_t)lc->o->units;
    result_u64(r, "index", lc->row)->flags = RF_NO_JSON;
    result_u32s(r, "levels", levels, n);
    if (lc->degenerate) result_u32s(r, "substates", subs, n);
    result_num(r, "energy", energy);
    result_num(r, "p", p);
}

static void macro_fields(result *r, const list_ctx *lc, const uint64_t *occ, const char *mult,
                         double energy, double p) {
    result_u64s(r, "occupation", occ, lc->o->k);
    result_str(r, "multiplicity", mult);
    result_num(r, "energy", energy);
    result_num(r, "p", p);
}

static void dos_fields(result *r, double energy, const char *count, double p) {
    result_num(r, "energy", energy);
    result_str(r, "count", count);
    result_num(r, "p", p);
}

static void put_row(list_ctx *lc, result *r) {
    if (lc->o->format == FORMAT_TABLE) result_tab_row(&lc->tab, r);
    else result_row(cli_out(), lc->o->format, lc->j, r);
    result_free(r);
}

static int micro_row(void *user, const uint32_t *levels, const uint32_t *subs, double energy, double p) {
    list_ctx *lc = user;
    result r;
    result_init(&r);
    micro_fields(&r, lc, levels, subs, energy, p);
    put_row(lc, &r);
    lc->row++;
    return 0;
}

static int macro_row(void *user, const uint64_t *occ, const char *mult, double energy, double p) {
    list_ctx *lc = user;
    result r;
    result_init(&r);
    macro_fields(&r, lc, occ, mult, energy, p);
    put_row(lc, &r);
    return 0;
}

static int dos_row(void *user, double energy, const char *count, double p) {
    list_ctx *lc = user;
    result r;
    result_init(&r);
    dos_fields(&r, energy, count, p);
    put_row(lc, &r);
    return 0;
}

/* Before the rows: the key of the JSON array, or the table's title and the column names. */
static void list_begin(list_ctx *lc, const char *key, const char *title, const result *proto) {
    if (lc->j) {
        json_key(lc->j, key);
        json_arr(lc->j);
    } else if (lc->o->format == FORMAT_TABLE) {
        fprintf(cli_out(), "\n%s\n", title);
        result_tab_begin(&lc->tab, cli_out(), proto);
    } else {
        result_row_header(cli_out(), lc->o->format, proto);
    }
}

/* After the rows: st, or ZS_ENOMEM when the table could not be held. */
static zs_status list_end(list_ctx *lc, zs_status st) {
    if (lc->j) json_end_arr(lc->j);
    if (lc->o->format == FORMAT_TABLE && result_tab_end(&lc->tab) != EXIT_OK && st == ZS_OK) st = ZS_ENOMEM;
    return st;
}

static int degenerate(const levels_opts *o) {
    for (size_t i = 0; o->degeneracies && i < o->k; i++)
        if (o->degeneracies[i] != 1.0) return 1;
    return 0;
}

/* One listing: its rows streamed from the library under the table's title or the JSON key. */
typedef enum { LIST_MICRO, LIST_MACRO, LIST_DOS } list_kind;

static zs_status list(const zs_levels *lv, const levels_opts *o, json *j, list_kind kind) {
    static const char *const key[] = {"microstate_list", "macrostates", "dos"};
    static const char *const title[] = {"microstates (unit 0 first; p of each)",
                                        "macrostates by energy (p of the whole macrostate)", "density of states"};
    list_ctx lc = {o, j, 0, kind == LIST_MICRO && degenerate(o), {0}};
    result proto;
    result_init(&proto);
    if (kind == LIST_MICRO) micro_fields(&proto, &lc, NULL, NULL, 0, 0);
    else if (kind == LIST_MACRO) macro_fields(&proto, &lc, NULL, NULL, 0, 0);
    else dos_fields(&proto, 0, NULL, 0);
    list_begin(&lc, key[kind], title[kind], &proto);
    zs_status st = kind == LIST_MICRO ? zs_levels_microstates(lv, (size_t)o->units, o->beta, o->limit, micro_row, &lc)
                   : kind == LIST_MACRO ? zs_levels_macrostates(lv, o->units, o->beta, o->limit, macro_row, &lc)
                                        : zs_levels_dos(lv, o->units, o->beta, o->limit, dos_row, &lc);
    return list_end(&lc, st);
}

/* ---- estimated time ---------------------------------------------------------------------- */

/* A listing's time, fitted to CPU seconds of the release build (one thread, table output to a
 * file; development machine with load average 5 to 6 from other work) over 2-level listings
 * of N = 3200..12800 (3 to 37 MB of multiplicities), 3-level N = 300 and 910 (45 470 and
 * 415 435 rows, 0.26 s and 4.6 s), 30 levels N = 5 (278 256 rows, 2.0 s), the microstates of
 * N = 19 on 2 levels and N = 12 on 3 (0.5 M rows, 2.9 s and 2.3 s) and the densities of states
 * of the 2-level N = 12800 and the 3-level N = 910 (0.9 s each): a row costs 2 us to format,
 * a byte of output 20 ns (the output is held until the command ends), an exact multiplicity
 * 1 us. These are below the fitted values (the estimate is 0.5 to 1 times the time measured),
 * so it errs towards allowing a listing. */
#define LIST_NS_PER_ROW 2000.0
#define LIST_NS_PER_BYTE 20.0
#define LIST_NS_PER_MULTIPLICITY 1000.0
#define LIST_BYTES_PER_ROW 45.0 /* energy, p, separators */

static double listing_ns(double multiplicities, double rows, double bytes) {
    return multiplicities * LIST_NS_PER_MULTIPLICITY + rows * LIST_NS_PER_ROW + bytes * LIST_NS_PER_BYTE;
}

/* The macrostates or the density of states: rows and digits from the library, a walk over
 * the macrostates without exact arithmetic (0.1 us each, a tenth of the listing's least cost
 * per macrostate). The walk is skipped when the multiplicities alone are over the allowance,
 * and stops once the digits are ten times over it: *more is then set (the estimate is a
 * lower bound). */
static zs_status macro_listing_ns(const zs_levels *lv, const levels_opts *o, int dos, double *ns, int *more) {
    const double n = (double)o->units, k = (double)o->k, allowed = o->max_seconds * 1e9;
    double macro, rows, digits;
    zs_status st = zs_levels_listing_size(lv, (size_t)o->units, dos, o->limit, 0.0, &macro, &rows, &digits);
    if (st != ZS_OK) return st;
    *ns = listing_ns(macro, dos ? 1.0 : macro, 0.0);
    if (*ns > allowed) return *more = 1, ZS_OK;
    double stop = 10.0 * allowed / LIST_NS_PER_BYTE;
    st = zs_levels_listing_size(lv, (size_t)o->units, dos, o->limit, stop, &macro, &rows, &digits);
    if (st != ZS_OK) return st;
    if (digits > stop) *more = 1;
    double occ_bytes = dos ? 0.0 : k * (log10(n / k + 1.0) + 1.5); /* occupation per row */
    *ns = listing_ns(macro, rows, rows * (LIST_BYTES_PER_ROW + occ_bytes) + digits);
    return ZS_OK;
}

/* Every listing asked for, together; past --limit the library refuses with its own message. */
int levels_check_listing_time(zs_ctx *ctx, const zs_levels *lv, const levels_opts *o) {
    double ns = 0.0, part;
    int more = 0;
    zs_status st = ZS_OK;
    if (o->microstates) {
        double g = 0.0;
        for (size_t i = 0; i < o->k; i++) g += o->degeneracies ? o->degeneracies[i] : 1.0;
        double rows = pow(g, (double)o->units);
        /* each unit's level, and its sub-state when levels are degenerate: 2 bytes each */
        double per_row = LIST_BYTES_PER_ROW + 2.0 * (double)o->units * (degenerate(o) ? 2.0 : 1.0);
        if (rows <= o->limit) ns += listing_ns(0.0, rows, rows * per_row);
    }
    if (o->macrostates && (st = macro_listing_ns(lv, o, 0, &part, &more)) == ZS_OK) ns += part;
    if (st == ZS_OK && o->dos && (st = macro_listing_ns(lv, o, 1, &part, &more)) == ZS_OK) ns += part;
    if (st != ZS_OK) return cli_status(ctx, st);
    double secs = ns * 1e-9;
    if (!(secs > o->max_seconds)) return EXIT_OK;
    char when[64];
    cli_format_seconds(secs, when, sizeof when);
    return cli_fail(EXIT_USAGE, "levels: listing %s for N = %llu on %zu levels would take %s %s, over "
                    "--max-seconds %g; use fewer units or levels, or raise --max-seconds",
                    o->microstates + o->macrostates + o->dos > 1 ? "these tables"
                    : o->microstates ? "the microstates" : o->macrostates ? "the macrostates"
                                                         : "the density of states",
                    (unsigned long long)o->units, o->k, more ? "more than" : "about", when, o->max_seconds);
}

/* ---- output ----------------------------------------------------------------------------- */

/* Z itself only when it is a normal double; ln Z always. */
static double representable_exp(double x) {
    double v = exp(x);
    return isfinite(v) && v > 0 && v >= 2.2250738585072014e-308 ? v : (double)NAN;
}

/* The table's heading: the system, then a line per level with its occupation. */
static void describe_heading(result *s, const levels_opts *o, const levels_result *r) {
    char b[32], b2[32];
    result_line(s, "%llu units on %zu levels, beta = %s (T = %s), method %s\n", (unsigned long long)o->units,
                o->k, cli_num(b, o->beta), cli_num(b2, o->beta != 0 ? 1.0 / o->beta : HUGE_VAL),
                zs_levels_method_name(o->thermo.method));
    result_line(s, "level  energy  degeneracy  occupation");
    for (size_t i = 0; i < o->k; i++)
        result_line(s, "%-5zu  %-6s  %-10.0f  %s", i, cli_num(b, o->energies[i]),
                    o->degeneracies ? o->degeneracies[i] : 1.0, cli_num(b2, r->occupation[i]));
    result_line(s, "%s", "");
}

/* The summary, in the order of the JSON object. levels: k records (energy, degeneracy). */
static void describe_summary(result *s, result *levels, const levels_opts *o, const levels_result *r) {
    char b[32];
    const zs_levels_thermo *t = &r->th;
    describe_heading(s, o, r);
    result_u64(s, "units", o->units)->flags = RF_NO_TABLE;
    result_num(s, "beta", o->beta)->flags = RF_NO_TABLE;
    result_num(s, "temperature", o->beta != 0 ? 1.0 / o->beta : HUGE_VAL)->flags = RF_NO_TABLE;
    for (size_t i = 0; i < o->k; i++) {
        result_init(&levels[i]);
        result_num(&levels[i], "energy", o->energies[i]);
        result_num(&levels[i], "degeneracy", o->degeneracies ? o->degeneracies[i] : 1.0);
    }
    result_rows(s, "levels", levels, o->k);
    result_field *f = r->count.decimal ? result_str(s, "microstates", r->count.decimal)
                                       : result_absent(s, "microstates");
    f->table_text = r->count.decimal ? result_fmt(s, "%s (log10 %s)", r->count.decimal, cli_num(b, r->count.log10))
                                     : result_fmt(s, "10^%s", cli_num(b, r->count.log10));
    result_num(s, "log10_microstates", r->count.log10)->flags = RF_NO_TABLE;
    double z = representable_exp(t->lnz);
    /* The table shows Z above ln Z. */
    result_line(s, "%-14s%s", "Z", isfinite(z) ? cli_num(b, z) : "(outside double range; see ln Z)");
    result_num(s, "lnZ", t->lnz)->label = "ln Z";
    result_num(s, "Z", z)->flags = RF_NO_TABLE;
    result_num(s, "z", representable_exp(t->lnz_unit))->comment =
        result_fmt(s, "per unit, ln z = %s", cli_num(b, t->lnz_unit));
    result_num(s, "U", t->u)->label = "U = <E>";
    result_num(s, "F", t->f)->label = "F = -T ln Z";
    result_num(s, "S", t->s)->comment = "-sum p ln p";
    result_num(s, "S_thermo", t->s_thermo)->comment = "beta (U - F)";
    result_num(s, "C", t->c)->comment = "beta^2 Var E";
    f = result_nums(s, "occupation", r->occupation, o->k);
    f->flags = RF_NO_TABLE | RF_SPREAD;
    result_str(s, "method", zs_levels_method_name(o->thermo.method))->flags = RF_NO_TABLE;
}

/* --state: the microstate, in the order of the JSON object "state". */
static void describe_state(result *s, const levels_opts *o, const levels_result *r) {
    result_line(s, "%s", "");
    result_field *f = result_u32s(s, "levels", r->state, (size_t)o->units);
    f->label = "microstate";
    f->flags = RF_OUTDENT;
    result_num(s, "energy", r->info.energy);
    result_num(s, "p", r->info.p);
    result_num(s, "lnp", r->info.lnp)->label = "ln p";
    result_u64s(s, "occupation", r->state_occ, o->k);
    result_str(s, "multiplicity", r->mult.decimal)->comment = "microstates sharing this occupation";
}

/* A row per sweep point or landscape point: the columns' names, the values. */
static zs_status write_rows(const levels_opts *o, json *j, const char *key, const char *title,
                       const char *const *names, const double *rows, long n, int width) {
    list_ctx lc = {o, j, 0, 0, {0}};
    result r;
    result_init(&r);
    for (int c = 0; c < width; c++) result_num(&r, names[c], 0);
    list_begin(&lc, key, title, &r);
    for (long i = 0; i < n; i++) {
        for (int c = 0; c < width; c++) r.field[c].v.num = rows[i * width + c];
        if (o->format == FORMAT_TABLE) result_tab_row(&lc.tab, &r);
        else result_row(cli_out(), o->format, j, &r);
    }
    return list_end(&lc, ZS_OK);
}

/* The landscape's minimum, numerical and closed form (not in CSV, which holds one table). */
static void describe_landscape_min(result *m, const levels_result *r) {
    char b[32], b2[32];
    const unsigned hide = RF_NO_TABLE | RF_NO_CSV;
    result_num(m, "x", r->land_xmin)->flags = hide;
    result_num(m, "F", r->land_fmin)->flags = hide;
    result_num(m, "x_exact", r->land_x_exact)->flags = hide;
    result_num(m, "F_exact", r->land_f_exact)->flags = hide;
    result_line(m, "minimum (numerical)  x = %s  F = %s", cli_num(b, r->land_xmin), cli_num(b2, r->land_fmin));
    result_line(m, "minimum (closed)     x = %s  F = %s   (x* = g1 e^-beta e1 / z, F = -T ln z)",
                cli_num(b, r->land_x_exact), cli_num(b2, r->land_f_exact));
}

static const char *const SWEEP_NAMES[] = {"T", "beta", "lnZ", "U", "F", "S", "C"};
static const char *const LAND_NAMES[] = {"x", "F", "S"};

/* Everything in the chosen format: the summary (CSV: only when nothing else is asked for, as
 * CSV holds one table), the microstate, the listings, the sweep and the landscape. */
zs_status levels_write_results(const zs_levels *lv, const levels_opts *o, const levels_result *r) {
    FILE *f = cli_out();
    int csv = o->format == FORMAT_CSV;
    int listing = o->microstates || o->macrostates || o->dos || o->sweep.active || o->landscape || r->state;
    result sum, state, lmin;
    result *levels = malloc(o->k * sizeof *levels);
    if (!levels) return ZS_ENOMEM;
    result_init(&sum);
    result_init(&state);
    result_init(&lmin);
    describe_summary(&sum, levels, o, r);
    if (r->state) describe_state(&state, o, r);
    json j, *jp = NULL;
    if (o->format == FORMAT_JSON) {
        jp = &j;
        json_init(&j, f);
        json_obj(&j);
        if (r->state) result_obj(&sum, "state", &state);
        result_json_members(&j, &sum);
    } else {
        if (!csv) result_table(f, &sum, 14, "");
        else if (!listing) result_csv_pairs(f, &sum);
        if (r->state && csv) result_csv_row(f, &state);
        else if (r->state) result_table(f, &state, 14, "  ");
    }
    zs_status st = ZS_OK;
    if (o->microstates) st = list(lv, o, jp, LIST_MICRO);
    if (st == ZS_OK && o->macrostates) st = list(lv, o, jp, LIST_MACRO);
    if (st == ZS_OK && o->dos) st = list(lv, o, jp, LIST_DOS);
    if (st == ZS_OK && o->sweep.active)
        st = write_rows(o, jp, "sweep", "temperature sweep", SWEEP_NAMES, r->sweep, o->sweep.points, 7);
    if (st == ZS_OK && o->landscape) {
        st = write_rows(o, jp, "landscape", "free-energy landscape per unit, F(x) = E(x) - T S(x)", LAND_NAMES,
                   r->land, o->points, 3);
        describe_landscape_min(&lmin, r);
        if (jp) {
            json_key(jp, "landscape_min");
            json_obj_inline(jp);
            result_json_members(jp, &lmin);
            json_end_obj(jp);
        } else if (!csv) {
            result_table(f, &lmin, 0, "");
        }
    }
    if (jp) {
        json_end_obj(jp);
        json_end(jp);
    }
    for (size_t i = 0; i < o->k; i++) result_free(&levels[i]);
    free(levels);
    result_free(&sum);
    result_free(&state);
    result_free(&lmin);
    return st;
}
