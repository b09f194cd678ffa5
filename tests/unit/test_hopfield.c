/* test_hopfield.c — Hopfield memories: every number against an independent source (a simple
 * loop written here, a closed form, or exact enumeration), never against the code under test.
 * ZSUM_SANITIZED=1 shrinks the sizes. */
#include "check.h"

#include <stdint.h>
#include <unistd.h>
#include <zsum.h>

/* zs_hopfield_capacity with its options spelled out (a compound literal cannot go through the
 * CHECK macros: its commas would split the macro's argument). */
static zs_status capacity_with(zs_ctx *ctx, size_t n, const double *alpha, size_t nalpha,
                               size_t trials, double flip, uint64_t seed,
                               zs_hopfield_capacity_point *points) {
    zs_hopfield_capacity_opts o;
    zs_hopfield_capacity_defaults(&o);
    o.trials = trials;
    o.flip = flip;
    o.seed = seed;
    return zs_hopfield_capacity(ctx, n, alpha, nalpha, &o, points);
}

static int sanitized;

static void random_patterns(zs_rng *r, size_t p, size_t n, int8_t *x) {
    for (size_t i = 0; i < p * n; i++) x[i] = (zs_rng_next(r) >> 63) ? 1 : -1;
}

/* J_ij = (1/N) sum_mu xi_i xi_j, J_ii = 0: the definition, summed as integers, then divided. */
static void hebbian_by_loop(size_t p, size_t n, const int8_t *x, double *j) {
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            long sum = 0;
            for (size_t mu = 0; mu < p; mu++) sum += x[mu * n + a] * x[mu * n + b];
            j[a * n + b] = a == b ? 0.0 : (double)sum / (double)n;
        }
}

static double energy_by_loop(size_t n, const double *j, const int8_t *s) {
    double e = 0.0;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) e += j[a * n + b] * s[a] * s[b];
    return -0.5 * e;
}

static zs_hopfield *store(size_t p, size_t n, const int8_t *x) {
    zs_patterns *pt;
    zs_hopfield *net = NULL;
    if (zs_patterns_alloc(NULL, p, n, x, 0, 0, &pt) != ZS_OK) return NULL;
    zs_hopfield_alloc_hebbian(NULL, pt, &net);
    zs_patterns_free(pt);
    return net;
}

static void hebbian_couplings_should_match_the_definition(void) {
    const size_t p = 7, n = 37;
    int8_t x[7 * 37];
    zs_rng r;
    zs_rng_init(&r, 11, 0);
    random_patterns(&r, p, n, x);
    double want[37 * 37], got[37 * 37];
    hebbian_by_loop(p, n, x, want);
    zs_hopfield *net = store(p, n, x);
    CHECK(net != NULL);
    if (!net) return;
    zs_hopfield_couplings(net, got);
    int same = 1;
    for (size_t i = 0; i < n * n; i++) same &= got[i] == want[i];
    CHECK(same);
    CHECK_EQ_INT(zs_hopfield_units(net), n);
    CHECK_EQ_INT(zs_hopfield_pattern_count(net), p);
    CHECK(zs_hopfield_is_integer(net));
    /* The same J given directly is recognised as integer / N and gives the same couplings. */
    zs_hopfield *net2;
    CHECK_EQ_INT(zs_hopfield_alloc(NULL, n, want, NULL, &net2), ZS_OK);
    CHECK(zs_hopfield_is_integer(net2));
    zs_hopfield_couplings(net2, got);
    same = 1;
    for (size_t i = 0; i < n * n; i++) same &= got[i] == want[i];
    CHECK(same);
    zs_hopfield_free(net2);
    /* Energy and overlaps against loops. */
    int8_t s[37];
    random_patterns(&r, 1, n, s);
    CHECK_REL(zs_hopfield_energy(net, s), energy_by_loop(n, want, s), 1e-13);
    double m[7];
    CHECK_EQ_INT(zs_hopfield_overlaps(net, s, m), ZS_OK);
    for (size_t mu = 0; mu < p; mu++) {
        long dot = 0;
        for (size_t i = 0; i < n; i++) dot += x[mu * n + i] * s[i];
        CHECK(m[mu] == (double)dot / (double)n);
    }
    zs_hopfield_free(net);
}

