#!/usr/bin/python3
"""Figures of a memphase campaign, from DIR/campaign.h5 and DIR/analysis/.

    /usr/bin/python3 analysis/figures.py DIR [--out DIR/analysis/figures] [--formats png,pdf]

Run `memphase analyze DIR` first (it writes DIR/analysis/). Renders, each as
PNG and PDF:

  phase_diagram     three-colour map per (lr, delay) cell: red = fail + unstable,
                    green = LC, blue = SP fraction, with a colour triangle as key
                    (toys and no-memory: fraction learned; lr against the
                    family's second axis; one panel per value of further axes)
  scaling           log-log boundary points, OLS fit line, bootstrap band,
                    exponent with its 95 % CI in the legend (one panel per exponent)
  curves_by_class   loss (geometric mean ×/÷ SD) and accuracy (mean ± SD)
                    against epoch, per class (no-memory: learned / not)
  psd_hist          histogram of the PSD ratio rho of learned networks (LC / SP)
  lyapunov_vs_class (after `memphase analyze --lyapunov`) largest Lyapunov
                    exponent of the free run against rho, LC / SP (issue 7)
  free_run          free-run read-out and top-2 PC trajectories of one LC and
                    one SP network, simulated noise-free in numpy from the
                    stored final weights (SPEC §2, §3.5)
  mechanism_examples, switch_jump_distance
                    (campaigns with output.snapshots, SPEC §3.8) from
                    analysis/mechanism.py: loss curves with the class of
                    every snapshot, and switch-to-jump distances vs the null

What is family-specific (fraction learned instead of classes, axis labels,
the free-run simulation of its model, its own figures) comes from the
family's module analysis/families/<id>.py, picked by campaign.h5's attribute
family_id (analysis/families/__init__.py); this file never tests a family or
preset name.

Model families (summary.json has a "model" member: ghost-rank1, ghost-rankK,
wcrnn) have no exponents and no LC/SP classes: instead of scaling,
curves_by_class, psd_hist and free_run they get their module's
MODEL_FIGURES (analysis/families/ghost.py, wcrnn.py; phase diagram =
fraction learned):

  recovery          ghost Fig. 4: recovery curves of the stuck networks per
                    confidence c, final accuracy against c, phase-1 counts
  loss_vs_lr        ghost Fig. S1: loss against lr at checkpoint epochs
  learned_vs_rank   ghost Fig. S2: fraction learned against rank K per lr
  latent_flow       ghost Fig. 3A: loss, f(κ) around the steepest loss drop,
                    fixed-point count and ghost speed against epoch
  slow_points       ghost rank 2: slow and fixed points in the κ1-κ2 plane
  lyapunov_spectrum wcrnn: Lyapunov exponents against log|eig(R)|, deviation
                    against γ
  accuracy_vs_r     wcrnn: final accuracy (adding: MSE) and updates to
  accuracy_vs_phi   threshold against r resp. φ (2π/28 marked)

A figure whose input is missing (no campaign.h5, a toy family without
weights or curves, no learned network, a model figure whose axis is not
swept, ...) is skipped with a warning (no LC or no SP network: the free_run
panel says so). Exit code: 0 if the phase diagram and the scaling plot were
rendered (model families: the phase diagram, unless the grid has fewer than
two axes or no network has the metric "learned", and at least one model
figure), 1 otherwise, 2 if
DIR/analysis/summary.json does not exist.

Only Debian's python3-matplotlib, python3-h5py and python3-numpy are used.
"""
import argparse
import csv
import json
import math
import textwrap
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import families  # noqa: E402  (analysis/families: the per-family figure modules)

CLASS_NAMES = {0: "fail", 1: "LC", 2: "SP", 3: "unstable"}
CLASS_COLOURS = {0: "tab:red", 1: "tab:green", 2: "tab:blue", 3: "tab:orange"}
PSD_LC_THRESHOLD = 0.5  # SPEC §3.5: rho < 0.5 -> LC


