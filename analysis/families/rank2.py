#!/usr/bin/python3
"""Figures of the rank-2 family (SPEC §7, seed 000 Fig. 2-3). Called by
analysis/figures.py for a campaign whose family id (summary.json
campaign.family_id) is "rank2"; renders, each as PNG and PDF:

  rank2_fig2     seed 000 Fig. 2: one panel per grid cell (lr; variant), for
                 one network of the cell (the lowest seed that finished): the
                 latent flow F(κ) (quiver, arrows of unit length coloured by
                 log10 |F|), the trial trajectory κ_0..κ_total (solid, dots),
                 its free continuation to 3·total steps (dashed), the slow
                 points (filled: stable fixed point, open: unstable fixed
                 point or saddle, x: slow point with |F| > 1e-6, a ghost) and
                 the read-out boundary w_out·κ + b_out = 0 (black line); the
                 title gives the class (LC / SP, or not learned), ρ and λ1 —
                 all at the last recorded snapshot (after the last update).
  rank2_loss     loss curves (log-log) of every network, one colour per cell,
                 with the early stop's threshold loss(0)·early_stop marked.
  rank2_classes  class counts per cell (stacked bars: LC, SP, not learned,
                 diverged) and epochs to the early stop (dots per network).

Reads DIR/campaign.h5 and DIR/analysis/summary.json only; a figure whose
input is missing is skipped with a warning.
"""
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from figures import save, warn  # noqa: E402

FIXED_SPEED = 1e-6
CLASS_NAMES = {0: "not learned", 1: "LC", 2: "SP", 3: "unstable"}
VARIANTS = ["a", "b", "c", "d"]
PANEL_MAX = 6


def table(f, name):
    """(columns, data, offset) of /tables/<name>, or None."""
    if f is None or f"tables/{name}" not in f:
        return None
    g = f[f"tables/{name}"]
    cols = g.attrs["columns"]
    cols = (cols.decode() if isinstance(cols, bytes) else str(cols)).split(",")
    return cols, g["data"][:], g["offset"][:]


def rows_of(t, task):
    cols, data, off = t
    return {c: data[off[task]:off[task + 1], i] for i, c in enumerate(cols)}


def cells(f, summary):
    """Grid cells (every axis but the seed) -> task indices, in grid order,
    with a label per cell."""
    axes = [a for a in summary.get("axes", {})]
    n = len(f["tasks/done"])
    vals = {a: f[f"grid/{a}"][:] for a in axes if f"grid/{a}" in f}
    out = {}
    for k in range(n):
        key = tuple(float(vals[a][k]) for a in vals)
        out.setdefault(key, []).append(k)
    labels = {}
    for key in out:
        parts = []
        for a, v in zip(vals, key):
            if a == "variant" and 0 <= int(v) < len(VARIANTS):
                parts.append(f"variant ({VARIANTS[int(v)]})")
            elif a == "lr":
                parts.append(f"lr = {v:g}")
            else:
                parts.append(f"{a} = {v:g}")
        labels[key] = ", ".join(parts) or "all"
    return out, labels


def fig2(f, summary, out, formats):
    lat, tra, flo, slo = (table(f, n) for n in ("latent", "trajectory", "flow", "slow_points"))
    if lat is None or tra is None or flo is None:
        warn("rank2_fig2: no latent diagnostics in campaign.h5")
        return False
    done = f["tasks/done"][:]
    seed = f["grid/seed"][:]
    groups, labels = cells(f, summary)
    keys = list(groups)[:PANEL_MAX]
    if len(groups) > PANEL_MAX:
        warn(f"rank2_fig2: {len(groups)} cells, drawing the first {PANEL_MAX}")
    ncol = min(len(keys), 3 if len(keys) > 4 else len(keys))
    nrow = math.ceil(len(keys) / ncol)
    fig, axs = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 4.4 * nrow), squeeze=False)
    drawn = 0
    for ax, key in zip(axs.flat, keys):
        tasks = [k for k in sorted(groups[key], key=lambda k: seed[k]) if done[k]]
        if not tasks:
            ax.set_title(f"{labels[key]}: no network done")
            continue
        k = tasks[0]
        la, tr, fl = rows_of(lat, k), rows_of(tra, k), rows_of(flo, k)
        if len(la["epoch"]) == 0:
            continue
        e = la["epoch"].max()
        i = int(np.argmax(la["epoch"]))
        sel = tr["epoch"] == e
        t, k1, k2 = tr["t"][sel], tr["k1"][sel], tr["k2"][sel]
        fs = fl["epoch"] == e
        x, y, u, v = fl["k1"][fs], fl["k2"][fs], fl["f1"][fs], fl["f2"][fs]
        speed = np.hypot(u, v)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = ax.quiver(x, y, u / speed, v / speed, np.log10(np.maximum(speed, 1e-12)), cmap="viridis",
                          angles="xy", scale_units="xy", scale=1.0 / (0.6 * (x.max() - x.min()) / max(1, math.sqrt(len(x)))),
                          width=0.004, alpha=0.8)
        total = int(round(t.max() / 3)) if len(t) else 0
        trial = t <= total
        ax.plot(k1[~trial | (t == total)], k2[~trial | (t == total)], "--", color="tab:red", lw=1.2, label="free run (3·total)")
        ax.plot(k1[trial], k2[trial], "-o", color="tab:red", ms=3, lw=1.8, label="trial")
        ax.plot(k1[:1], k2[:1], "s", color="k", ms=5, label="κ_0")
        if slo is not None:
            s = rows_of(slo, k)
            m = s["epoch"] == e
            for a, b, sp, r1, r2 in zip(s["k1"][m], s["k2"][m], s["speed"][m], s["eig1_re"][m], s["eig2_re"][m]):
                if not (x.min() <= a <= x.max() and y.min() <= b <= y.max()):
                    continue
                if sp >= FIXED_SPEED:
                    ax.plot(a, b, "x", color="tab:orange", ms=7, mew=2)
                elif max(r1, r2) < 0:
                    ax.plot(a, b, "o", color="k", ms=7)
                else:
                    ax.plot(a, b, "o", mfc="white", mec="k", ms=7, mew=1.5)
        w1, w2, bo = la["w1"][i], la["w2"][i], la["b_out"][i]
        xs = np.linspace(x.min(), x.max(), 50)
        if abs(w2) > 1e-12:
            ys = -(w1 * xs + bo) / w2
            okk = (ys >= y.min()) & (ys <= y.max())
            ax.plot(xs[okk], ys[okk], "k-", lw=1.5, label="w_out·κ + b_out = 0")
        elif abs(w1) > 1e-12:
            ax.axvline(-bo / w1, color="k", lw=1.5)
        ax.set_xlim(x.min(), x.max())
        ax.set_ylim(y.min(), y.max())
        cls = int(f["tasks/class"][k])
        ax.set_title(f"{labels[key]}, seed {int(seed[k])}\n{CLASS_NAMES.get(cls, cls)}: ρ = {la['rho'][i]:.3f}, "
                     f"λ1 = {la['lambda1'][i]:.3g}, epoch {int(e)}", fontsize=9)
        ax.set_xlabel("κ1")
        ax.set_ylabel("κ2")
        if drawn == 0:
            ax.legend(fontsize=7, loc="best")
        fig.colorbar(q, ax=ax, shrink=0.8, label="log10 |F(κ)|")
        drawn += 1
    for ax in list(axs.flat)[len(keys):]:
        ax.axis("off")
    fig.suptitle(f"{summary['campaign']['name']}: latent flow, trajectory, free run, slow points and read-out boundary "
                 "(● stable fixed point, ○ unstable, × slow point)", fontsize=10)
    fig.tight_layout()
    return drawn > 0 and save(fig, out, "rank2_fig2", formats)


