/* dbm_train.c — zsum dbm train: pretraining and joint training with checkpoints, resume, a
 * per-epoch report on stderr, a JSON-lines log and clean stops on signals (docs/dbm.md). */
#include "dbm_cli.h"
#include "result.h"
#include "train_plot.h"
#include "train_stop.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What an epoch's monitor measured; NaN where it was not affordable or not asked for
 * (bethe_converged -1: the Bethe value was not computed). */
typedef struct monitor {
    double lnz, loglik, elbo, lnz_mf, lnz_bethe;
    int bethe_converged;
} monitor;

/* --monitor auto resolved: the Bethe value's loopy BP updates every coupling's two messages
 * (four softplus terms) per sweep for up to 1,000 sweeps, and on a 784-500-1000 model
 * (892,000 couplings) it took 2.4 s of CPU an epoch (50 sweeps) where the mean-field bound took
 * 0.03 s: a third of a 1-epoch run (docs/dbm.md). Up to 2^17 couplings (the 16-8-8 models of
 * the claim, 784-100-200) it is computed by default. */
static int monitor_level(const dbm_opts *o, const zs_dbm *d) {
    if (o->monitor != MONITOR_AUTO) return o->monitor;
    double couplings = 0.0;
    for (size_t l = 1; l <= zs_dbm_layers(d); l++) couplings += (double)zs_dbm_size(d, l - 1) * (double)zs_dbm_size(d, l);
    return couplings <= MONITOR_FULL_COUPLINGS ? MONITOR_FULL : MONITOR_BASIC;
}

/* Per --monitor: the mean-field lower bound and (full) the Bethe value of ln Z; exact ln Z, and
 * the exact mean ln p(v) and mean-field bound of the monitor rows, each when its estimated time
 * is within max_seconds. */
static int measure(zs_ctx *ctx, const dbm_opts *o, const zs_dbm *d, const uint8_t *rows, size_t n,
                   monitor *m) {
    m->lnz = m->loglik = m->elbo = m->lnz_mf = m->lnz_bethe = (double)NAN;
    m->bethe_converged = -1;
    const int level = monitor_level(o, d);
    if (level == MONITOR_NONE) return EXIT_OK;
    zs_dbm_mf_opts mf;
    zs_dbm_mf_defaults(&mf);
    mf.max_iterations = 1000;
    zs_dbm_bethe_opts bo;
    zs_dbm_bethe_defaults(&bo);
    zs_status st = zs_dbm_lnz_mean_field(d, &mf, &m->lnz_mf, NULL, NULL);
    if (st == ZS_OK && level == MONITOR_FULL) st = zs_dbm_lnz_bethe(d, &bo, &m->lnz_bethe, NULL, &m->bethe_converged);
    if (st == ZS_ENUMERIC) m->lnz_bethe = (double)NAN, st = ZS_OK;
    if (st != ZS_OK) return cli_status(ctx, st);
    st = zs_dbm_lnz_exact(d, o->max_seconds, &m->lnz);
    if (st == ZS_ETOOBIG) return EXIT_OK;
    if (st != ZS_OK) return cli_status(ctx, st);
    double *u = malloc(n * sizeof *u);
    if (!u) return cli_fail(EXIT_NOMEM, "out of memory for %zu monitor rows", n);
    zs_dbm_mf_opts mo;
    zs_dbm_mf_defaults(&mo);
    mo.max_iterations = (size_t)o->mf_iterations;
    mo.tolerance = o->mf_tolerance;
    st = zs_dbm_mean_field(d, &mo, rows, n, u, NULL, NULL);
    if (st != ZS_OK) {
        free(u);
        return cli_status(ctx, st);
    }
    double s = 0.0;
    for (size_t q = 0; q < n; q++) s += u[q];
    m->elbo = s / (double)n - m->lnz;
    st = zs_dbm_unnorm_loglik_exact(d, rows, n, o->max_seconds, u);
    if (st == ZS_OK) {
        s = 0.0;
        for (size_t q = 0; q < n; q++) s += u[q];
        m->loglik = s / (double)n - m->lnz;
    }
    free(u);
    return st == ZS_OK || st == ZS_ETOOBIG ? EXIT_OK : cli_status(ctx, st);
}

