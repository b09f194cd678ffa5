/* rbm_cd.c — training by contrastive divergence: CD-k (Hinton 2002) and persistent CD-k
 * (Tieleman 2008), with momentum and L2 weight decay as in Hinton (2010), "A practical guide
 * to training restricted Boltzmann machines", sections 3-10.
 *
 * For a batch V0 (B x nv):
 *   P0 = sigmoid(V0 W + b)                  positive hidden probabilities, H0 ~ P0
 *   negative chain: CD starts from H0; PCD from H ~ sigmoid(C W + b) of persistent visible
 *   states C (B chains, started at the first batch's rows; each keeps its last Vk);
 *   k times: Vk ~ sigmoid(H W^T + a), Pk = sigmoid(Vk W + b), H ~ Pk
 *   grad W = (V0^T P0 - Vk^T Pk) / B,  grad a = mean(V0 - Vk),  grad b = mean(P0 - Pk)
 *   vel = momentum vel + lr (grad - weight_decay W),  W += vel   (likewise a, b without decay)
 * V0, H and Vk are binary, so every product is a sum of the rows of W (or W^T, P0, Pk) picked
 * by the ones (rbm_rows_sum): with MNIST-like data ~13% of the visible units are on, which
 * makes this several times cheaper than dense sgemm. All in float32. Rows of a batch run in
 * parallel (OpenMP), each from its own stream zs_rng(seed, (epoch, batch, row)); the row order
 * of epoch e comes from zs_rng(seed, 2^62 + e). An epoch is thus a function of (parameters,
 * velocities, chains, e) and of nothing else — not of the thread count — so saving those makes
 * --resume bit-identical. The reconstruction error is sum_i (v0_i - p(v_i = 1 | h0))^2. */
#include "models/rbm_internal.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

struct zs_rbm_trainer {
    zs_ctx *ctx;
    size_t nv, nh, n;
    zs_rbm_train_opts o;
    uint32_t *on;             /* the data's ones: row r is on[start[r] .. start[r+1])       */
    size_t *start;
    float *w, *a, *b;         /* (nv, nh), (nv), (nh) parameters                          */
    float *vw, *va, *vb;      /* velocities                                               */
    float *chains;            /* (batch, nv) PCD visible states                           */
    float *save;              /* copy of w .. chains at the epoch start                    */
    float *wt;                /* (nh, nv) W^T, kept equal to w                             */
    float *p0, *pk;           /* (batch, nh) positive and negative hidden probabilities    */
    float *scratch;           /* per thread: nv + nh floats                                */
    uint32_t *vk_on;          /* (batch, nv) the ones of each negative visible sample      */
    size_t *vk_n;             /* (batch)                                                  */
    uint32_t *iscratch;       /* per thread: nh + nh indices                               */
    uint32_t *col0, *colk;    /* rows of the batch where visible i is on, per i (CSR)      */
    size_t *cs0, *csk;        /* (nv + 1) column starts                                    */
    float *g0, *gk;           /* per thread: nh floats each                                */
    double *recon_row;        /* (batch)                                                  */
    size_t *perm;
    int threads;
    uint64_t epoch;
    int chains_ready;
};

void zs_rbm_train_defaults(zs_rbm_train_opts *o) {
    memset(o, 0, sizeof *o);
    o->k = 1;
    o->persistent = 0;
    o->batch = 100;
    o->lr = 0.05;
    o->seed = 1;
}

static size_t state_len(const zs_rbm_trainer *t) {
    return 2 * (t->nv * t->nh + t->nv + t->nh) + t->o.batch * t->nv;
}

void zs_rbm_trainer_free(zs_rbm_trainer *t) {
    if (!t) return;
    free(t->on);
    free(t->start);
    free(t->w);
    free(t->save);
    free(t->wt);
    free(t->p0);
    free(t->scratch);
    free(t->vk_on);
    free(t->vk_n);
    free(t->iscratch);
    free(t->col0);
    free(t->cs0);
    free(t->g0);
    free(t->recon_row);
    free(t->perm);
    free(t);
}

