/* elim_run.c — exact ln Z of a factor model by bucket (variable) elimination in log space.
 *
 * Z = sum_x prod_f phi_f(x). Summing the variables out one at a time along an order
 * (Dechter, "Bucket elimination", Artificial Intelligence 113, 1999; Koller & Friedman 2009,
 * alg. 9.1): the factors that mention v (v's bucket) are multiplied and v is summed out,
 *     psi(x_S) = sum_{x_v} prod_{f in bucket(v)} phi_f(x_v, x_S),   S = scopes minus v,
 * and psi goes to the bucket of the first of S in the order. In logarithms,
 *     ln psi(x_S) = logsumexp_{x_v} sum_f ln phi_f(x_v, x_S),
 * with the running maximum m taken out: ln psi = m + ln sum_{x_v} exp(s_{x_v} - m), so no
 * term overflows; when every term is ln 0 = -inf the maximum is -inf and the result is -inf
 * exactly (m is replaced by 0 there, exp(-inf) = 0, ln 0 = -inf). Empty buckets contribute
 * ln d_v; tables left with no variables are constants added to ln Z.
 *
 * Evidence is applied first by slicing: each table keeps only the entries consistent with the
 * observed values. Variables with a single value are sliced the same way (they change
 * nothing but would widen tables). Each sliced table's variables are then sorted by their
 * position in the order, the earliest first (slowest), so the variable being eliminated is
 * always the slowest index of every table in its bucket: for each of its values x the table
 * is the contiguous slice t[x * size/d ...].
 *
 * Hot loop: the output table is cut into blocks of its last (fastest) dimensions, at most
 * ELIM_BLOCK entries; per block each input table is one of constant (none of the block's
 * variables), contiguous (the block's variables are its own last ones, in the same order) or
 * gathered through an offset table computed once per elimination. Sums go into d rows of a
 * block buffer, then one vector exp over all d rows and one log per output entry. The case of
 * binary models' large tables (d = 2, two tables not constant) runs fused on AVX-512: no
 * buffer, each 8 entries of a table one masked load and a permute (elim_lse2_pair_avx512).
 * Blocks are shared among OpenMP threads; each output entry is computed by the same
 * operations whatever the thread count, so results do not depend on it. */
#include "exact/elim_internal.h"
#include "exact/elim_lse.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Below this many entry-rows (output entries x d) an elimination runs on one thread: each
 * parallel elimination ends at a barrier, and on a shared machine a descheduled thread holds
 * everyone there (Grids_15, 400 eliminations of 2^21 entry-rows: 1.9 s on one thread, 11.7 s
 * on two with two other builds running); 2^22 entry-rows are ~10 ms of work. */
#define PAR_MIN_ENTRIES 4194304.0

/* ---- tables during elimination ------------------------------------------------------ */

elim_tab *elim_tab_new(size_t n, size_t size, int data) {
    elim_tab *e = zs_calloc(1, sizeof *e);
    if (e) {
        e->pos = zs_malloc((n ? n : 1) * sizeof *e->pos);
        if (data) e->t = zs_malloc((size ? size : 1) * sizeof *e->t);
    }
    if (!e || !e->pos || (data && !e->t)) {
        elim_tab_free(e);
        return NULL;
    }
    e->n = n;
    e->size = size;
    e->child = SIZE_MAX;
    return e;
}

void elim_tab_free(elim_tab *e) {
    if (!e) return;
    free(e->pos);
    free(e->t);
    free(e);
}

/* One spare table buffer. Along a chain of eliminations each new table is about the size of
 * the one just consumed; handing that buffer over saves the kernel's page faults and zeroing
 * of fresh pages (glibc maps blocks over 32 MiB anew each time: 16% of DBN_13's run). It
 * never raises the memory in use above the plan's peak: the buffer held is one that was live
 * a moment before, and it is released before any larger allocation. */
typedef struct tpool {
    double *buf;
    size_t cap;
} tpool;

#define POOL_MIN 65536 /* entries: smaller tables are served by malloc's own free lists */

static double *pool_take(tpool *pl, size_t size) {
    if (pl->buf && pl->cap >= size && pl->cap <= 2 * size) {
        double *b = pl->buf;
        pl->buf = NULL;
        pl->cap = 0;
        return b;
    }
    if (pl->buf && size >= POOL_MIN) {
        free(pl->buf);
        pl->buf = NULL;
        pl->cap = 0;
    }
    return zs_malloc((size ? size : 1) * sizeof(double));
}

