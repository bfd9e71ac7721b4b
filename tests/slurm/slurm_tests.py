#!/usr/bin/python3
"""jobs/slurm.sbatch under a real Slurm (issue 18), on a single-node cluster
that each test starts on localhost (slurm_cluster.py) and stops when it ends.

Usage: slurm_tests.py <test> --memphase BIN --work DIR [--campaign YAML]
                      [--np 2] [--mpiexec mpirun] [--launcher srun|mpirun]

Tests (each one ctest test, label "slurm"):
  chain     a campaign of about three allocations, --time=2 and an earlier
            --signal: every allocation is signalled, checkpoints, exits 0 and
            requeues itself; the campaign completes on its own; campaign.h5 is
            bitwise equal to an uninterrupted mpirun run; no task is
            committed twice; Restarts= counts the requeues.
  scancel   scancel of a running job, then a plain resubmission resumes with
            nothing lost.
  timelimit no --signal and END_TIME=0 (memphase does not know the end):
            Slurm kills the job at its time limit (KillWait=1); then a hard
            kill (SIGKILL to the resubmission's ranks); the last
            submission completes from the checkpoints; the epochs lost at
            each kill are reported against the checkpoint interval.
  badyaml   a campaign that fails validation: not requeued, the job log says
            why.
  mpirun    LAUNCHER=mpirun: one MPI job of --ntasks ranks; SIGUSR1 to the
            batch shell reaches every rank through mpirun.
  singleton srun --mpi=none with 2 tasks: refused (by Debian's Open MPI in
            MPI_Init, or by memphase if the MPI starts singletons), the job
            fails and is not requeued.

Exit code 77 = skipped (Slurm cannot be installed here), with the reason.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "mpi"))

import slurm_cluster as sc  # noqa: E402

SKIP = 77
ARGS = None
SCRIPT = ROOT / "jobs" / "slurm.sbatch"
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMP_NUM_THREADS": "1"}


def say(*a):
    print(*a, flush=True)


def fail(msg):
    raise SystemExit(f"FAIL: {msg}")


# ---------------------------------------------------------------- campaign files
def journal_commits(run_dir):
    from campaign_tests import journal_commits as jc  # the journal framing lives there
    return jc(run_dir)


def compare_bitwise(a_path, b_path):
    from campaign_tests import h5_everything  # every dataset but the wall-clock ones, as bytes
    a, b = h5_everything(a_path), h5_everything(b_path)
    if set(a) != set(b):
        fail(f"different datasets: {sorted(set(a) ^ set(b))}")
    bad = [k for k in sorted(a) if a[k] != b[k]]
    if bad:
        fail(f"datasets differ: {bad}")
    say(f"bitwise equal to the uninterrupted run: {len(a)} datasets of {a_path}\n  " + " ".join(sorted(a)))


def n_tasks(h5):
    import h5py
    with h5py.File(h5, "r") as f:
        return len(f["grid/lr"])


def assert_once(run_dir, expected):
    counts = journal_commits(run_dir)
    twice = {k: v for k, v in counts.items() if v > 1}
    if twice:
        fail(f"{len(twice)} tasks committed more than once")
    if len(counts) != expected:
        fail(f"{len(counts)} committed tasks, expected {expected}")
    say(f"journals: {len(counts)} tasks committed exactly once")


def events(run_dir):
    """Structured log events of every rank and session, in time order."""
    out = []
    for path in sorted(glob.glob(os.path.join(run_dir, "logs", "*.log"))):
        m = re.search(r"s(\d+)-r(\d+)\.log$", path)
        for line in open(path, errors="replace"):
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if m:
                ev["_session"], ev["_rank"] = int(m.group(1)), int(m.group(2))
            out.append(ev)
    out.sort(key=lambda e: e.get("time", ""))
    return out


def status(run_dir):
    r = subprocess.run([ARGS.memphase, "status", "--json", run_dir], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def campaign_stanza(key):
    """A top-level `key: value` of the campaign file (flow mappings kept)."""
    import yaml
    return yaml.safe_load(open(ARGS.campaign)).get(key)


# ---------------------------------------------------------------- reference
def reference():
    """An uninterrupted `mpirun -np N memphase run`, outside Slurm; kept in the
    work dir for the other tests while binary and campaign are unchanged."""
    d = Path(ARGS.work) / "reference"
    stamp = f"{os.path.getmtime(ARGS.memphase)} {os.path.getsize(ARGS.memphase)} {Path(ARGS.campaign).read_text()}"
    h5 = d / "campaign.h5"
    if h5.exists() and (d / "stamp").exists() and (d / "stamp").read_text() == stamp:
        return str(h5)
    shutil.rmtree(d, ignore_errors=True)
    cmd = [ARGS.mpiexec, "-np", str(ARGS.np), "--oversubscribe", ARGS.memphase, "run", ARGS.campaign, "--out", str(d)]
    say("+", " ".join(cmd))
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=dict(os.environ, **MPI_ENV), capture_output=True, text=True, timeout=3600)
    if p.returncode != 0:
        fail(f"reference run failed ({p.returncode}): {p.stderr[-2000:]}")
    (d / "stamp").write_text(stamp)
    say(f"reference: {n_tasks(h5)} tasks in {time.monotonic() - t0:.0f} s at np {ARGS.np}")
    return str(h5)


# ---------------------------------------------------------------- jobs
def job_env(cluster, **extra):
    e = cluster.env(MEMPHASE=ARGS.memphase, LAUNCHER=ARGS.launcher, **MPI_ENV)
    e.update(extra)
    return e


def no_signal_script():
    """jobs/slurm.sbatch without its `#SBATCH --signal` line (no warning)."""
    text = SCRIPT.read_text()
    lines = [ln for ln in text.splitlines(keepends=True) if not ln.startswith("#SBATCH --signal")]
    if len(lines) != len(text.splitlines()) - 1:
        fail("jobs/slurm.sbatch has no single `#SBATCH --signal` line to remove")
    p = Path(ARGS.work) / "slurm-nosignal.sbatch"
    p.write_text("".join(lines))
    return p


def submit(cluster, run_dir, log, sbatch_args=(), run_args=(), env=None, script=SCRIPT):
    cmd = ["sbatch", "--parsable", f"--ntasks={ARGS.np}", f"--output={log}", *sbatch_args,
           str(script), ARGS.campaign, run_dir, *run_args]
    say("+", " ".join(cmd))
    r = cluster.run(*cmd, env=env or job_env(cluster), cwd=ARGS.work)
    job = int(r.stdout.strip().split(";")[0])
    say(f"submitted job {job}")
    return job


FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
         "PREEMPTED"}


def wait_job(cluster, job, timeout, log=None, watch=None):
    """Polls `scontrol show job` until the job is in a final state; returns
    the fields. `watch(fields)` is called at each poll (a requeue cycle shows
    as RUNNING -> REQUEUED/PENDING -> RUNNING with Restarts+1)."""
    t0 = time.monotonic()
    last = None
    while True:
        f = cluster.job(job)
        state = f.get("JobState")
        key = (state, f.get("Restarts"), f.get("Reason"))
        if key != last:
            say(f"  t={time.monotonic() - t0:5.0f}s job {job}: {state} Restarts={f.get('Restarts')} "
                f"Reason={f.get('Reason')} RunTime={f.get('RunTime')}")
            last = key
        if watch:
            watch(f)
        if state in FINAL:
            return f
        held = "held" in (f.get("Reason") or "").lower() or f.get("Priority") == "0"
        if state == "PENDING" and held:
            if log and os.path.exists(log):
                say(Path(log).read_text()[-3000:])
            cluster.run("scancel", str(job), check=False)
            fail(f"job {job} is held (Reason={f.get('Reason')} Priority={f.get('Priority')}): a requeue hold")
        if time.monotonic() - t0 > timeout:
            if log and os.path.exists(log):
                say(Path(log).read_text()[-3000:])
            cluster.run("scancel", str(job), check=False)
            fail(f"job {job} not finished after {timeout} s (state {state})")
        time.sleep(1)


def show_log(log):
    text = Path(log).read_text(errors="replace")
    say(f"---- job log {log}\n{text}---- end of job log")
    return text


def cluster_for(name, **kw):
    return sc.LocalSlurm(Path(ARGS.work) / f"cluster-{name}", **kw)


# ---------------------------------------------------------------- tests
def t_chain():
    ref = reference()
    total = n_tasks(ref)
    run_dir = str(Path(ARGS.work) / "chain")
    log = str(Path(ARGS.work) / "chain.out")
    shutil.rmtree(run_dir, ignore_errors=True)
    Path(log).unlink(missing_ok=True)
    with cluster_for("chain") as c:
        say(f"cluster up: {sc.slurm_version(c)}")
        job = submit(c, run_dir, log, sbatch_args=["--time=2", "--signal=B:USR1@60"],
                     run_args=["--walltime-margin", "20"])
        f = wait_job(c, job, timeout=2700, log=log)
        text = show_log(log)
        say("scontrol show job:", " ".join(f"{k}={f.get(k)}" for k in
                                          ("JobId", "JobState", "Restarts", "Requeue", "ExitCode", "RunTime")))
        jobcomp = Path(c.dir / "log" / "jobcomp.txt")
        if jobcomp.exists():
            say("jobcomp records:\n" + "\n".join(
                " ".join(t for t in line.split() if t.split("=")[0] in
                         ("JobId", "JobState", "StartTime", "EndTime", "ExitCode"))
                for line in jobcomp.read_text().splitlines()))
    if f.get("JobState") != "COMPLETED":
        fail(f"job ended {f.get('JobState')}")
    restarts = int(f.get("Restarts", "0"))
    # The log, one segment per allocation (each begins with the script's
    # "job J (restart R)" line; --open-mode=append keeps them all).
    heads = list(re.finditer(r"\] job (\d+) \(restart (\d+)\)", text))
    segs = [text[m.start():(heads[i + 1].start() if i + 1 < len(heads) else len(text))] for i, m in enumerate(heads)]
    allocations = len(segs)
    say(f"allocations {allocations}, Restarts={restarts}")
    if allocations < 2:
        fail("the campaign finished in one allocation: nothing was tested (make the campaign longer)")
    if [int(m.group(2)) for m in heads] != list(range(allocations)):
        fail(f"SLURM_RESTART_COUNT per allocation {[m.group(2) for m in heads]}, expected 0..{allocations - 1}")
    if restarts != allocations - 1:
        fail(f"Restarts={restarts} for {allocations} allocations")
    for i, seg in enumerate(segs):
        last = i == allocations - 1
        said = {"signal": "time limit near (SIGUSR1)" in seg,
                "clean stop": "memphase run: stopped" in seg,
                "exit 0": re.search(r"\] (srun|mpirun) exited with 0\b", seg) is not None,
                "requeue": "tasks remain: requeueing job" in seg,
                "complete": "campaign complete" in seg}
        end = re.search(r"end time from ([^\n]*)", seg)
        say(f"  allocation {i}: " + ", ".join(k for k, v in said.items() if v) +
            f"; end time from {end.group(1) if end else '?'}")
        want = ["exit 0", "complete"] if last else ["signal", "clean stop", "exit 0", "requeue"]
        missing = [k for k in want if not said[k]]
        if missing:
            fail(f"allocation {i}: the log lacks {missing}")
        if "memphase run failed" in seg:
            fail(f"allocation {i} failed")
    # every signalled allocation: the ranks that checkpointed an in-flight task.
    ev = events(run_dir)
    sessions = sorted({e["_session"] for e in ev if "_session" in e})
    if len(sessions) != allocations:
        fail(f"{len(sessions)} memphase sessions for {allocations} allocations")
    for s_ in sessions[:-1]:
        ranks_paused = {e["_rank"] for e in ev if e.get("_session") == s_ and e.get("event") == "task_paused"}
        say(f"  session {s_}: ranks that checkpointed an in-flight task on the stop: {sorted(ranks_paused)}")
    resumed = [e["from_epoch"] for e in ev if e.get("event") == "task_start" and e.get("from_epoch", 0) > 0]
    say(f"tasks resumed from a checkpoint: {len(resumed)} (from epochs {sorted(resumed)})")
    assert_once(run_dir, total)
    compare_bitwise(os.path.join(run_dir, "campaign.h5"), ref)
    say(f"chain: job {job}, {allocations} allocations, Restarts={restarts}, final state COMPLETED")


def wait_for(pred, timeout, what):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = pred()
        if v:
            return v
        time.sleep(0.5)
    fail(f"timed out waiting for {what}")


def t_scancel():
    ref = reference()
    total = n_tasks(ref)
    run_dir = str(Path(ARGS.work) / "scancel")
    log = str(Path(ARGS.work) / "scancel.out")
    shutil.rmtree(run_dir, ignore_errors=True)
    Path(log).unlink(missing_ok=True)
    with cluster_for("scancel") as c:
        job = submit(c, run_dir, log, sbatch_args=["--time=30"])
        # until a task is committed and others are in flight with a checkpoint
        def progressed():
            st = status(run_dir)
            return st if st and st.get("done", 0) >= 1 and st.get("in_flight", 0) >= 1 else None
        st = wait_for(progressed, 900, "a committed task and a checkpointed one")
        say(f"before scancel: {st['done']} done, {st['in_flight']} in flight")
        c.run("scancel", str(job))
        f = wait_job(c, job, timeout=300, log=log)
        if f.get("JobState") != "CANCELLED":
            fail(f"job {job} ended {f.get('JobState')} after scancel")
        after_cancel = status(run_dir)
        say(f"after scancel: {after_cancel['done']} done, {after_cancel['in_flight']} in flight")
        if st["done"] >= total:
            show_log(log)
            fail(f"the campaign finished inside job {job}'s time limit ({st['done']}/{total} done): "
                 "nothing was left to kill; this machine is too fast for tests/slurm/chain.yaml's size")
        job2 = submit(c, run_dir, log, sbatch_args=["--time=30"])
        f2 = wait_job(c, job2, timeout=1800, log=log)
        text = show_log(log)
    if f2.get("JobState") != "COMPLETED" or int(f2.get("Restarts", "0")) != 0:
        fail(f"resubmitted job {job2} ended {f2.get('JobState')} Restarts={f2.get('Restarts')}")
    if "campaign complete" not in text:
        fail("the resubmission did not complete the campaign")
    ev = events(run_dir)
    sessions = sorted({e["_session"] for e in ev if "_session" in e})
    first = sessions[-1]
    starts = [e for e in ev if e.get("_session") == first and e.get("event") == "task_start"]
    resumed = [e for e in starts if e.get("from_epoch", 0) > 0]
    done_keys_before = after_cancel["done"]
    say(f"resubmission: {len(starts)} tasks started, {len(resumed)} of them from a checkpoint "
        f"(epochs {sorted(e['from_epoch'] for e in resumed)}); {done_keys_before} committed tasks kept")
    if after_cancel["in_flight"] > 0 and not resumed:
        fail("no in-flight task resumed from its checkpoint")
    if len(starts) != total - done_keys_before:
        fail(f"{len(starts)} tasks ran again, expected {total - done_keys_before} (committed work redone?)")
    assert_once(run_dir, total)
    compare_bitwise(os.path.join(run_dir, "campaign.h5"), ref)


def ckpt_every():
    ck = campaign_stanza("checkpoint") or {}
    return int(ck.get("every_epochs", 0))


def ev_time(e):
    return time.mktime(time.strptime(e["time"][:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + e["time"][19:])


def epochs_lost(ev, s_killed, s_next, kill_time, every, label):
    """For every task in flight when session s_killed ended: the epoch it had
    reached (exact if it checkpointed on the stop, otherwise estimated from
    its epoch rate in s_next and the kill time), the epoch s_next resumed it
    from, and the difference. Returns the total of epochs lost."""
    started = {e["task"]: e for e in ev if e.get("_session") == s_killed and e.get("event") == "task_start"}
    done = {e["task"] for e in ev if e.get("_session") == s_killed and e.get("event") == "task_done"}
    paused = {e["task"]: e["epoch"] for e in ev if e.get("_session") == s_killed and e.get("event") == "task_paused"}
    start2 = {e["task"]: e for e in ev if e.get("_session") == s_next and e.get("event") == "task_start"}
    done2 = {e["task"]: e for e in ev if e.get("_session") == s_next and e.get("event") == "task_done"}
    in_flight = sorted(set(started) - done)
    if not in_flight:
        fail(f"{label}: no task was in flight at the kill: nothing was tested")
    total = 0
    for t in in_flight:
        if t not in start2:
            fail(f"{label}: task {t} was in flight at the kill and did not run again")
        resumed = start2[t]["from_epoch"]
        if t in paused:  # checkpointed on SIGTERM: the epoch reached is known
            reached, how = paused[t], "checkpointed on SIGTERM at epoch"
            if resumed != reached:
                fail(f"{label}: task {t} was checkpointed at epoch {reached} but resumed from {resumed}")
        else:  # killed: epoch reached ~ start epoch + rate x time to the kill
            d2 = done2[t]
            rate = (d2["epochs"] - resumed) / max(ev_time(d2) - ev_time(start2[t]), 1e-3)
            reached = started[t]["from_epoch"] + int(rate * (kill_time - ev_time(started[t])))
            how = "killed at about epoch"
            if every and resumed % every != 0:
                fail(f"{label}: task {t} resumed from epoch {resumed}, not a checkpoint of the {every}-epoch interval")
        lost = max(reached - resumed, 0)
        total += lost
        say(f"  {label}: task {t} started at epoch {started[t]['from_epoch']}, {how} {reached}, "
            f"resumed from epoch {resumed}: {lost} epochs lost (checkpoint interval {every})")
    say(f"{label}: {len(in_flight)} tasks in flight, {total} epochs lost in all (interval {every} epochs)")
    return total


def rank_pids(cluster, run_dir):
    """PIDs of the memphase ranks of this cluster's job on run_dir."""
    mark = f"SLURM_CONF={cluster.conf}".encode()
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            argv = (d / "cmdline").read_bytes().split(b"\0")
            env = (d / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0] == ARGS.memphase.encode() and run_dir.encode() in argv and mark in env:
            out.append(int(d.name))
    return sorted(out)


