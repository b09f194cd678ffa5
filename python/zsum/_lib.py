"""zsum._lib — libzsum through ctypes: finding and loading the library, the declared C
signatures, the exceptions of zs_status, contexts and threads, and the array rules.

Every C function the package calls is declared once, in SIGNATURES, with the C types of the
header written as text; the ctypes types are derived from that text. The ABI test
(python/tests/test_abi.py) writes the same text back as C and compiles it against
include/zsum.h with -Werror, so a header that drifts from these declarations fails a test
instead of corrupting memory. Structures are declared the same way (STRUCTS), and the test
checks each member's offset and each structure's size with the compiler.

ctypes.CDLL releases the GIL for the duration of every foreign call: a long computation in one
Python thread lets other Python threads run (docs/python.md, "Threads and the GIL").
"""
import ctypes
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char_p, c_double, c_float, c_int,
                    c_int8, c_int32, c_size_t, c_uint, c_uint8, c_uint32, c_uint64, c_void_p)

import numpy as np

from ._version import __version__

# ---------------------------------------------------------------------------------------------
# Structures: (member, C type) in declaration order, exactly as in the public headers.
# ---------------------------------------------------------------------------------------------
STRUCTS = {
    "zs_estimate": [("value", "double"), ("std_error", "double"), ("ess", "double")],
    "zs_interval": [("lo", "double"), ("hi", "double"), ("confidence", "double")],
    "zs_rng": [("s", "uint64_t[4]")],
    "zs_count": [("decimal", "char *"), ("log10", "double")],
    "zs_levels_thermo": [("lnz", "double"), ("lnz_unit", "double"), ("u", "double"),
                         ("f", "double"), ("s", "double"), ("s_thermo", "double"),
                         ("c", "double"), ("method", "zs_levels_method")],
    "zs_levels_thermo_opts": [("method", "zs_levels_method")],
    "zs_levels_state_info": [("energy", "double"), ("lnp", "double"), ("p", "double")],
    "zs_lattice_spec": [("rows", "size_t"), ("cols", "size_t"), ("periodic_rows", "int"),
                        ("periodic_cols", "int"), ("j", "double"), ("h", "double"),
                        ("jh", "const double *"), ("jv", "const double *"),
                        ("hs", "const double *")],
    "zs_pairwise_thermo": [("lnz", "double"), ("u", "double"), ("f", "double"), ("s", "double"),
                           ("c", "double"), ("m", "double"), ("absm", "double"),
                           ("chi", "double"), ("method", "zs_pairwise_method")],
    "zs_pairwise_thermo_opts": [("method", "zs_pairwise_method"), ("max_seconds", "double")],
    "zs_pairwise_sample_opts": [("kind", "zs_mcmc_kind"), ("beta", "double"),
                                ("sweeps", "uint64_t"), ("burnin", "uint64_t"),
                                ("chains", "uint64_t"), ("seed", "uint64_t")],
    "zs_mcmc_result": [("u", "zs_estimate"), ("m", "zs_estimate"), ("absm", "zs_estimate"),
                       ("c", "zs_estimate"), ("chi", "zs_estimate"), ("kind", "zs_mcmc_kind"),
                       ("acceptance", "double"), ("mean_cluster", "double"),
                       ("chi_abs", "zs_estimate"), ("binder", "zs_estimate"),
                       ("tau_u", "double"), ("tau_m", "double"), ("tau_absm", "double"),
                       ("rhat_u", "double"), ("rhat_m", "double"), ("rhat_absm", "double"),
                       ("mixed", "int")],
    "zs_hopfield_run_opts": [("beta", "double"), ("order", "zs_hopfield_order"),
                             ("max_sweeps", "uint64_t"), ("seed", "uint64_t"),
                             ("stream", "uint64_t")],
    "zs_hopfield_result": [("sweeps", "uint64_t"), ("converged", "int"), ("energy", "double")],
    "zs_hopfield_capacity_point": [("alpha", "double"), ("p", "size_t"),
                                   ("overlap", "zs_estimate"), ("perfect", "double"),
                                   ("sweeps", "double")],
    "zs_hopfield_capacity_opts": [("trials", "size_t"), ("flip", "double"), ("seed", "uint64_t")],
    "zs_rbm_ais_opts": [("chains", "size_t"), ("betas", "const double *"), ("nbetas", "size_t"),
                        ("base", "zs_rbm_ais_base"), ("data", "const uint8_t *"),
                        ("n_data", "size_t"), ("pseudocount", "double"),
                        ("rate", "const double *"), ("seed", "uint64_t")],
    "zs_rbm_ais_result": [("lnz", "zs_estimate"), ("band", "zs_interval"),
                          ("lnz_base", "double"), ("chains", "size_t"),
                          ("temperatures", "size_t"), ("base", "zs_rbm_ais_base")],
    "zs_rbm_train_opts": [("k", "size_t"), ("persistent", "int"), ("batch", "size_t"),
                          ("lr", "double"), ("momentum", "double"), ("weight_decay", "double"),
                          ("seed", "uint64_t")],
    "zs_rbm_train_state": [("velocity_w", "float *"), ("velocity_vbias", "float *"),
                           ("velocity_hbias", "float *"), ("chains", "float *"),
                           ("epoch", "uint64_t"), ("chains_ready", "int")],
    "zs_factor_plan_info": [("eliminated", "size_t"), ("width", "size_t"),
                            ("max_table_entries", "double"), ("peak_bytes", "double"),
                            ("work", "double"), ("fallback", "int"),
                            ("chosen", "zs_factor_order"), ("conditioned", "size_t"),
                            ("assignments", "double"), ("total_work", "double")],
    "zs_factor_marginals_opts": [("max_bytes", "double"), ("log", "int")],
    "zs_factor_approx_opts": [("damping", "double"), ("max_iter", "uint64_t"),
                              ("tol", "double"), ("restarts", "unsigned"), ("seed", "uint64_t"),
                              ("i_bound", "unsigned"), ("trees", "unsigned"),
                              ("schedule", "zs_factor_schedule"), ("max_seconds", "double"),
                              ("max_bytes", "double")],
    "zs_factor_search_opts": [("max_bytes", "double"), ("max_seconds", "double"),
                              ("max_decisions", "uint64_t"), ("learn", "int"),
                              ("activity", "int"), ("td_weight", "double"),
                              ("eliminate", "int")],
    "zs_factor_search_stats": [("decisions", "uint64_t"), ("conflicts", "uint64_t"),
                               ("components", "uint64_t"), ("cache_hits", "uint64_t"),
                               ("cache_entries", "uint64_t"), ("cache_bytes", "double"),
                               ("cache_full", "int"), ("clauses", "size_t"),
                               ("max_depth", "size_t"), ("seconds", "double"),
                               ("learned", "uint64_t"), ("td_width", "size_t"),
                               ("eliminated", "size_t")],
    "zs_factor_approx_result": [("lnz", "double"), ("kind", "zs_bound_kind"),
                                ("method", "zs_factor_approx"), ("converged", "int"),
                                ("iterations", "uint64_t"), ("seconds", "double"),
                                ("residual", "double")],
    "zs_sandwich": [("gap", "double"), ("bracket", "zs_interval"), ("agree", "int")],
    "zs_rbm_sandwich_opts": [("ais", "zs_rbm_ais_opts"), ("reverse", "zs_rbm_reverse_start"),
                             ("start_rows", "const uint8_t *"), ("n_start", "size_t"),
                             ("pt_temperatures", "size_t"), ("pt_sweeps", "uint64_t"),
                             ("pt_ladders", "size_t")],
    "zs_rbm_sandwich_result": [("forward", "zs_rbm_ais_result"), ("base_from_pt", "int"),
                               ("reverse", "zs_rbm_reverse_start"), ("upper", "zs_estimate"),
                               ("upper_band", "zs_interval"), ("sandwich", "zs_sandwich"),
                               ("pt_swap_min", "double"), ("pt_seconds", "double"),
                               ("forward_seconds", "double"), ("reverse_seconds", "double")],
    "zs_dbm_mf_opts": [("max_iterations", "size_t"), ("tolerance", "double")],
    "zs_dbm_bethe_opts": [("max_iterations", "size_t"), ("tolerance", "double"),
                          ("damping", "double")],
    "zs_dbm_ais_opts": [("chains", "size_t"), ("betas", "const double *"), ("nbetas", "size_t"),
                        ("base", "zs_dbm_ais_base"), ("data", "const uint8_t *"),
                        ("n_data", "size_t"), ("pseudocount", "double"), ("seed", "uint64_t")],
    "zs_dbm_ais_result": [("lnz", "zs_estimate"), ("band", "zs_interval"),
                          ("lnz_base", "double"), ("chains", "size_t"),
                          ("temperatures", "size_t"), ("base", "zs_dbm_ais_base")],
    "zs_dbm_sandwich_opts": [("ais", "zs_dbm_ais_opts"), ("reverse", "zs_rbm_reverse_start"),
                             ("start_rows", "const uint8_t *"), ("n_start", "size_t"),
                             ("start_sweeps", "uint64_t"), ("pt_temperatures", "size_t"),
                             ("pt_sweeps", "uint64_t"), ("pt_ladders", "size_t")],
    "zs_dbm_sandwich_result": [("forward", "zs_dbm_ais_result"),
                               ("reverse", "zs_rbm_reverse_start"), ("upper", "zs_estimate"),
                               ("upper_band", "zs_interval"), ("sandwich", "zs_sandwich"),
                               ("pt_swap_min", "double"), ("pt_seconds", "double"),
                               ("forward_seconds", "double"), ("reverse_seconds", "double")],
    "zs_dbm_sample_opts": [("chains", "size_t"), ("steps", "uint64_t"), ("seed", "uint64_t"),
                           ("init", "const uint8_t *"), ("n_init", "size_t")],
    "zs_dbm_pretrain_opts": [("epochs", "size_t"), ("batch", "size_t"), ("lr", "double"),
                             ("momentum", "double"), ("weight_decay", "double"),
                             ("init_std", "double"), ("seed", "uint64_t"),
                             ("per_layer", "int"), ("layer_epochs", "size_t[65]"),
                             ("cd_step_epochs", "size_t"), ("resample", "int")],
    "zs_dbm_train_opts": [("negative", "zs_dbm_negative"), ("batch", "size_t"),
                          ("lr", "double"), ("lr_decay", "double"), ("momentum", "double"),
                          ("weight_decay", "double"), ("chains", "size_t"),
                          ("gibbs_steps", "size_t"), ("mf_iterations", "size_t"),
                          ("mf_tolerance", "double"), ("seed", "uint64_t"),
                          ("lr_divisor", "double"), ("lr_min", "double"),
                          ("sparsity_cost", "double"), ("sparsity_damping", "double"),
                          ("sparsity_target", "double[65]"), ("resample", "int")],
    "zs_bm_train_opts": [("negative", "zs_bm_negative"), ("batch", "size_t"), ("lr", "double"),
                         ("lr_decay", "double"), ("momentum", "double"),
                         ("weight_decay", "double"), ("chains", "size_t"),
                         ("gibbs_steps", "size_t"), ("mf_iterations", "size_t"),
                         ("mf_tolerance", "double"), ("seed", "uint64_t")],
    "zs_bm_monitor": [("lnz", "double"), ("lnz_mf", "double"), ("lnz_bethe", "double"),
                      ("bethe_converged", "int"), ("loglik", "double")],
}

