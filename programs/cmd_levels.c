/* cmd_levels.c — zsum levels: the chapter's system (Maren, ch. 10). N labelled units, each on
 * one of K energy levels: microstates, Z, ln Z, U, F, S (two ways), C, occupations; one
 * microstate, the list of microstates, macrostates, the density of states, temperature sweeps
 * and the two-state free-energy landscape. */
#include "levels_cli.h"
#include "units_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS_MAX 1000        /* the microstate count is printed exactly up to this many digits */
#define LIST_LIMIT_DEFAULT 1e6 /* listings refuse beyond this many rows unless --limit says more  */



enum { O_UNITS = 1, O_ENERGIES, O_DEGEN, O_BETA, O_TEMP, O_METHOD, O_STATE, O_MICRO, O_MACRO,
       O_DOS, O_LIMIT, O_MAX_SECONDS, O_SWEEP, O_LANDSCAPE, O_POINTS, O_PLOT, O_FORMAT, O_THREADS, O_QUIET };

static const cli_option options[] = {
    {O_UNITS, "--units", 'n', "N", 0, 0, "number of units (1 .. 10^9)"},
    {O_ENERGIES, "--energies", 'e', "LIST", 0, 0, "level energies, comma-separated (K <= 64; repeats allowed)"},
    {O_DEGEN, "--degeneracies", 'g', "LIST", 0, 0, "states per level (positive integers; default all 1)"},
    {O_BETA, "--beta", 'b', "B", 0, 0, "inverse temperature (default 1)"},
    {O_TEMP, "--temperature", 'T', "T", 0, 0, "temperature (instead of --beta; nonzero)"},
    {O_METHOD, "--method", 0, "M", 0, 0, "closed (z^N, default) | macro (sum over occupation vectors)\n"
                                         "| enumerate (every microstate, Gray code, threads)"},
    {O_STATE, "--state", 0, "LIST", 0, 0, "one microstate: the level of each unit, e.g. 0,0,0,0,0,0,0,1,1,2"},
    {O_MICRO, "--microstates", 0, NULL, 0, 0, "list every microstate (refused past --limit)"},
    {O_MACRO, "--macrostates", 0, NULL, 0, 0, "list occupation vectors with exact multiplicities, by energy"},
    {O_DOS, "--dos", 0, NULL, 0, 0, "density of states: each total energy, its exact count"},
    {O_LIMIT, "--limit", 0, "M", 0, 0, "most rows a listing may have (default 1e6)"},
    {O_MAX_SECONDS, "--max-seconds", 0, "T", 0, 0, "time allowed for the thermodynamics, the sweep and\n"
                                                  "the listings, estimated before they start (default 3600)"},
    {O_SWEEP, "--sweep", 0, "T:LO:HI:P", 0, 0, "table of ln Z, U, F, S, C at P temperatures (or beta:LO:HI:P)"},
    {O_LANDSCAPE, "--landscape", 0, NULL, 0, 0, "two levels: per-unit F(x) = E(x) - T S(x), x = upper fraction"},
    {O_POINTS, "--points", 0, "P", 0, 0, "landscape grid points in (0,1) (default 99)"},
    {O_PLOT, "--plot", 0, "FILE", 0, 0, "draw the sweep or the landscape (.png or .svg, gnuplot)"},
    {O_FORMAT, "--format", 0, "F", 0, 0, "table (default) | json | csv"},
    {O_THREADS, "--threads", 0, "N", 0, 0, "threads for --method enumerate (default: all)"},
    {O_QUIET, "--quiet", 'q', NULL, 0, 0, "no progress bar"},
};

static const cli_sub subs[] = {
    {NULL, 1, "zsum levels -n N -e E0,E1,... [options]",
     "N distinguishable units, each on one of K energy levels (k_B = 1, beta = 1/T).\n", NULL},
};

static const cli_command command = {"levels", CLI_TABLE(subs), CLI_TABLE(options), NULL, NULL, NULL};

