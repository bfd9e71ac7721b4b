#!/usr/bin/python3
"""Helpers and the driver of the model-family figures (families whose
summary.json has a "model" member). The figures themselves live in their
family's module, analysis/families/ghost.py (ghost-rank1, ghost-rankK; SPEC
§5, seed 001) and analysis/families/wcrnn.py (SPEC §6, seed 002), picked by
family id; analysis/figures.py calls render() with the family's
MODEL_FIGURES. They render, each as PNG and PDF:

  Ghost (seed 001)
  recovery           Fig. 4: mean accuracy of the stuck networks over the
                     recovery epochs, one line per recovery confidence c (colour
                     = log c), ± s.e.m.; accuracy after the last recovery epoch
                     against c; phase-1 counts learned / stuck of seeds in the title
  loss_vs_lr         Fig. S1: loss against lr (log-log) at several checkpoint
                     epochs, mean ± s.e.m. over seeds (one panel per value of
                     further axes, e.g. rank)
  learned_vs_rank    Fig. S2: fraction learned against rank K, one line per lr
                     (and against lr, one line per K)
  abrupt             Fig. 3A across networks: epoch of the first ghost against
                     the epoch of the abrupt loss drop (identity line), and the
                     fixed point nearest κ* just before against just after it
  latent_flow        Fig. 3A: per network (up to 3), the loss curve with markers at
                     epochs before / just before / during / just after / after the
                     steepest loss drop and at the end, the latent flow f(κ) at
                     those epochs, and the fixed-point count and ghost speed
                     against epoch
  slow_points        rank 2: slow points of F(κ) in the κ1-κ2 plane coloured by
                     speed, fixed points (speed < 1e-6) filled, last recorded
                     epoch of up to 4 networks
  WCRNN (seed 002)
  lyapunov_spectrum  measured Lyapunov exponents against log|eig(R)| (identity
                     line), coloured by γ if swept; max |λ_i - log|eig_i|| per
                     network against γ (log-log) if γ is an axis
  accuracy_vs_r      final held-out accuracy (adding: MSE) and updates to
                     threshold against r, mean ± s.e.m., one line per value of
                     the other axes (residual type, seq_len, ...)
  accuracy_vs_phi    the same against φ, with 2π/28 marked

Every figure whose inputs are missing is skipped with a warning; a figure that
fails does not stop the others.
"""
import csv
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from figures import flat_config, save, warn  # noqa: E402,F401  (save: re-exported to the family modules)

# Values of the categorical axis "residual" (codes 0..4 in campaign.h5 and
# summary.json; the names in the CSV files), src/config/campaign.cpp.
RESIDUALS = ["homogeneous", "rotational", "heterogeneous_diag", "heterogeneous_rot", "zero"]
CATEGORICAL = {"residual": RESIDUALS}
AXIS_LABELS = {"lr": "lr", "rank": "rank K", "recovery_c": "recovery confidence c", "r": "r",
               "phi": "φ", "gamma": "γ", "seq_len": "seq_len", "residual": "residual"}
FIXED_SPEED = 1e-6  # slow point with |F| below this = fixed point (slow_points)
PHI_DATA = 2 * math.pi / 28  # seed 002: one cycle per image row of sMNIST


# ------------------------------------------------------------------ helpers
class Ctx:
    """What every figure reads: the summary, the campaign directory, its
    analysis directory, the output, the flattened campaign.yaml and the open
    campaign.h5 (None if it does not exist)."""

    def __init__(self, summary, d, out, formats, f):
        self.summary = summary
        self.dir = d
        self.adir = os.path.join(d, "analysis")
        self.out = out
        self.formats = formats
        self.f = f
        self.family = summary["campaign"]["family"]
        self.name = summary["campaign"].get("name", os.path.basename(os.path.normpath(d)))
        self.axes = {a: [axis_value(a, v) for v in vals] for a, vals in summary.get("axes", {}).items()}
        cfg_path = os.path.join(d, "campaign.yaml")
        if os.path.exists(cfg_path):
            self.cfg = flat_config(open(cfg_path).read())
        elif f is not None:
            v = f.attrs.get("config_yaml", "")
            self.cfg = flat_config(v.decode() if isinstance(v, bytes) else str(v))
        else:
            self.cfg = {}

    def swept(self, axis):
        """Whether `axis` is a grid axis with at least two values."""
        return len(set(self.axes.get(axis, []))) >= 2


def axis_value(axis, v):
    """An axis value as a float (a categorical name -> its code)."""
    if isinstance(v, str):
        choices = CATEGORICAL.get(axis)
        if choices and v in choices:
            return float(choices.index(v))
        return float(v) if v != "" else float("nan")
    return float(v)


def axis_text(axis, v):
    choices = CATEGORICAL.get(axis)
    if choices and v == int(v) and 0 <= int(v) < len(choices):
        return choices[int(v)]
    return f"{v:.3g}"


def combo_text(names, combo):
    return ", ".join(f"{AXIS_LABELS.get(a, a)} = {axis_text(a, v)}" for a, v in zip(names, combo))