def warn(msg):
    print(f"figures: warning: {msg}", file=sys.stderr)


def save(fig, out, name, formats):
    paths = []
    for fmt in formats:
        p = os.path.join(out, f"{name}.{fmt}")
        fig.savefig(p, dpi=150, bbox_inches="tight")
        paths.append(p)
    plt.close(fig)
    print("figures: wrote " + ", ".join(paths))
    return True


def num(v):
    return float(v) if v not in ("", None) else float("nan")


# ------------------------------------------------------------------ phase diagram
# Categorical grid axes are stored as codes (docs/output-schema.md).
CATEGORICAL = {"residual": ["homogeneous", "rotational", "heterogeneous_diag", "heterogeneous_rot", "zero"]}


def axis_label(axis, v, spec):
    names = CATEGORICAL.get(axis)
    if names and float(v).is_integer() and 0 <= int(v) < len(names):
        return names[int(v)]
    return format(v, spec)


def colour_triangle(ax):
    """The colour key of the three-colour map: every mixture of the fail + unstable
    (red), LC (green) and SP (blue) fractions, on a triangle."""
    n = 200
    xs, ys = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, math.sqrt(3) / 2, n))
    # vertices: fail (0, 0), LC (1, 0), SP (1/2, sqrt(3)/2); barycentric weights
    w_sp = ys / (math.sqrt(3) / 2)
    w_lc = xs - 0.5 * w_sp
    w_fail = 1 - w_lc - w_sp
    rgba = np.stack([w_fail, w_lc, w_sp, np.ones_like(xs)], axis=-1)
    outside = (w_fail < 0) | (w_lc < 0) | (w_sp < 0)
    rgba[outside] = (1, 1, 1, 0)
    ax.imshow(np.clip(rgba, 0, 1), origin="lower", extent=(0, 1, 0, math.sqrt(3) / 2))
    ax.text(0, -0.04, "fail +\nunstable", ha="center", va="top", fontsize=7)
    ax.text(1, -0.04, "LC", ha="center", va="top", fontsize=7)
    ax.text(0.5, math.sqrt(3) / 2 + 0.03, "SP", ha="center", va="bottom", fontsize=7)
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylim(-0.25, 1.0)
    ax.set_axis_off()
    ax.set_title("colour = class fractions", fontsize=7)


