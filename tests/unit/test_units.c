/* test_units.c — work units (include/zsum/units.h): results bit-identical for any thread
 * count and any hand-out of units; records supplied by a hook are used as they are; the
 * problem hash tells problems apart; record files round-trip every bit and lose at most a
 * cut last line. */
#include "check.h"
#include "zsum.h"

#include <stdint.h>
#include <unistd.h>

/* A hook that keeps every record it is given, and can supply them back or hand out units. */
typedef struct keeper {
    zs_unit_record rec[4096];
    unsigned char have[4096];
    uint64_t problem, units, begun;
    uint32_t parts;           /* records per unit, from begin; rec[unit * parts + part]      */
    int supply;               /* known: give back what was kept                             */
    uint64_t next_from, step; /* next: units next_from, next_from + step, ... (step 0: all) */
    uint64_t cursor;
    int refuse;
    uint64_t seq[4096]; /* units in the order done saw them                                 */
    size_t nseq;
} keeper;

static int k_begin(void *u, uint64_t problem, uint64_t units, uint32_t parts, const char *name,
                   char *msg, size_t cap) {
    keeper *k = u;
    (void)name;
    k->parts = parts;
    k->problem = problem;
    k->units = units;
    k->begun++;
    k->cursor = k->next_from;
    if (k->refuse) snprintf(msg, cap, "refused by the test");
    return k->refuse;
}
static int k_known(void *u, uint64_t unit, zs_unit_record *rec) {
    keeper *k = u;
    if (!k->supply || !k->have[unit]) return 0;
    memcpy(rec, &k->rec[unit * k->parts], k->parts * sizeof *rec);
    return 1;
}
static int k_next(void *u, uint64_t *unit) {
    keeper *k = u;
    if (k->cursor >= k->units) return 0;
    *unit = k->cursor;
    k->cursor += k->step;
    return 1;
}
static int k_done(void *u, const zs_unit_record *rec) {
    keeper *k = u;
    memcpy(&k->rec[rec->unit * k->parts], rec, k->parts * sizeof *rec);
    k->have[rec->unit] = 1;
    k->seq[k->nseq++] = rec->unit;
    return 0;
}

