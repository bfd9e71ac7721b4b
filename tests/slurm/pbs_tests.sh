#!/usr/bin/env bash
# jobs/pbs.sh against fake `qstat`, `qsub`, `mpirun` and `memphase` on PATH
# (Debian packages no PBS server: README "Running on a cluster"). Checks the
# walltime arithmetic (PBS_WALLTIME in seconds or h:mm:ss, qstat's
# Resource_List.walltime, minus the time the script already used) and the
# resubmission decision (progress -> qsub with the same variables; done, no
# progress, a failed run, MAX_RESUBMITS reached -> no qsub).
#
#   bash tests/slurm/pbs_tests.sh [WORKDIR]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script="$here/../../jobs/pbs.sh"
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
fake="$work/bin"
rm -rf "$fake"
mkdir -p "$fake"

# memphase: `status --json DIR` prints "remaining" from $STATE/remaining.<n>
# (n = calls so far), `run ...` records its arguments, sleeps $RUN_SLEEP and
# exits $RUN_RC.
cat >"$fake/memphase" <<'EOF'
#!/usr/bin/env bash
if [[ $1 == status ]]; then
  sleep "${STATUS_SLEEP:-0}"
  n=$(cat "$STATE/status_calls" 2>/dev/null || echo 0)
  echo $((n + 1)) >"$STATE/status_calls"
  r=$(cat "$STATE/remaining.$n" 2>/dev/null) || exit 1
  echo "{\"tasks\":10,\"remaining\":$r}"
  exit 0
fi
echo "$*" >>"$STATE/run_args"
sleep "${RUN_SLEEP:-0}"
exit "${RUN_RC:-0}"
EOF
# mpirun -np N CMD...: records N, runs CMD.
cat >"$fake/mpirun" <<'EOF'
#!/usr/bin/env bash
[[ $1 == -np ]] || { echo "fake mpirun: expected -np" >&2; exit 9; }
echo "$2" >"$STATE/np"
shift 2
exec "$@"
EOF
cat >"$fake/qstat" <<'EOF'
#!/usr/bin/env bash
echo "Job Id: $2"
echo "    Job_Name = memphase"
echo "    Resource_List.walltime = ${QSTAT_WALLTIME-02:00:00}"
EOF
cat >"$fake/qsub" <<'EOF'
#!/usr/bin/env bash
echo "$*" >>"$STATE/qsub"
echo "1235.fake-server"
EOF
chmod +x "$fake"/*

fails=0
passes=0
check() {  # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then
    passes=$((passes + 1))
  else
    fails=$((fails + 1))
    echo "FAIL: $name" >&2
  fi
}

# run_case NAME "remaining before" "remaining after" [VAR=value...]: runs
# jobs/pbs.sh as PBS would (PBS_JOBID set, fake tools first on PATH).
run_case() {
  local name=$1 before=$2 after=$3
  shift 3
  STATE="$work/$name"
  rm -rf "$STATE"
  mkdir -p "$STATE"
  [[ -n $before ]] && echo "$before" >"$STATE/remaining.0"
  [[ -n $after ]] && echo "$after" >"$STATE/remaining.1"
  env -i PATH="$fake:/usr/bin:/bin" HOME="$work" STATE="$STATE" PBS_JOBID=1234.fake-server \
    PBS_O_WORKDIR="$work" MEMPHASE_JOB_SCRIPT="$script" MEMPHASE=memphase NP=4 "$@" \
    bash "$script" campaign.yaml runs/x >"$STATE/out" 2>&1
  echo $? >"$STATE/rc"
}
rc_of() { cat "$STATE/rc"; }
walltime_arg() { sed -n 's/.*--walltime \([0-9-]*\).*/\1/p' "$STATE/run_args"; }
in_range() { [[ $1 =~ ^[0-9]+$ ]] && ((${1} >= $2 && ${1} <= $3)); }
qsubbed() { [[ -s $STATE/qsub ]]; }
qsub_has() { grep -q -- "$1" "$STATE/qsub"; }
logged() { grep -q -- "$1" "$STATE/out"; }

# 1. Torque's PBS_WALLTIME in seconds; progress 10 -> 6: resubmitted with the
#    same variables and RESUBMIT=1.
run_case progress 10 6 PBS_WALLTIME=3600 RUN_ARGS="--progress-every 30"
check "progress: exit 0" [ "$(rc_of)" = 0 ]
check "progress: --walltime = 3600 - elapsed" in_range "$(walltime_arg)" 3597 3600
check "progress: np from NP" [ "$(cat "$STATE/np")" = 4 ]
check "progress: RUN_ARGS passed" grep -q -- "--progress-every 30" "$STATE/run_args"
check "progress: resubmitted" qsubbed
check "progress: same campaign/dir" qsub_has "CAMPAIGN=campaign.yaml,OUT=runs/x,NP=4"
check "progress: RESUBMIT=1" qsub_has "RESUBMIT=1,"
check "progress: same script" qsub_has " $script\$"
check "progress: RUN_ARGS kept" qsub_has "RUN_ARGS=--progress-every 30,"

