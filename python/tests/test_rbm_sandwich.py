"""BernoulliRBM.log_partition's AIS sandwich (reverse AIS, zs_rbm_lnz_sandwich): the numbers of
`zsum rbm logz --ais --reverse pt|data:FILE` bit for bit, both sides around the exact ln Z of
a small model summed here over every state, and every rejection."""
import itertools
import json

import numpy as np
import pytest

import zsum
from zsum.rbm import BernoulliRBM

pytest.importorskip("sklearn")

PT = dict(pt_temperatures=8, pt_sweeps=60)
PT_ARGS = ["--pt-temperatures", 8, "--pt-sweeps", 60]


def binary(n, d, seed, p=0.35):
    return (np.random.RandomState(seed).rand(n, d) < p).astype(np.uint8)


def brute_lnz(m):
    w = m.components_.T
    a, b = m.intercept_visible_, m.intercept_hidden_
    vs = np.array(list(itertools.product([0, 1], repeat=w.shape[0])), dtype=float)
    x = vs @ w + b
    t = vs @ a + np.logaddexp(0.0, x).sum(axis=1)
    mx = t.max()
    return mx + np.log(np.exp(t - mx).sum())


@pytest.fixture(scope="module")
def trained(cli, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sandwich")
    X = binary(200, 12, 3)
    np.save(tmp / "d.npy", X)
    cli(["rbm", "train", tmp / "d.npy", "--hidden", 8, "--pcd", 1, "--epochs", 3,
         "--batch", 20, "--lr", 0.1, "--seed", 11, "-o", tmp / "m.npz", "-q"])
    m = BernoulliRBM(n_components=8, n_iter=3, batch_size=20, random_state=11).fit(X)
    return X, m, tmp


def logz(cli, model, *args):
    return json.loads(cli(["rbm", "logz", model, "--ais", "--format", "json", "-q"] +
                          list(args)))


# ---- the command line's numbers, bit for bit --------------------------------------------------

@pytest.mark.parametrize("base", ["stored", "uniform", "pt"])
def test_reverse_pt_equals_zsum_rbm_logz(cli, trained, base):
    X, m, tmp = trained
    want = logz(cli, tmp / "m.npz", "--chains", 20, "--seed", 4, "--schedule", "linear:300",
                "--base", base, "--reverse", "pt", *PT_ARGS)
    got = m.log_partition(method="ais", chains=20, seed=4, schedule="linear:300", base=base,
                          reverse="pt", **PT)
    assert got == want
    assert list(got) == list(want)
    assert "lnZ_reverse" in got and "pt_swap_min" in got and isinstance(got["sides_agree"],
                                                                       bool)


def test_reverse_data_equals_zsum_rbm_logz(cli, trained):
    X, m, tmp = trained
    want = logz(cli, tmp / "m.npz", "--chains", 16, "--seed", 6, "--schedule", "linear:300",
                "--reverse", "data:%s" % (tmp / "d.npy"))
    got = m.log_partition(method="ais", chains=16, seed=6, schedule="linear:300",
                          reverse="data", reverse_data=X)
    assert want.pop("reverse") == "data:%s" % (tmp / "d.npy")
    assert got.pop("reverse") == "data"
    assert got == want


def test_base_pt_without_reverse_equals_zsum_rbm_logz(cli, trained):
    X, m, tmp = trained
    want = logz(cli, tmp / "m.npz", "--chains", 16, "--seed", 2, "--schedule", "linear:300",
                "--base", "pt", "--reverse", "none", *PT_ARGS)
    got = m.log_partition(method="ais", chains=16, seed=2, schedule="linear:300", base="pt",
                          **PT)
    assert got == want and "pt_swap_min" in got and "lnZ_reverse" not in got


def test_forward_side_is_the_plain_ais_run(trained):
    # The reverse runs draw from their own streams: the forward numbers do not move.
    _, m, _ = trained
    kw = dict(method="ais", chains=20, seed=9, schedule="linear:300")
    plain = m.log_partition(**kw)
    both = m.log_partition(reverse="pt", **kw, **PT)
    for k in ("lnZ", "lnZ_lo", "lnZ_hi", "ess", "chains", "temperatures"):
        assert both[k] == plain[k], k


# ---- independent checks -------------------------------------------------------------------------

def test_the_sandwich_holds_the_exact_value(trained):
    _, m, _ = trained
    exact = brute_lnz(m)
    assert m.log_partition(method="exact")["lnZ"] == pytest.approx(exact, rel=1e-12)
    r = m.log_partition(method="ais", chains=100, seed=1, schedule="linear:2000",
                        reverse="pt", pt_temperatures=20, pt_sweeps=400)
    assert r["sides_agree"] is True and "sides_warning" not in r
    assert r["sandwich_lo"] <= exact <= r["sandwich_hi"]
    assert r["sandwich_lo"] == min(r["lnZ_lo"], r["lnZ_reverse_lo"])
    assert r["sandwich_hi"] == max(r["lnZ_hi"], r["lnZ_reverse_hi"])
    # Each side within its band, the reverse side's estimate above the forward's less noise.
    assert r["lnZ_lo"] <= exact + 0.05 and r["lnZ_reverse_hi"] >= exact - 0.05
    assert 0.0 <= r["pt_swap_min"] <= 1.0 and 1.0 <= r["reverse_ess"] <= 100.0


def test_a_short_schedule_shows_the_sides_apart():
    # Strong weights and two temperatures: forward AIS falls far below ln Z, reverse AIS
    # (started at PT samples) far above; the bands do not overlap and the result says so.
    rs = np.random.RandomState(0)
    m = BernoulliRBM(n_components=10, n_iter=0, random_state=0).fit(binary(20, 14, 0))
    m.components_ = rs.randn(10, 14) * 3.0
    m.intercept_visible_ = rs.randn(14)
    m.intercept_hidden_ = rs.randn(10)
    exact = brute_lnz(m)
    r = m.log_partition(method="ais", chains=20, seed=1, schedule=np.array([0.0, 0.5, 1.0]),
                        base="uniform", reverse="pt", pt_temperatures=30, pt_sweeps=400)
    assert r["lnZ"] < exact < r["lnZ_reverse"]
    if not r["sides_agree"]:
        assert "disagree by more than their bands" in r["sides_warning"]


# ---- rejections ---------------------------------------------------------------------------------

def test_bad_sandwich_arguments_are_refused(trained):
    X, m, _ = trained
    with pytest.raises(ValueError, match="reverse must be"):
        m.log_partition(method="ais", reverse="backward")
    with pytest.raises(ValueError, match="reverse_data="):
        m.log_partition(method="ais", reverse="data")
    with pytest.raises(ValueError, match="reverse_data= is for reverse='data'"):
        m.log_partition(method="ais", reverse="pt", reverse_data=X)
    with pytest.raises(ValueError, match="12 features"):
        m.log_partition(method="ais", reverse="data", reverse_data=X[:, :5])
    with pytest.raises(ValueError, match="pt_temperatures"):
        m.log_partition(method="ais", reverse="pt", pt_temperatures=1)
    with pytest.raises(ValueError, match="pt_sweeps"):
        m.log_partition(method="ais", reverse="pt", pt_sweeps=1)
    with pytest.raises(TypeError, match="pt_sweeps"):
        m.log_partition(method="ais", reverse="pt", pt_sweeps=2.5)
    with pytest.raises(ValueError, match="NaN"):
        bad = X.astype(float)
        bad[3, 2] = np.nan
        m.log_partition(method="ais", reverse="data", reverse_data=bad)
    with pytest.raises(ValueError, match="base"):
        m.log_partition(method="ais", base="flat", reverse="pt")