# Callback types: (return type, parameter types).
CALLBACKS = {
    "zs_progress_fn": ("int", ("void *", "const char *", "double", "double")),
    "zs_levels_microstate_fn": ("int", ("void *", "const uint32_t *", "const uint32_t *",
                                        "double", "double")),
    "zs_levels_macrostate_fn": ("int", ("void *", "const uint64_t *", "const char *", "double",
                                        "double")),
    "zs_levels_dos_fn": ("int", ("void *", "double", "const char *", "double")),
    "zs_pairwise_dos_fn": ("int", ("void *", "double", "const char *")),
    "zs_hopfield_sweep_fn": ("int", ("void *", "uint64_t", "const int8_t *", "double",
                                     "const double *", "size_t")),
}

# Enumerations are C ints (the header pins their values).
ENUMS = ("zs_status", "zs_levels_method", "zs_pairwise_method", "zs_mcmc_kind",
         "zs_hopfield_order", "zs_rbm_ais_base", "zs_binarize", "zs_dtype", "zs_factor_kind",
         "zs_factor_order", "zs_factor_approx", "zs_bound_kind", "zs_factor_schedule",
         "zs_rbm_reverse_start", "zs_dbm_ais_base", "zs_dbm_negative", "zs_bm_negative",
         "zs_factor_exact")

# Opaque handles: passed and returned as void pointers.
OPAQUE = ("zs_ctx", "zs_levels", "zs_pairwise", "zs_patterns", "zs_hopfield", "zs_rbm",
          "zs_rbm_trainer", "zs_array", "zs_npz", "zs_factor_model", "zs_factor_plan", "zs_dbm",
          "zs_dbm_trainer", "zs_bm_trainer", "zs_dbm_pretrainer")

