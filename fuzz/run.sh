#!/usr/bin/env bash
# run.sh BUILD SECONDS [TARGET...] — runs each libFuzzer target of BUILD (default: all) for
# SECONDS, starting from its seeds (fuzz/corpus/NAME; for uai, evid and fg the reference
# instances of ../shared/data, linked by shared_seeds.sh) and regression inputs, with the
# dictionary of its format, under the limits of the robustness goal: 1 s per input, 2 GiB
# of memory. New inputs go to BUILD/corpus/NAME (the committed seeds are not touched);
# crashes, leaks, timeouts and out-of-memory inputs to BUILD/artifacts/NAME. The last lines
# of each log (libFuzzer's final stats: execs, cov, ft) go to BUILD/logs/NAME.log.
# Every target runs in fork mode (-fork=1): a crash, timeout or out-of-memory input is saved as
# an artifact and the run goes on, so one known finding does not end a campaign; the run
# fails when any artifact was written. Fork mode's progress lines ("#N: cov: C ft: F ...
# oom/timeout/crash: O/T/K") give the figures. FUZZ_RUNS=N (environment) also ends a target
# after N executions, whichever comes first (a campaign's 10^7). FUZZ_MAX_LEN=N (default
# 65536) caps an input's length; FUZZ_JOBS=N (default 1) runs N jobs at once.
set -uo pipefail
BUILD=$(realpath "$1") SECONDS_EACH=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(npy npz uai fg evid idx idx_gz patterns rbm_load bm_load hopfield_load cli)
declare -A DICT=([uai]=uai [fg]=fg [evid]=uai [patterns]=patterns [cli]=cli [npy]=npy [npz]=npy
                 [rbm_load]=npy [bm_load]=npy [hopfield_load]=npy [idx]=idx [idx_gz]=idx)
status=0
for t in "${TARGETS[@]}"; do
  exe=$BUILD/fuzz/fuzz_$t
  [ -x "$exe" ] || { echo "run.sh: $exe not built" >&2; exit 2; }
  mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t" "$BUILD/logs"
  opts=(-max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=1
        -max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t/"
        -dict="$HERE/dict/${DICT[$t]}.dict")
  opts+=(-fork="${FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  [ -n "${FUZZ_RUNS:-}" ] && opts+=(-runs="$FUZZ_RUNS")
  [ "$t" = cli ] && opts+=(-close_fd_mask=3)
  dirs=("$BUILD/corpus/$t")
  [ -d "$HERE/corpus/$t" ] && dirs+=("$HERE/corpus/$t")
  case $t in uai|evid|fg)   # seeds from ../shared/data; without it, from nothing but the dictionary
    bash "$HERE/shared_seeds.sh" "$t" "$BUILD/seeds/$t" && dirs+=("$BUILD/seeds/$t") ;;
  esac
  [ -d "$HERE/regression/$t" ] && dirs+=("$HERE/regression/$t")
  echo "== fuzz_$t: ${SECONDS_EACH}s"
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$exe" "${opts[@]}" "${dirs[@]}" > "$BUILD/logs/$t.log" 2>&1
  rc=$?
  grep -E '^#[0-9]+: cov' "$BUILD/logs/$t.log" | tail -1
  grep -E '^INFO: fuzzed for|^==[0-9]+==ERROR|^SUMMARY' "$BUILD/logs/$t.log" | sort | uniq -c | head -20
  found=$(find "$BUILD/artifacts/$t" -type f | wc -l)
  if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then
    echo "== fuzz_$t: FAILED (exit $rc, $found inputs in $BUILD/artifacts/$t)" >&2
    status=1
  fi
done
exit $status
