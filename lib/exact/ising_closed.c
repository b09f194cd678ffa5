/* ising_closed.c — closed forms for the Ising model, as methods and as test oracles.
 *
 * Chain (ring): Z = l+^N + l-^N with l+- = e^K cosh eta +- sqrt(e^{2K} sinh^2 eta + e^{-2K})
 *   (Baxter, Exactly Solved Models, eq. 2.2.10), K = beta J, eta = beta h.
 * Chain (open): Z = u^T T^{N-1} u, T_{ss'} = e^{K s s' + eta (s + s')/2}, u_s = e^{eta s/2},
 *   through the eigenvectors of the symmetric 2x2 T.
 * Torus (h = 0): Kaufman (1949, eqs. 35-38) in Beale's form (Phys. Rev. Lett. 76, 78, 1996):
 *   Z = 1/2 (2 sinh 2K)^{mn/2} (Z1 + Z2 + Z3 + Z4),
 *   Z1 = prod_{k=0}^{n-1} 2 cosh(m g_{2k+1}/2),  Z2 = prod 2 sinh(m g_{2k+1}/2),
 *   Z3 = prod_{k=0}^{n-1} 2 cosh(m g_{2k}/2),    Z4 = prod 2 sinh(m g_{2k}/2),
 *   cosh g_l = cosh 2K coth 2K - cos(pi l / n) (l >= 1, g_l > 0), g_0 = 2K + ln tanh K, which is
 *   negative below T_c (K < K_c): then Z4 < 0 and its sign must be kept.
 * Infinite lattice (Onsager 1944; Huang eq. 15.129), per site:
 *   ln Z / N = ln(2 cosh 2K) + (1/pi) int_0^{pi/2} ln[(1 + sqrt(1 - q^2 sin^2 t))/2] dt,
 *   q = 2 sinh 2K / cosh^2 2K.
 * Everything in log space. U and C of the torus come from exact K-derivatives of Kaufman's
 * formula (kaufman_eval); those of the chain (and its <M>, chi) from forward-mode derivatives
 * of its closed form to second order (jets, chain_lnz_jet). */
#include "exact/pairwise_methods.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ---- the chain, with exact derivatives -------------------------------------------------
 * A jet carries a value and its first two derivatives along one parameter t (forward-mode
 * differentiation to second order): U and C follow t = beta (K = beta J, eta = beta h), <M>
 * and chi follow t = eta. Each operation applies the chain rule, e.g. for f(a):
 *   f' = f_a a',  f'' = f_aa a'^2 + f_a a''. */
typedef struct jet {
    double v, d1, d2;
} jet;

static jet jconst(double v) { return (jet){v, 0.0, 0.0}; }
static jet jadd(jet a, jet b) { return (jet){a.v + b.v, a.d1 + b.d1, a.d2 + b.d2}; }
static jet jsub(jet a, jet b) { return (jet){a.v - b.v, a.d1 - b.d1, a.d2 - b.d2}; }
static jet jscale(double c, jet a) { return (jet){c * a.v, c * a.d1, c * a.d2}; }
static jet jmul(jet a, jet b) {
    return (jet){a.v * b.v, a.d1 * b.v + a.v * b.d1, a.d2 * b.v + 2.0 * a.d1 * b.d1 + a.v * b.d2};
}
/* f(a) from f(a.v), f'(a.v), f''(a.v). */
static jet japply(jet a, double f, double fa, double faa) {
    return (jet){f, fa * a.d1, faa * a.d1 * a.d1 + fa * a.d2};
}
static jet jdiv(jet a, jet b) {
    jet inv = japply(b, 1.0 / b.v, -1.0 / (b.v * b.v), 2.0 / (b.v * b.v * b.v));
    return jmul(a, inv);
}
static jet jexp(jet a) {
    double e = exp(a.v);
    return japply(a, e, e, e);
}
static jet jlog(jet a) { return japply(a, log(a.v), 1.0 / a.v, -1.0 / (a.v * a.v)); }
static jet jlog1p(jet a) {
    double q = 1.0 + a.v;
    return japply(a, log1p(a.v), 1.0 / q, -1.0 / (q * q));
}
/* sqrt(x^2 + y^2) without forming the squares: value hypot; r' = (x x' + y y')/r,
 * r'' = (x'^2 + x x'' + y'^2 + y y'' - r'^2)/r. Where both x and y have underflowed to 0 the
 * term is below e^-745 of the O(1) term it is added to (see chain_eigen), and so are its
 * derivatives: it is 0 with zero derivatives there, not 0/0. */
