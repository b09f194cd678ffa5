/* transfer.c — the transfer matrix of a square lattice, one site at a time.
 *
 * The lattice is read as L rows of width W (W = the cheaper of the two sides). The state is
 * the "frontier" of the last W sites visited in row-major order, one bit per column (1 = spin
 * -1); v[sigma] is the summed Boltzmann weight of all settings of the visited sites that end
 * in frontier sigma. Visiting site (r, c) replaces column c's spin u (site (r-1, c)) by the
 * new spin t, summing u out:
 *     v'[.., t, ..] = sum_u v[.., u, ..] exp(beta (J_up u t + J_left s_{c-1} t + J_wrap s_0 t + h t)),
 * (Baxter, Exactly Solved Models, sec. 7.2; the "sparse" or site-by-site form of the row
 * transfer matrix), so a sweep costs L W 2^W instead of L 4^W. A periodic width adds the
 * bond from column W-1 to column 0 when c = W - 1. A periodic length fixes the first row's
 * state sigma_0 and closes the last row onto it: 2^W passes (cost L W 4^W).
 *
 * Scale. While one site's weights span at most e^{2 LOG_SITE} (|beta| times the site's
 * largest |energy| <= LOG_SITE), v holds weights, rescaled by its maximum whenever the
 * possible growth since the last rescale exceeds e^300, the scale kept as a logarithm. Past
 * that (low temperature, strong couplings) one step could overflow, or underflow every state
 * but the locally best one, so v holds logarithms and each step is a log-sum-exp of two terms.
 *
 * Moments ride along as extra vectors, centered: per frontier state the mean and the variance
 * of the visited sites' energy E and magnetization M given that state. A step mixes two
 * predecessors (weights A, B, means a, b after adding the local energy or spin, variances
 * va, vb) as p_A va + p_B vb + p_A p_B (a - b)^2 (the pairwise update of Chan, Golub and
 * LeVeque 1979), which has no cancellation: C = beta^2 Var(E) and chi = beta Var(M) keep full
 * relative precision where <E^2> - <E>^2 would lose it (C ~ 1e-6 at T = 0.2 on a 4x4 lattice).
 * <|M|> needs the whole magnetization distribution: a separate, costlier pass
 * (transfer_absm), done when it is affordable. */
#include "exact/pairwise_methods.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RESCALE_BOUND 300.0
/* Pair updates (or |M| table entries) between progress reports: 0.1 to 0.3 ms of the release
 * build, so a deadline set through the progress hook (ZSUM_MAX_SECONDS) stops a transfer
 * matrix within about that, even in a build 600 times slower. A report costs a clock read. */
#define REPORT_WORK 32768.0
/* Largest |beta| times a site's largest |local energy| for which v holds plain weights. */
#define LOG_SITE 20.0

typedef struct frame {
    size_t W, L;
    int pw, pl;
    double *h, *jr, *jd;   /* (L*W) field, bond to the right, bond down, in the frame        */
} frame;

static double cost_of(size_t w, size_t l, int pl) {
    return (double)w * (double)l * ldexp(1.0, (int)(w < 60 ? w : 60)) *
           (pl ? ldexp(1.0, (int)(w < 60 ? w : 60)) : 1.0);
}

/* Orientation: width = columns (as given) or rows (transposed), whichever costs less. */
static int transposed(const zs_pairwise *m) {
    double a = cost_of(m->cols, m->rows, m->prow), b = cost_of(m->rows, m->cols, m->pcol);
    return b < a;
}

const char *pairwise_transfer_refusal(const zs_pairwise *m, double *cost) {
    if (!m->lattice) return "the transfer matrix needs a lattice (a chain or square lattice)";
    int tr = transposed(m);
    size_t w = tr ? m->rows : m->cols;
    int pl = tr ? m->pcol : m->prow;
    if (cost) *cost = cost_of(w, tr ? m->cols : m->rows, pl);
    if (!pl && w > ZS_PAIRWISE_TRANSFER_WIDTH)
        return "the strip is wider than 22 sites (the transfer matrix costs n 2^width)";
    if (pl && w > ZS_PAIRWISE_TRANSFER_WIDTH_PERIODIC)
        return "a periodic strip is wider than 12 sites (the transfer matrix costs n 4^width "
               "with periodic length)";
    return NULL;
}

/* The threads of the per-site loops: memory-bound, with a barrier per site, so one unless the
 * caller asked for more (on the shared 2-core machine two threads were 3x slower under load,
 * and no faster when it was quiet), and no more than the processors. */
static int transfer_threads(const zs_ctx *ctx) {
    return ctx && ctx->threads > 1 ? zs_threads_for(ctx, (size_t)ctx->threads) : 1;
}

/* Release-build time per unit of cost_of (a site's visit of a frontier state, the five
 * vectors of moments riding along): a 22 x 73 open strip, 6.7e9 units, 49 s (7.3 ns: 2^22
 * states x 5 vectors spill the caches); a 20 x 40 one, 8.4e8 units, 3.8 s (4.5 ns). */
#define TRANSFER_UNIT_NS 7.5
/* And per site, whatever the width: building its bonds and the per-site passes (one thread,
 * `ising --size RxC --open --method transfer`, the whole command): 1 x 2000000, 2 x 1000000
 * and 4 x 500000 took 0.33, 0.37 and 0.48 s, 0.17-0.24 us a site (before the sites stopped
 * entering an OpenMP region each, 0.5 us here and 2 us on a slower machine); 500 ns leaves
 * room for a slower machine. 8 x 250000 took 2.4 s and is estimated at 4.8 s. */