static void pool_give(tpool *pl, elim_tab *e) {
    if (!e) return;
    if (pl && e->size >= POOL_MIN && e->size > pl->cap) {
        free(pl->buf);
        pl->buf = e->t;
        pl->cap = e->size;
        e->t = NULL;
    }
    elim_tab_free(e);
}

/* Factor fa sliced by the skipped variables (val their values), its k kept variables sorted
 * by pos[]: their positions, strides in fa's table and domain sizes, the offset base of the
 * observed values in fa's table and the sliced table's size. */
typedef struct elim_slice {
    size_t k, base, size;
    size_t pos[ZS_FACTOR_MAX_ARITY], stride[ZS_FACTOR_MAX_ARITY], dims[ZS_FACTOR_MAX_ARITY];
} elim_slice;

static void slice_scope(const zs_factor_model *m, const fm_factor *fa, const unsigned char *skip,
                        const uint32_t *val, const size_t *pos, elim_slice *s) {
    size_t k = 0, base = 0, stride = 1;
    for (size_t a = fa->arity; a-- > 0;) {
        size_t v = fa->scope[a];
        if (skip[v]) {
            base += val[v] * stride;
        } else {
            s->pos[k] = pos[v];
            s->stride[k] = stride;
            s->dims[k] = m->dom[v];
            k++;
        }
        stride *= m->dom[v];
    }
    /* Insertion sort of the (at most 64) kept variables by position. */
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && s->pos[j - 1] > s->pos[j]; j--) {
            size_t t;
            t = s->pos[j]; s->pos[j] = s->pos[j - 1]; s->pos[j - 1] = t;
            t = s->stride[j]; s->stride[j] = s->stride[j - 1]; s->stride[j - 1] = t;
            t = s->dims[j]; s->dims[j] = s->dims[j - 1]; s->dims[j - 1] = t;
        }
    s->k = k;
    s->base = base;
    s->size = 1;
    for (size_t i = 0; i < k; i++) s->size *= s->dims[i];
}

/* The sliced table t (s->size entries, last variable fastest) from fa's. */
static void slice_copy(const fm_factor *fa, const elim_slice *s, double *t) {
    /* Walk the new table in order (last fastest) with an odometer over the old offsets. */
    size_t digit[ZS_FACTOR_MAX_ARITY] = {0};
    size_t off = s->base;
    for (size_t i = 0; i < s->size; i++) {
        t[i] = fa->lnt[off];
        for (size_t j = s->k; j-- > 0;) {
            off += s->stride[j];
            if (++digit[j] < s->dims[j]) break;
            off -= s->stride[j] * s->dims[j];
            digit[j] = 0;
        }
    }
}

zs_status elim_slice_table(const zs_factor_model *m, const fm_factor *fa,
                           const unsigned char *skip, const uint32_t *val, const size_t *pos,
                           int data, const char *what, elim_tab **out, double *constant) {
    elim_slice sl;
    slice_scope(m, fa, skip, val, pos, &sl);
    *out = NULL;
    if (sl.k == 0) {
        *constant = fa->lnt[sl.base];
        return ZS_OK;
    }
    elim_tab *e = elim_tab_new(sl.k, sl.size, data);
    if (!e) return zs_fail(m->ctx, ZS_ENOMEM, "%s: out of memory", what);
    memcpy(e->pos, sl.pos, sl.k * sizeof *sl.pos);
    if (data) slice_copy(fa, &sl, e->t);
    *out = e;
    return ZS_OK;
}

/* ---- the elimination kernel --------------------------------------------------------- */

enum { IN_CONST = 0, IN_CONTIG = 1, IN_GATHER = 2 };

typedef struct kin {
    const double *t;
    size_t sv;          /* stride of the eliminated variable (its slowest index)       */
    size_t *st;         /* (w) stride of each output variable in this table, 0 if absent */
    size_t *ioff;       /* (L) offsets of the block's entries in this table            */
    int cls;
    int additive;       /* ioff[i + l] = ioff[i] + ioff[l], i = 0 mod 8, l < 8 (elim_pair) */
} kin;

