"""FactorModel.marginals, FactorModel.log_partition_approx and the pairwise models'
lnz_approx: the numbers of `zsum uai --marginals`, `zsum uai --approx` and `zsum ising/bm
--approx` bit for bit, the marginals and ln Z against brute-force sums over every state
written here, each approximation on the side its label promises, and every rejection."""
import itertools
import json

import numpy as np
import pytest

import zsum
from cli_compare import same

SKIP = ("seconds", "exact_seconds")


def cli_json(cli, args):
    return json.loads(cli(list(map(str, args)) + ["--format", "json", "-q"]))


def strip(d):
    return {k: v for k, v in d.items() if k not in SKIP}


def random_model(seed):
    """A loopy MARKOV model over 6 variables of 2..3 values: pairwise factors on a cycle, a
    chord, a factor of three variables and a unary one."""
    rs = np.random.RandomState(seed)
    dom = [2, 3, 2, 2, 3, 2]
    fm = zsum.FactorModel(dom)
    scopes = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (1, 4), (0, 2, 3), (5,)]
    tables = []
    for s in scopes:
        t = rs.uniform(0.2, 2.0, size=[dom[v] for v in s])
        fm.add_factor(s, t.reshape(-1))
        tables.append((s, t))
    return fm, dom, tables


def brute(dom, tables, evidence=None):
    """(ln Z, marginals) by summing over every joint state."""
    states = np.array(list(itertools.product(*[range(d) for d in dom])))
    w = np.ones(len(states))
    for s, t in tables:
        w *= t[tuple(states[:, v] for v in s)]
    if evidence:
        for v, x in evidence.items():
            w *= states[:, v] == x
    z = w.sum()
    marg = [np.array([w[states[:, i] == x].sum() / z for x in range(d)])
            for i, d in enumerate(dom)]
    return np.log(z), marg


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    fm, dom, tables = random_model(3)
    path = tmp_path_factory.mktemp("uai") / "m.uai"
    fm.write_uai(path)
    evid = path.parent / "m.evid"
    evid.write_text("2 1 2 3 1\n")
    return path, evid, dom, tables


# ---- marginals ------------------------------------------------------------------------------

@pytest.mark.parametrize("with_evidence", [False, True])
@pytest.mark.parametrize("order", ["auto", "minfill"])
def test_marginals_equal_zsum_uai_marginals(cli, model, with_evidence, order):
    path, evid, _, _ = model
    args = ["uai", path, "--marginals", "--order", order]
    if with_evidence:
        args += ["--evid", evid]
    want = cli_json(cli, args)
    fm = zsum.read_uai(path, evidence=evid if with_evidence else None)
    got = fm.marginals(order=order)
    same(strip(got), strip(want))
    assert list(got) == list(want)


def test_marginals_conditioned_plan_equals_the_program(cli, tmp_path):
    # An 8x8 lattice under a memory limit below its messages': both condition on more
    # variables than the elimination alone needs, alike.
    fm, _ = zsum.Ising((8, 8), J=0.3, h=0.1).to_factors(beta=1.0)
    path = tmp_path / "g8.uai"
    fm.write_uai(path)
    want = cli_json(cli, ["uai", path, "--marginals", "--max-memory", "1000000"])
    got = zsum.read_uai(path).marginals(max_memory=1e6)
    assert len(got["conditioned"]) == 3
    same(strip(got), strip(want))
    assert got["lnZ"] == pytest.approx(zsum.read_uai(path).log_partition()["lnZ"], rel=1e-13)


def test_marginals_equal_brute_force_sums(model):
    path, evid, dom, tables = model
    for ev, pyev in ((None, None), (evid, {1: 2, 3: 1})):
        fm = zsum.read_uai(path, evidence=ev)
        got = fm.marginals()
        lnz, marg = brute(dom, tables, pyev)
        assert got["lnZ"] == pytest.approx(lnz, rel=1e-12)
        assert got["lnZ"] == pytest.approx(fm.log_partition()["lnZ"], rel=1e-13)
        for i in range(len(dom)):
            np.testing.assert_allclose(got["marginals"][i], marg[i], rtol=1e-12, atol=1e-15)
            assert got["marginals"][i].sum() == pytest.approx(1.0, rel=1e-13)
        # log=True: the logarithms of the same numbers (ln 0 = -inf at the observed values).
        lg = fm.marginals(log=True)["marginals"]
        for i in range(len(dom)):
            with np.errstate(divide="ignore"):
                np.testing.assert_allclose(lg[i], np.log(marg[i]), rtol=1e-12, atol=1e-14)


