/* test_pairwise.c — binary pairwise models (Ising lattices, Boltzmann machines): every method
 * against a brute force written here simply (all 2^n states, energy from the definition), the
 * published reference values of the issue, and closed forms against each other. */
#include "check.h"
#include "exact/pairwise_enumerate.h"
#include "models/pairwise_internal.h"
#include "zsum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the oracle: dense J (n x n), h, offset; s_i = +1 for bit i clear ------------------ */
typedef struct exact {
    double lnz, u, c, m, absm, chi;
    double m2, m4; /* <M^2>, <M^4>: chi' and Binder's cumulant */
} exact;

static double energy_of(size_t n, const double *j, const double *h, double offset, uint64_t x) {
    double e = offset;
    for (size_t a = 0; a < n; a++) {
        double sa = (x >> a) & 1u ? -1.0 : 1.0;
        e -= h[a] * sa;
        for (size_t b = a + 1; b < n; b++) e -= j[a * n + b] * sa * ((x >> b) & 1u ? -1.0 : 1.0);
    }
    return e;
}

static exact brute(size_t n, const double *j, const double *h, double offset, double beta) {
    uint64_t states = (uint64_t)1 << n;
    double mx = -HUGE_VAL;
    for (uint64_t x = 0; x < states; x++) {
        double l = -beta * energy_of(n, j, h, offset, x);
        if (l > mx) mx = l;
    }
    /* Two passes: the means, then centered second moments (E[x^2] - E[x]^2 would lose ~1e-12
     * of C and chi to cancellation). */
    long double z = 0, ze = 0, zm = 0, za = 0, zde2 = 0, zdm2 = 0, zm2 = 0, zm4 = 0;
    for (uint64_t x = 0; x < states; x++) {
        double e = energy_of(n, j, h, offset, x), mg = 0;
        long double w = expl((long double)(-beta * e - mx));
        for (size_t a = 0; a < n; a++) mg += (x >> a) & 1u ? -1.0 : 1.0;
        z += w;
        ze += w * e;
        zm += w * mg;
        za += w * fabs(mg);
        zm2 += w * mg * mg;
        zm4 += w * mg * mg * mg * mg;
    }
    const long double u = ze / z, mm = zm / z;
    for (uint64_t x = 0; x < states; x++) {
        double e = energy_of(n, j, h, offset, x), mg = 0;
        long double w = expl((long double)(-beta * e - mx));
        for (size_t a = 0; a < n; a++) mg += (x >> a) & 1u ? -1.0 : 1.0;
        zde2 += w * (e - u) * (e - u);
        zdm2 += w * (mg - mm) * (mg - mm);
    }
    exact r;
    r.lnz = mx + (double)logl(z);
    r.u = (double)u;
    r.c = (double)(beta * beta * (zde2 / z));
    r.m = (double)mm;
    r.absm = (double)(za / z);
    r.chi = (double)(beta * (zdm2 / z));
    r.m2 = (double)(zm2 / z);
    r.m4 = (double)(zm4 / z);
    return r;
}

/* The lattice's dense J written out here from the definition (independent of the library). */
static void lattice_dense(size_t R, size_t C, int prow, int pcol, const double *jh,
                          const double *jv, double *j) {
    size_t n = R * C;
    memset(j, 0, n * n * sizeof *j);
    for (size_t r = 0; r < R; r++)
        for (size_t c = 0; c < C; c++) {
            size_t i = r * C + c;
            if (c + 1 < C || pcol) {
                size_t k = r * C + (c + 1) % C;
                j[i * n + k] += jh[i];
                j[k * n + i] += jh[i];
            }
            if (R > 1 && (r + 1 < R || prow)) {
                size_t k = ((r + 1) % R) * C + c;
                j[i * n + k] += jv[i];
                j[k * n + i] += jv[i];
            }
        }
}

static void check_thermo(const zs_pairwise_thermo *t, const exact *e, double tol, int has_absm,
                         int has_mchi) {
    CHECK_REL(t->lnz, e->lnz, tol);
    CHECK_REL(t->u, e->u, tol);
    CHECK_REL(t->c, e->c, 100 * tol);
    if (has_mchi) {
        CHECK_REL(t->m, e->m, tol);
        CHECK_REL(t->chi, e->chi, 100 * tol);
    }
    if (has_absm) CHECK_REL(t->absm, e->absm, tol);
}

/* ---- reference values of the issue ------------------------------------------------------ */
static void kaufman_reproduces_the_published_torus_values(void) {
    double l;
    CHECK(zs_ising_kaufman_lnz(4, 4, 0.4, &l) == ZS_OK);
    CHECK_REL(l, 14.561093023844, 1e-13);
    CHECK(zs_ising_kaufman_lnz(16, 16, 0.5 * log(1 + sqrt(2.0)), &l) == ZS_OK);
    CHECK_REL(l, 238.642256635133, 1e-13);
}

static void chain_ring_reproduces_the_published_value(void) {
    double l;
    CHECK(zs_ising_chain_lnz(12, 1, 0.7, 0.3, &l) == ZS_OK);
    CHECK_REL(l, 12.752303565397547, 1e-14);
}

static void onsager_at_kc_is_half_ln2_plus_2G_over_pi(void) {
    const double catalan = 0.915965594177219015054603514932;
    double kc = 0.5 * log(1 + sqrt(2.0));
    CHECK_REL(zs_ising_onsager_lnz_per_site(kc), 0.5 * log(2.0) + 2 * catalan / M_PI, 1e-12);
    /* Far from K_c a 1024 x 1024 torus is the infinite lattice to ~e^{-L/xi}, once the two
     * ordered states' ln 2 is taken off below T_c. */
    for (double k = 0.25; k < 0.8; k += 0.3) {
        double l;
        zs_ising_kaufman_lnz(1024, 1024, k, &l);
        if (k > kc) l -= log(2.0);
        CHECK_REL(l / (1024.0 * 1024.0), zs_ising_onsager_lnz_per_site(k), 1e-12);
    }
}

/* ---- every method against brute force ---------------------------------------------------- */
static void random_lattice(size_t R, size_t C, int prow, int pcol, uint64_t seed, int fields,
                           double *jh, double *jv, double *h) {
    zs_rng g;
    zs_rng_init(&g, seed, 99);
    for (size_t i = 0; i < R * C; i++) {
        size_t r = i / C, c = i % C;
        jh[i] = (c + 1 < C || pcol) ? 1.3 * zs_rng_normal(&g) : 0.0;
        jv[i] = (R > 1 && (r + 1 < R || prow)) ? 0.9 * zs_rng_normal(&g) : 0.0;
        h[i] = fields ? 0.7 * zs_rng_normal(&g) : 0.0;
    }
}

static void methods_agree_with_brute_force_on_random_lattices(void) {
    struct { size_t r, c; int prow, pcol; } cases[] = {
        {3, 4, 0, 0}, {3, 3, 1, 1}, {2, 5, 1, 0}, {4, 3, 0, 1}, {1, 9, 0, 1}, {4, 4, 1, 1}};
    double betas[] = {0.0, 0.37, 1.4};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t R = cases[k].r, C = cases[k].c, n = R * C;
        double jh[16], jv[16], h[16], j[256];
        random_lattice(R, C, cases[k].prow, cases[k].pcol, k + 1, 1, jh, jv, h);
        lattice_dense(R, C, cases[k].prow, cases[k].pcol, jh, jv, j);
        zs_lattice_spec sp = {R, C, cases[k].prow, cases[k].pcol, 0.0, 0.0, jh, jv, h};
        zs_pairwise *m = NULL;
        CHECK(zs_pairwise_alloc_lattice(NULL, &sp, &m) == ZS_OK);
        if (!m) continue;
        for (size_t b = 0; b < 3; b++) {
            exact e = brute(n, j, h, 0.0, betas[b]);
            zs_pairwise_thermo t;
            CHECK(zs_pairwise_thermo_compute(m, betas[b], &(zs_pairwise_thermo_opts){ZS_PAIRWISE_ENUMERATE, 0}, &t) == ZS_OK);
            check_thermo(&t, &e, 1e-11, 1, 1);
            CHECK(zs_pairwise_thermo_compute(m, betas[b], &(zs_pairwise_thermo_opts){ZS_PAIRWISE_TRANSFER, 0}, &t) == ZS_OK);
            check_thermo(&t, &e, 1e-11, 1, 1);
            double l;
            CHECK(zs_pairwise_lnz_transfer(m, betas[b], &l) == ZS_OK);
            CHECK_REL(l, e.lnz, 1e-12);
        }
        zs_pairwise_free(m);
    }
}

