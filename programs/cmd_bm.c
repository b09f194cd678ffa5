/* cmd_bm.c — zsum bm: a dense 0/1 Boltzmann machine E(x) = -sum_{i<j} W_ij x_i x_j -
 * sum_i b_i x_i from a NumPy .npz (arrays W and b) or drawn at random; `zsum bm lnz` (or logz) gives
 * the exact ln Z and thermodynamics by Gray-code enumeration, `zsum bm sample` MCMC estimates.
 * The shared options and output live in pairwise_cli.c (pairwise_opt, pairwise_run).
 * `zsum bm train` has its own table (bm_train_command, below; the run is bm_train.c). */
#include "bm_cli.h"
#include "pairwise_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { O_METHOD = PW_OWN, O_SEED, O_RANDOM, O_MSEED, O_SYM };
enum { BM_TRAIN = 4 };

static const cli_option options[] = {
    {O_RANDOM, "--random", 0, "N", 0, CLI_ONCE, "draw a random machine of N units (1..4096) instead of MODEL.npz"},
    {O_MSEED, "--model-seed", 0, "S", 0, 0, "seed of the --random model (default: --seed S when given, else 1)"},
    {O_SYM, "--symmetrize", 0, NULL, 0, 0, "use (W + W^T)/2 instead of rejecting an asymmetric W"},
    {O_METHOD, "--method", 0, "M", PW_EXACT, 0, "auto|enumerate (Gray-code enumeration)"},
    {O_SEED, "--seed", 0, "S", 0, 0, "the sampler's seed (printed when chosen), and the --random model's"},
    PAIRWISE_OPTIONS,
};

static const cli_sub subs[] = {
    {"lnz", PW_EXACT, "zsum bm lnz MODEL.npz | --random N [--seed S]    [options]",
     "exact ln Z and thermodynamics by Gray-code enumeration\n", "logz"},
    {"sample", PW_SAMPLE, "zsum bm sample MODEL.npz | --random N [--seed S]  [options]",
     "MCMC estimates of U, C, M, |M|, chi with their errors\n", NULL},
    {"train", BM_TRAIN, "zsum bm train DATA --epochs E -o MODEL.npz [options]   (zsum bm train --help)",
     "learn W and b from binary data by the likelihood gradient\n", NULL},
};

static const cli_command command = {
    "bm", CLI_TABLE(subs), CLI_TABLE(options),
    "A Boltzmann machine E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i, x_i in {0,1}.\n"
    "MODEL.npz holds W (n x n, symmetric, zero diagonal) and b (n entries, optional).\n"
    "--random N draws W_ij = g/sqrt(N) (i < j) and b_i = g, g standard normal, from\n"
    "--model-seed S (default: --seed S when given, else 1), so one seed gives the same\n"
    "model in lnz and sample. It is solved exactly in the +-1 form (J = W/4,\n"
    "h = b/2 + rowsum(W)/4, plus a constant); M below is sum_i (2 x_i - 1).\n",
    NULL, pairwise_refuse};

typedef struct bm_opts {
    pairwise_opts pw;
    const char *file;
    uint64_t nrand, mseed;
    int have_random, sym, mseed_set, sample;
} bm_opts;

