"""zsum.Levels — the chapter's system: N distinguishable units, each on one of K energy levels
(zsum levels). Every number comes from libzsum (zs_levels_*)."""
import ctypes
from ctypes import byref, c_double, c_void_p

import numpy as np

from . import _lib
from ._common import Collector, Handle, beta_of, check_sweep_seconds, representable_exp, rows, sweep_values
from ._result import Result

MAX_K = 64
MAX_UNITS = 10**9
DIGITS_MAX = 1000   # the microstate count is given exactly up to this many digits (as the CLI)
_lib_ = _lib.lib
_Thermo = _lib.struct("zs_levels_thermo")
_ThermoOpts = _lib.struct("zs_levels_thermo_opts")
_StateInfo = _lib.struct("zs_levels_state_info")
_Count = _lib.struct("zs_count")
_MICRO_FN = _lib.callback("zs_levels_microstate_fn")
_MACRO_FN = _lib.callback("zs_levels_macrostate_fn")
_DOS_FN = _lib.callback("zs_levels_dos_fn")


def _count(fill):
    """Call fill(byref(count)) and return (decimal or None, log10), freeing the string."""
    c = _Count()
    status = fill(byref(c))
    try:
        return status, (ctypes.string_at(c.decimal).decode() if c.decimal else None), c.log10
    finally:
        _lib_.zs_count_clear(byref(c))


