/* pairwise_cli.h — the pairwise-model options and run shared by zsum ising and zsum bm
 * (programs/pairwise_cli.c). */
#ifndef ZSUM_PROGRAMS_PAIRWISE_CLI_H
#define ZSUM_PROGRAMS_PAIRWISE_CLI_H

#include "cli.h"

#include <getopt.h>

/* Options shared by zsum ising and zsum bm. */
typedef struct pairwise_opts {
    double beta;
    int beta_set, temp_set;
    zs_pairwise_method method;
    int dos;
    int sweep, sweep_by_beta;
    double sweep_lo, sweep_hi;
    long sweep_points;
    const char *plot, *uai;
    cli_format format;
    zs_mcmc_kind kind;
    uint64_t sweeps, burnin, chains, seed;
    int seed_set, threads, quiet;
    const char *exact_opt, *sample_opt;   /* first option given that only one mode reads */
} pairwise_opts;
enum { PW_METHOD = 300, PW_DOS, PW_SWEEP, PW_PLOT, PW_FORMAT, PW_UAI, PW_ALGO, PW_SWEEPS,
       PW_BURNIN, PW_CHAINS, PW_SEED, PW_THREADS };
#define PAIRWISE_LONGOPTS                                                                     \
    {"beta", required_argument, 0, 'b'}, {"temperature", required_argument, 0, 'T'},           \
        {"method", required_argument, 0, PW_METHOD}, {"dos", no_argument, 0, PW_DOS},          \
        {"sweep", required_argument, 0, PW_SWEEP}, {"plot", required_argument, 0, PW_PLOT},    \
        {"format", required_argument, 0, PW_FORMAT},                                           \
        {"write-uai", required_argument, 0, PW_UAI},                                           \
        {"algorithm", required_argument, 0, PW_ALGO},                                          \
        {"sweeps", required_argument, 0, PW_SWEEPS},                                           \
        {"burnin", required_argument, 0, PW_BURNIN},                                           \
        {"chains", required_argument, 0, PW_CHAINS}, {"seed", required_argument, 0, PW_SEED},  \
        {"threads", required_argument, 0, PW_THREADS}, {"quiet", no_argument, 0, 'q'}
void pairwise_opts_init(pairwise_opts *o);
/* 1: option handled, 0: bad value (message printed), -1: not a shared option. */
int pairwise_opt(int c, const char *arg, pairwise_opts *o);
/* Cross-option checks after parsing; 0 (message printed) when they fail. */
int pairwise_check(pairwise_opts *o, int sample);
/* Run the exact computation or the sampler and write the results; returns an exit code. */
int pairwise_run(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o,
                 int sample);

#endif
