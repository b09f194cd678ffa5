/* bm_train_internal.h — what a training checkpoint holds of a zs_bm_trainer
 * (lib/learn/bm_train.c), for the file code that writes and reads it (lib/io/bm_train_npz.c). */
#ifndef ZSUM_LEARN_BM_TRAIN_INTERNAL_H
#define ZSUM_LEARN_BM_TRAIN_INTERNAL_H

#include "core/internal.h"

/* Pointers into the trainer's arrays (resume writes through them) and its progress. */
typedef struct bm_trainer_view {
    zs_ctx *ctx;
    size_t units;
    const zs_bm_train_opts *opts;  /* AUTO resolved                                  */
    double *w, *b;                 /* (units, units), (units) the parameters          */
    double *vw, *vb;               /* their velocities                                */
    uint8_t *chains;               /* (opts->chains, units) persistent states          */
    double *mean_field;            /* (units) the model's mean field                   */
    uint64_t epoch;                /* epochs done                                      */
} bm_trainer_view;

void bm_trainer_state(const zs_bm_trainer *t, bm_trainer_view *v);
void bm_trainer_set_epoch(zs_bm_trainer *t, uint64_t epoch);

#endif
