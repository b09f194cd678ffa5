/* hopfield_recall.c — zsum hopfield recall: parse the options, load the network and the probe,
 * run the dynamics from the (corrupted) probe, and print the trace (docs/hopfield.md). */
#include "hopfield_cli.h"
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct recall_opts {
    const char *netfile, *probe, *output, *seed_text;
    double flip, temp;
    uint64_t sweeps, seed;
    size_t rows, cols;
    long scale;
    zs_hopfield_order order;
    cli_format format;
    int temp_given, beta_given;
} recall_opts;

/* The dynamics' trace: per sweep the flips, the energy and the p overlaps. */
typedef struct trace {
    size_t p, n;
    double *rows;
    size_t count, cap;
} trace;

/* What recall loads and computes. */
typedef struct recall_run {
    zs_ctx *ctx;
    zs_hopfield *net;
    zs_patterns *pf;
    const zs_patterns *stored;
    size_t n, p, index, flipped;
    int by_index;
    int8_t *s, *probe_state;
    double e0, *m0;
    trace tr;
    zs_hopfield_result res;
} recall_run;

/* One option (id, value v): an exit code. */
static int recall_option(int id, const char *v, recall_opts *o) {
    switch (id) {
    case CLI_ARG:
        if (o->netfile) return cli_usage("recall: one network file only ('%s' is extra)", v);
        o->netfile = v;
        break;
    case H_PROBE: o->probe = v; break;
    case H_FLIP:
        if (!hopfield_parse_fraction("--flip", v, &o->flip)) return EXIT_USAGE;
        break;
    case H_SEED:
        o->seed_text = v;
        if (!cli_parse_u64("--seed", v, &o->seed)) return EXIT_USAGE;
        break;
    case H_TEMP:
        if (!cli_parse_double("--temperature", v, &o->temp)) return EXIT_USAGE;
        if (o->temp < 0.0) return cli_usage("--temperature: %s is negative; T must be >= 0", v);
        o->temp_given++;
        break;
    case H_BETA: {
        double beta;
        if (!cli_parse_double("--beta", v, &beta)) return EXIT_USAGE;
        if (!(beta > 0.0)) return cli_usage("--beta: %s must be > 0 (use -T 0 for T = 0)", v);
        o->temp = 1.0 / beta;
        o->beta_given = 1;
        break;
    }
    case H_QUIET: break; /* no progress bar to silence */
    case H_SWEEPS:
        if (!cli_parse_u64("--sweeps", v, &o->sweeps)) return EXIT_USAGE;
        if (o->sweeps == 0 || o->sweeps > 100000000) return cli_usage("--sweeps: %s is outside 1..100000000", v);
        break;
    case H_ORDER:
        if (zs_hopfield_order_from_name(v, &o->order) != ZS_OK)
            return cli_usage("--order: '%s' is not random or sequential", v);
        break;
    case H_IMAGE: {
        o->output = v;
        const char *dot = strrchr(v, '.');
        if (!dot || (strcmp(dot, ".pbm") && strcmp(dot, ".png")))
            return cli_usage("--output: '%s' must end in .pbm or .png", v);
        return cli_check_output("--output", v);
    }
    case H_SHAPE:
        if (!hopfield_parse_shape(v, &o->rows, &o->cols)) return EXIT_USAGE;
        break;
    case H_SCALE:
        if (!cli_parse_int("--scale", v, 1, CLI_IMAGE_MAX_SCALE, &o->scale)) return EXIT_USAGE;
        break;
    case H_FORMAT:
        if (!cli_parse_format(v, &o->format)) return EXIT_USAGE;
        break;
    }
    return EXIT_OK;
}

/* The options, then the checks across them: an exit code; *help when the help was printed. */
static int recall_parse(cli_args *a, recall_opts *o, int *help) {
    memset(o, 0, sizeof *o);
    o->sweeps = 100;
    o->order = ZS_HOPFIELD_RANDOM;
    o->format = FORMAT_TABLE;
    for (int id; (id = cli_next(a)) != CLI_DONE;) {
        if (id == CLI_STOP) return *help = a->rc == EXIT_OK, a->rc;
        int rc = recall_option(id, a->value, o);
        if (rc != EXIT_OK) return rc;
    }
    if (o->temp_given && o->beta_given) return cli_usage("recall: give --beta or --temperature, not both");
    if (!o->netfile) return cli_usage("recall: give the network file NET.npz");
    if (!o->probe) return cli_usage("recall: --probe (a pattern index or file) is required");
    if (o->scale && !o->output) return cli_usage("--scale: draws the --output image; give -o F.png");
    if (!o->seed_text) o->seed = zs_seed_from_entropy();
    return EXIT_OK;
}

