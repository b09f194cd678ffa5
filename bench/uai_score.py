"""uai_score.py — the scorer behind bench_uai_score.sh (the rule, the trivial solver and the
sources are in that script's header).

usage: uai_score.py ZSUM DATA_DIR FILTER CSV_OR_EMPTY SECONDS...
"""
import csv
import json
import math
import os
import re
import resource
import subprocess
import sys
import time

import numpy as np

LN10 = math.log(10.0)
# Published values that provably do not belong to their files (docs/uai.md, "Reference data").
EXCLUDED = {'relational_3.uai': 'published 758.326 exceeds the bound 592.27 from the file',
            'sat-grid-pbl-0010.cnf.uai': 'Z = 0 as stored (empty-scope factors of entry 0)'}


def family(name):
    """The instance's family: the name before its number; the CNF-derived ones together."""
    if '.cnf' in name:
        return 'SAT (cnf)'
    return re.split(r'[_.]', name)[0]


def published(path):
    """ln Z* and the tolerance (in ln) of its rounding: k decimals of log10 Z."""
    tok = open(path + '.PR').read().split()
    text = tok[1]
    dec = len(text.split('.')[1]) if '.' in text else 0
    v = float(text)
    return v * LN10, (0.5 * 10.0 ** -dec + 1e-11 * max(1.0, abs(v))) * LN10


def read_uai(path):
    """(domains, [(scope, table as an array shaped by the scope's domains)]); the UAI layout:
    the last variable of a scope varies fastest, which is NumPy's C order."""
    tok = open(path).read().split()
    pos = 1  # MARKOV or BAYES
    n = int(tok[pos]); pos += 1
    dom = [int(t) for t in tok[pos:pos + n]]; pos += n
    nf = int(tok[pos]); pos += 1
    scopes = []
    for _ in range(nf):
        k = int(tok[pos]); pos += 1
        scopes.append([int(t) for t in tok[pos:pos + k]]); pos += k
    factors = []
    for s in scopes:
        cnt = int(tok[pos]); pos += 1
        t = np.array(tok[pos:pos + cnt], dtype=float); pos += cnt
        factors.append((s, t.reshape([dom[v] for v in s]) if s else t.reshape(())))
    return dom, factors


def read_evid(path, n):
    """Observed values: {variable: value}. 'N v x ...', or the older '1 N v x ...'."""
    if not os.path.exists(path):
        return {}
    tok = [int(t) for t in open(path).read().split()]
    if not tok:
        return {}
    if len(tok) >= 2 and tok[0] == 1 and len(tok) == 2 + 2 * tok[1]:
        tok = tok[1:]
    return {tok[1 + 2 * i]: tok[2 + 2 * i] for i in range(tok[0])}


def trivial_lnz(path):
    """ln Z of the fully factorized model: sum of ln d_i over the unobserved variables plus
    the sum over factors of ln (the mean of phi_f over the entries consistent with the
    evidence), -inf when a factor is zero on all of them; and, for comparison, the other
    reading, ln Z of uniform tables (all ones): the sum of ln d_i alone."""
    dom, factors = read_uai(path)
    ev = read_evid(path + '.evid', len(dom))
    total = uniform = sum(math.log(d) for v, d in enumerate(dom) if v not in ev)
    for scope, t in factors:
        idx = tuple(ev[v] if v in ev else slice(None) for v in scope)
        m = float(np.mean(t[idx])) if scope else float(t)
        if m <= 0.0:
            return -math.inf, uniform
        total += math.log(m)
    return total, uniform


def run_zsum(zsum, path, budget):
    """One run under `timeout budget`: (ln Z or None, answer kind, wall s, CPU s, why)."""
    args = ['timeout', '-k', '2', '%g' % budget, zsum, 'uai', path, '--budget', '%g' % budget,
            '--threads', '1', '--quiet', '--format', 'json']
    if os.path.exists(path + '.evid'):
        args[7:7] = ['--evid', path + '.evid']
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode in (124, 137):
        return None, 'timeout', wall, cpu, 'no answer within %gs' % budget
    if p.returncode != 0:
        return None, 'failed', wall, cpu, 'exit %d: %s' % (p.returncode, p.stderr.strip()[:120])
    d = json.loads(p.stdout)
    lnz = d.get('lnZ')
    if lnz is None:
        lnz = -math.inf if d.get('zero') else None
    kind = d.get('answer') or d.get('bound') or 'exact'
    if lnz is None or (isinstance(lnz, float) and math.isnan(lnz)):
        return None, 'failed', wall, cpu, 'no value in the output'
    method = d.get('method', '')
    return (float(lnz), kind + ('(%s)' % method if method and kind != 'exact' else ''), wall, cpu,
            d.get('not_exact', ''))


