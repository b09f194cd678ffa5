/* cmd_hopfield.c — zsum hopfield store | recall | capacity: Hopfield memories (docs/hopfield.md). */
#include "hopfield_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *help_main =
    "usage: zsum hopfield store PATTERNS... -o NET.npz [--rule hebbian|projection] [--shape RxC]\n"
    "                            [--format table|json]\n"
    "       zsum hopfield recall NET.npz --probe P [--flip F] [--seed S] [-T T] [--sweeps N]\n"
    "                            [--order random|sequential] [-o OUT.pbm|OUT.png] [--shape RxC]\n"
    "                            [--scale K] [--format table|json|csv]\n"
    "       zsum hopfield capacity -n N [--trials T] [--alpha LO:HI:STEPS] [--flip F]\n"
    "                            [--seed S] [--plot F.png|F.svg] [--format table|json|csv] [--quiet]\n"
    "\n"
    "Hopfield memories: Hebbian storage J = (1/N) sum_mu xi^mu xi^mu^T (zero diagonal), recall by\n"
    "asynchronous dynamics (deterministic, or heat bath at temperature T), and the storage\n"
    "capacity sweep (collapse near alpha = P/N = 0.138, Amit, Gutfreund & Sompolinsky 1985).\n"
    "zsum hopfield SUBCOMMAND --help gives the options of each. See docs/hopfield.md.\n";

static const char *help_store =
    "usage: zsum hopfield store PATTERNS... -o NET.npz [--rule hebbian|projection] [--shape RxC]\n"
    "                           [--format table|json]\n"
    "\n"
    "Store +-1 patterns and write NET.npz (J (N,N) float64, patterns (P,N)\n"
    "int8, shape (2,) int64 when the patterns are images).\n"
    "PATTERNS: text (one pattern per line: runs of + and -, or numbers 1, -1, 0 separated by\n"
    "  spaces or commas; 0 means -1; '#' lines are comments), PBM images (P1 or P4; black = +1;\n"
    "  several files or several images per file), or .npy arrays (P,N), (N,) or (P,rows,cols)\n"
    "  of +-1 or 0/1. The kind is recognised from the content.\n"
    "  -o, --output NET.npz   the network file to write (required)\n"
    "  --rule R               hebbian (default): J = (1/N) sum_mu xi xi^T; projection: J = (1/N)\n"
    "                         Xi^T C^-1 Xi, C = Xi Xi^T / N (every pattern a fixed point for P < N\n"
    "                         independent patterns); the diagonal is zero in both\n"
    "  --shape RxC            image shape rows x cols (R*C = N) for text or .npy patterns\n"
    "  --format table|json    summary format (default table)\n"
    "  -q, --quiet            accepted for uniformity (store draws no progress bar)\n";

static const char *help_capacity =
    "usage: zsum hopfield capacity -n N [options]\n"
    "\n"
    "For each load alpha: store P = round(alpha N) random patterns, recall from every stored\n"
    "pattern (optionally corrupted by --flip) with deterministic random-order dynamics to a\n"
    "fixed point, and report the mean final overlap (with its standard error over trials), the\n"
    "fraction of perfect recalls and the mean number of sweeps. Trial t of load a draws from\n"
    "the random stream (seed, a*2^32 + t): results do not depend on the number of threads.\n"
    "  -n, --units N      units (2..20000)\n"
    "  --trials T         networks per load (default 10)\n"
    "  --alpha LO:HI:K    K loads evenly from LO to HI (default 0.025:0.3:12), or one value\n"
    "  --flip F           fraction of each probe's units flipped (default 0)\n"
    "  --seed S           random seed (default: chosen and printed)\n"
    "  --plot F           draw overlap vs alpha to F.png or F.svg (gnuplot)\n"
    "  --format table|json|csv\n"
    "  --threads N        threads (1..1024; the results do not depend on it)\n"
    "  -q, --quiet        no progress bar\n";

