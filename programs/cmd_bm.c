/* cmd_bm.c — zsum bm: a dense 0/1 Boltzmann machine E(x) = -sum_{i<j} W_ij x_i x_j -
 * sum_i b_i x_i from a NumPy .npz (arrays W and b) or drawn at random; `zsum bm logz` gives
 * the exact ln Z and thermodynamics by Gray-code enumeration, `zsum bm sample` MCMC estimates.
 * The shared options and output live in pairwise_cli.c (pairwise_opt, pairwise_run). */
#include "pairwise_cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(void) {
    fputs("usage: zsum bm logz MODEL.npz | --random N [--seed S]   [options]\n"
          "       zsum bm sample MODEL.npz | --random N [--seed S]  [options]\n\n"
          "A Boltzmann machine E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i, x_i in {0,1}.\n"
          "MODEL.npz holds W (n x n, symmetric, zero diagonal) and b (n entries, optional).\n"
          "--random N draws W_ij = g/sqrt(N) (i < j) and b_i = g, g standard normal, from\n"
          "--model-seed S (default: --seed S when given, else 1), so one seed gives the same\n"
          "model in logz and sample. It is solved exactly in the +-1 form (J = W/4,\n"
          "h = b/2 + rowsum(W)/4, plus a constant); M below is sum_i (2 x_i - 1).\n\n"
          "  --symmetrize           use (W + W^T)/2 instead of rejecting an asymmetric W\n"
          "  --method auto|enumerate   --dos (integer W, b)   --sweep T:LO:HI:P   --plot FILE\n"
          "  logz: --write-uai FILE write the model at beta as a UAI MARKOV network; stderr gives\n"
          "                         its energy offset E0: ln Z = ln Z(FILE) - beta E0\n"
          "  sample: --algorithm metropolis|heatbath  --sweeps N  --burnin N  --chains K\n"
          "          --seed S (the sampler's seed; printed when chosen)\n"
          "  --beta B | -T T, --format table|json|csv, --threads N, -q, --help\n",
          cli_out());
}

int cmd_bm(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help")) {
        if (argc >= 2) {
            help();
            return EXIT_OK;
        }
        return cli_usage("bm: a subcommand is needed: logz or sample (zsum bm --help)");
    }
    int sample;
    if (!strcmp(argv[1], "logz")) sample = 0;
    else if (!strcmp(argv[1], "sample")) sample = 1;
    else return cli_usage("bm: unknown subcommand '%s' (logz or sample)", argv[1]);
    argv++;
    argc--;
    pairwise_opts o;
    pairwise_opts_init(&o);
    enum { O_RANDOM = 512, O_MSEED, O_SYM, O_HELP };
    static const struct option longopts[] = {PAIRWISE_LONGOPTS,
                                             {"random", required_argument, 0, O_RANDOM},
                                             {"model-seed", required_argument, 0, O_MSEED},
                                             {"symmetrize", no_argument, 0, O_SYM},
                                             {"help", no_argument, 0, O_HELP},
                                             {0, 0, 0, 0}};
    uint64_t nrand = 0, mseed = 1;
    int have_random = 0, sym = 0, c, mseed_set = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":b:T:q", longopts, NULL)) != -1) {
        int r = pairwise_opt(c, optarg, &o);
        if (r == 1) continue;
        if (r == 0) return EXIT_USAGE;
        switch (c) {
        case O_RANDOM:
            if (!cli_parse_u64("--random", optarg, &nrand)) return EXIT_USAGE;
            if (nrand < 1 || nrand > 4096)
                return cli_usage("--random: N = %s is out of range 1..4096", optarg);
            have_random = 1;
            break;
        case O_MSEED:
            if (!cli_parse_u64("--model-seed", optarg, &mseed)) return EXIT_USAGE;
            mseed_set = 1;
            break;
        case O_SYM: sym = 1; break;
        case O_HELP: help(); return EXIT_OK;
        case ':': return cli_usage("bm: option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage("bm: unknown option '%s' (zsum bm --help)", argv[optind - 1]);
        }
    }
    const char *file = optind < argc ? argv[optind] : NULL;
    if (file && optind + 1 < argc) return cli_usage("bm: unexpected argument '%s'", argv[optind + 1]);
    if (file && have_random) return cli_usage("bm: give MODEL.npz or --random N, not both");
    if (!file && !have_random) return cli_usage("bm: MODEL.npz or --random N is needed");
    if (!have_random && mseed_set) return cli_usage("--model-seed: only with --random N");
    if (have_random && sym)
        return cli_usage("--symmetrize: reads a MODEL.npz's W; --random N draws a symmetric one");
    /* --seed S also names the model (unless --model-seed does), in logz and sample alike, so
     * `bm logz --random N --seed S` and `bm sample --random N --seed S` study one machine. */
    if (have_random && o.seed_set && !mseed_set) mseed = o.seed;
    if (!pairwise_check(&o, sample)) return EXIT_USAGE;
    if (!sample && (o.method == ZS_PAIRWISE_TRANSFER || o.method == ZS_PAIRWISE_CLOSED))
        return cli_usage("--method: a dense Boltzmann machine has no %s method; use enumerate",
                         zs_pairwise_method_name(o.method));
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_RUNTIME, "out of memory");
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
    int rc;
    if (st != ZS_OK) rc = cli_status(ctx, st);
    else rc = pairwise_run(ctx, m, desc, &o, sample);
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
    return rc;
}
