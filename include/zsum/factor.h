/*
 * zsum/factor.h — general discrete models: factor graphs, the UAI file format, and the exact
 * partition function by variable (bucket) elimination. Included by zsum.h; do not include on
 * its own.
 *
 * A factor model has n variables, variable i taking values 0..d_i-1, and factors phi_f with a
 * scope (an ordered list of distinct variables) and a non-negative table. Its unnormalized
 * measure and partition function are
 *     P~(x) = prod_f phi_f(x_scope(f)),        Z = sum_x P~(x),
 * and with evidence (some variables fixed to observed values) Z(e) = sum_{x : x_E = e} P~(x),
 * the quantity the UAI inference competitions call PR. In energy language E(x) = -ln P~(x)
 * at beta = 1. Tables are indexed in the UAI convention: the LAST variable of a scope varies
 * fastest, entry index = sum_k x_{scope[k]} * prod_{l > k} d_{scope[l]}.
 *
 * Tables are held as natural logarithms (ln 0 = -HUGE_VAL) and every sum is a log-sum-exp,
 * so ln Z is exact to rounding even when Z overflows a double, and Z = 0 gives ln Z = -inf.
 *
 * Implementations: lib/models/factor.c (the model), lib/exact/elim_plan.c, elim_order.c,
 * elim_condition.c (planning), elim_run.c, elim_lse*.c (variable elimination),
 * elim_marginals.c (marginals), lib/io/uai.c (UAI files), lib/io/fg.c (libDAI files),
 * lib/io/mar.c (MAR answers), lib/exact/approx_*.c (approximate ln Z), lib/exact/search*.c
 * (exact ln Z of deterministic models by search).
 */
#ifndef ZSUM_FACTOR_H
#define ZSUM_FACTOR_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/factor.h"
#endif

typedef struct zs_factor_model zs_factor_model;

/* What the UAI header said. Both mean the same product of tables; BAYES tables are
 * conditional probability tables whose child is the last variable of the scope. */
typedef enum zs_factor_kind { ZS_FACTOR_MARKOV = 0, ZS_FACTOR_BAYES = 1 } zs_factor_kind;
/* "MARKOV", "BAYES" (as the UAI header spells them). */
const char *zs_factor_kind_name(zs_factor_kind kind);
zs_status zs_factor_kind_from_name(const char *name, zs_factor_kind *out);

/* Limits against hostile input: a table may have at most this many entries, a domain at
 * most ZS_FACTOR_MAX_DOMAIN values, a scope at most ZS_FACTOR_MAX_ARITY variables. */
#define ZS_FACTOR_MAX_TABLE 4294967296.0 /* 2^32 entries */
#define ZS_FACTOR_MAX_DOMAIN 1000000u
#define ZS_FACTOR_MAX_ARITY 64u

/* An empty model of nvars variables with the given domain sizes (each >= 1, at most
 * ZS_FACTOR_MAX_DOMAIN). ctx (may be NULL) keeps the messages of later calls and must outlive
 * the model. ZS_EINVAL names the offending domain. */
zs_status zs_factor_model_alloc(zs_ctx *ctx, size_t nvars, const uint32_t *domains,
                                zs_factor_model **out);
void zs_factor_model_free(zs_factor_model *m);

/* Add a factor. scope: arity distinct variable indices (arity 0 is a constant factor with one
 * entry); values: prod_k d_{scope[k]} entries, last scope variable fastest. With is_log == 0
 * the values are phi itself (finite, >= 0); with is_log != 0 they are ln phi (finite or
 * -HUGE_VAL for a zero). The model copies both arrays. ZS_EINVAL names the factor, the
 * variable or the entry at fault. */
zs_status zs_factor_model_add(zs_factor_model *m, size_t arity, const uint32_t *scope,
                              const double *values, int is_log);

size_t zs_factor_model_nvars(const zs_factor_model *m);
uint32_t zs_factor_model_domain(const zs_factor_model *m, size_t var); /* 0 if out of range */
size_t zs_factor_model_nfactors(const zs_factor_model *m);
zs_factor_kind zs_factor_model_kind(const zs_factor_model *m);
void zs_factor_model_set_kind(zs_factor_model *m, zs_factor_kind kind);

