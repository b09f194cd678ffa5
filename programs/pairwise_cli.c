/* pairwise_cli.c — what zsum ising and zsum bm share: the options of a pairwise model
 * (temperature, method, output, sampling), their cross-checks, and the run that computes the
 * exact thermodynamics or the MCMC estimates of a zs_pairwise and writes them. */
#include "pairwise_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pairwise_opts_init(pairwise_opts *o) {
    memset(o, 0, sizeof *o);
    o->beta = 1.0;
    o->method = ZS_PAIRWISE_AUTO;
    o->format = FORMAT_TABLE;
    o->kind = ZS_MCMC_METROPOLIS;
    o->sweeps = 10000;
    o->burnin = 1000;
    o->chains = 4;
    o->max_seconds = 3600;
}

static int parse_sweep(const char *text, pairwise_opts *o) {
    cli_sweep sw = {0};
    if (!cli_parse_sweep(text, &sw)) return 0;
    o->sweep = 1;
    o->sweep_by_beta = sw.by_beta;
    o->sweep_lo = sw.lo;
    o->sweep_hi = sw.hi;
    o->sweep_points = sw.points;
    return 1;
}

int pairwise_refuse(const cli_args *a, const cli_option *o) {
    (void)a;
    if (o->modes & PW_SAMPLE)
        return cli_usage("%s belongs to the sampler; the exact computation has no use for it "
                         "(add 'sample')", o->name);
    return cli_usage("sample: %s belongs to the exact computation (drop 'sample')", o->name);
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
        if (zs_pairwise_method_from_name(arg, &o->method) != ZS_OK)
            return cli_usage("--method: '%s' is not one of auto, enumerate, transfer, closed", arg);
        break;
    case PW_DOS: o->dos = 1; break;
    case PW_SWEEP: return parse_sweep(arg, o) ? EXIT_OK : EXIT_USAGE;
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
        if (!cli_parse_double("--max-seconds", arg, &o->max_seconds)) return EXIT_USAGE;
        if (!(o->max_seconds > 0)) return cli_usage("--max-seconds: '%s' must be > 0", arg);
        break;
    case PW_SEED:
        if (!cli_parse_u64("--seed", arg, &o->seed)) return EXIT_USAGE;
        o->seed_set = 1;
        break;
    case PW_THREADS: return cli_parse_threads(arg, &o->threads) ? EXIT_OK : EXIT_USAGE;
    case PW_QUIET: o->quiet = 1; break;
    }
    return EXIT_OK;
}

