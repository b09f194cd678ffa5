/* elim_marginals.c — exact single-variable marginals p(x_i | e) of a factor model, from the
 * bucket elimination of elim_run.c followed by one pass back over its messages (bucket-tree
 * propagation; Dechter, "Bucket elimination", Artificial Intelligence 113, 1999, sec. 4;
 * Kask, Dechter, Larrosa & Dechter, "Unifying tree decompositions for reasoning in graphical
 * models", Artificial Intelligence 166, 2005: bucket-tree elimination; Koller & Friedman 2009,
 * sec. 10.3: the division (Hugin) form of the downward messages).
 *
 * Bucket q (the variable at position q of the order) holds the tables whose first position is
 * q: sliced factors and the messages of its children. Its cluster C_q is the union of their
 * scopes (q first, the slowest index), and with B_q(C_q) = sum of the bucket's ln tables,
 * the upward message to the bucket of the first position of S_q = C_q \ {q} is
 *     ln lambda_q(S_q) = logsumexp_{x_q} B_q(x_q, S_q)                  (the elimination).
 * Going back from the last position to the first, each bucket adds the downward message
 * ln pi_q(S_q) from its parent (0 at a root), so that
 *     B_q + ln pi_q = ln sum_{x outside C_q} P~(x, e)   (up to a constant per component),
 * and the marginal of x_q is its logsumexp over S_q, normalized. The message down to child c
 * (scope S_c within C_q) is the belief summed onto S_c and divided by what c sent up:
 *     ln pi_c(S_c) = logsumexp_{C_q \ S_c} (B_q + ln pi_q) - ln lambda_c(S_c),
 * with -inf - (-inf) taken as -inf (0/0 = 0: where lambda_c is 0 every belief of c's subtree
 * is 0 too, the tables being >= 0). All in logarithms, as elim_run.c: no table overflows.
 *
 * Observed and single-valued variables are sliced away as in elimination and get a point
 * mass; a variable no table mentions gets the uniform distribution. Under conditioning each
 * assignment of the conditioned variables x_C is one run with them as evidence, and
 *     p(x_i | e) = sum_{x_C} Z(e, x_C) p(x_i | e, x_C) / Z(e),
 * summed in logarithms in the fixed order of zs_factor_lnz. */
#include "exact/elim_internal.h"
#include "exact/elim_lse.h"

#include <stdlib.h>
#include <string.h>

typedef struct mrun {
    const zs_factor_model *m;
    size_t n;
    unsigned char *skip; /* (nvars) observed or single-valued                               */
    uint32_t *val;       /* (nvars) their values                                            */
    size_t *pos;         /* (nvars) position in the order, SIZE_MAX none                    */
    size_t *dimp;        /* (n) domain size at each position                                */
    size_t *mark;        /* (n) per-position stamps                                         */
    size_t stamp;
    size_t *cs;          /* (n) a cluster's positions                                       */
    size_t *cst, *ost;   /* (n) strides of a table / of an output in the cluster's dims     */
    size_t *digit;       /* (n) an odometer over the cluster's outer dims                   */
    size_t ioff[ELIM_BLOCK];
    elim_tab **bucket;       /* (n) tables by their first position                              */
    elim_tab **pi;           /* (n) downward messages, NULL at roots                            */
    double *sm;          /* scratch for the running sums of a summation onto a separator    */
    size_t smcap;
    double *B;           /* the current cluster's belief: one buffer for every bucket, kept at
                            its largest (fresh pages for each bucket cost more than the sums) */
    size_t Bcap;
} mrun;

static void mrun_free(mrun *r) {
    for (size_t q = 0; r->bucket && q < r->n; q++)
        for (elim_tab *e = r->bucket[q], *nx; e; e = nx) {
            nx = e->next;
            elim_tab_free(e);
        }
    for (size_t q = 0; r->pi && q < r->n; q++) elim_tab_free(r->pi[q]);
    free(r->bucket);
    free(r->pi);
    free(r->skip);
    free(r->val);
    free(r->pos);
    free(r->dimp);
    free(r->mark);
    free(r->cs);
    free(r->cst);
    free(r->ost);
    free(r->digit);
    free(r->sm);
    free(r->B);
}

