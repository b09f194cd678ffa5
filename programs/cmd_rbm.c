/* cmd_rbm.c — zsum rbm: restricted Boltzmann machines (docs/rbm.md).
 *   zsum rbm logz MODEL [--exact | --ais ...]     ln Z
 *   zsum rbm loglik MODEL DATA [--exact | --ais ...]   mean ln p(v) over the rows of DATA
 *   zsum rbm train DATA --hidden H ... -o MODEL.npz    CD-k / PCD-k training
 *   zsum rbm sample MODEL -o samples.png               Gibbs samples as an image grid
 *   zsum rbm filters MODEL -o filters.png              the columns of W as an image grid
 *   zsum rbm transform MODEL DATA -o out.npy           p(h = 1 | v) of each row of DATA */
#include "cli.h"
#include "result.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { LOGZ = 1, LOGLIK = 2, TRAIN = 4, SAMPLE = 8, FILTERS = 16, TRANSFORM = 32 };

typedef struct opts {
    int sub;
    const char *model, *data, *out, *resume, *log, *heldout, *init;
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
    int persistent, have_cd, have_pcd;
    const char *ais_option; /* the first AIS-only option given (refused with --exact) */
    double lr, momentum, weight_decay, init_std;
    uint64_t shape[2];
    int have_shape;
    long scale;     /* --scale K, 0 when not given */
    int argc;       /* the command line from "rbm" on, for the resume command */
    char **argv;
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
    {"--binarize", LOGZ | LOGLIK | TRAIN | SAMPLE | TRANSFORM, 1}, {"--max-seconds", LOGZ | LOGLIK | TRAIN, 1},
    {"--threads", LOGZ | LOGLIK | TRAIN | SAMPLE | TRANSFORM, 1},
    {"--format", LOGZ | LOGLIK | TRAIN, 1}, {"--quiet", LOGZ | LOGLIK | TRAIN | SAMPLE | FILTERS | TRANSFORM, 0},
    {"-q", LOGZ | LOGLIK | TRAIN | SAMPLE | FILTERS | TRANSFORM, 0}, {"--init", SAMPLE, 1},
    {"--hidden", TRAIN, 1}, {"--cd", TRAIN, 1}, {"--pcd", TRAIN, 1}, {"--epochs", TRAIN, 1},
    {"--batch", TRAIN, 1}, {"--lr", TRAIN, 1}, {"--momentum", TRAIN, 1},
    {"--weight-decay", TRAIN, 1}, {"--init-std", TRAIN, 1}, {"--resume", TRAIN, 1},
    {"--log", TRAIN, 1}, {"--heldout", TRAIN, 1}, {"--monitor-ais", TRAIN, 0},
    {"-o", TRAIN | SAMPLE | FILTERS | TRANSFORM, 1}, {"--n", SAMPLE, 1}, {"--steps", SAMPLE, 1},
    {"--shape", SAMPLE | FILTERS, 1}, {"--scale", SAMPLE | FILTERS, 1},
};

