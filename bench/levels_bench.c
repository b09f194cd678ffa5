/* levels_bench.c — brute-force enumeration throughput for the chapter's system (issue 2):
 * zsum's enumerate method on N = 20 units, K = 3 levels (3^20 = 3.5e9 microstates), against a
 * straightforward nested loop (odometer, energy summed from scratch, one libm exp per
 * microstate) run in the same process, and against the throughput of the vector exp alone
 * (what an enumeration spending one exp per microstate could reach at best; zsum's spends one
 * per block of 3^8 and multiplies tabulated factors instead).
 * levels_bench N 0 prints the zsum line alone (bench_levels.sh repeats it beside the command). */
#include "core/internal.h"

#include <omp.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The baseline: every microstate's energy summed from its levels, exp, accumulate. */
static double naive_lnz(int n, int k, const double *e, double beta, double *states) {
    int d[64] = {0};
    double z = 0.0, count = 0.0;
    for (;;) {
        double E = 0.0;
        for (int i = 0; i < n; i++) E += e[d[i]];
        z += exp(-beta * E);
        count += 1.0;
        int i = n;
        while (i > 0 && d[i - 1] == k - 1) d[--i] = 0;
        if (i == 0) break;
        d[i - 1]++;
    }
    *states = count;
    return log(z);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20, nbase = argc > 2 ? atoi(argv[2]) : 16;
    const double e[3] = {0.0, 1.0, 2.0}, beta = 1.0;
    zs_levels *lv;
    if (zs_levels_alloc(NULL, 3, e, NULL, &lv) != ZS_OK) return 1;
    int threads = omp_get_max_threads();
    if (nbase <= 0) {
        /* CPU seconds beside the wall time: on a shared machine states / CPU s is the rate
         * the threads reached while they ran. */
        double lnz, t0 = now();
        clock_t c0 = clock();
        zs_levels_lnz_enumerate(lv, (uint64_t)n, beta, &lnz);
        double t = now() - t0, cpu = (double)(clock() - c0) / CLOCKS_PER_SEC, states = pow(3.0, n);
        printf("zsum enumerate       N=%d K=3 threads=%d: %.4g microstates in %.3f s = %.4g "
               "microstates/s, %.3f CPU s = %.4g /CPU s  (ln Z %.15g)\n", n, threads, states, t,
               states / t, cpu, states / cpu, lnz);
        zs_levels_free(lv);
        return 0;
    }

    /* Floor: SLEEF exp over an L1-resident array, on every thread. */
    enum { M = 4096 };
    double x[M];
    for (int i = 0; i < M; i++) x[i] = -20.0 * i / M;
    const int reps = 100000;
    double t0 = now(), sink = 0.0;
#pragma omp parallel reduction(+ : sink)
    for (int r = 0; r < reps / threads; r++) sink += zs_sum_exp_shift(x, M, -1e-9 * r);
    double t_floor = now() - t0;
    double floor_rate = (double)M * (double)(reps / threads * threads) / t_floor;

    double lnz, states = pow(3.0, n);
    t0 = now();
    zs_levels_lnz_enumerate(lv, (uint64_t)n, beta, &lnz);
    double t_zsum = now() - t0;

    double bstates;
    t0 = now();
    double lnz_base = naive_lnz(nbase, 3, e, beta, &bstates);
    double t_base = now() - t0;

    zs_levels_thermo th;
    zs_levels_thermo_compute(lv, (uint64_t)n, beta, &(zs_levels_thermo_opts){ZS_LEVELS_CLOSED}, &th, NULL);
    double lnz_closed_base = (double)nbase * log(1.0 + exp(-1.0) + exp(-2.0));
    printf("threads              %d   (exp kernel checksum %.3g)\n", threads, sink);
    printf("zsum enumerate       N=%d K=3: %.4g microstates in %.3f s = %.3g microstates/s"
           "  (ln Z %.15g, closed form %.15g)\n", n, states, t_zsum, states / t_zsum, lnz, th.lnz);
    printf("baseline nested loop N=%d K=3: %.4g microstates in %.3f s = %.3g microstates/s"
           "  (ln Z %.15g, closed form %.15g)\n", nbase, bstates, t_base, bstates / t_base,
           lnz_base, lnz_closed_base);
    printf("floor (vector exp)   %.3g exp/s on %d threads\n", floor_rate, threads);
    printf("ratio zsum/baseline  %.1fx   zsum/floor %.2f\n", (states / t_zsum) / (bstates / t_base),
           (states / t_zsum) / floor_rate);
    zs_levels_free(lv);
    return 0;
}
