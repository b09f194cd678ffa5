/* dbm_train.c — training a deep Boltzmann machine as Salakhutdinov & Hinton do ("Deep Boltzmann
 * machines", AISTATS 2009; "An efficient learning procedure for deep Boltzmann machines",
 * Neural Computation 24, 2012): joint training with a mean-field positive phase and persistent
 * Gibbs chains (zsum/dbm.h), after the greedy pretraining of dbm_train_pre.c.
 *
 * Determinism: every random draw comes from a stream zs_rng(seed, id) whose id names what it
 * is for (layer, epoch, batch, row or chain). Joint training's products run over fixed blocks
 * of rows and chains, each one float32 sgemm call on one BLAS thread ("the batched products"
 * below; pretraining's run over fixed column blocks alike), so the result does not depend on
 * the number of threads. */
#include "learn/dbm_train_internal.h"
#include "learn/rbm_train_internal.h"

#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

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
    /* the batched products (float32 operands; R = chains + batch rows, the chains first) */
    float *wf[ZS_DBM_MAX_LAYERS + 1];    /* W^l rounded to float32                          */
    float *s;                            /* (chains + batch, units) chains' states, means    */
    float *xs, *mu;                      /* s's chain rows and batch rows                   */
    float *sa;                           /* (chains + batch, units) s scaled for the update  */
    float *dn;                           /* (batch, units) mu^{l-1} W^l of each layer l      */
    float *pf;                           /* (R, widest) a product of a layer's neighbours    */
    float *g[ZS_DBM_MAX_LAYERS + 1];     /* the update's statistics of W^l                  */
    double *xf;                          /* (R, units) fields                               */
    double *ex;                          /* (R, widest) exponentials                        */
    double *bnd;                         /* (batch) the rows' bounds B(v)                    */
    double *chg;                         /* (batch) a row's largest change in a sweep        */
    uint8_t *act;                        /* (batch) rows whose mean field still runs         */
    zs_rng *crng;                        /* (chains) each chain's generator of an update     */
    uint64_t *words;                     /* (chains, widest / 2 + 1) generator words          */
    uint32_t *half;                      /* (chains, widest + 2) their halves                */
    size_t *perm;
    double *snap;                        /* the state below, as it was at the epoch's start */
    uint8_t *snap_chains;
    uint64_t epoch;
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
        free(t->wf[l]);
        free(t->g[l]);
    }
    free(t->mfq);
    free(t->sq);
    free(t->pm);
    free(t->data);
    free(t->chains);
    free(t->s);
    free(t->sa);
    free(t->dn);
    free(t->pf);
    free(t->xf);
    free(t->ex);
    free(t->bnd);
    free(t->chg);
    free(t->act);
    free(t->crng);
    free(t->words);
    free(t->half);
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
    if (o->resample != 0 && o->resample != 1)
        return zs_fail(ctx, ZS_EINVAL, "training: resample %d is not 0 or 1", o->resample);
    /* with resample the bytes are grey levels 0..255 */
    zs_status st = o->resample ? ZS_OK : dbm_check_rows(ctx, data, n, dbm->n[0]);
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
            if (l) t->wf[l] = zs_malloc(dbm->n[l - 1] * dbm->n[l] * sizeof(float));
            if (l) t->g[l] = zs_malloc(dbm->n[l - 1] * dbm->n[l] * sizeof(float));
            if (!t->vb[l] || !t->nb[l] || (l && (!t->vw[l] || !t->nw[l] || !t->wf[l] || !t->g[l]))) bad = 1;
        }
        const size_t R = B + o->chains, U = t->units, W = t->widest;
        t->s = zs_calloc((o->chains + B) * U, sizeof(float));
        t->sa = zs_malloc((o->chains + B) * U * sizeof(float));
        t->dn = zs_malloc(B * U * sizeof(float));
        t->pf = zs_malloc(R * W * sizeof(float));
        t->xf = zs_malloc(R * U * sizeof(double));
        t->ex = zs_malloc(R * W * sizeof(double));
        t->chg = zs_malloc(B * sizeof(double));
        t->act = zs_malloc(B);
        t->crng = zs_malloc(o->chains * sizeof(zs_rng));
        t->words = zs_malloc(o->chains * (W / 2 + 1) * sizeof(uint64_t));
        t->half = zs_malloc(o->chains * (W + 2) * sizeof(uint32_t));
        if (!t->half) bad = 1;
        if (!t->s || !t->sa || !t->dn || !t->pf || !t->xf || !t->ex || !t->chg || !t->act || !t->crng || !t->words)
            bad = 1;
        t->data = zs_malloc(n * dbm->n[0]);
        t->chains = zs_malloc(o->chains * t->units);
        t->bnd = zs_malloc(B * sizeof(double));
        t->perm = zs_malloc(n * sizeof(size_t));
        t->mfq = zs_malloc(t->units * sizeof(double));
        t->sq = zs_calloc(t->units, sizeof(double));
        t->pm = zs_calloc(t->units, sizeof(double));
        t->snap = zs_malloc(snap_size(t) * sizeof(double));
        t->snap_chains = zs_malloc(o->chains * t->units);
        if (!t->data || !t->chains || !t->bnd || !t->perm || !t->mfq || !t->sq || !t->pm || !t->snap ||
            !t->snap_chains)
            bad = 1;
    }
    if (bad) {
        zs_dbm_trainer_free(t);
        return st != ZS_OK ? st : zs_fail(ctx, ZS_ENOMEM, "training: out of memory");
    }
    memcpy(t->data, data, n * dbm->n[0]);
    t->xs = t->s;
    t->mu = t->s + o->chains * t->units;
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

