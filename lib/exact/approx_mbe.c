/* approx_mbe.c — weighted mini-bucket elimination with cost shifting: an upper bound on ln Z.
 *
 * Bucket elimination (Dechter 1999) sums a variable v out of the product of the functions in
 * its bucket, building a table over all their variables: exponential in the induced width.
 * Mini-buckets (Dechter & Rish 2003) split the bucket into groups of at most i_bound
 * variables each and eliminate v from each group separately. Summing separately would not
 * bound anything; Hölder's inequality does: for weights w_r > 0 with sum_r w_r = 1,
 *     sum_x prod_r f_r(x) <= prod_r ( sum_x f_r(x)^(1/w_r) )^(w_r),
 * so each group sends lambda_r = w_r ln sum_{x_v} exp(F_r / w_r) (F_r = ln f_r), and the
 * product of the messages bounds the true message from above at every point; the bound
 * survives the later sums, and the constant left at the end is an upper bound on ln Z
 * (Liu & Ihler 2011, "Bounding the partition function using Hölder's inequality"). Here the
 * weights are uniform, w_r = 1/R for R groups.
 *
 * Cost shifting: adding delta_r(x_v) to group r with sum_r delta_r = 0 leaves the product,
 * hence Z, unchanged, and changes the bound. Each round matches the groups' weighted
 * marginals on x_v, mu_r(x) ~ sum_{others} exp(F_r / w_r): with ln mu_bar = sum_r w_r ln mu_r,
 * delta_r = w_r (ln mu_bar - ln mu_r) (the moment-matching step of Liu & Ihler 2011, sec. 5,
 * applied within the bucket; Flerova, Ihler, Dechter & Otten 2011). Rounds repeat until the
 * marginals agree to tol or max_iter rounds; the bound holds after any number of them.
 * Values x where a group's marginal vanishes make the product vanish there, so they are
 * left unshifted.
 *
 * The orders are the greedy ones of elimination (lib/exact/elim_order.c): min-fill, weighted
 * min-fill and min-degree, the least of their bounds kept. When i_bound is at least the
 * induced width + 1 there is one group per bucket and the result is exact. */
#include "exact/approx_internal.h"
#include "exact/elim_internal.h"

#include <string.h>

/* Tables larger than this (2^31 entries, 16 GiB) are refused. */
#define MBE_MAX_TABLE 2147483648.0

typedef struct fn {
    size_t arity;
    uint32_t v[ZS_FACTOR_MAX_ARITY]; /* sorted ascending */
    double *t;
    size_t next;                     /* next function in the same bucket */
} fn;

typedef struct mbe {
    const ax_model *r;
    fn *f;
    size_t nf, cap;
    size_t *head;      /* (n) first function of each bucket, SIZE_MAX for none */
    size_t *pos;       /* (n) position of each variable in the order             */
    size_t *list;      /* (2 nb) the current bucket's functions, then their groups */
    struct group *g;   /* (nb) the current bucket's groups                        */
    double *lm;        /* (nb 2 maxdom) the groups' weighted marginals on x_v       */
    double *lbar;      /* (maxdom) their weighted geometric mean                    */
} mbe;

static size_t table_size(const ax_model *r, const uint32_t *v, size_t k) {
    size_t s = 1;
    for (size_t j = 0; j < k; j++) s *= r->dom[v[j]];
    return s;
}

/* File a function (takes t) in the bucket of its earliest variable. */
static zs_status push(mbe *b, size_t arity, const uint32_t *v, double *t) {
    if (b->nf == b->cap) {
        size_t nc = b->cap ? 2 * b->cap : 64;
        fn *p = zs_realloc(b->f, nc * sizeof *p);
        if (!p) {
            free(t);
            return zs_fail(b->r->ctx, ZS_ENOMEM, "mbe: out of memory");
        }
        b->f = p;
        b->cap = nc;
    }
    fn *f = &b->f[b->nf];
    f->arity = arity;
    memcpy(f->v, v, arity * sizeof *v);
    f->t = t;
    size_t first = v[0];
    for (size_t j = 1; j < arity; j++)
        if (b->pos[v[j]] < b->pos[first]) first = v[j];
    f->next = b->head[first];
    b->head[first] = b->nf++;
    return ZS_OK;
}

