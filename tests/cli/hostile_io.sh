#!/bin/sh
# hostile_io.sh — the NumPy (.npy, .npz) and IDX readers on hostile input: a directory,
# /dev/zero, a FIFO, a 10 GB sparse file, decompression bombs, headers that claim more than
# the file holds, a duplicate .npz member, and real allocation failures. Each ends at once
# with exit 2 (exit 3 for out of memory) and a message naming the file and the problem, under
# a 1 GiB address-space limit (ulimit -v; 400 MB where an allocation must fail) and a 20 s timeout: memory stays bounded whatever
# the header claims.
. "$(dirname "$0")/lib.sh" "$@"
PY=$(command -v /usr/bin/python3 || command -v python3)

# A sanitized build reserves terabytes of address space at start and cannot run under
# ulimit -v: there the runs go without it, and the allocation-failure checks are skipped.
if ( ulimit -v 1048576; exec "$ZSUM" --help ) >/dev/null 2>&1; then vlimit_ok=1; else
    vlimit_ok=0; echo "note: $ZSUM does not start under ulimit -v (a sanitized build?): memory not capped"
fi
# bounded ARGS...: run zsum under ulimit -v 1 GiB and a timeout (124: it ran too long).
bounded() {
    local t0; t0=$(date +%s%N)
    if [ "$vlimit_ok" = 1 ]; then
        ( ulimit -v "${VLIMIT:-1048576}"; exec timeout 20 "$ZSUM" "$@" ) > "$TMP/out" 2> "$TMP/err"
    else
        timeout 20 "$ZSUM" "$@" > "$TMP/out" 2> "$TMP/err"
    fi
    status=$?
    # HOSTILE_TIMES=FILE records each run's wall time (never asserted: timings are no tests)
    [ -z "$HOSTILE_TIMES" ] || echo "$(( ($(date +%s%N) - t0) / 1000000 )) ms: $*" >> "$HOSTILE_TIMES"
}
# expect_bounded CODE PATTERN ARGS...: exit CODE, nothing on stdout, stderr matches PATTERN.
expect_bounded() {
    local code=$1 pattern=$2; shift 2
    bounded "$@"
    if [ "$status" -ne "$code" ]; then
        fail "zsum $* exited $status, expected $code: $(head -c 300 "$TMP/err")"; return 1
    fi
    if [ -s "$TMP/out" ]; then fail "zsum $* wrote to stdout on error"; return 1; fi
    if ! grep -qE -- "$pattern" "$TMP/err"; then
        fail "zsum $*: stderr '$(head -c 300 "$TMP/err")' does not match '$pattern'"; return 1
    fi
    pass
}

o="-o $TMP/o.npz"

# --- a directory -------------------------------------------------------------------------
for ext in npy npz idx gz; do mkdir "$TMP/d.$ext"; done
expect_bounded 2 "d.npy: is a directory" rbm train "$TMP/d.npy" --hidden 2 --epochs 1 $o
expect_bounded 2 "d.idx: is a directory" rbm train "$TMP/d.idx" --hidden 2 --epochs 1 $o
expect_bounded 2 "d.gz: is a directory" rbm train "$TMP/d.gz" --hidden 2 --epochs 1 $o
expect_bounded 2 "d.npz: is a directory" rbm logz "$TMP/d.npz"
expect_bounded 2 "d.npz: is a directory" bm logz "$TMP/d.npz"
expect_bounded 2 "d.npz: is a directory" hopfield recall "$TMP/d.npz" --probe "+-+-"

# --- /dev/zero under each name: a device is refused before a byte is read ------------------
for ext in npy npz idx; do ln -s /dev/zero "$TMP/zero.$ext"; done
dev="is a character device \(such as /dev/zero or a terminal\), not a file"
expect_bounded 2 "zero.npy: $dev" rbm train "$TMP/zero.npy" --hidden 2 --epochs 1 $o
expect_bounded 2 "zero.idx: $dev" rbm train "$TMP/zero.idx" --hidden 2 --epochs 1 $o
expect_bounded 2 "zero.npz: $dev" rbm logz "$TMP/zero.npz"
expect_bounded 2 "zero.npz: $dev" bm logz "$TMP/zero.npz"
expect_bounded 2 "zero.npz: $dev" hopfield recall "$TMP/zero.npz" --probe "+-+-"