static jet jhypot(jet x, jet y) {
    double r = hypot(x.v, y.v);
    if (r == 0.0) return jconst(0.0);
    double d1 = (x.v * x.d1 + y.v * y.d1) / r;
    return (jet){r, d1, (x.d1 * x.d1 + x.v * x.d2 + y.d1 * y.d1 + y.v * y.d2 - d1 * d1) / r};
}
static jet jcos(jet a) { return japply(a, cos(a.v), -sin(a.v), -cos(a.v)); }
static jet jsin(jet a) { return japply(a, sin(a.v), cos(a.v), -sin(a.v)); }
/* a^n for a whole n >= 0 (a may be negative or 0). */
static jet jpow(jet a, double n) {
    double f1 = n > 0.0 ? n * pow(a.v, n - 1.0) : 0.0;
    double f2 = n > 1.0 ? n * (n - 1.0) * pow(a.v, n - 2.0) : 0.0;
    return japply(a, pow(a.v, n), f1, f2);
}
/* atan2(y, x): theta' = (x y' - y x') / D, D = x^2 + y^2, and theta'' from the quotient rule
 * (the x'y' terms of the numerator's derivative cancel). */
static jet jatan2(jet y, jet x) {
    double d = x.v * x.v + y.v * y.v, nn = x.v * y.d1 - y.v * x.d1;
    double nn1 = x.v * y.d2 - y.v * x.d2, d1 = 2.0 * (x.v * x.d1 + y.v * y.d1);
    return (jet){atan2(y.v, x.v), nn / d, (nn1 * d - nn * d1) / (d * d)};
}

/* ln l+ and r = l-/l+ of the chain's transfer matrix, l+- = e^K cosh eta +- sqrt(e^{2K}
 * sinh^2 eta + e^{-2K}), computed scaled by the constant e^{sk + se} (sk = |K|, se = |eta| at
 * the point) so nothing overflows: l+-/e^{sk+se} = a c +- hypot(a s, b e^{-se}) with
 * a = e^{K-sk}, b = e^{-K-sk}, c = e^{-se} cosh eta, s = e^{-se} sinh eta; and
 * r = l+ l- / l+^2 with l+ l- = e^{2(sk+se)} e^{-2 se} (a^2 - b^2), free of cancellation. The
 * scale is a constant of the jets: it cancels exactly, so the derivatives are those of ln l+. */
static void chain_eigen(jet k, jet eta, double sk, double se, jet *lnlp, jet *ratio) {
    jet a = jexp(jadd(k, jconst(-sk))), b = jexp(jsub(jconst(-sk), k));
    jet ep = jexp(jadd(eta, jconst(-se))), em = jexp(jsub(jconst(-se), eta));
    jet c = jscale(0.5, jadd(ep, em)), s = jscale(0.5, jsub(ep, em));
    double e2 = exp(-2.0 * se);
    jet a2 = jmul(a, a), b2 = jmul(b, b);
    jet lp = jadd(jmul(a, c), jhypot(jmul(a, s), jscale(exp(-se), b)));
    *lnlp = jadd(jconst(sk + se), jlog(lp));
    *ratio = jdiv(jscale(e2, jsub(a2, b2)), jmul(lp, lp));
}

/* ln Z of the chain of n spins as a jet. Ring: ln(l+^N + l-^N) = N ln l+ + ln(1 + r^N), |r| < 1
 * (Baxter eq. 2.2.10). Open: Z = u^T T^{N-1} u, T_{ss'} = e^{K s s' + eta (s + s')/2}, u_s =
 * e^{eta s/2}, through the eigenvectors (rotation by th) of the symmetric 2x2 T, both scaled by
 * constants as in chain_eigen: Z = e^{se + (N-1)(sk+se)} u'^T T'^{N-1} u'. */
