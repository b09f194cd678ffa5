/* pairwise_enumerate.c — exact sums over all 2^n states of a binary pairwise model.
 *
 * Split the spins into m outer spins (0..m-1) and an inner block of b = na + nb spins, itself
 * split into halves A (na spins) and B (nb spins). For a state (outer o, jA, jB)
 *     E = offset + E_o + e_in[jA,jB] + g_A[jA] + g_B[jB],
 * where e_in is the energy of the inner spins among themselves (tabulated once) and
 * g_A[jA] = -sum_{i in A} s_i sum_{k outer} J_ik s_k is the coupling of half A to the outer
 * spins (likewise g_B). The outer spins are walked in a binary reflected Gray code: one outer
 * spin k flips per step, so E_o changes by 2 s_k f_k (local field f_k from the outer spins,
 * updated in O(m)), and g_A, g_B change by the tabulated 2 s_k T_A[k][jA], 2 s_k T_B[k][jB].
 *
 * The Boltzmann factor of the block then factorizes into tabulated pieces:
 *     sum_{jA,jB} e^{-beta E} = e^{-beta (offset + E_o)} sum_jA e^{-beta g_A[jA]}
 *                               sum_jB e^{-beta e_in[jA,jB]} e^{-beta g_B[jB]},
 * a matrix-vector product with the constant matrix e^{-beta e_in} (rows shifted by their
 * maxima) and 2^na + 2^nb exponentials per outer step instead of 2^b: the inner work per
 * state is one fused multiply-add. Every factor lies in (e^{-R}, 1] after the shifts, where R
 * bounds the spread of -beta E over all states; while 4R < 700 nothing underflows and the
 * product is exact to rounding. Above that the kernel falls back to a per-state SLEEF
 * exponential of the whole block, shifted by the block's maximum.
 *
 * Each outer block contributes (L, S) with block sum e^L S; blocks are accumulated in log
 * space (running reference). The outer walk is cut into a fixed number of chunks summed by
 * OpenMP threads and combined in chunk order: the result does not depend on the thread count.
 * Moments (U, C, <M>, <|M|>, chi) take a second pass with absolute probabilities
 * p = e^{-beta E - ln Z}: through the same factorization (eight matrix-vector products per
 * block, thermo_matvec) or, past its range, one exponential per state; blocks are combined
 * with Chan, Golub & LeVeque's (1979) pairwise update of centered second moments. */
#include "exact/pairwise_enumerate.h"
#include "exact/pairwise_kernels.h"
#include "exact/pairwise_methods.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INNER_BITS 12      /* inner block 2^12 doubles = 32 KiB: the matrix stays in L1    */
#define CHUNKS_MAX 1024    /* fixed work split, independent of the thread count             */
#define CHUNKS_BIG_MAX 65536 /* past 36 spins: 1024 x 2^(n-36) units, up to this many         */
#define RATE_PER_THREAD 1.0e9 /* states per second per thread, thermodynamics (BENCHMARKS.md) */
#define FAST_RANGE_MAX 170.0 /* 4 R < 700: no factor of the product underflows             */

typedef struct plan {
    size_t n, m, b, na, nb;     /* spins, outer spins, inner spins = na + nb                */
    size_t NA, NB, NI;          /* 2^na, 2^nb, 2^b                                          */
    uint64_t outer;             /* 2^m                                                      */
    double *J;                  /* (n*n) dense couplings                                     */
    const double *h;
    double offset;
    double *ein;                /* (NI) energy of the inner spins among themselves          */
    double *min;                /* (NI) magnetization of the inner spins                    */
    double *TA, *TB;            /* (m*NA), (m*NB): sum_{i in half} s_i J_ik                  */
    double range;               /* R: bound on max - min of beta E                           */
} plan;

static void plan_free(plan *p) {
    free(p->J);
    free(p->ein);
    free(p->min);
    free(p->TA);
    free(p->TB);
}

static double spin_of(uint64_t bits, size_t t) { return (bits >> t) & 1u ? -1.0 : 1.0; }

/* Spin t of the inner block (t < na: half A, bits above nb; else half B) in inner state j. */
static double inner_spin(const plan *p, size_t j, size_t t) {
    return t < p->na ? spin_of(j >> p->nb, t) : spin_of(j, t - p->na);
}

/* The threads the walk runs on: min(threads, processors, its chunks); the chunks as
 * chunk_count counts them for n spins (2^(n - INNER_BITS) outer states). */
static int enumerate_threads(const zs_pairwise *m) {
    const size_t n = m->n, rest = n > INNER_BITS ? n - INNER_BITS : 0;
    const size_t chunks = rest >= 16 ? CHUNKS_MAX : (size_t)1 << rest < CHUNKS_MAX ? (size_t)1 << rest : CHUNKS_MAX;
    return zs_threads_for(m->ctx, chunks);
}

double zs_pairwise_enumerate_seconds(const zs_pairwise *m) {
    if (!m) return HUGE_VAL;
    double procs = m->ctx && m->ctx->units.processes > 1 ? m->ctx->units.processes : 1.0;
    return ldexp(1.0, m->n < 1000 ? (int)m->n : 1000) /
           (RATE_PER_THREAD * (double)enumerate_threads(m) * procs);
}

/* max_seconds: refuse (ZS_ETOOBIG, with the estimate) when the estimated time exceeds it;
 * <= 0: no limit besides ZS_PAIRWISE_ENUMERATE_WALK_MAX spins. */
