"""zsum.BoltzmannMachine.fit, moments and monitor (include/zsum/bm.h): the model file byte for
byte, the per-epoch monitor and the result bit for bit equal to `zsum bm train`'s (--log,
--format json) for the same input and seed; the exact moments, ln Z, log-likelihood and the
first exact-gradient step against brute-force NumPy sums; and every rejection."""
import itertools
import json

import numpy as np
import pytest

import zsum
from cli_compare import same
from zsum.bm import LOG_KEYS


def states(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)


def brute(W, b):
    """(ln Z, <x x^T> with <x> on the diagonal) of E(x) = -1/2 x W x - b x, by NumPy."""
    X = states(b.size)
    t = 0.5 * np.einsum("si,ij,sj->s", X, W, X) + X @ b
    m = t.max()
    lnz = m + np.log(np.exp(t - m).sum())
    p = np.exp(t - lnz)
    M = np.einsum("s,si,sj->ij", p, X, X)
    return lnz, M


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    rs = np.random.RandomState(5)
    proto = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]], np.uint8)
    X = proto[rs.randint(0, 2, 60)] ^ (rs.rand(60, 8) < 0.1).astype(np.uint8)
    H = proto[rs.randint(0, 2, 25)] ^ (rs.rand(25, 8) < 0.1).astype(np.uint8)
    d = tmp_path_factory.mktemp("bmtrain")
    np.save(str(d / "x.npy"), X)
    np.save(str(d / "h.npy"), H)
    return X, str(d / "x.npy"), H, str(d / "h.npy")


def log_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def same_monitor(py, js):
    """The --log lines against monitor_: every key, in order, bit for bit but the seconds."""
    assert len(py) == len(js)
    for p, j in zip(py, js):
        assert list(p) == list(j) == list(LOG_KEYS)
        j = dict(j, seconds=p["seconds"])
        same(p, j, "epoch %d" % j["epoch"])


TRAIN_CASES = [
    ({}, []),
    (dict(batch=16, lr=0.05, lr_decay=0.5, momentum=0.8, weight_decay=0.001, chains=20,
          gibbs_steps=2),
     ["--batch", 16, "--lr", 0.05, "--lr-decay", 0.5, "--momentum", 0.8, "--weight-decay",
      0.001, "--chains", 20, "--gibbs-steps", 2]),
    (dict(negative="exact", batch=30, lr=0.1), ["--negative", "exact", "--batch", 30,
                                                 "--lr", 0.1]),
    (dict(negative="mean-field", mf_iterations=5, mf_tolerance=1e-4, lr=0.05),
     ["--negative", "mean-field", "--mf-iterations", 5, "--mf-tolerance", 1e-4, "--lr", 0.05]),
    (dict(negative="persistent", max_seconds=1e-9),
     ["--negative", "persistent", "--max-seconds", 1e-9]),
]


@pytest.mark.parametrize("kw,args", TRAIN_CASES)
def test_fit_equals_cli(cli, rows, tmp_path, kw, args):
    X, xpath, _, _ = rows
    js = json.loads(cli(["bm", "train", xpath, "--epochs", 4, "--seed", 11, "-q", "--format",
                         "json", "--log", tmp_path / "log.jsonl", "-o", tmp_path / "cli.npz"]
                        + args))
    m = zsum.BoltzmannMachine.fit(X, 4, seed=11, save=tmp_path / "py.npz", **kw)
    assert (tmp_path / "cli.npz").read_bytes() == (tmp_path / "py.npz").read_bytes()
    same_monitor(m.monitor_, log_lines(tmp_path / "log.jsonl"))
    # The result: the command's keys in its order; the times and the path are this run's.
    r = m.result_
    assert list(r) == list(js)
    js.update(epoch_seconds=r.epoch_seconds, total_seconds=r.total_seconds, model=r.model)
    same(r, js)
    # The returned machine is the saved one, as `zsum bm` reads it.
    back = zsum.BoltzmannMachine.load(tmp_path / "cli.npz")
    for x, y in zip(m.params(), back.params()):
        assert np.array_equal(x, y)
    if kw.get("max_seconds"):
        assert np.isnan(r.lnZ) and np.isnan(r.loglik) and np.isfinite(r.lnZ_mf)
    else:
        lnz, _ = brute(*m.params()[:2])
        assert r.lnZ == pytest.approx(lnz, abs=1e-10)
    assert m.start_["epoch"] == 0 and list(m.start_) == list(LOG_KEYS[:-1])