/* ---- the batched products ---------------------------------------------------------------------
 * The rows of a batch and the persistent chains advance in blocks of at most TRAIN_BLOCK rows
 * (the number of blocks a function of the batch size or the chain count alone), and every field
 * of a block is a matrix product (block x units times units x units) by OpenBLAS sgemm in
 * float32 on one thread: the weights rounded to float32 once per update (wf), the means and the
 * 0/1 states float32, the biases, fields, exponentials and bounds double. Each block is one
 * call of the same shape whichever thread runs it, so the result depends neither on the number
 * of threads nor on which thread ran a block (lib/sample/rbm_ais.c does the same for AIS). */

/* Rows of a block at most: sgemm runs near its full rate from about 50 rows
 * (bench/bench_rbm_ais.sh), and each call packs the whole weight matrix, so the default batch
 * of 100 rows is one block (the chains another, run beside it). */
#define TRAIN_BLOCK 128

static size_t block_count(size_t n) { return (n + TRAIN_BLOCK - 1) / TRAIN_BLOCK; }

/* C (m x n, ldc) = A B (+ C when acc), A (m x k, lda), B (k x n, ldb) or its transpose
 * (n x k) when tb: float32, row-major. */
static void gemm(int tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                 size_t ldb, int acc, float *c, size_t ldc) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k,
                1.0f, a, (int)lda, b, (int)ldb, acc ? 1.0f : 0.0f, c, (int)ldc);
}

/* x_j = b_j + p_j (+ q_j when q), e_j = e^{-|x_j|}, for j < n. */
static void fields(const double *b, const float *p, const float *q, size_t n, double *x, double *e) {
    if (q)
        for (size_t j = 0; j < n; j++) x[j] = b[j] + ((double)p[j] + (double)q[j]);
    else
        for (size_t j = 0; j < n; j++) x[j] = b[j] + (double)p[j];
    for (size_t j = 0; j < n; j++) e[j] = -fabs(x[j]);
    zs_vexp(e, e, n);
}

/* sigmoid(x) from e = e^{-|x|}: 1 / (1 + e) for x >= 0, e / (1 + e) below (no overflow). */
static inline double sig_e(double x, double e) { return (x >= 0 ? 1.0 : e) / (1.0 + e); }

/* The means of layer l of batch row q from its fields: mu = sigmoid(b + dn + up), the fields
 * kept in xf for the bound. Returns the largest change of a mean. */
static double pos_set_layer(zs_dbm_trainer *t, size_t l, size_t q, const float *up) {
    const zs_dbm *d = t->m;
    const size_t U = t->units, nl = d->n[l], o = q * U + t->off[l];
    const size_t r = t->o.chains + q; /* the row of xf, ex, pf (the chains' come first) */
    double *x = t->xf + r * U + t->off[l], *e = t->ex + r * t->widest;
    float *m = t->mu + o;
    fields(d->b[l], t->dn + o, up, nl, x, e);
    /* the changes' maximum in four partial maxima, so that the loop vectorizes */
    float c4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    size_t j = 0;
    for (; j + 4 <= nl; j += 4)
        for (size_t k = 0; k < 4; k++) {
            const float v = (float)((x[j + k] >= 0 ? 1.0 : e[j + k]) / (1.0 + e[j + k]));
            const float c = fabsf(v - m[j + k]);
            c4[k] = c > c4[k] ? c : c4[k];
            m[j + k] = v;
        }
    for (; j < nl; j++) {
        const float v = (float)sig_e(x[j], e[j]), c = fabsf(v - m[j]);
        c4[0] = c > c4[0] ? c : c4[0];
        m[j] = v;
    }
    const float a = c4[0] > c4[1] ? c4[0] : c4[1], b = c4[2] > c4[3] ? c4[2] : c4[3];
    return a > b ? a : b;
}

