"""zsum.DBM — deep Boltzmann machines (zsum dbm): loading and saving, exact ln Z, ln Z by
annealed importance sampling, the mean-field and Bethe approximations of ln Z, and the
log-likelihood of binary rows (exact and the mean-field bound). Every number comes from
libzsum (zs_dbm_*)."""
import ctypes
import os
from ctypes import byref, c_double, c_int, c_size_t, c_uint32, c_void_p

import numpy as np

from . import _lib
from ._common import Handle
from ._result import Result, cli_num as _cli_num

_lib_ = _lib.lib
_MfOpts = _lib.struct("zs_dbm_mf_opts")
_BetheOpts = _lib.struct("zs_dbm_bethe_opts")
_AisOpts = _lib.struct("zs_dbm_ais_opts")
_AisResult = _lib.struct("zs_dbm_ais_result")
MAX_LAYERS = 64
# The command line's defaults: `zsum dbm lnz/loglik --max-seconds 3600 --chains 100`.
MAX_SECONDS = 3600.0
# The command line's note when a few chains carry the AIS estimate (programs/dbm_lnz.c).
AIS_WARNING = ("the effective sample size is low: a few chains carry the estimate, which then "
               "tends to be too low with a band that is too narrow; use the data's base rate "
               "(--base data:FILE), more --chains or a longer --schedule")
# ... and from the data's base rate, where the data-free base is the next thing to try.
AIS_WARNING_DATA = ("the effective sample size is low: a few chains carry the estimate, which "
                    "then tends to be too low with a band that is too narrow; the data's base "
                    "rate is far from this model: use the data-free base (--base pt, with a "
                    "reverse side), more --chains or a longer --schedule")


def ais_warning(base):
    """The command line's low-ESS note for an AIS run from this base."""
    return AIS_WARNING_DATA if str(base).startswith("data") else AIS_WARNING


def ais_unreliable(ess, chains):
    """Below this ESS the command line adds its warning: max(chains / 10, 10)."""
    return ess < max(float(chains) / 10.0, 10.0)


_SandwichOpts = _lib.struct("zs_dbm_sandwich_opts")
_SandwichResult = _lib.struct("zs_dbm_sandwich_result")
# The command line's text when the two sides' bands do not overlap (programs/dbm_lnz.c).
DISAGREE_WARNING = ("ln Z is unreliable; use a longer --schedule, more --chains or --pt-sweeps, "
                    "or the data's base rate (--base data:FILE)")
_SampleOpts = _lib.struct("zs_dbm_sample_opts")
_PretrainOpts = _lib.struct("zs_dbm_pretrain_opts")
_TrainOpts = _lib.struct("zs_dbm_train_opts")
# `zsum dbm sample --max-seconds`'s default: the estimated time of the chains.
SAMPLE_MAX_SECONDS = 3600.0

def _sandwich_opts(dbm, reverse, reverse_data, pt_temperatures, pt_sweeps, start_sweeps):
    """(zs_dbm_sandwich_opts without its forward part, the start rows kept alive), or None
    without a reverse side asked for (the forward run alone, zs_dbm_lnz_ais)."""
    if reverse is None:
        if reverse_data is not None:
            raise ValueError("log_partition: reverse_data= is for reverse='data'")
        return None
    if reverse not in ("none", "pt", "data"):
        raise ValueError("log_partition: reverse must be 'pt', 'none' or 'data', got %r"
                         % (reverse,))
    if reverse != "data" and reverse_data is not None:
        raise ValueError("log_partition: reverse_data= is for reverse='data', not %r"
                         % (reverse,))
    so = _SandwichOpts()
    _lib_.zs_dbm_sandwich_defaults(byref(so))
    so.pt_temperatures = _lib.as_count(pt_temperatures, "pt_temperatures", 2, 100000)
    if pt_sweeps is not None:  # None: sized from the forward run (zs_dbm_sandwich_pt_sweeps)
        so.pt_sweeps = _lib.as_count(pt_sweeps, "pt_sweeps", 2, 100000000)
    if start_sweeps is not None:
        so.start_sweeps = _lib.as_count(start_sweeps, "start_sweeps")
    so.reverse = _lib.enum_value("rbm_reverse_start", "reverse", reverse)
    start = None
    if reverse == "data":
        if reverse_data is None:
            raise ValueError("log_partition: reverse='data' needs the start rows as "
                             "reverse_data=")
        start = dbm._rows(reverse_data, "reverse_data")
        so.start_rows, so.n_start = start.ctypes.data, start.shape[0]
    return so, start


def _sandwich_keys(out, so, res):
    """The command's keys after base: reverse, the reverse side and the bracket, PT's."""
    out["reverse"] = _lib.enum_name("rbm_reverse_start", res.reverse)
    if res.reverse != 0:
        out.update(lnZ_reverse=res.upper.value, lnZ_reverse_lo=res.upper_band.lo,
                   lnZ_reverse_hi=res.upper_band.hi, reverse_ess=res.upper.ess,
                   sandwich_lo=res.sandwich.bracket.lo, sandwich_hi=res.sandwich.bracket.hi,
                   sides_agree=bool(res.sandwich.agree))
    if res.pt_swap_min == res.pt_swap_min and abs(res.pt_swap_min) != float("inf"):
        out.update(pt_temperatures=so.pt_temperatures,
                   pt_sweeps=_lib_.zs_dbm_sandwich_pt_sweeps(byref(so)),
                   pt_swap_min=res.pt_swap_min)


_libc_free = ctypes.CDLL(None).free
_libc_free.argtypes = [c_void_p]
_libc_free.restype = None


def _view(address, shape):
    n = int(np.prod(shape))
    return np.ctypeslib.as_array((ctypes.c_double * n).from_address(address)).reshape(shape)


def _mf_opts(max_iterations, tolerance):
    o = _MfOpts()
    _lib_.zs_dbm_mf_defaults(byref(o))
    if max_iterations is not None:
        o.max_iterations = _lib.as_count(max_iterations, "max_iterations", lo=1)
    if tolerance is not None:
        o.tolerance = _lib.as_real(tolerance, "tolerance")
    return o


