/* search_internal.h — the exact counter by search (lib/exact/search*.c): a factor model whose
 * factors are constraints (tables of 0 and one constant) and unary weights, compiled into
 * clauses over multi-valued variables (search_model.c); the search state, unit propagation
 * and component decomposition (search_prop.c); the component cache (search_cache.c); the
 * search itself (search.c). */
#ifndef ZSUM_EXACT_SEARCH_INTERNAL_H
#define ZSUM_EXACT_SEARCH_INTERNAL_H

#include "models/factor_internal.h"

#include <stdint.h>

/* The model as clauses. Value index: value a of variable v is vi = voff[v] + a. A zero entry
 * (x_1 = a_1, ..., x_k = a_k) of a constraint forbids that tuple: the clause
 *     (x_1 != a_1) or ... or (x_k != a_k)
 * (the "direct encoding" of a nogood; for binary variables x != a is the literal x = 1 - a, so
 * a CNF clause read from a .cnf.uai file is itself). A literal is stored as its value index. */
typedef struct sr_model {
    size_t nv;
    uint32_t *dom;     /* (nv) domain sizes                                                */
    uint32_t *voff;    /* (nv + 1) first value index of each variable                      */
    uint32_t *vof;     /* (voff[nv]) the variable of each value index                       */
    double *lw;        /* (voff[nv]) ln weight of each value: the unary factors' product   */
    double lconst;     /* sum of ln c over the factors (-HUGE_VAL: a factor is all zero)    */
    size_t nc;
    uint32_t *cstart;  /* (nc + 1) offsets into lit                                        */
    uint32_t *lit;     /* (cstart[nc]) literals: x != a as the value index of (x, a)        */
    uint32_t *lostart; /* (voff[nv] + 1) offsets into locc                                 */
    uint32_t *locc;    /* clauses holding the literal x != a, by value index                */
    uint32_t *vostart; /* (nv + 1) offsets into vocc                                       */
    uint32_t *vocc;    /* clauses mentioning the variable                                  */
} sr_model;

/* The model of m as clauses, leaving out the factors f with dead[f] (dead may be NULL);
 * ZS_EUNSUPPORTED (naming the factor) when a factor of two or more variables has two
 * different non-zero entries (dead or not); ZS_ETOOBIG past 2^31 values or literals. */
zs_status sr_model_build(const zs_factor_model *m, const unsigned char *dead, sr_model *out);
/* Sum out, one after another, the unobserved variables (ev: NULL or ev[v] >= 0 observed) whose
 * live factors sum to one constant over their neighbours' values (search_peel.c): gone[v] = 1,
 * their factors dead[f] = 1, *lnc the sum of the constants' ln, *count how many. ZS_ENOMEM. */
zs_status sr_peel(const zs_factor_model *m, const int32_t *ev, unsigned char *dead, unsigned char *gone,
                  double *lnc, size_t *count);
void sr_model_free(sr_model *sm);

/* A component: vars (ascending), its active clauses (ascending) and the removed values of its
 * multi-valued variables (ascending value indices). In the arena a component at offset o is
 *     ar[o] = branching variable, ar[o+1] = nv, ar[o+2] = nc, ar[o+3] = nrm,
 *     ar[o+4 ...] = vars, clauses, removed values;
 * A clause id carries SR_REDUCED when a variable of the clause is assigned (its literal is
 * false). Only those clauses go into the cache key (sr_key): one whose variables are all
 * unassigned lies wholly in the component and is unsatisfied, so the variables imply it
 * (the key of sharpSAT, Thurley 2006). */
#define SR_HEAD 4u
#define SR_REDUCED 0x80000000u
#define SR_WEIGHT_BITS 12u
/* Branching with learning (VSADS, Sang, Beame & Kautz 2005: variable activity from the
 * conflicts plus a clause score): score = sum of the clause weights above + W act / vinc, the
 * activity in units of the latest bump. W = 2^17, a recent conflict outweighing 128 binary
 * clauses, makes the activity decide and the Jeroslow-Wang weights break its ties: measured
 * on log-3, log-4 and 2bitmax_6 (W = 0, 2^8, 2^11, 2^14, 2^17, 2^20, 2^24), 2^17 took the
 * fewest decisions or within 3 % of them, 1.6-16 times fewer CPU seconds than W = 0. */