static jet chain_lnz_jet(uint64_t n, int periodic, jet k, jet eta) {
    const double sk = fabs(k.v), se = fabs(eta.v);
    jet lnlp, r;
    chain_eigen(k, eta, sk, se, &lnlp, &r);
    if (periodic) return jadd(jscale((double)n, lnlp), jlog1p(jpow(r, (double)n)));
    jet t11 = jexp(jadd(jadd(k, eta), jconst(-sk - se)));
    jet t22 = jexp(jadd(jsub(k, eta), jconst(-sk - se)));
    jet t12 = jexp(jsub(jconst(-sk - se), k));
    jet th = jscale(0.5, jatan2(jscale(2.0, t12), jsub(t11, t22)));
    jet u1 = jexp(jscale(0.5, jsub(eta, jconst(se)))), u2 = jexp(jscale(-0.5, jadd(eta, jconst(se))));
    jet co = jcos(th), si = jsin(th);
    jet cp = jadd(jmul(u1, co), jmul(u2, si)), cm = jsub(jmul(u2, co), jmul(u1, si));
    const double nm1 = (double)(n - 1);
    jet inner = jadd(jmul(cp, cp), jmul(jmul(cm, cm), jpow(r, nm1)));
    return jadd(jadd(jconst(se), jscale(nm1, lnlp)), jlog(inner));
}

/* ln(e^x + e^y) */
static double lse2(double x, double y) {
    double hi = x > y ? x : y, lo = x > y ? y : x;
    return hi == -HUGE_VAL ? hi : hi + log1p(exp(lo - hi));
}

/* 2x2 matrices of ln entries: c = a b (c may alias neither). */
static void logmat_mul(const double a[4], const double b[4], double c[4]) {
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) c[2 * i + j] = lse2(a[2 * i] + b[j], a[2 * i + 1] + b[2 + j]);
}

/* ln Z = ln tr T^N (ring) or ln u^T T^{N-1} u (open) by repeated squaring of T in log space:
 * every entry of every power is a sum of positive terms, so nothing cancels at any K, eta
 * (the eigenvalue form's 1 + r^N does as r = l-/l+ -> -1: antiferromagnet in a field). */
static double chain_lnz_logmat(uint64_t n, int periodic, double k, double eta) {
    double t[4] = {k + eta, -k, -k, k - eta}, p[4] = {0.0, -HUGE_VAL, -HUGE_VAL, 0.0}, q[4];
    for (uint64_t e = periodic ? n : n - 1; e; e >>= 1) {
        if (e & 1u) {
            logmat_mul(p, t, q);
            memcpy(p, q, sizeof q);
        }
        logmat_mul(t, t, q);
        memcpy(t, q, sizeof q);
    }
    if (periodic) return lse2(p[0], p[3]);
    double u[2] = {eta / 2.0, -eta / 2.0}, z = -HUGE_VAL;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) z = lse2(z, u[i] + p[2 * i + j] + u[j]);
    return z;
}

/* Relative error of the eigenvalue form's derivatives, about e^{2(|K| + |eta|)} N ulps. */
static double chain_amplification(uint64_t n, double k, double eta) {
    return exp(2.0 * (fabs(k) + fabs(eta))) * (double)n * 2.2e-16;
}
#define CHAIN_AMP_MAX 1e-11

zs_status zs_ising_chain_lnz(size_t n, int periodic, double k, double eta, double *lnz) {
    if (n == 0 || !lnz || !isfinite(k) || !isfinite(eta)) return ZS_EINVAL;
    if (chain_amplification(n, k, eta) <= CHAIN_AMP_MAX)
        *lnz = chain_lnz_jet(n, periodic, jconst(k), jconst(eta)).v;
    else
        *lnz = chain_lnz_logmat(n, periodic, k, eta);
    return ZS_OK;
}

/* ln(2 cosh(x/2)) and ln|2 sinh(x/2)| for any real x. */
static double ln2cosh_half(double x) {
    double a = fabs(x) / 2.0;
    return a + log1p(exp(-2.0 * a));
}
static double ln2sinh_half(double x) {
    double a = fabs(x) / 2.0;
    return a + log(-expm1(-2.0 * a));
}

/* ln Z of the torus and its first two K-derivatives. Each of the four terms is written
 * T_i = e^{B_i} F_i: B_i sums ln 2cosh or ln|2sinh| of x_l = m g_l / 2 over l != 0 (plus |x_0|
 * for Z3, Z4), and F_i is 1 (Z1, Z2) or the l = 0 factor scaled by e^{-|x_0|} (Z3: 1 + e^{-2|x_0|};
 * Z4: sign(x_0)(1 - e^{-2|x_0|}), which vanishes at K_c). Derivatives:
 *   d ln 2cosh x = tanh x x',  d^2 = sech^2 x x'^2 + tanh x x'';  ln|2 sinh x|: coth, -csch^2;
 *   cosh g_l = c(K) - cos(pi l/n), c = cosh^2 2K / sinh 2K, c' = 2 cosh 2K (sinh^2 2K - 1)/sinh^2 2K,
 *   c'' = 4 sinh 2K - 4/sinh 2K + 8 cosh^2 2K / sinh^3 2K, g' = c'/sinh g, g'' = (c'' - cosh g g'^2)/sinh g;
 *   g_0' = 2 + 2/sinh 2K, g_0'' = -4 cosh 2K / sinh^2 2K. */
