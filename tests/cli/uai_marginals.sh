# uai_marginals.sh — zsum uai --marginals: p(x_i | evidence) against a brute force written
# here (every assignment, from the UAI file's numbers), with evidence, zeros and conditioning;
# the table, JSON, MAR (stdout and -o FILE) forms agree; every refusal.
. "$(dirname "$0")/lib.sh" "$@"

# A dense model: 8 variables of 4 values, every pair linked (width 7, tables of 4^7 entries),
# some zeros.
python3 - > "$TMP/d.uai" <<'PY'
import random
random.seed(7)
n, d = 8, 4
fs = [(i, j) for i in range(n) for j in range(i + 1, n)]
print("MARKOV"); print(n); print(" ".join([str(d)] * n)); print(len(fs) + 1)
for i, j in fs: print(2, i, j)
print(1, 4)
for i, j in fs:
    print(d * d); print(" ".join("0" if random.random() < 0.1 else "%.6f" % random.uniform(0.2, 3) for _ in range(d * d)))
print(4); print("0.5 0 2 1")
PY
printf '1 2 1\n' > "$TMP/d.evid"
# brute force: marginals as JSON lists, given the evidence file (or none)
brute() {
python3 - "$TMP/d.uai" "$@" <<'PY'
import itertools, json, sys
tok = open(sys.argv[1]).read().split()
it = iter(tok); next(it)
n = int(next(it)); dom = [int(next(it)) for _ in range(n)]
nf = int(next(it)); scopes = []
for _ in range(nf):
    k = int(next(it)); scopes.append([int(next(it)) for _ in range(k)])
tabs = []
for _ in range(nf):
    c = int(next(it)); tabs.append([float(next(it)) for _ in range(c)])
ev = {}
if len(sys.argv) > 2:
    e = open(sys.argv[2]).read().split(); c = int(e[0])
    ev = {int(e[1 + 2 * k]): int(e[2 + 2 * k]) for k in range(c)}
marg = [[0.0] * d for d in dom]; z = 0.0
for x in itertools.product(*[range(d) for d in dom]):
    if any(x[v] != val for v, val in ev.items()): continue
    p = 1.0
    for sc, t in zip(scopes, tabs):
        i = 0
        for v in sc: i = i * dom[v] + x[v]
        p *= t[i]
    z += p
    for v in range(n): marg[v][x[v]] += p
print(json.dumps([[m / z for m in row] for row in marg]))
PY
}
# compare JSON marginals (file $1) with the brute force (file $2): |difference| <= 1e-12
agree() {
python3 - "$1" "$2" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))["marginals"]; want = json.load(open(sys.argv[2]))
worst = max(abs(g - w) for gr, wr in zip(got, want) for g, w in zip(gr, wr))
sys.exit(0 if len(got) == len(want) and worst <= 1e-12 else 1)
PY
}
brute > "$TMP/want.json"
brute "$TMP/d.evid" > "$TMP/want_e.json"
expect_ok uai "$TMP/d.uai" --marginals --format json && cp "$TMP/out" "$TMP/got.json"
agree "$TMP/got.json" "$TMP/want.json" && pass || fail "marginals differ from the brute force"
expect_ok uai "$TMP/d.uai" "$TMP/d.evid" --marginals --format json && cp "$TMP/out" "$TMP/got_e.json"
agree "$TMP/got_e.json" "$TMP/want_e.json" && pass || fail "marginals with evidence differ from the brute force"
# the observed variable is a point mass; the zero entry of variable 4 gives probability 0
python3 -c "
import json; m = json.load(open('$TMP/got_e.json'))['marginals']
assert m[2] == [0, 1, 0, 0] and m[4][1] == 0, m" && pass || fail "point mass / zero not exact"
# Conditioning (a memory limit below the plan's 418 KiB on one thread): the same marginals.
expect_ok uai "$TMP/d.uai" --marginals --format json --max-memory 200K --threads 1
python3 -c "import json,sys; sys.exit(0 if json.load(open('$TMP/out'))['conditioned'] else 1)" && pass ||
    fail "--max-memory 100K did not condition"
cp "$TMP/out" "$TMP/got_c.json"
agree "$TMP/got_c.json" "$TMP/want.json" && pass || fail "conditioned marginals differ from the brute force"

# The forms agree: MAR on stdout, -o FILE, the JSON, the table.
expect_ok uai "$TMP/d.uai" "$TMP/d.evid" --format mar
cp "$TMP/out" "$TMP/stdout.mar"
expect_ok uai "$TMP/d.uai" "$TMP/d.evid" -o "$TMP/file.MAR" --format json
python3 - "$TMP/stdout.mar" "$TMP/file.MAR" "$TMP/got_e.json" <<'PY' && pass || fail "MAR answers disagree with the JSON"
import json, sys
a, b = open(sys.argv[1]).read(), open(sys.argv[2]).read()
m = json.load(open(sys.argv[3]))["marginals"]
assert a == b, (a, b)
lines = a.split("\n")
assert lines[0] == "MAR" and lines[2] == "" and len(lines) == 3, lines
t = lines[1].split(); assert int(t[0]) == len(m)
k = 1
for row in m:
    assert int(t[k]) == len(row); k += 1
    for p in row:
        assert float(t[k]) == p; k += 1
assert k == len(t)
PY
expect_ok uai "$TMP/d.uai" --marginals
expect_out '^marginals    p\(x_i = 0\), p\(x_i = 1\), \.\.\. given the evidence$'
[ "$(grep -cE '^  [0-7] ' "$TMP/out")" -eq 8 ] && pass || fail "table: not one line per variable"
# libDAI's .fg through the same path (the format by name)
printf '1\n\n2\n0 1\n2 2\n4\n0 1\n1 2\n2 3\n3 4\n' > "$TMP/p.fg"
expect_ok uai "$TMP/p.fg" --format mar
# p(x0 = 1) = (2 + 4) / 10, p(x1 = 1) = (3 + 4) / 10 (x0 fastest in .fg)
python3 -c "
t = [float(x) for x in open('$TMP/out').read().split()[1:]]
w = [2, 2, 0.4, 0.6, 2, 0.3, 0.7]
assert len(t) == len(w) and all(abs(a - b) <= 1e-15 for a, b in zip(t, w)), t" && pass ||
    fail ".fg marginals: $(cat "$TMP/out")"

# Refusals.
expect_reject "--plan-only computes nothing" uai "$TMP/d.uai" --marginals --plan-only
expect_reject "--format uai prints the PR answer" uai "$TMP/d.uai" --marginals --format uai
expect_reject "--marginals: no csv form" uai "$TMP/d.uai" --marginals --format csv
expect_reject "-o needs a value" uai "$TMP/d.uai" -o
expect_reject "--output: cannot write '$TMP': " uai "$TMP/d.uai" -o "$TMP"
expect_reject "--format: 'MAR' is not one of table, json, csv, uai, mar" uai "$TMP/d.uai" --format MAR
printf 'MARKOV\n2\n2 2\n1\n1 0\n2\n1 0\n' > "$TMP/z.uai"
printf '1 0 1\n' > "$TMP/z.evid"
expect_reject "the evidence has probability 0 \(Z = 0\)" uai "$TMP/z.uai" "$TMP/z.evid" --marginals
[ ! -e "$TMP/none.MAR" ] && expect_reject "probability 0" uai "$TMP/z.uai" "$TMP/z.evid" -o "$TMP/none.MAR"
[ ! -e "$TMP/none.MAR" ] && pass || fail "a MAR file was left after a refusal"
finish