static void a_single_stored_pattern_should_be_a_fixed_point(void) {
    const size_t n = 50;
    int8_t x[50], s[50];
    zs_rng r;
    zs_rng_init(&r, 5, 0);
    random_patterns(&r, 1, n, x);
    zs_hopfield *net = store(1, n, x);
    for (int mirror = 0; mirror < 2; mirror++) {
        for (size_t i = 0; i < n; i++) s[i] = (int8_t)(mirror ? -x[i] : x[i]);
        zs_hopfield_run_opts dyn = {HUGE_VAL, ZS_HOPFIELD_RANDOM, 50, 1, 0};
        zs_hopfield_result res;
        CHECK_EQ_INT(zs_hopfield_run(net, &dyn, s, NULL, NULL, &res), ZS_OK);
        CHECK_EQ_INT(res.sweeps, 1);
        CHECK(res.converged);
        int same = 1;
        for (size_t i = 0; i < n; i++) same &= s[i] == (mirror ? -x[i] : x[i]);
        CHECK(same);
        /* E(xi) = -1/2 (1/N) sum_{i != j} 1 = -(N - 1)/2. */
        CHECK_REL(res.energy, -0.5 * (double)(n - 1), 1e-15);
    }
    /* From a probe with 40% flipped, one pattern is always recalled (or its mirror). */
    memcpy(s, x, n);
    zs_rng_init(&r, 6, 0);
    CHECK_EQ_INT(zs_pattern_flip(s, n, 0.4, &r), 20);
    zs_hopfield_run_opts dyn = {HUGE_VAL, ZS_HOPFIELD_SEQUENTIAL, 50, 1, 0};
    zs_hopfield_result res;
    CHECK_EQ_INT(zs_hopfield_run(net, &dyn, s, NULL, NULL, &res), ZS_OK);
    int same = 1;
    for (size_t i = 0; i < n; i++) same &= s[i] == x[i];
    CHECK(same);
    zs_hopfield_free(net);
}