/* The checks across options, once all are read: an exit code. */
static int check_args(const levels_opts *o, int points_set, int limit_set) {
    if (o->units == 0) return cli_usage("--units: N must be at least 1");
    if (o->units > ZS_LEVELS_MAX_UNITS)
        return cli_usage("--units: N = %llu exceeds the supported 10^9", (unsigned long long)o->units);
    if (o->degeneracies && o->kg != o->k)
        return cli_usage("--degeneracies: %zu values given for %zu energies", o->kg, o->k);
    if (o->beta_set && o->temp_set) return cli_usage("levels: give --beta or --temperature, not both");
    if (o->plot && !o->sweep.active && !o->landscape)
        return cli_usage("--plot: draws a --sweep or a --landscape; ask for one of them");
    if (o->plot && o->sweep.active && o->landscape)
        return cli_usage("--plot: draws one figure; ask for --sweep or --landscape, not both");
    if (o->plot && plot_check_target(o->plot) != EXIT_OK) return EXIT_USAGE;
    if (o->plot && cli_check_output("--plot", o->plot) != EXIT_OK) return EXIT_USAGE;
    /* Options of another mode are refused rather than ignored. */
    if (points_set && !o->landscape)
        return cli_usage("--points: sets the grid of --landscape; ask for --landscape");
    if (limit_set && !o->microstates && !o->macrostates && !o->dos)
        return cli_usage("--limit: bounds the listings; ask for --microstates, --macrostates or --dos");
    if (o->threads && o->thermo.method != ZS_LEVELS_ENUMERATE)
        return cli_usage("--threads: only --method enumerate runs on threads (method %s)",
                          zs_levels_method_name(o->thermo.method));
    if (o->landscape && o->k != 2)
        return cli_usage("--landscape: needs exactly two levels, %zu given", o->k);
    if (o->landscape && !(o->beta > 0))
        return cli_usage("--landscape: needs a positive temperature, beta = %g", o->beta);
    int listings = o->microstates + o->macrostates + o->dos + o->sweep.active + o->landscape +
                   (o->state_text != NULL);
    if (o->format == FORMAT_CSV && listings > 1)
        return cli_usage("--format csv: prints one table; ask for one of --state, --microstates, "
                          "--macrostates, --dos, --sweep, --landscape");
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, levels_opts *o) {
    const cli_sub *sub;
    int first, rc = cli_select(&command, argc, argv, &sub, &first);
    if (!sub) return o->help = rc == EXIT_OK, rc;
    int have_units = 0, points_set = 0, limit_set = 0;
    double t;
    cli_args a;
    cli_start(&a, &command, sub, argc, argv, first);
    for (int id; (id = cli_next(&a)) != CLI_DONE;) {
        const char *v = a.value;
        switch (id) {
        case CLI_STOP: return o->help = a.rc == EXIT_OK, a.rc;
        case CLI_ARG: return cli_usage("levels: unexpected argument '%s'", v);
        case O_UNITS:
            if (!cli_parse_u64("--units", v, &o->units)) return EXIT_USAGE;
            have_units = 1;
            break;
        case O_ENERGIES:
            free(o->energies);
            o->energies = NULL;
            if (!cli_parse_list("--energies", v, &o->energies, &o->k)) return EXIT_USAGE;
            break;
        case O_DEGEN:
            free(o->degeneracies);
            o->degeneracies = NULL;
            if (!cli_parse_list("--degeneracies", v, &o->degeneracies, &o->kg)) return EXIT_USAGE;
            break;
        case O_BETA:
            if (!cli_parse_double("--beta", v, &o->beta)) return EXIT_USAGE;
            o->beta_set = 1;
            break;
        case O_TEMP:
            if (!cli_parse_double("--temperature", v, &t)) return EXIT_USAGE;
            if (t == 0.0) return cli_usage("--temperature: T = 0 is not allowed (beta would be infinite)");
            o->beta = 1.0 / t;
            o->temp_set = 1;
            break;
        case O_METHOD:
            if (zs_levels_method_from_name(v, &o->thermo.method) != ZS_OK || o->thermo.method == ZS_LEVELS_AUTO)
                return cli_usage("--method: '%s' is not one of closed, macro, enumerate", v);
            break;
        case O_STATE: o->state_text = v; break;
        case O_MICRO: o->microstates = 1; break;
        case O_MACRO: o->macrostates = 1; break;
        case O_DOS: o->dos = 1; break;
        case O_LIMIT:
            if (!cli_parse_double("--limit", v, &o->limit)) return EXIT_USAGE;
            if (o->limit < 1) return cli_usage("--limit: '%s' must be at least 1", v);
            limit_set = 1;
            break;
        case O_MAX_SECONDS:
            if (!cli_parse_max_seconds(v, &o->max_seconds)) return EXIT_USAGE;
            break;
        case O_SWEEP:
            if (!cli_parse_sweep(v, &o->sweep)) return EXIT_USAGE;
            break;
        case O_LANDSCAPE: o->landscape = 1; break;
        case O_POINTS:
            if (!cli_parse_int("--points", v, 1, 10000000, &o->points)) return EXIT_USAGE;
            points_set = 1;
            break;
        case O_PLOT: o->plot = v; break;
        case O_FORMAT:
            if (!cli_parse_format(v, &o->format)) return EXIT_USAGE;
            break;
        case O_THREADS:
            if (!cli_parse_threads(v, &o->threads)) return EXIT_USAGE;
            break;
        case O_QUIET: o->quiet = 1; break;
        }
    }
    if (!have_units) return cli_usage("levels: --units N is required");
    if (!o->energies) return cli_usage("levels: --energies LIST is required");
    return check_args(o, points_set, limit_set);
}

