/* bm_train.c — learning a fully visible Boltzmann machine by the likelihood gradient
 * <x_i x_j>_data - <x_i x_j>_model (Ackley, Hinton & Sejnowski 1985), the model's term exact,
 * from persistent Gibbs chains (Tieleman 2008) or from the naive mean field (Peterson &
 * Anderson 1987), with the update of the DBM trainer (lib/learn/dbm_train.c: momentum, weight
 * decay, lr decay) (zsum/bm.h). The figures of an epoch: lib/exact/bm_monitor.c.
 *
 * Determinism: every random draw comes from a stream zs_rng(seed, id) whose id names what it is
 * for (epoch, batch, chain); chains run in parallel into their own states, and every sum over
 * rows or chains runs in order inside one output element, so the result does not depend on the
 * number of threads. */
#include "learn/bm_train_internal.h"
#include "learn/rbm_train_internal.h"

#include <omp.h>
#include <string.h>

/* Stream ids: disjoint ranges by their top bits (those of dbm_train.c, for another model). */
#define ID_ORDER (1ULL << 62)
#define ID_GIBBS (1ULL << 61)
#define ID_INIT (1ULL << 60)

/* Loops of fewer operations than this run on one thread: below it, starting the threads costs
 * more than the loop (the results are the same either way). */
#define PAR_MIN 1000000.0

struct zs_bm_trainer {
    zs_ctx *ctx;
    zs_bm_train_opts o;        /* negative: AUTO resolved                               */
    size_t u, n;               /* units, rows                                           */
    uint8_t *data;             /* (n, u)                                                */
    double *w, *b, *vw, *vb;   /* parameters and velocities                             */
    double *pw, *pb;           /* the parameters of the epoch before                     */
    double *pos, *neg;         /* (u, u) the batch's and the model's moments (diagonal:
                                  the means)                                            */
    uint8_t *chains;           /* (chains, u)                                           */
    double *mfq;               /* (u) the model's mean field                             */
    size_t *perm;
    uint64_t epoch;
    int threads;
};

static double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }

void zs_bm_train_defaults(zs_bm_train_opts *o) {
    memset(o, 0, sizeof *o);
    o->negative = ZS_BM_NEGATIVE_AUTO;
    o->batch = 100;
    o->lr = 0.01;
    o->momentum = 0.9;
    o->weight_decay = 0.0002;
    o->chains = 100;
    o->gibbs_steps = 5;
    o->mf_iterations = 10;
    o->mf_tolerance = 1e-7;
    o->seed = 1;
}

void zs_bm_trainer_free(zs_bm_trainer *t) {
    if (!t) return;
    free(t->data);
    free(t->w);
    free(t->b);
    free(t->vw);
    free(t->vb);
    free(t->pw);
    free(t->pb);
    free(t->pos);
    free(t->neg);
    free(t->chains);
    free(t->mfq);
    free(t->perm);
    free(t);
}

static zs_status check_opts(zs_ctx *ctx, size_t units, const zs_bm_train_opts *o, size_t n) {
    if (units == 0 || n == 0 || o->batch == 0 || o->chains == 0 || o->gibbs_steps == 0 ||
        o->mf_iterations == 0 || !(o->lr > 0) || !isfinite(o->lr) || !(o->lr_decay >= 0) ||
        !isfinite(o->lr_decay) || !(o->momentum >= 0 && o->momentum < 1) || !(o->weight_decay >= 0) ||
        !isfinite(o->weight_decay) || !(o->mf_tolerance >= 0) || !isfinite(o->mf_tolerance))
        return zs_fail(ctx, ZS_EINVAL, "training: bad options (units %zu, rows %zu, batch %zu, chains %zu, "
                       "gibbs steps %zu, mf iterations %zu, lr %g, lr decay %g, momentum %g, weight decay "
                       "%g, mf tolerance %g)", units, n, o->batch, o->chains, o->gibbs_steps,
                       o->mf_iterations, o->lr, o->lr_decay, o->momentum, o->weight_decay, o->mf_tolerance);
    if ((unsigned)o->negative > (unsigned)ZS_BM_NEGATIVE_AUTO)
        return zs_fail(ctx, ZS_EINVAL, "training: unknown negative phase %d", (int)o->negative);
    if (o->negative == ZS_BM_NEGATIVE_EXACT && units > ZS_BM_NEGATIVE_EXACT_MAX) {
        const size_t B = o->batch < n ? o->batch : n;
        const double per = zs_bm_moments_seconds(ctx, units), ups = ceil((double)n / (double)B);
        return zs_fail(ctx, ZS_ETOOBIG, "training: the exact negative phase enumerates 2^%zu states at "
                       "each of %.0f updates an epoch, about %.3g s an epoch on %d threads; at most %d "
                       "units are allowed (use the persistent or mean-field negative phase)", units, ups,
                       per * ups, zs_bm_moments_threads(ctx, units), ZS_BM_NEGATIVE_EXACT_MAX);
    }
    return ZS_OK;
}

