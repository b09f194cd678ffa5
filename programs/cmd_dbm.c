/* cmd_dbm.c — zsum dbm: deep Boltzmann machines (docs/dbm.md).
 *   zsum dbm lnz MODEL [--exact | --ais ...]            ln Z
 *   zsum dbm loglik MODEL DATA [--exact | --ais ...]    mean ln p(v) (exact when affordable)
 *                                                        and the mean-field lower bound
 *   zsum dbm train DATA --hidden H1,H2 --epochs E -o MODEL.npz   (dbm_train.c) */
#include "dbm_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct option_def {
    const char *name;
    int subs;
    int has_arg;
} option_def;

static const option_def option_defs[] = {
    {"--exact", LNZ | LOGLIK, 0},         {"--ais", LNZ | LOGLIK, 0},
    {"--chains", LNZ | LOGLIK | TRAIN, 1}, {"--schedule", LNZ | LOGLIK, 1},
    {"--base", LNZ | LOGLIK, 1},          {"--pseudocount", LNZ | LOGLIK, 1},
    {"--seed", LNZ | LOGLIK | TRAIN, 1},  {"--binarize", LOGLIK | TRAIN, 1},
    {"--max-seconds", LNZ | LOGLIK | TRAIN, 1}, {"--threads", LNZ | LOGLIK | TRAIN, 1},
    {"--format", LNZ | LOGLIK | TRAIN, 1}, {"--quiet", LNZ | LOGLIK | TRAIN, 0},
    {"-q", LNZ | LOGLIK | TRAIN, 0},      {"--mf-iterations", LOGLIK | TRAIN, 1},
    {"--mf-tolerance", LOGLIK | TRAIN, 1}, {"--hidden", TRAIN, 1},
    {"--epochs", TRAIN, 1},               {"--pretrain-epochs", TRAIN, 1},
    {"--pretrain-lr", TRAIN, 1},          {"--batch", TRAIN, 1},
    {"--lr", TRAIN, 1},                   {"--lr-decay", TRAIN, 1},
    {"--momentum", TRAIN, 1},             {"--weight-decay", TRAIN, 1},
    {"--gibbs-steps", TRAIN, 1},          {"--resume", TRAIN, 1},
    {"--heldout", TRAIN, 1},              {"--log", TRAIN, 1},
    {"-o", TRAIN, 1},                     {"--negative", TRAIN, 1},
    {"--plot", TRAIN, 1},
};