static const char *usage_text =
    "usage: zsum rbm logz MODEL.npz [--exact | --ais [--chains 100] [--schedule sm08|linear:N|FILE]\n"
    "                 [--base stored|uniform|model|data:FILE] [--pseudocount 1] [--seed S]]\n"
    "                 [--max-seconds 3600] [--threads N] [--format table|json|csv] [-q|--quiet]\n"
    "       zsum rbm loglik MODEL.npz DATA [--exact | --ais ...] [--binarize threshold[:T]|stochastic]\n"
    "       zsum rbm train DATA --hidden H [--cd K | --pcd K] --epochs E [--batch 100] [--lr 0.05]\n"
    "                 [--momentum 0] [--weight-decay 0] [--init-std 0.01] [--seed S] -o MODEL.npz\n"
    "                 [--binarize threshold[:T]|stochastic] [--resume MODEL.npz] [--heldout DATA]\n"
    "                 [--monitor-ais] [--log FILE.jsonl]\n"
    "       zsum rbm sample MODEL.npz [--n 64] [--steps 1000] [--seed S] [--shape HxW] [--scale K]\n"
    "                 [--init random|data:DATA] -o FILE.png\n"
    "       zsum rbm filters MODEL.npz [--shape HxW] [--scale K] [-q] -o FILE.png\n"
    "       zsum rbm transform MODEL.npz DATA [--binarize ...] [--threads N] [-q] -o FILE.npy\n"
    "\n"
    "An RBM has energy E(v,h) = -v.W.h - vbias.v - hbias.h over binary v (nv) and h (nh); MODEL is\n"
    "a NumPy .npz with arrays W (nv x nh), vbias, hbias (float32 or float64).\n"
    "  logz     ln Z. --exact sums the smaller layer's 2^n states (refused, with the estimated\n"
    "           time, beyond --max-seconds); --ais estimates it by annealed importance sampling\n"
    "           (Salakhutdinov & Murray 2008) with the band ln(Z +- 3 sigma). Default: exact\n"
    "           when its estimated time is within --max-seconds, else AIS; `method` says which.\n"
    "  loglik   mean over the rows of DATA of ln p(v) = -F(v) - ln Z, with the band from ln Z.\n"
    "  train    contrastive divergence (CD-k, default k=1) or persistent CD (--pcd K); writes\n"
    "           MODEL.npz atomically after every epoch; --resume continues bit-identically.\n"
    "           SIGINT or SIGTERM stops after the current epoch's checkpoint, prints the\n"
    "           command that resumes, and exits 130 (SIGINT) or 143 (SIGTERM).\n"
    "           The log-likelihood of --heldout DATA (default: the first 1000 training rows) is\n"
    "           monitored exactly when min(nv,nh) <= 20, by AIS with --monitor-ais (--chains,\n"
    "           --schedule, --base; default base: the data base rate of DATA).\n"
    "  sample   --n Gibbs chains run --steps sweeps from random states (--init data:DATA: chain c\n"
    "           starts at row c of DATA, cycling); image of p(v|h).\n"
    "  filters  one tile per hidden unit: its weights, scaled to the tile's range.\n"
    "  transform  p(h_j = 1 | v) for every row of DATA: an N x nh float64 .npy (scikit-learn's\n"
    "           BernoulliRBM.transform).\n"
    "  --scale K  (sample, filters) each pixel as K x K (1..1000; default: enough to make the\n"
    "           image at least 256 pixels across).\n"
    "DATA: .npy, .npz (first array, or FILE.npz:NAME) or IDX (MNIST format, gzipped or not),\n"
    "optionally with a row range FILE:START:END (rows START..END-1, e.g. digits.idx:0:9000);\n"
    "rows are flattened. Non-binary data needs --binarize: threshold (half the maximum),\n"
    "threshold:T, or stochastic (1 with probability x/max, seeded by --seed).\n"
    "AIS base (W = 0): stored (the training data's frequencies that zsum rbm train saves in the\n"
    "model; the default when present), uniform (the default of logz otherwise), model (its\n"
    "visible biases), data:FILE (FILE's frequencies; the default of loglik otherwise: DATA).\n"
    "JSON keys: nv, nh, lnZ, method; for AIS lnZ_lo, lnZ_hi, ess, chains, temperatures, seed, base;\n"
    "for loglik also loglik, loglik_lo, loglik_hi, n. train: epoch_seconds is the last epoch's\n"
    "time, total_seconds the whole run's (loading the data included).\n";

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
            return cli_usage("rbm %s: unknown option '%s' (zsum rbm %s --help lists them)", argv[1], a,
                             argv[1]);
        if (!o->ais_option && (!strcmp(a, "--chains") || !strcmp(a, "--schedule") ||
                               !strcmp(a, "--base") || !strcmp(a, "--pseudocount")))
            o->ais_option = a;
        const char *v = NULL;
        if (d->has_arg) {
            if (i + 1 >= argc) return cli_usage("rbm %s: %s needs a value", argv[1], a);
            v = argv[++i];
        }
        if (!strcmp(a, "--exact")) o->exact = 1;
        else if (!strcmp(a, "--ais")) o->ais = 1;
        else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) o->quiet = 1;
        else if (!strcmp(a, "--init")) o->init = v;
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
            if (o->persistent) o->have_pcd = 1;
            else o->have_cd = 1;
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
    /* Options of another mode are refused, not ignored. */
    if (o->exact && o->ais_option)
        return cli_usage("rbm %s: %s is an AIS option; --exact does not use it (drop it, or use --ais)",
                         argv[1], o->ais_option);
    if (o->have_cd && o->have_pcd)
        return cli_usage("rbm train: --cd and --pcd exclude each other (--cd K: contrastive "
                         "divergence; --pcd K: persistent chains)");
    if (sub == TRAIN && o->ais_option && !o->monitor_ais)
        return cli_usage("rbm train: %s sets up the AIS monitor; it needs --monitor-ais", o->ais_option);
    if (sub == SAMPLE && o->binarize && !(o->init && !strncmp(o->init, "data:", 5)))
        return cli_usage("rbm sample: --binarize applies to the start rows; it needs --init data:DATA");
    int need = sub & (LOGLIK | TRANSFORM) ? 2 : 1;
    if (npos != need)
        return cli_usage("rbm %s: expected %s, got %d argument%s", argv[1],
                         need == 2 ? "MODEL and DATA" : sub == TRAIN ? "DATA" : "MODEL", npos,
                         npos == 1 ? "" : "s");
    if (sub == TRAIN) o->data = pos[0];
    else o->model = pos[0];
    if (need == 2) o->data = pos[1];
    if ((sub & (TRAIN | SAMPLE | FILTERS | TRANSFORM)) && !o->out) return cli_usage("rbm %s: -o FILE is required", argv[1]);
    if (o->init && strcmp(o->init, "random") && (strncmp(o->init, "data:", 5) || !o->init[5]))
        return cli_usage("rbm sample: --init '%s' is not random or data:DATA", o->init);
    if (sub == TRANSFORM) {
        size_t l = strlen(o->out);
        if (l < 4 || strcmp(o->out + l - 4, ".npy"))
            return cli_usage("rbm transform: -o '%s' must end in .npy", o->out);
    }
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
    zs_binarize named;
    if (zs_binarize_from_name(text, &named) == ZS_OK &&
        (named == ZS_BINARIZE_STOCHASTIC || named == ZS_BINARIZE_THRESHOLD))
        *rule = named;
    else if (!strncmp(text, "threshold:", 10)) {
        *rule = ZS_BINARIZE_THRESHOLD;
        if (!cli_parse_double("--binarize threshold", text + 10, t)) return 0;
    } else {
        cli_usage("--binarize: '%s' is not threshold, threshold:T or stochastic", text);
        return 0;
    }
    return 1;
}

