/* rbm_ais.c — ln Z of an RBM by annealed importance sampling (Neal 2001), in the form of
 * Salakhutdinov & Murray (2008), "On the quantitative analysis of deep belief networks",
 * section 4.
 *
 * Base model A: W = 0, hidden biases 0, visible biases b^A, so
 *     ln Z_A = nh ln 2 + sum_i softplus(b^A_i)                                  (SM08 eq. 14)
 * and v ~ A is exact (independent Bernoulli(sigmoid(b^A_i))). With data, b^A_i = ln(p_i/(1-p_i))
 * from the pixel frequencies with a pseudocount c: p_i = (count_i + c) / (N + 2c); or from
 * given frequencies (a model trained by zsum stores those of its training data).
 * Intermediate distributions for 0 = beta_0 < ... < beta_K = 1 (SM08 eq. 13):
 *     p*_k(v) = exp((1-beta_k) b^A.v + beta_k a.v) prod_j (1 + exp(beta_k (b_j + (v^T W)_j)))
 * i.e. W and hbias scaled by beta_k. Each run draws v_0 ~ A, then for k = 1..K
 *     ln w += ln p*_k(v_{k-1}) - ln p*_{k-1}(v_{k-1}),
 * and (for k < K) one Gibbs sweep h ~ p_k(h|v), v ~ p_k(v|h) leaves p_k invariant. Then
 *     Z_B / Z_A ~ r = mean_i w_i,  sigma = std_i(w_i) / sqrt(M),
 * and the band ln(r -/+ 3 sigma) (SM08 section 4.1), computed relative to max_i ln w_i.
 *
 * The chains are cut into blocks of at most AIS_CHAINS_PER_UNIT (a count from M alone), and a
 * block's chains advance together: per temperature the fields of all of them are two matrix
 * products, X = V W and Y = H W^T (chains x units), by OpenBLAS sgemm in float32 (W rounded to
 * float32: exact for float32 models; V and H are 0/1, so the products are sums of W's entries
 * in the order sgemm adds them). Biases, exponents and weights are double. Each chain draws
 * from its own stream zs_rng(seed, chain) in a fixed order, and each block is a work unit run
 * on one thread with one-thread products, so the result depends neither on the number of
 * threads nor on the processes that ran the units. */
#include "sample/rbm_ais_internal.h"
#include "sample/rbm_ais_bern.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>

/* Chains per work unit at most: the rows of the products (sgemm runs near its full rate from
 * about 50 rows: bench/bench_rbm_ais.sh), and no more than a record holds. */
#define AIS_CHAINS_PER_UNIT 64
_Static_assert(AIS_CHAINS_PER_UNIT <= ZS_UNIT_MAX_VALUES, "a unit's log weights fit in its record");
/* Multiply-adds between two polls of the progress hook inside a block: a few ms of sgemm. */
#define AIS_POLL_WORK 1.6e7
/* One unit's exponential, draw and bookkeeping, in multiply-adds (a rough ratio of costs). */
#define UNIT_WORK 64.0


void zs_rbm_ais_defaults(zs_rbm_ais_opts *o) {
    memset(o, 0, sizeof *o);
    o->chains = 100;
    o->base = ZS_RBM_AIS_BASE_AUTO;
    o->pseudocount = 1.0;
    o->seed = 1;
}

void rbm_float_weights(const zs_rbm *rbm, float *wf, float *wt) {
    const size_t nv = rbm->nv, nh = rbm->nh;
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < nh; j++) {
            wf[i * nh + j] = (float)rbm->w[i * nh + j];
            wt[j * nv + i] = (float)rbm->w[i * nh + j];
        }
}

static zs_status append_range(double *b, size_t *n, double from, double to, double step) {
    /* from + i*step for i = 1 .. round((to-from)/step): no accumulated rounding. */
    size_t count = (size_t)llround((to - from) / step);
    for (size_t i = 1; i <= count; i++) b[(*n)++] = i == count ? to : from + (double)i * step;
    return ZS_OK;
}

