/* test_api.c — the API's shared shapes: every enum's name and its inverse, the AUTO rules,
 * option defaults, and the estimate type of each family's random results. */
#include "check.h"

#include <zsum.h>

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
    zs_mcmc_options mo;
    memset(&mo, 0xff, sizeof mo);
    zs_pairwise_sample_defaults(&mo);
    CHECK(mo.kind == ZS_MCMC_AUTO && mo.beta == 1.0 && mo.sweeps == 10000 && mo.burnin == 1000 &&
          mo.chains == 4 && mo.seed == 0);
    zs_rbm_ais_opts ao;
    memset(&ao, 0xff, sizeof ao);
    zs_rbm_ais_defaults(&ao);
    CHECK(ao.chains == 100 && ao.base == ZS_RBM_AIS_BASE_AUTO && ao.betas == NULL &&
          ao.data == NULL && ao.rate == NULL && ao.pseudocount == 1.0 && ao.seed == 1);
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
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, ZS_LEVELS_AUTO, &a, NULL) == ZS_OK);
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, ZS_LEVELS_CLOSED, &c, NULL) == ZS_OK);
    CHECK(a.method == ZS_LEVELS_CLOSED && a.lnz == c.lnz && a.u == c.u && a.c == c.c);
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, ZS_LEVELS_MACRO, &c, NULL) == ZS_OK);
    CHECK(c.method == ZS_LEVELS_MACRO);
    CHECK(zs_levels_thermo_compute(lv, 7, 0.6, (zs_levels_method)9, &c, NULL) == ZS_EINVAL);
    zs_levels_free(lv);
}

static void mcmc_auto_should_pick_wolff_only_where_it_applies(void) {
    zs_lattice_spec spec = {4, 4, 1, 1, 1.0, 0.0, NULL, NULL, NULL};
    zs_pairwise *ferro = NULL, *field = NULL;
    CHECK(zs_pairwise_alloc_lattice(NULL, &spec, &ferro) == ZS_OK);
    spec.h = 0.3;
    CHECK(zs_pairwise_alloc_lattice(NULL, &spec, &field) == ZS_OK);
    zs_mcmc_options o;
    zs_pairwise_sample_defaults(&o);
    o.beta = 0.3;
    o.sweeps = 64;
    o.burnin = 10;
    o.chains = 2;
    o.seed = 3;
    zs_mcmc_result r;
    CHECK(zs_pairwise_sample(ferro, &o, &r) == ZS_OK && r.kind == ZS_MCMC_WOLFF);
    CHECK(r.mean_cluster > 0 && r.u.std_error > 0 && isnan(r.u.ess));
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
    CHECK(zs_hopfield_capacity(NULL, 60, alpha, 1, 5, 0.1, 11, &pt) == ZS_OK);
    CHECK(pt.overlap.ess == 5.0 && pt.overlap.std_error >= 0 && pt.overlap.value > 0.9);
    CHECK(zs_hopfield_capacity(NULL, 60, alpha, 1, 1, 0.1, 11, &pt) == ZS_OK);
    CHECK(pt.overlap.ess == 1.0 && pt.overlap.std_error == 0.0);
}

int main(void) {
    RUN(every_enum_name_should_read_back_to_its_value);
    RUN(names_should_be_the_command_line_words);
    RUN(defaults_should_have_their_documented_values);
    RUN(levels_auto_should_run_the_closed_form);
    RUN(mcmc_auto_should_pick_wolff_only_where_it_applies);
    RUN(binarize_auto_should_keep_binary_data_and_threshold_grey_data);
    RUN(capacity_overlap_should_be_an_estimate_over_trials);
    return check_summary("test_api");
}
