/* cmd_uai.c — zsum uai: exact ln Z of a model in the UAI competition format by variable
 * elimination (lib/io/uai.c, lib/exact/eliminate.c, lib/exact/elim_order.c). */
#include "cli.h"
#include "result.h"
#include "uai_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_EVID = 1, O_ORDER, O_MAX_MEMORY, O_MAX_WORK, O_FORMAT, O_PLAN_ONLY, O_THREADS, O_VERBOSE, O_QUIET,
       O_MARGINALS, O_OUTPUT, O_BUDGET, O_METHOD, O_TD_WEIGHT,
       O_APPROX /* then the approximation options, UAI_* of uai_cli.h in order */ };

static const cli_option options[] = {
    {O_EVID, "--evid", 0, "FILE", 0, CLI_ONCE,
     "evidence: 'N v1 x1 ... vN xN' (or the older '1 N v1 x1 ...'); it\n"
     "may also be given as a second file, as toulbar2 takes it"},
    {O_ORDER, "--order", 0, "H", 0, 0,
     "elimination order: auto (default: the least work of all\n"
     "below), minfill, mindegree, weighted-minfill, or file (the\n"
     "variables' own order)"},
    {O_METHOD, "--method", 0, "M", 0, 0,
     "exact method: auto (default: elimination, or search where the\n"
     "elimination is refused and the model is deterministic), elim, or\n"
     "search (models whose factors of two or more variables take one\n"
     "non-zero value, as SAT-derived ones: unit propagation,\n"
     "components, a component cache within --max-memory; --max-seconds\n"
     "gives up)"},
    {O_TD_WEIGHT, "--td-weight", 0, "X", 0, CLI_ONCE,
     "the search's branching: the weight of a variable's place in a\n"
     "tree decomposition of the model (near its root first, so that\n"
     "the model splits into components early); default 100, 0: none"},
    {O_MAX_MEMORY, "--max-memory", 0, "SIZE", 0, 0,
     "memory for tables: a number with an optional K, M, G or T\n"
     "(powers of 1024); default: half of the physical memory. A plan\n"
     "that needs more is run by conditioning: once per assignment of\n"
     "a few variables chosen so that each run fits"},
    {O_MAX_WORK, "--max-work", 0, "N", 0, 0,
     "refuse (exit 2) when conditioning would read more than N table\n"
     "entries in all (about 1-3 ns each); default 1e12"},
    {O_FORMAT, "--format", 0, "F", 0, 0,
     "table (default), json (keys lnZ, log10Z, zero, width,\n"
     "max_table_entries, peak_bytes, order, seconds, evidence, ...),\n"
     "csv (the same keys: a header line, a line of values),\n"
     "uai (the competition's answer: the line PR, then log10 Z) or\n"
     "mar (implies --marginals: the line MAR, then the marginals)"},
    {O_MARGINALS, "--marginals", 0, NULL, 0, 0,
     "also p(x_i | evidence) for every variable, exactly (one pass\n"
     "back over the elimination's messages): a line per variable in\n"
     "the table, \"marginals\" (an array per variable) in the JSON"},
    {O_OUTPUT, "--output", 'o', "FILE", 0, CLI_ONCE,
     "also write the marginals as a MAR answer file (implies\n--marginals)"},
    {O_PLAN_ONLY, "--plan-only", 0, NULL, 0, 0,
     "print the order's induced width, largest table and memory; do\nnot eliminate"},
    {O_THREADS, "--threads", 0, "N", 0, 0, "OpenMP threads (the result does not depend on it)"},
    {O_VERBOSE, "--verbose", 'v', NULL, 0, 0,
     "print the plan on stderr before eliminating (also done when\nstderr is a terminal)"},
    {O_QUIET, "--quiet", 'q', NULL, 0, 0, "no progress bar"},
    {O_BUDGET, "--budget", 0, "SECONDS", 0, CLI_ONCE,
     "the best answer within SECONDS (wall clock, reading included):\n"
     "exact when the elimination's estimate fits, else the --approx\n"
     "methods in turn (default bp,mbe,mf) until one gives a value;\n"
     "the answer says which (exact, estimate, lower- or upper-bound)"},
    /* Approximate ln Z (uai_approx.c). */
    {O_APPROX + UAI_APPROX, "--approx", 0, "METHOD", 0, 0,
     "approximate ln Z instead: mf (naive mean field: a lower\n"
     "bound), bp (loopy BP: the Bethe estimate), trw (tree-reweighted:\n"
     "an upper bound at every step, any model), mbe (weighted mini-bucket\n"
     "elimination: an upper bound), gbp (generalized BP on the\n"
     "plaquettes of a square grid: the Kikuchi estimate), auto (bp);\n"
     "a comma-separated list, or all"},
    {O_APPROX + UAI_COMPARE, "--compare", 0, NULL, 0, 0,
     "also the exact ln Z by elimination when it is affordable\n"
     "(within --max-memory and --max-work, default 1e10 here), and\n"
     "each method's error"},
    {O_APPROX + UAI_DAMPING, "--damping", 0, "X", 0, 0,
     "message damping in [0, 1) (bp, gbp; default 0.5)"},
    {O_APPROX + UAI_SCHEDULE, "--schedule", 0, "S", 0, 0,
     "sequential (default) or parallel message updates"},
    {O_APPROX + UAI_MAX_ITER, "--max-iter", 0, "N", 0, 0,
     "sweeps per run, trw's steps, or mbe's forward-backward passes\n"
     "(default 1000)"},
    {O_APPROX + UAI_TOL, "--tol", 0, "X", 0, 0,
     "convergence: the largest change of a message (trw: disagreement\n"
     "of its pieces' marginals; mbe: change of its bound in a pass;\n"
     "default 1e-9)"},
    {O_APPROX + UAI_RESTARTS, "--restarts", 0, "N", 0, 0,
     "mf, bp, gbp: random starts after the symmetric one (default 4)"},
    {O_APPROX + UAI_SEED, "--seed", 0, "N", 0, 0,
     "the random starts and trw's spanning forests (default 1)"},
    {O_APPROX + UAI_IBOUND, "--ibound", 0, "N", 0, 0,
     "mbe: most variables in a mini-bucket, >= 2 (default 10)"},
    {O_APPROX + UAI_TREES, "--trees", 0, "N", 0, 0,
     "trw: spanning forests sampled as its pieces (default 100)"},
    {O_APPROX + UAI_MAX_SECONDS, "--max-seconds", 0, "X", 0, 0,
     "stop iterating after X seconds (marked not converged)"},
};