zs_status zs_rbm_schedule_sm08(double **betas, size_t *n) {
    double *b = zs_malloc(14501 * sizeof *b);
    if (!b) return ZS_ENOMEM;
    size_t k = 0;
    b[k++] = 0.0;
    append_range(b, &k, 0.0, 0.5, 1e-3);
    append_range(b, &k, 0.5, 0.9, 1e-4);
    append_range(b, &k, 0.9, 1.0, 1e-5);
    *betas = b;
    *n = k;
    return ZS_OK;
}

zs_status zs_rbm_schedule_linear(size_t n, double **betas, size_t *count) {
    if (n == 0) return ZS_EINVAL;
    double *b = zs_malloc((n + 1) * sizeof *b);
    if (!b) return ZS_ENOMEM;
    for (size_t i = 0; i <= n; i++) b[i] = (double)i / (double)n;
    *betas = b;
    *count = n + 1;
    return ZS_OK;
}

zs_status zs_rbm_schedule_check(zs_ctx *ctx, const double *b, size_t n) {
    if (n < 2) return zs_fail(ctx, ZS_EINVAL, "schedule: %zu temperatures; at least 0 and 1 are needed", n);
    if (b[0] != 0.0) return zs_fail(ctx, ZS_EINVAL, "schedule: the first beta is %g, it must be 0", b[0]);
    if (b[n - 1] != 1.0) return zs_fail(ctx, ZS_EINVAL, "schedule: the last beta is %.17g, it must be 1", b[n - 1]);
    for (size_t i = 1; i < n; i++)
        if (!(b[i] > b[i - 1]))
            return zs_fail(ctx, ZS_EINVAL, "schedule: beta %zu = %.17g does not increase from "
                           "beta %zu = %.17g", i + 1, b[i], i, b[i - 1]);
    return ZS_OK;
}

/* sum_j softplus(beta x_j) and t_j = exp(-|beta x_j|) (kept for the Gibbs step). */
double rbm_softplus_sum_beta(const double *x, size_t n, double beta, double *t) {
    double lin = 0.0;
    for (size_t j = 0; j < n; j++) {
        double y = beta * x[j];
        lin += y > 0 ? y : 0.0;
        t[j] = -fabs(y);
    }
    zs_vexp(t, t, n);
    double lg = 0.0;
    for (size_t j0 = 0; j0 < n; j0 += 512) {
        size_t j1 = j0 + 512 < n ? j0 + 512 : n;
        double p = 1.0;
        for (size_t j = j0; j < j1; j++) p *= 1.0 + t[j];
        lg += log(p);
    }
    return lin + lg;
}

/* The base model's visible biases b^A (the base has W = 0 and hidden biases 0): zero for the
 * uniform base, the model's own for MODEL, logit of the data's smoothed base rate for DATA,
 * logit of the caller's rates for RATE. ba has nv entries, zeroed by the caller. */
static zs_status base_biases(const zs_rbm *rbm, const zs_rbm_ais_opts *opts, zs_rbm_ais_base base,
                             double *ba) {
    const size_t nv = rbm->nv;
    if (base == ZS_RBM_AIS_BASE_MODEL) {
        memcpy(ba, rbm->a, nv * sizeof *ba);
    } else if (base == ZS_RBM_AIS_BASE_DATA) {
        if (!opts->data || opts->n_data == 0)
            return zs_fail(rbm->ctx, ZS_EINVAL, "AIS: the data base rate needs data (got none)");
        double c = opts->pseudocount > 0 ? opts->pseudocount : 1.0;
        zs_data_base_rate(opts->data, opts->n_data, nv, c, ba);
        for (size_t i = 0; i < nv; i++) ba[i] = log(ba[i]) - log1p(-ba[i]);
    } else if (base == ZS_RBM_AIS_BASE_RATE) {
        for (size_t i = 0; i < nv; i++) {
            const double p = opts->rate ? opts->rate[i] : (double)NAN;
            if (!(p > 0.0 && p < 1.0))
                return zs_fail(rbm->ctx, ZS_EINVAL, "AIS: base frequency %zu is %g; frequencies "
                               "must lie strictly between 0 and 1", i, p);
            ba[i] = log(p) - log1p(-p);
        }
    }
    return ZS_OK;
}

