/* pairwise_sample.c — the sampler's run of zsum ising sample and zsum bm sample: the MCMC
 * estimates of a zs_pairwise with their errors and mixing diagnostics, at one temperature or
 * over a --sweep, written as table, JSON or CSV. */
#include "pairwise_cli.h"
#include "result.h"
#include "units_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    const long P = o->sweep.points;
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
        betas[i] = pairwise_sweep_beta(o, i, NULL);
        zs_pairwise_sample_opts mo = {o->kind, betas[i], o->sweeps, o->burnin, o->chains, o->seed};
        total += zs_pairwise_sample_seconds(m, &mo);
    }
    if (!(total <= o->max_seconds)) {
        char when[96];
        cli_format_seconds_on(total, zs_ctx_threads_for(ctx, (size_t)o->chains), when, sizeof when);
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
        if (st != ZS_OK && !units_cli_defer(st)) rc = cli_status(ctx, st); /* (or run elsewhere) */
        else unmixed += st == ZS_OK && !res[i].mixed;
    }
    if (rc == EXIT_OK && units_cli_deferred()) rc = cli_status(ctx, ZS_ECANCELLED); /* nothing printed */
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
            double temp, bt = pairwise_sweep_beta(o, i, &temp);
            result_init(&row);
            result_num(&row, "T", temp);
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

int pairwise_run_sample(zs_ctx *ctx, const zs_pairwise *m, const char *desc, pairwise_opts *o) {
    double n = (double)zs_pairwise_units(m);
    if (!o->seed_set) o->seed = zs_seed_from_entropy();
    if (o->sweep.active) return run_sample_sweep(ctx, m, desc, o);
    zs_pairwise_sample_opts mo = {o->kind, o->beta, o->sweeps, o->burnin, o->chains, o->seed};
    double secs = zs_pairwise_sample_seconds(m, &mo);
    if (!(secs <= o->max_seconds)) {
        char when[96];
        cli_format_seconds_on(secs, zs_ctx_threads_for(ctx, (size_t)o->chains), when, sizeof when);
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
