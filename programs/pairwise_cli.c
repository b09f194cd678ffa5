/* pairwise_cli.c — what zsum ising and zsum bm share: the options of a pairwise model
 * (temperature, method, output, sampling), their cross-checks, and the run that computes the
 * exact thermodynamics or the MCMC estimates of a zs_pairwise and writes them. */
#include "pairwise_cli.h"

#include <getopt.h>
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

/* The first option seen that only one mode reads, for refusing it in the other. */
static void note_mode(int c, pairwise_opts *o) {
    static const struct { int c; const char *name; int sample; } modal[] = {
        {PW_METHOD, "--method", 0},   {PW_DOS, "--dos", 0},           {PW_SWEEP, "--sweep", 0},
        {PW_PLOT, "--plot", 0},       {PW_UAI, "--write-uai", 0},     {PW_ALGO, "--algorithm", 1},
        {PW_SWEEPS, "--sweeps", 1},   {PW_BURNIN, "--burnin", 1},     {PW_CHAINS, "--chains", 1}};
    for (size_t i = 0; i < sizeof modal / sizeof modal[0]; i++) {
        if (modal[i].c != c) continue;
        const char **slot = modal[i].sample ? &o->sample_opt : &o->exact_opt;
        if (!*slot) *slot = modal[i].name;
    }
}

int pairwise_opt(int c, const char *arg, pairwise_opts *o) {
    double t;
    uint64_t u;
    note_mode(c, o);
    switch (c) {
    case 'b':
        if (!cli_parse_double("--beta", arg, &o->beta)) return 0;
        o->beta_set = 1;
        return 1;
    case 'T':
        if (!cli_parse_double("--temperature", arg, &t)) return 0;
        if (t <= 0.0) return !cli_usage("--temperature: T = %s must be positive", arg);
        o->beta = 1.0 / t;
        o->temp_set = 1;
        return 1;
    case PW_METHOD:
        if (zs_pairwise_method_from_name(arg, &o->method) != ZS_OK)
            return !cli_usage("--method: '%s' is not one of auto, enumerate, transfer, closed", arg);
        return 1;
    case PW_DOS: o->dos = 1; return 1;
    case PW_SWEEP: return parse_sweep(arg, o);
    case PW_PLOT: o->plot = arg; return 1;
    case PW_FORMAT: return cli_parse_format(arg, &o->format);
    case PW_UAI: o->uai = arg; return 1;
    case PW_ALGO:
        if (zs_mcmc_kind_from_name(arg, &o->kind) != ZS_OK || o->kind == ZS_MCMC_AUTO)
            return !cli_usage("--algorithm: '%s' is not one of metropolis, heatbath, wolff", arg);
        return 1;
    case PW_SWEEPS:
        if (!cli_parse_u64("--sweeps", arg, &o->sweeps)) return 0;
        if (o->sweeps < 32) return !cli_usage("--sweeps: %s is too few (at least 32)", arg);
        return 1;
    case PW_BURNIN: return cli_parse_u64("--burnin", arg, &o->burnin);
    case PW_CHAINS:
        if (!cli_parse_u64("--chains", arg, &u)) return 0;
        if (u < 1 || u > 100000) return !cli_usage("--chains: %s is out of range 1..100000", arg);
        o->chains = u;
        return 1;
    case PW_SEED:
        if (!cli_parse_u64("--seed", arg, &o->seed)) return 0;
        o->seed_set = 1;
        return 1;
    case PW_THREADS: return cli_parse_threads(arg, &o->threads);
    case 'q': o->quiet = 1; return 1;
    default: return -1;
    }
}

