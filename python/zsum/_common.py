"""What the model classes share: a handle with its context, callbacks that stop cleanly on a
Python exception, sweep grids as the command line draws them."""
import ctypes
import math

import numpy as np

from . import _lib


class Handle:
    """A library object (ptr) with the context it was created with and the lock that keeps
    two Python threads from using it at once."""

    _free_name = None
    _free = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        # Bound once: at interpreter exit a module's globals may be gone before __del__ runs.
        if cls._free_name:
            cls._free = getattr(_lib.lib, cls._free_name)

    def __init__(self):
        self._ctx = _lib.Context()
        self._ptr = None

    def __del__(self):
        ptr = getattr(self, "_ptr", None)
        if ptr and self._free is not None:
            self._free(ptr)
            self._ptr = None

    def _new(self, status, out):
        """Keep the handle a constructor wrote into out, or raise its error."""
        self._ctx.check(status)
        self._ptr = out.value


class Collector:
    """A callback for a listing: fn(*args) is called for each row from C; an exception in it
    stops the walk (the callback returns 1) and is raised again after the call returns."""

    def __init__(self, cfunctype, fn):
        self.error = None

        def call(*args):
            if self.error is not None:
                return 1
            try:
                fn(*args)
                return 0
            except BaseException as e:  # noqa: B902 — kept and raised after the C call
                self.error = e
                return 1
        self.c = cfunctype(call)

    def finish(self, ctx, status):
        if self.error is not None:
            raise self.error
        ctx.check(status)


def grid(lo, hi, points):
    """The command line's sweep grid LO:HI:P: lo + (hi - lo) * i / (P - 1), i = 0..P-1, in
    the same floating-point operations (programs/cli.c, cli_sweep_value)."""
    lo = _lib.as_real(lo, "sweep LO")
    hi = _lib.as_real(hi, "sweep HI")
    points = _lib.as_count(points, "sweep points", 1, 10**7)
    if points == 1:
        return [lo]
    return [lo + (hi - lo) * float(i) / float(points - 1) for i in range(points)]


def sweep_values(T, beta):
    """(values, by_beta) from a sweep given by temperatures or by betas, each either a
    (lo, hi, points) tuple (the command line's grid) or a sequence of values."""
    if (T is None) == (beta is None):
        raise TypeError("sweep: give T=... or beta=... (one of them)")
    by_beta = beta is not None
    spec = beta if by_beta else T
    name = "beta" if by_beta else "T"
    if isinstance(spec, tuple) and len(spec) == 3:
        values = grid(*spec)
    else:
        values = [float(v) for v in _lib.as_float64(spec, name, ndim=1)]
    if not by_beta:
        for v in values:
            if v == 0.0:
                raise ValueError("T: a temperature of 0 has no beta; sweep by beta instead")
    return values, by_beta


def check_sweep_seconds(secs, max_seconds):
    """Refuse a sweep whose points' estimated seconds (secs, one per point) sum past
    max_seconds (None: no limit), as `--sweep` with --max-seconds; a point whose method does
    not apply (inf) is left to its own error."""
    if max_seconds is None or any(math.isinf(s) for s in secs):
        return
    limit = _lib.as_real(max_seconds, "max_seconds", finite=False)
    if not limit > 0:
        raise ValueError("max_seconds: %r must be > 0" % max_seconds)
    total = sum(secs)
    if not total <= limit:
        raise _lib.TooBigError("sweep: %d temperatures would take about %.3g s in all, over "
                               "max_seconds = %g; use fewer points or raise max_seconds"
                               % (len(secs), total, limit))


def representable_exp(x):
    """exp(x) when it is a normal double, else NaN (the command line prints Z only then)."""
    try:
        v = math.exp(x)
    except OverflowError:
        return float("nan")
    return v if (math.isfinite(v) and v >= 2.2250738585072014e-308) else float("nan")


def beta_of(beta, T):
    """beta from beta= or T= (not both); T must be nonzero."""
    if T is not None:
        if beta is not None:
            raise TypeError("give beta or T, not both")
        t = _lib.as_real(T, "T")
        if t == 0.0:
            raise ValueError("T: must be nonzero (T = 0 is beta = inf)")
        return 1.0 / t
    return _lib.as_real(1.0 if beta is None else beta, "beta")


def string_at(addr, n):
    return ctypes.string_at(addr, n)


def rows(buf, dtype, width):
    """A bytearray of packed rows as a (rows, width) array."""
    a = np.frombuffer(bytes(buf), dtype=dtype)
    return a.reshape(-1, width) if width else a.reshape(0, 0)