static void flip_should_change_exactly_the_asked_fraction(void) {
    int8_t s[1000], t[1000];
    zs_rng r;
    zs_rng_init(&r, 9, 3);
    random_patterns(&r, 1, 1000, s);
    memcpy(t, s, sizeof s);
    CHECK_EQ_INT(zs_pattern_flip(t, 1000, 0.137, &r), 137);
    int diff = 0;
    for (int i = 0; i < 1000; i++) diff += s[i] != t[i];
    CHECK_EQ_INT(diff, 137);
    CHECK_EQ_INT(zs_pattern_flip(t, 1000, 0.0, &r), 0);
    CHECK_EQ_INT(zs_pattern_flip(t, 1000, 1.0, &r), 1000);
    diff = 0;
    for (int i = 0; i < 1000; i++) diff += s[i] != t[i];
    CHECK_EQ_INT(diff, 863);
    /* Every unit is equally likely to be chosen (k/n = 0.3) and every pair too (k(k-1)/(n(n-1))
     * = 1/15): frequencies over 20000 draws within 5 standard errors. */
    double single[10] = {0}, pair01 = 0, pair59 = 0;
    const int draws = 20000;
    for (int d = 0; d < draws; d++) {
        int8_t u[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        zs_pattern_flip(u, 10, 0.3, &r);
        for (int i = 0; i < 10; i++) single[i] += u[i] < 0;
        pair01 += u[0] < 0 && u[1] < 0;
        pair59 += u[5] < 0 && u[9] < 0;
    }
    int ok = 1;
    for (int i = 0; i < 10; i++) ok &= fabs(single[i] / draws - 0.3) < 5 * sqrt(0.3 * 0.7 / draws);
    double q = 1.0 / 15.0, se = sqrt(q * (1 - q) / draws);
    ok &= fabs(pair01 / draws - q) < 5 * se && fabs(pair59 / draws - q) < 5 * se;
    CHECK(ok);
}

/* alpha = 0.05, N = 200 (P = 10): recall from 10% flipped bits ends on the pattern nearly
 * always (signal-to-noise sqrt(N/P) ~ 4.5 per unit). */
static void few_patterns_should_be_recalled_from_noisy_probes(void) {
    const size_t n = 200, p = 10;
    int8_t x[10 * 200], s[200];
    size_t perfect = 0, total = 0;
    for (uint64_t net_id = 0; net_id < 5; net_id++) {
        zs_rng r;
        zs_rng_init(&r, 100 + net_id, 0);
        random_patterns(&r, p, n, x);
        zs_hopfield *net = store(p, n, x);
        for (size_t mu = 0; mu < p; mu++) {
            memcpy(s, x + mu * n, n);
            zs_pattern_flip(s, n, 0.1, &r);
            zs_hopfield_run_opts dyn = {HUGE_VAL, ZS_HOPFIELD_RANDOM, 100, 7, mu};
            zs_hopfield_result res;
            CHECK_EQ_INT(zs_hopfield_run(net, &dyn, s, NULL, NULL, &res), ZS_OK);
            CHECK(res.converged);
            long dot = 0;
            for (size_t i = 0; i < n; i++) dot += x[mu * n + i] * s[i];
            perfect += dot == (long)n;
            total++;
        }
        zs_hopfield_free(net);
    }
    CHECK(perfect >= total * 95 / 100);
}

typedef struct watch {
    size_t n, p;
    const double *j;      /* couplings as the test holds them */
    const int8_t *x;      /* patterns (may be NULL) */
    double last;          /* energy after the previous sweep (or of the probe) */
    double tol;
    int bad_energy, bad_monotone, bad_overlap, sweeps;
} watch;

static int watch_sweep(void *user, uint64_t sweep, const int8_t *s, double energy,
                       const double *overlaps, size_t flips) {
    (void)sweep;
    (void)flips;
    watch *w = user;
    double e = energy_by_loop(w->n, w->j, s);
    if (fabs(e - energy) > w->tol * fmax(1.0, fabs(e))) {
        w->bad_energy++;
        printf("  n %zu: energy %.17g, by loop %.17g\n", w->n, energy, e);
    }
    if (energy > w->last + w->tol * fmax(1.0, fabs(w->last))) w->bad_monotone++;
    w->last = energy;
    for (size_t mu = 0; w->x && mu < w->p; mu++) {
        long dot = 0;
        for (size_t i = 0; i < w->n; i++) dot += w->x[mu * w->n + i] * s[i];
        if (overlaps[mu] != (double)dot / (double)w->n) w->bad_overlap++;
    }
    w->sweeps++;
    return 0;
}

/* No sweep raises the energy, the reported energy and overlaps are right, and the end state
 * is a fixed point: s_i h_i >= 0 for every unit (h from the test's own J). Hebbian networks of
 * every load, and real-valued random symmetric couplings. */
static void deterministic_dynamics_should_never_raise_the_energy(void) {
    const size_t runs = sanitized ? 20 : 120;
    int bad_fixed = 0, bad_energy = 0, bad_monotone = 0, bad_overlap = 0, unconverged = 0;
    for (size_t run = 0; run < runs; run++) {
        zs_rng r;
        zs_rng_init(&r, 77, run);
        size_t n = 5 + (size_t)zs_rng_below(&r, 60), p = 1 + (size_t)zs_rng_below(&r, n);
        int real = run % 3 == 2;
        int8_t *x = malloc(p * n), *s = malloc(n);
        double *j = malloc(n * n * sizeof *j);
        random_patterns(&r, p, n, x);
        zs_hopfield *net;
        if (real) {
            for (size_t a = 0; a < n; a++) {
                j[a * n + a] = 0.0;
                for (size_t b = a + 1; b < n; b++) j[a * n + b] = j[b * n + a] = zs_rng_normal(&r);
            }
            zs_patterns *pt;
            zs_patterns_alloc(NULL, p, n, x, 0, 0, &pt);
            CHECK_EQ_INT(zs_hopfield_alloc(NULL, n, j, pt, &net), ZS_OK);
            CHECK(!zs_hopfield_is_integer(net));
            zs_patterns_free(pt);
        } else {
            hebbian_by_loop(p, n, x, j);
            net = store(p, n, x);
        }
        random_patterns(&r, 1, n, s);
        watch w = {n, p, j, x, energy_by_loop(n, j, s), 1e-12, 0, 0, 0, 0};
        zs_hopfield_run_opts dyn = {HUGE_VAL, run % 2 ? ZS_HOPFIELD_RANDOM : ZS_HOPFIELD_SEQUENTIAL,
                                    10000, run, 0};
        zs_hopfield_result res;
        CHECK_EQ_INT(zs_hopfield_run(net, &dyn, s, watch_sweep, &w, &res), ZS_OK);
        unconverged += !res.converged;
        bad_energy += w.bad_energy;
        bad_monotone += w.bad_monotone;
        bad_overlap += w.bad_overlap;
        for (size_t a = 0; a < n; a++) {
            double h = 0.0;
            for (size_t b = 0; b < n; b++) h += j[a * n + b] * s[b];
            if (s[a] * h < -1e-12) bad_fixed++;
        }
        zs_hopfield_free(net);
        free(x);
        free(s);
        free(j);
    }
    CHECK_EQ_INT(unconverged, 0);
    CHECK_EQ_INT(bad_energy, 0);
    CHECK_EQ_INT(bad_monotone, 0);
    CHECK_EQ_INT(bad_overlap, 0);
    CHECK_EQ_INT(bad_fixed, 0);
}

/* Heat bath at T samples the Boltzmann distribution: on N = 4 (16 states, enumerated here),
 * the state frequencies over many sweeps match exp(-E/T)/Z within 5 standard errors. */
typedef struct histo {
    double count[16];
    uint64_t total;
} histo;

static int histo_add(void *user, uint64_t sweep, const int8_t *s, double energy,
                     const double *overlaps, size_t flips) {
    (void)sweep;
    (void)energy;
    (void)overlaps;
    (void)flips;
    histo *h = user;
    unsigned code = 0;
    for (int i = 0; i < 4; i++) code |= (s[i] > 0 ? 1u : 0u) << i;
    h->count[code]++;
    h->total++;
    return 0;
}

static void heat_bath_matches_boltzmann(zs_hopfield *net, const double *j, double t, uint64_t seed) {
    double w[16], z = 0.0;
    for (unsigned code = 0; code < 16; code++) {
        int8_t s[4];
        for (int i = 0; i < 4; i++) s[i] = (code >> i) & 1u ? 1 : -1;
        w[code] = exp(-energy_by_loop(4, j, s) / t);
        z += w[code];
    }
    histo h = {{0}, 0};
    int8_t s[4] = {1, 1, 1, 1};
    const uint64_t sweeps = sanitized ? 40000 : 400000;
    zs_hopfield_run_opts dyn = {1.0 / t, ZS_HOPFIELD_RANDOM, sweeps, seed, 0};
    CHECK_EQ_INT(zs_hopfield_run(net, &dyn, s, histo_add, &h, NULL), ZS_OK);
    int worst_ok = 1;
    for (unsigned code = 0; code < 16; code++) {
        double p = w[code] / z, f = h.count[code] / (double)h.total;
        /* Sweeps are correlated: allow for an integrated autocorrelation time of up to ~4. */
        double se = sqrt(4.0 * p * (1 - p) / (double)h.total);
        if (fabs(f - p) > 5 * se) {
            worst_ok = 0;
            printf("  state %u: frequency %.5f, Boltzmann %.5f (5 se = %.5f)\n", code, f, p, 5 * se);
        }
    }
    CHECK(worst_ok);
}

static void heat_bath_should_sample_the_boltzmann_distribution(void) {
    /* Real couplings (double path) ... */
    const double j[16] = {0, 0.7, -0.4, 0.2, 0.7, 0, 0.5, -0.3, -0.4, 0.5, 0, 0.9, 0.2, -0.3, 0.9, 0};
    zs_hopfield *net;
    CHECK_EQ_INT(zs_hopfield_alloc(NULL, 4, j, NULL, &net), ZS_OK);
    CHECK(!zs_hopfield_is_integer(net));
    heat_bath_matches_boltzmann(net, j, 1.3, 2024);
    zs_hopfield_free(net);
    /* ... and Hebbian couplings (exact integer path), J from the definition here. */
    const int8_t x[8] = {1, -1, 1, 1, -1, -1, 1, 1};
    double jh[16];
    hebbian_by_loop(2, 4, x, jh);
    net = store(2, 4, x);
    CHECK(zs_hopfield_is_integer(net));
    heat_bath_matches_boltzmann(net, jh, 0.6, 7);
    zs_hopfield_free(net);
}

static void same_seed_should_give_the_same_run(void) {
    const size_t n = 120, p = 20;
    int8_t x[20 * 120], a[120], b[120], c[120];
    zs_rng r;
    zs_rng_init(&r, 3, 0);
    random_patterns(&r, p, n, x);
    zs_hopfield *net = store(p, n, x);
    random_patterns(&r, 1, n, a);
    memcpy(b, a, n);
    memcpy(c, a, n);
    zs_hopfield_run_opts dyn = {1.0 / 0.8, ZS_HOPFIELD_RANDOM, 30, 42, 0};
    zs_hopfield_result ra, rb, rc;
    zs_hopfield_run(net, &dyn, a, NULL, NULL, &ra);
    zs_hopfield_run(net, &dyn, b, NULL, NULL, &rb);
    dyn.seed = 43;
    zs_hopfield_run(net, &dyn, c, NULL, NULL, &rc);
    CHECK(memcmp(a, b, n) == 0);
    CHECK(ra.energy == rb.energy);
    CHECK(memcmp(a, c, n) != 0);
    zs_hopfield_free(net);
}

/* The capacity curve: near-perfect recall at alpha = 0.05, collapse at alpha = 0.25 (AGS 1985:
 * alpha_c = 0.138); the numbers do not depend on the thread count. The recalled overlap is
 * checked against an independent run of the public dynamics on the same kind of network. */
static void capacity_should_collapse_above_alpha_c(void) {
    const size_t n = sanitized ? 200 : 500, trials = sanitized ? 2 : 6;
    const double alpha[2] = {0.05, 0.25};
    zs_hopfield_capacity_point one[2], two[2];
    zs_ctx *ctx = zs_ctx_alloc();
    zs_ctx_set_threads(ctx, 1);
    CHECK_EQ_INT(capacity_with(ctx, n, alpha, 2, trials, 0.0, 99, one), ZS_OK);
    zs_ctx_set_threads(ctx, 2);
    CHECK_EQ_INT(capacity_with(ctx, n, alpha, 2, trials, 0.0, 99, two), ZS_OK);
    CHECK(memcmp(one, two, sizeof one) == 0);
    CHECK(one[0].overlap.value > 0.99);
    CHECK(one[0].perfect > 0.9);
    CHECK(one[1].overlap.value < 0.6);
    CHECK(one[1].perfect < 0.05);
    CHECK_EQ_INT(one[0].p, (size_t)(0.05 * (double)n + 0.5));
    CHECK_REL(one[1].alpha, 0.25, 1e-15);
    /* Independent estimate at alpha = 0.25 through Hebbian storage + zs_hopfield_run. */
    const size_t p = n / 4;
    int8_t *x = malloc(p * n), *s = malloc(n);
    double sum = 0.0;
    zs_rng r;
    zs_rng_init(&r, 1234, 0);
    random_patterns(&r, p, n, x);
    zs_hopfield *net = store(p, n, x);
    for (size_t mu = 0; mu < p; mu++) {
        memcpy(s, x + mu * n, n);
        zs_hopfield_run_opts dyn = {HUGE_VAL, ZS_HOPFIELD_RANDOM, 1000, 5, mu};
        zs_hopfield_run(net, &dyn, s, NULL, NULL, NULL);
        long dot = 0;
        for (size_t i = 0; i < n; i++) dot += x[mu * n + i] * s[i];
        sum += (double)dot / (double)n;
    }
    double mean = sum / (double)p;
    CHECK(fabs(mean - one[1].overlap.value) < 0.1);
    zs_hopfield_free(net);
    free(x);
    free(s);
    /* Flipped probes at low load still end on the pattern. */
    const double low[1] = {0.05};
    CHECK_EQ_INT(capacity_with(ctx, n, low, 1, 2, 0.1, 5, one), ZS_OK);
    CHECK(one[0].overlap.value > 0.99);
    /* Rejections name the value. */
    const double bad[1] = {-0.1};
    CHECK_EQ_INT(capacity_with(ctx, n, bad, 1, 2, 0.0, 5, one), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "-0.1") != NULL);
    CHECK_EQ_INT(capacity_with(ctx, n, low, 1, 2, 1.5, 5, one), ZS_EINVAL);
    zs_ctx_free(ctx);
}

