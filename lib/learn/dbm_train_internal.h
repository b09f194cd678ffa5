/* dbm_train_internal.h — what a training checkpoint holds of a zs_dbm_trainer
 * (lib/learn/dbm_train.c) and of a zs_dbm_pretrainer (lib/learn/dbm_train_pre.c), for the file
 * code that writes and reads them (lib/io/dbm_npz.c, dbm_npz_pre.c), and the random streams the
 * two share. */
#ifndef ZSUM_LEARN_DBM_TRAIN_INTERNAL_H
#define ZSUM_LEARN_DBM_TRAIN_INTERNAL_H

#include "models/dbm_internal.h"

/* Stream ids: disjoint ranges by their top bits. */
#define ID_ORDER (1ULL << 62)
#define ID_GIBBS (1ULL << 61)
#define ID_INIT (1ULL << 60)
#define ID_PRE (1ULL << 59)
#define ID_PIXELS (1ULL << 58) /* resampled pixels: pretraining; + ID_PIXELS_JOINT: joint training */
#define ID_PIXELS_JOINT (1ULL << 57)

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

/* Pointers into a pretrainer's state (resume writes through them). RBM l (1 <= l <= L) is
 * trained on n rows of n[l-1] units; those of RBM l > 1 are drawn from RBM l-1, so they are
 * not state: dbm_pretrainer_redraw draws them again from the data after a resume. */
typedef struct dbm_pretrainer_view {
    zs_ctx *ctx;
    const zs_dbm_pretrain_opts *opts;
    size_t L;
    const size_t *sizes;                  /* n_0..n_L                                     */
    const size_t *count;                  /* [l]: RBM l's epochs in this run               */
    size_t *layer;                        /* the RBM in training (1..L)                   */
    size_t *done;                         /* [l]: epochs done of RBM l (l <= *layer)       */
    double **w, **a, **b;                 /* [l]: RBM l's W (n_{l-1}, n_l), a, b            */
    double *vw, *va, *vb;                 /* the velocities of RBM *layer                  */
} dbm_pretrainer_view;

void dbm_pretrainer_state(zs_dbm_pretrainer *p, dbm_pretrainer_view *v);
/* The rows of RBM *layer drawn again from the data and RBMs 1..*layer-1 (after a resume). */
void dbm_pretrainer_redraw(zs_dbm_pretrainer *p);

#endif
