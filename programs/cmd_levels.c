/* cmd_levels.c — zsum levels: the chapter's system (Maren, ch. 10). N labelled units, each on
 * one of K energy levels: microstates, Z, ln Z, U, F, S (two ways), C, occupations; one
 * microstate, the list of microstates, macrostates, the density of states, temperature sweeps
 * and the two-state free-energy landscape. */
#include "cli.h"
#include "result.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS_MAX 1000        /* the microstate count is printed exactly up to this many digits */
#define LIST_LIMIT_DEFAULT 1e6 /* listings refuse beyond this many rows unless --limit says more  */

typedef struct levels_opts {
    uint64_t units;
    double *energies, *degeneracies;
    size_t k, kg;
    double beta;
    int beta_set, temp_set;
    cli_format format;
    zs_levels_method method;
    const char *state_text;
    int microstates, macrostates, dos, landscape, quiet;
    double limit;
    long points;               /* landscape grid                                               */
    int threads;
    cli_sweep sweep;
    const char *plot;
} levels_opts;


static void help(void) {
    fputs(
        "usage: zsum levels -n N -e E0,E1,... [options]\n"
        "N distinguishable units, each on one of K energy levels (k_B = 1, beta = 1/T).\n\n"
        "  -n, --units N            number of units (1 .. 10^9)\n"
        "  -e, --energies LIST      level energies, comma-separated (K <= 64; repeats allowed)\n"
        "  -g, --degeneracies LIST  states per level (positive integers; default all 1)\n"
        "  -b, --beta B             inverse temperature (default 1)\n"
        "  -T, --temperature T      temperature (instead of --beta; nonzero)\n"
        "      --method M           closed (z^N, default) | macro (sum over occupation vectors)\n"
        "                           | enumerate (every microstate, Gray code, threads)\n"
        "      --state LIST         one microstate: the level of each unit, e.g. 0,0,0,0,0,0,0,1,1,2\n"
        "      --microstates        list every microstate (refused past --limit)\n"
        "      --macrostates        list occupation vectors with exact multiplicities, by energy\n"
        "      --dos                density of states: each total energy, its exact count\n"
        "      --limit M            most rows a listing may have (default 1e6)\n"
        "      --sweep T:LO:HI:P    table of ln Z, U, F, S, C at P temperatures (or beta:LO:HI:P)\n"
        "      --landscape          two levels: per-unit F(x) = E(x) - T S(x), x = upper fraction\n"
        "      --points P           landscape grid points in (0,1) (default 99)\n"
        "      --plot FILE          draw the sweep or the landscape (.png or .svg, gnuplot)\n"
        "      --format F           table (default) | json | csv\n"
        "      --threads N          threads for --method enumerate (default: all)\n"
        "  -q, --quiet              no progress bar\n",
        cli_out());
}

/* The checks across options, once all are read: 1 when they pass, else 0 (message printed). */
static int check_args(const levels_opts *o, int points_set, int limit_set) {
    if (o->units == 0) return !cli_usage("--units: N must be at least 1");
    if (o->units > ZS_LEVELS_MAX_UNITS)
        return !cli_usage("--units: N = %llu exceeds the supported 10^9", (unsigned long long)o->units);
    if (o->degeneracies && o->kg != o->k)
        return !cli_usage("--degeneracies: %zu values given for %zu energies", o->kg, o->k);
    if (o->beta_set && o->temp_set) return !cli_usage("levels: give --beta or --temperature, not both");
    if (o->plot && !o->sweep.active && !o->landscape)
        return !cli_usage("--plot: draws a --sweep or a --landscape; ask for one of them");
    if (o->plot && o->sweep.active && o->landscape)
        return !cli_usage("--plot: draws one figure; ask for --sweep or --landscape, not both");
    if (o->plot && plot_check_target(o->plot) != EXIT_OK) return 0;
    if (o->plot && cli_check_output("--plot", o->plot) != EXIT_OK) return 0;
    /* Options of another mode are refused rather than ignored. */
    if (points_set && !o->landscape)
        return !cli_usage("--points: sets the grid of --landscape; ask for --landscape");
    if (limit_set && !o->microstates && !o->macrostates && !o->dos)
        return !cli_usage("--limit: bounds the listings; ask for --microstates, --macrostates or --dos");
    if (o->threads && o->method != ZS_LEVELS_ENUMERATE)
        return !cli_usage("--threads: only --method enumerate runs on threads (method %s)",
                          zs_levels_method_name(o->method));
    if (o->landscape && o->k != 2)
        return !cli_usage("--landscape: needs exactly two levels, %zu given", o->k);
    if (o->landscape && !(o->beta > 0))
        return !cli_usage("--landscape: needs a positive temperature, beta = %g", o->beta);
    int listings = o->microstates + o->macrostates + o->dos + o->sweep.active + o->landscape +
                   (o->state_text != NULL);
    if (o->format == FORMAT_CSV && listings > 1)
        return !cli_usage("--format csv: prints one table; ask for one of --state, --microstates, "
                          "--macrostates, --dos, --sweep, --landscape");
    return 1;
}

