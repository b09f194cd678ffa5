/* cmd_bm.c — zsum bm: a dense 0/1 Boltzmann machine E(x) = -sum_{i<j} W_ij x_i x_j -
 * sum_i b_i x_i from a NumPy .npz (arrays W and b) or drawn at random; `zsum bm logz` gives
 * the exact ln Z and thermodynamics by Gray-code enumeration, `zsum bm sample` MCMC estimates.
 * The shared options and output live in pairwise_cli.c (pairwise_opt, pairwise_run). */
#include "pairwise_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { O_METHOD = PW_OWN, O_SEED, O_RANDOM, O_MSEED, O_SYM };

static const cli_option options[] = {
    {O_RANDOM, "--random", 0, "N", 0, CLI_ONCE, "draw a random machine of N units (1..4096) instead of MODEL.npz"},
    {O_MSEED, "--model-seed", 0, "S", 0, 0, "seed of the --random model (default: --seed S when given, else 1)"},
    {O_SYM, "--symmetrize", 0, NULL, 0, 0, "use (W + W^T)/2 instead of rejecting an asymmetric W"},
    {O_METHOD, "--method", 0, "M", PW_EXACT, 0, "auto|enumerate (Gray-code enumeration)"},
    {O_SEED, "--seed", 0, "S", 0, 0, "the sampler's seed (printed when chosen), and the --random model's"},
    PAIRWISE_OPTIONS,
};

static const cli_sub subs[] = {
    {"logz", PW_EXACT, "zsum bm logz MODEL.npz | --random N [--seed S]   [options]",
     "exact ln Z and thermodynamics by Gray-code enumeration\n", NULL},
    {"sample", PW_SAMPLE, "zsum bm sample MODEL.npz | --random N [--seed S]  [options]",
     "MCMC estimates of U, C, M, |M|, chi with their errors\n", NULL},
};

static const cli_command command = {
    "bm", CLI_TABLE(subs), CLI_TABLE(options),
    "A Boltzmann machine E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i, x_i in {0,1}.\n"
    "MODEL.npz holds W (n x n, symmetric, zero diagonal) and b (n entries, optional).\n"
    "--random N draws W_ij = g/sqrt(N) (i < j) and b_i = g, g standard normal, from\n"
    "--model-seed S (default: --seed S when given, else 1), so one seed gives the same\n"
    "model in logz and sample. It is solved exactly in the +-1 form (J = W/4,\n"
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
     * `bm logz --random N --seed S` and `bm sample --random N --seed S` study one machine. */
    if (b->have_random && o->seed_set && !b->mseed_set) b->mseed = o->seed;
    rc = pairwise_check(o, b->sample);
    if (rc != EXIT_OK) return rc;
    if (!b->sample && (o->method == ZS_PAIRWISE_TRANSFER || o->method == ZS_PAIRWISE_CLOSED))
        return cli_usage("--method: a dense Boltzmann machine has no %s method; use enumerate",
                         zs_pairwise_method_name(o->method));
    return EXIT_OK;
}

int cmd_bm(int argc, char **argv) {
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
