# bm.sh — zsum bm: exact ln Z of Boltzmann machines from .npz against a brute force written
# here in Python, random machines, sampling, and every rejection.
. "$(dirname "$0")/lib.sh" "$@"
PY=/usr/bin/python3
if ! "$PY" -c "import numpy" 2> /dev/null; then
    echo "SKIP: /usr/bin/python3 with numpy is needed to write .npz test models"
    exit 77
fi

"$PY" - "$TMP" <<'PY'
import numpy as np, sys
t = sys.argv[1]
rng = np.random.default_rng(5)
n = 10
W = rng.normal(size=(n, n)) * 0.7; W = (W + W.T) / 2; np.fill_diagonal(W, 0)
b = rng.normal(size=n) * 0.5
np.savez(f"{t}/ok.npz", W=W, b=b)
np.savez(f"{t}/nob.npz", W=W)
A = W.copy(); A[2, 5] += 0.25
np.savez(f"{t}/asym.npz", W=A, b=b)
D = W.copy(); D[3, 3] = 1.0
np.savez(f"{t}/diag.npz", W=D, b=b)
N = W.copy(); N[1, 4] = N[4, 1] = np.nan
np.savez(f"{t}/nan.npz", W=N, b=b)
np.savez(f"{t}/rect.npz", W=np.zeros((3, 4)), b=np.zeros(3))
np.savez(f"{t}/blen.npz", W=W, b=np.zeros(n + 1))
np.savez(f"{t}/noW.npz", b=b)
np.savez(f"{t}/int.npz", W=np.array([[0, 1, -1], [1, 0, 2], [-1, 2, 0]], dtype=np.int64), b=np.array([1, 0, -1]))
# brute force of E(x) = -sum_{i<j} W x x - b x over x in {0,1}^n, for W, (A+A^T)/2, and int
def brute(W, b, beta):
    n = len(b); xs = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(float)
    E = -0.5*np.einsum('si,ij,sj->s', xs, W, xs) - xs @ b
    l = -beta*E; mx = l.max(); w = np.exp(l - mx); z = w.sum(); p = w/z
    U = (p*E).sum(); C = beta**2*((p*E*E).sum() - U*U)
    M = (2*xs - 1).sum(1); m = (p*M).sum()
    return mx + np.log(z), U, C, m, (p*abs(M)).sum(), beta*((p*M*M).sum() - m*m)
with open(f"{t}/want", "w") as f:
    print(*brute(W, b, 0.8), file=f)
    print(*brute((A + A.T)/2, b, 0.8), file=f)
    print(*brute(W, np.zeros(n), 1.0), file=f)
# the DOS of the integer machine
W3 = np.array([[0, 1, -1], [1, 0, 2], [-1, 2, 0]]); b3 = np.array([1, 0, -1])
from collections import Counter
cnt = Counter()
for s in range(8):
    x = np.array([(s >> i) & 1 for i in range(3)])
    cnt[int(-0.5*x @ W3 @ x - b3 @ x)] += 1
with open(f"{t}/dos", "w") as f:
    print(dict(sorted(cnt.items())), file=f)
PY
read -r L U C M A X < <(sed -n 1p "$TMP/want")
expect_ok bm logz "$TMP/ok.npz" --beta 0.8 --format json
expect_json "d['method'] == 'enumerate' and d['n'] == 10 and abs(d['lnZ'] - $L) < 1e-11 and abs(d['U'] - ($U)) < 1e-10 and abs(d['C'] - $C) < 1e-9"
expect_json "abs(d['M'] - ($M)) < 1e-10 and abs(d['absM'] - $A) < 1e-10 and abs(d['chi'] - $X) < 1e-9"
expect_json "abs(d['S'] - (0.8*d['U'] + d['lnZ'])) < 1e-9"
read -r L U C M A X < <(sed -n 2p "$TMP/want")
expect_ok bm logz "$TMP/asym.npz" --symmetrize --beta 0.8 --format json
expect_json "abs(d['lnZ'] - $L) < 1e-11 and abs(d['U'] - ($U)) < 1e-10"
read -r L U C M A X < <(sed -n 3p "$TMP/want")
expect_ok bm logz "$TMP/nob.npz" --format csv
expect_out "^Boltzmann machine from [^,]*,10,1,enumerate,$(printf '%s' "$L" | cut -c1-10)"
expect_ok bm logz "$TMP/int.npz" --dos --format json
expect_json "{e['energy']: int(e['count']) for e in d['dos']} == $(cat "$TMP/dos")"