static zs_pairwise *bm_model(zs_ctx *ctx, size_t n, unsigned seed) {
    double *w = calloc(n * n, sizeof *w), *b = calloc(n, sizeof *b);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        b[i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        for (size_t j = 0; j < i; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            w[i * n + j] = w[j * n + i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        }
    }
    zs_pairwise *m = NULL;
    zs_pairwise_alloc_bm(ctx, n, w, b, &m);
    free(w);
    free(b);
    return m;
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void results_should_not_depend_on_threads_or_hand_out(void) {
    const zs_pairwise_thermo_opts enum_opts = {ZS_PAIRWISE_ENUMERATE, 0};
    zs_ctx *ctx = zs_ctx_alloc();
    zs_pairwise *m = bm_model(ctx, 18, 3);
    CHECK(m != NULL);
    zs_pairwise_thermo ref, t;
    zs_ctx_set_threads(ctx, 1);
    CHECK(zs_pairwise_thermo_compute(m, 0.8, &enum_opts, &ref) == ZS_OK);
    for (int th = 2; th <= 3; th++) {
        zs_ctx_set_threads(ctx, th);
        CHECK(zs_pairwise_thermo_compute(m, 0.8, &enum_opts, &t) == ZS_OK);
        CHECK(same_bits(t.lnz, ref.lnz) && same_bits(t.u, ref.u) && same_bits(t.c, ref.c) &&
              same_bits(t.chi, ref.chi) && same_bits(t.absm, ref.absm));
    }
    /* Units handed out by a hook in two interleaved halves ("processes"), then combined from
     * the records alone: the same bits. */
    keeper *k = calloc(1, sizeof *k);
    for (uint64_t p = 0; p < 2; p++) {
        k->next_from = p;
        k->step = 2;
        zs_units_hook h = {k, k_begin, k_known, k_next, k_done, 2, 0};
        zs_ctx_set_units(ctx, &h);
        CHECK(zs_pairwise_thermo_compute(m, 0.8, &enum_opts, &t) == ZS_ECANCELLED);
        CHECK(strstr(zs_last_error(ctx), "units are not here") != NULL);
    }
    CHECK(k->units == 64);
    k->supply = 1;
    zs_units_hook all = {k, k_begin, k_known, NULL, NULL, 0, 0};
    zs_ctx_set_units(ctx, &all);
    memset(&t, 0, sizeof t);
    CHECK(zs_pairwise_thermo_compute(m, 0.8, &enum_opts, &t) == ZS_OK);
    CHECK(same_bits(t.lnz, ref.lnz) && same_bits(t.u, ref.u) && same_bits(t.c, ref.c));
    /* A refusing hook stops the run before any unit. */
    k->refuse = 1;
    CHECK(zs_pairwise_thermo_compute(m, 0.8, &enum_opts, &t) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "refused by the test") != NULL);
    /* Another beta is another problem: the kept records are refused, not mixed in. */
    k->refuse = 0;
    uint64_t h08 = k->problem;
    CHECK(zs_pairwise_thermo_compute(m, 0.7, &enum_opts, &t) == ZS_EINVAL);
    CHECK(k->problem != h08);
    CHECK(strstr(zs_last_error(ctx), "belongs to another problem") != NULL);
    zs_ctx_set_units(ctx, NULL);
    free(k);
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
}

/* RBM AIS: one unit per block of at most 64 chains (130 chains: 43, 43, 44); the same bits on
 * any thread count and from records handed out in halves; a record whose count of log weights
 * is not its block's is refused by name. */
static void ais_units_should_match_threads_and_refuse_a_short_record(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *r = NULL;
    CHECK(zs_rbm_alloc(ctx, 13, 7, &r) == ZS_OK);
    double *w = zs_rbm_w_mut(r), *a = zs_rbm_vbias_mut(r), *b = zs_rbm_hbias_mut(r);
    uint64_t s = 11;
    for (size_t i = 0; i < 13 * 7 + 13 + 7; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        const double x = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        if (i < 13 * 7) w[i] = 1.3 * x;
        else if (i < 13 * 7 + 13) a[i - 13 * 7] = 2.0 * x;
        else b[i - 13 * 7 - 13] = 2.0 * x;
    }
    zs_rbm_ais_opts o;
    zs_rbm_ais_defaults(&o);
    o.chains = 130;
    o.base = ZS_RBM_AIS_BASE_UNIFORM;
    double *betas = NULL;
    size_t nb = 0;
    CHECK(zs_rbm_schedule_linear(30, &betas, &nb) == ZS_OK);
    o.betas = betas;
    o.nbetas = nb;
    zs_rbm_ais_result ref, t;
    zs_ctx_set_threads(ctx, 1);
    CHECK(zs_rbm_lnz_ais(r, &o, &ref) == ZS_OK);
    zs_ctx_set_threads(ctx, 2);
    CHECK(zs_rbm_lnz_ais(r, &o, &t) == ZS_OK);
    CHECK(same_bits(t.lnz.value, ref.lnz.value) && same_bits(t.lnz.ess, ref.lnz.ess));
    keeper *k = calloc(1, sizeof *k);
    for (uint64_t p = 0; p < 2; p++) {
        k->next_from = p;
        k->step = 2;
        zs_units_hook h = {k, k_begin, k_known, k_next, k_done, 2, 0};
        zs_ctx_set_units(ctx, &h);
        CHECK(zs_rbm_lnz_ais(r, &o, &t) == ZS_ECANCELLED);
    }
    CHECK(k->units == 3 && k->rec[0].nvalues == 43 && k->rec[2].nvalues == 44);
    k->supply = 1;
    zs_units_hook all = {k, k_begin, k_known, NULL, NULL, 0, 0};
    zs_ctx_set_units(ctx, &all);
    memset(&t, 0, sizeof t);
    CHECK(zs_rbm_lnz_ais(r, &o, &t) == ZS_OK);
    CHECK(same_bits(t.lnz.value, ref.lnz.value) && same_bits(t.band.lo, ref.band.lo));
    k->rec[1].nvalues = 1;
    CHECK(zs_rbm_lnz_ais(r, &o, &t) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "the record of unit 1 holds 1 log weights, not 43") != NULL);
    zs_ctx_set_units(ctx, NULL);
    free(k);
    free(betas);
    zs_rbm_free(r);
    zs_ctx_free(ctx);
}

