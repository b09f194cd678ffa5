# uai.sh — zsum uai: answers on hand-computed models, output formats, every rejection.
. "$(dirname "$0")/lib.sh" "$@"

# Two binary variables; scope (1, 0): the last variable (x0) fastest, so the pair table reads
# phi(x1,x0) = 2 3 / 5 7; a unary 11 13 on x0. Z = 2*11 + 3*13 + 5*11 + 7*13 = 207, and with
# x0 = 1: 3*13 + 7*13 = 130.
cat > "$TMP/m.uai" <<'EOF'
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
EOF
printf '1 0 1\n' > "$TMP/m.evid"
printf '1\n1 0 1\n' > "$TMP/old.evid"
printf '0\n' > "$TMP/none.evid"

lnz207=$(python3 -c 'import math; print(math.log(207))')
lnz130=$(python3 -c 'import math; print(math.log(130))')

expect_ok uai "$TMP/m.uai"
expect_out '^ln Z +5\.3327187932653'
expect_out '^evidence +none'
expect_out 'induced width 1'
expect_ok uai "$TMP/m.uai" --format json
expect_json "abs(d['lnZ'] - $lnz207) < 1e-14 and abs(d['log10Z'] - math.log10(207)) < 1e-14"
expect_json "d['width'] == 1 and d['max_table_entries'] == 2 and d['evidence'] == 0 and d['zero'] is False"
expect_json "d['order'] == 'auto' and sorted(d['elimination_order']) == [0, 1] and d['seconds'] >= 0"
expect_ok uai "$TMP/m.uai" --evid "$TMP/m.evid" --format json
expect_json "abs(d['lnZ'] - $lnz130) < 1e-14 and d['evidence'] == 1"
expect_ok uai "$TMP/m.uai" --evid "$TMP/old.evid" --format json
expect_json "abs(d['lnZ'] - $lnz130) < 1e-14 and d['evidence'] == 1"
expect_ok uai "$TMP/m.uai" --evid "$TMP/none.evid" --format json
expect_json "abs(d['lnZ'] - $lnz207) < 1e-14 and d['evidence'] == 0"
for o in minfill mindegree weighted-minfill file auto; do
    expect_ok uai "$TMP/m.uai" --order $o --format json
    expect_json "abs(d['lnZ'] - $lnz207) < 1e-14 and d['order'] == '$o'"
done
expect_ok uai "$TMP/m.uai" --format uai
expect_out '^PR$'
expect_out '^2\.31597034545'
# CSV: the JSON's keys as the header, one line of values (arrays space-separated).
"$ZSUM" uai "$TMP/m.uai" --evid "$TMP/m.evid" --format json > "$TMP/j"
expect_ok uai "$TMP/m.uai" --evid "$TMP/m.evid" --format csv
if python3 -c "import csv,json,math,sys; r=list(csv.reader(open('$TMP/out'))); d=json.load(open('$TMP/j')); v=dict(zip(r[0], r[1])); sys.exit(0 if len(r) == 2 and r[0] == list(d) and abs(float(v['lnZ']) - $lnz130) < 1e-14 and v['evidence'] == '1' and v['elimination_order'] == ' '.join(map(str, d['elimination_order'])) else 1)"; then
    pass
else
    fail "uai --format csv: not the JSON's keys and values: $(head -c 300 "$TMP/out")"
fi
# A field holding a comma is quoted (RFC 4180), so the line still has the header's columns.
cp "$TMP/m.uai" "$TMP/a,b.uai"
expect_ok uai "$TMP/a,b.uai" --format csv
if python3 -c "import csv,sys; r=list(csv.reader(open('$TMP/out'))); sys.exit(0 if len(r[1]) == len(r[0]) and r[1][0] == '$TMP/a,b.uai' else 1)"; then
    pass
else
    fail "uai --format csv: a path with a comma is not one quoted field: $(head -c 300 "$TMP/out")"
fi
expect_ok uai "$TMP/m.uai" --plan-only --format json
expect_json "d['width'] == 1 and 'lnZ' not in d"
expect_ok uai "$TMP/m.uai" --max-memory 1G --threads 1 --quiet
# --verbose: the plan goes to stderr before the work, the answer to stdout.
run uai "$TMP/m.uai" --verbose --format uai
if [ "$status" -eq 0 ] && grep -qE '^zsum: uai: order .*induced width 1, largest table 2 entries' "$TMP/err" &&
   grep -qE '^2\.31597' "$TMP/out"; then pass; else fail "--verbose: status $status, stderr '$(cat "$TMP/err")'"; fi
expect_ok uai --help
expect_out '^usage: zsum uai'

# Z = 0: the evidence x0 = 1 meets a table that is zero there.
printf 'MARKOV\n2\n2 2\n1\n1 0\n2\n4 0\n' > "$TMP/zero.uai"
expect_ok uai "$TMP/zero.uai" --evid "$TMP/m.evid"
expect_out '^ln Z +-inf'
expect_ok uai "$TMP/zero.uai" --evid "$TMP/m.evid" --format json
expect_json "d['lnZ'] is None and d['log10Z'] is None and d['zero'] is True"
expect_ok uai "$TMP/zero.uai" --evid "$TMP/m.evid" --format uai
expect_out '^-inf$'

