/* rbm_exact.c — exact ln Z of an RBM by enumerating the smaller layer.
 *
 * With the smaller layer s (n units, biases c) and the larger layer l (m units, biases d),
 * summing l out analytically (each unit independently) gives
 *     Z = sum_{s in {0,1}^n} exp(c^T s) prod_{i=1..m} (1 + exp(d_i + (W s)_i)),
 *     ln Z = logsumexp_s [ c^T s + sum_i softplus(d_i + (W s)_i) ]
 * (Salakhutdinov & Murray 2008, eq. 5 — the sum is over whichever layer is smaller).
 *
 * The 2^n states are split into an inner block of the first b <= 6 units (64 lanes, tabulated
 * once: y_ij = sum_{k<b} W_ik s_k) and an outer part walked in binary-reflected Gray code, so
 * each outer step adds or subtracts one column of W to xo = d + W s_outer. For each outer state
 * the kernel sums softplus(xo_i + y_ij) over i for all 64 lanes (rbm_exact_kernels.h):
 *  - fast kernel, when |x| <= XMAX_FAST for every state: ln(1 + e^{xo} e^{y}) as one FMA per
 *    term on tabulated e^{y}, with one exp per larger unit and outer state;
 *  - robust kernel otherwise: one exp per term (max(x,0) + ln(1 + e^{-|x|})).
 * The outer walk is cut into a fixed number of chunks (each re-seeded from scratch, so Gray
 * rounding drift stays short), reduced per chunk as (max, sum exp(. - max)) and combined in
 * chunk order: the result does not depend on the number of threads. The chunks are the
 * computation's work units (lib/core/units.c): each unit's record is its (max, sum). */
#include "exact/rbm_exact_kernels.h"
#include "models/rbm_internal.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

#define CHUNKS_MAX 4096
#define XMAX_FAST 200.0
/* Softplus terms per second per thread of the fast kernel on the machine of BENCHMARKS.md
 * (## rbm); used only to estimate the time of a request before refusing it. */
#define RATE_PER_THREAD 4.0e9

/* Portable kernels: the same sums with libm, one term at a time (also the oracle in tests). */
static void kernel_fast_scalar(const double *eo, const double *e, size_t m, size_t r, double *out) {
    (void)r;
    for (int j = 0; j < RBM_LANES; j++) {
        double s = 0.0;
        for (size_t i = 0; i < m; i++) s += log1p(eo[i] * e[i * RBM_LANES + j]);
        out[j] = s;
    }
}

static void kernel_robust_scalar(const double *xo, const double *y, size_t m, double *out) {
    for (int j = 0; j < RBM_LANES; j++) {
        double s = 0.0;
        for (size_t i = 0; i < m; i++) s += zs_softplus(xo[i] + y[i * RBM_LANES + j]);
        out[j] = s;
    }
}

double zs_rbm_exact_cost(const zs_rbm *rbm) {
    size_t n = rbm->nv < rbm->nh ? rbm->nv : rbm->nh, m = rbm->nv < rbm->nh ? rbm->nh : rbm->nv;
    return (double)m * ldexp(1.0, (int)(n < 1000 ? n : 1000));
}

size_t rbm_exact_chunks(size_t n) {
    const size_t b = n < 6 ? n : 6, rest = n - b; /* plan_make: 2^b lanes inside, 2^(n-b) outside */
    return rest >= 12 ? CHUNKS_MAX : (size_t)1 << rest < CHUNKS_MAX ? (size_t)1 << rest : CHUNKS_MAX;
}

double zs_rbm_exact_seconds(const zs_rbm *rbm, int threads) {
    return zs_rbm_exact_cost(rbm) / (RATE_PER_THREAD * (threads > 0 ? threads : 1));
}

typedef struct plan {
    size_t n, m, b, lanes;  /* smaller layer, larger layer, inner units, 2^b               */
    double *ws;             /* (n, m): ws[k*m + i] couples small unit k and large unit i    */
    const double *d;        /* (m) larger layer biases                                      */
    const double *c;        /* (n) smaller layer biases                                     */
    double *y, *e;          /* (m, 64) inner tables y_ij and e^{y_ij}                       */
    double cin[RBM_LANES];  /* c^T s over the inner units, per lane                         */
    int fast;
    size_t r;               /* rows between renormalizations in the fast kernel             */
    uint64_t outer;         /* 2^(n-b)                                                      */
    size_t nchunks;         /* work units: chunks of the outer walk                         */
    int level;              /* kernel set (zs_simd_level)                                   */
} plan;

static void plan_free(plan *p) {
    free(p->ws);
    free(p->y);
    free(p->e);
}

