"""Hostile arguments: wrong dtype, shape, NaN, non-contiguous or empty arrays, huge counts,
missing files. Each is converted or refused with an exception naming the problem; none
crashes the interpreter (a crash would end this test run)."""
import numpy as np
import pytest

import zsum

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("args, exc, words", [
    (([],), ValueError, "energies: is empty"),
    (([0, NAN],), ValueError, "energies: entry 1 = nan"),
    (([0, INF],), ValueError, "not finite"),
    ((None,), TypeError, "got None"),
    (("0,1,2",), TypeError, "got str"),
    (([[0, 1], [2, 3]],), ValueError, "expected 1 dimension"),
    ((list(range(65)),), ValueError, "at most 64"),
    (([0, 1], [1]), ValueError, r"degeneracies: expected shape \(2,\)"),
    (([0, 1], [1, 0.5]), zsum.InvalidArgumentError, "degenerac"),
    (([0, 1], [1, -2]), ValueError, "degenerac"),
    (([0, 1], [1, NAN]), ValueError, "not finite"),
    (([0, 1], ["a", "b"]), TypeError, "dtype"),
])
def test_levels_construction_refuses_bad_arrays(args, exc, words):
    with pytest.raises(exc, match=words):
        zsum.Levels(*args)


def test_levels_accepts_other_dtypes_and_strided_arrays():
    e = np.array([[0, 9], [1, 9], [2, 9]], dtype=np.int16)[:, 0]     # strided, int16
    assert not e.flags.c_contiguous
    assert zsum.Levels(e).lnz(10) == zsum.Levels([0.0, 1.0, 2.0]).lnz(10)
    assert zsum.Levels(np.float32([0, 1, 2])).lnz(10) == zsum.Levels([0, 1, 2]).lnz(10)


@pytest.mark.parametrize("call, exc", [
    (lambda lv: lv.thermo(0), ValueError),
    (lambda lv: lv.thermo(10**12), ValueError),
    (lambda lv: lv.thermo(2**64), ValueError),
    (lambda lv: lv.thermo(-1), ValueError),
    (lambda lv: lv.thermo(2.5), TypeError),
    (lambda lv: lv.thermo("10"), TypeError),
    (lambda lv: lv.thermo(10, beta=NAN), ValueError),
    (lambda lv: lv.thermo(10, beta=INF), ValueError),
    (lambda lv: lv.thermo(10, T=0), ValueError),
    (lambda lv: lv.thermo(10, beta=1, T=1), TypeError),
    (lambda lv: lv.thermo(10, method="fast"), zsum.InvalidArgumentError),
    (lambda lv: lv.thermo(10, method=None), TypeError),
    (lambda lv: lv.thermo(10**6, method="enumerate"), zsum.TooBigError),
    (lambda lv: lv.thermo(10**6, method="macro"), zsum.TooBigError),
    (lambda lv: lv.microstates(40), zsum.TooBigError),
    (lambda lv: lv.microstates(3, limit=5), zsum.TooBigError),
    (lambda lv: lv.macrostates(10**7, limit=100), zsum.TooBigError),
    (lambda lv: lv.dos(10**7, limit=100), zsum.TooBigError),
    (lambda lv: lv.state([0, 3]), ValueError),
    (lambda lv: lv.state([]), ValueError),
    (lambda lv: lv.state([0.5, 1]), ValueError),
    (lambda lv: lv.landscape(1.0), zsum.UnsupportedError),
    (lambda lv: lv.sweep(10), TypeError),
    (lambda lv: lv.sweep(10, T=[1, 0]), ValueError),
    (lambda lv: lv.sweep(10, T=(1, 2, 0)), ValueError),
])
def test_levels_calls_refuse_bad_arguments(call, exc):
    with pytest.raises(exc):
        call(zsum.Levels([0, 1, 2]))


def test_a_library_refusal_names_the_limit():
    with pytest.raises(zsum.TooBigError, match="enumerate|ENUMERATE|states") as info:
        zsum.Levels([0, 1, 2]).thermo(10**6, method="enumerate")
    assert info.value.status_name == "ETOOBIG" and isinstance(info.value, ValueError)


def test_an_exception_in_a_listing_callback_stops_the_walk_cleanly(monkeypatch):
    import zsum.levels as L
    lv = zsum.Levels([0, 1])

    class Boom(Exception):
        pass

    def bad_rows(*a, **k):
        raise Boom()
    monkeypatch.setattr(L, "rows", bad_rows)
    with pytest.raises(Boom):
        lv.microstates(3)
    assert lv.microstates.__func__ is L.Levels.microstates
    monkeypatch.undo()
    assert lv.microstates(3).p.size == 8


