/* bench_rbm_products.c — why RBM training does not call sgemm: the two products of a PCD batch
 * (100 rows, 784 visible, 500 hidden) as sums of the rows picked by binary units
 * (rbm_rows_sum_many, lib/models/rbm.c) against OpenBLAS cblas_sgemm on the same 0/1 matrices,
 * each on 1 and on all threads (the row sums split the batch rows over OpenMP threads, as
 * training does; OpenBLAS uses its own threads). Densities are those measured while training
 * on the digits: 13% of the visible units on, 46% of the hidden ones (first epoch).
 * Prints microseconds per batch and the ratio sgemm / row sums. bench_rbm.sh runs it. */
#include "models/rbm_internal.h"

#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t state = 88172645463325252ULL;
static double unif(void) { /* xorshift64, independent of the library's generator */
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return (double)(state >> 11) * 0x1.0p-53;
}

static double median(double *x, int n) { /* insertion sort, then the middle */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && x[j] < x[j - 1]; j--) {
            double t = x[j];
            x[j] = x[j - 1], x[j - 1] = t;
        }
    return x[n / 2];
}

typedef struct product {
    const char *name;
    size_t m, n;      /* w is m x n; rows of the batch pick rows of w */
    double density;
} product;

/* Median of `reps` timings of one batch product by row sums on `threads` threads. */
static double time_rows(const float *w, size_t m, size_t n, const uint32_t *const *lists,
                        const size_t *counts, size_t B, float *out, int threads, int reps) {
    double best[64];
    for (int r = 0; r < reps; r++) {
        double t0 = now();
#pragma omp parallel num_threads(threads)
        {
            const int th = omp_get_thread_num(), T = omp_get_num_threads();
            const size_t lo = B * (size_t)th / (size_t)T, hi = B * (size_t)(th + 1) / (size_t)T;
            float *outs[100];
            size_t cursor[100];
            for (size_t q = lo; q < hi; q++) outs[q - lo] = out + q * n;
            rbm_rows_sum_many(outs, w, n, m, lists + lo, counts + lo, hi - lo, n, cursor);
        }
        best[r] = now() - t0;
    }
    return median(best, reps);
}

static double time_sgemm(const float *w, size_t m, size_t n, const float *dense, size_t B, float *out,
                         int threads, int reps) {
    openblas_set_num_threads(threads);
    double best[64];
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)n, (int)m, 1.0f, dense,
                    (int)m, w, (int)n, 0.0f, out, (int)n);
        best[r] = now() - t0;
    }
    return median(best, reps);
}

int main(void) {
    const size_t B = 100;
    const int reps = 41, all = omp_get_max_threads();
    const product prods[2] = {{"V W   (784 x 500, 13% of v on)", 784, 500, 0.13},
                              {"H W^T (500 x 784, 46% of h on)", 500, 784, 0.46}};
    for (int p = 0; p < 2; p++) {
        const size_t m = prods[p].m, n = prods[p].n;
        float *w = malloc(m * n * sizeof *w), *dense = calloc(B * m, sizeof *dense);
        float *o1 = malloc(B * n * sizeof *o1), *o2 = malloc(B * n * sizeof *o2);
        uint32_t *on = malloc(B * m * sizeof *on);
        const uint32_t *lists[100];
        size_t counts[100];
        for (size_t x = 0; x < m * n; x++) w[x] = (float)(unif() - 0.5) * 0.02f;
        for (size_t q = 0; q < B; q++) {
            counts[q] = 0;
            lists[q] = on + q * m;
            for (size_t i = 0; i < m; i++)
                if (unif() < prods[p].density) on[q * m + counts[q]++] = (uint32_t)i, dense[q * m + i] = 1.0f;
        }
        for (int threads = 1; threads <= all; threads += all > 1 ? all - 1 : 1) {
            double tr = time_rows(w, m, n, lists, counts, B, o1, threads, reps);
            double ts = time_sgemm(w, m, n, dense, B, o2, threads, reps);
            double diff = 0;
            for (size_t x = 0; x < B * n; x++) {
                double d = (double)o1[x] - (double)o2[x];
                diff = d > diff ? d : -d > diff ? -d : diff;
            }
            printf("%s, %d thread%s: row sums %.1f us, sgemm %.1f us per batch; sgemm / row sums = %.2f "
                   "(max |difference| %.1e)\n", prods[p].name, threads, threads > 1 ? "s" : "", 1e6 * tr,
                   1e6 * ts, ts / tr, diff);
        }
        free(w), free(dense), free(o1), free(o2), free(on);
    }
    return 0;
}
