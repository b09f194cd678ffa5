/* cmd_hopfield.c — zsum hopfield store | recall | capacity: Hopfield memories (docs/hopfield.md). */
#include "hopfield_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_option options[] = {
    {H_OUTPUT, "--output", 'o', "NET.npz", H_STORE, CLI_ONCE, "the network file to write (required)"},
    {H_RULE, "--rule", 0, "R", H_STORE, 0,
     "hebbian (default): J = (1/N) sum_mu xi xi^T; projection: J = (1/N)\n"
     "Xi^T C^-1 Xi, C = Xi Xi^T / N (every pattern a fixed point for P < N\n"
     "independent patterns); the diagonal is zero in both"},
    {H_PROBE, "--probe", 0, "P", H_RECALL, 0, "a stored pattern's index (0..P-1) or a file with one pattern"},
    {H_UNITS, "--units", 'n', "N", H_CAPACITY, 0, "units (2..20000)"},
    {H_TRIALS, "--trials", 0, "T", H_CAPACITY, 0, "networks per load (default 10)"},
    {H_ALPHA, "--alpha", 0, "LO:HI:K", H_CAPACITY, 0, "K loads evenly from LO to HI (default 0.025:0.3:12), or one value"},
    {H_FLIP, "--flip", 0, "F", H_RECALL | H_CAPACITY, 0, "flip a fraction F in [0,1] of the probe's units, chosen at random"},
    {H_SEED, "--seed", 0, "S", H_RECALL | H_CAPACITY, 0,
     "seed for --flip, the random order and the heat bath (default: chosen\nand printed)"},
    {H_TEMP, "--temperature", 'T', "T", H_RECALL, 0,
     "temperature (default 0: s_i <- sign(h_i), ties keep s_i, stop at\n"
     "a fixed point; T > 0: heat bath P(s_i=+1) = 1/(1+exp(-2h_i/T)))"},
    {H_BETA, "--beta", 'b', "B", H_RECALL, 0, "the same as -T 1/B (B > 0)"},
    {H_SWEEPS, "--sweeps", 0, "N", H_RECALL, 0, "at most N sweeps (default 100; with T > 0 exactly N)"},
    {H_ORDER, "--order", 0, "O", H_RECALL, 0, "random (a new permutation each sweep, default) or sequential"},
    {H_IMAGE, "--output", 'o', "F", H_RECALL, CLI_ONCE, "write the final state as an image F.pbm or F.png (needs a shape)"},
    {H_SHAPE, "--shape", 0, "RxC", H_STORE | H_RECALL, 0,
     "image shape rows x cols (R*C = N) for text or .npy patterns; recall:\n"
     "overrides the one stored in NET.npz"},
    {H_SCALE, "--scale", 0, "K", H_RECALL, 0,
     "draw each unit as K x K pixels (1..1000; default 1 for .pbm, and for\n"
     ".png enough to make the image at least 256 pixels across)"},
    {H_PLOT, "--plot", 0, "F", H_CAPACITY, 0, "draw overlap vs alpha to F.png or F.svg (gnuplot)"},
    {H_FORMAT, "--format", 0, "F", 0, 0, "table (default) | json | csv (store: table or json)"},
    {H_THREADS, "--threads", 0, "N", H_CAPACITY, 0, "threads (1..1024; the results do not depend on it)"},
    {H_MAX_SECONDS, "--max-seconds", 0, "T", H_CAPACITY, 0,
     "refuse, with the estimate, a sweep estimated to take longer (default 3600)"},
    {H_QUIET, "--quiet", 'q', NULL, 0, 0, "no progress bar (store and recall draw none)"},
    {H_SPELL_T, "--T", 0, NULL, H_RECALL, CLI_SPELLING, "the temperature is spelled -T or --temperature"},
    {H_SPELL_N, "--n", 0, NULL, H_CAPACITY, CLI_SPELLING, "the number of units is spelled -n or --units"},
};

