/* test_search.c — exact ln Z by search (lib/exact/search*.c) against a brute force written
 * here (every assignment consistent with the evidence, in linear space) on random
 * deterministic models: CNF-like binary ones, 3-valued constraints with constants, literal
 * weights, evidence, unsatisfiable ones, ones that split into components; against variable
 * elimination on larger random ones; the cache limit, the refusals and the limits. */
#include "check.h"
#include "exact/search_internal.h"
#include "zsum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXV 14
#define MAXF 80

#include "rmodel.h"

/* A constraint over `arity` random distinct variables: each entry 0 with probability pzero
 * (a clause when binary with exactly one zero: clause != 0), else the constant c. */
static void add_constraint(zs_rng *rng, rmodel *r, size_t arity, int clause, double pzero, double c) {
    size_t f = r->nf++;
    r->arity[f] = arity;
    for (size_t k = 0; k < arity; k++) {
        uint32_t v;
        int again;
        do {
            v = (uint32_t)zs_rng_below(rng, r->n);
            again = 0;
            for (size_t j = 0; j < k; j++) again |= r->scope[f][j] == v;
        } while (again);
        r->scope[f][k] = v;
    }
    size_t size = 1;
    for (size_t k = 0; k < arity; k++) size *= r->dom[r->scope[f][k]];
    r->val[f] = malloc(size * sizeof *r->val[f]);
    size_t zero = (size_t)zs_rng_below(rng, size);
    for (size_t e = 0; e < size; e++)
        r->val[f][e] = clause ? (e == zero ? 0.0 : c) : (zs_rng_uniform(rng) < pzero ? 0.0 : c);
}

/* A unary factor of random positive weights (a zero with probability pzero). */
static void add_weight(zs_rng *rng, rmodel *r, uint32_t v, double pzero) {
    size_t f = r->nf++;
    r->arity[f] = 1;
    r->scope[f][0] = v;
    r->val[f] = malloc(r->dom[v] * sizeof *r->val[f]);
    for (uint32_t a = 0; a < r->dom[v]; a++)
        r->val[f][a] = zs_rng_uniform(rng) < pzero ? 0.0 : exp(1.5 * (zs_rng_uniform(rng) - 0.5));
}

/* ln of the brute-force sum (-HUGE_VAL for Z = 0). */
static double brute_lnz(const rmodel *r, const int32_t *ev) {
    uint32_t x[MAXV];
    double z = 0.0;
    rmodel_first(r, ev, x);
    do z += rmodel_weight(r, x);
    while (rmodel_next(r, ev, x));
    return z > 0.0 ? log(z) : -HUGE_VAL;
}

/* A random model of the search class: n variables of 2 (maxdom 2) or 2..maxdom values,
 * constraints (clauses when binary and `clauses`), unary weights on some variables. */
static void random_model(zs_rng *rng, size_t n, size_t ncons, uint32_t maxdom, int clauses, rmodel *r) {
    memset(r, 0, sizeof *r);
    r->n = n;
    for (size_t i = 0; i < n; i++) r->dom[i] = maxdom == 2 ? 2 : 2 + (uint32_t)zs_rng_below(rng, maxdom - 1);
    for (size_t k = 0; k < ncons && r->nf < MAXF - MAXV; k++) {
        size_t arity = 2 + (size_t)zs_rng_below(rng, n < 4 ? n - 1 : 3);
        double c = zs_rng_below(rng, 3) ? 1.0 : exp(zs_rng_uniform(rng) * 2.0 - 1.0);
        add_constraint(rng, r, arity, clauses, 0.3, c);
    }
    for (uint32_t v = 0; v < n; v++)
        if (zs_rng_below(rng, 3) == 0) add_weight(rng, r, v, 0.1);
}

static double search_lnz(const zs_factor_model *m, const int32_t *ev, const zs_factor_search_opts *o,
                         zs_factor_search_stats *stats, zs_status *st) {
    double lnz = 0.0;
    *st = zs_factor_lnz_search(m, ev, o, &lnz, stats);
    return lnz;
}

static int learned_models; /* models on which check_random's search learned a clause */
static int td_models;      /* models on which its branching used a tree decomposition */
static int elim_models;    /* models of which it summed out variables before branching */

