/* approx.c — approximate ln Z (zsum/factor.h, "Approximate ln Z"): the options, the reduction
 * of a model under evidence that every method works on (approx_internal.h), the small log-space
 * helpers they share, and the dispatch. */
#include "exact/approx_internal.h"
#include "exact/elim_internal.h"

#include <string.h>

void zs_factor_approx_defaults(zs_factor_approx_opts *o) {
    if (!o) return;
    o->damping = 0.5;
    o->max_iter = 1000;
    o->tol = 1e-9;
    o->restarts = 4;
    o->seed = 1;
    o->i_bound = 10;
    o->trees = 100;
    o->schedule = ZS_SCHEDULE_AUTO;
    o->max_seconds = 0.0;
    o->max_bytes = 0.0;
}

double ax_lognormalize(double *x, size_t n) {
    double mx = -HUGE_VAL;
    for (size_t k = 0; k < n; k++)
        if (x[k] > mx) mx = x[k];
    if (mx == -HUGE_VAL) return -HUGE_VAL;
    double s = 0.0;
    for (size_t k = 0; k < n; k++) s += exp(x[k] - mx);
    double l = mx + log(s);
    for (size_t k = 0; k < n; k++) x[k] -= l;
    return l;
}

double ax_entropy(const double *lp, size_t n) {
    double h = 0.0;
    for (size_t k = 0; k < n; k++)
        if (lp[k] > -HUGE_VAL) h -= exp(lp[k]) * lp[k];
    return h;
}

double ax_maxdiff(const double *a, const double *b, size_t n) {
    double d = 0.0;
    for (size_t k = 0; k < n; k++) {
        double e = fabs(exp(a[k]) - exp(b[k]));
        if (e > d) d = e;
    }
    return d;
}

double ax_damp_into(double *o, double *nw, size_t d, double a) {
    if (a > 0.0) {
        for (size_t x = 0; x < d; x++)
            nw[x] = (nw[x] == -HUGE_VAL || o[x] == -HUGE_VAL) ? -HUGE_VAL
                                                              : (1.0 - a) * nw[x] + a * o[x];
        ax_lognormalize(nw, d);
    }
    double c = ax_maxdiff(nw, o, d);
    memcpy(o, nw, d * sizeof *o);
    return c;
}

void ax_keep_run(zs_factor_approx_result *res, int *have, int conv, double lnz, uint64_t it,
                 double residual) {
    if (*have && !(conv && (!res->converged || lnz > res->lnz))) return;
    *have = 1;
    res->lnz = lnz;
    res->converged = conv;
    res->iterations = it;
    res->residual = residual;
}

int ax_out_of_time(const zs_factor_approx_opts *o, double t0) {
    return o->max_seconds > 0.0 && zs_monotonic_seconds() - t0 > o->max_seconds;
}

size_t ax_odometer_init(ax_odometer *od, const uint32_t *dom, const uint32_t *S, size_t nS,
                        const uint32_t *s, size_t ns) {
    od->dom = dom;
    od->S = S;
    od->nS = nS;
    od->src = 0;
    size_t size = 1;
    for (size_t k = 0; k < nS; k++) {
        od->stride[k] = 0;
        od->digit[k] = 0;
        size *= dom[S[k]];
    }
    size_t st = 1;
    for (size_t j = ns; j-- > 0;) {
        for (size_t k = 0; k < nS; k++)
            if (S[k] == s[j]) od->stride[k] = st;
        st *= dom[s[j]];
    }
    return size;
}

void ax_accumulate(const uint32_t *dom, const uint32_t *S, size_t nS, double *T,
                   const uint32_t *s, size_t ns, const double *t) {
    ax_odometer od;
    const size_t size = ax_odometer_init(&od, dom, S, nS, s, ns);
    for (size_t e = 0; e < size; e++, ax_odometer_next(&od)) T[e] += t[od.src];
}

