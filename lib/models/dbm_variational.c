/* dbm_variational.c — two approximations of ln Z of a deep Boltzmann machine, for comparing
 * with the exact value (zsum/dbm.h):
 *  - the naive mean-field lower bound: q(x) = prod over every unit (v included) of a Bernoulli,
 *      ln Z >= max_q sum_l [ b^l.mu^l + H(mu^l) ] + sum_l mu^{l-1} W^l mu^l,
 *    by the fixed-point updates mu^l = sigmoid(b^l + W^lT mu^{l-1} + W^{l+1} mu^{l+1}), layer
 *    after layer (each maximizes the bound over one layer);
 *  - the Bethe approximation from loopy belief propagation (Yedidia, Freeman & Weiss 2005):
 *    messages as log-odds, u_{i->j} = softplus(h_{i\j} + W_ij) - softplus(h_{i\j}) with the
 *    cavity field h_{i\j} = b_i + sum_{k != j} u_{k->i}, damped parallel updates; at the end
 *      ln Z_B = sum_(ij) [ ln Z_ij - a E_ij[x_i] - c E_ij[x_j] ]
 *             - sum_i [ (d_i - 1) H(b_i) - b_i E_i[x_i] ],
 *    where b_ij ∝ exp(a x_i + c x_j + W_ij x_i x_j), a = h_{i\j}, c = h_{j\i}, Z_ij its sum,
 *    b_i(1) = sigmoid(b_i + sum_k u_{k->i}) and d_i the degree of i (the Bethe free energy of
 *    the beliefs, -F_B, written with the pairwise log-partition functions). Exact on trees. */
#include "models/dbm_internal.h"

#include <string.h>

void zs_dbm_bethe_defaults(zs_dbm_bethe_opts *o) {
    o->max_iterations = 1000;
    o->tolerance = 1e-10;
    o->damping = 0.5;
}

/* mu (all units, layers in order) and the fields x they were set from. */
static double mf_value(const zs_dbm *d, const double *mu, const double *x, const size_t *off) {
    double s = 0.0;
    for (size_t l = 0; l <= d->L; l++)
        for (size_t j = 0; j < d->n[l]; j++) {
            double m = mu[off[l] + j], f = x[off[l] + j];
            s += d->b[l][j] * m + zs_softplus(f) - f * m;
        }
    for (size_t l = 1; l <= d->L; l++) {
        size_t np = d->n[l - 1], nl = d->n[l];
        for (size_t i = 0; i < np; i++) {
            double t = 0.0;
            for (size_t j = 0; j < nl; j++) t += d->w[l][i * nl + j] * mu[off[l] + j];
            s += mu[off[l - 1] + i] * t;
        }
    }
    return s;
}

double dbm_mf_sweep(const zs_dbm *d, const size_t *off, double *mu, double *x) {
    double change = 0.0;
    for (size_t l = 0; l <= d->L; l++) {
        const size_t nl = d->n[l];
        for (size_t j = 0; j < nl; j++) {
            double f = d->b[l][j];
            if (l >= 1) {
                const size_t np = d->n[l - 1];
                for (size_t i = 0; i < np; i++) f += mu[off[l - 1] + i] * d->w[l][i * nl + j];
            }
            if (l < d->L) {
                const size_t nn = d->n[l + 1];
                for (size_t k = 0; k < nn; k++) f += d->w[l + 1][j * nn + k] * mu[off[l + 1] + k];
            }
            double m = dbm_sigmoid(f), c = fabs(m - mu[off[l] + j]);
            if (c > change) change = c;
            mu[off[l] + j] = m;
            if (x) x[off[l] + j] = f;
        }
    }
    return change;
}

zs_status zs_dbm_lnz_mean_field(const zs_dbm *d, const zs_dbm_mf_opts *opts, double *lnz,
                                uint32_t *iterations, int *converged) {
    if (!d || !opts || !lnz) return ZS_EINVAL;
    if (opts->max_iterations == 0 || opts->max_iterations > UINT32_MAX || !(opts->tolerance >= 0))
        return zs_fail(d->ctx, ZS_EINVAL, "mean field: max_iterations must be 1..%u and the "
                       "tolerance >= 0", UINT32_MAX);
    size_t off[ZS_DBM_MAX_LAYERS + 2], U = dbm_units(d, NULL, off);
    double *mu = zs_malloc(U * sizeof *mu), *x = zs_malloc(U * sizeof *x);
    if (!mu || !x) {
        free(mu);
        free(x);
        return zs_fail(d->ctx, ZS_ENOMEM, "mean field: out of memory");
    }
    /* start: each unit at its bias alone */
    for (size_t l = 0; l <= d->L; l++)
        for (size_t j = 0; j < d->n[l]; j++) {
            x[off[l] + j] = d->b[l][j];
            mu[off[l] + j] = dbm_sigmoid(d->b[l][j]);
        }
    uint32_t it = 0;
    int conv = 0;
    while (it < opts->max_iterations && !conv) {
        double change = dbm_mf_sweep(d, off, mu, x);
        it++;
        conv = change <= opts->tolerance;
    }
    *lnz = mf_value(d, mu, x, off);
    if (iterations) *iterations = it;
    if (converged) *converged = conv;
    free(mu);
    free(x);
    return ZS_OK;
}