def close(a, b):
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def combos(ctx, names):
    """Every combination of the values of the axes `names` (sorted)."""
    out = [()]
    for a in names:
        out = [c + (v,) for c in out for v in sorted(set(ctx.axes[a]))]
    return out


def num(v):
    try:
        return float(v) if v not in ("", None) else float("nan")
    except ValueError:
        return float("nan")


def read_csv(path):
    if not os.path.exists(path):
        return None
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def cell_of(row, axes):
    return tuple(axis_value(a, row[a]) for a in axes)


def matches(cell, names, combo, axes):
    """Whether the cell tuple (values in `axes` order) has `combo` on `names`."""
    return all(close(cell[axes.index(a)], v) for a, v in zip(names, combo))


def metrics_table(ctx):
    """metrics.csv as {metric: {cell: (n, mean, sem, done)}}, cell = axis values in
    summary order; None if the file is missing."""
    rows = read_csv(os.path.join(ctx.adir, "metrics.csv"))
    if rows is None:
        return None
    axes = list(ctx.axes)
    out = {}
    for r in rows:
        n, done = num(r["n"]), num(r["done"])
        out.setdefault(r["metric"], {})[cell_of(r, axes)] = (int(n) if np.isfinite(n) else 0, num(r["mean"]),
                                                              num(r["sem"]), int(done) if np.isfinite(done) else 0)
    return out


def h5_table(f, name):
    """Per-task table `name` of campaign.h5: (columns, data, offset) or None."""
    if f is None or f"tables/{name}" not in f:
        return None
    g = f[f"tables/{name}"]
    cols = g.attrs.get("columns", "")
    cols = (cols.decode() if isinstance(cols, bytes) else str(cols)).split(",")
    off = g["offset"][:]
    if off[-1] == 0:
        return None
    return cols, g["data"], off


def task_rows(table, k):
    cols, data, off = table
    return {c: col for c, col in zip(cols, np.asarray(data[off[k]:off[k + 1]], dtype=float).T)} \
        if off[k + 1] > off[k] else None


def errorline(ax, x, m, s, **kw):
    """Mean ± s.e.m. as a line with error bars (NaN s.e.m. -> no bar)."""
    s = np.where(np.isfinite(s), s, 0.0)
    return ax.errorbar(x, m, yerr=s, marker="o", ms=4, capsize=2, lw=1.2, **kw)


def grid_col(ctx, name):
    f = ctx.f
    return f[f"grid/{name}"][:].astype(float) if f is not None and f"grid/{name}" in f else None


def task_text(ctx, k, axes=("rank", "lr", "recovery_c", "residual", "r", "phi", "gamma", "seq_len")):
    parts = []
    for a in axes:
        col = grid_col(ctx, a)
        if col is not None and (a in ctx.axes or a == "lr"):
            parts.append(f"{AXIS_LABELS.get(a, a)} {axis_text(a, col[k])}")
    seed = grid_col(ctx, "seed")
    if seed is not None:
        parts.append(f"seed {int(seed[k])}")
    return ", ".join(parts)


def no_h5(ctx, name):
    if ctx.f is None:
        warn(f"no campaign.h5: no {name}")
        return True
    return False


def needed_table(ctx, fig, name, why):
    """Table `name` of campaign.h5 (h5_table) for figure `fig`, or None after a
    warning that says why it is missing (no campaign.h5, or `why`)."""
    if no_h5(ctx, fig):
        return None
    tab = h5_table(ctx.f, name)
    if tab is None:
        warn(f"campaign.h5 has no {name} table ({why}): no {fig}")
    return tab


def learned_defined(summary):
    """Whether any cell has a value of the metric "learned" (a WCRNN campaign
    with wcrnn.threshold <= 0, e.g. task lyapunov, has none: no phase diagram)."""
    return any((c.get("metrics", {}).get("learned") or {}).get("n", 0) > 0
               for c in summary.get("model", {}).get("cells", []))




def render(summary, d, out, formats, figs=None):
    """Renders `figs` (the family's MODEL_FIGURES, analysis/families/<id>.py;
    None: every model figure, each skipping what it cannot draw); returns how
    many were rendered."""
    if figs is None:  # a family without a figure module: none
        warn(f"no figure module for family {summary['campaign'].get('family_id', '?')}: no model figures")
        figs = ()
    h5 = os.path.join(d, "campaign.h5")
    f = None
    if os.path.exists(h5):
        import h5py
        f = h5py.File(h5, "r")
    else:
        warn(f"{h5} does not exist (run `memphase gather {d}`): figures from campaign.h5 are skipped")
    try:
        ctx = Ctx(summary, d, out, formats, f)
        n = 0
        for fig in figs:
            try:
                n += bool(fig(ctx))
            except Exception as e:  # one broken figure must not lose the others
                warn(f"{fig.__name__} failed: {type(e).__name__}: {e}")
                plt.close("all")
        return n
    finally:
        if f is not None:
            f.close()