static const cli_sub subs[] = {
    {NULL, 1,
     "zsum uai MODEL.uai [EVID | --evid EVID] [--method auto|elim|search] [--td-weight X]\n"
     "                [--order auto|minfill|mindegree|weighted-minfill|file] [--max-memory SIZE]\n"
     "                [--max-seconds X] [--max-work N] [--format table|json|csv|uai|mar]\n"
     "                [--marginals] [-o FILE.MAR] [--plan-only] [--threads N] [--verbose] [--quiet]\n"
     "zsum uai MODEL.uai [EVID] --budget SECONDS [--approx METHOD[,METHOD...]] [--format F]\n"
     "zsum uai MODEL.uai [EVID] --approx METHOD[,METHOD...]|all [--compare] [--damping X]\n"
     "                [--schedule S] [--max-iter N] [--tol X] [--restarts N] [--seed N]\n"
     "                [--ibound N] [--trees N] [--max-seconds X] [--format F]",
     "The partition function Z = sum_x prod_f phi_f(x) of a discrete model in the UAI format\n"
     "(MARKOV or BAYES), with evidence applied, exactly, by bucket elimination in log space.\n"
     "\n"
     "MODEL.uai may be gzip-compressed (MODEL.uai.gz) or '-' for standard input; a libDAI\n"
     "factor graph (.fg) is read too (by its name, or by its content: a number first).\n", NULL},
};

static const cli_command command = {
    "uai", CLI_TABLE(subs), CLI_TABLE(options), NULL,
    "Z = 0 (impossible evidence) prints ln Z = -inf (JSON: null with \"zero\": true).\n", NULL};

typedef enum { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_UAI, OUT_MAR } out_format;

