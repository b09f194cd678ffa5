/* rbm_cd.c — training by contrastive divergence: CD-k (Hinton 2002) and persistent CD-k
 * (Tieleman 2008), with momentum and L2 weight decay as in Hinton (2010), "A practical guide
 * to training restricted Boltzmann machines", sections 3-10.
 *
 * For a batch V0 (B x nv):
 *   P0 = sigmoid(V0 W + b)                  positive hidden probabilities, H0 ~ P0
 *   negative chain: CD starts from H0; PCD from H ~ sigmoid(C W + b) of persistent visible
 *   states C (B chains, started at the first batch's rows; each keeps its last Vk). Persisting
 *   the hidden states instead (H ~ Pk, as scikit-learn's BernoulliRBM does) saves one product
 *   per batch, but its H is drawn under the previous batch's W; measured on the bench (784 x 500,
 *   PCD-1, one epoch, seeds 1-8) it gave a held-out log-likelihood ~20 nats worse, so no;
 *   k times: Vk ~ sigmoid(H W^T + a), Pk = sigmoid(Vk W + b), H ~ Pk
 *   grad W = (V0^T P0 - Vk^T Pk) / B,  grad a = mean(V0 - Vk),  grad b = mean(P0 - Pk)
 *   vel = momentum vel + lr (grad - weight_decay W),  W += vel   (likewise a, b without decay)
 * V0, H and Vk are binary, so every product is a sum of the rows of W (or W^T, P0, Pk) picked
 * by the ones: with MNIST-like data ~13% of the visible units are on, which makes this several
 * times cheaper than dense sgemm. All in float32. Products that read the same matrix are one
 * call of rbm_rows_sum_many over all the rows of the batch (V0 W with PCD's C W; H W^T with the
 * reconstruction rows' H0 W^T), which reads the matrix in slices that stay in L1 while every
 * row adds its part; the gradient (sums of the rows of P0 and Pk listed per visible unit) and the
 * step are one rbm_grad_step per 64 visible units, whose rows of W are then copied into W^T by
 * 16 x 16 transposes. The Bernoulli draws take their uniforms 16 at a time (rbm_select_below).
 *
 * Threads: one OpenMP region per epoch, whose threads first copy their share of the state (the
 * epoch's start, restored if it is cancelled or diverges) and of W^T. Per batch, each thread
 * takes a fixed contiguous range of rows (each row from its own stream zs_rng(seed, (epoch,
 * batch, row))) and builds the column lists of its rows; after a barrier, each takes a range
 * of visible units of about equal cost (rows of W, columns of W^T, 16 at a time: whole cache
 * lines; update_share) and a fixed range of hidden biases; a second barrier ends the batch.
 * Every number is computed by one thread with the same operations in the same order whatever
 * the thread count (the column lists are joined in row order), and the row order of epoch e
 * comes from zs_rng(seed, 2^62 + e): an epoch is a function of (parameters, velocities,
 * chains, e) and of nothing else, so saving those makes --resume bit-identical. The
 * reconstruction error is sum_i (v0_i - p(v_i = 1 | h0))^2. */
#include "learn/rbm_train_internal.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

/* Visible units per step of the weight update (batch_update_w). */
#define UCHUNK 64
/* The reconstruction error is measured on every RECON_EVERY-th row of a batch. */
#define RECON_EVERY 8

/* 24-bit uniforms in [0, 1), two from each 64-bit draw. */
typedef struct ufloat {
    zs_rng rng;
    uint64_t word;
    int left;
} ufloat;

