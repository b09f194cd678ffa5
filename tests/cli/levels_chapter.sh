# levels_chapter.sh — golden values of the chapter's example (ten units, levels 0, 1, 2, beta = 1)
# through the CLI, in every format. References: issue 2 (ln Z, count, S to 1e-12) and a 50-digit
# evaluation of the closed form (S = 8.32395581839938873, U = 4.24789617395558568).
. "$(dirname "$0")/lib.sh" "$@"

expect_ok levels -n 10 -e 0,1,2 --format json
expect_json 'd["microstates"] == "59049"'
expect_json 'abs(d["lnZ"] - 4.076059644443804) <= 1e-15 * 4.08'
expect_json 'abs(d["S"] - 8.323955818397193) <= 1e-12 * 8.33'
expect_json 'abs(d["S"] - 8.32395581839938873) <= 2e-15 * 8.33'
expect_json 'abs(d["S_thermo"] - d["S"]) <= 1e-14 * 8.33'
expect_json 'abs(d["U"] - 4.24789617395558568) <= 2e-15 * 4.25'
expect_json 'abs(d["F"] + 4.076059644443804) <= 1e-15 * 4.08'
expect_json 'abs(d["Z"] - math.exp(4.0760596444438030)) <= 1e-14 * 59'
expect_json 'abs(sum(d["occupation"]) - 1) < 1e-15'
expect_json 'abs(d["occupation"][2] - math.exp(-2)/(1+math.exp(-1)+math.exp(-2))) < 1e-16'
expect_json 'd["method"] == "closed" and d["units"] == 10 and d["beta"] == 1 and d["temperature"] == 1'
expect_json '[l["energy"] for l in d["levels"]] == [0, 1, 2] and all(l["degeneracy"] == 1 for l in d["levels"])'
expect_json 'abs(d["log10_microstates"] - 10 * math.log10(3)) < 1e-15'
expect_json 'set(d) == {"units","beta","temperature","levels","microstates","log10_microstates","lnZ","Z","z","U","F","S","S_thermo","C","occupation","method"}'

# The chapter's microstate: energy 4 (the chapter's text says 3), multiplicity 10!/(7!2!1!) = 360.
expect_ok levels -n 10 -e 0,1,2 --state 0,0,0,0,0,0,0,1,1,2 --format json
expect_json 'd["state"]["energy"] == 4 and d["state"]["multiplicity"] == "360"'
expect_json 'd["state"]["occupation"] == [7, 2, 1] and d["state"]["levels"] == [0]*7 + [1, 1, 2]'
expect_json 'abs(d["state"]["lnp"] - (-4 - 4.0760596444438030)) < 1e-14'
expect_json 'abs(d["state"]["p"] - math.exp(-4)/math.exp(4.0760596444438030)) < 1e-17'

# The table shows the same numbers.
expect_ok levels -n 10 -e 0,1,2 --state 0,0,0,0,0,0,0,1,1,2
expect_out '^microstates +59049 '
expect_out '^ln Z +4\.076059644443804$'
expect_out '^S +8\.32395581839938'
expect_out 'energy +4$'
expect_out 'multiplicity +360 '

# All three methods print the same ln Z to 1e-12.
for m in closed macro enumerate; do
  expect_ok levels -n 10 -e 0,1,2 --method $m --format json
  expect_json 'abs(d["lnZ"] - 4.076059644443804) <= 1e-12 * 4.08 and abs(d["S"] - 8.32395581839938873) <= 1e-12 * 8.33'
  expect_json 'd["method"] == "'$m'"'
done

# CSV summary.
expect_ok levels -n 10 -e 0,1,2 --format csv
expect_out '^lnZ,4\.076059644443804$'
expect_out '^microstates,59049$'
# CSV carries every key of the JSON summary (one description writes both).
"$ZSUM" levels -n 10 -e 0,1,2 --format json > "$TMP/j"
"$ZSUM" levels -n 10 -e 0,1,2 --format csv > "$TMP/c"
if python3 -c "import csv,json,sys; d=json.load(open('$TMP/j')); r=list(csv.reader(open('$TMP/c')))[1:]; q=[k for k, v in r]; want=[k for k in d if k not in ('levels', 'occupation')]; sys.exit(0 if [k for k in q if not k.startswith('occupation_')] == want and len(q) == len(want) + 3 else 1)"; then
    pass
else
    fail "levels --format csv: quantities are not the JSON's keys: $(head -c 300 "$TMP/c")"
fi
expect_out '^temperature,1$'
expect_out '^Z,58\.91287422481'
expect_out '^method,closed$'
expect_ok levels -n 10 -e 0,1,2 --state 0,0,0,0,0,0,0,1,1,2 --format csv
expect_out '^levels,energy,p,lnp,occupation,multiplicity$'
expect_out '^0 0 0 0 0 0 0 1 1 2,4,0\.000310893656602810[0-9]*,-8\.07605964444380[0-9]*,7 2 1,360$'

# -T is 1/beta; beta = 0 gives ln Z = N ln(sum g) and F = -inf (null in JSON).
expect_ok levels -n 10 -e 0,1,2 -T 2 --format json
expect_json 'd["beta"] == 0.5 and abs(d["lnZ"] - 10*math.log(1+math.exp(-0.5)+math.exp(-1))) < 1e-14'
expect_ok levels -n 7 -e 0,1 -g 2,3 -b 0 --format json
expect_json 'abs(d["lnZ"] - 7*math.log(5)) < 1e-14 and d["F"] is None and d["temperature"] is None'

# N = 10^9: the count is too long to print, its log10 is exact.
expect_ok levels -n 1000000000 -e -1,0.5,3 -b 1000000 --format json
expect_json 'd["microstates"] is None and abs(d["log10_microstates"] - 1e9*math.log10(3)) < 1e-6'
expect_json 'abs(d["lnZ"] - 1e15) <= 1e-15 * 1e15 and d["Z"] is None and d["S"] >= 0'

# Help and version go to stdout with status 0; no command is a usage error.
expect_ok levels --help
expect_out '^usage: zsum levels'
expect_ok --version
expect_out '^zsum [0-9]+\.[0-9]+\.[0-9]+$'
expect_ok --help
expect_out 'levels'
run
if [ "$status" -eq 2 ] && grep -q 'usage: zsum COMMAND' "$TMP/err" && [ ! -s "$TMP/out" ]; then pass; else fail "zsum without a command: status $status"; fi

finish