zs_status zs_rbm_trainer_alloc(zs_ctx *ctx, const zs_rbm *rbm, const zs_rbm_train_opts *opts,
                               const double *data, size_t n, zs_rbm_trainer **out) {
    if (!rbm || !opts || !data || !out) return ZS_EINVAL;
    if (opts->k < 1 || opts->batch < 1 || !(opts->lr > 0) || !isfinite(opts->lr) ||
        !(opts->momentum >= 0 && opts->momentum < 1) || !(opts->weight_decay >= 0) ||
        !isfinite(opts->weight_decay))
        return zs_fail(ctx, ZS_EINVAL, "train: need k >= 1, batch >= 1, lr > 0, 0 <= momentum < 1, "
                       "weight decay >= 0 (got k %zu, batch %zu, lr %g, momentum %g, decay %g)",
                       opts->k, opts->batch, opts->lr, opts->momentum, opts->weight_decay);
    if (n == 0) return zs_fail(ctx, ZS_EINVAL, "train: no data rows");
    zs_rbm_trainer *t = calloc(1, sizeof *t);
    if (!t) return zs_fail(ctx, ZS_ENOMEM, "train: out of memory");
    t->ctx = ctx;
    t->nv = zs_rbm_nv(rbm);
    t->nh = zs_rbm_nh(rbm);
    t->n = n;
    t->o = *opts;
    const size_t nv = t->nv, nh = t->nh, B = opts->batch;
    size_t ones = 0;
    for (size_t x = 0; x < n * nv; x++) {
        if (data[x] != 0.0 && data[x] != 1.0) {
            zs_rbm_trainer_free(t);
            return zs_fail(ctx, ZS_EINVAL, "train: data row %zu, column %zu = %g is not 0 or 1",
                           x / nv, x % nv, data[x]);
        }
        ones += data[x] != 0.0;
    }
    t->threads = zs_threads(ctx);
    const size_t T = (size_t)t->threads;
    size_t len = state_len(t);
    t->on = malloc((ones ? ones : 1) * sizeof *t->on);
    t->start = malloc((n + 1) * sizeof *t->start);
    t->w = calloc(len, sizeof(float));
    t->save = calloc(len, sizeof(float));
    t->wt = malloc(nv * nh * sizeof(float));
    t->p0 = malloc(2 * B * nh * sizeof(float));
    t->scratch = malloc(T * (nv + nh) * sizeof(float));
    t->vk_on = malloc(B * nv * sizeof *t->vk_on);
    t->vk_n = malloc(B * sizeof *t->vk_n);
    t->iscratch = malloc(T * 2 * nh * sizeof *t->iscratch);
    t->col0 = malloc(2 * B * nv * sizeof *t->col0);
    t->cs0 = malloc(2 * (nv + 1) * sizeof *t->cs0);
    t->g0 = malloc(T * 2 * nh * sizeof *t->g0);
    t->recon_row = malloc(B * sizeof *t->recon_row);
    t->perm = malloc(n * sizeof *t->perm);
    if (!t->on || !t->start || !t->w || !t->save || !t->wt || !t->p0 || !t->scratch || !t->vk_on ||
        !t->vk_n || !t->iscratch || !t->col0 || !t->cs0 || !t->g0 || !t->recon_row || !t->perm) {
        zs_rbm_trainer_free(t);
        return zs_fail(ctx, ZS_ENOMEM, "train: out of memory");
    }
    size_t k = 0;
    for (size_t r = 0; r < n; r++) {
        t->start[r] = k;
        for (size_t i = 0; i < nv; i++)
            if (data[r * nv + i] != 0.0) t->on[k++] = (uint32_t)i;
    }
    t->start[n] = k;
    t->a = t->w + nv * nh;
    t->b = t->a + nv;
    t->vw = t->b + nh;
    t->va = t->vw + nv * nh;
    t->vb = t->va + nv;
    t->chains = t->vb + nh;
    t->pk = t->p0 + B * nh;
    t->colk = t->col0 + B * nv;
    t->csk = t->cs0 + nv + 1;
    t->gk = t->g0 + T * nh;
    for (size_t i = 0; i < nv * nh; i++) t->w[i] = (float)zs_rbm_cw(rbm)[i];
    for (size_t i = 0; i < nv; i++) t->a[i] = (float)zs_rbm_cvbias(rbm)[i];
    for (size_t j = 0; j < nh; j++) t->b[j] = (float)zs_rbm_chbias(rbm)[j];
    *out = t;
    return ZS_OK;
}

uint64_t zs_rbm_trainer_epochs_done(const zs_rbm_trainer *t) { return t->epoch; }