static int parse(int argc, char **argv, bm_opts *b) {
    pairwise_opts *o = &b->pw;
    const cli_sub *sub;
    int first, rc = cli_select(&command, argc, argv, &sub, &first);
    if (!sub) return o->help = rc == EXIT_OK, rc;
    b->sample = sub->mode == PW_SAMPLE;
    cli_args a;
    cli_start(&a, &command, sub, argc, argv, first);
    for (int id; (id = cli_next(&a)) != CLI_DONE;) {
        const char *v = a.value;
        switch (id) {
        case CLI_STOP: return o->help = a.rc == EXIT_OK, a.rc;
        case CLI_ARG:
            if (b->file) return cli_usage("bm: unexpected argument '%s'", v);
            b->file = v;
            break;
        case O_RANDOM:
            if (!cli_parse_u64("--random", v, &b->nrand)) return EXIT_USAGE;
            if (b->nrand < 1 || b->nrand > 4096) return cli_usage("--random: N = %s is out of range 1..4096", v);
            b->have_random = 1;
            break;
        case O_MSEED:
            if (!cli_parse_u64("--model-seed", v, &b->mseed)) return EXIT_USAGE;
            b->mseed_set = 1;
            break;
        case O_SYM: b->sym = 1; break;
        case O_METHOD: rc = pairwise_opt(PW_METHOD, v, o); break;
        case O_SEED: rc = pairwise_opt(PW_SEED, v, o); break;
        default: rc = pairwise_opt(id, v, o); break;
        }
        if (rc != EXIT_OK) return rc;
    }
    if (b->file && b->have_random) return cli_usage("bm: give MODEL.npz or --random N, not both");
    if (!b->file && !b->have_random) return cli_usage("bm: MODEL.npz or --random N is needed");
    if (!b->have_random && b->mseed_set) return cli_usage("--model-seed: only with --random N");
    if (b->have_random && b->sym)
        return cli_usage("--symmetrize: reads a MODEL.npz's W; --random N draws a symmetric one");
    /* --seed S also names the model (unless --model-seed does), in logz and sample alike, so
     * `bm lnz --random N --seed S` and `bm sample --random N --seed S` study one machine. */
    if (b->have_random && o->seed_set && !b->mseed_set) b->mseed = o->seed;
    rc = pairwise_check(o, b->sample);
    if (rc != EXIT_OK) return rc;
    if (!b->sample && (o->thermo.method == ZS_PAIRWISE_TRANSFER || o->thermo.method == ZS_PAIRWISE_CLOSED))
        return cli_usage("--method: a dense Boltzmann machine has no %s method; use enumerate",
                         zs_pairwise_method_name(o->thermo.method));
    return EXIT_OK;
}

static int cmd_bm_train(int argc, char **argv);

int cmd_bm(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "train")) return cmd_bm_train(argc, argv);
    bm_opts b = {.mseed = 1};
    pairwise_opts_init(&b.pw);
    int rc = parse(argc, argv, &b);
    if (rc != EXIT_OK || b.pw.help) return rc;
    pairwise_opts o = b.pw;
    const char *file = b.file;
    uint64_t nrand = b.nrand, mseed = b.mseed;
    int have_random = b.have_random, sym = b.sym, sample = b.sample;
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    zs_pairwise *m = NULL;
    zs_status st;
    char desc[300];
    /* Drawing the machine is N(N-1)/2 normal deviates and as many bonds: 1.2 s of CPU at
     * N = 4096 (about 140 ns a bond, page faults included), so 50 ns a bond errs towards
     * allowing it. Refused beyond the allowance like the work that would follow. */
    double draw = have_random ? 50e-9 * (double)nrand * (double)(nrand - 1) / 2.0 : 0.0;
    if (draw > o.max_seconds) {
        char when[64];
        cli_format_seconds(draw, when, sizeof when);
        zs_ctx_free(ctx);
        return cli_fail(EXIT_USAGE, "bm: drawing a random machine of %llu units would take about %s, "
                        "over --max-seconds %g; use fewer units or raise --max-seconds",
                        (unsigned long long)nrand, when, o.max_seconds);
    }
    if (have_random) {
        st = zs_pairwise_alloc_random_bm(ctx, (size_t)nrand, mseed, &m);
        snprintf(desc, sizeof desc, "random Boltzmann machine, N = %llu, model seed %llu",
                 (unsigned long long)nrand, (unsigned long long)mseed);
    } else {
        st = zs_pairwise_load_bm(ctx, file, sym, &m);
        snprintf(desc, sizeof desc, "Boltzmann machine from %s", file);
    }
    if (st != ZS_OK) rc = cli_status(ctx, st);
    else rc = pairwise_run(ctx, m, desc, &o, sample);
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
    return rc;
}

