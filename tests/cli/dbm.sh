# dbm.sh — zsum dbm: ln Z and ln p(v) against brute force over every layer computed here in
# plain Python (no NumPy: files written byte by byte with struct/zipfile), the RBM special case,
# AIS bands, the mean-field bound below the exact value, and every rejection.
. "$(dirname "$0")/lib.sh" "$@"

cat > "$TMP/mk.py" <<'EOF'
import math, random, struct, sys, zipfile
from zstest import lse, npy, npz, states

def model(seed, sizes, ws=1.0, bs=1.0):
    r = random.Random(seed)
    W = [[[ws * r.uniform(-1, 1) for j in range(sizes[l])] for i in range(sizes[l - 1])] for l in range(1, len(sizes))]
    b = [[bs * r.uniform(-1, 1) for j in range(n)] for n in sizes]
    return W, b

def save(path, W, b, names=None):
    arrays = []
    for l, w in enumerate(W):
        arrays.append(('W%d' % (l + 1), npy((len(w), len(w[0])), [x for row in w for x in row])))
    for l, v in enumerate(b):
        arrays.append(('b%d' % l, npy((len(v),), v)))
    npz(path, arrays)

def negE(W, b, hs):
    e = sum(b[l][j] * hs[l][j] for l in range(len(b)) for j in range(len(b[l])))
    for l, w in enumerate(W):
        e += sum(hs[l][i] * w[i][j] * hs[l + 1][j] for i in range(len(w)) for j in range(len(w[0])))
    return e

def joint(sizes):
    """every joint state as a list of layers"""
    tot = sum(sizes)
    for s in states(tot):
        hs, k = [], 0
        for n in sizes:
            hs.append(s[k:k + n]); k += n
        yield hs

def lnz(W, b):
    return lse([negE(W, b, hs) for hs in joint([len(x) for x in b])])

def unnorm(W, b, v):
    sizes = [len(x) for x in b][1:]
    return lse([negE(W, b, [v] + hs) for hs in joint(sizes)])

d = sys.argv[1]
W, b = model(1, [4, 3, 3], 1.5)
save(d + '/m.npz', W, b)
print('%.17g' % lnz(W, b))
rows = [[1, 0, 1, 1], [0, 0, 0, 1], [1, 1, 1, 1], [0, 1, 0, 0], [1, 1, 0, 0]]
npz(d + '/d.npz', [('x', npy((5, 4), [float(x) for r in rows for x in r]))])
print('%.17g' % (sum(unnorm(W, b, r) for r in rows) / len(rows) - lnz(W, b)))
W3, b3 = model(2, [3, 2, 3, 2], 1.0)
save(d + '/m3.npz', W3, b3)
print('%.17g' % lnz(W3, b3))
# one hidden layer, also written as an RBM file
W1, b1 = model(3, [6, 5], 1.0)
save(d + '/one.npz', W1, b1)
npz(d + '/one_rbm.npz', [('W', npy((6, 5), [x for row in W1[0] for x in row])), ('vbias', npy((6,), b1[0])), ('hbias', npy((5,), b1[1]))])
print('%.17g' % lnz(W1, b1))
print('%.17g' % (unnorm(W1, b1, [0] * 6) - lnz(W1, b1)))  # ln p(v) of wide.npz's rows, all 0
# Salakhutdinov's MATLAB names: biases as 1 x n rows
npz(d + '/mat.npz', [('vishid', npy((4, 3), [x for row in W[0] for x in row])), ('hidpen', npy((3, 3), [x for row in W[1] for x in row])),
                     ('visbiases', npy((1, 4), b[0])), ('hidbiases', npy((1, 3), b[1])), ('penbiases', npy((1, 3), b[2]))])