struct zs_rbm_trainer {
    zs_ctx *ctx;
    size_t nv, nh, n;
    zs_rbm_train_opts o;
    uint32_t **part;          /* (threads) the data's ones, one array per thread's rows     */
    const uint32_t **row_on;  /* (n) row r's ones: row_on[r][0 .. row_n[r])                */
    size_t *row_n;
    float *w, *a, *b;         /* (nv, nh), (nv), (nh) parameters                          */
    float *vw, *va, *vb;      /* velocities                                               */
    float *chains;            /* (batch, nv) PCD visible states                           */
    float *save;              /* copy of w .. chains at the epoch start                    */
    float *wt;                /* (nh, nv) W^T, kept equal to w                             */
    float *p0, *pk;           /* (batch, nh) positive and negative hidden probabilities    */
    float *pv;                /* (batch, nv) visible probabilities                         */
    uint32_t *vk_on;          /* (batch, nv) the ones of each negative visible sample      */
    size_t *vk_n;             /* (batch)                                                  */
    uint32_t *h_on;           /* (batch, nh) the ones of each hidden sample                */
    size_t *h_n;              /* (batch)                                                  */
    uint32_t *h0_on;          /* (batch, nh) PCD: the ones of each H0 (reconstruction)     */
    size_t *h0_n;             /* (batch)                                                  */
    float *pr;                /* (batch / 8 + 1, nv) PCD: the reconstructions' p(v | h0)   */
    const uint32_t **l0, **lk, **lh, **lh0; /* (batch) list of row q: its data ones, vk_on,
                                               h_on, h0_on                                 */
    size_t *n0;               /* (batch) length of l0[q]                                   */
    ufloat *rngs;             /* (batch) the stream of each row of the current batch       */
    uint32_t *col0, *colk;    /* (batch, nv) rows of the batch where visible i is on, per i
                                 (CSR), one part per thread for its rows lo..hi at lo * nv   */
    size_t *cs0, *csk;        /* per thread: (nv + 1) column starts of its part            */
    uint32_t *gather;         /* per thread: 2 * UCHUNK * batch, column lists of the update */
    float *g;                 /* per thread: 2 * gstride floats of gradient scratch        */
    float **q_out;            /* per thread: qcap entries each, the arguments of           */
    const uint32_t **q_list;  /*   rbm_rows_sum_many                                       */
    size_t *q_count, *q_cursor;
    size_t qcap;              /* 2 batch: queries of one rbm_rows_sum_many call            */
    uint64_t *words;          /* per thread: wcap random words for the Bernoulli draws     */
    size_t wcap;
    size_t gstride;           /* nh rounded up to a cache line (no false sharing)          */
    double *recon_row;        /* (batch)                                                  */
    size_t *perm;
    double *freq;             /* (nv) (count_i + 1) / (n + 2) of the training data: saved as
                                 train_data_frequency, the AIS base rate of `rbm logz`     */
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

/* 64-byte aligned (cache lines: threads write disjoint line-aligned ranges of wt and W). */
static void *alloc64(size_t bytes) {
    return zs_aligned_alloc(64, bytes ? bytes : 64);
}

void zs_rbm_trainer_free(zs_rbm_trainer *t) {
    if (!t) return;
    for (int p = 0; t->part && p < t->threads; p++) free(t->part[p]);
    free(t->part);
    free(t->row_on);
    free(t->row_n);
    free(t->w);
    free(t->save);
    free(t->wt);
    free(t->p0);
    free(t->pv);
    free(t->vk_on);
    free(t->vk_n);
    free(t->h_on);
    free(t->h_n);
    free(t->h0_on);
    free(t->h0_n);
    free(t->pr);
    free(t->l0);
    free(t->n0);
    free(t->rngs);
    free(t->col0);
    free(t->cs0);
    free(t->gather);
    free(t->g);
    free(t->q_out);
    free(t->q_list);
    free(t->q_count);
    free(t->q_cursor);
    free(t->words);
    free(t->recon_row);
    free(t->perm);
    free(t->freq);
    free(t);
}

/* A row count row_ones returns for a row with a byte that is not 0 or 1. */
#define ROW_BAD ((size_t)-1)

/* The columns of the ones of a row of n bytes into on, in increasing order; returns their
 * count, or ROW_BAD when a byte is not 0 or 1. A word of 8 bytes at a time: a zero word (most
 * of an MNIST row) costs one test, a byte above 1 has a bit of 0xfe, and the ones of the other
 * words are found by their bit (bit 8b of a little-endian word is byte b). */
static size_t row_ones(const uint8_t *row, size_t n, uint32_t *on) {
    size_t c = 0, i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, row + i, 8);
        if (w & 0xfefefefefefefefeULL) return ROW_BAD;
        for (; w; w &= w - 1) on[c++] = (uint32_t)(i + (size_t)(__builtin_ctzll(w) >> 3));
    }
#endif
    for (; i < n; i++) {
        if (row[i] > 1) return ROW_BAD;
        if (row[i]) on[c++] = (uint32_t)i;
    }
    return c;
}

/* Rows lo <= r < hi of the data as lists in one pass that also checks every byte, into an
 * array of their own (*part: room for a quarter of the bytes at first, grown when a row might
 * not fit; row_n[r] holds the offset of row r's list until the array stops moving), and their
 * counts per column added to count. Returns ZS_OK, ZS_ENOMEM, or ZS_EINVAL with *bad = the
 * first row with a byte that is not 0 or 1. */
static zs_status part_lists(const uint8_t *data, size_t nv, size_t lo, size_t hi, uint32_t **part,
                            const uint32_t **row_on, size_t *row_n, size_t *count, size_t *bad) {
    size_t cap = (hi - lo) * nv / 4 > nv ? (hi - lo) * nv / 4 : nv, k = 0;
    uint32_t *on = zs_malloc(cap * sizeof *on);
    if (!on) return ZS_ENOMEM;
    *part = on;
    for (size_t r = lo; r < hi; r++) {
        if (cap - k < nv) {
            cap = 2 * cap > k + nv ? 2 * cap : k + nv;
            uint32_t *grown = zs_realloc(on, cap * sizeof *grown);
            if (!grown) return ZS_ENOMEM;
            *part = on = grown;
        }
        const size_t c = row_ones(data + r * nv, nv, on + k);
        if (c == ROW_BAD) {
            *bad = r;
            return ZS_EINVAL;
        }
        for (size_t q = k; q < k + c; q++) count[on[q]]++;
        row_n[r] = k;
        k += c;
    }
    for (size_t r = lo; r < hi; r++) {
        const size_t end = r + 1 < hi ? row_n[r + 1] : k;
        row_on[r] = on + row_n[r];
        row_n[r] = end - row_n[r];
    }
    return ZS_OK;
}

/* The data's ones as lists (t->row_on, t->row_n) and their counts per column (t->freq, as
 * counts): the rows split among the threads in contiguous ranges, each range's lists in an
 * array of its own. The column counts are integers summed per thread, so nothing depends on
 * the thread count; a bad byte is reported at the first row that has one. */