/* One training run: what its steps share. bound, seconds and m are the last epoch's. */
typedef struct train_run {
    zs_ctx *ctx;
    const dbm_opts *o;
    zs_dbm *d;
    zs_dbm_trainer *t;
    const uint8_t *mon; /* the monitor rows: --heldout, else the first 1000 training rows */
    size_t nmon;
    train_history hist;
    double bound, seconds;
    monitor m;
} train_run;

/* RBM l's pretraining epochs (l = 1..nhidden): its own count, or the one count for all. */
static uint64_t pretrain_count(const dbm_opts *o, size_t l) {
    return o->pretrain_epochs[o->npretrain_epochs == 1 ? 0 : l - 1];
}

/* The pretraining options from the command's: one count per RBM. */
static void pretrain_opts(const dbm_opts *o, zs_dbm_pretrain_opts *po) {
    zs_dbm_pretrain_defaults(po);
    po->per_layer = 1;
    for (size_t l = 1; l <= o->nhidden; l++) po->layer_epochs[l] = (size_t)pretrain_count(o, l);
    po->batch = (size_t)o->batch;
    po->lr = o->pretrain_lr;
    po->weight_decay = isnan(o->pretrain_weight_decay) ? o->weight_decay : o->pretrain_weight_decay;
    po->seed = o->seed;
    po->cd_step_epochs = (size_t)o->pretrain_cd_epochs;
    po->resample = o->resample;
}

/* The pretraining epochs of every RBM together. */
static uint64_t pretrain_total(const dbm_opts *o) {
    uint64_t s = 0;
    for (size_t l = 1; l <= o->nhidden; l++) s += pretrain_count(o, l);
    return s;
}

/* The epochs of pretrainer p up to its total, each followed by its checkpoint to --out; after a
 * stop signal, the resume command. */
static int pretrain_epochs(train_run *r, zs_dbm_pretrainer *p) {
    const dbm_opts *o = r->o;
    const uint64_t total = zs_dbm_pretrainer_epochs(p);
    while (zs_dbm_pretrainer_epochs_done(p) < total) {
        progress_label("pretraining %llu/%llu", (unsigned long long)zs_dbm_pretrainer_epochs_done(p) + 1,
                       (unsigned long long)total);
        zs_status st = zs_dbm_pretrainer_epoch(p);
        if (st == ZS_OK) st = zs_dbm_pretrainer_save(p, o->out);
        if (st != ZS_OK) return cli_status(r->ctx, st);
        if (train_stop_signal()) {
            /* joint epochs are still to come even after the last pretraining epoch */
            progress_finish();
            const train_stop_cmdline c = {o->argc, o->argv, &dbm_command, o->have_seed, o->seed, o->out};
            return train_stop_report_stage(&c, "pretraining epoch", zs_dbm_pretrainer_epochs_done(p), total);
        }
    }
    progress_finish();
    return EXIT_OK;
}

/* Greedy layer-wise pretraining (continued from the checkpoint `from`, or from the start when
 * NULL), then the pretrained machine's monitor (epoch 0). */
static int pretrain(train_run *r, const uint8_t *data, size_t n, const char *from) {
    const dbm_opts *o = r->o;
    zs_dbm_pretrain_opts po;
    pretrain_opts(o, &po);
    zs_dbm_pretrainer *p = NULL;
    zs_status st = zs_dbm_pretrainer_alloc(r->ctx, r->d, &po, data, n, &p);
    if (st == ZS_OK && from) st = zs_dbm_pretrainer_resume(p, from);
    int rc = st == ZS_OK ? pretrain_epochs(r, p) : cli_status(r->ctx, st);
    if (rc == EXIT_OK && (st = zs_dbm_pretrainer_get(p, r->d)) != ZS_OK) rc = cli_status(r->ctx, st);
    zs_dbm_pretrainer_free(p);
    progress_finish();
    if (rc != EXIT_OK) return rc;
    monitor m;
    rc = measure(r->ctx, o, r->d, r->mon, r->nmon, &m);
    if (rc != EXIT_OK) return rc;
    char b[3][32], counts[64 * 24] = "";
    for (size_t q = 0, k = 0; q < o->npretrain_epochs && k < sizeof counts; q++)
        k += (size_t)snprintf(counts + k, sizeof counts - k, "%s%llu", q ? "," : "",
                              (unsigned long long)o->pretrain_epochs[q]);
    if (!o->quiet)
        fprintf(stderr, "pretrained (%s epochs %s): lnZ %s loglik %s elbo %s\n", counts,
                o->npretrain_epochs == 1 ? "a layer" : "by layer", cli_num_or_dash(b[0], m.lnz),
                cli_num_or_dash(b[1], m.loglik), cli_num_or_dash(b[2], m.elbo));
    train_history_add(&r->hist, 0, m.lnz, m.lnz_mf, m.lnz_bethe, m.loglik);
    return EXIT_OK;
}

