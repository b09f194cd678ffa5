/* dbm_cli.h — what the zsum dbm subcommands share: the parsed options (cmd_dbm.c parses
 * them), data loading, ln Z and the log-likelihood (dbm_lnz.c), the training run
 * (dbm_train.c) and sampling (dbm_sample.c). */
#ifndef ZSUM_PROGRAMS_DBM_CLI_H
#define ZSUM_PROGRAMS_DBM_CLI_H

#include "cli.h"

#include <stddef.h>
#include <stdint.h>

enum { LNZ = 1, LOGLIK = 2, TRAIN = 4, SAMPLE = 8 };

/* --monitor: what dbm train measures after each epoch (docs/dbm.md, "What each epoch reports").
 * FULL: the exact figures when affordable, the mean-field bound and the Bethe value of ln Z;
 * BASIC: all but the Bethe value; NONE: nothing beyond the epoch's mean bound; AUTO: FULL up to
 * MONITOR_FULL_COUPLINGS couplings, else BASIC. */
enum { MONITOR_AUTO = 0, MONITOR_FULL, MONITOR_BASIC, MONITOR_NONE };
#define MONITOR_FULL_COUPLINGS 131072

typedef struct dbm_opts {
    int sub;
    const char *model, *data, *out, *resume, *heldout, *log, *plot;
    zs_dbm_negative negative;
    int exact, ais, quiet;
    cli_format format;
    uint64_t chains, seed, mf_iterations;
    int have_seed, have_base, have_chains;
    const char *schedule, *base, *binarize, *ais_option;
    double pseudocount, max_seconds, mf_tolerance;
    long threads;
    /* train */
    size_t hidden[64], nhidden;
    uint64_t epochs, batch, gibbs_steps;
    uint64_t pretrain_epochs[64]; /* one count, or one per hidden layer */
    size_t npretrain_epochs;
    double lr, pretrain_lr, lr_decay, momentum, weight_decay;
    double lr_divisor, lr_min, pretrain_weight_decay; /* the last NaN: --weight-decay's */
    double sparsity_cost, sparsity_damping, sparsity_target[64];
    size_t nsparsity_target;
    int have_sparsity_target, have_pretrain_epochs;
    const char *init_model; /* joint training from this model instead of pretraining */
    int monitor;            /* train's per-epoch monitor: MONITOR_* (dbm_train.c) */
    const char *preset;
    uint64_t pretrain_cd_epochs; /* --pretrain-cd-epochs S (0: CD-1)                       */
    int resample_grey;           /* the preset's: grey data without --binarize are resampled */
    int resample;                /* the run resamples (dbm_train.c decides on the data)     */
    /* the reverse side of AIS (lnz, loglik) */
    const char *reverse;
    int have_reverse;
    uint64_t pt_temperatures, pt_sweeps;
    /* sample */
    uint64_t steps, shape[2];
    int have_shape;
    long scale;
    const char *init;
    int argc;       /* the command line from "dbm" on, for the resume command */
    char **argv;
} dbm_opts;

extern const cli_command dbm_command;

/* A documented training recipe (dbm_presets.c): the values --preset NAME gives the options
 * that are not on the command line. */
typedef struct dbm_preset {
    const char *name, *source;
    uint64_t epochs, pretrain_epochs[2];
    size_t npretrain_epochs;
    double pretrain_lr, pretrain_weight_decay;
    uint64_t batch;
    double lr, lr_divisor, lr_min, momentum, weight_decay;
    uint64_t chains, gibbs_steps, mf_iterations;
    double mf_tolerance;
    double sparsity_target[2];
    size_t nsparsity_target;
    double sparsity_cost, sparsity_damping;
    uint64_t pretrain_cd_epochs;
    int resample_grey;
} dbm_preset;
/* The preset of that name, or NULL; the known names, comma-separated. */
const dbm_preset *dbm_preset_find(const char *name);
const char *dbm_preset_names(void);

/* Binary rows of path (n x nv; nv = the model's visible units, or 0 for any width, then *d). */
int dbm_load_rows(zs_ctx *ctx, const dbm_opts *o, const char *path, size_t nv, uint8_t **x,
                  size_t *n, size_t *width);
/* zsum dbm lnz and loglik: the result on cli_out(); an exit code. */
int dbm_lnz(const dbm_opts *o, zs_ctx *ctx);
int dbm_train(dbm_opts *o, zs_ctx *ctx);
/* zsum dbm sample (dbm_sample.c): the samples written to o->out; an exit code. */
int dbm_sample(const dbm_opts *o, zs_ctx *ctx);

#endif