static const char *usage_text =
    "usage: zsum dbm lnz MODEL.npz [--exact | --ais [--chains 100] [--schedule sm08|linear:N|FILE]\n"
    "                 [--base uniform|model|data:FILE] [--pseudocount 1] [--seed S]]\n"
    "                 [--max-seconds 3600] [--threads N] [--format table|json|csv] [-q|--quiet]\n"
    "       zsum dbm loglik MODEL.npz DATA [--exact | --ais ...] [--mf-iterations 30]\n"
    "                 [--mf-tolerance 1e-7] [--binarize threshold[:T]|stochastic]\n"
    "       zsum dbm train DATA --hidden H1[,H2,...] --epochs E -o MODEL.npz [--pretrain-epochs 10]\n"
    "                 [--pretrain-lr 0.05] [--batch 100] [--lr 0.001] [--lr-decay 0] [--momentum 0.9]\n"
    "                 [--weight-decay 0.0002] [--chains 100] [--gibbs-steps 5] [--mf-iterations 10]\n"
    "                 [--mf-tolerance 1e-7] [--seed S] [--resume MODEL.npz] [--heldout DATA]\n"
    "                 [--log FILE.jsonl] [--max-seconds 10] [--binarize ...] [--format ...] [-q]\n"
    "                 [--negative persistent|exact|mean-field] [--plot FILE.png|svg]\n"
    "\n"
    "A deep Boltzmann machine has binary layers v = h0, h1, ..., hL and energy\n"
    "E = -sum_l h(l-1).Wl.h(l) - sum_l bl.h(l); MODEL is a NumPy .npz with arrays W1..WL\n"
    "(n(l-1) x n(l)) and b0..bL (float32 or float64), or the names of Salakhutdinov's DBM code\n"
    "(vishid, hidpen, visbiases, hidbiases, penbiases), or an RBM file (W, vbias, hbias) as L = 1.\n"
    "  lnz      ln Z. --exact enumerates the smaller of the two sets of layers (even: v, h2, ...;\n"
    "           odd: h1, h3, ...) and sums the other with softplus (refused, with the estimated\n"
    "           time, beyond --max-seconds); --ais anneals over the even layers with the odd\n"
    "           ones summed out (Salakhutdinov & Hinton 2009), band ln(Z +- 3 sigma). Default:\n"
    "           exact when its estimated time is within --max-seconds, else AIS.\n"
    "  loglik   over the rows of DATA: the mean-field lower bound B(v) - ln Z of ln p(v) (the\n"
    "           \"test log-probability\" of the DBM papers when ln Z is AIS's), with how many rows\n"
    "           converged within --mf-iterations sweeps to --mf-tolerance; and the exact mean\n"
    "           ln p(v) when its estimated time is within --max-seconds (else not given).\n"
    "  train    greedy pretraining (--pretrain-epochs per layer, CD-1 on RBMs with doubled weights,\n"
    "           Salakhutdinov & Hinton 2009), then joint training: mean-field positive phase,\n"
    "           --chains persistent Gibbs chains of --gibbs-steps sweeps; momentum 0.5 for 5\n"
    "           epochs, then --momentum; lr / (1 + lr-decay * epoch). MODEL.npz is written with\n"
    "           the training state after every epoch; --resume continues bit-identically.\n"
    "           Each epoch reports on stderr the mean mean-field bound of the epoch's rows and,\n"
    "           when each is estimated within --max-seconds, the exact ln Z, and the exact mean\n"
    "           ln p(v) and mean-field bound of --heldout DATA (default: the first 1000 rows),\n"
    "           the mean-field lower bound on ln Z and the Bethe (loopy BP) value. --negative: the\n"
    "           model's statistics from persistent chains (default), exactly (enumerating the\n"
    "           smaller set of layers; up to 2^24 states), or the model's mean field. --plot\n"
    "           draws ln Z exact, mean-field and Bethe, and the log-likelihood, per epoch.\n"
    "DATA: .npy, .npz (first array, or FILE.npz:NAME) or IDX, optionally FILE:START:END; binary,\n"
    "or binarized by --binarize (threshold, threshold:T, stochastic).\n"
    "AIS base (couplings 0): uniform (the default of lnz), model (the biases of v, h2, ...),\n"
    "data:FILE (v's biases from FILE's frequencies; the default of loglik: DATA).\n"
    "JSON keys: layers, method, lnZ; for AIS lnZ_lo, lnZ_hi, ess, chains, temperatures, seed,\n"
    "base; for loglik also n, loglik (null when not affordable), elbo, elbo_lo, elbo_hi,\n"
    "mf_converged, mf_iterations_mean, mf_iterations_max, mf_iterations_limit; train: layers,\n"
    "epoch, negative, mf_bound, lnZ, lnZ_mf, lnZ_bethe, bethe_converged, loglik, elbo (null\n"
    "when not affordable), epoch_seconds,\n"
    "total_seconds, seed, model.\n";