class Levels(Handle):
    """Independent units on energy levels: Levels(energies, degeneracies=None).

    energies: K finite numbers (K <= 64, repeats allowed); degeneracies: K positive integers
    (default all 1). Results are keyed as `zsum levels --format json` prints them."""

    _free_name = "zs_levels_free"

    def __init__(self, energies, degeneracies=None):
        super().__init__()
        e = _lib.as_float64(energies, "energies", ndim=1)
        if e.size > MAX_K:
            raise ValueError("energies: %d levels, at most %d" % (e.size, MAX_K))
        g = None
        if degeneracies is not None:
            g = _lib.as_float64(degeneracies, "degeneracies", ndim=1, shape=(e.size,))
        self.energies = e.copy()
        self.degeneracies = np.ones(e.size) if g is None else g.copy()
        self._given_g = g is not None
        out = c_void_p()
        self._new(_lib_.zs_levels_alloc(self._ctx.ptr, e.size, e.ctypes.data,
                                        None if g is None else g.ctypes.data, byref(out)), out)
        self.k = e.size
        self._th = _Thermo()
        self._topts = _ThermoOpts()
        _lib_.zs_levels_thermo_defaults(byref(self._topts))

    def __repr__(self):
        return "Levels(%r, %r)" % (self.energies.tolist(), self.degeneracies.tolist())

    def _n(self, n):
        return _lib.as_count(n, "n", 1, MAX_UNITS)

    def _method(self, method):
        return _lib.enum_value("levels_method", "method", method)

    # ---- thermodynamics ----------------------------------------------------------------------
    def lnz(self, n, beta=1.0, method="auto"):
        """ln Z of n units at beta (the fast path: one library call, nothing else)."""
        n = self._n(n)
        beta = _lib.as_real(beta, "beta")
        m = self._method(method)
        with self._ctx.lock:
            self._ctx.sync()
            self._topts.method = m
            status = _lib_.zs_levels_thermo_compute(self._ptr, n, beta, self._topts, self._th, None)
            if status:
                self._ctx.check(status)
            return self._th.lnz

    def thermo_seconds(self, n, method="auto"):
        """The estimated seconds of thermo(n, beta, method) at any beta on
        zsum.get_num_threads() threads (zs_levels_thermo_seconds); inf where the method's work
        limit refuses it."""
        n = self._n(n)
        m = self._method(method)
        with self._ctx.lock:
            self._ctx.sync()
            return _lib_.zs_levels_thermo_seconds(self._ptr, n, byref(_ThermoOpts(m)))

    def thermo(self, n, beta=None, method="auto", T=None):
        """ln Z, Z, z, U, F, S, S_thermo, C, occupation and the microstate count of n units at
        beta (or T): the keys of `zsum levels -n N --format json`. method: "auto" (= closed),
        "closed", "macro" or "enumerate"."""
        n = self._n(n)
        beta = beta_of(beta, T)
        m = self._method(method)
        th = _Thermo()
        occ = np.empty(self.k)
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_levels_thermo_compute(self._ptr, n, beta, byref(_ThermoOpts(m)), byref(th),
                                                           occ.ctypes.data))
            status, decimal, log10 = _count(
                lambda c: _lib_.zs_levels_microstate_count(self._ptr, n, DIGITS_MAX, c))
            self._ctx.check(status)
        return Result([
            ("units", n), ("beta", beta),
            ("temperature", 1.0 / beta if beta != 0 else float("inf")),
            ("levels", [{"energy": float(e), "degeneracy": float(g)}
                        for e, g in zip(self.energies, self.degeneracies)]),
            ("microstates", decimal), ("log10_microstates", log10),
            ("lnZ", th.lnz), ("Z", representable_exp(th.lnz)),
            ("z", representable_exp(th.lnz_unit)), ("U", th.u), ("F", th.f), ("S", th.s),
            ("S_thermo", th.s_thermo), ("C", th.c), ("occupation", occ),
            ("method", _lib.enum_name("levels_method", th.method))])

    def state(self, levels, beta=None, T=None):
        """One microstate given as the level of each unit: energy, p, lnp, occupation and the
        exact multiplicity of its macrostate (the JSON's "state")."""
        s = _lib.as_indices(levels, "levels", np.uint32, hi=self.k)
        n = self._n(s.size)
        beta = beta_of(beta, T)
        info = _StateInfo()
        occ = np.empty(self.k, dtype=np.uint64)
        with self._ctx.lock:
            status, mult, _ = _count(lambda c: _lib_.zs_levels_state(
                self._ptr, n, s.ctypes.data, beta, byref(info), occ.ctypes.data, c))
            self._ctx.check(status)
        return Result([("levels", s.copy()), ("energy", info.energy), ("p", info.p),
                       ("lnp", info.lnp), ("occupation", occ), ("multiplicity", mult)])

    # ---- listings ------------------------------------------------------------------------------
    def microstates(self, n, beta=None, limit=1e6, T=None):
        """Every microstate in the command line's order (unit 0 slowest): levels and substates
        (n columns each, uint32), energy and p; refused (TooBigError) past limit rows."""
        n = self._n(n)
        beta = beta_of(beta, T)
        limit = _lib.as_real(limit, "limit")
        lv, sub, energy, p = bytearray(), bytearray(), [], []
        width = 4 * n

        def row(user, levels, substates, e, prob):
            lv.extend(ctypes.string_at(levels, width))
            sub.extend(ctypes.string_at(substates, width))
            energy.append(e)
            p.append(prob)
        cb = Collector(_MICRO_FN, row)
        with self._ctx.lock:
            self._ctx.sync()
            status = _lib_.zs_levels_microstates(self._ptr, n, beta, limit, cb.c, None)
            cb.finish(self._ctx, status)
        return Result([("levels", rows(lv, np.uint32, n)), ("substates", rows(sub, np.uint32, n)),
                       ("energy", np.array(energy)), ("p", np.array(p))])

    def macrostates(self, n, beta=None, limit=1e6, T=None):
        """Every occupation vector by energy: occupation (K columns, uint64), the exact
        multiplicity (decimal strings), energy and p of the whole macrostate."""
        n = self._n(n)
        beta = beta_of(beta, T)
        limit = _lib.as_real(limit, "limit")
        occ, mult, energy, p = bytearray(), [], [], []
        width = 8 * self.k

        def row(user, occupation, multiplicity, e, prob):
            occ.extend(ctypes.string_at(occupation, width))
            mult.append(multiplicity.decode())
            energy.append(e)
            p.append(prob)
        cb = Collector(_MACRO_FN, row)
        with self._ctx.lock:
            status = _lib_.zs_levels_macrostates(self._ptr, n, beta, limit, cb.c, None)
            cb.finish(self._ctx, status)
        return Result([("occupation", rows(occ, np.uint64, self.k)), ("multiplicity", mult),
                       ("energy", np.array(energy)), ("p", np.array(p))])

    def dos(self, n, beta=None, limit=1e6, T=None):
        """The density of states: each distinct total energy, its exact count of microstates
        (decimal strings) and its probability."""
        n = self._n(n)
        beta = beta_of(beta, T)
        limit = _lib.as_real(limit, "limit")
        energy, count, p = [], [], []

        def row(user, e, c, prob):
            energy.append(e)
            count.append(c.decode())
            p.append(prob)
        cb = Collector(_DOS_FN, row)
        with self._ctx.lock:
            status = _lib_.zs_levels_dos(self._ptr, n, beta, limit, cb.c, None)
            cb.finish(self._ctx, status)
        return Result([("energy", np.array(energy)), ("count", count), ("p", np.array(p))])

    # ---- sweeps and the landscape --------------------------------------------------------------
    def sweep(self, n, T=None, beta=None, method="auto", max_seconds=None):
        """ln Z, U, F, S, C at several temperatures: T=(lo, hi, points) or beta=(lo, hi,
        points) as --sweep T:LO:HI:P, or a sequence of values. Columns T, beta, lnZ, U, F, S,
        C (arrays). With max_seconds, a sweep whose points' estimated seconds
        (thermo_seconds times the points) pass it is refused with TooBigError."""
        n = self._n(n)
        values, by_beta = sweep_values(T, beta)
        check_sweep_seconds([self.thermo_seconds(n, method)] * len(values), max_seconds)
        m = self._method(method)
        out = np.empty((len(values), 7))
        th = _Thermo()
        opts = _ThermoOpts(m)
        with self._ctx.lock:
            self._ctx.sync()
            for i, v in enumerate(values):
                b = v if by_beta else 1.0 / v
                self._ctx.check(_lib_.zs_levels_thermo_compute(self._ptr, n, b, byref(opts), byref(th),
                                                               None))
                out[i] = (1.0 / b if b != 0.0 else float("inf"), b, th.lnz, th.u, th.f, th.s,
                          th.c)
        return Result((k, out[:, i].copy()) for i, k in
                      enumerate(("T", "beta", "lnZ", "U", "F", "S", "C")))

    def landscape(self, beta=None, points=99, T=None):
        """Two levels: the per-unit free energy F(x) = E(x) - T S(x) at x = i/(points+1),
        columns x, F, S, and landscape_min: the numerical minimum (x, F) and the closed form
        (x_exact = g1 e^-beta e1 / z, F_exact = -T ln z)."""
        beta = beta_of(beta, T)
        points = _lib.as_count(points, "points", 1, 10**7)
        out = np.empty((points, 3))
        f, s = c_double(), c_double()
        th = _Thermo()
        occ = np.empty(self.k)
        with self._ctx.lock:
            for i in range(points):
                x = float(i + 1) / float(points + 1)
                self._ctx.check(_lib_.zs_levels_landscape(self._ptr, beta, x, byref(f), byref(s)))
                out[i] = (x, f.value, s.value)
            xm, fm = c_double(), c_double()
            self._ctx.check(_lib_.zs_levels_landscape_min(self._ptr, beta, byref(xm), byref(fm)))
            self._ctx.check(_lib_.zs_levels_thermo_compute(self._ptr, 1, beta, None, byref(th),
                                                           occ.ctypes.data))
        return Result([("x", out[:, 0].copy()), ("F", out[:, 1].copy()), ("S", out[:, 2].copy()),
                       ("landscape_min", Result([("x", xm.value), ("F", fm.value),
                                                 ("x_exact", float(occ[1])),
                                                 ("F_exact", -th.lnz_unit / beta)]))])
