/* cmd_dbm.c — zsum dbm: deep Boltzmann machines (docs/dbm.md).
 *   zsum dbm lnz MODEL [--exact | --ais ...]            ln Z
 *   zsum dbm loglik MODEL DATA [--exact | --ais ...]    mean ln p(v) (exact when affordable)
 *                                                        and the mean-field lower bound
 *   zsum dbm train DATA --hidden H1,H2 --epochs E -o MODEL.npz   (dbm_train.c)
 *   zsum dbm sample MODEL --chains K --steps S -o FILE.npy|FILE.png  (dbm_sample.c) */
#include "dbm_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { O_EXACT = 1, O_AIS, O_CHAINS, O_SCHEDULE, O_BASE, O_PSEUDOCOUNT, O_SEED, O_BINARIZE, O_MAX_SECONDS,
       O_THREADS, O_FORMAT, O_QUIET, O_MF_ITERATIONS, O_MF_TOLERANCE, O_HIDDEN, O_EPOCHS, O_PRETRAIN_EPOCHS,
       O_PRETRAIN_LR, O_BATCH, O_LR, O_LR_DECAY, O_MOMENTUM, O_WEIGHT_DECAY, O_GIBBS_STEPS, O_RESUME,
       O_HELDOUT, O_LOG, O_OUT, O_NEGATIVE, O_PLOT, O_REVERSE, O_PT_TEMPS, O_PT_SWEEPS,
       O_SAMPLE_CHAINS, O_STEPS, O_INIT, O_SHAPE, O_SCALE, O_SAMPLE_OUT, O_MONITOR, O_LR_DIVISOR, O_LR_MIN,
       O_PRETRAIN_WEIGHT_DECAY, O_SPARSITY_TARGET, O_SPARSITY_COST, O_SPARSITY_DAMPING, O_PRESET, O_INIT_MODEL,
       O_PRETRAIN_CD_EPOCHS, O_END };

