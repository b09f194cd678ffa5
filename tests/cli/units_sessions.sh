# units_sessions.sh — commands that run several work-unit computations (ising/bm --dos beside
# the thermodynamics, a temperature sweep, AIS with its reverse side): slices (--units I:J
# --partial) combined by zsum combine, a --checkpoint resumed after kill -9, and zsum-mpi with
# 1 to 4 processes print the plain run's output byte for byte; the density of states by
# enumeration is exact (checked against a brute-force count and the chain's closed form); a
# missing, duplicated or foreign record, and records of fewer computations, are refused,
# naming the unit.
. "$(dirname "$0")/lib.sh" "$@"

# ---- the density of states against independent counts ------------------------------------
# Brute force over the 2^16 states of the 4x4 torus with J = 1, h = 1 (the energy of every
# state, counted), against the combined slices' JSON.
DOS="ising --size 4x4 --h 1 --method enumerate --dos --format json"
check_slices "1 7 16" $DOS
python3 - "$TMP/out" <<'PY' && pass || fail "4x4 torus: the density of states differs from a brute-force count"
import collections, json, sys
L = 4
g = collections.Counter()
for s in range(1 << (L * L)):
    sp = [1 if (s >> i) & 1 else -1 for i in range(L * L)]
    e = 0
    for r in range(L):
        for c in range(L):
            i = r * L + c
            e -= sp[i] * (sp[r * L + (c + 1) % L] + sp[((r + 1) % L) * L + c]) + sp[i]
    g[e] += 1
got = {d["energy"]: int(d["count"]) for d in json.load(open(sys.argv[1]))["dos"]}
sys.exit(0 if got == dict(g) else 1)
PY
# An open chain of N spins, J = 1, h = 0: E = -(N-1) + 2k with k broken bonds, in
# 2 C(N-1, k) states (each bond broken or not, times the global flip).
CHAIN="ising --size 22 --dim 1 --open --method enumerate --dos --format json --threads 1"
check_slices "100 700 1024" $CHAIN
python3 - "$TMP/out" <<'PY' && pass || fail "open chain: the density of states differs from 2 C(N-1, k)"
import json, math, sys
N = 22
want = {-(N - 1) + 2 * k: 2 * math.comb(N - 1, k) for k in range(N)}
got = {d["energy"]: int(d["count"]) for d in json.load(open(sys.argv[1]))["dos"]}
sys.exit(0 if got == want else 1)
PY

# A Boltzmann machine of 14 0/1 units with integer W and b: brute force over its 2^14 states
# of E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i, against the combined slices' JSON.
cat > "$TMP/mkbm.py" <<'PY'
import random, sys, zipfile
from zstest import npy
r = random.Random(3)
n = 14
W = [[0] * n for _ in range(n)]
for i in range(n):
    for j in range(i):
        W[i][j] = W[j][i] = r.randint(-2, 2)
b = [r.randint(-3, 3) for _ in range(n)]
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('W.npy', npy((n, n), [float(x) for row in W for x in row]))
    z.writestr('b.npy', npy((n,), [float(x) for x in b]))
print(repr((W, b)))
PY
python3 "$TMP/mkbm.py" "$TMP/bm.npz" > "$TMP/bm.txt"
BMDOS="bm lnz $TMP/bm.npz --dos --beta 0.3 --format json --threads 1"
check_slices "1 3 4" $BMDOS
python3 - "$TMP/out" "$TMP/bm.txt" <<'PY' && pass || fail "bm: the density of states differs from a brute-force count"
import ast, collections, json, sys
W, b = ast.literal_eval(open(sys.argv[2]).read())
n = len(b)
g = collections.Counter()
for s in range(1 << n):
    x = [(s >> i) & 1 for i in range(n)]
    e = -sum(W[i][j] * x[i] * x[j] for i in range(n) for j in range(i)) - sum(b[i] * x[i] for i in range(n))
    g[e] += 1