/* Read a .uai file (MARKOV or BAYES; lib/io/uai.c). Strict: every count must agree, every
 * index be in range, every table entry a finite number >= 0 (subnormals such as 1e-320 are
 * finite; a number below them reads as 0), nothing may follow the last table; ZS_EFORMAT with
 * a message "FILE:LINE: ..." naming what is wrong. The file is read by zs_read_input (zsum/io.h)
 * with ZS_READ_GZIP | ZS_READ_TEXT and a limit of ZS_FACTOR_MAX_UAI_BYTES: gzip-compressed
 * files are unpacked, path "-" reads standard input, and its refusals (ZS_EIO for a directory,
 * a device, an unreadable file; ZS_ETOOBIG above the limit; ZS_EFORMAT for a NUL byte) apply. */
/* The largest UAI text read (after unpacking): 256 MiB. Every table entry takes at least two
 * bytes of text and 8 in the model, so the model stays under 1 GiB (the UAI 2014 PR
 * instances in the reference data hold under 1 MiB each). */
#define ZS_FACTOR_MAX_UAI_BYTES ((size_t)1 << 28)
zs_status zs_factor_read_uai(zs_ctx *ctx, const char *path, zs_factor_model **out);
/* The same from text in memory (text need not be NUL-terminated, and a NUL byte in it is
 * refused as the file reader refuses it: ZS_EFORMAT); name is used in messages.
 * Nothing is allocated for what the text merely declares: each declared count (variables,
 * factors, scope variables, table entries) is refused with ZS_EFORMAT when the rest of the
 * text cannot hold that many numbers (each needs at least two bytes: a digit and a separator,
 * the last one excepted), so memory stays within a small multiple of len. */
zs_status zs_factor_parse_uai(zs_ctx *ctx, const char *text, size_t len, const char *name,
                              zs_factor_model **out);

/* Read a libDAI factor-graph file (.fg; lib/io/fg.c): the number of factors, then per factor
 * its variable count, their labels (whole numbers >= 0), their numbers of values, the count of
 * listed entries and that many "index value" pairs, the index running with the FIRST variable
 * fastest; entries not listed are 0; lines starting with '#' are comments. Variable i of the
 * model is the i-th smallest label (label i when the labels are 0..n-1); a factor keeps its
 * scope in the file's order and its table is transposed to the UAI layout above, so the model
 * equals the one zs_factor_read_uai makes of the same scopes and tables. Strict as the UAI
 * reader (ZS_EFORMAT, "FILE:LINE: ..."): a label listed twice in a factor or with two
 * different numbers of values, an index out of its table or listed twice, a value that is not
 * a finite number >= 0, text after the last factor. Read as zs_factor_read_uai reads (gzip,
 * "-", ZS_FACTOR_MAX_UAI_BYTES). Unlisted entries cost memory without text, so the tables
 * together may hold at most 2^20 + 16 x (bytes of text) entries. */
zs_status zs_factor_read_fg(zs_ctx *ctx, const char *path, zs_factor_model **out);
zs_status zs_factor_parse_fg(zs_ctx *ctx, const char *text, size_t len, const char *name,
                             zs_factor_model **out);
/* A model file in either format: .fg (or .fg.gz) is libDAI's, .uai (.uai.gz) UAI's; any other
 * name (and "-") is told by its content: libDAI's starts with a number, UAI's with MARKOV or
 * BAYES (what is not a number goes to the UAI reader and its message). */
zs_status zs_factor_read_model(zs_ctx *ctx, const char *path, zs_factor_model **out);

