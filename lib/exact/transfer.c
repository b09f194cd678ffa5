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
 * state sigma_0 and closes the last row onto it: 2^W passes (cost L W 4^W). The vector is
 * rescaled by its maximum whenever the possible growth since the last rescale exceeds e^300,
 * and the scale is kept as a logarithm.
 *
 * Moments ride along as extra vectors: with w the local weight and e, t the local energy and
 * spin, (v, vE, vE2, vM, vM2) -> w (v, vE + e v, vE2 + 2e vE + e^2 v, vM + t v, vM2 + 2t vM + v),
 * which gives U, C = beta^2 Var(E), <M>, chi = beta Var(M) exactly (forward-mode derivatives).
 * <|M|> needs the whole magnetization distribution: a separate, costlier pass
 * (transfer_absm), done when it is affordable. */
#include "exact/pairwise_methods.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RESCALE_BOUND 300.0

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
    f->h = malloc(n * sizeof *f->h);
    f->jr = malloc(n * sizeof *f->jr);
    f->jd = malloc(n * sizeof *f->jd);
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

typedef struct vecs {
    size_t S;         /* 2^W                                                                */
    int nv;           /* 1 (ln Z) or 5 (moments)                                             */
    double *v[5];
    double lnscale;
    int threads;      /* threads for the per-site loops                                      */
} vecs;

static double spin_bit(size_t i, size_t c) { return (i >> c) & 1u ? -1.0 : 1.0; }

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
    /* en[combo][k], k = (u,t) in order (+,+), (-,+), (+,-), (-,-); combo = left | wrap << 1 */
    double en[4][4], wt[4][4];
    for (int combo = 0; combo < 4; combo++) {
        double sl = c > 0 ? ((combo & 1) ? -1.0 : 1.0) : 0.0;
        double s0 = c > 0 ? ((combo & 2) ? -1.0 : 1.0) : 0.0;
        double fl = jl * sl + jw * s0 + h;
        en[combo][0] = -(jup + fl);
        en[combo][1] = -(-jup + fl);
        en[combo][2] = -(-jup - fl);
        en[combo][3] = -(jup - fl);
        for (int k = 0; k < 4; k++) wt[combo][k] = exp(-beta * en[combo][k]);
    }
    double *v0 = x->v[0], *v1 = x->v[1], *v2 = x->v[2], *v3 = x->v[3], *v4 = x->v[4];
    const int mom = x->nv > 1;
    const size_t lowmask = bit - 1, cm1 = c > 0 ? c - 1 : 0;
#pragma omp parallel for schedule(static) if (half >= 2048) num_threads(x->threads)
    for (size_t p = 0; p < half; p++) {
        size_t i = ((p & ~lowmask) << 1) | (p & lowmask), i1 = i | bit;
        int combo = c > 0 ? (int)(((p >> cm1) & 1u) | ((p & 1u) << 1)) : 0;
        const double *w = wt[combo];
        double a = v0[i], b = v0[i1];
        v0[i] = w[0] * a + w[1] * b;  /* t = +1 */
        v0[i1] = w[2] * a + w[3] * b; /* t = -1 */
        if (mom) {
            const double *e = en[combo];
            double ae = v1[i], be = v1[i1], ae2 = v2[i], be2 = v2[i1];
            double am = v3[i], bm = v3[i1], am2 = v4[i], bm2 = v4[i1];
            v1[i] = w[0] * (ae + e[0] * a) + w[1] * (be + e[1] * b);
            v1[i1] = w[2] * (ae + e[2] * a) + w[3] * (be + e[3] * b);
            v2[i] = w[0] * (ae2 + 2 * e[0] * ae + e[0] * e[0] * a) +
                    w[1] * (be2 + 2 * e[1] * be + e[1] * e[1] * b);
            v2[i1] = w[2] * (ae2 + 2 * e[2] * ae + e[2] * e[2] * a) +
                     w[3] * (be2 + 2 * e[3] * be + e[3] * e[3] * b);
            v3[i] = w[0] * (am + a) + w[1] * (bm + b);
            v3[i1] = w[2] * (am - a) + w[3] * (bm - b);
            v4[i] = w[0] * (am2 + 2 * am + a) + w[1] * (bm2 + 2 * bm + b);
            v4[i1] = w[2] * (am2 - 2 * am + a) + w[3] * (bm2 - 2 * bm + b);
        }
    }
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
    double *v = x->v[0];
    const size_t lowmask = b0 - 1, cm1 = c > 0 ? c - 1 : 0;