static void transfer_leaves_absm_out_when_the_distribution_costs_too_much(void) {
    /* 14 x 14 open: n 2^w (n + 1) = 6.3e8 > 4e8 */
    zs_lattice_spec sp = {14, 14, 0, 0, 1.0, 0.1, NULL, NULL, NULL};
    zs_pairwise *m = NULL;
    zs_pairwise_alloc_lattice(NULL, &sp, &m);
    zs_pairwise_thermo t;
    CHECK(zs_pairwise_thermo_compute(m, 0.3, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_TRANSFER, 0}, &t) == ZS_OK);
    CHECK(isnan(t.absm) && isfinite(t.chi));
    zs_pairwise_free(m);
}

static void closed_forms_agree_with_brute_force(void) {
    /* uniform chains with field, ring and open, ferro and antiferro */
    double js[] = {0.8, -0.6}, hs[] = {0.0, 0.45};
    for (int per = 0; per < 2; per++)
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) {
                size_t n = 11;
                double jh[11], jv[11] = {0}, h[11], j[121];
                for (size_t i = 0; i < n; i++) {
                    jh[i] = (i + 1 < n || per) ? js[a] : 0.0;
                    h[i] = hs[b];
                }
                lattice_dense(1, n, 0, per, jh, jv, j);
                exact e = brute(n, j, h, 0.0, 0.9);
                zs_lattice_spec sp = {1, n, 0, per, js[a], hs[b], NULL, NULL, NULL};
                zs_pairwise *m = NULL;
                zs_pairwise_alloc_lattice(NULL, &sp, &m);
                zs_pairwise_thermo t;
                CHECK(zs_pairwise_thermo_compute(m, 0.9, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_CLOSED, 0}, &t) == ZS_OK);
                CHECK_REL(t.lnz, e.lnz, 1e-13);
                CHECK_REL(t.u, e.u, 1e-13);
                CHECK_REL(t.c, e.c, 1e-13);
                CHECK_REL(t.m, e.m, 1e-13);
                CHECK_REL(t.chi, e.chi, 1e-13);
                zs_pairwise_free(m);
            }
    /* tori at h = 0, including 2-site periodic sides (doubled bonds), antiferro with even sides */
    struct { size_t r, c; double j; } tori[] = {{4, 4, 1.0}, {3, 5, 0.7}, {2, 6, 1.1}, {4, 4, -0.8}, {2, 2, 1.0}};
    for (size_t k = 0; k < sizeof tori / sizeof tori[0]; k++) {
        size_t R = tori[k].r, C = tori[k].c, n = R * C;
        double jh[30], jv[30], h[30] = {0}, j[900];
        for (size_t i = 0; i < n; i++) jh[i] = jv[i] = tori[k].j;
        lattice_dense(R, C, 1, 1, jh, jv, j);
        zs_lattice_spec sp = {R, C, 1, 1, tori[k].j, 0.0, NULL, NULL, NULL};
        zs_pairwise *m = NULL;
        zs_pairwise_alloc_lattice(NULL, &sp, &m);
        double betas[] = {0.2, 0.4406867935097715, 0.75};
        for (int b = 0; b < 3; b++) {
            exact e = brute(n, j, h, 0.0, betas[b]);
            zs_pairwise_thermo t;
            CHECK(zs_pairwise_thermo_compute(m, betas[b], &(zs_pairwise_thermo_opts){ZS_PAIRWISE_CLOSED, 0}, &t) == ZS_OK);
            CHECK_REL(t.lnz, e.lnz, 1e-12);
            CHECK_REL(t.u, e.u, 1e-10);
            CHECK_REL(t.c, e.c, 1e-9);
        }
        zs_pairwise_free(m);
    }
}

static void transfer_stays_finite_at_low_temperature(void) {
    /* 4x4 torus at beta = 100: the periodic closing weights reach e^{800}; Kaufman agrees, and
     * ln Z is the two ground states: 32 bonds * 100 + ln 2 plus e^{-800}-small terms. */
    zs_lattice_spec sp = {4, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise *m = NULL;
    zs_pairwise_alloc_lattice(NULL, &sp, &m);
    double l;
    CHECK(zs_pairwise_lnz_transfer(m, 100.0, &l) == ZS_OK);
    CHECK_REL(l, 3200.0 + log(2.0), 1e-14);
    zs_pairwise_thermo t;
    CHECK(zs_pairwise_thermo_compute(m, 100.0, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_TRANSFER, 0}, &t) == ZS_OK);
    CHECK_REL(t.u, -32.0, 1e-12);
    CHECK(fabs(t.c) < 1e-6); /* <E^2> - <E>^2 at 1024: rounding, times beta^2 */
    zs_pairwise_free(m);
}

static void dense_models_and_kernels_agree_with_brute_force(void) {
    size_t sizes[] = {1, 5, 12, 13, 17, 18};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        if (check_sanitized() && n > 17) continue;
        double *j = calloc(n * n, sizeof *j), *h = malloc(n * sizeof *h);
        zs_rng g;
        zs_rng_init(&g, 5, k);
        for (size_t a = 0; a < n; a++) {
            h[a] = 0.4 * zs_rng_normal(&g);
            for (size_t b = a + 1; b < n; b++) j[a * n + b] = j[b * n + a] = 0.5 * zs_rng_normal(&g);
        }
        zs_pairwise *m = NULL;
        CHECK(zs_pairwise_alloc_dense(NULL, n, j, h, &m) == ZS_OK);
        double betas[] = {0.3, 1.0, 60.0}; /* 60: past the matrix kernel's range, VEXP */
        for (int b = 0; b < 3; b++) {
            exact e = brute(n, j, h, 0.0, betas[b]);
            zs_pairwise_thermo t;
            CHECK(zs_pairwise_thermo_compute(m, betas[b], &(zs_pairwise_thermo_opts){ZS_PAIRWISE_AUTO, 0}, &t) == ZS_OK);
            CHECK(t.method == ZS_PAIRWISE_ENUMERATE);
            check_thermo(&t, &e, 1e-10, 1, 1);
            double l1, l2;
            CHECK(pairwise_enumerate_lnz_kernel(m, betas[b], PAIRWISE_KERNEL_VEXP, &l1) == ZS_OK);
            CHECK_REL(l1, e.lnz, 1e-12);
            if (b < 2) {
                CHECK(pairwise_enumerate_lnz_kernel(m, betas[b], PAIRWISE_KERNEL_MATVEC, &l2) == ZS_OK);
                CHECK_REL(l2, e.lnz, 1e-12);
            }
        }
        zs_pairwise_free(m);
        free(j);
        free(h);
    }
}

