/* dbm_train.c — training a deep Boltzmann machine as Salakhutdinov & Hinton do ("Deep Boltzmann
 * machines", AISTATS 2009; "An efficient learning procedure for deep Boltzmann machines",
 * Neural Computation 24, 2012): greedy pretraining with modified RBMs, then joint training
 * with a mean-field positive phase and persistent Gibbs chains (zsum/dbm.h).
 *
 * Determinism: every random draw comes from a stream zs_rng(seed, id) whose id names what it
 * is for (layer, epoch, batch, row or chain); rows and chains run in parallel into their own
 * buffers, and every sum over rows or chains runs in row order inside one output element, so
 * the result does not depend on the number of threads. */
#include "learn/dbm_train_internal.h"
#include "learn/rbm_train_internal.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

/* Stream ids: disjoint ranges by their top bits. */
#define ID_ORDER (1ULL << 62)
#define ID_GIBBS (1ULL << 61)
#define ID_INIT (1ULL << 60)
#define ID_PRE (1ULL << 59)

/* ---- pretraining ----------------------------------------------------------------------------- */

void zs_dbm_pretrain_defaults(zs_dbm_pretrain_opts *o) {
    memset(o, 0, sizeof *o);
    o->epochs = 10;
    o->batch = 100;
    o->lr = 0.05;
    o->momentum = 0.9;
    o->weight_decay = 0.0002;
    o->init_std = 0.01;
    o->seed = 1;
}

/* One modified RBM by CD-1: hidden units see fu W^T v + b, visible units fd W h + a. in: n x nv
 * bytes. W (nv, nh), a, b are set (initialized here). Reconstructions are probabilities
 * (Hinton 2010, "A practical guide", sec. 3). */
static zs_status pre_rbm(zs_ctx *ctx, const zs_dbm_pretrain_opts *o, size_t layer, const uint8_t *in,
                         size_t n, size_t nv, size_t nh, double fu, double fd, double *w, double *a,
                         double *b) {
    const size_t B = o->batch < n ? o->batch : n;
    zs_rng init;
    zs_rng_init(&init, o->seed, ID_PRE + (layer << 48) + 0xffffffffULL);
    for (size_t k = 0; k < nv * nh; k++) w[k] = o->init_std * zs_rng_normal(&init);
    zs_data_base_rate(in, n, nv, 1.0, a);
    for (size_t i = 0; i < nv; i++) a[i] = log(a[i]) - log1p(-a[i]);
    memset(b, 0, nh * sizeof *b);
    size_t *perm = zs_malloc(n * sizeof *perm);
    double *buf = zs_malloc(B * (2 * nv + 2 * nh) * sizeof *buf);
    double *vw = zs_calloc(nv * nh, sizeof *vw), *va = zs_calloc(nv, sizeof *va), *vb = zs_calloc(nh, sizeof *vb);
    zs_status st = ZS_OK;
    if (!perm || !buf || !vw || !va || !vb) st = zs_fail(ctx, ZS_ENOMEM, "pretraining: out of memory");
    double *v0 = buf, *h0 = buf ? buf + B * nv : NULL, *v1 = buf ? h0 + B * nh : NULL, *h1 = buf ? v1 + B * nv : NULL;
    for (size_t e = 0; st == ZS_OK && e < o->epochs; e++) {
        learn_shuffle(perm, n, o->seed, ID_ORDER + (layer << 48) + e);
        const double mom = e < 5 && o->momentum > 0.5 ? 0.5 : o->momentum;
        for (size_t r0 = 0; r0 < n; r0 += B) {
            const size_t bs = r0 + B <= n ? B : n - r0;
#pragma omp parallel for schedule(static) num_threads(zs_threads(ctx))
            for (size_t q = 0; q < bs; q++) {
                const uint8_t *row = in + perm[r0 + q] * nv;
                double *x0 = v0 + q * nv, *p0 = h0 + q * nh, *x1 = v1 + q * nv, *p1 = h1 + q * nh;
                zs_rng r;
                zs_rng_init(&r, o->seed, ID_PRE + (layer << 48) + ((uint64_t)e << 32) + r0 + q);
                for (size_t i = 0; i < nv; i++) x0[i] = row[i];
                for (size_t j = 0; j < nh; j++) p0[j] = b[j];
                for (size_t i = 0; i < nv; i++)
                    if (row[i])
                        for (size_t j = 0; j < nh; j++) p0[j] += fu * w[i * nh + j];
                for (size_t j = 0; j < nh; j++) p0[j] = dbm_sigmoid(p0[j]);
                double *hs = p1; /* scratch: the binary hidden sample */
                for (size_t j = 0; j < nh; j++) hs[j] = zs_rng_uniform(&r) < p0[j] ? 1.0 : 0.0;
                for (size_t i = 0; i < nv; i++) {
                    double s = a[i];
                    for (size_t j = 0; j < nh; j++) s += fd * w[i * nh + j] * hs[j];
                    x1[i] = dbm_sigmoid(s);
                }
                for (size_t j = 0; j < nh; j++) {
                    double s = b[j];
                    for (size_t i = 0; i < nv; i++) s += fu * w[i * nh + j] * x1[i];
                    p1[j] = dbm_sigmoid(s);
                }
            }
            const double inv = 1.0 / (double)bs;
#pragma omp parallel for schedule(static) num_threads(zs_threads(ctx))
            for (size_t i = 0; i < nv; i++) {
                for (size_t j = 0; j < nh; j++) {
                    double g = 0.0;
                    for (size_t q = 0; q < bs; q++)
                        g += v0[q * nv + i] * h0[q * nh + j] - v1[q * nv + i] * h1[q * nh + j];
                    double *vel = &vw[i * nh + j];
                    *vel = mom * *vel + o->lr * (g * inv - o->weight_decay * w[i * nh + j]);
                    w[i * nh + j] += *vel;
                }
                double g = 0.0;
                for (size_t q = 0; q < bs; q++) g += v0[q * nv + i] - v1[q * nv + i];
                va[i] = mom * va[i] + o->lr * g * inv;
                a[i] += va[i];
            }
            for (size_t j = 0; j < nh; j++) {
                double g = 0.0;
                for (size_t q = 0; q < bs; q++) g += h0[q * nh + j] - h1[q * nh + j];
                vb[j] = mom * vb[j] + o->lr * g * inv;
                b[j] += vb[j];
            }
        }
        for (size_t k = 0; k < nv * nh && st == ZS_OK; k++)
            if (!isfinite(w[k]))
                st = zs_fail(ctx, ZS_ENUMERIC, "pretraining RBM %zu diverged in epoch %zu (a weight "
                             "is not finite); lower the learning rate", layer, e + 1);
        if (st == ZS_OK && zs_progress(ctx, "pretraining", (double)(e + 1), (double)o->epochs))
            st = zs_fail(ctx, ZS_ECANCELLED, "pretraining: cancelled");
    }
    free(perm);
    free(buf);
    free(vw);
    free(va);
    free(vb);
    return st;
}