/* "4G", "512M", "1.5G", "100000", "2GiB", "64MB": bytes (K, M, G, T are powers of 1024); an
 * exit code. */
static int parse_memory(const char *text, double *out) {
    char num[64];
    size_t len = strlen(text);
    double v = 0.0, mult = 1.0;
    int ok = len > 0 && len < sizeof num;
    if (ok) {
        memcpy(num, text, len + 1);
        /* The suffix: B, or K, M, G or T, optionally followed by B or iB. */
        int unit_needed = 0;
        if (len >= 3 && !strcmp(num + len - 2, "iB")) num[len -= 2] = '\0', unit_needed = 1;
        else if (len >= 2 && num[len - 1] == 'B') num[--len] = '\0';
        const char *units = "kKmMgGtT";
        const char *u = len ? strchr(units, num[len - 1]) : NULL;
        if (u && *u) {
            mult = ldexp(1.0, 10 * (int)(1 + (u - units) / 2));
            num[--len] = '\0';
        } else if (unit_needed) {
            ok = 0;
        }
        /* The number itself: the decimal grammar of every option (cli.h). */
        ok = ok && cli_decimal(num, &v) == 0 && v > 0.0;
        v *= mult;
    }
    if (!ok || !(v >= 1.0) || !isfinite(v))
        return cli_usage("--max-memory: '%s' is not a size like 4G, 512M or 1048576 (bytes, > 0)", text);
    *out = v;
    return EXIT_OK;
}



/* Default --max-work: table entries read in all. At the 1-3 ns per entry measured on the
 * UAI suite (BENCHMARKS.md, uai) 10^12 is about 15 minutes to an hour. */
#define DEFAULT_MAX_WORK 1e12
/* Default --max-seconds of the search that --method auto falls to. */
#define AUTO_SEARCH_SECONDS 1200.0

static void print_plan_line(FILE *f, const zs_factor_plan_info *pi) {
    char b[32], nb[32], wb[32];
    fprintf(f, "zsum: uai: order %s%s: %zu variables to eliminate, induced width %zu, largest "
               "table %s entries, peak memory %s",
            zs_factor_order_name(pi->chosen), pi->fallback ? " (then mindegree)" : "", pi->eliminated,
            pi->width, cli_num(nb, pi->max_table_entries), zs_format_bytes(b, pi->peak_bytes));
    if (pi->conditioned)
        fprintf(f, " per run; conditioning on %zu variables: %s runs, %s table entries in all",
                pi->conditioned, cli_num(nb, pi->assignments), cli_num(wb, pi->total_work));
    fputc('\n', f);
}

/* What zsum uai found, for write_answer. */
typedef struct uai_answer {
    const char *model_path, *evid_path, *order_name;
    zs_factor_order order;
    const zs_factor_model *m;
    const zs_factor_plan *plan;
    const zs_factor_plan_info *pi;
    size_t observed;
    int plan_only;
    double lnz, seconds;
    const uai_marg *marg; /* the marginals, when asked for (uai_marginals.c) */
    int budget;           /* --budget: say that the answer is exact */
} uai_answer;

void uai_result_model(result *r, const zs_factor_model *m, const char *model_path, const char *evid_path,
                      size_t observed) {
    size_t nvars = zs_factor_model_nvars(m), nfactors = zs_factor_model_nfactors(m);
    result_str(r, "model", model_path)->table_text =
        result_fmt(r, "%s (%s, %zu variables, %zu factors)", model_path,
                   zs_factor_model_kind(m) == ZS_FACTOR_BAYES ? "BAYES" : "MARKOV", nvars, nfactors);
    result_u64(r, "variables", nvars)->flags = RF_NO_TABLE;
    result_u64(r, "factors", nfactors)->flags = RF_NO_TABLE;
    result_u64(r, "evidence", observed)->table_text =
        evid_path ? result_fmt(r, "%zu variables observed (%s)", observed, evid_path) : "none";
}

/* The plan and the answer, described once (result.h): the JSON keys in order; the table joins
 * several of them on one line. */