# ---------------------------------------------------------------------------------------------
# Functions: (name, return type, parameter types), as declared in include/zsum.h and zsum/*.h.
# ---------------------------------------------------------------------------------------------
SIGNATURES = (
    ("zs_version", "const char *", ()),
    ("zs_strerror", "const char *", ("zs_status",)),
    ("zs_status_name", "const char *", ("zs_status",)),
    ("zs_status_from_name", "zs_status", ("const char *", "zs_status *")),
    ("zs_format_bytes", "const char *", ("char *", "double")),
    ("zs_ctx_alloc", "zs_ctx *", ()),
    ("zs_ctx_free", "void", ("zs_ctx *",)),
    ("zs_last_error", "const char *", ("const zs_ctx *",)),
    ("zs_ctx_set_progress", "void", ("zs_ctx *", "zs_progress_fn", "void *")),
    ("zs_ctx_set_threads", "void", ("zs_ctx *", "int")),
    ("zs_ctx_threads", "int", ("const zs_ctx *",)),
    ("zs_ctx_threads_for", "int", ("const zs_ctx *", "size_t")),
    ("zs_ctx_set_input_limit", "void", ("zs_ctx *", "uint64_t")),
    ("zs_monotonic_seconds", "double", ()),
    ("zs_logsumexp", "double", ("const double *", "size_t")),
    ("zs_logaddexp", "double", ("double", "double")),
    ("zs_softplus", "double", ("double",)),
    ("zs_log1mexp", "double", ("double",)),
    ("zs_rng_init", "void", ("zs_rng *", "uint64_t", "uint64_t")),
    ("zs_rng_next", "uint64_t", ("zs_rng *",)),
    ("zs_rng_fill", "void", ("zs_rng *", "uint64_t *", "size_t")),
    ("zs_rng_uniform", "double", ("zs_rng *",)),
    ("zs_rng_below", "uint64_t", ("zs_rng *", "uint64_t")),
    ("zs_rng_normal", "double", ("zs_rng *",)),
    ("zs_seed_from_entropy", "uint64_t", ()),
    ("zs_count_clear", "void", ("zs_count *",)),
    ("zs_levels_alloc", "zs_status", ("zs_ctx *", "size_t", "const double *", "const double *", "zs_levels **")),
    ("zs_levels_free", "void", ("zs_levels *",)),
    ("zs_levels_count", "size_t", ("const zs_levels *",)),
    ("zs_levels_energy", "double", ("const zs_levels *", "size_t")),
    ("zs_levels_degeneracy", "uint64_t", ("const zs_levels *", "size_t")),
    ("zs_levels_unit_states", "uint64_t", ("const zs_levels *",)),
    ("zs_levels_method_name", "const char *", ("zs_levels_method",)),
    ("zs_levels_method_from_name", "zs_status", ("const char *", "zs_levels_method *")),
    ("zs_levels_thermo_defaults", "void", ("zs_levels_thermo_opts *",)),
    ("zs_levels_thermo_compute", "zs_status", ("const zs_levels *", "size_t", "double", "const zs_levels_thermo_opts *", "zs_levels_thermo *", "double *")),
    ("zs_levels_thermo_seconds", "double", ("const zs_levels *", "size_t", "const zs_levels_thermo_opts *")),
    ("zs_levels_lnz_enumerate", "zs_status", ("const zs_levels *", "size_t", "double", "double *")),
    ("zs_levels_microstate_count", "zs_status", ("const zs_levels *", "size_t", "size_t", "zs_count *")),
    ("zs_levels_state", "zs_status", ("const zs_levels *", "size_t", "const uint32_t *", "double", "zs_levels_state_info *", "uint64_t *", "zs_count *")),
    ("zs_levels_microstates", "zs_status", ("const zs_levels *", "size_t", "double", "double", "zs_levels_microstate_fn", "void *")),
    ("zs_levels_macrostates", "zs_status", ("const zs_levels *", "size_t", "double", "double", "zs_levels_macrostate_fn", "void *")),
    ("zs_levels_dos", "zs_status", ("const zs_levels *", "size_t", "double", "double", "zs_levels_dos_fn", "void *")),
    ("zs_two_state_entropy", "double", ("double",)),
    ("zs_levels_landscape", "zs_status", ("const zs_levels *", "double", "double", "double *", "double *")),
    ("zs_levels_landscape_min", "zs_status", ("const zs_levels *", "double", "double *", "double *")),
    ("zs_dtype_name", "const char *", ("zs_dtype",)),
    ("zs_dtype_size", "size_t", ("zs_dtype",)),
    ("zs_array_alloc", "zs_status", ("zs_ctx *", "zs_dtype", "int", "const uint64_t *", "zs_array **")),
    ("zs_array_free", "void", ("zs_array *",)),
    ("zs_array_ndim", "int", ("const zs_array *",)),
    ("zs_array_dim", "uint64_t", ("const zs_array *", "int")),
    ("zs_array_size", "size_t", ("const zs_array *",)),
    ("zs_array_dtype", "zs_dtype", ("const zs_array *",)),
    ("zs_array_set_dtype", "void", ("zs_array *", "zs_dtype")),
    ("zs_array_data", "double *", ("zs_array *",)),
    ("zs_array_cdata", "const double *", ("const zs_array *",)),
    ("zs_array_to_f32", "void", ("const zs_array *", "float *")),
    ("zs_array_shape_str", "const char *", ("const zs_array *", "char *", "size_t")),
    ("zs_npy_read", "zs_status", ("zs_ctx *", "const char *", "zs_array **")),
    ("zs_npy_read_mem", "zs_status", ("zs_ctx *", "const char *", "const void *", "size_t", "zs_array **")),
    ("zs_npy_write", "zs_status", ("zs_ctx *", "const char *", "const zs_array *")),
    ("zs_npz_open", "zs_status", ("zs_ctx *", "const char *", "zs_npz **")),
    ("zs_npz_open_mem", "zs_status", ("zs_ctx *", "const char *", "const void *", "size_t", "zs_npz **")),
    ("zs_npz_close", "void", ("zs_npz *",)),
    ("zs_npz_count", "size_t", ("const zs_npz *",)),
    ("zs_npz_name", "const char *", ("const zs_npz *", "size_t")),
    ("zs_npz_has", "int", ("const zs_npz *", "const char *")),
    ("zs_npz_get", "zs_status", ("zs_npz *", "const char *", "zs_array **")),
    ("zs_npz_read", "zs_status", ("zs_ctx *", "const char *", "const char *", "zs_array **")),
    ("zs_npz_write", "zs_status", ("zs_ctx *", "const char *", "size_t", "const char *const *", "const zs_array *const *", "int")),
    ("zs_patterns_alloc", "zs_status", ("zs_ctx *", "size_t", "size_t", "const int8_t *", "size_t", "size_t", "zs_patterns **")),
    ("zs_patterns_free", "void", ("zs_patterns *",)),
    ("zs_patterns_append", "zs_status", ("zs_ctx *", "zs_patterns *", "const zs_patterns *")),
    ("zs_patterns_count", "size_t", ("const zs_patterns *",)),
    ("zs_patterns_units", "size_t", ("const zs_patterns *",)),
    ("zs_patterns_data", "const int8_t *", ("const zs_patterns *",)),
    ("zs_patterns_shape", "int", ("const zs_patterns *", "size_t *", "size_t *")),
    ("zs_patterns_set_shape", "zs_status", ("zs_ctx *", "zs_patterns *", "size_t", "size_t")),
    ("zs_hopfield_alloc_hebbian", "zs_status", ("zs_ctx *", "const zs_patterns *", "zs_hopfield **")),
    ("zs_hopfield_alloc_projection", "zs_status", ("zs_ctx *", "const zs_patterns *", "zs_hopfield **")),
    ("zs_hopfield_alloc", "zs_status", ("zs_ctx *", "size_t", "const double *", "const zs_patterns *", "zs_hopfield **")),
    ("zs_hopfield_free", "void", ("zs_hopfield *",)),
    ("zs_hopfield_units", "size_t", ("const zs_hopfield *",)),
    ("zs_hopfield_pattern_count", "size_t", ("const zs_hopfield *",)),
    ("zs_hopfield_patterns", "const zs_patterns *", ("const zs_hopfield *",)),
    ("zs_hopfield_couplings", "void", ("const zs_hopfield *", "double *")),
    ("zs_hopfield_is_integer", "int", ("const zs_hopfield *",)),
    ("zs_hopfield_save", "zs_status", ("const zs_hopfield *", "const char *")),
    ("zs_hopfield_load", "zs_status", ("zs_ctx *", "const char *", "zs_hopfield **")),
    ("zs_hopfield_energy", "double", ("const zs_hopfield *", "const int8_t *")),
    ("zs_hopfield_overlaps", "zs_status", ("const zs_hopfield *", "const int8_t *", "double *")),
    ("zs_hopfield_order_name", "const char *", ("zs_hopfield_order",)),
    ("zs_hopfield_order_from_name", "zs_status", ("const char *", "zs_hopfield_order *")),
    ("zs_hopfield_run_defaults", "void", ("zs_hopfield_run_opts *",)),
    ("zs_hopfield_run", "zs_status", ("const zs_hopfield *", "const zs_hopfield_run_opts *", "int8_t *", "zs_hopfield_sweep_fn", "void *", "zs_hopfield_result *")),
    ("zs_pattern_flip", "size_t", ("int8_t *", "size_t", "double", "zs_rng *")),
    ("zs_hopfield_capacity_defaults", "void", ("zs_hopfield_capacity_opts *",)),
    ("zs_hopfield_capacity_seconds", "double", ("const zs_ctx *", "size_t", "const double *", "size_t", "const zs_hopfield_capacity_opts *")),
    ("zs_hopfield_capacity", "zs_status", ("zs_ctx *", "size_t", "const double *", "size_t", "const zs_hopfield_capacity_opts *", "zs_hopfield_capacity_point *")),
    ("zs_pairwise_alloc_dense", "zs_status", ("zs_ctx *", "size_t", "const double *", "const double *", "zs_pairwise **")),
    ("zs_pairwise_alloc_bm", "zs_status", ("zs_ctx *", "size_t", "const double *", "const double *", "zs_pairwise **")),
    ("zs_pairwise_load_bm", "zs_status", ("zs_ctx *", "const char *", "int", "zs_pairwise **")),
    ("zs_pairwise_alloc_random_bm", "zs_status", ("zs_ctx *", "size_t", "uint64_t", "zs_pairwise **")),
    ("zs_pairwise_alloc_lattice", "zs_status", ("zs_ctx *", "const zs_lattice_spec *", "zs_pairwise **")),
    ("zs_pairwise_free", "void", ("zs_pairwise *",)),
    ("zs_pairwise_units", "size_t", ("const zs_pairwise *",)),
    ("zs_pairwise_offset", "double", ("const zs_pairwise *",)),
    ("zs_pairwise_lattice", "int", ("const zs_pairwise *", "size_t *", "size_t *", "int *", "int *")),
    ("zs_pairwise_is_integer", "int", ("const zs_pairwise *",)),
    ("zs_pairwise_is_ferromagnetic", "int", ("const zs_pairwise *",)),
    ("zs_pairwise_energy", "double", ("const zs_pairwise *", "const int8_t *")),
    ("zs_pairwise_dense", "zs_status", ("const zs_pairwise *", "double *", "double *")),
    ("zs_pairwise_bm_params", "zs_status", ("const zs_pairwise *", "double *", "double *", "double *")),
    ("zs_pairwise_method_name", "const char *", ("zs_pairwise_method",)),
    ("zs_pairwise_method_from_name", "zs_status", ("const char *", "zs_pairwise_method *")),
    ("zs_pairwise_thermo_compute", "zs_status", ("const zs_pairwise *", "double", "const zs_pairwise_thermo_opts *", "zs_pairwise_thermo *")),
    ("zs_pairwise_enumerate_seconds", "double", ("const zs_pairwise *",)),
    ("zs_pairwise_thermo_seconds", "double", ("const zs_pairwise *", "double", "const zs_pairwise_thermo_opts *")),
    ("zs_lattice_thermo_seconds", "double", ("zs_ctx *", "const zs_lattice_spec *", "double", "const zs_pairwise_thermo_opts *")),
    ("zs_pairwise_thermo_defaults", "void", ("zs_pairwise_thermo_opts *",)),
    ("zs_lattice_thermo_compute", "zs_status", ("zs_ctx *", "const zs_lattice_spec *", "double", "const zs_pairwise_thermo_opts *", "zs_pairwise_thermo *")),
    ("zs_pairwise_lnz_enumerate", "zs_status", ("const zs_pairwise *", "double", "double *")),
    ("zs_pairwise_lnz_transfer", "zs_status", ("const zs_pairwise *", "double", "double *")),
    ("zs_ising_chain_lnz", "zs_status", ("size_t", "int", "double", "double", "double *")),
    ("zs_ising_kaufman_lnz", "zs_status", ("size_t", "size_t", "double", "double *")),
    ("zs_ising_onsager_lnz_per_site", "double", ("double",)),
    ("zs_pairwise_dos", "zs_status", ("const zs_pairwise *", "zs_pairwise_method", "zs_pairwise_dos_fn", "void *")),
    ("zs_mcmc_kind_name", "const char *", ("zs_mcmc_kind",)),
    ("zs_mcmc_kind_from_name", "zs_status", ("const char *", "zs_mcmc_kind *")),
    ("zs_pairwise_sample_defaults", "void", ("zs_pairwise_sample_opts *",)),
    ("zs_pairwise_sample", "zs_status", ("const zs_pairwise *", "const zs_pairwise_sample_opts *", "zs_mcmc_result *")),
    ("zs_pairwise_sample_seconds", "double", ("const zs_pairwise *", "const zs_pairwise_sample_opts *")),
    ("zs_rbm_alloc", "zs_status", ("zs_ctx *", "size_t", "size_t", "zs_rbm **")),
    ("zs_rbm_free", "void", ("zs_rbm *",)),
    ("zs_rbm_nv", "size_t", ("const zs_rbm *",)),
    ("zs_rbm_nh", "size_t", ("const zs_rbm *",)),
    ("zs_rbm_w_mut", "double *", ("zs_rbm *",)),
    ("zs_rbm_vbias_mut", "double *", ("zs_rbm *",)),
    ("zs_rbm_hbias_mut", "double *", ("zs_rbm *",)),
    ("zs_rbm_w", "const double *", ("const zs_rbm *",)),
    ("zs_rbm_vbias", "const double *", ("const zs_rbm *",)),
    ("zs_rbm_hbias", "const double *", ("const zs_rbm *",)),
    ("zs_rbm_dtype", "zs_dtype", ("const zs_rbm *",)),
    ("zs_rbm_stored_frequency", "const double *", ("const zs_rbm *",)),
    ("zs_rbm_check", "zs_status", ("const zs_rbm *",)),
    ("zs_rbm_load", "zs_status", ("zs_ctx *", "const char *", "zs_rbm **")),
    ("zs_rbm_save", "zs_status", ("const zs_rbm *", "const char *", "zs_dtype", "size_t", "const char *const *", "const zs_array *const *")),
    ("zs_rbm_free_energy", "double", ("const zs_rbm *", "const double *")),
    ("zs_rbm_free_energies", "void", ("const zs_rbm *", "const double *", "size_t", "double *")),
    ("zs_rbm_loglik", "zs_status", ("const zs_rbm *", "const uint8_t *", "size_t", "double", "double *", "double *")),
    ("zs_rbm_hidden_probs", "zs_status", ("const zs_rbm *", "const uint8_t *", "size_t", "double *")),
    ("zs_rbm_exact_cost", "double", ("const zs_rbm *",)),
    ("zs_rbm_exact_seconds", "double", ("const zs_rbm *", "int")),
    ("zs_rbm_lnz_exact", "zs_status", ("const zs_rbm *", "double", "double *")),
    ("zs_rbm_ais_base_name", "const char *", ("zs_rbm_ais_base",)),
    ("zs_rbm_ais_base_from_name", "zs_status", ("const char *", "zs_rbm_ais_base *")),
    ("zs_rbm_ais_defaults", "void", ("zs_rbm_ais_opts *",)),
    ("zs_rbm_schedule_sm08", "zs_status", ("double **", "size_t *")),
    ("zs_rbm_schedule_linear", "zs_status", ("size_t", "double **", "size_t *")),
    ("zs_rbm_schedule_check", "zs_status", ("zs_ctx *", "const double *", "size_t")),
    ("zs_rbm_schedule_parse", "zs_status", ("zs_ctx *", "const char *", "double **", "size_t *")),
    ("zs_rbm_lnz_ais", "zs_status", ("const zs_rbm *", "const zs_rbm_ais_opts *", "zs_rbm_ais_result *")),
    ("zs_rbm_sample", "zs_status", ("const zs_rbm *", "size_t", "uint64_t", "uint64_t", "double *")),
    ("zs_rbm_sample_seconds", "double", ("const zs_rbm *", "size_t", "uint64_t")),
    ("zs_rbm_sample_from", "zs_status", ("const zs_rbm *", "size_t", "uint64_t", "uint64_t", "const uint8_t *", "size_t", "double *")),
    ("zs_data_base_rate", "zs_status", ("const uint8_t *", "size_t", "size_t", "double", "double *")),
    ("zs_rbm_train_defaults", "void", ("zs_rbm_train_opts *",)),
    ("zs_rbm_init_from_data", "zs_status", ("zs_rbm *", "const uint8_t *", "size_t", "double", "uint64_t")),
    ("zs_rbm_trainer_alloc", "zs_status", ("zs_ctx *", "const zs_rbm *", "const zs_rbm_train_opts *", "const uint8_t *", "size_t", "zs_rbm_trainer **")),
    ("zs_rbm_trainer_free", "void", ("zs_rbm_trainer *",)),
    ("zs_rbm_trainer_epoch", "zs_status", ("zs_rbm_trainer *", "double *")),
    ("zs_rbm_trainer_epochs_done", "uint64_t", ("const zs_rbm_trainer *",)),
    ("zs_rbm_trainer_get", "void", ("const zs_rbm_trainer *", "zs_rbm *")),
    ("zs_rbm_trainer_save", "zs_status", ("const zs_rbm_trainer *", "const char *")),
    ("zs_rbm_trainer_resume", "zs_status", ("zs_rbm_trainer *", "const char *")),
    ("zs_rbm_trainer_data_frequency", "const double *", ("const zs_rbm_trainer *",)),
    ("zs_rbm_trainer_get_state", "zs_status", ("const zs_rbm_trainer *", "zs_rbm_train_state *")),
    ("zs_rbm_trainer_set_state", "zs_status", ("zs_rbm_trainer *", "const zs_rbm_train_state *")),
    ("zs_rbm_free_energies_u8", "zs_status", ("const zs_rbm *", "const uint8_t *", "size_t", "double *")),
    ("zs_rbm_gibbs", "zs_status", ("const zs_rbm *", "const uint8_t *", "size_t", "uint64_t", "uint8_t *")),
    ("zs_factor_kind_name", "const char *", ("zs_factor_kind",)),
    ("zs_factor_kind_from_name", "zs_status", ("const char *", "zs_factor_kind *")),
    ("zs_factor_model_alloc", "zs_status", ("zs_ctx *", "size_t", "const uint32_t *", "zs_factor_model **")),
    ("zs_factor_model_free", "void", ("zs_factor_model *",)),
    ("zs_factor_model_add", "zs_status", ("zs_factor_model *", "size_t", "const uint32_t *", "const double *", "int")),
    ("zs_factor_model_nvars", "size_t", ("const zs_factor_model *",)),
    ("zs_factor_model_domain", "uint32_t", ("const zs_factor_model *", "size_t")),
    ("zs_factor_model_nfactors", "size_t", ("const zs_factor_model *",)),
    ("zs_factor_model_kind", "zs_factor_kind", ("const zs_factor_model *",)),
    ("zs_factor_model_set_kind", "void", ("zs_factor_model *", "zs_factor_kind")),
    ("zs_factor_read_uai", "zs_status", ("zs_ctx *", "const char *", "zs_factor_model **")),
    ("zs_factor_parse_uai", "zs_status", ("zs_ctx *", "const char *", "size_t", "const char *", "zs_factor_model **")),
    ("zs_factor_read_evid", "zs_status", ("const zs_factor_model *", "const char *", "int32_t *", "size_t *")),
    ("zs_factor_parse_evid", "zs_status", ("const zs_factor_model *", "const char *", "size_t", "const char *", "int32_t *", "size_t *")),
    ("zs_factor_read_fg", "zs_status", ("zs_ctx *", "const char *", "zs_factor_model **")),
    ("zs_factor_parse_fg", "zs_status", ("zs_ctx *", "const char *", "size_t", "const char *", "zs_factor_model **")),
    ("zs_factor_read_model", "zs_status", ("zs_ctx *", "const char *", "zs_factor_model **")),
    ("zs_factor_write_uai", "zs_status", ("const zs_factor_model *", "const char *")),
    ("zs_factor_from_pairwise", "zs_status", ("zs_ctx *", "size_t", "const double *", "const double *", "double", "int", "zs_factor_model **")),
    ("zs_pairwise_to_factor", "zs_status", ("const zs_pairwise *", "double", "zs_factor_model **", "double *")),
    ("zs_factor_order_name", "const char *", ("zs_factor_order",)),
    ("zs_factor_order_from_name", "zs_status", ("const char *", "zs_factor_order *")),
    ("zs_factor_plan_alloc", "zs_status", ("const zs_factor_model *", "const int32_t *", "zs_factor_order", "zs_factor_plan **")),
    ("zs_factor_plan_from_order", "zs_status", ("const zs_factor_model *", "const int32_t *", "const size_t *", "size_t", "zs_factor_plan **")),
    ("zs_factor_plan_free", "void", ("zs_factor_plan *",)),
    ("zs_factor_plan_get_info", "void", ("const zs_factor_plan *", "zs_factor_plan_info *")),
    ("zs_factor_plan_order", "const size_t *", ("const zs_factor_plan *",)),
    ("zs_factor_plan_condition", "zs_status", ("const zs_factor_model *", "const int32_t *", "zs_factor_order", "double", "double", "zs_factor_plan **")),
    ("zs_factor_plan_conditioned", "const size_t *", ("const zs_factor_plan *",)),
    ("zs_factor_lnz", "zs_status", ("const zs_factor_model *", "const int32_t *", "const zs_factor_plan *", "double", "double *")),
    ("zs_factor_marginals_defaults", "void", ("zs_factor_marginals_opts *",)),
    ("zs_factor_marginals_bytes", "zs_status", ("const zs_factor_model *", "const int32_t *", "const zs_factor_plan *", "double *")),
    ("zs_factor_marginals", "zs_status", ("const zs_factor_model *", "const int32_t *", "const zs_factor_plan *", "const zs_factor_marginals_opts *", "double *", "double *")),
    ("zs_factor_approx_name", "const char *", ("zs_factor_approx",)),
    ("zs_factor_approx_from_name", "zs_status", ("const char *", "zs_factor_approx *")),
    ("zs_bound_kind_name", "const char *", ("zs_bound_kind",)),
    ("zs_bound_kind_from_name", "zs_status", ("const char *", "zs_bound_kind *")),
    ("zs_factor_schedule_name", "const char *", ("zs_factor_schedule",)),
    ("zs_factor_schedule_from_name", "zs_status", ("const char *", "zs_factor_schedule *")),
    ("zs_factor_approx_defaults", "void", ("zs_factor_approx_opts *",)),
    ("zs_factor_exact_name", "const char *", ("zs_factor_exact",)),
    ("zs_factor_exact_from_name", "zs_status", ("const char *", "zs_factor_exact *")),
    ("zs_factor_search_defaults", "void", ("zs_factor_search_opts *",)),
    ("zs_factor_search_check", "zs_status", ("const zs_factor_model *",)),
    ("zs_factor_lnz_search", "zs_status", ("const zs_factor_model *", "const int32_t *", "const zs_factor_search_opts *", "double *", "zs_factor_search_stats *")),
    ("zs_factor_write_mar", "zs_status", ("const zs_factor_model *", "const double *", "const char *")),
    ("zs_factor_lnz_approx", "zs_status", ("const zs_factor_model *", "const int32_t *", "zs_factor_approx", "const zs_factor_approx_opts *", "zs_factor_approx_result *")),
    ("zs_ais_summarize", "zs_status", ("zs_ctx *", "const double *", "size_t", "double", "int", "zs_estimate *", "zs_interval *")),
    ("zs_sandwich_judge", "void", ("const zs_estimate *", "const zs_interval *", "const zs_estimate *", "const zs_interval *", "zs_sandwich *")),
    ("zs_rbm_reverse_start_name", "const char *", ("zs_rbm_reverse_start",)),
    ("zs_rbm_reverse_start_from_name", "zs_status", ("const char *", "zs_rbm_reverse_start *")),
    ("zs_rbm_sandwich_defaults", "void", ("zs_rbm_sandwich_opts *",)),
    ("zs_rbm_lnz_sandwich", "zs_status", ("const zs_rbm *", "const zs_rbm_sandwich_opts *", "zs_rbm_sandwich_result *")),
    ("zs_dbm_alloc", "zs_status", ("zs_ctx *", "size_t", "const size_t *", "zs_dbm **")),
    ("zs_dbm_free", "void", ("zs_dbm *",)),
    ("zs_dbm_layers", "size_t", ("const zs_dbm *",)),
    ("zs_dbm_size", "size_t", ("const zs_dbm *", "size_t")),
    ("zs_dbm_w_mut", "double *", ("zs_dbm *", "size_t")),
    ("zs_dbm_bias_mut", "double *", ("zs_dbm *", "size_t")),
    ("zs_dbm_w", "const double *", ("const zs_dbm *", "size_t")),
    ("zs_dbm_bias", "const double *", ("const zs_dbm *", "size_t")),
    ("zs_dbm_check", "zs_status", ("const zs_dbm *",)),
    ("zs_dbm_load", "zs_status", ("zs_ctx *", "const char *", "zs_dbm **")),
    ("zs_dbm_save", "zs_status", ("const zs_dbm *", "const char *", "zs_dtype")),
    ("zs_dbm_dtype", "zs_dtype", ("const zs_dbm *",)),
    ("zs_dbm_exact_cost", "double", ("const zs_dbm *",)),
    ("zs_dbm_exact_seconds", "double", ("const zs_dbm *", "int")),
    ("zs_dbm_lnz_exact", "zs_status", ("const zs_dbm *", "double", "double *")),
    ("zs_dbm_unnorm_loglik_exact", "zs_status", ("const zs_dbm *", "const uint8_t *", "size_t", "double", "double *")),
    ("zs_dbm_mf_defaults", "void", ("zs_dbm_mf_opts *",)),
    ("zs_dbm_mean_field", "zs_status", ("const zs_dbm *", "const zs_dbm_mf_opts *", "const uint8_t *", "size_t", "double *", "uint32_t *", "uint8_t *")),
    ("zs_dbm_lnz_mean_field", "zs_status", ("const zs_dbm *", "const zs_dbm_mf_opts *", "double *", "uint32_t *", "int *")),
    ("zs_dbm_bethe_defaults", "void", ("zs_dbm_bethe_opts *",)),
    ("zs_dbm_lnz_bethe", "zs_status", ("const zs_dbm *", "const zs_dbm_bethe_opts *", "double *", "uint32_t *", "int *")),
    ("zs_dbm_ais_base_name", "const char *", ("zs_dbm_ais_base",)),
    ("zs_dbm_ais_base_from_name", "zs_status", ("const char *", "zs_dbm_ais_base *")),
    ("zs_dbm_ais_defaults", "void", ("zs_dbm_ais_opts *",)),
    ("zs_dbm_lnz_ais", "zs_status", ("const zs_dbm *", "const zs_dbm_ais_opts *", "zs_dbm_ais_result *")),
    ("zs_dbm_from_rbm", "zs_status", ("const zs_rbm *", "zs_dbm **")),
    ("zs_dbm_to_rbm", "zs_status", ("const zs_dbm *", "zs_rbm **")),
    ("zs_dbm_sandwich_defaults", "void", ("zs_dbm_sandwich_opts *",)),
    ("zs_dbm_sandwich_pt_sweeps", "uint64_t", ("const zs_dbm_sandwich_opts *",)),
    ("zs_dbm_lnz_sandwich", "zs_status", ("const zs_dbm *", "const zs_dbm_sandwich_opts *", "zs_dbm_sandwich_result *")),
    ("zs_dbm_sample_defaults", "void", ("zs_dbm_sample_opts *",)),
    ("zs_dbm_sample", "zs_status", ("const zs_dbm *", "const zs_dbm_sample_opts *", "uint8_t *", "uint8_t *", "double *")),
    ("zs_dbm_sample_seconds", "double", ("const zs_dbm *", "size_t", "uint64_t")),
    ("zs_dbm_pretrain_defaults", "void", ("zs_dbm_pretrain_opts *",)),
    ("zs_dbm_pretrain", "zs_status", ("zs_dbm *", "const zs_dbm_pretrain_opts *", "const uint8_t *", "size_t")),
    ("zs_dbm_is_pretrain_checkpoint", "zs_status", ("zs_ctx *", "const char *", "int *")),
    ("zs_dbm_pretrainer_alloc", "zs_status", ("zs_ctx *", "const zs_dbm *", "const zs_dbm_pretrain_opts *", "const uint8_t *", "size_t", "zs_dbm_pretrainer **")),
    ("zs_dbm_pretrainer_free", "void", ("zs_dbm_pretrainer *",)),
    ("zs_dbm_pretrainer_epoch", "zs_status", ("zs_dbm_pretrainer *",)),
    ("zs_dbm_pretrainer_epochs_done", "uint64_t", ("const zs_dbm_pretrainer *",)),
    ("zs_dbm_pretrainer_epochs", "uint64_t", ("const zs_dbm_pretrainer *",)),
    ("zs_dbm_pretrainer_get", "zs_status", ("zs_dbm_pretrainer *", "zs_dbm *")),
    ("zs_dbm_pretrainer_resume", "zs_status", ("zs_dbm_pretrainer *", "const char *")),
    ("zs_dbm_negative_name", "const char *", ("zs_dbm_negative",)),
    ("zs_dbm_negative_from_name", "zs_status", ("const char *", "zs_dbm_negative *")),
    ("zs_dbm_train_defaults", "void", ("zs_dbm_train_opts *",)),
    ("zs_dbm_train_check", "zs_status", ("zs_ctx *", "const zs_dbm *", "const zs_dbm_train_opts *", "const uint8_t *", "size_t")),
    ("zs_dbm_trainer_alloc", "zs_status", ("zs_ctx *", "const zs_dbm *", "const zs_dbm_train_opts *", "const uint8_t *", "size_t", "zs_dbm_trainer **")),
    ("zs_dbm_trainer_free", "void", ("zs_dbm_trainer *",)),
    ("zs_dbm_trainer_epoch", "zs_status", ("zs_dbm_trainer *", "double *")),
    ("zs_dbm_trainer_epochs_done", "uint64_t", ("const zs_dbm_trainer *",)),
    ("zs_dbm_trainer_get", "void", ("const zs_dbm_trainer *", "zs_dbm *")),
    ("zs_dbm_trainer_save", "zs_status", ("const zs_dbm_trainer *", "const char *")),
    ("zs_dbm_trainer_resume", "zs_status", ("zs_dbm_trainer *", "const char *")),
    ("zs_bm_moments_seconds", "double", ("const zs_ctx *", "size_t")),
    ("zs_bm_moments_exact", "zs_status", ("zs_ctx *", "size_t", "const double *", "const double *", "double *", "double *")),
    ("zs_bm_negative_name", "const char *", ("zs_bm_negative",)),
    ("zs_bm_negative_from_name", "zs_status", ("const char *", "zs_bm_negative *")),
    ("zs_bm_train_defaults", "void", ("zs_bm_train_opts *",)),
    ("zs_bm_trainer_alloc", "zs_status", ("zs_ctx *", "size_t", "const double *", "const double *", "const zs_bm_train_opts *", "const uint8_t *", "size_t", "zs_bm_trainer **")),
    ("zs_bm_trainer_free", "void", ("zs_bm_trainer *",)),
    ("zs_bm_trainer_epoch", "zs_status", ("zs_bm_trainer *",)),
    ("zs_bm_trainer_epochs_done", "uint64_t", ("const zs_bm_trainer *",)),
    ("zs_bm_trainer_units", "size_t", ("const zs_bm_trainer *",)),
    ("zs_bm_trainer_get", "void", ("const zs_bm_trainer *", "double *", "double *")),
    ("zs_bm_trainer_save", "zs_status", ("const zs_bm_trainer *", "const char *")),
    ("zs_bm_trainer_resume", "zs_status", ("zs_bm_trainer *", "const char *")),
    ("zs_bm_monitor_compute", "zs_status", ("zs_ctx *", "size_t", "const double *", "const double *", "const uint8_t *", "size_t", "double", "zs_bm_monitor *")),
    ("zs_idx_read", "zs_status", ("zs_ctx *", "const char *", "zs_array **")),
    ("zs_idx_read_mem", "zs_status", ("zs_ctx *", "const char *", "const void *", "size_t", "zs_array **")),
    ("zs_idx_write_u8", "zs_status", ("zs_ctx *", "const char *", "const zs_array *")),
    ("zs_data_load", "zs_status", ("zs_ctx *", "const char *", "zs_array **")),
    ("zs_binarize_name", "const char *", ("zs_binarize",)),
    ("zs_binarize_from_name", "zs_status", ("const char *", "zs_binarize *")),
    ("zs_data_binarize", "zs_status", ("zs_ctx *", "zs_array *", "zs_binarize", "double", "uint64_t")),
    ("zs_data_load_binary", "zs_status", ("zs_ctx *", "const char *", "zs_binarize", "double", "uint64_t", "uint8_t **", "size_t *", "size_t *")),
    ("zs_read_input", "zs_status", ("zs_ctx *", "const char *", "size_t", "unsigned", "char **", "size_t *")),
    ("zs_patterns_read", "zs_status", ("zs_ctx *", "const char *", "zs_patterns **")),
    ("zs_patterns_parse_mem", "zs_status", ("zs_ctx *", "const char *", "const void *", "size_t", "zs_patterns **")),
    ("zs_patterns_parse_text", "zs_status", ("zs_ctx *", "const char *", "const char *", "size_t", "zs_patterns **")),
    ("zs_pattern_write_image", "zs_status", ("zs_ctx *", "const char *", "size_t", "size_t", "const int8_t *", "size_t")),
    ("zs_image_write_grey", "zs_status", ("zs_ctx *", "const char *", "const uint8_t *", "size_t", "size_t", "size_t")),
)