/* Binary data rows, one byte a value (zs_data_load_binary). */
typedef struct data_rows {
    uint8_t *x;
    size_t n, d;
} data_rows;

/* Load DATA (with an optional row range FILE:START:END) as N x nv binary rows (nv = 0: any
 * width). */
static int load_data(zs_ctx *ctx, const opts *o, const char *path, size_t nv, data_rows *out) {
    zs_binarize rule;
    double t;
    if (!parse_binarize(o->binarize, &rule, &t)) return EXIT_USAGE;
    zs_status st = zs_data_load_binary(ctx, path, rule, t, o->seed, &out->x, &out->n, &out->d);
    if (st == ZS_EINVAL) {
        char msg[2048];
        return cli_usage("%s: %s", path, cli_library_message(ctx, msg, sizeof msg));
    }
    if (st != ZS_OK) return cli_status(ctx, st);
    if (nv && out->d != nv) {
        size_t d = out->d, n = out->n;
        free(out->x);
        out->x = NULL;
        return cli_usage("%s: shape mismatch: the data has shape (%zu, %zu) (%zu values a row) but the "
                         "model has %zu visible units", path, n, d, d, nv);
    }
    return EXIT_OK;
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
    zs_status sst = zs_rbm_schedule_parse(ctx, o->schedule, &betas, &nb);
    if (sst == ZS_ENOMEM) return cli_status(ctx, sst);
    if (sst != ZS_OK) {
        char msg[2048];
        return cli_usage("--schedule: %s", cli_library_message(ctx, msg, sizeof msg));
    }
    int rc = EXIT_OK;
    ao.betas = betas;
    ao.nbetas = nb;
    data_rows base_data = {0};
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
        ao.data = base_data.x;
        ao.n_data = base_data.n;
    } else {
        free(betas);
        return cli_usage("--base: '%s' is not uniform, model, stored or data:FILE", o->base);
    }
    zs_rbm_ais_result res;
    zs_status st = zs_rbm_logz_ais(rbm, &ao, &res);
    free(betas);
    free(base_data.x);
    if (st != ZS_OK) return cli_status(ctx, st);
    r->lnz = res.lnz.value;
    r->lo = res.band.lo;
    r->hi = res.band.hi;
    r->ess = res.lnz.ess;
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