static int parse(int argc, char **argv, int sub, dbm_opts *o) {
    memset(o, 0, sizeof *o);
    o->sub = sub;
    o->format = FORMAT_TABLE;
    o->chains = 100;
    o->schedule = "sm08";
    o->base = "uniform";
    o->pseudocount = 1.0;
    o->max_seconds = 3600;
    zs_dbm_mf_opts mf;
    zs_dbm_mf_defaults(&mf);
    o->mf_iterations = mf.max_iterations;
    o->mf_tolerance = mf.tolerance;
    zs_dbm_train_opts to;
    zs_dbm_pretrain_opts po;
    zs_dbm_train_defaults(&to);
    zs_dbm_pretrain_defaults(&po);
    if (sub == TRAIN) {
        o->chains = to.chains;
        o->mf_iterations = to.mf_iterations;
        o->mf_tolerance = to.mf_tolerance;
        o->max_seconds = 10;
    }
    o->pretrain_epochs = po.epochs;
    o->pretrain_lr = po.lr;
    o->batch = to.batch;
    o->lr = to.lr;
    o->lr_decay = to.lr_decay;
    o->momentum = to.momentum;
    o->weight_decay = to.weight_decay;
    o->gibbs_steps = to.gibbs_steps;
    o->negative = to.negative;
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            if (npos == 3) return cli_usage("dbm %s: unexpected argument '%s'", argv[1], a);
            pos[npos++] = a;
            continue;
        }
        /* --name=VALUE is --name VALUE, as in every command */
        char name[64];
        const char *inline_value = NULL, *eq = strchr(a, '=');
        if (a[1] == '-' && eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            inline_value = eq + 1;
            a = name;
        }
        const option_def *d = NULL;
        for (size_t q = 0; q < sizeof option_defs / sizeof option_defs[0]; q++)
            if (!strcmp(option_defs[q].name, a)) d = &option_defs[q];
        if (!d || !(d->subs & sub))
            return cli_usage("dbm %s: unknown option '%s' (zsum dbm --help lists them)", argv[1], a);
        if (inline_value && !d->has_arg) return cli_usage("dbm %s: %s takes no value", argv[1], a);
        if (!o->ais_option && sub != TRAIN && (!strcmp(a, "--chains") || !strcmp(a, "--schedule") ||
                               !strcmp(a, "--base") || !strcmp(a, "--pseudocount")))
            o->ais_option = a;
        const char *v = inline_value;
        if (d->has_arg && !v) {
            if (i + 1 >= argc) return cli_usage("dbm %s: %s needs a value", argv[1], a);
            v = argv[++i];
        }
        if (!strcmp(a, "--exact")) o->exact = 1;
        else if (!strcmp(a, "--ais")) o->ais = 1;
        else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) o->quiet = 1;
        else if (!strcmp(a, "--chains")) {
            if (!cli_parse_u64(a, v, &o->chains)) return EXIT_USAGE;
            if (o->chains < 2 || o->chains > 1000000) return cli_usage("--chains: '%s' is not in 2..1000000", v);
            o->have_chains = 1;
        } else if (!strcmp(a, "--schedule")) o->schedule = v;
        else if (!strcmp(a, "--base")) {
            o->base = v;
            o->have_base = 1;
        } else if (!strcmp(a, "--seed")) {
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
        } else if (!strcmp(a, "--mf-iterations")) {
            if (!cli_parse_u64(a, v, &o->mf_iterations)) return EXIT_USAGE;
            if (o->mf_iterations < 1 || o->mf_iterations > 100000)
                return cli_usage("--mf-iterations: '%s' is not in 1..100000", v);
        } else if (!strcmp(a, "--hidden")) {
            double *h = NULL;
            size_t nh = 0;
            if (!cli_parse_list(a, v, &h, &nh)) return EXIT_USAGE;
            int ok = nh >= 1 && nh <= ZS_DBM_MAX_LAYERS;
            for (size_t q = 0; ok && q < nh; q++) {
                ok = h[q] >= 1 && h[q] <= 1000000 && h[q] == floor(h[q]);
                if (ok) o->hidden[q] = (size_t)h[q];
            }
            free(h);
            if (!ok)
                return cli_usage("--hidden: '%s' is not a list of 1 to %d layer sizes, each 1..1000000 "
                                 "(e.g. 500,1000)", v, ZS_DBM_MAX_LAYERS);
            o->nhidden = nh;
        } else if (!strcmp(a, "--epochs") || !strcmp(a, "--pretrain-epochs")) {
            uint64_t *dst = !strcmp(a, "--epochs") ? &o->epochs : &o->pretrain_epochs;
            if (!cli_parse_u64(a, v, dst)) return EXIT_USAGE;
            if (*dst > 1000000 || (*dst < 1 && dst == &o->epochs))
                return cli_usage("%s: '%s' is not in %d..1000000", a, v, dst == &o->epochs ? 1 : 0);
        } else if (!strcmp(a, "--batch") || !strcmp(a, "--gibbs-steps")) {
            uint64_t *dst = !strcmp(a, "--batch") ? &o->batch : &o->gibbs_steps;
            if (!cli_parse_u64(a, v, dst)) return EXIT_USAGE;
            if (*dst < 1 || *dst > 1000000) return cli_usage("%s: '%s' is not in 1..1000000", a, v);
        } else if (!strcmp(a, "--lr") || !strcmp(a, "--pretrain-lr")) {
            double *dst = !strcmp(a, "--lr") ? &o->lr : &o->pretrain_lr;
            if (!cli_parse_double(a, v, dst)) return EXIT_USAGE;
            if (!(*dst > 0)) return cli_usage("%s: '%s' must be > 0", a, v);
        } else if (!strcmp(a, "--lr-decay") || !strcmp(a, "--weight-decay")) {
            double *dst = !strcmp(a, "--lr-decay") ? &o->lr_decay : &o->weight_decay;
            if (!cli_parse_double(a, v, dst)) return EXIT_USAGE;
            if (!(*dst >= 0)) return cli_usage("%s: '%s' must be >= 0", a, v);
        } else if (!strcmp(a, "--momentum")) {
            if (!cli_parse_double(a, v, &o->momentum)) return EXIT_USAGE;
            if (!(o->momentum >= 0 && o->momentum < 1)) return cli_usage("--momentum: '%s' is not in [0, 1)", v);
        } else if (!strcmp(a, "--negative")) {
            if (zs_dbm_negative_from_name(v, &o->negative) != ZS_OK)
                return cli_usage("--negative: '%s' is not persistent, exact, mean-field or auto", v);
        } else if (!strcmp(a, "--plot")) {
            if (plot_check_target(v) != EXIT_OK) return EXIT_USAGE;
            o->plot = v;
        } else if (!strcmp(a, "--resume")) o->resume = v;
        else if (!strcmp(a, "--heldout")) o->heldout = v;
        else if (!strcmp(a, "--log")) o->log = v;
        else if (!strcmp(a, "-o")) o->out = v;
        else if (!strcmp(a, "--mf-tolerance")) {
            if (!cli_parse_double(a, v, &o->mf_tolerance)) return EXIT_USAGE;
            if (!(o->mf_tolerance >= 0 && o->mf_tolerance < 1))
                return cli_usage("--mf-tolerance: '%s' is not in [0, 1)", v);
        }
    }
    if (o->exact && o->ais) return cli_usage("dbm %s: --exact and --ais exclude each other", argv[1]);
    if (o->exact && o->ais_option)
        return cli_usage("dbm %s: %s is an AIS option; --exact does not use it (drop it, or use --ais)",
                         argv[1], o->ais_option);
    int need = sub == LOGLIK ? 2 : 1;
    if (npos != need)
        return cli_usage("dbm %s: expected %s, got %d argument%s", argv[1],
                         need == 2 ? "MODEL and DATA" : sub == TRAIN ? "DATA" : "MODEL", npos,
                         npos == 1 ? "" : "s");
    if (sub == TRAIN) {
        o->data = pos[0];
        if (!o->nhidden) return cli_usage("dbm train: --hidden H1[,H2,...] is required");
        if (!o->epochs) return cli_usage("dbm train: --epochs E is required");
        if (!o->out) return cli_usage("dbm train: -o MODEL.npz is required");
        size_t l = strlen(o->out);
        if (l < 4 || strcmp(o->out + l - 4, ".npz"))
            return cli_usage("dbm train: -o '%s' must end in .npz", o->out);
        if (cli_check_output("-o", o->out) != EXIT_OK) return EXIT_USAGE;
        if (o->log && cli_check_output("--log", o->log) != EXIT_OK) return EXIT_USAGE;
        if (o->plot && cli_check_output("--plot", o->plot) != EXIT_OK) return EXIT_USAGE;
        if (o->plot && o->resume)
            return cli_usage("dbm train: --plot draws the epochs of one run; it cannot follow --resume "
                             "(plot the --log file instead)");
        return EXIT_OK;
    }
    o->model = pos[0];
    if (need == 2) o->data = pos[1];
    return EXIT_OK;
}

