/* cmd_rbm.c — zsum rbm: restricted Boltzmann machines (docs/rbm.md).
 *   zsum rbm logz MODEL [--exact | --ais ...]     ln Z
 *   zsum rbm loglik MODEL DATA [--exact | --ais ...]   mean ln p(v) over the rows of DATA
 *   zsum rbm train DATA --hidden H ... -o MODEL.npz    CD-k / PCD-k training
 *   zsum rbm sample MODEL -o samples.png               Gibbs samples as an image grid
 *   zsum rbm filters MODEL -o filters.png              the columns of W as an image grid */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { LOGZ = 1, LOGLIK = 2, TRAIN = 4, SAMPLE = 8, FILTERS = 16 };

typedef struct opts {
    int sub;
    const char *model, *data, *out, *resume, *log, *heldout;
    int exact, ais, quiet, monitor_ais;
    cli_format format;
    uint64_t chains;
    const char *schedule;
    const char *base;
    uint64_t seed;
    int have_seed, have_base;
    double pseudocount;
    const char *binarize;
    double max_seconds;
    long threads;
    uint64_t hidden, epochs, batch, k, n, steps;
    int persistent;
    double lr, momentum, weight_decay, init_std;
    uint64_t shape[2];
    int have_shape;
    long scale;     /* --scale K, 0 when not given */
} opts;

typedef struct option_def {
    const char *name;
    int subs;      /* subcommands that accept it */
    int has_arg;
} option_def;

static const option_def option_defs[] = {
    {"--exact", LOGZ | LOGLIK, 0}, {"--ais", LOGZ | LOGLIK, 0},
    {"--chains", LOGZ | LOGLIK | TRAIN, 1}, {"--schedule", LOGZ | LOGLIK | TRAIN, 1},
    {"--base", LOGZ | LOGLIK | TRAIN, 1}, {"--pseudocount", LOGZ | LOGLIK | TRAIN, 1},
    {"--seed", LOGZ | LOGLIK | TRAIN | SAMPLE, 1},
    {"--binarize", LOGZ | LOGLIK | TRAIN, 1}, {"--max-seconds", LOGZ | LOGLIK | TRAIN, 1},
    {"--threads", LOGZ | LOGLIK | TRAIN | SAMPLE, 1},
    {"--format", LOGZ | LOGLIK | TRAIN, 1}, {"--quiet", LOGZ | LOGLIK | TRAIN | SAMPLE, 0},
    {"--hidden", TRAIN, 1}, {"--cd", TRAIN, 1}, {"--pcd", TRAIN, 1}, {"--epochs", TRAIN, 1},
    {"--batch", TRAIN, 1}, {"--lr", TRAIN, 1}, {"--momentum", TRAIN, 1},
    {"--weight-decay", TRAIN, 1}, {"--init-std", TRAIN, 1}, {"--resume", TRAIN, 1},
    {"--log", TRAIN, 1}, {"--heldout", TRAIN, 1}, {"--monitor-ais", TRAIN, 0},
    {"-o", TRAIN | SAMPLE | FILTERS, 1}, {"--n", SAMPLE, 1}, {"--steps", SAMPLE, 1},
    {"--shape", SAMPLE | FILTERS, 1}, {"--scale", SAMPLE | FILTERS, 1},
};

static const char *usage_text =
    "usage: zsum rbm logz MODEL.npz [--exact | --ais [--chains 100] [--schedule sm08|linear:N|FILE]\n"
    "                 [--base stored|uniform|model|data:FILE] [--pseudocount 1] [--seed S]]\n"
    "                 [--max-seconds 3600] [--threads N] [--format table|json|csv] [--quiet]\n"
    "       zsum rbm loglik MODEL.npz DATA [--exact | --ais ...] [--binarize threshold[:T]|stochastic]\n"
    "       zsum rbm train DATA --hidden H [--cd K | --pcd K] --epochs E [--batch 100] [--lr 0.05]\n"
    "                 [--momentum 0] [--weight-decay 0] [--init-std 0.01] [--seed S] -o MODEL.npz\n"
    "                 [--resume MODEL.npz] [--heldout DATA] [--monitor-ais] [--log FILE.jsonl]\n"
    "       zsum rbm sample MODEL.npz [--n 64] [--steps 1000] [--seed S] [--shape HxW] [--scale K]\n"
    "                 -o FILE.png\n"
    "       zsum rbm filters MODEL.npz [--shape HxW] [--scale K] -o FILE.png\n"
    "\n"
    "An RBM has energy E(v,h) = -v.W.h - vbias.v - hbias.h over binary v (nv) and h (nh); MODEL is\n"
    "a NumPy .npz with arrays W (nv x nh), vbias, hbias (float32 or float64).\n"
    "  logz     ln Z. --exact sums the smaller layer's 2^n states (refused, with the estimated\n"
    "           time, beyond --max-seconds); --ais estimates it by annealed importance sampling\n"
    "           (Salakhutdinov & Murray 2008) with the band ln(Z +- 3 sigma). Default: --exact.\n"
    "  loglik   mean over the rows of DATA of ln p(v) = -F(v) - ln Z, with the band from ln Z.\n"
    "  train    contrastive divergence (CD-k, default k=1) or persistent CD (--pcd K); writes\n"
    "           MODEL.npz atomically after every epoch; --resume continues bit-identically.\n"
    "           The log-likelihood of --heldout DATA (default: the first 1000 training rows) is\n"
    "           monitored exactly when min(nv,nh) <= 20, by AIS with --monitor-ais (--chains,\n"
    "           --schedule, --base; default base: the data base rate of DATA).\n"
    "  sample   --n Gibbs chains run --steps sweeps from random states; image of p(v|h).\n"
    "  filters  one tile per hidden unit: its weights, scaled to the tile's range.\n"
    "  --scale K  (sample, filters) each pixel as K x K (1..1000; default: enough to make the\n"
    "           image at least 256 pixels across).\n"
    "DATA: .npy, .npz (first array, or FILE.npz:NAME) or IDX (MNIST format, gzipped or not);\n"
    "rows are flattened. Non-binary data needs --binarize: threshold (half the maximum),\n"
    "threshold:T, or stochastic (1 with probability x/max, seeded by --seed).\n"
    "AIS base (W = 0): stored (the training data's frequencies that zsum rbm train saves in the\n"
    "model; the default when present), uniform (the default of logz otherwise), model (its\n"
    "visible biases), data:FILE (FILE's frequencies; the default of loglik otherwise: DATA).\n"
    "JSON keys: nv, nh, lnZ, method; for AIS lnZ_lo, lnZ_hi, ess, chains, temperatures, seed, base;\n"
    "for loglik also loglik, loglik_lo, loglik_hi, n.\n";

