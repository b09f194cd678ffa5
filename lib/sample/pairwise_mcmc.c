/* pairwise_mcmc.c — Markov chain Monte Carlo for binary pairwise models.
 *
 * Single-spin moves (Newman & Barkema, Monte Carlo Methods in Statistical Physics, ch. 3):
 * flipping s_i changes the energy by dE = 2 s_i f_i with the local field f_i = h_i +
 * sum_j J_ij s_j. Metropolis accepts with min(1, e^{-beta dE}); heat bath (Glauber) sets
 * s_i = +1 with probability 1 / (1 + e^{-2 beta f_i}) whatever it was. Lattice sweeps visit
 * the sites with r + c even, then odd (checkerboard), dense models in index order.
 * Wolff clusters (Wolff 1989; Newman & Barkema sec. 4.2): grow from a random seed site,
 * adding aligned neighbours with probability 1 - e^{-2 beta J_ij}, and flip the cluster;
 * valid for J_ij >= 0 and h = 0. A Wolff "sweep" is as many clusters as it takes to flip n
 * spins in total.
 *
 * Chain k runs on stream zs_rng_init(seed, k) from an overdispersed start (k mod 3: random,
 * all +1, all -1), discards burnin sweeps, then measures E and M after each sweep. The
 * errors of the means U, M, |M| come from the integrated autocorrelation time tau of each
 * series (Sokal's windowed estimator): sigma^2 = 2 tau Var / N. Each chain's series is also
 * cut into 32 equal blocks, the blocks of all chains pooled, for jackknife errors of C =
 * beta^2 Var(E), chi = beta Var(M), chi' = beta (<M^2> - <|M|>^2) and Binder's U_4. Split
 * R-hat across the chains' halves and the run length in units of tau decide whether these
 * error bars are supported (`mixed`, zsum/pairwise.h). Each chain is a work unit whose record
 * carries its block sums and series statistics (below); the records are combined in chain
 * order, so the result does not depend on the threads or processes that ran the chains. */
#include "models/pairwise_internal.h"
#include "sample/autocov.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 32

typedef struct block {
    double e, e2, m, m2, am, m4; /* sums over the block's sweeps */
} block;

/* A chain's measured series of E, M and |M|, binned: entries are means of `width` successive
 * sweeps; when cap entries are full, adjacent pairs merge and the width doubles. */
#define SERIES 3
typedef struct series {
    double *x[SERIES];
    size_t len, cap;
    uint64_t width, fill;
    double acc[SERIES];
} series;

typedef struct chain_out {
    block b[BLOCKS];
    double proposed, accepted, clusters, flipped;
    series s;
} chain_out;

static void series_add(series *s, const double v[SERIES]) {
    for (int q = 0; q < SERIES; q++) s->acc[q] += v[q];
    if (++s->fill < s->width) return;
    if (s->len == s->cap) {
        for (int q = 0; q < SERIES; q++)
            for (size_t i = 0; i < s->cap / 2; i++) s->x[q][i] = 0.5 * (s->x[q][2 * i] + s->x[q][2 * i + 1]);
        s->len = s->cap / 2;
        s->width *= 2;
        if (s->fill < s->width) return; /* the accumulator now fills a wider bin */
    }
    for (int q = 0; q < SERIES; q++) {
        s->x[q][s->len] = s->acc[q] / (double)s->width;
        s->acc[q] = 0.0;
    }
    s->len++;
    s->fill = 0;
}

/* When every coupling and field is a multiple of 1/4, local fields are exact multiples of
 * 1/4 too, and the acceptance probabilities come from a table indexed by 4 f (|4 f| <= kmax):
 * tab[kmax + 4f] = e^{-2 beta f} (Metropolis: e^{-beta dE} is the entry at 4 s f, dE = 2 s f)
 * or 1 / (1 + e^{-2 beta f}) (heat bath). */
typedef struct accept_table {
    long kmax;     /* 0: no table                                                        */
    double *tab;   /* (2 kmax + 1)                                                       */
} accept_table;

