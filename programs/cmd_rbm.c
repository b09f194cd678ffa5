/* cmd_rbm.c — zsum rbm: restricted Boltzmann machines (docs/rbm.md).
 *   zsum rbm lnz MODEL [--exact | --ais ...]      ln Z (logz: the older name)
 *   zsum rbm loglik MODEL DATA [--exact | --ais ...]   mean ln p(v) over the rows of DATA
 *   zsum rbm train DATA --hidden H ... -o MODEL.npz    CD-k / PCD-k training
 *   zsum rbm sample MODEL -o samples.png               Gibbs samples as an image grid
 *   zsum rbm filters MODEL -o filters.png              the columns of W as an image grid
 *   zsum rbm transform MODEL DATA -o out.npy           p(h = 1 | v) of each row of DATA */
#include "rbm_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { O_EXACT = 1, O_AIS, O_AIS_CHAINS, O_SAMPLE_CHAINS, O_SCHEDULE, O_BASE, O_PSEUDOCOUNT, O_SEED,
       O_BINARIZE, O_MAX_SECONDS, O_THREADS, O_FORMAT, O_QUIET, O_INIT, O_HIDDEN, O_CD, O_PCD,
       O_EPOCHS, O_BATCH, O_LR, O_MOMENTUM, O_WEIGHT_DECAY, O_INIT_STD, O_RESUME, O_LOG, O_HELDOUT,
       O_MONITOR_AIS, O_OUT, O_STEPS, O_SHAPE, O_SCALE, O_SPELL_N, O_REVERSE, O_PT_TEMPS, O_PT_SWEEPS };