static zs_status mrun_init(mrun *r, const zs_factor_model *m, const int32_t *evidence,
                           const zs_factor_plan *p) {
    const size_t nv = m->nvars ? m->nvars : 1, n = p->n, n1 = n ? n : 1;
    memset(r, 0, sizeof *r);
    r->m = m;
    r->n = n;
    r->skip = zs_malloc(nv);
    r->val = zs_malloc(nv * sizeof *r->val);
    r->pos = zs_malloc(nv * sizeof *r->pos);
    r->dimp = zs_malloc(n1 * sizeof *r->dimp);
    r->mark = zs_calloc(n1, sizeof *r->mark);
    r->cs = zs_malloc(n1 * sizeof *r->cs);
    r->cst = zs_malloc(n1 * sizeof *r->cst);
    r->ost = zs_malloc(n1 * sizeof *r->ost);
    r->digit = zs_malloc(n1 * sizeof *r->digit);
    r->bucket = zs_calloc(n1, sizeof *r->bucket);
    r->pi = zs_calloc(n1, sizeof *r->pi);
    if (!r->skip || !r->val || !r->pos || !r->dimp || !r->mark || !r->cs || !r->cst || !r->ost ||
        !r->digit || !r->bucket || !r->pi)
        return zs_fail(m->ctx, ZS_ENOMEM, "marginals: out of memory");
    zs_status st = elim_make_skip(m, evidence, r->skip, r->val);
    if (st != ZS_OK) return st;
    for (size_t v = 0; v < m->nvars; v++) r->pos[v] = SIZE_MAX;
    for (size_t q = 0; q < n; q++) {
        r->pos[p->order[q]] = q;
        r->dimp[q] = m->dom[p->order[q]];
    }
    return ZS_OK;
}

/* The cluster of bucket q: the union of its tables' positions, ascending, into r->cs; returns
 * its size and *entries the product of its domain sizes (as a double: the scope-only walk
 * meets clusters that no memory holds). */
static size_t cluster(mrun *r, size_t q, double *entries) {
    size_t w = 0;
    const size_t tag = ++r->stamp;
    for (const elim_tab *e = r->bucket[q]; e; e = e->next)
        for (size_t i = 0; i < e->n; i++)
            if (r->mark[e->pos[i]] != tag) {
                r->mark[e->pos[i]] = tag;
                r->cs[w++] = e->pos[i];
            }
    qsort(r->cs, w, sizeof *r->cs, elim_cmp_size);
    double s = 1.0;
    for (size_t j = 0; j < w; j++) s *= (double)r->dimp[r->cs[j]];
    *entries = s;
    return w;
}

/* Strides of table e in the cluster's dims (0 where e lacks the variable) into st. */
static void strides(const mrun *r, size_t w, const elim_tab *e, size_t *st) {
    size_t j = w, s = 1;
    memset(st, 0, w * sizeof *st);
    for (size_t i = e->n; i-- > 0;) {
        while (j > 0 && r->cs[j - 1] != e->pos[i]) j--;
        st[j - 1] = s;
        s *= r->dimp[e->pos[i]];
    }
}

/* The cluster is walked as blocks of its last b dims (L entries, at most ELIM_BLOCK) under an
 * odometer over the others; r->ioff gets a table's offsets within a block. */
static size_t block_dims(const mrun *r, size_t w, size_t *L) {
    size_t b = 0;
    *L = 1;
    while (b < w && *L * r->dimp[r->cs[w - 1 - b]] <= ELIM_BLOCK) *L *= r->dimp[r->cs[w - 1 - b++]];
    return b;
}

static void block_offsets(mrun *r, size_t w, size_t b, size_t L, const size_t *st) {
    for (size_t i = 0; i < L; i++) {
        size_t rem = i, off = 0;
        for (size_t t = 0; t < b; t++) {
            size_t j = w - 1 - t, d = r->dimp[r->cs[j]];
            off += (rem % d) * st[j];
            rem /= d;
        }
        r->ioff[i] = off;
    }
}

