/* pairwise_dos.c — exact density of states g(E) of a pairwise model whose couplings and
 * fields are multiples of 1/4: the number of the 2^n states at each energy E. Energies are
 * counted in the unit u = gcd(4 J_b, 4 h_i) / 4 (1 for the integer Ising lattice, 1/4 for a
 * 0/1 machine with odd integer weights), E = offset + k u with integer k.
 *
 * ENUMERATE: Gray-code walk over all states (flip spin k, dE = 2 s_k f_k, update the local
 * fields of k's neighbours), a 64-bit histogram per fixed chunk, chunks added in order. The
 * chunks are work units (include/zsum/units.h): a chunk's record is its histogram, the
 * counts as doubles (a chunk holds at most 2^32 / 256 = 2^24 states, so every count is an
 * integer below 2^53, exact in a double), ceil(B / ZS_UNIT_MAX_VALUES) parts for B bins; the
 * total adds them as 128-bit integers, so a distributed density of states is exact.
 * TRANSFER: the site-by-site transfer matrix of transfer.c with each frontier state carrying
 * a polynomial sum_E g_sigma(E) x^E instead of a weight (Beale 1996 computed the 2D Ising
 * DOS this way with exact integer arithmetic); the local factor e^{-beta e} becomes the shift
 * x^e. Counts are unsigned 128-bit integers, exact for n <= 126 (2^n < 2^127), and the
 * support [lo, hi] of the polynomials is tracked so the work grows with it. With h = 0 the
 * first-row states with spin 0 down mirror those with spin 0 up (global flip), so a periodic
 * length sums half of them twice. */
#include "models/pairwise_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define DOS_ENUM_MAX 32
#define DOS_TRANSFER_WIDTH 16

static const char *u128_str(u128 v, char buf[48]) {
    char tmp[48];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (int i = 0; i < k; i++) buf[i] = tmp[k - 1 - i];
    buf[k] = '\0';
    return buf;
}

