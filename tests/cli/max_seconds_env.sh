# max_seconds_env.sh — ZSUM_MAX_SECONDS: a ceiling on every command's time allowance
# (--max-seconds and its default), so that each estimated-time refusal fires at it, and a
# deadline on computations that report progress; a value that is not a number of seconds > 0
# is refused before any command runs; a run within the ceiling is unchanged by it.
. "$(dirname "$0")/lib.sh" "$@"

cap() { ZSUM_MAX_SECONDS=$1; export ZSUM_MAX_SECONDS; shift; "$@"; unset ZSUM_MAX_SECONDS; }

# the default allowance (an hour, or 10 s for training) is lowered to the ceiling
cap 0.001 expect_reject 'capacity: N = 412 units, .* over --max-seconds 0.001' hopfield capacity --units 412
cap 0.001 expect_reject 'over --max-seconds 0.001' ising sample --size 64 --sweeps 100000 --seed 1
cap 0.001 expect_reject 'over --max-seconds 0.001' bm sample --random 43 --sweeps 100000 --seed 1
cap 0.001 expect_reject 'over the limit of 0.001 s' bm lnz --random 30 --seed 2 --threads 1
# drawing a random machine: 50 ns a bond, 4096 x 4095 / 2 bonds = 0.42 s
cap 0.001 expect_reject 'bm: drawing a random machine of 4096 units would take about 0.42 seconds, over --max-seconds 0.001' \
    bm sample --random 4096
expect_reject "drawing a random machine of 4096 units .* over --max-seconds 0.4;" \
    bm lnz --random 4096 --max-seconds 0.4
