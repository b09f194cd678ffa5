/* cmd_hopfield.c — zsum hopfield store | recall | capacity: Hopfield memories (docs/hopfield.md). */
#include "cli.h"

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

static const char *help_recall =
    "usage: zsum hopfield recall NET.npz --probe P [options]\n"
    "\n"
    "Run asynchronous dynamics from a probe and report, after each sweep, the number of units\n"
    "that changed, the energy E = -1/2 s^T J s and the overlap m_mu = (1/N) xi^mu . s with each\n"
    "stored pattern (the table shows all when P <= 8, else the best).\n"
    "  --probe P          a stored pattern's index (0..P-1) or a file with one pattern\n"
    "  --flip F           flip a fraction F in [0,1] of the probe's units, chosen at random\n"
    "  --seed S           seed for --flip, the random order and the heat bath (default: chosen\n"
    "                     and printed)\n"
    "  -T, --temperature T  temperature (default 0: s_i <- sign(h_i), ties keep s_i, stop at\n"
    "                     a fixed point; T > 0: heat bath P(s_i=+1) = 1/(1+exp(-2h_i/T)))\n"
    "  -b, --beta B       the same as -T 1/B (B > 0)\n"
    "  --sweeps N         at most N sweeps (default 100; with T > 0 exactly N)\n"
    "  --order O          random (a new permutation each sweep, default) or sequential\n"
    "  -o, --output F     write the final state as an image F.pbm or F.png (needs a shape)\n"
    "  --shape RxC        image shape (overrides the one stored in NET.npz)\n"
    "  --scale K          draw each unit as K x K pixels (1..1000; default 1 for .pbm, and for\n"
    "                     .png enough to make the image at least 256 pixels across)\n"
    "  --format table|json|csv\n"
    "  -q, --quiet        accepted for uniformity (recall draws no progress bar)\n";

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

/* --name VALUE or --name=VALUE at argv[*i]: the value (advancing *i), NULL when argv[*i] is not
 * this option; *missing is set when the value is absent. */
static const char *opt(int argc, char **argv, int *i, const char *name, const char *alias,
                       int *missing) {
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

static int parse_shape(const char *text, size_t *rows, size_t *cols) {
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

static int parse_fraction(const char *option, const char *text, double *out) {
    if (!cli_parse_double(option, text, out)) return 0;
    if (*out < 0.0 || *out > 1.0) {
        cli_usage("%s: %s is outside [0, 1]", option, text);
        return 0;
    }
    return 1;
}

/* A pattern as a line of + and -, with a newline every `cols` units when cols > 0. */
static void print_pattern(FILE *f, const int8_t *s, size_t n, size_t cols, const char *indent) {
    for (size_t i = 0; i < n; i++) {
        if (cols && i % cols == 0) fputs(indent, f);
        if (!cols && i == 0) fputs(indent, f);
        fputc(s[i] > 0 ? '+' : '-', f);
        if (cols && (i + 1) % cols == 0) fputc('\n', f);
    }
    if (!cols) fputc('\n', f);
}

/* ---- store ----------------------------------------------------------------------------- */

static int cmd_store(int argc, char **argv) {
    const char *output = NULL;
    size_t rows = 0, cols = 0;
    int projection = 0;
    cli_format format = FORMAT_TABLE;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    if (!files) return cli_fail(EXIT_RUNTIME, "out of memory");
    int rc = EXIT_OK;
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help_store, cli_out());
            free(files);
            return EXIT_OK;
        } else if ((v = opt(argc, argv, &i, "--output", "-o", &missing))) {
            output = v;
            rc = cli_check_output("--output", v);
        } else if ((v = opt(argc, argv, &i, "--shape", NULL, &missing))) {
            if (!parse_shape(v, &rows, &cols)) rc = EXIT_USAGE;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            /* no progress bar to silence */
        } else if ((v = opt(argc, argv, &i, "--rule", NULL, &missing))) {
            if (!strcmp(v, "hebbian")) projection = 0;
            else if (!strcmp(v, "projection")) projection = 1;
            else rc = cli_usage("--rule: '%s' is not hebbian or projection", v);
        } else if ((v = opt(argc, argv, &i, "--format", NULL, &missing))) {
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
        size_t r = 0, c = 0;
        int has_shape = zs_patterns_shape(all, &r, &c);
        char b[32];
        FILE *o = cli_out();
        if (format == FORMAT_JSON) {
            json j;
            json_init(&j, o);
            json_obj(&j);
            json_kv_u64(&j, "n", n);
            json_kv_u64(&j, "p", p);
            json_kv_num(&j, "alpha", (double)p / (double)n);
            json_kv_str(&j, "rule", projection ? "projection" : "hebbian");
            json_key(&j, "shape");
            if (has_shape) {
                json_arr_inline(&j);
                json_u64(&j, r);
                json_u64(&j, c);
                json_end_arr(&j);
            } else {
                json_null(&j);
            }
            json_kv_str(&j, "file", output);
            json_end_obj(&j);
            json_end(&j);
        } else {
            fprintf(o, "stored %zu patterns of %zu units in %s (%s rule)\n", p, n, output,
                    projection ? "projection" : "Hebbian");
            snprintf(b, sizeof b, "%.4g", (double)p / (double)n);
            if (projection)
                fprintf(o, "load alpha = P/N = %s (every pattern is a fixed point for P < N)\n", b);
            else
                fprintf(o, "load alpha = P/N = %s (retrieval fails above about 0.138)\n", b);
            if (has_shape) fprintf(o, "shape %zux%zu (rows x cols)\n", r, c);
        }
    }
    zs_hopfield_free(net);
    zs_patterns_free(all);
    zs_ctx_free(ctx);
    free(files);
    return rc;
}