zs_status zs_dbm_pretrain(zs_dbm *d, const zs_dbm_pretrain_opts *o, const uint8_t *data, size_t n) {
    if (!d || !o || !data) return ZS_EINVAL;
    if (n == 0 || o->epochs == 0 || o->batch == 0 || !(o->lr > 0) || !(o->momentum >= 0 && o->momentum < 1) ||
        !(o->weight_decay >= 0) || !(o->init_std >= 0) || !isfinite(o->lr) || !isfinite(o->init_std))
        return zs_fail(d->ctx, ZS_EINVAL, "pretraining: bad options (rows %zu, epochs %zu, batch %zu, "
                       "lr %g, momentum %g, weight decay %g, init std %g)", n, o->epochs, o->batch,
                       o->lr, o->momentum, o->weight_decay, o->init_std);
    zs_status st = dbm_check_rows(d->ctx, data, n, d->n[0]);
    if (st != ZS_OK) return st;
    const size_t L = d->L;
    uint8_t *in = zs_malloc(n * d->n[0]), *next = NULL;
    /* The weights are trained in copies and set only when every layer is done, so that a
     * failure (memory, divergence, cancellation) leaves the model as it was. */
    double *a[ZS_DBM_MAX_LAYERS + 1] = {NULL}, *b[ZS_DBM_MAX_LAYERS + 1] = {NULL};
    double *wl[ZS_DBM_MAX_LAYERS + 1] = {NULL};
    if (!in) return zs_fail(d->ctx, ZS_ENOMEM, "pretraining: out of memory");
    memcpy(in, data, n * d->n[0]);
    for (size_t l = 1; st == ZS_OK && l <= L; l++) {
        size_t nv = d->n[l - 1], nh = d->n[l];
        double fu = L == 1 ? 1.0 : l == L ? 1.0 : 2.0, fd = L == 1 ? 1.0 : l == 1 ? 1.0 : 2.0;
        a[l] = zs_malloc(nv * sizeof(double));
        b[l] = zs_malloc(nh * sizeof(double));
        wl[l] = zs_malloc(nv * nh * sizeof(double));
        if (!a[l] || !b[l] || !wl[l]) {
            st = zs_fail(d->ctx, ZS_ENOMEM, "pretraining: out of memory");
            break;
        }
        st = pre_rbm(d->ctx, o, l, in, n, nv, nh, fu, fd, wl[l], a[l], b[l]);
        if (st != ZS_OK || l == L) break;
        /* the next RBM's data: h ~ p(h | v) with the up-weights fu W */
        next = zs_malloc(n * nh);
        if (!next) {
            st = zs_fail(d->ctx, ZS_ENOMEM, "pretraining: out of memory");
            break;
        }
        const double *w = wl[l];
#pragma omp parallel for schedule(static) num_threads(zs_threads(d->ctx))
        for (size_t r = 0; r < n; r++) {
            zs_rng g;
            zs_rng_init(&g, o->seed, ID_PRE + (l << 48) + 0x80000000ULL + r);
            for (size_t j = 0; j < nh; j++) {
                double s = b[l][j];
                for (size_t i = 0; i < nv; i++)
                    if (in[r * nv + i]) s += fu * w[i * nh + j];
                next[r * nh + j] = (uint8_t)(zs_rng_uniform(&g) < dbm_sigmoid(s));
            }
        }
        free(in);
        in = next;
        next = NULL;
    }
    if (st == ZS_OK) {
        for (size_t l = 1; l <= L; l++) memcpy(d->w[l], wl[l], d->n[l - 1] * d->n[l] * sizeof(double));
        memcpy(d->b[0], a[1], d->n[0] * sizeof(double));
        memcpy(d->b[L], b[L], d->n[L] * sizeof(double));
        for (size_t l = 1; l < L; l++)
            for (size_t j = 0; j < d->n[l]; j++) d->b[l][j] = 0.5 * (b[l][j] + a[l + 1][j]);
    }
    for (size_t l = 0; l <= L; l++) {
        free(a[l]);
        free(b[l]);
        free(wl[l]);
    }
    free(in);
    return st;
}