static zs_status data_lists(zs_rbm_trainer *t, const uint8_t *data) {
    const size_t n = t->n, nv = t->nv, T = (size_t)t->threads;
    t->part = zs_calloc(T, sizeof *t->part);
    t->row_on = zs_malloc(n * sizeof *t->row_on);
    t->row_n = zs_malloc(n * sizeof *t->row_n);
    t->freq = zs_calloc(nv, sizeof *t->freq);
    size_t *count = zs_calloc(T * nv, sizeof *count);
    zs_status *st = zs_calloc(T, sizeof *st);
    size_t *bad = zs_calloc(T, sizeof *bad);
    if (!t->part || !t->row_on || !t->row_n || !t->freq || !count || !st || !bad) {
        free(count), free(st), free(bad);
        return zs_fail(t->ctx, ZS_ENOMEM, "train: out of memory");
    }
#pragma omp parallel num_threads(t->threads) if (n * nv >= (1u << 16))
    {
        const size_t th = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
        st[th] = part_lists(data, nv, n * th / nt, n * (th + 1) / nt, &t->part[th], t->row_on,
                            t->row_n, count + th * nv, &bad[th]);
    }
    zs_status res = ZS_OK;
    for (size_t p = 0; p < T && res == ZS_OK; p++) {
        res = st[p];
        if (res == ZS_EINVAL) {
            const size_t r = bad[p];
            size_t i = 0;
            while (data[r * nv + i] <= 1) i++;
            zs_fail(t->ctx, ZS_EINVAL, "train: data row %zu, column %zu = %g is not 0 or 1", r, i,
                    (double)data[r * nv + i]);
        } else if (res == ZS_ENOMEM) {
            zs_fail(t->ctx, ZS_ENOMEM, "train: out of memory");
        }
    }
    for (size_t p = 1; p < T; p++)
        for (size_t i = 0; i < nv; i++) count[i] += count[p * nv + i];
    /* zs_data_base_rate with pseudocount 1, (count_i + 1) / (n + 2), from the counts of the
     * lists instead of another pass over the bytes: exact integers, so the same bits. */
    for (size_t i = 0; i < nv; i++) t->freq[i] = ((double)count[i] + 1.0) / ((double)n + 2.0);
    free(count), free(st), free(bad);
    return res;
}

zs_status zs_rbm_trainer_alloc(zs_ctx *ctx, const zs_rbm *rbm, const zs_rbm_train_opts *opts,
                               const uint8_t *data, size_t n, zs_rbm_trainer **out) {
    if (!rbm || !opts || !data || !out) return ZS_EINVAL;
    if (opts->k < 1 || opts->batch < 1 || !(opts->lr > 0) || !isfinite(opts->lr) ||
        !(opts->momentum >= 0 && opts->momentum < 1) || !(opts->weight_decay >= 0) ||
        !isfinite(opts->weight_decay))
        return zs_fail(ctx, ZS_EINVAL, "train: need k >= 1, batch >= 1, lr > 0, 0 <= momentum < 1, "
                       "weight decay >= 0 (got k %zu, batch %zu, lr %g, momentum %g, decay %g)",
                       opts->k, opts->batch, opts->lr, opts->momentum, opts->weight_decay);
    if (n == 0) return zs_fail(ctx, ZS_EINVAL, "train: no data rows");
    zs_rbm_trainer *t = zs_calloc(1, sizeof *t);
    if (!t) return zs_fail(ctx, ZS_ENOMEM, "train: out of memory");
    t->ctx = ctx;
    t->nv = zs_rbm_nv(rbm);
    t->nh = zs_rbm_nh(rbm);
    t->n = n;
    t->o = *opts;
    const size_t nv = t->nv, nh = t->nh, B = opts->batch;
    t->threads = zs_threads_for(ctx, n); /* no more threads than processors or rows */
    zs_status st = data_lists(t, data);
    if (st != ZS_OK) {
        zs_rbm_trainer_free(t);
        return st;
    }
    const size_t T = (size_t)t->threads;
    size_t len = state_len(t);
    t->gstride = (nh + 15) / 16 * 16;
    t->w = alloc64(len * sizeof(float));
    t->save = zs_malloc(len * sizeof(float));
    t->wt = alloc64(nv * nh * sizeof(float));
    t->p0 = alloc64(2 * B * nh * sizeof(float));
    t->pv = alloc64(B * nv * sizeof(float));
    t->vk_on = zs_malloc(B * nv * sizeof *t->vk_on);
    t->vk_n = zs_malloc(B * sizeof *t->vk_n);
    t->h_on = zs_malloc(B * nh * sizeof *t->h_on);
    t->h_n = zs_malloc(B * sizeof *t->h_n);
    t->h0_on = zs_malloc(B * nh * sizeof *t->h0_on);
    t->h0_n = zs_malloc(B * sizeof *t->h0_n);
    t->pr = alloc64((B / RECON_EVERY + 1) * nv * sizeof *t->pr);
    t->l0 = zs_malloc(4 * B * sizeof *t->l0);
    t->n0 = zs_malloc(B * sizeof *t->n0);
    t->rngs = zs_malloc(B * sizeof *t->rngs);
    t->col0 = zs_malloc(2 * B * nv * sizeof *t->col0);
    t->cs0 = zs_malloc(T * 2 * (nv + 1) * sizeof *t->cs0);
    t->qcap = 2 * B;
    t->wcap = (nv > nh ? nv : nh) / 2 + 1;
    t->gather = zs_malloc(T * 2 * UCHUNK * B * sizeof *t->gather);
    t->g = alloc64(T * 2 * t->gstride * sizeof *t->g);
    t->q_out = zs_malloc(T * t->qcap * sizeof *t->q_out);
    t->q_list = zs_malloc(T * t->qcap * sizeof *t->q_list);
    t->q_count = zs_malloc(T * t->qcap * sizeof *t->q_count);
    t->q_cursor = zs_malloc(T * t->qcap * sizeof *t->q_cursor);
    t->words = zs_malloc(T * t->wcap * sizeof *t->words);
    t->recon_row = zs_malloc(B * sizeof *t->recon_row);
    t->perm = zs_malloc(n * sizeof *t->perm);
    if (!t->w || !t->save || !t->wt || !t->p0 || !t->pv ||
        !t->vk_on || !t->vk_n || !t->h_on || !t->h_n || !t->h0_on || !t->h0_n || !t->pr || !t->l0 || !t->n0 || !t->rngs || !t->col0 || !t->cs0 ||
        !t->gather || !t->g || !t->q_out || !t->q_list || !t->q_count || !t->q_cursor ||
        !t->words || !t->recon_row || !t->perm) {
        zs_rbm_trainer_free(t);
        return zs_fail(ctx, ZS_ENOMEM, "train: out of memory");
    }
    /* W is copied in below; the rest starts at zero. */
    memset(t->w + nv * nh, 0, (len - nv * nh) * sizeof(float));
    t->a = t->w + nv * nh;
    t->b = t->a + nv;
    t->vw = t->b + nh;
    t->va = t->vw + nv * nh;
    t->vb = t->va + nv;
    t->chains = t->vb + nh;
    t->pk = t->p0 + B * nh;
    t->lk = t->l0 + B;
    t->lh = t->lk + B;
    t->lh0 = t->lh + B;
    for (size_t q = 0; q < B; q++) {
        t->lk[q] = t->vk_on + q * nv;
        t->lh[q] = t->h_on + q * nh;
        t->lh0[q] = t->h0_on + q * nh;
    }
    t->colk = t->col0 + B * nv;
    t->csk = t->cs0 + T * (nv + 1);
    const double *w = zs_rbm_w(rbm), *a = zs_rbm_vbias(rbm), *b = zs_rbm_hbias(rbm);
    for (size_t i = 0; i < nv * nh; i++) t->w[i] = (float)w[i];
    for (size_t i = 0; i < nv; i++) t->a[i] = (float)a[i];
    for (size_t j = 0; j < nh; j++) t->b[j] = (float)b[j];
    *out = t;
    return ZS_OK;
}