static int parse_args(int argc, char **argv, levels_opts *o) {
    enum { O_METHOD = 256, O_STATE, O_MICRO, O_MACRO, O_DOS, O_LIMIT, O_SWEEP, O_LANDSCAPE,
           O_POINTS, O_PLOT, O_FORMAT, O_THREADS, O_HELP };
    static const struct option longopts[] = {
        {"units", required_argument, 0, 'n'},      {"energies", required_argument, 0, 'e'},
        {"degeneracies", required_argument, 0, 'g'}, {"beta", required_argument, 0, 'b'},
        {"temperature", required_argument, 0, 'T'}, {"method", required_argument, 0, O_METHOD},
        {"state", required_argument, 0, O_STATE},  {"microstates", no_argument, 0, O_MICRO},
        {"macrostates", no_argument, 0, O_MACRO},  {"dos", no_argument, 0, O_DOS},
        {"limit", required_argument, 0, O_LIMIT},  {"sweep", required_argument, 0, O_SWEEP},
        {"landscape", no_argument, 0, O_LANDSCAPE}, {"points", required_argument, 0, O_POINTS},
        {"plot", required_argument, 0, O_PLOT},    {"format", required_argument, 0, O_FORMAT},
        {"threads", required_argument, 0, O_THREADS}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, O_HELP},          {0, 0, 0, 0}};
    int have_units = 0, points_set = 0, limit_set = 0, c;
    double t;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:e:g:b:T:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!cli_parse_u64("--units", optarg, &o->units)) return 0;
            have_units = 1;
            break;
        case 'e':
            free(o->energies);
            o->energies = NULL;
            if (!cli_parse_list("--energies", optarg, &o->energies, &o->k)) return 0;
            break;
        case 'g':
            free(o->degeneracies);
            o->degeneracies = NULL;
            if (!cli_parse_list("--degeneracies", optarg, &o->degeneracies, &o->kg)) return 0;
            break;
        case 'b':
            if (!cli_parse_double("--beta", optarg, &o->beta)) return 0;
            o->beta_set = 1;
            break;
        case 'T':
            if (!cli_parse_double("--temperature", optarg, &t)) return 0;
            if (t == 0.0) return !cli_usage("--temperature: T = 0 is not allowed (beta would be infinite)");
            o->beta = 1.0 / t;
            o->temp_set = 1;
            break;
        case O_METHOD:
            if (zs_levels_method_from_name(optarg, &o->method) != ZS_OK ||
                o->method == ZS_LEVELS_AUTO)
                return !cli_usage("--method: '%s' is not one of closed, macro, enumerate", optarg);
            break;
        case O_STATE: o->state_text = optarg; break;
        case O_MICRO: o->microstates = 1; break;
        case O_MACRO: o->macrostates = 1; break;
        case O_DOS: o->dos = 1; break;
        case O_LIMIT:
            if (!cli_parse_double("--limit", optarg, &o->limit)) return 0;
            if (o->limit < 1) return !cli_usage("--limit: '%s' must be at least 1", optarg);
            limit_set = 1;
            break;
        case O_SWEEP:
            if (!cli_parse_sweep(optarg, &o->sweep)) return 0;
            break;
        case O_LANDSCAPE: o->landscape = 1; break;
        case O_POINTS:
            if (!cli_parse_int("--points", optarg, 1, 10000000, &o->points)) return 0;
            points_set = 1;
            break;
        case O_PLOT: o->plot = optarg; break;
        case O_FORMAT:
            if (!cli_parse_format(optarg, &o->format)) return 0;
            break;
        case O_THREADS:
            if (!cli_parse_threads(optarg, &o->threads)) return 0;
            break;
        case 'q': o->quiet = 1; break;
        case O_HELP: help(); return -1;
        case ':': return !cli_usage("levels: option '%s' needs a value", argv[optind - 1]);
        default: return !cli_usage("levels: unknown option '%s' (zsum levels --help)", argv[optind - 1]);
        }
    }
    if (optind < argc) return !cli_usage("levels: unexpected argument '%s'", argv[optind]);
    if (!have_units) return !cli_usage("levels: --units N is required");
    if (!o->energies) return !cli_usage("levels: --energies LIST is required");
    return check_args(o, points_set, limit_set);
}

