/* rbm_cd.c — training by contrastive divergence: CD-k (Hinton 2002) and persistent CD-k
 * (Tieleman 2008), with momentum and L2 weight decay as in Hinton (2010), "A practical guide
 * to training restricted Boltzmann machines", sections 3-10.
 *
 * For a batch V0 (B x nv):
 *   P0 = sigmoid(V0 W + b)                  positive hidden probabilities
 *   negative chain: CD starts from H0 ~ P0, PCD from persistent visible chains (B of them);
 *   k times: Vk ~ sigmoid(H W^T + a), Pk = sigmoid(Vk W + b), H ~ Pk
 *   grad W = (V0^T P0 - Vk^T Pk) / B,  grad a = mean(V0 - Vk),  grad b = mean(P0 - Pk)
 *   vel = momentum vel + lr (grad - weight_decay W),  W += vel   (likewise a, b without decay)
 * All in float32; the products go through CBLAS sgemm. Randomness: the row order of epoch e
 * comes from zs_rng(seed, 2^32 + e) and the Gibbs draws from zs_rng(seed, e), so an epoch is a
 * function of (parameters, velocities, chains, e): saving those makes --resume bit-identical. */
#include "core/internal.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>

struct zs_rbm_trainer {
    zs_ctx *ctx;
    size_t nv, nh, n;
    zs_rbm_train_opts o;
    const double *data;       /* (n, nv) binary rows, the caller's                       */
    float *w, *a, *b;         /* (nv, nh), (nv), (nh) parameters                          */
    float *vw, *va, *vb;      /* velocities                                               */
    float *chains;            /* (batch, nv) PCD visible chains                           */
    float *save;              /* copy of w, a, b, vw, va, vb, chains at the epoch start    */
    float *v0, *p0, *h, *vk, *pk, *gw, *pv;
    size_t *perm;
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
    free(t->w);
    free(t->save);
    free(t->v0);
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
    t->data = data;
    const size_t nv = t->nv, nh = t->nh, B = opts->batch;
    size_t len = state_len(t);
    t->w = calloc(len, sizeof(float));
    t->save = calloc(len, sizeof(float));
    size_t scratch = B * nv * 3 + B * nh * 3 + nv * nh;
    t->v0 = calloc(scratch, sizeof(float));
    t->perm = malloc(n * sizeof *t->perm);
    if (!t->w || !t->save || !t->v0 || !t->perm) {
        zs_rbm_trainer_free(t);
        return zs_fail(ctx, ZS_ENOMEM, "train: out of memory");
    }
    t->a = t->w + nv * nh;
    t->b = t->a + nv;
    t->vw = t->b + nh;
    t->va = t->vw + nv * nh;
    t->vb = t->va + nv;
    t->chains = t->vb + nh;
    t->p0 = t->v0 + B * nv;
    t->h = t->p0 + B * nh;
    t->vk = t->h + B * nh;
    t->pk = t->vk + B * nv;
    t->pv = t->pk + B * nh;
    t->gw = t->pv + B * nv;
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

static float sigmoidf(float x) {
    return 1.0f / (1.0f + expf(-x));
}

static float uniformf(zs_rng *r) {
    return (float)(zs_rng_next(r) >> 40) * 0x1.0p-24f;
}

/* out (rows x cols) = sigmoid(in + bias), and a 0/1 sample into s when s is not NULL. */
static void activate(float *out, float *s, size_t rows, size_t cols, const float *bias, zs_rng *r) {
    for (size_t q = 0; q < rows; q++)
        for (size_t j = 0; j < cols; j++) {
            float p = sigmoidf(out[q * cols + j] + bias[j]);
            out[q * cols + j] = p;
            if (s) s[q * cols + j] = uniformf(r) < p ? 1.0f : 0.0f;
        }
}

static void mm(const float *x, size_t rows, size_t inner, const float *w, size_t cols, int trans, float *out) {
    /* out (rows x cols) = x (rows x inner) * (trans ? W^T : W), W stored (nv x nh). */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, trans ? CblasTrans : CblasNoTrans, (int)rows, (int)cols,
                (int)inner, 1.0f, x, (int)inner, w, trans ? (int)inner : (int)cols, 0.0f, out, (int)cols);
}

