/* dbm_sandwich_bench.c — what the reverse side of a DBM's AIS costs against the forward run, on
 * one thread (CPU seconds of this process, so other load on the machine counts less than in
 * wall time): forward AIS alone (zs_dbm_lnz_ais); the sandwich with reverse runs started from
 * rows (DATA, 1 clamped sweep: the reverse AIS alone, near enough); the sandwich with PT over
 * the odd set (zs_dbm_lnz_sandwich, reverse PT); and PT over the even set as it ran before
 * (zs_rbm_lnz_sandwich on zs_dbm_to_rbm, reverse PT). PT's cost is a sandwich's less the DATA
 * one's. The model: N0-N1-N2 (default 784-500-1000) with weights uniform in +-0.087 (sd 0.05),
 * visible biases -1, hidden biases -0.5.
 * usage: dbm_sandwich_bench [temperatures [pt_temperatures [pt_sweeps [n0 n1 n2]]]] */
#include "zsum.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t state = 88172645463325252ULL;
static double unif(void) { /* xorshift64, independent of the library's generator */
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return (double)(state >> 11) * 0x1.0p-53;
}

int main(int argc, char **argv) {
    size_t K = argc > 1 ? (size_t)atol(argv[1]) : 500;
    size_t T = argc > 2 ? (size_t)atol(argv[2]) : 50;
    uint64_t S = argc > 3 ? (uint64_t)atol(argv[3]) : 50;
    size_t n[3] = {784, 500, 1000};
    if (argc > 6)
        for (int k = 0; k < 3; k++) n[k] = (size_t)atol(argv[4 + k]);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_ctx_set_threads(ctx, 1);
    zs_dbm *d = NULL;
    if (!ctx || zs_dbm_alloc(ctx, 2, n, &d) != ZS_OK) return 1;
    for (size_t l = 1; l <= 2; l++)
        for (size_t i = 0; i < n[l - 1] * n[l]; i++) zs_dbm_w_mut(d, l)[i] = 0.0866 * (2.0 * unif() - 1.0);
    for (size_t l = 0; l <= 2; l++)
        for (size_t i = 0; i < n[l]; i++) zs_dbm_bias_mut(d, l)[i] = l == 0 ? -1.0 : -0.5;
    double *betas = NULL;
    size_t nb = 0;
    if (zs_rbm_schedule_linear(K, &betas, &nb) != ZS_OK) return 1;
    zs_dbm_sandwich_opts o;
    zs_dbm_sandwich_defaults(&o);
    o.ais.betas = betas;
    o.ais.nbetas = nb;
    o.ais.base = ZS_DBM_AIS_BASE_UNIFORM;
    o.pt_temperatures = T;
    o.pt_sweeps = S;
    zs_dbm_ais_result f;
    zs_dbm_sandwich_result r;
    double t0 = cpu();
    if (zs_dbm_lnz_ais(d, &o.ais, &f) != ZS_OK) return 1;
    double t1 = cpu();
    uint8_t *rows = calloc(100 * n[0], 1);
    o.reverse = ZS_RBM_REVERSE_DATA;
    o.start_rows = rows;
    o.n_start = 100;
    o.start_sweeps = 1;
    if (!rows || zs_dbm_lnz_sandwich(d, &o, &r) != ZS_OK) return 1;
    double t2 = cpu();
    o.reverse = ZS_RBM_REVERSE_PT;
    o.start_rows = NULL;
    o.n_start = 0;
    if (zs_dbm_lnz_sandwich(d, &o, &r) != ZS_OK) return 1;
    double t3 = cpu();
    double odd_swap = r.pt_swap_min, odd_up = r.upper.value;
    zs_rbm *e = NULL;
    zs_rbm_sandwich_opts ro;
    zs_rbm_sandwich_defaults(&ro);
    ro.ais.betas = betas;
    ro.ais.nbetas = nb;
    ro.ais.base = ZS_RBM_AIS_BASE_UNIFORM;
    ro.reverse = ZS_RBM_REVERSE_PT;
    ro.pt_temperatures = T;
    ro.pt_sweeps = S;
    zs_rbm_sandwich_result rr;
    if (zs_dbm_to_rbm(d, &e) != ZS_OK || zs_rbm_lnz_sandwich(e, &ro, &rr) != ZS_OK) return 1;
    double t4 = cpu();
    double fw = t1 - t0, data = t2 - t1, odd = t3 - t2, even = t4 - t3;
    printf("%zu-%zu-%zu, 100 chains, %zu temperatures; PT %zu temperatures x %llu sweeps x 10 ladders x 2 stages\n",
           n[0], n[1], n[2], K, T, (unsigned long long)S);
    printf("forward AIS            %8.2f s   lnZ %.4f\n", fw, f.lnz.value);
    printf("sandwich, DATA starts  %8.2f s\n", data);
    printf("sandwich, PT odd set   %8.2f s   PT %.2f s = %.3f x forward; swap_min %.3f, lnZ_reverse %.4f\n", odd,
           odd - data, (odd - data) / fw, odd_swap, odd_up);
    printf("sandwich, PT even set  %8.2f s   PT %.2f s = %.3f x forward; swap_min %.3f, lnZ_reverse %.4f\n", even,
           even - data, (even - data) / fw, rr.pt_swap_min, rr.upper.value);
    free(rows);
    free(betas);
    zs_rbm_free(e);
    zs_dbm_free(d);
    zs_ctx_free(ctx);
    return 0;
}