static void write_answer(out_format fmt, const uai_answer *a) {
    const zs_factor_plan_info *pi = a->pi;
    char nb[32], b2[32];
    double log10z = a->lnz / log(10.0);
    int zero = !a->plan_only && a->lnz == -HUGE_VAL;
    const unsigned hide = RF_NO_TABLE;
    result r;
    result_init(&r);
    uai_result_model(&r, a->m, a->model_path, a->evid_path, a->observed);
    result_str(&r, "order", a->order_name)->table_text =
        result_fmt(&r, "%s%s%s: %zu variables eliminated, induced width %zu", a->order_name,
                   a->order == ZS_ORDER_AUTO ? " -> " : "", a->order == ZS_ORDER_AUTO ? zs_factor_order_name(pi->chosen) : "",
                   pi->eliminated, pi->width);
    result_str(&r, "order_rule", zs_factor_order_name(pi->chosen))->flags = hide;
    result_bool(&r, "order_fallback", pi->fallback)->flags = hide;
    if (pi->fallback)
        result_line(&r, "             (tables passed 2^45 entries: the rest of the order is mindegree)");
    result_u64(&r, "eliminated", pi->eliminated)->flags = hide;
    result_u64(&r, "width", pi->width)->flags = hide;
    result_field *f = result_num(&r, "max_table_entries", pi->max_table_entries);
    f->label = "tables";
    f->table_text = result_fmt(&r, "largest %s entries, peak memory %s%s",
                                             cli_num(nb, pi->max_table_entries), zs_format_bytes(b2, pi->peak_bytes),
                                             pi->conditioned ? " per run" : "");
    result_num(&r, "peak_bytes", pi->peak_bytes)->flags = hide;
    result_num(&r, "work", pi->total_work)->flags = hide;
    result_num(&r, "work_per_run", pi->work)->flags = hide;
    result_num(&r, "conditioning_assignments", pi->assignments)->flags = hide;
    const size_t *cv = zs_factor_plan_conditioned(a->plan);
    f = result_sizes(&r, "conditioned", cv, pi->conditioned);
    f->flags = pi->conditioned ? 0 : RF_NO_TABLE;
    if (pi->conditioned) {
        /* "N variables (v1 v2 ...): R runs, W table entries read in all" */
        char *list = malloc(pi->conditioned * 21 + 1);
        size_t len = 0;
        if (list) {
            list[0] = '\0';
            for (size_t i = 0; i < pi->conditioned; i++)
                len += (size_t)sprintf(list + len, "%s%zu", i ? " " : "", cv[i]);
        }
        f->table_text = result_fmt(&r, "%zu variables (%s): %s runs, %s table entries read in all", pi->conditioned,
                                   list ? list : "", cli_num(nb, pi->assignments), cli_num(b2, pi->total_work));
        free(list);
    }
    if (a->budget)
        result_str(&r, "answer", "exact")->table_text = "exact (variable elimination within the budget)";
    if (!a->plan_only) {
        f = result_num(&r, "lnZ", a->lnz);
        f->label = "ln Z";
        if (zero) f->comment = "Z = 0: the evidence has probability 0";
        result_num(&r, "log10Z", log10z)->label = "log10 Z";
        result_bool(&r, "zero", zero)->flags = hide;
    }
    result_num(&r, "seconds", a->seconds)->table_text = result_fmt(&r, "%.3f", a->seconds);
    result_sizes(&r, "elimination_order", zs_factor_plan_order(a->plan), pi->eliminated)->flags = hide;
    if (a->marg && a->marg->on)
        uai_marginals_write(cli_out(), fmt == OUT_JSON, &r, a->marg, a->m);
    else
        result_write(cli_out(), fmt == OUT_JSON ? FORMAT_JSON : fmt == OUT_CSV ? FORMAT_CSV : FORMAT_TABLE, &r, 13);
    result_free(&r);
}

/* The command line. */
typedef struct uai_opts {
    const char *model_path, *evid_path, *order_name;
    zs_factor_order order;
    out_format fmt;
    double max_mem, max_work;
    int plan_only, verbose, quiet, threads, help, work_given, order_given;
    uai_marg marg;
    uai_approx_args approx;
    uai_budget budget;
    uai_search_args search;
    const char *approx_other; /* an approximation option other than --max-seconds */
} uai_opts;

