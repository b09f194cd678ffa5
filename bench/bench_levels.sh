#!/usr/bin/env bash
# bench_levels.sh BUILD [REPS] — issue 2: brute-force enumeration, N = 20, K = 3 (3.5e9
# microstates).
# 1. The library kernel (zs_levels_lnz_enumerate) against a straightforward nested loop (on
#    N = 16 to keep the run short: the figure compared is microstates per second) and the
#    vector-exp throughput, once.
# 2. The command users run, `zsum levels -n 20 -e 0,1,2 --method enumerate` (ln Z, U, S, C and
#    the occupations), timed from the shell beside the kernel, the two alternating, REPS times
#    each (default 5), on 2 threads and on 1: median and spread (min – max) of microstates per
#    second of wall time, and per CPU second (states / (user + sys)): on a machine shared with
#    other work the second is what the threads reached while they ran.
set -euo pipefail
build=$1
reps=${2:-5}
states=3486784401
"$build/bench/levels_bench" 20 16
echo "load average before the repeats: $(cut -d' ' -f1-3 /proc/loadavg)"
# summary NAME RATE... — median and spread of the rates, in microstates/s
summary() {
  local name=$1; shift
  printf '%s\n' "$@" | sort -g | awk -v name="$name" '{ r[NR] = $1 }
    END { m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
          printf "%-36s median %.3g /s   spread %.3g – %.3g /s   (%d runs)\n", name, m, r[1], r[NR], NR }'
}
for threads in 2 1; do
  cmd=() cmdcpu=() kern=() kerncpu=()
  for ((r = 0; r < reps; r++)); do
    t=$(/usr/bin/time -f '%e %U %S' "$build/zsum" levels -n 20 -e 0,1,2 --method enumerate -q \
          --threads "$threads" 2>&1 >/dev/null | tail -1)
    cmd+=("$(echo "$t" | awk -v s="$states" '{ printf "%.6g", s / $1 }')")
    cmdcpu+=("$(echo "$t" | awk -v s="$states" '{ printf "%.6g", s / ($2 + $3) }')")
    k=$(OMP_NUM_THREADS=$threads "$build/bench/levels_bench" 20 0)
    kern+=("$(echo "$k" | sed -n 's/.* = \([0-9.e+]*\) microstates\/s.*/\1/p')")
    kerncpu+=("$(echo "$k" | sed -n 's/.* = \([0-9.e+]*\) \/CPU s.*/\1/p')")
  done
  summary "command, $threads thread(s), wall" "${cmd[@]}"
  summary "kernel,  $threads thread(s), wall" "${kern[@]}"
  summary "command, $threads thread(s), CPU" "${cmdcpu[@]}"
  summary "kernel,  $threads thread(s), CPU" "${kerncpu[@]}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
