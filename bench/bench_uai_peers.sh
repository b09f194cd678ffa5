#!/usr/bin/env bash
# bench_uai_peers.sh BUILD_DIR — zsum's approximate ln Z (`zsum uai --approx`) beside the same
# methods of two public peers, on the same model files and the same machine:
#   libDAI 0.3 (mean field MF, loopy BP, tree-reweighted TRWBP, Kikuchi HAK with LOOP clusters of
#   length 4, i.e. the plaquettes of a square lattice, double loop) through a small driver given
#   in LIBDAI_DRIVER, called as
#       $LIBDAI_DRIVER FILE.uai 'ALG[props]' [uniform-trw]
#   and printing one line `lnZ <value> iters <n> maxdiff <d> cpu <s>` (the third argument asks
#   for TRW edge weights (n - 1)/|E| on every pairwise factor, the rule zsum uses on grids);
#   Merlin's weighted mini-bucket (`merlin -a wmb -t PR -i IBOUND`; its command line's default
#   of 10 passes of cost shifting over the join graph, threshold 1e-6) through MERLIN, the
#   merlin executable.
# A peer that is not given (or not executable) is skipped with a message; zsum's rows remain.
# With neither peer the script stops there (exit 0), unless PEERS_ZSUM_ONLY=1.
# Models: the UAI 2014 grids (Grids_11..18 of ../shared/data/uai2014-pr; exact ln Z by zsum's
# variable elimination) and a 16x16 ferromagnetic torus, E = -sum_<ij> s_i s_j, s = +-1, at
# K = 0.2 and K_c = ln(1 + sqrt 2)/2, written here as a .uai file (pair tables exp(+-K), no
# single-site factors, numbered row by row; exact ln Z from Kaufman's closed form through
# `zsum ising`).
# Settings, the same on both sides: bp, trw: sequential updates, damping 0.5 (in the log
# domain on both), tolerance 1e-9, at most 1000 sweeps; mf: uniform start, tolerance 1e-9, at
# most 1000 sweeps, no damping; gbp: tolerance 1e-9, at most 1000 (outer) iterations, uniform
# start; zsum runs with --restarts 0 (libDAI has no restarts). mbe: zsum's defaults (1000
# cost-shifting rounds per bucket) beside Merlin's defaults.
# Timing: CPU seconds (user) of each process from getrusage, median and range of
# PEERS_REPEATS runs (default 3); contenders alternate within each repeat. The load average is
# printed before and after.
#   PEERS_REPEATS=3      repeats
#   PEERS_FILTER=RE      instances (names: Grids_11..Grids_18, torus16_K0.2, torus16_Kc)
#   PEERS_METHODS=LIST   comma-separated subset of mf,bp,trw,gbp,mbe10,mbe16,mbe20
#   PEERS_TIMEOUT=900    seconds of wall time per run before it is stopped (reported)
#   PEERS_MERLIN_ITER=N  Merlin's passes (-n N) instead of its default
# Output: a Markdown table on stdout; one line per run on stderr.
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data=${ZSUM_SHARED:-$root/../shared}/data/uai2014-pr
if [ ! -d "$data" ]; then
    echo "bench_uai_peers: $data is absent (reference data lives in ../shared); skipped"
    exit 0
fi
if [ ! -x "$build/zsum" ]; then
    echo "bench_uai_peers: $build/zsum not found (build zsum first)" >&2
    exit 2
fi
zsum=$(cd "$build" && pwd)/zsum
libdai=${LIBDAI_DRIVER:-}
merlin=${MERLIN:-}
if [ -z "$libdai" ] || [ ! -x "$libdai" ]; then
    echo "bench_uai_peers: LIBDAI_DRIVER not set or not executable: libDAI columns skipped"
    libdai=
fi
if [ -z "$merlin" ] || [ ! -x "$merlin" ]; then
    echo "bench_uai_peers: MERLIN not set or not executable: Merlin columns skipped"
    merlin=
fi
if [ -z "$libdai$merlin" ] && [ -z "${PEERS_ZSUM_ONLY:-}" ]; then
    echo "bench_uai_peers: no peer to compare with; skipped (PEERS_ZSUM_ONLY=1 runs zsum's rows alone)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
