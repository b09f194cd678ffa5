/* test_allocfail.c — allocation-failure injection (lib/core/alloc.c, docs/robustness.md).
 *
 * For each call of the public API below, fail its 1st allocation, then its 2nd, ... until the
 * call makes no more allocations than the one failed and succeeds (past 300 allocations: the
 * first and the last allocation at each site, and a stride between; see FULL_SWEEP). Each
 * failed run must return ZS_ENOMEM (or succeed, where the library has a fallback that gives
 * the same result: listed in the output as "succeeded anyway"), leave the caller's objects
 * byte for byte as they were, and leak nothing (LeakSanitizer checks that at exit in the
 * sanitized build). Tiny models built here keep the whole sweep short; one thread, so that
 * the n-th allocation is the same one in every run. ZSUM_ALLOCFAIL_ONLY=rbm,factor,...
 * sweeps only those families; ZSUM_ALLOCFAIL_SITES=1 lists the allocation lines reached.
 *
 * A build without the hook (ZSUM_ALLOC_HOOK off: Release) skips with exit 77. */
#ifndef ZSUM_ALLOC_HOOK

#include <stdio.h>

int main(void) {
    printf("SKIP test_allocfail: this build has no allocation hook (configure with "
           "-DZSUM_SANITIZE=ON or -DZSUM_ALLOC_HOOK=ON)\n");
    return 77;
}

#else

#include "check.h"
#include "core/alloc_hook.h"
#include "zsum.h"
#include "models/factor_internal.h"

#include <stdint.h>
#include <unistd.h>
#include <zlib.h>

/* ---- the sweep ----------------------------------------------------------------------------- */

static zs_ctx *ctx; /* the context of every model and call below */

/* A call under test: returns its status; on ZS_OK it frees whatever it made. */
typedef zs_status (*call_fn)(void);
/* The caller's objects as bytes (test-owned malloc'd buffer), to compare before and after. */
typedef unsigned char *(*snap_fn)(size_t *len);

#define MAX_SITES 2048
static struct site {
    const char *file;
    int line;
} sites[MAX_SITES];
static size_t nsites, ncalls, nfailures, nabsorbed;

static void note_site(const char *file, int line) {
    for (size_t i = 0; i < nsites; i++)
        if (sites[i].line == line && strcmp(sites[i].file, file) == 0) return;
    if (nsites < MAX_SITES) sites[nsites++] = (struct site){file, line};
}

