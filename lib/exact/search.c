/* search.c — exact ln Z of a deterministic factor model by search, the way weighted model
 * counters count (Cachet: Sang, Beame & Kautz 2004; sharpSAT: Thurley 2006): branch on a
 * variable, propagate units, split what is left into independent components whose counts
 * multiply, and remember each component's count so that the same residual problem reached
 * along another path is counted once. For a component C,
 *     Z(C) = sum_{a in D(v)} w(v = a) prod_{units u} w(u) prod_{components K of C | v = a} Z(K),
 * in log space. The recursion runs on an explicit stack of frames (a component nested in the
 * thousands does not touch the C stack). */
#include "exact/search_internal.h"

#include <math.h>
#include <string.h>

void zs_factor_search_defaults(zs_factor_search_opts *o) {
    memset(o, 0, sizeof *o);
    o->max_bytes = 1073741824.0; /* 1 GiB of cache */
    o->max_seconds = 0.0;
    o->max_decisions = 0;
    o->learn = 1;
    o->activity = 1;
    o->td_weight = SR_TD_WEIGHT;
    o->eliminate = 1;
}

/* A component being counted: the value of var tried now, the children of that branch in the
 * arena [list, end) with the next one to count at next, and the branch's product so far. */
typedef struct sr_frame {
    size_t comp;         /* arena offset of the component                                */
    size_t list, end;    /* its current branch's components; list SIZE_MAX: none open    */
    size_t next;
    size_t trail, asg;   /* the state's marks before the branch                           */
    size_t cmark;        /* cache entries before the branch (dropped if its product is 0) */
    uint32_t var, a;     /* the branching variable and the next value to try             */
    double prod, total;  /* ln of the open branch's product; ln sum over closed branches  */
} sr_frame;

typedef struct sr_search {
    zs_ctx *ctx;
    const zs_factor_search_opts *o;
    sr_model sm;
    sr_state s;
    sr_cache cache;
    sr_frame *fr;
    size_t nfr, cfr;
    uint32_t *key;       /* scratch for a component's cache key                           */
    size_t ckey;
    zs_factor_search_stats st;
    double t0;
} sr_search;

/* The variables of the component at arena offset comp are at frame depth d. */
static void set_depth(sr_state *s, size_t comp, uint32_t d) {
    const uint32_t *v = s->ar + comp + SR_HEAD;
    for (uint32_t i = 0; i < s->ar[comp + 1]; i++) s->depth[v[i]] = d;
}

static zs_status push_frame(sr_search *S, size_t comp) {
    if (S->nfr == S->cfr) {
        size_t cap = S->cfr ? 2 * S->cfr : 64;
        sr_frame *f = zs_realloc(S->fr, cap * sizeof *f);
        if (!f) return zs_fail(S->ctx, ZS_ENOMEM, "search: out of memory");
        S->fr = f, S->cfr = cap;
    }
    sr_frame *F = &S->fr[S->nfr++];
    memset(F, 0, sizeof *F);
    F->comp = comp;
    F->list = SIZE_MAX;
    F->var = S->s.ar[comp];
    F->total = -HUGE_VAL;
    if (S->nfr > S->st.max_depth) S->st.max_depth = S->nfr;
    set_depth(&S->s, comp, (uint32_t)(S->nfr - 1));
    return ZS_OK;
}

/* The cache key of the component at arena offset o into S->key: its length, 0 when out of
 * memory. */
static size_t make_key(sr_search *S, size_t o, uint64_t *h) {
    size_t w = sr_comp_words(S->s.ar + o);
    if (w > S->ckey) {
        uint32_t *k = zs_realloc(S->key, 2 * w * sizeof *k);
        if (!k) return 0;
        S->key = k, S->ckey = 2 * w;
    }
    size_t n = sr_key(S->s.ar + o, S->key);
    *h = sr_hash(S->key, n);
    return n;
}

/* The part of the search done, for the progress hook: from the deepest frame up, a frame's
 * part is (values done + its open branch's part) / values, and a branch's part is the words
 * of its components counted (plus the counted part of the one being counted) over all of
 * theirs. An estimate: components differ in cost, not only in size. */
static double done_part(const sr_search *S) {
    double f = 0.0;
    for (size_t i = S->nfr; i-- > 0;) {
        const sr_frame *F = &S->fr[i];
        double fb = 0.0;
        if (F->list != SIZE_MAX && F->end > F->list) {
            double inner = i + 1 < S->nfr ? f * (double)sr_comp_words(S->s.ar + F->next) : 0.0;
            fb = ((double)(F->next - F->list) + inner) / (double)(F->end - F->list);
        }
        if (i == 0) return fb;
        double opened = F->list != SIZE_MAX ? (double)F->a - 1.0 : (double)F->a;
        f = (opened + fb) / (double)S->sm.dom[F->var];
    }
    return f;
}

