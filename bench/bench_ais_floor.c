/* bench_ais_floor.c — the matrix-multiply floor of RBM AIS: the products that annealing M
 * chains over K temperatures needs, and nothing else. Per temperature the fields of all chains
 * are X = V W (M x nv times nv x nh) and, before each Gibbs sweep but the last, Y = H W^T
 * (M x nh times nh x nv): K + (K - 1) single-precision products on 0/1 matrices of the same
 * density as a sweep gives (half on). Two ways:
 *   whole:   M-row products on OpenBLAS's own threads (all of them): the floor;
 *   blocks:  the M chains cut as zsum cuts them (at most 64 per block, ceil(M/64) equal
 *            blocks), each block's products on one BLAS thread, the blocks over OpenMP
 *            threads: zsum's own products with nothing around them.
 * Usage: bench_ais_floor NV NH M K. Prints "whole SECONDS" and "blocks SECONDS" (wall, one run
 * each), then whole_cpu and blocks_cpu (the process's CPU seconds over all threads, which
 * include OpenBLAS's threads waiting for work); bench_rbm_ais.sh runs it several times,
 * alternating with zsum. */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t state = 88172645463325252ULL;
static double unif(void) { /* xorshift64 */
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return (double)(state >> 11) * 0x1.0p-53;
}

/* K products V W and K - 1 products H W^T, B rows each. */
static void anneal_products(const float *w, const float *v, const float *h, float *x, float *y,
                            int B, int nv, int nh, long K) {
    for (long k = 1; k <= K; k++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, nh, nv, 1.0f, v, nv, w, nh,
                    0.0f, x, nh);
        if (k == K) break;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, nv, nh, 1.0f, h, nh, w, nh,
                    0.0f, y, nv);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench_ais_floor NV NH M K\n");
        return 2;
    }
    const int nv = atoi(argv[1]), nh = atoi(argv[2]), M = atoi(argv[3]);
    const long K = atol(argv[4]);
    if (nv < 1 || nh < 1 || M < 2 || K < 1) {
        fprintf(stderr, "bench_ais_floor: NV, NH >= 1, M >= 2, K >= 1\n");
        return 2;
    }
    float *w = malloc((size_t)nv * (size_t)nh * sizeof *w);
    float *v = malloc((size_t)M * (size_t)nv * sizeof *v), *y = malloc((size_t)M * (size_t)nv * sizeof *y);
    float *h = malloc((size_t)M * (size_t)nh * sizeof *h), *x = malloc((size_t)M * (size_t)nh * sizeof *x);
    if (!w || !v || !y || !h || !x) {
        fprintf(stderr, "bench_ais_floor: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < (size_t)nv * (size_t)nh; i++) w[i] = (float)(0.02 * (unif() - 0.5));
    for (size_t i = 0; i < (size_t)M * (size_t)nv; i++) v[i] = unif() < 0.5 ? 1.0f : 0.0f;
    for (size_t i = 0; i < (size_t)M * (size_t)nh; i++) h[i] = unif() < 0.5 ? 1.0f : 0.0f;
    const int threads = openblas_get_num_threads();
    const int units = (M + 63) / 64;
    openblas_set_num_threads(threads);
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    anneal_products(w, v, h, x, y, M, nv, nh, K);
    const double tw = clock_s(CLOCK_MONOTONIC) - t0, cw = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    openblas_set_num_threads(1);
    t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
#pragma omp parallel for schedule(dynamic, 1)
    for (int u = 0; u < units; u++) {
        const int r0 = (int)((long)u * M / units), r1 = (int)((long)(u + 1) * M / units);
        anneal_products(w, v + (size_t)r0 * (size_t)nv, h + (size_t)r0 * (size_t)nh,
                        x + (size_t)r0 * (size_t)nh, y + (size_t)r0 * (size_t)nv, r1 - r0, nv,
                        nh, K);
    }
    const double tb = clock_s(CLOCK_MONOTONIC) - t0, cb = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("whole %.3f\nblocks %.3f\nwhole_cpu %.3f\nblocks_cpu %.3f\n", tw, tb, cw, cb);
    free(w), free(v), free(y), free(h), free(x);
    return 0;
}
