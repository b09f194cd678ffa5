/* cmd_rbm.c — zsum rbm: restricted Boltzmann machines (docs/rbm.md).
 *   zsum rbm logz MODEL [--exact | --ais ...]     ln Z
 *   zsum rbm loglik MODEL DATA [--exact | --ais ...]   mean ln p(v) over the rows of DATA
 *   zsum rbm train DATA --hidden H ... -o MODEL.npz    CD-k / PCD-k training
 *   zsum rbm sample MODEL -o samples.png               Gibbs samples as an image grid
 *   zsum rbm filters MODEL -o filters.png              the columns of W as an image grid
 *   zsum rbm transform MODEL DATA -o out.npy           p(h = 1 | v) of each row of DATA */
#include "rbm_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct option_def {
    const char *name;
    int subs;      /* subcommands that accept it */
    int has_arg;
} option_def;

static const option_def option_defs[] = {
    {"--exact", LOGZ | LOGLIK, 0}, {"--ais", LOGZ | LOGLIK, 0},
    {"--chains", LOGZ | LOGLIK | TRAIN | SAMPLE, 1}, {"--schedule", LOGZ | LOGLIK | TRAIN, 1},
    {"--base", LOGZ | LOGLIK | TRAIN, 1}, {"--pseudocount", LOGZ | LOGLIK | TRAIN, 1},
    {"--reverse", LOGZ | LOGLIK, 1}, {"--pt-temperatures", LOGZ | LOGLIK, 1},
    {"--pt-sweeps", LOGZ | LOGLIK, 1},
    {"--seed", LOGZ | LOGLIK | TRAIN | SAMPLE, 1},
    {"--binarize", LOGZ | LOGLIK | TRAIN | SAMPLE | TRANSFORM, 1},
    {"--max-seconds", LOGZ | LOGLIK | TRAIN | SAMPLE, 1},
    {"--threads", LOGZ | LOGLIK | TRAIN | SAMPLE | TRANSFORM, 1},
    {"--format", LOGZ | LOGLIK | TRAIN, 1}, {"--quiet", LOGZ | LOGLIK | TRAIN | SAMPLE | FILTERS | TRANSFORM, 0},
    {"-q", LOGZ | LOGLIK | TRAIN | SAMPLE | FILTERS | TRANSFORM, 0}, {"--init", SAMPLE, 1},
    {"--hidden", TRAIN, 1}, {"--cd", TRAIN, 1}, {"--pcd", TRAIN, 1}, {"--epochs", TRAIN, 1},
    {"--batch", TRAIN, 1}, {"--lr", TRAIN, 1}, {"--momentum", TRAIN, 1},
    {"--weight-decay", TRAIN, 1}, {"--init-std", TRAIN, 1}, {"--resume", TRAIN, 1},
    {"--log", TRAIN, 1}, {"--heldout", TRAIN, 1}, {"--monitor-ais", TRAIN, 0},
    {"-o", TRAIN | SAMPLE | FILTERS | TRANSFORM, 1}, {"--steps", SAMPLE, 1},
    {"--shape", SAMPLE | FILTERS, 1}, {"--scale", SAMPLE | FILTERS, 1},
};

static const char *usage_text =
    "usage: zsum rbm logz MODEL.npz [--exact | --ais [--chains 100] [--schedule sm08|linear:N|FILE]\n"
    "                 [--base stored|pt|uniform|model|data:FILE] [--pseudocount 1] [--seed S]\n"
    "                 [--reverse pt|none|data:FILE] [--pt-temperatures 50] [--pt-sweeps 1000]]\n"
    "                 [--max-seconds 3600] [--threads N] [--format table|json|csv] [-q|--quiet]\n"
    "       zsum rbm loglik MODEL.npz DATA [--exact | --ais ...] [--binarize threshold[:T]|stochastic]\n"
    "       zsum rbm train DATA --hidden H [--cd K | --pcd K] --epochs E [--batch 100] [--lr 0.05]\n"
    "                 [--momentum 0] [--weight-decay 0] [--init-std 0.01] [--seed S] -o MODEL.npz\n"
    "                 [--binarize threshold[:T]|stochastic] [--resume MODEL.npz] [--heldout DATA]\n"
    "                 [--monitor-ais] [--log FILE.jsonl]\n"
    "       zsum rbm sample MODEL.npz [--chains 64] [--steps 1000] [--seed S] [--shape HxW] [--scale K]\n"
    "                 [--init random|data:DATA] [--max-seconds 3600] -o FILE.png\n"
    "       zsum rbm filters MODEL.npz [--shape HxW] [--scale K] [-q] -o FILE.png\n"
    "       zsum rbm transform MODEL.npz DATA [--binarize ...] [--threads N] [-q] -o FILE.npy\n"
    "\n"
    "An RBM has energy E(v,h) = -v.W.h - vbias.v - hbias.h over binary v (nv) and h (nh); MODEL is\n"
    "a NumPy .npz with arrays W (nv x nh), vbias, hbias (float32 or float64).\n"
    "  logz     ln Z. --exact sums the smaller layer's 2^n states (refused, with the estimated\n"
    "           time, beyond --max-seconds); --ais estimates it by annealed importance sampling\n"
    "           (Salakhutdinov & Murray 2008) with the band ln(Z +- 3 sigma). Default: exact\n"
    "           when its estimated time is within --max-seconds, else AIS; `method` says which.\n"
    "           AIS is low on average; --reverse anneals back from samples of the model (pt:\n"
    "           tempering; data:FILE; none) for a high side; sides_agree says if the bands meet.\n"
    "  loglik   mean over the rows of DATA of ln p(v) = -F(v) - ln Z, with the band from ln Z.\n"
    "  train    contrastive divergence (CD-k, default k=1) or persistent CD (--pcd K); writes\n"
    "           MODEL.npz atomically after every epoch; --resume continues bit-identically.\n"
    "           SIGINT or SIGTERM stops after the current epoch's checkpoint, prints the\n"
    "           command that resumes, and exits 130 (SIGINT) or 143 (SIGTERM).\n"
    "           The log-likelihood of --heldout DATA (default: the first 1000 training rows) is\n"
    "           monitored exactly when min(nv,nh) <= 20, by AIS with --monitor-ais (--chains,\n"
    "           --schedule, --base; default base: the data base rate of DATA).\n"
    "  sample   --chains Gibbs chains run --steps sweeps from random states (--init data:DATA: chain c\n"
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
    "model; the default when present), pt (the frequencies of parallel-tempering samples of the\n"
    "model: the default of logz otherwise), uniform, model (its visible biases), data:FILE\n"
    "(FILE's frequencies; the default of loglik otherwise: DATA).\n"
    "JSON keys: nv, nh, lnZ, method; for AIS lnZ_lo, lnZ_hi, ess, chains, temperatures, seed, base,\n"
    "reverse, lnZ_reverse(_lo, _hi), reverse_ess, sandwich_lo, sandwich_hi, sides_agree, pt_*;\n"
    "for loglik also loglik, loglik_lo, loglik_hi, n. train: epoch_seconds is the last epoch's\n"
    "time, total_seconds the whole run's (loading the data included).\n";

