/* cmd_levels.c — zsum levels: the chapter's system (Maren, ch. 10). N labelled units, each on
 * one of K energy levels: microstates, Z, ln Z, U, F, S (two ways), C, occupations; one
 * microstate, the list of microstates, macrostates, the density of states, temperature sweeps
 * and the two-state free-energy landscape. */
#include "levels_cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS_MAX 1000        /* the microstate count is printed exactly up to this many digits */
#define LIST_LIMIT_DEFAULT 1e6 /* listings refuse beyond this many rows unless --limit says more  */



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
        return !cli_fail(EXIT_NOMEM, "out of memory");
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
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
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
