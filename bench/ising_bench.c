/* ising_bench.c — the four figures of issue 3, each next to its baseline measured in the
 * same run:
 *  1. ln Z of a dense random Boltzmann machine by enumeration (states/s): the library's
 *     kernel (MATVEC, and the per-state vector-exp kernel VEXP) against a straightforward
 *     Gray-code loop with one libm exp per state, and the machine's vector exp throughput
 *     (zs_sum_exp_shift on an L1-resident block), which bounds any one-exp-per-state method;
 *  2. transfer matrix ln Z, 20x20 open lattice with random fields and couplings (s);
 *  3. Kaufman ln Z, 1024x1024 torus (s);
 *  4. Metropolis on a 256x256 torus (attempted flips/s, 2 chains).
 * Each figure is the best of 3 runs: the machine is shared, and a descheduled OpenMP thread
 * stalls every barrier of the run it is in.
 * usage: ising_bench N_ENUM N_BASELINE */
#include "core/internal.h"
#include "exact/pairwise_enumerate.h"
#include "models/pairwise_internal.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BEST_OF_3(t, body)                 \
    do {                                   \
        t = HUGE_VAL;                      \
        for (int rep_ = 0; rep_ < 3; rep_++) { \
            double t0_ = now();            \
            body;                          \
            double d_ = now() - t0_;       \
            if (d_ < t) t = d_;            \
        }                                  \
    } while (0)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The straightforward loop: binary reflected Gray code over all 2^n states, local fields
 * updated per flip, exp(-beta E - ref) per state; two halves on two threads. */
static double baseline_lnz(const zs_pairwise *m, double beta) {
    size_t n = m->n;
    double *J = pairwise_dense_j(m);
    double ref = 0.0;
    for (size_t b = 0; b < m->nb; b++) ref += fabs(m->bJ[b]);
    for (size_t i = 0; i < n; i++) ref += fabs(m->h[i]);
    ref *= beta; /* -beta E <= ref */
    uint64_t total = (uint64_t)1 << n;
    double part[2] = {0, 0};
#pragma omp parallel for num_threads(2)
    for (int c = 0; c < 2; c++) {
        uint64_t r0 = total / 2 * (uint64_t)c, r1 = r0 + total / 2, g = r0 ^ (r0 >> 1);
        double s[64], f[64], e = 0.0, z = 0.0;
        for (size_t i = 0; i < n; i++) s[i] = (g >> i) & 1u ? -1.0 : 1.0;
        for (size_t i = 0; i < n; i++) {
            f[i] = m->h[i];
            for (size_t k = 0; k < n; k++) f[i] += J[i * n + k] * s[k];
            e -= s[i] * (m->h[i] + f[i]) / 2.0;
        }
        for (uint64_t r = r0; r < r1; r++) {
            z += exp(-beta * e - ref);
            size_t k = (size_t)__builtin_ctzll(r + 1);
            double so = s[k];
            e += 2.0 * so * f[k];
            s[k] = -so;
            for (size_t l = 0; l < n; l++) f[l] -= 2.0 * J[l * n + k] * so;
        }
        part[c] = z;
    }
    free(J);
    return ref + log(part[0] + part[1]) - beta * m->offset;
}

