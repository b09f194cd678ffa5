/* dbm_train_pre.c — greedy layer-wise pretraining of a deep Boltzmann machine as Salakhutdinov
 * & Hinton do ("Deep Boltzmann machines", AISTATS 2009; Neural Computation 24, 2012): a stack
 * of modified RBMs trained by CD-1 (zsum/dbm.h), an epoch at a time so that a program can
 * write a checkpoint after each (lib/io/dbm_npz_pre.c).
 *
 * Determinism: every random draw comes from a stream zs_rng(seed, id) whose id names the RBM,
 * the epoch and the row; each batch's products are float32 sgemm calls of shapes fixed by the
 * sizes alone, one BLAS thread each (below, "the CD step as batch products"), and every other
 * sum over rows runs in row order, so the result does not depend on the number of threads,
 * and the seed with the position (RBM, epoch) is the whole random state. */
#include "learn/dbm_train_internal.h"
#include "learn/rbm_train_internal.h"

#include <cblas.h>
#include <string.h>

struct zs_dbm_pretrainer {
    zs_ctx *ctx;
    zs_dbm_pretrain_opts o;
    size_t L, n;                             /* hidden layers, rows                   */
    size_t sizes[ZS_DBM_MAX_LAYERS + 1];
    size_t count[ZS_DBM_MAX_LAYERS + 1];     /* [l]: RBM l's epochs                    */
    size_t done[ZS_DBM_MAX_LAYERS + 1];      /* [l]: epochs done                       */
    size_t layer;                            /* the RBM in training                    */
    uint8_t *data;                           /* (n, n_0) the rows                      */
    uint8_t *in, *next;                      /* (n, n_{l-1}) RBM l's rows, the next's   */
    double *w[ZS_DBM_MAX_LAYERS + 1], *a[ZS_DBM_MAX_LAYERS + 1], *b[ZS_DBM_MAX_LAYERS + 1];
    double *vw, *va, *vb;                    /* the current RBM's velocities            */
    double *snap;                            /* its parameters and velocities at the epoch's start */
    float *wf;                               /* the current RBM's W rounded to float32   */
    float *g;                                /* (n_{l-1}, n_l) the batch's statistics     */
    float *fv, *sv;                          /* (2 batch, n_{l-1}) v0 then v_k; scaled   */
    float *fh;                               /* (2 batch, n_l) p(h | v0) then p(h | v_k)  */
    float *hs;                               /* (batch, n_l) binary hidden samples        */
    zs_rng *rng;                             /* (batch) each row's stream in the batch    */
    size_t *perm;
};

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

/* The scales of RBM l of L: hidden units see fu W^T v + b, visible units fd W h + a (the
 * bottom RBM: 2W up, W down; the top: W up, 2W down; a middle one 2W both ways; L = 1: none). */
static void scales(size_t L, size_t l, double *fu, double *fd) {
    *fu = L == 1 ? 1.0 : l == L ? 1.0 : 2.0;
    *fd = L == 1 ? 1.0 : l == 1 ? 1.0 : 2.0;
}

/* RBM l at its start: W ~ N(0, init_std^2), a the logits of its rows' frequencies
 * (pseudocount 1), b = 0, no velocity. */
static void init_rbm(zs_dbm_pretrainer *p, size_t l) {
    const size_t nv = p->sizes[l - 1], nh = p->sizes[l];
    zs_rng init;
    zs_rng_init(&init, p->o.seed, ID_PRE + ((uint64_t)l << 48) + 0xffffffffULL);
    for (size_t k = 0; k < nv * nh; k++) p->w[l][k] = p->o.init_std * zs_rng_normal(&init);
    if (l == 1 && p->o.resample) { /* the grey levels' means, with a pseudocount of 1 */
        for (size_t i = 0; i < nv; i++) p->a[l][i] = 0.0;
        for (size_t r = 0; r < p->n; r++)
            for (size_t i = 0; i < nv; i++) p->a[l][i] += p->in[r * nv + i] / 255.0;
        for (size_t i = 0; i < nv; i++) p->a[l][i] = (p->a[l][i] + 1.0) / ((double)p->n + 2.0);
    } else {
        zs_data_base_rate(p->in, p->n, nv, 1.0, p->a[l]);
    }
    for (size_t i = 0; i < nv; i++) p->a[l][i] = log(p->a[l][i]) - log1p(-p->a[l][i]);
    memset(p->b[l], 0, nh * sizeof(double));
    memset(p->vw, 0, nv * nh * sizeof(double));
    memset(p->va, 0, nv * sizeof(double));
    memset(p->vb, 0, nh * sizeof(double));
}

