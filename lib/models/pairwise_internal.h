/* pairwise_internal.h — the binary pairwise model as the library holds it
 * (lib/models/pairwise.c); the exact methods are declared in lib/exact/pairwise_methods.h. */
#ifndef ZSUM_MODELS_PAIRWISE_INTERNAL_H
#define ZSUM_MODELS_PAIRWISE_INTERNAL_H

#include "core/internal.h"

/* E(s) = offset - sum_b J_b s_{i_b} s_{j_b} - sum_i h_i s_i over a bond list (a pair may
 * appear twice: the 2-site periodic direction of a lattice), with a CSR adjacency for local
 * fields f_i = h_i + sum_{b ~ i} J_b s_other. */
struct zs_pairwise {
    zs_ctx *ctx;
    size_t n;
    double *h;            /* (n)                                                             */
    size_t nb;            /* bonds                                                           */
    uint32_t *bi, *bj;    /* (nb) endpoints, bi != bj                                        */
    double *bJ;           /* (nb) couplings                                                  */
    size_t *adj_start;    /* (n+1)                                                           */
    uint32_t *adj_nb;     /* (2 nb) neighbour                                                */
    double *adj_j;        /* (2 nb) coupling to it                                           */
    double offset;
    /* lattice description (lattice == 0 for dense models) */
    int lattice;
    size_t rows, cols;
    int prow, pcol;
    double *jh, *jv;      /* (rows*cols) per-bond couplings, 0 where there is no bond        */
    int uniform;          /* lattice with all couplings equal to j0 and all fields h0        */
    double j0, h0;
    int integer, ferro;
};

/* Local field f_i = h_i + sum_j J_ij s_j (dE for flipping i is 2 s_i f_i). */
double pairwise_local_field(const zs_pairwise *m, const int8_t *s, size_t i);
/* The dense J (n x n, zero diagonal, doubled bonds summed); NULL when out of memory. */
double *pairwise_dense_j(const zs_pairwise *m);

/* The checks of a lattice description (those of zs_pairwise_alloc_lattice, same messages)
 * and the model's description from it without its arrays: n, the lattice fields, uniform, j0,
 * h0, and nb for a uniform lattice; every pointer NULL. The closed forms need no more
 * (zs_lattice_thermo_compute). */
zs_status pairwise_lattice_shape(zs_ctx *ctx, const zs_lattice_spec *sp, zs_pairwise *shape);

zs_status pairwise_check_beta(const zs_pairwise *m, double beta);

/* h fed with the model as the energy reads it (n, the fields, the bonds, the offset): the part
 * of every pairwise work-unit problem hash that names the model (units_hash_begin). */
uint64_t pairwise_hash(uint64_t h, const zs_pairwise *m);

#endif
