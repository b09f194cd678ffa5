/* bm_cli.h — zsum bm train: the parsed options (cmd_bm.c parses them) and the training run
 * (bm_train.c). */
#ifndef ZSUM_PROGRAMS_BM_CLI_H
#define ZSUM_PROGRAMS_BM_CLI_H

#include "cli.h"

#include <stddef.h>
#include <stdint.h>

typedef struct bm_train_opts {
    const char *data, *out, *resume, *heldout, *log, *plot, *binarize;
    zs_bm_negative negative;
    uint64_t epochs, batch, chains, gibbs_steps, mf_iterations, seed;
    double lr, lr_decay, momentum, weight_decay, mf_tolerance, max_seconds;
    int have_seed, quiet;
    long threads;
    cli_format format;
    int argc;       /* the command line from "bm" on, for the resume command */
    char **argv;
} bm_train_opts;

/* The table of zsum bm train (its options and synopsis), for the resume command. */
extern const cli_command bm_train_command;

/* zsum bm train: the result on cli_out(); an exit code. */
int bm_train(const bm_train_opts *o, zs_ctx *ctx);

#endif