def test_heldout_and_resume_equal_cli(cli, rows, tmp_path):
    X, xpath, H, hpath = rows
    zsum.BoltzmannMachine.fit(X, 2, seed=4, save=tmp_path / "half.npz")
    cli(["bm", "train", xpath, "--epochs", 5, "--seed", 4, "-q", "--heldout", hpath,
         "--resume", tmp_path / "half.npz", "--log", tmp_path / "log.jsonl",
         "-o", tmp_path / "cli.npz"])
    m = zsum.BoltzmannMachine.fit(X, 5, seed=4, heldout=H, resume=tmp_path / "half.npz",
                                  save=tmp_path / "py.npz")
    assert (tmp_path / "cli.npz").read_bytes() == (tmp_path / "py.npz").read_bytes()
    assert [e["epoch"] for e in m.monitor_] == [3, 4, 5] and m.start_ is None
    same_monitor(m.monitor_, log_lines(tmp_path / "log.jsonl"))
    # The held-out rows' exact log-likelihood, from NumPy.
    W, b, _ = m.params()
    lnz, _ = brute(W, b)
    Hf = H.astype(float)
    ll = np.mean(0.5 * np.einsum("si,ij,sj->s", Hf, W, Hf) + Hf @ b) - lnz
    assert m.monitor_[-1]["loglik"] == pytest.approx(ll, abs=1e-10)
    # Resuming is training without a stop.
    whole = zsum.BoltzmannMachine.fit(X, 5, seed=4, save=tmp_path / "w.npz", monitor=False)
    assert (tmp_path / "w.npz").read_bytes() == (tmp_path / "py.npz").read_bytes()
    assert whole.monitor_ == [] and whole.result_ is None
    # A resume already at its epochs runs none and writes nothing.
    again = zsum.BoltzmannMachine.fit(X, 5, seed=4, resume=tmp_path / "w.npz",
                                      save=tmp_path / "none.npz")
    assert again.monitor_ == [] and not (tmp_path / "none.npz").exists()
    for x, y in zip(again.params(), whole.params()):
        assert np.array_equal(x, y)
    with pytest.raises(zsum.FormatError):
        zsum.BoltzmannMachine.fit(X, 5, seed=4, lr=0.02, resume=tmp_path / "half.npz")
    with pytest.raises(zsum.FormatError):
        zsum.BoltzmannMachine.fit(X[:, :7], 5, seed=4, resume=tmp_path / "half.npz")
    with pytest.raises(zsum.ZsumIOError):
        zsum.BoltzmannMachine.fit(X, 5, resume=tmp_path / "missing.npz")


def test_first_exact_step_against_numpy(rows):
    """One full-batch update of the exact negative phase from W = 0, b0:
    W = lr (<x x^T>_data - <x x^T>_model) off the diagonal (no decay at W = 0, no earlier
    velocity), b = b0 + lr (<x>_data - <x>_model)."""
    X, _, _, _ = rows
    n = X.shape[1]
    b0 = np.linspace(-1.0, 1.0, n)
    lr = 0.3
    m = zsum.BoltzmannMachine.fit(X, 1, negative="exact", batch=X.shape[0], lr=lr,
                                  init=(np.zeros((n, n)), b0), monitor=False)
    W, b, _ = m.params()
    _, M = brute(np.zeros((n, n)), b0)
    Xf = X.astype(float)
    D = Xf.T @ Xf / X.shape[0]
    off = ~np.eye(n, dtype=bool)
    assert np.allclose(W[off], lr * (D - M)[off], rtol=0, atol=1e-12)
    assert np.all(np.diag(W) == 0)
    assert np.allclose(b, b0 + lr * (np.diag(D) - np.diag(M)), rtol=0, atol=1e-12)
    # The same start from a machine.
    m2 = zsum.BoltzmannMachine.fit(X, 1, negative="exact", batch=X.shape[0], lr=lr,
                                   init=zsum.BoltzmannMachine(np.zeros((n, n)), b0),
                                   monitor=False)
    for x, y in zip(m.params(), m2.params()):
        assert np.array_equal(x, y)


def test_moments_and_monitor_against_numpy(rows):
    X, _, _, _ = rows
    rs = np.random.RandomState(2)
    n = 9
    W = rs.normal(0, 0.6, (n, n))
    W = np.triu(W, 1) + np.triu(W, 1).T
    b = rs.normal(0, 0.5, n)
    bm = zsum.BoltzmannMachine(W, b)
    M, lnz = bm.moments()
    ref_lnz, ref_M = brute(W, b)
    assert lnz == pytest.approx(ref_lnz, abs=1e-11)
    assert np.allclose(M, ref_M, rtol=0, atol=1e-12) and np.array_equal(M, M.T)
    V = (rs.rand(30, n) < 0.5).astype(np.uint8)
    r = bm.monitor(V)
    assert list(r) == ["lnZ", "lnZ_mf", "lnZ_bethe", "bethe_converged", "loglik"]
    assert r.lnZ == pytest.approx(ref_lnz, abs=1e-10)
    Vf = V.astype(float)
    ll = np.mean(0.5 * np.einsum("si,ij,sj->s", Vf, W, Vf) + Vf @ b) - ref_lnz
    assert r.loglik == pytest.approx(ll, abs=1e-10)
    assert r.lnZ_mf <= r.lnZ + 1e-12
    assert np.isnan(bm.monitor().loglik) and bm.monitor().lnZ == r.lnZ
    assert np.isnan(bm.monitor(V, max_seconds=1e-12).lnZ)
    # The machine of a trained run: its monitor is the run's last line.
    t = zsum.BoltzmannMachine.fit(X, 2, seed=1)
    same(t.monitor(X), {k: v for k, v in t.monitor_[-1].items()
                        if k not in ("epoch", "seconds")})