/* Evidence is an array of nvars entries: the observed value of each variable, or -1 when it
 * is not observed. Read a .evid file into it (every entry is set; *observed receives the
 * number of observed variables, may be NULL). Both layouts of the competitions are read:
 *     N  v1 x1 ... vN xN           (UAI 2014 on)
 *     1  N  v1 x1 ... vN xN        (earlier: a number of samples, which must be 1, first)
 * A variable or value that does not exist, a variable observed twice or a count that
 * disagrees with what follows is ZS_EFORMAT with "FILE:LINE: ...". The file is read as for
 * zs_factor_read_uai (gzip, "-" for standard input, the same refusals); zs_factor_parse_evid
 * parses text in memory (name is used in messages; on failure evidence is unchanged). */
zs_status zs_factor_read_evid(const zs_factor_model *m, const char *path, int32_t *evidence,
                              size_t *observed);
zs_status zs_factor_parse_evid(const zs_factor_model *m, const char *text, size_t len,
                               const char *name, int32_t *evidence, size_t *observed);

/* Write the model as a .uai file (the header kind, %.17g table entries, exp of the stored
 * logarithms). ZS_ERANGE when an entry overflows a double (ln phi > 709.78); written atomically
 * (as zs_npy_write), ZS_EIO naming the path and the reason when it cannot be written. */
zs_status zs_factor_write_uai(const zs_factor_model *m, const char *path);

/* A binary pairwise model as factors: n spins, energy
 *     E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i,     weight exp(-beta E(s)),
 * with s_i in {-1, +1} (spin01 == 0: variable value 0 is s = -1, value 1 is s = +1) or in
 * {0, 1} (spin01 != 0: value = s). J is n x n row-major, symmetric with a zero diagonal; h has
 * n entries (NULL for none). One unary factor per nonzero h_i and one pairwise factor per
 * nonzero J_ij (i < j), tables as logarithms, so ln Z of the result is the pairwise model's
 * ln Z. ZS_EINVAL names a non-finite, asymmetric or diagonal entry. */
zs_status zs_factor_from_pairwise(zs_ctx *ctx, size_t n, const double *J, const double *h,
                                  double beta, int spin01, zs_factor_model **out);

/* A pairwise model (zsum/pairwise.h) at beta as a factor model over its spins, built from its
 * bonds (lib/models/pairwise_factor.c): variable value 0 is s = -1 and 1 is s = +1; one unary
 * factor per non-zero field, one pairwise factor per bond with a non-zero coupling (a chain or
 * lattice gives O(n) factors; no dense J is formed). The model's constant energy term is left
 * out of the factors and returned in *offset (may be NULL):
 *     ln Z(model) = ln Z(factors) - beta * offset.
 * Messages go to the pairwise model's context. */
zs_status zs_pairwise_to_factor(const zs_pairwise *m, double beta, zs_factor_model **out,
                                double *offset);

/* ---------------------------------------------------------------------------------------- */
/* Exact ln Z by variable elimination (lib/exact/elim_*.c).                                 */
/* ---------------------------------------------------------------------------------------- */
/* Greedy elimination orders on the interaction graph (variables linked when they share a
 * factor; observed variables and variables with one value removed):
 *   MINFILL           the variable whose elimination adds the fewest fill edges;
 *   MINDEGREE         the variable with the fewest neighbours;
 *   WEIGHTED_MINFILL  fill edges weighted by the product of their end points' domain sizes.
 * Ties go to the smaller resulting table, then to the lower index. The fill rules are run
 * again with exact ties broken at random (fixed seeds, so a plan is a pure function of the
 * model) and the order of least estimated work is kept. Once a table would pass 2^45 entries
 * (far beyond any memory) the rest of the order is min-degree (info.fallback). */
typedef enum zs_factor_order {
    ZS_ORDER_MINFILL = 0,
    ZS_ORDER_MINDEGREE = 1,
    ZS_ORDER_WEIGHTED_MINFILL = 2,
    ZS_ORDER_FILE = 3,     /* the variables' own order (index 0 first): generators number
                              grids and time slices so that this is often near the best      */
    ZS_ORDER_AUTO = 4      /* every rule above; the plan of least work is kept              */
} zs_factor_order;
/* "minfill", "mindegree", "weighted-minfill", "file", "auto". */
const char *zs_factor_order_name(zs_factor_order order);
zs_status zs_factor_order_from_name(const char *name, zs_factor_order *out);