/* --init-model: the parameters of that model (of the run's layer sizes) into r->d. */
static int init_from_model(train_run *r) {
    zs_dbm *m = NULL;
    zs_status st = zs_dbm_load(r->ctx, r->o->init_model, &m);
    if (st != ZS_OK) return cli_status(r->ctx, st);
    const size_t L = zs_dbm_layers(r->d);
    int same = zs_dbm_layers(m) == L;
    for (size_t l = 0; same && l <= L; l++) same = zs_dbm_size(m, l) == zs_dbm_size(r->d, l);
    if (!same) {
        zs_dbm_free(m);
        return cli_fail(EXIT_USAGE, "--init-model: '%s' has other layer sizes than the data and --hidden",
                        r->o->init_model);
    }
    for (size_t l = 0; l <= L; l++) {
        memcpy(zs_dbm_bias_mut(r->d, l), zs_dbm_bias(m, l), zs_dbm_size(m, l) * sizeof(double));
        if (l) memcpy(zs_dbm_w_mut(r->d, l), zs_dbm_w(m, l), zs_dbm_size(m, l - 1) * zs_dbm_size(m, l) * sizeof(double));
    }
    zs_dbm_free(m);
    return EXIT_OK;
}

/* The trainer's options from the command's. */
static void train_opts(const dbm_opts *o, zs_dbm_train_opts *to) {
    zs_dbm_train_defaults(to);
    to->batch = (size_t)o->batch;
    to->lr = o->lr;
    to->lr_decay = o->lr_decay;
    to->momentum = o->momentum;
    to->weight_decay = o->weight_decay;
    to->chains = (size_t)o->chains;
    to->gibbs_steps = (size_t)o->gibbs_steps;
    to->mf_iterations = (size_t)o->mf_iterations;
    to->mf_tolerance = o->mf_tolerance;
    to->seed = o->seed;
    to->negative = o->negative;
    to->lr_divisor = o->lr_divisor;
    to->lr_min = o->lr_min;
    to->sparsity_cost = o->sparsity_cost;
    to->sparsity_damping = o->sparsity_damping;
    for (size_t l = 1; l <= o->nhidden; l++)
        to->sparsity_target[l] = o->sparsity_target[o->nsparsity_target == 1 ? 0 : l - 1];
    to->resample = o->resample;
}

/* The training rows: binary (*data), or with --binarize resample, or a preset's resampling and
 * grey data without --binarize, their grey levels (*train, bytes 0..255, o->resample set) and
 * the rows sampled once from them (*data, for the monitor). *train is *data when binary. */
static int load_training(zs_ctx *ctx, dbm_opts *o, uint8_t **train, uint8_t **data, size_t *n, size_t *nv) {
    const int want = o->binarize && !strcmp(o->binarize, "resample");
    if (!want && !(o->resample_grey && !o->binarize)) {
        int rc = dbm_load_rows(ctx, o, o->data, 0, data, n, nv);
        *train = *data;
        return rc;
    }
    int binary = 0;
    int rc = cli_load_grey(ctx, o->data, train, n, nv, &binary);
    if (rc != EXIT_OK) return rc;
    if (binary && !want) { /* the preset on binary data: the rows as they are */
        free(*train);
        rc = dbm_load_rows(ctx, o, o->data, 0, data, n, nv);
        *train = *data;
        return rc;
    }
    o->resample = 1;
    return dbm_load_rows(ctx, o, o->data, *nv, data, n, NULL);
}

/* The epoch's line of --log (train_plot.c). */
static int log_epoch(FILE *logf, const train_run *r) {
    const monitor *m = &r->m;
    train_log_line e = {zs_dbm_trainer_epochs_done(r->t), 1, r->bound, m->lnz, m->lnz_mf,
                        m->lnz_bethe, m->bethe_converged, m->loglik, m->elbo, r->seconds};
    return train_log_write(logf, r->o->log, &e);
}