void zs_rbm_trainer_get(const zs_rbm_trainer *t, zs_rbm *rbm) {
    for (size_t i = 0; i < t->nv * t->nh; i++) zs_rbm_w(rbm)[i] = (double)t->w[i];
    for (size_t i = 0; i < t->nv; i++) zs_rbm_vbias(rbm)[i] = (double)t->a[i];
    for (size_t j = 0; j < t->nh; j++) zs_rbm_hbias(rbm)[j] = (double)t->b[j];
}

#define RECON_EVERY 8

/* 24-bit uniforms in [0, 1), two from each 64-bit draw. */
typedef struct ufloat {
    zs_rng rng;
    uint64_t word;
    int left;
} ufloat;

static float uniformf(ufloat *u) {
    if (!u->left) {
        u->word = zs_rng_next(&u->rng);
        u->left = 2;
    }
    u->left--;
    return (float)((u->word >> (32 * u->left + 8)) & 0xffffff) * 0x1.0p-24f;
}

static void transpose(float *dst, const float *src, size_t rows, size_t cols) {
    for (size_t i0 = 0; i0 < rows; i0 += 32)
        for (size_t j0 = 0; j0 < cols; j0 += 32)
            for (size_t i = i0; i < rows && i < i0 + 32; i++)
                for (size_t j = j0; j < cols && j < j0 + 32; j++) dst[j * rows + i] = src[i * cols + j];
}

/* Column lists of a batch: for each visible unit i, the rows q whose list has i. */
static void columns(size_t nv, size_t mb, const uint32_t *const *lists, const size_t *counts,
                    size_t *cs, uint32_t *col) {
    memset(cs, 0, (nv + 1) * sizeof *cs);
    for (size_t q = 0; q < mb; q++)
        for (size_t x = 0; x < counts[q]; x++) cs[lists[q][x] + 1]++;
    for (size_t i = 0; i < nv; i++) cs[i + 1] += cs[i];
    /* Fill by advancing each column's start to its end, then shift the starts back. */
    for (size_t q = 0; q < mb; q++)
        for (size_t x = 0; x < counts[q]; x++) col[cs[lists[q][x]]++] = (uint32_t)q;
    for (size_t i = nv; i > 0; i--) cs[i] = cs[i - 1];
    cs[0] = 0;
}