#define ALL (LNZ | LOGLIK | TRAIN)
#define ANY (ALL | SAMPLE)
static const cli_option options[] = {
    {O_EXACT, "--exact", 0, NULL, LNZ | LOGLIK, 0, "enumerate the smaller set of layers (within --max-seconds)"},
    {O_AIS, "--ais", 0, NULL, LNZ | LOGLIK, 0, "annealed importance sampling (Salakhutdinov & Hinton 2009)"},
    {O_CHAINS, "--chains", 0, "N", ALL, 0, "AIS (train: persistent) chains (2..1000000, default 100)"},
    {O_SCHEDULE, "--schedule", 0, "sm08|linear:N|FILE", LNZ | LOGLIK, 0, "AIS temperatures (default sm08)"},
    {O_BASE, "--base", 0, "pt|uniform|model|data:FILE", LNZ | LOGLIK, 0, "AIS base (below)"},
    {O_PSEUDOCOUNT, "--pseudocount", 0, "C", LNZ | LOGLIK, 0, "added to the counts of a data base rate (default 1)"},
    {O_SEED, "--seed", 0, "S", ANY, 0, "random seed (default: drawn and printed)"},
    {O_BINARIZE, "--binarize", 0, "threshold[:T]|stochastic|resample", LOGLIK | TRAIN | SAMPLE | LNZ, 0,
     "binarize non-binary DATA (below; resample: train only)"},
    {O_MAX_SECONDS, "--max-seconds", 0, "T", ANY, 0, "time allowed for exact work (default 3600; train: 10;\nsample: the estimated time of the chains)"},
    {O_THREADS, "--threads", 0, "N", ANY, 0, "threads (1..1024)"},
    {O_FORMAT, "--format", 0, "table|json|csv", ALL, 0, "output format (default table)"},
    {O_QUIET, "--quiet", 'q', NULL, ANY, 0, "no progress bar"},
    {O_MF_ITERATIONS, "--mf-iterations", 0, "N", LOGLIK | TRAIN, 0, "mean-field sweeps at most (default 30; train: 10)"},
    {O_MF_TOLERANCE, "--mf-tolerance", 0, "E", LOGLIK | TRAIN, 0, "mean-field convergence in [0, 1) (default 1e-7)"},
    {O_HIDDEN, "--hidden", 0, "H1[,H2,...]", TRAIN, 0, "hidden layer sizes (required)"},
    {O_EPOCHS, "--epochs", 0, "E", TRAIN, 0, "joint training epochs (required)"},
    {O_PRETRAIN_EPOCHS, "--pretrain-epochs", 0, "E1[,E2,...]", TRAIN, 0,
     "greedy pretraining epochs, one count for every RBM or one each\n(default 10; 0: none)"},
    {O_PRETRAIN_LR, "--pretrain-lr", 0, "R", TRAIN, 0, "pretraining learning rate (default 0.05)"},
    {O_BATCH, "--batch", 0, "B", TRAIN, 0, "mini-batch rows (default 100)"},
    {O_LR, "--lr", 0, "R", TRAIN, 0, "learning rate (default 0.001)"},
    {O_LR_DECAY, "--lr-decay", 0, "D", TRAIN, 0, "lr / (1 + D * epoch) (default 0)"},
    {O_MOMENTUM, "--momentum", 0, "M", TRAIN, 0, "momentum in [0, 1) after 5 epochs (default 0.9)"},
    {O_WEIGHT_DECAY, "--weight-decay", 0, "D", TRAIN, 0, "L2 weight decay (default 0.0002)"},
    {O_LR_DIVISOR, "--lr-divisor", 0, "R", TRAIN, 0, "lr divided by R >= 1 before every update (default 1)"},
    {O_LR_MIN, "--lr-min", 0, "R", TRAIN, 0, "the floor of --lr-divisor's decay (default 0)"},
    {O_PRETRAIN_WEIGHT_DECAY, "--pretrain-weight-decay", 0, "D", TRAIN, 0,
     "pretraining L2 weight decay (default: --weight-decay)"},
    {O_PRETRAIN_CD_EPOCHS, "--pretrain-cd-epochs", 0, "S", TRAIN, 0,
     "RBMs above the first run CD-k, k = ceil(epoch / S), at the\npretraining lr / k (default 0: CD-1)"},
    {O_SPARSITY_TARGET, "--sparsity-target", 0, "P1[,P2,...]", TRAIN, 0,
     "hidden units' target mean activation in (0, 1), one for all\nhidden layers or one each (default 0.1)"},
    {O_SPARSITY_COST, "--sparsity-cost", 0, "C", TRAIN, 0, "sparsity penalty weight (default 0: off)"},
    {O_SPARSITY_DAMPING, "--sparsity-damping", 0, "D", TRAIN, 0,
     "decay in [0, 1) of the running mean activation (default 0.9)"},
    {O_INIT_MODEL, "--init-model", 0, "MODEL.npz", TRAIN, 0,
     "start joint training from this model's parameters (no pretraining)"},
    {O_PRESET, "--preset", 0, "NAME", TRAIN, 0,
     "a published recipe: salakhutdinov, salakhutdinov-paper (docs/dbm.md);\noptions given override it"},
    {O_GIBBS_STEPS, "--gibbs-steps", 0, "K", TRAIN, 0, "Gibbs sweeps per update (default 5)"},
    {O_RESUME, "--resume", 0, "MODEL.npz", TRAIN, 0, "continue from a checkpoint, bit-identically"},
    {O_HELDOUT, "--heldout", 0, "DATA", TRAIN, 0, "rows whose log-likelihood is monitored"},
    {O_LOG, "--log", 0, "FILE.jsonl", TRAIN, 0, "one JSON line per epoch"},
    {O_OUT, NULL, 'o', "MODEL.npz", TRAIN, 0, "the model to write (required)"},
    {O_NEGATIVE, "--negative", 0, "persistent|exact|mean-field", TRAIN, 0, "the negative phase (below)"},
    {O_PLOT, "--plot", 0, "FILE.png|svg", TRAIN, 0, "ln Z (exact, mean-field, Bethe) and ln p per epoch"},
    {O_MONITOR, "--monitor", 0, "auto|full|basic|none", TRAIN, 0,
     "what each epoch measures: full (exact when affordable, mean-field\nand Bethe ln Z), basic (no Bethe), none; auto (default): full up to\n131072 couplings, else basic"},
    {O_REVERSE, "--reverse", 0, "pt|none|data:FILE", LNZ | LOGLIK, 0,
     "AIS's upper side: the schedule backwards from samples of the\nmodel (pt: parallel tempering, the default with --base pt;\ndata:FILE: its rows; none, the default otherwise)"},
    {O_PT_TEMPS, "--pt-temperatures", 0, "L", LNZ | LOGLIK, 0, "parallel tempering: betas in [0, 1] (2..100000, default 50)"},
    {O_PT_SWEEPS, "--pt-sweeps", 0, "S", LNZ | LOGLIK, 0,
     "parallel tempering: sweeps per ladder and stage, half discarded\n(2..100000000; default: sized from the schedule, M K / (8 P L) in 100..1000)"},
    {O_SAMPLE_CHAINS, "--chains", 0, "N", SAMPLE, 0, "Gibbs chains, one sample each (1..1000000, default 64)"},
    {O_STEPS, "--steps", 0, "S", SAMPLE, 0, "Gibbs sweeps per chain (0..100000000, default 1000)"},
    {O_INIT, "--init", 0, "random|data:DATA", SAMPLE, 0, "start states: random (default), or row c of DATA for chain c"},
    {O_SHAPE, "--shape", 0, "HxW", SAMPLE, 0, "tile shape of a .png (default: square)"},
    {O_SCALE, "--scale", 0, "K", SAMPLE, 0, "pixels per unit of a .png (default: fitted)"},
    {O_SAMPLE_OUT, NULL, 'o', "FILE.npy|FILE.png", SAMPLE, CLI_ONCE,
     "the samples (required): v of each chain as uint8 rows, or an image of p(v | h1)"},
};