/* --state: a level index per unit; an exit code. */
static int parse_state(const levels_opts *o, uint32_t **out) {
    double *v;
    size_t n;
    if (!cli_parse_list("--state", o->state_text, &v, &n)) return EXIT_USAGE;
    if (n != o->units) {
        free(v);
        return cli_usage("--state: %zu levels given for %llu units", n, (unsigned long long)o->units);
    }
    uint32_t *s = malloc(n * sizeof *s);
    if (!s) {
        free(v);
        return cli_fail(EXIT_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0 || v[i] != floor(v[i]) || v[i] >= (double)o->k) {
            cli_usage("--state: item %zu (%g) is not a level index 0..%zu", i + 1, v[i], o->k - 1);
            free(v);
            free(s);
            return EXIT_USAGE;
        }
        s[i] = (uint32_t)v[i];
    }
    free(v);
    *out = s;
    return EXIT_OK;
}

/* ---- collected results ------------------------------------------------------------------ */


static void levels_result_free(levels_result *r) {
    zs_count_clear(&r->count);
    zs_count_clear(&r->mult);
    free(r->state);
    free(r->sweep);
    free(r->land);
}

/* The thermodynamics' estimated time: the point at beta, and the sweep's points with their
 * rows of 7 numbers (the levels' methods cost the same at every beta), refused before any
 * work; a method refused for its own work limit is left to its message. Enumeration's 10^12
 * assignments take minutes (`levels -n 38 -e 0,1 -g 1,2 --method enumerate`, 2^38: about a
 * minute, ran past a 1 ms ceiling for 1.5 s of the fuzz build before its first chunk ended). */
