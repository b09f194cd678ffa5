# dbm_interrupt.sh — zsum dbm train stopped by SIGINT or SIGTERM: it finishes the epoch in
# progress and its checkpoint, exits 130 / 143 with the exact command that resumes, and that
# command ends with the model of an uninterrupted run, member for member, and a log with one
# line per epoch (the mechanism of zsum rbm train, programs/train_stop.c).
. "$(dirname "$0")/lib.sh" "$@"

# 600 rows of 48 pseudo-random bits (a fixed LCG) as an IDX file of unsigned bytes
python3 - "$TMP/d-ubyte" <<'PY'
import struct, sys
n, d, x = 600, 48, 12345
rows = bytearray()
for _ in range(n * d):
    x = (x * 1103515245 + 12345) % 2**31
    rows.append(1 if x >> 16 < 0x2800 + (len(rows) % d) * 0x180 else 0)
open(sys.argv[1], 'wb').write(bytes([0, 0, 8, 2]) + struct.pack('>II', n, d) + rows)
PY
cat > "$TMP/same.py" <<'PY'
import sys, zipfile
a, b = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2])
assert sorted(a.namelist()) == sorted(b.namelist()), (a.namelist(), b.namelist())
for n in a.namelist():
    assert a.read(n) == b.read(n), n
PY
log_epochs() {
    python3 -c "import json,sys; print(' '.join(str(json.loads(l)['epoch']) for l in open(sys.argv[1])))" "$1"
}

long=(dbm train "$TMP/d-ubyte" --hidden 16,8 --epochs 10 --pretrain-epochs 2 --batch 20 --chains 20 --quiet)
interrupt() { # SIGNAL OUT: starts a long training, signals it after its first checkpoint
    rm -f "$2" "$TMP/i.jsonl"
    "$ZSUM" "${long[@]}" -o "$2" --log "$TMP/i.jsonl" > "$TMP/out" 2> "$TMP/err" &
    pid=$!
    for _ in $(seq 1200); do [ -e "$2" ] && break; sleep 0.05; done
    kill -"$1" "$pid"
    wait "$pid"
    status=$?
}
interrupt INT "$TMP/int model.npz"
if [ "$status" = 130 ] && [ ! -s "$TMP/out" ]; then pass; else fail "SIGINT: exit $status, stdout '$(head -c 200 "$TMP/out")'"; fi
if grep -qE "^zsum: SIGINT: stopped after epoch [0-9]+ of 10; the checkpoint is $TMP/int model.npz. To resume:$" "$TMP/err"
then pass; else fail "SIGINT message: $(cat "$TMP/err")"; fi
resume=$(tail -n 1 "$TMP/err")
seed=$(sed -n 's/.* --seed \([0-9]*\) .*/\1/p' <<< "$resume")
case "$resume" in
    "zsum dbm train $TMP/d-ubyte --hidden 16,8 --epochs 10 --pretrain-epochs 2 --batch 20 --chains 20 --quiet -o '$TMP/int model.npz' --log $TMP/i.jsonl --seed $seed --resume '$TMP/int model.npz'") pass ;;
    *) fail "the resume command: $resume" ;;
esac
done_epochs=$(wc -l < "$TMP/i.jsonl")
if [ "$done_epochs" -ge 1 ] && [ "$done_epochs" -lt 10 ]; then pass; else fail "SIGINT: $done_epochs log lines"; fi
echo "SIGINT landed after epoch $done_epochs of 10"
zsum() { "$ZSUM" "$@"; }
if eval "$resume" > /dev/null 2>&1; then pass; else fail "the printed resume command failed"; fi
expect_ok "${long[@]}" --seed "$seed" -o "$TMP/straight.npz"
python3 "$TMP/same.py" "$TMP/straight.npz" "$TMP/int model.npz" && pass || fail "interrupted and resumed differs from straight"
if [ "$(log_epochs "$TMP/i.jsonl")" = "$(seq -s " " 10)" ]; then pass; else fail "SIGINT log: $(log_epochs "$TMP/i.jsonl")"; fi

interrupt TERM "$TMP/term.npz"
if [ "$status" = 143 ] && grep -q "^zsum: SIGTERM: stopped after epoch" "$TMP/err" && [ -s "$TMP/term.npz" ]
then pass; else fail "SIGTERM: exit $status, $(cat "$TMP/err")"; fi
expect_ok dbm lnz "$TMP/term.npz" --exact
finish
