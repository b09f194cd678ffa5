/* test_elim_lse.c — the log-sum-exp of the elimination (lib/exact/elim_lse*.c) against long
 * double (x87, 64-bit significand: expl/logl about 1e-19 here), for d = 2, the case every
 * binary model runs through, and d = 3, over the whole range of differences lo - m, with the
 * exact cases (-inf entries, equal entries) checked for equality; and the fused AVX-512 block
 * (elim_lse2_pair_avx512) against the block-buffer path, and the AVX2 d = 2 kernel against the
 * AVX-512 one, each pair required to give the same doubles. ctest runs this program again
 * under ZSUM_SIMD=avx2 and ZSUM_NO_SIMD=1. */
#include "check.h"
#include "core/internal.h"
#include "exact/elim_lse.h"

#include <stdint.h>

static uint64_t lcg_state = 7;
static double lcg_unit(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}

/* A difference lo - m <= 0 from every regime: 0, tiny, O(1), up to the e^t < 2^-1022 cut
 * (-708) and past it, and -inf. */
static double random_gap(void) {
    double u = lcg_unit();
    switch ((int)(lcg_unit() * 7)) {
    case 0: return 0.0;
    case 1: return -u * 1e-12;
    case 2: return -u;
    case 3: return -u * 40.0;
    case 4: return -700.0 - u * 20.0;
    case 5: return -HUGE_VAL;
    default: return -u * 5.0;
    }
}

static long double lse_ref(const double *v, size_t d) {
    long double m = v[0], acc = 0.0L;
    for (size_t x = 1; x < d; x++) m = v[x] > m ? v[x] : m;
    if (m == -HUGE_VAL) return -HUGE_VAL;
    for (size_t x = 0; x < d; x++) acc += expl((long double)v[x] - m);
    return m + logl(acc);
}

/* |got - ref| <= abs_tol + 1 ulp of got (the last addition m + ln(...) rounds once). */
static void lse_should_match_long_double(size_t d, double abs_tol) {
    enum { L = 203 };  /* 25 full vectors of 8 and a tail */
    double s[3 * L], out[L], worst = 0.0;
    for (int rep = 0; rep < 400; rep++) {
        for (size_t i = 0; i < L; i++) {
            /* m = 0 for a third of the columns: the error of ln(1 + u) alone is seen. */
            double m = i % 3 == 0 ? 0.0 : (lcg_unit() - 0.5) * 2000.0;
            size_t top = (size_t)(lcg_unit() * (double)d) % d;
            for (size_t x = 0; x < d; x++) s[x * L + i] = x == top ? m : m + random_gap();
        }
        elim_lse_rows(s, d, L, out);
        for (size_t i = 0; i < L; i++) {
            double v[3];
            for (size_t x = 0; x < d; x++) v[x] = s[x * L + i];
            long double ref = lse_ref(v, d);
            if (ref == -HUGE_VAL) {
                CHECK(out[i] == -HUGE_VAL);
                continue;
            }
            double err = (double)fabsl((long double)out[i] - ref);
            double ulp = nextafter(fabs(out[i]), HUGE_VAL) - fabs(out[i]);
            if (err - ulp > worst) worst = err - ulp;
            CHECK(err <= abs_tol + ulp);
        }
    }
    printf("  d = %zu, level %d: worst |error| - 1 ulp = %.3g\n", d, zs_simd_level(), worst);
}

static void lse_of_two_rows_should_match_long_double(void) {
    /* AVX-512 and AVX2: the inline exp/log1p (below 2e-16, elim_lse_avx512.c); libm:
     * ln(1 + t) after rounding 1 + t, up to 2e-16 too. */
    lse_should_match_long_double(2, 2e-16);
}

static void lse_of_three_rows_should_match_long_double(void) {
    lse_should_match_long_double(3, 1e-15);
}

static void lse_should_be_exact_on_infinite_and_equal_entries(void) {
    double s[2 * 16], out[16];
    for (size_t i = 0; i < 16; i++) {
        double a = (double)i * 3.25 - 20.0;
        s[i] = i % 4 == 0 ? -HUGE_VAL : a;
        s[16 + i] = i % 4 == 1 ? -HUGE_VAL : i % 4 == 2 ? a : i % 4 == 3 ? a - 800.0 : -HUGE_VAL;
    }
    elim_lse_rows(s, 2, 16, out);
    for (size_t i = 0; i < 16; i++) {
        double a = (double)i * 3.25 - 20.0;
        if (i % 4 == 0) CHECK(out[i] == -HUGE_VAL);  /* both -inf */
        if (i % 4 == 1) CHECK(out[i] == a);          /* e^a + 0 */
        if (i % 4 == 2) CHECK_REL(out[i], a + log(2.0), 2e-16);
        if (i % 4 == 3) CHECK(out[i] == a);          /* e^-800 below every ulp of a */
    }
}

