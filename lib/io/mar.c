/* mar.c — the UAI competitions' answer file for the MAR task (single-variable marginals),
 * written atomically (lib/io/atomic.c).
 *
 * Layout (UAI 2014 inference competition, "Output format"; the same as UAI 2012's without
 * its -BEGIN- sample markers):
 *     MAR
 *     n  d_0 p_0(0) ... p_0(d_0 - 1)  d_1 p_1(0) ...  ...
 * on one line after the task name. Each probability is printed as the shortest decimal that
 * reads back to the same double, so the file carries the computed values exactly. */
#include "io/atomic_internal.h"
#include "models/factor_internal.h"

#include "zsum.h"

#include <stdio.h>
#include <stdlib.h>

static void put_num(FILE *f, double x) {
    char buf[32];
    if (x == 0.0) {
        fputs("0", f);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    fputs(buf, f);
}

zs_status zs_factor_write_mar(const zs_factor_model *m, const double *marg, const char *path) {
    if (!m || !marg || !path) return ZS_EINVAL;
    zs_ctx *ctx = m->ctx;
    size_t total = 0;
    for (size_t v = 0; v < m->nvars; v++)
        for (size_t x = 0; x < m->dom[v]; x++, total++)
            if (!(marg[total] >= 0.0 && marg[total] <= 1.0))
                return zs_fail(ctx, ZS_EINVAL,
                               "%s: variable %zu, value %zu: %g is not a probability", path, v, x,
                               marg[total]);
    io_atomic w;
    zs_status st = io_atomic_open(ctx, path, &w);
    if (st != ZS_OK) return st;
    fprintf(w.f, "MAR\n%zu", m->nvars);
    total = 0;
    for (size_t v = 0; v < m->nvars; v++) {
        fprintf(w.f, " %u", m->dom[v]);
        for (size_t x = 0; x < m->dom[v]; x++) {
            fputc(' ', w.f);
            put_num(w.f, marg[total++]);
        }
    }
    fputc('\n', w.f);
    return io_atomic_commit(ctx, &w); /* a failed write shows in ferror, checked there */
}