uint64_t zs_rbm_trainer_epochs_done(const zs_rbm_trainer *t) { return t->epoch; }
const double *zs_rbm_trainer_data_frequency(const zs_rbm_trainer *t) { return t->freq; }

void zs_rbm_trainer_get(const zs_rbm_trainer *t, zs_rbm *rbm) {
    /* The pointers fetched once: zs_rbm_w_mut is in another file, so calling it per entry
     * cost a call per weight and kept the loop scalar (2.2 ms of Python's fit for 784 x 500,
     * 1.2 ms without the calls); the weights are converted by the trainer's threads (exact
     * conversions: the same doubles whatever the split). */
    double *w = zs_rbm_w_mut(rbm), *a = zs_rbm_vbias_mut(rbm), *b = zs_rbm_hbias_mut(rbm);
    const float *tw = t->w;
    const size_t m = t->nv * t->nh;
#pragma omp parallel for schedule(static) num_threads(t->threads) if (m >= (1u << 16))
    for (size_t i = 0; i < m; i++) w[i] = (double)tw[i];
    for (size_t i = 0; i < t->nv; i++) a[i] = (double)t->a[i];
    for (size_t j = 0; j < t->nh; j++) b[j] = (double)t->b[j];
}


static float uniformf(ufloat *u) {
    if (!u->left) {
        u->word = zs_rng_next(&u->rng);
        u->left = 2;
    }
    u->left--;
    return (float)((u->word >> (32 * u->left + 8)) & 0xffffff) * 0x1.0p-24f;
}

/* on[] = the j < n with a uniform below p[j], one uniform per j in order; returns the count.
 * The whole words in the middle go to rbm_select_below (16 compares at a time); a half-used
 * word before them and an odd uniform after them are drawn here, so the stream is the same as
 * one uniformf per j. words: room for n / 2 + 1. */
static size_t sample(uint32_t *on, const float *p, size_t n, ufloat *stream, uint64_t *words) {
    ufloat u = *stream;
    size_t c = 0, j = 0;
    if (u.left && n) {
        on[c] = 0;
        c += uniformf(&u) < p[0];
        j = 1;
    }
    const size_t pairs = (n - j) / 2;
    zs_rng_fill(&u.rng, words, pairs);
    c += rbm_select_below(on + c, p + j, words, 2 * pairs, (uint32_t)j);
    j += 2 * pairs;
    if (j < n) {
        on[c] = (uint32_t)j;
        c += uniformf(&u) < p[j];
    }
    *stream = u;
    return c;
}

/* The queries of one rbm_rows_sum_many call, gathered in thread th's scratch (qcap entries):
 * products that read the same matrix are one call, so each slice of it is loaded once for all. */
typedef struct queries {
    float **out;
    const uint32_t **list;
    size_t *count;
    size_t n;
} queries;

static queries queries_of(const zs_rbm_trainer *t, int th) {
    const size_t at = (size_t)th * t->qcap;
    return (queries){t->q_out + at, t->q_list + at, t->q_count + at, 0};
}

/* Row q of out (n floats) = the sum of the rows listed in lists[q], for the rows qa <= q < qb
 * that are multiples of step; row q goes to out + (q / step) n. */
static void queries_add(queries *s, float *out, size_t n, const uint32_t *const *lists,
                        const size_t *counts, size_t qa, size_t qb, size_t step) {
    for (size_t q = (qa + step - 1) / step * step; q < qb; q += step, s->n++) {
        s->out[s->n] = out + q / step * n;
        s->list[s->n] = lists[q];
        s->count[s->n] = counts[q];
    }
}

/* The queries as sums of the rows of w (m x n). */
static void queries_run(const zs_rbm_trainer *t, int th, const queries *s, const float *w, size_t m,
                        size_t n) {
    rbm_rows_sum_many(s->out, w, n, m, s->list, s->count, s->n, n, t->q_cursor + (size_t)th * t->qcap);
}

/* out[q] (row q, n floats) = sum of the rows of w (m x n) listed in lists[q], qa <= q < qb. */
static void products(const zs_rbm_trainer *t, int th, float *out, const float *w, size_t m, size_t n,
                     const uint32_t *const *lists, const size_t *counts, size_t qa, size_t qb) {
    queries s = queries_of(t, th);
    queries_add(&s, out, n, lists, counts, qa, qb, 1);
    queries_run(t, th, &s, w, m, n);
}