/* RBM l+1's rows from RBM l's: h ~ p(h | v) with the up-weights fu W^l (in <- next); with
 * resample, RBM 2's from the grey levels x / 255 of the data (rbm_l2.m: p(h | grey data)). */
static void draw_next(zs_dbm_pretrainer *p, size_t l) {
    const size_t nv = p->sizes[l - 1], nh = p->sizes[l], n = p->n;
    double fu, fd;
    scales(p->L, l, &fu, &fd);
    const double *w = p->w[l], *b = p->b[l];
    const uint8_t *in = p->in;
    uint8_t *next = p->next;
    const double sc = l == 1 && p->o.resample ? 1.0 / 255.0 : 1.0;
#pragma omp parallel for schedule(static) num_threads(zs_threads_for(p->ctx, n))
    for (size_t r = 0; r < n; r++) {
        zs_rng g;
        zs_rng_init(&g, p->o.seed, ID_PRE + ((uint64_t)l << 48) + 0x80000000ULL + r);
        for (size_t j = 0; j < nh; j++) {
            double s = b[j];
            for (size_t i = 0; i < nv; i++)
                if (in[r * nv + i]) s += fu * w[i * nh + j] * (in[r * nv + i] * sc);
            next[r * nh + j] = (uint8_t)(zs_rng_uniform(&g) < dbm_sigmoid(s));
        }
    }
    p->in = next;
    p->next = (uint8_t *)in;
}

/* Past every RBM that has had its epochs, up to the last. */
static void advance(zs_dbm_pretrainer *p) {
    while (p->layer < p->L && p->done[p->layer] >= p->count[p->layer]) {
        draw_next(p, p->layer);
        p->layer++;
        p->done[p->layer] = 0;
        init_rbm(p, p->layer);
    }
}

void dbm_pretrainer_redraw(zs_dbm_pretrainer *p) {
    memcpy(p->in, p->data, p->n * p->sizes[0]);
    for (size_t l = 1; l < p->layer; l++) draw_next(p, l);
}

/* The bad options' message, or ZS_OK; *count the epochs of each RBM. */
static zs_status check_opts(zs_ctx *ctx, const zs_dbm_pretrain_opts *o, size_t L, size_t n, size_t *count) {
    uint64_t total = 0;
    int big = 0;
    for (size_t l = 1; l <= L; l++) {
        count[l] = o->per_layer ? o->layer_epochs[l] : o->epochs;
        big |= count[l] > 100000000;
        total += count[l];
    }
    if (n == 0 || total == 0 || big || o->batch == 0 || !(o->lr > 0) || !(o->momentum >= 0 && o->momentum < 1) ||
        !(o->weight_decay >= 0) || !(o->init_std >= 0) || !isfinite(o->lr) || !isfinite(o->init_std) ||
        o->cd_step_epochs > 100000000 || (o->resample != 0 && o->resample != 1))
        return zs_fail(ctx, ZS_EINVAL, "pretraining: bad options (rows %zu, epochs %llu in all%s, batch %zu, "
                       "lr %g, momentum %g, weight decay %g, init std %g, CD step epochs %zu, resample %d)", n,
                       (unsigned long long)total, big ? ", over 10^8 for an RBM" : "", o->batch, o->lr, o->momentum,
                       o->weight_decay, o->init_std, o->cd_step_epochs, o->resample);
    return ZS_OK;
}

void zs_dbm_pretrainer_free(zs_dbm_pretrainer *p) {
    if (!p) return;
    for (size_t l = 0; l <= ZS_DBM_MAX_LAYERS; l++) {
        free(p->w[l]);
        free(p->a[l]);
        free(p->b[l]);
    }
    free(p->data);
    free(p->in);
    free(p->next);
    free(p->vw);
    free(p->va);
    free(p->vb);
    free(p->snap);
    free(p->wf);
    free(p->g);
    free(p->fv);
    free(p->sv);
    free(p->fh);
    free(p->hs);
    free(p->rng);
    free(p->perm);
    free(p);
}

