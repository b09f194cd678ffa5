/* elim_lse.c — out[i] = ln sum_x exp(s[x L + i]) over the d rows of a block, the sum over the
 * eliminated variable in log space. With m the column maximum,
 *     ln sum_x e^{s_x} = m + ln sum_x e^{s_x - m}        (every term <= 1, the sum in [1, d]),
 * (for d = 2, m + ln(1 + e^{min - m}): ln(1 + t) rather than log1p(t) costs an absolute
 * 1e-16 on the correction, below the rounding of m itself, and SLEEF's log1p is 4x slower
 * than its log: measured on Grids_15, half the run). When every s_x is
 * -inf (all weights zero) m is -inf: the shift uses 0 instead, the sum is exp(-inf) = 0 and
 * the result m + ln 0 = -inf, exactly. The AVX-512 and AVX2 kernels (chosen once from what
 * the CPU reports; ZSUM_NO_SIMD=1 forces libm) evaluate d = 2 with an inline table-driven exp
 * and log1p (elim_lse_avx512.c: within 2e-16 of ln(e^a + e^b), the same doubles on both) and
 * other d with SLEEF's vector exp and log (1 and 3.5 ulp). */
#include "core/internal.h"
#include "exact/elim_lse.h"

#include <stdlib.h>

void elim_lse_rows_scalar(const double *s, size_t d, size_t L, double *out) {
    if (d == 2) {
        for (size_t i = 0; i < L; i++) {
            double a = s[i], b = s[L + i];
            double m = a > b ? a : b, lo = a > b ? b : a;
            out[i] = m + log(1.0 + exp(lo - (m == -HUGE_VAL ? 0.0 : m)));
        }
        return;
    }
    for (size_t i = 0; i < L; i++) {
        double m = s[i];
        for (size_t x = 1; x < d; x++) m = s[x * L + i] > m ? s[x * L + i] : m;
        const double shift = m == -HUGE_VAL ? 0.0 : m;
        double acc = 0.0;
        for (size_t x = 0; x < d; x++) acc += exp(s[x * L + i] - shift);
        out[i] = m + log(acc);
    }
}

void elim_lse_rows(const double *s, size_t d, size_t L, double *out) {
    static void (*const fns[3])(const double *, size_t, size_t, double *) = {
        elim_lse_rows_scalar, elim_lse_rows_avx2, elim_lse_rows_avx512};
    fns[zs_simd_level()](s, d, L, out);
}