static void table_make(const zs_pairwise *m, double beta, int heat, accept_table *t) {
    t->kmax = 0;
    t->tab = NULL;
    if (!zs_pairwise_is_integer(m)) return;
    double fmax = 0.0;
    for (size_t i = 0; i < m->n; i++) {
        double f = fabs(m->h[i]);
        for (size_t a = m->adj_start[i]; a < m->adj_start[i + 1]; a++) f += fabs(m->adj_j[a]);
        fmax = fmax > f ? fmax : f;
    }
    long kmax = (long)(4.0 * fmax);
    if (kmax > 100000) return;
    t->tab = zs_malloc((size_t)(2 * kmax + 1) * sizeof *t->tab);
    if (!t->tab) return;
    t->kmax = kmax;
    for (long k = -kmax; k <= kmax; k++) {
        double f = (double)k / 4.0;
        t->tab[k + kmax] = heat ? 1.0 / (1.0 + exp(-2.0 * beta * f)) : exp(-2.0 * beta * f);
    }
}

static void sweep_single(const zs_pairwise *m, const uint32_t *order, int8_t *s, double beta,
                         int heat, const accept_table *t, zs_rng *rng, double *e, double *mag,
                         chain_out *co) {
    for (size_t k = 0; k < m->n; k++) {
        size_t i = order[k];
        double f = m->h[i], si = s[i];
        for (size_t a = m->adj_start[i]; a < m->adj_start[i + 1]; a++)
            f += m->adj_j[a] * (double)s[m->adj_nb[a]];
        double de = 2.0 * si * f;
        int flip;
        if (heat) {
            double pup = t->tab ? t->tab[t->kmax + lround(4.0 * f)]
                                : 1.0 / (1.0 + exp(-2.0 * beta * f));
            int up = zs_rng_uniform(rng) < pup;
            flip = (up && si < 0) || (!up && si > 0);
        } else if (de <= 0.0) {
            flip = 1;
        } else {
            /* e^{-beta dE} = e^{-2 beta (s f)}: the table at 4 s f */
            double pa = t->tab ? t->tab[t->kmax + lround(4.0 * si * f)] : exp(-beta * de);
            flip = zs_rng_uniform(rng) < pa;
        }
        co->proposed += 1.0;
        if (flip) {
            s[i] = (int8_t)-s[i];
            *e += de;
            *mag -= 2.0 * si;
            co->accepted += 1.0;
        }
    }
}

/* ncl > 0: exactly ncl clusters; ncl == 0: clusters until n spins were flipped (burn-in
 * only: stopping on the flipped count would bias measurements, so measured sweeps use a fixed
 * cluster count n / <cluster size> estimated during burn-in). */
static void sweep_wolff(const zs_pairwise *m, int8_t *s, uint8_t *in, uint32_t *stack,
                        double beta, zs_rng *rng, double *e, double *mag, chain_out *co,
                        uint64_t ncl) {
    size_t flipped = 0;
    for (uint64_t done = 0; ncl ? done < ncl : flipped < m->n; done++) {
        size_t seed = (size_t)zs_rng_below(rng, m->n), top = 0, size = 0;
        int8_t sv = s[seed];
        in[seed] = 1;
        stack[top++] = (uint32_t)seed;
        /* stack[0..size) is the cluster; grow breadth-first through it */
        while (size < top) {
            size_t i = stack[size++];
            for (size_t a = m->adj_start[i]; a < m->adj_start[i + 1]; a++) {
                size_t j = m->adj_nb[a];
                if (in[j] || s[j] != sv) continue;
                if (zs_rng_uniform(rng) < -expm1(-2.0 * beta * m->adj_j[a])) {
                    in[j] = 1;
                    stack[top++] = (uint32_t)j;
                }
            }
        }
        double de = 0.0;
        for (size_t c = 0; c < size; c++) {
            size_t i = stack[c];
            for (size_t a = m->adj_start[i]; a < m->adj_start[i + 1]; a++)
                if (!in[m->adj_nb[a]]) de += 2.0 * m->adj_j[a] * (double)s[i] * (double)s[m->adj_nb[a]];
        }
        for (size_t c = 0; c < size; c++) {
            s[stack[c]] = (int8_t)-sv;
            in[stack[c]] = 0;
        }
        *e += de;
        *mag -= 2.0 * (double)sv * (double)size;
        flipped += size;
        co->clusters += 1.0;
        co->flipped += (double)size;
    }
}

