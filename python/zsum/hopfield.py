"""zsum.Hopfield and zsum.hopfield_capacity — Hopfield memories (zsum hopfield): Hebbian and
projection storage, recall by asynchronous dynamics, the storage-capacity sweep. Every number
comes from libzsum (zs_hopfield_*, zs_patterns_*)."""
import ctypes
import math
from ctypes import byref, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._common import Collector, Handle, grid
from ._result import Result

_lib_ = _lib.lib
_RunOpts = _lib.struct("zs_hopfield_run_opts")
_RunResult = _lib.struct("zs_hopfield_result")
_Rng = _lib.struct("zs_rng")
_CapOpts = _lib.struct("zs_hopfield_capacity_opts")
_CapPoint = _lib.struct("zs_hopfield_capacity_point")
_SWEEP_FN = _lib.callback("zs_hopfield_sweep_fn")
ALPHA_C = 0.138      # Amit, Gutfreund & Sompolinsky (1985), as the command line reports it


class _Patterns(Handle):
    _free_name = "zs_patterns_free"

    @classmethod
    def make(cls, patterns, shape=None):
        x = _lib.as_spins(patterns, "patterns")
        if x.ndim == 1:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.size == 0:
            raise ValueError("patterns: expected P x N values -1/+1, got shape %s" % (x.shape,))
        rows, cols = (0, 0) if shape is None else shape
        self = cls()
        out = c_void_p()
        self._new(_lib_.zs_patterns_alloc(self._ctx.ptr, x.shape[0], x.shape[1], x.ctypes.data,
                                          _lib.as_count(rows, "shape"),
                                          _lib.as_count(cols, "shape"), byref(out)), out)
        return self


def _patterns_view(ptr):
    """(P x N int8 copy, shape or None) of a zs_patterns."""
    p, n = _lib_.zs_patterns_count(ptr), _lib_.zs_patterns_units(ptr)
    data = np.frombuffer(ctypes.string_at(_lib_.zs_patterns_data(ptr), p * n),
                         dtype=np.int8).reshape(p, n).copy()
    r, c = c_size_t(), c_size_t()
    shape = (r.value, c.value) if _lib_.zs_patterns_shape(ptr, byref(r), byref(c)) else None
    return data, shape


def read_patterns(path):
    """Patterns from a file as `zsum hopfield store` reads them (text, PBM, .npy): a P x N
    int8 array of -1/+1 and the image shape (rows, cols) or None."""
    pt = _Patterns()
    out = c_void_p()
    pt._new(_lib_.zs_patterns_read(pt._ctx.ptr, _lib.path_bytes(path), byref(out)), out)
    return _patterns_view(pt._ptr)