# --- a FIFO without a writer: read as empty (after waiting a second for a late writer) ------
for ext in npy npz idx; do
    mkfifo "$TMP/fifo.$ext"
done
nowriter="a FIFO \(named pipe\) with nothing to read \(no writer\)"
expect_bounded 2 "fifo.npy: $nowriter" rbm train "$TMP/fifo.npy" --hidden 2 --epochs 1 $o
expect_bounded 2 "fifo.idx: $nowriter" rbm train "$TMP/fifo.idx" --hidden 2 --epochs 1 $o
expect_bounded 2 "fifo.npz: $nowriter" rbm logz "$TMP/fifo.npz"

# --- a FIFO whose writer is connected but slow: waited for as long as it takes -------------
mkfifo "$TMP/slow.npy"
$PY -c "import numpy as np; np.save('$TMP/rows.npy', (np.arange(48).reshape(6, 8) % 3 == 0).astype(np.uint8))"
( exec 3> "$TMP/slow.npy"; sleep 2; cat "$TMP/rows.npy" >&3 ) &
bounded rbm train "$TMP/slow.npy" --hidden 2 --epochs 1 -q $o
if [ "$status" -eq 0 ] && [ -s "$TMP/o.npz" ]; then pass; else
    fail "a FIFO whose writer sends after 2 s: exit $status: $(head -c 300 "$TMP/err")"; fi
wait

# --- a FIFO fed from /dev/zero (the writer dies of SIGPIPE when zsum stops reading) ---------
cat /dev/zero > "$TMP/fifo.npy" 2>/dev/null &
expect_bounded 2 "fifo.npy: not a .npy file" rbm train "$TMP/fifo.npy" --hidden 2 --epochs 1 $o
cat /dev/zero > "$TMP/fifo.idx" 2>/dev/null &
expect_bounded 2 "fifo.idx: IDX type code 0x00 is unknown" rbm train "$TMP/fifo.idx" --hidden 2 --epochs 1 $o
cat /dev/zero > "$TMP/fifo.npz" 2>/dev/null &
expect_bounded 2 "fifo.npz: not an .npz \(zip\) archive" bm logz "$TMP/fifo.npz"
wait

