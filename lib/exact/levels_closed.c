/* levels_closed.c — the closed form for independent units: Z = z^N with
 * z = sum_k g_k e^{-beta e_k} (Maren ch. 10: the units do not interact, so the sum over all
 * microstates factorizes into one sum per unit), and the two-state free-energy landscape. */
#include "exact/levels_methods.h"

#include <math.h>

zs_status levels_thermo_closed(const zs_levels *lv, uint64_t n, double beta,
                               zs_levels_thermo *out, double *occupation) {
    levels_unit u;
    levels_unit_compute(lv, beta, &u);
    const double nn = (double)n;
    /* Moments of one unit's energy relative to emin: <eps>, Var(eps); N units add them. */
    double mean = 0.0;
    for (size_t i = 0; i < lv->k; i++) mean += u.prob[i] * (lv->e[i] - lv->emin);
    double var = 0.0, s1 = 0.0;
    for (size_t i = 0; i < lv->k; i++) {
        double d = (lv->e[i] - lv->emin) - mean;
        var += u.prob[i] * d * d;
        /* -sum over the g_k states of level k of p ln p, with p = P_k / g_k and
         * ln p = lw_k - ln g_k - lnz_shift = -beta (e_k - emin) - lnz_shift (no log of 0). */
        s1 += u.prob[i] * (beta * (lv->e[i] - lv->emin) + u.lnz_shift);
    }
    out->lnz_unit = u.lnz;
    out->lnz = nn * u.lnz;
    out->u = nn * (lv->emin + mean);
    out->f = levels_free_energy(lv, n, beta, out->lnz);
    out->s = nn * s1;
    out->s_thermo = beta * out->u + out->lnz; /* beta (U - F) */
    out->c = zs_heat_capacity(beta, nn * var);
    if (occupation)
        for (size_t i = 0; i < lv->k; i++) occupation[i] = u.prob[i];
    return ZS_OK;
}

double zs_two_state_entropy(double x) {
    /* S(x) = -[x ln x + (1-x) ln(1-x)], continued by its limits 0 at x = 0 and x = 1. */
    if (!(x > 0.0 && x < 1.0)) return (x == 0.0 || x == 1.0) ? 0.0 : (double)NAN;
    return -(x * log(x) + (1.0 - x) * log1p(-x));
}

static zs_status landscape_check(const zs_levels *lv, double beta) {
    if (!lv) return ZS_EINVAL;
    if (lv->k != 2)
        return zs_fail(lv->ctx, ZS_EUNSUPPORTED,
                       "landscape: needs exactly two levels, %zu given", lv->k);
    if (!(beta > 0.0) || !isfinite(beta))
        return zs_fail(lv->ctx, ZS_EINVAL, "landscape: beta must be positive and finite, got %g",
                       beta);
    /* One unit's energies and F(x): the bounds of every method, for N = 1. */
    zs_status st = levels_check_units(lv, 1);
    return st == ZS_OK ? levels_check_beta(lv, 1, beta) : st;
}

static double landscape_f(const zs_levels *lv, double beta, double x, double *s) {
    /* Per unit, a fraction x on level 1: energy (1-x) e0 + x e1; entropy the mixing entropy
     * S(x) plus the degenerate states' ln g; F = E - T S. */
    double sx = zs_two_state_entropy(x);
    double stot = sx + (1.0 - x) * lv->lng[0] + x * lv->lng[1];
    if (s) *s = sx;
    return (1.0 - x) * lv->e[0] + x * lv->e[1] - stot / beta;
}

zs_status zs_levels_landscape(const zs_levels *lv, double beta, double x, double *f, double *s) {
    zs_status st = landscape_check(lv, beta);
    if (st != ZS_OK) return st;
    if (!(x > 0.0 && x < 1.0))
        return zs_fail(lv->ctx, ZS_EINVAL, "landscape: x = %g is outside (0, 1)", x);
    *f = landscape_f(lv, beta, x, s);
    return ZS_OK;
}

static double logistic(double y) {
    return y >= 0 ? 1.0 / (1.0 + exp(-y)) : exp(y) / (1.0 + exp(y));
}

/* F(x) - e_0 + T ln g_0 = x (Delta - T ln(g_1/g_0)) - T S(x): the landscape measured from its
 * x -> 0 end, so that tiny fractions x still change its value (F itself would round to e_0). */
static double landscape_phi(const zs_levels *lv, double beta, double y) {
    double x = logistic(y);
    double a = (lv->e[1] - lv->e[0]) - (lv->lng[1] - lv->lng[0]) / beta;
    return x * a - zs_two_state_entropy(x) / beta;
}

zs_status zs_levels_landscape_min(const zs_levels *lv, double beta, double *x, double *f) {
    zs_status st = landscape_check(lv, beta);
    if (st != ZS_OK) return st;
    /* Over the logit y = ln(x/(1-x)) a minimizer near 0 or 1 is resolved relatively. First a
     * scan for the best grid point (F is convex, so its grid minimum brackets the true one),
     * then golden-section search (Kiefer 1953) inside that bracket. */
    const double step = 0.5;
    double ybest = -745.0, fbest = HUGE_VAL;
    for (double y = -745.0; y <= 745.0; y += step) {
        double v = landscape_phi(lv, beta, y);
        if (v < fbest) {
            fbest = v;
            ybest = y;
        }
    }
    const double r = (sqrt(5.0) - 1.0) / 2.0;
    double a = ybest - step, b = ybest + step;
    double c = b - r * (b - a), d = a + r * (b - a);
    double fc = landscape_phi(lv, beta, c), fd = landscape_phi(lv, beta, d);
    for (int it = 0; it < 200 && b - a > 1e-15 * (1.0 + fabs(a) + fabs(b)); it++) {
        if (fc <= fd) {
            b = d; d = c; fd = fc;
            c = b - r * (b - a);
            fc = landscape_phi(lv, beta, c);
        } else {
            a = c; c = d; fc = fd;
            d = a + r * (b - a);
            fd = landscape_phi(lv, beta, d);
        }
    }
    *x = logistic(0.5 * (a + b));
    *f = landscape_f(lv, beta, *x, NULL);
    return ZS_OK;
}
