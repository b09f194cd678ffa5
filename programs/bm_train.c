/* bm_train.c — zsum bm train: a fully visible Boltzmann machine trained with checkpoints,
 * resume, a per-epoch report on stderr, a JSON-lines log, a plot and clean stops on signals
 * (docs/ising.md, "Training a Boltzmann machine"); the conventions of zsum dbm train. */
#include "bm_cli.h"
#include "result.h"
#include "train_plot.h"
#include "train_stop.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static zs_bm_negative resolved(zs_bm_negative n) {
    return n == ZS_BM_NEGATIVE_AUTO ? ZS_BM_NEGATIVE_PERSISTENT : n;
}

/* One training run: what its steps share; seconds and m are the last epoch's. */
typedef struct train_run {
    zs_ctx *ctx;
    const bm_train_opts *o;
    zs_bm_trainer *t;
    size_t units;
    const uint8_t *mon; /* the monitor rows: --heldout, else DATA */
    size_t nmon;
    double *w, *b;      /* (units x units), (units): the parameters measured */
    train_history hist;
    double seconds;
    zs_bm_monitor m;
} train_run;

/* The trainer's parameters measured into r->m. */
static int measure(train_run *r) {
    zs_bm_trainer_get(r->t, r->w, r->b);
    zs_status st = zs_bm_monitor_compute(r->ctx, r->units, r->w, r->b, r->mon, r->nmon, r->o->max_seconds, &r->m);
    return st == ZS_OK ? EXIT_OK : cli_status(r->ctx, st);
}

/* The epoch's line of --log (train_plot.c). */
static int log_epoch(FILE *logf, const train_run *r) {
    const zs_bm_monitor *m = &r->m;
    train_log_line e = {zs_bm_trainer_epochs_done(r->t), 0, NAN, m->lnz, m->lnz_mf, m->lnz_bethe,
                        m->bethe_converged, m->loglik, NAN, r->seconds};
    return train_log_write(logf, r->o->log, &e);
}

/* The epoch's line on stderr. */
static void report(const train_run *r) {
    const zs_bm_monitor *m = &r->m;
    char b[5][32];
    fprintf(stderr, "epoch %llu/%llu: lnZ %s (mean field %s, Bethe %s) loglik %s (%s s)\n",
            (unsigned long long)zs_bm_trainer_epochs_done(r->t), (unsigned long long)r->o->epochs,
            cli_num_or_dash(b[0], m->lnz), cli_num_or_dash(b[1], m->lnz_mf), cli_num_or_dash(b[2], m->lnz_bethe),
            cli_num_or_dash(b[3], m->loglik), cli_num(b[4], round(r->seconds * 100) / 100));
}

/* The epochs up to --epochs: each one trained, measured, reported on stderr, logged (logf, or
 * NULL) and saved to -o; after a stop signal, the resume command (train_stop.h). */
static int run_epochs(train_run *r, FILE *logf) {
    const bm_train_opts *o = r->o;
    while (zs_bm_trainer_epochs_done(r->t) < o->epochs) {
        const double t0 = zs_monotonic_seconds();
        progress_label("epoch %llu/%llu", (unsigned long long)zs_bm_trainer_epochs_done(r->t) + 1,
                       (unsigned long long)o->epochs);
        zs_status st = zs_bm_trainer_epoch(r->t);
        if (st != ZS_OK) return cli_status(r->ctx, st);
        r->seconds = zs_monotonic_seconds() - t0;
        int rc = measure(r);
        if (rc != EXIT_OK) return rc;
        train_history_add(&r->hist, zs_bm_trainer_epochs_done(r->t), r->m.lnz, r->m.lnz_mf, r->m.lnz_bethe,
                          r->m.loglik);
        progress_finish();
        if (!o->quiet) report(r);
        if (logf && (rc = log_epoch(logf, r)) != EXIT_OK) return rc;
        st = zs_bm_trainer_save(r->t, o->out);
        if (st != ZS_OK) return cli_status(r->ctx, st);
        if (train_stop_signal() && zs_bm_trainer_epochs_done(r->t) < o->epochs) {
            progress_finish();
            const train_stop_cmdline c = {o->argc, o->argv, &bm_train_command, o->have_seed, o->seed, o->out};
            return train_stop_report(&c, zs_bm_trainer_epochs_done(r->t), o->epochs);
        }
    }
    return EXIT_OK;
}

/* The run's result: the last epoch's figures and where the model is. */
static void print_result(const train_run *r, size_t rows, double start) {
    const bm_train_opts *o = r->o;
    const zs_bm_monitor *m = &r->m;
    result res;
    result_init(&res);
    result_u64(&res, "units", r->units);
    result_u64(&res, "rows", rows);
    result_u64(&res, "epoch", zs_bm_trainer_epochs_done(r->t));
    result_str(&res, "negative", zs_bm_negative_name(resolved(o->negative)));
    result_num(&res, "lnZ", m->lnz);
    result_num(&res, "lnZ_mf", m->lnz_mf)->comment = "mean-field lower bound";
    result_num(&res, "lnZ_bethe", m->lnz_bethe);
    if (isnan(m->lnz_bethe)) result_absent(&res, "bethe_converged"); /* no epoch measured */
    else result_bool(&res, "bethe_converged", m->bethe_converged);
    result_num(&res, "loglik", m->loglik)->comment = o->heldout ? "--heldout rows" : "training rows";
    result_num(&res, "epoch_seconds", r->seconds);
    result_num(&res, "total_seconds", zs_monotonic_seconds() - start);
    result_u64(&res, "seed", o->seed);
    result_str(&res, "model", o->out);
    result_write(cli_out(), o->format, &res, 16);
    result_free(&res);
}