#define ALL (LOGZ | LOGLIK | TRAIN | SAMPLE | FILTERS | TRANSFORM)
#define AIS_SUBS (LOGZ | LOGLIK | TRAIN)
static const cli_option options[] = {
    {O_EXACT, "--exact", 0, NULL, LOGZ | LOGLIK, 0, "sum the smaller layer's 2^n states (refused beyond --max-seconds)"},
    {O_AIS, "--ais", 0, NULL, LOGZ | LOGLIK, 0, "annealed importance sampling (Salakhutdinov & Murray 2008)"},
    {O_AIS_CHAINS, "--chains", 0, "N", AIS_SUBS, 0, "AIS chains (2..1000000, default 100)"},
    {O_SCHEDULE, "--schedule", 0, "sm08|linear:N|FILE", AIS_SUBS, 0, "AIS temperatures (default sm08)"},
    {O_BASE, "--base", 0, "B", AIS_SUBS, 0, "AIS base: stored | pt | uniform | model | data:FILE (below)"},
    {O_REVERSE, "--reverse", 0, "pt|none|data:FILE", LOGZ | LOGLIK, 0,
     "AIS's upper side: the schedule backwards from samples of the\nmodel (pt: parallel tempering, default; data:FILE: its rows; none)"},
    {O_PT_TEMPS, "--pt-temperatures", 0, "L", LOGZ | LOGLIK, 0, "parallel tempering: betas in [0, 1] (2..100000, default 50)"},
    {O_PT_SWEEPS, "--pt-sweeps", 0, "S", LOGZ | LOGLIK, 0,
     "parallel tempering: sweeps per ladder and stage, half discarded\n(2..100000000, default 1000)"},
    {O_PSEUDOCOUNT, "--pseudocount", 0, "C", AIS_SUBS, 0, "added to the counts of a data base rate (default 1)"},
    {O_SAMPLE_CHAINS, "--chains", 0, "N", SAMPLE, 0, "Gibbs chains, one tile each (1..10000, default 64)"},
    {O_STEPS, "--steps", 0, "N", SAMPLE, 0, "Gibbs sweeps per chain (default 1000)"},
    {O_INIT, "--init", 0, "random|data:DATA", SAMPLE, 0, "start states: random (default), or row c of DATA for chain c"},
    {O_SEED, "--seed", 0, "S", LOGZ | LOGLIK | TRAIN | SAMPLE, 0, "random seed (default: drawn and printed)"},
    {O_BINARIZE, "--binarize", 0, "threshold[:T]|stochastic", LOGZ | LOGLIK | TRAIN | SAMPLE | TRANSFORM, 0,
     "binarize non-binary DATA (below)"},
    {O_MAX_SECONDS, "--max-seconds", 0, "T", LOGZ | LOGLIK | TRAIN | SAMPLE, 0,
     "refuse work estimated to take longer (default 3600)"},
    {O_THREADS, "--threads", 0, "N", LOGZ | LOGLIK | TRAIN | SAMPLE | TRANSFORM, 0, "threads (1..1024)"},
    {O_FORMAT, "--format", 0, "table|json|csv", LOGZ | LOGLIK | TRAIN, 0, "output format (default table)"},
    {O_QUIET, "--quiet", 'q', NULL, ALL, 0, "no progress bar"},
    {O_HIDDEN, "--hidden", 0, "H", TRAIN, 0, "hidden units (required)"},
    {O_CD, "--cd", 0, "K", TRAIN, 0, "contrastive divergence CD-K (default K = 1)"},
    {O_PCD, "--pcd", 0, "K", TRAIN, 0, "persistent contrastive divergence PCD-K"},
    {O_EPOCHS, "--epochs", 0, "E", TRAIN, 0, "passes over DATA (required)"},
    {O_BATCH, "--batch", 0, "B", TRAIN, 0, "mini-batch rows (default 100)"},
    {O_LR, "--lr", 0, "R", TRAIN, 0, "learning rate (default 0.05)"},
    {O_MOMENTUM, "--momentum", 0, "M", TRAIN, 0, "momentum in [0, 1) (default 0)"},
    {O_WEIGHT_DECAY, "--weight-decay", 0, "D", TRAIN, 0, "L2 weight decay (default 0)"},
    {O_INIT_STD, "--init-std", 0, "S", TRAIN, 0, "initial weights W ~ N(0, S^2) (default 0.01)"},
    {O_RESUME, "--resume", 0, "MODEL.npz", TRAIN, CLI_ONCE, "continue from a checkpoint, bit-identically"},
    {O_LOG, "--log", 0, "FILE.jsonl", TRAIN, 0, "one JSON line per epoch"},
    {O_HELDOUT, "--heldout", 0, "DATA", TRAIN, 0, "rows whose log-likelihood is monitored"},
    {O_MONITOR_AIS, "--monitor-ais", 0, NULL, TRAIN, 0, "monitor by AIS (--chains, --schedule, --base)"},
    {O_SHAPE, "--shape", 0, "HxW", SAMPLE | FILTERS, 0, "tile shape (default: square, or the data's)"},
    {O_SCALE, "--scale", 0, "K", SAMPLE | FILTERS, 0,
     "each pixel as K x K (1..1000; default: enough to make the\nimage at least 256 pixels across)"},
    {O_OUT, NULL, 'o', "FILE", TRAIN | SAMPLE | FILTERS | TRANSFORM, CLI_ONCE,
     "the file to write (required): MODEL.npz, FILE.png or FILE.npy"},
    {O_SPELL_N, "--n", 0, NULL, SAMPLE, CLI_SPELLING, "the number of chains is spelled --chains"},
};

