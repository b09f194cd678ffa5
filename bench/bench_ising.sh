#!/usr/bin/env bash
# bench_ising.sh BUILD_DIR — issue 3's figures with their baselines from the same run:
# dense Boltzmann machine enumeration (N = 30 against a one-exp-per-state Gray loop measured
# at N = 26, states/s being size-independent, and the vector exp throughput), the transfer
# matrix on a 20x20 open random lattice, Kaufman on 1024x1024, Metropolis on 256x256.
set -euo pipefail
build=${1:-build}
cmake --build "$build" --target ising_bench -j 2 > /dev/null
"$build/bench/ising_bench" "${ZSUM_BENCH_N:-30}" "${ZSUM_BENCH_BASELINE_N:-26}"
