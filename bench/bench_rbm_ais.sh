#!/usr/bin/env bash
# bench_rbm_ais.sh BUILD_DIR — RBM and DBM AIS against their matrix-multiply floor (BENCHMARKS.md):
# `zsum rbm lnz --ais` on a 784x500 model (trained one epoch on the digits; a random one when
# they are absent), 100 chains, data base rate, no reverse side, and the floor of the same work:
# bench_ais_floor doing only the single-precision products of the annealing (K products V W and
# K - 1 products H W^T), once as 100-row products on all of OpenBLAS's threads ("whole", the
# floor the issue names) and once cut into zsum's blocks (one run of each per repeat). With /usr/bin/python3 and NumPy, also
# bench/ais_numpy.py: AIS written for the benchmark after PyDeep's algorithm (float64 NumPy).
# The contenders alternate, REPEATS times (default 3); the table gives median and spread
# (min..max) of wall and CPU seconds, and the load average before and after.
#   AIS_TEMPS=N   linear:N instead of sm08 (14,500 transitions), for shorter repeated runs
#   ZSUM_BASELINE=PATH  also time another zsum binary (e.g. an older build) the same way
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
Z="$build/zsum"
PY=/usr/bin/python3
REPEATS=${REPEATS:-3}
if ! $PY -c 'import numpy' 2>/dev/null; then
  echo "bench_rbm_ais: SKIP (needs /usr/bin/python3 with numpy)"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$(bash "$here/../scripts/fetch-data.sh" 2>/dev/null | tail -1)/mnist-digits/images-idx3-ubyte.gz
if [ -s "$data" ]; then
  $PY - "$data" "$work" <<'PYEOF'
import gzip, sys, numpy as np
raw = gzip.open(sys.argv[1]).read()
n = int.from_bytes(raw[4:8], 'big')
x = np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, 784)
np.save(sys.argv[2] + '/train.npy', (x > 127.5).astype(np.uint8)[:9000])
PYEOF
  "$Z" rbm train "$work/train.npy" --hidden 500 --epochs 1 --seed 1 -o "$work/m.npz" --quiet > /dev/null
  model="784x500 trained one epoch on 9,000 digits (seed 1)"
else
  $PY - "$work" <<'PYEOF'
import sys, numpy as np
r = np.random.default_rng(1)
np.savez(sys.argv[1] + '/m.npz', W=r.normal(0, 0.05, (784, 500)), vbias=r.normal(-1, 0.5, 784),
         hbias=r.normal(0, 0.5, 500))
np.save(sys.argv[1] + '/train.npy', (r.random((9000, 784)) < 0.13).astype(np.uint8))
PYEOF
  model="784x500 random (no digits: scripts/fetch-data.sh)"
fi
if [ -n "${AIS_TEMPS:-}" ]; then sched="linear:$AIS_TEMPS"; K=$AIS_TEMPS; else sched=sm08; K=14500; fi
echo "-- AIS $model, 100 chains, $sched ($K temperatures), base data, seed 1; $(nproc) cores"
$PY - "$work" "$Z" "$build/bench/bench_ais_floor" "$here/ais_numpy.py" "$sched" "$K" "$REPEATS" "${ZSUM_BASELINE:-}" <<'PYEOF'
import os, resource, statistics, subprocess, sys, time
work, Z, floor, npais, sched, K, reps, base = sys.argv[1:9]
K, reps = int(K), int(reps)
ais = ['rbm', 'lnz', work + '/m.npz', '--ais', '--chains', '100', '--schedule', sched,
       '--base', 'data:' + work + '/train.npy', '--reverse', 'none', '--seed', '1',
       '--format', 'csv', '--quiet']
cmds = [('zsum rbm lnz --ais', [Z] + ais)]
if base:
    cmds.append(('baseline zsum (%s)' % base, [base] + ais))
cmds.append(('floor: sgemm products', [floor, '784', '500', '100', str(K)]))
if os.path.exists(npais):
    cmds.append(('NumPy AIS after PyDeep', ['/usr/bin/python3', npais, work + '/m.npz',
                                             work + '/train.npy', str(K)]))
res = {n: {'wall': [], 'cpu': []} for n, _ in cmds}
out = {}
load0 = os.getloadavg()[0]
for r in range(reps):
    for name, cmd in cmds:
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        t1 = time.monotonic()
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise SystemExit('%s: exit %d: %s' % (name, p.returncode, p.stderr.strip()[:300]))
        res[name]['wall'].append(t1 - t0)
        res[name]['cpu'].append(c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime)
        out[name] = p.stdout.strip().splitlines()
        if name.startswith('floor'):
            for l in out[name]:
                k, v = l.split()
                res.setdefault('floor ' + k, []).append(float(v))
load1 = os.getloadavg()[0]
def fmt(x):
    return '%8.2f [%.2f..%.2f]' % (statistics.median(x), min(x), max(x))
print('%-34s %-26s %-26s' % ('contender (%d runs, alternating)' % reps, 'wall s median [min..max]',
                             'cpu s median [min..max]'))
