"""Threads: ctypes releases the GIL during every library call, so a long computation in one
Python thread lets the others run; calls from several threads give the serial results;
set_num_threads does not change any result."""
import os
import threading
import time

import numpy as np

import zsum


def test_a_long_call_lets_other_python_threads_run():
    zsum.set_num_threads(1)
    try:
        # 2^30 states: a fraction of a second (2^27 in a sanitized build, about 8 times slower)
        m = zsum.BoltzmannMachine.random(27 if os.environ.get("ZSUM_SANITIZED") else 30, seed=1)
        span = {}

        def work():
            span["start"] = time.perf_counter()
            span["lnz"] = m.lnz(method="enumerate")
            span["end"] = time.perf_counter()
        t = threading.Thread(target=work)
        stamps = []
        t.start()
        while t.is_alive():
            stamps.append(time.perf_counter())
        t.join()
    finally:
        zsum.set_num_threads(0)
    a, b = span["start"], span["end"]
    assert b - a > 0.05
    inside = sum(1 for s in stamps if a + 0.02 < s < b - 0.02)
    # With the GIL held through the call this thread could not have run at all in between.
    assert inside > 100, "the main thread ran %d times during a %.2f s call" % (inside, b - a)


def test_calls_from_two_threads_give_the_serial_results():
    models = [zsum.Ising(4, J=0.5, h=0.1 * k) for k in range(4)]
    levels = zsum.Levels([0, 0.5, 1.25], [1, 2, 1])
    serial = [m.thermo(beta=0.6)["lnZ"] for m in models]
    serial_lv = [levels.thermo(n, beta=0.9)["S"] for n in range(1, 9)]
    shared = zsum.BoltzmannMachine.random(12, seed=3)
    serial_shared = shared.lnz(beta=0.7)
    results, errors = {}, []

    def work(tid):
        try:
            for rep in range(20):
                for k, m in enumerate(models):
                    results[(tid, rep, "ising", k)] = m.thermo(beta=0.6)["lnZ"]
                for n in range(1, 9):
                    results[(tid, rep, "levels", n)] = levels.thermo(n, beta=0.9)["S"]
                results[(tid, rep, "shared")] = shared.lnz(beta=0.7)
        except BaseException as e:   # reported by the main thread
            errors.append(e)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for (tid, rep, kind, *k), v in results.items():
        if kind == "ising":
            assert v == serial[k[0]]
        elif kind == "levels":
            assert v == serial_lv[k[0] - 1]
        else:
            assert v == serial_shared


def test_the_thread_count_does_not_change_results():
    m = zsum.BoltzmannMachine.random(22, seed=7)
    lv = zsum.Levels([0, 1, 2.5])
    out = []
    for n in (1, 2, 0):
        zsum.set_num_threads(n)
        out.append((m.lnz(method="enumerate"), lv.thermo(12, method="enumerate")["S"],
                    zsum.Ising(5).sample(sweeps=64, burnin=10, chains=4, seed=2)["U"]["estimate"]))
    zsum.set_num_threads(0)
    assert out[0] == out[1] == out[2]
    assert np.isfinite(out[0][0])
