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
 * error bars are supported (`mixed`, zsum/pairwise.h). Chains run in parallel (OpenMP) and
 * are combined in chain order: the result does not depend on the thread count. */
#include "models/pairwise_internal.h"

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

/* Sokal's windowed integrated autocorrelation time of series q (in entries of the binned
 * series, L entries a chain): rho(t) from the autocovariance about each chain's own mean,
 * averaged over the chains; tau(W) = 1/2 + sum_{t=1}^{W} rho(t), W the first window with
 * W >= 5 tau(W). *determined = 0 when no window up to L/2 qualifies (the series is too short
 * for its correlations); NaN when the series do not fluctuate. */
static double tau_sokal(const chain_out *co, size_t nc, int q, size_t L, const double *mean,
                        int *determined) {
    double g0 = 0.0;
    for (size_t c = 0; c < nc; c++)
        for (size_t i = 0; i < L; i++) g0 += (co[c].s.x[q][i] - mean[c]) * (co[c].s.x[q][i] - mean[c]);
    *determined = 1;
    if (!(g0 > 0.0)) return (double)NAN;
    double tau = 0.5;
    for (size_t w = 1; w <= L / 2; w++) {
        double g = 0.0;
        for (size_t c = 0; c < nc; c++) {
            const double *x = co[c].s.x[q], mu = mean[c];
            for (size_t i = 0; i + w < L; i++) g += (x[i] - mu) * (x[i + w] - mu);
        }
        tau += g / g0;
        if ((double)w >= 5.0 * tau) return tau;
    }
    *determined = 0;
    return tau;
}

/* The mean of sequence j of rhat_split: half j % 2 of chain j / 2. */
static double half_mean(const chain_out *co, int q, size_t h, size_t j) {
    const double *x = co[j / 2].s.x[q] + (j % 2) * h;
    double m = 0.0;
    for (size_t i = 0; i < h; i++) m += x[i];
    return m / (double)h;
}

/* Split R-hat of series q (Gelman et al., BDA3 sec. 11.4): the halves of every chain as 2 nc
 * sequences of h entries; W the mean within-sequence variance, B h times the variance of the
 * sequence means; sqrt(((h-1)/h W + B/h) / W). The sequence means are computed again for B
 * rather than kept: no allocation, so R-hat is never missing for want of memory. */
static double rhat_split(const chain_out *co, size_t nc, int q, size_t L) {
    size_t h = L / 2, ns = 2 * nc;
    if (h < 2) return (double)NAN;
    double wsum = 0.0, msum = 0.0;
    for (size_t j = 0; j < ns; j++) {
        const double *x = co[j / 2].s.x[q] + (j % 2) * h;
        double m = half_mean(co, q, h, j), v = 0.0;
        for (size_t i = 0; i < h; i++) v += (x[i] - m) * (x[i] - m);
        wsum += v / (double)(h - 1);
        msum += m;
    }
    double W = wsum / (double)ns, mm = msum / (double)ns, B = 0.0;
    for (size_t j = 0; j < ns; j++) {
        double m = half_mean(co, q, h, j);
        B += (m - mm) * (m - mm);
    }
    B *= (double)h / (double)(ns - 1);
    if (!(W > 0.0)) return B > 0.0 ? HUGE_VAL : 1.0;
    return sqrt((((double)h - 1.0) / (double)h * W + B / (double)h) / W);
}

/* The mean of series q over all chains, its error from tau (sigma^2 = 2 tau V / (nc L), V the
 * variance of the entries about the grand mean: spread between chains counts), tau in sweeps
 * (width x tau of the entries) and R-hat. */
