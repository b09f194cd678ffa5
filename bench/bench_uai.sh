#!/usr/bin/env bash
# bench_uai.sh BUILD_DIR — zsum uai on every UAI 2014 PR instance in ../shared/data/uai2014-pr,
# each under a time limit, side by side with toulbar2 (the peer: `toulbar2 FILE.uai FILE.evid
# -logz`, Debian package toulbar2, installed by ZSUM_BENCH_DEPS=1 scripts/install-deps.sh)
# under the same limit. Prints one row per instance (width, seconds, log10 Z of both, the
# published value, whether each agrees with it), then a summary: instances solved, total
# time, the instances both solved with the time ratio, every instance of induced width <= 24
# (by zsum's order) and whether it was solved, and why the others were out of reach.
#   UAI_LIMIT=20     seconds per instance and solver
#   UAI_FILTER=REGEX only instances whose name matches
#   UAI_PEER=0       skip toulbar2
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data=${ZSUM_SHARED:-$root/../shared}/data/uai2014-pr
if [ ! -d "$data" ]; then
    echo "bench_uai: $data is absent (reference data lives in ../shared); skipped"
    exit 0
fi
zsum=$(cd "$build" && pwd)/zsum
peer=1
if [ "${UAI_PEER:-1}" = 0 ] || ! command -v toulbar2 > /dev/null; then
    peer=0
    echo "bench_uai: toulbar2 not run (UAI_PEER=0 or not installed: ZSUM_BENCH_DEPS=1 scripts/install-deps.sh)"
fi
exec python3 - "$zsum" "$data" "${UAI_LIMIT:-20}" "${UAI_FILTER:-.}" "$peer" <<'EOF'
import json, os, re, subprocess, sys, time
zsum, data, limit, filt, peer = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5] == '1'
names = sorted(f for f in os.listdir(data) if f.endswith('.uai') and re.search(filt, f))

def timed(args):
    t = time.time()
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=limit)
        return p, time.time() - t, False
    except subprocess.TimeoutExpired:
        return None, time.time() - t, True

def published(path):
    tok = open(path + '.PR').read().split()
    dec = len(tok[1].split('.')[1]) if '.' in tok[1] else 0
    return float(tok[1]), tok[1], 0.5 * 10.0 ** -dec + 1e-11 * max(1.0, abs(float(tok[1])))

rows = []
print('%-27s %5s %8s %18s %15s %5s | %8s %10s %5s' % (
    'instance', 'width', 'zsum s', 'zsum log10 Z', 'published', 'agree',
    'tb2 s', 'tb2 log10Z', 'agree'))
for name in names:
    path = os.path.join(data, name)
    evid = path + '.evid'
    pub, pub_text, tol = published(path)
    args = [zsum, 'uai', path, '--quiet', '--evid', evid, '--format', 'json']
    p, secs, to = timed(args)
    r = {'name': name, 'secs': secs, 'ours': None, 'why': '', 'width': None, 'table': None}
    if p is not None and p.returncode == 0:
        d = json.loads(p.stdout)
        r['width'], r['table'] = d['width'], d['max_table_entries']
        r['ours'] = d['log10Z'] if d['log10Z'] is not None else float('-inf')
    else:
        r['why'] = 'time limit %gs' % limit if to else 'refused: ' + p.stderr.strip().replace('zsum: ', '')
        q = subprocess.run(args[:-2] + ['--plan-only', '--format', 'json'], capture_output=True, text=True)
        if q.returncode == 0:
            d = json.loads(q.stdout)
            r['width'], r['table'] = d['width'], d['max_table_entries']
    r['agree'] = r['ours'] is not None and abs(r['ours'] - pub) <= tol
    r['tb2'] = None
    r['tb2_secs'] = None
    if peer:
        q, tsecs, tto = timed(['toulbar2', path, evid, '-logz'])
        r['tb2_secs'] = tsecs
        if q is not None:
            m = re.search(r'(\S+) <= Log10\(Z\) <= (\S+)', q.stdout)
            if m:
                r['tb2'] = 0.5 * (float(m.group(1)) + float(m.group(2)))
    # toulbar2 prints 3 decimals: it agrees within that rounding plus the published one.
    r['tb2_agree'] = r['tb2'] is not None and abs(r['tb2'] - pub) <= tol + 0.5e-3
    rows.append(r)
    print('%-27s %5s %8s %18s %15s %5s | %8s %10s %5s' % (
        name[:27], r['width'] if r['width'] is not None else '?',
        '%.3f' % secs if r['ours'] is not None else ('>%g' % limit if 'time' in r['why'] else '-'),
        ('%.10g' % r['ours']) if r['ours'] is not None else 'unsolved', pub_text,
        'yes' if r['agree'] else 'no',
        ('%.3f' % r['tb2_secs'] if r['tb2'] is not None else '>%g' % limit) if peer else '',
        ('%.3f' % r['tb2']) if r['tb2'] is not None else ('unsolved' if peer else ''),
        ('yes' if r['tb2_agree'] else 'no') if peer else ''), flush=True)

solved = [r for r in rows if r['ours'] is not None]
agree = [r for r in solved if r['agree']]
print()
print('zsum uai: %d of %d solved within %gs each, %d agree with the published value; '
      'time over the solved ones %.1f s' % (len(solved), len(rows), limit, len(agree),
                                            sum(r['secs'] for r in solved)))
if peer:
    tsolved = [r for r in rows if r['tb2'] is not None]
    print('toulbar2 : %d of %d solved within %gs each, %d agree; time over the solved ones %.1f s'
          % (len(tsolved), len(rows), limit, sum(1 for r in tsolved if r['tb2_agree']),
             sum(r['tb2_secs'] for r in tsolved)))
    both = [r for r in rows if r['ours'] is not None and r['tb2'] is not None]
    if both:
        a, b = sum(r['secs'] for r in both), sum(r['tb2_secs'] for r in both)
        print('both solved %d: zsum %.2f s, toulbar2 %.2f s, toulbar2/zsum = %.2f'
              % (len(both), a, b, b / a if a > 0 else float('nan')))
    only = [r['name'] for r in rows if r['ours'] is not None and r['tb2'] is None]
    print('solved by zsum only: %d' % len(only))
    tonly = [r['name'] for r in rows if r['ours'] is None and r['tb2'] is not None]
    print('solved by toulbar2 only: %d %s' % (len(tonly), ' '.join(tonly)))
w24 = [r for r in rows if r['width'] is not None and r['width'] <= 24]
print('induced width <= 24: %d instances, %d solved%s' % (
    len(w24), sum(1 for r in w24 if r['ours'] is not None),
    ''.join('\n  unsolved: %s (width %d): %s' % (r['name'], r['width'], r['why'])
            for r in w24 if r['ours'] is None)))
grids = [r for r in rows if re.match(r'Grids_1[5-8]\.uai', r['name'])]
if grids:
    print('Grids_15..18: ' + ', '.join('%s %.2f s' % (r['name'][:-4], r['secs']) for r in grids))
print('out of reach:')
for r in rows:
    if r['ours'] is None:
        print('  %-27s width %s, largest table %s entries: %s' % (
            r['name'], r['width'], '%.3g' % r['table'] if r['table'] else '?', r['why']))
wrong = [r['name'] for r in solved if not r['agree']]
if wrong:
    print('solved but not agreeing with the published value: ' + ' '.join(wrong) +
          ' (see docs/uai.md: relational_3 and sat-grid-pbl-0010 have published values that '
          'do not belong to the files as stored)')
EOF