/* Advance the odometer over the outer dims [0, w - b) by one block; off moves by st. */
static void odometer(mrun *r, size_t w, size_t b, const size_t *st, size_t *off) {
    for (size_t j = w - b; j-- > 0;) {
        *off += st[j];
        if (++r->digit[j] < r->dimp[r->cs[j]]) return;
        *off -= st[j] * r->dimp[r->cs[j]];
        r->digit[j] = 0;
    }
}

/* Start the walk of a cluster's w variables onto target's entries: the blocks (returned, *L
 * entries each), their offsets in target and the odometer at 0. */
static size_t walk_start(mrun *r, size_t w, const elim_tab *target, size_t *L) {
    const size_t b = block_dims(r, w, L);
    strides(r, w, target, r->ost);
    block_offsets(r, w, b, *L, r->ost);
    memset(r->digit, 0, w * sizeof *r->digit);
    return b;
}

/* out(S) = logsumexp of B over the cluster's variables outside S (target's scope): one pass,
 * a running maximum per output entry (a larger term rescales the running sum, Milakov &
 * Gimelshein 2018's online normalizer), so each entry costs one exp. */
static zs_status sum_onto(mrun *r, size_t w, size_t size, const double *B, elim_tab *target) {
    if (target->size > r->smcap) {
        double *s = zs_realloc(r->sm, target->size * sizeof *s);
        if (!s) return zs_fail(r->m->ctx, ZS_ENOMEM, "marginals: out of memory");
        r->sm = s;
        r->smcap = target->size;
    }
    double *mx = target->t, *sm = r->sm;
    for (size_t o = 0; o < target->size; o++) {
        mx[o] = -HUGE_VAL;
        sm[o] = 0.0;
    }
    size_t L;
    const size_t b = walk_start(r, w, target, &L);
    size_t off = 0;
    for (size_t base = 0; base < size; base += L) {
        for (size_t i = 0; i < L; i++) {
            const size_t o = off + r->ioff[i];
            const double v = B[base + i];
            if (v > mx[o]) {
                sm[o] = sm[o] * exp(mx[o] - v) + 1.0;
                mx[o] = v;
            } else if (v > -HUGE_VAL) {
                sm[o] += exp(v - mx[o]);
            }
        }
        odometer(r, w, b, r->ost, &off);
    }
    for (size_t o = 0; o < target->size; o++)
        if (mx[o] > -HUGE_VAL) mx[o] += log(sm[o]);
    return ZS_OK;
}

/* The largest entry of B and the smallest finite one (HUGE_VAL when none), four running
 * pairs at a time (independent chains the compiler can keep in flight). */
static void range(const double *B, size_t n, double *top, double *low) {
    double t[4] = {-HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL}, l[4] = {HUGE_VAL, HUGE_VAL, HUGE_VAL, HUGE_VAL};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) {
            const double v = B[i + (size_t)j], f = v > -HUGE_VAL ? v : HUGE_VAL;
            t[j] = v > t[j] ? v : t[j];
            l[j] = f < l[j] ? f : l[j];
        }
    for (; i < n; i++) {
        const double v = B[i], f = v > -HUGE_VAL ? v : HUGE_VAL;
        t[0] = v > t[0] ? v : t[0];
        l[0] = f < l[0] ? f : l[0];
    }
    for (int j = 1; j < 4; j++) {
        t[0] = t[j] > t[0] ? t[j] : t[0];
        l[0] = l[j] < l[0] ? l[j] : l[0];
    }
    *top = t[0];
    *low = l[0];
}

/* sum of x[0..n) in four interleaved partial sums (a fixed order: the result does not depend
 * on anything but n and x). */
static double sum4(const double *x, size_t n) {
    double a[4] = {0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) a[j] += x[i + (size_t)j];
    for (; i < n; i++) a[0] += x[i];
    return (a[0] + a[1]) + (a[2] + a[3]);
}

