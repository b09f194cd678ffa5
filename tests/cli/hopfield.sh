# hopfield.sh — zsum hopfield store | recall | capacity: outputs checked against independent
# computations (the Hebbian energy recomputed here in plain Python, the stored pattern itself),
# reproducibility, thread-count independence, and every rejection path.
. "$(dirname "$0")/lib.sh" "$@"
ZSUM=$(cd "$(dirname "$ZSUM")" && pwd)/$(basename "$ZSUM")
cd "$TMP"

small=${ZSUM_SANITIZED:-0}

printf '+-+\n-++\n++-\n' > p3.txt
printf '# three patterns of 12 units\n+-+-+-+-+-+-\n++++++------\n+ + - - + + - - + + - -\n' > p.txt

expect_ok hopfield --help
expect_out 'hopfield store'
expect_ok hopfield store --help
expect_out 'PATTERNS'
expect_ok hopfield recall --help
expect_out '--probe'
expect_ok hopfield capacity --help
expect_out '--alpha'

expect_ok hopfield store p.txt -o net.npz
expect_out 'stored 3 patterns of 12 units in net.npz \(Hebbian rule\)'
expect_out 'alpha = P/N = 0.25'
expect_ok hopfield store p.txt -o net.npz --format json
expect_json 'd["n"] == 12 and d["p"] == 3 and d["alpha"] == 0.25 and d["shape"] is None and d["rule"] == "hebbian"'

# Projection rule at alpha = 0.5: every stored pattern is a fixed point (Hebbian is not).
python3 -c '
import random
random.seed(4)
for _ in range(20): print("".join(random.choice("+-") for _ in range(40)))' > half.txt
expect_ok hopfield store half.txt -o proj.npz --rule projection
expect_out 'stored 20 patterns of 40 units in proj.npz \(projection rule\)'
expect_ok hopfield store half.txt -o hebb.npz
stable_proj=0; stable_hebb=0
for k in $(seq 0 19); do
  run hopfield recall proj.npz --probe $k --seed 1 --format json
  python3 -c "import json,sys; d=json.load(open('$TMP/out')); sys.exit(0 if d['sweeps'] == 1 and d['overlaps'][$k] == 1 else 1)" && stable_proj=$((stable_proj + 1))
  run hopfield recall hebb.npz --probe $k --seed 1 --format json
  python3 -c "import json,sys; d=json.load(open('$TMP/out')); sys.exit(0 if d['sweeps'] == 1 and d['overlaps'][$k] == 1 else 1)" && stable_hebb=$((stable_hebb + 1))
done
if [ $stable_proj -eq 20 ]; then pass; else fail "projection rule: only $stable_proj of 20 patterns are fixed points"; fi
if [ $stable_hebb -lt 20 ]; then pass; else fail "Hebbian at alpha 0.5 kept every pattern (the comparison above cannot fail)"; fi
(cat half.txt; sed -n 3p half.txt) > dup.txt
expect_reject 'pattern 20 is a linear combination' hopfield store dup.txt -o x.npz --rule projection
expect_reject 'P = 3 patterns need P < N = 3' hopfield store p3.txt -o x.npz --rule projection
expect_reject "--rule: 'oja' is not hebbian or projection" hopfield store p.txt -o x.npz --rule oja

# A stored pattern (no noise, few patterns here is fine: pattern 1 is a fixed point) and the
# energy of the final state recomputed here from the definition J = (1/N) sum xi xi^T.
cat > energy.py <<'EOF'
import json, sys
pats = ["+-+-+-+-+-+-", "++++++------", "++--++--++--"]
xi = [[1 if c == "+" else -1 for c in p] for p in pats]
n = 12
def energy(s):
    e = 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                e += sum(x[i] * x[j] for x in xi) / n * s[i] * s[j]
    return -0.5 * e