static void check_random_opts(uint64_t seed, uint32_t maxdom, int clauses, const zs_factor_search_opts *o, int *zeros,
                              int *split) {
    zs_rng rng;
    zs_rng_init(&rng, seed, 3);
    for (int trial = 0; trial < 300; trial++) {
        rmodel r;
        size_t n = 2 + (size_t)zs_rng_below(&rng, maxdom == 2 ? MAXV - 1 : 8);
        random_model(&rng, n, (size_t)zs_rng_below(&rng, 3 * n), maxdom, clauses, &r);
        int32_t ev[MAXV];
        for (size_t i = 0; i < n; i++)
            ev[i] = trial % 3 == 2 && zs_rng_below(&rng, 4) == 0 ? (int32_t)zs_rng_below(&rng, r.dom[i]) : -1;
        zs_factor_model *m = to_model(&r);
        CHECK(m != NULL);
        zs_status st;
        zs_factor_search_stats stats;
        double got = search_lnz(m, trial % 3 == 2 ? ev : NULL, o, &stats, &st);
        double want = brute_lnz(&r, trial % 3 == 2 ? ev : NULL);
        CHECK(st == ZS_OK);
        if (want == -HUGE_VAL) CHECK(got == -HUGE_VAL), ++*zeros;
        else CHECK_REL(got, want, 1e-12);
        *split += stats.max_depth > 1 && stats.components > 1;
        learned_models += stats.learned > 0;
        td_models += stats.td_width > 0;
        elim_models += stats.eliminated > 0;
        if (o && !o->eliminate) CHECK(stats.eliminated == 0);
        if (o && !o->learn) CHECK(stats.learned == 0);
        if (o && o->td_weight == 0.0) CHECK(stats.td_width == 0);
        zs_factor_model_free(m);
        rmodel_free(&r);
    }
}

/* With the defaults (clause learning on). */
static void check_random(uint64_t seed, uint32_t maxdom, int clauses, int *zeros, int *split) {
    check_random_opts(seed, maxdom, clauses, NULL, zeros, split);
}

static void search_should_match_brute_force_on_random_cnfs(void) {
    int zeros = 0, split = 0;
    check_random(11, 2, 1, &zeros, &split);
    printf("  %d of 300 unsatisfiable, %d with nested components\n", zeros, split);
    CHECK(zeros > 5 && zeros < 250);
    CHECK(split > 20);
}

static void search_should_match_brute_force_on_binary_constraints(void) {
    int zeros = 0, split = 0;
    check_random(12, 2, 0, &zeros, &split);
    CHECK(zeros > 5);
}

static void search_should_match_brute_force_on_multivalued_constraints(void) {
    int zeros = 0, split = 0;
    check_random(13, 4, 0, &zeros, &split);
    printf("  3- and 4-valued: %d of 300 zero\n", zeros);
    CHECK(zeros > 5 && zeros < 250);
}

/* Clause learning and the branching by activity change no count: the random models above
 * with learning but the clause score alone and with no learning, and with the defaults the
 * learned clauses did arise (multi-valued variables included). */
static void search_should_count_the_same_without_learning(void) {
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    CHECK(o.learn == 1);
    int zeros = 0, split = 0;
    learned_models = 0;
    check_random(13, 4, 0, &zeros, &split);
    printf("  with learning: clauses learned on %d of 300 multi-valued models\n", learned_models);
    CHECK(learned_models > 20);
    o.activity = 0;
    for (uint64_t seed = 11; seed <= 13; seed++) check_random_opts(seed, seed == 13 ? 4 : 2, seed == 11, &o, &zeros, &split);
    o.learn = 0;
    for (uint64_t seed = 11; seed <= 13; seed++) check_random_opts(seed, seed == 13 ? 4 : 2, seed == 11, &o, &zeros, &split);
}

/* The branching by the tree decomposition changes no count: the random models above (binary
 * and multi-valued, with evidence) with the position weighed so that it decides (10^6) and
 * with none, against the brute force; the default uses a decomposition. */
static void search_should_count_the_same_with_and_without_the_decomposition(void) {
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    CHECK(o.td_weight == 100.0);
    int zeros = 0, split = 0;
    td_models = 0;
    check_random(11, 2, 1, &zeros, &split);
    printf("  default: a decomposition on %d of 300 models\n", td_models);
    CHECK(td_models > 200);
    for (int k = 0; k < 2; k++) {
        o.td_weight = k ? 1e6 : 0.0;
        td_models = 0;
        for (uint64_t seed = 11; seed <= 13; seed++) check_random_opts(seed, seed == 13 ? 4 : 2, seed == 11, &o, &zeros, &split);
        if (k) printf("  weight 10^6: a decomposition on %d of 900 models\n", td_models);
        CHECK(k ? td_models > 500 : td_models == 0);
    }
}