/* Column lists of rows qa <= q < qb: for each visible unit i, the rows q whose list has i. */
static void columns(size_t nv, size_t qa, size_t qb, const uint32_t *const *lists,
                    const size_t *counts, size_t *cs, uint32_t *col) {
    memset(cs, 0, (nv + 1) * sizeof *cs);
    for (size_t q = qa; q < qb; q++)
        for (size_t x = 0; x < counts[q]; x++) cs[lists[q][x] + 1]++;
    for (size_t i = 0; i < nv; i++) cs[i + 1] += cs[i];
    /* Fill by advancing each column's start to its end, then shift the starts back. */
    for (size_t q = qa; q < qb; q++)
        for (size_t x = 0; x < counts[q]; x++) col[cs[lists[q][x]]++] = (uint32_t)q;
    for (size_t i = nv; i > 0; i--) cs[i] = cs[i - 1];
    cs[0] = 0;
}

/* Part `th` of `parts` of 0 .. n in whole groups of g (the last group may be short). */
static void share(size_t n, size_t g, int th, int parts, size_t *lo, size_t *hi) {
    const size_t groups = (n + g - 1) / g;
    size_t a = groups * (size_t)th / (size_t)parts, b = groups * (size_t)(th + 1) / (size_t)parts;
    *lo = a * g < n ? a * g : n;
    *hi = b * g < n ? b * g : n;
}

/* The reconstruction error sum_i (v0_i - pv_i)^2 of a row from pv = p(v = 1 | h0) and the
 * list of v0's ones. */
static double recon_error(const float *pv, size_t nv, const uint32_t *on, size_t non) {
    double re = 0.0;
    for (size_t i = 0; i < nv; i++) re += (double)pv[i] * (double)pv[i];
    for (size_t x = 0; x < non; x++) re += 1.0 - 2.0 * (double)pv[on[x]];
    return re;
}

/* The rows phase of a batch for rows qa <= q < qb: positive phase, reconstruction error,
 * negative chain. Each row draws from its own stream rngs[q] in the same order whatever the
 * partition of the rows (h0; PCD: the chain's h; then per step vk and, but for the last, h).
 * The products that read the same matrix are one rbm_rows_sum_many call: V0 W with the chains'
 * C W (PCD), and H W^T with the reconstruction's H0 W^T. */
static void batch_rows(zs_rbm_trainer *t, size_t bt, size_t r0, size_t qa, size_t qb, int first) {
    const size_t nv = t->nv, nh = t->nh, K = t->o.k;
    const int th = omp_get_thread_num(), pcd = t->o.persistent;
    uint64_t *words = t->words + (size_t)th * t->wcap;
    for (size_t q = qa; q < qb; q++) {
        const size_t row = t->perm[r0 + q];
        t->l0[q] = t->row_on[row];
        t->n0[q] = t->row_n[row];
        zs_rng_init(&t->rngs[q].rng, t->o.seed, (t->epoch << 40) ^ ((uint64_t)bt << 20) ^ q);
        t->rngs[q].left = 0;
    }
    /* PCD: the lists of the chains' visible states c. After the first batch of an epoch they
     * are already in vk_on (each chain is its row's last Vk, written back to t->chains at the
     * end of the epoch); at its very first use a chain starts at the row v0 itself. */
    if (pcd && bt == 0)
        for (size_t q = qa; q < qb; q++) {
            const float *chain = t->chains + q * nv;
            uint32_t *vk = t->vk_on + q * nv;
            size_t nc = 0;
            if (first)
                for (size_t x = 0; x < t->n0[q]; x++) vk[nc++] = t->l0[q][x];
            else
                for (size_t i = 0; i < nv; i++) {
                    vk[nc] = (uint32_t)i;
                    nc += chain[i] != 0.0f;
                }
            t->vk_n[q] = nc;
        }
    /* Positive phase: P0 = sigmoid(b + sum of the rows of W that v0 turns on), H0 ~ P0; PCD's
     * negative phase starts from h ~ p(h | c) (its field into pk), CD's from H0. PCD keeps H0
     * (only the reconstruction error reads it) in h0_on. */
    queries s = queries_of(t, th);
    queries_add(&s, t->p0, nh, t->l0, t->n0, qa, qb, 1);
    if (pcd) queries_add(&s, t->pk, nh, t->lk, t->vk_n, qa, qb, 1);
    queries_run(t, th, &s, t->w, nv, nh);
    uint32_t *h0_on = pcd ? t->h0_on : t->h_on;
    size_t *h0_n = pcd ? t->h0_n : t->h_n;
    for (size_t q = qa; q < qb; q++) {
        rbm_sigmoid(t->p0 + q * nh, t->p0 + q * nh, t->b, nh);
        h0_n[q] = sample(h0_on + q * nh, t->p0 + q * nh, nh, &t->rngs[q], words);
        if (!pcd) continue;
        rbm_sigmoid(t->pk + q * nh, t->pk + q * nh, t->b, nh);
        t->h_n[q] = sample(t->h_on + q * nh, t->pk + q * nh, nh, &t->rngs[q], words);
    }
    /* Reconstruction error of v0 through h0, on every 8th row of the batch (it is a progress
     * figure; the full sum would cost a quarter of the epoch): CD's H0 W^T is the negative
     * phase's own product; PCD adds the rows' H0 W^T (into pr) to the call. */
    for (size_t k = 0; k < K; k++) {
        s = queries_of(t, th);
        queries_add(&s, t->pv, nv, t->lh, t->h_n, qa, qb, 1);
        if (pcd && k == 0) queries_add(&s, t->pr, nv, t->lh0, t->h0_n, qa, qb, RECON_EVERY);
        queries_run(t, th, &s, t->wt, nh, nv);
        for (size_t q = qa; q < qb; q++) {
            float *pv = t->pv + q * nv;
            rbm_sigmoid(pv, pv, t->a, nv);
            if (k == 0) {
                t->recon_row[q] = 0.0;
                if (q % RECON_EVERY == 0) {
                    float *pr = pv;
                    if (pcd) {
                        pr = t->pr + q / RECON_EVERY * nv;
                        rbm_sigmoid(pr, pr, t->a, nv);
                    }
                    t->recon_row[q] = recon_error(pr, nv, t->l0[q], t->n0[q]);
                }
            }
            t->vk_n[q] = sample(t->vk_on + q * nv, pv, nv, &t->rngs[q], words);
        }
        products(t, th, t->pk, t->w, nv, nh, t->lk, t->vk_n, qa, qb);
        for (size_t q = qa; q < qb; q++) {
            rbm_sigmoid(t->pk + q * nh, t->pk + q * nh, t->b, nh);
            if (k + 1 < K) t->h_n[q] = sample(t->h_on + q * nh, t->pk + q * nh, nh, &t->rngs[q], words);
        }
    }
    /* This thread's part of the column lists of V0 and Vk (joined in row order by the update,
     * so no serial step and no extra barrier between the two phases). */
    columns(nv, qa, qb, t->l0, t->n0, t->cs0 + (size_t)th * (nv + 1), t->col0 + qa * nv);
    columns(nv, qa, qb, t->lk, t->vk_n, t->csk + (size_t)th * (nv + 1), t->colk + qa * nv);
}