static void kaufman_eval(uint64_t m, uint64_t n, double k, double *lnz, double *d1, double *d2,
                         double *d2err) {
    /* One coupling: the m x n torus is the n x m torus, and the sum runs over l < 2n, so n is
     * the smaller side (a 2 x 4444444 torus summed 8.9 million terms, 2.5 s). */
    if (n > m) {
        uint64_t t = m;
        m = n;
        n = t;
    }
    double mn = (double)m * (double)n, hm = (double)m / 2.0;
    double s2 = sinh(2.0 * k), c2 = cosh(2.0 * k);
    double base = (s2 - 1.0) * (s2 - 1.0) / s2;
    double cp = 2.0 * c2 * (s2 * s2 - 1.0) / (s2 * s2);
    double cpp = 4.0 * s2 - 4.0 / s2 + 8.0 * c2 * c2 / (s2 * s2 * s2);
    double B[4] = {0, 0, 0, 0}, A1[4] = {0, 0, 0, 0}, A2[4] = {0, 0, 0, 0}, A2abs[4] = {0, 0, 0, 0};
    double x0 = 0.0, x0p = 0.0, x0pp = 0.0;
    for (uint64_t l = 0; l < 2 * n; l++) {
        int odd = (int)(l & 1u);
        if (l == 0) {
            double g = 2.0 * k + log(tanh(k));
            x0 = hm * g;
            x0p = hm * (2.0 + 2.0 / s2);
            x0pp = hm * (-4.0 * c2 / (s2 * s2));
            continue;
        }
        double sn = sin(M_PI * (double)l / (2.0 * (double)n));
        double eps = base + 2.0 * sn * sn;
        double sg = sqrt(eps * (eps + 2.0)), cg = 1.0 + eps;
        double g = log1p(eps + sg);
        double gp = cp / sg, gpp = (cpp - cg * gp * gp) / sg;
        double x = hm * g, xp = hm * gp, xpp = hm * gpp;
        double th = tanh(x), sech2 = 1.0 - th * th, cth = 1.0 / th, csch2 = cth * cth - 1.0;
        int ic = odd ? 0 : 2, is = odd ? 1 : 3; /* cosh term, sinh term */
        B[ic] += ln2cosh_half(2.0 * x);
        A1[ic] += th * xp;
        A2[ic] += sech2 * xp * xp + th * xpp;
        A2abs[ic] += fabs(sech2 * xp * xp) + fabs(th * xpp);
        B[is] += ln2sinh_half(2.0 * x);
        A1[is] += cth * xp;
        A2[is] += -csch2 * xp * xp + cth * xpp;
        A2abs[is] += fabs(csch2 * xp * xp) + fabs(cth * xpp);
    }
    /* l = 0 factors of Z3 (cosh) and Z4 (sinh), scaled by e^{-|x0|}. */
    double e = exp(-2.0 * fabs(x0)), sgn = x0 > 0 ? 1.0 : (x0 < 0 ? -1.0 : 0.0);
    double ct = 1.0 + e, st = sgn * (1.0 - e);
    double F[4] = {1.0, 1.0, ct, st}, Fp[4] = {0, 0, st * x0p, ct * x0p};
    double Fpp[4] = {0, 0, ct * x0p * x0p + st * x0pp, st * x0p * x0p + ct * x0pp};
    B[2] += fabs(x0);
    B[3] += fabs(x0);
    double big = B[0] > B[2] ? B[0] : B[2];
    double S = 0.0, S1 = 0.0, w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = exp(B[i] - big);
        S += w[i] * F[i];
        S1 += w[i] * (A1[i] * F[i] + Fp[i]);
    }
    /* (ln S)'' = S2/S - (S1/S)^2 centered: with a = S1/S and d_i = A1_i - a (sum w F / S = 1,
     * sum w (A1 F + Fp) / S = a), S2/S - a^2 = sum w [(A2 + d^2) F + 2 d Fp + Fpp] / S. The
     * four A1_i are all ~2mn; their squares (~4 m^2 n^2) no longer cancel. */
    const double a = S1 / S;
    double S2c = 0.0, mag = 0.0, magd = 0.0;
    for (int i = 0; i < 4; i++) {
        double d = A1[i] - a;
        S2c += w[i] * ((A2[i] + d * d) * F[i] + 2.0 * d * Fp[i] + Fpp[i]);
        mag += w[i] * (A2abs[i] + d * d) * fabs(F[i]);
        /* d carries the rounding of A1_i and a (~eps |A1_i| each) */
        magd += w[i] * (2.0 * fabs(d * A1[i]) * fabs(F[i]) + 2.0 * (fabs(d) + fabs(A1[i])) * fabs(Fp[i]) +
                        fabs(Fpp[i]));
    }
    *lnz = -log(2.0) + mn / 2.0 * log(2.0 * s2) + big + log(S);
    *d1 = mn * c2 / s2 + a;
    *d2 = -2.0 * mn / (s2 * s2) + S2c / S;
    /* The rounding of d2: its terms cancel at low T (ln Z'' ~ e^{-8K} against terms ~ mn
     * e^{-4K}), each carrying ~eps of its magnitude, the sums over l ~eps sqrt(2n) of theirs
     * (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., sec. 4.2), and S can
     * be as small as its largest term allows (Z4 < 0). */
    *d2err = DBL_EPSILON * (4.0 * sqrt(2.0 * (double)n) * (2.0 * mn / (s2 * s2) + mag / fabs(S)) + magd / fabs(S));
}