/* Models whose primal graph falls apart into 2-4 blocks of variables (clauses within a block
 * only) and a few variables of no factor: the decomposition is a forest, each tree rooted at
 * its own centroid; with and without it the brute force's count. */
static void search_should_count_models_of_separate_parts_with_the_decomposition(void) {
    zs_rng rng;
    zs_rng_init(&rng, 51, 1);
    int used = 0;
    /* a short run (sanitizers, forced kernels) takes 50 models: the brute force over up to
     * 3^14 states is most of this test's time */
    const int trials = check_short_run() ? 50 : 200;
    for (int trial = 0; trial < trials; trial++) {
        rmodel r;
        memset(&r, 0, sizeof r);
        r.n = 10 + (size_t)zs_rng_below(&rng, MAXV - 9);
        size_t blocks = 2 + (size_t)zs_rng_below(&rng, 3), width = (r.n - 2) / blocks;
        for (size_t i = 0; i < r.n; i++) r.dom[i] = trial % 4 == 3 ? 3 : 2;
        for (size_t b = 0; b < blocks; b++)
            for (size_t k = 0; k < 2 * width && r.nf < MAXF - MAXV; k++) {
                size_t f = r.nf, arity = 2 + (size_t)zs_rng_below(&rng, width < 3 ? 1 : 2), n = r.n;
                r.n = width; /* drawn among the first `width` variables (all of one domain size) */
                add_constraint(&rng, &r, arity, trial % 4 != 3, 0.3, 1.0);
                r.n = n;
                for (size_t j = 0; j < arity; j++) r.scope[f][j] += (uint32_t)(b * width); /* into block b */
            }
        for (uint32_t v = 0; v < r.n; v += 4) add_weight(&rng, &r, v, 0.0);
        zs_factor_model *m = to_model(&r);
        CHECK(m != NULL);
        double want = brute_lnz(&r, NULL);
        for (int k = 0; k < 2; k++) {
            zs_factor_search_opts o;
            zs_factor_search_defaults(&o);
            o.td_weight = k ? 1e6 : 0.0;
            zs_status st;
            zs_factor_search_stats stats;
            double got = search_lnz(m, NULL, &o, &stats, &st);
            CHECK(st == ZS_OK);
            if (want == -HUGE_VAL) CHECK(got == -HUGE_VAL);
            else CHECK_REL(got, want, 1e-12);
            used += k && stats.td_width > 0;
        }
        zs_factor_model_free(m);
        rmodel_free(&r);
    }
    printf("  %d of %d models of separate parts branched by a decomposition\n", used, trials);
    CHECK(used > trials / 2);
}

/* The positions worked by hand. A path 0-1-...-6 of pairwise clauses: min-fill eliminates
 * 0, 1, ..., 6 (each end has no fill, ties to the lower index), so the bags are {i, i+1} and
 * {6}, a path rooted at {6}; the centroid is the deepest bag whose subtree holds half (3) of
 * the 7 variables, {2, 3}. Levels: 2 and 3 at 2; 1 and 4 at 3; 0 and 5 at 4; 6 at 5 ({6}
 * adds nothing to {5, 6}); score (5 - level) / 5. With 3 skipped, two paths 0-1-2 and 4-5-6:
 * the bags {0,1}, {1,2}, {2} rooted at {0,1} (a subtree of 1 variable holds half of 3):
 * 0 and 1 at level 2, 2 at 3, the same for 4, 5, 6, and score (3 - level) / 3. */
static void search_should_place_the_variables_of_a_path_by_its_centroid(void) {
    uint32_t dom[7] = {2, 2, 2, 2, 2, 2, 2};
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(NULL, 7, dom, &m) == ZS_OK);
    double t[4] = {1, 1, 1, 0};
    for (uint32_t i = 0; i + 1 < 7; i++) {
        uint32_t sc[2] = {i, i + 1};
        CHECK(zs_factor_model_add(m, 2, sc, t, 0) == ZS_OK);
    }
    unsigned char skip[7] = {0};
    double score[7];
    size_t width = 0;
    CHECK(sr_td_scores(m, skip, score, &width) == ZS_OK);
    const double want[7] = {0.2, 0.4, 0.6, 0.6, 0.4, 0.2, 0.0};
    for (int v = 0; v < 7; v++) CHECK_REL(score[v], want[v], 1e-15);
    CHECK(width == 1);
    skip[3] = 1;
    CHECK(sr_td_scores(m, skip, score, &width) == ZS_OK);
    const double want2[7] = {1.0 / 3, 1.0 / 3, 0.0, 0.0, 1.0 / 3, 1.0 / 3, 0.0};
    for (int v = 0; v < 7; v++) CHECK(fabs(score[v] - want2[v]) < 1e-15);
    CHECK(width == 1);
    /* fewer than three variables left: no decomposition */
    memset(skip, 1, sizeof skip);
    skip[0] = skip[1] = 0;
    CHECK(sr_td_scores(m, skip, score, &width) == ZS_OK);
    CHECK(width == 0 && score[0] == 0.0 && score[1] == 0.0);
    zs_factor_model_free(m);
}