/* The probe: a stored pattern by index, or the one pattern of a file, into r->s. */
static int load_probe(const recall_opts *o, recall_run *r) {
    const char *probe = o->probe;
    size_t n = r->n, p = r->p;
    r->by_index = probe[0] != '\0' && strspn(probe, "0123456789") == strlen(probe);
    if (r->by_index) {
        uint64_t k;
        if (!cli_parse_u64("--probe", probe, &k)) return EXIT_USAGE;
        if (p == 0) return cli_usage("--probe: %s: the network file stores no patterns; give a pattern file", probe);
        if (k >= p)
            return cli_usage("--probe: pattern index %s is out of range 0..%zu (the network stores %zu patterns)",
                             probe, p - 1, p);
        r->index = (size_t)k;
        memcpy(r->s, zs_patterns_data(r->stored) + r->index * n, n);
        return EXIT_OK;
    }
    zs_status st = zs_patterns_read(r->ctx, probe, &r->pf);
    if (st != ZS_OK) return cli_status(r->ctx, st);
    if (zs_patterns_count(r->pf) != 1)
        return cli_usage("--probe: %s holds %zu patterns; give a file with one", probe, zs_patterns_count(r->pf));
    if (zs_patterns_units(r->pf) != n)
        return cli_usage("--probe: %s has %zu units but the network has N = %zu", probe, zs_patterns_units(r->pf), n);
    memcpy(r->s, zs_patterns_data(r->pf), n);
    return EXIT_OK;
}

/* The network, the image shape (stored or given) and the probe. */
static int recall_load(recall_opts *o, recall_run *r) {
    zs_status st = zs_hopfield_load(r->ctx, o->netfile, &r->net);
    if (st != ZS_OK) return cli_status(r->ctx, st);
    r->n = zs_hopfield_units(r->net);
    r->p = zs_hopfield_pattern_count(r->net);
    r->stored = zs_hopfield_patterns(r->net);
    if (!o->rows && r->stored) zs_patterns_shape(r->stored, &o->rows, &o->cols);
    if (o->rows && o->rows * o->cols != r->n)
        return cli_usage("--shape: %zux%zu holds %zu units, the network has N = %zu", o->rows, o->cols,
                         o->rows * o->cols, r->n);
    if (o->output && !o->rows) return cli_usage("--output: the patterns have no image shape; give --shape RxC");
    r->s = malloc(r->n);
    if (!r->s) return cli_fail(EXIT_NOMEM, "out of memory");
    return load_probe(o, r);
}

static int trace_add(void *user, uint64_t sweep, const int8_t *s, double energy, const double *overlaps,
                     size_t flips) {
    (void)sweep;
    (void)s;
    trace *t = user;
    size_t width = 2 + t->p;
    if (t->count == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        double *rows = realloc(t->rows, cap * width * sizeof *rows);
        if (!rows) return 1;
        t->rows = rows;
        t->cap = cap;
    }
    double *row = t->rows + t->count * width;
    row[0] = (double)flips;
    row[1] = energy;
    for (size_t k = 0; k < t->p; k++) row[2 + k] = overlaps[k];
    t->count++;
    return 0;
}