#define TRANSFER_SITE_NS 500.0

/* The <|M|> pass (transfer_absm, below) when it runs: n 2^W (n + 1) table entries (times 2^W
 * with a periodic length), up to ABSM_WORK; 10 x 60 open, 3.7e8 entries: 0.19 s (0.5 ns). */
#define ABSM_WORK 4.0e8
#define ABSM_UNIT_NS 0.6
static double absm_cost_of(size_t n, size_t w, int pl) {
    return (double)n * ldexp(1.0, (int)w) * (double)(n + 1) * (pl ? ldexp(1.0, (int)w) : 1.0);
}

/* In log mode (log_mode, below) each update is a log-sum-exp: measured at T = 0.01-0.3
 * against T = 2-3 on the same strips, the sweep runs 3x slower (6 x 6 torus: 16.5 against
 * 5.1 ms; 16 x 100 open: 2.3 against 0.8 s) and the <|M|> pass 7x (10 x 60 open: 1.47
 * against 0.2 s). */
#define LOG_MODE_SWEEP 3.0
#define LOG_MODE_ABSM 7.0

/* The bonds a site of a uniform lattice has along a direction of len sites: none for one
 * site, one at an open end of two sites, else two (a periodic 2-site direction keeps its pair
 * twice, as the model's bond list does). */
static double direction_degree(size_t len, int periodic) {
    return len < 2 ? 0.0 : periodic || len > 2 ? 2.0 : 1.0;
}

/* The largest |energy| of any site: |h_i| plus the |J| of its bonds, from the adjacency, or,
 * for a lattice's description without arrays (zs_lattice_thermo_seconds), from its shape. */
static double site_energy_bound(const zs_pairwise *m) {
    if (!m->adj_start) {
        double deg = direction_degree(m->rows, m->prow) + direction_degree(m->cols, m->pcol);
        return fabs(m->h0) + (m->j0 != 0.0 ? deg * fabs(m->j0) : 0.0);
    }
    double most = 0.0;
    for (size_t i = 0; i < m->n; i++) {
        double b = fabs(m->h[i]);
        for (size_t a = m->adj_start[i]; a < m->adj_start[i + 1]; a++) b += fabs(m->adj_j[a]);
        most = b > most ? b : most;
    }
    return most;
}

/* Log mode when one site's weights could span more than e^{2 LOG_SITE}: |beta| times the
 * largest |energy| at a site. The one rule of the computation and of its estimate. */
static int log_mode(const zs_pairwise *m, double beta) {
    return fabs(beta) * site_energy_bound(m) > LOG_SITE;
}

double pairwise_transfer_seconds(const zs_pairwise *m, double beta) {
    double cost = 0.0;
    if (pairwise_transfer_refusal(m, &cost)) return HUGE_VAL;
    const int tr = transposed(m), lg = log_mode(m, beta);
    const double absm = absm_cost_of(m->n, tr ? m->rows : m->cols, tr ? m->pcol : m->prow);
    const double ns = cost * TRANSFER_UNIT_NS * (lg ? LOG_MODE_SWEEP : 1.0) + (double)m->n * TRANSFER_SITE_NS +
                      (absm <= ABSM_WORK ? absm * ABSM_UNIT_NS * (lg ? LOG_MODE_ABSM : 1.0) : 0.0);
    return ns * 1e-9 / transfer_threads(m->ctx);
}

zs_status pairwise_transfer_check_time(const zs_pairwise *m, double beta, double max_seconds) {
    double cost = 0.0;
    if (max_seconds <= 0 || pairwise_transfer_refusal(m, &cost)) return ZS_OK; /* refused later */
    const int threads = transfer_threads(m->ctx);
    const double secs = pairwise_transfer_seconds(m, beta);
    if (secs <= max_seconds) return ZS_OK;
    char at[128];
    zs_time_words(at, sizeof at, secs, threads, 1.0);
    return zs_fail(m->ctx, ZS_ETOOBIG,
                   "method transfer: %zu x %zu sites (%.3g visits of a frontier state) take %s, "
                   "over the limit of %g s; use sampling", m->rows, m->cols, cost, at, max_seconds);
}

static void frame_free(frame *f) {
    free(f->h);
    free(f->jr);
    free(f->jd);
}

static int frame_make(const zs_pairwise *m, frame *f) {
    int tr = transposed(m);
    f->W = tr ? m->rows : m->cols;
    f->L = tr ? m->cols : m->rows;
    f->pw = tr ? m->prow : m->pcol;
    f->pl = tr ? m->pcol : m->prow;
    size_t n = m->n;
    f->h = zs_malloc(n * sizeof *f->h);
    f->jr = zs_malloc(n * sizeof *f->jr);
    f->jd = zs_malloc(n * sizeof *f->jd);
    if (!f->h || !f->jr || !f->jd) return 0;
    for (size_t r = 0; r < f->L; r++)
        for (size_t c = 0; c < f->W; c++) {
            size_t o = tr ? c * m->cols + r : r * m->cols + c, i = r * f->W + c;
            f->h[i] = m->h[o];
            f->jr[i] = tr ? m->jv[o] : m->jh[o];
            f->jd[i] = tr ? m->jh[o] : m->jv[o];
        }
    return 1;
}

/* Work done and the next progress report: bounded work between reports, whatever the width
 * (one site of a 22-wide strip is 2^21 pair updates: its loop is cut into blocks). */
typedef struct meter {
    zs_ctx *ctx;
    const char *task;
    double done, total, since;
    int stop;         /* the hook asked to stop: the computation returns ZS_ECANCELLED       */
} meter;