static zs_status plan_make(const zs_pairwise *mod, double beta, double max_seconds, plan *p) {
    memset(p, 0, sizeof *p);
    const char *alt = mod->lattice ? "method transfer (or closed for a uniform torus or chain)"
                                   : "sampling (zs_pairwise_sample)";
    if (mod->n > ZS_PAIRWISE_ENUMERATE_WALK_MAX)
        return zs_fail(mod->ctx, ZS_ETOOBIG,
                       "method enumerate: %zu spins (2^%zu states) exceed the limit of %d spins; "
                       "use %s", mod->n, mod->n, ZS_PAIRWISE_ENUMERATE_WALK_MAX, alt);
    const double secs = zs_pairwise_enumerate_seconds(mod);
    if (max_seconds > 0 && secs > max_seconds) {
        double procs = mod->ctx && mod->ctx->units.processes > 1 ? mod->ctx->units.processes : 1.0;
        char at[128];
        zs_time_words(at, sizeof at, secs, enumerate_threads(mod), procs);
        return zs_fail(mod->ctx, ZS_ETOOBIG,
                       "method enumerate: 2^%zu states of %zu spins take %s, over the "
                       "limit of %g s; use %s, or more processes (work units)", mod->n, mod->n,
                       at, max_seconds, alt);
    }
    size_t n = mod->n;
    p->n = n;
    p->b = n < INNER_BITS ? n : INNER_BITS;
    p->m = n - p->b;
    p->na = p->b / 2;
    p->nb = p->b - p->na;
    p->NA = (size_t)1 << p->na;
    p->NB = (size_t)1 << p->nb;
    p->NI = (size_t)1 << p->b;
    p->outer = (uint64_t)1 << p->m;
    p->h = mod->h;
    p->offset = mod->offset;
    p->J = pairwise_dense_j(mod);
    p->ein = zs_malloc(p->NI * sizeof *p->ein);
    p->min = zs_malloc(p->NI * sizeof *p->min);
    p->TA = zs_malloc((p->m * p->NA + 1) * sizeof *p->TA);
    p->TB = zs_malloc((p->m * p->NB + 1) * sizeof *p->TB);
    if (!p->J || !p->ein || !p->min || !p->TA || !p->TB) {
        plan_free(p);
        return zs_fail(mod->ctx, ZS_ENOMEM, "method enumerate: out of memory");
    }
    const double *J = p->J;
    size_t m = p->m;
    for (size_t j = 0; j < p->NI; j++) {
        double e = 0.0, mag = 0.0;
        for (size_t t = 0; t < p->b; t++) {
            double st = inner_spin(p, j, t);
            size_t i = m + t;
            mag += st;
            e -= mod->h[i] * st;
            for (size_t u = t + 1; u < p->b; u++) e -= J[i * n + m + u] * st * inner_spin(p, j, u);
        }
        p->ein[j] = e;
        p->min[j] = mag;
    }
    for (size_t k = 0; k < m; k++) {
        for (size_t ja = 0; ja < p->NA; ja++) {
            double t = 0.0;
            for (size_t a = 0; a < p->na; a++) t += spin_of(ja, a) * J[(m + a) * n + k];
            p->TA[k * p->NA + ja] = t;
        }
        for (size_t jb = 0; jb < p->NB; jb++) {
            double t = 0.0;
            for (size_t a = 0; a < p->nb; a++) t += spin_of(jb, a) * J[(m + p->na + a) * n + k];
            p->TB[k * p->NB + jb] = t;
        }
    }
    double r = 0.0;
    for (size_t b = 0; b < mod->nb; b++) r += 2.0 * fabs(mod->bJ[b]);
    for (size_t i = 0; i < n; i++) r += 2.0 * fabs(mod->h[i]);
    p->range = fabs(beta) * r;
    return ZS_OK;
}

/* The work units: chunks of the outer walk, a constant of the problem (never of the threads
 * or processes): 1024 up to 36 spins, then twice as many per spin up to CHUNKS_BIG_MAX, so
 * that a cluster has units enough to balance. */
static size_t chunk_count(const plan *p) {
    uint64_t c = CHUNKS_MAX;
    if (p->n > 36) c = p->n - 36 >= 6 ? CHUNKS_BIG_MAX : (uint64_t)CHUNKS_MAX << (p->n - 36);
    return p->outer < c ? (size_t)p->outer : (size_t)c;
}

/* Outer walk: spins s (+-1) of the Gray code word of r, E_o, its local fields, M_o, g_A, g_B. */
typedef struct walk {
    double s[64], loc[64];
    double eo, mo;
    double *ga, *gb;
} walk;

static void walk_seek(const plan *p, uint64_t r, walk *w) {
    uint64_t g = r ^ (r >> 1);
    size_t m = p->m, n = p->n;
    for (size_t k = 0; k < m; k++) w->s[k] = spin_of(g, k);
    w->eo = 0.0;
    w->mo = 0.0;
    for (size_t k = 0; k < m; k++) {
        double f = p->h[k];
        for (size_t l = 0; l < m; l++) f += p->J[k * n + l] * w->s[l];
        w->loc[k] = f;
        /* E_o = -sum_k s_k (h_k + f_k) / 2 counts each pair once: (-sum_k s_k h_k) + pairs. */
        w->eo -= w->s[k] * (p->h[k] + f) / 2.0;
        w->mo += w->s[k];
    }
    for (size_t ja = 0; ja < p->NA; ja++) {
        double t = 0.0;
        for (size_t k = 0; k < m; k++) t -= w->s[k] * p->TA[k * p->NA + ja];
        w->ga[ja] = t;
    }
    for (size_t jb = 0; jb < p->NB; jb++) {
        double t = 0.0;
        for (size_t k = 0; k < m; k++) t -= w->s[k] * p->TB[k * p->NB + jb];
        w->gb[jb] = t;
    }
}

