/* elim_internal.h — shared by variable elimination's files: the plan (elim_plan.c), its
 * conditioning (elim_condition.c), the run (elim_run.c) and the orders (elim_order.c). */
#ifndef ZSUM_EXACT_ELIM_INTERNAL_H
#define ZSUM_EXACT_ELIM_INTERNAL_H

#include "models/factor_internal.h"

/* Once a variable's table would exceed e^ELIM_FALLBACK_LN_TABLE entries (2^45, 256 TiB of
 * doubles: beyond any machine) the fill rules give way to min-degree for the rest. */
#define ELIM_FALLBACK_LN_TABLE (45.0 * 0.69314718055994531)

/* Output entries per block of the elimination kernel: d rows of it stay in L1/L2. The plan
 * counts each thread's block buffers and offset tables in its peak memory. */
#define ELIM_BLOCK 1024

struct zs_factor_plan {
    size_t nvars;
    int32_t *ev;              /* (nvars) the evidence the plan was made for, -1 none       */
    size_t n;
    size_t *order;            /* (n) variables in elimination order                        */
    size_t *cond;             /* (info.conditioned) conditioned variables, NULL when none  */
    zs_factor_plan_info info;
};

/* skip[v] = 1 for observed or single-valued variables, val[v] their value (elim_plan.c). */
zs_status elim_make_skip(const zs_factor_model *m, const int32_t *evidence, unsigned char *skip,
                         uint32_t *val);

/* qsort order of size_t values, ascending. */
static inline int elim_cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The bucket walk of the elimination on scopes alone (elim_plan.c): induced width, largest
 * table, peak memory and work of eliminating order[0..n) with the skip[] variables sliced
 * away, into info (conditioned = 0, assignments = 1). big (room for n + 1, may be NULL)
 * receives the positions of the largest table's variables, the eliminated one included, and
 * *nbig their number: the candidates for conditioning. */
zs_status elim_plan_simulate(const zs_factor_model *m, const unsigned char *skip,
                             const size_t *order, size_t n, zs_factor_plan_info *info,
                             size_t *big, size_t *nbig);

/* What a plan costs, to choose among orders (elim_plan.c). */
double elim_plan_cost(const zs_factor_plan_info *i);

/* A greedy order of the variables with skip[v] == 0 into order (room for m->nvars); *count
 * receives how many. stream 0: ties by table size then index; stream > 0: exact ties broken
 * at random from the stream (seeded, reproducible). *fell_back is set when the rule gave way
 * to min-degree; *ops receives the bitset words it visited (a deterministic cost measure). */
zs_status elim_order_greedy(const zs_factor_model *m, const unsigned char *skip,
                            zs_factor_order h, uint64_t stream, size_t *order, size_t *count,
                            int *fell_back, double *ops);

/* Factor fa sliced by the skipped variables (val their values), its k kept variables sorted
 * by pos[] (elim_run.c): their positions, strides in fa's table and domain sizes, the offset
 * base of the observed values in fa's table and the sliced table's size. */
typedef struct elim_slice {
    size_t k, base, size;
    size_t pos[ZS_FACTOR_MAX_ARITY], stride[ZS_FACTOR_MAX_ARITY], dims[ZS_FACTOR_MAX_ARITY];
} elim_slice;

void elim_slice_scope(const zs_factor_model *m, const fm_factor *fa, const unsigned char *skip,
                      const uint32_t *val, const size_t *pos, elim_slice *s);

/* The sliced table t (s->size entries, last variable fastest) from fa's. */
void elim_slice_copy(const fm_factor *fa, const elim_slice *s, double *t);

#endif
