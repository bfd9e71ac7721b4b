"""Figures of the wcrnn family (SPEC §6, seed 002): Lyapunov spectra and
accuracy against r and φ (analysis/model_figures.py)."""
import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm, Normalize

from model_figures import (AXIS_LABELS, PHI_DATA, axis_text, close, combo_text, combos, grid_col, matches,
                           metrics_table, needed_table, save, task_rows, warn)


PRESETS = ("wcrnn",)


def learned_only(preset):
    return True


# ------------------------------------------------------------------ WCRNN: Lyapunov spectrum
def lyapunov_spectrum(ctx):
    tab = needed_table(ctx, "lyapunov_spectrum", "lyapunov", "wcrnn.lyap_steps = 0?")
    if tab is None:
        return False
    f = ctx.f
    done = f["tasks/done"][:]
    gamma = grid_col(ctx, "gamma")
    by_gamma = gamma is not None and ctx.swept("gamma")
    residual = grid_col(ctx, "residual")
    by_res = not by_gamma and residual is not None and ctx.swept("residual")  # colour by type instead
    pts_x, pts_y, pts_g, dev = [], [], [], []
    zero = 0
    for k in range(len(done)):
        if done[k] != 1:
            continue
        rows = task_rows(tab, k)
        if rows is None:
            continue
        lam, le = rows["exponent"], rows["log_abs_eig_R"]
        ok = np.isfinite(lam) & np.isfinite(le) & (le > -700)  # R = 0: log|eig| stored as -1e300
        if not ok.any():
            zero += 1
            continue
        pts_x.append(le[ok])
        pts_y.append(lam[ok])
        pts_g.append(np.full(ok.sum(), gamma[k] if by_gamma else residual[k] if by_res else np.nan))
        dev.append((k, float(np.max(np.abs(lam[ok] - le[ok])))))
    if not pts_x:
        warn("no done network has Lyapunov exponents with finite log|eig(R)|: no lyapunov_spectrum")
        return False
    x, y, g = np.concatenate(pts_x), np.concatenate(pts_y), np.concatenate(pts_g)
    if by_gamma:  # large γ first: the small-γ points (on the identity line) stay visible on top
        o = np.argsort(-g, kind="stable")
        x, y, g = x[o], y[o], g[o]
    npan = 2 if by_gamma else 1
    fig, axs = plt.subplots(1, npan, figsize=(6.2 * npan, 5), squeeze=False)
    a1 = axs[0][0]
    if by_gamma:
        gs = sorted(set(ctx.axes["gamma"]))
        norm = LogNorm(min(gs), max(gs)) if min(gs) > 0 else Normalize(min(gs), max(gs))
        sc = a1.scatter(x, y, c=g, cmap="viridis", norm=norm, s=8, alpha=0.7, rasterized=True)
        fig.colorbar(sc, ax=a1, pad=0.01).set_label("γ")
    elif by_res:
        for i, rv in enumerate(sorted(set(g))):
            m = g == rv
            a1.scatter(x[m], y[m], s=8, alpha=0.6, color=plt.get_cmap("tab10")(i), rasterized=True,
                       label=f"residual = {axis_text('residual', rv)}")
    else:
        a1.scatter(x, y, s=8, alpha=0.6, color="tab:blue", rasterized=True)
    lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    pad = 0.05 * (hi - lo or 1)
    a1.plot([lo - pad, hi + pad], [lo - pad, hi + pad], "k--", lw=1, label="λ = log|eig(R)|")
    a1.set_xlabel("log |eig(R)| (sorted descending)")
    a1.set_ylabel("Lyapunov exponent λ_i (sorted descending)")
    a1.legend(fontsize=8, loc="upper left")
    note = f"{len(dev)} networks, {len(x)} exponents"
    if zero:
        note += f"; {zero} with R = 0 (no log|eig|) not shown"
    a1.set_title(note, fontsize=9)
    if by_gamma:
        a2 = axs[0][1]
        ks = np.array([k for k, _ in dev])
        dv = np.array([d for _, d in dev])
        # one colour (and median line) per residual type, else per r, if swept
        group = next((a for a in ("residual", "r") if ctx.swept(a) and grid_col(ctx, a) is not None), None)
        res = grid_col(ctx, group)[ks] if group else np.zeros(len(ks))
        vals = sorted(set(res))
        for i, rv in enumerate(vals):
            m = res == rv
            lab = f"{AXIS_LABELS.get(group, group)} = {axis_text(group, rv)}" if group else "networks"
            col = plt.get_cmap("tab10")(i) if group != "r" else plt.get_cmap("viridis")(0.9 * i / max(len(vals) - 1, 1))
            a2.plot(gamma[ks][m], np.maximum(dv[m], 1e-300), "o", ms=4, alpha=0.5, color=col, label=lab)
            gv = sorted(set(gamma[ks][m]))
            med = [np.median(dv[m][gamma[ks][m] == v]) for v in gv]
            a2.plot(gv, med, "-", color=col, lw=1.2)
        gpos = np.array([v for v in sorted(set(gamma[ks])) if v > 0])
        if gpos.size >= 2:  # reference slope: deviation ∝ γ through the median at the smallest γ
            d0 = np.median(dv[gamma[ks] == gpos[0]])
            if d0 > 0:
                a2.plot(gpos, d0 * gpos / gpos[0], "k:", lw=1, label="∝ γ")
        a2.set_xscale("log")
        a2.set_yscale("log")
        a2.set_xlabel("γ")
        a2.set_ylabel("max_i |λ_i - log|eig_i(R)|| per network")
        a2.set_title("deviation from the small-γ prediction (line: median)", fontsize=9)
        a2.legend(fontsize=7, ncol=2 if len(vals) > 5 else 1)
        a2.grid(True, which="major", alpha=0.3)
    fig.suptitle(f"{ctx.name}: Lyapunov spectrum (QR method) against log|eig(R)| — SPEC §6 small-γ check",
                 fontsize=10)
    fig.tight_layout()
    return save(fig, ctx.out, "lyapunov_spectrum", ctx.formats)


