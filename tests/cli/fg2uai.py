#!/usr/bin/env python3
"""fg2uai.py IN.fg OUT.uai — libDAI's factor-graph format to UAI, written for the tests
independently of zsum's readers: variables are the labels in ascending order, each scope kept
in the file's order, each table moved from the first-variable-fastest layout (libDAI) to the
last-variable-fastest one (UAI), unlisted entries 0."""
import sys

def tokens(path):
    for line in open(path):
        if line.lstrip().startswith('#'):
            continue
        yield from line.split()

def main(src, dst):
    it = tokens(src)
    nf = int(next(it))
    factors = []
    dom = {}
    for _ in range(nf):
        k = int(next(it))
        labels = [int(next(it)) for _ in range(k)]
        dims = [int(next(it)) for _ in range(k)]
        for l, d in zip(labels, dims):
            assert dom.setdefault(l, d) == d
        size = 1
        for d in dims:
            size *= d
        table = [0.0] * size
        for _ in range(int(next(it))):
            i = int(next(it))
            v = next(it)
            # first-fastest digits -> last-fastest index
            x = []
            for d in dims:
                x.append(i % d)
                i //= d
            u = 0
            for xk, d in zip(x, dims):
                u = u * d + xk
            table[u] = v
        factors.append((labels, table))
    order = sorted(dom)
    rank = {l: r for r, l in enumerate(order)}
    with open(dst, 'w') as f:
        f.write('MARKOV\n%d\n%s\n%d\n' % (len(order), ' '.join(str(dom[l]) for l in order), nf))
        for labels, _ in factors:
            f.write('%d %s\n' % (len(labels), ' '.join(str(rank[l]) for l in labels)))
        for _, table in factors:
            f.write('\n%d\n%s\n' % (len(table), ' '.join(str(v) for v in table)))

main(sys.argv[1], sys.argv[2])
