"""For every family, Python's numbers equal the zsum program's JSON for the same input, bit
for bit (both call the same library; the program prints the shortest decimal that reads back
to the same double, so json.loads recovers each double exactly)."""
import json
import os
import re

import numpy as np
import pytest

import zsum
from cli_compare import cli_json, columns, same


# ---- the printing itself --------------------------------------------------------------------

def test_the_program_prints_numbers_that_read_back_exactly(cli):
    # beta = 1/3 and T = 0.3 make every printed number need 16-17 significant digits.
    text = cli(["levels", "-n", "7", "-e", "0,0.1,0.7", "-T", "0.3", "--format", "json"])
    numbers = re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)
    assert len(numbers) > 8
    for s in numbers:
        digits = len(re.sub(r"[^0-9]", "", s.split("e")[0]).lstrip("0"))
        assert digits <= 17, s
    d = json.loads(text)
    py = zsum.Levels([0, 0.1, 0.7]).thermo(7, T=0.3)
    for key in ("lnZ", "U", "S", "C", "beta"):
        assert repr(py[key]) == repr(d[key])          # the same double, not just close


# ---- levels ---------------------------------------------------------------------------------

LEVEL_CASES = [
    (["-n", "10", "-e", "0,1,2"], [0, 1, 2], None, 10, {}),
    (["-n", "10", "-e", "0,1,2", "--method", "macro"], [0, 1, 2], None, 10,
     {"method": "macro"}),
    (["-n", "10", "-e", "0,1,2", "--method", "enumerate"], [0, 1, 2], None, 10,
     {"method": "enumerate"}),
    (["-n", "7", "-e", "-0.5,0.25,3", "-g", "2,1,3", "-b", "0.37"], [-0.5, 0.25, 3], [2, 1, 3],
     7, {"beta": 0.37}),
    (["-n", "1000000000", "-e", "0,1", "-T", "2.5"], [0, 1], None, 10**9, {"T": 2.5}),
    (["-n", "5", "-e", "0,1", "-b", "0"], [0, 1], None, 5, {"beta": 0.0}),
]


@pytest.mark.parametrize("args, e, g, n, kw", LEVEL_CASES)
def test_levels_thermo_equals_the_program(cli, args, e, g, n, kw):
    d = cli_json(cli, ["levels"] + args)
    py = zsum.Levels(e, g).thermo(n, **kw)
    same(py, d)
    assert list(py) == list(d)


def test_levels_lnz_fast_path_equals_the_program(cli):
    d = cli_json(cli, ["levels", "-n", "10", "-e", "0,1,2"])
    assert zsum.Levels([0, 1, 2]).lnz(10) == d["lnZ"]


def test_levels_state_and_listings_equal_the_program(cli):
    d = cli_json(cli, ["levels", "-n", "3", "-e", "0,1.5", "-g", "1,2", "-b", "0.7", "--state",
                       "0,1,1", "--microstates", "--macrostates", "--dos"])
    lv = zsum.Levels([0, 1.5], [1, 2])
    same(lv.state([0, 1, 1], beta=0.7), d["state"])
    same(lv.microstates(3, beta=0.7), columns(d["microstate_list"]))
    same(lv.macrostates(3, beta=0.7), columns(d["macrostates"]))
    same(lv.dos(3, beta=0.7), columns(d["dos"]))


def test_levels_chapter_state_equals_the_program(cli):
    state = [0] * 7 + [1, 1, 2]
    d = cli_json(cli, ["levels", "-n", "10", "-e", "0,1,2", "--state",
                       ",".join(map(str, state))])
    py = zsum.Levels([0, 1, 2]).state(state)
    same(py, d["state"])
    assert py.multiplicity == "360"


def test_levels_listing_without_degeneracy_has_substates_zero(cli):
    d = cli_json(cli, ["levels", "-n", "2", "-e", "0,1,2", "--microstates"])
    py = zsum.Levels([0, 1, 2]).microstates(2)
    assert "substates" not in d["microstate_list"][0]
    same({k: py[k] for k in ("levels", "energy", "p")}, columns(d["microstate_list"]))
    assert not py.substates.any()


@pytest.mark.parametrize("spec, kw", [("T:0.5:2:4", {"T": (0.5, 2, 4)}),
                                       ("beta:0:3:5", {"beta": (0, 3, 5)}),
                                       ("T:0.7:0.7:1", {"T": (0.7, 0.7, 1)})])
def test_levels_sweep_equals_the_program(cli, spec, kw):
    d = cli_json(cli, ["levels", "-n", "10", "-e", "0,1,2", "--sweep", spec])
    same(zsum.Levels([0, 1, 2]).sweep(10, **kw), columns(d["sweep"]))