/* An elimination plan: the order and what it will cost, known before any table is built. */
typedef struct zs_factor_plan zs_factor_plan;

typedef struct zs_factor_plan_info {
    size_t eliminated;        /* variables summed out (the unobserved ones)                  */
    size_t width;             /* induced width: most neighbours of a variable when eliminated */
    double max_table_entries; /* entries of the largest table elimination builds             */
    double peak_bytes;        /* most bytes of tables alive at once                          */
    double work;              /* table entries read over the whole elimination (a time scale) */
    int fallback;             /* 1 when the heuristic gave way to min-degree because a table
                                 passed 2^45 entries (the width is then of that mixed order) */
    zs_factor_order chosen;   /* the rule that made the order (for ZS_ORDER_AUTO; meaningless
                                 for zs_factor_plan_from_order)                              */
    /* Conditioning (zs_factor_plan_condition): the elimination above is run once per joint
     * assignment of `conditioned` variables, which it treats as evidence; eliminated, width,
     * tables, peak_bytes and work are then those of one run. Without conditioning:
     * conditioned = 0, assignments = 1, total_work = work. */
    size_t conditioned;       /* variables conditioned on                                    */
    double assignments;       /* their joint assignments: prod of their domain sizes         */
    double total_work;        /* assignments x work: the time scale of the whole computation  */
} zs_factor_plan_info;

/* Plan the elimination of m under evidence (NULL: none) with a heuristic. ZS_EINVAL for an
 * evidence value out of range, ZS_ETOOBIG when the graph is too large to order (more than
 * ZS_FACTOR_MAX_ORDER_VARS unobserved variables). */
#define ZS_FACTOR_MAX_ORDER_VARS 32768u
zs_status zs_factor_plan_alloc(const zs_factor_model *m, const int32_t *evidence,
                               zs_factor_order heuristic, zs_factor_plan **out);
/* A plan for a given order: order lists every unobserved variable with more than one value
 * exactly once (others are ignored if listed). ZS_EINVAL when one is missing or repeated. */
zs_status zs_factor_plan_from_order(const zs_factor_model *m, const int32_t *evidence,
                                    const size_t *order, size_t n, zs_factor_plan **out);
void zs_factor_plan_free(zs_factor_plan *p);
void zs_factor_plan_get_info(const zs_factor_plan *p, zs_factor_plan_info *info);
/* The order (info.eliminated variable indices); valid while the plan lives. */
const size_t *zs_factor_plan_order(const zs_factor_plan *p);

/* Memory-bounded exact elimination by conditioning ("cutset conditioning", Pearl 1986;
 * Dechter 1999, sec. 6: elimination with conditioning). When the plan of `heuristic` needs
 * more than max_bytes of tables, variables are conditioned on one at a time, greedily: of the
 * variables of the plan's largest table, the one whose removal (as evidence) gives the least
 * estimated total cost d_v x work'; then the order is planned again under the new evidence
 * (the re-planned order or the old one minus v, whichever costs less). This repeats until a
 * run fits max_bytes. Then
 *     Z(e) = sum_{x_C} Z(e, x_C),
 * each term by elimination with C observed, combined by log-sum-exp in a fixed order
 * (zs_factor_lnz). A plan that already fits comes back unconditioned.
 * ZS_ETOOBIG (the message gives the estimate and names max_work / max_bytes) when the
 * total work, assignments x work, would exceed max_work (> 0), or when no conditioning of at
 * most 64 variables fits the memory. max_bytes must be > 0. */
#define ZS_FACTOR_MAX_CONDITIONED 64u
zs_status zs_factor_plan_condition(const zs_factor_model *m, const int32_t *evidence,
                                   zs_factor_order heuristic, double max_bytes, double max_work,
                                   zs_factor_plan **out);
/* The conditioned variables (info.conditioned indices, in the order chosen; the assignments
 * are enumerated with the last one fastest); NULL when there are none. */
const size_t *zs_factor_plan_conditioned(const zs_factor_plan *p);