# Usage errors.
expect_reject "a model file MODEL.uai is needed" uai
expect_reject "at most one evidence file are expected; .* is a third" uai "$TMP/m.uai" "$TMP/m.evid" "$TMP/m.uai"
expect_reject "unknown option '--bogus'" uai "$TMP/m.uai" --bogus
expect_reject "--order: 'minfil' is not one of" uai "$TMP/m.uai" --order minfil
expect_reject "--order needs a value" uai "$TMP/m.uai" --order
expect_reject "--format: 'xml' is not one of table, json, csv, uai" uai "$TMP/m.uai" --format xml
expect_reject "--threads" uai "$TMP/m.uai" --threads 0
expect_reject "--plan-only has no answer to print in --format uai" uai "$TMP/m.uai" --plan-only --format uai
expect_reject "--evid needs a value" uai "$TMP/m.uai" --evid
for bad in 0 -1 4X 12.5Q G "" 1e400 nan; do
    expect_reject "--max-memory: '$bad' is not a size" uai "$TMP/m.uai" --max-memory "$bad"
done
expect_reject "needs .* more than the memory limit of 100.0 B" uai "$TMP/m.uai" --max-memory 100
expect_reject "cannot open" uai "$TMP/absent.uai"
expect_reject "cannot open" uai "$TMP/m.uai" --evid "$TMP/absent.evid"

# Conditioning: a complete graph on 14 binary variables (width 13, a table of 2^13 entries)
# under a memory limit below its plan's peak is run once per assignment of a few conditioned
# variables; ln Z is checked against a brute force over the 2^14 states written here.
python3 - "$TMP/k14.uai" > "$TMP/k14.lnz" <<'PY'
import itertools, math, sys
n = 14
pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
w = {(i, j): [1.0 + ((7 * i + 3 * j + k * k) % 11) / 5.0 for k in range(4)] for (i, j) in pairs}
with open(sys.argv[1], 'w') as f:
    f.write('MARKOV\n%d\n%s\n%d\n' % (n, ' '.join(['2'] * n), len(pairs)))
    for (i, j) in pairs: f.write('2 %d %d\n' % (i, j))
    for (i, j) in pairs: f.write('4 %s\n' % ' '.join(repr(x) for x in w[(i, j)]))
z = 0.0
for x in itertools.product((0, 1), repeat=n):
    p = 1.0
    for (i, j) in pairs: p *= w[(i, j)][2 * x[i] + x[j]]
    z += p
print(repr(math.log(z)))
PY
lnzk=$(cat "$TMP/k14.lnz")
expect_ok uai "$TMP/k14.uai" --threads 1 --plan-only --format json
peak=$(python3 -c "import json; print(int(json.load(open('$TMP/out'))['peak_bytes']))")
limit=$((peak - 40000))
expect_ok uai "$TMP/k14.uai" --threads 1 --max-memory "$limit" --format json
expect_json "len(d['conditioned']) >= 1 and d['conditioning_assignments'] == 2 ** len(d['conditioned'])"
expect_json "d['peak_bytes'] <= $limit and d['work'] == d['conditioning_assignments'] * d['work_per_run']"
expect_json "abs(d['lnZ'] - $lnzk) <= 1e-12 * abs($lnzk)"
expect_ok uai "$TMP/k14.uai" --threads 2 --max-memory "$((limit + 65536))" --format uai
expect_out '^PR$'
if near "$(tail -1 "$TMP/out")" "$(python3 -c "import math; print(repr($lnzk / math.log(10)))")" 1e-12; then
    pass; else fail "conditioned, 2 threads: log10 Z $(tail -1 "$TMP/out")"; fi
expect_ok uai "$TMP/k14.uai" --threads 1 --max-memory "$limit"
expect_out '^conditioned +[0-9]+ variables \([0-9 ]+\): [0-9]+ runs'
expect_out 'peak memory .* per run'
run uai "$TMP/k14.uai" --threads 1 --max-memory "$limit" --verbose --format uai
if [ "$status" -eq 0 ] && grep -qE '^zsum: uai: order .* per run; conditioning on [0-9]+ variables: [0-9]+ runs' "$TMP/err" &&
   [ "$(wc -l < "$TMP/err")" -eq 1 ]; then
    pass; else fail "--verbose with conditioning: status $status, stderr '$(cat "$TMP/err")'"; fi
