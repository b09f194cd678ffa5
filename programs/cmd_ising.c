/* cmd_ising.c — zsum ising: the Ising chain and square lattice; exact ln Z and
 * thermodynamics by enumeration, transfer matrix or closed form, the exact density of states,
 * temperature sweeps and plots, and `zsum ising sample` (Metropolis, heat bath, Wolff). The
 * options shared with zsum bm and the run itself are in pairwise_cli.c. */
#include "pairwise_cli.h"

#include <stdlib.h>
#include <string.h>

enum { O_METHOD = PW_OWN, O_SEED, O_SIZE, O_DIM, O_OPEN, O_J, O_H };

static const cli_option options[] = {
    {O_SIZE, "--size", 0, "LxL|N", 0, 0, "lattice rows x cols (16 means 16x16), or a chain's length with --dim 1"},
    {O_DIM, "--dim", 0, "1|2", 0, 0, "a chain (1) or a square lattice (2, default)"},
    {O_OPEN, "--open", 0, NULL, 0, 0, "open boundaries (default periodic)"},
    {O_J, "--J", 0, "J", 0, 0, "coupling (default 1)"},
    {O_H, "--h", 0, "H", 0, 0, "field (default 0)"},
    {O_METHOD, "--method", 0, "M", PW_EXACT, 0, "auto|enumerate|transfer|closed (auto: the cheapest exact one)"},
    {O_SEED, "--seed", 0, "S", PW_SAMPLE, 0, "the sampler's seed (default: chosen and printed)"},
    PAIRWISE_OPTIONS,
};

static const cli_sub subs[] = {
    {NULL, PW_EXACT, "zsum ising --size LxL|N [--dim 1|2] [--open] [--J J] [--h H]\n"
                     "                  [--beta B | -T T] [options]",
     "Exact ln Z and thermodynamics (enumeration, transfer matrix or closed form), the exact\n"
     "density of states, temperature sweeps and plots.\n", NULL},
    {"sample", PW_SAMPLE, "zsum ising sample --size LxL|N [--dim 1|2] [--open] [--J J] [--h H]\n"
                          "                  [--beta B | -T T] [options]",
     "Markov chain Monte Carlo estimates of U, C, M, |M|, chi with their errors.\n", NULL},
};

static const cli_command command = {
    "ising", CLI_TABLE(subs), CLI_TABLE(options),
    "The Ising model E = -J sum_<ij> s_i s_j - h sum_i s_i on a chain (--dim 1) or a\n"
    "square lattice (--size 16 means 16x16), periodic unless --open.\n",
    NULL, pairwise_refuse};

typedef struct ising_opts {
    pairwise_opts pw;
    uint64_t dims[2];
    int ndims, have_size, open, sample;
    long dim;
    double jj, hh;
} ising_opts;

static int parse(int argc, char **argv, ising_opts *io) {
    pairwise_opts *o = &io->pw;
    const cli_sub *sub;
    int first, rc = cli_select(&command, argc, argv, &sub, &first);
    if (!sub) return o->help = rc == EXIT_OK, rc;
    io->sample = sub->mode == PW_SAMPLE;
    cli_args a;
    cli_start(&a, &command, sub, argc, argv, first);
    for (int id; (id = cli_next(&a)) != CLI_DONE;) {
        const char *v = a.value;
        switch (id) {
        case CLI_STOP: return o->help = a.rc == EXIT_OK, a.rc;
        case CLI_ARG: return cli_usage("ising: unexpected argument '%s'", v);
        case O_SIZE:
            if (!cli_parse_size("--size", v, io->dims, &io->ndims)) return EXIT_USAGE;
            io->have_size = 1;
            break;
        case O_DIM:
            if (!cli_parse_int("--dim", v, 1, 2, &io->dim)) return EXIT_USAGE;
            break;
        case O_OPEN: io->open = 1; break;
        case O_J:
            if (!cli_parse_double("--J", v, &io->jj)) return EXIT_USAGE;
            break;
        case O_H:
            if (!cli_parse_double("--h", v, &io->hh)) return EXIT_USAGE;
            break;
        case O_METHOD: rc = pairwise_opt(PW_METHOD, v, o); break;
        case O_SEED: rc = pairwise_opt(PW_SEED, v, o); break;
        default: rc = pairwise_opt(id, v, o); break;
        }
        if (rc != EXIT_OK) return rc;
    }
    if (!io->have_size) return cli_usage("ising: --size is required (e.g. --size 16x16, or --size 64 --dim 1)");
    rc = pairwise_check(o, io->sample);
    if (rc != EXIT_OK) return rc;
    if (io->dim == 1 && io->ndims == 2)
        return cli_usage("--size: '%llux%llu' has two sides but --dim is 1", (unsigned long long)io->dims[0],
                         (unsigned long long)io->dims[1]);
    return EXIT_OK;
}

