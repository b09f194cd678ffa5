#!/usr/bin/env bash
# docs_examples.sh — the example files the tours use (examples/data/) give the answers the docs
# say: each UAI model's ln Z, with and without its evidence, against a brute-force sum over every
# assignment by an independent reader written here in Python; the pattern files hold the
# patterns the Hopfield tour describes.
. "$(dirname "$0")/lib.sh" "$@"
SRC=${ZSUM_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
D=$SRC/examples/data

# brute MODEL.uai [EVID]: ln Z by summing prod_f phi_f over every assignment (last scope
# variable fastest in a table, as the UAI format says).
brute() {
    python3 - "$@" <<'PY'
import itertools, math, sys
tok = open(sys.argv[1]).read().split()
kind, n = tok[0], int(tok[1]); pos = 2
dom = [int(t) for t in tok[pos:pos + n]]; pos += n
nf = int(tok[pos]); pos += 1
scopes = []
for _ in range(nf):
    k = int(tok[pos]); scopes.append([int(t) for t in tok[pos + 1:pos + 1 + k]]); pos += 1 + k
tables = []
for s in scopes:
    m = int(tok[pos]); tables.append([float(t) for t in tok[pos + 1:pos + 1 + m]]); pos += 1 + m
assert pos == len(tok)
ev = {}
if len(sys.argv) > 2:
    e = [int(t) for t in open(sys.argv[2]).read().split()]
    for q in range(e[0]): ev[e[1 + 2 * q]] = e[2 + 2 * q]
z = 0.0
for x in itertools.product(*[range(d) for d in dom]):
    if any(x[v] != val for v, val in ev.items()): continue
    w = 1.0
    for s, t in zip(scopes, tables):
        i = 0
        for v in s: i = i * dom[v] + x[v]
        w *= t[i]
    z += w
print(repr(math.log(z)))
PY
}

for m in "$D"/*.uai; do
    ev=${m%.uai}.evid
    want=$(brute "$m")
    expect_ok uai "$m" --format json
    expect_json "abs(d['lnZ'] - $want) <= 1e-12 * abs($want)"
    if [ -f "$ev" ]; then
        want=$(brute "$m" "$ev")
        expect_ok uai "$m" --evid "$ev" --format json
        expect_json "abs(d['lnZ'] - $want) <= 1e-12 * abs($want)"
    fi
done
# The tour's hand computation: Z = 207, and 130 with x0 = 1.
near "$(brute "$D/pair.uai")" "$(python3 -c 'import math; print(math.log(207))')" 1e-15 && pass || fail "pair.uai: Z != 207"
near "$(brute "$D/pair.uai" "$D/pair.evid")" "$(python3 -c 'import math; print(math.log(130))')" 1e-15 && pass || fail "pair.uai + pair.evid: Z != 130"

# Hopfield patterns: three 7x7 glyphs; 20 patterns of 40 units.
cd "$TMP" || exit 1
expect_ok hopfield store "$D/letters.txt" --shape 7x7 -o letters.npz --format json
expect_json 'd["n"] == 49 and d["p"] == 3 and d["shape"] == [7, 7]'
expect_ok hopfield store "$D/half.txt" -o half.npz --format json
expect_json 'd["n"] == 40 and d["p"] == 20'
finish