zs_status zs_dbm_pretrainer_alloc(zs_ctx *ctx, const zs_dbm *d, const zs_dbm_pretrain_opts *o,
                                  const uint8_t *data, size_t n, zs_dbm_pretrainer **out) {
    if (!d || !o || !data || !out) return ZS_EINVAL;
    size_t count[ZS_DBM_MAX_LAYERS + 1] = {0};
    zs_status st = check_opts(ctx, o, d->L, n, count);
    /* with resample the bytes are grey levels 0..255 */
    if (st == ZS_OK && !o->resample) st = dbm_check_rows(ctx, data, n, d->n[0]);
    if (st != ZS_OK) return st;
    zs_dbm_pretrainer *p = zs_calloc(1, sizeof *p);
    if (!p) return zs_fail(ctx, ZS_ENOMEM, "pretraining: out of memory");
    p->ctx = ctx;
    p->o = *o;
    p->L = d->L;
    p->n = n;
    memcpy(p->sizes, d->n, (d->L + 1) * sizeof(size_t));
    memcpy(p->count, count, sizeof count);
    size_t wide = 0, mv = 0, mh = 0, mvh = 0; /* the widest input, visible, hidden, W */
    int bad = 0;
    for (size_t l = 1; l <= d->L; l++) {
        const size_t nv = d->n[l - 1], nh = d->n[l];
        if (nv > mv) mv = nv;
        if (nh > mh) mh = nh;
        if (nv * nh > mvh) mvh = nv * nh;
        p->w[l] = zs_malloc(nv * nh * sizeof(double));
        p->a[l] = zs_malloc(nv * sizeof(double));
        p->b[l] = zs_malloc(nh * sizeof(double));
        bad |= !p->w[l] || !p->a[l] || !p->b[l];
    }
    wide = mv;
    const size_t B = o->batch < n ? o->batch : n;
    p->data = zs_malloc(n * d->n[0]);
    p->in = zs_malloc(n * wide);
    p->next = d->L > 1 ? zs_malloc(n * wide) : NULL;
    p->vw = zs_malloc(mvh * sizeof(double));
    p->va = zs_malloc(mv * sizeof(double));
    p->vb = zs_malloc(mh * sizeof(double));
    p->snap = zs_malloc(2 * (mvh + mv + mh) * sizeof(double));
    p->wf = zs_malloc(mvh * sizeof(float));
    p->g = zs_malloc(mvh * sizeof(float));
    p->fv = zs_malloc(2 * B * mv * sizeof(float));
    p->sv = zs_malloc(2 * B * mv * sizeof(float));
    p->fh = zs_malloc(2 * B * mh * sizeof(float));
    p->hs = zs_malloc(B * mh * sizeof(float));
    p->rng = zs_malloc(B * sizeof(zs_rng));
    p->perm = zs_malloc(n * sizeof(size_t));
    if (bad || !p->data || !p->in || (d->L > 1 && !p->next) || !p->vw || !p->va || !p->vb || !p->snap ||
        !p->wf || !p->g || !p->fv || !p->sv || !p->fh || !p->hs || !p->rng || !p->perm) {
        zs_dbm_pretrainer_free(p);
        return zs_fail(ctx, ZS_ENOMEM, "pretraining: out of memory");
    }
    memcpy(p->data, data, n * d->n[0]);
    memcpy(p->in, data, n * d->n[0]);
    p->layer = 1;
    init_rbm(p, 1);
    *out = p;
    return ZS_OK;
}

/* back = 0: the current RBM's parameters and velocities into the snapshot; 1: restore them. */
static void snap_rbm(zs_dbm_pretrainer *p, int back) {
    const size_t l = p->layer, nv = p->sizes[l - 1], nh = p->sizes[l];
    double *x[6] = {p->w[l], p->a[l], p->b[l], p->vw, p->va, p->vb};
    const size_t k[6] = {nv * nh, nv, nh, nv * nh, nv, nh};
    double *s = p->snap;
    for (int q = 0; q < 6; q++) {
        if (back) memcpy(x[q], s, k[q] * sizeof(double));
        else memcpy(s, x[q], k[q] * sizeof(double));
        s += k[q];
    }
}

/* ---- the CD step as batch products -------------------------------------------------------
 * Each product of a batch is OpenBLAS sgemm in float32 on one BLAS thread, split over the
 * columns of its output in blocks of PRE_BLOCK (the number and shape of the calls a function
 * of the layer sizes and the batch size alone), so whichever thread runs a block, and however
 * many threads there are, every output element is the same sum: the result does not depend on
 * the number of threads. Operands: W rounded to float32 once per update (wf), the 0/1 states
 * and the probabilities float32; the biases, sigmoids, velocities and W itself double, as in
 * joint training (dbm_train.c). */

