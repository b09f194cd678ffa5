/* pairwise_factor.c — a pairwise model (chain, lattice or dense Boltzmann machine) as a
 * general factor model, from its bond list: one pairwise factor per bond with a non-zero
 * coupling and one unary factor per non-zero field, so a lattice of n spins gives O(n)
 * factors and no n x n matrix is ever built. */
#include "models/pairwise_internal.h"

#include <math.h>
#include <stdlib.h>

zs_status zs_pairwise_to_factor(const zs_pairwise *m, double beta, zs_factor_model **out,
                                double *offset) {
    if (!m || !out) return ZS_EINVAL;
    zs_ctx *ctx = m->ctx;
    if (!isfinite(beta)) return zs_fail(ctx, ZS_EINVAL, "beta: %g is not a finite number", beta);
    uint32_t *dom = zs_malloc((m->n ? m->n : 1) * sizeof *dom);
    if (!dom) return zs_fail(ctx, ZS_ENOMEM, "pairwise to factors: out of memory");
    for (size_t i = 0; i < m->n; i++) dom[i] = 2;
    zs_factor_model *f;
    zs_status st = zs_factor_model_alloc(ctx, m->n, dom, &f);
    free(dom);
    if (st != ZS_OK) return st;
    /* Value 0 is s = -1 and value 1 is s = +1; the weight exp(-beta (E(s) - offset)) is
     * prod_i exp(beta h_i s_i) prod_b exp(beta J_b s_i s_j), each factor stored as its log. */
    const double s[2] = {-1.0, 1.0};
    for (size_t i = 0; i < m->n && st == ZS_OK; i++) {
        if (m->h[i] == 0.0) continue;
        uint32_t scope[1] = {(uint32_t)i};
        double t[2] = {beta * m->h[i] * s[0], beta * m->h[i] * s[1]};
        st = zs_factor_model_add(f, 1, scope, t, 1);
    }
    /* A pair listed twice (the two bonds of a periodic direction of length 2) gives two
     * factors on the same scope; their product is the pair's weight. */
    for (size_t b = 0; b < m->nb && st == ZS_OK; b++) {
        if (m->bJ[b] == 0.0) continue;
        uint32_t scope[2] = {m->bi[b], m->bj[b]};
        double t[4];
        for (int a = 0; a < 2; a++)
            for (int c = 0; c < 2; c++) t[2 * a + c] = beta * m->bJ[b] * s[a] * s[c];
        st = zs_factor_model_add(f, 2, scope, t, 1);
    }
    if (st != ZS_OK) {
        zs_factor_model_free(f);
        return st;
    }
    if (offset) *offset = m->offset;
    *out = f;
    return ZS_OK;
}