/* One option of the table with its value v: an exit code. */
static int uai_option(int id, const char *v, uai_opts *o) {
    switch (id) {
    case O_EVID: o->evid_path = v; break;
    case O_PLAN_ONLY: o->plan_only = 1; break;
    case O_VERBOSE: o->verbose = 1; break;
    case O_QUIET: o->quiet = 1; break;
    case O_ORDER:
        if (zs_factor_order_from_name(v, &o->order) != ZS_OK)
            return cli_usage("--order: '%s' is not one of auto, minfill, mindegree, weighted-minfill, file", v);
        o->order_name = v;
        o->order_given = 1;
        break;
    case O_MAX_MEMORY: return parse_memory(v, &o->max_mem);
    case O_MAX_WORK:
        if (!cli_parse_double("--max-work", v, &o->max_work)) return EXIT_USAGE;
        if (!(o->max_work >= 1.0)) return cli_usage("--max-work: '%s' is not a number of table entries >= 1", v);
        o->work_given = 1;
        break;
    case O_FORMAT:
        if (!strcmp(v, "table")) o->fmt = OUT_TABLE;
        else if (!strcmp(v, "json")) o->fmt = OUT_JSON;
        else if (!strcmp(v, "csv")) o->fmt = OUT_CSV;
        else if (!strcmp(v, "uai")) o->fmt = OUT_UAI;
        else if (!strcmp(v, "mar")) o->fmt = OUT_MAR;
        else return cli_usage("--format: '%s' is not one of table, json, csv, uai, mar", v);
        break;
    case O_THREADS: return cli_parse_threads(v, &o->threads) ? EXIT_OK : EXIT_USAGE;
    case O_MARGINALS: o->marg.on = 1; break;
    case O_METHOD:
        if (zs_factor_exact_from_name(v, &o->search.method) != ZS_OK)
            return cli_usage("--method: '%s' is not one of auto, elim, search", v);
        break;
    case O_TD_WEIGHT:
        return cli_parse_nonneg("--td-weight", v, 0, &o->search.td_weight) ? EXIT_OK : EXIT_USAGE;
    case O_BUDGET:
        if (!cli_parse_double("--budget", v, &o->budget.seconds)) return EXIT_USAGE;
        if (!(o->budget.seconds > 0.0) || !isfinite(o->budget.seconds))
            return cli_usage("--budget: '%s' is not a number of seconds > 0", v);
        break;
    case O_OUTPUT:
        o->marg.on = 1;
        o->marg.output = v;
        return cli_check_output("--output", v);
    default:
        for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
            if (options[k].id != id) continue;
            if (id != O_APPROX + UAI_MAX_SECONDS && id != O_APPROX + UAI_APPROX && !o->approx_other)
                o->approx_other = options[k].name;
            return uai_approx_option(id - O_APPROX, options[k].name, v, &o->approx);
        }
    }
    return EXIT_OK;
}

/* --budget: what it excludes, and the methods it falls back to. */
static int budget_check(uai_opts *o) {
    if (o->search.method == ZS_EXACT_SEARCH)
        return cli_usage("uai: --budget chooses the method itself; it excludes --method search");
    if (o->plan_only || o->marg.on)
        return cli_usage("uai: --budget gives ln Z; it excludes --plan-only and --marginals (--format mar, -o)");
    if (o->approx.compare || o->approx.opts.max_seconds > 0.0)
        return cli_usage("uai: --budget sets the time itself; it excludes %s",
                         o->approx.compare ? "--compare" : "--max-seconds");
    if (!o->approx.methods) o->approx.methods = "bp,mbe,mf";
    o->approx.fallback = 1;
    /* The approximations end at 90 % of the budget: their last sweep, the writing and the
     * exit take the rest (a sweep of BP on the largest UAI 2014 instances takes a tenth of a
     * second on a busy machine). */
    o->approx.deadline = o->budget.start + 0.9 * o->budget.seconds;
    o->approx.why = o->budget.why;
    return EXIT_OK;
}

static int search_check(uai_opts *o);