/* From Gray word r to r+1: spin k = ctz(r+1) flips. */
static void walk_step(const plan *p, uint64_t r, walk *w) {
    size_t k = (size_t)__builtin_ctzll(r + 1), n = p->n;
    if (k >= p->m) return;
    double so = w->s[k];
    w->eo += 2.0 * so * w->loc[k];
    const double *Jk = p->J + k * n;
    for (size_t l = 0; l < p->m; l++) w->loc[l] -= 2.0 * Jk[l] * so;
    w->s[k] = -so;
    w->mo -= 2.0 * so;
    const double *ta = p->TA + k * p->NA, *tb = p->TB + k * p->NB;
    for (size_t ja = 0; ja < p->NA; ja++) w->ga[ja] += 2.0 * so * ta[ja];
    for (size_t jb = 0; jb < p->NB; jb++) w->gb[jb] += 2.0 * so * tb[jb];
}

static double block_sum_portable(const double *mat, const double *a, const double *b, size_t rows,
                                 size_t cols, double *v) {
    for (size_t c = 0; c < cols; c++) v[c] = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const double *row = mat + r * cols;
        for (size_t c = 0; c < cols; c++) v[c] += a[r] * row[c];
    }
    double s = 0.0;
    for (size_t c = 0; c < cols; c++) s += v[c] * b[c];
    return s;
}

/* Running log-space sum: total = e^ref * acc. */
static void lsum_add(double *ref, double *acc, double l, double s) {
    if (l > *ref) {
        *acc = *acc * exp(*ref - l) + s;
        *ref = l;
    } else {
        *acc += s * exp(l - *ref);
    }
}

/* The matrix e^{-beta e_in[jA,jB] - rowmax[jA]} into mat (NA x NB) and its row maxima. */
static void shifted_matrix(const plan *p, double beta, double *mat, double *rowmax) {
    for (size_t ja = 0; ja < p->NA; ja++) {
        double mx = -HUGE_VAL;
        for (size_t jb = 0; jb < p->NB; jb++) {
            double x = -beta * p->ein[ja * p->NB + jb];
            mat[ja * p->NB + jb] = x;
            if (x > mx) mx = x;
        }
        rowmax[ja] = mx;
        zs_vexp_shift(mat + ja * p->NB, mat + ja * p->NB, p->NB, -mx);
    }
}

/* What every chunk of the outer walk reads: the kernel and the shifted matrix. */
typedef struct lnz_chunk {
    const plan *p;
    double beta;
    pairwise_kernel kernel;
    const double *mat, *rowmax;
    int avx;
} lnz_chunk;

/* The walk with the AVX-512 block sum where it applies (8 doubles a row of mat). */
static lnz_chunk lnz_walk(const plan *p, double beta, pairwise_kernel kernel, const double *mat,
                          const double *rowmax) {
    lnz_chunk c = {p, beta, kernel, mat, rowmax, (zs_simd_level() == 2) && p->NB % 8 == 0};
    return c;
}

/* Outer words r0..r1: the sum over every inner state as e^*ref * *acc. Matvec kernel:
 * sum_{jA,jB} e^{xa[jA]} mat[jA,jB] e^{xb[jB]} with the two vectors shifted by their maxima;
 * vexp kernel: one vector exp over the NI inner energies. buf: the thread's lnz_buffer entries. */
static void chunk_lnz(const lnz_chunk *c, double *buf, uint64_t r0, uint64_t r1, double *ref,
                      double *acc) {
    const plan *p = c->p;
    const double beta = c->beta;
    walk w;
    w.ga = buf;
    w.gb = buf + p->NA;
    double *ea = buf + p->NA + p->NB, *eb = ea + p->NA, *v = eb + p->NB;
    double *xa = v + p->NB, *xb = xa + p->NA, *xs = xb + p->NB;
    walk_seek(p, r0, &w);
    *ref = -HUGE_VAL;
    *acc = 0.0;
    for (uint64_t r = r0; r < r1; r++) {
        double base = -beta * (p->offset + w.eo), l, s;
        if (c->kernel == PAIRWISE_KERNEL_MATVEC) {
            double amax = -HUGE_VAL, bmax = -HUGE_VAL;
            for (size_t ja = 0; ja < p->NA; ja++) {
                xa[ja] = c->rowmax[ja] - beta * w.ga[ja];
                if (xa[ja] > amax) amax = xa[ja];
            }
            for (size_t jb = 0; jb < p->NB; jb++) {
                xb[jb] = -beta * w.gb[jb];
                if (xb[jb] > bmax) bmax = xb[jb];
            }
            zs_vexp_shift(ea, xa, p->NA, -amax);
            zs_vexp_shift(eb, xb, p->NB, -bmax);
            s = c->avx ? pairwise_block_sum_avx512(c->mat, ea, eb, p->NA, p->NB)
                       : block_sum_portable(c->mat, ea, eb, p->NA, p->NB, v);
            l = base + amax + bmax;
        } else {
            double mx = -HUGE_VAL;
            for (size_t ja = 0; ja < p->NA; ja++)
                for (size_t jb = 0; jb < p->NB; jb++) {
                    size_t j = ja * p->NB + jb;
                    double x = -beta * (p->ein[j] + w.ga[ja] + w.gb[jb]);
                    xs[j] = x;
                    if (x > mx) mx = x;
                }
            s = zs_sum_exp_shift(xs, p->NI, -mx);
            l = base + mx;
        }
        lsum_add(ref, acc, l, s);
        walk_step(p, r, &w);
    }
}

/* The problem's hash: the model as the energy reads it (fields, bonds, offset), beta, and
 * which computation (ln Z alone, or the moments too) with which kernel. */