got = {d["energy"]: int(d["count"]) for d in json.load(open(sys.argv[1]))["dos"]}
sys.exit(0 if got == dict(g) else 1)
PY

# ---- slices + combine == the whole run -----------------------------------------------------
check_slices "3 16" ising --size 4x4 --h 1 --method enumerate --dos --sweep T:1:3:4
check_slices "100 729" levels -n 14 -e 0,1,2.5 -g 1,2,1 --method enumerate --sweep T:1:2:3 --format json
check_slices "1 4" ising sample --size 6 --sweep T:2:3:3 --sweeps 640 --chains 4 --seed 1 --format json --threads 1
# An RBM 40x8, written byte by byte: AIS and its reverse side (four units each).
cat > "$TMP/mk.py" <<'PY'
import random, sys, zipfile
from zstest import npy
r = random.Random(7)
nv, nh = 40, 8
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('W.npy', npy((nv, nh), [0.3 * r.uniform(-1, 1) for _ in range(nv * nh)]))
    z.writestr('vbias.npy', npy((nv,), [r.uniform(-1, 1) for _ in range(nv)]))
    z.writestr('hbias.npy', npy((nh,), [r.uniform(-1, 1) for _ in range(nh)]))
PY
python3 "$TMP/mk.py" "$TMP/m.npz"
AIS="rbm logz $TMP/m.npz --ais --chains 200 --schedule linear:200 --seed 9 --base uniform --pt-sweeps 200 --format json --threads 1"
check_slices "1 3 4" $AIS
grep -q '"lnZ_reverse"' "$TMP/whole" && pass || fail "the AIS run has no reverse side"
# A slice file of several computations is of format 3, each computation declared.
expect_ok $DOS --units 0:7 --partial "$TMP/a"
expect_ok $DOS --units 7:16 --partial "$TMP/b"
grep -q '^zsum-units 3$' "$TMP/a" && [ "$(grep -c '^c ' "$TMP/a")" = 2 ] && pass || fail "not format 3 with two computations: $(head -4 "$TMP/a")"

# ---- refusals -------------------------------------------------------------------------------
# The DOS is computation 2 (256 units of 2 parts; b holds units 112 to 255 of it): a part of
# unit 150 dropped, unit 200 given twice, a line of another model's.
grep -v '^u 1:150\.1 ' "$TMP/b" > "$TMP/b_cut"
expect_reject "combine: unit 150 of computation 2 is missing \(1 of 256 units" combine "$TMP/a" "$TMP/b_cut"
{ cat "$TMP/b"; grep '^u 1:200\.0 ' "$TMP/b"; } > "$TMP/b_dup"
expect_reject "combine: unit 200 of computation 2 is given twice" combine "$TMP/a" "$TMP/b_dup"
expect_ok ising --size 4x4 --h 2 --method enumerate --dos --format json --units 0:16 --partial "$TMP/other"
{ cat "$TMP/b"; grep '^u 1:3\.0 ' "$TMP/other"; } > "$TMP/foreign"
expect_reject "foreign: line [0-9]+: unit 3 belongs to another problem" combine "$TMP/a" "$TMP/foreign"
expect_reject "combine: .*/other holds records of another problem" combine "$TMP/a" "$TMP/other"
# A record before its computation's declaration, and a declaration out of order.
{ head -2 "$TMP/a"; grep '^u 1:' "$TMP/b" | head -1; } > "$TMP/early"
expect_reject "early: line 3: unit [0-9]+ of computation 1 comes before that computation is declared" combine "$TMP/early"
sed 's/^c 1 /c 2 /' "$TMP/a" > "$TMP/order"
expect_reject "order: line 4 is not an intact computation line" combine "$TMP/order" "$TMP/b"
# A one-computation slice whose command (edited in its header) now runs two: refused.
expect_ok ising --size 4x4 --h 1 --method enumerate --format json --units 0:16 --partial "$TMP/one"
sed '/^text /s/$/ --dos/' "$TMP/one" > "$TMP/one_dos"
expect_reject "the records hold 1 computation, and this command runs more \(the pairwise dos, its computation 2\)" combine "$TMP/one_dos"

