# uai_search_pr.sh — zsum uai's search against the published answers of SAT-derived UAI 2014
# PR instances ($ZSUM_SHARED/data/uai2014-pr) that elimination cannot do (induced widths 70
# and more): ra.cnf (log10 Z = 286.27: 10^286 models) and log-1.cnf (20.75), each in seconds
# (BENCHMARKS.md, uai). Run as the user runs them, --method auto: the answer must say that the
# elimination was refused and the search ran, and log10 Z must agree with the .PR value to the
# precision it is printed with (|ours - published| <= 0.5 * 10^-k for k decimals, plus 1e-11
# relative for our own rounding). The sanitized build runs ra only (log-1 takes minutes there).
set -u
ZSUM=${1:?usage: uai_search_pr.sh PATH_TO_ZSUM}
DATA=${ZSUM_SHARED:-}/data/uai2014-pr
if [ ! -d "$DATA" ]; then
    echo "SKIP: $DATA is absent (reference data lives in ../shared)"
    exit 77
fi
names="ra log-1"
if [ "${ZSUM_SANITIZED:-0}" = 1 ]; then names="ra"; fi
# The system Python where there is one (a python3 first on PATH may be a slow shim).
PY=python3; [[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
exec "$PY" - "$ZSUM" "$DATA" $names <<'EOF'
import json, subprocess, sys
zsum, data, names = sys.argv[1], sys.argv[2], sys.argv[3:]
failed = 0
for name in names:
    path = '%s/%s.cnf.uai' % (data, name)
    pr = open(path + '.PR').read().split()[-1]
    p = subprocess.run([zsum, 'uai', path, '--evid', path + '.evid', '-q', '--format', 'json'],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print('FAIL %s: exit %d: %s' % (name, p.returncode, p.stderr.strip())); failed += 1; continue
    d = json.loads(p.stdout)
    decimals = len(pr.split('.')[1]) if '.' in pr else 0
    tol = 0.5 * 10 ** -decimals + 1e-11 * abs(float(pr))
    ok = d['method'] == 'search' and 'elimination_refused' in d and abs(d['log10Z'] - float(pr)) <= tol
    print('%s %s: log10 Z %.12f, published %s, %d decisions, %d cache hits, %.2f s' % (
        'ok  ' if ok else 'FAIL', name, d['log10Z'], pr, d['decisions'], d['cache_hits'], d['seconds']))
    failed += not ok
print('uai_search_pr: %d of %d agree' % (len(names) - failed, len(names)))
sys.exit(1 if failed else 0)
EOF
