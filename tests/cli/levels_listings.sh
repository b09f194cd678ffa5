# levels_listings.sh — microstates, macrostates, density of states, sweeps, the landscape and
# plots. Each listing is checked against a property computed here independently (Python's exact
# integers and floats): counts, sums, orderings, closed forms.
. "$(dirname "$0")/lib.sh" "$@"

# Microstates: G^N rows in odometer order, probabilities summing to 1, energies = sum of levels.
expect_ok levels -n 4 -e 0,1.5,-0.25 -b 0.7 --microstates --format json
expect_json 'len(d["microstate_list"]) == 81'
expect_json 'abs(sum(r["p"] for r in d["microstate_list"]) - 1) < 1e-14'
expect_json 'all(abs(r["energy"] - sum([0,1.5,-0.25][l] for l in r["levels"])) < 1e-14 for r in d["microstate_list"])'
expect_json '[r["levels"] for r in d["microstate_list"][:4]] == [[0,0,0,0],[0,0,0,1],[0,0,0,2],[0,0,1,0]]'
expect_json 'abs(d["lnZ"] - 4*math.log(1 + math.exp(-0.7*1.5) + math.exp(0.7*0.25))) < 1e-14'
expect_json 'all(abs(r["p"] - math.exp(-0.7*r["energy"] - d["lnZ"])) < 1e-16 for r in d["microstate_list"])'
# Degenerate levels list every sub-state.
expect_ok levels -n 2 -e 0,1 -g 1,2 --microstates --format json
expect_json 'len(d["microstate_list"]) == 9 and d["microstate_list"][8]["substates"] == [1, 1]'
expect_ok levels -n 3 -e 0,1 --microstates --format csv
expect_out '^index,levels,energy,p$'
expect_out '^7,1 1 1,3,'

# Macrostates: multiplicities sum to the microstate count, sorted by energy, W = N!/prod n! prod g^n.
expect_ok levels -n 25 -e 0,1,2.5,-1 -g 1,2,1,3 -b 0.3 --macrostates --format json
expect_json 'sum(int(r["multiplicity"]) for r in d["macrostates"]) == int(d["microstates"]) == 7**25'
expect_json 'len(d["macrostates"]) == math.comb(28, 3)'
expect_json 'all(a["energy"] <= b["energy"] for a, b in zip(d["macrostates"], d["macrostates"][1:]))'
expect_json 'all(int(r["multiplicity"]) == math.factorial(25)//math.prod(math.factorial(n) for n in r["occupation"])*math.prod(g**n for g, n in zip([1,2,1,3], r["occupation"])) for r in d["macrostates"])'
expect_json 'abs(sum(r["p"] for r in d["macrostates"]) - 1) < 1e-13'

# A listing within the allowance still runs: 45 470 macrostates of 300 units on 3 levels (about
# 0.3 s; estimated 0.28 s, so refused below it and made above it).
expect_ok levels -n 300 -e 5,1,-1 --macrostates --format csv --max-seconds 2
python3 -c "
import csv, math
rows = list(csv.DictReader(open('$TMP/out')))
assert len(rows) == math.comb(302, 2), len(rows)
assert sum(int(r['multiplicity']) for r in rows) == 3**300
assert abs(sum(float(r['p']) for r in rows) - 1) < 1e-12
" && pass || fail "levels -n 300 -e 5,1,-1 --macrostates: rows, multiplicities or p wrong"
expect_reject "would take about 0.[0-9]+ seconds, over --max-seconds 0.2" levels -n 300 -e 5,1,-1 --macrostates --max-seconds 0.2

# The chapter's macrostate (7, 2, 1) has multiplicity 360 and energy 4.
expect_ok levels -n 10 -e 0,1,2 --macrostates
expect_out '^7,2,1 +360 +4 +'

# Density of states: (2,0,...) and (0,2) style coincidences merge; counts sum to K^N.
expect_ok levels -n 12 -e 0,1,2 --dos --format json
expect_json 'len(d["dos"]) == 25 and sum(int(r["count"]) for r in d["dos"]) == 3**12'
expect_json 'int(d["dos"][2]["count"]) == 12*11//2 + 12'
expect_json '[r["energy"] for r in d["dos"]] == list(range(25))'