static int run_chain(const zs_pairwise *m, const zs_pairwise_sample_opts *o, const uint32_t *order,
                     uint64_t chain, chain_out *co) {
    int8_t *s = zs_malloc(m->n);
    uint8_t *in = zs_calloc(m->n, 1);
    uint32_t *stack = zs_malloc(m->n * sizeof *stack);
    if (!s || !in || !stack) {
        free(s);
        free(in);
        free(stack);
        return 0;
    }
    series keep = co->s; /* the caller's arrays */
    memset(co, 0, sizeof *co);
    co->s = keep;
    zs_rng rng;
    zs_rng_init(&rng, o->seed, chain);
    /* overdispersed starts (Gelman & Rubin 1992): random, all up, all down */
    for (size_t i = 0; i < m->n; i++)
        s[i] = chain % 3 == 1 ? 1 : chain % 3 == 2 ? -1 : (zs_rng_next(&rng) >> 63) ? 1 : -1;
    accept_table tab;
    table_make(m, o->beta, o->kind == ZS_MCMC_HEATBATH, &tab);
    double e = zs_pairwise_energy(m, s), mag = 0.0;
    for (size_t i = 0; i < m->n; i++) mag += s[i];
    uint64_t per = o->sweeps / BLOCKS, total = o->burnin + per * BLOCKS;
    if (o->kind == ZS_MCMC_WOLFF && o->burnin == 0) { /* estimate the cluster size anyway */
        for (int t = 0; t < 10; t++) sweep_wolff(m, s, in, stack, o->beta, &rng, &e, &mag, co, 0);
    }
    uint64_t ncl = 0;
    for (uint64_t t = 0; t < total; t++) {
        if (o->kind == ZS_MCMC_WOLFF && t == o->burnin) {
            double mean = co->clusters > 0 ? co->flipped / co->clusters : 1.0;
            ncl = (uint64_t)ceil((double)m->n / mean);
            co->clusters = co->flipped = 0.0;
        }
        if (o->kind == ZS_MCMC_WOLFF)
            sweep_wolff(m, s, in, stack, o->beta, &rng, &e, &mag, co, ncl ? ncl : 0);
        else sweep_single(m, order, s, o->beta, o->kind == ZS_MCMC_HEATBATH, &tab, &rng, &e, &mag, co);
        if (t < o->burnin) continue;
        if (t == o->burnin) { /* re-anchor the running energy against drift */
            e = zs_pairwise_energy(m, s);
        }
        block *b = &co->b[(t - o->burnin) / per];
        b->e += e;
        b->e2 += e * e;
        b->m += mag;
        b->m2 += mag * mag;
        b->am += fabs(mag);
        b->m4 += mag * mag * mag * mag;
        const double v[SERIES] = {e, mag, fabs(mag)};
        series_add(&co->s, v);
    }
    free(s);
    free(in);
    free(stack);
    free(tab.tab);
    return 1;
}

/* The quantities computed from a block's (or a pool of blocks') mean moments
 * mu = (<E>, <E^2>, <M>, <M^2>, <|M|>, <M^4>). */
typedef double (*moment_fn)(const double *mu, double beta);
static double f_c(const double *mu, double beta) { return beta * beta * (mu[1] - mu[0] * mu[0]); }
static double f_chi(const double *mu, double beta) { return beta * (mu[3] - mu[2] * mu[2]); }
static double f_chi_abs(const double *mu, double beta) { return beta * (mu[3] - mu[4] * mu[4]); }
static double f_binder(const double *mu, double beta) {
    (void)beta;
    return mu[3] > 0 ? 1.0 - mu[5] / (3.0 * mu[3] * mu[3]) : (double)NAN;
}

/* f of all blocks but i (the jackknife's leave-one-out estimate). */
static double leave_out(const double *sums, const double *tot, size_t i, double cnt, double per,
                        moment_fn f, double beta) {
    double mu[6];
    for (int q = 0; q < 6; q++) mu[q] = (tot[q] - sums[i * 6 + q]) / (cnt - per);
    return f(mu, beta);
}

/* Jackknife over the k pooled blocks (Efron 1982): f of all blocks but i, for each i; the
 * error is sqrt((k-1)/k sum_i (f_i - mean f_i)^2). sums: k x 6 block sums of per sweeps each.
 * The f_i are computed twice (for their mean, then for the spread about it) rather than
 * kept: no allocation, so no error bar is ever missing for want of memory. */