zs_status zs_rbm_trainer_epoch(zs_rbm_trainer *t, double *recon_error) {
    const size_t nv = t->nv, nh = t->nh, n = t->n, B = t->o.batch, K = t->o.k;
    const float lr = (float)t->o.lr, mom = (float)t->o.momentum, wd = (float)t->o.weight_decay;
    memcpy(t->save, t->w, state_len(t) * sizeof(float));
    transpose(t->wt, t->w, nv, nh);
    zs_rng order;
    zs_rng_init(&order, t->o.seed, (1ULL << 62) + t->epoch);
    for (size_t i = 0; i < n; i++) t->perm[i] = i;
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)zs_rng_below(&order, i);
        size_t tmp = t->perm[i - 1];
        t->perm[i - 1] = t->perm[j];
        t->perm[j] = tmp;
    }
    const int persistent = t->o.persistent, was_ready = t->chains_ready;
    double recon = 0.0;
    size_t nrecon = 0;
    const size_t nbatches = (n + B - 1) / B;
    const uint32_t **lists = malloc(B * sizeof *lists);
    if (!lists) return zs_fail(t->ctx, ZS_ENOMEM, "train: out of memory");
    for (size_t bt = 0; bt < nbatches; bt++) {
        const size_t r0 = bt * B, mb = r0 + B <= n ? B : n - r0;
        const int first = persistent && !t->chains_ready;
#pragma omp parallel for schedule(dynamic, 4) num_threads(t->threads)
        for (size_t q = 0; q < mb; q++) {
            const int th = omp_get_thread_num();
            float *pv = t->scratch + (size_t)th * (nv + nh);
            uint32_t *hon = t->iscratch + (size_t)th * 2 * nh;
            ufloat rng;
            zs_rng_init(&rng.rng, t->o.seed, (t->epoch << 40) ^ ((uint64_t)bt << 20) ^ q);
            rng.left = 0;
            const size_t row = t->perm[r0 + q];
            const uint32_t *on0 = t->on + t->start[row];
            const size_t n0 = t->start[row + 1] - t->start[row];
            float *p0 = t->p0 + q * nh, *pk = t->pk + q * nh;
            /* Positive phase: P0 = sigmoid(b + sum of the rows of W that v0 turns on). */
            rbm_rows_sum(p0, t->w, nh, on0, n0, nh);
            rbm_sigmoid(p0, p0, t->b, nh);
            size_t nhon = 0;
            for (size_t j = 0; j < nh; j++)
                if (uniformf(&rng) < p0[j]) hon[nhon++] = (uint32_t)j;
            /* Reconstruction error of v0 through h0, on every 8th row of the batch (it is a
             * progress figure; the full sum would cost a quarter of the epoch). */
            t->recon_row[q] = 0.0;
            if (q % RECON_EVERY == 0) {
                rbm_rows_sum(pv, t->wt, nv, hon, nhon, nv);
                rbm_sigmoid(pv, pv, t->a, nv);
                double re = 0.0;
                for (size_t i = 0; i < nv; i++) re += (double)pv[i] * (double)pv[i];
                for (size_t x = 0; x < n0; x++) re += 1.0 - 2.0 * (double)pv[on0[x]];
                t->recon_row[q] = re;
            }
            /* Negative phase from h0 (CD) or from h ~ p(h | c) of the chain's visible state c
             * (PCD; at its very first use the chain starts at the row v0 itself). */
            float *chain = t->chains + q * nv;
            uint32_t *vk = t->vk_on + q * nv;
            if (persistent) {
                size_t nc = 0;
                if (first)
                    for (size_t x = 0; x < n0; x++) vk[nc++] = on0[x];
                else
                    for (size_t i = 0; i < nv; i++)
                        if (chain[i] != 0.0f) vk[nc++] = (uint32_t)i;
                rbm_rows_sum(pk, t->w, nh, vk, nc, nh);
                rbm_sigmoid(pk, pk, t->b, nh);
                nhon = 0;
                for (size_t j = 0; j < nh; j++)
                    if (uniformf(&rng) < pk[j]) hon[nhon++] = (uint32_t)j;
            }
            size_t nvk = 0;
            for (size_t s = 0; s < K; s++) {
                rbm_rows_sum(pv, t->wt, nv, hon, nhon, nv);
                rbm_sigmoid(pv, pv, t->a, nv);
                nvk = 0;
                for (size_t i = 0; i < nv; i++)
                    if (uniformf(&rng) < pv[i]) vk[nvk++] = (uint32_t)i;
                rbm_rows_sum(pk, t->w, nh, vk, nvk, nh);
                rbm_sigmoid(pk, pk, t->b, nh);
                nhon = 0;
                if (s + 1 < K)
                    for (size_t j = 0; j < nh; j++)
                        if (uniformf(&rng) < pk[j]) hon[nhon++] = (uint32_t)j;
            }
            t->vk_n[q] = nvk;
            if (persistent) {
                memset(chain, 0, nv * sizeof *chain);
                for (size_t x = 0; x < nvk; x++) chain[vk[x]] = 1.0f;
            }
        }
        for (size_t q = 0; q < mb; q++) recon += t->recon_row[q];
        nrecon += (mb + RECON_EVERY - 1) / RECON_EVERY;
        if (persistent) t->chains_ready = 1;
        /* Gradient of W by visible unit: sum of P0 over the rows where v0_i = 1, minus that of
         * Pk where vk_i = 1; then the update, row i of W and column i of W^T. */
        for (size_t q = 0; q < mb; q++) lists[q] = t->on + t->start[t->perm[r0 + q]];
        size_t *counts = malloc(mb * sizeof *counts);
        if (!counts) {
            free(lists);
            return zs_fail(t->ctx, ZS_ENOMEM, "train: out of memory");
        }
        for (size_t q = 0; q < mb; q++) counts[q] = t->start[t->perm[r0 + q] + 1] - t->start[t->perm[r0 + q]];
        columns(nv, mb, lists, counts, t->cs0, t->col0);
        for (size_t q = 0; q < mb; q++) {
            lists[q] = t->vk_on + q * nv;
            counts[q] = t->vk_n[q];
        }
        columns(nv, mb, lists, counts, t->csk, t->colk);
        free(counts);
        const float inv = 1.0f / (float)mb;
#pragma omp parallel for schedule(static, 16) num_threads(t->threads)
        for (size_t i = 0; i < nv; i++) {
            const int th = omp_get_thread_num();
            float *g0 = t->g0 + (size_t)th * nh, *gk = t->gk + (size_t)th * nh;
            rbm_rows_sum(g0, t->p0, nh, t->col0 + t->cs0[i], t->cs0[i + 1] - t->cs0[i], nh);
            rbm_rows_sum(gk, t->pk, nh, t->colk + t->csk[i], t->csk[i + 1] - t->csk[i], nh);
            float *w = t->w + i * nh, *vw = t->vw + i * nh;
            for (size_t j = 0; j < nh; j++) {
                vw[j] = mom * vw[j] + lr * ((g0[j] - gk[j]) * inv - wd * w[j]);
                w[j] += vw[j];
                t->wt[j * nv + i] = w[j];
            }
            float ga = (float)(t->cs0[i + 1] - t->cs0[i]) - (float)(t->csk[i + 1] - t->csk[i]);
            t->va[i] = mom * t->va[i] + lr * ga * inv;
            t->a[i] += t->va[i];
        }
        for (size_t j = 0; j < nh; j++) {
            float g = 0.0f;
            for (size_t q = 0; q < mb; q++) g += t->p0[q * nh + j] - t->pk[q * nh + j];
            t->vb[j] = mom * t->vb[j] + lr * g * inv;
            t->b[j] += t->vb[j];
        }
        if (zs_progress(t->ctx, "train", (double)(bt + 1), (double)nbatches)) {
            free(lists);
            memcpy(t->w, t->save, state_len(t) * sizeof(float));
            t->chains_ready = was_ready;
            return zs_fail(t->ctx, ZS_ECANCELLED, "train: cancelled");
        }
    }
    free(lists);
    /* Divergence: a non-finite parameter or |W| > 1e6 restores the epoch's start. */
    const char *bad = NULL;
    size_t where = 0;
    float val = 0.0f;
    for (size_t x = 0; x < nv * nh && !bad; x++)
        if (!isfinite(t->w[x]) || fabsf(t->w[x]) > 1e6f) bad = "W", where = x, val = t->w[x];
    for (size_t i = 0; i < nv && !bad; i++)
        if (!isfinite(t->a[i]) || fabsf(t->a[i]) > 1e6f) bad = "vbias", where = i, val = t->a[i];
    for (size_t j = 0; j < nh && !bad; j++)
        if (!isfinite(t->b[j]) || fabsf(t->b[j]) > 1e6f) bad = "hbias", where = j, val = t->b[j];
    if (bad) {
        memcpy(t->w, t->save, state_len(t) * sizeof(float));
        t->chains_ready = was_ready;
        if (!strcmp(bad, "W"))
            return zs_fail(t->ctx, ZS_ENUMERIC, "train: diverged in epoch %llu: W (%zu, %zu) = %g; "
                           "lower the learning rate", (unsigned long long)t->epoch + 1, where / nh,
                           where % nh, (double)val);
        return zs_fail(t->ctx, ZS_ENUMERIC, "train: diverged in epoch %llu: %s %zu = %g; lower the "
                       "learning rate", (unsigned long long)t->epoch + 1, bad, where, (double)val);
    }
    t->epoch++;
    if (recon_error) *recon_error = recon / (double)nrecon;
    return ZS_OK;
}