/* ---- joint training ---------------------------------------------------------------------- */

struct zs_dbm_trainer {
    zs_ctx *ctx;
    zs_dbm *m, *prev;
    zs_dbm_train_opts o;
    uint8_t *data;
    size_t n, units, widest;
    size_t off[ZS_DBM_MAX_LAYERS + 2];   /* layer l's first unit in a concatenated state     */
    double *vw[ZS_DBM_MAX_LAYERS + 1], *vb[ZS_DBM_MAX_LAYERS + 1];
    uint8_t *chains;                     /* (chains, units)                                 */
    double *mfq;                         /* (units) the model's mean field (MEAN_FIELD)      */
    double *sq;                          /* (units) hidden units' running mean activation    */
    double *pm;                          /* (units) the batch's mean of the mean field       */
    double *nw[ZS_DBM_MAX_LAYERS + 1];   /* the model's statistics <h^{l-1} h^lT> and <h^l>  */
    double *nb[ZS_DBM_MAX_LAYERS + 1];
    zs_dbm_negative neg;                 /* AUTO resolved                                   */
    double *mu;                          /* (batch, units) mean-field means                 */
    double *xf;                          /* (batch, units) their fields                     */
    double *bnd;                         /* (batch) the rows' bounds B(v)                    */
    double *scratch;                     /* (threads, 2 * widest + 1)                      */
    uint32_t *on;                        /* (threads, widest) a chain's on units of a layer */
    size_t *perm;
    double *snap;                        /* the state below, as it was at the epoch's start */
    uint8_t *snap_chains;
    uint64_t epoch;
    int threads;
};

void zs_dbm_train_defaults(zs_dbm_train_opts *o) {
    memset(o, 0, sizeof *o);
    o->batch = 100;
    o->lr = 0.001;
    o->lr_decay = 0.0;
    o->momentum = 0.9;
    o->weight_decay = 0.0002;
    o->chains = 100;
    o->gibbs_steps = 5;
    o->mf_iterations = 10;
    o->mf_tolerance = 1e-7;
    o->seed = 1;
    o->lr_divisor = 1.0;
    o->lr_min = 0.0;
    o->sparsity_cost = 0.0;
    o->sparsity_damping = 0.9;
    for (size_t l = 0; l <= ZS_DBM_MAX_LAYERS; l++) o->sparsity_target[l] = 0.1;
}

void zs_dbm_trainer_free(zs_dbm_trainer *t) {
    if (!t) return;
    zs_dbm_free(t->m);
    zs_dbm_free(t->prev);
    for (size_t l = 0; l <= ZS_DBM_MAX_LAYERS; l++) {
        free(t->vw[l]);
        free(t->vb[l]);
        free(t->nw[l]);
        free(t->nb[l]);
    }
    free(t->mfq);
    free(t->sq);
    free(t->pm);
    free(t->data);
    free(t->chains);
    free(t->mu);
    free(t->xf);
    free(t->bnd);
    free(t->scratch);
    free(t->on);
    free(t->perm);
    free(t->snap);
    free(t->snap_chains);
    free(t);
}

/* What an epoch changes besides the parameters: the velocities, the persistent chains, the
 * model's mean field and the running mean activations. They are copied at the epoch's start
 * and put back when it is cancelled or diverges, with the parameters, so that a failed epoch
 * leaves the trainer exactly as it was and the next call runs the same epoch again (the
 * momentum of a half-done epoch would otherwise carry into it). */
static size_t snap_size(const zs_dbm_trainer *t) {
    const zs_dbm *d = t->m;
    size_t k = 2 * t->units;
    for (size_t l = 0; l <= d->L; l++) k += d->n[l] + (l ? d->n[l - 1] * d->n[l] : 0);
    return k;
}

static double *snap_move(double *s, double *x, size_t k, int back) {
    if (back) memcpy(x, s, k * sizeof *s);
    else memcpy(s, x, k * sizeof *s);
    return s + k;
}

/* back = 0: copy the state into the snapshot; back = 1: restore it. */
static void snap_state(zs_dbm_trainer *t, int back) {
    const zs_dbm *d = t->m;
    double *s = t->snap;
    for (size_t l = 0; l <= d->L; l++) {
        s = snap_move(s, t->vb[l], d->n[l], back);
        if (l) s = snap_move(s, t->vw[l], d->n[l - 1] * d->n[l], back);
    }
    s = snap_move(s, t->mfq, t->units, back);
    snap_move(s, t->sq, t->units, back);
    const size_t kc = t->o.chains * t->units;
    if (back) memcpy(t->chains, t->snap_chains, kc);
    else memcpy(t->snap_chains, t->chains, kc);
}

/* The parameters of src into dst, of the same shape. */
static void copy_dbm(const zs_dbm *src, zs_dbm *dst) {
    for (size_t l = 0; l <= src->L; l++) {
        memcpy(dst->b[l], src->b[l], src->n[l] * sizeof(double));
        if (l) memcpy(dst->w[l], src->w[l], src->n[l - 1] * src->n[l] * sizeof(double));
    }
}

