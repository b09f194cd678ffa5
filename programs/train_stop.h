/* train_stop.h — a training command's clean stop on SIGINT or SIGTERM (zsum rbm train, zsum
 * dbm train): the handler only records the signal, the command finishes the epoch in progress
 * and its atomic checkpoint, then says where the checkpoint is, prints the command that
 * resumes, and exits with the shell's status for that signal (130, 143). */
#ifndef ZSUM_PROGRAMS_TRAIN_STOP_H
#define ZSUM_PROGRAMS_TRAIN_STOP_H

#include "cli.h"

#include <stdint.h>

/* Catch SIGINT and SIGTERM from now on. SA_RESETHAND: a second signal ends the process at
 * once, which is safe too since every checkpoint is replaced atomically. */
void train_stop_catch(void);
/* The signal caught since train_stop_catch, or 0. */
int train_stop_signal(void);
/* The run's command line as the resume command needs it: argv from the command's name on
 * ("rbm train ..."), the table that says which options take a value, the seed (added when it
 * was drawn, have_seed 0) and the model file, given again to --resume. */
typedef struct train_stop_cmdline {
    int argc;
    char **argv;
    const cli_command *command;
    int have_seed;
    uint64_t seed;
    const char *out;
} train_stop_cmdline;
/* After the checkpoint of epoch done (of epochs): "zsum: SIGINT: stopped after epoch D of E;
 * the checkpoint is OUT. To resume:" and the command on stderr. Returns 128 + the signal. */
int train_stop_report(const train_stop_cmdline *c, uint64_t done, uint64_t epochs);
/* The same after a stage's checkpoint: "stopped after STAGE D of E" (e.g. "pretraining epoch"). */
int train_stop_report_stage(const train_stop_cmdline *c, const char *stage, uint64_t done, uint64_t epochs);

/* --resume of a checkpoint that has already run done epochs: --epochs (the total) below done
 * is refused (EXIT_USAGE, naming both counts); equal to done (a run killed after its last
 * checkpoint, resumed) leaves nothing to train: a note on stderr and EXIT_OK, and the command
 * prints the checkpoint's model with its per-epoch figures absent. */
int train_resume_left(const char *path, uint64_t done, uint64_t epochs);

#endif