static const cli_sub subs[] = {
    {"store", H_STORE, "zsum hopfield store PATTERNS... -o NET.npz [--rule hebbian|projection] [--shape RxC]\n"
                       "                            [--format table|json]",
     "Store +-1 patterns and write NET.npz (J (N,N) float64, patterns (P,N)\n"
     "int8, shape (2,) int64 when the patterns are images).\n"
     "PATTERNS: text (one pattern per line: runs of + and -, or numbers 1, -1, 0 separated by\n"
     "  spaces or commas; 0 means -1; '#' lines are comments), PBM images (P1 or P4; black = +1;\n"
     "  several files or several images per file), or .npy arrays (P,N), (N,) or (P,rows,cols)\n"
     "  of +-1 or 0/1. The kind is recognised from the content.\n", NULL},
    {"recall", H_RECALL, "zsum hopfield recall NET.npz --probe P [--flip F] [--seed S] [-T T] [--sweeps N]\n"
                         "                            [--order random|sequential] [-o OUT.pbm|OUT.png] [--shape RxC]\n"
                         "                            [--scale K] [--format table|json|csv]",
     "Run asynchronous dynamics from a probe and report, after each sweep, the number of units\n"
     "that changed, the energy E = -1/2 s^T J s and the overlap m_mu = (1/N) xi^mu . s with each\n"
     "stored pattern (the table shows all when P <= 8, else the best).\n", NULL},
    {"capacity", H_CAPACITY, "zsum hopfield capacity -n N [--trials T] [--alpha LO:HI:STEPS] [--flip F]\n"
                             "                            [--seed S] [--plot F.png|F.svg] [--max-seconds 3600]\n"
                             "                            [--format table|json|csv] [--quiet]",
     "For each load alpha: store P = round(alpha N) random patterns, recall from every stored\n"
     "pattern (optionally corrupted by --flip) with deterministic random-order dynamics to a\n"
     "fixed point, and report the mean final overlap (with its standard error over trials), the\n"
     "fraction of perfect recalls and the mean number of sweeps. Trial t of load a draws from\n"
     "the random stream (seed, a*2^32 + t): results do not depend on the number of threads.\n", NULL},
};

const cli_command hopfield_command = {
    "hopfield", CLI_TABLE(subs), CLI_TABLE(options),
    "Hopfield memories: Hebbian storage J = (1/N) sum_mu xi^mu xi^mu^T (zero diagonal), recall by\n"
    "asynchronous dynamics (deterministic, or heat bath at temperature T), and the storage\n"
    "capacity sweep (collapse near alpha = P/N = 0.138, Amit, Gutfreund & Sompolinsky 1985).\n"
    "zsum hopfield SUBCOMMAND --help gives the options of each. See docs/hopfield.md.\n",
    NULL, NULL};

int hopfield_parse_shape(const char *text, size_t *rows, size_t *cols) {
    uint64_t d[2];
    int nd;
    if (!cli_parse_size("--shape", text, d, &nd)) return 0;
    if (nd != 2) {
        cli_usage("--shape: '%s' must be ROWSxCOLS, e.g. 16x16", text);
        return 0;
    }
    if (d[0] > 100000 || d[1] > 100000) {
        cli_usage("--shape: '%s' is too large", text);
        return 0;
    }
    *rows = (size_t)d[0];
    *cols = (size_t)d[1];
    return 1;
}

int hopfield_parse_fraction(const char *option, const char *text, double *out) {
    if (!cli_parse_double(option, text, out)) return 0;
    if (*out < 0.0 || *out > 1.0) {
        cli_usage("%s: %s is outside [0, 1]", option, text);
        return 0;
    }
    return 1;
}

void hopfield_print_pattern(FILE *f, const int8_t *s, size_t n, size_t cols, const char *indent) {
    for (size_t i = 0; i < n; i++) {
        if (cols && i % cols == 0) fputs(indent, f);
        if (!cols && i == 0) fputs(indent, f);
        fputc(s[i] > 0 ? '+' : '-', f);
        if (cols && (i + 1) % cols == 0) fputc('\n', f);
    }
    if (!cols) fputc('\n', f);
}

/* The stored network's record; the table is its summary in words. */
static void print_store(cli_format format, size_t n, size_t p, int projection, const size_t *shape,
                        const char *output) {
    char b[32];
    result r;
    result_init(&r);
    double alpha = (double)p / (double)n;
    const char *rule = projection ? "projection" : "hebbian";
    result_line(&r, "stored %zu patterns of %zu units in %s (%s rule)", p, n, output,
                projection ? "projection" : "Hebbian");
    snprintf(b, sizeof b, "%.4g", alpha);
    result_line(&r, "load alpha = P/N = %s (%s)", b,
                projection ? "every pattern is a fixed point for P < N" : "retrieval fails above about 0.138");
    if (shape) result_line(&r, "shape %zux%zu (rows x cols)", shape[0], shape[1]);
    result_u64(&r, "n", n)->flags = RF_NO_TABLE;
    result_u64(&r, "p", p)->flags = RF_NO_TABLE;
    result_num(&r, "alpha", alpha)->flags = RF_NO_TABLE;
    result_str(&r, "rule", rule)->flags = RF_NO_TABLE;
    (shape ? result_sizes(&r, "shape", shape, 2) : result_absent(&r, "shape"))->flags = RF_NO_TABLE;
    result_str(&r, "file", output)->flags = RF_NO_TABLE;
    result_write(cli_out(), format, &r, 0);
    result_free(&r);
}

/* ---- store ----------------------------------------------------------------------------- */