zs_status zs_ising_kaufman_lnz(size_t m, size_t n, double k, double *lnz) {
    if (!lnz || m < 2 || n < 2 || !isfinite(k) || k < 0.0 || k > 300.0) return ZS_EINVAL;
    if (k == 0.0) {
        *lnz = (double)m * (double)n * log(2.0);
        return ZS_OK;
    }
    double d1, d2, d2err;
    kaufman_eval(m, n, k, lnz, &d1, &d2, &d2err);
    return ZS_OK;
}

double zs_ising_onsager_lnz_per_site(double k) {
    /* 16-point Gauss-Legendre on 512 equal panels of [0, pi/2]. */
    static const double x[8] = {0.0950125098376374, 0.2816035507792589, 0.4580167776572274,
                                0.6178762444026438, 0.7554044083550030, 0.8656312023878318,
                                0.9445750230732326, 0.9894009349916499};
    static const double w[8] = {0.1894506104550685, 0.1826034150449236, 0.1691565193950025,
                                0.1495959888165767, 0.1246289712555339, 0.0951585116824928,
                                0.0622535239386479, 0.0271524594117541};
    double c2 = cosh(2.0 * k), q = 2.0 * sinh(2.0 * k) / (c2 * c2);
    const int panels = 512;
    double hw = (M_PI / 2.0) / panels / 2.0, integral = 0.0;
    for (int p = 0; p < panels; p++) {
        double mid = (2 * p + 1) * hw;
        for (int i = 0; i < 8; i++)
            for (int sgn = -1; sgn <= 1; sgn += 2) {
                double t = mid + sgn * hw * x[i], st = sin(t);
                double v = 1.0 - q * q * st * st;
                integral += hw * w[i] * log((1.0 + sqrt(v > 0.0 ? v : 0.0)) / 2.0);
            }
    }
    return log(2.0 * c2) + integral / M_PI;
}

/* ---- the CLOSED method ---------------------------------------------------------------- */

/* Longest chain whose moments may come from the transfer recursion (about 1 s). */
#define CHAIN_MOMENTS_MAX 20000000u

static int is_chain(const zs_pairwise *m) {
    return m->lattice && m->uniform && (m->rows == 1 || m->cols == 1);
}

const char *pairwise_closed_refusal(const zs_pairwise *m) {
    if (!m->lattice) return "closed forms need a lattice (a chain, or a uniform h = 0 torus)";
    if (!m->uniform) return "closed forms need uniform couplings and fields";
    if (is_chain(m)) return NULL;
    if (!m->prow || !m->pcol)
        return "the closed form of the square lattice (Kaufman) needs a torus (periodic in "
               "both directions)";
    if (m->h0 != 0.0) return "the closed form of the square lattice (Kaufman) needs h = 0";
    if (m->j0 < 0.0 && (m->rows % 2 || m->cols % 2))
        return "an antiferromagnetic torus maps to Kaufman's formula only with even sides";
    return NULL;
}

