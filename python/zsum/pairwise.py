"""zsum.Ising and zsum.BoltzmannMachine — binary pairwise models (zsum ising, zsum bm): exact
ln Z and thermodynamics by every method, the exact density of states, temperature sweeps and
Markov chain Monte Carlo. Every number comes from libzsum (zs_pairwise_*)."""
import os
from ctypes import byref, c_double, c_void_p

import numpy as np

from . import _lib
from ._common import Collector, Handle, beta_of, check_sweep_seconds, sweep_values
from ._result import Result, cli_num

MAX_SPINS = 16777216
DENSE_MAX = 65536
_lib_ = _lib.lib
_Thermo = _lib.struct("zs_pairwise_thermo")
_ThermoOpts = _lib.struct("zs_pairwise_thermo_opts")


def _thermo_opts(method):
    """zs_pairwise_thermo_defaults (max_seconds: ZS_PAIRWISE_ENUMERATE_SECONDS) with method."""
    o = _ThermoOpts()
    _lib_.zs_pairwise_thermo_defaults(byref(o))
    o.method = _lib.enum_value("pairwise_method", "method", method)
    return o
_Spec = _lib.struct("zs_lattice_spec")
_SampleOpts = _lib.struct("zs_pairwise_sample_opts")
_Mcmc = _lib.struct("zs_mcmc_result")
_DOS_FN = _lib.callback("zs_pairwise_dos_fn")
_EXACT_KEYS = ("U", "F", "S", "C", "M", "absM", "chi")
METHODS = ("auto", "enumerate", "transfer", "closed", "eliminate")