/* ln Z(evidence) by bucket elimination along the plan, which must have been made for the same
 * model and evidence (ZS_EINVAL otherwise). max_bytes > 0 refuses (ZS_ETOOBIG, with the
 * memory needed in the message) a plan whose peak_bytes exceed it; 0 means no limit. Z = 0
 * gives *lnz = -HUGE_VAL. OpenMP over the entries of large tables; every entry is computed by
 * the same operations whatever the thread count, so the result does not depend on it. A
 * conditioned plan runs once per assignment of its conditioned variables, one after another
 * in a fixed order (the max_bytes limit then applies to one run). */
zs_status zs_factor_lnz(const zs_factor_model *m, const int32_t *evidence,
                        const zs_factor_plan *p, double max_bytes, double *lnz);

/* ---------------------------------------------------------------------------------------- */
/* Exact single-variable marginals (lib/exact/elim_marginals.c).                             */
/* ---------------------------------------------------------------------------------------- */
/* p(x_i = x | evidence) for every variable i and value x, exactly: the elimination along the
 * plan (the messages of zs_factor_lnz), then one pass back over its bucket tree in log space
 * (the marginal of each eliminated variable from its bucket's belief; downward messages in
 * the division form). An observed variable gets 1 at its value, a variable no factor mentions
 * 1/d_i. A conditioned plan runs once per assignment of its conditioned variables and the
 * runs are weighted by their Z(e, x_C). The result does not depend on the thread count (the
 * pass is sequential).
 *
 * Memory: the sliced factors and every message of the elimination are kept for the pass
 * back; zs_factor_marginals_bytes gives an upper bound of what one run holds (for a
 * conditioned plan, per run), which opts.max_bytes > 0 refuses to pass (ZS_ETOOBIG, with the
 * figure). Conditioning (zs_factor_plan_condition with a smaller max_bytes) lowers it. */
typedef struct zs_factor_marginals_opts {
    double max_bytes; /* refuse plans whose bound passes this many bytes; 0: no limit          */
    int log;          /* 0: probabilities; 1: their natural logarithms (ln 0 = -HUGE_VAL)       */
} zs_factor_marginals_opts;
void zs_factor_marginals_defaults(zs_factor_marginals_opts *opts);
zs_status zs_factor_marginals_bytes(const zs_factor_model *m, const int32_t *evidence,
                                    const zs_factor_plan *p, double *bytes);
/* marg: room for sum_i d_i entries; variable i's d_i values start at sum_{j<i} d_j. opts NULL:
 * the defaults. *lnz (may be NULL) receives ln Z(evidence) of the same pass (equal to
 * zs_factor_lnz's up to rounding). The plan must be for this model and evidence (ZS_EINVAL);
 * Z(evidence) = 0 leaves the conditional undefined: ZS_EINVAL saying so. */
zs_status zs_factor_marginals(const zs_factor_model *m, const int32_t *evidence,
                              const zs_factor_plan *p, const zs_factor_marginals_opts *opts,
                              double *marg, double *lnz);

/* Write marginals (zs_factor_marginals' layout, probabilities) as the UAI competitions' MAR
 * answer (lib/io/mar.c): the line "MAR", then on one line the number of variables and, for
 * each, its number of values and its probabilities (shortest decimals that read back to the
 * same doubles). ZS_EINVAL names an entry that is not in [0, 1]; written atomically (as
 * zs_npy_write), ZS_EIO naming the path and the reason when it cannot be written. */
