/* levels_thermo.c — the choice of exact method for the chapter's system: the caller names
 * closed (Z = z^N), macro (a sum over occupation vectors) or enumerate (every microstate);
 * lib/exact/levels_closed.c, levels_macro.c and levels_enumerate.c do the work. */
#include "exact/levels_methods.h"

#include <math.h>
#include <string.h>

void zs_levels_thermo_defaults(zs_levels_thermo_opts *opts) {
    if (opts) opts->method = ZS_LEVELS_AUTO;
}

zs_status zs_levels_thermo_compute(const zs_levels *lv, size_t n, double beta,
                                   const zs_levels_thermo_opts *opts, zs_levels_thermo *out,
                                   double *occupation) {
    if (!lv || !out) return ZS_EINVAL;
    zs_levels_method method = opts ? opts->method : ZS_LEVELS_AUTO;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, n, beta);
    if (st != ZS_OK) return st;
    /* Filled in a zeroed copy, padding included, so equal results compare equal bytewise. */
    zs_levels_thermo t;
    memset(&t, 0, sizeof t);
    switch (method) {
    case ZS_LEVELS_AUTO: /* the closed form applies to every system and N (zsum.h) */
    case ZS_LEVELS_CLOSED: st = levels_thermo_closed(lv, n, beta, &t, occupation); break;
    case ZS_LEVELS_MACRO: st = levels_thermo_macro(lv, n, beta, &t, occupation); break;
    case ZS_LEVELS_ENUMERATE: st = levels_thermo_enumerate(lv, n, beta, &t, occupation); break;
    default: return zs_fail(lv->ctx, ZS_EINVAL, "method: unknown method %d", (int)method);
    }
    if (st != ZS_OK) return st;
    t.method = method == ZS_LEVELS_AUTO ? ZS_LEVELS_CLOSED : method;
    memcpy(out, &t, sizeof t);
    return ZS_OK;
}

/* Release-build rates on this project's 2-core machine (`zsum levels`, one process):
 * CLOSED, a few exponentials per level; MACRO, two passes of K log-gammas per occupation
 * vector: N = 10000 on 3 levels (5.0e7 vectors) 6.5 s, N = 20 on 10 levels (1.0e7) 2.6 s, so
 * about 80 + 20 K ns a vector; ENUMERATE, 3^20 assignments in 0.31 s on 2 threads (5.5e9 a
 * thread-second; BENCHMARKS.md), taken as 4e9. */
#define CLOSED_NS_PER_LEVEL 50.0
#define MACRO_NS(k) (80.0 + 20.0 * (double)(k))
#define ENUMERATE_PER_THREAD 4.0e9

double zs_levels_thermo_seconds(const zs_levels *lv, size_t n, const zs_levels_thermo_opts *opts) {
    if (!lv || n == 0 || n > ZS_LEVELS_MAX_UNITS) return HUGE_VAL;
    const double k = (double)lv->k;
    switch (opts ? opts->method : ZS_LEVELS_AUTO) {
    case ZS_LEVELS_AUTO:
    case ZS_LEVELS_CLOSED: return CLOSED_NS_PER_LEVEL * k * 1e-9;
    case ZS_LEVELS_MACRO: {
        const double count = levels_macrostate_count(n, lv->k);
        return count > ZS_LEVELS_MACRO_MAX ? HUGE_VAL : count * MACRO_NS(lv->k) * 1e-9;
    }
    case ZS_LEVELS_ENUMERATE: {
        const double states = pow(k, (double)n);
        if (states > ZS_LEVELS_ENUMERATE_MAX || (n > 64 && lv->k > 1)) return HUGE_VAL;
        const double procs = lv->ctx && lv->ctx->units.processes > 1 ? lv->ctx->units.processes : 1.0;
        return states / (ENUMERATE_PER_THREAD * (double)zs_threads_for(lv->ctx, (size_t)1 << 20) * procs);
    }
    default: return HUGE_VAL;
    }
}
