/* pairwise_cli.c — what zsum ising and zsum bm share: the options of a pairwise model
 * (temperature, method, output, sampling), their cross-checks, and the run that computes the
 * exact thermodynamics of a zs_pairwise and writes them (the sampler's run: pairwise_sample.c). */
#include "pairwise_cli.h"
#include "units_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pairwise_opts_init(pairwise_opts *o) {
    memset(o, 0, sizeof *o);
    o->beta = 1.0;
    zs_pairwise_thermo_defaults(&o->thermo);
    o->format = FORMAT_TABLE;
    o->kind = ZS_MCMC_METROPOLIS;
    o->sweeps = 10000;
    o->burnin = 1000;
    o->chains = 4;
    o->max_seconds = cli_max_seconds(3600);
    o->thermo.max_seconds = cli_max_seconds(o->thermo.max_seconds);
}

int pairwise_refuse(const cli_args *a, const cli_option *o) {
    int bm = !strcmp(a->cmd->name, "bm");
    if (o->modes & PW_SAMPLE)
        return cli_usage("%s belongs to the sampler; the exact computation has no use for it "
                         "(%s)", o->name, bm ? "use 'bm sample'" : "add 'sample'");
    return cli_usage("sample: %s belongs to the exact computation (%s)", o->name,
                     bm ? "use 'bm lnz'" : "drop 'sample'");
}

int pairwise_opt(int id, const char *arg, pairwise_opts *o) {
    double t;
    uint64_t u;
    switch (id) {
    case PW_BETA:
        if (!cli_parse_double("--beta", arg, &o->beta)) return EXIT_USAGE;
        o->beta_set = 1;
        break;
    case PW_TEMP:
        if (!cli_parse_double("--temperature", arg, &t)) return EXIT_USAGE;
        if (t <= 0.0) return cli_usage("--temperature: T = %s must be positive", arg);
        o->beta = 1.0 / t;
        o->temp_set = 1;
        break;
    case PW_METHOD:
        if (zs_pairwise_method_from_name(arg, &o->thermo.method) != ZS_OK)
            return cli_usage("--method: '%s' is not one of auto, enumerate, transfer, closed", arg);
        break;
    case PW_DOS: o->dos = 1; break;
    case PW_SWEEP: return cli_parse_sweep(arg, &o->sweep) ? EXIT_OK : EXIT_USAGE;
    case PW_PLOT: o->plot = arg; break;
    case PW_FORMAT: return cli_parse_format(arg, &o->format) ? EXIT_OK : EXIT_USAGE;
    case PW_UAI: o->uai = arg; break;
    case PW_ALGO:
        if (zs_mcmc_kind_from_name(arg, &o->kind) != ZS_OK || o->kind == ZS_MCMC_AUTO)
            return cli_usage("--algorithm: '%s' is not one of metropolis, heatbath, wolff", arg);
        break;
    case PW_SWEEPS:
        if (!cli_parse_u64("--sweeps", arg, &o->sweeps)) return EXIT_USAGE;
        if (o->sweeps < 32) return cli_usage("--sweeps: %s is too few (at least 32)", arg);
        break;
    case PW_BURNIN: return cli_parse_u64("--burnin", arg, &o->burnin) ? EXIT_OK : EXIT_USAGE;
    case PW_CHAINS:
        if (!cli_parse_u64("--chains", arg, &u)) return EXIT_USAGE;
        if (u < 1 || u > 100000) return cli_usage("--chains: %s is out of range 1..100000", arg);
        o->chains = u;
        break;
    case PW_MAXSEC:
        if (!cli_parse_max_seconds(arg, &o->max_seconds)) return EXIT_USAGE;
        o->thermo.max_seconds = o->max_seconds;
        break;
    case PW_SEED:
        if (!cli_parse_u64("--seed", arg, &o->seed)) return EXIT_USAGE;
        o->seed_set = 1;
        break;
    case PW_THREADS: return cli_parse_threads(arg, &o->threads) ? EXIT_OK : EXIT_USAGE;
    case PW_QUIET: o->quiet = 1; break;
    case PW_APPROX: {
        zs_factor_approx mth;
        if (zs_factor_approx_from_name(arg, &mth) != ZS_OK)
            return cli_usage("--approx: '%s' is not one of mf, bp, trw, mbe, gbp, auto", arg);
        o->approx = arg;
        break;
    }
    }
    return EXIT_OK;
}

