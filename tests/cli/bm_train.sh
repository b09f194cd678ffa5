#!/usr/bin/env bash
# bm_train.sh — zsum bm train: every figure it logs and prints against a brute-force sum over the
# 2^n states of the saved model written here in Python (ln Z, the mean log-likelihood), the
# mean-field bound below ln Z at every epoch, exact learning raising the log-likelihood, resume
# and thread counts bit-identical, the model read by `zsum bm lnz`, stops on SIGINT / SIGTERM,
# and every refusal with exit 2 and its message.
. "$(dirname "$0")/lib.sh" "$@"

# 60 rows of 8 pixels from two prototypes with 10% flipped; a 25-unit and a 22-unit set; a
# non-binary set; 9-column rows
python3 - "$TMP" <<'PY'
import random, sys
sys.path.insert(0, sys.argv[1])
from zstest import npy, npz
d = sys.argv[1]
random.seed(5)
def rows(n, k):
    out = []
    for r in range(n):
        proto = [(i < k // 2) if r % 2 else (i % 2) for i in range(k)]
        out += [int(p) ^ (random.random() < 0.1) for p in proto]
    return out
open(d + '/t.npy', 'wb').write(npy((60, 8), rows(60, 8), '|u1'))
open(d + '/wide.npy', 'wb').write(npy((5, 9), rows(5, 9), '|u1'))
open(d + '/big.npy', 'wb').write(npy((10, 25), rows(10, 25), '|u1'))
open(d + '/u22.npy', 'wb').write(npy((400, 22), rows(400, 22), '|u1'))
open(d + '/half.npy', 'wb').write(npy((2, 8), [0.5] * 16))
PY
cat > "$TMP/brute.py" <<'PY'
# brute.py MODEL.npz DATA.npy: ln Z and the mean ln p(x) of DATA's rows by summing every state
import ast, math, struct, sys, zipfile
from zstest import lse, states
def arr(raw):
    hl = struct.unpack('<H', raw[8:10])[0]
    h = ast.literal_eval(raw[10:10 + hl].decode())
    n = 1
    for s in h['shape']: n *= s
    fmt = {'<f8': 'd', '|u1': 'B'}[h['descr']]
    return h['shape'], struct.unpack('<%d%s' % (n, fmt), raw[10 + hl:10 + hl + n * struct.calcsize(fmt)])
z = zipfile.ZipFile(sys.argv[1])
(n, _), W = arr(z.read('W.npy'))
_, b = arr(z.read('b.npy'))
def ne(x):
    return sum(b[i] * x[i] for i in range(n)) + sum(W[i * n + j] * x[i] * x[j] for i in range(n) for j in range(i + 1, n))
lnz = lse([ne(x) for x in states(n)])
(r, d), x = arr(open(sys.argv[2], 'rb').read())
ll = sum(ne(x[q * d:(q + 1) * d]) for q in range(r)) / r - lnz
print(repr(lnz), repr(ll))
PY
cat > "$TMP/same.py" <<'PY'
import sys, zipfile
a, b = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2])
assert sorted(a.namelist()) == sorted(b.namelist()), (a.namelist(), b.namelist())
for n in a.namelist():
    assert a.read(n) == b.read(n), n
PY
brute() { PYTHONPATH="$TMP" python3 "$TMP/brute.py" "$@"; }
T="$TMP/t.npy"
common=(--batch 15 --lr 0.1 --chains 30 --seed 3 -q)

