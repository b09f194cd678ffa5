#!/usr/bin/env bash
# bench_levels.sh BUILD — issue 2: brute-force enumeration, N = 20, K = 3 (3.5e9 microstates),
# against a straightforward nested loop (on N = 16 to keep the run short: the figure compared is
# microstates per second) and the vector-exp floor.
set -euo pipefail
"$1/bench/levels_bench" 20 16
