# edges.sh — valid input at the edges: every printed number of levels, ising and bm at beta
# from 0 to 1e6 and beyond, couplings up to 1e3 and beyond, held to an independent reference
# (brute force over every state in log space, the two-level closed form, the chain's
# transfer-matrix closed form) or to a documented refusal; never nan, null or a negative
# heat capacity or entropy with exit 0.
. "$(dirname "$0")/lib.sh" "$@"

# check.py KIND ARGS: runs zsum --format json and compares with the reference.
cat > "$TMP/check.py" <<'EOF'
import itertools, json, math, subprocess, sys

zsum = sys.argv[1]

def lse_stats(levels, beta):
    """levels: {(E, M): count}. ln Z, U, S, C, <M>, <|M|>, chi computed around the ground
    energy E0 (ln Z = -beta E0 + ln sum g e^{-beta (E - E0)}), so nothing cancels."""
    e0 = min(e for e, _ in levels)
    ws = [(g * math.exp(-beta * (e - e0)) if beta * (e - e0) < 745 else 0.0, e, m)
          for (e, m), g in levels.items()]
    z = sum(w for w, _, _ in ws)
    de = sum(w * (e - e0) for w, e, _ in ws) / z
    var = sum(w * (e - e0 - de) ** 2 for w, e, _ in ws) / z
    mm = sum(w * m for w, _, m in ws) / z
    am = sum(w * abs(m) for w, _, m in ws) / z
    vm = sum(w * (m - mm) ** 2 for w, _, m in ws) / z
    return {"lnZ": -beta * e0 + math.log(z), "U": e0 + de, "S": beta * de + math.log(z),
            "C": beta * beta * var if var > 0 else 0.0, "M": mm, "absM": am, "chi": beta * vm}

def ising_levels(rows, cols, periodic, j, h):
    bonds = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols: bonds.append((i, i + 1))
            elif periodic and cols > 2: bonds.append((i, r * cols))
            if r + 1 < rows: bonds.append((i, i + cols))
            elif periodic and rows > 2: bonds.append((i, c))
    n = rows * cols
    lv = {}
    for s in itertools.product((1, -1), repeat=n):
        e = -j * sum(s[a] * s[b] for a, b in bonds) - h * sum(s)
        key = (e, sum(s))
        lv[key] = lv.get(key, 0) + 1
    return lv