int pairwise_check(pairwise_opts *o, int sample) {
    if (o->beta_set && o->temp_set) return cli_usage("give --beta or --temperature, not both");
    if (o->plot && !o->sweep.active) return cli_usage("--plot: draws a --sweep; ask for one");
    if (o->plot && plot_check_target(o->plot) != EXIT_OK) return EXIT_USAGE;
    if (o->plot && cli_check_output("--plot", o->plot) != EXIT_OK) return EXIT_USAGE;
    if (o->uai && cli_check_output("--write-uai", o->uai) != EXIT_OK) return EXIT_USAGE;
    if (sample && o->beta < 0.0) return cli_usage("sample: beta = %g must be >= 0", o->beta);
    if (o->approx && (o->dos || o->sweep.active || o->uai))
        return cli_usage("--approx gives ln Z at one temperature: drop %s",
                         o->dos ? "--dos" : o->sweep.active ? "--sweep" : "--write-uai");
    return EXIT_OK;
}

/* ---- UAI output ----------------------------------------------------------------------- */

/* UAI MARKOV (UAI inference competition format) through the library's pairwise -> factor
 * conversion: one factor per bond and per non-zero field, never a dense J. The model's constant
 * energy E0 is not in the file, so ln Z = ln Z(file) - beta E0; the note on stderr gives it. */
static int write_uai(zs_ctx *ctx, const zs_pairwise *m, double beta, const char *path) {
    zs_factor_model *fm = NULL;
    double e0 = 0.0;
    zs_status st = zs_pairwise_to_factor(m, beta, &fm, &e0);
    if (st == ZS_OK) st = zs_factor_write_uai(fm, path);
    zs_factor_model_free(fm);
    if (st != ZS_OK) return cli_status(ctx, st);
    char b1[32], b2[32], b3[32];
    fprintf(stderr, "zsum: wrote %s at beta = %s; energy offset E0 = %s: ln Z = ln Z(%s) - beta E0, "
                    "beta E0 = %s\n", path, cli_num(b1, beta), cli_num(b2, e0), path,
            cli_num(b3, beta * e0));
    return EXIT_OK;
}

/* ---- exact ------------------------------------------------------------------------------ */

typedef struct dos_list {
    double *e;
    char **count;
    size_t n, cap;
} dos_list;

static int dos_add(void *user, double energy, const char *count) {
    dos_list *d = user;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        double *e = realloc(d->e, cap * sizeof *e);
        if (e) d->e = e;
        char **c = realloc(d->count, cap * sizeof *c);
        if (c) d->count = c;
        if (!e || !c) return 1;
        d->cap = cap;
    }
    d->e[d->n] = energy;
    d->count[d->n] = strdup(count);
    if (!d->count[d->n]) return 1;
    d->n++;
    return 0;
}

static void dos_free(dos_list *d) {
    for (size_t i = 0; i < d->n; i++) free(d->count[i]);
    free(d->e);
    free(d->count);
}

#define SWEEP_COLS 9
static const char *const SWEEP_NAMES[SWEEP_COLS] = {"T", "beta", "lnZ", "U", "F", "S", "C", "M", "chi"};

static const char *num_or(char b[32], double x, const char *missing) {
    return isnan(x) ? missing : cli_num(b, x);
}