static void levels_units_should_match_threads(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    double e[3] = {0.0, 1.0, 2.5};
    double g[3] = {1, 2, 1};
    zs_levels *lv = NULL;
    CHECK(zs_levels_alloc(ctx, 3, e, g, &lv) == ZS_OK);
    double a, b;
    zs_ctx_set_threads(ctx, 1);
    CHECK(zs_levels_lnz_enumerate(lv, 13, 0.4, &a) == ZS_OK);
    zs_ctx_set_threads(ctx, 2);
    CHECK(zs_levels_lnz_enumerate(lv, 13, 0.4, &b) == ZS_OK);
    CHECK(same_bits(a, b));
    /* ln Z = N ln z, z = 1 + 2 e^{-0.4} + e^{-1}. */
    CHECK_REL(a, 13.0 * log(1.0 + 2.0 * exp(-0.4) + exp(-1.0)), 1e-13);
    zs_levels_free(lv);
    zs_ctx_free(ctx);
}

static void record_files_should_round_trip_and_drop_a_cut_line(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    char path[] = "/tmp/zsum_units_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    zs_unit_record r[3];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 3; i++) {
        r[i].problem = 0x0123456789abcdefULL;
        r[i].unit = (uint64_t)(2 - i);
        r[i].nvalues = 3;
        r[i].values[0] = -HUGE_VAL;
        r[i].values[1] = 0.1 * (i + 1);
        r[i].values[2] = 4.9e-324;
    }
    zs_units_header h = {0x0123456789abcdefULL, 3, "levels -n 3 %20x", 1, 0, NULL, 0};
    CHECK(zs_units_save(ctx, path, &h, r, 2) == ZS_OK);
    CHECK(zs_units_append(ctx, path, &r[2], 1) == ZS_OK);
    zs_units_header got;
    zs_unit_record *recs = NULL;
    size_t n = 0;
    int torn = -1;
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, &torn) == ZS_OK);
    CHECK(n == 3 && torn == 0 && got.problem == h.problem && got.units == 3);
    CHECK(got.text && !strcmp(got.text, h.text));
    for (size_t i = 0; i < n && i < 3; i++)
        CHECK(recs[i].unit == r[i].unit && recs[i].nvalues == 3 &&
              !memcmp(recs[i].values, r[i].values, 3 * sizeof(double)));
    free(recs);
    zs_units_header_clear(&got);
    /* Cut the last line short: it is dropped, the rest kept. */
    FILE *f = fopen(path, "r+");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fclose(f);
    CHECK(truncate(path, len - 10) == 0);
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, &torn) == ZS_OK);
    CHECK(n == 2 && torn == 1);
    free(recs);
    zs_units_header_clear(&got);
    /* A record of another unit count: refused with the unit. */
    h.units = 1;
    CHECK(zs_units_save(ctx, path, &h, r, 1) == ZS_OK);
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, &torn) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "unit 2 is past the problem's 1 units") != NULL);
    unlink(path);
    zs_ctx_free(ctx);
}

static int same_mcmc(const zs_mcmc_result *a, const zs_mcmc_result *b) {
    return !memcmp(a, b, sizeof *a); /* zs_pairwise_sample zeroes the padding */
}

/* MCMC sampling, one unit per chain, each chain's record in several parts: the same bits on 1
 * and 2 threads, with the chains run by two "processes" (interleaved) and combined from the
 * records alone, and another seed is another problem. */
