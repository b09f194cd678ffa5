/* ais_sandwich.c — ln Z from annealing weights, forward or reverse, and the comparison of the
 * two sides (zsum/rbm.h). Model-free: any annealed model (RBM, DBM) hands its log weights here.
 *
 * Forward AIS (Neal 2001): E w = Z / Z_A, so r = mean w estimates Z / Z_A and ln Z_A + ln r
 * is, by Jensen's inequality, low on average. Reverse AIS from exact samples of the model
 * (Grosse, Ghahramani & Adams 2015, sec. 4): E w = Z_A / Z, and ln Z_A - ln r is high on
 * average. Both weights' means are relative to m = max ln w, so nothing overflows. */
#include "core/internal.h"

#include <math.h>

zs_status zs_ais_summarize(zs_ctx *ctx, const double *lw, size_t M, double lnza, int reverse,
                           zs_estimate *lnz, zs_interval *band) {
    if (!lw || !lnz || !band) return ZS_EINVAL;
    if (M < 2) return zs_fail(ctx, ZS_EINVAL, "AIS: %zu chains; at least 2 are needed for an error bar", M);
    double m = -HUGE_VAL;
    for (size_t c = 0; c < M; c++) {
        if (!isfinite(lw[c]))
            return zs_fail(ctx, ZS_ENUMERIC, "AIS: the log weight of %s run %zu is %g",
                           reverse ? "reverse" : "forward", c, lw[c]);
        if (lw[c] > m) m = lw[c];
    }
    double s1 = 0.0, s2 = 0.0;
    for (size_t c = 0; c < M; c++) {
        double w = exp(lw[c] - m);
        s1 += w;
        s2 += w * w;
    }
    double mean = s1 / (double)M;
    double var = 0.0; /* centred, second pass */
    for (size_t c = 0; c < M; c++) {
        double d = exp(lw[c] - m) - mean;
        var += d * d;
    }
    var /= (double)(M - 1);
    double sigma = sqrt(var / (double)M);
    double up = m + log(mean + 3.0 * sigma);
    double down = mean - 3.0 * sigma > 0 ? m + log(mean - 3.0 * sigma) : -HUGE_VAL;
    lnz->std_error = sigma / mean;
    lnz->ess = s1 * s1 / s2;
    if (!reverse) {
        lnz->value = lnza + m + log(mean);
        band->lo = lnza + down;
        band->hi = lnza + up;
    } else {
        lnz->value = lnza - (m + log(mean));
        band->lo = lnza - up;
        band->hi = lnza - down; /* +inf when r - 3 sigma <= 0 */
    }
    band->confidence = erf(3.0 / sqrt(2.0)); /* P(|X - mu| < 3 sigma), X normal */
    return ZS_OK;
}

void zs_sandwich_judge(const zs_estimate *lower, const zs_interval *lb, const zs_estimate *upper,
                       const zs_interval *ub, zs_sandwich *out) {
    if (!lower || !lb || !upper || !ub || !out) return;
    out->gap = upper->value - lower->value;
    out->bracket.lo = fmin(lb->lo, ub->lo);
    out->bracket.hi = fmax(lb->hi, ub->hi);
    out->bracket.confidence = (double)NAN; /* two bands joined: no stated coverage */
    /* Each side's band is where its own run's mean puts ln Z; when they do not overlap, the
     * runs contradict each other beyond their stated errors (one or both not converged). */
    out->agree = lb->lo <= ub->hi && ub->lo <= lb->hi;
}