static zs_status parse(zs_ctx *ctx, const char *text, zs_patterns **out) {
    return zs_patterns_parse_text(ctx, "t.txt", text, strlen(text), out);
}

static void text_patterns_should_parse_every_documented_form(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_patterns *pt;
    const char *text = "# comment\n"
                       "+-+-\n"
                       "\n"
                       "1 -1 1,-1\n"
                       "  +1,+1 -1 -1  \r\n"
                       "+ - -+\n";
    CHECK_EQ_INT(parse(ctx, text, &pt), ZS_OK);
    const int8_t want[16] = {1, -1, 1, -1, 1, -1, 1, -1, 1, 1, -1, -1, 1, -1, -1, 1};
    CHECK_EQ_INT(zs_patterns_count(pt), 4);
    CHECK_EQ_INT(zs_patterns_units(pt), 4);
    CHECK(memcmp(zs_patterns_data(pt), want, 16) == 0);
    zs_patterns_free(pt);
    CHECK_EQ_INT(parse(ctx, "0 1 1 0\n1,0,0,0", &pt), ZS_OK);
    const int8_t want01[8] = {-1, 1, 1, -1, 1, -1, -1, -1};
    CHECK(memcmp(zs_patterns_data(pt), want01, 8) == 0);
    zs_patterns_free(pt);
    /* Rejections. */
    CHECK_EQ_INT(parse(ctx, "+-+-\n+-+\n", &pt), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "line 2 has 3 units but line 1 has 4") != NULL);
    CHECK_EQ_INT(parse(ctx, "+-+-\n+-x-\n", &pt), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "line 2, column 3: 'x'") != NULL);
    CHECK_EQ_INT(parse(ctx, "1 2 1\n", &pt), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "line 1, column 3: '2'") != NULL);
    CHECK_EQ_INT(parse(ctx, "# nothing\n\n", &pt), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "no patterns") != NULL);
    CHECK_EQ_INT(parse(ctx, "", &pt), ZS_EFORMAT);
    CHECK_EQ_INT(parse(ctx, "0 1\n-1 1\n", &pt), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "uses 0 but line 2") != NULL);
    zs_ctx_free(ctx);
}