# a FIFO carrying a valid .npy whose header claims more than it sends: read to the end, then
# refused as truncated (the claim is never allocated)
$PY - "$TMP" <<'PYEOF'
import struct, sys, gzip, zlib, zipfile, io
d = sys.argv[1]
def npy_header(descr, shape):
    h = ("{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)).encode()
    h += b' ' * (117 - len(h)) + b'\n'  # 10 + 118 = 128 bytes
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h
# a 128-byte .npy whose header claims 88 GB
open(d + '/claims88g.npy', 'wb').write(npy_header('<f8', '(100000, 118111)'))
# IDX headers: 0 0 type nd, big-endian dims
def idx_header(code, dims):
    return bytes([0, 0, code, len(dims)]) + b''.join(struct.pack('>I', x) for x in dims)
# a plain IDX file whose header claims 4 GiB
open(d + '/claims4g-ubyte', 'wb').write(idx_header(8, [65536, 65536]) + bytes(16))
# gzip bombs: 1 GiB of zeros as 64 gzip members of 16 MiB each (~1 MB in all)
member = gzip.compress(bytes(16 << 20), 9)
bomb = b''.join([member] * 64)
# honest header: 1 GiB of data, which with the header's 12 bytes is above the default 1 GiB
# input limit
open(d + '/bomb-honest.gz', 'wb').write(gzip.compress(idx_header(8, [16384, 65536]), 9) + bomb)
# lying header: 10 images of 28x28, then 1 GiB
open(d + '/bomb-lying.gz', 'wb').write(gzip.compress(idx_header(8, [10, 28, 28]), 9) + bomb)
# a gzip whose header claims more than 1032:1 of its size can hold
open(d + '/claims-ratio.gz', 'wb').write(gzip.compress(idx_header(8, [100000, 784]), 9))
# a gzipped IDX file whose trailer (CRC-32 and length, RFC 1952) is cut short: its data bytes are
# all there, but the stream is not complete and must not be taken as such
whole = gzip.compress(idx_header(8, [2, 3]) + bytes([0, 1, 1, 0, 1, 0]), 9)
open(d + '/cut-trailer.gz', 'wb').write(whole[:-4])
open(d + '/whole.gz', 'wb').write(whole)
# .npz: a deflated member declaring 2 GiB from a few hundred bytes (sizes patched in the
# local header and the central directory alike)
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('W.npy', npy_header('<f8', '(2, 2)') + bytes(32))
b = bytearray(buf.getvalue())
cd = b.rfind(b'PK\x01\x02')
struct.pack_into('<I', b, 22, 0x7fffffff)
struct.pack_into('<I', b, cd + 24, 0x7fffffff)
open(d + '/member-ratio.npz', 'wb').write(bytes(b))
# .npz: an honest deflated member of 16 MiB (refused under ZSUM_INPUT_LIMIT=1M)
with zipfile.ZipFile(d + '/member16m.npz', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('W.npy', npy_header('<f8', '(1024, 2048)') + bytes(16 << 20))
# .npz: two members named W.npy
import warnings
warnings.simplefilter('ignore')
with zipfile.ZipFile(d + '/dup.npz', 'w') as z:
    w = npy_header('<f8', '(1, 1)') + bytes(8)
    z.writestr('W.npy', w)
    z.writestr('W.npy', w)
# stored member claiming more than it holds
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
    z.writestr('W.npy', npy_header('<f8', '(2, 2)') + bytes(32))
b = bytearray(buf.getvalue())
cd = b.rfind(b'PK\x01\x02')
struct.pack_into('<I', b, 22, 1 << 30)
struct.pack_into('<I', b, cd + 24, 1 << 30)
open(d + '/stored-lie.npz', 'wb').write(bytes(b))
# real allocation failures under ulimit -v 400 MB: a 64 MiB u1 .npy (its 8-byte values need
# 512 MiB) and a 1 GiB IDX file of bytes, both sparse (header written, the rest a hole)
with open(d + '/big-u1.npy', 'wb') as f:
    f.write(npy_header('|u1', '(64, 1048576)'))
    f.truncate(128 + (64 << 20))
with open(d + '/big-ubyte', 'wb') as f:
    f.write(idx_header(8, [1024, 1048576]))
    f.truncate(12 + (1 << 30))
PYEOF
[ -f "$TMP/claims88g.npy" ] || { echo "the input generator failed"; exit 1; }

mkfifo "$TMP/fifo2.npy"
cat "$TMP/claims88g.npy" > "$TMP/fifo2.npy" &
expect_bounded 2 "fifo2.npy: the .npy header claims 88.0 GiB of data; a stream .* input limit of 1.0 GiB" \
    rbm train "$TMP/fifo2.npy" --hidden 2 --epochs 1 $o
wait

# --- a 10 GB sparse file under each name ---------------------------------------------------
truncate -s 10G "$TMP/sparse"
for ext in npy npz idx; do ln -s "$TMP/sparse" "$TMP/sparse.$ext"; done
expect_bounded 2 "sparse.npy: not a .npy file" rbm train "$TMP/sparse.npy" --hidden 2 --epochs 1 $o
expect_bounded 2 "sparse.idx: IDX type code 0x00 is unknown" rbm train "$TMP/sparse.idx" --hidden 2 --epochs 1 $o
expect_bounded 2 "sparse.npz: not a readable .npz \(zip\) archive" rbm logz "$TMP/sparse.npz"

# --- headers that claim more than the file holds --------------------------------------------
# the 128-byte .npy claiming 88 GB, as patterns (hopfield store) and as data (rbm train)
expect_bounded 2 "claims88g.npy: truncated: the header's shape \(100000, 118111\) of <f8 needs 94488800000 bytes \(88.0 GiB\) of data, the file holds 0" \
    hopfield store "$TMP/claims88g.npy" -o "$TMP/o.npz"
expect_bounded 2 "claims88g.npy: truncated: .*\(88.0 GiB\)" rbm train "$TMP/claims88g.npy" --hidden 2 --epochs 1 $o
expect_bounded 2 "claims4g-ubyte: IDX header says 65536x65536 elements of 1 bytes = 4294967296 bytes \(4.0 GiB\) of data, the file has 16" \
    rbm train "$TMP/claims4g-ubyte" --hidden 2 --epochs 1 $o

# --- a gzip stream cut short after its last data byte ----------------------------------------
expect_bounded 2 "cut-trailer.gz: cannot decompress \\(truncated or corrupt gzip\\): unexpected end of file" \
    rbm train "$TMP/cut-trailer.gz" --hidden 2 --epochs 1 $o
bounded rbm train "$TMP/whole.gz" --hidden 2 --epochs 1 --seed 1 -q -o "$TMP/whole.npz"
if [ "$status" -eq 0 ]; then pass; else fail "the whole gzip stream was refused: $(head -c 300 "$TMP/err")"; fi

# --- decompression bombs ---------------------------------------------------------------------
expect_bounded 2 "bomb-honest.gz: IDX header says 16384x65536 elements = 1.0 GiB of data, above the input limit of 1.0 GiB for gzipped data" \
    rbm train "$TMP/bomb-honest.gz" --hidden 2 --epochs 1 $o
expect_bounded 2 "bomb-lying.gz: IDX header says 10x28x28 elements of 1 bytes = 7840 bytes of data, the decompressed data holds more" \
    rbm train "$TMP/bomb-lying.gz" --hidden 2 --epochs 1 $o
export ZSUM_INPUT_LIMIT=100M
expect_bounded 2 "bomb-honest.gz: .* above the input limit of 100.0 MiB for gzipped data \(ZSUM_INPUT_LIMIT\)" \
    rbm train "$TMP/bomb-honest.gz" --hidden 2 --epochs 1 $o
unset ZSUM_INPUT_LIMIT
expect_bounded 2 "claims-ratio.gz: IDX header says 100000x784 elements = 74.8 MiB of data, more than [0-9]+ gzipped bytes can hold \(deflate's largest ratio is 1032:1\)" \
    rbm train "$TMP/claims-ratio.gz" --hidden 2 --epochs 1 $o
expect_bounded 2 "member-ratio.npz: member W.npy claims 2.0 GiB uncompressed from [0-9]+ compressed bytes, beyond deflate's largest ratio \(1032:1\)" \
    bm logz "$TMP/member-ratio.npz"
export ZSUM_INPUT_LIMIT=1M
expect_bounded 2 "member16m.npz: member W.npy unpacks to 16.0 MiB, above the input limit of 1.0 MiB \(ZSUM_INPUT_LIMIT\)" \
    bm logz "$TMP/member16m.npz"
unset ZSUM_INPUT_LIMIT
expect_bounded 2 "stored-lie.npz: member W.npy (is stored \(not compressed\) but claims 1073741824 bytes|claims)" \
    bm logz "$TMP/stored-lie.npz"

# --- a duplicate .npz member -----------------------------------------------------------------
expect_bounded 2 "dup.npz: two members of the .npz \(zip\) archive have the same name" bm logz "$TMP/dup.npz"
run bm logz "$TMP/dup.npz"
if grep -q "File already exists" "$TMP/err"; then fail "dup.npz: libzip's 'File already exists'"; else pass; fi

# --- real allocation failures: exit 3, naming what and how much -------------------------------
if [ "$vlimit_ok" = 1 ]; then
VLIMIT=409600
expect_bounded 3 "big-u1.npy: cannot allocate 512.0 MiB for the array \(shape \(64, 1048576\), as 8-byte values\)" \
    rbm train "$TMP/big-u1.npy" --hidden 2 --epochs 1 $o
expect_bounded 3 "big-ubyte: cannot allocate [0-9.]+ (MiB|GiB) for reading the file" \
    rbm train "$TMP/big-ubyte" --hidden 2 --epochs 1 $o
unset VLIMIT
else
    echo "SKIP allocation failures: no ulimit -v for this build"
fi

finish
