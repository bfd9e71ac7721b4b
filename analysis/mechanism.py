#!/usr/bin/python3
"""Figures of mechanism evolution during training (SPEC §3.8, issue 17).

For a campaign run with `output.snapshots: k` and analysed by `memphase
analyze` (summary.json has a "mechanism" member), from DIR/campaign.h5 and
DIR/analysis/mechanism_switches.csv:

  mechanism_examples      loss curves of example switching networks (learned
                          at the end) with the class of every snapshot as a
                          coloured dot (grey: not yet learned, green: LC,
                          blue: SP), the loss jumps as dashed lines and the
                          debounced switches as solid lines
  switch_jump_distance    histogram of the distance (epochs) from each
                          debounced switch to the nearest loss jump of its
                          network, against the null of analyze: the same
                          switch moved to any learned snapshot epoch of its
                          network but the first (exact null distribution,
                          every eligible epoch weighted equally per switch)

    /usr/bin/python3 analysis/mechanism.py DIR [--out DIR/analysis/figures]

figures.py calls render() when summary.json has the member.
"""
import argparse
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

SNAP_COLOURS = {0: "0.6", 1: "tab:green", 2: "tab:blue"}
SNAP_NAMES = {0: "not learned", 1: "LC", 2: "SP"}


def warn(msg):
    print(f"mechanism: warning: {msg}", file=sys.stderr)


def save(fig, out, name, formats):
    for fmt in formats:
        fig.savefig(os.path.join(out, f"{name}.{fmt}"), dpi=150, bbox_inches="tight")
    plt.close(fig)


def table(f, name, k):
    """Rows of table `name` of task k as a dict column -> array (empty if none)."""
    g = f.get(f"tables/{name}")
    if g is None:
        return None
    cols = g.attrs["columns"]
    cols = (cols.decode() if isinstance(cols, bytes) else str(cols)).split(",")
    a, b = g["offset"][k:k + 2]
    data = g["data"][a:b]
    return {c: data[:, i] for i, c in enumerate(cols)}


def read_switches(adir):
    path = os.path.join(adir, "mechanism_switches.csv")
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return list(csv.DictReader(fh))