static const cli_sub subs[] = {
    {"lnz", LNZ,
     "zsum dbm lnz MODEL.npz [--exact | --ais [--chains 100] [--schedule sm08|linear:N|FILE]\n"
     "                 [--base pt|uniform|model|data:FILE] [--pseudocount 1] [--seed S]\n"
     "                 [--reverse pt|none|data:FILE] [--pt-temperatures 50] [--pt-sweeps S]]\n"
     "                 [--max-seconds 3600] [--threads N] [--format table|json|csv] [-q|--quiet]",
     "ln Z. --exact enumerates the smaller of the two sets of layers (even: v, h2, ...;\n"
     "odd: h1, h3, ...) and sums the other with softplus (refused, with the estimated\n"
     "time, beyond --max-seconds); --ais anneals over the even layers with the odd\n"
     "ones summed out (Salakhutdinov & Hinton 2009), band ln(Z +- 3 sigma). Default:\n"
     "exact when its estimated time is within --max-seconds, else AIS. AIS's ln Z is low\n"
     "on average; --reverse runs the schedule backwards from samples of the model (pt:\n"
     "parallel tempering over the odd layers, its sweeps sized from the schedule unless\n"
     "--pt-sweeps is given; data:FILE: its rows as v, h2, h4, ... drawn\n"
     "given v) for a side that is high on average (lnZ_reverse), and the output says when\n"
     "the two sides' bands do not overlap (sides_agree false, with a warning).\n", NULL},
    {"loglik", LOGLIK,
     "zsum dbm loglik MODEL.npz DATA [--exact | --ais ...] [--mf-iterations 30]\n"
     "                 [--mf-tolerance 1e-7] [--binarize threshold[:T]|stochastic]",
     "over the rows of DATA: the mean-field lower bound B(v) - ln Z of ln p(v) (the\n"
     "\"test log-probability\" of the DBM papers when ln Z is AIS's), with how many rows\n"
     "converged within --mf-iterations sweeps to --mf-tolerance; and the exact mean\n"
     "ln p(v) when its estimated time is within --max-seconds (else not given).\n", NULL},
    {"train", TRAIN,
     "zsum dbm train DATA --hidden H1[,H2,...] --epochs E -o MODEL.npz [--pretrain-epochs 10]\n"
     "                 [--pretrain-lr 0.05] [--batch 100] [--lr 0.001] [--lr-decay 0] [--momentum 0.9]\n"
     "                 [--weight-decay 0.0002] [--chains 100] [--gibbs-steps 5] [--mf-iterations 10]\n"
     "                 [--mf-tolerance 1e-7] [--seed S] [--resume MODEL.npz] [--heldout DATA]\n"
     "                 [--log FILE.jsonl] [--max-seconds 10] [--binarize ...] [--format ...] [-q]\n"
     "                 [--negative persistent|exact|mean-field] [--plot FILE.png|svg]\n"
     "                 [--preset NAME] [--lr-divisor 1] [--lr-min 0] [--pretrain-weight-decay D]\n"
     "                 [--sparsity-target 0.1] [--sparsity-cost 0] [--sparsity-damping 0.9]\n"
     "                 [--init-model MODEL.npz] [--monitor auto|full|basic|none]",
     "greedy pretraining (--pretrain-epochs per RBM, CD-1 on RBMs with doubled weights,\n"
     "Salakhutdinov & Hinton 2009), then joint training: mean-field positive phase,\n"
     "--chains persistent Gibbs chains of --gibbs-steps sweeps; momentum 0.5 for 5\n"
     "epochs, then --momentum; lr / (1 + lr-decay * epoch). MODEL.npz is written with\n"
     "the training state after every epoch; --resume continues bit-identically.\n"
     "Each epoch reports on stderr the mean mean-field bound of the epoch's rows and,\n"
     "when each is estimated within --max-seconds, the exact ln Z, and the exact mean\n"
     "ln p(v) and mean-field bound of --heldout DATA (default: the first 1000 rows),\n"
     "the mean-field lower bound on ln Z and the Bethe (loopy BP) value (--monitor: the Bethe\n"
     "value only up to 131072 couplings by default). --negative: the\n"
     "model's statistics from persistent chains (default), exactly (enumerating the\n"
     "smaller set of layers; up to 2^24 states), or the model's mean field. --plot\n"
     "draws ln Z exact, mean-field and Bethe, and the log-likelihood, per epoch.\n"
     "--sparsity-cost C pushes each hidden unit's running mean activation q toward its\n"
     "target p: C (q - p) is taken from the gradient of its bias and of its weights\n"
     "(Salakhutdinov's dbm_mf.m). --preset gives the values of Salakhutdinov's public code.\n", NULL},
    {"sample", SAMPLE,
     "zsum dbm sample MODEL.npz [--chains 64] [--steps 1000] [--seed S] [--init random|data:DATA]\n"
     "                 [--max-seconds 3600] [--threads N] [--shape HxW] [--scale K] [-q]\n"
     "                 -o FILE.npy|FILE.png",
     "--chains block-Gibbs chains of --steps sweeps (every odd layer given the even ones,\n"
     "then every even layer given the odd ones), from random states (--init data:DATA:\n"
     "chain c starts with v = row c of DATA, cycling); chain c draws from its own stream of\n"
     "--seed, so the samples do not depend on --threads. FILE.npy: the final v of each\n"
     "chain (chains x n0, uint8); FILE.png: p(v = 1 | h1) of the last sweep, one tile a\n"
     "chain. Refused before any work when the estimated time exceeds --max-seconds.\n", NULL},
};