_SCALARS = {"void": None, "int": c_int, "unsigned": c_uint, "double": c_double,
            "float": c_float, "size_t": c_size_t, "uint64_t": c_uint64, "uint32_t": c_uint32,
            "int32_t": c_int32, "int8_t": c_int8, "uint8_t": c_uint8}
for _e in ENUMS:
    _SCALARS[_e] = c_int


def _bare(ctype):
    """'const double *' -> ('double', 1): the base type and the pointer depth."""
    t = ctype.replace("const", " ").replace("*", " * ")
    depth = t.count("*")
    return " ".join(t.replace("*", " ").split()), depth


_STRUCT_TYPES = {}


def ctype_of(ctype, result=False):
    """The ctypes type for a C type written as text. Pointers to numbers, strings the callee
    writes, and arrays of pointers are c_void_p: the package passes NumPy buffers by address
    (arr.ctypes.data) and scalars with byref; a returned pointer is an address (int)."""
    base, depth = _bare(ctype)
    if base.endswith("]"):                           # a fixed array member, "uint64_t[4]"
        name, n = base[:-1].split("[")
        return ctype_of(name) * int(n)
    if depth == 0:
        if base in _SCALARS:
            return _SCALARS[base]
        if base in _STRUCT_TYPES:
            return _STRUCT_TYPES[base]
        if base in _CALLBACK_TYPES:
            return _CALLBACK_TYPES[base]
        raise TypeError("no ctypes type for C type %r" % ctype)
    if depth == 1 and base == "char" and "const" in ctype and result:
        return c_char_p                              # a static or owned string: read as bytes
    if depth == 1 and base == "char" and "const" in ctype:
        return c_char_p                              # a string argument: bytes
    if depth == 1 and base in _STRUCT_TYPES:
        return POINTER(_STRUCT_TYPES[base])
    if depth == 2 and base in OPAQUE:
        return POINTER(c_void_p)                     # an out-parameter for a new handle
    return c_void_p


