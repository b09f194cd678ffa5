/* rbm_cli.h — what the zsum rbm subcommands share: the parsed options (cmd_rbm.c parses them
 * from one table), data loading, the context set-up and tear-down, and the subcommands' runs
 * (rbm_logz.c: logz and loglik; rbm_train.c: train; rbm_sample.c: sample, filters, transform). */
#ifndef ZSUM_PROGRAMS_RBM_CLI_H
#define ZSUM_PROGRAMS_RBM_CLI_H

#include "cli.h"
#include "result.h"

#include <stddef.h>
#include <stdint.h>

enum { LOGZ = 1, LOGLIK = 2, TRAIN = 4, SAMPLE = 8, FILTERS = 16, TRANSFORM = 32 };

typedef struct opts {
    int sub;
    const char *model, *data, *out, *resume, *log, *heldout, *init;
    int exact, ais, quiet, monitor_ais;
    cli_format format;
    uint64_t chains;
    const char *schedule;
    const char *base;
    const char *reverse;      /* --reverse pt|none|data:FILE (AIS's upper side)           */
    uint64_t pt_temperatures, pt_sweeps;
    uint64_t seed;
    int have_seed, have_base;
    double pseudocount;
    const char *binarize;
    double max_seconds;
    long threads;
    uint64_t hidden, epochs, batch, k, n, steps;
    int persistent, have_cd, have_pcd;
    const char *ais_option; /* the first AIS-only option given (refused with --exact) */
    double lr, momentum, weight_decay, init_std;
    uint64_t shape[2];
    int have_shape;
    long scale;     /* --scale K, 0 when not given */
    int help;       /* the help was printed: nothing to run */
    int argc;       /* the command line from "rbm" on, for the resume command */
    char **argv;
} opts;


/* Binary data rows, one byte a value (zs_data_load_binary). */
typedef struct data_rows {
    uint8_t *x;
    size_t n, d;
} data_rows;

/* Load DATA (with an optional row range FILE:START:END) as N x nv binary rows (nv = 0: any
 * width), binarized by --binarize. */
int rbm_load_data(zs_ctx *ctx, const opts *o, const char *path, size_t nv, data_rows *out);
/* A context with the threads, the seed (drawn when not given) and the progress bar of o. */
int rbm_setup(opts *o, zs_ctx **ctx);
/* Free what a run holds and pass rc through. */
int rbm_finish(zs_ctx *ctx, zs_rbm *rbm, zs_array *data, int rc);
int rbm_load_model(zs_ctx *ctx, const char *path, zs_rbm **rbm);

/* ln Z by the method of o (exact, or AIS with its base and schedule). stored: the model's
 * train_data_frequency for --base stored (NULL when it has none). */
int rbm_compute_logz(zs_ctx *ctx, const opts *o, const zs_rbm *rbm, const double *stored, lnz_result *r);
extern const cli_command rbm_command;

int rbm_logz(opts *o);      /* logz and loglik */
int rbm_train(opts *o);
int rbm_images(opts *o);    /* sample and filters */
int rbm_transform(opts *o);

#endif
