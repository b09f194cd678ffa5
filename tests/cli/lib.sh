# lib.sh — helpers for the CLI tests: run zsum, check its exit status, stdout and stderr.
# Each test script: `. "$(dirname "$0")/lib.sh" "$@"`, then expect_* calls, then `finish`.
ZSUM=${1:?usage: test.sh PATH_TO_ZSUM}
passed=0
failed=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
pass() { passed=$((passed + 1)); }

# run ARGS...: runs zsum, leaving $status, $TMP/out, $TMP/err.
run() {
    "$ZSUM" "$@" > "$TMP/out" 2> "$TMP/err"
    status=$?
}

# expect_ok ARGS...: exit 0, empty stderr.
expect_ok() {
    run "$@"
    if [ "$status" -ne 0 ]; then fail "zsum $* exited $status: $(head -c 300 "$TMP/err")"; return 1; fi
    pass
}

# expect_reject PATTERN ARGS...: exit 2, nothing on stdout, stderr matches PATTERN (grep -E).
expect_reject() {
    local pattern=$1; shift
    run "$@"
    if [ "$status" -ne 2 ]; then fail "zsum $* exited $status, expected 2"; return 1; fi
    if [ -s "$TMP/out" ]; then fail "zsum $* wrote to stdout on error"; return 1; fi
    if ! grep -qE -- "$pattern" "$TMP/err"; then
        fail "zsum $*: stderr '$(head -c 300 "$TMP/err")' does not match '$pattern'"; return 1
    fi
    pass
}

# expect_out PATTERN: the last stdout matches PATTERN (grep -E).
expect_out() {
    if grep -qE -- "$1" "$TMP/out"; then pass; else fail "stdout does not match '$1': $(head -c 400 "$TMP/out")"; fi
}

# expect_json EXPR: a python3 expression over `d` (the parsed stdout) is true.
expect_json() {
    if python3 -c "import json,sys,math; d=json.load(open('$TMP/out')); sys.exit(0 if ($1) else 1)" 2>"$TMP/pyerr"; then
        pass
    else
        fail "json check failed: $1 $(head -c 300 "$TMP/pyerr")"
    fi
}

# near GOT WANT TOL: relative closeness of two numbers.
near() {
    python3 -c "import sys; g,w,t=float('$1'),float('$2'),float('$3'); sys.exit(0 if abs(g-w)<=t*max(1,abs(w)) else 1)"
}

finish() {
    echo "$(basename "$0" .sh): $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# skip_unless_shared FILE: exit 77 (skipped) with a message when ../shared/data is absent.
skip_unless_shared() {
    if [ ! -e "${ZSUM_SHARED:-}/data/$1" ]; then
        echo "SKIP: ${ZSUM_SHARED:-../shared}/data/$1 is absent (reference data lives in ../shared)"
        exit 77
    fi
}