@pytest.mark.parametrize("make, exc", [
    (lambda: zsum.Ising(0), ValueError),
    (lambda: zsum.Ising(5000), ValueError),
    (lambda: zsum.Ising(10**30), ValueError),
    (lambda: zsum.Ising((3, 4, 5)), ValueError),
    (lambda: zsum.Ising((3, 4), dim=1), ValueError),
    (lambda: zsum.Ising(4, dim=3), ValueError),
    (lambda: zsum.Ising(4, J=NAN), ValueError),
    (lambda: zsum.Ising(4, h="x"), TypeError),
    (lambda: zsum.Ising(1, periodic=True), zsum.InvalidArgumentError),
    (lambda: zsum.BoltzmannMachine([[0, 1], [2, 0]]), zsum.InvalidArgumentError),
    (lambda: zsum.BoltzmannMachine([[1, 0], [0, 0]]), zsum.InvalidArgumentError),
    (lambda: zsum.BoltzmannMachine([[0, NAN], [NAN, 0]]), ValueError),
    (lambda: zsum.BoltzmannMachine(np.zeros((2, 3))), ValueError),
    (lambda: zsum.BoltzmannMachine(np.zeros(4)), ValueError),
    (lambda: zsum.BoltzmannMachine(np.zeros((2, 2)), [1, 2, 3]), ValueError),
    (lambda: zsum.BoltzmannMachine(np.zeros((0, 0))), ValueError),
    (lambda: zsum.BoltzmannMachine(None), TypeError),
    (lambda: zsum.BoltzmannMachine.random(0), ValueError),
    (lambda: zsum.BoltzmannMachine.random(10**6), ValueError),
    (lambda: zsum.BoltzmannMachine.load("/nonexistent/bm.npz"), zsum.ZsumIOError),
    (lambda: zsum.BoltzmannMachine.load(None), TypeError),
])
def test_pairwise_construction_refuses_bad_arguments(make, exc):
    with pytest.raises(exc):
        make()


def test_a_missing_file_is_an_os_error_naming_it():
    with pytest.raises(OSError, match="/nonexistent/bm.npz"):
        zsum.BoltzmannMachine.load("/nonexistent/bm.npz")


def test_a_non_contiguous_coupling_matrix_is_converted():
    w = np.zeros((8, 8))
    w[0, 3] = w[3, 0] = 1.5
    big = np.zeros((8, 16))
    big[:, ::2] = w
    view = big[:, ::2]
    assert not view.flags.c_contiguous
    assert zsum.BoltzmannMachine(view).lnz() == zsum.BoltzmannMachine(w).lnz()
    assert zsum.BoltzmannMachine(w.astype(np.float32)).lnz() == zsum.BoltzmannMachine(w).lnz()


@pytest.mark.parametrize("call, exc", [
    (lambda m: m.thermo(beta=NAN), ValueError),
    (lambda m: m.thermo(method="transfer"), zsum.UnsupportedError),
    # 2^56 states: refused by the estimated time (a 40-spin model is affordable, minutes).
    (lambda m: zsum.BoltzmannMachine.random(56, seed=1).thermo(method="enumerate"), zsum.TooBigError),
    (lambda m: m.thermo(method="bogus"), zsum.InvalidArgumentError),
    (lambda m: m.lnz(method="bogus"), zsum.InvalidArgumentError),
    (lambda m: m.dos(), zsum.UnsupportedError),
    (lambda m: m.sample(sweeps=10), zsum.InvalidArgumentError),
    (lambda m: m.sample(chains=0), zsum.InvalidArgumentError),
    (lambda m: m.sample(beta=-1), zsum.InvalidArgumentError),
    (lambda m: m.sample(algorithm="wolff"), zsum.UnsupportedError),
    (lambda m: m.sample(seed=-1), ValueError),
    (lambda m: m.sample(sweeps=2**64), ValueError),
    (lambda m: m.sample(sweeps=10**15, max_seconds=10), zsum.TooBigError),
    (lambda m: m.energy([1, -1]), ValueError),
    (lambda m: m.energy([0] * 40), ValueError),
])
def test_pairwise_calls_refuse_bad_arguments(call, exc):
    with pytest.raises(exc):
        call(zsum.BoltzmannMachine.random(40, seed=1))


