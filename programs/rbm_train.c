/* rbm_train.c — zsum rbm train: CD-k / PCD-k training with checkpoints, a log, resume and clean
 * stops on signals (docs/rbm.md). */
#include "rbm_cli.h"
#include "result.h"
#include "train_stop.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_num_row(FILE *f, const char *key, double x) {
    char b[32];
    fprintf(f, "%-13s %s\n", key, cli_num_or_dash(b, x));
}

/* ---- train ------------------------------------------------------------------------------- */

/* Resuming with --log: keep the log's lines up to the checkpoint's epoch and drop the rest (a
 * line for an epoch the checkpoint does not hold, or a line cut short by a kill), so that the
 * resumed run's lines follow on. A line is {"epoch": N, ...} (written below). */
static int open_log(const opts *o, uint64_t done, FILE **logf) {
    *logf = fopen(o->log, o->resume ? "a+" : "w");
    if (!*logf) return cli_usage("--log: cannot open '%s': %s", o->log, strerror(errno));
    if (!o->resume) return EXIT_OK;
    rewind(*logf);
    char line[4096];
    long keep = 0;
    while (fgets(line, sizeof line, *logf)) {
        unsigned long long e;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n' || sscanf(line, "{\"epoch\": %llu", &e) != 1 || e > done) break;
        keep = ftell(*logf);
    }
    if (fflush(*logf) != 0 || ftruncate(fileno(*logf), keep) != 0 || fseek(*logf, 0, SEEK_END) != 0)
        return cli_fail(EXIT_RUNTIME, "--log: cannot truncate '%s': %s", o->log, strerror(errno));
    return EXIT_OK;
}

/* What a training run holds. */
typedef struct train_run {
    zs_ctx *ctx;
    zs_rbm *rbm;
    zs_rbm_trainer *t;
    data_rows data, held;
    size_t n, nv, nmon, smaller;
    int monitor;
    const uint8_t *mon;       /* the rows the monitor scores (held-out, or the first training rows) */
    double recon, ll, seconds; /* the last epoch's                                                */
    FILE *logf;
} train_run;

/* The data, the model (new from the data, or the checkpoint of --resume) and the trainer. */
static int train_load(opts *o, train_run *r) {
    int rc = rbm_load_data(r->ctx, o, o->data, 0, &r->data);
    if (rc == EXIT_OK && o->heldout) rc = rbm_load_data(r->ctx, o, o->heldout, r->data.d, &r->held);
    if (rc != EXIT_OK) return rc;
    r->n = r->data.n;
    r->nv = r->data.d;
    zs_status st = ZS_OK;
    if (o->resume) {
        rc = rbm_load_model(r->ctx, o->resume, &r->rbm);
        if (rc == EXIT_OK && (zs_rbm_nv(r->rbm) != r->nv || zs_rbm_nh(r->rbm) != o->hidden))
            return cli_usage("--resume %s: the model is %zux%zu, this run asks for %zux%llu", o->resume,
                             zs_rbm_nv(r->rbm), zs_rbm_nh(r->rbm), r->nv, (unsigned long long)o->hidden);
        if (rc != EXIT_OK) return rc;
    } else {
        st = zs_rbm_alloc(r->ctx, r->nv, (size_t)o->hidden, &r->rbm);
        if (st == ZS_OK) st = zs_rbm_init_from_data(r->rbm, r->data.x, r->n, o->init_std, o->seed);
    }
    zs_rbm_train_opts to;
    zs_rbm_train_defaults(&to);
    to.k = (size_t)o->k;
    to.persistent = o->persistent;
    to.batch = (size_t)o->batch;
    to.lr = o->lr;
    to.momentum = o->momentum;
    to.weight_decay = o->weight_decay;
    to.seed = o->seed;
    if (st == ZS_OK) st = zs_rbm_trainer_alloc(r->ctx, r->rbm, &to, r->data.x, r->n, &r->t);
    if (st == ZS_OK && o->resume) st = zs_rbm_trainer_resume(r->t, o->resume);
    if (st != ZS_OK) return cli_status(r->ctx, st);
    if (o->resume && (rc = train_resume_left(o->resume, zs_rbm_trainer_epochs_done(r->t), o->epochs)) != EXIT_OK)
        return rc;
    if (o->log && (rc = open_log(o, zs_rbm_trainer_epochs_done(r->t), &r->logf)) != EXIT_OK) return rc;
    r->smaller = r->nv < o->hidden ? r->nv : (size_t)o->hidden;
    r->monitor = r->smaller <= 20 || o->monitor_ais;
    r->nmon = r->held.x ? r->held.n : (r->n < 1000 ? r->n : 1000);
    /* The trainer keeps its own sparse copy of the data: keep only the rows the monitor scores,
     * so that the data held while training is about the size of the file. */
    size_t keep = r->monitor && !r->held.x ? r->nmon : 0;
    if (keep < r->n) {
        uint8_t *k = keep ? realloc(r->data.x, keep * r->nv) : NULL;
        if (!keep) free(r->data.x);
        r->data.x = keep ? (k ? k : r->data.x) : NULL;
    }
    r->mon = r->held.x ? r->held.x : r->data.x;
    return EXIT_OK;
}