static const cli_sub subs[] = {
    {"lnz", LOGZ,
     "zsum rbm lnz MODEL.npz [--exact | --ais [--chains 100] [--schedule sm08|linear:N|FILE]\n"
     "                 [--base stored|pt|uniform|model|data:FILE] [--pseudocount 1] [--seed S]\n"
     "                 [--reverse pt|none|data:FILE] [--pt-temperatures 50] [--pt-sweeps 1000]]\n"
     "                 [--max-seconds 3600] [--threads N] [--format table|json|csv] [-q|--quiet]",
     "ln Z. --exact sums the smaller layer's 2^n states (refused, with the estimated\n"
     "time, beyond --max-seconds); --ais estimates it by annealed importance sampling\n"
     "(Salakhutdinov & Murray 2008) with the band ln(Z +- 3 sigma). Default: exact\n"
     "when its estimated time is within --max-seconds, else AIS; `method` says which.\n"
     "AIS's ln Z is low on average; --reverse runs the schedule backwards from samples of\n"
     "the model for a side that is high on average (lnZ_reverse), and the output says when\n"
     "the two sides' bands do not overlap (sides_agree false, with a warning).\n", "logz"},
    {"loglik", LOGLIK,
     "zsum rbm loglik MODEL.npz DATA [--exact | --ais ...] [--binarize threshold[:T]|stochastic]",
     "mean over the rows of DATA of ln p(v) = -F(v) - ln Z, with the band from ln Z.\n", NULL},
    {"train", TRAIN,
     "zsum rbm train DATA --hidden H [--cd K | --pcd K] --epochs E [--batch 100] [--lr 0.05]\n"
     "                 [--momentum 0] [--weight-decay 0] [--init-std 0.01] [--seed S] -o MODEL.npz\n"
     "                 [--binarize threshold[:T]|stochastic] [--resume MODEL.npz] [--heldout DATA]\n"
     "                 [--monitor-ais] [--log FILE.jsonl]",
     "contrastive divergence (CD-k, default k=1) or persistent CD (--pcd K); writes\n"
     "MODEL.npz atomically after every epoch; --resume continues bit-identically.\n"
     "SIGINT or SIGTERM stops after the current epoch's checkpoint, prints the\n"
     "command that resumes, and exits 130 (SIGINT) or 143 (SIGTERM).\n"
     "The log-likelihood of --heldout DATA (default: the first 1000 training rows) is\n"
     "monitored exactly when min(nv,nh) <= 20, by AIS with --monitor-ais (--chains,\n"
     "--schedule, --base; default base: the data base rate of DATA).\n", NULL},
    {"sample", SAMPLE,
     "zsum rbm sample MODEL.npz [--chains 64] [--steps 1000] [--seed S] [--shape HxW] [--scale K]\n"
     "                 [--init random|data:DATA] [--max-seconds 3600] -o FILE.png",
     "--chains Gibbs chains run --steps sweeps from random states (--init data:DATA: chain c\n"
     "starts at row c of DATA, cycling); image of p(v|h).\n", NULL},
    {"filters", FILTERS, "zsum rbm filters MODEL.npz [--shape HxW] [--scale K] [-q] -o FILE.png",
     "one tile per hidden unit: its weights, scaled to the tile's range.\n", NULL},
    {"transform", TRANSFORM, "zsum rbm transform MODEL.npz DATA [--binarize ...] [--threads N] [-q] -o FILE.npy",
     "p(h_j = 1 | v) for every row of DATA: an N x nh float64 .npy (scikit-learn's\n"
     "BernoulliRBM.transform).\n", NULL},
};