/* What every unit reads: W (nv x nh) in float32 for the products; the base biases b^A,
 * exp(-|b^A|) and a - b^A; the schedule beta_0..beta_K; M chains cut into `units` blocks. */
typedef struct ais_shared {
    const zs_rbm *rbm;
    const float *wf;
    const double *ba, *tba, *dab, *betas;
    size_t K, M, units, bmax;
    uint64_t seed, stream0;
    const uint8_t *starts; /* M x nv start rows (reverse runs), or NULL: v_0 ~ A */
    bern_words_fn bern_words;
} ais_shared;

/* A thread's scratch for one block of at most bmax chains: the states and fields of all the
 * block's chains in float32 (the operands and results of sgemm), one chain's fields and
 * exponentials in double, the generator words of one draw, and each chain's generator. */
typedef struct ais_block {
    float *v, *h, *xf, *yf;          /* (bmax, nv), (bmax, nh), (bmax, nh), (bmax, nv) */
    double *x, *t, *t0, *y, *ty, *lw; /* nh, nh, nh, nv, nv, bmax */
    uint64_t *words;                 /* (max(nv, nh) + 1) / 2 */
    urand *u;                        /* bmax */
} ais_block;

/* out[q] = [u_q (1 + t[q]) < (y[q] >= 0 ? 1 : t[q])], q < n (even), with u_{2i}, u_{2i+1} =
 * ((high, low 32 bits of words[i]) + 1/2) 2^-32: the test of bern on whole words. */
static void bern_words_portable(const uint64_t *words, const double *y, const double *t, size_t n,
                                float *out) {
    for (size_t q = 0; q < n; q++) {
        const uint32_t x = (uint32_t)(words[q >> 1] >> ((~q & 1) * 32));
        const double uq = ((double)x + 0.5) * 0x1.0p-32;
        out[q] = uq * (1.0 + t[q]) < (y[q] >= 0 ? 1.0 : t[q]) ? 1.0f : 0.0f;
    }
}

/* The best kernel this CPU runs (ZSUM_NO_SIMD=1: the portable one); the same bits either way. */
static bern_words_fn bern_pick(void) {
    return zs_simd_level() == 2 ? rbm_ais_bern_avx512 : bern_words_portable;
}

/* out[i] = 1 with probability sigmoid(y[i]) (given t[i] = exp(-|y[i]|)), else 0, for i < n:
 * the test of bern, with the uniforms taken in the same order as n calls of u32 (two per
 * generator word, high half first, a half left over kept for the next draw), so that a chain's
 * draws are those of its own stream whatever the block. The words are taken all at once and the
 * comparisons have no branch, so the loop vectorizes. */
static void bern_fill(urand *u, const double *y, const double *t, size_t n, float *out,
                      uint64_t *words, bern_words_fn bern_words) {
    size_t i0 = 0;
    if (n > 0 && u->left) {
        out[0] = bern(u, y[0], t[0]) ? 1.0f : 0.0f;
        i0 = 1;
    }
    const size_t pairs = (n - i0) / 2;
    zs_rng_fill(&u->rng, words, pairs);
    bern_words(words, y + i0, t + i0, 2 * pairs, out + i0);
    if (i0 + 2 * pairs < n) {
        const size_t i = n - 1;
        out[i] = bern(u, y[i], t[i]) ? 1.0f : 0.0f;
    }
}