def test_fit_dtypes_and_threads(rows):
    X, _, _, _ = rows
    a = zsum.BoltzmannMachine.fit(X, 2, seed=3, monitor=False)
    b = zsum.BoltzmannMachine.fit(X.astype(bool), 2, seed=3, monitor=False)
    c = zsum.BoltzmannMachine.fit(X.astype(np.float64).tolist(), 2, seed=3, monitor=False)
    d = zsum.BoltzmannMachine.fit(np.asfortranarray(X), 2, seed=3, monitor=False)
    for m in (b, c, d):
        for x, y in zip(a.params(), m.params()):
            assert np.array_equal(x, y)
    before = zsum.get_num_threads()
    try:
        zsum.set_num_threads(1)
        one = zsum.BoltzmannMachine.fit(X, 2, seed=3, negative="exact", monitor=False)
        zsum.set_num_threads(2)
        two = zsum.BoltzmannMachine.fit(X, 2, seed=3, negative="exact", monitor=False)
    finally:
        zsum.set_num_threads(before)
    for x, y in zip(one.params(), two.params()):
        assert np.array_equal(x, y)
    assert not np.array_equal(one.params()[0], a.params()[0])


def test_fit_rejections(rows, tmp_path):
    X, _, H, _ = rows
    fit = zsum.BoltzmannMachine.fit
    with pytest.raises(ValueError, match="data: entry .* is not 0 or 1"):
        fit(X * 2, 1)
    with pytest.raises(ValueError, match="not 0 or 1"):
        fit(np.where(X, np.nan, 0.0), 1)
    with pytest.raises(ValueError, match="data: expected 2 dimensions"):
        fit(X[0], 1)
    with pytest.raises(ValueError, match="data: is empty"):
        fit(X[:0], 1)
    with pytest.raises(TypeError, match="data"):
        fit(X.astype(str), 1)
    with pytest.raises(TypeError, match="data"):
        fit(None, 1)
    for bad in (0, -1, 2**70):
        with pytest.raises(ValueError, match="epochs"):
            fit(X, bad)
    with pytest.raises(TypeError, match="epochs: expected an integer, got 1.5"):
        fit(X, 1.5)
    with pytest.raises(zsum.InvalidArgumentError, match="negative"):
        fit(X, 1, negative="sideways")
    with pytest.raises(ValueError, match="lr"):
        fit(X, 1, lr=float("nan"))
    with pytest.raises(ValueError, match="lr: 0.0 must be > 0"):
        fit(X, 1, lr=0.0)
    with pytest.raises(ValueError, match="momentum: 1.5 must be in \\[0, 1\\)"):
        fit(X, 1, momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay: -1.0 must be >= 0"):
        fit(X, 1, weight_decay=-1.0)
    with pytest.raises(ValueError, match="batch"):
        fit(X, 1, batch=0)
    with pytest.raises(ValueError, match="chains"):
        fit(X, 1, chains=-3)
    with pytest.raises(ValueError, match="seed"):
        fit(X, 1, seed=-1)
    with pytest.raises(ValueError, match="heldout: expected shape"):
        fit(X, 1, heldout=H[:, :5])
    with pytest.raises(ValueError, match="heldout: entry .* is not 0 or 1"):
        fit(X, 1, heldout=H * 3)
    with pytest.raises(ValueError, match="max_seconds"):
        fit(X, 1, max_seconds=0)
    with pytest.raises(ValueError, match="max_seconds"):
        fit(X, 1, max_seconds=float("nan"))
    # The exact negative phase: refused with the estimated time, as the command refuses it.
    with pytest.raises(zsum.TooBigError, match="2\\^8 states .* over max_seconds 1e-12"):
        fit(X, 1, negative="exact", max_seconds=1e-12)
    Y = (np.random.RandomState(0).rand(10, 25) < 0.5).astype(np.uint8)
    with pytest.raises(zsum.TooBigError):
        fit(Y, 1, negative="exact")
    n = X.shape[1]
    with pytest.raises(ValueError, match="init: W \\(3, 3\\) and b \\(3,\\) for 8 units"):
        fit(X, 1, init=(np.zeros((3, 3)), np.zeros(3)))
    with pytest.raises(TypeError, match="init: expected a BoltzmannMachine or a tuple"):
        fit(X, 1, init=np.zeros((n, n)))
    asym = np.zeros((n, n))
    asym[0, 1] = 1.0
    with pytest.raises(zsum.InvalidArgumentError, match="W"):
        fit(X, 1, init=(asym, np.zeros(n)))
    with pytest.raises(ValueError, match="init\\[1\\]"):
        fit(X, 1, init=(np.zeros((n, n)), np.full(n, np.nan)))
    with pytest.raises(zsum.ZsumIOError, match="nowhere"):
        fit(X, 1, save=tmp_path / "nowhere" / "m.npz")
    bm = zsum.BoltzmannMachine.random(31, seed=1)
    with pytest.raises(zsum.TooBigError):
        bm.moments()
    with pytest.raises(ValueError, match="rows: expected shape"):
        zsum.BoltzmannMachine.random(5).monitor(X)