static void meter_init(meter *mt, zs_ctx *ctx, const char *task, double total) {
    memset(mt, 0, sizeof *mt);
    mt->ctx = ctx;
    mt->task = task;
    mt->total = total;
}

/* Count work; report when REPORT_WORK has been done since the last report. Nonzero: stop. */
static int meter_add(meter *mt, double work) {
    mt->done += work;
    mt->since += work;
    if (mt->since >= REPORT_WORK) {
        mt->since = 0.0;
        if (zs_progress(mt->ctx, mt->task, mt->done, mt->total)) mt->stop = 1;
    }
    return mt->stop;
}

typedef struct vecs {
    size_t S;         /* 2^W                                                                */
    int nv;           /* 1 (ln Z) or 5 (moments)                                             */
    int lg;           /* v[0] holds ln weights (no lnscale)                                  */
    double eshift;    /* log mode: the sum of the visited sites' smallest local energies,
                       * which the weights and energy means are taken relative to            */
    double *v[5];     /* weight, mean E, Var E, mean M, Var M (given the frontier state)    */
    double lnscale;
    int threads;      /* threads for the per-site loops                                      */
    meter *mt;        /* progress, counted in pair updates                                   */
} vecs;

/* ln(e^x + e^y), -inf when both are. */
static inline double lae(double x, double y) {
    double hi = x > y ? x : y, lo = x > y ? y : x;
    if (hi == -HUGE_VAL) return hi;
    double d = lo - hi;
    return d < -40.0 ? hi : hi + log1p(exp(d)); /* dropping e^-40: ln of the sum off by 4e-18 */
}

/* Mix two predecessors with weight fractions pa + pb = 1, means ma, mb, variances va, vb. */
static inline void mix(double pa, double pb, double ma, double va, double mb, double vb,
                       double *mean, double *var) {
    double d = mb - ma;
    *mean = ma + pb * d;
    *var = pa * va + pb * vb + pa * pb * d * d;
}

/* Weight fractions of two terms given as weights (lg = 0) or ln weights (lg = 1); the total
 * (or its ln) in *tot. Both zero: fractions 0 (the state is unreachable; its moments are 0). */
static inline void fractions(int lg, double x, double y, double *px, double *py, double *tot) {
    if (lg) {
        *tot = lae(x, y);
        if (*tot == -HUGE_VAL) {
            *px = *py = 0.0;
            return;
        }
        *px = exp(x - *tot);
        *py = exp(y - *tot);
    } else {
        *tot = x + y;
        if (!(*tot > 0.0)) {
            *px = *py = 0.0;
            return;
        }
        *px = x / *tot;
        *py = y / *tot;
    }
}

static double spin_bit(size_t i, size_t c) { return (i >> c) & 1u ? -1.0 : 1.0; }

/* A site's constants for the update of one pair of frontier states (site_pair). */
typedef struct site_job {
    double *v0, *v1, *v2, *v3, *v4;
    const double (*wt)[4], (*en)[4];
    size_t bit, lowmask, cm1, c;
    int mom, lg;
} site_job;

/* The pairs (sigma with bit c clear, with bit c set) numbered p: sum the column's old spin
 * out of both and bring the new one in (site_step's comment). */
static inline void site_pair(const site_job *s, size_t p) {
    double *v0 = s->v0, *v1 = s->v1, *v2 = s->v2, *v3 = s->v3, *v4 = s->v4;
    size_t i = ((p & ~s->lowmask) << 1) | (p & s->lowmask), i1 = i | s->bit;
    int combo = s->c > 0 ? (int)(((p >> s->cm1) & 1u) | ((p & 1u) << 1)) : 0;
    const double *w = s->wt[combo];
    const int lg = s->lg;
    double a = v0[i], b = v0[i1];
    if (!s->mom) {
        v0[i] = lg ? lae(w[0] + a, w[1] + b) : w[0] * a + w[1] * b;  /* t = +1 */
        v0[i1] = lg ? lae(w[2] + a, w[3] + b) : w[2] * a + w[3] * b; /* t = -1 */
        return;
    }
    const double *e = s->en[combo];
    double ae = v1[i], be = v1[i1], ave = v2[i], bve = v2[i1];
    double am = v3[i], bm = v3[i1], avm = v4[i], bvm = v4[i1];
    double pa, pb;
    /* t = +1 from (u = +, -) with local energies e[0], e[1]; t = -1 with e[2], e[3] */
    if (lg) fractions(1, w[0] + a, w[1] + b, &pa, &pb, &v0[i]);
    else fractions(0, w[0] * a, w[1] * b, &pa, &pb, &v0[i]);
    mix(pa, pb, ae + e[0], ave, be + e[1], bve, &v1[i], &v2[i]);
    mix(pa, pb, am + 1.0, avm, bm + 1.0, bvm, &v3[i], &v4[i]);
    if (lg) fractions(1, w[2] + a, w[3] + b, &pa, &pb, &v0[i1]);
    else fractions(0, w[2] * a, w[3] * b, &pa, &pb, &v0[i1]);
    mix(pa, pb, ae + e[2], ave, be + e[3], bve, &v1[i1], &v2[i1]);
    mix(pa, pb, am - 1.0, avm, bm - 1.0, bvm, &v3[i1], &v4[i1]);
}

/* Threads only for a long enough stretch and when asked for: entering an OpenMP region, even
 * one its if() clause keeps serial, cost about a microsecond, which was most of the time a
 * site of a narrow strip takes (a 1 x 10^6 chain spent 18 % in libgomp and 14 % in its futex
 * calls). */