/* Binary rows of path, n x nv (nv = the model's visible units). */
int dbm_load_rows(zs_ctx *ctx, const dbm_opts *o, const char *path, size_t nv, uint8_t **x,
                  size_t *n, size_t *width) {
    zs_binarize rule = ZS_BINARIZE_NONE;
    double t = (double)NAN;
    if (o->binarize) {
        zs_binarize named;
        if (zs_binarize_from_name(o->binarize, &named) == ZS_OK &&
            (named == ZS_BINARIZE_STOCHASTIC || named == ZS_BINARIZE_THRESHOLD))
            rule = named;
        else if (!strncmp(o->binarize, "threshold:", 10)) {
            rule = ZS_BINARIZE_THRESHOLD;
            if (!cli_parse_double("--binarize threshold", o->binarize + 10, &t)) return EXIT_USAGE;
        } else {
            return cli_usage("--binarize: '%s' is not threshold, threshold:T or stochastic", o->binarize);
        }
    }
    size_t d = 0;
    zs_status st = zs_data_load_binary(ctx, path, rule, t, o->seed, x, n, &d);
    if (st == ZS_EINVAL) {
        char msg[2048];
        return cli_usage("%s: %s", path, cli_library_message(ctx, msg, sizeof msg));
    }
    if (st != ZS_OK) return cli_status(ctx, st);
    if (width) *width = d;
    if (nv && d != nv) {
        free(*x);
        *x = NULL;
        return cli_usage("%s: shape mismatch: the data has shape (%zu, %zu) (%zu values a row) but "
                         "the model has %zu visible units", path, *n, d, d, nv);
    }
    return EXIT_OK;
}