# Unconditioned: the keys are there, empty.
expect_ok uai "$TMP/m.uai" --format json
expect_json "d['conditioned'] == [] and d['conditioning_assignments'] == 1 and d['work'] == d['work_per_run']"
# Hopeless: more work than --max-work allows; exit 2 with the estimate and the option.
expect_reject "conditioning .* more than the work limit of 1000 \(--max-work\)" uai "$TMP/k14.uai" --threads 1 --max-memory "$limit" --max-work 1000
expect_ok uai "$TMP/k14.uai" --threads 1 --max-memory "$limit" --max-work 1000 --plan-only --format json
expect_json "d['conditioned'] == [] and d['peak_bytes'] > $limit"
run uai "$TMP/k14.uai" --threads 1 --max-memory "$limit" --max-work 1000 --plan-only --verbose
if [ "$status" -eq 0 ] && grep -qE '^zsum: uai: eliminate: needs .*--max-work' "$TMP/err"; then
    pass; else fail "--plan-only --verbose out of reach: status $status, stderr '$(cat "$TMP/err")'"; fi
for bad in 0 -5 x 1e400 nan; do
    expect_reject "--max-work" uai "$TMP/m.uai" --max-work "$bad"
done
expect_reject "--max-work needs a value" uai "$TMP/m.uai" --max-work

# Bad model files: the message names the file and line.
printf 'MARKOV\n2\n2 2\n1\n2 0 1\n4\n1 2 3' > "$TMP/trunc.uai"
expect_reject "trunc.uai:7: the file ends in the table of factor 0 \(entry 4 of 4\)" uai "$TMP/trunc.uai"
printf 'MARKOV\n2\n2 2\n1\n2 0 1\n' > "$TMP/notables.uai"
expect_reject "notables.uai:6: the file ends where the number of table entries of factor 0 was expected" uai "$TMP/notables.uai"
printf 'MARKOV\n3\n2 2\n1\n2 0 1\n4\n1 2 3 4\n' > "$TMP/fewdom.uai"
expect_reject "fewdom.uai:[0-9]+: " uai "$TMP/fewdom.uai"
printf 'MARKOV\n2\n2 2\n1\n2 0 1\n3\n1 2 3\n' > "$TMP/count.uai"
expect_reject "count.uai:6: factor 0: the table has 3 entries, but its scope \(line 5\) of 2 variables gives 4" uai "$TMP/count.uai"
printf 'MARKOV\n2\n2 2\n2\n2 0 1\n4\n1 2 3 4\n' > "$TMP/nfact.uai"
expect_reject "nfact.uai:6: the scope size of factor 1: 4 is out of range 0..64|nfact.uai:[0-9]+: " uai "$TMP/nfact.uai"
printf 'MARKOV\n2\n2 2\n1\n2 0 1\n4\n1 2\n-3 4\n' > "$TMP/neg.uai"
expect_reject "neg.uai:8: factor 0, entry 2: -3 is negative" uai "$TMP/neg.uai"
printf 'MARKOV\n2\n2 2\n1\n2 0 5\n4\n1 2 3 4\n' > "$TMP/range.uai"
expect_reject "range.uai:5: variable 2 of the scope of factor 0: 5 is out of range 0..1" uai "$TMP/range.uai"
printf 'MARKOV\n2\n2 2\n1\n2 1 1\n4\n1 2 3 4\n' > "$TMP/dup.uai"
expect_reject "dup.uai:5: variable 1 appears twice" uai "$TMP/dup.uai"
printf 'MARKOV\n2\n2 2\n1\n2 0 1\n4\n1 2 3 4\n5\n' > "$TMP/extra.uai"
expect_reject "extra.uai:8: '5' follows the last table" uai "$TMP/extra.uai"
printf 'NETWORK\n1\n2\n0\n' > "$TMP/kind.uai"
expect_reject "kind.uai:1: expected MARKOV or BAYES, found 'NETWORK'" uai "$TMP/kind.uai"
printf 'MARKOV\n2\n2 2\n1\n1 0\n2\n1 inf\n' > "$TMP/inf.uai"
expect_reject "inf.uai:7: factor 0, entry 1: 'inf' is not a number" uai "$TMP/inf.uai"

# Bad evidence: the message names the file and line.
printf '1\n5 0\n' > "$TMP/var.evid"
expect_reject "var.evid:2: evidence on variable 5, which does not exist \(the model has 2 variables, 0..1\)" uai "$TMP/m.uai" --evid "$TMP/var.evid"
printf '1\n1 2\n' > "$TMP/val.evid"
expect_reject "val.evid:2: evidence value 2 for variable 1, which has 2 values \(0..1\)" uai "$TMP/m.uai" --evid "$TMP/val.evid"
printf '2\n1 0\n' > "$TMP/cnt.evid"
expect_reject "cnt.evid:1: the count says 2 variable/value pairs, 2 numbers follow it" uai "$TMP/m.uai" --evid "$TMP/cnt.evid"
printf '2 0 1 0 0\n' > "$TMP/twice.evid"
expect_reject "twice.evid:1: variable 0 is observed twice" uai "$TMP/m.uai" --evid "$TMP/twice.evid"
printf '' > "$TMP/empty.evid"
expect_reject "empty.evid:1: the evidence file is empty" uai "$TMP/m.uai" --evid "$TMP/empty.evid"
printf '1 0 -1\n' > "$TMP/negval.evid"
expect_reject "negval.evid:1: an observed value: '-1' is not a whole number" uai "$TMP/m.uai" --evid "$TMP/negval.evid"

finish