static uint64_t problem_hash(const zs_pairwise *mod, double beta, const char *name, int kernel) {
    uint64_t h = pairwise_hash(units_hash_begin(name), mod);
    h = units_hash_double(h, beta);
    return units_hash_u64(h, (uint64_t)kernel);
}

/* What every unit of the ln Z walk reads. */
typedef struct lnz_job {
    lnz_chunk walk;
    size_t nchunks;
} lnz_job;

/* A thread's buffer for chunk_lnz: 3 NA + 4 NB entries, + NI for the vexp kernel. */
static size_t lnz_buffer(const plan *p, pairwise_kernel kernel) {
    return 3 * p->NA + 4 * p->NB + (kernel == PAIRWISE_KERNEL_VEXP ? p->NI : 0);
}

static void *lnz_scratch(const void *job) {
    const lnz_job *j = job;
    return zs_malloc(lnz_buffer(j->walk.p, j->walk.kernel) * sizeof(double));
}

/* One unit: chunk c of the outer walk as the record (ref, acc), its sum being e^ref acc. */
static zs_status lnz_unit(const void *job, uint64_t c, void *buf, zs_unit_record *rec) {
    const lnz_job *j = job;
    const uint64_t outer = j->walk.p->outer;
    rec->nvalues = 2;
    chunk_lnz(&j->walk, buf, outer * c / j->nchunks, outer * (c + 1) / j->nchunks,
              &rec->values[0], &rec->values[1]);
    return ZS_OK;
}

static zs_status lnz_enumerate(const zs_pairwise *mod, double beta, pairwise_kernel kernel,
                               double max_seconds, double *lnz) {
    zs_status st = pairwise_check_beta(mod, beta);
    if (st != ZS_OK) return st;
    plan p;
    st = plan_make(mod, beta, max_seconds, &p);
    if (st != ZS_OK) return st;
    if (kernel == PAIRWISE_KERNEL_AUTO)
        kernel = p.range <= FAST_RANGE_MAX ? PAIRWISE_KERNEL_MATVEC : PAIRWISE_KERNEL_VEXP;
    double *mat = zs_malloc(p.NI * sizeof *mat), *rowmax = zs_malloc(p.NA * sizeof *rowmax);
    const size_t nchunks = chunk_count(&p);
    zs_unit_record *recs = zs_malloc(nchunks * sizeof *recs);
    if (!mat || !rowmax || !recs) {
        st = zs_fail(mod->ctx, ZS_ENOMEM, "method enumerate: out of memory");
        goto done;
    }
    shifted_matrix(&p, beta, mat, rowmax);
    lnz_job lj = {lnz_walk(&p, beta, kernel, mat, rowmax), nchunks};
    units_job job = {mod->ctx, "pairwise enumerate ln Z", "enumerate",
                     problem_hash(mod, beta, "pairwise enumerate ln Z", (int)kernel), nchunks,
                     lnz_unit, &lj, lnz_scratch, free, 0};
    st = units_exec(&job, recs);
    if (st == ZS_OK) {
        double ref = -HUGE_VAL, acc = 0.0;
        for (size_t c = 0; c < nchunks; c++) lsum_add(&ref, &acc, recs[c].values[0], recs[c].values[1]);
        if (!(acc > 0.0) || !isfinite(acc))
            st = zs_fail(mod->ctx, ZS_ENUMERIC, "method enumerate: the sum is %g", acc);
        else
            *lnz = ref + log(acc);
    }
done:
    free(mat);
    free(rowmax);
    free(recs);
    plan_free(&p);
    return st;
}

zs_status pairwise_enumerate_lnz_kernel(const zs_pairwise *mod, double beta,
                                        pairwise_kernel kernel, double *lnz) {
    return lnz_enumerate(mod, beta, kernel, ZS_PAIRWISE_ENUMERATE_SECONDS, lnz);
}

zs_status zs_pairwise_lnz_enumerate(const zs_pairwise *m, double beta, double *lnz) {
    if (!m || !lnz) return ZS_EINVAL;
    return lnz_enumerate(m, beta, PAIRWISE_KERNEL_AUTO, ZS_PAIRWISE_ENUMERATE_SECONDS, lnz);
}

/* Weighted moments of E and M with centered second moments (Chan et al. 1979), and h, the
 * entropy -sum p ln p of the normalized weights (NaN where a kernel does not track it). */
typedef struct moments {
    double w, me, m2e, mm, m2m, am, h;
} moments;

static void moments_merge(moments *a, const moments *b) {
    double w = a->w + b->w;
    /* Entropy of a mixture: H = pa Ha + pb Hb - pa ln pa - pb ln pb (pa = wa / w). */
    if (!(a->w > 0.0)) a->h = b->h;
    else if (b->w > 0.0) {
        double pa = a->w / w, pb = b->w / w;
        a->h = pa * a->h + pb * b->h - pa * log(pa) - pb * log(pb);
    }
    if (w > 0.0) {
        double de = b->me - a->me, dm = b->mm - a->mm, f = b->w / w, g = a->w * b->w / w;
        a->me += de * f;
        a->m2e += b->m2e + de * de * g;
        a->mm += dm * f;
        a->m2m += b->m2m + dm * dm * g;
    }
    a->w = w;
    a->am += b->am;
}

/* The chunks' moments merged in chunk order (fixed, so the result does not depend on the
 * thread count): U = <E>, C = beta^2 Var E, <M>, <|M|>, chi = beta Var M. */