void ax_free(ax_model *r) {
    if (!r) return;
    free(r->dom);
    free(r->orig);
    free(r->uoff);
    free(r->un);
    zs_factor_model_free(r->fm);
    free(r->vstart);
    free(r->vfac);
    free(r->vpos);
    memset(r, 0, sizeof *r);
}

int ax_lattice(const ax_model *r, size_t *rows, size_t *cols, int *torus) {
    size_t n = r->n, E = r->fm->nf;
    for (size_t C = 2; C <= n / 2; C++) {
        if (n % C) continue;
        size_t R = n / C;
        for (int t = 0; t < 2; t++) {
            if (t && (R < 3 || C < 3)) continue;
            size_t want = t ? 2 * n : R * (C - 1) + (R - 1) * C;
            if (E != want) continue;
            int ok = 1;
            for (size_t f = 0; f < E && ok; f++) {
                size_t a = r->fm->f[f].scope[0], b = r->fm->f[f].scope[1];
                ok = r->fm->f[f].arity == 2 &&
                     ((b == a + 1 && a % C != C - 1) || b == a + C ||
                      (t && ((b == a + C - 1 && a % C == 0) || (a < C && b == a + n - C))));
            }
            if (ok) {
                if (rows) *rows = R;
                if (cols) *cols = C;
                if (torus) *torus = t;
                return 1;
            }
        }
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* A sliced factor before absorption. */
typedef struct sliced {
    size_t arity;
    uint32_t v[ZS_FACTOR_MAX_ARITY]; /* reduced indices, ascending */
    double *t;
} sliced;

static int by_arity_desc(const void *a, const void *b) {
    const sliced *x = a, *y = b;
    return (x->arity < y->arity) - (x->arity > y->arity);
}

/* Slice factor f of m at the observed values: the table over its free variables, sorted. */
static zs_status slice(const zs_factor_model *m, const fm_factor *f, const unsigned char *skip,
                       const uint32_t *val, const size_t *map, const uint32_t *rdom, sliced *out) {
    size_t k = 0, fixed = 0, st = 1;
    size_t ostride[ZS_FACTOR_MAX_ARITY];
    for (size_t j = f->arity; j-- > 0;) {
        ostride[j] = st;
        st *= m->dom[f->scope[j]];
    }
    for (size_t j = 0; j < f->arity; j++) {
        uint32_t v = f->scope[j];
        if (skip[v]) fixed += val[v] * ostride[j];
        else out->v[k++] = (uint32_t)map[v];
    }
    out->arity = k;
    qsort(out->v, k, sizeof out->v[0], cmp_u32);
    size_t size = 1, stride[ZS_FACTOR_MAX_ARITY], digit[ZS_FACTOR_MAX_ARITY];
    for (size_t a = 0; a < k; a++) {
        size *= rdom[out->v[a]];
        digit[a] = 0;
        for (size_t j = 0; j < f->arity; j++)
            if (!skip[f->scope[j]] && map[f->scope[j]] == out->v[a]) stride[a] = ostride[j];
    }
    out->t = zs_malloc(size * sizeof *out->t);
    if (!out->t) return zs_fail(m->ctx, ZS_ENOMEM, "approximate ln Z: out of memory for a table of %zu entries", size);
    size_t src = fixed;
    for (size_t e = 0; e < size; e++) {
        out->t[e] = f->lnt[src];
        for (size_t a = k; a-- > 0;) {
            if (++digit[a] < rdom[out->v[a]]) {
                src += stride[a];
                break;
            }
            src -= (digit[a] - 1) * stride[a];
            digit[a] = 0;
        }
    }
    return ZS_OK;
}

/* 1 when the sorted scope a (na) is inside the sorted scope b (nb). */
static int inside(const uint32_t *a, size_t na, const uint32_t *b, size_t nb) {
    size_t j = 0;
    for (size_t i = 0; i < na; i++) {
        while (j < nb && b[j] < a[i]) j++;
        if (j == nb || b[j] != a[i]) return 0;
        j++;
    }
    return 1;
}

static zs_status oom(const zs_factor_model *m) {
    return zs_fail(m->ctx, ZS_ENOMEM, "approximate ln Z: out of memory");
}

/* The free variables: map[v] their reduced index, and r's n, dom, orig, uoff, maxdom and
 * (zeroed) un. */
static zs_status reduce_vars(const zs_factor_model *m, const unsigned char *skip, size_t *map,
                             ax_model *r) {
    size_t N = m->nvars, n = 0;
    for (size_t v = 0; v < N; v++)
        if (!skip[v]) map[v] = n++;
    r->n = n;
    r->dom = zs_malloc((n ? n : 1) * sizeof *r->dom);
    r->orig = zs_malloc((n ? n : 1) * sizeof *r->orig);
    r->uoff = zs_malloc((n + 1) * sizeof *r->uoff);
    if (!r->dom || !r->orig || !r->uoff) return oom(m);
    r->uoff[0] = 0;
    for (size_t v = 0; v < N; v++)
        if (!skip[v]) {
            size_t i = map[v];
            r->dom[i] = m->dom[v];
            r->orig[i] = v;
            r->uoff[i + 1] = r->uoff[i] + m->dom[v];
            if (m->dom[v] > r->maxdom) r->maxdom = m->dom[v];
        }
    r->un = zs_calloc(r->uoff[n] ? r->uoff[n] : 1, sizeof *r->un);
    return r->un ? ZS_OK : oom(m);
}

/* Slice every factor of m: constants into r->lnc, one-variable tables into r->un, the rest
 * appended to sl (*nsl of them). */
static zs_status slice_all(const zs_factor_model *m, const unsigned char *skip, const uint32_t *val,
                           const size_t *map, ax_model *r, sliced *sl, size_t *nsl) {
    for (size_t i = 0; i < m->nf; i++) {
        sliced s;
        zs_status st = slice(m, &m->f[i], skip, val, map, r->dom, &s);
        if (st != ZS_OK) return st;
        if (s.arity == 0) {
            r->lnc += s.t[0];
            free(s.t);
        } else if (s.arity == 1) {
            for (uint32_t x = 0; x < r->dom[s.v[0]]; x++) r->un[r->uoff[s.v[0]] + x] += s.t[x];
            free(s.t);
        } else {
            sl[(*nsl)++] = s;
        }
    }
    return ZS_OK;
}

/* The kept factors of each reduced variable, in the order they were kept. */
typedef struct var_lists {
    size_t *cnt, *cap;
    size_t **id;
} var_lists;

static zs_status list_push(const zs_factor_model *m, var_lists *L, uint32_t v, size_t id) {
    if (L->cnt[v] == L->cap[v]) {
        size_t nc = L->cap[v] ? 2 * L->cap[v] : 4;
        size_t *p = zs_realloc(L->id[v], nc * sizeof *p);
        if (!p) return oom(m);
        L->id[v] = p;
        L->cap[v] = nc;
    }
    L->id[v][L->cnt[v]++] = id;
    return ZS_OK;
}

/* Absorb each sliced factor into a kept one whose scope holds its own (largest first, so a
 * kept factor is never inside a later one; the candidates share the first variable), or keep
 * it in r->fm and list it under its variables. */
static zs_status absorb(const zs_factor_model *m, ax_model *r, sliced *sl, size_t nsl, var_lists *L) {
    qsort(sl, nsl, sizeof *sl, by_arity_desc);
    zs_status st = zs_factor_model_alloc(m->ctx, r->n, r->dom, &r->fm);
    for (size_t i = 0; i < nsl && st == ZS_OK; i++) {
        sliced *s = &sl[i];
        size_t host = SIZE_MAX;
        uint32_t v0 = s->v[0];
        for (size_t k = 0; k < L->cnt[v0] && host == SIZE_MAX; k++) {
            const fm_factor *g = &r->fm->f[L->id[v0][k]];
            if (inside(s->v, s->arity, g->scope, g->arity)) host = L->id[v0][k];
        }
        if (host != SIZE_MAX) {
            fm_factor *g = &r->fm->f[host];
            ax_accumulate(r->dom, g->scope, g->arity, g->lnt, s->v, s->arity, s->t);
            continue;
        }
        size_t id = r->fm->nf;
        st = zs_factor_model_add(r->fm, s->arity, s->v, s->t, 1);
        for (size_t a = 0; a < s->arity && st == ZS_OK; a++) st = list_push(m, L, s->v[a], id);
    }
    return st;
}

/* r's CSR of variable -> factors (vstart, vfac, vpos), from the lists. */
static zs_status build_csr(const zs_factor_model *m, ax_model *r, const var_lists *L) {
    size_t n = r->n, total = 0;
    r->vstart = zs_malloc((n + 1) * sizeof *r->vstart);
    for (size_t v = 0; v < n; v++) total += L->cnt[v];
    r->vfac = zs_malloc((total ? total : 1) * sizeof *r->vfac);
    r->vpos = zs_malloc((total ? total : 1) * sizeof *r->vpos);
    if (!r->vstart || !r->vfac || !r->vpos) return oom(m);
    size_t k = 0;
    for (size_t v = 0; v < n; v++) {
        r->vstart[v] = k;
        for (size_t j = 0; j < L->cnt[v]; j++) {
            const fm_factor *g = &r->fm->f[L->id[v][j]];
            size_t p = 0;
            while (g->scope[p] != v) p++;
            r->vfac[k] = L->id[v][j];
            r->vpos[k++] = p;
        }
    }
    r->vstart[n] = k;
    return ZS_OK;
}

/* Absorb the sliced factors and index them by variable. */
static zs_status keep_factors(const zs_factor_model *m, ax_model *r, sliced *sl, size_t nsl) {
    size_t n = r->n;
    var_lists L = {zs_calloc(n + 1, sizeof *L.cnt), zs_calloc(n ? n : 1, sizeof *L.cap),
                   zs_calloc(n ? n : 1, sizeof *L.id)};
    zs_status st = L.cnt && L.cap && L.id ? absorb(m, r, sl, nsl, &L) : oom(m);
    if (st == ZS_OK) st = build_csr(m, r, &L);
    for (size_t v = 0; v < n && L.id; v++) free(L.id[v]);
    free(L.id);
    free(L.cnt);
    free(L.cap);
    return st;
}

zs_status ax_reduce(const zs_factor_model *m, const int32_t *evidence, ax_model *r) {
    memset(r, 0, sizeof *r);
    r->ctx = m->ctx;
    size_t N = m->nvars;
    unsigned char *skip = zs_malloc(N ? N : 1);
    uint32_t *val = zs_malloc((N ? N : 1) * sizeof *val);
    size_t *map = zs_malloc((N ? N : 1) * sizeof *map);
    sliced *sl = zs_calloc(m->nf ? m->nf : 1, sizeof *sl);
    size_t nsl = 0;
    zs_status st = skip && val && map && sl ? elim_make_skip(m, evidence, skip, val) : oom(m);
    if (st == ZS_OK) st = reduce_vars(m, skip, map, r);
    if (st == ZS_OK) st = slice_all(m, skip, val, map, r, sl, &nsl);
    if (st == ZS_OK) st = keep_factors(m, r, sl, nsl);
    for (size_t i = 0; i < nsl; i++) free(sl[i].t);
    free(sl);
    free(skip);
    free(val);
    free(map);
    if (st != ZS_OK) ax_free(r);
    return st;
}

static zs_status check_opts(zs_ctx *ctx, const zs_factor_approx_opts *o) {
    if (!(o->damping >= 0.0 && o->damping < 1.0))
        return zs_fail(ctx, ZS_EINVAL, "damping: %g is not in [0, 1)", o->damping);
    if (o->max_iter < 1) return zs_fail(ctx, ZS_EINVAL, "max_iter: must be at least 1");
    if (!(o->tol > 0.0) || !isfinite(o->tol))
        return zs_fail(ctx, ZS_EINVAL, "tol: %g is not a positive number", o->tol);
    if (o->i_bound < 2) return zs_fail(ctx, ZS_EINVAL, "i_bound: %u is below 2", o->i_bound);
    if (o->i_bound > ZS_FACTOR_MAX_ARITY)
        return zs_fail(ctx, ZS_EINVAL, "i_bound: %u is above %u", o->i_bound, ZS_FACTOR_MAX_ARITY);
    if (o->trees < 1) return zs_fail(ctx, ZS_EINVAL, "trees: must be at least 1");
    if ((unsigned)o->schedule > (unsigned)ZS_SCHEDULE_AUTO)
        return zs_fail(ctx, ZS_EINVAL, "schedule: %d is not a schedule", (int)o->schedule);
    if (!(o->max_seconds >= 0.0) || !isfinite(o->max_seconds))
        return zs_fail(ctx, ZS_EINVAL, "max_seconds: %g is not a number of seconds >= 0",
                       o->max_seconds);
    if (!(o->max_bytes >= 0.0) || !isfinite(o->max_bytes))
        return zs_fail(ctx, ZS_EINVAL, "max_bytes: %g is not a number of bytes >= 0",
                       o->max_bytes);
    return ZS_OK;
}

zs_status zs_factor_lnz_approx(const zs_factor_model *m, const int32_t *evidence,
                               zs_factor_approx method, const zs_factor_approx_opts *opts,
                               zs_factor_approx_result *out) {
    if (!m || !out) return ZS_EINVAL;
    double t0 = zs_monotonic_seconds();
    zs_factor_approx_opts o;
    if (opts) o = *opts;
    else zs_factor_approx_defaults(&o);
    if (o.schedule == ZS_SCHEDULE_AUTO) o.schedule = ZS_SCHEDULE_SEQUENTIAL;
    if ((unsigned)method > (unsigned)ZS_APPROX_AUTO)
        return zs_fail(m->ctx, ZS_EINVAL, "method: %d is not an approximate method", (int)method);
    if (method == ZS_APPROX_AUTO) method = ZS_APPROX_BP;
    zs_status st = check_opts(m->ctx, &o);
    if (st != ZS_OK) return st;
    memset(out, 0, sizeof *out);
    out->method = method;
    out->kind = method == ZS_APPROX_MF ? ZS_BOUND_LOWER
                : method == ZS_APPROX_TRW || method == ZS_APPROX_MBE ? ZS_BOUND_UPPER
                                                                       : ZS_BOUND_ESTIMATE;
    ax_model r;
    st = ax_reduce(m, evidence, &r);
    if (st != ZS_OK) return st;
    double lnz = 0.0;
    if (r.n == 0) {
        out->converged = 1; /* nothing to sum over: every method is exact */
    } else {
        switch (method) {
        case ZS_APPROX_MF: st = ax_mf(&r, &o, out); break;
        case ZS_APPROX_BP: st = ax_bp(&r, &o, out); break;
        case ZS_APPROX_TRW: st = ax_trw(&r, &o, out); break;
        case ZS_APPROX_MBE: st = ax_mbe(&r, &o, out); break;
        default: st = ax_gbp(&r, &o, out); break;
        }
        lnz = out->lnz;
    }
    if (st == ZS_OK) {
        lnz += r.lnc;
        if (!isfinite(lnz))
            st = zs_fail(m->ctx, ZS_ENUMERIC,
                         "%s: ln Z came out %s: %s", zs_factor_approx_name(method),
                         lnz == -HUGE_VAL ? "-inf" : "not finite",
                         lnz == -HUGE_VAL ? "the factors and evidence give Z = 0" : "the tables overflow");
    }
    ax_free(&r);
    if (st != ZS_OK) return st;
    out->lnz = lnz;
    out->seconds = zs_monotonic_seconds() - t0;
    return ZS_OK;
}