#define PARALLEL_PAIRS 2048

/* Visit site (r, c): fold the column-c spin u out and bring the new spin t in. The pairs
 * (sigma with bit c clear, with bit c set) are numbered p = 0 .. S/2 - 1; the left spin is bit
 * c-1 and the wrap spin bit 0 of p (c >= 1), so the 4 local weights come from a table of the
 * 4 (left, wrap) combinations computed once per site. */
static void site_step(const frame *f, vecs *x, double beta, size_t r, size_t c, int first_row) {
    size_t W = f->W, bit = (size_t)1 << c, half = x->S / 2;
    double jup = first_row ? 0.0 : f->jd[(r - 1) * W + c];
    double jl = c > 0 ? f->jr[r * W + c - 1] : 0.0;
    double jw = (c == W - 1 && f->pw && W >= 2) ? f->jr[r * W + W - 1] : 0.0;
    double h = f->h[r * W + c];
    /* en[combo][k], k = (u,t) in order (+,+), (-,+), (+,-), (-,-); combo = left | wrap << 1;
     * wt the weights e^{-beta e} or, in log mode, -beta e. */
    double en[4][4], wt[4][4];
    for (int combo = 0; combo < 4; combo++) {
        double sl = c > 0 ? ((combo & 1) ? -1.0 : 1.0) : 0.0;
        double s0 = c > 0 ? ((combo & 2) ? -1.0 : 1.0) : 0.0;
        double fl = jl * sl + jw * s0 + h;
        en[combo][0] = -(jup + fl);
        en[combo][1] = -(-jup + fl);
        en[combo][2] = -(-jup - fl);
        en[combo][3] = -(jup - fl);
    }
    /* Log mode: energies relative to the site's smallest (every path through an unfrustrated
     * ground state then carries ln weight 0 and relative energy 0, so ln Z + beta E_shift and
     * S = beta <E - E_shift> + (ln Z + beta E_shift) keep full precision at any beta). */
    double emin = 0.0;
    if (x->lg) {
        emin = HUGE_VAL;
        for (int combo = 0; combo < 4; combo++)
            for (int k = 0; k < 4; k++) emin = en[combo][k] < emin ? en[combo][k] : emin;
        x->eshift += emin;
    }
    for (int combo = 0; combo < 4; combo++)
        for (int k = 0; k < 4; k++) {
            en[combo][k] -= emin;
            wt[combo][k] = x->lg ? -beta * en[combo][k] : exp(-beta * en[combo][k]);
        }
    const site_job s = {x->v[0], x->v[1], x->v[2], x->v[3], x->v[4], (const double (*)[4])wt,
                        (const double (*)[4])en, bit, bit - 1, c > 0 ? c - 1 : 0, c, x->nv > 1, x->lg};
    for (size_t p0 = 0; p0 < half && !x->mt->stop; p0 += (size_t)REPORT_WORK) {
        const size_t p1 = half - p0 > (size_t)REPORT_WORK ? p0 + (size_t)REPORT_WORK : half;
        if (x->threads > 1 && p1 - p0 >= PARALLEL_PAIRS) {
#pragma omp parallel for schedule(static) num_threads(x->threads)
            for (size_t p = p0; p < p1; p++) site_pair(&s, p);
        } else {
            for (size_t p = p0; p < p1; p++) site_pair(&s, p);
        }
        meter_add(x->mt, (double)(p1 - p0));
    }
}

/* The constants of site_pair_step for one quadruple of frontier states (quad_update). */
typedef struct pair_job {
    double *v;
    const double (*wa)[2][2], (*wb)[2][2][2];
    size_t b0, b1, lowmask, cm1, c;
} pair_job;

static inline void quad_update(const pair_job *s, size_t q) {
    double *v = s->v;
    const size_t b0 = s->b0, b1 = s->b1, i = ((q & ~s->lowmask) << 2) | (q & s->lowmask);
    int l = s->c > 0 ? (int)((q >> s->cm1) & 1u) : 0, w = s->c > 0 ? (int)(q & 1u) : 0;
    double v00 = v[i], v10 = v[i | b0], v01 = v[i | b1], v11 = v[i | b0 | b1];
    /* v[u_c u_{c+1}]: v10 has u_c = -1, u_{c+1} = +1 */
    const double(*a)[2] = s->wa[l];
    double A00 = v00 * a[0][0] + v10 * a[1][0]; /* t_c = +, u' = + */
    double A01 = v01 * a[0][0] + v11 * a[1][0]; /* t_c = +, u' = - */
    double A10 = v00 * a[0][1] + v10 * a[1][1]; /* t_c = -, u' = + */
    double A11 = v01 * a[0][1] + v11 * a[1][1]; /* t_c = -, u' = - */
    const double(*bp)[2] = s->wb[0][w], (*bm)[2] = s->wb[1][w];
    v[i] = A00 * bp[0][0] + A01 * bp[1][0];           /* t_c = +, t' = + */
    v[i | b1] = A00 * bp[0][1] + A01 * bp[1][1];      /* t_c = +, t' = - */
    v[i | b0] = A10 * bm[0][0] + A11 * bm[1][0];      /* t_c = -, t' = + */
    v[i | b0 | b1] = A10 * bm[0][1] + A11 * bm[1][1]; /* t_c = -, t' = - */
}

/* Sites (r, c) and (r, c+1) in one pass over the vector (ln Z only): half the memory traffic
 * of two site_step calls, the same arithmetic. For the quadruple of frontier states that
 * differ in bits c and c+1: A[t_c][u'] = sum_u v[u, u'] w_c(u, t_c | left),
 * v'[t_c, t'] = sum_u' A[t_c][u'] w_{c+1}(u', t' | left = t_c, wrap). */
