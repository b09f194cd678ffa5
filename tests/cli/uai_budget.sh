# uai_budget.sh — zsum uai --budget SECONDS: exact and labelled exact when the elimination
# fits the budget, a labelled estimate or bound when it does not, never inf or NaN, and every
# rejection.
. "$(dirname "$0")/lib.sh" "$@"

# The tree of uai.sh: Z = 207, exact within any budget.
cat > "$TMP/m.uai" <<'EOF2'
MARKOV
2
2 2
2
2 1 0
1 0

4
 2 3
 5 7

2
 11 13
EOF2
lnz207=$(python3 -c 'import math; print(math.log(207))')
expect_ok uai "$TMP/m.uai" --budget 10 --format json
expect_json "d['answer'] == 'exact' and abs(d['lnZ'] - $lnz207) < 1e-12 and d['width'] == 1"
expect_ok uai "$TMP/m.uai" --budget 10
expect_out '^answer +exact \(variable elimination within the budget\)$'
expect_ok uai "$TMP/m.uai" --budget 0.5 --format uai
expect_out '^PR$'
near "$(sed -n 2p "$TMP/out")" "$(python3 -c 'import math; print(math.log10(207))')" 1e-12 "--budget --format uai"

# complete N J FILE: writes the complete graph on N binary variables, phi_ij = e^{J s_i s_j}
# (s = +-1), to FILE and prints its ln Z by the closed form
# Z = sum_k C(N,k) e^{J ((N - 2k)^2 - N) / 2} (magnetization N - 2k), a sum of N + 1 terms.
complete() {
    python3 - "$@" <<'EOF2'
import math, sys
n, J, path = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
a, b = math.exp(J), math.exp(-J)
pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
with open(path, 'w') as f:
    f.write('MARKOV\n%d\n%s\n%d\n' % (n, ' '.join(['2'] * n), len(pairs)))
    f.writelines('2 %d %d\n' % p for p in pairs)
    f.writelines('\n4\n %r %r\n %r %r\n' % (a, b, b, a) for _ in pairs)
print(repr(math.log(sum(math.comb(n, k) * math.exp(J * ((n - 2 * k) ** 2 - n) / 2)
                        for k in range(n + 1)))))
EOF2
}

# The complete graph on 30 binary variables: elimination's tables have 2^29 entries (6e10
# entries read), far beyond a second, while its closed form is a sum of 31 terms. At J = 0.02 (n J = 0.6, the disordered phase) the Bethe estimate is within 0.1 of it.
lnzk30=$(complete 30 0.02 "$TMP/k30.uai")
expect_ok uai "$TMP/k30.uai" --budget 2 --format json
expect_json "d['answer'] == 'estimate' and d['bound'] == 'estimate' and d['method'] == 'bp' and math.isfinite(d['lnZ']) and abs(d['lnZ'] - $lnzk30) < 0.1"
expect_json "d['not_exact'].startswith('elimination needs ')"
expect_ok uai "$TMP/k30.uai" --budget 2
expect_out '^answer +estimate, not exact: elimination needs [0-9.e+]+ table entries \(about [0-9.e+]+ s\), beyond the budget$'
expect_out '^ln Z +[0-9.]+ +\(estimate: no guarantee of side\)$'
# Over the memory limit too (conditioning would not bring it within the budget).
expect_ok uai "$TMP/k30.uai" --budget 2 --max-memory 1M --format json
expect_json "d['answer'] == 'estimate' and math.isfinite(d['lnZ'])"
# The methods to fall back on are --approx's, in turn: mean field gives a lower bound,
# labelled so; a method that cannot run (gbp: not a square lattice) passes to the next.
expect_ok uai "$TMP/k30.uai" --budget 2 --approx mf --format json
expect_json "d['answer'] == 'lower-bound' and d['method'] == 'mf' and d['lnZ'] <= $lnzk30"
expect_ok uai "$TMP/k30.uai" --budget 2 --approx gbp,mbe --ibound 4 --format json
expect_json "d['answer'] == 'upper-bound' and d['method'] == 'mbe' and d['lnZ'] >= $lnzk30"
expect_ok uai "$TMP/k30.uai" --budget 2 --format uai
expect_out '^PR$'
# When every method fails: the last one's message and exit status (2: gbp needs a square
# lattice), no answer.
run uai "$TMP/k30.uai" --budget 2 --approx gbp
[ "$status" -eq 2 ] && [ ! -s "$TMP/out" ] && grep -q gbp "$TMP/err" && pass ||
    fail "--budget with only gbp on a complete graph: status $status, $(cat "$TMP/err")"

# K_24 at J = 0.02: 7.7e8 table entries, estimated at 0.46 s, more than 2 % of a 4 s
# budget, so BP's answer is found first; the elimination then has until 88 % of the budget. It
# finishes (0.2 s of CPU) unless the machine is very busy: either answer, each right.
lnzk24=$(complete 24 0.02 "$TMP/k24.uai")
expect_ok uai "$TMP/k24.uai" --budget 4 --threads 1 --format json
expect_json "(d['answer'] == 'exact' and abs(d['lnZ'] - $lnzk24) < 1e-9) or (d['answer'] == 'estimate' and d['method'] == 'bp' and d['not_exact'].startswith('elimination (') and abs(d['lnZ'] - $lnzk24) < 0.5)"

# Rejections.
expect_reject "--budget: '0' is not a number of seconds > 0" uai "$TMP/m.uai" --budget 0
expect_reject "--budget: '-1' is not a number of seconds > 0" uai "$TMP/m.uai" --budget -1
expect_reject "--budget" uai "$TMP/m.uai" --budget nan
expect_reject "--budget" uai "$TMP/m.uai" --budget inf
expect_reject "--budget" uai "$TMP/m.uai" --budget 1e999
expect_reject "--budget" uai "$TMP/m.uai" --budget x
expect_reject "--budget needs a value" uai "$TMP/m.uai" --budget
expect_reject "--budget" uai "$TMP/m.uai" --budget 1 --budget 2
expect_reject "--budget gives ln Z; it excludes --plan-only" uai "$TMP/m.uai" --budget 1 --plan-only
expect_reject "it excludes --plan-only and --marginals" uai "$TMP/m.uai" --budget 1 --marginals
expect_reject "it excludes --plan-only and --marginals" uai "$TMP/m.uai" --budget 1 --format mar
expect_reject "--budget sets the time itself; it excludes --compare" uai "$TMP/m.uai" --budget 1 --compare
expect_reject "--budget sets the time itself; it excludes --max-seconds" uai "$TMP/m.uai" --budget 1 --max-seconds 2
expect_reject "--approx: 'x' is not one of" uai "$TMP/m.uai" --budget 1 --approx x
finish