static long gcd_l(long a, long b) {
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The energy unit u (see above) as 4u. */
static long unit4_of(const zs_pairwise *m) {
    long g = 0;
    for (size_t b = 0; b < m->nb; b++) g = gcd_l(g, labs((long)(4.0 * m->bJ[b])));
    for (size_t i = 0; i < m->n; i++) g = gcd_l(g, labs((long)(4.0 * m->h[i])));
    return g ? g : 4;
}

/* An integer coupling or field in units of u. */
static long in_units(double x, long unit4) { return (long)(4.0 * x) / unit4; }

/* R = (sum |J| + sum |h|) / u bounds |E - offset| / u. */
static long range_of(const zs_pairwise *m, long unit4) {
    long r = 0;
    for (size_t b = 0; b < m->nb; b++) r += labs(in_units(m->bJ[b], unit4));
    for (size_t i = 0; i < m->n; i++) r += labs(in_units(m->h[i], unit4));
    return r;
}

static zs_status emit(const zs_pairwise *m, const u128 *cnt, long R, long unit4,
                      zs_pairwise_dos_fn fn, void *user) {
    char buf[48];
    double u = (double)unit4 / 4.0;
    for (long b = 0; b <= 2 * R; b++)
        if (cnt[b] && fn(user, m->offset + (double)(b - R) * u, u128_str(cnt[b], buf)))
            return ZS_ECANCELLED;
    return ZS_OK;
}

/* A chunk's histogram is exact in doubles below this (2^53). */
#define DOS_COUNT_EXACT 9007199254740992.0

typedef struct dos_job {
    const zs_pairwise *m;
    const long *jn; /* couplings in units of u, by adjacency entry */
    long u4, R;
    size_t B, nchunks;
    uint32_t parts;
} dos_job;

/* The problem's hash: the model as the energy reads it and the chunking. */
static uint64_t dos_hash(const zs_pairwise *m, size_t nchunks) {
    return units_hash_u64(pairwise_hash(units_hash_begin("pairwise dos"), m), nchunks);
}

static void *dos_scratch(const void *plan) {
    const dos_job *j = plan;
    return zs_malloc(j->B * sizeof(uint64_t));
}

/* One unit: the histogram of chunk c of the Gray-code walk, bins in units of u from -R. */
static zs_status dos_unit(const void *plan, uint64_t c, void *scratch, zs_unit_record *rec) {
    const dos_job *j = plan;
    const zs_pairwise *m = j->m;
    const size_t n = m->n, B = j->B;
    const long R = j->R, *jn = j->jn;
    uint64_t *h = scratch;
    memset(h, 0, B * sizeof *h);
    int8_t s[64];
    long f[64], e = 0;
    uint64_t total = (uint64_t)1 << n;
    uint64_t r0 = total * c / j->nchunks, r1 = total * (c + 1) / j->nchunks, g = r0 ^ (r0 >> 1);
    for (size_t i = 0; i < n; i++) s[i] = (g >> i) & 1u ? -1 : 1;
    for (size_t i = 0; i < n; i++) {
        long hi = in_units(m->h[i], j->u4), fi = hi;
        for (size_t a = m->adj_start[i]; a < m->adj_start[i + 1]; a++) fi += jn[a] * s[m->adj_nb[a]];
        f[i] = fi;
        /* E = -sum_i s_i (h_i + f_i) / 2: fields once, each pair once */
        e -= s[i] * (hi + fi);
    }
    e /= 2;
    int failed = 0;
    for (uint64_t r = r0; r < r1; r++) {
        long idx = e + R;
        if (idx < 0 || idx >= (long)B) failed = 1;
        else h[idx]++;
        if (r + 1 == total) break;
        size_t k = (size_t)__builtin_ctzll(r + 1);
        long so = s[k];
        e += 2 * so * f[k];
        s[k] = (int8_t)-s[k];
        for (size_t a = m->adj_start[k]; a < m->adj_start[k + 1]; a++) f[m->adj_nb[a]] -= 2 * jn[a] * so;
    }
    if (failed) return zs_fail(m->ctx, ZS_ENUMERIC, "dos: an energy left its range");
    for (size_t b = 0; b < B; b++) {
        zs_unit_record *p = &rec[b / ZS_UNIT_MAX_VALUES];
        p->values[b % ZS_UNIT_MAX_VALUES] = (double)h[b];
        p->nvalues = (uint32_t)(b % ZS_UNIT_MAX_VALUES + 1);
    }
    return ZS_OK;
}

/* The records added up, unit by unit: every value must be a whole count, every part whole. */
static zs_status dos_total(const dos_job *j, const zs_unit_record *recs, u128 *cnt) {
    for (size_t u = 0; u < j->nchunks; u++)
        for (size_t b = 0; b < j->B; b++) {
            const zs_unit_record *p = &recs[u * j->parts + b / ZS_UNIT_MAX_VALUES];
            size_t want = j->B - b / ZS_UNIT_MAX_VALUES * ZS_UNIT_MAX_VALUES;
            double v = p->values[b % ZS_UNIT_MAX_VALUES];
            if (p->nvalues != (want < ZS_UNIT_MAX_VALUES ? want : ZS_UNIT_MAX_VALUES) ||
                !(v >= 0.0 && v < DOS_COUNT_EXACT) || v != floor(v))
                return zs_fail(j->m->ctx, ZS_EINVAL,
                               "dos: the record of unit %zu part %zu is not a histogram of %zu "
                               "whole counts", u, b / ZS_UNIT_MAX_VALUES, j->B);
            cnt[b] += (u128)(uint64_t)v;
        }
    return ZS_OK;
}

static zs_status dos_enumerate(const zs_pairwise *m, zs_pairwise_dos_fn fn, void *user) {
    if (m->n > DOS_ENUM_MAX)
        return zs_fail(m->ctx, ZS_ETOOBIG,
                       "dos by enumeration: %zu spins exceed %d; use method transfer (lattices)",
                       m->n, DOS_ENUM_MAX);
    dos_job j = {m, NULL, unit4_of(m), 0, 0, 0, 0};
    j.R = range_of(m, j.u4);
    j.B = (size_t)(2 * j.R + 1);
    j.parts = (uint32_t)((j.B + ZS_UNIT_MAX_VALUES - 1) / ZS_UNIT_MAX_VALUES);
    uint64_t total = (uint64_t)1 << m->n;
    j.nchunks = total < 256 ? (size_t)total : 256;
    /* local fields in units of u: f_i = h_i + sum_j J_ij s_j, all integers */
    long *jn = zs_malloc((2 * m->nb + 1) * sizeof *jn);
    zs_unit_record *recs = zs_calloc(j.nchunks * j.parts, sizeof *recs);
    u128 *cnt = zs_calloc(j.B, sizeof *cnt);
    zs_status st = ZS_OK;
    if (!jn || !recs || !cnt) st = zs_fail(m->ctx, ZS_ENOMEM, "dos: out of memory");
    if (st == ZS_OK) {
        for (size_t a = 0; a < 2 * m->nb; a++) jn[a] = in_units(m->adj_j[a], j.u4);
        j.jn = jn;
        units_job job = {m->ctx, "pairwise dos", "dos", dos_hash(m, j.nchunks), j.nchunks, dos_unit, &j,
                         dos_scratch, free, 0};
        st = units_exec_parts(&job, j.parts, recs);
    }
    if (st == ZS_OK) st = dos_total(&j, recs, cnt);
    if (st == ZS_OK) st = emit(m, cnt, j.R, j.u4, fn, user);
    free(cnt);
    free(recs);
    free(jn);
    return st;
}

typedef struct tframe {
    size_t W, L;
    int pw, pl, tr;
    long *h, *jr, *jd;
} tframe;

static double tcost(size_t w, size_t l, int pl) {
    return (double)w * (double)l * ldexp(1.0, (int)(w < 60 ? w : 60)) *
           (pl ? ldexp(1.0, (int)(w < 60 ? w : 60)) : 1.0);
}

/* The frame's orientation (the cheaper width) and its refusals, before any allocation. */
static zs_status tframe_shape(const zs_pairwise *m, tframe *f) {
    memset(f, 0, sizeof *f);
    if (!m->lattice)
        return zs_fail(m->ctx, ZS_EUNSUPPORTED,
                       "dos by transfer matrix: needs a lattice; use method enumerate");
    if (m->n > 126)
        return zs_fail(m->ctx, ZS_ETOOBIG,
                       "dos by transfer matrix: %zu spins; counts are exact up to 126 spins", m->n);
    f->tr = tcost(m->rows, m->cols, m->pcol) < tcost(m->cols, m->rows, m->prow);
    f->W = f->tr ? m->rows : m->cols;
    f->L = f->tr ? m->cols : m->rows;
    f->pw = f->tr ? m->prow : m->pcol;
    f->pl = f->tr ? m->pcol : m->prow;
    if (f->W > DOS_TRANSFER_WIDTH)
        return zs_fail(m->ctx, ZS_ETOOBIG, "dos by transfer matrix: strip width %zu exceeds %d",
                       f->W, DOS_TRANSFER_WIDTH);
    return ZS_OK;
}

static void tframe_free(tframe *f) {
    free(f->h);
    free(f->jr);
    free(f->jd);
}

/* The couplings and fields in units of u, in the frame's order (n <= 126 sites); 0: out of
 * memory. *zero_field: every field is 0. */
static int tframe_fill(const zs_pairwise *m, long u4, tframe *f, int *zero_field) {
    size_t n = m->n;
    f->h = zs_malloc(n * sizeof *f->h);
    f->jr = zs_malloc(n * sizeof *f->jr);
    f->jd = zs_malloc(n * sizeof *f->jd);
    if (!f->h || !f->jr || !f->jd) return 0;
    *zero_field = 1;
    for (size_t r = 0; r < f->L; r++)
        for (size_t c = 0; c < f->W; c++) {
            size_t o = f->tr ? c * m->cols + r : r * m->cols + c, i = r * f->W + c;
            f->h[i] = in_units(m->h[o], u4);
            f->jr[i] = in_units(f->tr ? m->jv[o] : m->jh[o], u4);
            f->jd[i] = in_units(f->tr ? m->jh[o] : m->jv[o], u4);
            if (f->h[i]) *zero_field = 0;
        }
    return 1;
}

/* How far site (r, c) can move an energy, in units of u: the bonds it closes and its field. */
static long site_span(const tframe *f, size_t r, size_t c, int first) {
    size_t W = f->W;
    long jup = first ? 0 : f->jd[(r - 1) * W + c];
    long jl = c > 0 ? f->jr[r * W + c - 1] : 0;
    long jw = (c == W - 1 && f->pw && W >= 2) ? f->jr[r * W + W - 1] : 0;
    return labs(jup) + labs(jl) + labs(jw) + labs(f->h[r * W + c]);
}

static int bitspin(size_t i, size_t c) { return (i >> c) & 1u ? -1 : 1; }

/* One site: cur -> nxt (both S x B, support [*lo, *hi]). */
static void dos_site(const tframe *f, size_t r, size_t c, int first, u128 *cur, u128 *nxt,
                     size_t S, size_t B, long *lo, long *hi, int threads) {
    size_t W = f->W, bit = (size_t)1 << c;
    long jup = first ? 0 : f->jd[(r - 1) * W + c];
    long jl = c > 0 ? f->jr[r * W + c - 1] : 0;
    long jw = (c == W - 1 && f->pw && W >= 2) ? f->jr[r * W + W - 1] : 0;
    long h = f->h[r * W + c];
    long span = site_span(f, r, c, first);
    long nlo = *lo - span < 0 ? 0 : *lo - span, nhi = *hi + span >= (long)B ? (long)B - 1 : *hi + span;
    for (size_t i = 0; i < S; i++) memset(nxt + i * B + nlo, 0, (size_t)(nhi - nlo + 1) * sizeof *nxt);
#pragma omp parallel for schedule(static) if (threads > 1 && S >= 64) num_threads(threads)
    for (size_t i = 0; i < S; i++) {
        if (i & bit) continue;
        size_t i1 = i | bit;
        long sl = c > 0 ? bitspin(i, c - 1) : 0, s0 = c > 0 ? bitspin(i, 0) : 0;
        long fl = jl * sl + jw * s0 + h;
        long epp = -(jup + fl), emp = -(-jup + fl), epm = -(-jup - fl), emm = -(jup - fl);
        const u128 *a = cur + i * B, *b = cur + i1 * B;
        u128 *np = nxt + i * B, *nm = nxt + i1 * B;
        for (long k = *lo; k <= *hi; k++) {
            u128 x = a[k], y = b[k];
            if (x) {
                np[k + epp] += x;
                nm[k + epm] += x;
            }
            if (y) {
                np[k + emp] += y;
                nm[k + emm] += y;
            }
        }
    }
    *lo = nlo;
    *hi = nhi;
}

/* The transfer matrix's threads: one unless asked (a barrier per site, see transfer.c), and no
 * more than the processors. */
static int dos_transfer_threads(const zs_ctx *ctx) {
    return ctx && ctx->threads > 1 ? zs_threads_for(ctx, (size_t)ctx->threads) : 1;
}

static zs_status dos_transfer(const zs_pairwise *m, zs_pairwise_dos_fn fn, void *user) {
    tframe f;
    zs_status st = tframe_shape(m, &f);
    if (st != ZS_OK) return st;
    long u4 = unit4_of(m), R = range_of(m, u4);
    size_t B = (size_t)(2 * R + 1), S = (size_t)1 << f.W;
    int zero_field = 1;
    int filled = tframe_fill(m, u4, &f, &zero_field);
    u128 *cur = zs_malloc(S * B * sizeof *cur), *nxt = zs_malloc(S * B * sizeof *nxt);
    u128 *tot = zs_calloc(B, sizeof *tot);
    if (!filled || !cur || !nxt || !tot) {
        st = zs_fail(m->ctx, ZS_ENOMEM, "dos: out of memory");
        goto done;
    }
    size_t starts = f.pl ? (zero_field ? S / 2 : S) : 1;
    int threads = dos_transfer_threads(m->ctx);
    for (size_t s0 = 0; s0 < starts; s0++) {
        memset(cur, 0, S * B * sizeof *cur);
        long lo, hi;
        size_t r0;
        if (!f.pl) {
            cur[R] = 1; /* state 0, energy 0 */
            lo = hi = R;
            r0 = 0;
        } else {
            long e0 = 0;
            for (size_t c = 0; c < f.W; c++) {
                long sc = bitspin(s0, c);
                e0 -= f.h[c] * sc;
                if (c + 1 < f.W) e0 -= f.jr[c] * sc * bitspin(s0, c + 1);
                else if (f.pw && f.W >= 2) e0 -= f.jr[c] * sc * bitspin(s0, 0);
            }
            cur[s0 * B + (size_t)(e0 + R)] = 1;
            lo = hi = e0 + R;
            r0 = 1;
        }
        /* progress after every site, not only every start: an open strip has one start, and a
         * site of a 22-wide strip is already tens of ms (a deadline must be able to stop it) */
        const double sites = (double)(f.L * f.W);
        for (size_t r = r0; r < f.L && st == ZS_OK; r++)
            for (size_t c = 0; c < f.W && st == ZS_OK; c++) {
                dos_site(&f, r, c, r == 0, cur, nxt, S, B, &lo, &hi, threads);
                u128 *t = cur;
                cur = nxt;
                nxt = t;
                if (zs_progress(m->ctx, "dos", (double)s0 + (double)(r * f.W + c + 1) / sites, (double)starts))
                    st = zs_fail(m->ctx, ZS_ECANCELLED, "dos: cancelled");
            }
        if (st != ZS_OK) goto done;
        u128 mult = (f.pl && zero_field) ? 2 : 1;
        for (size_t i = 0; i < S; i++) {
            long e = 0;
            if (f.pl)
                for (size_t c = 0; c < f.W; c++)
                    e -= f.jd[(f.L - 1) * f.W + c] * bitspin(i, c) * bitspin(s0, c);
            for (long k = lo; k <= hi; k++)
                if (cur[i * B + (size_t)k]) tot[k + e] += mult * cur[i * B + (size_t)k];
        }
        if (zs_progress(m->ctx, "dos", (double)(s0 + 1), (double)starts)) {
            st = zs_fail(m->ctx, ZS_ECANCELLED, "dos: cancelled");
            goto done;
        }
    }
    st = emit(m, tot, R, u4, fn, user);
done:
    tframe_free(&f);
    free(cur);
    free(nxt);
    free(tot);
    return st;
}

/* Release-build rates (x86-64, one thread), measured on the work counts below: the transfer
 * matrix 2.2 ns per count cell on an 11 x 11 open lattice (1.06e8 cells, 0.23 s; its counts
 * are dense) and 0.67 ns on an 8 x 12 torus (1.04e9 cells, 0.69 s; many cells of a fixed first
 * row stay 0 and are skipped), so the dense figure; the Gray-code walk 0.9 ns per spin update
 * (a 4 x 7 torus, 1.34e9 updates, 1.2 s). */
#define DOS_TRANSFER_CELL_NS 2.5
#define DOS_ENUM_STEP_NS 1.0

/* The work and memory of a density of states, counted before it runs. */
typedef struct dos_cost {
    zs_pairwise_method method; /* AUTO resolved                                             */
    double work;               /* count cells (transfer) or spin updates (enumeration)      */
    double bytes;              /* the arrays it allocates                                   */
    double seconds;            /* work at the rate above over threads x processes           */
    int threads;               /* the threads that will run                                 */
    double procs;              /* processes sharing the work units (enumeration)            */
    size_t states, bins, sites;
} dos_cost;

static zs_pairwise_method dos_method(const zs_pairwise *m, zs_pairwise_method method) {
    if (method != ZS_PAIRWISE_AUTO) return method;
    return (m->n <= 24 || !m->lattice) ? ZS_PAIRWISE_ENUMERATE : ZS_PAIRWISE_TRANSFER;
}

/* Transfer matrix, per start (S = 2^W frontier states): clearing cur (S B cells); per site,
 * clearing the new support of nxt (S w') and reading both predecessors over the old support
 * (S w), where the support w grows to w' = min(B, w + 2 span) at each site (dos_site); at the
 * end reading the S w of the last row. work = starts (S B + sum_sites S (w + w') + S w_end).
 * Memory: cur and nxt, S B counts of 16 bytes each, and the totals (B). */
static zs_status cost_transfer(const zs_pairwise *m, dos_cost *c) {
    tframe f;
    zs_status st = tframe_shape(m, &f);
    if (st != ZS_OK) return st;
    long u4 = unit4_of(m), R = range_of(m, u4);
    double B = 2.0 * (double)R + 1.0, S = ldexp(1.0, (int)f.W);
    int zero_field = 1;
    if (!tframe_fill(m, u4, &f, &zero_field)) {
        tframe_free(&f);
        return zs_fail(m->ctx, ZS_ENOMEM, "dos: out of memory");
    }
    double starts = f.pl ? (zero_field ? S / 2 : S) : 1.0, w = 1.0, per = S * B;
    for (size_t r = f.pl ? 1 : 0; r < f.L; r++)
        for (size_t col = 0; col < f.W; col++) {
            double w1 = fmin(B, w + 2.0 * (double)site_span(&f, r, col, r == 0));
            per += S * (w + w1);
            w = w1;
        }
    per += S * w;
    tframe_free(&f);
    c->work = starts * per;
    c->bytes = (2.0 * S * B + B) * (double)sizeof(u128);
    c->threads = dos_transfer_threads(m->ctx);
    c->procs = 1.0;
    c->seconds = c->work * DOS_TRANSFER_CELL_NS * 1e-9 / c->threads;
    c->states = (size_t)S;
    c->bins = (size_t)B;
    c->sites = m->n;
    return ZS_OK;
}

/* Enumeration: the Gray code flips spin k 2^(n-1-k) times, each flip updating its deg(k)
 * neighbours' fields and one histogram bin: work = sum_k 2^(n-1-k) (1 + deg k), plus each
 * chunk's histogram (B). Memory: the chunks' records, a histogram per thread, the totals. */
static zs_status cost_enumerate(const zs_pairwise *m, dos_cost *c) {
    if (m->n > DOS_ENUM_MAX)
        return zs_fail(m->ctx, ZS_ETOOBIG,
                       "dos by enumeration: %zu spins exceed %d; use method transfer (lattices)",
                       m->n, DOS_ENUM_MAX);
    long u4 = unit4_of(m);
    double B = 2.0 * (double)range_of(m, u4) + 1.0, total = ldexp(1.0, (int)m->n);
    double chunks = total < 256 ? total : 256, work = chunks * B;
    for (size_t k = 0; k < m->n; k++)
        work += ldexp(1.0, (int)(m->n - 1 - k)) * (1.0 + (double)(m->adj_start[k + 1] - m->adj_start[k]));
    double parts = ceil(B / ZS_UNIT_MAX_VALUES);
    c->work = work;
    c->threads = zs_threads_for(m->ctx, (size_t)chunks);
    c->procs = m->ctx && m->ctx->units.processes > 1 ? m->ctx->units.processes : 1.0;
    c->bytes = chunks * parts * (double)sizeof(zs_unit_record) + B * (double)sizeof(u128) +
               (double)c->threads * B * sizeof(uint64_t);
    c->seconds = work * DOS_ENUM_STEP_NS * 1e-9 / ((double)c->threads * c->procs);
    c->states = (size_t)total;
    c->bins = (size_t)B;
    c->sites = m->n;
    return ZS_OK;
}

static zs_status dos_cost_of(const zs_pairwise *m, zs_pairwise_method method, dos_cost *c) {
    if (!m) return ZS_EINVAL;
    if (!m->integer)
        return zs_fail(m->ctx, ZS_EUNSUPPORTED,
                       "dos: the exact density of states needs integer couplings and fields "
                       "(multiples of 1/4 in the +-1 form, e.g. integer W and b of a 0/1 "
                       "machine)");
    memset(c, 0, sizeof *c);
    c->method = dos_method(m, method);
    if (c->method == ZS_PAIRWISE_ENUMERATE) return cost_enumerate(m, c);
    if (c->method == ZS_PAIRWISE_TRANSFER) return cost_transfer(m, c);
    return zs_fail(m->ctx, ZS_EUNSUPPORTED,
                   "dos: method closed has no density of states; use enumerate or transfer");
}

double zs_pairwise_dos_seconds(const zs_pairwise *m, zs_pairwise_method method) {
    dos_cost c;
    return dos_cost_of(m, method, &c) == ZS_OK ? c.seconds : HUGE_VAL;
}

zs_status zs_pairwise_dos_check(const zs_pairwise *m, zs_pairwise_method method, double max_seconds,
                                double max_bytes) {
    dos_cost c;
    zs_status st = dos_cost_of(m, method, &c);
    if (st != ZS_OK) return st;
    const char *how = c.method == ZS_PAIRWISE_TRANSFER ? "transfer matrix" : "enumeration";
    char what[160], b1[32], b2[32];
    if (c.method == ZS_PAIRWISE_TRANSFER)
        snprintf(what, sizeof what, "%zu frontier states x %zu energies over %zu sites", c.states,
                 c.bins, c.sites);
    else
        snprintf(what, sizeof what, "2^%zu states into %zu energies", c.sites, c.bins);
    if (max_bytes > 0 && c.bytes > max_bytes)
        return zs_fail(m->ctx, ZS_ETOOBIG,
                       "dos by %s: %s need %s of counts, over the limit of %s; use a smaller "
                       "model", how, what, zs_format_bytes(b1, c.bytes), zs_format_bytes(b2, max_bytes));
    if (max_seconds > 0 && c.seconds > max_seconds) {
        char at[128];
        zs_time_words(at, sizeof at, c.seconds, c.threads, c.procs);
        return zs_fail(m->ctx, ZS_ETOOBIG,
                       "dos by %s: %s (%.3g count updates) take %s, over the limit of %g s; "
                       "use a smaller model%s", how, what, c.work, at, max_seconds,
                       c.method == ZS_PAIRWISE_ENUMERATE ? ", or more processes (work units)" : "");
    }
    return ZS_OK;
}

zs_status zs_pairwise_dos(const zs_pairwise *m, zs_pairwise_method method, zs_pairwise_dos_fn fn,
                          void *user) {
    if (!m || !fn) return ZS_EINVAL;
    zs_status st = zs_pairwise_dos_check(m, method, 0.0, 0.0);
    if (st != ZS_OK) return st;
    method = dos_method(m, method);
    return method == ZS_PAIRWISE_ENUMERATE ? dos_enumerate(m, fn, user) : dos_transfer(m, fn, user);
}