_CALLBACK_TYPES = {}
for _name, _fields in STRUCTS.items():
    _STRUCT_TYPES[_name] = type(_name, (Structure,),
                                {"_fields_": [(f, ctype_of(t)) for f, t in _fields]})
for _name, (_ret, _params) in CALLBACKS.items():
    _CALLBACK_TYPES[_name] = CFUNCTYPE(ctype_of(_ret), *[ctype_of(p) for p in _params])


def struct(name):
    """The ctypes.Structure class of a public structure, e.g. struct('zs_levels_thermo')."""
    return _STRUCT_TYPES[name]


def callback(name):
    """The ctypes function type of a public callback type, e.g. callback('zs_levels_dos_fn')."""
    return _CALLBACK_TYPES[name]


# ---------------------------------------------------------------------------------------------
# Finding the library.
# ---------------------------------------------------------------------------------------------
_HERE = os.path.dirname(os.path.abspath(__file__))
_SONAME = "libzsum.so.0"


def candidates():
    """Where the library is looked for, in order, as (where, path): $ZSUM_LIBRARY alone when it
    is set; else, for the package in a source tree, the build tree beside it (../../build/),
    and for the copy `make install` wrote, the library installed with it (the folder recorded
    in _installed.py, relative to the package); then the system's search path
    (libzsum.so.0)."""
    env = os.environ.get("ZSUM_LIBRARY")
    if env:
        return [("$ZSUM_LIBRARY", env)]
    found = []
    try:
        from . import _installed                     # only in a copy `make install` wrote
    except ImportError:
        _installed = None
    if _installed is None:
        build = os.path.normpath(os.path.join(_HERE, "..", "..", "build", "libzsum.so"))
        found.append(("the build tree", build))
    else:
        found.append(("the installed library",
                      os.path.normpath(os.path.join(_HERE, _installed.LIBDIR, _SONAME))))
    found.append(("the system's library path", _SONAME))
    return found