static int parse(int argc, char **argv, int sub, opts *o) {
    memset(o, 0, sizeof *o);
    o->sub = sub;
    o->format = FORMAT_TABLE;
    o->chains = 100;
    o->schedule = "sm08";
    o->base = "uniform";
    o->pseudocount = 1.0;
    o->max_seconds = 3600;
    o->k = 1;
    o->batch = 100;
    o->lr = 0.05;
    o->init_std = 0.01;
    o->n = 64;
    o->steps = 1000;
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            if (npos == 3) return cli_usage("rbm %s: unexpected argument '%s'", argv[1], a);
            pos[npos++] = a;
            continue;
        }
        const option_def *d = NULL;
        for (size_t q = 0; q < sizeof option_defs / sizeof option_defs[0]; q++)
            if (!strcmp(option_defs[q].name, a)) d = &option_defs[q];
        if (!d || !(d->subs & sub))
            return cli_usage("rbm %s: unknown option '%s' (zsum rbm --help lists them)", argv[1], a);
        const char *v = NULL;
        if (d->has_arg) {
            if (i + 1 >= argc) return cli_usage("rbm %s: %s needs a value", argv[1], a);
            v = argv[++i];
        }
        if (!strcmp(a, "--exact")) o->exact = 1;
        else if (!strcmp(a, "--ais")) o->ais = 1;
        else if (!strcmp(a, "--quiet")) o->quiet = 1;
        else if (!strcmp(a, "--monitor-ais")) o->monitor_ais = 1;
        else if (!strcmp(a, "--chains")) {
            if (!cli_parse_u64(a, v, &o->chains)) return EXIT_USAGE;
            if (o->chains < 2 || o->chains > 1000000) return cli_usage("--chains: '%s' is not in 2..1000000", v);
        } else if (!strcmp(a, "--schedule")) o->schedule = v;
        else if (!strcmp(a, "--base")) {
            o->base = v;
            o->have_base = 1;
        }
        else if (!strcmp(a, "--seed")) {
            if (!cli_parse_u64(a, v, &o->seed)) return EXIT_USAGE;
            o->have_seed = 1;
        } else if (!strcmp(a, "--pseudocount")) {
            if (!cli_parse_double(a, v, &o->pseudocount)) return EXIT_USAGE;
            if (!(o->pseudocount > 0)) return cli_usage("--pseudocount: '%s' must be > 0", v);
        } else if (!strcmp(a, "--binarize")) o->binarize = v;
        else if (!strcmp(a, "--max-seconds")) {
            if (!cli_parse_double(a, v, &o->max_seconds)) return EXIT_USAGE;
            if (!(o->max_seconds > 0)) return cli_usage("--max-seconds: '%s' must be > 0", v);
        } else if (!strcmp(a, "--threads")) {
            int th;
            if (!cli_parse_threads(v, &th)) return EXIT_USAGE;
            o->threads = th;
        } else if (!strcmp(a, "--format")) {
            if (!cli_parse_format(v, &o->format)) return EXIT_USAGE;
        } else if (!strcmp(a, "--hidden")) {
            if (!cli_parse_u64(a, v, &o->hidden)) return EXIT_USAGE;
            if (o->hidden < 1 || o->hidden > 1000000) return cli_usage("--hidden: '%s' is not in 1..1000000", v);
        } else if (!strcmp(a, "--cd") || !strcmp(a, "--pcd")) {
            if (!cli_parse_u64(a, v, &o->k)) return EXIT_USAGE;
            if (o->k < 1 || o->k > 100000) return cli_usage("%s: '%s' is not in 1..100000", a, v);
            o->persistent = !strcmp(a, "--pcd");
        } else if (!strcmp(a, "--epochs")) {
            if (!cli_parse_u64(a, v, &o->epochs)) return EXIT_USAGE;
            if (o->epochs < 1 || o->epochs > 1000000) return cli_usage("--epochs: '%s' is not in 1..1000000", v);
        } else if (!strcmp(a, "--batch")) {
            if (!cli_parse_u64(a, v, &o->batch)) return EXIT_USAGE;
            if (o->batch < 1 || o->batch > 1000000) return cli_usage("--batch: '%s' is not in 1..1000000", v);
        } else if (!strcmp(a, "--lr")) {
            if (!cli_parse_double(a, v, &o->lr)) return EXIT_USAGE;
            if (!(o->lr > 0)) return cli_usage("--lr: '%s' must be > 0", v);
        } else if (!strcmp(a, "--momentum")) {
            if (!cli_parse_double(a, v, &o->momentum)) return EXIT_USAGE;
            if (!(o->momentum >= 0 && o->momentum < 1)) return cli_usage("--momentum: '%s' is not in [0, 1)", v);
        } else if (!strcmp(a, "--weight-decay")) {
            if (!cli_parse_double(a, v, &o->weight_decay)) return EXIT_USAGE;
            if (!(o->weight_decay >= 0)) return cli_usage("--weight-decay: '%s' must be >= 0", v);
        } else if (!strcmp(a, "--init-std")) {
            if (!cli_parse_double(a, v, &o->init_std)) return EXIT_USAGE;
            if (!(o->init_std >= 0)) return cli_usage("--init-std: '%s' must be >= 0", v);
        } else if (!strcmp(a, "--resume")) o->resume = v;
        else if (!strcmp(a, "--log")) o->log = v;
        else if (!strcmp(a, "--heldout")) o->heldout = v;
        else if (!strcmp(a, "-o")) o->out = v;
        else if (!strcmp(a, "--n")) {
            if (!cli_parse_u64(a, v, &o->n)) return EXIT_USAGE;
            if (o->n < 1 || o->n > 10000) return cli_usage("--n: '%s' is not in 1..10000", v);
        } else if (!strcmp(a, "--steps")) {
            if (!cli_parse_u64(a, v, &o->steps)) return EXIT_USAGE;
            if (o->steps > 100000000) return cli_usage("--steps: '%s' is over 100000000", v);
        } else if (!strcmp(a, "--shape")) {
            int nd;
            if (!cli_parse_size(a, v, o->shape, &nd)) return EXIT_USAGE;
            if (nd != 2) return cli_usage("--shape: '%s' must be HxW", v);
            o->have_shape = 1;
        } else if (!strcmp(a, "--scale")) {
            if (!cli_parse_int(a, v, 1, CLI_IMAGE_MAX_SCALE, &o->scale)) return EXIT_USAGE;
        }
    }
    if (o->exact && o->ais) return cli_usage("rbm %s: --exact and --ais exclude each other", argv[1]);
    int need = sub == LOGLIK ? 2 : 1;
    if (npos != need)
        return cli_usage("rbm %s: expected %s, got %d argument%s", argv[1],
                         sub == LOGLIK ? "MODEL and DATA" : sub == TRAIN ? "DATA" : "MODEL", npos,
                         npos == 1 ? "" : "s");
    if (sub == TRAIN) o->data = pos[0];
    else o->model = pos[0];
    if (sub == LOGLIK) o->data = pos[1];
    if ((sub & (TRAIN | SAMPLE | FILTERS)) && !o->out) return cli_usage("rbm %s: -o FILE is required", argv[1]);
    if (sub == TRAIN && !o->hidden) return cli_usage("rbm train: --hidden H is required");
    if (sub == TRAIN && !o->epochs) return cli_usage("rbm train: --epochs E is required");
    if ((sub & (SAMPLE | FILTERS))) {
        size_t l = strlen(o->out);
        if (l < 4 || strcmp(o->out + l - 4, ".png"))
            return cli_usage("rbm %s: -o '%s' must end in .png", argv[1], o->out);
    }
    if (sub == TRAIN) {
        size_t l = strlen(o->out);
        if (l < 4 || strcmp(o->out + l - 4, ".npz"))
            return cli_usage("rbm train: -o '%s' must end in .npz", o->out);
    }
    if (o->out && cli_check_output("-o", o->out) != EXIT_OK) return EXIT_USAGE;
    if (o->log && cli_check_output("--log", o->log) != EXIT_OK) return EXIT_USAGE;
    return EXIT_OK;
}

