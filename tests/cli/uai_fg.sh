# uai_fg.sh — zsum uai on libDAI .fg files: the same answers as on the .uai files that a
# converter of the test's own (fg2uai.py) makes of them; every refusal names FILE:LINE.
. "$(dirname "$0")/lib.sh" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)

# Labels 3, 7, 10 (not 0..n-1), a scope listed against the label order, a sparse table.
cat > "$TMP/m.fg" <<'FG'
# a small factor graph
3

2
7 3
3 2
6
0 0.5
1 2
2 1.5
3 0.25
4 1
5 3

2
10 7
2 3
4
0 1
2 0.5
3 2
5 4

1
3
2
2
0 1.5
1 0.5
FG
python3 "$HERE/fg2uai.py" "$TMP/m.fg" "$TMP/m.uai"
# An independent ln Z of the converted file: every assignment (3 x 2 x 2 states).
want=$(python3 - "$TMP/m.fg" <<'PY'
import itertools, math, sys
# by hand from the file above: variables (3, 7, 10) by rank 0, 1, 2
f1 = {}  # scope (7, 3), first fastest: i = x7 + 3 x3
for i, v in [(0, 0.5), (1, 2), (2, 1.5), (3, 0.25), (4, 1), (5, 3)]: f1[(i % 3, i // 3)] = v
f2 = {}  # scope (10, 7): i = x10 + 2 x7
for i, v in [(0, 1), (2, 0.5), (3, 2), (5, 4)]: f2[(i % 2, i // 2)] = v
f3 = {0: 1.5, 1: 0.5}
z = sum(f1.get((x7, x3), 0) * f2.get((x10, x7), 0) * f3[x3]
        for x3, x7, x10 in itertools.product(range(2), range(3), range(2)))
print(repr(math.log(z)))
PY
)
lnz() { python3 -c "import json,sys; print(repr(json.load(open('$1'))['lnZ']))"; }
expect_ok uai "$TMP/m.fg" --format json && cp "$TMP/out" "$TMP/fg.json"
expect_ok uai "$TMP/m.uai" --format json && cp "$TMP/out" "$TMP/uai.json"
if [ "$(lnz "$TMP/fg.json")" = "$(lnz "$TMP/uai.json")" ] &&
   python3 -c "import sys; sys.exit(abs($(lnz "$TMP/fg.json")-$want) > 1e-13)"; then pass
else fail "ln Z of m.fg $(lnz "$TMP/fg.json"), of its conversion $(lnz "$TMP/uai.json"), by hand $want"; fi
# The format is told by the content when the name does not say (and from standard input).
cp "$TMP/m.fg" "$TMP/m.model"
expect_ok uai "$TMP/m.model" --format json
[ "$(lnz "$TMP/out")" = "$(lnz "$TMP/fg.json")" ] && pass || fail "m.model not read as .fg"
run uai - --format json < "$TMP/m.fg"
[ "$status" -eq 0 ] && [ "$(lnz "$TMP/out")" = "$(lnz "$TMP/fg.json")" ] && pass || fail "stdin .fg: $(cat "$TMP/err")"
gzip -c "$TMP/m.fg" > "$TMP/m.fg.gz"
expect_ok uai "$TMP/m.fg.gz" --format json
[ "$(lnz "$TMP/out")" = "$(lnz "$TMP/fg.json")" ] && pass || fail "m.fg.gz"
# Evidence refers to variables by rank: variable 1 is label 7.
printf '1 1 2\n' > "$TMP/m.evid"
expect_ok uai "$TMP/m.fg" --evid "$TMP/m.evid" --format json && cp "$TMP/out" "$TMP/fge.json"
expect_ok uai "$TMP/m.uai" --evid "$TMP/m.evid" --format json
[ "$(lnz "$TMP/out")" = "$(lnz "$TMP/fge.json")" ] && pass || fail "evidence on .fg and .uai differ"

# Refusals: exit 2, FILE:LINE and the reason.
printf '1\n\n2\n0 0\n2 2\n0\n' > "$TMP/dup.fg"
expect_reject "dup.fg:4: label 0 appears twice in factor 0" uai "$TMP/dup.fg"
printf '2\n\n1\n0\n2\n0\n\n1\n0\n3\n0\n' > "$TMP/dims.fg"
expect_reject "dims.fg:10: label 0 has 3 values here and 2 on line 5" uai "$TMP/dims.fg"
printf '1\n\n1\n0\n2\n1\n2 1\n' > "$TMP/index.fg"
expect_reject "index.fg:7: the index of entry 1 of factor 0 .*: 2 is out of range 0..1" uai "$TMP/index.fg"
printf '1\n\n1\n0\n2\n1\n0 -1\n' > "$TMP/neg.fg"
expect_reject "neg.fg:7: factor 0, entry 0: -1 is negative" uai "$TMP/neg.fg"
printf '2\n\n1\n0\n2\n0\n' > "$TMP/short.fg"
expect_reject "short.fg:7: the file ends where the number of variables of factor 1 was expected" uai "$TMP/short.fg"
printf 'MARKOVX\n' > "$TMP/x.model"
expect_reject "x.model:1: expected MARKOV or BAYES, found 'MARKOVX'" uai "$TMP/x.model"
finish
