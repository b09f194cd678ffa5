#!/usr/bin/env bash
# bench_hopfield.sh BUILD_DIR — Hopfield recall sweeps/s (N = 1000..4000, P = 0.1 N, heat bath
# at T = 0.5 and T = 2, deterministic descent at T = 0) and the capacity sweep time, each
# against a textbook loop (fields recomputed per update, one thread) measured in the same run.
set -euo pipefail
build=${1:-build}
cmake --build "$build" --target hopfield_bench -j 2 > /dev/null
bin="$build/bench/hopfield_bench"
echo "threads: ${OMP_NUM_THREADS:-$(nproc)} (OMP_NUM_THREADS); floor for recall: one row of J (2N bytes as int16) streamed per flip, at memory bandwidth"
for n in 1000 2000 4000; do
  for t in 0 0.5 2; do
    "$bin" recall "$n" "$t"
  done
done
"$bin" capacity 500 2