/usr/bin/python3 - "$zsum" "$data" "$tmp" "$libdai" "$merlin" "${PEERS_REPEATS:-3}" \
    "${PEERS_FILTER:-}" "${PEERS_METHODS:-mf,bp,trw,gbp,mbe10,mbe16,mbe20}" \
    "${PEERS_TIMEOUT:-900}" "${PEERS_MERLIN_ITER:-}" <<'PY'
import json, math, os, re, resource, statistics, subprocess, sys
zsum, data, tmp, libdai, merlin, reps, filt, methods, tmo, miter = sys.argv[1:11]
reps, tmo = int(reps), float(tmo)
methods = [m for m in methods.split(',') if m]

def torus(name, L, K):
    """16x16 ferromagnetic torus as a MARKOV .uai: one pair table exp(K s_i s_j) per edge."""
    path = os.path.join(tmp, name + '.uai')
    n = L * L
    edges = []
    for r in range(L):
        for c in range(L):
            i = r * L + c
            edges.append((i, r * L + (c + 1) % L))
            edges.append((i, ((r + 1) % L) * L + c))
    e, f = repr(math.exp(K)), repr(math.exp(-K))
    with open(path, 'w') as out:
        out.write('MARKOV\n%d\n%s\n%d\n' % (n, ' '.join(['2'] * n), len(edges)))
        for a, b in edges:
            out.write('2 %d %d\n' % (min(a, b), max(a, b)))
        for _ in edges:
            out.write('\n4\n %s %s\n %s %s\n' % (e, f, f, e))
    with open(path + '.evid', 'w') as out:
        out.write('0\n')
    p = subprocess.run([zsum, 'ising', '--size', '%dx%d' % (L, L), '--beta', repr(K),
                        '--format', 'json'], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit('bench_uai_peers: zsum ising failed: ' + p.stderr.strip())
    return path, json.loads(p.stdout)['lnZ'], 'zsum ising, exact'

def grid(name):
    path = os.path.join(data, name + '.uai')
    p = subprocess.run([zsum, 'uai', path, '--format', 'json', '--quiet'],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit('bench_uai_peers: exact %s failed: %s' % (name, p.stderr.strip()))
    return path, json.loads(p.stdout)['lnZ'], 'zsum uai, elimination'

names = ['Grids_%d' % k for k in range(11, 19) if os.path.exists(os.path.join(data, 'Grids_%d.uai' % k))]
names += ['torus16_K0.2', 'torus16_Kc']
names = [n for n in names if not filt or re.search(filt, n)]
Kc = 0.5 * math.log(1 + math.sqrt(2))
inst = {}
for n in names:
    if n == 'torus16_K0.2':
        inst[n] = torus(n, 16, 0.2)
    elif n == 'torus16_Kc':
        inst[n] = torus(n, 16, Kc)
    else:
        inst[n] = grid(n)
    print('exact %s: ln Z = %.10f (%s)' % (n, inst[n][1], inst[n][2]), file=sys.stderr)

TOL, ITER, DAMP = '1e-9', '1000', '0.5'
LD = {
    'mf': ('MF[tol=%s,maxiter=%s,damping=0.0,init=UNIFORM,updates=NAIVE]' % (TOL, ITER),),
    'bp': ('BP[updates=SEQFIX,tol=%s,maxiter=%s,logdomain=0,damping=%s]' % (TOL, ITER, DAMP),),
    'trw': ('TRWBP[updates=SEQFIX,tol=%s,maxiter=%s,logdomain=0,damping=%s,nrtrees=0]'
            % (TOL, ITER, DAMP), 'uniform-trw'),
    'gbp': ('HAK[doubleloop=1,clusters=LOOP,loopdepth=4,init=UNIFORM,tol=%s,maxiter=%s,'
            'maxtime=1e9,verbose=0]' % (TOL, ITER),),
}

def run(args, parse):
    """Runs args; returns (lnZ or None, note, user CPU seconds of the process)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=tmo,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, 'timeout %gs' % tmo, float('nan')
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = r1.ru_utime - r0.ru_utime
    if p.returncode != 0:
        return None, 'exit %d: %s' % (p.returncode, (p.stderr.strip() or p.stdout.strip())[-200:]), cpu
    try:
        v, note = parse(p.stdout)
    except Exception as ex:  # a peer's output we cannot read: reported, not fatal
        return None, 'unreadable output (%s)' % ex, cpu
    return v, note, cpu

def zsum_run(path, m):
    args = [zsum, 'uai', path, '--format', 'json', '--quiet']
    if m.startswith('mbe'):
        args += ['--approx', 'mbe', '--ibound', m[3:]]
    else:
        args += ['--approx', m, '--restarts', '0', '--tol', TOL, '--max-iter', ITER]
        if m in ('bp', 'trw', 'gbp'):
            args += ['--damping', DAMP, '--schedule', 'sequential']
    def parse(out):
        j = json.loads(out)
        return j['lnZ'], '%s%s %s' % (j['iterations'], '' if j['converged'] else '*', j['bound'])
    return run(args, parse)

def libdai_run(path, m):
    def parse(out):
        w = out.split()
        it = int(w[3])
        return float(w[1]), '%d%s' % (it, '' if float(w[5]) <= float(TOL) else '*')
    return run([libdai, path] + list(LD[m]), parse)

def merlin_run(path, m):
    outp = os.path.join(tmp, 'merlin_out')
    for f in (outp + '.PR',):
        if os.path.exists(f):
            os.remove(f)
    def parse(out):
        with open(outp + '.PR') as f:
            w = f.read().split()
        # the last of Merlin's progress lines `logZ: ... i=N` gives the passes it made
        its = re.findall(r'\bi=(\d+)', out)
        return float(w[w.index('PR') + 1]), its[-1] if its else '-'
    return run([merlin, '-f', path, '-e', path + '.evid', '-a', 'wmb', '-t', 'PR', '-i', m[3:],
                '-O', 'uai', '-o', outp] + (['-n', miter] if miter else []), parse)

def peer_of(m):
    if m.startswith('mbe'):
        return ('Merlin', merlin_run) if merlin else (None, None)
    return ('libDAI', libdai_run) if libdai else (None, None)

def fmt_t(ts):
    ts = [t for t in ts if t == t]
    if not ts:
        return '-'
    med = statistics.median(ts)
    return '%.3g (%.3g–%.3g)' % (med, min(ts), max(ts)) if len(ts) > 1 else '%.3g' % med

rows = []
for n in names:
    path, exact, how = inst[n]
    for m in methods:
        pname, prun = peer_of(m)
        zs, ps = [], []
        zv = pv = None
        znote = pnote = ''
        for r in range(reps):
            order = [('zsum', lambda: zsum_run(path, m))]
            if prun:
                order.append((pname, lambda: prun(path, m)))
            if r % 2:
                order.reverse()
            for who, fn in order:
                v, note, cpu = fn()
                print('%s %s %s run %d: lnZ %s (%s) %.4f s' % (n, m, who, r + 1, v, note, cpu),
                      file=sys.stderr)
                if who == 'zsum':
                    zs.append(cpu); zv, znote = v, note
                else:
                    ps.append(cpu); pv, pnote = v, note
        rows.append((n, m, pname, exact, zv, znote, zs, pv, pnote, ps))

def num(v):
    return '%.6f' % v if v is not None else 'failed'

def err(v, exact):
    return '%+.4g' % (v - exact) if v is not None else '-'

print('| instance | method | peer | exact ln Z | zsum ln Z | zsum error | zsum it | peer ln Z '
      '| peer error | peer it | zsum CPU s | peer CPU s | zsum/peer time | zsum at least as accurate |')
print('|' + '---|' * 14)
for n, m, pname, exact, zv, znote, zs, pv, pnote, ps in rows:
    zmed = statistics.median([t for t in zs if t == t]) if any(t == t for t in zs) else None
    pmed = statistics.median([t for t in ps if t == t]) if any(t == t for t in ps) else None
    ratio = '%.3g' % (zmed / pmed) if zmed is not None and pmed else '-'
    acc = '-'
    if zv is not None and pv is not None:
        # ties within the peer's printed precision (Merlin prints 6 decimals) count as equal
        ez, ep = abs(zv - exact), abs(pv - exact)
        acc = 'yes (same)' if abs(ez - ep) <= 2e-6 * max(1.0, abs(exact)) else (
            'yes' if ez < ep else 'no')
    print('| %s | %s | %s | %.6f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
        n, m, pname or '(none)', exact, num(zv), err(zv, exact), znote,
        num(pv) if pname else '-', err(pv, exact) if pname else '-', pnote or '-',
        fmt_t(zs), fmt_t(ps), ratio, acc))
PY
rc=$?
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
