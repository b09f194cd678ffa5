# lib.sh — helpers for the CLI tests: run zsum, check its exit status, stdout and stderr.
# Each test script: `. "$(dirname "$0")/lib.sh" "$@"`, then expect_* calls, then `finish`.
ZSUM=${1:?usage: test.sh PATH_TO_ZSUM}
passed=0
failed=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The tests' Python is the system's /usr/bin/python3 where there is one: a `python3` found first
# on PATH may be a version manager's shim (pyenv's costs 0.3 s a start, and the suite starts
# Python thousands of times) or an interpreter without the modules a script needs. A link in
# $TMP/bin reaches commands started from here as well as this shell.
if [[ -x /usr/bin/python3 ]]; then
    mkdir -p "$TMP/bin" && ln -sf /usr/bin/python3 "$TMP/bin/python3" && PATH="$TMP/bin:$PATH"
fi

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

# ---- stopping a trainer (rbm_interrupt.sh, dbm_interrupt.sh) -------------------------------
# A trainer stopped by SIGINT or SIGTERM finishes its epoch and checkpoint, exits 130 / 143 with
# the exact command that resumes (programs/train_stop.c), and that command ends with the model
# of an uninterrupted run and a log with one line per epoch. The caller sets the array `long`,
# a training command of EPOCHS epochs without -o, --log or --seed, whose runs last well past
# its first checkpoint.

log_epochs() {
    python3 -c "import json,sys; print(' '.join(str(json.loads(l)['epoch']) for l in open(sys.argv[1])))" "$1"
}

# wait_for_handler PID SIGNAL: returns once process PID catches SIGNAL (its handler is
# installed: the bit in /proc/PID/status's SigCgt), or has ended, or after 30 s. A signal sent
# a fixed time after the start can land before the handler exists on a loaded machine (a
# sanitized zsum starts in 0.1 s alone, longer beside other tests) and kill the process with
# the same exit status and no message.
wait_for_handler() {
    local bit=$((1 << ($(kill -l "$2") - 1))) mask
    for _ in $(seq 600); do
        mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2> /dev/null) || return 0
        [ -z "$mask" ] && return 0
        (( 0x$mask & bit )) && return 0
        sleep 0.05
    done
}

# interrupt_training SIGNAL OUT: runs `long` with -o OUT and --log $TMP/i.jsonl in the
# background, sends SIGNAL once OUT exists (the first checkpoint; at most 60 s) and sets status.
interrupt_training() {
    rm -f "$2" "$TMP/i.jsonl"
    "$ZSUM" "${long[@]}" -o "$2" --log "$TMP/i.jsonl" > "$TMP/out" 2> "$TMP/err" &
    pid=$!
    for _ in $(seq 1200); do [ -e "$2" ] && break; sleep 0.05; done
    kill -"$1" "$pid"
    wait "$pid"
    status=$?
}