/* The rows of the batch (in increasing order) whose list has visible unit i: the parts of
 * the T threads, which hold rows in increasing ranges, one after the other. */
static size_t column(const zs_rbm_trainer *t, const size_t *cs, const uint32_t *col, size_t i,
                     size_t mb, int T, uint32_t *out) {
    size_t c = 0;
    for (int p = 0; p < T; p++) {
        size_t lo, hi;
        share(mb, 1, p, T, &lo, &hi);
        const size_t *ps = cs + (size_t)p * (t->nv + 1);
        const uint32_t *pc = col + lo * t->nv;
        for (size_t x = ps[i]; x < ps[i + 1]; x++) out[c++] = pc[x];
    }
    return c;
}

/* The update of visible units ia <= i < ib (a multiple of 16 apart, except at nv), UCHUNK at a
 * time: their column lists (the batch rows where v0_i = 1, and where vk_i = 1) gathered from the
 * threads' parts; rbm_grad_step (gradient of each row of W = the sum of the rows of P0 of the
 * first list minus that of Pk of the second; then the rows of W and of the velocities); the
 * visible biases; columns i of W^T by 16 x 16 transposes (16 entries per row of W^T: one
 * cache line). */
static void batch_update_w(zs_rbm_trainer *t, size_t mb, size_t ia, size_t ib, int th, int T) {
    const size_t nv = t->nv, nh = t->nh, B = t->o.batch;
    const float lr = (float)t->o.lr, mom = (float)t->o.momentum, wd = (float)t->o.weight_decay;
    const float inv = 1.0f / (float)mb;
    uint32_t *c0 = t->gather + (size_t)th * 2 * UCHUNK * B, *ck = c0 + UCHUNK * B;
    size_t s0[UCHUNK + 1], sk[UCHUNK + 1];
    for (size_t i0 = ia; i0 < ib; i0 += UCHUNK) {
        const size_t g = ib - i0 < UCHUNK ? ib - i0 : UCHUNK;
        s0[0] = sk[0] = 0;
        for (size_t x = 0; x < g; x++) {
            s0[x + 1] = s0[x] + column(t, t->cs0, t->col0, i0 + x, mb, T, c0 + s0[x]);
            sk[x + 1] = sk[x] + column(t, t->csk, t->colk, i0 + x, mb, T, ck + sk[x]);
        }
        /* Without momentum the velocity is never read (0 vw = 0): not kept, saved as zeros. */
        rbm_grad_step(t->w + i0 * nh, mom == 0.0f ? NULL : t->vw + i0 * nh, nh, t->p0, t->pk, c0, s0, ck, sk, g, lr, mom,
                      wd, inv, t->g + (size_t)th * 2 * t->gstride);
        for (size_t x = 0; x < g; x++) {
            const size_t i = i0 + x;
            float ga = (float)(s0[x + 1] - s0[x]) - (float)(sk[x + 1] - sk[x]);
            t->va[i] = mom * t->va[i] + lr * ga * inv;
            t->a[i] += t->va[i];
        }
        for (size_t x = 0; x < g; x += 16)
            rbm_transpose16(t->wt + i0 + x, nv, t->w + (i0 + x) * nh, nh, g - x < 16 ? g - x : 16, nh);
    }
}

/* Hidden biases ja <= j < jb: the sum over the batch rows in row order, as one loop would. */
static void batch_update_b(zs_rbm_trainer *t, size_t mb, size_t ja, size_t jb, int th) {
    const size_t nh = t->nh;
    const float lr = (float)t->o.lr, mom = (float)t->o.momentum, inv = 1.0f / (float)mb;
    float *g = t->g + (size_t)th * 2 * t->gstride;
    for (size_t j = ja; j < jb; j++) g[j] = 0.0f;
    for (size_t q = 0; q < mb; q++) {
        const float *p0 = t->p0 + q * nh, *pk = t->pk + q * nh;
        for (size_t j = ja; j < jb; j++) g[j] += p0[j] - pk[j];
    }
    for (size_t j = ja; j < jb; j++) {
        t->vb[j] = mom * t->vb[j] + lr * g[j] * inv;
        t->b[j] += t->vb[j];
    }
}

/* Part th of T of the visible units for the update, in groups of 16 of about equal cost: a
 * unit costs UNIT_COST (its step and its share of the transposes, both ~nh like an entry's
 * row of P0 or Pk) plus the entries of its two column lists (~13 each on MNIST, none at the
 * border, more in the lower half). Counted by callgrind on 2 threads over 30 batches of the
 * bench (784 x 500), the update's instructions were 118.4M and 129.4M per thread with the
 * units split evenly, 123.1M and 124.7M with this split. Every thread computes the same split
 * from the same lists, and each unit's numbers are the same whichever thread updates it. */
