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
 * Chain k runs on stream zs_rng_init(seed, k) from a random start, discards burnin sweeps,
 * then measures E and M after each sweep. Each chain's series is cut into 32 equal blocks
 * (binning: block means are nearly independent once a block is much longer than the
 * autocorrelation time); the blocks of all chains are pooled. Means and their errors come
 * from the block means; C = beta^2 Var(E) and chi = beta Var(M) from a jackknife over blocks.
 * Chains run in parallel (OpenMP) and are combined in chain order: the result does not
 * depend on the thread count. */
#include "models/pairwise_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 32

typedef struct block {
    double e, e2, m, m2, am; /* sums over the block's sweeps */
} block;

typedef struct chain_out {
    block b[BLOCKS];
    double proposed, accepted, clusters, flipped;
} chain_out;

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
    t->tab = malloc((size_t)(2 * kmax + 1) * sizeof *t->tab);
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
    int8_t *s = malloc(m->n);
    uint8_t *in = calloc(m->n, 1);
    uint32_t *stack = malloc(m->n * sizeof *stack);
    if (!s || !in || !stack) {
        free(s);
        free(in);
        free(stack);
        return 0;
    }
    memset(co, 0, sizeof *co);
    zs_rng rng;
    zs_rng_init(&rng, o->seed, chain);
    for (size_t i = 0; i < m->n; i++) s[i] = (zs_rng_next(&rng) >> 63) ? 1 : -1;
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
    }
    free(s);
    free(in);
    free(stack);
    free(tab.tab);
    return 1;
}

static zs_estimate mean_err(const double *x, size_t k) {
    double mu = 0.0, v = 0.0;
    for (size_t i = 0; i < k; i++) mu += x[i];
    mu /= (double)k;
    for (size_t i = 0; i < k; i++) v += (x[i] - mu) * (x[i] - mu);
    zs_estimate r = {mu, sqrt(v / ((double)k - 1.0) / (double)k), (double)NAN};
    return r;
}