zs_status zs_factor_write_mar(const zs_factor_model *m, const double *marg, const char *path);
/* Approximate ln Z, each labelled with what it guarantees (lib/exact/approx_*.c).          */
/* ---------------------------------------------------------------------------------------- */
/* Where elimination is out of reach, variational methods give ln Z approximately. Each result
 * says which side of the truth it is on:
 *   MF   naive mean field: the best product distribution q found, ln Z >= E_q[ln P~] + H(q)
 *        (Jensen), a LOWER bound for any q; restarts from symmetry-broken starts, best kept.
 *   BP   loopy belief propagation: ln Z of the Bethe free energy at its fixed point, an
 *        ESTIMATE (exact on a tree; either side otherwise).
 *   TRW  the tree-reweighted bound (Wainwright, Jaakkola & Willsky 2005) for any factor
 *        model: ln Z(theta) <= sum_k rho_k ln Z(theta^k) over `trees` sampled spanning
 *        forests of the factor graph (an open R x C grid: its R + C combs; a square
 *        torus: its 2n translated comb spanning
 *        trees; exact ln Z each), sum_k rho_k theta^k = theta; the
 *        split is improved by a monotone line search. An UPPER bound at every iteration;
 *        converged when the pieces' marginals agree within tol; exact on a forest.
 *   MBE  weighted mini-bucket elimination with cost shifting (Liu & Ihler 2011): an UPPER
 *        bound by Hölder's inequality whatever the iterations; i_bound (variables in a
 *        mini-bucket) trades time and memory for tightness; exact when i_bound exceeds the
 *        induced width.
 *   GBP  generalized BP (Kikuchi / cluster variation method) with the plaquettes of a square
 *        lattice as regions (the double loop of Heskes, Albers & Kappen 2003): an ESTIMATE;
 *        models that are not a square grid or torus numbered row by row are refused
 *        (ZS_EUNSUPPORTED).
 *   AUTO BP.
 * A method that cannot give a finite value says so with a status, never inf or NaN: ZS_ENUMERIC
 * when zeros or evidence leave no configuration of positive weight it can see (BP and TRW:
 * Z = 0 proved by zero propagation, TRW's in its tree pieces; MF: no product distribution of positive weight found; MBE:
 * an upper bound of zero, so Z = 0). MBE runs the min-fill, weighted min-fill and min-degree
 * orders (elim_order.c) and keeps the least bound. */
typedef enum zs_factor_approx {
    ZS_APPROX_MF = 0,
    ZS_APPROX_BP = 1,
    ZS_APPROX_TRW = 2,
    ZS_APPROX_MBE = 3,
    ZS_APPROX_GBP = 4,
    ZS_APPROX_AUTO = 5 /* BP */
} zs_factor_approx;
/* "mf", "bp", "trw", "mbe", "gbp", "auto". */
const char *zs_factor_approx_name(zs_factor_approx method);
zs_status zs_factor_approx_from_name(const char *name, zs_factor_approx *out);

/* What a value guarantees. */
typedef enum zs_bound_kind {
    ZS_BOUND_LOWER = 0,    /* ln Z >= value                                                 */
    ZS_BOUND_UPPER = 1,    /* ln Z <= value                                                 */
    ZS_BOUND_ESTIMATE = 2  /* no guarantee of side                                          */
} zs_bound_kind;
/* "lower-bound", "upper-bound", "estimate". */
const char *zs_bound_kind_name(zs_bound_kind kind);
zs_status zs_bound_kind_from_name(const char *name, zs_bound_kind *out);

/* Message-passing schedules (BP, TRW, GBP): SEQUENTIAL updates the messages one factor at a
 * time in a fixed order, each update seeing the newest messages; PARALLEL computes every
 * message from the previous sweep's. AUTO: sequential. */
typedef enum zs_factor_schedule {
    ZS_SCHEDULE_SEQUENTIAL = 0,
    ZS_SCHEDULE_PARALLEL = 1,
    ZS_SCHEDULE_AUTO = 2
} zs_factor_schedule;
/* "sequential", "parallel", "auto". */
const char *zs_factor_schedule_name(zs_factor_schedule schedule);
zs_status zs_factor_schedule_from_name(const char *name, zs_factor_schedule *out);

