/* factor.c — the general discrete model: variables with finite domains and factors over
 * scopes of them, P~(x) = prod_f phi_f(x_scope(f)) (Koller & Friedman, Probabilistic
 * Graphical Models, 2009, def. 4.3). Tables are kept as ln phi so that products are sums and
 * zeros are -inf exactly. Also the constructor from a binary pairwise (Ising / Boltzmann)
 * model given as dense arrays. */
#include "models/factor_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

zs_status zs_factor_model_alloc(zs_ctx *ctx, size_t nvars, const uint32_t *domains,
                                zs_factor_model **out) {
    if (!out || (nvars > 0 && !domains)) return zs_fail(ctx, ZS_EINVAL, "factor model: NULL argument");
    for (size_t i = 0; i < nvars; i++) {
        if (domains[i] < 1 || domains[i] > ZS_FACTOR_MAX_DOMAIN)
            return zs_fail(ctx, ZS_EINVAL,
                           "variable %zu: domain size %u is not in 1..%u", i, domains[i],
                           ZS_FACTOR_MAX_DOMAIN);
    }
    zs_factor_model *m = zs_calloc(1, sizeof *m);
    if (!m) return zs_fail(ctx, ZS_ENOMEM, "factor model: out of memory");
    m->ctx = ctx;
    m->nvars = nvars;
    m->dom = zs_malloc((nvars ? nvars : 1) * sizeof *m->dom);
    if (!m->dom) {
        free(m);
        return zs_fail(ctx, ZS_ENOMEM, "factor model: out of memory");
    }
    if (nvars) memcpy(m->dom, domains, nvars * sizeof *m->dom);
    *out = m;
    return ZS_OK;
}

void zs_factor_model_free(zs_factor_model *m) {
    if (!m) return;
    for (size_t i = 0; i < m->nf; i++) {
        free(m->f[i].scope);
        free(m->f[i].lnt);
    }
    free(m->f);
    free(m->dom);
    free(m);
}

zs_status zs_factor_model_add(zs_factor_model *m, size_t arity, const uint32_t *scope,
                              const double *values, int is_log) {
    if (!m) return ZS_EINVAL;
    zs_ctx *ctx = m->ctx;
    size_t id = m->nf;
    if ((arity && !scope) || !values) return zs_fail(ctx, ZS_EINVAL, "factor %zu: NULL argument", id);
    if (arity > ZS_FACTOR_MAX_ARITY)
        return zs_fail(ctx, ZS_EINVAL, "factor %zu: %zu variables in the scope, at most %u",
                       id, arity, ZS_FACTOR_MAX_ARITY);
    double size = 1.0;
    for (size_t k = 0; k < arity; k++) {
        if (scope[k] >= m->nvars)
            return zs_fail(ctx, ZS_EINVAL, "factor %zu: variable %u does not exist (%zu variables)",
                           id, scope[k], m->nvars);
        for (size_t l = 0; l < k; l++)
            if (scope[l] == scope[k])
                return zs_fail(ctx, ZS_EINVAL, "factor %zu: variable %u appears twice in the scope",
                               id, scope[k]);
        size *= m->dom[scope[k]];
    }
    if (size > ZS_FACTOR_MAX_TABLE)
        return zs_fail(ctx, ZS_EINVAL, "factor %zu: table of %.4g entries exceeds %.4g", id, size,
                       ZS_FACTOR_MAX_TABLE);
    size_t n = (size_t)size;
    for (size_t e = 0; e < n; e++) {
        double v = values[e];
        if (is_log ? (isnan(v) || v == HUGE_VAL) : (!isfinite(v) || v < 0.0))
            return zs_fail(ctx, ZS_EINVAL, "factor %zu: entry %zu = %g is not %s", id, e, v,
                           is_log ? "a logarithm (finite or -inf)" : "a finite number >= 0");
    }
    if (m->nf == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        fm_factor *f = zs_realloc(m->f, cap * sizeof *f);
        if (!f) return zs_fail(ctx, ZS_ENOMEM, "factor %zu: out of memory", id);
        m->f = f;
        m->cap = cap;
    }
    fm_factor *f = &m->f[m->nf];
    f->arity = arity;
    f->size = n;
    f->scope = zs_malloc((arity ? arity : 1) * sizeof *f->scope);
    f->lnt = zs_malloc(n * sizeof *f->lnt);
    if (!f->scope || !f->lnt) {
        free(f->scope);
        free(f->lnt);
        return zs_fail(ctx, ZS_ENOMEM, "factor %zu: out of memory", id);
    }
    if (arity) memcpy(f->scope, scope, arity * sizeof *scope);
    for (size_t e = 0; e < n; e++) f->lnt[e] = is_log ? values[e] : log(values[e]);
    m->nf++;
    return ZS_OK;
}