static void mcmc_chains_should_be_units(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_pairwise *m = bm_model(ctx, 12, 5);
    CHECK(m != NULL);
    zs_pairwise_sample_opts o;
    zs_pairwise_sample_defaults(&o);
    o.beta = 0.7;
    o.sweeps = 640;
    o.burnin = 50;
    o.chains = 5;
    o.seed = 11;
    zs_mcmc_result ref, t;
    zs_ctx_set_threads(ctx, 1);
    CHECK(zs_pairwise_sample(m, &o, &ref) == ZS_OK);
    zs_ctx_set_threads(ctx, 2);
    CHECK(zs_pairwise_sample(m, &o, &t) == ZS_OK);
    CHECK(same_mcmc(&t, &ref));
    keeper *k = calloc(1, sizeof *k);
    for (uint64_t p = 0; p < 2; p++) {
        k->next_from = p;
        k->step = 2;
        zs_units_hook h = {k, k_begin, k_known, k_next, k_done, 2, 0};
        zs_ctx_set_units(ctx, &h);
        CHECK(zs_pairwise_sample(m, &o, &t) == ZS_ECANCELLED);
    }
    /* 640 sweeps: L = 640 entries, K = 128 lags, 198 + 3 (6 + 128) = 600 numbers: 9 parts. */
    CHECK(k->units == 5 && k->parts == 9);
    for (uint64_t u = 0; u < 5; u++) CHECK(k->have[u]);
    k->supply = 1;
    zs_units_hook all = {k, k_begin, k_known, NULL, NULL, 0, 0};
    zs_ctx_set_units(ctx, &all);
    memset(&t, 0xff, sizeof t);
    CHECK(zs_pairwise_sample(m, &o, &t) == ZS_OK);
    CHECK(same_mcmc(&t, &ref));
    /* A damaged part (another part number) is refused, not mixed in. */
    k->rec[3 * 9 + 4].part = 5;
    CHECK(zs_pairwise_sample(m, &o, &t) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "unit 3 belongs to another problem") != NULL);
    k->rec[3 * 9 + 4].part = 4;
    o.seed = 12;
    CHECK(zs_pairwise_sample(m, &o, &t) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "belongs to another problem") != NULL);
    zs_ctx_set_units(ctx, NULL);
    free(k);
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
}

/* A unit of several parts round-trips through a file of format 2, parts and all; a part past
 * the header's count is refused. */
static void record_files_should_carry_parts(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    char path[] = "/tmp/zsum_units_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    zs_unit_record r[3];
    memset(r, 0, sizeof r);
    for (uint32_t i = 0; i < 3; i++) {
        r[i].problem = 42;
        r[i].unit = 1;
        r[i].part = i;
        r[i].nvalues = i == 2 ? 1 : ZS_UNIT_MAX_VALUES;
        for (uint32_t v = 0; v < r[i].nvalues; v++) r[i].values[v] = 1.0 / (1.0 + i + v);
    }
    zs_units_header h = {42, 2, "ising sample", 3, 0, NULL, 0};
    CHECK(zs_units_save(ctx, path, &h, NULL, 0) == ZS_OK);
    CHECK(zs_units_append(ctx, path, r, 3) == ZS_OK);
    zs_units_header got;
    zs_unit_record *recs = NULL;
    size_t n = 0;
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, NULL) == ZS_OK);
    CHECK(n == 3 && got.parts == 3 && got.units == 2);
    for (size_t i = 0; i < n && i < 3; i++)
        CHECK(recs[i].unit == 1 && recs[i].part == i && recs[i].nvalues == r[i].nvalues &&
              !memcmp(recs[i].values, r[i].values, r[i].nvalues * sizeof(double)));
    free(recs);
    zs_units_header_clear(&got);
    h.parts = 2;
    CHECK(zs_units_save(ctx, path, &h, r, 3) == ZS_OK);
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, NULL) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "unit 1 part 2 is past the problem's 2 parts") != NULL);
    unlink(path);
    zs_ctx_free(ctx);
}

/* The density of states as text "E:count;..." (the callback of zs_pairwise_dos). */
typedef struct dos_text {
    char s[8192];
    size_t k;
} dos_text;
static int dos_cb(void *u, double e, const char *count) {
    dos_text *d = u;
    d->k += (size_t)snprintf(d->s + d->k, sizeof d->s - d->k, "%g:%s;", e, count);
    return 0;
}

/* The density of states by enumeration as work units: run by two "processes" (interleaved)
 * and combined from the records alone, the counts are the plain run's; its total is 2^n; a
 * record holding a count that is not whole is refused. */