def score(lnz, ref, tol, maxerr):
    """(Err, score) by the competition's rule; Err within the published rounding is 0."""
    if lnz is None:
        return math.inf, 0.0
    err = abs(lnz - ref) if math.isfinite(lnz) else math.inf
    if err <= tol:
        err = 0.0
    if err == 0.0:
        return err, 100.0
    if not maxerr > 0.0:
        return err, 0.0
    return err, max(0.0, 100.0 * (1.0 - err / maxerr))


def main():
    zsum, data, filt, csv_path = sys.argv[1:5]
    budgets = [float(b) for b in sys.argv[5:]]
    names = sorted(f for f in os.listdir(data) if f.endswith('.uai') and re.search(filt, f))
    skipped = [n for n in names if n in EXCLUDED]
    names = [n for n in names if n not in EXCLUDED]
    inst = {}
    for n in names:
        path = os.path.join(data, n)
        ref, tol = published(path)
        triv, unif = trivial_lnz(path)
        inst[n] = (path, ref, tol, abs(triv - ref) if math.isfinite(triv) else math.inf, triv,
                   abs(unif - ref))
    rows = []
    for b in budgets:
        print('\n== budget %g s per instance, one thread' % b)
        print('%-27s %-16s %-22s %13s %13s %13s %10s %10s %6s %7s %7s' % (
            'instance', 'family', 'answer', 'ln Z', 'ln Z*', 'ln Z triv', 'Err', 'MaxErr',
            'score', 'wall s', 'cpu s'))
        for n in names:
            path, ref, tol, maxerr, triv, maxerr_u = inst[n]
            lnz, kind, wall, cpu, why = run_zsum(zsum, path, b)
            err, sc = score(lnz, ref, tol, maxerr)
            r = dict(budget=b, instance=n, family=family(n), answer=kind, lnz=lnz, ref=ref,
                     trivial=triv, err=err, maxerr=maxerr, score=sc, wall=wall, cpu=cpu, why=why,
                     score_uniform=score(lnz, ref, tol, maxerr_u)[1])
            rows.append(r)
            print('%-27s %-16s %-22s %13s %13.6f %13.6f %10.4g %10.4g %6.2f %7.2f %7.2f' % (
                n[:27], r['family'][:16], kind[:22], '%.6f' % lnz if lnz is not None else '-',
                ref, triv, err, maxerr, sc, wall, cpu), flush=True)
        summary(rows, b, len(names), skipped)
    if csv_path:
        with open(csv_path, 'w', newline='') as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ['budget'])
            w.writeheader()
            w.writerows(rows)


def summary(rows, b, count, skipped):
    mine = [r for r in rows if r['budget'] == b]
    total = sum(r['score'] for r in mine)
    print('\nscore at %g s: %.2f (average of %d instances; sum %.1f); %d exact, %d estimates or '
          'bounds, %d without an answer; left out: %s' % (
              b, total / max(1, count), count, total,
              sum(r['answer'] == 'exact' for r in mine),
              sum(r['lnz'] is not None and r['answer'] != 'exact' for r in mine),
              sum(r['lnz'] is None for r in mine), ', '.join(skipped) or 'none'))
    print('(with the other reading of the trivial solver, uniform tables: %.2f); CPU seconds in all '
          '%.1f, wall %.1f' % (sum(r['score_uniform'] for r in mine) / max(1, count),
                               sum(r['cpu'] for r in mine), sum(r['wall'] for r in mine)))
    print('%-16s %9s %9s %9s %9s' % ('family', 'instances', 'score', 'exact', 'cpu s'))
    for fam in sorted({r['family'] for r in mine}):
        fr = [r for r in mine if r['family'] == fam]
        print('%-16s %9d %9.2f %9d %9.1f' % (fam, len(fr), sum(r['score'] for r in fr) / len(fr),
                                           sum(r['answer'] == 'exact' for r in fr),
                                           sum(r['cpu'] for r in fr)))
    low = [r for r in mine if r['score'] < 100.0]
    print('below 100 (%d):' % len(low))
    for r in low:
        detail = r['why'] if r['lnz'] is None else 'Err %.4g of MaxErr %.4g%s' % (
            r['err'], r['maxerr'], '; not exact: ' + r['why'] if r['why'] else '')
        print('  %-27s %6.2f  %s: %s' % (r['instance'], r['score'], r['answer'], detail))


if __name__ == '__main__':
    main()
