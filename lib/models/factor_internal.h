/* factor_internal.h — the factor model as the library holds it (lib/models/factor.c), shared
 * with the UAI reader/writer (lib/io/uai.c) and elimination (lib/exact/elim_*.c). */
#ifndef ZSUM_MODELS_FACTOR_INTERNAL_H
#define ZSUM_MODELS_FACTOR_INTERNAL_H

#include "core/internal.h"

typedef struct fm_factor {
    size_t arity;     /* variables in the scope                                          */
    uint32_t *scope;  /* (arity) variable indices, in the order given (last fastest)     */
    size_t size;      /* prod_k d_{scope[k]}                                             */
    double *lnt;      /* (size) ln phi, -HUGE_VAL for phi = 0                            */
} fm_factor;

struct zs_factor_model {
    zs_ctx *ctx;          /* for error messages; may be NULL                             */
    size_t nvars;
    uint32_t *dom;        /* (nvars) domain sizes d_i >= 1                               */
    zs_factor_kind kind;
    size_t nf, cap;
    fm_factor *f;         /* (nf) factors in the order added                             */
};

#endif
