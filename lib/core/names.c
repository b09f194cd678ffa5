/* names.c — the name of every value of every public enumeration, and back (zsum.h: "Names of
 * enumerations"). One table per enum, indexed by value, so a name and its inverse cannot
 * drift; the names are the words the command line accepts and prints. */
#include "zsum.h"

#include <string.h>

/* The index of name in table (n entries, NULL entries skipped), or -1. */
static int find(const char *const *table, int n, const char *name) {
    if (!name) return -1;
    for (int i = 0; i < n; i++)
        if (table[i] && !strcmp(table[i], name)) return i;
    return -1;
}

#define COUNT(t) ((int)(sizeof(t) / sizeof((t)[0])))

/* NAME_FNS(prefix, type, table, offset): zs_<prefix>_name and zs_<prefix>_from_name for an
 * enum whose value v has the name table[v + offset] (offset is nonzero only for zs_status,
 * whose values run from 0 down). */
#define NAME_FNS(prefix, type, table, offset)                                                  \
    const char *zs_##prefix##_name(type v) {                                                   \
        int i = (int)v + (offset);                                                             \
        return i >= 0 && i < COUNT(table) && table[i] ? table[i] : "unknown";                  \
    }                                                                                          \
    zs_status zs_##prefix##_from_name(const char *name, type *out) {                           \
        int i = find(table, COUNT(table), name);                                               \
        if (i < 0 || !out) return ZS_EINVAL;                                                   \
        *out = (type)(i - (offset));                                                           \
        return ZS_OK;                                                                          \
    }

/* zs_status runs 0, -1, ..., -9: entry i is the status -i. */
static const char *const status_names[] = {"OK",     "EINVAL", "ENOMEM",  "ERANGE",      "EIO",
                                           "EFORMAT", "ETOOBIG", "ENUMERIC", "EUNSUPPORTED",
                                           "ECANCELLED"};
const char *zs_status_name(zs_status status) {
    int i = -(int)status;
    return i >= 0 && i < COUNT(status_names) ? status_names[i] : "unknown";
}
zs_status zs_status_from_name(const char *name, zs_status *out) {
    int i = find(status_names, COUNT(status_names), name);
    if (i < 0 || !out) return ZS_EINVAL;
    *out = (zs_status)(-i);
    return ZS_OK;
}

static const char *const levels_method_names[] = {
    [ZS_LEVELS_CLOSED] = "closed", [ZS_LEVELS_MACRO] = "macro",
    [ZS_LEVELS_ENUMERATE] = "enumerate", [ZS_LEVELS_AUTO] = "auto"};
NAME_FNS(levels_method, zs_levels_method, levels_method_names, 0)

static const char *const pairwise_method_names[] = {
    [ZS_PAIRWISE_AUTO] = "auto", [ZS_PAIRWISE_ENUMERATE] = "enumerate",
    [ZS_PAIRWISE_TRANSFER] = "transfer", [ZS_PAIRWISE_CLOSED] = "closed"};
NAME_FNS(pairwise_method, zs_pairwise_method, pairwise_method_names, 0)

static const char *const mcmc_kind_names[] = {
    [ZS_MCMC_METROPOLIS] = "metropolis", [ZS_MCMC_HEATBATH] = "heatbath",
    [ZS_MCMC_WOLFF] = "wolff", [ZS_MCMC_AUTO] = "auto"};
NAME_FNS(mcmc_kind, zs_mcmc_kind, mcmc_kind_names, 0)

static const char *const hopfield_order_names[] = {[ZS_HOPFIELD_SEQUENTIAL] = "sequential",
                                                   [ZS_HOPFIELD_RANDOM] = "random"};
NAME_FNS(hopfield_order, zs_hopfield_order, hopfield_order_names, 0)

static const char *const rbm_ais_base_names[] = {
    [ZS_RBM_AIS_BASE_UNIFORM] = "uniform", [ZS_RBM_AIS_BASE_DATA] = "data",
    [ZS_RBM_AIS_BASE_MODEL] = "model", [ZS_RBM_AIS_BASE_RATE] = "rate",
    [ZS_RBM_AIS_BASE_AUTO] = "auto"};
NAME_FNS(rbm_ais_base, zs_rbm_ais_base, rbm_ais_base_names, 0)