/* The fused block reads two tables through offset lists; the plain path sums them into a
 * d x L buffer first. Patterns: a table repeated in pairs (a message missing the block's
 * fastest variable), a contiguous one, a small table spread over several dims, and an
 * irregular list that is not additive over groups of 8 (gathered). */
static void fused_block_should_equal_the_buffered_path(void) {
    if (zs_simd_level() != 2) {
        printf("  (AVX-512 absent or switched off: the fused block is not used)\n");
        return;
    }
    enum { L = 256, N = 4096 };
    static double ta[2 * N], tb[2 * N], buf[2 * L], want[L], got[L];
    static size_t io[4][L];
    for (size_t i = 0; i < 2 * N; i++) {
        ta[i] = lcg_unit() < 0.05 ? -HUGE_VAL : (lcg_unit() - 0.5) * 60.0;
        tb[i] = lcg_unit() < 0.05 ? -HUGE_VAL : (lcg_unit() - 0.5) * 60.0;
    }
    for (size_t i = 0; i < L; i++) {
        io[0][i] = i >> 1;
        io[1][i] = i;
        io[2][i] = (i & 1) * 16 + ((i >> 2) & 1) * 3 + (i >> 5) * 40;
        io[3][i] = (i * 37) % 1021;
    }
    for (int pa = 0; pa < 4; pa++)
        for (int pb = 0; pb < 4; pb++) {
            /* Row constants: some, or none (the loop without the additions). */
            double c0 = (pa + pb) % 2 ? lcg_unit() : 0.0, c1 = (pa + pb) % 2 ? -lcg_unit() : 0.0;
            elim_pair p = {{c0, c1}, {{ta, ta + N}, {tb, tb + N}}, {io[pa], io[pb]}, {0, 0}};
            for (int g = 0; g < 2; g++) {
                p.additive[g] = 1;
                for (size_t i = 0; i < L; i++)
                    p.additive[g] &= p.io[g][i] == p.io[g][i & ~(size_t)7] + p.io[g][i & 7];
            }
            CHECK(p.additive[0] == (pa != 3) && p.additive[1] == (pb != 3));
            for (size_t x = 0; x < 2; x++)
                for (size_t i = 0; i < L; i++)
                    buf[x * L + i] = p.c[x] + p.t[0][x][p.io[0][i]] + p.t[1][x][p.io[1][i]];
            elim_lse_rows(buf, 2, L, want);
            elim_lse2_pair_avx512(&p, L, got);
            CHECK(memcmp(want, got, sizeof want) == 0);
        }
}

/* The AVX2 and AVX-512 d = 2 kernels perform the same operations in the same order: a
 * result does not depend on which of them the CPU picks (whole vectors; the tails past a
 * multiple of 8 go through libm in both). */
static void avx2_and_avx512_should_give_the_same_doubles(void) {
    if (zs_simd_level() != 2) {
        printf("  (AVX-512 absent or switched off: not compared)\n");
        return;
    }
    enum { L = 512 };
    static double s[2 * L], a[L], b[L];
    for (int rep = 0; rep < 50; rep++) {
        for (size_t i = 0; i < L; i++) {
            s[i] = (lcg_unit() - 0.5) * 2000.0;
            s[L + i] = s[i] + (i & 1 ? -1.0 : 1.0) * random_gap();
        }
        elim_lse_rows_avx2(s, 2, L, a);
        elim_lse_rows_avx512(s, 2, L, b);
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
}

int main(void) {
    RUN(lse_of_two_rows_should_match_long_double);
    RUN(lse_of_three_rows_should_match_long_double);
    RUN(lse_should_be_exact_on_infinite_and_equal_entries);
    RUN(fused_block_should_equal_the_buffered_path);
    RUN(avx2_and_avx512_should_give_the_same_doubles);
    return check_summary("test_elim_lse");
}