static void boltzmann_machine_conversion_is_exact(void) {
    size_t n = 9;
    double w[81] = {0}, b[9], jd[81], hd[9];
    zs_rng g;
    zs_rng_init(&g, 11, 0);
    for (size_t a = 0; a < n; a++) {
        b[a] = zs_rng_normal(&g);
        for (size_t c = a + 1; c < n; c++) w[a * n + c] = w[c * n + a] = zs_rng_normal(&g);
    }
    zs_pairwise *m = NULL;
    CHECK(zs_pairwise_alloc_bm(NULL, n, w, b, &m) == ZS_OK);
    /* ln Z of the 0/1 energy summed directly */
    double beta = 0.8, mx = -HUGE_VAL, z = 0.0;
    for (int pass = 0; pass < 2; pass++)
        for (uint64_t x = 0; x < 512; x++) {
            double e = 0.0;
            for (size_t a = 0; a < n; a++) {
                double xa = (double)((x >> a) & 1u);
                e -= b[a] * xa;
                for (size_t c = a + 1; c < n; c++) e -= w[a * n + c] * xa * (double)((x >> c) & 1u);
            }
            if (pass == 0 && -beta * e > mx) mx = -beta * e;
            if (pass == 1) z += exp(-beta * e - mx);
            /* the model's energy of the same state (x = 1 is s = +1) */
            if (pass == 0) {
                int8_t s[9];
                for (size_t a = 0; a < n; a++) s[a] = (x >> a) & 1u ? 1 : -1;
                CHECK_REL(zs_pairwise_energy(m, s), e, 1e-12);
            }
        }
    double l;
    CHECK(zs_pairwise_lnz_enumerate(m, beta, &l) == ZS_OK);
    CHECK_REL(l, mx + log(z), 1e-12);
    /* round trip: W and b back, and the shift E_bm - E_ising(without offset) */
    double w2[81], b2[9], shift;
    CHECK(zs_pairwise_bm_params(m, w2, b2, &shift) == ZS_OK);
    for (size_t i = 0; i < 81; i++) CHECK_REL(w2[i], w[i], 1e-13);
    for (size_t i = 0; i < 9; i++) CHECK_REL(b2[i], b[i], 1e-13);
    CHECK(zs_pairwise_dense(m, jd, hd) == ZS_OK);
    double js = 0, hs = 0;
    for (size_t a = 0; a < n; a++) {
        hs += hd[a];
        for (size_t c = a + 1; c < n; c++) js += jd[a * n + c];
    }
    CHECK_REL(shift + zs_pairwise_offset(m), js - hs, 1e-12);
    zs_pairwise_free(m);
}

/* ---- density of states -------------------------------------------------------------------- */
typedef struct dos_acc {
    double e[600];
    char c[600][48];
    size_t n;
} dos_acc;

static int dos_cb(void *u, double e, const char *c) {
    dos_acc *d = u;
    if (d->n >= 600) return 1;
    d->e[d->n] = e;
    snprintf(d->c[d->n], 48, "%s", c);
    d->n++;
    return 0;
}

static const char *dos_at(const dos_acc *d, double e) {
    for (size_t i = 0; i < d->n; i++)
        if (d->e[i] == e) return d->c[i];
    return "absent";
}

static void dos_reproduces_the_published_torus_counts(void) {
    zs_lattice_spec sp = {4, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise *m = NULL;
    zs_pairwise_alloc_lattice(NULL, &sp, &m);
    const double es[] = {-32, -24, -20, -16, -12, -8, -4, 0};
    const char *cs[] = {"2", "32", "64", "424", "1728", "6688", "13568", "20524"};
    for (int meth = 1; meth <= 2; meth++) {
        dos_acc *d = calloc(1, sizeof *d);
        CHECK(zs_pairwise_dos(m, (zs_pairwise_method)meth, dos_cb, d) == ZS_OK);
        for (int i = 0; i < 8; i++) {
            CHECK(strcmp(dos_at(d, es[i]), cs[i]) == 0);
            CHECK(strcmp(dos_at(d, -es[i]), cs[i]) == 0);
        }
        CHECK_EQ_INT(d->n, 15);
        free(d);
    }
    zs_pairwise_free(m);
    if (check_sanitized()) return; /* a few seconds in Release, minutes under ASan */
    zs_lattice_spec s8 = {8, 8, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise_alloc_lattice(NULL, &s8, &m);
    dos_acc *d = calloc(1, sizeof *d);
    CHECK(zs_pairwise_dos(m, ZS_PAIRWISE_TRANSFER, dos_cb, d) == ZS_OK);
    CHECK_STR(dos_at(d, 0.0), "2627978003957146636");
    /* Z(beta) from the counts matches Kaufman at beta = 0.3 */
    double mx = -HUGE_VAL, z = 0.0, l;
    for (size_t i = 0; i < d->n; i++) mx = fmax(mx, -0.3 * d->e[i]);
    for (size_t i = 0; i < d->n; i++) z += strtod(d->c[i], NULL) * exp(-0.3 * d->e[i] - mx);
    zs_ising_kaufman_lnz(8, 8, 0.3, &l);
    CHECK_REL(mx + log(z), l, 1e-13);
    free(d);
    zs_pairwise_free(m);
}

/* zs_pairwise_dos_check: the 4 x 4 torus by transfer matrix is 8 starts x 16 frontier states
 * (4 wide) x 65 energies: 86 784 count cells at 2.5 ns (0.217 ms), and arrays of (2 S B + B)
 * 16-byte counts, 34 320 bytes; refused just past either, accepted at them. */
static void dos_check_refuses_by_time_and_memory_before_any_work(void) {
    zs_lattice_spec sp = {4, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_ctx *ctx = zs_ctx_alloc();
    zs_pairwise *m = NULL;
    zs_ctx_set_threads(ctx, 1);
    CHECK(zs_pairwise_alloc_lattice(ctx, &sp, &m) == ZS_OK);
    CHECK_REL(zs_pairwise_dos_seconds(m, ZS_PAIRWISE_TRANSFER), 86784 * 2.5e-9, 1e-12);
    CHECK(zs_pairwise_dos_check(m, ZS_PAIRWISE_TRANSFER, 0.00022, 34320) == ZS_OK);
    CHECK(zs_pairwise_dos_check(m, ZS_PAIRWISE_TRANSFER, 0.00021, 0) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "16 frontier states x 65 energies over 16 sites (8.68e+04 count "
                                     "updates) take about 0.00022 seconds on 1 thread") != NULL);
    CHECK(zs_pairwise_dos_check(m, ZS_PAIRWISE_TRANSFER, 0, 34319) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "need 33.5 KiB of counts, over the limit of 33.5 KiB") != NULL);
    CHECK(zs_pairwise_dos_check(m, ZS_PAIRWISE_CLOSED, 0, 0) == ZS_EUNSUPPORTED);
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
}

static void dos_agrees_with_a_brute_histogram_with_fields(void) {
    /* 3x4 open lattice, integer couplings of both signs and integer fields */
    double jh[12], jv[12], h[12], j[144];
    int jhv[] = {1, -2, 1, 0, 2, 1, -1, 0, 1, 1, 2, 0};
    int jvv[] = {1, 1, -1, 2, 2, -1, 1, 1, 0, 0, 0, 0};
    int hv[] = {0, 1, -1, 0, 2, 0, 0, -1, 1, 0, 0, 3};
    for (int i = 0; i < 12; i++) {
        jh[i] = jhv[i];
        jv[i] = jvv[i];
        h[i] = hv[i];
    }
    lattice_dense(3, 4, 0, 0, jh, jv, j);
    long hist[200] = {0};
    for (uint64_t x = 0; x < 4096; x++) hist[(long)energy_of(12, j, h, 0.0, x) + 100]++;
    zs_lattice_spec sp = {3, 4, 0, 0, 0.0, 0.0, jh, jv, h};
    zs_pairwise *m = NULL;
    CHECK(zs_pairwise_alloc_lattice(NULL, &sp, &m) == ZS_OK);
    for (int meth = 1; meth <= 2; meth++) {
        dos_acc *d = calloc(1, sizeof *d);
        CHECK(zs_pairwise_dos(m, (zs_pairwise_method)meth, dos_cb, d) == ZS_OK);
        size_t nonzero = 0;
        for (int e = 0; e < 200; e++)
            if (hist[e]) {
                nonzero++;
                char want[32];
                snprintf(want, sizeof want, "%ld", hist[e]);
                CHECK(strcmp(dos_at(d, e - 100.0), want) == 0);
            }
        CHECK_EQ_INT(d->n, nonzero);
        free(d);
    }
    zs_pairwise_free(m);
}

/* ---- threads ------------------------------------------------------------------------------- */
static void results_do_not_depend_on_the_thread_count(void) {
    zs_ctx *c1 = zs_ctx_alloc(), *c2 = zs_ctx_alloc();
    zs_ctx_set_threads(c1, 1);
    zs_ctx_set_threads(c2, 2);
    zs_pairwise *a = NULL, *b = NULL;
    zs_pairwise_alloc_random_bm(c1, 22, 4, &a);
    zs_pairwise_alloc_random_bm(c2, 22, 4, &b);
    zs_pairwise_thermo ta, tb;
    zs_pairwise_thermo_compute(a, 0.7, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_ENUMERATE, 0}, &ta);
    zs_pairwise_thermo_compute(b, 0.7, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_ENUMERATE, 0}, &tb);
    CHECK(memcmp(&ta, &tb, sizeof ta) == 0);
    zs_pairwise_sample_opts o = {ZS_MCMC_METROPOLIS, 0.5, 64, 10, 3, 77};
    zs_mcmc_result ra, rb;
    CHECK(zs_pairwise_sample(a, &o, &ra) == ZS_OK);
    CHECK(zs_pairwise_sample(b, &o, &rb) == ZS_OK);
    CHECK(memcmp(&ra, &rb, sizeof ra) == 0);
    zs_pairwise_free(a);
    zs_pairwise_free(b);
    zs_ctx_free(c1);
    zs_ctx_free(c2);
}