/* Columns of a product's output in one call at most. */
#define PRE_BLOCK 128

static size_t pre_blocks(size_t n) { return (n + PRE_BLOCK - 1) / PRE_BLOCK; }

/* Out (bs x no, float32) = sigmoid(bias + f X Wt) column block by column block, X (bs x ni):
 * Wt = W (ni x no) when !tw, W^T (W no x ni) when tw. */
static void sig_product(const zs_dbm_pretrainer *p, size_t bs, size_t ni, size_t no, const float *x, int tw,
                        double f, const double *bias, float *out) {
    const size_t nb = pre_blocks(no), nh = tw ? ni : no; /* W's row length */
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads_for(p->ctx, nb))
    for (size_t k = 0; k < nb; k++) {
        const size_t j0 = k * no / nb, j1 = (k + 1) * no / nb;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, tw ? CblasTrans : CblasNoTrans, (int)bs, (int)(j1 - j0), (int)ni,
                    (float)f, x, (int)ni, tw ? p->wf + j0 * nh : p->wf + j0, (int)nh, 0.0f, out + j0, (int)no);
        for (size_t q = 0; q < bs; q++)
            for (size_t j = j0; j < j1; j++) out[q * no + j] = (float)dbm_sigmoid(bias[j] + (double)out[q * no + j]);
    }
}

/* v0 of the batch's bs rows (r0 its first position in perm) in epoch e: the rows as they are,
 * or with resample (RBM 1) each pixel on with probability x / 255 of its grey level x, drawn
 * afresh at every use (rbm.m: data > rand) from a stream named by (epoch, position); and each
 * row's stream of hidden draws, named by (RBM, epoch, position). */
static void batch_rows(zs_dbm_pretrainer *p, size_t e, size_t r0, size_t bs) {
    const size_t l = p->layer, nv = p->sizes[l - 1];
    const int grey = l == 1 && p->o.resample;
#pragma omp parallel for schedule(static) num_threads(zs_threads_for(p->ctx, bs))
    for (size_t q = 0; q < bs; q++) {
        const uint8_t *row = p->in + p->perm[r0 + q] * nv;
        float *v = p->fv + q * nv;
        zs_rng_init(&p->rng[q], p->o.seed, ID_PRE + ((uint64_t)l << 48) + ((uint64_t)e << 32) + r0 + q);
        if (grey) {
            zs_rng g;
            zs_rng_init(&g, p->o.seed, ID_PIXELS + ((uint64_t)e << 32) + r0 + q);
            for (size_t i = 0; i < nv; i++) v[i] = zs_rng_uniform(&g) < row[i] / 255.0 ? 1.0f : 0.0f;
        } else {
            for (size_t i = 0; i < nv; i++) v[i] = row[i];
        }
    }
}

/* Binary hidden samples hs ~ prob (bs x nh), nh draws a row from the row's stream, in order. */
static void draw_hidden(zs_dbm_pretrainer *p, size_t bs, size_t nh, const float *prob) {
#pragma omp parallel for schedule(static) num_threads(zs_threads_for(p->ctx, bs))
    for (size_t q = 0; q < bs; q++)
        for (size_t j = 0; j < nh; j++)
            p->hs[q * nh + j] = zs_rng_uniform(&p->rng[q]) < (double)prob[q * nh + j] ? 1.0f : 0.0f;
}

/* The CD-k statistics of the batch (Hinton 2010, "A practical guide", sec. 3): v0 and
 * h0 = p(h | v0); then k times a binary h drawn from the last hidden probabilities, the
 * reconstruction's probabilities v_k = p(v | h) and h_k = p(h | v_k). fv holds v0 then v_k,
 * fh h0 then h_k (bs rows each). */
static void cd_rows(zs_dbm_pretrainer *p, size_t e, size_t r0, size_t bs, size_t k) {
    const size_t l = p->layer, nv = p->sizes[l - 1], nh = p->sizes[l];
    double fu, fd;
    scales(p->L, l, &fu, &fd);
    float *v1 = p->fv + bs * nv, *h0 = p->fh, *h1 = p->fh + bs * nh;
    batch_rows(p, e, r0, bs);
    sig_product(p, bs, nv, nh, p->fv, 0, fu, p->b[l], h0);
    for (size_t s = 0; s < k; s++) {
        draw_hidden(p, bs, nh, s == 0 ? h0 : h1);
        sig_product(p, bs, nh, nv, p->hs, 1, fd, p->a[l], v1);
        sig_product(p, bs, nv, nh, v1, 0, fu, p->b[l], h1);
    }
}