/* B(v) of batch row q (lib/models/dbm.c, bound()):
 *   b0.v + sum_l [ b^l.mu^l + (mu^{l-1} W^l).mu^l + sum_j (softplus(x_j) - x_j mu_j) ],
 * with the products mu^{l-1} W^l of the last sweep (dn) and softplus(x) = max(x, 0) +
 * ln(1 + e^{-|x|}), the logarithms of 512 factors (each in (1, 2]) taken at once. */
static double pos_bound(const zs_dbm_trainer *t, size_t q) {
    const zs_dbm *d = t->m;
    const size_t U = t->units;
    double s = 0.0;
    const float *mu = t->mu + q * U;
    double *e = t->ex + (t->o.chains + q) * t->widest;
    for (size_t i = 0; i < d->n[0]; i++) s += d->b[0][i] * (double)mu[i];
    for (size_t l = 1; l <= d->L; l++) {
        const size_t nl = d->n[l], o = q * U + t->off[l];
        const double *x = t->xf + (t->o.chains + q) * U + t->off[l];
        const float *m = t->mu + o, *dn = t->dn + o;
        for (size_t j = 0; j < nl; j++) {
            const double mj = (double)m[j];
            s += (d->b[l][j] + (double)dn[j] - x[j]) * mj + (x[j] > 0 ? x[j] : 0.0);
            e[j] = -fabs(x[j]);
        }
        zs_vexp(e, e, nl);
        for (size_t j0 = 0; j0 < nl; j0 += 512) {
            double p = 1.0;
            for (size_t j = j0; j < nl && j < j0 + 512; j++) p *= 1.0 + e[j];
            s += log(p);
        }
    }
    return s;
}

/* The positive phase of batch rows [q0, q1) (data rows perm[r0 + q], or with resample their
 * pixels drawn from their grey levels, from a stream named by (epoch, position)): the mean field started
 * bottom-up (mu^l = sigmoid(b^l + mu^{l-1} W^l)), then up to mf_iterations sweeps layer after
 * layer, mu^l = sigmoid(b^l + mu^{l-1} W^l + mu^{l+1} W^{l+1}T), each row stopping after the
 * first sweep that moves none of its means by more than mf_tolerance (as dbm_mf_row does);
 * bnd[q] = B(v). dn holds mu^{l-1} W^l for every row (v W^1 once: the data do not move). */
static void pos_block(zs_dbm_trainer *t, size_t r0, size_t q0, size_t q1) {
    const zs_dbm *d = t->m;
    const size_t U = t->units, L = d->L, n0 = d->n[0], bq = q1 - q0, W = t->widest;
    const size_t M = t->o.chains;
    float *mu = t->mu + q0 * U, *dn = t->dn + q0 * U, *up = t->pf + (M + q0) * W;
    for (size_t q = q0; q < q1; q++) {
        const uint8_t *row = t->data + t->perm[r0 + q] * n0;
        if (t->o.resample) { /* dbm_mf.m: data > rand, afresh at every use */
            zs_rng g;
            zs_rng_init(&g, t->o.seed, ID_PIXELS + ID_PIXELS_JOINT + (t->epoch << 32) + r0 + q);
            for (size_t i = 0; i < n0; i++) t->mu[q * U + i] = zs_rng_uniform(&g) < row[i] / 255.0 ? 1.0f : 0.0f;
        } else {
            for (size_t i = 0; i < n0; i++) t->mu[q * U + i] = row[i];
        }
        t->act[q] = 1;
    }
    for (size_t l = 1; l <= L; l++) {
        gemm(0, bq, d->n[l], d->n[l - 1], mu + t->off[l - 1], U, t->wf[l], d->n[l], 0, dn + t->off[l], U);
        for (size_t q = q0; q < q1; q++) (void)pos_set_layer(t, l, q, NULL);
    }
    size_t left = bq;
    for (size_t it = 0; it < t->o.mf_iterations && left; it++) {
        for (size_t q = q0; q < q1; q++) t->chg[q] = 0.0;
        for (size_t l = 1; l <= L; l++) {
            if (l > 1)
                gemm(0, bq, d->n[l], d->n[l - 1], mu + t->off[l - 1], U, t->wf[l], d->n[l], 0, dn + t->off[l], U);
            if (l < L)
                gemm(1, bq, d->n[l], d->n[l + 1], mu + t->off[l + 1], U, t->wf[l + 1], d->n[l + 1], 0, up, W);
            for (size_t q = q0; q < q1; q++) {
                if (!t->act[q]) continue;
                const double c = pos_set_layer(t, l, q, l < L ? t->pf + (M + q) * W : NULL);
                if (c > t->chg[q]) t->chg[q] = c;
            }
        }
        for (size_t q = q0; q < q1; q++)
            if (t->act[q] && t->chg[q] <= t->o.mf_tolerance) {
                t->act[q] = 0;
                left--;
            }
    }
    for (size_t q = q0; q < q1; q++) t->bnd[q] = pos_bound(t, q);
}