#define SR_VSADS_WEIGHT 131072.0
/* The default weight of the tree-decomposition position (zs_factor_search_opts.td_weight):
 * sharpSAT-TD's recommended -decow 100 (Korhonen & Järvisalo 2021). */
#define SR_TD_WEIGHT 100.0
static inline size_t sr_comp_words(const uint32_t *c) { return SR_HEAD + (size_t)c[1] + c[2] + c[3]; }

/* The component cache: key -> ln count, in open addressing; memory bounded. */
typedef struct sr_entry {
    uint64_t hash;
    size_t koff;       /* offset of the key in keys */
    uint32_t klen;
    double value;
} sr_entry;
typedef struct sr_cache {
    uint32_t *slot;    /* (cap) entry index + 1, 0 empty                                   */
    size_t cap;
    sr_entry *e;
    size_t ne, ecap;
    uint32_t *keys;
    size_t nk, kcap;
    double max_bytes;  /* stop storing past this                                           */
    int full;          /* an entry was not stored for want of room                         */
} sr_cache;
void sr_cache_init(sr_cache *c, double max_bytes);
void sr_cache_free(sr_cache *c);
double sr_cache_bytes(const sr_cache *c);
uint64_t sr_hash(const uint32_t *key, size_t n);
/* 1 and *value when the key is stored. */
int sr_cache_get(const sr_cache *c, const uint32_t *key, size_t n, uint64_t h, double *value);
/* Store (nothing when over the memory limit: c->full). ZS_ENOMEM only from the table itself. */
zs_status sr_cache_put(sr_cache *c, const uint32_t *key, size_t n, uint64_t h, double value);
/* Remove the entries stored since there were mark of them (the most recent ones). */
void sr_cache_drop(sr_cache *c, size_t mark);

/* Learned clauses (search_learn.c): nogoods in the literals of sr_model (x != a as the value
 * index of (x, a)), each derived by resolution from the constraints and earlier nogoods, so
 * implied by the model. Clause id nc + j is learned clause j; ids below nc are the model's. */
#define SR_NO_REASON 0xFFFFFFFFu
typedef struct sr_watch {
    uint32_t *w;   /* learned clauses watching a literal                                       */
    uint32_t n, cap;
} sr_watch;
typedef struct sr_learnt {
    uint32_t *lit;     /* literals; clause j is lit[start[j] .. start[j + 1]), watched: the first two */
    size_t nlit, clit;
    uint32_t *start;   /* (n + 1)                                                          */
    float *act;        /* (n) activity: bumped when the clause takes part in a conflict      */
    size_t n, cap;
    sr_watch *watch;   /* (values) the clauses watching each literal                        */
    float inc;         /* the current bump (grows by 1/0.999 a conflict: recent ones weigh more) */
    size_t limit;      /* reduce the set past this many clauses                              */
    uint64_t total;    /* clauses learned in all                                             */
} sr_learnt;

/* The search state: the removed values (a variable is assigned when one value remains), the
 * trail of removals and the stack of assigned variables, to be undone to a mark. */