for name, _ in cmds:
    print('%-34s %-26s %-26s' % (name, fmt(res[name]['wall']), fmt(res[name]['cpu'])))
fw, fb = res['floor whole'], res['floor blocks']
print('floor alone, wall: %d-row products on all BLAS threads %s; in zsum\'s blocks %s'
      % (100, fmt(fw), fmt(fb)))
print('floor alone, cpu:  %d-row products on all BLAS threads %s; in zsum\'s blocks %s'
      % (100, fmt(res['floor whole_cpu']), fmt(res['floor blocks_cpu'])))
z = statistics.median(res['zsum rbm lnz --ais']['wall'])
zc = statistics.median(res['zsum rbm lnz --ais']['cpu'])
print('zsum / floor (medians): wall %.2f (whole), %.2f (blocks); cpu %.2f (whole), %.2f (blocks)'
      % (z / statistics.median(fw), z / statistics.median(fb),
         zc / statistics.median(res['floor whole_cpu']), zc / statistics.median(res['floor blocks_cpu'])))
lnz = out['zsum rbm lnz --ais'][-1].split(',')[3]
print('zsum ln Z = %s' % lnz)
if 'NumPy AIS after PyDeep' in out:
    npz = statistics.median(res['NumPy AIS after PyDeep']['wall'])
    npc = statistics.median(res['NumPy AIS after PyDeep']['cpu'])
    print('NumPy AIS ln Z = %s; NumPy / zsum: wall %.2f, cpu %.2f'
          % (out['NumPy AIS after PyDeep'][-1], npz / z, npc / zc))
if base:
    b = statistics.median(res['baseline zsum (%s)' % base]['wall'])
    bc = statistics.median(res['baseline zsum (%s)' % base]['cpu'])
    print('baseline / zsum: wall %.2f, cpu %.2f' % (b / z, bc / zc))
print('load average (1 min): %.2f before, %.2f after' % (load0, load1))
PYEOF

# DBM 784-500-1000: AIS anneals the even layers (v, h2: 1784 units) with h1 (500) summed out, so
# its products are 100 x 1784 x 500; the floor is bench_ais_floor 1784 500 100 K.
$PY - "$work" <<'PYEOF'
import sys, numpy as np
r = np.random.default_rng(2)
np.savez(sys.argv[1] + '/dbm.npz', W1=r.normal(0, 0.03, (784, 500)).astype(np.float32),
         W2=r.normal(0, 0.03, (500, 1000)).astype(np.float32),
         b0=r.normal(-1, 0.5, 784).astype(np.float32), b1=r.normal(0, 0.5, 500).astype(np.float32),
         b2=r.normal(0, 0.5, 1000).astype(np.float32))
PYEOF
echo "-- DBM AIS 784-500-1000 (random float32 weights, seed 2), 100 chains, $sched, base uniform, seed 1"
$PY - "$work" "$Z" "$build/bench/bench_ais_floor" "$sched" "$K" "$REPEATS" <<'PYEOF'
import os, resource, statistics, subprocess, sys, time
work, Z, floor, sched, K, reps = sys.argv[1:7]
reps = int(reps)
cmds = [('zsum dbm lnz --ais', [Z, 'dbm', 'lnz', work + '/dbm.npz', '--ais', '--chains', '100',
                                '--schedule', sched, '--base', 'uniform', '--reverse', 'none',
                                '--seed', '1', '--format', 'csv', '--quiet']),
        ('floor: sgemm products', [floor, '1784', '500', '100', K])]
res = {}
load0 = os.getloadavg()[0]
for r in range(reps):
    for name, cmd in cmds:
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        t1 = time.monotonic()
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise SystemExit('%s: exit %d: %s' % (name, p.returncode, p.stderr.strip()[:300]))
        res.setdefault(name + ' wall', []).append(t1 - t0)
        res.setdefault(name + ' cpu', []).append(c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime)
        if name.startswith('floor'):
            for l in p.stdout.split('\n'):
                if l:
                    k, v = l.split()
                    res.setdefault('floor ' + k, []).append(float(v))
load1 = os.getloadavg()[0]
med = lambda k: statistics.median(res[k])
fmt = lambda k: '%.2f [%.2f..%.2f]' % (med(k), min(res[k]), max(res[k]))
print('zsum dbm lnz --ais: wall %s, cpu %s' % (fmt('zsum dbm lnz --ais wall'), fmt('zsum dbm lnz --ais cpu')))
print('floor alone: whole wall %s cpu %s; blocks wall %s cpu %s' % (
    fmt('floor whole'), fmt('floor whole_cpu'), fmt('floor blocks'), fmt('floor blocks_cpu')))
z, zc = med('zsum dbm lnz --ais wall'), med('zsum dbm lnz --ais cpu')
print('zsum / floor (medians): wall %.2f (whole), %.2f (blocks); cpu %.2f (whole), %.2f (blocks)' % (
    z / med('floor whole'), z / med('floor blocks'), zc / med('floor whole_cpu'), zc / med('floor blocks_cpu')))
print('load average (1 min): %.2f before, %.2f after' % (load0, load1))
PYEOF
