/* uai_approx.c — zsum uai --approx: approximate ln Z, each value labelled with what it
 * guarantees (zs_factor_lnz_approx, lib/exact/approx_*.c), and with --compare the exact value
 * by elimination and each method's error. */
#include "result.h"
#include "uai_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void uai_approx_init(uai_approx_args *a) {
    memset(a, 0, sizeof *a);
    zs_factor_approx_defaults(&a->opts);
}

int uai_approx_option(int which, const char *o, const char *v, uai_approx_args *a) {
    zs_factor_approx_opts *p = &a->opts;
    uint64_t u = 0;
    double x = 0.0;
    if (which != UAI_APPROX && !a->given) a->given = o;
    switch (which) {
    case UAI_COMPARE: a->compare = 1; break;
    case UAI_APPROX: {
        /* Every name of the list must be a method. */
        char buf[256];
        if (strlen(v) >= sizeof buf || !*v) return cli_usage("--approx: '%s' is not a method list", v);
        if (strcmp(v, "all")) {
            strcpy(buf, v);
            for (char *s = buf, *e; s; s = e) {
                e = strchr(s, ',');
                if (e) *e++ = '\0';
                zs_factor_approx mth;
                if (zs_factor_approx_from_name(s, &mth) != ZS_OK)
                    return cli_usage("--approx: '%s' is not one of mf, bp, trw, mbe, gbp, auto, all", s);
            }
        }
        a->methods = v;
        break;
    }
    case UAI_DAMPING:
        if (!cli_parse_fraction(o, v, &p->damping)) return EXIT_USAGE;
        break;
    case UAI_SCHEDULE:
        if (zs_factor_schedule_from_name(v, &p->schedule) != ZS_OK)
            return cli_usage("--schedule: '%s' is not one of sequential, parallel, auto", v);
        break;
    case UAI_MAX_ITER:
        if (!cli_parse_u64(o, v, &u)) return EXIT_USAGE;
        if (u < 1) return cli_usage("--max-iter: must be at least 1");
        p->max_iter = u;
        break;
    case UAI_TOL:
        if (!cli_parse_double(o, v, &x)) return EXIT_USAGE;
        if (!(x > 0.0)) return cli_usage("--tol: '%s' is not a positive number", v);
        p->tol = x;
        break;
    case UAI_RESTARTS:
    case UAI_IBOUND:
    case UAI_TREES: {
        uint64_t lo = which == UAI_RESTARTS ? 0 : which == UAI_IBOUND ? 2 : 1;
        uint64_t hi = which == UAI_IBOUND ? ZS_FACTOR_MAX_ARITY : 1000000;
        if (!cli_parse_u64_in(o, v, lo, hi, &u)) return EXIT_USAGE;
        if (which == UAI_RESTARTS) p->restarts = (unsigned)u;
        else if (which == UAI_IBOUND) p->i_bound = (unsigned)u;
        else p->trees = (unsigned)u;
        break;
    }
    case UAI_SEED:
        if (!cli_parse_u64(o, v, &p->seed)) return EXIT_USAGE;
        break;
    default:
        if (!cli_parse_double(o, v, &x)) return EXIT_USAGE;
        if (!(x > 0.0)) return cli_usage("--max-seconds: '%s' is not a number of seconds > 0", v);
        p->max_seconds = cli_max_seconds(x);
        break;
    }
    return EXIT_OK;
}

static const char *describe(zs_factor_approx m) {
    switch (m) {
    case ZS_APPROX_MF: return "naive mean field";
    case ZS_APPROX_BP: return "loopy belief propagation (Bethe)";
    case ZS_APPROX_TRW: return "tree-reweighted belief propagation";
    case ZS_APPROX_MBE: return "weighted mini-bucket elimination";
    case ZS_APPROX_GBP: return "generalized belief propagation (Kikuchi, plaquettes)";
    default: return "";
    }
}

static const char *meaning(zs_bound_kind k) {
    return k == ZS_BOUND_LOWER   ? "lower bound: ln Z >= this"
           : k == ZS_BOUND_UPPER ? "upper bound: ln Z <= this"
                                 : "estimate: no guarantee of side";
}

