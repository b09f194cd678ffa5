/* approx_internal.h — shared by the approximate methods (lib/exact/approx_*.c): the model
 * they all work on, with the evidence sliced away.
 *
 * approx.c reduces a factor model under evidence to the free variables (unobserved, more
 * than one value): every factor is sliced at the observed values and its scope sorted by
 * variable; constant factors go into lnc, one-variable factors into the variable's unary
 * table, and a factor whose scope lies inside another's is multiplied into it (so a tree of
 * pairwise factors with fields is a tree of factors, on which BP is exact). ln Z of the
 * reduced model plus lnc is ln Z(evidence) of the original. */
#ifndef ZSUM_EXACT_APPROX_INTERNAL_H
#define ZSUM_EXACT_APPROX_INTERNAL_H

#include "models/factor_internal.h"

typedef struct ax_model {
    zs_ctx *ctx;              /* the original model's, for messages                           */
    size_t n;                 /* free variables                                               */
    uint32_t *dom;            /* (n) their domain sizes, >= 2                                 */
    size_t *orig;             /* (n) their indices in the original model                      */
    size_t *uoff;             /* (n + 1) offsets of each variable's values in un[]            */
    double *un;               /* (uoff[n]) ln of the product of the unary factors             */
    zs_factor_model *fm;      /* the factors of two or more variables: scopes ascending,
                                 none inside another's; over the n free variables              */
    double lnc;               /* ln of the constant factors (finite or -HUGE_VAL)             */
    size_t *vstart;           /* (n + 1) CSR: the factors of variable v are                   */
    size_t *vfac;             /*   vfac[vstart[v] .. vstart[v + 1]),                          */
    size_t *vpos;             /*   v at position vpos[.] of that factor's scope               */
    size_t maxdom;            /* the largest domain                                           */
} ax_model;

zs_status ax_reduce(const zs_factor_model *m, const int32_t *evidence, ax_model *r);
void ax_free(ax_model *r);

/* Walks the entries of a table over sorted scope S (last variable fastest) and keeps src, the
 * entry of the table over s (a subset of S) that each one projects to: stride[k] is the step
 * of src when S[k] steps (0 when S[k] is not in s). */
typedef struct ax_odometer {
    const uint32_t *dom, *S;
    size_t nS, src;
    size_t stride[ZS_FACTOR_MAX_ARITY], digit[ZS_FACTOR_MAX_ARITY];
} ax_odometer;

/* Starts at entry 0; returns the size of the table over S. */
size_t ax_odometer_init(ax_odometer *od, const uint32_t *dom, const uint32_t *S, size_t nS,
                        const uint32_t *s, size_t ns);

/* The next entry of the table over S. */
static inline void ax_odometer_next(ax_odometer *od) {
    for (size_t k = od->nS; k-- > 0;) {
        if (++od->digit[k] < od->dom[od->S[k]]) {
            od->src += od->stride[k];
            return;
        }
        od->src -= (od->digit[k] - 1) * od->stride[k];
        od->digit[k] = 0;
    }
}

/* T (over sorted scope S, last fastest) += t (over sorted scope s, a subset of S). */
void ax_accumulate(const uint32_t *dom, const uint32_t *S, size_t nS, double *T,
                   const uint32_t *s, size_t ns, const double *t);

/* Normalize a log vector in place so that its exponentials sum to 1; returns the log of the
 * former sum (-HUGE_VAL when every entry is -HUGE_VAL, and then x is left as it was). */
double ax_lognormalize(double *x, size_t n);

/* Entropy -sum p ln p of the normalized log vector lp (0 ln 0 = 0). */
double ax_entropy(const double *lp, size_t n);

/* The largest |exp(a_k) - exp(b_k)|: the change of a normalized message in probability. */
double ax_maxdiff(const double *a, const double *b, size_t n);

/* Damp the new normalized log message nw against the old one o (ln o <- (1 - a) ln nw + a ln o,
 * renormalized; a dead value stays dead) and store it in o; returns the change (ax_maxdiff). */
double ax_damp_into(double *o, double *nw, size_t d, double a);

/* Keep one restart's result in res: the first run's stands until a converged run with a
 * larger estimate beats it (*have says whether res holds one yet). */
void ax_keep_run(zs_factor_approx_result *res, int *have, int conv, double lnz, uint64_t it,
                 double residual);

/* The run's budget: 1 once max_seconds (> 0) have passed since t0. */
int ax_out_of_time(const zs_factor_approx_opts *o, double t0);

/* 1 when the factors are exactly the edges of a full rows x cols square grid (torus: both
 * directions wrapped, rows, cols >= 3), the variables numbered row by row (as the UAI grids
 * and zsum ising number them), and no factor is larger; out-pointers may be NULL. With no
 * duplicate scopes (the reduction merges them) an equal count and every factor a lattice
 * bond make the factor set the lattice. */
int ax_lattice(const ax_model *r, size_t *rows, size_t *cols, int *torus);

/* The methods on a reduced model with n >= 1 (approx_mf.c, approx_bp.c, approx_trw.c,
 * approx_mbe.c, approx_gbp.c): they fill lnz (without r->lnc), kind, converged, iterations
 * and residual. */
zs_status ax_mf(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res);
zs_status ax_bp(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res);
zs_status ax_trw(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res);
zs_status ax_mbe(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res);
zs_status ax_gbp(const ax_model *r, const zs_factor_approx_opts *o, zs_factor_approx_result *res);
/* ax_gbp with its loop chosen (ax_gbp: AX_GBP_BOTH), so that tests can compare the fixed
 * points of the single and the double loop. */
enum { AX_GBP_BOTH = 0, AX_GBP_SINGLE = 1, AX_GBP_DOUBLE = 2 };
zs_status ax_gbp_loop(const ax_model *r, const zs_factor_approx_opts *o, int loop,
                      zs_factor_approx_result *res);

#endif