/* Corrupt the probe, note its energy and overlaps, run the dynamics, draw the image. */
static int recall_compute(const recall_opts *o, recall_run *r) {
    zs_rng rng;
    zs_rng_init(&rng, o->seed, 0);
    r->flipped = zs_pattern_flip(r->s, r->n, o->flip, &rng);
    r->probe_state = malloc(r->n);
    if (!r->probe_state) return cli_fail(EXIT_NOMEM, "out of memory");
    memcpy(r->probe_state, r->s, r->n);
    r->tr.p = r->p;
    r->tr.n = r->n;
    r->e0 = zs_hopfield_energy(r->net, r->s);
    r->m0 = r->p ? malloc(r->p * sizeof *r->m0) : NULL;
    if (r->p && (!r->m0 || zs_hopfield_overlaps(r->net, r->s, r->m0) != ZS_OK))
        return cli_fail(EXIT_NOMEM, "out of memory");
    /* The library takes beta = 1/T; T = 0 is the deterministic rule, beta = infinity. */
    zs_hopfield_run_opts dyn = {o->temp > 0.0 ? 1.0 / o->temp : HUGE_VAL, o->order, o->sweeps, o->seed, 1};
    zs_status st = zs_hopfield_run(r->net, &dyn, r->s, trace_add, &r->tr, &r->res);
    if (st != ZS_OK) return cli_status(r->ctx, st);
    if (!o->output) return EXIT_OK;
    st = zs_pattern_write_image(r->ctx, o->output, o->rows, o->cols, r->s,
                                cli_image_scale(o->output, (size_t)o->scale, o->cols, o->rows));
    return st == ZS_OK ? EXIT_OK : cli_status(r->ctx, st);
}

static size_t best_of(const double *m, size_t p) {
    size_t b = 0;
    for (size_t k = 1; k < p; k++)
        if (fabs(m[k]) > fabs(m[b])) b = k;
    return b;
}

/* Row k of the trace (0: the probe before any sweep): sweep, flips, energy, overlaps m_q. */
static void trace_row(result *row, const recall_run *r, size_t k, result_field **overlaps) {
    const double *t = k ? r->tr.rows + (k - 1) * (2 + r->p) : NULL;
    result_init(row);
    result_u64(row, "sweep", k);
    if (k) result_u64(row, "flips", (uint64_t)t[0]);
    else result_absent(row, "flips");
    result_num(row, "energy", k ? t[1] : r->e0);
    *overlaps = result_nums(row, "overlaps", k ? t + 2 : r->m0, r->p);
}

/* The record around the trace: what was run (head) and where it ended (tail). */
static void describe_recall(result *head, result *tail, const recall_opts *o, const recall_run *r,
                            const double *mf, char *state) {
    result_u64(head, "n", r->n);
    result_u64(head, "p", r->p);
    if (r->by_index) result_u64(head, "probe", r->index);
    else result_str(head, "probe", o->probe);
    result_u64(head, "flipped", r->flipped);
    result_u64(head, "seed", o->seed);
    result_num(head, "T", o->temp);
    result_str(head, "order", zs_hopfield_order_name(o->order));
    result_u64(tail, "sweeps", r->res.sweeps);
    result_bool(tail, "converged", r->res.converged);
    result_num(tail, "energy", r->res.energy);
    result_nums(tail, "overlaps", mf, r->p);
    size_t best = r->p ? best_of(mf, r->p) : 0;
    if (r->p) {
        result_u64(tail, "best", best);
        result_num(tail, "best_overlap", mf[best]);
    } else {
        result_absent(tail, "best");
        result_absent(tail, "best_overlap");
    }
    if (state) result_str(tail, "state", state);
}

static void print_json(FILE *f, const recall_opts *o, const recall_run *r, const double *mf) {
    result head, tail, row;
    result_field *m;
    result_init(&head);
    result_init(&tail);
    char *state = malloc(r->n + 1);
    if (state) {
        for (size_t i = 0; i < r->n; i++) state[i] = r->s[i] > 0 ? '+' : '-';
        state[r->n] = 0;
    }
    describe_recall(&head, &tail, o, r, mf, state);
    json j;
    json_init(&j, f);
    json_obj(&j);
    result_json_members(&j, &head);
    json_key(&j, "trace");
    json_arr(&j);
    for (size_t k = 0; k <= r->tr.count; k++, result_free(&row)) {
        trace_row(&row, r, k, &m);
        result_row(f, FORMAT_JSON, &j, &row);
    }
    json_end_arr(&j);
    result_json_members(&j, &tail);
    json_end_obj(&j);
    json_end(&j);
    result_free(&head);
    result_free(&tail);
    free(state);
}

/* CSV: the trace, one line per sweep, the overlaps as m_0, m_1, ... */
static void print_csv(FILE *f, const recall_run *r) {
    result row;
    result_field *m;
    for (size_t k = 0; k <= r->tr.count; k++, result_free(&row)) {
        trace_row(&row, r, k, &m);
        m->key = "m";
        m->flags |= RF_SPREAD;
        if (k == 0) result_row_header(f, FORMAT_CSV, &row);
        result_row(f, FORMAT_CSV, NULL, &row);
    }
}

