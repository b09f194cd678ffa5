# dbm_pretrain.sh — zsum dbm train's greedy pretraining: --pretrain-epochs with one count or
# one per RBM (each rejection), a checkpoint after every pretraining epoch, SIGINT / SIGTERM
# inside pretraining (exit 130 / 143, the command that resumes), the resumed run (on another
# thread count) byte for byte the uninterrupted one, and what refuses the checkpoint: the
# model commands (it holds no trained model) and a resume with other options.
. "$(dirname "$0")/lib.sh" "$@"

# 1200 rows of 48 pseudo-random bits (a fixed LCG) as an IDX file of unsigned bytes
python3 - "$TMP/d-ubyte" <<'PY'
import struct, sys
n, d, x = 1200, 48, 12345
rows = bytearray()
for _ in range(n * d):
    x = (x * 1103515245 + 12345) % 2**31
    rows.append(1 if x >> 16 < 0x2800 + (len(rows) % d) * 0x180 else 0)
open(sys.argv[1], 'wb').write(bytes([0, 0, 8, 2]) + struct.pack('>II', n, d) + rows)
PY
D="$TMP/d-ubyte"
small=(dbm train "$D" --hidden 8,4 --epochs 1 --batch 40 --chains 10 --seed 3 --monitor none --threads 1 -q)

# --pretrain-epochs: each rejection
expect_reject "^zsum: --pretrain-epochs: '3,-1' is not a list of 1 to 64 epoch counts, each 0\\.\\.1000000 \\(e\\.g\\. 100,200\\)$" "${small[@]}" --pretrain-epochs 3,-1 -o "$TMP/r.npz"
expect_reject "'2\\.5' is not a list of 1 to 64 epoch counts" "${small[@]}" --pretrain-epochs 2.5 -o "$TMP/r.npz"
expect_reject "'1e7' is not a list of 1 to 64 epoch counts" "${small[@]}" --pretrain-epochs 1e7 -o "$TMP/r.npz"
expect_reject "--pretrain-epochs: item 1 'x' is not a number" "${small[@]}" --pretrain-epochs x -o "$TMP/r.npz"
expect_reject "--pretrain-epochs: the list is empty" "${small[@]}" --pretrain-epochs "" -o "$TMP/r.npz"
expect_reject "^zsum: dbm train: --pretrain-epochs has 3 counts for 2 hidden layers \\(give one for all, or one each\\)$" "${small[@]}" --pretrain-epochs 3,4,5 -o "$TMP/r.npz"
expect_reject "--pretrain-epochs has 2 counts \\(the preset's\\) for 3 hidden layers" dbm train "$D" --hidden 8,4,2 --preset salakhutdinov --sparsity-target 0.1 -o "$TMP/r.npz"
if [ ! -e "$TMP/r.npz" ]; then pass; else fail "a rejected run wrote its model"; fi

# one count for all RBMs is that count for each; a count per RBM trains each its own
expect_ok "${small[@]}" --pretrain-epochs 3 -o "$TMP/p3.npz"
expect_ok "${small[@]}" --pretrain-epochs 3,3 -o "$TMP/p33.npz"
expect_ok "${small[@]}" --pretrain-epochs 3,5 -o "$TMP/p35.npz"
if cmp -s "$TMP/p3.npz" "$TMP/p33.npz"; then pass; else fail "--pretrain-epochs 3,3 differs from 3"; fi
if ! cmp -s "$TMP/p3.npz" "$TMP/p35.npz"; then pass; else fail "--pretrain-epochs 3,5 equals 3"; fi
# a count of 0 for one RBM (it keeps its initial weights); 0 for all: no pretraining
expect_ok "${small[@]}" --pretrain-epochs 0,2 -o "$TMP/p02.npz"
expect_ok "${small[@]}" --pretrain-epochs 0,0 -o "$TMP/p00.npz"
expect_ok "${small[@]}" --pretrain-epochs 0 -o "$TMP/p0.npz"
if cmp -s "$TMP/p00.npz" "$TMP/p0.npz"; then pass; else fail "--pretrain-epochs 0,0 differs from 0"; fi

