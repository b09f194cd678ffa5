"""zsum.DBM: the numbers of `zsum dbm lnz|loglik` bit for bit, ln Z and ln p*(v) against
brute-force sums over every state written here, the one-hidden-layer DBM against the RBM, the
mean-field and Bethe values on their sides of the exact ln Z, and every rejection."""
import itertools
import json

import numpy as np
import pytest

import zsum
from cli_compare import same

SKIP = ("seconds",)


def model(sizes, seed, scale=0.6):
    rs = np.random.RandomState(seed)
    ws = [rs.randn(a, b) * scale for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [rs.randn(n) * 0.3 for n in sizes]
    return ws, bs


def states(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)


def logsumexp(x, axis=None):
    m = np.max(x, axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def brute_energy_terms(ws, bs, layers):
    """-E for every joint state of the given per-layer state arrays (broadcast)."""
    t = sum(layers[l] @ bs[l] for l in range(len(bs)))
    for l, w in enumerate(ws, 1):
        t = t + np.einsum("...i,ij,...j->...", layers[l - 1], w, layers[l])
    return t


def brute_lnz(ws, bs):
    """ln Z over every state of every layer (at most 2^14 states here)."""
    sizes = [b.size for b in bs]
    allst = states(sum(sizes))
    layers, k = [], 0
    for n in sizes:
        layers.append(allst[:, k:k + n])
        k += n
    return logsumexp(brute_energy_terms(ws, bs, layers))


def brute_unnorm(ws, bs, rows):
    """ln p*(v) = ln sum_h exp(-E(v, h)) for each row, every hidden state."""
    sizes = [b.size for b in bs]
    hs = states(sum(sizes[1:]))
    out = []
    for v in rows.astype(float):
        layers, k = [np.broadcast_to(v, (hs.shape[0], v.size))], 0
        for n in sizes[1:]:
            layers.append(hs[:, k:k + n])
            k += n
        out.append(logsumexp(brute_energy_terms(ws, bs, layers)))
    return np.array(out)


@pytest.fixture(scope="module")
def dbm3(tmp_path_factory):
    ws, bs = model([6, 4, 3], 0)
    d = zsum.DBM(ws, bs)
    path = tmp_path_factory.mktemp("dbm") / "m.npz"
    d.save(path)
    rows = (np.random.RandomState(1).rand(40, 6) < 0.4).astype(np.uint8)
    rpath = path.parent / "rows.npy"
    np.save(rpath, rows)
    return d, ws, bs, path, rows, rpath


def cli_json(cli, args):
    return json.loads(cli(list(map(str, args)) + ["--format", "json", "-q"]))


# ---- the command line's numbers, bit for bit --------------------------------------------------

def test_exact_lnz_equals_zsum_dbm_lnz(cli, dbm3):
    d, _, _, path, _, _ = dbm3
    want = cli_json(cli, ["dbm", "lnz", path, "--exact"])
    got = d.log_partition(method="exact")
    same(got, want)
    assert list(got) == list(want)
    same(zsum.DBM.load(path).log_partition(), want)          # auto: exact when affordable


@pytest.mark.parametrize("base", ["uniform", "model", "data", "pt"])
def test_ais_equals_zsum_dbm_lnz(cli, dbm3, base):
    d, _, _, path, rows, rpath = dbm3
    arg = "data:%s" % rpath if base == "data" else base
    want = cli_json(cli, ["dbm", "lnz", path, "--ais", "--chains", 16, "--seed", 5,
                          "--schedule", "linear:300", "--base", arg])
    got = d.log_partition(method="ais", chains=16, seed=5, schedule="linear:300", base=base,
                          data=rows if base == "data" else None)
    assert got["base"] == base
    same({k: v for k, v in got.items() if k != "base"},
         {k: v for k, v in want.items() if k != "base"})
    assert list(got) == list(want)


@pytest.mark.parametrize("base", ["data", "uniform"])
def test_low_ess_warning_follows_the_base_as_zsum_dbm_lnz(cli, dbm3, base):
    # Two chains always fall under the ESS floor of 10: the warning is there, and its advice
    # names the data-free base when the run started from the data's base rate.
    d, _, _, path, rows, rpath = dbm3
    arg = "data:%s" % rpath if base == "data" else base
    want = cli_json(cli, ["dbm", "lnz", path, "--ais", "--chains", 2, "--seed", 3,
                          "--schedule", "linear:50", "--base", arg])
    got = d.log_partition(method="ais", chains=2, seed=3, schedule="linear:50", base=base,
                          data=rows if base == "data" else None)
    assert got["warning"] == want["warning"]
    assert ("--base pt" in got["warning"]) == (base == "data")


def test_ais_with_an_array_schedule_equals_the_file_schedule(cli, dbm3, tmp_path):
    d, _, _, path, _, _ = dbm3
    betas = np.linspace(0.0, 1.0, 200)
    f = tmp_path / "betas.txt"
    f.write_text("\n".join(repr(float(b)) for b in betas) + "\n")
    want = cli_json(cli, ["dbm", "lnz", path, "--ais", "--chains", 10, "--seed", 2,
                          "--schedule", f])
    same(d.log_partition(method="ais", chains=10, seed=2, schedule=betas), want)
    assert want["base"] == "pt" and want["reverse"] == "pt"  # the data-free default


def test_loglik_equals_zsum_dbm_loglik(cli, dbm3):
    d, _, _, path, rows, rpath = dbm3
    want = cli_json(cli, ["dbm", "loglik", path, rpath])
    got = d.loglik(rows)
    same(got, want)
    assert list(got) == list(want)
    want = cli_json(cli, ["dbm", "loglik", path, rpath, "--mf-iterations", 3,
                          "--mf-tolerance", "0.01"])
    same(d.loglik(rows, mf_iterations=3, mf_tolerance=0.01), want)


def test_loglik_with_ais_equals_zsum_dbm_loglik(cli, dbm3):
    d, _, _, path, rows, rpath = dbm3
    want = cli_json(cli, ["dbm", "loglik", path, rpath, "--ais", "--chains", 12, "--seed", 7,
                          "--schedule", "linear:200"])
    got = d.loglik(rows, method="ais", chains=12, seed=7, schedule="linear:200")
    assert want["base"] == "data:%s" % rpath and got["base"] == "data"
    same({k: v for k, v in got.items() if k != "base"},
         {k: v for k, v in want.items() if k != "base"})


def test_loglik_with_a_reverse_side_equals_zsum_dbm_loglik(cli, dbm3):
    d, _, _, path, rows, rpath = dbm3
    want = cli_json(cli, ["dbm", "loglik", path, rpath, "--ais", "--chains", 12, "--seed", 7,
                          "--schedule", "linear:200", "--reverse", "pt", "--pt-sweeps", 20])
    got = d.loglik(rows, method="ais", chains=12, seed=7, schedule="linear:200", reverse="pt",
                   pt_sweeps=20)
    assert "loglik_sandwich_lo" in want
    same({k: v for k, v in got.items() if k not in ("base", "reverse")},
         {k: v for k, v in want.items() if k not in ("base", "reverse")})
    assert list(got) == list(want)


# ---- independent checks -------------------------------------------------------------------------

def test_exact_lnz_and_unnormalized_loglik_equal_brute_force_sums(dbm3):
    d, ws, bs, _, rows, _ = dbm3
    assert d.log_partition(method="exact")["lnZ"] == pytest.approx(brute_lnz(ws, bs),
                                                                   rel=1e-12, abs=1e-12)
    u = d.unnorm_loglik(rows)
    np.testing.assert_allclose(u, brute_unnorm(ws, bs, rows), rtol=1e-12, atol=1e-12)
    # p(v) sums to 1 over every visible state.
    allv = states(6).astype(np.uint8)
    lnz = d.log_partition(method="exact")["lnZ"]
    assert np.exp(d.unnorm_loglik(allv) - lnz).sum() == pytest.approx(1.0, rel=1e-12)


def test_three_hidden_layers_against_brute_force():
    ws, bs = model([3, 3, 2, 3], 4)
    d = zsum.DBM(ws, bs)
    assert d.layers == (3, 3, 2, 3)
    assert d.log_partition()["lnZ"] == pytest.approx(brute_lnz(ws, bs), rel=1e-12)


def test_bounds_are_on_their_sides(dbm3):
    d, ws, bs, _, rows, _ = dbm3
    exact = d.log_partition(method="exact")["lnZ"]
    mf = d.lnz_mean_field()
    assert mf["bound"] == "lower-bound" and mf["converged"]
    assert mf["lnZ"] <= exact
    bethe = d.lnz_bethe()
    assert bethe["bound"] == "estimate" and np.isfinite(bethe["lnZ"])
    # Per row: the mean-field bound B(v) <= ln p*(v).
    b, it, conv = d.mean_field(rows)
    assert b.dtype == np.float64 and it.dtype == np.uint32 and conv.dtype == np.uint8
    assert (b <= d.unnorm_loglik(rows) + 1e-12).all()
    r = d.loglik(rows)
    assert r["elbo"] <= r["loglik"]
    # AIS within its band of the exact value (chains enough for a tight band here).
    a = d.log_partition(method="ais", chains=50, seed=1, schedule="linear:500")
    assert a["lnZ_lo"] - 0.05 <= exact <= a["lnZ_hi"] + 0.05


def test_bethe_is_exact_on_a_chain():
    # One unit per layer: the model is a tree, where the Bethe free energy is exact.
    ws, bs = model([1, 1, 1, 1], 3, scale=1.0)
    d = zsum.DBM(ws, bs)
    r = d.lnz_bethe()
    assert r["converged"]
    assert r["lnZ"] == pytest.approx(brute_lnz(ws, bs), rel=1e-9)


def test_one_hidden_layer_is_the_rbm(cli, tmp_path):
    rs = np.random.RandomState(8)
    W, a, b = rs.randn(7, 5) * 0.5, rs.randn(7) * 0.2, rs.randn(5) * 0.2
    path = tmp_path / "rbm.npz"
    np.savez(path, W=W, vbias=a, hbias=b)
    d = zsum.DBM.load(path)
    assert d.layers == (7, 5)
    np.testing.assert_array_equal(d.weights[0], W)
    # zs_dbm_lnz_exact and zs_dbm_lnz_ais equal the RBM's, bit for bit.
    rbm = cli_json(cli, ["rbm", "logz", path, "--exact"])
    assert d.log_partition()["lnZ"] == rbm["lnZ"]
    rbm = cli_json(cli, ["rbm", "logz", path, "--ais", "--chains", 20, "--seed", 3,
                         "--base", "uniform", "--reverse", "none", "--schedule", "linear:400"])
    got = d.log_partition(method="ais", chains=20, seed=3, base="uniform",
                          schedule="linear:400")
    for k in ("lnZ", "lnZ_lo", "lnZ_hi", "ess", "chains", "temperatures"):
        assert got[k] == rbm[k], k
    # ln p*(v) of one layer: b0.v + sum_j softplus(b1_j + (v W)_j), the RBM's -F(v).
    rows = (rs.rand(30, 7) < 0.5).astype(np.uint8)
    x = rows @ W + b
    np.testing.assert_allclose(d.unnorm_loglik(rows), rows @ a + np.logaddexp(0, x).sum(1),
                               rtol=1e-13)
    # The mean-field bound is exact with one hidden layer.
    np.testing.assert_allclose(d.mean_field(rows)[0], d.unnorm_loglik(rows), rtol=1e-9)


def test_save_load_round_trip_and_outputs_in_place(dbm3, tmp_path):
    d, ws, bs, path, rows, _ = dbm3
    e = zsum.DBM.load(path)
    for x, y in zip(e.weights + e.biases, ws + bs):
        np.testing.assert_array_equal(x, y)
    out = np.empty(rows.shape[0])
    assert d.unnorm_loglik(rows, out=out) is out
    outs = (np.empty(rows.shape[0]), np.empty(rows.shape[0], np.uint32),
            np.empty(rows.shape[0], np.uint8))
    got = d.mean_field(rows, out=outs)
    assert all(g is o for g, o in zip(got, outs))
    # bool and other numeric 0/1 rows give the same numbers as uint8.
    np.testing.assert_array_equal(d.unnorm_loglik(rows.astype(bool)), out)
    np.testing.assert_array_equal(d.unnorm_loglik(rows.astype(float)), out)
    d.save(tmp_path / "f4.npz", dtype="float32")
    np.testing.assert_array_equal(zsum.DBM.load(tmp_path / "f4.npz").weights[0],
                                  ws[0].astype(np.float32).astype(float))


# ---- rejections ---------------------------------------------------------------------------------

def test_bad_models_are_refused(tmp_path):
    ws, bs = model([4, 3, 2], 0)
    with pytest.raises(TypeError, match="weights"):
        zsum.DBM(ws[0], bs)
    with pytest.raises(ValueError, match="do not chain"):
        zsum.DBM([ws[0], ws[0]])
    with pytest.raises(ValueError, match="biases: 2 arrays"):
        zsum.DBM(ws, bs[:2])
    with pytest.raises(ValueError, match=r"b1.*shape"):
        zsum.DBM(ws, [bs[0], bs[2], bs[2]])
    bad = [w.copy() for w in ws]
    bad[1][1, 0] = np.nan
    with pytest.raises(ValueError, match=r"W2.*not finite"):
        zsum.DBM(bad, bs)
    with pytest.raises(ValueError, match="1..64"):
        zsum.DBM([])
    with pytest.raises(TypeError, match="dtype"):
        zsum.DBM([np.array([["a"]])])
    with pytest.raises(zsum.ZsumIOError):
        zsum.DBM.load(tmp_path / "absent.npz")
    np.savez(tmp_path / "x.npz", Q=np.zeros(3))
    with pytest.raises(zsum.FormatError):
        zsum.DBM.load(tmp_path / "x.npz")
    with pytest.raises(ValueError, match="float64 or float32"):
        zsum.DBM(ws, bs).save(tmp_path / "y.npz", dtype="int8")


def test_bad_rows_and_options_are_refused(dbm3):
    d, _, _, _, rows, _ = dbm3
    with pytest.raises(ValueError, match=r"rows: expected shape \(\*, 6\)"):
        d.unnorm_loglik(rows[:, :5])
    with pytest.raises(ValueError, match="rows: entry .* is not 0 or 1"):
        d.mean_field(rows * 2 + 1)
    with pytest.raises(ValueError, match="not 0 or 1"):
        d.unnorm_loglik(np.full((2, 6), np.nan))
    with pytest.raises(TypeError, match="rows"):
        d.unnorm_loglik(None)
    with pytest.raises(TypeError, match="out: expected dtype float64"):
        d.unnorm_loglik(rows, out=np.empty(rows.shape[0], np.float32))
    with pytest.raises(ValueError, match="out: expected shape"):
        d.unnorm_loglik(rows, out=np.empty(3))
    with pytest.raises(TypeError, match="out: expected a tuple"):
        d.mean_field(rows, out=np.empty(3))
    with pytest.raises(ValueError, match="method"):
        d.log_partition(method="brute")
    with pytest.raises(ValueError, match="base"):
        d.log_partition(method="ais", base="flat")
    with pytest.raises(ValueError, match="needs the rows"):
        d.log_partition(method="ais", base="data")
    with pytest.raises(ValueError, match="data= is for base='data'"):
        d.log_partition(method="ais", base="model", data=rows)
    with pytest.raises(ValueError, match="chains"):
        d.log_partition(method="ais", chains=1)
    with pytest.raises(zsum.InvalidArgumentError):
        d.log_partition(method="ais", schedule="linear:0")
    with pytest.raises(zsum.InvalidArgumentError):
        d.log_partition(method="ais", schedule=np.array([0.0, 0.7, 0.5, 1.0]))
    with pytest.raises(ValueError, match="not finite"):
        d.log_partition(method="ais", schedule=np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="max_seconds"):
        d.log_partition(max_seconds=0)
    with pytest.raises(zsum.TooBigError):
        d.log_partition(method="exact", max_seconds=1e-30)
    with pytest.raises(zsum.TooBigError):
        d.unnorm_loglik(rows, max_seconds=1e-30)
    with pytest.raises(ValueError, match="max_iterations"):
        d.lnz_mean_field(max_iterations=0)
    with pytest.raises(zsum.InvalidArgumentError):
        d.lnz_bethe(damping=1.5)
    with pytest.raises(ValueError, match="tolerance"):
        d.lnz_mean_field(tolerance=float("nan"))


# ---- threads ----------------------------------------------------------------------------------

def test_ais_runs_without_the_gil_and_does_not_depend_on_the_thread_count():
    import threading
    import time
    rs = np.random.RandomState(0)
    d = zsum.DBM([rs.randn(30, 20) * 0.1, rs.randn(20, 10) * 0.1])
    zsum.set_num_threads(1)
    try:
        span = {}

        def work():
            span["start"] = time.perf_counter()
            span["r"] = d.log_partition(method="ais", chains=20, seed=1, schedule="linear:3000")
            span["end"] = time.perf_counter()
        t = threading.Thread(target=work)
        stamps = []
        t.start()
        while t.is_alive():
            stamps.append(time.perf_counter())
        t.join()
        zsum.set_num_threads(2)
        again = d.log_partition(method="ais", chains=20, seed=1, schedule="linear:3000")
    finally:
        zsum.set_num_threads(0)
    a, b = span["start"], span["end"]
    inside = sum(1 for s in stamps if a + 0.02 < s < b - 0.02)
    assert b - a < 0.05 or inside > 100, "the main thread ran %d times in %.2f s" % (inside,
                                                                                  b - a)
    assert again == span["r"]