int pairwise_check(pairwise_opts *o, int sample) {
    if (o->beta_set && o->temp_set) return !cli_usage("give --beta or --temperature, not both");
    /* Options of the other mode are refused rather than ignored. */
    if (sample && o->exact_opt)
        return !cli_usage("sample: %s belongs to the exact computation (drop 'sample')", o->exact_opt);
    if (!sample && o->sample_opt)
        return !cli_usage("%s belongs to the sampler; the exact computation has no use for it "
                          "(add 'sample')", o->sample_opt);
    if (o->plot && !o->sweep) return !cli_usage("--plot: draws a --sweep; ask for one");
    if (o->plot && plot_check_target(o->plot) != EXIT_OK) return 0;
    if (o->plot && cli_check_output("--plot", o->plot) != EXIT_OK) return 0;
    if (o->uai && cli_check_output("--write-uai", o->uai) != EXIT_OK) return 0;
    if (sample && o->beta < 0.0) return !cli_usage("sample: beta = %g must be >= 0", o->beta);
    return 1;
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

static void json_thermo(json *j, const zs_pairwise_thermo *t, double n) {
    const char *names[] = {"lnZ", "U", "F", "S", "C", "M", "absM", "chi", "u", "f", "s", "c"};
    double vals[] = {t->lnz, t->u, t->f, t->s, t->c, t->m, t->absm, t->chi,
                     t->u / n, t->f / n, t->s / n, t->c / n};
    for (int i = 0; i < 12; i++) {
        json_kv_num(j, names[i], vals[i]);
    }
}

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

static int run_exact(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o) {
    double n = (double)zs_pairwise_size(m);
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
            rc = st == ZS_ECANCELLED ? cli_fail(EXIT_RUNTIME, "out of memory") : cli_status(ctx, st);
            goto done;
        }
    }
    if (o->sweep) {
        rows = malloc((size_t)o->sweep_points * SWEEP_COLS * sizeof *rows);
        if (!rows) {
            rc = cli_fail(EXIT_RUNTIME, "out of memory");
            goto done;
        }
        for (long i = 0; i < o->sweep_points; i++) {
            double x = o->sweep_points == 1 ? o->sweep_lo
                       : o->sweep_lo + (o->sweep_hi - o->sweep_lo) * (double)i /
                                           (double)(o->sweep_points - 1);
            double beta = o->sweep_by_beta ? x : 1.0 / x;
            zs_pairwise_thermo ts;
            st = zs_pairwise_thermo_compute(m, beta, o->method, &ts);
            if (st != ZS_OK) {
                rc = cli_status(ctx, st);
                goto done;
            }
            double *r = rows + i * SWEEP_COLS;
            r[0] = o->sweep_by_beta ? (beta != 0.0 ? 1.0 / beta : HUGE_VAL) : x;
            r[1] = beta;
            r[2] = ts.lnz;
            r[3] = ts.u;
            r[4] = ts.f;
            r[5] = ts.s;
            r[6] = ts.c;
            r[7] = ts.m;
            r[8] = ts.chi;
        }
        if (o->plot && (rc = plot_sweep(o->plot, rows, o->sweep_points, n)) != EXIT_OK) goto done;
    }
    if (o->uai && (rc = write_uai(ctx, m, o->beta, o->uai)) != EXIT_OK) goto done;
    FILE *f = cli_out();
    char b[32], b2[32];
    const char *method = zs_pairwise_method_name(t.method);
    if (o->format == FORMAT_JSON) {
        json j;
        json_init(&j, f);
        json_obj(&j);
        json_kv_str(&j, "model", desc);
        json_kv_u64(&j, "n", (uint64_t)n);
        json_kv_num(&j, "beta", o->beta);
        json_kv_str(&j, "method", method);
        json_thermo(&j, &t, n);
        if (o->dos) {
            json_key(&j, "dos");
            json_arr(&j);
            for (size_t i = 0; i < d.n; i++) {
                json_obj_inline(&j);
                json_kv_num(&j, "energy", d.e[i]);
                json_key(&j, "count");
                json_str(&j, d.count[i]); /* exact: a decimal string, as in zsum levels */
                json_end_obj(&j);
            }
            json_end_arr(&j);
        }
        if (o->sweep) {
            json_key(&j, "sweep");
            json_arr(&j);
            for (long i = 0; i < o->sweep_points; i++) {
                json_obj_inline(&j);
                for (int k = 0; k < SWEEP_COLS; k++) {
                    json_kv_num(&j, SWEEP_NAMES[k], rows[i * SWEEP_COLS + k]);
                }
                json_end_obj(&j);
            }
            json_end_arr(&j);
        }
        json_end_obj(&j);
        json_end(&j);
    } else if (o->format == FORMAT_CSV) {
        if (o->dos) {
            fputs("energy,count\n", f);
            for (size_t i = 0; i < d.n; i++) fprintf(f, "%s,%s\n", cli_num(b, d.e[i]), d.count[i]);
        } else if (o->sweep) {
            fputs("T,beta,lnZ,U,F,S,C,M,chi\n", f);
            for (long i = 0; i < o->sweep_points; i++)
                for (int k = 0; k < SWEEP_COLS; k++)
                    fprintf(f, "%s%c", cli_csv_num(b, rows[i * SWEEP_COLS + k]), k + 1 < SWEEP_COLS ? ',' : '\n');
        } else {
            fputs("n,beta,method,lnZ,U,F,S,C,M,absM,chi\n", f);
            fprintf(f, "%.0f,%s,%s", n, cli_num(b, o->beta), method);
            double v[] = {t.lnz, t.u, t.f, t.s, t.c, t.m, t.absm, t.chi};
            for (int k = 0; k < 8; k++) fprintf(f, ",%s", cli_csv_num(b, v[k]));
            fputc('\n', f);
        }
    } else {
        fprintf(f, "model    %s\n", desc);
        fprintf(f, "method   %s\n", method);
        fprintf(f, "beta     %s", cli_num(b, o->beta));
        if (o->beta > 0) fprintf(f, "   (T = %s)", cli_num(b2, 1.0 / o->beta));
        fprintf(f, "\nln Z     %s\n", cli_num(b, t.lnz));
        fprintf(f, "%-8s %-24s %s\n", "", "total", "per spin");
        const char *names[] = {"U", "F", "S", "C", "M", "|M|", "chi"};
        double v[] = {t.u, t.f, t.s, t.c, t.m, t.absm, t.chi};
        const char *na = "-  (not given by this method)";
        for (int k = 0; k < 7; k++) {
            if (isnan(v[k])) fprintf(f, "%-8s %s\n", names[k], na);
            else fprintf(f, "%-8s %-24s %s\n", names[k], num_or(b, v[k], "-"), num_or(b2, v[k] / n, "-"));
        }
        if (o->dos) {
            fprintf(f, "\ndensity of states (exact)\n%-12s %s\n", "energy", "count");
            for (size_t i = 0; i < d.n; i++) fprintf(f, "%-12s %s\n", cli_num(b, d.e[i]), d.count[i]);
        }
        if (o->sweep) {
            fprintf(f, "\ntemperature sweep (totals)\n");
            cli_table tab;
            cli_table_init(&tab, SWEEP_COLS);
            for (int k = 0; k < SWEEP_COLS; k++) cli_table_add(&tab, SWEEP_NAMES[k]);
            for (long i = 0; i < o->sweep_points; i++)
                for (int k = 0; k < SWEEP_COLS; k++)
                    cli_table_add(&tab, num_or(b, rows[i * SWEEP_COLS + k], "-"));
            rc = cli_table_write(&tab, f);
            cli_table_free(&tab);
        }
    }
