"""Public functions the package reaches besides the model families' main calls: the libDAI
.fg reader and the reader of either format (zs_factor_read_fg, zs_factor_parse_fg,
zs_factor_read_model) against `zsum uai` and a sum by hand; the time estimates
(zs_dbm_exact_seconds, zs_pairwise_enumerate_seconds, zs_hopfield_capacity_seconds,
zs_pairwise_thermo_seconds, zs_lattice_thermo_seconds, zs_levels_thermo_seconds) and the
refusals they drive; a DBM's file dtype (zs_dbm_dtype)."""
import gzip
import itertools
import math

import numpy as np
import pytest

import zsum
from cli_compare import cli_json, same

# Labels 3, 7, 10 (not 0..n-1), a scope listed against the label order, a sparse table
# (the model of tests/cli/uai_fg.sh).
FG = """# a small factor graph
3

2
7 3
3 2
6
0 0.5
1 2
2 1.5
3 0.25
4 1
5 3

2
10 7
2 3
4
0 1
2 0.5
3 2
5 4

1
3
2
2
0 1.5
1 0.5
"""


def fg_lnz_by_hand():
    """Every assignment of (x3, x7, x10), the tables read with the first variable fastest."""
    f1 = {}
    for i, v in [(0, 0.5), (1, 2), (2, 1.5), (3, 0.25), (4, 1), (5, 3)]:
        f1[(i % 3, i // 3)] = v          # scope (7, 3)
    f2 = {}
    for i, v in [(0, 1), (2, 0.5), (3, 2), (5, 4)]:
        f2[(i % 2, i // 2)] = v          # scope (10, 7)
    f3 = {0: 1.5, 1: 0.5}
    z = sum(f1.get((x7, x3), 0) * f2.get((x10, x7), 0) * f3[x3]
            for x3, x7, x10 in itertools.product(range(2), range(3), range(2)))
    return math.log(z)


def test_fg_readers_equal_the_program(cli, tmp_path):
    path = tmp_path / "m.fg"
    path.write_text(FG)
    d = cli_json(cli, ["uai", str(path), "-q"])
    skip = ("seconds", "model")
    models = [zsum.read_fg(path), zsum.read_model(path), zsum.parse_fg(FG, name=str(path)),
              zsum.parse_fg(FG.encode())]
    # The format told by the content (another name), and gzip.
    other = tmp_path / "m.model"
    other.write_text(FG)
    models.append(zsum.read_model(other))
    gz = tmp_path / "m.fg.gz"
    with gzip.open(gz, "wt") as f:
        f.write(FG)
    models.append(zsum.read_fg(gz))
    for m in models:
        py = m.log_partition()
        same({k: v for k, v in py.items() if k not in skip},
             {k: v for k, v in d.items() if k not in skip})
        assert py["lnZ"] == pytest.approx(fg_lnz_by_hand(), abs=1e-13)
    # read_model reads UAI too: the model written back as UAI gives the same ln Z.
    models[0].write_uai(tmp_path / "m.uai")
    assert zsum.read_model(tmp_path / "m.uai").log_partition()["lnZ"] == d["lnZ"]
    # Evidence as with read_uai: x(label 3) = 1.
    ev = zsum.read_fg(path, evidence={0: 1}).log_partition()
    de = cli_json(cli, ["uai", str(path), "-q", "--evid", _evid(tmp_path)])
    same(ev["lnZ"], de["lnZ"])


def _evid(tmp_path):
    p = tmp_path / "m.evid"
    p.write_text("1 0 1\n")
    return str(p)


def test_fg_readers_refuse(tmp_path):
    with pytest.raises(zsum.FormatError, match="<text>:"):
        zsum.parse_fg("2\n\n1\n0\n2\n1\n0 1\n")
    with pytest.raises(zsum.FormatError, match="m.fg:"):
        zsum.parse_fg(FG.replace("0 0.5", "0 -0.5"), name="m.fg")
    with pytest.raises(zsum.ZsumIOError):
        zsum.read_fg(tmp_path / "missing.fg")
    with pytest.raises(zsum.ZsumIOError):
        zsum.read_model(tmp_path / "missing.uai")
    with pytest.raises(TypeError):
        zsum.read_model(None)


def test_time_estimates():
    rs = np.random.RandomState(0)
    d = zsum.DBM([rs.normal(size=(6, 4)), rs.normal(size=(4, 3))])
    assert d.dtype == "float64"
    small = d.exact_seconds()
    big = zsum.DBM([np.zeros((40, 40)), np.zeros((40, 30))]).exact_seconds()
    assert 0 < small < big
    # The refusal of the exact ln Z is the estimate's: past it, TooBigError.
    huge = zsum.DBM([np.zeros((60, 60)), np.zeros((60, 60))])
    t = huge.exact_seconds()
    with pytest.raises(zsum.TooBigError):
        huge.log_partition(method="exact", max_seconds=t / 2)
    b20, b24 = (zsum.BoltzmannMachine.random(n, seed=1).enumerate_seconds() for n in (20, 24))
    assert 0 < b20 and b24 == pytest.approx(16 * b20, rel=1e-12)
    with pytest.raises(zsum.TooBigError, match="capacity: N = 100000 units, 12 loads x 1000 "
                                               "trials would take about"):
        zsum.hopfield_capacity(100000, trials=1000)
    with pytest.raises(ValueError, match="max_seconds"):
        zsum.hopfield_capacity(50, max_seconds=0)
    r = zsum.hopfield_capacity(40, alpha=0.05, trials=2, max_seconds=1e9)
    assert r["points"]["overlap"].shape == (1,)


def test_thermo_seconds_and_the_sweeps_they_bound(cli):
    """The thermodynamics' estimates: the command's refusal names the same seconds (its
    message rounds to two digits); a built Ising model and its description agree; a sweep
    past max_seconds is refused before any point, fewer points run."""
    import re
    zsum.set_num_threads(1)
    try:
        lazy = zsum.Ising((6, 6), periodic=True)
        t = lazy.thermo_seconds(T=0.05, method="transfer")
        assert lazy._model is None
        err = subprocess_err(cli, ["ising", "--size", "6x6", "-T", "0.05", "--method", "transfer",
                                   "--max-seconds", "1e-6", "--threads", "1"])
        shown = float(re.search(r"take about ([0-9.e+-]+) seconds", err).group(1))
        assert float("%.2g" % t) == shown
        built = zsum.Ising((6, 6), periodic=True)
        assert built._ptr is not None and built.thermo_seconds(T=0.05, method="transfer") == t
        # at low T the transfer matrix works in log space: dearer than at T = 3
        assert t > 2 * lazy.thermo_seconds(T=3, method="transfer")
        assert lazy.thermo_seconds(T=1, method="enumerate") == pytest.approx(
            2.0 ** 36 / 1e9, rel=1e-12)
        with pytest.raises(zsum.TooBigError, match="sweep: 300 temperatures would take about"):
            lazy.sweep(T=(0.01, 0.3, 300), max_seconds=1)
        assert lazy._model is None
        assert lazy.sweep(T=(0.01, 0.3, 3), max_seconds=1)["C"].shape == (3,)
        with pytest.raises(ValueError, match="max_seconds"):
            lazy.sweep(T=(1, 2, 2), max_seconds=0)
        bm = zsum.BoltzmannMachine.random(20, seed=1)
        assert bm.thermo_seconds(beta=1, method="enumerate") == bm.enumerate_seconds()
        # a strip 70 wide: the transfer matrix does not apply
        assert math.isinf(zsum.Ising((70, 70), periodic=False).thermo_seconds(beta=1, method="transfer"))
        lv = zsum.Levels([0, 1, 2])
        e10, e11 = lv.thermo_seconds(10, "enumerate"), lv.thermo_seconds(11, "enumerate")
        assert e11 == pytest.approx(3 * e10, rel=1e-14)
        assert math.isinf(lv.thermo_seconds(26, "enumerate"))   # 3^26 past 10^12 assignments
        with pytest.raises(zsum.TooBigError, match="sweep: 100000 temperatures"):
            lv.sweep(20, T=(1, 3, 100000), method="enumerate", max_seconds=3600)
        assert lv.sweep(8, T=(1, 3, 5), method="enumerate", max_seconds=1)["C"].shape == (5,)
    finally:
        zsum.set_num_threads(0)


def subprocess_err(cli, args):
    """The stderr of a zsum run that exits 2."""
    import subprocess
    from conftest import zsum_program
    r = subprocess.run([zsum_program()] + [str(a) for a in args], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    return r.stderr


def test_dtype_of_a_float32_file(tmp_path):
    rs = np.random.RandomState(1)
    d = zsum.DBM([rs.normal(size=(5, 3))])
    d.save(tmp_path / "f.npz", dtype="float32")
    assert zsum.DBM.load(tmp_path / "f.npz").dtype == "float32"
    d.save(tmp_path / "d.npz")
    assert zsum.DBM.load(tmp_path / "d.npz").dtype == "float64"


def test_ising_thermo_without_a_model(cli):
    """Ising builds its model on first use; the thermodynamics before that come from the spec
    (zs_lattice_thermo_compute): a 4096 x 4096 torus by the closed form allocates nothing per
    spin and gives the command's JSON; on smaller lattices every method gives the built
    model's record bit for bit."""
    big = zsum.Ising(4096)
    r = big.thermo(beta=0.44)
    assert big._model is None and r.method == "closed" and big.n == 4096 * 4096
    d = cli_json(cli, ["ising", "--size", 4096, "--beta", 0.44])
    same(r, d)
    cases = [dict(size=4), dict(size=(3, 5), periodic=False, h=0.3), dict(size=9, dim=1, J=-0.7),
             dict(size=(2, 7), J=0.4, h=-0.2)]
    for kw in cases:
        for method in ("auto", "transfer", "enumerate", "closed"):
            lazy = zsum.Ising(**kw)
            try:
                a = lazy.thermo(beta=0.37, method=method)
            except zsum.UnsupportedError:
                continue
            assert lazy._model is None
            built = zsum.Ising(**kw)
            assert built.n == lazy.n and built._ptr is not None
            b = built.thermo(beta=0.37, method=method)
            assert list(a) == list(b)
            for k in a:
                x, y = a[k], b[k]
                assert x == y or (x != x and y != y), "%s %s %s: %r %r" % (kw, method, k, x, y)
    with pytest.raises(ValueError, match="periodic direction needs at least 2 sites"):
        zsum.Ising(1, dim=1)


def test_ais_summarize_against_numpy():
    rs = np.random.RandomState(4)
    lw = rs.normal(3.0, 0.8, 200)
    for reverse in (False, True):
        r = zsum.ais_summarize(lw, lnz_base=1.25, reverse=reverse)
        m = lw.max()
        w = np.exp(lw - m)
        mean = w.mean()
        sigma = np.sqrt(w.var(ddof=1) / w.size)
        sign = -1.0 if reverse else 1.0
        assert r.lnZ == pytest.approx(1.25 + sign * (m + np.log(mean)), abs=1e-12)
        ends = sorted([1.25 + sign * (m + np.log(mean - 3 * sigma)),
                       1.25 + sign * (m + np.log(mean + 3 * sigma))])
        assert [r.lnZ_lo, r.lnZ_hi] == pytest.approx(ends, abs=1e-12)
        assert r.std_error == pytest.approx(sigma / mean, rel=1e-12)
        assert r.ess == pytest.approx(w.sum() ** 2 / (w ** 2).sum(), rel=1e-12)
        assert r.confidence == pytest.approx(0.9973002039367398, rel=1e-15)
    # One weight carries the estimate: the lower end is -inf (forward), the upper +inf (reverse).
    lw = np.array([0.0, -50.0, -60.0])
    assert zsum.ais_summarize(lw).lnZ_lo == -np.inf
    assert zsum.ais_summarize(lw, reverse=True).lnZ_hi == np.inf
    with pytest.raises(zsum.InvalidArgumentError, match="at least 2"):
        zsum.ais_summarize([1.0])
    with pytest.raises(zsum.NumericError, match="run 1"):
        zsum.ais_summarize([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="log_weights: expected 1 dimension"):
        zsum.ais_summarize(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="lnz_base"):
        zsum.ais_summarize([1.0, 2.0], lnz_base=np.nan)


def test_sandwich_judge_equals_the_dbm_sandwich():
    rs = np.random.RandomState(3)
    d = zsum.DBM([rs.normal(0, 0.5, (6, 4)), rs.normal(0, 0.5, (4, 3))])
    r = d.log_partition(method="ais", chains=30, schedule="linear:50", seed=2, reverse="pt",
                        pt_temperatures=8, pt_sweeps=40)
    j = zsum.sandwich_judge(r, dict(lnZ=r.lnZ_reverse, lnZ_lo=r.lnZ_reverse_lo,
                                    lnZ_hi=r.lnZ_reverse_hi))
    same(j, {k: r[k] for k in ("sandwich_lo", "sandwich_hi", "sides_agree")})
    assert j.gap == r.lnZ_reverse - r.lnZ
    far = zsum.sandwich_judge((1.0, 0.9, 1.1), (2.0, 1.8, 2.2))
    assert far == dict(gap=1.0, sandwich_lo=0.9, sandwich_hi=2.2, sides_agree=False)
    assert zsum.sandwich_judge((1.0, 0.9, 1.1), (1.05, 1.0, 1.2)).sides_agree
    with pytest.raises(ValueError, match="upper: lacks lnZ_lo, lnZ_hi"):
        zsum.sandwich_judge(r, dict(lnZ=1.0))
    with pytest.raises(TypeError, match="lower: expected"):
        zsum.sandwich_judge(1.0, (1, 2, 3))
