"""zsum.rbm — BernoulliRBM, a scikit-learn estimator over libzsum's restricted Boltzmann
machines (include/zsum/rbm.h).

The constructor, the attributes and the methods are scikit-learn's BernoulliRBM's, and the
numbers are the command line's: a model fitted here with random_state=S equals, bit for bit,
the model `zsum rbm train --seed S` writes for the same data and options, and log_partition
equals `zsum rbm logz --format json`. What differs from scikit-learn (docs/python.md):

- score_samples is the true log-likelihood ln p(v) = -F(v) - ln Z of each row, with ln Z exact
  when affordable and estimated by annealed importance sampling otherwise; scikit-learn's
  pseudo-likelihood is pseudo_likelihood.
- Training is CD-k or PCD-k on binary rows (method, k): every method sees X binarized as
  x > 0.5 (binary data, 0/1 in any dtype, is used as it is; uint8 and bool 0/1 rows without a
  copy). PCD keeps persistent *visible* chains (chains_); h_samples_ holds p(h = 1 | chain).
- partial_fit runs one epoch over X in batches of batch_size (scikit-learn's takes one
  gradient step on the whole of X), continuing the training state (chains, epoch count,
  seed), so that n partial_fit calls on X equal fit with n_iter=n.
"""
import ctypes
import hashlib
import numbers
import sys
import time
from ctypes import byref, c_double, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._lib import lib
from ._result import Result, cli_num
from .dbm import ais_warning, ais_unreliable

try:
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.validation import check_is_fitted, check_non_negative
    try:
        from sklearn.base import ClassNamePrefixFeaturesOutMixin as _FeatureNames
    except ImportError:                                  # scikit-learn < 1.1
        class _FeatureNames:
            pass
    HAVE_SKLEARN = True
except ImportError:                                      # NumPy alone: the same estimator
    HAVE_SKLEARN = False

    class _FeatureNames:
        pass

    class BaseEstimator:
        """get_params / set_params as scikit-learn's (the constructor's keyword arguments)."""

        @classmethod
        def _param_names(cls):
            import inspect
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep=True):
            return {p: getattr(self, p) for p in self._param_names()}

        def set_params(self, **params):
            for k, v in params.items():
                if k not in self._param_names():
                    raise ValueError("Invalid parameter %r for estimator %s" % (k, self))
                setattr(self, k, v)
            return self

        def __repr__(self):
            return "%s(%s)" % (type(self).__name__, ", ".join(
                "%s=%r" % kv for kv in self.get_params().items()))

        def _validate_data(self, X, reset=True, **kw):
            X = _lib._numeric(X, "X")
            if X.ndim != 2:
                raise ValueError("Expected 2D array, got shape %s" % (X.shape,))
            if X.shape[0] < 1 or X.shape[1] < 1:
                raise ValueError("X: is empty (shape %s)" % (X.shape,))
            if X.dtype.kind == "f" and not np.isfinite(X).all():
                raise ValueError("Input X contains NaN or infinity.")
            if reset:
                self.n_features_in_ = X.shape[1]
            elif X.shape[1] != self.n_features_in_:
                raise ValueError("X has %d features, but %s is expecting %d features as input."
                                 % (X.shape[1], type(self).__name__, self.n_features_in_))
            return X

    class TransformerMixin:
        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)

    class NotFittedError(ValueError, AttributeError):
        pass

    def check_is_fitted(est):
        if not hasattr(est, "components_"):
            raise NotFittedError("This %s instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator."
                                 % type(est).__name__)

    def check_non_negative(X, whom):
        if X.size and X.min() < 0:
            raise ValueError("Negative values in data passed to %s" % whom)

    def check_random_state(seed):
        if seed is None or seed is np.random:
            return np.random.mtrand._rand
        if isinstance(seed, numbers.Integral):
            return np.random.RandomState(seed)
        if isinstance(seed, np.random.RandomState):
            return seed
        raise ValueError("%r cannot be used to seed a numpy.random.RandomState instance" % seed)