static zs_estimate jackknife(const double *sums, size_t k, double per, moment_fn f, double beta) {
    double tot[6] = {0};
    for (size_t i = 0; i < k; i++)
        for (int q = 0; q < 6; q++) tot[q] += sums[i * 6 + q];
    double mu[6], cnt = per * (double)k;
    for (int q = 0; q < 6; q++) mu[q] = tot[q] / cnt;
    zs_estimate r = {f(mu, beta), (double)NAN, (double)NAN};
    double mj = 0.0, vj = 0.0;
    for (size_t i = 0; i < k; i++) mj += leave_out(sums, tot, i, cnt, per, f, beta);
    mj /= (double)k;
    for (size_t i = 0; i < k; i++) {
        double e = leave_out(sums, tot, i, cnt, per, f, beta);
        vj += (e - mj) * (e - mj);
    }
    r.std_error = sqrt(vj * ((double)k - 1.0) / (double)k);
    return r;
}

/* ---- a chain's record ----------------------------------------------------------------------
 * Every chain is a work unit (include/zsum/units.h), its randomness keyed by (seed, chain).
 * Its record holds what the combination needs from it, in parts of ZS_UNIT_MAX_VALUES
 * doubles:
 *   BLOCKS x 6 block sums (E, E^2, M, M^2, |M|, M^4), in block order (the jackknife);
 *   proposed, accepted, clusters, flipped;
 *   L and the bin width of its series (the same for every chain of a run);
 *   for each series (E, M, |M|): the sum of its L entries, their sum of squares about the
 *   chain's mean (the autocovariance at lag 0), the mean and the sum of squares about it of
 *   each half (split R-hat), and the autocovariances at lags 1..K (Sokal's window).
 * K: the window W (the first W >= 5 tau(W)) of a run that can pass the mixing test (L entries
 * >= 64 tau, so tau(W) <= (L + 1) / 64 and W < 5 tau(W - 1) + 1 <= 5 (L + 1) / 64 + 6) is
 * below K = max(128, L / 8), at most L / 2; a run whose window lies past K is reported with tau
 * at lag K and undetermined (not mixed), as it would be with every lag. */
#define R_COUNTS (BLOCKS * 6)
#define R_SHAPE (R_COUNTS + 4)
#define R_SERIES (R_SHAPE + 2)
#define R_PER_SERIES 6 /* and K lags */

static size_t lags_kept(size_t L) {
    size_t k = L / 8 > 128 ? L / 8 : 128;
    return k < L / 2 ? k : L / 2;
}

static size_t record_values(size_t L) { return R_SERIES + SERIES * (R_PER_SERIES + lags_kept(L)); }

/* Value i of a chain's record (r: its first part). */
static double rv(const zs_unit_record *r, size_t i) {
    return r[i / ZS_UNIT_MAX_VALUES].values[i % ZS_UNIT_MAX_VALUES];
}

/* Sokal's windowed integrated autocorrelation time of series q (in entries of the binned
 * series): rho(t) from the autocovariances about each chain's own mean, summed over the chains
 * in chain order; tau(W) = 1/2 + sum_{t=1}^{W} rho(t), W the first window with W >= 5 tau(W).
 * *determined = 0 when no window up to K qualifies (the series is too short for its
 * correlations); NaN when the series do not fluctuate. */
static double tau_sokal(const zs_unit_record *recs, uint32_t parts, size_t nc, int q, size_t K,
                        int *determined) {
    size_t base = R_SERIES + (size_t)q * (R_PER_SERIES + K);
    double g0 = 0.0;
    for (size_t c = 0; c < nc; c++) g0 += rv(recs + c * parts, base + 1);
    *determined = 1;
    if (!(g0 > 0.0)) return (double)NAN;
    double tau = 0.5;
    for (size_t w = 1; w <= K; w++) {
        double g = 0.0;
        for (size_t c = 0; c < nc; c++) g += rv(recs + c * parts, base + R_PER_SERIES + w - 1);
        tau += g / g0;
        if ((double)w >= 5.0 * tau) return tau;
    }
    *determined = 0;
    return tau;
}

/* Split R-hat of series q (Gelman et al., BDA3 sec. 11.4): the halves of every chain as 2 nc
 * sequences of h entries; W the mean within-sequence variance, B h times the variance of the
 * sequence means; sqrt(((h-1)/h W + B/h) / W). The sequence means are read from the records
 * again for B rather than kept: no allocation, so R-hat is never missing for want of memory. */