# Random machines: the same seed gives the same model; ln Z of its UAI export by brute force
expect_ok bm logz --random 12 --seed 4 --format json --write-uai "$TMP/r.uai"
expect_json "d['model'].endswith('model seed 4')"
LZ=$(python3 -c "import json; print(json.load(open('$TMP/out'))['lnZ'])")
UZ=$("$PY" -c "
import numpy as np, itertools, math
t = open('$TMP/r.uai').read().split(); p = 1; n = int(t[p]); p += 1 + n; nf = int(t[p]); p += 1
sc = []
for _ in range(nf):
    k = int(t[p]); sc.append([int(x) for x in t[p+1:p+1+k]]); p += 1 + k
tb = []
for _ in range(nf):
    k = int(t[p]); tb.append([float(x) for x in t[p+1:p+1+k]]); p += 1 + k
z = 0.0
for x in itertools.product((0, 1), repeat=n):
    w = 1.0
    for s, v in zip(sc, tb):
        i = 0
        for q in s: i = 2*i + x[q]
        w *= v[i]
    z += w
print(math.log(z))")
# the UAI file is the +-1 model without its constant: ln Z = ln Z_uai - beta * offset, and
# that constant is the same for both, so compare through the difference ln Z(beta=1) - ln Z_uai
# and with the offset the export names, ln Z of the file (zsum uai) is the model's ln Z
expect_ok bm logz --random 12 --seed 4 --beta 0.7 --format json --write-uai "$TMP/r7.uai"
LZ7=$(python3 -c "import json; print(json.load(open('$TMP/out'))['lnZ'])")
BE=$(sed -n 's/.*beta E0 = \(.*\)$/\1/p' "$TMP/err")
expect_ok uai "$TMP/r7.uai" --format json
UZ7=$(python3 -c "import json; print(json.load(open('$TMP/out'))['lnZ'] - ($BE))")
if near "$UZ7" "$LZ7" 1e-12; then pass; else fail "bm: zsum uai ln Z - beta E0 = $UZ7 != $LZ7"; fi
expect_reject "sample: --write-uai belongs to the exact computation" bm sample --random 5 --write-uai "$TMP/s.uai"
expect_ok bm logz --random 12 --seed 4 --beta 0 --format json
L0=$(python3 -c "import json; print(json.load(open('$TMP/out'))['lnZ'])")
if near "$L0" "$(python3 -c "import math; print(12*math.log(2))")" 1e-14; then pass; else fail "beta 0: ln Z = $L0"; fi
expect_ok bm logz --random 12 --seed 4 --threads 1 --format json
cp "$TMP/out" "$TMP/t1"
expect_ok bm logz --random 12 --seed 4 --threads 2 --format json
if cmp -s "$TMP/out" "$TMP/t1"; then pass; else fail "logz differs between 1 and 2 threads"; fi

# Sampling a machine: estimates within 5 error bars of the brute force (seeded, deterministic)
read -r L U C M A X < <(sed -n 1p "$TMP/want")
expect_ok bm sample "$TMP/ok.npz" --beta 0.8 --sweeps 6400 --seed 2 --format json
expect_json "abs(d['U']['estimate'] - ($U)) < 4*d['U']['error'] and abs(d['M']['estimate'] - ($M)) < 4*d['M']['error']"
expect_ok bm sample --random 8 --model-seed 3 --seed 9 --algorithm heatbath --sweeps 320
expect_out "heatbath"
# One --seed names one model in every mode: sample's estimates match logz's exact values
expect_ok bm logz --random 10 --seed 6 --beta 0.5 --format json
expect_json "d['model'].endswith('model seed 6')"
UX=$(python3 -c "import json; print(json.load(open('$TMP/out'))['U'])")
expect_ok bm sample --random 10 --seed 6 --beta 0.5 --sweeps 6400 --format json
expect_json "d['mixed'] in (True, False) and 'rhat' in d['U'] and 'binder' in d"
expect_json "d['model'].endswith('model seed 6') and abs(d['U']['estimate'] - ($UX)) < 5*d['U']['error']"

# Rejections
expect_reject "not symmetric: entry \(2,5\).*--symmetrize" bm logz "$TMP/asym.npz"
expect_reject "diagonal entry \(3,3\)" bm logz "$TMP/diag.npz"
expect_reject "entry \(1,4\) = nan is not finite" bm logz "$TMP/nan.npz"
expect_reject "W has shape \(3, 4\); a square" bm logz "$TMP/rect.npz"
expect_reject "b has shape \(11,\)" bm logz "$TMP/blen.npz"
expect_reject "W" bm logz "$TMP/noW.npz"
expect_reject "" bm logz "$TMP/absent.npz"
expect_reject "too many for enumeration \(at most 62\).*use sampling" bm logz --random 63
# Past 36 spins the refusal is by the estimated time at hand (threads x processes), printed.
expect_reject "method enumerate: 2\^48 states of 48 spins take about 3.3 days on 1 thread, over the limit of 3600 s; use sampling .*or more processes \(zsum-mpi\)" bm logz --random 48 --threads 1
expect_reject "no transfer method" bm logz --random 8 --method transfer
expect_reject "not both" bm logz "$TMP/ok.npz" --random 5
expect_reject "MODEL.npz or --random N is needed" bm logz
expect_reject "out of range 1..4096" bm logz --random 0
expect_reject "only with --random" bm logz "$TMP/ok.npz" --model-seed 3
expect_reject "a subcommand is needed" bm
expect_reject "unknown subcommand" bm fit x.npz
expect_reject "unknown option" bm logz --random 5 --bogus
expect_reject "needs integer couplings" bm logz "$TMP/ok.npz" --dos
expect_reject "Wolff clusters need" bm sample "$TMP/ok.npz" --algorithm wolff
expect_ok bm --help
expect_out "usage: zsum bm"
# --max-seconds bounds the exact enumeration too: its estimate is 2^n / 1e9 s per thread
# (zs_pairwise_enumerate_seconds), so 24 spins on one thread are 0.017 s, over 0.001 and
# under 10 (where the answer is the one without a limit)
expect_reject '2\^24 states of 24 spins take about 0.017 seconds on 1 thread, over the limit of 0.001 s' \
    bm lnz --random 24 --seed 2 --threads 1 --max-seconds 0.001
expect_ok bm lnz --random 16 --seed 2 --format json
cp "$TMP/out" "$TMP/nolimit.json"
expect_ok bm lnz --random 16 --seed 2 --format json --max-seconds 10
if cmp -s "$TMP/out" "$TMP/nolimit.json"; then pass; else fail "--max-seconds 10 changed the result"; fi
finish