/* ---- shared pieces ------------------------------------------------------------------------ */

static int parse_binarize(const char *text, zs_binarize *rule, double *t) {
    *t = (double)NAN;
    if (!text) {
        *rule = ZS_BINARIZE_NONE;
        return 1;
    }
    if (!strcmp(text, "stochastic")) *rule = ZS_BINARIZE_STOCHASTIC;
    else if (!strcmp(text, "threshold")) *rule = ZS_BINARIZE_THRESHOLD;
    else if (!strncmp(text, "threshold:", 10)) {
        *rule = ZS_BINARIZE_THRESHOLD;
        if (!cli_parse_double("--binarize threshold", text + 10, t)) return 0;
    } else {
        cli_usage("--binarize: '%s' is not threshold, threshold:T or stochastic", text);
        return 0;
    }
    return 1;
}

/* Load DATA as N x nv binary rows (nv = 0: any width). */
static int load_data(zs_ctx *ctx, const opts *o, const char *path, size_t nv, zs_array **out) {
    zs_binarize rule;
    double t;
    if (!parse_binarize(o->binarize, &rule, &t)) return EXIT_USAGE;
    zs_array *a = NULL;
    zs_status st = zs_data_load(ctx, path, &a);
    if (st != ZS_OK) return cli_status(ctx, st);
    if (nv && zs_array_dim(a, 1) != nv) {
        char s[64];
        zs_array_shape_str(a, s, sizeof s);
        unsigned long long d = (unsigned long long)zs_array_dim(a, 1);
        zs_array_free(a);
        return cli_usage("%s: shape mismatch: the data has shape %s (%llu values a row) but the "
                         "model has %zu visible units", path, s, d, nv);
    }
    st = zs_data_binarize(ctx, a, rule, t, o->seed);
    if (st != ZS_OK) {
        zs_array_free(a);
        return cli_usage("%s: %s", path, zs_last_error(ctx));
    }
    *out = a;
    return EXIT_OK;
}