/* s(b1) - s(b0) for s(beta) = sum_j softplus(beta x_j) = sum_j max(beta x_j, 0) +
 * ln prod_j (1 + e^{-|beta x_j|}) (one exp per term, one log per 512: rbm_sum_softplus), both
 * betas in one pass; t1[j] = e^{-|b1 x_j|} is kept for the hidden draws, t1[n..2n) is scratch.
 * The sums and products run in 8 interleaved partials so that they vectorize; a partial product
 * of a block of 512 has at most 71 factors in (1, 2], and the whole block's product stays
 * below 2^512. */
static double softplus_diff(const double *x, size_t n, double b0, double b1, double *t1) {
    double *t0 = t1 + n;
    double l0[8] = {0.0}, l1[8] = {0.0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t r = 0; r < 8; r++) {
            const double y0 = b0 * x[j + r], y1 = b1 * x[j + r];
            l0[r] += y0 > 0 ? y0 : 0.0;
            l1[r] += y1 > 0 ? y1 : 0.0;
            t0[j + r] = -fabs(y0);
            t1[j + r] = -fabs(y1);
        }
    for (; j < n; j++) {
        const double y0 = b0 * x[j], y1 = b1 * x[j];
        l0[0] += y0 > 0 ? y0 : 0.0;
        l1[0] += y1 > 0 ? y1 : 0.0;
        t0[j] = -fabs(y0);
        t1[j] = -fabs(y1);
    }
    zs_vexp(t1, t1, 2 * n);
    double lg = 0.0;
    for (size_t j0 = 0; j0 < n; j0 += 512) {
        const size_t j1 = j0 + 512 < n ? j0 + 512 : n;
        double p0[8] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
        double p1[8] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
        size_t q = j0;
        for (; q + 8 <= j1; q += 8)
            for (size_t r = 0; r < 8; r++) {
                p0[r] *= 1.0 + t0[q + r];
                p1[r] *= 1.0 + t1[q + r];
            }
        for (; q < j1; q++) {
            p0[0] *= 1.0 + t0[q];
            p1[0] *= 1.0 + t1[q];
        }
        const double a0 = ((p0[0] * p0[1]) * (p0[2] * p0[3])) * ((p0[4] * p0[5]) * (p0[6] * p0[7]));
        const double a1 = ((p1[0] * p1[1]) * (p1[2] * p1[3])) * ((p1[4] * p1[5]) * (p1[6] * p1[7]));
        lg += log(a1) - log(a0);
    }
    const double s0 = ((l0[0] + l0[1]) + (l0[2] + l0[3])) + ((l0[4] + l0[5]) + (l0[6] + l0[7]));
    const double s1 = ((l1[0] + l1[1]) + (l1[2] + l1[3])) + ((l1[4] + l1[5]) + (l1[6] + l1[7]));
    return (s1 - s0) + lg;
}

/* The weight update of temperature k for every chain of the block (rows xf = v W of its
 * states), and unless k = K the hidden draws h ~ p_k(h | v) into bl->h. */
static void ais_hidden(const ais_shared *sh, ais_block *bl, size_t B, size_t k) {
    const zs_rbm *rbm = sh->rbm;
    const size_t nv = rbm->nv, nh = rbm->nh;
    const double b0 = sh->betas[k - 1], b1 = sh->betas[k];
    for (size_t c = 0; c < B; c++) {
        const float *v = bl->v + c * nv, *xf = bl->xf + c * nh;
        /* (a - b^A).v in four interleaved partial sums (v is 0/1: the products are exact). */
        double l4[4] = {0.0, 0.0, 0.0, 0.0};
        size_t i = 0;
        for (; i + 4 <= nv; i += 4)
            for (size_t r = 0; r < 4; r++) l4[r] += (double)v[i + r] * sh->dab[i + r];
        for (; i < nv; i++) l4[0] += (double)v[i] * sh->dab[i];
        const double lin = (l4[0] + l4[1]) + (l4[2] + l4[3]);
        for (size_t j = 0; j < nh; j++) bl->x[j] = rbm->b[j] + (double)xf[j];
        bl->lw[c] += (b1 - b0) * lin + softplus_diff(bl->x, nh, b0, b1, bl->t);
        /* h ~ sigmoid(beta_k x): sign(beta_k x) = sign(x), and t = exp(-|beta_k x|). */
        if (k < sh->K) bern_fill(&bl->u[c], bl->x, bl->t, nh, bl->h + c * nh, bl->words, sh->bern_words);
    }
}