def test_levels_landscape_equals_the_program(cli):
    d = cli_json(cli, ["levels", "-n", "10", "-e", "0,1", "-g", "1,3", "-T", "0.8",
                       "--landscape", "--points", "9"])
    py = zsum.Levels([0, 1], [1, 3]).landscape(T=0.8, points=9)
    same({k: py[k] for k in ("x", "F", "S")}, columns(d["landscape"]))
    same(py.landscape_min, d["landscape_min"])


# ---- ising and bm ---------------------------------------------------------------------------

ISING_CASES = [
    (["--size", "4", "--J", "1", "--h", "0.5"], dict(size=4, J=1, h=0.5), {}),
    (["--size", "3x5", "--open", "--J", "-0.7", "-T", "1.3"],
     dict(size=(3, 5), periodic=False, J=-0.7), {"T": 1.3}),
    (["--size", "40", "--dim", "1", "--h", "0.2", "-b", "0.45"], dict(size=40, dim=1, h=0.2),
     {"beta": 0.45}),
    (["--size", "6", "--method", "transfer", "-b", "0.44"], dict(size=6), {"beta": 0.44,
                                                                           "method": "transfer"}),
    (["--size", "32", "--method", "closed", "-b", "0.4"], dict(size=32), {"beta": 0.4,
                                                                          "method": "closed"}),
    (["--size", "12", "--dim", "1", "--open", "--method", "closed"],
     dict(size=12, dim=1, periodic=False), {"method": "closed"}),
]


@pytest.mark.parametrize("args, model, kw", ISING_CASES)
def test_ising_thermo_equals_the_program(cli, args, model, kw):
    d = cli_json(cli, ["ising"] + args)
    py = zsum.Ising(**model).thermo(**kw)
    same(py, d)
    assert list(py) == list(d)


def test_ising_dos_and_sweep_equal_the_program(cli):
    d = cli_json(cli, ["ising", "--size", "3x4", "--dos", "--sweep", "T:1:3:3"])
    m = zsum.Ising((3, 4))
    same(m.dos(), columns(d["dos"]))
    same(m.sweep(T=(1, 3, 3)), columns(d["sweep"]))
    d = cli_json(cli, ["ising", "--size", "3", "--sweep", "beta:0:1:3"])
    same(zsum.Ising(3).sweep(beta=(0, 1, 3)), columns(d["sweep"]))


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath", "wolff"])
def test_ising_sample_equals_the_program(cli, algorithm):
    d = cli_json(cli, ["ising", "sample", "--size", "6", "-b", "0.4", "--algorithm", algorithm,
                       "--sweeps", "320", "--burnin", "50", "--chains", "3", "--seed", "11"])
    py = zsum.Ising(6).sample(beta=0.4, algorithm=algorithm, sweeps=320, burnin=50, chains=3,
                              seed=11)
    same(py, d)


def test_bm_random_thermo_sample_and_methods_equal_the_program(cli):
    d = cli_json(cli, ["bm", "logz", "--random", "10", "--model-seed", "4", "-b", "0.8"])
    bm = zsum.BoltzmannMachine.random(10, seed=4)
    py = bm.thermo(beta=0.8)
    same(py, d)
    assert bm.lnz(beta=0.8, method="enumerate") == d["lnZ"]
    assert abs(bm.lnz(beta=0.8, method="eliminate") - d["lnZ"]) <= 1e-12 * abs(d["lnZ"])
    d = cli_json(cli, ["bm", "sample", "--random", "10", "--model-seed", "4", "-b", "0.8",
                       "--sweeps", "64", "--burnin", "10", "--seed", "9"])
    same(bm.sample(beta=0.8, sweeps=64, burnin=10, seed=9), d)


def test_bm_from_arrays_and_file_equal_the_program(cli, tmp_path):
    rng = np.random.default_rng(5)
    n = 7
    w = np.triu(rng.integers(-2, 3, size=(n, n)).astype(float), 1)
    w = w + w.T
    b = rng.integers(-1, 2, size=n).astype(float)
    path = tmp_path / "bm.npz"
    np.savez(path, W=w, b=b)
    d = cli_json(cli, ["bm", "logz", str(path), "--dos", "-T", "2"])
    for bm in (zsum.BoltzmannMachine(w, b), zsum.BoltzmannMachine.load(path)):
        py = bm.thermo(T=2)
        same({k: v for k, v in py.items() if k != "model"},
             {k: v for k, v in d.items() if k not in ("model", "dos")})
        same(bm.dos(), columns(d["dos"]))
    assert zsum.BoltzmannMachine.load(path).thermo(T=2).model == d["model"]
    skew = tmp_path / "skew.npz"
    np.savez(skew, W=w + np.triu(np.full((n, n), 0.25), 1), b=b)
    d = cli_json(cli, ["bm", "logz", str(skew), "--symmetrize"])
    same(zsum.BoltzmannMachine.load(skew, symmetrize=True).thermo(), d)
    with pytest.raises(zsum.InvalidArgumentError, match="W"):
        zsum.BoltzmannMachine.load(skew)