def phase_diagram(summary, adir, out, formats, fam):
    path = os.path.join(adir, "phase_diagram.csv")
    if not os.path.exists(path):
        warn(f"{path} is missing: no phase diagram")
        return False
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    axes = list(summary["axes"].keys())
    family = summary["campaign"]["family"]
    # families without LC / SP classes (and every family with a "model"
    # summary) have one outcome only: learned or not
    learned_map = fam.learned_only(family) or "model" in summary
    if len(axes) < 2:
        warn(f"the grid has {len(axes)} axis: a phase diagram needs two")
        return False
    # y = lr (log-spaced values, one row each), x = the other swept axis
    # (delay, response); every combination of further axes gets its own panel
    y_axis = "lr" if "lr" in axes else axes[0]
    x_axis = next(a for a in axes if a != y_axis)
    others = [a for a in axes if a not in (x_axis, y_axis)]
    combos = [()]
    for a in others:
        combos = [c + (v,) for c in combos for v in sorted(set(summary["axes"][a]))]
    if len(combos) > 16:
        warn(f"{len(combos)} combinations of {', '.join(others)}: the phase diagram shows the first 16")
        combos = combos[:16]
    xs = sorted(set(float(v) for v in summary["axes"][x_axis]))
    ys = sorted(set(float(v) for v in summary["axes"][y_axis]))

    def close(a, b):
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))  # relative: toy α is ~1e-15

    def index(vals, v):
        for i, w in enumerate(vals):
            if close(w, v):
                return i
        return None

    ncol = min(len(combos), 4)
    nrow = math.ceil(len(combos) / ncol)
    fig = plt.figure(figsize=(5.2 * ncol + 1.8, 4.3 * nrow))
    gs = fig.add_gridspec(nrow, ncol + 1, width_ratios=[5.2] * ncol + [1.8])
    partial_any = False
    for p, combo in enumerate(combos):
        ax = fig.add_subplot(gs[p // ncol, p % ncol])
        img = np.full((len(ys), len(xs), 3), np.nan)
        done = np.zeros((len(ys), len(xs)), dtype=int)
        seeds = np.zeros((len(ys), len(xs)), dtype=int)
        for r in rows:
            if not all(close(num(r[a]), v) for a, v in zip(others, combo)):
                continue
            i, j = index(ys, num(r[y_axis])), index(xs, num(r[x_axis]))
            if i is None or j is None:
                continue
            done[i, j], seeds[i, j] = int(r["done"]), int(r["seeds"])
            if done[i, j] == 0:
                continue
            if learned_map:
                fl = num(r["frac_learned"])
                img[i, j] = (1 - fl, fl, 0.0)
            else:
                img[i, j] = (num(r["frac_fail"]) + num(r["frac_unstable"]), num(r["frac_lc"]),
                             num(r["frac_sp"]))
        shown = np.where(np.isnan(img), 0.85, np.clip(img, 0, 1))  # grey where nothing is done
        ax.imshow(shown, origin="lower", aspect="auto", interpolation="nearest")
        # At most ~24 labels per axis (a toy's α axis has 64 values).
        xstep, ystep = max(1, -(-len(xs) // 24)), max(1, -(-len(ys) // 24))
        ax.set_xticks(range(0, len(xs), xstep))
        ax.set_xticklabels([axis_label(x_axis, v, "g") for v in xs[::xstep]], rotation=90 if len(xs) > 12 else 0,
                           fontsize=7)
        ax.set_yticks(range(0, len(ys), ystep))
        ax.set_yticklabels([axis_label(y_axis, v, ".3g") for v in ys[::ystep]], fontsize=7)
        labels = fam.axis_labels(family, x_axis, y_axis) or (
            f"{x_axis} (ms)" if x_axis in ("delay", "response") else x_axis,
            f"{y_axis} (log-spaced grid)" if y_axis == "lr" else y_axis)
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        partial = (done < seeds).any()
        partial_any |= bool(partial)
        small = 6 if len(xs) * len(ys) < 200 else 4
        for i in range(len(ys)):
            for j in range(len(xs)):
                if done[i, j] == 0:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                           edgecolor="0.55", lw=0))
                    ax.text(j, i, f"0/{seeds[i, j]}", ha="center", va="center", fontsize=small, color="k")
                elif partial and done[i, j] < seeds[i, j]:
                    ax.text(j, i, f"{done[i, j]}/{seeds[i, j]}", ha="center", va="center",
                            fontsize=small, color="w")
        if combo:
            ax.set_title(", ".join(f"{a} = {v:g}" for a, v in zip(others, combo)), fontsize=9)
    c = summary["counts"]
    title = f"{campaign_title(summary)} ({family}): {c['done']}/{c['tasks']} networks done"
    if learned_map:
        title += "; colour = fraction learned"
    if partial_any:
        title += "; done/seeds in incomplete cells"
    fig.suptitle(title, fontsize=10)
    key = fig.add_subplot(gs[0, ncol])
    if learned_map:
        handles = [Patch(color=(0, 1, 0), label="all learned"), Patch(color=(0.5, 0.5, 0), label="half"),
                   Patch(color=(1, 0, 0), label="none learned"),
                   Patch(facecolor=(0.85, 0.85, 0.85), hatch="///", edgecolor="0.55", label="no network done")]
        key.legend(handles=handles, loc="upper left", fontsize=7, title="colour = fraction", title_fontsize=7)
        key.set_axis_off()
    else:
        colour_triangle(key)
        key.legend(handles=[Patch(facecolor=(0.85, 0.85, 0.85), hatch="///", edgecolor="0.55",
                                  label="no network done")], loc="upper center", bbox_to_anchor=(0.5, -0.02),
                   fontsize=7)
    fig.tight_layout()
    return save(fig, out, "phase_diagram", formats)


# ------------------------------------------------------------------ scaling
def scaling(summary, out, formats):
    exps = summary.get("exponents", {})
    if not exps:
        warn("summary.json has no exponent: no scaling plot")
        return False
    n = len(exps)
    cols = min(n, 2)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 4.2 * rows), squeeze=False)
    level = summary.get("bootstrap", {}).get("level", 0.95)
    for k, (name, e) in enumerate(exps.items()):
        ax = axes[k // cols][k % cols]
        pts = e.get("points") or []
        title = e.get("label") or name
        if e.get("ok") and "resolved" in e:
            # issue 14: every exponent carries its resolved / unresolved label
            title += " — resolved" if e["resolved"] else " — UNRESOLVED"
        ax.set_title(title, fontsize=10, color="k" if e.get("resolved", True) or not e.get("ok") else "tab:red")
        if e.get("ok") and e.get("resolved") is False:
            why = "; ".join(e.get("unresolved_because") or [])
            ax.text(0.98, 0.98, textwrap.fill("unresolved: " + why + " (see docs/reproduction.md)", 55),
                    transform=ax.transAxes, ha="right", va="top", fontsize=6, color="tab:red")
        ax.set_xlabel(e.get("t_name") or "t")
        ax.set_ylabel(e.get("lr_name") or "lr")
        if pts:
            t = np.array([p["t"] for p in pts])
            lr = np.array([p["lr"] for p in pts])
            ax.loglog(t, lr, "o", color="k", ms=4, label=f"boundaries ({len(pts)})")
        notes = []
        if e.get("skipped"):
            notes.append(f"{len(e['skipped'])} {e.get('lr_name') or 'lr'} skipped (max fraction too small)")
        if e.get("failed"):
            notes.append(f"{len(e['failed'])} boundary fit(s) failed")
        if notes:
            ax.text(0.02, 0.02, "; ".join(notes), transform=ax.transAxes, ha="left", va="bottom", fontsize=7,
                    color="0.3")
        if not e.get("ok") or e.get("estimate") is None or e.get("intercept") is None:
            ax.text(0.5, 0.5, "not fitted:\n" + (e.get("reason") or "no estimate"), transform=ax.transAxes,
                    ha="center", va="center", fontsize=8, wrap=True)
            if pts:
                ax.legend(fontsize=8)
            else:
                ax.set_xscale("log")
                ax.set_yscale("log")
            continue
        band = e.get("band") or {}
        bt = np.array(band.get("t") or [], dtype=float)
        if bt.size:
            lo = np.array([np.nan if v is None else v for v in band["lr_lo"]], dtype=float)
            hi = np.array([np.nan if v is None else v for v in band["lr_hi"]], dtype=float)
            ax.fill_between(bt, lo, hi, color="tab:blue", alpha=0.25, lw=0,
                            label=f"bootstrap {100 * level:.0f} % band")
            line_t = bt
        else:
            line_t = np.geomspace(min(p["t"] for p in pts), max(p["t"] for p in pts), 50)
        est, c0 = e["estimate"], e["intercept"]
        ci = ""
        if e.get("ci_lo") is not None and e.get("ci_hi") is not None:
            ci = f" [{e['ci_lo']:.2f}, {e['ci_hi']:.2f}] ({100 * level:g} % CI)"
        r2 = f", R² {e['r2']:.2f}" if e.get("r2") is not None else ""
        ax.loglog(line_t, np.exp(c0) * line_t ** (-est), "-", color="tab:blue",
                  label=f"{e.get('label') or name} = {est:.2f}{ci}{r2}")
        if e.get("boot_failed"):
            ax.plot([], [], " ", label=f"{e['boot_failed']} of {e.get('resamples', '?')} bootstrap resamples "
                                       "not fitted (CI over the rest)")
        if e.get("networks") is not None:
            ax.plot([], [], " ", label=f"{e.get('n_points', len(pts))} points, {e['networks']} networks")
        if pts:
            # A bootstrap band that runs off to lr = 1e20 (an unresolved
            # exponent whose resamples include a flat slope) would squash the
            # points into one line: the plot shows at most a decade beyond
            # them, and says when the band is cut.
            ylo, yhi = float(lr.min()) / 10.0, float(lr.max()) * 10.0
            cur_lo, cur_hi = ax.get_ylim()
            if cur_lo < ylo or cur_hi > yhi:
                ax.set_ylim(max(cur_lo, ylo), min(cur_hi, yhi))
                ax.plot([], [], " ", label="band cut at a decade beyond the points")
        # The boundaries fall from top left to bottom right: the legend takes
        # the bottom-left corner, the unresolved reasons the top-right one.
        ax.legend(fontsize=7, loc="lower left")
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.suptitle(f"{campaign_title(summary)}: ln lr = -β ln t + c (OLS; CI: seed-paired bootstrap, "
                 f"{summary.get('bootstrap', {}).get('resamples', '?')} resamples)", fontsize=9)
    fig.tight_layout()
    return save(fig, out, "scaling", formats)


# ------------------------------------------------------------------ campaign.h5 figures
def curves_by_class(f, out, formats, fam, chunk=1 << 23):
    if "curves" not in f or f["curves/loss"].shape[0] == 0:
        warn("campaign.h5 has no curves: no curves_by_class")
        return False
    off = f["curves/offset"][:]
    done = f["tasks/done"][:]
    cls = f["tasks/class"][:].astype(int)
    names, colours = CLASS_NAMES, CLASS_COLOURS
    own = fam.curve_classes(f, attr_str(f, "family"))
    if own is not None:  # the family's own outcome classes (e.g. learned / not)
        cls, names, colours = own
    n_points = int(off[-1])
    # Rows differ in their epoch counts: points are aligned by epoch value and
    # averaged over the rows of a class that have that epoch. Sums per (class,
    # epoch), read in chunks of points (a paper campaign has ~1e8 points).
    n_ep = int(f["curves/epoch"][:].max()) + 1 if n_points else 0
    sums = np.zeros((len(CLASS_NAMES), 5, n_ep))
    for lo in range(0, n_points, chunk):
        hi = min(lo + chunk, n_points)
        row = np.searchsorted(off, np.arange(lo, hi), side="right") - 1
        ep = f["curves/epoch"][lo:hi]
        loss = f["curves/loss"][lo:hi].astype(float)
        acc = f["curves/accuracy"][lo:hi].astype(float)
        c = np.where(done[row] == 1, cls[row], -1)
        # loss spans decades: statistics of ln loss (geometric mean and SD)
        ok = (c >= 0) & np.isfinite(loss) & (loss > 0) & np.isfinite(acc)
        ll = np.log(np.where(ok, loss, 1.0))
        for k in names:
            m = ok & (c == k)
            if not m.any():
                continue
            e = ep[m]
            for q, w in enumerate((None, ll[m], ll[m] ** 2, acc[m], acc[m] ** 2)):
                sums[k, q] += np.bincount(e, weights=w, minlength=n_ep)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    any_class = False
    for c, name in names.items():
        n_rows = int(np.count_nonzero((done == 1) & (cls == c)))
        have = np.flatnonzero(sums[c, 0] > 0) if n_ep else np.array([], dtype=int)
        if n_rows == 0 or have.size == 0:
            continue
        any_class = True
        es = have
        n, s1, s2, s3, s4 = (sums[c, q, have] for q in range(5))
        ml = s1 / n
        sl = np.sqrt(np.maximum(s2 / n - ml ** 2, 0))
        ma = s3 / n
        sa = np.sqrt(np.maximum(s4 / n - ma ** 2, 0))
        col = colours[c]
        a1.plot(es, np.exp(ml), color=col, label=f"{name} ({n_rows})")
        a1.fill_between(es, np.exp(ml - sl), np.exp(ml + sl), color=col, alpha=0.2, lw=0)
        a2.plot(es, ma, color=col, label=f"{name} ({n_rows})")
        a2.fill_between(es, ma - sa, ma + sa, color=col, alpha=0.2, lw=0)
    if not any_class:
        warn("no done network: no curves_by_class")
        plt.close(fig)
        return False
    a1.set_yscale("log")
    a1.set_xlabel("epoch")
    a1.set_ylabel("loss (geometric mean ×/÷ geometric SD)")
    a2.set_xlabel("epoch")
    a2.set_ylabel("accuracy (mean ± SD)")
    a2.set_ylim(-0.05, 1.05)
    a1.legend(fontsize=8)
    a2.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, out, "curves_by_class", formats)


