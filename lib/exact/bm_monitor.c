/* bm_monitor.c — the figures of a fully visible Boltzmann machine at an epoch (zsum/bm.h,
 * zs_bm_monitor_compute): the exact ln Z by the library's enumeration of pairwise models, the
 * naive mean-field lower bound and the Bethe value of ln Z by its factor-graph approximations
 * (approx_mf.c, approx_bp.c) on the machine as a factor graph, and the exact mean ln p(x). */
#include "core/internal.h"

#include <math.h>

/* ln Z by the factor-graph approximation `method` (MF: a lower bound; BP: the Bethe value). */
static zs_status approx_lnz(const zs_factor_model *fm, zs_factor_approx method, double *lnz, int *conv) {
    zs_factor_approx_opts ao;
    zs_factor_approx_defaults(&ao);
    zs_factor_approx_result res;
    zs_status st = zs_factor_lnz_approx(fm, NULL, method, &ao, &res);
    if (st != ZS_OK) return st;
    *lnz = res.lnz;
    if (conv) *conv = res.converged;
    return ZS_OK;
}

/* Exact ln Z and the rows' mean ln p(x) = mean(b.x + sum_{i<j} W_ij x_i x_j) - ln Z, or NaN
 * beyond max_seconds. */
static zs_status exact_part(zs_ctx *ctx, size_t u, const double *w, const double *b, const uint8_t *rows,
                            size_t n, double max_seconds, zs_bm_monitor *m) {
    zs_pairwise *pm = NULL;
    zs_status st = zs_pairwise_alloc_bm(ctx, u, w, b, &pm);
    if (st != ZS_OK) return st;
    if (u <= ZS_PAIRWISE_ENUMERATE_WALK_MAX && (max_seconds <= 0 || zs_pairwise_enumerate_seconds(pm) <= max_seconds))
        st = zs_pairwise_lnz_enumerate(pm, 1.0, &m->lnz);
    zs_pairwise_free(pm);
    if (st == ZS_ETOOBIG) st = ZS_OK, m->lnz = (double)NAN;
    if (st != ZS_OK || isnan(m->lnz) || n == 0) return st;
    double s = 0.0;
    for (size_t r = 0; r < n; r++) {
        const uint8_t *x = rows + r * u;
        double e = 0.0;
        for (size_t i = 0; i < u; i++) {
            if (!x[i]) continue;
            e += b[i];
            for (size_t j = i + 1; j < u; j++)
                if (x[j]) e += w[i * u + j];
        }
        s += e;
    }
    m->loglik = s / (double)n - m->lnz;
    return ZS_OK;
}

zs_status zs_bm_monitor_compute(zs_ctx *ctx, size_t units, const double *w, const double *b,
                                const uint8_t *rows, size_t n, double max_seconds, zs_bm_monitor *out) {
    if (!w || !b || !out || (n && !rows)) return zs_fail(ctx, ZS_EINVAL, "monitor: NULL argument");
    *out = (zs_bm_monitor){(double)NAN, (double)NAN, (double)NAN, 0, (double)NAN};
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < units; i++)
            if (rows[r * units + i] > 1)
                return zs_fail(ctx, ZS_EINVAL, "row %zu, column %zu: %u is not 0 or 1", r + 1, i + 1,
                               rows[r * units + i]);
    zs_factor_model *fm = NULL;
    zs_status st = zs_factor_from_pairwise(ctx, units, w, b, 1.0, 1, &fm);
    if (st == ZS_OK) st = approx_lnz(fm, ZS_APPROX_MF, &out->lnz_mf, NULL);
    if (st == ZS_OK) st = approx_lnz(fm, ZS_APPROX_BP, &out->lnz_bethe, &out->bethe_converged);
    if (st == ZS_ENUMERIC) st = ZS_OK, out->lnz_bethe = (double)NAN;
    zs_factor_model_free(fm);
    if (st == ZS_OK) st = exact_part(ctx, units, w, b, rows, n, max_seconds, out);
    return st;
}