static void moments_finish(const moments *part, size_t nchunks, double beta, double lnz,
                           zs_pairwise_thermo *out) {
    moments t = part[0];
    for (size_t c = 1; c < nchunks; c++) moments_merge(&t, &part[c]);
    out->lnz = lnz;
    out->u = t.me;
    out->c = zs_heat_capacity(beta, t.m2e / t.w);
    out->m = t.mm;
    out->absm = t.am / t.w;
    out->chi = beta * t.m2m / t.w;
    /* S from the weights themselves where beta U + ln Z cannot resolve it: that difference
     * carries a rounding of ~eps (|beta U| + ln Z), which at beta |E| ~ 1e20 is ~1e5 nats. */
    if (isfinite(t.h) && 64.0 * DBL_EPSILON * (fabs(beta * t.me) + fabs(lnz)) > 1e-6)
        out->s = t.h > 0.0 ? t.h : 0.0;
}

/* Moments through the same factorization as ln Z. Within an outer block, with a = e^{-beta
 * g_A} (scaled), b = e^{-beta g_B} (scaled), M = e^{-beta e_in} (rows scaled) and
 * X = e_in + g_A + g_B the block's energy above offset + E_o:
 *   sum w     = a . (M b)
 *   sum w X   = a . (M1 b) + (a g_A) . (M b) + a . (M (b g_B)),                 M1 = M o e_in
 *   sum w X^2 = a . (M2 b) + (a g_A^2).(M b) + a.(M (b g_B^2)) + 2 (a g_A).(M1 b)
 *               + 2 a.(M1 (b g_B)) + 2 (a g_A).(M (b g_B)),                       M2 = M o e_in^2
 * and likewise for the magnetization m_A + m_B of the inner spins. <|M|> groups the columns
 * by m_B (they are stored sorted by the number of down spins of half B), so
 * sum w |M| = sum_jA a_jA sum_classes |M_o + m_A + m_B(class)| (M b)_class[jA]. The matrices
 * are stored transposed (column jB contiguous over jA) so every product is a vectorizable
 * axpy over jA. Eight products of 2^b multiply-adds per outer block replace 2^b exponentials. */
typedef struct mplan {
    size_t NA, NB, ncls;
    double *mt, *mt1, *mt2;  /* (NB*NA) transposed M, M o e_in, M o e_in^2; columns permuted  */
    size_t *perm;            /* (NB) column order: by number of down spins of half B        */
    size_t cls_start[40];    /* class k: columns cls_start[k] .. cls_start[k+1]-1            */
    double *rowmax;          /* (NA)                                                        */
    double *ma, *mb;         /* (NA), (NB, permuted) magnetization of the halves            */
    double ein_abs;          /* max |e_in|                                                   */
} mplan;

static void mplan_free(mplan *q) {
    free(q->mt);
    free(q->mt1);
    free(q->mt2);
    free(q->perm);
    free(q->rowmax);
    free(q->ma);
    free(q->mb);
}

static int mplan_make(const plan *p, double beta, mplan *q) {
    memset(q, 0, sizeof *q);
    q->NA = p->NA;
    q->NB = p->NB;
    q->ncls = p->nb + 1;
    size_t NI = p->NI;
    q->mt = zs_malloc(NI * sizeof *q->mt);
    q->mt1 = zs_malloc(NI * sizeof *q->mt1);
    q->mt2 = zs_malloc(NI * sizeof *q->mt2);
    q->perm = zs_malloc(p->NB * sizeof *q->perm);
    q->rowmax = zs_malloc(p->NA * sizeof *q->rowmax);
    q->ma = zs_malloc(p->NA * sizeof *q->ma);
    q->mb = zs_malloc(p->NB * sizeof *q->mb);
    if (!q->mt || !q->mt1 || !q->mt2 || !q->perm || !q->rowmax || !q->ma || !q->mb) return 0;
    size_t k = 0;
    for (size_t c = 0; c <= p->nb; c++) {
        q->cls_start[c] = k;
        for (size_t jb = 0; jb < p->NB; jb++)
            if ((size_t)__builtin_popcountll(jb) == c) q->perm[k++] = jb;
    }
    q->cls_start[p->nb + 1] = k;
    for (size_t j = 0; j < NI; j++) q->ein_abs = fmax(q->ein_abs, fabs(p->ein[j]));
    for (size_t ja = 0; ja < p->NA; ja++) {
        double mx = -HUGE_VAL;
        for (size_t jb = 0; jb < p->NB; jb++) mx = fmax(mx, -beta * p->ein[ja * p->NB + jb]);
        q->rowmax[ja] = mx;
        q->ma[ja] = (double)p->na - 2.0 * (double)__builtin_popcountll(ja);
    }
    for (size_t c = 0; c < p->NB; c++) {
        size_t jb = q->perm[c];
        q->mb[c] = (double)p->nb - 2.0 * (double)__builtin_popcountll(jb);
        for (size_t ja = 0; ja < p->NA; ja++) {
            double e = p->ein[ja * p->NB + jb], w = exp(-beta * e - q->rowmax[ja]);
            q->mt[c * p->NA + ja] = w;
            q->mt1[c * p->NA + ja] = w * e;
            q->mt2[c * p->NA + ja] = w * e * e;
        }
    }
    return 1;
}

/* The portable build of pairwise_moments_avx512 (same sums, same order per output). */
static void moments_portable(const pairwise_moment_io *io) {
    const size_t NA = io->NA;
    for (size_t r = 0; r < NA; r++) {
        double y1 = 0, y2 = 0, ym = 0, ym2 = 0, z0 = 0, z1 = 0, u0 = 0;
        for (size_t k = 0; k < io->ncls; k++) {
            double y0 = 0;
            for (size_t c = io->cls[k]; c < io->cls[k + 1]; c++) {
                double m = io->mt[c * NA + r], m1 = io->mt1[c * NA + r], m2 = io->mt2[c * NA + r];
                y0 += io->b[c] * m;
                y1 += io->bg[c] * m;
                y2 += io->bg2[c] * m;
                ym += io->bm[c] * m;
                ym2 += io->bm2[c] * m;
                z0 += io->b[c] * m1;
                z1 += io->bg[c] * m1;
                u0 += io->b[c] * m2;
            }
            io->y0c[k * NA + r] = y0;
        }
        io->y1[r] = y1;
        io->y2[r] = y2;
        io->ym[r] = ym;
        io->ym2[r] = ym2;
        io->z0[r] = z0;
        io->z1[r] = z1;
        io->u0[r] = u0;
    }
}

