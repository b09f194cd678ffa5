# dbm_interrupt.sh — zsum dbm train stopped by SIGINT or SIGTERM in joint training: it
# finishes the epoch in progress and its checkpoint, exits 130 / 143 with the exact command
# that resumes, and that command ends with the model of an uninterrupted run, member for
# member, and a log with one line per epoch (the mechanism of zsum rbm train,
# programs/train_stop.c). Without pretraining, so the first checkpoint is a joint epoch's;
# stops inside pretraining: dbm_pretrain.sh.
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
long=(dbm train "$TMP/d-ubyte" --hidden 16,8 --epochs 10 --pretrain-epochs 0 --batch 20 --chains 20 --quiet)
check_stop_and_resume 10 python3 "$TMP/same.py"
expect_ok dbm lnz "$TMP/term.npz" --exact
finish