static int same_snap(const unsigned char *a, size_t na, const unsigned char *b, size_t nb) {
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

/* The sites of one call's allocations, in order, from a run without failures. */
#define MAX_TRACE 1000000
static struct site *trace;
static uint64_t ntrace;

static void trace_one(void *user, uint64_t k, const char *file, int line, size_t bytes) {
    (void)user;
    (void)bytes;
    if (k <= MAX_TRACE) trace[k - 1] = (struct site){file, line};
    if (k > ntrace) ntrace = k;
}

/* Each of a call's first FULL_SWEEP allocations is failed in turn. A call that makes more (a
 * conditioned elimination repeats its runs, each allocating alike) is traced once without
 * failures, and then the first and the last allocation at each of its sites are failed, and
 * every stride-th between, about FULL_SWEEP more runs. */
#define FULL_SWEEP 300

/* keep[k-1] = 1 for the allocations k > FULL_SWEEP that the sampled part fails. */
static void choose(uint64_t n, unsigned char *keep) {
    static struct {
        struct site s;
        uint64_t first, last;
    } seen[MAX_SITES];
    size_t ns = 0;
    for (uint64_t k = 1; k <= n; k++) {
        size_t i = 0;
        while (i < ns && !(seen[i].s.line == trace[k - 1].line && strcmp(seen[i].s.file, trace[k - 1].file) == 0))
            i++;
        if (i == ns && ns < MAX_SITES) {
            seen[ns++].s = trace[k - 1];
            seen[i].first = k;
        }
        if (i < ns) seen[i].last = k;
    }
    const uint64_t stride = n / FULL_SWEEP + 1;
    for (uint64_t k = 1; k <= n; k++) keep[k - 1] = k > FULL_SWEEP && k % stride == 0;
    for (size_t i = 0; i < ns; i++) {
        if (seen[i].first > FULL_SWEEP) keep[seen[i].first - 1] = 1;
        if (seen[i].last > FULL_SWEEP) keep[seen[i].last - 1] = 1;
    }
}

/* Run the call with its k-th allocation failed; nonzero when the failure was reached. */
static int fail_one(const char *name, call_fn call, snap_fn snap, uint64_t k, unsigned char **before,
                    size_t *before_len) {
    zs_alloc_fail_at(k);
    zs_status st = call();
    const char *file = "?";
    int line = 0;
    size_t bytes = 0;
    int fired = zs_alloc_failed(&file, &line, &bytes);
    zs_alloc_fail_at(0);
    if (!fired) {
        if (st != ZS_OK)
            printf("FAIL %s: %s without a failed allocation: %s\n", name, zs_status_name(st), zs_last_error(ctx));
        CHECK(st == ZS_OK);
        return 0;
    }
    nfailures++;
    note_site(file, line);
    if (st == ZS_OK) {
        nabsorbed++;
        printf("  %s: allocation %llu (%s:%d, %zu bytes) failed, the call succeeded anyway\n", name,
               (unsigned long long)k, file, line, bytes);
        if (snap) { /* the call went on and changed its objects: compare with the new state */
            free(*before);
            *before = snap(before_len);
        }
        return 1;
    }
    if (st != ZS_ENOMEM) {
        printf("FAIL %s: allocation %llu (%s:%d, %zu bytes) failed: %s, not ENOMEM: %s\n", name,
               (unsigned long long)k, file, line, bytes, zs_status_name(st), zs_last_error(ctx));
        check_failed++;
    }
    if (snap) {
        size_t after_len = 0;
        unsigned char *after = snap(&after_len);
        if (!same_snap(*before, *before_len, after, after_len)) {
            printf("FAIL %s: allocation %llu (%s:%d) failed and changed the caller's objects\n", name,
                   (unsigned long long)k, file, line);
            check_failed++;
        }
        free(after);
    }
    return 1;
}

static void sweep(const char *name, call_fn call, snap_fn snap) {
    check_current = name;
    ncalls++;
    double t0 = zs_monotonic_seconds();
    size_t before_len = 0;
    unsigned char *before = snap ? snap(&before_len) : NULL;
    uint64_t k = 1, runs = 0, n = 0;
    for (; k <= FULL_SWEEP; k++)
        if (runs++, !fail_one(name, call, snap, k, &before, &before_len)) break;
    n = k - 1;
    if (k > FULL_SWEEP) {
        /* the trace: a run without failures (it may change the call's objects: the runs after
         * it start from, and must leave, the new state) */
        ntrace = 0;
        zs_alloc_trace(trace_one, NULL);
        (void)fail_one(name, call, snap, UINT64_MAX, &before, &before_len);
        zs_alloc_trace(NULL, NULL);
        runs++;
        n = ntrace < MAX_TRACE ? ntrace : MAX_TRACE;
        free(before);
        before = snap ? snap(&before_len) : NULL;
        unsigned char *keep = malloc(n + 1);
        choose(n, keep);
        for (k = FULL_SWEEP + 1; k <= n; k++) {
            if (!keep[k - 1]) continue;
            runs++;
            if (!fail_one(name, call, snap, k, &before, &before_len)) {
                printf("FAIL %s: allocation %llu of %llu was not reached this time\n", name,
                       (unsigned long long)k, (unsigned long long)n);
                check_failed++;
                break;
            }
        }
        free(keep);
    }
    printf("  %-56s %6llu allocations, %4llu runs %7.3f s\n", name, (unsigned long long)n,
           (unsigned long long)runs, zs_monotonic_seconds() - t0);
    free(before);
}

/* Append len bytes at p to a growing test-owned buffer. */
typedef struct buf {
    unsigned char *p;
    size_t len;
} buf;

static void put(buf *b, const void *p, size_t len) {
    if (!len) return;
    b->p = realloc(b->p, b->len + len);
    if (!b->p) abort();
    memcpy(b->p + b->len, p, len);
    b->len += len;
}

/* ---- the models every sweep shares (built with the hook off) ------------------------------- */

enum { NV = 5, NH = 3, NROWS = 8 };
static zs_rbm *rbm;
static uint8_t rows[NROWS * NV];
static double *betas;
static size_t nbetas;
static zs_dbm *dbm;
static const size_t dbm_sizes[] = {4, 3, 2};

static double wiggle(uint64_t *s) { /* a fixed pseudo-random value in [-1, 1) */
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 4503599627370496.0 - 1.0;
}

static void build_models(void) {
    uint64_t s = 7;
    CHECK(zs_rbm_alloc(ctx, NV, NH, &rbm) == ZS_OK);
    for (size_t i = 0; i < NV * NH; i++) zs_rbm_w_mut(rbm)[i] = wiggle(&s);
    for (size_t i = 0; i < NV; i++) zs_rbm_vbias_mut(rbm)[i] = 0.3 * wiggle(&s);
    for (size_t i = 0; i < NH; i++) zs_rbm_hbias_mut(rbm)[i] = 0.3 * wiggle(&s);
    for (size_t i = 0; i < NROWS * NV; i++) rows[i] = wiggle(&s) > 0;
    CHECK(zs_rbm_schedule_linear(10, &betas, &nbetas) == ZS_OK);
    CHECK(zs_dbm_alloc(ctx, 2, dbm_sizes, &dbm) == ZS_OK);
    for (size_t l = 1; l <= 2; l++)
        for (size_t i = 0; i < dbm_sizes[l - 1] * dbm_sizes[l]; i++) zs_dbm_w_mut(dbm, l)[i] = wiggle(&s);
    for (size_t l = 0; l <= 2; l++)
        for (size_t i = 0; i < dbm_sizes[l]; i++) zs_dbm_bias_mut(dbm, l)[i] = 0.2 * wiggle(&s);
}

static void snap_rbm_into(buf *b, const zs_rbm *m) {
    put(b, zs_rbm_w(m), zs_rbm_nv(m) * zs_rbm_nh(m) * sizeof(double));
    put(b, zs_rbm_vbias(m), zs_rbm_nv(m) * sizeof(double));
    put(b, zs_rbm_hbias(m), zs_rbm_nh(m) * sizeof(double));
}

static unsigned char *snap_rbm(size_t *len) {
    buf b = {0};
    snap_rbm_into(&b, rbm);
    *len = b.len;
    return b.p;
}

static void snap_dbm_into(buf *b, const zs_dbm *m) {
    size_t L = zs_dbm_layers(m);
    for (size_t l = 1; l <= L; l++)
        put(b, zs_dbm_w(m, l), zs_dbm_size(m, l - 1) * zs_dbm_size(m, l) * sizeof(double));
    for (size_t l = 0; l <= L; l++) put(b, zs_dbm_bias(m, l), zs_dbm_size(m, l) * sizeof(double));
}

static unsigned char *snap_dbm(size_t *len) {
    buf b = {0};
    snap_dbm_into(&b, dbm);
    *len = b.len;
    return b.p;
}

/* ---- RBM ----------------------------------------------------------------------------------- */

static zs_status rbm_alloc_call(void) {
    zs_rbm *m = NULL;
    zs_status st = zs_rbm_alloc(ctx, NV, NH, &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_rbm_free(m);
    return st;
}

static zs_status rbm_save_call(void) { return zs_rbm_save(rbm, check_path("rbm.npz"), ZS_DTYPE_F8, 0, NULL, NULL); }

static unsigned char *snap_rbm_file(size_t *len) { /* a failed save leaves the old file */
    buf b = {0};
    FILE *f = fopen(check_path("rbm.npz"), "rb");
    unsigned char chunk[4096];
    size_t k;
    while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0) put(&b, chunk, k);
    if (f) fclose(f);
    *len = b.len;
    return b.p;
}

static zs_status rbm_load_call(void) {
    zs_rbm *m = NULL;
    zs_status st = zs_rbm_load(ctx, check_path("rbm.npz"), &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_rbm_free(m);
    return st;
}

static zs_status rbm_exact_call(void) {
    double lnz;
    return zs_rbm_lnz_exact(rbm, 0, &lnz);
}

static void rbm_ais_options(zs_rbm_ais_opts *o, zs_rbm_ais_base base) {
    zs_rbm_ais_defaults(o);
    o->chains = 4;
    o->betas = betas;
    o->nbetas = nbetas;
    o->base = base;
    o->data = rows;
    o->n_data = NROWS;
    o->seed = 3;
}

static zs_rbm_ais_base ais_base;
static zs_status rbm_ais_call(void) {
    zs_rbm_ais_opts o;
    rbm_ais_options(&o, ais_base);
    zs_rbm_ais_result r;
    return zs_rbm_lnz_ais(rbm, &o, &r);
}

static zs_rbm_reverse_start reverse_start;
static zs_status rbm_sandwich_call(void) {
    zs_rbm_sandwich_opts o;
    zs_rbm_sandwich_defaults(&o);
    rbm_ais_options(&o.ais, ZS_RBM_AIS_BASE_AUTO);
    o.reverse = reverse_start;
    o.start_rows = rows;
    o.n_start = NROWS;
    o.pt_temperatures = 4;
    o.pt_sweeps = 5;
    o.pt_ladders = 2;
    zs_rbm_sandwich_result r;
    return zs_rbm_lnz_sandwich(rbm, &o, &r);
}

static zs_status rbm_sample_call(void) {
    double out[3 * NV];
    return zs_rbm_sample(rbm, 3, 4, 5, out);
}

static zs_status rbm_sample_from_call(void) {
    double out[3 * NV];
    return zs_rbm_sample_from(rbm, 3, 4, 5, rows, NROWS, out);
}

static zs_status rbm_gibbs_call(void) {
    uint8_t out[NROWS * NV];
    return zs_rbm_gibbs(rbm, rows, NROWS, 9, out);
}

static zs_status rbm_loglik_call(void) {
    double ll, mf;
    return zs_rbm_loglik(rbm, rows, NROWS, 1.0, &ll, &mf);
}

static zs_status rbm_hidden_call(void) {
    double out[NROWS * NH];
    return zs_rbm_hidden_probs(rbm, rows, NROWS, out);
}

static zs_status rbm_free_energies_call(void) {
    double f[NROWS];
    return zs_rbm_free_energies_u8(rbm, rows, NROWS, f);
}

static zs_rbm *init_target;
static unsigned char *snap_init_target(size_t *len) {
    buf b = {0};
    snap_rbm_into(&b, init_target);
    *len = b.len;
    return b.p;
}
static zs_status rbm_init_call(void) { return zs_rbm_init_from_data(init_target, rows, NROWS, 0.01, 4); }

static zs_status schedule_call(void) {
    double *b = NULL;
    size_t n = 0;
    zs_status st = zs_rbm_schedule_sm08(&b, &n);
    free(b);
    b = NULL;
    if (st != ZS_OK) return st;
    st = zs_rbm_schedule_linear(7, &b, &n);
    free(b);
    b = NULL;
    if (st != ZS_OK) return st;
    st = zs_rbm_schedule_parse(ctx, "linear:6", &b, &n);
    free(b);
    b = NULL;
    if (st != ZS_OK) return st;
    st = zs_rbm_schedule_parse(ctx, check_path("betas.txt"), &b, &n);
    free(b);
    return st;
}

static zs_status summarize_call(void) {
    const double lw[] = {0.5, -1.25, 2.0, 0.75};
    zs_estimate e;
    zs_interval band;
    zs_status st = zs_ais_summarize(ctx, lw, 4, 1.5, 0, &e, &band);
    if (st != ZS_OK) return st;
    return zs_ais_summarize(ctx, lw, 4, 1.5, 1, &e, &band);
}

static zs_status rbm_to_dbm_call(void) {
    zs_dbm *d = NULL;
    zs_status st = zs_dbm_from_rbm(rbm, &d);
    CHECK((st == ZS_OK) == (d != NULL));
    zs_dbm_free(d);
    return st;
}

/* The trainer under test, and a snapshot of its whole state: model, velocities, chains, epoch. */
static zs_rbm_trainer *trainer;
static zs_rbm_train_opts train_opts;

static unsigned char *snap_trainer(size_t *len) {
    buf b = {0};
    zs_rbm *m = NULL;
    if (zs_rbm_alloc(NULL, NV, NH, &m) != ZS_OK) abort();
    zs_rbm_trainer_get(trainer, m);
    snap_rbm_into(&b, m);
    zs_rbm_free(m);
    size_t nc = train_opts.batch * NV;
    float *vw = calloc(NV * NH + NV + NH + nc, sizeof(float));
    zs_rbm_train_state s = {vw, vw + NV * NH, vw + NV * NH + NV, vw + NV * NH + NV + NH, 0, 0};
    CHECK(zs_rbm_trainer_get_state(trainer, &s) == ZS_OK);
    put(&b, vw, (NV * NH + NV + NH + nc) * sizeof(float));
    put(&b, &s.epoch, sizeof s.epoch);
    put(&b, &s.chains_ready, sizeof s.chains_ready);
    free(vw);
    *len = b.len;
    return b.p;
}

static zs_status trainer_alloc_call(void) {
    zs_rbm_trainer *t = NULL;
    zs_status st = zs_rbm_trainer_alloc(ctx, rbm, &train_opts, rows, NROWS, &t);
    CHECK((st == ZS_OK) == (t != NULL));
    zs_rbm_trainer_free(t);
    return st;
}

static zs_status trainer_epoch_call(void) {
    double recon;
    return zs_rbm_trainer_epoch(trainer, &recon);
}

/* Set the trainer's state to what it already is: a failure must leave it as well. */
static zs_status trainer_set_state_call(void) {
    size_t nc = train_opts.batch * NV;
    float *vw = calloc(NV * NH + NV + NH + nc, sizeof(float));
    zs_rbm_train_state st = {vw, vw + NV * NH, vw + NV * NH + NV, vw + NV * NH + NV + NH, 0, 0};
    zs_status r = zs_rbm_trainer_get_state(trainer, &st);
    if (r == ZS_OK) r = zs_rbm_trainer_set_state(trainer, &st);
    free(vw);
    return r;
}

static zs_status rbm_load_checkpoint_call(void) {
    zs_rbm *m = NULL;
    zs_status st = zs_rbm_load(ctx, check_path("ckpt.npz"), &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_rbm_free(m);
    return st;
}

static zs_status trainer_save_call(void) { return zs_rbm_trainer_save(trainer, check_path("ckpt.npz")); }
static zs_status trainer_resume_call(void) { return zs_rbm_trainer_resume(trainer, check_path("ckpt.npz")); }

static void sweep_rbm(void) {
    sweep("zs_rbm_alloc", rbm_alloc_call, NULL);
    CHECK(rbm_save_call() == ZS_OK);
    sweep("zs_rbm_save (over an old file)", rbm_save_call, snap_rbm_file);
    sweep("zs_rbm_load", rbm_load_call, NULL);
    sweep("zs_rbm_lnz_exact", rbm_exact_call, snap_rbm);
    static const zs_rbm_ais_base bases[] = {ZS_RBM_AIS_BASE_UNIFORM, ZS_RBM_AIS_BASE_DATA,
                                            ZS_RBM_AIS_BASE_MODEL, ZS_RBM_AIS_BASE_AUTO};
    static const char *base_names[] = {"zs_rbm_lnz_ais (uniform base)", "zs_rbm_lnz_ais (data base)",
                                       "zs_rbm_lnz_ais (model base)", "zs_rbm_lnz_ais (auto base)"};
    for (int k = 0; k < 4; k++) {
        ais_base = bases[k];
        sweep(base_names[k], rbm_ais_call, snap_rbm);
    }
    reverse_start = ZS_RBM_REVERSE_PT;
    sweep("zs_rbm_lnz_sandwich (reverse from PT)", rbm_sandwich_call, snap_rbm);
    reverse_start = ZS_RBM_REVERSE_DATA;
    sweep("zs_rbm_lnz_sandwich (reverse from data)", rbm_sandwich_call, snap_rbm);
    sweep("zs_rbm_sample", rbm_sample_call, snap_rbm);
    sweep("zs_rbm_sample_from", rbm_sample_from_call, snap_rbm);
    sweep("zs_rbm_gibbs", rbm_gibbs_call, snap_rbm);
    sweep("zs_rbm_loglik", rbm_loglik_call, snap_rbm);
    sweep("zs_rbm_hidden_probs", rbm_hidden_call, snap_rbm);
    sweep("zs_rbm_free_energies_u8", rbm_free_energies_call, snap_rbm);
    CHECK(zs_rbm_alloc(ctx, NV, NH, &init_target) == ZS_OK);
    sweep("zs_rbm_init_from_data", rbm_init_call, snap_init_target);
    zs_rbm_free(init_target);
    sweep("zs_rbm_schedule_sm08, _linear, _parse", schedule_call, NULL);
    sweep("zs_ais_summarize", summarize_call, NULL);
    sweep("zs_dbm_from_rbm", rbm_to_dbm_call, snap_rbm);
    for (int persistent = 0; persistent <= 1; persistent++) {
        zs_rbm_train_defaults(&train_opts);
        train_opts.batch = 3;
        train_opts.k = 2;
        train_opts.persistent = persistent;
        train_opts.seed = 11;
        sweep(persistent ? "zs_rbm_trainer_alloc (PCD)" : "zs_rbm_trainer_alloc (CD)", trainer_alloc_call, snap_rbm);
        CHECK(zs_rbm_trainer_alloc(ctx, rbm, &train_opts, rows, NROWS, &trainer) == ZS_OK);
        sweep(persistent ? "zs_rbm_trainer_epoch (PCD, first)" : "zs_rbm_trainer_epoch (CD, first)",
              trainer_epoch_call, snap_trainer);
        sweep(persistent ? "zs_rbm_trainer_epoch (PCD, second)" : "zs_rbm_trainer_epoch (CD, second)",
              trainer_epoch_call, snap_trainer);
        sweep("zs_rbm_trainer_get_state, _set_state", trainer_set_state_call, snap_trainer);
        sweep("zs_rbm_trainer_save", trainer_save_call, snap_trainer);
        sweep("zs_rbm_trainer_resume", trainer_resume_call, snap_trainer);
        sweep("zs_rbm_load (a checkpoint: data frequencies)", rbm_load_checkpoint_call, NULL);
        zs_rbm_trainer_free(trainer);
    }
}

/* ---- DBM ----------------------------------------------------------------------------------- */

enum { DNV = 4 };
static uint8_t drows[NROWS * DNV];

static zs_status dbm_alloc_call(void) {
    zs_dbm *d = NULL;
    zs_status st = zs_dbm_alloc(ctx, 2, dbm_sizes, &d);
    CHECK((st == ZS_OK) == (d != NULL));
    zs_dbm_free(d);
    return st;
}

static zs_status dbm_save_call(void) { return zs_dbm_save(dbm, check_path("dbm.npz"), ZS_DTYPE_F8); }

static zs_status dbm_load_call(void) {
    zs_dbm *d = NULL;
    zs_status st = zs_dbm_load(ctx, check_path("dbm.npz"), &d);
    CHECK((st == ZS_OK) == (d != NULL));
    zs_dbm_free(d);
    return st;
}

static zs_status dbm_to_rbm_call(void) {
    zs_rbm *r = NULL;
    zs_status st = zs_dbm_to_rbm(dbm, &r);
    CHECK((st == ZS_OK) == (r != NULL));
    zs_rbm_free(r);
    return st;
}

static zs_status dbm_exact_call(void) {
    double lnz;
    return zs_dbm_lnz_exact(dbm, 0, &lnz);
}

static zs_status dbm_loglik_call(void) {
    double out[NROWS];
    return zs_dbm_unnorm_loglik_exact(dbm, drows, NROWS, 0, out);
}

static zs_status dbm_mf_call(void) {
    zs_dbm_mf_opts o;
    zs_dbm_mf_defaults(&o);
    double bound[NROWS];
    uint32_t it[NROWS];
    uint8_t conv[NROWS];
    return zs_dbm_mean_field(dbm, &o, drows, NROWS, bound, it, conv);
}

static zs_status dbm_lnz_mf_call(void) {
    zs_dbm_mf_opts o;
    zs_dbm_mf_defaults(&o);
    double lnz;
    uint32_t it;
    int conv;
    return zs_dbm_lnz_mean_field(dbm, &o, &lnz, &it, &conv);
}

static zs_status dbm_bethe_call(void) {
    zs_dbm_bethe_opts o;
    zs_dbm_bethe_defaults(&o);
    double lnz;
    uint32_t it;
    int conv;
    return zs_dbm_lnz_bethe(dbm, &o, &lnz, &it, &conv);
}

static void dbm_ais_options(zs_dbm_ais_opts *o, zs_dbm_ais_base base) {
    zs_dbm_ais_defaults(o);
    o->chains = 4;
    o->betas = betas;
    o->nbetas = nbetas;
    o->base = base;
    o->data = drows;
    o->n_data = NROWS;
    o->seed = 3;
}

static zs_dbm_ais_base dbm_base;
static zs_status dbm_ais_call(void) {
    zs_dbm_ais_opts o;
    dbm_ais_options(&o, dbm_base);
    zs_dbm_ais_result r;
    return zs_dbm_lnz_ais(dbm, &o, &r);
}

static zs_dbm_ais_base sandwich_base = ZS_DBM_AIS_BASE_AUTO;
static zs_status dbm_sandwich_call(void) {
    zs_dbm_sandwich_opts o;
    zs_dbm_sandwich_defaults(&o);
    dbm_ais_options(&o.ais, sandwich_base);
    o.reverse = reverse_start;
    o.start_rows = drows;
    o.n_start = NROWS;
    o.start_sweeps = 3;
    o.pt_temperatures = 4;
    o.pt_sweeps = 5;
    o.pt_ladders = 2;
    zs_dbm_sandwich_result r;
    return zs_dbm_lnz_sandwich(dbm, &o, &r);
}

static zs_status dbm_sample_call(void) {
    zs_dbm_sample_opts o;
    zs_dbm_sample_defaults(&o);
    o.chains = 3;
    o.steps = 4;
    uint8_t vis[3 * DNV], layers[3 * 9];
    double prob[3 * DNV];
    return zs_dbm_sample(dbm, &o, vis, layers, prob);
}

static zs_status dbm_sample_visible_call(void) { /* the layers in a buffer of its own */
    zs_dbm_sample_opts o;
    zs_dbm_sample_defaults(&o);
    o.chains = 3;
    o.steps = 4;
    o.init = drows;
    o.n_init = NROWS;
    uint8_t vis[3 * DNV];
    return zs_dbm_sample(dbm, &o, vis, NULL, NULL);
}

static zs_dbm *dbm_target; /* a copy that pretraining changes */
static unsigned char *snap_dbm_target(size_t *len) {
    buf b = {0};
    snap_dbm_into(&b, dbm_target);
    *len = b.len;
    return b.p;
}

static zs_status dbm_pretrain_call(void) {
    zs_dbm_pretrain_opts o;
    zs_dbm_pretrain_defaults(&o);
    o.epochs = 2;
    o.batch = 4;
    return zs_dbm_pretrain(dbm_target, &o, drows, NROWS);
}

/* Pretraining an epoch at a time and its checkpoint. */
static zs_dbm_pretrainer *dpre;
static zs_dbm_pretrain_opts dpre_opts;
static unsigned char *snap_checkpoint(const char *path, size_t *len);
static unsigned char *snap_dpre(size_t *len) {
    const char *path = check_path("dpsnap.npz");
    CHECK(zs_dbm_pretrainer_save(dpre, path) == ZS_OK);
    return snap_checkpoint(path, len);
}
static zs_status dpre_alloc_call(void) {
    zs_dbm_pretrainer *p = NULL;
    zs_status st = zs_dbm_pretrainer_alloc(ctx, dbm_target, &dpre_opts, drows, NROWS, &p);
    CHECK((st == ZS_OK) == (p != NULL));
    zs_dbm_pretrainer_free(p);
    return st;
}
static zs_status dpre_save_call(void) { return zs_dbm_pretrainer_save(dpre, check_path("dpck.npz")); }
static zs_status dpre_resume_call(void) { return zs_dbm_pretrainer_resume(dpre, check_path("dpck.npz")); }

static void sweep_dbm_pretrainer(void) {
    zs_dbm_pretrain_defaults(&dpre_opts);
    dpre_opts.epochs = 2;
    dpre_opts.batch = 4;
    sweep("zs_dbm_pretrainer_alloc", dpre_alloc_call, NULL);
    CHECK(zs_dbm_pretrainer_alloc(ctx, dbm_target, &dpre_opts, drows, NROWS, &dpre) == ZS_OK);
    CHECK(zs_dbm_pretrainer_epoch(dpre) == ZS_OK);
    sweep("zs_dbm_pretrainer_save", dpre_save_call, snap_dpre);
    sweep("zs_dbm_pretrainer_resume", dpre_resume_call, snap_dpre);
    zs_dbm_pretrainer_free(dpre);
}

static zs_dbm_trainer *dtrainer;
static zs_dbm_train_opts dtrain_opts;

static unsigned char *snap_checkpoint(const char *path, size_t *len);

/* The trainer's whole state, as its checkpoint holds it: each array of the file saved with
 * the hook off, read back member by member (the bytes of the .npz itself carry times). */
static unsigned char *snap_dtrainer(size_t *len) {
    const char *path = check_path("dsnap.npz");
    CHECK(zs_dbm_trainer_save(dtrainer, path) == ZS_OK);
    return snap_checkpoint(path, len);
}

/* A checkpoint file's members (name and values), read back one by one. */
static unsigned char *snap_checkpoint(const char *path, size_t *len) {
    buf b = {0};
    zs_npz *z = NULL;
    CHECK(zs_npz_open(ctx, path, &z) == ZS_OK);
    for (size_t i = 0; z && i < zs_npz_count(z); i++) {
        zs_array *a = NULL;
        put(&b, zs_npz_name(z, i), strlen(zs_npz_name(z, i)));
        CHECK(zs_npz_get(z, zs_npz_name(z, i), &a) == ZS_OK);
        if (a) put(&b, zs_array_cdata(a), zs_array_size(a) * sizeof(double));
        zs_array_free(a);
    }
    zs_npz_close(z);
    *len = b.len;
    return b.p;
}

static zs_status dtrainer_alloc_call(void) {
    zs_dbm_trainer *t = NULL;
    zs_status st = zs_dbm_trainer_alloc(ctx, dbm, &dtrain_opts, drows, NROWS, &t);
    CHECK((st == ZS_OK) == (t != NULL));
    zs_dbm_trainer_free(t);
    return st;
}

static zs_status dtrainer_epoch_call(void) {
    double bound;
    return zs_dbm_trainer_epoch(dtrainer, &bound);
}

static zs_status dtrainer_save_call(void) { return zs_dbm_trainer_save(dtrainer, check_path("dckpt.npz")); }
static zs_status dtrainer_resume_call(void) { return zs_dbm_trainer_resume(dtrainer, check_path("dckpt.npz")); }

static void sweep_dbm_train(void) {
    static const zs_dbm_negative negs[] = {ZS_DBM_NEGATIVE_PERSISTENT, ZS_DBM_NEGATIVE_EXACT,
                                           ZS_DBM_NEGATIVE_MEAN_FIELD};
    static const char *names[][5] = {
        {"zs_dbm_trainer_alloc (persistent)", "zs_dbm_trainer_epoch (persistent, first)",
         "zs_dbm_trainer_epoch (persistent, second)", "zs_dbm_trainer_save (persistent)",
         "zs_dbm_trainer_resume (persistent)"},
        {"zs_dbm_trainer_alloc (exact)", "zs_dbm_trainer_epoch (exact, first)",
         "zs_dbm_trainer_epoch (exact, second)", "zs_dbm_trainer_save (exact)", "zs_dbm_trainer_resume (exact)"},
        {"zs_dbm_trainer_alloc (mean field)", "zs_dbm_trainer_epoch (mean field, first)",
         "zs_dbm_trainer_epoch (mean field, second)", "zs_dbm_trainer_save (mean field)",
         "zs_dbm_trainer_resume (mean field)"}};
    for (int k = 0; k < 3; k++) {
        zs_dbm_train_defaults(&dtrain_opts);
        dtrain_opts.negative = negs[k];
        dtrain_opts.batch = 3;
        dtrain_opts.chains = 3;
        dtrain_opts.seed = 5;
        sweep(names[k][0], dtrainer_alloc_call, snap_dbm);
        CHECK(zs_dbm_trainer_alloc(ctx, dbm, &dtrain_opts, drows, NROWS, &dtrainer) == ZS_OK);
        sweep(names[k][1], dtrainer_epoch_call, snap_dtrainer);
        sweep(names[k][2], dtrainer_epoch_call, snap_dtrainer);
        sweep(names[k][3], dtrainer_save_call, snap_dtrainer);
        sweep(names[k][4], dtrainer_resume_call, snap_dtrainer);
        zs_dbm_trainer_free(dtrainer);
    }
}

static void sweep_dbm(void) {
    for (size_t i = 0; i < NROWS * DNV; i++) drows[i] = rows[i];
    sweep("zs_dbm_alloc", dbm_alloc_call, NULL);
    CHECK(dbm_save_call() == ZS_OK);
    sweep("zs_dbm_save", dbm_save_call, NULL);
    sweep("zs_dbm_load", dbm_load_call, NULL);
    sweep("zs_dbm_to_rbm", dbm_to_rbm_call, snap_dbm);
    sweep("zs_dbm_lnz_exact", dbm_exact_call, snap_dbm);
    sweep("zs_dbm_unnorm_loglik_exact", dbm_loglik_call, snap_dbm);
    sweep("zs_dbm_mean_field", dbm_mf_call, snap_dbm);
    sweep("zs_dbm_lnz_mean_field", dbm_lnz_mf_call, snap_dbm);
    sweep("zs_dbm_lnz_bethe", dbm_bethe_call, snap_dbm);
    static const zs_dbm_ais_base bases[] = {ZS_DBM_AIS_BASE_UNIFORM, ZS_DBM_AIS_BASE_DATA,
                                            ZS_DBM_AIS_BASE_MODEL};
    static const char *base_names[] = {"zs_dbm_lnz_ais (uniform base)", "zs_dbm_lnz_ais (data base)",
                                       "zs_dbm_lnz_ais (model base)"};
    for (int k = 0; k < 3; k++) {
        dbm_base = bases[k];
        sweep(base_names[k], dbm_ais_call, snap_dbm);
    }
    reverse_start = ZS_RBM_REVERSE_PT;
    sweep("zs_dbm_lnz_sandwich (reverse from PT)", dbm_sandwich_call, snap_dbm);
    reverse_start = ZS_RBM_REVERSE_DATA;
    sweep("zs_dbm_lnz_sandwich (reverse from data)", dbm_sandwich_call, snap_dbm);
    sandwich_base = ZS_DBM_AIS_BASE_PT; /* the data-free base: one PT run for both sides */
    reverse_start = ZS_RBM_REVERSE_PT;
    sweep("zs_dbm_lnz_sandwich (PT base, reverse from PT)", dbm_sandwich_call, snap_dbm);
    reverse_start = ZS_RBM_REVERSE_NONE;
    sweep("zs_dbm_lnz_sandwich (PT base alone)", dbm_sandwich_call, snap_dbm);
    sandwich_base = ZS_DBM_AIS_BASE_AUTO;
    sweep("zs_dbm_sample", dbm_sample_call, snap_dbm);
    sweep("zs_dbm_sample (visible only, from rows)", dbm_sample_visible_call, snap_dbm);
    CHECK(zs_dbm_load(ctx, check_path("dbm.npz"), &dbm_target) == ZS_OK);
    sweep("zs_dbm_pretrain", dbm_pretrain_call, snap_dbm_target);
    sweep_dbm_pretrainer();
    zs_dbm_free(dbm_target);
    sweep_dbm_train();
}

/* ---- fully visible Boltzmann-machine training (zsum/bm.h) ----------------------------------- */

static zs_bm_trainer *btrainer;
static zs_bm_train_opts btrain_opts;
static const double bw[NV * NV] = {0, 0.5, -0.3, 0, 0.2, 0.5, 0, 0.1, 0.4, 0, -0.3, 0.1, 0, -0.2, 0.3,
                                   0, 0.4, -0.2, 0, 0.1, 0.2, 0, 0.3, 0.1, 0};
static const double bb[NV] = {0.1, -0.2, 0.3, 0, -0.1};

/* The trainer's whole state: its checkpoint saved with the hook off, read back member by member. */
static unsigned char *snap_btrainer(size_t *len) {
    const char *path = check_path("bsnap.npz");
    CHECK(zs_bm_trainer_save(btrainer, path) == ZS_OK);
    return snap_checkpoint(path, len);
}

static zs_status btrainer_alloc_call(void) {
    zs_bm_trainer *t = NULL;
    zs_status st = zs_bm_trainer_alloc(ctx, NV, NULL, NULL, &btrain_opts, rows, NROWS, &t);
    CHECK((st == ZS_OK) == (t != NULL));
    zs_bm_trainer_free(t);
    return st;
}
static zs_status btrainer_epoch_call(void) { return zs_bm_trainer_epoch(btrainer); }
static zs_status btrainer_save_call(void) { return zs_bm_trainer_save(btrainer, check_path("bckpt.npz")); }
static zs_status btrainer_resume_call(void) { return zs_bm_trainer_resume(btrainer, check_path("bckpt.npz")); }
static zs_status bm_moments_call(void) {
    double m[NV * NV], lnz;
    return zs_bm_moments_exact(ctx, NV, bw, bb, m, &lnz);
}
static zs_status bm_monitor_call(void) {
    zs_bm_monitor m;
    return zs_bm_monitor_compute(ctx, NV, bw, bb, rows, NROWS, 0, &m);
}

static void sweep_bm_train(void) {
    static const zs_bm_negative negs[] = {ZS_BM_NEGATIVE_PERSISTENT, ZS_BM_NEGATIVE_EXACT,
                                          ZS_BM_NEGATIVE_MEAN_FIELD};
    static const char *names[][5] = {
        {"zs_bm_trainer_alloc (persistent)", "zs_bm_trainer_epoch (persistent, first)",
         "zs_bm_trainer_epoch (persistent, second)", "zs_bm_trainer_save (persistent)",
         "zs_bm_trainer_resume (persistent)"},
        {"zs_bm_trainer_alloc (exact)", "zs_bm_trainer_epoch (exact, first)",
         "zs_bm_trainer_epoch (exact, second)", "zs_bm_trainer_save (exact)", "zs_bm_trainer_resume (exact)"},
        {"zs_bm_trainer_alloc (mean field)", "zs_bm_trainer_epoch (mean field, first)",
         "zs_bm_trainer_epoch (mean field, second)", "zs_bm_trainer_save (mean field)",
         "zs_bm_trainer_resume (mean field)"}};
    sweep("zs_bm_moments_exact", bm_moments_call, NULL);
    sweep("zs_bm_monitor_compute", bm_monitor_call, NULL);
    for (int k = 0; k < 3; k++) {
        zs_bm_train_defaults(&btrain_opts);
        btrain_opts.negative = negs[k];
        btrain_opts.batch = 3;
        btrain_opts.chains = 3;
        btrain_opts.seed = 5;
        sweep(names[k][0], btrainer_alloc_call, NULL);
        CHECK(zs_bm_trainer_alloc(ctx, NV, NULL, NULL, &btrain_opts, rows, NROWS, &btrainer) == ZS_OK);
        sweep(names[k][1], btrainer_epoch_call, snap_btrainer);
        sweep(names[k][2], btrainer_epoch_call, snap_btrainer);
        sweep(names[k][3], btrainer_save_call, snap_btrainer);
        sweep(names[k][4], btrainer_resume_call, snap_btrainer);
        zs_bm_trainer_free(btrainer);
    }
}

/* ---- Boltzmann machines and Ising models (pairwise) ----------------------------------------- */

enum { PN = 6 };
static zs_pairwise *bm, *lattice;
static double pj[PN * PN], ph[PN];

static unsigned char *snap_pairwise_of(const zs_pairwise *m, size_t *len) {
    size_t n = zs_pairwise_units(m);
    double *j = calloc(n * n + n, sizeof(double));
    CHECK(zs_pairwise_dense(m, j, j + n * n) == ZS_OK);
    *len = (n * n + n) * sizeof(double);
    return (unsigned char *)j;
}
static unsigned char *snap_bm(size_t *len) { return snap_pairwise_of(bm, len); }
static unsigned char *snap_lattice(size_t *len) { return snap_pairwise_of(lattice, len); }

static zs_status pw_dense_call(void) {
    zs_pairwise *m = NULL;
    zs_status st = zs_pairwise_alloc_dense(ctx, PN, pj, ph, &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_pairwise_free(m);
    return st;
}

static zs_status pw_bm_call(void) {
    zs_pairwise *m = NULL;
    zs_status st = zs_pairwise_alloc_bm(ctx, PN, pj, ph, &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_pairwise_free(m);
    return st;
}

static zs_status pw_load_bm_call(void) {
    zs_pairwise *m = NULL;
    zs_status st = zs_pairwise_load_bm(ctx, check_path("bm.npz"), 0, &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_pairwise_free(m);
    return st;
}

static zs_status pw_random_call(void) {
    zs_pairwise *m = NULL;
    zs_status st = zs_pairwise_alloc_random_bm(ctx, PN, 3, &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_pairwise_free(m);
    return st;
}

static zs_lattice_spec lattice_spec(int periodic) {
    zs_lattice_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.rows = 3;
    sp.cols = 4;
    sp.periodic_rows = periodic;
    sp.periodic_cols = periodic;
    sp.j = 1.0;
    sp.h = 0.0; /* zero field: Wolff clusters and the closed form apply */
    return sp;
}

static zs_status pw_lattice_call(void) {
    zs_pairwise *m = NULL;
    zs_lattice_spec sp = lattice_spec(1);
    zs_status st = zs_pairwise_alloc_lattice(ctx, &sp, &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_pairwise_free(m);
    return st;
}

static const zs_pairwise *pw_target;
static zs_pairwise_method pw_method;
static zs_status pw_thermo_call(void) {
    zs_pairwise_thermo_opts o;
    zs_pairwise_thermo_defaults(&o);
    o.method = pw_method;
    zs_pairwise_thermo r;
    return zs_pairwise_thermo_compute(pw_target, 0.7, &o, &r);
}

/* The lattice's own path: the closed form without a model, and a method that builds one. */
static zs_status pw_lattice_thermo_call(void) {
    zs_lattice_spec sp = lattice_spec(1);
    zs_pairwise_thermo_opts o;
    zs_pairwise_thermo_defaults(&o);
    o.method = pw_method;
    zs_pairwise_thermo r;
    return zs_lattice_thermo_compute(ctx, &sp, 0.7, &o, &r);
}

static zs_status pw_enumerate_call(void) {
    double lnz;
    return zs_pairwise_lnz_enumerate(pw_target, 0.7, &lnz);
}

static zs_status pw_transfer_call(void) {
    double lnz;
    return zs_pairwise_lnz_transfer(lattice, 0.7, &lnz);
}

static int dos_visit(void *user, double energy, const char *count) {
    (void)user;
    (void)energy;
    (void)count;
    return 0;
}
static zs_status pw_dos_call(void) { return zs_pairwise_dos(pw_target, pw_method, dos_visit, NULL); }

static zs_mcmc_kind mcmc_kind;
static zs_status pw_sample_call(void) {
    zs_pairwise_sample_opts o;
    zs_pairwise_sample_defaults(&o);
    o.kind = mcmc_kind;
    o.beta = 0.4;
    o.sweeps = 32;
    o.burnin = 5;
    o.chains = 2;
    o.seed = 4;
    zs_mcmc_result r;
    return zs_pairwise_sample(pw_target, &o, &r);
}

static zs_status pw_to_factor_call(void) {
    zs_factor_model *f = NULL;
    double offset;
    zs_status st = zs_pairwise_to_factor(bm, 0.5, &f, &offset);
    CHECK((st == ZS_OK) == (f != NULL));
    zs_factor_model_free(f);
    return st;
}

static zs_status pw_from_pairwise_call(void) {
    zs_factor_model *f = NULL;
    zs_status st = zs_factor_from_pairwise(ctx, PN, pj, ph, 0.5, 1, &f);
    CHECK((st == ZS_OK) == (f != NULL));
    zs_factor_model_free(f);
    return st;
}

static zs_status pw_closed_call(void) {
    double lnz;
    zs_status st = zs_ising_chain_lnz(7, 1, 0.3, 0.1, &lnz);
    if (st != ZS_OK) return st;
    return zs_ising_kaufman_lnz(4, 6, 0.3, &lnz);
}

static void sweep_pairwise_methods(const char *what, const zs_pairwise *m, snap_fn snap) {
    static const zs_pairwise_method methods[] = {ZS_PAIRWISE_ENUMERATE, ZS_PAIRWISE_TRANSFER,
                                                 ZS_PAIRWISE_CLOSED, ZS_PAIRWISE_AUTO};
    char name[160];
    pw_target = m;
    for (int k = 0; k < 4; k++) {
        pw_method = methods[k];
        zs_pairwise_thermo_opts o;
        zs_pairwise_thermo_defaults(&o);
        o.method = pw_method;
        zs_pairwise_thermo r;
        if (zs_pairwise_thermo_compute(m, 0.7, &o, &r) != ZS_OK) continue; /* not for this model */
        snprintf(name, sizeof name, "zs_pairwise_thermo_compute (%s, %s)", what, zs_pairwise_method_name(pw_method));
        sweep(name, pw_thermo_call, snap);
        if (zs_pairwise_dos(m, pw_method, dos_visit, NULL) == ZS_OK) {
            snprintf(name, sizeof name, "zs_pairwise_dos (%s, %s)", what, zs_pairwise_method_name(pw_method));
            sweep(name, pw_dos_call, snap);
        }
    }
    static const zs_mcmc_kind kinds[] = {ZS_MCMC_METROPOLIS, ZS_MCMC_HEATBATH, ZS_MCMC_WOLFF};
    for (int k = 0; k < 3; k++) {
        mcmc_kind = kinds[k];
        if (pw_sample_call() == ZS_EUNSUPPORTED) continue; /* Wolff: ferromagnets only */
        snprintf(name, sizeof name, "zs_pairwise_sample (%s, %s)", what, zs_mcmc_kind_name(mcmc_kind));
        sweep(name, pw_sample_call, snap);
    }
    snprintf(name, sizeof name, "zs_pairwise_lnz_enumerate (%s)", what);
    sweep(name, pw_enumerate_call, snap);
}

static void sweep_pairwise(void) {
    uint64_t s = 19;
    for (size_t i = 0; i < PN; i++) {
        ph[i] = 0.5 * wiggle(&s);
        for (size_t k = 0; k < i; k++) pj[i * PN + k] = pj[k * PN + i] = wiggle(&s);
    }
    CHECK(zs_pairwise_alloc_bm(ctx, PN, pj, ph, &bm) == ZS_OK);
    zs_lattice_spec sp = lattice_spec(1);
    CHECK(zs_pairwise_alloc_lattice(ctx, &sp, &lattice) == ZS_OK);
    uint64_t shape2[2] = {PN, PN}, shape1[1] = {PN};
    zs_array *w = NULL, *b = NULL;
    CHECK(zs_array_alloc(ctx, ZS_DTYPE_F8, 2, shape2, &w) == ZS_OK);
    CHECK(zs_array_alloc(ctx, ZS_DTYPE_F8, 1, shape1, &b) == ZS_OK);
    memcpy(zs_array_data(w), pj, sizeof pj);
    memcpy(zs_array_data(b), ph, sizeof ph);
    const char *names[] = {"W", "b"};
    const zs_array *arrays[] = {w, b};
    CHECK(zs_npz_write(ctx, check_path("bm.npz"), 2, names, arrays, 1) == ZS_OK);
    zs_array_free(w);
    zs_array_free(b);

    sweep("zs_pairwise_alloc_dense", pw_dense_call, NULL);
    sweep("zs_pairwise_alloc_bm", pw_bm_call, NULL);
    sweep("zs_pairwise_load_bm", pw_load_bm_call, NULL);
    sweep("zs_pairwise_alloc_random_bm", pw_random_call, NULL);
    sweep("zs_pairwise_alloc_lattice", pw_lattice_call, NULL);
    sweep_pairwise_methods("Boltzmann machine", bm, snap_bm);
    sweep_pairwise_methods("periodic lattice", lattice, snap_lattice);
    sweep("zs_pairwise_lnz_transfer", pw_transfer_call, snap_lattice);
    pw_method = ZS_PAIRWISE_AUTO;
    sweep("zs_lattice_thermo_compute (auto)", pw_lattice_thermo_call, NULL);
    pw_method = ZS_PAIRWISE_ENUMERATE;
    sweep("zs_lattice_thermo_compute (enumerate)", pw_lattice_thermo_call, NULL);
    sweep("zs_pairwise_to_factor", pw_to_factor_call, snap_bm);
    sweep("zs_factor_from_pairwise", pw_from_pairwise_call, NULL);
    sweep("zs_ising_chain_lnz, zs_ising_kaufman_lnz", pw_closed_call, NULL);
}

/* ---- Hopfield networks and patterns ------------------------------------------------------- */

enum { HP = 3, HN = 12 };
static int8_t hdata[HP * HN];
static zs_patterns *patterns;
static zs_hopfield *hopfield;

static unsigned char *snap_hopfield(size_t *len) {
    double *j = calloc(HN * HN, sizeof(double));
    zs_hopfield_couplings(hopfield, j);
    *len = HN * HN * sizeof(double);
    return (unsigned char *)j;
}

static zs_status pt_alloc_call(void) {
    zs_patterns *p = NULL;
    zs_status st = zs_patterns_alloc(ctx, HP, HN, hdata, 3, 4, &p);
    CHECK((st == ZS_OK) == (p != NULL));
    zs_patterns_free(p);
    return st;
}

static zs_patterns *append_target;
static unsigned char *snap_append_target(size_t *len) {
    size_t *c = malloc(2 * sizeof(size_t));
    c[0] = zs_patterns_count(append_target);
    c[1] = zs_patterns_units(append_target);
    *len = 2 * sizeof(size_t);
    return (unsigned char *)c;
}
static zs_status pt_append_call(void) { return zs_patterns_append(ctx, append_target, patterns); }

static zs_status hebbian_call(void) {
    zs_hopfield *h = NULL;
    zs_status st = zs_hopfield_alloc_hebbian(ctx, patterns, &h);
    CHECK((st == ZS_OK) == (h != NULL));
    zs_hopfield_free(h);
    return st;
}

static zs_status projection_call(void) {
    zs_hopfield *h = NULL;
    zs_status st = zs_hopfield_alloc_projection(ctx, patterns, &h);
    CHECK((st == ZS_OK) == (h != NULL));
    zs_hopfield_free(h);
    return st;
}

static zs_status hopfield_alloc_call(void) {
    double j[HN * HN];
    zs_hopfield_couplings(hopfield, j);
    zs_hopfield *h = NULL;
    zs_status st = zs_hopfield_alloc(ctx, HN, j, patterns, &h);
    CHECK((st == ZS_OK) == (h != NULL));
    zs_hopfield_free(h);
    return st;
}

static zs_status hopfield_save_call(void) { return zs_hopfield_save(hopfield, check_path("hop.npz")); }

static zs_status hopfield_load_call(void) {
    zs_hopfield *h = NULL;
    zs_status st = zs_hopfield_load(ctx, check_path("hop.npz"), &h);
    CHECK((st == ZS_OK) == (h != NULL));
    zs_hopfield_free(h);
    return st;
}

static zs_hopfield_order hop_order;
static zs_status hopfield_run_call(void) {
    zs_hopfield_run_opts o;
    zs_hopfield_run_defaults(&o);
    o.order = hop_order;
    o.beta = 2.0;
    o.max_sweeps = 5;
    int8_t s[HN];
    memcpy(s, hdata, HN);
    s[0] = (int8_t)-s[0];
    zs_hopfield_result r;
    return zs_hopfield_run(hopfield, &o, s, NULL, NULL, &r);
}

static zs_status hebbian_run_call(void) { /* integer couplings: the 16-bit kernel */
    zs_hopfield *h = NULL;
    zs_status st = zs_hopfield_alloc_hebbian(ctx, patterns, &h);
    if (st != ZS_OK) return st;
    zs_hopfield_run_opts o;
    zs_hopfield_run_defaults(&o);
    o.max_sweeps = 5;
    int8_t s[HN];
    memcpy(s, hdata, HN);
    zs_hopfield_result r;
    st = zs_hopfield_run(h, &o, s, NULL, NULL, &r);
    zs_hopfield_free(h);
    return st;
}

static zs_status hopfield_overlaps_call(void) {
    double m[HP];
    return zs_hopfield_overlaps(hopfield, hdata, m);
}

static zs_status capacity_call(void) {
    zs_hopfield_capacity_opts o;
    zs_hopfield_capacity_defaults(&o);
    o.trials = 2;
    const double alpha[] = {0.1, 0.2};
    zs_hopfield_capacity_point pts[2];
    return zs_hopfield_capacity(ctx, 16, alpha, 2, &o, pts);
}

static void sweep_hopfield(void) {
    uint64_t s = 23;
    for (size_t i = 0; i < HP * HN; i++) hdata[i] = wiggle(&s) > 0 ? 1 : -1;
    CHECK(zs_patterns_alloc(ctx, HP, HN, hdata, 3, 4, &patterns) == ZS_OK);
    CHECK(zs_hopfield_alloc_projection(ctx, patterns, &hopfield) == ZS_OK);
    sweep("zs_patterns_alloc", pt_alloc_call, NULL);
    CHECK(zs_patterns_alloc(ctx, HP, HN, hdata, 3, 4, &append_target) == ZS_OK);
    sweep("zs_patterns_append", pt_append_call, snap_append_target);
    zs_patterns_free(append_target);
    sweep("zs_hopfield_alloc_hebbian", hebbian_call, NULL);
    sweep("zs_hopfield_alloc_projection", projection_call, NULL);
    sweep("zs_hopfield_alloc", hopfield_alloc_call, snap_hopfield);
    sweep("zs_hopfield_save", hopfield_save_call, snap_hopfield);
    sweep("zs_hopfield_load", hopfield_load_call, NULL);
    hop_order = ZS_HOPFIELD_SEQUENTIAL;
    sweep("zs_hopfield_run (sequential)", hopfield_run_call, snap_hopfield);
    hop_order = ZS_HOPFIELD_RANDOM;
    sweep("zs_hopfield_run (random)", hopfield_run_call, snap_hopfield);
    sweep("zs_hopfield_overlaps", hopfield_overlaps_call, snap_hopfield);
    sweep("zs_hopfield_alloc_hebbian, _run (integer couplings)", hebbian_run_call, NULL);
    sweep("zs_hopfield_capacity", capacity_call, NULL);
}

/* ---- independent units on levels ----------------------------------------------------------- */

static zs_levels *levels;
static const double lv_e[] = {0.0, 0.7, 1.9}, lv_g[] = {1.0, 2.0, 1.0};

static zs_status levels_alloc_call(void) {
    zs_levels *l = NULL;
    zs_status st = zs_levels_alloc(ctx, 3, lv_e, lv_g, &l);
    CHECK((st == ZS_OK) == (l != NULL));
    zs_levels_free(l);
    return st;
}

static zs_levels_method lv_method;
static zs_status levels_thermo_call(void) {
    zs_levels_thermo_opts o;
    zs_levels_thermo_defaults(&o);
    o.method = lv_method;
    zs_levels_thermo r;
    double occ[3];
    return zs_levels_thermo_compute(levels, 5, 0.8, &o, &r, occ);
}

static zs_status levels_enumerate_call(void) {
    double lnz;
    return zs_levels_lnz_enumerate(levels, 5, 0.8, &lnz);
}

static zs_status levels_count_call(void) {
    zs_count c;
    memset(&c, 0, sizeof c);
    zs_status st = zs_levels_microstate_count(levels, 30, 10, &c);
    if (st == ZS_OK) zs_count_clear(&c);
    return st;
}

static zs_status levels_state_call(void) {
    const uint32_t state[] = {0, 1, 2, 2, 1};
    zs_levels_state_info info;
    uint64_t occ[3];
    zs_count mult;
    memset(&mult, 0, sizeof mult);
    zs_status st = zs_levels_state(levels, 5, state, 0.8, &info, occ, &mult);
    if (st == ZS_OK) zs_count_clear(&mult);
    return st;
}

static int micro_visit(void *u, const uint32_t *l, const uint32_t *s, double e, double p) {
    (void)u, (void)l, (void)s, (void)e, (void)p;
    return 0;
}
static int macro_visit(void *u, const uint64_t *o, const char *m, double e, double p) {
    (void)u, (void)o, (void)m, (void)e, (void)p;
    return 0;
}
static int ldos_visit(void *u, double e, const char *c, double p) {
    (void)u, (void)e, (void)c, (void)p;
    return 0;
}
static zs_status levels_micro_call(void) { return zs_levels_microstates(levels, 3, 0.8, 1e6, micro_visit, NULL); }
static zs_status levels_macro_call(void) { return zs_levels_macrostates(levels, 5, 0.8, 1e6, macro_visit, NULL); }
static zs_status levels_dos_call(void) { return zs_levels_dos(levels, 5, 0.8, 1e6, ldos_visit, NULL); }

static void sweep_levels(void) {
    CHECK(zs_levels_alloc(ctx, 3, lv_e, lv_g, &levels) == ZS_OK);
    sweep("zs_levels_alloc", levels_alloc_call, NULL);
    static const zs_levels_method methods[] = {ZS_LEVELS_CLOSED, ZS_LEVELS_MACRO, ZS_LEVELS_ENUMERATE,
                                               ZS_LEVELS_AUTO};
    char name[128];
    for (int k = 0; k < 4; k++) {
        lv_method = methods[k];
        snprintf(name, sizeof name, "zs_levels_thermo_compute (%s)", zs_levels_method_name(lv_method));
        sweep(name, levels_thermo_call, NULL);
    }
    sweep("zs_levels_lnz_enumerate", levels_enumerate_call, NULL);
    sweep("zs_levels_microstate_count", levels_count_call, NULL);
    sweep("zs_levels_state", levels_state_call, NULL);
    sweep("zs_levels_microstates", levels_micro_call, NULL);
    sweep("zs_levels_macrostates", levels_macro_call, NULL);
    sweep("zs_levels_dos", levels_dos_call, NULL);
}

/* ---- factor graphs: readers, elimination, conditioning, marginals, approximations ---------- */

enum { GR = 4, GV = GR * GR };
static char uai_text[8192];
static zs_factor_model *fmodel;
static int32_t fevid[GV];
static const char *evid_text = "2 0 1 5 0";
static const char *fg_text = "2\n\n2\n0 1\n2 2\n4\n0 0.5\n1 0.25\n2 1\n3 2\n\n"
                             "2\n3 2\n2 3\n5\n0 1\n1 1\n2 1\n3 1\n5 4\n";

/* A 4 x 4 grid of binary variables (width 4: conditioning has work to do under a small
 * max_bytes), unary and pairwise tables from a fixed sequence. */
static void write_grid_uai(void) {
    uint64_t s = 29;
    size_t nf = GV + 2 * GR * (GR - 1), len = 0;
    len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, "MARKOV\n%d\n", GV);
    for (int i = 0; i < GV; i++) len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, "2 ");
    len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, "\n%zu\n", nf);
    for (int i = 0; i < GV; i++) len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, "1 %d\n", i);
    for (int r = 0; r < GR; r++)
        for (int c = 0; c < GR; c++) {
            int v = r * GR + c;
            if (c + 1 < GR) len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, "2 %d %d\n", v, v + 1);
            if (r + 1 < GR) len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, "2 %d %d\n", v, v + GR);
        }
    for (size_t f = 0; f < nf; f++) {
        int k = f < GV ? 2 : 4;
        len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, "%d\n", k);
        for (int e = 0; e < k; e++)
            len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, " %.3f", 1.5 + wiggle(&s));
        len += (size_t)snprintf(uai_text + len, sizeof uai_text - len, "\n");
    }
    FILE *f = fopen(check_path("grid.uai"), "w");
    fputs(uai_text, f);
    fclose(f);
    f = fopen(check_path("grid.uai.evid"), "w");
    fputs(evid_text, f);
    fclose(f);
    f = fopen(check_path("x.fg"), "w");
    fputs(fg_text, f);
    fclose(f);
}

