"""A single-node Slurm cluster on localhost, for tests (issue 18).

LocalSlurm(workdir) writes a munge key and a minimal slurm.conf (one node
with this machine's cores as `slurmd -C` reports them, select/cons_tres,
JobRequeue=1, every state and spool file under workdir), starts munged,
slurmctld and slurmd as child processes in the foreground (no systemd), waits
until `sinfo` shows the node idle, and on exit stops every daemon it started,
by PID, whatever happened. Clients (sbatch, squeue, scontrol, sacct) find the
cluster through SLURM_CONF, which `env()` sets.

Ports are chosen free on 127.0.0.1 so that a stray system Slurm cannot
collide; the munge socket is private to the cluster (AuthInfo=socket=...).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ["slurm-wlm", "slurmctld", "slurmd", "slurm-client", "munge"]
DAEMONS = ["munged", "slurmctld", "slurmd", "sbatch", "srun", "scontrol", "squeue", "sinfo"]


class SlurmUnavailable(Exception):
    """The Slurm packages are missing and cannot be installed (the tests skip)."""


class SlurmBroken(Exception):
    """Installed but the daemons do not start or jobs do not run (the tests fail)."""


def _which(name: str) -> str | None:
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin", "/usr/bin"]:
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return None


def ensure_installed() -> None:
    """Installs the Debian packages when a daemon or client is missing;
    raises SlurmUnavailable with the reason when that is impossible."""
    missing = [d for d in DAEMONS if _which(d) is None]
    if not missing:
        return
    if os.geteuid() != 0 or _which("apt-get") is None:
        raise SlurmUnavailable(f"{', '.join(missing)} missing and apt-get is not usable here (not root or not Debian)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        r = subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], env=env, capture_output=True, text=True)
    still = [d for d in DAEMONS if _which(d) is None]
    if r.returncode != 0 or still:
        raise SlurmUnavailable(f"cannot install {' '.join(PACKAGES)}: {(r.stderr or r.stdout).strip()[-400:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slurm_version(cluster: "LocalSlurm | None" = None) -> str:
    r = subprocess.run(["sinfo", "--version"], capture_output=True, text=True,
                       env=cluster.env() if cluster else None)
    return (r.stdout or r.stderr).strip()


class LocalSlurm:
    def __init__(self, workdir: str | Path, kill_wait: int = 30, extra_conf: str = ""):
        self.dir = Path(workdir).resolve()
        self.kill_wait = kill_wait
        self.extra_conf = extra_conf
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.conf = self.dir / "etc" / "slurm.conf"
        self.node = socket.gethostname().split(".")[0]
        self.munge_socket = self.dir / "munge" / "munge.socket"

    # ------------------------------------------------------------ set-up
    def env(self, **extra: str) -> dict:
        e = dict(os.environ, SLURM_CONF=str(self.conf))
        for k in list(e):  # a test may itself run inside a Slurm job
            if k.startswith("SLURM_") and k != "SLURM_CONF":
                del e[k]
        e.update(extra)
        return e

    def _node_line(self) -> str:
        r = subprocess.run([_which("slurmd"), "-C"], capture_output=True, text=True)
        first = r.stdout.splitlines()[0] if r.stdout else ""
        fields = dict(f.split("=", 1) for f in first.split() if "=" in f)
        keep = ["CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore"]
        hw = " ".join(f"{k}={fields[k]}" for k in keep if k in fields) or f"CPUs={os.cpu_count()}"
        return f"NodeName={self.node} NodeAddr=127.0.0.1 {hw} State=UNKNOWN"

    def write_config(self) -> None:
        if self.dir.exists():
            shutil.rmtree(self.dir)
        for sub in ["etc", "munge", "state", "spool", "log", "run"]:
            (self.dir / sub).mkdir(parents=True, mode=0o700)
        os.chmod(self.dir, 0o755)
        key = self.dir / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        d = self.dir
        self.conf.write_text(
            f"""# written by tests/slurm/slurm_cluster.py