# The initial weights' standard deviation: scikit-learn's and `zsum rbm train --init-std`'s
# default (Hinton 2010, "A practical guide to training RBMs", section 8).
INIT_STD = 0.01
# log_partition's default limit for the exact sum, as `zsum rbm logz --max-seconds`.
MAX_SECONDS = 3600.0

_libc_free = ctypes.CDLL(None).free
_libc_free.argtypes = [c_void_p]
_libc_free.restype = None


class _Model:
    """A zs_rbm holding the estimator's parameters for the length of a call (a copy: the
    estimator's arrays stay NumPy's)."""

    def __init__(self, ctx, components, vbias, hbias, shape=None):
        nh, nv = components.shape if shape is None else shape
        self.ctx, self.nv, self.nh = ctx, nv, nh
        self.ptr = c_void_p()
        ctx.check(lib.zs_rbm_alloc(ctx.ptr, nv, nh, byref(self.ptr)))
        self.w = _view(lib.zs_rbm_w_mut(self.ptr), (nv, nh))
        self.a = _view(lib.zs_rbm_vbias_mut(self.ptr), (nv,))
        self.b = _view(lib.zs_rbm_hbias_mut(self.ptr), (nh,))
        if components is not None:                       # else all zero (zs_rbm_alloc)
            self.w[...] = components.T
            self.a[...] = vbias
            self.b[...] = hbias

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        lib.zs_rbm_free(self.ptr)
        self.ptr = None


def _counts(freq, n):
    """The whole counts behind frequencies (count_i + 1) / (n + 2): exact while n + 2 is far
    below 2^52 / |error|, the rounding error of the division being one unit in the last place."""
    return np.rint(freq * (float(n) + 2.0) - 1.0).astype(np.int64)


def _view(address, shape):
    n = int(np.prod(shape))
    return np.ctypeslib.as_array((c_double * n).from_address(address)).reshape(shape)


class _State:
    """A zs_rbm_train_state over a NumPy float32 array of chains. The estimator trains without
    momentum, so its velocities stay 0: the velocity pointers are NULL (not kept)."""

    def __init__(self, nv, batch, chains=None):
        self.chains = np.zeros((batch, nv), np.float32) if chains is None else \
            np.ascontiguousarray(chains, dtype=np.float32)
        self.struct = _lib.struct("zs_rbm_train_state")()
        self.struct.chains = self.chains.ctypes.data