static zs_status plan_make(const zs_rbm *rbm, plan *p) {
    memset(p, 0, sizeof *p);
    int small_hidden = rbm->nh <= rbm->nv;
    p->n = small_hidden ? rbm->nh : rbm->nv;
    p->m = small_hidden ? rbm->nv : rbm->nh;
    p->d = small_hidden ? rbm->a : rbm->b;
    p->c = small_hidden ? rbm->b : rbm->a;
    p->b = p->n < 6 ? p->n : 6;
    p->lanes = (size_t)1 << p->b;
    p->outer = (uint64_t)1 << (p->n - p->b);
    p->ws = zs_malloc(p->n * p->m * sizeof *p->ws);
    p->y = zs_malloc(p->m * RBM_LANES * sizeof *p->y);
    p->e = zs_malloc(p->m * RBM_LANES * sizeof *p->e);
    if (!p->ws || !p->y || !p->e) {
        plan_free(p);
        return zs_fail(rbm->ctx, ZS_ENOMEM, "exact ln Z: out of memory");
    }
    for (size_t k = 0; k < p->n; k++)
        for (size_t i = 0; i < p->m; i++)
            p->ws[k * p->m + i] = small_hidden ? rbm->w[i * rbm->nh + k] : rbm->w[k * rbm->nh + i];
    /* Bound |x_i| <= |d_i| + sum_k |W_ik| over every state: decides the kernel. */
    double xmax = 0.0;
    for (size_t i = 0; i < p->m; i++) {
        double x = fabs(p->d[i]);
        for (size_t k = 0; k < p->n; k++) x += fabs(p->ws[k * p->m + i]);
        if (x > xmax) xmax = x;
    }
    p->fast = xmax <= XMAX_FAST;
    /* r factors, each below e^{xmax} * 2, must stay below 2^1000. */
    double r = 1000.0 / (xmax / M_LN2 + 1.0);
    p->r = r >= 64 ? 64 : r < 1 ? 1 : (size_t)r;
    for (size_t j = 0; j < RBM_LANES; j++) {
        size_t s = j % p->lanes; /* lanes past 2^b repeat real states; their results are unused */
        double cs = 0.0;
        for (size_t k = 0; k < p->b; k++)
            if (s >> k & 1) cs += p->c[k];
        p->cin[j] = cs;
        for (size_t i = 0; i < p->m; i++) {
            double y = 0.0;
            for (size_t k = 0; k < p->b; k++)
                if (s >> k & 1) y += p->ws[k * p->m + i];
            p->y[i * RBM_LANES + j] = y;
            p->e[i * RBM_LANES + j] = exp(y);
        }
    }
    return ZS_OK;
}

/* xo = d + sum of the columns of the outer units set in Gray code g; co = c^T s_outer. */
static void outer_seek(const plan *p, uint64_t r, double *xo, double *co) {
    uint64_t g = r ^ (r >> 1);
    memcpy(xo, p->d, p->m * sizeof *xo);
    *co = 0.0;
    for (size_t t = 0; t + p->b < p->n; t++)
        if (g >> t & 1) {
            const double *col = p->ws + (p->b + t) * p->m;
            for (size_t i = 0; i < p->m; i++) xo[i] += col[i];
            *co += p->c[p->b + t];
        }
}

typedef struct lse {
    double max, sum; /* the running value is max + ln(sum) */
} lse;

static void lse_add(lse *acc, const double *v, size_t n) {
    double mx = acc->max;
    for (size_t j = 0; j < n; j++)
        if (v[j] > mx) mx = v[j];
    if (mx == -HUGE_VAL) return;
    double s = acc->sum * exp(acc->max - mx);
    for (size_t j = 0; j < n; j++) s += exp(v[j] - mx);
    acc->max = mx;
    acc->sum = s;
}

/* A thread's buffers: xo (m) then eo (m). */
static void *scratch_alloc(const void *pl) {
    const plan *p = pl;
    return zs_malloc(2 * p->m * sizeof(double));
}

/* One unit: outer states r0..r1 of chunk ch, reduced as (max, sum exp(. - max)) into the
 * record's two values. */