# an RBM of 36 x 36 units: its exact ln Z sums 2^36 states (minutes, within the default hour)
(cd "$TMP" && python3 -c "
from zstest import npz, npy
npz('r.npz', [('W', npy((36, 36), [0.01] * 1296)), ('vbias', npy((36,), [0.0] * 36)), ('hbias', npy((36,), [0.0] * 36))])")
cap 0.001 expect_reject '2\^36 states .* over the limit of' rbm lnz "$TMP/r.npz" --exact
cap 0.001 expect_reject 'over --max-seconds 0.001' rbm sample "$TMP/r.npz" --chains 1000 --steps 100000000 -o "$TMP/s.png"

# building a lattice's bonds (50 ns a site) is refused beyond it, before anything is built
cap 0.001 expect_reject 'ising: building the bonds of 1000 x 1000 sites would take about 0.05 seconds, over --max-seconds 0.001' \
    ising sample --size 1000
# a refusal that the dimensions alone decide needs no bonds either: an open 4096 x 4096
# lattice (1.9 GB of bonds) is refused within 300 MB of address space (a sanitized build
# reserves terabytes at start and cannot run under ulimit -v: there without it)
small() {
    if ( ulimit -v 300000; exec "$ZSUM" --help ) > /dev/null 2>&1; then
        ( ulimit -v 300000; exec "$ZSUM" "$@" ) > "$TMP/out" 2> "$TMP/err"
    else
        "$ZSUM" "$@" > "$TMP/out" 2> "$TMP/err"
    fi
    status=$?
}
small ising --size 4096 --open
if [ "$status" = 2 ] && grep -q "no exact method applies: 16777216 spins" "$TMP/err"; then pass
else fail "ising --size 4096 --open under 300 MB: exit $status, $(head -c 200 "$TMP/err")"; fi
small ising --size 2000x2000 --method transfer
if [ "$status" = 2 ] && grep -q "method transfer: a periodic strip is wider than 12 sites" "$TMP/err"; then pass
else fail "ising --size 2000x2000 --method transfer under 300 MB: exit $status, $(head -c 200 "$TMP/err")"; fi

# threads beyond the processors run no faster: the capacity estimate counts at most as many
# threads as processors (--threads 461 on 2 processors said 0.03 ms for a 3 ms sweep)
est() { "$ZSUM" hopfield capacity --units 141 --max-seconds 1e-9 "$@" 2>&1 | grep -o 'about [^,]*'; }
if [ -n "$(est --threads 461)" ] && [ "$(est --threads 461)" = "$(est --threads "$(nproc)")" ]; then pass
else fail "capacity estimate with --threads 461 '$(est --threads 461)', with $(nproc) '$(est --threads "$(nproc)")'"; fi
# every estimate divides by the threads that will run, min(--threads, processors, work items),
# and names that count: 563 threads here are one per processor, or one per chain or unit of work
P=$(nproc); min() { echo $(( $1 < $2 ? $1 : $2 )); }
s() { [ "$1" = 1 ] && echo "1 thread" || echo "$1 threads"; }
expect_reject "about .* on $(s "$(min "$P" 24)"), over --max-seconds 1e-09" \
    hopfield capacity --units 200 --trials 2 --threads 563 --max-seconds 1e-9
expect_reject "about .* on $(s "$(min "$P" 3)"), over --max-seconds 0.001" \
    ising sample --size 64 --chains 3 --sweeps 100000 --threads 563 --seed 1 --max-seconds 0.001
expect_reject "about .* on $(s "$P"), over the limit of 0.001 s" bm lnz --random 30 --seed 2 --threads 563 --max-seconds 0.001
expect_reject "2\^36 states .* about .* on $(s "$P"), over the limit of" rbm lnz "$TMP/r.npz" --exact --threads 563 --max-seconds 1
expect_reject "about .* on $(s "$(min "$P" 5)"), over --max-seconds 0.001" \
    rbm sample "$TMP/r.npz" --chains 5 --steps 100000000 --threads 563 --max-seconds 0.001 -o "$TMP/s.png"
# the same estimate as with one thread per processor
e1=$("$ZSUM" bm lnz --random 30 --seed 2 --threads 563 --max-seconds 0.001 2>&1 | grep -o 'about [^,]*')
e2=$("$ZSUM" bm lnz --random 30 --seed 2 --threads "$P" --max-seconds 0.001 2>&1 | grep -o 'about [^,]*')
if [ -n "$e1" ] && [ "$e1" = "$e2" ]; then pass; else fail "bm lnz estimate with 563 threads '$e1', with $P '$e2'"; fi

# a larger --max-seconds is lowered to it too; a smaller one is kept
cap 0.001 expect_reject 'over --max-seconds 0.001' hopfield capacity --units 412 --max-seconds 3600
cap 100 expect_reject 'over --max-seconds 0.0001' hopfield capacity --units 412 --max-seconds 0.0001

# a computation that runs past the ceiling stops there, with or without an estimate (AIS and
# the transfer matrix have none): exit 1, nothing on stdout, the reason on stderr
stopped() {
    run "$@"
    if [ "$status" -eq 1 ] && [ ! -s "$TMP/out" ] &&
        grep -q "stopped after 0.05 s, the most ZSUM_MAX_SECONDS allows" "$TMP/err"; then
        pass
    else
        fail "zsum $*: exit $status, stderr '$(head -c 200 "$TMP/err")'"
    fi
}
# the transfer matrix is refused by its estimate (w l 2^w site visits, times 2^w with a periodic
# length, at 7.5 ns): a 10 x 10 torus 0.79 s, an 18 x 400 strip 14 s; its <|M|> pass is in the
# estimate (8 x 150: 3.7e8 entries at 0.6 ns, 0.22 s; when it was not, 2.3 ms were estimated
# for 0.2 s of work). Both passes ask the hook every 32 768 updates (test_pairwise stops them).
cap 0.05 expect_reject 'method transfer: 10 x 10 sites \(1.05e\+08 visits of a frontier state\) take about 0.79 seconds on 1 thread, over the limit of 0.05 s' \
    ising --size 10x10 --method transfer
cap 0.05 expect_reject 'method transfer: 18 x 400 sites .* take about 14 seconds on 1 thread' ising --size 18x400 --open --method transfer
cap 0.05 expect_reject 'method transfer: 8 x 150 sites .* take about 0.22 seconds' ising --size 8x150 --open --method transfer
# a transfer matrix's estimate counts its sites (0.5 us each) and comes before the bonds are
# built; sampling refuses building the bonds itself beyond the allowance (50 ns a site)
cap 0.001 expect_reject 'method transfer: 2000007 x 2 sites .* take about 2.5 seconds on 1 thread, over the limit of 0.001 s' \
    ising --size 2000007x2 --method transfer
cap 0.001 expect_reject 'ising: building the bonds of 2000007 x 2 sites would take about 0.2 seconds, over --max-seconds 0.001' \
    ising sample --size 2000007x2
cap 0.05 stopped rbm lnz "$TMP/r.npz" --ais --chains 1000
# AIS starts from parallel tempering, whose ladders (and AIS's blocks of chains) take seconds
# each for a large RBM: both ask the hook every few ms, so the stop comes within a fraction of
# a second of CPU (this 784 x 500 RBM ran 14 s of CPU before stopping when only finished
# ladders reported)
(cd "$TMP" && python3 -c "
from zstest import npz, npy
npz('big.npz', [('W', npy((784, 500), [0.01, -0.01] * 196000)), ('vbias', npy((784,), [0.0] * 784)), ('hbias', npy((500,), [0.0] * 500))])")
TIMEFORMAT=%U
{ time cap 0.05 stopped rbm lnz "$TMP/big.npz" --ais --chains 1000 --threads 1; } 2> "$TMP/cpu"
unset TIMEFORMAT
if python3 -c "import sys; sys.exit(0 if float(open('$TMP/cpu').read().split()[-1]) < 2 else 1)"; then pass
else fail "rbm lnz --ais under a 0.05 s ceiling: $(cat "$TMP/cpu") s of CPU before it stopped"; fi

# the transfer matrix of a 20-wide open strip (3.8 s) is refused by its estimate, and of a
# 22 x 73 one (49 s) too, before the density of states is refused (1606 spins)
cap 0.05 expect_reject 'method transfer: 20 x 40 sites .* over the limit of 0.05 s' ising --size 20x40 --open --threads 1
cap 0.05 expect_reject 'method transfer: 22 x 73 sites .* take about 51 seconds on 1 thread' ising --size 22x73 --open
cap 0.05 expect_reject 'dos by transfer matrix: 800 spins' ising --size 20x40 --open --dos --threads 1
# a density of states within its limits is refused by its estimate (about 7 s on 1 thread)
cap 0.001 expect_reject 'dos by transfer matrix: .* over the limit of 0.001 s' ising --size 9x9 --dos

# a temperature sweep is refused from its points' estimates and its rows' printing (ising 9 x 4
# with 81054 points: 1.3 s, of which 1 s printing; it ran past the fuzz target's ceiling),
# and asks the hook before each point as well
cap 0.05 expect_reject '^zsum: --sweep: 81054 temperatures would take more than 1.1 seconds in all, over --max-seconds 0.05' \
    ising --size 9x4 --sweep T:1.58:93:81054
cap 0.05 expect_reject '^zsum: --sweep: 1000000 temperatures by method closed would take about 11 seconds in all' \
    levels -n 10 -e 0,1 --sweep T:0.1:3:1000000

# a run within the ceiling gives the same output as without it
expect_ok hopfield capacity --units 20 --trials 2 --seed 3 --format json
cp "$TMP/out" "$TMP/plain.json"
cap 60 expect_ok hopfield capacity --units 20 --trials 2 --seed 3 --format json
if cmp -s "$TMP/out" "$TMP/plain.json"; then pass; else fail "ZSUM_MAX_SECONDS=60 changed the output"; fi
cap "" expect_ok ising --size 4x4 -b 0.4

# not a number of seconds > 0: refused, naming the variable
for bad in abc 0 -1 1e999 " 5"; do
    cap "$bad" expect_reject "ZSUM_MAX_SECONDS: '$bad' is not a number of seconds > 0" ising --size 4x4 -b 0.4
done

finish