static unsigned char *snap_file(const char *path, size_t *len) {
    buf b = {0};
    FILE *f = fopen(path, "rb");
    unsigned char chunk[4096];
    size_t k;
    while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0) put(&b, chunk, k);
    if (f) fclose(f);
    *len = b.len;
    return b.p;
}

/* The model as the library holds it (lib/models/factor_internal.h), and the evidence. */
static unsigned char *snap_fmodel(size_t *len) {
    buf b = {0};
    put(&b, &fmodel->nvars, sizeof fmodel->nvars);
    put(&b, fmodel->dom, fmodel->nvars * sizeof *fmodel->dom);
    put(&b, &fmodel->kind, sizeof fmodel->kind);
    put(&b, &fmodel->nf, sizeof fmodel->nf);
    for (size_t k = 0; k < fmodel->nf; k++) {
        const fm_factor *f = &fmodel->f[k];
        put(&b, &f->arity, sizeof f->arity);
        put(&b, f->scope, f->arity * sizeof *f->scope);
        put(&b, &f->size, sizeof f->size);
        put(&b, f->lnt, f->size * sizeof *f->lnt);
    }
    put(&b, fevid, sizeof fevid);
    *len = b.len;
    return b.p;
}

static zs_status fm_alloc_add_call(void) {
    const uint32_t dom[] = {2, 3, 2};
    zs_factor_model *m = NULL;
    zs_status st = zs_factor_model_alloc(ctx, 3, dom, &m);
    CHECK((st == ZS_OK) == (m != NULL));
    if (st != ZS_OK) return st;
    const uint32_t scope[] = {0, 1};
    const double values[] = {1, 2, 3, 4, 5, 6};
    for (int k = 0; k < 3 && st == ZS_OK; k++) st = zs_factor_model_add(m, 2, scope, values, 0);
    if (st == ZS_OK) CHECK(zs_factor_model_nfactors(m) == 3);
    else CHECK(zs_factor_model_nfactors(m) < 3); /* the failed add added nothing */
    zs_factor_model_free(m);
    return st;
}