static double rhat_split(const zs_unit_record *recs, uint32_t parts, size_t nc, int q, size_t L,
                         size_t K) {
    size_t h = L / 2, ns = 2 * nc, base = R_SERIES + (size_t)q * (R_PER_SERIES + K);
    if (h < 2) return (double)NAN;
    double wsum = 0.0, msum = 0.0;
    for (size_t j = 0; j < ns; j++) {
        const zs_unit_record *r = recs + (j / 2) * parts;
        double m = rv(r, base + 2 + 2 * (j % 2)), v = rv(r, base + 3 + 2 * (j % 2));
        wsum += v / (double)(h - 1);
        msum += m;
    }
    double W = wsum / (double)ns, mm = msum / (double)ns, B = 0.0;
    for (size_t j = 0; j < ns; j++) {
        double m = rv(recs + (j / 2) * parts, base + 2 + 2 * (j % 2));
        B += (m - mm) * (m - mm);
    }
    B *= (double)h / (double)(ns - 1);
    if (!(W > 0.0)) return B > 0.0 ? HUGE_VAL : 1.0;
    return sqrt((((double)h - 1.0) / (double)h * W + B / (double)h) / W);
}

/* The mean of series q over all chains, its error from tau (sigma^2 = 2 tau V / (nc L), V the
 * variance of the entries about the grand mean: spread between chains counts; the sum of
 * squares about the grand mean is each chain's about its own mean plus L (mean_c - grand)^2),
 * tau in sweeps (width x tau of the entries) and R-hat. */
static zs_estimate series_mean(const zs_unit_record *recs, uint32_t parts, size_t nc, int q,
                               size_t L, double width, double *tau_sweeps, double *rhat,
                               int *determined) {
    size_t K = lags_kept(L), base = R_SERIES + (size_t)q * (R_PER_SERIES + K);
    double grand = 0.0;
    for (size_t c = 0; c < nc; c++) grand += rv(recs + c * parts, base);
    grand /= (double)nc * (double)L;
    double v = 0.0;
    for (size_t c = 0; c < nc; c++) {
        const zs_unit_record *r = recs + c * parts;
        double d = rv(r, base) / (double)L - grand;
        v += rv(r, base + 1) + (double)L * d * d;
    }
    v /= (double)nc * (double)L;
    double tau = tau_sokal(recs, parts, nc, q, K, determined);
    /* tau < 1/2 (anticorrelated entries) would shrink the error below that of independent
     * draws; the error uses at least 1/2 */
    double teff = isnan(tau) || tau < 0.5 ? 0.5 : tau;
    zs_estimate r = {grand, sqrt(2.0 * teff * v / ((double)nc * (double)L)),
                     (double)nc * (double)L / (2.0 * teff)};
    *tau_sweeps = isnan(tau) ? tau : tau * width;
    *rhat = rhat_split(recs, parts, nc, q, L, K);
    return r;
}

/* A finished chain's record values v[0 .. record_values(L) - 1]. 0 when out of memory. */
static int chain_record(const chain_out *co, double *v) {
    size_t L = co->s.len, K = lags_kept(L), h = L / 2;
    for (size_t b = 0; b < BLOCKS; b++) {
        const block *bl = &co->b[b];
        double *row = v + b * 6;
        row[0] = bl->e, row[1] = bl->e2, row[2] = bl->m, row[3] = bl->m2, row[4] = bl->am,
        row[5] = bl->m4;
    }
    v[R_COUNTS] = co->proposed, v[R_COUNTS + 1] = co->accepted, v[R_COUNTS + 2] = co->clusters,
    v[R_COUNTS + 3] = co->flipped;
    v[R_SHAPE] = (double)L, v[R_SHAPE + 1] = (double)co->s.width;
    double *y = zs_malloc((SERIES * L + SERIES * (K + 1)) * sizeof *y);
    if (!y) return 0;
    double *g = y + SERIES * L;
    for (int q = 0; q < SERIES; q++) {
        const double *x = co->s.x[q];
        double *out = v + R_SERIES + (size_t)q * (R_PER_SERIES + K), *yq = y + (size_t)q * L;
        double sum = 0.0, ss = 0.0;
        for (size_t i = 0; i < L; i++) sum += x[i];
        double mean = sum / (double)L;
        for (size_t i = 0; i < L; i++) {
            yq[i] = x[i] - mean;
            ss += yq[i] * yq[i];
        }
        out[0] = sum, out[1] = ss;
        for (size_t half = 0; half < 2; half++) {
            const double *xh = x + half * h;
            double m = 0.0, s2 = 0.0;
            for (size_t i = 0; i < h; i++) m += xh[i];
            m /= (double)h;
            for (size_t i = 0; i < h; i++) s2 += (xh[i] - m) * (xh[i] - m);
            out[2 + 2 * half] = m, out[3 + 2 * half] = s2;
        }
    }
    int ok = autocov_fft(y, SERIES, L, K, g);
    for (int q = 0; ok && q < SERIES; q++) {
        double *out = v + R_SERIES + (size_t)q * (R_PER_SERIES + K);
        for (size_t w = 1; w <= K; w++) out[R_PER_SERIES + w - 1] = g[(size_t)q * (K + 1) + w];
    }
    free(y);
    return ok;
}

