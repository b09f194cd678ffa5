#!/usr/bin/env bash
# run.sh BUILD_DIR — runs every bench/bench_*.sh in turn (each prints its own table with the
# baseline measured in the same run). Figures are copied into BENCHMARKS.md by hand, with the
# machine and the date.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
echo "zsum benchmarks — $(date -u +%Y-%m-%d) — $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
for b in "$here"/bench_*.sh; do
  echo
  echo "== $(basename "$b" .sh)"
  bash "$b" "$build"
done