def t_timelimit():
    """1. No --signal line and END_TIME=0: neither the script nor memphase
    knows the end; Slurm ends the job at its time limit (SIGTERM to every
    process, SIGKILL KillWait=1 s later). 2. A hard kill for comparison:
    SIGKILL to the resubmission's ranks (no SIGTERM first), as a node
    failure or an epoch longer than KillWait would be. 3. A plain
    resubmission completes; each stage's epochs lost are printed against the
    checkpoint interval."""
    ref = reference()
    total = n_tasks(ref)
    every = ckpt_every()
    run_dir = str(Path(ARGS.work) / "timelimit")
    log = str(Path(ARGS.work) / "timelimit.out")
    shutil.rmtree(run_dir, ignore_errors=True)
    Path(log).unlink(missing_ok=True)
    with cluster_for("timelimit", kill_wait=1) as c:
        env = job_env(c, END_TIME="0")
        # One rank for this first job: the campaign (~100 s of training at 2
        # ranks on an idle machine) must outlast Slurm's kill at 60-90 s even
        # when the machine is idle; at 2 ranks it finished inside the limit.
        job = submit(c, run_dir, log, sbatch_args=["--time=1", "--ntasks=1"], env=env, script=no_signal_script())
        f = wait_job(c, job, timeout=600, log=log)
        if f.get("JobState") != "TIMEOUT":
            show_log(log)
            fail(f"job {job} ended {f.get('JobState')}, expected TIMEOUT")
        end_time = time.mktime(time.strptime(f["EndTime"], "%Y-%m-%dT%H:%M:%S"))
        text1 = Path(log).read_text(errors="replace")
        st = status(run_dir)
        say(f"time limit: job {job} {f.get('JobState')} Restarts={f.get('Restarts')} RunTime={f.get('RunTime')} "
            f"EndTime={f.get('EndTime')}; {st['done']} done, {st['in_flight']} in flight")

        if st["done"] >= total:
            show_log(log)
            fail(f"the campaign finished inside job {job}'s time limit ({st['done']}/{total} done): "
                 "nothing was left to kill; this machine is too fast for tests/slurm/chain.yaml's size")
        job2 = submit(c, run_dir, log, sbatch_args=["--time=30"])
        done_before = st["done"]

        def progressed():
            s2 = status(run_dir)
            return s2 if s2 and s2.get("done", 0) > done_before and s2.get("in_flight", 0) >= 1 else None
        wait_for(progressed, 900, "a new commit and a task in flight")
        time.sleep(3)  # the next tasks are a few epochs in
        # `scancel --signal=KILL` is a plain cancel on Slurm 22.05 (SIGTERM
        # first, memphase checkpoints); SIGKILL to the ranks is what a node
        # failure, or an epoch longer than KillWait, amounts to.
        ranks = rank_pids(c, run_dir)
        if len(ranks) != ARGS.np:
            fail(f"found rank pids {ranks}, expected {ARGS.np}")
        kill_time = time.time()
        for pid in ranks:
            os.kill(pid, signal.SIGKILL)
        say(f"SIGKILL to the ranks {ranks} of job {job2}")
        f2 = wait_job(c, job2, timeout=300, log=log)
        say(f"hard kill: job {job2} {f2.get('JobState')} Restarts={f2.get('Restarts')} ExitCode={f2.get('ExitCode')}")
        text2 = Path(log).read_text(errors="replace")[len(text1):]

        job3 = submit(c, run_dir, log, sbatch_args=["--time=30"])
        f3 = wait_job(c, job3, timeout=1800, log=log)
        text = show_log(log)
    if "DUE TO TIME LIMIT" not in text1:
        fail("the log of the first job does not show Slurm's time-limit kill")
    if f2.get("JobState") != "FAILED" or "Not requeueing" not in text2:
        fail(f"hard-killed job {job2} ended {f2.get('JobState')}; expected FAILED and not requeued")
    if f3.get("JobState") != "COMPLETED":
        fail(f"resubmitted job {job3} ended {f3.get('JobState')}")
    say("time limit: " + ("memphase stopped cleanly on Slurm's SIGTERM"
                          if "memphase run: stopped on signal 15" in text1 else "no clean stop in the log"))
    ev = events(run_dir)
    s1, s2, s3 = sorted({e["_session"] for e in ev if "_session" in e})[-3:]
    lost_tl = epochs_lost(ev, s1, s2, end_time, every, "time limit")
    lost_kill = epochs_lost(ev, s2, s3, kill_time, every, "hard kill")
    say(f"epochs lost: time limit {lost_tl}, hard kill about {lost_kill} "
        f"(checkpoint interval {every} epochs per task)")
    assert_once(run_dir, total)
    compare_bitwise(os.path.join(run_dir, "campaign.h5"), ref)


