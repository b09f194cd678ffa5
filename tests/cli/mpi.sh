# mpi.sh — zsum-mpi over 1, 2, 3 and 4 Open MPI processes (oversubscribed) prints JSON
# bit-identical to zsum's: levels enumeration, a 26-spin Boltzmann machine, an RBM 784x14
# exact ln Z, AIS with 100 chains, a Hopfield capacity sweep (work units shared among the
# processes), and a UAI model forced into conditioning by a small --max-memory (one unit per
# conditioned run; compared in the uai format, since the JSON has the run's seconds). A missing mpirun or zsum-mpi is a failure, not a skip: scripts/install-deps.sh
# installs Open MPI.
. "$(dirname "$0")/lib.sh" "$@"
MPI=$(dirname "$ZSUM")/zsum-mpi
if ! command -v mpirun > /dev/null; then fail "mpirun is missing (scripts/install-deps.sh installs openmpi-bin)"; finish; exit; fi
if [ ! -x "$MPI" ]; then fail "$MPI was not built (cmake -DZSUM_MPI=ON with libopenmpi-dev)"; finish; exit; fi
# Oversubscribed (4 processes on 2 cores): waiting ranks yield the core instead of spinning.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
    OMPI_MCA_mpi_yield_when_idle=1
# Under the sanitizers, MPI_Init's own allocations (kept to the process's exit by Open MPI) are
# not zsum's leaks: tests/cli/openmpi-lsan.supp names Open MPI's libraries, and full unwinding
# lets LeakSanitizer see their frames (they are built without frame pointers).
if [ -n "${ZSUM_SANITIZED:-}" ]; then
    export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/openmpi-lsan.supp:fast_unwind_on_malloc=0"
fi
# 1 to 4 processes; under the sanitizers (5 s an mpirun: full unwinding of every allocation)
# three, which split the units unevenly: the plain run checks all four.
NPS="1 2 3 4"
[ -n "${ZSUM_SANITIZED:-}" ] && NPS="3"

cat > "$TMP/mk.py" <<'PY'
import random, sys, zipfile
from zstest import npy
r = random.Random(11)
nv, nh = 784, 14   # 2^8 outer states: 256 work units, seconds under the sanitizers
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('W.npy', npy((nv, nh), [0.05 * r.uniform(-1, 1) for _ in range(nv * nh)]))
    z.writestr('vbias.npy', npy((nv,), [r.uniform(-1, 0.5) for _ in range(nv)]))
    z.writestr('hbias.npy', npy((nh,), [r.uniform(-1, 1) for _ in range(nh)]))
PY
python3 "$TMP/mk.py" "$TMP/rbm.npz"

# Leak detection costs each mpirun about 3.5 s under the sanitizers (the full unwinding above):
# the levels and uai comparisons and the refusals keep it, the other comparisons run under
# ASan and UBSan without it (LEAKS=0).
mpi_asan() {
    if [ -n "${ZSUM_SANITIZED:-}" ] && [ "${LEAKS:-1}" = 0 ]; then
        echo "${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    else
        echo "${ASAN_OPTIONS:-}"
    fi
}
same_over_processes() { # ARGS...: zsum's JSON == zsum-mpi's with 1..4 processes
    local fmt=${FMT:-json}
    expect_ok "$@" --format "$fmt" || return
    cp "$TMP/out" "$TMP/want"
    for np in $NPS; do
        ASAN_OPTIONS=$(mpi_asan) mpirun -np $np --oversubscribe "$MPI" "$@" --format "$fmt" > "$TMP/mout" 2> "$TMP/merr"
        st=$?
        if [ $st -ne 0 ]; then fail "mpirun -np $np zsum-mpi $* exited $st: $(head -c 300 "$TMP/merr")"; continue; fi
        if cmp -s "$TMP/mout" "$TMP/want"; then pass; else fail "mpirun -np $np zsum-mpi $*: JSON differs from zsum's"; fi
    done
}
same_over_processes levels -n 15 -e 0,1,2.5 -g 1,2,1 --method enumerate --threads 1
LEAKS=0 same_over_processes bm logz --random 26 --seed 1 --beta 0.9 --threads 1
LEAKS=0 same_over_processes rbm logz "$TMP/rbm.npz" --exact --threads 1
# (base uniform: the default pt base starts with tempering runs, a minute under the sanitizers
# and not work units; the chains are the units)
LEAKS=0 same_over_processes rbm logz "$TMP/rbm.npz" --ais --base uniform --reverse none --chains 100 --schedule linear:300 --seed 5 --threads 1
complete_uai 16 "$TMP/k16.uai"
FMT=uai same_over_processes uai "$TMP/k16.uai" --max-memory 140K --threads 1
LEAKS=0 same_over_processes hopfield capacity -n 60 --alpha 0.05:0.2:4 --trials 4 --seed 3 --threads 1
# The time estimate that refuses an exact ln Z counts the processes: 4 processes, a quarter.
PYTHONPATH="$TMP" python3 - "$TMP/r40.npz" <<'PY'
import sys, zipfile
from zstest import npy
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('W.npy', npy((784, 40), [0.01] * (784 * 40)))
    z.writestr('vbias.npy', npy((784,), [0.0] * 784))
    z.writestr('hbias.npy', npy((40,), [0.0] * 40))
PY
expect_reject "about 29.9 hours on 2 threads" rbm logz "$TMP/r40.npz" --exact --threads 2
mpirun -np 4 --oversubscribe "$MPI" rbm logz "$TMP/r40.npz" --exact --threads 2 > "$TMP/mout" 2> "$TMP/merr"
if [ $? -eq 2 ] && grep -q "about 7.5 hours on 2 threads x 4 processes" "$TMP/merr"; then pass
else fail "zsum-mpi -np 4 estimate: $(head -c 300 "$TMP/merr")"; fi
mpirun -np 4 --oversubscribe "$MPI" bm logz --random 46 --threads 1 > "$TMP/mout" 2> "$TMP/merr"
if [ $? -eq 2 ] && grep -q "2^46 states of 46 spins take about 4.9 hours on 1 thread x 4 processes" "$TMP/merr"; then pass
else fail "zsum-mpi -np 4 bm estimate: $(head -c 300 "$TMP/merr")"; fi
# Refusals are rank 0's, once.
mpirun -np 2 --oversubscribe "$MPI" bm logz --random 20 --units 0:4 --partial "$TMP/x" > "$TMP/mout" 2> "$TMP/merr"
if [ $? -eq 2 ] && [ "$(grep -c 'zsum-mpi: --units, --partial and --checkpoint are zsum' "$TMP/merr")" = 1 ]; then pass
else fail "zsum-mpi --partial: $(head -c 300 "$TMP/merr")"; fi
finish