/* ---- zsum bm train ----------------------------------------------------------------------- */

enum { T_EPOCHS = 1, T_OUT, T_NEGATIVE, T_BATCH, T_LR, T_LR_DECAY, T_MOMENTUM, T_WEIGHT_DECAY, T_CHAINS,
       T_GIBBS_STEPS, T_MF_ITERATIONS, T_MF_TOLERANCE, T_SEED, T_RESUME, T_HELDOUT, T_LOG, T_PLOT,
       T_MAX_SECONDS, T_BINARIZE, T_THREADS, T_FORMAT, T_QUIET };

static const cli_option train_options[] = {
    {T_EPOCHS, "--epochs", 0, "E", 0, 0, "training epochs (required)"},
    {T_OUT, NULL, 'o', "MODEL.npz", 0, 0, "the model to write (required)"},
    {T_NEGATIVE, "--negative", 0, "persistent|exact|mean-field", 0, 0, "the negative phase (below)"},
    {T_BATCH, "--batch", 0, "B", 0, 0, "mini-batch rows (default 100)"},
    {T_LR, "--lr", 0, "R", 0, 0, "learning rate (default 0.01)"},
    {T_LR_DECAY, "--lr-decay", 0, "D", 0, 0, "lr / (1 + D * epoch) (default 0)"},
    {T_MOMENTUM, "--momentum", 0, "M", 0, 0, "momentum in [0, 1) after 5 epochs (default 0.9)"},
    {T_WEIGHT_DECAY, "--weight-decay", 0, "D", 0, 0, "L2 weight decay (default 0.0002)"},
    {T_CHAINS, "--chains", 0, "N", 0, 0, "persistent chains (1..1000000, default 100)"},
    {T_GIBBS_STEPS, "--gibbs-steps", 0, "K", 0, 0, "Gibbs sweeps per update (default 5)"},
    {T_MF_ITERATIONS, "--mf-iterations", 0, "N", 0, 0, "mean-field sweeps per update at most (default 10)"},
    {T_MF_TOLERANCE, "--mf-tolerance", 0, "E", 0, 0, "mean-field convergence in [0, 1) (default 1e-7)"},
    {T_SEED, "--seed", 0, "S", 0, 0, "random seed (default: drawn and printed)"},
    {T_RESUME, "--resume", 0, "MODEL.npz", 0, 0, "continue from a checkpoint, bit-identically"},
    {T_HELDOUT, "--heldout", 0, "DATA", 0, 0, "rows whose log-likelihood is monitored (default: DATA)"},
    {T_LOG, "--log", 0, "FILE.jsonl", 0, 0, "one JSON line per epoch"},
    {T_PLOT, "--plot", 0, "FILE.png|svg", 0, 0, "ln Z (exact, mean-field, Bethe) and ln p per epoch"},
    {T_MAX_SECONDS, "--max-seconds", 0, "T", 0, 0, "time allowed for the exact ln Z of each epoch and for\n"
     "an epoch of the exact negative phase (default 10)"},
    {T_BINARIZE, "--binarize", 0, "threshold[:T]|stochastic", 0, 0, "binarize non-binary DATA"},
    {T_THREADS, "--threads", 0, "N", 0, 0, "threads (1..1024)"},
    {T_FORMAT, "--format", 0, "table|json|csv", 0, 0, "output format (default table)"},
    {T_QUIET, "--quiet", 'q', NULL, 0, 0, "no progress bar"},
};