def _load():
    tried = []
    for where, path in candidates():
        if os.path.sep in path and not os.path.exists(path):
            if where == "$ZSUM_LIBRARY":
                raise ImportError("zsum: $ZSUM_LIBRARY names %s, which does not exist" % path)
            tried.append("%s (%s: absent)" % (path, where))
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            if where == "$ZSUM_LIBRARY":
                raise ImportError("zsum: cannot load $ZSUM_LIBRARY=%s: %s" % (path, e)) from None
            tried.append("%s (%s: %s)" % (path, where, e))
            continue
        return lib, path
    raise ImportError("zsum: libzsum not found; set ZSUM_LIBRARY to the path of libzsum.so. "
                      "Tried: " + "; ".join(tried))


def _bind(lib, path):
    try:
        version = lib.zs_version
    except AttributeError:
        raise ImportError("zsum: the library %s has no zs_version: it is older than this "
                          "package (zsum %s)" % (path, __version__)) from None
    version.restype = c_char_p
    version.argtypes = []
    got = version().decode("ascii", "replace")
    if got != __version__:
        raise ImportError("zsum: the library %s is version %s but the Python package is "
                          "version %s; point ZSUM_LIBRARY at a libzsum %s"
                          % (path, got, __version__, __version__))
    for name, ret, params in SIGNATURES:
        try:
            f = getattr(lib, name)
        except AttributeError:
            raise ImportError("zsum: the library %s (version %s) lacks %s" % (path, got, name)) \
                from None
        f.restype = ctype_of(ret, result=True)
        f.argtypes = [ctype_of(p) for p in params]
    return lib