d = json.load(open(sys.argv[1]))
ok = True
s = [1 if c == "+" else -1 for c in d["state"]]
ok &= abs(energy(s) - d["energy"]) < 1e-12
m = [sum(a * b for a, b in zip(x, s)) / n for x in xi]
ok &= all(abs(a - b) < 1e-15 for a, b in zip(m, d["overlaps"]))
es = [r["energy"] for r in d["trace"]]
if d["T"] == 0:
    ok &= all(b <= a + 1e-12 for a, b in zip(es, es[1:]))
sys.exit(0 if ok else 1)
EOF

expect_ok hopfield recall net.npz --probe 1 --seed 4 --format json
expect_json 'd["best"] == 1 and d["best_overlap"] == 1 and d["state"] == "++++++------" and d["converged"] and d["sweeps"] == 1 and d["flipped"] == 0 and d["seed"] == 4'
cp "$TMP/out" r1.json
if python3 energy.py r1.json; then pass; else fail "recall energy/overlaps differ from the definition"; fi

expect_ok hopfield recall net.npz --probe 1 --flip 0.25 --seed 7 --format json
expect_json 'd["flipped"] == 3 and d["trace"][0]["flips"] is None and len(d["trace"]) == d["sweeps"] + 1'
cp "$TMP/out" r2.json
if python3 energy.py r2.json; then pass; else fail "noisy recall energy/overlaps differ from the definition"; fi
# The same seed gives the same run, byte for byte.
expect_ok hopfield recall net.npz --probe 1 --flip 0.25 --seed 7 --format json
if cmp -s "$TMP/out" r2.json; then pass; else fail "recall with the same seed differs"; fi
# A seed is chosen and printed when none is given.
expect_ok hopfield recall net.npz --probe 0 --flip 0.1
expect_out '^# recall: N = 12, P = 3, probe pattern 0 with 1 of 12 units flipped, T = 0, order random, seed [0-9]+ \(chosen'
expect_out '^# final state:'
# Table shows every overlap column for P <= 8; the initial row has sweep 0.
expect_ok hopfield recall net.npz --probe 2 --seed 1 --order sequential
expect_out 'sweep +flips +energy +m_0 +m_1 +m_2'
expect_out '^\+\+--\+\+--\+\+--$'
expect_out 'fixed point after 1 sweeps'
# Heat bath runs exactly --sweeps sweeps.
expect_ok hopfield recall net.npz --probe 0 -T 0.5 --sweeps 7 --seed 3 --format json
expect_json 'd["sweeps"] == 7 and len(d["trace"]) == 8 and d["T"] == 0.5 and not d["converged"]'
cp "$TMP/out" r3.json
if python3 energy.py r3.json; then pass; else fail "heat-bath energies differ from the definition"; fi
# CSV: header and one row per sweep plus the initial one.
expect_ok hopfield recall net.npz --probe 0 --seed 2 --format csv
expect_out '^sweep,flips,energy,m_0,m_1,m_2$'
expect_out '^0,,-'
# A probe from a file.
printf -- '-+-+-+-+-+-+\n' > probe.txt
expect_ok hopfield recall net.npz --probe probe.txt --seed 1 --format json
expect_json 'd["probe"] == "probe.txt" and d["best"] == 0 and d["best_overlap"] == -1'