/* Kaufman's C is given where the estimated rounding of its second derivative (kaufman_eval)
 * stays within 1e-10 of it (measured against the transfer matrix on 4x4 to 12x12 tori from
 * T = 3 to 0.1, the estimate exceeds the actual error 10 to 100 times). Below that (low T:
 * C ~ e^{-8K} under terms ~ e^{-4K}), C comes from the transfer matrix where it costs at most
 * TORUS_TRANSFER_MAX (a 10 x 10 torus: n 4^10 = 1e8, well under a second), else it is not
 * given. */
#define KAUFMAN_C_REL 1e-10
#define TORUS_TRANSFER_MAX 1e8

/* 1 when the transfer matrix may give the torus's C: it applies and costs at most
 * TORUS_TRANSFER_MAX (O(1), asked before Kaufman's sum). */
static int torus_transfer_affordable(const zs_pairwise *m) {
    double cost = HUGE_VAL;
    return !pairwise_transfer_refusal(m, &cost) && cost <= TORUS_TRANSFER_MAX;
}

/* 1 when Kaufman's C at K > 0 is lost to cancellation (see KAUFMAN_C_REL). */
static int kaufman_c_lost(double g2, double g2err) { return !(g2err <= KAUFMAN_C_REL * fabs(g2)); }

/* The transfer matrix runs for the closed form's C or moments only within the caller's time
 * limit (max_seconds > 0); beyond it they are not given, as beyond CHAIN_MOMENTS_MAX, rather
 * than the whole result refused (ln Z costs microseconds). A 1 x 4444444 chain under a 1 ms
 * ceiling built its bonds for seconds first (a fuzz finding). */
static int transfer_in_time(const zs_pairwise *m, double beta, double max_seconds) {
    return max_seconds <= 0 || pairwise_transfer_seconds(m, beta) <= max_seconds;
}

int pairwise_closed_needs_arrays(const zs_pairwise *m, double beta, double max_seconds) {
    if (!is_chain(m)) {
        double k = beta * fabs(m->j0), g, g1, g2, g2err = 0.0;
        if (pairwise_closed_refusal(m) || !(k > 0.0 && k <= 300.0) || !torus_transfer_affordable(m)) return 0;
        kaufman_eval(m->rows, m->cols, k, &g, &g1, &g2, &g2err);
        return kaufman_c_lost(g2, g2err) && transfer_in_time(m, beta, max_seconds);
    }
    return !(chain_amplification(m->n, beta * m->j0, beta * m->h0) <= CHAIN_AMP_MAX) &&
           m->n <= CHAIN_MOMENTS_MAX && transfer_in_time(m, beta, max_seconds);
}

/* Kaufman's sum runs over the torus's shorter side at about 0.5 us a term with its two
 * K-derivatives (`ising --size 4096x4096 --sweep T:1:3:1000`: 2.05 s, 2 ms a point); the
 * chain's closed form is a few powers. Where the arrays are needed (the chain's moments or
 * the torus's C from the transfer matrix), the transfer matrix's time is added. Only a
 * torus whose transfer matrix is affordable asks kaufman_eval there (its width is then at
 * most 12), so the estimate of a point costs far less than the point. */
#define KAUFMAN_TERM_NS 600.0
#define CLOSED_CALL_NS 1000.0

double pairwise_closed_seconds(const zs_pairwise *m, double beta, double max_seconds) {
    if (pairwise_closed_refusal(m)) return HUGE_VAL;
    double ns = CLOSED_CALL_NS;
    if (!is_chain(m)) ns += KAUFMAN_TERM_NS * (double)(m->rows < m->cols ? m->rows : m->cols);
    if (pairwise_closed_needs_arrays(m, beta, max_seconds))
        return ns * 1e-9 + pairwise_transfer_seconds(m, beta);
    return ns * 1e-9;
}

/* ln Z of the model at (beta J, beta h) scaled by t and with eta = t*beta*h + d_eta. */
static zs_status closed_lnz(const zs_pairwise *m, double k, double eta, double *lnz) {
    zs_status st;
    if (is_chain(m)) {
        uint64_t n = m->n;
        int per = m->rows == 1 ? m->pcol : m->prow;
        st = zs_ising_chain_lnz(n, per, k, eta, lnz);
    } else {
        st = zs_ising_kaufman_lnz(m->rows, m->cols, fabs(k), lnz);
    }
    if (st != ZS_OK)
        return zs_fail(m->ctx, ZS_ERANGE,
                       "method closed: K = beta J = %g is out of the closed form's range "
                       "(|K| <= 300)", k);
    return ZS_OK;
}