/* A schedule: sm08, linear:N, or a text file of betas (whitespace separated). */
static int load_schedule(zs_ctx *ctx, const char *text, double **betas, size_t *n) {
    if (!strcmp(text, "sm08")) return zs_rbm_schedule_sm08(betas, n) == ZS_OK ? EXIT_OK : cli_fail(EXIT_RUNTIME, "out of memory");
    if (!strncmp(text, "linear:", 7)) {
        uint64_t k;
        if (!cli_parse_u64("--schedule linear", text + 7, &k)) return EXIT_USAGE;
        if (k < 1 || k > 100000000) return cli_usage("--schedule: linear:%s is not in 1..100000000", text + 7);
        return zs_rbm_schedule_linear((size_t)k, betas, n) == ZS_OK ? EXIT_OK : cli_fail(EXIT_RUNTIME, "out of memory");
    }
    FILE *f = fopen(text, "r");
    if (!f) return cli_usage("--schedule: '%s' is not sm08, linear:N or a readable file", text);
    size_t cap = 1024, count = 0;
    double *b = malloc(cap * sizeof *b);
    char word[128];
    int rc = EXIT_OK;
    while (b && fscanf(f, "%127s", word) == 1) {
        double x;
        char label[64];
        snprintf(label, sizeof label, "--schedule %s: item %zu", text, count + 1);
        if (!cli_parse_double(label, word, &x)) {
            rc = EXIT_USAGE;
            break;
        }
        if (count == cap) {
            double *nb = realloc(b, 2 * cap * sizeof *b);
            if (!nb) break;
            b = nb;
            cap *= 2;
        }
        b[count++] = x;
    }
    fclose(f);
    if (!b) return cli_fail(EXIT_RUNTIME, "out of memory");
    if (rc == EXIT_OK) {
        zs_status st = zs_rbm_schedule_check(ctx, b, count);
        if (st != ZS_OK) rc = cli_usage("--schedule %s: %s", text, zs_last_error(ctx));
    }
    if (rc != EXIT_OK) {
        free(b);
        return rc;
    }
    *betas = b;
    *n = count;
    return EXIT_OK;
}

/* The training data's pixel frequencies that `zsum rbm train` stores in a model
 * (train_data_frequency): *rate = NULL when the file has none. */
static int stored_rate(zs_ctx *ctx, const char *path, size_t nv, double **rate) {
    *rate = NULL;
    zs_npz *z = NULL;
    zs_array *a = NULL;
    zs_status st = zs_npz_open(ctx, path, &z);
    if (st != ZS_OK) return cli_status(ctx, st);
    if (zs_npz_has(z, "train_data_frequency")) st = zs_npz_get(z, "train_data_frequency", &a);
    zs_npz_close(z);
    if (st != ZS_OK) return cli_status(ctx, st);
    if (!a) return EXIT_OK;
    int rc = EXIT_OK;
    if (zs_array_size(a) != nv)
        rc = cli_usage("%s: train_data_frequency has %zu entries, the model has %zu visible units", path,
                       zs_array_size(a), nv);
    for (size_t i = 0; rc == EXIT_OK && i < nv; i++) {
        const double p = zs_array_cdata(a)[i];
        if (!(p > 0.0 && p < 1.0))
            rc = cli_usage("%s: train_data_frequency[%zu] = %g is not strictly between 0 and 1", path, i, p);
    }
    if (rc == EXIT_OK) {
        *rate = malloc(nv * sizeof **rate);
        if (!*rate) rc = cli_fail(EXIT_RUNTIME, "out of memory");
        else memcpy(*rate, zs_array_cdata(a), nv * sizeof **rate);
    }
    zs_array_free(a);
    return rc;
}

/* The AIS base when --base is not given: the training data's frequencies stored in the model
 * (`stored`, when the model has them), else for loglik the base rate of the rows being scored,
 * else uniform. */
static const char *default_base(const opts *o, int have_stored, char *buf, size_t len) {
    if (have_stored) return "stored";
    if (o->sub == LOGLIK && strlen(o->data) + 6 <= len) {
        snprintf(buf, len, "data:%s", o->data);
        return buf;
    }
    return "uniform";
}

typedef struct logz_result {
    int ais;
    double lnz, lo, hi, ess;
    size_t chains, temps;
} logz_result;

/* ln Z by the chosen method. stored: the model's train_data_frequency for --base stored (NULL
 * when it has none). */