int cmd_ising(int argc, char **argv) {
    ising_opts io = {.jj = 1.0};
    pairwise_opts_init(&io.pw);
    int rc = parse(argc, argv, &io);
    if (rc != EXIT_OK || io.pw.help) return rc;
    const uint64_t *dims = io.dims;
    int ndims = io.ndims, open = io.open;
    long dim = io.dim;
    double jj = io.jj, hh = io.hh;
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
        return cli_usage("--size: %.0f sites exceed the limit %llu", /* the product may pass 2^64 */
                         (double)sp.rows * (double)sp.cols,
                         (unsigned long long)ZS_PAIRWISE_MAX_SPINS);
    sp.periodic_rows = sp.periodic_cols = !open;
    sp.j = jj;
    sp.h = hh;
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    char desc[200], b1[32], b2[32];
    if (sp.rows == 1)
        snprintf(desc, sizeof desc, "Ising chain of %zu spins, %s, J = %s, h = %s", sp.cols,
                 open ? "open" : "ring", cli_num(b1, jj), cli_num(b2, hh));
    else
        snprintf(desc, sizeof desc, "Ising %zux%zu square lattice, %s, J = %s, h = %s", sp.rows,
                 sp.cols, open ? "open" : "torus", cli_num(b1, jj), cli_num(b2, hh));
    /* Thermodynamics alone go through the lattice's description: the closed forms need no
     * model (a 4096 x 4096 torus in milliseconds, not 1.9 GB); the rest needs its bonds. */
    zs_pairwise *m = NULL;
    const int lattice_only = !io.sample && !io.pw.dos && !io.pw.uai && !io.pw.approx;
    /* Sampling, the density of states and the UAI and approximate paths build the bonds:
     * 0.12 s for 10^6 sites (about 110 bytes and 100 ns a site), so 50 ns a site errs towards
     * allowing it. Refused beyond the allowance like the work that would follow it. (The
     * thermodynamics refuse from the lattice's description before building: the transfer
     * matrix's estimate counts its sites, enumeration its spin limit.) */
    const double build = 50e-9 * (double)sp.rows * (double)sp.cols;
    if (!lattice_only && build > io.pw.max_seconds) {
        char when[64];
        cli_format_seconds(build, when, sizeof when);
        rc = cli_fail(EXIT_USAGE, "ising: building the bonds of %zu x %zu sites would take about %s, "
                      "over --max-seconds %g; use a smaller --size or raise --max-seconds",
                      sp.rows, sp.cols, when, io.pw.max_seconds);
    } else if (lattice_only) {
        rc = pairwise_run_lattice(ctx, &sp, desc, &io.pw);
    } else {
        zs_status st = zs_pairwise_alloc_lattice(ctx, &sp, &m);
        rc = st != ZS_OK ? cli_status(ctx, st) : pairwise_run(ctx, m, desc, &io.pw, io.sample);
    }
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
    return rc;
}
