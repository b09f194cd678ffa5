/* hopfield_dynamics.c — asynchronous recall dynamics of a Hopfield network.
 *
 * Deterministic (Hopfield 1982): unit i takes s_i <- sign(h_i), h_i = sum_j J_ij s_j, and keeps
 * its state when h_i = 0. With J symmetric and J_ii = 0 a flip changes the energy
 * E = -1/2 s^T J s by dE = -2 |h_i| < 0, so E never increases and the run ends at a fixed
 * point (a sweep without flips).
 * Heat bath at temperature T = 1/beta (Glauber 1963): s_i <- +1 with probability
 * 1 / (1 + exp(-2 beta h_i)), the conditional Boltzmann probability of s_i given the rest.
 *
 * Fields are kept current: when s_i flips by d = s_i' - s_i = 2 s_i', every h_j gains
 * J_ji d, one row of the symmetric J (BLAS daxpy). For integer couplings (Hebbian K, fields in
 * units of 1/N) this is exact; otherwise fields are recomputed from scratch every sweep so
 * rounding cannot accumulate. */
#include "models/hopfield_internal.h"
#include "sample/hopfield_flip.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Uniform in [0, bound), bound < 2^32: Lemire's multiply-shift with rejection (ACM TOMACS 29,
 * 2019, "Fast random integer generation in an interval"), exact, and a division only in the
 * rare rejection branch; zs_rng_below divides on every call, which was 1/6 of a capacity run. */
static uint32_t below32(zs_rng *rng, uint32_t bound) {
    uint64_t m = (zs_rng_next(rng) >> 32) * (uint64_t)bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        const uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (zs_rng_next(rng) >> 32) * (uint64_t)bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

size_t zs_pattern_flip(int8_t *s, size_t n, double fraction, zs_rng *rng) {
    if (!(fraction > 0.0) || n == 0) return 0;
    if (fraction > 1.0) fraction = 1.0;
    const size_t k = (size_t)nearbyint(fraction * (double)n);
    /* Selection sampling (Knuth, TAOCP vol. 2, 3.4.2, Algorithm S): unit i is taken with
     * probability (k - taken) / (n - i), which gives every k-subset the same chance, exactly
     * k units, and needs no memory. */
    size_t taken = 0;
    for (size_t i = 0; i < n && taken < k; i++)
        if (below32(rng, (uint32_t)(n - i)) < k - taken) {
            s[i] = (int8_t)-s[i];
            taken++;
        }
    return k;
}

/* Fisher-Yates: a uniform random permutation of order[0..n) (n < 2^32). */
void hopfield_shuffle(uint32_t *order, size_t n, zs_rng *rng) {
    for (size_t i = n; i > 1; i--) {
        size_t j = below32(rng, (uint32_t)i);
        uint32_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

/* h = w s. */
static void fields(size_t n, const double *w, const int8_t *s, double *sd, double *h) {
    for (size_t i = 0; i < n; i++) sd[i] = s[i];
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, w, (int)n, sd, 1, 0.0, h, 1);
}

/* One deterministic sweep in the given order; returns the number of flips. */
static size_t sweep_zero_t(size_t n, const double *w, double *h, int8_t *s,
                           const uint32_t *order) {
    size_t flips = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        int8_t next = h[i] > 0.0 ? 1 : h[i] < 0.0 ? -1 : s[i];
        if (next != s[i]) {
            s[i] = next;
            cblas_daxpy((int)n, 2.0 * next, w + i * n, 1, h, 1);
            flips++;
        }
    }
    return flips;
}

/* One heat-bath sweep; h in units of div, so the field is h / div. */
static size_t sweep_heat_bath(size_t n, const double *w, double *h, int8_t *s,
                              const uint32_t *order, double beta_over_div, zs_rng *rng) {
    size_t flips = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        double p_up = 1.0 / (1.0 + exp(-2.0 * beta_over_div * h[i]));
        int8_t next = zs_rng_uniform(rng) < p_up ? 1 : -1;
        if (next != s[i]) {
            s[i] = next;
            cblas_daxpy((int)n, 2.0 * next, w + i * n, 1, h, 1);
            flips++;
        }
    }
    return flips;
}

/* The same two sweeps on 16-bit integer couplings with 32-bit fields (net->w16): exact, and a
 * flip streams 2N bytes of J instead of 8N. beta_over_div 0: deterministic. */
static void fields_i16(size_t n, const int16_t *w, const int8_t *s, int32_t *h) {
    for (size_t i = 0; i < n; i++) {
        const int16_t *row = w + i * n;
        int32_t sum = 0;
        for (size_t j = 0; j < n; j++) sum += row[j] * s[j];
        h[i] = sum;
    }
}

static void flip_portable(size_t n, const int16_t *row, int up, int32_t *h) {
    if (up)
        for (size_t j = 0; j < n; j++) h[j] += 2 * (int32_t)row[j];
    else
        for (size_t j = 0; j < n; j++) h[j] -= 2 * (int32_t)row[j];
}

hopfield_flip_fn hopfield_pick_flip(void) {
    int level = zs_simd_level();
    return level == 2 ? hopfield_flip_avx512 : level == 1 ? hopfield_flip_avx2 : flip_portable;
}

