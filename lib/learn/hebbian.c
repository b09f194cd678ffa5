/* hebbian.c — Hebbian storage (Hopfield 1982, eq. 2; Hertz, Krogh & Palmer 1991, eq. 2.9):
 * J_ij = (1/N) sum_mu xi^mu_i xi^mu_j for i != j, J_ii = 0. The integer matrix
 * K = Xi^T Xi (Xi the P x N pattern matrix) is one BLAS rank-P update (dsyrk); its entries
 * are sums of ±1 and therefore exact whatever the kernel's order. J = K / N is never
 * materialised for the dynamics, which works on K (see zsum/hopfield.h). */
#include "models/hopfield_internal.h"

#include <cblas.h>

zs_status zs_hopfield_alloc_hebbian(zs_ctx *ctx, const zs_patterns *patterns, zs_hopfield **out) {
    if (!patterns || !out) return zs_fail(ctx, ZS_EINVAL, "hebbian: NULL argument");
    const size_t n = patterns->n, p = patterns->p;
    if (p > (1u << 30))
        return zs_fail(ctx, ZS_ETOOBIG, "hebbian: P = %zu patterns exceed 2^30", p);
    zs_hopfield *net;
    zs_status st = hopfield_new(ctx, n, patterns, &net);
    if (st != ZS_OK) return st;
    /* Upper triangle of K = Xi^T Xi (row-major: C = A^T A with A = xi, P x N). */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)p, 1.0, net->xi, (int)n, 0.0,
                net->w, (int)n);
    for (size_t i = 0; i < n; i++) {
        net->w[i * n + i] = 0.0;
        for (size_t k = i + 1; k < n; k++) net->w[k * n + i] = net->w[i * n + k];
    }
    net->div = (double)n;
    net->integer = 1;
    hopfield_finish(net);
    *out = net;
    return ZS_OK;
}