/* The learning-rate schedule and the sparsity options: ZS_OK or ZS_EINVAL naming the bad one. */
static zs_status check_schedule_opts(zs_ctx *ctx, const zs_dbm *dbm, const zs_dbm_train_opts *o) {
    if (!(o->lr_divisor >= 1.0) || !isfinite(o->lr_divisor))
        return zs_fail(ctx, ZS_EINVAL, "training: lr divisor %g is not a finite number >= 1", o->lr_divisor);
    if (!(o->lr_min >= 0.0) || !isfinite(o->lr_min))
        return zs_fail(ctx, ZS_EINVAL, "training: lr floor %g is not a finite number >= 0", o->lr_min);
    if (!(o->sparsity_cost >= 0.0) || !isfinite(o->sparsity_cost))
        return zs_fail(ctx, ZS_EINVAL, "training: sparsity cost %g is not a finite number >= 0", o->sparsity_cost);
    if (!(o->sparsity_damping >= 0.0 && o->sparsity_damping < 1.0))
        return zs_fail(ctx, ZS_EINVAL, "training: sparsity damping %g is not in [0, 1)", o->sparsity_damping);
    for (size_t l = 1; l <= dbm->L; l++)
        if (!(o->sparsity_target[l] > 0.0 && o->sparsity_target[l] < 1.0))
            return zs_fail(ctx, ZS_EINVAL, "training: sparsity target %g of hidden layer %zu is not in (0, 1)",
                           o->sparsity_target[l], l);
    return ZS_OK;
}

zs_status zs_dbm_train_check(zs_ctx *ctx, const zs_dbm *dbm, const zs_dbm_train_opts *o,
                             const uint8_t *data, size_t n) {
    if (!dbm || !o || !data) return ZS_EINVAL;
    if (n == 0 || o->batch == 0 || o->chains == 0 || o->gibbs_steps == 0 || o->mf_iterations == 0 ||
        o->mf_iterations > UINT32_MAX || !(o->lr > 0) || !isfinite(o->lr) || !(o->lr_decay >= 0) ||
        !(o->momentum >= 0 && o->momentum < 1) || !(o->weight_decay >= 0) || !(o->mf_tolerance >= 0))
        return zs_fail(ctx, ZS_EINVAL, "training: bad options (rows %zu, batch %zu, chains %zu, gibbs "
                       "steps %zu, mf iterations %zu, lr %g, lr decay %g, momentum %g, weight decay %g)",
                       n, o->batch, o->chains, o->gibbs_steps, o->mf_iterations, o->lr, o->lr_decay,
                       o->momentum, o->weight_decay);
    zs_status so = check_schedule_opts(ctx, dbm, o);
    if (so != ZS_OK) return so;
    if ((unsigned)o->negative > (unsigned)ZS_DBM_NEGATIVE_AUTO)
        return zs_fail(ctx, ZS_EINVAL, "training: unknown negative phase %d", (int)o->negative);
    if (o->negative == ZS_DBM_NEGATIVE_EXACT) {
        size_t e, od;
        dbm_set_offsets(dbm, NULL, &e, &od);
        size_t sm = e < od ? e : od;
        if (sm > ZS_DBM_NEGATIVE_EXACT_MAX)
            return zs_fail(ctx, ZS_ETOOBIG, "training: the exact negative phase enumerates 2^%zu "
                           "states of the smaller set of layers at every update; at most 2^%d are "
                           "allowed", sm, ZS_DBM_NEGATIVE_EXACT_MAX);
    }
    zs_status st = dbm_check_rows(ctx, data, n, dbm->n[0]);
    if (st != ZS_OK) return st;
    return zs_dbm_check(dbm);
}