def lyapunov_vs_class(adir, out, formats):
    """`memphase analyze --lyapunov` cross-check (issue 7): the largest Lyapunov
    exponent of each LC / SP network's free run against its PSD ratio rho."""
    path = os.path.join(adir, "lyapunov.csv")
    if not os.path.exists(path):
        return False  # analyze ran without --lyapunov: nothing to draw (not a warning)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        warn(f"{path} has no rows: no lyapunov_vs_class")
        return False
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, code in (("LC", 1), ("SP", 2)):
        pts = [(num(r["psd_ratio"]), num(r["lambda1"])) for r in rows if r["class"] == name]
        if pts:
            x, y = zip(*pts)
            ax.scatter(x, y, s=14, color=CLASS_COLOURS[code], label=f"{name} ({len(pts)})")
    ax.axvline(PSD_LC_THRESHOLD, color="grey", ls=":", lw=1, label="ρ = 0.5 (SPEC §3.5)")
    ax.axhspan(-1e-3, 1e-3, color="grey", alpha=0.2, lw=0, label="|λ1| ≤ 1e-3")
    ax.set_yscale("symlog", linthresh=1e-4)
    ax.set_xlabel("PSD ratio ρ")
    ax.set_ylabel("largest Lyapunov exponent λ1 (per step)")
    ax.set_title("free-run λ1 against the PSD class: LC ≈ 0, SP < 0", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, out, "lyapunov_vs_class", formats)


