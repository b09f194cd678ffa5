/* bm_moments.c — every first and second moment of a fully visible 0/1 Boltzmann machine
 * (zsum/bm.h) by enumerating its 2^n states. The library's other enumerations give ln Z and
 * totals (U, M, C, chi: pairwise_enumerate.c) but not the n x n correlations <x_i x_j> that the
 * machine's likelihood gradient needs, hence this walk.
 *
 * Units 0..nl-1 form the low block (nl = min(n, LOW_MAX)), the others the high block. A state
 * is (h, l) and its log weight (-E) is
 *     lw(h, l) = eH(h) + eL(l) + sum_{j < nl} g_h[j] x_j(l),   g_h[j] = sum_{k >= nl} W_jk x_k(h),
 * with eH, eL the log weights of each block alone. Every table is filled by adding one unit to a
 * smaller state, t(s) = t(s - {k}) + ..., k the lowest unit of s, so a state costs O(1) plus
 * its exponential. With w = exp(lw - ref):
 *   high-high moments  sum_h x_i(h) x_k(h) m_h,   m_h = sum_l w(h, l);
 *   high-low           sum_h x_i(h) r_h[j],       r_h[j] = sum_l w(h, l) x_j(l);
 *   low-low            sum_l x_j(l) x_k(l) q[l],  q[l] = sum_h w(h, l).
 * The high states go in fixed chunks; a chunk sums relative to its own reference (the largest
 * log weight seen in it, the sums rescaled when it rises), and the chunks are merged in order,
 * so the result does not depend on the number of threads. */
#include "core/internal.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#define LOW_MAX 12
#define CHUNK 16 /* high states a chunk */

/* The chunks of the walk: 2^(n - nl) high states, CHUNK a chunk (zs_bm_moments_exact). */
static uint64_t moments_chunks(size_t n) {
    const size_t nh = n - (n < LOW_MAX ? n : LOW_MAX);
    const uint64_t H = nh < 63 ? 1ULL << nh : 1ULL << 62;
    return H > CHUNK ? H / CHUNK : 1;
}

int zs_bm_moments_threads(const zs_ctx *ctx, size_t n) {
    return zs_threads_for(ctx, (size_t)moments_chunks(n));
}

double zs_bm_moments_seconds(const zs_ctx *ctx, size_t n) {
    /* (4 + nl / 2) ns a state on one thread: an exponential, the low-block sums over nl
     * units, the bookkeeping. Measured: 2^22 states in 0.11 to 0.13 s on one thread of a 2-core
     * machine under a load of 14 (28 ns a state), so the figure is for a core to itself. */
    const double nl = n < LOW_MAX ? (double)n : LOW_MAX;
    return ldexp(1.0, (int)(n < 1000 ? n : 1000)) * 1e-9 * (4.0 + nl / 2.0) / zs_bm_moments_threads(ctx, n);
}

/* One chunk's sums, relative to exp(ref). */
typedef struct chunk {
    double ref, z;
    double *q;   /* (2^nl)     */
    double *hh;  /* (nh * nh)  */
    double *hl;  /* (nh * nl)  */
} chunk;

typedef struct walk {
    size_t n, nl, nh;
    const double *w, *b;
    double *el;  /* (2^nl) eL                */
    double *eh;  /* (2^nh) eH                */
    double *g;   /* (2^nh, nl) g_h           */
} walk;

static size_t chunk_doubles(const walk *k) { return ((size_t)1 << k->nl) + k->nh * k->nh + k->nh * k->nl; }

/* s *= f for every sum of c. */
static void chunk_scale(const walk *k, chunk *c, double f) {
    const size_t m = chunk_doubles(k);
    c->z *= f;
    for (size_t i = 0; i < m; i++) c->q[i] *= f; /* q, hh and hl are one block */
}