static const char *const rbm_reverse_start_names[] = {
    [ZS_RBM_REVERSE_NONE] = "none", [ZS_RBM_REVERSE_PT] = "pt", [ZS_RBM_REVERSE_DATA] = "data",
    [ZS_RBM_REVERSE_AUTO] = "auto"};
NAME_FNS(rbm_reverse_start, zs_rbm_reverse_start, rbm_reverse_start_names, 0)

static const char *const dbm_ais_base_names[] = {
    [ZS_DBM_AIS_BASE_UNIFORM] = "uniform", [ZS_DBM_AIS_BASE_DATA] = "data",
    [ZS_DBM_AIS_BASE_MODEL] = "model", [ZS_DBM_AIS_BASE_AUTO] = "auto", [ZS_DBM_AIS_BASE_PT] = "pt"};
NAME_FNS(dbm_ais_base, zs_dbm_ais_base, dbm_ais_base_names, 0)

static const char *const dbm_negative_names[] = {
    [ZS_DBM_NEGATIVE_PERSISTENT] = "persistent", [ZS_DBM_NEGATIVE_EXACT] = "exact",
    [ZS_DBM_NEGATIVE_MEAN_FIELD] = "mean-field", [ZS_DBM_NEGATIVE_AUTO] = "auto"};
NAME_FNS(dbm_negative, zs_dbm_negative, dbm_negative_names, 0)

static const char *const bm_negative_names[] = {
    [ZS_BM_NEGATIVE_PERSISTENT] = "persistent", [ZS_BM_NEGATIVE_EXACT] = "exact",
    [ZS_BM_NEGATIVE_MEAN_FIELD] = "mean-field", [ZS_BM_NEGATIVE_AUTO] = "auto"};
NAME_FNS(bm_negative, zs_bm_negative, bm_negative_names, 0)

static const char *const binarize_names[] = {
    [ZS_BINARIZE_NONE] = "none", [ZS_BINARIZE_THRESHOLD] = "threshold",
    [ZS_BINARIZE_STOCHASTIC] = "stochastic", [ZS_BINARIZE_AUTO] = "auto"};
NAME_FNS(binarize, zs_binarize, binarize_names, 0)

/* The words of the UAI header. */
static const char *const factor_kind_names[] = {[ZS_FACTOR_MARKOV] = "MARKOV",
                                                [ZS_FACTOR_BAYES] = "BAYES"};
NAME_FNS(factor_kind, zs_factor_kind, factor_kind_names, 0)

static const char *const factor_order_names[] = {
    [ZS_ORDER_MINFILL] = "minfill", [ZS_ORDER_MINDEGREE] = "mindegree",
    [ZS_ORDER_WEIGHTED_MINFILL] = "weighted-minfill", [ZS_ORDER_FILE] = "file",
    [ZS_ORDER_AUTO] = "auto"};
NAME_FNS(factor_order, zs_factor_order, factor_order_names, 0)

static const char *const factor_approx_names[] = {
    [ZS_APPROX_MF] = "mf", [ZS_APPROX_BP] = "bp", [ZS_APPROX_TRW] = "trw",
    [ZS_APPROX_MBE] = "mbe", [ZS_APPROX_GBP] = "gbp", [ZS_APPROX_AUTO] = "auto"};
NAME_FNS(factor_approx, zs_factor_approx, factor_approx_names, 0)

static const char *const factor_exact_names[] = {
    [ZS_EXACT_ELIM] = "elim", [ZS_EXACT_SEARCH] = "search", [ZS_EXACT_AUTO] = "auto"};
NAME_FNS(factor_exact, zs_factor_exact, factor_exact_names, 0)

static const char *const bound_kind_names[] = {[ZS_BOUND_LOWER] = "lower-bound",
                                               [ZS_BOUND_UPPER] = "upper-bound",
                                               [ZS_BOUND_ESTIMATE] = "estimate"};
NAME_FNS(bound_kind, zs_bound_kind, bound_kind_names, 0)

static const char *const factor_schedule_names[] = {[ZS_SCHEDULE_SEQUENTIAL] = "sequential",
                                                    [ZS_SCHEDULE_PARALLEL] = "parallel",
                                                    [ZS_SCHEDULE_AUTO] = "auto"};
NAME_FNS(factor_schedule, zs_factor_schedule, factor_schedule_names, 0)