# 2. PBS_WALLTIME as h:mm:ss.
run_case hms 10 6 PBS_WALLTIME=1:30:00
check "h:mm:ss: --walltime = 5400 - elapsed" in_range "$(walltime_arg)" 5397 5400

# 3. No PBS_WALLTIME: Resource_List.walltime from qstat -f.
run_case qstat 10 6 QSTAT_WALLTIME=00:45:00
check "qstat: --walltime = 2700 - elapsed" in_range "$(walltime_arg)" 2697 2700

# 4. Time the script used before the launch counts: the `memphase status`
#    before the run takes 2 s (a large grid without its journal indexes).
run_case slowstart 10 6 PBS_WALLTIME=600 STATUS_SLEEP=2
check "elapsed: --walltime = 600 - 2 s of status" in_range "$(walltime_arg)" 595 598

# 5. Walltime unknown (no PBS_WALLTIME, qstat says nothing): warns, no --walltime.
run_case unknown 10 6 QSTAT_WALLTIME=
check "unknown walltime: warned" logged "walltime unknown"
check "unknown walltime: no --walltime" [ -z "$(walltime_arg)" ]

# 6. Campaign complete: no resubmission.
run_case complete 10 0 PBS_WALLTIME=3600
check "complete: exit 0" [ "$(rc_of)" = 0 ]
check "complete: not resubmitted" test ! -e "$STATE/qsub"
check "complete: says so" logged "campaign complete"

# 7. No progress (10 -> 10): not resubmitted, exit 1, says why.
run_case noprogress 10 10 PBS_WALLTIME=3600
check "no progress: exit 1" [ "$(rc_of)" = 1 ]
check "no progress: not resubmitted" test ! -e "$STATE/qsub"
check "no progress: says why" logged "no task was committed"

# 8. memphase run fails (exit 3): not resubmitted, its exit code kept.
run_case failed 10 6 PBS_WALLTIME=3600 RUN_RC=3
check "failed run: exit 3" [ "$(rc_of)" = 3 ]
check "failed run: not resubmitted" test ! -e "$STATE/qsub"

# 9. MAX_RESUBMITS reached: not resubmitted.
run_case maxed 10 6 PBS_WALLTIME=3600 RESUBMIT=5 MAX_RESUBMITS=5
check "max resubmits: exit 1" [ "$(rc_of)" = 1 ]
check "max resubmits: not resubmitted" test ! -e "$STATE/qsub"

# 10. First submission of a fresh directory (status unreadable before the run):
#     progress cannot be compared, remaining > 0 afterwards -> resubmitted.
run_case fresh "" 6 PBS_WALLTIME=3600 RESUBMIT=2
check "fresh dir: resubmitted" qsubbed
check "fresh dir: RESUBMIT=3" qsub_has "RESUBMIT=3,"

# 11. A TERM from PBS becomes SIGUSR1 to the launcher (clean stop), the
#     script still decides afterwards.
STATE="$work/term"
rm -rf "$STATE"
mkdir -p "$STATE"
echo 10 >"$STATE/remaining.0"
echo 8 >"$STATE/remaining.1"
cat >"$STATE/mpirun" <<'EOF'
#!/usr/bin/env bash
trap 'echo usr1 >"$STATE/got"; exit 0' USR1
while :; do sleep 0.1; done
EOF
chmod +x "$STATE/mpirun"
env -i PATH="$fake:/usr/bin:/bin" HOME="$work" STATE="$STATE" PBS_JOBID=1234.fake-server \
  PBS_O_WORKDIR="$work" MEMPHASE_JOB_SCRIPT="$script" MEMPHASE=memphase NP=2 PBS_WALLTIME=3600 \
  MPIRUN="$STATE/mpirun" bash "$script" campaign.yaml runs/x >"$STATE/out" 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
echo $? >"$STATE/rc"
check "SIGTERM: forwarded as SIGUSR1" test -e "$STATE/got"
check "SIGTERM: exit 0" [ "$(rc_of)" = 0 ]
check "SIGTERM: resubmitted after the clean stop" qsubbed

for d in "$work"/*/; do
  if [[ -e $d/out && $fails -gt 0 ]]; then
    echo "---- $(basename "$d")"
    cat "$d/out"
  fi
done
echo "pbs: $passes passed, $fails failed"
[[ $fails -eq 0 ]]
