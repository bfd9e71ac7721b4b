#!/bin/bash
# Run or resume a memphase campaign under PBS Pro / Torque, resubmitting
# itself until the campaign is done.
#
#   qsub -v CAMPAIGN=campaigns/paper-nopost.yaml,OUT=runs/nopost jobs/pbs.sh
#   qsub -l select=16:ncpus=64:mpiprocs=64 -l walltime=12:00:00 -v CAMPAIGN=...,OUT=... jobs/pbs.sh
#   (Torque: -l nodes=16:ppn=64)
#
# The allocation's walltime (PBS_WALLTIME, in seconds or h:mm:ss, else
# Resource_List.walltime from `qstat -f`) minus the time this script has
# already used is passed to `memphase run --walltime`: tasks that cannot
# finish are not started and every rank checkpoints --walltime-margin (60 s)
# before the end. If tasks remain afterwards (`memphase status --json`) and
# this job committed at least one task, the script submits itself again with
# the same variables; the next job resumes from the journals and checkpoints.
#
# Variables (qsub -v, or the environment when run by hand): CAMPAIGN, OUT
# (or the first two arguments), NP (default: lines of PBS_NODEFILE),
# MEMPHASE (binary, default memphase), MPIRUN (default mpirun), RUN_ARGS
# (extra `memphase run` options, space-separated, no commas), MAX_RESUBMITS
# (default 50), MEMPHASE_JOB_SCRIPT (path of this script for resubmission,
# default $PBS_O_WORKDIR/jobs/pbs.sh).
#PBS -N memphase
#PBS -l walltime=12:00:00
#PBS -j oe
#PBS -r y
set -uo pipefail

if [[ -n ${PBS_O_WORKDIR:-} ]]; then cd "$PBS_O_WORKDIR" || exit 1; fi
usage="usage: qsub -v CAMPAIGN=X.yaml,OUT=DIR jobs/pbs.sh   (or: jobs/pbs.sh X.yaml DIR)"
campaign=${1:-${CAMPAIGN:-}}
out=${2:-${OUT:-}}
if [[ -z $campaign || -z $out ]]; then
  echo "$usage" >&2
  exit 2
fi
memphase=${MEMPHASE:-memphase}
mpirun=${MPIRUN:-mpirun}
resubmit=${RESUBMIT:-0}
max_resubmits=${MAX_RESUBMITS:-50}
script=${MEMPHASE_JOB_SCRIPT:-${PBS_O_WORKDIR:-$PWD}/jobs/pbs.sh}
if [[ -n ${NP:-} ]]; then
  np=$NP
elif [[ -n ${PBS_NODEFILE:-} && -r ${PBS_NODEFILE:-} ]]; then
  np=$(wc -l <"$PBS_NODEFILE")
else
  np=$(nproc)
fi
read -r -a run_args <<<"${RUN_ARGS:-}"
export OMP_NUM_THREADS=1  # one task per core; Eigen runs single-threaded

# "12:00:00", "30:00", "43200" -> seconds; empty if unparsable.
to_seconds() {
  local t=$1 total=0 part
  [[ $t =~ ^[0-9]+(:[0-9]+){0,2}$ ]] || return 0
  local -a parts
  IFS=: read -r -a parts <<<"$t"
  for part in "${parts[@]}"; do total=$((total * 60 + 10#$part)); done
  echo "$total"
}

walltime=${PBS_WALLTIME:-}
if [[ -z $walltime && -n ${PBS_JOBID:-} ]] && command -v qstat >/dev/null 2>&1; then
  walltime=$(qstat -f "$PBS_JOBID" 2>/dev/null | sed -n 's/^ *Resource_List.walltime = *//p' | head -n 1)
fi
walltime_s=$(to_seconds "$walltime")
if [[ -z $walltime_s ]]; then
  echo "warning: walltime unknown (no PBS_WALLTIME, no qstat): memphase relies on SIGTERM at the end" >&2
fi

remaining() {
  "$memphase" status --json "$out" 2>/dev/null | sed -n 's/.*"remaining":\([0-9][0-9]*\).*/\1/p'
}

echo "[$(date -u +%FT%TZ)] job ${PBS_JOBID:-?} (submission $((resubmit + 1))): ${np} ranks," \
  "${campaign} -> ${out}, walltime ${walltime:-?}"
before=$(remaining)

# The time left is taken right before the launch: everything this script did
# so far (qstat, the status of a large run directory) is already spent.
walltime_args=()
if [[ -n $walltime_s ]]; then walltime_args=(--walltime "$((walltime_s - SECONDS))"); fi
"$mpirun" -np "$np" "$memphase" run "$campaign" --out "$out" "${walltime_args[@]}" "${run_args[@]}" &
pid=$!
# PBS sends SIGTERM at the walltime: ask for a clean checkpointed stop
# (mpirun forwards SIGUSR1 to every rank).
# shellcheck disable=SC2317  # invoked by the trap below
on_term() { kill -s USR1 "$pid" 2>/dev/null || true; }
trap on_term TERM

rc=0
while :; do
  rc=0
  wait "$pid" || rc=$?
  if [[ $rc -gt 128 ]] && kill -0 "$pid" 2>/dev/null; then continue; fi
  break
done
trap - TERM

if [[ $rc -ne 0 ]]; then
  echo "memphase run failed (exit ${rc}); committed work in ${out} is safe. Not resubmitting." >&2
  exit "$rc"
fi
left=$(remaining)
if [[ -z $left ]]; then
  echo "cannot read \`memphase status ${out}\`; not resubmitting" >&2
  exit 1
fi
if [[ $left -eq 0 ]]; then
  echo "[$(date -u +%FT%TZ)] campaign complete: ${out}/campaign.h5"
  exit 0
fi
if [[ -n $before && $left -ge $before ]]; then
  echo "no task was committed in this job (${left} remain): not resubmitting." \
    "Are the tasks longer than the walltime? See \`memphase plan --walltime\`." >&2
  exit 1
fi
if [[ $resubmit -ge $max_resubmits ]]; then
  echo "${left} tasks remain but MAX_RESUBMITS=${max_resubmits} is reached; submit again to continue" >&2
  exit 1
fi
vars="CAMPAIGN=${campaign},OUT=${out},NP=${NP:-},MEMPHASE=${memphase},MPIRUN=${mpirun},RUN_ARGS=${RUN_ARGS:-}"
vars+=",RESUBMIT=$((resubmit + 1)),MAX_RESUBMITS=${max_resubmits},MEMPHASE_JOB_SCRIPT=${script}"
echo "[$(date -u +%FT%TZ)] ${left} tasks remain: resubmitting ${script}"
qsub -v "$vars" "$script"