#pragma omp parallel for schedule(static) if (quarter >= 1024) num_threads(x->threads)
    for (size_t q = 0; q < quarter; q++) {
        size_t i = ((q & ~lowmask) << 2) | (q & lowmask);
        int l = c > 0 ? (int)((q >> cm1) & 1u) : 0, w = c > 0 ? (int)(q & 1u) : 0;
        double v00 = v[i], v10 = v[i | b0], v01 = v[i | b1], v11 = v[i | b0 | b1];
        /* v[u_c u_{c+1}]: v10 has u_c = -1, u_{c+1} = +1 */
        double(*a)[2] = wa[l];
        double A00 = v00 * a[0][0] + v10 * a[1][0]; /* t_c = +, u' = + */
        double A01 = v01 * a[0][0] + v11 * a[1][0]; /* t_c = +, u' = - */
        double A10 = v00 * a[0][1] + v10 * a[1][1]; /* t_c = -, u' = + */
        double A11 = v01 * a[0][1] + v11 * a[1][1]; /* t_c = -, u' = - */
        double(*bp)[2] = wb[0][w], (*bm)[2] = wb[1][w];
        v[i] = A00 * bp[0][0] + A01 * bp[1][0];           /* t_c = +, t' = + */
        v[i | b1] = A00 * bp[0][1] + A01 * bp[1][1];      /* t_c = +, t' = - */
        v[i | b0] = A10 * bm[0][0] + A11 * bm[1][0];      /* t_c = -, t' = + */
        v[i | b0 | b1] = A10 * bm[0][1] + A11 * bm[1][1]; /* t_c = -, t' = - */
    }
}

static void rescale(vecs *x) {
    double mx = 0.0;
    for (size_t i = 0; i < x->S; i++)
        if (x->v[0][i] > mx) mx = x->v[0][i];
    if (!(mx > 0.0)) return;
    double inv = 1.0 / mx;
    for (int k = 0; k < x->nv; k++)
        for (size_t i = 0; i < x->S; i++) x->v[k][i] *= inv;
    x->lnscale += log(mx);
}

