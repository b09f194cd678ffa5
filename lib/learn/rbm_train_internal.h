/* rbm_train_internal.h — what a training checkpoint holds of a zs_rbm_trainer
 * (lib/learn/rbm_cd.c), for the file code that writes and reads it (lib/io/rbm_npz.c). The
 * trainer's other fields stay private to rbm_cd.c. */
#ifndef ZSUM_LEARN_RBM_TRAIN_INTERNAL_H
#define ZSUM_LEARN_RBM_TRAIN_INTERNAL_H

#include "models/rbm_internal.h"

/* Pointers into the trainer's arrays (resume writes through them) and its progress. */
typedef struct rbm_trainer_view {
    zs_ctx *ctx;
    size_t nv, nh;
    const zs_rbm_train_opts *opts;
    float *w, *a, *b;       /* (nv, nh), (nv), (nh) parameters                              */
    float *vw, *va, *vb;    /* their velocities                                             */
    float *chains;          /* (opts->batch, nv) PCD visible states                         */
    const double *freq;     /* (nv) (count_i + 1) / (n + 2) of the training data            */
    uint64_t epoch;         /* epochs done                                                  */
    int chains_ready;       /* the PCD chains have been started                             */
} rbm_trainer_view;

/* A uniform permutation of 0..n-1 into p, by Fisher-Yates from zs_rng(seed, stream): the order
 * of an epoch's rows (lib/learn/rbm_cd.c; the DBM trainer's too). */
void learn_shuffle(size_t *p, size_t n, uint64_t seed, uint64_t stream);

void rbm_trainer_state(const zs_rbm_trainer *t, rbm_trainer_view *v);
/* Sets the progress read from a checkpoint. */
void rbm_trainer_set_progress(zs_rbm_trainer *t, uint64_t epoch, int chains_ready);

#endif