#define UNIT_COST 100
static void update_share(const zs_rbm_trainer *t, int th, int T, size_t *lo, size_t *hi) {
    const size_t nv = t->nv, groups = (nv + 15) / 16;
    if (T == 1) {
        *lo = 0, *hi = nv;
        return;
    }
    size_t total = 0, cum = 0, g = 0;
    for (int p = 0; p < T; p++) {
        const size_t *c0 = t->cs0 + (size_t)p * (nv + 1), *ck = t->csk + (size_t)p * (nv + 1);
        total += c0[nv] + ck[nv];
    }
    total += UNIT_COST * nv;
    /* Group boundaries: the first group whose cumulative cost reaches total * p / T. */
    const size_t want_lo = total * (size_t)th / (size_t)T;
    const size_t want_hi = total * (size_t)(th + 1) / (size_t)T;
    *lo = *hi = nv;
    for (; g < groups; g++) {
        if (cum >= want_lo && *lo == nv) *lo = 16 * g;
        if (cum >= want_hi) {
            *hi = 16 * g;
            break;
        }
        const size_t i1 = 16 * g + 16 < nv ? 16 * g + 16 : nv;
        for (int p = 0; p < T; p++) {
            const size_t *c0 = t->cs0 + (size_t)p * (nv + 1), *ck = t->csk + (size_t)p * (nv + 1);
            cum += c0[i1] - c0[16 * g] + ck[i1] - ck[16 * g];
        }
        cum += UNIT_COST * (i1 - 16 * g);
    }
    if (th == T - 1) *hi = nv;
    if (*lo > *hi) *lo = *hi;
}

void learn_shuffle(size_t *p, size_t n, uint64_t seed, uint64_t stream) {
    zs_rng r;
    zs_rng_init(&r, seed, stream);
    for (size_t i = 0; i < n; i++) p[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)zs_rng_below(&r, i);
        size_t t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
}

/* Thread th's part of the epoch's start: its share of the copy of the state that a cancelled or
 * diverged epoch restores, and of W^T (16 visible units at a time by 16 x 16 transposes). */
static void epoch_start(zs_rbm_trainer *t, int th, int T) {
    const size_t nv = t->nv, nh = t->nh;
    size_t lo, hi;
    share(state_len(t), 16, th, T, &lo, &hi);
    memcpy(t->save + lo, t->w + lo, (hi - lo) * sizeof(float));
    share(nv, 16, th, T, &lo, &hi);
    for (size_t i0 = lo; i0 < hi; i0 += 16)
        rbm_transpose16(t->wt + i0, nv, t->w + i0 * nh, nh, hi - i0 < 16 ? hi - i0 : 16, nh);
}