static int compute_logz(zs_ctx *ctx, const opts *o, const zs_rbm *rbm, const double *stored,
                        logz_result *r) {
    memset(r, 0, sizeof *r);
    if (!o->ais) {
        zs_status st = zs_rbm_logz_exact(rbm, o->max_seconds, &r->lnz);
        if (st != ZS_OK) return cli_status(ctx, st);
        r->lo = r->hi = r->lnz;
        return EXIT_OK;
    }
    r->ais = 1;
    zs_rbm_ais_opts ao;
    zs_rbm_ais_defaults(&ao);
    ao.chains = (size_t)o->chains;
    ao.seed = o->seed;
    ao.pseudocount = o->pseudocount;
    double *betas = NULL;
    size_t nb = 0;
    int rc = load_schedule(ctx, o->schedule, &betas, &nb);
    if (rc != EXIT_OK) return rc;
    ao.betas = betas;
    ao.nbetas = nb;
    zs_array *base_data = NULL;
    if (!strcmp(o->base, "uniform")) ao.base = ZS_RBM_AIS_BASE_UNIFORM;
    else if (!strcmp(o->base, "model")) ao.base = ZS_RBM_AIS_BASE_MODEL;
    else if (!strcmp(o->base, "stored")) {
        if (!stored) {
            free(betas);
            return cli_usage("--base stored: %s has no train_data_frequency (it was not written by zsum "
                             "rbm train); use --base data:FILE with the training data", o->model);
        }
        ao.base = ZS_RBM_AIS_BASE_RATE;
        ao.rate = stored;
    } else if (!strncmp(o->base, "data:", 5) && o->base[5]) {
        ao.base = ZS_RBM_AIS_BASE_DATA;
        rc = load_data(ctx, o, o->base + 5, zs_rbm_nv(rbm), &base_data);
        if (rc != EXIT_OK) {
            free(betas);
            return rc;
        }
        ao.data = zs_array_cdata(base_data);
        ao.n_data = (size_t)zs_array_dim(base_data, 0);
    } else {
        free(betas);
        return cli_usage("--base: '%s' is not uniform, model, stored or data:FILE", o->base);
    }
    zs_rbm_ais_result res;
    zs_status st = zs_rbm_logz_ais(rbm, &ao, &res);
    free(betas);
    zs_array_free(base_data);
    if (st != ZS_OK) return cli_status(ctx, st);
    r->lnz = res.lnz;
    r->lo = res.lnz_lo;
    r->hi = res.lnz_hi;
    r->ess = res.ess;
    r->chains = res.chains;
    r->temps = res.temperatures;
    return EXIT_OK;
}

static void write_num_row(FILE *f, const char *key, double x) {
    char b[32];
    fprintf(f, "%-13s %s\n", key, cli_num(b, x));
}

/* AIS weights dominated by a few chains: Z^ is then typically far too low and its +-3 sigma
 * band far too narrow (mnistvh with the uniform base: ESS 1.8 of 100, ln Z^ = 198.9 with the
 * band's top at 200.0, exact 215.14). Below this ESS the result carries a warning. */
static int ais_unreliable(const logz_result *r) {
    double floor = (double)r->chains / 10.0;
    return r->ais && r->ess < (floor > 10.0 ? floor : 10.0);
}

static const char *AIS_WARNING =
    "the effective sample size is low: a few chains carry the estimate, which then tends to be "
    "too low with a band that is too narrow; use the data's base rate (--base data:FILE), more "
    "--chains or a longer --schedule";

static void print_result(const opts *o, const zs_rbm *rbm, const logz_result *r, int loglik,
                         double ll, double ll_lo, double ll_hi, size_t n) {
    FILE *f = cli_out();
    char eb[32];
    if (ais_unreliable(r))
        fprintf(stderr, "zsum: warning: ESS %s of %zu chains: %s\n", cli_num(eb, r->ess), r->chains,
                AIS_WARNING);
    size_t nv = zs_rbm_nv(rbm), nh = zs_rbm_nh(rbm);
    const char *method = r->ais ? "ais" : "exact";
    if (o->format == FORMAT_JSON) {
        json j;
        json_init(&j, f);
        json_obj(&j);
        json_kv_u64(&j, "nv", nv);
        json_kv_u64(&j, "nh", nh);
        json_kv_str(&j, "method", method);
        json_kv_num(&j, "lnZ", r->lnz);
        if (r->ais) {
            json_kv_num(&j, "lnZ_lo", r->lo);
            json_kv_num(&j, "lnZ_hi", r->hi);
            json_kv_num(&j, "ess", r->ess);
            json_kv_u64(&j, "chains", r->chains);
            json_kv_u64(&j, "temperatures", r->temps);
            json_kv_u64(&j, "seed", o->seed);
            json_kv_str(&j, "base", o->base);
            if (ais_unreliable(r)) json_kv_str(&j, "warning", AIS_WARNING);
        }
        if (loglik) {
            json_kv_num(&j, "loglik", ll);
            json_kv_num(&j, "loglik_lo", ll_lo);
            json_kv_num(&j, "loglik_hi", ll_hi);
            json_kv_u64(&j, "n", n);
        }
        json_end_obj(&j);
        json_end(&j);
        return;
    }
    if (o->format == FORMAT_CSV) {
        char b[6][32];
        fprintf(f, "nv,nh,method,lnZ%s%s\n", r->ais ? ",lnZ_lo,lnZ_hi,ess,chains,temperatures,seed" : "",
                loglik ? ",loglik,loglik_lo,loglik_hi,n" : "");
        fprintf(f, "%zu,%zu,%s,%s", nv, nh, method, cli_num(b[0], r->lnz));
        if (r->ais)
            fprintf(f, ",%s,%s,%s,%zu,%zu,%llu", cli_num(b[1], r->lo), cli_num(b[2], r->hi),
                    cli_num(b[3], r->ess), r->chains, r->temps, (unsigned long long)o->seed);
        if (loglik) fprintf(f, ",%s,%s,%s,%zu", cli_num(b[4], ll), cli_num(b[5], ll_lo), cli_num(b[0], ll_hi), n);
        fputc('\n', f);
        return;
    }
    fprintf(f, "%-13s %zu\n%-13s %zu\n%-13s %s\n", "nv", nv, "nh", nh, "method", method);
    write_num_row(f, "lnZ", r->lnz);
    if (r->ais) {
        write_num_row(f, "lnZ_lo", r->lo);
        write_num_row(f, "lnZ_hi", r->hi);
        write_num_row(f, "ess", r->ess);
        fprintf(f, "%-13s %zu\n%-13s %zu\n%-13s %llu\n%-13s %s\n", "chains", r->chains, "temperatures",
                r->temps, "seed", (unsigned long long)o->seed, "base", o->base);
        if (!isfinite(r->lo))
            fprintf(f, "# Z^ - 3 sigma <= 0: the band has no lower end (lnZ_lo = -inf); use more "
                       "chains or temperatures\n");
        if (ais_unreliable(r)) fprintf(f, "# warning: %s\n", AIS_WARNING);
    }
    if (loglik) {
        write_num_row(f, "loglik", ll);
        write_num_row(f, "loglik_lo", ll_lo);
        write_num_row(f, "loglik_hi", ll_hi);
        fprintf(f, "%-13s %zu\n", "n", n);
    }
}

