# rbm.sh — zsum rbm: results against brute force computed here in plain Python (no NumPy:
# models and data are written byte by byte with struct/zipfile/gzip), and every rejection.
. "$(dirname "$0")/lib.sh" "$@"

# mk.py: writes .npy/.npz/IDX files by hand and computes reference values by brute force.
cat > "$TMP/mk.py" <<'EOF'
import gzip, io, math, random, struct, sys, zipfile
from zstest import lse, npy, npz, states

def model(seed, nv, nh, ws=1.0, bs=1.0):
    r = random.Random(seed)
    W = [[ws * r.uniform(-1, 1) for j in range(nh)] for i in range(nv)]
    a = [bs * r.uniform(-1, 1) for i in range(nv)]
    b = [bs * r.uniform(-1, 1) for j in range(nh)]
    return W, a, b

def save_model(path, W, a, b, fortran=False, descr='<f8'):
    nv, nh = len(W), len(W[0])
    flat = [W[i][j] for j in range(nh) for i in range(nv)] if fortran else [x for row in W for x in row]
    npz(path, [('W', npy((nv, nh), flat, descr, fortran)), ('vbias', npy((nv,), a, descr)), ('hbias', npy((nh,), b, descr))])

def lnz(W, a, b):
    nv, nh = len(W), len(W[0])
    return lse([sum(a[i] * v[i] for i in range(nv)) + sum(b[j] * h[j] for j in range(nh)) +
                sum(v[i] * W[i][j] * h[j] for i in range(nv) for j in range(nh))
                for v in states(nv) for h in states(nh)])

def lnp(W, a, b, v):
    nv, nh = len(W), len(W[0])
    return lse([sum(a[i] * v[i] for i in range(nv)) + sum(b[j] * h[j] for j in range(nh)) +
                sum(v[i] * W[i][j] * h[j] for i in range(nv) for j in range(nh)) for h in states(nh)]) - lnz(W, a, b)

