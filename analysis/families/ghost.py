"""Figures of the ghost family (SPEC §5, seed 001: ghost-rank1, ghost-rankK):
the figures of analysis/model_figures.py that read its tables."""
import math
import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.lines import Line2D

from model_figures import (FIXED_SPEED, axis_value, cell_of, close, combo_text, combos, errorline, grid_col,
                           h5_table, matches, metrics_table, needed_table, no_h5, num, read_csv, save, task_rows,
                           task_text, warn)


PRESETS = ("ghost-rank1", "ghost-rankK")


def learned_only(preset):
    return True


# ------------------------------------------------------------------ ghost: recovery (Fig. 4)
def recovery(ctx):
    model = ctx.summary.get("model", {})
    rec = model.get("recovery") or []
    table = read_csv(os.path.join(ctx.adir, "tables", "recovery.csv"))
    if not rec or "recovery_c" not in ctx.axes:
        warn("no recovery experiment (summary.json model.recovery is empty): no recovery figure")
        return False
    if table is None:
        warn(f"{os.path.join(ctx.adir, 'tables', 'recovery.csv')} is missing: no recovery figure")
        return False
    axes = list(ctx.axes)
    gaxes = [a for a in axes if a != "recovery_c"]
    groups = []
    for r in rec:
        g = tuple(axis_value(a, (r.get("group") or {}).get(a, float("nan"))) for a in gaxes)
        if not any(all(close(x, y) for x, y in zip(g, h)) for h in groups):
            groups.append(g)
    cs = sorted(set(ctx.axes["recovery_c"]))
    norm = Normalize(math.log10(min(cs)), math.log10(max(cs)) if max(cs) > min(cs) else math.log10(min(cs)) + 1)
    cmap = plt.get_cmap("viridis")
    fig, axs = plt.subplots(len(groups), 2, figsize=(12, 4.4 * len(groups)), squeeze=False,
                            gridspec_kw={"width_ratios": [1.35, 1]})
    counts_all = []
    for gi, g in enumerate(groups):
        a1, a2 = axs[gi]
        drawn = 0
        for c in cs:
            sel = [r for r in table
                   if close(axis_value("recovery_c", r["recovery_c"]), c)
                   and all(close(axis_value(a, r[a]), v) for a, v in zip(gaxes, g))]
            if not sel:
                continue
            ep = np.array([num(r["epoch"]) for r in sel])
            m = np.array([num(r["accuracy_mean"]) for r in sel])
            s = np.array([num(r["accuracy_sem"]) for r in sel])
            o = np.argsort(ep)
            ep, m, s = ep[o], m[o], np.where(np.isfinite(s[o]), s[o], 0.0)
            col = cmap(norm(math.log10(c)))
            a1.plot(ep, m, color=col, lw=1.2 if len(cs) <= 10 else 0.9)
            a1.fill_between(ep, m - s, m + s, color=col, alpha=0.15 if len(cs) <= 10 else 0.06, lw=0)
            drawn += 1
        a1.axhline(0.5, color="0.5", ls=":", lw=0.8, zorder=0)
        a1.set_xlabel("recovery epoch")
        a1.set_ylabel("accuracy of the stuck networks (mean ± s.e.m.)")
        a1.set_ylim(0.45, 1.02)
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        cb = fig.colorbar(sm, ax=a1, pad=0.01)
        cb.set_label("log10 c")
        if not drawn:
            a1.text(0.5, 0.5, "no recovery curve in tables/recovery.csv", transform=a1.transAxes,
                    ha="center", va="center")
        # right: accuracy after the last recovery epoch against c
        pts = [r for r in rec if all(close(axis_value(a, (r.get("group") or {}).get(a, float("nan"))), v)
                                     for a, v in zip(gaxes, g))]
        pts.sort(key=lambda r: r["c"])
        c_arr = np.array([r["c"] for r in pts], dtype=float)
        fin = np.array([r["final_accuracy"]["mean"] for r in pts], dtype=float)
        fse = np.array([r["final_accuracy"]["sem"] for r in pts], dtype=float)
        mean = np.array([r["mean_accuracy"]["mean"] for r in pts], dtype=float)
        mse = np.array([r["mean_accuracy"]["sem"] for r in pts], dtype=float)
        n_stuck = max((r["final_accuracy"]["n"] for r in pts), default=0)
        errorline(a2, c_arr, fin, fse, color="tab:blue", label="after the last recovery epoch")
        errorline(a2, c_arr, mean, mse, color="tab:grey", ls="--", alpha=0.7,
                  label="averaged over the recovery epochs")
        a2.axhline(0.5, color="0.5", ls=":", lw=0.8, zorder=0, label="chance (nothing learned)")
        a2.set_xscale("log")
        a2.set_xlabel("recovery confidence c")
        a2.set_ylabel(f"accuracy of the {n_stuck} stuck networks (mean ± s.e.m.)")
        a2.set_ylim(0.45, 1.02)
        a2.legend(fontsize=7, loc="lower left")
        # phase-1 counts of this group
        cnt = next((x for x in ctx.summary["model"].get("fig4") or []
                    if all(close(axis_value(a, (x.get("group") or {}).get(a, float("nan"))), v)
                           for a, v in zip(gaxes, g))), None)
        head = combo_text(gaxes, g) if gaxes else ""
        if cnt:
            counts_all.append(cnt)
        if cnt and len(groups) > 1:
            a1.set_title((head + ": " if head else "") + f"phase 1: {cnt['learned']} learned, "
                         f"{cnt['stuck']} stuck of {cnt['seeds']} seeds", fontsize=9)
        elif head:
            a1.set_title(head, fontsize=9)
    lr = ctx.cfg.get("train.lr", "?")
    ep = ctx.cfg.get("train.epochs", "?")
    rlr = ctx.cfg.get("ghost.recovery_lr", "0")
    rlr = lr if num(rlr) == 0 or math.isnan(num(rlr)) else rlr
    title = f"{ctx.name}: recovery of the stuck networks with lowered confidence c"
    if len(counts_all) == 1:
        x = counts_all[0]
        title += (f"\nphase 1 (lr {lr}, {ep} epochs, c = {ctx.cfg.get('ghost.confidence', '10')}): "
                  f"{x['learned']} learned / {x['stuck']} stuck of {x['seeds']} seeds (paper: 74 / 54 of 100); "
                  f"recovery: {ctx.cfg.get('ghost.recovery_epochs', '100')} epochs, lr {rlr}")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save(fig, ctx.out, "recovery", ctx.formats)