# Images: two 4x3 PBM files (P1 and P4), stored with their shape; recall writes PBM and PNG.
printf 'P1\n4 3\n1 0 0 1\n0 1 1 0\n1 0 0 1\n' > a.pbm
printf 'P4\n4 3\n\xf0\xf0\x00' > b.pbm
expect_ok hopfield store a.pbm b.pbm -o img.npz --format json
expect_json 'd["n"] == 12 and d["p"] == 2 and d["shape"] == [3, 4]'
expect_ok hopfield recall img.npz --probe 1 --seed 1 -o back.pbm
expect_out '^\+\+\+\+$'
expect_out 'image written to back.pbm'
printf 'P4\n4 3\n\xf0\xf0\x00' > want.pbm
if cmp -s back.pbm want.pbm; then pass; else fail "recalled PBM differs from the stored image"; fi
expect_ok hopfield recall img.npz --probe 0 --seed 1 -o back.png
if [ "$(head -c 8 back.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then pass; else fail "back.png is not a PNG"; fi
# --scale K: each unit a K x K block; a PNG's default makes it >= 256 pixels across, a PBM's is 1
pngsize() { /usr/bin/python3 -c "import struct,sys; b=open(sys.argv[1],'rb').read(24); assert b[:8]==b'\x89PNG\r\n\x1a\n'; print('%dx%d' % struct.unpack('>II', b[16:24]))" "$1"; }
if [ "$(pngsize back.png)" = 256x192 ]; then pass; else fail "back.png by default: $(pngsize back.png)"; fi
expect_ok hopfield recall img.npz --probe 0 --seed 1 --scale 5 -o back5.png
if [ "$(pngsize back5.png)" = 20x15 ]; then pass; else fail "back5.png: $(pngsize back5.png)"; fi
expect_ok hopfield recall img.npz --probe 0 --seed 1 --scale 2 -o back2.pbm
printf 'P4\n8 6\n\xc3\xc3\x3c\x3c\xc3\xc3' > want2.pbm
if cmp -s back2.pbm want2.pbm; then pass; else fail "recalled PBM at --scale 2 differs"; fi
expect_reject "--scale: draws the --output image" hopfield recall img.npz --probe 0 --scale 2
expect_reject "--scale: '0' is out of range 1..1000" hopfield recall img.npz --probe 0 --scale 0 -o x.png
expect_reject "--output: cannot write '/nonexistent/x.png': No such file or directory" hopfield recall img.npz --probe 0 -o /nonexistent/x.png
# --shape for text patterns.
expect_ok hopfield store p.txt -o shaped.npz --shape 3x4 --format json
expect_json 'd["shape"] == [3, 4]'

# Capacity: high overlap at alpha = 0.05, collapse at 0.25 (AGS 1985: alpha_c = 0.138); the
# JSON does not depend on the number of threads.
if [ "$small" = 1 ]; then n=200; trials=2; else n=500; trials=6; fi
OMP_NUM_THREADS=1 expect_ok hopfield capacity -n $n --trials $trials --alpha 0.05:0.25:2 --seed 11 --format json
cp "$TMP/out" c1.json
expect_json 'd["n"] == '$n' and d["seed"] == 11 and len(d["points"]) == 2 and d["points"][0]["overlap"] > 0.9 and d["points"][1]["overlap"] < 0.7 and d["points"][0]["perfect"] > d["points"][1]["perfect"]'
OMP_NUM_THREADS=2 expect_ok hopfield capacity -n $n --trials $trials --alpha 0.05:0.25:2 --seed 11 --format json
if cmp -s "$TMP/out" c1.json; then pass; else fail "capacity differs between 1 and 2 threads"; fi
# more threads than trials (120 here): no more are started than there are trials to run, and
# the result is the same
expect_ok hopfield capacity -n 83 --threads 1 --seed 4 --format json
cp "$TMP/out" c83.json
expect_ok hopfield capacity -n 83 --threads 461 --seed 4 --format json
if cmp -s "$TMP/out" c83.json; then pass; else fail "capacity differs between 1 and 461 threads"; fi
expect_ok hopfield capacity -n 100 --trials 2 --alpha 0.1 --quiet
expect_out '^# capacity: N = 100, 2 trials per load, flip 0, seed [0-9]+ \(chosen: pass --seed to repeat\)$'
expect_ok hopfield capacity -n 100 --trials 2 --alpha 0.1 --seed 1
expect_out '^# capacity: N = 100, 2 trials per load, flip 0, seed 1$'
expect_out '^ +0.1000 +10 '
expect_ok hopfield capacity -n 100 --trials 2 --alpha 0.05:0.1:2 --flip 0.1 --seed 1 --format csv
expect_out '^alpha,p,overlap,error,perfect,sweeps$'
expect_out '^0.05,5,'
if command -v "${ZSUM_GNUPLOT:-gnuplot}" > /dev/null; then
  expect_ok hopfield capacity -n 100 --trials 2 --alpha 0.05:0.2:3 --seed 1 --plot cap.png
  if [ -s cap.png ]; then pass; else fail "capacity --plot wrote no file"; fi
fi

# The time estimate (lib/sample/hopfield_capacity.c): 0.2 ns x trials x sum_a (P_a N^2 +
# 2 P_a^2 N) on one thread. N = 200, 2 trials, the default loads P = 5, 10, ..., 60 (sum 390,
# sum of squares 16250): 0.2e-9 x 2 x (390 x 200^2 + 2 x 16250 x 200) = 0.00884 s, so
# --max-seconds 0.0088 refuses before any work and 0.0089 runs; N = 20000 at the defaults is
# refused under the default hour, and a limit must be > 0. Many patterns on few units: the
# recalls' 2 P^2 N dominates (P = 3364 on N = 58: 0.2e-9 x (3364 x 58^2 + 2 x 3364^2 x 58) =
# 0.26 s).
expect_reject 'N = 200 units, 12 loads x 2 trials would take about 0.0088 seconds on 1 thread, over --max-seconds 0.0088' \
    hopfield capacity -n 200 --trials 2 --threads 1 --seed 1 --max-seconds 0.0088
expect_reject 'N = 58 units, 1 loads x 1 trials would take about 0.26 seconds on 1 thread, over --max-seconds 0.25' \
    hopfield capacity -n 58 --trials 1 --alpha 58 --threads 1 --max-seconds 0.25
expect_ok hopfield capacity -n 200 --trials 2 --threads 1 --seed 1 --max-seconds 0.0089 --format csv
expect_out '^0.025,5,1,0,1,1$'
expect_reject 'would take about [0-9.]+ hours on [0-9]+ threads?, over --max-seconds 3600' hopfield capacity -n 20000
expect_reject "--max-seconds: '0' must be > 0" hopfield capacity -n 100 --max-seconds 0
expect_reject "only for capacity|not an option of|belongs to" hopfield recall net.npz --probe 0 --max-seconds 5

# ---- rejections: message on stderr, exit 2, nothing on stdout ----
printf '+-+-\n+-+\n' > unequal.txt
expect_reject 'unequal.txt: line 2 has 3 units but line 1 has 4' hopfield store unequal.txt -o x.npz
: > empty.txt
expect_reject 'empty.txt: no patterns' hopfield store empty.txt -o x.npz
printf '+-+-\n+-x-\n' > badchar.txt
expect_reject 'badchar.txt: line 2, column 3' hopfield store badchar.txt -o x.npz
printf '0 1\n-1 1\n' > mixed.txt
expect_reject 'uses 0 but line 2' hopfield store mixed.txt -o x.npz
printf '+-+-+-\n' > six.txt
expect_reject 'six.txt: its patterns have 6 units' hopfield store p.txt six.txt -o x.npz
expect_reject 'cannot open' hopfield store nosuch.txt -o x.npz
expect_reject '-o NET.npz is required' hopfield store p.txt
expect_reject 'at least one PATTERNS' hopfield store -o x.npz
expect_reject "unknown option '--bogus'" hopfield store p.txt -o x.npz --bogus
expect_reject 'shape 5x5 holds 25 units' hopfield store p.txt -o x.npz --shape 5x5
expect_reject '--shape' hopfield store p.txt -o x.npz --shape 12
expect_reject 'store: --format is table or json' hopfield store p.txt -o x.npz --format csv
printf 'P4\n4 3\n\xf0' > short.pbm
expect_reject 'short.pbm: image 1: raw PBM data ends after 1 of 3 bytes' hopfield store short.pbm -o x.npz
printf 'P1\n4 3\n1 0 0 1\n0 1 1 0\n1 0 0 1\nP1 2 2 1 0 0 1\n' > twosizes.pbm
expect_reject 'image 2 is 2x2 but image 1 is 4x3' hopfield store twosizes.pbm -o x.npz
printf 'P1\n4 3\n1 0 0 1\n0 1 2 0\n1 0 0 1\n' > badpix.pbm
expect_reject "badpix.pbm: image 1: byte [0-9]+ '2' is not a pixel" hopfield store badpix.pbm -o x.npz

printf 'P2\n2 2\n255\n0 255 255 0\n' > grey.pgm
expect_reject 'grey.pgm: a grey or colour netpbm image \(P2\)' hopfield store grey.pgm -o x.npz

expect_reject '--flip: 1.5 is outside \[0, 1\]' hopfield recall net.npz --probe 0 --flip 1.5
expect_reject '--flip: -0.1 is outside \[0, 1\]' hopfield recall net.npz --probe 0 --flip -0.1
expect_reject "--flip: 'x' is not a number" hopfield recall net.npz --probe 0 --flip x
expect_reject 'pattern index 3 is out of range 0..2' hopfield recall net.npz --probe 3
printf '+-+-+\n' > short.txt
expect_reject 'short.txt has 5 units but the network has N = 12' hopfield recall net.npz --probe short.txt
expect_reject 'p.txt holds 3 patterns; give a file with one' hopfield recall net.npz --probe p.txt
expect_reject '--probe .* is required' hopfield recall net.npz
expect_reject 'give the network file' hopfield recall --probe 0
expect_reject "--temperature: -1 is negative" hopfield recall net.npz --probe 0 -T -1
expect_reject '--sweeps: 0 is outside' hopfield recall net.npz --probe 0 --sweeps 0
expect_reject "--order: 'sideways'" hopfield recall net.npz --probe 0 --order sideways
expect_reject "--format: 'xml'" hopfield recall net.npz --probe 0 --format xml
expect_reject "--output: 'x.txt' must end in .pbm or .png" hopfield recall net.npz --probe 0 -o x.txt
expect_reject 'no image shape; give --shape' hopfield recall net.npz --probe 0 -o x.pbm
expect_reject 'shape: 5x5 holds 25 units, the network has N = 12' hopfield recall net.npz --probe 0 --shape 5x5
expect_reject "--seed: '-3' is not a whole number" hopfield recall net.npz --probe 0 --seed -3
expect_reject 'cannot open' hopfield recall nosuch.npz --probe 0
expect_reject 'p.txt: not a readable .npz' hopfield recall p.txt --probe 0
expect_reject '--probe needs a value' hopfield recall net.npz --probe

expect_reject "-n N .* is required" hopfield capacity
expect_reject "--units: 1 is outside 2..20000" hopfield capacity -n 1
expect_reject '--trials: 0 is outside' hopfield capacity -n 10 --trials 0
expect_reject '--alpha: .0:1:3. needs 0 < LO <= HI' hopfield capacity -n 10 --alpha 0:1:3
expect_reject '--alpha: .0.3:0.1:3. needs 0 < LO <= HI' hopfield capacity -n 10 --alpha 0.3:0.1:3
expect_reject "--alpha \(STEPS\): 'x' is not a whole number" hopfield capacity -n 10 --alpha 0.1:0.2:x
expect_reject 'must be LO:HI:STEPS' hopfield capacity -n 10 --alpha 0.1:0.2
expect_reject '--alpha: -0.2 must be > 0' hopfield capacity -n 10 --alpha -0.2
expect_reject 'patterns is above the limit 32767' hopfield capacity -n 20000 --alpha 4
expect_reject '--flip: 2 is outside \[0, 1\]' hopfield capacity -n 10 --flip 2
expect_reject "--plot: 'c.jpg' must end in .png or .svg" hopfield capacity -n 10 --plot c.jpg
expect_reject "unknown argument 'extra'" hopfield capacity -n 10 extra
expect_reject "hopfield: unknown subcommand 'forget'" hopfield forget

finish