class BernoulliRBM(_FeatureNames, TransformerMixin, BaseEstimator):
    """Bernoulli restricted Boltzmann machine trained by CD-k or PCD-k in libzsum.

    Parameters (scikit-learn's, then zsum's): n_components (hidden units), learning_rate,
    batch_size, n_iter (epochs of fit), verbose (a line per epoch on stdout), random_state
    (an int is the seed of `zsum rbm train --seed`; None or a RandomState draws one), method
    ("pcd" or "cd"), k (Gibbs steps per update), n_threads (None: zsum.set_num_threads's
    count; the numbers do not depend on it).

    Attributes: components_ (n_components, n_features): W^T; intercept_hidden_,
    intercept_visible_; n_features_in_; h_samples_ (batch_size, n_components): p(h = 1 | c) of
    the persistent chains c (computed when read); chains_ (batch_size, n_features) uint8: the
    persistent visible chains; n_epochs_: epochs trained; train_seed_: the seed trained with;
    train_data_frequency_: (count_i + 1) / (n + 2) of the rows trained on, the default AIS
    base (as the model file's train_data_frequency).
    """

    def __init__(self, n_components=256, *, learning_rate=0.1, batch_size=10, n_iter=10,
                 verbose=0, random_state=None, method="pcd", k=1, n_threads=None):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.k = k
        self.n_threads = n_threads

    # ---- parameters and data ----------------------------------------------------------------

    def _check_params(self):
        def integer(name, lo):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < lo:
                raise ValueError("The '%s' parameter of BernoulliRBM must be an int in the "
                                 "range [%d, inf). Got %r instead." % (name, lo, v))
        integer("n_components", 1)
        integer("batch_size", 1)
        integer("n_iter", 0)
        integer("k", 1)
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 < lr < np.inf:
            raise ValueError("The 'learning_rate' parameter of BernoulliRBM must be a float in "
                             "the range (0, inf). Got %r instead." % (lr,))
        if self.method not in ("pcd", "cd"):
            raise ValueError("The 'method' parameter of BernoulliRBM must be 'pcd' or 'cd'. "
                             "Got %r instead." % (self.method,))
        if self.n_threads is not None:
            t = self.n_threads
            if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 0:
                raise ValueError("The 'n_threads' parameter of BernoulliRBM must be None or an "
                                 "int >= 0. Got %r instead." % (t,))

    def _context(self):
        ctx = _lib.Context()
        ctx.sync()
        if self.n_threads:
            lib.zs_ctx_set_threads(ctx.ptr, int(self.n_threads))
        return ctx

    def _rows(self, X, reset, whom, unchecked=False):
        """X as C-contiguous uint8 rows of 0s and 1s: binary uint8 or bool as it is (no copy
        when C-contiguous), other data binarized as x > 0.5 (scikit-learn's [0, 1]
        probabilities rounded); a sparse matrix becomes dense bytes. unchecked: uint8 rows are
        returned without the pass that looks for bytes above 1 (for _train_rows, whose
        library call checks every byte)."""
        X = self._validate_data(X, reset=reset, dtype=None, accept_sparse="csr") \
            if HAVE_SKLEARN else self._validate_data(X, reset=reset)
        if hasattr(X, "toarray"):                        # a SciPy sparse matrix: dense bytes
            check_non_negative(X, whom)
            return np.ascontiguousarray((X > 0.5).toarray()).view(np.uint8)
        if X.dtype == np.bool_:
            return np.ascontiguousarray(X).view(np.uint8)
        if X.dtype == np.uint8:
            X = np.ascontiguousarray(X)
            return X if unchecked or X.max(initial=0) <= 1 else (X > 0).view(np.uint8)
        if X.dtype.kind not in "biuf":
            X = np.asarray(X, dtype=np.float64)
        check_non_negative(X, whom)
        return np.ascontiguousarray(X > 0.5).view(np.uint8)

    def _seed(self):
        """The training seed: random_state itself when it is an int (`zsum rbm train
        --seed`), else a draw from it."""
        rs = self.random_state
        if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
            if not 0 <= rs < 2**64:
                raise ValueError("random_state: %d is not a seed in [0, 2^64)" % rs)
            return int(rs)
        return int(check_random_state(rs).randint(0, np.iinfo(np.int64).max, dtype=np.int64))

    def _draw(self):
        """A seed for gibbs and sample: from random_state_, made on first use (scikit-learn's
        rule: successive calls differ, a run is reproducible from random_state)."""
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        return int(self.random_state_.randint(0, np.iinfo(np.int64).max, dtype=np.int64))

    def _model(self, ctx):
        return _Model(ctx, np.asarray(self.components_, dtype=np.float64),
                      np.asarray(self.intercept_visible_, dtype=np.float64),
                      np.asarray(self.intercept_hidden_, dtype=np.float64))

    # ---- training ---------------------------------------------------------------------------

    def fit(self, X, y=None):
        """Fit the model to X (n_samples, n_features): the visible biases start at the data's
        log-odds, W at N(0, 0.01^2) from the seed, then n_iter epochs of CD-k / PCD-k."""
        self._check_params()
        X = self._rows(X, True, "BernoulliRBM.fit", unchecked=True)
        for name in ("_lnz_cache", "random_state_"):
            self.__dict__.pop(name, None)
        self._train_rows(X, self._seed(), False, self.n_iter)
        return self

    def partial_fit(self, X, y=None):
        """One epoch over X in batches of batch_size, continuing the training so far (the
        first call starts the model from X as fit does)."""
        self._check_params()
        first = not hasattr(self, "components_")
        X = self._rows(X, first, "BernoulliRBM.partial_fit", unchecked=True)
        self.__dict__.pop("_lnz_cache", None)
        self._train_rows(X, self._seed() if first else self.train_seed_, not first, 1)
        return self

    def _train_rows(self, X, seed, resume, epochs):
        """_train on rows from _rows(unchecked=True). uint8 rows go to the library as they
        are: zs_rbm_trainer_alloc reads every byte before any epoch and refuses one that is
        not 0 or 1, and only then are the rows binarized (x > 0) and the training started
        again (nothing of the first try is kept). Binary bytes, the usual case, are so read
        once less: a pass over MNIST's 7 MB, about 1.5 ms of a 145 ms epoch."""
        try:
            self._train(X, seed, resume, epochs)
        except _lib.InvalidArgumentError:
            if X.dtype != np.uint8 or X.max(initial=0) <= 1:
                raise
            self._train((X > 0).view(np.uint8), seed, resume, epochs)

    def _train(self, X, seed, resume, epochs):
        n, nv = X.shape
        nh, B = int(self.n_components), int(self.batch_size)
        ctx = self._context()
        opts = _lib.struct("zs_rbm_train_opts")()
        lib.zs_rbm_train_defaults(byref(opts))
        opts.k, opts.persistent, opts.batch = int(self.k), int(self.method == "pcd"), B
        opts.lr, opts.seed = float(self.learning_rate), seed
        if not resume:
            counts, rows = None, 0
            state = None
            model = _Model(ctx, None, None, None, (nh, nv))
            with ctx.lock:
                ctx.check(lib.zs_rbm_init_from_data(model.ptr, X.ctypes.data, n, INIT_STD, seed))
        else:
            if self.components_.shape[0] != nh:
                raise ValueError("partial_fit: n_components is %d but the model has %d hidden "
                                 "units; call fit to start again" % (nh, self.components_.shape[0]))
            counts, rows = _counts(self.train_data_frequency_, self._rows_seen), self._rows_seen
            state = self._state(nv, B)
            model = self._model(ctx)
        t = c_void_p()
        try:
            with ctx.lock:
                ctx.check(lib.zs_rbm_trainer_alloc(ctx.ptr, model.ptr, byref(opts), X.ctypes.data,
                                                   n, byref(t)))
                if state is not None:
                    ctx.check(lib.zs_rbm_trainer_set_state(t, byref(state.struct)))
                else:
                    state = _State(nv, B)
                recon = c_double()
                for _ in range(epochs):
                    t0 = time.perf_counter()
                    ctx.check(lib.zs_rbm_trainer_epoch(t, byref(recon)))
                    if self.verbose:
                        print("[%s] Iteration %d, reconstruction error = %.4f, time = %.2fs"
                              % (type(self).__name__, lib.zs_rbm_trainer_epochs_done(t),
                                 recon.value, time.perf_counter() - t0))
                        sys.stdout.flush()
                lib.zs_rbm_trainer_get(t, model.ptr)
                ctx.check(lib.zs_rbm_trainer_get_state(t, byref(state.struct)))
                freq = np.ctypeslib.as_array(
                    (c_double * nv).from_address(lib.zs_rbm_trainer_data_frequency(t))).copy()
        finally:
            lib.zs_rbm_trainer_free(t)
            params = (model.w.T.copy(order="F"), model.a.copy(), model.b.copy())
            model.__exit__()
        self.components_, self.intercept_visible_, self.intercept_hidden_ = params
        self._n_features_out = nh
        self.chains_ = (state.chains != 0).view(np.uint8)
        self.n_epochs_ = int(state.struct.epoch)
        self._chains_ready = int(state.struct.chains_ready)
        self.train_seed_ = seed
        self._rows_seen = rows + n
        if counts is None:
            self.train_data_frequency_ = freq
        else:
            # (count_i + c) / (n + 2c) with c = 1 over every row passed so far, in doubles:
            # zs_data_base_rate's operations.
            total = counts + _counts(freq, n)
            self.train_data_frequency_ = (total.astype(np.float64) + 1.0) / \
                (float(self._rows_seen) + 2.0)

    @property
    def h_samples_(self):
        """p(h = 1 | c) of each persistent visible chain c (batch_size, n_components)."""
        check_is_fitted(self)
        return self._hidden_probs(self._context(), self.chains_)

    def _state(self, nv, B):
        chains = getattr(self, "chains_", None)
        # batch_size changed (or a model set by hand): fresh chains, started at the data.
        keep = chains is not None and chains.shape == (B, nv)
        st = _State(nv, B, chains if keep else None)
        st.struct.epoch = getattr(self, "n_epochs_", 0)
        st.struct.chains_ready = getattr(self, "_chains_ready", 0) if keep else 0
        return st

    # ---- the model applied to data -----------------------------------------------------------

    def _hidden_probs(self, ctx, X):
        out = np.empty((X.shape[0], self.components_.shape[0]))
        with self._model(ctx) as m, ctx.lock:
            ctx.check(lib.zs_rbm_hidden_probs(m.ptr, X.ctypes.data, X.shape[0], out.ctypes.data))
        return out

    def transform(self, X):
        """p(h_j = 1 | v) of each row (n_samples, n_components), as `zsum rbm transform`."""
        check_is_fitted(self)
        X = self._rows(X, False, "BernoulliRBM.transform")
        return self._hidden_probs(self._context(), X)

    def free_energy(self, X):
        """F(v) = -a.v - sum_j softplus(b_j + (v W)_j) of each row (n_samples,)."""
        check_is_fitted(self)
        X = self._rows(X, False, "BernoulliRBM.free_energy")
        ctx = self._context()
        out = np.empty(X.shape[0])
        with self._model(ctx) as m, ctx.lock:
            ctx.check(lib.zs_rbm_free_energies_u8(m.ptr, X.ctypes.data, X.shape[0],
                                                  out.ctypes.data))
        return out

    def score_samples(self, X):
        """The log-likelihood ln p(v) = -F(v) - ln Z of each row, in nats (n_samples,): ln Z
        exact when its estimated time is within 3600 s, else AIS with log_partition's
        defaults (its value, once per model). Not scikit-learn's pseudo-likelihood, which
        is pseudo_likelihood."""
        check_is_fitted(self)
        f = self.free_energy(X)
        return -f - self._default_lnz()["lnZ"]

    def score(self, X, y=None):
        """The mean log-likelihood of the rows of X, in nats a row (as `zsum rbm loglik`'s
        loglik for the same ln Z)."""
        return float(np.mean(self.score_samples(X)))

    def _digest(self):
        h = hashlib.blake2b(digest_size=16)
        for a in (self.components_, self.intercept_visible_, self.intercept_hidden_):
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        return h.hexdigest()

    def _default_lnz(self):
        key = self._digest()
        cache = self.__dict__.get("_lnz_cache")
        if cache is None or cache[0] != key:
            cache = (key, self.log_partition())
            self._lnz_cache = cache
        return cache[1]

    def pseudo_likelihood(self, X):
        """scikit-learn's score_samples: nv * ln sigmoid(F(v~) - F(v)), v~ being v with one
        feature per row flipped at random (from random_state, as scikit-learn draws it). A
        proxy for the likelihood; score_samples gives the likelihood itself."""
        check_is_fitted(self)
        v = self._rows(X, False, "BernoulliRBM.pseudo_likelihood")
        rng = check_random_state(self.random_state)
        n, nv = v.shape
        ind = (np.arange(n), rng.randint(0, nv, n))
        flipped = v.copy()
        flipped[ind] = 1 - flipped[ind]
        fe = self.free_energy(v)
        fe_ = self.free_energy(flipped)
        return nv * -np.logaddexp(0.0, -(fe_ - fe))

    def gibbs(self, v):
        """One block-Gibbs step from each row: h ~ p(h | v), v' ~ p(v | h); v' as uint8 0/1
        (n_samples, n_features). Each call draws a new seed from random_state_."""
        check_is_fitted(self)
        v = self._rows(v, False, "BernoulliRBM.gibbs")
        ctx = self._context()
        out = np.empty(v.shape, np.uint8)
        seed = self._draw()
        with self._model(ctx) as m, ctx.lock:
            ctx.check(lib.zs_rbm_gibbs(m.ptr, v.ctypes.data, v.shape[0], seed, out.ctypes.data))
        return out

    def sample(self, n_samples=64, steps=1000, seed=None, init=None):
        """n_samples block-Gibbs chains of `steps` sweeps from uniform random states (init:
        binary rows, chain c starting at row c mod len(init)); p(v = 1 | h) of each chain's
        last sweep (n_samples, n_features), as `zsum rbm sample --chains N --steps S --seed`.
        seed None: drawn from random_state_."""
        check_is_fitted(self)
        n = _lib.as_count(n_samples, "n_samples", lo=1)
        steps = _lib.as_count(steps, "steps", lo=1)
        seed = self._draw() if seed is None else _lib.as_count(seed, "seed")
        ctx = self._context()
        out = np.empty((n, self.components_.shape[1]))
        with self._model(ctx) as m, ctx.lock:
            if init is None:
                ctx.check(lib.zs_rbm_sample(m.ptr, n, steps, seed, out.ctypes.data))
            else:
                rows = self._rows(init, False, "BernoulliRBM.sample")
                ctx.check(lib.zs_rbm_sample_from(m.ptr, n, steps, seed, rows.ctypes.data,
                                                 rows.shape[0], out.ctypes.data))
        return out

    # ---- the partition function --------------------------------------------------------------

    def log_partition(self, method="auto", chains=100, schedule="sm08", base=None, data=None,
                      pseudocount=1.0, seed=None, max_seconds=MAX_SECONDS, reverse="none",
                      reverse_data=None, pt_temperatures=50, pt_sweeps=1000):
        """ln Z of the model, as `zsum rbm logz --format json` gives it: a Result (a dict also
        read by attribute) with the CLI's JSON keys nv, nh, method, lnZ and, for AIS, lnZ_lo, lnZ_hi (the +-3 sigma band), ess,
        chains, temperatures, seed, base, reverse: the forward side alone, as `zsum rbm logz
        --ais --reverse none` (the program's default adds the reverse side).

        method: "exact" (refused with TooBigError when the estimated time exceeds
        max_seconds), "ais", or "auto" (exact when affordable, else AIS). AIS: chains,
        schedule ("sm08", "linear:N", a file of betas, or an array of betas), base ("stored":
        train_data_frequency_, the default; "uniform"; "model"; "data": the frequencies of
        the rows `data`, smoothed by pseudocount; "pt": the visible frequencies of
        parallel-tempering samples of the model, data-free), seed (default: the training
        seed).

        The AIS sandwich (`zsum rbm logz --ais --reverse pt|data:FILE`, zs_rbm_lnz_sandwich):
        reverse="pt" runs the schedule backwards from parallel-tempering samples of the model
        (pt_temperatures betas, pt_sweeps sweeps per ladder and stage), reverse="data" from
        the binary rows reverse_data, for a stochastic upper side; the Result then adds
        lnZ_reverse, lnZ_reverse_lo, lnZ_reverse_hi, reverse_ess, sandwich_lo, sandwich_hi
        (the bracket of both bands) and sides_agree (the bands overlap), and, when PT ran,
        pt_temperatures, pt_sweeps, pt_swap_min; sides_warning when the sides disagree."""
        check_is_fitted(self)
        if method not in ("auto", "exact", "ais"):
            raise ValueError("log_partition: method must be 'auto', 'exact' or 'ais', got %r"
                             % (method,))
        max_seconds = _lib.as_real(max_seconds, "max_seconds", finite=False)
        ctx = self._context()
        nh, nv = self.components_.shape
        out = Result(nv=nv, nh=nh)
        with self._model(ctx) as m, ctx.lock:
            if method in ("auto", "exact"):
                lnz = c_double()
                st = lib.zs_rbm_lnz_exact(m.ptr, max_seconds, byref(lnz))
                if st == 0:
                    out.update(method="exact", lnZ=lnz.value)
                    return out
                if method == "exact" or st != _lib.TooBigError.status:
                    ctx.check(st)
            sandwich = _sandwich_opts(reverse, reverse_data, pt_temperatures, pt_sweeps,
                                      lambda X: self._rows(X, False,
                                                           "BernoulliRBM.log_partition"))
            return self._ais(ctx, m, out, chains, schedule, base, data, pseudocount, seed,
                             sandwich, pt_temperatures, pt_sweeps)

    def _ais(self, ctx, m, out, chains, schedule, base, data, pseudocount, seed,
             sandwich=None, pt_temperatures=50, pt_sweeps=1000):
        opts = _lib.struct("zs_rbm_ais_opts")()
        lib.zs_rbm_ais_defaults(byref(opts))
        opts.chains = _lib.as_count(chains, "chains", lo=1)
        opts.pseudocount = _lib.as_real(pseudocount, "pseudocount")
        seed = self.train_seed_ if seed is None else _lib.as_count(seed, "seed")
        opts.seed = seed
        keep = []
        if base is None:
            base = "data" if data is not None else "stored"
        if base == "stored":
            rate = np.ascontiguousarray(self.train_data_frequency_, dtype=np.float64)
            keep.append(rate)
            opts.base, opts.rate = 3, rate.ctypes.data
        elif base in ("uniform", "model"):
            opts.base = _lib.enum_value("rbm_ais_base", "base", base)
        elif base == "pt":
            # AUTO with neither data nor rate: the frequencies of PT samples of the model.
            opts.base = _lib.enum_value("rbm_ais_base", "base", "auto")
        elif base == "data":
            if data is None:
                raise ValueError("log_partition: base='data' needs the rows as data=")
            rows = self._rows(data, False, "BernoulliRBM.log_partition")
            keep.append(rows)
            opts.base, opts.data, opts.n_data = 1, rows.ctypes.data, rows.shape[0]
        else:
            raise ValueError("log_partition: base must be 'stored', 'pt', 'uniform', 'model' "
                             "or 'data', got %r" % (base,))
        if sandwich is None and base == "pt":
            sandwich = _sandwich_opts("none", None, pt_temperatures, pt_sweeps, None, True)
        betas_c = None
        if isinstance(schedule, str):
            ptr, n = c_void_p(), c_size_t()
            ctx.check(lib.zs_rbm_schedule_parse(ctx.ptr, schedule.encode(), byref(ptr), byref(n)))
            betas_c = ptr
            opts.betas, opts.nbetas = ptr.value, n.value
        else:
            betas = _lib.as_float64(schedule, "schedule", ndim=1)
            ctx.check(lib.zs_rbm_schedule_check(ctx.ptr, betas.ctypes.data, betas.size))
            keep.append(betas)
            opts.betas, opts.nbetas = betas.ctypes.data, betas.size
        if sandwich is not None:
            try:
                return _run_sandwich(ctx, m, opts, sandwich, out, seed, base)
            finally:
                if betas_c is not None:
                    _libc_free(betas_c)
        res = _lib.struct("zs_rbm_ais_result")()
        try:
            ctx.check(lib.zs_rbm_lnz_ais(m.ptr, byref(opts), byref(res)))
        finally:
            if betas_c is not None:
                _libc_free(betas_c)
        out.update(method="ais", lnZ=res.lnz.value, lnZ_lo=res.band.lo, lnZ_hi=res.band.hi,
                   ess=res.lnz.ess, chains=res.chains, temperatures=res.temperatures,
                   seed=seed, base=base, reverse="none")
        if ais_unreliable(res.lnz.ess, res.chains):
            out["warning"] = ais_warning(base)
        return out

    def _more_tags(self):
        return {"requires_positive_X": True, "preserves_dtype": [np.float64]}