/* ---- checkpoints ------------------------------------------------------------------------ */

static zs_status f32_array(zs_ctx *ctx, const float *x, int nd, const uint64_t *shape, zs_array **out) {
    zs_status st = zs_array_alloc(ctx, ZS_DTYPE_F4, nd, shape, out);
    if (st != ZS_OK) return st;
    double *d = zs_array_data(*out);
    for (size_t i = 0; i < zs_array_size(*out); i++) d[i] = (double)x[i];
    return ZS_OK;
}

zs_status zs_rbm_trainer_save(const zs_rbm_trainer *t, const char *path) {
    zs_rbm *rbm = NULL;
    zs_status st = zs_rbm_alloc(t->ctx, t->nv, t->nh, &rbm);
    if (st != ZS_OK) return st;
    zs_rbm_trainer_get(t, rbm);
    uint64_t sw[2] = {t->nv, t->nh}, sa[1] = {t->nv}, sb[1] = {t->nh};
    uint64_t sc[2] = {t->o.batch, t->nv}, se[1] = {1}, so[1] = {8};
    zs_array *arr[6] = {0};
    const char *names[6] = {"train_epoch", "train_velocity_W", "train_velocity_vbias",
                            "train_velocity_hbias", "train_chains", "train_options"};
    st = zs_array_alloc(t->ctx, ZS_DTYPE_I8, 1, se, &arr[0]);
    if (st == ZS_OK) {
        zs_array_data(arr[0])[0] = (double)t->epoch;
        st = f32_array(t->ctx, t->vw, 2, sw, &arr[1]);
    }
    if (st == ZS_OK) st = f32_array(t->ctx, t->va, 1, sa, &arr[2]);
    if (st == ZS_OK) st = f32_array(t->ctx, t->vb, 1, sb, &arr[3]);
    if (st == ZS_OK) st = f32_array(t->ctx, t->chains, 2, sc, &arr[4]);
    if (st == ZS_OK) st = zs_array_alloc(t->ctx, ZS_DTYPE_F8, 1, so, &arr[5]);
    if (st == ZS_OK) {
        double *o = zs_array_data(arr[5]);
        o[0] = (double)t->o.k, o[1] = t->o.persistent, o[2] = (double)t->o.batch, o[3] = t->o.lr;
        o[4] = t->o.momentum, o[5] = t->o.weight_decay, o[6] = (double)t->o.seed;
        o[7] = t->chains_ready;
        const zs_array *extra[6] = {arr[0], arr[1], arr[2], arr[3], arr[4], arr[5]};
        st = zs_rbm_save(rbm, path, ZS_DTYPE_F4, 6, names, extra);
    }
    for (int i = 0; i < 6; i++) zs_array_free(arr[i]);
    zs_rbm_free(rbm);
    return st;
}

