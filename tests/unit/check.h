/* check.h — the unit tests' harness, after GSL's gsl_test: one line per failed check, a
 * summary line "N passed, M failed", exit status 1 on any failure. Include once per test
 * program; tests are functions named as sentences, run with RUN(name). */
#ifndef ZSUM_TESTS_CHECK_H
#define ZSUM_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>

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

/* ZSUM_TEST_TIMES=1 prints each test's wall time (to find where a program spends it). */
static inline double check_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define RUN(test)                                                           \
    do {                                                                    \
        check_current = #test;                                              \
        double check_t0_ = check_now();                                     \
        test();                                                             \
        if (getenv("ZSUM_TEST_TIMES"))                                      \
            printf("  time %.3f s  %s\n", check_now() - check_t0_, #test); \
    } while (0)

/* ---- short runs ---------------------------------------------------------------------------- */

/* The sanitized build's run (make check exports ZSUM_SANITIZED=1), where everything is slower. */
static inline int check_sanitized(void) {
    const char *s = getenv("ZSUM_SANITIZED");
    return s && s[0] == '1';
}

/* A short run: the sanitized build's, or one on a forced kernel set (ZSUM_SIMD or ZSUM_NO_SIMD:
 * tests/CMakeLists.txt runs every unit test once more per kernel set). Statistical checks over
 * many seeds belong to the full run on the processor's own kernels; a short run takes the same
 * code paths over a few seeds, and its exact checks (against brute force, bit for bit) stay. */
static inline int check_short_run(void) {
    return check_sanitized() || getenv("ZSUM_SIMD") || getenv("ZSUM_NO_SIMD");
}

/* ---- a temporary folder for a test program's files ------------------------------------- */

static char check_dir[256];

/* Make /tmp/zsum_NAME_XXXXXX (mode 0755) as check_dir; exit 1 with the reason when it cannot. */
static inline void check_tmpdir(const char *name) {
    snprintf(check_dir, sizeof check_dir, "/tmp/zsum_%s_XXXXXX", name);
    if (!mkdtemp(check_dir) || chmod(check_dir, 0755) != 0) {
        perror("mkdtemp");
        exit(1);
    }
}

/* A file name in check_dir; the results of four calls are valid at once. */
static inline const char *check_path(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", check_dir, name);
    return buf[k];
}

static inline int check_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* Remove check_dir and everything in it (links are removed, not followed). */
static inline void check_tmpdir_remove(void) {
    if (check_dir[0] && nftw(check_dir, check_remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        printf("could not remove %s\n", check_dir);
}

static int check_summary(const char *program) {
    printf("%s: %d passed, %d failed\n", program, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