done:
    dos_free(&d);
    free(rows);
    return rc;
}

static void json_est(json *j, const char *key, zs_estimate e, double scale) {
    json_key(j, key);
    json_obj_inline(j);
    json_kv_num(j, "estimate", e.value / scale);
    json_kv_num(j, "error", e.std_error / scale);
    json_end_obj(j);
}

static int run_sample(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o) {
    double n = (double)zs_pairwise_size(m);
    if (!o->seed_set) o->seed = zs_seed_from_entropy();
    zs_mcmc_options mo = {o->kind, o->beta, o->sweeps, o->burnin, o->chains, o->seed};
    zs_mcmc_result r;
    zs_status st = zs_pairwise_sample(m, &mo, &r);
    if (st != ZS_OK) return cli_status(ctx, st);
    const char *algo = zs_mcmc_kind_name(r.kind);
    FILE *f = cli_out();
    char b[32], b2[32];
    if (o->format == FORMAT_JSON) {
        json j;
        json_init(&j, f);
        json_obj(&j);
        json_kv_str(&j, "model", desc);
        json_kv_u64(&j, "n", (uint64_t)n);
        json_kv_num(&j, "beta", o->beta);
        json_kv_str(&j, "method", algo);
        json_kv_u64(&j, "seed", o->seed);
        json_kv_u64(&j, "sweeps", o->sweeps);
        json_kv_u64(&j, "burnin", o->burnin);
        json_kv_u64(&j, "chains", o->chains);
        json_est(&j, "U", r.u, 1.0);
        json_est(&j, "C", r.c, 1.0);
        json_est(&j, "M", r.m, 1.0);
        json_est(&j, "absM", r.absm, 1.0);
        json_est(&j, "chi", r.chi, 1.0);
        json_est(&j, "u", r.u, n);
        json_est(&j, "c", r.c, n);
        json_kv_num(&j, "acceptance", r.acceptance);
        json_end_obj(&j);
        json_end(&j);
    } else if (o->format == FORMAT_CSV) {
        fputs("quantity,estimate,error\n", f);
        const char *names[] = {"U", "C", "M", "absM", "chi"};
        zs_estimate e[] = {r.u, r.c, r.m, r.absm, r.chi};
        for (int k = 0; k < 5; k++)
            fprintf(f, "%s,%s,%s\n", names[k], cli_csv_num(b, e[k].value), cli_csv_num(b2, e[k].std_error));
    } else {
        fprintf(f, "model    %s\n", desc);
        fprintf(f, "method   %s, %llu chains x %llu sweeps (+%llu burn-in)\n", algo,
                (unsigned long long)o->chains, (unsigned long long)o->sweeps,
                (unsigned long long)o->burnin);
        fprintf(f, "seed     %llu%s\n", (unsigned long long)o->seed,
                o->seed_set ? "" : "   (chosen; --seed repeats this run)");
        fprintf(f, "beta     %s\n", cli_num(b, o->beta));
        const char *names[] = {"U", "C", "M", "|M|", "chi"};
        zs_estimate e[] = {r.u, r.c, r.m, r.absm, r.chi};
        fprintf(f, "%-8s %-24s %-24s %s\n", "", "estimate", "error", "per spin");
        for (int k = 0; k < 5; k++) {
            char b3[32];
            fprintf(f, "%-8s %-24s %-24s %s\n", names[k], cli_num(b, e[k].value),
                    cli_num(b2, e[k].std_error), cli_num(b3, e[k].value / n));
        }
        if (o->kind == ZS_MCMC_WOLFF) fprintf(f, "mean cluster size  %s\n", cli_num(b, r.mean_cluster));
        else fprintf(f, "acceptance         %s\n", cli_num(b, r.acceptance));
    }
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