/* --state: a level index per unit. */
static int parse_state(const levels_opts *o, uint32_t **out) {
    double *v;
    size_t n;
    if (!cli_parse_list("--state", o->state_text, &v, &n)) return 0;
    if (n != o->units) {
        free(v);
        return !cli_usage("--state: %zu levels given for %llu units", n, (unsigned long long)o->units);
    }
    uint32_t *s = malloc(n * sizeof *s);
    if (!s) {
        free(v);
        return !cli_fail(EXIT_RUNTIME, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0 || v[i] != floor(v[i]) || v[i] >= (double)o->k) {
            cli_usage("--state: item %zu (%g) is not a level index 0..%zu", i + 1, v[i], o->k - 1);
            free(v);
            free(s);
            return 0;
        }
        s[i] = (uint32_t)v[i];
    }
    free(v);
    *out = s;
    return 1;
}

/* ---- collected results ------------------------------------------------------------------ */

typedef struct levels_result {
    zs_levels_thermo th;
    double occupation[ZS_LEVELS_MAX_K];
    zs_count count;
    /* --state */
    uint32_t *state;
    zs_levels_state_info info;
    uint64_t state_occ[ZS_LEVELS_MAX_K];
    zs_count mult;
    /* --sweep */
    double *sweep;             /* (points, 7): T, beta, lnZ, U, F, S, C                       */
    /* --landscape */
    double *land;              /* (points, 3): x, F, S                                         */
    double land_xmin, land_fmin, land_x_exact, land_f_exact;
} levels_result;

static void levels_result_free(levels_result *r) {
    zs_count_clear(&r->count);
    zs_count_clear(&r->mult);
    free(r->state);
    free(r->sweep);
    free(r->land);
}

static zs_status compute_sweep(const zs_levels *lv, const levels_opts *o, levels_result *r) {
    const cli_sweep *sw = &o->sweep;
    r->sweep = malloc((size_t)sw->points * 7 * sizeof *r->sweep);
    if (!r->sweep) return ZS_ENOMEM;
    for (long i = 0; i < sw->points; i++) {
        double v = cli_sweep_value(sw, i);
        double beta = sw->by_beta ? v : 1.0 / v;
        zs_levels_thermo th;
        zs_status st = zs_levels_thermo_compute(lv, o->units, beta, o->method, &th, NULL);
        if (st != ZS_OK) return st;
        double *row = r->sweep + i * 7;
        row[0] = beta != 0.0 ? 1.0 / beta : HUGE_VAL;
        row[1] = beta;
        row[2] = th.lnz;
        row[3] = th.u;
        row[4] = th.f;
        row[5] = th.s;
        row[6] = th.c;
    }
    return ZS_OK;
}

static zs_status compute_landscape(const zs_levels *lv, const levels_opts *o, levels_result *r) {
    r->land = malloc((size_t)o->points * 3 * sizeof *r->land);
    if (!r->land) return ZS_ENOMEM;
    for (long i = 0; i < o->points; i++) {
        double x = (double)(i + 1) / (double)(o->points + 1), f, s;
        zs_status st = zs_levels_landscape(lv, o->beta, x, &f, &s);
        if (st != ZS_OK) return st;
        r->land[i * 3] = x;
        r->land[i * 3 + 1] = f;
        r->land[i * 3 + 2] = s;
    }
    /* The numerical minimum, and the chapter's closed form for comparison:
     * x* = g1 e^{-beta e1} / z, F(x*) = -T ln z (per unit). */
    zs_status st = zs_levels_landscape_min(lv, o->beta, &r->land_xmin, &r->land_fmin);
    r->land_x_exact = r->occupation[1];
    r->land_f_exact = -r->th.lnz_unit / o->beta;
    return st;
}