/* Measured on the development machine (one thread): a single-spin sweep costs about 8 ns per
 * spin plus its bonds, a Wolff sweep (n flipped spins) about 250 ns per spin near T_c; the
 * figures below are somewhat lower, so the estimate errs towards allowing a run. */
#define NS_PER_SPIN_SINGLE 4.0
#define NS_PER_SPIN_WOLFF 100.0

double zs_pairwise_sample_seconds(const zs_pairwise *m, const zs_pairwise_sample_opts *o) {
    if (!m || !o) return (double)NAN;
    double per_sweep = (double)m->n + 2.0 * (double)m->nb;
    /* AUTO resolves as in zs_pairwise_sample */
    int wolff = o->kind == ZS_MCMC_WOLFF || (o->kind == ZS_MCMC_AUTO && m->ferro);
    double ns = wolff ? NS_PER_SPIN_WOLFF : NS_PER_SPIN_SINGLE;
    /* min(threads, processors, chains) */
    double chains = (double)o->chains, threads = (double)zs_threads_for(m->ctx, (size_t)o->chains);
    double rounds = ceil(chains / threads);
    return rounds * ((double)o->burnin + (double)o->sweeps) * per_sweep * ns * 1e-9;
}

void zs_pairwise_sample_defaults(zs_pairwise_sample_opts *opt) {
    if (!opt) return;
    opt->kind = ZS_MCMC_AUTO;
    opt->beta = 1.0;
    opt->sweeps = 10000;
    opt->burnin = 1000;
    opt->chains = 4;
    opt->seed = 0;
}

/* The options a run needs, with AUTO resolved (zsum/pairwise.h: Wolff where it applies, else
 * Metropolis) into *o. */
static zs_status check_opts(const zs_pairwise *m, const zs_pairwise_sample_opts *opt,
                            zs_pairwise_sample_opts *o) {
    if ((unsigned)opt->kind > (unsigned)ZS_MCMC_AUTO)
        return zs_fail(m->ctx, ZS_EINVAL, "sample: unknown kind %d", (int)opt->kind);
    *o = *opt;
    if (o->kind == ZS_MCMC_AUTO) o->kind = m->ferro ? ZS_MCMC_WOLFF : ZS_MCMC_METROPOLIS;
    if (!isfinite(o->beta) || o->beta < 0.0)
        return zs_fail(m->ctx, ZS_EINVAL, "sample: beta = %g must be finite and >= 0", o->beta);
    if (o->sweeps < BLOCKS)
        return zs_fail(m->ctx, ZS_EINVAL, "sample: %llu sweeps are too few (at least %d: the "
                       "error bars bin them into %d blocks)", (unsigned long long)o->sweeps,
                       BLOCKS, BLOCKS);
    if (o->chains == 0 || o->chains > 100000)
        return zs_fail(m->ctx, ZS_EINVAL, "sample: %llu chains is out of range 1..100000",
                       (unsigned long long)o->chains);
    if (o->kind == ZS_MCMC_WOLFF && !m->ferro)
        return zs_fail(m->ctx, ZS_EUNSUPPORTED,
                       "sample: Wolff clusters need couplings >= 0 and zero field; use "
                       "metropolis or heatbath");
    if (m->n > UINT32_MAX) return zs_fail(m->ctx, ZS_ETOOBIG, "sample: too many spins");
    return ZS_OK;
}

