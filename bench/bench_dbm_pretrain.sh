#!/usr/bin/env bash
# bench_dbm_pretrain.sh [BUILD_DIR] [RUNS] [OTHER_ZSUM] — greedy pretraining of a 784-500-1000 DBM
# on the digits (docs/dbm.md "How an update computes", BENCHMARKS.md "## dbm train: greedy
# pretraining"): one epoch of the 784-500 RBM and one of the 500-1000 RBM on the 9,000
# training digits of scripts/fetch-data.sh (pixels > 127.5), batch 100, one thread.
#
# Measured: CPU time (user + system) of `zsum dbm train --pretrain-epochs 1,1 --epochs 1
# --monitor none` less that of the same run with --pretrain-epochs 0 (the fixed part: reading
# the data, the one joint epoch, the checkpoint), alternating, RUNS runs of each (default 3): the
# two pretraining epochs with the drawing of the second RBM's rows and their two checkpoints.
# With OTHER_ZSUM (another build's binary, e.g. an older version), its runs alternate with
# BUILD_DIR's. Prints each run, then medians and ranges, and the load average.
set -euo pipefail
build=${1:-build}
runs=${2:-3}
other=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
  echo "bench_dbm_pretrain: SKIP (needs /usr/bin/python3 with numpy)"
  exit 0
fi
[ -x "$build/zsum" ] || { echo "bench_dbm_pretrain: no $build/zsum (build first)"; exit 1; }
train=$(bash "$here/../scripts/fetch-data.sh" 2>/dev/null | tail -1)/mnist-digits/train.npy
[ -s "$train" ] || { echo "bench_dbm_pretrain: SKIP (no digits: run scripts/fetch-data.sh)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$PY -c "import numpy as np; np.save('$work/bin.npy', (np.load('$train') > 127.5).astype(np.uint8))"

# cpu ZSUM PRETRAIN: one run, its user + system CPU seconds (GNU time)
cpu() {
  /usr/bin/time -f "%U %S" -o "$work/time" "$1" dbm train "$work/bin.npy" --hidden 500,1000 \
      --pretrain-epochs "$2" --epochs 1 --monitor none --batch 100 --seed 1 --threads 1 -q \
      -o "$work/z.npz" > "$work/out" 2> "$work/err" || { cat "$work/err"; exit 1; }
  awk '{printf "%.2f\n", $1 + $2}' "$work/time"
}
median() { tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {printf "%.2f (%.2f-%.2f)", a[int((NR+1)/2)], a[1], a[NR]}'; }

echo "-- pretraining 784-500 and 500-1000, one epoch each, 9,000 digits; CPU seconds, one thread"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
bins=("$build/zsum")
[ -n "$other" ] && bins+=("$other")
declare -A res
for k in $(seq 1 "$runs"); do
  for b in "${bins[@]}"; do
    t1=$(cpu "$b" 1,1)
    t0=$(cpu "$b" 0)
    d=$(awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.2f", a - b}')
    echo "run $k $b: with pretraining $t1, without $t0, pretraining $d"
    res[$b]="${res[$b]:-} $d"
  done
done
for b in "${bins[@]}"; do
  echo "$b: pretraining (2 epochs) median (range) $(echo ${res[$b]} | median) s"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