/* The result, described once (result.h) and written in the chosen format. */
static void print_result(const opts *o, const zs_rbm *rbm, const logz_result *r, int loglik,
                         double ll, double ll_lo, double ll_hi, size_t n) {
    char eb[32];
    if (ais_unreliable(r))
        fprintf(stderr, "zsum: warning: ESS %s of %zu chains: %s\n", cli_num(eb, r->ess), r->chains,
                AIS_WARNING);
    result res;
    result_init(&res);
    result_u64(&res, "nv", zs_rbm_nv(rbm));
    result_u64(&res, "nh", zs_rbm_nh(rbm));
    result_str(&res, "method", r->ais ? "ais" : "exact");
    result_num(&res, "lnZ", r->lnz);
    if (r->ais) {
        result_num(&res, "lnZ_lo", r->lo);
        result_num(&res, "lnZ_hi", r->hi);
        result_num(&res, "ess", r->ess);
        result_u64(&res, "chains", r->chains);
        result_u64(&res, "temperatures", r->temps);
        result_u64(&res, "seed", o->seed);
        result_str(&res, "base", o->base);
        if (!isfinite(r->lo))
            result_line(&res, "# Z^ - 3 sigma <= 0: the band has no lower end (lnZ_lo = -inf); use more "
                              "chains or temperatures");
        if (ais_unreliable(r)) result_str(&res, "warning", AIS_WARNING)->flags = RF_NOTE;
    }
    if (loglik) {
        result_num(&res, "loglik", ll);
        result_num(&res, "loglik_lo", ll_lo);
        result_num(&res, "loglik_hi", ll_hi);
        result_u64(&res, "n", n);
    }
    result_write(cli_out(), o->format, &res, 14);
    result_free(&res);
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
    data_rows data = {0};
    int rc = setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = load_model(ctx, o->model, &rbm);
    if (rc == EXIT_OK && o->sub == LOGLIK) rc = load_data(ctx, o, o->data, zs_rbm_nv(rbm), &data);
    logz_result r;
    int have_r = 0;
    if (rc == EXIT_OK && !o->exact && !o->ais) {
        /* Neither --exact nor --ais: exact when it is affordable (its estimated time within
         * --max-seconds; the estimate refuses before any work), else AIS. */
        memset(&r, 0, sizeof r);
        zs_status st = zs_rbm_logz_exact(rbm, o->max_seconds, &r.lnz);
        if (st == ZS_ETOOBIG) o->ais = 1;
        else if (st != ZS_OK) rc = cli_status(ctx, st);
        else r.lo = r.hi = r.lnz, have_r = 1;
    }
    /* The stored frequencies, read with the model: the default base and --base stored. */
    const double *stored = zs_rbm_stored_frequency(rbm);
    char base[4096];
    if (rc == EXIT_OK && o->ais && !o->have_base) o->base = default_base(o, stored != NULL, base, sizeof base);
    if (rc == EXIT_OK && !have_r) rc = compute_logz(ctx, o, rbm, stored, &r);
    if (rc == EXIT_OK) {
        progress_finish();
        if (o->sub == LOGLIK) {
            double ll, mf;
            zs_status st = zs_rbm_loglik(rbm, data.x, data.n, r.lnz, &ll, &mf);
            if (st != ZS_OK) rc = cli_status(ctx, st);
            /* ln p(v) = -F(v) - ln Z: the band of ln Z maps to the band of the mean. */
            else print_result(o, rbm, &r, 1, ll, -mf - r.hi, -mf - r.lo, data.n);
        } else {
            print_result(o, rbm, &r, 0, 0, 0, 0, 0);
        }
    }
    free(data.x);
    return finish(ctx, rbm, NULL, rc);
}

/* ---- train ------------------------------------------------------------------------------- */

/* SIGINT and SIGTERM during training: the handler only records the signal; the loop stops
 * after the epoch in progress is checkpointed. SA_RESETHAND: a second signal ends the process
 * at once, which is safe too since every checkpoint is replaced atomically. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

static void catch_stop_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* One argument as the shell reads it back: bare when it holds only safe characters, else in
 * single quotes (a quote inside written '\''). */