/* x_j = 1 with probability sigmoid(f_j), else 0, for j < n, given e_j = e^{-|f_j|}: the test
 * u_j < sigmoid(f_j) as u_j (1 + e_j) < (f_j >= 0 ? 1 : e_j), with no division and no branch,
 * u_j = (b_j + 1/2) 2^-31 from the top 31 bits b_j of the j-th 32-bit half of the generator's
 * next words (low half first): signed 32-bit integers, whose conversion to double vectorizes
 * (words: scratch of n / 2 + 1 words, half: of n + 2 halves). */
static void bern_draws(zs_rng *r, const double *f, const double *e, size_t n, float *x, uint64_t *words,
                       uint32_t *half) {
    const size_t nw = (n + 1) / 2;
    zs_rng_fill(r, words, nw);
    for (size_t i = 0; i < nw; i++) {
        half[2 * i] = (uint32_t)words[i];
        half[2 * i + 1] = (uint32_t)(words[i] >> 32);
    }
    for (size_t j = 0; j < n; j++) {
        const double u = ((double)(int32_t)(half[j] >> 1) + 0.5) * 0x1.0p-31;
        x[j] = u * (1.0 + e[j]) < (f[j] >= 0 ? 1.0 : e[j]) ? 1.0f : 0.0f;
    }
}

/* gibbs_steps block-Gibbs sweeps of chains [c0, c1) (odd layers given the even ones, then the
 * even layers given the odd ones), chain c drawing x_j = [u < sigmoid(field_j)] from its own
 * stream in the order of its units, layer after layer: the draws of a chain do not depend on
 * its block. The states are float32 0/1 in xs (the rows after the batch's means) during the
 * sweeps and bytes in t->chains between updates. */
static void neg_block(zs_dbm_trainer *t, uint64_t stream0, size_t c0, size_t c1) {
    const zs_dbm *d = t->m;
    const size_t U = t->units, L = d->L, W = t->widest, bc = c1 - c0;
    float *xs = t->xs + c0 * U, *pf = t->pf + c0 * W;
    for (size_t c = c0; c < c1; c++) {
        zs_rng_init(&t->crng[c], t->o.seed, stream0 + c);
        for (size_t u = 0; u < U; u++) t->xs[c * U + u] = t->chains[c * U + u];
    }
    for (size_t s = 0; s < t->o.gibbs_steps; s++)
        for (int parity = 1; parity >= 0; parity--)
            for (size_t l = (size_t)parity; l <= L; l += 2) {
                const size_t nl = d->n[l];
                int acc = 0;
                if (l >= 1) {
                    gemm(0, bc, nl, d->n[l - 1], xs + t->off[l - 1], U, t->wf[l], nl, 0, pf, W);
                    acc = 1;
                }
                if (l < L)
                    gemm(1, bc, nl, d->n[l + 1], xs + t->off[l + 1], U, t->wf[l + 1], d->n[l + 1], acc, pf, W);
                for (size_t c = c0; c < c1; c++) {
                    double *x = t->xf + c * U, *e = t->ex + c * W;
                    fields(d->b[l], t->pf + c * W, NULL, nl, x, e);
                    bern_draws(&t->crng[c], x, e, nl, t->xs + c * U + t->off[l], t->words + c * (W / 2 + 1),
                               t->half + c * (W + 2));
                }
            }
    for (size_t c = c0; c < c1; c++)
        for (size_t u = 0; u < U; u++) t->chains[c * U + u] = (uint8_t)(t->xs[c * U + u] != 0.0f);
}