def zjson(args):
    p = subprocess.run([zsum] + args + ["--format", "json"], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr

bad = 0
def close(what, got, want, rel, ab=0.0):
    global bad
    if got is None or not isinstance(got, (int, float)) or math.isnan(got) or \
            abs(got - want) > ab + rel * abs(want):
        print(f"FAIL {what}: got {got}, want {want}")
        bad += 1

def check_pairwise(args, lv, beta, keys, tol):
    global bad
    rc, out, err = zjson(args)
    if rc != 0:
        print(f"FAIL zsum {' '.join(args)} exited {rc}: {err.strip()}"); bad += 1; return
    d = json.loads(out)
    ref = lse_stats(lv, beta)
    eps = 2.3e-16
    for k in keys:
        ab = {"lnZ": 1e-12, "U": 1e-12, "M": 1e-10, "absM": 1e-10, "C": 1e-12, "chi": 1e-12}.get(k, 1e-10)
        if k == "S" and d["method"] == "enumerate":
            # S = beta U + ln Z where a method cannot give it directly: error ~ eps |beta U|
            ab += 8 * eps * (abs(beta * ref["U"]) + abs(ref["lnZ"]))
        close(f"{' '.join(args)} {k}", d.get(k), ref[k], tol, ab)
        if k in ("C", "S") and isinstance(d.get(k), (int, float)) and d[k] < 0:
            print(f"FAIL {' '.join(args)}: {k} = {d[k]} < 0"); bad += 1

kind = sys.argv[2]
if kind == "ising":
    # lattices: open 3x4 and a 4x4 torus, by enumeration and by the transfer matrix
    for rows, cols, per in ((3, 4, False), (4, 4, True)):
        for j, h in ((1.0, 0.0), (1.0, 0.1), (-1.0, 0.5), (1e3, 0.0), (1e3, 7.0)):
            lv = ising_levels(rows, cols, per, j, h)
            for beta in (0.0, 1e-3, 0.44, 1.0, 5.0, 20.0, 400.0, 1e6):
                if beta * 16 * 2 * (abs(j) + abs(h)) > 1e60: continue
                for method in ("enumerate", "transfer"):
                    args = ["ising", "--size", f"{rows}x{cols}", "--J", repr(j), "--h", repr(h),
                            "--beta", repr(beta), "--method", method] + ([] if per else ["--open"])
                    keys = ["lnZ", "U", "S", "C", "M", "absM", "chi"]
                    check_pairwise(args, lv, beta, keys, 1e-10)
elif kind == "chain":
    # the closed chain against brute force (8 spins, ring and open)
    for per in (True, False):
        for j, h in ((1.0, 0.0), (1.0, 0.3), (-1.0, 0.2), (1e3, 0.0)):
            n = 8
            lv = {}
            for s in itertools.product((1, -1), repeat=n):
                e = -j * sum(s[i] * s[i + 1] for i in range(n - 1)) - h * sum(s)
                if per: e -= j * s[n - 1] * s[0]
                lv[(e, sum(s))] = lv.get((e, sum(s)), 0) + 1
            for beta in (0.0, 0.1, 1.0, 100.0, 400.0, 1e6):
                if beta * 8 * (abs(j) + abs(h)) * 2 > 1e60: continue
                args = ["ising", "--size", str(n), "--dim", "1", "--J", repr(j), "--h", repr(h),
                        "--beta", repr(beta), "--method", "closed"] + ([] if per else ["--open"])
                check_pairwise(args, lv, beta, ["lnZ", "U", "S", "C", "M", "chi"], 1e-9)
elif kind == "levels":
    # the two-level system z = 1 + g e^{-beta d}: per unit S, U, C in closed form
    for d, g in ((1.0, 1), (1e3, 3)):
        for beta in (0.0, 1e-3, 1.0, 30.0, 1e6, 1e153, 1e154, 1e200, 1e300):
            x = beta * d
            p = g * math.exp(-x) / (1 + g * math.exp(-x)) if x < 745 else 0.0
            lnz1 = math.log1p(g * math.exp(-x)) if x < 745 else 0.0
            u1 = d * p
            s1 = x * p + lnz1 if p > 0 else 0.0
            c1 = x * x * p * (1 - p) if p > 0 else 0.0
            for method in ("closed", "macro", "enumerate"):
                args = ["levels", "-n", "3", "-e", f"0,{d!r}", "-g", f"1,{g}", "--beta", repr(beta),
                        "--method", method]
                rc, out, err = zjson(args)
                if beta * 3 * d > 1e300:
                    # past beta N max|e| = 1e300 beta E could overflow: refused, with no output
                    if rc != 2 or out or "past 1e300" not in err:
                        print(f"FAIL zsum {' '.join(args)}: exit {rc}, want 2: {err.strip()}"); bad += 1
                    continue
                if rc != 0:
                    print(f"FAIL zsum {' '.join(args)} exited {rc}: {err.strip()}"); bad += 1; continue
                dd = json.loads(out)
                close(f"{args} lnZ", dd.get("lnZ"), 3 * lnz1, 1e-12, 1e-15)
                close(f"{args} U", dd.get("U"), 3 * u1, 1e-10, 1e-300)
                close(f"{args} S", dd.get("S"), 3 * s1, 1e-10, 1e-15)
                close(f"{args} C", dd.get("C"), 3 * c1, 1e-10, 1e-300)
elif kind == "lowT":
    # T = 0.2, 0.05, 0.01, 0.0025 against an exact density of states (integer counts by brute
    # force) summed in 60-digit decimal arithmetic around the ground energy, the variance in
    # two passes: C = beta^2 sum g (E - U)^2 e^{-beta E} / Z holds to 1e-10 relative, or to the
    # double's range (a reference below 1e-300 must print as 0 or below it); a method outside
    # its range must refuse (exit 2), never print nan, null or a negative C.
    from decimal import Decimal, getcontext
    getcontext().prec = 60
    def dos_ref(lv, T):
        g = {}
        for (e, _), c in lv.items(): g[int(e)] = g.get(int(e), 0) + c
        beta, e0 = 1 / Decimal(T), min(g)
        w = {e: c * (-beta * (e - e0)).exp() for e, c in g.items()}
        z = sum(w.values())
        de = sum(x * (e - e0) for e, x in w.items()) / z
        var = sum(x * (e - e0 - de) ** 2 for e, x in w.items()) / z
        return {"lnZ": float(-beta * e0 + z.ln()), "U": float(e0 + de), "C": float(beta * beta * var)}
    models = [("3x4", 3, 4, False, ["enumerate", "transfer"]), ("4x4", 4, 4, False, ["enumerate", "transfer"]),
              ("4x4", 4, 4, True, ["enumerate", "transfer", "closed"]), ("8", 1, 8, True, ["enumerate", "transfer", "closed"]),
              ("8", 1, 8, False, ["enumerate", "transfer", "closed"])]
    for size, rows, cols, per, methods in models:
        if rows > 1:
            lv = ising_levels(rows, cols, per, 1.0, 0.0)
        else:
            lv = {}
            for st in itertools.product((1, -1), repeat=cols):
                e = -sum(st[i] * st[i + 1] for i in range(cols - 1)) - (st[-1] * st[0] if per else 0)
                lv[(e, sum(st))] = lv.get((e, sum(st)), 0) + 1
        for T in ("0.2", "0.05", "0.01", "0.0025"):
            ref = dos_ref(lv, T)
            for method in methods:
                args = ["ising", "--size", size, "-T", T, "--method", method] + (["--dim", "1"] if rows == 1 else []) + ([] if per else ["--open"])
                rc, out, err = zjson(args)
                if rc == 2 and method == "closed" and rows > 1 and "out of the closed form's range" in err:
                    continue  # Kaufman's documented |K| <= 300
                if rc != 0:
                    print(f"FAIL zsum {' '.join(args)} exited {rc}: {err.strip()}"); bad += 1; continue
                d = json.loads(out)
                close(f"{args} lnZ", d.get("lnZ"), ref["lnZ"], 1e-13)
                close(f"{args} U", d.get("U"), ref["U"], 1e-13)
                c = d.get("C")
                if ref["C"] < 1e-300:
                    if not (isinstance(c, (int, float)) and 0 <= c <= 1e-300):
                        print(f"FAIL {args} C = {c}, reference {ref['C']} (below the double's range)"); bad += 1
                else:
                    close(f"{args} C", c, ref["C"], 1e-10)
sys.exit(1 if bad else 0)
EOF

for kind in ising chain levels lowT; do
    if python3 "$TMP/check.py" "$ZSUM" $kind > "$TMP/py.out" 2>&1; then pass
    else fail "$kind against the references: $(head -c 2000 "$TMP/py.out")"; fi
done

# T -> 0: the transfer matrix and the closed chain give every value (no nan, no "not given")
# (the open 4x4 lattice has 24 bonds and two ground states: ln Z = 24 beta + ln 2, the first
# excitation, a corner spin, costing 4 J: e^-1600 at beta = 400)
expect_ok ising --size 4x4 --open -T 0.0025 --method transfer
expect_out '^ln Z +9600\.69314718'
if grep -qE 'nan|not given' "$TMP/out"; then fail "transfer at T = 0.0025: $(cat "$TMP/out")"; else pass; fi
expect_ok ising --size 8 --dim 1 -T 0.0025 --method closed
if grep -qE 'U +-  \(not given' "$TMP/out"; then fail "closed chain at T = 0.0025 leaves U out"; else pass; fi
expect_out '^C +0 '

# The closed form of the largest torus (4096 x 4096 = 2^24 spins, the size limit) from the
# lattice's description alone: under a 300 MB address-space cap (building the model of 2^24
# spins took ~1.9 GB) and a 20 s timeout, for --method closed, auto and a sweep; the
# refusals (an open lattice, a size past the limit, --dos, which needs the model) keep their
# answers.
# Onsager's infinite lattice (Huang eqs. 15.129-15.130; the elliptic integral by the AGM,
# Abramowitz & Stegun 17.6, the ln integral by 64-panel 20-point Gauss-Legendre) is the
# reference: at K = 0.3 the torus differs from it by ~e^{-L/xi} (xi ~ 1: nothing), so the
# gap is rounding of a sum of 8192 logarithms, < 1e-12 relative.
if ( ulimit -v 1048576; exec "$ZSUM" --help ) >/dev/null 2>&1; then
    capped() { ( ulimit -v 307200; exec timeout 20 "$ZSUM" "$@" ) > "$TMP/out" 2> "$TMP/err"; status=$?; }
else
    echo "note: $ZSUM does not start under ulimit -v (a sanitized build?): memory not capped"
    capped() { run "$@"; }
fi
read -r ons_f ons_u < <(/usr/bin/python3 -c "
import math, numpy as np
K = 0.3; c2 = math.cosh(2*K); s2 = math.sinh(2*K); q = 2*s2/c2**2
x, w = np.polynomial.legendre.leggauss(20); f = 0.0
for p in range(64):
    a, b = p*(math.pi/2)/64, (p+1)*(math.pi/2)/64
    t = (b - a)/2*x + (a + b)/2
    f += (b - a)/2*np.sum(w*np.log((1 + np.sqrt(1 - (q*np.sin(t))**2))/2))
a, g = 1.0, math.sqrt(1 - q*q)
for _ in range(40): a, g = (a + g)/2, math.sqrt(a*g)
k1 = math.pi/(2*a); t2 = math.tanh(2*K)
print(repr(math.log(2*c2) + f/math.pi), repr(-(c2/s2)*(1 + 2/math.pi*(2*t2*t2 - 1)*k1)))")
for method in closed auto; do
    capped ising --size 4096 --beta 0.3 --method $method --format json
    if [ "$status" -ne 0 ]; then fail "4096 torus, $method, capped: exit $status $(head -c 300 "$TMP/err")"
    else
        expect_json "d['method'] == 'closed' and d['n'] == 16777216 and abs(d['lnZ']/16777216 - $ons_f) < 1e-12 * $ons_f and abs(d['U']/16777216 - ($ons_u)) < 1e-11 * abs($ons_u) and d['C'] > 0"
    fi
done
capped ising --size 4096 --method closed --sweep T:1:3:5 --format csv
if [ "$status" -eq 0 ] && [ "$(grep -c '' "$TMP/out")" -eq 6 ]; then pass
else fail "4096 torus sweep, capped: exit $status $(head -c 300 "$TMP/err")"; fi
capped ising --size 4096x4096 --open --method closed
if [ "$status" -eq 2 ] && grep -q 'needs a torus' "$TMP/err"; then pass
else fail "open 4096 lattice, closed: exit $status $(head -c 300 "$TMP/err")"; fi
expect_reject "--size: 16781312 sites exceed the limit 16777216" ising --size 4097x4096 --method closed
expect_reject 'lattice: a periodic direction needs at least 2 sites' ising --size 1 --dim 1 --method closed
expect_reject 'dos by transfer matrix: 400 spins; counts are exact up to 126 spins' ising --size 20 --method closed --dos

# beta >= 1e154: C is 0, not nan/null, up to |beta| N max|e_k| = 1e300; past it, refused
for b in 1e154 3.3e299; do
    expect_ok levels -n 3 -e 0,1 -b $b --format csv
    expect_out '^C,0$'
done
expect_reject 'beta: \|beta\| = 3.4e\+299 times the energy scale N max\|e_k\| = 3 is past 1e300' \
    levels -n 3 -e 0,1 -b 3.4e299
# the energy scale N max|e_k| up to 1e100: 1e308 made every total inf (the density of states
# never ended); 4 x 2.5e99 is the edge
expect_reject 'energies: the energy scale N max\|e_k\| = 8 x 1e\+308 is past 1e100' \
    levels -n 8 --dos -e 1,11111111111110,11111011,1e308
expect_ok levels -n 4 -e 0,2.5e99 -b 1e-99 --dos --format csv
expect_out '^1e\+100,1,'
expect_reject 'energies: the energy scale N max\|e_k\| = 5 x 2.5e\+99 is past 1e100' \
    levels -n 5 -e 0,2.5e99 -b 1e-99 --dos
expect_reject 'beta: \|beta\| = 1e-201 is below 1e-200' levels -n 4 -e 0,1 -T 1e201
expect_reject 'energies: the energy scale' levels -n 1 -e -1e308,1e308 --landscape
# bm: deep in the ground state up to the refusal: C, S and chi exactly 0, U and M those of
# the single ground state, found here by visiting all 2^6 states of a machine written here
cat > "$TMP/bm.py" <<'EOF2'
import itertools, sys, zipfile
from zstest import npy
n = 6
W = [[0.0] * n for _ in range(n)]
for i in range(n):
    for j in range(i + 1, n):
        W[i][j] = W[j][i] = 0.125 * ((i * 5 + j * 3) % 9 - 4)
b = [0.3, -0.7, 0.45, 0.2, -0.15, 0.6]
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('W.npy', npy((n, n), [w for row in W for w in row]))
    z.writestr('b.npy', npy((n,), b))
# E(x) = -sum_{i<j} W_ij x_i x_j - sum_i b_i x_i over x in {0,1}^6; M = sum_i (2 x_i - 1)
E = lambda x: -sum(W[i][j] * x[i] * x[j] for i in range(n) for j in range(i + 1, n)) - sum(b[i] * x[i] for i in range(n))
states = sorted(itertools.product((0, 1), repeat=n), key=E)
assert E(states[1]) - E(states[0]) > 0.1  # a single ground state, well separated
print(repr(E(states[0])), sum(2 * v - 1 for v in states[0]))
EOF2
read -r bm_u bm_m < <(python3 "$TMP/bm.py" "$TMP/bm.npz")
for b in 1e6 1e19 1e20 1e21 1e22 1e25 1e30 1e50; do
    expect_ok bm logz "$TMP/bm.npz" -b $b --format json
    expect_json "d['C'] == 0 and d['S'] == 0 and d['chi'] == 0 and abs(d['U'] - ($bm_u)) < 1e-12 and d['M'] == $bm_m and d['absM'] == abs($bm_m)"
done
# ising 4x4 torus, zero field, by enumeration far past 1/eps in beta |E|: its two ground states
# (all up, all down; E = -32) give S = ln 2, M = 0, |M| = 16, C = 0 and chi = beta Var M =
# 256 beta (beta U + ln Z would leave S to a rounding of ~1e5 nats)
for b in 1e15 1e20 1e25 1e40 1e55; do
    expect_ok ising --size 4x4 --method enumerate -b $b --format json
    expect_json "abs(d['S'] - math.log(2)) < 1e-12 and d['U'] == -32 and d['M'] == 0 and d['absM'] == 16 and d['C'] == 0 and abs(d['chi'] - 256 * $b) <= 1e-12 * 256 * $b"
done

# energy scales whose moments would overflow: a refusal, not "sum is -nan"
expect_reject 'energy scale .* is past 1e100' ising --size 4x4 --J 1e308 -b 1e10
expect_reject 'energy scale .* is past 1e100' ising --size 4x4 --J 1e200
expect_reject '\|beta\| \(sum\|J\| \+ sum\|h\|\) = .* is past 1e60' ising --size 4x4 -b 1e300
expect_reject 'past 1e60' bm logz --random 6 -b 1e90
expect_reject 'past 1e60' ising --size 4x4 --method transfer -b 1e59

# sampling that would not end: refused from its estimated time
expect_reject 'sample: 4 chains x 99999999999999 sweeps .* would take about .* over --max-seconds 3600' \
    ising sample --size 16 --sweeps 99999999999999 --seed 1
expect_reject 'over --max-seconds 1' bm sample --random 5 --sweeps 9999999999 --seed 1 --max-seconds 1
expect_reject "max-seconds: '0' must be > 0" ising sample --size 4 --max-seconds 0
expect_ok ising sample --size 4 --sweeps 64 --burnin 0 --seed 1 --max-seconds 10

# exact sweeps: each point within --max-seconds, the whole sweep not, is refused before any
# work (the sum of the points' estimates); fewer points run
expect_reject '^zsum: --sweep: 300 temperatures would take more than .* in all, over --max-seconds 1; use fewer points' \
    ising --size 6x6 --sweep T:0.01:0.3:300 --max-seconds 1
expect_ok ising --size 6x6 -T 0.01 --max-seconds 1
expect_ok ising --size 6x6 --sweep T:0.01:0.3:3 --max-seconds 1
expect_reject 'sweep: 100 temperatures would take (about|more than) .* over --max-seconds 0.5' \
    bm lnz --random 24 --seed 1 --threads 1 --sweep T:1:3:100 --max-seconds 0.5
expect_reject 'sweep: 100000 temperatures by method enumerate would take about .* hours in all, over --max-seconds 3600' \
    levels -n 20 -e 0,1,2 --method enumerate --sweep T:1:3:100000
expect_reject 'sweep: 1000000 temperatures by method macro would take about' \
    levels -n 1000 -e 0,1,2 --method macro --sweep T:1:3:1000000
expect_ok levels -n 10 -e 0,1,2 --sweep T:1:3:5 --max-seconds 1
expect_ok levels -n 8 -e 0,1,2 --method enumerate --sweep T:1:3:5 --max-seconds 1
# one point too: 2^38 assignments at 4e9 a second on one thread
expect_reject '^zsum: levels: method enumerate for N = 38 on 2 levels would take about 69 seconds, over --max-seconds 5; use method closed' \
    levels -n 38 -e 0,1 -g 1,2 --method enumerate --threads 1 --max-seconds 5
expect_ok levels -n 38 -e 0,1 -g 1,2 --max-seconds 5
# the closed form's moments come from the transfer matrix only within --max-seconds: a chain of
# 4444444 spins at T = 1 (its eigenvalue form cancels) gives ln Z at once and U, C not given
# beyond 0.5 s (the transfer recursion's estimate: 2.2 s), and all of them within 3 s
expect_ok ising --size 1x4444444 --max-seconds 0.5 --format json
expect_json "d['lnZ'] > 5e6 and d['U'] is None and d['C'] is None"
LNZ_CHAIN=$(python3 -c "import json; print(repr(json.load(open('$TMP/out'))['lnZ']))")
expect_ok ising --size 1x4444444 --max-seconds 3 --format json
expect_json "d['lnZ'] == $LNZ_CHAIN and d['U'] < 0 and d['C'] > 0"

# rbm sample: 10000 chains x 1e8 sweeps of a 64x64 RBM is refused from its estimate
cat > "$TMP/rbm.py" <<'EOF2'
import sys, zipfile
from zstest import npy
nv, nh = 64, 64
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('W.npy', npy((nv, nh), [0.01 * ((i * 7 + 3) % 11 - 5) for i in range(nv * nh)]))
    z.writestr('vbias.npy', npy((nv,), [0.0] * nv))
    z.writestr('hbias.npy', npy((nh,), [0.0] * nh))
EOF2
python3 "$TMP/rbm.py" "$TMP/r.npz"
expect_reject 'sample: 10000 chains x 100000000 Gibbs sweeps of this 64x64 RBM would take about .* over --max-seconds 3600' \
    rbm sample "$TMP/r.npz" --chains 10000 --steps 100000000 --shape 8x8 -o "$TMP/s.png"
expect_reject 'over --max-seconds 0.001' rbm sample "$TMP/r.npz" --chains 64 --steps 10000 --shape 8x8 -o "$TMP/s.png" --max-seconds 0.001
expect_ok rbm sample "$TMP/r.npz" --chains 4 --steps 10 --shape 8x8 --seed 1 -o "$TMP/s.png" --quiet --max-seconds 60
finish
