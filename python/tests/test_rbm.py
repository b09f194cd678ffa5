"""zsum.BernoulliRBM: the command line's numbers bit for bit (train, logz, transform), the
likelihood against brute-force sums written here, scikit-learn's pseudo-likelihood against
scikit-learn itself, the estimator contract (check_estimator, Pipeline, GridSearchCV,
pickling), the training state carried by partial_fit, and every rejection."""
import itertools
import json
import os
import pickle
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import zsum
from zsum.rbm import BernoulliRBM

sklearn = pytest.importorskip("sklearn")


def binary(n, d, seed, p=0.35):
    return (np.random.RandomState(seed).rand(n, d) < p).astype(np.uint8)


def brute_lnz(m):
    """ln sum_{v,h} exp(v.W.h + a.v + b.h) over every joint state (tiny models)."""
    w = m.components_.T
    a, b = m.intercept_visible_, m.intercept_hidden_
    nv, nh = w.shape
    vs = np.array(list(itertools.product([0, 1], repeat=nv)), dtype=float)
    hs = np.array(list(itertools.product([0, 1], repeat=nh)), dtype=float)
    e = vs @ w @ hs.T + (vs @ a)[:, None] + (hs @ b)[None, :]
    mx = e.max()
    return mx + np.log(np.exp(e - mx).sum())


def brute_free_energy(m, X):
    """F(v) = -ln sum_h exp(v.W.h + a.v + b.h), every h."""
    w = m.components_.T
    hs = np.array(list(itertools.product([0, 1], repeat=w.shape[1])), dtype=float)
    e = X @ w @ hs.T + (X @ m.intercept_visible_)[:, None] + (hs @ m.intercept_hidden_)[None, :]
    mx = e.max(axis=1, keepdims=True)
    return -(mx[:, 0] + np.log(np.exp(e - mx).sum(axis=1)))


@pytest.fixture(scope="module")
def small():
    X = binary(300, 10, 1)
    return X, BernoulliRBM(n_components=6, n_iter=4, batch_size=20, random_state=7).fit(X)


# ---- the command line's numbers, bit for bit --------------------------------------------------

@pytest.mark.parametrize("method,k", [("pcd", 1), ("cd", 2)])
def test_fit_equals_the_model_zsum_rbm_train_writes(cli, tmp_path, method, k):
    X = binary(250, 30, 2)
    np.save(tmp_path / "d.npy", X)
    cli(["rbm", "train", tmp_path / "d.npy", "--hidden", 25, "--" + method, k, "--epochs", 3,
         "--batch", 20, "--lr", 0.1, "--seed", 5, "-o", tmp_path / "m.npz", "-q"])
    f = np.load(tmp_path / "m.npz")
    m = BernoulliRBM(n_components=25, method=method, k=k, n_iter=3, batch_size=20,
                     learning_rate=0.1, random_state=5).fit(X)
    assert np.array_equal(f["W"].astype(np.float64), m.components_.T)
    assert np.array_equal(f["vbias"].astype(np.float64), m.intercept_visible_)
    assert np.array_equal(f["hbias"].astype(np.float64), m.intercept_hidden_)
    assert np.array_equal(f["train_data_frequency"], m.train_data_frequency_)
    assert np.array_equal(f["train_chains"].astype(np.uint8), m.chains_)
    assert int(f["train_epoch"].ravel()[0]) == m.n_epochs_ == 3


