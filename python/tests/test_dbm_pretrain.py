"""zsum.DBM.fit's pretrain_epochs: one count for every RBM or one per RBM (a sequence), each
file byte for byte the command's `--pretrain-epochs E1,E2`; the rejections, as the command's;
and resume= of a checkpoint the command wrote inside pretraining (stopped by SIGINT), which
continues the pretraining and ends byte for byte where the uninterrupted command ends."""
import os
import signal
import subprocess
import time

import numpy as np
import pytest

import zsum
from conftest import zsum_program


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    rs = np.random.RandomState(11)
    proto = (rs.rand(4, 48) < 0.4).astype(np.uint8)
    X = proto[rs.randint(0, 4, 1200)] ^ (rs.rand(1200, 48) < 0.15).astype(np.uint8)
    path = str(tmp_path_factory.mktemp("dbmpre") / "x.npy")
    np.save(path, X)
    return X, path


COMMON = ["--batch", 40, "--chains", 10, "--seed", 3, "--monitor", "none", "-q"]


@pytest.mark.parametrize("counts,arg", [((3, 5), "3,5"), ([0, 2], "0,2"), (4, "4"),
                                        (np.array([2, 1]), "2,1")])
def test_counts_equal_cli(cli, rows, tmp_path, counts, arg):
    X, xpath = rows
    cli(["dbm", "train", xpath, "--hidden", "8,4", "--epochs", 1, "--pretrain-epochs", arg]
        + COMMON + ["-o", tmp_path / "cli.npz"])
    zsum.DBM.fit(X[:, :], [8, 4], 1, pretrain_epochs=counts, batch=40, chains=10, seed=3,
                 save=tmp_path / "py.npz")
    assert (tmp_path / "cli.npz").read_bytes() == (tmp_path / "py.npz").read_bytes()


def test_one_count_is_that_count_for_each(rows):
    X, _ = rows
    a = zsum.DBM.fit(X, [8, 4], 1, pretrain_epochs=3, batch=40, chains=10, seed=3)
    b = zsum.DBM.fit(X, [8, 4], 1, pretrain_epochs=(3, 3), batch=40, chains=10, seed=3)
    c = zsum.DBM.fit(X, [8, 4], 1, pretrain_epochs=(3, 4), batch=40, chains=10, seed=3)
    assert np.array_equal(a.weights[1], b.weights[1])
    assert not np.array_equal(a.weights[1], c.weights[1])


def test_count_rejections(rows):
    X, _ = rows
    with pytest.raises(ValueError, match="pretrain_epochs: 3 counts for 2 hidden layers "
                                         "\\(give one for all, or one each\\)"):
        zsum.DBM.fit(X, [8, 4], 1, pretrain_epochs=[1, 2, 3])
    with pytest.raises(ValueError, match="pretrain_epochs: 2 counts \\(the preset's\\) for 3"):
        zsum.DBM.fit(X, [8, 4, 2], 1, preset="salakhutdinov", sparsity_target=0.1)
    with pytest.raises(ValueError, match="pretrain_epochs"):
        zsum.DBM.fit(X, [8, 4], 1, pretrain_epochs=[])
    for bad in (-1, [2, -1], 2000000):
        with pytest.raises(ValueError, match="pretrain_epochs"):
            zsum.DBM.fit(X, [8, 4], 1, pretrain_epochs=bad)
    for bad in (2.5, "3", [1, None]):
        with pytest.raises(TypeError, match="pretrain_epochs"):
            zsum.DBM.fit(X, [8, 4], 1, pretrain_epochs=bad)


def test_resume_from_inside_pretraining_equals_cli(cli, rows, tmp_path):
    X, xpath = rows
    args = ["dbm", "train", xpath, "--hidden", "64,32", "--epochs", 2, "--pretrain-epochs",
            "10,12", "--batch", 20, "--chains", 20, "--seed", 5, "--monitor", "none", "-q"]
    ck = tmp_path / "ck.npz"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.Popen([zsum_program()] + [str(a) for a in args] + ["-o", str(ck)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(6000):
        if ck.exists():
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate()
    assert p.returncode == 130 and "stopped after pretraining epoch" in err, err
    with pytest.raises(zsum.FormatError, match="inside greedy pretraining, not a trained model"):
        zsum.DBM.load(ck)
    zsum.DBM.fit(X, [64, 32], 2, pretrain_epochs=(10, 12), batch=20, chains=20, seed=5,
                 resume=ck, save=tmp_path / "py.npz")
    cli(args + ["-o", tmp_path / "cli.npz", "--threads", 2])
    assert (tmp_path / "cli.npz").read_bytes() == (tmp_path / "py.npz").read_bytes()
    # other options than the checkpoint's are refused
    with pytest.raises(zsum.FormatError, match="the pretraining ran with lr = 0.05"):
        zsum.DBM.fit(X, [64, 32], 2, pretrain_epochs=(10, 12), pretrain_lr=0.1, batch=20,
                     chains=20, seed=5, resume=ck)