# The command line's text when the two sides' bands do not overlap (programs/rbm_logz.c).
_DISAGREE_WARNING = ("ln Z is unreliable; use a longer --schedule, more --chains or "
                     "--pt-sweeps, or the training data's base rate (--base data:FILE)")


def _sandwich_opts(reverse, reverse_data, pt_temperatures, pt_sweeps, rows, force=False):
    """(zs_rbm_sandwich_opts without its forward part, the start rows kept alive), or None
    for reverse="none" unless force (the forward run alone, zs_rbm_lnz_ais; base "pt" needs
    the sandwich's PT even without a reverse side)."""
    if reverse not in ("none", "pt", "data"):
        raise ValueError("log_partition: reverse must be 'pt', 'none' or 'data', got %r"
                         % (reverse,))
    if reverse != "data" and reverse_data is not None:
        raise ValueError("log_partition: reverse_data= is for reverse='data', not %r"
                         % (reverse,))
    so = _lib.struct("zs_rbm_sandwich_opts")()
    lib.zs_rbm_sandwich_defaults(byref(so))
    so.pt_temperatures = _lib.as_count(pt_temperatures, "pt_temperatures", 2, 100000)
    so.pt_sweeps = _lib.as_count(pt_sweeps, "pt_sweeps", 2, 100000000)
    so.reverse = _lib.enum_value("rbm_reverse_start", "reverse", reverse)
    start = None
    if reverse == "data":
        if reverse_data is None:
            raise ValueError("log_partition: reverse='data' needs the start rows as "
                             "reverse_data=")
        start = rows(reverse_data)
        so.start_rows, so.n_start = start.ctypes.data, start.shape[0]
    elif reverse == "none" and not force:
        return None
    return so, start


