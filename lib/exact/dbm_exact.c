/* dbm_exact.c — exact ln Z and ln p*(v) of a deep Boltzmann machine.
 *
 * Layers of one parity are not coupled, so the DBM is an RBM between the even layers
 * (v, h^2, ...) and the odd ones (h^1, h^3, ...) (zs_dbm_to_rbm). Its exact sum enumerates the
 * smaller set in Gray code and sums the other analytically with softplus, in log space
 * (lib/exact/rbm_exact.c; Salakhutdinov & Murray 2008, eq. 5). The blocks between layers that
 * are not neighbours are zero, which costs nothing in accuracy; for L <= 2 there are none.
 *
 * With v clamped, the hidden layers h^1..h^L are a DBM of L - 1 hidden layers whose bottom
 * layer h^1 has the bias b^1 + W^1T v; ln p*(v) = b^0.v + its ln Z. */
#include "exact/rbm_exact_kernels.h"
#include "models/dbm_internal.h"
#include "models/rbm_internal.h"

#include <stdio.h>
#include <string.h>

/* The smaller and larger of the two sets. */
static void set_sizes(const zs_dbm *d, size_t first, size_t *small, size_t *large) {
    size_t e = 0, o = 0;
    for (size_t l = first; l <= d->L; l++) {
        if ((l - first) % 2 == 0) e += d->n[l];
        else o += d->n[l];
    }
    *small = e < o ? e : o;
    *large = e < o ? o : e;
}

/* The time of the exact sum over layers first..L on `threads` threads, at the rate of
 * zs_rbm_exact_seconds: that is the kernel that runs. */
static double seconds_from(const zs_dbm *d, size_t first, int threads) {
    zs_rbm probe = {0};
    size_t s, m;
    set_sizes(d, first, &s, &m);
    probe.nv = s;
    probe.nh = m;
    return zs_rbm_exact_seconds(&probe, threads);
}

static double cost_from(const zs_dbm *d, size_t first) {
    size_t s, m;
    set_sizes(d, first, &s, &m);
    if (first == d->L) return (double)m; /* one layer alone: m softplus terms */
    return (double)m * ldexp(1.0, (int)(s < 1000 ? s : 1000));
}

double zs_dbm_exact_cost(const zs_dbm *d) { return cost_from(d, 0); }

double zs_dbm_exact_seconds(const zs_dbm *d, int threads) { return seconds_from(d, 0, threads); }

static void when_str(double secs, char *when, size_t cap) {
    if (secs < 1) snprintf(when, cap, "%.2g seconds", secs);
    else if (secs < 3600) snprintf(when, cap, "%.0f seconds", secs);
    else if (secs < 86400 * 2) snprintf(when, cap, "%.1f hours", secs / 3600);
    else if (secs < 86400 * 365.25 * 2) snprintf(when, cap, "%.1f days", secs / 86400);
    else snprintf(when, cap, "%.3g years", secs / (86400 * 365.25));
}

static void shape_str(const zs_dbm *d, char *buf, size_t cap) {
    size_t k = 0;
    for (size_t l = 0; l <= d->L && k + 1 < cap; l++) {
        int m = snprintf(buf + k, cap - k, "%s%zu", l ? "-" : "", d->n[l]);
        if (m < 0) break;
        k += (size_t)m;
    }
}

zs_status zs_dbm_lnz_exact(const zs_dbm *d, double max_seconds, double *lnz) {
    if (!d || !lnz) return ZS_EINVAL;
    size_t s, m;
    set_sizes(d, 0, &s, &m);
    int threads = zs_threads_for(d->ctx, rbm_exact_chunks(s)); /* as zs_rbm_lnz_exact will */
    double secs = zs_dbm_exact_seconds(d, threads);
    if (s > ZS_RBM_EXACT_MAX_SMALL || (max_seconds > 0 && secs > max_seconds)) {
        char when[64], shape[256];
        when_str(secs, when, sizeof when);
        shape_str(d, shape, sizeof shape);
        return zs_fail(d->ctx, ZS_ETOOBIG,
                       "exact ln Z of this %s DBM sums 2^%zu states of its smaller set of layers "
                       "(%.3g softplus terms): about %s on %d threads, over the limit of %g s; "
                       "use annealed importance sampling for an estimate with error bars", shape,
                       s, zs_dbm_exact_cost(d), when, threads, max_seconds);
    }
    zs_status st = zs_dbm_check(d);
    if (st != ZS_OK) return st;
    zs_rbm *r = NULL;
    st = zs_dbm_to_rbm(d, &r);
    if (st == ZS_OK) st = zs_rbm_lnz_exact(r, 0, lnz);
    zs_rbm_free(r);
    return st;
}

