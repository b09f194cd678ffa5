/* hopfield_capacity.c — zsum hopfield capacity: parse the options, refuse a sweep estimated
 * beyond --max-seconds, run the storage-capacity sweep and print (or plot) the curve
 * (docs/hopfield.md). */
#include "hopfield_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void capacity_row(result *row, const zs_hopfield_capacity_point *pt) {
    result_init(row);
    result_num(row, "alpha", pt->alpha);
    result_u64(row, "p", pt->p);
    result_num(row, "overlap", pt->overlap.value);
    result_num(row, "error", pt->overlap.std_error);
    result_num(row, "perfect", pt->perfect);
    result_num(row, "sweeps", pt->sweeps);
}

/* The capacity curve: the run's record and a row per load (JSON), the rows (CSV), or a
 * fixed-column table under a commented header. */
static void print_capacity(cli_format format, uint64_t n, uint64_t trials, double flip, uint64_t seed,
                           int seed_given, const zs_hopfield_capacity_point *pts, size_t nalpha, const char *plot) {
    FILE *o = cli_out();
    result head, row;
    if (format == FORMAT_TABLE) {
        char b[32];
        fprintf(o, "# capacity: N = %llu, %llu trials per load, flip %s, seed %llu%s\n", (unsigned long long)n,
                (unsigned long long)trials, cli_num(b, flip), (unsigned long long)seed,
                seed_given ? "" : " (chosen: pass --seed to repeat)");
        fprintf(o, "# theory (Amit, Gutfreund & Sompolinsky 1985): retrieval fails above alpha_c = 0.138\n");
        fprintf(o, "%8s %6s %10s %10s %9s %8s\n", "alpha", "P", "overlap", "error", "perfect", "sweeps");
        for (size_t a = 0; a < nalpha; a++)
            fprintf(o, "%8.4f %6zu %10.6f %10.6f %9.4f %8.2f\n", pts[a].alpha, pts[a].p, pts[a].overlap.value,
                    pts[a].overlap.std_error, pts[a].perfect, pts[a].sweeps);
        if (plot) fprintf(o, "# plot written to %s\n", plot);
        return;
    }
    if (format == FORMAT_CSV) {
        for (size_t a = 0; a < nalpha; a++, result_free(&row)) {
            capacity_row(&row, &pts[a]);
            if (a == 0) result_row_header(o, FORMAT_CSV, &row);
            result_row(o, FORMAT_CSV, NULL, &row);
        }
        if (nalpha == 0) fputs("alpha,p,overlap,error,perfect,sweeps\n", o);
        return;
    }
    result_init(&head);
    result_u64(&head, "n", n);
    result_u64(&head, "trials", trials);
    result_num(&head, "flip", flip);
    result_u64(&head, "seed", seed);
    result_num(&head, "alpha_c", 0.138);
    json j;
    json_init(&j, o);
    json_obj(&j);
    result_json_members(&j, &head);
    json_key(&j, "points");
    json_arr(&j);
    for (size_t a = 0; a < nalpha; a++, result_free(&row)) {
        capacity_row(&row, &pts[a]);
        result_row(o, FORMAT_JSON, &j, &row);
    }
    json_end_arr(&j);
    json_end_obj(&j);
    json_end(&j);
    result_free(&head);
}


