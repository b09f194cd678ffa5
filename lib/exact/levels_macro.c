/* levels_macro.c — sums over macrostates (occupation vectors n_0..n_{K-1}, sum n_k = N).
 * Z = sum_n W(n) e^{-beta E(n)}, W(n) = N!/prod n_k! prod g_k^{n_k}, E(n) = sum n_k e_k.
 * The thermodynamics use log-gamma multinomials (no overflow, any N within the work limit);
 * the listings (macrostates, density of states) use exact GMP multiplicities, one per row. */
#include "exact/levels_methods.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Next occupation vector in lexicographic order with n_0 largest first; 0 when done.
 * (n,0,..,0) -> (n-1,1,0,..) -> ... -> (0,..,0,n). */
static int next_occupation(uint64_t *occ, size_t k) {
    if (k < 2) return 0;
    uint64_t t = occ[k - 1];
    occ[k - 1] = 0;
    size_t j = k - 1;
    while (j > 0 && occ[j - 1] == 0) j--;
    if (j == 0) {
        occ[k - 1] = t; /* restore the last vector */
        return 0;
    }
    occ[j - 1]--;
    occ[j] = t + 1;
    return 1;
}

static void first_occupation(uint64_t *occ, size_t k, uint64_t n) {
    memset(occ, 0, k * sizeof occ[0]);
    occ[0] = n;
}

/* sum_k n_k (e_k - emin): the energy above the ground state. */
static double occ_excess(const zs_levels *lv, const uint64_t *occ) {
    double e = 0.0;
    for (size_t i = 0; i < lv->k; i++) e += (double)occ[i] * (lv->e[i] - lv->emin);
    return e;
}

static double occ_lng(const zs_levels *lv, const uint64_t *occ) {
    double s = 0.0;
    for (size_t i = 0; i < lv->k; i++) s += (double)occ[i] * lv->lng[i];
    return s;
}

static zs_status check_macro_limit(const zs_levels *lv, uint64_t n, double limit, const char *what) {
    double count = levels_macrostate_count(n, lv->k);
    if (count > limit)
        return zs_fail(lv->ctx, ZS_ETOOBIG,
                       "%s: %.4g macrostates for N = %llu on %zu levels exceed the limit %.4g "
                       "(the closed form, method closed, handles any N)",
                       what, count, (unsigned long long)n, lv->k, limit);
    return ZS_OK;
}

zs_status levels_thermo_macro(const zs_levels *lv, uint64_t n, double beta,
                              zs_levels_thermo *out, double *occupation) {
    zs_status st = check_macro_limit(lv, n, ZS_LEVELS_MACRO_MAX, "method macro");
    if (st != ZS_OK) return st;
    uint64_t occ[ZS_LEVELS_MAX_K];
    /* Pass 1: ln Z' = logsumexp_n [ln W(n) - beta eps(n)] with a running maximum, and the
     * weighted sum of eps scaled alongside; eps is the energy above N emin. */
    double m = -HUGE_VAL, s = 0.0, se = 0.0;
    first_occupation(occ, lv->k, n);
    do {
        double eps = occ_excess(lv, occ);
        double lw = zs_log_multinomial(lv->k, occ) + occ_lng(lv, occ) - beta * eps;
        if (lw > m) {
            double scale = exp(m - lw);
            s = s * scale + 1.0;
            se = se * scale + eps;
            m = lw;
        } else {
            double w = exp(lw - m);
            s += w;
            se += w * eps;
        }
    } while (next_occupation(occ, lv->k));
    const double lnz_shift = m + log(s), mean = se / s;
    /* Pass 2: centered variance, S = sum_n P(n) (beta eps(n) + ln Z'), occupations. */
    double var = 0.0, ent = 0.0, occsum[ZS_LEVELS_MAX_K] = {0};
    first_occupation(occ, lv->k, n);
    do {
        double eps = occ_excess(lv, occ);
        double lw = zs_log_multinomial(lv->k, occ) + occ_lng(lv, occ) - beta * eps;
        double p = exp(lw - lnz_shift);
        var += p * (eps - mean) * (eps - mean);
        ent += p * (beta * eps + lnz_shift);
        for (size_t i = 0; i < lv->k; i++) occsum[i] += p * (double)occ[i];
    } while (next_occupation(occ, lv->k));
    const double nn = (double)n;
    out->lnz = lnz_shift - beta * nn * lv->emin;
    out->lnz_unit = out->lnz / nn;
    out->u = nn * lv->emin + mean;
    out->f = levels_free_energy(lv, n, beta, out->lnz);
    out->s = ent;
    out->s_thermo = beta * out->u + out->lnz;
    out->c = zs_heat_capacity(beta, var);
    if (occupation)
        for (size_t i = 0; i < lv->k; i++) occupation[i] = occsum[i] / nn;
    return ZS_OK;
}