# SIGINT once the first pretraining checkpoint is there: it stops after the epoch in progress.
# The interrupted and the straight runs on one thread (OMP_NUM_THREADS, so the resume command
# names no thread count), the resumed one on two.
long=(dbm train "$D" --hidden 64,32 --epochs 2 --pretrain-epochs 10,12 --batch 20 --chains 20 --monitor none --quiet)
pretrain_interrupt() { # SIGNAL OUT
    rm -f "$2" "$TMP/i.jsonl"
    OMP_NUM_THREADS=1 "$ZSUM" "${long[@]}" -o "$2" --log "$TMP/i.jsonl" > "$TMP/out" 2> "$TMP/err" &
    pid=$!
    for _ in $(seq 6000); do [ -e "$2" ] && break; sleep 0.01; done
    kill -"$1" "$pid"
    wait "$pid"
    status=$?
}
pretrain_interrupt INT "$TMP/int model.npz"
if [ "$status" = 130 ] && [ ! -s "$TMP/out" ]; then pass; else fail "SIGINT: exit $status, stdout '$(head -c 200 "$TMP/out")'"; fi
if grep -qE "^zsum: SIGINT: stopped after pretraining epoch [0-9]+ of 22; the checkpoint is $TMP/int model.npz. To resume:$" "$TMP/err"
then pass; else fail "SIGINT inside pretraining: $(cat "$TMP/err")"; fi
resume=$(tail -n 1 "$TMP/err")
seed=$(sed -n 's/.* --seed \([0-9]*\) .*/\1/p' <<< "$resume")
if [ "$resume" = "zsum ${long[*]} -o '$TMP/int model.npz' --log $TMP/i.jsonl --seed $seed --resume '$TMP/int model.npz'" ]
then pass; else fail "the resume command: $resume"; fi
if [ ! -s "$TMP/i.jsonl" ]; then pass; else fail "a joint epoch was logged before the stop: $(cat "$TMP/i.jsonl")"; fi
cp "$TMP/int model.npz" "$TMP/ck.npz"
if python3 - "$TMP/ck.npz" <<'PY'
import sys, zipfile
names = set(n[:-4] for n in zipfile.ZipFile(sys.argv[1]).namelist())
want = {"pretrain_layer", "pretrain_done", "pretrain_options", "pretrain_sizes", "pretrain_W1",
        "pretrain_a1", "pretrain_b1", "pretrain_velocity_W", "pretrain_velocity_a", "pretrain_velocity_b"}
sys.exit(0 if want <= names and "W1" not in names else 1)
PY
then pass; else fail "the pretraining checkpoint's arrays"; fi

# the checkpoint is no model: the model commands refuse it
why="a checkpoint written inside greedy pretraining, not a trained model"
expect_reject "$why" dbm lnz "$TMP/ck.npz" --exact
expect_reject "$why" dbm loglik "$TMP/ck.npz" "$D" --exact
expect_reject "$why" dbm sample "$TMP/ck.npz" -o "$TMP/s.npy"
expect_reject "$why" dbm train "$D" --hidden 64,32 --epochs 1 --init-model "$TMP/ck.npz" -o "$TMP/r.npz"
# ... and a resume with other options, sizes or counts
R=(dbm train "$D" --epochs 2 --batch 20 --chains 20 --seed "$seed" -q -o "$TMP/r.npz" --resume "$TMP/ck.npz")
expect_reject "the pretraining ran with lr = 0.050000000000000003, this one has 0.10000000000000001; resume with the same options" "${R[@]}" --hidden 64,32 --pretrain-epochs 10,12 --pretrain-lr 0.1
expect_reject "the checkpoint's layer 1 has 64 units, this run's 60" "${R[@]}" --hidden 60,32 --pretrain-epochs 10,12
expect_reject "RBM 1 (has had [0-9]+ pretraining epochs, this run gives it 0; resume with at least|was finished after 10 pretraining epochs, this run gives it 0)" "${R[@]}" --hidden 64,32 --pretrain-epochs 0,12
expect_reject "is a checkpoint inside pretraining; --pretrain-epochs 0 leaves it nothing to finish" "${R[@]}" --hidden 64,32 --pretrain-epochs 0
if [ ! -e "$TMP/r.npz" ]; then pass; else fail "a refused resume wrote a model"; fi

# the printed command, on two threads, ends where an uninterrupted run on one does
zsum() { OMP_NUM_THREADS=2 "$ZSUM" "$@"; }
if eval "$resume" > /dev/null 2>&1; then pass; else fail "the printed resume command failed"; fi
expect_ok "${long[@]}" --seed "$seed" -o "$TMP/straight.npz" --threads 1
if cmp -s "$TMP/straight.npz" "$TMP/int model.npz"; then pass; else fail "interrupted in pretraining and resumed differs from straight"; fi
if [ "$(log_epochs "$TMP/i.jsonl")" = "1 2" ]; then pass; else fail "resumed log: $(log_epochs "$TMP/i.jsonl")"; fi
expect_ok dbm sample "$TMP/int model.npz" --chains 2 --steps 2 -o "$TMP/s.npy"