static zs_status parse_uai_call(void) {
    zs_factor_model *m = NULL;
    zs_status st = zs_factor_parse_uai(ctx, uai_text, strlen(uai_text), "grid.uai", &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_factor_model_free(m);
    return st;
}

static zs_status read_uai_call(void) {
    zs_factor_model *m = NULL;
    zs_status st = zs_factor_read_uai(ctx, check_path("grid.uai"), &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_factor_model_free(m);
    return st;
}

static zs_status read_model_call(void) {
    zs_factor_model *m = NULL;
    zs_status st = zs_factor_read_model(ctx, check_path("x.fg"), &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_factor_model_free(m);
    return st;
}

static zs_status parse_fg_call(void) {
    zs_factor_model *m = NULL;
    zs_status st = zs_factor_parse_fg(ctx, fg_text, strlen(fg_text), "x.fg", &m);
    CHECK((st == ZS_OK) == (m != NULL));
    zs_factor_model_free(m);
    return st;
}

static zs_status evid_call(void) {
    int32_t ev[GV];
    size_t observed;
    zs_status st = zs_factor_parse_evid(fmodel, evid_text, strlen(evid_text), "e.evid", ev, &observed);
    if (st != ZS_OK) return st;
    return zs_factor_read_evid(fmodel, check_path("grid.uai.evid"), ev, &observed);
}

static zs_status write_uai_call(void) { return zs_factor_write_uai(fmodel, check_path("out.uai")); }

static zs_factor_order forder;
static const int32_t *plan_evid;
static zs_status plan_call(void) {
    zs_factor_plan *p = NULL;
    zs_status st = zs_factor_plan_alloc(fmodel, plan_evid, forder, &p);
    CHECK((st == ZS_OK) == (p != NULL));
    zs_factor_plan_free(p);
    return st;
}

static zs_status plan_order_call(void) {
    size_t order[GV];
    for (size_t i = 0; i < GV; i++) order[i] = GV - 1 - i;
    zs_factor_plan *p = NULL;
    zs_status st = zs_factor_plan_from_order(fmodel, plan_evid, order, GV, &p);
    CHECK((st == ZS_OK) == (p != NULL));
    zs_factor_plan_free(p);
    return st;
}

/* Just below the unconditioned plan's peak (about 65 KiB, of which 64 KiB is a run's fixed
 * pool): conditions on few variables, so the conditioned runs are few. */
static double cond_bytes;
static zs_status condition_call(void) {
    zs_factor_plan *p = NULL;
    zs_status st = zs_factor_plan_condition(fmodel, plan_evid, ZS_ORDER_MINFILL, cond_bytes, 0, &p);
    CHECK((st == ZS_OK) == (p != NULL));
    zs_factor_plan_free(p);
    return st;
}

static zs_factor_plan *fplan;
static zs_status lnz_call(void) {
    double lnz;
    return zs_factor_lnz(fmodel, plan_evid, fplan, 0, &lnz);
}

static zs_status marginals_call(void) {
    zs_factor_marginals_opts o;
    zs_factor_marginals_defaults(&o);
    double marg[2 * GV], lnz;
    zs_status st = zs_factor_marginals(fmodel, plan_evid, fplan, &o, marg, &lnz);
    if (st != ZS_OK) return st;
    return zs_factor_write_mar(fmodel, marg, check_path("out.mar"));
}

static zs_status marginals_bytes_call(void) {
    double bytes;
    return zs_factor_marginals_bytes(fmodel, plan_evid, fplan, &bytes);
}

static zs_factor_approx approx_method;
static zs_status approx_call(void) {
    zs_factor_approx_opts o;
    zs_factor_approx_defaults(&o);
    o.max_iter = 20;
    o.i_bound = 2;
    o.trees = 2;
    zs_factor_approx_result r;
    return zs_factor_lnz_approx(fmodel, plan_evid, approx_method, &o, &r);
}

static void sweep_plans(const char *what) {
    static const zs_factor_order orders[] = {ZS_ORDER_MINFILL, ZS_ORDER_MINDEGREE, ZS_ORDER_WEIGHTED_MINFILL,
                                             ZS_ORDER_AUTO};
    char name[160];
    zs_factor_plan *plain = NULL;
    CHECK(zs_factor_plan_alloc(fmodel, plan_evid, ZS_ORDER_MINFILL, &plain) == ZS_OK);
    zs_factor_plan_info pinfo;
    zs_factor_plan_get_info(plain, &pinfo);
    cond_bytes = pinfo.peak_bytes - 8;
    zs_factor_plan_free(plain);
    for (int k = 0; k < 4; k++) {
        forder = orders[k];
        snprintf(name, sizeof name, "zs_factor_plan_alloc (%s, %s)", zs_factor_order_name(forder), what);
        sweep(name, plan_call, snap_fmodel);
    }
    snprintf(name, sizeof name, "zs_factor_plan_from_order (%s)", what);
    sweep(name, plan_order_call, snap_fmodel);
    snprintf(name, sizeof name, "zs_factor_plan_condition (%s)", what);
    sweep(name, condition_call, snap_fmodel);
    for (int cond = 0; cond <= 1; cond++) {
        fplan = NULL;
        if (cond) CHECK(zs_factor_plan_condition(fmodel, plan_evid, ZS_ORDER_MINFILL, cond_bytes, 0, &fplan) == ZS_OK);
        else CHECK(zs_factor_plan_alloc(fmodel, plan_evid, ZS_ORDER_MINFILL, &fplan) == ZS_OK);
        zs_factor_plan_info info;
        zs_factor_plan_get_info(fplan, &info);
        if (cond) CHECK(info.conditioned > 0);
        if (cond) printf("  (conditioned on %zu variables, %g runs)\n", info.conditioned, info.assignments);
        snprintf(name, sizeof name, "zs_factor_lnz (%s, %s)", cond ? "conditioned" : "plain", what);
        sweep(name, lnz_call, snap_fmodel);
        snprintf(name, sizeof name, "zs_factor_marginals_bytes (%s, %s)", cond ? "conditioned" : "plain", what);
        sweep(name, marginals_bytes_call, snap_fmodel);
        snprintf(name, sizeof name, "zs_factor_marginals, _write_mar (%s, %s)", cond ? "conditioned" : "plain", what);
        sweep(name, marginals_call, snap_fmodel);
        zs_factor_plan_free(fplan);
    }
    static const zs_factor_approx methods[] = {ZS_APPROX_MF, ZS_APPROX_BP, ZS_APPROX_TRW, ZS_APPROX_MBE,
                                               ZS_APPROX_GBP};
    for (int k = 0; k < 5; k++) {
        approx_method = methods[k];
        if (approx_call() == ZS_EUNSUPPORTED) continue; /* not with this evidence */
        snprintf(name, sizeof name, "zs_factor_lnz_approx (%s, %s)", zs_factor_approx_name(approx_method), what);
        sweep(name, approx_call, snap_fmodel);
    }
}

/* The counter by search on a deterministic model: a chain of 3-valued x_i != x_{i+1} on 8
 * variables with weights on two of them, one with evidence (components, the cache, the
 * frames and the key buffer all allocate). The grid above has soft tables: refused. */
static zs_factor_model *smodel;
static const int32_t *search_evid;
static zs_status search_check_call(void) { return zs_factor_search_check(smodel); }
static zs_status search_call(void) {
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    double lnz;
    zs_factor_search_stats stats;
    return zs_factor_lnz_search(smodel, search_evid, &o, &lnz, &stats);
}

static void sweep_search(void) {
    uint32_t dom[8] = {3, 3, 3, 3, 3, 3, 3, 3};
    double ne[9] = {0, 1, 1, 1, 0, 1, 1, 1, 0}, w[3] = {0.5, 1.5, 2.5};
    CHECK(zs_factor_model_alloc(ctx, 8, dom, &smodel) == ZS_OK);
    for (uint32_t i = 0; i + 1 < 8; i++) {
        uint32_t sc[2] = {i, i + 1};
        CHECK(zs_factor_model_add(smodel, 2, sc, ne, 0) == ZS_OK);
    }
    uint32_t v2 = 2, v5 = 5;
    CHECK(zs_factor_model_add(smodel, 1, &v2, w, 0) == ZS_OK);
    CHECK(zs_factor_model_add(smodel, 1, &v5, w, 0) == ZS_OK);
    CHECK(zs_factor_search_check(fmodel) == ZS_EUNSUPPORTED);
    static const int32_t ev[8] = {-1, -1, -1, 1, -1, -1, -1, -1};
    search_evid = NULL;
    sweep("zs_factor_lnz_search (no evidence)", search_call, NULL);
    search_evid = ev;
    sweep("zs_factor_lnz_search (evidence)", search_call, NULL);
    sweep("zs_factor_search_check", search_check_call, NULL);
    zs_factor_model_free(smodel);
    smodel = NULL;
}

static void sweep_factor(void) {
    write_grid_uai();
    CHECK(zs_factor_parse_uai(ctx, uai_text, strlen(uai_text), "grid.uai", &fmodel) == ZS_OK);
    size_t observed = 0;
    CHECK(zs_factor_parse_evid(fmodel, evid_text, strlen(evid_text), "e.evid", fevid, &observed) == ZS_OK);
    sweep("zs_factor_model_alloc, _add", fm_alloc_add_call, NULL);
    sweep("zs_factor_parse_uai", parse_uai_call, NULL);
    sweep("zs_factor_read_uai", read_uai_call, NULL);
    sweep("zs_factor_parse_fg", parse_fg_call, NULL);
    sweep("zs_factor_read_model (.fg)", read_model_call, NULL);
    sweep("zs_factor_parse_evid, _read_evid", evid_call, snap_fmodel);
    sweep("zs_factor_write_uai", write_uai_call, snap_fmodel);
    plan_evid = NULL;
    sweep_plans("no evidence");
    plan_evid = fevid;
    sweep_plans("evidence");
    sweep_search();
}

/* ---- files: NumPy, IDX, data sets, whole inputs, patterns, images, work units -------------- */

static zs_array *arr;        /* (3, 4) float64 */
static zs_array *bytes_arr;  /* (2, 2, 3) uint8, an IDX image set */
static unsigned char *npy_bytes, *npz_bytes, *idx_bytes;
static size_t npy_len, npz_len, idx_len;

static zs_status ctx_alloc_call(void) {
    zs_ctx *c = zs_ctx_alloc();
    zs_ctx_free(c);
    return c ? ZS_OK : ZS_ENOMEM;
}

static zs_status array_alloc_call(void) {
    uint64_t shape[] = {3, 4};
    zs_array *a = NULL;
    zs_status st = zs_array_alloc(ctx, ZS_DTYPE_F4, 2, shape, &a);
    CHECK((st == ZS_OK) == (a != NULL));
    zs_array_free(a);
    return st;
}

#define READ_CALL(fname, expr)                     \
    static zs_status fname(void) {                 \
        zs_array *a = NULL;                        \
        zs_status st = (expr);                     \
        CHECK((st == ZS_OK) == (a != NULL));       \
        zs_array_free(a);                          \
        return st;                                 \
    }
READ_CALL(npy_read_call, zs_npy_read(ctx, check_path("a.npy"), &a))
READ_CALL(npy_read_mem_call, zs_npy_read_mem(ctx, "a.npy", npy_bytes, npy_len, &a))
READ_CALL(npz_read_call, zs_npz_read(ctx, check_path("a.npz"), "y", &a))
READ_CALL(idx_read_call, zs_idx_read(ctx, check_path("a.idx"), &a))
READ_CALL(idx_read_gz_call, zs_idx_read(ctx, check_path("a.idx.gz"), &a))
READ_CALL(idx_read_mem_call, zs_idx_read_mem(ctx, "a.idx", idx_bytes, idx_len, &a))
READ_CALL(data_load_call, zs_data_load(ctx, check_path("a.idx"), &a))

static zs_status npy_write_call(void) { return zs_npy_write(ctx, check_path("w.npy"), arr); }
static zs_status idx_write_call(void) { return zs_idx_write_u8(ctx, check_path("w.idx"), bytes_arr); }
static zs_status idx_write_gz_call(void) { return zs_idx_write_u8(ctx, check_path("w.idx.gz"), bytes_arr); }
static zs_status npz_write_empty_call(void) { return zs_npz_write(ctx, check_path("e.npz"), 0, NULL, NULL, 1); }

static zs_status npz_write_call(void) {
    const char *names[] = {"x", "y"};
    const zs_array *arrays[] = {arr, bytes_arr};
    return zs_npz_write(ctx, check_path("w.npz"), 2, names, arrays, 1);
}

static zs_status npz_open_get(zs_status st, zs_npz *z) {
    CHECK((st == ZS_OK) == (z != NULL));
    if (st != ZS_OK) return st;
    zs_array *a = NULL;
    st = zs_npz_get(z, "x", &a);
    CHECK((st == ZS_OK) == (a != NULL));
    zs_array_free(a);
    zs_npz_close(z);
    return st;
}

static zs_status npz_open_call(void) {
    zs_npz *z = NULL;
    zs_status st = zs_npz_open(ctx, check_path("a.npz"), &z);
    return npz_open_get(st, z);
}

static zs_status npz_open_mem_call(void) {
    zs_npz *z = NULL;
    zs_status st = zs_npz_open_mem(ctx, "a.npz", npz_bytes, npz_len, &z);
    return npz_open_get(st, z);
}

static zs_array *bin_target;
static unsigned char *snap_bin_target(size_t *len) {
    size_t n = zs_array_size(bin_target);
    double *p = malloc(n * sizeof(double) + 1);
    memcpy(p, zs_array_cdata(bin_target), n * sizeof(double));
    *len = n * sizeof(double);
    return (unsigned char *)p;
}
static zs_binarize bin_rule;
static zs_status binarize_call(void) { return zs_data_binarize(ctx, bin_target, bin_rule, 0.5, 3); }

static const char *binary_path;
static zs_status load_binary_call(void) {
    uint8_t *r = NULL;
    size_t n = 0, d = 0;
    zs_status st = zs_data_load_binary(ctx, binary_path, ZS_BINARIZE_THRESHOLD, 0.5, 3, &r, &n, &d);
    CHECK((st == ZS_OK) == (r != NULL));
    free(r);
    return st;
}

static const char *input_path;
static zs_status read_input_call(void) {
    char *b = NULL;
    size_t len = 0;
    zs_status st = zs_read_input(ctx, input_path, 0, ZS_READ_GZIP | ZS_READ_TEXT, &b, &len);
    CHECK((st == ZS_OK) == (b != NULL));
    free(b);
    return st;
}

static const char *patterns_path;
static zs_status patterns_read_call(void) {
    zs_patterns *p = NULL;
    zs_status st = zs_patterns_read(ctx, patterns_path, &p);
    CHECK((st == ZS_OK) == (p != NULL));
    zs_patterns_free(p);
    return st;
}

static const char *pattern_text = "# two patterns\n+-+-+-\n1,-1,1,1,-1,-1\n";
static zs_status patterns_parse_call(void) {
    zs_patterns *p = NULL;
    zs_status st = zs_patterns_parse_text(ctx, "p.txt", pattern_text, strlen(pattern_text), &p);
    CHECK((st == ZS_OK) == (p != NULL));
    zs_patterns_free(p);
    if (st != ZS_OK) return st;
    p = NULL;
    st = zs_patterns_parse_mem(ctx, "p.txt", pattern_text, strlen(pattern_text), &p);
    CHECK((st == ZS_OK) == (p != NULL));
    zs_patterns_free(p);
    return st;
}

static const char *image_path;
static zs_status pattern_image_call(void) { return zs_pattern_write_image(ctx, image_path, 3, 4, hdata, 2); }

static zs_status grey_image_call(void) {
    const uint8_t px[] = {0, 64, 128, 255, 32, 16};
    return zs_image_write_grey(ctx, check_path("g.png"), px, 3, 2, 3);
}

static zs_status units_call(void) {
    zs_units_header h = {77, 4, (char *)"zsum levels -n 3", 1, 0, NULL, 0};
    zs_unit_record recs[2];
    memset(recs, 0, sizeof recs);
    for (int k = 0; k < 2; k++) {
        recs[k].problem = 77;
        recs[k].unit = (uint64_t)k;
        recs[k].nvalues = 2;
        recs[k].values[0] = 0.5 + k;
        recs[k].values[1] = -1.25;
    }
    const char *path = check_path("units.zsu");
    zs_status st = zs_units_save(ctx, path, &h, recs, 1);
    if (st == ZS_OK) st = zs_units_append(ctx, path, &recs[1], 1);
    if (st != ZS_OK) return st;
    zs_units_header got;
    memset(&got, 0, sizeof got);
    zs_unit_record *loaded = NULL;
    size_t n = 0;
    int torn = 0;
    st = zs_units_load(ctx, path, &got, &loaded, &n, &torn);
    if (st == ZS_OK) CHECK(n == 2 && !torn);
    zs_units_header_clear(&got);
    free(loaded);
    return st;
}

static void write_bytes(const char *path, const void *p, size_t len) {
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(p, 1, len, f) == len);
    if (f) fclose(f);
}

static void make_files(void) {
    uint64_t shape[] = {3, 4}, bshape[] = {2, 2, 3};
    CHECK(zs_array_alloc(ctx, ZS_DTYPE_F8, 2, shape, &arr) == ZS_OK);
    CHECK(zs_array_alloc(ctx, ZS_DTYPE_U1, 3, bshape, &bytes_arr) == ZS_OK);
    for (size_t i = 0; i < 12; i++) {
        zs_array_data(arr)[i] = 0.25 * (double)i - 1.0;
        zs_array_data(bytes_arr)[i] = (double)(i * 21 % 256);
    }
    const char *names[] = {"x", "y"};
    const zs_array *arrays[] = {arr, bytes_arr};
    CHECK(zs_npy_write(ctx, check_path("a.npy"), arr) == ZS_OK);
    CHECK(zs_npz_write(ctx, check_path("a.npz"), 2, names, arrays, 1) == ZS_OK);
    CHECK(zs_idx_write_u8(ctx, check_path("a.idx"), bytes_arr) == ZS_OK);
    CHECK(zs_npy_write(ctx, check_path("b.npy"), bytes_arr) == ZS_OK);
    CHECK(zs_npz_write(ctx, check_path("b.npz"), 1, names + 1, arrays + 1, 0) == ZS_OK);
    npy_bytes = snap_file(check_path("a.npy"), &npy_len);
    npz_bytes = snap_file(check_path("a.npz"), &npz_len);
    idx_bytes = snap_file(check_path("a.idx"), &idx_len);
    gzFile gz = gzopen(check_path("a.idx.gz"), "wb");
    CHECK(gz && gzwrite(gz, idx_bytes, (unsigned)idx_len) == (int)idx_len);
    if (gz) gzclose(gz);
    gz = gzopen(check_path("p.txt.gz"), "wb");
    CHECK(gz && gzwrite(gz, pattern_text, (unsigned)strlen(pattern_text)) == (int)strlen(pattern_text));
    if (gz) gzclose(gz);
    write_bytes(check_path("p.txt"), pattern_text, strlen(pattern_text));
    const char *pbm = "P1\n4 3\n1 0 1 0\n0 1 0 1\n1 1 0 0\n";
    write_bytes(check_path("p.pbm"), pbm, strlen(pbm));
    const int8_t pv[] = {1, -1, 1, 1, -1, -1};
    uint64_t pshape[] = {1, 6};
    zs_array *pa = NULL;
    CHECK(zs_array_alloc(ctx, ZS_DTYPE_I1, 2, pshape, &pa) == ZS_OK);
    for (size_t i = 0; i < 6; i++) zs_array_data(pa)[i] = pv[i];
    CHECK(zs_npy_write(ctx, check_path("p.npy"), pa) == ZS_OK);
    zs_array_free(pa);
}

static void sweep_io(void) {
    make_files();
    sweep("zs_ctx_alloc", ctx_alloc_call, NULL);
    sweep("zs_array_alloc", array_alloc_call, NULL);
    sweep("zs_npy_read", npy_read_call, NULL);
    sweep("zs_npy_read_mem", npy_read_mem_call, NULL);
    sweep("zs_npy_write", npy_write_call, NULL);
    sweep("zs_npz_open, _get", npz_open_call, NULL);
    sweep("zs_npz_open_mem, _get", npz_open_mem_call, NULL);
    sweep("zs_npz_read", npz_read_call, NULL);
    sweep("zs_npz_write", npz_write_call, NULL);
    sweep("zs_idx_read", idx_read_call, NULL);
    sweep("zs_idx_read (gzip)", idx_read_gz_call, NULL);
    sweep("zs_idx_read_mem", idx_read_mem_call, NULL);
    sweep("zs_idx_write_u8", idx_write_call, NULL);
    sweep("zs_idx_write_u8 (gzip)", idx_write_gz_call, NULL);
    sweep("zs_npz_write (no arrays)", npz_write_empty_call, NULL);
    sweep("zs_data_load", data_load_call, NULL);
    static const zs_binarize rules[] = {ZS_BINARIZE_THRESHOLD, ZS_BINARIZE_STOCHASTIC, ZS_BINARIZE_AUTO};
    static const char *rule_names[] = {"zs_data_binarize (threshold)", "zs_data_binarize (stochastic)",
                                       "zs_data_binarize (auto)"};
    for (int k = 0; k < 3; k++) {
        CHECK(zs_data_load(ctx, check_path("a.idx"), &bin_target) == ZS_OK);
        bin_rule = rules[k];
        sweep(rule_names[k], binarize_call, snap_bin_target);
        zs_array_free(bin_target);
    }
    static const char *bin_paths[] = {"a.idx", "a.idx.gz", "b.npy", "a.idx:0:1", "b.npz"};
    static const char *bin_names[] = {"zs_data_load_binary (IDX)", "zs_data_load_binary (gzip IDX)",
                                      "zs_data_load_binary (.npy)", "zs_data_load_binary (row range)",
                                      "zs_data_load_binary (.npz)"};
    for (int k = 0; k < 5; k++) {
        binary_path = check_path(bin_paths[k]);
        sweep(bin_names[k], load_binary_call, NULL);
    }
    input_path = check_path("p.txt");
    sweep("zs_read_input", read_input_call, NULL);
    input_path = check_path("p.txt.gz");
    sweep("zs_read_input (gzip)", read_input_call, NULL);
    static const char *pat_paths[] = {"p.txt", "p.pbm", "p.npy"};
    static const char *pat_names[] = {"zs_patterns_read (text)", "zs_patterns_read (PBM)",
                                      "zs_patterns_read (.npy)"};
    for (int k = 0; k < 3; k++) {
        patterns_path = check_path(pat_paths[k]);
        sweep(pat_names[k], patterns_read_call, NULL);
    }
    sweep("zs_patterns_parse_text, _parse_mem", patterns_parse_call, NULL);
    image_path = check_path("p.png");
    sweep("zs_pattern_write_image (PNG)", pattern_image_call, NULL);
    image_path = check_path("p.pbm.out.pbm");
    sweep("zs_pattern_write_image (PBM)", pattern_image_call, NULL);
    sweep("zs_image_write_grey", grey_image_call, NULL);
    sweep("zs_units_save, _append, _load", units_call, NULL);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line as it comes, for a run that is stopped */
    trace = malloc(MAX_TRACE * sizeof *trace);
    check_tmpdir("allocfail");
    ctx = zs_ctx_alloc();
    /* one thread: the n-th allocation is the same one each run (ZSUM_ALLOCFAIL_THREADS=N for
     * a look at the parallel regions' failure paths, where it is not) */
    const char *threads = getenv("ZSUM_ALLOCFAIL_THREADS");
    zs_ctx_set_threads(ctx, threads ? atoi(threads) : 1);
    FILE *f = fopen(check_path("betas.txt"), "w");
    for (int k = 0; k <= 1200; k++) fprintf(f, "%g\n", k / 1200.0); /* past the reader's first 1024 */
    fclose(f);
    build_models();
    /* ZSUM_ALLOCFAIL_ONLY=rbm,factor,...: only those families (for work on one of them) */
    const char *only = getenv("ZSUM_ALLOCFAIL_ONLY");
    static const struct {
        const char *name;
        void (*run)(void);
    } families[] = {{"rbm", sweep_rbm},           {"dbm", sweep_dbm},       {"pairwise", sweep_pairwise},
                    {"hopfield", sweep_hopfield}, {"levels", sweep_levels}, {"factor", sweep_factor},
                    {"io", sweep_io},             {"bm_train", sweep_bm_train}};
    for (size_t k = 0; k < sizeof families / sizeof families[0]; k++)
        if (!only || !*only || strstr(only, families[k].name)) families[k].run();
    printf("%zu calls swept, %zu allocations failed at %zu distinct sites, %zu absorbed\n", ncalls,
           nfailures, nsites, nabsorbed);
    if (getenv("ZSUM_ALLOCFAIL_SITES")) /* the sites reached, for a coverage count */
        for (size_t i = 0; i < nsites; i++) printf("site %s:%d\n", sites[i].file, sites[i].line);
    zs_rbm_free(rbm);
    zs_dbm_free(dbm);
    zs_pairwise_free(bm);
    zs_pairwise_free(lattice);
    zs_hopfield_free(hopfield);
    zs_patterns_free(patterns);
    zs_levels_free(levels);
    zs_factor_model_free(fmodel);
    zs_array_free(arr);
    zs_array_free(bytes_arr);
    free(npy_bytes);
    free(npz_bytes);
    free(idx_bytes);
    free(betas);
    zs_ctx_free(ctx);
    free(trace);
    check_tmpdir_remove();
    return check_summary("test_allocfail");
}

#endif