zs_status zs_dbm_trainer_alloc(zs_ctx *ctx, const zs_dbm *dbm, const zs_dbm_train_opts *o,
                               const uint8_t *data, size_t n, zs_dbm_trainer **out) {
    if (!out) return ZS_EINVAL;
    zs_status st = zs_dbm_train_check(ctx, dbm, o, data, n);
    if (st != ZS_OK) return st;
    zs_dbm_trainer *t = zs_calloc(1, sizeof *t);
    if (!t) return zs_fail(ctx, ZS_ENOMEM, "training: out of memory");
    t->ctx = ctx;
    t->o = *o;
    t->n = n;
    t->units = dbm_units(dbm, &t->widest, t->off);
    t->threads = zs_threads(ctx);
    const size_t B = o->batch < n ? o->batch : n;
    st = zs_dbm_alloc(ctx, dbm->L, dbm->n, &t->m);
    if (st == ZS_OK) st = zs_dbm_alloc(ctx, dbm->L, dbm->n, &t->prev);
    int bad = st != ZS_OK;
    if (!bad) {
        copy_dbm(dbm, t->m);
        for (size_t l = 0; l <= dbm->L; l++) {
            t->vb[l] = zs_calloc(dbm->n[l], sizeof(double));
            t->nb[l] = zs_calloc(dbm->n[l], sizeof(double));
            if (l) t->vw[l] = zs_calloc(dbm->n[l - 1] * dbm->n[l], sizeof(double));
            if (l) t->nw[l] = zs_calloc(dbm->n[l - 1] * dbm->n[l], sizeof(double));
            if (!t->vb[l] || !t->nb[l] || (l && (!t->vw[l] || !t->nw[l]))) bad = 1;
        }
        t->data = zs_malloc(n * dbm->n[0]);
        t->chains = zs_malloc(o->chains * t->units);
        t->mu = zs_malloc(B * t->units * sizeof(double));
        t->xf = zs_malloc(B * t->units * sizeof(double));
        t->bnd = zs_malloc(B * sizeof(double));
        t->scratch = zs_malloc((size_t)t->threads * (2 * t->widest + 1) * sizeof(double));
        t->perm = zs_malloc(n * sizeof(size_t));
        t->on = zs_malloc((size_t)t->threads * t->widest * sizeof(uint32_t));
        t->mfq = zs_malloc(t->units * sizeof(double));
        t->sq = zs_calloc(t->units, sizeof(double));
        t->pm = zs_calloc(t->units, sizeof(double));
        t->snap = zs_malloc(snap_size(t) * sizeof(double));
        t->snap_chains = zs_malloc(o->chains * t->units);
        if (!t->data || !t->chains || !t->mu || !t->xf || !t->bnd || !t->scratch || !t->perm || !t->mfq ||
            !t->sq || !t->pm || !t->on || !t->snap || !t->snap_chains)
            bad = 1;
    }
    if (bad) {
        zs_dbm_trainer_free(t);
        return st != ZS_OK ? st : zs_fail(ctx, ZS_ENOMEM, "training: out of memory");
    }
    memcpy(t->data, data, n * dbm->n[0]);
    for (size_t l = 0; l <= dbm->L; l++)
        for (size_t j = 0; j < dbm->n[l]; j++) t->mfq[t->off[l] + j] = dbm_sigmoid(dbm->b[l][j]);
    /* the running means start at the targets, as dbm_mf.m's hidmeans and penmeans do */
    for (size_t l = 1; l <= dbm->L; l++)
        for (size_t j = 0; j < dbm->n[l]; j++) t->sq[t->off[l] + j] = o->sparsity_target[l];
    t->neg = o->negative == ZS_DBM_NEGATIVE_AUTO ? ZS_DBM_NEGATIVE_PERSISTENT : o->negative;
    for (size_t c = 0; c < o->chains; c++) {
        zs_rng r;
        zs_rng_init(&r, o->seed, ID_INIT + c);
        for (size_t u = 0; u < t->units; u++) t->chains[c * t->units + u] = (uint8_t)(zs_rng_next(&r) >> 63);
    }
    *out = t;
    return ZS_OK;
}

uint64_t zs_dbm_trainer_epochs_done(const zs_dbm_trainer *t) { return t->epoch; }
void zs_dbm_trainer_get(const zs_dbm_trainer *t, zs_dbm *dbm) { copy_dbm(t->m, dbm); }

void dbm_trainer_state(const zs_dbm_trainer *t, dbm_trainer_view *v) {
    memset(v, 0, sizeof *v);
    v->ctx = t->ctx;
    v->model = t->m;
    v->opts = &t->o;
    for (size_t l = 0; l <= t->m->L; l++) {
        v->vw[l] = t->vw[l];
        v->vb[l] = t->vb[l];
    }
    v->chains = t->chains;
    v->mean_field = t->mfq;
    v->sparsity_means = t->sq;
    v->units = t->units;
    v->epoch = t->epoch;
}

void dbm_trainer_set_epoch(zs_dbm_trainer *t, uint64_t epoch) { t->epoch = epoch; }

/* p_j += sum over the on units k of W_jk (W: nl x nn row-major), each sum in k order from 0:
 * the on units listed once (on), then four rows of W at a time so that four independent sums
 * overlap — the same additions in the same order as testing every k of one row at a time. */
static void add_rows_of_on(double *p, const double *w, size_t nl, size_t nn, const uint8_t *above,
                           uint32_t *on) {
    size_t m = 0;
    for (size_t k = 0; k < nn; k++)
        if (above[k]) on[m++] = (uint32_t)k;
    size_t j = 0;
    for (; j + 4 <= nl; j += 4) {
        const double *w0 = w + j * nn, *w1 = w0 + nn, *w2 = w1 + nn, *w3 = w2 + nn;
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        for (size_t q = 0; q < m; q++) {
            const size_t k = on[q];
            s0 += w0[k];
            s1 += w1[k];
            s2 += w2[k];
            s3 += w3[k];
        }
        p[j] += s0;
        p[j + 1] += s1;
        p[j + 2] += s2;
        p[j + 3] += s3;
    }
    for (; j < nl; j++) {
        double s = 0.0;
        for (size_t q = 0; q < m; q++) s += w[j * nn + on[q]];
        p[j] += s;
    }
}

/* One Gibbs sweep of a chain: odd layers given the even ones, then the even layers given the
 * odd ones; x is the chain's state (units bytes), p (fields) and on (a layer's on units)
 * scratch of the widest layer. */
static void gibbs_sweep(const zs_dbm_trainer *t, uint8_t *x, double *p, uint32_t *on, zs_rng *r) {
    const zs_dbm *d = t->m;
    for (int parity = 1; parity >= 0; parity--)
        for (size_t l = (size_t)parity; l <= d->L; l += 2) {
            const size_t nl = d->n[l];
            memcpy(p, d->b[l], nl * sizeof *p);
            if (l >= 1) {
                const uint8_t *below = x + t->off[l - 1];
                const double *w = d->w[l];
                for (size_t i = 0; i < d->n[l - 1]; i++)
                    if (below[i])
                        for (size_t j = 0; j < nl; j++) p[j] += w[i * nl + j];
            }
            if (l < d->L) add_rows_of_on(p, d->w[l + 1], nl, d->n[l + 1], x + t->off[l + 1], on);
            uint8_t *xl = x + t->off[l];
            for (size_t j = 0; j < nl; j++) xl[j] = (uint8_t)(zs_rng_uniform(r) < dbm_sigmoid(p[j]));
        }
}


