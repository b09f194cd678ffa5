/* rbm_internal.h — the RBM as the library holds it (lib/models/rbm.c). */
#ifndef ZSUM_MODELS_RBM_INTERNAL_H
#define ZSUM_MODELS_RBM_INTERNAL_H

#include "core/internal.h"

struct zs_rbm {
    zs_ctx *ctx;     /* for messages; may be NULL                     */
    size_t nv, nh;
    double *w;       /* (nv, nh) row-major: w[i*nh + j] couples v_i, h_j */
    double *a;       /* (nv) visible biases                            */
    double *b;       /* (nh) hidden biases                             */
    zs_dtype dtype;  /* the file's element type                        */
};

/* sum_j softplus(x_j) = sum_j max(x_j, 0) + ln prod_j (1 + e^{-|x_j|}): one exp per term and
 * one log per 512 terms (each factor is in (1, 2], so 512 of them stay below 2^512). */
double rbm_sum_softplus(const double *x, size_t n);

#endif