/* The exact negative phase refused before any work when an epoch of it is estimated beyond
 * --max-seconds. */
static int exact_affordable(zs_ctx *ctx, const bm_train_opts *o, size_t units, size_t n) {
    if (resolved(o->negative) != ZS_BM_NEGATIVE_EXACT || units > ZS_BM_NEGATIVE_EXACT_MAX) return EXIT_OK;
    const size_t B = o->batch < n ? (size_t)o->batch : n;
    const double ups = ceil((double)n / (double)B), secs = ups * zs_bm_moments_seconds(ctx, units);
    if (secs <= o->max_seconds) return EXIT_OK;
    char when[96];
    cli_format_seconds_on(secs, zs_bm_moments_threads(ctx, units), when, sizeof when);
    return cli_usage("bm train: the exact negative phase enumerates 2^%zu states at each of %.0f updates "
                     "an epoch, about %s for an epoch, over --max-seconds %g; raise --max-seconds, use a "
                     "larger --batch, or --negative persistent|mean-field", units, ups, when, o->max_seconds);
}

/* The trainer, resumed when asked, and the --log file. */
static int start(train_run *r, const uint8_t *data, size_t n, FILE **logf) {
    const bm_train_opts *o = r->o;
    zs_bm_train_opts to;
    zs_bm_train_defaults(&to);
    to.negative = o->negative;
    to.batch = (size_t)o->batch;
    to.lr = o->lr;
    to.lr_decay = o->lr_decay;
    to.momentum = o->momentum;
    to.weight_decay = o->weight_decay;
    to.chains = (size_t)o->chains;
    to.gibbs_steps = (size_t)o->gibbs_steps;
    to.mf_iterations = (size_t)o->mf_iterations;
    to.mf_tolerance = o->mf_tolerance;
    to.seed = o->seed;
    int rc = exact_affordable(r->ctx, o, r->units, n);
    if (rc != EXIT_OK) return rc;
    zs_status st = zs_bm_trainer_alloc(r->ctx, r->units, NULL, NULL, &to, data, n, &r->t);
    if (st == ZS_OK && o->resume) st = zs_bm_trainer_resume(r->t, o->resume);
    if (st != ZS_OK) return cli_status(r->ctx, st);
    if (o->resume && (rc = train_resume_left(o->resume, zs_bm_trainer_epochs_done(r->t), o->epochs)) != EXIT_OK)
        return rc;
    r->w = malloc(r->units * r->units * sizeof *r->w);
    r->b = malloc(r->units * sizeof *r->b);
    if (!r->w || !r->b) return cli_fail(EXIT_NOMEM, "out of memory");
    if (!o->resume) {
        /* epoch 0, the start, for the stderr report and the plot */
        if ((rc = measure(r)) != EXIT_OK) return rc;
        train_history_add(&r->hist, 0, r->m.lnz, r->m.lnz_mf, r->m.lnz_bethe, r->m.loglik);
        if (!o->quiet) report(r);
    }
    if (o->log) {
        /* a resumed run appends; a new one starts the log afresh */
        *logf = fopen(o->log, o->resume ? "a" : "w");
        if (!*logf) return cli_fail(EXIT_USAGE, "--log: cannot open '%s': %s", o->log, strerror(errno));
    }
    return EXIT_OK;
}

int bm_train(const bm_train_opts *o, zs_ctx *ctx) {
    const double start_time = zs_monotonic_seconds();
    uint8_t *data = NULL, *held = NULL;
    size_t n = 0, nv = 0, nheld = 0;
    int rc = cli_load_rows(ctx, o->data, o->binarize, o->seed, 0, &data, &n, &nv);
    if (rc == EXIT_OK && o->heldout) rc = cli_load_rows(ctx, o->heldout, o->binarize, o->seed, nv, &held, &nheld, NULL);
    train_run r = {.ctx = ctx, .o = o, .units = nv, .mon = held ? held : data, .nmon = held ? nheld : n,
                   .m = {(double)NAN, (double)NAN, (double)NAN, 0, (double)NAN}};
    FILE *logf = NULL;
    /* SIGINT or SIGTERM from here on stops after the next epoch's checkpoint */
    if (rc == EXIT_OK) train_stop_catch();
    if (rc == EXIT_OK) rc = start(&r, data, n, &logf);
    if (rc == EXIT_OK) rc = run_epochs(&r, logf);
    if (logf && fclose(logf) != 0 && rc == EXIT_OK) rc = cli_fail(EXIT_RUNTIME, "--log: cannot write '%s'", o->log);
    progress_finish();
    if (rc == EXIT_OK && o->plot)
        rc = train_history_draw(&r.hist, "bm", zs_bm_negative_name(resolved(o->negative)), o->seed,
                                "epoch (0: the start)", "mean ln p(x)", o->plot);
    if (rc == EXIT_OK) print_result(&r, n, start_time);
    free(r.hist.rows);
    free(r.w);
    free(r.b);
    zs_bm_trainer_free(r.t);
    free(data);
    free(held);
    return rc;
}