/* The order of a sweep: on a lattice the even then the odd checkerboard sites, else 0..n-1. */
static void sweep_order(const zs_pairwise *m, uint32_t *order) {
    size_t k = 0;
    if (m->lattice) {
        for (int parity = 0; parity < 2; parity++)
            for (size_t r = 0; r < m->rows; r++)
                for (size_t c = 0; c < m->cols; c++)
                    if ((int)((r + c) % 2) == parity) order[k++] = (uint32_t)(r * m->cols + c);
    } else {
        for (k = 0; k < m->n; k++) order[k] = (uint32_t)k;
    }
}

/* The entries a chain's series buffer holds: at most 65,536, fewer when there are many chains
 * (2^22 values in all), at least 64. */
static size_t series_cap(uint64_t chains) {
    size_t cap = ((size_t)1 << 22) / (SERIES * (size_t)chains);
    return cap > 65536 ? 65536 : cap < 64 ? 64 : cap & ~(size_t)1;
}

/* The length and bin width a series reaches after `measured` sweeps (series_add, entry by
 * entry), so that the record's size is known before any chain runs. */
static void series_shape(uint64_t measured, size_t cap, size_t *len, uint64_t *width) {
    size_t L = 0;
    uint64_t w = 1, fill = 0, left = measured;
    while (left >= w - fill) {
        left -= w - fill;
        fill = w;
        if (L == cap) {
            L = cap / 2;
            w *= 2;
            continue; /* the accumulator now fills a wider bin */
        }
        L++;
        fill = 0;
    }
    *len = L;
    *width = w;
}

typedef struct sample_plan {
    const zs_pairwise *m;
    const zs_pairwise_sample_opts *o;
    const uint32_t *order;
    size_t cap, L, nvalues;
    uint64_t width;
    uint32_t parts;
} sample_plan;

/* Work unit `chain`: run it and write its record into rec[0 .. parts-1]. */
static zs_status sample_unit(const void *plan, uint64_t chain, void *scratch, zs_unit_record *rec) {
    (void)scratch;
    const sample_plan *p = plan;
    chain_out *co = zs_calloc(1, sizeof *co);
    double *store = zs_malloc(SERIES * p->cap * sizeof *store), *v = zs_calloc(p->nvalues, sizeof *v);
    zs_status st = ZS_OK;
    if (!co || !store || !v) {
        st = zs_fail(p->m->ctx, ZS_ENOMEM, "sample: out of memory");
    } else {
        for (int q = 0; q < SERIES; q++) co->s.x[q] = store + (size_t)q * p->cap;
        co->s.cap = p->cap;
        co->s.width = 1;
        if (!run_chain(p->m, p->o, p->order, chain, co))
            st = zs_fail(p->m->ctx, ZS_ENOMEM, "sample: out of memory");
        else if (co->s.len != p->L || co->s.width != p->width)
            st = zs_fail(p->m->ctx, ZS_EINVAL, "sample: chain %llu's series has %zu entries, "
                         "not the %zu planned", (unsigned long long)chain, co->s.len, p->L);
        else if (!chain_record(co, v))
            st = zs_fail(p->m->ctx, ZS_ENOMEM, "sample: out of memory");
    }
    for (size_t i = 0; st == ZS_OK && i < p->nvalues; i++) {
        zs_unit_record *r = &rec[i / ZS_UNIT_MAX_VALUES];
        r->values[i % ZS_UNIT_MAX_VALUES] = v[i];
        r->nvalues = (uint32_t)(i % ZS_UNIT_MAX_VALUES + 1);
    }
    free(co);
    free(store);
    free(v);
    return st;
}

/* The problem's hash: the model as the sweeps read it (fields, bonds, offset, the lattice
 * that orders a sweep) and every option (the kind resolved, beta, sweeps, burn-in, chains,
 * seed). */
static uint64_t sample_hash(const zs_pairwise *m, const zs_pairwise_sample_opts *o) {
    uint64_t h = pairwise_hash(units_hash_begin("pairwise sample"), m);
    h = units_hash_u64(h, (uint64_t)m->lattice);
    h = units_hash_u64(units_hash_u64(h, m->rows), m->cols);
    h = units_hash_u64(h, (uint64_t)o->kind);
    h = units_hash_double(h, o->beta);
    h = units_hash_u64(units_hash_u64(h, o->sweeps), o->burnin);
    h = units_hash_u64(units_hash_u64(h, o->chains), o->seed);
    return h;
}

/* The result from the chains' records, in chain order: jackknife over the blocks for the
 * fluctuations, the series for the means with their tau and R-hat, and the verdict on
 * mixing. */