typedef struct kplan {
    size_t k;           /* input tables                                                */
    kin *in;
    size_t w;           /* output variables                                            */
    const size_t *dims; /* (w) their domain sizes                                      */
    size_t d;           /* values of the eliminated variable                           */
    size_t nout;        /* output entries                                              */
    size_t L;           /* entries per block (product of the last b dims)              */
    size_t b;           /* dims in a block                                             */
    size_t nblocks;
    int fused;          /* d = 2, two tables not constant, L = 0 mod 8, AVX-512: elim_pair */
} kplan;

/* Where input in's entries for row x of the block at the outer digits start. */
static size_t in_base(const kin *in, size_t x, const size_t *digit, size_t outer) {
    size_t base = x * in->sv;
    for (size_t j = 0; j < outer; j++) base += digit[j] * in->st[j];
    return base;
}

/* The fused d = 2 block (elim_lse2_pair_avx512): the same sums as kernel_block's rows, in the
 * same order, without the block buffer. */
static void kernel_fused(const kplan *kp, const size_t *digit, size_t outer, double *out) {
    elim_pair pr;
    for (size_t x = 0; x < 2; x++) {
        double c = 0.0;
        size_t ng = 0;
        for (size_t k = 0; k < kp->k; k++) {
            const kin *in = &kp->in[k];
            const size_t base = in_base(in, x, digit, outer);
            if (in->cls == IN_CONST) {
                c += in->t[base];
                continue;
            }
            pr.t[ng][x] = in->t + base;
            pr.io[ng] = in->ioff;
            pr.additive[ng] = in->additive;
            ng++;
        }
        pr.c[x] = c;
    }
    elim_lse2_pair_avx512(&pr, kp->L, out);
}

/* One block: out[0..L) for outer index o; s is d*L scratch, src and io k entries each. */
static void kernel_block(const kplan *kp, size_t o, double *s, const double **src,
                         const size_t **io, double *out) {
    const size_t L = kp->L, d = kp->d, outer = kp->w - kp->b;
    size_t digit[ZS_FACTOR_MAX_ARITY + 1];
    for (size_t j = outer; j-- > 0;) {
        digit[j] = o % kp->dims[j];
        o /= kp->dims[j];
    }
    if (kp->fused) {
        kernel_fused(kp, digit, outer, out);
        return;
    }
    /* Tables constant over the block fold into one number per row; up to three others are
     * read in one fused pass (one store per entry instead of one per table). */
    for (size_t x = 0; x < d; x++) {
        double *sx = s + x * L;
        double c = 0.0;
        size_t ng = 0, contig0 = 0;
        for (size_t k = 0; k < kp->k; k++) {
            const kin *in = &kp->in[k];
            const size_t base = in_base(in, x, digit, outer);
            if (in->cls == IN_CONST) {
                c += in->t[base];
                continue;
            }
            if (ng == 0) contig0 = in->cls == IN_CONTIG;
            src[ng] = in->t + base;
            io[ng] = in->ioff;
            ng++;
        }
        switch (ng) {
        case 0:
            for (size_t i = 0; i < L; i++) sx[i] = c;
            break;
        case 1:
            if (contig0)
                for (size_t i = 0; i < L; i++) sx[i] = c + src[0][i];
            else
                for (size_t i = 0; i < L; i++) sx[i] = c + src[0][io[0][i]];
            break;
        case 2:
            if (contig0)
                for (size_t i = 0; i < L; i++) sx[i] = c + src[0][i] + src[1][io[1][i]];
            else
                for (size_t i = 0; i < L; i++) sx[i] = c + src[0][io[0][i]] + src[1][io[1][i]];
            break;
        case 3:
            for (size_t i = 0; i < L; i++)
                sx[i] = c + src[0][io[0][i]] + src[1][io[1][i]] + src[2][io[2][i]];
            break;
        default:
            for (size_t i = 0; i < L; i++) sx[i] = c + src[0][io[0][i]];
            for (size_t g = 1; g < ng; g++)
                for (size_t i = 0; i < L; i++) sx[i] += src[g][io[g][i]];
        }
    }
    if (d == 1) {
        memcpy(out, s, L * sizeof *out);
        return;
    }
    elim_lse_rows(s, d, L, out);
}

/* Output variables: union of the bucket's positions minus p (keep: with p, a plain product
 * of the tables), ascending, into out; returns their number, *ntab the bucket's tables. */
