/* uai_search.c — zsum uai --method search, and --method auto where elimination is out of
 * reach: exact ln Z of a deterministic model by search (lib/exact/search.c) and its answer. */
#include "uai_cli.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

/* The answer: model, evidence, method, the search's figures, ln Z (fmt: 0 table, 1 json,
 * 2 csv, 3 uai). */
static void write_search(int fmt, const zs_factor_model *m, const char *model_path, const char *evid_path,
                         size_t observed, const uai_search_args *sa, const zs_factor_search_stats *s,
                         double lnz) {
    const char *why = sa->why;
    char nb[32];
    if (fmt == 3) {
        fprintf(cli_out(), "PR\n%s\n", lnz == -HUGE_VAL ? "-inf" : cli_num(nb, lnz / log(10.0)));
        return;
    }
    const unsigned hide = RF_NO_TABLE;
    int zero = lnz == -HUGE_VAL;
    result r;
    result_init(&r);
    uai_result_model(&r, m, model_path, evid_path, observed);
    result_str(&r, "method", "search")->table_text =
        why ? result_fmt(&r, "search (elimination is out of reach: %s)", why)
            : "search (unit propagation, clause learning, components, component cache)";
    if (why) result_str(&r, "elimination_refused", why)->flags = hide;
    if (sa->budget) result_str(&r, "answer", "exact")->table_text = "exact (search within the budget)";
    result_u64(&r, "clauses", s->clauses)->table_text =
        result_fmt(&r, "%zu (the constraints' zero entries)", s->clauses);
    result_u64(&r, "decisions", s->decisions)->table_text =
        result_fmt(&r, "%llu (%llu conflicts), %llu components counted, %llu cache hits",
                   (unsigned long long)s->decisions, (unsigned long long)s->conflicts,
                   (unsigned long long)s->components, (unsigned long long)s->cache_hits);
    result_u64(&r, "conflicts", s->conflicts)->flags = hide;
    result_u64(&r, "components", s->components)->flags = hide;
    result_u64(&r, "cache_hits", s->cache_hits)->flags = hide;
    result_u64(&r, "learned", s->learned)->table_text =
        result_fmt(&r, "%llu clauses (from the conflicts)", (unsigned long long)s->learned);
    result_field *c = result_u64(&r, "cache_entries", s->cache_entries);
    c->label = "cache";
    c->table_text =
        result_fmt(&r, "%llu entries, %s%s", (unsigned long long)s->cache_entries,
                   zs_format_bytes(nb, s->cache_bytes), s->cache_full ? " (full: later components not stored)" : "");
    result_num(&r, "cache_bytes", s->cache_bytes)->flags = hide;
    result_bool(&r, "cache_full", s->cache_full)->flags = hide;
    result_u64(&r, "max_depth", s->max_depth)->flags = hide;
    result_field *td = result_u64(&r, "td_width", s->td_width);
    td->label = "td width";
    td->table_text = s->td_width ? result_fmt(&r, "%zu (the tree decomposition that guided the branching)", s->td_width)
                                 : "none (the branching used no tree decomposition)";
    result_u64(&r, "eliminated", s->eliminated)->table_text =
        result_fmt(&r, "%zu variables (summed out before the search: their factors sum to a constant)", s->eliminated);
    result_field *f = result_num(&r, "lnZ", lnz);
    f->label = "ln Z";
    if (zero) f->comment = "Z = 0: no assignment satisfies every constraint and the evidence";
    result_num(&r, "log10Z", lnz / log(10.0))->label = "log10 Z";
    result_bool(&r, "zero", zero)->flags = hide;
    result_num(&r, "seconds", s->seconds)->table_text = result_fmt(&r, "%.3f", s->seconds);
    result_write(cli_out(), fmt == 1 ? FORMAT_JSON : fmt == 2 ? FORMAT_CSV : FORMAT_TABLE, &r, 13);
    result_free(&r);
}

int uai_search_run(const uai_search_args *sa, zs_ctx *ctx, const zs_factor_model *m, const int32_t *ev,
                   size_t observed, const char *model_path, const char *evid_path, int fmt, int verbose) {
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    if (sa->max_bytes > 0.0) o.max_bytes = sa->max_bytes;
    o.max_seconds = sa->max_seconds;
    if (sa->td_weight >= 0.0) o.td_weight = sa->td_weight;
    if (verbose)
        fprintf(stderr, "zsum: uai: counting by search%s%s\n", sa->why ? "; elimination: " : "", sa->why ? sa->why : "");
    zs_factor_search_stats s;
    double lnz = 0.0;
    zs_status st = zs_factor_lnz_search(m, ev, &o, &lnz, &s);
    if (st != ZS_OK) return cli_status(ctx, st);
    write_search(fmt, m, model_path, evid_path, observed, sa, &s, lnz);
    return EXIT_OK;
}

/* --budget: the share of the time left that the search may take when the elimination is out
 * of reach; the approximations keep the rest (they need 0.1-5 s on the UAI 2014 instances
 * out of elimination's reach: uai_budget.c). */
#define SEARCH_SHARE 0.6

int uai_search_budget(uai_search_args *sa, const uai_budget *b, zs_ctx *ctx, const zs_factor_model *m,
                      const int32_t *ev, size_t observed, const char *model_path, const char *evid_path,
                      int fmt, int *done) {
    *done = 0;
    double left = uai_budget_left(b);
    if (!(left > 0.0) || zs_factor_search_check(m) != ZS_OK) return EXIT_OK;
    zs_factor_search_opts o;
    zs_factor_search_defaults(&o);
    if (sa->max_bytes > 0.0) o.max_bytes = sa->max_bytes;
    o.max_seconds = SEARCH_SHARE * left;
    if (sa->td_weight >= 0.0) o.td_weight = sa->td_weight;
    zs_factor_search_stats s;
    double lnz = 0.0;
    zs_status st = zs_factor_lnz_search(m, ev, &o, &lnz, &s);
    if (st == ZS_ETOOBIG || st == ZS_ENOMEM) return EXIT_OK; /* out of time: the approximations */
    if (st != ZS_OK) return cli_status(ctx, st);
    sa->why = b->why;
    sa->budget = 1;
    write_search(fmt, m, model_path, evid_path, observed, sa, &s, lnz);
    *done = 1;
    return EXIT_OK;
}
