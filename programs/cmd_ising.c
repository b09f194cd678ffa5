/* cmd_ising.c — zsum ising: the Ising chain and square lattice; exact ln Z and
 * thermodynamics by enumeration, transfer matrix or closed form, the exact density of states,
 * temperature sweeps and plots, and `zsum ising sample` (Metropolis, heat bath, Wolff). The
 * options shared with zsum bm and the run itself are in pairwise_cli.c. */
#include "pairwise_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* ---- zsum ising --------------------------------------------------------------------------- */

static void help(void) {
    fputs("usage: zsum ising [sample] --size LxL|N [--dim 1|2] [--open] [--J J] [--h H]\n"
          "                  [--beta B | -T T] [options]\n\n"
          "The Ising model E = -J sum_<ij> s_i s_j - h sum_i s_i on a chain (--dim 1) or a\n"
          "square lattice (--size 16 means 16x16), periodic unless --open.\n\n"
          "exact (default):\n"
          "  --method auto|enumerate|transfer|closed   (auto: the cheapest exact one)\n"
          "  --dos                  exact density of states (integer J and h)\n"
          "  --sweep T:LO:HI:P      ln Z, U, F, S, C, M, chi at P temperatures (or beta:LO:HI:P)\n"
          "  --plot FILE            plot u, c, s of the sweep (.png or .svg)\n"
          "  --write-uai FILE       write the model at beta as a UAI MARKOV network; stderr gives\n"
          "                         its energy offset E0: ln Z = ln Z(FILE) - beta E0\n"
          "sample:\n"
          "  --algorithm metropolis|heatbath|wolff   --sweeps N (10000)  --burnin N (1000)\n"
          "  --chains K (4)  --seed S (printed when chosen)\n"
          "common:\n"
          "  --beta B, -T/--temperature T (default beta 1), --format table|json|csv,\n"
          "  --threads N, -q/--quiet, --help\n",
          cli_out());
}

int cmd_ising(int argc, char **argv) {
    pairwise_opts o;
    pairwise_opts_init(&o);
    int sample = 0;
    if (argc > 1 && !strcmp(argv[1], "sample")) {
        sample = 1;
        argv++;
        argc--;
    }
    enum { O_SIZE = 512, O_DIM, O_OPEN, O_J, O_H, O_HELP };
    static const struct option longopts[] = {PAIRWISE_LONGOPTS,
                                             {"size", required_argument, 0, O_SIZE},
                                             {"dim", required_argument, 0, O_DIM},
                                             {"open", no_argument, 0, O_OPEN},
                                             {"J", required_argument, 0, O_J},
                                             {"h", required_argument, 0, O_H},
                                             {"help", no_argument, 0, O_HELP},
                                             {0, 0, 0, 0}};
    uint64_t dims[2] = {0, 0};
    int ndims = 0, have_size = 0, open = 0, c;
    long dim = 0;
    double jj = 1.0, hh = 0.0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":b:T:q", longopts, NULL)) != -1) {
        int r = pairwise_opt(c, optarg, &o);
        if (r == 1) continue;
        if (r == 0) return EXIT_USAGE;
        switch (c) {
        case O_SIZE:
            if (!cli_parse_size("--size", optarg, dims, &ndims)) return EXIT_USAGE;
            have_size = 1;
            break;
        case O_DIM:
            if (!cli_parse_int("--dim", optarg, 1, 2, &dim)) return EXIT_USAGE;
            break;
        case O_OPEN: open = 1; break;
        case O_J:
            if (!cli_parse_double("--J", optarg, &jj)) return EXIT_USAGE;
            break;
        case O_H:
            if (!cli_parse_double("--h", optarg, &hh)) return EXIT_USAGE;
            break;
        case O_HELP: help(); return EXIT_OK;
        case ':': return cli_usage("ising: option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage("ising: unknown option '%s' (zsum ising --help)", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage("ising: unexpected argument '%s'", argv[optind]);
    if (!sample && o.seed_set)
        return cli_usage("--seed belongs to the sampler; the exact computation has no use for it "
                         "(add 'sample')");
    if (!have_size) return cli_usage("ising: --size is required (e.g. --size 16x16, or --size 64 --dim 1)");
    if (!pairwise_check(&o, sample)) return EXIT_USAGE;
    if (dim == 1 && ndims == 2) return cli_usage("--size: '%llux%llu' has two sides but --dim is 1",
                                                 (unsigned long long)dims[0], (unsigned long long)dims[1]);
    zs_lattice_spec sp;
    memset(&sp, 0, sizeof sp);
    if (dim == 1) {
        sp.rows = 1;
        sp.cols = (size_t)dims[0];
    } else {
        sp.rows = (size_t)dims[0];
        sp.cols = (size_t)(ndims == 2 ? dims[1] : dims[0]);
    }
    if ((double)sp.rows * (double)sp.cols > (double)ZS_PAIRWISE_MAX_SPINS)
        return cli_usage("--size: %llu sites exceed the limit %llu",
                         (unsigned long long)((double)sp.rows * (double)sp.cols),
                         (unsigned long long)ZS_PAIRWISE_MAX_SPINS);
    sp.periodic_rows = sp.periodic_cols = !open;
    sp.j = jj;
    sp.h = hh;
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_RUNTIME, "out of memory");
    zs_pairwise *m = NULL;
    zs_status st = zs_pairwise_alloc_lattice(ctx, &sp, &m);
    int rc;
    if (st != ZS_OK) {
        rc = cli_status(ctx, st);
    } else {
        char desc[200], b1[32], b2[32];
        if (sp.rows == 1)
            snprintf(desc, sizeof desc, "Ising chain of %zu spins, %s, J = %s, h = %s", sp.cols,
                     open ? "open" : "ring", cli_num(b1, jj), cli_num(b2, hh));
        else
            snprintf(desc, sizeof desc, "Ising %zux%zu square lattice, %s, J = %s, h = %s", sp.rows,
                     sp.cols, open ? "open" : "torus", cli_num(b1, jj), cli_num(b2, hh));
        rc = pairwise_run(ctx, m, desc, &o, sample);
    }
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
    return rc;
}