static size_t out_scope(const elim_tab *bucket, size_t p, int keep, size_t *mark, size_t *stamp,
                        size_t *out, size_t *ntab) {
    size_t w = 0, k = 0;
    const size_t tag = ++*stamp;
    for (const elim_tab *e = bucket; e; e = e->next, k++)
        for (size_t i = 0; i < e->n; i++) {
            size_t q = e->pos[i];
            if ((q == p && !keep) || mark[q] == tag) continue;
            mark[q] = tag;
            out[w++] = q;
        }
    qsort(out, w, sizeof *out, elim_cmp_size);
    *ntab = k;
    return w;
}

/* The block: the last b output dims, at most ELIM_BLOCK entries (at least 1). */
static void kplan_block(kplan *kp) {
    kp->L = 1;
    kp->b = 0;
    while (kp->b < kp->w && kp->L * kp->dims[kp->w - 1 - kp->b] <= ELIM_BLOCK)
        kp->L *= kp->dims[kp->w - 1 - kp->b++];
    kp->nblocks = kp->nout / kp->L;
}

/* Input table e as the kernel reads it for the output variables outpos[0..kp->w): its
 * strides, its offsets within a block and its class. 0 when out of memory. */
static int kin_setup(kin *in, const elim_tab *e, const kplan *kp, const size_t *outpos, size_t p,
                     int keep, const size_t *dimp) {
    const size_t w = kp->w;
    in->t = e->t;
    in->st = zs_calloc(w ? w : 1, sizeof *in->st);
    in->ioff = zs_malloc(kp->L * sizeof *in->ioff);
    if (!in->st || !in->ioff) return 0;
    /* Own strides (last fastest), matched to the output's variables by position. */
    size_t stride = 1, j = w;
    for (size_t i = e->n; i-- > 0;) {
        size_t q = e->pos[i];
        if (q == p && !keep) {
            in->sv = stride;
        } else {
            while (j > 0 && outpos[j - 1] != q) j--;
            in->st[j - 1] = stride;
        }
        stride *= dimp[q];
    }
    /* Offsets within a block (its b dims, last fastest) and the class. */
    int contig = 1, constant = 1;
    for (size_t i = 0; i < kp->L; i++) {
        size_t rem = i, off = 0;
        for (size_t t = 0; t < kp->b; t++) {
            size_t jj = w - 1 - t;
            off += (rem % kp->dims[jj]) * in->st[jj];
            rem /= kp->dims[jj];
        }
        in->ioff[i] = off;
        contig &= off == i;
        constant &= off == 0;
    }
    in->cls = constant ? IN_CONST : contig ? IN_CONTIG : IN_GATHER;
    in->additive = kp->L % 8 == 0;
    for (size_t i = 0; i < kp->L && in->additive; i++)
        in->additive = in->ioff[i] == in->ioff[i & ~(size_t)7] + in->ioff[i & 7];
    return 1;
}

/* Put a contiguous table first (it initialises the rows by memcpy). */
static void contiguous_first(kplan *kp) {
    for (size_t i = 1; i < kp->k; i++)
        if (kp->in[i].cls == IN_CONTIG && kp->in[0].cls != IN_CONTIG) {
            kin t = kp->in[0];
            kp->in[0] = kp->in[i];
            kp->in[i] = t;
            break;
        }
}

static void kin_free(kin *in, size_t k) {
    if (in)
        for (size_t i = 0; i < k; i++) {
            free(in[i].st);
            free(in[i].ioff);
        }
    free(in);
}

/* Every block of kp into out (kp->nout entries), on nt threads, each with its own d x L rows
 * and pointer lists. 0 when a thread could not get them. */