static void dos_units_should_be_exact_in_any_hand_out(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    const size_t n = 12;
    double w[144] = {0}, b[12];
    for (size_t i = 0; i < n; i++) {
        b[i] = (double)((int)(i % 5) - 2);
        for (size_t j = 0; j < i; j++) w[i * n + j] = w[j * n + i] = (double)((int)((i * 7 + j * 3) % 5) - 2);
    }
    zs_pairwise *m = NULL;
    CHECK(zs_pairwise_alloc_bm(ctx, n, w, b, &m) == ZS_OK);
    dos_text *ref = calloc(1, sizeof *ref), *got = calloc(1, sizeof *got);
    CHECK(zs_pairwise_dos(m, ZS_PAIRWISE_ENUMERATE, dos_cb, ref) == ZS_OK);
    unsigned long long total = 0;
    for (const char *p = strchr(ref->s, ':'); p; p = strchr(p + 1, ':')) total += strtoull(p + 1, NULL, 10);
    CHECK(total == 4096);
    keeper *k = calloc(1, sizeof *k);
    for (uint64_t p = 0; p < 2; p++) {
        k->next_from = p;
        k->step = 2;
        zs_units_hook h = {k, k_begin, k_known, k_next, k_done, 2, 0};
        zs_ctx_set_units(ctx, &h);
        CHECK(zs_pairwise_dos(m, ZS_PAIRWISE_ENUMERATE, dos_cb, got) == ZS_ECANCELLED);
    }
    CHECK(k->units == 256 && k->parts >= 1 && k->units * k->parts <= 4096);
    k->supply = 1;
    zs_units_hook all = {k, k_begin, k_known, NULL, NULL, 0, 0};
    zs_ctx_set_units(ctx, &all);
    got->k = 0;
    CHECK(zs_pairwise_dos(m, ZS_PAIRWISE_ENUMERATE, dos_cb, got) == ZS_OK);
    CHECK(!strcmp(got->s, ref->s));
    k->rec[5 * k->parts].values[0] += 0.5;
    CHECK(zs_pairwise_dos(m, ZS_PAIRWISE_ENUMERATE, dos_cb, got) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "unit 5 part 0 is not a histogram") != NULL);
    zs_ctx_set_units(ctx, NULL);
    free(k);
    free(ref);
    free(got);
    zs_pairwise_free(m);
    zs_ctx_free(ctx);
}

/* A file of format 3: computations declared (one appended later, as a checkpoint does), each
 * record with its computation, round-trip; a record of an undeclared computation, or one past
 * its computation's units, is refused naming the line. */
static void record_files_should_hold_several_computations(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    char path[] = "/tmp/zsum_units_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    zs_units_comp comps[2] = {{7, 3, 1}, {9, 2, 2}};
    zs_unit_record r[3];
    memset(r, 0, sizeof r);
    r[0] = (zs_unit_record){.problem = 7, .unit = 2, .nvalues = 1, .values = {0.25}};
    for (uint32_t q = 0; q < 2; q++)
        r[1 + q] = (zs_unit_record){.problem = 9, .unit = 1, .part = q, .comp = 1, .nvalues = 2, .values = {q, -1.5}};
    zs_units_header h = {0, 0, "ising --dos", 1, 1, comps, 0};
    CHECK(zs_units_save(ctx, path, &h, r, 1) == ZS_OK);
    CHECK(zs_units_append(ctx, path, &r[1], 2) == ZS_OK); /* not declared yet: the reader refuses it */
    zs_units_header got;
    zs_unit_record *recs = NULL;
    size_t n = 0;
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, NULL) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "line 5: unit 1 of computation 1 comes before that computation is declared") != NULL);
    CHECK(zs_units_save(ctx, path, &h, r, 1) == ZS_OK);
    CHECK(zs_units_append_comp(ctx, path, 1, &comps[1]) == ZS_OK);
    CHECK(zs_units_append(ctx, path, &r[1], 2) == ZS_OK);
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, NULL) == ZS_OK);
    CHECK(got.format == 3 && got.ncomps == 2 && got.comps[1].problem == 9 && got.comps[1].parts == 2);
    CHECK(got.problem == 7 && got.units == 3 && !strcmp(got.text, "ising --dos"));
    CHECK(n == 3 && recs[0].comp == 0 && recs[2].comp == 1 && recs[2].part == 1 && recs[2].values[1] == -1.5);
    free(recs);
    zs_units_header_clear(&got);
    r[1].unit = 2;
    CHECK(zs_units_append(ctx, path, &r[1], 1) == ZS_OK);
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, NULL) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "unit 2 is past the problem's 2 units") != NULL);
    /* A file of format 1 reads as one computation. */
    zs_units_header h1 = {7, 3, "levels", 1, 0, NULL, 0};
    CHECK(zs_units_save(ctx, path, &h1, r, 1) == ZS_OK);
    CHECK(zs_units_append_comp(ctx, path, 1, &comps[1]) == ZS_EIO);
    CHECK(zs_units_load(ctx, path, &got, &recs, &n, NULL) == ZS_OK);
    CHECK(got.format == 1 && got.ncomps == 1 && got.comps[0].problem == 7 && n == 1 && recs[0].comp == 0);
    free(recs);
    zs_units_header_clear(&got);
    unlink(path);
    zs_ctx_free(ctx);
}

