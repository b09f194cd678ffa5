/* rbm_train.c — zsum rbm train: CD-k / PCD-k training with checkpoints, a log, resume and clean
 * stops on signals (docs/rbm.md). */
#include "rbm_cli.h"
#include "result.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_num_row(FILE *f, const char *key, double x) {
    char b[32];
    fprintf(f, "%-13s %s\n", key, cli_num(b, x));
}

/* ---- train ------------------------------------------------------------------------------- */

/* SIGINT and SIGTERM during training: the handler only records the signal; the loop stops
 * after the epoch in progress is checkpointed. SA_RESETHAND: a second signal ends the process
 * at once, which is safe too since every checkpoint is replaced atomically. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

static void catch_stop_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* One argument as the shell reads it back: bare when it holds only safe characters, else in
 * single quotes (a quote inside written '\''). */
static void shell_word(FILE *f, const char *w) {
    int safe = *w != '\0';
    for (const char *c = w; *c && safe; c++)
        safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
               strchr("_@%+=:,./-", *c) != NULL;
    fputc(' ', f);
    if (safe) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (const char *c = w; *c; c++) {
        if (*c == '\'') fputs("'\\''", f);
        else fputc(*c, f);
    }
    fputc('\'', f);
}

/* The command that continues this training: the same arguments less any --resume, plus the
 * seed when it was drawn, plus --resume OUT. */
static void print_resume_command(const opts *o) {
    fputs("zsum", stderr);
    for (int i = 0; i < o->argc; i++) {
        const char *a = o->argv[i];
        int has_arg = i >= 2 && rbm_option_has_arg(a);
        if (!strcmp(a, "--resume") && i >= 2) {
            i++;
            continue;
        }
        shell_word(stderr, a);
        if (has_arg && i + 1 < o->argc) shell_word(stderr, o->argv[++i]);
    }
    if (!o->have_seed) fprintf(stderr, " --seed %llu", (unsigned long long)o->seed);
    fputs(" --resume", stderr);
    shell_word(stderr, o->out);
    fputc('\n', stderr);
}

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

