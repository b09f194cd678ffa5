# units.sh — work units on the command line: slices (--units I:J --partial FILE) combined by
# zsum combine print the whole run's output byte for byte; every refusal of combine names the
# unit or the file; --checkpoint resumes bit-identically after kill -9 at random moments and
# after SIGINT/SIGTERM (exit 130/143), and refuses a checkpoint of another problem.
. "$(dirname "$0")/lib.sh" "$@"

# An RBM 200x14 written byte by byte (no NumPy), seeded.
cat > "$TMP/mk.py" <<'PY'
import random, sys, zipfile
from zstest import npy
r = random.Random(7)
nv, nh = 200, 14
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('W.npy', npy((nv, nh), [0.3 * r.uniform(-1, 1) for _ in range(nv * nh)]))
    z.writestr('vbias.npy', npy((nv,), [r.uniform(-1, 1) for _ in range(nv)]))
    z.writestr('hbias.npy', npy((nh,), [r.uniform(-1, 1) for _ in range(nh)]))
PY
python3 "$TMP/mk.py" "$TMP/m.npz"

# slices + combine == whole run, byte for byte (table and JSON), whatever the slicing.
check_slices "1 300 700 729" levels -n 14 -e 0,1,2.5 -g 1,2,1 --method enumerate --format json
check_slices "127 128" levels -n 20 -e -1,0.5 -T 0.7 --method enumerate
check_slices "10 200 256" bm logz --random 20 --seed 4 --beta 0.7 --format json
check_slices "32 64" ising --size 18 --dim 1 --open --method enumerate --J 0.5 --h 0.2 --format json
check_slices "3 100 256" rbm logz "$TMP/m.npz" --exact --format json
# AIS: one unit per block of at most 64 chains (200 chains: 4 units of 50)
# (50 temperatures under the sanitizers, where 200 take 12 s a run; every slice repeats the
# tempering runs of the pt base, so they are short: 100 sweeps, not the default 1000)
sched=linear:200
[ -n "${ZSUM_SANITIZED:-}" ] && sched=linear:50
check_slices "1 3 4" rbm logz "$TMP/m.npz" --ais --reverse none --chains 200 --schedule $sched --pt-sweeps 100 --seed 9 --format json
# A UAI model forced into conditioning by a small --max-memory: one unit per conditioned run.
complete_uai 16 "$TMP/k16.uai"
check_slices "5 40 64" uai "$TMP/k16.uai" --max-memory 140K --format uai
check_slices "7 8 24" hopfield capacity -n 100 --alpha 0.05:0.2:4 --trials 6 --seed 3 --format json
# thread counts do not change a record: slices run on 1 and 2 threads combine to the same.
expect_ok bm logz --random 20 --seed 4 --beta 0.7 --format json --threads 2
cp "$TMP/out" "$TMP/w2"
expect_ok bm logz --random 20 --seed 4 --beta 0.7 --format json --threads 1 --units 0:100 --partial "$TMP/t1"
expect_ok bm logz --random 20 --seed 4 --beta 0.7 --format json --threads 2 --units 100:256 --partial "$TMP/t2"
expect_ok combine "$TMP/t1" "$TMP/t2" && same "$TMP/w2"

