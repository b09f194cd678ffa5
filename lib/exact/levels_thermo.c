/* levels_thermo.c — the choice of exact method for the chapter's system: the caller names
 * closed (Z = z^N), macro (a sum over occupation vectors) or enumerate (every microstate);
 * lib/exact/levels_closed.c, levels_macro.c and levels_enumerate.c do the work. */
#include "exact/levels_methods.h"

zs_status zs_levels_thermo_compute(const zs_levels *lv, uint64_t n, double beta,
                                   zs_levels_method method, zs_levels_thermo *out,
                                   double *occupation) {
    if (!lv || !out) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, beta);
    if (st != ZS_OK) return st;
    switch (method) {
    case ZS_LEVELS_CLOSED: return levels_thermo_closed(lv, n, beta, out, occupation);
    case ZS_LEVELS_MACRO: return levels_thermo_macro(lv, n, beta, out, occupation);
    case ZS_LEVELS_ENUMERATE: return levels_thermo_enumerate(lv, n, beta, out, occupation);
    }
    return zs_fail(lv->ctx, ZS_EINVAL, "method: unknown method %d", (int)method);
}
