/* dbm_internal.h — the deep Boltzmann machine as the library holds it (lib/models/dbm.c). */
#ifndef ZSUM_MODELS_DBM_INTERNAL_H
#define ZSUM_MODELS_DBM_INTERNAL_H

#include "core/internal.h"

struct zs_dbm {
    zs_ctx *ctx;       /* for messages; may be NULL                                        */
    size_t L;          /* hidden layers                                                    */
    size_t n[ZS_DBM_MAX_LAYERS + 1]; /* units of layers 0..L                                */
    double *w[ZS_DBM_MAX_LAYERS + 1]; /* w[l], l = 1..L: (n[l-1], n[l]) row-major; w[0] NULL */
    double *b[ZS_DBM_MAX_LAYERS + 1]; /* b[l], l = 0..L                                     */
    zs_dtype dtype;    /* the file's element type                                          */
};

/* 1 / (1 + e^-x), with no overflow of e^-x for x < 0. */
static inline double dbm_sigmoid(double x) {
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

/* The even set (v, h^2, ...) and the odd set (h^1, h^3, ...): the offset of layer l inside
 * its set's concatenation (layers of a set in increasing order; offset may be NULL), and the
 * size of each set. */
void dbm_set_offsets(const zs_dbm *dbm, size_t *offset, size_t *n_even, size_t *n_odd);

/* ZS_EINVAL, naming the first (1-based) row and column, when a byte of the n rows of d units
 * is not 0 or 1. */
zs_status dbm_check_rows(zs_ctx *ctx, const uint8_t *rows, size_t n, size_t d);

/* The units of all layers together; *widest (may be NULL) the largest layer; off (may be NULL,
 * L + 2 entries) layer l's first unit in the concatenation of the layers in order, off[L + 1]
 * the total. */
size_t dbm_units(const zs_dbm *dbm, size_t *widest, size_t *off);

/* One sweep of the free (v included) naive mean field, layer after layer:
 *   mu^l = sigmoid(b^l + W^lT mu^{l-1} + W^{l+1} mu^{l+1})
 * over mu (dbm_units entries at the layer offsets off); x (may be NULL) receives the fields.
 * Returns the largest change of a mean (lib/models/dbm_variational.c). */
double dbm_mf_sweep(const zs_dbm *dbm, const size_t *off, double *mu, double *x);

/* Mean field for one row: mu_all (dbm_units entries, layers in order) holds v in its first n_0
 * entries on entry and every layer's means on return; x_all (same size) receives the fields
 * the means were last set from; x is scratch of the widest layer. Returns B(v). */
double dbm_mf_row(const zs_dbm *dbm, const zs_dbm_mf_opts *opts, double *mu_all, double *x_all,
                  double *x, uint32_t *iterations, int *converged);

#endif