/* W and b: the given start (checked as zs_bm_moments_exact checks), or W = 0 and the data's
 * log-odds. */
static zs_status start_params(zs_bm_trainer *t, const double *w, const double *b) {
    const size_t u = t->u;
    if (!w && !b) {
        zs_status st = zs_data_base_rate(t->data, t->n, u, 1.0, t->b);
        if (st != ZS_OK) return zs_fail(t->ctx, st, "training: the data's frequencies");
        for (size_t i = 0; i < u; i++) t->b[i] = log(t->b[i]) - log1p(-t->b[i]);
        return ZS_OK;
    }
    if (w) memcpy(t->w, w, u * u * sizeof *w);
    if (b) memcpy(t->b, b, u * sizeof *b);
    for (size_t i = 0; i < u; i++) {
        if (!isfinite(t->b[i])) return zs_fail(t->ctx, ZS_EINVAL, "b: entry %zu = %g is not finite", i, t->b[i]);
        if (t->w[i * u + i] != 0.0)
            return zs_fail(t->ctx, ZS_EINVAL, "W: diagonal entry (%zu, %zu) = %g is not 0", i, i, t->w[i * u + i]);
        for (size_t j = i + 1; j < u; j++)
            if (!isfinite(t->w[i * u + j]) || t->w[i * u + j] != t->w[j * u + i])
                return zs_fail(t->ctx, ZS_EINVAL, "W: entry (%zu, %zu) = %g but (%zu, %zu) = %g (finite and "
                               "symmetric needed)", i, j, t->w[i * u + j], j, i, t->w[j * u + i]);
    }
    return ZS_OK;
}

zs_status zs_bm_trainer_alloc(zs_ctx *ctx, size_t units, const double *w, const double *b,
                              const zs_bm_train_opts *o, const uint8_t *data, size_t n,
                              zs_bm_trainer **out) {
    if (!o || !data || !out) return zs_fail(ctx, ZS_EINVAL, "training: NULL argument");
    zs_status st = check_opts(ctx, units, o, n);
    if (st != ZS_OK) return st;
    if (units > ZS_PAIRWISE_DENSE_MAX || n > SIZE_MAX / units)
        return zs_fail(ctx, ZS_ETOOBIG, "training: %zu units and %zu rows do not fit in memory", units, n);
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < units; i++)
            if (data[r * units + i] > 1)
                return zs_fail(ctx, ZS_EINVAL, "row %zu, column %zu: %u is not 0 or 1", r + 1, i + 1,
                               data[r * units + i]);
    zs_bm_trainer *t = zs_calloc(1, sizeof *t);
    if (!t) return zs_fail(ctx, ZS_ENOMEM, "training: out of memory");
    const size_t u = units, uu = units * units;
    t->ctx = ctx;
    t->o = *o;
    if (t->o.negative == ZS_BM_NEGATIVE_AUTO) t->o.negative = ZS_BM_NEGATIVE_PERSISTENT;
    t->u = u;
    t->n = n;
    t->threads = zs_threads_for(ctx, SIZE_MAX); /* no more threads than processors */
    t->data = zs_malloc(n * u);
    t->w = zs_calloc(uu, sizeof(double));
    t->b = zs_calloc(u, sizeof(double));
    t->vw = zs_calloc(uu, sizeof(double));
    t->vb = zs_calloc(u, sizeof(double));
    t->pw = zs_malloc(uu * sizeof(double));
    t->pb = zs_malloc(u * sizeof(double));
    t->pos = zs_malloc(uu * sizeof(double));
    t->neg = zs_malloc(uu * sizeof(double));
    t->chains = o->chains <= SIZE_MAX / u ? zs_malloc(o->chains * u) : NULL;
    t->mfq = zs_malloc(u * sizeof(double));
    t->perm = zs_malloc(n * sizeof(size_t));
    if (!t->data || !t->w || !t->b || !t->vw || !t->vb || !t->pw || !t->pb || !t->pos || !t->neg ||
        !t->chains || !t->mfq || !t->perm) {
        zs_bm_trainer_free(t);
        return zs_fail(ctx, ZS_ENOMEM, "training: out of memory");
    }
    memcpy(t->data, data, n * u);
    st = start_params(t, w, b);
    if (st != ZS_OK) {
        zs_bm_trainer_free(t);
        return st;
    }
    for (size_t i = 0; i < u; i++) t->mfq[i] = sigmoid(t->b[i]);
    for (size_t c = 0; c < o->chains; c++) {
        zs_rng r;
        zs_rng_init(&r, o->seed, ID_INIT + c);
        for (size_t i = 0; i < u; i++) t->chains[c * u + i] = (uint8_t)(zs_rng_next(&r) >> 63);
    }
    *out = t;
    return ZS_OK;
}

