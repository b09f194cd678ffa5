/* pairwise_thermo.c — the choice of exact method for binary pairwise models: enumeration
 * (lib/exact/pairwise_enumerate.c), the transfer matrix (transfer.c) or a closed form
 * (ising_closed.c), and the quantities every method shares (F, S). */
#include "exact/pairwise_methods.h"

#include <math.h>

/* The cheapest exact method: enumeration up to 20 spins, then closed when it applies, else the smaller of 2^n (enumeration)
 * and the transfer matrix's n 2^w (or n 4^w); the enumeration's inner work per state is a
 * fused multiply-add, the transfer's about four, hence the factor 4. */
static zs_pairwise_method pick(const zs_pairwise *m) {
    /* Up to 20 spins every method is instant, and enumeration gives every value. */
    if (m->n <= 20) return ZS_PAIRWISE_ENUMERATE;
    if (!pairwise_closed_refusal(m)) return ZS_PAIRWISE_CLOSED;
    double tcost = HUGE_VAL;
    if (pairwise_transfer_refusal(m, &tcost)) tcost = HUGE_VAL;
    double ecost = m->n <= ZS_PAIRWISE_ENUMERATE_WALK_MAX ? ldexp(1.0, (int)m->n) : HUGE_VAL;
    if (tcost == HUGE_VAL && ecost == HUGE_VAL) return ZS_PAIRWISE_AUTO;
    return 4.0 * tcost < ecost ? ZS_PAIRWISE_TRANSFER : ZS_PAIRWISE_ENUMERATE;
}

void zs_pairwise_thermo_defaults(zs_pairwise_thermo_opts *opts) {
    if (!opts) return;
    opts->method = ZS_PAIRWISE_AUTO;
    opts->max_seconds = ZS_PAIRWISE_ENUMERATE_SECONDS;
}

zs_status zs_pairwise_thermo_compute(const zs_pairwise *m, double beta, const zs_pairwise_thermo_opts *opts,
                                     zs_pairwise_thermo *out) {
    if (!m || !out) return ZS_EINVAL;
    zs_pairwise_method method = opts ? opts->method : ZS_PAIRWISE_AUTO;
    double max_seconds = opts ? opts->max_seconds : ZS_PAIRWISE_ENUMERATE_SECONDS;
    zs_status st = pairwise_check_beta(m, beta);
    if (st != ZS_OK) return st;
    if (method == ZS_PAIRWISE_AUTO) {
        method = pick(m);
        if (method == ZS_PAIRWISE_AUTO)
            return zs_fail(m->ctx, ZS_ETOOBIG,
                           "no exact method applies: %zu spins are too many for enumeration "
                           "(at most %d) and %s; use sampling (zs_pairwise_sample)",
                           m->n, ZS_PAIRWISE_ENUMERATE_WALK_MAX,
                           m->lattice ? "the strip is too wide for the transfer matrix"
                                      : "the transfer matrix needs a lattice");
    }
    zs_pairwise_thermo t;
    t.s = (double)NAN; /* a method may give S in a form free of cancellation */
    switch (method) {
    case ZS_PAIRWISE_ENUMERATE: st = pairwise_thermo_enumerate(m, beta, max_seconds, &t); break;
    case ZS_PAIRWISE_TRANSFER:
        st = pairwise_transfer_check_time(m, beta, max_seconds);
        if (st == ZS_OK) st = pairwise_thermo_transfer(m, beta, &t);
        break;
    case ZS_PAIRWISE_CLOSED: st = pairwise_thermo_closed(m, beta, max_seconds, &t); break;
    default: return zs_fail(m->ctx, ZS_EINVAL, "method %d is not known", (int)method);
    }
    if (st != ZS_OK) return st;
    t.method = method;
    t.f = beta != 0.0 ? -t.lnz / beta : (double)NAN;
    /* S = beta U + ln Z where the method did not give it; S = -sum p ln p >= 0 over discrete
     * states, so a negative value is rounding in the difference (|beta U| ~ ln Z >> S at low
     * T) and is set to 0. */
    if (isnan(t.s)) t.s = beta * t.u + t.lnz;
    if (t.s < 0.0) t.s = 0.0;
    *out = t;
    return ZS_OK;
}

/* The estimate of the method the call would run (AUTO resolved as above): enumeration's
 * documented rate, the transfer matrix's visits and sites, the closed form's terms (and the
 * transfer matrix where the closed form calls it at this beta). */