/* Union of two sorted scopes into out; returns its size. */
static size_t merge_scope(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out) {
    size_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        if (j == nb || (i < na && a[i] < b[j])) out[k++] = a[i++];
        else if (i == na || b[j] < a[i]) out[k++] = b[j++];
        else out[k++] = a[i++], j++;
    }
    return k;
}

/* ln mu(x_v) ~ ln sum_{others} exp(T / w), normalized, for v at position p of scope. */
static void weighted_marginal(const ax_model *r, const uint32_t *S, size_t k, size_t p,
                              const double *T, double w, double *lm) {
    uint32_t d = r->dom[S[p]];
    size_t inner = 1;
    for (size_t j = p + 1; j < k; j++) inner *= r->dom[S[j]];
    size_t size = table_size(r, S, k);
    for (uint32_t x = 0; x < d; x++) lm[x] = -HUGE_VAL;
    /* Two passes: the maxima, then the sums. */
    for (size_t e = 0; e < size; e++) {
        uint32_t x = (uint32_t)((e / inner) % d);
        if (T[e] / w > lm[x]) lm[x] = T[e] / w;
    }
    double *s = lm + d;
    for (uint32_t x = 0; x < d; x++) s[x] = 0.0;
    for (size_t e = 0; e < size; e++) {
        uint32_t x = (uint32_t)((e / inner) % d);
        if (T[e] > -HUGE_VAL) s[x] += exp(T[e] / w - lm[x]);
    }
    for (uint32_t x = 0; x < d; x++) lm[x] = lm[x] == -HUGE_VAL ? -HUGE_VAL : lm[x] + log(s[x]);
    ax_lognormalize(lm, d);
}

/* lambda = w ln sum_{x_v} exp(T / w) over the scope without position p, into out. */
static void power_sum_out(const ax_model *r, const uint32_t *S, size_t k, size_t p,
                          const double *T, double w, double *out) {
    uint32_t d = r->dom[S[p]];
    size_t inner = 1;
    for (size_t j = p + 1; j < k; j++) inner *= r->dom[S[j]];
    size_t osize = table_size(r, S, k) / d;
    for (size_t o = 0; o < osize; o++) {
        size_t hi = o / inner, lo = o % inner, base = hi * inner * d + lo;
        double mx = -HUGE_VAL;
        for (uint32_t x = 0; x < d; x++) {
            double a = T[base + x * inner] / w;
            if (a > mx) mx = a;
        }
        if (mx == -HUGE_VAL) {
            out[o] = -HUGE_VAL;
            continue;
        }
        double s = 0.0;
        for (uint32_t x = 0; x < d; x++) s += exp(T[base + x * inner] / w - mx);
        out[o] = w * (mx + log(s));
    }
}

typedef struct group {
    size_t k;
    uint32_t v[ZS_FACTOR_MAX_ARITY];
    double *T;
} group;

static int by_arity_desc(const void *a, const void *b, const fn *f) {
    size_t x = f[*(const size_t *)a].arity, y = f[*(const size_t *)b].arity;
    return (x < y) - (x > y);
}

/* The functions to start from: a copy of every factor's table and every variable's unary
 * table. */
