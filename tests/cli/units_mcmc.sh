# units_mcmc.sh — MCMC sampling (ising sample, bm sample) as work units, one unit per chain:
# the JSON is the same bit for bit on 1 and 2 threads, in slices (--units I:J --partial)
# combined by zsum combine, resumed from a --checkpoint after kill -9 at random moments and
# after SIGINT, and over zsum-mpi with 1 to 4 processes; a record of another problem, a
# missing part of a chain's record or a damaged one is refused, naming it.
. "$(dirname "$0")/lib.sh" "$@"
# Under the sanitizers every sweep is several times slower: fewer sweeps and chains.
small=${ZSUM_SANITIZED:-0}
if [ "$small" = 1 ]; then SW=3200; KCH=8; KSW=4000; else SW=12800; KCH=8; KSW=20000; fi

# ---- slices + combine == whole run, and thread counts change no bit -----------------------
check_chains() { # check_chains CUTS ARGS...: check_slices on one thread, and the same on two
    local cuts=$1; shift
    expect_ok "$@" --format json --threads 2 || return
    cp "$TMP/out" "$TMP/two"
    check_slices "$cuts" "$@" --format json --threads 1
    cp "$TMP/two" "$TMP/out" && same "$TMP/whole"
}
check_chains "1 4 6" ising sample --size 8x8 -T 2.5 --sweeps $SW --chains 6 --seed 3
check_chains "2 5" ising sample --size 8 -T 2.269 --algorithm wolff --sweeps $SW --chains 5 --seed 4
check_chains "3 4" bm sample --random 12 --model-seed 2 --beta 0.6 --sweeps $SW --chains 4 --seed 5
check_chains "1 2" bm sample --random 8 --model-seed 3 --algorithm heatbath --sweeps 320 --chains 2 --seed 9
# The unit count is the chain count, whatever the threads.
expect_reject "the MCMC sample has 6 units \(0:6 is all of them\)" ising sample --size 4 --chains 6 --sweeps 320 --units 0:7 --partial "$TMP/z"

# ---- refusals -------------------------------------------------------------------------------
S="ising sample --size 6 -T 2.4 --sweeps 640 --chains 4 --seed 1 --format json"
expect_ok $S --units 0:2 --partial "$TMP/a"
expect_ok $S --units 2:4 --partial "$TMP/b"
grep -q '^zsum-units 2$' "$TMP/a" && grep -q '^parts [0-9]' "$TMP/a" && pass || fail "a chain's record is not in format 2: $(head -5 "$TMP/a")"
expect_ok combine "$TMP/a" "$TMP/b"
cp "$TMP/out" "$TMP/ab"
expect_ok $S
same "$TMP/ab"
expect_ok ising sample --size 6 -T 2.4 --sweeps 640 --chains 4 --seed 2 --format json --units 0:4 --partial "$TMP/other"
expect_reject "combine: unit 2 is missing \(2 of 4 units" combine "$TMP/a"
expect_reject "combine: .*/other holds records of another problem" combine "$TMP/a" "$TMP/other"
# One part of chain 3 dropped: the chain is missing, named.
grep -v '^u 3\.1 ' "$TMP/b" > "$TMP/b_cut"
expect_reject "combine: unit 3 is missing \(1 of 4 units" combine "$TMP/a" "$TMP/b_cut"
# One part given twice.
{ cat "$TMP/b"; grep '^u 3\.0 ' "$TMP/b"; } > "$TMP/b_dup"
expect_reject "combine: unit 3 is given twice" combine "$TMP/a" "$TMP/b_dup"
# A line of another problem's file spliced in.
{ cat "$TMP/a"; grep '^u 2\.0 ' "$TMP/other"; } > "$TMP/foreign"
expect_reject "foreign: line [0-9]+: unit 2 belongs to another problem" combine "$TMP/foreign" "$TMP/b"
sed '7s/ 0x1/ 0x2/' "$TMP/a" > "$TMP/damaged"
expect_reject "damaged: line 7 is not an intact unit record" combine "$TMP/damaged" "$TMP/b"
sed 's/^parts .*/parts 0/' "$TMP/a" > "$TMP/parts0"
expect_reject "parts0: line 4: 'parts 0' is not a number|parts0: line 4: '0' is not a number" combine "$TMP/parts0" "$TMP/b"

# ---- checkpoints: kill -9 at random moments, SIGINT -----------------------------------------
C="ising sample --size 24 -T 2.3 --sweeps $KSW --chains $KCH --seed 7 --format json --threads 1"
expect_ok $C
cp "$TMP/out" "$TMP/cw"
# (a checkpoint cut in the middle of a line leaves a chain's parts incomplete: it runs again)
check_kill_and_resume "$TMP/cw" 4 0.05 0.8 $C
expect_reject "--checkpoint .*ck holds the units of another problem \(hash [0-9a-f]+, $KCH units, written by 'zsum ising sample --size 24" \
    ising sample --size 24 -T 2.3 --sweeps $KSW --chains $KCH --seed 8 --checkpoint "$TMP/ck"
rm -f "$TMP/ck"
"$ZSUM" $C --checkpoint "$TMP/ck" > "$TMP/sout" 2> "$TMP/serr" &
pid=$!
wait_for_handler "$pid" INT
sleep 0.3
kill -s INT "$pid"
wait "$pid"
st=$?
if [ "$st" -eq 130 ]; then pass; else fail "SIGINT: exit $st, want 130"; fi
grep -qE "stopped by SIGINT after [0-9]+ of $KCH units of the MCMC sample" "$TMP/serr" && pass || fail "SIGINT message: $(cat "$TMP/serr")"
expect_ok $C --checkpoint "$TMP/ck" && same "$TMP/cw"

# ---- zsum-mpi: 1 to 4 processes, the same JSON --------------------------------------------
MPI=$(dirname "$ZSUM")/zsum-mpi
if ! command -v mpirun > /dev/null; then fail "mpirun is missing (scripts/install-deps.sh installs openmpi-bin)"; finish; exit; fi
if [ ! -x "$MPI" ]; then fail "$MPI was not built (cmake -DZSUM_MPI=ON with libopenmpi-dev)"; finish; exit; fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
    OMPI_MCA_mpi_yield_when_idle=1
if [ -n "${ZSUM_SANITIZED:-}" ]; then
    export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/openmpi-lsan.supp:fast_unwind_on_malloc=0"
fi
# 1 to 4 processes; under the sanitizers (minutes of MPI start-up with full unwinding) one
# process and three, which split the units unevenly: the plain run checks all four.
NPS="1 2 3 4"
[ -n "${ZSUM_SANITIZED:-}" ] && NPS="1 3"
for M in "ising sample --size 8x8 -T 2.5 --sweeps $SW --chains 6 --seed 3" \
         "bm sample --random 12 --model-seed 2 --beta 0.6 --sweeps $SW --chains 4 --seed 5"; do
    expect_ok $M --format json --threads 1 || continue
    cp "$TMP/out" "$TMP/want"
    for np in $NPS; do
        mpirun -np $np --oversubscribe "$MPI" $M --format json --threads 1 > "$TMP/mout" 2> "$TMP/merr"
        st=$?
        if [ $st -ne 0 ]; then fail "mpirun -np $np zsum-mpi $M exited $st: $(head -c 300 "$TMP/merr")"; continue; fi
        if cmp -s "$TMP/mout" "$TMP/want"; then pass; else fail "mpirun -np $np zsum-mpi $M: JSON differs from zsum's"; fi
    done
done
finish