class Hopfield(Handle):
    """A Hopfield network storing +-1 patterns: Hopfield(patterns, rule="hebbian", shape=None).

    patterns: P x N values -1/+1 (one pattern may be a vector); rule: "hebbian" (J = (1/N)
    sum xi xi^T, zero diagonal) or "projection" (the pseudo-inverse rule); shape: the image
    shape (rows, cols) of a pattern, rows * cols = N."""

    _free_name = "zs_hopfield_free"

    def __init__(self, patterns, rule="hebbian", shape=None):
        super().__init__()
        if rule not in ("hebbian", "projection"):
            raise ValueError("rule: %r is not hebbian or projection" % (rule,))
        pt = _Patterns.make(patterns, shape)
        alloc = _lib_.zs_hopfield_alloc_hebbian if rule == "hebbian" else \
            _lib_.zs_hopfield_alloc_projection
        out = c_void_p()
        self._new(alloc(self._ctx.ptr, pt._ptr, byref(out)), out)
        self.rule = rule

    @classmethod
    def load(cls, path):
        """A network from an .npz written by save or `zsum hopfield store`."""
        self = cls.__new__(cls)
        Handle.__init__(self)
        out = c_void_p()
        self._new(_lib_.zs_hopfield_load(self._ctx.ptr, _lib.path_bytes(path), byref(out)), out)
        self.rule = "hebbian" if _lib_.zs_hopfield_is_integer(self._ptr) else "projection"
        return self

    def save(self, path):
        """Write the network as an .npz (J, patterns, shape), atomically."""
        with self._ctx.lock:
            self._ctx.check(_lib_.zs_hopfield_save(self._ptr, _lib.path_bytes(path)))

    @property
    def n(self):
        return _lib_.zs_hopfield_units(self._ptr)

    @property
    def p(self):
        return _lib_.zs_hopfield_pattern_count(self._ptr)

    @property
    def couplings(self):
        """J (N x N float64), a copy."""
        return self.get_couplings()

    def get_couplings(self, out=None):
        """J (N x N float64), written into out when given (a writeable C-contiguous float64
        array of shape (N, N)), else into a new array."""
        j = _lib.out_array(out, "out", (self.n, self.n), np.float64)
        _lib_.zs_hopfield_couplings(self._ptr, j.ctypes.data)
        return j

    @property
    def patterns(self):
        """The stored patterns (P x N int8), a copy; None when the network keeps none."""
        pt = _lib_.zs_hopfield_patterns(self._ptr)
        return _patterns_view(pt)[0] if pt else None

    @property
    def shape(self):
        pt = _lib_.zs_hopfield_patterns(self._ptr)
        return _patterns_view(pt)[1] if pt else None

    def info(self):
        """What `zsum hopfield store --format json` reports: n, p, alpha = P/N, rule, shape."""
        n, p = self.n, self.p
        return Result([("n", n), ("p", p), ("alpha", float(p) / float(n)), ("rule", self.rule),
                       ("shape", None if self.shape is None else list(self.shape))])

    def energy(self, s):
        """E(s) = -1/2 s^T J s of a +-1 state (N entries)."""
        s = _lib.as_spins(s, "s", ndim=1, shape=(self.n,))
        return _lib_.zs_hopfield_energy(self._ptr, s.ctypes.data)

    def overlaps(self, s, out=None):
        """m_mu = (1/N) xi^mu . s with every stored pattern (P float64; into out when given:
        a writeable C-contiguous float64 array of shape (P,))."""
        s = _lib.as_spins(s, "s", ndim=1, shape=(self.n,))
        m = _lib.out_array(out, "out", (self.p,), np.float64)
        with self._ctx.lock:
            self._ctx.check(_lib_.zs_hopfield_overlaps(self._ptr, s.ctypes.data, m.ctypes.data))
        return m

    def recall(self, probe, flip=0.0, seed=0, T=0.0, sweeps=100, order="random"):
        """Asynchronous dynamics from a probe (`zsum hopfield recall`): probe is a stored
        pattern's index or a +-1 state; flip a fraction of its units drawn from stream
        (seed, 0), then run at temperature T (0: deterministic, stop at a fixed point; T > 0:
        heat bath, exactly `sweeps` sweeps) with stream (seed, 1). Keys as the JSON: n, p,
        probe, flipped, seed, T, order, trace (columns sweep, flips, energy, overlaps; flips
        of row 0 is NaN), sweeps, converged, energy, overlaps, best, best_overlap, state (the
        final +-1 state, int8)."""
        n, p = self.n, self.p
        if isinstance(probe, (int, np.integer)) and not isinstance(probe, bool):
            if p == 0:
                raise ValueError("probe: the network keeps no patterns; give a state")
            index = _lib.as_count(probe, "probe", 0, p - 1)
            s = self.patterns[index].copy()
            probe_key = index
        else:
            s = _lib.as_spins(probe, "probe", ndim=1, shape=(n,)).copy()
            probe_key = None
        flip = _lib.as_real(flip, "flip")
        if not 0.0 <= flip <= 1.0:
            raise ValueError("flip: %r is outside [0, 1]" % flip)
        seed = _lib.as_count(seed, "seed")
        T = _lib.as_real(T, "T")
        if T < 0:
            raise ValueError("T: %r is negative; T must be >= 0" % T)
        sweeps = _lib.as_count(sweeps, "sweeps", 1)
        o = _RunOpts()
        _lib_.zs_hopfield_run_defaults(byref(o))
        o.order = _lib.enum_value("hopfield_order", "order", order)
        o.beta = 1.0 / T if T > 0.0 else math.inf
        o.max_sweeps, o.seed, o.stream = sweeps, seed, 1
        rng = _Rng()
        _lib_.zs_rng_init(byref(rng), seed, 0)
        flipped = _lib_.zs_pattern_flip(s.ctypes.data, n, flip, byref(rng))
        e0 = _lib_.zs_hopfield_energy(self._ptr, s.ctypes.data)
        m0 = self.overlaps(s) if p else np.empty(0)
        flips, energy, overl = [math.nan], [e0], [m0]

        def row(user, sweep, state, e, overlaps, nflips):
            flips.append(float(nflips))
            energy.append(e)
            overl.append(np.frombuffer(ctypes.string_at(overlaps, 8 * p), dtype=np.float64)
                         if p else np.empty(0))
        cb = Collector(_SWEEP_FN, row)
        res = _RunResult()
        with self._ctx.lock:
            status = _lib_.zs_hopfield_run(self._ptr, byref(o), s.ctypes.data, cb.c, None,
                                           byref(res))
            cb.finish(self._ctx, status)
        mf = overl[-1]
        best = int(np.argmax(np.abs(mf))) if p else None   # first of the largest |m|
        trace = Result([("sweep", np.arange(len(energy), dtype=np.uint64)),
                        ("flips", np.array(flips)), ("energy", np.array(energy)),
                        ("overlaps", np.array(overl).reshape(len(energy), p))])
        return Result([("n", n), ("p", p), ("probe", probe_key), ("flipped", flipped),
                       ("seed", seed), ("T", T), ("order", order), ("trace", trace),
                       ("sweeps", res.sweeps), ("converged", bool(res.converged)),
                       ("energy", res.energy), ("overlaps", mf.copy()), ("best", best),
                       ("best_overlap", None if best is None else float(mf[best])),
                       ("state", s)])

    def __repr__(self):
        return "<zsum.Hopfield: N = %d, P = %d, %s>" % (self.n, self.p, self.rule)