/* out(S) = top + ln sum of E = e^(B - top) over the cluster's variables outside S: the fast
 * form of sum_onto when no term of B lies more than LINEAR_RANGE below top. */
#define LINEAR_RANGE 700.0
static zs_status sum_onto_linear(mrun *r, size_t w, size_t size, const double *E, double top,
                                 elim_tab *target) {
    double *acc = target->t;
    for (size_t o = 0; o < target->size; o++) acc[o] = 0.0;
    size_t L;
    const size_t b = walk_start(r, w, target, &L);
    size_t off = 0;
    for (size_t base = 0; base < size; base += L) {
        double *a = acc + off;
        for (size_t i = 0; i < L; i++) a[r->ioff[i]] += E[base + i];
        odometer(r, w, b, r->ost, &off);
    }
    for (size_t o = 0; o < target->size; o++) acc[o] = acc[o] > 0.0 ? top + log(acc[o]) : -HUGE_VAL;
    return ZS_OK;
}

/* B_q: the bucket's tables (and pi_q when given) summed over its cluster, block by block (a
 * block of B stays in the cache while every table is added to it). Per block a table is
 * constant (none of the block's variables: one number), contiguous (the block's variables are
 * its own last ones) or gathered through offsets computed once, as in elim_run.c. */
enum { T_CONST, T_CONTIG, T_GATHER };

static zs_status belief(mrun *r, size_t q, const elim_tab *pi, size_t *w_out, size_t *size_out,
                        double **B_out) {
    double entries;
    const size_t w = cluster(r, q, &entries), size = (size_t)entries;
    size_t k = pi ? 1 : 0;
    for (const elim_tab *e = r->bucket[q]; e; e = e->next) k++;
    size_t L;
    const size_t b = block_dims(r, w, &L);
    const elim_tab **tab = zs_malloc(k * sizeof *tab);
    size_t *st = zs_malloc(k * w * sizeof *st), *io = zs_malloc(k * L * sizeof *io);
    size_t *off = zs_calloc(k, sizeof *off);
    int *cls = zs_malloc(k * sizeof *cls);
    if (size > r->Bcap) {
        free(r->B);
        r->B = zs_malloc(size * sizeof *r->B);
        r->Bcap = r->B ? size : 0;
    }
    double *B = r->B;
    if (!tab || !st || !io || !off || !cls || !B) {
        char nb[32];
        free(tab), free(st), free(io), free(off), free(cls);
        return zs_fail(r->m->ctx, ZS_ENOMEM, "marginals: out of memory for a cluster of %s",
                       zs_format_bytes(nb, entries * 8.0));
    }
    size_t j = 0;
    for (const elim_tab *e = r->bucket[q]; e; e = e->next) tab[j++] = e;
    if (pi) tab[j++] = pi;
    for (j = 0; j < k; j++) {
        strides(r, w, tab[j], st + j * w);
        block_offsets(r, w, b, L, st + j * w);
        memcpy(io + j * L, r->ioff, L * sizeof *io);
        int contig = 1, constant = 1;
        for (size_t i = 0; i < L; i++) {
            contig &= io[j * L + i] == i;
            constant &= io[j * L + i] == 0;
        }
        cls[j] = constant ? T_CONST : contig ? T_CONTIG : T_GATHER;
    }
    memset(r->digit, 0, w * sizeof *r->digit);
    for (size_t base = 0; base < size; base += L) {
        double *o = B + base;
        for (size_t i = 0; i < L; i++) o[i] = 0.0;
        for (j = 0; j < k; j++) {
            const double *t = tab[j]->t + off[j];
            const size_t *ij = io + j * L;
            if (cls[j] == T_CONST) {
                const double c = t[0];
                for (size_t i = 0; i < L; i++) o[i] += c;
            } else if (cls[j] == T_CONTIG) {
                for (size_t i = 0; i < L; i++) o[i] += t[i];
            } else {
                for (size_t i = 0; i < L; i++) o[i] += t[ij[i]];
            }
        }
        /* the odometer over the outer dims, every table's offset with it */
        for (size_t d = w - b; d-- > 0;) {
            for (j = 0; j < k; j++) off[j] += st[j * w + d];
            if (++r->digit[d] < r->dimp[r->cs[d]]) break;
            for (j = 0; j < k; j++) off[j] -= st[j * w + d] * r->dimp[r->cs[d]];
            r->digit[d] = 0;
        }
    }
    free(tab), free(st), free(io), free(off), free(cls);
    *w_out = w;
    *size_out = size;
    *B_out = B;
    return ZS_OK;
}

