/* cmd_uai.c — zsum uai: exact ln Z of a model in the UAI competition format by variable
 * elimination (lib/io/uai.c, lib/exact/eliminate.c, lib/exact/elim_order.c). */
#include "cli.h"
#include "result.h"
#include "uai_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const help =
    "usage: zsum uai MODEL.uai [EVID | --evid EVID] [--order auto|minfill|mindegree|weighted-minfill|file]\n"
    "                [--max-memory SIZE] [--max-work N] [--format table|json|csv|uai]\n"
    "                [--plan-only] [--threads N] [--verbose] [--quiet]\n"
    "\n"
    "The partition function Z = sum_x prod_f phi_f(x) of a discrete model in the UAI format\n"
    "(MARKOV or BAYES), with evidence applied, exactly, by bucket elimination in log space.\n"
    "\n"
    "MODEL.uai may be gzip-compressed (MODEL.uai.gz) or '-' for standard input.\n"
    "\n"
    "  --evid FILE         evidence: 'N v1 x1 ... vN xN' (or the older '1 N v1 x1 ...'); it\n"
    "                      may also be given as a second file, as toulbar2 takes it\n"
    "  --order H           elimination order: auto (default: the least work of all\n"
    "                      below), minfill, mindegree, weighted-minfill, or file (the\n"
    "                      variables' own order)\n"
    "  --max-memory SIZE   memory for tables: a number with an optional K, M, G or T\n"
    "                      (powers of 1024); default: half of the physical memory. A plan\n"
    "                      that needs more is run by conditioning: once per assignment of\n"
    "                      a few variables chosen so that each run fits\n"
    "  --max-work N        refuse (exit 2) when conditioning would read more than N table\n"
    "                      entries in all (about 1-3 ns each); default 1e12\n"
    "  --format F          table (default), json (keys lnZ, log10Z, zero, width,\n"
    "                      max_table_entries, peak_bytes, order, seconds, evidence, ...),\n"
    "                      csv (the same keys: a header line, a line of values) or\n"
    "                      uai (the competition's answer: the line PR, then log10 Z)\n"
    "  --plan-only         print the order's induced width, largest table and memory; do\n"
    "                      not eliminate\n"
    "  --threads N         OpenMP threads (the result does not depend on it)\n"
    "  --verbose           print the plan on stderr before eliminating (also done when\n"
    "                      stderr is a terminal)\n"
    "  --quiet             no progress bar\n"
    "\n"
    "Z = 0 (impossible evidence) prints ln Z = -inf (JSON: null with \"zero\": true).\n"
    "\n";

typedef enum { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_UAI } out_format;

/* "4G", "512M", "1.5G", "100000", "2GiB", "64MB": bytes (K, M, G, T are powers of 1024). */
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
    if (!ok || !(v >= 1.0) || !isfinite(v)) {
        cli_usage("--max-memory: '%s' is not a size like 4G, 512M or 1048576 (bytes, > 0)", text);
        return 0;
    }
    *out = v;
    return 1;
}

static double physical_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0) return 0.0; /* unknown: no default limit */
    return (double)pages * (double)size;
}


/* Default --max-work: table entries read in all. At the 1-3 ns per entry measured on the
 * UAI suite (BENCHMARKS.md, uai) 10^12 is about 15 minutes to an hour. */
#define DEFAULT_MAX_WORK 1e12

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
} uai_answer;

/* The plan and the answer, described once (result.h): the JSON keys in order; the table joins
 * several of them on one line. */