/* --alpha LO:HI:STEPS or one value: the loads, malloc'd; an exit code. */
static int parse_alpha(const char *text, double **out, size_t *count) {
    char buf[256];
    if (strlen(text) >= sizeof buf) return cli_usage("--alpha: '%s' is too long", text);
    strcpy(buf, text);
    char *c1 = strchr(buf, ':');
    if (!c1) {
        double a;
        if (!cli_parse_double("--alpha", buf, &a)) return EXIT_USAGE;
        if (a <= 0.0) return cli_usage("--alpha: %s must be > 0", text);
        *out = malloc(sizeof **out);
        if (!*out) return cli_fail(EXIT_NOMEM, "out of memory");
        (*out)[0] = a;
        *count = 1;
        return EXIT_OK;
    }
    *c1 = 0;
    char *c2 = strchr(c1 + 1, ':');
    if (!c2) return cli_usage("--alpha: '%s' must be LO:HI:STEPS or one value", text);
    *c2 = 0;
    double lo, hi;
    uint64_t k;
    if (!cli_parse_double("--alpha (LO)", buf, &lo) || !cli_parse_double("--alpha (HI)", c1 + 1, &hi) ||
        !cli_parse_u64("--alpha (STEPS)", c2 + 1, &k))
        return EXIT_USAGE;
    if (lo <= 0.0 || hi < lo)
        return cli_usage("--alpha: '%s' needs 0 < LO <= HI", text);
    if (k < 1 || k > 10000) return cli_usage("--alpha: STEPS in '%s' must be 1..10000", text);
    if (k == 1 && hi != lo) return cli_usage("--alpha: one step needs LO = HI in '%s'", text);
    double *a = malloc(k * sizeof *a);
    if (!a) return cli_fail(EXIT_NOMEM, "out of memory");
    for (uint64_t i = 0; i < k; i++) a[i] = k == 1 ? lo : lo + (hi - lo) * (double)i / (double)(k - 1);
    *out = a;
    *count = (size_t)k;
    return EXIT_OK;
}

/* Overlap and fraction of perfect recalls against the load, with alpha_c marked (gnuplot). */
static int plot_capacity(const char *plot, uint64_t n, uint64_t trials, double flip,
                         const zs_hopfield_capacity_point *pts, size_t nalpha) {
    int rc = EXIT_OK;
    size_t cap = 4096 + nalpha * 128;
    char *script = malloc(cap);
    if (!script) rc = cli_fail(EXIT_NOMEM, "out of memory");
    else {
        size_t len = (size_t)snprintf(script, cap,
            "set title 'Hopfield capacity: N = %llu, %llu trials, flip %g'\n"
            "set xlabel 'load {/Symbol a} = P/N'\nset ylabel 'mean final overlap m'\n"
            "set yrange [0:1.05]\nset grid\nset key bottom left\n"
            "set arrow from 0.138, graph 0 to 0.138, graph 1 nohead dt 2 lc rgb 'gray40'\n"
            "set label '{/Symbol a}_c = 0.138 (AGS 1985)' at 0.14, graph 0.92\n"
            "$DATA << EOD\n", (unsigned long long)n, (unsigned long long)trials, flip);
        for (size_t a = 0; a < nalpha; a++) {
            char b1[32], b2[32], b3[32], b4[32];
            len += (size_t)snprintf(script + len, cap - len, "%s %s %s %s\n",
                                    cli_num(b1, pts[a].alpha), cli_num(b2, pts[a].overlap.value),
                                    cli_num(b3, pts[a].overlap.std_error), cli_num(b4, pts[a].perfect));
        }
        snprintf(script + len, cap - len,
                 "EOD\nplot $DATA using 1:2:3 with yerrorlines lw 2 pt 7 title 'mean overlap', "
                 "$DATA using 1:4 with linespoints dt 3 pt 6 title 'fraction perfect'\n");
        rc = plot_run(plot, script);
        free(script);
    }
    return rc;
}

/* Refuse a sweep estimated beyond --max-seconds before any work, naming the estimate. */
static int check_capacity_time(const zs_ctx *ctx, size_t n, const double *alpha, size_t nalpha,
                               const zs_hopfield_capacity_opts *co, double max_seconds) {
    double secs = zs_hopfield_capacity_seconds(ctx, n, alpha, nalpha, co);
    if (!(secs > max_seconds)) return EXIT_OK;
    char when[96];
    cli_format_seconds_on(secs, zs_ctx_threads_for(ctx, nalpha * co->trials), when, sizeof when);
    return cli_fail(EXIT_USAGE, "capacity: N = %zu units, %zu loads x %zu trials would take about "
                    "%s, over --max-seconds %g; use fewer units, loads or trials, or raise "
                    "--max-seconds", n, nalpha, co->trials, when, max_seconds);
}

