#!/usr/bin/env bash
# bench_uai_spread.sh BUILD_DIR — the spread of zsum uai's time on the 20x20 grids of the UAI
# 2014 PR set (Grids_15..18: induced width 20, 16 MiB of tables), not one lucky figure: each
# instance is run SPREAD_REPEATS times with each kernel set (AVX-512 where the CPU has it,
# ZSUM_SIMD=avx2, ZSUM_NO_SIMD=1), the sets alternated within every repeat so that load from
# other processes falls on all of them alike. Per instance and set: the median, the fastest
# and the slowest wall time, and the same for the CPU time (user + system) of the process, which
# other processes' load does not inflate; a spread of wall time that the CPU time does not
# share is the machine's, one they share is the program's.
#   SPREAD_REPEATS=5   runs per instance and kernel set
#   SPREAD_FILTER=RE   instances (default: Grids_1[5-8])
#   SPREAD_THREADS=1   --threads
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data=${ZSUM_SHARED:-$root/../shared}/data/uai2014-pr
if [ ! -d "$data" ]; then
    echo "bench_uai_spread: $data is absent (reference data lives in ../shared); skipped"
    exit 0
fi
zsum=$(cd "$build" && pwd)/zsum
exec python3 - "$zsum" "$data" "${SPREAD_REPEATS:-5}" "${SPREAD_FILTER:-Grids_1[5-8]\.uai$}" \
    "${SPREAD_THREADS:-1}" <<'PY'
import os, re, resource, statistics, subprocess, sys, time
zsum, data, reps, filt, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
names = sorted(f for f in os.listdir(data) if f.endswith('.uai') and re.search(filt, f))
sets = [('avx512', {}), ('avx2', {'ZSUM_SIMD': 'avx2'}), ('portable', {'ZSUM_NO_SIMD': '1'})]
if 'avx512f' not in open('/proc/cpuinfo').read():
    sets = sets[1:]
def once(name, extra):
    path = os.path.join(data, name)
    args = [zsum, 'uai', path, '--threads', threads, '--quiet', '--format', 'uai']
    if os.path.exists(path + '.evid'):
        args[3:3] = ['--evid', path + '.evid']
    env = dict(os.environ)
    env.pop('ZSUM_SIMD', None); env.pop('ZSUM_NO_SIMD', None)
    env.update(extra)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    wall = time.monotonic() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode != 0:
        raise SystemExit('%s: exit %d: %s' % (name, p.returncode, p.stderr.strip()))
    return wall, cpu, p.stdout.split()[-1]
print('instance      kernels    runs  wall median  [fastest, slowest]   cpu median  [fastest, slowest]  log10 Z')
for name in names:
    res = {s: [] for s, _ in sets}
    for r in range(reps):
        order = sets[r % len(sets):] + sets[:r % len(sets)]
        for s, extra in order:
            res[s].append(once(name, extra))
    for s, _ in sets:
        w = [x[0] for x in res[s]]; c = [x[1] for x in res[s]]
        vals = sorted(set(x[2] for x in res[s]))
        print('%-13s %-9s %5d  %8.2f s   [%6.2f, %6.2f]   %8.2f s  [%6.2f, %6.2f]  %s' % (
            name[:-4], s, len(w), statistics.median(w), min(w), max(w),
            statistics.median(c), min(c), max(c), ' '.join(vals)))
PY