/* Upward pass (data != 0) or its scope-only walk (data == 0, for marg_bytes): *lnz receives
 * ln Z of the run, *bytes (may be NULL) the memory the two passes hold at most. */
static zs_status upward(mrun *r, int data, double *lnz, double *bytes) {
    const zs_factor_model *m = r->m;
    double total = 0.0, factors = 0.0, messages = 0.0, biggest = 0.0;
    for (size_t f = 0; f < m->nf; f++) {
        elim_tab *e;
        double c = 0.0;
        zs_status st =
            elim_slice_table(m, &m->f[f], r->skip, r->val, r->pos, data, "marginals", &e, &c);
        if (st != ZS_OK) return st;
        if (!e) {
            total += c;
            continue;
        }
        factors += (double)e->size;
        e->next = r->bucket[e->pos[0]];
        r->bucket[e->pos[0]] = e;
    }
    for (size_t q = 0; q < r->n; q++) {
        if (!r->bucket[q]) {
            total += log((double)r->dimp[q]); /* a variable no table mentions */
            continue;
        }
        double entries;
        size_t w;
        double *B = NULL;
        if (data) {
            size_t size;
            zs_status st = belief(r, q, NULL, &w, &size, &B);
            if (st != ZS_OK) return st;
            entries = (double)size;
        } else {
            w = cluster(r, q, &entries);
        }
        biggest = entries > biggest ? entries : biggest;
        const size_t d = r->dimp[q], S = data ? (size_t)entries / d : 0;
        if (w == 1) { /* the message is a constant: a root of the bucket tree */
            if (data) {
                double c;
                elim_lse_rows(B, d, 1, &c);
                total += c;
            }
            continue;
        }
        elim_tab *msg = elim_tab_new(w - 1, S, data);
        if (!msg) return zs_fail(m->ctx, ZS_ENOMEM, "marginals: out of memory");
        msg->child = q;
        memcpy(msg->pos, r->cs + 1, (w - 1) * sizeof *msg->pos);
        /* q is the slowest index of the cluster: its values are d contiguous rows of S. */
        if (data) elim_lse_rows(B, d, S, msg->t);
        messages += entries / (double)d;
        msg->next = r->bucket[msg->pos[0]];
        r->bucket[msg->pos[0]] = msg;
        if (data && zs_progress(m->ctx, "marginals", (double)q, 2.0 * (double)r->n))
            return zs_fail(m->ctx, ZS_ECANCELLED, "marginals: cancelled");
    }
    *lnz = total;
    /* The sliced factors and every upward message stay to the end; the downward messages are
     * as large as the upward ones (counted again: an upper bound); one cluster at a time with
     * one separator's running sums. */
    if (bytes) *bytes = 8.0 * (factors + 2.0 * messages + 2.0 * biggest);
    return ZS_OK;
}

/* Downward pass: ln p(x_q | run's evidence) for every position into lp (offsets by
 * variable). */