uint64_t zs_bm_trainer_epochs_done(const zs_bm_trainer *t) { return t ? t->epoch : 0; }
size_t zs_bm_trainer_units(const zs_bm_trainer *t) { return t ? t->u : 0; }

void zs_bm_trainer_get(const zs_bm_trainer *t, double *w, double *b) {
    if (!t) return;
    if (w) memcpy(w, t->w, t->u * t->u * sizeof *w);
    if (b) memcpy(b, t->b, t->u * sizeof *b);
}

void bm_trainer_state(const zs_bm_trainer *t, bm_trainer_view *v) {
    *v = (bm_trainer_view){t->ctx, t->u, &t->o, t->w, t->b, t->vw, t->vb, t->chains, t->mfq, t->epoch};
}

void bm_trainer_set_epoch(zs_bm_trainer *t, uint64_t epoch) { t->epoch = epoch; }

/* The model's moments from the persistent chains, each advanced gibbs_steps sweeps of
 * single-unit heat-bath updates x_i ~ Bernoulli(sigmoid(b_i + sum_j W_ij x_j)) in index order. */
static void neg_persistent(zs_bm_trainer *t, uint64_t update) {
    const size_t u = t->u, M = t->o.chains;
    const int par = (double)M * (double)t->o.gibbs_steps * (double)(u * u) >= PAR_MIN;
#pragma omp parallel for schedule(static) num_threads(t->threads) if (par)
    for (size_t c = 0; c < M; c++) {
        uint8_t *x = t->chains + c * u;
        zs_rng r;
        zs_rng_init(&r, t->o.seed, ID_GIBBS + update * (uint64_t)M + c);
        for (size_t s = 0; s < t->o.gibbs_steps; s++)
            for (size_t i = 0; i < u; i++) {
                double f = t->b[i];
                const double *wi = t->w + i * u;
                for (size_t j = 0; j < u; j++)
                    if (x[j]) f += wi[j];
                x[i] = (uint8_t)(zs_rng_uniform(&r) < sigmoid(f));
            }
    }
    const double im = 1.0 / (double)M;
#pragma omp parallel for schedule(static) num_threads(t->threads) if ((double)M * (double)(u * u) >= PAR_MIN)
    for (size_t i = 0; i < u; i++) {
        double *row = t->neg + i * u;
        memset(row, 0, u * sizeof *row);
        for (size_t c = 0; c < M; c++) {
            const uint8_t *x = t->chains + c * u;
            if (!x[i]) continue;
            for (size_t j = 0; j < u; j++) row[j] += x[j];
        }
        for (size_t j = 0; j < u; j++) row[j] *= im;
    }
}

/* The model's naive mean field, continued from the last update: sweeps of mu_i = sigmoid(b_i +
 * sum_j W_ij mu_j) in index order (each maximizes the mean-field bound over mu_i), until no mu
 * moves by more than mf_tolerance or mf_iterations sweeps; <x_i x_j> ~ mu_i mu_j. */
static void neg_mean_field(zs_bm_trainer *t) {
    const size_t u = t->u;
    double *mu = t->mfq;
    for (size_t it = 0; it < t->o.mf_iterations; it++) {
        double moved = 0.0;
        for (size_t i = 0; i < u; i++) {
            double f = t->b[i];
            for (size_t j = 0; j < u; j++) f += t->w[i * u + j] * mu[j];
            const double m = sigmoid(f);
            if (fabs(m - mu[i]) > moved) moved = fabs(m - mu[i]);
            mu[i] = m;
        }
        if (moved <= t->o.mf_tolerance) break;
    }
    for (size_t i = 0; i < u; i++)
        for (size_t j = 0; j < u; j++) t->neg[i * u + j] = i == j ? mu[i] : mu[i] * mu[j];
}

/* The batch's moments: pos[i][j] = mean over its rows of x_i x_j, summed in row order. */
static void batch_moments(zs_bm_trainer *t, size_t r0, size_t bs) {
    const size_t u = t->u;
#pragma omp parallel for schedule(static) num_threads(t->threads) if ((double)bs * (double)(u * u) >= PAR_MIN)
    for (size_t i = 0; i < u; i++) {
        double *row = t->pos + i * u;
        memset(row, 0, u * sizeof *row);
        for (size_t q = 0; q < bs; q++) {
            const uint8_t *x = t->data + t->perm[r0 + q] * u;
            if (!x[i]) continue;
            for (size_t j = 0; j < u; j++) row[j] += x[j];
        }
        for (size_t j = 0; j < u; j++) row[j] /= (double)bs;
    }
}