const cli_command rbm_command = {
    "rbm", CLI_TABLE(subs), CLI_TABLE(options),
    "An RBM has energy E(v,h) = -v.W.h - vbias.v - hbias.h over binary v (nv) and h (nh); MODEL is\n"
    "a NumPy .npz with arrays W (nv x nh), vbias, hbias (float32 or float64).\n",
    "DATA: .npy, .npz (first array, or FILE.npz:NAME) or IDX (MNIST format, gzipped or not),\n"
    "optionally with a row range FILE:START:END (rows START..END-1, e.g. digits.idx:0:9000);\n"
    "rows are flattened. Non-binary data needs --binarize: threshold (half the maximum),\n"
    "threshold:T, or stochastic (1 with probability x/max, seeded by --seed).\n"
    "AIS base (W = 0): stored (the training data's frequencies that zsum rbm train saves in the\n"
    "model; the default when present), pt (the frequencies of parallel-tempering samples of the\n"
    "model: the default of lnz otherwise), uniform, model (its visible biases), data:FILE\n"
    "(FILE's frequencies; the default of loglik otherwise: DATA).\n"
    "JSON keys: nv, nh, lnZ, method; for AIS lnZ_lo, lnZ_hi, ess, chains, temperatures, seed, base,\n"
    "reverse, and with a reverse side lnZ_reverse, lnZ_reverse_lo, lnZ_reverse_hi, reverse_ess,\n"
    "sandwich_lo, sandwich_hi, sides_agree (sides_warning when false), with tempering\n"
    "pt_temperatures, pt_sweeps, pt_swap_min; loglik adds loglik_sandwich_lo, loglik_sandwich_hi;\n"
    "for loglik also loglik, loglik_lo, loglik_hi, n. train: epoch_seconds is the last epoch's\n"
    "time, total_seconds the whole run's (loading the data included).\n",
    NULL};