static void pbm_images_should_read_black_as_plus_one(void) {
    /* A 3x2 (width x height) image: row 0 = 1 0 1, row 1 = 0 1 1; then a second image. */
    const char *plain = "P1\n# two images\n3 2\n1 0 1\n011\nP1 3 2 000111";
    const unsigned char raw[] = {'P', '4', '\n', '3', ' ', '2', '\n', 0xA0, 0x60};
    char dir[] = "/tmp/zsum_hopfield_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char p1[128], p4[128], img[128];
    snprintf(p1, sizeof p1, "%s/a.pbm", dir);
    snprintf(p4, sizeof p4, "%s/b.pbm", dir);
    snprintf(img, sizeof img, "%s/out.pbm", dir);
    FILE *f = fopen(p1, "w");
    fputs(plain, f);
    fclose(f);
    f = fopen(p4, "wb");
    fwrite(raw, 1, sizeof raw, f);
    fclose(f);
    zs_patterns *a, *b;
    CHECK_EQ_INT(zs_patterns_read(NULL, p1, &a), ZS_OK);
    CHECK_EQ_INT(zs_patterns_read(NULL, p4, &b), ZS_OK);
    const int8_t want[12] = {1, -1, 1, -1, 1, 1, -1, -1, -1, 1, 1, 1};
    CHECK_EQ_INT(zs_patterns_count(a), 2);
    CHECK(memcmp(zs_patterns_data(a), want, 12) == 0);
    CHECK_EQ_INT(zs_patterns_count(b), 1);
    CHECK(memcmp(zs_patterns_data(b), want, 6) == 0);
    size_t rows = 0, cols = 0;
    CHECK(zs_patterns_shape(b, &rows, &cols));
    CHECK_EQ_INT(rows, 2);
    CHECK_EQ_INT(cols, 3);
    /* Writing P4 gives back the same bytes as the hand-made raw file. */
    CHECK_EQ_INT(zs_pattern_write_image(NULL, img, 2, 3, want, 1), ZS_OK);
    unsigned char back[32];
    f = fopen(img, "rb");
    size_t got = fread(back, 1, sizeof back, f);
    fclose(f);
    CHECK_EQ_INT(got, sizeof raw);
    CHECK(memcmp(back, raw, sizeof raw) == 0);
    /* Truncated raw data is refused. */
    f = fopen(p4, "wb");
    fwrite(raw, 1, sizeof raw - 1, f);
    fclose(f);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_patterns *c;
    CHECK_EQ_INT(zs_patterns_read(ctx, p4, &c), ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "ends after") != NULL);
    zs_ctx_free(ctx);
    remove(p1);
    remove(p4);
    remove(img);
    rmdir(dir);
    zs_patterns_free(a);
    zs_patterns_free(b);
}