static zs_estimate series_mean(const chain_out *co, size_t nc, int q, size_t L, double *mean,
                               double *tau_sweeps, double *rhat, int *determined) {
    double grand = 0.0;
    for (size_t c = 0; c < nc; c++) {
        double m = 0.0;
        for (size_t i = 0; i < L; i++) m += co[c].s.x[q][i];
        mean[c] = m / (double)L;
        grand += m;
    }
    grand /= (double)nc * (double)L;
    double v = 0.0;
    for (size_t c = 0; c < nc; c++)
        for (size_t i = 0; i < L; i++) v += (co[c].s.x[q][i] - grand) * (co[c].s.x[q][i] - grand);
    v /= (double)nc * (double)L;
    double tau = tau_sokal(co, nc, q, L, mean, determined);
    /* tau < 1/2 (anticorrelated entries) would shrink the error below that of independent
     * draws; the error uses at least 1/2 */
    double teff = isnan(tau) || tau < 0.5 ? 0.5 : tau;
    zs_estimate r = {grand, sqrt(2.0 * teff * v / ((double)nc * (double)L)),
                     (double)nc * (double)L / (2.0 * teff)};
    *tau_sweeps = isnan(tau) ? tau : tau * (double)co[0].s.width;
    *rhat = rhat_split(co, nc, q, L);
    return r;
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
    double chains = (double)o->chains, threads = (double)zs_threads(m->ctx);
    double rounds = ceil(chains / (threads < chains ? threads : chains > 0 ? chains : 1.0));
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

/* The series buffers of every chain in one block: at most 65,536 entries a chain, fewer when
 * there are many chains (2^22 values in all), at least 64. */
static double *series_alloc(chain_out *co, uint64_t chains) {
    size_t cap = ((size_t)1 << 22) / (SERIES * (size_t)chains);
    cap = cap > 65536 ? 65536 : cap < 64 ? 64 : cap & ~(size_t)1;
    double *store = zs_malloc((size_t)chains * SERIES * cap * sizeof *store);
    if (!store) return NULL;
    for (uint64_t c = 0; c < chains; c++) {
        for (int q = 0; q < SERIES; q++) co[c].s.x[q] = store + ((size_t)c * SERIES + (size_t)q) * cap;
        co[c].s.cap = cap;
        co[c].s.width = 1;
    }
    return store;
}

/* The result from the chains: jackknife over the blocks for the fluctuations, the series for
 * the means with their tau and R-hat, and the verdict on mixing. */
static zs_status summarize(const zs_pairwise *m, const zs_pairwise_sample_opts *o,
                           const chain_out *co, zs_mcmc_result *out) {
    size_t nb = (size_t)o->chains * BLOCKS, nc = (size_t)o->chains, L = co[0].s.len;
    double per = (double)(o->sweeps / BLOCKS);
    double *x = zs_calloc(6 * nb, sizeof *x), *mean = zs_calloc(nc, sizeof *mean);
    if (!x || !mean) {
        free(x);
        free(mean);
        return zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory");
    }
    memset(out, 0, sizeof *out); /* padding too: equal runs compare equal byte for byte */
    double prop = 0, acc = 0, cl = 0, fl = 0;
    for (size_t c = 0; c < nc; c++) {
        for (size_t b = 0; b < BLOCKS; b++) {
            const block *bl = &co[c].b[b];
            double *row = x + (c * BLOCKS + b) * 6;
            row[0] = bl->e, row[1] = bl->e2, row[2] = bl->m, row[3] = bl->m2, row[4] = bl->am,
            row[5] = bl->m4;
        }
        prop += co[c].proposed;
        acc += co[c].accepted;
        cl += co[c].clusters;
        fl += co[c].flipped;
    }
    out->c = jackknife(x, nb, per, f_c, o->beta);
    out->chi = jackknife(x, nb, per, f_chi, o->beta);
    out->chi_abs = jackknife(x, nb, per, f_chi_abs, o->beta);
    out->binder = jackknife(x, nb, per, f_binder, o->beta);
    int d[SERIES];
    out->u = series_mean(co, nc, 0, L, mean, &out->tau_u, &out->rhat_u, &d[0]);
    out->m = series_mean(co, nc, 1, L, mean, &out->tau_m, &out->rhat_m, &d[1]);
    out->absm = series_mean(co, nc, 2, L, mean, &out->tau_absm, &out->rhat_absm, &d[2]);
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
    free(x);
    free(mean);
    return ZS_OK;
}

zs_status zs_pairwise_sample(const zs_pairwise *m, const zs_pairwise_sample_opts *opt,
                             zs_mcmc_result *out) {
    if (!m || !opt || !out) return ZS_EINVAL;
    zs_pairwise_sample_opts resolved;
    zs_status st = check_opts(m, opt, &resolved);
    if (st != ZS_OK) return st;
    const zs_pairwise_sample_opts *o = &resolved;
    uint32_t *order = zs_malloc(m->n * sizeof *order);
    chain_out *co = zs_calloc(o->chains, sizeof *co);
    double *store = order && co ? series_alloc(co, o->chains) : NULL;
    if (!store) {
        free(order);
        free(co);
        return zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory (series of %llu chains)",
                       (unsigned long long)o->chains);
    }
    sweep_order(m, order);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads(m->ctx))
    for (uint64_t c = 0; c < o->chains; c++)
        if (!run_chain(m, o, order, c, &co[c])) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
    st = failed ? zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory") : summarize(m, o, co, out);
    free(store);
    free(order);
    free(co);
    return st;
}