def loss_curves(f, summary, out, formats):
    if f is None or "curves/loss" not in f:
        warn("rank2_loss: no curves in campaign.h5")
        return False
    loss, ep, off = f["curves/loss"][:], f["curves/epoch"][:], f["curves/offset"][:]
    groups, labels = cells(f, summary)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    cmap = plt.get_cmap("viridis")
    keys = list(groups)
    for j, key in enumerate(keys):
        c = cmap(j / max(1, len(keys) - 1))
        for n, k in enumerate(groups[key]):
            a, b = off[k], off[k + 1]
            if b <= a:
                continue
            ax.plot(ep[a:b] + 1, loss[a:b], color=c, lw=0.8, alpha=0.7, label=labels[key] if n == 0 else None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("epoch + 1")
    ax.set_ylabel("loss")
    ax.set_title(f"{summary['campaign']['name']}: loss curves (every network)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, out, "rank2_loss", formats)


def classes(summary, out, formats):
    rows = summary.get("model", {}).get("classes")
    if not rows:
        warn("rank2_classes: summary.json has no model.classes")
        return False
    lab = [", ".join(f"{a} {v:g}" if isinstance(v, (int, float)) else f"{a} {v}" for a, v in r["cell"].items())
           for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    x = np.arange(len(rows))
    bottom = np.zeros(len(rows))
    for name, col in (("lc", "tab:blue"), ("sp", "tab:orange"), ("fail", "tab:gray"), ("diverged", "tab:red")):
        h = np.array([r[name] for r in rows], dtype=float)
        a1.bar(x, h, bottom=bottom, color=col, label={"fail": "not learned"}.get(name, name.upper() if len(name) == 2 else name))
        bottom += h
    a1.set_xticks(x, lab, rotation=30, ha="right", fontsize=8)
    a1.set_ylabel("networks (seeds)")
    a1.set_title("class per cell")
    a1.legend(fontsize=8)
    med = [r["stop_epoch"]["median"] for r in rows]
    a2.plot(x, [m if m is not None else np.nan for m in med], "o", color="k", label="median")
    lo = [r["stop_epoch"]["min"] for r in rows]
    hi = [r["stop_epoch"]["max"] for r in rows]
    for xi, l, h in zip(x, lo, hi):
        if l is not None and h is not None:
            a2.plot([xi, xi], [l, h], "-", color="k")
    if all(m is None for m in med):
        a2.text(0.5, 0.5, "no network reached the early stop", ha="center", va="center", transform=a2.transAxes)
    else:
        a2.set_yscale("log")
    a2.set_xticks(x, lab, rotation=30, ha="right", fontsize=8)
    a2.set_ylabel("epochs to the early stop (median, min–max)")
    a2.set_title("epochs to the early stop (stopped networks)")
    fig.tight_layout()
    return save(fig, out, "rank2_classes", formats)


def render(summary, d, out, formats):
    """Renders the rank-2 figures; returns how many were rendered."""
    h5 = os.path.join(d, "campaign.h5")
    f = None
    if os.path.exists(h5):
        import h5py
        f = h5py.File(h5, "r")
    else:
        warn(f"{h5} does not exist (run `memphase gather {d}`): only rank2_classes")
    n = 0
    try:
        for fig in ((lambda: fig2(f, summary, out, formats)) if f is not None else None,
                    (lambda: loss_curves(f, summary, out, formats)) if f is not None else None,
                    lambda: classes(summary, out, formats)):
            if fig is None:
                continue
            try:
                n += bool(fig())
            except Exception as e:  # one broken figure must not lose the others
                warn(f"rank2 figure failed: {type(e).__name__}: {e}")
                plt.close("all")
    finally:
        if f is not None:
            f.close()
    return n
