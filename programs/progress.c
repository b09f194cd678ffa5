/* progress.c — a one-line progress bar on stderr, only when stderr is a terminal. */
#include "cli.h"

#include <time.h>
#include <unistd.h>

static int shown;
static double last;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int draw(void *user, const char *task, double done, double total) {
    (void)user;
    double t = now();
    if (t - last < 0.1 && done < total) return 0;
    last = t;
    double frac = total > 0 ? done / total : 0.0;
    int width = 30, filled = (int)(frac * width);
    fprintf(stderr, "\r%-12s [", task);
    for (int i = 0; i < width; i++) fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %5.1f%%", 100.0 * frac);
    fflush(stderr);
    shown = 1;
    return 0;
}

void progress_install(zs_ctx *ctx, int quiet) {
    if (!quiet && isatty(STDERR_FILENO)) zs_ctx_set_progress(ctx, draw, NULL);
}

void progress_finish(void) {
    if (shown) fputs("\r\033[K", stderr);
    shown = 0;
}