static void site_pair_step(const frame *f, vecs *x, double beta, size_t r, size_t c,
                           int first_row) {
    size_t W = f->W, b0 = (size_t)1 << c, b1 = b0 << 1, quarter = x->S / 4;
    double jup0 = first_row ? 0.0 : f->jd[(r - 1) * W + c];
    double jup1 = first_row ? 0.0 : f->jd[(r - 1) * W + c + 1];
    double jl0 = c > 0 ? f->jr[r * W + c - 1] : 0.0, jl1 = f->jr[r * W + c];
    double jw = (c + 1 == W - 1 && f->pw && W >= 2) ? f->jr[r * W + W - 1] : 0.0;
    double h0 = f->h[r * W + c], h1 = f->h[r * W + c + 1];
    /* wa[left][u][t], wb[t_c][wrap][u'][t'] (index 0 = spin +1) */
    double wa[2][2][2], wb[2][2][2][2];
    for (int l = 0; l < 2; l++)
        for (int u = 0; u < 2; u++)
            for (int t = 0; t < 2; t++) {
                double sl = c > 0 ? (l ? -1.0 : 1.0) : 0.0, su = u ? -1.0 : 1.0, st = t ? -1.0 : 1.0;
                wa[l][u][t] = exp(beta * (jup0 * su * st + jl0 * sl * st + h0 * st));
            }
    for (int tc = 0; tc < 2; tc++)
        for (int w = 0; w < 2; w++)
            for (int u = 0; u < 2; u++)
                for (int t = 0; t < 2; t++) {
                    double stc = tc ? -1.0 : 1.0, s0 = w ? -1.0 : 1.0, su = u ? -1.0 : 1.0,
                           st = t ? -1.0 : 1.0;
                    if (c == 0) s0 = stc; /* W = 2: the wrap partner of column 1 is column 0 */
                    wb[tc][w][u][t] = exp(beta * (jup1 * su * st + jl1 * stc * st + jw * s0 * st + h1 * st));
                }
    const pair_job s = {x->v[0], (const double (*)[2][2])wa, (const double (*)[2][2][2])wb, b0, b1,
                        b0 - 1, c > 0 ? c - 1 : 0, c};
    for (size_t q0 = 0; q0 < quarter && !x->mt->stop; q0 += (size_t)REPORT_WORK / 2) {
        const size_t q1 = quarter - q0 > (size_t)REPORT_WORK / 2 ? q0 + (size_t)REPORT_WORK / 2 : quarter;
        if (x->threads > 1 && q1 - q0 >= PARALLEL_PAIRS / 2) {
#pragma omp parallel for schedule(static) num_threads(x->threads)
            for (size_t q = q0; q < q1; q++) quad_update(&s, q);
        } else {
            for (size_t q = q0; q < q1; q++) quad_update(&s, q);
        }
        meter_add(x->mt, 2.0 * (double)(q1 - q0)); /* two sites' pair updates */
    }
}

static void rescale(vecs *x) {
    double mx = 0.0;
    for (size_t i = 0; i < x->S; i++)
        if (x->v[0][i] > mx) mx = x->v[0][i];
    if (!(mx > 0.0)) return;
    double inv = 1.0 / mx; /* the moment vectors are means and variances: not scaled */
    for (size_t i = 0; i < x->S; i++) x->v[0][i] *= inv;
    x->lnscale += log(mx);
}

/* One pass: rows r0..L-1 (r0 = 0 open length, 1 with a fixed first row). */
static void sweep(const frame *f, vecs *x, double beta, size_t r0) {
    if (x->lg) {
        for (size_t r = r0; r < f->L && !x->mt->stop; r++)
            for (size_t c = 0; c < f->W; c++) site_step(f, x, beta, r, c, r == 0);
        return;
    }
    double grown = 0.0;
    for (size_t r = r0; r < f->L && !x->mt->stop; r++)
        for (size_t c = 0; c < f->W;) {
            /* two sites at a time where possible (ln Z only) */
            size_t span = (x->nv == 1 && c + 1 < f->W) ? 2 : 1;
            double bound = 0.0;
            for (size_t k = c; k < c + span; k++) {
                size_t i = r * f->W + k;
                bound += fabs(f->h[i]) + (k > 0 ? fabs(f->jr[i - 1]) : 0.0) +
                         (r > 0 ? fabs(f->jd[i - f->W]) : 0.0) +
                         (k == f->W - 1 ? fabs(f->jr[i]) : 0.0);
            }
            if ((grown + bound) * fabs(beta) > RESCALE_BOUND) {
                rescale(x);
                grown = 0.0;
            }
            grown += bound;
            if (span == 2) site_pair_step(f, x, beta, r, c, r == 0);
            else site_step(f, x, beta, r, c, r == 0);
            c += span;
        }
    rescale(x);
}

/* totals: a weighted mixture, the weights relative to e^{ref}: the total weight w, the mean
 * and the weighted sum of squared deviations (w Var) of E and of M (Chan et al.). */
typedef struct totals {
    double ref, w, me, se, mm, sm;
    double eshift; /* E_shift (log mode; else 0): ln Z = ref + ln w - beta E_shift, <E> = E_shift + me */
} totals;

static void totals_init(totals *t, double ref) {
    memset(t, 0, sizeof *t);
    t->ref = ref;
}