static int cmd_store(cli_args *a) {
    const char *output = NULL;
    size_t rows = 0, cols = 0;
    int projection = 0;
    cli_format format = FORMAT_TABLE;
    const char **files = calloc((size_t)a->argc, sizeof *files);
    size_t nfiles = 0;
    if (!files) return cli_fail(EXIT_NOMEM, "out of memory");
    int rc = EXIT_OK;
    for (int id; rc == EXIT_OK && (id = cli_next(a)) != CLI_DONE;) {
        const char *v = a->value;
        switch (id) {
        case CLI_STOP: free(files); return a->rc;
        case CLI_ARG: files[nfiles++] = v; break;
        case H_OUTPUT:
            output = v;
            rc = cli_check_output("--output", v);
            break;
        case H_SHAPE:
            if (!hopfield_parse_shape(v, &rows, &cols)) rc = EXIT_USAGE;
            break;
        case H_QUIET: break; /* no progress bar to silence */
        case H_RULE:
            if (!strcmp(v, "hebbian")) projection = 0;
            else if (!strcmp(v, "projection")) projection = 1;
            else rc = cli_usage("--rule: '%s' is not hebbian or projection", v);
            break;
        case H_FORMAT:
            if (!cli_parse_format(v, &format)) rc = EXIT_USAGE;
            else if (format == FORMAT_CSV) rc = cli_usage("store: --format is table or json");
            break;
        }
    }
    if (rc == EXIT_OK && nfiles == 0)
        rc = cli_usage("store: give at least one PATTERNS file (zsum hopfield store --help)");
    if (rc == EXIT_OK && !output) rc = cli_usage("store: -o NET.npz is required");
    if (rc != EXIT_OK) {
        free(files);
        return rc;
    }
    zs_ctx *ctx = zs_ctx_alloc();
    zs_patterns *all = NULL;
    zs_hopfield *net = NULL;
    zs_status st = ctx ? ZS_OK : ZS_ENOMEM;
    for (size_t f = 0; f < nfiles && st == ZS_OK; f++) {
        zs_patterns *one;
        st = zs_patterns_read(ctx, files[f], &one);
        if (st != ZS_OK) break;
        if (!all) {
            all = one;
            continue;
        }
        if (zs_patterns_units(one) != zs_patterns_units(all)) {
            rc = cli_usage("%s: its patterns have %zu units but %s's have %zu: patterns must have "
                           "equal lengths", files[f], zs_patterns_units(one), files[0],
                           zs_patterns_units(all));
            zs_patterns_free(one);
            break;
        }
        st = zs_patterns_append(ctx, all, one);
        zs_patterns_free(one);
    }
    if (rc == EXIT_OK && st == ZS_OK && rows) st = zs_patterns_set_shape(ctx, all, rows, cols);
    if (rc == EXIT_OK && st == ZS_OK)
        st = projection ? zs_hopfield_alloc_projection(ctx, all, &net)
                        : zs_hopfield_alloc_hebbian(ctx, all, &net);
    if (rc == EXIT_OK && st == ZS_OK) st = zs_hopfield_save(net, output);
    if (rc == EXIT_OK && st != ZS_OK) rc = cli_status(ctx, st);
    if (rc == EXIT_OK) {
        size_t n = zs_patterns_units(all), p = zs_patterns_count(all);
        size_t shape[2] = {0, 0};
        int has_shape = zs_patterns_shape(all, &shape[0], &shape[1]);
        print_store(format, n, p, projection, has_shape ? shape : NULL, output);
    }
    zs_hopfield_free(net);
    zs_patterns_free(all);
    zs_ctx_free(ctx);
    free(files);
    return rc;
}

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

/* ---- capacity -------------------------------------------------------------------------- */

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
    char when[64];
    cli_format_seconds(secs, when, sizeof when);
    return cli_fail(EXIT_USAGE, "capacity: N = %zu units, %zu loads x %zu trials would take about "
                    "%s, over --max-seconds %g; use fewer units, loads or trials, or raise "
                    "--max-seconds", n, nalpha, co->trials, when, max_seconds);
}

static int cmd_capacity(cli_args *args) {
    uint64_t n = 0, trials = 10, seed = 0;
    double flip = 0.0, max_seconds = 3600;
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
            if (!cli_parse_double("--max-seconds", v, &max_seconds)) rc = EXIT_USAGE;
            else if (!(max_seconds > 0)) rc = cli_usage("--max-seconds: '%s' must be > 0", v);
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

int cmd_hopfield(int argc, char **argv) {
    const cli_sub *sub;
    int first, rc = cli_select(&hopfield_command, argc, argv, &sub, &first);
    if (!sub) return rc;
    cli_args a;
    cli_start(&a, &hopfield_command, sub, argc, argv, first);
    if (sub->mode == H_STORE) return cmd_store(&a);
    if (sub->mode == H_RECALL) return hopfield_recall(&a);
    return cmd_capacity(&a);
}
