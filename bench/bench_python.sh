#!/usr/bin/env bash
# bench_python.sh BUILD — the Python package: the cost of a small call (ln Z of the chapter's
# system through zsum.Levels.lnz) against bare ctypes and an empty foreign call, median and
# spread of repeated timings (bench/python_overhead.py), with the library of BUILD; and the
# same ln Z from the command line, process start included, for scale.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
  echo "SKIP: /usr/bin/python3 has no NumPy (Debian: python3-numpy)"
  exit 0
fi
ZSUM_LIBRARY=$(cd "$build" && pwd)/libzsum.so PYTHONDONTWRITEBYTECODE=1 \
  /usr/bin/python3 "$here/python_overhead.py" "${ZSUM_BENCH_REPEATS:-31}" 20000
t0=$(date +%s.%N)
for ((i = 0; i < 100; i++)); do "$build/zsum" levels -n 10 -e 0,1,2 --format json > /dev/null; done
t1=$(date +%s.%N)
echo "zsum levels -n 10 -e 0,1,2 --format json (process included): $(echo "($t1 - $t0) * 10000" | bc -l | xargs printf '%.0f') us per run (100 runs)"