/* One method's answer. */
typedef struct run {
    zs_factor_approx method;
    zs_status st;
    zs_factor_approx_result res;
    char msg[512];
} run;

/* The fields of one method: the record of a single method, a row of several. */
static void method_fields(result *r, const run *x, int compare, double exact, int row) {
    const zs_factor_approx_result *s = &x->res;
    result_field *f = result_str(r, "method", zs_factor_approx_name(x->method));
    if (!row) f->table_text = result_fmt(r, "%s: %s", zs_factor_approx_name(x->method), describe(x->method));
    if (x->st != ZS_OK) {
        /* A method that cannot give a finite value says why, never a number. */
        result_absent(r, "lnZ")->label = "ln Z";
        result_str(r, "bound", "none")->flags = row ? 0 : RF_NO_TABLE;
        result_str(r, "failed", x->msg)->label = "failed";
        return;
    }
    f = result_num(r, "lnZ", s->lnz);
    f->label = "ln Z";
    if (!row) f->comment = meaning(s->kind);
    if (!row) result_num(r, "log10Z", s->lnz / log(10.0))->label = "log10 Z";
    f = result_str(r, "bound", zs_bound_kind_name(s->kind));
    if (!row) f->flags = RF_NO_TABLE;
    f = result_bool(r, "converged", s->converged);
    if (!row)
        f->table_text = x->method == ZS_APPROX_MBE
                            ? result_fmt(r, "%s, %llu forward-backward passes",
                                         s->converged ? "yes" : "no",
                                         (unsigned long long)s->iterations)
                            : result_fmt(r, "%s, %llu iterations, last change %.2g",
                                         s->converged ? "yes" : "no",
                                         (unsigned long long)s->iterations, s->residual);
    result_u64(r, "iterations", s->iterations)->flags = row ? 0 : RF_NO_TABLE;
    result_num(r, "residual", s->residual)->flags = RF_NO_TABLE;
    if (compare) {
        if (isfinite(exact)) {
            f = result_num(r, "error", s->lnz - exact);
            f->comment = row ? NULL : "ln Z(method) - ln Z(exact)";
        } else {
            result_absent(r, "error");
        }
    }
    f = result_num(r, "seconds", s->seconds);
    f->table_text = result_fmt(r, "%.3f", s->seconds);
}

/* The exact value for --compare when the elimination fits the limits; NAN otherwise (why
 * in *why). */
static double exact_if_affordable(const zs_factor_model *m, const int32_t *ev,
                                  double max_mem, double max_work, double *secs,
                                  const char **why) {
    zs_factor_plan *plan = NULL;
    double lnz = (double)NAN;
    double t0 = zs_monotonic_seconds();
    *why = NULL;
    zs_status st = zs_factor_plan_alloc(m, ev, ZS_ORDER_AUTO, &plan);
    zs_factor_plan_info pi;
    if (st == ZS_OK) {
        zs_factor_plan_get_info(plan, &pi);
        if (!(pi.peak_bytes <= max_mem)) {
            /* Over the memory: conditioning, which refuses more than max_work in all. */
            zs_factor_plan_free(plan);
            plan = NULL;
            st = zs_factor_plan_condition(m, ev, ZS_ORDER_AUTO, max_mem, max_work, &plan);
        } else if (!(pi.work <= max_work)) {
            st = ZS_ETOOBIG;
        }
    }
    if (st == ZS_OK) st = zs_factor_lnz(m, ev, plan, max_mem, &lnz);
    zs_factor_plan_free(plan);
    *secs = zs_monotonic_seconds() - t0;
    if (st != ZS_OK) {
        *why = st == ZS_ETOOBIG ? "beyond --max-memory / --max-work" : zs_status_name(st);
        return (double)NAN;
    }
    if (lnz == -HUGE_VAL) *why = "Z = 0";
    return lnz;
}

/* The methods asked for, in the order given ("all": every one), into runs (at most 8; the
 * names were checked when the option was read): how many. */
