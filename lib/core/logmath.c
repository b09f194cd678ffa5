/* logmath.c — log-space arithmetic: everything that could overflow is summed as logs. */
#include "zsum.h"
#include "core/internal.h"

#include <math.h>

double zs_logsumexp(const double *x, size_t n) {
    /* ln sum exp(x_i) = m + ln sum exp(x_i - m), m = max x_i: no term exceeds 1. */
    double m = -HUGE_VAL;
    for (size_t i = 0; i < n; i++)
        if (x[i] > m) m = x[i];
    if (m == -HUGE_VAL || m == HUGE_VAL) return m;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += exp(x[i] - m);
    return m + log(s);
}

double zs_logaddexp(double a, double b) {
    if (a == -HUGE_VAL) return b;
    if (b == -HUGE_VAL) return a;
    double m = a > b ? a : b;
    return m + log1p(exp(-fabs(a - b)));
}

double zs_softplus(double x) {
    /* ln(1 + e^x) = max(x, 0) + ln(1 + e^{-|x|}). */
    return (x > 0 ? x : 0.0) + log1p(exp(-fabs(x)));
}

double zs_log1mexp(double a) {
    /* Maechler (2012), "Accurately computing log(1 - exp(-|a|))": switch at ln 2. */
    if (a < 0) return (double)NAN;
    if (a <= M_LN2) return log(-expm1(-a));
    return log1p(-exp(-a));
}

double zs_heat_capacity(double beta, double var) {
    if (isnan(var)) return var;
    if (var <= 0.0) return 0.0;
    double b2 = beta * beta;
    /* The common case as beta * beta * var, bit for bit; beyond 1.3e154 the product is
     * regrouped (beta Var is small there: Var(E) decays like e^{-beta gap}). */
    return isfinite(b2) ? b2 * var : beta * (beta * var);
}
