#!/usr/bin/env bash
# bench_python_rbm.sh BUILD_DIR [ROUNDS] — zsum.BernoulliRBM.fit (the Python package) against
# scikit-learn's BernoulliRBM.fit from the same Python process, and against the CLI's time for
# the same training (BENCHMARKS.md, "## python: BernoulliRBM"): one PCD-1 epoch, 500 hidden,
# batch 100, lr 0.05, seed 1, on the 9,000 training digits binarized at half the maximum
# (x > 127.5, as `zsum rbm train --binarize threshold`). The contenders alternate (zsum.fit,
# scikit-learn's fit, the CLI) for ROUNDS rounds (default 7), on all cores and then on one
# (zsum n_threads=1 and --threads 1, scikit-learn's BLAS limited by threadpoolctl); medians
# and ranges. The CLI's figures: its epoch_seconds (the epoch alone: fit does more, it also
# starts the model and the trainer), that plus the set-up the CLI runs before its epoch
# (zs_rbm_init_from_data and zs_rbm_trainer_alloc, the same calls timed here in the round) —
# the CLI's time for the same training — and the whole command's wall time (reading and
# binarizing the file, starting, the epoch, writing the model).
# Data: scripts/fetch-data.sh. Needs /usr/bin/python3 with NumPy and scikit-learn.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
rounds=${2:-7}
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
if ! $PY -c 'import numpy, sklearn' 2>/dev/null; then
  echo "bench_python_rbm: SKIP (needs /usr/bin/python3 with numpy and sklearn)"
  exit 0
fi
data=$(bash "$here/../scripts/fetch-data.sh" 2>/dev/null | tail -1)/mnist-digits/train.npy
[ -s "$data" ] || { echo "bench_python_rbm: SKIP (no digits: run scripts/fetch-data.sh)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# OpenBLAS's core type and L2 size as this machine reports them, not as the environment may pin
# them (they change scikit-learn's sgemm kernels): unset for this command only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH="$here/../python" \
    ZSUM_LIBRARY="$build/libzsum.so" $PY - "$data" "$build/zsum" "$work" "$rounds" <<'EOF'
import contextlib, json, os, statistics, subprocess, sys, time
import numpy as np
from sklearn.neural_network import BernoulliRBM as SkRBM
from threadpoolctl import threadpool_limits
from ctypes import byref, c_void_p
import zsum
from zsum import BernoulliRBM, _lib
from zsum._lib import lib

data, prog, work, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
raw = np.load(data)
x8 = (raw > 127.5).view(np.uint8)          # zsum: the bytes as they are, no widening
x64 = x8.astype(np.float64)                 # scikit-learn: its own dtype
kw = dict(n_components=500, learning_rate=0.05, batch_size=100, n_iter=1, random_state=1)
med = statistics.median
print("load average before: %.2f %.2f %.2f" % os.getloadavg())


def show(name, v):
    print("  %-32s %s s (median %.3f, range %.3f..%.3f)"
          % (name, " ".join("%.3f" % x for x in v), med(v), min(v), max(v)))


def setup(threads):
    """Seconds of the library set-up before the CLI's epoch: the model started from the data,
    the trainer made (its sparse copy of the rows)."""
    ctx = _lib.Context()
    lib.zs_ctx_set_threads(ctx.ptr, threads)
    m, t = c_void_p(), c_void_p()
    lib.zs_rbm_alloc(ctx.ptr, 784, 500, byref(m))
    o = _lib.struct("zs_rbm_train_opts")()
    lib.zs_rbm_train_defaults(byref(o))
    o.persistent, o.batch, o.lr, o.seed = 1, 100, 0.05, 1
    s = time.perf_counter()
    ctx.check(lib.zs_rbm_init_from_data(m, x8.ctypes.data, x8.shape[0], 0.01, 1))
    ctx.check(lib.zs_rbm_trainer_alloc(ctx.ptr, m, byref(o), x8.ctypes.data, x8.shape[0],
                                       byref(t)))
    s = time.perf_counter() - s
    lib.zs_rbm_trainer_free(t)
    lib.zs_rbm_free(m)
    return s


for threads in (zsum.get_num_threads(), 1):
    cmd = [prog, "rbm", "train", data, "--binarize", "threshold", "--hidden", "500", "--pcd",
           "1", "--epochs", "1", "--batch", "100", "--lr", "0.05", "--seed", "1", "--threads",
           str(threads), "-o", work + "/cli.npz", "--format", "json", "-q"]
    limit = threadpool_limits(1) if threads == 1 else contextlib.nullcontext()
    zs, sk, cli_epoch, cli_whole, cli_train = [], [], [], [], []
    for r in range(rounds):
        t = time.perf_counter()
        m = BernoulliRBM(method="pcd", k=1, n_threads=threads, **kw).fit(x8)
        zs.append(time.perf_counter() - t)
        su = setup(threads)
        with limit:
            t = time.perf_counter()
            SkRBM(**kw).fit(x64)
            sk.append(time.perf_counter() - t)
        t = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        cli_whole.append(time.perf_counter() - t)
        cli_epoch.append(json.loads(out)["epoch_seconds"])
        cli_train.append(cli_epoch[-1] + su)
    f = np.load(work + "/cli.npz")
    same = np.array_equal(f["W"].astype(np.float64), m.components_.T) and \
        np.array_equal(f["vbias"].astype(np.float64), m.intercept_visible_)
    print("threads %d (scikit-learn's BLAS: %s), %d rounds:"
          % (threads, "1" if threads == 1 else "its default", rounds))
    show("zsum.BernoulliRBM.fit", zs)
    show("scikit-learn BernoulliRBM.fit", sk)
    show("zsum rbm train: epoch_seconds", cli_epoch)
    show("zsum rbm train: set-up + epoch", cli_train)
    show("zsum rbm train: whole command", cli_whole)
    print("  scikit-learn / zsum.fit: ratio of medians %.2fx (target >= 5x); per round %s"
          % (med(sk) / med(zs), " ".join("%.1f" % (a / b) for a, b in zip(sk, zs))))
    print("  zsum.fit / CLI epoch alone: ratio of medians %.3f; per round %s"
          % (med(zs) / med(cli_epoch), " ".join("%.2f" % (a / b) for a, b in zip(zs, cli_epoch))))
    print("  zsum.fit / CLI set-up + epoch (the same training): ratio of medians %.3f "
          "(target <= 1.05); per round %s"
          % (med(zs) / med(cli_train), " ".join("%.2f" % (a / b) for a, b in zip(zs, cli_train))))
    print("  zsum.fit / CLI whole command: ratio of medians %.3f" % (med(zs) / med(cli_whole)))
    print("  model from Python == model file of the CLI: %s" % ("identical" if same else "DIFFER"))
print("load average after: %.2f %.2f %.2f" % os.getloadavg())
EOF
