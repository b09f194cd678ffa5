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
 * Since v and h are binary, v^T W and W h are sums of the rows of W (or W^T) whose unit is on,
 * added in float32 (W rounded to float32: exact for float32 models); biases, exponents and
 * weights are double. This beats a dense product by the fraction of units that are off, and
 * each chain can run all K temperatures alone: chains are spread over OpenMP threads, each
 * drawing from its own stream zs_rng(seed, chain), so the result does not depend on the
 * number of threads. */
#include "sample/rbm_ais_internal.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>


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

/* What every chain reads: W (nv x nh) and W^T (nh x nv) in float32, rows contiguous for the
 * sparse row sums; the base biases b^A and a - b^A; the schedule beta_0..beta_K. */
typedef struct ais_shared {
    const zs_rbm *rbm;
    const float *wf, *wt;
    const double *ba, *dab, *betas;
    size_t K;
    uint64_t seed, stream0;
    const uint8_t *starts; /* M x nv start rows (reverse runs), or NULL: v_0 ~ A */
} ais_shared;

/* Per-thread scratch of one chain. */
typedef struct ais_scratch {
    double *x, *t, *t0, *y, *ty;
    float *xf, *yf;
    uint32_t *von, *hon;
} ais_scratch;

/* ln w of chain c: v_0 drawn exactly from the base (or the start row c), then for k = 1..K the
 * weight update ln p*_k(v_{k-1}) - ln p*_{k-1}(v_{k-1}) with the hidden units summed out (SM08
 * eqs. 13-14) and one Gibbs sweep at beta_k. The same code runs a decreasing schedule (reverse
 * AIS): the updates are then ln p*_{k} - ln p*_{k-1} with beta_k < beta_{k-1}. NaN when stopped
 * early (*stop set by the progress hook). */
