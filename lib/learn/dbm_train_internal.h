/* dbm_train_internal.h — what a training checkpoint holds of a zs_dbm_trainer
 * (lib/learn/dbm_train.c), for the file code that writes and reads it (lib/io/dbm_npz.c). */
#ifndef ZSUM_LEARN_DBM_TRAIN_INTERNAL_H
#define ZSUM_LEARN_DBM_TRAIN_INTERNAL_H

#include "models/dbm_internal.h"

/* Pointers into the trainer's arrays (resume writes through them) and its progress. */
typedef struct dbm_trainer_view {
    zs_ctx *ctx;
    zs_dbm *model;                        /* the current parameters                       */
    const zs_dbm_train_opts *opts;
    double *vw[ZS_DBM_MAX_LAYERS + 1];    /* velocities of W^l (l >= 1) and b^l           */
    double *vb[ZS_DBM_MAX_LAYERS + 1];
    uint8_t *chains;                      /* (opts->chains, units) persistent states       */
    double *mean_field;                   /* (units) the model's mean field                */
    double *sparsity_means;               /* (units) hidden units' running mean activation  */
    size_t units;                         /* dbm_units(model)                             */
    uint64_t epoch;                       /* epochs done                                  */
} dbm_trainer_view;

void dbm_trainer_state(const zs_dbm_trainer *t, dbm_trainer_view *v);
void dbm_trainer_set_epoch(zs_dbm_trainer *t, uint64_t epoch);

#endif