/* One pass: rows r0..L-1 (r0 = 0 open length, 1 with a fixed first row). */
static void sweep(const frame *f, vecs *x, double beta, size_t r0) {
    double grown = 0.0;
    for (size_t r = r0; r < f->L; r++)
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

/* totals: ln of the common scale and (Z, ZE, ZE2, ZM, ZM2) relative to it. */
typedef struct totals {
    double ref, z[5];
} totals;

static void totals_add(totals *t, double ls, const double z[5], int nv) {
    if (ls > t->ref) {
        double f = exp(t->ref - ls);
        for (int k = 0; k < nv; k++) t->z[k] *= f;
        t->ref = ls;
    }
    double f = exp(ls - t->ref);
    for (int k = 0; k < nv; k++) t->z[k] += z[k] * f;
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
    /* Memory-bound, with a barrier per site: one thread unless the caller asked for more
     * (on the shared 2-core machine two threads were 3x slower under load, and no faster
     * when it was quiet). */
    x.threads = m->ctx && m->ctx->threads > 1 ? m->ctx->threads : 1;
    for (int k = 0; ok && k < x.nv; k++) ok = (x.v[k] = malloc(x.S * sizeof(double))) != NULL;
    tot->ref = -HUGE_VAL;
    memset(tot->z, 0, sizeof tot->z);
    if (!ok) {
        st = zs_fail(m->ctx, ZS_ENOMEM, "method transfer: out of memory (2^%zu states)", f.W);
    } else if (!f.pl) {
        for (int k = 0; k < x.nv; k++) memset(x.v[k], 0, x.S * sizeof(double));
        x.v[0][0] = 1.0;
        x.lnscale = 0.0;
        sweep(&f, &x, beta, 0);
        double z[5] = {0, 0, 0, 0, 0};
        for (int k = 0; k < x.nv; k++)
            for (size_t i = 0; i < x.S; i++) z[k] += x.v[k][i];
        totals_add(tot, x.lnscale, z, x.nv);
    } else {
        for (size_t s0 = 0; s0 < x.S; s0++) {
            if (zs_progress(m->ctx, "transfer", (double)s0, (double)x.S)) {
                st = zs_fail(m->ctx, ZS_ECANCELLED, "method transfer: cancelled");
                break;
            }
            /* Row 0 fixed to s0: its fields and horizontal bonds. */
            double e0 = 0.0, m0 = 0.0;
            for (size_t c = 0; c < f.W; c++) {
                double sc = spin_bit(s0, c);
                e0 -= f.h[c] * sc;
                m0 += sc;
                if (c + 1 < f.W) e0 -= f.jr[c] * sc * spin_bit(s0, c + 1);
                else if (f.pw && f.W >= 2) e0 -= f.jr[c] * sc * spin_bit(s0, 0);
            }
            for (int k = 0; k < x.nv; k++) memset(x.v[k], 0, x.S * sizeof(double));
            x.v[0][s0] = 1.0;
            if (moments) {
                x.v[1][s0] = e0;
                x.v[2][s0] = e0 * e0;
                x.v[3][s0] = m0;
                x.v[4][s0] = m0 * m0;
            }
            x.lnscale = -beta * e0;
            sweep(&f, &x, beta, 1);
            /* Close the last row onto row 0; the weights relative to their bound e^{cap}. */
            double z[5] = {0, 0, 0, 0, 0}, cap = 0.0;
            for (size_t c = 0; c < f.W; c++) cap += fabs(beta * f.jd[(f.L - 1) * f.W + c]);
            x.lnscale += cap;
            for (size_t i = 0; i < x.S; i++) {
                double e = 0.0;
                for (size_t c = 0; c < f.W; c++)
                    e -= f.jd[(f.L - 1) * f.W + c] * spin_bit(i, c) * spin_bit(s0, c);
                double w = exp(-beta * e - cap);
                z[0] += w * x.v[0][i];
                if (moments) {
                    z[1] += w * (x.v[1][i] + e * x.v[0][i]);
                    z[2] += w * (x.v[2][i] + 2 * e * x.v[1][i] + e * e * x.v[0][i]);
                    z[3] += w * x.v[3][i];
                    z[4] += w * x.v[4][i];
                }
            }
            totals_add(tot, x.lnscale, z, x.nv);
        }
    }
    for (int k = 0; k < 5; k++) free(x.v[k]);
    frame_free(&f);
    return st;
}

zs_status zs_pairwise_transfer_lnz(const zs_pairwise *m, double beta, double *lnz) {
    if (!m || !lnz) return ZS_EINVAL;
    totals t;
    zs_status st = transfer_run(m, beta, 0, &t);
    if (st == ZS_OK) *lnz = t.ref + log(t.z[0]) - beta * m->offset;
    return st;
}

/* <|M|> needs the distribution of M, not its moments: each frontier state carries the
 * weights of its visited settings by their number k of up spins, v[sigma][k], and a site
 * moves weight from k to k + 1 when its new spin is up. Cost n * 2^w * (n + 1) (times 2^w
 * with periodic length), so it is done only below ABSM_WORK; above, <|M|> stays NaN. */
#define ABSM_WORK 4.0e8

static double absm_cost(const frame *f, size_t n) {
    return (double)n * ldexp(1.0, (int)f->W) * (double)(n + 1) * (f->pl ? ldexp(1.0, (int)f->W) : 1.0);
}

static void absm_rescale(double *v, size_t len, double *lnscale) {
    double mx = 0.0;
    for (size_t i = 0; i < len; i++) mx = v[i] > mx ? v[i] : mx;
    if (!(mx > 0.0)) return;
    for (size_t i = 0; i < len; i++) v[i] /= mx;
    *lnscale += log(mx);
}

/* One pass from frontier state s0 (periodic length) or from the empty frontier; adds the
 * pass's sum w and sum w |M| (relative to e^{*ref}) into tot. */
static void absm_pass(const frame *f, double beta, size_t n, size_t s0, double *cur, double *nxt,
                      double *ref, double tot[2]) {
    size_t S = (size_t)1 << f->W, K = n + 1, W = f->W;
    memset(cur, 0, S * K * sizeof *cur);
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
        cur[s0 * K + up] = 1.0;
        lnscale = -beta * e0;
        r0 = 1;
    } else {
        cur[0] = 1.0;
        r0 = 0;
    }
    double grown = 0.0;
    for (size_t r = r0; r < f->L; r++)
        for (size_t c = 0; c < W; c++) {
            size_t bit = (size_t)1 << c, ix = r * W + c;
            double jup = r == 0 ? 0.0 : f->jd[(r - 1) * W + c];
            double jl = c > 0 ? f->jr[ix - 1] : 0.0;
            double jw = (c == W - 1 && f->pw && W >= 2) ? f->jr[r * W + W - 1] : 0.0;
            double bound = fabs(f->h[ix]) + fabs(jl) + fabs(jup) + fabs(jw);
            if ((grown + bound) * fabs(beta) > RESCALE_BOUND) {
                absm_rescale(cur, S * K, &lnscale);
                grown = 0.0;
            }
            grown += bound;
            memset(nxt, 0, S * K * sizeof *nxt);
            for (size_t i = 0; i < S; i++) {
                if (i & bit) continue;
                size_t i1 = i | bit;
                double sl = c > 0 ? spin_bit(i, c - 1) : 0.0, s0b = c > 0 ? spin_bit(i, 0) : 0.0;
                double fl = jl * sl + jw * s0b + f->h[ix];
                double wpp = exp(beta * (jup + fl)), wmp = exp(beta * (-jup + fl));
                double wpm = exp(beta * (-jup - fl)), wmm = exp(beta * (jup - fl));
                const double *a = cur + i * K, *b = cur + i1 * K;
                double *np = nxt + i * K, *nm = nxt + i1 * K;
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
    double zw = 0.0, za = 0.0;
    for (size_t i = 0; i < S; i++) {
        double e = 0.0;
        if (f->pl)
            for (size_t c = 0; c < W; c++)
                e -= f->jd[(f->L - 1) * W + c] * spin_bit(i, c) * spin_bit(s0, c);
        double w = exp(-beta * e - cap);
        for (size_t k = 0; k < K; k++) {
            double x = w * cur[i * K + k];
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

/* <|M|> by the magnetization-resolved transfer matrix, or NaN when it costs too much. */
static double transfer_absm(const zs_pairwise *m, double beta) {
    frame f;
    memset(&f, 0, sizeof f);
    double res = (double)NAN;
    if (!frame_make(m, &f) || absm_cost(&f, m->n) > ABSM_WORK) {
        frame_free(&f);
        return res;
    }
    size_t S = (size_t)1 << f.W, K = m->n + 1;
    double *cur = malloc(S * K * sizeof *cur), *nxt = malloc(S * K * sizeof *nxt);
    if (cur && nxt) {
        double ref = -HUGE_VAL, tot[2] = {0.0, 0.0};
        for (size_t s0 = 0; s0 < (f.pl ? S : 1); s0++) {
            absm_pass(&f, beta, m->n, s0, cur, nxt, &ref, tot);
        }
        res = tot[1] / tot[0];
    }
    free(cur);
    free(nxt);
    frame_free(&f);
    return res;
}

zs_status pairwise_thermo_transfer(const zs_pairwise *m, double beta, zs_pairwise_thermo *out) {
    totals t;
    zs_status st = transfer_run(m, beta, 1, &t);
    if (st != ZS_OK) return st;
    double z = t.z[0], u = t.z[1] / z, mm = t.z[3] / z;
    out->lnz = t.ref + log(z) - beta * m->offset;
    out->u = m->offset + u;
    out->c = beta * beta * (t.z[2] / z - u * u);
    out->m = mm;
    out->chi = beta * (t.z[4] / z - mm * mm);
    out->absm = transfer_absm(m, beta);
    return ZS_OK;
}