/* Add a component of weight c e^{ls} with means me, mm and variances ve, vm of E and M. */
static void totals_add(totals *t, double ls, double c, double me, double ve, double mm,
                       double vm) {
    if (!(c > 0.0) || ls == -HUGE_VAL) return;
    if (ls > t->ref) {
        double f = exp(t->ref - ls);
        t->w *= f;
        t->se *= f;
        t->sm *= f;
        t->ref = ls;
    }
    c *= exp(ls - t->ref);
    double w = t->w + c, de = me - t->me, dm = mm - t->mm, g = t->w * c / w;
    t->me += de * (c / w);
    t->se += c * ve + de * de * g;
    t->mm += dm * (c / w);
    t->sm += c * vm + dm * dm * g;
    t->w = w;
}

/* Fold a mixture (its own ref) into another as one component. */
static void totals_merge(totals *into, const totals *t) {
    if (t->w > 0.0)
        totals_add(into, t->ref, t->w, t->me, t->se / t->w, t->mm, t->sm / t->w);
}

/* The frontier states at the end of a sweep, each closed by the local energy e[i] (NULL: 0)
 * and weight cw[i] (linear mode, relative to e^{cap}) or -beta e[i] (log mode). */
static void totals_close(totals *tot, const vecs *x, const double *e, const double *cw) {
    const int mom = x->nv > 1;
    totals loc;
    totals_init(&loc, x->lg ? -HUGE_VAL : 0.0);
    for (size_t i = 0; i < x->S; i++) {
        double ei = e ? e[i] : 0.0;
        double me = mom ? x->v[1][i] + ei : 0.0, ve = mom ? x->v[2][i] : 0.0;
        double mm = mom ? x->v[3][i] : 0.0, vm = mom ? x->v[4][i] : 0.0;
        if (x->lg) totals_add(&loc, x->v[0][i] + (cw ? cw[i] : 0.0), 1.0, me, ve, mm, vm);
        else totals_add(&loc, 0.0, x->v[0][i] * (cw ? cw[i] : 1.0), me, ve, mm, vm);
    }
    if (!x->lg) loc.ref = x->lnscale;
    totals_merge(tot, &loc);
    tot->eshift = x->eshift;
}

static zs_status transfer_run(const zs_pairwise *m, double beta, int moments, totals *tot) {
    const char *why = pairwise_transfer_refusal(m, NULL);
    if (why) {
        return zs_fail(m->ctx, m->lattice ? ZS_ETOOBIG : ZS_EUNSUPPORTED,
                       "method transfer: %s; use %s", why,
                       m->n <= ZS_PAIRWISE_ENUMERATE_MAX ? "method enumerate"
                       : m->lattice ? "method closed (uniform h = 0 torus or chain) or sampling"
                                    : "sampling");
    }
    zs_status st = pairwise_check_beta(m, beta);
    if (st != ZS_OK) return st;
    frame f;
    memset(&f, 0, sizeof f);
    vecs x;
    memset(&x, 0, sizeof x);
    int ok = frame_make(m, &f);
    x.S = (size_t)1 << f.W;
    x.nv = moments ? 5 : 1;
    x.threads = transfer_threads(m->ctx);
    x.lg = ok && log_mode(m, beta);
    /* progress in pair updates: S/2 a site, n sites a pass, S passes with periodic length */
    meter mt;
    meter_init(&mt, m->ctx, "transfer", (double)x.S / 2.0 * (double)m->n * (f.pl ? (double)x.S : 1.0));
    x.mt = &mt;
    double *ce = NULL, *cw = NULL;
    for (int k = 0; ok && k < x.nv; k++) ok = (x.v[k] = zs_malloc(x.S * sizeof(double))) != NULL;
    if (ok && f.pl) ok = (ce = zs_malloc(x.S * sizeof *ce)) && (cw = zs_malloc(x.S * sizeof *cw));
    totals_init(tot, -HUGE_VAL);
    const double zero = x.lg ? -HUGE_VAL : 0.0, one = x.lg ? 0.0 : 1.0;
    if (!ok) {
        st = zs_fail(m->ctx, ZS_ENOMEM, "method transfer: out of memory (2^%zu states)", f.W);
    } else if (!f.pl) {
        for (int k = 1; k < x.nv; k++) memset(x.v[k], 0, x.S * sizeof(double));
        for (size_t i = 0; i < x.S; i++) x.v[0][i] = zero;
        x.v[0][0] = one;
        x.lnscale = 0.0;
        x.eshift = 0.0;
        sweep(&f, &x, beta, 0);
        totals_close(tot, &x, NULL, NULL);
    } else {
        for (size_t s0 = 0; s0 < x.S && !mt.stop; s0++) {
            /* Row 0 fixed to s0: its fields and horizontal bonds. */
            double e0 = 0.0, m0 = 0.0;
            for (size_t c = 0; c < f.W; c++) {
                double sc = spin_bit(s0, c);
                e0 -= f.h[c] * sc;
                m0 += sc;
                if (c + 1 < f.W) e0 -= f.jr[c] * sc * spin_bit(s0, c + 1);
                else if (f.pw && f.W >= 2) e0 -= f.jr[c] * sc * spin_bit(s0, 0);
            }
            for (int k = 1; k < x.nv; k++) memset(x.v[k], 0, x.S * sizeof(double));
            for (size_t i = 0; i < x.S; i++) x.v[0][i] = zero;
            /* log mode: row 0's energy relative to its lower bound -sum |h| - sum |J| */
            double e0min = 0.0;
            if (x.lg)
                for (size_t c = 0; c < f.W; c++)
                    e0min -= fabs(f.h[c]) + (c + 1 < f.W || (f.pw && f.W >= 2) ? fabs(f.jr[c]) : 0.0);
            x.eshift = e0min;
            if (moments) {
                x.v[1][s0] = e0 - e0min;
                x.v[3][s0] = m0;
            }
            x.v[0][s0] = x.lg ? -beta * (e0 - e0min) : 1.0;
            x.lnscale = x.lg ? 0.0 : -beta * e0;
            sweep(&f, &x, beta, 1);
            /* Close the last row onto row 0; in linear mode the weights relative to their
             * bound e^{cap}, in log mode the energies relative to their bound -cap/beta. */
            double cap = 0.0, emin = 0.0;
            for (size_t c = 0; c < f.W; c++) cap += fabs(beta * f.jd[(f.L - 1) * f.W + c]);
            if (x.lg)
                for (size_t c = 0; c < f.W; c++) emin -= fabs(f.jd[(f.L - 1) * f.W + c]);
            x.eshift += emin;
            for (size_t i = 0; i < x.S; i++) {
                double e = 0.0;
                for (size_t c = 0; c < f.W; c++)
                    e -= f.jd[(f.L - 1) * f.W + c] * spin_bit(i, c) * spin_bit(s0, c);
                ce[i] = e - emin;
                cw[i] = x.lg ? -beta * (e - emin) : exp(-beta * e - cap);
            }
            if (!x.lg) x.lnscale += cap;
            totals_close(tot, &x, ce, cw);
        }
    }
    if (st == ZS_OK && mt.stop) st = zs_fail(m->ctx, ZS_ECANCELLED, "method transfer: cancelled");
    for (int k = 0; k < 5; k++) free(x.v[k]);
    free(ce);
    free(cw);
    frame_free(&f);
    return st;
}