/* ---- sampling: within 4 error bars of the exact values --------------------------------------- */
static int within(zs_estimate e, double exact_value) {
    return fabs(e.value - exact_value) <= 4.0 * e.std_error && e.std_error > 0;
}

static void samplers_agree_with_exact_values_within_four_error_bars(void) {
    size_t R = 4, C = 4, n = 16;
    double jh[16], jv[16], h[16] = {0}, j[256];
    for (size_t i = 0; i < n; i++) jh[i] = jv[i] = 1.0;
    lattice_dense(R, C, 1, 1, jh, jv, j);
    zs_lattice_spec sp = {R, C, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise *m = NULL;
    zs_pairwise_alloc_lattice(NULL, &sp, &m);
    double temps[] = {1.6, 2.269, 3.5};
    uint64_t sweeps = check_sanitized() ? 3200 : 16000;
    for (int t = 0; t < 3; t++) {
        double beta = 1.0 / temps[t];
        exact e = brute(n, j, h, 0.0, beta);
        for (int k = 0; k < 3; k++) {
            zs_pairwise_sample_opts o = {(zs_mcmc_kind)k, beta, sweeps, 500, 4, 1000 + (uint64_t)t};
            zs_mcmc_result r;
            CHECK(zs_pairwise_sample(m, &o, &r) == ZS_OK);
            CHECK(within(r.u, e.u));
            CHECK(within(r.absm, e.absm));
            CHECK(within(r.c, e.c));
            CHECK(within(r.chi, e.chi));
            if (!within(r.u, e.u) || !within(r.c, e.c) || !within(r.chi, e.chi) || !within(r.absm, e.absm))
                printf("  T = %g kind %d: U %g+-%g (%g) |M| %g+-%g (%g) C %g+-%g (%g) chi %g+-%g (%g)\n",
                       temps[t], k, r.u.value, r.u.std_error, e.u, r.absm.value, r.absm.std_error,
                       e.absm, r.c.value, r.c.std_error, e.c, r.chi.value, r.chi.std_error, e.chi);
        }
    }
    zs_pairwise_free(m);
    /* a dense frustrated model with fields: single-spin samplers */
    size_t nd = 10;
    double jd[100] = {0}, hd[10];
    zs_rng g;
    zs_rng_init(&g, 3, 3);
    for (size_t a = 0; a < nd; a++) {
        hd[a] = 0.5 * zs_rng_normal(&g);
        for (size_t b = a + 1; b < nd; b++) jd[a * nd + b] = jd[b * nd + a] = 0.6 * zs_rng_normal(&g);
    }
    zs_pairwise_alloc_dense(NULL, nd, jd, hd, &m);
    exact e = brute(nd, jd, hd, 0.0, 1.0);
    for (int k = 0; k < 2; k++) {
        zs_pairwise_sample_opts o = {(zs_mcmc_kind)k, 1.0, sweeps, 500, 4, 9};
        zs_mcmc_result r;
        CHECK(zs_pairwise_sample(m, &o, &r) == ZS_OK);
        CHECK(within(r.u, e.u));
        CHECK(within(r.m, e.m));
        CHECK(within(r.c, e.c));
        CHECK(within(r.chi, e.chi));
    }
    zs_pairwise_sample_opts o = {ZS_MCMC_WOLFF, 1.0, 64, 0, 1, 9};
    zs_mcmc_result r;
    CHECK(zs_pairwise_sample(m, &o, &r) == ZS_EUNSUPPORTED);
    zs_pairwise_free(m);
}

/* Honest error bars: at every temperature and for every sampler, each estimate (U, C, M, |M|,
 * chi, chi' = beta (<M^2> - <|M|>^2), Binder's U_4 = 1 - <M^4> / (3 <M^2>^2)) lies within 4
 * of its standard errors of the exact value (enumeration), or the run says it did not mix. */
static void estimates_are_within_their_error_bars_or_the_run_says_it_did_not_mix(void) {
    size_t n = 16;
    double jh[16], jv[16], h[16] = {0}, j[256];
    for (size_t i = 0; i < n; i++) jh[i] = jv[i] = 1.0;
    lattice_dense(4, 4, 1, 1, jh, jv, j);
    zs_lattice_spec sp = {4, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise *m = NULL;
    zs_pairwise_alloc_lattice(NULL, &sp, &m);
    double temps[] = {0.8, 1.2, 1.6, 2.0, 2.269, 2.6, 3.5, 6.0};
    uint64_t sweeps = check_sanitized() ? 1600 : 6400;
    int mixed = 0, runs = 0;
    for (int t = 0; t < 8; t++) {
        double beta = 1.0 / temps[t];
        exact e = brute(n, j, h, 0.0, beta);
        double chi_abs = beta * (e.m2 - e.absm * e.absm), binder = 1.0 - e.m4 / (3.0 * e.m2 * e.m2);
        for (int k = 0; k < 3; k++) {
            zs_pairwise_sample_opts o = {(zs_mcmc_kind)k, beta, sweeps, 500, 4, 300 + (uint64_t)t};
            zs_mcmc_result r;
            CHECK(zs_pairwise_sample(m, &o, &r) == ZS_OK);
            runs++;
            int ok = within(r.u, e.u) && within(r.c, e.c) && within(r.m, e.m) && within(r.absm, e.absm) &&
                     within(r.chi, e.chi) && within(r.chi_abs, chi_abs) && within(r.binder, binder);
            CHECK(ok || !r.mixed);
            mixed += r.mixed;
            if (!ok)
                printf("  T = %g kind %d (mixed %d, tau %g %g %g, rhat %g %g %g): U %g+-%g (%g) M %g+-%g "
                       "|M| %g+-%g (%g) C %g+-%g (%g) chi %g+-%g (%g) chi' %g+-%g (%g) U4 %g+-%g (%g)\n",
                       temps[t], k, r.mixed, r.tau_u, r.tau_m, r.tau_absm, r.rhat_u, r.rhat_m, r.rhat_absm,
                       r.u.value, r.u.std_error, e.u, r.m.value, r.m.std_error, r.absm.value,
                       r.absm.std_error, e.absm, r.c.value, r.c.std_error, e.c, r.chi.value,
                       r.chi.std_error, e.chi, r.chi_abs.value, r.chi_abs.std_error, chi_abs,
                       r.binder.value, r.binder.std_error, binder);
        }
    }
    printf("  %d of %d runs mixed\n", mixed, runs);
    CHECK(mixed >= runs / 2); /* not vacuous: most runs do mix and are checked */
    zs_pairwise_free(m);
    /* The case that motivated it: 8x8 below T_c by Metropolis never tunnels between the ordered
     * states; the chains' overdispersed starts make R-hat say so. */
    zs_lattice_spec s8 = {8, 8, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise_alloc_lattice(NULL, &s8, &m);
    zs_pairwise_sample_opts o = {ZS_MCMC_METROPOLIS, 1.0, 3200, 500, 4, 5};
    zs_mcmc_result r;
    CHECK(zs_pairwise_sample(m, &o, &r) == ZS_OK);
    CHECK(!r.mixed && r.rhat_m > 10);
    /* a high temperature mixes, and tau is short */
    o.beta = 0.2;
    CHECK(zs_pairwise_sample(m, &o, &r) == ZS_OK);
    CHECK(r.mixed && r.tau_u < 5 && fabs(r.rhat_u - 1) < 0.05);
    /* chi' and U4 at infinite temperature: M is a sum of 64 independent signs, <M^2> = 64,
     * <M^4> = 3 64^2 - 2 64, so U4 = 1 - (3 64^2 - 128) / (3 64^2) = 2 / 192 */
    o.beta = 0.0;
    o.sweeps = 32000;
    o.kind = ZS_MCMC_HEATBATH; /* Metropolis at beta = 0 flips every spin every sweep */
    CHECK(zs_pairwise_sample(m, &o, &r) == ZS_OK);
    CHECK(within(r.binder, 2.0 / 192.0) && r.mixed);
    CHECK(r.c.value == 0.0);
    if (!within(r.binder, 2.0 / 192.0) || !r.mixed)
        printf("  beta 0: U4 %g+-%g (%g), mixed %d\n", r.binder.value, r.binder.std_error, 2.0 / 192.0, r.mixed);
    zs_pairwise_free(m);
}

/* ---- rejections ------------------------------------------------------------------------------ */
static void bad_models_are_rejected_with_the_entry_named(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_pairwise *m = NULL;
    double j[9] = {0, 1, 2, 1, 0, 3, 2, 3.5, 0};
    CHECK(zs_pairwise_alloc_dense(ctx, 3, j, NULL, &m) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "(1,2)") != NULL);
    double d[4] = {0.5, 1, 1, 0};
    CHECK(zs_pairwise_alloc_bm(ctx, 2, d, NULL, &m) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "diagonal") != NULL);
    double nn[4] = {0, NAN, NAN, 0};
    CHECK(zs_pairwise_alloc_dense(ctx, 2, nn, NULL, &m) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "not finite") != NULL);
    zs_lattice_spec sp = {7, 7, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    CHECK(zs_pairwise_alloc_lattice(ctx, &sp, &m) == ZS_OK);
    zs_pairwise_thermo t;
    /* 49 spins: about 2^49 / 1e9 s per thread, over the default hour; the message names the
     * limit and a method that would do */
    zs_pairwise_thermo_opts lim;
    zs_pairwise_thermo_defaults(&lim);
    lim.method = ZS_PAIRWISE_ENUMERATE;
    CHECK(zs_pairwise_thermo_compute(m, 0.3, &lim, &t) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "transfer") != NULL);
    CHECK(strstr(zs_last_error(ctx), "over the limit of 3600 s") != NULL);
    CHECK(zs_pairwise_thermo_compute(m, HUGE_VAL, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_AUTO, 0}, &t) == ZS_EINVAL);
    zs_pairwise_free(m);
    /* T past 1e200 would overflow F = -T ln Z (ln Z = 16 ln 2 at beta -> 0); beta = 0 is
     * allowed, its F not given (NaN). */
    zs_lattice_spec small = {4, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    CHECK(zs_pairwise_alloc_lattice(ctx, &small, &m) == ZS_OK);
    const zs_pairwise_thermo_opts enumerate = {ZS_PAIRWISE_ENUMERATE, 0};
    CHECK(zs_pairwise_thermo_compute(m, 1e-201, &enumerate, &t) == ZS_ERANGE);
    CHECK(strstr(zs_last_error(ctx), "below 1e-200") != NULL);
    CHECK(zs_pairwise_thermo_compute(m, -1e-201, &enumerate, &t) == ZS_ERANGE);
    CHECK(zs_pairwise_thermo_compute(m, 1e-200, &enumerate, &t) == ZS_OK);
    CHECK_REL(t.lnz, 16 * log(2.0), 1e-15);
    CHECK(isfinite(t.f) && t.f < -1e200);
    CHECK(zs_pairwise_thermo_compute(m, 0.0, &enumerate, &t) == ZS_OK);
    CHECK(isnan(t.f));
    zs_pairwise_free(m);
    zs_lattice_spec big = {40, 40, 0, 0, 1.0, 0.5, NULL, NULL, NULL};
    CHECK(zs_pairwise_alloc_lattice(ctx, &big, &m) == ZS_OK);
    CHECK(zs_pairwise_thermo_compute(m, 0.3, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_AUTO, 0}, &t) == ZS_ETOOBIG);
    CHECK(zs_pairwise_thermo_compute(m, 0.3, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_CLOSED, 0}, &t) == ZS_EUNSUPPORTED);
    zs_pairwise_free(m);
    zs_lattice_spec one = {1, 1, 0, 1, 1.0, 0.0, NULL, NULL, NULL};
    CHECK(zs_pairwise_alloc_lattice(ctx, &one, &m) == ZS_EINVAL);
    zs_ctx_free(ctx);
}