def test_log_partition_equals_zsum_rbm_logz(cli, tmp_path):
    X = binary(250, 30, 3)
    np.save(tmp_path / "d.npy", X)
    cli(["rbm", "train", tmp_path / "d.npy", "--hidden", 16, "--pcd", 1, "--epochs", 2,
         "--batch", 25, "--lr", 0.1, "--seed", 11, "-o", tmp_path / "m.npz", "-q"])
    m = BernoulliRBM(n_components=16, n_iter=2, batch_size=25, random_state=11).fit(X)
    model = tmp_path / "m.npz"
    exact = json.loads(cli(["rbm", "logz", model, "--exact", "--format", "json"]))
    assert m.log_partition(method="exact") == exact
    assert m.log_partition() == exact               # auto: exact when affordable
    for base, extra in (("stored", []), ("uniform", ["--base", "uniform"]),
                        ("model", ["--base", "model"])):
        want = json.loads(cli(["rbm", "logz", model, "--ais", "--chains", 40, "--seed", 4,
                               "--schedule", "linear:2000", "--reverse", "none", "--format",
                               "json"] + extra))
        got = m.log_partition(method="ais", chains=40, seed=4, schedule="linear:2000",
                              base=base)
        assert got == want
    want = json.loads(cli(["rbm", "logz", model, "--ais", "--chains", 30, "--seed", 2,
                           "--base", "data:%s" % (tmp_path / "d.npy"), "--reverse", "none",
                           "--format", "json"]))
    got = m.log_partition(method="ais", chains=30, seed=2, base="data", data=X)
    want.pop("base")
    assert got.pop("base") == "data" and got == want
    # An explicit schedule array is the schedule file's betas.
    betas = np.linspace(0, 1, 501)
    np.savetxt(tmp_path / "betas.txt", betas, fmt="%.17g")
    want = json.loads(cli(["rbm", "logz", model, "--ais", "--chains", 20, "--seed", 3,
                           "--schedule", tmp_path / "betas.txt", "--reverse", "none",
                           "--format", "json"]))
    assert m.log_partition(method="ais", chains=20, seed=3, schedule=betas) == want


def test_transform_and_loglik_equal_the_command_line(cli, tmp_path, small):
    X, m = small
    cli(["rbm", "train", _save(tmp_path, X), "--hidden", 6, "--pcd", 1, "--epochs", 4,
         "--batch", 20, "--lr", 0.1, "--seed", 7, "-o", tmp_path / "m.npz", "-q"])
    cli(["rbm", "transform", tmp_path / "m.npz", tmp_path / "d.npy", "-o", tmp_path / "t.npy",
         "-q"])
    assert np.array_equal(np.load(tmp_path / "t.npy"), m.transform(X))
    ll = json.loads(cli(["rbm", "loglik", tmp_path / "m.npz", tmp_path / "d.npy", "--exact",
                         "--format", "json"]))
    assert ll["lnZ"] == m.log_partition()["lnZ"]
    assert m.score(X) == pytest.approx(ll["loglik"], rel=1e-13, abs=1e-12)


def _save(tmp_path, X):
    np.save(tmp_path / "d.npy", X)
    return tmp_path / "d.npy"


# ---- the numbers against independent sums ---------------------------------------------------

def test_free_energy_and_likelihood_match_brute_force_sums(small):
    X, m = small
    assert np.allclose(m.free_energy(X), brute_free_energy(m, X.astype(float)), rtol=1e-12,
                       atol=1e-12)
    lnz = brute_lnz(m)
    assert m.log_partition()["lnZ"] == pytest.approx(lnz, rel=1e-12)
    ll = m.score_samples(X)
    assert np.allclose(ll, -brute_free_energy(m, X.astype(float)) - lnz, rtol=1e-12)
    # The probabilities of every visible state sum to one.
    vs = np.array(list(itertools.product([0, 1], repeat=X.shape[1])), dtype=np.uint8)
    assert np.exp(m.score_samples(vs)).sum() == pytest.approx(1.0, rel=1e-12)


def test_ais_band_holds_the_exact_value(small):
    _, m = small
    r = m.log_partition(method="ais", chains=200, seed=3)
    assert r["lnZ_lo"] <= brute_lnz(m) <= r["lnZ_hi"]
    assert 1 <= r["ess"] <= 200 and r["temperatures"] == 14500 and r["base"] == "stored"


def test_transform_matches_the_sigmoid_of_the_input(small):
    X, m = small
    want = 1 / (1 + np.exp(-(X @ m.components_.T + m.intercept_hidden_)))
    assert np.allclose(m.transform(X), want, rtol=1e-13)


def test_pseudo_likelihood_is_scikit_learns_score_samples(small):
    from sklearn.neural_network import BernoulliRBM as SkRBM
    X, m = small
    sk = SkRBM(n_components=6, random_state=7)
    sk.components_ = m.components_.copy()
    sk.intercept_hidden_ = m.intercept_hidden_.copy()
    sk.intercept_visible_ = m.intercept_visible_.copy()
    sk.n_features_in_ = X.shape[1]
    want = sk.score_samples(X.astype(np.float64))
    assert np.allclose(m.pseudo_likelihood(X), want, rtol=1e-12)