/* ---- recall ---------------------------------------------------------------------------- */

typedef struct trace {
    size_t p, n;
    double *rows;    /* per sweep: flips, energy, then p overlaps                         */
    size_t count, cap;
} trace;

static int trace_add(void *user, uint64_t sweep, const int8_t *s, double energy,
                     const double *overlaps, size_t flips) {
    (void)sweep;
    (void)s;
    trace *t = user;
    size_t width = 2 + t->p;
    if (t->count == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        double *r = realloc(t->rows, cap * width * sizeof *r);
        if (!r) return 1;
        t->rows = r;
        t->cap = cap;
    }
    double *row = t->rows + t->count * width;
    row[0] = (double)flips;
    row[1] = energy;
    for (size_t k = 0; k < t->p; k++) row[2 + k] = overlaps[k];
    t->count++;
    return 0;
}

static size_t best_of(const double *m, size_t p) {
    size_t b = 0;
    for (size_t k = 1; k < p; k++)
        if (fabs(m[k]) > fabs(m[b])) b = k;
    return b;
}

static int cmd_recall(int argc, char **argv) {
    const char *netfile = NULL, *probe = NULL, *output = NULL, *seed_text = NULL;
    double flip = 0.0, temp = 0.0;
    uint64_t sweeps = 100, seed = 0;
    size_t rows = 0, cols = 0;
    long scale = 0;
    zs_hopfield_order order = ZS_HOPFIELD_RANDOM;
    cli_format format = FORMAT_TABLE;
    int rc = EXIT_OK, temp_given = 0, beta_given = 0;
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help_recall, cli_out());
            return EXIT_OK;
        } else if ((v = opt(argc, argv, &i, "--probe", NULL, &missing))) {
            probe = v;
        } else if ((v = opt(argc, argv, &i, "--flip", NULL, &missing))) {
            if (!parse_fraction("--flip", v, &flip)) rc = EXIT_USAGE;
        } else if ((v = opt(argc, argv, &i, "--seed", NULL, &missing))) {
            seed_text = v;
            if (!cli_parse_u64("--seed", v, &seed)) rc = EXIT_USAGE;
        } else if (!strcmp(argv[i], "--T") || !strncmp(argv[i], "--T=", 4)) {
            rc = cli_usage("--T: the temperature is spelled -T or --temperature");
        } else if ((v = opt(argc, argv, &i, "--temperature", "-T", &missing))) {
            if (!cli_parse_double("--temperature", v, &temp)) rc = EXIT_USAGE;
            else if (temp < 0.0) rc = cli_usage("--temperature: %s is negative; T must be >= 0", v);
            temp_given++;
        } else if ((v = opt(argc, argv, &i, "--beta", "-b", &missing))) {
            double beta;
            if (!cli_parse_double("--beta", v, &beta)) rc = EXIT_USAGE;
            else if (!(beta > 0.0)) rc = cli_usage("--beta: %s must be > 0 (use -T 0 for T = 0)", v);
            else temp = 1.0 / beta;
            beta_given = 1;
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            /* no progress bar to silence */
        } else if ((v = opt(argc, argv, &i, "--sweeps", NULL, &missing))) {
            if (!cli_parse_u64("--sweeps", v, &sweeps)) rc = EXIT_USAGE;
            else if (sweeps == 0 || sweeps > 100000000)
                rc = cli_usage("--sweeps: %s is outside 1..100000000", v);
        } else if ((v = opt(argc, argv, &i, "--order", NULL, &missing))) {
            if (zs_hopfield_order_from_name(v, &order) != ZS_OK) rc = cli_usage("--order: '%s' is not random or sequential", v);
        } else if ((v = opt(argc, argv, &i, "--output", "-o", &missing))) {
            output = v;
            const char *dot = strrchr(v, '.');
            if (!dot || (strcmp(dot, ".pbm") && strcmp(dot, ".png")))
                rc = cli_usage("--output: '%s' must end in .pbm or .png", v);
            else rc = cli_check_output("--output", v);
        } else if ((v = opt(argc, argv, &i, "--shape", NULL, &missing))) {
            if (!parse_shape(v, &rows, &cols)) rc = EXIT_USAGE;
        } else if ((v = opt(argc, argv, &i, "--scale", NULL, &missing))) {
            if (!cli_parse_int("--scale", v, 1, CLI_IMAGE_MAX_SCALE, &scale)) rc = EXIT_USAGE;
        } else if ((v = opt(argc, argv, &i, "--format", NULL, &missing))) {
            if (!cli_parse_format(v, &format)) rc = EXIT_USAGE;
        } else if (missing) {
            rc = cli_usage("recall: %s needs a value", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            rc = cli_usage("recall: unknown option '%s' (zsum hopfield recall --help)", argv[i]);
        } else if (!netfile) {
            netfile = argv[i];
        } else {
            rc = cli_usage("recall: one network file only ('%s' is extra)", argv[i]);
        }
    }
    if (rc == EXIT_OK && temp_given && beta_given)
        rc = cli_usage("recall: give --beta or --temperature, not both");
    if (rc == EXIT_OK && !netfile) rc = cli_usage("recall: give the network file NET.npz");
    if (rc == EXIT_OK && !probe) rc = cli_usage("recall: --probe (a pattern index or file) is required");
    if (rc == EXIT_OK && scale && !output) rc = cli_usage("--scale: draws the --output image; give -o F.png");
    if (rc != EXIT_OK) return rc;
    if (!seed_text) seed = zs_seed_from_entropy();

    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_RUNTIME, "out of memory");
    zs_hopfield *net = NULL;
    zs_patterns *pf = NULL;
    int8_t *s = NULL;
    trace tr = {0};
    zs_status st = zs_hopfield_load(ctx, netfile, &net);
    if (st != ZS_OK) rc = cli_status(ctx, st);
    size_t n = 0, p = 0, index = 0;
    int by_index = 0;
    const zs_patterns *stored = NULL;
    if (rc == EXIT_OK) {
        n = zs_hopfield_units(net);
        p = zs_hopfield_pattern_count(net);
        stored = zs_hopfield_patterns(net);
        if (!rows && stored) zs_patterns_shape(stored, &rows, &cols);
        if (rows && rows * cols != n)
            rc = cli_usage("--shape: %zux%zu holds %zu units, the network has N = %zu", rows, cols,
                           rows * cols, n);
        if (rc == EXIT_OK && output && !rows)
            rc = cli_usage("--output: the patterns have no image shape; give --shape RxC");
        s = malloc(n);
        if (rc == EXIT_OK && !s) rc = cli_fail(EXIT_RUNTIME, "out of memory");
    }
    if (rc == EXIT_OK) {
        by_index = probe[0] != '\0' && strspn(probe, "0123456789") == strlen(probe);
        if (by_index) {
            uint64_t k;
            if (!cli_parse_u64("--probe", probe, &k)) rc = EXIT_USAGE;
            else if (p == 0)
                rc = cli_usage("--probe: %s: the network file stores no patterns; give a pattern "
                               "file", probe);
            else if (k >= p)
                rc = cli_usage("--probe: pattern index %s is out of range 0..%zu (the network "
                               "stores %zu patterns)", probe, p - 1, p);
            else {
                index = (size_t)k;
                memcpy(s, zs_patterns_data(stored) + index * n, n);
            }
        } else {
            st = zs_patterns_read(ctx, probe, &pf);
            if (st != ZS_OK) rc = cli_status(ctx, st);
            else if (zs_patterns_count(pf) != 1)
                rc = cli_usage("--probe: %s holds %zu patterns; give a file with one", probe,
                               zs_patterns_count(pf));
            else if (zs_patterns_units(pf) != n)
                rc = cli_usage("--probe: %s has %zu units but the network has N = %zu", probe,
                               zs_patterns_units(pf), n);
            else
                memcpy(s, zs_patterns_data(pf), n);
        }
    }
    size_t flipped = 0;
    int8_t *probe_state = NULL;
    zs_hopfield_result res = {0, 0, 0.0};
    double e0 = 0.0;
    double *m0 = NULL;
    if (rc == EXIT_OK) {
        zs_rng rng;
        zs_rng_init(&rng, seed, 0);
        flipped = zs_pattern_flip(s, n, flip, &rng);
        probe_state = malloc(n);
        if (!probe_state) rc = cli_fail(EXIT_RUNTIME, "out of memory");
        else memcpy(probe_state, s, n);
        tr.p = p;
        tr.n = n;
        e0 = zs_hopfield_energy(net, s);
        m0 = p ? malloc(p * sizeof *m0) : NULL;
        if (p && (!m0 || zs_hopfield_overlaps(net, s, m0) != ZS_OK))
            rc = cli_fail(EXIT_RUNTIME, "out of memory");
    }
    if (rc == EXIT_OK) {
        /* The library takes beta = 1/T; T = 0 is the deterministic rule, beta = infinity. */
        zs_hopfield_dynamics dyn = {temp > 0.0 ? 1.0 / temp : HUGE_VAL, order, sweeps, seed, 1};
        st = zs_hopfield_run(net, &dyn, s, trace_add, &tr, &res);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    if (rc == EXIT_OK && output) {
        st = zs_pattern_write_image(ctx, output, rows, cols, s,
                                    cli_image_scale(output, (size_t)scale, cols, rows));
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    if (rc == EXIT_OK) {
        FILE *o = cli_out();
        char b1[32], b2[32];
        const size_t width = 2 + p;
        const double *mf = p ? tr.rows + (tr.count - 1) * width + 2 : NULL;
        size_t best = p ? best_of(mf, p) : 0;
        const char *ord = zs_hopfield_order_name(order);
        if (format == FORMAT_JSON) {
            json j;
            json_init(&j, o);
            json_obj(&j);
            json_kv_u64(&j, "n", n);
            json_kv_u64(&j, "p", p);
            json_key(&j, "probe");
            if (by_index) json_u64(&j, index);
            else json_str(&j, probe);
            json_kv_u64(&j, "flipped", flipped);
            json_kv_u64(&j, "seed", seed);
            json_kv_num(&j, "T", temp);
            json_kv_str(&j, "order", ord);
            json_key(&j, "trace");
            json_arr(&j);
            for (size_t k = 0; k <= tr.count; k++) {
                const double *row = k ? tr.rows + (k - 1) * width : NULL;
                json_obj_inline(&j);
                json_kv_u64(&j, "sweep", k);
                json_key(&j, "flips");
                if (k) json_u64(&j, (uint64_t)row[0]);
                else json_null(&j);
                json_kv_num(&j, "energy", k ? row[1] : e0);
                json_key(&j, "overlaps");
                json_arr_inline(&j);
                for (size_t q = 0; q < p; q++) json_num(&j, k ? row[2 + q] : m0[q]);
                json_end_arr(&j);
                json_end_obj(&j);
            }
            json_end_arr(&j);
            json_kv_u64(&j, "sweeps", res.sweeps);
            json_kv_bool(&j, "converged", res.converged);
            json_kv_num(&j, "energy", res.energy);
            json_key(&j, "overlaps");
            json_arr_inline(&j);
            for (size_t q = 0; q < p; q++) json_num(&j, mf[q]);
            json_end_arr(&j);
            json_key(&j, "best");
            if (p) json_u64(&j, best);
            else json_null(&j);
            json_key(&j, "best_overlap");
            if (p) json_num(&j, mf[best]);
            else json_null(&j);
            char *str = malloc(n + 1);
            if (str) {
                for (size_t i = 0; i < n; i++) str[i] = s[i] > 0 ? '+' : '-';
                str[n] = 0;
                json_kv_str(&j, "state", str);
                free(str);
            }
            json_end_obj(&j);
            json_end(&j);
        } else if (format == FORMAT_CSV) {
            fputs("sweep,flips,energy", o);
            for (size_t q = 0; q < p; q++) fprintf(o, ",m_%zu", q);
            fputc('\n', o);
            for (size_t k = 0; k <= tr.count; k++) {
                const double *row = k ? tr.rows + (k - 1) * width : NULL;
                fprintf(o, "%zu,", k);
                if (k) fprintf(o, "%.0f", row[0]);
                fprintf(o, ",%s", cli_csv_num(b1, k ? row[1] : e0));
                for (size_t q = 0; q < p; q++)
                    fprintf(o, ",%s", cli_csv_num(b2, k ? row[2 + q] : m0[q]));
                fputc('\n', o);
            }
        } else {
            fprintf(o, "# recall: N = %zu, P = %zu, probe ", n, p);
            if (by_index) fprintf(o, "pattern %zu", index);
            else fprintf(o, "%s", probe);
            fprintf(o, " with %zu of %zu units flipped, T = %s, order %s, seed %llu%s\n", flipped,
                    n, cli_num(b1, temp), ord, (unsigned long long)seed,
                    seed_text ? "" : " (chosen: pass --seed to repeat)");
            fputs("# probe state:\n", o);
            print_pattern(o, probe_state, n, rows ? cols : 0, "");
            int all = p <= 8;
            fprintf(o, "%6s %8s %16s", "sweep", "flips", "energy");
            if (all)
                for (size_t q = 0; q < p; q++) {
                    char h[32];
                    snprintf(h, sizeof h, "m_%zu", q);
                    fprintf(o, " %9s", h);
                }
            else if (p)
                fprintf(o, " %6s %9s", "best", "m_best");
            fputc('\n', o);
            for (size_t k = 0; k <= tr.count; k++) {
                const double *row = k ? tr.rows + (k - 1) * width : NULL;
                const double *m = k ? row + 2 : m0;
                fprintf(o, "%6zu ", k);
                if (k) fprintf(o, "%8.0f", row[0]);
                else fprintf(o, "%8s", "-");
                fprintf(o, " %16.10g", k ? row[1] : e0);
                if (all)
                    for (size_t q = 0; q < p; q++) fprintf(o, " %9.6f", m[q]);
                else if (p) {
                    size_t bq = best_of(m, p);
                    fprintf(o, " %6zu %9.6f", bq, m[bq]);
                }
                fputc('\n', o);
            }
            if (temp == 0.0)
                fprintf(o, "# %s after %llu sweeps", res.converged ? "fixed point" : "no fixed point",
                        (unsigned long long)res.sweeps);
            else
                fprintf(o, "# %llu heat-bath sweeps at T = %s", (unsigned long long)res.sweeps,
                        cli_num(b1, temp));
            fprintf(o, ", energy %s", cli_num(b1, res.energy));
            if (p) fprintf(o, ", closest pattern %zu (overlap %s)", best, cli_num(b2, mf[best]));
            fputc('\n', o);
            fputs("# final state:\n", o);
            print_pattern(o, s, n, rows ? cols : 0, "");
            if (output) fprintf(o, "# image written to %s\n", output);
        }
    }
    free(m0);
    free(probe_state);
    free(tr.rows);
    free(s);
    zs_patterns_free(pf);
    zs_hopfield_free(net);
    zs_ctx_free(ctx);
    return rc;
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
        if (!*out) return cli_fail(EXIT_RUNTIME, "out of memory"), 0;
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
    if (!a) return cli_fail(EXIT_RUNTIME, "out of memory"), 0;
    for (uint64_t i = 0; i < k; i++) a[i] = k == 1 ? lo : lo + (hi - lo) * (double)i / (double)(k - 1);
    *out = a;
    *count = (size_t)k;
    return 1;
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
        } else if ((v = opt(argc, argv, &i, "--units", "-n", &missing))) {
            have_n = 1;
            if (!cli_parse_u64("--units", v, &n)) rc = EXIT_USAGE;
            else if (n < 2 || n > 20000) rc = cli_usage("--units: %s is outside 2..20000", v);
        } else if ((v = opt(argc, argv, &i, "--threads", NULL, &missing))) {
            if (!cli_parse_threads(v, &threads)) rc = EXIT_USAGE;
        } else if ((v = opt(argc, argv, &i, "--trials", NULL, &missing))) {
            if (!cli_parse_u64("--trials", v, &trials)) rc = EXIT_USAGE;
            else if (trials < 1 || trials > 1000000)
                rc = cli_usage("--trials: %s is outside 1..1000000", v);
        } else if ((v = opt(argc, argv, &i, "--alpha", NULL, &missing))) {
            free(alpha);
            alpha = NULL;
            if (!parse_alpha(v, &alpha, &nalpha)) rc = EXIT_USAGE;
        } else if ((v = opt(argc, argv, &i, "--flip", NULL, &missing))) {
            if (!parse_fraction("--flip", v, &flip)) rc = EXIT_USAGE;
        } else if ((v = opt(argc, argv, &i, "--seed", NULL, &missing))) {
            seed_text = v;
            if (!cli_parse_u64("--seed", v, &seed)) rc = EXIT_USAGE;
        } else if ((v = opt(argc, argv, &i, "--plot", NULL, &missing))) {
            plot = v;
            rc = plot_check_target(v);
            if (rc == EXIT_OK) rc = cli_check_output("--plot", v);
        } else if ((v = opt(argc, argv, &i, "--format", NULL, &missing))) {
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
        return cli_fail(EXIT_RUNTIME, "out of memory");
    }
    if (threads) zs_ctx_set_threads(ctx, threads);
    progress_install(ctx, quiet);
    zs_hopfield_capacity_opts co = {(size_t)trials, flip, seed};
    zs_status st = zs_hopfield_capacity(ctx, (size_t)n, alpha, nalpha, &co, pts);
    progress_finish();
    if (st != ZS_OK) rc = cli_status(ctx, st);
    if (rc == EXIT_OK && plot) {
        size_t cap = 4096 + nalpha * 128;
        char *script = malloc(cap);
        if (!script) rc = cli_fail(EXIT_RUNTIME, "out of memory");
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
    }
    if (rc == EXIT_OK) {
        FILE *o = cli_out();
        char b[6][32];
        if (format == FORMAT_JSON) {
            json j;
            json_init(&j, o);
            json_obj(&j);
            json_kv_u64(&j, "n", n);
            json_kv_u64(&j, "trials", trials);
            json_kv_num(&j, "flip", flip);
            json_kv_u64(&j, "seed", seed);
            json_kv_num(&j, "alpha_c", 0.138);
            json_key(&j, "points");
            json_arr(&j);
            for (size_t a = 0; a < nalpha; a++) {
                json_obj_inline(&j);
                json_kv_num(&j, "alpha", pts[a].alpha);
                json_kv_u64(&j, "p", pts[a].p);
                json_kv_num(&j, "overlap", pts[a].overlap.value);
                json_kv_num(&j, "error", pts[a].overlap.std_error);
                json_kv_num(&j, "perfect", pts[a].perfect);
                json_kv_num(&j, "sweeps", pts[a].sweeps);
                json_end_obj(&j);
            }
            json_end_arr(&j);
            json_end_obj(&j);
            json_end(&j);
        } else if (format == FORMAT_CSV) {
            fputs("alpha,p,overlap,error,perfect,sweeps\n", o);
            for (size_t a = 0; a < nalpha; a++)
                fprintf(o, "%s,%zu,%s,%s,%s,%s\n", cli_csv_num(b[0], pts[a].alpha), pts[a].p,
                        cli_csv_num(b[1], pts[a].overlap.value), cli_csv_num(b[2], pts[a].overlap.std_error),
                        cli_csv_num(b[3], pts[a].perfect), cli_csv_num(b[4], pts[a].sweeps));
        } else {
            fprintf(o, "# capacity: N = %llu, %llu trials per load, flip %s, seed %llu%s\n",
                    (unsigned long long)n, (unsigned long long)trials, cli_num(b[0], flip),
                    (unsigned long long)seed, seed_text ? "" : " (chosen: pass --seed to repeat)");
            fprintf(o, "# theory (Amit, Gutfreund & Sompolinsky 1985): retrieval fails above "
                       "alpha_c = 0.138\n");
            fprintf(o, "%8s %6s %10s %10s %9s %8s\n", "alpha", "P", "overlap", "error", "perfect",
                    "sweeps");
            for (size_t a = 0; a < nalpha; a++)
                fprintf(o, "%8.4f %6zu %10.6f %10.6f %9.4f %8.2f\n", pts[a].alpha, pts[a].p,
                        pts[a].overlap.value, pts[a].overlap.std_error, pts[a].perfect, pts[a].sweeps);
            if (plot) fprintf(o, "# plot written to %s\n", plot);
        }
    }
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
    if (!strcmp(sub, "recall")) return cmd_recall(argc - 1, argv + 1);
    if (!strcmp(sub, "capacity")) return cmd_capacity(argc - 1, argv + 1);
    return cli_usage("hopfield: unknown subcommand '%s' (store, recall or capacity)", sub);
}