/* Summing out the variables whose factors sum to a constant changes no count: the random
 * models above with and without it (binary and multi-valued, weights, evidence). */
static void search_should_count_the_same_without_summing_out(void) {
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    CHECK(o.eliminate == 1);
    int zeros = 0, split = 0;
    for (int k = 0; k < 2; k++) {
        o.eliminate = k;
        elim_models = 0;
        for (uint64_t seed = 11; seed <= 13; seed++) check_random_opts(seed, seed == 13 ? 4 : 2, seed == 11, &o, &zeros, &split);
        printf("  eliminate %d: variables summed out on %d of 900 models\n", k, elim_models);
        CHECK(k ? elim_models > 150 : elim_models == 0);
    }
}

/* A random circuit: k inputs, then gates AND, OR, XOR of two earlier signals, each gate's
 * output z a variable defined by its Tseitin clauses, each clause a factor with one zero
 * entry (the assignment that falsifies it). Every assignment of the inputs extends to one
 * model: Z = 2^k, whatever the search does. */
static void add_clause3(zs_factor_model *m, uint32_t n, const uint32_t *v, const int *pos) {
    double t[8];
    size_t zero = 0; /* every literal false: a positive literal at 0, a negative one at 1 */
    for (uint32_t j = 0; j < n; j++) zero = zero << 1 | (size_t)!pos[j];
    for (size_t e = 0; e < ((size_t)1 << n); e++) t[e] = e == zero ? 0.0 : 1.0;
    CHECK(zs_factor_model_add(m, n, v, t, 0) == ZS_OK);
}

typedef struct gate {
    uint32_t a, b, type; /* type 0 and, 1 or, 2 xor */
} gate;

static zs_factor_model *random_circuit(zs_rng *rng, uint32_t k, uint32_t gates, gate *g) {
    uint32_t n = k + gates, dom[512];
    for (uint32_t i = 0; i < n; i++) dom[i] = 2;
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(NULL, n, dom, &m) == ZS_OK);
    for (uint32_t z = k; z < n; z++) {
        uint32_t a = (uint32_t)zs_rng_below(rng, z), b = (uint32_t)zs_rng_below(rng, z - 1);
        b += b >= a;
        uint32_t zab[3] = {z, a, b}, za[2] = {z, a}, zb[2] = {z, b};
        g[z - k] = (gate){a, b, (uint32_t)zs_rng_below(rng, 3)};
        switch (g[z - k].type) {
        case 0: /* z = a and b */
            add_clause3(m, 2, za, (int[]){0, 1}), add_clause3(m, 2, zb, (int[]){0, 1});
            add_clause3(m, 3, zab, (int[]){1, 0, 0});
            break;
        case 1: /* z = a or b */
            add_clause3(m, 2, za, (int[]){1, 0}), add_clause3(m, 2, zb, (int[]){1, 0});
            add_clause3(m, 3, zab, (int[]){0, 1, 1});
            break;
        default: /* z = a xor b */
            add_clause3(m, 3, zab, (int[]){0, 1, 1}), add_clause3(m, 3, zab, (int[]){0, 0, 0});
            add_clause3(m, 3, zab, (int[]){1, 0, 1}), add_clause3(m, 3, zab, (int[]){1, 1, 0});
        }
    }
    return m;
}

/* Circuits are summed out from their outputs back to the inputs: 2^k with no decision; with
 * evidence on an output the gates that output depends on stay, and the count is the brute
 * force's; without summing out, the search counts 2^k itself. */