int pairwise_check(pairwise_opts *o, int sample) {
    if (o->beta_set && o->temp_set) return cli_usage("give --beta or --temperature, not both");
    if (o->plot && !o->sweep) return cli_usage("--plot: draws a --sweep; ask for one");
    if (o->plot && plot_check_target(o->plot) != EXIT_OK) return EXIT_USAGE;
    if (o->plot && cli_check_output("--plot", o->plot) != EXIT_OK) return EXIT_USAGE;
    if (o->uai && cli_check_output("--write-uai", o->uai) != EXIT_OK) return EXIT_USAGE;
    if (sample && o->beta < 0.0) return cli_usage("sample: beta = %g must be >= 0", o->beta);
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

/* The temperature sweep: one row of SWEEP_COLS totals per point. */
static int compute_sweep(zs_ctx *ctx, const zs_pairwise *m, const pairwise_opts *o, double **out) {
    double *rows = malloc((size_t)o->sweep_points * SWEEP_COLS * sizeof *rows);
    if (!rows) return cli_fail(EXIT_NOMEM, "out of memory");
    for (long i = 0; i < o->sweep_points; i++) {
        double x = o->sweep_points == 1 ? o->sweep_lo
                   : o->sweep_lo + (o->sweep_hi - o->sweep_lo) * (double)i / (double)(o->sweep_points - 1);
        double beta = o->sweep_by_beta ? x : 1.0 / x;
        zs_pairwise_thermo ts;
        zs_status st = zs_pairwise_thermo_compute(m, beta, o->method, &ts);
        if (st != ZS_OK) {
            free(rows);
            return cli_status(ctx, st);
        }
        double *r = rows + i * SWEEP_COLS;
        double v[SWEEP_COLS] = {o->sweep_by_beta ? (beta != 0.0 ? 1.0 / beta : HUGE_VAL) : x, beta, ts.lnz,
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

static int run_exact(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o) {
    double n = (double)zs_pairwise_units(m);
    zs_pairwise_thermo t;
    zs_status st = zs_pairwise_thermo_compute(m, o->beta, o->method, &t);
    if (st != ZS_OK) return cli_status(ctx, st);
    dos_list d = {0};
    double *rows = NULL;
    int rc = EXIT_OK;
    if (o->dos) {
        zs_pairwise_method dm = o->method == ZS_PAIRWISE_CLOSED ? ZS_PAIRWISE_AUTO : o->method;
        st = zs_pairwise_dos(m, dm, dos_add, &d);
        if (st != ZS_OK) {
            rc = st == ZS_ECANCELLED ? cli_fail(EXIT_NOMEM, "out of memory") : cli_status(ctx, st);
            goto done;
        }
    }
    if (o->sweep && (rc = compute_sweep(ctx, m, o, &rows)) != EXIT_OK) goto done;
    if (o->plot && (rc = plot_sweep(o->plot, rows, o->sweep_points, n)) != EXIT_OK) goto done;
    if (o->uai && (rc = write_uai(ctx, m, o->beta, o->uai)) != EXIT_OK) goto done;
    result rec;
    result_init(&rec);
    describe_exact(&rec, desc, o, &t, n);
    FILE *f = cli_out();
    const dos_list *dp = o->dos ? &d : NULL;
    if (o->format == FORMAT_JSON) write_exact_json(f, &rec, dp, rows, o->sweep_points);
    else if (o->format == FORMAT_CSV) write_exact_csv(f, &rec, dp, rows, o->sweep_points);
    else rc = write_exact_table(f, &rec, dp, rows, o->sweep_points);
    result_free(&rec);
done:
    dos_free(&d);
    free(rows);
    return rc;
}

/* The chains did not mix (zs_mcmc_result.mixed = 0): which test failed, in words. */
static const char *mixing_warning(result *r, const zs_mcmc_result *m, uint64_t sweeps) {
    char b1[32], b2[32];
    double rh = fmax(fmax(m->rhat_u, m->rhat_m), m->rhat_absm);
    double tau = fmax(fmax(m->tau_u, m->tau_m), m->tau_absm);
    if (!(rh <= 1.05))
        return result_fmt(r, "the chains did not mix: they disagree (R-hat %s > 1.05: they sample "
                          "different states, e.g. the two ordered states below T_c), so the error bars "
                          "are not supported; use wolff, more --chains or more --sweeps",
                          cli_num(b1, rh));
    return result_fmt(r, "the chains did not mix: %llu sweeps are fewer than 64 autocorrelation times "
                      "(tau = %s sweeps) or too few to measure tau, so the error bars are not "
                      "supported; use more --sweeps or wolff", (unsigned long long)sweeps,
                      cli_num(b2, tau));
}

/* The sampled record. An estimate is {estimate, error} (with tau, rhat and ess for the means);
 * the table shows it with its per-spin value, and the CSV lists the estimates under
 * "quantity,estimate,error,tau,rhat". */
static void describe_sample(result *r, result est[9], const char *desc, const pairwise_opts *o,
                            const zs_mcmc_result *m, double n) {
    char b[32], b2[32], b3[32], b4[32], b5[32];
    result_str(r, "model", desc);
    result_u64(r, "n", (uint64_t)n)->flags = RF_NO_TABLE;
    result_field *f = result_num(r, "beta", o->beta);
    f->flags = RF_NO_TABLE;
    f = result_str(r, "method", zs_mcmc_kind_name(m->kind));
    f->table_text = result_fmt(r, "%s, %llu chains x %llu sweeps (+%llu burn-in)", f->v.str,
                               (unsigned long long)o->chains, (unsigned long long)o->sweeps,
                               (unsigned long long)o->burnin);
    f = result_u64(r, "seed", o->seed);
    if (!o->seed_set) f->comment = "chosen; --seed repeats this run";
    result_u64(r, "sweeps", o->sweeps)->flags = RF_NO_TABLE;
    result_u64(r, "burnin", o->burnin)->flags = RF_NO_TABLE;
    result_u64(r, "chains", o->chains)->flags = RF_NO_TABLE;
    result_num(r, "beta", o->beta)->flags = RF_NO_JSON | RF_NO_CSV;
    result_line(r, "%-8s %-24s %-24s %-24s %-24s %s", "", "estimate", "error", "per spin", "tau",
                "R-hat");
    const char *keys[] = {"U", "C", "M", "absM", "chi", "chi_abs", "binder", "u", "c"};
    const char *labels[] = {"U", "C", "M", "|M|", "chi", "chi'", "U4"};
    zs_estimate e[] = {m->u, m->c, m->m, m->absm, m->chi, m->chi_abs, m->binder, m->u, m->c};
    const double tau[] = {m->tau_u, 0, m->tau_m, m->tau_absm};
    const double rhat[] = {m->rhat_u, 0, m->rhat_m, m->rhat_absm};
    for (int k = 0; k < 9; k++) {
        double scale = k < 7 ? 1.0 : n;
        int series = k == 0 || k == 2 || k == 3;
        result_init(&est[k]);
        result_num(&est[k], "estimate", e[k].value / scale);
        result_num(&est[k], "error", e[k].std_error / scale);
        if (series) {
            result_num(&est[k], "tau", tau[k]);
            result_num(&est[k], "rhat", rhat[k]);
            result_num(&est[k], "ess", e[k].ess);
        }
        f = result_obj(r, keys[k], &est[k]);
        f->flags |= RF_INLINE;
        if (k >= 7) continue;
        f->flags &= ~(unsigned)RF_NO_TABLE;
        f->label = labels[k];
        f->table_text = result_fmt(r, "%-24s %-24s %-24s %-24s %s", cli_num(b, e[k].value),
                                   cli_num(b2, e[k].std_error), k == 6 ? "-" : cli_num(b3, e[k].value / n),
                                   series ? cli_num(b4, tau[k]) : "-", series ? cli_num(b5, rhat[k]) : "-");
    }
    f = result_num(r, "acceptance", m->acceptance);
    if (m->kind == ZS_MCMC_WOLFF) {
        f->flags = RF_NO_TABLE;
        f = result_num(r, "mean_cluster", m->mean_cluster);
        f->flags = RF_NO_JSON | RF_NO_CSV;
        f->label = "mean cluster size";
        f->table_text = result_fmt(r, "  %s", cli_num(b, m->mean_cluster));
    } else {
        f->table_text = result_fmt(r, "         %s", cli_num(b, m->acceptance));
    }
    f = result_bool(r, "mixed", m->mixed);
    f->flags = RF_NO_CSV;
    f->table_text = m->mixed ? "yes: R-hat <= 1.05, >= 64 tau sweeps; error: one standard error"
                             : "no";
    if (!m->mixed) {
        const char *w = mixing_warning(r, m, o->sweeps);
        fprintf(stderr, "zsum: warning: %s\n", w);
        result_str(r, "warning", w)->flags = RF_NOTE | RF_NO_CSV;
    }
}

/* CSV of a sampled record: one line per estimate. */
static void write_sample_csv(FILE *f, const result *r) {
    char b[32], b2[32];
    char b3[32], b4[32];
    fputs("quantity,estimate,error,tau,rhat\n", f);
    for (size_t i = 0; i < r->n; i++) {
        const result_field *x = &r->field[i];
        if (x->type != RF_OBJ) continue;
        const result *e = x->v.obj;
        fprintf(f, "%s,%s,%s,%s,%s\n", x->key, cli_csv_num(b, e->field[0].v.num),
                cli_csv_num(b2, e->field[1].v.num), e->n > 2 ? cli_csv_num(b3, e->field[2].v.num) : "",
                e->n > 3 ? cli_csv_num(b4, e->field[3].v.num) : "");
    }
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->field[i].key, "mixed")) fprintf(f, "mixed,%d,,,\n", r->field[i].v.b);
}

/* The sampled sweep: a row per temperature (totals, errors one standard error), with the
 * largest tau and R-hat of the three series and whether the chains mixed. */
static int run_sample_sweep(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o) {
    const long P = o->sweep_points;
    zs_mcmc_result *res = calloc((size_t)P, sizeof *res);
    double *betas = calloc((size_t)P, sizeof *betas);
    if (!res || !betas) {
        free(res);
        free(betas);
        return cli_fail(EXIT_NOMEM, "out of memory");
    }
    int rc = EXIT_OK, unmixed = 0;
    double total = 0.0;
    for (long i = 0; i < P; i++) {
        double x = P == 1 ? o->sweep_lo : o->sweep_lo + (o->sweep_hi - o->sweep_lo) * (double)i / (double)(P - 1);
        betas[i] = o->sweep_by_beta ? x : 1.0 / x;
        zs_pairwise_sample_opts mo = {o->kind, betas[i], o->sweeps, o->burnin, o->chains, o->seed};
        total += zs_pairwise_sample_seconds(m, &mo);
    }
    if (!(total <= o->max_seconds)) {
        char when[64];
        cli_format_seconds(total, when, sizeof when);
        rc = cli_fail(EXIT_USAGE, "sample: a sweep of %ld temperatures of %llu chains x %llu sweeps "
                      "would take about %s, over --max-seconds %g; use fewer points, sweeps or "
                      "chains, or raise --max-seconds", P, (unsigned long long)o->chains,
                      (unsigned long long)o->sweeps, when, o->max_seconds);
    }
    for (long i = 0; rc == EXIT_OK && i < P; i++) {
        if (betas[i] < 0.0) {
            rc = cli_usage("sample: --sweep reaches beta = %g; sampling needs beta >= 0", betas[i]);
            break;
        }
        /* every temperature from the same seed: rows differ by the temperature alone */
        zs_pairwise_sample_opts mo = {o->kind, betas[i], o->sweeps, o->burnin, o->chains, o->seed};
        zs_status st = zs_pairwise_sample(m, &mo, &res[i]);
        if (st != ZS_OK) rc = cli_status(ctx, st);
        else unmixed += !res[i].mixed;
    }
    if (rc == EXIT_OK) {
        FILE *f = cli_out();
        result rec, row;
        result_init(&rec);
        result_str(&rec, "model", desc);
        result_u64(&rec, "n", zs_pairwise_units(m))->flags = RF_NO_TABLE;
        result_field *fl = result_str(&rec, "method", zs_mcmc_kind_name(res[0].kind));
        fl->table_text = result_fmt(&rec, "%s, %llu chains x %llu sweeps (+%llu burn-in) at each "
                                    "temperature", fl->v.str, (unsigned long long)o->chains,
                                    (unsigned long long)o->sweeps, (unsigned long long)o->burnin);
        fl = result_u64(&rec, "seed", o->seed);
        if (!o->seed_set) fl->comment = "chosen; --seed repeats this run";
        result_u64(&rec, "sweeps", o->sweeps)->flags = RF_NO_TABLE;
        result_u64(&rec, "burnin", o->burnin)->flags = RF_NO_TABLE;
        result_u64(&rec, "chains", o->chains)->flags = RF_NO_TABLE;
        if (unmixed) {
            const char *w = result_fmt(&rec, "the chains did not mix at %d of %ld temperatures (mixed "
                                       "= false): their error bars are not supported", unmixed, P);
            fprintf(stderr, "zsum: warning: %s\n", w);
            result_str(&rec, "warning", w)->flags = RF_NOTE | RF_NO_CSV;
        }
        json j;
        if (o->format == FORMAT_JSON) {
            json_init(&j, f);
            json_obj(&j);
            result_json_members(&j, &rec);
            json_key(&j, "sweep");
            json_arr(&j);
        } else if (o->format == FORMAT_TABLE) {
            result_table(f, &rec, 9, "");
            fprintf(f, "\nsampled temperature sweep (totals; err: one standard error)\n");
        }
        for (long i = 0; i < P; i++) {
            const zs_mcmc_result *q = &res[i];
            double bt = betas[i];
            result_init(&row);
            result_num(&row, "T", o->sweep_by_beta ? (bt != 0.0 ? 1.0 / bt : HUGE_VAL) : 1.0 / bt);
            result_num(&row, "beta", bt);
            const char *k[] = {"U", "C", "M", "absM", "chi", "chi_abs", "binder"};
            const char *ke[] = {"U_err", "C_err", "M_err", "absM_err", "chi_err", "chi_abs_err", "binder_err"};
            const zs_estimate e[] = {q->u, q->c, q->m, q->absm, q->chi, q->chi_abs, q->binder};
            for (int t = 0; t < 7; t++) {
                result_num(&row, k[t], e[t].value);
                result_num(&row, ke[t], e[t].std_error);
            }
            result_num(&row, "tau_max", fmax(fmax(q->tau_u, q->tau_m), q->tau_absm));
            result_num(&row, "rhat_max", fmax(fmax(q->rhat_u, q->rhat_m), q->rhat_absm));
            result_bool(&row, "mixed", q->mixed);
            if (i == 0 && o->format != FORMAT_JSON) result_row_header(f, o->format, &row);
            result_row(f, o->format, &j, &row);
            result_free(&row);
        }
        if (o->format == FORMAT_JSON) {
            json_end_arr(&j);
            json_end_obj(&j);
            json_end(&j);
        }
        result_free(&rec);
    }
    free(res);
    free(betas);
    return rc;
}

static int run_sample(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o) {
    double n = (double)zs_pairwise_units(m);
    if (!o->seed_set) o->seed = zs_seed_from_entropy();
    if (o->sweep) return run_sample_sweep(ctx, m, desc, o);
    zs_pairwise_sample_opts mo = {o->kind, o->beta, o->sweeps, o->burnin, o->chains, o->seed};
    double secs = zs_pairwise_sample_seconds(m, &mo);
    if (!(secs <= o->max_seconds)) {
        char when[64];
        cli_format_seconds(secs, when, sizeof when);
        return cli_fail(EXIT_USAGE,
                        "sample: %llu chains x %llu sweeps (+%llu burn-in) of %.0f spins would "
                        "take about %s, over --max-seconds %g; use fewer sweeps or chains, or "
                        "raise --max-seconds", (unsigned long long)o->chains,
                        (unsigned long long)o->sweeps, (unsigned long long)o->burnin, n, when,
                        o->max_seconds);
    }
    zs_mcmc_result mr;
    zs_status st = zs_pairwise_sample(m, &mo, &mr);
    if (st != ZS_OK) return cli_status(ctx, st);
    result r, est[9];
    result_init(&r);
    describe_sample(&r, est, desc, o, &mr, n);
    FILE *f = cli_out();
    if (o->format == FORMAT_JSON) result_json(f, &r);
    else if (o->format == FORMAT_CSV) write_sample_csv(f, &r);
    else result_table(f, &r, 9, "");
    for (int k = 0; k < 9; k++) result_free(&est[k]);
    result_free(&r);
    return EXIT_OK;
}

int pairwise_run(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o,
                 int sample) {
    if (o->threads) zs_ctx_set_threads(ctx, o->threads);
    progress_install(ctx, o->quiet);
    int rc = sample ? run_sample(ctx, m, desc, o) : run_exact(ctx, m, desc, o);
    progress_finish();
    return rc;
}