static zs_status summarize(const zs_pairwise *m, const zs_pairwise_sample_opts *o,
                           const sample_plan *p, const zs_unit_record *recs, zs_mcmc_result *out) {
    size_t nb = (size_t)o->chains * BLOCKS, nc = (size_t)o->chains, L = p->L;
    double per = (double)(o->sweeps / BLOCKS), width = (double)p->width;
    double *x = zs_calloc(6 * nb, sizeof *x);
    if (!x) return zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory");
    memset(out, 0, sizeof *out); /* padding too: equal runs compare equal byte for byte */
    double prop = 0, acc = 0, cl = 0, fl = 0;
    for (size_t c = 0; c < nc; c++) {
        const zs_unit_record *r = recs + c * p->parts;
        for (size_t i = 0; i < 6 * BLOCKS; i++) x[c * BLOCKS * 6 + i] = rv(r, i);
        prop += rv(r, R_COUNTS);
        acc += rv(r, R_COUNTS + 1);
        cl += rv(r, R_COUNTS + 2);
        fl += rv(r, R_COUNTS + 3);
    }
    out->c = jackknife(x, nb, per, f_c, o->beta);
    out->chi = jackknife(x, nb, per, f_chi, o->beta);
    out->chi_abs = jackknife(x, nb, per, f_chi_abs, o->beta);
    out->binder = jackknife(x, nb, per, f_binder, o->beta);
    free(x);
    int d[SERIES];
    out->u = series_mean(recs, p->parts, nc, 0, L, width, &out->tau_u, &out->rhat_u, &d[0]);
    out->m = series_mean(recs, p->parts, nc, 1, L, width, &out->tau_m, &out->rhat_m, &d[1]);
    out->absm = series_mean(recs, p->parts, nc, 2, L, width, &out->tau_absm, &out->rhat_absm, &d[2]);
    double tmax = 0.0, rmax = 0.0;
    const double taus[SERIES] = {out->tau_u, out->tau_m, out->tau_absm};
    const double rh[SERIES] = {out->rhat_u, out->rhat_m, out->rhat_absm};
    int ok = 1;
    for (int q = 0; q < SERIES; q++) {
        ok = ok && d[q] && !isnan(rh[q]);
        if (taus[q] > tmax) tmax = taus[q];
        if (rh[q] > rmax) rmax = rh[q];
    }
    out->mixed = ok && rmax <= 1.05 && per * BLOCKS >= 64.0 * tmax;
    out->kind = o->kind;
    out->acceptance = o->kind == ZS_MCMC_WOLFF ? 1.0 : acc / prop;
    out->mean_cluster = o->kind == ZS_MCMC_WOLFF && cl > 0 ? fl / cl : 0.0;
    return ZS_OK;
}

zs_status zs_pairwise_sample(const zs_pairwise *m, const zs_pairwise_sample_opts *opt,
                             zs_mcmc_result *out) {
    if (!m || !opt || !out) return ZS_EINVAL;
    zs_pairwise_sample_opts resolved;
    zs_status st = check_opts(m, opt, &resolved);
    if (st != ZS_OK) return st;
    const zs_pairwise_sample_opts *o = &resolved;
    sample_plan p = {m, o, NULL, series_cap(o->chains), 0, 0, 0, 0};
    series_shape(o->sweeps / BLOCKS * BLOCKS, p.cap, &p.L, &p.width);
    p.nvalues = record_values(p.L);
    p.parts = (uint32_t)((p.nvalues + ZS_UNIT_MAX_VALUES - 1) / ZS_UNIT_MAX_VALUES);
    uint32_t *order = zs_malloc(m->n * sizeof *order);
    zs_unit_record *recs = zs_calloc((size_t)o->chains * p.parts, sizeof *recs);
    if (!order || !recs) {
        free(order);
        free(recs);
        return zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory (records of %llu chains)",
                       (unsigned long long)o->chains);
    }
    sweep_order(m, order);
    p.order = order;
    /* One work unit per chain (lib/core/units.c), combined in chain order: the result does
     * not depend on the threads or processes that ran them. */
    units_job job = {m->ctx, "MCMC sample", NULL, sample_hash(m, o), o->chains, sample_unit, &p,
                     NULL, NULL, 0};
    st = units_exec_parts(&job, p.parts, recs);
    if (st == ZS_OK) st = summarize(m, o, &p, recs, out);
    free(order);
    free(recs);
    return st;
}
