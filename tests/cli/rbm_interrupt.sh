# rbm_interrupt.sh — zsum rbm train stopped and resumed: killed with SIGKILL at random moments
# (several seeds of the delay) and resumed with --resume, it ends with the model of an
# uninterrupted run, byte for byte, and a log with one line per epoch; SIGINT and SIGTERM stop
# after the current epoch's checkpoint with exit 130 / 143 and the exact command that resumes;
# a model written to a full disk fails with the path and the reason, the previous model kept.
. "$(dirname "$0")/lib.sh" "$@"

# 1500 rows of 48 pseudo-random bits (a fixed LCG, so the file is the same on every run) as an
# IDX file of unsigned bytes: magic 0 0 8 2, then the two dimensions big-endian.
python3 - "$TMP/d-ubyte" <<'PY'
import struct, sys
n, d, x = 600, 48, 12345
rows = bytearray()
for _ in range(n * d):
    x = (x * 1103515245 + 12345) % 2**31
    rows.append(1 if x >> 16 < 0x2800 + (len(rows) % d) * 0x180 else 0)
open(sys.argv[1], 'wb').write(bytes([0, 0, 8, 2]) + struct.pack('>II', n, d) + rows)
PY
train=(rbm train "$TMP/d-ubyte" --hidden 12 --epochs 8 --batch 10 --lr 0.05 --pcd 1 --momentum 0.5 --seed 7 --quiet)

# the uninterrupted run, timed to spread the kills over it
t0=$(date +%s%N)
expect_ok "${train[@]}" -o "$TMP/ref.npz" --log "$TMP/ref.jsonl"
span_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "uninterrupted run: $span_ms ms"

# epochs N: the epoch numbers of a log, one per line, each line whole JSON

killed=0
for seed in 1 2 3 4 5; do
    RANDOM=$seed
    rm -f "$TMP"/k.npz* "$TMP/k.jsonl"
    delay_ms=$(( RANDOM % (span_ms + 1) ))
    "$ZSUM" "${train[@]}" -o "$TMP/k.npz" --log "$TMP/k.jsonl" > /dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    [ $? = 137 ] && killed=$((killed + 1))
    if [ -e "$TMP/k.npz" ]; then
        expect_ok "${train[@]}" -o "$TMP/k.npz" --log "$TMP/k.jsonl" --resume "$TMP/k.npz"
    else # killed before the first checkpoint: nothing to resume
        expect_ok "${train[@]}" -o "$TMP/k.npz" --log "$TMP/k.jsonl"
    fi
    if cmp -s "$TMP/ref.npz" "$TMP/k.npz"; then pass; else fail "SIGKILL after ${delay_ms} ms (seed $seed): the resumed model differs"; fi
    got=$(log_epochs "$TMP/k.jsonl")
    if [ "$got" = "1 2 3 4 5 6 7 8" ]; then pass; else fail "SIGKILL after ${delay_ms} ms (seed $seed): log epochs '$got'"; fi
done
# at least one of the kills found the training running (else the test tested nothing)
if [ "$killed" -ge 1 ]; then pass; else fail "no SIGKILL landed during training (run of ${span_ms} ms)"; fi

# SIGINT: wait for the first checkpoint, interrupt, and run the printed command
long=(rbm train "$TMP/d-ubyte" --hidden 12 --epochs 200 --batch 10 --lr 0.05 --quiet)  # about 1.5 s: long past the first checkpoint
check_stop_and_resume 200 cmp -s
expect_ok rbm logz "$TMP/term.npz"

# a model that cannot be written: exit 2, the path and the reason, the previous model kept
ln -s /dev/full "$TMP/full.npz" # a link to a device is followed and the device written in place
run "${train[@]}" -o "$TMP/full.npz"
if [ "$status" = 2 ] && grep -q "^zsum: $TMP/full.npz: cannot write: No space left on device" "$TMP/err"
then pass; else fail "/dev/full: exit $status, $(cat "$TMP/err")"; fi
if [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
    # a 64 KiB tmpfs in a private mount namespace: the first model fits, a bigger one does not
    mkdir "$TMP/small"
    unshare -m bash -c "mount -t tmpfs -o size=64k tmpfs '$TMP/small' &&
        '$ZSUM' rbm train '$TMP/d-ubyte' --hidden 2 --epochs 1 --seed 1 --quiet -o '$TMP/small/m.npz' > /dev/null &&
        cp '$TMP/small/m.npz' '$TMP/m-before.npz' &&
        { '$ZSUM' rbm train '$TMP/d-ubyte' --hidden 400 --epochs 1 --seed 1 --quiet -o '$TMP/small/m.npz'; echo \$? > '$TMP/st'; } &&
        cmp -s '$TMP/small/m.npz' '$TMP/m-before.npz' && ls -A '$TMP/small' > '$TMP/left'" > /dev/null 2> "$TMP/err"
    if [ "$(cat "$TMP/st" 2> /dev/null)" = 2 ] && grep -q "small/m.npz: cannot write: No space left on device" "$TMP/err" &&
        [ "$(cat "$TMP/left")" = m.npz ]
    then pass; else fail "full tmpfs: status $(cat "$TMP/st" 2> /dev/null), $(cat "$TMP/err"), left: $(cat "$TMP/left" 2> /dev/null)"; fi
else
    echo "(not root or no unshare: the full-tmpfs case is left to test_safe_write)"
fi
finish