static double ais_chain(const ais_shared *sh, size_t c, const ais_scratch *w, const int *stop) {
    const zs_rbm *rbm = sh->rbm;
    const size_t nv = rbm->nv, nh = rbm->nh, K = sh->K;
    const double *ba = sh->ba;
    size_t nvon = 0, nhon = 0;
    urand u;
    zs_rng_init(&u.rng, sh->seed, sh->stream0 + c);
    u.left = 0;
    if (sh->starts) {
        const uint8_t *row = sh->starts + c * nv;
        for (size_t i = 0; i < nv; i++)
            if (row[i]) w->von[nvon++] = (uint32_t)i;
    } else {
        /* v_0 ~ A exactly: independent Bernoulli(sigmoid(b^A_i)). */
        for (size_t i = 0; i < nv; i++)
            if (bern(&u, ba[i], exp(-fabs(ba[i])))) w->von[nvon++] = (uint32_t)i;
    }
    double lwc = 0.0;
    for (size_t k = 1; k <= K; k++) {
        if ((k & 1023) == 0 && __atomic_load_n(stop, __ATOMIC_RELAXED)) return (double)NAN;
        const double b0 = sh->betas[k - 1], b1 = sh->betas[k];
        /* x = b + v^T W as a sum of the rows of the units that are on (v is binary). */
        rbm_rows_sum(w->xf, sh->wf, nh, w->von, nvon, nh);
        double lin = 0.0;
        for (size_t q = 0; q < nvon; q++) lin += sh->dab[w->von[q]];
        for (size_t j = 0; j < nh; j++) w->x[j] = rbm->b[j] + (double)w->xf[j];
        double s0 = rbm_softplus_sum_beta(w->x, nh, b0, w->t0);
        double s1 = rbm_softplus_sum_beta(w->x, nh, b1, w->t);
        lwc += (b1 - b0) * lin + (s1 - s0);
        if (k == K) break;
        /* One Gibbs sweep at beta_k: h ~ sigmoid(beta x), v ~ sigmoid((1-beta) b^A + beta (a + W h)). */
        nhon = 0;
        for (size_t j = 0; j < nh; j++)
            if (bern(&u, w->x[j], w->t[j])) w->hon[nhon++] = (uint32_t)j;
        rbm_rows_sum(w->yf, sh->wt, nv, w->hon, nhon, nv);
        for (size_t i = 0; i < nv; i++) {
            w->y[i] = (1.0 - b1) * ba[i] + b1 * (rbm->a[i] + (double)w->yf[i]);
            w->ty[i] = -fabs(w->y[i]);
        }
        zs_vexp(w->ty, w->ty, nv);
        nvon = 0;
        for (size_t i = 0; i < nv; i++)
            if (bern(&u, w->y[i], w->ty[i])) w->von[nvon++] = (uint32_t)i;
    }
    return lwc;
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

/* A thread's scratch for one chain at a time: doubles (4 nh + 3 nv), floats (nh + nv),
 * indices (nh + nv). */
typedef struct ais_block {
    double *x;
    float *xf;
    uint32_t *von;
} ais_block;

static void ais_scratch_free(void *p) {
    ais_block *b = p;
    if (!b) return;
    free(b->x);
    free(b->xf);
    free(b->von);
    free(b);
}

static void *ais_scratch_alloc(const void *shared) {
    const ais_shared *sh = shared;
    const size_t nv = sh->rbm->nv, nh = sh->rbm->nh;
    ais_block *b = zs_calloc(1, sizeof *b);
    if (!b) return NULL;
    b->x = zs_malloc((4 * nh + 3 * nv) * sizeof *b->x);
    b->xf = zs_malloc((nh + nv) * sizeof *b->xf);
    b->von = zs_malloc((nh + nv) * sizeof *b->von);
    if (!b->x || !b->xf || !b->von) {
        ais_scratch_free(b);
        return NULL;
    }
    return b;
}

/* One unit: chain c's log weight. */
static zs_status ais_unit(const void *shared, uint64_t c, void *scratch, zs_unit_record *rec) {
    const ais_shared *sh = shared;
    const size_t nv = sh->rbm->nv, nh = sh->rbm->nh;
    const ais_block *b = scratch;
    double *x = b->x;
    const ais_scratch w = {x, x + nh, x + 2 * nh, x + 3 * nh, x + 3 * nh + nv,
                           b->xf, b->xf + nh, b->von, b->von + nv};
    static const int never = 0;
    rec->nvalues = 1;
    rec->values[0] = ais_chain(sh, (size_t)c, &w, &never);
    return ZS_OK;
}

zs_status rbm_ais_weights(const zs_rbm *rbm, const double *ba, const double *betas, size_t nbetas,
                          const uint8_t *starts, size_t M, uint64_t seed, uint64_t stream0,
                          const char *task, double *lw) {
    zs_ctx *ctx = rbm->ctx;
    const size_t nv = rbm->nv, nh = rbm->nh;
    zs_status st = ZS_OK;
    float *wf = zs_malloc(nv * nh * sizeof *wf), *wt = zs_malloc(nv * nh * sizeof *wt);
    double *dab = zs_malloc(nv * sizeof *dab);
    zs_unit_record *recs = zs_malloc((M ? M : 1) * sizeof *recs);
    if (!wf || !wt || !dab || !recs) {
        st = zs_fail(ctx, ZS_ENOMEM, "AIS: out of memory");
        goto done;
    }
    rbm_float_weights(rbm, wf, wt);
    for (size_t i = 0; i < nv; i++) dab[i] = rbm->a[i] - ba[i];
    const ais_shared sh = {rbm, wf, wt, ba, dab, betas, nbetas - 1, seed, stream0, starts};
    /* Chains are independent: each is a work unit (lib/core/units.c) that runs the whole
     * annealing on one thread, from its own stream, with no synchronization per
     * temperature; its record is its log weight. The hash covers the task, the model, the
     * base, the schedule, the start rows, the seed, the first stream and M. */
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
    h = units_hash_u64(h, M);
    units_job job = {ctx, task, task, h, M, ais_unit, &sh, ais_scratch_alloc, ais_scratch_free, 0};
    st = units_exec(&job, recs);
    if (st == ZS_OK)
        for (size_t c = 0; c < M; c++) lw[c] = recs[c].values[0];
done:
    free(wf);
    free(wt);
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