# ---- checkpoints: kill -9 at random moments, and another problem refused --------------------
# 2^28 states (2^26 under the sanitizers, still seconds there): long enough for the kills to land
# mid-run.
K="ising --size 28 --dim 1 --h 1 --method enumerate --dos --format json --threads 1"
[ -n "${ZSUM_SANITIZED:-}" ] && K=${K/--size 28/--size 26}
expect_ok $K
cp "$TMP/out" "$TMP/kw"
check_kill_and_resume "$TMP/kw" 4 0.05 1.2 $K
[ "$(grep -c '^c ' "$TMP/ck")" = 2 ] && pass || fail "the checkpoint does not declare two computations"
expect_ok $AIS
cp "$TMP/out" "$TMP/aw"
check_kill_and_resume "$TMP/aw" 2 0.05 0.5 $AIS
# The same thermodynamics, another DOS (--h 2 changes the model: the first computation is
# refused already); a checkpoint whose second computation differs is refused naming it.
rm -f "$TMP/ck"
expect_ok ising --size 4x4 --h 1 --method enumerate --dos --checkpoint "$TMP/ck"
expect_reject "--checkpoint .*ck holds the units of another problem" ising --size 4x4 --h 2 --method enumerate --dos --checkpoint "$TMP/ck"
sed -i 's/^c 1 [0-9a-f]* /c 1 0123456789abcdef /' "$TMP/ck"
expect_reject "ck: line [0-9]+ is not an intact computation line" ising --size 4x4 --h 1 --method enumerate --dos --checkpoint "$TMP/ck"

# ---- zsum-mpi: 1 to 4 processes, the same output ------------------------------------------
MPI=$(dirname "$ZSUM")/zsum-mpi
if ! command -v mpirun > /dev/null; then fail "mpirun is missing (scripts/install-deps.sh installs openmpi-bin)"; finish; exit; fi
if [ ! -x "$MPI" ]; then fail "$MPI was not built (cmake -DZSUM_MPI=ON with libopenmpi-dev)"; finish; exit; fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
    OMPI_MCA_mpi_yield_when_idle=1
# Under the sanitizers, leak detection is off for these MPI runs: matching Open MPI's own leaks
# to their suppressions needs full unwinding on every allocation, which more than doubles each
# start-up; cli/mpi checks zsum-mpi for leaks under the sanitizers, and the plain zsum runs of
# the same commands above keep leak detection.
MPI_ASAN=${ASAN_OPTIONS:-}
[ -n "${ZSUM_SANITIZED:-}" ] && MPI_ASAN="${MPI_ASAN:+$MPI_ASAN:}detect_leaks=0"
# Two processes and three (an even and an uneven split of the units; cli/mpi runs 1 to 4);
# under the sanitizers three.
NPS="2 3"
[ -n "${ZSUM_SANITIZED:-}" ] && NPS="3"
for M in "$DOS --sweep T:1:3:4 --threads 1" "$CHAIN" "$AIS" "$BMDOS --sweep T:1:2:2" \
         "levels -n 14 -e 0,1,2.5 -g 1,2,1 --method enumerate --sweep T:1:2:3 --format json --threads 1" \
         "ising sample --size 6 --sweep T:2:3:3 --sweeps 640 --chains 4 --seed 1 --format json --threads 1"; do
    expect_ok $M || continue
    cp "$TMP/out" "$TMP/want"
    for np in $NPS; do
        ASAN_OPTIONS=$MPI_ASAN mpirun -np $np --oversubscribe "$MPI" $M > "$TMP/mout" 2> "$TMP/merr"
        st=$?
        if [ $st -ne 0 ]; then fail "mpirun -np $np zsum-mpi $M exited $st: $(head -c 300 "$TMP/merr")"; continue; fi
        if cmp -s "$TMP/mout" "$TMP/want"; then pass; else fail "mpirun -np $np zsum-mpi $M: output differs from zsum's"; fi
    done
done
finish
