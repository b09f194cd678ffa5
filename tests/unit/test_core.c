/* test_core.c — the core area: status names, context messages, log-space arithmetic, random
 * streams, exact counts, vectorized exp. References are closed forms or libm. */
#include "check.h"
#include "core/internal.h"

#include <float.h>
#include <time.h>

static void strerror_should_name_every_status(void) {
    for (int s = 0; s >= -9; s--) CHECK(strcmp(zs_strerror((zs_status)s), "unknown status") != 0);
    CHECK_STR(zs_strerror((zs_status)-99), "unknown status");
}

static void ctx_should_keep_the_last_message(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    CHECK(ctx != NULL);
    CHECK_STR(zs_last_error(ctx), "");
    CHECK_EQ_INT(zs_fail(ctx, ZS_EINVAL, "item %d is %s", 3, "bad"), ZS_EINVAL);
    CHECK_STR(zs_last_error(ctx), "item 3 is bad");
    CHECK_STR(zs_last_error(NULL), "");
    CHECK_EQ_INT(zs_fail(NULL, ZS_ERANGE, "nobody listens"), ZS_ERANGE);
    zs_ctx_free(ctx);
    zs_ctx_free(NULL);
}

static void logsumexp_should_not_overflow(void) {
    double x[3] = {1000.0, 1000.0, 1000.0};
    CHECK_REL(zs_logsumexp(x, 3), 1000.0 + log(3.0), 1e-15);
    double y[2] = {-1000.0, -HUGE_VAL};
    CHECK_REL(zs_logsumexp(y, 2), -1000.0, 1e-15);
    CHECK(zs_logsumexp(y, 0) == -HUGE_VAL);
    double z[2] = {log(2.385), log(0.125)};
    CHECK_REL(zs_logsumexp(z, 2), log(2.51), 1e-15);
    CHECK_REL(zs_logaddexp(log(2.385), log(0.125)), log(2.51), 1e-15);
    CHECK(zs_logaddexp(-HUGE_VAL, 3.5) == 3.5);
}

static void softplus_and_log1mexp_should_match_their_definitions(void) {
    CHECK_REL(zs_softplus(0.0), log(2.0), 1e-15);
    CHECK_REL(zs_softplus(-40.0), exp(-40.0), 1e-14);
    CHECK_REL(zs_softplus(800.0), 800.0, 1e-15);
    CHECK_REL(zs_softplus(2.385), log1p(exp(2.385)), 1e-15);
    CHECK_REL(zs_log1mexp(1e-20), log(1e-20), 1e-12);
    CHECK_REL(zs_log1mexp(50.0), -exp(-50.0), 1e-12);
    CHECK_REL(zs_log1mexp(0.7), log(1.0 - exp(-0.7)), 1e-14);
    CHECK(isnan(zs_log1mexp(-1.0)));
}

static void rng_streams_should_be_reproducible_and_distinct(void) {
    zs_rng a, b, c;
    zs_rng_init(&a, 42, 0);
    zs_rng_init(&b, 42, 0);
    zs_rng_init(&c, 42, 1);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = zs_rng_next(&a), y = zs_rng_next(&b), z = zs_rng_next(&c);
        same &= x == y;
        differ += x != z;
    }
    CHECK(same);
    CHECK(differ > 990);
}

/* Byte counts for messages: binary units, one decimal, three significant digits past EiB. */
static void format_bytes_uses_binary_units(void) {
    char b[32];
    CHECK_STR(zs_format_bytes(b, 0), "0.0 B");
    CHECK_STR(zs_format_bytes(b, 1023), "1023.0 B");
    CHECK_STR(zs_format_bytes(b, 1536), "1.5 KiB");
    CHECK_STR(zs_format_bytes(b, 9.7 * 1073741824.0), "9.7 GiB");
    CHECK_STR(zs_format_bytes(b, 154.0 * 1073741824.0), "154.0 GiB");
    CHECK_STR(zs_format_bytes(b, 0x1p70), "1.02e+03 EiB");
}

/* xoshiro256** (Blackman & Vigna) written out here: zs_rng_next and zs_rng_fill must both be it,
 * and a fill must leave the state where as many single draws would. */
static void rng_fill_is_successive_draws_of_xoshiro256starstar(void) {
    zs_rng a, b;
    zs_rng_init(&a, 7, 3);
    b = a;
    uint64_t s[4] = {a.s[0], a.s[1], a.s[2], a.s[3]}, out[37];
    zs_rng_fill(&a, out, 37);
    int ok = 1;
    for (int i = 0; i < 37; i++) {
        const uint64_t x = s[1] * 5, want = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
        s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t;
        s[3] = (s[3] << 45) | (s[3] >> 19);
        ok &= out[i] == want && zs_rng_next(&b) == want;
    }
    CHECK(ok);
    CHECK(zs_rng_next(&a) == zs_rng_next(&b));
}