def psd_hist(f, out, formats, fam):
    rho = f["tasks/psd_ratio"][:]
    cls = f["tasks/class"][:]
    ok = np.isfinite(rho) & (rho > 0)
    if not ok.any():
        warn("no learned network has a PSD ratio: no psd_hist")
        return False
    lo = max(rho[ok].min(), 1e-12)
    bins = np.geomspace(lo / 1.5, max(1.0, float(rho[ok].max())) * 1.01, 40)
    fig, ax = plt.subplots(figsize=(6, 4))
    for c in (1, 2):
        sel = ok & (cls == c)
        if sel.any():
            ax.hist(rho[sel], bins=bins, color=CLASS_COLOURS[c], alpha=0.7,
                    label=f"{CLASS_NAMES[c]} ({sel.sum()})")
    ax.axvline(PSD_LC_THRESHOLD, color="k", ls="--", lw=1, label="ρ = 0.5 (LC below)")
    ax.set_xscale("log")
    ax.set_xlabel("PSD ratio ρ (SPEC §3.5)")
    ax.set_ylabel("networks")
    ax.legend(fontsize=8)
    return save(fig, out, "psd_hist", formats)


def attr_str(f, name):
    v = f.attrs.get(name, "")
    return v.decode() if isinstance(v, bytes) else str(v)


