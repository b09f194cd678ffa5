# uai_pr.sh — zsum uai against the published answers of the UAI 2014 PR instances
# ($ZSUM_SHARED/data/uai2014-pr). Each instance is planned first (--plan-only: induced width,
# table sizes, work); those whose elimination fits the per-instance budget are solved and
# log10 Z is compared with the .PR value to the precision it is printed with: a value given
# with k decimals was rounded, so |ours - published| <= 0.5 * 10^-k (plus 1e-11 relative for
# our own rounding). The rest are listed with the reason they were left out.
# Two published values do not belong to the files as stored, and the test proves it:
#  - relational_3: the published 758.326 exceeds the upper bound
#    log10 Z <= sum_i log10 d_i + sum_f log10 max phi_f computed from the file (592.27);
#  - sat-grid-pbl-0010.cnf: the file has 118 factors with an empty scope whose only entry
#    is 0, so Z = 0 as written and we must print -inf (checked); the published 23.7738 is
#    not reproduced by dropping those factors either (31.4931), so it is reported only.
set -u
ZSUM=${1:?usage: uai_pr.sh PATH_TO_ZSUM}
DATA=${ZSUM_SHARED:-}/data/uai2014-pr
if [ ! -d "$DATA" ]; then
    echo "SKIP: $DATA is absent (reference data lives in ../shared)"
    exit 77
fi
# Budget in table entries read (the plan's "work"); ~1-2 ns each, so 2.5e8 keeps every
# instance under about half a second and the whole test near 40 s. Sanitized builds run
# 50x slower: 5e6 there.
# Planning costs too: the default order tries every greedy rule, and on the large SAT-derived
# instances that takes seconds each (rc.cnf, 2472 variables: 3 s); none of the files over
# 300 kB fits the budget (the largest solved file has 271 kB), so only files under 300 kB are
# planned; in a sanitized build, only those under 60 kB.
budget=2.5e8
min_solved=40
max_file=300000
if [ "${ZSUM_SANITIZED:-0}" = 1 ]; then budget=5e6; min_solved=15; max_file=60000; fi
# The system Python where there is one (a python3 first on PATH may be a slow shim).
PY=python3; [[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
exec "$PY" - "$ZSUM" "$DATA" "$budget" "$min_solved" "$max_file" <<'EOF'
import json, math, os, subprocess, sys, time
zsum, data, budget, min_solved = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
max_file = float(sys.argv[5])
names = sorted(f for f in os.listdir(data) if f.endswith('.uai'))
tmpdir = os.environ.get('TMPDIR', '/tmp')

def read_uai(path):
    t = open(path).read().split()
    n = int(t[1]); dom = [int(x) for x in t[2:2 + n]]; i = 2 + n
    nf = int(t[i]); i += 1; scopes = []
    for f in range(nf):
        a = int(t[i]); scopes.append(t[i + 1:i + 1 + a]); i += 1 + a
    tables = []
    for f in range(nf):
        c = int(t[i]); tables.append(t[i + 1:i + 1 + c]); i += 1 + c
    return t[0], dom, scopes, tables

def upper_bound_log10(path):
    kind, dom, scopes, tables = read_uai(path)
    return (sum(math.log10(d) for d in dom) +
            sum(math.log10(max(float(x) for x in tb)) for tb in tables))

def without_empty_scopes(path, out):
    kind, dom, scopes, tables = read_uai(path)
    keep = [f for f in range(len(scopes)) if scopes[f]]
    with open(out, 'w') as w:
        w.write('%s\n%d\n%s\n%d\n' % (kind, len(dom), ' '.join(map(str, dom)), len(keep)))
        for f in keep: w.write('%d %s\n' % (len(scopes[f]), ' '.join(scopes[f])))
        for f in keep: w.write('%d %s\n' % (len(tables[f]), ' '.join(tables[f])))
    return len(scopes) - len(keep), [tables[f] for f in range(len(scopes)) if not scopes[f]]

def solve(args):
    p = subprocess.run(args + ['--format', 'uai'], capture_output=True, text=True)
    lines = p.stdout.split()
    if p.returncode != 0 or len(lines) != 2 or lines[0] != 'PR':
        return None, 'exited %d, output %r, %s' % (p.returncode, p.stdout, p.stderr.strip())
    return float(lines[1]), None
solved = failed = left = 0
t0 = time.time()
for name in names:
    path = os.path.join(data, name)
    evid = path + '.evid'
    args = [zsum, 'uai', path, '--quiet'] + (['--evid', evid] if os.path.exists(evid) else [])
    if os.path.getsize(path) > max_file:
        print('left out %-28s file of %d bytes, over %.0f (not planned)' % (name, os.path.getsize(path), max_file))
        left += 1
        continue
    t1 = time.time()
    p = subprocess.run(args + ['--plan-only', '--format', 'json'], capture_output=True, text=True)
    if p.returncode != 0:
        print('FAIL %s: plan exited %d: %s' % (name, p.returncode, p.stderr.strip()))
        failed += 1
        continue
    plan = json.loads(p.stdout)
    if plan['work'] > budget:
        print('left out %-28s width %3d, largest table %.3g entries, work %.3g > budget %.3g'
              % (name, plan['width'], plan['max_table_entries'], plan['work'], budget))
        left += 1
        continue
    ours, err = solve(args)
    if err:
        print('FAIL %s: %s' % (name, err))
        failed += 1
        continue
    pub_text = open(path + '.PR').read().split()
    assert pub_text[0] == 'PR', name
    pub = float(pub_text[1])
    decimals = len(pub_text[1].split('.')[1]) if '.' in pub_text[1] else 0
    tol = 0.5 * 10.0 ** -decimals + 1e-11 * max(1.0, abs(pub))
    ok = abs(ours - pub) <= tol
    if name == 'relational_3.uai':
        bound = upper_bound_log10(path)
        ok = pub > bound + 1.0 and ours <= bound
        print('%s %-28s published %s exceeds the bound %.6g from the file; ours %.12g'
              % ('ok  ' if ok else 'FAIL', name, pub_text[1], bound, ours))
        solved += ok
        failed += not ok
        continue
    if name == 'sat-grid-pbl-0010.cnf.uai':
        filtered = os.path.join(tmpdir, 'zsum_uai_pr_%d.uai' % os.getpid())
        dropped, tabs = without_empty_scopes(path, filtered)
        alt, err = solve([zsum, 'uai', filtered, '--quiet'])
        os.unlink(filtered)
        zeros = sum(1 for tb in tabs if float(tb[0]) == 0.0)
        ok = ours == -math.inf and zeros > 0
        print('%s %-28s ours -inf: %d empty-scope factors equal to 0 make Z = 0 as written '
              '(published %s; without those factors %.12g)'
              % ('ok  ' if ok else 'FAIL', name, zeros, pub_text[1], alt if alt else 0.0))
        solved += ok
        failed += not ok
        continue
    print('%s %-28s width %3d  ours %.12g  published %s  |diff| %.2g  tol %.2g  %.2f s'
          % ('ok  ' if ok else 'FAIL', name, plan['width'], ours, pub_text[1], abs(ours - pub), tol,
             time.time() - t1))
    if ok:
        solved += 1
    else:
        failed += 1
print('uai_pr: %d agree with the published value, %d failed, %d left out (budget %.3g), %.1f s'
      % (solved, failed, left, budget, time.time() - t0))
if solved < min_solved:
    print('FAIL: only %d instances solved, at least %d expected' % (solved, min_solved))
    failed += 1
sys.exit(1 if failed else 0)
EOF