static int plot_sweep(const char *file, const double *rows, long points, double n) {
    plot_script ps;
    FILE *s = plot_script_open(&ps);
    if (!s) return EXIT_RUNTIME;
    char b[32];
    fputs("$D << EOD\n", s);
    for (long i = 0; i < points; i++) {
        const double *r = rows + i * SWEEP_COLS;
        if (!(r[1] > 0)) continue;
        fprintf(s, "%s", cli_num(b, r[0]));
        fprintf(s, " %s", cli_num(b, r[3] / n));
        fprintf(s, " %s", cli_num(b, r[6] / n));
        fprintf(s, " %s\n", cli_num(b, r[5] / n));
    }
    fputs("EOD\nset xlabel 'T'\nset key top left\nset grid\n"
          "plot $D using 1:2 with linespoints title 'u = U/N', "
          "$D using 1:3 with linespoints title 'c = C/N', "
          "$D using 1:4 with linespoints title 's = S/N'\n", s);
    return plot_script_draw(&ps, file);
}

/* The exact thermodynamics of the model, or, where there is none (m NULL), of the lattice
 * spec describes: the library builds its model only when the method needs one (not the
 * closed forms). */
static zs_status thermo_at(zs_ctx *ctx, const zs_pairwise *m, const zs_lattice_spec *spec, double beta,
                           const zs_pairwise_thermo_opts *opts, zs_pairwise_thermo *out) {
    return m ? zs_pairwise_thermo_compute(m, beta, opts, out)
             : zs_lattice_thermo_compute(ctx, spec, beta, opts, out);
}

double pairwise_sweep_beta(const pairwise_opts *o, long i, double *t) {
    const double x = cli_sweep_value(&o->sweep, i), beta = o->sweep.by_beta ? x : 1.0 / x;
    if (t) *t = o->sweep.by_beta ? (beta != 0.0 ? 1.0 / beta : HUGE_VAL) : x;
    return beta;
}

/* The sweep's estimated time, the sum of its points' and of printing their rows (each point
 * alone is held to the limit by the library; a million points of a few ms each are not),
 * refused before any work. A point the library refuses for another reason (HUGE_VAL) is left
 * to its own message. The sum stops once past the limit (a point's estimate may cost a few
 * microseconds: a torus whose C may come from the transfer matrix asks Kaufman's sum; 930 000
 * points of a 9 x 9 torus took 3 s of the fuzz build to be refused), and the deadline is asked
 * every 4096 points. */
static int check_sweep_time(zs_ctx *ctx, const zs_pairwise *m, const zs_lattice_spec *spec,
                            const pairwise_opts *o) {
    const double limit = o->thermo.max_seconds;
    double total = (double)o->sweep.points * SWEEP_COLS * CLI_NUMBER_SECONDS;
    long i = 0;
    for (; i < o->sweep.points && !(limit > 0 && total > limit); i++) {
        if (i % 4096 == 0 && progress_tick("sweep estimate", (double)i, (double)o->sweep.points))
            return cli_status(ctx, ZS_ECANCELLED);
        double beta = pairwise_sweep_beta(o, i, NULL),
               s = m ? zs_pairwise_thermo_seconds(m, beta, &o->thermo)
                     : zs_lattice_thermo_seconds(ctx, spec, beta, &o->thermo);
        if (s == HUGE_VAL) return EXIT_OK;
        total += s;
    }
    if (limit <= 0 || total <= limit) return EXIT_OK;
    char when[96];
    cli_format_seconds(total, when, sizeof when);
    return cli_fail(EXIT_USAGE, "--sweep: %ld temperatures would take %s %s in all, over "
                    "--max-seconds %g; use fewer points or raise --max-seconds", o->sweep.points,
                    i < o->sweep.points ? "more than" : "about", when, limit);
}