static int setup(opts *o, zs_ctx **ctx) {
    *ctx = zs_ctx_alloc();
    if (!*ctx) return cli_fail(EXIT_RUNTIME, "out of memory");
    if (o->threads) zs_ctx_set_threads(*ctx, (int)o->threads);
    if (!o->have_seed) o->seed = zs_seed_from_entropy();
    progress_install(*ctx, o->quiet);
    return EXIT_OK;
}

static int finish(zs_ctx *ctx, zs_rbm *rbm, zs_array *data, int rc) {
    progress_finish();
    zs_rbm_free(rbm);
    zs_array_free(data);
    zs_ctx_free(ctx);
    return rc;
}

static int load_model(zs_ctx *ctx, const char *path, zs_rbm **rbm) {
    zs_status st = zs_rbm_load(ctx, path, rbm);
    return st == ZS_OK ? EXIT_OK : cli_status(ctx, st);
}

/* ---- logz / loglik ----------------------------------------------------------------------- */

static int run_logz(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    zs_array *data = NULL;
    int rc = setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = load_model(ctx, o->model, &rbm);
    if (rc == EXIT_OK && o->sub == LOGLIK) rc = load_data(ctx, o, o->data, zs_rbm_nv(rbm), &data);
    /* The stored frequencies, read once: the default base and --base stored both use them. */
    double *stored = NULL;
    if (rc == EXIT_OK && o->ais) rc = stored_rate(ctx, o->model, zs_rbm_nv(rbm), &stored);
    char base[4096];
    if (rc == EXIT_OK && o->ais && !o->have_base) o->base = default_base(o, stored != NULL, base, sizeof base);
    logz_result r;
    if (rc == EXIT_OK) rc = compute_logz(ctx, o, rbm, stored, &r);
    free(stored);
    if (rc == EXIT_OK) {
        progress_finish();
        if (o->sub == LOGLIK) {
            size_t n = (size_t)zs_array_dim(data, 0);
            double *f = malloc(n * sizeof *f);
            if (!f) return finish(ctx, rbm, data, cli_fail(EXIT_RUNTIME, "out of memory"));
            zs_rbm_free_energies(rbm, zs_array_cdata(data), n, f);
            double mf = 0.0;
            for (size_t q = 0; q < n; q++) mf += f[q];
            mf /= (double)n;
            free(f);
            /* ln p(v) = -F(v) - ln Z: the band of ln Z maps to the band of the mean. */
            print_result(o, rbm, &r, 1, -mf - r.lnz, -mf - r.hi, -mf - r.lo, n);
        } else {
            print_result(o, rbm, &r, 0, 0, 0, 0, 0);
        }
    }
    return finish(ctx, rbm, data, rc);
}

/* ---- train ------------------------------------------------------------------------------- */

