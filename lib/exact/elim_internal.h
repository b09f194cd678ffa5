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
 * to min-degree; *ops receives a deterministic cost measure: the bitset words that scoring
 * afresh every vertex an elimination can affect would visit (the fill rules update most of
 * them by the fill edges instead, for a fraction of that; the measure is kept so that the
 * planner's cap on randomized runs, and so its plans, do not depend on how scores are kept). */
zs_status elim_order_greedy(const zs_factor_model *m, const unsigned char *skip,
                            zs_factor_order h, uint64_t stream, size_t *order, size_t *count,
                            int *fell_back, double *ops);

/* A table of the elimination: ln values over the variables at positions pos[0..n) of the
 * order (ascending, first slowest), the last fastest; child is the position whose message it
 * is (SIZE_MAX for a factor; used by the marginals), next the next table of its bucket. */
typedef struct elim_tab {
    size_t n;
    size_t *pos;  /* (n)                                              */
    size_t size;  /* entries                                          */
    double *t;    /* (size) ln values; NULL when made without data     */
    size_t child;
    struct elim_tab *next;
} elim_tab;

/* A table of n variables and size entries (t left NULL when data is 0), child SIZE_MAX;
 * NULL when out of memory. */
elim_tab *elim_tab_new(size_t n, size_t size, int data);
void elim_tab_free(elim_tab *e);

/* Factor fa sliced by the skipped variables (val their values), its variables sorted by
 * their positions pos[] (with data == 0 only the scope). A factor left without variables
 * gives *out NULL and its value in *constant. Out of memory: fails with "WHAT: out of
 * memory". */
zs_status elim_slice_table(const zs_factor_model *m, const fm_factor *fa,
                           const unsigned char *skip, const uint32_t *val, const size_t *pos,
                           int data, const char *what, elim_tab **out, double *constant);

#endif