# ------------------------------------------------------------------ WCRNN: accuracy against r / φ
def accuracy_vs(ctx, x_axis):
    name = f"accuracy_vs_{x_axis}"
    if not ctx.swept(x_axis):
        warn(f"{x_axis} is not a swept axis: no {name}")
        return False
    mt = metrics_table(ctx)
    if not mt:
        warn(f"{os.path.join(ctx.adir, 'metrics.csv')} is missing: no {name}")
        return False
    perf = "eval_accuracy"
    if not any(np.isfinite(v[1]) for v in mt.get(perf, {}).values()):
        perf = "eval_loss"  # the adding problem has no accuracy
    if perf not in mt or not any(np.isfinite(v[1]) for v in mt[perf].values()):
        warn(f"metrics.csv has neither eval_accuracy nor eval_loss values (no trained network): no {name}")
        return False
    axes = list(ctx.axes)
    others = [a for a in axes if a != x_axis and ctx.swept(a)]
    cmb = combos(ctx, others)
    if len(cmb) > 10:
        warn(f"{len(cmb)} combinations of {', '.join(others)}: {name} shows the first 10")
        cmb = cmb[:10]
    xs = sorted(set(ctx.axes[x_axis]))
    xi = axes.index(x_axis)
    task = ctx.cfg.get("wcrnn.task", "")
    threshold = "learned" in mt  # wcrnn.threshold > 0: updates_to_threshold is defined
    npan = 3 if threshold else 1
    fig, axs = plt.subplots(1, npan, figsize=(5.6 * npan, 4.6), sharex=True, squeeze=False)
    a1 = axs[0][0]
    a2, a3 = (axs[0][1], axs[0][2]) if threshold else (None, None)
    cmap = plt.get_cmap("tab10")

    def cell(metric, xv, combo):
        for c, v in mt.get(metric, {}).items():
            if close(c[xi], xv) and matches(c, others, combo, axes):
                return v  # (n, mean, sem, done)
        return None

    for i, combo in enumerate(cmb):
        col = cmap(i % 10)
        lab = combo_text(others, combo) if combo else None
        style = {"color": col, "label": lab, "marker": "osD^v<>"[i % 7]}
        p = [(xv, cell(perf, xv, combo)) for xv in xs]
        p = [(xv, v) for xv, v in p if v and np.isfinite(v[1])]
        if p:
            a1.errorbar([xv for xv, _ in p], [v[1] for _, v in p], yerr=[np.nan_to_num(v[2]) for _, v in p],
                        ms=4, capsize=2, lw=1.2, **style)
        if not threshold:
            continue
        # updates to threshold: mean over the seeds that reached it (metrics.csv has no row when none did)
        u = [(xv, cell("updates_to_threshold", xv, combo)) for xv in xs]
        u = [(xv, v) for xv, v in u if v and np.isfinite(v[1])]
        if u:
            a2.errorbar([xv for xv, _ in u], [v[1] for _, v in u], yerr=[np.nan_to_num(v[2]) for _, v in u],
                        ms=4, capsize=2, lw=1.2, **style)
        # the fraction of seeds that reached it
        fr = []
        for xv in xs:
            d = cell(perf, xv, combo)
            if d and d[3] > 0:
                v = cell("updates_to_threshold", xv, combo)
                fr.append((xv, (v[0] if v else 0) / d[3]))
        if fr:
            a3.plot([xv for xv, _ in fr], [f for _, f in fr], ms=4, lw=1.2, **style)
    for ax in axs[0]:
        ax.set_xlabel(AXIS_LABELS.get(x_axis, x_axis))
        ax.grid(True, alpha=0.3)
        mark = (PHI_DATA, "2π/28") if x_axis == "phi" else (1.0, "r = 1") if x_axis == "r" else None
        if mark and min(xs) - 0.05 <= mark[0] <= max(xs) + 0.05:
            ax.axvline(mark[0], color="k", ls=":", lw=1)
            right = mark[0] > 0.5 * (min(xs) + max(xs))  # label on the side with room
            ax.text(mark[0], 0.98, f" {mark[1]} ", transform=ax.get_xaxis_transform(), ha="right" if right else "left",
                    va="top", fontsize=8)
    thr = ctx.cfg.get("wcrnn.threshold", "?")
    if threshold:
        a2.set_ylabel("updates to threshold (mean ± s.e.m.)")
        a2.set_title("mean over the seeds that reached the threshold", fontsize=8)
        if not a2.get_legend_handles_labels()[0]:
            a2.text(0.5, 0.5, "no network reached the threshold", transform=a2.transAxes, ha="center",
                    va="center", fontsize=9)
        a3.set_ylabel("fraction of seeds that reached the threshold")
        a3.set_ylim(-0.05, 1.05)
        a3.set_title(f"threshold: {'MSE <' if perf == 'eval_loss' else 'accuracy >='} {thr}", fontsize=8)
    if perf == "eval_accuracy":
        a1.set_ylabel("final held-out accuracy (mean ± s.e.m.)")
    else:
        a1.set_ylabel("final held-out MSE (mean ± s.e.m.)")
        a1.set_yscale("log")
        if task in ("", "adding"):
            a1.axhline(1 / 6, color="0.4", ls="--", lw=1, label="predict 1: MSE 1/6")
    if a1.get_legend_handles_labels()[0]:
        a1.legend(fontsize=7)
    ns = len(ctx.summary.get("seeds", []))
    fig.suptitle(f"{ctx.name} (wcrnn{', task ' + task if task else ''}): final {perf} and updates to threshold "
                 f"{thr} against {AXIS_LABELS.get(x_axis, x_axis)}, {ns} seed{'s' if ns != 1 else ''}",
                 fontsize=10)
    fig.tight_layout()
    return save(fig, ctx.out, name, ctx.formats)


def accuracy_vs_r(ctx):
    return accuracy_vs(ctx, "r")


def accuracy_vs_phi(ctx):
    return accuracy_vs(ctx, "phi")


MODEL_FIGURES = (lyapunov_spectrum, accuracy_vs_r, accuracy_vs_phi)