static void search_should_sum_out_a_circuit(void) {
    gate g[512];
    zs_rng rng;
    zs_rng_init(&rng, 61, 1);
    for (int trial = 0; trial < 20; trial++) {
        uint32_t k = 20 + (uint32_t)zs_rng_below(&rng, 20), gates = 100 + (uint32_t)zs_rng_below(&rng, 300);
        zs_factor_model *m = random_circuit(&rng, k, gates, g);
        zs_factor_search_stats stats;
        zs_status st;
        double got = search_lnz(m, NULL, NULL, &stats, &st);
        CHECK(st == ZS_OK);
        CHECK_REL(got, k * log(2.0), 1e-14);
        CHECK(stats.decisions == 0 && stats.eliminated == k + gates && stats.clauses == 0);
        zs_factor_model_free(m);
    }
    for (int trial = 0; trial < 40; trial++) {
        uint32_t k = 4 + (uint32_t)zs_rng_below(&rng, 4), gates = 3 + (uint32_t)zs_rng_below(&rng, MAXV - k - 2);
        zs_factor_model *m = random_circuit(&rng, k, gates, g);
        zs_factor_search_opts o;
        zs_factor_search_defaults(&o);
        o.eliminate = 0;
        zs_status st;
        zs_factor_search_stats stats;
        CHECK_REL(search_lnz(m, NULL, &o, &stats, &st), k * log(2.0), 1e-14);
        CHECK(st == ZS_OK && stats.eliminated == 0);
        /* the last gate's output observed: the inputs that give it, by simulating the circuit */
        int32_t ev[MAXV];
        for (uint32_t i = 0; i < k + gates; i++) ev[i] = -1;
        ev[k + gates - 1] = (int32_t)zs_rng_below(&rng, 2);
        double count = 0.0;
        for (uint32_t in = 0; in < (1u << k); in++) {
            uint32_t x[MAXV];
            for (uint32_t i = 0; i < k; i++) x[i] = in >> i & 1;
            for (uint32_t j = 0; j < gates; j++) {
                uint32_t a = x[g[j].a], b = x[g[j].b];
                x[k + j] = g[j].type == 0 ? (a & b) : g[j].type == 1 ? (a | b) : (a ^ b);
            }
            count += x[k + gates - 1] == (uint32_t)ev[k + gates - 1];
        }
        double want = count > 0.0 ? log(count) : -HUGE_VAL;
        double got = search_lnz(m, ev, NULL, &stats, &st);
        CHECK(st == ZS_OK);
        if (want == -HUGE_VAL) CHECK(got == -HUGE_VAL);
        else CHECK_REL(got, want, 1e-13);
        CHECK(stats.eliminated < k + gates);
        zs_factor_model_free(m);
    }
}

/* The pigeonhole formula: P pigeons, P - 1 holes, p(i, h) = pigeon i sits in hole h; each
 * pigeon somewhere (a clause of P - 1 literals), no two in one hole (binary clauses). It has
 * no model, and every proof by search refutes the same small cores again and again: learned
 * clauses refute them once. */
static zs_factor_model *pigeonhole(uint32_t P) {
    uint32_t H = P - 1, n = P * H, dom[64];
    for (uint32_t i = 0; i < n; i++) dom[i] = 2;
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(NULL, n, dom, &m) == ZS_OK);
    double t[64];
    for (uint32_t i = 0; i < P; i++) {
        uint32_t sc[8];
        for (uint32_t h = 0; h < H; h++) sc[h] = i * H + h;
        for (size_t e = 0; e < (1u << H); e++) t[e] = e == 0 ? 0.0 : 1.0; /* all of them 0 */
        CHECK(zs_factor_model_add(m, H, sc, t, 0) == ZS_OK);
    }
    for (uint32_t h = 0; h < H; h++)
        for (uint32_t i = 0; i < P; i++)
            for (uint32_t j = i + 1; j < P; j++) {
                uint32_t sc[2] = {i * H + h, j * H + h};
                double b[4] = {1.0, 1.0, 1.0, 0.0};
                CHECK(zs_factor_model_add(m, 2, sc, b, 0) == ZS_OK);
            }
    return m;
}

static void search_should_prune_with_learned_clauses(void) {
    uint64_t dec[2] = {0, 0};
    for (uint32_t P = 5; P <= 7; P++) {
        zs_factor_model *m = pigeonhole(P);
        for (int learn = 0; learn < 2; learn++) {
            zs_factor_search_opts o;
            zs_factor_search_defaults(&o);
            o.learn = learn;
            o.activity = 0; /* the same branching rule both ways: the clause score */
            o.td_weight = 0.0;
            zs_factor_search_stats stats;
            zs_status st;
            double lnz = search_lnz(m, NULL, &o, &stats, &st);
            CHECK(st == ZS_OK);
            CHECK(lnz == -HUGE_VAL);
            dec[learn] += stats.decisions;
            CHECK(learn ? stats.learned > 0 : stats.learned == 0);
        }
        zs_factor_model_free(m);
    }
    printf("  pigeonhole 5..7: %llu decisions without learning, %llu with\n", (unsigned long long)dec[0],
           (unsigned long long)dec[1]);
    CHECK(2 * dec[1] < dec[0]);
}