const cli_command dbm_command = {
    "dbm", CLI_TABLE(subs), CLI_TABLE(options),
    "A deep Boltzmann machine has binary layers v = h0, h1, ..., hL and energy\n"
    "E = -sum_l h(l-1).Wl.h(l) - sum_l bl.h(l); MODEL is a NumPy .npz with arrays W1..WL\n"
    "(n(l-1) x n(l)) and b0..bL (float32 or float64), or the names of Salakhutdinov's DBM code\n"
    "(vishid, hidpen, visbiases, hidbiases, penbiases), or an RBM file (W, vbias, hbias) as L = 1.\n",
    "DATA: .npy, .npz (first array, or FILE.npz:NAME) or IDX, optionally FILE:START:END; binary,\n"
    "or binarized by --binarize (threshold, threshold:T, stochastic; train also resample: grey\n"
    "levels x / max, each batch's pixels drawn afresh at every use, without FILE:START:END).\n"
    "AIS base (couplings 0): pt (the biases of v, h2, ... from the model's frequencies in\n"
    "parallel-tempering samples: no data; the default of lnz, with --reverse pt), uniform,\n"
    "model (the biases of v, h2, ...), data:FILE (v's biases from FILE's frequencies; the\n"
    "default of loglik: DATA).\n"
    "JSON keys: layers, method, lnZ; for AIS lnZ_lo, lnZ_hi, ess, chains, temperatures, seed,\n"
    "base; with --reverse also reverse, lnZ_reverse, lnZ_reverse_lo, lnZ_reverse_hi, reverse_ess,\n"
    "sandwich_lo, sandwich_hi, sides_agree (sides_warning when false), with tempering\n"
    "pt_temperatures, pt_sweeps, pt_swap_min; for loglik also n, loglik (null when not affordable), elbo, elbo_lo, elbo_hi,\n"
    "mf_converged, mf_iterations_mean, mf_iterations_max, mf_iterations_limit; train: layers,\n"
    "epoch, negative, monitor, mf_bound, lnZ, lnZ_mf, lnZ_bethe, bethe_converged, loglik, elbo (null\n"
    "when not affordable), epoch_seconds, total_seconds, seed, model.\n",
    NULL};

/* --hidden H1,H2,...: 1 to ZS_DBM_MAX_LAYERS whole sizes, each 1..1000000. */
static int hidden_sizes(const char *v, dbm_opts *o) {
    double *h = NULL;
    size_t nh = 0;
    if (!cli_parse_list("--hidden", v, &h, &nh)) return EXIT_USAGE;
    int ok = nh >= 1 && nh <= ZS_DBM_MAX_LAYERS;
    for (size_t q = 0; ok && q < nh; q++) {
        ok = h[q] >= 1 && h[q] <= 1000000 && h[q] == floor(h[q]);
        if (ok) o->hidden[q] = (size_t)h[q];
    }
    free(h);
    if (!ok)
        return cli_usage("--hidden: '%s' is not a list of 1 to %d layer sizes, each 1..1000000 (e.g. 500,1000)", v,
                         ZS_DBM_MAX_LAYERS);
    o->nhidden = nh;
    return EXIT_OK;
}

