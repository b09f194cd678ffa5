/* hopfield_bench.c — Hopfield recall and capacity against straightforward loops, same run.
 *
 *   hopfield_bench recall N T      heat-bath sweeps/s at temperature T (T = 0: deterministic
 *                                  sweeps from a random probe) for a Hebbian net of P = 0.1 N
 *                                  patterns: zs_hopfield_run vs the textbook loop that
 *                                  recomputes h_i = sum_j J_ij s_j for every update (O(N^2) per
 *                                  sweep whatever flips).
 *   hopfield_bench capacity N TRIALS   the capacity sweep over alpha = 0.025..0.3 (12 loads):
 *                                  zs_hopfield_capacity vs one thread of the textbook loop
 *                                  (double J by the definition, h_i recomputed per update).
 * Prints one line per figure: ours, baseline, ratio. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zsum.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void random_pm(zs_rng *r, size_t count, int8_t *x) {
    for (size_t i = 0; i < count; i++) x[i] = (zs_rng_next(r) >> 63) ? 1 : -1;
}

/* The textbook loop: J by the definition, fields recomputed per update. */
static void hebbian_naive(size_t p, size_t n, const int8_t *x, double *j) {
    memset(j, 0, n * n * sizeof *j);
    for (size_t mu = 0; mu < p; mu++)
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b < n; b++)
                if (a != b) j[a * n + b] += (double)(x[mu * n + a] * x[mu * n + b]) / (double)n;
}

static size_t sweep_naive(size_t n, const double *j, int8_t *s, double t, zs_rng *r) {
    size_t flips = 0;
    for (size_t q = 0; q < n; q++) {
        size_t i = q;  /* sequential order */
        double h = 0.0;
        for (size_t b = 0; b < n; b++) h += j[i * n + b] * s[b];
        int8_t next;
        if (t > 0.0) next = zs_rng_uniform(r) < 1.0 / (1.0 + exp(-2.0 * h / t)) ? 1 : -1;
        else next = h > 0.0 ? 1 : h < 0.0 ? -1 : s[i];
        flips += next != s[i];
        s[i] = next;
    }
    return flips;
}

static int count_flips(void *user, uint64_t sweep, const int8_t *s, double energy,
                       const double *overlaps, size_t flips) {
    (void)sweep;
    (void)s;
    (void)energy;
    (void)overlaps;
    *(double *)user += (double)flips;
    return 0;
}