int hopfield_capacity(cli_args *args) {
    uint64_t n = 0, trials = 10, seed = 0;
    double flip = 0.0, max_seconds = cli_max_seconds(3600);
    double *alpha = NULL;
    size_t nalpha = 0;
    const char *plot = NULL, *seed_text = NULL;
    int quiet = 0, have_n = 0, threads = 0;
    cli_format format = FORMAT_TABLE;
    int rc = EXIT_OK;
    for (int id; rc == EXIT_OK && (id = cli_next(args)) != CLI_DONE;) {
        const char *v = args->value;
        switch (id) {
        case CLI_STOP: free(alpha); return args->rc;
        case CLI_ARG: rc = cli_usage("capacity: unknown argument '%s' (zsum hopfield capacity --help)", v); break;
        case H_UNITS:
            have_n = 1;
            if (!cli_parse_u64("--units", v, &n)) rc = EXIT_USAGE;
            else if (n < 2 || n > 20000) rc = cli_usage("--units: %s is outside 2..20000", v);
            break;
        case H_THREADS:
            if (!cli_parse_threads(v, &threads)) rc = EXIT_USAGE;
            break;
        case H_TRIALS:
            if (!cli_parse_u64("--trials", v, &trials)) rc = EXIT_USAGE;
            else if (trials < 1 || trials > 1000000) rc = cli_usage("--trials: %s is outside 1..1000000", v);
            break;
        case H_ALPHA:
            free(alpha);
            alpha = NULL;
            rc = parse_alpha(v, &alpha, &nalpha);
            break;
        case H_FLIP:
            if (!hopfield_parse_fraction("--flip", v, &flip)) rc = EXIT_USAGE;
            break;
        case H_SEED:
            seed_text = v;
            if (!cli_parse_u64("--seed", v, &seed)) rc = EXIT_USAGE;
            break;
        case H_PLOT:
            plot = v;
            rc = plot_check_target(v);
            if (rc == EXIT_OK) rc = cli_check_output("--plot", v);
            break;
        case H_FORMAT:
            if (!cli_parse_format(v, &format)) rc = EXIT_USAGE;
            break;
        case H_MAX_SECONDS:
            if (!cli_parse_max_seconds(v, &max_seconds)) rc = EXIT_USAGE;
            break;
        case H_QUIET: quiet = 1; break;
        }
    }
    if (rc == EXIT_OK && !have_n) rc = cli_usage("capacity: -n N (the number of units) is required");
    if (rc == EXIT_OK && !alpha) rc = parse_alpha("0.025:0.3:12", &alpha, &nalpha);
    if (rc == EXIT_OK)
        for (size_t a = 0; a < nalpha && rc == EXIT_OK; a++)
            if (nearbyint(alpha[a] * (double)n) > 32767)
                rc = cli_usage("--alpha: %g x N = %g patterns is above the limit 32767", alpha[a],
                               alpha[a] * (double)n);
    if (rc != EXIT_OK) {
        free(alpha);
        return rc;
    }
    if (!seed_text) seed = zs_seed_from_entropy();
    zs_ctx *ctx = zs_ctx_alloc();
    zs_hopfield_capacity_point *pts = calloc(nalpha, sizeof *pts);
    if (!ctx || !pts) {
        free(alpha);
        free(pts);
        zs_ctx_free(ctx);
        return cli_fail(EXIT_NOMEM, "out of memory");
    }
    if (threads) zs_ctx_set_threads(ctx, threads);
    zs_hopfield_capacity_opts co = {(size_t)trials, flip, seed};
    rc = check_capacity_time(ctx, (size_t)n, alpha, nalpha, &co, max_seconds);
    if (rc != EXIT_OK) {
        free(pts);
        free(alpha);
        zs_ctx_free(ctx);
        return rc;
    }
    progress_install(ctx, quiet);
    zs_status st = zs_hopfield_capacity(ctx, (size_t)n, alpha, nalpha, &co, pts);
    progress_finish();
    if (st != ZS_OK) rc = cli_status(ctx, st);
    if (rc == EXIT_OK && plot) rc = plot_capacity(plot, n, trials, flip, pts, nalpha);
    if (rc == EXIT_OK) print_capacity(format, n, trials, flip, seed, seed_text != NULL, pts, nalpha, plot);
    free(pts);
    free(alpha);
    zs_ctx_free(ctx);
    return rc;
}