def t_badyaml():
    bad = Path(ARGS.work) / "bad.yaml"
    bad.write_text("name: bad\nfamily: dcdt-nopost\ngrid: {lr: [0.1], delay: [0]}\nseeds: 1\n"
                   "model: {n: 8}\ntrain: {epochs: 10, no_such_key: 3}\n")
    run_dir = str(Path(ARGS.work) / "badyaml")
    log = str(Path(ARGS.work) / "badyaml.out")
    shutil.rmtree(run_dir, ignore_errors=True)
    Path(log).unlink(missing_ok=True)
    with cluster_for("badyaml") as c:
        cmd = ["sbatch", "--parsable", f"--ntasks={ARGS.np}", f"--output={log}", "--time=5", str(SCRIPT),
               str(bad), run_dir]
        job = int(c.run(*cmd, env=job_env(c)).stdout.strip().split(";")[0])
        say(f"submitted job {job}: {' '.join(cmd)}")
        f = wait_job(c, job, timeout=300, log=log)
        time.sleep(2)
        f = c.job(job)
        text = show_log(log)
    if f.get("JobState") != "FAILED" or f.get("Restarts") != "0":
        fail(f"job {job}: {f.get('JobState')} Restarts={f.get('Restarts')}, expected FAILED and not requeued")
    why = [ln for ln in text.splitlines() if "no_such_key" in ln]
    if not why or "Not requeueing" not in text:
        fail("the job log does not say why (the bad key) and that it is not requeued")
    say(f"bad yaml: job {job} FAILED ExitCode={f.get('ExitCode')} Restarts=0; log says: {why[0].strip()}")