zs_status zs_rbm_trainer_resume(zs_rbm_trainer *t, const char *path) {
    zs_npz *z = NULL;
    zs_array *arr[9] = {0};
    const char *names[9] = {"W", "vbias", "hbias", "train_epoch", "train_velocity_W",
                            "train_velocity_vbias", "train_velocity_hbias", "train_chains",
                            "train_options"};
    zs_status st = zs_npz_open(t->ctx, path, &z);
    if (st != ZS_OK) return st;
    if (!zs_npz_has(z, "train_epoch")) {
        zs_npz_close(z);
        return zs_fail(t->ctx, ZS_EFORMAT, "%s: no training state (train_epoch is absent); it was "
                       "not written by zsum rbm train", path);
    }
    for (int i = 0; i < 9 && st == ZS_OK; i++) st = zs_npz_get(z, names[i], &arr[i]);
    zs_npz_close(z);
    size_t want[9] = {t->nv * t->nh, t->nv, t->nh, 1, t->nv * t->nh, t->nv, t->nh,
                      t->o.batch * t->nv, 8};
    for (int i = 0; i < 9 && st == ZS_OK; i++)
        if (zs_array_size(arr[i]) != want[i])
            st = zs_fail(t->ctx, ZS_EFORMAT, "%s: %s has %zu entries, %zu expected for this model "
                         "and batch size", path, names[i], zs_array_size(arr[i]), want[i]);
    if (st == ZS_OK) {
        const double *o = zs_array_cdata(arr[8]);
        double mine[7] = {(double)t->o.k, t->o.persistent, (double)t->o.batch, t->o.lr,
                          t->o.momentum, t->o.weight_decay, (double)t->o.seed};
        const char *what[7] = {"k", "persistent", "batch", "lr", "momentum", "weight decay", "seed"};
        for (int i = 0; i < 7 && st == ZS_OK; i++)
            if (o[i] != mine[i])
                st = zs_fail(t->ctx, ZS_EFORMAT, "%s: was trained with %s = %g, this run has %g; "
                             "resume with the same options", path, what[i], o[i], mine[i]);
    }
    if (st == ZS_OK) {
        float *dst[8] = {t->w, t->a, t->b, NULL, t->vw, t->va, t->vb, t->chains};
        for (int i = 0; i < 8; i++) {
            if (!dst[i]) continue;
            const double *s = zs_array_cdata(arr[i]);
            for (size_t x = 0; x < want[i]; x++) dst[i][x] = (float)s[x];
        }
        t->epoch = (uint64_t)zs_array_cdata(arr[3])[0];
        t->chains_ready = zs_array_cdata(arr[8])[7] != 0.0;
    }
    for (int i = 0; i < 9; i++) zs_array_free(arr[i]);
    return st;
}