/* The model's statistics from the persistent chains: nw[l] = mean_c x^{l-1} x^lT, nb[l] =
 * mean_c x^l (each element summed over the chains in order). */
static void neg_persistent(zs_dbm_trainer *t, size_t nb_batches, size_t bt) {
    const zs_dbm *d = t->m;
    const size_t M = t->o.chains, U = t->units;
#pragma omp parallel for schedule(static) num_threads(t->threads)
    for (size_t c = 0; c < M; c++) {
        double *p = t->scratch + (size_t)omp_get_thread_num() * (2 * t->widest + 1);
        zs_rng r;
        zs_rng_init(&r, t->o.seed, ID_GIBBS + (t->epoch * (uint64_t)nb_batches + bt) * (uint64_t)M + c);
        uint32_t *on = t->on + (size_t)omp_get_thread_num() * t->widest;
        for (size_t s = 0; s < t->o.gibbs_steps; s++) gibbs_sweep(t, t->chains + c * U, p, on, &r);
    }
    const double im = 1.0 / (double)M;
    for (size_t l = 0; l <= d->L; l++) {
        const size_t nl = d->n[l], ol = t->off[l];
        for (size_t j = 0; j < nl; j++) {
            double s = 0.0;
            for (size_t c = 0; c < M; c++) s += t->chains[c * U + ol + j];
            t->nb[l][j] = s * im;
        }
        if (l == 0) continue;
        const size_t np = d->n[l - 1], op = t->off[l - 1];
#pragma omp parallel for schedule(static) num_threads(t->threads)
        for (size_t i = 0; i < np; i++) {
            double *row = t->nw[l] + i * nl;
            memset(row, 0, nl * sizeof *row);
            for (size_t c = 0; c < M; c++) {
                if (!t->chains[c * U + op + i]) continue;
                const uint8_t *x = t->chains + c * U + ol;
                for (size_t j = 0; j < nl; j++) row[j] += x[j];
            }
            for (size_t j = 0; j < nl; j++) row[j] *= im;
        }
    }
}

/* The model's mean field, continued from the last update: mf_iterations sweeps layer after
 * layer (or until no mean moves by mf_tolerance); nw[l] = mu^{l-1} mu^lT, nb[l] = mu^l. */
static void neg_mean_field(zs_dbm_trainer *t) {
    const zs_dbm *d = t->m;
    double *mu = t->mfq;
    for (size_t it = 0; it < t->o.mf_iterations; it++)
        if (dbm_mf_sweep(d, t->off, mu, NULL) <= t->o.mf_tolerance) break;
    for (size_t l = 0; l <= d->L; l++) {
        memcpy(t->nb[l], mu + t->off[l], d->n[l] * sizeof(double));
        if (l == 0) continue;
        for (size_t i = 0; i < d->n[l - 1]; i++)
            for (size_t j = 0; j < d->n[l]; j++)
                t->nw[l][i * d->n[l] + j] = mu[t->off[l - 1] + i] * mu[t->off[l] + j];
    }
}

/* The model's exact statistics: with s the smaller set of layers (enumerated) and the other
 * set's units independent given s (each on with probability sigmoid of its field f(s)),
 *   p(s) ∝ exp(c.s + sum_i softplus(f_i(s))),
 *   <x_i> = sum_s p(s) sigmoid(f_i(s)) (other set), <s_k> = sum_s p(s) s_k,
 *   <s_k x_i> = sum_s p(s) s_k sigmoid(f_i(s)).
 * Two passes: the log weights and their maximum, then the weighted sums in state order. */
typedef struct neg_exact_buf {
    double *lw;  /* (2^ns) the enumerated states' log weights */
    double *f;   /* (units) fields                            */
    uint8_t *x;  /* (units) a state                           */
} neg_exact_buf;

/* The enumerated layers: par their parity, *ns their units. */
static size_t neg_exact_parity(const zs_dbm *d, size_t *ns) {
    size_t e, od;
    dbm_set_offsets(d, NULL, &e, &od);
    const size_t par = e <= od ? 0 : 1;
    *ns = par ? od : e;
    return par;
}

/* The buffers of neg_exact, taken before an epoch changes anything, so that running out of
 * memory leaves the trainer as it was. */
static zs_status neg_exact_alloc(const zs_dbm_trainer *t, neg_exact_buf *nb) {
    size_t ns;
    (void)neg_exact_parity(t->m, &ns);
    nb->lw = zs_malloc((1ULL << ns) * sizeof *nb->lw);
    nb->f = zs_malloc(t->units * sizeof *nb->f);
    nb->x = zs_malloc(t->units);
    if (nb->lw && nb->f && nb->x) return ZS_OK;
    free(nb->lw);
    free(nb->f);
    free(nb->x);
    return zs_fail(t->ctx, ZS_ENOMEM, "training: out of memory for the exact negative phase");
}