/* Write an .npz with arrays named names[k] of the given shapes and values (float64). */
static int write_npz(const char *path, size_t count, const char *const *names, const int *ndims,
                     uint64_t (*shapes)[2], const double *const *values) {
    zs_array *a[3] = {NULL, NULL, NULL};
    int ok = 1;
    for (size_t k = 0; k < count && ok; k++) {
        ok = zs_array_alloc(NULL, ZS_DTYPE_F8, ndims[k], shapes[k], &a[k]) == ZS_OK;
        size_t len = (size_t)shapes[k][0] * (ndims[k] == 2 ? (size_t)shapes[k][1] : 1);
        if (ok) memcpy(zs_array_data(a[k]), values[k], len * sizeof(double));
    }
    if (ok) ok = zs_npz_write(NULL, path, count, names, (const zs_array *const *)a, 0) == ZS_OK;
    for (size_t k = 0; k < count; k++) zs_array_free(a[k]);
    return ok;
}

/* zs_pairwise_load_bm: the file's machine is the one zs_pairwise_alloc_bm builds from the same
 * arrays; each bad file is refused with the path, the array and (where there is one) the
 * entry named. */
static void boltzmann_machine_files_load_and_bad_ones_are_named(void) {
    enum { N = 4 };
    char dir[] = "/tmp/zsum_test_bm_XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/m.npz", dir);
    double w[N * N] = {0, 0.5, -1.25, 0.75, 0.5, 0, 2.0, 0, -1.25, 2.0, 0, -0.375, 0.75, 0, -0.375, 0};
    double b[N] = {0.25, -0.5, 1.0, 0.125};
    const char *wb[2] = {"W", "b"};
    int nd[2] = {2, 1};
    uint64_t sh[2][2] = {{N, N}, {N, 0}};
    const double *vals[2] = {w, b};
    zs_ctx *ctx = zs_ctx_alloc();
    zs_pairwise *got = NULL, *want = NULL;
    CHECK(write_npz(path, 2, wb, nd, sh, vals));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_OK);
    CHECK_EQ_INT(zs_pairwise_alloc_bm(NULL, N, w, b, &want), ZS_OK);
    if (got && want) {
        CHECK_EQ_INT(zs_pairwise_units(got), N);
        CHECK(zs_pairwise_offset(got) == zs_pairwise_offset(want));
        int same = 1;
        for (unsigned x = 0; x < (1u << N); x++) {
            int8_t s[N];
            for (int i = 0; i < N; i++) s[i] = (int8_t)((x >> i) & 1u ? 1 : -1);
            same &= zs_pairwise_energy(got, s) == zs_pairwise_energy(want, s);
        }
        CHECK(same);
    }
    zs_pairwise_free(got);
    zs_pairwise_free(want);
    got = NULL;
    /* b is optional */
    CHECK(write_npz(path, 1, wb, nd, sh, vals));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_OK);
    zs_pairwise_free(got);
    got = NULL;
    /* no W */
    const char *bonly[1] = {"b"};
    int nd1[1] = {1};
    uint64_t sh1[1][2] = {{N, 0}};
    const double *v1[1] = {b};
    CHECK(write_npz(path, 1, bonly, nd1, sh1, v1));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "no array 'W'") != NULL);
    /* shapes that do not fit */
    uint64_t rect[2][2] = {{2, 8}, {N, 0}};
    CHECK(write_npz(path, 2, wb, nd, rect, vals));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "W has shape (2, 8)") != NULL);
    uint64_t shortb[2][2] = {{N, N}, {N - 1, 0}};
    CHECK(write_npz(path, 2, wb, nd, shortb, vals));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "b has shape (3,)") != NULL);
    CHECK(strncmp(zs_last_error(ctx), path, strlen(path)) == 0);
    /* asymmetric W: refused, or averaged when asked */
    w[1 * N + 2] = 1.0;
    CHECK(write_npz(path, 2, wb, nd, sh, vals));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "W: not symmetric: entry (1,2)") != NULL);
    CHECK(strncmp(zs_last_error(ctx), path, strlen(path)) == 0);
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 1, &got), ZS_OK);
    w[1 * N + 2] = w[2 * N + 1] = 1.5; /* the average of 1 and 2 */
    CHECK_EQ_INT(zs_pairwise_alloc_bm(NULL, N, w, b, &want), ZS_OK);
    int8_t s[N] = {1, 1, 1, -1};
    if (got && want) CHECK(zs_pairwise_energy(got, s) == zs_pairwise_energy(want, s));
    zs_pairwise_free(got);
    zs_pairwise_free(want);
    got = NULL;
    w[1 * N + 2] = w[2 * N + 1] = 2.0;
    /* a non-zero diagonal, NaN in W, NaN in b */
    w[3 * N + 3] = 0.5;
    CHECK(write_npz(path, 2, wb, nd, sh, vals));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "W: diagonal entry (3,3)") != NULL);
    w[3 * N + 3] = 0.0;
    w[0 * N + 3] = w[3 * N + 0] = (double)NAN;
    CHECK(write_npz(path, 2, wb, nd, sh, vals));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "W: entry (0,3) = nan is not finite") != NULL);
    w[0 * N + 3] = w[3 * N + 0] = 0.75;
    b[2] = (double)NAN;
    CHECK(write_npz(path, 2, wb, nd, sh, vals));
    CHECK_EQ_INT(zs_pairwise_load_bm(ctx, path, 0, &got), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "b: entry 2 = nan is not finite") != NULL);
    CHECK(got == NULL);
    /* no file */
    remove(path);
    CHECK(zs_pairwise_load_bm(ctx, path, 0, &got) != ZS_OK);
    CHECK(strstr(zs_last_error(ctx), path) != NULL);
    rmdir(dir);
    zs_ctx_free(ctx);
}