static int run_blocks(const kplan *kp, int nt, double *out) {
    int oom = 0;
#pragma omp parallel num_threads(nt)
    {
        double *s = zs_malloc(kp->d * kp->L * sizeof *s);
        const double **src = zs_malloc(kp->k * sizeof *src);
        const size_t **io = zs_malloc(kp->k * sizeof *io);
        int ok = s && src && io;
        if (!ok) __atomic_store_n(&oom, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(dynamic, 4)
        for (size_t o = 0; o < kp->nblocks; o++)
            if (ok) kernel_block(kp, o, s, src, io, out + o * kp->L);
        free(s);
        free(src);
        free(io);
    }
    return !oom;
}

/* Eliminate position p: the bucket's tables -> one table over the union of their variables
 * minus p (or a constant when that union is empty). */
static zs_status eliminate_one(zs_ctx *ctx, elim_tab *bucket, size_t p, int keep,
                               const size_t *dimp, size_t *mark, size_t *stamp,
                               size_t *scratch, double par_min, tpool *pl, elim_tab **result) {
    size_t k;
    const size_t w = out_scope(bucket, p, keep, mark, stamp, scratch, &k);
    elim_tab *r = zs_calloc(1, sizeof *r);
    kplan kp = {0};
    size_t *dims = zs_malloc((w ? w : 1) * sizeof *dims);
    kp.in = zs_calloc(k, sizeof *kp.in);
    zs_status st;
    if (!r || !dims || !kp.in) {
        st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory");
        goto fail;
    }
    r->n = w;
    r->pos = zs_malloc((w ? w : 1) * sizeof *r->pos);
    size_t size = 1;
    for (size_t j = 0; j < w; j++) {
        dims[j] = dimp[scratch[j]];
        size *= dims[j];
    }
    r->size = size;
    r->t = pool_take(pl, size);
    if (!r->pos || !r->t) {
        st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory for a table of %zu entries", size);
        goto fail;
    }
    if (w) memcpy(r->pos, scratch, w * sizeof *scratch);
    kp.k = k;
    kp.w = w;
    kp.dims = dims;
    kp.d = keep ? 1 : dimp[p];
    kp.nout = size;
    kplan_block(&kp);
    size_t ki = 0;
    for (const elim_tab *e = bucket; e; e = e->next, ki++)
        if (!kin_setup(&kp.in[ki], e, &kp, scratch, p, keep, dimp)) {
            st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory");
            goto fail;
        }
    contiguous_first(&kp);
    size_t nvar = 0;
    for (size_t i = 0; i < k; i++) nvar += kp.in[i].cls != IN_CONST;
    kp.fused = kp.d == 2 && nvar == 2 && kp.L % 8 == 0 && zs_simd_level() == 2;
    const int nt = (double)size * (double)kp.d >= par_min && kp.nblocks > 1 ? zs_threads_for(ctx, kp.nblocks) : 1;
    if (!run_blocks(&kp, nt, r->t)) {
        st = zs_fail(ctx, ZS_ENOMEM, "eliminate: out of memory for block buffers");
        goto fail;
    }
    kin_free(kp.in, k);
    free(dims);
    *result = r;
    return ZS_OK;
fail:
    kin_free(kp.in, k);
    free(dims);
    elim_tab_free(r);
    return st;
}

static void bucket_free(elim_tab *e, tpool *pl) {
    while (e) {
        elim_tab *n = e->next;
        pool_give(pl, e);
        e = n;
    }
}

/* ---- one run along the order --------------------------------------------------------- */

/* A run's state: the evidence sliced away, positions, the buckets and the spare buffer. */
typedef struct erun {
    const zs_factor_model *m;
    size_t n;
    unsigned char *skip; /* (nvars) observed or single-valued                           */
    uint32_t *val;       /* (nvars) their values                                          */
    size_t *pos;         /* (nvars) position of each variable in the order, SIZE_MAX none */
    size_t *dimp;        /* (n) domain size at each position                              */
    size_t *mark;        /* (n) per-position stamps                                       */
    size_t *scratch;     /* (n) a scope being built                                       */
    elim_tab **bucket;       /* (n) tables by their first position                            */
    tpool pool;
    size_t stamp;
    double par_min;      /* entry-rows from which an elimination runs in parallel         */
} erun;

/* PAR_MIN_ENTRIES, or ZSUM_ELIM_PAR_MIN when set (tests use it to reach the parallel loop
 * on small models). */
static double par_min_entries(void) {
    double par_min = PAR_MIN_ENTRIES;
    const char *env = getenv("ZSUM_ELIM_PAR_MIN");
    if (env && *env) {
        char *end;
        double v = strtod(env, &end);
        if (*end == '\0' && v >= 1.0) par_min = v;
    }
    return par_min;
}

static void erun_free(erun *r) {
    if (r->bucket)
        for (size_t q = 0; q < r->n; q++) bucket_free(r->bucket[q], NULL);
    free(r->pool.buf);
    free(r->bucket);
    free(r->skip);
    free(r->val);
    free(r->pos);
    free(r->dimp);
    free(r->mark);
    free(r->scratch);
}

static zs_status erun_init(erun *r, const zs_factor_model *m, const int32_t *evidence,
                           const zs_factor_plan *p) {
    const size_t nv = m->nvars ? m->nvars : 1, n = p->n;
    memset(r, 0, sizeof *r);
    r->m = m;
    r->n = n;
    r->skip = zs_malloc(nv);
    r->val = zs_malloc(nv * sizeof *r->val);
    r->pos = zs_malloc(nv * sizeof *r->pos);
    r->dimp = zs_malloc((n ? n : 1) * sizeof *r->dimp);
    r->mark = zs_calloc(n ? n : 1, sizeof *r->mark);
    r->scratch = zs_malloc((n ? n : 1) * sizeof *r->scratch);
    r->bucket = zs_calloc(n ? n : 1, sizeof *r->bucket);
    if (!r->skip || !r->val || !r->pos || !r->dimp || !r->mark || !r->scratch || !r->bucket)
        return zs_fail(m->ctx, ZS_ENOMEM, "eliminate: out of memory");
    zs_status st = elim_make_skip(m, evidence, r->skip, r->val);
    if (st != ZS_OK) return st;
    for (size_t v = 0; v < m->nvars; v++) r->pos[v] = SIZE_MAX;
    for (size_t q = 0; q < n; q++) {
        r->pos[p->order[q]] = q;
        r->dimp[q] = m->dom[p->order[q]];
    }
    r->par_min = par_min_entries();
    return ZS_OK;
}

/* Every entry of t is ln 0. Then Z = 0 exactly, and the elimination may stop: every product
 * with t is zero (no table holds +inf or NaN: the reader refuses them), every sum over it is
 * zero, and ln Z = -inf is what the whole elimination returns (the kernel's log-sum-exp of
 * -inf terms is -inf exactly, and a -inf constant makes the total -inf). This is what makes a
 * conditioned run cheap where a factor forbids its assignment of the conditioned variables.
 * Reads up to the first nonzero entry: one read for most tables. */
static int all_zero(const elim_tab *t) {
    for (size_t i = 0; i < t->size; i++)
        if (t->t[i] > -HUGE_VAL) return 0;
    return 1;
}

/* Slice every factor into the bucket of its first position; the factors left constant are
 * added to *total in file order. A table left all zeros sets *total to -inf (Z = 0). */
static zs_status fill_buckets(erun *r, double *total) {
    const zs_factor_model *m = r->m;
    for (size_t f = 0; f < m->nf; f++) {
        elim_tab *e;
        double c;
        zs_status st =
            elim_slice_table(m, &m->f[f], r->skip, r->val, r->pos, 1, "eliminate", &e, &c);
        if (st != ZS_OK) return st;
        if (!e) {
            *total += c;
            continue;
        }
        e->next = r->bucket[e->pos[0]];
        r->bucket[e->pos[0]] = e;
        if (all_zero(e)) *total = -HUGE_VAL;
    }
    return ZS_OK;
}

/* A bucket of three or more tables: multiply its small tables into one first when that table
 * is no larger than the largest one; the main loop then reads two tables per entry, not k. */
static zs_status premultiply(erun *r, size_t q) {
    elim_tab *big = r->bucket[q], *rest = NULL, *e = r->bucket[q];
    for (; e; e = e->next)
        if (e->size > big->size) big = e;
    double usize = 1.0;
    r->stamp++;
    for (e = r->bucket[q]; e; e = e->next) {
        if (e == big) continue;
        for (size_t i = 0; i < e->n; i++)
            if (r->mark[e->pos[i]] != r->stamp) {
                r->mark[e->pos[i]] = r->stamp;
                usize *= (double)r->dimp[e->pos[i]];
            }
    }
    if (!(usize <= (double)big->size)) return ZS_OK;
    elim_tab **link = &r->bucket[q];
    while (*link) {
        e = *link;
        if (e == big) {
            link = &e->next;
        } else {
            *link = e->next;
            e->next = rest;
            rest = e;
        }
    }
    elim_tab *prod = NULL;
    zs_status st = eliminate_one(r->m->ctx, rest, q, 1, r->dimp, r->mark, &r->stamp, r->scratch,
                                 r->par_min, &r->pool, &prod);
    bucket_free(rest, &r->pool);
    if (st != ZS_OK) return st;
    prod->next = r->bucket[q];
    r->bucket[q] = prod;
    return ZS_OK;
}

/* Sum position q out of its (non-empty) bucket; the result goes to the bucket of its first
 * position, or to *total when it is a constant. *work grows by the entries read. */
static zs_status eliminate_bucket(erun *r, size_t q, double *total, double *work) {
    size_t k = 0;
    for (elim_tab *e = r->bucket[q]; e; e = e->next) k++;
    zs_status st = k >= 3 ? premultiply(r, q) : ZS_OK;
    elim_tab *t = NULL;
    if (st == ZS_OK)
        st = eliminate_one(r->m->ctx, r->bucket[q], q, 0, r->dimp, r->mark, &r->stamp,
                           r->scratch, r->par_min, &r->pool, &t);
    if (st != ZS_OK) return st;
    bucket_free(r->bucket[q], &r->pool);
    r->bucket[q] = NULL;
    *work += (double)t->size * (double)r->dimp[q] * (double)k;
    if (t->n > 0 && all_zero(t)) *total = -HUGE_VAL; /* Z = 0: the run stops here */
    if (t->n == 0) {
        *total += t->t[0];
        elim_tab_free(t);
    } else {
        t->next = r->bucket[t->pos[0]];
        r->bucket[t->pos[0]] = t;
    }
    return ZS_OK;
}

/* One elimination along p's order under evidence (which must leave unobserved exactly the
 * variables of the order). Progress is reported as work_base + the work done so far, out of
 * work_total, so that runs under conditioning add up to one bar. */
static zs_status lnz_run(const zs_factor_model *m, const int32_t *evidence,
                         const zs_factor_plan *p, double work_base, double work_total,
                         double *lnz) {
    zs_ctx *ctx = m->ctx;
    erun r;
    /* Constants are added in a fixed order: factors in file order, then buckets in order. */
    double total = 0.0, done_work = 0.0;
    zs_status st = erun_init(&r, m, evidence, p);
    if (st == ZS_OK) st = fill_buckets(&r, &total);
    /* total = -inf: Z = 0 whatever comes after (all_zero); the rest is not computed. */
    for (size_t q = 0; q < r.n && st == ZS_OK && total > -HUGE_VAL; q++) {
        if (!r.bucket[q]) {
            total += log((double)r.dimp[q]); /* sum over a variable no table mentions */
            continue;
        }
        st = eliminate_bucket(&r, q, &total, &done_work);
        if (st == ZS_OK && zs_progress(ctx, "eliminate", work_base + done_work, work_total))
            st = zs_fail(ctx, ZS_ECANCELLED, "eliminate: cancelled");
    }
    if (st == ZS_OK) {
        if (isnan(total)) st = zs_fail(ctx, ZS_ENUMERIC, "eliminate: ln Z is NaN");
        else *lnz = total;
    }
    erun_free(&r);
    return st;
}

/* Conditioning: Z(e) = sum_{x_C} Z(e, x_C). Each assignment of the conditioned variables is
 * a work unit (lib/core/units.c), run one at a time with the threads inside the elimination
 * (each run needs the plan's whole memory), its record its ln Z(e, x_C); assignment a is the
 * mixed-radix number of the digits, last conditioned variable fastest. The records are summed
 * in assignment order in log space with a running maximum mx: Z = e^mx * s, and a new term
 * r > mx rescales s by e^(mx - r). The order of the additions is the same whatever the
 * thread or process count (each run is itself thread-count independent), so the result is
 * too. The problem's hash covers the model, the evidence and the plan (order, conditioned
 * variables). */
typedef struct cond_job {
    const zs_factor_model *m;
    const int32_t *evidence;
    const zs_factor_plan *p;
} cond_job;

static zs_status cond_unit(const void *job, uint64_t a, void *scratch, zs_unit_record *rec) {
    const cond_job *j = job;
    const zs_factor_model *m = j->m;
    const zs_factor_plan *p = j->p;
    (void)scratch;
    int32_t *ev = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *ev);
    if (!ev) return zs_fail(m->ctx, ZS_ENOMEM, "eliminate: out of memory");
    for (size_t v = 0; v < m->nvars; v++) ev[v] = j->evidence ? j->evidence[v] : -1;
    uint64_t rest = a;
    for (size_t i = p->info.conditioned; i-- > 0;) {
        uint32_t d = m->dom[p->cond[i]];
        ev[p->cond[i]] = (int32_t)(rest % d);
        rest /= d;
    }
    double r = 0.0;
    zs_status st = lnz_run(m, ev, p, (double)a * p->info.work, p->info.total_work, &r);
    free(ev);
    rec->nvalues = 1;
    rec->values[0] = r;
    return st;
}

