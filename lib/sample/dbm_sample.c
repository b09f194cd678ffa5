/* dbm_sample.c — block Gibbs sampling of a deep Boltzmann machine.
 *
 * Layers of one parity are coupled only to layers of the other (zsum/dbm.h), so given the
 * even layers (v, h^2, ...) the odd ones are independent Bernoullis, and the other way round:
 *   p(h^l_j = 1 | rest) = sigmoid(b^l_j + (h^{l-1} W^l)_j + (W^{l+1} h^{l+1})_j)
 * (Salakhutdinov & Hinton 2009, eqs. 4-6, with L layers). A sweep draws every odd layer, then
 * every even layer: the Gibbs sampler of the RBM between the two sets (zs_dbm_to_rbm), whose
 * stationary distribution is the model's. Chain c draws from zs_rng(seed, c) and chains run
 * in parallel, so the samples do not depend on the thread count. */
#include "sample/dbm_sample_internal.h"

#include <omp.h>
#include <string.h>

void zs_dbm_sample_defaults(zs_dbm_sample_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->chains = 64;
    o->steps = 1000;
    o->seed = 1;
}

/* The field of unit j of layer l from the states s of the neighbouring layers (offsets off);
 * only the ones of a neighbour contribute, so a row of W is added per unit that is on. */
static void layer_field(const zs_dbm *d, const size_t *off, const uint8_t *s, size_t l, double *x) {
    const size_t nl = d->n[l];
    memcpy(x, d->b[l], nl * sizeof *x);
    if (l >= 1) { /* (h^{l-1} W^l)_j: rows i of W^l where h^{l-1}_i = 1 */
        const size_t np = d->n[l - 1];
        const uint8_t *p = s + off[l - 1];
        for (size_t i = 0; i < np; i++)
            if (p[i]) {
                const double *w = d->w[l] + i * nl;
                for (size_t j = 0; j < nl; j++) x[j] += w[j];
            }
    }
    if (l < d->L) { /* (W^{l+1} h^{l+1})_j */
        const size_t nn = d->n[l + 1];
        const uint8_t *q = s + off[l + 1];
        for (size_t j = 0; j < nl; j++) {
            const double *w = d->w[l + 1] + j * nn;
            double a = 0.0;
            for (size_t k = 0; k < nn; k++)
                if (q[k]) a += w[k];
            x[j] += a;
        }
    }
}

zs_status dbm_gibbs_chains(const zs_dbm *d, size_t n, uint64_t steps, uint64_t seed, uint64_t stream0,
                           const uint8_t *init, size_t n_init, int clamp, uint8_t *layers, double *prob) {
    size_t widest = 0, off[ZS_DBM_MAX_LAYERS + 2];
    const size_t units = dbm_units(d, &widest, off);
    int failed = 0, stop = 0;
    size_t done = 0;
#pragma omp parallel num_threads(zs_threads_for(d->ctx, n))
    {
        uint8_t *s = zs_malloc(units);
        double *x = zs_malloc(widest * sizeof *x);
        if (!s || !x) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(dynamic, 1)
        for (size_t c = 0; c < n; c++) {
            if (!s || !x || __atomic_load_n(&stop, __ATOMIC_RELAXED)) continue;
            zs_rng rng;
            zs_rng_init(&rng, seed, stream0 + c);
            memset(s, 0, units);
            if (init) memcpy(s, init + (c % n_init) * d->n[0], d->n[0]);
            else
                for (size_t i = 0; i < d->n[0]; i++) s[i] = zs_rng_uniform(&rng) < 0.5;
            for (size_t l = 2; l <= d->L; l += 2)
                for (size_t i = 0; i < d->n[l]; i++) s[off[l] + i] = zs_rng_uniform(&rng) < 0.5;
            for (uint64_t t = 0; t < steps; t++)
                for (size_t parity = 1; parity <= 2; parity++) /* odd layers, then even */
                    for (size_t l = parity % 2; l <= d->L; l += 2) {
                        if (l == 0 && clamp) continue;
                        layer_field(d, off, s, l, x);
                        for (size_t j = 0; j < d->n[l]; j++) {
                            double p = dbm_sigmoid(x[j]);
                            if (l == 0 && prob && t + 1 == steps) prob[c * d->n[0] + j] = p;
                            s[off[l] + j] = zs_rng_uniform(&rng) < p;
                        }
                    }
            if (prob && (clamp || steps == 0)) { /* v not drawn in a sweep: p(v | h^1) of the end state */
                layer_field(d, off, s, 0, x);
                for (size_t j = 0; j < d->n[0]; j++) prob[c * d->n[0] + j] = dbm_sigmoid(x[j]);
            }
            if (layers) memcpy(layers + c * units, s, units);
            size_t now = __atomic_add_fetch(&done, 1, __ATOMIC_RELAXED);
            if (omp_get_thread_num() == 0 && zs_progress(d->ctx, "Gibbs", (double)now, (double)n))
                __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
        }
        free(s);
        free(x);
    }
    if (failed) return zs_fail(d->ctx, ZS_ENOMEM, "sample: out of memory");
    if (stop) return zs_fail(d->ctx, ZS_ECANCELLED, "sample: cancelled");
    return ZS_OK;
}