/* max_seconds bounds enumeration at any size when given (the estimate: 2^n / 1e9 s per
 * thread); <= 0 is no limit; the defaults give ZS_PAIRWISE_ENUMERATE_SECONDS. */
static void enumeration_obeys_the_time_limit_of_its_options(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_ctx_set_threads(ctx, 1);
    zs_lattice_spec sp = {4, 5, 0, 0, 1.0, 0.1, NULL, NULL, NULL};
    zs_pairwise *m = NULL;
    CHECK(zs_pairwise_alloc_lattice(ctx, &sp, &m) == ZS_OK);
    zs_pairwise_thermo_opts o;
    zs_pairwise_thermo_defaults(&o);
    CHECK(o.method == ZS_PAIRWISE_AUTO && o.max_seconds == ZS_PAIRWISE_ENUMERATE_SECONDS);
    o.method = ZS_PAIRWISE_ENUMERATE;
    o.max_seconds = 1e-4; /* 2^20 states: about 1e-3 s */
    zs_pairwise_thermo t, u;
    CHECK_EQ_INT(zs_pairwise_thermo_compute(m, 0.4, &o, &t), ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "2^20 states of 20 spins") != NULL);
    CHECK(strstr(zs_last_error(ctx), "over the limit of 0.0001 s") != NULL);
    o.max_seconds = 0.0;
    CHECK_EQ_INT(zs_pairwise_thermo_compute(m, 0.4, &o, &t), ZS_OK);
    o.max_seconds = 10.0;
    CHECK_EQ_INT(zs_pairwise_thermo_compute(m, 0.4, &o, &u), ZS_OK);
    CHECK(t.lnz == u.lnz && t.u == u.u);
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
}

/* ---- the closed forms from the lattice's description alone ------------------------------ */
static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static int same_thermo(const zs_pairwise_thermo *a, const zs_pairwise_thermo *b) {
    return same_bits(a->lnz, b->lnz) && same_bits(a->u, b->u) && same_bits(a->f, b->f) &&
           same_bits(a->s, b->s) && same_bits(a->c, b->c) && same_bits(a->m, b->m) &&
           same_bits(a->absm, b->absm) && same_bits(a->chi, b->chi) && a->method == b->method;
}

/* zs_lattice_thermo_compute (no model where CLOSED runs) against zs_pairwise_thermo_compute
 * on the built model: the same status, message and bits, for every method, the chain's
 * low-T moments (which build the model) and the refusals. */
static void lattice_thermo_equals_the_models_bit_for_bit(void) {
    static const struct { size_t r, c; int pr, pc; double j, h; } specs[] = {
        {2, 2, 1, 1, 1.0, 0.0},  {4, 4, 1, 1, 1.0, 0.0},   {5, 6, 1, 1, 0.7, 0.0},
        {6, 8, 1, 1, -0.7, 0.0}, {5, 6, 1, 1, -0.7, 0.0},  {4, 4, 0, 0, 1.0, 0.0},
        {4, 4, 1, 1, 1.0, 0.5},  {1, 8, 0, 1, 1.0, 0.3},   {1, 12, 0, 0, -1.0, 0.2},
        {1, 1000, 0, 1, 1.0, 0.0}, {1, 1000, 0, 0, 0.5, -0.1}, {30, 30, 1, 1, 1.0, 0.0},
        {4, 4, 1, 1, 0.0, 0.0},  {1, 5, 0, 1, 1e3, 0.0}};
    static const double betas[] = {0.0, 0.1, 0.4406867935097715, 1.0, 5.0, 50.0, 400.0, -0.3};
    static const zs_pairwise_method methods[] = {ZS_PAIRWISE_AUTO, ZS_PAIRWISE_CLOSED,
                                                 ZS_PAIRWISE_TRANSFER, ZS_PAIRWISE_ENUMERATE};
    zs_ctx *c1 = zs_ctx_alloc(), *c2 = zs_ctx_alloc();
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        zs_lattice_spec sp = {specs[k].r, specs[k].c, specs[k].pr, specs[k].pc, specs[k].j,
                              specs[k].h, NULL, NULL, NULL};
        zs_pairwise *m = NULL, shape;
        CHECK_EQ_INT(zs_pairwise_alloc_lattice(c1, &sp, &m), ZS_OK);
        CHECK_EQ_INT(pairwise_lattice_shape(c1, &sp, &shape), ZS_OK);
        CHECK(shape.nb == m->nb && shape.n == m->n && shape.uniform == 1 && !shape.h && !shape.bi);
        for (size_t a = 0; a < sizeof methods / sizeof methods[0]; a++) {
            if (methods[a] == ZS_PAIRWISE_ENUMERATE && m->n > 16) continue;   /* 2^16 states: enough for bit-equality */
            if (methods[a] == ZS_PAIRWISE_TRANSFER && m->n > 100) continue;
            for (size_t b = 0; b < sizeof betas / sizeof betas[0]; b++) {
                zs_pairwise_thermo_opts o;
                zs_pairwise_thermo_defaults(&o);
                o.method = methods[a];
                zs_pairwise_thermo t1, t2;
                memset(&t1, 0, sizeof t1);
                memset(&t2, 0, sizeof t2);
                zs_status s1 = zs_pairwise_thermo_compute(m, betas[b], &o, &t1);
                zs_status s2 = zs_lattice_thermo_compute(c2, &sp, betas[b], &o, &t2);
                CHECK_EQ_INT(s2, s1);
                if (s1 == ZS_OK) {
                    if (!same_thermo(&t1, &t2))
                        printf("  %zux%zu J=%g h=%g method %d beta %g differ\n", sp.rows, sp.cols,
                               sp.j, sp.h, (int)o.method, betas[b]);
                    CHECK(same_thermo(&t1, &t2));
                } else {
                    CHECK(!strcmp(zs_last_error(c1), zs_last_error(c2)));
                }
            }
        }
        zs_pairwise_free(m);
    }
    /* a description the constructor refuses is refused with its message, per-bond arrays and
     * NaN beta included */
    zs_lattice_spec bad[] = {{0, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL},
                             {4097, 4096, 1, 1, 1.0, 0.0, NULL, NULL, NULL},
                             {1, 1, 0, 1, 1.0, 0.0, NULL, NULL, NULL},
                             {4, 4, 1, 1, NAN, 0.0, NULL, NULL, NULL}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        zs_pairwise *m = NULL;
        zs_pairwise_thermo t;
        CHECK(zs_pairwise_alloc_lattice(c1, &bad[k], &m) == ZS_EINVAL && !m);
        CHECK_EQ_INT(zs_lattice_thermo_compute(c2, &bad[k], 1.0, NULL, &t), ZS_EINVAL);
        CHECK(!strcmp(zs_last_error(c1), zs_last_error(c2)));
    }
    double jh[16];
    for (int i = 0; i < 16; i++) jh[i] = 1.0;
    zs_lattice_spec arr = {4, 4, 1, 1, 1.0, 0.0, jh, NULL, NULL};
    zs_pairwise_thermo_opts o;
    zs_pairwise_thermo_defaults(&o);
    o.method = ZS_PAIRWISE_CLOSED;
    zs_pairwise_thermo t;
    CHECK_EQ_INT(zs_lattice_thermo_compute(c2, &arr, 1.0, &o, &t), ZS_EUNSUPPORTED);
    CHECK(strstr(zs_last_error(c2), "uniform couplings") != NULL);
    zs_lattice_spec torus = {8, 8, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    CHECK_EQ_INT(zs_lattice_thermo_compute(c2, &torus, NAN, &o, &t), ZS_EINVAL);
    CHECK(strstr(zs_last_error(c2), "not finite") != NULL);
    CHECK_EQ_INT(zs_lattice_thermo_compute(c2, NULL, 1.0, &o, &t), ZS_EINVAL);
    zs_ctx_free(c1);
    zs_ctx_free(c2);
}