def t_singleton():
    """srun without a PMI plug-in (SRUN_MPI=none). Debian's Open MPI 4.1
    detects the direct launch and aborts in MPI_Init with its own message;
    an MPI that starts singletons instead meets memphase's refusal
    (SLURM_STEP_NUM_TASKS > 1 with a world of 1). Either way the job fails,
    is not requeued and leaves the run directory untouched."""
    run_dir = str(Path(ARGS.work) / "singleton")
    log = str(Path(ARGS.work) / "singleton.out")
    shutil.rmtree(run_dir, ignore_errors=True)
    Path(log).unlink(missing_ok=True)
    with cluster_for("singleton") as c:
        env = job_env(c, LAUNCHER="srun", SRUN_MPI="none")
        job = submit(c, run_dir, log, sbatch_args=["--time=5"], env=env)
        f = wait_job(c, job, timeout=300, log=log)
        text = show_log(log)
    reasons = {"memphase": "but this process's MPI world has size 1",
               "Open MPI": 'The application appears to have been direct launched using "srun"'}
    who = [k for k, m in reasons.items() if m in text]
    if f.get("JobState") != "FAILED" or f.get("Restarts") != "0" or not who:
        fail(f"job {job}: {f.get('JobState')} Restarts={f.get('Restarts')}, expected FAILED, not requeued, "
             "with memphase's singleton message or Open MPI's direct-launch refusal in the log")
    if "Not requeueing" not in text:
        fail("the log does not say that the job is not requeued")
    if os.path.exists(os.path.join(run_dir, "manifest.yaml")):
        fail("a singleton touched the run directory")
    say(f"srun --mpi=none refused by {who[0]}: job {job} FAILED, Restarts=0; "
        + next(ln for ln in text.splitlines() if reasons[who[0]] in ln).strip())