static uint64_t cond_hash(const zs_factor_model *m, const int32_t *evidence, const zs_factor_plan *p) {
    uint64_t h = units_hash_begin("factor conditioned elimination");
    h = units_hash_u64(h, m->nvars);
    for (size_t v = 0; v < m->nvars; v++)
        h = units_hash_u64(h, ((uint64_t)m->dom[v] << 32) | (uint32_t)(evidence ? evidence[v] : -1));
    h = units_hash_u64(h, m->nf);
    for (size_t f = 0; f < m->nf; f++) {
        h = units_hash_u64(h, m->f[f].arity);
        for (size_t k = 0; k < m->f[f].arity; k++) h = units_hash_u64(h, m->f[f].scope[k]);
        h = units_hash_doubles(h, m->f[f].lnt, m->f[f].size);
    }
    h = units_hash_u64(h, p->n);
    for (size_t i = 0; i < p->n; i++) h = units_hash_u64(h, p->order[i]);
    h = units_hash_u64(h, p->info.conditioned);
    for (size_t i = 0; i < p->info.conditioned; i++) h = units_hash_u64(h, p->cond[i]);
    return h;
}

static zs_status lnz_conditioned(const zs_factor_model *m, const int32_t *evidence,
                                 const zs_factor_plan *p, double *lnz) {
    const size_t nc = p->info.conditioned;
    double na = 1.0;
    for (size_t i = 0; i < nc; i++) na *= (double)m->dom[p->cond[i]];
    if (!(na <= 1e9)) /* the records of the runs are held in memory */
        return zs_fail(m->ctx, ZS_ETOOBIG, "eliminate: %.4g conditioned runs are more than 1e9", na);
    const uint64_t units = (uint64_t)na;
    zs_unit_record *recs = zs_malloc(units * sizeof *recs);
    if (!recs) return zs_fail(m->ctx, ZS_ENOMEM, "eliminate: out of memory for %.4g run records", na);
    cond_job cj = {m, evidence, p};
    units_job job = {m->ctx, "eliminate", NULL, cond_hash(m, evidence, p), units, cond_unit, &cj,
                     NULL, NULL, 1};
    zs_status st = units_exec(&job, recs);
    if (st == ZS_OK) {
        double mx = -HUGE_VAL, s = 0.0;
        for (uint64_t a = 0; a < units; a++) {
            double r = recs[a].values[0];
            if (r > mx) {
                s = s * exp(mx - r) + 1.0;
                mx = r;
            } else if (r > -HUGE_VAL) {
                s += exp(r - mx);
            }
        }
        *lnz = mx == -HUGE_VAL ? -HUGE_VAL : mx + log(s);
    }
    free(recs);
    return st;
}

