#!/usr/bin/env bash
# make_seeds.sh ZSUM — writes the seed corpora fuzz/corpus/NAME from small inputs made here
# (NumPy arrays, models written by zsum itself, examples/data, IDX, PBM and argument vectors).
# Run once when a format changes; the files are committed. The UAI, evidence and .fg seeds are
# not here: they are the reference instances of ../shared/data (see shared_seeds.sh).
set -euo pipefail
ZSUM=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
C=$HERE/corpus
rm -rf "$C" && mkdir -p "$C"/{npy,npz,idx,idx_gz,patterns,rbm_load,bm_load,hopfield_load,cli}
TMP=$(mktemp -d) && trap 'rm -rf "$TMP"' EXIT
cp "$HERE"/../examples/data/*.txt "$C/patterns/"
printf '+-+--++-\n++--++--\n-+-+-+-+\n' > "$TMP/p.txt"
"$ZSUM" hopfield store "$TMP/p.txt" -o "$TMP/h.npz" >/dev/null
"$ZSUM" hopfield store "$HERE/../examples/data/letters.txt" --shape 7x7 -o "$TMP/letters.npz" >/dev/null
cd "$TMP"
/usr/bin/python3 - "$C" <<'PY'
import sys, io, gzip, struct, zipfile, numpy as np
C = sys.argv[1]
def npy(a):
    b = io.BytesIO(); np.save(b, a); return b.getvalue()
def put(kind, name, data):
    open(f"{C}/{kind}/{name}", "wb").write(data)
# .npy: dtypes, byte orders, orders, ranks
arrs = {"f8": np.arange(6.0).reshape(2, 3), "f4": np.float32([[1, -1], [0.5, 2]]),
        "i8": np.int64([1, -1, 1]), "u1": np.uint8([[0, 255], [7, 1]]), "b1": np.array([True, False]),
        "be": np.arange(4.0).astype(">f8"), "i4": np.int32([[1, 2, 3]]), "fortran": np.asfortranarray(np.eye(3)),
        "d3": np.ones((2, 2, 2)), "scalar": np.float64(3.5), "empty": np.zeros((0, 3)), "i2": np.int16([-1, 1])}
for k, a in arrs.items(): put("npy", k + ".npy", npy(a))
put("patterns", "pm.npy", npy(np.int8([[1, -1, 1, -1], [-1, -1, 1, 1]])))
put("patterns", "d3.npy", npy(np.int8(np.ones((2, 2, 3)))))
put("patterns", "p1.pbm", b"P1\n# x\n4 2\n1 0 1 0\n0 1 1 0\n")
put("patterns", "p4.pbm", b"P4\n8 2\n\xa5\x3c" + b"P4\n8 2\n\x0f\xf0")
# .npz: plain and deflated archives, models written by zsum
rng = np.random.default_rng(1)
W = rng.normal(size=(4, 3)); a = rng.normal(size=4); h = rng.normal(size=3)
np.savez(f"{C}/npz/rbm.npz", W=W, vbias=a, hbias=h)
np.savez_compressed(f"{C}/npz/z.npz", x=np.arange(5.0), y=np.uint8([[1, 0]]))
J = np.array([[0, 1, -1], [1, 0, 0.5], [-1, 0.5, 0]]); b = np.array([0.1, 0, -0.2])
np.savez(f"{C}/npz/bm.npz", W=J, b=b)
for m in ("h.npz", "letters.npz"):
    put("npz", m, open(m, "rb").read())
# model loaders: the records of fuzz_npz (name NUL bytes, separated by @@zsum-member@@)
SEP = b"@@zsum-member@@"
def rec(members): return SEP.join(n.encode() + b"\0" + d for n, d in members)
put("rbm_load", "rbm", rec([("W.npy", npy(W)), ("vbias.npy", npy(a)), ("hbias.npy", npy(h))]))
put("rbm_load", "rbm_f4", rec([("W.npy", npy(W.astype(np.float32))), ("vbias.npy", npy(a.astype(np.float32))), ("hbias.npy", npy(h.astype(np.float32)))]))
put("bm_load", "bm", rec([("W.npy", npy(J)), ("b.npy", npy(b))]))
put("bm_load", "bm_int", rec([("W.npy", npy(J.astype(np.int64))), ("b.npy", npy(np.int64([1, 0, -1])))]))
for m in ("h.npz", "letters.npz"):
    z = zipfile.ZipFile(m)
    put("hopfield_load", m[:-4], rec([(n, z.read(n)) for n in z.namelist()]))
# IDX: u8 (MNIST's), i32, f32, f64 big-endian, ranks 1..3; idx_gz gets them uncompressed
def idx(code, dims, data):
    return bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data
idxs = {"u8": idx(8, [3, 2, 2], bytes(range(12))), "u8_1d": idx(8, [4], b"\0\1\xff\x80"),
        "i8": idx(9, [2, 2], b"\x01\xff\x00\x7f"), "i16": idx(0x0b, [2], struct.pack(">hh", -3, 4)),
        "i32": idx(0x0c, [2, 1], struct.pack(">ii", 1, -2)), "f32": idx(0x0d, [2], struct.pack(">ff", 0.5, 1)),
        "f64": idx(0x0e, [1, 2], struct.pack(">dd", 0.25, 1))}
for k, d in idxs.items():
    put("idx", k, d); put("idx_gz", k, d)
put("idx", "u8.gz", gzip.compress(idxs["u8"]))
# argument vectors over the files fuzz_cli.c puts in its folder
cli = [
 "levels -n 10 -e 0,1,2 --state 0,0,0,0,0,0,0,1,1,2", "levels -n 10 -e 0,1,2 --macrostates",
 "levels -n 4 -e 0,1 -g 1,2 -b 2.385 --method enumerate", "levels -n 1 -e 0,1 -T 0.5 --landscape",
 "levels -n 100 -e 0,1 --sweep T:0.05:3:4 --format csv", "levels -n 3 -e 0,1,2 --microstates --format json",
 "ising --size 4x4 --beta 0.4 --format json", "ising --size 3x3 --open --dos", "ising --size 6 --dim 1 --J 0.7 --h 0.3 --method closed",
 "ising --size 4x4 --open -T 0.2 --method transfer", "ising sample --size 4 -T 2.269 --algorithm wolff --seed 42 --sweeps 10",
 "ising --size 4x4 --sweep T:1.5:3.5:3 --format csv",
 "bm logz bm.npz", "bm logz --random 6 --seed 7", "bm sample --random 5 --model-seed 2 --seed 5 --algorithm heatbath --format json --sweeps 10",
 "bm logz bm.npz --symmetrize --write-uai o.uai",
 "hopfield store p.txt -o x.npz --rule projection", "hopfield store p.txt --shape 2x4 -o x.npz",
 "hopfield recall h.npz --probe 0 --flip 0.3 --seed 1 --T 0.4 --sweeps 5 --format csv", "hopfield recall h.npz --probe 1 -o x.pbm",
 "hopfield capacity --n 20 --trials 2 --alpha 0.05:0.25:2 --seed 1",
 "rbm logz r.npz --exact", "rbm logz r.npz --ais --chains 10 --steps 20", "rbm loglik r.npz d.idx --binarize threshold",
 "rbm train d.idx --hidden 2 --epochs 1 --binarize threshold -o x.npz", "rbm sample r.npz --n 2 --steps 3", "rbm filters r.npz -o x.png", "rbm transform r.npz d.idx -o x.npy",
 "uai m.uai", "uai m.uai --evid m.evid --format json", "uai m.uai --format uai", "uai m.uai --plan-only --order minfill", "uai m.uai --max-memory 8M --verbose",
 "--version", "--help", "rbm --help", "levels --help",
]
for i, c in enumerate(cli):
    put("cli", f"{i:02d}", "\0".join(c.split()).encode())
PY
echo "seeds: $(find "$C" -type f | wc -l) files in $C"