/* --sparsity-target P1[,P2,...]: 1 to ZS_DBM_MAX_LAYERS values in (0, 1). */
static int sparsity_targets(const char *v, dbm_opts *o) {
    double *p = NULL;
    size_t np = 0;
    if (!cli_parse_list("--sparsity-target", v, &p, &np)) return EXIT_USAGE;
    int ok = np >= 1 && np <= ZS_DBM_MAX_LAYERS;
    for (size_t q = 0; ok && q < np; q++) {
        ok = p[q] > 0.0 && p[q] < 1.0;
        if (ok) o->sparsity_target[q] = p[q];
    }
    free(p);
    if (!ok)
        return cli_usage("--sparsity-target: '%s' is not a list of 1 to %d mean activations, each in (0, 1) "
                         "(e.g. 0.2,0.1)", v, ZS_DBM_MAX_LAYERS);
    o->nsparsity_target = np;
    return EXIT_OK;
}

/* --pretrain-epochs E1[,E2,...]: 1 to ZS_DBM_MAX_LAYERS counts, each 0..1000000. */
static int pretrain_counts(const char *v, dbm_opts *o) {
    double *p = NULL;
    size_t np = 0;
    if (!cli_parse_list("--pretrain-epochs", v, &p, &np)) return EXIT_USAGE;
    int ok = np >= 1 && np <= ZS_DBM_MAX_LAYERS;
    for (size_t q = 0; ok && q < np; q++) {
        ok = p[q] >= 0.0 && p[q] <= 1000000.0 && p[q] == floor(p[q]);
        if (ok) o->pretrain_epochs[q] = (uint64_t)p[q];
    }
    free(p);
    if (!ok)
        return cli_usage("--pretrain-epochs: '%s' is not a list of 1 to %d epoch counts, each 0..1000000 "
                         "(e.g. 100,200)", v, ZS_DBM_MAX_LAYERS);
    o->npretrain_epochs = np;
    return EXIT_OK;
}

