#!/usr/bin/python3
"""Mechanism snapshots (SPEC §3.8, issue 17) end to end under real mpirun.

  kill   a small campaign with output.snapshots: (1) its weights and curves
         are bitwise those of the same campaign without snapshots; (2) killed
         with SIGKILL mid-training (MEMPHASE_FAULT epoch: the rank kills
         itself) and resumed from its checkpoints, its campaign.h5 (snapshot
         and loss-jump tables included) is bitwise that of an uninterrupted run.
  quick  campaigns/mechanism-evolution-quick.yaml: run -> gather -> analyze ->
         figures, and the report cross-checked against an independent
         re-implementation (here, in numpy) of the snapshot schedule, the
         not-learned rule, the loss-jump rule and the switch debouncing.

Usage: mechanism_campaign.py {kill,quick} --memphase BIN --mpiexec MPIEXEC
       [--preflags ...] --campaign YAML --work DIR [--figures analysis/figures.py]
"""
import argparse
import csv
import glob
import json
import os
import random
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mpi"))
import campaign_tests as ct  # noqa: E402  (mpirun, compare, compare_all, ... of the MPI tests)


def fail(msg):
    raise SystemExit("FAIL: " + msg)


def tables(f, name):
    g = f[f"tables/{name}"]
    cols = g.attrs["columns"]
    cols = (cols.decode() if isinstance(cols, bytes) else str(cols)).split(",")
    return cols, g["data"][:], g["offset"][:]


def t_kill():
    a = ct.ARGS
    ref_dir = ct.fresh("snap-ref")
    ct.mpirun(2, "run", a.campaign, "--out", ref_dir)
    ref = os.path.join(ref_dir, "campaign.h5")
    with h5py.File(ref, "r") as f:
        cols, data, off = tables(f, "snapshots")
        if len(off) - 1 != len(f["grid/lr"]) or data.shape[0] == 0:
            fail("no snapshot table in the campaign file")
        learned = np.isfinite(data[:, cols.index("rho")]).sum()
        if learned < 3:
            fail(f"only {learned} learned snapshots: the free run is not exercised")
        print(f"reference: {data.shape[0]} snapshots, {learned} with a free run")
    # (1) the same campaign without snapshots trains bitwise the same networks
    plain = os.path.join(a.work, "snap-plain.yaml")
    text = open(a.campaign).read()
    if "snapshots: 10" not in text:
        fail("the test campaign must set output.snapshots: 10")
    open(plain, "w").write(text.replace(", snapshots: 10", ""))
    plain_dir = ct.fresh("snap-plain")
    ct.mpirun(2, "run", plain, "--out", plain_dir)
    with h5py.File(os.path.join(plain_dir, "campaign.h5"), "r") as f:
        if "tables" in f:
            fail("a campaign without snapshots has /tables")
    ct.compare(os.path.join(plain_dir, "campaign.h5"), ref)
    # (2) SIGKILL mid-training, resume, identical files
    with h5py.File(ref, "r") as f:
        total = len(f["grid/lr"])
    rng = random.Random(a.seed)
    # The rank's n-th epoch over its tasks (400 epochs each, a checkpoint every
    # 50): n mod 400 > 60, so that the killed task has a checkpoint to resume.
    def epoch_n():
        return 400 * rng.randint(0, 1) + rng.randint(60, 390)
    for i, fault in enumerate([f"epoch:1:{epoch_n()}", f"epoch:0:{epoch_n()}"]):
        d = ct.fresh(f"snap-kill-{i}")
        p = ct.mpirun(2, "run", a.campaign, "--out", d, env={"MEMPHASE_FAULT": fault}, check=False)
        if p.returncode == 0:
            fail(f"fault {fault} did not fire")
        if not glob.glob(os.path.join(d, "ckpt", "*")):
            fail(f"fault {fault}: no checkpoint left to resume from")
        ct.mpirun(2, "run", a.campaign, "--out", d)
        resumed = ct.resumed_from_checkpoint(d)
        if not resumed:
            fail("no task resumed from a checkpoint")
        print(f"fault {fault}: resumed from checkpoints at epochs {resumed}")
        ct.compare_all(os.path.join(d, "campaign.h5"), ref)
        ct.assert_no_double_commits(d, total)


# ---------------------------------------------------------------- quick

def jumps_of(loss, window, factor):
    """The rule of delayed_cue/snapshots.hpp, written out naively (O(n W))."""
    n = len(loss)
    ok = np.isfinite(loss) & (loss > 0)
    flagged = np.zeros(n, bool)
    for t in range(n - 1):
        w = loss[t + 1:t + 1 + window]
        w = w[np.isfinite(w) & (w > 0)]
        flagged[t] = ok[t] and len(w) > 0 and loss[t] >= factor * w.min()
    out, t = [], 0
    while t < n - 1:
        if not flagged[t]:
            t += 1
            continue
        a = t
        while t < n - 1 and flagged[t]:
            t += 1
        target = loss[a] / factor
        s = next(s for s in range(a + 1, min(n - 1, a + window) + 1) if ok[s] and loss[s] <= target)
        out.append(s)
    return out