# ---- the figures against brute force -------------------------------------------------------
expect_ok bm train "$T" --epochs 4 --negative exact "${common[@]}" -o "$TMP/a.npz" --log "$TMP/a.jsonl" --format json
read -r lnz ll <<< "$(brute "$TMP/a.npz" "$T")"
expect_json "abs(d['lnZ'] - $lnz) <= 1e-12 * abs($lnz) and abs(d['loglik'] - ($ll)) <= 1e-12 * abs($ll)"
expect_json "d['units'] == 8 and d['rows'] == 60 and d['epoch'] == 4 and d['negative'] == 'exact' and d['seed'] == 3"
expect_json "d['lnZ_mf'] <= d['lnZ'] and d['model'] == '$TMP/a.npz'"
python3 -c "
import json
rows = [json.loads(l) for l in open('$TMP/a.jsonl')]
assert [r['epoch'] for r in rows] == [1, 2, 3, 4]
assert all(r['lnZ_mf'] <= r['lnZ'] for r in rows)
assert rows[-1]['loglik'] > rows[0]['loglik']
assert set(rows[0]) == {'epoch', 'lnZ', 'lnZ_mf', 'lnZ_bethe', 'bethe_converged', 'loglik', 'seconds'}" && pass || fail "train log"
# epoch by epoch through --resume: each checkpoint's brute-force ln Z and log-likelihood are the
# log's, and the last checkpoint is the straight run's, byte for byte
for e in 1 2 3 4; do
    r=(); [ "$e" -gt 1 ] && r=(--resume "$TMP/s.npz")
    expect_ok bm train "$T" --epochs $e --negative exact "${common[@]}" -o "$TMP/s.npz" "${r[@]}"
    read -r lnz ll <<< "$(brute "$TMP/s.npz" "$T")"
    python3 -c "
import json
r = [json.loads(l) for l in open('$TMP/a.jsonl')][$e - 1]
assert abs(r['lnZ'] - $lnz) <= 1e-12 * abs($lnz) and abs(r['loglik'] - ($ll)) <= 1e-12 * abs($ll)" \
        && pass || fail "epoch $e: the log's lnZ / loglik differ from brute force ($lnz, $ll)"
done
python3 "$TMP/same.py" "$TMP/a.npz" "$TMP/s.npz" && pass || fail "resumed training differs"
# the model is a machine zsum bm reads
expect_ok bm lnz "$TMP/a.npz" --format json
read -r lnz ll <<< "$(brute "$TMP/a.npz" "$T")"
expect_json "abs(d['lnZ'] - $lnz) <= 1e-12 * abs($lnz)"

# ---- every negative phase; threads ---------------------------------------------------------
for neg in persistent mean-field exact; do
    expect_ok bm train "$T" --epochs 3 --negative $neg "${common[@]}" -o "$TMP/n1.npz" --threads 1 --log "$TMP/n.jsonl" --format json
    expect_json "d['negative'] == '$neg' and d['lnZ_mf'] <= d['lnZ']"
    expect_ok bm train "$T" --epochs 3 --negative $neg "${common[@]}" -o "$TMP/n2.npz" --threads 2
    python3 "$TMP/same.py" "$TMP/n1.npz" "$TMP/n2.npz" && pass || fail "$neg: --threads 1 and 2 differ"
    python3 -c "
import json
rows = [json.loads(l) for l in open('$TMP/n.jsonl')]
assert len(rows) == 3 and all(r['lnZ_mf'] <= r['lnZ'] for r in rows)" && pass || fail "log $neg"
done
expect_ok bm train "$T" --epochs 2 "${common[@]}" -o "$TMP/p.npz" --format json
expect_json "d['negative'] == 'persistent'"
expect_ok bm train "$T" --epochs 2 "${common[@]}" -o "$TMP/h.npz" --heldout "$TMP/t.npy:0:10" --format json
expect_json "math.isfinite(d['loglik'])"
# stderr: epoch 0 (the start) and one line per epoch
run bm train "$T" --epochs 2 --batch 15 --seed 3 -o "$TMP/p.npz"
if [ "$status" = 0 ] && grep -q "^epoch 0/2: lnZ" "$TMP/err" && grep -q "^epoch 2/2: lnZ .* loglik" "$TMP/err"
then pass; else fail "stderr report: $(head -c 300 "$TMP/err")"; fi
if command -v gnuplot > /dev/null; then
    expect_ok bm train "$T" --epochs 2 "${common[@]}" -o "$TMP/p.npz" --plot "$TMP/p.svg"
    grep -q "ln Z exact" "$TMP/p.svg" && pass || fail "--plot: no curve of ln Z in the svg"
fi

# ---- refusals -------------------------------------------------------------------------------
expect_reject "the checkpoint has run 4 epochs and --epochs 3 asks for fewer" bm train "$T" --epochs 3 --negative exact "${common[@]}" -o "$TMP/c.npz" --resume "$TMP/s.npz"
expect_reject "trained with lr = 0.10000000000000001, this one has 0.20000000000000001" bm train "$T" --epochs 5 --negative exact --batch 15 --lr 0.2 --chains 30 --seed 3 -q -o "$TMP/s.npz" --resume "$TMP/s.npz"
expect_reject "train_W|has .* entries" bm train "$TMP/wide.npy" --epochs 5 --negative exact "${common[@]}" -o "$TMP/c.npz" --resume "$TMP/s.npz"
python3 -c "
import zipfile
a = zipfile.ZipFile('$TMP/a.npz'); b = zipfile.ZipFile('$TMP/plain.npz', 'w')
for n in a.namelist():
    if not n.startswith('train_'): b.writestr(n, a.read(n))"