/* The limits of opts and the progress hook (which may stop the search), at the first decision
 * and every 64 after (a decision on a large component takes milliseconds). */
static zs_status check_limits(sr_search *S) {
    const zs_factor_search_opts *o = S->o;
    if ((S->st.decisions & 63) != 1) return ZS_OK;
    if (zs_progress(S->ctx, "search", done_part(S), 1.0))
        return zs_fail(S->ctx, ZS_ECANCELLED, "search: stopped by the progress hook after %llu decisions",
                       (unsigned long long)S->st.decisions);
    double secs = zs_monotonic_seconds() - S->t0;
    int over_d = o->max_decisions && S->st.decisions >= o->max_decisions;
    if (!over_d && !(o->max_seconds > 0.0 && secs > o->max_seconds)) return ZS_OK;
    return zs_fail(S->ctx, ZS_ETOOBIG,
                   "search: stopped at the limit of %s (%.1f s, %llu decisions, %llu components "
                   "counted, %llu cache entries); the count is unfinished",
                   over_d ? "decisions" : "seconds", secs, (unsigned long long)S->st.decisions,
                   (unsigned long long)S->st.components, (unsigned long long)S->cache.ne);
}

/* Open the next branch of F: its value assigned, units propagated, the rest split into
 * components (F->list .. F->end) and F->prod the ln weight of what was fixed. 1 when a
 * branch was opened, 0 when every value is done, negative: a status. */
static int open_branch(sr_search *S, sr_frame *F) {
    sr_state *s = &S->s;
    const sr_model *sm = &S->sm;
    uint32_t v = F->var;
    for (; F->a < sm->dom[v]; F->a++) {
        if (s->removed[sm->voff[v] + F->a]) continue;
        S->st.decisions++;
        zs_status st = check_limits(S);
        if (st != ZS_OK) return st;
        F->trail = s->ntrail, F->asg = s->nasg;
        s->level = (uint32_t)(S->nfr - 1);
        if (!sr_assign(s, v, F->a) || !sr_propagate(s)) {
            S->st.conflicts++;
            if (s->learn) sr_learn_conflict(s);
            sr_undo(s, F->trail, F->asg);
            continue;
        }
        F->cmark = S->cache.ne;
        double w = 0.0, lf;
        for (size_t i = F->asg; i < s->nasg; i++) w += sm->lw[sm->voff[s->asg[i]] + (uint32_t)s->val[s->asg[i]]];
        F->list = s->nar;
        if (sr_components(s, F->comp, &lf, &F->end) != ZS_OK)
            return zs_fail(S->ctx, ZS_ENOMEM, "search: out of memory");
        F->next = F->list;
        F->prod = w + lf;
        F->a++;
        return 1;
    }
    return 0;
}

/* The top frame's component is counted: cache it, pop, and hand its count to the parent. */
static zs_status close_frame(sr_search *S) {
    sr_frame *F = &S->fr[S->nfr - 1];
    size_t w = sr_comp_words(S->s.ar + F->comp);
    uint64_t h;
    size_t n = make_key(S, F->comp, &h);
    if (!n) return zs_fail(S->ctx, ZS_ENOMEM, "search: out of memory");
    zs_status st = sr_cache_put(&S->cache, S->key, n, h, F->total);
    S->st.components++;
    double total = F->total;
    set_depth(&S->s, F->comp, (uint32_t)(S->nfr - 2));
    S->nfr--;
    sr_frame *P = &S->fr[S->nfr - 1];
    P->prod += total;
    P->next += w;
    return st;
}

/* The tree-decomposition part of the branching score (search_td.c) of the variables left after
 * the root's propagation, as sharpSAT-TD weighs it (Korhonen & Järvisalo 2021, its default
 * "weight mode"): position score x td_weight x e^(n / b) / n, b the largest bag and n the
 * variables, at most 10^7 (and 10^7 when n / b > 40): the narrower the decomposition against
 * its size, the more the position decides. Their unit, one occurrence of the variable in an
 * unsatisfied clause, is a binary clause's weight here (2^(SR_WEIGHT_BITS - 2)). */
