/* elim_lse_avx512.c — elim_lse_rows on 8 lanes, and the fused d = 2 block (elim_lse2_pair);
 * see elim_lse.c for the formula. Compiled for avx512, called only after the CPU check there.
 *
 * d = 2, the case of every binary model (the 20x20 grids: 362 eliminations of 2^20 entries),
 * is ln(e^a + e^b) = m + log1p(u), u = e^{lo - m} in [0, 1], m = max, lo = min. It is
 * evaluated inline here without SLEEF: SLEEF's log costs a division (vdivpd, ~16 cycles per 8
 * lanes: 40 % of the whole run on Grids_15 went to it) and each SLEEF call an out-of-line jump.
 *  - exp(t), t in [-708, 0]: n = rint(16 t / ln 2), r = t - n ln2/16 (ln 2 split as in fdlibm,
 *    so n ln2_hi/16 is exact), |r| <= ln2/32; e^t = 2^(n/16) e^r with 2^(j/16), j = n mod 16,
 *    from a 16-entry table (vpermt2pd) and 2^floor(n/16) added to its exponent field (normal
 *    for n >= -16344); e^r - 1 by its Taylor series to r^7 (remainder < 1.2e-18). Error about
 *    1 ulp of u (the table's rounding and the last operation), as SLEEF's u10 exp. t < -708
 *    (e^t below the smallest normal, t = -inf, and t = NaN from lo = m = -inf) gives u = 0:
 *    log1p(u) would be u < 3e-308, and no subnormal value enters the arithmetic.
 *  - log1p(u): j = rint(15 u), c_j = 1/(1 + j/15) rounded to 10 bits (c_0 = 1), then
 *    log1p(u) = -ln c_j + log1p(r), r = (1 + u) c_j - 1 = fma(u, c_j, c_j - 1), rounded once
 *    (c_j - 1 is exact), |r| <= 1/30; log1p(r) by its Taylor series to r^10 (remainder
 *    < r^11/11 < 5.5e-18); -ln c_j rounded to double (computed with 60-digit decimals; error
 *    <= 5.6e-17). u = 0 gives exactly 0 (c_0 = 1, r = 0), so m is returned unchanged: -inf
 *    entries and maxima stay exact. The absolute error of log1p(u) is below 2e-16 (SLEEF's
 *    u35 log: 3.5 ulp of ln(1 + u), up to 3.9e-16); tests/unit/test_uai.c checks it against
 *    long double.
 * Both polynomials are evaluated in Estrin's scheme: the loop is bound by its dependency
 * chains as much as by issue (Horner: 15 % slower). */
#include "exact/elim_lse.h"

#ifdef __AVX512F__
#include <immintrin.h>
#include <sleef.h>

#include "exact/elim_lse_tables.h"

static inline __m512d blend_zero_if_ninf(__m512d m) {
    __mmask8 k = _mm512_cmp_pd_mask(m, _mm512_set1_pd(-HUGE_VAL), _CMP_EQ_OQ);
    return _mm512_mask_blend_pd(k, m, _mm512_setzero_pd());
}