/* eL, eH and g_h by adding the lowest unit of each state to the state without it. */
static void tables(walk *k) {
    const size_t n = k->n, nl = k->nl, nh = k->nh;
    k->el[0] = 0.0;
    for (uint64_t s = 1; s < (1ULL << nl); s++) {
        const size_t u = (size_t)__builtin_ctzll(s);
        const uint64_t r = s & (s - 1);
        double e = k->el[r] + k->b[u];
        for (uint64_t t = r; t; t &= t - 1) e += k->w[u * n + (size_t)__builtin_ctzll(t)];
        k->el[s] = e;
    }
    k->eh[0] = 0.0;
    memset(k->g, 0, nl * sizeof *k->g);
    for (uint64_t s = 1; s < (1ULL << nh); s++) {
        const size_t u = nl + (size_t)__builtin_ctzll(s);
        const uint64_t r = s & (s - 1);
        double e = k->eh[r] + k->b[u];
        for (uint64_t t = r; t; t &= t - 1) e += k->w[u * n + nl + (size_t)__builtin_ctzll(t)];
        k->eh[s] = e;
        for (size_t j = 0; j < nl; j++) k->g[s * nl + j] = k->g[r * nl + j] + k->w[j * n + u];
    }
}

/* The high state h into chunk c; lw, cross (2^nl each) and r (nl) are scratch. */
static void add_row(const walk *k, uint64_t h, chunk *c, double *lw, double *cross, double *r) {
    const size_t nl = k->nl, nh = k->nh;
    const uint64_t L = 1ULL << nl;
    const double *g = k->g + h * nl;
    cross[0] = 0.0;
    double mx = lw[0] = k->eh[h] + k->el[0];
    for (uint64_t l = 1; l < L; l++) {
        /* the cross term of l from that of l without its lowest unit */
        cross[l] = cross[l & (l - 1)] + g[__builtin_ctzll(l)];
        lw[l] = k->eh[h] + k->el[l] + cross[l];
        if (lw[l] > mx) mx = lw[l];
    }
    if (mx > c->ref) {
        if (c->ref != -HUGE_VAL) chunk_scale(k, c, exp(c->ref - mx));
        c->ref = mx;
    }
    double m = 0.0;
    memset(r, 0, nl * sizeof *r);
    for (uint64_t l = 0; l < L; l++) {
        const double x = exp(lw[l] - c->ref);
        m += x;
        c->q[l] += x;
        for (uint64_t t = l; t; t &= t - 1) r[__builtin_ctzll(t)] += x;
    }
    c->z += m;
    for (uint64_t t = h; t; t &= t - 1) {
        const size_t i = (size_t)__builtin_ctzll(t);
        for (uint64_t s = t; s; s &= s - 1) c->hh[i * nh + (size_t)__builtin_ctzll(s)] += m;
        for (size_t j = 0; j < nl; j++) c->hl[i * nl + j] += r[j];
    }
}

/* b into a (a += b, after bringing both to the larger reference). */
static void merge(const walk *k, chunk *a, chunk *b) {
    if (b->ref == -HUGE_VAL) return;
    if (b->ref > a->ref) {
        if (a->ref != -HUGE_VAL) chunk_scale(k, a, exp(a->ref - b->ref));
        a->ref = b->ref;
    } else {
        chunk_scale(k, b, exp(b->ref - a->ref));
    }
    const size_t m = chunk_doubles(k);
    a->z += b->z;
    for (size_t i = 0; i < m; i++) a->q[i] += b->q[i];
}

/* The moments from the merged sums. */
static void finish(const walk *k, const chunk *c, double *mom, double *lnz) {
    const size_t n = k->n, nl = k->nl, nh = k->nh;
    const double iz = 1.0 / c->z;
    memset(mom, 0, n * n * sizeof *mom);
    for (uint64_t l = 1; l < (1ULL << nl); l++)
        for (uint64_t t = l; t; t &= t - 1) {
            const size_t j = (size_t)__builtin_ctzll(t);
            for (uint64_t s = t; s; s &= s - 1) mom[j * n + (size_t)__builtin_ctzll(s)] += c->q[l];
        }
    for (size_t i = 0; i < nh; i++) {
        for (size_t k2 = i; k2 < nh; k2++) mom[(nl + i) * n + nl + k2] = c->hh[i * nh + k2];
        for (size_t j = 0; j < nl; j++) mom[j * n + nl + i] = c->hl[i * nl + j];
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) mom[j * n + i] = mom[i * n + j] = mom[i * n + j] * iz;
    if (lnz) *lnz = c->ref + log(c->z);
}

