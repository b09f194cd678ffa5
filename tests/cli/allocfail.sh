# allocfail.sh — out of memory through the program: in a build with the allocation hook
# (lib/core/alloc.c; the sanitized build), ZSUM_ALLOC_FAIL_AT=k fails the library's k-th
# allocation. For k = 1, 2, ... each command must exit 3 with a message on stderr and nothing
# on stdout, or succeed with exactly the output of a run without failures (an optional
# allocation, docs/robustness.md); the sweep ends after three successes in a row. Leaks and
# memory errors on these paths end the run under the sanitizers. Skipped without the hook.
. "$(dirname "$0")/lib.sh" "$@"

if ! nm "$ZSUM" 2>/dev/null | grep -q ' zs_alloc_fail_at$'; then
    echo "SKIP allocfail: $ZSUM has no allocation hook (configure with -DZSUM_SANITIZE=ON)"
    exit 77
fi

printf '+-+-+-+-\n++--++--\n+++-----\n' > "$TMP/p.txt"
printf 'MARKOV\n3\n2 2 2\n2\n2 0 1\n2 1 2\n4\n 1 2 3 4\n4\n 2 1 1 2\n' > "$TMP/a.uai"

# sweep NAME ARGS...: the command's runs with its k-th allocation failed, k = 1, 2, ...
sweep() {
    local name=$1 k=1 ok=0 runs=0
    shift
    if ! "$ZSUM" "$@" 2> "$TMP/err" | grep -v seconds > "$TMP/want"; then
        fail "$name: does not run without failures: $(head -c 300 "$TMP/err")"
        return
    fi
    while [ "$ok" -lt 3 ] && [ "$k" -le 2000 ]; do
        ZSUM_ALLOC_FAIL_AT=$k "$ZSUM" "$@" > "$TMP/raw" 2> "$TMP/err"
        local rc=$?
        grep -v seconds "$TMP/raw" > "$TMP/out" # the run time differs from run to run
        runs=$((runs + 1))
        if [ "$rc" -eq 0 ]; then
            ok=$((ok + 1))
            if ! cmp -s "$TMP/out" "$TMP/want"; then
                fail "$name: allocation $k failed, exit 0 with other output"
            else pass; fi
        else
            ok=0
            if [ "$rc" -ne 3 ]; then
                fail "$name: allocation $k failed: exit $rc, not 3: $(head -c 300 "$TMP/err")"
            elif [ -s "$TMP/raw" ]; then
                fail "$name: allocation $k failed: exit 3 with output on stdout"
            elif ! grep -q 'out of memory\|cannot allocate' "$TMP/err"; then
                fail "$name: allocation $k failed: exit 3 without saying so: $(head -c 300 "$TMP/err")"
            else pass; fi
        fi
        k=$((k + 1))
    done
    echo "  $name: $runs runs"
}

# a few commands of each kind, small: each run is a process under the sanitizers
sweep "levels" levels -n 6 -e 0,1,2 -T 1.5
sweep "levels macrostates" levels -n 4 -e 0,1 -T 1 --macrostates
sweep "ising transfer" ising --size 2x3 -T 2.0 --method transfer
sweep "bm lnz" bm lnz --random 4 --model-seed 3 -T 1
sweep "uai" uai "$TMP/a.uai"
sweep "uai approx" uai "$TMP/a.uai" --approx bp
sweep "hopfield store" hopfield store "$TMP/p.txt" -o "$TMP/h.npz"
finish