/* The temperature sweep: one row of SWEEP_COLS totals per point. */
static int compute_sweep(zs_ctx *ctx, const zs_pairwise *m, const zs_lattice_spec *spec,
                         const pairwise_opts *o, double **out) {
    int rc = check_sweep_time(ctx, m, spec, o);
    if (rc != EXIT_OK) return rc;
    double *rows = malloc((size_t)o->sweep.points * SWEEP_COLS * sizeof *rows);
    if (!rows) return cli_fail(EXIT_NOMEM, "out of memory");
    for (long i = 0; i < o->sweep.points; i++) {
        /* a point of a small lattice takes microseconds, but there may be a million points */
        if (progress_tick("sweep", (double)i, (double)o->sweep.points)) {
            free(rows);
            return cli_status(ctx, ZS_ECANCELLED);
        }
        double t, beta = pairwise_sweep_beta(o, i, &t);
        zs_pairwise_thermo ts;
        zs_status st = thermo_at(ctx, m, spec, beta, &o->thermo, &ts);
        if (st != ZS_OK && units_cli_defer(st)) memset(&ts, 0, sizeof ts); /* its units run elsewhere */
        else if (st != ZS_OK) {
            free(rows);
            return cli_status(ctx, st);
        }
        double *r = rows + i * SWEEP_COLS;
        double v[SWEEP_COLS] = {t, beta, ts.lnz,
                                ts.u, ts.f, ts.s, ts.c, ts.m, ts.chi};
        memcpy(r, v, sizeof v);
    }
    *out = rows;
    return EXIT_OK;
}

/* The exact record: each quantity once, with how the table shows it (totals and per spin in
 * two columns; the per-spin values are keys of their own in JSON and CSV). */
static void describe_exact(result *r, const char *desc, const pairwise_opts *o, const zs_pairwise_thermo *t,
                           double n) {
    char b[32], b2[32];
    result_str(r, "model", desc);
    result_u64(r, "n", (uint64_t)n)->flags = RF_NO_TABLE;
    result_num(r, "beta", o->beta)->flags = RF_NO_TABLE;
    result_str(r, "method", zs_pairwise_method_name(t->method));
    result_field *f = result_num(r, "beta", o->beta);
    f->flags = RF_NO_JSON | RF_NO_CSV;
    if (o->beta > 0) f->comment = result_fmt(r, "T = %s", cli_num(b, 1.0 / o->beta));
    result_num(r, "lnZ", t->lnz)->label = "ln Z";
    result_line(r, "%-8s %-24s %s", "", "total", "per spin");
    const char *keys[] = {"U", "F", "S", "C", "M", "absM", "chi"};
    const char *labels[] = {"U", "F", "S", "C", "M", "|M|", "chi"};
    double v[] = {t->u, t->f, t->s, t->c, t->m, t->absm, t->chi};
    for (int k = 0; k < 7; k++) {
        f = result_num(r, keys[k], v[k]);
        f->label = labels[k];
        f->table_text = isnan(v[k]) ? "-  (not given by this method)"
                                    : result_fmt(r, "%-24s %s", cli_num(b, v[k]), num_or(b2, v[k] / n, "-"));
    }
    const char *per[] = {"u", "f", "s", "c"};
    for (int k = 0; k < 4; k++) result_num(r, per[k], v[k] / n)->flags = RF_NO_TABLE;
}

static void dos_row(result *r, const dos_list *d, size_t i) {
    result_init(r);
    result_num(r, "energy", d->e[i]);
    result_str(r, "count", d->count[i]); /* exact: a decimal string, as in zsum levels */
}

static void sweep_row(result *r, const double *row) {
    result_init(r);
    for (int k = 0; k < SWEEP_COLS; k++) result_num(r, SWEEP_NAMES[k], row[k]);
}

/* JSON: the record, then the density of states and the sweep as arrays of rows. */
static void write_exact_json(FILE *f, const result *rec, const dos_list *d, const double *rows, long points) {
    json j;
    result row;
    json_init(&j, f);
    json_obj(&j);
    result_json_members(&j, rec);
    if (d) {
        json_key(&j, "dos");
        json_arr(&j);
        for (size_t i = 0; i < d->n; i++, result_free(&row)) {
            dos_row(&row, d, i);
            result_row(f, FORMAT_JSON, &j, &row);
        }
        json_end_arr(&j);
    }
    if (rows) {
        json_key(&j, "sweep");
        json_arr(&j);
        for (long i = 0; i < points; i++, result_free(&row)) {
            sweep_row(&row, rows + i * SWEEP_COLS);
            result_row(f, FORMAT_JSON, &j, &row);
        }
        json_end_arr(&j);
    }
    json_end_obj(&j);
    json_end(&j);
}

