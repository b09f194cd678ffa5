/* status.c — status names, the context object and its last-error message. */
#include "core/internal.h"

#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *zs_strerror(zs_status status) {
    switch (status) {
    case ZS_OK: return "ok";
    case ZS_EINVAL: return "invalid argument";
    case ZS_ENOMEM: return "out of memory";
    case ZS_ERANGE: return "value out of range";
    case ZS_EIO: return "input/output error";
    case ZS_EFORMAT: return "malformed input";
    case ZS_ETOOBIG: return "problem too large for this method";
    case ZS_ENUMERIC: return "numerical failure";
    case ZS_EUNSUPPORTED: return "not supported for this model";
    case ZS_ECANCELLED: return "cancelled";
    }
    return "unknown status";
}

const char *zs_version(void) {
    return ZSUM_VERSION_STRING;
}

zs_ctx *zs_ctx_alloc(void) {
    return zs_calloc(1, sizeof(zs_ctx));
}

void zs_ctx_free(zs_ctx *ctx) {
    free(ctx);
}

const char *zs_last_error(const zs_ctx *ctx) {
    return ctx ? ctx->message : "";
}

void zs_ctx_set_progress(zs_ctx *ctx, zs_progress_fn fn, void *user) {
    if (!ctx) return;
    ctx->progress = fn;
    ctx->progress_user = user;
}

void zs_ctx_set_threads(zs_ctx *ctx, int threads) {
    if (ctx) ctx->threads = threads > 0 ? threads : 0;
}

zs_status zs_fail(zs_ctx *ctx, zs_status status, const char *fmt, ...) {
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->message, sizeof ctx->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void zs_ctx_set_input_limit(zs_ctx *ctx, uint64_t bytes) {
    if (ctx) ctx->input_limit = bytes;
}

int zs_progress(zs_ctx *ctx, const char *task, double done, double total) {
    if (!ctx || !ctx->progress) return 0;
    return ctx->progress(ctx->progress_user, task, done, total);
}

int zs_threads(const zs_ctx *ctx) {
    if (ctx && ctx->threads > 0) return ctx->threads;
    return omp_get_max_threads();
}

int zs_threads_for(const zs_ctx *ctx, size_t items) {
    int t = zs_threads(ctx);
    const int procs = omp_get_num_procs();
    if (procs >= 1 && t > procs) t = procs;
    if (items < 1) return 1;
    return (size_t)t > items ? (int)items : t;
}

int zs_ctx_threads(const zs_ctx *ctx) {
    return zs_threads(ctx);
}

int zs_ctx_threads_for(const zs_ctx *ctx, size_t items) {
    return zs_threads_for(ctx, items);
}

const char *zs_format_bytes(char buf[32], double b) {
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (b >= 1024.0 && u < 6) {
        b /= 1024.0;
        u++;
    }
    snprintf(buf, 32, b >= 1024.0 ? "%.3g %s" : "%.1f %s", b, unit[u]);
    return buf;
}

void zs_time_words(char *buf, size_t cap, double secs, int threads, double processes) {
    char when[64], procs[48] = "";
    if (secs < 10) snprintf(when, sizeof when, "%.2g seconds", secs); /* never "0 seconds" */
    else if (secs < 3600) snprintf(when, sizeof when, "%.0f seconds", secs);
    else if (secs < 86400 * 2) snprintf(when, sizeof when, "%.1f hours", secs / 3600);
    else if (secs < 86400 * 365.25 * 2) snprintf(when, sizeof when, "%.1f days", secs / 86400);
    else snprintf(when, sizeof when, "%.3g years", secs / (86400 * 365.25));
    if (processes > 1) snprintf(procs, sizeof procs, " x %.0f processes", processes);
    snprintf(buf, cap, "about %s on %d thread%s%s", when, threads, threads == 1 ? "" : "s", procs);
}