def examples(f, switches, out, formats, max_panels=6):
    learned = [s for s in switches if s["learned"] == "1"]
    tasks = []
    for s in learned:  # first SP->LC networks, then the others, in task order
        t = int(s["task"])
        if t not in tasks and s["from"] == "SP":
            tasks.append(t)
    for s in learned:
        t = int(s["task"])
        if t not in tasks:
            tasks.append(t)
    tasks = tasks[:max_panels]
    if not tasks:
        warn("no learned network switches: mechanism_examples skipped")
        return False
    n = len(tasks)
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.2 * rows), squeeze=False)
    grid = f["grid"]
    for ax, k in zip(axes.flat, tasks):
        a, b = f["curves/offset"][k:k + 2]
        ax.semilogy(f["curves/epoch"][a:b], f["curves/loss"][a:b], color="k", lw=0.8, label="loss")
        snaps = table(f, "snapshots", k)
        jumps = table(f, "loss_jumps", k)
        if jumps is not None:
            for i, e in enumerate(jumps["epoch"]):
                ax.axvline(e, color="tab:red", ls="--", lw=0.8, label="loss jump" if i == 0 else None)
        for cls, col in SNAP_COLOURS.items():
            m = snaps["class"] == cls
            if m.any():
                ax.scatter(snaps["epoch"][m], snaps["loss"][m], s=10, color=col, zorder=3,
                           label=f"snapshot {SNAP_NAMES[cls]}")
        first = True
        for s in switches:
            if int(s["task"]) == k:
                ax.axvline(float(s["epoch"]), color="tab:purple", lw=1.2,
                           label="switch" if first else None)
                ax.annotate(f"{s['from']}→{s['to']}", (float(s["epoch"]), 1.0), xycoords=("data", "axes fraction"),
                            va="top", ha="left", fontsize=7, color="tab:purple")
                first = False
        ax.set_title(f"task {k}: lr {grid['lr'][k]:.3g}, delay {grid['delay'][k]:g} ms, seed {grid['seed'][k]}",
                     fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    save(fig, out, "mechanism_examples", formats)
    return True


def nearest(epochs, jumps):
    epochs = np.asarray(epochs, dtype=float)[:, None]
    return np.min(np.abs(epochs - np.asarray(jumps, dtype=float)[None, :]), axis=1)


def matched_distances(f, switches):
    """The exact timing-matched null: for each switch (of a learned network
    with a jump), the distances from the epochs of the switches of the OTHER
    networks of its cell to its own network's jumps (values, weights)."""
    keep = [s for s in switches if s["learned"] == "1" and s["nearest_jump_distance"] != ""]
    jumps = {}
    for s in keep:
        k = int(s["task"])
        if k not in jumps:
            jumps[k] = table(f, "loss_jumps", k)["epoch"]
    v, w = [], []
    for s in keep:
        k = int(s["task"])
        other = [float(o["epoch"]) for o in keep if o["cell"] == s["cell"] and int(o["task"]) != k]
        if not other or len(jumps[k]) == 0:
            continue
        d = nearest(other, jumps[k])
        v.extend(d)
        w.extend([1.0 / len(d)] * len(d))
    return np.array(v), np.array(w)


def distances(f, switches, summary):
    """Observed distances and the exact null (values, weights)."""
    obs, null_v, null_w = [], [], []
    for s in switches:
        if s["learned"] != "1" or s["nearest_jump_distance"] == "":
            continue
        k = int(s["task"])
        jumps = table(f, "loss_jumps", k)["epoch"]
        snaps = table(f, "snapshots", k)
        learned = snaps["epoch"][(snaps["class"] == 1) | (snaps["class"] == 2)]
        eligible = learned[1:]
        if len(jumps) == 0 or len(eligible) == 0:
            continue
        obs.append(float(s["nearest_jump_distance"]))
        d = nearest(eligible, jumps)
        null_v.extend(d)
        null_w.extend([1.0 / len(d)] * len(d))
    return np.array(obs), np.array(null_v), np.array(null_w)


def distance_hist(f, switches, summary, out, formats):
    obs, nv, nw = distances(f, switches, summary)
    if len(obs) == 0:
        warn("no switch of a learned network with a loss jump: switch_jump_distance skipped")
        return False
    m = summary["mechanism"]
    hi = max(obs.max(), nv.max(), 1.0)
    bins = np.linspace(0, hi, 31)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.hist(nv, bins=bins, weights=nw / nw.sum(), histtype="stepfilled", color="0.8",
            label="null: random learned-snapshot epochs of the same networks")
    mv, mw = matched_distances(f, switches)
    if len(mv):
        ax.hist(mv, bins=bins, weights=mw / mw.sum(), histtype="step", lw=1.2, ls="--", color="tab:orange",
                label="timing-matched null: switch epochs of other networks of the cell")
    ax.hist(obs, bins=bins, weights=np.full(len(obs), 1.0 / len(obs)), histtype="step", lw=2, color="tab:purple",
            label=f"switches (n = {len(obs)})")
    a = m["all"]
    w = m["loss_jump"]["window"]
    ax.axvline(w, color="k", ls=":", lw=0.8, label=f"jump window {w:g}")
    ax.set_xlabel("epochs from switch to nearest loss jump")
    ax.set_ylabel("fraction")
    med, nmed, p = a["median_switch_jump_distance"], a["median_null_distance"], a["p_value"]
    fmt = lambda v, f="{:.0f}": "n/a" if v is None else f.format(v)  # noqa: E731
    title = f"median {fmt(med)} vs null {fmt(nmed)} epochs, p = {fmt(p, '{:.3g}')}"
    if a.get("p_value_matched") is not None:
        title += (f"; matched null {fmt(a.get('median_matched_null_distance'))}, "
                  f"p = {fmt(a['p_value_matched'], '{:.3g}')}")
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save(fig, out, "switch_jump_distance", formats)
    return True


def render(summary, d, out, formats):
    """Renders the figures; returns the names rendered."""
    import h5py

    if "mechanism" not in summary:
        return []
    h5 = os.path.join(d, "campaign.h5")
    if not os.path.exists(h5):
        warn(f"{h5} missing (run memphase gather): mechanism figures skipped")
        return []
    switches = read_switches(os.path.join(d, "analysis"))
    done = []
    with h5py.File(h5, "r") as f:
        if examples(f, switches, out, formats):
            done.append("mechanism_examples")
        if distance_hist(f, switches, summary, out, formats):
            done.append("switch_jump_distance")
    return done


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--out")
    ap.add_argument("--formats", default="png,pdf")
    a = ap.parse_args()
    with open(os.path.join(a.dir, "analysis", "summary.json")) as fh:
        summary = json.load(fh)
    out = a.out or os.path.join(a.dir, "analysis", "figures")
    os.makedirs(out, exist_ok=True)
    done = render(summary, a.dir, out, a.formats.split(","))
    print("mechanism: rendered " + (", ".join(done) if done else "nothing"))
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
