/* progress.c — the CLI's one progress display: a one-line bar on stderr, only when stderr is
 * a terminal and --quiet is not given, drawn from the library's progress hook (zs_progress_fn)
 * at most ten times a second (zs_monotonic_seconds). A command may replace the task's name
 * with a label ("epoch 3/10") and add a note after the bar ("recon 0.031"). The same hook
 * enforces ZSUM_MAX_SECONDS as a deadline: an estimated-time refusal is only as good as its
 * estimate, and some computations (AIS, transfer matrices, training epochs) have none. */
#include "cli.h"
#include "units_cli.h"

#include <math.h>
#include <stdarg.h>
#include <unistd.h>

static struct {
    int shown, on;
    double last;
    char label[64], note[128];
} bar;

static struct {
    double ceiling, deadline; /* ZSUM_MAX_SECONDS and the time it ends; HUGE_VAL when unset */
    int passed;
} limit = {HUGE_VAL, HUGE_VAL, 0};

static int draw(void *user, const char *task, double done, double total) {
    (void)user;
    double t = zs_monotonic_seconds();
    if (t - bar.last < 0.1 && done < total) return 0;
    bar.last = t;
    double frac = total > 0 ? done / total : 0.0;
    int width = 30, filled = (int)(frac * width);
    fprintf(stderr, "\r%-12s [", bar.label[0] ? bar.label : task);
    for (int i = 0; i < width; i++) fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %5.1f%%", 100.0 * frac);
    if (bar.note[0]) fprintf(stderr, " %s", bar.note);
    fputs("\033[K", stderr);
    fflush(stderr);
    bar.shown = 1;
    return 0;
}

static int draw_or_stop(void *user, const char *task, double done, double total) {
    if (zs_monotonic_seconds() > limit.deadline) {
        limit.passed = 1;
        return 1;
    }
    return bar.on ? draw(user, task, done, total) : 0;
}

void progress_install(zs_ctx *ctx, int quiet) {
    units_cli_install(ctx); /* the work-unit options' hook, when any was given */
    bar.label[0] = bar.note[0] = '\0';
    bar.last = 0.0;
    bar.on = !quiet && isatty(STDERR_FILENO);
    limit.ceiling = cli_max_seconds(0.0);
    limit.deadline = zs_monotonic_seconds() + limit.ceiling;
    limit.passed = 0;
    if (isfinite(limit.ceiling)) zs_ctx_set_progress(ctx, draw_or_stop, NULL);
    else if (bar.on) zs_ctx_set_progress(ctx, draw, NULL);
}

int progress_tick(const char *task, double done, double total) {
    if (isfinite(limit.ceiling)) return draw_or_stop(NULL, task, done, total);
    return bar.on ? draw(NULL, task, done, total) : 0;
}

int progress_stopped(double *ceiling) {
    *ceiling = limit.ceiling;
    return limit.passed;
}

static void set_text(char *dst, size_t len, const char *fmt, va_list ap) {
    if (!fmt) dst[0] = '\0';
    else vsnprintf(dst, len, fmt, ap);
}

void progress_label(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_text(bar.label, sizeof bar.label, fmt, ap);
    va_end(ap);
}

void progress_note(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_text(bar.note, sizeof bar.note, fmt, ap);
    va_end(ap);
}

void progress_finish(void) {
    if (bar.shown) fputs("\r\033[K", stderr);
    bar.shown = 0;
}