static void shell_word(FILE *f, const char *w) {
    int safe = *w != '\0';
    for (const char *c = w; *c && safe; c++)
        safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
               strchr("_@%+=:,./-", *c) != NULL;
    fputc(' ', f);
    if (safe) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (const char *c = w; *c; c++) {
        if (*c == '\'') fputs("'\\''", f);
        else fputc(*c, f);
    }
    fputc('\'', f);
}

/* The command that continues this training: the same arguments less any --resume, plus the
 * seed when it was drawn, plus --resume OUT. */
static void print_resume_command(const opts *o) {
    fputs("zsum", stderr);
    for (int i = 0; i < o->argc; i++) {
        const char *a = o->argv[i];
        int has_arg = 0;
        for (size_t q = 0; i >= 2 && q < sizeof option_defs / sizeof option_defs[0]; q++)
            if (!strcmp(option_defs[q].name, a)) has_arg = option_defs[q].has_arg;
        if (!strcmp(a, "--resume") && i >= 2) {
            i++;
            continue;
        }
        shell_word(stderr, a);
        if (has_arg && i + 1 < o->argc) shell_word(stderr, o->argv[++i]);
    }
    if (!o->have_seed) fprintf(stderr, " --seed %llu", (unsigned long long)o->seed);
    fputs(" --resume", stderr);
    shell_word(stderr, o->out);
    fputc('\n', stderr);
}

/* Resuming with --log: keep the log's lines up to the checkpoint's epoch and drop the rest (a
 * line for an epoch the checkpoint does not hold, or a line cut short by a kill), so that the
 * resumed run's lines follow on. A line is {"epoch": N, ...} (written below). */
static int open_log(const opts *o, uint64_t done, FILE **logf) {
    *logf = fopen(o->log, o->resume ? "a+" : "w");
    if (!*logf) return cli_usage("--log: cannot open '%s': %s", o->log, strerror(errno));
    if (!o->resume) return EXIT_OK;
    rewind(*logf);
    char line[4096];
    long keep = 0;
    while (fgets(line, sizeof line, *logf)) {
        unsigned long long e;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n' || sscanf(line, "{\"epoch\": %llu", &e) != 1 || e > done) break;
        keep = ftell(*logf);
    }
    if (fflush(*logf) != 0 || ftruncate(fileno(*logf), keep) != 0 || fseek(*logf, 0, SEEK_END) != 0)
        return cli_fail(EXIT_RUNTIME, "--log: cannot truncate '%s': %s", o->log, strerror(errno));
    return EXIT_OK;
}