static int check_thermo_time(const zs_levels *lv, const levels_opts *o) {
    const double each = zs_levels_thermo_seconds(lv, o->units, &o->thermo),
                 points = o->sweep.active ? (double)o->sweep.points : 0.0,
                 total = each + (each + 7.0 * CLI_NUMBER_SECONDS) * points;
    if (each == HUGE_VAL || total <= o->max_seconds) return EXIT_OK;
    char when[96];
    cli_format_seconds(total, when, sizeof when);
    if (!o->sweep.active)
        return cli_fail(EXIT_USAGE, "levels: method %s for N = %llu on %zu levels would take about %s, "
                        "over --max-seconds %g; use method closed (any N), or raise --max-seconds",
                        zs_levels_method_name(o->thermo.method), (unsigned long long)o->units, o->k, when,
                        o->max_seconds);
    return cli_fail(EXIT_USAGE, "--sweep: %ld temperatures by method %s would take about %s in all, "
                    "over --max-seconds %g; use fewer points, method closed, or raise --max-seconds",
                    o->sweep.points, zs_levels_method_name(o->thermo.method), when, o->max_seconds);
}

static zs_status compute_sweep(const zs_levels *lv, const levels_opts *o, levels_result *r) {
    const cli_sweep *sw = &o->sweep;
    r->sweep = malloc((size_t)sw->points * 7 * sizeof *r->sweep);
    if (!r->sweep) return ZS_ENOMEM;
    for (long i = 0; i < sw->points; i++) {
        if (progress_tick("sweep", (double)i, (double)sw->points)) return ZS_ECANCELLED;
        double v = cli_sweep_value(sw, i);
        double beta = sw->by_beta ? v : 1.0 / v;
        zs_levels_thermo th;
        zs_status st = zs_levels_thermo_compute(lv, o->units, beta, &o->thermo, &th, NULL);
        if (st != ZS_OK && units_cli_defer(st)) memset(&th, 0, sizeof th); /* units run elsewhere */
        else if (st != ZS_OK) return st;
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

/* The thermodynamics at beta and the sweep are computations whose units may run elsewhere (a
 * slice, zsum-mpi): each runs its share here, and the result is ZS_ECANCELLED, nothing printed
 * (units_cli_defer). */
static zs_status compute(const zs_levels *lv, const levels_opts *o, levels_result *r) {
    zs_status st = zs_levels_thermo_compute(lv, o->units, o->beta, &o->thermo, &r->th, r->occupation);
    if (st != ZS_OK && units_cli_defer(st)) st = ZS_OK;
    if (st == ZS_OK) st = zs_levels_microstate_count(lv, o->units, DIGITS_MAX, &r->count);
    if (st == ZS_OK && r->state)
        st = zs_levels_state(lv, o->units, r->state, o->beta, &r->info, r->state_occ, &r->mult);
    if (st == ZS_OK && o->sweep.active) st = compute_sweep(lv, o, r);
    if (st == ZS_OK && units_cli_deferred()) return ZS_ECANCELLED;
    if (st == ZS_OK && o->landscape) st = compute_landscape(lv, o, r);
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
    levels_opts o = {.beta = 1.0, .limit = LIST_LIMIT_DEFAULT, .max_seconds = cli_max_seconds(3600), .points = 99,
                     .thermo = {ZS_LEVELS_CLOSED}};
    levels_result r = {0};
    zs_ctx *ctx = zs_ctx_alloc();
    zs_levels *lv = NULL;
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    int rc = parse_args(argc, argv, &o);
    if (rc == EXIT_OK && o.state_text) rc = parse_state(&o, &r.state);
    if (rc != EXIT_OK || o.help) goto done;
    zs_ctx_set_threads(ctx, (int)o.threads);
    progress_install(ctx, o.quiet);
    zs_status st = zs_levels_alloc(ctx, o.k, o.energies, o.degeneracies, &lv);
    if (st == ZS_OK && ((rc = levels_check_listing_time(ctx, lv, &o)) != EXIT_OK ||
                        (rc = check_thermo_time(lv, &o)) != EXIT_OK)) {
        progress_finish();
        goto done;
    }
    if (st == ZS_OK) st = compute(lv, &o, &r);
    if (st == ZS_OK) st = levels_write_results(lv, &o, &r);
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