static void neg_exact(zs_dbm_trainer *t, const neg_exact_buf *nbuf) {
    const zs_dbm *d = t->m;
    const size_t L = d->L;
    size_t ns;
    const size_t par = neg_exact_parity(d, &ns); /* parity of the enumerated layers */
    const uint64_t S = 1ULL << ns;
    double *lw = nbuf->lw, *f = nbuf->f;
    uint8_t *x = nbuf->x;
    for (int pass = 0; pass < 2; pass++) {
        double mx = -HUGE_VAL, z = 0.0;
        if (pass == 1) {
            for (uint64_t s = 0; s < S; s++)
                if (lw[s] > mx) mx = lw[s];
            for (uint64_t s = 0; s < S; s++) z += exp(lw[s] - mx);
            for (size_t l = 0; l <= L; l++) {
                memset(t->nb[l], 0, d->n[l] * sizeof(double));
                if (l) memset(t->nw[l], 0, d->n[l - 1] * d->n[l] * sizeof(double));
            }
        }
        for (uint64_t s = 0; s < S; s++) {
            /* the enumerated units from the bits of s, layer by layer */
            size_t k = 0;
            for (size_t l = par; l <= L; l += 2)
                for (size_t j = 0; j < d->n[l]; j++, k++) x[t->off[l] + j] = (uint8_t)(s >> k & 1);
            double v = 0.0;
            for (size_t l = par; l <= L; l += 2)
                for (size_t j = 0; j < d->n[l]; j++)
                    if (x[t->off[l] + j]) v += d->b[l][j];
            for (size_t l = 1 - par; l <= L; l += 2) {
                const size_t nl = d->n[l];
                for (size_t j = 0; j < nl; j++) {
                    double g = d->b[l][j];
                    if (l >= 1)
                        for (size_t i = 0; i < d->n[l - 1]; i++)
                            if (x[t->off[l - 1] + i]) g += d->w[l][i * nl + j];
                    if (l < L) {
                        const size_t nn = d->n[l + 1];
                        for (size_t q = 0; q < nn; q++)
                            if (x[t->off[l + 1] + q]) g += d->w[l + 1][j * nn + q];
                    }
                    f[t->off[l] + j] = g;
                    v += zs_softplus(g);
                }
            }
            if (pass == 0) {
                lw[s] = v;
                continue;
            }
            const double p = exp(lw[s] - mx) / z;
            /* expectations given s: enumerated units are x, the others sigmoid(f) */
            for (size_t l = 1 - par; l <= L; l += 2)
                for (size_t j = 0; j < d->n[l]; j++) f[t->off[l] + j] = dbm_sigmoid(f[t->off[l] + j]);
            for (size_t l = 0; l <= L; l++) {
                const size_t nl = d->n[l];
                const int en = (l % 2) == par;
                for (size_t j = 0; j < nl; j++) t->nb[l][j] += p * (en ? x[t->off[l] + j] : f[t->off[l] + j]);
                if (l == 0) continue;
                const int ep = ((l - 1) % 2) == par;
                for (size_t i = 0; i < d->n[l - 1]; i++) {
                    double a = ep ? x[t->off[l - 1] + i] : f[t->off[l - 1] + i];
                    if (a == 0.0) continue;
                    for (size_t j = 0; j < nl; j++)
                        t->nw[l][i * nl + j] += p * a * (en ? x[t->off[l] + j] : f[t->off[l] + j]);
                }
            }
        }
    }
}

/* The hidden units' running mean activations q <- damping q + (1 - damping) mean_rows(mu) and
 * the batch's means of every unit's mean field into t->pm (sums in row order). */
static void sparsity_means(zs_dbm_trainer *t, size_t bs) {
    const zs_dbm *d = t->m;
    const double ib = 1.0 / (double)bs, dm = t->o.sparsity_damping;
    for (size_t u = 0; u < t->units; u++) {
        double s = 0.0;
        for (size_t q = 0; q < bs; q++) s += t->mu[q * t->units + u];
        t->pm[u] = s * ib;
    }
    for (size_t u = d->n[0]; u < t->units; u++) t->sq[u] = dm * t->sq[u] + (1.0 - dm) * t->pm[u];
}

/* The sparsity gradient of hidden unit u of layer l: cost (q_u - p_l). */
static double sparsity_grad(const zs_dbm_trainer *t, size_t l, size_t u) {
    return t->o.sparsity_cost * (t->sq[u] - t->o.sparsity_target[l]);
}

/* One update from the batch's mean fields t->mu and the model's statistics nw, nb:
 *   vel = mom vel + lr (<x^{l-1} x^lT>_data - <x^{l-1} x^lT>_model - weight_decay W - S),  W += vel,
 * likewise the biases without decay. Each element sums over the rows in order. S is the
 * sparsity penalty of Salakhutdinov's public DBM code (dbm_mf.m, after Lee, Ekanadham & Ng 2008
 * and Nair & Hinton 2009; Hinton 2010, "A practical guide", sec. 11): with s_j = cost (q_j - p)
 * for a hidden unit j of running mean activation q_j and target p, the bias of j moves by
 * -lr s_j and W^l_ij by -lr (mean(mu_i) s_j + s_i mean(mu_j)), the second term only when layer
 * l - 1 is hidden (the derivative of the penalty through the total input of each unit). */