/* Two copies of a satisfiable block on disjoint variables: Z multiplies. */
static void search_should_multiply_independent_components(void) {
    zs_rng rng;
    zs_rng_init(&rng, 21, 1);
    rmodel r;
    memset(&r, 0, sizeof r);
    r.n = 12;
    for (size_t i = 0; i < r.n; i++) r.dom[i] = 2;
    for (size_t block = 0; block < 2; block++)
        for (size_t k = 0; k < 7; k++) {
            size_t f = r.nf;
            add_constraint(&rng, &r, 3, 1, 0.0, 1.0);
            for (size_t j = 0; j < 3; j++) r.scope[f][j] = (uint32_t)(6 * block + (k + 2 * j) % 6);
        }
    zs_factor_model *m = to_model(&r);
    zs_status st;
    zs_factor_search_stats stats;
    double got = search_lnz(m, NULL, NULL, &stats, &st);
    CHECK(st == ZS_OK);
    CHECK_REL(got, brute_lnz(&r, NULL), 1e-13);
    CHECK(stats.components >= 2);
    zs_factor_model_free(m);
    rmodel_free(&r);
}

/* Larger random CNFs (20 to 35 variables, beyond brute force): elimination's value. */
static void search_should_match_elimination_on_larger_models(void) {
    zs_rng rng;
    zs_rng_init(&rng, 31, 2);
    int hits = 0;
    for (int trial = 0; trial < 40; trial++) {
        size_t n = 20 + (size_t)zs_rng_below(&rng, 16);
        uint32_t dom[64];
        for (size_t i = 0; i < n; i++) dom[i] = trial % 4 == 3 ? 3 : 2;
        zs_factor_model *m = NULL;
        CHECK(zs_factor_model_alloc(NULL, n, dom, &m) == ZS_OK);
        size_t ncl = n + (size_t)zs_rng_below(&rng, n);
        for (size_t k = 0; k < ncl; k++) {
            /* local clauses (variables within a window of 8) keep the width low */
            uint32_t s0 = (uint32_t)zs_rng_below(&rng, n - 8), scope[3] = {s0, s0 + 1 + (uint32_t)zs_rng_below(&rng, 3),
                                                                      s0 + 4 + (uint32_t)zs_rng_below(&rng, 4)};
            double t[27];
            size_t size = (size_t)dom[0] * dom[0] * dom[0], z = (size_t)zs_rng_below(&rng, size);
            for (size_t e = 0; e < size; e++) t[e] = e == z || (dom[0] == 3 && zs_rng_below(&rng, 5) == 0) ? 0.0 : 1.0;
            CHECK(zs_factor_model_add(m, 3, scope, t, 0) == ZS_OK);
        }
        for (uint32_t v = 0; v < n; v += 3) {
            double w[3] = {0.3 + zs_rng_uniform(&rng), 0.7 + zs_rng_uniform(&rng), 1.1};
            CHECK(zs_factor_model_add(m, 1, &v, w, 0) == ZS_OK);
        }
        zs_factor_plan *p = NULL;
        double ve = 0.0;
        CHECK(zs_factor_plan_alloc(m, NULL, ZS_ORDER_AUTO, &p) == ZS_OK);
        CHECK(zs_factor_lnz(m, NULL, p, 0.0, &ve) == ZS_OK);
        zs_status st;
        zs_factor_search_stats stats;
        double got = search_lnz(m, NULL, NULL, &stats, &st);
        CHECK(st == ZS_OK);
        CHECK_REL(got, ve, 1e-11);
        hits += stats.cache_hits > 0;
        zs_factor_plan_free(p);
        zs_factor_model_free(m);
    }
    printf("  %d of 40 models used the cache\n", hits);
    CHECK(hits > 10);
}

/* A tiny cache: nothing or little stored, the same count. */
static void search_should_stay_exact_with_a_full_cache(void) {
    zs_rng rng;
    zs_rng_init(&rng, 41, 1);
    rmodel r;
    random_model(&rng, 14, 20, 2, 1, &r);
    zs_factor_model *m = to_model(&r);
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    o.max_bytes = 100.0;
    zs_status st;
    zs_factor_search_stats stats;
    double got = search_lnz(m, NULL, &o, &stats, &st);
    CHECK(st == ZS_OK);
    CHECK_REL(got, brute_lnz(&r, NULL), 1e-12);
    CHECK(stats.cache_full == 1 && stats.cache_entries == 0);
    zs_factor_model_free(m);
    rmodel_free(&r);
}

