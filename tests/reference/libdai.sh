# libdai.sh — zsum uai on libDAI's own test files ($ZSUM_SHARED/data/libdai, from libDAI's
# repository at the commit in SOURCE): the exact marginals of testfast.fg against the EXACT
# block of libDAI's expected output testfast.out (printed with 4 significant digits, so
# |ours - theirs| <= 0.5 units of the last digit); every .fg file against the .uai file that
# the test's own converter (tests/cli/fg2uai.py) makes of it: the same ln Z and marginals.
set -u
ZSUM=${1:?usage: libdai.sh PATH_TO_ZSUM}
DATA=${ZSUM_SHARED:-}/data/libdai
if [ ! -e "$DATA/testfast.fg" ] || [ ! -e "$DATA/testfast.out" ]; then
    echo "SKIP: $DATA/testfast.fg or testfast.out is absent (reference data lives in ../shared)"
    exit 77
fi
HERE=$(cd "$(dirname "$0")" && pwd)
# The system Python where there is one (a python3 first on PATH may be a slow shim).
PY=python3; [[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
exec "$PY" - "$ZSUM" "$DATA" "$HERE/../cli/fg2uai.py" <<'PY'
import json, os, re, subprocess, sys, tempfile
zsum, data, conv = sys.argv[1:4]
failed = 0
def check(ok, what):
    global failed
    if not ok:
        failed += 1
        print("FAIL", what)
def run(*args):
    p = subprocess.run([zsum, "uai", *args, "--format", "json", "--marginals", "--quiet"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("zsum uai %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return json.loads(p.stdout)

# libDAI's expected exact marginals: the lines "# ({x0}, (3.500e-01, 6.500e-01))" after EXACT.
want = {}
block = None
for line in open(os.path.join(data, "testfast.out")):
    if not line.startswith("#"):
        block = line.split()[0] if line.strip() else block
        continue
    m = re.match(r"# \(\{x(\d+)\}, \((.*)\)\)", line)
    if m and block == "EXACT":
        want[int(m.group(1))] = [float(v) for v in m.group(2).split(",")]
check(len(want) == 16, "testfast.out: %d EXACT marginals read, 16 expected" % len(want))
got = run(os.path.join(data, "testfast.fg"))
worst = 0.0
for v, ps in want.items():
    for g, w in zip(got["marginals"][v], ps):
        # %.3e: half a unit of the fourth significant digit
        ulp = 0.5 * 10 ** (int(("%.3e" % w).split("e")[1]) - 3)
        worst = max(worst, abs(g - w) / ulp)
        check(abs(g - w) <= ulp * (1 + 1e-9), "testfast x%d: ours %r, libDAI %r" % (v, g, w))
print("testfast.fg: 16 marginals within %.2f of libDAI's last printed half-digit" % worst)

# Every .fg file: the same answers as its conversion to UAI.
with tempfile.TemporaryDirectory() as tmp:
    for name in sorted(os.listdir(data)):
        if not name.endswith(".fg"):
            continue
        uai = os.path.join(tmp, name[:-3] + ".uai")
        subprocess.run([sys.executable, conv, os.path.join(data, name), uai], check=True)
        a, b = run(os.path.join(data, name)), run(uai)
        check(a["lnZ"] == b["lnZ"], "%s: ln Z %r, of its conversion %r" % (name, a["lnZ"], b["lnZ"]))
        check(a["marginals"] == b["marginals"], "%s: marginals differ from its conversion's" % name)
        print("%s: %d variables, ln Z %r, same as its conversion" % (name, a["variables"], a["lnZ"]))
print("libdai: %s" % ("ok" if failed == 0 else "%d failed" % failed))
sys.exit(1 if failed else 0)
PY