size_t zs_factor_model_nvars(const zs_factor_model *m) { return m ? m->nvars : 0; }
uint32_t zs_factor_model_domain(const zs_factor_model *m, size_t var) {
    return m && var < m->nvars ? m->dom[var] : 0;
}
size_t zs_factor_model_nfactors(const zs_factor_model *m) { return m ? m->nf : 0; }
zs_factor_kind zs_factor_model_kind(const zs_factor_model *m) {
    return m ? m->kind : ZS_FACTOR_MARKOV;
}
void zs_factor_model_set_kind(zs_factor_model *m, zs_factor_kind kind) {
    if (m) m->kind = kind == ZS_FACTOR_BAYES ? ZS_FACTOR_BAYES : ZS_FACTOR_MARKOV;
}

/* Pairwise model -> factors: exp(-beta E) = prod_i exp(beta h_i s_i)
 * * prod_{i<j} exp(beta J_ij s_i s_j), so each table holds ln phi = beta h_i s_i or
 * beta J_ij s_i s_j with s read from the variable's value by the spin convention. */
zs_status zs_factor_from_pairwise(zs_ctx *ctx, size_t n, const double *J, const double *h,
                                  double beta, int spin01, zs_factor_model **out) {
    if (!out || (n > 0 && !J)) return zs_fail(ctx, ZS_EINVAL, "pairwise: NULL argument");
    if (!isfinite(beta)) return zs_fail(ctx, ZS_EINVAL, "beta: %g is not a finite number", beta);
    for (size_t i = 0; i < n; i++) {
        if (h && !isfinite(h[i]))
            return zs_fail(ctx, ZS_EINVAL, "h: entry %zu = %g is not finite", i, h[i]);
        for (size_t j = 0; j < n; j++) {
            double v = J[i * n + j];
            if (!isfinite(v))
                return zs_fail(ctx, ZS_EINVAL, "J: entry (%zu,%zu) = %g is not finite", i, j, v);
            if (i == j && v != 0.0)
                return zs_fail(ctx, ZS_EINVAL, "J: diagonal entry (%zu,%zu) = %g is not 0", i, j, v);
            if (j > i && v != J[j * n + i])
                return zs_fail(ctx, ZS_EINVAL, "J: entry (%zu,%zu) = %g differs from (%zu,%zu) = %g",
                               i, j, v, j, i, J[j * n + i]);
        }
    }
    uint32_t *dom = zs_malloc((n ? n : 1) * sizeof *dom);
    if (!dom) return zs_fail(ctx, ZS_ENOMEM, "pairwise: out of memory");
    for (size_t i = 0; i < n; i++) dom[i] = 2;
    zs_factor_model *m;
    zs_status st = zs_factor_model_alloc(ctx, n, dom, &m);
    free(dom);
    if (st != ZS_OK) return st;
    const double s[2] = {spin01 ? 0.0 : -1.0, 1.0};
    for (size_t i = 0; i < n && st == ZS_OK; i++) {
        if (!h || h[i] == 0.0) continue;
        uint32_t scope[1] = {(uint32_t)i};
        double t[2] = {beta * h[i] * s[0], beta * h[i] * s[1]};
        st = zs_factor_model_add(m, 1, scope, t, 1);
    }
    for (size_t i = 0; i < n && st == ZS_OK; i++)
        for (size_t j = i + 1; j < n && st == ZS_OK; j++) {
            double c = J[i * n + j];
            if (c == 0.0) continue;
            uint32_t scope[2] = {(uint32_t)i, (uint32_t)j};
            double t[4];
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) t[2 * a + b] = beta * c * s[a] * s[b];
            st = zs_factor_model_add(m, 2, scope, t, 1);
        }
    if (st != ZS_OK) {
        zs_factor_model_free(m);
        return st;
    }
    *out = m;
    return ZS_OK;
}