/* The monitored log-likelihood after an epoch: exact ln Z when the smaller layer has at most
 * 20 units, else AIS. */
static int train_monitor(const opts *o, train_run *r) {
    zs_rbm_trainer_get(r->t, r->rbm);
    lnz_result lr;
    opts mo = *o;
    mo.ais = r->smaller > 20;
    mo.reverse = "none"; /* the monitor's figure is the forward estimate alone */
    /* AIS for a trained model: the data base rate of the training data by default (and for
     * --base stored, which names the training data's frequencies). */
    char base[4096];
    if ((!o->have_base || !strcmp(o->base, "stored")) && strlen(o->data) < sizeof base - 6) {
        snprintf(base, sizeof base, "data:%s", o->data);
        mo.base = base;
    }
    int rc = rbm_compute_logz(r->ctx, &mo, r->rbm, NULL, &lr);
    if (rc != EXIT_OK) return rc;
    zs_status st = zs_rbm_loglik(r->rbm, r->mon, r->nmon, lr.lnz, &r->ll, NULL);
    return st == ZS_OK ? EXIT_OK : cli_status(r->ctx, st);
}

/* The log's line for this epoch goes to disk before its checkpoint: a run killed in between
 * has a line too many, which --resume drops (open_log), never one too few. */
static int train_log_line(const opts *o, const train_run *r) {
    json j;
    json_init(&j, r->logf);
    json_obj_inline(&j);
    json_kv_u64(&j, "epoch", zs_rbm_trainer_epochs_done(r->t));
    json_kv_num(&j, "recon_error", r->recon);
    if (r->monitor) json_kv_num(&j, "loglik", r->ll);
    json_kv_num(&j, "seconds", r->seconds);
    json_end_obj(&j);
    json_end(&j);
    if (fflush(r->logf) != 0 || fsync(fileno(r->logf)) != 0)
        return cli_fail(EXIT_RUNTIME, "--log: cannot write '%s': %s", o->log, strerror(errno));
    return EXIT_OK;
}