zs_status zs_dbm_sample(const zs_dbm *d, const zs_dbm_sample_opts *o, uint8_t *visible, uint8_t *layers,
                        double *prob) {
    if (!d || !o) return ZS_EINVAL;
    if (o->chains == 0) return zs_fail(d->ctx, ZS_EINVAL, "sample: 0 chains; at least 1 is needed (chains)");
    if (o->init && o->n_init == 0)
        return zs_fail(d->ctx, ZS_EINVAL, "sample: start rows given (init) but n_init is 0");
    if (o->chains > SIZE_MAX / (dbm_units(d, NULL, NULL) + sizeof(double) * d->n[0]))
        return zs_fail(d->ctx, ZS_ERANGE, "sample: %zu chains are too many", o->chains);
    zs_status st = o->init ? dbm_check_rows(d->ctx, o->init, o->n_init, d->n[0]) : ZS_OK;
    if (st == ZS_OK) st = zs_dbm_check(d);
    if (st != ZS_OK) return st;
    const size_t units = dbm_units(d, NULL, NULL), n0 = d->n[0];
    uint8_t *all = layers;
    if (!all && visible && !(all = zs_malloc(o->chains * units)))
        return zs_fail(d->ctx, ZS_ENOMEM, "sample: out of memory for %zu chains", o->chains);
    st = dbm_gibbs_chains(d, o->chains, o->steps, o->seed, 0, o->init, o->n_init, 0, all, prob);
    if (st == ZS_OK && visible)
        for (size_t c = 0; c < o->chains; c++) memcpy(visible + c * n0, all + c * units, n0);
    if (all != layers) free(all);
    return st;
}

/* Per chain and sweep: every W^l is read twice (once for each of its layers' fields), about 1.4
 * ns a weight in the loops above (64 chains x 100 sweeps of a 784-500-1000 DBM: 7.9-8.5 s on
 * 2 threads), and one sigmoid and uniform draw per unit (about 10 ns). */
double zs_dbm_sample_seconds(const zs_dbm *d, size_t chains, uint64_t steps) {
    if (!d) return (double)NAN;
    double weights = 0.0, units = 0.0;
    for (size_t l = 0; l <= d->L; l++) {
        units += (double)d->n[l];
        if (l >= 1) weights += (double)d->n[l - 1] * (double)d->n[l];
    }
    double threads = (double)zs_threads_for(d->ctx, chains), c = (double)chains; /* min(threads, processors, chains) */
    double rounds = c > 0 ? ceil(c / threads) : 0.0;
    return rounds * (double)steps * (2.0 * weights * 1.4 + units * 10.0) * 1e-9;
}
