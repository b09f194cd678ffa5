/* check.h — the unit tests' harness, after GSL's gsl_test: one line per failed check, a
 * summary line "N passed, M failed", exit status 1 on any failure. Include once per test
 * program; tests are functions named as sentences, run with RUN(name). */
#ifndef ZSUM_TESTS_CHECK_H
#define ZSUM_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;
static const char *check_current = "";

#define CHECK(cond) check_true((cond), #cond, __FILE__, __LINE__)

static void check_true(int ok, const char *what, const char *file, int line) {
    if (ok) {
        check_passed++;
        return;
    }
    check_failed++;
    printf("FAIL %s: %s (%s:%d)\n", check_current, what, file, line);
}

/* |got - want| <= tol * max(|want|, 1): relative above 1, absolute below. */
#define CHECK_REL(got, want, tol) check_rel((got), (want), (tol), #got, __FILE__, __LINE__)

static inline void check_rel(double got, double want, double tol, const char *what, const char *file,
                      int line) {
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    int ok = (got == want) || fabs(got - want) <= tol * scale;
    if (ok) {
        check_passed++;
        return;
    }
    check_failed++;
    printf("FAIL %s: %s = %.17g, expected %.17g (tol %.3g) (%s:%d)\n", check_current, what, got,
           want, tol, file, line);
}

#define CHECK_EQ_INT(got, want) \
    check_true((long long)(got) == (long long)(want), #got " == " #want, __FILE__, __LINE__)
#define CHECK_STR(got, want) \
    check_true((got) && strcmp((got), (want)) == 0, #got " == \"" want "\"", __FILE__, __LINE__)

#define RUN(test)              \
    do {                       \
        check_current = #test; \
        test();                \
    } while (0)

static int check_summary(const char *program) {
    printf("%s: %d passed, %d failed\n", program, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