# ---- hopfield -------------------------------------------------------------------------------

def test_hopfield_store_recall_and_capacity_equal_the_program(cli, source, tmp_path):
    letters = os.path.join(source, "examples", "data", "letters.txt")
    net_path = str(tmp_path / "letters.npz")
    d = cli_json(cli, ["hopfield", "store", letters, "--shape", "7x7", "-o", net_path])
    pats, shape = zsum.read_patterns(letters)
    net = zsum.Hopfield(pats, shape=(7, 7))
    same(net.info(), {k: v for k, v in d.items() if k != "file"})
    loaded = zsum.Hopfield.load(net_path)
    assert np.array_equal(loaded.couplings, net.couplings)
    for args, kw in ((["--probe", "2", "--flip", "0.2", "--seed", "5"],
                      dict(probe=2, flip=0.2, seed=5)),
                     (["--probe", "0", "--flip", "0.3", "--seed", "1", "-T", "0.4", "--sweeps",
                       "5"], dict(probe=0, flip=0.3, seed=1, T=0.4, sweeps=5)),
                     (["--probe", "1", "--flip", "0.4", "--seed", "8", "--order",
                       "sequential"], dict(probe=1, flip=0.4, seed=8, order="sequential"))):
        d = cli_json(cli, ["hopfield", "recall", net_path] + args)
        py = net.recall(**kw)
        state = "".join("+" if v > 0 else "-" for v in py.state)
        assert state == d["state"]
        trace = dict(py.trace)
        same(trace, columns(d["trace"]))
        same({k: v for k, v in py.items() if k not in ("trace", "state")},
             {k: v for k, v in d.items() if k not in ("trace", "state")})
    d = cli_json(cli, ["hopfield", "capacity", "-n", "60", "--trials", "3", "--alpha",
                       "0.05:0.25:3", "--flip", "0.1", "--seed", "2", "-q"])
    py = zsum.hopfield_capacity(60, alpha=(0.05, 0.25, 3), trials=3, flip=0.1, seed=2)
    same({k: v for k, v in py.items() if k != "points"},
         {k: v for k, v in d.items() if k != "points"})
    same(py.points, columns(d["points"]))


# ---- uai ------------------------------------------------------------------------------------

MODEL = """MARKOV
3
2 3 2
3
2 1 0
2 1 2
1 2

6
 2 3 0.5 5 7 1
6
 1 0.25 2 3 4 0.5
2
 11 13
"""


@pytest.mark.parametrize("evid", [None, "1 1 2\n", "2 0 1 2 0\n"])
@pytest.mark.parametrize("order", ["auto", "minfill", "file"])
def test_uai_equals_the_program(cli, tmp_path, evid, order):
    path = tmp_path / "m.uai"
    path.write_text(MODEL)
    args = ["uai", str(path), "--order", order, "-q"]
    ev = None
    if evid:
        ev = tmp_path / "m.evid"
        ev.write_text(evid)
        args += ["--evid", str(ev)]
    d = cli_json(cli, args)
    py = zsum.read_uai(path, evidence=ev).log_partition(order=order)
    skip = ("seconds",)
    same({k: v for k, v in py.items() if k not in skip},
         {k: v for k, v in d.items() if k not in skip})
    assert list(py) == list(d)
    d = cli_json(cli, args + ["--plan-only"])
    same({k: v for k, v in zsum.read_uai(path, evidence=ev).plan(order=order).items()},
         {k: v for k, v in d.items() if k not in skip})


def test_uai_conditioned_plan_equals_the_program(cli, tmp_path):
    # A 6x6 grid with a memory limit below its plan's: the program and Python condition alike.
    m = zsum.Ising((6, 6), J=0.3, h=0.1)
    fm, offset = m.to_factors(beta=1.0)
    path = tmp_path / "grid.uai"
    fm.write_uai(path)
    plan = zsum.read_uai(path).plan(max_memory=0)
    limit = int(plan.peak_bytes * 0.8)   # above the fixed 128 KiB of a run, below the plan
    d = cli_json(cli, ["uai", str(path), "--max-memory", str(limit), "-q"])
    py = zsum.read_uai(path).log_partition(max_memory=limit)
    assert d["conditioned"], "the limit should force conditioning"
    same({k: v for k, v in py.items() if k not in ("seconds", "model")},
         {k: v for k, v in d.items() if k not in ("seconds", "model")})