static zs_status compute(const zs_levels *lv, const levels_opts *o, levels_result *r) {
    zs_status st = zs_levels_thermo_compute(lv, o->units, o->beta, o->method, &r->th, r->occupation);
    if (st == ZS_OK) st = zs_levels_microstate_count(lv, o->units, DIGITS_MAX, &r->count);
    if (st == ZS_OK && r->state)
        st = zs_levels_state(lv, o->units, r->state, o->beta, &r->info, r->state_occ, &r->mult);
    if (st == ZS_OK && o->sweep.active) st = compute_sweep(lv, o, r);
    if (st == ZS_OK && o->landscape) st = compute_landscape(lv, o, r);
    return st;
}

/* ---- listings, streamed from the library ----------------------------------------------- */

/* Each listing row is one record (result.h), written as an inline JSON object, a table line or
 * a CSV line; the header comes from the same record. */
typedef struct list_ctx {
    const levels_opts *o;
    json *j;
    uint64_t row;
    int degenerate;
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
    result_row(cli_out(), lc->o->format, lc->j, r);
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
static void list_begin(const list_ctx *lc, const char *key, const char *title, const result *proto) {
    if (lc->j) {
        json_key(lc->j, key);
        json_arr(lc->j);
        return;
    }
    if (lc->o->format == FORMAT_TABLE) fprintf(cli_out(), "\n%s\n", title);
    result_row_header(cli_out(), lc->o->format, proto);
}

static void list_end(const list_ctx *lc) {
    if (lc->j) json_end_arr(lc->j);
}

static int degenerate(const levels_opts *o) {
    for (size_t i = 0; o->degeneracies && i < o->k; i++)
        if (o->degeneracies[i] != 1.0) return 1;
    return 0;
}

static zs_status list_micro(const zs_levels *lv, const levels_opts *o, json *j) {
    list_ctx lc = {o, j, 0, degenerate(o)};
    result proto;
    result_init(&proto);
    micro_fields(&proto, &lc, NULL, NULL, 0, 0);
    list_begin(&lc, "microstate_list", "microstates (unit 0 first; p of each)", &proto);
    zs_status st = zs_levels_microstates(lv, (size_t)o->units, o->beta, o->limit, micro_row, &lc);
    list_end(&lc);
    return st;
}

static zs_status list_macro(const zs_levels *lv, const levels_opts *o, json *j) {
    list_ctx lc = {o, j, 0, 0};
    result proto;
    result_init(&proto);
    macro_fields(&proto, &lc, NULL, NULL, 0, 0);
    list_begin(&lc, "macrostates", "macrostates by energy (p of the whole macrostate)", &proto);
    zs_status st = zs_levels_macrostates(lv, o->units, o->beta, o->limit, macro_row, &lc);
    list_end(&lc);
    return st;
}

static zs_status list_dos(const zs_levels *lv, const levels_opts *o, json *j) {
    list_ctx lc = {o, j, 0, 0};
    result proto;
    result_init(&proto);
    dos_fields(&proto, 0, NULL, 0);
    list_begin(&lc, "dos", "density of states", &proto);
    zs_status st = zs_levels_dos(lv, o->units, o->beta, o->limit, dos_row, &lc);
    list_end(&lc);
    return st;
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
                zs_levels_method_name(o->method));
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
    result_str(s, "method", zs_levels_method_name(o->method))->flags = RF_NO_TABLE;
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
static void write_rows(const levels_opts *o, json *j, const char *key, const char *title,
                       const char *const *names, const double *rows, long n, int width) {
    list_ctx lc = {o, j, 0, 0};
    result r;
    result_init(&r);
    for (int c = 0; c < width; c++) result_num(&r, names[c], 0);
    list_begin(&lc, key, title, &r);
    for (long i = 0; i < n; i++) {
        for (int c = 0; c < width; c++) r.field[c].v.num = rows[i * width + c];
        result_row(cli_out(), o->format, j, &r);
    }
    list_end(&lc);
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
static zs_status write_results(const zs_levels *lv, const levels_opts *o, const levels_result *r) {
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
    if (o->microstates) st = list_micro(lv, o, jp);
    if (st == ZS_OK && o->macrostates) st = list_macro(lv, o, jp);
    if (st == ZS_OK && o->dos) st = list_dos(lv, o, jp);
    if (o->sweep.active)
        write_rows(o, jp, "sweep", "temperature sweep", SWEEP_NAMES, r->sweep, o->sweep.points, 7);
    if (o->landscape) {
        write_rows(o, jp, "landscape", "free-energy landscape per unit, F(x) = E(x) - T S(x)", LAND_NAMES,
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

/* ---- plots -------------------------------------------------------------------------------- */

static int plot_sweep(const levels_opts *o, const levels_result *r) {
    /* U, S, C per unit against T (points at beta <= 0 have no place on a T axis). */
    plot_script ps;
    FILE *s = plot_script_open(&ps);
    if (!s) return EXIT_RUNTIME;
    char b[32];
    double n = (double)o->units;
    fputs("$D << EOD\n", s);
    for (long i = 0; i < o->sweep.points; i++) {
        const double *row = r->sweep + i * 7;
        if (!(row[1] > 0)) continue;
        fprintf(s, "%s", cli_num(b, row[0]));
        fprintf(s, " %s", cli_num(b, row[3] / n));
        fprintf(s, " %s", cli_num(b, row[5] / n));
        fprintf(s, " %s\n", cli_num(b, row[6] / n));
    }
    fputs("EOD\n", s);
    fprintf(s, "set title 'zsum levels: %llu units, energies", (unsigned long long)o->units);
    for (size_t i = 0; i < o->k; i++) fprintf(s, "%s%s", i ? "," : " ", cli_num(b, o->energies[i]));
    fputs("'\nset xlabel 'T'\nset ylabel 'per unit'\nset key top left\nset grid\n"
          "plot $D using 1:2 with lines lw 2 title 'U/N', "
          "$D using 1:3 with lines lw 2 title 'S/N', "
          "$D using 1:4 with lines lw 2 title 'C/N'\n", s);
    return plot_script_draw(&ps, o->plot);
}

static int plot_landscape(const levels_opts *o, const levels_result *r) {
    plot_script ps;
    FILE *s = plot_script_open(&ps);
    if (!s) return EXIT_RUNTIME;
    char b[32], b2[32], b3[32];
    fputs("$D << EOD\n", s);
    for (long i = 0; i < o->points; i++)
        fprintf(s, "%s %s %s\n", cli_num(b, r->land[i * 3]), cli_num(b2, r->land[i * 3 + 1]),
                cli_num(b3, r->land[i * 3 + 2]));
    fputs("EOD\n", s);
    fprintf(s, "set title 'Free energy per unit, two levels, T = %s'\n", cli_num(b, 1.0 / o->beta));
    fputs("set xlabel 'x (fraction of units on the upper level)'\nset ylabel 'F(x)'\n"
          "set y2label 'S(x)'\nset y2tics\nset ytics nomirror\nset grid\nset key bottom center\n", s);
    fprintf(s, "set arrow from %s, graph 0 to %s, graph 1 nohead dt 2\n", cli_num(b, r->land_xmin),
            cli_num(b2, r->land_xmin));
    fputs("plot $D using 1:2 with lines lw 2 title 'F(x) = E(x) - T S(x)', "
          "$D using 1:3 axes x1y2 with lines lw 2 title 'S(x) = -[x ln x + (1-x) ln(1-x)]'\n", s);
    return plot_script_draw(&ps, o->plot);
}

int cmd_levels(int argc, char **argv) {
    levels_opts o = {.beta = 1.0, .limit = LIST_LIMIT_DEFAULT, .points = 99};
    levels_result r = {0};
    zs_ctx *ctx = zs_ctx_alloc();
    zs_levels *lv = NULL;
    int rc = EXIT_OK, parsed;
    if (!ctx) return cli_fail(EXIT_RUNTIME, "out of memory");
    parsed = parse_args(argc, argv, &o);
    if (parsed <= 0) {
        rc = parsed < 0 ? EXIT_OK : EXIT_USAGE;
        goto done;
    }
    if (o.state_text && !parse_state(&o, &r.state)) {
        rc = EXIT_USAGE;
        goto done;
    }
    zs_ctx_set_threads(ctx, (int)o.threads);
    progress_install(ctx, o.quiet);
    zs_status st = zs_levels_alloc(ctx, o.k, o.energies, o.degeneracies, &lv);
    if (st == ZS_OK) st = compute(lv, &o, &r);
    if (st == ZS_OK) st = write_results(lv, &o, &r);
    progress_finish();
    if (st != ZS_OK) {
        rc = cli_status(ctx, st);
        goto done;
    }
    if (o.plot) rc = o.sweep.active ? plot_sweep(&o, &r) : plot_landscape(&o, &r);
done:
    levels_result_free(&r);
    zs_levels_free(lv);
    zs_ctx_free(ctx);
    free(o.energies);
    free(o.degeneracies);
    return rc;
}
