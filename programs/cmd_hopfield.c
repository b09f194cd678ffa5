/* cmd_hopfield.c — zsum hopfield store | recall | capacity: Hopfield memories (docs/hopfield.md).
 * The option table, store, and the dispatch; recall and capacity are hopfield_recall.c and
 * hopfield_capacity.c. */
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

int cmd_hopfield(int argc, char **argv) {
    const cli_sub *sub;
    int first, rc = cli_select(&hopfield_command, argc, argv, &sub, &first);
    if (!sub) return rc;
    cli_args a;
    cli_start(&a, &hopfield_command, sub, argc, argv, first);
    if (sub->mode == H_STORE) return cmd_store(&a);
    if (sub->mode == H_RECALL) return hopfield_recall(&a);
    return hopfield_capacity(&a);
}
