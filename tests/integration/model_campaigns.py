#!/usr/bin/env python3
"""The quick variants of the ghost (SPEC §5, issue 6) and WCRNN (SPEC §6,
issue 7) campaigns through the real path: mpirun memphase run -> gather ->
analyze, then checks of the files and of the science each one must show.

  model_campaigns.py --memphase BIN --campaigns DIR --work DIR
                     [--mpiexec M --numproc-flag=-n --preflags=FLAGS] NAME ...

Checks per campaign (by name):
  ghost-fig4-quick        phase-1 counts once per seed; some networks stuck;
                          every stuck network stays at accuracy 0.5 at c = 10;
                          at c = 0.0853 and c = 1 the stuck ones recover
                          (mean accuracy after 100 epochs >= 0.6).
  ghost-lr-sweep-quick    checkpoints table: loss at every checkpoint epoch for
                          every lr; latent table in campaign.h5.
  ghost-rank-sweep-quick  fraction learned per (rank, lr) in metrics.csv;
                          rank-2 slow points in campaign.h5.
  ghost-fig3a-quick       both networks drop abruptly; one fixed-point count
                          through phase 1; abrupt.csv consistent; figures
                          abrupt and latent_flow rendered.
  wcrnn-*-quick           eval metrics present; (p)sMNIST above chance (0.1).
  rank2-fig2-quick,       class counts per cell add up to the seeds; the
  rank2-fig3-quick        class of every network agrees with its last latent
                          snapshot (LC/SP only when learned); trajectories of
                          3·total + 1 points per snapshot; an early-stopped
                          network's last loss is below early_stop·loss(0); the
                          figures rank2_fig2/rank2_loss/rank2_classes rendered.
Prints one summary line per campaign (numbers for the closing note).
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time

import h5py


def run(cmd, env=None):
    print("+", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    sys.stdout.write(p.stdout[-3000:])
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit(f"FAIL: exit {p.returncode}: {' '.join(cmd)}")
    return p.stdout


def metrics(d):
    with open(os.path.join(d, "analysis", "metrics.csv"), newline="") as fh:
        return list(csv.DictReader(fh))


def check_fig4(d, s):
    fig4 = s["model"]["fig4"]
    assert len(fig4) == 1, fig4
    f = fig4[0]
    if not (f["seeds"] == 20 and f["stuck"] > 0 and f["learned"] >= f["stuck"]):
        raise SystemExit(f"FAIL: fig4 counts {f}")
    rec = {round(r["c"], 4): r for r in s["model"]["recovery"]}
    at10 = rec[10.0]["final_accuracy"]
    if at10["n"] != f["stuck"] or abs(at10["mean"] - 0.5) > 1e-9:
        raise SystemExit(f"FAIL: at c = 10 the stuck networks must stay at 0.5: {at10}")
    for c in (0.0853, 1.0):
        m = rec[c]["final_accuracy"]["mean"]
        if not m >= 0.6:
            raise SystemExit(f"FAIL: no recovery at c = {c}: {rec[c]}")
    return (f"{f['seeds']} seeds: {f['learned']} learned, {f['stuck']} stuck; recovery after 100 epochs "
            + ", ".join(f"c={c}: {rec[c]['final_accuracy']['mean']:.3f}±{rec[c]['final_accuracy']['sem']:.3f}"
                        for c in sorted(rec)))


def check_lr_sweep(d, s):
    with open(os.path.join(d, "analysis", "tables", "checkpoints.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    lrs = {r["lr"] for r in rows}
    last = [r for r in rows if r["epoch"] == "6000"]
    if len(lrs) != 6 or len(last) != 6:
        raise SystemExit(f"FAIL: checkpoints.csv has {len(lrs)} lrs, {len(last)} final rows")
    with h5py.File(os.path.join(d, "campaign.h5"), "r") as f:
        if f["tables/latent/data"].shape[1] != 10:
            raise SystemExit("FAIL: latent table shape")
    return "final loss by lr: " + ", ".join(f"{float(r['lr']):.2g}: {float(r['loss_mean']):.3f}" for r in last)


def check_fig3a(d, s):
    """Fig. 3A: both networks drop abruptly; the fixed-point count stays the
    same through all of phase 1; abrupt.csv agrees with summary.json; the
    abrupt and latent_flow figures exist when figures were rendered."""
    ab = s["model"]["abrupt"]
    with open(os.path.join(d, "analysis", "abrupt.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not (ab["networks"] == 2 and ab["dropped"] == 2 and len(rows) == 2):
        raise SystemExit(f"FAIL: fig3a: expected 2 networks that drop: {ab['networks']}, {ab['dropped']}, {len(rows)}")
    if ab["fixed_points_constant"] != 2:
        raise SystemExit(f"FAIL: fig3a: the fixed-point count changed: {rows}")
    for r in rows:
        drop, onset = float(r["drop_epoch"]), float(r["ghost_onset"] or "nan")
        if r["ghost_before_drop"] == "1" and not onset < drop:
            raise SystemExit(f"FAIL: fig3a: a ghost before the drop but its onset is not: {r}")
    figs = os.path.join(d, "analysis", "figures")
    if os.path.isdir(figs):
        for name in ("abrupt.png", "latent_flow.png"):
            if not os.path.exists(os.path.join(figs, name)):
                raise SystemExit(f"FAIL: fig3a: figure {name} missing")
    lag = ab["ghost_lag"]
    return (f"drops at {', '.join(r['drop_epoch'] for r in rows)}; fixed points constant in {ab['fixed_points_constant']}/2; "
            f"fixed point crosses κ* in {ab['fixed_point_crosses_kappa_star']}/2; ghost before the drop in "
            f"{ab['ghost_before_drop']}/2; first ghost − drop {lag['min']}..{lag['max']} epochs")


def check_rank_sweep(d, s):
    learned = {(r["rank"], r["lr"]): float(r["mean"]) for r in metrics(d) if r["metric"] == "learned"}
    if len(learned) != 12:
        raise SystemExit(f"FAIL: {len(learned)} (rank, lr) cells with 'learned'")
    with h5py.File(os.path.join(d, "campaign.h5"), "r") as f:
        sp = f["tables/slow_points/data"][:]
        if sp.shape[0] == 0:
            raise SystemExit("FAIL: no rank-2 slow points recorded")
    return "fraction learned (rank, lr): " + ", ".join(f"({k[0]}, {float(k[1]):.2g}) {v:.2f}" for k, v in sorted(learned.items()))


def check_wcrnn(d, s):
    rows = metrics(d)
    acc = [float(r["mean"]) for r in rows if r["metric"] == "eval_accuracy" and r["mean"]]
    loss = [float(r["mean"]) for r in rows if r["metric"] == "eval_loss" and r["mean"]]
    if not loss:
        raise SystemExit("FAIL: no eval_loss in metrics.csv")
    fam = s["campaign"]["name"]
    if "mnist" in fam and not (acc and max(acc) > 0.1):
        raise SystemExit(f"FAIL: (p)sMNIST not above chance: {acc}")
    return f"eval_loss {min(loss):.4g}..{max(loss):.4g}" + (f", eval_accuracy max {max(acc):.3f}" if acc else "")


def check_wcrnn_lyapunov(d, s):
    """Small γ: every exponent ≈ log r (acceptance: within 0.01); the
    deviation max_i |λ_i - log|eig_i(R)|| grows with γ."""
    with h5py.File(os.path.join(d, "campaign.h5"), "r") as f:
        data, off = f["tables/lyapunov/data"][:], f["tables/lyapunov/offset"][:]
        cols = f["tables/lyapunov"].attrs["columns"].split(",")
        gamma, r = f["grid/gamma"][:], f["grid/r"][:]
    ie, il = cols.index("exponent"), cols.index("log_abs_eig_R")
    dev = {}
    for k in range(len(gamma)):
        t = data[off[k]:off[k + 1]]
        dev.setdefault(float(gamma[k]), []).append(float(abs(t[:, ie] - t[:, il]).max()))
    worst = {g: max(v) for g, v in sorted(dev.items())}
    if not worst[min(worst)] < 0.01:
        raise SystemExit(f"FAIL: at γ = {min(worst)} the spectrum deviates {worst[min(worst)]} from log|eig R|")
    means = [sum(v) / len(v) for g, v in sorted(dev.items())]
    if any(b < a for a, b in zip(means, means[1:])):
        raise SystemExit(f"FAIL: the mean deviation does not grow with γ: {means}")
    return "max |λ - log|eig R|| by γ: " + ", ".join(f"{g:g}: {w:.2e}" for g, w in worst.items())


def check_rank2(d, s):
    rows = s["model"]["classes"]
    for r in rows:
        if not (r["lc"] + r["sp"] + r["fail"] + r["diverged"] == r["done"] == r["seeds"]):
            raise SystemExit(f"FAIL: rank2: class counts do not add up: {r}")
    totals = {0: 17, 1: 40, 2: 8, 3: 14}  # variant -> total steps (SPEC §7)
    cfg = open(os.path.join(d, "campaign.yaml")).read()
    base_variant = {"rank2-a": 0, "rank2-b": 1, "rank2-c": 2, "rank2-d": 3}[s["campaign"]["family"]]
    stop = float(cfg.split("early_stop:")[1].split()[0]) if "early_stop:" in cfg else 0.0
    with h5py.File(os.path.join(d, "campaign.h5"), "r") as f:
        t = {}
        for name in ("latent", "trajectory", "flow", "slow_points"):
            if f"tables/{name}/data" not in f:
                raise SystemExit(f"FAIL: rank2: table {name} missing")
            g = f[f"tables/{name}"]
            cols = g.attrs["columns"]
            cols = (cols.decode() if isinstance(cols, bytes) else str(cols)).split(",")
            t[name] = (cols, g["data"][:], g["offset"][:])
        cls, learned, done = f["tasks/class"][:], f["tasks/learned"][:], f["tasks/done"][:]
        variant = f["grid/variant"][:] if "grid/variant" in f else [base_variant] * len(cls)
        rho, stopped = f["metrics/rho"][:], f["metrics/stopped"][:]
        ep_run, loss0 = f["tasks/epochs_run"][:], f["metrics/loss0"][:]
        loss, coff = f["curves/loss"][:], f["curves/offset"][:]
        for k in range(len(cls)):
            if not done[k]:
                raise SystemExit(f"FAIL: rank2: task {k} not done")
            cols, data, off = t["latent"]
            last = data[off[k + 1] - 1]
            lat_cls, lat_rho = last[cols.index("latent_class")], last[cols.index("rho")]
            if learned[k] and cls[k] != lat_cls or not learned[k] and cls[k] != 0:
                raise SystemExit(f"FAIL: rank2: task {k}: class {cls[k]}, learned {learned[k]}, last snapshot {lat_cls}")
            if not (rho[k] == lat_rho or (rho[k] != rho[k] and lat_rho != lat_rho)):
                raise SystemExit(f"FAIL: rank2: task {k}: rho {rho[k]} != last snapshot's {lat_rho}")
            cols, data, off = t["trajectory"]
            snaps = off[k + 1] - off[k]
            per = 3 * totals[int(variant[k])] + 1
            if snaps % per != 0 or snaps // per != t["latent"][2][k + 1] - t["latent"][2][k]:
                raise SystemExit(f"FAIL: rank2: task {k}: {snaps} trajectory rows, not {per} per snapshot")
            if stopped[k] == 1 and not loss[coff[k + 1] - 1] < stop * loss0[k] * (1 + 1e-6):
                raise SystemExit(f"FAIL: rank2: task {k} stopped at {ep_run[k]} with loss {loss[coff[k + 1] - 1]}")
    figs = os.path.join(d, "analysis", "figures")
    if os.path.isdir(figs):
        for name in ("rank2_fig2.png", "rank2_loss.png", "rank2_classes.png"):
            if not os.path.exists(os.path.join(figs, name)):
                raise SystemExit(f"FAIL: rank2: figure {name} missing")
    return "; ".join(f"{r['cell']}: LC {r['lc']}, SP {r['sp']}, not learned {r['fail']}, stopped {r['stopped']}"
                     for r in rows)


CHECKS = {"rank2-fig2-quick": check_rank2, "rank2-fig3-quick": check_rank2,
          "wcrnn-lyapunov": check_wcrnn_lyapunov, "ghost-fig4-quick": check_fig4, "ghost-lr-sweep-quick": check_lr_sweep,
          "ghost-rank-sweep-quick": check_rank_sweep, "ghost-fig3a-quick": check_fig3a}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memphase", required=True)
    ap.add_argument("--campaigns", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--numproc-flag", default="-n")
    ap.add_argument("--preflags", default="")
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--figures", default="", help="analysis/figures.py: render each campaign's figures too")
    ap.add_argument("--data", default="", help="MEMPHASE_DATA of the (p)sMNIST campaigns")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    if a.data and any("mnist" in n for n in a.names) and not os.path.isdir(os.path.join(a.data, "mnist")):
        print(f"SKIP: {a.data}/mnist is missing (run `bash scripts/fetch_data.sh {a.data}`)")
        sys.exit(77)
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    if a.data:
        env["MEMPHASE_DATA"] = a.data
    lines = []
    for name in a.names:
        d = os.path.join(a.work, name)
        shutil.rmtree(d, ignore_errors=True)
        t0 = time.time()
        run([a.mpiexec, a.numproc_flag, str(a.np)] + a.preflags.split() +
            [a.memphase, "run", os.path.join(a.campaigns, name + ".yaml"), "--out", d], env)
        t_run = time.time() - t0
        run([a.memphase, "analyze", d], env)
        s = json.load(open(os.path.join(d, "analysis", "summary.json")))
        if s["counts"]["done"] != s["counts"]["tasks"]:
            raise SystemExit(f"FAIL: {name}: {s['counts']}")
        for f in ("metrics.csv", "model.md", "model.tex"):
            if not os.path.exists(os.path.join(d, "analysis", f)):
                raise SystemExit(f"FAIL: {name}: analysis/{f} missing")
        if a.figures:
            out = os.path.join(d, "analysis", "figures")
            run(["/usr/bin/python3", a.figures, d, "--out", out, "--formats", "png"])
            pngs = sorted(x for x in os.listdir(out) if x.endswith(".png"))
            if not pngs:
                raise SystemExit(f"FAIL: {name}: no figure rendered")
            print(f"{name}: figures {', '.join(pngs)}")
        check = CHECKS.get(name, check_wcrnn if name.startswith("wcrnn") else None)
        what = check(d, s) if check else ""
        lines.append(f"| {name} | {s['counts']['tasks']} | {t_run:.1f} s | {what} |")
    print("| campaign | tasks | run (np %d) | result |\n|---|---:|---:|---|" % a.np)
    print("\n".join(lines))
    print(f"ok: {len(a.names)} model campaign(s) pass")


if __name__ == "__main__":
    main()
