#!/usr/bin/python3
"""MPI integration tests of `memphase run` / `gather`, run by ctest under real
mpirun. Each subcommand is one test; it exits non-zero on failure.

Usage: campaign_tests.py <test> --memphase BIN --mpiexec MPIEXEC
       [--preflags "..."] --campaign YAML --work DIR [--np N]
"""
import argparse
import glob
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import time

import h5py
import numpy as np

ARGS = None


def mpirun(np_, *cmd, env=None, check=True, timeout=600, binary=None):
    full = [ARGS.mpiexec, "-n", str(np_)] + ARGS.preflags.split() + [binary or ARGS.memphase] + list(cmd)
    e = dict(os.environ)
    e.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    e.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    e.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    if env:
        e.update(env)
    print("+", " ".join(full), ("with " + str(env)) if env else "", flush=True)
    p = subprocess.run(full, env=e, capture_output=True, text=True, timeout=timeout)
    sys.stdout.write(p.stdout[-4000:])
    sys.stderr.write(p.stderr[-4000:])
    if check and p.returncode != 0:
        raise SystemExit(f"FAIL: exit {p.returncode}: {' '.join(full)}")
    return p


def fresh(name):
    d = os.path.join(ARGS.work, name)
    shutil.rmtree(d, ignore_errors=True)
    return d


def load(path):
    """Per-task results keyed by (lr, delay, seed): weights, curves, class.
    Weights: a rate RNN's /weights/{initial,final}/<matrix> rows, or another
    family's packed /params/{initial,final} (ragged, /params/offset)."""
    out = {}
    with h5py.File(path, "r") as f:
        g = f["grid"]
        off = f["curves/offset"][:]
        poff = f["params/offset"][:] if "params" in f else None
        if poff is None and "weights" not in f:
            raise SystemExit(f"FAIL: {path} has neither /weights nor /params")
        for k in range(len(g["lr"])):
            key = (float(g["lr"][k]), float(g["delay"][k]), int(g["seed"][k]))
            rec = {"done": int(f["tasks/done"][k]), "class": int(f["tasks/class"][k]),
                   "status": int(f["tasks/status"][k]), "epochs": int(f["tasks/epochs_run"][k])}
            if poff is not None:
                for w in ("initial", "final"):
                    rec["params/" + w] = f["params/" + w][poff[k]:poff[k + 1]].tobytes()
            else:
                for w in ("W_in", "W_rec", "W_out", "b_in", "b_rec", "b_out"):
                    rec["final/" + w] = f["weights/final/" + w][k].tobytes()
                    rec["initial/" + w] = f["weights/initial/" + w][k].tobytes()
            for c in ("loss", "accuracy", "reliability", "grad_norm", "epoch"):
                rec["curve/" + c] = f["curves/" + c][off[k]:off[k + 1]].tobytes()
            out[key] = rec
    return out


def compare(a_path, b_path):
    a, b = load(a_path), load(b_path)
    if set(a) != set(b):
        raise SystemExit(f"FAIL: different task sets {len(a)} vs {len(b)}")
    bad = [k for k in a if a[k] != b[k]]
    if bad:
        k = bad[0]
        diff = [f for f in a[k] if a[k][f] != b[k][f]]
        raise SystemExit(f"FAIL: {len(bad)} tasks differ, e.g. {k}: fields {diff}")
    if not all(r["done"] for r in a.values()):
        raise SystemExit("FAIL: not every task is done")
    print(f"identical: {len(a)} tasks (weights, curves, classes) bitwise equal")


def journal_commits(run_dir):
    """Counts committed records per task key over all journals (parses the
    framing: magic u32, version u32, key u64, len u64, payload, xxh64, commit)."""
    counts = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "journal", "*.log"))):
        data = open(path, "rb").read()
        at = 0
        while at + 36 <= len(data):
            magic, ver, key, ln = struct.unpack_from("<IIQQ", data, at)
            end = at + 24 + ln
            if magic != 0x4E4A504D or end + 12 > len(data):
                break
            (commit,) = struct.unpack_from("<I", data, end + 8)
            if commit != 0x54494D43:
                break
            counts[key] = counts.get(key, 0) + 1
            at = end + 12
    return counts


def resumed_from_checkpoint(run_dir):
    """Epochs at which tasks restarted from a checkpoint (structured logs)."""
    import json
    out = []
    for path in glob.glob(os.path.join(run_dir, "logs", "*.log")):
        for line in open(path):
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") == "task_start" and ev.get("from_epoch", 0) > 0:
                out.append(ev["from_epoch"])
    return sorted(out)


def reference_of(campaign, name):
    d = os.path.join(ARGS.work, f"reference-{name}")
    if not os.path.exists(os.path.join(d, "campaign.h5")):
        shutil.rmtree(d, ignore_errors=True)
        mpirun(2, "run", campaign, "--out", d)
    return os.path.join(d, "campaign.h5")


def reference(np_=1):
    """An uninterrupted run, shared by the tests of one ctest invocation."""
    d = os.path.join(ARGS.work, f"reference-np{np_}")
    if not os.path.exists(os.path.join(d, "campaign.h5")):
        shutil.rmtree(d, ignore_errors=True)
        mpirun(np_, "run", ARGS.campaign, "--out", d)
    return os.path.join(d, "campaign.h5")


def assert_no_double_commits(run_dir, expected):
    counts = journal_commits(run_dir)
    twice = {k: v for k, v in counts.items() if v > 1}
    if twice:
        raise SystemExit(f"FAIL: {len(twice)} tasks committed more than once")
    if len(counts) != expected:
        raise SystemExit(f"FAIL: {len(counts)} committed tasks, expected {expected}")
    print(f"journals: {len(counts)} tasks committed exactly once")


def n_tasks():
    with h5py.File(reference(), "r") as f:
        return len(f["grid/lr"])