/* v ~ p_k(v | h) = sigmoid((1 - beta_k) b^A + beta_k (a + W h)) for every chain of the block,
 * from the rows yf = h W^T. */
static void ais_visible(const ais_shared *sh, ais_block *bl, size_t B, size_t k) {
    const zs_rbm *rbm = sh->rbm;
    const size_t nv = rbm->nv;
    const double b1 = sh->betas[k];
    for (size_t c = 0; c < B; c++) {
        const float *yf = bl->yf + c * nv;
        for (size_t i = 0; i < nv; i++) {
            bl->y[i] = (1.0 - b1) * sh->ba[i] + b1 * (rbm->a[i] + (double)yf[i]);
            bl->ty[i] = -fabs(bl->y[i]);
        }
        zs_vexp(bl->ty, bl->ty, nv);
        bern_fill(&bl->u[c], bl->y, bl->ty, nv, bl->v + c * nv, bl->words, sh->bern_words);
    }
}

/* Unit u: chains [u M / units, (u + 1) M / units), annealed together. Each chain c draws v_0
 * exactly from the base (or starts from row c), then for k = 1..K adds ln p*_k(v_{k-1}) -
 * ln p*_{k-1}(v_{k-1}) to its log weight, the hidden units summed out (SM08 eqs. 13-14), and
 * (k < K) makes one Gibbs sweep at beta_k. The same code runs a decreasing schedule (reverse
 * AIS). The fields of all the block's chains are two matrix products per temperature,
 * X = V W (B x nv times nv x nh) and Y = H W^T, in float32 by OpenBLAS sgemm on one thread
 * (V and H are 0/1, so only W's rounding to float32 and the order of the sums enter); the
 * exponentials, weights and draws are double, chain by chain, each from zs_rng(seed,
 * stream0 + c) in a fixed order. The record holds the block's log weights in chain order. */
static zs_status ais_unit(const void *shared, uint64_t unit, void *scratch, zs_unit_record *rec) {
    const ais_shared *sh = shared;
    ais_block *bl = scratch;
    const size_t nv = sh->rbm->nv, nh = sh->rbm->nh;
    const size_t c0 = (size_t)unit * sh->M / sh->units, c1 = ((size_t)unit + 1) * sh->M / sh->units;
    const size_t B = c1 - c0;
    for (size_t c = 0; c < B; c++) {
        zs_rng_init(&bl->u[c].rng, sh->seed, sh->stream0 + c0 + c);
        bl->u[c].left = 0;
        bl->lw[c] = 0.0;
        float *v = bl->v + c * nv;
        if (sh->starts) {
            for (size_t i = 0; i < nv; i++) v[i] = sh->starts[(c0 + c) * nv + i] ? 1.0f : 0.0f;
        } else { /* v_0 ~ A exactly: independent Bernoulli(sigmoid(b^A_i)). */
            bern_fill(&bl->u[c], sh->ba, sh->tba, nv, v, bl->words, sh->bern_words);
        }
    }
    /* A block runs K temperatures of 2 B nv nh multiply-adds (seconds for a large model):
     * the run's progress hook is asked about every AIS_POLL_WORK of them (units_poll). Each
     * unit's exponential and draw count as UNIT_WORK multiply-adds, so that a model of a few
     * units, whose products are nothing, still asks every few ms. */
    const double per_k = 2.0 * (double)B * (double)nv * (double)nh + UNIT_WORK * (double)B * (double)(nv + nh);
    double since = AIS_POLL_WORK; /* the first temperature asks first (see pt_ladder) */
    for (size_t k = 1; k <= sh->K; k++) {
        since += per_k;
        if (since >= AIS_POLL_WORK) {
            since = 0.0;
            if (units_poll(sh->rbm->ctx)) return ZS_ECANCELLED;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)nh, (int)nv, 1.0f,
                    bl->v, (int)nv, sh->wf, (int)nh, 0.0f, bl->xf, (int)nh);
        ais_hidden(sh, bl, B, k);
        if (k == sh->K) break;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)nv, (int)nh, 1.0f,
                    bl->h, (int)nh, sh->wf, (int)nh, 0.0f, bl->yf, (int)nv);
        ais_visible(sh, bl, B, k);
    }
    rec->nvalues = (uint32_t)B;
    memcpy(rec->values, bl->lw, B * sizeof *bl->lw);
    return ZS_OK;
}