/* The momentum step of the batch: vel = mom vel + lr (<v h>_0 - <v h>_k - weight_decay W),
 * W += vel; the biases alike without decay. The weights' statistics are one float32 product
 * over the stacked rows, [v0 / bs; -v_k / bs]^T [h0; h_k], in blocks of PRE_BLOCK rows of W;
 * the biases' sums are double, in row order. */
static void cd_update(zs_dbm_pretrainer *p, size_t bs, double lr, double mom) {
    const size_t l = p->layer, nv = p->sizes[l - 1], nh = p->sizes[l];
    const zs_dbm_pretrain_opts *o = &p->o;
    double *w = p->w[l], *a = p->a[l], *b = p->b[l], *vw = p->vw, *va = p->va, *vb = p->vb;
    const float fb = 1.0f / (float)bs;
    for (size_t q = 0; q < 2 * bs; q++)
        for (size_t i = 0; i < nv; i++) p->sv[q * nv + i] = p->fv[q * nv + i] * (q < bs ? fb : -fb);
    const size_t nb = pre_blocks(nv);
#pragma omp parallel for schedule(dynamic, 1) num_threads(zs_threads_for(p->ctx, nb))
    for (size_t t = 0; t < nb; t++) {
        const size_t i0 = t * nv / nb, i1 = (t + 1) * nv / nb;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(i1 - i0), (int)nh, (int)(2 * bs), 1.0f,
                    p->sv + i0, (int)nv, p->fh, (int)nh, 0.0f, p->g + i0 * nh, (int)nh);
        for (size_t k = i0 * nh; k < i1 * nh; k++) {
            vw[k] = mom * vw[k] + lr * ((double)p->g[k] - o->weight_decay * w[k]);
            w[k] += vw[k];
            p->wf[k] = (float)w[k];
        }
    }
    const double inv = 1.0 / (double)bs;
    const float *v0 = p->fv, *v1 = p->fv + bs * nv, *h0 = p->fh, *h1 = p->fh + bs * nh;
    for (size_t i = 0; i < nv; i++) {
        double g = 0.0;
        for (size_t q = 0; q < bs; q++) g += (double)v0[q * nv + i] - (double)v1[q * nv + i];
        va[i] = mom * va[i] + lr * g * inv;
        a[i] += va[i];
    }
    for (size_t j = 0; j < nh; j++) {
        double g = 0.0;
        for (size_t q = 0; q < bs; q++) g += (double)h0[q * nh + j] - (double)h1[q * nh + j];
        vb[j] = mom * vb[j] + lr * g * inv;
        b[j] += vb[j];
    }
}

/* The CD steps of RBM l in its epoch e (from 0): 1, or with cd_step_epochs S (RBMs 2..L)
 * ceil((e + 1) / S), as rbm_l2.m's CD = ceil(epoch/20). */
static size_t cd_steps(const zs_dbm_pretrainer *p, size_t l, size_t e) {
    const size_t S = p->o.cd_step_epochs;
    return S == 0 || l < 2 ? 1 : e / S + 1;
}

zs_status zs_dbm_pretrainer_epoch(zs_dbm_pretrainer *p) {
    if (!p) return ZS_EINVAL;
    advance(p);
    const size_t l = p->layer, e = p->done[l];
    if (e >= p->count[l]) return ZS_OK;
    const size_t nv = p->sizes[l - 1], nh = p->sizes[l], n = p->n;
    const size_t B = p->o.batch < n ? p->o.batch : n, nb = (n + B - 1) / B;
    snap_rbm(p, 0);
    learn_shuffle(p->perm, n, p->o.seed, ID_ORDER + ((uint64_t)l << 48) + e);
    const double mom = e < 5 && p->o.momentum > 0.5 ? 0.5 : p->o.momentum;
    /* rbm_l2.m: epsilon = epsilon_0 / CD for the weights and both biases */
    const size_t k = cd_steps(p, l, e);
    const double lr = p->o.lr / (double)k;
    for (size_t q = 0; q < nv * nh; q++) p->wf[q] = (float)p->w[l][q];
    /* one BLAS thread per product: the blocks are the parallelism (dbm_train.c does the same) */
    const int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    zs_status st = ZS_OK;
    for (size_t bt = 0; bt < nb && st == ZS_OK; bt++) {
        const size_t r0 = bt * B, bs = r0 + B <= n ? B : n - r0;
        cd_rows(p, e, r0, bs, k);
        cd_update(p, bs, lr, mom);
        if (zs_progress(p->ctx, "pretraining", (double)(bt + 1), (double)nb))
            st = zs_fail(p->ctx, ZS_ECANCELLED, "pretraining: cancelled");
    }
    openblas_set_num_threads(blas_threads);
    for (size_t q = 0; q < nv * nh && st == ZS_OK; q++)
        if (!isfinite(p->w[l][q]))
            st = zs_fail(p->ctx, ZS_ENUMERIC, "pretraining RBM %zu diverged in epoch %zu (a weight "
                         "is not finite); lower the learning rate", l, e + 1);
    if (st != ZS_OK) {
        snap_rbm(p, 1);
        return st;
    }
    p->done[l]++;
    return ZS_OK;
}