typedef struct lnz_out {
    int ais;
    double lnz, lo, hi, ess;
    size_t chains, temps;
} lnz_out;

static int compute_ais(zs_ctx *ctx, const dbm_opts *o, const zs_dbm *dbm, lnz_out *r) {
    zs_dbm_ais_opts ao;
    zs_dbm_ais_defaults(&ao);
    ao.chains = (size_t)o->chains;
    ao.seed = o->seed;
    ao.pseudocount = o->pseudocount;
    double *betas = NULL;
    size_t nb = 0;
    zs_status st = zs_rbm_schedule_parse(ctx, o->schedule, &betas, &nb);
    if (st == ZS_ENOMEM) return cli_status(ctx, st);
    if (st != ZS_OK) {
        char msg[2048];
        return cli_usage("--schedule: %s", cli_library_message(ctx, msg, sizeof msg));
    }
    ao.betas = betas;
    ao.nbetas = nb;
    uint8_t *rows = NULL;
    size_t n = 0;
    int rc = EXIT_OK;
    if (!strcmp(o->base, "uniform")) ao.base = ZS_DBM_AIS_BASE_UNIFORM;
    else if (!strcmp(o->base, "model")) ao.base = ZS_DBM_AIS_BASE_MODEL;
    else if (!strncmp(o->base, "data:", 5) && o->base[5]) {
        ao.base = ZS_DBM_AIS_BASE_DATA;
        rc = dbm_load_rows(ctx, o, o->base + 5, zs_dbm_size(dbm, 0), &rows, &n, NULL);
        ao.data = rows;
        ao.n_data = n;
    } else {
        rc = cli_usage("--base: '%s' is not uniform, model or data:FILE", o->base);
    }
    zs_dbm_ais_result res;
    if (rc == EXIT_OK) {
        st = zs_dbm_lnz_ais(dbm, &ao, &res);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    free(betas);
    free(rows);
    if (rc != EXIT_OK) return rc;
    r->ais = 1;
    r->lnz = res.lnz.value;
    r->lo = res.band.lo;
    r->hi = res.band.hi;
    r->ess = res.lnz.ess;
    r->chains = res.chains;
    r->temps = res.temperatures;
    return EXIT_OK;
}

/* As zsum rbm: below this ESS the AIS result carries a warning. */
static int ais_unreliable(const lnz_out *r) {
    double floor = (double)r->chains / 10.0;
    return r->ais && r->ess < (floor > 10.0 ? floor : 10.0);
}

static const char *AIS_WARNING =
    "the effective sample size is low: a few chains carry the estimate, which then tends to be "
    "too low with a band that is too narrow; use the data's base rate (--base data:FILE), more "
    "--chains or a longer --schedule";

int cmd_dbm(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    int sub = !strcmp(argv[1], "lnz") ? LNZ : !strcmp(argv[1], "loglik") ? LOGLIK
            : !strcmp(argv[1], "train") ? TRAIN : 0;
    if (!sub) return cli_usage("dbm: unknown subcommand '%s' (lnz, loglik, train)", argv[1]);
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        }
    dbm_opts o;
    int rc = parse(argc, argv, sub, &o);
    if (rc != EXIT_OK) return rc;
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    if (o.threads) zs_ctx_set_threads(ctx, (int)o.threads);
    if (!o.have_seed) o.seed = zs_seed_from_entropy();
    progress_install(ctx, o.quiet);
    if (sub == TRAIN) {
        rc = dbm_train(&o, ctx);
        progress_finish();
        zs_ctx_free(ctx);
        return rc;
    }
    zs_dbm *dbm = NULL;
    uint8_t *rows = NULL;
    size_t n = 0;
    double *u = NULL, *bound = NULL;
    uint32_t *iters = NULL;
    uint8_t *conv = NULL;
    char basebuf[4096];
    zs_status st = zs_dbm_load(ctx, o.model, &dbm);
    if (st != ZS_OK) rc = cli_status(ctx, st);
    if (rc == EXIT_OK && sub == LOGLIK) rc = dbm_load_rows(ctx, &o, o.data, zs_dbm_size(dbm, 0), &rows, &n, NULL);
    lnz_out r;
    memset(&r, 0, sizeof r);
    if (rc == EXIT_OK && !o.ais) {
        /* exact when affordable (refused before any work), else AIS unless --exact */
        st = zs_dbm_lnz_exact(dbm, o.max_seconds, &r.lnz);
        if (st == ZS_ETOOBIG && !o.exact) o.ais = 1;
        else if (st != ZS_OK) rc = cli_status(ctx, st);
        else r.lo = r.hi = r.lnz;
    }
    if (rc == EXIT_OK && o.ais) {
        if (!o.have_base && sub == LOGLIK && strlen(o.data) + 6 <= sizeof basebuf) {
            snprintf(basebuf, sizeof basebuf, "data:%s", o.data);
            o.base = basebuf;
        }
        rc = compute_ais(ctx, &o, dbm, &r);
    }
    int have_exact_ll = 0;
    double ll = 0, elbo = 0, it_mean = 0;
    uint64_t nconv = 0, it_max = 0;
    if (rc == EXIT_OK && sub == LOGLIK) {
        u = malloc(n * sizeof *u);
        bound = malloc(n * sizeof *bound);
        iters = malloc(n * sizeof *iters);
        conv = malloc(n);
        if (!u || !bound || !iters || !conv) rc = cli_fail(EXIT_NOMEM, "out of memory for %zu rows", n);
    }
    if (rc == EXIT_OK && sub == LOGLIK) {
        zs_dbm_mf_opts mo;
        zs_dbm_mf_defaults(&mo);
        mo.max_iterations = (size_t)o.mf_iterations;
        mo.tolerance = o.mf_tolerance;
        st = zs_dbm_mean_field(dbm, &mo, rows, n, bound, iters, conv);
        if (st != ZS_OK) rc = cli_status(ctx, st);
        for (size_t q = 0; rc == EXIT_OK && q < n; q++) {
            elbo += bound[q];
            it_mean += iters[q];
            if (iters[q] > it_max) it_max = iters[q];
            nconv += conv[q];
        }
        elbo /= (double)n;
        it_mean /= (double)n;
    }
    if (rc == EXIT_OK && sub == LOGLIK) {
        st = zs_dbm_unnorm_loglik_exact(dbm, rows, n, o.max_seconds, u);
        if (st == ZS_OK) {
            have_exact_ll = 1;
            for (size_t q = 0; q < n; q++) ll += u[q];
            ll /= (double)n;
        } else if (st != ZS_ETOOBIG) {
            rc = cli_status(ctx, st);
        }
    }
    if (rc == EXIT_OK) {
        progress_finish();
        char eb[32];
        if (ais_unreliable(&r))
            fprintf(stderr, "zsum: warning: ESS %s of %zu chains: %s\n", cli_num(eb, r.ess), r.chains,
                    AIS_WARNING);
        result res;
        result_init(&res);
        size_t sizes[ZS_DBM_MAX_LAYERS + 1];
        for (size_t l = 0; l <= zs_dbm_layers(dbm); l++) sizes[l] = zs_dbm_size(dbm, l);
        result_sizes(&res, "layers", sizes, zs_dbm_layers(dbm) + 1);
        result_str(&res, "method", r.ais ? "ais" : "exact");
        result_num(&res, "lnZ", r.lnz);
        if (r.ais) {
            result_num(&res, "lnZ_lo", r.lo);
            result_num(&res, "lnZ_hi", r.hi);
            result_num(&res, "ess", r.ess);
            result_u64(&res, "chains", r.chains);
            result_u64(&res, "temperatures", r.temps);
            result_u64(&res, "seed", o.seed);
            result_str(&res, "base", o.base);
            if (!isfinite(r.lo))
                result_line(&res, "# Z^ - 3 sigma <= 0: the band has no lower end (lnZ_lo = -inf); use "
                                  "more chains or temperatures");
            if (ais_unreliable(&r)) result_str(&res, "warning", AIS_WARNING)->flags = RF_NOTE;
        }
        if (sub == LOGLIK) {
            result_u64(&res, "n", n);
            if (have_exact_ll) result_num(&res, "loglik", ll - r.lnz)->comment = "mean ln p(v)";
            else result_absent(&res, "loglik")->comment = "exact sum over the hidden layers over --max-seconds";
            result_num(&res, "elbo", elbo - r.lnz)->comment = "mean-field bound on mean ln p(v)";
            result_num(&res, "elbo_lo", elbo - r.hi);
            result_num(&res, "elbo_hi", elbo - r.lo);
            result_u64(&res, "mf_converged", nconv)->comment = "rows within --mf-tolerance";
            result_num(&res, "mf_iterations_mean", it_mean);
            result_u64(&res, "mf_iterations_max", it_max);
            result_u64(&res, "mf_iterations_limit", o.mf_iterations);
        }
        result_write(cli_out(), o.format, &res, 20);
        result_free(&res);
    }
    progress_finish();
    free(u);
    free(bound);
    free(iters);
    free(conv);
    free(rows);
    zs_dbm_free(dbm);
    zs_ctx_free(ctx);
    return rc;
}
