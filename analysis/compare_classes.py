#!/usr/bin/env python3
"""Do two runs of the same campaign give the same OUTCOMES, network by network?

For a change that alters every number but should not alter the science (a new
noise stream, a new kernel, a new compiler), run the same campaign with both
binaries and compare the classes. Seed i is the same initial network in both
runs, so the networks are paired: for each grid cell and each outcome
(LC, SP, failed = fail or unstable), the exact McNemar test asks whether the
networks that changed outcome changed more often one way than the other
(binomial test on the discordant pairs). p-values of all (cell, outcome)
tests are Holm-corrected; the pooled tests (every network, per outcome) and
the Stuart-Maxwell test of marginal homogeneity over the four classes are
reported too.

    compare_classes.py OLD/campaign.h5 NEW/campaign.h5 [--md report.md] [--alpha 0.05]

Exit 0 = no Holm-corrected test and no pooled test rejects at --alpha;
1 = some test rejects; 2 = the files do not hold the same campaign.
Needs Debian's python3-h5py and python3-scipy.
"""
import argparse
import sys

import h5py
import numpy as np
from scipy.stats import binomtest, chi2

CLASSES = ["fail", "LC", "SP", "unstable"]
OUTCOMES = {"LC": [1], "SP": [2], "failed": [0, 3]}


def read(path):
    with h5py.File(path, "r") as f:
        g = f["grid"]
        cols = {k: g[k][()] for k in g.keys()}
        # the swept axes (campaign.h5 keeps a column for every grid field)
        axes = [k for k in g.keys() if k != "seed" and len(np.unique(cols[k])) > 1]
        cls = f["tasks/class"][()]
        done = f["tasks/done"][()] if "tasks/done" in f else np.ones_like(cls)
        key = f["tasks/key"][()]
    return axes, cols, cls, done, key


def mcnemar(a, b):
    """Exact McNemar on paired booleans: (n01, n10, p)."""
    n01 = int(np.sum(~a & b))
    n10 = int(np.sum(a & ~b))
    n = n01 + n10
    p = 1.0 if n == 0 else binomtest(n01, n, 0.5).pvalue
    return n01, n10, p


def stuart_maxwell(x, y, k=4):
    """Stuart-Maxwell test of marginal homogeneity of a k x k paired table."""
    t = np.zeros((k, k))
    for i, j in zip(x, y):
        t[i, j] += 1
    d = (t.sum(1) - t.sum(0))[:-1]
    s = np.zeros((k - 1, k - 1))
    for i in range(k - 1):
        for j in range(k - 1):
            s[i, j] = (t[i].sum() + t[:, i].sum() - 2 * t[i, i]) if i == j else -(t[i, j] + t[j, i])
    if not np.any(d):
        return 0.0, 1.0, t
    try:
        stat = float(d @ np.linalg.solve(s, d))
    except np.linalg.LinAlgError:
        stat = float(d @ np.linalg.pinv(s) @ d)
    return stat, float(chi2.sf(stat, k - 1)), t


def holm(ps):
    order = np.argsort(ps)
    adj = np.empty(len(ps))
    running = 0.0
    m = len(ps)
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        adj[i] = running
    return adj


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--md", help="write the Markdown report here")
    ap.add_argument("--alpha", type=float, default=0.05)
    a = ap.parse_args()

    axes, cols, c0, d0, k0 = read(a.old)
    axes1, cols1, c1, d1, k1 = read(a.new)
    if axes != axes1 or not np.array_equal(k0, k1):
        print("FAIL: the two files do not hold the same campaign (task keys differ)")
        return 2
    ok = (d0 == 1) & (d1 == 1)
    n = int(ok.sum())
    cells = {}
    for i in np.nonzero(ok)[0]:
        cells.setdefault(tuple(float(cols[ax][i]) for ax in axes), []).append(i)

    rows, ps = [], []
    for cell, idx in sorted(cells.items()):
        idx = np.array(idx)
        for name, codes in OUTCOMES.items():
            x = np.isin(c0[idx], codes)
            y = np.isin(c1[idx], codes)
            n01, n10, p = mcnemar(x, y)
            rows.append((cell, name, len(idx), int(x.sum()), int(y.sum()), n01, n10, p))
            ps.append(p)
    adj = holm(np.array(ps))

    out = []
    out.append(f"Networks compared: {n} (done in both runs), {len(cells)} cells, "
               f"{int(np.sum(c0[ok] != c1[ok]))} changed class ({100 * np.mean(c0[ok] != c1[ok]):.1f} %).\n")
    out.append("Pooled over every network (exact McNemar per outcome):\n")
    out.append("| outcome | old | new | old→not new | not old→new | p |")
    out.append("|---|---|---|---|---|---|")
    pooled_reject = False
    for name, codes in OUTCOMES.items():
        x = np.isin(c0[ok], codes)
        y = np.isin(c1[ok], codes)
        n01, n10, p = mcnemar(x, y)
        pooled_reject |= p < a.alpha
        out.append(f"| {name} | {int(x.sum())} | {int(y.sum())} | {n10} | {n01} | {p:.3g} |")
    stat, p_sm, table = stuart_maxwell(c0[ok].astype(int), c1[ok].astype(int))
    pooled_reject |= p_sm < a.alpha
    out.append(f"\nStuart-Maxwell (4 classes, marginal homogeneity): χ² = {stat:.3f}, 3 dof, p = {p_sm:.3g}.\n")
    out.append("Old class (rows) against new class (columns):\n")
    out.append("| old \\ new | " + " | ".join(CLASSES) + " |")
    out.append("|---|" + "---|" * len(CLASSES))
    for i, cname in enumerate(CLASSES):
        out.append(f"| {cname} | " + " | ".join(str(int(v)) for v in table[i]) + " |")
    n_rej = int(np.sum(adj < a.alpha))
    out.append(f"\nPer cell ({' × '.join(axes)}) and outcome: {len(rows)} exact McNemar tests, Holm-corrected; "
               f"smallest raw p = {min(ps):.3g}, smallest Holm p = {adj.min():.3g}; "
               f"{n_rej} reject at α = {a.alpha}.\n")
    out.append("| " + " | ".join(axes) + " | outcome | n | old | new | old→not new | not old→new | p | Holm p |")
    out.append("|" + "---|" * (len(axes) + 8))
    for (cell, name, m, xo, yn, n01, n10, p), h in zip(rows, adj):
        if n01 + n10 == 0:
            continue
        out.append("| " + " | ".join(f"{v:g}" for v in cell) + f" | {name} | {m} | {xo} | {yn} | {n10} | {n01} | "
                   f"{p:.3g} | {h:.3g} |")
    out.append("\n(Rows with no discordant pair are left out: their p is 1.)")
    text = "\n".join(out) + "\n"
    print(text)
    if a.md:
        open(a.md, "w").write(text)
    return 1 if (n_rej or pooled_reject) else 0


if __name__ == "__main__":
    sys.exit(main())
