/* uai_marginals.c — zsum uai --marginals: p(x_i | evidence) for every variable, exactly
 * (zs_factor_marginals: the elimination, then one pass back over its messages), printed in
 * the table, in the JSON ("marginals": one array per variable) or as the UAI competitions'
 * MAR answer (--format mar on standard output, -o FILE.MAR to a file). */
#include "uai_cli.h"

#include <stdlib.h>
#include <string.h>

int uai_marginals_check(uai_marg *mo, int fmt_mar, int fmt_uai, int fmt_csv, int plan_only) {
    if (fmt_mar) mo->on = 1;
    if (!mo->on) return EXIT_OK;
    if (plan_only)
        return cli_usage("--plan-only computes nothing: it cannot be given with --marginals, "
                         "--format mar or -o");
    if (fmt_uai)
        return cli_usage("--format uai prints the PR answer; the marginals' answer is --format mar");
    if (fmt_csv)
        return cli_usage("--marginals: no csv form (use --format table, json or mar)");
    return EXIT_OK;
}

zs_status uai_marginals_compute(uai_marg *mo, const zs_factor_model *m, const int32_t *ev,
                                zs_factor_order order, zs_factor_plan **plan,
                                zs_factor_plan_info *pi, double max_mem, double max_work,
                                double *lnz) {
    size_t total = 0;
    for (size_t v = 0; v < zs_factor_model_nvars(m); v++) total += zs_factor_model_domain(m, v);
    double need = 0.0;
    zs_status st = zs_factor_marginals_bytes(m, ev, *plan, &need);
    /* The pass back keeps every message: when that passes the memory limit, condition on more
     * variables (each halving of the elimination's memory shrinks the messages as well). */
    double budget = pi->peak_bytes;
    for (int k = 0; st == ZS_OK && max_mem > 0.0 && !(need <= max_mem) && k < 64; k++) {
        budget *= 0.5;
        zs_factor_plan *cp = NULL;
        st = zs_factor_plan_condition(m, ev, order, budget, max_work, &cp);
        if (st != ZS_OK) break;
        zs_factor_plan_free(*plan);
        *plan = cp;
        zs_factor_plan_get_info(cp, pi);
        st = zs_factor_marginals_bytes(m, ev, cp, &need);
    }
    if (st != ZS_OK) return st;
    mo->p = malloc((total ? total : 1) * sizeof *mo->p);
    if (!mo->p) return ZS_ENOMEM;
    zs_factor_marginals_opts o;
    zs_factor_marginals_defaults(&o);
    o.max_bytes = max_mem;
    return zs_factor_marginals(m, ev, *plan, &o, mo->p, lnz);
}

void uai_marginals_write(FILE *f, int as_json, const result *r, const uai_marg *mo,
                         const zs_factor_model *m) {
    const size_t n = zs_factor_model_nvars(m);
    size_t k = 0;
    if (as_json) {
        json j;
        json_init(&j, f);
        json_obj(&j);
        result_json_members(&j, r);
        json_key(&j, "marginals");
        json_arr(&j);
        for (size_t v = 0; v < n; v++) {
            json_arr_inline(&j);
            for (uint32_t x = 0; x < zs_factor_model_domain(m, v); x++) json_num(&j, mo->p[k++]);
            json_end_arr(&j);
        }
        json_end_arr(&j);
        json_end_obj(&j);
        json_end(&j);
        return;
    }
    result_write(f, FORMAT_TABLE, r, 13);
    fprintf(f, "%-13sp(x_i = 0), p(x_i = 1), ... given the evidence\n", "marginals");
    for (size_t v = 0; v < n; v++) {
        fprintf(f, "  %-11zu", v);
        for (uint32_t x = 0; x < zs_factor_model_domain(m, v); x++)
            fprintf(f, "%s%.6g", x ? " " : "", mo->p[k++]);
        fputc('\n', f);
    }
}

void uai_marginals_write_mar(FILE *f, const uai_marg *mo, const zs_factor_model *m) {
    const size_t n = zs_factor_model_nvars(m);
    char nb[32];
    size_t k = 0;
    fprintf(f, "MAR\n%zu", n);
    for (size_t v = 0; v < n; v++) {
        fprintf(f, " %u", zs_factor_model_domain(m, v));
        for (uint32_t x = 0; x < zs_factor_model_domain(m, v); x++) fprintf(f, " %s", cli_num(nb, mo->p[k++]));
    }
    fputc('\n', f);
}

int uai_marginals_save(const uai_marg *mo, zs_ctx *ctx, const zs_factor_model *m) {
    if (!mo->output) return EXIT_OK;
    zs_status st = zs_factor_write_mar(m, mo->p, mo->output);
    return st == ZS_OK ? EXIT_OK : cli_status(ctx, st);
}

void uai_marginals_free(uai_marg *mo) {
    free(mo->p);
    mo->p = NULL;
}