/* velocity = mom velocity + lr (pos - neg - decay W) for W (off the diagonal) and b. */
static void update(zs_bm_trainer *t, double lr, double mom) {
    const size_t u = t->u;
    const double wd = t->o.weight_decay;
    for (size_t i = 0; i < u; i++) {
        t->vb[i] = mom * t->vb[i] + lr * (t->pos[i * u + i] - t->neg[i * u + i]);
        t->b[i] += t->vb[i];
        for (size_t j = i + 1; j < u; j++) {
            /* the upper triangle's entry, mirrored, so W stays exactly symmetric */
            double *v = &t->vw[i * u + j];
            *v = mom * *v + lr * ((t->pos[i * u + j] - t->neg[i * u + j]) - wd * t->w[i * u + j]);
            t->w[i * u + j] += *v;
            t->vw[j * u + i] = *v;
            t->w[j * u + i] = t->w[i * u + j];
        }
    }
}

static int params_finite(const zs_bm_trainer *t) {
    for (size_t k = 0; k < t->u * t->u; k++)
        if (!isfinite(t->w[k])) return 0;
    for (size_t i = 0; i < t->u; i++)
        if (!isfinite(t->b[i])) return 0;
    return 1;
}

zs_status zs_bm_trainer_epoch(zs_bm_trainer *t) {
    if (!t) return ZS_EINVAL;
    const zs_bm_train_opts *o = &t->o;
    const size_t n = t->n, u = t->u, B = o->batch < n ? o->batch : n, nb = (n + B - 1) / B;
    const double lr = o->lr / (1.0 + o->lr_decay * (double)t->epoch);
    const double mom = t->epoch < 5 && o->momentum > 0.5 ? 0.5 : o->momentum;
    memcpy(t->pw, t->w, u * u * sizeof(double));
    memcpy(t->pb, t->b, u * sizeof(double));
    /* the velocities, chains and mean field of the epoch before, for a failed epoch */
    double *keep = zs_malloc((2 * u * u + 2 * u) * sizeof(double));
    uint8_t *keep_chains = zs_malloc(o->chains * u);
    if (!keep || !keep_chains) {
        free(keep);
        free(keep_chains);
        return zs_fail(t->ctx, ZS_ENOMEM, "training: out of memory");
    }
    memcpy(keep, t->vw, u * u * sizeof(double));
    memcpy(keep + u * u, t->vb, u * sizeof(double));
    memcpy(keep + u * u + u, t->mfq, u * sizeof(double));
    memcpy(keep_chains, t->chains, o->chains * u);
    learn_shuffle(t->perm, n, o->seed, ID_ORDER + t->epoch);
    zs_status st = ZS_OK;
    for (size_t bt = 0; bt < nb && st == ZS_OK; bt++) {
        const size_t r0 = bt * B, bs = r0 + B <= n ? B : n - r0;
        batch_moments(t, r0, bs);
        if (o->negative == ZS_BM_NEGATIVE_PERSISTENT) neg_persistent(t, t->epoch * (uint64_t)nb + bt);
        else if (o->negative == ZS_BM_NEGATIVE_MEAN_FIELD) neg_mean_field(t);
        else st = zs_bm_moments_exact(t->ctx, u, t->w, t->b, t->neg, NULL);
        if (st != ZS_OK) break;
        update(t, lr, mom);
        if (!params_finite(t))
            st = zs_fail(t->ctx, ZS_ENUMERIC, "training diverged in epoch %llu (a parameter is not "
                         "finite); the parameters of the epoch before are kept; lower the learning rate",
                         (unsigned long long)t->epoch + 1);
        else if (zs_progress(t->ctx, "training", (double)(bt + 1), (double)nb))
            st = zs_fail(t->ctx, ZS_ECANCELLED, "training: cancelled");
    }
    if (st != ZS_OK) {
        memcpy(t->w, t->pw, u * u * sizeof(double));
        memcpy(t->b, t->pb, u * sizeof(double));
        memcpy(t->vw, keep, u * u * sizeof(double));
        memcpy(t->vb, keep + u * u, u * sizeof(double));
        memcpy(t->mfq, keep + u * u + u, u * sizeof(double));
        memcpy(t->chains, keep_chains, o->chains * u);
    } else {
        t->epoch++;
    }
    free(keep);
    free(keep_chains);
    return st;
}