static zs_status downward(mrun *r, const size_t *order, const size_t *off, double *lp) {
    const zs_factor_model *m = r->m;
    for (size_t q = r->n; q-- > 0;) {
        const size_t d = r->dimp[q];
        double *out = lp + off[order[q]];
        if (!r->bucket[q]) {
            for (size_t x = 0; x < d; x++) out[x] = -log((double)d);
            continue;
        }
        size_t w, size;
        double *B;
        zs_status st = belief(r, q, r->pi[q], &w, &size, &B);
        elim_tab_free(r->pi[q]);
        r->pi[q] = NULL;
        if (st != ZS_OK) return st;
        /* When the belief's finite entries lie within LINEAR_RANGE of its maximum top, the
         * sums below run on e^(B - top) (one vector exp for the bucket, no term below
         * e^-700 where doubles lose precision); otherwise every sum keeps its own running
         * maximum (one exp per entry and sum). */
        double top, low;
        range(B, size, &top, &low);
        const int linear = top > -HUGE_VAL && top - low <= LINEAR_RANGE;
        if (linear) zs_vexp_shift(B, B, size, -top);
        /* The marginal of x_q: each of its d rows summed. */
        const size_t S = size / d;
        double mx = -HUGE_VAL;
        for (size_t x = 0; x < d; x++) {
            const double *row = B + x * S;
            if (linear) {
                const double acc = sum4(row, S);
                out[x] = acc > 0.0 ? top + log(acc) : -HUGE_VAL;
            } else {
                double a = -HUGE_VAL, acc = 0.0;
                for (size_t s = 0; s < S; s++) a = row[s] > a ? row[s] : a;
                if (a > -HUGE_VAL)
                    for (size_t s = 0; s < S; s++) acc += exp(row[s] - a);
                out[x] = a > -HUGE_VAL ? a + log(acc) : -HUGE_VAL;
            }
            mx = out[x] > mx ? out[x] : mx;
        }
        double sum = 0.0;
        for (size_t x = 0; x < d; x++) sum += exp(out[x] - mx);
        const double norm = mx + log(sum);
        if (!(norm > -HUGE_VAL) || isnan(norm)) {
            return zs_fail(m->ctx, ZS_ENUMERIC,
                           "marginals: the belief of variable %zu is %s", order[q],
                           isnan(norm) ? "NaN" : "zero although Z > 0");
        }
        for (size_t x = 0; x < d; x++) out[x] -= norm;
        /* Messages down to the children: the belief on their separators, divided. */
        for (const elim_tab *e = r->bucket[q]; e && st == ZS_OK; e = e->next) {
            if (e->child == SIZE_MAX) continue;
            elim_tab *pc = elim_tab_new(e->n, e->size, 1);
            if (!pc) {
                st = zs_fail(m->ctx, ZS_ENOMEM, "marginals: out of memory");
                break;
            }
            memcpy(pc->pos, e->pos, e->n * sizeof *pc->pos);
            st = linear ? sum_onto_linear(r, w, size, B, top, pc) : sum_onto(r, w, size, B, pc);
            for (size_t s = 0; s < pc->size && st == ZS_OK; s++)
                pc->t[s] = e->t[s] == -HUGE_VAL ? -HUGE_VAL : pc->t[s] - e->t[s];
            r->pi[e->child] = pc;
        }
        if (st != ZS_OK) return st;
        if (zs_progress(m->ctx, "marginals", (double)(2 * r->n - q), 2.0 * (double)r->n))
            return zs_fail(m->ctx, ZS_ECANCELLED, "marginals: cancelled");
    }
    return ZS_OK;
}

/* One run: ln Z(evidence) into *lnz and, when it is > 0, ln p(x_i | evidence) for every
 * variable into lp. */
static zs_status marg_run(const zs_factor_model *m, const int32_t *evidence,
                          const zs_factor_plan *p, const size_t *off, double *lp, double *lnz) {
    mrun r;
    zs_status st = mrun_init(&r, m, evidence, p);
    if (st == ZS_OK) st = upward(&r, 1, lnz, NULL);
    if (st == ZS_OK && isnan(*lnz)) st = zs_fail(m->ctx, ZS_ENUMERIC, "marginals: ln Z is NaN");
    if (st == ZS_OK && *lnz > -HUGE_VAL) {
        /* Sliced variables: a point mass at the observed (or only) value. */
        for (size_t v = 0; v < m->nvars; v++)
            if (r.skip[v])
                for (size_t x = 0; x < m->dom[v]; x++) lp[off[v] + x] = x == r.val[v] ? 0.0 : -HUGE_VAL;
        st = downward(&r, p->order, off, lp);
    }
    mrun_free(&r);
    return st;
}

