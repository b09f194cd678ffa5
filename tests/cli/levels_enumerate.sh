#!/usr/bin/env bash
# levels --method enumerate: the printed numbers do not depend on the instruction set the
# inner kernel runs on (portable, AVX2, AVX-512: the same arithmetic) nor on the thread count,
# byte for byte; and they agree with the closed form.
. "$(dirname "$0")/lib.sh" "$@"

A=(levels -n 15 -e -0.3,0.77,2.385 -g 1,2,1 -b 0.9 --method enumerate -q --format json)
expect_ok "${A[@]}" --threads 2
cp "$TMP/out" "$TMP/ref.json"
for variant in "ZSUM_NO_SIMD=1" "ZSUM_SIMD=avx2"; do
    env "$variant" "$ZSUM" "${A[@]}" --threads 2 > "$TMP/v.json" 2>&1
    if cmp -s "$TMP/v.json" "$TMP/ref.json"; then pass; else fail "enumerate under $variant differs"; fi
done
expect_ok "${A[@]}" --threads 1
if cmp -s "$TMP/out" "$TMP/ref.json"; then pass; else fail "enumerate on 1 thread differs from 2"; fi

expect_ok levels -n 15 -e -0.3,0.77,2.385 -g 1,2,1 -b 0.9 --format json
/usr/bin/python3 - "$TMP/ref.json" "$TMP/out" <<'PY' && pass || fail "enumerate and closed differ"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for key in ("lnZ", "U", "S", "C"):
    assert abs(a[key] - b[key]) <= 1e-12 * max(1.0, abs(b[key])), (key, a[key], b[key])
for x, y in zip(a["occupation"], b["occupation"]):
    assert abs(x - y) <= 1e-13, (x, y)
PY
finish