def test_marginals_fill_the_callers_array(model):
    path, _, dom, _ = model
    out = np.empty(sum(dom))
    got = zsum.read_uai(path).marginals(out=out)
    assert all(np.shares_memory(m, out) for m in got["marginals"])
    assert out[:2].sum() == pytest.approx(1.0)


def test_bad_marginals_arguments_are_refused(model):
    path, _, dom, _ = model
    fm = zsum.read_uai(path)
    with pytest.raises(TypeError, match="out: expected dtype float64"):
        fm.marginals(out=np.empty(sum(dom), np.float32))
    with pytest.raises(ValueError, match="out: expected shape"):
        fm.marginals(out=np.empty(3))
    with pytest.raises(ValueError, match="out: must be C-contiguous"):
        fm.marginals(out=np.empty(2 * sum(dom))[::2])
    with pytest.raises(zsum.InvalidArgumentError, match="order"):
        fm.marginals(order="random")
    with pytest.raises(TypeError, match="log"):
        fm.marginals(log="yes")
    with pytest.raises(ValueError, match="max_memory"):
        fm.marginals(max_memory=-1)
    with pytest.raises(ValueError, match="not finite"):
        fm.marginals(max_memory=float("nan"))
    # Evidence of probability 0: the conditional is undefined.
    z = zsum.FactorModel([2, 2])
    z.add_factor([0, 1], [1.0, 0.0, 1.0, 0.0])
    z.set_evidence({1: 1})
    with pytest.raises(zsum.InvalidArgumentError, match="Z"):
        z.marginals()