static void update(zs_dbm_trainer *t, size_t bs, double lr, double mom) {
    zs_dbm *d = t->m;
    const zs_dbm_train_opts *o = &t->o;
    const size_t U = t->units;
    const int sp = o->sparsity_cost > 0.0;
    if (sp) sparsity_means(t, bs);
    const double ib = 1.0 / (double)bs;
    for (size_t l = 0; l <= d->L; l++) {
        const size_t nl = d->n[l], ol = t->off[l];
        for (size_t j = 0; j < nl; j++) {
            double pos = 0.0;
            for (size_t q = 0; q < bs; q++) pos += t->mu[q * U + ol + j];
            double g = pos * ib - t->nb[l][j];
            if (sp && l) g -= sparsity_grad(t, l, ol + j);
            t->vb[l][j] = mom * t->vb[l][j] + lr * g;
        }
        if (l == 0) continue;
        const size_t np = d->n[l - 1], op = t->off[l - 1];
        double *w = d->w[l], *vw = t->vw[l];
#pragma omp parallel for schedule(static) num_threads(t->threads)
        for (size_t i = 0; i < np; i++) {
            double *pos = t->scratch + (size_t)omp_get_thread_num() * (2 * t->widest + 1);
            const double *neg = t->nw[l] + i * nl;
            memset(pos, 0, nl * sizeof *pos);
            for (size_t q = 0; q < bs; q++) {
                const double a = t->mu[q * U + op + i];
                const double *m = t->mu + q * U + ol;
                for (size_t j = 0; j < nl; j++) pos[j] += a * m[j];
            }
            const double si = sp && l >= 2 ? sparsity_grad(t, l - 1, op + i) : 0.0;
            for (size_t j = 0; j < nl; j++) {
                double *v = &vw[i * nl + j];
                double g = (pos[j] * ib - neg[j]) - o->weight_decay * w[i * nl + j];
                if (sp) g -= t->pm[op + i] * sparsity_grad(t, l, ol + j) + si * t->pm[ol + j];
                *v = mom * *v + lr * g;
                w[i * nl + j] += *v;
            }
        }
    }
    for (size_t l = 0; l <= d->L; l++)
        for (size_t j = 0; j < d->n[l]; j++) d->b[l][j] += t->vb[l][j];
}

zs_status zs_dbm_trainer_epoch(zs_dbm_trainer *t, double *mf_bound) {
    if (!t) return ZS_EINVAL;
    zs_dbm *d = t->m;
    const zs_dbm_train_opts *o = &t->o;
    const size_t n = t->n, B = o->batch < n ? o->batch : n, U = t->units;
    const size_t nb = (n + B - 1) / B, n0 = d->n[0];
    const double lr = o->lr / (1.0 + o->lr_decay * (double)t->epoch);
    const double mom = t->epoch < 5 && o->momentum > 0.5 ? 0.5 : o->momentum;
    neg_exact_buf ex = {NULL, NULL, NULL};
    if (t->neg == ZS_DBM_NEGATIVE_EXACT) {
        zs_status est = neg_exact_alloc(t, &ex);
        if (est != ZS_OK) return est;
    }
    copy_dbm(d, t->prev);
    snap_state(t, 0);
    learn_shuffle(t->perm, n, o->seed, ID_ORDER + t->epoch);
    zs_dbm_mf_opts mo = {o->mf_iterations, o->mf_tolerance};
    double bound_sum = 0.0;
    zs_status st = ZS_OK;
    for (size_t bt = 0; bt < nb && st == ZS_OK; bt++) {
        const size_t r0 = bt * B, bs = r0 + B <= n ? B : n - r0;
        /* positive phase: mean field per row */
#pragma omp parallel for schedule(dynamic, 4) num_threads(t->threads)
        for (size_t q = 0; q < bs; q++) {
            double *mu = t->mu + q * U, *xf = t->xf + q * U;
            double *x = t->scratch + (size_t)omp_get_thread_num() * (2 * t->widest + 1);
            const uint8_t *row = t->data + t->perm[r0 + q] * n0;
            for (size_t i = 0; i < n0; i++) mu[i] = row[i];
            t->bnd[q] = dbm_mf_row(d, &mo, mu, xf, x, NULL, NULL);
        }
        for (size_t q = 0; q < bs; q++) bound_sum += t->bnd[q]; /* in row order */
        /* negative phase: the model's statistics into nw, nb */
        if (t->neg == ZS_DBM_NEGATIVE_PERSISTENT) neg_persistent(t, nb, bt);
        else if (t->neg == ZS_DBM_NEGATIVE_MEAN_FIELD) neg_mean_field(t);
        else neg_exact(t, &ex);
        double lr_u = lr;
        if (o->lr_divisor != 1.0 || o->lr_min > 0.0) {
            /* dbm_mf.m: epsilon = max(epsilon / 1.000015, 0.0001) before every update */
            lr_u = lr / pow(o->lr_divisor, (double)(t->epoch * (uint64_t)nb + bt + 1));
            if (lr_u < o->lr_min) lr_u = o->lr_min;
        }
        update(t, bs, lr_u, mom);
        if (zs_progress(t->ctx, "training", (double)(bt + 1), (double)nb))
            st = zs_fail(t->ctx, ZS_ECANCELLED, "training: cancelled");
    }
    free(ex.lw);
    free(ex.f);
    free(ex.x);
    if (st == ZS_OK && zs_dbm_check(d) != ZS_OK) {
        copy_dbm(t->prev, d);
        snap_state(t, 1);
        return zs_fail(t->ctx, ZS_ENUMERIC, "training diverged in epoch %llu (a parameter is not "
                       "finite); the parameters of the epoch before are kept; lower the learning rate",
                       (unsigned long long)t->epoch + 1);
    }
    if (st != ZS_OK) {
        copy_dbm(t->prev, d);
        snap_state(t, 1);
        return st;
    }
    t->epoch++;
    if (mf_bound) *mf_bound = bound_sum / (double)n;
    return ZS_OK;
}
