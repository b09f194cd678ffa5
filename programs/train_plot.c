/* train_plot.c — the per-epoch history and plot of zsum dbm train and zsum bm train
 * (train_plot.h). */
#include "train_plot.h"

#include "result.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int train_log_write(FILE *logf, const char *path, const train_log_line *e) {
    json j;
    json_init(&j, logf);
    json_obj_inline(&j);
    json_kv_u64(&j, "epoch", e->epoch);
    if (e->has_dbm_keys) json_kv_num(&j, "mf_bound", e->mf_bound);
    json_kv_num(&j, "lnZ", e->lnz);
    json_kv_num(&j, "lnZ_mf", e->lnz_mf);
    json_kv_num(&j, "lnZ_bethe", e->lnz_bethe);
    if (e->bethe_converged < 0) json_kv_num(&j, "bethe_converged", (double)NAN); /* not computed: null */
    else json_kv_bool(&j, "bethe_converged", e->bethe_converged);
    json_kv_num(&j, "loglik", e->loglik);
    if (e->has_dbm_keys) json_kv_num(&j, "elbo", e->elbo);
    json_kv_num(&j, "seconds", e->seconds);
    json_end_obj(&j);
    json_end(&j);
    if (fflush(logf) != 0 || fsync(fileno(logf)) != 0)
        return cli_fail(EXIT_RUNTIME, "--log: cannot write '%s': %s", path, strerror(errno));
    return EXIT_OK;
}

void train_history_add(train_history *h, uint64_t epoch, double lnz, double lnz_mf, double lnz_bethe,
                       double loglik) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        double *r = realloc(h->rows, cap * 5 * sizeof *r);
        if (!r) {
            h->failed = 1;
            return;
        }
        h->rows = r;
        h->cap = cap;
    }
    double *r = h->rows + h->n++ * 5;
    r[0] = (double)epoch;
    r[1] = lnz;
    r[2] = lnz_mf;
    r[3] = lnz_bethe;
    r[4] = loglik;
}

int train_history_draw(const train_history *h, const char *cmd, const char *negative, uint64_t seed,
                       const char *xlabel, const char *ylabel2, const char *file) {
    if (h->failed) return cli_fail(EXIT_NOMEM, "--plot: out of memory for the epochs");
    plot_script ps;
    FILE *s = plot_script_open(&ps);
    if (!s) return EXIT_RUNTIME;
    char b[5][32];
    fputs("$D << EOD\n", s);
    for (size_t i = 0; i < h->n; i++) {
        const double *r = h->rows + i * 5;
        for (int k = 0; k < 5; k++) fprintf(s, "%s%s", k ? " " : "", isnan(r[k]) ? "NaN" : cli_num(b[k], r[k]));
        fputc('\n', s);
    }
    fputs("EOD\n", s);
    fprintf(s, "set title 'zsum %s train: negative phase %s, seed %llu'\n", cmd, negative, (unsigned long long)seed);
    fprintf(s, "set xlabel '%s'\nset ylabel 'ln Z'\nset y2label '%s'\n", xlabel, ylabel2);
    fputs("set y2tics\nset ytics nomirror\nset grid\nset key below\n"
          "plot $D using 1:2 with linespoints lw 2 title 'ln Z exact', "
          "$D using 1:3 with linespoints lw 2 title 'ln Z mean field (lower bound)', "
          "$D using 1:4 with linespoints lw 2 title 'ln Z Bethe', "
          "$D using 1:5 axes x1y2 with linespoints lw 2 dt 2 title 'log-likelihood (right)'\n", s);
    return plot_script_draw(&ps, file);
}

