/* test_api.c — the API's shared shapes: every enum's name and its inverse, the AUTO rules,
 * option defaults, and the estimate type of each family's random results. */
#include "check.h"

#include <zsum.h>

/* zs_hopfield_capacity with its options spelled out (a compound literal cannot go through the
 * CHECK macros: its commas would split the macro's argument). */
static zs_status capacity_with(zs_ctx *ctx, size_t n, const double *alpha, size_t nalpha,
                               size_t trials, double flip, uint64_t seed,
                               zs_hopfield_capacity_point *points) {
    zs_hopfield_capacity_opts o;
    zs_hopfield_capacity_defaults(&o);
    o.trials = trials;
    o.flip = flip;
    o.seed = seed;
    return zs_hopfield_capacity(ctx, n, alpha, nalpha, &o, points);
}

/* name(v) for v in 0..n-1 reads back to v by from_name, and names are distinct. */
#define ROUND_TRIP(prefix, type, n)                                                            \
    do {                                                                                       \
        for (int v_ = 0; v_ < (n); v_++) {                                                     \
            const char *name_ = zs_##prefix##_name((type)v_);                                 \
            type back_ = (type)-100;                                                           \
            CHECK(strcmp(name_, "unknown") != 0);                                              \
            CHECK(zs_##prefix##_from_name(name_, &back_) == ZS_OK && (int)back_ == v_);        \
        }                                                                                      \
        type keep_ = (type)7;                                                                  \
        CHECK(!strcmp(zs_##prefix##_name((type)(n)), "unknown"));                             \
        CHECK(!strcmp(zs_##prefix##_name((type)-1), "unknown") || (n) == 0);                   \
        CHECK(zs_##prefix##_from_name("no-such-name", &keep_) == ZS_EINVAL && (int)keep_ == 7); \
        CHECK(zs_##prefix##_from_name(NULL, &keep_) == ZS_EINVAL);                             \
    } while (0)

static void every_enum_name_should_read_back_to_its_value(void) {
    ROUND_TRIP(levels_method, zs_levels_method, 4);
    ROUND_TRIP(pairwise_method, zs_pairwise_method, 4);
    ROUND_TRIP(mcmc_kind, zs_mcmc_kind, 4);
    ROUND_TRIP(hopfield_order, zs_hopfield_order, 2);
    ROUND_TRIP(rbm_ais_base, zs_rbm_ais_base, 5);
    ROUND_TRIP(rbm_reverse_start, zs_rbm_reverse_start, 4);
    ROUND_TRIP(binarize, zs_binarize, 4);
    ROUND_TRIP(factor_kind, zs_factor_kind, 2);
    ROUND_TRIP(factor_order, zs_factor_order, 5);
    for (int s = 0; s >= -9; s--) {
        zs_status back = ZS_OK;
        CHECK(zs_status_from_name(zs_status_name((zs_status)s), &back) == ZS_OK && (int)back == s);
    }
    CHECK(!strcmp(zs_status_name(ZS_ETOOBIG), "ETOOBIG"));
    CHECK(!strcmp(zs_status_name((zs_status)1), "unknown"));
    CHECK(!strcmp(zs_status_name((zs_status)-10), "unknown"));
}

static void names_should_be_the_command_line_words(void) {
    CHECK(!strcmp(zs_levels_method_name(ZS_LEVELS_MACRO), "macro"));
    CHECK(!strcmp(zs_pairwise_method_name(ZS_PAIRWISE_TRANSFER), "transfer"));
    CHECK(!strcmp(zs_mcmc_kind_name(ZS_MCMC_HEATBATH), "heatbath"));
    CHECK(!strcmp(zs_hopfield_order_name(ZS_HOPFIELD_RANDOM), "random"));
    CHECK(!strcmp(zs_rbm_ais_base_name(ZS_RBM_AIS_BASE_MODEL), "model"));
    CHECK(!strcmp(zs_binarize_name(ZS_BINARIZE_STOCHASTIC), "stochastic"));
    CHECK(!strcmp(zs_factor_kind_name(ZS_FACTOR_BAYES), "BAYES"));
    CHECK(!strcmp(zs_factor_order_name(ZS_ORDER_WEIGHTED_MINFILL), "weighted-minfill"));
    CHECK(!strcmp(zs_levels_method_name(ZS_LEVELS_AUTO), "auto"));
}

static void defaults_should_have_their_documented_values(void) {
    zs_pairwise_sample_opts mo;
    memset(&mo, 0xff, sizeof mo);
    zs_pairwise_sample_defaults(&mo);
    CHECK(mo.kind == ZS_MCMC_AUTO && mo.beta == 1.0 && mo.sweeps == 10000 && mo.burnin == 1000 &&
          mo.chains == 4 && mo.seed == 0);
    zs_rbm_ais_opts ao;
    memset(&ao, 0xff, sizeof ao);
    zs_rbm_ais_defaults(&ao);
    CHECK(ao.chains == 100 && ao.base == ZS_RBM_AIS_BASE_AUTO && ao.betas == NULL &&
          ao.data == NULL && ao.rate == NULL && ao.pseudocount == 1.0 && ao.seed == 1);
    zs_hopfield_run_opts ho;
    memset(&ho, 0xff, sizeof ho);
    zs_hopfield_run_defaults(&ho);
    CHECK(isinf(ho.beta) && ho.beta > 0 && ho.order == ZS_HOPFIELD_RANDOM && ho.max_sweeps == 100 &&
          ho.seed == 0 && ho.stream == 0);
    zs_hopfield_capacity_opts co;
    memset(&co, 0xff, sizeof co);
    zs_hopfield_capacity_defaults(&co);
    CHECK(co.trials == 10 && co.flip == 0.0 && co.seed == 0);
    zs_rbm_train_opts to;
    memset(&to, 0xff, sizeof to);
    zs_rbm_train_defaults(&to);
    CHECK(to.k == 1 && to.batch == 100 && to.lr == 0.05 && to.momentum == 0.0 &&
          to.weight_decay == 0.0 && to.persistent == 0);
}

static void levels_auto_should_run_the_closed_form(void) {
    const double e[] = {0.0, 1.3, 2.9};
    zs_levels *lv = NULL;
    CHECK(zs_levels_alloc(NULL, 3, e, NULL, &lv) == ZS_OK);
    zs_levels_thermo a, c;
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, &(zs_levels_thermo_opts){ZS_LEVELS_AUTO}, &a, NULL) == ZS_OK);
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, &(zs_levels_thermo_opts){ZS_LEVELS_CLOSED}, &c, NULL) == ZS_OK);
    CHECK(a.method == ZS_LEVELS_CLOSED && a.lnz == c.lnz && a.u == c.u && a.c == c.c);
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, &(zs_levels_thermo_opts){ZS_LEVELS_MACRO}, &c, NULL) == ZS_OK);
    CHECK(c.method == ZS_LEVELS_MACRO);
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, &(zs_levels_thermo_opts){(zs_levels_method)9}, &c, NULL) == ZS_EINVAL);
    /* The defaults, and NULL for them, are AUTO. */
    zs_levels_thermo_opts lo = {ZS_LEVELS_MACRO};
    zs_levels_thermo_defaults(&lo);
    CHECK(lo.method == ZS_LEVELS_AUTO);
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, NULL, &c, NULL) == ZS_OK && c.method == ZS_LEVELS_CLOSED && c.lnz == a.lnz);
    zs_pairwise_thermo_opts po = {ZS_PAIRWISE_CLOSED, 0};
    zs_pairwise_thermo_defaults(&po);
    CHECK(po.method == ZS_PAIRWISE_AUTO && po.max_seconds == ZS_PAIRWISE_ENUMERATE_SECONDS);
    zs_levels_free(lv);
}