class Pairwise(Handle):
    """What Ising and BoltzmannMachine share: a zs_pairwise in the +-1 form
    E(s) = offset - sum_{i<j} J_ij s_i s_j - sum_i h_i s_i."""

    _free_name = "zs_pairwise_free"
    description = ""

    @property
    def n(self):
        """The number of spins."""
        return _lib_.zs_pairwise_units(self._ptr)

    @property
    def offset(self):
        """The constant energy term of the +-1 form."""
        return _lib_.zs_pairwise_offset(self._ptr)

    def spin_form(self):
        """(J, h, offset) of the +-1 form (dense; n <= 65536)."""
        n = self.n
        j, h = np.empty((n, n)), np.empty(n)
        with self._ctx.lock:
            self._ctx.check(_lib_.zs_pairwise_dense(self._ptr, j.ctypes.data, h.ctypes.data))
        return j, h, self.offset

    def energy(self, s):
        """E(s) of one configuration of +-1 spins (n entries)."""
        s = _lib.as_spins(s, "s", ndim=1, shape=(self.n,))
        with self._ctx.lock:
            return _lib_.zs_pairwise_energy(self._ptr, s.ctypes.data)

    def _record(self, beta, method, t):
        n = float(self.n)
        v = (t.u, t.f, t.s, t.c, t.m, t.absm, t.chi)
        r = [("model", self.description), ("n", self.n), ("beta", beta), ("method", method),
             ("lnZ", t.lnz)]
        r += list(zip(_EXACT_KEYS, v))
        r += [("u", t.u / n), ("f", t.f / n), ("s", t.s / n), ("c", t.c / n)]
        return Result(r)

    def _thermo(self, beta, method):
        o, t = _thermo_opts(method), _Thermo()
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_pairwise_thermo_compute(self._ptr, beta, byref(o), byref(t)))
        return t

    def enumerate_seconds(self):
        """The estimated seconds of the exact thermodynamics by enumeration (2^n states) on
        zsum.get_num_threads() threads (zs_pairwise_enumerate_seconds); method="enumerate"
        is refused (TooBigError) beyond 3600 s."""
        with self._ctx.lock:
            self._ctx.sync()
            return _lib_.zs_pairwise_enumerate_seconds(self._ptr)

    def _thermo_seconds(self, beta, method):
        o = _thermo_opts(method)
        with self._ctx.lock:
            self._ctx.sync()
            return _lib_.zs_pairwise_thermo_seconds(self._ptr, beta, byref(o))

    def thermo_seconds(self, beta=None, method="auto", T=None):
        """The estimated seconds of thermo(beta, method) on zsum.get_num_threads() threads
        (zs_pairwise_thermo_seconds): the method's work at the rates its refusals use; inf
        where the method does not apply to the model."""
        return self._thermo_seconds(beta_of(beta, T), method)

    def thermo(self, beta=None, method="auto", T=None):
        """Exact thermodynamics at beta (or T): lnZ and the totals U, F, S, C, M, absM, chi
        with the per-spin u, f, s, c — the keys of `zsum ising/bm --format json` (NaN where
        the method gives no value: null in the JSON). method: auto, enumerate, transfer,
        closed."""
        beta = beta_of(beta, T)
        t = self._thermo(beta, method)
        return self._record(beta, _lib.enum_name("pairwise_method", t.method), t)

    def lnz(self, beta=None, method="auto", T=None, max_memory=None):
        """ln Z alone by one method: "auto" (the thermodynamics' choice), "enumerate" (every
        state, zs_pairwise_lnz_enumerate), "transfer" (the transfer matrix), "closed" (the
        closed forms), or "eliminate" (the model as factors at beta, variable elimination:
        ln Z = ln Z(factors) - beta * offset; max_memory as in FactorModel.log_partition)."""
        beta = beta_of(beta, T)
        if method == "enumerate" or method == "transfer":
            f = _lib_.zs_pairwise_lnz_enumerate if method == "enumerate" else \
                _lib_.zs_pairwise_lnz_transfer
            out = c_double()
            with self._ctx.lock:
                self._ctx.sync()
                self._ctx.check(f(self._ptr, beta, byref(out)))
            return out.value
        if method == "eliminate":
            fm, offset = self.to_factors(beta)
            return fm.log_partition(max_memory=max_memory)["lnZ"] - beta * offset
        if method not in ("auto", "closed"):
            raise _lib.InvalidArgumentError("method: unknown pairwise method %r (one of %s)"
                                            % (method, ", ".join(METHODS)))
        return self._thermo(beta, method).lnz

    def lnz_approx(self, method="auto", beta=None, T=None, **options):
        """Approximate ln Z at beta, labelled with what it guarantees (`zsum ising/bm --approx
        METHOD --format json`): model, beta, method, lnZ, lnZ_per_spin, bound ("lower-bound",
        "upper-bound", "estimate"), converged, iterations, seconds. The model as factors
        (to_factors), then FactorModel.log_partition_approx's method (mf, bp, trw, mbe, gbp,
        auto) with its options (none: the command line's defaults);
        ln Z = ln Z(factors) - beta * offset."""
        from .uai import approx_opts
        m = _lib.enum_value("factor_approx", "method", method)
        opts = approx_opts(**options)
        beta = beta_of(beta, T)
        fm, offset = self.to_factors(beta)
        res = _lib.struct("zs_factor_approx_result")()
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_factor_lnz_approx(fm._ptr, None, m, byref(opts),
                                                       byref(res)))
        lnz = res.lnz - beta * offset
        return Result([("model", self.description), ("beta", beta),
                       ("method", _lib.enum_name("factor_approx", res.method)), ("lnZ", lnz),
                       ("lnZ_per_spin", lnz / float(self.n)),
                       ("bound", _lib.enum_name("bound_kind", res.kind)),
                       ("converged", bool(res.converged)), ("iterations", res.iterations),
                       ("seconds", res.seconds)])

    def to_factors(self, beta=None, T=None):
        """(FactorModel, offset): the model at beta as factors over its spins (value 0 is
        s = -1), ln Z(model) = ln Z(factors) - beta * offset (zs_pairwise_to_factor)."""
        from .uai import FactorModel
        beta = beta_of(beta, T)
        fm = FactorModel._empty()
        out, offset = c_void_p(), c_double()
        with self._ctx.lock:
            status = _lib_.zs_pairwise_to_factor(self._ptr, beta, byref(out), byref(offset))
            self._ctx.check(status)
        fm._ptr = out.value
        fm._adopt(self._ctx, "pairwise model at beta = %s" % cli_num(beta))
        return fm, offset.value

    def dos(self, method="auto"):
        """The exact density of states (integer couplings and fields): each energy and its
        exact number of states (decimal strings), ascending; the JSON's "dos" as columns."""
        m = _lib.enum_value("pairwise_method", "method", method)
        if m == 3:                       # closed has no DOS: the command line asks for auto
            m = 0
        energy, count = [], []

        def row(user, e, c):
            energy.append(e)
            count.append(c.decode())
        cb = Collector(_DOS_FN, row)
        with self._ctx.lock:
            self._ctx.sync()
            status = _lib_.zs_pairwise_dos(self._ptr, m, cb.c, None)
            cb.finish(self._ctx, status)
        return Result([("energy", np.array(energy)), ("count", count)])

    def sweep(self, T=None, beta=None, method="auto", max_seconds=None):
        """Exact ln Z, U, F, S, C, M, chi at several temperatures (T=(lo, hi, points) or
        beta=(lo, hi, points) as --sweep, or a sequence of values): columns T, beta, lnZ, U,
        F, S, C, M, chi. With max_seconds, a sweep whose points' estimated seconds
        (thermo_seconds) sum past it is refused with TooBigError before the first point."""
        values, by_beta = sweep_values(T, beta)
        check_sweep_seconds([self._thermo_seconds(v if by_beta else 1.0 / v, method) for v in values],
                            max_seconds)
        out = np.empty((len(values), 9))
        for i, v in enumerate(values):
            b = v if by_beta else 1.0 / v
            t = self._thermo(b, method)
            out[i] = ((1.0 / b if b != 0.0 else float("inf")) if by_beta else v, b, t.lnz, t.u,
                      t.f, t.s, t.c, t.m, t.chi)
        return Result((k, out[:, i].copy()) for i, k in
                      enumerate(("T", "beta", "lnZ", "U", "F", "S", "C", "M", "chi")))

    def sample(self, beta=None, algorithm="metropolis", sweeps=10000, burnin=1000, chains=4,
               seed=0, T=None, max_seconds=None):
        """Markov chain Monte Carlo (`zsum ising/bm sample`): estimates of U, C, M, absM, chi,
        chi_abs, binder and the per-spin u, c, each {"estimate", "error"} (U, M, absM also
        "tau", "rhat", "ess"), with the acceptance rate (and mean_cluster for Wolff), "mixed"
        and, when the chains did not mix, the program's "warning". algorithm: metropolis, heatbath, wolff or auto. A run whose
        estimated time exceeds max_seconds (if given) is refused with TooBigError."""
        beta = beta_of(beta, T)
        o = _SampleOpts()
        _lib_.zs_pairwise_sample_defaults(byref(o))
        o.kind = _lib.enum_value("mcmc_kind", "algorithm", algorithm)
        o.beta = beta
        o.sweeps = _lib.as_count(sweeps, "sweeps")
        o.burnin = _lib.as_count(burnin, "burnin")
        o.chains = _lib.as_count(chains, "chains")
        o.seed = _lib.as_count(seed, "seed")
        res = _Mcmc()
        with self._ctx.lock:
            self._ctx.sync()
            if max_seconds is not None:
                secs = _lib_.zs_pairwise_sample_seconds(self._ptr, byref(o))
                if not secs <= _lib.as_real(max_seconds, "max_seconds"):
                    raise _lib.TooBigError("sample: the run would take about %.3g s, over "
                                           "max_seconds = %g" % (secs, max_seconds))
            self._ctx.check(_lib_.zs_pairwise_sample(self._ptr, byref(o), byref(res)))
        n = float(self.n)
        est = [("U", res.u, 1.0, res.tau_u, res.rhat_u), ("C", res.c, 1.0, None, None),
               ("M", res.m, 1.0, res.tau_m, res.rhat_m),
               ("absM", res.absm, 1.0, res.tau_absm, res.rhat_absm),
               ("chi", res.chi, 1.0, None, None), ("chi_abs", res.chi_abs, 1.0, None, None),
               ("binder", res.binder, 1.0, None, None), ("u", res.u, n, None, None),
               ("c", res.c, n, None, None)]
        r = [("model", self.description), ("n", self.n), ("beta", beta),
             ("method", _lib.enum_name("mcmc_kind", res.kind)), ("seed", o.seed),
             ("sweeps", o.sweeps), ("burnin", o.burnin), ("chains", o.chains)]
        for k, e, s, tau, rhat in est:
            f = [("estimate", e.value / s), ("error", e.std_error / s)]
            if tau is not None:
                f += [("tau", tau), ("rhat", rhat), ("ess", e.ess)]
            r.append((k, Result(f)))
        r.append(("acceptance", res.acceptance))
        if res.kind == 2:
            r.append(("mean_cluster", res.mean_cluster))
        r.append(("mixed", bool(res.mixed)))
        if not res.mixed:
            r.append(("warning", _mixing_warning(res, o.sweeps)))
        return Result(r)