# ---- refusals -----------------------------------------------------------------------------
B="bm logz --random 20 --seed 4 --beta 0.7 --format json"
expect_ok $B --units 0:100 --partial "$TMP/a"
expect_ok $B --units 100:256 --partial "$TMP/b"
expect_ok bm logz --random 20 --seed 5 --beta 0.7 --format json --units 0:256 --partial "$TMP/other"
expect_reject "combine: unit 100 is missing \(156 of 256 units" combine "$TMP/a"
expect_reject "combine: unit 0 is given twice \(in .*/a and in .*/a2\)" combine "$TMP/a" "$TMP/b" "$(cp "$TMP/a" "$TMP/a2"; echo "$TMP/a2")"
expect_reject "combine: .*/other holds records of another problem" combine "$TMP/a" "$TMP/other"
{ cat "$TMP/b"; grep '^u 100 ' "$TMP/other"; } > "$TMP/foreign"
expect_reject "foreign: line [0-9]+: unit 100 belongs to another problem" combine "$TMP/a" "$TMP/foreign"
sed '5s/ 0x1/ 0x2/' "$TMP/a" > "$TMP/damaged"
expect_reject "damaged: line 5 is not an intact unit record" combine "$TMP/damaged" "$TMP/b"
printf 'hello\n' > "$TMP/junk"
expect_reject "junk: line 1: not a file of zsum unit records" combine "$TMP/junk"
expect_reject "combine: no record files" combine
expect_reject "combine: unknown option '--x'" combine --x
expect_reject "cannot open|No such file" combine "$TMP/none"
expect_reject "units I:J needs --partial FILE" $B --units 0:5
expect_reject "the range is empty" $B --units 5:5 --partial "$TMP/z"
expect_reject "--units: 'x:5' is not|--units: 'x' is not" $B --units x:5 --partial "$TMP/z"
expect_reject "has 256 units \(0:256 is all of them\)" $B --units 0:257 --partial "$TMP/z"
expect_reject "--checkpoint resumes a whole run" $B --checkpoint "$TMP/c" --partial "$TMP/z"
expect_reject "--partial: this command computes no work units" levels -n 3 -e 0,1 --partial "$TMP/z"
# The model changed since the records were written: refused, not mixed in.
python3 - "$TMP/m.npz" "$TMP/m2.npz" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as a, zipfile.ZipFile(sys.argv[2], 'w') as b:
    for n in a.namelist():
        d = bytearray(a.read(n))
        if n == 'hbias.npy': d[-1] ^= 1
        b.writestr(n, bytes(d))
PY
expect_ok rbm logz "$TMP/m.npz" --exact --units 0:256 --partial "$TMP/r"
cp "$TMP/m2.npz" "$TMP/m.npz"
expect_reject "the records are of another problem .*the model file or an option changed" combine "$TMP/r"

# ---- checkpoints --------------------------------------------------------------------------
# 30 spins: over a second on one thread (26 spins took 0.1 s, so the kills and signals below
# came after the run had finished and the interrupted paths went untested).
# Under the sanitizers 28 spins take as long as 30 in the plain build.
C="bm logz --random 30 --seed 3 --beta 0.6 --format json --threads 1"
[ -n "${ZSUM_SANITIZED:-}" ] && C=${C/--random 30/--random 28}
expect_ok $C
cp "$TMP/out" "$TMP/cw"
check_kill_and_resume "$TMP/cw" 5 0.02 0.4 $C
expect_reject "--checkpoint .*ck holds the units of another problem \(hash [0-9a-f]+, 1024 units, written by 'zsum bm logz --random (30|28) --seed 3" \
    bm logz --random 30 --seed 4 --beta 0.6 --checkpoint "$TMP/ck"
for sig in INT TERM; do
    rm -f "$TMP/ck"
    "$ZSUM" $C --checkpoint "$TMP/ck" > "$TMP/sout" 2> "$TMP/serr" &
    pid=$!
    wait_for_handler "$pid" $sig
    sleep 0.15
    kill -s $sig "$pid"
    wait "$pid"
    st=$?
    want=$([ $sig = INT ] && echo 130 || echo 143)
    if [ "$st" -eq "$want" ]; then pass; else fail "SIG$sig: exit $st, want $want"; fi
    grep -qE "stopped by SIG$sig after [0-9]+ of 1024 units .* the same command resumes" "$TMP/serr" && pass || fail "SIG$sig message: $(cat "$TMP/serr")"
    [ -s "$TMP/sout" ] && fail "SIG$sig: output on stdout"
    expect_ok $C --checkpoint "$TMP/ck" && same "$TMP/cw"
done
finish
