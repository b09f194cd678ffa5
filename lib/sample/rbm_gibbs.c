/* rbm_gibbs.c — one block-Gibbs step from each of many binary rows: h ~ p(h | v) with
 * p(h_j = 1 | v) = sigmoid(b_j + sum_i v_i W_ij), then v' ~ p(v | h) with
 * p(v_i = 1 | h) = sigmoid(a_i + sum_j W_ij h_j) (Hinton 2010, "A practical guide to training
 * RBMs", eqs. 7 and 8; the two layers are conditionally independent). v and h are binary, so
 * each product is a sum over the units that are on. Row r draws from zs_rng(seed, r): nh
 * uniforms for h in order, then nv for v', whatever the threads. */
#include "models/rbm_internal.h"

#include <math.h>
#include <string.h>

zs_status zs_rbm_gibbs(const zs_rbm *rbm, const uint8_t *rows, size_t n, uint64_t seed, uint8_t *out) {
    if (!rbm || !rows || !out) return ZS_EINVAL;
    const size_t nv = rbm->nv, nh = rbm->nh;
    zs_status st = rbm_check_rows(rbm->ctx, "gibbs:", rows, n, nv);
    if (st != ZS_OK) return st;
    int failed = 0;
#pragma omp parallel num_threads(zs_threads_for(rbm->ctx, n))
    {
        double *x = zs_malloc(nh * sizeof *x);
        size_t *on = zs_malloc(nh * sizeof *on);
        if (!x || !on) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(static)
        for (size_t r = 0; r < n; r++) {
            if (!x || !on) continue;
            zs_rng rng;
            zs_rng_init(&rng, seed, r);
            rbm_hidden_field(rbm, rows + r * nv, x);
            size_t non = 0;
            for (size_t j = 0; j < nh; j++)
                if (zs_rng_uniform(&rng) < rbm_logistic(x[j])) on[non++] = j;
            /* Row r was read in full above, before out's row (maybe the same memory) is set. */
            uint8_t *o = out + r * nv;
            for (size_t i = 0; i < nv; i++) {
                const double *w = rbm->w + i * nh;
                double s = rbm->a[i];
                for (size_t q = 0; q < non; q++) s += w[on[q]];
                o[i] = zs_rng_uniform(&rng) < rbm_logistic(s) ? 1 : 0;
            }
        }
        free(x);
        free(on);
    }
    if (failed) return zs_fail(rbm->ctx, ZS_ENOMEM, "gibbs: out of memory");
    return ZS_OK;
}