/* The epochs up to --epochs: each one trained, measured, reported on stderr, logged (logf, or
 * NULL) and saved to --out; after a stop signal, the resume command (train_stop.h). */
static int run_epochs(train_run *r, FILE *logf) {
    const dbm_opts *o = r->o;
    while (zs_dbm_trainer_epochs_done(r->t) < o->epochs) {
        const double t0 = zs_monotonic_seconds();
        progress_label("epoch %llu/%llu", (unsigned long long)zs_dbm_trainer_epochs_done(r->t) + 1,
                       (unsigned long long)o->epochs);
        zs_status st = zs_dbm_trainer_epoch(r->t, &r->bound);
        if (st != ZS_OK) return cli_status(r->ctx, st);
        r->seconds = zs_monotonic_seconds() - t0;
        zs_dbm_trainer_get(r->t, r->d);
        int rc = measure(r->ctx, o, r->d, r->mon, r->nmon, &r->m);
        if (rc != EXIT_OK) return rc;
        const monitor *m = &r->m;
        train_history_add(&r->hist, zs_dbm_trainer_epochs_done(r->t), m->lnz, m->lnz_mf, m->lnz_bethe,
                          m->loglik);
        progress_finish();
        char b[7][32];
        if (!o->quiet)
            fprintf(stderr, "epoch %llu/%llu: mf_bound %s lnZ %s (mean field %s, Bethe %s) loglik %s "
                    "elbo %s (%s s)\n",
                    (unsigned long long)zs_dbm_trainer_epochs_done(r->t), (unsigned long long)o->epochs,
                    cli_num(b[0], r->bound), cli_num_or_dash(b[1], m->lnz), cli_num_or_dash(b[5], m->lnz_mf),
                    cli_num_or_dash(b[6], m->lnz_bethe), cli_num_or_dash(b[2], m->loglik),
                    cli_num_or_dash(b[3], m->elbo), cli_num(b[4], round(r->seconds * 100) / 100));
        if (logf && (rc = log_epoch(logf, r)) != EXIT_OK) return rc;
        st = zs_dbm_trainer_save(r->t, o->out);
        if (st != ZS_OK) return cli_status(r->ctx, st);
        if (train_stop_signal() && zs_dbm_trainer_epochs_done(r->t) < o->epochs) {
            progress_finish();
            const train_stop_cmdline c = {o->argc, o->argv, &dbm_command, o->have_seed, o->seed, o->out};
            return train_stop_report(&c, zs_dbm_trainer_epochs_done(r->t), o->epochs);
        }
    }
    return EXIT_OK;
}

/* The run's result: the last epoch's figures and where the model is. */
static void print_result(const train_run *r, const size_t *sizes, double start) {
    const dbm_opts *o = r->o;
    const monitor *m = &r->m;
    result res;
    result_init(&res);
    result_sizes(&res, "layers", sizes, o->nhidden + 1);
    result_u64(&res, "epoch", zs_dbm_trainer_epochs_done(r->t));
    result_str(&res, "negative", zs_dbm_negative_name(o->negative == ZS_DBM_NEGATIVE_AUTO
                                                        ? ZS_DBM_NEGATIVE_PERSISTENT : o->negative));
    static const char *const levels[] = {"auto", "full", "basic", "none"};
    result_str(&res, "monitor", levels[monitor_level(o, r->d)]);
    result_num(&res, "mf_bound", r->bound)->comment = "the last epoch's mean B(v)";
    result_num(&res, "lnZ", m->lnz);
    result_num(&res, "lnZ_mf", m->lnz_mf)->comment = "mean-field lower bound";
    result_num(&res, "lnZ_bethe", m->lnz_bethe);
    if (m->bethe_converged < 0) result_absent(&res, "bethe_converged")->comment = "--monitor without Bethe";
    else result_bool(&res, "bethe_converged", m->bethe_converged);
    result_num(&res, "loglik", m->loglik)->comment = "monitor rows";
    result_num(&res, "elbo", m->elbo)->comment = "monitor rows";
    result_num(&res, "epoch_seconds", r->seconds);
    result_num(&res, "total_seconds", zs_monotonic_seconds() - start);
    result_u64(&res, "seed", o->seed);
    result_str(&res, "model", o->out);
    result_write(cli_out(), o->format, &res, 16);
    result_free(&res);
}