static int run_train(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    zs_array *data = NULL, *held = NULL;
    zs_rbm_trainer *t = NULL;
    int rc = setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = load_data(ctx, o, o->data, 0, &data);
    if (rc == EXIT_OK && o->heldout) rc = load_data(ctx, o, o->heldout, (size_t)zs_array_dim(data, 1), &held);
    if (rc != EXIT_OK) return finish(ctx, rbm, data, rc);
    size_t n = (size_t)zs_array_dim(data, 0), nv = (size_t)zs_array_dim(data, 1);
    zs_status st;
    if (o->resume) {
        rc = load_model(ctx, o->resume, &rbm);
        if (rc == EXIT_OK && (zs_rbm_nv(rbm) != nv || zs_rbm_nh(rbm) != o->hidden))
            rc = cli_usage("--resume %s: the model is %zux%zu, this run asks for %zux%llu", o->resume,
                           zs_rbm_nv(rbm), zs_rbm_nh(rbm), nv, (unsigned long long)o->hidden);
    } else {
        st = zs_rbm_alloc(ctx, nv, (size_t)o->hidden, &rbm);
        if (st != ZS_OK) rc = cli_status(ctx, st);
        else {
            /* W ~ N(0, init_std^2), hbias 0, vbias ln(p/(1-p)) of the data (Hinton 2010, 8). */
            zs_rng rng;
            zs_rng_init(&rng, o->seed, 0xffffffffULL);
            for (size_t x = 0; x < nv * o->hidden; x++) zs_rbm_w(rbm)[x] = o->init_std * zs_rng_normal(&rng);
            for (size_t i = 0; i < nv; i++) {
                double c = 0;
                for (size_t q = 0; q < n; q++) c += zs_array_cdata(data)[q * nv + i];
                double p = (c + 1.0) / ((double)n + 2.0);
                zs_rbm_vbias(rbm)[i] = log(p / (1 - p));
            }
        }
    }
    zs_rbm_train_opts to;
    zs_rbm_train_defaults(&to);
    to.k = (size_t)o->k;
    to.persistent = o->persistent;
    to.batch = (size_t)o->batch;
    to.lr = o->lr;
    to.momentum = o->momentum;
    to.weight_decay = o->weight_decay;
    to.seed = o->seed;
    if (rc == EXIT_OK) {
        st = zs_rbm_trainer_alloc(ctx, rbm, &to, zs_array_cdata(data), n, &t);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    if (rc == EXIT_OK && o->resume) {
        st = zs_rbm_trainer_resume(t, o->resume);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    FILE *logf = NULL;
    if (rc == EXIT_OK && o->log) {
        logf = fopen(o->log, o->resume ? "a" : "w");
        if (!logf) rc = cli_usage("--log: cannot open '%s'", o->log);
    }
    size_t smaller = nv < o->hidden ? nv : (size_t)o->hidden;
    int monitor = smaller <= 20 || o->monitor_ais;
    const double *mon = held ? zs_array_cdata(held) : zs_array_cdata(data);
    size_t nmon = held ? (size_t)zs_array_dim(held, 0) : (n < 1000 ? n : 1000);
    double recon = (double)NAN, ll = (double)NAN, seconds = 0;
    double *fe = monitor ? malloc(nmon * sizeof *fe) : NULL;
    while (rc == EXIT_OK && zs_rbm_trainer_epochs_done(t) < o->epochs) {
        progress_label("epoch %llu/%llu", (unsigned long long)zs_rbm_trainer_epochs_done(t) + 1,
                       (unsigned long long)o->epochs);
        double t0 = zs_monotonic_seconds();
        st = zs_rbm_trainer_epoch(t, &recon);
        seconds = zs_monotonic_seconds() - t0;
        if (st != ZS_OK) {
            progress_finish();
            rc = cli_fail(EXIT_RUNTIME, "%s (the last good checkpoint is %s)", zs_last_error(ctx),
                          zs_rbm_trainer_epochs_done(t) ? o->out : "not written: no epoch finished");
            break;
        }
        progress_note("recon %.4g", recon);
        st = zs_rbm_trainer_save(t, o->out);
        if (st != ZS_OK) {
            rc = cli_status(ctx, st);
            break;
        }
        if (monitor && fe) {
            zs_rbm_trainer_get(t, rbm);
            logz_result lr;
            opts mo = *o;
            mo.ais = smaller > 20;
            /* AIS for a trained model: the data base rate of the training data by default (and
             * for --base stored, which names the training data's frequencies). */
            char base[4096];
            if ((!o->have_base || !strcmp(o->base, "stored")) && strlen(o->data) < sizeof base - 6) {
                snprintf(base, sizeof base, "data:%s", o->data);
                mo.base = base;
            }
            rc = compute_logz(ctx, &mo, rbm, NULL, &lr);
            if (rc != EXIT_OK) break;
            zs_rbm_free_energies(rbm, mon, nmon, fe);
            double mf = 0;
            for (size_t q = 0; q < nmon; q++) mf += fe[q];
            ll = -mf / (double)nmon - lr.lnz;
            progress_note("recon %.4g loglik %.4f", recon, ll);
        }
        if (logf) {
            json j;
            json_init(&j, logf);
            json_obj_inline(&j);
            json_kv_u64(&j, "epoch", zs_rbm_trainer_epochs_done(t));
            json_kv_num(&j, "recon_error", recon);
            if (monitor) json_kv_num(&j, "loglik", ll);
            json_kv_num(&j, "seconds", seconds);
            json_end_obj(&j);
            json_end(&j);
            fflush(logf);
        }
    }
    free(fe);
    if (logf && fclose(logf) != 0 && rc == EXIT_OK) rc = cli_fail(EXIT_RUNTIME, "--log: cannot write '%s'", o->log);
    progress_finish();
    if (rc == EXIT_OK) {
        FILE *f = cli_out();
        char b[3][32];
        if (o->format == FORMAT_JSON) {
            json j;
            json_init(&j, f);
            json_obj(&j);
            json_kv_u64(&j, "nv", nv);
            json_kv_u64(&j, "nh", o->hidden);
            json_kv_u64(&j, "epoch", zs_rbm_trainer_epochs_done(t));
            json_kv_num(&j, "recon_error", recon);
            if (monitor) json_kv_num(&j, "loglik", ll);
            json_kv_num(&j, "seconds", seconds);
            json_kv_u64(&j, "seed", o->seed);
            json_kv_str(&j, "model", o->out);
            json_end_obj(&j);
            json_end(&j);
        } else if (o->format == FORMAT_CSV) {
            fprintf(f, "nv,nh,epoch,recon_error,loglik,seconds,seed\n%zu,%llu,%llu,%s,%s,%s,%llu\n", nv,
                    (unsigned long long)o->hidden, (unsigned long long)zs_rbm_trainer_epochs_done(t),
                    cli_num(b[0], recon), monitor ? cli_num(b[1], ll) : "", cli_num(b[2], seconds),
                    (unsigned long long)o->seed);
        } else {
            fprintf(f, "%-13s %zu\n%-13s %llu\n%-13s %llu\n", "nv", nv, "nh", (unsigned long long)o->hidden,
                    "epoch", (unsigned long long)zs_rbm_trainer_epochs_done(t));
            write_num_row(f, "recon_error", recon);
            if (monitor) write_num_row(f, "loglik", ll);
            write_num_row(f, "seconds", seconds);
            fprintf(f, "%-13s %llu\n%-13s %s\n", "seed", (unsigned long long)o->seed, "model", o->out);
        }
    }
    zs_rbm_trainer_free(t);
    zs_array_free(held);
    return finish(ctx, rbm, data, rc);
}

/* ---- images ------------------------------------------------------------------------------ */

/* Tiles (count x h*w values in [0,1]) as a grey grid, one pixel of border, written by the
 * library's image writer (atomic), each pixel a scale x scale block (--scale, default
 * cli_image_scale). */
static int write_grid(zs_ctx *ctx, const opts *o, const double *tiles, size_t count, size_t h,
                      size_t w) {
    size_t cols = (size_t)ceil(sqrt((double)count)), rows = (count + cols - 1) / cols;
    size_t W = cols * (w + 1) + 1, H = rows * (h + 1) + 1;
    if (W > 100000 || H > 100000) return cli_usage("image of %zux%zu pixels is too large", W, H);
    unsigned char *img = calloc(W * H, 1);
    if (!img) return cli_fail(EXIT_RUNTIME, "out of memory");
    for (size_t t = 0; t < count; t++) {
        size_t r0 = (t / cols) * (h + 1) + 1, c0 = (t % cols) * (w + 1) + 1;
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++) {
                double v = tiles[t * h * w + y * w + x];
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                img[(r0 + y) * W + c0 + x] = (unsigned char)lround(255.0 * v);
            }
    }
    zs_status st = zs_image_write_grey(ctx, o->out, img, W, H, cli_image_scale(o->out, (size_t)o->scale, W, H));
    free(img);
    return st == ZS_OK ? EXIT_OK : cli_status(ctx, st);
}

static int tile_shape(const opts *o, size_t nv, size_t *h, size_t *w) {
    if (o->have_shape) {
        if (o->shape[0] * o->shape[1] != nv)
            return cli_usage("--shape %llux%llu has %llu pixels but the model has %zu visible units",
                             (unsigned long long)o->shape[0], (unsigned long long)o->shape[1],
                             (unsigned long long)(o->shape[0] * o->shape[1]), nv);
        *h = (size_t)o->shape[0];
        *w = (size_t)o->shape[1];
        return EXIT_OK;
    }
    size_t s = (size_t)llround(sqrt((double)nv));
    if (s * s != nv)
        return cli_usage("%zu visible units are not a square image; give --shape HxW", nv);
    *h = *w = s;
    return EXIT_OK;
}

static int run_images(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    int rc = setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = load_model(ctx, o->model, &rbm);
    size_t h = 0, w = 0;
    if (rc == EXIT_OK) rc = tile_shape(o, zs_rbm_nv(rbm), &h, &w);
    if (rc != EXIT_OK) return finish(ctx, rbm, NULL, rc);
    size_t nv = zs_rbm_nv(rbm), nh = zs_rbm_nh(rbm);
    const double *W = zs_rbm_cw(rbm);
    size_t count = o->sub == SAMPLE ? (size_t)o->n : nh;
    double *tiles = malloc(count * nv * sizeof *tiles);
    if (!tiles) return finish(ctx, rbm, NULL, cli_fail(EXIT_RUNTIME, "out of memory"));
    if (o->sub == FILTERS) {
        for (size_t j = 0; j < nh; j++) {
            double lo = HUGE_VAL, hi = -HUGE_VAL;
            for (size_t i = 0; i < nv; i++) {
                double x = W[i * nh + j];
                lo = x < lo ? x : lo;
                hi = x > hi ? x : hi;
            }
            for (size_t i = 0; i < nv; i++)
                tiles[j * nv + i] = hi > lo ? (W[i * nh + j] - lo) / (hi - lo) : 0.5;
        }
    } else {
        zs_status st = zs_rbm_sample(rbm, count, o->steps, o->seed, tiles);
        if (st != ZS_OK) {
            free(tiles);
            return finish(ctx, rbm, NULL, cli_status(ctx, st));
        }
    }
    rc = write_grid(ctx, o, tiles, count, h, w);
    free(tiles);
    if (rc == EXIT_OK && !o->quiet && o->sub == SAMPLE)
        fprintf(cli_out(), "%zu samples after %llu Gibbs sweeps (seed %llu) written to %s\n", count,
                (unsigned long long)o->steps, (unsigned long long)o->seed, o->out);
    else if (rc == EXIT_OK && o->sub == FILTERS)
        fprintf(cli_out(), "%zu filters of %zux%zu written to %s\n", nh, h, w, o->out);
    return finish(ctx, rbm, NULL, rc);
}

int cmd_rbm(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    static const struct { const char *name; int sub; } subs[] = {
        {"logz", LOGZ}, {"loglik", LOGLIK}, {"train", TRAIN}, {"sample", SAMPLE}, {"filters", FILTERS}};
    int sub = 0;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(argv[1], subs[i].name)) sub = subs[i].sub;
    if (!sub) return cli_usage("rbm: unknown subcommand '%s' (logz, loglik, train, sample, filters)", argv[1]);
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        }
    opts o;
    int rc = parse(argc, argv, sub, &o);
    if (rc != EXIT_OK) return rc;
    if (sub & (LOGZ | LOGLIK)) return run_logz(&o);
    if (sub == TRAIN) return run_train(&o);
    return run_images(&o);
}