/* Checks, the schedule (the caller's or SM08's) and the base biases; on success *betas points
 * at the schedule (*own holds it when it is ours) and ba holds b^A. */
zs_status rbm_ais_prepare(const zs_rbm *rbm, const zs_rbm_ais_opts *opts, zs_rbm_ais_base *base,
                             double **own, const double **betas, size_t *nbetas, double **ba) {
    zs_ctx *ctx = rbm->ctx;
    const size_t nv = rbm->nv, nh = rbm->nh, M = opts->chains;
    if (M < 2) return zs_fail(ctx, ZS_EINVAL, "AIS: %zu chains; at least 2 are needed for an error bar", M);
    if (nv > 0x7fffffff || nh > 0x7fffffff || M > 0x7fffffff)
        return zs_fail(ctx, ZS_ETOOBIG, "AIS: dimensions exceed the BLAS index range");
    if ((unsigned)opts->base > (unsigned)ZS_RBM_AIS_BASE_AUTO)
        return zs_fail(ctx, ZS_EINVAL, "AIS: unknown base %d", (int)opts->base);
    zs_status st = zs_rbm_check(rbm);
    if (st != ZS_OK) return st;
    /* AUTO (zsum/rbm.h): the most informed base the caller gave. */
    *base = opts->base;
    if (*base == ZS_RBM_AIS_BASE_AUTO)
        *base = opts->data ? ZS_RBM_AIS_BASE_DATA
              : opts->rate ? ZS_RBM_AIS_BASE_RATE : ZS_RBM_AIS_BASE_UNIFORM;
    *betas = opts->betas;
    *nbetas = opts->nbetas;
    if (!*betas) {
        if (zs_rbm_schedule_sm08(own, nbetas) != ZS_OK) return zs_fail(ctx, ZS_ENOMEM, "AIS: out of memory");
        *betas = *own;
    }
    st = zs_rbm_schedule_check(ctx, *betas, *nbetas);
    if (st != ZS_OK) return st;
    *ba = zs_calloc(nv, sizeof **ba);
    if (!*ba) return zs_fail(ctx, ZS_ENOMEM, "AIS: out of memory");
    return base_biases(rbm, opts, *base, *ba);
}

double rbm_ais_lnz_base(const zs_rbm *rbm, const double *ba) {
    double lnza = (double)rbm->nh * M_LN2;
    for (size_t i = 0; i < rbm->nv; i++) lnza += zs_softplus(ba[i]);
    return lnza;
}

static void ais_scratch_free(void *p) {
    ais_block *b = p;
    if (!b) return;
    free(b->v);
    free(b->x);
    free(b->words);
    free(b->u);
    free(b);
}

static void *ais_scratch_alloc(const void *shared) {
    const ais_shared *sh = shared;
    const size_t nv = sh->rbm->nv, nh = sh->rbm->nh, B = sh->bmax;
    ais_block *b = zs_calloc(1, sizeof *b);
    if (!b) return NULL;
    b->v = zs_malloc(2 * B * (nv + nh) * sizeof *b->v);
    b->x = zs_malloc((3 * nh + 2 * nv + B) * sizeof *b->x);
    b->words = zs_malloc(((nv > nh ? nv : nh) / 2 + 1) * sizeof *b->words);
    b->u = zs_malloc(B * sizeof *b->u);
    if (!b->v || !b->x || !b->words || !b->u) {
        ais_scratch_free(b);
        return NULL;
    }
    b->h = b->v + B * nv;
    b->xf = b->h + B * nh;
    b->yf = b->xf + B * nh;
    b->t = b->x + nh;
    b->t0 = b->t + nh;
    b->y = b->t0 + nh;
    b->ty = b->y + nv;
    b->lw = b->ty + nv;
    return b;
}