static int run_train(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    data_rows data = {0}, held = {0};
    zs_rbm_trainer *t = NULL;
    const double start = zs_monotonic_seconds();
    int rc = setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = load_data(ctx, o, o->data, 0, &data);
    if (rc == EXIT_OK && o->heldout) rc = load_data(ctx, o, o->heldout, data.d, &held);
    if (rc != EXIT_OK) {
        free(data.x);
        return finish(ctx, rbm, NULL, rc);
    }
    size_t n = data.n, nv = data.d;
    zs_status st;
    if (o->resume) {
        rc = load_model(ctx, o->resume, &rbm);
        if (rc == EXIT_OK && (zs_rbm_nv(rbm) != nv || zs_rbm_nh(rbm) != o->hidden))
            rc = cli_usage("--resume %s: the model is %zux%zu, this run asks for %zux%llu", o->resume,
                           zs_rbm_nv(rbm), zs_rbm_nh(rbm), nv, (unsigned long long)o->hidden);
    } else {
        st = zs_rbm_alloc(ctx, nv, (size_t)o->hidden, &rbm);
        if (st != ZS_OK) rc = cli_status(ctx, st);
        else if ((st = zs_rbm_init_from_data(rbm, data.x, n, o->init_std, o->seed)) != ZS_OK)
            rc = cli_status(ctx, st);
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
        st = zs_rbm_trainer_alloc(ctx, rbm, &to, data.x, n, &t);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    if (rc == EXIT_OK && o->resume) {
        st = zs_rbm_trainer_resume(t, o->resume);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    FILE *logf = NULL;
    if (rc == EXIT_OK && o->log) rc = open_log(o, zs_rbm_trainer_epochs_done(t), &logf);
    size_t smaller = nv < o->hidden ? nv : (size_t)o->hidden;
    int monitor = smaller <= 20 || o->monitor_ais;
    size_t nmon = held.x ? held.n : (n < 1000 ? n : 1000);
    /* The trainer keeps its own sparse copy of the data: keep only the rows the monitor scores,
     * so that the data held while training is about the size of the file. */
    size_t keep = monitor && !held.x ? nmon : 0;
    if (rc == EXIT_OK && keep < n) {
        uint8_t *k = keep ? realloc(data.x, keep * nv) : NULL;
        if (!keep) free(data.x);
        data.x = keep ? (k ? k : data.x) : NULL;
    }
    const uint8_t *mon = held.x ? held.x : data.x;
    double recon = (double)NAN, ll = (double)NAN, seconds = 0;
    if (rc == EXIT_OK) catch_stop_signals();
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
        if (monitor) {
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
            st = zs_rbm_loglik(rbm, mon, nmon, lr.lnz, &ll, NULL);
            if (st != ZS_OK) {
                rc = cli_status(ctx, st);
                break;
            }
            progress_note("recon %.4g loglik %.4f", recon, ll);
        }
        /* The log's line for this epoch goes to disk before its checkpoint: a run killed in
         * between has a line too many, which --resume drops (open_log), never one too few. */
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
            if (fflush(logf) != 0 || fsync(fileno(logf)) != 0) {
                rc = cli_fail(EXIT_RUNTIME, "--log: cannot write '%s': %s", o->log, strerror(errno));
                break;
            }
        }
        st = zs_rbm_trainer_save(t, o->out);
        if (st != ZS_OK) {
            rc = cli_status(ctx, st);
            break;
        }
        if (stop_signal && zs_rbm_trainer_epochs_done(t) < o->epochs) {
            progress_finish();
            fprintf(stderr, "zsum: %s: stopped after epoch %llu of %llu; the checkpoint is %s. "
                    "To resume:\n", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
                    (unsigned long long)zs_rbm_trainer_epochs_done(t),
                    (unsigned long long)o->epochs, o->out);
            print_resume_command(o);
            rc = 128 + stop_signal; /* the shell's status for a process ended by that signal */
            break;
        }
    }
    if (logf && fclose(logf) != 0 && rc == EXIT_OK) rc = cli_fail(EXIT_RUNTIME, "--log: cannot write '%s'", o->log);
    progress_finish();
    const double total = zs_monotonic_seconds() - start;
    if (rc == EXIT_OK) {
        FILE *f = cli_out();
        char b[4][32];
        if (o->format == FORMAT_JSON) {
            json j;
            json_init(&j, f);
            json_obj(&j);
            json_kv_u64(&j, "nv", nv);
            json_kv_u64(&j, "nh", o->hidden);
            json_kv_u64(&j, "epoch", zs_rbm_trainer_epochs_done(t));
            json_kv_num(&j, "recon_error", recon);
            if (monitor) json_kv_num(&j, "loglik", ll);
            json_kv_num(&j, "epoch_seconds", seconds);
            json_kv_num(&j, "total_seconds", total);
            json_kv_u64(&j, "seed", o->seed);
            json_kv_str(&j, "model", o->out);
            json_end_obj(&j);
            json_end(&j);
        } else if (o->format == FORMAT_CSV) {
            fprintf(f, "nv,nh,epoch,recon_error,loglik,epoch_seconds,total_seconds,seed\n"
                    "%zu,%llu,%llu,%s,%s,%s,%s,%llu\n", nv,
                    (unsigned long long)o->hidden, (unsigned long long)zs_rbm_trainer_epochs_done(t),
                    cli_num(b[0], recon), monitor ? cli_num(b[1], ll) : "", cli_num(b[2], seconds),
                    cli_num(b[3], total), (unsigned long long)o->seed);
        } else {
            fprintf(f, "%-13s %zu\n%-13s %llu\n%-13s %llu\n", "nv", nv, "nh", (unsigned long long)o->hidden,
                    "epoch", (unsigned long long)zs_rbm_trainer_epochs_done(t));
            write_num_row(f, "recon_error", recon);
            if (monitor) write_num_row(f, "loglik", ll);
            write_num_row(f, "epoch_seconds", seconds);
            write_num_row(f, "total_seconds", total);
            fprintf(f, "%-13s %llu\n%-13s %s\n", "seed", (unsigned long long)o->seed, "model", o->out);
        }
    }
    zs_rbm_trainer_free(t);
    free(held.x);
    free(data.x);
    return finish(ctx, rbm, NULL, rc);
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
        data_rows init = {0};
        if (o->init && !strncmp(o->init, "data:", 5)) {
            rc = load_data(ctx, o, o->init + 5, nv, &init);
            if (rc != EXIT_OK) {
                free(tiles);
                return finish(ctx, rbm, NULL, rc);
            }
        }
        zs_status st = init.x ? zs_rbm_sample_from(rbm, count, o->steps, o->seed, init.x, init.n, tiles)
                              : zs_rbm_sample(rbm, count, o->steps, o->seed, tiles);
        free(init.x);
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
    else if (rc == EXIT_OK && !o->quiet && o->sub == FILTERS)
        fprintf(cli_out(), "%zu filters of %zux%zu written to %s\n", nh, h, w, o->out);
    return finish(ctx, rbm, NULL, rc);
}

