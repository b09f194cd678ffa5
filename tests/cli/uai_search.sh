# uai_search.sh — zsum uai --method search and auto's fall to search: ln Z of random CNFs
# with literal weights and evidence against a brute force written here (Python, every
# assignment), the same through elimination, an unsatisfiable CNF (Z = 0), and the refusals.
. "$(dirname "$0")/lib.sh" "$@"

# A random 3-CNF on 14 variables (seed fixed) with weights on every third variable, written
# as a UAI file (a clause: one zero entry); ln Z by brute force; evidence x3 = 1, x10 = 0.
PYTHONPATH="$TMP" python3 - "$TMP" > "$TMP/want" <<'PY'
import math, random, sys
from zstest import lse, states
d = sys.argv[1]
def write(path, n, clauses, weights, extra=()):
    fs = [(len(c), [v for v, s in c], c) for c in clauses]
    with open(path, 'w') as f:
        f.write('MARKOV\n%d\n%s\n%d\n' % (n, ' '.join(['2'] * n), len(fs) + len(weights) + len(extra)))
        for a, vs, c in fs: f.write('%d %s\n' % (a, ' '.join(map(str, vs))))
        for v in weights: f.write('1 %d\n' % v)
        for vs, t in extra: f.write('%d %s\n' % (len(vs), ' '.join(map(str, vs))))
        for a, vs, c in fs:
            # the one zero: every literal false (sign 1 = positive literal, false at 0)
            zero = sum((1 - s) << (a - 1 - k) for k, (v, s) in enumerate(c))
            f.write('%d %s\n' % (1 << a, ' '.join('0' if e == zero else '1' for e in range(1 << a))))
        for v in weights: f.write('2 %s %s\n' % weights[v])
        for vs, t in extra: f.write('%d %s\n' % (len(t), ' '.join(t)))
def lnz(n, clauses, weights, ev):
    ws = []
    for x in states(n):
        if any(x[v] != a for v, a in ev.items()): continue
        if not all(any(x[v] == s for v, s in c) for c in clauses): continue
        ws.append(sum(math.log(float(weights[v][x[v]])) for v in weights))
    return lse(ws) if ws else -math.inf
rng = random.Random(7)
n = 14
clauses = [[(v, rng.randint(0, 1)) for v in rng.sample(range(n), 3)] for _ in range(40)]
weights = {v: ('%.3f' % (0.2 + rng.random()), '%.3f' % (0.5 + rng.random())) for v in range(0, n, 3)}
write(d + '/cnf.uai', n, clauses, weights)
with open(d + '/cnf.evid', 'w') as f: f.write('2 3 1 10 0\n')
print(repr(lnz(n, clauses, weights, {})), repr(lnz(n, clauses, weights, {3: 1, 10: 0})))
# unsatisfiable: x0 = x1 and x0 != x1 among other clauses
unsat = clauses[:10] + [[(0, 1), (1, 0)], [(0, 0), (1, 1)], [(0, 1), (1, 1)], [(0, 0), (1, 0)]]
write(d + '/unsat.uai', n, unsat, weights)
# not deterministic: a pairwise factor with two different non-zero entries (factor 45: after 40 clauses and 5 weights)
write(d + '/soft.uai', n, clauses, weights, extra=[((2, 5), ['1', '2', '0', '1'])])
PY
read -r want want_ev < "$TMP/want"

# search, asked for: the brute force's ln Z, with and without evidence
expect_ok uai "$TMP/cnf.uai" --method search --format json
expect_json "d['method'] == 'search' and abs(d['lnZ'] - $want) <= 1e-12 * max(1, abs($want))"
expect_json "d['decisions'] >= 1 and d['clauses'] == 40 and not d['zero'] and 'elimination_refused' not in d"
expect_ok uai "$TMP/cnf.uai" "$TMP/cnf.evid" --method search --format json
expect_json "abs(d['lnZ'] - $want_ev) <= 1e-12 * max(1, abs($want_ev)) and d['evidence'] == 2"
# the same through elimination
expect_ok uai "$TMP/cnf.uai" "$TMP/cnf.evid" --method elim --format json
expect_json "abs(d['lnZ'] - $want_ev) <= 1e-12 * max(1, abs($want_ev))"
# the branching with and without the tree decomposition: the same count
expect_ok uai "$TMP/cnf.uai" "$TMP/cnf.evid" --method search --td-weight 0 --format json
expect_json "abs(d['lnZ'] - $want_ev) <= 1e-12 * max(1, abs($want_ev)) and d['td_width'] == 0"
expect_ok uai "$TMP/cnf.uai" --method search --td-weight 1e6 --format json
expect_json "abs(d['lnZ'] - $want) <= 1e-12 * max(1, abs($want)) and d['td_width'] >= 2"
# the table and the competition's answer
expect_ok uai "$TMP/cnf.uai" --method search
expect_out "^method +search \(unit propagation, clause learning, components, component cache\)"
expect_out "^decisions +[0-9]+ \([0-9]+ conflicts\), [0-9]+ components counted, [0-9]+ cache hits"
expect_out "^learned +[0-9]+ clauses \(from the conflicts\)"
expect_out "^td width +[0-9]+ \(the tree decomposition that guided the branching\)"
expect_ok uai "$TMP/cnf.uai" --method search --format uai
if near "$(sed -n 2p "$TMP/out")" "$(python3 -c "print($want / 2.302585092994046)")" 1e-12; then pass; else fail "--format uai: $(cat "$TMP/out")"; fi

