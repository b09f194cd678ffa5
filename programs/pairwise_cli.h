/* pairwise_cli.h — the pairwise-model options and run shared by zsum ising and zsum bm
 * (programs/pairwise_cli.c). */
#ifndef ZSUM_PROGRAMS_PAIRWISE_CLI_H
#define ZSUM_PROGRAMS_PAIRWISE_CLI_H

#include "cli.h"

/* Options shared by zsum ising and zsum bm. */
typedef struct pairwise_opts {
    double beta;
    int beta_set, temp_set;
    zs_pairwise_thermo_opts thermo;   /* --method */
    int dos;
    cli_sweep sweep;                  /* --sweep (sweep.active when given)                  */
    const char *plot, *uai;
    const char *approx; /* --approx METHOD: an approximation of ln Z instead (zsum uai's) */
    cli_format format;
    zs_mcmc_kind kind;
    uint64_t sweeps, burnin, chains, seed;
    double max_seconds; /* refuse sampling or enumeration estimated to take longer */
    int seed_set, threads, quiet, help;
} pairwise_opts;
/* The modes: the exact computation (ising, bm lnz) and the sampler (ising sample, bm sample). */
enum { PW_EXACT = 1, PW_SAMPLE = 2 };
/* Option ids shared by ising and bm (their own start at PW_OWN). */
enum { PW_BETA = 1, PW_TEMP, PW_METHOD, PW_DOS, PW_SWEEP, PW_PLOT, PW_FORMAT, PW_UAI, PW_ALGO,
       PW_SWEEPS, PW_BURNIN, PW_CHAINS, PW_SEED, PW_THREADS, PW_MAXSEC, PW_QUIET, PW_APPROX,
       PW_OWN = 100 };
/* The table entries both commands share (their --method and --seed differ and are their own). */
#define PAIRWISE_OPTIONS                                                                          \
    {PW_BETA, "--beta", 'b', "B", 0, 0, "inverse temperature (default 1)"},                      \
    {PW_TEMP, "--temperature", 'T', "T", 0, 0, "temperature, instead of --beta (T > 0)"},        \
    {PW_DOS, "--dos", 0, NULL, PW_EXACT, 0, "exact density of states (integer couplings and fields)"}, \
    {PW_SWEEP, "--sweep", 0, "T:LO:HI:P", 0, 0,                                                   \
     "ln Z, U, F, S, C, M, chi at P temperatures (or beta:LO:HI:P);\n"                            \
     "with sample: the sampler at each, with errors, tau, R-hat"},                              \
    {PW_PLOT, "--plot", 0, "FILE", PW_EXACT, 0, "plot u, c, s of the sweep (.png or .svg)"},      \
    {PW_UAI, "--write-uai", 0, "FILE", PW_EXACT, 0,                                               \
     "write the model at beta as a UAI MARKOV network; stderr gives\n"                            \
     "its energy offset E0: ln Z = ln Z(FILE) - beta E0"},                                       \
    {PW_APPROX, "--approx", 0, "METHOD", PW_EXACT, 0,                                             \
     "approximate ln Z instead, labelled with what it guarantees, as\n"                          \
     "zsum uai --approx: mf | bp | trw | mbe | gbp | auto (defaults of zsum uai)"},               \
    {PW_ALGO, "--algorithm", 0, "A", PW_SAMPLE, 0, "metropolis (default) | heatbath | wolff"},    \
    {PW_SWEEPS, "--sweeps", 0, "N", PW_SAMPLE, 0, "sweeps per chain after the burn-in (default 10000; >= 32)"}, \
    {PW_BURNIN, "--burnin", 0, "N", PW_SAMPLE, 0, "sweeps discarded first (default 1000)"},      \
    {PW_CHAINS, "--chains", 0, "K", PW_SAMPLE, 0, "independent chains (1..100000, default 4)"},   \
    {PW_MAXSEC, "--max-seconds", 0, "T", 0, 0,                                                    \
     "refuse a run whose estimated time is longer (default 3600): sampling,\n"                   \
     "exact enumeration or transfer matrix, a whole --sweep"},                                    \
    {PW_FORMAT, "--format", 0, "F", 0, 0, "table (default) | json | csv"},                        \
    {PW_THREADS, "--threads", 0, "N", 0, 0, "threads (1..1024; default: all)"},                  \
    {PW_QUIET, "--quiet", 'q', NULL, 0, 0, "no progress bar"}

void pairwise_opts_init(pairwise_opts *o);
/* The inverse temperature of --sweep's point i (0..points-1), evenly spaced in T or beta;
 * *t (when not NULL) its temperature, as given for a T sweep. */
double pairwise_sweep_beta(const pairwise_opts *o, long i, double *t);
/* A shared option (PW_*) with its value: an exit code. */
int pairwise_opt(int id, const char *arg, pairwise_opts *o);
/* An option of the other mode, refused naming the mode (cli_command.refuse). */
int pairwise_refuse(const cli_args *a, const cli_option *o);
/* Cross-option checks after parsing: an exit code. */
int pairwise_check(pairwise_opts *o, int sample);
/* The sampler's run and output (pairwise_sample.c); an exit code. */
int pairwise_run_sample(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o);
/* Run the exact computation or the sampler and write the results; returns an exit code. */
int pairwise_run(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o,
                 int sample);
/* The exact run on the lattice spec describes, without a model of its own (zsum ising with no
 * --dos, --write-uai or --approx): the closed forms need none (zs_lattice_thermo_compute). */
int pairwise_run_lattice(zs_ctx *ctx, const zs_lattice_spec *spec, const char *desc, pairwise_opts *o);

#endif
