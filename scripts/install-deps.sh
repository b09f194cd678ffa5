#!/usr/bin/env bash
# install-deps.sh — installs the Debian packages zsum needs that are missing, and says which.
# Run as root (as CI and `make run` on a fresh Debian machine do); as another user it only
# lists what is missing and fails.
set -euo pipefail

# Build: compiler, CMake, pkg-config. Libraries: GMP (exact counts), OpenBLAS (CBLAS), SLEEF
# (vector exp/log), libzip + zlib (.npz), libpng (images), OpenMP (libgomp comes with gcc),
# Open MPI (zsum-mpi and its tests: openmpi-bin, libopenmpi-dev).
# Tools: gnuplot (plots), python3 + NumPy + pytest + scikit-learn (tests that read our
# .npz/.npy back, the Python package's suite and its pages' examples, one of which is a
# scikit-learn pipeline), toulbar2 and hyperfine (peers and timing in benchmarks only:
# ZSUM_BENCH_DEPS=1). Static checks (make check):
# cppcheck and clang-tidy. Fuzzing (make fuzz only: ZSUM_FUZZ_DEPS=1): clang, its libFuzzer
# and sanitizer runtimes (libclang-rt-dev) and its OpenMP (libomp-dev).
packages=(gcc make cmake pkg-config libgmp-dev libopenblas-dev libsleef-dev libzip-dev
          zlib1g-dev libpng-dev gnuplot-nox python3 python3-numpy python3-pytest python3-sklearn
          cppcheck clang-tidy
          openmpi-bin libopenmpi-dev)
if [ "${ZSUM_FUZZ_DEPS:-0}" = 1 ]; then
  packages+=(clang libclang-rt-dev libomp-dev)
fi
if [ "${ZSUM_BENCH_DEPS:-0}" = 1 ]; then
  packages+=(toulbar2 hyperfine)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "zsum needs these Debian packages: ${missing[*]}" >&2
  echo "install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
