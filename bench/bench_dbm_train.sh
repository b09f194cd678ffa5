#!/usr/bin/env bash
# bench_dbm_train.sh [BUILD_DIR] [RUNS] [ROWS] — one joint-training epoch of a 784-500-1000 DBM on the
# digits (docs/dbm.md "Training", BENCHMARKS.md ## dbm train): `zsum dbm train` against
# bench/dbm_train_numpy.py, a straightforward float32 NumPy implementation of the same recipe.
#
# Both start from the same model (W ~ N(0, 0.05^2), b0 = -1, b1 = b2 = -0.5, written here by
# NumPy with seed 12; `zsum dbm train --init-model`, no pretraining), on the same binarized rows
# (the first ROWS of the 9,000 training digits of scripts/fetch-data.sh, default all; pixels >
# 127.5), with the same work: one epoch of ceil(ROWS / 100) updates (90 for all the rows), each with 10 mean-field sweeps of the batch's 100 rows
# (--mf-tolerance 0: every row runs all 10), 100 persistent chains advanced 5 block-Gibbs
# sweeps, and the momentum update with weight decay. The script checks the work from the
# checkpoint's train_options and train_epoch and from the NumPy run's own count.
#
# Measured: CPU time (user + system), both on one thread (zsum --threads 1; NumPy with
# OPENBLAS_NUM_THREADS=1, and OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for its command
# only), RUNS runs of each (default 3), alternating. zsum's figure is its whole process: reading
# the data and the model, the epoch, the per-epoch monitor (the default --monitor auto: here
# the mean-field bound of ln Z, the Bethe value being left out past 131,072 couplings) and the
# checkpoint; NumPy's is its epoch alone (os.times around the loop), and its
# process too. zsum's update alone is (T(ROWS) - T(100)) / (updates - 1), from a run on the first
# 100 rows (one update) alternating with the others: the fixed part (reading, the monitor, the
# checkpoint) cancels. The floor: bench/bench_dbm_floor.c (built here) times exactly the
# single-precision products of one update on one BLAS thread, nothing else; each update's
# figure is also given as a multiple of it. Prints each run, then medians and ranges, and the
# load average.
set -euo pipefail
build=${1:-build}
runs=${2:-3}
nrows=${3:-0}
here=$(cd "$(dirname "$0")" && pwd)
Z="$build/zsum"
PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
  echo "bench_dbm_train: SKIP (needs /usr/bin/python3 with numpy)"
  exit 0
