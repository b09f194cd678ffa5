#include "exact/approx_internal.h"
zs_status ax_trw(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res) {
    (void)o; (void)res;
    return zs_fail(r->ctx, ZS_EUNSUPPORTED, "trw: not yet");
}