/* ---- listings with exact multiplicities ------------------------------------------------ */

/* The macrostates in energy order, built without GMP: a listing computes each exact W once,
 * as its row is written, so nothing costly happens before the first row. Z' = z'^N in closed
 * form (z' = sum_k g_k e^{-beta (e_k - emin)}, levels_unit_compute), so p = W e^{-beta eps} / Z'
 * needs no pass over the rows either. */
typedef struct macro_list {
    size_t count, k;
    uint32_t *occ;     /* (count, k) occupation vectors                                    */
    struct ranked { double eps; size_t index; } *order; /* sorted by energy, then generation */
} macro_list;

static void macro_list_free(macro_list *ml) {
    free(ml->occ);
    free(ml->order);
}

static int cmp_by_energy(const void *a, const void *b) {
    const struct ranked *x = a, *y = b;
    if (x->eps != y->eps) return x->eps < y->eps ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static zs_status macro_list_build(const zs_levels *lv, uint64_t n, double limit, const char *what,
                                  macro_list *ml) {
    memset(ml, 0, sizeof *ml);
    zs_status st = check_macro_limit(lv, n, limit, what);
    if (st != ZS_OK) return st;
    size_t count = (size_t)llround(levels_macrostate_count(n, lv->k));
    ml->k = lv->k;
    ml->occ = zs_malloc(count * lv->k * sizeof *ml->occ);
    ml->order = zs_malloc(count * sizeof *ml->order);
    if (!ml->occ || !ml->order) {
        macro_list_free(ml);
        return zs_fail(lv->ctx, ZS_ENOMEM, "%s: out of memory for %zu macrostates", what, count);
    }
    uint64_t occ[ZS_LEVELS_MAX_K];
    size_t i = 0;
    first_occupation(occ, lv->k, n);
    do {
        for (size_t j = 0; j < lv->k; j++) ml->occ[i * lv->k + j] = (uint32_t)occ[j];
        ml->order[i].eps = occ_excess(lv, occ);
        ml->order[i].index = i;
        i++;
    } while (i < count && next_occupation(occ, lv->k));
    ml->count = i;
    qsort(ml->order, ml->count, sizeof *ml->order, cmp_by_energy);
    return ZS_OK;
}

static void occ_of(const macro_list *ml, size_t i, uint64_t *occ) {
    for (size_t j = 0; j < ml->k; j++) occ[j] = ml->occ[i * ml->k + j];
}

/* A listing's rows report progress, so a deadline (the progress hook) can stop it. */
static zs_status row_progress(const zs_levels *lv, const char *what, size_t done, size_t total) {
    if (!zs_progress(lv->ctx, what, (double)done, (double)total)) return ZS_OK;
    return zs_fail(lv->ctx, ZS_ECANCELLED, "%s: cancelled", what);
}

zs_status zs_levels_macrostates(const zs_levels *lv, size_t n, double beta, double limit,
                                zs_levels_macrostate_fn fn, void *user) {
    if (!lv || !fn) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, n, beta);
    macro_list ml;
    if (st == ZS_OK) st = macro_list_build(lv, n, limit, "macrostates", &ml);
    if (st != ZS_OK) return st;
    levels_unit u;
    levels_unit_compute(lv, beta, &u);
    const double lnz = (double)n * u.lnz_shift;
    uint64_t occ[ZS_LEVELS_MAX_K];
    mpz_t w;
    mpz_init(w);
    for (size_t r = 0; r < ml.count && st == ZS_OK; r++) {
        st = row_progress(lv, "macrostates", r, ml.count);
        if (st != ZS_OK) break;
        const size_t i = ml.order[r].index;
        const double eps = ml.order[r].eps;
        occ_of(&ml, i, occ);
        zs_mpz_multiplicity(w, lv->k, occ, lv->g);
        char *dec = mpz_get_str(NULL, 10, w);
        if (!dec) {
            st = zs_fail(lv->ctx, ZS_ENOMEM, "macrostates: out of memory");
            break;
        }
        double p = exp(zs_mpz_log(w) - beta * eps - lnz);
        if (fn(user, occ, dec, (double)n * lv->emin + eps, p)) st = ZS_ECANCELLED;
        free(dec);
    }
    mpz_clear(w);
    macro_list_free(&ml);
    return st;
}

/* Energies closer than this are one energy of the density of states (zsum.h). */
static double dos_tolerance(const zs_levels *lv, uint64_t n) {
    double emax_abs = 0.0;
    for (size_t j = 0; j < lv->k; j++)
        if (fabs(lv->e[j]) > emax_abs) emax_abs = fabs(lv->e[j]);
    double tol = 1e-9 * (double)n * emax_abs;
    return tol < 1e-300 ? 1e-300 : tol;
}

/* The end of the group that starts at row r: the rows whose energy is within tol of row r's.
 * A group holds at least its first row, so every pass over the groups ends. */
