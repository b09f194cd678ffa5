/* bench_dbm_floor.c — the matrix-multiply floor of one joint-training update of a two-layer DBM
 * (nv-n1-n2): the single-precision products that `zsum dbm train` makes per update
 * (lib/learn/dbm_train.c), and nothing else, on one BLAS thread, with operands of the right
 * kind (means in (0, 1) for the batch, 0/1 states for the chains). Per update:
 *   positive phase, B rows:  V W1 and M1 W2 once (the bottom-up start), then per mean-field
 *                            sweep M2 W2^T and M1 W2 (V W1 is kept: the data do not move);
 *   negative phase, C chains, per Gibbs sweep: X0 W1 + X2 W2^T (layer 1), X1 W1^T (layer 0),
 *                            X1 W2 (layer 2);
 *   the update: [chains; means]^T [chains; means] for W1 and W2 (B + C rows).
 * FLOPs = 2 (B (nv n1 + n1 n2) + S B 2 n1 n2 + G C 2 (nv n1 + n1 n2) + (B + C)(nv n1 + n1 n2)).
 * Usage: bench_dbm_floor NV N1 N2 B C S G UPDATES. Prints the CPU seconds of UPDATES updates'
 * products, the seconds per update, the GFLOP of one update and the rate (GFLOP/s). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static unsigned long long state = 88172645463325252ULL;
static float unif(void) { /* xorshift64 */
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return (float)((double)(state >> 11) * 0x1.0p-53);
}

static float *mat(size_t n, int binary) {
    float *a = malloc(n * sizeof *a);
    for (size_t i = 0; a && i < n; i++) a[i] = binary ? (unif() < 0.5f ? 1.0f : 0.0f) : unif();
    return a;
}

static void mm(int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
               float beta, float *c, int ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
                1.0f, a, lda, b, ldb, beta, c, ldc);
}

int main(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: bench_dbm_floor NV N1 N2 B C S G UPDATES\n");
        return 2;
    }
    const int nv = atoi(argv[1]), n1 = atoi(argv[2]), n2 = atoi(argv[3]), B = atoi(argv[4]), C = atoi(argv[5]);
    const int S = atoi(argv[6]), G = atoi(argv[7]), U = atoi(argv[8]), K = B + C;
    openblas_set_num_threads(1);
    float *w1 = mat((size_t)nv * n1, 0), *w2 = mat((size_t)n1 * n2, 0);
    for (size_t i = 0; i < (size_t)nv * n1; i++) w1[i] -= 0.5f;
    for (size_t i = 0; i < (size_t)n1 * n2; i++) w2[i] -= 0.5f;
    /* [chains; means] of each layer, as the trainer stacks them */
    float *x0 = mat((size_t)K * nv, 1), *x1 = mat((size_t)K * n1, 1), *x2 = mat((size_t)K * n2, 1);
    float *f0 = mat((size_t)K * nv, 0), *f1 = mat((size_t)K * n1, 0), *f2 = mat((size_t)K * n2, 0);
    float *g1 = mat((size_t)nv * n1, 0), *g2 = mat((size_t)n1 * n2, 0);
    if (!w1 || !w2 || !x0 || !x1 || !x2 || !f0 || !f1 || !f2 || !g1 || !g2) return 1;
    for (size_t i = (size_t)C * n1; i < (size_t)K * n1; i++) x1[i] = unif(); /* means */
    for (size_t i = (size_t)C * n2; i < (size_t)K * n2; i++) x2[i] = unif();
    const float *v = x0 + (size_t)C * nv, *m1 = x1 + (size_t)C * n1, *m2 = x2 + (size_t)C * n2;
    float *p1 = f1 + (size_t)C * n1, *p2 = f2 + (size_t)C * n2;
    const double t0 = cpu_s();
    for (int u = 0; u < U; u++) {
        mm(0, 0, B, n1, nv, v, nv, w1, n1, 0.0f, p1, n1);
        mm(0, 0, B, n2, n1, m1, n1, w2, n2, 0.0f, p2, n2);
        for (int s = 0; s < S; s++) {
            mm(0, 1, B, n1, n2, m2, n2, w2, n2, 0.0f, p1, n1);
            mm(0, 0, B, n2, n1, m1, n1, w2, n2, 0.0f, p2, n2);
        }
        for (int s = 0; s < G; s++) {
            mm(0, 0, C, n1, nv, x0, nv, w1, n1, 0.0f, f1, n1);
            mm(0, 1, C, n1, n2, x2, n2, w2, n2, 1.0f, f1, n1);
            mm(0, 1, C, nv, n1, x1, n1, w1, n1, 0.0f, f0, nv);
            mm(0, 0, C, n2, n1, x1, n1, w2, n2, 0.0f, f2, n2);
        }
        mm(1, 0, nv, n1, K, x0, nv, x1, n1, 0.0f, g1, n1);
        mm(1, 0, n1, n2, K, x1, n1, x2, n2, 0.0f, g2, n2);
    }
    const double t = cpu_s() - t0;
    const double a = (double)nv * n1 + (double)n1 * n2;
    const double flop = 2.0 * ((double)B * a + (double)S * B * 2.0 * n1 * n2 + (double)G * C * 2.0 * a + (double)K * a);
    printf("cpu_seconds %.4f per_update %.5f gflop_per_update %.4f gflops %.2f\n", t, t / U, flop * 1e-9,
           flop * U * 1e-9 / t);
    printf("checksum %g\n", (double)g1[0] + (double)g2[7] + (double)f0[3]);
    return 0;
}