int dbm_train(dbm_opts *o, zs_ctx *ctx) {
    const double start = zs_monotonic_seconds();
    uint8_t *data = NULL, *held = NULL, *train = NULL;
    size_t n = 0, nv = 0, nheld = 0;
    int rc = load_training(ctx, o, &train, &data, &n, &nv);
    if (rc != EXIT_OK) {
        if (train != data) free(train);
        free(data);
        return rc;
    }
    if (o->heldout) rc = dbm_load_rows(ctx, o, o->heldout, nv, &held, &nheld, NULL);
    train_run r = {.ctx = ctx, .o = o, .mon = held ? held : data, .nmon = held ? nheld : (n < 1000 ? n : 1000),
                   .bound = (double)NAN,
                   .m = {(double)NAN, (double)NAN, (double)NAN, (double)NAN, (double)NAN, -1}};
    size_t sizes[ZS_DBM_MAX_LAYERS + 1];
    sizes[0] = nv;
    for (size_t l = 0; l < o->nhidden; l++) sizes[l + 1] = o->hidden[l];
    zs_status st = ZS_OK;
    if (rc == EXIT_OK) {
        st = zs_dbm_alloc(ctx, o->nhidden, sizes, &r.d);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    zs_dbm_train_opts to;
    train_opts(o, &to);
    /* refuse what joint training would refuse before the pretraining, not after it */
    if (rc == EXIT_OK && (st = zs_dbm_train_check(ctx, r.d, &to, train, n)) != ZS_OK) rc = cli_status(ctx, st);
    /* --resume of a checkpoint from inside pretraining continues the pretraining */
    int pre_ck = 0;
    if (rc == EXIT_OK && o->resume && (st = zs_dbm_is_pretrain_checkpoint(ctx, o->resume, &pre_ck)) != ZS_OK)
        rc = cli_status(ctx, st);
    if (rc == EXIT_OK && pre_ck && pretrain_total(o) == 0)
        rc = cli_fail(EXIT_USAGE, "--resume: '%s' is a checkpoint inside pretraining; --pretrain-epochs 0 "
                      "leaves it nothing to finish (resume with the run's --pretrain-epochs)", o->resume);
    /* SIGINT or SIGTERM from here on stops after the next checkpoint, of a pretraining epoch or
     * of a joint one */
    if (rc == EXIT_OK) train_stop_catch();
    if (rc == EXIT_OK && o->init_model) rc = init_from_model(&r);
    else if (rc == EXIT_OK && (pre_ck || (!o->resume && pretrain_total(o) > 0)))
        rc = pretrain(&r, train, n, pre_ck ? o->resume : NULL);
    if (rc == EXIT_OK) {
        st = zs_dbm_trainer_alloc(ctx, r.d, &to, train, n, &r.t);
        if (st == ZS_OK && o->resume && !pre_ck) st = zs_dbm_trainer_resume(r.t, o->resume);
        if (st != ZS_OK) rc = cli_status(ctx, st);
        else if (o->resume && !pre_ck) rc = train_resume_left(o->resume, zs_dbm_trainer_epochs_done(r.t), o->epochs);
    }
    FILE *logf = NULL;
    if (rc == EXIT_OK && o->log) {
        /* a resumed run appends; a new one starts the log afresh */
        logf = fopen(o->log, o->resume ? "a" : "w");
        if (!logf) rc = cli_fail(EXIT_USAGE, "--log: cannot open '%s': %s", o->log, strerror(errno));
    }
    if (rc == EXIT_OK) rc = run_epochs(&r, logf);
    if (logf && fclose(logf) != 0 && rc == EXIT_OK) rc = cli_fail(EXIT_RUNTIME, "--log: cannot write '%s'", o->log);
    progress_finish();
    if (rc == EXIT_OK && o->plot)
        rc = train_history_draw(&r.hist, "dbm", zs_dbm_negative_name(o->negative == ZS_DBM_NEGATIVE_AUTO
                                                                          ? ZS_DBM_NEGATIVE_PERSISTENT : o->negative),
                                o->seed, "epoch (0: after pretraining)", "mean ln p(v)", o->plot);
    free(r.hist.rows);
    if (rc == EXIT_OK) print_result(&r, sizes, start);
    zs_dbm_trainer_free(r.t);
    zs_dbm_free(r.d);
    if (train != data) free(train);
    free(data);
    free(held);
    return rc;
}