/* ---- transform --------------------------------------------------------------------------- */

static int run_transform(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    data_rows data = {0};
    zs_array *h = NULL;
    int rc = setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = load_model(ctx, o->model, &rbm);
    if (rc == EXIT_OK) rc = load_data(ctx, o, o->data, zs_rbm_nv(rbm), &data);
    if (rc == EXIT_OK) {
        uint64_t shape[2] = {data.n, zs_rbm_nh(rbm)};
        zs_status st = zs_array_alloc(ctx, ZS_DTYPE_F8, 2, shape, &h);
        if (st == ZS_OK) st = zs_rbm_hidden_probs(rbm, data.x, data.n, zs_array_data(h));
        if (st == ZS_OK) st = zs_npy_write(ctx, o->out, h);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    if (rc == EXIT_OK && !o->quiet)
        fprintf(cli_out(), "p(h = 1 | v) of %zu rows x %zu hidden units written to %s\n", data.n,
                zs_rbm_nh(rbm), o->out);
    zs_array_free(h);
    free(data.x);
    return finish(ctx, rbm, NULL, rc);
}

/* `zsum rbm SUB --help`: the synopsis lines of SUB and its paragraph from usage_text, then the
 * notes shared by all subcommands (from "DATA:" on). */
static void sub_help(const char *sub) {
    FILE *f = cli_out();
    char head[64], para[64];
    snprintf(head, sizeof head, "zsum rbm %s ", sub);
    snprintf(para, sizeof para, "  %s ", sub);
    int in = 0, first = 1;
    for (const char *l = usage_text; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) + 1 : strlen(l);
        if (strstr(l, head) && (size_t)(strstr(l, head) - l) < len) in = 1;
        else if (!strncmp(l, para, strlen(para))) in = 2;
        else if (!strncmp(l, "DATA:", 5)) in = 3;
        else if (in == 1 && strncmp(l, "                 ", 17)) in = 0;
        else if (in == 2 && strncmp(l, "           ", 11)) in = 0;
        if (in) {
            const char *text = l;
            if (in == 1 && first) fputs("usage: ", f), text = strstr(l, "zsum"), first = 0;
            else if (in == 1 && strncmp(l, "usage: ", 7) && !strncmp(l, "       zsum", 11)) text = l;
            fwrite(text, 1, len - (size_t)(text - l), f);
        }
        l += len;
    }
}

int cmd_rbm(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    static const struct { const char *name; int sub; } subs[] = {
        {"logz", LOGZ}, {"loglik", LOGLIK}, {"train", TRAIN}, {"sample", SAMPLE}, {"filters", FILTERS},
        {"transform", TRANSFORM}};
    int sub = 0;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(argv[1], subs[i].name)) sub = subs[i].sub;
    if (!sub)
        return cli_usage("rbm: unknown subcommand '%s' (logz, loglik, train, sample, filters, transform)",
                         argv[1]);
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            sub_help(argv[1]);
            return EXIT_OK;
        }
    opts o;
    int rc = parse(argc, argv, sub, &o);
    if (rc != EXIT_OK) return rc;
    o.argc = argc;
    o.argv = argv;
    if (sub & (LOGZ | LOGLIK)) return run_logz(&o);
    if (sub == TRAIN) return run_train(&o);
    if (sub == TRANSFORM) return run_transform(&o);
    return run_images(&o);
}