/* What one chunk of the moments walk reads: the matrices, the thread's buffer (laid out in
 * chunk_moments) and ln Z, by which every weight is divided. */
typedef struct moments_chunk {
    const plan *p;
    const mplan *q;
    double beta, lnz;
    int avx;
    double *buf;
} moments_chunk;

/* Doubles in a moments_chunk buffer. */
static size_t moments_buffer(size_t NA, size_t NB, size_t ncls) {
    /* ga gb | a ag ag2 am am2 | b bg bg2 bm bm2 (permuted) | y0c(ncls*NA) y1 y2 ym ym2 z0 z1 u0 | xa xb
     * | en x pr (3 NA NB: a block recomputed by block_moments_exact) */
    return 2 * NA + 2 * NB + 5 * NA + 5 * NB + (ncls + 7) * NA + 3 * NA * NB;
}

/* One outer block's moments with one exponential per state, centered in two passes (what
 * chunk_moments_vexp does for every block): merged into *part, the weights divided by e^lnz.
 * buf holds 3 NI doubles. */
static void block_moments_exact(const plan *p, const walk *w, double beta, double lnz, double *buf,
                                moments *part) {
    double *en = buf, *x = en + p->NI, *pr = x + p->NI;
    double eo = p->offset + w->eo, xmax = -HUGE_VAL;
    for (size_t ja = 0; ja < p->NA; ja++)
        for (size_t jb = 0; jb < p->NB; jb++) {
            size_t j = ja * p->NB + jb;
            en[j] = eo + p->ein[j] + w->ga[ja] + w->gb[jb];
            x[j] = -beta * en[j];
            xmax = fmax(xmax, x[j]);
        }
    /* ln Z >= max x in exact arithmetic, but E is summed here in another order than in the
     * ln Z pass: at beta |E| ~ 1e20 one ulp of x is ~1e4, and e^{x - ln Z} would overflow or
     * vanish for the ground states themselves. A block whose top lies within that rounding of
     * ln Z is weighted from its own top (weights <= 1, its states being the ground states to
     * within rounding); every other block, and every block whenever beta |E| is far from
     * 1/eps, from ln Z as before, so those bits are unchanged. */
    double shift = lnz - xmax <= 64.0 * DBL_EPSILON * fabs(lnz) ? xmax : lnz;
    zs_vexp_shift(pr, x, p->NI, -shift);
    moments bm = {0, 0, 0, 0, 0, 0, 0};
    double se = 0.0, sm = 0.0, sx = 0.0;
    for (size_t j = 0; j < p->NI; j++) {
        bm.w += pr[j];
        se += pr[j] * en[j];
        sm += pr[j] * (w->mo + p->min[j]);
        if (pr[j] > 0.0) sx += pr[j] * (x[j] - shift);
    }
    if (!(bm.w > 0.0)) return;
    bm.h = log(bm.w) - sx / bm.w; /* -sum q ln q, q = pr / w = e^{x - shift} / w */
    bm.me = se / bm.w;
    bm.mm = sm / bm.w;
    for (size_t j = 0; j < p->NI; j++) {
        double de = en[j] - bm.me, mj = w->mo + p->min[j], dm = mj - bm.mm;
        bm.m2e += pr[j] * de * de;
        bm.m2m += pr[j] * dm * dm;
        bm.am += pr[j] * fabs(mj);
    }
    moments_merge(part, &bm);
}

/* Whether a block's raw sums leave its centered second moment (sum w x^2 - (sum w x)^2 /
 * sum w, x = E or M) within 1e-10 of itself: each raw sum carries a rounding of about
 * eps sqrt(terms) sum w |x|^2 (Higham, Accuracy and Stability of Numerical Algorithms, 2nd
 * ed., sec. 4.2: errors of long sums grow as the square root of their length), |x| <= xabs,
 * and the difference keeps it whole; at low T (Var E << E^2) it does not, and the block is
 * summed centered instead (block_moments_exact). */
static int raw_moment_ok(double sw, double s1, double s2, double xabs, size_t terms) {
    double var_sum = s2 - s1 * s1 / sw;
    return DBL_EPSILON * 4.0 * sqrt((double)terms) * sw * xabs * xabs <= 1e-10 * var_sum;
}

/* Outer words r0..r1: the weighted moments of E, M and |M| over their inner states, merged
 * into *part. Per word, the weights e^{xa[jA]} and e^{xb[jB]} (shifted by their maxima) and
 * their products with the fields and magnetizations of each half are contracted with the
 * matrices mt, mt1 = mt e, mt2 = mt e^2 (pairwise_moments_*), class by class of
 * half B's magnetization. */
