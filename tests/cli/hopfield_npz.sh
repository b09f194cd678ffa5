# hopfield_npz.sh — NET.npz and .npy patterns through NumPy: J read back by numpy equals the
# Hebbian rule computed here by numpy; .npy patterns (±1, 0/1, images); malformed networks and
# pattern arrays are refused with the entry named. Skipped when no Python has NumPy.
. "$(dirname "$0")/lib.sh" "$@"
ZSUM=$(cd "$(dirname "$ZSUM")" && pwd)/$(basename "$ZSUM")
cd "$TMP"

PY=
for c in /usr/bin/python3 python3; do
  if "$c" -c 'import numpy' 2> /dev/null; then PY=$c; break; fi
done
if [ -z "$PY" ]; then echo "SKIP: no python3 with NumPy (apt-get install python3-numpy)"; exit 77; fi

"$PY" - <<'EOF'
import numpy as np
rng = np.random.default_rng(5)
x = rng.choice([-1, 1], size=(6, 40)).astype(np.int8)
np.save("pm.npy", x)
np.save("p01.npy", ((x + 1) // 2).astype(np.uint8))
np.save("pf.npy", x.astype(np.float64))
img = rng.choice([-1, 1], size=(3, 4, 5)).astype(np.float32)
np.save("img.npy", img)
with open("pm.txt", "w") as f:
    for row in x:
        f.write(" ".join(str(v) for v in row) + "\n")
bad = x.astype(np.float64); bad[2, 7] = np.nan
np.save("nan.npy", bad)
bad = x.astype(np.float64); bad[1, 3] = np.inf
np.save("inf.npy", bad)
bad = x.astype(np.float64); bad[4, 9] = 2
np.save("two.npy", bad)
bad = x.astype(np.float64); bad[0, 0] = 0
np.save("mixed.npy", bad)
np.save("cube.npy", np.ones((2, 2, 2, 2)))
J = np.zeros((4, 4))
np.savez("nonsquare.npz", J=np.zeros((3, 4)))
A = np.array([[0, 1, 2], [1, 0, 3], [2, 3.5, 0]])
np.savez("asym.npz", J=A)
D = np.array([[0, 1], [1, 0.25]])
np.savez("diag.npz", J=D)
N = np.array([[0, np.nan], [np.nan, 0]])
np.savez("nanj.npz", J=N)
np.savez("noj.npz", W=np.zeros((2, 2)))
np.savez("nopat.npz", J=np.zeros((3, 3)))
np.savez("badpat.npz", J=np.zeros((3, 3)), patterns=np.ones((2, 4), dtype=np.int8))
np.savez("badval.npz", J=np.zeros((3, 3)), patterns=np.array([[1, -1, 3]], dtype=np.int8))
EOF

check() {  # check PYTHON_EXPR: numpy assertion over the files in $TMP
  if "$PY" -c "import numpy as np, sys
$1" 2> "$TMP/pyerr"; then pass; else fail "numpy check failed: $1 $(head -c 300 "$TMP/pyerr")"; fi
}

expect_ok hopfield store pm.npy -o net.npz
expect_out 'stored 6 patterns of 40 units'
check "
z = np.load('net.npz'); x = np.load('pm.npy').astype(np.int64)
K = x.T @ x; np.fill_diagonal(K, 0); J = K / 40.0
assert z['J'].dtype == np.float64 and z['J'].shape == (40, 40)
assert np.array_equal(z['J'], J), abs(z['J'] - J).max()
assert z['patterns'].dtype == np.int8 and np.array_equal(z['patterns'], x)
assert 'shape' not in z.files"
# The same patterns as text, as 0/1 and as float64 give the same network.
for f in pm.txt p01.npy pf.npy; do
  expect_ok hopfield store $f -o other.npz
  check "assert np.array_equal(np.load('other.npz')['J'], np.load('net.npz')['J'])"
done
# Recall energy against numpy: E = -1/2 s^T J s.
expect_ok hopfield recall net.npz --probe 2 --flip 0.2 --seed 9 --format json
cp "$TMP/out" r.json
check "
import json
d = json.load(open('r.json')); J = np.load('net.npz')['J']; x = np.load('pm.npy')
s = np.array([1 if c == '+' else -1 for c in d['state']])
assert abs(-0.5 * s @ J @ s - d['energy']) < 1e-12
assert np.allclose(x @ s / 40.0, d['overlaps'], rtol=0, atol=1e-15)"
# Images (P, rows, cols) keep their shape.
expect_ok hopfield store img.npy -o img.npz --format json
expect_json 'd["p"] == 3 and d["n"] == 20 and d["shape"] == [4, 5]'
check "z = np.load('img.npz'); assert list(z['shape']) == [4, 5]"
expect_ok hopfield recall img.npz --probe 0 --seed 1 -o out.pbm
expect_out '^[+-]{5}$'

# ---- rejections ----
expect_reject 'nan.npy: entry \(2, 7\) = nan is not finite' hopfield store nan.npy -o x.npz
expect_reject 'inf.npy: entry \(1, 3\) = inf is not finite' hopfield store inf.npy -o x.npz
expect_reject 'two.npy: entry \(4, 9\) = 2 is not a pattern value' hopfield store two.npy -o x.npz
expect_reject 'mixed.npy: entry \(0, 0\) is 0 but entry' hopfield store mixed.npy -o x.npz
expect_reject 'cube.npy: array of shape \(2, 2, 2, 2\)' hopfield store cube.npy -o x.npz
expect_reject 'nonsquare.npz: J has shape \(3, 4\); it must be a square' hopfield recall nonsquare.npz --probe 0
expect_reject 'asym.npz: J: not symmetric: entry \(1,2\) = 3 but \(2,1\) = 3.5' hopfield recall asym.npz --probe 0
expect_reject 'diag.npz: J: diagonal entry \(1,1\) = 0.25 is not zero' hopfield recall diag.npz --probe 0
expect_reject 'nanj.npz: J: entry \(0,1\) = nan is not finite' hopfield recall nanj.npz --probe 0
expect_reject 'noj.npz.*J' hopfield recall noj.npz --probe 0
expect_reject 'badpat.npz: patterns has shape \(2, 4\)' hopfield recall badpat.npz --probe 0
expect_reject 'badval.npz: patterns entry \(0, 2\) = 3 is not -1 or \+1' hopfield recall badval.npz --probe 0
printf '+-+\n' > three.txt
expect_reject 'stores no patterns; give a pattern file' hopfield recall nopat.npz --probe 0
# Without patterns a probe file still runs (J = 0: every field is a tie, nothing changes).
expect_ok hopfield recall nopat.npz --probe three.txt --format json
expect_json 'd["p"] == 0 and d["state"] == "+-+" and d["converged"] and d["best"] is None'
finish
