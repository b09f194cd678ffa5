/* levels_methods.h — the exact methods for the chapter's system (lib/exact/levels_closed.c,
 * levels_macro.c, levels_enumerate.c) and their dispatcher zs_levels_thermo_compute
 * (lib/exact/levels_thermo.c). The model itself is lib/models/levels_internal.h. */
#ifndef ZSUM_EXACT_LEVELS_METHODS_H
#define ZSUM_EXACT_LEVELS_METHODS_H

#include "models/levels_internal.h"

zs_status levels_thermo_closed(const zs_levels *lv, uint64_t n, double beta,
                               zs_levels_thermo *out, double *occupation);
zs_status levels_thermo_macro(const zs_levels *lv, uint64_t n, double beta,
                              zs_levels_thermo *out, double *occupation);
zs_status levels_thermo_enumerate(const zs_levels *lv, uint64_t n, double beta,
                                  zs_levels_thermo *out, double *occupation);

#endif