zs_status rbm_ais_weights(const zs_rbm *rbm, const double *ba, const double *betas, size_t nbetas,
                          const uint8_t *starts, size_t M, uint64_t seed, uint64_t stream0,
                          const char *task, double *lw) {
    zs_ctx *ctx = rbm->ctx;
    const size_t nv = rbm->nv, nh = rbm->nh;
    zs_status st = ZS_OK;
    const size_t units = M ? (M + AIS_CHAINS_PER_UNIT - 1) / AIS_CHAINS_PER_UNIT : 1;
    float *wf = zs_malloc(nv * nh * sizeof *wf);
    double *dab = zs_malloc(2 * nv * sizeof *dab);
    zs_unit_record *recs = zs_malloc(units * sizeof *recs);
    if (!wf || !dab || !recs) {
        st = zs_fail(ctx, ZS_ENOMEM, "AIS: out of memory");
        goto done;
    }
    for (size_t i = 0; i < nv * nh; i++) wf[i] = (float)rbm->w[i];
    double *tba = dab + nv;
    for (size_t i = 0; i < nv; i++) {
        dab[i] = rbm->a[i] - ba[i];
        tba[i] = exp(-fabs(ba[i]));
    }
    const ais_shared sh = {rbm, wf, ba, tba, dab, betas, nbetas - 1, M, units,
                           (M + units - 1) / units, seed, stream0, starts, bern_pick()};
    /* The chains are cut into blocks of at most AIS_CHAINS_PER_UNIT, a count that depends on M
     * alone; each block is a work unit (lib/core/units.c) run on one thread with no
     * synchronization per temperature, and its record is its chains' log weights. The hash
     * covers the task, the model, the base, the schedule, the start rows, the seed, the first
     * stream, M and the block size. */
    uint64_t h = units_hash_begin(task);
    h = units_hash_u64(units_hash_u64(h, nv), nh);
    h = units_hash_doubles(h, rbm->w, nv * nh);
    h = units_hash_doubles(h, rbm->a, nv);
    h = units_hash_doubles(h, rbm->b, nh);
    h = units_hash_doubles(h, ba, nv);
    h = units_hash_u64(h, nbetas);
    h = units_hash_doubles(h, betas, nbetas);
    if (starts) h = units_hash_bytes(h, starts, M * nv);
    h = units_hash_u64(units_hash_u64(h, seed), stream0);
    h = units_hash_u64(units_hash_u64(h, M), AIS_CHAINS_PER_UNIT);
    units_job job = {ctx, task, task, h, units, ais_unit, &sh, ais_scratch_alloc, ais_scratch_free, 0};
    /* One BLAS thread per product: the units are the parallelism, and a product split over
     * threads could add in another order on another thread count. */
    const int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    st = units_exec(&job, recs);
    openblas_set_num_threads(blas_threads);
    for (size_t u = 0; st == ZS_OK && u < units; u++) {
        const size_t c0 = u * M / units, c1 = (u + 1) * M / units;
        if (recs[u].nvalues != c1 - c0)
            st = zs_fail(ctx, ZS_EINVAL, "%s: the record of unit %zu holds %u log weights, not %zu",
                         task, u, (unsigned)recs[u].nvalues, c1 - c0);
        else
            memcpy(lw + c0, recs[u].values, (c1 - c0) * sizeof *lw);
    }
done:
    free(wf);
    free(dab);
    free(recs);
    return st;
}