cmd = sys.argv[1]
d = sys.argv[2]
if cmd == 'files':
    W, a, b = model(1, 5, 4)
    save_model(d + '/m.npz', W, a, b, fortran=True)
    print('%.17g' % lnz(W, a, b))
    rows = [[1, 0, 1, 1, 0], [0, 0, 0, 1, 1], [1, 1, 1, 1, 1], [0, 1, 0, 0, 0]]
    npz(d + '/d.npz', [('x', npy((4, 5), [float(x) for r in rows for x in r]))])
    print('%.17g' % (sum(lnp(W, a, b, r) for r in rows) / len(rows)))
    W2, a2, b2 = model(2, 6, 7, 2.0, 1.0)
    save_model(d + '/m32.npz', W2, a2, b2, descr='<f4')
    save_model(d + '/m16.npz', *model(4, 16, 4))
    Wb, ab, bb = model(5, 7, 6, 60.0, 30.0)   # |x| up to ~400: the exp kernel, ln Z in the hundreds
    save_model(d + '/mbig.npz', Wb, ab, bb)
    W2 = [[struct.unpack('f', struct.pack('f', x))[0] for x in r] for r in W2]
    a2 = [struct.unpack('f', struct.pack('f', x))[0] for x in a2]
    b2 = [struct.unpack('f', struct.pack('f', x))[0] for x in b2]
    print('%.17g' % lnz(W2, a2, b2))
    print('%.17g' % lnz(Wb, ab, bb))
    # rejections
    save_model(d + '/nan.npz', [[1.0, float('nan')], [0.0, 0.0]], [0.0, 0.0], [0.0, 0.0])
    npz(d + '/missing.npz', [('W', npy((2, 2), [0.0] * 4)), ('vbias', npy((2,), [0.0] * 2))])
    npz(d + '/shape.npz', [('W', npy((2, 3), [0.0] * 6)), ('vbias', npy((2,), [0.0] * 2)), ('hbias', npy((4,), [0.0] * 4))])
    big = open(d + '/m.npz', 'rb').read()
    open(d + '/trunc.npz', 'wb').write(big[:len(big) // 2])
    open(d + '/junk.npz', 'wb').write(b'this is not a zip archive\n')
    npz(d + '/large.npz', [('W', npy((100, 70), [0.0] * 7000)), ('vbias', npy((100,), [0.0] * 100)), ('hbias', npy((70,), [0.0] * 70))])
    npz(d + '/half.npz', [('x', npy((2, 5), [0, 0.5, 1, 0, 0, 1, 1, 1, 0, 0]))])
    # the model m with stored training-data frequencies: (count + 1) / (n + 2) of d's 4 rows,
    # and two bad ones (3 entries for 5 units; an entry of 1)
    freq = [(sum(r[i] for r in rows) + 1) / (len(rows) + 2) for i in range(5)]
    mparts = [('W', npy((5, 4), [x for row in W for x in row])), ('vbias', npy((5,), a)), ('hbias', npy((4,), b))]
    npz(d + '/mfreq.npz', mparts + [('train_data_frequency', npy((5,), freq))])
    npz(d + '/mfreq3.npz', mparts + [('train_data_frequency', npy((3,), freq[:3]))])
    npz(d + '/mfreq1.npz', mparts + [('train_data_frequency', npy((5,), freq[:4] + [1.0]))])
    npz(d + '/wide.npz', [('x', npy((2, 6), [0.0] * 12))])
    # IDX data: 200 rows of 16 pixels in 0..255 from 2 prototypes; header/size mismatch
    r = random.Random(3)
    pix = []
    for q in range(200):
        for i in range(16):
            on = (i < 8) == (q % 2 == 0)
            pix.append(r.randint(180, 255) if on else r.randint(0, 60))
    with gzip.open(d + '/train-ubyte.gz', 'wb') as f:
        f.write(bytes([0, 0, 8, 3]) + struct.pack('>III', 200, 4, 4) + bytes(pix))
    open(d + '/bad-ubyte', 'wb').write(bytes([0, 0, 8, 2]) + struct.pack('>II', 200, 16) + bytes(pix[:3000]))
    # 300 rows of 24 binary pixels (.npy of float64 0/1) for --monitor-ais (min(nv, nh) > 20)
    r = random.Random(5)
    rows = [[float((i < 12) == (q % 2 == 0)) if r.random() > 0.1 else float(r.random() < 0.5) for i in range(24)] for q in range(300)]
    open(d + '/b24.npy', 'wb').write(npy((300, 24), [x for row in rows for x in row]))
    open(d + '/sched.txt', 'w').write('0\n0.25 0.5\n0.75\n1\n')
    open(d + '/sched_bad.txt', 'w').write('0\n0.5\n0.4\n1\n')
    open(d + '/sched_end.txt', 'w').write('0\n0.5\n0.9\n')
elif cmd == 'png':
    b = open(sys.argv[2], 'rb').read()
    assert b[:8] == b'\x89PNG\r\n\x1a\n'
    w, h = struct.unpack('>II', b[16:24])
    print('%dx%d' % (w, h))
EOF

refs=$(python3 "$TMP/mk.py" files "$TMP") || { echo "mk.py failed"; exit 1; }
lnz_m=$(echo "$refs" | sed -n 1p)
ll_m=$(echo "$refs" | sed -n 2p)
lnz_32=$(echo "$refs" | sed -n 3p)
lnz_big=$(echo "$refs" | sed -n 4p)

# ---- exact ln Z against brute force over both layers ------------------------------------
expect_ok rbm logz "$TMP/m.npz" --format json --quiet
expect_json "sorted(d) == ['lnZ', 'method', 'nh', 'nv'] and d['nv'] == 5 and d['nh'] == 4 and d['method'] == 'exact'"
expect_json "abs(d['lnZ'] - $lnz_m) <= 1e-12 * abs($lnz_m)"
ZSUM_NO_SIMD=1 "$ZSUM" rbm logz "$TMP/m.npz" --format csv > "$TMP/out" 2>"$TMP/err"
if near "$(tail -1 "$TMP/out" | cut -d, -f4)" "$lnz_m" 1e-12; then pass; else fail "scalar kernels: $(cat "$TMP/out")"; fi
# every kernel (AVX-512, AVX2, portable) on both kernels' models: FMA (m) and exp (mbig)
for simd in "X=1" "ZSUM_SIMD=avx2" "ZSUM_NO_SIMD=1"; do
  for mv in "m:$lnz_m" "mbig:$lnz_big"; do
    env "$simd" "$ZSUM" rbm logz "$TMP/${mv%%:*}.npz" --format csv > "$TMP/out" 2> "$TMP/err"
    if near "$(tail -1 "$TMP/out" | cut -d, -f4)" "${mv#*:}" 1e-12; then pass; else fail "$simd ${mv%%:*}: $(cat "$TMP/out" "$TMP/err")"; fi
  done
done
expect_ok rbm logz "$TMP/m32.npz" --exact
expect_out "^lnZ +"
if near "$(awk '$1 == "lnZ" {print $2}' "$TMP/out")" "$lnz_32" 1e-12; then pass; else fail "float32 model: $(cat "$TMP/out")"; fi

# ---- AIS: keys, and the band holds the brute-force value --------------------------------
expect_ok rbm logz "$TMP/m.npz" --ais --seed 5 --schedule linear:2000 --format json
expect_json "sorted(d) == sorted(['nv','nh','lnZ','method','lnZ_lo','lnZ_hi','ess','chains','temperatures','seed','base','reverse','lnZ_reverse','lnZ_reverse_lo','lnZ_reverse_hi','reverse_ess','sandwich_lo','sandwich_hi','sides_agree','pt_temperatures','pt_sweeps','pt_swap_min'])"
expect_json "d['method'] == 'ais' and d['chains'] == 100 and d['temperatures'] == 2000 and d['seed'] == 5"
expect_json "d['lnZ_lo'] <= $lnz_m <= d['lnZ_hi'] and 1 <= d['ess'] <= 100"
# Far more threads than chains' blocks and ladders: the same answer, and no thread per
# unused request (a parallel region starts at most one thread per iteration).
cp "$TMP/out" "$TMP/ais1.json"
expect_ok rbm logz "$TMP/m.npz" --ais --seed 5 --schedule linear:2000 --format json --threads 500
if cmp -s "$TMP/out" "$TMP/ais1.json"; then pass; else fail "AIS differs on 500 threads"; fi
ZSUM_SIMD=avx2 expect_ok rbm logz "$TMP/m.npz" --ais --seed 5 --schedule linear:2000 --format json
expect_json "d['lnZ_lo'] <= $lnz_m <= d['lnZ_hi']"
ZSUM_NO_SIMD=1 expect_ok rbm logz "$TMP/m.npz" --ais --seed 5 --schedule linear:2000 --format json
expect_json "d['lnZ_lo'] <= $lnz_m <= d['lnZ_hi']"
expect_ok rbm logz "$TMP/m.npz" --ais --seed 6 --chains 40 --base model --format json
expect_json "d['temperatures'] == 14500 and d['chains'] == 40 and d['lnZ_lo'] <= $lnz_m <= d['lnZ_hi']"
expect_ok rbm logz "$TMP/m.npz" --ais --seed 7 --schedule "$TMP/sched.txt" --format json
expect_json "d['temperatures'] == 4"
expect_ok rbm logz "$TMP/m.npz" --ais --seed 8 --base "data:$TMP/d.npz" --schedule linear:1000 --format json
expect_json "d['lnZ_lo'] <= $lnz_m <= d['lnZ_hi']"
# too few temperatures and chains: the lower end can vanish (-inf -> null in JSON)
expect_ok rbm logz "$TMP/m.npz" --ais --seed 1 --schedule linear:1 --chains 2 --pt-sweeps 100 --format json
expect_json "d['lnZ_lo'] is None or d['lnZ_lo'] <= d['lnZ']"
# CSV carries the same keys as the JSON, base and warning included (the warning quoted, RFC 4180).
"$ZSUM" rbm logz "$TMP/m.npz" --ais --seed 1 --schedule linear:1 --chains 2 --pt-sweeps 100 --format json > "$TMP/j" 2>/dev/null
expect_ok rbm logz "$TMP/m.npz" --ais --seed 1 --schedule linear:1 --chains 2 --pt-sweeps 100 --format csv
if python3 -c "import csv,json,sys; r=list(csv.reader(open('$TMP/out'))); d=json.load(open('$TMP/j')); sys.exit(0 if len(r) == 2 and r[0] == list(d) and r[1][r[0].index('base')] == 'pt' and r[1][r[0].index('warning')] == d['warning'] else 1)"; then
    pass
else
    fail "rbm logz --format csv: header is not the JSON's keys: $(head -c 300 "$TMP/out")"
fi

# ---- loglik ------------------------------------------------------------------------------
expect_ok rbm loglik "$TMP/m.npz" "$TMP/d.npz" --format json
expect_json "sorted(d) == sorted(['nv','nh','lnZ','method','loglik','loglik_lo','loglik_hi','n']) and d['n'] == 4"
expect_json "abs(d['loglik'] - $ll_m) <= 1e-12 * abs($ll_m) and d['loglik_lo'] == d['loglik'] == d['loglik_hi']"
expect_ok rbm loglik "$TMP/m.npz" "$TMP/d.npz:x" --format json
expect_json "abs(d['loglik'] - $ll_m) <= 1e-12 * abs($ll_m)"
expect_reject "no array 'y' \(arrays present: x\)" rbm loglik "$TMP/m.npz" "$TMP/d.npz:y"
expect_ok rbm loglik "$TMP/m.npz" "$TMP/d.npz" --ais --seed 3 --schedule linear:2000 --format json
expect_json "d['loglik_lo'] <= $ll_m <= d['loglik_hi']"
expect_json "d['sides_agree'] and d['loglik_sandwich_lo'] <= $ll_m <= d['loglik_sandwich_hi'] and d['loglik_sandwich_lo'] <= d['loglik_lo']"
# AIS bases: loglik without --base and without stored frequencies uses the scored rows' base
# rate; stored frequencies (written here by Python) give exactly the run of the same rows' base
# rate; --base stored needs them, and they must fit the model
expect_json "d['base'] == 'data:$TMP/d.npz'"
expect_ok rbm logz "$TMP/m.npz" --ais --seed 3 --schedule linear:500 --format json
expect_json "d['base'] == 'pt'"
expect_ok rbm logz "$TMP/mfreq.npz" --ais --seed 3 --schedule linear:500 --format json
expect_json "d['base'] == 'stored'"
lnz_stored=$(python3 -c "import json; print(repr(json.load(open('$TMP/out'))['lnZ']))")
expect_ok rbm logz "$TMP/mfreq.npz" --ais --seed 3 --schedule linear:500 --base "data:$TMP/d.npz" --format json
expect_json "d['lnZ'] == $lnz_stored and d['base'] == 'data:$TMP/d.npz'"
expect_reject "has no train_data_frequency \(it was not written by zsum rbm train\)" rbm logz "$TMP/m.npz" --ais --base stored
expect_reject "train_data_frequency has 3 entries, the model has 5 visible units" rbm logz "$TMP/mfreq3.npz" --ais
expect_reject "train_data_frequency\[4\] = 1 is not strictly between 0 and 1" rbm loglik "$TMP/mfreq1.npz" "$TMP/d.npz" --ais
expect_reject "--base: 'data' is not stored, pt, uniform, model or data:FILE" rbm logz "$TMP/m.npz" --ais --base data

# ---- training, log, checkpoints, resume --------------------------------------------------
expect_ok rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 4 --epochs 3 --batch 20 \
    --lr 0.1 --seed 9 -o "$TMP/t.npz" --log "$TMP/log.jsonl" --format json --quiet
expect_json "d['epoch'] == 3 and d['nv'] == 16 and d['nh'] == 4 and d['loglik'] is not None and d['loglik'] < 0"
if [ "$(wc -l < "$TMP/log.jsonl")" = 3 ] && python3 -c "
import json, sys
rows = [json.loads(l) for l in open('$TMP/log.jsonl')]
assert [r['epoch'] for r in rows] == [1, 2, 3]
assert all(sorted(r) == ['epoch', 'loglik', 'recon_error', 'seconds'] for r in rows)
assert rows[2]['loglik'] > rows[0]['loglik'] - 1.0
"; then pass; else fail "training log: $(cat "$TMP/log.jsonl")"; fi
# Far more threads than processors and rows (the trainer starts at most one per processor):
# the same model bit for bit
expect_ok rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 4 --epochs 3 --batch 20 \
    --lr 0.1 --seed 9 -o "$TMP/t600.npz" --quiet --threads 600
if cmp -s "$TMP/t.npz" "$TMP/t600.npz"; then pass; else fail "rbm train differs on 600 threads"; fi
# On a terminal the one progress bar shows the epoch and the monitored values; --quiet hides it
if command -v script > /dev/null; then
    script -qec "'$ZSUM' rbm train '$TMP/train-ubyte.gz' --binarize threshold --hidden 4 --epochs 2 --batch 20 --seed 9 -o '$TMP/tty.npz'" /dev/null > "$TMP/tty" 2>&1
    if grep -q 'epoch 2/2 *\[#*\] 100.0% recon [0-9.]* loglik -[0-9.]*' "$TMP/tty"; then pass; else fail "train progress on a terminal: $(head -c 300 "$TMP/tty")"; fi
    script -qec "'$ZSUM' rbm train '$TMP/train-ubyte.gz' --binarize threshold --hidden 4 --epochs 2 --batch 20 --seed 9 -o '$TMP/tty.npz' --quiet" /dev/null > "$TMP/tty" 2>&1
    if ! grep -q 'epoch 1/2' "$TMP/tty" && grep -q '^epoch' "$TMP/tty"; then pass; else fail "train --quiet on a terminal: $(head -c 300 "$TMP/tty")"; fi
fi
# CSV: the loglik field is the monitored value, and empty (not nan) when nothing was monitored
expect_ok rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 4 --epochs 1 --batch 20 \
    --lr 0.1 --seed 9 -o "$TMP/t2.npz" --format csv --quiet
expect_out '^16,4,1,[0-9.e+-]+,-[0-9.e+-]+,[0-9.e+-]+,[0-9.e+-]+,9$'
expect_ok rbm train "$TMP/b24.npy" --hidden 22 --epochs 1 --batch 25 --lr 0.1 --seed 9 -o "$TMP/t2.npz" \
    --format csv --quiet
expect_out '^24,22,1,[0-9.e+-]+,,[0-9.e+-]+,[0-9.e+-]+,9$'
# the trained model's reported loglik agrees with zsum rbm loglik on the same rows
expect_ok rbm logz "$TMP/t.npz"
# 2 epochs straight == 1 epoch, then --resume for the second: byte for byte
expect_ok rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 5 --pcd 2 --epochs 2 --batch 30 \
    --lr 0.05 --momentum 0.5 --weight-decay 0.001 --seed 4 -o "$TMP/a.npz" --quiet
expect_ok rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 5 --pcd 2 --epochs 1 --batch 30 \
    --lr 0.05 --momentum 0.5 --weight-decay 0.001 --seed 4 -o "$TMP/b.npz" --quiet
expect_ok rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 5 --pcd 2 --epochs 2 --batch 30 \
    --lr 0.05 --momentum 0.5 --weight-decay 0.001 --seed 4 -o "$TMP/b.npz" --resume "$TMP/b.npz" --quiet
if cmp -s "$TMP/a.npz" "$TMP/b.npz"; then pass; else fail "resumed training differs from straight training"; fi
# --epochs is the total: fewer than the checkpoint has run is refused; as many (a run killed
# after its last checkpoint) trains nothing, says so, and prints no figure it did not measure
expect_reject "--resume .*b.npz: the checkpoint has run 2 epochs and --epochs 1 asks for fewer \\(--epochs is the total: give at least 2\\)" \
    rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 5 --pcd 2 --epochs 1 --batch 30 \
    --lr 0.05 --momentum 0.5 --weight-decay 0.001 --seed 4 -o "$TMP/b.npz" --resume "$TMP/b.npz"
expect_ok rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 5 --pcd 2 --epochs 2 --batch 30 \
    --lr 0.05 --momentum 0.5 --weight-decay 0.001 --seed 4 -o "$TMP/b.npz" --resume "$TMP/b.npz" --format json
expect_json 'd["epoch"] == 2 and d["recon_error"] is None and d["loglik"] is None and d["epoch_seconds"] == 0'
grep -q "the checkpoint has run its 2 epochs; nothing is left to train" "$TMP/err" && pass || fail "no note that nothing was left to train"
if cmp -s "$TMP/a.npz" "$TMP/b.npz"; then pass; else fail "a resume with nothing left changed the checkpoint"; fi
expect_reject "was trained with lr" rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 5 --pcd 2 \
    --epochs 3 --batch 30 --lr 0.07 --momentum 0.5 --weight-decay 0.001 --seed 4 -o "$TMP/c.npz" --resume "$TMP/b.npz"
expect_reject "no training state" rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 4 --epochs 2 \
    -o "$TMP/c.npz" --resume "$TMP/m16.npz" --seed 1
expect_reject "the model is 5x4, this run asks for 16x4" rbm train "$TMP/train-ubyte.gz" --binarize threshold \
    --hidden 4 --epochs 2 -o "$TMP/c.npz" --resume "$TMP/m.npz" --seed 1
# divergence: exit 1 with a message
run rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 4 --epochs 2 --lr 1e30 -o "$TMP/div.npz" --seed 1
if [ "$status" = 1 ] && grep -q "diverged" "$TMP/err" && [ ! -s "$TMP/out" ]; then pass; else fail "divergence: $status $(cat "$TMP/err")"; fi

# --monitor-ais: the log-likelihood of a 24x22 model by AIS after each epoch, against the exact
# value of the final model on the same rows (the first 1000 training rows: all 300)
expect_ok rbm train "$TMP/b24.npy" --hidden 22 --epochs 2 --batch 25 --lr 0.1 --seed 3 --monitor-ais \
    --chains 50 --schedule linear:1000 -o "$TMP/m24.npz" --format json --quiet
ll_ais=$(python3 -c "import json; print(json.load(open('$TMP/out'))['loglik'])")
# --base stored while training names the training data's frequencies: the same run
expect_ok rbm train "$TMP/b24.npy" --hidden 22 --epochs 2 --batch 25 --lr 0.1 --seed 3 --monitor-ais \
    --chains 50 --schedule linear:1000 --base stored -o "$TMP/m24s.npz" --format json --quiet
expect_json "d['loglik'] == $ll_ais"
# a model trained by zsum stores its training data's frequencies: AIS defaults to them, with
# exactly the result of --base data:TRAINING-DATA (pseudocount 1), and the band holds the exact value
expect_ok rbm logz "$TMP/m24.npz" --exact --format json
lnz24=$(python3 -c "import json; print(repr(json.load(open('$TMP/out'))['lnZ']))")
expect_ok rbm logz "$TMP/m24.npz" --ais --seed 7 --schedule linear:1000 --format json
expect_json "d['base'] == 'stored' and d['lnZ_lo'] <= $lnz24 <= d['lnZ_hi']"
lnz_stored=$(python3 -c "import json; print(repr(json.load(open('$TMP/out'))['lnZ']))")
expect_ok rbm logz "$TMP/m24.npz" --ais --seed 7 --schedule linear:1000 --base "data:$TMP/b24.npy" --format json
expect_json "d['lnZ'] == $lnz_stored"
expect_ok rbm loglik "$TMP/m24.npz" "$TMP/b24.npy" --exact --format json
if python3 -c "import json,sys; d=json.load(open('$TMP/out')); sys.exit(0 if abs(d['loglik'] - $ll_ais) < 0.2 else 1)"; then
    pass; else fail "--monitor-ais loglik $ll_ais vs exact $(cat "$TMP/out")"; fi

# ---- images ------------------------------------------------------------------------------
expect_ok rbm filters "$TMP/t.npz" --scale 1 -o "$TMP/f.png"
if [ "$(python3 "$TMP/mk.py" png "$TMP/f.png")" = 11x11 ]; then pass; else fail "filters.png size"; fi
expect_ok rbm sample "$TMP/t.npz" --chains 6 --steps 20 --seed 2 --scale 1 -o "$TMP/s.png"
if [ "$(python3 "$TMP/mk.py" png "$TMP/s.png")" = 16x11 ]; then pass; else fail "samples.png size"; fi
# --scale K repeats each pixel K x K; by default small grids grow to >= 256 pixels across
expect_ok rbm sample "$TMP/t.npz" --chains 6 --steps 20 --seed 2 --scale 3 -o "$TMP/s3.png"
if [ "$(python3 "$TMP/mk.py" png "$TMP/s3.png")" = 48x33 ]; then pass; else fail "samples.png at --scale 3: $(python3 "$TMP/mk.py" png "$TMP/s3.png")"; fi
expect_ok rbm sample "$TMP/t.npz" --chains 6 --steps 20 --seed 2 -o "$TMP/sd.png"
if [ "$(python3 "$TMP/mk.py" png "$TMP/sd.png")" = 256x176 ]; then pass; else fail "samples.png by default: $(python3 "$TMP/mk.py" png "$TMP/sd.png")"; fi
expect_ok rbm filters "$TMP/t.npz" -o "$TMP/fd.png"
# sample's chains are --chains (-n and --n count units elsewhere); the old --n is refused
expect_reject "--n: the number of chains is spelled --chains" rbm sample "$TMP/t.npz" --n 6 -o "$TMP/sn.png"
expect_reject "--n: the number of chains is spelled --chains" rbm sample "$TMP/t.npz" --n=6 -o "$TMP/sn.png"
expect_reject "--chains: '0' is not in 1..10000" rbm sample "$TMP/t.npz" --chains 0 -o "$TMP/sn.png"
if [ -e "$TMP/sn.png" ]; then fail "a refused sample wrote its image"; else pass; fi
if [ "$(python3 "$TMP/mk.py" png "$TMP/fd.png")" = 264x264 ]; then pass; else fail "filters.png by default: $(python3 "$TMP/mk.py" png "$TMP/fd.png")"; fi
# the pixels of the scaled image are the unscaled ones, repeated
if /usr/bin/python3 - "$TMP/f.png" "$TMP/fd.png" <<'PY'
import sys, zlib, struct
def grey(path):
    b = open(path, 'rb').read(); p = 8; w = h = 0; idat = b''
    while p < len(b):
        n, t = struct.unpack('>I4s', b[p:p+8]); d = b[p+8:p+8+n]; p += 12 + n
        if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', d[:10]); assert (depth, ctype) == (8, 0)
        if t == b'IDAT': idat += d
    raw = zlib.decompress(idat); rows = []; prev = bytearray(w)
    for y in range(h):
        f = raw[y*(w+1)]; line = bytearray(raw[y*(w+1)+1:(y+1)*(w+1)])
        for x in range(w):
            a = line[x-1] if x else 0; up = prev[x]; c = prev[x-1] if x else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + up) & 255
            elif f == 3: line[x] = (line[x] + (a + up) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(up - c), abs(a - c), abs(a + up - 2*c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return w, h, rows
w1, h1, a = grey(sys.argv[1]); w2, h2, b = grey(sys.argv[2]); k = w2 // w1
sys.exit(0 if all(b[y][x] == a[y // k][x // k] for y in range(h2) for x in range(w2)) else 1)
PY
then pass; else fail "scaled filters image is not the 1x image repeated"; fi
expect_reject "--scale: .*1..1000" rbm filters "$TMP/t.npz" --scale 0 -o "$TMP/x.png"
expect_reject "--scale" rbm logz "$TMP/t.npz" --scale 2
expect_reject "-o: cannot write '/nonexistent/s.png': No such file or directory" rbm filters "$TMP/t.npz" -o /nonexistent/s.png
expect_reject "not a square image" rbm filters "$TMP/m.npz" -o "$TMP/x.png"
expect_reject "--shape 2x3 has 6 pixels" rbm filters "$TMP/m.npz" --shape 2x3 -o "$TMP/x.png"
expect_reject "must end in .png" rbm sample "$TMP/t.npz" -o "$TMP/x.jpg"

# ---- bad input ---------------------------------------------------------------------------
expect_reject "truncated or corrupt" rbm logz "$TMP/trunc.npz"
expect_reject "truncated or corrupt" rbm logz "$TMP/junk.npz"
expect_reject "cannot open" rbm logz "$TMP/absent.npz"
expect_reject "no array 'hbias' \(arrays present: W, vbias\)" rbm logz "$TMP/missing.npz"
expect_reject "W is \(2, 3\) but hbias is \(4,\)" rbm logz "$TMP/shape.npz"
expect_reject "W: entry \(0, 1\) = nan is not finite" rbm logz "$TMP/nan.npz"
expect_reject "about .* use --ais" rbm logz "$TMP/large.npz" --exact
expect_reject "row 0, column 1 = 0.5 is not 0 or 1.*--binarize" rbm loglik "$TMP/m.npz" "$TMP/half.npz"
expect_ok rbm loglik "$TMP/m.npz" "$TMP/half.npz" --binarize threshold:0.4
expect_ok rbm loglik "$TMP/m.npz" "$TMP/half.npz" --binarize stochastic --seed 3 --format json
cp "$TMP/out" "$TMP/stoch1"
expect_ok rbm loglik "$TMP/m.npz" "$TMP/half.npz" --binarize stochastic --seed 3 --format json
if cmp -s "$TMP/out" "$TMP/stoch1"; then pass; else fail "stochastic binarization is not reproducible"; fi
expect_reject "shape mismatch.*\(2, 6\).*5 visible" rbm loglik "$TMP/m.npz" "$TMP/wide.npz"
expect_reject "IDX header says 200x16 .* the file has 3000" rbm train "$TMP/bad-ubyte" --hidden 2 --epochs 1 -o "$TMP/x.npz"
expect_reject "does not increase" rbm logz "$TMP/m.npz" --ais --schedule "$TMP/sched_bad.txt"
expect_reject "last beta" rbm logz "$TMP/m.npz" --ais --schedule "$TMP/sched_end.txt"
expect_reject "not sm08, linear:N or a readable file" rbm logz "$TMP/m.npz" --ais --schedule fast
expect_reject "linear:0 is not in" rbm logz "$TMP/m.npz" --ais --schedule linear:0
expect_reject "exclude each other" rbm logz "$TMP/m.npz" --ais --exact
expect_reject "--chains: '1' is not in" rbm logz "$TMP/m.npz" --ais --chains 1
expect_reject "--base: 'nothing'" rbm logz "$TMP/m.npz" --ais --base nothing
# ---- the sandwich: forward (lower) and reverse (upper) AIS ----
expect_ok rbm logz "$TMP/m24.npz" --exact --format json
exact24=$(python3 -c "import json; print(json.load(open('$TMP/out'))['lnZ'])")
expect_ok rbm logz "$TMP/m24.npz" --ais --seed 4 --schedule linear:1000 --base pt --pt-temperatures 20 --pt-sweeps 400 --format json
expect_json "d['base'] == 'pt' and d['reverse'] == 'pt' and d['sides_agree'] and d['sandwich_lo'] <= $exact24 <= d['sandwich_hi'] and d['lnZ_reverse_hi'] >= $exact24 and d['pt_temperatures'] == 20 and d['pt_sweeps'] == 400 and 0 < d['pt_swap_min'] <= 1"
expect_ok rbm logz "$TMP/m24.npz" --ais --seed 4 --schedule linear:1000 --reverse "data:$TMP/b24.npy" --base uniform --format json
expect_json "d['reverse'] == 'data:$TMP/b24.npy' and d['base'] == 'uniform' and 'pt_swap_min' not in d and 'lnZ_reverse' in d"
expect_ok rbm logz "$TMP/m24.npz" --ais --seed 4 --schedule linear:100 --reverse none --base uniform --format json
expect_json "d['reverse'] == 'none' and 'lnZ_reverse' not in d and 'sides_agree' not in d"
# far too short a schedule from the uniform base: the sides disagree, and the output says so
expect_ok rbm logz "$TMP/m24.npz" --ais --seed 4 --schedule linear:3 --base uniform --pt-temperatures 20 --pt-sweeps 400 --format json
expect_json "(not d['sides_agree'] and 'disagree by more than their bands' in d['sides_warning']) or d['sandwich_lo'] <= $exact24 <= d['sandwich_hi']"
expect_ok rbm logz "$TMP/m24.npz" --ais --seed 4 --schedule linear:3 --base uniform --pt-temperatures 20 --pt-sweeps 400
if grep -q "sides_agree *false" "$TMP/out"; then
    grep -q "disagree by more than their bands" "$TMP/err" && grep -q "^# sides_warning" "$TMP/out" && pass || fail "no warning for disagreeing sides: $(cat "$TMP/out" "$TMP/err")"
else pass; fi
expect_reject "--reverse: 'sideways' is not pt, none or data:FILE" rbm logz "$TMP/m.npz" --ais --reverse sideways
expect_reject "--reverse: 'data:' is not pt, none or data:FILE" rbm logz "$TMP/m.npz" --ais --reverse data:
expect_reject "--pt-temperatures: '1' is not in 2..100000" rbm logz "$TMP/m.npz" --ais --pt-temperatures 1
expect_reject "--pt-sweeps: '1' is not in 2..100000000" rbm logz "$TMP/m.npz" --ais --pt-sweeps 1
expect_reject "--reverse is an AIS option" rbm logz "$TMP/m.npz" --exact --reverse pt
expect_reject "cannot open" rbm logz "$TMP/m.npz" --ais --reverse "data:$TMP/absent.npy"
expect_reject "shape mismatch|columns|784" rbm logz "$TMP/m.npz" --ais --reverse "data:$TMP/b24.npy"
expect_reject "--binarize: 'half'" rbm loglik "$TMP/m.npz" "$TMP/d.npz" --binarize half
expect_reject "unknown option '--hidden'" rbm logz "$TMP/m.npz" --hidden 3
expect_reject "unknown subcommand 'fit'" rbm fit "$TMP/m.npz"
expect_reject "-o FILE is required" rbm train "$TMP/train-ubyte.gz" --hidden 2 --epochs 1
expect_reject "--hidden H is required" rbm train "$TMP/train-ubyte.gz" --epochs 1 -o "$TMP/x.npz"
expect_reject "--lr: '-1' must be > 0" rbm train "$TMP/train-ubyte.gz" --hidden 2 --epochs 1 --lr -1 -o "$TMP/x.npz"
expect_reject "--momentum" rbm train "$TMP/train-ubyte.gz" --hidden 2 --epochs 1 --momentum 1 -o "$TMP/x.npz"
expect_reject "expected MODEL and DATA" rbm loglik "$TMP/m.npz"
# ---- transform: p(h = 1 | v) against NumPy over the same .npz and rows --------------------
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  expect_ok rbm transform "$TMP/m.npz" "$TMP/d.npz" -o "$TMP/h.npy"
  expect_out "^p\(h = 1 \| v\) of 4 rows x 4 hidden units written to"
  if /usr/bin/python3 - "$TMP/m.npz" "$TMP/d.npz" "$TMP/h.npy" <<'PY'
import sys, numpy as np
m = np.load(sys.argv[1]); x = np.load(sys.argv[2])['x']; h = np.load(sys.argv[3])
ref = 1.0 / (1.0 + np.exp(-(x @ m['W'] + m['hbias'])))
assert h.shape == (4, 4) and h.dtype == np.float64, (h.shape, h.dtype)
assert np.max(np.abs(h - ref)) <= 1e-15, np.max(np.abs(h - ref))
PY
  then pass; else fail "transform differs from NumPy"; fi
  # a row range: rows 1..2 of the same result
  expect_ok rbm transform "$TMP/m.npz" "$TMP/d.npz:1:3" -o "$TMP/h13.npy" -q
  if [ ! -s "$TMP/out" ] && /usr/bin/python3 -c "
import numpy as np; a = np.load('$TMP/h.npy'); b = np.load('$TMP/h13.npy'); assert (a[1:3] == b).all()"
  then pass; else fail "transform of rows 1:3"; fi
fi
expect_reject "must end in .npy" rbm transform "$TMP/m.npz" "$TMP/d.npz" -o "$TMP/h.txt"
expect_reject "expected MODEL and DATA" rbm transform "$TMP/m.npz" -o "$TMP/h.npy"
expect_reject "shape mismatch" rbm transform "$TMP/m.npz" "$TMP/wide.npz" -o "$TMP/h.npy"

# ---- row ranges FILE:START:END -------------------------------------------------------------
# loglik of rows 1..3 equals the mean of the per-row values of rows 1 and 2 (one row each)
expect_ok rbm loglik "$TMP/m.npz" "$TMP/d.npz:1:3" --format json
expect_json "d['n'] == 2"
l13=$(python3 -c "import json; print(json.load(open('$TMP/out'))['loglik'])")
expect_ok rbm loglik "$TMP/m.npz" "$TMP/d.npz:1:2" --format json
l1=$(python3 -c "import json; print(json.load(open('$TMP/out'))['loglik'])")
expect_ok rbm loglik "$TMP/m.npz" "$TMP/d.npz:2:3" --format json
l2=$(python3 -c "import json; print(json.load(open('$TMP/out'))['loglik'])")
if near "$l13" "$(python3 -c "print(($l1 + $l2) / 2)")" 1e-13; then pass; else fail "row range mean $l13 vs $l1 $l2"; fi
# the same rows through FILE.npz:NAME:START:END
expect_ok rbm loglik "$TMP/m.npz" "$TMP/d.npz:x:1:3" --format json
expect_json "d['n'] == 2 and d['loglik'] == $l13"
expect_reject "the row range 3:3 is empty" rbm loglik "$TMP/m.npz" "$TMP/d.npz:3:3"
expect_reject "runs past the end: .* has 4 rows" rbm loglik "$TMP/m.npz" "$TMP/d.npz:0:9"
expect_reject "row range 'x:2' is not START:END" rbm loglik "$TMP/m.npz" "$TMP/d.npz:x:2"
# training on a range of an IDX file writes the same model as training on those rows in .npy
expect_ok rbm train "$TMP/train-ubyte.gz:0:100" --binarize threshold --hidden 3 --epochs 2 --seed 4 -o "$TMP/r1.npz" -q
python3 - "$TMP/train-ubyte.gz" "$TMP/first100.npz" <<'PY'
import gzip, struct, sys, zipfile
raw = gzip.open(sys.argv[1]).read()
n, h, w = struct.unpack('>III', raw[4:16])
x = raw[16:16 + 100 * h * w]
mx = max(raw[16:])
vals = [1.0 if v > mx / 2 else 0.0 for v in x]
d = "{'descr': '<f8', 'fortran_order': False, 'shape': (100, %d), }" % (h * w)
hd = d + ' ' * ((64 - (10 + len(d) + 1) % 64) % 64) + '\n'
body = b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hd)) + hd.encode() + struct.pack('<%dd' % len(vals), *vals)
with zipfile.ZipFile(sys.argv[2], 'w') as z: z.writestr('x.npy', body)
PY
expect_ok rbm train "$TMP/first100.npz" --hidden 3 --epochs 2 --seed 4 -o "$TMP/r2.npz" -q
if cmp -s "$TMP/r1.npz" "$TMP/r2.npz"; then pass; else fail "training on train-ubyte.gz:0:100 differs from the same rows in .npz"; fi

# ---- sample --init data ------------------------------------------------------------------
expect_ok rbm sample "$TMP/t.npz" --chains 4 --steps 3 --seed 2 --init "data:$TMP/train-ubyte.gz:0:4" --binarize threshold -o "$TMP/si.png"
cp "$TMP/si.png" "$TMP/si1.png"
expect_ok rbm sample "$TMP/t.npz" --chains 4 --steps 3 --seed 2 --init "data:$TMP/train-ubyte.gz:0:4" --binarize threshold -o "$TMP/si.png"
if cmp -s "$TMP/si.png" "$TMP/si1.png"; then pass; else fail "sample --init data is not reproducible"; fi
expect_ok rbm sample "$TMP/t.npz" --chains 4 --steps 3 --seed 2 -o "$TMP/sr.png"
if ! cmp -s "$TMP/si.png" "$TMP/sr.png"; then pass; else fail "sample --init data ignored the start rows"; fi
expect_reject "--init 'zeros' is not random or data:DATA" rbm sample "$TMP/t.npz" --init zeros -o "$TMP/x.png"
expect_reject "shape mismatch" rbm sample "$TMP/t.npz" --init "data:$TMP/d.npz" -o "$TMP/x.png"
expect_reject "--binarize applies to the start rows" rbm sample "$TMP/t.npz" --binarize threshold -o "$TMP/x.png"

# ---- loglik/logz without a method: exact when affordable, else AIS; the output says which ----
expect_ok rbm loglik "$TMP/m.npz" "$TMP/d.npz" --format csv
expect_out "^5,4,exact,"
expect_ok rbm logz "$TMP/large.npz" --seed 1 --schedule linear:100 --chains 10 --pt-sweeps 100 --format json
expect_json "d['method'] == 'ais' and d['base'] == 'pt' and d['reverse'] == 'pt' and d['sides_agree'] in (True, False)"
expect_ok rbm logz "$TMP/large.npz" --seed 1 --schedule linear:100 --chains 10 --pt-sweeps 100
expect_out "^method +ais$"
expect_ok rbm logz "$TMP/large.npz" --seed 1 --schedule linear:100 --chains 10 --pt-sweeps 100 --format csv
expect_out "^100,70,ais,"

# ---- options of another mode are refused, naming the mode ----------------------------------
expect_reject "--chains is an AIS option; --exact does not use it" rbm logz "$TMP/m.npz" --exact --chains 10
expect_reject "--schedule is an AIS option" rbm loglik "$TMP/m.npz" "$TMP/d.npz" --exact --schedule sm08
expect_reject "--cd and --pcd exclude each other" rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 2 --epochs 1 --cd 1 --pcd 1 -o "$TMP/x.npz"
expect_reject "--chains sets up the AIS monitor; it needs --monitor-ais" rbm train "$TMP/train-ubyte.gz" --binarize threshold --hidden 2 --epochs 1 --chains 10 -o "$TMP/x.npz"

# ---- -q and per-subcommand help ------------------------------------------------------------
expect_ok rbm sample "$TMP/t.npz" --chains 2 --steps 2 --seed 2 -o "$TMP/sq.png" -q
if [ ! -s "$TMP/out" ]; then pass; else fail "rbm sample -q printed: $(cat "$TMP/out")"; fi
for sub in lnz loglik train sample filters transform; do
  expect_ok rbm "$sub" --help
  expect_out "^usage: zsum rbm $sub "
  if [ "$(grep -c -E "^(usage: | +)zsum rbm " "$TMP/out")" = 1 ]; then pass; else fail "rbm $sub --help shows other subcommands"; fi
done
expect_ok rbm train -h
expect_out "--binarize threshold"

expect_ok rbm --help
expect_out "zsum rbm lnz"
# logz: the older name of lnz, still taken
expect_ok rbm logz --help
expect_out "^usage: zsum rbm lnz "
expect_out "zsum rbm logz is the older name of zsum rbm lnz"
expect_ok rbm lnz "$TMP/m.npz" --exact --format json
cp "$TMP/out" "$TMP/lnz.json"
expect_ok rbm logz "$TMP/m.npz" --exact --format json
if cmp -s "$TMP/out" "$TMP/lnz.json"; then pass; else fail "rbm logz and rbm lnz differ"; fi

finish