/* The positive phase of the batch's bs rows (r0 its first in perm) and, with persistent chains,
 * the chains' sweeps: blocks of rows and of chains together (the two phases share nothing but
 * the parameters); then nb[l] = mean_c x^l from the chains (each element summed over the chains
 * in order). The products <x^{l-1} x^lT> enter the update's own matrix product. */
static void phases(zs_dbm_trainer *t, size_t r0, size_t bs, size_t nb_batches, size_t bt) {
    const zs_dbm *d = t->m;
    const int pers = t->neg == ZS_DBM_NEGATIVE_PERSISTENT;
    const size_t M = t->o.chains, U = t->units, np = block_count(bs), nn = pers ? block_count(M) : 0;
    const uint64_t stream0 = ID_GIBBS + (t->epoch * (uint64_t)nb_batches + bt) * (uint64_t)M;
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads_for(t->ctx, np + nn))
    for (size_t k = 0; k < np + nn; k++) {
        if (k < np) pos_block(t, r0, k * bs / np, (k + 1) * bs / np);
        else neg_block(t, stream0, (k - np) * M / nn, (k - np + 1) * M / nn);
    }
    if (!pers) return;
    const double im = 1.0 / (double)M;
    for (size_t l = 0; l <= d->L; l++)
        for (size_t j = 0; j < d->n[l]; j++) {
            double s = 0.0;
            for (size_t c = 0; c < M; c++) s += t->chains[c * U + t->off[l] + j];
            t->nb[l][j] = s * im;
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
        for (size_t q = 0; q < bs; q++) s += (double)t->mu[q * t->units + u];
        t->pm[u] = s * ib;
    }
    for (size_t u = d->n[0]; u < t->units; u++) t->sq[u] = dm * t->sq[u] + (1.0 - dm) * t->pm[u];
}

/* The sparsity gradient of hidden unit u of layer l: cost (q_u - p_l). */
static double sparsity_grad(const zs_dbm_trainer *t, size_t l, size_t u) {
    return t->o.sparsity_cost * (t->sq[u] - t->o.sparsity_target[l]);
}

/* Rows [i0, i1) of W^l: the statistics' difference G = <x^{l-1} x^lT>_data - <x^{l-1} x^lT>_model
 * as one float32 product over the stacked rows — the chains scaled by -1/M, then the batch's
 * means scaled by 1/bs (sa), times the unscaled rows (t->s) — when the model's statistics come
 * from the chains (k = M + bs rows), or the data's term alone minus nw (k = bs); then the
 * momentum step in double, and the weights' float32 copy. */
static void update_rows(zs_dbm_trainer *t, size_t l, size_t i0, size_t i1, size_t bs, double lr, double mom) {
    zs_dbm *d = t->m;
    const zs_dbm_train_opts *o = &t->o;
    const size_t U = t->units, nl = d->n[l], op = t->off[l - 1], ol = t->off[l];
    const int pers = t->neg == ZS_DBM_NEGATIVE_PERSISTENT, sp = o->sparsity_cost > 0.0;
    const size_t r0 = pers ? 0 : o->chains, k = pers ? o->chains + bs : bs;
    float *g = t->g[l] + i0 * nl;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(i1 - i0), (int)nl, (int)k, 1.0f,
                t->sa + r0 * U + op + i0, (int)U, t->s + r0 * U + ol, (int)U, 0.0f, g, (int)nl);
    double *w = d->w[l], *vw = t->vw[l];
    for (size_t i = i0; i < i1; i++) {
        const double si = sp && l >= 2 ? sparsity_grad(t, l - 1, op + i) : 0.0;
        const double *neg = pers ? NULL : t->nw[l] + i * nl;
        const float *gi = t->g[l] + i * nl;
        for (size_t j = 0; j < nl; j++) {
            double *v = &vw[i * nl + j];
            double gr = (double)gi[j] - (neg ? neg[j] : 0.0) - o->weight_decay * w[i * nl + j];
            if (sp) gr -= t->pm[op + i] * sparsity_grad(t, l, ol + j) + si * t->pm[ol + j];
            *v = mom * *v + lr * gr;
            w[i * nl + j] += *v;
            t->wf[l][i * nl + j] = (float)w[i * nl + j];
        }
    }
}