/* Jackknife of f * (<x^2> - <x>^2) over k blocks of equal length. */
static zs_estimate jack_var(const double *sx, const double *sx2, size_t k, double per,
                            double f) {
    double tx = 0.0, tx2 = 0.0;
    for (size_t i = 0; i < k; i++) {
        tx += sx[i];
        tx2 += sx2[i];
    }
    double cnt = per * (double)k, mu = tx / cnt;
    double full = f * (tx2 / cnt - mu * mu);
    double mj = 0.0, vj = 0.0;
    double *est = malloc(k * sizeof *est);
    if (!est) {
        zs_estimate r = {full, (double)NAN, (double)NAN};
        return r;
    }
    for (size_t i = 0; i < k; i++) {
        double c = cnt - per, m1 = (tx - sx[i]) / c;
        est[i] = f * ((tx2 - sx2[i]) / c - m1 * m1);
        mj += est[i];
    }
    mj /= (double)k;
    for (size_t i = 0; i < k; i++) vj += (est[i] - mj) * (est[i] - mj);
    free(est);
    zs_estimate r = {full, sqrt(vj * ((double)k - 1.0) / (double)k), (double)NAN};
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

typedef struct mcmc_job {
    const zs_pairwise *m;
    const zs_pairwise_sample_opts *o;
    const uint32_t *order;
} mcmc_job;

/* One unit: chain c, its chain_out as the record's values (doubles, in struct order). */
static zs_status chain_unit(const void *job, uint64_t c, void *scratch, zs_unit_record *rec) {
    const mcmc_job *j = job;
    (void)scratch;
    chain_out co;
    if (!run_chain(j->m, j->o, j->order, c, &co))
        return zs_fail(j->m->ctx, ZS_ENOMEM, "sample: out of memory");
    _Static_assert(sizeof co == (BLOCKS * 5 + 4) * sizeof(double) &&
                       sizeof co <= sizeof rec->values, "a chain's record is its chain_out");
    rec->nvalues = (uint32_t)(sizeof co / sizeof(double));
    memcpy(rec->values, &co, sizeof co);
    return ZS_OK;
}

zs_status zs_pairwise_sample(const zs_pairwise *m, const zs_pairwise_sample_opts *opt,
                             zs_mcmc_result *out) {
    if (!m || !opt || !out) return ZS_EINVAL;
    if ((unsigned)opt->kind > (unsigned)ZS_MCMC_AUTO)
        return zs_fail(m->ctx, ZS_EINVAL, "sample: unknown kind %d", (int)opt->kind);
    /* AUTO (zsum/pairwise.h): Wolff where it applies, else Metropolis. */
    zs_pairwise_sample_opts resolved = *opt;
    if (resolved.kind == ZS_MCMC_AUTO) resolved.kind = m->ferro ? ZS_MCMC_WOLFF : ZS_MCMC_METROPOLIS;
    const zs_pairwise_sample_opts *o = &resolved;
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
    uint32_t *order = malloc(m->n * sizeof *order);
    chain_out *co = calloc(o->chains, sizeof *co);
    if (!order || !co) {
        free(order);
        free(co);
        return zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory");
    }
    size_t k = 0;
    if (m->lattice) {
        for (int parity = 0; parity < 2; parity++)
            for (size_t r = 0; r < m->rows; r++)
                for (size_t c = 0; c < m->cols; c++)
                    if ((int)((r + c) % 2) == parity) order[k++] = (uint32_t)(r * m->cols + c);
    } else {
        for (k = 0; k < m->n; k++) order[k] = (uint32_t)k;
    }
    /* Every chain (replica) is a work unit (lib/core/units.c): its record is its chain_out
     * (block sums and counts); the hash covers the model, the sweep order, the kind, beta,
     * sweeps, burn-in, chains and seed. */
    zs_unit_record *recs = malloc(o->chains * sizeof *recs);
    if (!recs) {
        free(order);
        free(co);
        return zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory");
    }
    uint64_t h = units_hash_begin("pairwise sample");
    h = units_hash_u64(h, m->n);
    h = units_hash_doubles(h, m->h, m->n);
    h = units_hash_u64(h, m->nb);
    for (size_t b = 0; b < m->nb; b++) {
        h = units_hash_u64(h, ((uint64_t)m->bi[b] << 32) | m->bj[b]);
        h = units_hash_double(h, m->bJ[b]);
    }
    h = units_hash_double(h, m->offset);
    h = units_hash_u64(h, m->lattice ? (uint64_t)m->rows << 32 | m->cols : 0);
    h = units_hash_u64(h, (uint64_t)o->kind);
    h = units_hash_double(h, o->beta);
    h = units_hash_u64(units_hash_u64(h, o->sweeps), o->burnin);
    h = units_hash_u64(units_hash_u64(h, o->chains), o->seed);
    mcmc_job mj = {m, o, order};
    units_job job = {m->ctx, "sample", "sample", h, o->chains, chain_unit, &mj, NULL, NULL, 0};
    zs_status ust = units_exec(&job, recs);
    if (ust == ZS_OK)
        for (uint64_t c = 0; c < o->chains; c++) memcpy(&co[c], recs[c].values, sizeof co[c]);
    free(recs);
    if (ust != ZS_OK) {
        free(order);
        free(co);
        return ust;
    }
    int failed = 0;
    zs_status st = ZS_OK;
    if (failed) {
        st = zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory");
    } else {
        size_t nb = (size_t)o->chains * BLOCKS;
        double per = (double)(o->sweeps / BLOCKS);
        double *x = calloc(5 * nb, sizeof *x);
        if (!x) {
            st = zs_fail(m->ctx, ZS_ENOMEM, "sample: out of memory");
        } else {
            memset(out, 0, sizeof *out); /* padding too: equal runs compare equal byte for byte */
            double *se = x, *se2 = x + nb, *sm = x + 2 * nb, *sm2 = x + 3 * nb, *sa = x + 4 * nb;
            double prop = 0, acc = 0, cl = 0, fl = 0;
            for (uint64_t c = 0; c < o->chains; c++) {
                for (size_t b = 0; b < BLOCKS; b++) {
                    size_t i = (size_t)c * BLOCKS + b;
                    se[i] = co[c].b[b].e;
                    se2[i] = co[c].b[b].e2;
                    sm[i] = co[c].b[b].m;
                    sm2[i] = co[c].b[b].m2;
                    sa[i] = co[c].b[b].am;
                }
                prop += co[c].proposed;
                acc += co[c].accepted;
                cl += co[c].clusters;
                fl += co[c].flipped;
            }
            out->c = jack_var(se, se2, nb, per, o->beta * o->beta);
            out->chi = jack_var(sm, sm2, nb, per, o->beta);
            for (size_t i = 0; i < nb; i++) {
                se[i] /= per;
                sm[i] /= per;
                sa[i] /= per;
            }
            out->u = mean_err(se, nb);
            out->m = mean_err(sm, nb);
            out->absm = mean_err(sa, nb);
            out->kind = o->kind;
            out->acceptance = o->kind == ZS_MCMC_WOLFF ? 1.0 : acc / prop;
            out->mean_cluster = o->kind == ZS_MCMC_WOLFF && cl > 0 ? fl / cl : 0.0;
            free(x);
        }
    }
    free(order);
    free(co);
    return st;
}