/* e^t for t <= 0, 0 below -708 (see above). */
static inline __m512d exp_nonpos(__m512d t) {
    const __m512d shifter = _mm512_set1_pd(0x1.8p52);
    const __mmask8 ok = _mm512_cmp_pd_mask(t, _mm512_set1_pd(-708.0), _CMP_GE_OQ);
    t = _mm512_max_pd(t, _mm512_set1_pd(-708.0));
    /* n = rint(16 t / ln 2) in the low bits of kd; r = t - n ln2/16 (hi part exact). */
    __m512d kd = _mm512_fmadd_pd(t, _mm512_set1_pd(0x1.71547652b82fep+4), shifter);
    __m512d n = _mm512_sub_pd(kd, shifter);
    __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.62e42fee00000p-5), t);
    r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.a39ef35793c76p-37), r);
    __m512i ki = _mm512_castpd_si512(kd);
    /* 2^(n/16) = 2^(j/16) 2^floor(n/16), j = n mod 16 (the index's low 4 bits); the power of
     * two added to the exponent field (the result is normal: n >= -16344). */
    __m512d tj = _mm512_permutex2var_pd(_mm512_loadu_pd(elim_exp2_16), ki,
                                        _mm512_loadu_pd(elim_exp2_16 + 8));
    __m512i eb = _mm512_slli_epi64(_mm512_andnot_si512(_mm512_set1_epi64(15), ki), 48);
    __m512d sc = _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(tj), eb));
    /* e^r - 1 = r + r^2 (1/2 + r/6 + ... + r^5/7!), |r| <= ln2/32 (remainder < 1.2e-18), in
     * Estrin's scheme (short dependency chains: the loop is bound by them, not by issue). */
    __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2);
    __m512d p01 = _mm512_fmadd_pd(r, _mm512_set1_pd(1.0 / 6), _mm512_set1_pd(0.5));
    __m512d p23 = _mm512_fmadd_pd(r, _mm512_set1_pd(1.0 / 120), _mm512_set1_pd(1.0 / 24));
    __m512d p45 = _mm512_fmadd_pd(r, _mm512_set1_pd(1.0 / 5040), _mm512_set1_pd(1.0 / 720));
    __m512d q = _mm512_fmadd_pd(r4, p45, _mm512_fmadd_pd(r2, p23, p01));
    __m512d p = _mm512_fmadd_pd(r2, q, r);
    return _mm512_maskz_fmadd_pd(ok, sc, p, sc);
}

/* log1p(u) for u in [0, 1] (see above). */
static inline __m512d log1p_unit(__m512d u) {
    /* j = rint(15 u) in the low bits of the shifted sum. */
    __m512i j = _mm512_castpd_si512(
        _mm512_fmadd_pd(u, _mm512_set1_pd(15.0), _mm512_set1_pd(0x1.8p52)));
    __m512d cj = _mm512_permutex2var_pd(_mm512_loadu_pd(elim_log1p_c), j,
                                        _mm512_loadu_pd(elim_log1p_c + 8));
    __m512d r = _mm512_fmadd_pd(u, cj, _mm512_sub_pd(cj, _mm512_set1_pd(1.0)));
    /* log1p(r) = r + r^2 q(r), q(r) = sum_{n=2..11} (-1)^(n+1) r^(n-2) / n, in Estrin's
     * scheme: pairs a_n + a_{n+1} r (n even: a_n < 0 < a_{n+1}), combined by r^2, r^4, r^8. */
    __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2), r8 = _mm512_mul_pd(r4, r4);
    __m512d e[5];
    for (int k = 0; k < 5; k++)
        e[k] = _mm512_fmadd_pd(r, _mm512_set1_pd(1.0 / (2 * k + 3)),
                               _mm512_set1_pd(-1.0 / (2 * k + 2)));
    __m512d q = _mm512_fmadd_pd(r4, _mm512_fmadd_pd(r2, e[3], e[2]),
                                _mm512_fmadd_pd(r2, e[1], e[0]));
    q = _mm512_fmadd_pd(r8, e[4], q);
    __m512d p = _mm512_fmadd_pd(r2, q, r);
    __m512d th = _mm512_permutex2var_pd(_mm512_loadu_pd(elim_log1p_t), j,
                                        _mm512_loadu_pd(elim_log1p_t + 8));
    return _mm512_add_pd(th, p);
}

/* ln(e^a + e^b), exact -inf when both are -inf. */
static inline __m512d lse2(__m512d a, __m512d b) {
    __m512d m = _mm512_max_pd(a, b), lo = _mm512_min_pd(a, b);
    __m512d u = exp_nonpos(_mm512_sub_pd(lo, m));
    return _mm512_add_pd(m, log1p_unit(u));
}