# rejections
z = lambda *s: npy(s, [0.0] * (s[0] * (s[1] if len(s) > 1 else 1)))
npz(d + '/chain.npz', [('W1', z(4, 3)), ('W2', z(2, 3)), ('b0', z(4)), ('b1', z(3)), ('b2', z(3))])
npz(d + '/missing.npz', [('W1', z(4, 3)), ('W2', z(3, 3)), ('b0', z(4)), ('b1', z(3))])
npz(d + '/gap.npz', [('W1', z(4, 3)), ('W3', z(3, 3)), ('b0', z(4)), ('b1', z(3))])
npz(d + '/bias.npz', [('W1', z(4, 3)), ('b0', z(4)), ('b1', z(5))])
npz(d + '/none.npz', [('arr_0', z(4, 3))])
Wn, bn = model(4, [2, 2])
Wn[0][1][0] = float('nan')
save(d + '/nan.npz', Wn, bn)
npz(d + '/large.npz', [('W1', z(100, 70)), ('W2', z(70, 50)), ('b0', z(100)), ('b1', z(70)), ('b2', z(50))])
npz(d + '/wide.npz', [('x', npy((2, 6), [0.0] * 12))])
npz(d + '/half.npz', [('x', npy((2, 4), [0, 0.5, 1, 0, 0, 1, 1, 1]))])
# training data: 120 rows of 12 pixels from 3 prototypes with 10% flipped
r = random.Random(7)
rows = []
for q in range(120):
    rows.append([float(((i // 4) == q % 3) != (r.random() < 0.1)) for i in range(12)])
npz(d + '/train.npz', [('x', npy((120, 12), [x for row in rows for x in row]))])
EOF
cat > "$TMP/same.py" <<'EOF'
import sys, zipfile
a, b = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2])
names = sorted(n for n in a.namelist())
assert names == sorted(b.namelist()), (names, b.namelist())
for n in names:
    assert a.read(n) == b.read(n), n
EOF

refs=$(python3 "$TMP/mk.py" "$TMP") || { echo "mk.py failed"; exit 1; }
lnz_m=$(echo "$refs" | sed -n 1p)
ll_m=$(echo "$refs" | sed -n 2p)
lnz_3=$(echo "$refs" | sed -n 3p)
lnz_1=$(echo "$refs" | sed -n 4p)
ll_1=$(echo "$refs" | sed -n 5p)

# ---- exact ln Z against brute force over every layer ----------------------------------------
for f in m mat; do
  expect_ok dbm lnz "$TMP/$f.npz" --exact --format json
  expect_json "d['method'] == 'exact' and d['layers'] == [4, 3, 3] and abs(d['lnZ'] - $lnz_m) < 1e-12 * abs($lnz_m)"
done
expect_ok dbm lnz "$TMP/m3.npz" --format json
expect_json "d['method'] == 'exact' and abs(d['lnZ'] - $lnz_3) < 1e-12 * max(1, abs($lnz_3))"
# one hidden layer: the RBM's value, to the last digit, and both the brute force's
expect_ok rbm logz "$TMP/one_rbm.npz" --exact --format json
expect_json "abs(d['lnZ'] - $lnz_1) < 1e-12 * abs($lnz_1)"
rbm_lnz=$(python3 -c "import json; print(repr(json.load(open('$TMP/out'))['lnZ']))")
for f in one one_rbm; do
  expect_ok dbm lnz "$TMP/$f.npz" --exact --format json
  expect_json "repr(d['lnZ']) == '$rbm_lnz' and d['layers'] == [6, 5]"
done
expect_ok rbm logz "$TMP/one_rbm.npz" --ais --seed 3 --schedule linear:500 --base uniform --reverse none --format json
rbm_ais=$(python3 -c "import json; d=json.load(open('$TMP/out')); print(repr(d['lnZ']), repr(d['lnZ_lo']))")
expect_ok dbm lnz "$TMP/one.npz" --ais --seed 3 --schedule linear:500 --base uniform --format json
expect_json "'%r %r' % (d['lnZ'], d['lnZ_lo']) == '$rbm_ais'"

# ---- AIS: the band holds the exact value; the table -----------------------------------------
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 1 --schedule linear:2000 --base uniform --format json
expect_json "d['method'] == 'ais' and d['lnZ_lo'] <= $lnz_m <= d['lnZ_hi'] and d['chains'] == 100 and d['temperatures'] == 2000 and d['base'] == 'uniform' and d['seed'] == 1 and 'reverse' not in d"
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 1 --schedule linear:2000 --base model --chains 50 --format csv
expect_out "^layers,method,lnZ,lnZ_lo,lnZ_hi,ess,chains,temperatures,seed,base$"
expect_out ",50,2000,1,model$"
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000 --base "data:$TMP/d.npz"
expect_out "^base +data:"
expect_out "^lnZ_lo "

# ---- loglik: exact mean ln p(v), the mean-field bound below it -------------------------------
expect_ok dbm loglik "$TMP/m.npz" "$TMP/d.npz" --format json
expect_json "d['n'] == 5 and abs(d['loglik'] - ($ll_m)) < 1e-12 * abs($ll_m) and d['elbo'] <= d['loglik'] and d['elbo'] > d['loglik'] - 1"
expect_json "d['mf_converged'] == 5 and d['mf_iterations_max'] <= 30 and d['mf_iterations_limit'] == 30 and d['elbo_lo'] == d['elbo'] == d['elbo_hi']"
expect_ok dbm loglik "$TMP/m.npz" "$TMP/d.npz" --mf-iterations 1 --format json
expect_json "d['mf_converged'] == 0 and d['mf_iterations_max'] == 1"
expect_ok dbm loglik "$TMP/m.npz" "$TMP/d.npz" --ais --seed 4 --schedule linear:1000 --format json
expect_json "d['base'].startswith('data:') and d['elbo_lo'] <= d['elbo'] <= d['elbo_hi'] and d['loglik'] is not None"
# the two sides of ln Z carried to the log-likelihood: over 20 seeds, the exact mean ln p(v)
# lies in [loglik_sandwich_lo, loglik_sandwich_hi] or the output says the sides disagree
python3 - "$TMP" "$ll_m" "$ZSUM" <<'PY' && pass || fail "loglik sandwich against exact"
import json, subprocess, sys
tmp, exact, zsum = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
ok = 0
for seed in range(1, 21):
    out = subprocess.run(zsum + ['dbm', 'loglik', tmp + '/m.npz', tmp + '/d.npz', '--ais', '--seed', str(seed),
                                 '--schedule', 'linear:200', '--reverse', 'pt', '--pt-sweeps', '200',
                                 '--format', 'json'], capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    assert d['reverse'] == 'pt' and d['loglik_sandwich_lo'] <= d['loglik_sandwich_hi'], d
    # lo = mean ln p*(v) - sandwich_hi: the loglik's own identity with the other end
    assert abs((d['loglik_sandwich_lo'] + d['sandwich_hi']) - (d['loglik'] + d['lnZ'])) < 1e-9, d
    if d['loglik_sandwich_lo'] <= exact <= d['loglik_sandwich_hi'] or (not d['sides_agree'] and 'sides_warning' in d):
        ok += 1
print('loglik sandwich: %d of 20 seeds hold the exact value or say the sides disagree' % ok)
assert ok >= 18
PY
expect_ok dbm loglik "$TMP/m.npz" "$TMP/d.npz" --ais --seed 2 --schedule linear:200 --reverse "data:$TMP/d.npz"
expect_out "^loglik_sw_lo +-"
expect_out "^loglik_sw_hi +-"
expect_ok dbm loglik "$TMP/m.npz" "$TMP/d.npz" --ais --seed 2 --schedule linear:200 --reverse none --format json
expect_json "'loglik_sandwich_lo' not in d and d['reverse'] == 'none'"
# The low-ESS warning's advice follows the base: two chains always fall under its ESS floor
# of 10; from the data's base rate it points to the data-free base, from another to the data's.
run dbm loglik "$TMP/m.npz" "$TMP/d.npz" --ais --seed 2 --chains 2 --schedule linear:50 --format json
expect_json "'--base pt' in d['warning'] and d['base'].startswith('data:')"
grep -q "warning: ESS .*use the data-free base (--base pt" "$TMP/err" && pass || fail "data-base low-ESS advice: $(cat "$TMP/err")"
run dbm loglik "$TMP/m.npz" "$TMP/d.npz" --ais --seed 2 --chains 2 --schedule linear:50 --base uniform --format json
expect_json "'(--base data:FILE)' in d['warning'] and d['base'] == 'uniform'"
expect_ok dbm loglik "$TMP/m.npz" "$TMP/half.npz" --binarize threshold --format json
expect_json "d['n'] == 2"
# one hidden layer: the bound is the exact value
expect_ok rbm loglik "$TMP/one_rbm.npz" "$TMP/wide.npz" --exact --format json
expect_json "abs(d['loglik'] - ($ll_1)) < 1e-12 * abs($ll_1)"
rbm_ll=$(python3 -c "import json; print(json.load(open('$TMP/out'))['loglik'])")
expect_ok dbm loglik "$TMP/one.npz" "$TMP/wide.npz" --format json
expect_json "abs(d['loglik'] - $rbm_ll) < 1e-12 * abs($rbm_ll) and abs(d['elbo'] - d['loglik']) < 1e-12 * abs(d['loglik'])"
expect_ok dbm lnz "$TMP/m.npz" --ais --seed=1 --schedule=linear:2000 --format=json
expect_json "d['seed'] == 1 and d['temperatures'] == 2000"
expect_reject "--exact takes no value" dbm lnz "$TMP/m.npz" --exact=1
expect_ok dbm --help
expect_out "^usage: zsum dbm lnz"

# ---- rejections ------------------------------------------------------------------------------
expect_reject "do not chain: W1 is \(4, 3\) but W2 is \(2, 3\)" dbm lnz "$TMP/chain.npz"
expect_reject "no b2 .*the archive has: W1, W2, b0, b1" dbm lnz "$TMP/missing.npz"
expect_reject "W3 is present but W2 is missing" dbm lnz "$TMP/gap.npz"
expect_reject "shape mismatch: W1 is \(4, 3\) but b1 is \(5,\)" dbm lnz "$TMP/bias.npz"
expect_reject "no W1 .*vishid.*nor W and vbias .*the archive has: arr_0" dbm lnz "$TMP/none.npz"
expect_reject "W1: entry \(1, 0\) = nan is not finite" dbm lnz "$TMP/nan.npz"
expect_reject "100-70-50 DBM sums 2\^70 states.*use --ais" dbm lnz "$TMP/large.npz" --exact
expect_reject "over the limit of 1 s" dbm lnz "$TMP/large.npz" --exact --max-seconds 1
expect_reject "shape mismatch: the data has shape \(2, 6\)" dbm loglik "$TMP/m.npz" "$TMP/wide.npz"
expect_reject "not 0 or 1|--binarize" dbm loglik "$TMP/m.npz" "$TMP/half.npz"
expect_reject "--exact and --ais exclude" dbm lnz "$TMP/m.npz" --exact --ais
expect_reject "--chains is an AIS option" dbm lnz "$TMP/m.npz" --exact --chains 10
expect_reject "--chains: '1' is not in 2..1000000" dbm lnz "$TMP/m.npz" --ais --chains 1
expect_reject "--base: 'x' is not pt, uniform, model or data:FILE" dbm lnz "$TMP/m.npz" --ais --base x
expect_reject "--schedule" dbm lnz "$TMP/m.npz" --ais --schedule linear:0
expect_reject "unknown option '--mf-iterations'" dbm lnz "$TMP/m.npz" --mf-iterations 3
expect_reject "--mf-iterations: '0' is not in 1..100000" dbm loglik "$TMP/m.npz" "$TMP/d.npz" --mf-iterations 0
expect_reject "--mf-tolerance: '-1' is not in" dbm loglik "$TMP/m.npz" "$TMP/d.npz" --mf-tolerance -1
expect_reject "expected MODEL and DATA, got 1 argument" dbm loglik "$TMP/m.npz"
expect_reject "expected MODEL, got 0 arguments" dbm lnz
expect_reject "unknown subcommand 'draw'" dbm draw "$TMP/m.npz"

# ---- train ---------------------------------------------------------------------------------
T="$TMP/train.npz"
expect_ok dbm train "$T" --hidden 6,4 --epochs 4 --pretrain-epochs 20 --pretrain-lr 0.1 --batch 20 --chains 20 --seed 3 -o "$TMP/a.npz" --log "$TMP/a.jsonl" --format json -q
expect_json "d['layers'] == [12, 6, 4] and d['epoch'] == 4 and d['seed'] == 3 and d['loglik'] is not None and d['elbo'] <= d['loglik']"
trained_ll=$(python3 -c "import json; print(json.load(open('$TMP/out'))['loglik'])")
# the model it wrote: zsum dbm loglik gives the same exact value on the monitor rows (all 120)
expect_ok dbm loglik "$TMP/a.npz" "$T" --format json
expect_json "abs(d['loglik'] - ($trained_ll)) < 1e-12 * abs($trained_ll) and d['loglik'] > -7.0"
python3 -c "
import json; rows = [json.loads(l) for l in open('$TMP/a.jsonl')]
assert [r['epoch'] for r in rows] == [1, 2, 3, 4] and all(r['elbo'] <= r['loglik'] for r in rows)" && pass || fail "train log"
# 2 epochs, then --resume to 4: the same file, byte for byte, on another thread count
expect_ok dbm train "$T" --hidden 6,4 --epochs 2 --pretrain-epochs 20 --pretrain-lr 0.1 --batch 20 --chains 20 --seed 3 -o "$TMP/b.npz" --threads 1 -q
expect_ok dbm train "$T" --hidden 6,4 --epochs 4 --pretrain-epochs 20 --pretrain-lr 0.1 --batch 20 --chains 20 --seed 3 -o "$TMP/b.npz" --resume "$TMP/b.npz" --threads 2 -q
python3 "$TMP/same.py" "$TMP/a.npz" "$TMP/b.npz" && pass || fail "resumed training differs"
expect_reject "the checkpoint has run 4 epochs and --epochs 3 asks for fewer" dbm train "$T" --hidden 6,4 --epochs 3 --pretrain-epochs 20 --pretrain-lr 0.1 --batch 20 --chains 20 --seed 3 -o "$TMP/b.npz" --resume "$TMP/b.npz" -q
expect_ok dbm train "$T" --hidden 6,4 --epochs 4 --pretrain-epochs 20 --pretrain-lr 0.1 --batch 20 --chains 20 --seed 3 -o "$TMP/b.npz" --resume "$TMP/b.npz" -q
expect_out "^lnZ +-$"
grep -q "nothing is left to train" "$TMP/err" && pass || fail "no note that nothing was left to train"
python3 "$TMP/same.py" "$TMP/a.npz" "$TMP/b.npz" && pass || fail "a resume with nothing left changed the checkpoint"
expect_reject "trained with lr = 0.001.*resume with the same options" dbm train "$T" --hidden 6,4 --epochs 5 --lr 0.01 --batch 20 --chains 20 --seed 3 -o "$TMP/b.npz" --resume "$TMP/b.npz"
expect_reject "other layer sizes" dbm train "$T" --hidden 6,5 --epochs 5 --batch 20 --chains 20 --seed 3 -o "$TMP/b.npz" --resume "$TMP/b.npz"
python3 -c "
import zipfile
a = zipfile.ZipFile('$TMP/a.npz'); b = zipfile.ZipFile('$TMP/plain.npz', 'w')
for n in a.namelist():
    if not n.startswith('train_'): b.writestr(n, a.read(n))
b.close()"
expect_reject "no train_options: the file has no training state" dbm train "$T" --hidden 6,4 --epochs 5 --batch 20 --chains 20 --seed 3 -o "$TMP/c.npz" --resume "$TMP/plain.npz"
expect_reject "--hidden H1\\[,H2,...\\] is required" dbm train "$T" --epochs 2 -o "$TMP/c.npz"
expect_reject "--epochs E is required" dbm train "$T" --hidden 4 -o "$TMP/c.npz"
expect_reject "-o MODEL.npz is required" dbm train "$T" --hidden 4 --epochs 2
expect_reject "must end in .npz" dbm train "$T" --hidden 4 --epochs 2 -o "$TMP/c.txt"
expect_reject "-o" dbm train "$T" --hidden 4 --epochs 2 -o "$TMP/no/such/dir/c.npz"
expect_reject "--hidden: '4,0' is not a list" dbm train "$T" --hidden 4,0 --epochs 2 -o "$TMP/c.npz"
expect_reject "--hidden: '4.5' is not a list" dbm train "$T" --hidden 4.5 --epochs 2 -o "$TMP/c.npz"
expect_reject "--momentum: '1' is not in" dbm train "$T" --hidden 4 --epochs 2 --momentum 1 -o "$TMP/c.npz"
expect_reject "--lr: '0' must be > 0" dbm train "$T" --hidden 4 --epochs 2 --lr 0 -o "$TMP/c.npz"
expect_reject "--gibbs-steps: '0' is not in" dbm train "$T" --hidden 4 --epochs 2 --gibbs-steps 0 -o "$TMP/c.npz"
expect_reject "unknown option '--exact'" dbm train "$T" --hidden 4 --epochs 2 --exact -o "$TMP/c.npz"
expect_reject "not 0 or 1|--binarize" dbm train "$TMP/half.npz" --hidden 4 --epochs 2 -o "$TMP/c.npz"
expect_reject "shape mismatch" dbm train "$T" --hidden 4 --epochs 2 --heldout "$TMP/wide.npz" -o "$TMP/c.npz"
[ ! -e "$TMP/c.npz" ] && pass || fail "a refused training wrote its output"

# ---- the negative phase three ways, with the approximations of ln Z per epoch ---------------
for neg in exact mean-field persistent; do
  expect_ok dbm train "$T" --hidden 6,4 --epochs 2 --pretrain-epochs 5 --batch 20 --chains 20 --lr 0.01 --seed 4 --negative $neg -o "$TMP/n.npz" --log "$TMP/n.jsonl" --format json -q
  expect_json "d['negative'] == '$neg' and d['lnZ_mf'] <= d['lnZ'] and abs(d['lnZ_bethe'] - d['lnZ']) < 1 and d['bethe_converged'] is True"
  python3 -c "
import json; rows = [json.loads(l) for l in open('$TMP/n.jsonl')]
assert len(rows) == 2 and all(r['lnZ_mf'] <= r['lnZ'] for r in rows)" && pass || fail "train log $neg"
done
# --monitor: what each epoch measures. The same run (same model, bit for bit) with the Bethe
# value left out gives the same other figures; none leaves the epoch's mean bound only; auto is
# full on this small model and basic past 131072 couplings
M="$T --hidden 6,4 --epochs 2 --pretrain-epochs 5 --batch 20 --chains 20 --lr 0.01 --seed 4 --format json -q"
expect_ok dbm train $M -o "$TMP/mf.npz" --log "$TMP/mf.jsonl" --monitor full
expect_json "d['monitor'] == 'full' and d['bethe_converged'] is True and d['lnZ_bethe'] is not None"
cp "$TMP/out" "$TMP/full.json"
for level in basic none; do
  expect_ok dbm train $M -o "$TMP/m-$level.npz" --log "$TMP/m-$level.jsonl" --monitor $level
  python3 - "$TMP" "$level" <<'PY' && pass || fail "--monitor $level"
import json, sys
tmp, level = sys.argv[1], sys.argv[2]
full = json.load(open(tmp + '/full.json'))
d = json.load(open(tmp + '/out'))
log = [json.loads(l) for l in open(tmp + '/m-%s.jsonl' % level)]
flog = [json.loads(l) for l in open(tmp + '/mf.jsonl')]
assert d['monitor'] == level and d['lnZ_bethe'] is None and d['bethe_converged'] is None, d
assert d['mf_bound'] == full['mf_bound'] and len(log) == 2, d
kept = ('lnZ', 'lnZ_mf', 'loglik', 'elbo') if level == 'basic' else ()
for k in ('lnZ', 'lnZ_mf', 'loglik', 'elbo'):
    assert d[k] == (full[k] if k in kept else None), (k, d[k], full[k])
for a, b in zip(log, flog):
    assert a['mf_bound'] == b['mf_bound'] and a['lnZ_bethe'] is None and a['bethe_converged'] is None, a
    for k in ('lnZ', 'lnZ_mf', 'loglik', 'elbo'):
        assert a[k] == (b[k] if k in kept else None), (k, a, b)
PY
  python3 "$TMP/same.py" "$TMP/mf.npz" "$TMP/m-$level.npz" && pass || fail "--monitor $level changed the model"
done
expect_ok dbm train $M -o "$TMP/ma.npz"
expect_json "d == dict(json.load(open('$TMP/full.json')), epoch_seconds=d['epoch_seconds'], total_seconds=d['total_seconds'], model=d['model'])"
expect_ok dbm train "$T" --hidden 400,400 --epochs 1 --pretrain-epochs 0 --batch 20 --chains 20 --seed 4 -o "$TMP/big.npz" --format json -q
expect_json "d['monitor'] == 'basic' and d['lnZ_bethe'] is None and d['lnZ'] is None and d['lnZ_mf'] > 0"
mfbig=$(python3 -c "import json; print(repr(json.load(open('$TMP/out'))['lnZ_mf']))")
expect_ok dbm train "$T" --hidden 400,400 --epochs 1 --pretrain-epochs 0 --batch 20 --chains 20 --seed 4 -o "$TMP/big.npz" --format json -q --monitor full
expect_json "d['monitor'] == 'full' and d['lnZ_bethe'] is not None and repr(d['lnZ_mf']) == '$mfbig'"
run dbm train "$T" --hidden 6,4 --epochs 1 --pretrain-epochs 0 --seed 4 -o "$TMP/m1.npz" --monitor basic
grep -q "Bethe -)" "$TMP/err" && pass || fail "stderr line: $(cat "$TMP/err")"
grep -qE "^bethe_converged +-" "$TMP/out" && grep -qE "^monitor +basic" "$TMP/out" && pass || fail "table: $(cat "$TMP/out")"
expect_reject "--monitor: 'some' is not auto, full, basic or none" dbm train "$T" --hidden 4 --epochs 2 --monitor some -o "$TMP/c.npz"
expect_reject "--negative: 'gibbs' is not persistent, exact, mean-field or auto" dbm train "$T" --hidden 4 --epochs 2 --negative gibbs -o "$TMP/c.npz"
expect_reject "exact negative phase enumerates 2\\^30" dbm train "$T" --hidden 30,30 --epochs 2 --negative exact -o "$TMP/c.npz"
# ... refused before the pretraining, not after it (which would take hours here)
expect_reject "exact negative phase enumerates 2\\^30" dbm train "$T" --hidden 30,30 --epochs 2 --negative exact --pretrain-epochs 100000 -o "$TMP/c.npz"
if grep -q "pretrain" "$TMP/err"; then fail "the exact phase's refusal came after pretraining"; else pass; fi
expect_reject "--plot: 'x.jpg' must end in .png or .svg" dbm train "$T" --hidden 4 --epochs 2 --plot x.jpg -o "$TMP/c.npz"
expect_reject "--plot draws the epochs of one run" dbm train "$T" --hidden 6,4 --epochs 3 --plot "$TMP/p.png" -o "$TMP/b.npz" --resume "$TMP/b.npz"
if command -v "${ZSUM_GNUPLOT:-gnuplot}" > /dev/null; then
  expect_ok dbm train "$T" --hidden 6,4 --epochs 2 --pretrain-epochs 5 --batch 20 --chains 20 --seed 4 -o "$TMP/n.npz" -q --plot "$TMP/p.svg"
  grep -q "ln Z mean field" "$TMP/p.svg" && pass || fail "the plot lacks its curves"
fi
# ---- sparsity targets, the per-update learning-rate decay, presets, --init-model --------------
# opts.py FILE.npz: the checkpoint's train_options, one per line (a float64 .npy read by hand)
cat > "$TMP/opts.py" <<'PY'
import struct, sys, zipfile
raw = zipfile.ZipFile(sys.argv[1]).read('train_options.npy')
hl = struct.unpack('<H', raw[8:10])[0]
body = raw[10 + hl:]
print('\n'.join(repr(x) for x in struct.unpack('<%dd' % (len(body) // 8), body)))
PY
S="--hidden 6,4 --pretrain-epochs 5 --batch 20 --chains 20 --seed 3 --sparsity-target 0.2,0.1 --sparsity-cost 0.05 --lr-divisor 1.001 --lr-min 0.0005"
expect_ok dbm train "$T" $S --epochs 4 -o "$TMP/s4.npz" --threads 1 -q
expect_ok dbm train "$T" $S --epochs 2 -o "$TMP/s2.npz" --threads 2 -q
expect_ok dbm train "$T" $S --epochs 4 -o "$TMP/s2.npz" --resume "$TMP/s2.npz" --threads 2 -q
python3 "$TMP/same.py" "$TMP/s4.npz" "$TMP/s2.npz" && pass || fail "resumed sparse training differs"
expect_ok dbm train "$T" --hidden 6,4 --pretrain-epochs 5 --batch 20 --chains 20 --seed 3 --epochs 4 -o "$TMP/s0.npz" -q
python3 "$TMP/same.py" "$TMP/s4.npz" "$TMP/s0.npz" 2>/dev/null && fail "sparsity changed nothing" || pass
python3 "$TMP/opts.py" "$TMP/s4.npz" | tail -6 | tr '\n' ' ' | grep -q "^1.001 0.0005 0.05 0.9 0.2 0.1 $" && pass || fail "checkpoint options: $(python3 "$TMP/opts.py" "$TMP/s4.npz" | tr '\n' ' ')"
expect_reject "trained with sparsity_cost = 0.05.*resume with the same options" dbm train "$T" $S --sparsity-cost 0.1 --epochs 5 -o "$TMP/s2.npz" --resume "$TMP/s2.npz"
expect_reject "trained with sparsity_target of hidden layer 2 = 0.1" dbm train "$T" $S --sparsity-target 0.2,0.3 --epochs 5 -o "$TMP/s2.npz" --resume "$TMP/s2.npz"
# a checkpoint of the first layout (12 options, no running means) resumes a run without them
python3 - "$TMP/a.npz" "$TMP/old.npz" <<'PY'
import struct, sys, zipfile
a = zipfile.ZipFile(sys.argv[1]); b = zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED)
for n in a.namelist():
    data = a.read(n)
    if n == 'train_sparsity_means.npy': continue
    if n == 'train_options.npy':
        hl = struct.unpack('<H', data[8:10])[0]
        vals = struct.unpack('<%dd' % ((len(data) - 10 - hl) // 8), data[10 + hl:])[:12]
        d = "{'descr': '<f8', 'fortran_order': False, 'shape': (12,), }"
        h = d + ' ' * ((64 - (10 + len(d) + 1) % 64) % 64) + '\n'
        data = b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + struct.pack('<12d', *vals)
    b.writestr(n, data)
b.close()
PY
cp "$TMP/old.npz" "$TMP/old2.npz"
expect_ok dbm train "$T" --hidden 6,4 --epochs 5 --pretrain-epochs 20 --pretrain-lr 0.1 --batch 20 --chains 20 --seed 3 -o "$TMP/old.npz" --resume "$TMP/old.npz" -q
expect_reject "train_options has 12 entries" dbm train "$T" --hidden 6,4 --epochs 5 --batch 20 --chains 20 --seed 3 --sparsity-cost 0.01 -o "$TMP/c.npz" --resume "$TMP/old2.npz"
expect_reject "--sparsity-target: '1.5' is not a list" dbm train "$T" --hidden 4 --epochs 2 --sparsity-target 1.5 -o "$TMP/c.npz"
expect_reject "--sparsity-target: '0' is not a list" dbm train "$T" --hidden 4 --epochs 2 --sparsity-target 0 -o "$TMP/c.npz"
expect_reject "--sparsity-target" dbm train "$T" --hidden 4 --epochs 2 --sparsity-target nan -o "$TMP/c.npz"
expect_reject "--sparsity-target has 3 values for 2 hidden layers" dbm train "$T" --hidden 6,4 --epochs 2 --sparsity-target 0.1,0.2,0.3 -o "$TMP/c.npz"
expect_reject "--sparsity-cost: '-1'" dbm train "$T" --hidden 4 --epochs 2 --sparsity-cost -1 -o "$TMP/c.npz"
expect_reject "--sparsity-damping: '1' is not in" dbm train "$T" --hidden 4 --epochs 2 --sparsity-damping 1 -o "$TMP/c.npz"
expect_reject "--lr-divisor: '0.5' must be >= 1" dbm train "$T" --hidden 4 --epochs 2 --lr-divisor 0.5 -o "$TMP/c.npz"
expect_reject "--lr-min: 'x'" dbm train "$T" --hidden 4 --epochs 2 --lr-min x -o "$TMP/c.npz"
expect_reject "--preset: 'hinton' is not a known preset \\(salakhutdinov, salakhutdinov-paper\\)" dbm train "$T" --hidden 4 --epochs 2 --preset hinton -o "$TMP/c.npz"
expect_reject "--sparsity-target has 2 values \\(the preset's\\) for 1 hidden layers" dbm train "$T" --hidden 4 --preset salakhutdinov -o "$TMP/c.npz"
[ ! -e "$TMP/c.npz" ] && pass || fail "a refused training wrote its output"
# the preset's values, with the options given on the command line over them
expect_ok dbm train "$T" --hidden 6,4 --preset salakhutdinov --epochs 1 --pretrain-epochs 1 --batch 20 --chains 20 --seed 3 -o "$TMP/p.npz" -q
python3 "$TMP/opts.py" "$TMP/p.npz" | tr '\n' ' ' | grep -q "^20.0 0.001 0.0 0.9 0.0002 20.0 5.0 10.0 1e-07 0.0 3.0 0.0 1.000015 0.0001 0.001 0.9 0.2 0.1 $" && pass || fail "preset options: $(python3 "$TMP/opts.py" "$TMP/p.npz" | tr '\n' ' ')"
# --init-model: joint training from a given model
expect_ok dbm train "$T" --hidden 6,4 --epochs 1 --pretrain-epochs 20 --pretrain-lr 0.1 --batch 20 --chains 20 --seed 3 -o "$TMP/i1.npz" -q
expect_ok dbm train "$T" --hidden 6,4 --epochs 2 --init-model "$TMP/i1.npz" --batch 20 --chains 20 --seed 3 -o "$TMP/i2.npz" -q
expect_reject "--init-model: '.*' has other layer sizes" dbm train "$T" --hidden 6,5 --epochs 2 --init-model "$TMP/i1.npz" -o "$TMP/c.npz"
expect_reject "--init-model starts joint training from a model; it excludes --pretrain-epochs" dbm train "$T" --hidden 6,4 --epochs 2 --init-model "$TMP/i1.npz" --pretrain-epochs 3 -o "$TMP/c.npz"
expect_reject "no-such" dbm train "$T" --hidden 6,4 --epochs 2 --init-model "$TMP/no-such.npz" -o "$TMP/c.npz"
[ ! -e "$TMP/c.npz" ] && pass || fail "a refused training wrote its output"

expect_reject "--max-seconds: '0' must be > 0" dbm lnz "$TMP/m.npz" --max-seconds 0
expect_reject "no-such" dbm lnz "$TMP/no-such.npz"
finish
