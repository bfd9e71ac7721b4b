#!/usr/bin/python3
"""Seed-paired bootstrap of the exponent of each level of the failure
transition: does the boundary of a delayed-cue campaign have ONE exponent?

  level_bootstrap.py DIR [DIR ...] [--levels 0.1,0.25,0.5,0.75]
                     [--resamples 1000] [--boot-seed 1] [--json OUT]
                     [--into docs/reproduction.md]

DIR: campaign directories with a campaign.h5 (`memphase run` / `gather`), for
instance the seed blocks of one design; every network of every DIR must be
done, and a seed may be in one DIR only.

The per-level table of analysis/repro_table.py gives point estimates: for
every lr, the delay T_q where the isotonic (pooled-adjacent-violators,
weighted by networks) failure fraction (classes 0 and 3) reaches q, linearly
interpolated between delays; then β_q from the OLS of ln T_q on ln lr
(β = -1/slope). This script attaches a confidence interval to each β_q and to
each difference β_q - β_first (the first level given), by the bootstrap
analyze uses: the seeds are resampled with replacement, the same resampled
list for every (lr, delay) cell (seed i is the same initial network
everywhere), and every level and fit is redone. A resample in which some lr
does not reach a level (or reaches it at its first delay) is a failed
resample of that level, counted and left out of its interval. If the
transition keeps one shape across lrs, every β_q is the same and every
difference's interval holds 0.

Output: a Markdown table (printed, or spliced between
`<!-- repro-level-ci:begin -->` and `<!-- repro-level-ci:end -->` of --into),
and with --json the numbers of every level.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from repro_table import exponent_of, isotonic_level, splice  # noqa: E402

BEGIN = "<!-- repro-level-ci:begin -->"
END = "<!-- repro-level-ci:end -->"


def fail(msg):
    sys.exit(f"level_bootstrap.py: {msg}")


def read_counts(dirs):
    """(lrs, delays, seeds, fails[lr, delay, seed], n[lr, delay, seed]) from the
    campaign.h5 files of dirs: one network per (lr, delay, seed) and cell."""
    import h5py
    rows = []
    owner = {}
    for d in dirs:
        path = os.path.join(d, "campaign.h5")
        if not os.path.exists(path):
            fail(f"{path} does not exist (run `memphase gather {d}`)")
        with h5py.File(path, "r") as f:
            try:
                lr, delay, seed = (f[k][:] for k in ("grid/lr", "grid/delay", "grid/seed"))
                cls, done = f["tasks/class"][:], f["tasks/done"][:]
            except KeyError as err:
                fail(f"{path}: not a delayed-cue campaign.h5 (no {err})")
        if not done.all():
            fail(f"{path}: {int((~done.astype(bool)).sum())} of {len(done)} networks are not done: "
                 "the levels are measured on complete campaigns only")
        for s in np.unique(seed):
            if int(s) in owner:
                fail(f"seed {int(s)} is in both {owner[int(s)]} and {d}")
            owner[int(s)] = d
        rows += list(zip(lr, delay, seed, (cls == 0) | (cls == 3)))
    lrs = sorted({float(r[0]) for r in rows}, reverse=True)
    delays = sorted({float(r[1]) for r in rows})
    seeds = sorted({int(r[2]) for r in rows})
    li = {v: i for i, v in enumerate(lrs)}
    di = {v: i for i, v in enumerate(delays)}
    si = {v: i for i, v in enumerate(seeds)}
    fails = np.zeros((len(lrs), len(delays), len(seeds)))
    n = np.zeros_like(fails)
    for lr, delay, seed, failed in rows:
        i, j, k = li[float(lr)], di[float(delay)], si[int(seed)]
        n[i, j, k] += 1
        fails[i, j, k] += bool(failed)
    return lrs, delays, seeds, fails, n


def betas(lrs, delays, fails, n, levels):
    """β_q of every level (None where an lr lacks the level: repro_table's
    isotonic_level finds it not reached, or reached at the first delay) for
    summed counts fails[lr, delay], n[lr, delay]."""
    cells = [[(d, n[i, j], fails[i, j], 0) for j, d in enumerate(delays)] for i in range(len(lrs))]
    out = []
    for q in levels:
        pts = [(lr, isotonic_level(cells[i], q)) for i, lr in enumerate(lrs)]
        e = exponent_of(pts) if all(isinstance(t, float) for _, t in pts) else None
        out.append(None if e is None else e[0])
    return out


def bootstrap(lrs, delays, fails, n, levels, resamples, boot_seed):
    """Point estimates and the bootstrap distribution of each β_q."""
    point = betas(lrs, delays, fails.sum(axis=2), n.sum(axis=2), levels)
    rng = np.random.default_rng(boot_seed)
    k = fails.shape[2]
    draws = np.full((resamples, len(levels)), np.nan)
    for r in range(resamples):
        counts = np.bincount(rng.integers(0, k, size=k), minlength=k).astype(float)
        b = betas(lrs, delays, fails @ counts, n @ counts, levels)
        draws[r] = [np.nan if x is None else x for x in b]
    return point, draws


def interval(x):
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return None
    return float(np.percentile(x, 2.5)), float(np.percentile(x, 97.5)), float(np.std(x, ddof=1)), len(x)


def num(v):
    return "n/a" if v is None else f"{v:.2f}"


def report(levels, point, draws, seeds, networks):
    """The Markdown table and the JSON numbers."""
    lines = ["| level q | β_q (isotonic) | bootstrap 95 % CI | bootstrap SE | β_q − β_{:g} | its 95 % CI | "
             "failed resamples |".format(levels[0]), "|---|---|---|---|---|---|---|"]
    data = {"seeds": len(seeds), "networks": networks, "resamples": len(draws), "levels": []}
    for j, q in enumerate(levels):
        ci = interval(draws[:, j])
        diff = draws[:, j] - draws[:, 0]
        dci = interval(diff) if j > 0 else None
        dpoint = None if point[j] is None or point[0] is None else point[j] - point[0]
        failed = int((~np.isfinite(draws[:, j])).sum())
        lines.append("| {:g} | {} | {} | {} | {} | {} | {} |".format(
            q, num(point[j]), "n/a" if ci is None else f"[{ci[0]:.2f}, {ci[1]:.2f}]",
            "n/a" if ci is None else f"{ci[2]:.2f}", "—" if j == 0 else num(dpoint),
            "—" if j == 0 else ("n/a" if dci is None else f"[{dci[0]:.2f}, {dci[1]:.2f}]"), failed))
        data["levels"].append({"q": q, "beta": point[j], "ci": None if ci is None else list(ci[:2]),
                               "boot_se": None if ci is None else ci[2], "failed_resamples": failed,
                               "diff_from_first": dpoint,
                               "diff_ci": None if dci is None else list(dci[:2])})
    lines.append("")
    lines.append(f"{len(seeds)} seeds, {networks} networks, {len(draws)} seed-paired resamples.")
    return "\n".join(lines) + "\n", data


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", help="campaign directories (seed blocks of one design)")
    ap.add_argument("--levels", default="0.1,0.25,0.5,0.75", help="failure-fraction levels, increasing")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--boot-seed", type=int, default=1)
    ap.add_argument("--json", help="write the numbers here")
    ap.add_argument("--into", help="Markdown file whose marked table to replace")
    a = ap.parse_args(argv)
    try:
        levels = [float(x) for x in a.levels.split(",")]
    except ValueError:
        fail(f"--levels {a.levels!r}: not a comma-separated list of numbers")
    if not levels or any(not 0 < q < 1 for q in levels) or levels != sorted(levels):
        fail(f"--levels {a.levels!r}: the levels must be increasing and inside (0, 1)")
    if a.resamples < 2:
        fail(f"--resamples {a.resamples}: need at least 2")
    lrs, delays, seeds, fails, n = read_counts(a.dirs)
    if len(lrs) < 2:
        fail(f"{len(lrs)} lr(s): a level's exponent needs at least 2")
    point, draws = bootstrap(lrs, delays, fails, n, levels, a.resamples, a.boot_seed)
    tab, data = report(levels, point, draws, seeds, int(n.sum()))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(data, f, indent=1)
    if a.into:
        with open(a.into) as f:
            text = f.read()
        with open(a.into, "w") as f:
            f.write(splice(text, tab, a.into, BEGIN, END))
    else:
        sys.stdout.write(tab)
    return 0


if __name__ == "__main__":
    sys.exit(main())