/* Orthogonal patterns (rows of the Sylvester-Hadamard matrix H_16, H_ij = (-1)^popcount(i&j)):
 * C = I, so the projection rule is the Hebbian rule, computed here by the definition. */
static void projection_of_orthogonal_patterns_should_be_hebbian(void) {
    const size_t n = 16, p = 5;
    int8_t x[5 * 16];
    for (size_t mu = 0; mu < p; mu++)
        for (size_t i = 0; i < n; i++)
            x[mu * n + i] = (__builtin_popcount((unsigned)((mu + 3) & i)) & 1) ? -1 : 1;
    double want[256], got[256];
    hebbian_by_loop(p, n, x, want);
    zs_patterns *pt;
    zs_hopfield *net;
    zs_patterns_alloc(NULL, p, n, x, 0, 0, &pt);
    CHECK_EQ_INT(zs_hopfield_alloc_projection(NULL, pt, &net), ZS_OK);
    zs_hopfield_couplings(net, got);
    double worst = 0.0;
    for (size_t i = 0; i < n * n; i++) worst = fmax(worst, fabs(got[i] - want[i]));
    CHECK(worst < 1e-15);
    zs_hopfield_free(net);
    zs_patterns_free(pt);
}

/* Random patterns at alpha = 0.5 (where Hebbian storage fails): with the projection rule every
 * stored pattern is a fixed point (fields from the returned J, summed here), and J restricted
 * to the patterns' span is the identity up to its diagonal: for each unit i the ratio
 * (J xi^mu)_i / xi^mu_i = 1 - D_i is the same for every mu. */