/* zs_pairwise_thermo_seconds and zs_lattice_thermo_seconds: the estimate the call's own
 * refusal uses. Where finite, a limit just under it refuses (ENUMERATE, TRANSFER) and one
 * just over it runs; where HUGE_VAL, the call refuses whatever the limit. The description
 * gives the built model's estimate bit for bit; the closed torus's estimate grows where C
 * comes from the transfer matrix, and the transfer matrix's in log mode (low T). */
static void thermo_seconds_are_the_estimates_the_refusals_use(void) {
    static const struct { size_t r, c; int pr, pc; double j, h; } specs[] = {
        {2, 2, 1, 1, 1.0, 0.0}, {4, 4, 1, 1, 1.0, 0.0}, {4, 4, 0, 0, 1.0, 0.0}, {2, 9, 0, 0, 0.5, 0.2},
        {4, 4, 1, 1, 1.0, 0.5}, {1, 12, 0, 0, -1.0, 0.2}, {1, 1000, 0, 1, 1.0, 0.0}, {30, 30, 1, 1, 1.0, 0.0},
        {40, 40, 0, 0, 1.0, 0.0}, {3, 5, 1, 0, 0.0, 0.3}};
    static const double betas[] = {0.0, 0.1, 1.0, 5.0, 50.0, -0.3};
    static const zs_pairwise_method methods[] = {ZS_PAIRWISE_AUTO, ZS_PAIRWISE_CLOSED,
                                                 ZS_PAIRWISE_TRANSFER, ZS_PAIRWISE_ENUMERATE};
    zs_ctx *c1 = zs_ctx_alloc(), *c2 = zs_ctx_alloc();
    zs_ctx_set_threads(c1, 1);
    zs_ctx_set_threads(c2, 1);
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        zs_lattice_spec sp = {specs[k].r, specs[k].c, specs[k].pr, specs[k].pc, specs[k].j,
                              specs[k].h, NULL, NULL, NULL};
        zs_pairwise *m = NULL;
        CHECK_EQ_INT(zs_pairwise_alloc_lattice(c1, &sp, &m), ZS_OK);
        for (size_t a = 0; a < sizeof methods / sizeof methods[0]; a++)
            for (size_t b = 0; b < sizeof betas / sizeof betas[0]; b++) {
                zs_pairwise_thermo_opts o;
                zs_pairwise_thermo_defaults(&o);
                o.method = methods[a];
                const double secs = zs_pairwise_thermo_seconds(m, betas[b], &o);
                CHECK(same_bits(secs, zs_lattice_thermo_seconds(c2, &sp, betas[b], &o)));
                CHECK(secs > 0.0);
                zs_pairwise_thermo t;
                if (secs == HUGE_VAL) {
                    o.max_seconds = 0.0;
                    CHECK(zs_pairwise_thermo_compute(m, betas[b], &o, &t) != ZS_OK);
                    continue;
                }
                if (o.method == ZS_PAIRWISE_TRANSFER || o.method == ZS_PAIRWISE_ENUMERATE) {
                    o.max_seconds = secs * (1.0 - 1e-9);
                    CHECK_EQ_INT(zs_pairwise_thermo_compute(m, betas[b], &o, &t), ZS_ETOOBIG);
                    CHECK(strstr(zs_last_error(c1), "over the limit") != NULL);
                }
                if (secs < 0.05) { /* small enough to run here */
                    o.max_seconds = secs * (1.0 + 1e-9);
                    zs_status st = zs_pairwise_thermo_compute(m, betas[b], &o, &t);
                    CHECK(st == ZS_OK || (st != ZS_ETOOBIG && strstr(zs_last_error(c1), "over the limit") == NULL));
                }
            }
        zs_pairwise_free(m);
    }
    /* the 4 x 4 torus at beta = 5: Kaufman's C cancels and the transfer matrix gives it, so
     * its estimate counts the transfer matrix's; at beta = 0.1 Kaufman alone */
    zs_lattice_spec torus = {4, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise_thermo_opts closed, transfer;
    zs_pairwise_thermo_defaults(&closed);
    zs_pairwise_thermo_defaults(&transfer);
    closed.method = ZS_PAIRWISE_CLOSED;
    transfer.method = ZS_PAIRWISE_TRANSFER;
    CHECK(zs_lattice_thermo_seconds(c2, &torus, 5.0, &closed) >= zs_lattice_thermo_seconds(c2, &torus, 5.0, &transfer));
    CHECK(zs_lattice_thermo_seconds(c2, &torus, 0.1, &closed) < zs_lattice_thermo_seconds(c2, &torus, 0.1, &transfer));
    /* log mode: |beta| x (4 |J|) past 20 */
    CHECK(zs_lattice_thermo_seconds(c2, &torus, 5.01, &transfer) > 2.0 * zs_lattice_thermo_seconds(c2, &torus, 4.99, &transfer));
    CHECK(same_bits(zs_lattice_thermo_seconds(c2, &torus, 4.99, &transfer), zs_lattice_thermo_seconds(c2, &torus, 0.0, &transfer)));
    /* per-bond couplings: one strong bond puts the transfer matrix in log mode at a beta where
     * the uniform lattice is not; the description gives the built model's estimate */
    double jh[20] = {0};
    for (int i = 0; i < 20; i++) jh[i] = (i % 5 == 4) ? 0.0 : 1.0; /* 4 x 5 open: no wrap bonds */
    jh[7] = 12.0; /* site 7: |J| 1 + 12, times beta 2 past 20 */
    zs_lattice_spec arr = {4, 5, 0, 0, 0.0, 0.0, jh, NULL, NULL}, flat = {4, 5, 0, 0, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise *ma = NULL;
    CHECK_EQ_INT(zs_pairwise_alloc_lattice(c1, &arr, &ma), ZS_OK);
    CHECK(same_bits(zs_lattice_thermo_seconds(c2, &arr, 2.0, &transfer), zs_pairwise_thermo_seconds(ma, 2.0, &transfer)));
    CHECK(zs_lattice_thermo_seconds(c2, &arr, 2.0, &transfer) > 2.0 * zs_lattice_thermo_seconds(c2, &flat, 2.0, &transfer));
    zs_pairwise_free(ma);
    /* enumeration's estimate doubles with each spin */
    zs_lattice_spec chain20 = {1, 20, 0, 0, 1.0, 0.0, NULL, NULL, NULL}, chain21 = chain20;
    chain21.cols = 21;
    zs_pairwise_thermo_opts en;
    zs_pairwise_thermo_defaults(&en);
    en.method = ZS_PAIRWISE_ENUMERATE;
    CHECK_REL(zs_lattice_thermo_seconds(c2, &chain21, 1.0, &en), 2.0 * zs_lattice_thermo_seconds(c2, &chain20, 1.0, &en), 1e-15);
    /* a refused description, NULL, NaN beta: HUGE_VAL, and the context's message untouched */
    zs_lattice_spec bad = {0, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise_thermo t;
    CHECK_EQ_INT(zs_lattice_thermo_compute(c2, &torus, NAN, &closed, &t), ZS_EINVAL);
    char before[512];
    snprintf(before, sizeof before, "%s", zs_last_error(c2));
    CHECK(zs_lattice_thermo_seconds(c2, &bad, 1.0, NULL) == HUGE_VAL);
    CHECK(zs_lattice_thermo_seconds(c2, NULL, 1.0, NULL) == HUGE_VAL);
    CHECK(zs_lattice_thermo_seconds(c2, &torus, NAN, NULL) == HUGE_VAL);
    CHECK(zs_pairwise_thermo_seconds(NULL, 1.0, NULL) == HUGE_VAL);
    CHECK(!strcmp(before, zs_last_error(c2)));
    zs_ctx_free(c1);
    zs_ctx_free(c2);
}

/* The transfer matrix asks the progress hook as it goes: a hook that says stop at its k-th call
 * ends the run with ZS_ECANCELLED, in the sweep (first calls) and in the <|M|> pass (later
 * ones) alike; a hook that never stops changes nothing. */
static int stop_at_call(void *user, const char *task, double done, double total) {
    (void)done;
    (void)total;
    int *left = user;
    if (!strcmp(task, "transfer |M|")) left[1] = 1;
    return --left[0] == 0;
}

static void transfer_stops_when_the_progress_hook_says_so(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_lattice_spec sp = {8, 40, 0, 0, 1.0, 0.1, NULL, NULL, NULL}; /* |M| pass: 320 x 256 x 321 */
    zs_pairwise *m = NULL;
    CHECK_EQ_INT(zs_pairwise_alloc_lattice(ctx, &sp, &m), ZS_OK);
    zs_pairwise_thermo_opts o;
    zs_pairwise_thermo_defaults(&o);
    o.method = ZS_PAIRWISE_TRANSFER;
    zs_pairwise_thermo ref, t;
    CHECK_EQ_INT(zs_pairwise_thermo_compute(m, 0.5, &o, &ref), ZS_OK);
    CHECK(isfinite(ref.absm));
    int counted[2] = {1 << 30, 0};
    zs_ctx_set_progress(ctx, stop_at_call, counted);
    CHECK_EQ_INT(zs_pairwise_thermo_compute(m, 0.5, &o, &t), ZS_OK);
    CHECK(same_thermo(&ref, &t) && counted[1] == 1);
    const int calls = (1 << 30) - counted[0];
    CHECK(calls > 4);
    for (int k = 1; k <= calls; k += calls / 4) {
        int left[2] = {k, 0};
        zs_ctx_set_progress(ctx, stop_at_call, left);
        CHECK_EQ_INT(zs_pairwise_thermo_compute(m, 0.5, &o, &t), ZS_ECANCELLED);
    }
    int late[2] = {calls, 0}; /* the last call comes from the |M| pass */
    zs_ctx_set_progress(ctx, stop_at_call, late);
    CHECK_EQ_INT(zs_pairwise_thermo_compute(m, 0.5, &o, &t), ZS_ECANCELLED);
    CHECK(late[1] == 1);
    zs_ctx_set_progress(ctx, NULL, NULL);
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
}

/* Onsager's internal energy per site of the infinite lattice (Huang eq. 15.130):
 * u = -J coth 2K [1 + (2/pi)(2 tanh^2 2K - 1) K1(q)], q = 2 sinh 2K / cosh^2 2K, with the
 * complete elliptic integral K1(q) = pi / (2 AGM(1, sqrt(1 - q^2))) (Abramowitz & Stegun
 * 17.6), the AGM iterated to convergence. */
static double onsager_u_per_site(double k) {
    double c2 = cosh(2.0 * k), q = 2.0 * sinh(2.0 * k) / (c2 * c2);
    double a = 1.0, b = sqrt(1.0 - q * q);
    for (int i = 0; i < 60 && a != b; i++) {
        double an = (a + b) / 2.0;
        b = sqrt(a * b);
        a = an;
    }
    double k1 = M_PI / (2.0 * a), t = tanh(2.0 * k);
    return -(c2 / sinh(2.0 * k)) * (1.0 + (2.0 / M_PI) * (2.0 * t * t - 1.0) * k1);
}

/* The 4096 x 4096 torus (the largest lattice, 2^24 sites) by its closed form from the
 * description alone, against the infinite lattice. Away from K_c = 0.4407 the torus differs
 * from the infinite lattice by terms of order e^{-L/xi} (xi a few sites: below e^{-500} at
 * L = 4096), plus, below T_c, the two ordered states' ln 2; what remains is rounding:
 * Kaufman's ln Z sums 2 x 4096 logarithms (relative error ~ 4096 x 1e-16 ~ 1e-12 at worst
 * when they add in one direction, ~1e-14 typically), and Onsager's integral by 512 panels of
 * 16-point Gauss-Legendre of an analytic integrand (q < 1 away from K_c) is exact to
 * rounding. Hence 1e-12 on ln Z / N; U / N differentiates the same sum (1e-11). */
static void the_largest_torus_meets_onsager_without_a_model(void) {
    const size_t L = 4096;
    const double n = (double)L * (double)L, kc = 0.5 * log(1.0 + sqrt(2.0));
    zs_ctx *ctx = zs_ctx_alloc();
    zs_lattice_spec sp = {L, L, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise_thermo_opts o;
    zs_pairwise_thermo_defaults(&o);
    for (int auto_method = 0; auto_method < 2; auto_method++) {
        o.method = auto_method ? ZS_PAIRWISE_AUTO : ZS_PAIRWISE_CLOSED;
        const double ks[] = {0.2, 0.3, 0.6, 1.0};
        for (int i = 0; i < 4; i++) {
            zs_pairwise_thermo t;
            CHECK_EQ_INT(zs_lattice_thermo_compute(ctx, &sp, ks[i], &o, &t), ZS_OK);
            CHECK_EQ_INT(t.method, ZS_PAIRWISE_CLOSED);
            double lnz = t.lnz - (ks[i] > kc ? log(2.0) : 0.0);
            CHECK_REL(lnz / n, zs_ising_onsager_lnz_per_site(ks[i]), 1e-12);
            CHECK_REL(t.u / n, onsager_u_per_site(ks[i]), 1e-11);
            CHECK(t.c > 0.0 && isfinite(t.c) && t.s > 0.0 && t.m == 0.0);
        }
    }
    zs_ctx_free(ctx);
}

int main(void) {
    RUN(kaufman_reproduces_the_published_torus_values);
    RUN(enumeration_obeys_the_time_limit_of_its_options);
    RUN(chain_ring_reproduces_the_published_value);
    RUN(onsager_at_kc_is_half_ln2_plus_2G_over_pi);
    RUN(methods_agree_with_brute_force_on_random_lattices);
    RUN(estimates_are_within_their_error_bars_or_the_run_says_it_did_not_mix);
    RUN(transfer_leaves_absm_out_when_the_distribution_costs_too_much);
    RUN(closed_forms_agree_with_brute_force);
    RUN(transfer_stays_finite_at_low_temperature);
    RUN(dense_models_and_kernels_agree_with_brute_force);
    RUN(boltzmann_machine_conversion_is_exact);
    RUN(dos_reproduces_the_published_torus_counts);
    RUN(dos_agrees_with_a_brute_histogram_with_fields);
    RUN(dos_check_refuses_by_time_and_memory_before_any_work);
    RUN(results_do_not_depend_on_the_thread_count);
    RUN(samplers_agree_with_exact_values_within_four_error_bars);
    RUN(bad_models_are_rejected_with_the_entry_named);
    RUN(boltzmann_machine_files_load_and_bad_ones_are_named);
    RUN(lattice_thermo_equals_the_models_bit_for_bit);
    RUN(the_largest_torus_meets_onsager_without_a_model);
    RUN(thermo_seconds_are_the_estimates_the_refusals_use);
    RUN(transfer_stops_when_the_progress_hook_says_so);
    return check_summary("test_pairwise");
}