def t_mpirun():
    """LAUNCHER=mpirun inside the allocation: one MPI job of --ntasks ranks,
    and the batch shell's SIGUSR1 (sent here with scancel --batch) reaches
    every rank through mpirun. MAX_REQUEUES=0 ends the job after the clean
    stop instead of requeueing it."""
    run_dir = str(Path(ARGS.work) / "mpirun")
    log = str(Path(ARGS.work) / "mpirun.out")
    shutil.rmtree(run_dir, ignore_errors=True)
    Path(log).unlink(missing_ok=True)
    with cluster_for("mpirun") as c:
        env = job_env(c, LAUNCHER="mpirun", MAX_REQUEUES="0")
        job = submit(c, run_dir, log, sbatch_args=["--time=10"], env=env)

        def progressed():
            st = status(run_dir)
            return st if st and st.get("done", 0) >= 1 and st.get("in_flight", 0) >= 1 else None
        wait_for(progressed, 900, "a committed task and a checkpointed one")
        c.run("scancel", "--batch", "--signal=USR1", str(job))
        f = wait_job(c, job, timeout=300, log=log)
        text = show_log(log)
    ev = events(run_dir)
    ranks = [e.get("ranks") for e in ev if e.get("event") == "run_start"]
    paused = {e["_rank"] for e in ev if e.get("event") == "task_paused"}
    if ranks != [ARGS.np]:
        fail(f"run_start reports ranks {ranks}, expected one MPI job of {ARGS.np}")
    for want in ("time limit near (SIGUSR1)", "memphase run: stopped", "mpirun exited with 0",
                 "MAX_REQUEUES=0 is reached"):
        if want not in text:
            fail(f"the log lacks '{want}'")
    if f.get("JobState") != "FAILED" or f.get("Restarts") != "0":
        fail(f"job {job}: {f.get('JobState')} Restarts={f.get('Restarts')}, expected FAILED (MAX_REQUEUES=0)")
    say(f"mpirun launcher: one MPI job of {ranks[0]} ranks; SIGUSR1 forwarded, ranks {sorted(paused)} "
        f"checkpointed, mpirun exited 0; job {job} not requeued (MAX_REQUEUES=0)")


TESTS = {"chain": t_chain, "scancel": t_scancel, "timelimit": t_timelimit, "badyaml": t_badyaml,
         "singleton": t_singleton, "mpirun": t_mpirun}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("test", choices=sorted(TESTS))
    ap.add_argument("--memphase", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--campaign", default=str(HERE / "chain.yaml"))
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--mpiexec", default="mpirun")
    ap.add_argument("--launcher", default="srun", choices=["srun", "mpirun"])
    ARGS = ap.parse_args()
    ARGS.memphase = os.path.abspath(ARGS.memphase)
    ARGS.campaign = os.path.abspath(ARGS.campaign)
    ARGS.work = os.path.abspath(ARGS.work)
    os.makedirs(ARGS.work, exist_ok=True)
    try:
        sc.ensure_installed()
    except sc.SlurmUnavailable as e:
        print(f"SKIP: {e}")
        return SKIP
    t0 = time.monotonic()
    TESTS[ARGS.test]()
    say(f"PASS {ARGS.test} in {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