static void projection_should_fix_every_pattern_at_half_load(void) {
    const size_t n = 100, p = 50;
    int8_t x[50 * 100];
    zs_rng r;
    zs_rng_init(&r, 31, 0);
    random_patterns(&r, p, n, x);
    zs_patterns *pt;
    zs_hopfield *net;
    zs_patterns_alloc(NULL, p, n, x, 0, 0, &pt);
    CHECK_EQ_INT(zs_hopfield_alloc_projection(NULL, pt, &net), ZS_OK);
    double *j = malloc(n * n * sizeof *j), *jh = malloc(n * n * sizeof *jh);
    zs_hopfield_couplings(net, j);
    hebbian_by_loop(p, n, x, jh);
    int unstable = 0, hebbian_unstable = 0, asym = 0;
    double spread = 0.0;
    for (size_t i = 0; i < n; i++) {
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (size_t mu = 0; mu < p; mu++) {
            double h = 0.0, hh = 0.0;
            for (size_t k = 0; k < n; k++) {
                h += j[i * n + k] * x[mu * n + k];
                hh += jh[i * n + k] * x[mu * n + k];
            }
            unstable += h * x[mu * n + i] <= 0.0;
            hebbian_unstable += hh * x[mu * n + i] <= 0.0;
            double ratio = h / x[mu * n + i];
            lo = fmin(lo, ratio);
            hi = fmax(hi, ratio);
        }
        spread = fmax(spread, hi - lo);
        for (size_t k = 0; k < n; k++) asym += j[i * n + k] != j[k * n + i];
    }
    CHECK_EQ_INT(unstable, 0);
    CHECK(hebbian_unstable > 0);
    CHECK(spread < 1e-9);
    CHECK_EQ_INT(asym, 0);
    /* The dynamics agrees: each stored pattern stays put. */
    int moved = 0;
    int8_t s[100];
    for (size_t mu = 0; mu < p; mu++) {
        memcpy(s, x + mu * n, n);
        zs_hopfield_run_opts dyn = {HUGE_VAL, ZS_HOPFIELD_SEQUENTIAL, 10, 1, 0};
        zs_hopfield_result res;
        zs_hopfield_run(net, &dyn, s, NULL, NULL, &res);
        moved += memcmp(s, x + mu * n, n) != 0 || res.sweeps != 1;
    }
    CHECK_EQ_INT(moved, 0);
    free(j);
    free(jh);
    zs_hopfield_free(net);
    zs_patterns_free(pt);
    /* A repeated pattern makes C singular: refused, naming it. */
    memcpy(x + 7 * n, x + 3 * n, n);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_patterns_alloc(NULL, p, n, x, 0, 0, &pt);
    CHECK_EQ_INT(zs_hopfield_alloc_projection(ctx, pt, &net), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "pattern 7 is a linear combination") != NULL);
    zs_patterns_free(pt);
    zs_ctx_free(ctx);
}

