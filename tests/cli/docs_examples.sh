#!/usr/bin/env bash
# docs_examples.sh — the example files the tours use give the answers the docs say: the UAI
# tour's libDAI model from ../shared/data (skipped with a message when it is absent) against a
# brute-force sum by an independent reader written here in Python; the pattern files of
# examples/data hold the patterns the Hopfield tour describes.
. "$(dirname "$0")/lib.sh" "$@"
SRC=${ZSUM_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
D=$SRC/examples/data

# The UAI tour reads libDAI's twofactors.fg from ../shared/data: its ln Z and marginals against
# a brute-force sum over every assignment by an independent reader of the .fg format written
# here (first variable of a factor fastest, unlisted entries 0), and against the tour's hand
# computation Z = 5.463108 * 4.196477 (the two factors' sums; their variables are disjoint).
FG=${ZSUM_SHARED:-}/data/libdai/twofactors.fg
if [ -e "$FG" ]; then
    expect_ok uai "$FG" --marginals --format json
    python3 - "$FG" "$TMP/out" <<'PY' && pass || fail "twofactors.fg: ln Z or marginals differ from the brute-force sum"
import itertools, json, math, sys
tok = [l.split('#')[0] for l in open(sys.argv[1])]
tok = ' '.join(tok).split()
pos, nf, fs = 1, int(tok[0]), []
for _ in range(nf):
    k = int(tok[pos]); lab = [int(t) for t in tok[pos + 1:pos + 1 + k]]
    dim = [int(t) for t in tok[pos + 1 + k:pos + 1 + 2 * k]]; pos += 1 + 2 * k
    m = int(tok[pos]); t = {}
    for q in range(m): t[int(tok[pos + 1 + 2 * q])] = float(tok[pos + 2 + 2 * q])
    pos += 1 + 2 * m; fs.append((lab, dim, t))
assert pos == len(tok)
dom = {}
for lab, dim, _ in fs: dom.update(zip(lab, dim))
labels = sorted(dom)
z, marg = 0.0, [[0.0] * dom[l] for l in labels]
for x in itertools.product(*[range(dom[l]) for l in labels]):
    val = dict(zip(labels, x)); w = 1.0
    for lab, dim, t in fs:
        i, stride = 0, 1
        for l, d in zip(lab, dim): i += val[l] * stride; stride *= d
        w *= t.get(i, 0.0)
    z += w
    for k, l in enumerate(labels): marg[k][val[l]] += w
d = json.load(open(sys.argv[2]))
ok = abs(d['lnZ'] - math.log(z)) <= 1e-12 * abs(math.log(z))
ok &= abs(z - 5.463108 * 4.196477) <= 1e-12 * z
ok &= all(abs(a - b / z) <= 1e-12 for row, want in zip(d['marginals'], marg) for a, b in zip(row, want))
sys.exit(0 if ok else 1)
PY
else
    echo "SKIP: the UAI tour's model $FG is absent (reference data lives in ../shared)"
fi

# Hopfield patterns: three 7x7 glyphs; 20 patterns of 40 units.
cd "$TMP" || exit 1
expect_ok hopfield store "$D/letters.txt" --shape 7x7 -o letters.npz --format json
expect_json 'd["n"] == 49 and d["p"] == 3 and d["shape"] == [7, 7]'
expect_ok hopfield store "$D/half.txt" -o half.npz --format json
expect_json 'd["n"] == 40 and d["p"] == 20'
finish