int main(int argc, char **argv) {
    size_t nenum = argc > 1 ? (size_t)atoi(argv[1]) : 30, nbase = argc > 2 ? (size_t)atoi(argv[2]) : 26;
    zs_pairwise *bm = NULL, *bb = NULL;
    zs_pairwise_alloc_random_bm(NULL, nenum, 1, &bm);
    zs_pairwise_alloc_random_bm(NULL, nbase, 1, &bb);
    double l1, l2, l3, t0, t;

    /* exp floor: SLEEF exp of a 4096 block, 2 threads */
    double *x = malloc(4096 * sizeof *x), acc = 0.0;
    for (int i = 0; i < 4096; i++) x[i] = -1.0 - (double)i / 4096.0;
    long reps = 100000;
    double texp = HUGE_VAL;
    for (int k = 0; k < 3; k++) {
        t0 = now();
#pragma omp parallel for num_threads(2) reduction(+ : acc)
        for (long r = 0; r < reps; r++) acc += zs_sum_exp_shift(x, 4096, -1e-9 * (double)r);
        texp = fmin(texp, now() - t0);
    }
    double exps = 4096.0 * (double)reps / texp;
    printf("exp floor       zs_sum_exp_shift, 2 threads         %.3g exp/s   (checksum %.6g)\n", exps, acc);

    BEST_OF_3(t, pairwise_enumerate_lnz_kernel(bm, 1.0, PAIRWISE_KERNEL_MATVEC, &l1));
    double st = ldexp(1.0, (int)nenum) / t;
    printf("enumerate N=%zu  MATVEC kernel, ln Z                 %.3g states/s (%.3f s, ln Z = %.15g)\n", nenum, st, t, l1);
    zs_pairwise_thermo th;
    t0 = now();
    zs_pairwise_thermo_compute(bm, 1.0, &(zs_pairwise_thermo_opts){ZS_PAIRWISE_ENUMERATE, 0}, &th);
    t = now() - t0;
    printf("enumerate N=%zu  ln Z + U, C, M, |M|, chi (zsum bm logz) %.3f s (%.3g states/s per pass)\n",
           nenum, t, 2.0 * ldexp(1.0, (int)nenum) / t);
    t0 = now();
    pairwise_enumerate_lnz_kernel(bm, 1.0, PAIRWISE_KERNEL_VEXP, &l2);
    t = now() - t0;
    double sv = ldexp(1.0, (int)nenum) / t;
    printf("enumerate N=%zu  VEXP kernel (one SLEEF exp/state)   %.3g states/s (%.3f s, ln Z = %.15g)\n", nenum, sv, t, l2);
    t0 = now();
    l3 = baseline_lnz(bb, 1.0);
    t = now() - t0;
    double sb = ldexp(1.0, (int)nbase) / t;
    double lb;
    pairwise_enumerate_lnz_kernel(bb, 1.0, PAIRWISE_KERNEL_MATVEC, &lb);
    printf("baseline N=%zu   Gray loop, libm exp/state, 2 thr   %.3g states/s (%.3f s, ln Z = %.15g, kernel %.15g)\n", nbase, sb, t, l3, lb);
    printf("ratios          MATVEC/baseline %.1f   MATVEC/exp floor %.2f   VEXP/exp floor %.2f\n",
           st / sb, st / exps, sv / exps);

    /* transfer 20x20 open, random */
    size_t L = 20;
    double *jh = calloc(L * L, sizeof *jh), *jv = calloc(L * L, sizeof *jv), *h = calloc(L * L, sizeof *h);
    zs_rng g;
    zs_rng_init(&g, 7, 0);
    for (size_t i = 0; i < L * L; i++) {
        if (i % L + 1 < L) jh[i] = zs_rng_normal(&g);
        if (i / L + 1 < L) jv[i] = zs_rng_normal(&g);
        h[i] = zs_rng_normal(&g);
    }
    zs_lattice_spec sp = {L, L, 0, 0, 0.0, 0.0, jh, jv, h};
    zs_pairwise *tm = NULL;
    zs_pairwise_alloc_lattice(NULL, &sp, &tm);
    BEST_OF_3(t, zs_pairwise_lnz_transfer(tm, 1.0, &l1));
    printf("transfer 20x20  open, random J and h, ln Z          %.3f s (target <= 1 s, ln Z = %.15g)\n", t, l1);
    /* the same on one thread: 400 barriers per sweep make two threads fragile on a busy machine */
    zs_ctx *one = zs_ctx_alloc();
    zs_ctx_set_threads(one, 1);
    zs_pairwise *tm1 = NULL;
    zs_pairwise_alloc_lattice(one, &sp, &tm1);
    BEST_OF_3(t, zs_pairwise_lnz_transfer(tm1, 1.0, &l1));
    printf("transfer 20x20  the same, 1 thread                  %.3f s\n", t);
    zs_pairwise_free(tm1);
    zs_ctx_free(one);

    t0 = now();
    int rep = 20;
    for (int i = 0; i < rep; i++) zs_ising_kaufman_lnz(1024, 1024, 0.4406867935097715, &l1);
    t = (now() - t0) / rep;
    printf("kaufman 1024^2  torus at K_c, ln Z                  %.5f s (target <= 0.1 s, ln Z = %.15g)\n", t, l1);

    zs_lattice_spec mp = {256, 256, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise *mm = NULL;
    zs_pairwise_alloc_lattice(NULL, &mp, &mm);
    zs_pairwise_sample_opts o = {ZS_MCMC_METROPOLIS, 0.4406867935097715, 320, 0, 2, 1};
    zs_mcmc_result r;
    BEST_OF_3(t, zs_pairwise_sample(mm, &o, &r));
    printf("metropolis 256^2 2 chains x 320 sweeps at T_c       %.3g flips/s (attempted; %.2f s)\n",
           2.0 * 320.0 * 65536.0 / t, t);
    zs_pairwise_free(bm);
    zs_pairwise_free(bb);
    zs_pairwise_free(tm);
    zs_pairwise_free(mm);
    free(jh);
    free(jv);
    free(h);
    free(x);
    return 0;
}