/* One option of the table with its value v: an exit code. */
static int option(int id, const char *name, const char *v, opts *o) {
    switch (id) {
    case O_EXACT: o->exact = 1; break;
    case O_AIS: o->ais = 1; break;
    case O_QUIET: o->quiet = 1; break;
    case O_INIT: o->init = v; break;
    case O_MONITOR_AIS: o->monitor_ais = 1; break;
    case O_SAMPLE_CHAINS: return cli_parse_u64_in(name, v, 1, 10000, &o->n) ? EXIT_OK : EXIT_USAGE;
    case O_AIS_CHAINS: return cli_parse_u64_in(name, v, 2, 1000000, &o->chains) ? EXIT_OK : EXIT_USAGE;
    case O_SCHEDULE: o->schedule = v; break;
    case O_REVERSE:
        if (strcmp(v, "pt") && strcmp(v, "none") && !(!strncmp(v, "data:", 5) && v[5]))
            return cli_usage("--reverse: '%s' is not pt, none or data:FILE", v);
        o->reverse = v;
        break;
    case O_PT_TEMPS: return cli_parse_u64_in(name, v, 2, 100000, &o->pt_temperatures) ? EXIT_OK : EXIT_USAGE;
    case O_PT_SWEEPS: return cli_parse_u64_in(name, v, 2, 100000000, &o->pt_sweeps) ? EXIT_OK : EXIT_USAGE;
    case O_BASE:
        o->base = v;
        o->have_base = 1;
        break;
    case O_SEED:
        if (!cli_parse_u64(name, v, &o->seed)) return EXIT_USAGE;
        o->have_seed = 1;
        break;
    case O_PSEUDOCOUNT: return cli_parse_nonneg(name, v, 1, &o->pseudocount) ? EXIT_OK : EXIT_USAGE;
    case O_BINARIZE: o->binarize = v; break;
    case O_MAX_SECONDS: return cli_parse_max_seconds(v, &o->max_seconds) ? EXIT_OK : EXIT_USAGE;
    case O_THREADS: {
        int th;
        if (!cli_parse_threads(v, &th)) return EXIT_USAGE;
        o->threads = th;
        break;
    }
    case O_FORMAT: return cli_parse_format(v, &o->format) ? EXIT_OK : EXIT_USAGE;
    case O_HIDDEN: return cli_parse_u64_in(name, v, 1, 1000000, &o->hidden) ? EXIT_OK : EXIT_USAGE;
    case O_CD:
    case O_PCD:
        o->persistent = id == O_PCD;
        *(o->persistent ? &o->have_pcd : &o->have_cd) = 1;
        return cli_parse_u64_in(name, v, 1, 100000, &o->k) ? EXIT_OK : EXIT_USAGE;
    case O_EPOCHS: return cli_parse_u64_in(name, v, 1, 1000000, &o->epochs) ? EXIT_OK : EXIT_USAGE;
    case O_BATCH: return cli_parse_u64_in(name, v, 1, 1000000, &o->batch) ? EXIT_OK : EXIT_USAGE;
    case O_LR: return cli_parse_nonneg(name, v, 1, &o->lr) ? EXIT_OK : EXIT_USAGE;
    case O_MOMENTUM: return cli_parse_fraction(name, v, &o->momentum) ? EXIT_OK : EXIT_USAGE;
    case O_WEIGHT_DECAY: return cli_parse_nonneg(name, v, 0, &o->weight_decay) ? EXIT_OK : EXIT_USAGE;
    case O_INIT_STD: return cli_parse_nonneg(name, v, 0, &o->init_std) ? EXIT_OK : EXIT_USAGE;
    case O_RESUME: o->resume = v; break;
    case O_LOG: o->log = v; break;
    case O_HELDOUT: o->heldout = v; break;
    case O_OUT: o->out = v; break;
    case O_STEPS:
        if (!cli_parse_u64(name, v, &o->steps)) return EXIT_USAGE;
        if (o->steps > 100000000) return cli_usage("--steps: '%s' is over 100000000", v);
        break;
    case O_SHAPE: {
        int nd;
        if (!cli_parse_size(name, v, o->shape, &nd)) return EXIT_USAGE;
        if (nd != 2) return cli_usage("--shape: '%s' must be HxW", v);
        o->have_shape = 1;
        break;
    }
    case O_SCALE: return cli_parse_int(name, v, 1, CLI_IMAGE_MAX_SCALE, &o->scale) ? EXIT_OK : EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Whether path ends in ext; else the usage error. */
static int needs_ext(const char *prog, const char *path, const char *ext) {
    size_t l = strlen(path), e = strlen(ext);
    if (l < e || strcmp(path + l - e, ext)) return cli_usage("%s: -o '%s' must end in %s", prog, path, ext);
    return EXIT_OK;
}

/* The checks across options, once all are read (pos: the positional arguments): an exit code. */
static int check(const char *prog, opts *o, const char *const *pos, int npos) {
    int sub = o->sub;
    if (o->exact && o->ais) return cli_usage("%s: --exact and --ais exclude each other", prog);
    /* Options of another mode are refused, not ignored. */
    if (o->exact && o->ais_option)
        return cli_usage("%s: %s is an AIS option; --exact does not use it (drop it, or use --ais)", prog,
                         o->ais_option);
    if (o->have_cd && o->have_pcd)
        return cli_usage("rbm train: --cd and --pcd exclude each other (--cd K: contrastive "
                         "divergence; --pcd K: persistent chains)");
    if (sub == TRAIN && o->ais_option && !o->monitor_ais)
        return cli_usage("rbm train: %s sets up the AIS monitor; it needs --monitor-ais", o->ais_option);
    if (sub == SAMPLE && o->binarize && !(o->init && !strncmp(o->init, "data:", 5)))
        return cli_usage("rbm sample: --binarize applies to the start rows; it needs --init data:DATA");
    int need = sub & (LOGLIK | TRANSFORM) ? 2 : 1;
    if (npos != need)
        return cli_usage("%s: expected %s, got %d argument%s", prog,
                         need == 2 ? "MODEL and DATA" : sub == TRAIN ? "DATA" : "MODEL", npos, npos == 1 ? "" : "s");
    if (sub == TRAIN) o->data = pos[0];
    else o->model = pos[0];
    if (need == 2) o->data = pos[1];
    if ((sub & (TRAIN | SAMPLE | FILTERS | TRANSFORM)) && !o->out) return cli_usage("%s: -o FILE is required", prog);
    if (o->init && strcmp(o->init, "random") && (strncmp(o->init, "data:", 5) || !o->init[5]))
        return cli_usage("rbm sample: --init '%s' is not random or data:DATA", o->init);
    if (sub == TRANSFORM && needs_ext(prog, o->out, ".npy") != EXIT_OK) return EXIT_USAGE;
    if (sub == TRAIN && !o->hidden) return cli_usage("rbm train: --hidden H is required");
    if (sub == TRAIN && !o->epochs) return cli_usage("rbm train: --epochs E is required");
    if ((sub & (SAMPLE | FILTERS)) && needs_ext(prog, o->out, ".png") != EXIT_OK) return EXIT_USAGE;
    if (sub == TRAIN && needs_ext(prog, o->out, ".npz") != EXIT_OK) return EXIT_USAGE;
    if (o->out && cli_check_output("-o", o->out) != EXIT_OK) return EXIT_USAGE;
    if (o->log && cli_check_output("--log", o->log) != EXIT_OK) return EXIT_USAGE;
    return EXIT_OK;
}

/* The options with their defaults, then the checks: an exit code; o->help when the help was
 * printed. */
static int parse(cli_args *a, opts *o) {
    memset(o, 0, sizeof *o);
    o->sub = (int)a->sub->mode;
    o->format = FORMAT_TABLE;
    o->chains = 100;
    o->schedule = "sm08";
    o->base = "uniform";
    o->reverse = "pt";
    o->pt_temperatures = 50;
    o->pt_sweeps = 1000;
    o->pseudocount = 1.0;
    o->max_seconds = cli_max_seconds(3600);
    o->k = 1;
    o->batch = 100;
    o->lr = 0.05;
    o->init_std = 0.01;
    o->n = 64;
    o->steps = 1000;
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0;
    for (int id; (id = cli_next(a)) != CLI_DONE;) {
        if (id == CLI_STOP) return o->help = a->rc == EXIT_OK, a->rc;
        if (id == CLI_ARG) {
            if (npos == 3) return cli_usage("%s: unexpected argument '%s'", a->prog, a->value);
            pos[npos++] = a->value;
            continue;
        }
        if (!o->ais_option && (id == O_AIS_CHAINS || id == O_SCHEDULE || id == O_BASE || id == O_PSEUDOCOUNT ||
                               id == O_REVERSE || id == O_PT_TEMPS || id == O_PT_SWEEPS))
            o->ais_option = a->name;
        int rc = option(id, a->name, a->value, o);
        if (rc != EXIT_OK) return rc;
    }
    return check(a->prog, o, pos, npos);
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

int rbm_load_data(zs_ctx *ctx, const opts *o, const char *path, size_t nv, data_rows *out) {
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

int rbm_setup(opts *o, zs_ctx **ctx) {
    *ctx = zs_ctx_alloc();
    if (!*ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    if (o->threads) zs_ctx_set_threads(*ctx, (int)o->threads);
    if (!o->have_seed) o->seed = zs_seed_from_entropy();
    progress_install(*ctx, o->quiet);
    return EXIT_OK;
}

int rbm_finish(zs_ctx *ctx, zs_rbm *rbm, zs_array *data, int rc) {
    progress_finish();
    zs_rbm_free(rbm);
    zs_array_free(data);
    zs_ctx_free(ctx);
    return rc;
}

int rbm_load_model(zs_ctx *ctx, const char *path, zs_rbm **rbm) {
    zs_status st = zs_rbm_load(ctx, path, rbm);
    return st == ZS_OK ? EXIT_OK : cli_status(ctx, st);
}

int cmd_rbm(int argc, char **argv) {
    const cli_sub *sub;
    int first, rc = cli_select(&rbm_command, argc, argv, &sub, &first);
    if (!sub) return rc;
    cli_args a;
    cli_start(&a, &rbm_command, sub, argc, argv, first);
    opts o;
    rc = parse(&a, &o);
    if (rc != EXIT_OK || o.help) return rc;
    o.argc = argc;
    o.argv = argv;
    if (o.sub & (LOGZ | LOGLIK)) return rbm_logz(&o);
    if (o.sub == TRAIN) return rbm_train(&o);
    if (o.sub == TRANSFORM) return rbm_transform(&o);
    return rbm_images(&o);
}