@pytest.mark.parametrize("make, exc", [
    (lambda: zsum.Hopfield([[1, 0, 1]]), ValueError),
    (lambda: zsum.Hopfield([[1, NAN, 1]]), ValueError),
    (lambda: zsum.Hopfield([]), ValueError),
    (lambda: zsum.Hopfield([[1, -1]], rule="storkey"), ValueError),
    (lambda: zsum.Hopfield([[1, -1, 1, 1]], shape=(3, 3)), zsum.InvalidArgumentError),
    (lambda: zsum.Hopfield([[1, -1], [1, 1]], rule="projection"), zsum.InvalidArgumentError),
    (lambda: zsum.Hopfield.load("/nonexistent.npz"), OSError),
    (lambda: zsum.read_patterns("/nonexistent.txt"), OSError),
    (lambda: zsum.hopfield_capacity(50, alpha=-1.0), zsum.InvalidArgumentError),
    (lambda: zsum.hopfield_capacity(50, trials=0), ValueError),
])
def test_hopfield_refuses_bad_arguments(make, exc):
    with pytest.raises(exc):
        make()


@pytest.mark.parametrize("call, exc", [
    (lambda h: h.recall(3), ValueError),
    (lambda h: h.recall(-1), ValueError),
    (lambda h: h.recall([1, -1]), ValueError),
    (lambda h: h.recall(0, flip=1.5), ValueError),
    (lambda h: h.recall(0, T=-1), ValueError),
    (lambda h: h.recall(0, sweeps=0), ValueError),
    (lambda h: h.recall(0, order="backwards"), zsum.InvalidArgumentError),
    (lambda h: h.overlaps([1] * 5), ValueError),
    (lambda h: h.overlaps([1] * 40, out=np.empty(3, np.float32)), TypeError),
    (lambda h: h.overlaps([1] * 40, out=np.empty(4)), ValueError),
    (lambda h: h.get_couplings(out=np.empty((40, 40)).T[:, :]), ValueError),
])
def test_hopfield_calls_refuse_bad_arguments(call, exc):
    rng = np.random.default_rng(1)
    net = zsum.Hopfield(rng.choice([-1, 1], size=(3, 40)))
    with pytest.raises(exc):
        call(net)


def test_hopfield_outputs_go_into_caller_arrays():
    rng = np.random.default_rng(2)
    net = zsum.Hopfield(rng.choice([-1, 1], size=(3, 40)))
    out = np.full(3, np.nan)
    s = net.patterns[1]
    assert net.overlaps(s, out=out) is out and out[1] == 1.0
    j = np.empty((40, 40))
    assert net.get_couplings(out=j) is j and np.array_equal(j, net.couplings)


def test_uai_refuses_bad_files_and_evidence(tmp_path):
    bad = tmp_path / "bad.uai"
    bad.write_text("MARKOV\n2\n2 2\n1\n1 5\n2 1 1\n")
    with pytest.raises(zsum.FormatError, match="bad.uai"):
        zsum.read_uai(bad)
    with pytest.raises(OSError):
        zsum.read_uai(tmp_path / "missing.uai")
    with pytest.raises(OSError):
        zsum.read_uai(tmp_path)                       # a directory
    with pytest.raises(TypeError):
        zsum.read_uai(None)
    good = "MARKOV\n2\n2 2\n1\n2 0 1\n4\n 1 2 3 4\n"
    m = zsum.parse_uai(good)
    assert m.log_partition().lnZ == pytest.approx(np.log(10), rel=1e-15)
    for ev, exc in (([0, 2], ValueError), ([0], ValueError), ({5: 0}, ValueError),
                    ({0: 3}, ValueError), ([0.5, 0], ValueError), ("/nonexistent.evid", OSError)):
        with pytest.raises(exc):
            m.set_evidence(ev)
    with pytest.raises(zsum.InvalidArgumentError):
        m.log_partition(order="best")
    with pytest.raises(ValueError):
        m.log_partition(max_memory=-1)
    assert m.set_evidence({1: 1}) == 1
    assert m.log_partition().lnZ == pytest.approx(np.log(6), rel=1e-15)
    m.set_evidence([-1, -1])
    assert m.log_partition().lnZ == pytest.approx(np.log(10), rel=1e-15)


def test_factor_builder_refuses_bad_tables():
    m = zsum.FactorModel([2, 3])
    with pytest.raises(ValueError, match="values: 3 entries for a scope of 6 states"):
        m.add_factor([0, 1], [1, 2, 3])               # the library would read 6
    with pytest.raises(ValueError):
        m.add_factor([0, 1], [1, 2, 3, 4, 5, NAN])
    with pytest.raises(zsum.InvalidArgumentError):
        m.add_factor([0, 0], [1, 2, 3, 4])
    with pytest.raises(ValueError):
        m.add_factor([0, 7], [1, 2])
    m.add_factor([0, 1], [1, 2, 3, 4, 5, 6])
    assert m.log_partition().lnZ == pytest.approx(np.log(21), rel=1e-15)
    with pytest.raises(ValueError):
        zsum.FactorModel([2, 0])