def switches_of(classes, persist=2):
    runs = []
    for c in classes:
        if c not in (1, 2):
            continue
        if runs and runs[-1][0] == c:
            runs[-1][1] += 1
        else:
            runs.append([c, 1])
    raw = [(runs[i - 1][0], runs[i][0]) for i in range(1, len(runs))]
    kept = []
    for c, n in runs:
        if n < persist:
            continue
        if kept and kept[-1][0] == c:
            kept[-1][1] += n
        else:
            kept.append([c, n])
    deb = [(kept[i - 1][0], kept[i][0]) for i in range(1, len(kept))]
    return deb, raw


def t_quick():
    a = ct.ARGS
    d = ct.fresh("mechanism-quick")
    ct.mpirun(2, "run", a.campaign, "--out", d)
    p = subprocess.run([a.memphase, "analyze", d], capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        fail(f"analyze exit {p.returncode}: {p.stderr[-2000:]}")
    summary = json.load(open(os.path.join(d, "analysis", "summary.json")))
    m = summary.get("mechanism")
    if m is None:
        fail("summary.json has no 'mechanism' member")
    k, window, factor = int(m["snapshot_every"]), int(m["loss_jump"]["window"]), m["loss_jump"]["factor"]
    tot = {"learned": 0, "switching": 0, "switching_raw": 0, "sp_to_lc": 0, "lc_to_sp": 0,
           "sp_to_lc_raw": 0, "lc_to_sp_raw": 0}
    with h5py.File(os.path.join(d, "campaign.h5"), "r") as f:
        scols, sdata, soff = tables(f, "snapshots")
        jcols, jdata, joff = tables(f, "loss_jumps")
        coff = f["curves/offset"][:]
        if not (f["curves/epoch"][:] == np.concatenate([np.arange(coff[i + 1] - coff[i])
                                                         for i in range(len(coff) - 1)])).all():
            fail("the quick campaign must keep every epoch (record_every 1) for this check")
        n_rho = 0
        for t in range(len(soff) - 1):
            snaps = sdata[soff[t]:soff[t + 1]]
            epochs_run = int(f["tasks/epochs_run"][t])
            ep = snaps[:, 0].astype(int)
            want = sorted(set(range(k, epochs_run + 1, k)) | {epochs_run})
            if list(ep) != want:
                fail(f"task {t}: snapshot epochs {list(ep)[:5]}... != {want[:5]}...")
            acc = f["curves/accuracy"][coff[t]:coff[t + 1]][ep - 1]
            rel = f["curves/reliability"][coff[t]:coff[t + 1]][ep - 1]
            cls = snaps[:, 1].astype(int)
            if ((cls == 0) != ~((acc > 0.8) & (rel > 0.8))).any():
                fail(f"task {t}: class-0 snapshots do not match accuracy/reliability <= 0.8")
            if (np.isfinite(snaps[:, 2]) != (cls > 0)).any():
                fail(f"task {t}: rho must be finite exactly for learned snapshots")
            n_rho += int((cls > 0).sum())
            loss = f["curves/loss"][coff[t]:coff[t + 1]].astype(np.float64)
            got = list(jdata[joff[t]:joff[t + 1], 0].astype(int))
            if got != jumps_of(loss, window, factor):
                fail(f"task {t}: loss jumps {got} != {jumps_of(loss, window, factor)}")
            if not f["tasks/learned"][t]:
                continue
            deb, raw = switches_of(list(cls))
            tot["learned"] += 1
            tot["switching"] += bool(deb)
            tot["switching_raw"] += bool(raw)
            tot["sp_to_lc"] += sum(1 for x in deb if x == (2, 1))
            tot["lc_to_sp"] += sum(1 for x in deb if x == (1, 2))
            tot["sp_to_lc_raw"] += sum(1 for x in raw if x == (2, 1))
            tot["lc_to_sp_raw"] += sum(1 for x in raw if x == (1, 2))
    if n_rho == 0:
        fail("no learned snapshot: the quick campaign does not exercise the classifier")
    for key, v in tot.items():
        if m["all"][key] != v:
            fail(f"mechanism.all.{key} = {m['all'][key]}, recomputed {v}")
    rows = list(csv.DictReader(open(os.path.join(d, "analysis", "mechanism.csv"))))
    if rows[-1]["learned"] != str(tot["learned"]) or "Mechanism evolution" not in open(
            os.path.join(d, "analysis", "scaling.md")).read():
        fail("mechanism.csv's 'all' row or the Markdown section is missing")
    print(f"mechanism report recomputed: {tot}")
    if a.figures:
        out = os.path.join(d, "analysis", "figures")
        p = subprocess.run(["/usr/bin/python3", a.figures, d, "--out", out, "--formats", "png"],
                           capture_output=True, text=True)
        sys.stdout.write(p.stdout)
        sys.stderr.write(p.stderr)
        want = ["phase_diagram.png"] + (["mechanism_examples.png"] if tot["switching"] else [])
        missing = [w for w in want if not os.path.exists(os.path.join(out, w))]
        if missing or "mechanism figures failed" in p.stderr:
            fail(f"figures: missing {missing}")
        print(f"figures rendered: {sorted(os.listdir(out))}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("test", choices=["kill", "quick"])
    ap.add_argument("--memphase", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("--preflags", default="")
    ap.add_argument("--campaign", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--figures", default="")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("MEMPHASE_TEST_SEED", "1")))
    ct.ARGS = ap.parse_args()
    os.makedirs(ct.ARGS.work, exist_ok=True)
    {"kill": t_kill, "quick": t_quick}[ct.ARGS.test]()
    print("PASS")


if __name__ == "__main__":
    main()