static size_t dos_group_end(const macro_list *ml, size_t r, double tol) {
    const double e0 = ml->order[r].eps;
    size_t end = r + 1;
    while (end < ml->count && ml->order[end].eps - e0 <= tol) end++;
    return end;
}

zs_status zs_levels_dos(const zs_levels *lv, size_t n, double beta, double limit,
                        zs_levels_dos_fn fn, void *user) {
    if (!lv || !fn) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = levels_check_beta(lv, n, beta);
    macro_list ml;
    if (st == ZS_OK) st = macro_list_build(lv, n, limit, "dos", &ml);
    if (st != ZS_OK) return st;
    levels_unit u;
    levels_unit_compute(lv, beta, &u);
    const double lnz = (double)n * u.lnz_shift, tol = dos_tolerance(lv, n);
    uint64_t occ[ZS_LEVELS_MAX_K];
    mpz_t w, total;
    mpz_inits(w, total, NULL);
    for (size_t r = 0; r < ml.count && st == ZS_OK;) {
        /* One group: every macrostate within tol of the group's first energy. */
        const double e0 = ml.order[r].eps;
        double p = 0.0;
        mpz_set_ui(total, 0);
        for (const size_t end = dos_group_end(&ml, r, tol); r < end; r++) {
            if ((st = row_progress(lv, "dos", r, ml.count)) != ZS_OK) break;
            occ_of(&ml, ml.order[r].index, occ);
            zs_mpz_multiplicity(w, lv->k, occ, lv->g);
            mpz_add(total, total, w);
            p += exp(zs_mpz_log(w) - beta * ml.order[r].eps - lnz);
        }
        if (st != ZS_OK) break;
        char *dec = mpz_get_str(NULL, 10, total);
        if (!dec) {
            st = zs_fail(lv->ctx, ZS_ENOMEM, "dos: out of memory");
            break;
        }
        if (fn(user, (double)n * lv->emin + e0, dec, p)) st = ZS_ECANCELLED;
        free(dec);
    }
    mpz_clears(w, total, NULL);
    macro_list_free(&ml);
    return st;
}

/* ln W from log-gamma: an estimate, within rounding of the exact value. */
static double occ_lnw(const zs_levels *lv, const uint64_t *occ) {
    return zs_log_multinomial(lv->k, occ) + occ_lng(lv, occ);
}

/* The groups of zs_levels_dos without GMP: each group's ln(sum W) by log-sum-exp, its
 * digits summed until past stop. */
static zs_status dos_digits(const zs_levels *lv, uint64_t n, double max_work, double stop,
                            double *rows, double *digits) {
    macro_list ml;
    zs_status st = macro_list_build(lv, n, max_work, "dos", &ml);
    if (st != ZS_OK) return st;
    const double tol = dos_tolerance(lv, n);
    uint64_t occ[ZS_LEVELS_MAX_K];
    double groups = 0.0, sum = 0.0;
    for (size_t r = 0; r < ml.count && !(sum > stop);) {
        double m = -HUGE_VAL, s = 0.0;
        for (const size_t end = dos_group_end(&ml, r, tol); r < end; r++) {
            occ_of(&ml, ml.order[r].index, occ);
            double lw = occ_lnw(lv, occ);
            if (lw > m) {
                s = s * exp(m - lw) + 1.0;
                m = lw;
            } else {
                s += exp(lw - m);
            }
        }
        groups += 1.0;
        sum += floor((m + log(s)) / M_LN10) + 1.0;
    }
    macro_list_free(&ml);
    *rows = groups;
    *digits = sum;
    return ZS_OK;
}

zs_status zs_levels_listing_size(const zs_levels *lv, size_t n, int dos, double max_work, double stop,
                                 double *macrostates, double *rows, double *digits) {
    if (!lv || !macrostates || !rows || !digits) return ZS_EINVAL;
    zs_status st = levels_check_units(lv, n);
    if (st == ZS_OK) st = check_macro_limit(lv, n, max_work, dos ? "dos" : "macrostates");
    if (st != ZS_OK) return st;
    *macrostates = levels_macrostate_count(n, lv->k);
    *rows = *digits = 0.0;
    if (!(stop > 0.0)) return ZS_OK;
    if (dos) return dos_digits(lv, n, max_work, stop, rows, digits);
    /* digits of W = floor(log10 W) + 1 (off by one at most where log10 W lies within
     * rounding of an integer) */
    double sum = 0.0;
    uint64_t occ[ZS_LEVELS_MAX_K];
    first_occupation(occ, lv->k, n);
    do {
        sum += floor(occ_lnw(lv, occ) / M_LN10) + 1.0;
    } while (!(sum > stop) && next_occupation(occ, lv->k));
    *rows = *macrostates;
    *digits = sum;
    return ZS_OK;
}