static void chunk_moments(const moments_chunk *ch, uint64_t r0, uint64_t r1, moments *part) {
    const plan *p = ch->p;
    const mplan *q = ch->q;
    const double beta = ch->beta;
    const size_t NA = p->NA, NB = p->NB, ncls = q->ncls;
    walk w;
    w.ga = ch->buf;
    w.gb = ch->buf + NA;
    double *xa = w.gb + NB, *xb = xa + NA;
    double *a = xb + NB, *ag = a + NA, *ag2 = ag + NA, *am = ag2 + NA, *am2 = am + NA;
    double *b = am2 + NA, *bg = b + NB, *bg2 = bg + NB, *bm = bg2 + NB, *bm2 = bm + NB;
    double *y0c = bm2 + NB, *y1 = y0c + ncls * NA, *y2 = y1 + NA, *ym = y2 + NA,
           *ym2 = ym + NA, *z0 = ym2 + NA, *z1 = z0 + NA, *u0 = z1 + NA, *exact = u0 + NA;
    walk_seek(p, r0, &w);
    for (uint64_t r = r0; r < r1; r++) {
        double amax = -HUGE_VAL, bmax = -HUGE_VAL, gabs = q->ein_abs, ga_abs = 0.0, gb_abs = 0.0;
        for (size_t ja = 0; ja < NA; ja++) {
            xa[ja] = q->rowmax[ja] - beta * w.ga[ja];
            if (xa[ja] > amax) amax = xa[ja];
            ga_abs = fmax(ga_abs, fabs(w.ga[ja]));
        }
        for (size_t k = 0; k < NB; k++) {
            xb[k] = -beta * w.gb[q->perm[k]];
            if (xb[k] > bmax) bmax = xb[k];
            gb_abs = fmax(gb_abs, fabs(w.gb[k]));
        }
        gabs += ga_abs + gb_abs;
        zs_vexp_shift(a, xa, NA, -amax);
        zs_vexp_shift(b, xb, NB, -bmax);
        for (size_t ja = 0; ja < NA; ja++) {
            double g = w.ga[ja], mg = q->ma[ja];
            ag[ja] = a[ja] * g;
            ag2[ja] = a[ja] * g * g;
            am[ja] = a[ja] * mg;
            am2[ja] = a[ja] * mg * mg;
        }
        for (size_t k = 0; k < NB; k++) {
            double g = w.gb[q->perm[k]], mg = q->mb[k];
            bg[k] = b[k] * g;
            bg2[k] = b[k] * g * g;
            bm[k] = b[k] * mg;
            bm2[k] = b[k] * mg * mg;
        }
        pairwise_moment_io io = {q->mt, q->mt1, q->mt2, NA, ncls, q->cls_start,
                                 b, bg, bg2, bm, bm2, y0c, y1, y2, ym, ym2, z0, z1, u0};
        if (ch->avx) pairwise_moments_avx512(&io);
        else moments_portable(&io);
        double sw = 0, sx = 0, sx2 = 0, sm = 0, sm2 = 0, sab = 0;
        for (size_t ja = 0; ja < NA; ja++) {
            double y0 = 0.0;
            for (size_t k = 0; k < ncls; k++) y0 += y0c[k * NA + ja];
            double mg = q->ma[ja];
            sw += a[ja] * y0;
            sx += a[ja] * (z0[ja] + y1[ja]) + ag[ja] * y0;
            sx2 += a[ja] * (u0[ja] + y2[ja] + 2.0 * z1[ja]) + ag2[ja] * y0 +
                   2.0 * ag[ja] * (z0[ja] + y1[ja]);
            sm += a[ja] * ym[ja] + am[ja] * y0;
            sm2 += a[ja] * ym2[ja] + am2[ja] * y0 + 2.0 * am[ja] * ym[ja];
            double ab = 0.0;
            for (size_t k = 0; k < ncls; k++)
                ab += fabs(w.mo + mg + (double)p->nb - 2.0 * (double)k) * y0c[k * NA + ja];
            sab += a[ja] * ab;
        }
        double scale = exp(-beta * (p->offset + w.eo) + amax + bmax - ch->lnz);
        moments bm_ = {0, 0, 0, 0, 0, 0, (double)NAN};
        if (sw > 0.0 && !(raw_moment_ok(sw, sx, sx2, gabs, p->NI) &&
                          raw_moment_ok(sw, sm, sm2, (double)p->b, p->NI))) {
            block_moments_exact(p, &w, beta, ch->lnz, exact, part);
        } else if (sw > 0.0) {
            bm_.w = scale * sw;
            bm_.me = p->offset + w.eo + sx / sw;
            bm_.m2e = scale * fmax(sx2 - sx * sx / sw, 0.0);
            bm_.mm = w.mo + sm / sw;
            bm_.m2m = scale * fmax(sm2 - sm * sm / sw, 0.0);
            bm_.am = scale * sab;
            moments_merge(part, &bm_);
        }
        walk_step(p, r, &w);
    }
}

/* Outer words r0..r1 with one exponential per state (past the factorized kernel's range):
 * the moments of E, M and |M| merged into *part, every weight divided by e^lnz. buf holds
 * NA + NB + 3 NI doubles. */
static void chunk_moments_vexp(const plan *p, double beta, double lnz, double *buf, uint64_t r0,
                               uint64_t r1, moments *part) {
    walk w;
    w.ga = buf;
    w.gb = buf + p->NA;
    walk_seek(p, r0, &w);
    for (uint64_t r = r0; r < r1; r++) {
        block_moments_exact(p, &w, beta, lnz, buf + p->NA + p->NB, part);
        walk_step(p, r, &w);
    }
}

/* The thermodynamics as work units. Unit c walks chunk c twice: first its share of Z as
 * e^ref acc (the same pass, and so the same bits, as the ln Z computation), then its moments
 * with weights divided by its own share lnz_c = ref + ln acc (Z is not known while a unit
 * runs). The record is (ref, acc, w, <E>, m2E, <M>, m2M, sum w|M|, H); combining rescales each
 * unit's weights by e^{lnz_c - ln Z} and merges them in unit order (Chan et al. 1979). */
typedef struct thermo_job {
    lnz_job lnz;
    const mplan *q; /* NULL: the one-exponential-per-state moments                        */
} thermo_job;