fi
[ -x "$Z" ] || { echo "bench_dbm_train: no $Z (build first)"; exit 1; }
train=$(bash "$here/../scripts/fetch-data.sh" 2>/dev/null | tail -1)/mnist-digits/train.npy
[ -s "$train" ] || { echo "bench_dbm_train: SKIP (no digits: run scripts/fetch-data.sh)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$PY - "$train" "$work" "$nrows" <<'EOF'
import sys, numpy as np
x = np.load(sys.argv[1])
if int(sys.argv[3]) > 0: x = x[:int(sys.argv[3])]
np.save(sys.argv[2] + '/bin.npy', (x > 127.5).astype(np.uint8))
r = np.random.default_rng(12)
np.savez(sys.argv[2] + '/init.npz', W1=r.normal(0, 0.05, (784, 500)), W2=r.normal(0, 0.05, (500, 1000)),
         b0=np.full(784, -1.0), b1=np.full(500, -0.5), b2=np.full(1000, -0.5))
EOF
rows=$($PY -c "import numpy as np; print(np.load('$work/bin.npy').shape[0])")
$PY -c "import numpy as np; np.save('$work/bin100.npy', np.load('$work/bin.npy')[:100])"
updates=$(( (rows + 99) / 100 ))
cc -O2 -o "$work/floor" "$here/bench_dbm_floor.c" $(pkg-config --cflags --libs openblas) || { echo "bench_dbm_train: cannot build the floor"; exit 1; }

# cpu CMD...: runs CMD, prints its user + system CPU seconds (GNU time), output in $work/out
cpu() {
  /usr/bin/time -f "%U %S" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || { cat "$work/err"; exit 1; }
  awk '{printf "%.2f\n", $1 + $2}' "$work/time"
}
zs_run() { # [DATA]
  cpu "$Z" dbm train "${1:-$work/bin.npy}" --hidden 500,1000 --epochs 1 --init-model "$work/init.npz" \
      --batch 100 --chains 100 --gibbs-steps 5 --mf-iterations 10 --mf-tolerance 0 --lr 0.001 \
      --seed 1 --threads 1 --max-seconds 0.001 -q -o "$work/z.npz"
}
np_run() {
  (unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; OPENBLAS_NUM_THREADS=1 cpu $PY "$here/dbm_train_numpy.py" \
      "$work/bin.npy" "$work/init.npz" 1 --batch 100 --chains 100 --gibbs-steps 5 --mf-iterations 10 \
      --lr 0.001 --seed 1)
}

echo "-- one joint epoch of 784-500-1000 on $rows digits; CPU seconds (user + system), one thread"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
zs=() nps=() npe=() z1s=() fls=()
for k in $(seq 1 "$runs"); do
  z=$(zs_run)
  cp "$work/z.npz" "$work/z_all.npz"
  n=$(np_run)
  ne=$(awk '{print $4}' "$work/out")
  [ "$k" -eq 1 ] && cp "$work/out" "$work/np_line"
  z1=$(zs_run "$work/bin100.npy")
  OPENBLAS_NUM_THREADS=1 "$work/floor" 784 500 1000 100 100 10 5 10 > "$work/floor_out"
  fl=$(awk 'NR == 1 {print $4}' "$work/floor_out")
  echo "run $k: zsum $z s (100 rows: $z1 s)   numpy $n s (its epoch $ne s)   floor $fl s/update   load $(cut -d' ' -f1 /proc/loadavg)"
  zs+=("$z") nps+=("$n") npe+=("$ne") z1s+=("$z1") fls+=("$fl")
done
head -1 "$work/floor_out" | awk '{print "floor: " $6 " GFLOP per update (zsum'"'"'s products), " $8 " GFLOP/s in the last run"}'

# the same work: zsum's checkpoint says one epoch with these options; NumPy counts its own
$PY - "$work/z_all.npz" "$work/np_line" "$rows" <<'EOF'
import sys, numpy as np
z = np.load(sys.argv[1])
o = z['train_options']
rows = int(sys.argv[3])
updates = -(-rows // int(o[0]))
want = dict(batch=100, chains=100, gibbs_steps=5, mf_iterations=10, mf_tolerance=0.0)
got = dict(batch=o[0], chains=o[5], gibbs_steps=o[6], mf_iterations=o[7], mf_tolerance=o[8])
assert all(got[k] == want[k] for k in want), got
assert z['train_epoch'][0] == 1 and z['train_chains'].shape[0] == 100
f = open(sys.argv[2]).read().split()
np_work = dict(zip(f[0::2], f[1::2]))
assert int(np_work['updates']) == updates and int(np_work['mf_iterations']) == 10
assert int(np_work['chains']) == 100 and int(np_work['gibbs_steps']) == 5
print("same work: %d updates of 100 rows, 10 mean-field sweeps each, 100 chains x 5 Gibbs sweeps (both)" % updates)
EOF

$PY - "${zs[*]}" "${nps[*]}" "${npe[*]}" "${z1s[*]}" "${fls[*]}" "$updates" <<'EOF'
import sys, statistics as st
z, n, e, z1, fl = ([float(x) for x in a.split()] for a in sys.argv[1:6])
u = int(sys.argv[6])
def s(v, f="%.2f"): return (f + " (" + f + "-" + f + ")") % (st.median(v), min(v), max(v))
print("zsum dbm train, whole process: median (range) %s s; on 100 rows %s s" % (s(z), s(z1)))
print("numpy, whole process:          median (range) %s s; its epoch alone %s s" % (s(n), s(e)))
print("numpy / zsum (medians): %.3g (processes), %.3g (numpy's epoch alone)"
      % (st.median(n) / st.median(z), st.median(e) / st.median(z)))
if u > 1:
    zu = [(a - b) / (u - 1) for a, b in zip(z, z1)]
    nu = [a / u for a in e]
    print("per update: zsum %s s, numpy %s s, floor %s s; numpy / zsum %.3g"
          % (s(zu, "%.4f"), s(nu, "%.4f"), s(fl, "%.4f"), st.median(nu) / st.median(zu)))
    print("per update over the floor (medians): zsum %.2f, numpy %.2f"
          % (st.median(zu) / st.median(fl), st.median(nu) / st.median(fl)))
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