def assert_status_from_indexes(run_dir, expected):
    """After a clean (final) run every committed record is listed by a journal
    index: `status` reads no record (earlier sessions' indexes were rebuilt at
    resume under the lock, this session's kept by the ranks)."""
    import json
    before = sorted(os.listdir(os.path.join(run_dir, "journal")))
    st = json.loads(subprocess.run([ARGS.memphase, "status", run_dir, "--json"], capture_output=True, text=True,
                                   check=True).stdout)
    if st["done"] != expected or st["from_index"] != expected or st["from_journal"] != 0:
        raise SystemExit(f"FAIL: status did not read every record from the journal indexes: {st}")
    if sorted(os.listdir(os.path.join(run_dir, "journal"))) != before:
        raise SystemExit("FAIL: status wrote into the journal directory")
    logs = glob.glob(os.path.join(run_dir, "journal", "*.log"))
    if len(glob.glob(os.path.join(run_dir, "journal", "*.idx"))) != len(logs):
        raise SystemExit("FAIL: a journal without its index")
    print(f"status: {expected} records from {len(logs)} journal indexes, no record read")


# ---------------------------------------------------------------- tests
def t_run():
    """Runs the campaign at --np and checks the file with h5ls and h5py."""
    d = fresh(f"run-np{ARGS.np}")
    mpirun(ARGS.np, "run", ARGS.campaign, "--out", d)
    h5 = os.path.join(d, "campaign.h5")
    subprocess.run(["h5ls", "-r", h5], check=True, capture_output=True)
    compare(h5, reference(1))
    assert_no_double_commits(d, n_tasks())
    assert_status_from_indexes(d, n_tasks())
    if glob.glob(os.path.join(d, "*.tmp*")) or glob.glob(os.path.join(d, "ckpt", "*")):
        raise SystemExit("FAIL: temp files or checkpoints left behind")


def t_crash():
    """SIGKILL a worker at a random epoch, rank 0 at a random epoch, a rank
    during a checkpoint write, during a journal append and during a journal
    index append (after its record is durable). Each fault must
    fire (the job dies), then the same command resumes; the result must be
    bitwise equal to the uninterrupted run with every task committed once.
    A last scenario chains all four faults on one directory."""
    rng = random.Random(int(os.environ.get("MEMPHASE_TEST_SEED", "1")))
    faults = [f"epoch:1:{rng.randint(20, 300)}", f"epoch:0:{rng.randint(20, 300)}",
              f"ckpt-write:{rng.randint(0, 1)}:{rng.randint(1, 8)}",
              f"journal:{rng.randint(0, 1)}:{rng.randint(1, 3)}", f"index:{rng.randint(0, 1)}:{rng.randint(1, 3)}",
              f"gather:{rng.randint(0, 1)}:1"]
    ref = reference(1)
    for i, fault in enumerate(faults):
        d = fresh(f"crash-{i}")
        p = mpirun(2, "run", ARGS.campaign, "--out", d, env={"MEMPHASE_FAULT": fault}, check=False)
        if p.returncode == 0:
            raise SystemExit(f"FAIL: fault {fault} did not fire")
        print(f"fault {fault}: job died with exit {p.returncode}; resuming")
        h5 = os.path.join(d, "campaign.h5")
        if os.path.exists(h5):  # never a half-written campaign.h5: h5ls must read it
            subprocess.run(["h5ls", "-r", h5], check=True, capture_output=True)
        mpirun(2, "run", ARGS.campaign, "--out", d)
        if fault.startswith("epoch"):
            resumed = resumed_from_checkpoint(d)
            if not resumed:
                raise SystemExit("FAIL: no task resumed from a checkpoint after a kill mid-training")
            print(f"tasks resumed mid-training from checkpoints at epochs {resumed}")
        compare(os.path.join(d, "campaign.h5"), ref)
        assert_no_double_commits(d, n_tasks())
        assert_status_from_indexes(d, n_tasks())
    d = fresh("crash-chain")
    for fault in faults:
        p = mpirun(2, "run", ARGS.campaign, "--out", d, env={"MEMPHASE_FAULT": fault}, check=False)
        print(f"chained fault {fault}: exit {p.returncode}")
    mpirun(2, "run", ARGS.campaign, "--out", d)
    compare(os.path.join(d, "campaign.h5"), ref)
    assert_no_double_commits(d, n_tasks())


def rank_pids(mpirun_pid):
    """PIDs of the memphase processes started by one mpirun."""
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(mpirun_pid)],
                         capture_output=True, text=True).stdout
    return [int(l.split()[0]) for l in out.splitlines() if "memphase" in l]


