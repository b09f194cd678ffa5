"""zsum.DBM.fit's recipe options (the learning-rate divisor and floor, the pretraining weight
decay, sparsity targets, init_model, and the presets of Salakhutdinov's public code): each
file byte for byte equal to `zsum dbm train`'s with the same options and seed, the presets
included (so that Python's table cannot drift from programs/dbm_presets.c); and every
rejection."""
import numpy as np
import pytest

import zsum
from zsum.dbm import PRESETS


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    rs = np.random.RandomState(7)
    proto = np.array([[1, 1, 1, 0, 0, 0, 1], [0, 0, 0, 1, 1, 1, 0]], np.uint8)
    X = proto[rs.randint(0, 2, 40)] ^ (rs.rand(40, 7) < 0.1).astype(np.uint8)
    path = str(tmp_path_factory.mktemp("dbmrecipe") / "x.npy")
    np.save(path, X)
    return X, path


def same_file(tmp_path, a="cli.npz", b="py.npz"):
    return (tmp_path / a).read_bytes() == (tmp_path / b).read_bytes()


RECIPE_CASES = [
    (dict(lr_divisor=1.001, lr_min=0.0005), ["--lr-divisor", 1.001, "--lr-min", 0.0005]),
    (dict(pretrain_weight_decay=0.01), ["--pretrain-weight-decay", 0.01]),
    (dict(sparsity_target=0.3, sparsity_cost=0.01),
     ["--sparsity-target", 0.3, "--sparsity-cost", 0.01]),
    (dict(sparsity_target=[0.3, 0.15], sparsity_cost=0.02, sparsity_damping=0.8),
     ["--sparsity-target", "0.3,0.15", "--sparsity-cost", 0.02, "--sparsity-damping", 0.8]),
    (dict(sparsity_target=np.array([0.25, 0.05]), sparsity_cost=0.01, lr=0.01, lr_divisor=1.01,
          lr_min=0.002, negative="mean-field"),
     ["--sparsity-target", "0.25,0.05", "--sparsity-cost", 0.01, "--lr", 0.01,
      "--lr-divisor", 1.01, "--lr-min", 0.002, "--negative", "mean-field"]),
]


@pytest.mark.parametrize("kw,args", RECIPE_CASES)
def test_recipe_options_equal_cli(cli, rows, tmp_path, kw, args):
    X, xpath = rows
    cli(["dbm", "train", xpath, "--hidden", "5,3", "--epochs", 2, "--pretrain-epochs", 2,
         "--seed", 13, "-q", "-o", tmp_path / "cli.npz"] + args)
    d = zsum.DBM.fit(X, [5, 3], 2, pretrain_epochs=2, seed=13, save=tmp_path / "py.npz", **kw)
    assert same_file(tmp_path)
    back = zsum.DBM.load(tmp_path / "cli.npz")
    for x, y in zip(d.weights + d.biases, back.weights + back.biases):
        assert np.array_equal(x, y)


def test_recipe_options_change_the_result(rows):
    """Each option reaches the library: with it the parameters differ from the defaults'."""
    X, _ = rows
    base = zsum.DBM.fit(X, [5, 3], 2, pretrain_epochs=2, seed=13)
    for kw in (dict(lr_divisor=1.01), dict(lr_divisor=1.5, lr_min=0.0009),
               dict(pretrain_weight_decay=0.1), dict(sparsity_cost=0.5),
               dict(sparsity_cost=0.5, sparsity_target=0.5),
               dict(sparsity_cost=0.5, sparsity_damping=0.1)):
        d = zsum.DBM.fit(X, [5, 3], 2, pretrain_epochs=2, seed=13, **kw)
        assert not np.array_equal(d.weights[0], base.weights[0]), kw


def test_init_model_equals_cli(cli, rows, tmp_path):
    X, xpath = rows
    start = zsum.DBM.fit(X, [5, 3], 1, pretrain_epochs=1, seed=2, save=tmp_path / "start.npz")
    cli(["dbm", "train", xpath, "--hidden", "5,3", "--epochs", 2, "--seed", 4, "-q",
         "--init-model", tmp_path / "start.npz", "-o", tmp_path / "cli.npz"])
    # From the path, and from the DBM itself: the same file as the command's.
    zsum.DBM.fit(X, [5, 3], 2, seed=4, init_model=tmp_path / "start.npz",
                 save=tmp_path / "py.npz")
    assert same_file(tmp_path)
    zsum.DBM.fit(X, [5, 3], 2, seed=4, init_model=start, save=tmp_path / "py2.npz")
    assert same_file(tmp_path, "cli.npz", "py2.npz")
    with pytest.raises(ValueError, match="init_model: layers 7-5-3, but the data and hidden "
                                         "make 7-4-3"):
        zsum.DBM.fit(X, [4, 3], 1, init_model=start)
    with pytest.raises(ValueError, match="init_model .* excludes pretrain_epochs"):
        zsum.DBM.fit(X, [5, 3], 1, init_model=start, pretrain_epochs=2)
    with pytest.raises(ValueError, match="init_model .* excludes resume"):
        zsum.DBM.fit(X, [5, 3], 1, init_model=start, resume=tmp_path / "start.npz")
    with pytest.raises(zsum.ZsumIOError):
        zsum.DBM.fit(X, [5, 3], 1, init_model=tmp_path / "missing.npz")