lib, library_path = _load()
_bind(lib, library_path)

# ---------------------------------------------------------------------------------------------
# Errors: one class per zs_status, each also the matching built-in exception.
# ---------------------------------------------------------------------------------------------


class ZsumError(Exception):
    """A libzsum call failed. status: the zs_status value; status_name: its name ("EINVAL");
    message: the library's message naming the offending value (or the status's description
    when the library gave none)."""

    status = None
    status_name = None

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
            self.status_name = lib.zs_status_name(status).decode()


class InvalidArgumentError(ZsumError, ValueError):
    """ZS_EINVAL: an argument is out of its domain."""
    status = -1


class OutOfMemoryError(ZsumError, MemoryError):
    """ZS_ENOMEM: an allocation failed (the message names what and how much)."""
    status = -2


class RangeError(ZsumError, OverflowError):
    """ZS_ERANGE: a value is too large or too small to represent."""
    status = -3


class ZsumIOError(ZsumError, OSError):
    """ZS_EIO: a file could not be opened, read or written."""
    status = -4


class FormatError(ZsumError, ValueError):
    """ZS_EFORMAT: a file or text does not follow its format."""
    status = -5


class TooBigError(ZsumError, ValueError):
    """ZS_ETOOBIG: the problem is too large for the asked method or limit (refused before
    any work; the message gives the estimate and names the limit)."""
    status = -6


class NumericError(ZsumError, ArithmeticError):
    """ZS_ENUMERIC: a computation produced NaN or diverged."""
    status = -7


class UnsupportedError(ZsumError, NotImplementedError):
    """ZS_EUNSUPPORTED: the method does not apply to this model."""
    status = -8


class CancelledError(ZsumError, RuntimeError):
    """ZS_ECANCELLED: a callback asked to stop."""
    status = -9


ERRORS = {c.status: c for c in (InvalidArgumentError, OutOfMemoryError, RangeError,
                                ZsumIOError, FormatError, TooBigError, NumericError,
                                UnsupportedError, CancelledError)}
for _cls in ERRORS.values():
    _cls.status_name = lib.zs_status_name(_cls.status).decode()
for _cls in (ZsumError,) + tuple(ERRORS.values()):
    _cls.__module__ = "zsum"                         # shown as zsum.InvalidArgumentError


def error(status, message=""):
    """The exception for a zs_status with the library's message."""
    cls = ERRORS.get(status, ZsumError)
    if not message:
        message = lib.zs_strerror(status).decode()
    e = cls(message)
    e.status = status
    e.status_name = lib.zs_status_name(status).decode()
    return e


# ---------------------------------------------------------------------------------------------
# Contexts and threads.
# ---------------------------------------------------------------------------------------------
_threads = 0          # 0: OpenMP's choice (OMP_NUM_THREADS, else every core)
_threads_generation = 0
_threads_lock = threading.Lock()


def set_num_threads(n):
    """Threads for the library's parallel loops in every later call (0: OpenMP's choice, from
    OMP_NUM_THREADS or the cores). Results do not depend on it."""
    global _threads, _threads_generation
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError("set_num_threads: n must be an integer, got %s" % type(n).__name__)
    if n < 0 or n > 65536:
        raise ValueError("set_num_threads: n must be in 0..65536 (0: OpenMP's choice), got %d"
                         % n)
    with _threads_lock:
        _threads = int(n)
        _threads_generation += 1


def get_num_threads():
    """The threads the library's parallel loops use now (the count set, else OpenMP's)."""
    return lib.zs_ctx_threads(None) if _threads == 0 else _threads


class Context:
    """A zs_ctx: the last error message and the thread count of the calls given it. Each
    model object owns one, and a lock so that two Python threads never use one handle at
    once (the library's rule); distinct models run in parallel."""

    __slots__ = ("ptr", "lock", "_generation", "_free")

    def __init__(self):
        self.ptr = lib.zs_ctx_alloc()
        if not self.ptr:
            raise OutOfMemoryError("zs_ctx_alloc: out of memory")
        self.lock = threading.RLock()
        self._generation = -1
        self._free = lib.zs_ctx_free

    def __del__(self):
        if getattr(self, "ptr", None):
            self._free(self.ptr)
            self.ptr = None

    def sync(self):
        """Apply set_num_threads to this context (cheap when nothing changed)."""
        if self._generation != _threads_generation:
            lib.zs_ctx_set_threads(self.ptr, _threads)
            self._generation = _threads_generation

    def check(self, status):
        """Raise the exception of a failed status with this context's message."""
        if status:
            raise error(status, lib.zs_last_error(self.ptr).decode("utf-8", "replace"))

    def message(self):
        return lib.zs_last_error(self.ptr).decode("utf-8", "replace")


def check(status, what=""):
    """Raise for a failed status of a call that takes no context (no message but the
    status's own and, when given, what was being done)."""
    if status:
        base = lib.zs_strerror(status).decode()
        raise error(status, "%s: %s" % (what, base) if what else base)


# ---------------------------------------------------------------------------------------------
# Arrays. The rule (docs/python.md, "Arrays and dtypes"): an argument is used as it is when it
# already has the dtype the library reads and is C-contiguous (no copy, however large); any
# other array-like of numbers (a list, another numeric dtype, a strided view) is converted
# once into a new C-contiguous array of that dtype. None, strings, objects and complex numbers
# are refused with TypeError; a wrong number of dimensions, a wrong shape, an empty array
# where one is not allowed, NaN or infinity where the library needs finite values, and values
# outside {0, 1} (binary data) or {-1, +1} (spins) with ValueError. Every message names the
# argument.
# ---------------------------------------------------------------------------------------------


def _numeric(x, name):
    if x is None:
        raise TypeError("%s: expected an array of numbers, got None" % name)
    if isinstance(x, (str, bytes, bytearray)):
        raise TypeError("%s: expected an array of numbers, got %s" % (name, type(x).__name__))
    try:
        a = x if isinstance(x, np.ndarray) else np.asarray(x)
    except (ValueError, TypeError) as e:
        raise TypeError("%s: not an array of numbers (%s)" % (name, e)) from None
    if a.dtype.kind not in "biuf":
        raise TypeError("%s: expected numbers, got an array of dtype %s" % (name, a.dtype))
    return a