zs_status zs_rbm_trainer_epoch(zs_rbm_trainer *t, double *recon_error) {
    const size_t nv = t->nv, nh = t->nh, n = t->n, B = t->o.batch;
    const float lr = (float)t->o.lr, mom = (float)t->o.momentum, wd = (float)t->o.weight_decay;
    memcpy(t->save, t->w, state_len(t) * sizeof(float));
    zs_rng order, rng;
    zs_rng_init(&order, t->o.seed, (1ULL << 32) + t->epoch);
    zs_rng_init(&rng, t->o.seed, t->epoch);
    for (size_t i = 0; i < n; i++) t->perm[i] = i;
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)zs_rng_below(&order, i);
        size_t tmp = t->perm[i - 1];
        t->perm[i - 1] = t->perm[j];
        t->perm[j] = tmp;
    }
    if (t->o.persistent && !t->chains_ready) {
        /* PCD chains start at the first rows of the first epoch's order. */
        for (size_t q = 0; q < B; q++)
            for (size_t i = 0; i < nv; i++) t->chains[q * nv + i] = (float)t->data[t->perm[q % n] * nv + i];
        t->chains_ready = 1;
    }
    double recon = 0.0;
    const size_t nbatches = (n + B - 1) / B;
    for (size_t bt = 0; bt < nbatches; bt++) {
        const size_t r0 = bt * B, mb = r0 + B <= n ? B : n - r0;
        for (size_t q = 0; q < mb; q++)
            for (size_t i = 0; i < nv; i++) t->v0[q * nv + i] = (float)t->data[t->perm[r0 + q] * nv + i];
        /* Positive phase. */
        mm(t->v0, mb, nv, t->w, nh, 0, t->p0);
        activate(t->p0, t->h, mb, nh, t->b, &rng);
        /* Reconstruction error: sum_i (v0_i - p(v_i=1 | h0))^2, averaged over rows. */
        mm(t->h, mb, nh, t->w, nv, 1, t->pv);
        activate(t->pv, NULL, mb, nv, t->a, &rng);
        for (size_t x = 0; x < mb * nv; x++) {
            double d = (double)t->v0[x] - (double)t->pv[x];
            recon += d * d;
        }
        /* Negative phase. */
        if (t->o.persistent) {
            mm(t->chains, mb, nv, t->w, nh, 0, t->pk);
            activate(t->pk, t->h, mb, nh, t->b, &rng);
        }
        for (size_t s = 0; s < t->o.k; s++) {
            mm(t->h, mb, nh, t->w, nv, 1, t->pv);
            activate(t->pv, t->vk, mb, nv, t->a, &rng);
            mm(t->vk, mb, nv, t->w, nh, 0, t->pk);
            activate(t->pk, s + 1 < t->o.k ? t->h : NULL, mb, nh, t->b, &rng);
        }
        if (t->o.persistent) memcpy(t->chains, t->vk, mb * nv * sizeof(float));
        /* gw = V0^T P0 - Vk^T Pk */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nv, (int)nh, (int)mb, 1.0f, t->v0,
                    (int)nv, t->p0, (int)nh, 0.0f, t->gw, (int)nh);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nv, (int)nh, (int)mb, -1.0f, t->vk,
                    (int)nv, t->pk, (int)nh, 1.0f, t->gw, (int)nh);
        const float inv = 1.0f / (float)mb;
        for (size_t x = 0; x < nv * nh; x++) {
            t->vw[x] = mom * t->vw[x] + lr * (t->gw[x] * inv - wd * t->w[x]);
            t->w[x] += t->vw[x];
        }
        for (size_t i = 0; i < nv; i++) {
            float g = 0.0f;
            for (size_t q = 0; q < mb; q++) g += t->v0[q * nv + i] - t->vk[q * nv + i];
            t->va[i] = mom * t->va[i] + lr * g * inv;
            t->a[i] += t->va[i];
        }
        for (size_t j = 0; j < nh; j++) {
            float g = 0.0f;
            for (size_t q = 0; q < mb; q++) g += t->p0[q * nh + j] - t->pk[q * nh + j];
            t->vb[j] = mom * t->vb[j] + lr * g * inv;
            t->b[j] += t->vb[j];
        }
        if (zs_progress(t->ctx, "train", (double)(bt + 1), (double)nbatches)) {
            memcpy(t->w, t->save, state_len(t) * sizeof(float));
            return zs_fail(t->ctx, ZS_ECANCELLED, "train: cancelled");
        }
    }
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
        if (!strcmp(bad, "W"))
            return zs_fail(t->ctx, ZS_ENUMERIC, "train: diverged in epoch %llu: W (%zu, %zu) = %g; "
                           "lower the learning rate", (unsigned long long)t->epoch + 1, where / nh,
                           where % nh, (double)val);
        return zs_fail(t->ctx, ZS_ENUMERIC, "train: diverged in epoch %llu: %s %zu = %g; lower the "
                       "learning rate", (unsigned long long)t->epoch + 1, bad, where, (double)val);
    }
    t->epoch++;
    if (recon_error) *recon_error = recon / (double)n;
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