typedef struct sr_state {
    const sr_model *sm;
    unsigned char *removed; /* (values)                                                   */
    uint32_t *nrem;         /* (nv) values not removed                                    */
    int32_t *val;           /* (nv) the value when one remains, else -1                   */
    uint32_t *trail;        /* (values) removed value indices, in order                   */
    size_t ntrail;
    uint32_t *asg;          /* (nv) assigned variables, in order                          */
    size_t nasg, head;      /* head: the next assigned variable to propagate              */
    /* components (search_prop.c) */
    uint64_t stamp;         /* grows; marks below are "this call" when above its base      */
    uint64_t *vmark;        /* (nv) the component id of a variable                         */
    uint64_t *cmark;        /* (nc) the call that last looked at a clause                  */
    uint32_t *ccomp;        /* (nc) its component index + 1 (| SR_REDUCED), 0: satisfied   */
    uint32_t *cweight;      /* (nc) its weight in the branching score: 2^(B - open
                               literals), B = SR_WEIGHT_BITS (Jeroslow-Wang: short clauses
                               count more)                                                 */
    uint32_t *queue;        /* (nv)                                                        */
    uint32_t *info;         /* (4 nv) per component of a call: nv, nc, nrm, best           */
    uint32_t *off;          /* (nv) scratch: where a call's components start in the arena     */
    uint64_t *order;        /* (nv) scratch: a call's components by size                    */
    uint32_t *ar;           /* the component arena                                         */
    size_t nar, car;
    /* clause learning (search_learn.c) */
    int learn;              /* learn clauses from conflicts                                 */
    uint32_t level;         /* the decision level: the depth of the frame deciding now      */
    uint32_t *lev;          /* (nv) the level at which a variable was assigned              */
    uint32_t *reason;       /* (nv) the clause that assigned a two-valued variable;
                               SR_NO_REASON: a decision, the root, or a variable of more values */
    uint32_t *depth;        /* (nv) the depth of the deepest frame whose component holds it;
                               learned clauses propagate only onto variables at level's depth */
    uint32_t conflict;      /* the clause found false by the last failed propagation         */
    unsigned char *seen;    /* (nv) scratch of the conflict analysis                        */
    uint32_t *tmp;          /* (2 nv) the clause being learned, the variables seen          */
    sr_learnt L;
    double *vact;           /* (nv) variable activity: bumped for the variables of each
                               conflict's analysis (VSIDS, Chaff), in units of vinc          */
    double vinc;            /* grows by 1/SR_VDECAY a conflict: recent conflicts weigh more */
    double vweight;         /* the activity's weight in the branching score (0: none)       */
    double *tdw;            /* (nv) the tree-decomposition part of the branching score
                               (search_td.c); NULL: none                                    */
} sr_state;

zs_status sr_state_init(sr_state *s, const sr_model *sm);
void sr_state_free(sr_state *s);
/* Remove value index vi of its variable (reason: the clause that implies it, SR_NO_REASON
 * for a decision or the root); 0 on a wipe-out (no value left). */
int sr_remove(sr_state *s, uint32_t vi, uint32_t reason);
/* Assign variable v the value a (removing the others); 0 on a conflict. */
int sr_assign(sr_state *s, uint32_t v, uint32_t a);
/* Unit propagation of the assigned variables from head on; 0 on a conflict. */
int sr_propagate(sr_state *s);
/* Undo the removals and assignments made after the marks. */
void sr_undo(sr_state *s, size_t trail_mark, size_t asg_mark);
/* The components of the unassigned variables of the component at arena offset po, appended
 * to the arena (those of one variable and no clause are not: *lnfree receives the sum of
 * their ln sum of weights); *end receives the arena's end. ZS_ENOMEM when it cannot grow. */
zs_status sr_components(sr_state *s, size_t po, double *lnfree, size_t *end);
/* Learning (search_learn.c). Allocate the learned-clause store; ZS_ENOMEM. */
zs_status sr_learn_init(sr_state *s);
void sr_learn_free(sr_state *s);
/* Visit the learned clauses watching vi, whose literal has just become false: unit ones
 * remove their last literal's value, a false one is a conflict (0, s->conflict set). */
int sr_learn_visit(sr_state *s, uint32_t vi);
/* Analyse the conflict s->conflict at s->level (before undoing it) and add the learned
 * clause; nothing is learned when memory is refused (the count stays exact). */
void sr_learn_conflict(sr_state *s);
/* The literals of clause id (model or learned) and their number. */
const uint32_t *sr_clause(const sr_state *s, uint32_t id, uint32_t *n);

/* The tree-decomposition position of each variable (search_td.c): score[v] in [0, 1], 1 for
 * the variables of the root bag of a decomposition of the primal graph of the variables with
 * skip[v] == 0 (rooted at a centroid), 0 for the deepest and the skipped; *width the
 * decomposition's width (its largest bag less one; 0 when none was built: fewer than three
 * variables, more than ZS_FACTOR_MAX_ORDER_VARS, or bags past 2^28 entries). ZS_ENOMEM. */
/* The factors holding each variable, as CSR: those of v are fac[foff[v] .. foff[v + 1]);
 * both arrays allocated here (freed by the caller, also on failure). 0: out of memory. */
int sr_var_factors(const zs_factor_model *m, size_t **foff, size_t **fac);
zs_status sr_td_scores(const zs_factor_model *m, const unsigned char *skip, double *score, size_t *width);

/* The cache key of the component at ar (its variables, reduced clauses and removed values,
 * after their counts) into key (room for sr_comp_words(ar) words): its length. */
size_t sr_key(const uint32_t *ar, uint32_t *key);

#endif
