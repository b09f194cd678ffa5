"""The cost of a small call from Python: ln Z of the chapter's system (ten units on the levels
0, 1, 2 at beta = 1) through zsum.Levels.lnz, beside the same library call made through bare
ctypes (the floor of any ctypes binding: argument conversion and the foreign call itself), an
empty foreign call (zs_version), and the whole summary Levels.thermo (ln Z, U, S, C, the
occupations and the exact microstate count, as `zsum levels --format json` gives them).

usage: python3 bench/python_overhead.py [REPEATS] [CALLS]
Each figure is REPEATS (default 31) timings of CALLS (default 20000) calls in a row: the median
and the spread (min - max) of the time per call, in microseconds."""
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import zsum                      # noqa: E402
from zsum import _lib            # noqa: E402

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 31
calls = int(sys.argv[2]) if len(sys.argv) > 2 else 20000

lv = zsum.Levels([0, 1, 2])
assert lv.lnz(10, beta=1.0) == 4.076059644443804
th = _lib.struct("zs_levels_thermo")()
f = _lib.lib.zs_levels_thermo_compute
version = _lib.lib.zs_version
ptr = lv._ptr
ref = ctypes.byref(th)


def per_call(fn, n):
    t0 = time.perf_counter()
    fn(n)
    return (time.perf_counter() - t0) / n * 1e6


def wrapper(n):
    for _ in range(n):
        lv.lnz(10, beta=1.0)


def bare(n):
    for _ in range(n):
        f(ptr, 10, 1.0, 3, ref, None)


def empty(n):
    for _ in range(n):
        version()


def summary(n):
    for _ in range(n):
        lv.thermo(10, beta=1.0)


cases = [("Levels.lnz(10, beta=1) (the small call)", wrapper, calls),
         ("bare ctypes zs_levels_thermo_compute", bare, calls),
         ("empty foreign call zs_version()", empty, calls),
         ("Levels.thermo(10, beta=1) (whole summary)", summary, max(calls // 10, 1))]
times = {name: [] for name, _, _ in cases}
for r in range(repeats):                       # the cases alternate within each repeat
    for name, fn, n in cases:
        times[name].append(per_call(fn, n))
print("python %s, numpy %s, library %s" % (sys.version.split()[0],
                                           __import__("numpy").__version__, zsum.library_path))
print("%d repeats of %d calls (the summary: %d); time per call in microseconds"
      % (repeats, calls, max(calls // 10, 1)))
for name, _, _ in cases:
    t = sorted(times[name])
    print("%-44s median %7.3f us   spread %7.3f - %7.3f us" % (name, t[len(t) // 2], t[0], t[-1]))
w = sorted(times[cases[0][0]])[repeats // 2]
b = sorted(times[cases[1][0]])[repeats // 2]
print("wrapper overhead over bare ctypes (medians): %.3f us; target: the small call <= 20 us"
      % (w - b))