static size_t methods_asked(const char *methods, run runs[8]) {
    size_t nr = 0;
    if (!strcmp(methods, "all")) {
        for (int k = 0; k < (int)ZS_APPROX_AUTO; k++) runs[nr++].method = (zs_factor_approx)k;
        return nr;
    }
    char buf[256];
    strcpy(buf, methods);
    for (char *s = buf, *e; s && nr < 8; s = e) {
        e = strchr(s, ',');
        if (e) *e++ = '\0';
        zs_factor_approx_from_name(s, &runs[nr++].method);
    }
    return nr;
}

/* The table of several methods, a row each (with the error against exact under --compare),
 * then a line per failed method with its message. An exit code. */
static int methods_table(FILE *out, const run *runs, size_t nr, int compare, double exact) {
    cli_table t;
    cli_table_init(&t, compare ? 7 : 6);
    static const char *const head[] = {"method", "ln Z", "bound", "converged", "iterations", "error", "seconds"};
    for (size_t c = 0; c < 7; c++)
        if (c != 5 || compare) cli_table_add(&t, head[c]);
    for (size_t k = 0; k < nr; k++) {
        const run *x = &runs[k];
        char b1[32], b2[32];
        cli_table_add(&t, zs_factor_approx_name(x->method));
        if (x->st != ZS_OK) {
            cli_table_add(&t, "-");
            cli_table_add(&t, "failed");
            cli_table_add(&t, "-");
            cli_table_add(&t, "-");
            if (compare) cli_table_add(&t, "-");
            cli_table_add(&t, "-");
            continue;
        }
        cli_table_add(&t, cli_num(b1, x->res.lnz));
        cli_table_add(&t, zs_bound_kind_name(x->res.kind));
        cli_table_add(&t, x->res.converged ? "yes" : "no");
        snprintf(b2, sizeof b2, "%llu", (unsigned long long)x->res.iterations);
        cli_table_add(&t, b2);
        if (compare) cli_table_add(&t, isfinite(exact) ? cli_num(b1, x->res.lnz - exact) : "-");
        snprintf(b2, sizeof b2, "%.3f", x->res.seconds);
        cli_table_add(&t, b2);
    }
    int rc = cli_table_write(&t, out);
    cli_table_free(&t);
    for (size_t k = 0; k < nr; k++)
        if (runs[k].st != ZS_OK)
            fprintf(out, "# %s failed: %s\n", zs_factor_approx_name(runs[k].method), runs[k].msg);
    return rc;
}

/* --budget: method k of the list, given most of the time left before deadline (never none:
 * it stops after its first sweep past the limit, with the value it has). */
static zs_status run_before(const uai_approx_args *a, const zs_factor_model *m, const int32_t *ev,
                            zs_factor_approx method, double deadline, zs_factor_approx_result *res) {
    zs_factor_approx_opts opts = a->opts;
    opts.max_seconds = fmax(0.9 * (deadline - zs_monotonic_seconds()), 1e-3);
    return zs_factor_lnz_approx(m, ev, method, &opts, res);
}

int uai_approx_first(uai_approx_args *a, const zs_factor_model *m, const int32_t *ev, double deadline) {
    run runs[8];
    size_t nr = methods_asked(a->methods, runs);
    for (size_t k = 0; k < nr && !a->have_pre; k++) {
        if (run_before(a, m, ev, runs[k].method, deadline, &a->pre) != ZS_OK) continue;
        a->pre_method = runs[k].method == ZS_APPROX_AUTO ? a->pre.method : runs[k].method;
        a->have_pre = 1;
    }
    return a->have_pre;
}