/* Units of uneven cost (a capacity sweep: cost grows with the load) are handed out largest
 * load first, by the default hand-out and by a hook that hands out positions (zsum-mpi's
 * shared counter); the result is the same bits whoever ran what. */
static int same_points(const zs_hopfield_capacity_point *a, const zs_hopfield_capacity_point *b,
                       size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!same_bits(a[i].overlap.value, b[i].overlap.value) ||
            !same_bits(a[i].overlap.std_error, b[i].overlap.std_error) ||
            !same_bits(a[i].perfect, b[i].perfect) || !same_bits(a[i].sweeps, b[i].sweeps))
            return 0;
    return 1;
}

static void uneven_units_should_go_largest_first(void) {
    const double alpha[3] = {0.05, 0.2, 0.1}; /* P = 4, 16, 8 on N = 80 */
    zs_hopfield_capacity_opts o;
    zs_hopfield_capacity_defaults(&o);
    o.trials = 3;
    o.seed = 5;
    zs_hopfield_capacity_point ref[3], got[3];
    zs_ctx *ctx = zs_ctx_alloc();
    zs_ctx_set_threads(ctx, 2);
    CHECK(zs_hopfield_capacity(ctx, 80, alpha, 3, &o, ref) == ZS_OK);
    /* One thread, the default hand-out through a hook that only watches: load 1 (P = 16,
     * units 3..5), then load 2 (P = 8, units 6..8), then load 0 (P = 4, units 0..2). */
    static const uint64_t want[9] = {3, 4, 5, 6, 7, 8, 0, 1, 2};
    keeper *k = calloc(1, sizeof *k);
    zs_units_hook watch = {k, k_begin, NULL, NULL, k_done, 0, 0};
    zs_ctx_set_threads(ctx, 1);
    zs_ctx_set_units(ctx, &watch);
    CHECK(zs_hopfield_capacity(ctx, 80, alpha, 3, &o, got) == ZS_OK);
    CHECK(same_points(got, ref, 3));
    CHECK(k->nseq == 9 && memcmp(k->seq, want, sizeof want) == 0);
    /* Positions 0, 2, 4, ... in one "process", 1, 3, 5, ... in the other: each runs the units
     * at those places of the same order; combined, the same bits. */
    for (uint64_t p = 0; p < 2; p++) {
        k->nseq = 0;
        k->next_from = p;
        k->step = 2;
        zs_units_hook h = {k, k_begin, NULL, k_next, k_done, 2, 1};
        zs_ctx_set_units(ctx, &h);
        CHECK(zs_hopfield_capacity(ctx, 80, alpha, 3, &o, got) == ZS_ECANCELLED);
        CHECK(k->nseq == (p ? 4u : 5u));
        for (size_t i = 0; i < k->nseq; i++) CHECK(k->seq[i] == want[p + 2 * i]);
    }
    k->supply = 1;
    zs_units_hook both = {k, k_begin, k_known, NULL, NULL, 0, 0};
    zs_ctx_set_units(ctx, &both);
    memset(got, 0, sizeof got);
    CHECK(zs_hopfield_capacity(ctx, 80, alpha, 3, &o, got) == ZS_OK);
    CHECK(same_points(got, ref, 3));
    zs_ctx_set_units(ctx, NULL);
    free(k);
    zs_ctx_free(ctx);
}

int main(void) {
    RUN(results_should_not_depend_on_threads_or_hand_out);
    RUN(levels_units_should_match_threads);
    RUN(ais_units_should_match_threads_and_refuse_a_short_record);
    RUN(record_files_should_round_trip_and_drop_a_cut_line);
    RUN(mcmc_chains_should_be_units);
    RUN(record_files_should_carry_parts);
    RUN(dos_units_should_be_exact_in_any_hand_out);
    RUN(record_files_should_hold_several_computations);
    RUN(uneven_units_should_go_largest_first);
    return check_summary("test_units");
}
