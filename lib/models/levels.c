/* levels.c — the chapter's system: N distinguishable units on K energy levels with
 * degeneracies (Maren, ch. 10). Construction, one microstate's energy and probability, its
 * macrostate's multiplicity W = N!/prod n_k! prod g_k^{n_k}. The methods that sum over its
 * states, and the choice among them, are in lib/exact/levels_*.c. */
#include "models/levels_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Degeneracies must be exact integers whose sum G keeps (G)^N countable in doubles' mantissa
 * where we need it: 2^53 is where consecutive integers stop being representable. */
#define LEVELS_MAX_G 9007199254740992.0

zs_status zs_levels_alloc(zs_ctx *ctx, size_t k, const double *energies,
                          const double *degeneracies, zs_levels **out) {
    if (!out || (!energies && k > 0)) return zs_fail(ctx, ZS_EINVAL, "levels: NULL argument");
    if (k == 0) return zs_fail(ctx, ZS_EINVAL, "energies: at least one level is needed");
    if (k > ZS_LEVELS_MAX_K)
        return zs_fail(ctx, ZS_EINVAL, "energies: %zu levels given, at most %d are supported", k,
                       ZS_LEVELS_MAX_K);
    double gsum = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(energies[i]))
            return zs_fail(ctx, ZS_EINVAL, "energies: item %zu (%g) is not a finite number", i + 1,
                           energies[i]);
        if (degeneracies) {
            double g = degeneracies[i];
            if (!isfinite(g) || g < 1.0 || g != floor(g))
                return zs_fail(ctx, ZS_EINVAL,
                               "degeneracies: item %zu (%g) is not a positive integer", i + 1, g);
            gsum += g;
        } else {
            gsum += 1.0;
        }
    }
    if (gsum >= LEVELS_MAX_G)
        return zs_fail(ctx, ZS_EINVAL, "degeneracies: their sum %g exceeds 2^53", gsum);
    zs_levels *lv = zs_calloc(1, sizeof *lv);
    if (!lv) return zs_fail(ctx, ZS_ENOMEM, "levels: out of memory");
    lv->ctx = ctx;
    lv->k = k;
    lv->emin = HUGE_VAL;
    for (size_t i = 0; i < k; i++) {
        lv->e[i] = energies[i];
        lv->g[i] = degeneracies ? (uint64_t)degeneracies[i] : 1;
        lv->lng[i] = log((double)lv->g[i]);
        lv->gsum += lv->g[i];
        if (energies[i] < lv->emin) lv->emin = energies[i];
    }
    *out = lv;
    return ZS_OK;
}

void zs_levels_free(zs_levels *lv) {
    free(lv);
}

size_t zs_levels_count(const zs_levels *lv) { return lv->k; }
double zs_levels_energy(const zs_levels *lv, size_t k) { return k < lv->k ? lv->e[k] : (double)NAN; }
uint64_t zs_levels_degeneracy(const zs_levels *lv, size_t k) { return k < lv->k ? lv->g[k] : 0; }
uint64_t zs_levels_unit_states(const zs_levels *lv) { return lv->gsum; }

void levels_unit_compute(const zs_levels *lv, double beta, levels_unit *u) {
    /* One unit: z = sum_k g_k e^{-beta e_k} = e^{-beta emin} sum_k e^{ln g_k - beta (e_k - emin)}. */
    for (size_t i = 0; i < lv->k; i++) u->lw[i] = lv->lng[i] - beta * (lv->e[i] - lv->emin);
    /* ln sum = m + log1p(the other terms relative to the largest) when they are below 1e-3:
     * log(1 + x) of a tiny x would keep only its first digits (z = 1 + e^-30 at low T). */
    size_t top = 0;
    for (size_t i = 1; i < lv->k; i++)
        if (u->lw[i] > u->lw[top]) top = i;
    double rest = 0.0;
    for (size_t i = 0; i < lv->k; i++)
        if (i != top) rest += exp(u->lw[i] - u->lw[top]);
    u->lnz_shift = rest < 1e-3 ? u->lw[top] + log1p(rest) : zs_logsumexp(u->lw, lv->k);
    for (size_t i = 0; i < lv->k; i++) u->prob[i] = exp(u->lw[i] - u->lnz_shift);
    u->lnz = u->lnz_shift - beta * lv->emin;
}

/* The energy scale N max_k |e_k| bounds every total energy |E| and the spread of the totals;
 * the methods form E, E^2 and beta E (the listings' totals, the moments behind U and C, the
 * weights behind ln Z), which must stay finite. A scale past 1e100 is refused, as for the
 * pairwise models (lib/models/pairwise.c), rather than ending in inf - inf (energies 0 and
 * 1e308 made every listing's totals inf). The levels' methods take energies relative to the
 * ground level and weigh them by probabilities that underflow to exactly 0 deep in the ground
 * state, so |beta| times the scale may reach 1e300 (the pairwise methods stop at 1e60), where
 * beta E would overflow. A temperature past 1e200 is refused too: F = -T ln Z with ln Z up to
 * N ln G (4e10 for N = 10^9, G = 2^53) would overflow near 1e297. */