static int parse(int argc, char **argv, uai_opts *o) {
    const cli_sub *sub;
    int first, rc = cli_select(&command, argc, argv, &sub, &first);
    if (!sub) return o->help = rc == EXIT_OK, rc;
    const char *evid_positional = NULL;
    cli_args a;
    cli_start(&a, &command, sub, argc, argv, first);
    for (int id; (id = cli_next(&a)) != CLI_DONE;) {
        if (id == CLI_STOP) return o->help = a.rc == EXIT_OK, a.rc;
        if (id != CLI_ARG) rc = uai_option(id, a.value, o);
        else if (!o->model_path) o->model_path = a.value;
        else if (!evid_positional) evid_positional = a.value;
        else rc = cli_usage("uai: MODEL.uai and at most one evidence file are expected; '%s' is a third", a.value);
        if (rc != EXIT_OK) return rc;
    }
    if (evid_positional && o->evid_path)
        return cli_usage("uai: evidence given twice ('%s' and --evid '%s')", evid_positional, o->evid_path);
    if (evid_positional) o->evid_path = evid_positional;
    if (o->evid_path && o->model_path && !strcmp(o->evid_path, "-") && !strcmp(o->model_path, "-"))
        return cli_usage("uai: the model and the evidence cannot both be standard input");
    if (!o->model_path) return cli_usage("uai: a model file MODEL.uai is needed (zsum uai --help)");
    rc = uai_marginals_check(&o->marg, o->fmt == OUT_MAR, o->fmt == OUT_UAI, o->fmt == OUT_CSV, o->plan_only);
    if (rc != EXIT_OK) return rc;
    if (o->fmt == OUT_UAI && o->plan_only) return cli_usage("--plan-only has no answer to print in --format uai");
    if (o->max_mem < 0.0) o->max_mem = 0.5 * cli_physical_memory();
    o->approx.opts.max_bytes = o->max_mem; /* mbe's tables */
    if (o->budget.seconds > 0.0) return budget_check(o);
    return search_check(o);
}

/* --method and the options that go with the search: an exit code. --max-seconds without
 * --approx bounds the search. */
static int search_check(uai_opts *o) {
    zs_factor_exact me = o->search.method;
    if (o->approx.given && !o->approx.methods && (me == ZS_EXACT_ELIM || o->approx_other))
        return cli_usage("uai: %s needs --approx METHOD", o->approx_other ? o->approx_other : o->approx.given);
    if (!o->approx.methods) o->search.max_seconds = o->approx.opts.max_seconds;
    /* auto's search, which cannot say its cost beforehand as the elimination's plan does, gives
     * up after 20 minutes unless told otherwise */
    if (me == ZS_EXACT_AUTO && !(o->search.max_seconds > 0.0)) o->search.max_seconds = cli_max_seconds(AUTO_SEARCH_SECONDS);
    o->search.max_bytes = o->max_mem;
    if (o->search.td_weight >= 0.0 && (me == ZS_EXACT_ELIM || o->approx.methods || o->plan_only))
        return cli_usage("uai: --td-weight sets the search's branching; it excludes %s",
                         me == ZS_EXACT_ELIM ? "--method elim" : o->approx.methods ? "--approx" : "--plan-only");
    if (me == ZS_EXACT_SEARCH && (o->approx.methods || o->plan_only || o->marg.on || o->order_given))
        return cli_usage("uai: --method search gives ln Z by search; it excludes %s",
                         o->approx.methods ? "--approx" : o->plan_only ? "--plan-only"
                         : o->marg.on ? "--marginals (--format mar, -o)" : "--order");
    if (o->approx.methods && o->plan_only) return cli_usage("uai: --plan-only and --approx exclude each other");
    if (o->approx.methods && o->marg.on)
        return cli_usage("uai: --approx gives ln Z only; --marginals (--format mar, -o FILE.MAR) needs the exact method");
    return EXIT_OK;
}

/* --budget: the approximate answer, written to cli_out() (uai_budget.c calls it). */
typedef struct budget_render {
    const uai_opts *o;
    struct uai_run *r;
} budget_render;

static int render_approx(void *user);