def t_signal():
    """The walltime warning: SIGUSR1 to mpirun (forwarded to every rank), then
    SIGTERM straight to the rank processes (what Slurm sends at the end).
    Each time every rank checkpoints, the job exits 0 with a resume hint; the
    resumed result equals the uninterrupted run."""
    d = fresh("signal")
    quick = os.path.join(os.path.dirname(ARGS.campaign), "sigtest.yaml")
    e = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
             OMPI_MCA_rmaps_base_oversubscribe="1")
    full = [ARGS.mpiexec, "-n", "2"] + ARGS.preflags.split() + [ARGS.memphase, "run", quick, "--out", d]
    for how in ("usr1-to-mpirun", "term-to-ranks"):
        p = subprocess.Popen(full, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(2.0)
        if how == "usr1-to-mpirun":
            p.send_signal(signal.SIGUSR1)
        else:
            for pid in rank_pids(p.pid):
                os.kill(pid, signal.SIGTERM)
        t0 = time.time()
        out, _ = p.communicate(timeout=120)
        print(out[-1500:])
        if p.returncode != 0 or "Resume with the same command" not in out:
            raise SystemExit(f"FAIL: {how}: exit {p.returncode}, resume hint missing")
        if not glob.glob(os.path.join(d, "ckpt", "*.ckpt")):
            raise SystemExit(f"FAIL: {how}: no checkpoint written")
        print(f"{how}: clean exit 0 after {time.time() - t0:.2f} s with checkpoints")
    mpirun(2, "run", quick, "--out", d)
    compare(os.path.join(d, "campaign.h5"), reference_of(quick, "sigtest"))
    assert_no_double_commits(d, len(load(os.path.join(d, "campaign.h5"))))


def t_config_change():
    """Resume with an edited config is refused naming the key; --extend with
    more seeds runs only the new tasks."""
    d = fresh("config-change")
    mpirun(1, "run", ARGS.campaign, "--out", d)
    before = journal_commits(d)
    text = open(ARGS.campaign).read()
    edited = os.path.join(ARGS.work, "edited.yaml")
    open(edited, "w").write(text.replace("epochs: 150", "epochs: 160"))
    p = mpirun(1, "run", edited, "--out", d, check=False)
    if p.returncode == 0 or "epochs" not in p.stderr:
        raise SystemExit(f"FAIL: edited config not refused with the key named:\n{p.stderr}")
    more = os.path.join(ARGS.work, "more-seeds.yaml")
    open(more, "w").write(text.replace("seeds: 3", "seeds: 4"))
    p = mpirun(2, "run", more, "--out", d, check=False)
    if p.returncode == 0:
        raise SystemExit("FAIL: a grown grid was accepted without --extend")
    mpirun(2, "run", more, "--out", d, "--extend")
    after = journal_commits(d)
    new = set(after) - set(before)
    if any(after[k] != 1 for k in after) or len(new) != len(before) // 3:
        raise SystemExit(f"FAIL: --extend committed {len(new)} new tasks, expected {len(before)//3}")
    print(f"--extend ran only the {len(new)} new tasks")


def t_walltime():
    """--walltime: tasks whose estimate does not fit are not started, every
    rank checkpoints `margin` seconds before the end and the job exits 0 with
    a resume hint; the resumed result equals the uninterrupted run."""
    d = fresh("walltime")
    camp = os.path.join(os.path.dirname(ARGS.campaign), "sigtest.yaml")
    t0 = time.time()
    p = mpirun(2, "run", camp, "--out", d, "--walltime", "6", "--walltime-margin", "3")
    took = time.time() - t0
    if "Resume with the same command" not in p.stdout:
        raise SystemExit("FAIL: walltime stop without a resume hint")
    committed = len(journal_commits(d))
    in_flight = len(glob.glob(os.path.join(d, "ckpt", "*.ckpt")))
    # The job must end before the walltime (6 s; MPI start-up included), with
    # work left: either checkpointed in flight or not dispatched because it
    # could not finish in time.
    if took >= 6.0 or committed >= 16:
        raise SystemExit(f"FAIL: walltime not honoured: {took:.1f} s, {committed} committed")
    print(f"walltime stop after {took:.1f} s: {committed} committed, {in_flight} checkpointed in flight")
    mpirun(2, "run", camp, "--out", d)
    compare(os.path.join(d, "campaign.h5"), reference_of(camp, "sigtest"))


def t_lock():
    """A second run on the same directory while the first runs is refused by
    the lock; the first then stops cleanly on SIGUSR1."""
    d = fresh("lock")
    quick = os.path.join(os.path.dirname(ARGS.campaign), "sigtest.yaml")
    full = [ARGS.mpiexec, "-n", "1"] + ARGS.preflags.split() + [ARGS.memphase, "run", quick, "--out", d]
    e = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
             OMPI_MCA_rmaps_base_oversubscribe="1")
    first = subprocess.Popen(full, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(200):
        if os.path.exists(os.path.join(d, "manifest.yaml")):
            break
        time.sleep(0.05)
    p = mpirun(1, "run", quick, "--out", d, check=False)
    first.send_signal(signal.SIGUSR1)
    out, _ = first.communicate(timeout=300)
    if p.returncode == 0 or "holds the lock" not in p.stderr:
        raise SystemExit(f"FAIL: concurrent run not refused: exit {p.returncode}\n{p.stderr}")
    print("second concurrent run refused:", p.stderr.strip().splitlines()[0])
    if first.returncode != 0:
        raise SystemExit(f"FAIL: first run did not stop cleanly on SIGUSR1: exit {first.returncode}\n{out}")


def t_bad_inputs():
    """Every bad input fails at np 2 before any collective work, on every rank
    alike (bounded time, no hang), exit 2, with file, key path and value."""
    base = open(ARGS.campaign).read()
    work = os.path.join(ARGS.work, "bad")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    def yaml_case(name, text):
        path = os.path.join(work, name + ".yaml")
        open(path, "w").write(text)
        return path
    cases = [
        ("malformed", yaml_case("malformed", base.replace("seeds: 3", "seeds: [3")),
         [r"malformed\.yaml:\d+:\d+: malformed YAML"]),
        ("unknown-key", yaml_case("unknown", base.replace("model: {n: 24}", "model: {n: 24, tua: 3}")),
         [r"unknown\.yaml:\d+:\d+: unknown key 'model\.tua' \(did you mean 'model\.tau'\?\)"]),
        ("wrong-type", yaml_case("wrongtype", base.replace("task: {reps: 8}", "task: {reps: many}")),
         [r"wrongtype\.yaml:\d+:\d+: task\.reps must be an integer \(got 'many'\)"]),
        ("lr<=0", yaml_case("lr", base.replace("lr: [0.3, 0.05]", "lr: [0.3, -0.1]")),
         [r"lr\.yaml:\d+:\d+: grid\.lr\[1\].*must be > 0 \(got -0\.1\)"]),
        ("lr=0", yaml_case("lr0", base.replace("lr: [0.3, 0.05]", "lr: [0.3, 0]")),
         [r"grid\.lr\[1\].*must be > 0 \(got 0"]),
        ("empty-grid", yaml_case("empty", base.replace("lr: [0.3, 0.05]", "lr: []")),
         [r"grid\.lr must have at least one value"]),
        ("duplicate", yaml_case("dup", base.replace("lr: [0.3, 0.05]", "lr: [0.3, 0.05, 0.3]")),
         [r"grid\.lr\[2\] duplicates grid\.lr\[0\] \(got 0\.3\)"]),
        ("seeds<1", yaml_case("seeds", base.replace("seeds: 3", "seeds: 0")),
         [r"seeds\.yaml:\d+:\d+: seeds must be >= 1 \(got 0\)"]),
        ("unknown-family", yaml_case("family", base.replace("family: dcdt-nopost", "family: dcdt-psot")),
         [r"unknown family 'dcdt-psot' \(did you mean 'dcdt-post'\?\)"]),
        # A task that cannot fit in memory (2e8 steps: ~1 TB of BPTT buffers)
        # is refused by every rank at validation instead of running for ever.
        ("absurd-delay", yaml_case("absurd", base.replace("delay: {range: [0, 40, 40]}", "delay: [0, 1e9]")),
         [r"absurd\.yaml:\d+:\d+: grid\.delay\[1\]: task\.delay makes one task need about [\d.]+ [GT]iB of memory "
          r"\(BPTT buffers 24 units x 16 trials x \d+ steps: .*\), more than the .* allowed per task .*"
          r"\(got 1000000000\)"]),
    ]
    def check(label, cmd, patterns, expect_code=2):
        t0 = time.time()
        code, out = run_cmd(cmd)
        took = time.time() - t0
        if code == "hang":
            raise SystemExit(f"FAIL: {label}: hang")
        if code != expect_code:
            raise SystemExit(f"FAIL: {label}: exit {code}, expected {expect_code}\n{out[-2000:]}")
        for pat in patterns:
            if not re.search(pat, out):
                raise SystemExit(f"FAIL: {label}: message does not match {pat!r}:\n{out[-2000:]}")
        first = next((l for l in out.splitlines() if "memphase" in l and "error" in l), "")
        print(f"ok {label} ({took:.1f} s): {first[:160]}")
    for label, path, pats in cases:
        check(label, ["run", path, "--out", os.path.join(work, "out-" + label)], pats)
    # The limit can be set: a tiny one refuses even the tiny campaign.
    check("max-task-memory", ["run", ARGS.campaign, "--out", os.path.join(work, "out-mem"), "--max-task-memory",
                              "100K"], [r"tiny\.yaml: .*makes one task need about .* more than the 100 KiB allowed "
                                        r"per task \(--max-task-memory 100 KiB\)"])
    # An output path that is a file.
    f = os.path.join(work, "a-file")
    open(f, "w").write("x")
    check("out-is-file", ["run", ARGS.campaign, "--out", f], [r"a-file.*is a file, not a directory"])
    # Resume with a changed config, and with a different code version.
    d = os.path.join(work, "resume")
    mpirun(2, "run", ARGS.campaign, "--out", d)
    check("changed-config", ["run", yaml_case("edited", base.replace("epochs: 150", "epochs: 151")), "--out", d],
          [r"refusing to resume", r"train\.epochs: 150 -> 151"])
    man = os.path.join(d, "manifest.yaml")
    text = open(man).read()
    older = re.sub(r"git_describe: .*", "git_describe: v0.0-older", text)
    older = re.sub(r"code_version: .*", "code_version: v0.0-older (Release, GNU 12.2.0)", older)
    open(man, "w").write(older)
    check("code-version", ["run", ARGS.campaign, "--out", d], [r"different code version", r"v0\.0-older"])
    open(man, "w").write(text)
    # gather / status on a directory that is not a campaign.
    check("gather-not-campaign", ["gather", work], [r"not a campaign directory"])
    p = subprocess.run([ARGS.memphase, "status", work], capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or "not a campaign directory" not in p.stderr:
        raise SystemExit(f"FAIL: status on a non-campaign: exit {p.returncode}: {p.stderr}")
    print("ok status-not-campaign:", p.stderr.strip())
    p = subprocess.run([ARGS.memphase, "analyze", work], capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or not re.search(r"bad: not a campaign directory \(no manifest\.yaml and no campaign\.h5",
                                          p.stderr):
        raise SystemExit(f"FAIL: analyze on a non-campaign: exit {p.returncode}: {p.stderr}")
    if os.path.exists(os.path.join(work, "analysis")):
        raise SystemExit("FAIL: analyze on a non-campaign wrote an analysis directory")
    print("ok analyze-not-campaign:", p.stderr.strip())


def t_diverge():
    """Diverging networks are a recorded outcome: the campaign completes,
    campaign.h5 marks them diverged (status 1), and `status` counts them."""
    import json
    camp = os.path.join(os.path.dirname(ARGS.campaign), "diverge.yaml")
    d = fresh("diverge")
    mpirun(2, "run", camp, "--out", d)
    with h5py.File(os.path.join(d, "campaign.h5"), "r") as f:
        status, lr = f["tasks/status"][:], f["grid/lr"][:]
        done = f["tasks/done"][:]
    if not all(done) or list(status[lr > 1]) != [1, 1] or list(status[lr < 1]) != [0, 0]:
        raise SystemExit(f"FAIL: statuses {list(status)} for lr {list(lr)}")
    st = json.loads(subprocess.run([ARGS.memphase, "status", d, "--json"], capture_output=True, text=True,
                                   check=True).stdout)
    if st["diverged"] != 2 or st["done"] != 4:
        raise SystemExit(f"FAIL: status counts {st}")
    print("diverged networks recorded (status 1) and counted by status:", st["diverged"])
    _, summary = analyze(d)
    rows = phase_rows(d)
    if summary["counts"]["diverged"] != 2 or sum(int(r["diverged"]) for r in rows) != 2:
        raise SystemExit(f"FAIL: analyze counts {summary['counts']}")
    print("and by analyze:", summary["counts"])


def analyze(d, *extra, expect=0):
    """`memphase analyze` (serial, no mpirun); returns (stdout+stderr, summary or None)."""
    import json
    p = subprocess.run([ARGS.memphase, "analyze", d, "--resamples", "50", "--threads", "2"] + list(extra),
                       capture_output=True, text=True, timeout=300)
    if p.returncode != expect:
        raise SystemExit(f"FAIL: analyze {d} {extra}: exit {p.returncode}, expected {expect}\n"
                         f"{p.stdout[-2000:]}{p.stderr[-2000:]}")
    summary = None
    path = os.path.join(d, "analysis", "summary.json")
    if expect == 0:
        summary = json.load(open(path))
    return p.stdout + p.stderr, summary


def phase_rows(d):
    import csv
    with open(os.path.join(d, "analysis", "phase_diagram.csv")) as f:
        return list(csv.DictReader(f))


def check_analysis_files(d, summary, committed, total):
    """The five outputs exist; counts agree with the journals and per cell."""
    for name in ("summary.json", "phase_diagram.csv", "scaling.csv", "scaling.md", "scaling.tex"):
        path = os.path.join(d, "analysis", name)
        if not os.path.getsize(path):
            raise SystemExit(f"FAIL: {path} is empty")
    c = summary["counts"]
    if c["done"] != committed or c["tasks"] != total or c["missing"] != total - committed:
        raise SystemExit(f"FAIL: counts {c}, expected done {committed} of {total}")
    if c["fail"] + c["lc"] + c["sp"] + c["unstable"] != committed:
        raise SystemExit(f"FAIL: classes do not add up to done: {c}")
    rows = phase_rows(d)
    if sum(int(r["done"]) for r in rows) != committed:
        raise SystemExit("FAIL: phase_diagram.csv done column does not sum to the committed networks")
    for r in rows:
        if int(r["done"]) + int(r["missing"]) != int(r["seeds"]):
            raise SystemExit(f"FAIL: cell {r}: done + missing != seeds")
    for name in ("beta_LC", "beta_SP"):
        e = summary["exponents"][name]
        if e["resamples"] != 50 or (not e["ok"] and not e["reason"]):
            raise SystemExit(f"FAIL: exponent {name}: {e}")


def t_analyze():
    """`memphase analyze` on a half-finished campaign (killed mid-run), while
    the resumed run is going, and on the finished campaign (from campaign.h5
    and from the journals, and --reclassify)."""
    d = fresh("analyze")
    total = n_tasks()
    code, out = run_job(2, ARGS.campaign, d, env={"MEMPHASE_FAULT": "journal:0:4"})
    if code == 0 or code == "hang":
        raise SystemExit(f"FAIL: the injected kill did not stop the run: {code}\n{out[-2000:]}")
    committed = len(journal_commits(d))
    if not 0 < committed < total:
        raise SystemExit(f"FAIL: expected a half-finished campaign, got {committed} of {total}")
    text, summary = analyze(d)
    print(text)
    if summary["source"] != "journals" or summary["counts"]["complete"]:
        raise SystemExit(f"FAIL: partial campaign read from {summary['source']}, complete={summary['counts']['complete']}")
    if "partial campaign" not in text or not re.search(r"cells\s+\d+ of \d+ complete", text):
        raise SystemExit("FAIL: analyze does not say how complete the cells are")
    check_analysis_files(d, summary, committed, total)
    print(f"ok partial: {committed} of {total} networks, per-cell counts consistent")

    # While the resumed run goes: every analyze succeeds, done never shrinks.
    full = [ARGS.mpiexec, "-n", "2"] + ARGS.preflags.split() + [ARGS.memphase, "run", ARGS.campaign, "--out", d]
    e = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
             OMPI_MCA_rmaps_base_oversubscribe="1")
    job = subprocess.Popen(full, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    while job.poll() is None:
        _, s = analyze(d)
        seen.append(s["counts"]["done"])
    out, _ = job.communicate(timeout=300)
    if job.returncode != 0:
        raise SystemExit(f"FAIL: resume failed: {job.returncode}\n{out[-2000:]}")
    if seen != sorted(seen):
        raise SystemExit(f"FAIL: done counts went down while running: {seen}")
    print(f"ok during the run: {len(seen)} analyses, done counts {seen}")

    text, summary = analyze(d)
    if summary["source"] != "campaign.h5" or not summary["counts"]["complete"]:
        raise SystemExit(f"FAIL: finished campaign: source {summary['source']}, counts {summary['counts']}")
    check_analysis_files(d, summary, total, total)
    from_h5 = open(os.path.join(d, "analysis", "phase_diagram.csv")).read()
    scal_h5 = open(os.path.join(d, "analysis", "scaling.csv")).read()
    _, sj = analyze(d, "--source", "journals")
    if open(os.path.join(d, "analysis", "phase_diagram.csv")).read() != from_h5 or \
            open(os.path.join(d, "analysis", "scaling.csv")).read() != scal_h5:
        raise SystemExit("FAIL: campaign.h5 and the journals give different analyses")
    # record_every: 5: campaign.h5 and the journals (thinned when a task is
    # committed) keep every 5th epoch only: --reclassify is refused from
    # both, and the message says why and what to do.
    for src in ("h5", "journals"):
        text, _ = analyze(d, "--reclassify", "--source", src, expect=2)
        if "--reclassify needs every-epoch curves" not in text or "output.record_every: 1" not in text:
            raise SystemExit(f"FAIL: message of --reclassify on subsampled curves ({src}): {text}")
    # record_every: 1 (nothing thinned): --reclassify reproduces every class from both.
    d1 = fresh("analyze-every-epoch")
    every1 = os.path.join(ARGS.work, "every-epoch.yaml")
    open(every1, "w").write(open(ARGS.campaign).read().replace("record_every: 5", "record_every: 1"))
    mpirun(2, "run", every1, "--out", d1)
    for src in ("journals", "h5"):
        _, sr = analyze(d1, "--reclassify", "--source", src)
        if not sr["reclassified"] or sr["reclassified_changed"] != 0:
            raise SystemExit(f"FAIL: --reclassify ({src}) changed {sr.get('reclassified_changed')} classes")
    # The same networks: the thinned journals are smaller than the dense ones.
    def journal_bytes(r):
        return sum(os.path.getsize(f) for f in glob.glob(os.path.join(r, "journal", "*.log")))
    if not journal_bytes(d) < journal_bytes(d1):
        raise SystemExit(f"FAIL: journals with record_every 5 ({journal_bytes(d)} B) are not smaller than "
                         f"with record_every 1 ({journal_bytes(d1)} B)")
    print(f"ok complete: campaign.h5 == journals; --reclassify refused on thinned curves, reproduces "
          f"every class with record_every 1; journals {journal_bytes(d)} B vs {journal_bytes(d1)} B dense")
    subprocess.run(["h5ls", "-r", os.path.join(d, "campaign.h5")], check=True, capture_output=True)


def run_cmd(args, np_=2, timeout=60):
    full = [ARGS.mpiexec, "-n", str(np_)] + ARGS.preflags.split() + [ARGS.memphase] + args
    e = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
             OMPI_MCA_rmaps_base_oversubscribe="1")
    try:
        p = subprocess.run(full, env=e, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return "hang", ""


# ---------------------------------------------------------------- fault suite
def run_job(np_, campaign, out, env=None, timeout=120, signal_plan=None):
    """Starts one mpirun; optionally sends signals at given delays:
    signal_plan = (delay_s, target, sig) with target 'mpirun' or 'ranks'.
    Returns (exit code or 'hang', output)."""
    full = [ARGS.mpiexec, "-n", str(np_)] + ARGS.preflags.split() + [ARGS.memphase, "run", campaign, "--out", out]
    e = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
             OMPI_MCA_rmaps_base_oversubscribe="1")
    e.update(env or {})
    p = subprocess.Popen(full, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if signal_plan:
        delay, target, sig = signal_plan
        if sig in (signal.SIGTERM, signal.SIGUSR1):
            # A stop signal is a request the job must honour once it runs: count
            # the delay from the manifest (written after MPI_Init, itself after
            # the handlers are installed), not from mpiexec's start. On a loaded
            # node a signal from mpiexec's start can reach a rank before its
            # main() (default action: death), which no program can handle.
            t0 = time.time()
            while p.poll() is None and not os.path.exists(os.path.join(out, "manifest.yaml")) \
                    and time.time() - t0 < 60:
                time.sleep(0.02)
        elif target == "ranks":
            # A node loss (SIGKILL of the ranks) counts its delay from the
            # moment mpiexec has started every rank. A SIGKILL of a rank
            # while Open MPI 4.1's mpiexec is still forking the others makes
            # mpiexec hang for good (seen in the session-8 soak: mpiexec in
            # futex wait with one unreaped <defunct> rank and no run
            # directory yet, i.e. before memphase's main): the launcher's
            # race, not a state memphase can be in.
            t0 = time.time()
            while p.poll() is None and len(rank_pids(p.pid)) < np_ and time.time() - t0 < 60:
                time.sleep(0.02)
        time.sleep(delay)
        if p.poll() is None:
            if target == "mpirun":
                p.send_signal(sig)
            else:
                for pid in rank_pids(p.pid):
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        p.kill()
        for pid in rank_pids(p.pid):
            os.kill(pid, signal.SIGKILL)
        out, _ = p.communicate()
        return "hang", out


def fault_trial(kind, rng, camp, ref_h5, total):
    """One fault trial on a fresh directory: inject, then resume (at most 4
    times) until done. Returns a result row."""
    d = fresh(f"fault-{kind}-{os.path.splitext(os.path.basename(camp))[0]}")
    np_ = 2
    hangs = 0
    injected = "n/a"
    def go(env=None, signal_plan=None, np_run=np_):
        nonlocal hangs
        code, out = run_job(np_run, camp, d, env=env, signal_plan=signal_plan)
        if code == "hang":
            hangs += 1
        return code, out
    if kind in ("kill-worker", "kill-rank0"):
        r = 1 if kind == "kill-worker" else 0
        code, _ = go({"MEMPHASE_FAULT": f"epoch:{r}:{rng.randint(10, 1800)}"})
        injected = code
    elif kind == "kill-job":  # node loss: every rank SIGKILLed at once
        code, _ = go(signal_plan=(rng.uniform(0.1, 0.7), "ranks", signal.SIGKILL))
        injected = code
    elif kind in ("kill-ckpt-write", "kill-journal", "kill-index"):
        point = {"kill-ckpt-write": "ckpt-write", "kill-journal": "journal", "kill-index": "index"}[kind]
        code, _ = go({"MEMPHASE_FAULT": f"{point}:{rng.randint(0, 1)}:{rng.randint(1, 5)}"})
        injected = code
    elif kind == "kill-gather":
        code, _ = go({"MEMPHASE_FAULT": f"gather:{rng.randint(0, 1)}:1"})
        injected = code
        if os.path.exists(os.path.join(d, "campaign.h5")):
            raise SystemExit("FAIL: a campaign.h5 exists after a kill during gather")
    elif kind == "sigterm-startup":  # a stop request while the job starts (before any task)
        code, out = go({"MEMPHASE_FAULT": "prepare:0:1:TERM"})
        injected = code
        if code != 0:
            raise SystemExit(f"FAIL: {kind}: exit {code} (must be 0)\n{out[-2000:]}")
        if f"stopped on signal {int(signal.SIGTERM)} with 0/{total} tasks committed" not in out:
            raise SystemExit(f"FAIL: {kind}: the stop request was not honoured before any task:\n{out[-2000:]}")
    elif kind in ("sigterm-ranks", "sigusr1-mpirun"):
        plan = (rng.uniform(0.3, 1.5), "ranks", signal.SIGTERM) if kind == "sigterm-ranks" else \
               (rng.uniform(0.3, 1.5), "mpirun", signal.SIGUSR1)
        t0 = time.time()
        code, out = go(signal_plan=plan)
        injected = code
        # A job that had already finished (every task committed and
        # campaign.h5 written) when the signal reached mpirun in its teardown:
        # Open MPI's launcher no longer forwards SIGUSR1 then and dies of it
        # (exit -10). Nothing of the run is affected (the checks below still
        # apply); it is the launcher's race, not a stop request memphase saw.
        finished = f"all {total} tasks done; wrote" in out
        if code != 0 and not (kind == "sigusr1-mpirun" and code == -signal.SIGUSR1 and finished):
            raise SystemExit(f"FAIL: {kind}: exit {code} (must be 0)\n{out[-2000:]}")
    elif kind in ("corrupt-ckpt-flip", "corrupt-ckpt-cut", "torn-journal"):
        code, _ = go(signal_plan=(rng.uniform(0.5, 1.5), "mpirun", signal.SIGUSR1))
        ckpts = sorted(glob.glob(os.path.join(d, "ckpt", "*.ckpt")))
        journals = sorted(glob.glob(os.path.join(d, "journal", "*.log")))
        if kind == "torn-journal" and journals:
            j = rng.choice(journals)
            with open(j, "ab") as f:  # a half-written record at the tail
                f.write(struct.pack("<IIQQ", 0x4E4A504D, 1, 1234, 999) + b"x" * rng.randint(0, 50))
        elif ckpts:
            c = rng.choice(ckpts)
            data = bytearray(open(c, "rb").read())
            if kind == "corrupt-ckpt-flip":
                for _ in range(rng.randint(1, 8)):
                    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            else:
                data = data[:rng.randrange(len(data))]
            open(c, "wb").write(bytes(data))
        injected = code
    elif kind == "write-failure":  # file-size limit: EFBIG on a journal/checkpoint write
        code, out = go({"MEMPHASE_FSIZE_LIMIT": str(rng.randint(2000, 60000))})
        injected = code
        # EFBIG from memphase's own writes, or HDF5's "file write failed" when
        # the limit is first hit by gather's campaign.h5.tmp (small journals).
        if code != "hang" and code != 0 and "File too large" not in out and "file write failed" not in out:
            raise SystemExit(f"FAIL: write failure without a clear message:\n{out[-2000:]}")
    else:
        raise SystemExit(f"unknown fault kind {kind}")
    for _ in range(4):
        code, out = go()
        if code == 0 and os.path.exists(os.path.join(d, "campaign.h5")):
            break
    h5 = os.path.join(d, "campaign.h5")
    counts = journal_commits(d)
    lost = total - len(counts)
    rerun = sum(1 for v in counts.values() if v > 1)
    identical = 0
    if os.path.exists(h5):
        subprocess.run(["h5ls", "-r", h5], check=True, capture_output=True)
        try:
            compare_all(h5, ref_h5)
            identical = 1
        except SystemExit as e:
            print(f"{kind}: {e}")
    return {"kind": kind, "campaign": os.path.basename(camp), "identical": identical, "lost": lost, "rerun": rerun, "hangs": hangs,
            "injected_exit": injected}


FAULT_KINDS = ["kill-worker", "kill-rank0", "kill-job", "kill-ckpt-write", "kill-journal", "kill-index", "kill-gather",
               "sigterm-ranks", "sigusr1-mpirun", "corrupt-ckpt-flip", "corrupt-ckpt-cut", "torn-journal",
               "write-failure", "sigterm-startup"]


def fault_table(rows):
    kinds = sorted({r["kind"] for r in rows}, key=FAULT_KINDS.index)
    lines = ["| fault | trials | identical | tasks lost | tasks rerun | hangs |", "|---|---|---|---|---|---|"]
    def line(name, rs):
        return (f"| {name} | {len(rs)} | {sum(r['identical'] for r in rs)} | {sum(r['lost'] for r in rs)} "
                f"| {sum(r['rerun'] for r in rs)} | {sum(r['hangs'] for r in rs)} |")
    for k in kinds:
        lines.append(line(k, [r for r in rows if r["kind"] == k]))
    camps = sorted({r["campaign"] for r in rows})
    if len(camps) > 1:  # the same counts per campaign (family)
        lines += ["", "| campaign | trials | identical | tasks lost | tasks rerun | hangs |", "|---|---|---|---|---|---|"]
        for c in camps:
            lines.append(line(c, [r for r in rows if r["campaign"] == c]))
    return "\n".join(lines)


def n_tasks_of(h5):
    with h5py.File(h5, "r") as f:
        return len(f["tasks/done"])


def run_faults(kinds, campaigns=None):
    """Fault trials of the given kinds; trial i runs campaigns[i % len]
    (default: tests/data/faults.yaml), each against its own uninterrupted
    reference run."""
    campaigns = campaigns or [os.path.join(os.path.dirname(ARGS.campaign), "faults.yaml")]
    refs = {}
    for c in campaigns:
        ref = reference_of(c, os.path.splitext(os.path.basename(c))[0])
        refs[c] = (ref, n_tasks_of(ref))
    rng = random.Random(ARGS.seed)
    rows = []
    for i, k in enumerate(kinds):
        camp = campaigns[i % len(campaigns)]
        row = fault_trial(k, rng, camp, refs[camp][0], refs[camp][1])
        rows.append(row)
        print(f"trial {i + 1}/{len(kinds)}: {row}", flush=True)
    table = fault_table(rows)
    print(table)
    if ARGS.table:
        open(ARGS.table, "w").write(table + "\n")
    bad = [r for r in rows if not r["identical"] or r["lost"] or r["rerun"] or r["hangs"]]
    if bad:
        raise SystemExit(f"FAIL: {len(bad)} trial(s) broke a guarantee: {bad[:3]}")


def t_fault_quick():
    """One trial of every fault kind (CI, label 'fault')."""
    run_faults(FAULT_KINDS)


def t_soak():
    """--soak N random fault trials (not in CI), spread round-robin over the
    campaigns of --soak-campaigns (comma-separated; default faults.yaml)."""
    rng = random.Random(ARGS.seed + 1)
    camps = [c for c in ARGS.soak_campaigns.split(",") if c] or None
    run_faults([rng.choice(FAULT_KINDS) for _ in range(ARGS.soak)], camps)


def h5_everything(path):
    """Every dataset of a campaign file as bytes, but the wall-clock ones."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name not in ("tasks/train_seconds",):
                out[name] = obj[()].tobytes()
        f.visititems(visit)
    return out


def compare_all(a_path, b_path):
    a, b = h5_everything(a_path), h5_everything(b_path)
    if set(a) != set(b):
        raise SystemExit(f"FAIL: different datasets: {sorted(set(a) ^ set(b))}")
    bad = [k for k in a if a[k] != b[k]]
    if bad:
        raise SystemExit(f"FAIL: datasets differ: {bad}")
    print(f"identical: {len(a)} datasets (metrics, tables, params, curves) bitwise equal")


def t_model_families():
    """A campaign of any family (ghost, WCRNN, Adam, gru, rank2; --campaign): np 1
    reference, np 3 run, and SIGKILLs mid-training of a worker and of rank 0
    at np 2, each resumed from checkpoints; every file bitwise equal to the
    reference (but train_seconds), every task committed once."""
    ref_dir = fresh("model-ref")
    mpirun(1, "run", ARGS.campaign, "--out", ref_dir)
    ref = os.path.join(ref_dir, "campaign.h5")
    with h5py.File(ref, "r") as f:
        total = len(f["grid/lr"])
        if "params" not in f and "weights" not in f:
            raise SystemExit("FAIL: neither /params nor /weights in the campaign")
    d = fresh("model-np3")
    mpirun(3, "run", ARGS.campaign, "--out", d)
    compare_all(os.path.join(d, "campaign.h5"), ref)
    assert_no_double_commits(d, total)
    rng = random.Random(ARGS.seed)
    for i, fault in enumerate([f"epoch:1:{rng.randint(120, 400)}", f"epoch:0:{rng.randint(120, 400)}"]):
        d = fresh(f"model-crash-{i}")
        p = mpirun(2, "run", ARGS.campaign, "--out", d, env={"MEMPHASE_FAULT": fault}, check=False)
        if p.returncode == 0:
            raise SystemExit(f"FAIL: fault {fault} did not fire")
        if not glob.glob(os.path.join(d, "ckpt", "*")):
            raise SystemExit(f"FAIL: fault {fault}: no checkpoint left to resume from")
        mpirun(2, "run", ARGS.campaign, "--out", d)
        resumed = resumed_from_checkpoint(d)
        if not resumed:
            raise SystemExit("FAIL: no task resumed from a checkpoint")
        print(f"fault {fault}: resumed from checkpoints at epochs {resumed}")
        compare_all(os.path.join(d, "campaign.h5"), ref)
        assert_no_double_commits(d, total)
    a = subprocess.run([ARGS.memphase, "analyze", ref_dir], capture_output=True, text=True)
    sys.stdout.write(a.stdout)
    if a.returncode != 0 or not os.path.exists(os.path.join(ref_dir, "analysis", "summary.json")):
        raise SystemExit(f"FAIL: analyze exit {a.returncode}: {a.stderr[-2000:]}")


def t_old_release():
    """Run directories of the release before issue 16 (--old-memphase, e.g.
    a build of f4f7089) resume with this binary: for each campaign (the
    --campaign, comma-separated), the old binary runs it uninterrupted (the
    reference) and once killed (SIGKILL, MEMPHASE_FAULT epoch) mid-training
    with checkpoints and journal records on disk. This binary refuses to
    resume it without --ignore-version (the code-version check, by design),
    reads its journals (`status`), then resumes it with --ignore-version:
    every checkpoint of the old format loads (tasks restart mid-training, no
    bad_checkpoint event), no committed task runs again, and campaign.h5 is
    bitwise equal to the old binary's uninterrupted run (every dataset but
    train_seconds)."""
    if not ARGS.old_memphase:
        raise SystemExit("FAIL: old-release needs --old-memphase BIN")
    rng = random.Random(ARGS.seed)
    for camp in ARGS.campaign.split(","):
        name = os.path.splitext(os.path.basename(camp))[0]
        ref_dir = fresh(f"old-ref-{name}")
        mpirun(1, "run", camp, "--out", ref_dir, binary=ARGS.old_memphase)
        ref = os.path.join(ref_dir, "campaign.h5")
        total = n_tasks_of(ref)
        with h5py.File(ref, "r") as f:
            epochs = int(f["tasks/epochs_run"][:].max())
        for i, rank in enumerate((1, 0)):
            d = fresh(f"old-{name}-{i}")
            # In the rank's 2nd task, past half of it: a task of that rank is
            # committed and the task it dies in has a checkpoint.
            fault = f"epoch:{rank}:{epochs + rng.randint(epochs // 2 + 2, epochs - 2)}"
            p = mpirun(2, "run", camp, "--out", d, env={"MEMPHASE_FAULT": fault}, check=False,
                       binary=ARGS.old_memphase)
            if p.returncode == 0:
                raise SystemExit(f"FAIL: {name}: fault {fault} did not fire")
            ckpts = glob.glob(os.path.join(d, "ckpt", "*.ckpt"))
            before = journal_commits(d)
            print(f"{name}: old binary killed by {fault}: {len(before)} tasks committed, {len(ckpts)} checkpoints")
            if not ckpts:
                raise SystemExit(f"FAIL: {name}: no checkpoint of the old binary to resume from")
            p = mpirun(2, "run", camp, "--out", d, check=False)
            if p.returncode == 0 or "--ignore-version" not in p.stdout + p.stderr:
                raise SystemExit(f"FAIL: {name}: resume with another code version not refused")
            import json
            st = subprocess.run([ARGS.memphase, "status", d, "--json"], capture_output=True, text=True, timeout=120)
            if st.returncode != 0 or json.loads(st.stdout)["done"] != len(before):
                raise SystemExit(f"FAIL: {name}: status does not count the old journals' {len(before)} "
                                 f"commits: {st.stdout[-2000:]} {st.stderr[-2000:]}")
            mpirun(2, "run", camp, "--out", d, "--ignore-version")
            resumed = resumed_from_checkpoint(d)
            if not resumed:
                raise SystemExit(f"FAIL: {name}: no task resumed from an old checkpoint")
            bad = [l for path in glob.glob(os.path.join(d, "logs", "*.log")) for l in open(path)
                   if '"bad_checkpoint"' in l]
            if bad:
                raise SystemExit(f"FAIL: {name}: old checkpoints refused: {bad[:3]}")
            print(f"{name}: resumed from old checkpoints at epochs {resumed}")
            compare_all(os.path.join(d, "campaign.h5"), ref)
            assert_no_double_commits(d, total)


TESTS = {"run": t_run, "old-release": t_old_release, "model": t_model_families, "crash": t_crash, "signal": t_signal, "config-change": t_config_change,
         "walltime": t_walltime, "lock": t_lock,
         "fault-quick": t_fault_quick, "soak": t_soak,
         "bad-inputs": t_bad_inputs, "diverge": t_diverge, "analyze": t_analyze}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("test", choices=sorted(TESTS))
    ap.add_argument("--memphase", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("--preflags", default="")
    ap.add_argument("--campaign", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--soak", type=int, default=200, help="trials of the soak")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("MEMPHASE_TEST_SEED", "1")))
    ap.add_argument("--table", default="", help="write the result table (Markdown) here")
    ap.add_argument("--soak-campaigns", default="",
                    help="soak: comma-separated campaigns the trials cycle through (default: faults.yaml)")
    ap.add_argument("--old-memphase", default="", help="old-release: the binary of the release before")
    ARGS = ap.parse_args()
    os.makedirs(ARGS.work, exist_ok=True)
    TESTS[ARGS.test]()
    print("PASS")


if __name__ == "__main__":
    main()