typedef struct thermo_scratch {
    double *lbuf, *mbuf;
} thermo_scratch;

static void thermo_scratch_free(void *s) {
    thermo_scratch *t = s;
    if (!t) return;
    free(t->lbuf);
    free(t->mbuf);
    free(t);
}

static void *thermo_scratch_alloc(const void *job) {
    const thermo_job *j = job;
    const plan *p = j->lnz.walk.p;
    thermo_scratch *t = zs_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->lbuf = zs_malloc(lnz_buffer(p, j->lnz.walk.kernel) * sizeof(double));
    size_t nm = j->q ? moments_buffer(p->NA, p->NB, j->q->ncls) : p->NA + p->NB + 3 * p->NI;
    t->mbuf = zs_malloc(nm * sizeof(double));
    if (!t->lbuf || !t->mbuf) {
        thermo_scratch_free(t);
        return NULL;
    }
    return t;
}

static zs_status thermo_unit(const void *job, uint64_t c, void *scratch, zs_unit_record *rec) {
    const thermo_job *j = job;
    thermo_scratch *t = scratch;
    const plan *p = j->lnz.walk.p;
    const double beta = j->lnz.walk.beta;
    uint64_t r0 = p->outer * c / j->lnz.nchunks, r1 = p->outer * (c + 1) / j->lnz.nchunks;
    double ref, acc;
    chunk_lnz(&j->lnz.walk, t->lbuf, r0, r1, &ref, &acc);
    moments part = {0, 0, 0, 0, 0, 0, 0};
    if (acc > 0.0 && isfinite(acc)) {
        double lnzc = ref + log(acc);
        if (j->q) {
            const int avx = (zs_simd_level() == 2) && p->NA % 8 == 0;
            moments_chunk mc = {p, j->q, beta, lnzc, avx, t->mbuf};
            chunk_moments(&mc, r0, r1, &part);
        } else {
            chunk_moments_vexp(p, beta, lnzc, t->mbuf, r0, r1, &part);
        }
    }
    rec->nvalues = 9;
    double v[9] = {ref, acc, part.w, part.me, part.m2e, part.mm, part.m2m, part.am, part.h};
    memcpy(rec->values, v, sizeof v);
    return ZS_OK;
}

zs_status pairwise_thermo_enumerate(const zs_pairwise *mod, double beta, double max_seconds,
                                    zs_pairwise_thermo *out) {
    zs_status st = pairwise_check_beta(mod, beta);
    if (st != ZS_OK) return st;
    plan p;
    st = plan_make(mod, beta, max_seconds, &p);
    if (st != ZS_OK) return st;
    const int fast = p.range <= FAST_RANGE_MAX;
    if (!fast && mod->n > ZS_PAIRWISE_ENUMERATE_MOMENTS_MAX) {
        /* Past the factorized kernel's range the moment pass costs one exponential per state
         * (about 1e8 states/s here): above 2^32 states only ln Z is given. */
        plan_free(&p);
        double lnz;
        st = lnz_enumerate(mod, beta, PAIRWISE_KERNEL_AUTO, max_seconds, &lnz);
        if (st != ZS_OK) return st;
        out->lnz = lnz;
        out->u = out->c = out->m = out->absm = out->chi = (double)NAN;
        return ZS_OK;
    }
    const pairwise_kernel kernel = fast ? PAIRWISE_KERNEL_MATVEC : PAIRWISE_KERNEL_VEXP;
    mplan q;
    memset(&q, 0, sizeof q);
    double *mat = zs_malloc(p.NI * sizeof *mat), *rowmax = zs_malloc(p.NA * sizeof *rowmax);
    const size_t nchunks = chunk_count(&p);
    zs_unit_record *recs = zs_malloc(nchunks * sizeof *recs);
    if (!mat || !rowmax || !recs || (fast && !mplan_make(&p, beta, &q))) {
        st = zs_fail(mod->ctx, ZS_ENOMEM, "method enumerate: out of memory");
        goto done;
    }
    shifted_matrix(&p, beta, mat, rowmax);
    thermo_job tj = {{lnz_walk(&p, beta, kernel, mat, rowmax), nchunks}, fast ? &q : NULL};
    units_job job = {mod->ctx, "pairwise enumerate", "enumerate",
                     problem_hash(mod, beta, "pairwise enumerate", (int)kernel), nchunks,
                     thermo_unit, &tj, thermo_scratch_alloc, thermo_scratch_free, 0};
    st = units_exec(&job, recs);
    if (st != ZS_OK) goto done;
    double ref = -HUGE_VAL, acc = 0.0;
    for (size_t c = 0; c < nchunks; c++) lsum_add(&ref, &acc, recs[c].values[0], recs[c].values[1]);
    if (!(acc > 0.0) || !isfinite(acc)) {
        st = zs_fail(mod->ctx, ZS_ENUMERIC, "method enumerate: the sum is %g", acc);
        goto done;
    }
    const double lnz = ref + log(acc);
    moments *part = zs_malloc(nchunks * sizeof *part);
    if (!part) {
        st = zs_fail(mod->ctx, ZS_ENOMEM, "method enumerate: out of memory");
        goto done;
    }
    for (size_t c = 0; c < nchunks; c++) {
        const double *v = recs[c].values;
        double f = v[1] > 0.0 && isfinite(v[1]) ? exp(v[0] + log(v[1]) - lnz) : 0.0;
        moments m = {v[2] * f, v[3], v[4] * f, v[5], v[6] * f, v[7] * f, v[8]};
        part[c] = m;
    }
    moments_finish(part, nchunks, beta, lnz, out);
    free(part);
done:
    mplan_free(&q);
    free(mat);
    free(rowmax);
    free(recs);
    plan_free(&p);
    return st;
}