static void mcmc_auto_should_pick_wolff_only_where_it_applies(void) {
    zs_lattice_spec spec = {4, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise *ferro = NULL, *field = NULL;
    CHECK(zs_pairwise_alloc_lattice(NULL, &spec, &ferro) == ZS_OK);
    spec.h = 0.3;
    CHECK(zs_pairwise_alloc_lattice(NULL, &spec, &field) == ZS_OK);
    zs_pairwise_sample_opts o;
    zs_pairwise_sample_defaults(&o);
    o.beta = 0.3;
    o.sweeps = 64;
    o.burnin = 10;
    o.chains = 2;
    o.seed = 3;
    zs_mcmc_result r;
    CHECK(zs_pairwise_sample(ferro, &o, &r) == ZS_OK && r.kind == ZS_MCMC_WOLFF);
    CHECK(r.mean_cluster > 0 && r.u.std_error > 0 && r.u.ess > 0);
    CHECK(zs_pairwise_sample(field, &o, &r) == ZS_OK && r.kind == ZS_MCMC_METROPOLIS);
    CHECK(r.acceptance > 0 && r.acceptance < 1);
    o.kind = (zs_mcmc_kind)9;
    CHECK(zs_pairwise_sample(field, &o, &r) == ZS_EINVAL);
    zs_pairwise_free(ferro);
    zs_pairwise_free(field);
}

static void binarize_auto_should_keep_binary_data_and_threshold_grey_data(void) {
    const uint64_t shape[2] = {2, 3};
    zs_array *a = NULL;
    CHECK(zs_array_alloc(NULL, ZS_DTYPE_F8, 2, shape, &a) == ZS_OK);
    double *x = zs_array_data(a);
    const double bin[6] = {0, 1, 1, 0, 0, 1};
    memcpy(x, bin, sizeof bin);
    CHECK(zs_data_binarize(NULL, a, ZS_BINARIZE_AUTO, (double)NAN, 1) == ZS_OK);
    CHECK(!memcmp(x, bin, sizeof bin));
    const double grey[6] = {0, 200, 90, 130, 255, 10}; /* threshold 127.5 */
    memcpy(x, grey, sizeof grey);
    CHECK(zs_data_binarize(NULL, a, ZS_BINARIZE_AUTO, (double)NAN, 1) == ZS_OK);
    CHECK(x[0] == 0 && x[1] == 1 && x[2] == 0 && x[3] == 1 && x[4] == 1 && x[5] == 0);
    zs_array_free(a);
}

static void capacity_overlap_should_be_an_estimate_over_trials(void) {
    const double alpha[1] = {0.05};
    zs_hopfield_capacity_point pt;
    CHECK(capacity_with(NULL, 60, alpha, 1, 5, 0.1, 11, &pt) == ZS_OK);
    CHECK(pt.overlap.ess == 5.0 && pt.overlap.std_error >= 0 && pt.overlap.value > 0.9);
    CHECK(capacity_with(NULL, 60, alpha, 1, 1, 0.1, 11, &pt) == ZS_OK);
    CHECK(pt.overlap.ess == 1.0 && pt.overlap.std_error == 0.0);
}

static void bad_settings_should_be_refused_by_name(void) {
    const int8_t x[8] = {1, -1, 1, -1, 1, 1, -1, -1};
    zs_patterns *pt = NULL;
    zs_hopfield *net = NULL;
    CHECK(zs_patterns_alloc(NULL, 2, 4, x, 0, 0, &pt) == ZS_OK);
    CHECK(zs_hopfield_alloc_hebbian(NULL, pt, &net) == ZS_OK);
    zs_hopfield_run_opts d;
    zs_hopfield_run_defaults(&d);
    int8_t s[4] = {1, 1, 1, 1};
    const double bad[] = {0.0, -1.0, (double)NAN};
    for (int k = 0; k < 3; k++) {
        d.beta = bad[k];
        CHECK(zs_hopfield_run(net, &d, s, NULL, NULL, NULL) == ZS_EINVAL);
    }
    d.beta = 2.0;
    zs_hopfield_result r;
    CHECK(zs_hopfield_run(net, &d, s, NULL, NULL, &r) == ZS_OK && r.sweeps == 100);
    zs_hopfield_free(net);
    zs_patterns_free(pt);

    zs_ctx *ctx = zs_ctx_alloc();
    zs_rbm *rbm = NULL;
    CHECK(zs_rbm_alloc(ctx, 3, 2, &rbm) == ZS_OK);
    zs_rbm_ais_opts o;
    zs_rbm_ais_defaults(&o);
    o.base = (zs_rbm_ais_base)9;
    zs_rbm_ais_result res;
    CHECK(zs_rbm_lnz_ais(rbm, &o, &res) == ZS_EINVAL);
    CHECK(strstr(zs_last_error(ctx), "unknown base") != NULL);
    /* AUTO without data or rates: the uniform base, whose ln Z_A = (nv + nh) ln 2 here. */
    double *b = NULL;
    size_t nb = 0;
    CHECK(zs_rbm_schedule_linear(10, &b, &nb) == ZS_OK);
    zs_rbm_ais_defaults(&o);
    o.betas = b, o.nbetas = nb, o.chains = 4;
    CHECK(zs_rbm_lnz_ais(rbm, &o, &res) == ZS_OK);
    CHECK(res.base == ZS_RBM_AIS_BASE_UNIFORM && fabs(res.lnz_base - 5 * log(2.0)) < 1e-12);
    /* All parameters zero: every weight is 1, so ln Z is exact and the error 0. */
    CHECK(fabs(res.lnz.value - 5 * log(2.0)) < 1e-12 && res.lnz.std_error == 0.0 && res.lnz.ess == 4.0);
    free(b);
    zs_rbm_free(rbm);
    zs_ctx_free(ctx);
}

int main(void) {
    RUN(every_enum_name_should_read_back_to_its_value);
    RUN(names_should_be_the_command_line_words);
    RUN(defaults_should_have_their_documented_values);
    RUN(levels_auto_should_run_the_closed_form);
    RUN(mcmc_auto_should_pick_wolff_only_where_it_applies);
    RUN(binarize_auto_should_keep_binary_data_and_threshold_grey_data);
    RUN(capacity_overlap_should_be_an_estimate_over_trials);
    RUN(bad_settings_should_be_refused_by_name);
    return check_summary("test_api");
}