static void write_answer(out_format fmt, const uai_answer *a) {
    const zs_factor_plan_info *pi = a->pi;
    char nb[32], b2[32];
    double log10z = a->lnz / log(10.0);
    int zero = !a->plan_only && a->lnz == -HUGE_VAL;
    size_t nvars = zs_factor_model_nvars(a->m), nfactors = zs_factor_model_nfactors(a->m);
    const unsigned hide = RF_NO_TABLE;
    result r;
    result_init(&r);
    result_str(&r, "model", a->model_path)->table_text =
        result_fmt(&r, "%s (%s, %zu variables, %zu factors)", a->model_path,
                   zs_factor_model_kind(a->m) == ZS_FACTOR_BAYES ? "BAYES" : "MARKOV", nvars, nfactors);
    result_u64(&r, "variables", nvars)->flags = hide;
    result_u64(&r, "factors", nfactors)->flags = hide;
    result_u64(&r, "evidence", a->observed)->table_text =
        a->evid_path ? result_fmt(&r, "%zu variables observed (%s)", a->observed, a->evid_path) : "none";
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
    if (!a->plan_only) {
        f = result_num(&r, "lnZ", a->lnz);
        f->label = "ln Z";
        if (zero) f->comment = "Z = 0: the evidence has probability 0";
        result_num(&r, "log10Z", log10z)->label = "log10 Z";
        result_bool(&r, "zero", zero)->flags = hide;
    }
    result_num(&r, "seconds", a->seconds)->table_text = result_fmt(&r, "%.3f", a->seconds);
    result_sizes(&r, "elimination_order", zs_factor_plan_order(a->plan), pi->eliminated)->flags = hide;
    result_write(cli_out(), fmt == OUT_JSON ? FORMAT_JSON : fmt == OUT_CSV ? FORMAT_CSV : FORMAT_TABLE, &r, 13);
    result_free(&r);
}