# `zsum dbm train --preset NAME` (programs/dbm_presets.c): the values of Salakhutdinov's public
# code for the DBM papers ("Learning Deep Boltzmann Machines", www.cs.toronto.edu/~rsalakhu/
# DBM.html; docs/dbm.md, "Presets", lists each with its file). DBM.fit(preset=NAME) gives them
# to every option left None; a test trains with each preset here and in the command and
# compares the files byte for byte, so the two tables cannot drift apart.
_SALAKHUTDINOV = dict(
    epochs=300,                    # demo.m: maxepoch=300
    pretrain_epochs=(100, 200),    # demo.m: maxepoch=100 for the first RBM, 200 for the second
    pretrain_lr=0.05,              # rbm.m, rbm_l2.m: epsilonw = 0.05
    pretrain_weight_decay=0.001,   # rbm.m, rbm_l2.m: weightcost = 0.001
    pretrain_cd_epochs=20,         # rbm_l2.m: CD = ceil(epoch/20), epsilon = 0.05 / CD
    resample_grey=True,            # rbm.m, dbm_mf.m: data > rand (grey data: binarize="resample")
    batch=100,                     # makebatches.m: 100 cases a batch
    lr=0.001,                      # dbm_mf.m: epsilonw = 0.001
    lr_divisor=1.000015,           # dbm_mf.m: epsilonw = max(epsilonw/1.000015,0.00010)
    lr_min=0.0001,                 # ... the same line
    momentum=0.9,                  # dbm_mf.m: finalmomentum = 0.9 (0.5 for 5 epochs)
    weight_decay=0.0002,           # dbm_mf.m: weightcost = 0.0002
    chains=100,                    # dbm_mf.m: one batch of numcases = 100 negative particles
    gibbs_steps=5,                 # dbm_mf.m: for iter=1:5
    mf_iterations=10,              # mf.m: for ii= 1:10
    mf_tolerance=1e-7,             # mf.m: stops below 0.0000001
    sparsity_target=(0.2, 0.1),    # dbm_mf.m: sparsetarget = .2, sparsetarget2 = .1
    sparsity_cost=0.001,           # dbm_mf.m: sparsecost = .001
    sparsity_damping=0.9,          # dbm_mf.m: sparsedamping = .9
)
PRESETS = {
    "salakhutdinov": _SALAKHUTDINOV,
    # demo.m: "To get results in the paper I used maxepoch=500"
    "salakhutdinov-paper": dict(_SALAKHUTDINOV, epochs=500),
}


def _with_preset(preset, given):
    """The options given (None: not given) completed by the preset's values."""
    if preset is None:
        return dict(given)
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ValueError("preset: %r is not a known preset (%s)"
                         % (preset, ", ".join(PRESETS)))
    return {k: (PRESETS[preset].get(k) if x is None else x) for k, x in given.items()}


def _sparsity_targets(x, nhidden, from_preset):
    """sparsity_target[1..L] of zs_dbm_train_opts: one value for every hidden layer, or one
    per layer, each in (0, 1), as the command's --sparsity-target."""
    if isinstance(x, np.ndarray):
        x = x.tolist()
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    xs = [_lib.as_real(p, "sparsity_target") for p in xs]
    if not 1 <= len(xs) <= MAX_LAYERS or not all(0.0 < p < 1.0 for p in xs):
        raise ValueError("sparsity_target: %r is not 1 to %d mean activations, each in (0, 1)"
                         % (x, MAX_LAYERS))
    if len(xs) > 1 and len(xs) != nhidden:
        raise ValueError("sparsity_target: %d values%s for %d hidden layers (give one for all, "
                         "or one each)" % (len(xs), " (the preset's)" if from_preset else "",
                                           nhidden))
    return [xs[0 if len(xs) == 1 else l] for l in range(nhidden)]


def _pretrain_counts(x, nhidden, from_preset):
    """layer_epochs[1..L] of zs_dbm_pretrain_opts: one count for every RBM, or one per RBM,
    each 0..1000000, as the command's --pretrain-epochs."""
    if isinstance(x, np.ndarray):
        x = x.tolist()
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    if not 1 <= len(xs) <= MAX_LAYERS:
        raise ValueError("pretrain_epochs: %r is not 1 to %d epoch counts" % (x, MAX_LAYERS))
    xs = [_lib.as_count(e, "pretrain_epochs", hi=1000000) for e in xs]
    if len(xs) > 1 and len(xs) != nhidden:
        raise ValueError("pretrain_epochs: %d counts%s for %d hidden layers (give one for all, "
                         "or one each)" % (len(xs), " (the preset's)" if from_preset else "",
                                           nhidden))
    return [xs[0 if len(xs) == 1 else l] for l in range(nhidden)]