def hopfield_capacity(n, alpha=(0.025, 0.3, 12), trials=10, flip=0.0, seed=0,
                      max_seconds=3600.0):
    """The storage-capacity sweep (`zsum hopfield capacity`): for each load alpha, `trials`
    networks of P = round(alpha N) random patterns, recall from each stored pattern (flip: a
    fraction corrupted) to a fixed point. alpha: (lo, hi, steps) as --alpha LO:HI:STEPS, one
    value, or a sequence. Keys: n, trials, flip, seed, alpha_c, points (columns alpha, p,
    overlap, error, perfect, sweeps). A sweep estimated beyond max_seconds
    (zs_hopfield_capacity_seconds) is refused with TooBigError before any work, as the
    command's --max-seconds (default 3600) refuses it."""
    n = _lib.as_count(n, "n", 1)
    if isinstance(alpha, tuple) and len(alpha) == 3:
        a = np.array(grid(*alpha))
    elif isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, bool):
        a = np.array([_lib.as_real(alpha, "alpha")])
    else:
        a = _lib.as_float64(alpha, "alpha", ndim=1)
    o = _CapOpts()
    _lib_.zs_hopfield_capacity_defaults(byref(o))
    o.trials = _lib.as_count(trials, "trials", 1)
    o.flip = _lib.as_real(flip, "flip")
    o.seed = _lib.as_count(seed, "seed")
    pts = (_CapPoint * len(a))()
    max_seconds = _lib.as_real(max_seconds, "max_seconds", finite=False)
    if not max_seconds > 0:
        raise ValueError("max_seconds: %r must be > 0" % max_seconds)
    ctx = _lib.Context()
    ctx.sync()
    secs = _lib_.zs_hopfield_capacity_seconds(ctx.ptr, n, a.ctypes.data, len(a), byref(o))
    if secs > max_seconds:
        raise _lib.TooBigError(
            "capacity: N = %d units, %d loads x %d trials would take about %.3g s, over "
            "max_seconds %g; use fewer units, loads or trials, or raise max_seconds"
            % (n, len(a), o.trials, secs, max_seconds))
    ctx.check(_lib_.zs_hopfield_capacity(ctx.ptr, n, a.ctypes.data, len(a), byref(o), pts))
    cols = Result([("alpha", np.array([q.alpha for q in pts])),
                   ("p", np.array([q.p for q in pts], dtype=np.uint64)),
                   ("overlap", np.array([q.overlap.value for q in pts])),
                   ("error", np.array([q.overlap.std_error for q in pts])),
                   ("perfect", np.array([q.perfect for q in pts])),
                   ("sweeps", np.array([q.sweeps for q in pts]))])
    return Result([("n", n), ("trials", o.trials), ("flip", o.flip), ("seed", o.seed),
                   ("alpha_c", ALPHA_C), ("points", cols)])