zs_status pairwise_thermo_closed(const zs_pairwise *m, double beta, double max_seconds, zs_pairwise_thermo *out) {
    const char *why = pairwise_closed_refusal(m);
    if (why)
        return zs_fail(m->ctx, ZS_EUNSUPPORTED, "method closed: %s; use method %s", why,
                       m->n <= ZS_PAIRWISE_ENUMERATE_MAX ? "enumerate" : "transfer");
    if (!is_chain(m) && beta < 0.0)
        return zs_fail(m->ctx, ZS_EUNSUPPORTED, "method closed: Kaufman's torus needs beta >= 0");
    double lnz;
    zs_status st = closed_lnz(m, beta * m->j0, beta * m->h0, &lnz);
    if (st != ZS_OK) return st;
    out->lnz = lnz + (-beta * m->offset);
    out->u = out->c = out->m = out->absm = out->chi = (double)NAN;
    if (is_chain(m)) {
        /* Along beta (K' = J, eta' = h): U = offset - d ln Z/d beta, C = beta^2 d^2 ln Z/d beta^2.
         * Along eta: <M> = d ln Z/d eta, chi = beta d^2 ln Z/d eta^2. */
        const uint64_t n = m->n;
        const int per = m->rows == 1 ? m->pcol : m->prow;
        /* The derivatives of ln(l+^N + l-^N) cancel between the two eigenvalues' terms as
         * l-/l+ -> 1: chi and C lose about e^{2(|K| + |eta|)} N ulps (chi = 0 instead of
         * beta N^2 for the ring at K = 100). Past 1e-11 of expected relative error, U, S, C,
         * <M> and chi come from the centered transfer-matrix recursion instead (width 1:
         * O(N), in log space at low T), up to CHAIN_MOMENTS_MAX spins; beyond, not given. */
        if (!(chain_amplification(n, beta * m->j0, beta * m->h0) <= CHAIN_AMP_MAX)) {
            if (n > CHAIN_MOMENTS_MAX || !transfer_in_time(m, beta, max_seconds)) return ZS_OK;
            zs_pairwise_thermo tt;
            tt.s = (double)NAN;
            st = pairwise_thermo_transfer(m, beta, &tt);
            if (st != ZS_OK) return st;
            out->u = tt.u;
            out->c = tt.c;
            out->m = tt.m;
            out->chi = tt.chi;
            out->s = tt.s;
            return ZS_OK;
        }
        const jet gb = chain_lnz_jet(n, per, (jet){beta * m->j0, m->j0, 0.0}, (jet){beta * m->h0, m->h0, 0.0});
        const jet ge = chain_lnz_jet(n, per, jconst(beta * m->j0), (jet){beta * m->h0, 1.0, 0.0});
        out->u = m->offset - gb.d1;
        out->c = zs_heat_capacity(beta, gb.d2);
        out->m = ge.d1;
        out->chi = beta * ge.d2;
    } else {
        /* ln Z(beta) = g(beta |J|): U = -|J| g'(K), C = K^2 g''(K), K = beta |J|. */
        double k = beta * fabs(m->j0), g, g1 = 0.0, g2 = 0.0, g2err = 0.0;
        if (k > 0.0) kaufman_eval(m->rows, m->cols, k, &g, &g1, &g2, &g2err);
        /* K = 0 (beta = 0): U = offset and C = beta^2 Var(E) = 0 */
        out->u = m->offset - fabs(m->j0) * g1;
        out->c = k > 0.0 ? k * k * g2 : 0.0;
        out->m = 0.0;
        if (k > 0.0 && kaufman_c_lost(g2, g2err)) {
            out->c = (double)NAN; /* lost to cancellation (see KAUFMAN_C_REL) */
            if (torus_transfer_affordable(m) && transfer_in_time(m, beta, max_seconds)) {
                zs_pairwise_thermo tt;
                tt.s = (double)NAN;
                st = pairwise_thermo_transfer(m, beta, &tt);
                if (st != ZS_OK) return st;
                out->c = tt.c;
            }
        }
    }
    return ZS_OK;
}