/* Contradictions: an all-zero constraint, an impossible evidence, x = y and x != y. */
static void search_should_give_minus_infinity_for_no_model(void) {
    uint32_t dom[3] = {2, 2, 3}, s01[2] = {0, 1}, s12[2] = {1, 2};
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(NULL, 3, dom, &m) == ZS_OK);
    double eq[4] = {1, 0, 0, 1}, ne[4] = {0, 1, 1, 0};
    CHECK(zs_factor_model_add(m, 2, s01, eq, 0) == ZS_OK);
    double lnz = 0.0;
    CHECK(zs_factor_lnz_search(m, NULL, NULL, &lnz, NULL) == ZS_OK);
    CHECK_REL(lnz, log(6.0), 1e-15);
    int32_t ev[3] = {0, -1, 2};
    double zero_y[6] = {1, 1, 0, 1, 1, 1}; /* y = 0 with z = 2 is forbidden */
    CHECK(zs_factor_model_add(m, 2, s12, zero_y, 0) == ZS_OK);
    CHECK(zs_factor_lnz_search(m, ev, NULL, &lnz, NULL) == ZS_OK);
    CHECK(lnz == -HUGE_VAL);
    CHECK(zs_factor_model_add(m, 2, s01, ne, 0) == ZS_OK);
    CHECK(zs_factor_lnz_search(m, NULL, NULL, &lnz, NULL) == ZS_OK);
    CHECK(lnz == -HUGE_VAL);
    zs_factor_model_free(m);
}