static int bench_recall(size_t n, double t) {
    size_t p = n / 10;
    int8_t *x = malloc(p * n), *s = malloc(n), *s0 = malloc(n);
    double *j = malloc(n * n * sizeof *j);
    zs_rng r;
    zs_rng_init(&r, 1, 0);
    random_pm(&r, p * n, x);
    random_pm(&r, n, s0);
    zs_patterns *pt;
    zs_hopfield *net;
    if (zs_patterns_alloc(NULL, p, n, x, 0, 0, &pt) || zs_hopfield_alloc_hebbian(NULL, pt, &net))
        return 1;
    /* Ours: enough sweeps for ~0.5 s. */
    uint64_t sweeps = 1;
    double ours, t0;
    for (;;) {
        memcpy(s, s0, n);
        zs_hopfield_run_opts dyn = {t > 0.0 ? 1.0 / t : HUGE_VAL, ZS_HOPFIELD_RANDOM, sweeps, 3, 0};
        t0 = now();
        zs_hopfield_run(net, &dyn, s, NULL, NULL, NULL);
        double el = now() - t0;
        if (t == 0.0) {
            /* Deterministic runs stop at a fixed point: time the descent, count its sweeps. */
            zs_hopfield_result res;
            memcpy(s, s0, n);
            dyn.max_sweeps = 1000;
            t0 = now();
            int reps = 0;
            do {
                memcpy(s, s0, n);
                zs_hopfield_run(net, &dyn, s, NULL, NULL, &res);
                reps++;
            } while (now() - t0 < 0.3);
            ours = (double)res.sweeps * reps / (now() - t0);
            break;
        }
        if (el > 0.3 || sweeps > (1u << 20)) {
            ours = (double)sweeps / el;
            break;
        }
        sweeps *= 2;
    }
    /* Flips per sweep (untimed run with a counting callback): each streams one row of J. */
    double flips = 0.0;
    zs_hopfield_result res;
    memcpy(s, s0, n);
    zs_hopfield_run_opts dyn = {t > 0.0 ? 1.0 / t : HUGE_VAL, ZS_HOPFIELD_RANDOM, t > 0.0 ? 50 : 1000, 3, 0};
    zs_hopfield_run(net, &dyn, s, count_flips, &flips, &res);
    double per_sweep = flips / (double)res.sweeps;
    double gbs = ours * per_sweep * 2.0 * (double)n / 1e9;
    hebbian_naive(p, n, x, j);
    memcpy(s, s0, n);
    zs_rng_init(&r, 3, 0);
    t0 = now();
    uint64_t done = 0;
    do {
        sweep_naive(n, j, s, t, &r);
        done++;
    } while (now() - t0 < 0.3);
    double base = (double)done / (now() - t0);
    printf("recall N=%zu P=%zu T=%g: %.1f sweeps/s, baseline %.1f sweeps/s, ratio %.1f "
           "(%.0f flips/sweep: J rows streamed at %.2f GB/s as int16)\n",
           n, p, t, ours, base, ours / base, per_sweep, gbs);
    zs_hopfield_free(net);
    zs_patterns_free(pt);
    free(x);
    free(s);
    free(s0);
    free(j);
    return 0;
}

static int bench_capacity(size_t n, size_t trials) {
    double alpha[12];
    for (int a = 0; a < 12; a++) alpha[a] = 0.025 + 0.025 * a;
    zs_hopfield_capacity_point pts[12];
    double t0 = now();
    if (zs_hopfield_capacity(NULL, n, alpha, 12, &(zs_hopfield_capacity_opts){trials, 0.0, 7}, pts)) return 1;
    double ours = now() - t0;
    /* Baseline: same experiment, one thread, textbook loops. */
    t0 = now();
    double mean_last = 0.0;
    double *j = malloc(n * n * sizeof *j);
    for (int a = 0; a < 12; a++) {
        size_t p = (size_t)(alpha[a] * (double)n + 0.5);
        int8_t *x = malloc(p * n), *s = malloc(n);
        double sum = 0.0;
        for (size_t t = 0; t < trials; t++) {
            zs_rng r;
            zs_rng_init(&r, 7, ((uint64_t)a << 32) | t);
            random_pm(&r, p * n, x);
            hebbian_naive(p, n, x, j);
            for (size_t mu = 0; mu < p; mu++) {
                memcpy(s, x + mu * n, n);
                for (int sw = 0; sw < 1000; sw++)
                    if (sweep_naive(n, j, s, 0.0, &r) == 0) break;
                long dot = 0;
                for (size_t i = 0; i < n; i++) dot += x[mu * n + i] * s[i];
                sum += (double)dot / (double)n;
            }
        }
        if (a == 11) mean_last = sum / (double)(trials * p);
        free(x);
        free(s);
    }
    free(j);
    double base = now() - t0;
    printf("capacity N=%zu trials=%zu alpha=0.025..0.3 (12 loads): %.3f s, baseline %.3f s, "
           "ratio %.1f (overlap at alpha 0.3: %.3f vs baseline %.3f)\n",
           n, trials, ours, base, base / ours, pts[11].overlap.value, mean_last);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "recall"))
        return bench_recall((size_t)atol(argv[2]), atof(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "capacity"))
        return bench_capacity((size_t)atol(argv[2]), (size_t)atol(argv[3]));
    fprintf(stderr, "usage: hopfield_bench recall N T | capacity N TRIALS\n");
    return 2;
}
