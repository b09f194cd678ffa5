/* eliminate_internal.h — shared by elimination (eliminate.c) and its orders (elim_order.c). */
#ifndef ZSUM_EXACT_ELIMINATE_INTERNAL_H
#define ZSUM_EXACT_ELIMINATE_INTERNAL_H

#include "models/factor_internal.h"

/* Once a variable's table would exceed e^ELIM_FALLBACK_LN_TABLE entries (2^45, 256 TiB of
 * doubles: beyond any machine) the fill rules give way to min-degree for the rest. */
#define ELIM_FALLBACK_LN_TABLE (45.0 * 0.69314718055994531)

/* A greedy order of the variables with skip[v] == 0 into order (room for m->nvars); *count
 * receives how many. stream 0: ties by table size then index; stream > 0: exact ties broken
 * at random from the stream (seeded, reproducible). *fell_back is set when the rule gave way
 * to min-degree; *ops receives the bitset words it visited (a deterministic cost measure). */
zs_status elim_order_greedy(const zs_factor_model *m, const unsigned char *skip,
                            zs_factor_order h, uint64_t stream, size_t *order, size_t *count,
                            int *fell_back, double *ops);

#endif