#define LEVELS_ENERGY_SCALE_MAX 1e100
#define LEVELS_BETA_ENERGY_MAX 1e300
#define LEVELS_BETA_MIN 1e-200

static double levels_energy_max(const zs_levels *lv) {
    double emax = 0.0;
    for (size_t i = 0; i < lv->k; i++)
        if (fabs(lv->e[i]) > emax) emax = fabs(lv->e[i]);
    return emax;
}

zs_status levels_check_beta(const zs_levels *lv, uint64_t n, double beta) {
    if (!isfinite(beta))
        return zs_fail(lv->ctx, ZS_EINVAL, "beta: %g is not a finite number", beta);
    if (beta != 0.0 && fabs(beta) < LEVELS_BETA_MIN)
        return zs_fail(lv->ctx, ZS_ERANGE,
                       "beta: |beta| = %g is below 1e-200 (T past 1e200: F = -T ln Z would "
                       "overflow); use beta = 0 for infinite temperature", fabs(beta));
    double scale = (double)n * levels_energy_max(lv);
    if (!(fabs(beta) * scale <= LEVELS_BETA_ENERGY_MAX))
        return zs_fail(lv->ctx, ZS_ERANGE,
                       "beta: |beta| = %g times the energy scale N max|e_k| = %g is past "
                       "1e300 (beta E would overflow); use a smaller |beta|", fabs(beta), scale);
    return ZS_OK;
}

zs_status levels_check_units(const zs_levels *lv, uint64_t n) {
    if (n == 0) return zs_fail(lv->ctx, ZS_EINVAL, "units: N must be at least 1");
    if (n > ZS_LEVELS_MAX_UNITS)
        return zs_fail(lv->ctx, ZS_EINVAL, "units: N = %llu exceeds the supported 10^9",
                       (unsigned long long)n);
    double emax = levels_energy_max(lv);
    if (!((double)n * emax <= LEVELS_ENERGY_SCALE_MAX))
        return zs_fail(lv->ctx, ZS_ERANGE,
                       "energies: the energy scale N max|e_k| = %llu x %g is past 1e100 (the "
                       "total energies and their moments would overflow); divide the energies "
                       "by a factor and multiply beta by it",
                       (unsigned long long)n, emax);
    return ZS_OK;
}

double levels_free_energy(const zs_levels *lv, uint64_t n, double beta, double lnz) {
    if (beta != 0.0) return -lnz / beta;
    return lv->gsum > 1 ? -HUGE_VAL : (double)n * lv->emin;
}

double levels_macrostate_count(uint64_t n, size_t k) {
    /* C(n+k-1, k-1) by log-gamma; exact enough to compare with a limit. */
    double nn = (double)n, kk = (double)k;
    return exp(lgamma(nn + kk) - lgamma(nn + 1.0) - lgamma(kk)) ;
}

zs_status zs_levels_microstate_count(const zs_levels *lv, size_t n, size_t max_digits,
                                     zs_count *out) {
    if (!lv || !out) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st != ZS_OK) return st;
    /* G^N has N log10 G digits: for N = 10^9 that is too many to build; only the log then. */
    double digits = (double)n * log10((double)lv->gsum);
    if (digits > (double)max_digits + 1.0) {
        out->decimal = NULL;
        out->log10 = digits;
        return ZS_OK;
    }
    mpz_t v;
    mpz_init(v);
    mpz_ui_pow_ui(v, (unsigned long)lv->gsum, (unsigned long)n);
    st = zs_count_from_mpz(v, max_digits, out);
    if (st == ZS_OK) out->log10 = (double)n * log10((double)lv->gsum);
    mpz_clear(v);
    return st;
}

zs_status zs_levels_state(const zs_levels *lv, size_t n, const uint32_t *state, double beta,
                          zs_levels_state_info *info, uint64_t *occupation_out,
                          zs_count *multiplicity) {
    if (!lv || !state || !info) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, n, beta);
    if (st != ZS_OK) return st;
    uint64_t occ[ZS_LEVELS_MAX_K] = {0};
    double eshift = 0.0; /* sum_i (e(unit i) - emin) */
    for (size_t i = 0; i < n; i++) {
        if (state[i] >= lv->k)
            return zs_fail(lv->ctx, ZS_EINVAL,
                           "state: unit %zu is on level %u, but levels are 0..%zu", i + 1,
                           state[i], lv->k - 1);
        occ[state[i]]++;
        eshift += lv->e[state[i]] - lv->emin;
    }
    levels_unit u;
    levels_unit_compute(lv, beta, &u);
    /* ln p_j = -beta E_j - ln Z, with E_j = N emin + eshift and ln Z = N (lnz_shift - beta emin). */
    info->energy = (double)n * lv->emin + eshift;
    info->lnp = -beta * eshift - (double)n * u.lnz_shift;
    info->p = exp(info->lnp);
    if (occupation_out) memcpy(occupation_out, occ, lv->k * sizeof occ[0]);
    if (multiplicity) {
        mpz_t w;
        mpz_init(w);
        zs_mpz_multiplicity(w, lv->k, occ, lv->g);
        st = zs_count_from_mpz(w, (size_t)-1, multiplicity);
        mpz_clear(w);
    }
    return st;
}
