#!/usr/bin/python3
"""dbm_train_numpy.py DATA.npy MODEL.npz EPOCHS [--batch 100] [--chains 100] [--gibbs-steps 5]
                     [--mf-iterations 10] [--lr 0.001] [--momentum 0.9] [--weight-decay 0.0002]
                     [--seed 1] [-o OUT.npz]

A straightforward NumPy implementation, in float32, of the joint training that `zsum dbm train`
runs (docs/dbm.md "Training"; Salakhutdinov & Hinton 2009), written for bench/bench_dbm_train.sh:
per batch of rows,
  positive phase: the mean field of every row of the batch at once, started bottom-up
    (mu^l = sigmoid(b^l + mu^{l-1} W^l)), then --mf-iterations sweeps layer after layer
    (mu^l = sigmoid(b^l + mu^{l-1} W^l + mu^{l+1} W^{l+1}T)), and the bound B(v) of each row;
  negative phase: --chains persistent chains, --gibbs-steps block-Gibbs sweeps (the odd layers
    given the even ones, then the even layers given the odd ones);
  the update: vel = mom vel + lr (<x^{l-1}T x^l>_data - <x^{l-1}T x^l>_model - wd W), W += vel,
    the biases likewise without decay; momentum 0.5 for the first 5 epochs.
Every product is one matrix product over the whole batch (or all the chains). DATA: binary
rows (uint8 0/1). MODEL: W1..WL, b0..bL (zsum's layout), the starting parameters. Prints one
line per epoch: the epoch, its CPU seconds (user + system of this process), the updates, the
mean-field sweeps per update and the chains, so that the benchmark can check that both
programs did the same work.
"""
import argparse
import os

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0.0, x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("model")
    ap.add_argument("epochs", type=int)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--chains", type=int, default=100)
    ap.add_argument("--gibbs-steps", type=int, default=5)
    ap.add_argument("--mf-iterations", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=0.0002)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", dest="out")
    a = ap.parse_args()
    f32 = np.float32
    x = np.load(a.data).astype(f32)
    z = np.load(a.model)
    L = max(int(k[1:]) for k in z.files if k.startswith("W"))
    W = [None] + [z["W%d" % l].astype(f32) for l in range(1, L + 1)]
    b = [z["b%d" % l].astype(f32) for l in range(L + 1)]
    n = [W[1].shape[0]] + [W[l].shape[1] for l in range(1, L + 1)]
    vW = [None] + [np.zeros_like(w) for w in W[1:]]
    vb = [np.zeros_like(c) for c in b]
    rng = np.random.default_rng(a.seed)
    M = a.chains
    chains = [(rng.random((M, n[l])) < 0.5).astype(f32) for l in range(L + 1)]
    N = x.shape[0]
    for epoch in range(a.epochs):
        c0 = os.times()
        lr = f32(a.lr)
        mom = f32(0.5 if epoch < 5 and a.momentum > 0.5 else a.momentum)
        perm = rng.permutation(N)
        updates = 0
        bound_sum = 0.0
        for r0 in range(0, N, a.batch):
            v = x[perm[r0:r0 + a.batch]]
            B = v.shape[0]
            # positive phase: mean field of the whole batch
            mu = [v]
            for l in range(1, L + 1):
                mu.append(sigmoid(mu[l - 1] @ W[l] + b[l]))
            up = v @ W[1] + b[1]  # the data's part of h1's field, the same in every sweep
            xs = [None] * (L + 1)
            for _ in range(a.mf_iterations):
                for l in range(1, L + 1):
                    f = up if l == 1 else mu[l - 1] @ W[l] + b[l]
                    if l < L:
                        f = f + mu[l + 1] @ W[l + 1].T
                    xs[l] = f
                    mu[l] = sigmoid(f)
            bnd = v @ b[0]
            for l in range(1, L + 1):
                bnd = bnd + mu[l] @ b[l] + (softplus(xs[l]) - xs[l] * mu[l]).sum(1)
                bnd = bnd + ((mu[l - 1] @ W[l]) * mu[l]).sum(1)
            bound_sum += float(bnd.sum())
            # negative phase: persistent chains, odd layers then even layers
            for _ in range(a.gibbs_steps):
                for parity in (1, 0):
                    for l in range(parity, L + 1, 2):
                        f = np.broadcast_to(b[l], (M, n[l])).copy()
                        if l >= 1:
                            f += chains[l - 1] @ W[l]
                        if l < L:
                            f += chains[l + 1] @ W[l + 1].T
                        chains[l] = (rng.random((M, n[l]), dtype=f32) < sigmoid(f)).astype(f32)
            # the update
            for l in range(L + 1):
                g = mu[l].mean(0) - chains[l].mean(0)
                vb[l] = mom * vb[l] + lr * g
                if l == 0:
                    continue
                gw = mu[l - 1].T @ mu[l] / f32(B) - chains[l - 1].T @ chains[l] / f32(M)
                vW[l] = mom * vW[l] + lr * (gw - f32(a.weight_decay) * W[l])
                W[l] += vW[l]
            for l in range(L + 1):
                b[l] += vb[l]
            updates += 1
        c1 = os.times()
        cpu = (c1.user - c0.user) + (c1.system - c0.system)
        print("epoch %d cpu_seconds %.3f updates %d mf_iterations %d chains %d gibbs_steps %d mf_bound %.6f"
              % (epoch + 1, cpu, updates, a.mf_iterations, M, a.gibbs_steps, bound_sum / N), flush=True)
    if a.out:
        np.savez(a.out, **{"W%d" % l: W[l] for l in range(1, L + 1)}, **{"b%d" % l: b[l] for l in range(L + 1)})


if __name__ == "__main__":
    main()
