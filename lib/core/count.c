/* count.c — exact integer counts with GMP, and their logarithms without overflow. */
#include "core/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void zs_count_clear(zs_count *c) {
    if (!c) return;
    free(c->decimal);
    c->decimal = NULL;
}

double zs_mpz_log(const mpz_t value) {
    if (mpz_sgn(value) <= 0) return -HUGE_VAL;
    signed long exp2;
    double mant = mpz_get_d_2exp(&exp2, value); /* value = mant * 2^exp2, mant in [0.5, 1) */
    return log(mant) + (double)exp2 * M_LN2;
}

double zs_mpz_log10(const mpz_t value) {
    return zs_mpz_log(value) / M_LN10;
}

zs_status zs_count_from_mpz(const mpz_t value, size_t max_digits, zs_count *out) {
    out->decimal = NULL;
    out->log10 = zs_mpz_log10(value);
    /* mpz_sizeinbase may overestimate by one: compute the string when it may fit. */
    if (max_digits == (size_t)-1 || mpz_sizeinbase(value, 10) <= max_digits + 1) {
        char *s = mpz_get_str(NULL, 10, value);
        if (!s) return ZS_ENOMEM;
        if (strlen(s) > max_digits) {
            free(s);
        } else {
            out->decimal = s;
        }
    }
    return ZS_OK;
}

void zs_mpz_multiplicity(mpz_t value, size_t k, const uint64_t *occ, const uint64_t *g) {
    /* W = n!/prod n_k! * prod g_k^{n_k}, built as a product of binomials
     * C(n_0, n_0) C(n_0+n_1, n_1) ... so every intermediate is an exact integer. */
    mpz_t binom, power;
    mpz_inits(binom, power, NULL);
    mpz_set_ui(value, 1);
    unsigned long total = 0;
    for (size_t i = 0; i < k; i++) {
        total += (unsigned long)occ[i];
        mpz_bin_uiui(binom, total, (unsigned long)occ[i]);
        mpz_mul(value, value, binom);
        if (g && g[i] != 1) {
            mpz_ui_pow_ui(power, (unsigned long)g[i], (unsigned long)occ[i]);
            mpz_mul(value, value, power);
        }
    }
    mpz_clears(binom, power, NULL);
}

double zs_log_multinomial(size_t k, const uint64_t *occ) {
    double n = 0.0, r = 0.0;
    for (size_t i = 0; i < k; i++) {
        n += (double)occ[i];
        r -= lgamma((double)occ[i] + 1.0);
    }
    return r + lgamma(n + 1.0);
}