def flat_config(text):
    cfg = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            cfg[k.strip()] = v.strip()
    return cfg


def free_run(f, out, formats, fam):
    why = fam.free_run_refusal(attr_str(f, "family"))
    if why:
        warn(why)
        return False
    if fam.simulate is None:
        warn(f"family {fam.id or '?'} has no free-run simulation: no free_run")
        return False
    if "weights/final" not in f and "params/final" not in f:
        warn("campaign.h5 has no final weights: no free_run")
        return False
    cfg = flat_config(attr_str(f, "config_yaml"))
    done, cls = f["tasks/done"][:], f["tasks/class"][:]
    rho = f["tasks/psd_ratio"][:]
    picks = []
    for c in (1, 2):
        rows = np.flatnonzero((done == 1) & (cls == c))
        if rows.size:
            # the most typical network of its class: rho farthest from the threshold
            picks.append((c, rows[np.argmin(rho[rows])] if c == 1 else rows[np.argmax(rho[rows])]))
        else:
            picks.append((c, None))
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for col, (c, k) in enumerate(picks):
        a_out, a_pc = axes[0][col], axes[1][col]
        if k is None:
            for a in (a_out, a_pc):
                a.text(0.5, 0.5, f"no {CLASS_NAMES[c]} network among the done ones", ha="center", va="center",
                       transform=a.transAxes)
                a.set_axis_off()
            continue
        R, O, dt, cue, T = fam.simulate(f, k, cfg)
        t = np.arange(len(O)) * dt
        desc = (f"{CLASS_NAMES[c]}: lr {f['grid/lr'][k]:.3g}, delay {f['grid/delay'][k]:g} ms, "
                f"seed {f['grid/seed'][k]}, ρ = {rho[k]:.2g}")
        a_out.plot(t, O[:, 0], label="output 0")
        a_out.plot(t, O[:, 1], label="output 1")
        a_out.axvspan(0, cue * dt, color="grey", alpha=0.2, label="cue")
        a_out.axvline(T * dt, color="k", ls=":", lw=1, label="trial end")
        a_out.set_title(desc, fontsize=9)
        a_out.set_xlabel("time (ms)")
        a_out.set_ylabel("read-out")
        a_out.legend(fontsize=7)
        Fc = R - R.mean(axis=0)
        _, _, Vt = np.linalg.svd(Fc, full_matrices=False)
        P = R @ Vt[:2].T
        a_pc.plot(P[:, 0], P[:, 1], lw=0.8, color=CLASS_COLOURS[c])
        a_pc.plot(P[0, 0], P[0, 1], "ko", ms=4, label="start")
        a_pc.plot(P[-1, 0], P[-1, 1], "k^", ms=5, label=f"after {len(P)} steps")
        a_pc.set_xlabel("PC 1")
        a_pc.set_ylabel("PC 2")
        a_pc.set_title("free-run rates, top-2 principal components", fontsize=9)
        a_pc.legend(fontsize=7)
    fig.suptitle("free runs of trial type 0 for 9 T steps from the final weights (SPEC §3.5, noise-free; "
                 "ρ as stored by the classifier)", fontsize=10)
    fig.tight_layout()
    return save(fig, out, "free_run", formats)