def test_gibbs_is_binary_seeded_and_mixes(small):
    X, m = small
    a = BernoulliRBM(n_components=6, n_iter=4, batch_size=20, random_state=7).fit(X)
    g1, g2 = a.gibbs(X), a.gibbs(X)
    assert g1.dtype == np.uint8 and set(np.unique(g1)) <= {0, 1} and g1.shape == X.shape
    assert not np.array_equal(g1, g2)                # each call draws a new seed
    b = BernoulliRBM(n_components=6, n_iter=4, batch_size=20, random_state=7).fit(X)
    assert np.array_equal(b.gibbs(X), g1) and np.array_equal(b.gibbs(X), g2)
    # The one-step transition from a fixed row: frequencies of v'_i against the exact
    # marginal sum_h p(h | v) p(v'_i = 1 | h), within 5 standard deviations.
    v = np.repeat(X[:1], 20000, axis=0)
    freq = a.gibbs(v).mean(axis=0)
    w, hb, vb = a.components_.T, a.intercept_hidden_, a.intercept_visible_
    hs = np.array(list(itertools.product([0, 1], repeat=w.shape[1])), dtype=float)
    ph = 1 / (1 + np.exp(-(X[0] @ w + hb)))
    p_h = np.prod(np.where(hs == 1, ph, 1 - ph), axis=1)
    p_v = 1 / (1 + np.exp(-(hs @ w.T + vb)))
    exact = p_h @ p_v
    assert np.all(np.abs(freq - exact) <= 5 * np.sqrt(exact * (1 - exact) / 20000) + 1e-12)


def test_sample_is_seeded_and_starts_where_asked(small):
    X, m = small
    s = m.sample(5, steps=20, seed=3)
    assert s.shape == (5, X.shape[1]) and np.all((s > 0) & (s < 1))
    assert np.array_equal(s, m.sample(5, steps=20, seed=3))
    assert not np.array_equal(s, m.sample(5, steps=20, seed=4))
    assert m.sample(4, steps=3, seed=1, init=X[:2]).shape == (4, X.shape[1])


# ---- the training state ---------------------------------------------------------------------