static size_t sweep_i16(size_t n, const int16_t *w, int32_t *h, int8_t *s, const uint32_t *order,
                        double beta_over_div, zs_rng *rng, hopfield_flip_fn flip) {
    size_t flips = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        int8_t next;
        if (beta_over_div > 0.0) {
            double p_up = 1.0 / (1.0 + exp(-2.0 * beta_over_div * (double)h[i]));
            next = zs_rng_uniform(rng) < p_up ? 1 : -1;
        } else {
            next = (int64_t)h[i] * s[i] < 0 ? (int8_t)-s[i] : s[i]; /* sign(h_i); 0 keeps s_i */
        }
        if (next != s[i]) {
            s[i] = next;
            flip(n, w + i * n, next > 0, h);
            flips++;
        }
    }
    return flips;
}

uint64_t hopfield_descend(size_t n, const double *w, double *h, int8_t *s, uint32_t *order,
                          zs_rng *rng, uint64_t max_sweeps, int *converged) {
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
    *converged = 0;
    uint64_t sweep = 0;
    while (sweep < max_sweeps) {
        hopfield_shuffle(order, n, rng);
        sweep++;
        if (sweep_zero_t(n, w, h, s, order) == 0) {
            *converged = 1;
            break;
        }
    }
    return sweep;
}

void zs_hopfield_run_defaults(zs_hopfield_run_opts *opts) {
    if (!opts) return;
    opts->beta = HUGE_VAL;
    opts->order = ZS_HOPFIELD_RANDOM;
    opts->max_sweeps = 100;
    opts->seed = 0;
    opts->stream = 0;
}

zs_status zs_hopfield_run(const zs_hopfield *net, const zs_hopfield_run_opts *dyn, int8_t *s,
                          zs_hopfield_sweep_fn fn, void *user, zs_hopfield_result *result) {
    if (!net || !dyn || !s) return ZS_EINVAL;
    zs_ctx *ctx = net->ctx;
    const size_t n = net->n;
    if (!(dyn->beta > 0.0))
        return zs_fail(ctx, ZS_EINVAL, "dynamics: beta = %g must be > 0 (HUGE_VAL: T = 0, the "
                       "deterministic rule)", dyn->beta);
    const int heat_bath = isfinite(dyn->beta);
    if (dyn->max_sweeps == 0) return zs_fail(ctx, ZS_EINVAL, "dynamics: at least one sweep");
    if (dyn->order != ZS_HOPFIELD_SEQUENTIAL && dyn->order != ZS_HOPFIELD_RANDOM)
        return zs_fail(ctx, ZS_EINVAL, "dynamics: unknown update order %d", (int)dyn->order);
    for (size_t i = 0; i < n; i++)
        if (s[i] != 1 && s[i] != -1)
            return zs_fail(ctx, ZS_EINVAL, "state: unit %zu = %d is not -1 or +1", i, (int)s[i]);
    const size_t p = net->pat ? net->pat->p : 0;
    double *h = zs_malloc(n * sizeof *h), *sd = zs_malloc(n * sizeof *sd);
    int32_t *h32 = net->w16 ? zs_malloc(n * sizeof *h32) : NULL;
    uint32_t *order = zs_malloc(n * sizeof *order);
    double *m = p ? zs_malloc(p * sizeof *m) : NULL;
    if (!h || !sd || !order || (p && !m) || (net->w16 && !h32)) {
        free(h32);
        free(h);
        free(sd);
        free(order);
        free(m);
        return zs_fail(ctx, ZS_ENOMEM, "dynamics: out of memory");
    }
    zs_rng rng;
    zs_rng_init(&rng, dyn->seed, dyn->stream);
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
    const double beta_over_div = heat_bath ? dyn->beta / net->div : 0.0;
    zs_status st = ZS_OK;
    zs_hopfield_result r = {0, 0, 0.0};
    const hopfield_flip_fn flip = hopfield_pick_flip();
    if (h32) fields_i16(n, net->w16, s, h32);
    else fields(n, net->w, s, sd, h);
    while (r.sweeps < dyn->max_sweeps) {
        if (dyn->order == ZS_HOPFIELD_RANDOM) hopfield_shuffle(order, n, &rng);
        size_t flips;
        if (h32) flips = sweep_i16(n, net->w16, h32, s, order, beta_over_div, &rng, flip);
        else if (heat_bath)
            flips = sweep_heat_bath(n, net->w, h, s, order, beta_over_div, &rng);
        else
            flips = sweep_zero_t(n, net->w, h, s, order);
        r.sweeps++;
        if (!net->integer) fields(n, net->w, s, sd, h);
        double e = 0.0;
        if (h32) {
            int64_t ei = 0;
            for (size_t i = 0; i < n; i++) ei += s[i] * h32[i];
            e = (double)ei;
        } else {
            for (size_t i = 0; i < n; i++) e += s[i] * h[i];
        }
        r.energy = -0.5 * e / net->div + 0.0; /* + 0.0: no negative zero */
        if (p && fn) zs_hopfield_overlaps(net, s, m);
        if (fn && fn(user, r.sweeps, s, r.energy, m, flips)) {
            st = zs_fail(ctx, ZS_ECANCELLED, "dynamics: stopped after sweep %llu",
                         (unsigned long long)r.sweeps);
            break;
        }
        if (!heat_bath && flips == 0) {
            r.converged = 1;
            break;
        }
    }
    if (st == ZS_OK && result) *result = r;
    free(h32);
    free(h);
    free(sd);
    free(order);
    free(m);
    return st;
}