typedef struct zs_factor_approx_opts {
    double damping;        /* [0, 1): ln m <- (1 - damping) ln m_new + damping ln m_old
                              (BP, GBP's single loop); 0.5 by default                        */
    uint64_t max_iter;     /* sweeps per run (MF, BP; GBP: of its single loop, then as many
                              outer iterations of its double loop), line-search steps (TRW)
                              or forward-backward passes (MBE); 1000 by default              */
    double tol;            /* converged when no message or marginal moves by more than this
                              (in probability; TRW: the pieces' marginals disagree by no
                              more; MBE: a pass moves the bound by less, in nats); 1e-9 by
                              default                                                        */
    unsigned restarts;     /* MF, BP, GBP: runs from random (symmetry-broken) starts after
                              the symmetric one; the best bound (MF) or the largest ln Z
                              among converged runs (BP, GBP) is kept; 4 by default           */
    uint64_t seed;         /* the random starts and TRW's spanning forests; 1 by default     */
    unsigned i_bound;      /* MBE: most variables in a mini-bucket (>= 2); 10 by default      */
    unsigned trees;        /* TRW: spanning forests sampled as its pieces (more are added
                              until every factor is in one; fewer past 2^23 table entries);
                              100 by default                                                 */
    zs_factor_schedule schedule;
    double max_seconds;    /* stop iterating after this long (the result is then marked not
                              converged); 0: no limit                                        */
    double max_bytes;      /* MBE: memory for its tables; an order whose mini-bucket tables
                              need more is skipped, and when every order does, the call
                              fails (ZS_ETOOBIG, saying what it needs); 0: no limit (the
                              default)                                                       */
} zs_factor_approx_opts;
void zs_factor_approx_defaults(zs_factor_approx_opts *opts);

typedef struct zs_factor_approx_result {
    double lnz;            /* finite                                                         */
    zs_bound_kind kind;    /* what lnz guarantees                                            */
    zs_factor_approx method; /* the method that ran (AUTO resolved)                          */
    int converged;         /* 1 when the iteration met tol (MBE: a pass moved the bound by
                              less than tol, or no bucket was split; its bound holds at any
                              pass)                                                          */
    uint64_t iterations;   /* sweeps (MF, BP: of the run reported), passes (MBE)            */
    double seconds;        /* wall time of the whole call                                    */
    double residual;       /* the last sweep's largest change (0 for MBE)                    */
} zs_factor_approx_result;

/* Approximate ln Z(evidence) of m (evidence: NULL or nvars entries, -1 for unobserved) by
 * method. opts may be NULL (the defaults). ZS_EINVAL names a bad option or evidence value;
 * ZS_EUNSUPPORTED when the model lacks the structure the method needs (GBP: not a square
 * lattice); ZS_ETOOBIG when an MBE table would pass 2^31 entries, or TRW's pieces cannot cover
 * every factor within 2^23 table entries; ZS_ENUMERIC as above. */
zs_status zs_factor_lnz_approx(const zs_factor_model *m, const int32_t *evidence,
                               zs_factor_approx method, const zs_factor_approx_opts *opts,
                               zs_factor_approx_result *out);

/* ---------------------------------------------------------------------------------------- */
/* Exact ln Z by search with caching and components (lib/exact/search*.c).                  */
/* ---------------------------------------------------------------------------------------- */
/* Models whose induced width puts elimination out of reach may still be counted by search
 * when they are deterministic, as the SAT-derived instances of the UAI competitions are. The
 * search class: every factor of two or more variables is a constraint, a table whose non-zero
 * entries are all one constant c (factored out: ln Z gains ln c); factors of one variable
 * carry any non-negative weights (weighted model counting with literal weights); variables
 * may have any number of values; evidence fixes variables. A zero entry (x_1 = a_1, ...,
 * x_k = a_k) becomes the clause (x_1 != a_1 or ... or x_k != a_k), and
 *     Z(C) = sum_{a} w(v = a) prod_{units u} w(u) prod_{components K of C given v = a} Z(K)
 * is computed by DPLL-style search (Cachet, Sang, Beame & Kautz 2004; sharpSAT, Thurley
 * 2006): unit propagation, the split of the unassigned variables into components linked by
 * unsatisfied clauses, a cache of each component's count keyed by its variables, unsatisfied
 * clauses and removed values (the whole key is compared, so the count is exact to the
 * rounding of log-sum-exp), and branching on the variable of most unsatisfied clauses (the
 * lowest index on ties). Single-threaded and deterministic. Each conflict of unit
 * propagation is analysed to its first unique implication point and the clause learned
 * (used for propagation only; the components and the cache are those of the model's clauses),
 * as sharpSAT does. */