/* S_i = b_i + every message into unit i (up[e], dn[e] on edge e; off: layer offsets in S,
 * eoff: W^l's first edge). */
static void bp_fields(const zs_dbm *d, const size_t *off, const size_t *eoff, const double *up,
                      const double *dn, double *S) {
    for (size_t l = 0; l <= d->L; l++) memcpy(S + off[l], d->b[l], d->n[l] * sizeof *S);
    for (size_t l = 1; l <= d->L; l++) {
        const size_t np = d->n[l - 1], nl = d->n[l];
        for (size_t i = 0; i < np; i++)
            for (size_t j = 0; j < nl; j++) {
                size_t e = eoff[l] + i * nl + j;
                S[off[l] + j] += up[e];
                S[off[l - 1] + i] += dn[e];
            }
    }
}

zs_status zs_dbm_lnz_bethe(const zs_dbm *d, const zs_dbm_bethe_opts *opts, double *lnz,
                           uint32_t *iterations, int *converged) {
    if (!d || !opts || !lnz) return ZS_EINVAL;
    if (opts->max_iterations == 0 || opts->max_iterations > UINT32_MAX || !(opts->tolerance >= 0) ||
        !(opts->damping >= 0 && opts->damping < 1))
        return zs_fail(d->ctx, ZS_EINVAL, "belief propagation: max_iterations must be 1..%u, the "
                       "tolerance >= 0 and the damping in [0, 1)", UINT32_MAX);
    size_t off[ZS_DBM_MAX_LAYERS + 2], U = dbm_units(d, NULL, off), E = 0;
    size_t eoff[ZS_DBM_MAX_LAYERS + 1] = {0}; /* W^l's first edge */
    for (size_t l = 1; l <= d->L; l++) {
        eoff[l] = E;
        E += d->n[l - 1] * d->n[l];
    }
    /* up[e]: from the lower unit i to the upper unit j of edge e = (i, j) of W^l; dn[e]: back */
    double *up = zs_calloc(E, sizeof *up), *dn = zs_calloc(E, sizeof *dn), *S = zs_malloc(U * sizeof *S);
    if (!up || !dn || !S) {
        free(up);
        free(dn);
        free(S);
        return zs_fail(d->ctx, ZS_ENOMEM, "belief propagation: out of memory");
    }
    uint32_t it = 0;
    int conv = 0;
    while (it < opts->max_iterations && !conv) {
        bp_fields(d, off, eoff, up, dn, S);
        double change = 0.0;
        for (size_t l = 1; l <= d->L; l++) {
            const size_t np = d->n[l - 1], nl = d->n[l];
            for (size_t i = 0; i < np; i++)
                for (size_t j = 0; j < nl; j++) {
                    size_t e = eoff[l] + i * nl + j;
                    double w = d->w[l][i * nl + j];
                    double hi = S[off[l - 1] + i] - dn[e], hj = S[off[l] + j] - up[e];
                    double nu = zs_softplus(hi + w) - zs_softplus(hi);
                    double nd = zs_softplus(hj + w) - zs_softplus(hj);
                    nu = opts->damping * up[e] + (1 - opts->damping) * nu;
                    nd = opts->damping * dn[e] + (1 - opts->damping) * nd;
                    if (fabs(nu - up[e]) > change) change = fabs(nu - up[e]);
                    if (fabs(nd - dn[e]) > change) change = fabs(nd - dn[e]);
                    up[e] = nu;
                    dn[e] = nd;
                }
        }
        it++;
        conv = change <= opts->tolerance;
    }
    bp_fields(d, off, eoff, up, dn, S); /* the final fields from the final messages */
    double v = 0.0;
    for (size_t l = 1; l <= d->L; l++) {
        const size_t np = d->n[l - 1], nl = d->n[l];
        for (size_t i = 0; i < np; i++)
            for (size_t j = 0; j < nl; j++) {
                size_t e = eoff[l] + i * nl + j;
                double w = d->w[l][i * nl + j];
                double a = S[off[l - 1] + i] - dn[e], c = S[off[l] + j] - up[e];
                double t[4] = {0.0, a, c, a + c + w}, mx = 0.0;
                for (int k = 1; k < 4; k++)
                    if (t[k] > mx) mx = t[k];
                double z = 0.0;
                for (int k = 0; k < 4; k++) z += exp(t[k] - mx);
                double lz = mx + log(z);
                double ei = exp(t[1] - lz) + exp(t[3] - lz), ej = exp(t[2] - lz) + exp(t[3] - lz);
                v += lz - a * ei - c * ej;
            }
    }
    for (size_t l = 0; l <= d->L; l++) {
        const double deg = (double)((l ? d->n[l - 1] : 0) + (l < d->L ? d->n[l + 1] : 0));
        for (size_t j = 0; j < d->n[l]; j++) {
            double h = S[off[l] + j], m = dbm_sigmoid(h);
            double ent = zs_softplus(h) - h * m;
            v -= (deg - 1.0) * ent - d->b[l][j] * m;
        }
    }
    free(up);
    free(dn);
    free(S);
    *lnz = v;
    if (iterations) *iterations = it;
    if (converged) *converged = conv;
    if (!isfinite(v)) return zs_fail(d->ctx, ZS_ENUMERIC, "belief propagation: the Bethe value is not finite");
    return ZS_OK;
}
