/* levels_thermo.c — the choice of exact method for the chapter's system: the caller names
 * closed (Z = z^N), macro (a sum over occupation vectors) or enumerate (every microstate);
 * lib/exact/levels_closed.c, levels_macro.c and levels_enumerate.c do the work. */
#include "exact/levels_methods.h"

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
    if (st == ZS_OK) st = levels_check_beta(lv, beta);
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