ClusterName=memphase-test
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/run/slurmctld.pid
SlurmdPidFile={d}/run/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={d}/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobRequeue=1
ReturnToService=2
MpiDefault=none
KillWait={self.kill_wait}
MinJobAge=86400
InactiveLimit=0
{self.extra_conf}
{self._node_line()}
PartitionName=test Nodes={self.node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
"""
        )

    def _start(self, name: str, argv: list[str]) -> None:
        log = open(self.dir / "log" / f"{name}.stdout", "ab")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env(), start_new_session=True)
        self.procs.append((name, p))

    def _check_alive(self) -> None:
        for name, p in self.procs:
            if p.poll() is not None:
                raise SlurmBroken(f"{name} exited with {p.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, n: int = 30) -> str:
        out = []
        for f in [self.dir / "log" / f"{name}.stdout", self.dir / "log" / f"{name}.log"]:
            if f.exists():
                out += f.read_text(errors="replace").splitlines()[-n:]
        return "\n".join(out)

    def start(self, timeout: float = 60.0) -> None:
        self.write_config()
        d = self.dir
        self._start("munged", [_which("munged"), "--foreground", "--force", f"--socket={self.munge_socket}",
                               f"--key-file={d}/munge/munge.key", f"--pid-file={d}/run/munged.pid",
                               f"--log-file={d}/log/munged.log", f"--seed-file={d}/munge/munge.seed"])
        t0 = time.monotonic()
        while not self.munge_socket.exists():
            self._check_alive()
            if time.monotonic() - t0 > timeout:
                raise SlurmBroken("munged did not create its socket:\n" + self.tail("munged"))
            time.sleep(0.1)
        self._start("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._start("slurmd", [_which("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])
        while True:
            self._check_alive()
            r = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=self.env(), capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.strip() == "idle":
                return
            if time.monotonic() - t0 > timeout:
                raise SlurmBroken(f"node not idle after {timeout:.0f} s (sinfo: {r.stdout.strip()} {r.stderr.strip()})\n"
                                  + self.tail("slurmctld") + "\n" + self.tail("slurmd"))
            time.sleep(0.5)

    def cancel_all(self, timeout: float = 60.0) -> None:
        """scancel every job of this cluster and wait until none is left
        running (their slurmstepd and tasks end with them)."""
        if not any(n == "slurmctld" and p.poll() is None for n, p in self.procs):
            return
        self.run("scancel", "--partition=test", check=False)
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            r = self.run("squeue", "-h", "-o", "%i %T", check=False)
            if r.returncode != 0 or not r.stdout.strip():
                return
            time.sleep(0.5)

    def stop(self) -> None:
        """Cancels the jobs left, then SIGTERM to every daemon started here, by
        PID (slurmd first, then slurmctld, munged last), SIGKILL after 10 s."""
        try:
            self.cancel_all(timeout=self.kill_wait + 30)
        except Exception:  # noqa: BLE001 - the daemons are stopped regardless
            pass
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs.clear()
        self.kill_leftovers()

    def leftovers(self) -> list[int]:
        """PIDs of processes that still carry this cluster's SLURM_CONF in
        their environment: slurmstepd (forked by slurmd), batch scripts and
        ranks of jobs that outlived the daemons. Nothing else has it."""
        mark = f"SLURM_CONF={self.conf}".encode()
        pids = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) == os.getpid():
                continue
            try:
                if mark in (d / "environ").read_bytes().split(b"\0"):
                    pids.append(int(d.name))
            except OSError:
                continue
        return pids

    def kill_leftovers(self) -> None:
        """SIGKILL, by PID, to every leftover of this cluster (see leftovers)."""
        for pid in self.leftovers():
            print(f"slurm_cluster: killing leftover pid {pid} of {self.dir}", flush=True)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def __enter__(self) -> "LocalSlurm":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ clients
    def run(self, *argv: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        r = subprocess.run(list(argv), env=kw.pop("env", self.env()), capture_output=True, text=True, **kw)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
        return r

    def job(self, job_id: int) -> dict:
        """`scontrol show job -o` as a dict ({} once the job is purged)."""
        r = self.run("scontrol", "show", "job", "-o", str(job_id), check=False)
        fields: dict[str, str] = {}
        for tok in r.stdout.split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                fields.setdefault(k, v)
        return fields