zs_status zs_pairwise_lnz_transfer(const zs_pairwise *m, double beta, double *lnz) {
    if (!m || !lnz) return ZS_EINVAL;
    totals t;
    zs_status st = transfer_run(m, beta, 0, &t);
    if (st == ZS_OK) *lnz = t.ref + log(t.w) - beta * (t.eshift + m->offset);
    return st;
}

/* <|M|> needs the distribution of M, not its moments: each frontier state carries the
 * weights of its visited settings by their number k of up spins, v[sigma][k], and a site
 * moves weight from k to k + 1 when its new spin is up. Cost n * 2^w * (n + 1) (times 2^w
 * with periodic length), so it is done only below ABSM_WORK (above); beyond, <|M|> stays NaN. */
static double absm_cost(const frame *f, size_t n) { return absm_cost_of(n, f->W, f->pl); }

static void absm_rescale(double *v, size_t len, double *lnscale) {
    double mx = 0.0;
    for (size_t i = 0; i < len; i++) mx = v[i] > mx ? v[i] : mx;
    if (!(mx > 0.0)) return;
    for (size_t i = 0; i < len; i++) v[i] /= mx;
    *lnscale += log(mx);
}

/* One pass from frontier state s0 (periodic length) or from the empty frontier; adds the
 * pass's sum w and sum w |M| (relative to e^{*ref}) into tot. */
