# hostile_inputs.sh — UAI models, evidence and pattern files as a hostile or careless user
# gives them: counts that claim gigabytes in a few bytes, /dev/zero, a directory, FIFOs, a 10 GB
# sparse file, a decompression bomb, NUL bytes on standard input. Each must end with exit 2, a
# message naming the file and what is wrong, and nothing on stdout; `timeout` turns a hang into
# a failure, and outside the sanitized build (whose shadow memory needs a large address space)
# `ulimit -v` caps the address space at 1.5 GB so that an allocation of what a header claims
# fails the test instead of passing by luck.
. "$(dirname "$0")/lib.sh" "$@"

LIMIT=""
if ! grep -q '^ZSUM_SANITIZE:BOOL=ON' "${ZSUM_BUILD:-.}/CMakeCache.txt" 2>/dev/null; then
    LIMIT="ulimit -v 1500000;"
fi
# bounded ARGS...: run zsum under a 20 s timeout and the address-space cap.
bounded_reject() {
    local pattern=$1; shift
    local cmd="$LIMIT exec timeout 20 \"\$0\" \"\$@\""
    bash -c "$cmd" "$ZSUM" "$@" > "$TMP/out" 2> "$TMP/err" < "${STDIN:-/dev/null}"
    status=$?
    if [ "$status" -ne 2 ]; then
        fail "zsum $* exited $status, expected 2: $(head -c 300 "$TMP/err")"; return 1
    fi
    if [ -s "$TMP/out" ]; then fail "zsum $* wrote to stdout on error"; return 1; fi
    if ! grep -qE -- "$pattern" "$TMP/err"; then
        fail "zsum $*: stderr '$(head -c 300 "$TMP/err")' does not match '$pattern'"; return 1
    fi
    pass
}

printf 'MARKOV\n1\n2\n1\n1 0\n2 0.5 0.5\n' > "$TMP/ok.uai"
printf '0\n' > "$TMP/ok.evid"

# ---- counts that claim more than the file holds --------------------------------------------
printf 'MARKOV\n1\n2\n100000000\n' > "$TMP/factors.uai"      # 21 bytes, 10^8 factors
[ "$(wc -c < "$TMP/factors.uai")" -eq 21 ] || fail "factors.uai is not 21 bytes"
bounded_reject 'factors\.uai:4: the number of factors: 100000000 cannot fit in the 1 bytes that follow' \
    uai "$TMP/factors.uai"
printf 'MARKOV\n100000000\n2 2\n' > "$TMP/vars.uai"
bounded_reject 'vars\.uai:2: the number of variables: 100000000 cannot fit' uai "$TMP/vars.uai"
# One table of 2^32 entries (32 binary variables), two of them present.
{
    printf 'MARKOV\n32\n'; for i in $(seq 32); do printf '2 '; done
    printf '\n1\n32'; for i in $(seq 0 31); do printf ' %d' "$i"; done
    printf '\n4294967296\n0.5 0.5\n'
} > "$TMP/table.uai"
bounded_reject 'table\.uai:8: the file ends in the table of factor 0 \(entry 3 of 4294967296\)' \
    uai "$TMP/table.uai"
# 2^33 entries: over the table limit, refused from the scope before the count is read.
{
    printf 'MARKOV\n33\n'; for i in $(seq 33); do printf '2 '; done
    printf '\n1\n33'; for i in $(seq 0 32); do printf ' %d' "$i"; done
    printf '\n8589934592\n0.5\n'
} > "$TMP/table33.uai"
bounded_reject 'table33\.uai:5: factor 0: a table of 8\.59e\+09 entries exceeds 4\.295e\+09' \
    uai "$TMP/table33.uai"
# Evidence counting 2^63 pairs: the doubled count must not wrap around to match.
printf '9223372036854775808\n' > "$TMP/wrap.evid"
bounded_reject 'wrap\.evid:1: the count says 9223372036854775808 variable/value pairs, 0 numbers follow it' \
    uai "$TMP/ok.uai" --evid "$TMP/wrap.evid"

# ---- files that are not files --------------------------------------------------------------
bounded_reject '/dev/zero: is a character device' uai /dev/zero
bounded_reject '/dev/zero: is a character device' uai "$TMP/ok.uai" --evid /dev/zero
bounded_reject '/dev/zero: is a character device' hopfield store /dev/zero -o "$TMP/h.npz"
mkdir "$TMP/dir.uai"
bounded_reject 'dir\.uai: is a directory' uai "$TMP/dir.uai"
bounded_reject 'dir\.uai: is a directory' uai "$TMP/ok.uai" --evid "$TMP/dir.uai"
bounded_reject 'dir\.uai: is a directory' hopfield store "$TMP/dir.uai" -o "$TMP/h.npz"
bounded_reject 'missing\.uai: cannot open: No such file or directory' uai "$TMP/missing.uai"

