/* elim_lse_tables.h — the tables of the inline d = 2 log-sum-exp of elim_lse_avx512.c and
 * elim_lse_avx2.c (the method and its error bounds are described in elim_lse_avx512.c); both
 * files evaluate the same operations in the same order, so they give the same doubles. Values
 * computed with 60-digit decimals (Python's decimal module) and rounded to nearest. */
#ifndef ZSUM_EXACT_ELIM_LSE_TABLES_H
#define ZSUM_EXACT_ELIM_LSE_TABLES_H

/* 2^(j/16), j = 0..15. */
static const double elim_exp2_16[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};

/* c_j = 1/(1 + j/15) rounded to 10 fractional bits (c_0 = 1), and -ln c_j. */
static const double elim_log1p_c[16] = {
    1.0, 0.9375, 0.8828125, 0.8330078125, 0.7890625, 0.75, 0.7138671875, 0.681640625,
    0.65234375, 0.625, 0.599609375, 0.5771484375, 0.5556640625, 0.5361328125, 0.517578125,
    0.5};
static const double elim_log1p_t[16] = {
    0x0.0p+0, 0x1.08598b59e3a07p-4, 0x1.fe89139dbd566p-4, 0x1.7631d82935a86p-3,
    0x1.e530effe71012p-3, 0x1.269621134db92p-2, 0x1.5925d2b112a59p-2, 0x1.8873658327ccfp-2,
    0x1.b56fa04462909p-2, 0x1.e148a1a2726cep-2, 0x1.05e04c1aa2c06p-1, 0x1.196c7bc4b1f3bp-1,
    0x1.2cd8c6b7c716fp-1, 0x1.3f2acb27ed6c7p-1, 0x1.513356667fc57p-1, 0x1.62e42fefa39efp-1};

#endif