/* The options of the learning-rate schedule, sparsity and presets: an exit code. */
static int recipe_option(int id, const char *name, const char *v, dbm_opts *o) {
    switch (id) {
    case O_LR_DIVISOR:
        if (!cli_parse_nonneg(name, v, 1, &o->lr_divisor)) return EXIT_USAGE;
        if (!(o->lr_divisor >= 1.0)) return cli_usage("%s: '%s' must be >= 1 (1: no decay)", name, v);
        break;
    case O_LR_MIN: return cli_parse_nonneg(name, v, 0, &o->lr_min) ? EXIT_OK : EXIT_USAGE;
    case O_PRETRAIN_WEIGHT_DECAY: return cli_parse_nonneg(name, v, 0, &o->pretrain_weight_decay) ? EXIT_OK : EXIT_USAGE;
    case O_SPARSITY_TARGET: return sparsity_targets(v, o);
    case O_SPARSITY_COST: return cli_parse_nonneg(name, v, 0, &o->sparsity_cost) ? EXIT_OK : EXIT_USAGE;
    case O_SPARSITY_DAMPING: return cli_parse_fraction(name, v, &o->sparsity_damping) ? EXIT_OK : EXIT_USAGE;
    case O_PRESET:
        if (!dbm_preset_find(v)) return cli_usage("--preset: '%s' is not a known preset (%s)", v, dbm_preset_names());
        o->preset = v;
        break;
    case O_INIT_MODEL: o->init_model = v; break;
    case O_PRETRAIN_CD_EPOCHS:
        return cli_parse_u64_in(name, v, 0, 1000000, &o->pretrain_cd_epochs) ? EXIT_OK : EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The preset's values into the options not given on the command line (given[id]). */
static void apply_preset(dbm_opts *o, const unsigned char *given) {
    const dbm_preset *p = dbm_preset_find(o->preset);
#define SET(id, field, value) if (!given[id]) o->field = (value)
    SET(O_EPOCHS, epochs, p->epochs);
    SET(O_PRETRAIN_LR, pretrain_lr, p->pretrain_lr);
    SET(O_PRETRAIN_WEIGHT_DECAY, pretrain_weight_decay, p->pretrain_weight_decay);
    SET(O_BATCH, batch, p->batch);
    SET(O_LR, lr, p->lr);
    SET(O_LR_DIVISOR, lr_divisor, p->lr_divisor);
    SET(O_LR_MIN, lr_min, p->lr_min);
    SET(O_MOMENTUM, momentum, p->momentum);
    SET(O_WEIGHT_DECAY, weight_decay, p->weight_decay);
    SET(O_CHAINS, chains, p->chains);
    SET(O_GIBBS_STEPS, gibbs_steps, p->gibbs_steps);
    SET(O_MF_ITERATIONS, mf_iterations, p->mf_iterations);
    SET(O_MF_TOLERANCE, mf_tolerance, p->mf_tolerance);
    SET(O_SPARSITY_COST, sparsity_cost, p->sparsity_cost);
    SET(O_SPARSITY_DAMPING, sparsity_damping, p->sparsity_damping);
    SET(O_PRETRAIN_CD_EPOCHS, pretrain_cd_epochs, p->pretrain_cd_epochs);
    /* grey data without --binarize: resampled (dbm_train.c decides on the data) */
    SET(O_BINARIZE, resample_grey, p->resample_grey);
#undef SET
    if (!given[O_PRETRAIN_EPOCHS]) {
        memcpy(o->pretrain_epochs, p->pretrain_epochs, p->npretrain_epochs * sizeof(uint64_t));
        o->npretrain_epochs = p->npretrain_epochs;
    }
    if (!given[O_SPARSITY_TARGET]) {
        memcpy(o->sparsity_target, p->sparsity_target, p->nsparsity_target * sizeof(double));
        o->nsparsity_target = p->nsparsity_target;
    }
}

/* One option of the table with its value v: an exit code. */
static int option(int id, const char *name, const char *v, dbm_opts *o) {
    if (id >= O_LR_DIVISOR) return recipe_option(id, name, v, o);
    switch (id) {
    case O_EXACT: o->exact = 1; break;
    case O_AIS: o->ais = 1; break;
    case O_QUIET: o->quiet = 1; break;
    case O_CHAINS:
        o->have_chains = 1;
        return cli_parse_u64_in(name, v, 2, 1000000, &o->chains) ? EXIT_OK : EXIT_USAGE;
    case O_SCHEDULE: o->schedule = v; break;
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
    case O_MF_ITERATIONS: return cli_parse_u64_in(name, v, 1, 100000, &o->mf_iterations) ? EXIT_OK : EXIT_USAGE;
    case O_MF_TOLERANCE: return cli_parse_fraction(name, v, &o->mf_tolerance) ? EXIT_OK : EXIT_USAGE;
    case O_HIDDEN: return hidden_sizes(v, o);
    case O_EPOCHS: return cli_parse_u64_in(name, v, 1, 1000000, &o->epochs) ? EXIT_OK : EXIT_USAGE;
    case O_PRETRAIN_EPOCHS: return pretrain_counts(v, o);
    case O_BATCH: return cli_parse_u64_in(name, v, 1, 1000000, &o->batch) ? EXIT_OK : EXIT_USAGE;
    case O_GIBBS_STEPS: return cli_parse_u64_in(name, v, 1, 1000000, &o->gibbs_steps) ? EXIT_OK : EXIT_USAGE;
    case O_LR: return cli_parse_nonneg(name, v, 1, &o->lr) ? EXIT_OK : EXIT_USAGE;
    case O_PRETRAIN_LR: return cli_parse_nonneg(name, v, 1, &o->pretrain_lr) ? EXIT_OK : EXIT_USAGE;
    case O_LR_DECAY: return cli_parse_nonneg(name, v, 0, &o->lr_decay) ? EXIT_OK : EXIT_USAGE;
    case O_WEIGHT_DECAY: return cli_parse_nonneg(name, v, 0, &o->weight_decay) ? EXIT_OK : EXIT_USAGE;
    case O_MOMENTUM: return cli_parse_fraction(name, v, &o->momentum) ? EXIT_OK : EXIT_USAGE;
    case O_NEGATIVE:
        if (zs_dbm_negative_from_name(v, &o->negative) != ZS_OK)
            return cli_usage("--negative: '%s' is not persistent, exact, mean-field or auto", v);
        break;
    case O_MONITOR: {
        static const char *const levels[] = {"auto", "full", "basic", "none"};
        int k = 0;
        while (k < 4 && strcmp(v, levels[k])) k++;
        if (k == 4) return cli_usage("--monitor: '%s' is not auto, full, basic or none", v);
        o->monitor = k;
        break;
    }
    case O_PLOT:
        if (plot_check_target(v) != EXIT_OK) return EXIT_USAGE;
        o->plot = v;
        break;
    case O_RESUME: o->resume = v; break;
    case O_HELDOUT: o->heldout = v; break;
    case O_LOG: o->log = v; break;
    case O_OUT: o->out = v; break;
    case O_SAMPLE_OUT: o->out = v; break;
    case O_REVERSE:
        if (strcmp(v, "pt") && strcmp(v, "none") && (strncmp(v, "data:", 5) || !v[5]))
            return cli_usage("--reverse: '%s' is not pt, none or data:FILE", v);
        o->reverse = v;
        o->have_reverse = 1;
        break;
    case O_PT_TEMPS: return cli_parse_u64_in(name, v, 2, 100000, &o->pt_temperatures) ? EXIT_OK : EXIT_USAGE;
    case O_PT_SWEEPS: return cli_parse_u64_in(name, v, 2, 100000000, &o->pt_sweeps) ? EXIT_OK : EXIT_USAGE;
    case O_SAMPLE_CHAINS: return cli_parse_u64_in(name, v, 1, 1000000, &o->chains) ? EXIT_OK : EXIT_USAGE;
    case O_STEPS: return cli_parse_u64_in(name, v, 0, 100000000, &o->steps) ? EXIT_OK : EXIT_USAGE;
    case O_INIT:
        if (strcmp(v, "random") && (strncmp(v, "data:", 5) || !v[5]))
            return cli_usage("--init: '%s' is not random or data:DATA", v);
        o->init = v;
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

/* The checks across options, once all are read (pos: the positional arguments): an exit code. */
static int check(const char *prog, dbm_opts *o, const char *const *pos, int npos) {
    int sub = o->sub;
    if (o->exact && o->ais) return cli_usage("%s: --exact and --ais exclude each other", prog);
    if (o->exact && o->ais_option)
        return cli_usage("%s: %s is an AIS option; --exact does not use it (drop it, or use --ais)", prog,
                         o->ais_option);
    int need = sub == LOGLIK ? 2 : 1;
    if (npos != need)
        return cli_usage("%s: expected %s, got %d argument%s", prog,
                         need == 2 ? "MODEL and DATA" : sub == TRAIN ? "DATA" : "MODEL", npos, npos == 1 ? "" : "s");
    if (o->exact && o->have_reverse)
        return cli_usage("%s: --reverse is an AIS option; --exact does not use it (drop it, or use --ais)", prog);
    if (sub == SAMPLE) {
        o->model = pos[0];
        if (!o->out) return cli_usage("dbm sample: -o FILE.npy|FILE.png is required");
        size_t l = strlen(o->out);
        int npy = l >= 4 && !strcmp(o->out + l - 4, ".npy"), png = l >= 4 && !strcmp(o->out + l - 4, ".png");
        if (!npy && !png) return cli_usage("dbm sample: -o '%s' must end in .npy or .png", o->out);
        if (npy && (o->have_shape || o->scale))
            return cli_usage("dbm sample: --shape and --scale shape an image; -o '%s' is .npy", o->out);
        return cli_check_output("-o", o->out) != EXIT_OK ? EXIT_USAGE : EXIT_OK;
    }
    if (sub != TRAIN && o->binarize && !strcmp(o->binarize, "resample"))
        return cli_usage("%s: --binarize resample draws the pixels afresh as training goes; it is for "
                         "dbm train (use stochastic here)", prog);
    if (sub != TRAIN) {
        o->model = pos[0];
        if (need == 2) o->data = pos[1];
        return EXIT_OK;
    }
    o->data = pos[0];
    if (!o->nhidden) return cli_usage("dbm train: --hidden H1[,H2,...] is required");
    if (!o->epochs) return cli_usage("dbm train: --epochs E is required (or --preset NAME)");
    if (!o->out) return cli_usage("dbm train: -o MODEL.npz is required");
    size_t l = strlen(o->out);
    if (l < 4 || strcmp(o->out + l - 4, ".npz")) return cli_usage("dbm train: -o '%s' must end in .npz", o->out);
    if (cli_check_output("-o", o->out) != EXIT_OK) return EXIT_USAGE;
    if (o->log && cli_check_output("--log", o->log) != EXIT_OK) return EXIT_USAGE;
    if (o->plot && cli_check_output("--plot", o->plot) != EXIT_OK) return EXIT_USAGE;
    if (o->plot && o->resume)
        return cli_usage("dbm train: --plot draws the epochs of one run; it cannot follow --resume "
                         "(plot the --log file instead)");
    if (o->init_model && (o->resume || o->have_pretrain_epochs))
        return cli_usage("dbm train: --init-model starts joint training from a model; it excludes %s",
                         o->resume ? "--resume" : "--pretrain-epochs");
    if (o->nsparsity_target > 1 && o->nsparsity_target != o->nhidden)
        return cli_usage("dbm train: --sparsity-target has %zu values%s for %zu hidden layers (give one for "
                         "all, or one each)", o->nsparsity_target, o->preset && !o->have_sparsity_target
                         ? " (the preset's)" : "", o->nhidden);
    if (o->npretrain_epochs > 1 && o->npretrain_epochs != o->nhidden)
        return cli_usage("dbm train: --pretrain-epochs has %zu counts%s for %zu hidden layers (give one for "
                         "all, or one each)", o->npretrain_epochs, o->preset && !o->have_pretrain_epochs
                         ? " (the preset's)" : "", o->nhidden);
    return EXIT_OK;
}

/* The options with their defaults (the library's, and train's own), then the checks: an exit
 * code; *help when the help was printed. */
static int parse(cli_args *a, dbm_opts *o, int *help) {
    memset(o, 0, sizeof *o);
    int sub = o->sub = (int)a->sub->mode;
    zs_dbm_mf_opts mf;
    zs_dbm_train_opts to;
    zs_dbm_pretrain_opts po;
    zs_dbm_mf_defaults(&mf);
    zs_dbm_train_defaults(&to);
    zs_dbm_pretrain_defaults(&po);
    o->format = FORMAT_TABLE;
    o->schedule = "sm08";
    o->base = "pt";
    o->pseudocount = 1.0;
    o->chains = sub == TRAIN ? to.chains : 100;
    o->max_seconds = cli_max_seconds(sub == TRAIN ? 10 : 3600);
    o->mf_iterations = sub == TRAIN ? to.mf_iterations : mf.max_iterations;
    o->mf_tolerance = sub == TRAIN ? to.mf_tolerance : mf.tolerance;
    o->pretrain_epochs[0] = po.epochs;
    o->npretrain_epochs = 1;
    o->pretrain_lr = po.lr;
    o->batch = to.batch;
    o->lr = to.lr;
    o->lr_decay = to.lr_decay;
    o->momentum = to.momentum;
    o->weight_decay = to.weight_decay;
    o->lr_divisor = to.lr_divisor;
    o->lr_min = to.lr_min;
    o->pretrain_weight_decay = (double)NAN;
    o->sparsity_cost = to.sparsity_cost;
    o->sparsity_damping = to.sparsity_damping;
    o->sparsity_target[0] = to.sparsity_target[1];
    o->nsparsity_target = 1;
    o->gibbs_steps = to.gibbs_steps;
    o->negative = to.negative;
    o->reverse = "none";
    o->pt_temperatures = 50;
    o->pt_sweeps = 0; /* sized from the forward run (zs_dbm_sandwich_pt_sweeps) */
    if (sub == SAMPLE) {
        zs_dbm_sample_opts so;
        zs_dbm_sample_defaults(&so);
        o->chains = so.chains;
        o->steps = so.steps;
    }
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0;
    unsigned char given[O_END] = {0};
    for (int id; (id = cli_next(a)) != CLI_DONE;) {
        if (id == CLI_STOP) return *help = a->rc == EXIT_OK, a->rc;
        if (id == CLI_ARG) {
            if (npos == 3) return cli_usage("%s: unexpected argument '%s'", a->prog, a->value);
            pos[npos++] = a->value;
            continue;
        }
        if (!o->ais_option && sub != TRAIN && (id == O_CHAINS || id == O_SCHEDULE || id == O_BASE || id == O_PSEUDOCOUNT ||
                                                 id == O_PT_TEMPS || id == O_PT_SWEEPS))
            o->ais_option = a->name;
        int rc = option(id, a->name, a->value, o);
        if (rc != EXIT_OK) return rc;
        if (id > 0 && id < O_END) given[id] = 1;
    }
    o->have_sparsity_target = given[O_SPARSITY_TARGET];
    o->have_pretrain_epochs = given[O_PRETRAIN_EPOCHS];
    if (o->preset) apply_preset(o, given);
    return check(a->prog, o, pos, npos);
}

/* Binary rows of path, n x nv (nv = the model's visible units); with resample (train), the
 * rows sampled once from their grey levels (stochastic), for the monitor. */
int dbm_load_rows(zs_ctx *ctx, const dbm_opts *o, const char *path, size_t nv, uint8_t **x,
                  size_t *n, size_t *width) {
    const int rs = o->resample || (o->binarize && !strcmp(o->binarize, "resample"));
    return cli_load_rows(ctx, path, rs ? "stochastic" : o->binarize, o->seed, nv, x, n, width);
}

int cmd_dbm(int argc, char **argv) {
    const cli_sub *sub_entry;
    int first, rc = cli_select(&dbm_command, argc, argv, &sub_entry, &first);
    if (!sub_entry) return rc;
    cli_args a;
    cli_start(&a, &dbm_command, sub_entry, argc, argv, first);
    dbm_opts o;
    int help = 0;
    rc = parse(&a, &o, &help);
    if (rc != EXIT_OK || help) return rc;
    o.argc = argc; /* for the resume command of a stopped training */
    o.argv = argv;
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    if (o.threads) zs_ctx_set_threads(ctx, (int)o.threads);
    if (!o.have_seed) o.seed = zs_seed_from_entropy();
    progress_install(ctx, o.quiet);
    rc = o.sub == TRAIN ? dbm_train(&o, ctx) : o.sub == SAMPLE ? dbm_sample(&o, ctx) : dbm_lnz(&o, ctx);
    progress_finish();
    zs_ctx_free(ctx);
    return rc;
}