def _shape(a, name, ndim, shape, allow_empty):
    if ndim is not None and a.ndim != ndim:
        raise ValueError("%s: expected %d dimension%s, got shape %s"
                         % (name, ndim, "" if ndim == 1 else "s", tuple(a.shape)))
    if shape is not None:
        for axis, (want, got) in enumerate(zip(shape, a.shape)):
            if want is not None and want != got:
                want_s = "(" + ", ".join("*" if w is None else str(w) for w in shape) + \
                    ("," if len(shape) == 1 else "") + ")"
                raise ValueError("%s: expected shape %s, got %s (axis %d)"
                                 % (name, want_s, tuple(a.shape), axis))
    if not allow_empty and a.size == 0:
        raise ValueError("%s: is empty (shape %s)" % (name, tuple(a.shape)))


def _first_bad(mask):
    idx = np.unravel_index(int(np.argmax(mask)), mask.shape)
    return idx[0] if len(idx) == 1 else tuple(int(i) for i in idx)


def as_float64(x, name, ndim=None, shape=None, finite=True, allow_empty=False):
    """x as a C-contiguous float64 array (no copy when it already is one)."""
    a = _numeric(x, name)
    _shape(a, name, ndim, shape, allow_empty)
    if a.dtype != np.float64 or not a.flags.c_contiguous:
        a = np.ascontiguousarray(a, dtype=np.float64)
    if finite and a.size:
        # In blocks of 2^16 entries: the check's own memory stays small, whatever the input.
        flat = a.reshape(-1)
        for start in range(0, flat.size, 1 << 16):
            block = flat[start:start + (1 << 16)]
            if not np.isfinite(block).all():
                i = start + int(np.argmax(~np.isfinite(block)))
                bad = np.unravel_index(i, a.shape)
                bad = bad[0] if len(bad) == 1 else tuple(int(k) for k in bad)
                raise ValueError("%s: entry %s = %r is not finite" % (name, bad, float(a[bad])))
    return a


def as_binary(x, name, ndim=None, shape=None, allow_empty=False):
    """x as a C-contiguous uint8 array of 0s and 1s. uint8 is used as it is (C-contiguous:
    no copy) and bool is viewed as uint8; other numbers are converted when every value is
    exactly 0 or 1."""
    a = _numeric(x, name)
    _shape(a, name, ndim, shape, allow_empty)
    if a.dtype == np.bool_:
        a = np.ascontiguousarray(a).view(np.uint8)
    elif a.dtype == np.uint8:
        a = np.ascontiguousarray(a)
        if a.size and a.max() > 1:
            bad = _first_bad(a > 1)
            raise ValueError("%s: entry %s = %d is not 0 or 1" % (name, bad, int(a[bad])))
    else:
        if a.size:
            ok = (a == 0) | (a == 1)
            if not ok.all():
                bad = _first_bad(~ok)
                raise ValueError("%s: entry %s = %r is not 0 or 1" % (name, bad, a[bad].item()))
        a = np.ascontiguousarray(a, dtype=np.uint8)
    return a


def as_spins(x, name, ndim=None, shape=None, allow_empty=False):
    """x as a C-contiguous int8 array of -1s and +1s. int8 is used as it is (C-contiguous:
    no copy); other numbers are converted when every value is exactly -1 or +1."""
    a = _numeric(x, name)
    _shape(a, name, ndim, shape, allow_empty)
    if a.size:
        ok = (a == 1) | (a == -1)
        if not ok.all():
            bad = _first_bad(~ok)
            raise ValueError("%s: entry %s = %r is not -1 or +1" % (name, bad, a[bad].item()))
    if a.dtype != np.int8 or not a.flags.c_contiguous:
        a = np.ascontiguousarray(a, dtype=np.int8)
    return a


def as_indices(x, name, dtype, ndim=1, shape=None, allow_empty=False, lo=0, hi=None):
    """x as a C-contiguous integer array of dtype with every value in [lo, hi) (hi None: the
    dtype's range). Floats must hold whole numbers."""
    a = _numeric(x, name)
    _shape(a, name, ndim, shape, allow_empty)
    info = np.iinfo(dtype)
    top = info.max + 1 if hi is None else hi
    if a.size:
        if a.dtype.kind == "f":
            whole = np.isfinite(a) & (a == np.floor(a))
            if not whole.all():
                bad = _first_bad(~whole)
                raise ValueError("%s: entry %s = %r is not a whole number"
                                 % (name, bad, a[bad].item()))
        bad_mask = (a < lo) | (a >= top)
        if bad_mask.any():
            bad = _first_bad(bad_mask)
            raise ValueError("%s: entry %s = %r is out of range [%d, %d)"
                             % (name, bad, a[bad].item(), lo, top))
    if a.dtype != dtype or not a.flags.c_contiguous:
        a = np.ascontiguousarray(a, dtype=dtype)
    return a


def as_count(x, name, lo=0, hi=2**64 - 1):
    """A whole number (Python or NumPy integer, or a float holding one) in [lo, hi]."""
    if type(x) is int and lo <= x <= hi:                 # the common case, first
        return x
    if isinstance(x, bool) or x is None:
        raise TypeError("%s: expected an integer, got %r" % (name, x))
    if isinstance(x, (int, np.integer)):
        v = int(x)
    elif isinstance(x, (float, np.floating)) and np.isfinite(x) and float(x).is_integer():
        v = int(x)
    else:
        raise TypeError("%s: expected an integer, got %r" % (name, x))
    if v < lo or v > hi:
        raise ValueError("%s: %d is out of range [%d, %d]" % (name, v, lo, hi))
    return v


def as_real(x, name, finite=True):
    """A real number (Python or NumPy number); finite unless finite=False (NaN refused)."""
    if type(x) is float and (x - x == 0.0 or (not finite and x == x)):   # finite, first
        return x
    if isinstance(x, bool) or x is None or not isinstance(x, (int, float, np.integer,
                                                              np.floating)):
        raise TypeError("%s: expected a number, got %r" % (name, x))
    v = float(x)
    if v != v or (finite and not np.isfinite(v)):
        raise ValueError("%s: %r is not finite" % (name, v))
    return v


def out_array(out, name, shape, dtype):
    """A caller-allocated output: None gives a new array; otherwise out must be a writeable
    C-contiguous array of exactly this dtype and shape (TypeError / ValueError otherwise),
    and is filled in place."""
    if out is None:
        return np.empty(shape, dtype=dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError("%s: expected a NumPy array, got %s" % (name, type(out).__name__))
    if out.dtype != dtype:
        raise TypeError("%s: expected dtype %s, got %s" % (name, np.dtype(dtype), out.dtype))
    if tuple(out.shape) != tuple(shape):
        raise ValueError("%s: expected shape %s, got %s" % (name, tuple(shape), tuple(out.shape)))
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("%s: must be C-contiguous and writeable" % name)
    return out


def address(a):
    """The address of an array's first element, for a c_void_p argument."""
    return a.ctypes.data


def text(b):
    """A C string (bytes, or None) as str."""
    return None if b is None else b.decode("utf-8", "replace")


def path_bytes(path, name="path"):
    """A file path (str, bytes or os.PathLike) as bytes for the library."""
    if path is None:
        raise TypeError("%s: expected a file path, got None" % name)
    try:
        p = os.fsencode(path)
    except TypeError:
        raise TypeError("%s: expected a file path, got %s" % (name, type(path).__name__)) \
            from None
    if b"\0" in p:
        raise ValueError("%s: contains a NUL character" % name)
    return p


_ENUM_CACHE = {}


def enum_value(kind, name, value):
    """The value of an enum member from its name (the command line's word), through
    zs_<kind>_from_name (remembered once known); InvalidArgumentError names the bad word."""
    try:
        return _ENUM_CACHE[kind, value]
    except (KeyError, TypeError):
        pass
    if not isinstance(value, str):
        raise TypeError("%s: expected a name (str), got %r" % (name, value))
    out = c_int()
    if getattr(lib, "zs_%s_from_name" % kind)(value.encode(), byref(out)):
        raise InvalidArgumentError("%s: unknown %s %r" % (name, kind.replace("_", " "), value))
    _ENUM_CACHE[kind, value] = out.value
    return out.value


def enum_name(kind, value):
    return getattr(lib, "zs_%s_name" % kind)(value).decode()