/* One epoch: train, monitor, log, checkpoint; after a stop signal, the resume command. */
static int train_epoch(const opts *o, train_run *r) {
    progress_label("epoch %llu/%llu", (unsigned long long)zs_rbm_trainer_epochs_done(r->t) + 1,
                   (unsigned long long)o->epochs);
    double t0 = zs_monotonic_seconds();
    zs_status st = zs_rbm_trainer_epoch(r->t, &r->recon);
    r->seconds = zs_monotonic_seconds() - t0;
    if (st != ZS_OK) {
        progress_finish();
        return cli_fail(EXIT_RUNTIME, "%s (the last good checkpoint is %s)", zs_last_error(r->ctx),
                        zs_rbm_trainer_epochs_done(r->t) ? o->out : "not written: no epoch finished");
    }
    progress_note("recon %.4g", r->recon);
    int rc;
    if (r->monitor) {
        if ((rc = train_monitor(o, r)) != EXIT_OK) return rc;
        progress_note("recon %.4g loglik %.4f", r->recon, r->ll);
    }
    if (r->logf && (rc = train_log_line(o, r)) != EXIT_OK) return rc;
    st = zs_rbm_trainer_save(r->t, o->out);
    if (st != ZS_OK) return cli_status(r->ctx, st);
    if (train_stop_signal() && zs_rbm_trainer_epochs_done(r->t) < o->epochs) {
        progress_finish();
        const train_stop_cmdline c = {o->argc, o->argv, &rbm_command, o->have_seed, o->seed, o->out};
        return train_stop_report(&c, zs_rbm_trainer_epochs_done(r->t), o->epochs);
    }
    return EXIT_OK;
}

/* The run's summary: the last epoch's figures and the whole run's time. */
static void train_print(const opts *o, const train_run *r, double total) {
    FILE *f = cli_out();
    char b[4][32];
    unsigned long long epoch = (unsigned long long)zs_rbm_trainer_epochs_done(r->t);
    if (o->format == FORMAT_JSON) {
        json j;
        json_init(&j, f);
        json_obj(&j);
        json_kv_u64(&j, "nv", r->nv);
        json_kv_u64(&j, "nh", o->hidden);
        json_kv_u64(&j, "epoch", epoch);
        json_kv_num(&j, "recon_error", r->recon);
        if (r->monitor) json_kv_num(&j, "loglik", r->ll);
        json_kv_num(&j, "epoch_seconds", r->seconds);
        json_kv_num(&j, "total_seconds", total);
        json_kv_u64(&j, "seed", o->seed);
        json_kv_str(&j, "model", o->out);
        json_end_obj(&j);
        json_end(&j);
    } else if (o->format == FORMAT_CSV) {
        fprintf(f, "nv,nh,epoch,recon_error,loglik,epoch_seconds,total_seconds,seed\n"
                "%zu,%llu,%llu,%s,%s,%s,%s,%llu\n", r->nv, (unsigned long long)o->hidden, epoch,
                cli_csv_num(b[0], r->recon), r->monitor ? cli_csv_num(b[1], r->ll) : "", cli_num(b[2], r->seconds),
                cli_num(b[3], total), (unsigned long long)o->seed);
    } else {
        fprintf(f, "%-13s %zu\n%-13s %llu\n%-13s %llu\n", "nv", r->nv, "nh", (unsigned long long)o->hidden,
                "epoch", epoch);
        write_num_row(f, "recon_error", r->recon);
        if (r->monitor) write_num_row(f, "loglik", r->ll);
        write_num_row(f, "epoch_seconds", r->seconds);
        write_num_row(f, "total_seconds", total);
        fprintf(f, "%-13s %llu\n%-13s %s\n", "seed", (unsigned long long)o->seed, "model", o->out);
    }
}

int rbm_train(opts *o) {
    train_run r = {.recon = (double)NAN, .ll = (double)NAN};
    const double start = zs_monotonic_seconds();
    int rc = rbm_setup(o, &r.ctx);
    if (rc != EXIT_OK) return rc;
    rc = train_load(o, &r);
    if (rc == EXIT_OK) train_stop_catch();
    while (rc == EXIT_OK && zs_rbm_trainer_epochs_done(r.t) < o->epochs) rc = train_epoch(o, &r);
    if (r.logf && fclose(r.logf) != 0 && rc == EXIT_OK) rc = cli_fail(EXIT_RUNTIME, "--log: cannot write '%s'", o->log);
    progress_finish();
    if (rc == EXIT_OK) train_print(o, &r, zs_monotonic_seconds() - start);
    zs_rbm_trainer_free(r.t);
    free(r.held.x);
    free(r.data.x);
    return rbm_finish(r.ctx, r.rbm, NULL, rc);
}