def _training_rows(data, binarize, preset):
    """(rows, resample): binary rows as they are, or with binarize="resample" (or a preset
    that resamples, on data not all 0 and 1, binarize None) the grey levels as bytes
    round(255 x / max), as the command's --binarize resample reads them."""
    if binarize not in (None, "resample"):
        raise ValueError("binarize: %r is not None or 'resample' (give binary rows, or "
                         "binarize them first)" % (binarize,))
    auto = binarize is None and isinstance(preset, str) and \
        PRESETS.get(preset, {}).get("resample_grey", False)
    if binarize is None and not auto:
        return _lib.as_binary(data, "data", ndim=2), 0
    x = np.asarray(data, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("data: %d dimensions; rows are 2-dimensional" % x.ndim)
    if binarize is None and np.all((x == 0) | (x == 1)):
        return _lib.as_binary(data, "data", ndim=2), 0
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("data: grey levels must be finite and >= 0")
    mx = x.max() if x.size else 0.0
    if mx == 0:
        raise ValueError("data: every value is 0; no grey levels to sample")
    return np.ascontiguousarray(np.floor(255.0 * x / mx + 0.5).astype(np.uint8)), 1


def _train_opts(opt, hidden, preset_targets, preset_counts=False):
    """(zs_dbm_pretrain_opts, zs_dbm_train_opts) from the options (None: the library's
    defaults), as the command fills them (programs/dbm_train.c)."""
    po = _PretrainOpts()
    _lib_.zs_dbm_pretrain_defaults(byref(po))
    to = _TrainOpts()
    _lib_.zs_dbm_train_defaults(byref(to))
    if opt["pretrain_lr"] is not None:
        po.lr = _lib.as_real(opt["pretrain_lr"], "pretrain_lr")
    for name in ("batch", "chains", "gibbs_steps", "mf_iterations"):
        if opt[name] is not None:
            setattr(to, name, _lib.as_count(opt[name], name, lo=1))
    for name in ("lr", "lr_decay", "momentum", "weight_decay", "mf_tolerance", "lr_divisor",
                 "lr_min", "sparsity_cost", "sparsity_damping"):
        if opt[name] is not None:
            setattr(to, name, _lib.as_real(opt[name], name))
    if not to.lr_divisor >= 1.0:
        raise ValueError("lr_divisor: %r must be >= 1 (1: no decay)" % to.lr_divisor)
    for name in ("lr_min", "sparsity_cost"):
        if not getattr(to, name) >= 0.0:
            raise ValueError("%s: %r must be >= 0" % (name, getattr(to, name)))
    if not 0.0 <= to.sparsity_damping < 1.0:
        raise ValueError("sparsity_damping: %r must be in [0, 1)" % to.sparsity_damping)
    # The command's default: the library's target of the first hidden layer, for all.
    targets = opt["sparsity_target"]
    targets = to.sparsity_target[1] if targets is None else targets
    for l, p in enumerate(_sparsity_targets(targets, len(hidden), preset_targets), 1):
        to.sparsity_target[l] = p
    # As the command, after the sparsity targets' check (programs/cmd_dbm.c).
    counts = po.epochs if opt["pretrain_epochs"] is None else opt["pretrain_epochs"]
    po.per_layer = 1
    for l, e in enumerate(_pretrain_counts(counts, len(hidden), preset_counts), 1):
        po.layer_epochs[l] = e
    # The command's pretraining shares the batch with joint training, and the weight decay
    # unless --pretrain-weight-decay is given (programs/dbm_train.c).
    po.batch = to.batch
    if opt["pretrain_cd_epochs"] is not None:
        po.cd_step_epochs = _lib.as_count(opt["pretrain_cd_epochs"], "pretrain_cd_epochs",
                                          hi=1000000)
    if opt["pretrain_weight_decay"] is None:
        po.weight_decay = to.weight_decay
    else:
        po.weight_decay = _lib.as_real(opt["pretrain_weight_decay"], "pretrain_weight_decay")
        if not po.weight_decay >= 0.0:
            raise ValueError("pretrain_weight_decay: %r must be >= 0" % po.weight_decay)
    return po, to


class DBM(Handle):
    """A deep Boltzmann machine with L hidden layers (zs_dbm):
    E(v, h^1..h^L) = -sum_l h^{l-1} W^l h^l - sum_l b^l . h^l, v = h^0.

    DBM(weights, biases): weights [W^1, ..., W^L] with W^l of shape (n_{l-1}, n_l); biases
    [b^0, ..., b^L] (None: all zero). DBM.load(path) reads an .npz as `zsum dbm` does."""

    _free_name = "zs_dbm_free"

    def __init__(self, weights, biases=None):
        super().__init__()
        if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
            raise TypeError("weights: expected a list of L arrays W1..WL, got %s"
                            % type(weights).__name__)
        L = len(weights)
        if not 1 <= L <= MAX_LAYERS:
            raise ValueError("weights: %d layers; a DBM has 1..%d hidden layers"
                             % (L, MAX_LAYERS))
        ws = [_lib.as_float64(w, "weights[%d] (W%d)" % (l, l + 1), ndim=2)
              for l, w in enumerate(weights)]
        sizes = [ws[0].shape[0]] + [w.shape[1] for w in ws]
        for l in range(1, L):
            if ws[l].shape[0] != sizes[l]:
                raise ValueError("weights: W%d has shape %s, W%d %s: the layers do not chain"
                                 % (l, ws[l - 1].shape, l + 1, ws[l].shape))
        if biases is None:
            bs = [np.zeros(n) for n in sizes]
        else:
            if isinstance(biases, np.ndarray) or not isinstance(biases, (list, tuple)):
                raise TypeError("biases: expected a list of L + 1 arrays b0..bL, got %s"
                                % type(biases).__name__)
            if len(biases) != L + 1:
                raise ValueError("biases: %d arrays for %d hidden layers (expected %d)"
                                 % (len(biases), L, L + 1))
            bs = [_lib.as_float64(b, "biases[%d] (b%d)" % (l, l), ndim=1, shape=(sizes[l],))
                  for l, b in enumerate(biases)]
        sz = np.array(sizes, dtype=np.uintp)
        out = c_void_p()
        self._new(_lib_.zs_dbm_alloc(self._ctx.ptr, L, sz.ctypes.data, byref(out)), out)
        for l in range(1, L + 1):
            _view(_lib_.zs_dbm_w_mut(self._ptr, l), (sizes[l - 1], sizes[l]))[...] = ws[l - 1]
        for l in range(L + 1):
            _view(_lib_.zs_dbm_bias_mut(self._ptr, l), (sizes[l],))[...] = bs[l]
        self._ctx.check(_lib_.zs_dbm_check(self._ptr))
        self.name = "<model>"

    @classmethod
    def load(cls, path):
        """A model from an .npz: zsum's W1..WL, b0..bL; Salakhutdinov's vishid, hidpen, ...;
        or an RBM file (W, vbias, hbias), as `zsum dbm` reads it."""
        self = cls.__new__(cls)
        Handle.__init__(self)
        p = _lib.path_bytes(path)
        out = c_void_p()
        self._new(_lib_.zs_dbm_load(self._ctx.ptr, p, byref(out)), out)
        self.name = os.fsdecode(p)
        return self

    def save(self, path, dtype="float64"):
        """Write W1..WL and b0..bL as float64 or float32 (atomically)."""
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = None
        if name not in ("float64", "float32"):
            raise ValueError("dtype: must be float64 or float32, got %r" % (dtype,))
        with self._ctx.lock:
            # zs_dtype: ZS_DTYPE_F8 = 0, ZS_DTYPE_F4 = 1 (zsum/npz.h).
            self._ctx.check(_lib_.zs_dbm_save(self._ptr, _lib.path_bytes(path),
                                              0 if name == "float64" else 1))

    # ---- the model ---------------------------------------------------------------------------
    @property
    def layers(self):
        """(n_0, n_1, ..., n_L): the units of v and of each hidden layer."""
        L = _lib_.zs_dbm_layers(self._ptr)
        return tuple(int(_lib_.zs_dbm_size(self._ptr, l)) for l in range(L + 1))

    @property
    def weights(self):
        """[W^1, ..., W^L] (copies)."""
        s = self.layers
        return [_view(_lib_.zs_dbm_w(self._ptr, l), (s[l - 1], s[l])).copy()
                for l in range(1, len(s))]

    @property
    def biases(self):
        """[b^0, ..., b^L] (copies)."""
        s = self.layers
        return [_view(_lib_.zs_dbm_bias(self._ptr, l), (s[l],)).copy() for l in range(len(s))]

    @property
    def dtype(self):
        """"float32" or "float64": the element type of the file the model came from (new and
        trained models: "float64"; zs_dbm_dtype)."""
        return np.dtype(_lib.enum_name("dtype", _lib_.zs_dbm_dtype(self._ptr))).name

    def exact_seconds(self):
        """The estimated seconds of the exact ln Z on the threads it runs, zsum.get_num_threads()
        but no more than the processors (zs_dbm_exact_seconds, with the library's own thread
        rule, zs_ctx_threads_for): what log_partition(method="exact") compares with
        max_seconds."""
        with self._ctx.lock:
            self._ctx.sync()
            threads = _lib_.zs_ctx_threads_for(self._ctx.ptr, 1 << 62)
            return _lib_.zs_dbm_exact_seconds(self._ptr, threads)

    def _rows(self, rows, name="rows"):
        return _lib.as_binary(rows, name, ndim=2, shape=(None, self.layers[0]))

    # ---- ln Z ----------------------------------------------------------------------------------
    def log_partition(self, method="auto", chains=100, schedule="sm08", base=None, data=None,
                      pseudocount=1.0, seed=1, max_seconds=MAX_SECONDS, reverse=None,
                      reverse_data=None, pt_temperatures=50, pt_sweeps=None, start_sweeps=None):
        """ln Z as `zsum dbm lnz --format json` gives it: layers, method, lnZ and, for AIS,
        lnZ_lo, lnZ_hi (the +-3 sigma band), ess, chains, temperatures, seed, base.

        method: "exact" (enumerating the smaller set of layers; TooBigError when its estimated
        time passes max_seconds), "ais", or "auto" (exact when affordable, else AIS). AIS:
        chains (>= 2), schedule ("sm08", "linear:N", a file of betas, or an array of betas),
        base ("pt", the default without data: the frequencies of v, h^2, ... in
        parallel-tempering samples of the model, with the reverse side from the same samples
        unless reverse= says otherwise; "uniform"; "model"; "data": the frequencies of the
        binary rows `data`, smoothed by pseudocount, the default with data), seed.

        The AIS sandwich (`zsum dbm lnz --ais --reverse pt|data:FILE|none`,
        zs_dbm_lnz_sandwich): reverse="pt" runs the schedule backwards from parallel-tempering
        samples (pt_temperatures betas, pt_sweeps sweeps per ladder and stage; None: sized
        from the forward run as zs_dbm_sandwich_pt_sweeps says), reverse="data" from the
        binary rows reverse_data (their h^2, h^4, ... drawn by start_sweeps clamped sweeps,
        default 100), for a stochastic upper side; the Result then
        adds reverse, lnZ_reverse, lnZ_reverse_lo, lnZ_reverse_hi, reverse_ess, sandwich_lo,
        sandwich_hi, sides_agree, and for PT pt_temperatures, pt_sweeps, pt_swap_min, as the
        command's JSON; "sides_warning" when the two sides' bands do not overlap.
        reverse="none": the forward side alone, with "reverse": "none"."""
        if method not in ("auto", "exact", "ais"):
            raise ValueError("log_partition: method must be 'auto', 'exact' or 'ais', got %r"
                             % (method,))
        max_seconds = _lib.as_real(max_seconds, "max_seconds", finite=False)
        if not max_seconds > 0:
            raise ValueError("max_seconds: %r must be > 0" % max_seconds)
        if method == "exact" and reverse is not None:
            raise ValueError("log_partition: reverse is an AIS option; method='exact' does not "
                             "use it (drop it, or use method='ais')")
        if reverse is None and (base == "pt" or (base is None and data is None)):
            reverse = "pt"  # the PT base's samples start the reverse side too, as the command
        sandwich = _sandwich_opts(self, reverse, reverse_data, pt_temperatures, pt_sweeps,
                                  start_sweeps)
        out = Result(layers=list(self.layers))
        if method != "ais":
            lnz = c_double()
            with self._ctx.lock:
                self._ctx.sync()
                st = _lib_.zs_dbm_lnz_exact(self._ptr, max_seconds, byref(lnz))
                if st == 0:
                    out.update(method="exact", lnZ=lnz.value)
                    return out
                if method == "exact" or st != _lib.TooBigError.status:
                    self._ctx.check(st)
        return self._ais(out, chains, schedule, base, data, pseudocount, seed, sandwich)

    def _ais(self, out, chains, schedule, base, data, pseudocount, seed, sandwich=None):
        opts = _AisOpts()
        _lib_.zs_dbm_ais_defaults(byref(opts))
        opts.chains = _lib.as_count(chains, "chains", lo=2, hi=1000000)
        opts.pseudocount = _lib.as_real(pseudocount, "pseudocount")
        if not opts.pseudocount > 0:
            raise ValueError("pseudocount: %r must be > 0" % opts.pseudocount)
        opts.seed = seed = _lib.as_count(seed, "seed")
        keep = []
        if base is None:
            base = "data" if data is not None else "pt"
        if base in ("uniform", "model", "pt"):
            if data is not None:
                raise ValueError("log_partition: data= is for base='data', not %r" % base)
            opts.base = _lib.enum_value("dbm_ais_base", "base", base)
        elif base == "data":
            if data is None:
                raise ValueError("log_partition: base='data' needs the rows as data=")
            rows = self._rows(data, "data")
            keep.append(rows)
            opts.base = _lib.enum_value("dbm_ais_base", "base", "data")
            opts.data, opts.n_data = rows.ctypes.data, rows.shape[0]
        else:
            raise ValueError("log_partition: base must be 'pt', 'uniform', 'model' or 'data', "
                             "got %r" % (base,))
        betas_c = None
        res = _AisResult()
        with self._ctx.lock:
            self._ctx.sync()
            try:
                if isinstance(schedule, str):
                    ptr, n = c_void_p(), c_size_t()
                    self._ctx.check(_lib_.zs_rbm_schedule_parse(self._ctx.ptr, schedule.encode(),
                                                                byref(ptr), byref(n)))
                    betas_c = ptr
                    opts.betas, opts.nbetas = ptr.value, n.value
                else:
                    betas = _lib.as_float64(schedule, "schedule", ndim=1)
                    self._ctx.check(_lib_.zs_rbm_schedule_check(self._ctx.ptr, betas.ctypes.data,
                                                                betas.size))
                    keep.append(betas)
                    opts.betas, opts.nbetas = betas.ctypes.data, betas.size
                if sandwich is not None:
                    so = sandwich[0]
                    so.ais = opts
                    sres = _SandwichResult()
                    self._ctx.check(_lib_.zs_dbm_lnz_sandwich(self._ptr, byref(so), byref(sres)))
                    res = sres.forward
                else:
                    self._ctx.check(_lib_.zs_dbm_lnz_ais(self._ptr, byref(opts), byref(res)))
            finally:
                if betas_c is not None and betas_c.value:
                    _libc_free(betas_c)
        out.update(method="ais", lnZ=res.lnz.value, lnZ_lo=res.band.lo, lnZ_hi=res.band.hi,
                   ess=res.lnz.ess, chains=res.chains, temperatures=res.temperatures,
                   seed=seed, base=base)
        if sandwich is not None:
            _sandwich_keys(out, sandwich[0], sres)
        if ais_unreliable(res.lnz.ess, res.chains):
            out["warning"] = ais_warning(base)
        if sandwich is not None and sres.reverse != 0 and not sres.sandwich.agree:
            out["sides_warning"] = (
                "the forward (lower) estimate %s and the reverse (upper) estimate %s disagree "
                "by more than their bands: %s" % (_cli_num(res.lnz.value),
                                                  _cli_num(sres.upper.value), DISAGREE_WARNING))
        return out

    def lnz_mean_field(self, max_iterations=None, tolerance=None):
        """The naive mean-field lower bound on ln Z (zs_dbm_lnz_mean_field): lnZ, bound
        ("lower-bound"), iterations, converged. Defaults: 30 sweeps, tolerance 1e-7."""
        o = _mf_opts(max_iterations, tolerance)
        lnz, it, conv = c_double(), c_uint32(), c_int()
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_dbm_lnz_mean_field(self._ptr, byref(o), byref(lnz),
                                                        byref(it), byref(conv)))
        return Result(method="mean-field", lnZ=lnz.value, bound="lower-bound",
                      iterations=it.value, converged=bool(conv.value))

    def lnz_bethe(self, max_iterations=None, tolerance=None, damping=None):
        """The Bethe approximation of ln Z by damped loopy BP (zs_dbm_lnz_bethe): lnZ, bound
        ("estimate": no side guaranteed; exact on a tree), iterations, converged. Defaults:
        1000 sweeps, tolerance 1e-10, damping 0.5."""
        o = _BetheOpts()
        _lib_.zs_dbm_bethe_defaults(byref(o))
        if max_iterations is not None:
            o.max_iterations = _lib.as_count(max_iterations, "max_iterations", lo=1)
        if tolerance is not None:
            o.tolerance = _lib.as_real(tolerance, "tolerance")
        if damping is not None:
            o.damping = _lib.as_real(damping, "damping")
        lnz, it, conv = c_double(), c_uint32(), c_int()
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_dbm_lnz_bethe(self._ptr, byref(o), byref(lnz), byref(it),
                                                   byref(conv)))
        return Result(method="bethe", lnZ=lnz.value, bound="estimate", iterations=it.value,
                      converged=bool(conv.value))

    # ---- rows ----------------------------------------------------------------------------------
    def unnorm_loglik(self, rows, max_seconds=MAX_SECONDS, out=None):
        """ln p*(v) = ln sum_h exp(-E(v, h)) of each binary row, exactly (n,) float64
        (zs_dbm_unnorm_loglik_exact); ln p(v) = ln p*(v) - ln Z. TooBigError when the
        estimated time of all rows passes max_seconds."""
        v = self._rows(rows)
        max_seconds = _lib.as_real(max_seconds, "max_seconds", finite=False)
        res = _lib.out_array(out, "out", (v.shape[0],), np.float64)
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_dbm_unnorm_loglik_exact(self._ptr, v.ctypes.data,
                                                             v.shape[0], max_seconds,
                                                             res.ctypes.data))
        return res

    def mean_field(self, rows, max_iterations=None, tolerance=None, out=None):
        """The mean-field lower bound B(v) <= ln p*(v) of each binary row
        (zs_dbm_mean_field): (bound float64 (n,), iterations uint32 (n,), converged uint8
        (n,)). out: None or a tuple of those three arrays, filled in place."""
        v = self._rows(rows)
        o = _mf_opts(max_iterations, tolerance)
        n = v.shape[0]
        if out is None:
            out = (None, None, None)
        if not isinstance(out, tuple) or len(out) != 3:
            raise TypeError("out: expected a tuple (bound, iterations, converged)")
        b = _lib.out_array(out[0], "out[0] (bound)", (n,), np.float64)
        it = _lib.out_array(out[1], "out[1] (iterations)", (n,), np.uint32)
        cv = _lib.out_array(out[2], "out[2] (converged)", (n,), np.uint8)
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_dbm_mean_field(self._ptr, byref(o), v.ctypes.data, n,
                                                    b.ctypes.data, it.ctypes.data,
                                                    cv.ctypes.data))
        return b, it, cv

    def loglik(self, data, method="auto", mf_iterations=None, mf_tolerance=None,
               max_seconds=MAX_SECONDS, **ais):
        """The mean log-likelihood of binary rows, as `zsum dbm loglik --format json`: the
        keys of log_partition (AIS with base "data" on these rows unless base= is given), then
        n, loglik (the exact mean ln p(v); NaN when the sum over the hidden layers passes
        max_seconds), with a reverse side loglik_sandwich_lo, loglik_sandwich_hi (the mean
        ln p*(v) minus the ends of the joined band sandwich_hi, sandwich_lo), elbo (the mean-field bound on it), elbo_lo, elbo_hi (with the ends of
        ln Z's band), mf_converged, mf_iterations_mean, mf_iterations_max,
        mf_iterations_limit."""
        v = self._rows(data, "data")
        o = _mf_opts(mf_iterations, mf_tolerance)
        if method == "ais" or method == "auto":
            ais.setdefault("base", "data")
            if ais["base"] == "data":
                ais.setdefault("data", v)
        r = self.log_partition(method=method, max_seconds=max_seconds, **ais)
        lnz = r["lnZ"]
        lo, hi = r.get("lnZ_lo", lnz), r.get("lnZ_hi", lnz)
        bound, it, conv = self.mean_field(v, o.max_iterations, o.tolerance)
        n = v.shape[0]
        # The command line's sums, in its order (row by row), divided by n.
        elbo = it_mean = 0.0
        for q in range(n):
            elbo += float(bound[q])
            it_mean += float(it[q])
        elbo /= float(n)
        it_mean /= float(n)
        try:
            u = self.unnorm_loglik(v, max_seconds)
            ustar = 0.0
            for q in range(n):
                ustar += float(u[q])
            ustar /= float(n)
            ll = ustar - lnz
        except _lib.TooBigError:
            ustar = ll = float("nan")
        r.update(n=n, loglik=ll)
        if "sandwich_lo" in r:
            # ln p(v) = ln p*(v) - ln Z over the two sides' joined band (programs/result.c)
            r.update(loglik_sandwich_lo=ustar - r["sandwich_hi"],
                     loglik_sandwich_hi=ustar - r["sandwich_lo"])
        r.update(elbo=elbo - lnz, elbo_lo=elbo - hi, elbo_hi=elbo - lo,
                 mf_converged=int(conv.sum()), mf_iterations_mean=it_mean,
                 mf_iterations_max=int(it.max()), mf_iterations_limit=o.max_iterations)
        return r

    # ---- training, sampling and the RBM ------------------------------------------------------
    @classmethod
    def fit(cls, data, hidden, epochs=None, pretrain_epochs=None, pretrain_lr=None, batch=None,
            lr=None, lr_decay=None, momentum=None, weight_decay=None, chains=None,
            gibbs_steps=None, mf_iterations=None, mf_tolerance=None, negative="auto", seed=1,
            save=None, resume=None, lr_divisor=None, lr_min=None, pretrain_weight_decay=None,
            sparsity_target=None, sparsity_cost=None, sparsity_damping=None, init_model=None,
            preset=None, pretrain_cd_epochs=None, binarize=None):
        """A DBM trained as `zsum dbm train DATA --hidden H1,H2 --epochs E -o MODEL.npz` trains
        it: greedy pretraining (pretrain_epochs: one count for every RBM or a sequence of one per
        RBM, as `--pretrain-epochs 100,200`; CD-1 on RBMs with doubled weights; skipped when all
        are 0), then `epochs` epochs of joint training (mean-field positive phase,
        `negative` phase "persistent"|"exact"|"mean-field"|"auto"). The options are the
        command's, with its defaults (None: the library's, or the preset's). data: binary rows
        (uint8 used as is, no copy when C-contiguous). save: a path to write what the command
        writes to -o (the model and its training state), byte for byte the same for the same
        options and seed. resume: a file that save (or the command's -o) wrote, made with the
        same data, layer sizes and options: no pretraining, the training continues from its
        state up to `epochs` epochs in all, bit-identically to a run that never stopped
        (`--resume`), a checkpoint the command wrote inside pretraining included (the
        pretraining continues from it). The new model's `mf_bounds_` holds the mean mean-field bound of each
        epoch run.

        The recipe of Salakhutdinov's public code (`--lr-divisor`, `--lr-min`,
        `--pretrain-weight-decay`, `--sparsity-*`): the learning rate divided by lr_divisor
        (>= 1) before every update down to lr_min; pretrain_weight_decay (None: weight_decay);
        sparsity_cost > 0 pushes each hidden unit's running mean activation (damped by
        sparsity_damping) toward sparsity_target (one value for every hidden layer, or one per
        layer). init_model: a DBM, or the path of one, of these layer sizes: joint training
        starts from its parameters, without pretraining (`--init-model`; excludes resume and
        pretrain_epochs). preset: "salakhutdinov" or "salakhutdinov-paper" (PRESETS, as
        `--preset`): its values for every option left None, epochs included.

        pretrain_cd_epochs S (`--pretrain-cd-epochs`): the RBMs above the first run CD-k,
        k = ceil(epoch / S), at the pretraining learning rate / k (None or 0: CD-1).
        binarize="resample" (`--binarize resample`): data are grey levels (finite, >= 0),
        taken as round(255 x / max) / 255, and every use of a row in pretraining and joint
        training draws its pixels afresh from them; a preset does this for data that are not
        all 0 and 1 when binarize is None."""
        if isinstance(hidden, np.ndarray):
            hidden = hidden.tolist()
        hidden = [_lib.as_count(h, "hidden[%d]" % i, lo=1) for i, h in enumerate(
            hidden if isinstance(hidden, (list, tuple)) else [hidden])]
        if not 1 <= len(hidden) <= MAX_LAYERS:
            raise ValueError("hidden: %d layers; a DBM has 1..%d hidden layers"
                             % (len(hidden), MAX_LAYERS))
        v, resample = _training_rows(data, binarize, preset)
        given = dict(pretrain_cd_epochs=pretrain_cd_epochs, epochs=epochs, pretrain_epochs=pretrain_epochs, pretrain_lr=pretrain_lr,
                     pretrain_weight_decay=pretrain_weight_decay, batch=batch, lr=lr,
                     lr_decay=lr_decay, lr_divisor=lr_divisor, lr_min=lr_min,
                     momentum=momentum, weight_decay=weight_decay, chains=chains,
                     gibbs_steps=gibbs_steps, mf_iterations=mf_iterations,
                     mf_tolerance=mf_tolerance, sparsity_target=sparsity_target,
                     sparsity_cost=sparsity_cost, sparsity_damping=sparsity_damping)
        opt = _with_preset(preset, given)
        if init_model is not None and (resume is not None or pretrain_epochs is not None):
            raise ValueError("fit: init_model starts joint training from a model; it excludes %s"
                             % ("resume" if resume is not None else "pretrain_epochs"))
        if opt["epochs"] is None:
            raise TypeError("fit: epochs is required (or preset=)")
        epochs = _lib.as_count(opt["epochs"], "epochs", lo=1)
        po, to = _train_opts(opt, hidden, preset is not None and sparsity_target is None,
                             preset is not None and pretrain_epochs is None)
        to.negative = _lib.enum_value("dbm_negative", "negative", negative)
        po.resample = to.resample = resample
        to.seed = po.seed = _lib.as_count(seed, "seed")
        path = _lib.path_bytes(save, "save") if save is not None else None
        rpath = _lib.path_bytes(resume, "resume") if resume is not None else None
        self = cls.__new__(cls)
        Handle.__init__(self)
        sizes = np.array([v.shape[1]] + hidden, dtype=np.uintp)
        out = c_void_p()
        self._new(_lib_.zs_dbm_alloc(self._ctx.ptr, len(hidden), sizes.ctypes.data, byref(out)),
                  out)
        self.name = "<trained>"
        if init_model is not None:
            self._copy_from(init_model, "init_model")
        self.mf_bounds_ = np.array(self._train(v, po, to, epochs, path, rpath,
                                               pretrain=init_model is None and rpath is None))
        return self

    def _copy_from(self, model, name):
        """The parameters of model (a DBM or the path of one) of self's layer sizes, as the
        command's --init-model copies them."""
        src = model if isinstance(model, DBM) else DBM.load(model)
        if src.layers != self.layers:
            raise ValueError("%s: layers %s, but the data and hidden make %s"
                             % (name, "-".join(map(str, src.layers)),
                                "-".join(map(str, self.layers))))
        s = self.layers
        for l in range(len(s)):
            _view(_lib_.zs_dbm_bias_mut(self._ptr, l), (s[l],))[...] = \
                _view(_lib_.zs_dbm_bias(src._ptr, l), (s[l],))
            if l:
                _view(_lib_.zs_dbm_w_mut(self._ptr, l), (s[l - 1], s[l]))[...] = \
                    _view(_lib_.zs_dbm_w(src._ptr, l), (s[l - 1], s[l]))

    def _train(self, v, po, to, epochs, path, rpath, pretrain):
        """Pretraining (when asked and some RBM has epochs, or continued from a pretraining
        checkpoint rpath), then joint training up to `epochs`:
        the mean-field bound of each epoch run."""
        t = c_void_p()
        bounds = []
        with self._ctx.lock:
            self._ctx.sync()
            try:
                # refuse what joint training would refuse before pretraining, as the command
                self._ctx.check(_lib_.zs_dbm_train_check(self._ctx.ptr, self._ptr, byref(to),
                                                         v.ctypes.data, v.shape[0]))
                inside = c_int(0)
                if rpath is not None:
                    self._ctx.check(_lib_.zs_dbm_is_pretrain_checkpoint(self._ctx.ptr, rpath,
                                                                        byref(inside)))
                if inside.value:
                    self._pretrain_from(v, po, rpath)
                elif sum(po.layer_epochs) > 0 and pretrain:
                    self._ctx.check(_lib_.zs_dbm_pretrain(self._ptr, byref(po), v.ctypes.data,
                                                          v.shape[0]))
                self._ctx.check(_lib_.zs_dbm_trainer_alloc(self._ctx.ptr, self._ptr, byref(to),
                                                           v.ctypes.data, v.shape[0], byref(t)))
                if rpath is not None and not inside.value:
                    self._ctx.check(_lib_.zs_dbm_trainer_resume(t, rpath))
                b = c_double()
                while _lib_.zs_dbm_trainer_epochs_done(t) < epochs:
                    self._ctx.check(_lib_.zs_dbm_trainer_epoch(t, byref(b)))
                    bounds.append(b.value)
                _lib_.zs_dbm_trainer_get(t, self._ptr)
                # As the command, which writes -o after each epoch it runs.
                if path is not None and bounds:
                    self._ctx.check(_lib_.zs_dbm_trainer_save(t, path))
            finally:
                if t.value:
                    _lib_.zs_dbm_trainer_free(t)
        return bounds

    def _pretrain_from(self, v, po, rpath):
        """The pretraining continued from a checkpoint the command wrote inside it, to its
        end, as `zsum dbm train --resume` continues it (the caller holds the lock)."""
        p = c_void_p()
        try:
            self._ctx.check(_lib_.zs_dbm_pretrainer_alloc(self._ctx.ptr, self._ptr, byref(po),
                                                          v.ctypes.data, v.shape[0], byref(p)))
            self._ctx.check(_lib_.zs_dbm_pretrainer_resume(p, rpath))
            while _lib_.zs_dbm_pretrainer_epochs_done(p) < _lib_.zs_dbm_pretrainer_epochs(p):
                self._ctx.check(_lib_.zs_dbm_pretrainer_epoch(p))
            self._ctx.check(_lib_.zs_dbm_pretrainer_get(p, self._ptr))
        finally:
            if p.value:
                _lib_.zs_dbm_pretrainer_free(p)

    def sample(self, chains=None, steps=None, seed=1, init=None, max_seconds=SAMPLE_MAX_SECONDS,
                layers=False, prob=False):
        """Block-Gibbs samples as `zsum dbm sample MODEL --chains K --steps S --seed S
        [--init data:DATA] -o FILE.npy`: the final v of each chain, (chains, n_0) uint8, equal to
        that file's array. Defaults: 64 chains, 1000 sweeps. init: binary start rows (chain c
        starts from row c mod n); None: random starts. layers=True adds every layer's final state
        (chains, n_0 + ... + n_L) uint8; prob=True adds p(v = 1 | h^1) of the last sweep
        (chains, n_0) float64 (what the command's .png shows); then a tuple is returned.
        TooBigError when the estimated time passes max_seconds, as the command refuses."""
        o = _SampleOpts()
        _lib_.zs_dbm_sample_defaults(byref(o))
        if chains is not None:
            o.chains = _lib.as_count(chains, "chains", lo=1, hi=1000000)
        if steps is not None:
            o.steps = _lib.as_count(steps, "steps", hi=100000000)
        o.seed = _lib.as_count(seed, "seed")
        rows = None
        if init is not None:
            rows = self._rows(init, "init")
            o.init, o.n_init = rows.ctypes.data, rows.shape[0]
        max_seconds = _lib.as_real(max_seconds, "max_seconds", finite=False)
        if not max_seconds > 0:
            raise ValueError("max_seconds: %r must be > 0" % max_seconds)
        secs = _lib_.zs_dbm_sample_seconds(self._ptr, o.chains, o.steps)
        if not secs <= max_seconds:
            raise _lib.TooBigError(
                "sample: %d chains x %d Gibbs sweeps of this DBM would take about %.3g s, over "
                "max_seconds %g; use fewer chains or steps, or raise max_seconds"
                % (o.chains, o.steps, secs, max_seconds))
        s = self.layers
        vis = np.empty((o.chains, s[0]), np.uint8)
        lay = np.empty((o.chains, sum(s)), np.uint8) if layers else None
        pr = np.empty((o.chains, s[0]), np.float64) if prob else None
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_dbm_sample(self._ptr, byref(o), vis.ctypes.data,
                                                None if lay is None else lay.ctypes.data,
                                                None if pr is None else pr.ctypes.data))
        if not layers and not prob:
            return vis
        return (vis,) + ((lay,) if layers else ()) + ((pr,) if prob else ())

    @classmethod
    def from_rbm(cls, rbm):
        """The one-hidden-layer DBM of a fitted zsum.BernoulliRBM (zs_dbm_from_rbm: W^1 =
        components_.T, b^0 = intercept_visible_, b^1 = intercept_hidden_; exact copies)."""
        from .rbm import BernoulliRBM, _Model
        if not isinstance(rbm, BernoulliRBM):
            raise TypeError("from_rbm: expected a zsum.BernoulliRBM, got %s" % type(rbm).__name__)
        if not hasattr(rbm, "components_"):
            raise ValueError("from_rbm: the BernoulliRBM is not fitted")
        self = cls.__new__(cls)
        Handle.__init__(self)
        ctx = _lib.Context()
        with rbm._model(ctx) as m:
            ctx.check(_lib_.zs_rbm_check(m.ptr))
            out = c_void_p()
            ctx.check(_lib_.zs_dbm_from_rbm(m.ptr, byref(out)))
            # The new DBM keeps the RBM's context: adopt it, so that errors read its message.
            self._ctx = ctx
            self._ptr = out.value
        self._ctx.check(_lib_.zs_dbm_check(self._ptr))
        self.name = "<rbm>"
        return self

    def to_rbm(self):
        """The DBM as a zsum.BernoulliRBM between its even layers (v, h^2, ...: the visible
        units) and its odd ones (zs_dbm_to_rbm): the same Z and the same distribution; for one
        hidden layer, the RBM of from_rbm. The estimator is fitted (components_,
        intercept_visible_, intercept_hidden_) and ready for log_partition, sample, ..."""
        from .rbm import BernoulliRBM, _view as rview
        out = c_void_p()
        with self._ctx.lock:
            self._ctx.check(_lib_.zs_dbm_to_rbm(self._ptr, byref(out)))
        try:
            nv, nh = int(_lib_.zs_rbm_nv(out)), int(_lib_.zs_rbm_nh(out))
            w = rview(_lib_.zs_rbm_w(out), (nv, nh)).T.copy(order="F")
            a = rview(_lib_.zs_rbm_vbias(out), (nv,)).copy()
            b = rview(_lib_.zs_rbm_hbias(out), (nh,)).copy()
        finally:
            _lib_.zs_rbm_free(out)
        r = BernoulliRBM(n_components=nh)
        r.components_, r.intercept_visible_, r.intercept_hidden_ = w, a, b
        r.n_features_in_ = nv
        r._n_features_out = nh
        return r

    def __repr__(self):
        return "<zsum.DBM %s: layers %s>" % (self.name, "-".join(map(str, self.layers)))