int cmd_uai(int argc, char **argv) {
    const char *model_path = NULL, *evid_path = NULL, *evid_positional = NULL;
    const char *order_name = "auto";
    zs_factor_order order = ZS_ORDER_AUTO;
    out_format fmt = OUT_TABLE;
    double max_mem = -1.0, max_work = DEFAULT_MAX_WORK;
    int plan_only = 0, verbose = 0, quiet = 0;
    int threads = 0, work_given = 0;
    uai_approx_args approx;
    uai_approx_init(&approx);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int used = uai_approx_option(argc, argv, i, &approx);
        if (used < 0) return EXIT_USAGE;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, cli_out());
            fputs(uai_approx_help, cli_out());
            return EXIT_OK;
        } else if (!strcmp(a, "--plan-only")) {
            plan_only = 1;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            verbose = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--evid") || !strcmp(a, "--order") || !strcmp(a, "--max-memory") ||
                   !strcmp(a, "--max-work") ||
                   !strcmp(a, "--format") || !strcmp(a, "--threads")) {
            if (!val) return cli_usage("%s needs a value (zsum uai --help)", a);
            i++;
            if (!strcmp(a, "--evid")) {
                evid_path = val;
            } else if (!strcmp(a, "--order")) {
                if (zs_factor_order_from_name(val, &order) != ZS_OK)
                    return cli_usage("--order: '%s' is not one of auto, minfill, mindegree, "
                                     "weighted-minfill, file", val);
                order_name = val;
            } else if (!strcmp(a, "--max-memory")) {
                if (!parse_memory(val, &max_mem)) return EXIT_USAGE;
            } else if (!strcmp(a, "--max-work")) {
                if (!cli_parse_double("--max-work", val, &max_work)) return EXIT_USAGE;
                work_given = 1;
                if (!(max_work >= 1.0))
                    return cli_usage("--max-work: '%s' is not a number of table entries >= 1", val);
            } else if (!strcmp(a, "--format")) {
                if (!strcmp(val, "table")) fmt = OUT_TABLE;
                else if (!strcmp(val, "json")) fmt = OUT_JSON;
                else if (!strcmp(val, "csv")) fmt = OUT_CSV;
                else if (!strcmp(val, "uai")) fmt = OUT_UAI;
                else return cli_usage("--format: '%s' is not one of table, json, csv, uai", val);
            } else {
                if (!cli_parse_threads(val, &threads)) return EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage("uai: unknown option '%s' (zsum uai --help)", a);
        } else if (!model_path) {
            model_path = a;
        } else if (!evid_positional) {
            evid_positional = a;
        } else {
            return cli_usage("uai: MODEL.uai and at most one evidence file are expected; '%s' is "
                             "a third", a);
        }
    }
    if (evid_positional && evid_path)
        return cli_usage("uai: evidence given twice ('%s' and --evid '%s')", evid_positional,
                         evid_path);
    if (evid_positional) evid_path = evid_positional;
    if (evid_path && model_path && !strcmp(evid_path, "-") && !strcmp(model_path, "-"))
        return cli_usage("uai: the model and the evidence cannot both be standard input");
    if (!model_path) return cli_usage("uai: a model file MODEL.uai is needed (zsum uai --help)");
    if (max_mem < 0.0) max_mem = 0.5 * physical_memory();
    if (approx.given && !approx.methods)
        return cli_usage("uai: %s needs --approx METHOD", approx.given);
    if (approx.methods && plan_only) return cli_usage("uai: --plan-only and --approx exclude each other");

    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    if (threads > 0) zs_ctx_set_threads(ctx, threads);
    zs_factor_model *m = NULL;
    zs_factor_plan *plan = NULL;
    int32_t *ev = NULL;
    size_t observed = 0;
    int rc = EXIT_OK;
    /* The library's readers take plain files, gzip and "-" (standard input), bounded
     * (docs/robustness.md). */
    zs_status st = zs_factor_read_uai(ctx, model_path, &m);
    if (st == ZS_OK && evid_path) {
        ev = malloc((zs_factor_model_nvars(m) ? zs_factor_model_nvars(m) : 1) * sizeof *ev);
        if (!ev) {
            rc = cli_fail(EXIT_NOMEM, "out of memory");
            goto done;
        }
        st = zs_factor_read_evid(m, evid_path, ev, &observed);
    }
    if (st == ZS_OK && approx.methods) {
        rc = uai_approx_run(&approx, ctx, m, ev, observed, model_path, evid_path, (int)fmt,
                            max_mem, work_given ? max_work : 0.0);
        goto done;
    }
    double t0 = zs_monotonic_seconds();
    if (st == ZS_OK) st = zs_factor_plan_alloc(m, ev, order, &plan);
    if (st != ZS_OK) {
        rc = cli_status(ctx, st);
        goto done;
    }
    zs_factor_plan_info pi;
    zs_factor_plan_get_info(plan, &pi);
    if (max_mem > 0.0 && !(pi.peak_bytes <= max_mem)) {
        /* Over the memory limit: condition on a few variables so that each run fits. */
        zs_factor_plan *cp = NULL;
        st = zs_factor_plan_condition(m, ev, order, max_mem, max_work, &cp);
        if (st == ZS_OK) {
            zs_factor_plan_free(plan);
            plan = cp;
            zs_factor_plan_get_info(plan, &pi);
        } else if (st != ZS_ETOOBIG || !plan_only) {
            rc = cli_status(ctx, st);
            goto done;
        } else {
            /* --plan-only and out of reach: the plain plan says what it would need, and why
             * conditioning does not help goes to stderr. */
            char msg[2048];
            if (verbose || (!quiet && isatty(STDERR_FILENO)))
                fprintf(stderr, "zsum: uai: %s\n", cli_library_message(ctx, msg, sizeof msg));
            st = ZS_OK;
        }
    }
    /* The plan is known before any table is built: say it (the work may take long). */
    if (!plan_only && (verbose || (!quiet && isatty(STDERR_FILENO))))
        print_plan_line(stderr, &pi);
    double lnz = (double)NAN;
    if (!plan_only) {
        progress_install(ctx, quiet);
        st = zs_factor_lnz(m, ev, plan, max_mem, &lnz);
        progress_finish();
        if (st != ZS_OK) {
            rc = cli_status(ctx, st);
            goto done;
        }
    }
    double seconds = zs_monotonic_seconds() - t0;
    double log10z = lnz / log(10.0);
    int zero = !plan_only && lnz == -HUGE_VAL;
    if (fmt == OUT_UAI && plan_only) {
        rc = cli_usage("--plan-only has no answer to print in --format uai");
        goto done;
    }
    char nb[32];
    if (fmt == OUT_UAI) {
        fprintf(cli_out(), "PR\n%s\n", zero ? "-inf" : cli_num(nb, log10z));
    } else {
        uai_answer ans = {model_path, evid_path, order_name, order, m, plan, &pi, observed,
                          plan_only, lnz, seconds};
        write_answer(fmt, &ans);
    }
done:
    zs_factor_plan_free(plan);
    zs_factor_model_free(m);
    free(ev);
    zs_ctx_free(ctx);
    return rc;
}