zs_status zs_factor_lnz(const zs_factor_model *m, const int32_t *evidence,
                        const zs_factor_plan *p, double max_bytes, double *lnz) {
    if (!m || !p || !lnz) return ZS_EINVAL;
    zs_ctx *ctx = m->ctx;
    if (p->nvars != m->nvars) return zs_fail(ctx, ZS_EINVAL, "eliminate: the plan is for another model");
    for (size_t v = 0; v < m->nvars; v++)
        if (p->ev[v] != (evidence ? evidence[v] : -1))
            return zs_fail(ctx, ZS_EINVAL,
                           "eliminate: the plan was made for other evidence (variable %zu)", v);
    if (max_bytes > 0.0 && !(p->info.peak_bytes <= max_bytes)) {
        char need[32], have[32];
        return zs_fail(ctx, ZS_ETOOBIG,
                       "eliminate: needs %s of tables (induced width %zu, largest table %.4g "
                       "entries), more than the memory limit of %s (max_bytes)",
                       zs_format_bytes(need, p->info.peak_bytes), p->info.width,
                       p->info.max_table_entries, zs_format_bytes(have, max_bytes));
    }
    if (!(p->info.max_table_entries * 8.0 < (double)SIZE_MAX))
        return zs_fail(ctx, ZS_ETOOBIG, "eliminate: a table of %.4g entries cannot be addressed",
                       p->info.max_table_entries);
    if (p->info.conditioned == 0) return lnz_run(m, evidence, p, 0.0, p->info.work, lnz);
    return lnz_conditioned(m, evidence, p, lnz);
}