static void absm_pass(const frame *f, double beta, size_t n, size_t s0, int lg, double *cur,
                      double *nxt, double *ref, double tot[2], meter *mt) {
    size_t S = (size_t)1 << f->W, K = n + 1, W = f->W;
    const double zero = lg ? -HUGE_VAL : 0.0;
    for (size_t i = 0; i < S * K; i++) cur[i] = zero;
    double lnscale = 0.0;
    size_t r0;
    if (f->pl) {
        double e0 = 0.0;
        size_t up = 0;
        for (size_t c = 0; c < W; c++) {
            double sc = spin_bit(s0, c);
            up += sc > 0;
            e0 -= f->h[c] * sc;
            if (c + 1 < W) e0 -= f->jr[c] * sc * spin_bit(s0, c + 1);
            else if (f->pw && W >= 2) e0 -= f->jr[c] * sc * spin_bit(s0, 0);
        }
        cur[s0 * K + up] = lg ? -beta * e0 : 1.0;
        lnscale = lg ? 0.0 : -beta * e0;
        r0 = 1;
    } else {
        cur[0] = lg ? 0.0 : 1.0;
        r0 = 0;
    }
    double grown = 0.0;
    for (size_t r = r0; r < f->L; r++)
        for (size_t c = 0; c < W; c++) {
            if (mt->stop) return;
            size_t bit = (size_t)1 << c, ix = r * W + c;
            double jup = r == 0 ? 0.0 : f->jd[(r - 1) * W + c];
            double jl = c > 0 ? f->jr[ix - 1] : 0.0;
            double jw = (c == W - 1 && f->pw && W >= 2) ? f->jr[r * W + W - 1] : 0.0;
            double bound = fabs(f->h[ix]) + fabs(jl) + fabs(jup) + fabs(jw);
            if (!lg && (grown + bound) * fabs(beta) > RESCALE_BOUND) {
                absm_rescale(cur, S * K, &lnscale);
                grown = 0.0;
            }
            grown += bound;
            for (size_t i = 0; i < S * K; i++) nxt[i] = zero;
            for (size_t i = 0; i < S && !mt->stop; i++) {
                if (i & bit) continue;
                meter_add(mt, (double)K);
                size_t i1 = i | bit;
                double sl = c > 0 ? spin_bit(i, c - 1) : 0.0, s0b = c > 0 ? spin_bit(i, 0) : 0.0;
                double fl = jl * sl + jw * s0b + f->h[ix];
                const double *a = cur + i * K, *b = cur + i1 * K;
                double *np = nxt + i * K, *nm = nxt + i1 * K;
                if (lg) { /* the same sums of ln weights */
                    double lpp = beta * (jup + fl), lmp = beta * (-jup + fl);
                    double lpm = beta * (-jup - fl), lmm = beta * (jup - fl);
                    for (size_t k = 0; k + 1 < K; k++) {
                        np[k + 1] = lae(lpp + a[k], lmp + b[k]);
                        nm[k] = lae(lpm + a[k], lmm + b[k]);
                    }
                    nm[K - 1] = lae(lpm + a[K - 1], lmm + b[K - 1]);
                    continue;
                }
                double wpp = exp(beta * (jup + fl)), wmp = exp(beta * (-jup + fl));
                double wpm = exp(beta * (-jup - fl)), wmm = exp(beta * (jup - fl));
                for (size_t k = 0; k + 1 < K; k++) {
                    np[k + 1] += wpp * a[k] + wmp * b[k]; /* t = +1: one more up spin */
                    nm[k] += wpm * a[k] + wmm * b[k];
                }
                nm[K - 1] += wpm * a[K - 1] + wmm * b[K - 1];
            }
            double *tmp = cur;
            cur = nxt;
            nxt = tmp;
        }
    /* close (periodic length) and sum */
    double cap = 0.0;
    if (f->pl)
        for (size_t c = 0; c < W; c++) cap += fabs(beta * f->jd[(f->L - 1) * W + c]);
    if (lg) { /* relative to the largest closed ln weight */
        cap = -HUGE_VAL;
        for (size_t i = 0; i < S * K; i++) cap = cur[i] > cap ? cur[i] : cap;
        if (f->pl)
            for (size_t c = 0; c < W; c++) cap += fabs(beta * f->jd[(f->L - 1) * W + c]);
    }
    double zw = 0.0, za = 0.0;
    for (size_t i = 0; i < S; i++) {
        double e = 0.0;
        if (f->pl)
            for (size_t c = 0; c < W; c++)
                e -= f->jd[(f->L - 1) * W + c] * spin_bit(i, c) * spin_bit(s0, c);
        double w = exp(-beta * e - cap);
        for (size_t k = 0; k < K; k++) {
            double x = lg ? exp(-beta * e + cur[i * K + k] - cap) : w * cur[i * K + k];
            zw += x;
            za += x * fabs(2.0 * (double)k - (double)n);
        }
    }
    double ls = lnscale + cap;
    if (ls > *ref) {
        double g = exp(*ref - ls);
        tot[0] *= g;
        tot[1] *= g;
        *ref = ls;
    }
    double g = exp(ls - *ref);
    tot[0] += zw * g;
    tot[1] += za * g;
}

/* <|M|> by the magnetization-resolved transfer matrix into *absm, NaN when it costs too
 * much. ZS_ENOMEM when its tables cannot be allocated: a missing <|M|> means "not affordable",
 * never "memory ran short this time". */
static zs_status transfer_absm(const zs_pairwise *m, double beta, double *absm) {
    frame f;
    memset(&f, 0, sizeof f);
    *absm = (double)NAN;
    if (!frame_make(m, &f)) {
        frame_free(&f);
        return zs_fail(m->ctx, ZS_ENOMEM, "transfer: out of memory for the |M| frame (%zu units)", m->n);
    }
    if (absm_cost(&f, m->n) > ABSM_WORK) {
        frame_free(&f);
        return ZS_OK;
    }
    size_t S = (size_t)1 << f.W, K = m->n + 1;
    double *cur = zs_malloc(S * K * sizeof *cur), *nxt = zs_malloc(S * K * sizeof *nxt);
    zs_status st = ZS_OK;
    if (!cur || !nxt)
        st = zs_fail(m->ctx, ZS_ENOMEM, "transfer: out of memory for the |M| tables (2 x %zu x %zu doubles)", S, K);
    else {
        double ref = -HUGE_VAL, tot[2] = {0.0, 0.0};
        int lg = log_mode(m, beta);
        meter mt; /* progress in table entries: S K / 2 a site */
        meter_init(&mt, m->ctx, "transfer |M|", absm_cost(&f, m->n) / 2.0);
        for (size_t s0 = 0; s0 < (f.pl ? S : 1) && !mt.stop; s0++)
            absm_pass(&f, beta, m->n, s0, lg, cur, nxt, &ref, tot, &mt);
        if (mt.stop) st = zs_fail(m->ctx, ZS_ECANCELLED, "method transfer: cancelled");
        else *absm = tot[1] / tot[0];
    }
    free(cur);
    free(nxt);
    frame_free(&f);
    return st;
}

zs_status pairwise_thermo_transfer(const zs_pairwise *m, double beta, zs_pairwise_thermo *out) {
    totals t;
    zs_status st = transfer_run(m, beta, 1, &t);
    if (st != ZS_OK) return st;
    double lnzrel = t.ref + log(t.w);
    out->lnz = lnzrel - beta * (t.eshift + m->offset);
    out->u = m->offset + t.eshift + t.me;
    /* S = beta (U - E_shift) + (ln Z + beta E_shift): both terms small near a ground state
     * (-sum p ln p >= 0 for these discrete states; only rounding could make it negative). */
    out->s = beta * t.me + lnzrel;
    if (out->s < 0.0) out->s = 0.0;
    out->c = zs_heat_capacity(beta, t.se / t.w);
    out->m = t.mm;
    out->chi = beta * (t.sm / t.w);
    return transfer_absm(m, beta, &out->absm);
}