def _run_sandwich(ctx, m, ais_opts, sandwich, out, seed, base):
    so, start = sandwich
    so.ais = ais_opts
    res = _lib.struct("zs_rbm_sandwich_result")()
    ctx.check(lib.zs_rbm_lnz_sandwich(m.ptr, byref(so), byref(res)))
    del start                                            # kept alive through the call
    f = res.forward
    rev = _lib.enum_name("rbm_reverse_start", res.reverse)
    out.update(method="ais", lnZ=f.lnz.value, lnZ_lo=f.band.lo, lnZ_hi=f.band.hi,
               ess=f.lnz.ess, chains=f.chains, temperatures=f.temperatures, seed=seed,
               base=base, reverse=rev)
    if res.reverse != 0:
        out.update(lnZ_reverse=res.upper.value, lnZ_reverse_lo=res.upper_band.lo,
                   lnZ_reverse_hi=res.upper_band.hi, reverse_ess=res.upper.ess,
                   sandwich_lo=res.sandwich.bracket.lo, sandwich_hi=res.sandwich.bracket.hi,
                   sides_agree=bool(res.sandwich.agree))
    if res.pt_swap_min == res.pt_swap_min and abs(res.pt_swap_min) != float("inf"):
        out.update(pt_temperatures=so.pt_temperatures, pt_sweeps=so.pt_sweeps,
                   pt_swap_min=res.pt_swap_min)
    if ais_unreliable(f.lnz.ess, f.chains):
        out["warning"] = ais_warning(base)
    if res.reverse != 0 and not res.sandwich.agree:
        out["sides_warning"] = (
            "the forward (lower) estimate %s and the reverse (upper) estimate %s disagree by "
            "more than their bands: %s" % (cli_num(f.lnz.value), cli_num(res.upper.value),
                                           _DISAGREE_WARNING))
    return out
