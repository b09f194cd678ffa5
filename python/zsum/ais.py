"""zsum.ais_summarize and zsum.sandwich_judge — the arithmetic of an AIS estimate and of its
two-sided check (zs_ais_summarize, zs_sandwich_judge, include/zsum/rbm.h), for log weights of
one's own annealing runs: the same numbers the library's AIS of RBMs and DBMs reports."""
from ctypes import byref

from . import _lib
from ._result import Result

_lib_ = _lib.lib
_Estimate = _lib.struct("zs_estimate")
_Interval = _lib.struct("zs_interval")
_Sandwich = _lib.struct("zs_sandwich")


def ais_summarize(log_weights, lnz_base=0.0, reverse=False):
    """ln Z from M >= 2 AIS log weights and the base's ln Z_A (zs_ais_summarize): forward,
    ln Z_A + ln r with r the mean weight; reverse=True (weights of runs from the model to the
    base), ln Z_A - ln r. Keys: lnZ, lnZ_lo, lnZ_hi (r -+ 3 sigma, sigma = std(w) / sqrt(M);
    an end where r - 3 sigma <= 0 is infinite), confidence (0.9973), std_error (sigma / r)
    and ess ((sum w)^2 / sum w^2)."""
    lw = _lib.as_float64(log_weights, "log_weights", ndim=1, finite=False)
    base = _lib.as_real(lnz_base, "lnz_base")
    est, band = _Estimate(), _Interval()
    ctx = _lib.Context()
    ctx.check(_lib_.zs_ais_summarize(ctx.ptr, lw.ctypes.data, lw.size, base,
                                     1 if reverse else 0, byref(est), byref(band)))
    return Result(lnZ=est.value, lnZ_lo=band.lo, lnZ_hi=band.hi, confidence=band.confidence,
                  std_error=est.std_error, ess=est.ess)


def _side(x, name):
    if isinstance(x, dict):
        missing = [k for k in ("lnZ", "lnZ_lo", "lnZ_hi") if k not in x]
        if missing:
            raise ValueError("%s: lacks %s" % (name, ", ".join(missing)))
        x = (x["lnZ"], x["lnZ_lo"], x["lnZ_hi"])
    if not isinstance(x, (tuple, list)) or len(x) != 3:
        raise TypeError("%s: expected (lnZ, lo, hi) or a dict with lnZ, lnZ_lo, lnZ_hi" % name)
    v, lo, hi = (_lib.as_real(t, "%s[%d]" % (name, i), finite=False) for i, t in enumerate(x))
    e, b = _Estimate(), _Interval()
    e.value, b.lo, b.hi = v, lo, hi
    return e, b


def sandwich_judge(lower, upper):
    """The two sides of ln Z compared (zs_sandwich_judge): lower and upper each (lnZ, lo, hi)
    or a dict with lnZ, lnZ_lo, lnZ_hi (as ais_summarize returns). Keys: gap (upper - lower),
    sandwich_lo, sandwich_hi (the bands joined), sides_agree (the bands overlap: when they do
    not, the runs contradict each other beyond their errors and neither is reliable)."""
    le, lb = _side(lower, "lower")
    ue, ub = _side(upper, "upper")
    out = _Sandwich()
    _lib_.zs_sandwich_judge(byref(le), byref(lb), byref(ue), byref(ub), byref(out))
    return Result(gap=out.gap, sandwich_lo=out.bracket.lo, sandwich_hi=out.bracket.hi,
                  sides_agree=bool(out.agree))
