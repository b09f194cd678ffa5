"""zsum.DBM training, sampling, the RBM maps, the AIS sandwich, and FactorModel.write_mar: each
byte for byte (files) or bit for bit (JSON) equal to the zsum program's for the same input and
seed; a trained model's ln Z against a brute-force NumPy sum; samples of a tiny DBM against
its exact p(v); and every rejection."""
import itertools
import json

import numpy as np
import pytest

import zsum
from cli_compare import same


def states(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)


def logsumexp(x, axis=None):
    m = np.max(x, axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def brute_joint(ws, bs):
    """-E of every joint state (rows: all states of all layers, layer by layer) and the
    visible part of each state."""
    sizes = [b.size for b in bs]
    allst = states(sum(sizes))
    layers, k = [], 0
    for n in sizes:
        layers.append(allst[:, k:k + n])
        k += n
    t = sum(layers[l] @ bs[l] for l in range(len(bs)))
    for l, w in enumerate(ws, 1):
        t = t + np.einsum("...i,ij,...j->...", layers[l - 1], w, layers[l])
    return t, layers[0]


def brute_lnz(ws, bs):
    return logsumexp(brute_joint(ws, bs)[0])


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    rs = np.random.RandomState(3)
    # Two prototypes with 10% noise: a structure a small DBM can learn.
    proto = np.array([[1, 1, 1, 0, 0, 0, 1], [0, 0, 0, 1, 1, 1, 0]], np.uint8)
    X = proto[rs.randint(0, 2, 80)] ^ (rs.rand(80, 7) < 0.1).astype(np.uint8)
    path = str(tmp_path_factory.mktemp("dbmtrain") / "x.npy")
    np.save(path, X)
    return X, path


# ---- training ---------------------------------------------------------------------------------

TRAIN_CASES = [
    ({}, []),
    (dict(pretrain_epochs=3, pretrain_lr=0.1, batch=16, lr=0.01, lr_decay=0.5, momentum=0.8,
          weight_decay=0.001, chains=20, gibbs_steps=2, mf_iterations=5, mf_tolerance=1e-5),
     ["--pretrain-epochs", 3, "--pretrain-lr", 0.1, "--batch", 16, "--lr", 0.01,
      "--lr-decay", 0.5, "--momentum", 0.8, "--weight-decay", 0.001, "--chains", 20,
      "--gibbs-steps", 2, "--mf-iterations", 5, "--mf-tolerance", 1e-5]),
    (dict(negative="exact", pretrain_epochs=0, lr=0.05), ["--negative", "exact",
                                                          "--pretrain-epochs", 0, "--lr", 0.05]),
    (dict(negative="mean-field", pretrain_epochs=1), ["--negative", "mean-field",
                                                      "--pretrain-epochs", 1]),
]


@pytest.mark.parametrize("kw,args", TRAIN_CASES)
def test_fit_file_equals_cli(cli, rows, tmp_path, kw, args):
    X, xpath = rows
    cli(["dbm", "train", xpath, "--hidden", "5,3", "--epochs", 3, "--seed", 11, "-q",
         "-o", tmp_path / "cli.npz"] + args)
    d = zsum.DBM.fit(X, [5, 3], 3, seed=11, save=tmp_path / "py.npz", **kw)
    a = (tmp_path / "cli.npz").read_bytes()
    assert a == (tmp_path / "py.npz").read_bytes()
    # The returned model is the saved one.
    back = zsum.DBM.load(tmp_path / "cli.npz")
    for x, y in zip(d.weights + d.biases, back.weights + back.biases):
        assert np.array_equal(x, y)
    assert d.mf_bounds_.shape == (3,) and np.all(np.isfinite(d.mf_bounds_))


def test_fit_resume_equals_cli_and_an_unbroken_run(cli, rows, tmp_path):
    X, xpath = rows
    zsum.DBM.fit(X, [4, 3], 2, pretrain_epochs=2, seed=4, save=tmp_path / "half.npz")
    cli(["dbm", "train", xpath, "--hidden", "4,3", "--epochs", 5, "--seed", 4, "-q",
         "--pretrain-epochs", 2, "--resume", tmp_path / "half.npz", "-o", tmp_path / "cli.npz"])
    d = zsum.DBM.fit(X, [4, 3], 5, pretrain_epochs=2, seed=4, resume=tmp_path / "half.npz",
                     save=tmp_path / "py.npz")
    assert d.mf_bounds_.shape == (3,)
    assert (tmp_path / "cli.npz").read_bytes() == (tmp_path / "py.npz").read_bytes()
    whole = zsum.DBM.fit(X, [4, 3], 5, pretrain_epochs=2, seed=4, save=tmp_path / "w.npz")
    assert (tmp_path / "w.npz").read_bytes() == (tmp_path / "py.npz").read_bytes()
    for x, y in zip(d.weights + d.biases, whole.weights + whole.biases):
        assert np.array_equal(x, y)
    with pytest.raises(zsum.FormatError, match="hidden|layer|size|units"):
        zsum.DBM.fit(X, [5, 3], 5, seed=4, resume=tmp_path / "half.npz")
    with pytest.raises(zsum.ZsumIOError):
        zsum.DBM.fit(X, [4, 3], 5, seed=4, resume=tmp_path / "missing.npz")


def test_fit_seed_dtype_and_lnz(rows):
    X, _ = rows
    a = zsum.DBM.fit(X, (4, 2), 2, pretrain_epochs=2, seed=5)
    b = zsum.DBM.fit(X.astype(bool), [4, 2], 2, pretrain_epochs=2, seed=5)
    c = zsum.DBM.fit(X.astype(np.float64), [4, 2], 2, pretrain_epochs=2, seed=6)
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        assert np.array_equal(x, y)
    # The thread count does not change the result.
    before = zsum.get_num_threads()
    try:
        zsum.set_num_threads(1)
        one = zsum.DBM.fit(X, [4, 2], 2, pretrain_epochs=2, seed=5)
        zsum.set_num_threads(2)
        two = zsum.DBM.fit(X, [4, 2], 2, pretrain_epochs=2, seed=5)
    finally:
        zsum.set_num_threads(before)
    for x, y, z in zip(a.weights + a.biases, one.weights + one.biases, two.weights + two.biases):
        assert np.array_equal(x, y) and np.array_equal(x, z)
    assert not np.array_equal(a.weights[0], c.weights[0])
    # The trained model's exact ln Z against every state summed by NumPy.
    assert a.log_partition(method="exact")["lnZ"] == pytest.approx(
        brute_lnz(a.weights, a.biases), abs=1e-10)
    # One hidden layer: also the RBM of the same data.
    r = zsum.DBM.fit(X, 4, 1, seed=5)
    assert r.layers == (7, 4)
    assert zsum.DBM.fit(X, np.array([4, 2]), 1, seed=5).layers == (7, 4, 2)


def test_fit_rejections(rows, tmp_path):
    X, _ = rows
    with pytest.raises(ValueError, match="data: entry .* is not 0 or 1"):
        zsum.DBM.fit(X * 2, [3], 1)
    with pytest.raises(ValueError, match="not 0 or 1"):
        zsum.DBM.fit(np.where(X, np.nan, 0.0), [3], 1)
    with pytest.raises(ValueError, match="data: expected 2 dimensions"):
        zsum.DBM.fit(X[0], [3], 1)
    with pytest.raises(ValueError, match="data: is empty"):
        zsum.DBM.fit(X[:0], [3], 1)
    with pytest.raises(TypeError, match="data"):
        zsum.DBM.fit(X.astype(str), [3], 1)
    with pytest.raises(ValueError, match="hidden: 0 layers"):
        zsum.DBM.fit(X, [], 1)
    with pytest.raises(ValueError, match="hidden\\[0\\]"):
        zsum.DBM.fit(X, [0], 1)
    with pytest.raises(ValueError, match="epochs"):
        zsum.DBM.fit(X, [3], 0)
    with pytest.raises(zsum.InvalidArgumentError, match="negative"):
        zsum.DBM.fit(X, [3], 1, negative="sideways")
    with pytest.raises(ValueError, match="lr"):
        zsum.DBM.fit(X, [3], 1, lr=float("nan"))
    with pytest.raises(ValueError, match="seed"):
        zsum.DBM.fit(X, [3], 1, seed=-1)
    with pytest.raises(ValueError, match="batch"):
        zsum.DBM.fit(X, [3], 1, batch=0)
    with pytest.raises(zsum.ZsumError) as e:
        zsum.DBM.fit(X, [3], 1, momentum=1.5)
    assert isinstance(e.value, ValueError) and "momentum" in str(e.value)
    with pytest.raises(zsum.TooBigError):
        zsum.DBM.fit(X, [30, 30], 1, negative="exact", pretrain_epochs=0)
    # ... before the pretraining, not after it (100000 epochs of it would take hours)
    with pytest.raises(zsum.TooBigError):
        zsum.DBM.fit(X, [30, 30], 1, negative="exact", pretrain_epochs=100000)
    with pytest.raises(zsum.ZsumIOError, match="nowhere"):
        zsum.DBM.fit(X, [3], 1, save=tmp_path / "nowhere" / "m.npz")


# ---- sampling ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model(rows, tmp_path_factory):
    X, _ = rows
    d = zsum.DBM.fit(X, [4, 3], 2, pretrain_epochs=2, seed=2)
    path = str(tmp_path_factory.mktemp("dbmmodel") / "m.npz")
    d.save(path)
    return d, path


@pytest.mark.parametrize("init", [False, True])
def test_sample_equals_cli(cli, rows, model, tmp_path, init):
    X, xpath = rows
    d, mpath = model
    args = ["--init", "data:" + xpath] if init else []
    cli(["dbm", "sample", mpath, "--chains", 30, "--steps", 25, "--seed", 9, "-q",
         "-o", tmp_path / "s.npy"] + args)
    s = d.sample(chains=30, steps=25, seed=9, init=X if init else None)
    ref = np.load(tmp_path / "s.npy")
    assert s.dtype == np.uint8 and ref.dtype == np.uint8
    assert np.array_equal(s, ref)
    v, lay, p = d.sample(chains=30, steps=25, seed=9, init=X if init else None, layers=True,
                         prob=True)
    assert np.array_equal(v, s) and np.array_equal(lay[:, :7], s)
    assert lay.shape == (30, 14) and p.shape == (30, 7) and np.all((p >= 0) & (p <= 1))
    # The defaults are the command's (64 chains, 1000 sweeps); the seed defaults to 1.
    if not init:
        cli(["dbm", "sample", mpath, "--seed", 1, "-q", "-o", tmp_path / "d.npy"])
        assert np.array_equal(d.sample(), np.load(tmp_path / "d.npy"))


def test_sample_distribution():
    """Final states of independent chains of a 3-2-2 DBM against its exact p(v): each of the
    8 visible states' frequency within 5 standard errors sqrt(p (1 - p) / N) (+ 1e-3)."""
    rs = np.random.RandomState(1)
    ws = [rs.randn(3, 2), rs.randn(2, 2)]
    bs = [rs.randn(3) * 0.5, rs.randn(2) * 0.5, rs.randn(2) * 0.5]
    d = zsum.DBM(ws, bs)
    t, v = brute_joint(ws, bs)
    p = np.exp(t - logsumexp(t))
    idx = (v @ np.array([4, 2, 1])).astype(int)
    pv = np.bincount(idx, weights=p, minlength=8)
    N = 20000
    s = d.sample(chains=N, steps=30, seed=4).astype(int)
    freq = np.bincount(s @ np.array([4, 2, 1]), minlength=8) / N
    assert np.all(np.abs(freq - pv) <= 5 * np.sqrt(pv * (1 - pv) / N) + 1e-3), (freq, pv)


def test_sample_rejections(model):
    d, _ = model
    with pytest.raises(ValueError, match="chains"):
        d.sample(chains=0)
    with pytest.raises(ValueError, match="steps"):
        d.sample(steps=-1)
    with pytest.raises(ValueError, match="init: expected shape"):
        d.sample(init=np.zeros((2, 6), np.uint8))
    with pytest.raises(ValueError, match="init: is empty"):
        d.sample(init=np.zeros((0, 7), np.uint8))
    with pytest.raises(ValueError, match="init: entry .* is not 0 or 1"):
        d.sample(init=np.full((2, 7), 2, np.uint8))
    with pytest.raises(ValueError, match="init"):
        d.sample(init=np.full((2, 7), np.nan))
    with pytest.raises(zsum.TooBigError, match="max_seconds"):
        d.sample(chains=1000000, steps=100000000, max_seconds=1)
    with pytest.raises(ValueError, match="max_seconds"):
        d.sample(max_seconds=0)
    with pytest.raises(ValueError, match="seed"):
        d.sample(seed=2**64)


# ---- the RBM maps -------------------------------------------------------------------------------

def test_rbm_maps(rows, model):
    X, _ = rows
    rbm = zsum.BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(X)
    d = zsum.DBM.from_rbm(rbm)
    assert d.layers == (7, 3)
    assert np.array_equal(d.weights[0], rbm.components_.T)
    assert np.array_equal(d.biases[0], rbm.intercept_visible_)
    assert np.array_equal(d.biases[1], rbm.intercept_hidden_)
    back = d.to_rbm()
    for name in ("components_", "intercept_visible_", "intercept_hidden_"):
        assert np.array_equal(getattr(back, name), getattr(rbm, name))
    same(back.log_partition(method="exact")["lnZ"], rbm.log_partition(method="exact")["lnZ"])
    # Two hidden layers: the RBM between (v, h2) and h1, with the same Z.
    m, _ = model
    r = m.to_rbm()
    assert r.components_.shape == (4, 10) and r.n_features_in_ == 10
    assert r.log_partition(method="exact")["lnZ"] == pytest.approx(
        m.log_partition(method="exact")["lnZ"], abs=1e-10)
    with pytest.raises(TypeError, match="BernoulliRBM"):
        zsum.DBM.from_rbm(m)
    with pytest.raises(ValueError, match="not fitted"):
        zsum.DBM.from_rbm(zsum.BernoulliRBM())


# ---- the AIS sandwich -------------------------------------------------------------------------

SANDWICH = [
    (["--reverse", "pt", "--pt-temperatures", 10, "--pt-sweeps", 60],
     dict(reverse="pt", pt_temperatures=10, pt_sweeps=60)),
    (["--reverse", "none"], dict(reverse="none")),
    ("data", "data"),
]


@pytest.mark.parametrize("args,kw", SANDWICH)
def test_sandwich_equals_cli(cli, rows, model, args, kw):
    X, xpath = rows
    d, mpath = model
    if kw == "data":
        args, kw = ["--reverse", "data:" + xpath], dict(reverse="data", reverse_data=X)
    js = json.loads(cli(["dbm", "lnz", mpath, "--ais", "--chains", 50, "--schedule",
                         "linear:200", "--seed", 3, "--format", "json", "-q"] + args))
    py = d.log_partition(method="ais", chains=50, schedule="linear:200", seed=3, **kw)
    if kw["reverse"] == "data":
        assert js["reverse"] == "data:" + xpath and py["reverse"] == "data"
        js["reverse"] = "data"
    same(py, js)
    assert list(py) == list(js)
    if kw["reverse"] != "none":
        # Both sides bracket the exact value here (a well-mixed model, 200 temperatures).
        exact = brute_lnz(d.weights, d.biases)
        assert py["sides_agree"] and py["sandwich_lo"] <= exact <= py["sandwich_hi"]


def test_sandwich_rejections(model):
    d, _ = model
    with pytest.raises(ValueError, match="reverse must be"):
        d.log_partition(method="ais", reverse="backwards")
    with pytest.raises(ValueError, match="needs the start rows"):
        d.log_partition(method="ais", reverse="data")
    with pytest.raises(ValueError, match="reverse_data= is for"):
        d.log_partition(method="ais", reverse="pt", reverse_data=np.zeros((1, 7)))
    with pytest.raises(ValueError, match="reverse_data= is for"):
        d.log_partition(method="ais", reverse_data=np.zeros((1, 7)))
    with pytest.raises(ValueError, match="reverse is an AIS option"):
        d.log_partition(method="exact", reverse="pt")
    # "auto" on a model small enough: the exact sum, as `zsum dbm lnz --reverse pt`.
    assert d.log_partition(reverse="pt").method == "exact"
    with pytest.raises(ValueError, match="pt_temperatures"):
        d.log_partition(method="ais", reverse="pt", pt_temperatures=1)
    with pytest.raises(ValueError, match="pt_sweeps"):
        d.log_partition(method="ais", reverse="pt", pt_sweeps=1)
    with pytest.raises(ValueError, match="reverse_data: entry .* is not 0 or 1"):
        d.log_partition(method="ais", reverse="data", reverse_data=np.full((1, 7), 3))
    with pytest.raises(ValueError, match="reverse_data"):
        d.log_partition(method="ais", reverse="data", reverse_data=np.zeros((1, 5)))


# ---- the MAR answer file ------------------------------------------------------------------------

# A loop of three variables with domains 2, 3, 2, written here.
LOOP_UAI = ("MARKOV\n3\n2 3 2\n3\n2 0 1\n2 1 2\n2 2 0\n\n6\n 1 2 3\n 4 5 6\n\n"
            "6\n 2 1\n 1 3\n 2 2\n\n4\n 1 3\n 2 1\n")


def loop_model(tmp_path):
    path = tmp_path / "loop.uai"
    path.write_text(LOOP_UAI)
    return str(path)


def test_write_mar_equals_cli(cli, tmp_path):
    path = loop_model(tmp_path)
    cli(["uai", path, "--marginals", "-q", "-o", tmp_path / "cli.MAR"])
    m = zsum.read_uai(path)
    res = m.marginals()
    m.write_mar(tmp_path / "a.MAR", res)
    m.write_mar(tmp_path / "b.MAR", res["marginals"])
    m.write_mar(tmp_path / "c.MAR", np.concatenate(res["marginals"]))
    ref = (tmp_path / "cli.MAR").read_bytes()
    for f in ("a", "b", "c"):
        assert (tmp_path / (f + ".MAR")).read_bytes() == ref
    # The file reads back to the same doubles.
    tok = ref.decode().split()
    assert tok[0] == "MAR" and int(tok[1]) == len(res["marginals"])
    k, vals = 2, []
    for marg in res["marginals"]:
        assert int(tok[k]) == marg.size
        vals.extend(float(x) for x in tok[k + 1:k + 1 + marg.size])
        k += 1 + marg.size
    assert np.array_equal(np.array(vals), np.concatenate(res["marginals"]))


def test_write_mar_rejections(tmp_path):
    m = zsum.read_uai(loop_model(tmp_path))
    flat = np.concatenate(m.marginals()["marginals"])
    with pytest.raises(ValueError, match="marginals"):
        m.write_mar(tmp_path / "x.MAR", flat[:-1])
    with pytest.raises(ValueError, match="not finite|nan"):
        m.write_mar(tmp_path / "x.MAR", np.where(np.arange(flat.size) == 2, np.nan, flat))
    bad = flat.copy()
    bad[1] = 1.5
    with pytest.raises(zsum.InvalidArgumentError, match="1.5"):
        m.write_mar(tmp_path / "x.MAR", bad)
    with pytest.raises(zsum.InvalidArgumentError):
        m.write_mar(tmp_path / "x.MAR", m.marginals(log=True))
    with pytest.raises(ValueError, match="arrays for"):
        m.write_mar(tmp_path / "x.MAR", [flat[:2]])
    with pytest.raises(ValueError, match="no 'marginals'"):
        m.write_mar(tmp_path / "x.MAR", m.log_partition())
    with pytest.raises(zsum.ZsumIOError, match="nowhere"):
        m.write_mar(tmp_path / "nowhere" / "x.MAR", flat)
    assert not (tmp_path / "x.MAR").exists()


def test_fit_lets_other_python_threads_run():
    """The pretraining call is one long library call: with the GIL released through it, this
    thread keeps running meanwhile."""
    import threading
    import time
    rs = np.random.RandomState(0)
    X = (rs.rand(2000, 64) < 0.3).astype(np.uint8)
    span = {}

    def work():
        span["start"] = time.perf_counter()
        zsum.DBM.fit(X, [64, 32], 1, pretrain_epochs=4, batch=20, seed=1)
        span["end"] = time.perf_counter()
    t = threading.Thread(target=work)
    stamps = []
    t.start()
    while t.is_alive():
        stamps.append(time.perf_counter())
    t.join()
    a, b = span["start"], span["end"]
    inside = sum(1 for s in stamps if a + 0.02 < s < b - 0.02)
    assert b - a > 0.05 and inside > 100, \
        "the main thread ran %d times during a %.2f s fit" % (inside, b - a)