int rbm_train(opts *o) {
    zs_ctx *ctx;
    zs_rbm *rbm = NULL;
    data_rows data = {0}, held = {0};
    zs_rbm_trainer *t = NULL;
    const double start = zs_monotonic_seconds();
    int rc = rbm_setup(o, &ctx);
    if (rc != EXIT_OK) return rc;
    rc = rbm_load_data(ctx, o, o->data, 0, &data);
    if (rc == EXIT_OK && o->heldout) rc = rbm_load_data(ctx, o, o->heldout, data.d, &held);
    if (rc != EXIT_OK) {
        free(data.x);
        return rbm_finish(ctx, rbm, NULL, rc);
    }
    size_t n = data.n, nv = data.d;
    zs_status st;
    if (o->resume) {
        rc = rbm_load_model(ctx, o->resume, &rbm);
        if (rc == EXIT_OK && (zs_rbm_nv(rbm) != nv || zs_rbm_nh(rbm) != o->hidden))
            rc = cli_usage("--resume %s: the model is %zux%zu, this run asks for %zux%llu", o->resume,
                           zs_rbm_nv(rbm), zs_rbm_nh(rbm), nv, (unsigned long long)o->hidden);
    } else {
        st = zs_rbm_alloc(ctx, nv, (size_t)o->hidden, &rbm);
        if (st != ZS_OK) rc = cli_status(ctx, st);
        else if ((st = zs_rbm_init_from_data(rbm, data.x, n, o->init_std, o->seed)) != ZS_OK)
            rc = cli_status(ctx, st);
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
    if (rc == EXIT_OK) {
        st = zs_rbm_trainer_alloc(ctx, rbm, &to, data.x, n, &t);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    if (rc == EXIT_OK && o->resume) {
        st = zs_rbm_trainer_resume(t, o->resume);
        if (st != ZS_OK) rc = cli_status(ctx, st);
    }
    FILE *logf = NULL;
    if (rc == EXIT_OK && o->log) rc = open_log(o, zs_rbm_trainer_epochs_done(t), &logf);
    size_t smaller = nv < o->hidden ? nv : (size_t)o->hidden;
    int monitor = smaller <= 20 || o->monitor_ais;
    size_t nmon = held.x ? held.n : (n < 1000 ? n : 1000);
    /* The trainer keeps its own sparse copy of the data: keep only the rows the monitor scores,
     * so that the data held while training is about the size of the file. */
    size_t keep = monitor && !held.x ? nmon : 0;
    if (rc == EXIT_OK && keep < n) {
        uint8_t *k = keep ? realloc(data.x, keep * nv) : NULL;
        if (!keep) free(data.x);
        data.x = keep ? (k ? k : data.x) : NULL;
    }
    const uint8_t *mon = held.x ? held.x : data.x;
    double recon = (double)NAN, ll = (double)NAN, seconds = 0;
    if (rc == EXIT_OK) catch_stop_signals();
    while (rc == EXIT_OK && zs_rbm_trainer_epochs_done(t) < o->epochs) {
        progress_label("epoch %llu/%llu", (unsigned long long)zs_rbm_trainer_epochs_done(t) + 1,
                       (unsigned long long)o->epochs);
        double t0 = zs_monotonic_seconds();
        st = zs_rbm_trainer_epoch(t, &recon);
        seconds = zs_monotonic_seconds() - t0;
        if (st != ZS_OK) {
            progress_finish();
            rc = cli_fail(EXIT_RUNTIME, "%s (the last good checkpoint is %s)", zs_last_error(ctx),
                          zs_rbm_trainer_epochs_done(t) ? o->out : "not written: no epoch finished");
            break;
        }
        progress_note("recon %.4g", recon);
        if (monitor) {
            zs_rbm_trainer_get(t, rbm);
            lnz_result lr;
            opts mo = *o;
            mo.ais = smaller > 20;
            mo.reverse = "none"; /* the monitor's figure is the forward estimate alone */
            /* AIS for a trained model: the data base rate of the training data by default (and
             * for --base stored, which names the training data's frequencies). */
            char base[4096];
            if ((!o->have_base || !strcmp(o->base, "stored")) && strlen(o->data) < sizeof base - 6) {
                snprintf(base, sizeof base, "data:%s", o->data);
                mo.base = base;
            }
            rc = rbm_compute_logz(ctx, &mo, rbm, NULL, &lr);
            if (rc != EXIT_OK) break;
            st = zs_rbm_loglik(rbm, mon, nmon, lr.lnz, &ll, NULL);
            if (st != ZS_OK) {
                rc = cli_status(ctx, st);
                break;
            }
            progress_note("recon %.4g loglik %.4f", recon, ll);
        }
        /* The log's line for this epoch goes to disk before its checkpoint: a run killed in
         * between has a line too many, which --resume drops (open_log), never one too few. */
        if (logf) {
            json j;
            json_init(&j, logf);
            json_obj_inline(&j);
            json_kv_u64(&j, "epoch", zs_rbm_trainer_epochs_done(t));
            json_kv_num(&j, "recon_error", recon);
            if (monitor) json_kv_num(&j, "loglik", ll);
            json_kv_num(&j, "seconds", seconds);
            json_end_obj(&j);
            json_end(&j);
            if (fflush(logf) != 0 || fsync(fileno(logf)) != 0) {
                rc = cli_fail(EXIT_RUNTIME, "--log: cannot write '%s': %s", o->log, strerror(errno));
                break;
            }
        }
        st = zs_rbm_trainer_save(t, o->out);
        if (st != ZS_OK) {
            rc = cli_status(ctx, st);
            break;
        }
        if (stop_signal && zs_rbm_trainer_epochs_done(t) < o->epochs) {
            progress_finish();
            fprintf(stderr, "zsum: %s: stopped after epoch %llu of %llu; the checkpoint is %s. "
                    "To resume:\n", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
                    (unsigned long long)zs_rbm_trainer_epochs_done(t),
                    (unsigned long long)o->epochs, o->out);
            print_resume_command(o);
            rc = 128 + stop_signal; /* the shell's status for a process ended by that signal */
            break;
        }
    }
    if (logf && fclose(logf) != 0 && rc == EXIT_OK) rc = cli_fail(EXIT_RUNTIME, "--log: cannot write '%s'", o->log);
    progress_finish();
    const double total = zs_monotonic_seconds() - start;
    if (rc == EXIT_OK) {
        FILE *f = cli_out();
        char b[4][32];
        if (o->format == FORMAT_JSON) {
            json j;
            json_init(&j, f);
            json_obj(&j);
            json_kv_u64(&j, "nv", nv);
            json_kv_u64(&j, "nh", o->hidden);
            json_kv_u64(&j, "epoch", zs_rbm_trainer_epochs_done(t));
            json_kv_num(&j, "recon_error", recon);
            if (monitor) json_kv_num(&j, "loglik", ll);
            json_kv_num(&j, "epoch_seconds", seconds);
            json_kv_num(&j, "total_seconds", total);
            json_kv_u64(&j, "seed", o->seed);
            json_kv_str(&j, "model", o->out);
            json_end_obj(&j);
            json_end(&j);
        } else if (o->format == FORMAT_CSV) {
            fprintf(f, "nv,nh,epoch,recon_error,loglik,epoch_seconds,total_seconds,seed\n"
                    "%zu,%llu,%llu,%s,%s,%s,%s,%llu\n", nv,
                    (unsigned long long)o->hidden, (unsigned long long)zs_rbm_trainer_epochs_done(t),
                    cli_num(b[0], recon), monitor ? cli_num(b[1], ll) : "", cli_num(b[2], seconds),
                    cli_num(b[3], total), (unsigned long long)o->seed);
        } else {
            fprintf(f, "%-13s %zu\n%-13s %llu\n%-13s %llu\n", "nv", nv, "nh", (unsigned long long)o->hidden,
                    "epoch", (unsigned long long)zs_rbm_trainer_epochs_done(t));
            write_num_row(f, "recon_error", recon);
            if (monitor) write_num_row(f, "loglik", ll);
            write_num_row(f, "epoch_seconds", seconds);
            write_num_row(f, "total_seconds", total);
            fprintf(f, "%-13s %llu\n%-13s %s\n", "seed", (unsigned long long)o->seed, "model", o->out);
        }
    }
    zs_rbm_trainer_free(t);
    free(held.x);
    free(data.x);
    return rbm_finish(ctx, rbm, NULL, rc);
}

