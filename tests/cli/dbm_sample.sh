# dbm_sample.sh — zsum dbm sample against the exact p(v) of a brute force over every layer
# computed here in plain Python, the same samples on 1 and 2 threads, starts from data; zsum
# dbm lnz --reverse: both sides of ln Z against the exact value, the RBM's numbers for one
# hidden layer, the warning when the sides disagree; every rejection.
. "$(dirname "$0")/lib.sh" "$@"

cat > "$TMP/mk.py" <<'EOF'
import math, random, sys
from zstest import lse, npy, npz, states

def model(seed, sizes, ws=1.0, bs=1.0):
    r = random.Random(seed)
    W = [[[ws * r.uniform(-1, 1) for j in range(sizes[l])] for i in range(sizes[l - 1])] for l in range(1, len(sizes))]
    b = [[bs * r.uniform(-1, 1) for j in range(n)] for n in sizes]
    return W, b

def save(path, W, b):
    arrays = [('W%d' % (l + 1), npy((len(w), len(w[0])), [x for row in w for x in row])) for l, w in enumerate(W)]
    arrays += [('b%d' % l, npy((len(v),), v)) for l, v in enumerate(b)]
    npz(path, arrays)

def negE(W, b, hs):
    e = sum(b[l][j] * hs[l][j] for l in range(len(b)) for j in range(len(b[l])))
    for l, w in enumerate(W):
        e += sum(hs[l][i] * w[i][j] * hs[l + 1][j] for i in range(len(w)) for j in range(len(w[0])))
    return e

def joint(sizes):
    for s in states(sum(sizes)):
        hs, k = [], 0
        for n in sizes:
            hs.append(s[k:k + n]); k += n
        yield hs

d = sys.argv[1]
W, b = model(1, [4, 3, 3], 1.5)
save(d + '/m.npz', W, b)
sizes = [4, 3, 3]
lw = {}
for hs in joint(sizes):
    k = tuple(hs[0])
    lw.setdefault(k, []).append(negE(W, b, hs))
lnz = lse([x for v in lw.values() for x in v])
print('%.17g' % lnz)
print(' '.join('%s:%.17g' % (''.join(map(str, k)), math.exp(lse(v) - lnz)) for k, v in sorted(lw.items())))
rows = [[1, 0, 1, 1], [0, 0, 0, 1], [1, 1, 1, 1]]
npz(d + '/d.npz', [('x', npy((3, 4), [float(x) for r in rows for x in r]))])
W1, b1 = model(3, [6, 5], 1.0)
save(d + '/one.npz', W1, b1)
npz(d + '/one_rbm.npz', [('W', npy((6, 5), [x for row in W1[0] for x in row])), ('vbias', npy((6,), b1[0])), ('hbias', npy((5,), b1[1]))])
Wh, bh = model(5, [10, 8, 6], 5.0)
save(d + '/hard.npz', Wh, bh)
npz(d + '/wide.npz', [('x', npy((2, 6), [0.0] * 12))])
npz(d + '/r6.npz', [('x', npy((3, 6), [float((i * 7 + q) % 3 == 0) for q in range(3) for i in range(6)]))])
EOF
cat > "$TMP/rows.py" <<'EOF'
import ast, struct, sys
def load(p):
    b = open(p, 'rb').read()
    n = struct.unpack('<H', b[8:10])[0]
    h = ast.literal_eval(b[10:10 + n].decode())
    assert h['descr'] == '|u1', h
    r, c = h['shape']
    x = b[10 + n:]
    assert len(x) == r * c
    return [list(x[i * c:(i + 1) * c]) for i in range(r)]
EOF

refs=$(cd "$TMP" && python3 mk.py "$TMP") || { echo "mk.py failed"; exit 1; }
lnz_m=$(echo "$refs" | sed -n 1p)
pv=$(echo "$refs" | sed -n 2p)