expect_reject "no train_epoch: the file has no training state" bm train "$T" --epochs 5 "${common[@]}" -o "$TMP/c.npz" --resume "$TMP/plain.npz"
expect_reject "exact negative phase enumerates 2\\^25 states .* at most 24 units" bm train "$TMP/big.npy" --epochs 2 --negative exact -o "$TMP/c.npz"
expect_reject "exact negative phase enumerates 2\\^22 states at each of 4 updates an epoch, about .* over --max-seconds 0.001" bm train "$TMP/u22.npy" --epochs 2 --negative exact --max-seconds 0.001 -o "$TMP/c.npz"
expect_reject "half.npy: .*not 0 or 1|--binarize" bm train "$TMP/half.npy" --epochs 2 -o "$TMP/c.npz"
expect_reject "shape mismatch: the data has shape \\(5, 9\\)" bm train "$T" --epochs 2 --heldout "$TMP/wide.npy" -o "$TMP/c.npz"
expect_reject "DATA is required" bm train --epochs 2 -o "$TMP/c.npz"
expect_reject "--epochs E is required" bm train "$T" -o "$TMP/c.npz"
expect_reject "-o MODEL.npz is required" bm train "$T" --epochs 2
expect_reject "must end in .npz" bm train "$T" --epochs 2 -o "$TMP/c.txt"
expect_reject "-o" bm train "$T" --epochs 2 -o "$TMP/no/such/dir/c.npz"
expect_reject "unexpected argument" bm train "$T" "$T" --epochs 2 -o "$TMP/c.npz"
expect_reject "--momentum: '1' is not in" bm train "$T" --epochs 2 --momentum 1 -o "$TMP/c.npz"
expect_reject "--lr: '0' must be > 0" bm train "$T" --epochs 2 --lr 0 -o "$TMP/c.npz"
expect_reject "--chains: '0' is not in" bm train "$T" --epochs 2 --chains 0 -o "$TMP/c.npz"
expect_reject "--gibbs-steps: '0' is not in" bm train "$T" --epochs 2 --gibbs-steps 0 -o "$TMP/c.npz"
expect_reject "--epochs: '0' is not in" bm train "$T" --epochs 0 -o "$TMP/c.npz"
expect_reject "--mf-tolerance" bm train "$T" --epochs 2 --mf-tolerance -1 -o "$TMP/c.npz"
expect_reject "--negative: 'gibbs' is not persistent, exact, mean-field or auto" bm train "$T" --epochs 2 --negative gibbs -o "$TMP/c.npz"
expect_reject "unknown option '--beta'" bm train "$T" --epochs 2 --beta 1 -o "$TMP/c.npz"
expect_reject "--binarize: 'median' is not" bm train "$T" --epochs 2 --binarize median -o "$TMP/c.npz"
expect_reject "--plot: 'x.jpg' must end in .png or .svg" bm train "$T" --epochs 2 --plot x.jpg -o "$TMP/c.npz"
expect_reject "--plot draws the epochs of one run" bm train "$T" --epochs 3 --plot "$TMP/p.png" -o "$TMP/s.npz" --resume "$TMP/s.npz"
[ ! -e "$TMP/c.npz" ] && pass || fail "a refused training wrote its output"

# ---- SIGINT and SIGTERM (programs/train_stop.c) -----------------------------------------------
# Epochs of about a second (a quarter of the chains under the sanitizers, where one epoch of
# 1000 chains takes 6 s): long past the first checkpoint either way.
chains=1000
[ -n "${ZSUM_SANITIZED:-}" ] && chains=250
long=(bm train "$TMP/u22.npy" --epochs 6 --negative persistent --chains $chains --gibbs-steps 10 --batch 10 --quiet)
check_stop_and_resume 6 python3 "$TMP/same.py"
expect_ok bm lnz "$TMP/term.npz"
finish