typedef enum zs_factor_exact {
    ZS_EXACT_ELIM = 0,   /* variable elimination (zs_factor_lnz), conditioning over memory  */
    ZS_EXACT_SEARCH = 1, /* search (zs_factor_lnz_search)                                   */
    ZS_EXACT_AUTO = 2    /* elimination when its plan fits, else search when the model is in
                            its class (the CLI's choice; the library takes the named ones)  */
} zs_factor_exact;
/* "elim", "search", "auto". */
const char *zs_factor_exact_name(zs_factor_exact method);
zs_status zs_factor_exact_from_name(const char *name, zs_factor_exact *out);

typedef struct zs_factor_search_opts {
    double max_bytes;       /* the component cache's memory (> 0); past it no more entries are
                               stored and the count stays exact; 1 GiB by default            */
    double max_seconds;     /* stop with ZS_ETOOBIG after this long; 0 (default): no limit    */
    uint64_t max_decisions; /* stop with ZS_ETOOBIG after this many decisions; 0: no limit    */
    int learn;              /* 1 (default): learn a clause from each conflict (first UIP);
                               0: none. The count is the same either way                  */
    int activity;           /* 1 (default): with learning, branch on the variables of recent
                               conflicts first (VSADS), the clause score breaking ties; 0:
                               the clause score alone                                       */
    double td_weight;       /* the weight of the tree-decomposition position in the branching
                               (branch near the root of a decomposition of the primal graph
                               first, as sharpSAT-TD); 100 by default, 0: none (>= 0)        */
    int eliminate;          /* 1 (default): first sum out every variable whose factors sum to
                               one constant whatever its neighbours' values (a circuit's gate
                               outputs); 0: none. The count is the same either way           */
} zs_factor_search_opts;
void zs_factor_search_defaults(zs_factor_search_opts *opts);

typedef struct zs_factor_search_stats {
    uint64_t decisions;     /* values tried at branch points                                 */
    uint64_t conflicts;     /* of them, refuted by unit propagation                          */
    uint64_t components;    /* components counted by branching (cache misses)                */
    uint64_t cache_hits;    /* components whose count came from the cache                    */
    uint64_t cache_entries; /* counts stored                                                 */
    double cache_bytes;     /* memory the cache holds                                        */
    int cache_full;         /* 1 when the cache reached max_bytes                            */
    size_t clauses;         /* the constraints' zero entries                                 */
    size_t max_depth;       /* deepest nesting of components being counted                   */
    double seconds;         /* wall time of the call                                         */
    uint64_t learned;       /* clauses learned from conflicts (some deleted again)           */
    size_t td_width;        /* the width of the tree decomposition the branching used; 0: none */
    size_t eliminated;      /* variables summed out before the search (opts.eliminate)        */
} zs_factor_search_stats;

/* ZS_OK when m is in the search class; ZS_EUNSUPPORTED naming the first factor outside it
 * (its index and two of its different non-zero entries); ZS_ETOOBIG past 2^31 values,
 * clauses or literals. */
zs_status zs_factor_search_check(const zs_factor_model *m);
/* ln Z(evidence) of m by search (evidence: NULL or nvars entries, -1 unobserved; opts NULL:
 * the defaults). Z = 0 gives *lnz = -HUGE_VAL. stats (may be NULL) receives the search's
 * figures, also on failure. ZS_EUNSUPPORTED as zs_factor_search_check; ZS_EINVAL for an
 * evidence value out of range or a bad option; ZS_ETOOBIG at max_seconds or max_decisions;
 * ZS_ECANCELLED when the context's progress hook (task "search", called every 64 decisions with
 * an estimate of the part done) asks to stop. */
zs_status zs_factor_lnz_search(const zs_factor_model *m, const int32_t *evidence,
                               const zs_factor_search_opts *opts, double *lnz,
                               zs_factor_search_stats *stats);

#endif