# ---- approximate ln Z -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """A 4x4 torus at beta 0.4 with a field, as factors: every method applies (TRW: pairwise;
    GBP: a square lattice numbered row by row)."""
    fm, offset = zsum.Ising((4, 4), J=1.0, h=0.2).to_factors(beta=0.4)
    path = tmp_path_factory.mktemp("grid") / "g.uai"
    fm.write_uai(path)
    return path


@pytest.mark.parametrize("method", ["mf", "bp", "trw", "mbe", "gbp", "auto"])
def test_approx_equals_zsum_uai_approx(cli, grid, method):
    want = cli_json(cli, ["uai", grid, "--approx", method])
    got = zsum.read_uai(grid).log_partition_approx(method)
    same(strip(got), strip(want))
    assert list(got) == list(want)


def test_approx_options_equal_the_programs(cli, model):
    path, evid, _, _ = model
    want = cli_json(cli, ["uai", path, "--evid", evid, "--approx", "bp", "--damping", "0.3",
                          "--max-iter", 50, "--tol", "1e-6", "--restarts", 2, "--seed", 9,
                          "--schedule", "parallel"])
    got = zsum.read_uai(path, evidence=evid).log_partition_approx(
        "bp", damping=0.3, max_iter=50, tol=1e-6, restarts=2, seed=9, schedule="parallel")
    same(strip(got), strip(want))
    want = cli_json(cli, ["uai", path, "--approx", "mbe", "--ibound", 2])
    same(strip(zsum.read_uai(path).log_partition_approx("mbe", i_bound=2)), strip(want))
    want = cli_json(cli, ["uai", path, "--approx", "mf", "--restarts", 0, "--seed", 4])
    same(strip(zsum.read_uai(path).log_partition_approx("mf", restarts=0, seed=4)),
         strip(want))


def test_approx_sides_against_the_exact_value(grid, model):
    for path, ev in ((grid, None), (model[0], model[1])):
        fm = zsum.read_uai(path, evidence=ev)
        exact = fm.log_partition()["lnZ"]
        mf = fm.log_partition_approx("mf")
        assert mf["bound"] == "lower-bound" and mf["lnZ"] <= exact
        mbe = fm.log_partition_approx("mbe", i_bound=2)
        assert mbe["bound"] == "upper-bound" and mbe["lnZ"] >= exact - 1e-12 * abs(exact)
        # i_bound past the induced width: the mini-buckets are whole buckets, MBE is exact.
        assert fm.log_partition_approx("mbe", i_bound=20)["lnZ"] == pytest.approx(exact,
                                                                                   rel=1e-9)
        bp = fm.log_partition_approx("bp")
        assert bp["bound"] == "estimate" and abs(bp["lnZ"] - exact) < 0.1 * abs(exact)
    fm = zsum.read_uai(grid)
    trw = fm.log_partition_approx("trw")
    assert trw["bound"] == "upper-bound" and trw["converged"]
    assert trw["lnZ"] >= fm.log_partition()["lnZ"]


def test_pairwise_lnz_approx_equals_zsum_bm_and_ising_approx(cli):
    for method in ("mf", "bp", "trw", "mbe"):
        want = cli_json(cli, ["bm", "lnz", "--random", 8, "--model-seed", 2, "--approx", method,
                              "-b", "0.7"])
        m = zsum.BoltzmannMachine.random(8, seed=2)
        got = m.lnz_approx(method, beta=0.7)
        same(strip(got), strip(want))
        assert list(got) == list(want)
        # The side: against the exact value by enumeration (2^8 states), up to rounding
        # (MBE's default i_bound 10 covers the 8 spins: it is exact).
        exact, eps = m.lnz(beta=0.7), 1e-12 * abs(m.lnz(beta=0.7))
        if got["bound"] == "lower-bound":
            assert got["lnZ"] <= exact + eps
        elif got["bound"] == "upper-bound":
            assert got["lnZ"] >= exact - eps
    want = cli_json(cli, ["ising", "--size", "4x4", "--h", "0.1", "-T", "2.5", "--approx", "gbp"])
    got = zsum.Ising((4, 4), h=0.1).lnz_approx("gbp", T=2.5)
    same(strip(got), strip(want))


def test_pairwise_lnz_approx_against_brute_force():
    # ln Z of a 10-spin machine summed here over its 2^10 states, from its 0/1 form.
    m = zsum.BoltzmannMachine.random(10, seed=5)
    W, b, shift = m.params()
    s = np.array(list(itertools.product([0, 1], repeat=10)), dtype=float)
    neg_e = 0.5 * np.einsum("ki,ij,kj->k", s, W, s) + s @ b
    mx = neg_e.max()
    lnz_brute = mx + np.log(np.exp(neg_e - mx).sum())
    exact = m.lnz(beta=1.0)
    assert exact == pytest.approx(lnz_brute, rel=1e-9)
    assert m.lnz_approx("mf", beta=1.0)["lnZ"] <= exact
    assert m.lnz_approx("mbe", beta=1.0, i_bound=20)["lnZ"] == pytest.approx(exact, rel=1e-9)


def test_bad_approx_arguments_are_refused(model, grid):
    path, _, _, _ = model
    fm = zsum.read_uai(path)
    with pytest.raises(zsum.InvalidArgumentError, match="method: unknown factor approx 'lbp'"):
        fm.log_partition_approx("lbp")
    with pytest.raises(TypeError, match="method"):
        fm.log_partition_approx(3)
    with pytest.raises(ValueError, match=r"damping: .* not in \[0, 1\)"):
        fm.log_partition_approx("bp", damping=1.0)
    with pytest.raises(ValueError, match="damping"):
        fm.log_partition_approx("bp", damping=float("nan"))
    with pytest.raises(ValueError, match="max_iter"):
        fm.log_partition_approx("bp", max_iter=0)
    with pytest.raises(ValueError, match="tol"):
        fm.log_partition_approx("bp", tol=0)
    with pytest.raises(ValueError, match="i_bound"):
        fm.log_partition_approx("mbe", i_bound=1)
    with pytest.raises(ValueError, match="trees"):
        fm.log_partition_approx("trw", trees=0)
    with pytest.raises(TypeError, match="restarts"):
        fm.log_partition_approx("mf", restarts=1.5)
    with pytest.raises(zsum.InvalidArgumentError, match="schedule"):
        fm.log_partition_approx("bp", schedule="random")
    with pytest.raises(ValueError, match="max_seconds"):
        fm.log_partition_approx("bp", max_seconds=-1)
    # The structure a method needs: GBP a square lattice (TRW takes any factor model).
    assert fm.log_partition_approx("trw").bound == "upper-bound"
    with pytest.raises(zsum.UnsupportedError):
        fm.log_partition_approx("gbp")
    m = zsum.BoltzmannMachine.random(6, seed=1)
    with pytest.raises(zsum.UnsupportedError):
        m.lnz_approx("gbp")
    with pytest.raises(TypeError, match="unexpected keyword"):
        m.lnz_approx("bp", dampning=0.2)
    with pytest.raises(ValueError, match="beta"):
        m.lnz_approx("bp", beta=float("nan"))


# ---- several methods and --compare -----------------------------------------------------------

def test_several_methods_and_compare_equal_the_program(cli, grid, model):
    want = cli_json(cli, ["uai", grid, "--approx", "all", "--compare"])
    got = zsum.read_uai(grid).log_partition_approx("all", compare=True)
    assert [r["method"] for r in got["methods"]] == ["mf", "bp", "trw", "mbe", "gbp"]
    same({k: v for k, v in got.items() if k not in SKIP + ("methods",)},
         {k: v for k, v in want.items() if k not in SKIP + ("methods",)})
    for g, w in zip(got["methods"], want["methods"]):
        same(strip(g), strip(w))
        assert list(g) == list(w)
        assert g["error"] == g["lnZ"] - got["exact_lnZ"]
    assert got["exact_lnZ"] == zsum.read_uai(grid).log_partition()["lnZ"]
    # A method that cannot apply is a row that says why (gbp off a square lattice).
    path, evid, _, _ = model
    want = cli_json(cli, ["uai", path, "--evid", evid, "--approx", "mf,trw,gbp,mbe"])
    got = zsum.read_uai(path, evidence=evid).log_partition_approx(["mf", "trw", "gbp", "mbe"])
    assert [r["bound"] for r in got["methods"]] == [r["bound"] for r in want["methods"]]
    for g, w in zip(got["methods"], want["methods"]):
        same(strip(g), strip(w))
    assert got["methods"][2]["bound"] == "none" and "square grid" in got["methods"][2]["failed"]
    # One method with --compare: the single record gains exact_lnZ and error.
    want = cli_json(cli, ["uai", path, "--approx", "bp", "--compare"])
    got = zsum.read_uai(path).log_partition_approx("bp", compare=True)
    same(strip(got), strip(want))
    assert list(got) == list(want)


def test_compare_beyond_the_limits_gives_no_exact_value(cli, model):
    path, _, _, _ = model
    want = cli_json(cli, ["uai", path, "--approx", "mf", "--compare", "--max-work", "1"])
    got = zsum.read_uai(path).log_partition_approx("mf", compare=True, max_work=1)
    assert want["exact_lnZ"] is None and got["exact_lnZ"] != got["exact_lnZ"]
    same(strip(got), strip(want))


def test_bad_method_lists_are_refused(model):
    fm = zsum.read_uai(model[0])
    with pytest.raises(zsum.InvalidArgumentError, match="'xx'"):
        fm.log_partition_approx(["mf", "xx"])
    with pytest.raises(ValueError, match="1 to 8"):
        fm.log_partition_approx([])
    with pytest.raises(TypeError, match="compare"):
        fm.log_partition_approx("mf", compare="yes")
    with pytest.raises(ValueError, match="max_work"):
        fm.log_partition_approx("mf", compare=True, max_work=0)
    # A bad option raises even among several methods.
    with pytest.raises(ValueError, match="damping"):
        fm.log_partition_approx("all", damping=2)