double zs_pairwise_thermo_seconds(const zs_pairwise *m, double beta, const zs_pairwise_thermo_opts *opts) {
    if (!m || !isfinite(beta)) return HUGE_VAL;
    zs_pairwise_method method = opts ? opts->method : ZS_PAIRWISE_AUTO;
    if (method == ZS_PAIRWISE_AUTO) method = pick(m);
    switch (method) {
    case ZS_PAIRWISE_ENUMERATE:
        return m->n <= ZS_PAIRWISE_ENUMERATE_WALK_MAX ? zs_pairwise_enumerate_seconds(m) : HUGE_VAL;
    case ZS_PAIRWISE_TRANSFER: return pairwise_transfer_seconds(m, beta);
    case ZS_PAIRWISE_CLOSED:
        return pairwise_closed_seconds(m, beta, opts ? opts->max_seconds : ZS_PAIRWISE_ENUMERATE_SECONDS);
    default: return HUGE_VAL;
    }
}

/* On the description alone where it is uniform; per-bond or per-site arrays decide the
 * transfer matrix's log mode, so then on the model, built without the context as the call
 * would build it. The checks run without the context, so a refused spec (or memory that runs
 * short) leaves the context's last message as it was. */
double zs_lattice_thermo_seconds(zs_ctx *ctx, const zs_lattice_spec *spec, double beta,
                                 const zs_pairwise_thermo_opts *opts) {
    zs_pairwise shape, *m = NULL;
    if (pairwise_lattice_shape(NULL, spec, &shape) != ZS_OK) return HUGE_VAL;
    if (shape.uniform) {
        shape.ctx = ctx;
        return zs_pairwise_thermo_seconds(&shape, beta, opts);
    }
    if (zs_pairwise_alloc_lattice(NULL, spec, &m) != ZS_OK) return HUGE_VAL;
    m->ctx = ctx;
    const double secs = zs_pairwise_thermo_seconds(m, beta, opts);
    m->ctx = NULL;
    zs_pairwise_free(m);
    return secs;
}

/* The closed forms read only a lattice's dimensions, boundaries and uniform J, h, so where
 * CLOSED runs (asked for, or AUTO's pick) it runs on the description alone: Kaufman's torus in
 * O(rows + cols) time and constant memory instead of building n spins' bonds and adjacency
 * (a 4096 x 4096 torus: ~1.9 GB). The same code on the same fields gives the same bits.
 * Anything else (another method, per-bond arrays, the chain's moments at low T) builds the
 * model. */
zs_status zs_lattice_thermo_compute(zs_ctx *ctx, const zs_lattice_spec *spec, double beta,
                                    const zs_pairwise_thermo_opts *opts, zs_pairwise_thermo *out) {
    if (!spec || !out) return zs_fail(ctx, ZS_EINVAL, "pairwise: NULL argument");
    zs_pairwise shape;
    zs_status st = pairwise_lattice_shape(ctx, spec, &shape);
    if (st != ZS_OK) return st;
    zs_pairwise_method method = opts ? opts->method : ZS_PAIRWISE_AUTO;
    if (shape.uniform) {
        st = pairwise_check_beta(&shape, beta);
        if (st != ZS_OK) return st;
        if (method == ZS_PAIRWISE_AUTO) method = pick(&shape);
        if (method == ZS_PAIRWISE_CLOSED &&
            !pairwise_closed_needs_arrays(&shape, beta, opts ? opts->max_seconds : ZS_PAIRWISE_ENUMERATE_SECONDS))
            return zs_pairwise_thermo_compute(&shape, beta, opts, out);
        /* A refusal read from the dimensions alone (no method applies, a strip too wide for
         * the transfer matrix, too many spins to enumerate) is given on the description too,
         * before building bonds that would go unused: an open 4096 x 4096 lattice took 8 s
         * and 1.9 GB to be refused. */
        if (method == ZS_PAIRWISE_AUTO ||
            (method == ZS_PAIRWISE_TRANSFER && pairwise_transfer_refusal(&shape, NULL)) ||
            (method == ZS_PAIRWISE_ENUMERATE && shape.n > ZS_PAIRWISE_ENUMERATE_WALK_MAX))
            return zs_pairwise_thermo_compute(&shape, beta, opts, out);
        /* So is the transfer matrix's estimated time (an open 2 x 2682689 strip built its 5
         * million sites' bonds, 1.9 s and 510 MB, before being refused at 0.001 s). */
        if (method == ZS_PAIRWISE_TRANSFER) {
            st = pairwise_transfer_check_time(&shape, beta, opts ? opts->max_seconds
                                                           : ZS_PAIRWISE_ENUMERATE_SECONDS);
            if (st != ZS_OK) return st;
        }
    }
    zs_pairwise *m = NULL;
    st = zs_pairwise_alloc_lattice(ctx, spec, &m);
    if (st == ZS_OK) st = zs_pairwise_thermo_compute(m, beta, opts, out);
    zs_pairwise_free(m);
    return st;
}