/* CSV: one table per output: the density of states, else the sweep, else the record. */
static void write_exact_csv(FILE *f, const result *rec, const dos_list *d, const double *rows, long points) {
    result row;
    if (d) {
        for (size_t i = 0; i < d->n; i++, result_free(&row)) {
            dos_row(&row, d, i);
            if (i == 0) result_row_header(f, FORMAT_CSV, &row);
            result_row(f, FORMAT_CSV, NULL, &row);
        }
        if (d->n == 0) fputs("energy,count\n", f);
    } else if (rows) {
        for (long i = 0; i < points; i++, result_free(&row)) {
            sweep_row(&row, rows + i * SWEEP_COLS);
            if (i == 0) result_row_header(f, FORMAT_CSV, &row);
            result_row(f, FORMAT_CSV, NULL, &row);
        }
    } else {
        result_csv_row(f, rec);
    }
}

/* Table: the record, then the density of states and the sweep (padded columns). */
static int write_exact_table(FILE *f, const result *rec, const dos_list *d, const double *rows, long points) {
    char b[32];
    result_table(f, rec, 9, "");
    if (d) {
        fprintf(f, "\ndensity of states (exact)\n%-12s %s\n", "energy", "count");
        for (size_t i = 0; i < d->n; i++) fprintf(f, "%-12s %s\n", cli_num(b, d->e[i]), d->count[i]);
    }
    if (!rows) return EXIT_OK;
    fprintf(f, "\ntemperature sweep (totals)\n");
    cli_table tab;
    cli_table_init(&tab, SWEEP_COLS);
    for (int k = 0; k < SWEEP_COLS; k++) cli_table_add(&tab, SWEEP_NAMES[k]);
    for (long i = 0; i < points; i++)
        for (int k = 0; k < SWEEP_COLS; k++) cli_table_add(&tab, num_or(b, rows[i * SWEEP_COLS + k], "-"));
    int rc = cli_table_write(&tab, f);
    cli_table_free(&tab);
    return rc;
}

/* --approx: the model as factors (zs_pairwise_to_factor), the approximation of zsum uai
 * (zs_factor_lnz_approx with its defaults), and its label. */
static int run_approx(zs_ctx *ctx, const zs_pairwise *m, const char *desc, const pairwise_opts *o) {
    zs_factor_approx mth = ZS_APPROX_AUTO;
    zs_factor_approx_from_name(o->approx, &mth);
    zs_factor_model *fm = NULL;
    double e0 = 0.0;
    zs_factor_approx_result res;
    zs_status st = zs_pairwise_to_factor(m, o->beta, &fm, &e0);
    if (st == ZS_OK) st = zs_factor_lnz_approx(fm, NULL, mth, NULL, &res);
    zs_factor_model_free(fm);
    if (st != ZS_OK) return cli_status(ctx, st);
    double lnz = res.lnz - o->beta * e0, n = (double)zs_pairwise_units(m);
    result r;
    result_init(&r);
    result_str(&r, "model", desc);
    result_num(&r, "beta", o->beta);
    result_str(&r, "method", zs_factor_approx_name(res.method));
    result_field *f = result_num(&r, "lnZ", lnz);
    f->label = "ln Z";
    f->comment = res.kind == ZS_BOUND_LOWER   ? "lower bound: ln Z >= this"
                 : res.kind == ZS_BOUND_UPPER ? "upper bound: ln Z <= this"
                                              : "estimate: no guarantee of side";
    result_num(&r, "lnZ_per_spin", lnz / n)->label = "ln Z / N";
    result_str(&r, "bound", zs_bound_kind_name(res.kind))->flags = RF_NO_TABLE;
    f = result_bool(&r, "converged", res.converged);
    f->table_text = result_fmt(&r, "%s, %llu iterations", res.converged ? "yes" : "no",
                               (unsigned long long)res.iterations);
    result_u64(&r, "iterations", res.iterations)->flags = RF_NO_TABLE;
    result_num(&r, "seconds", res.seconds)->table_text = result_fmt(&r, "%.3f", res.seconds);
    result_write(cli_out(), o->format, &r, 11);
    result_free(&r);
    return EXIT_OK;
}