static zs_status mbe_load(mbe *b) {
    const ax_model *r = b->r;
    zs_status st = ZS_OK;
    for (size_t f = 0; f < r->fm->nf && st == ZS_OK; f++) {
        const fm_factor *ff = &r->fm->f[f];
        double *t = zs_malloc(ff->size * sizeof *t);
        if (!t) return zs_fail(r->ctx, ZS_ENOMEM, "mbe: out of memory");
        memcpy(t, ff->lnt, ff->size * sizeof *t);
        st = push(b, ff->arity, ff->scope, t);
    }
    for (size_t v = 0; v < r->n && st == ZS_OK; v++) {
        double *t = zs_malloc(r->dom[v] * sizeof *t);
        if (!t) return zs_fail(r->ctx, ZS_ENOMEM, "mbe: out of memory");
        memcpy(t, r->un + r->uoff[v], r->dom[v] * sizeof *t);
        uint32_t vv = (uint32_t)v;
        st = push(b, 1, &vv, t);
    }
    return st;
}

/* The nb functions list[] of a bucket, largest scope first, filed by first fit into groups
 * of at most i_bound variables: grp[a] is function a's group. Returns the number of groups. */
static size_t mbe_group(const mbe *b, size_t i_bound, size_t nb, size_t *list, size_t *grp,
                        group *g) {
    for (size_t a = 1; a < nb; a++) /* insertion sort: buckets are small */
        for (size_t c = a; c > 0 && by_arity_desc(&list[c - 1], &list[c], b->f) > 0; c--) {
            size_t tmp = list[c];
            list[c] = list[c - 1];
            list[c - 1] = tmp;
        }
    size_t R = 0;
    for (size_t a = 0; a < nb; a++) {
        const fn *f = &b->f[list[a]];
        uint32_t u[2 * ZS_FACTOR_MAX_ARITY];
        size_t hit = SIZE_MAX;
        for (size_t q = 0; q < R && hit == SIZE_MAX; q++) {
            if (merge_scope(g[q].v, g[q].k, f->v, f->arity, u) <= i_bound) hit = q;
        }
        if (hit == SIZE_MAX) {
            hit = R++;
            g[hit].k = 0;
        }
        size_t k = merge_scope(g[hit].v, g[hit].k, f->v, f->arity, u);
        memcpy(g[hit].v, u, k * sizeof *u);
        g[hit].k = k;
        grp[a] = hit;
    }
    return R;
}

/* Each of the R groups' table: the sum of its functions' ln tables (which are freed). */
static zs_status mbe_fill(mbe *b, size_t nb, const size_t *list, const size_t *grp, group *g,
                          size_t R) {
    const ax_model *r = b->r;
    for (size_t q = 0; q < R; q++) {
        double sz = 1.0;
        for (size_t j = 0; j < g[q].k; j++) sz *= r->dom[g[q].v[j]];
        if (sz > MBE_MAX_TABLE)
            return zs_fail(r->ctx, ZS_ETOOBIG,
                           "mbe: a mini-bucket table of %.3g entries (a factor of %zu variables "
                           "beyond i_bound) passes 2^31", sz, g[q].k);
        g[q].T = zs_calloc((size_t)sz, sizeof(double));
        if (!g[q].T)
            return zs_fail(r->ctx, ZS_ENOMEM, "mbe: out of memory for a table of %.3g entries",
                           sz);
        for (size_t a = 0; a < nb; a++) {
            if (grp[a] != q) continue;
            fn *f = &b->f[list[a]];
            ax_accumulate(r->dom, g[q].v, g[q].k, g[q].T, f->v, f->arity, f->t);
            free(f->t);
            f->t = NULL;
        }
    }
    return ZS_OK;
}

/* Cost shifting between the R groups of the bucket of a variable of d values, at place p[q]
 * in group q's scope, each of weight w. Returns the rounds run. */
