# lib.sh — helpers for the CLI tests: run zsum, check its exit status, stdout and stderr.
# Each test script: `. "$(dirname "$0")/lib.sh" "$@"`, then expect_* calls, then `finish`.
ZSUM=${1:?usage: test.sh PATH_TO_ZSUM}
passed=0
failed=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# $TMP/zstest.py, for the scripts' Python: npy(shape, values, descr='<f8', fortran=False), the
# bytes of a .npy file, and npz(path, arrays, deflate=True), to write model files without
# NumPy; lse(xs), a log-sum-exp, and states(n), every 0/1 vector of length n, for brute
# forces. A script run from a file in $TMP imports it as it is; one read from standard input
# needs PYTHONPATH="$TMP".
cat > "$TMP/zstest.py" <<'PY'
import math, struct, zipfile

def lse(xs):
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))

def states(n):
    for s in range(1 << n):
        yield [(s >> k) & 1 for k in range(n)]

def npy(shape, values, descr='<f8', fortran=False):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, 'True' if fortran else 'False',
        ', '.join(str(s) for s in shape) + (',' if len(shape) == 1 else ''))
    pad = (64 - (10 + len(d) + 1) % 64) % 64
    h = d + ' ' * pad + '\n'
    fmt = {'<f8': 'd', '<f4': 'f', '|u1': 'B'}[descr]
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + struct.pack('<%d%s' % (len(values), fmt), *values)

def npz(path, arrays, deflate=True):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as z:
        for name, data in arrays:
            z.writestr(name + '.npy', data)
PY

# complete_uai N FILE: the complete graph on N binary variables, pair (i, j) weighted
# 1 + ((7 i + 3 j + k^2) mod 11) / 5 at table entry k: width N - 1, so a small --max-memory
# forces conditioning.
complete_uai() {
    python3 - "$1" "$2" <<'PY'
import sys
n = int(sys.argv[1])
pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
w = {(i, j): [1.0 + ((7 * i + 3 * j + k * k) % 11) / 5.0 for k in range(4)] for (i, j) in pairs}
with open(sys.argv[2], 'w') as f:
    f.write('MARKOV\n%d\n%s\n%d\n' % (n, ' '.join(['2'] * n), len(pairs)))
    for (i, j) in pairs: f.write('2 %d %d\n' % (i, j))
    for (i, j) in pairs: f.write('4 %s\n' % ' '.join(repr(x) for x in w[(i, j)]))
PY
}

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