def test_preset_from_scratch_equals_cli(cli, rows, tmp_path):
    """One joint epoch after the preset's pretraining (100 epochs a layer, its learning rate
    and weight decay), every other value the preset's: the command's file byte for byte."""
    X, xpath = rows
    cli(["dbm", "train", xpath, "--hidden", "5,3", "--epochs", 1, "--preset", "salakhutdinov",
         "--seed", 3, "-q", "-o", tmp_path / "cli.npz"])
    zsum.DBM.fit(X, [5, 3], 1, preset="salakhutdinov", seed=3, save=tmp_path / "py.npz")
    assert same_file(tmp_path)


@pytest.fixture(scope="module")
def grey(tmp_path_factory):
    rs = np.random.RandomState(8)
    X = rs.randint(0, 256, (40, 7)).astype(np.uint8)
    X[rs.rand(40, 7) < 0.3] = 0
    X[0, 0] = 255  # the maximum: the float copy X / 255 has the same grey levels
    path = str(tmp_path_factory.mktemp("dbmgrey") / "g.npy")
    np.save(path, X)
    return X, path


def test_resample_and_cd_schedule_equal_cli(cli, grey, tmp_path):
    """binarize="resample" and pretrain_cd_epochs: the command's file byte for byte; grey
    levels given as floats in [0, 1] are the same grey levels; the preset resamples grey data
    given without binarize, as the command does."""
    X, xpath = grey
    cli(["dbm", "train", xpath, "--hidden", "5,3", "--epochs", 2, "--pretrain-epochs", "2,4",
         "--binarize", "resample", "--pretrain-cd-epochs", 2, "--seed", 5, "-q",
         "-o", tmp_path / "cli.npz"])
    zsum.DBM.fit(X, [5, 3], 2, pretrain_epochs=(2, 4), binarize="resample",
                 pretrain_cd_epochs=2, seed=5, save=tmp_path / "py.npz")
    assert same_file(tmp_path)
    zsum.DBM.fit(X / 255.0, [5, 3], 2, pretrain_epochs=(2, 4), binarize="resample",
                 pretrain_cd_epochs=2, seed=5, save=tmp_path / "py2.npz")
    assert same_file(tmp_path, "cli.npz", "py2.npz")
    zsum.DBM.fit(X, [5, 3], 2, pretrain_epochs=(2, 4), binarize="resample", seed=5,
                 save=tmp_path / "cd1.npz")
    assert not same_file(tmp_path, "cli.npz", "cd1.npz")
    cli(["dbm", "train", xpath, "--hidden", "5,3", "--epochs", 1, "--preset", "salakhutdinov",
         "--pretrain-epochs", "1,21", "--seed", 3, "-q", "-o", tmp_path / "clip.npz"])
    zsum.DBM.fit(X, [5, 3], 1, preset="salakhutdinov", pretrain_epochs=(1, 21), seed=3,
                 save=tmp_path / "pyp.npz")
    assert same_file(tmp_path, "clip.npz", "pyp.npz")
    with pytest.raises(ValueError, match="binarize: 'stochastic' is not None or 'resample'"):
        zsum.DBM.fit(X, [5, 3], 1, binarize="stochastic")
    with pytest.raises(ValueError, match="grey levels must be finite and >= 0"):
        zsum.DBM.fit(-np.ones((4, 7)), [5, 3], 1, binarize="resample")
    with pytest.raises(ValueError, match="every value is 0"):
        zsum.DBM.fit(np.zeros((4, 7)), [5, 3], 1, binarize="resample")