static void rng_uniform_and_normal_should_have_the_right_moments(void) {
    zs_rng r;
    zs_rng_init(&r, 2385, 7);
    const int n = 200000;
    double su = 0, su2 = 0, sn = 0, sn2 = 0;
    int below = 0, in_range = 1;
    for (int i = 0; i < n; i++) {
        double u = zs_rng_uniform(&r), g = zs_rng_normal(&r);
        in_range &= u >= 0.0 && u < 1.0;
        su += u;
        su2 += u * u;
        sn += g;
        sn2 += g * g;
        below += zs_rng_below(&r, 3) == 0;
    }
    CHECK(in_range);
    /* 6 standard errors: a wrong generator fails, a right one essentially never does. */
    CHECK(fabs(su / n - 0.5) < 6 * sqrt(1.0 / 12 / n));
    CHECK(fabs(su2 / n - 1.0 / 3) < 6 * sqrt(4.0 / 45 / n));
    CHECK(fabs(sn / n) < 6 * sqrt(1.0 / n));
    CHECK(fabs(sn2 / n - 1.0) < 6 * sqrt(2.0 / n));
    CHECK(fabs((double)below / n - 1.0 / 3) < 6 * sqrt(2.0 / 9 / n));
}

static void counts_should_be_exact(void) {
    mpz_t v;
    mpz_init(v);
    uint64_t occ[3] = {7, 2, 1}, g[3] = {1, 1, 1};
    zs_mpz_multiplicity(v, 3, occ, g);
    CHECK(mpz_cmp_ui(v, 360) == 0); /* 10!/(7! 2! 1!) */
    uint64_t g2[3] = {1, 3, 2};
    zs_mpz_multiplicity(v, 3, occ, g2);
    CHECK(mpz_cmp_ui(v, 360 * 9 * 2) == 0);
    zs_count c;
    mpz_ui_pow_ui(v, 3, 2000); /* 955 digits */
    CHECK_EQ_INT(zs_count_from_mpz(v, 1000, &c), ZS_OK);
    CHECK(c.decimal != NULL && strlen(c.decimal) == 955);
    CHECK_REL(c.log10, 2000 * log10(3.0), 1e-14);
    zs_count_clear(&c);
    mpz_ui_pow_ui(v, 3, 3000); /* 1432 digits */
    CHECK_EQ_INT(zs_count_from_mpz(v, 1000, &c), ZS_OK);
    CHECK(c.decimal == NULL);
    CHECK_REL(c.log10, 3000 * log10(3.0), 1e-14);
    CHECK_REL(zs_log_multinomial(3, occ), log(360.0), 1e-14);
    mpz_clear(v);
}

static void vector_exp_should_match_libm(void) {
    double x[1037], y[1037];
    for (int i = 0; i < 1037; i++) x[i] = -700.0 + 0.6789 * i;
    zs_vexp_shift(y, x, 1037, -1.5);
    double s = 0.0, worst = 0.0;
    for (int i = 0; i < 1037; i++) {
        double want = exp(x[i] - 1.5);
        double err = fabs(y[i] - want) / (want > DBL_MIN ? want : DBL_MIN);
        if (err > worst) worst = err;
        s += want;
    }
    CHECK(worst < 4 * DBL_EPSILON); /* SLEEF u10: 1.0 ULP */
    CHECK_REL(zs_sum_exp_shift(x, 1037, -1.5), s, 1e-14);
}

static void monotonic_clock_should_measure_a_sleep(void) {
    double a = zs_monotonic_seconds();
    struct timespec nap = {0, 50 * 1000 * 1000};
    nanosleep(&nap, NULL);
    double b = zs_monotonic_seconds(), c = zs_monotonic_seconds();
    CHECK(a > 0.0);
    CHECK(b - a >= 0.05 && b - a < 5.0);
    CHECK(c >= b);
}

static void version_and_thread_count_should_be_reported(void) {
    CHECK(strcmp(zs_version(), ZSUM_VERSION_STRING) == 0);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", ZSUM_VERSION_MAJOR, ZSUM_VERSION_MINOR,
             ZSUM_VERSION_PATCH);
    CHECK(strcmp(zs_version(), want) == 0);
    zs_ctx *ctx = zs_ctx_alloc();
    CHECK(zs_ctx_threads(ctx) >= 1);
    CHECK(zs_ctx_threads(NULL) == zs_ctx_threads(ctx));
    zs_ctx_set_threads(ctx, 3);
    CHECK(zs_ctx_threads(ctx) == 3);
    zs_ctx_set_threads(ctx, 0);
    CHECK(zs_ctx_threads(ctx) == zs_ctx_threads(NULL));
    zs_ctx_free(ctx);
}

int main(void) {
    RUN(version_and_thread_count_should_be_reported);
    RUN(strerror_should_name_every_status);
    RUN(ctx_should_keep_the_last_message);
    RUN(logsumexp_should_not_overflow);
    RUN(softplus_and_log1mexp_should_match_their_definitions);
    RUN(rng_streams_should_be_reproducible_and_distinct);
    RUN(rng_fill_is_successive_draws_of_xoshiro256starstar);
    RUN(format_bytes_uses_binary_units);
    RUN(rng_uniform_and_normal_should_have_the_right_moments);
    RUN(counts_should_be_exact);
    RUN(vector_exp_should_match_libm);
    RUN(monotonic_clock_should_measure_a_sleep);
    return check_summary("test_core");
}