def family_of(summary, h5):
    """The figure module of the campaign's family (analysis/families/<id>.py):
    by campaign.h5's attribute family_id, else summary.json's, else by the
    preset (files written before family_id existed)."""
    fid = summary["campaign"].get("family_id", "")
    if os.path.exists(h5):
        import h5py
        with h5py.File(h5, "r") as f:
            fid = attr_str(f, "family_id") or fid
    return families.module_for(fid, summary["campaign"]["family"])


def merged_blocks(summary):
    """The directories of a merged analysis (`memphase analyze A B ... --out M`), whose summary.json
    names them in "source" joined by " + " (report/analyze.cpp); [] for a single campaign."""
    parts = summary.get("source", "").split(" + ")
    return parts if len(parts) > 1 else []


def campaign_title(summary):
    """The campaign's name for a figure title. A merged analysis carries the first block's campaign
    (its name), so the title says that it is the first of several blocks."""
    name = summary["campaign"]["name"]
    blocks = merged_blocks(summary)
    return f"{name} + {len(blocks) - 1} more seed block(s), merged" if blocks else name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", help="campaign directory (memphase run --out DIR)")
    ap.add_argument("--out", help="output directory (default DIR/analysis/figures)")
    ap.add_argument("--formats", default="png,pdf", help="comma-separated matplotlib formats")
    a = ap.parse_args()
    adir = os.path.join(a.dir, "analysis")
    spath = os.path.join(adir, "summary.json")
    if not os.path.exists(spath):
        print(f"figures: error: {spath} does not exist: run `memphase analyze {a.dir}` first", file=sys.stderr)
        return 2
    summary = json.load(open(spath))
    out = a.out or os.path.join(adir, "figures")
    os.makedirs(out, exist_ok=True)
    formats = [x for x in a.formats.split(",") if x]
    h5 = os.path.join(a.dir, "campaign.h5")
    fam = family_of(summary, h5)
    if fam.render is not None:  # a family that draws all of its own figures (e.g. rank2)
        return 0 if fam.render(summary, a.dir, out, formats) > 0 else 1
    if "model" in summary:  # ghost / wcrnn families: no exponents, no LC/SP classes
        import model_figures
        # a one-axis grid (Fig. 4: recovery_c; Fig. 3A: lr) has no phase diagram to draw, nor
        # has a campaign without the metric "learned" (wcrnn with threshold <= 0: Lyapunov spectra)
        if model_figures.learned_defined(summary):
            try:
                pd = phase_diagram(summary, adir, out, formats, fam) or len(summary.get("axes", {})) < 2
            except Exception as e:  # the model figures must still be rendered
                warn(f"phase_diagram failed: {type(e).__name__}: {e}")
                pd = False
        else:
            warn("no network has the metric 'learned' (wcrnn.threshold <= 0?): no phase diagram")
            pd = True
        rendered = model_figures.render(summary, a.dir, out, formats, fam.model_figures)
        return 0 if pd and rendered > 0 else 1
    essential = [phase_diagram(summary, adir, out, formats, fam), scaling(summary, out, formats)]
    try:
        lyapunov_vs_class(adir, out, formats)
    except Exception as e:
        warn(f"lyapunov_vs_class failed: {type(e).__name__}: {e}")
    if os.path.exists(h5):
        import h5py
        with h5py.File(h5, "r") as f:
            for fig in (curves_by_class, psd_hist, free_run):
                if fig.__name__ not in fam.h5_figures:
                    continue
                try:
                    fig(f, out, formats, fam)
                except Exception as e:  # one broken figure must not lose the others
                    warn(f"{fig.__name__} failed: {type(e).__name__}: {e}")
    elif (blocks := merged_blocks(summary)):
        warn(f"{a.dir} is a merged analysis of {len(blocks)} seed blocks, with no campaign.h5 "
             "of its own: only the phase diagram and scaling plot (run figures.py on a block's directory "
             "for the per-network figures)")
    else:
        warn(f"{h5} does not exist (run `memphase gather {a.dir}`): only the phase diagram and scaling plot")
    if "mechanism" in summary:  # output.snapshots (SPEC §3.8): analysis/mechanism.py
        import mechanism
        try:
            mechanism.render(summary, a.dir, out, formats)
        except Exception as e:
            warn(f"mechanism figures failed: {type(e).__name__}: {e}")
    return 0 if all(essential) else 1


if __name__ == "__main__":
    sys.exit(main())