/* ln p*(v) of one row: b^0.v + ln Z of the clamped rest (layers 1..L, h^1's bias shifted). */
static zs_status row_unnorm(const zs_dbm *d, const uint8_t *v, double *out) {
    double s = 0.0;
    for (size_t i = 0; i < d->n[0]; i++)
        if (v[i]) s += d->b[0][i];
    size_t n1 = d->n[1];
    double *x = zs_malloc(n1 * sizeof *x);
    if (!x) return ZS_ENOMEM;
    memcpy(x, d->b[1], n1 * sizeof *x);
    for (size_t i = 0; i < d->n[0]; i++)
        if (v[i])
            for (size_t j = 0; j < n1; j++) x[j] += d->w[1][i * n1 + j];
    zs_status st = ZS_OK;
    if (d->L == 1) {
        *out = s + rbm_sum_softplus(x, n1);
    } else {
        /* The clamped DBM: layers 1..L, without a context (rows run in parallel; messages
         * are made by the caller). */
        zs_dbm sub = {0};
        sub.L = d->L - 1;
        for (size_t l = 0; l <= sub.L; l++) {
            sub.n[l] = d->n[l + 1];
            sub.b[l] = l == 0 ? x : d->b[l + 1];
            sub.w[l] = l == 0 ? NULL : d->w[l + 1];
        }
        zs_rbm *r = NULL;
        double lz = 0;
        st = zs_dbm_to_rbm(&sub, &r);
        if (st == ZS_OK) st = zs_rbm_lnz_exact(r, 0, &lz);
        zs_rbm_free(r);
        *out = s + lz;
    }
    free(x);
    return st;
}

zs_status zs_dbm_unnorm_loglik_exact(const zs_dbm *d, const uint8_t *rows, size_t n,
                                     double max_seconds, double *out) {
    if (!d || (!rows && n) || (!out && n)) return ZS_EINVAL;
    zs_status st = dbm_check_rows(d->ctx, rows, n, d->n[0]);
    if (st != ZS_OK) return st;
    size_t s, m;
    set_sizes(d, 1, &s, &m);
    int threads = zs_threads_for(d->ctx, n); /* rows in parallel, each on one thread */
    double per_row = d->L == 1 ? 0.0 : seconds_from(d, 1, 1);
    double secs = per_row * (double)n / threads;
    if (s > ZS_RBM_EXACT_MAX_SMALL || (max_seconds > 0 && secs > max_seconds)) {
        char when[64], shape[256];
        when_str(secs, when, sizeof when);
        shape_str(d, shape, sizeof shape);
        return zs_fail(d->ctx, ZS_ETOOBIG,
                       "exact ln p(v) of %zu rows under this %s DBM sums 2^%zu hidden states a "
                       "row: about %s on %d threads, over the limit of %g s; use the "
                       "mean-field bound", n, shape, s, when, threads, max_seconds);
    }
    st = zs_dbm_check(d);
    if (st != ZS_OK) return st;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t r = 0; r < n; r++) {
        if (__atomic_load_n(&failed, __ATOMIC_RELAXED)) continue;
        zs_status rs = row_unnorm(d, rows + r * d->n[0], &out[r]);
        if (rs != ZS_OK) __atomic_store_n(&failed, (int)rs, __ATOMIC_RELAXED);
    }
    if (failed == ZS_ENOMEM) return zs_fail(d->ctx, ZS_ENOMEM, "exact ln p(v): out of memory");
    if (failed) return zs_fail(d->ctx, (zs_status)failed, "exact ln p(v): the sum is not finite");
    return ZS_OK;
}