@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_partial_fit_n_times_equals_fit_with_n_iter_n(method):
    X = binary(130, 12, 4)
    kw = dict(n_components=8, batch_size=16, method=method, random_state=3)
    a = BernoulliRBM(n_iter=3, **kw).fit(X)
    b = BernoulliRBM(**kw)
    for _ in range(3):
        b.partial_fit(X)
    for name in ("components_", "intercept_visible_", "intercept_hidden_", "chains_",
                 "h_samples_"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert b.n_epochs_ == 3
    # The frequencies count every row passed, repeats included: (3 c + 1) / (3 n + 2).
    counts = X.sum(axis=0)
    assert np.array_equal(b.train_data_frequency_, (3.0 * counts + 1) / (3.0 * 130 + 2))


def test_partial_fit_with_another_batch_size_restarts_the_chains_and_counts_on():
    X = binary(90, 10, 11)
    m = BernoulliRBM(n_components=5, batch_size=10, n_iter=2, random_state=4).fit(X)
    m.set_params(batch_size=7).partial_fit(X)
    assert m.chains_.shape == (7, 10) and m.n_epochs_ == 3
    assert m.h_samples_.shape == (7, 5)


def test_pickling_round_trips_bit_identically_and_training_continues_the_same():
    X = binary(120, 14, 5)
    m = BernoulliRBM(n_components=9, batch_size=12, n_iter=2, random_state=1).fit(X)
    c = pickle.loads(pickle.dumps(m))
    for name in ("components_", "intercept_visible_", "intercept_hidden_", "chains_",
                 "h_samples_"):
        assert np.array_equal(getattr(m, name), getattr(c, name))
    assert c.get_params() == m.get_params()
    assert np.array_equal(m.transform(X), c.transform(X))
    assert np.array_equal(m.score_samples(X), c.score_samples(X))
    m.partial_fit(X[:50])
    c.partial_fit(X[:50])
    assert np.array_equal(m.components_, c.components_)
    assert np.array_equal(m.chains_, c.chains_)


def test_results_do_not_depend_on_threads():
    X = binary(200, 20, 6)
    a = BernoulliRBM(n_components=12, n_iter=2, random_state=2, n_threads=1).fit(X)
    b = BernoulliRBM(n_components=12, n_iter=2, random_state=2, n_threads=2).fit(X)
    assert np.array_equal(a.components_, b.components_)
    assert np.array_equal(a.free_energy(X), b.free_energy(X))


def test_random_state_none_draws_a_seed_and_records_it():
    X = binary(60, 8, 7)
    a = BernoulliRBM(n_components=4, n_iter=1).fit(X)
    b = BernoulliRBM(n_components=4, n_iter=1, random_state=a.train_seed_).fit(X)
    assert np.array_equal(a.components_, b.components_)


# ---- data: binarization and no hidden copies ----------------------------------------------

def test_every_dtype_is_binarized_as_x_above_one_half(small):
    X, m = small
    probs = np.where(X == 1, 0.9, 0.2)
    ref = m.transform(X)
    import scipy.sparse
    for alt in (X.astype(bool), X.astype(np.float32), X.astype(np.int64), probs,
                X.tolist(), np.asfortranarray(X), X * 3, scipy.sparse.csr_matrix(probs)):
        assert np.array_equal(m.transform(alt), ref)
    with pytest.raises(ValueError, match="Negative values"):
        m.transform(scipy.sparse.csr_matrix(-probs))


def test_fit_on_uint8_bytes_above_one_equals_fit_on_the_binarized_rows():
    # fit hands uint8 rows to the library unchecked (its trainer refuses a byte that is not 0
    # or 1) and binarizes them (x > 0) only then: the model must be the one of the bytes.
    X = binary(300, 12, 5)
    X3 = X * np.where(np.arange(12) % 2, 3, 255).astype(np.uint8)
    kw = dict(n_components=5, n_iter=2, batch_size=20)
    ref = BernoulliRBM(random_state=4, **kw).fit(X)
    got = BernoulliRBM(random_state=4, **kw).fit(X3)
    assert np.array_equal(got.components_, ref.components_)
    assert np.array_equal(got.intercept_visible_, ref.intercept_visible_)
    assert np.array_equal(got.train_data_frequency_, ref.train_data_frequency_)
    # random_state None: one seed drawn, not one per try
    rs = np.random.RandomState(9)
    got = BernoulliRBM(random_state=rs, **kw).fit(X3)
    ref = BernoulliRBM(random_state=np.random.RandomState(9), **kw).fit(X)
    assert got.train_seed_ == ref.train_seed_ and np.array_equal(got.components_, ref.components_)
    # partial_fit, first call and later ones
    a, b = BernoulliRBM(random_state=4, **kw), BernoulliRBM(random_state=4, **kw)
    for _ in range(2):
        a.partial_fit(X3)
        b.partial_fit(X)
    assert np.array_equal(a.components_, b.components_) and a.n_epochs_ == b.n_epochs_ == 2
    assert np.array_equal(a.chains_, b.chains_)


def test_uint8_rows_are_read_without_a_widened_copy():
    X = binary(4000, 784, 8, p=0.13)
    m = BernoulliRBM(n_components=20, n_iter=1, batch_size=100, random_state=1).fit(X[:500])
    tracemalloc.start()
    m.free_energy(X)
    m.transform(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # The outputs (4000 x 20 doubles = 640 kB) and small change; a float64 copy of X would be
    # 25 MB.
    assert peak < 2_000_000, peak


# ---- the estimator contract -----------------------------------------------------------------

def test_passes_scikit_learns_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator
    check_estimator(BernoulliRBM())                  # the defaults, as scikit-learn checks its own


def test_works_in_a_pipeline_and_a_grid_search():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import Pipeline
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    pipe = Pipeline([("rbm", BernoulliRBM(n_components=64, n_iter=10, learning_rate=0.06,
                                          random_state=0)),
                     ("logistic", LogisticRegression(max_iter=2000))])
    pipe.fit(Xtr, ytr)
    assert pipe.score(Xte, yte) > 0.75        # chance: 0.1
    grid = GridSearchCV(pipe, {"rbm__n_components": [16, 32], "rbm__method": ["pcd", "cd"]},
                        cv=2)
    grid.fit(Xtr[:400], ytr[:400])
    assert grid.best_params_["rbm__n_components"] in (16, 32)
    assert np.isfinite(grid.best_score_)


def test_score_samples_needs_no_labels_in_a_grid_search():
    from sklearn.model_selection import GridSearchCV
    X = binary(200, 10, 9)
    grid = GridSearchCV(BernoulliRBM(n_iter=3, random_state=0), {"n_components": [2, 8]},
                        cv=2).fit(X)
    assert grid.best_params_["n_components"] in (2, 8)


# ---- rejections -----------------------------------------------------------------------------

def test_bad_parameters_are_refused_with_their_name():
    X = binary(30, 5, 10)
    for kw, word in ((dict(n_components=0), "n_components"), (dict(batch_size=0), "batch_size"),
                     (dict(n_iter=-1), "n_iter"), (dict(k=0), "'k'"),
                     (dict(learning_rate=0.0), "learning_rate"),
                     (dict(learning_rate=float("nan")), "learning_rate"),
                     (dict(method="sgd"), "method"), (dict(n_threads=-2), "n_threads"),
                     (dict(n_components=2.5), "n_components"),
                     (dict(random_state=-1), "random_state")):
        with pytest.raises(ValueError, match=word):
            BernoulliRBM(**kw).fit(X)


def test_bad_data_is_refused(small):
    X, m = small
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        BernoulliRBM().transform(X)
    with pytest.raises(ValueError, match="Negative values"):
        BernoulliRBM().fit(-np.ones((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        m.transform(np.full((2, 10), np.nan))
    with pytest.raises(ValueError, match="10 features"):
        m.free_energy(X[:, :4])
    with pytest.raises(ValueError):
        m.transform(X[0])                           # one row needs two dimensions
    with pytest.raises(ValueError):
        BernoulliRBM().fit(np.zeros((0, 3)))
    with pytest.raises((TypeError, ValueError)):
        m.transform(np.array([["a"] * 10]))
    other = pickle.loads(pickle.dumps(m)).set_params(n_components=3)
    with pytest.raises(ValueError, match="n_components is 3"):
        other.partial_fit(X)


def test_bad_log_partition_arguments_are_refused(small):
    X, m = small
    with pytest.raises(ValueError, match="method"):
        m.log_partition(method="brute")
    with pytest.raises(ValueError, match="base"):
        m.log_partition(method="ais", base="flat")
    with pytest.raises(ValueError, match="data="):
        m.log_partition(method="ais", base="data")
    with pytest.raises(zsum.InvalidArgumentError, match="does not increase"):
        m.log_partition(method="ais", schedule=np.array([0.0, 0.7, 0.5, 1.0]))
    with pytest.raises(zsum.InvalidArgumentError):
        m.log_partition(method="ais", schedule="linear:0")
    with pytest.raises(ValueError, match="chains"):
        m.log_partition(method="ais", chains=0)
    big = BernoulliRBM(n_components=80, n_iter=1, random_state=0).fit(binary(50, 70, 1))
    with pytest.raises(zsum.TooBigError, match="annealed importance sampling"):
        big.log_partition(method="exact", max_seconds=1e-3)
    assert big.log_partition(method="auto", max_seconds=1e-3, chains=10,
                             schedule="linear:100")["method"] == "ais"


def test_the_estimator_works_without_scikit_learn(source):
    # NumPy alone: the same numbers, with get_params / set_params of its own.
    code = """
import sys
sys.modules["sklearn"] = None
import numpy as np, zsum
X = (np.random.RandomState(0).rand(50, 6) < 0.4).astype(np.uint8)
m = zsum.BernoulliRBM(n_components=3, n_iter=2, random_state=5).fit(X)
print(m.get_params()["n_components"], m.set_params(k=2).k, repr(m.log_partition().lnZ))
try:
    zsum.BernoulliRBM().transform(X)
except ValueError as e:
    print("refused:", type(e).__name__)
try:
    zsum.BernoulliRBM().fit(-X.astype(float))
except ValueError as e:
    print(e)
"""
    env = dict(os.environ, PYTHONPATH=os.path.join(source, "python"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    X = (np.random.RandomState(0).rand(50, 6) < 0.4).astype(np.uint8)
    lnz = BernoulliRBM(n_components=3, n_iter=2, random_state=5).fit(X).log_partition().lnZ
    assert r.stdout.splitlines() == ["3 2 %r" % lnz, "refused: NotFittedError",
                                     "Negative values in data passed to BernoulliRBM.fit"]