/* What zsum uai loads and plans. */
typedef struct uai_run {
    zs_ctx *ctx;
    zs_factor_model *m;
    zs_factor_plan *plan;
    zs_factor_plan_info pi;
    int32_t *ev;
    size_t observed;
    int search;    /* --method auto chose the search                                     */
    char why[1024]; /* why: the elimination's refusal                                     */
} uai_run;

/* The model and the evidence. The library's readers take plain files, gzip and "-" (standard
 * input), bounded (docs/robustness.md). */
static int load(const uai_opts *o, uai_run *r) {
    zs_status st = zs_factor_read_model(r->ctx, o->model_path, &r->m);
    if (st == ZS_OK && o->evid_path) {
        size_t nv = zs_factor_model_nvars(r->m);
        r->ev = malloc((nv ? nv : 1) * sizeof *r->ev);
        if (!r->ev) return cli_fail(EXIT_NOMEM, "out of memory");
        st = zs_factor_read_evid(r->m, o->evid_path, r->ev, &r->observed);
    }
    return st == ZS_OK ? EXIT_OK : cli_status(r->ctx, st);
}

/* --method auto: the elimination refused with st (ZS_ETOOBIG): count by search instead when
 * the model is in its class (*why: the refusal), else the refusal: an exit code. */
static int fall_to_search(const uai_opts *o, uai_run *r, zs_status st, char *why, size_t cap) {
    if (st != ZS_ETOOBIG || o->search.method != ZS_EXACT_AUTO || o->plan_only || o->marg.on)
        return cli_status(r->ctx, st);
    cli_library_message(r->ctx, why, cap);
    if (zs_factor_search_check(r->m) != ZS_OK) return cli_fail(cli_exit_code(st), "%s", why);
    /* "uai: ..." from the library's message, without the command's own prefix */
    if (!strncmp(why, "uai: ", 5)) memmove(why, why + 5, strlen(why + 5) + 1);
    r->search = 1;
    return EXIT_OK;
}

/* The elimination plan; over the memory limit, conditioned on a few variables so that each
 * run fits. */
static int plan(const uai_opts *o, uai_run *r) {
    zs_status st = zs_factor_plan_alloc(r->m, r->ev, o->order, &r->plan);
    if (st != ZS_OK) return fall_to_search(o, r, st, r->why, sizeof r->why);
    zs_factor_plan_get_info(r->plan, &r->pi);
    if (!(o->max_mem > 0.0) || r->pi.peak_bytes <= o->max_mem) return EXIT_OK;
    zs_factor_plan *cp = NULL;
    st = zs_factor_plan_condition(r->m, r->ev, o->order, o->max_mem, o->max_work, &cp);
    if (st == ZS_OK) {
        zs_factor_plan_free(r->plan);
        r->plan = cp;
        zs_factor_plan_get_info(r->plan, &r->pi);
        return EXIT_OK;
    }
    if (st != ZS_ETOOBIG || !o->plan_only) return fall_to_search(o, r, st, r->why, sizeof r->why);
    /* --plan-only and out of reach: the plain plan says what it would need, and why
     * conditioning does not help goes to stderr. */
    char msg[2048];
    if (o->verbose || (!o->quiet && isatty(STDERR_FILENO)))
        fprintf(stderr, "zsum: uai: %s\n", cli_library_message(r->ctx, msg, sizeof msg));
    return EXIT_OK;
}

static int render_approx(void *user) {
    const budget_render *br = user;
    const uai_opts *o = br->o;
    return uai_approx_run(&o->approx, br->r->ctx, br->r->m, br->r->ev, br->r->observed, o->model_path,
                          o->evid_path, (int)o->fmt, o->max_mem, 0.0);
}