static uint64_t mbe_shift(mbe *b, const zs_factor_approx_opts *o, group *g, size_t R,
                          const size_t *p, uint32_t d, double w) {
    const ax_model *r = b->r;
    double *lm = b->lm, *lbar = b->lbar;
    uint64_t rounds = 0;
    for (uint64_t it = 0; R > 1 && it < o->max_iter; it++) {
        for (size_t q = 0; q < R; q++)
            weighted_marginal(r, g[q].v, g[q].k, p[q], g[q].T, w, lm + q * 2 * r->maxdom);
        double change = 0.0;
        for (uint32_t x = 0; x < d; x++) {
            double s = 0.0;
            int dead = 0;
            for (size_t q = 0; q < R; q++) {
                double l = lm[q * 2 * r->maxdom + x];
                if (l == -HUGE_VAL) dead = 1;
                else s += w * l;
            }
            lbar[x] = dead ? -HUGE_VAL : s;
        }
        ax_lognormalize(lbar, d);
        for (size_t q = 0; q < R; q++) {
            const double *l = lm + q * 2 * r->maxdom;
            double c = ax_maxdiff(l, lbar, d);
            if (c > change) change = c;
        }
        rounds++;
        if (change < o->tol) break;
        for (size_t q = 0; q < R; q++) {
            const double *l = lm + q * 2 * r->maxdom;
            size_t inner = 1, size = table_size(r, g[q].v, g[q].k);
            for (size_t j = p[q] + 1; j < g[q].k; j++) inner *= r->dom[g[q].v[j]];
            for (size_t e = 0; e < size; e++) {
                uint32_t x = (uint32_t)((e / inner) % d);
                if (lbar[x] > -HUGE_VAL && l[x] > -HUGE_VAL && g[q].T[e] > -HUGE_VAL)
                    g[q].T[e] += w * (lbar[x] - l[x]);
            }
        }
    }
    return rounds;
}

/* Each group's message (the variable summed out with weight w): filed in a later bucket, or,
 * when the variable was its last, added to *bound. */
static zs_status mbe_messages(mbe *b, group *g, size_t R, const size_t *p, uint32_t d,
                              double w, double *bound) {
    const ax_model *r = b->r;
    zs_status st = ZS_OK;
    for (size_t q = 0; q < R && st == ZS_OK; q++) {
        size_t osize = table_size(r, g[q].v, g[q].k) / d;
        double *msg = zs_malloc(osize * sizeof *msg);
        if (!msg) return zs_fail(r->ctx, ZS_ENOMEM, "mbe: out of memory");
        power_sum_out(r, g[q].v, g[q].k, p[q], g[q].T, w, msg);
        if (g[q].k == 1) {
            *bound += msg[0];
            free(msg);
        } else {
            uint32_t sc[ZS_FACTOR_MAX_ARITY];
            size_t k = 0;
            for (size_t j = 0; j < g[q].k; j++)
                if (j != p[q]) sc[k++] = g[q].v[j];
            st = push(b, k, sc, msg);
        }
    }
    return st;
}

/* Eliminate v: its bucket's functions in mini-buckets, cost-shifted, each sending its
 * message on. Functions pushed while this bucket is processed go to later buckets (their
 * scopes lack v). */
static zs_status mbe_bucket(mbe *b, const zs_factor_approx_opts *o, uint32_t v, double *bound,
                            uint64_t *rounds) {
    const ax_model *r = b->r;
    size_t nb = 0;
    for (size_t k = b->head[v]; k != SIZE_MAX; k = b->f[k].next) nb++;
    free(b->list), free(b->g), free(b->lm);
    b->list = zs_malloc(2 * nb * sizeof *b->list);
    b->g = zs_calloc(nb, sizeof *b->g);
    b->lm = zs_malloc(nb * 2 * r->maxdom * sizeof *b->lm);
    if (!b->list || !b->g || !b->lm) return zs_fail(r->ctx, ZS_ENOMEM, "mbe: out of memory");
    size_t *list = b->list, *grp = list + nb;
    group *g = b->g;
    nb = 0;
    for (size_t k = b->head[v]; k != SIZE_MAX; k = b->f[k].next) list[nb++] = k;
    size_t R = mbe_group(b, o->i_bound, nb, list, grp, g);
    zs_status st = mbe_fill(b, nb, list, grp, g, R);
    size_t *p = NULL;
    if (st == ZS_OK && !(p = zs_malloc(R * sizeof *p)))
        st = zs_fail(r->ctx, ZS_ENOMEM, "mbe: out of memory");
    if (st == ZS_OK) {
        for (size_t q = 0; q < R; q++) {
            p[q] = 0;
            while (g[q].v[p[q]] != v) p[q]++;
        }
        double w = 1.0 / (double)R;
        *rounds += mbe_shift(b, o, g, R, p, r->dom[v], w);
        st = mbe_messages(b, g, R, p, r->dom[v], w, bound);
    }
    free(p);
    for (size_t q = 0; q < R; q++) free(g[q].T), g[q].T = NULL;
    return st;
}