zs_status zs_rbm_trainer_epoch(zs_rbm_trainer *t, double *recon_error) {
    const size_t nv = t->nv, nh = t->nh, n = t->n, B = t->o.batch;
    learn_shuffle(t->perm, n, t->o.seed, (1ULL << 62) + t->epoch);
    const int persistent = t->o.persistent, was_ready = t->chains_ready;
    double recon = 0.0;
    size_t nrecon = 0;
    const size_t nbatches = (n + B - 1) / B;
    int cancelled = 0;
    /* One parallel region for the epoch, two barriers per batch; every output element is
     * computed by one thread with the same operations in the same order whatever the thread
     * count, so the epoch does not depend on it. */
#pragma omp parallel num_threads(t->threads)
    {
        const int th = omp_get_thread_num(), T = omp_get_num_threads();
        epoch_start(t, th, T);
#pragma omp barrier
        for (size_t bt = 0; bt < nbatches; bt++) {
            const size_t r0 = bt * B, mb = r0 + B <= n ? B : n - r0;
            size_t lo, hi;
            share(mb, 1, th, T, &lo, &hi);
            batch_rows(t, bt, r0, lo, hi, persistent && !was_ready && bt == 0);
#pragma omp barrier
            if (th == 0) {
                for (size_t q = 0; q < mb; q++) recon += t->recon_row[q];
                nrecon += (mb + RECON_EVERY - 1) / RECON_EVERY;
            }
            update_share(t, th, T, &lo, &hi);
            batch_update_w(t, mb, lo, hi, th, T);
            share(nh, 16, th, T, &lo, &hi);
            batch_update_b(t, mb, lo, hi, th);
            if (th == 0 && zs_progress(t->ctx, "train", (double)(bt + 1), (double)nbatches))
                cancelled = 1;
#pragma omp barrier
            if (cancelled) break;
        }
    }
    if (cancelled) {
        memcpy(t->w, t->save, state_len(t) * sizeof(float));
        t->chains_ready = was_ready;
        return zs_fail(t->ctx, ZS_ECANCELLED, "train: cancelled");
    }
    if (persistent) {
        /* Each chain is its row's last Vk (kept as lists in vk_on during the epoch). */
        for (size_t q = 0; q < (n < B ? n : B); q++) {
            float *chain = t->chains + q * nv;
            memset(chain, 0, nv * sizeof *chain);
            for (size_t x = 0; x < t->vk_n[q]; x++) chain[t->vk_on[q * nv + x]] = 1.0f;
        }
        t->chains_ready = 1;
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

/* ---- checkpoints (written and read by lib/io/rbm_npz.c) ---------------------------------- */

void rbm_trainer_state(const zs_rbm_trainer *t, rbm_trainer_view *v) {
    v->ctx = t->ctx;
    v->nv = t->nv;
    v->nh = t->nh;
    v->opts = &t->o;
    v->w = t->w, v->a = t->a, v->b = t->b;
    v->vw = t->vw, v->va = t->va, v->vb = t->vb;
    v->chains = t->chains;
    v->freq = t->freq;
    v->epoch = t->epoch;
    v->chains_ready = t->chains_ready;
}

void rbm_trainer_set_progress(zs_rbm_trainer *t, uint64_t epoch, int chains_ready) {
    t->epoch = epoch;
    t->chains_ready = chains_ready;
}


zs_status zs_rbm_init_from_data(zs_rbm *rbm, const uint8_t *rows, size_t n, double sigma, uint64_t seed) {
    if (!rbm || !rows) return ZS_EINVAL;
    if (n == 0 || !(sigma >= 0) || !isfinite(sigma))
        return zs_fail(rbm->ctx, ZS_EINVAL, "rbm init: need at least one data row and a finite "
                       "sigma >= 0 (got %zu rows, sigma %g)", n, sigma);
    const size_t nv = rbm->nv, nh = rbm->nh;
    double *p = zs_malloc(nv * sizeof *p);
    if (!p) return zs_fail(rbm->ctx, ZS_ENOMEM, "rbm init: out of memory");
    zs_data_base_rate(rows, n, nv, 1.0, p);
    /* W_x = sigma * zs_rng_normal(&rng) for x in row-major order: the words drawn in order a
     * block at a time, their Box-Muller transforms (log, cos, sqrt: most of the time) in
     * parallel (one region per 2^18 entries: few barriers), each the same operations as
     * zs_rng_normal, so the same bits. */
    enum { BLOCK = 1 << 18 };
    uint64_t *words = zs_malloc(2 * (nv * nh < BLOCK ? nv * nh : BLOCK) * sizeof *words);
    if (!words) {
        free(p);
        return zs_fail(rbm->ctx, ZS_ENOMEM, "rbm init: out of memory");
    }
    zs_rng rng;
    zs_rng_init(&rng, seed, 0xffffffffULL);
    for (size_t x0 = 0; x0 < nv * nh; x0 += BLOCK) {
        const size_t m = nv * nh - x0 < BLOCK ? nv * nh - x0 : BLOCK;
        zs_rng_fill(&rng, words, 2 * m);
        double *w = rbm->w + x0;
#pragma omp parallel for schedule(static) num_threads(zs_threads_for(rbm->ctx, m)) if (m >= 1024)
        for (size_t j = 0; j < m; j++) w[j] = sigma * rng_normal_from(words[2 * j], words[2 * j + 1]);
    }
    free(words);
    for (size_t j = 0; j < nh; j++) rbm->b[j] = 0.0;
    /* ln(p/(1-p)), not log(p) - log1p(-p): the two differ in the last bit now and then, and
     * models trained before this function existed started from this form. */
    for (size_t i = 0; i < nv; i++) rbm->a[i] = log(p[i] / (1 - p[i]));
    free(p);
    return ZS_OK;
}

/* ---- the state in memory (the Python estimator's partial_fit and pickling) ---------------- */

/* dst = src (n floats), or nothing when dst is NULL; zeros when src is NULL. */
static void copy_or_zero(float *dst, const float *src, size_t n) {
    if (!dst) return;
    if (src) memcpy(dst, src, n * sizeof(float));
    else memset(dst, 0, n * sizeof(float));
}

zs_status zs_rbm_trainer_get_state(const zs_rbm_trainer *t, zs_rbm_train_state *s) {
    if (!t || !s || !s->chains) return zs_fail(t ? t->ctx : NULL, ZS_EINVAL, "train state: NULL chains");
    copy_or_zero(s->velocity_w, t->vw, t->nv * t->nh);
    copy_or_zero(s->velocity_vbias, t->va, t->nv);
    copy_or_zero(s->velocity_hbias, t->vb, t->nh);
    memcpy(s->chains, t->chains, t->o.batch * t->nv * sizeof(float));
    s->epoch = t->epoch;
    s->chains_ready = t->chains_ready;
    return ZS_OK;
}

static zs_status check_finite(zs_ctx *ctx, const char *name, const float *x, size_t n) {
    for (size_t i = 0; x && i < n; i++)
        if (!isfinite(x[i]))
            return zs_fail(ctx, ZS_EINVAL, "train state: %s entry %zu = %g is not finite", name, i,
                           (double)x[i]);
    return ZS_OK;
}

zs_status zs_rbm_trainer_set_state(zs_rbm_trainer *t, const zs_rbm_train_state *s) {
    if (!t || !s || !s->chains) return zs_fail(t ? t->ctx : NULL, ZS_EINVAL, "train state: NULL chains");
    const size_t nv = t->nv, nh = t->nh;
    zs_status st;
    if ((st = check_finite(t->ctx, "velocity_w", s->velocity_w, nv * nh)) != ZS_OK ||
        (st = check_finite(t->ctx, "velocity_vbias", s->velocity_vbias, nv)) != ZS_OK ||
        (st = check_finite(t->ctx, "velocity_hbias", s->velocity_hbias, nh)) != ZS_OK)
        return st;
    for (size_t x = 0; x < t->o.batch * nv; x++)
        if (s->chains[x] != 0.0f && s->chains[x] != 1.0f)
            return zs_fail(t->ctx, ZS_EINVAL, "train state: chains (%zu, %zu) = %g is not 0 or 1",
                           x / nv, x % nv, (double)s->chains[x]);
    copy_or_zero(t->vw, s->velocity_w, nv * nh);
    copy_or_zero(t->va, s->velocity_vbias, nv);
    copy_or_zero(t->vb, s->velocity_hbias, nh);
    memcpy(t->chains, s->chains, t->o.batch * nv * sizeof(float));
    t->epoch = s->epoch;
    t->chains_ready = s->chains_ready != 0;
    return ZS_OK;
}