def test_uai_reference_instances_equal_the_program_and_the_published_answer(cli, source):
    data = os.path.join(source, "..", "shared", "data", "uai2014-pr")
    if not os.path.isdir(data):
        pytest.skip("../shared/data/uai2014-pr absent (reference data lives in ../shared)")
    solved = 0
    wanted = 1 if os.environ.get("ZSUM_SANITIZED") else 3     # a sanitized build is slower
    for name in sorted(f for f in os.listdir(data) if f.endswith(".uai")):
        path = os.path.join(data, name)
        if os.path.getsize(path) > 20000 or not os.path.exists(path + ".PR"):
            continue
        evid = path + ".evid" if os.path.exists(path + ".evid") else None
        model = zsum.read_uai(path, evidence=evid)
        if model.plan(max_memory=0).work > 1e7:
            continue
        args = ["uai", path, "-q"] + (["--evid", evid] if evid else [])
        d = cli_json(cli, args)
        py = model.log_partition()
        same(py.lnZ, d["lnZ"], name)
        same(py.elimination_order, d["elimination_order"], name)
        with open(path + ".PR") as f:
            published = f.read().split()[-1]
        decimals = len(published.split(".")[1]) if "." in published else 0
        if py.zero:
            continue
        assert abs(py.log10Z - float(published)) <= 0.5 * 10**-decimals + 1e-11 * abs(py.log10Z)
        solved += 1
        if solved == wanted:
            break
    assert solved >= 1


def _cnf_uai(path, n, m, seed):
    """A random 3-CNF over n binary variables as a UAI model: each clause a factor whose one
    zero entry is the assignment that falsifies it, plus a weight on each of two variables."""
    rs = np.random.RandomState(seed)
    lines = ["MARKOV", str(n), " ".join(["2"] * n), str(m + 2)]
    tables = []
    for _ in range(m):
        vs = sorted(rs.choice(n, 3, replace=False))
        bad = rs.randint(0, 2, 3)
        lines.append("3 %d %d %d" % tuple(vs))
        t = ["1"] * 8
        t[bad[0] * 4 + bad[1] * 2 + bad[2]] = "0"
        tables.append("8 " + " ".join(t))
    lines += ["1 0", "1 %d" % (n - 1)]
    tables += ["2 0.3 1.7", "2 2.5 0.5"]
    path.write_text("\n".join(lines + tables) + "\n")


@pytest.mark.parametrize("method,td", [("search", None), ("auto", None), ("search", 0)])
def test_uai_search_equals_the_program(cli, tmp_path, method, td):
    # --method search, and auto falling to search where elimination is refused (a work limit
    # below the plan's): the same keys and the same doubles as the program's JSON.
    path = tmp_path / "cnf.uai"
    _cnf_uai(path, 30, 100, 4)
    limits = ["--max-memory", "2K", "--max-work", "10"] if method == "auto" else []
    tdo = ["--td-weight", str(td)] if td is not None else []
    d = cli_json(cli, ["uai", str(path), "--method", method, "-q"] + limits + tdo)
    kw = {"max_memory": 2048, "max_work": 10} if method == "auto" else {}
    if td is not None:
        kw["td_weight"] = td
    py = zsum.read_uai(path).log_partition(method=method, **kw)
    assert d["method"] == py.method == "search"
    assert (d["td_width"] == 0) == (td == 0)
    assert list(py) == list(d)
    skip = ("seconds", "model", "elimination_refused")
    same({k: v for k, v in py.items() if k not in skip},
         {k: v for k, v in d.items() if k not in skip})
    if method == "auto":
        assert "work limit" in py.elimination_refused
    # the count itself, against the elimination of the same file
    whole = zsum.read_uai(path).log_partition(method="elim")
    assert abs(py.lnZ - whole.lnZ) <= 1e-12 * max(1.0, abs(whole.lnZ))


def test_uai_search_refusals():
    m = zsum.parse_uai("MARKOV 2  2 2  1  2 0 1  4 1 2 0 1")
    with pytest.raises(zsum.UnsupportedError, match="factor 0"):
        m.log_partition(method="search")
    with pytest.raises(zsum.InvalidArgumentError, match="method"):
        m.log_partition(method="dfs")
    with pytest.raises(zsum.InvalidArgumentError, match="max_seconds"):
        m.log_partition(method="elim", max_seconds=5)
    with pytest.raises(ValueError, match="max_seconds"):
        m.log_partition(method="search", max_seconds=0)
    with pytest.raises(ValueError, match="td_weight"):
        m.log_partition(method="search", td_weight=-1)
    with pytest.raises(zsum.InvalidArgumentError, match="td_weight"):
        m.log_partition(method="elim", td_weight=5)