int cmd_uai(int argc, char **argv) {
    uai_opts o = {.order_name = "auto", .order = ZS_ORDER_AUTO, .fmt = OUT_TABLE, .max_mem = -1.0,
                  .max_work = DEFAULT_MAX_WORK, .budget.start = zs_monotonic_seconds(),
                  .search.method = ZS_EXACT_AUTO, .search.td_weight = -1.0};
    uai_approx_init(&o.approx);
    int rc = parse(argc, argv, &o);
    if (rc != EXIT_OK || o.help) return rc;
    uai_run r = {0};
    r.ctx = zs_ctx_alloc();
    if (!r.ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    if (o.threads > 0) zs_ctx_set_threads(r.ctx, o.threads);
    rc = load(&o, &r);
    int exact = 0;
    double t0 = zs_monotonic_seconds(), lnz = (double)NAN;
    /* --budget: exact when affordable (then written below), else the approximations. */
    budget_render br = {&o, &r};
    if (rc == EXIT_OK && o.budget.seconds > 0.0)
        rc = uai_budget_exact(&o.budget, &o.approx, r.ctx, r.m, r.ev, o.order, o.max_mem, o.max_work, &r.plan,
                              &r.pi, &lnz, &exact, render_approx, &br);
    if (rc == EXIT_OK && o.approx.methods && !exact) {
        zs_factor_plan_free(r.plan);
        int done = 0; /* --budget: a deterministic model is counted by search if it can be */
        if (o.budget.seconds > 0.0 && !o.budget.answered)
            rc = uai_search_budget(&o.search, &o.budget, r.ctx, r.m, r.ev, r.observed, o.model_path, o.evid_path,
                                   (int)o.fmt, &done);
        if (rc == EXIT_OK && !o.budget.answered && !done)
            rc = uai_approx_run(&o.approx, r.ctx, r.m, r.ev, r.observed, o.model_path, o.evid_path,
                                (int)o.fmt, o.max_mem, o.work_given ? o.max_work : 0.0);
        zs_factor_model_free(r.m);
        free(r.ev);
        zs_ctx_free(r.ctx);
        return rc;
    }
    if (rc == EXIT_OK && o.search.method == ZS_EXACT_SEARCH) r.search = 1;
    else if (rc == EXIT_OK && !exact) rc = plan(&o, &r);
    if (rc == EXIT_OK && r.search) {
        o.search.why = o.search.method == ZS_EXACT_AUTO ? r.why : NULL;
        progress_install(r.ctx, o.quiet);
        rc = uai_search_run(&o.search, r.ctx, r.m, r.ev, r.observed, o.model_path, o.evid_path, (int)o.fmt,
                            o.verbose || (!o.quiet && isatty(STDERR_FILENO)));
        progress_finish();
        zs_factor_plan_free(r.plan);
        zs_factor_model_free(r.m);
        free(r.ev);
        zs_ctx_free(r.ctx);
        return rc;
    }
    /* The plan is known before any table is built: say it (the work may take long). */
    if (rc == EXIT_OK && !o.plan_only && (o.verbose || (!o.quiet && isatty(STDERR_FILENO))))
        print_plan_line(stderr, &r.pi);
    if (rc == EXIT_OK && !o.plan_only && !exact) {
        progress_install(r.ctx, o.quiet);
        zs_status st = o.marg.on ? uai_marginals_compute(&o.marg, r.m, r.ev, o.order, &r.plan, &r.pi,
                                                         o.max_mem, o.max_work, &lnz)
                                 : zs_factor_lnz(r.m, r.ev, r.plan, o.max_mem, &lnz);
        progress_finish();
        if (st != ZS_OK) rc = cli_status(r.ctx, st);
    }
    double seconds = zs_monotonic_seconds() - t0;
    char nb[32];
    if (rc == EXIT_OK && o.fmt == OUT_UAI) {
        fprintf(cli_out(), "PR\n%s\n", lnz == -HUGE_VAL ? "-inf" : cli_num(nb, lnz / log(10.0)));
    } else if (rc == EXIT_OK && o.fmt == OUT_MAR) {
        uai_marginals_write_mar(cli_out(), &o.marg, r.m);
    } else if (rc == EXIT_OK) {
        uai_answer ans = {o.model_path, o.evid_path, o.order_name, o.order, r.m, r.plan, &r.pi,
                          r.observed, o.plan_only, lnz, seconds, &o.marg, exact};
        write_answer(o.fmt, &ans);
    }
    if (rc == EXIT_OK && o.marg.on) rc = uai_marginals_save(&o.marg, r.ctx, r.m);
    uai_marginals_free(&o.marg);
    zs_factor_plan_free(r.plan);
    zs_factor_model_free(r.m);
    free(r.ev);
    zs_ctx_free(r.ctx);
    return rc;
}
