# dbm_published.sh — the data-free AIS default of zsum dbm lnz on a trained model: the 784x15
# MNIST RBM of ../shared/data/rbm (pylearn2's test model, exact ln Z = 215.1384055253,
# data/README.md) read as a DBM with one hidden layer. `--ais` without data runs from the PT
# base with a reverse side; both sides must land within 1 nat of the exact value (they land
# within 0.02) and hold it between them, where the uniform base falls about 17 nats short.
. "$(dirname "$0")/../cli/lib.sh" "$@"
skip_unless_shared rbm/mnistvh.npz
# Under the sanitizers (the second half of make check) this full-length AIS on a 784-unit model
# takes minutes; the plain run checks it, and cli/dbm_sample runs the same code on small models.
if [ -n "${ZSUM_SANITIZED:-}" ]; then
    echo "SKIP: full-length AIS on the 784x15 reference runs in the plain build only"
    exit 77
fi
exact=215.1384055253
expect_ok dbm lnz "$ZSUM_SHARED/data/rbm/mnistvh.npz" --ais --seed 1 --format json -q
expect_json "d['layers'] == [784, 15] and d['base'] == 'pt' and d['reverse'] == 'pt' and d['pt_sweeps'] == 1000 and d['sides_agree']"
expect_json "abs(d['lnZ'] - $exact) < 1 and abs(d['lnZ_reverse'] - $exact) < 1 and d['sandwich_lo'] <= $exact <= d['sandwich_hi']"
expect_json "d['ess'] > 90 and d['reverse_ess'] > 90 and 'warning' not in d"
finish