# Sweep: each row equals a single-temperature run (closed form here in Python).
expect_ok levels -n 50 -e 0,1 --sweep T:0.1:5:12 --format json
expect_json 'len(d["sweep"]) == 12 and d["sweep"][0]["T"] == 0.1 and abs(d["sweep"][-1]["T"] - 5) < 1e-15'
expect_json 'all(abs(r["lnZ"] - 50*math.log(1+math.exp(-r["beta"]))) < 1e-13 for r in d["sweep"])'
expect_json 'all(abs(r["C"] - 50*r["beta"]**2*math.exp(-r["beta"])/(1+math.exp(-r["beta"]))**2) < 1e-12 for r in d["sweep"])'
expect_ok levels -n 5 -e 0,1 --sweep beta:0:2:5 --format csv
expect_out '^T,beta,lnZ,U,F,S,C$'
expect_out '^inf,0,3\.46573590279972'

# Landscape: the numerical minimum of F(x) sits at x* = 1/(1 + e^{beta Delta}), F = -T ln z.
expect_ok levels -n 1 -e 0,1.7 -T 0.8 --landscape --points 9 --format json
expect_json 'len(d["landscape"]) == 9 and d["landscape"][0]["x"] == 0.1'
expect_json 'abs(d["landscape_min"]["x"] - 1/(1+math.exp(1.7/0.8))) < 1e-7'
expect_json 'abs(d["landscape_min"]["F"] + 0.8*math.log(1+math.exp(-1.7/0.8))) < 1e-14'
expect_json 'all(abs(r["S"] + r["x"]*math.log(r["x"]) + (1-r["x"])*math.log(1-r["x"])) < 1e-15 for r in d["landscape"])'
expect_json 'all(abs(r["F"] - (1.7*r["x"] - 0.8*r["S"])) < 1e-14 for r in d["landscape"])'
expect_json 'all(r["F"] >= d["landscape_min"]["F"] for r in d["landscape"])'

# Plots (gnuplot): a PNG and an SVG are written; without gnuplot a clear runtime error.
if command -v gnuplot > /dev/null; then
  expect_ok levels -n 100 -e 0,1 --sweep T:0.05:3:60 --plot "$TMP/schottky.png"
  if [ -s "$TMP/schottky.png" ] && head -c 4 "$TMP/schottky.png" | grep -q PNG; then pass; else fail "no PNG written"; fi
  expect_ok levels -n 1 -e 0,1 -T 0.5 --landscape --plot "$TMP/land.svg"
  if grep -q '<svg' "$TMP/land.svg"; then pass; else fail "no SVG written"; fi
else
  echo "SKIP (part): gnuplot is not installed"
fi
ZSUM_GNUPLOT=/nonexistent/gnuplot run levels -n 2 -e 0,1 --sweep T:1:2:3 --plot "$TMP/x.png"
if [ "$status" -eq 1 ] && grep -q 'gnuplot.*not installed' "$TMP/err" && [ ! -s "$TMP/out" ]; then pass; else fail "missing gnuplot: status $status, $(cat "$TMP/err")"; fi

# The data handed to gnuplot are the printed numbers: a stand-in gnuplot keeps the script.
cat > "$TMP/fakegnuplot" <<'FAKE'
#!/bin/sh
cat > "$(dirname "$0")/script.gp"
out=$(sed -n "s/^set output '\(.*\)'$/\1/p" "$(dirname "$0")/script.gp")
echo fake > "$out"
FAKE
chmod +x "$TMP/fakegnuplot"
ZSUM_GNUPLOT="$TMP/fakegnuplot" expect_ok levels -n 1 -e 0,1 -T 0.5 --landscape --points 3 --format json --plot "$TMP/l.png"
rows=$(sed -n '/^\$D << EOD$/,/^EOD$/p' "$TMP/script.gp" | sed '1d;$d' | tr '\n' ';')
expect_json '";".join(" ".join(repr(r[k]) for k in ("x","F","S")) for r in d["landscape"]) + ";" == "'"$rows"'"'
ZSUM_GNUPLOT="$TMP/fakegnuplot" expect_ok levels -n 4 -e 0,1 --sweep T:0.5:1.5:3 --format json --plot "$TMP/s.png"
rows=$(sed -n '/^\$D << EOD$/,/^EOD$/p' "$TMP/script.gp" | sed '1d;$d' | tr '\n' ';')
expect_json 'all(abs(float(a) - b) < 1e-15 * max(1, abs(b)) for line, r in zip("'"$rows"'".split(";"), d["sweep"]) for a, b in zip(line.split(), (r["T"], r["U"]/4, r["S"]/4, r["C"]/4)))'
expect_json 'len("'"$rows"'".strip(";").split(";")) == 3'

finish
