#!/usr/bin/python3
"""Figures of a memphase campaign, from DIR/campaign.h5 and DIR/analysis/.

    /usr/bin/python3 analysis/figures.py DIR [--out DIR/analysis/figures] [--formats png,pdf]

Run `memphase analyze DIR` first (it writes DIR/analysis/). Renders, each as
PNG and PDF:

  phase_diagram     three-colour map per (lr, delay) cell: red = fail + unstable,
                    green = LC, blue = SP fraction (toys: fraction learned)
  scaling           log-log boundary points, OLS fit line, bootstrap band,
                    exponent with its 95 % CI in the legend (one panel per exponent)
  curves_by_class   mean ± SD of loss and accuracy against epoch, per class
  psd_hist          histogram of the PSD ratio rho of learned networks (LC / SP)
  free_run          free-run read-out and top-2 PC trajectories of one LC and
                    one SP network, simulated from the stored final weights

A figure whose input is missing (no campaign.h5, a toy family without
weights or curves, no LC network, ...) is skipped with a warning. Exit code:
0 if the phase diagram and the scaling plot were rendered, 1 otherwise, 2 if
DIR/analysis/summary.json does not exist.

Only Debian's python3-matplotlib, python3-h5py and python3-numpy are used.
"""
import argparse
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

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
def phase_diagram(summary, adir, out, formats):
    path = os.path.join(adir, "phase_diagram.csv")
    if not os.path.exists(path):
        warn(f"{path} is missing: no phase diagram")
        return False
    rows = list(csv.DictReader(open(path)))
    axes = list(summary["axes"].keys())
    toy = summary["campaign"]["family"].startswith("toy-")
    if len(axes) < 2:
        warn(f"the grid has {len(axes)} axis: a phase diagram needs two")
        return False
    # y = lr (log), x = the other swept axis (delay, response); other axes: first value
    y_axis = "lr" if "lr" in axes else axes[0]
    x_axis = next(a for a in axes if a != y_axis)
    fixed = {a: summary["axes"][a][0] for a in axes if a not in (x_axis, y_axis)}
    xs = sorted(set(summary["axes"][x_axis]))
    ys = sorted(set(summary["axes"][y_axis]))
    img = np.full((len(ys), len(xs), 3), np.nan)
    done = np.zeros((len(ys), len(xs)), dtype=int)
    seeds = np.zeros((len(ys), len(xs)), dtype=int)
    for r in rows:
        if any(abs(num(r[a]) - v) > 1e-12 * max(1.0, abs(v)) for a, v in fixed.items()):
            continue
        i, j = ys.index(num(r[y_axis])), xs.index(num(r[x_axis]))
        done[i, j], seeds[i, j] = int(r["done"]), int(r["seeds"])
        if done[i, j] == 0:
            continue
        if toy:
            fl = num(r["frac_learned"])
            img[i, j] = (1 - fl, fl, 0.0)
        else:
            img[i, j] = (num(r["frac_fail"]) + num(r["frac_unstable"]), num(r["frac_lc"]), num(r["frac_sp"]))
    fig, ax = plt.subplots(figsize=(7, 5))
    shown = np.where(np.isnan(img), 0.85, img)  # grey where nothing is done
    ax.imshow(shown, origin="lower", aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels([f"{v:g}" for v in xs], rotation=90 if len(xs) > 12 else 0, fontsize=7)
    ax.set_yticks(range(len(ys)))
    ax.set_yticklabels([f"{v:.3g}" for v in ys], fontsize=7)
    ax.set_xlabel(f"{x_axis} (ms)" if x_axis in ("delay", "response") else x_axis)
    ax.set_ylabel(y_axis + (" (α)" if toy else ""))
    partial = (done < seeds).any()
    for i in range(len(ys)):
        for j in range(len(xs)):
            if done[i, j] == 0:
                ax.text(j, i, "none", ha="center", va="center", fontsize=6, color="k")
            elif partial and done[i, j] < seeds[i, j]:
                ax.text(j, i, f"{done[i, j]}/{seeds[i, j]}", ha="center", va="center", fontsize=6, color="w")
    c = summary["counts"]
    title = f"{summary['campaign']['name']} ({summary['campaign']['family']}): {c['done']}/{c['tasks']} networks"
    if fixed:
        title += " at " + ", ".join(f"{a}={v:g}" for a, v in fixed.items())
    ax.set_title(title, fontsize=9)
    from matplotlib.patches import Patch
    if toy:
        handles = [Patch(color=(0, 1, 0), label="learned"), Patch(color=(1, 0, 0), label="not learned")]
    else:
        handles = [Patch(color=(1, 0, 0), label="fail + unstable"), Patch(color=(0, 1, 0), label="LC"),
                   Patch(color=(0, 0, 1), label="SP"), Patch(color=(0.85, 0.85, 0.85), label="no network done")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title="colour = fraction", title_fontsize=8)
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
        ax.set_title(e.get("label") or name, fontsize=10)
        ax.set_xlabel(e.get("t_name") or "t")
        ax.set_ylabel(e.get("lr_name") or "lr")
        if pts:
            t = np.array([p["t"] for p in pts])
            lr = np.array([p["lr"] for p in pts])
            ax.loglog(t, lr, "o", color="k", ms=4, label=f"boundaries ({len(pts)})")
        if not e.get("ok"):
            ax.text(0.5, 0.5, "not fitted:\n" + (e.get("reason") or "?"), transform=ax.transAxes,
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
            ci = f" [{e['ci_lo']:.2f}, {e['ci_hi']:.2f}]"
        r2 = f", R² {e['r2']:.2f}" if e.get("r2") is not None else ""
        ax.loglog(line_t, np.exp(c0) * line_t ** (-est), "-", color="tab:blue",
                  label=f"{e.get('label') or name} = {est:.2f}{ci}{r2}")
        ax.legend(fontsize=7)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.suptitle(f"{summary['campaign']['name']}: ln lr = -β ln t + c (OLS; CI: seed-paired bootstrap, "
                 f"{summary.get('bootstrap', {}).get('resamples', '?')} resamples)", fontsize=9)
    fig.tight_layout()
    return save(fig, out, "scaling", formats)


# ------------------------------------------------------------------ campaign.h5 figures
def curves_by_class(f, out, formats):
    if "curves" not in f or f["curves/loss"].shape[0] == 0:
        warn("campaign.h5 has no curves: no curves_by_class")
        return False
    off = f["curves/offset"][:]
    done = f["tasks/done"][:]
    cls = f["tasks/class"][:]
    epoch, loss, acc = f["curves/epoch"][:], f["curves/loss"][:], f["curves/accuracy"][:]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    any_class = False
    for c, name in CLASS_NAMES.items():
        rows = np.flatnonzero((done == 1) & (cls == c))
        if rows.size == 0:
            continue
        any_class = True
        sums = {}
        for k in rows:
            a, b = off[k], off[k + 1]
            for e, l, ac in zip(epoch[a:b], loss[a:b], acc[a:b]):
                s = sums.setdefault(int(e), [0, 0.0, 0.0, 0.0, 0.0])
                if np.isfinite(l) and l > 0 and np.isfinite(ac):
                    ll = math.log(l)  # loss spans decades: statistics of ln loss
                    s[0] += 1
                    s[1] += ll
                    s[2] += ll * ll
                    s[3] += ac
                    s[4] += ac * ac
        es = np.array(sorted(e for e in sums if sums[e][0] > 0))
        if es.size == 0:
            continue
        n = np.array([sums[e][0] for e in es], dtype=float)
        ml = np.array([sums[e][1] for e in es]) / n
        sl = np.sqrt(np.maximum(np.array([sums[e][2] for e in es]) / n - ml ** 2, 0))
        ma = np.array([sums[e][3] for e in es]) / n
        sa = np.sqrt(np.maximum(np.array([sums[e][4] for e in es]) / n - ma ** 2, 0))
        col = CLASS_COLOURS[c]
        a1.plot(es, np.exp(ml), color=col, label=f"{name} ({rows.size})")
        a1.fill_between(es, np.exp(ml - sl), np.exp(ml + sl), color=col, alpha=0.2, lw=0)
        a2.plot(es, ma, color=col, label=f"{name} ({rows.size})")
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


def psd_hist(f, out, formats):
    rho = f["tasks/psd_ratio"][:]
    cls = f["tasks/class"][:]
    ok = np.isfinite(rho) & (rho > 0)
    if not ok.any():
        warn("no learned network has a PSD ratio: no psd_hist")
        return False
    lo = max(rho[ok].min(), 1e-12)
    bins = np.geomspace(lo / 1.5, 1.0, 40)
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


def flat_config(text):
    cfg = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            cfg[k.strip()] = v.strip()
    return cfg


def simulate(f, k, cfg, steps_factor=9, seed=0):
    """Free run of SPEC §3.5 from the final weights of row k: trial type 0
    (cue [0, 1]) for the cue steps, then zero input, 9 T steps, noise on."""
    n = int(f["grid/n"][k])
    g = "weights/final/"
    W_in = f[g + "W_in"][k][:n, :2].astype(float)
    W_rec = f[g + "W_rec"][k][:n, :n].astype(float)
    W_out = f[g + "W_out"][k][:, :n].astype(float)
    b_in, b_rec, b_out = f[g + "b_in"][k][:n], f[g + "b_rec"][k][:n], f[g + "b_out"][k]
    dt, tau = float(cfg.get("model.dt", 5)), float(f["grid/tau"][k])
    sigma = float(f["grid/noise_sigma"][k])
    alpha = dt / tau
    cue = int(math.floor(float(cfg.get("task.cue", 30)) / dt))
    T = cue + int(math.floor(float(f["grid/delay"][k]) / dt)) + int(math.floor(float(f["grid/response"][k]) / dt)) \
        + int(math.floor(float(f["grid/post"][k]) / dt))
    steps = steps_factor * T
    rng = np.random.default_rng(seed)
    r = np.tanh(float(cfg.get("model.init_state_sigma", 0.1)) * rng.standard_normal(n))
    linear = cfg.get("model.readout", "sigmoid") == "linear"
    R, O = np.empty((steps, n)), np.empty((steps, 2))
    for t in range(steps):
        o = W_out @ r + b_out
        O[t] = o if linear else 1 / (1 + np.exp(-o))
        u = np.array([0.0, 1.0]) if t < cue else np.zeros(2)
        z = np.tanh(W_in @ u + b_in + W_rec @ r + b_rec + sigma * rng.standard_normal(n))
        r = (1 - alpha) * r + alpha * z
        R[t] = r
    return R, O, dt, cue, T


def free_run(f, out, formats):
    if "weights/final" not in f:
        warn("campaign.h5 has no final weights: no free_run")
        return False
    cfg = flat_config(f.attrs["config_yaml"])
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
                a.text(0.5, 0.5, f"no {CLASS_NAMES[c]} network in this campaign", ha="center", va="center",
                       transform=a.transAxes)
                a.set_axis_off()
            continue
        R, O, dt, cue, T = simulate(f, k, cfg)
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
    fig.suptitle("free runs of trial type 0 for 9 T steps from the final weights (SPEC §3.5)", fontsize=10)
    fig.tight_layout()
    return save(fig, out, "free_run", formats)


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
    essential = [phase_diagram(summary, adir, out, formats), scaling(summary, out, formats)]
    h5 = os.path.join(a.dir, "campaign.h5")
    if os.path.exists(h5):
        import h5py
        with h5py.File(h5, "r") as f:
            for fig in (curves_by_class, psd_hist, free_run):
                try:
                    fig(f, out, formats)
                except Exception as e:  # one broken figure must not lose the others
                    warn(f"{fig.__name__} failed: {type(e).__name__}: {e}")
    else:
        warn(f"{h5} does not exist (run `memphase gather {a.dir}`): only the phase diagram and scaling plot")
    return 0 if all(essential) else 1


if __name__ == "__main__":
    sys.exit(main())