# auto: elimination refused (memory and work limits far too small) -> search, saying why
expect_ok uai "$TMP/cnf.uai" --max-memory 1K --max-work 10 --format json
expect_json "d['method'] == 'search' and 'max-work' in d['elimination_refused']"
expect_json "abs(d['lnZ'] - $want) <= 1e-12 * max(1, abs($want))"
expect_ok uai "$TMP/cnf.uai" --max-memory 1K --max-work 10
expect_out "^method +search \(elimination is out of reach: "
# ... but a model outside the search class keeps the elimination's refusal
expect_reject "more than the work limit" uai "$TMP/soft.uai" --max-memory 1K --max-work 10
# elim never falls to search
expect_reject "more than the work limit" uai "$TMP/cnf.uai" --method elim --max-memory 1K --max-work 10

# --budget: the elimination beyond the memory (1K) and the budget -> search, labelled exact
expect_ok uai "$TMP/cnf.uai" --budget 30 --max-memory 1K --format json
expect_json "d['method'] == 'search' and d['answer'] == 'exact' and abs(d['lnZ'] - $want) <= 1e-12 * max(1, abs($want))"
expect_ok uai "$TMP/cnf.uai" --budget 30 --max-memory 1K
expect_out "^answer +exact \(search within the budget\)"
expect_ok uai "$TMP/cnf.uai" --budget 30 --max-memory 1K --td-weight 0 --format json
expect_json "d['method'] == 'search' and d['td_width'] == 0 and abs(d['lnZ'] - $want) <= 1e-12 * max(1, abs($want))"
# ... a model outside the class gets the approximations
expect_ok uai "$TMP/soft.uai" --budget 30 --max-memory 1K --format json
expect_json "d['answer'] != 'exact' and 'method' not in d or d['method'] != 'search'"

# Z = 0: -inf, zero true, exit 0
expect_ok uai "$TMP/unsat.uai" --method search --format json
expect_json "d['zero'] is True and d['lnZ'] is None"
expect_ok uai "$TMP/unsat.uai" --method search --format uai
expect_out "^-inf$"
expect_ok uai "$TMP/unsat.uai" --method search
expect_out "^ln Z +-inf"

# refusals
expect_reject "search: factor 45 \(2 variables\) has the non-zero entries" uai "$TMP/soft.uai" --method search
expect_reject "--method: 'dpll' is not one of auto, elim, search" uai "$TMP/cnf.uai" --method dpll
expect_reject "it excludes --order" uai "$TMP/cnf.uai" --method search --order minfill
expect_reject "it excludes --plan-only" uai "$TMP/cnf.uai" --method search --plan-only
expect_reject "it excludes --marginals" uai "$TMP/cnf.uai" --method search --marginals
expect_reject "it excludes --approx" uai "$TMP/cnf.uai" --method search --approx bp
expect_reject "excludes --method search" uai "$TMP/cnf.uai" --method search --budget 5
expect_reject "--td-weight: '-1' must be >= 0" uai "$TMP/cnf.uai" --method search --td-weight -1
expect_reject "--td-weight: 'lots' is not a number" uai "$TMP/cnf.uai" --method search --td-weight lots
expect_reject "--td-weight sets the search's branching; it excludes --method elim" uai "$TMP/cnf.uai" --method elim --td-weight 5
expect_reject "it excludes --approx" uai "$TMP/cnf.uai" --approx bp --td-weight 5
expect_reject "--max-seconds needs --approx METHOD" uai "$TMP/cnf.uai" --method elim --max-seconds 5
expect_reject "--damping needs --approx METHOD" uai "$TMP/cnf.uai" --method search --max-seconds 5 --damping 0.5
# --max-seconds: a search stopped at its limit is refused with what it did (the check comes
# at the first decision, then every 64)
expect_reject "search: stopped at the limit of seconds \(.*decisions" uai "$TMP/cnf.uai" --method search --max-seconds 1e-9

finish
