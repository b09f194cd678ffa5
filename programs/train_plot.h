/* train_plot.h — what zsum dbm train and zsum bm train share about their per-epoch figures: the
 * history of ln Z (exact, mean-field, Bethe) and the log-likelihood that --plot draws, and the
 * "-" of a figure not measured. */
#ifndef ZSUM_PROGRAMS_TRAIN_PLOT_H
#define ZSUM_PROGRAMS_TRAIN_PLOT_H

#include "cli.h"

#include <stdint.h>

typedef struct train_history {
    double *rows; /* (n, 5): epoch, lnZ, lnZ_mf, lnZ_bethe, loglik */
    size_t n, cap;
    int failed;   /* a row could not be stored (out of memory): the plot is refused */
} train_history;

/* One epoch's figures (NaN where not measured). */
void train_history_add(train_history *h, uint64_t epoch, double lnz, double lnz_mf, double lnz_bethe,
                       double loglik);
/* ln Z exact, mean-field and Bethe on the left axis, the log-likelihood on the right, into
 * file (.png or .svg) titled "zsum CMD train: negative phase NEGATIVE, seed S"; xlabel names
 * the axis of epochs. An exit code. */
int train_history_draw(const train_history *h, const char *cmd, const char *negative, uint64_t seed,
                       const char *xlabel, const char *ylabel2, const char *file);
/* One epoch's figures as --log writes them. */
typedef struct train_log_line {
    uint64_t epoch;
    int has_dbm_keys;         /* dbm train's mf_bound and elbo (bm train has neither) */
    double mf_bound;
    double lnz, lnz_mf, lnz_bethe;
    int bethe_converged;      /* -1: the Bethe value was not computed (written as null) */
    double loglik, elbo, seconds;
} train_log_line;
/* The line (one JSON object) appended to logf, flushed and synced so that a killed run keeps
 * its epochs; path names the file in a message. An exit code. */
int train_log_write(FILE *logf, const char *path, const train_log_line *e);


#endif