int uai_approx_run(const uai_approx_args *a, zs_ctx *ctx, const zs_factor_model *m,
                   const int32_t *ev, size_t observed, const char *model_path,
                   const char *evid_path, int fmt, double max_mem, double max_work) {
    run runs[8];
    size_t nr = methods_asked(a->methods, runs);
    int many = nr > 1 && !a->fallback;
    if (fmt == 3 && (many || a->compare))
        return cli_usage("--format uai prints one value: give one --approx method, without --compare");
    int failures = 0;
    if (a->have_pre) {
        /* --budget: the answer found before the elimination was tried. */
        runs[0].method = a->pre_method;
        runs[0].res = a->pre;
        runs[0].st = ZS_OK;
        nr = 1;
    }
    for (size_t k = 0; k < nr && !a->have_pre; k++) {
        run *x = &runs[k];
        x->st = a->fallback ? run_before(a, m, ev, x->method, a->deadline, &x->res)
                            : zs_factor_lnz_approx(m, ev, x->method, &a->opts, &x->res);
        x->msg[0] = '\0';
        if (x->st == ZS_ENOMEM) return cli_status(ctx, x->st);
        if (x->st != ZS_OK) {
            cli_library_message(ctx, x->msg, sizeof x->msg);
            failures++;
            /* Bad options or evidence are the user's: exit 2 with the message. */
            if (x->st == ZS_EINVAL) return cli_status(ctx, x->st);
        } else if (x->method == ZS_APPROX_AUTO) {
            x->method = x->res.method;
        }
        if (a->fallback && x->st == ZS_OK) {
            /* The first value is the answer. */
            runs[0] = *x;
            nr = 1;
            failures = 0;
        }
    }
    /* One method that failed: its message and its exit code (no partial answer). */
    if (!many && failures) return cli_status(ctx, runs[a->fallback ? nr - 1 : 0].st);
    double exact = (double)NAN, esecs = 0.0;
    const char *why = NULL;
    if (a->compare)
        exact = exact_if_affordable(m, ev, max_mem, max_work > 0.0 ? max_work : 1e10, &esecs, &why);
    char nb[32];
    if (fmt == 3) {
        fprintf(cli_out(), "PR\n%s\n", cli_num(nb, runs[0].res.lnz / log(10.0)));
        return EXIT_OK;
    }
    cli_format cf = fmt == 1 ? FORMAT_JSON : fmt == 2 ? FORMAT_CSV : FORMAT_TABLE;
    result r;
    result_init(&r);
    uai_result_model(&r, m, model_path, evid_path, observed);
    if (a->compare) {
        result_field *f = isfinite(exact) ? result_num(&r, "exact_lnZ", exact) : result_absent(&r, "exact_lnZ");
        f->label = "exact ln Z";
        if (isfinite(exact)) f->comment = "variable elimination";
        else f->table_text = result_fmt(&r, "not computed (%s)", why ? why : "");
        result_num(&r, "exact_seconds", esecs)->flags = RF_NO_TABLE;
    }
    if (a->fallback) {
        result_field *f = result_str(&r, "answer", zs_bound_kind_name(runs[0].res.kind));
        f->table_text = result_fmt(&r, "%s, not exact: %s", zs_bound_kind_name(runs[0].res.kind), a->why);
        result_str(&r, "not_exact", a->why)->flags = RF_NO_TABLE;
    }
    if (!many) {
        method_fields(&r, &runs[0], a->compare, exact, 0);
        result_write(cli_out(), cf, &r, 13);
        result_free(&r);
        return EXIT_OK;
    }
    /* Several methods: the header, then a row per method. */
    result rows[8];
    for (size_t k = 0; k < nr; k++) {
        result_init(&rows[k]);
        method_fields(&rows[k], &runs[k], a->compare, exact, 1);
    }
    FILE *out = cli_out();
    int rc = EXIT_OK;
    if (cf == FORMAT_JSON) {
        result_rows(&r, "methods", rows, nr);
        result_write(out, cf, &r, 13);
    } else if (cf == FORMAT_CSV) {
        result_row_header(out, cf, &rows[0]);
        for (size_t k = 0; k < nr; k++) result_row(out, cf, NULL, &rows[k]);
    } else {
        result_write(out, cf, &r, 13);
        fputc('\n', out);
        rc = methods_table(out, runs, nr, a->compare, exact);
    }
    for (size_t k = 0; k < nr; k++) result_free(&rows[k]);
    result_free(&r);
    return rc;
}
