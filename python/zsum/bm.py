"""zsum.BoltzmannMachine's learning (zsum bm train): the exact moments of a fully visible
Boltzmann machine, the figures of a training epoch (exact ln Z, the mean-field bound, the Bethe
value, the exact log-likelihood of rows) and the trainer with its three negative phases. Every
number comes from libzsum (zs_bm_*, include/zsum/bm.h); BoltzmannMachine's methods fit,
moments and monitor call these."""
import math
import os
import time
from ctypes import byref, c_double, c_void_p

import numpy as np

from . import _lib
from ._result import Result

_lib_ = _lib.lib
_TrainOpts = _lib.struct("zs_bm_train_opts")
_Monitor = _lib.struct("zs_bm_monitor")
# ZS_BM_MOMENTS_MAX and ZS_BM_NEGATIVE_EXACT_MAX (zsum/bm.h).
MOMENTS_MAX = 30
NEGATIVE_EXACT_MAX = 24
# `zsum bm train --max-seconds`'s default: the time allowed for the exact ln Z of each epoch
# and for an epoch of the exact negative phase.
MAX_SECONDS = 10.0
# The keys of a `zsum bm train --log` line, in its order (programs/train_plot.c).
LOG_KEYS = ("epoch", "lnZ", "lnZ_mf", "lnZ_bethe", "bethe_converged", "loglik", "seconds")


def _max_seconds(x):
    x = _lib.as_real(x, "max_seconds", finite=False)
    if not x > 0:
        raise ValueError("max_seconds: %r must be > 0" % x)
    return x


def moments(bm):
    """(moments (n, n) float64, lnZ) of the machine's 0/1 form by enumerating its 2^n states
    (zs_bm_moments_exact): moments[i, j] = <x_i x_j> (i != j), moments[i, i] = <x_i>."""
    w, b, _ = bm.params()
    n = b.size
    m, lnz = np.empty((n, n)), c_double()
    with bm._ctx.lock:
        bm._ctx.sync()
        bm._ctx.check(_lib_.zs_bm_moments_exact(bm._ctx.ptr, n, w.ctypes.data, b.ctypes.data,
                                                m.ctypes.data, byref(lnz)))
    return m, lnz.value


def _figures(ctx, units, w, b, rows, max_seconds):
    """zs_bm_monitor_compute as a dict with the --log keys' names."""
    m = _Monitor()
    ctx.check(_lib_.zs_bm_monitor_compute(ctx.ptr, units, w.ctypes.data, b.ctypes.data,
                                          None if rows is None else rows.ctypes.data,
                                          0 if rows is None else rows.shape[0], max_seconds,
                                          byref(m)))
    return dict(lnZ=m.lnz, lnZ_mf=m.lnz_mf, lnZ_bethe=m.lnz_bethe,
                bethe_converged=bool(m.bethe_converged), loglik=m.loglik)


def monitor(bm, rows=None, max_seconds=MAX_SECONDS):
    """The figures `zsum bm train` reports each epoch, for this machine (zs_bm_monitor_compute):
    lnZ (exact; NaN when its estimated time passes max_seconds), lnZ_mf (the naive mean-field
    lower bound), lnZ_bethe (loopy BP; NaN when it found no finite value), bethe_converged,
    loglik (the exact mean ln p(x) of the binary rows; NaN without rows or with lnZ)."""
    w, b, _ = bm.params()
    n = b.size
    r = None if rows is None else _lib.as_binary(rows, "rows", ndim=2, shape=(None, n))
    max_seconds = _max_seconds(max_seconds)
    with bm._ctx.lock:
        bm._ctx.sync()
        return Result(**_figures(bm._ctx, n, w, b, r, max_seconds))


def _train_opts(kw):
    """zs_bm_train_opts from the options (None: the library's defaults)."""
    to = _TrainOpts()
    _lib_.zs_bm_train_defaults(byref(to))
    for name in ("batch", "chains", "gibbs_steps"):
        if kw[name] is not None:
            setattr(to, name, _lib.as_count(kw[name], name, lo=1, hi=1000000))
    if kw["mf_iterations"] is not None:
        to.mf_iterations = _lib.as_count(kw["mf_iterations"], "mf_iterations", lo=1, hi=100000)
    for name in ("lr", "lr_decay", "momentum", "weight_decay", "mf_tolerance"):
        if kw[name] is not None:
            setattr(to, name, _lib.as_real(kw[name], name))
    # The command's ranges (programs/cmd_bm.c), named for Python.
    if not to.lr > 0:
        raise ValueError("lr: %r must be > 0" % to.lr)
    for name in ("lr_decay", "weight_decay"):
        if not getattr(to, name) >= 0:
            raise ValueError("%s: %r must be >= 0" % (name, getattr(to, name)))
    for name in ("momentum", "mf_tolerance"):
        if not 0 <= getattr(to, name) < 1:
            raise ValueError("%s: %r must be in [0, 1)" % (name, getattr(to, name)))
    to.negative = _lib.enum_value("bm_negative", "negative", kw["negative"])
    to.seed = _lib.as_count(kw["seed"], "seed")
    return to