zs_status zs_rbm_lnz_ais(const zs_rbm *rbm, const zs_rbm_ais_opts *opts, zs_rbm_ais_result *out) {
    if (!rbm || !opts || !out) return ZS_EINVAL;
    zs_ctx *ctx = rbm->ctx;
    const size_t M = opts->chains;
    zs_rbm_ais_base base = ZS_RBM_AIS_BASE_UNIFORM;
    double *own = NULL, *ba = NULL;
    const double *betas = NULL;
    size_t K1 = 0;
    zs_status st = rbm_ais_prepare(rbm, opts, &base, &own, &betas, &K1, &ba);
    double *lw = st == ZS_OK ? zs_calloc(M, sizeof *lw) : NULL;
    if (st == ZS_OK && !lw) st = zs_fail(ctx, ZS_ENOMEM, "AIS: out of memory");
    if (st == ZS_OK) st = rbm_ais_weights(rbm, ba, betas, K1, NULL, M, opts->seed, 0, "AIS", lw);
    if (st == ZS_OK) {
        const double lnza = rbm_ais_lnz_base(rbm, ba);
        st = zs_ais_summarize(ctx, lw, M, lnza, 0, &out->lnz, &out->band);
        out->base = base;
        out->lnz_base = lnza;
        out->chains = M;
        out->temperatures = K1 - 1;
    }
    free(own);
    free(ba);
    free(lw);
    return st;
}

/* A schedule item: the one decimal grammar (zs_parse_decimal), with a leading '+' allowed as
 * schedule files always allowed it. */
static int plain_decimal(const char *s, double *x) {
    if (s[0] == '+' && s[1] != '-') s++;
    return zs_parse_decimal(s, x) == ZS_OK;
}

zs_status zs_rbm_schedule_parse(zs_ctx *ctx, const char *text, double **betas, size_t *n) {
    if (!text || !betas || !n) return ZS_EINVAL;
    if (!strcmp(text, "sm08")) {
        if (zs_rbm_schedule_sm08(betas, n) != ZS_OK) return zs_fail(ctx, ZS_ENOMEM, "schedule: out of memory");
        return ZS_OK;
    }
    if (!strncmp(text, "linear:", 7)) {
        const char *s = text + 7;
        size_t k = 0, len = strlen(s);
        int ok = len > 0 && len <= 9;
        for (size_t i = 0; ok && i < len; i++) {
            ok = s[i] >= '0' && s[i] <= '9';
            k = k * 10 + (size_t)(s[i] - '0');
        }
        if (!ok || k < 1 || k > 100000000)
            return zs_fail(ctx, ZS_EINVAL, "schedule: linear:%s is not in 1..100000000 (a whole "
                           "number of transitions)", s);
        if (zs_rbm_schedule_linear(k, betas, n) != ZS_OK) return zs_fail(ctx, ZS_ENOMEM, "schedule: out of memory");
        return ZS_OK;
    }
    FILE *f = fopen(text, "r");
    if (!f) return zs_fail(ctx, ZS_EIO, "schedule: '%s' is not sm08, linear:N or a readable file",
                           text);
    size_t cap = 1024, count = 0;
    double *b = zs_malloc(cap * sizeof *b);
    char word[128];
    zs_status st = ZS_OK;
    while (b && st == ZS_OK && fscanf(f, "%127s", word) == 1) {
        double x;
        if (!plain_decimal(word, &x)) {
            st = zs_fail(ctx, ZS_EINVAL, "schedule %s: item %zu, '%s', is not a finite decimal "
                         "number", text, count + 1, word);
            break;
        }
        if (count == cap) {
            double *nb = zs_realloc(b, 2 * cap * sizeof *b);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        b[count++] = x;
    }
    fclose(f);
    if (!b) return zs_fail(ctx, ZS_ENOMEM, "schedule: out of memory");
    if (st == ZS_OK) st = zs_rbm_schedule_check(ctx, b, count);
    if (st != ZS_OK) {
        free(b);
        return st;
    }
    *betas = b;
    *n = count;
    return ZS_OK;
}