def _fmax(*xs):
    """C's fmax over several values: NaN only when all are NaN."""
    xs = [x for x in xs if x == x]
    return max(xs) if xs else float("nan")


def _mixing_warning(res, sweeps):
    """The program's words when the chains did not mix (programs/pairwise_cli.c)."""
    rh = _fmax(res.rhat_u, res.rhat_m, res.rhat_absm)
    tau = _fmax(res.tau_u, res.tau_m, res.tau_absm)
    if not rh <= 1.05:
        return ("the chains did not mix: they disagree (R-hat %s > 1.05: they sample different "
                "states, e.g. the two ordered states below T_c), so the error bars are not "
                "supported; use wolff, more --chains or more --sweeps" % cli_num(rh))
    return ("the chains did not mix: %d sweeps are fewer than 64 autocorrelation times (tau = %s "
            "sweeps) or too few to measure tau, so the error bars are not supported; use more "
            "--sweeps or wolff" % (sweeps, cli_num(tau)))


class Ising(Pairwise):
    """The Ising model E = -J sum_<ij> s_i s_j - h sum_i s_i (zsum ising).

    Ising(size, dim=2, J=1.0, h=0.0, periodic=True): size L is an L x L lattice (dim 2) or a
    chain of L spins (dim 1); size (rows, cols) a rows x cols lattice."""

    def __init__(self, size, dim=None, J=1.0, h=0.0, periodic=True):
        super().__init__()
        if isinstance(size, (tuple, list)):
            if len(size) != 2:
                raise ValueError("size: expected L or (rows, cols), got %r" % (size,))
            if dim == 1:
                raise ValueError("size: %r has two sides but dim is 1" % (size,))
            rows = _lib.as_count(size[0], "size", 1)
            cols = _lib.as_count(size[1], "size", 1)
        else:
            L = _lib.as_count(size, "size", 1)
            if dim not in (None, 1, 2):
                raise ValueError("dim: must be 1 or 2, got %r" % (dim,))
            rows, cols = (1, L) if dim == 1 else (L, L)
        if rows * cols > MAX_SPINS:
            raise ValueError("size: %d sites exceed the limit %d" % (rows * cols, MAX_SPINS))
        spec = _Spec()
        spec.rows, spec.cols = rows, cols
        spec.periodic_rows = spec.periodic_cols = 1 if periodic else 0
        spec.j = _lib.as_real(J, "J")
        spec.h = _lib.as_real(h, "h")
        if periodic and cols < 2:
            # zs_pairwise_alloc_lattice's refusal, here at once (the model is built later)
            raise _lib.InvalidArgumentError("lattice: a periodic direction needs at least 2 "
                                            "sites, got 1 (use open boundaries)")
        # The model (zs_pairwise_alloc_lattice) is built on first use: the exact
        # thermodynamics by the closed forms need none (zs_lattice_thermo_compute reads the
        # spec alone, as the command does), so Ising(4096).thermo(...) allocates nothing per
        # spin.
        self._spec = spec
        self.rows, self.cols, self.periodic, self.J, self.h = rows, cols, bool(periodic), \
            spec.j, spec.h
        if rows == 1:
            self.description = "Ising chain of %d spins, %s, J = %s, h = %s" % (
                cols, "ring" if periodic else "open", cli_num(spec.j), cli_num(spec.h))
        else:
            self.description = "Ising %dx%d square lattice, %s, J = %s, h = %s" % (
                rows, cols, "torus" if periodic else "open", cli_num(spec.j), cli_num(spec.h))

    @property
    def _ptr(self):
        if self._model is None and getattr(self, "_spec", None) is not None:
            out = c_void_p()
            with self._ctx.lock:
                if self._model is None:
                    self._ctx.check(_lib_.zs_pairwise_alloc_lattice(
                        self._ctx.ptr, byref(self._spec), byref(out)))
                    self._model = out.value
        return self._model

    @_ptr.setter
    def _ptr(self, value):
        self._model = value

    def __del__(self):
        ptr = getattr(self, "_model", None)
        if ptr and self._free is not None:
            self._free(ptr)
            self._model = None

    @property
    def n(self):
        """The number of spins."""
        return self.rows * self.cols

    def _thermo(self, beta, method):
        if self._model is not None:
            return Pairwise._thermo(self, beta, method)
        # Bit for bit zs_pairwise_thermo_compute's values on the built model (zsum/pairwise.h).
        o, t = _thermo_opts(method), _Thermo()
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_lattice_thermo_compute(self._ctx.ptr, byref(self._spec),
                                                            beta, byref(o), byref(t)))
        return t

    def _thermo_seconds(self, beta, method):
        if self._model is not None:
            return Pairwise._thermo_seconds(self, beta, method)
        o = _thermo_opts(method)
        with self._ctx.lock:
            self._ctx.sync()
            return _lib_.zs_lattice_thermo_seconds(self._ctx.ptr, byref(self._spec), beta, byref(o))

    def __repr__(self):
        return "<zsum.Ising: %s>" % self.description


