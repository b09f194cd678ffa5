/* rbm_sample.c — block Gibbs sampling of an RBM: h ~ p(h|v) = prod_j sigmoid(b_j + (v^T W)_j),
 * v ~ p(v|h) = prod_i sigmoid(a_i + (W h)_i) (the two layers are conditionally independent,
 * Hinton 2010 section 2). Chain c starts from uniform random v (or a given data row) and draws from stream
 * zs_rng(seed, c); chains run in parallel, so the result does not depend on the threads. */
#include "models/rbm_internal.h"

/* init: NULL for uniform random starts, else n_init binary rows (chain c starts at row
 * c mod n_init). */
static zs_status sample(const zs_rbm *rbm, size_t n, uint64_t steps, uint64_t seed, const uint8_t *init,
                        size_t n_init, double *out) {
    if (!rbm || !out || n == 0 || steps == 0)
        return zs_fail(rbm ? rbm->ctx : NULL, ZS_EINVAL, "sample: need n >= 1 chains and steps >= 1");
    const size_t nv = rbm->nv, nh = rbm->nh;
    zs_status st = init ? rbm_check_rows(rbm->ctx, "sample: start", init, n_init, nv) : ZS_OK;
    if (st != ZS_OK) return st;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads_for(rbm->ctx, n))
    for (size_t c = 0; c < n; c++) {
        zs_rng rng;
        zs_rng_init(&rng, seed, c);
        double *v = out + c * nv;
        double *h = zs_malloc(nh * sizeof *h);
        if (!h) {
            __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
            continue;
        }
        if (init)
            for (size_t i = 0; i < nv; i++) v[i] = init[(c % n_init) * nv + i];
        else
            for (size_t i = 0; i < nv; i++) v[i] = zs_rng_uniform(&rng) < 0.5 ? 1.0 : 0.0;
        for (uint64_t s = 0; s < steps; s++) {
            for (size_t j = 0; j < nh; j++) {
                double x = rbm->b[j];
                for (size_t i = 0; i < nv; i++) x += v[i] * rbm->w[i * nh + j];
                h[j] = zs_rng_uniform(&rng) < rbm_logistic(x) ? 1.0 : 0.0;
            }
            for (size_t i = 0; i < nv; i++) {
                double x = rbm->a[i];
                for (size_t j = 0; j < nh; j++) x += rbm->w[i * nh + j] * h[j];
                double p = rbm_logistic(x);
                v[i] = s + 1 == steps ? p : (zs_rng_uniform(&rng) < p ? 1.0 : 0.0);
            }
        }
        free(h);
    }
    if (failed) return zs_fail(rbm->ctx, ZS_ENOMEM, "sample: out of memory");
    return ZS_OK;
}

/* Per chain and sweep: 2 nv nh multiply-adds (about 0.5 ns each, the loops above are not
 * vectorized across chains) and nv + nh sigmoids and uniform draws (about 10 ns each). */
double zs_rbm_sample_seconds(const zs_rbm *rbm, size_t n, uint64_t steps) {
    if (!rbm) return (double)NAN;
    double nv = (double)rbm->nv, nh = (double)rbm->nh, chains = (double)n;
    double threads = (double)zs_threads_for(rbm->ctx, n); /* min(threads, processors, chains) */
    double rounds = chains > 0 ? ceil(chains / threads) : 0.0;
    return rounds * (double)steps * (2.0 * nv * nh * 0.5 + (nv + nh) * 10.0) * 1e-9;
}

zs_status zs_rbm_sample(const zs_rbm *rbm, size_t n, uint64_t steps, uint64_t seed, double *out) {
    return sample(rbm, n, steps, seed, NULL, 0, out);
}

zs_status zs_rbm_sample_from(const zs_rbm *rbm, size_t n, uint64_t steps, uint64_t seed,
                             const uint8_t *init, size_t n_init, double *out) {
    if (!init || n_init == 0)
        return zs_fail(rbm ? rbm->ctx : NULL, ZS_EINVAL, "sample: starting rows requested but none given");
    return sample(rbm, n, steps, seed, init, n_init, out);
}
