#!/usr/bin/env bash
# bench_uai_spread.sh BUILD_DIR — the spread of zsum uai's time on the 20x20 grids of the UAI
# 2014 PR set (the Grids_* files with 400 variables: Grids_15..18, induced width 20, 16 MiB of
# tables), not one lucky figure: SPREAD_REPEATS rounds, each running every instance once (the
# instances alternate, so load from other processes falls on all of them alike) with every
# kernel set in turn (AVX-512 where the CPU has it, ZSUM_SIMD=avx2, ZSUM_NO_SIMD=1; the order
# rotates from round to round). Per instance and set: the plan's width and peak memory, the
# median, fastest and slowest wall time, the same for the CPU time (user + system) of the
# process, which other processes' load does not inflate (a spread of wall time that the CPU
# time does not share is the machine's, one they share is the program's), how many runs took
# longer than SPREAD_TARGET seconds (wall, CPU), and log10 Z (one value if every run agrees).
# The load average is printed before and after.
#   SPREAD_REPEATS=5       rounds
#   SPREAD_FILTER=RE       instances (default: every Grids_*.uai with 400 variables)
#   SPREAD_SETS=LIST       kernel sets, comma-separated (default avx512,avx2,portable)
#   SPREAD_THREADS=N       --threads (default: none given, the CLI's default)
#   SPREAD_TARGET=1.0      seconds
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
exec python3 - "$zsum" "$data" "${SPREAD_REPEATS:-5}" "${SPREAD_FILTER:-}" \
    "${SPREAD_SETS:-avx512,avx2,portable}" "${SPREAD_THREADS:-}" "${SPREAD_TARGET:-1.0}" <<'PY'
import json, os, re, resource, statistics, subprocess, sys, time
zsum, data, reps, filt, want, threads, target = sys.argv[1:8]
reps, target = int(reps), float(target)

def variables(path):
    with open(path) as f:
        return int(f.read(4096).split()[1])

names = sorted(f for f in os.listdir(data) if f.endswith('.uai') and (
    re.search(filt, f) if filt else f.startswith('Grids_') and variables(os.path.join(data, f)) == 400))
env_of = {'avx512': {}, 'avx2': {'ZSUM_SIMD': 'avx2'}, 'portable': {'ZSUM_NO_SIMD': '1'}}
sets = [s for s in want.split(',') if s in env_of]
if 'avx512f' not in open('/proc/cpuinfo').read() and 'avx512' in sets:
    sets.remove('avx512')
    print('(this CPU has no AVX-512: that set is left out)')

def once(name, extra):
    path = os.path.join(data, name)
    args = [zsum, 'uai', path, '--format', 'json'] + (['--threads', threads] if threads else [])
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
    return wall, cpu, json.loads(p.stdout)

print('load average before: %.2f %.2f %.2f' % os.getloadavg())
res = {(n, s): [] for n in names for s in sets}
for r in range(reps):
    for name in names:
        k = (r + names.index(name)) % len(sets)
        for s in sets[k:] + sets[:k]:
            res[(name, s)].append(once(name, env_of[s]))
print('load average after:  %.2f %.2f %.2f' % os.getloadavg())
print('%-9s %-8s %5s %4s %7s  %-26s %-26s %-9s %s' % (
    'instance', 'kernels', 'runs', 'w', 'MiB', 'wall median [min, max] s', 'cpu median [min, max] s',
    '>%gs w/c' % target, 'log10 Z'))
for name in names:
    for s in sets:
        rs = res[(name, s)]
        w = [x[0] for x in rs]; c = [x[1] for x in rs]
        vals = sorted(set(repr(x[2]['log10Z']) for x in rs))
        j = rs[0][2]
        print('%-9s %-8s %5d %4d %7.1f  %6.2f [%5.2f, %5.2f]      %6.2f [%5.2f, %5.2f]      %2d/%-2d     %s' % (
            name[:-4], s, len(w), j['width'], j['peak_bytes'] / 2**20, statistics.median(w),
            min(w), max(w), statistics.median(c), min(c), max(c),
            sum(x > target for x in w), sum(x > target for x in c), ' '.join(vals)))
PY