static const cli_sub train_subs[] = {
    {"train", 1,
     "zsum bm train DATA --epochs E -o MODEL.npz [--negative persistent|exact|mean-field]\n"
     "                 [--batch 100] [--lr 0.01] [--lr-decay 0] [--momentum 0.9] [--weight-decay 0.0002]\n"
     "                 [--chains 100] [--gibbs-steps 5] [--mf-iterations 10] [--mf-tolerance 1e-7]\n"
     "                 [--seed S] [--resume MODEL.npz] [--heldout DATA] [--log FILE.jsonl]\n"
     "                 [--plot FILE.png|svg] [--max-seconds 10] [--binarize ...] [--format ...] [-q]",
     "a fully visible Boltzmann machine on the rows of DATA (one unit a column) by the\n"
     "likelihood gradient <x_i x_j>_data - <x_i x_j>_model, starting from W = 0 and the\n"
     "data's log-odds as b. --negative: the model's moments from --chains persistent Gibbs\n"
     "chains of --gibbs-steps sweeps (default), exactly (enumerating the 2^n states at every\n"
     "update; at most 24 units, refused with the estimated time beyond --max-seconds an\n"
     "epoch), or the model's naive mean field continued from the update before. Momentum\n"
     "0.5 for 5 epochs, then --momentum; lr / (1 + lr-decay * epoch). MODEL.npz (W, b: read\n"
     "by zsum bm lnz) is written with the training state after every epoch; --resume\n"
     "continues bit-identically. Each epoch reports on stderr the exact ln Z (when its\n"
     "estimated time is within --max-seconds), the mean-field lower bound on ln Z, the\n"
     "Bethe (loopy BP) value and the exact mean ln p(x) of --heldout DATA (default: DATA).\n"
     "--plot draws them per epoch (epoch 0: the start).\n", NULL},
};

const cli_command bm_train_command = {
    "bm", CLI_TABLE(train_subs), CLI_TABLE(train_options), NULL,
    "DATA: .npy, .npz (first array, or FILE.npz:NAME) or IDX, optionally FILE:START:END; binary,\n"
    "or binarized by --binarize (threshold, threshold:T, stochastic).\n"
    "JSON keys: units, rows, epoch, negative, lnZ, lnZ_mf, lnZ_bethe, bethe_converged, loglik\n"
    "(lnZ and loglik null when not affordable), epoch_seconds, total_seconds, seed, model;\n"
    "--log lines: epoch, lnZ, lnZ_mf, lnZ_bethe, bethe_converged, loglik, seconds.\n",
    NULL};

/* One option of the table with its value v: an exit code. */
static int train_option(int id, const char *name, const char *v, bm_train_opts *o) {
    switch (id) {
    case T_EPOCHS: return cli_parse_u64_in(name, v, 1, 1000000, &o->epochs) ? EXIT_OK : EXIT_USAGE;
    case T_OUT: o->out = v; break;
    case T_NEGATIVE:
        if (zs_bm_negative_from_name(v, &o->negative) != ZS_OK)
            return cli_usage("--negative: '%s' is not persistent, exact, mean-field or auto", v);
        break;
    case T_BATCH: return cli_parse_u64_in(name, v, 1, 1000000, &o->batch) ? EXIT_OK : EXIT_USAGE;
    case T_LR: return cli_parse_nonneg(name, v, 1, &o->lr) ? EXIT_OK : EXIT_USAGE;
    case T_LR_DECAY: return cli_parse_nonneg(name, v, 0, &o->lr_decay) ? EXIT_OK : EXIT_USAGE;
    case T_MOMENTUM: return cli_parse_fraction(name, v, &o->momentum) ? EXIT_OK : EXIT_USAGE;
    case T_WEIGHT_DECAY: return cli_parse_nonneg(name, v, 0, &o->weight_decay) ? EXIT_OK : EXIT_USAGE;
    case T_CHAINS: return cli_parse_u64_in(name, v, 1, 1000000, &o->chains) ? EXIT_OK : EXIT_USAGE;
    case T_GIBBS_STEPS: return cli_parse_u64_in(name, v, 1, 1000000, &o->gibbs_steps) ? EXIT_OK : EXIT_USAGE;
    case T_MF_ITERATIONS: return cli_parse_u64_in(name, v, 1, 100000, &o->mf_iterations) ? EXIT_OK : EXIT_USAGE;
    case T_MF_TOLERANCE: return cli_parse_fraction(name, v, &o->mf_tolerance) ? EXIT_OK : EXIT_USAGE;
    case T_SEED:
        if (!cli_parse_u64(name, v, &o->seed)) return EXIT_USAGE;
        o->have_seed = 1;
        break;
    case T_RESUME: o->resume = v; break;
    case T_HELDOUT: o->heldout = v; break;
    case T_LOG: o->log = v; break;
    case T_PLOT:
        if (plot_check_target(v) != EXIT_OK) return EXIT_USAGE;
        o->plot = v;
        break;
    case T_MAX_SECONDS: return cli_parse_max_seconds(v, &o->max_seconds) ? EXIT_OK : EXIT_USAGE;
    case T_BINARIZE: o->binarize = v; break;
    case T_THREADS: {
        int th;
        if (!cli_parse_threads(v, &th)) return EXIT_USAGE;
        o->threads = th;
        break;
    }
    case T_FORMAT: return cli_parse_format(v, &o->format) ? EXIT_OK : EXIT_USAGE;
    case T_QUIET: o->quiet = 1; break;
    }
    return EXIT_OK;
}