/* One elimination along the greedy order of rule h. */
static zs_status mbe_run(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_order h,
                         zs_factor_approx_result *res) {
    size_t n = r->n;
    mbe b = {r, NULL, 0, 0, zs_malloc(n * sizeof(size_t)), zs_malloc(n * sizeof(size_t)),
             NULL, NULL, NULL, NULL};
    size_t *order = zs_malloc(n * sizeof *order);
    unsigned char *skip = zs_calloc(n, 1);
    zs_status st = ZS_OK;
    if (!b.head || !b.pos || !order || !skip) {
        st = zs_fail(r->ctx, ZS_ENOMEM, "mbe: out of memory");
        goto out;
    }
    size_t count = 0;
    int fell = 0;
    double ops = 0.0;
    st = elim_order_greedy(r->fm, skip, h, 0, order, &count, &fell, &ops);
    if (st != ZS_OK) goto out;
    for (size_t i = 0; i < n; i++) b.head[i] = SIZE_MAX, b.pos[order[i]] = i;
    st = mbe_load(&b);
    if (st != ZS_OK) goto out;
    b.lbar = zs_malloc(r->maxdom * sizeof *b.lbar);
    if (!b.lbar) {
        st = zs_fail(r->ctx, ZS_ENOMEM, "mbe: out of memory");
        goto out;
    }
    double bound = 0.0;
    uint64_t rounds = 0;
    for (size_t i = 0; i < n && st == ZS_OK; i++)
        st = mbe_bucket(&b, o, (uint32_t)order[i], &bound, &rounds);
    if (st == ZS_OK) {
        if (bound == -HUGE_VAL)
            st = zs_fail(r->ctx, ZS_ENUMERIC,
                         "mbe: the upper bound is Z <= 0: the zeros and the evidence give Z = 0");
        res->lnz = bound;
        res->converged = 1;
        res->iterations = rounds;
        res->residual = 0.0;
    }
out:
    for (size_t k = 0; k < b.nf; k++) free(b.f[k].t);
    free(b.f), free(b.head), free(b.pos), free(order), free(skip), free(b.list), free(b.g),
        free(b.lm), free(b.lbar);
    return st;
}

/* Every order gives an upper bound, so the least of them is one: the orders of min-fill,
 * weighted min-fill and min-degree are each run and the smallest bound kept. */
zs_status ax_mbe(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res) {
    static const zs_factor_order rules[] = {ZS_ORDER_MINFILL, ZS_ORDER_WEIGHTED_MINFILL,
                                            ZS_ORDER_MINDEGREE};
    double t0 = zs_monotonic_seconds();
    zs_status st = ZS_OK;
    int have = 0;
    uint64_t rounds = 0;
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
        if (have && ax_out_of_time(o, t0)) break;
        zs_factor_approx_result one = {0};
        zs_status s = mbe_run(r, o, rules[k], &one);
        if (s == ZS_ENOMEM || s == ZS_ENUMERIC) return s; /* Z = 0 is proved by any order */
        if (s != ZS_OK) {
            st = s;
            continue;
        }
        rounds += one.iterations;
        if (!have || one.lnz < res->lnz) res->lnz = one.lnz;
        have = 1;
    }
    if (!have) return st;
    res->converged = 1;
    res->iterations = rounds;
    res->residual = 0.0;
    return ZS_OK;
}