/* One update from the batch's mean fields t->mu and the model's statistics (chains, or nw, nb):
 *   vel = mom vel + lr (<x^{l-1} x^lT>_data - <x^{l-1} x^lT>_model - weight_decay W - S),  W += vel,
 * likewise the biases without decay (their sums in double, in row order). S is the
 * sparsity penalty of Salakhutdinov's public DBM code (dbm_mf.m, after Lee, Ekanadham & Ng 2008
 * and Nair & Hinton 2009; Hinton 2010, "A practical guide", sec. 11): with s_j = cost (q_j - p)
 * for a hidden unit j of running mean activation q_j and target p, the bias of j moves by
 * -lr s_j and W^l_ij by -lr (mean(mu_i) s_j + s_i mean(mu_j)), the second term only when layer
 * l - 1 is hidden (the derivative of the penalty through the total input of each unit). The
 * weights' rows go in blocks of TRAIN_BLOCK, one product each (update_rows). */
static void update(zs_dbm_trainer *t, size_t bs, double lr, double mom) {
    zs_dbm *d = t->m;
    const size_t U = t->units, M = t->o.chains;
    const int sp = t->o.sparsity_cost > 0.0;
    if (sp) sparsity_means(t, bs);
    const double ib = 1.0 / (double)bs;
    for (size_t l = 0; l <= d->L; l++) {
        const size_t nl = d->n[l], ol = t->off[l];
        for (size_t j = 0; j < nl; j++) {
            double pos = 0.0;
            for (size_t q = 0; q < bs; q++) pos += (double)t->mu[q * U + ol + j];
            double g = pos * ib - t->nb[l][j];
            if (sp && l) g -= sparsity_grad(t, l, ol + j);
            t->vb[l][j] = mom * t->vb[l][j] + lr * g;
        }
    }
    const float fm = -1.0f / (float)M, fb = 1.0f / (float)bs;
    for (size_t r = t->neg == ZS_DBM_NEGATIVE_PERSISTENT ? 0 : M; r < M + bs; r++)
        for (size_t u = 0; u < U; u++) t->sa[r * U + u] = t->s[r * U + u] * (r < M ? fm : fb);
    size_t tasks[ZS_DBM_MAX_LAYERS + 2] = {0};
    for (size_t l = 1; l <= d->L; l++) tasks[l + 1] = tasks[l] + block_count(d->n[l - 1]);
    const size_t ntask = tasks[d->L + 1];
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads_for(t->ctx, ntask))
    for (size_t k = 0; k < ntask; k++) {
        size_t l = 1;
        while (k >= tasks[l + 1]) l++;
        const size_t np = d->n[l - 1], nblk = block_count(np), b = k - tasks[l];
        update_rows(t, l, b * np / nblk, (b + 1) * np / nblk, bs, lr, mom);
    }
    for (size_t l = 0; l <= d->L; l++)
        for (size_t j = 0; j < d->n[l]; j++) d->b[l][j] += t->vb[l][j];
}

zs_status zs_dbm_trainer_epoch(zs_dbm_trainer *t, double *mf_bound) {
    if (!t) return ZS_EINVAL;
    zs_dbm *d = t->m;
    const zs_dbm_train_opts *o = &t->o;
    const size_t n = t->n, B = o->batch < n ? o->batch : n;
    const size_t nb = (n + B - 1) / B;
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
    for (size_t l = 1; l <= d->L; l++)
        for (size_t k = 0; k < d->n[l - 1] * d->n[l]; k++) t->wf[l][k] = (float)d->w[l][k];
    /* One BLAS thread per product: the blocks are the parallelism, and a product split over
     * threads could add in another order on another thread count. */
    const int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    double bound_sum = 0.0;
    zs_status st = ZS_OK;
    for (size_t bt = 0; bt < nb && st == ZS_OK; bt++) {
        const size_t r0 = bt * B, bs = r0 + B <= n ? B : n - r0;
        /* the batch's mean field and the chains (the model's statistics nb), or then the model's
         * statistics nw, nb from its mean field or exactly */
        phases(t, r0, bs, nb, bt);
        for (size_t q = 0; q < bs; q++) bound_sum += t->bnd[q]; /* in row order */
        if (t->neg == ZS_DBM_NEGATIVE_MEAN_FIELD) neg_mean_field(t);
        else if (t->neg == ZS_DBM_NEGATIVE_EXACT) neg_exact(t, &ex);
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
    openblas_set_num_threads(blas_threads);
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