/* The options with the library's defaults, then the checks: an exit code; *help when the help
 * was printed. */
static int train_parse(int argc, char **argv, bm_train_opts *o, int *help) {
    const cli_sub *sub;
    int first, rc = cli_select(&bm_train_command, argc, argv, &sub, &first);
    if (!sub) return *help = rc == EXIT_OK, rc;
    zs_bm_train_opts to;
    zs_bm_train_defaults(&to);
    *o = (bm_train_opts){.negative = to.negative, .batch = to.batch, .chains = to.chains,
                         .gibbs_steps = to.gibbs_steps, .mf_iterations = to.mf_iterations, .lr = to.lr,
                         .lr_decay = to.lr_decay, .momentum = to.momentum, .weight_decay = to.weight_decay,
                         .mf_tolerance = to.mf_tolerance, .max_seconds = cli_max_seconds(10), .format = FORMAT_TABLE,
                         .argc = argc, .argv = argv};
    cli_args a;
    cli_start(&a, &bm_train_command, sub, argc, argv, first);
    for (int id; (id = cli_next(&a)) != CLI_DONE;) {
        if (id == CLI_STOP) return *help = a.rc == EXIT_OK, a.rc;
        if (id == CLI_ARG) {
            if (o->data) return cli_usage("bm train: unexpected argument '%s'", a.value);
            o->data = a.value;
            continue;
        }
        if ((rc = train_option(id, a.name, a.value, o)) != EXIT_OK) return rc;
    }
    if (!o->data) return cli_usage("bm train: DATA is required");
    if (!o->epochs) return cli_usage("bm train: --epochs E is required");
    if (!o->out) return cli_usage("bm train: -o MODEL.npz is required");
    size_t l = strlen(o->out);
    if (l < 4 || strcmp(o->out + l - 4, ".npz")) return cli_usage("bm train: -o '%s' must end in .npz", o->out);
    if (cli_check_output("-o", o->out) != EXIT_OK) return EXIT_USAGE;
    if (o->log && cli_check_output("--log", o->log) != EXIT_OK) return EXIT_USAGE;
    if (o->plot && cli_check_output("--plot", o->plot) != EXIT_OK) return EXIT_USAGE;
    if (o->plot && o->resume)
        return cli_usage("bm train: --plot draws the epochs of one run; it cannot follow --resume "
                         "(plot the --log file instead)");
    return EXIT_OK;
}

static int cmd_bm_train(int argc, char **argv) {
    bm_train_opts o;
    int help = 0, rc = train_parse(argc, argv, &o, &help);
    if (rc != EXIT_OK || help) return rc;
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    if (o.threads) zs_ctx_set_threads(ctx, (int)o.threads);
    if (!o.have_seed) o.seed = zs_seed_from_entropy();
    progress_install(ctx, o.quiet);
    rc = bm_train(&o, ctx);
    progress_finish();
    zs_ctx_free(ctx);
    return rc;
}