static int parse(int argc, char **argv, int sub, opts *o) {
    memset(o, 0, sizeof *o);
    o->sub = sub;
    o->format = FORMAT_TABLE;
    o->chains = 100;
    o->schedule = "sm08";
    o->base = "uniform";
    o->reverse = "pt";
    o->pt_temperatures = 50;
    o->pt_sweeps = 1000;
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
        /* -n and --n count units elsewhere in zsum; sample's chains are --chains. */
        if (sub == SAMPLE && (!strcmp(a, "--n") || !strncmp(a, "--n=", 4)))
            return cli_usage("--n: the number of chains is spelled --chains");
        if (!d || !(d->subs & sub))
            return cli_usage("rbm %s: unknown option '%s' (zsum rbm %s --help lists them)", argv[1], a,
                             argv[1]);
        if (!o->ais_option && (!strcmp(a, "--chains") || !strcmp(a, "--schedule") ||
                               !strcmp(a, "--base") || !strcmp(a, "--pseudocount") ||
                               !strcmp(a, "--reverse") || !strcmp(a, "--pt-temperatures") ||
                               !strcmp(a, "--pt-sweeps")))
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
        else if (!strcmp(a, "--chains") && sub == SAMPLE) {
            if (!cli_parse_u64(a, v, &o->n)) return EXIT_USAGE;
            if (o->n < 1 || o->n > 10000) return cli_usage("--chains: '%s' is not in 1..10000", v);
        } else if (!strcmp(a, "--chains")) {
            if (!cli_parse_u64(a, v, &o->chains)) return EXIT_USAGE;
            if (o->chains < 2 || o->chains > 1000000) return cli_usage("--chains: '%s' is not in 2..1000000", v);
        } else if (!strcmp(a, "--schedule")) o->schedule = v;
        else if (!strcmp(a, "--reverse")) {
            if (strcmp(v, "pt") && strcmp(v, "none") && !(!strncmp(v, "data:", 5) && v[5]))
                return cli_usage("--reverse: '%s' is not pt, none or data:FILE", v);
            o->reverse = v;
        } else if (!strcmp(a, "--pt-temperatures")) {
            if (!cli_parse_u64(a, v, &o->pt_temperatures)) return EXIT_USAGE;
            if (o->pt_temperatures < 2 || o->pt_temperatures > 100000)
                return cli_usage("--pt-temperatures: '%s' is not in 2..100000", v);
        } else if (!strcmp(a, "--pt-sweeps")) {
            if (!cli_parse_u64(a, v, &o->pt_sweeps)) return EXIT_USAGE;
            if (o->pt_sweeps < 2 || o->pt_sweeps > 100000000)
                return cli_usage("--pt-sweeps: '%s' is not in 2..100000000", v);
        }
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
        else if (!strcmp(a, "--steps")) {
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

int rbm_option_has_arg(const char *name) {
    for (size_t q = 0; q < sizeof option_defs / sizeof option_defs[0]; q++)
        if (!strcmp(option_defs[q].name, name)) return option_defs[q].has_arg;
    return 0;
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
    if (sub & (LOGZ | LOGLIK)) return rbm_logz(&o);
    if (sub == TRAIN) return rbm_train(&o);
    if (sub == TRANSFORM) return rbm_transform(&o);
    return rbm_images(&o);
}

