"""ais_numpy.py MODEL.npz DATA.npy K — RBM AIS in NumPy, written for the benchmark after PyDeep's
algorithm (pydeep.rbm.estimator.annealed_importance_sampling with the base model of
pydeep.rbm.model.BinaryBinaryRBM; PyDeep itself is not installed here). It is a timing
baseline for bench_rbm_ais.sh, not a reference: like PyDeep, all chains advance together as
float64 NumPy products, and every intermediate temperature computes the unnormalized
log-probability of v twice (before and after the sweep) plus the sweep itself: three products
v W and one h W^T per temperature. Base: visible biases from the data's frequencies
(pseudocount 1, zsum's data base rate), weights and hidden biases zero. K = 14500 runs the
sm08 schedule, any other K a linear one. Prints ln Z."""
import sys

import numpy as np


def sm08():
    return np.concatenate([np.linspace(0, 0.5, 501), np.linspace(0.5, 0.9, 4001)[1:],
                           np.linspace(0.9, 1.0, 10001)[1:]])


def main():
    model, data, K = sys.argv[1], sys.argv[2], int(sys.argv[3])
    m = np.load(model)
    w, bv, bh = m['W'].astype(np.float64), m['vbias'].astype(np.float64), m['hbias'].astype(np.float64)
    x = np.load(data)
    p = (x.sum(axis=0) + 1.0) / (x.shape[0] + 2.0)
    bv_base = np.log(p) - np.log1p(-p)
    betas = sm08() if K == 14500 else np.linspace(0.0, 1.0, K + 1)
    rng = np.random.default_rng(1)
    chains = 100

    def lnp_v(v, beta):  # PyDeep's unnormalized_log_probability_v with the base model
        act = beta * (v @ w + bh)
        bias = beta * (v @ bv) + (1.0 - beta) * (v @ bv_base)
        return bias + np.sum(np.log(np.exp(-act) + 1.0) + act, axis=1)

    def sample_v(beta, h):
        pv = 1.0 / (1.0 + np.exp(-(beta * (h @ w.T + bv) + (1.0 - beta) * bv_base)))
        return (pv > rng.random(pv.shape)).astype(np.float64)

    v = sample_v(0.0, np.zeros((chains, w.shape[1])))
    lw = -lnp_v(v, betas[0])
    for beta in betas[1:-1]:
        lw += lnp_v(v, beta)
        ph = 1.0 / (1.0 + np.exp(-beta * (v @ w + bh)))
        h = (ph > rng.random(ph.shape)).astype(np.float64)
        v = sample_v(beta, h)
        lw -= lnp_v(v, beta)
    lw += lnp_v(v, betas[-1])
    base = np.sum(np.logaddexp(0.0, bv_base)) + w.shape[1] * np.log(2.0)
    mx = lw.max()
    print('%.6f' % (base + mx + np.log(np.mean(np.exp(lw - mx)))))


if __name__ == '__main__':
    main()
