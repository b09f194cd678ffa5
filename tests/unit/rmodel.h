/* rmodel.h — a factor model kept in plain arrays, for the brute-force oracles of the factor
 * model tests (test_uai.c, test_marginals.c): the model, its copy into a zs_factor_model, and
 * the walk over every assignment consistent with the evidence. The includer defines MAXV
 * (variables) and MAXF (factors) and includes check.h and zsum.h first. */
#ifndef ZSUM_TESTS_RMODEL_H
#define ZSUM_TESTS_RMODEL_H

#include <stdint.h>
#include <stdlib.h>

typedef struct rmodel {
    size_t n, nf;
    uint32_t dom[MAXV];
    size_t arity[MAXF];
    uint32_t scope[MAXF][4];
    double *val[MAXF]; /* linear values, last scope variable fastest */
} rmodel;

static inline void rmodel_free(rmodel *r) {
    for (size_t f = 0; f < r->nf; f++) free(r->val[f]);
}

static inline zs_factor_model *to_model(const rmodel *r) {
    zs_factor_model *m = NULL;
    if (zs_factor_model_alloc(NULL, r->n, r->dom, &m) != ZS_OK) return NULL;
    for (size_t f = 0; f < r->nf; f++)
        if (zs_factor_model_add(m, r->arity[f], r->scope[f], r->val[f], 0) != ZS_OK) {
            zs_factor_model_free(m);
            return NULL;
        }
    return m;
}

/* The product of every table at assignment x. */
static inline double rmodel_weight(const rmodel *r, const uint32_t *x) {
    double p = 1.0;
    for (size_t f = 0; f < r->nf; f++) {
        size_t idx = 0;
        for (size_t k = 0; k < r->arity[f]; k++) idx = idx * r->dom[r->scope[f][k]] + x[r->scope[f][k]];
        p *= r->val[f][idx];
    }
    return p;
}

/* The first assignment consistent with the evidence ev (NULL: none; ev[i] < 0: free). */
static inline void rmodel_first(const rmodel *r, const int32_t *ev, uint32_t *x) {
    for (size_t i = 0; i < r->n; i++) x[i] = ev && ev[i] >= 0 ? (uint32_t)ev[i] : 0;
}

/* Step x to the next assignment (last variable fastest, evidence held); 0 after the last. */
static inline int rmodel_next(const rmodel *r, const int32_t *ev, uint32_t *x) {
    size_t i = r->n;
    while (i-- > 0) {
        if (ev && ev[i] >= 0) continue;
        if (++x[i] < r->dom[i]) return 1;
        x[i] = 0;
    }
    return 0;
}

#endif