class BoltzmannMachine(Pairwise):
    """A 0/1 Boltzmann machine E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i (zsum bm).

    BoltzmannMachine(W, b=None): W (n x n, symmetric, zero diagonal), b (n, default 0).
    BoltzmannMachine.random(n, seed), .load(path) and .from_spins(J, h) (the +-1 form) make
    the others. Results are those of the exact +-1 form (M = sum_i (2 x_i - 1))."""

    def __init__(self, W, b=None, _spins=False):
        super().__init__()
        w = _lib.as_float64(W, "J" if _spins else "W", ndim=2)
        n = w.shape[0]
        if w.shape != (n, n):
            raise ValueError("%s: expected a square matrix, got shape %s"
                             % ("J" if _spins else "W", w.shape))
        if n > DENSE_MAX:
            raise ValueError("W: %d units, at most %d" % (n, DENSE_MAX))
        bb = None if b is None else _lib.as_float64(b, "h" if _spins else "b", ndim=1,
                                                     shape=(n,))
        out = c_void_p()
        alloc = _lib_.zs_pairwise_alloc_dense if _spins else _lib_.zs_pairwise_alloc_bm
        self._new(alloc(self._ctx.ptr, n, w.ctypes.data, None if bb is None else bb.ctypes.data,
                        byref(out)), out)
        self.description = "Boltzmann machine (%d units)" % n

    @classmethod
    def from_spins(cls, J, h=None):
        """The machine given in the +-1 form: J (n x n, symmetric, zero diagonal), h (n)."""
        return cls(J, h, _spins=True)

    @classmethod
    def random(cls, n, seed=1):
        """The command line's --random N --model-seed S: W_ij = g/sqrt(n) (i < j), b_i = g, g
        standard normal from stream (seed, 0)."""
        self = cls.__new__(cls)
        Handle.__init__(self)
        n = _lib.as_count(n, "n", 1, DENSE_MAX)
        seed = _lib.as_count(seed, "seed")
        out = c_void_p()
        self._new(_lib_.zs_pairwise_alloc_random_bm(self._ctx.ptr, n, seed, byref(out)), out)
        self.description = "random Boltzmann machine, N = %d, model seed %d" % (n, seed)
        return self

    @classmethod
    def load(cls, path, symmetrize=False):
        """A machine from an .npz holding W (n, n) and optionally b (n,) (as `zsum bm`)."""
        self = cls.__new__(cls)
        Handle.__init__(self)
        p = _lib.path_bytes(path)
        out = c_void_p()
        self._new(_lib_.zs_pairwise_load_bm(self._ctx.ptr, p, 1 if symmetrize else 0,
                                            byref(out)), out)
        self.description = "Boltzmann machine from %s" % os.fsdecode(p)
        return self

    def params(self):
        """(W, b, shift) of the 0/1 form, shift = E_bm - E_ising."""
        n = self.n
        w, b, shift = np.empty((n, n)), np.empty(n), c_double()
        with self._ctx.lock:
            self._ctx.check(_lib_.zs_pairwise_bm_params(self._ptr, w.ctypes.data, b.ctypes.data,
                                                        byref(shift)))
        return w, b, shift.value

    # ---- learning (zsum bm train; the work is in bm.py) ----------------------------------
    @classmethod
    def fit(cls, data, epochs, negative="auto", batch=None, lr=None, lr_decay=None,
            momentum=None, weight_decay=None, chains=None, gibbs_steps=None, mf_iterations=None,
            mf_tolerance=None, seed=1, heldout=None, max_seconds=10.0, save=None, resume=None,
            init=None, monitor=True):
        """A machine trained as `zsum bm train DATA --epochs E -o MODEL.npz` trains it: the
        likelihood gradient <x_i x_j>_data - <x_i x_j>_model per mini-batch, the model's term
        by `negative` "persistent" (chains persistent Gibbs chains, gibbs_steps sweeps),
        "exact" (the 2^n states at every update; TooBigError when an epoch is estimated
        beyond max_seconds, as the command refuses) or "mean-field"; "auto" is persistent.
        The options are the command's, with its defaults (None: the library's: batch 100,
        lr 0.01, lr_decay 0, momentum 0.9 after 0.5 for 5 epochs, weight_decay 0.0002,
        chains 100, gibbs_steps 5, mf_iterations 10, mf_tolerance 1e-7). data: binary rows
        (uint8 used as is, no copy when C-contiguous), one unit a column.

        save: a path to write what the command writes to -o (W, b and the training state),
        byte for byte the same for the same options and seed. resume: a file that save (or
        the command's -o) wrote, with the same data and options: training continues up to
        `epochs` in all, bit-identically (`--resume`). init: a BoltzmannMachine or (W, b)
        to start from (default: W = 0 and the data's log-odds as b, as the command).

        With monitor (the default), after each epoch: `monitor_`, a list of dicts with the
        keys of the command's --log lines (epoch, lnZ, lnZ_mf, lnZ_bethe, bethe_converged,
        loglik, seconds), measured on `heldout` rows (default: data), lnZ and loglik NaN
        when the exact ln Z is estimated beyond max_seconds; `start_`, the same for the
        start (epoch 0; None after resume); `result_`, the keys of the command's JSON."""
        from . import bm
        kw = dict(negative=negative, batch=batch, lr=lr, lr_decay=lr_decay, momentum=momentum,
                  weight_decay=weight_decay, chains=chains, gibbs_steps=gibbs_steps,
                  mf_iterations=mf_iterations, mf_tolerance=mf_tolerance, seed=seed,
                  heldout=heldout, max_seconds=max_seconds, save=save, resume=resume, init=init,
                  monitor=monitor)
        return bm.fit(cls, data, epochs, kw)

    def moments(self):
        """(moments, lnZ) of the 0/1 form by enumerating the 2^n states (n <= 30,
        zs_bm_moments_exact): moments[i, j] = <x_i x_j> for i != j, moments[i, i] = <x_i>;
        the model's side of the likelihood gradient."""
        from . import bm
        return bm.moments(self)

    def monitor(self, rows=None, max_seconds=10.0):
        """The figures `zsum bm train` reports after each epoch (zs_bm_monitor_compute):
        lnZ (exact; NaN when estimated beyond max_seconds), lnZ_mf (the naive mean-field
        lower bound), lnZ_bethe (loopy BP), bethe_converged, and loglik, the exact mean
        ln p(x) of the binary rows (NaN without rows or lnZ)."""
        from . import bm
        return bm.monitor(self, rows, max_seconds)

    def __repr__(self):
        return "<zsum.BoltzmannMachine: %s>" % self.description


def ising_chain_lnz(n, K, eta=0.0, periodic=True):
    """Closed form of a chain of n spins at K = beta J, eta = beta h (zs_ising_chain_lnz)."""
    out = c_double()
    _lib.check(_lib_.zs_ising_chain_lnz(_lib.as_count(n, "n", 1), 1 if periodic else 0,
                                        _lib.as_real(K, "K"), _lib.as_real(eta, "eta"),
                                        byref(out)), "ising_chain_lnz")
    return out.value


def ising_kaufman_lnz(rows, cols, K):
    """Kaufman's closed form for the rows x cols torus at h = 0 (zs_ising_kaufman_lnz)."""
    out = c_double()
    _lib.check(_lib_.zs_ising_kaufman_lnz(_lib.as_count(rows, "rows", 2),
                                          _lib.as_count(cols, "cols", 2),
                                          _lib.as_real(K, "K"), byref(out)), "ising_kaufman_lnz")
    return out.value


def ising_onsager_lnz_per_site(K):
    """Onsager's ln Z per site of the infinite square lattice at h = 0."""
    return _lib_.zs_ising_onsager_lnz_per_site(_lib.as_real(K, "K"))