# ------------------------------------------------------------------ ghost: loss against lr (Fig. S1)
def pick_epochs(epochs, most=7):
    """Checkpoint epochs to draw: 1, the powers of ten and the last epoch (all
    of them if there are at most `most`)."""
    epochs = sorted(set(epochs))
    if len(epochs) <= most:
        return epochs
    pick = [e for e in epochs if e == 1 or (e >= 10 and abs(math.log10(e) - round(math.log10(e))) < 1e-9)]
    pick.append(epochs[-1])
    pick = sorted(set(pick))
    if len(pick) > most:  # very long runs: thin out the decades, keep 1 and the last
        inner = pick[1:-1]
        step = math.ceil(len(inner) / (most - 2))
        pick = [pick[0]] + inner[::step] + [pick[-1]]
    return pick


def loss_vs_lr(ctx):
    if not ctx.swept("lr"):
        warn("lr is not a swept axis: no loss_vs_lr")
        return False
    rows = read_csv(os.path.join(ctx.adir, "tables", "checkpoints.csv"))
    if not rows:
        warn(f"{os.path.join(ctx.adir, 'tables', 'checkpoints.csv')} is missing or empty: no loss_vs_lr")
        return False
    axes = list(ctx.axes)
    others = [a for a in axes if a not in ("lr", "recovery_c")]
    cmb = combos(ctx, others)
    if len(cmb) > 12:
        warn(f"{len(cmb)} combinations of {', '.join(others)}: loss_vs_lr shows the first 12")
        cmb = cmb[:12]
    epochs = pick_epochs(int(num(r["epoch"])) for r in rows)
    cmap = plt.get_cmap("viridis")
    ncol = min(math.ceil(math.sqrt(len(cmb))), 4)
    nrow = math.ceil(len(cmb) / ncol)
    fig, axs = plt.subplots(nrow, ncol, figsize=(5.2 * ncol, 4.2 * nrow), squeeze=False, sharey=True)
    shown = []
    for p, combo in enumerate(cmb):
        ax = axs[p // ncol][p % ncol]
        for i, e in enumerate(epochs):
            sel = [r for r in rows if int(num(r["epoch"])) == e and matches(cell_of(r, axes), others, combo, axes)]
            if "recovery_c" in axes:  # phase 1 is the same in every recovery_c cell
                c0 = min(ctx.axes["recovery_c"])
                sel = [r for r in sel if close(axis_value("recovery_c", r["recovery_c"]), c0)]
            if not sel:
                continue
            sel.sort(key=lambda r: num(r["lr"]))
            lr = np.array([num(r["lr"]) for r in sel])
            m = np.array([num(r["loss_mean"]) for r in sel])
            s = np.array([num(r["loss_sem"]) for r in sel])
            ok = np.isfinite(m) & (m > 0)
            # the lower bar must stay positive on a log axis
            lo = np.where(np.isfinite(s), np.minimum(s, 0.95 * m), 0)
            hi = np.where(np.isfinite(s), s, 0)
            col = cmap(i / max(len(epochs) - 1, 1))
            ax.errorbar(lr[ok], m[ok], yerr=[lo[ok], hi[ok]], marker="o", ms=4, capsize=2, lw=1.2, color=col,
                        label=f"epoch {e}" + (" (end)" if e == epochs[-1] else ""))
            shown.extend(m[ok])
        ax.set_xscale("log")
        ax.set_xlabel("lr")
        if p % ncol == 0:
            ax.set_ylabel("loss at the epoch (mean ± s.e.m. over seeds)")
        if combo:
            ax.set_title(combo_text(others, combo), fontsize=9)
        ax.grid(True, which="major", alpha=0.3)
        if p == 0:
            ax.legend(fontsize=7)
    for k in range(len(cmb), nrow * ncol):
        axs[k // ncol][k % ncol].axis("off")
    # log y only when the losses span a decade (rank 1 often stays within 1e-3 of 1)
    if shown and max(shown) > 10 * min(shown):
        axs[0][0].set_yscale("log")
    else:
        for ax in axs.flat:
            ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    nseeds = len(ctx.summary.get("seeds", []))
    fig.suptitle(f"{ctx.name} ({ctx.family}): loss against learning rate at checkpoint epochs "
                 f"({nseeds} seeds)", fontsize=10)
    fig.tight_layout()
    return save(fig, ctx.out, "loss_vs_lr", ctx.formats)


# ------------------------------------------------------------------ ghost: learned against rank (Fig. S2)
def learned_vs_rank(ctx):
    if not ctx.swept("rank"):
        warn("rank is not a swept axis: no learned_vs_rank")
        return False
    mt = metrics_table(ctx)
    if not mt or "learned" not in mt:
        warn("metrics.csv is missing or has no metric 'learned': no learned_vs_rank")
        return False
    axes = list(ctx.axes)
    learned = mt["learned"]
    others = [a for a in axes if a not in ("rank", "lr")]
    lrs = sorted(set(ctx.axes.get("lr", [float("nan")])))
    ranks = sorted(set(ctx.axes["rank"]))
    panels = combos(ctx, others)[:4]
    fig, axs = plt.subplots(len(panels), 2, figsize=(12, 4.3 * len(panels)), squeeze=False)
    lr_norm = Normalize(math.log10(min(lrs)), math.log10(max(lrs)) + (1e-9 if len(lrs) == 1 else 0)) \
        if "lr" in ctx.axes else None

    def get(rank, lr, combo):
        for cell, v in learned.items():
            if close(cell[axes.index("rank")], rank) and ("lr" not in axes or close(cell[axes.index("lr")], lr)) \
                    and matches(cell, others, combo, axes):
                return v
        return None

    markers = "osD^vP*Xh<>"

    def style(i, n):
        # lines often coincide (all 0 or all 1): shrinking markers of different shapes keep each visible
        return {"marker": markers[i % len(markers)], "ms": 9 - 5 * i / max(n - 1, 1)}

    for p, combo in enumerate(panels):
        a1, a2 = axs[p]
        for i, lr in enumerate(lrs):
            vals = [get(k, lr, combo) for k in ranks]
            x = np.array([k for k, v in zip(ranks, vals) if v])
            m = np.array([v[1] for v in vals if v])
            s = np.array([v[2] for v in vals if v])
            col = plt.get_cmap("plasma")(0.85 * lr_norm(math.log10(lr))) if lr_norm else "k"
            a1.errorbar(x, m, yerr=np.where(np.isfinite(s), s, 0), capsize=2, lw=1.2, color=col,
                        label=f"lr {lr:.3g}" if lr_norm else None, **style(i, len(lrs)))
        for i, k in enumerate(ranks):
            vals = [get(k, lr, combo) for lr in lrs]
            x = np.array([lr for lr, v in zip(lrs, vals) if v])
            m = np.array([v[1] for v in vals if v])
            s = np.array([v[2] for v in vals if v])
            a2.errorbar(x, m, yerr=np.where(np.isfinite(s), s, 0), capsize=2, lw=1.2,
                        color=plt.get_cmap("viridis")(0.9 * i / max(len(ranks) - 1, 1)), label=f"K = {k:g}",
                        **style(i, len(ranks)))
        a1.set_xscale("log")
        a1.set_xticks(ranks)
        a1.set_xticklabels([f"{k:g}" for k in ranks])
        a1.minorticks_off()
        a1.set_xlabel("rank K")
        a2.set_xscale("log")
        a2.set_xlabel("lr")
        for a in (a1, a2):
            a.set_ylim(-0.05, 1.05)
            a.set_ylabel("fraction learned (mean ± s.e.m. over seeds)")
            a.legend(fontsize=7, ncol=2 if len(a.get_legend_handles_labels()[0]) > 6 else 1)
            a.grid(True, alpha=0.3)
        if combo:
            a1.set_title(combo_text(others, combo), fontsize=9)
    crit = "final loss / initial loss < 1e-2" if ctx.family == "ghost-rankK" else "best accuracy > 0.5"
    fig.suptitle(f"{ctx.name} ({ctx.family}): fraction learned ({crit}), "
                 f"{len(ctx.summary.get('seeds', []))} seeds per cell", fontsize=10)
    fig.tight_layout()
    return save(fig, ctx.out, "learned_vs_rank", ctx.formats)


# ------------------------------------------------------------------ ghost: latent flow (Fig. 3A)
def drop_epochs(E, L, flow_epochs):
    """Epochs at which to show the flow: before / just before / during / just
    after / after the steepest loss drop, and the end; (drop epoch or None,
    [(label, epoch)]). Without an abrupt drop: five evenly spaced epochs."""
    fe = np.asarray(sorted(flow_epochs))
    total = L[0] - np.nanmin(L) if L.size else 0.0
    d = -np.diff(L) if L.size > 1 else np.array([0.0])
    i = int(np.nanargmax(d)) if d.size else 0
    abrupt = L.size > 1 and total > 0.2 * L[0] and d[i] >= 0.25 * total
    if not abrupt:
        idx = np.unique(np.linspace(0, len(fe) - 1, min(5, len(fe))).round().astype(int))
        return None, [("", fe[j]) for j in idx]
    e0, e1 = E[i], E[i + 1]  # the steepest recorded drop lies between these
    end = fe[-1]

    def nearest(e):
        return fe[np.argmin(np.abs(fe - e))]

    picks = [("before", nearest(e0 / 2))]
    before = fe[fe <= e0]
    if before.size:
        picks.append(("just before", before[-1]))
    inside = fe[(fe > e0) & (fe < e1)]
    if inside.size:
        picks.append(("during", inside[len(inside) // 2]))
    after = fe[fe >= e1]
    if after.size:
        picks.append(("just after", after[0]))
        picks.append(("after", nearest(e1 + (end - e1) / 2)))
    picks.append(("last recorded", end))
    seen, out = set(), []
    for lab, e in picks:
        if e not in seen:
            seen.add(e)
            out.append((lab, e))
    out.sort(key=lambda x: x[1])
    return 0.5 * (e0 + e1), out


def roots(kappa, f):
    """Zeros of f on the grid: exact zeros (f(0) = 0 when b = 0) and sign changes
    between neighbours, linearly interpolated."""
    s = np.sign(f)
    j = np.flatnonzero((s[:-1] * s[1:]) < 0)
    return np.sort(np.concatenate([kappa[s == 0], kappa[j] - f[j] * (kappa[j + 1] - kappa[j]) / (f[j + 1] - f[j])]))


def latent_flow(ctx):
    if no_h5(ctx, "latent_flow"):
        return False
    flow, latent = h5_table(ctx.f, "flow"), h5_table(ctx.f, "latent")
    if flow is None or latent is None:
        warn("campaign.h5 has no latent-flow tables (ghost.diag_every = 0 or not rank 1): no latent_flow")
        return False
    f = ctx.f
    done = f["tasks/done"][:]
    learned = f["metrics/learned"][:] if "metrics/learned" in f else f["tasks/learned"][:].astype(float)
    off = flow[2]
    have = [k for k in range(len(done)) if done[k] == 1 and off[k + 1] > off[k]]
    if not have:
        warn("no done network has a latent-flow table: no latent_flow")
        return False
    # up to two networks that learned (the drop) and one that did not (the contrast)
    yes = [k for k in have if learned[k] == 1]
    no = [k for k in have if learned[k] != 1]
    picks = yes[:2] + no[:1]
    picks += [k for k in have if k not in picks][:3 - len(picks)]
    picks.sort()
    coff = f["curves/offset"][:]
    phase1 = f["metrics/phase1_epochs"][:] if "metrics/phase1_epochs" in f else None
    stuck = f["metrics/stuck"][:] if "metrics/stuck" in f else None
    ncol = len(picks)
    fig = plt.figure(figsize=(5.4 * ncol, 11))
    gs = fig.add_gridspec(3, ncol, height_ratios=[2, 3, 1.7], hspace=0.35, wspace=0.3, top=0.93)
    cmap = plt.get_cmap("plasma")
    summary_lines = []
    for col, k in enumerate(picks):
        a_loss, a_flow, a_fp = (fig.add_subplot(gs[r, col]) for r in range(3))
        E = f["curves/epoch"][coff[k]:coff[k + 1]].astype(float)
        L = f["curves/loss"][coff[k]:coff[k + 1]].astype(float)
        if phase1 is not None and np.isfinite(phase1[k]):
            keep = E <= phase1[k]
            E, L = E[keep], L[keep]
        fl = task_rows(flow, k)
        lt = task_rows(latent, k)
        fe = np.unique(fl["epoch"])
        drop, picks_e = drop_epochs(E, L, fe)
        colours = [cmap(0.9 * i / max(len(picks_e) - 1, 1)) for i in range(len(picks_e))]
        # top: loss with the chosen epochs
        a_loss.plot(E, L, color="k", lw=1)
        pos = L[np.isfinite(L) & (L > 0)]
        if pos.size and pos.max() > 10 * pos.min():
            a_loss.set_yscale("log")
        else:
            a_loss.ticklabel_format(axis="y", useOffset=False, style="plain")
        for (lab, e), c in zip(picks_e, colours):
            a_loss.axvline(e, color=c, lw=1.2, ls="--")
        near = [e for lab, e in picks_e if lab in ("just before", "during", "just after")]
        if drop is not None and len(near) >= 2 and E.size and (max(near) - min(near)) < 0.1 * (E[-1] - E[0]):
            # the epochs around the drop are too close to tell apart: zoom in
            w = max(near) - min(near)
            lo_e, hi_e = min(near) - 0.5 * w, max(near) + 0.5 * w
            ins = a_loss.inset_axes([0.1, 0.12, 0.36, 0.55])
            m = (E >= lo_e) & (E <= hi_e)
            ins.plot(E[m], L[m], color="k", lw=1)
            for (lab, e), c in zip(picks_e, colours):
                if lo_e <= e <= hi_e:
                    ins.axvline(e, color=c, lw=1.2, ls="--")
            ins.axvline(drop, color="tab:red", lw=1.5, alpha=0.6)
            ins.set_xlim(lo_e, hi_e)
            ins.tick_params(labelsize=6)
            ins.set_title("zoom on the drop", fontsize=6, pad=2)
        a_loss.set_xlabel("epoch")
        a_loss.set_ylabel("loss")
        state = "learned" if learned[k] == 1 else "not learned"
        if stuck is not None and stuck[k] == 1:
            state = "learned, then stuck"
        a_loss.set_title(f"{task_text(ctx, k)} ({state})", fontsize=9)
        # middle: f(κ) at those epochs, fixed points (filled) and the ghost (open)
        for (lab, e), c in zip(picks_e, colours):
            m = fl["epoch"] == e
            kap, fv = fl["kappa"][m], fl["f"][m]
            o = np.argsort(kap)
            kap, fv = kap[o], fv[o]
            li = np.argmin(np.abs(E - e)) if E.size else None
            loss_txt = f", loss {L[li]:.4g}" if li is not None else ""
            rts = roots(kap, fv)
            lm = lt["epoch"] == e
            n_out = int(lt["fixed_points"][lm][0]) - len(rts) if lm.any() else 0
            out_txt = f"; +{n_out} FP off-plot" if n_out > 0 else ""
            a_flow.plot(kap, fv, color=c, lw=1.3,
                        label=f"{lab + ': ' if lab else ''}epoch {int(e)}{loss_txt}{out_txt}")
            a_flow.plot(rts, np.zeros_like(rts), "o", color=c, ms=6, mec="k", mew=0.6)
            if lm.any():
                gk = lt["ghost_kappa"][lm][0]
                if np.isfinite(gk) and kap[0] <= gk <= kap[-1]:
                    a_flow.plot([gk], [np.interp(gk, kap, fv)], "o", mfc="none", mec=c, ms=9, mew=1.5)
        a_flow.axhline(0, color="k", lw=0.8)
        a_flow.axvline(1.0, color="0.4", ls=":", lw=1)
        a_flow.text(1.0, 0.98, " κ* = 1", transform=a_flow.get_xaxis_transform(), ha="left", va="top",
                    fontsize=8, color="0.3")
        a_flow.set_xlabel("κ")
        a_flow.set_ylabel("f(κ) = -κ + n·tanh(mκ + b)")
        handles, labels = a_flow.get_legend_handles_labels()
        handles += [Line2D([], [], ls="", marker="o", color="0.6", mec="k", mew=0.6),
                    Line2D([], [], ls="", marker="o", mfc="none", mec="0.3", ms=9, mew=1.5)]
        labels += ["fixed point (FP, f = 0)", "ghost (slowest point, f ≠ 0)"]
        a_flow.legend(handles, labels, fontsize=6.5, loc="lower left", framealpha=0.7)
        # bottom: fixed-point count and speeds against epoch
        le = lt["epoch"]
        a_fp.step(le, lt["fixed_points"], where="post", color="k", lw=1.3)
        a_fp.set_ylabel("fixed points", fontsize=8)
        fpmax = int(np.nanmax(lt["fixed_points"])) if np.isfinite(lt["fixed_points"]).any() else 1
        a_fp.set_ylim(-0.3, fpmax + 0.8)
        a_fp.set_yticks(range(0, fpmax + 1))
        a_fp.set_xlabel("epoch")
        a_sp = a_fp.twinx()
        mk = "." if len(le) <= 30 else ""  # markers only where the diagnostics are sparse
        a_sp.plot(le, lt["ghost_speed"], mk + "-", color="tab:purple", ms=3, lw=1)
        a_sp.plot(le, lt["min_speed"], mk + "--", color="tab:orange", ms=3, lw=1)
        a_sp.set_ylabel("speed |f|", fontsize=8)
        top = np.nanmax(np.concatenate([lt["ghost_speed"], lt["min_speed"], [0.0]]))
        a_sp.set_ylim(0, max(0.05, 1.1 * top))
        if drop is not None:
            for a in (a_loss, a_fp):
                a.axvline(drop, color="tab:red", lw=1.5, alpha=0.6)
            before = lt["fixed_points"][le <= drop]
            after = lt["fixed_points"][le > drop]
            if before.size and after.size:
                txt = f"fixed points: {int(before[-1])} before, {int(after[0])} after the drop"
                a_fp.set_title(txt, fontsize=8)
                summary_lines.append(f"{task_text(ctx, k)}: drop at epoch ~{drop:.0f}; {txt}")
            else:
                a_fp.set_title("no latent diagnostics on both sides of the drop", fontsize=8)
        else:
            a_fp.set_title("no abrupt loss drop: evenly spaced epochs shown", fontsize=8)
        handles = [Line2D([], [], color="k"), Line2D([], [], color="tab:purple", marker="."),
                   Line2D([], [], color="tab:orange", ls="--", marker=".")]
        labels = ["fixed-point count (κ ∈ [-15, 15])", "ghost speed (right)", "min |f| on κ ∈ [0, 2] (right)"]
        if drop is not None:
            handles.append(Line2D([], [], color="tab:red", alpha=0.6))
            labels.append("steepest loss drop")
        a_fp.legend(handles, labels, fontsize=6, loc="center left")
    fig.suptitle(f"{ctx.name}: loss and latent flow dκ/dt = f(κ) at epochs around the steepest loss drop "
                 "(curves: same colours as the loss markers)", fontsize=10)
    for s in summary_lines:
        print("figures: latent_flow: " + s)
    return save(fig, ctx.out, "latent_flow", ctx.formats)


# ------------------------------------------------------------------ ghost: abrupt learning (Fig. 3A)
def abrupt(ctx):
    """Across networks (summary.json model.abrupt, from analysis/abrupt.csv):
    when the first ghost appears against when the loss drops, and where the
    fixed point nearest κ* sits just before and just after the drop."""
    ab = ctx.summary.get("model", {}).get("abrupt")
    nets = [n for n in (ab or {}).get("per_network", []) if n.get("drop_epoch") is not None]
    if not nets:
        warn("no network with latent snapshots and an abrupt loss drop (summary.json model.abrupt): no abrupt figure")
        return False
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.6))
    drop = np.array([n["drop_epoch"] for n in nets], dtype=float)
    onset = np.array([num(n["ghost_onset"]) if n["ghost_onset"] is not None else np.nan for n in nets])
    before = np.array([bool(n["ghost_before_drop"]) for n in nets])
    lag = onset - drop
    a1.scatter(drop[before], lag[before], c="tab:green", s=22, label="ghost just before the drop")
    a1.scatter(drop[~before], lag[~before], c="tab:red", s=22, label="no ghost just before the drop")
    none = ~np.isfinite(onset)
    if none.any():
        a1.plot(drop[none], np.zeros(none.sum()), "x", color="0.4", label="no ghost at all (drawn at 0)")
    a1.axhline(0, color="k", ls="--", lw=0.8)
    a1.text(0.02, 0.02, "below 0: the ghost precedes the drop", transform=a1.transAxes, fontsize=8, color="0.3")
    a1.set_xlabel("epoch of the abrupt loss drop (loss < initial / 2)")
    a1.set_ylabel("first ghost − drop (epochs)")
    a1.legend(fontsize=7)
    kb = np.array([num(n["kappa_fp_before"]) if n["kappa_fp_before"] is not None else np.nan for n in nets])
    ka = np.array([num(n["kappa_fp_after"]) if n["kappa_fp_after"] is not None else np.nan for n in nets])
    a2.scatter(kb, ka, c=np.where(before, "tab:green", "tab:red"), s=22)
    a2.axvline(1.0, color="0.4", ls=":", lw=1)
    a2.axhline(1.0, color="0.4", ls=":", lw=1)
    a2.set_xlabel("fixed point nearest κ*: last snapshot before the drop")
    a2.set_ylabel("... first snapshot at or after the drop")
    a2.text(0.02, 0.98, "κ* = 1 (dotted)", transform=a2.transAxes, va="top", fontsize=8, color="0.3")
    fig.suptitle(f"{ctx.name}: {ab['dropped']} of {ab['networks']} networks drop; one fixed-point count throughout "
                 f"in {ab['fixed_points_constant']}, the fixed point crosses κ* at the drop in "
                 f"{ab['fixed_point_crosses_kappa_star']}, a ghost just before the drop in {ab['ghost_before_drop']}",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return save(fig, ctx.out, "abrupt", ctx.formats)


# ------------------------------------------------------------------ ghost: rank-2 slow points
def slow_points(ctx):
    tab = needed_table(ctx, "slow_points", "slow_points", "rank <= 2 with ghost.diag_every > 0")
    if tab is None:
        return False
    f = ctx.f
    done = f["tasks/done"][:]
    off = tab[2]
    rank = grid_col(ctx, "rank")
    cand = []
    for k in range(len(done)):
        if done[k] != 1 or off[k + 1] == off[k] or (rank is not None and rank[k] != 2):
            continue
        rows = task_rows(tab, k)
        if np.isfinite(rows["k2"]).any():
            cand.append(k)
    if not cand:
        warn("no rank-2 network has slow points: no slow_points")
        return False
    # up to 4 networks, spread over the learning rates
    lr = grid_col(ctx, "lr")
    by_lr = {}
    for k in cand:
        by_lr.setdefault(lr[k] if lr is not None else 0, []).append(k)
    picks = []
    while len(picks) < 4 and any(by_lr.values()):
        for v in sorted(by_lr):
            if by_lr[v] and len(picks) < 4:
                picks.append(by_lr[v].pop(0))
    picks.sort()
    data = [task_rows(tab, k) for k in picks]
    last = []
    for rows in data:
        e = np.nanmax(rows["epoch"])
        last.append({c: v[rows["epoch"] == e] for c, v in rows.items()})
    speeds = np.concatenate([r["speed"] for r in last])
    speeds = speeds[np.isfinite(speeds)]
    # fixed points (|F| ~ 1e-16) are clipped to the bottom of the colour scale
    lo, hi = FIXED_SPEED / 100, max(1.0, float(speeds.max()) if speeds.size else 1.0)
    norm = LogNorm(lo, hi)
    cmap = plt.get_cmap("viridis")
    learned = f["metrics/learned"][:] if "metrics/learned" in f else f["tasks/learned"][:].astype(float)
    phase1 = f["metrics/phase1_epochs"][:] if "metrics/phase1_epochs" in f else None
    fig, axs = plt.subplots(1, len(picks), figsize=(4.4 * len(picks) + 1.2, 4.8), squeeze=False,
                            layout="constrained")
    backgrounds = 0
    for ax, k, r in zip(axs[0], picks, last):
        ep = r["epoch"][0]
        sp = np.clip(np.where(np.isfinite(r["speed"]), r["speed"], hi), lo, hi)
        fixed = r["speed"] < FIXED_SPEED
        stable = r["eig_re_max"] < 0
        # plot window: the points with some room
        x0, x1 = np.nanmin(r["k1"]), np.nanmax(r["k1"])
        y0, y1 = np.nanmin(r["k2"]), np.nanmax(r["k2"])
        pad = max(0.5, 0.15 * max(x1 - x0, y1 - y0))
        ext = (x0 - pad, x1 + pad, y0 - pad, y1 + pad)
        # background |F(κ)| from the stored parameters of that epoch (initial / final only)
        which = "initial" if ep == 0 else "final" if phase1 is not None and ep == phase1[k] else None
        field = rank2_field(f, k, which, ext) if which else None
        if field is not None:
            backgrounds += 1
            ax.imshow(np.log10(np.maximum(field, 1e-12)), origin="lower", extent=ext, aspect="auto",
                      cmap="Greys_r", alpha=0.55, zorder=0)
        for sel, marker in ((stable, "o"), (~stable, "^")):
            s_f, s_s = sel & fixed, sel & ~fixed
            ax.scatter(r["k1"][s_s], r["k2"][s_s], marker=marker, s=55, facecolors="none",
                       edgecolors=cmap(norm(sp[s_s])), linewidths=1.6, zorder=3)
            ax.scatter(r["k1"][s_f], r["k2"][s_f], marker=marker, s=70, c=cmap(norm(sp[s_f])), edgecolors="k",
                       linewidths=0.7, zorder=3)
        ax.axhline(0, color="0.8", lw=0.6, zorder=1)
        ax.axvline(0, color="0.8", lw=0.6, zorder=1)
        ax.set_xlim(ext[0], ext[1])
        ax.set_ylim(ext[2], ext[3])
        ax.set_xlabel("κ1")
        ax.set_ylabel("κ2")
        n_fp = int(fixed.sum())
        ax.set_title(f"{task_text(ctx, k)}\nepoch {int(ep)}, "
                     f"{'learned' if learned[k] == 1 else 'not learned'}: {n_fp} fixed, {len(fixed) - n_fp} slow",
                     fontsize=8)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, ax=list(axs[0]), pad=0.02)
    cb.set_label(f"speed |F(κ)| of the points (log; below {lo:g} clipped)")
    axs[0][0].legend([Line2D([], [], ls="", marker="o", mfc="0.5", mec="k"),
                      Line2D([], [], ls="", marker="o", mfc="none", mec="0.5", mew=1.6),
                      Line2D([], [], ls="", marker="^", mfc="0.5", mec="k")],
                     [f"fixed point (|F| < {FIXED_SPEED:g})", "slow point (|F| > 0)",
                      "triangle: unstable (max Re eig > 0)"], fontsize=6.5, loc="best")
    bg = ("grey background: log |F(κ)| from the stored parameters (dark = slow)" if backgrounds else
          "no background: parameters are stored for the first and last epoch only")
    fig.suptitle(f"{ctx.name}: rank-2 slow points of F(κ) = -κ + N tanh(Mκ + b), last recorded epoch; {bg}",
                 fontsize=9)
    return save(fig, ctx.out, "slow_points", ctx.formats)


def rank2_field(f, k, which, ext, points=160):
    """|F(κ)| (2-norm) on a grid over ext = (x0, x1, y0, y1) from /params/<which>
    of row k (RankKParams::pack(): M (N×K) and N (K×N) column-major, b, w_out,
    b_out), or None if the parameters are missing or not of rank 2."""
    if f"params/{which}" not in f:
        return None
    po = f["params/offset"][:]
    v = f[f"params/{which}"][po[k]:po[k + 1]].astype(float)
    n = int(f["grid/n"][k]) if "grid/n" in f else (len(v) - 1) // 6
    K = 2
    if len(v) != 2 * n * K + 2 * n + 1:
        return None
    M = v[:n * K].reshape(K, n).T
    N = v[n * K:2 * n * K].reshape(n, K).T
    b = v[2 * n * K:2 * n * K + n]
    xs = np.linspace(ext[0], ext[1], points)
    ys = np.linspace(ext[2], ext[3], points)
    X, Y = np.meshgrid(xs, ys)
    kap = np.stack([X.ravel(), Y.ravel()])  # (2, P)
    F = -kap + N @ np.tanh(M @ kap + b[:, None])
    return np.sqrt((F ** 2).sum(axis=0)).reshape(X.shape)


MODEL_FIGURES = (recovery, loss_vs_lr, learned_vs_rank, latent_flow, abrupt, slow_points)
