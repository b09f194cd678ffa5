/* hopfield_internal.h — patterns and Hopfield networks as the library holds them
 * (lib/models/patterns.c, lib/models/hopfield.c, lib/learn/hebbian.c, lib/sample/hopfield_*.c). */
#ifndef ZSUM_MODELS_HOPFIELD_INTERNAL_H
#define ZSUM_MODELS_HOPFIELD_INTERNAL_H

#include "core/internal.h"

struct zs_patterns {
    size_t p, n;        /* P patterns of N units                                            */
    size_t rows, cols;  /* image shape (rows * cols == n), 0 x 0 when none                  */
    int8_t *x;          /* (p, n) values ±1                                                  */
};

struct zs_hopfield {
    zs_ctx *ctx;        /* for messages; may be NULL                                         */
    size_t n;           /* N units                                                           */
    double *w;          /* (n, n) symmetric, zero diagonal: J = w / div                      */
    double div;         /* J = w / div: div = N for integer (Hebbian) couplings, 1 otherwise  */
    int integer;        /* w holds integers: fields w s are exact                            */
    int16_t *w16;       /* (n, n) w as 16-bit integers when integer and |w| <= 32767 and
                           N max|w| < 2^31 (fields fit int32): a quarter of the memory traffic
                           of w per flip, which is what a sweep costs. NULL otherwise.        */
    zs_patterns *pat;   /* stored patterns (NULL when unknown)                               */
    double *xi;         /* (p, n) the patterns as doubles, for BLAS overlaps (NULL if none)  */
};

/* Allocate an empty net of n units (w zeroed) with a copy of patterns (may be NULL). */
zs_status hopfield_new(zs_ctx *ctx, size_t n, const zs_patterns *patterns, zs_hopfield **out);

/* Build net->w16 from net->w when the couplings allow it (see above); called by the
 * constructors once w, div and integer are set. Out of memory just leaves w16 NULL. */
void hopfield_finish(zs_hopfield *net);

/* A uniform random permutation of order[0..n) by Fisher-Yates (lib/sample/hopfield_dynamics.c). */
void hopfield_shuffle(uint32_t *order, size_t n, zs_rng *rng);

/* Deterministic asynchronous descent to a fixed point on integer or real couplings w (n x n),
 * fields h = w s kept current, random order from rng (order: n scratch entries). Returns the
 * sweeps done; *converged = 1 when the last sweep changed nothing. Used by the capacity sweep
 * (lib/sample/hopfield_dynamics.c). */
uint64_t hopfield_descend(size_t n, const double *w, double *h, int8_t *s, uint32_t *order,
                          zs_rng *rng, uint64_t max_sweeps, int *converged);

#endif