def epoch_file(src, dst, epoch):
    """A copy of a training state file that says `epoch` epochs are done."""
    z = np.load(src)
    arrays = {k: z[k] for k in z.files}
    arrays["train_epoch"] = np.array([float(epoch)])
    np.savez(dst, **arrays)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_epochs_and_options_equal_cli(cli, rows, tmp_path, preset):
    """Every option of the preset, its joint epochs included: a state file written with the
    preset's options (the file records them, and resuming refuses others) is set to one epoch
    before the preset's last; resumed with the preset and no epochs, Python and the command
    run that last epoch and write the same file."""
    X, xpath = rows
    zsum.DBM.fit(X, [5, 3], 1, preset=preset, init_model=zsum.DBM.fit(X, [5, 3], 1, seed=1),
                 seed=3, save=tmp_path / "one.npz")
    last = PRESETS[preset]["epochs"]
    epoch_file(tmp_path / "one.npz", tmp_path / "late.npz", last - 1)
    cli(["dbm", "train", xpath, "--hidden", "5,3", "--preset", preset, "--seed", 3, "-q",
         "--resume", tmp_path / "late.npz", "-o", tmp_path / "cli.npz"])
    d = zsum.DBM.fit(X, [5, 3], preset=preset, seed=3, resume=tmp_path / "late.npz",
                     save=tmp_path / "py.npz")
    assert d.mf_bounds_.shape == (1,)
    assert same_file(tmp_path)
    assert float(np.load(tmp_path / "py.npz")["train_epoch"][0]) == last
    # Options given override the preset's; here the file's recorded options then differ.
    with pytest.raises(zsum.FormatError):
        zsum.DBM.fit(X, [5, 3], preset=preset, lr=0.002, seed=3, resume=tmp_path / "late.npz")


def test_preset_table():
    """The documented values (docs/dbm.md), one table for both presets."""
    s, p = PRESETS["salakhutdinov"], PRESETS["salakhutdinov-paper"]
    assert (s["epochs"], p["epochs"]) == (300, 500)
    assert {k: v for k, v in s.items() if k != "epochs"} == \
        {k: v for k, v in p.items() if k != "epochs"}
    assert s["sparsity_target"] == (0.2, 0.1) and s["lr_divisor"] == 1.000015


def test_recipe_rejections(rows):
    X, _ = rows
    with pytest.raises(ValueError, match="preset: 'hinton' is not a known preset "
                                         "\\(salakhutdinov, salakhutdinov-paper\\)"):
        zsum.DBM.fit(X, [5, 3], 1, preset="hinton")
    with pytest.raises(ValueError, match="not a known preset"):
        zsum.DBM.fit(X, [5, 3], 1, preset=3)
    with pytest.raises(TypeError, match="epochs is required \\(or preset=\\)"):
        zsum.DBM.fit(X, [5, 3])
    with pytest.raises(ValueError, match="epochs"):
        zsum.DBM.fit(X, [5, 3], -1)
    # The preset's two sparsity targets for three hidden layers, as the command refuses them.
    with pytest.raises(ValueError, match="2 values \\(the preset's\\) for 3 hidden layers"):
        zsum.DBM.fit(X, [5, 3, 2], 1, preset="salakhutdinov")
    with pytest.raises(ValueError, match="sparsity_target: 3 values for 2 hidden layers"):
        zsum.DBM.fit(X, [5, 3], 1, sparsity_target=[0.1, 0.2, 0.3])
    for bad in (0.0, 1.0, -0.1, [0.2, 1.5], []):
        with pytest.raises(ValueError, match="sparsity_target"):
            zsum.DBM.fit(X, [5, 3], 1, sparsity_target=bad)
    with pytest.raises(ValueError, match="sparsity_target"):
        zsum.DBM.fit(X, [5, 3], 1, sparsity_target=float("nan"))
    with pytest.raises(TypeError, match="sparsity_target"):
        zsum.DBM.fit(X, [5, 3], 1, sparsity_target="0.1")
    with pytest.raises(ValueError, match="lr_divisor: 0.5 must be >= 1"):
        zsum.DBM.fit(X, [5, 3], 1, lr_divisor=0.5)
    with pytest.raises(ValueError, match="lr_divisor"):
        zsum.DBM.fit(X, [5, 3], 1, lr_divisor=float("nan"))
    with pytest.raises(ValueError, match="lr_min: -1.0 must be >= 0"):
        zsum.DBM.fit(X, [5, 3], 1, lr_min=-1.0)
    with pytest.raises(ValueError, match="sparsity_cost: -0.5 must be >= 0"):
        zsum.DBM.fit(X, [5, 3], 1, sparsity_cost=-0.5)
    with pytest.raises(ValueError, match="sparsity_damping: 1.0 must be in \\[0, 1\\)"):
        zsum.DBM.fit(X, [5, 3], 1, sparsity_damping=1.0)
    with pytest.raises(ValueError, match="pretrain_weight_decay: -1.0 must be >= 0"):
        zsum.DBM.fit(X, [5, 3], 1, pretrain_weight_decay=-1.0)
    with pytest.raises(ValueError, match="pretrain_weight_decay"):
        zsum.DBM.fit(X, [5, 3], 1, pretrain_weight_decay=float("inf"))
    with pytest.raises(TypeError, match="lr_min"):
        zsum.DBM.fit(X, [5, 3], 1, lr_min="small")
