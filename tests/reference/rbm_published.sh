# rbm_published.sh — exact ln Z of the 784x15 MNIST RBM of ../shared/data/rbm (pylearn2's test
# model): ln Z = 215.1384055253 (data/README.md), through the CLI, to 1e-9 relative.
. "$(dirname "$0")/../cli/lib.sh" "$@"
skip_unless_shared rbm/mnistvh.npz
expect_ok rbm logz "$ZSUM_SHARED/data/rbm/mnistvh.npz" --exact --format json
expect_json "d['nv'] == 784 and d['nh'] == 15 and abs(d['lnZ'] - 215.1384055253) <= 1e-9 * 215.1384055253"
ZSUM_NO_SIMD=1 "$ZSUM" rbm logz "$ZSUM_SHARED/data/rbm/mnistvh.npz" --format csv > "$TMP/out" 2> "$TMP/err"
if near "$(tail -1 "$TMP/out" | cut -d, -f4)" 215.1384055253 1e-9; then pass; else fail "scalar kernels: $(cat "$TMP/out" "$TMP/err")"; fi
# AIS from the uniform base on this trained model: a handful of chains carry the weights and
# the estimate falls far below the exact value (about 197 against 215.14). zsum must not
# present that as trustworthy: a warning on stderr and in the JSON.
"$ZSUM" rbm logz "$ZSUM_SHARED/data/rbm/mnistvh.npz" --ais --base uniform --schedule linear:500 \
    --chains 20 --seed 1 --format json > "$TMP/out" 2> "$TMP/err"
if grep -q 'warning: ESS .* the effective sample size is low' "$TMP/err"; then pass; else fail "no low-ESS warning: $(cat "$TMP/err")"; fi
expect_json "d['ess'] < 10 and 'effective sample size is low' in d['warning'] and d['lnZ_hi'] < 215.1384055253"
finish