static void search_should_refuse_what_it_cannot_count(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint32_t dom[3] = {2, 2, 2}, s01[2] = {0, 1}, s12[2] = {1, 2};
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(ctx, 3, dom, &m) == ZS_OK);
    double ok[4] = {2.5, 2.5, 0, 2.5}, soft[4] = {1, 2, 0, 1};
    CHECK(zs_factor_model_add(m, 2, s01, ok, 0) == ZS_OK);
    CHECK(zs_factor_search_check(m) == ZS_OK);
    CHECK(zs_factor_model_add(m, 2, s12, soft, 0) == ZS_OK);
    CHECK(zs_factor_search_check(m) == ZS_EUNSUPPORTED);
    CHECK(strstr(zs_last_error(ctx), "factor 1") != NULL);
    double lnz = 7.0;
    CHECK(zs_factor_lnz_search(m, NULL, NULL, &lnz, NULL) == ZS_EUNSUPPORTED);
    CHECK(lnz == 7.0);
    zs_factor_model_free(m);
    CHECK(zs_factor_model_alloc(ctx, 3, dom, &m) == ZS_OK);
    CHECK(zs_factor_model_add(m, 2, s01, ok, 0) == ZS_OK);
    int32_t bad[3] = {-1, 2, -1};
    CHECK(zs_factor_lnz_search(m, bad, NULL, &lnz, NULL) == ZS_EINVAL);
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    o.max_bytes = 0.0;
    CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, NULL) == ZS_EINVAL);
    const double bad_td[3] = {-1.0, NAN, INFINITY};
    for (int k = 0; k < 3; k++) {
        zs_factor_search_defaults(&o);
        o.td_weight = bad_td[k];
        CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, NULL) == ZS_EINVAL);
        CHECK(strstr(zs_last_error(ctx), "td_weight") != NULL);
    }
    CHECK(zs_factor_lnz_search(NULL, NULL, NULL, &lnz, NULL) == ZS_EINVAL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

/* A chain of n 3-valued variables with x_i != x_{i+1}: the proper 3-colourings of a path,
 * 3 * 2^(n-1) of them. */
static zs_factor_model *colouring_chain(zs_ctx *ctx, uint32_t n) {
    uint32_t dom[64];
    for (uint32_t i = 0; i < n; i++) dom[i] = 3;
    zs_factor_model *m = NULL;
    CHECK(zs_factor_model_alloc(ctx, n, dom, &m) == ZS_OK);
    const double ne[9] = {0, 1, 1, 1, 0, 1, 1, 1, 0};
    for (uint32_t i = 0; i + 1 < n; i++) {
        uint32_t s[2] = {i, i + 1};
        CHECK(zs_factor_model_add(m, 2, s, ne, 0) == ZS_OK);
    }
    return m;
}

/* max_decisions stops a search that needs more. */
static void search_should_stop_at_its_limits(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    enum { N = 40 };
    zs_factor_model *m = colouring_chain(ctx, N);
    double lnz = 0.0;
    zs_factor_search_stats stats;
    CHECK(zs_factor_lnz_search(m, NULL, NULL, &lnz, &stats) == ZS_OK);
    CHECK_REL(lnz, log(3.0) + (N - 1) * log(2.0), 1e-14); /* 3 * 2^(N-1) colourings */
    CHECK(stats.decisions == 0 && stats.eliminated == N); /* from an end: 2 each, 3 for the last */
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    o.eliminate = 0; /* branch */
    o.max_decisions = 4096;
    o.max_bytes = 1000.0; /* no cache: the path count grows as 2^depth */
    CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, &stats) == ZS_ETOOBIG);
    CHECK(strstr(zs_last_error(ctx), "decisions") != NULL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

/* The progress hook: parts done within [0, 1], not going back; a nonzero return stops. */
static int hook_calls, hook_bad, hook_stop_after;
static double hook_last;
static int hook(void *user, const char *task, double done, double total) {
    (void)user;
    hook_bad += strcmp(task, "search") != 0 || total != 1.0 || !(done >= 0.0 && done <= 1.0) ||
                done < hook_last - 1e-12;
    hook_last = done;
    return ++hook_calls == hook_stop_after;
}

static void search_should_report_progress_and_stop_on_request(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    enum { N = 24 };
    zs_factor_model *m = colouring_chain(ctx, N);
    zs_ctx_set_progress(ctx, hook, NULL);
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    o.eliminate = 0; /* branch (summed out, the path takes no decision) */
    o.max_bytes = 1000.0; /* no cache: 3 * 2^... paths, many calls */
    double lnz = 0.0;
    zs_factor_search_stats stats;
    hook_calls = hook_bad = 0, hook_last = 0.0, hook_stop_after = 0;
    CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, &stats) == ZS_OK);
    CHECK_REL(lnz, log(3.0) + (N - 1) * log(2.0), 1e-14);
    printf("  %d progress calls over %llu decisions, last part %.3f\n", hook_calls,
           (unsigned long long)stats.decisions, hook_last);
    CHECK(hook_calls > 10 && hook_bad == 0 && hook_last > 0.9);
    hook_calls = hook_bad = 0, hook_last = 0.0, hook_stop_after = 5;
    CHECK(zs_factor_lnz_search(m, NULL, &o, &lnz, &stats) == ZS_ECANCELLED);
    CHECK(hook_calls == 5 && strstr(zs_last_error(ctx), "progress hook") != NULL);
    zs_factor_model_free(m);
    zs_ctx_free(ctx);
}

static void exact_method_names_should_round_trip(void) {
    zs_factor_exact e;
    CHECK(zs_factor_exact_from_name("search", &e) == ZS_OK && e == ZS_EXACT_SEARCH);
    CHECK(!strcmp(zs_factor_exact_name(ZS_EXACT_ELIM), "elim"));
    CHECK(!strcmp(zs_factor_exact_name(ZS_EXACT_AUTO), "auto"));
    CHECK(zs_factor_exact_from_name("dpll", &e) == ZS_EINVAL);
}

int main(void) {
    RUN(search_should_match_brute_force_on_random_cnfs);
    RUN(search_should_match_brute_force_on_binary_constraints);
    RUN(search_should_match_brute_force_on_multivalued_constraints);
    RUN(search_should_count_the_same_without_learning);
    RUN(search_should_count_the_same_with_and_without_the_decomposition);
    RUN(search_should_count_models_of_separate_parts_with_the_decomposition);
    RUN(search_should_place_the_variables_of_a_path_by_its_centroid);
    RUN(search_should_count_the_same_without_summing_out);
    RUN(search_should_sum_out_a_circuit);
    RUN(search_should_prune_with_learned_clauses);
    RUN(search_should_multiply_independent_components);
    RUN(search_should_match_elimination_on_larger_models);
    RUN(search_should_stay_exact_with_a_full_cache);
    RUN(search_should_give_minus_infinity_for_no_model);
    RUN(search_should_refuse_what_it_cannot_count);
    RUN(search_should_stop_at_its_limits);
    RUN(search_should_report_progress_and_stop_on_request);
    RUN(exact_method_names_should_round_trip);
    return check_summary("test_search");
}