# A 10 GB sparse file: refused from its size, nothing read.
if truncate -s 10G "$TMP/sparse.uai" 2>/dev/null; then
    bounded_reject 'sparse\.uai: the file holds 10\.0 GiB, more than 256\.0 MiB, the limit of this reader' \
        uai "$TMP/sparse.uai"
    bounded_reject 'sparse\.uai: the file holds 10\.0 GiB, more than 256\.0 MiB' \
        uai "$TMP/ok.uai" --evid "$TMP/sparse.uai"
    bounded_reject 'sparse\.uai: the file holds 10\.0 GiB, more than 1\.0 GiB' \
        hopfield store "$TMP/sparse.uai" -o "$TMP/h.npz"
    rm -f "$TMP/sparse.uai"
else
    echo "note: truncate -s 10G failed here; the sparse-file case is not run"
fi

# FIFOs: without a writer (read as empty at once, not waited on), and with a writer of zeros
# (refused at the first NUL byte; the writer is left with a broken pipe).
mkfifo "$TMP/fifo.uai"
bounded_reject 'fifo\.uai: a FIFO \(named pipe\) with nothing to read' uai "$TMP/fifo.uai"
bounded_reject 'fifo\.uai: a FIFO \(named pipe\) with nothing to read' hopfield store "$TMP/fifo.uai" -o "$TMP/h.npz"
(timeout 20 head -c 100000000 /dev/zero > "$TMP/fifo.uai" 2>/dev/null &)
sleep 0.2
bounded_reject 'fifo\.uai: byte 0 is 0 \(NUL\): not a text file' uai "$TMP/fifo.uai"
wait

# Standard input: zeros stop at the first byte; text past the limit stops at the limit.
head -c 100000000 /dev/zero > "$TMP/zeros"
STDIN="$TMP/zeros" bounded_reject 'standard input: byte 0 is 0 \(NUL\)' uai -
STDIN="$TMP/zeros" bounded_reject 'standard input: byte 0 is 0 \(NUL\)' uai "$TMP/ok.uai" -
STDIN=/dev/zero bounded_reject 'standard input: byte 0 is 0 \(NUL\)' uai -
python3 - "$TMP/bomb.uai.gz" <<'EOF'
# A decompression bomb: 20 gzip members of 16 MiB of spaces each (320 MiB unpacked, ~0.3 MB).
import gzip, sys
member = gzip.compress(b"MARKOV\n" + b" " * (16 << 20), compresslevel=9)
with open(sys.argv[1], "wb") as f:
    for _ in range(20):
        f.write(member)
EOF
bounded_reject 'bomb\.uai\.gz: the file unpacks to more than 256\.0 MiB, the limit of this reader' \
    uai "$TMP/bomb.uai.gz"
python3 -c "import gzip,sys; sys.stdout.buffer.write(gzip.compress(b'\0' * (64 << 20)))" > "$TMP/zeros.gz"
bounded_reject 'zeros\.gz: byte 0 is 0 \(NUL\): not a text file' uai "$TMP/zeros.gz"
head -c 1000 "$TMP/bomb.uai.gz" > "$TMP/cut.uai.gz"
bounded_reject 'cut\.uai\.gz: the gzip data ends early' uai "$TMP/cut.uai.gz"

# ---- pattern files whose header claims more than is there -----------------------------------
printf 'P4\n1000 100\n\x80' > "$TMP/short.pbm"
bounded_reject 'short\.pbm: image 1: raw PBM data ends after 1 of 12500 bytes' \
    hopfield store "$TMP/short.pbm" -o "$TMP/h.npz"
printf 'P1\n300 300\n0 1' > "$TMP/short1.pbm"
bounded_reject 'short1\.pbm: image 1: plain PBM data ends after 3 bytes; 300x300 pixels need at least 90000' \
    hopfield store "$TMP/short1.pbm" -o "$TMP/h.npz"

# ---- the same readers accept what is valid --------------------------------------------------
gzip -c "$TMP/ok.uai" > "$TMP/ok.uai.gz"
expect_ok uai "$TMP/ok.uai.gz"
expect_out '^ln Z +0$'
# A subnormal weight is finite and valid: Z = 1e-320 + 1e-320, ln Z = ln(2e-320).
printf 'MARKOV\n1\n2\n1\n1 0\n2 1e-320 1e-320\n' > "$TMP/sub.uai"
expect_ok uai "$TMP/sub.uai" --format json
lnz=$(python3 -c 'import json; print(json.load(open("'"$TMP/out"'"))["lnZ"])')
want=$(python3 -c 'import math; print(math.log(2) + math.log(1e-320))')
near "$lnz" "$want" 1e-12 && pass || fail "ln Z of the subnormal table: $lnz, expected $want"

finish