pretrain_interrupt TERM "$TMP/term.npz"
if [ "$status" = 143 ] && grep -q "^zsum: SIGTERM: stopped after pretraining epoch" "$TMP/err" && [ -s "$TMP/term.npz" ]
then pass; else fail "SIGTERM inside pretraining: exit $status, $(cat "$TMP/err")"; fi
# --binarize resample: grey levels (x / max), each batch's pixels drawn afresh at every use, in
# pretraining and joint training; --pretrain-cd-epochs S: rbm_l2.m's CD-k schedule. The same
# bytes on 1 and 2 threads; other bytes than the rows sampled once; the preset resamples grey
# data given without --binarize (its file is --binarize resample's, byte for byte).
python3 - "$TMP/grey.npy" <<'PY'
import struct, sys
n, d, x = 200, 48, 777
vals = []
for _ in range(n * d):
    x = (x * 1103515245 + 12345) % 2**31
    r = x >> 23
    vals.append(0 if r < 90 else 255 if r > 200 else r)
hdr = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d), }" % (n, d)
hdr = hdr + " " * (63 - len(hdr) % 64) + "\n"
open(sys.argv[1], 'wb').write(b"\x93NUMPY\x01\x00" + struct.pack('<H', len(hdr)) + hdr.encode() + bytes(vals))
PY
G="$TMP/grey.npy"
grey=(dbm train "$G" --hidden 8,4 --epochs 2 --pretrain-epochs 2,3 --batch 40 --chains 10 --seed 3 --monitor none -q)
expect_ok "${grey[@]}" --binarize resample --pretrain-cd-epochs 1 --threads 1 -o "$TMP/g1.npz"
expect_ok "${grey[@]}" --binarize resample --pretrain-cd-epochs 1 --threads 2 -o "$TMP/g2.npz"
if cmp -s "$TMP/g1.npz" "$TMP/g2.npz"; then pass; else fail "resample: 1 and 2 threads differ"; fi
expect_ok "${grey[@]}" --binarize stochastic --pretrain-cd-epochs 1 --threads 1 -o "$TMP/gs.npz"
if ! cmp -s "$TMP/g1.npz" "$TMP/gs.npz"; then pass; else fail "resample equals stochastic"; fi
expect_ok "${grey[@]}" --binarize resample --threads 1 -o "$TMP/gcd1.npz"
if ! cmp -s "$TMP/g1.npz" "$TMP/gcd1.npz"; then pass; else fail "--pretrain-cd-epochs 1 equals CD-1"; fi
pre=(dbm train "$G" --hidden 8,4 --preset salakhutdinov --epochs 1 --pretrain-epochs 2,3 --batch 40 --chains 10 --sparsity-target 0.2,0.1 --seed 3 --monitor none -q)
expect_ok "${pre[@]}" -o "$TMP/gp.npz"
expect_ok "${pre[@]}" --binarize resample -o "$TMP/gpr.npz"
expect_ok "${pre[@]}" --binarize stochastic -o "$TMP/gps.npz"
if cmp -s "$TMP/gp.npz" "$TMP/gpr.npz" && ! cmp -s "$TMP/gp.npz" "$TMP/gps.npz"; then pass; else fail "the preset on grey data does not resample"; fi
# the preset's S = 20: RBM 2's epoch 21 runs CD-2
expect_ok "${pre[@]}" --pretrain-epochs 1,21 -o "$TMP/gp21.npz"
expect_ok "${pre[@]}" --pretrain-epochs 1,21 --pretrain-cd-epochs 0 -o "$TMP/gp0.npz"
expect_ok "${pre[@]}" --pretrain-epochs 1,21 --pretrain-cd-epochs 20 -o "$TMP/gp20.npz"
if ! cmp -s "$TMP/gp21.npz" "$TMP/gp0.npz" && cmp -s "$TMP/gp21.npz" "$TMP/gp20.npz"; then pass; else fail "the preset's CD-k schedule"; fi
expect_reject "^zsum: dbm loglik: --binarize resample draws the pixels afresh as training goes; it is for dbm train \\(use stochastic here\\)$" dbm loglik "$TMP/g1.npz" "$G" --binarize resample
expect_reject "--pretrain-cd-epochs" "${grey[@]}" --pretrain-cd-epochs -1 -o "$TMP/r.npz"
expect_reject "--pretrain-cd-epochs" "${grey[@]}" --pretrain-cd-epochs 2000000 -o "$TMP/r.npz"
python3 -c "import numpy as np" 2>/dev/null && python3 - "$TMP" <<'PY'
import sys, numpy as np
np.save(sys.argv[1] + "/zeros.npy", np.zeros((10, 48)))
np.save(sys.argv[1] + "/neg.npy", -np.ones((10, 48)))
PY
if [ -e "$TMP/zeros.npy" ]; then
  expect_reject "zeros.npy: every value is 0; no grey levels to sample" dbm train "$TMP/zeros.npy" --hidden 4 --epochs 1 --binarize resample -o "$TMP/r.npz"
  expect_reject "neg.npy: row 0, column 0 = -1; grey levels must be finite and >= 0" dbm train "$TMP/neg.npy" --hidden 4 --epochs 1 --binarize resample -o "$TMP/r.npz"
fi
finish