/* m NULL: the lattice spec describes, without --dos, --write-uai or --approx. */
static int run_exact(zs_ctx *ctx, const zs_pairwise *m, const zs_lattice_spec *spec, const char *desc,
                     pairwise_opts *o) {
    if (o->approx) return run_approx(ctx, m, desc, o);
    double n = m ? (double)zs_pairwise_units(m) : (double)spec->rows * (double)spec->cols;
    zs_pairwise_method dm = o->thermo.method == ZS_PAIRWISE_CLOSED ? ZS_PAIRWISE_AUTO : o->thermo.method;
    /* The density of states' refusals (its method, its estimated time against --max-seconds,
     * its arrays against half the physical memory) before the thermodynamics run: a 22 x 73
     * strip spent 49 s in the transfer matrix before the density of states was refused. */
    zs_status st = o->dos ? zs_pairwise_dos_check(m, dm, o->max_seconds, 0.5 * cli_physical_memory()) : ZS_OK;
    if (st != ZS_OK) return cli_status(ctx, st);
    zs_pairwise_thermo t;
    /* Each of these computations may leave its units to other runs (a slice, zsum-mpi): the
     * others still run their share here, and nothing is printed (units_cli_defer). */
    st = thermo_at(ctx, m, spec, o->beta, &o->thermo, &t);
    if (st != ZS_OK && !units_cli_defer(st)) return cli_status(ctx, st);
    dos_list d = {0};
    double *rows = NULL;
    int rc = EXIT_OK;
    if (o->dos) {
        st = zs_pairwise_dos(m, dm, dos_add, &d);
        if (st != ZS_OK && !units_cli_defer(st)) {
            /* dos_add failing is the one other cancel */
            rc = st == ZS_ECANCELLED ? cli_fail(EXIT_NOMEM, "out of memory") : cli_status(ctx, st);
            goto done;
        }
    }
    if (o->sweep.active && (rc = compute_sweep(ctx, m, spec, o, &rows)) != EXIT_OK) goto done;
    if (units_cli_deferred()) {
        rc = cli_status(ctx, ZS_ECANCELLED);
        goto done;
    }
    if (o->plot && (rc = plot_sweep(o->plot, rows, o->sweep.points, n)) != EXIT_OK) goto done;
    if (o->uai && (rc = write_uai(ctx, m, o->beta, o->uai)) != EXIT_OK) goto done;
    result rec;
    result_init(&rec);
    describe_exact(&rec, desc, o, &t, n);
    FILE *f = cli_out();
    const dos_list *dp = o->dos ? &d : NULL;
    if (o->format == FORMAT_JSON) write_exact_json(f, &rec, dp, rows, o->sweep.points);
    else if (o->format == FORMAT_CSV) write_exact_csv(f, &rec, dp, rows, o->sweep.points);
    else rc = write_exact_table(f, &rec, dp, rows, o->sweep.points);
    result_free(&rec);
done:
    dos_free(&d);
    free(rows);
    return rc;
}

int pairwise_run(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o,
                 int sample) {
    if (o->threads) zs_ctx_set_threads(ctx, o->threads);
    progress_install(ctx, o->quiet);
    int rc = sample ? pairwise_run_sample(ctx, m, desc, o) : run_exact(ctx, m, NULL, desc, o);
    progress_finish();
    return rc;
}

int pairwise_run_lattice(zs_ctx *ctx, const zs_lattice_spec *spec, const char *desc, pairwise_opts *o) {
    if (o->threads) zs_ctx_set_threads(ctx, o->threads);
    progress_install(ctx, o->quiet);
    int rc = run_exact(ctx, NULL, spec, desc, o);
    progress_finish();
    return rc;
}