# check_stop_and_resume EPOCHS SAME...: the SIGINT and SIGTERM checks; `SAME A B` exits 0 when
# models A and B are the same (cmp -s for byte-identical files). Leaves a SIGTERM-stopped model
# in $TMP/term.npz for the caller to load.
check_stop_and_resume() {
    local epochs=$1; shift
    interrupt_training INT "$TMP/int model.npz"
    if [ "$status" = 130 ] && [ ! -s "$TMP/out" ]; then pass; else fail "SIGINT: exit $status, stdout '$(head -c 200 "$TMP/out")'"; fi
    if grep -qE "^zsum: SIGINT: stopped after epoch [0-9]+ of $epochs; the checkpoint is $TMP/int model.npz. To resume:$" "$TMP/err"
    then pass; else fail "SIGINT message: $(cat "$TMP/err")"; fi
    local resume seed done_epochs
    resume=$(tail -n 1 "$TMP/err")
    seed=$(sed -n 's/.* --seed \([0-9]*\) .*/\1/p' <<< "$resume")
    if [ "$resume" = "zsum ${long[*]} -o '$TMP/int model.npz' --log $TMP/i.jsonl --seed $seed --resume '$TMP/int model.npz'" ]
    then pass; else fail "the resume command: $resume"; fi
    done_epochs=$(wc -l < "$TMP/i.jsonl")
    if [ "$done_epochs" -ge 1 ] && [ "$done_epochs" -lt "$epochs" ]; then pass; else fail "SIGINT: $done_epochs log lines"; fi
    echo "SIGINT landed after epoch $done_epochs of $epochs"
    zsum() { "$ZSUM" "$@"; }
    if eval "$resume" > /dev/null 2>&1; then pass; else fail "the printed resume command failed"; fi
    expect_ok "${long[@]}" --seed "$seed" -o "$TMP/straight.npz"
    if "$@" "$TMP/straight.npz" "$TMP/int model.npz"; then pass; else fail "interrupted and resumed differs from straight"; fi
    if [ "$(log_epochs "$TMP/i.jsonl")" = "$(seq -s ' ' "$epochs")" ]; then pass; else fail "SIGINT log: $(log_epochs "$TMP/i.jsonl")"; fi

    interrupt_training TERM "$TMP/term.npz"
    if [ "$status" = 143 ] && grep -q "^zsum: SIGTERM: stopped after epoch" "$TMP/err" && [ -s "$TMP/term.npz" ]
    then pass; else fail "SIGTERM: exit $status, $(cat "$TMP/err")"; fi
}

# check_kill_and_resume REFERENCE SEEDS LO HI CMD...: for each seed 1..SEEDS, runs CMD with
# --checkpoint $TMP/ck, kills it with SIGKILL after a delay drawn from the seed in [LO, HI] s,
# runs it again on the checkpoint and checks the output equals the file REFERENCE; then a
# checkpoint cut in the middle of a line must resume to the same output (twice: the second run
# finds every unit present). Leaves the checkpoint in $TMP/ck.
check_kill_and_resume() {
    local ref=$1 seeds=$2 lo=$3 hi=$4 seed pid; shift 4
    for seed in $(seq "$seeds"); do
        rm -f "$TMP/ck"
        "$ZSUM" "$@" --checkpoint "$TMP/ck" > /dev/null 2>&1 &
        pid=$!
        sleep "$(python3 -c "import random; random.seed($seed); print(round(random.uniform($lo, $hi), 3))")"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        expect_ok "$@" --checkpoint "$TMP/ck" && same "$ref"
    done
    head -c -40 "$TMP/ck" > "$TMP/ck2"
    expect_ok "$@" --checkpoint "$TMP/ck2" && same "$ref"
    expect_ok "$@" --checkpoint "$TMP/ck2" && same "$ref"
}

# ---- work units (units.sh, units_mcmc.sh) ---------------------------------------------------
same() { # same FILE: $TMP/out equals FILE byte for byte
    if cmp -s "$TMP/out" "$1"; then pass; else fail "output differs from the whole run ($1)"; fi
}

# check_slices CUTS ARGS...: the whole run of ARGS against its slices --units 0:c1, c1:c2, ...
# (the last cut is the unit count), each written with --partial and put together by
# `zsum combine` given in reverse order (combine sorts by unit). Leaves the whole run's output
# in $TMP/whole.
check_slices() {
    local cuts=$1; shift
    expect_ok "$@" || return
    cp "$TMP/out" "$TMP/whole"
    local lo=0 files=() k=0 hi
    for hi in $cuts; do
        k=$((k + 1))
        expect_ok "$@" --units "$lo:$hi" --partial "$TMP/p$k" || return
        [ -s "$TMP/out" ] && fail "a partial run printed to stdout"
        files+=("$TMP/p$k")
        lo=$hi
    done
    expect_ok combine $(printf '%s\n' "${files[@]}" | tac) && same "$TMP/whole"
}