def _start(init, units):
    """(W, b) of the start, or (None, None): the trainer's own (W = 0, the data's log-odds)."""
    if init is None:
        return None, None
    from .pairwise import BoltzmannMachine
    if isinstance(init, BoltzmannMachine):
        w, b, _ = init.params()
    elif isinstance(init, tuple) and len(init) == 2:
        w = _lib.as_float64(init[0], "init[0] (W)", ndim=2)
        b = _lib.as_float64(init[1], "init[1] (b)", ndim=1)
    else:
        raise TypeError("init: expected a BoltzmannMachine or a tuple (W, b), got %s"
                        % type(init).__name__)
    if w.shape != (units, units) or b.shape != (units,):
        raise ValueError("init: W %s and b %s for %d units (the data's columns)"
                         % (w.shape, b.shape, units))
    return w, b


def _exact_affordable(ctx, to, units, n, max_seconds):
    """The command's refusal of an exact negative phase estimated beyond max_seconds an epoch
    (programs/bm_train.c): ceil(n / batch) updates, each zs_bm_moments_seconds."""
    if to.negative != _lib.enum_value("bm_negative", "negative", "exact") or \
            units > NEGATIVE_EXACT_MAX:
        return
    B = min(to.batch, n)
    ups = math.ceil(float(n) / float(B))
    secs = ups * _lib_.zs_bm_moments_seconds(ctx.ptr, units)
    if not secs <= max_seconds:
        raise _lib.TooBigError(
            "fit: the exact negative phase enumerates 2^%d states at each of %.0f updates an "
            "epoch, about %.3g s an epoch, over max_seconds %g; raise max_seconds, use a larger "
            "batch, or negative='persistent'|'mean-field'" % (units, ups, secs, max_seconds))


def fit(cls, data, epochs, kw):
    """BoltzmannMachine.fit's work (its docstring says what it does)."""
    x = _lib.as_binary(data, "data", ndim=2)
    n, units = x.shape
    epochs = _lib.as_count(epochs, "epochs", lo=1, hi=1000000)
    to = _train_opts(kw)
    held = None
    if kw["heldout"] is not None:
        held = _lib.as_binary(kw["heldout"], "heldout", ndim=2, shape=(None, units))
    mon = held if held is not None else x
    max_seconds = _max_seconds(kw["max_seconds"])
    w0, b0 = _start(kw["init"], units)
    path = _lib.path_bytes(kw["save"], "save") if kw["save"] is not None else None
    rpath = _lib.path_bytes(kw["resume"], "resume") if kw["resume"] is not None else None
    ctx = _lib.Context()
    ctx.sync()
    _exact_affordable(ctx, to, units, n, max_seconds)
    t = c_void_p()
    w, b = np.empty((units, units)), np.empty(units)
    log, start, figs, seconds, ran = [], None, None, float("nan"), 0
    t_start = time.monotonic()
    try:
        ctx.check(_lib_.zs_bm_trainer_alloc(ctx.ptr, units,
                                            None if w0 is None else w0.ctypes.data,
                                            None if b0 is None else b0.ctypes.data, byref(to),
                                            x.ctypes.data, n, byref(t)))
        if rpath is not None:
            ctx.check(_lib_.zs_bm_trainer_resume(t, rpath))
        elif kw["monitor"]:
            _lib_.zs_bm_trainer_get(t, w.ctypes.data, b.ctypes.data)
            start = dict(epoch=0, **_figures(ctx, units, w, b, mon, max_seconds))
        while _lib_.zs_bm_trainer_epochs_done(t) < epochs:
            t0 = time.monotonic()
            ctx.check(_lib_.zs_bm_trainer_epoch(t))
            ran += 1
            seconds = time.monotonic() - t0
            if kw["monitor"]:
                _lib_.zs_bm_trainer_get(t, w.ctypes.data, b.ctypes.data)
                figs = _figures(ctx, units, w, b, mon, max_seconds)
                log.append(dict(epoch=int(_lib_.zs_bm_trainer_epochs_done(t)), **figs,
                                seconds=seconds))
        _lib_.zs_bm_trainer_get(t, w.ctypes.data, b.ctypes.data)
        done = int(_lib_.zs_bm_trainer_epochs_done(t))
        # As the command, which writes -o after each epoch it runs.
        if path is not None and ran:
            ctx.check(_lib_.zs_bm_trainer_save(t, path))
    finally:
        if t.value:
            _lib_.zs_bm_trainer_free(t)
    self = cls(w, b)
    self.description = "Boltzmann machine trained on %d rows (%d units)" % (n, units)
    self.monitor_ = log
    self.start_ = start
    self.result_ = None
    if figs is not None:
        neg = _lib.enum_name("bm_negative", to.negative)
        self.result_ = Result(units=units, rows=n, epoch=done,
                              negative="persistent" if neg == "auto" else neg, **figs,
                              epoch_seconds=seconds,
                              total_seconds=time.monotonic() - t_start, seed=to.seed,
                              model=None if path is None else os.fsdecode(path))
    return self