/* Table: the trace in fixed columns (all overlaps when P <= 8, else the best), framed by the
 * probe and the final state. */
static void print_trace_table(FILE *o, const recall_run *r) {
    size_t p = r->p;
    int all = p <= 8;
    fprintf(o, "%6s %8s %16s", "sweep", "flips", "energy");
    if (all)
        for (size_t q = 0; q < p; q++) {
            char h[32];
            snprintf(h, sizeof h, "m_%zu", q);
            fprintf(o, " %9s", h);
        }
    else if (p)
        fprintf(o, " %6s %9s", "best", "m_best");
    fputc('\n', o);
    for (size_t k = 0; k <= r->tr.count; k++) {
        const double *row = k ? r->tr.rows + (k - 1) * (2 + p) : NULL;
        const double *m = k ? row + 2 : r->m0;
        fprintf(o, "%6zu ", k);
        if (k) fprintf(o, "%8.0f", row[0]);
        else fprintf(o, "%8s", "-");
        fprintf(o, " %16.10g", k ? row[1] : r->e0);
        if (all)
            for (size_t q = 0; q < p; q++) fprintf(o, " %9.6f", m[q]);
        else if (p) {
            size_t bq = best_of(m, p);
            fprintf(o, " %6zu %9.6f", bq, m[bq]);
        }
        fputc('\n', o);
    }
}

static void print_table(FILE *o, const recall_opts *opt, const recall_run *r, const double *mf) {
    char b1[32], b2[32];
    size_t cols = opt->rows ? opt->cols : 0;
    fprintf(o, "# recall: N = %zu, P = %zu, probe ", r->n, r->p);
    if (r->by_index) fprintf(o, "pattern %zu", r->index);
    else fprintf(o, "%s", opt->probe);
    fprintf(o, " with %zu of %zu units flipped, T = %s, order %s, seed %llu%s\n", r->flipped, r->n,
            cli_num(b1, opt->temp), zs_hopfield_order_name(opt->order), (unsigned long long)opt->seed,
            opt->seed_text ? "" : " (chosen: pass --seed to repeat)");
    fputs("# probe state:\n", o);
    hopfield_print_pattern(o, r->probe_state, r->n, cols, "");
    print_trace_table(o, r);
    if (opt->temp == 0.0)
        fprintf(o, "# %s after %llu sweeps", r->res.converged ? "fixed point" : "no fixed point",
                (unsigned long long)r->res.sweeps);
    else
        fprintf(o, "# %llu heat-bath sweeps at T = %s", (unsigned long long)r->res.sweeps, cli_num(b1, opt->temp));
    fprintf(o, ", energy %s", cli_num(b1, r->res.energy));
    if (r->p) {
        size_t best = best_of(mf, r->p);
        fprintf(o, ", closest pattern %zu (overlap %s)", best, cli_num(b2, mf[best]));
    }
    fputc('\n', o);
    fputs("# final state:\n", o);
    hopfield_print_pattern(o, r->s, r->n, cols, "");
    if (opt->output) fprintf(o, "# image written to %s\n", opt->output);
}

static void recall_print(const recall_opts *o, const recall_run *r) {
    FILE *f = cli_out();
    const double *mf = r->p ? r->tr.rows + (r->tr.count - 1) * (2 + r->p) + 2 : NULL;
    if (o->format == FORMAT_JSON) print_json(f, o, r, mf);
    else if (o->format == FORMAT_CSV) print_csv(f, r);
    else print_table(f, o, r, mf);
}

int hopfield_recall(cli_args *a) {
    recall_opts o;
    int help = 0, rc = recall_parse(a, &o, &help);
    if (rc != EXIT_OK || help) return rc;
    recall_run r;
    memset(&r, 0, sizeof r);
    r.ctx = zs_ctx_alloc();
    if (!r.ctx) return cli_fail(EXIT_NOMEM, "out of memory");
    rc = recall_load(&o, &r);
    if (rc == EXIT_OK) rc = recall_compute(&o, &r);
    if (rc == EXIT_OK) recall_print(&o, &r);
    free(r.m0);
    free(r.probe_state);
    free(r.tr.rows);
    free(r.s);
    zs_patterns_free(r.pf);
    zs_hopfield_free(r.net);
    zs_ctx_free(r.ctx);
    return rc;
}