static zs_status td_branching(sr_search *S, const zs_factor_model *m) {
    sr_state *s = &S->s;
    size_t nv = S->sm.nv, n = 0, width = 0;
    unsigned char *skip = zs_malloc(nv ? nv : 1);
    s->tdw = zs_malloc((nv ? nv : 1) * sizeof *s->tdw);
    if (!skip || !s->tdw) return free(skip), zs_fail(S->ctx, ZS_ENOMEM, "search: out of memory");
    for (size_t v = 0; v < nv; v++) n += !(skip[v] = s->val[v] >= 0);
    zs_status st = sr_td_scores(m, skip, s->tdw, &width);
    free(skip);
    if (st != ZS_OK) return zs_fail(S->ctx, st, "search: out of memory for the tree decomposition");
    S->st.td_width = width;
    if (!width) return free(s->tdw), s->tdw = NULL, ZS_OK;
    double rt = (double)n / (double)(width + 1);
    double coef = rt > 40.0 ? 1e7 : fmin(S->o->td_weight * exp(rt) / (double)n, 1e7);
    coef *= (double)(1u << (SR_WEIGHT_BITS - 2));
    for (size_t v = 0; v < nv; v++) s->tdw[v] *= coef;
    return ZS_OK;
}

/* The model as clauses (search_model.c), with the variables whose factors sum to a constant
 * summed out first when o->eliminate (search_peel.c): their factors left out, their constants
 * in lconst, and each such variable kept with one value of weight 1 (the root assigns it). */
static zs_status build(sr_search *S, const zs_factor_model *m, const int32_t *ev) {
    if (!S->o->eliminate) return sr_model_build(m, NULL, &S->sm);
    unsigned char *dead = zs_malloc(m->nf ? m->nf : 1), *gone = zs_malloc(m->nvars ? m->nvars : 1);
    double lnc = 0.0;
    zs_status st = dead && gone ? sr_peel(m, ev, dead, gone, &lnc, &S->st.eliminated) : ZS_ENOMEM;
    if (st == ZS_ENOMEM) st = zs_fail(S->ctx, ZS_ENOMEM, "search: out of memory");
    if (st == ZS_OK) st = sr_model_build(m, dead, &S->sm);
    if (st == ZS_OK) {
        sr_model *sm = &S->sm;
        sm->lconst += lnc;
        for (size_t v = 0; v < sm->nv; v++)
            for (uint32_t a = 0; gone[v] && a < sm->dom[v]; a++) sm->lw[sm->voff[v] + a] = a ? -HUGE_VAL : 0.0;
    }
    free(dead), free(gone);
    return st;
}

/* Count: the root frame holds the components left after the evidence and propagation; the
 * product of their counts is the answer. */
static zs_status run(sr_search *S, double *out) {
    for (;;) {
        sr_frame *F = &S->fr[S->nfr - 1];
        if (F->next < F->end && F->prod != -HUGE_VAL) {
            size_t w = sr_comp_words(S->s.ar + F->next);
            uint64_t h;
            size_t n = make_key(S, F->next, &h);
            double v;
            if (!n) return zs_fail(S->ctx, ZS_ENOMEM, "search: out of memory");
            if (sr_cache_get(&S->cache, S->key, n, h, &v)) {
                S->st.cache_hits++;
                F->prod += v;
                F->next += w;
                continue;
            }
            zs_status st = push_frame(S, F->next);
            if (st != ZS_OK) return st;
            continue;
        }
        if (S->nfr == 1) return *out = F->prod, ZS_OK;
        if (F->list != SIZE_MAX) { /* the open branch is done */
            F->total = zs_logaddexp(F->total, F->prod);
            if (S->s.learn && F->prod == -HUGE_VAL) sr_cache_drop(&S->cache, F->cmark); /* search_learn.c */
            sr_undo(&S->s, F->trail, F->asg);
            S->s.nar = F->list;
            F->list = SIZE_MAX;
            F->next = F->end = 0;
        }
        int r = open_branch(S, F);
        if (r < 0) return (zs_status)r;
        if (r == 0) {
            zs_status st = close_frame(S);
            if (st != ZS_OK) return st;
        }
    }
}

/* Evidence, zero weights and units at the root; *zero when they leave nothing. */
static zs_status root_state(sr_search *S, const int32_t *ev, int *zero) {
    sr_state *s = &S->s;
    const sr_model *sm = &S->sm;
    int ok = 1;
    for (size_t v = 0; ev && v < sm->nv; v++) {
        if (ev[v] < -1 || (ev[v] >= 0 && (uint32_t)ev[v] >= sm->dom[v]))
            return zs_fail(S->ctx, ZS_EINVAL, "search: evidence value %d of variable %zu is out of its %u values",
                           (int)ev[v], v, (unsigned)sm->dom[v]);
        if (ev[v] >= 0 && ok) ok = sr_assign(s, (uint32_t)v, (uint32_t)ev[v]);
    }
    for (uint32_t vi = 0; ok && vi < sm->voff[sm->nv]; vi++)
        if (sm->lw[vi] == -HUGE_VAL) ok = sr_remove(s, vi, SR_NO_REASON);
    *zero = !ok || !sr_propagate(s) || sm->lconst == -HUGE_VAL;
    return ZS_OK;
}