static zs_status check(zs_ctx *ctx, size_t n, const double *w, const double *b) {
    if (n == 0 || !w || !b) return zs_fail(ctx, ZS_EINVAL, "Boltzmann machine moments: no units or NULL parameters");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(b[i])) return zs_fail(ctx, ZS_EINVAL, "b: entry %zu = %g is not finite", i, b[i]);
        if (w[i * n + i] != 0.0)
            return zs_fail(ctx, ZS_EINVAL, "W: diagonal entry (%zu, %zu) = %g is not 0", i, i, w[i * n + i]);
        for (size_t j = i + 1; j < n; j++)
            if (!isfinite(w[i * n + j]) || w[i * n + j] != w[j * n + i])
                return zs_fail(ctx, ZS_EINVAL, "W: entry (%zu, %zu) = %g but (%zu, %zu) = %g (finite and "
                               "symmetric needed)", i, j, w[i * n + j], j, i, w[j * n + i]);
    }
    if (n > ZS_BM_MOMENTS_MAX) {
        return zs_fail(ctx, ZS_ETOOBIG, "exact moments of %zu units: 2^%zu states, about %.3g s on %d "
                       "threads; at most %d units are enumerated", n, n, zs_bm_moments_seconds(ctx, n),
                       zs_bm_moments_threads(ctx, n), ZS_BM_MOMENTS_MAX);
    }
    return ZS_OK;
}

zs_status zs_bm_moments_exact(zs_ctx *ctx, size_t n, const double *w, const double *b, double *moments,
                              double *lnz) {
    zs_status st = check(ctx, n, w, b);
    if (st != ZS_OK) return st;
    if (!moments) return zs_fail(ctx, ZS_EINVAL, "Boltzmann machine moments: NULL output");
    walk k = {n, n < LOW_MAX ? n : LOW_MAX, 0, w, b, NULL, NULL, NULL};
    k.nh = n - k.nl;
    const uint64_t H = 1ULL << k.nh, nch = H > CHUNK ? H / CHUNK : 1, per = H / nch;
    const size_t cd = chunk_doubles(&k), L = (size_t)1 << k.nl;
    const int threads = zs_threads_for(ctx, (size_t)nch);
    k.el = zs_malloc(L * sizeof(double));
    k.eh = zs_malloc(H * sizeof(double));
    k.g = zs_malloc((H * k.nl + 1) * sizeof(double));
    double *sums = zs_calloc(nch * cd, sizeof(double));
    double *scr = zs_malloc((size_t)threads * (2 * L + k.nl + 1) * sizeof(double));
    chunk *ch = zs_malloc(nch * sizeof *ch);
    if (!k.el || !k.eh || !k.g || !sums || !scr || !ch) {
        st = zs_fail(ctx, ZS_ENOMEM, "exact moments of %zu units: out of memory", n);
    } else {
        tables(&k);
        for (uint64_t c = 0; c < nch; c++) {
            ch[c] = (chunk){-HUGE_VAL, 0.0, sums + c * cd, NULL, NULL};
            ch[c].hh = ch[c].q + L;
            ch[c].hl = ch[c].hh + k.nh * k.nh;
        }
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (nch > 1)
        for (uint64_t c = 0; c < nch; c++) {
            double *lw = scr + (size_t)omp_get_thread_num() * (2 * L + k.nl + 1);
            for (uint64_t h = c * per; h < (c + 1) * per; h++) add_row(&k, h, &ch[c], lw, lw + L, lw + 2 * L);
        }
        for (uint64_t c = 1; c < nch; c++) merge(&k, &ch[0], &ch[c]);
        finish(&k, &ch[0], moments, lnz);
    }
    free(k.el);
    free(k.eh);
    free(k.g);
    free(sums);
    free(scr);
    free(ch);
    return st;
}