# ---- sample: the empirical p(v) of 20000 chains against the exact one ---------------------
expect_ok dbm sample "$TMP/m.npz" --chains 20000 --steps 30 --seed 4 -o "$TMP/s.npy" --threads 2
expect_out "^20000 samples after 30 Gibbs sweeps \(seed 4\) written to .*s.npy$"
# Pearson's chi-square over the 16 states of v (15 degrees of freedom; P(> 50) = 1.1e-5)
chi=$(cd "$TMP" && python3 -c "
from rows import load
x = load('s.npy')
assert len(x) == 20000 and all(len(r) == 4 and set(r) <= {0, 1} for r in x)
p = dict((k, float(v)) for k, v in (t.split(':') for t in '$pv'.split()))
c = {}
for r in x:
    k = ''.join(map(str, r)); c[k] = c.get(k, 0) + 1
print(sum((c.get(k, 0) - 20000 * q) ** 2 / (20000 * q) for k, q in p.items()))")
if python3 -c "import sys; sys.exit(0 if $chi < 50 else 1)"; then pass; else fail "chi-square $chi over 16 states"; fi
# the same samples on one thread
expect_ok dbm sample "$TMP/m.npz" --chains 20000 --steps 30 --seed 4 -o "$TMP/s1.npy" --threads 1 -q
if cmp -s "$TMP/s.npy" "$TMP/s1.npy"; then pass; else fail "samples differ between 1 and 2 threads"; fi
[ ! -s "$TMP/out" ] && pass || fail "-q printed $(cat "$TMP/out")"
# starts from data: 0 sweeps leave row c mod 3
expect_ok dbm sample "$TMP/m.npz" --chains 7 --steps 0 --seed 1 --init "data:$TMP/d.npz" -o "$TMP/s0.npy"
if (cd "$TMP" && python3 -c "
from rows import load
rows = [[1, 0, 1, 1], [0, 0, 0, 1], [1, 1, 1, 1]]
assert load('s0.npy') == [rows[c % 3] for c in range(7)]"); then pass; else fail "--init data: rows"; fi
# an image of p(v | h1)
expect_ok dbm sample "$TMP/m.npz" --chains 4 --steps 10 --seed 1 --shape 2x2 --scale 3 -o "$TMP/s.png"
if head -c 8 "$TMP/s.png" | od -An -tx1 | grep -q "89 50 4e 47"; then pass; else fail "s.png is not a PNG"; fi

# ---- sample: rejections -------------------------------------------------------------------
expect_reject "-o FILE.npy\|FILE.png is required" dbm sample "$TMP/m.npz" --chains 4
expect_reject "-o '.*s.txt' must end in .npy or .png" dbm sample "$TMP/m.npz" -o "$TMP/s.txt"
expect_reject "--shape and --scale shape an image" dbm sample "$TMP/m.npz" --shape 2x2 -o "$TMP/s.npy"
expect_reject "--chains: '0' is not in 1..1000000" dbm sample "$TMP/m.npz" --chains 0 -o "$TMP/s.npy"
expect_reject "--steps" dbm sample "$TMP/m.npz" --steps -1 -o "$TMP/s.npy"
expect_reject "--init: 'x' is not random or data:DATA" dbm sample "$TMP/m.npz" --init x -o "$TMP/s.npy"
expect_reject "shape mismatch.*4 visible units" dbm sample "$TMP/m.npz" --init "data:$TMP/wide.npz" -o "$TMP/s.npy"
expect_reject "would take about .* over --max-seconds 1; use fewer --chains" dbm sample "$TMP/m.npz" --chains 1000000 --steps 100000000 --max-seconds 1 -o "$TMP/s.npy"
expect_reject "-o: cannot write" dbm sample "$TMP/m.npz" -o "$TMP/no/such/dir/s.npy"
expect_reject "--shape 3x3 has 9 pixels but the model has 4" dbm sample "$TMP/m.npz" --shape 3x3 -o "$TMP/s.png"
expect_reject "unexpected argument|expected MODEL" dbm sample "$TMP/m.npz" "$TMP/d.npz" -o "$TMP/s.npy"
[ ! -e "$TMP/no" ] && pass || fail "a rejected run left files"

# ---- lnz --reverse: both sides of ln Z ----------------------------------------------------
for rev in pt "data:$TMP/d.npz"; do
  expect_ok dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000 --base uniform --reverse "$rev" --pt-sweeps 200 --format json
  expect_json "d['reverse'] == '$rev' and (d['sandwich_lo'] <= $lnz_m <= d['sandwich_hi'] or not d['sides_agree']) and d['lnZ_reverse_lo'] <= d['lnZ_reverse'] <= d['lnZ_reverse_hi'] and d['sandwich_lo'] == min(d['lnZ_lo'], d['lnZ_reverse_lo'])"
  expect_json "d['lnZ_reverse_lo'] <= $lnz_m <= d['lnZ_reverse_hi'] and d['reverse_ess'] > 50"
done
expect_json "'pt_swap_min' not in d"
# the forward side is the one without --reverse, to the last digit
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000 --base uniform --pt-sweeps 200 --reverse pt --format json
fwd=$(python3 -c "import json; d=json.load(open('$TMP/out')); print(repr(d['lnZ']), repr(d['lnZ_hi']))")
expect_json "d['pt_temperatures'] == 50 and d['pt_sweeps'] == 200 and 0 < d['pt_swap_min'] <= 1"
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000 --base uniform --format json
expect_json "'%r %r' % (d['lnZ'], d['lnZ_hi']) == '$fwd' and 'reverse' not in d"
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000 --base uniform --reverse none --format json
expect_json "d['reverse'] == 'none' and 'lnZ_reverse' not in d and 'sides_agree' not in d"
# one hidden layer: zsum rbm lnz's numbers, to the last digit
expect_ok rbm lnz "$TMP/one_rbm.npz" --ais --seed 3 --schedule linear:500 --base uniform --reverse pt --pt-sweeps 100 --format json
rbm_sw=$(python3 -c "import json; d=json.load(open('$TMP/out')); print(' '.join(repr(d[k]) for k in ('lnZ', 'lnZ_reverse', 'lnZ_reverse_lo', 'lnZ_reverse_hi', 'reverse_ess', 'sandwich_lo', 'sandwich_hi', 'pt_swap_min')))")
expect_ok dbm lnz "$TMP/one.npz" --ais --seed 3 --schedule linear:500 --base uniform --reverse pt --pt-sweeps 100 --format json
expect_json "' '.join(repr(d[k]) for k in ('lnZ', 'lnZ_reverse', 'lnZ_reverse_lo', 'lnZ_reverse_hi', 'reverse_ess', 'sandwich_lo', 'sandwich_hi', 'pt_swap_min')) == '$rbm_sw'"
# and from data rows (v is the whole even set)
npz_rows=$TMP/r6.npz
expect_ok rbm lnz "$TMP/one_rbm.npz" --ais --seed 3 --schedule linear:500 --base uniform --reverse "data:$npz_rows" --format json
rbm_sw=$(python3 -c "import json; d=json.load(open('$TMP/out')); print(' '.join(repr(d[k]) for k in ('lnZ', 'lnZ_reverse', 'lnZ_reverse_lo', 'lnZ_reverse_hi', 'reverse_ess', 'sandwich_lo', 'sandwich_hi', 'sides_agree')))")
expect_ok dbm lnz "$TMP/one.npz" --ais --seed 3 --schedule linear:500 --base uniform --reverse "data:$npz_rows" --format json
expect_json "' '.join(repr(d[k]) for k in ('lnZ', 'lnZ_reverse', 'lnZ_reverse_lo', 'lnZ_reverse_hi', 'reverse_ess', 'sandwich_lo', 'sandwich_hi', 'sides_agree')) == '$rbm_sw'"
# loglik: the same sides, the forward one from DATA's base rate
expect_ok dbm loglik "$TMP/m.npz" "$TMP/d.npz" --ais --seed 2 --schedule linear:1000 --reverse pt --pt-sweeps 200 --format json
expect_json "d['base'] == 'data:$TMP/d.npz' and d['reverse'] == 'pt' and (d['sandwich_lo'] <= $lnz_m <= d['sandwich_hi'] or not d['sides_agree']) and d['n'] == 3"
# a strong model and 2 temperatures: the sides disagree, and the output says so
run dbm lnz "$TMP/hard.npz" --ais --seed 1 --schedule linear:2 --base uniform --reverse pt --pt-sweeps 50 --format json
[ "$status" -eq 0 ] && pass || fail "hard.npz exited $status"
expect_json "d['sides_agree'] is False and 'disagree by more than their bands' in d['sides_warning']"
grep -q "zsum: warning: the forward (lower) estimate .* disagree by more than their bands: ln Z is unreliable" "$TMP/err" && pass || fail "no warning on stderr: $(cat "$TMP/err")"
run dbm lnz "$TMP/hard.npz" --ais --seed 1 --schedule linear:2 --base uniform --reverse pt --pt-sweeps 50
grep -qE "^sides_agree +false" "$TMP/out" && pass || fail "table: $(cat "$TMP/out")"

# ---- the data-free default: the PT base, with the reverse side -------------------------------
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000 --format json
expect_json "d['base'] == 'pt' and d['reverse'] == 'pt' and d['pt_sweeps'] == 1000 and d['pt_temperatures'] == 50 and 0 < d['pt_swap_min'] <= 1"
expect_json "(d['sandwich_lo'] <= $lnz_m <= d['sandwich_hi'] or not d['sides_agree']) and abs(d['lnZ'] - $lnz_m) < 0.05"
fwd=$(python3 -c "import json; d=json.load(open('$TMP/out')); print(repr(d['lnZ']), repr(d['lnZ_hi']), repr(d['pt_swap_min']))")
# the forward side alone is the same run; the base's PT also serves a reverse side from data
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000 --base pt --reverse none --format json
expect_json "'%r %r %r' % (d['lnZ'], d['lnZ_hi'], d['pt_swap_min']) == '$fwd' and d['reverse'] == 'none' and 'lnZ_reverse' not in d"
expect_ok dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000 --base pt --reverse "data:$TMP/d.npz" --format json
expect_json "'%r %r %r' % (d['lnZ'], d['lnZ_hi'], d['pt_swap_min']) == '$fwd' and d['reverse'] == 'data:$TMP/d.npz'"
run dbm lnz "$TMP/m.npz" --ais --seed 2 --schedule linear:1000
grep -qE "^base +pt$" "$TMP/out" && grep -qE "^reverse +pt$" "$TMP/out" && pass || fail "table: $(cat "$TMP/out")"
# loglik: the data's base rate stays its default; --base pt asks for the data-free one
expect_ok dbm loglik "$TMP/m.npz" "$TMP/d.npz" --ais --seed 2 --schedule linear:1000 --base pt --format json
expect_json "d['base'] == 'pt' and d['reverse'] == 'pt' and d['loglik_sandwich_lo'] <= d['loglik_sandwich_hi']"
# one hidden layer: zsum rbm lnz's data-free default, to the last digit
expect_ok rbm lnz "$TMP/one_rbm.npz" --ais --seed 3 --schedule linear:500 --format json
rbm_pt=$(python3 -c "import json; d=json.load(open('$TMP/out')); assert d['base'] == 'pt'; print(' '.join(repr(d[k]) for k in ('lnZ', 'lnZ_lo', 'lnZ_hi', 'ess', 'lnZ_reverse', 'lnZ_reverse_lo', 'lnZ_reverse_hi', 'sandwich_lo', 'sandwich_hi', 'pt_sweeps', 'pt_swap_min')))")
expect_ok dbm lnz "$TMP/one.npz" --ais --seed 3 --schedule linear:500 --format json
expect_json "' '.join(repr(d[k]) for k in ('lnZ', 'lnZ_lo', 'lnZ_hi', 'ess', 'lnZ_reverse', 'lnZ_reverse_lo', 'lnZ_reverse_hi', 'sandwich_lo', 'sandwich_hi', 'pt_sweeps', 'pt_swap_min')) == '$rbm_pt'"
# over 20 seeds with a short schedule: the exact value between the sides, or the output says
# they disagree
# (10 seeds, at least 9, under the sanitizers; the plain run checks 20)
seeds=20
[ -n "${ZSUM_SANITIZED:-}" ] && seeds=10
python3 - "$TMP" "$lnz_m" "$seeds" "$ZSUM" <<'PY' && pass || fail "PT base over $seeds seeds"
import json, subprocess, sys
tmp, exact, seeds, zsum = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
ok = 0
for seed in range(1, seeds + 1):
    d = json.loads(subprocess.run(zsum + ['dbm', 'lnz', tmp + '/m.npz', '--ais', '--seed', str(seed), '--schedule',
                                          'linear:200', '--pt-sweeps', '200', '--format', 'json'],
                                  capture_output=True, text=True, check=True).stdout)
    assert d['base'] == 'pt' and d['reverse'] == 'pt', d
    ok += d['sandwich_lo'] <= exact <= d['sandwich_hi'] or (not d['sides_agree'] and 'sides_warning' in d)
print('PT base: %d of %d seeds hold the exact value or say the sides disagree' % (ok, seeds))
assert ok >= (9 * seeds + 9) // 10        # 18 of 20, 9 of 10
PY

# ---- lnz --reverse: rejections ------------------------------------------------------------
expect_reject "--reverse: 'x' is not pt, none or data:FILE" dbm lnz "$TMP/m.npz" --ais --reverse x
expect_reject "--reverse: 'data:' is not pt, none or data:FILE" dbm lnz "$TMP/m.npz" --ais --reverse data:
expect_reject "--reverse is an AIS option" dbm lnz "$TMP/m.npz" --exact --reverse pt
expect_reject "--pt-sweeps is an AIS option" dbm lnz "$TMP/m.npz" --exact --pt-sweeps 10
expect_reject "--pt-sweeps: '1' is not in 2..100000000" dbm lnz "$TMP/m.npz" --ais --reverse pt --pt-sweeps 1
expect_reject "--pt-temperatures: '1' is not in 2..100000" dbm lnz "$TMP/m.npz" --ais --reverse pt --pt-temperatures 1
expect_reject "shape mismatch.*4 visible units" dbm lnz "$TMP/m.npz" --ais --reverse "data:$TMP/wide.npz"
expect_reject "no/such" dbm lnz "$TMP/m.npz" --ais --reverse "data:$TMP/no/such.npy"

finish