uint64_t zs_dbm_pretrainer_epochs_done(const zs_dbm_pretrainer *p) {
    uint64_t s = 0;
    for (size_t l = 1; p && l <= p->layer; l++) s += p->done[l];
    return s;
}

uint64_t zs_dbm_pretrainer_epochs(const zs_dbm_pretrainer *p) {
    uint64_t s = 0;
    for (size_t l = 1; p && l <= p->L; l++) s += p->count[l];
    return s;
}

void zs_dbm_pretrainer_position(const zs_dbm_pretrainer *p, size_t *layer, size_t *epochs_done) {
    if (layer) *layer = p ? p->layer : 0;
    if (epochs_done) *epochs_done = p ? p->done[p->layer] : 0;
}

/* W^l = RBM l's weights, b^0 = RBM 1's visible biases, b^L = RBM L's hidden biases, and for
 * 0 < l < L the mean of RBM l's hidden biases and RBM l+1's visible biases. */
zs_status zs_dbm_pretrainer_get(zs_dbm_pretrainer *p, zs_dbm *d) {
    if (!p || !d) return ZS_EINVAL;
    int same = d->L == p->L;
    for (size_t l = 0; same && l <= p->L; l++) same = d->n[l] == p->sizes[l];
    if (!same) return zs_fail(p->ctx, ZS_EINVAL, "pretraining: the model has other layer sizes");
    advance(p);
    if (p->done[p->layer] < p->count[p->layer] || p->layer < p->L)
        return zs_fail(p->ctx, ZS_EINVAL, "pretraining is not finished (RBM %zu of %zu, epoch %zu of %zu)",
                       p->layer, p->L, p->done[p->layer], p->count[p->layer]);
    const size_t L = p->L;
    for (size_t l = 1; l <= L; l++) memcpy(d->w[l], p->w[l], d->n[l - 1] * d->n[l] * sizeof(double));
    memcpy(d->b[0], p->a[1], d->n[0] * sizeof(double));
    memcpy(d->b[L], p->b[L], d->n[L] * sizeof(double));
    for (size_t l = 1; l < L; l++)
        for (size_t j = 0; j < d->n[l]; j++) d->b[l][j] = 0.5 * (p->b[l][j] + p->a[l + 1][j]);
    return ZS_OK;
}

void dbm_pretrainer_state(zs_dbm_pretrainer *p, dbm_pretrainer_view *v) {
    memset(v, 0, sizeof *v);
    v->ctx = p->ctx;
    v->opts = &p->o;
    v->L = p->L;
    v->sizes = p->sizes;
    v->count = p->count;
    v->layer = &p->layer;
    v->done = p->done;
    v->w = p->w;
    v->a = p->a;
    v->b = p->b;
    v->vw = p->vw;
    v->va = p->va;
    v->vb = p->vb;
}

zs_status zs_dbm_pretrain(zs_dbm *d, const zs_dbm_pretrain_opts *o, const uint8_t *data, size_t n) {
    if (!d || !o || !data) return ZS_EINVAL;
    zs_dbm_pretrainer *p = NULL;
    zs_status st = zs_dbm_pretrainer_alloc(d->ctx, d, o, data, n, &p);
    while (st == ZS_OK && zs_dbm_pretrainer_epochs_done(p) < zs_dbm_pretrainer_epochs(p))
        st = zs_dbm_pretrainer_epoch(p);
    if (st == ZS_OK) st = zs_dbm_pretrainer_get(p, d);
    zs_dbm_pretrainer_free(p);
    return st;
}