static zs_status exact_unit(const void *pl, uint64_t ch, void *scratch, zs_unit_record *rec) {
    const plan p = *(const plan *)pl;
    double *xo = scratch, *eo = xo + p.m;
    double out[RBM_LANES], v[RBM_LANES];
    lse acc = {-HUGE_VAL, 0.0};
    uint64_t r0 = p.outer * ch / p.nchunks, r1 = p.outer * (ch + 1) / p.nchunks;
    double co;
    outer_seek(&p, r0, xo, &co);
    for (uint64_t r = r0; r < r1; r++) {
        if (p.fast) {
            zs_vexp(eo, xo, p.m);
            if (p.level == 2) rbm_kernel_fast_avx512(eo, p.e, p.m, p.r, out);
            else if (p.level == 1) rbm_kernel_fast_avx2(eo, p.e, p.m, p.r, out);
            else kernel_fast_scalar(eo, p.e, p.m, p.r, out);
        } else {
            if (p.level == 2) rbm_kernel_robust_avx512(xo, p.y, p.m, out);
            else if (p.level == 1) rbm_kernel_robust_avx2(xo, p.y, p.m, out);
            else kernel_robust_scalar(xo, p.y, p.m, out);
        }
        for (size_t j = 0; j < p.lanes; j++) v[j] = co + p.cin[j] + out[j];
        lse_add(&acc, v, p.lanes);
        if (r + 1 < r1) { /* Gray step: flip the bit where r+1 has its lowest one */
            int t = __builtin_ctzll(r + 1);
            uint64_t g1 = (r + 1) ^ ((r + 1) >> 1);
            double sign = (g1 >> t & 1) ? 1.0 : -1.0;
            const double *col = p.ws + (p.b + (size_t)t) * p.m;
            for (size_t i = 0; i < p.m; i++) xo[i] += sign * col[i];
            co += sign * p.c[p.b + (size_t)t];
        }
    }
    rec->nvalues = 2;
    rec->values[0] = acc.max;
    rec->values[1] = acc.sum;
    return ZS_OK;
}

zs_status zs_rbm_lnz_exact(const zs_rbm *rbm, double max_seconds, double *lnz) {
    if (!rbm || !lnz) return ZS_EINVAL;
    size_t n = rbm->nv < rbm->nh ? rbm->nv : rbm->nh;
    int threads = zs_threads_for(rbm->ctx, rbm_exact_chunks(n)); /* the threads units_exec starts */
    /* The resources at hand: threads here times the processes sharing the units. */
    double procs = rbm->ctx && rbm->ctx->units.processes > 1 ? rbm->ctx->units.processes : 1.0;
    double secs = zs_rbm_exact_seconds(rbm, threads) / procs;
    if (n > ZS_RBM_EXACT_MAX_SMALL || (max_seconds > 0 && secs > max_seconds)) {
        char at[128];
        zs_time_words(at, sizeof at, secs, threads, procs);
        return zs_fail(rbm->ctx, ZS_ETOOBIG,
                       "exact ln Z of this %zux%zu RBM sums 2^%zu states of the smaller layer "
                       "(%.3g softplus terms): %s, over the limit of %.0f s; use "
                       "annealed importance sampling for an estimate with error bars, or more "
                       "processes (work units)", rbm->nv, rbm->nh, n,
                       zs_rbm_exact_cost(rbm), at, max_seconds);
    }
    zs_status st = zs_rbm_check(rbm);
    if (st != ZS_OK) return st;
    plan p;
    st = plan_make(rbm, &p);
    if (st != ZS_OK) return st;
    const size_t nchunks = p.outer < CHUNKS_MAX ? (size_t)p.outer : CHUNKS_MAX;
    zs_unit_record *part = zs_malloc(nchunks * sizeof *part);
    if (!part) {
        plan_free(&p);
        return zs_fail(rbm->ctx, ZS_ENOMEM, "exact ln Z: out of memory");
    }
    p.level = zs_simd_level();
    p.nchunks = nchunks;
    uint64_t h = units_hash_begin("rbm exact");
    h = units_hash_u64(units_hash_u64(h, rbm->nv), rbm->nh);
    h = units_hash_doubles(h, rbm->w, rbm->nv * rbm->nh);
    h = units_hash_doubles(h, rbm->a, rbm->nv);
    h = units_hash_doubles(h, rbm->b, rbm->nh);
    units_job job = {rbm->ctx, "exact ln Z", "exact ln Z", h, nchunks, exact_unit, &p,
                     scratch_alloc, free, 0};
    st = units_exec(&job, part);
    if (st == ZS_OK) {
        lse total = {-HUGE_VAL, 0.0};
        for (size_t ch = 0; ch < nchunks; ch++) {
            lse u = {part[ch].values[0], part[ch].values[1]};
            if (u.max == -HUGE_VAL) continue;
            double mx = u.max > total.max ? u.max : total.max;
            total.sum = total.sum * exp(total.max - mx) + u.sum * exp(u.max - mx);
            total.max = mx;
        }
        *lnz = total.max + log(total.sum);
        if (!isfinite(*lnz)) st = zs_fail(rbm->ctx, ZS_ENUMERIC, "exact ln Z: the sum is not finite");
    }
    free(part);
    plan_free(&p);
    return st;
}