void zs_factor_marginals_defaults(zs_factor_marginals_opts *opts) {
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->max_bytes = 0.0;
    opts->log = 0;
}

/* Checks shared with zs_factor_lnz: the plan is this model's, for this evidence. */
static zs_status check_plan(const zs_factor_model *m, const int32_t *evidence,
                            const zs_factor_plan *p) {
    if (p->nvars != m->nvars)
        return zs_fail(m->ctx, ZS_EINVAL, "marginals: the plan is for another model");
    for (size_t v = 0; v < m->nvars; v++)
        if (p->ev[v] != (evidence ? evidence[v] : -1))
            return zs_fail(m->ctx, ZS_EINVAL,
                           "marginals: the plan was made for other evidence (variable %zu)", v);
    return ZS_OK;
}

zs_status zs_factor_marginals_bytes(const zs_factor_model *m, const int32_t *evidence,
                                    const zs_factor_plan *p, double *bytes) {
    if (!m || !p || !bytes) return ZS_EINVAL;
    zs_status st = check_plan(m, evidence, p);
    if (st != ZS_OK) return st;
    /* Under conditioning the walk is that of any one run (the first assignment): scopes do
     * not depend on the values. */
    int32_t *ev = zs_malloc((m->nvars ? m->nvars : 1) * sizeof *ev);
    if (!ev) return zs_fail(m->ctx, ZS_ENOMEM, "marginals: out of memory");
    for (size_t v = 0; v < m->nvars; v++) ev[v] = evidence ? evidence[v] : -1;
    for (size_t i = 0; i < p->info.conditioned; i++) ev[p->cond[i]] = 0;
    mrun r;
    double lnz;
    st = mrun_init(&r, m, ev, p);
    if (st == ZS_OK) st = upward(&r, 0, &lnz, bytes);
    mrun_free(&r);
    free(ev);
    if (st == ZS_OK) *bytes += 8.0 * 2.0 * (double)m->nvars; /* offsets, one run's marginals */
    return st;
}

/* The memory the marginals need, against the limit max_bytes (0: none) and the address
 * space. */
static zs_status check_bytes(const zs_factor_model *m, const int32_t *evidence,
                             const zs_factor_plan *p, double max_bytes) {
    zs_ctx *ctx = m->ctx;
    if (!(max_bytes >= 0.0))
        return zs_fail(ctx, ZS_EINVAL, "marginals: max_bytes %g is not >= 0", max_bytes);
    double need = 0.0;
    zs_status st = zs_factor_marginals_bytes(m, evidence, p, &need);
    if (st != ZS_OK) return st;
    if (max_bytes > 0.0 && !(need <= max_bytes)) {
        char nb[32], hb[32];
        return zs_fail(ctx, ZS_ETOOBIG,
                       "marginals: need %s (the sliced factors and every message of the "
                       "elimination, kept for the pass back), more than the memory limit of %s "
                       "(max_bytes)", zs_format_bytes(nb, need), zs_format_bytes(hb, max_bytes));
    }
    if (!(need < 0.5 * (double)SIZE_MAX))
        return zs_fail(ctx, ZS_ETOOBIG, "marginals: %.4g bytes cannot be addressed", need);
    return ZS_OK;
}

/* Normalize each variable's values, ln sum_runs Z_run p_run = acc + ln sc, into marg (ln p
 * when take_log): ln p = acc - logsumexp(acc) (under conditioning the sum is Z(e) up to
 * rounding; normalizing per variable keeps each marginal summing to 1). */
static void normalize(const zs_factor_model *m, const size_t *off, double *acc,
                      const double *sc, int take_log, double *marg) {
    for (size_t v = 0; v < m->nvars; v++) {
        const size_t d = m->dom[v];
        double *a = acc + off[v], mx = -HUGE_VAL;
        const double *s = sc + off[v];
        for (size_t x = 0; x < d; x++) {
            if (a[x] > -HUGE_VAL) a[x] += log(s[x]);
            mx = a[x] > mx ? a[x] : mx;
        }
        double sum = 0.0;
        for (size_t x = 0; x < d; x++) sum += exp(a[x] - mx);
        const double norm = mx + log(sum);
        for (size_t x = 0; x < d; x++) {
            const double l = a[x] - norm;
            marg[off[v] + x] = take_log ? l : exp(l);
        }
    }
}