const char *hopfield_opt(int argc, char **argv, int *i, const char *name, const char *alias, int *missing) {
    const char *a = argv[*i];
    size_t len = strlen(name);
    if (!strncmp(a, name, len) && a[len] == '=') return a + len + 1;
    if (strcmp(a, name) && !(alias && !strcmp(a, alias))) return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

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

static int cmd_store(int argc, char **argv) {
    const char *output = NULL;
    size_t rows = 0, cols = 0;
    int projection = 0;
    cli_format format = FORMAT_TABLE;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    if (!files) return cli_fail(EXIT_NOMEM, "out of memory");
    int rc = EXIT_OK;
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help_store, cli_out());
            free(files);
            return EXIT_OK;
        } else if ((v = hopfield_opt(argc, argv, &i, "--output", "-o", &missing))) {
            output = v;
            rc = cli_check_output("--output", v);
        } else if ((v = hopfield_opt(argc, argv, &i, "--shape", NULL, &missing))) {
            if (!hopfield_parse_shape(v, &rows, &cols)) rc = EXIT_USAGE;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            /* no progress bar to silence */
        } else if ((v = hopfield_opt(argc, argv, &i, "--rule", NULL, &missing))) {
            if (!strcmp(v, "hebbian")) projection = 0;
            else if (!strcmp(v, "projection")) projection = 1;
            else rc = cli_usage("--rule: '%s' is not hebbian or projection", v);
        } else if ((v = hopfield_opt(argc, argv, &i, "--format", NULL, &missing))) {
            if (!cli_parse_format(v, &format)) rc = EXIT_USAGE;
            else if (format == FORMAT_CSV) rc = cli_usage("store: --format is table or json");
        } else if (missing) {
            rc = cli_usage("store: %s needs a value", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            rc = cli_usage("store: unknown option '%s' (zsum hopfield store --help)", argv[i]);
        } else {
            files[nfiles++] = argv[i];
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

static int parse_alpha(const char *text, double **out, size_t *count) {
    char buf[256];
    if (strlen(text) >= sizeof buf) return cli_usage("--alpha: '%s' is too long", text), 0;
    strcpy(buf, text);
    char *c1 = strchr(buf, ':');
    if (!c1) {
        double a;
        if (!cli_parse_double("--alpha", buf, &a)) return 0;
        if (a <= 0.0) return cli_usage("--alpha: %s must be > 0", text), 0;
        *out = malloc(sizeof **out);
        if (!*out) return cli_fail(EXIT_NOMEM, "out of memory"), 0;
        (*out)[0] = a;
        *count = 1;
        return 1;
    }
    *c1 = 0;
    char *c2 = strchr(c1 + 1, ':');
    if (!c2) return cli_usage("--alpha: '%s' must be LO:HI:STEPS or one value", text), 0;
    *c2 = 0;
    double lo, hi;
    uint64_t k;
    if (!cli_parse_double("--alpha (LO)", buf, &lo) || !cli_parse_double("--alpha (HI)", c1 + 1, &hi) ||
        !cli_parse_u64("--alpha (STEPS)", c2 + 1, &k))
        return 0;
    if (lo <= 0.0 || hi < lo)
        return cli_usage("--alpha: '%s' needs 0 < LO <= HI", text), 0;
    if (k < 1 || k > 10000) return cli_usage("--alpha: STEPS in '%s' must be 1..10000", text), 0;
    if (k == 1 && hi != lo) return cli_usage("--alpha: one step needs LO = HI in '%s'", text), 0;
    double *a = malloc(k * sizeof *a);
    if (!a) return cli_fail(EXIT_NOMEM, "out of memory"), 0;
    for (uint64_t i = 0; i < k; i++) a[i] = k == 1 ? lo : lo + (hi - lo) * (double)i / (double)(k - 1);
    *out = a;
    *count = (size_t)k;
    return 1;
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

static int cmd_capacity(int argc, char **argv) {
    uint64_t n = 0, trials = 10, seed = 0;
    double flip = 0.0;
    double *alpha = NULL;
    size_t nalpha = 0;
    const char *plot = NULL, *seed_text = NULL;
    int quiet = 0, have_n = 0, threads = 0;
    cli_format format = FORMAT_TABLE;
    int rc = EXIT_OK;
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            free(alpha);
            fputs(help_capacity, cli_out());
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--n") || !strncmp(argv[i], "--n=", 4)) {
            rc = cli_usage("--n: the number of units is spelled -n or --units");
        } else if ((v = hopfield_opt(argc, argv, &i, "--units", "-n", &missing))) {
            have_n = 1;
            if (!cli_parse_u64("--units", v, &n)) rc = EXIT_USAGE;
            else if (n < 2 || n > 20000) rc = cli_usage("--units: %s is outside 2..20000", v);
        } else if ((v = hopfield_opt(argc, argv, &i, "--threads", NULL, &missing))) {
            if (!cli_parse_threads(v, &threads)) rc = EXIT_USAGE;
        } else if ((v = hopfield_opt(argc, argv, &i, "--trials", NULL, &missing))) {
            if (!cli_parse_u64("--trials", v, &trials)) rc = EXIT_USAGE;
            else if (trials < 1 || trials > 1000000)
                rc = cli_usage("--trials: %s is outside 1..1000000", v);
        } else if ((v = hopfield_opt(argc, argv, &i, "--alpha", NULL, &missing))) {
            free(alpha);
            alpha = NULL;
            if (!parse_alpha(v, &alpha, &nalpha)) rc = EXIT_USAGE;
        } else if ((v = hopfield_opt(argc, argv, &i, "--flip", NULL, &missing))) {
            if (!hopfield_parse_fraction("--flip", v, &flip)) rc = EXIT_USAGE;
        } else if ((v = hopfield_opt(argc, argv, &i, "--seed", NULL, &missing))) {
            seed_text = v;
            if (!cli_parse_u64("--seed", v, &seed)) rc = EXIT_USAGE;
        } else if ((v = hopfield_opt(argc, argv, &i, "--plot", NULL, &missing))) {
            plot = v;
            rc = plot_check_target(v);
            if (rc == EXIT_OK) rc = cli_check_output("--plot", v);
        } else if ((v = hopfield_opt(argc, argv, &i, "--format", NULL, &missing))) {
            if (!cli_parse_format(v, &format)) rc = EXIT_USAGE;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (missing) {
            rc = cli_usage("capacity: %s needs a value", argv[i]);
        } else {
            rc = cli_usage("capacity: unknown argument '%s' (zsum hopfield capacity --help)",
                           argv[i]);
        }
    }
    if (rc == EXIT_OK && !have_n) rc = cli_usage("capacity: -n N (the number of units) is required");
    if (rc == EXIT_OK && !alpha && !parse_alpha("0.025:0.3:12", &alpha, &nalpha)) rc = EXIT_RUNTIME;
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
    progress_install(ctx, quiet);
    zs_hopfield_capacity_opts co = {(size_t)trials, flip, seed};
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
    if (argc < 2) {
        fputs(help_main, stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        fputs(help_main, cli_out());
        return EXIT_OK;
    }
    if (!strcmp(sub, "store")) return cmd_store(argc - 1, argv + 1);
    if (!strcmp(sub, "recall")) return hopfield_recall(argc - 1, argv + 1);
    if (!strcmp(sub, "capacity")) return cmd_capacity(argc - 1, argv + 1);
    return cli_usage("hopfield: unknown subcommand '%s' (store, recall or capacity)", sub);
}