static void bad_couplings_should_be_refused_with_the_entry(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_hopfield *net;
    double j[9] = {0, 1, 2, 1, 0, 3, 2, 3.5, 0};
    CHECK_EQ_INT(zs_hopfield_alloc(ctx, 3, j, NULL, &net), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "(1,2)") != NULL);
    j[7] = 3;
    j[4] = 0.5;
    CHECK_EQ_INT(zs_hopfield_alloc(ctx, 3, j, NULL, &net), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "diagonal") != NULL);
    j[4] = 0;
    j[5] = (double)NAN;
    CHECK_EQ_INT(zs_hopfield_alloc(ctx, 3, j, NULL, &net), ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "not finite") != NULL);
    /* Integer recognition is exact: 0.5 = 1/2 is, 0.5 + 2^-40 is not. */
    double two[4] = {0, 0.5, 0.5, 0};
    CHECK_EQ_INT(zs_hopfield_alloc(ctx, 2, two, NULL, &net), ZS_OK);
    CHECK(zs_hopfield_is_integer(net));
    zs_hopfield_free(net);
    two[1] = two[2] = 0.5 + 0x1p-40;
    CHECK_EQ_INT(zs_hopfield_alloc(ctx, 2, two, NULL, &net), ZS_OK);
    CHECK(!zs_hopfield_is_integer(net));
    double back[4];
    zs_hopfield_couplings(net, back);
    CHECK(back[1] == 0.5 + 0x1p-40);
    zs_hopfield_free(net);
    zs_ctx_free(ctx);
}

int main(void) {
    sanitized = check_sanitized();
    RUN(hebbian_couplings_should_match_the_definition);
    RUN(a_single_stored_pattern_should_be_a_fixed_point);
    RUN(flip_should_change_exactly_the_asked_fraction);
    RUN(few_patterns_should_be_recalled_from_noisy_probes);
    RUN(deterministic_dynamics_should_never_raise_the_energy);
    RUN(heat_bath_should_sample_the_boltzmann_distribution);
    RUN(same_seed_should_give_the_same_run);
    RUN(capacity_should_collapse_above_alpha_c);
    RUN(text_patterns_should_parse_every_documented_form);
    RUN(pbm_images_should_read_black_as_plus_one);
    RUN(projection_of_orthogonal_patterns_should_be_hebbian);
    RUN(projection_should_fix_every_pattern_at_half_load);
    RUN(bad_couplings_should_be_refused_with_the_entry);
    return check_summary("test_hopfield");
}