/* The root: the whole model as one "component" (never cached) split into its components. */
static zs_status root_frame(sr_search *S) {
    sr_state *s = &S->s;
    const sr_model *sm = &S->sm;
    size_t words = SR_HEAD + sm->nv + sm->nc;
    s->ar = zs_malloc(2 * words * sizeof *s->ar);
    if (!s->ar) return zs_fail(S->ctx, ZS_ENOMEM, "search: out of memory");
    s->car = 2 * words;
    s->ar[0] = 0, s->ar[1] = (uint32_t)sm->nv, s->ar[2] = (uint32_t)sm->nc, s->ar[3] = 0;
    for (size_t v = 0; v < sm->nv; v++) s->ar[SR_HEAD + v] = (uint32_t)v;
    for (size_t c = 0; c < sm->nc; c++) s->ar[SR_HEAD + sm->nv + c] = (uint32_t)c;
    s->nar = words;
    zs_status st = push_frame(S, 0);
    if (st != ZS_OK) return st;
    double w = sm->lconst, lf;
    for (size_t i = 0; i < s->nasg; i++) w += sm->lw[sm->voff[s->asg[i]] + (uint32_t)s->val[s->asg[i]]];
    sr_frame *F = &S->fr[0];
    F->list = words;
    if (sr_components(s, 0, &lf, &F->end) != ZS_OK) return zs_fail(S->ctx, ZS_ENOMEM, "search: out of memory");
    F->next = F->list;
    F->prod = w + lf;
    return ZS_OK;
}

static void search_free(sr_search *S) {
    sr_cache_free(&S->cache);
    sr_state_free(&S->s);
    sr_model_free(&S->sm);
    free(S->fr);
    free(S->key);
}

zs_status zs_factor_search_check(const zs_factor_model *m) {
    if (!m) return ZS_EINVAL;
    sr_model sm;
    zs_status st = sr_model_build(m, NULL, &sm);
    sr_model_free(&sm);
    return st;
}

zs_status zs_factor_lnz_search(const zs_factor_model *m, const int32_t *evidence,
                               const zs_factor_search_opts *opts, double *lnz,
                               zs_factor_search_stats *stats) {
    if (!m || !lnz) return ZS_EINVAL;
    zs_factor_search_opts o;
    if (opts) o = *opts;
    else zs_factor_search_defaults(&o);
    if (!(o.max_bytes > 0.0) || !(o.max_seconds >= 0.0) || !(o.td_weight >= 0.0 && o.td_weight <= 1e300))
        return zs_fail(m->ctx, ZS_EINVAL, "search: max_bytes must be > 0, max_seconds >= 0 and td_weight finite and >= 0");
    sr_search S;
    memset(&S, 0, sizeof S);
    S.ctx = m->ctx, S.o = &o, S.t0 = zs_monotonic_seconds();
    sr_cache_init(&S.cache, o.max_bytes);
    zs_status st = build(&S, m, evidence);
    if (st == ZS_OK && sr_state_init(&S.s, &S.sm) != ZS_OK) st = zs_fail(m->ctx, ZS_ENOMEM, "search: out of memory");
    S.s.learn = o.learn != 0;
    S.s.vweight = S.s.learn && o.activity ? SR_VSADS_WEIGHT : 0.0;
    int zero = 0;
    double r = -HUGE_VAL;
    if (st == ZS_OK) st = root_state(&S, evidence, &zero);
    if (st == ZS_OK && !zero && o.td_weight > 0.0) st = td_branching(&S, m);
    if (st == ZS_OK && !zero) st = root_frame(&S);
    if (st == ZS_OK && !zero) st = run(&S, &r);
    if (st == ZS_OK) *lnz = r;
    S.st.clauses = S.sm.nc;
    S.st.cache_entries = S.cache.ne;
    S.st.cache_bytes = sr_cache_bytes(&S.cache);
    S.st.cache_full = S.cache.full;
    S.st.learned = S.s.L.total;
    S.st.seconds = zs_monotonic_seconds() - S.t0;
    if (stats) *stats = S.st;
    search_free(&S);
    return st;
}