zs_status zs_factor_marginals(const zs_factor_model *m, const int32_t *evidence,
                              const zs_factor_plan *p, const zs_factor_marginals_opts *opts,
                              double *marg, double *lnz) {
    if (!m || !p || !marg) return ZS_EINVAL;
    zs_ctx *ctx = m->ctx;
    zs_factor_marginals_opts o;
    if (opts) o = *opts;
    else zs_factor_marginals_defaults(&o);
    zs_status st = check_plan(m, evidence, p);
    if (st != ZS_OK) return st;
    st = check_bytes(m, evidence, p, o.max_bytes);
    if (st != ZS_OK) return st;
    /* Variable i's values at off[i] .. off[i] + d_i. */
    size_t total = 0;
    const size_t nv = m->nvars ? m->nvars : 1;
    size_t *off = zs_malloc(nv * sizeof *off);
    int32_t *ev = zs_malloc(nv * sizeof *ev);
    if (off)
        for (size_t v = 0; v < m->nvars; v++) {
            off[v] = total;
            total += m->dom[v];
        }
    double *lp = zs_malloc((total ? total : 1) * sizeof *lp);
    double *acc = zs_malloc((total ? total : 1) * sizeof *acc); /* ln sum_runs Z_run p_run */
    double *sc = zs_malloc((total ? total : 1) * sizeof *sc);   /* running sums beside acc   */
    if (!off || !ev || !lp || !acc || !sc) {
        st = zs_fail(ctx, ZS_ENOMEM, "marginals: out of memory");
        goto done;
    }
    for (size_t v = 0; v < m->nvars; v++) ev[v] = evidence ? evidence[v] : -1;
    for (size_t j = 0; j < total; j++) {
        acc[j] = -HUGE_VAL;
        sc[j] = 0.0;
    }
    /* Every assignment of the conditioned variables (none: one run), last fastest, summed
     * as zs_factor_lnz sums them: a running maximum mx and Z = e^mx * s. */
    const size_t nc = p->info.conditioned;
    uint32_t digit[ZS_FACTOR_MAX_CONDITIONED] = {0};
    double zmx = -HUGE_VAL, zs = 0.0;
    for (;;) {
        for (size_t i = 0; i < nc; i++) ev[p->cond[i]] = (int32_t)digit[i];
        double rz = -HUGE_VAL;
        st = marg_run(m, ev, p, off, lp, &rz);
        if (st != ZS_OK) goto done;
        if (rz > -HUGE_VAL) {
            if (rz > zmx) {
                zs = zs * exp(zmx - rz) + 1.0;
                zmx = rz;
            } else {
                zs += exp(rz - zmx);
            }
            for (size_t j = 0; j < total; j++) {
                const double t = rz + lp[j];
                if (t > acc[j]) {
                    sc[j] = sc[j] * exp(acc[j] - t) + 1.0;
                    acc[j] = t;
                } else if (t > -HUGE_VAL) {
                    sc[j] += exp(t - acc[j]);
                }
            }
        }
        size_t i = nc;
        while (i > 0 && ++digit[i - 1] == m->dom[p->cond[i - 1]]) digit[--i] = 0;
        if (i == 0) break;
    }
    const double lz = zmx == -HUGE_VAL ? -HUGE_VAL : zmx + log(zs);
    if (lz == -HUGE_VAL) {
        st = zs_fail(ctx, ZS_EINVAL,
                     "marginals: the evidence has probability 0 (Z = 0): p(x_i | e) is undefined");
        goto done;
    }
    normalize(m, off, acc, sc, o.log, marg);
    if (lnz) *lnz = lz;
done:
    free(off);
    free(ev);
    free(lp);
    free(acc);
    free(sc);
    return st;
}