void elim_lse_rows_avx512(const double *s, size_t d, size_t L, double *out) {
    size_t i = 0;
    if (d == 2) {
        for (; i + 8 <= L; i += 8)
            _mm512_storeu_pd(out + i, lse2(_mm512_loadu_pd(s + i), _mm512_loadu_pd(s + L + i)));
    } else {
        for (; i + 8 <= L; i += 8) {
            __m512d m = _mm512_loadu_pd(s + i);
            for (size_t x = 1; x < d; x++) m = _mm512_max_pd(m, _mm512_loadu_pd(s + x * L + i));
            __m512d shift = blend_zero_if_ninf(m), acc = _mm512_setzero_pd();
            for (size_t x = 0; x < d; x++)
                acc = _mm512_add_pd(acc, Sleef_expd8_u10avx512f(_mm512_sub_pd(_mm512_loadu_pd(s + x * L + i), shift)));
            _mm512_storeu_pd(out + i, _mm512_add_pd(m, Sleef_logd8_u35avx512f(acc)));
        }
    }
    if (i < L) {
        /* The tail columns, through the scalar loop on a strided view. */
        double tmp[64 * 8];
        size_t r = L - i;
        if (d <= 64) {
            for (size_t x = 0; x < d; x++)
                for (size_t j = 0; j < r; j++) tmp[x * r + j] = s[x * L + i + j];
            elim_lse_rows_scalar(tmp, d, r, out + i);
        } else {
            for (size_t j = 0; j < r; j++) {
                double m = s[i + j];
                for (size_t x = 1; x < d; x++) m = s[x * L + i + j] > m ? s[x * L + i + j] : m;
                double shift = m == -HUGE_VAL ? 0.0 : m, acc = 0.0;
                for (size_t x = 0; x < d; x++) acc += exp(s[x * L + i + j] - shift);
                out[i + j] = m + log(acc);
            }
        }
    }
}

/* One table's 8 entries i..i+7 of row base: through the block pattern (io[i + l] = io[i] +
 * io[l]) by one masked load and a permute when the pattern spans 8 entries, else a gather. */
typedef struct lane_src {
    __m512i pat;
    __mmask8 span;   /* lanes 0..max(io[0..7]) when that is < 8, else 0 */
    int additive;
} lane_src;

static inline __m512d load8(const double *base, const size_t *io, size_t i, const lane_src *ls) {
    if (ls->additive) {
        if (ls->span)
            return _mm512_permutexvar_pd(ls->pat, _mm512_maskz_loadu_pd(ls->span, base + io[i]));
        return _mm512_i64gather_pd(ls->pat, base + io[i], 8);
    }
    return _mm512_i64gather_pd(_mm512_loadu_si512(io + i), base, 8);
}

/* The block's loop; withc = 0 when both row constants are 0 (no constant table in the bucket,
 * the usual case): 0 + A = A in value (only a -0 turns +0, which no later operation tells
 * apart), and two additions of about fifty operations per 8 entries are saved. */
static inline __attribute__((always_inline)) void pair_loop(const elim_pair *p,
                                                            const lane_src *ls, size_t L,
                                                            double *out, int withc) {
    const __m512d c0 = _mm512_set1_pd(p->c[0]), c1 = _mm512_set1_pd(p->c[1]);
    const double *const a0p = p->t[0][0], *const a1p = p->t[0][1];
    const double *const b0p = p->t[1][0], *const b1p = p->t[1][1];
    const size_t *const ia = p->io[0], *const ib = p->io[1];
    for (size_t i = 0; i < L; i += 8) {
        /* Row x: (c_x + A_x) + B_x, the order of the unfused loop. */
        __m512d a0 = load8(a0p, ia, i, &ls[0]), a1 = load8(a1p, ia, i, &ls[0]);
        if (withc) {
            a0 = _mm512_add_pd(c0, a0);
            a1 = _mm512_add_pd(c1, a1);
        }
        a0 = _mm512_add_pd(a0, load8(b0p, ib, i, &ls[1]));
        a1 = _mm512_add_pd(a1, load8(b1p, ib, i, &ls[1]));
        _mm512_storeu_pd(out + i, lse2(a0, a1));
    }
}

void elim_lse2_pair_avx512(const elim_pair *p, size_t L, double *out) {
    lane_src ls[2];
    for (int g = 0; g < 2; g++) {
        size_t mx = 0;
        for (int l = 0; l < 8; l++) mx = p->io[g][l] > mx ? p->io[g][l] : mx;
        ls[g].pat = _mm512_loadu_si512(p->io[g]);
        ls[g].span = (__mmask8)(mx < 8 ? (1u << (mx + 1)) - 1 : 0u);
        ls[g].additive = p->additive[g];
    }
    if (p->c[0] == 0.0 && p->c[1] == 0.0) pair_loop(p, ls, L, out, 0);
    else pair_loop(p, ls, L, out, 1);
}
#endif
