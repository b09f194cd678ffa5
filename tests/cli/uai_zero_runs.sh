# uai_zero_runs.sh — conditioned runs of uneven cost: a model whose zeros make some
# assignments of the conditioned variables impossible. A run ends where a table becomes all
# zeros (Z(x_C) = 0: at the slicing, or after the first or the second elimination), so the runs
# cost from almost nothing to a whole elimination. ln Z is checked against a brute force over
# the 2^16 states; the result is the same bits over 1..3 MPI processes
# (zsum-mpi hands the runs out as processes free up) and from slices put together by combine.
. "$(dirname "$0")/lib.sh" "$@"

# The complete graph on 16 binary variables (width 15): --max-memory 80K conditions on
# variables 1..6 and eliminates 0, 7, 8, ..., 15 in that order (checked below). Entry k of
# pair (i, j) is x_i x_j = (k >> 1, k & 1).
PYTHONPATH="$TMP" python3 - "$TMP/z16.uai" > "$TMP/z16.lnz" <<'PY'
import math, sys
from zstest import lse
n = 16
pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
w = {(i, j): [1.0 + ((7 * i + 3 * j + k * k) % 11) / 5.0 for k in range(4)] for (i, j) in pairs}
w[(1, 2)][3] = 0.0  # x1 = x2 = 1: a constant 0 once sliced (the run ends at the slicing)
w[(0, 3)][3] = 0.0  # x3 = 1 forces x0 = 0 ...
w[(0, 4)][1] = 0.0  # ... and x4 = 1 forces x0 = 1: the first elimination's table is all 0
w[(5, 7)][3] = 0.0  # x5 = 1 forces x7 = 0 ...
w[(6, 7)][2] = 0.0  # ... and x6 = 1 forces x7 = 1: the second elimination's table is all 0
with open(sys.argv[1], 'w') as f:
    f.write('MARKOV\n%d\n%s\n%d\n' % (n, ' '.join(['2'] * n), len(pairs)))
    for (i, j) in pairs: f.write('2 %d %d\n' % (i, j))
    for (i, j) in pairs: f.write('4 %s\n' % ' '.join(repr(x) for x in w[(i, j)]))
# Brute force in logs, by halves: the 2^8 states of x0..x7 times those of x8..x15.
lw = {p: [math.log(v) if v > 0 else -math.inf for v in w[p]] for p in pairs}
def bits(s, lo): return [(s >> (k - lo)) & 1 for k in range(lo, lo + 8)]
lo_pairs = [p for p in pairs if p[1] < 8]
hi_pairs = [p for p in pairs if p[0] >= 8]
cross = [p for p in pairs if p[0] < 8 <= p[1]]
terms = []
for a in range(256):
    xa = bits(a, 0)
    ea = sum(lw[(i, j)][2 * xa[i] + xa[j]] for (i, j) in lo_pairs)
    if ea == -math.inf: continue
    for b in range(256):
        xb = bits(b, 8)
        x = xa + xb
        e = ea + sum(lw[(i, j)][2 * x[i] + x[j]] for (i, j) in hi_pairs + cross)
        if e > -math.inf: terms.append(e)
print(repr(lse(terms)))
PY
lnz=$(cat "$TMP/z16.lnz")
expect_ok uai "$TMP/z16.uai" --max-memory 80K --threads 1 --format json
expect_json "d['conditioned'] == [1, 2, 3, 4, 5, 6] and d['elimination_order'][:2] == [0, 7]"
expect_json "d['conditioning_assignments'] == 64 and abs(d['lnZ'] - $lnz) <= 1e-12 * abs($lnz)"
expect_ok uai "$TMP/z16.uai" --max-memory 80K --threads 1 --format uai
cp "$TMP/out" "$TMP/want"
check_slices "7 40 64" uai "$TMP/z16.uai" --max-memory 80K --threads 1 --format uai
same "$TMP/want"

# zsum-mpi: the same bits over 1, 2 and 3 processes (skipped only where zsum-mpi is not
# built; tests/cli/mpi.sh fails then).
MPI=$(dirname "$ZSUM")/zsum-mpi
if [ -x "$MPI" ] && command -v mpirun > /dev/null; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
    # In a sanitized build, Open MPI's own allocations kept to the exit are not zsum's leaks
    # (tests/cli/openmpi-lsan.supp; read only by a sanitized zsum-mpi).
    export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/openmpi-lsan.supp:fast_unwind_on_malloc=0"
    for np in 1 2 3; do
        if mpirun -np $np --oversubscribe "$MPI" uai "$TMP/z16.uai" --max-memory 80K --threads 1 \
            --format uai > "$TMP/out" 2> "$TMP/err"; then
            same "$TMP/want"
        else
            fail "mpirun -np $np zsum-mpi uai: $(head -c 300 "$TMP/err")"
        fi
    done
fi
finish
