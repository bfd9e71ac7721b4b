#!/usr/bin/env bash
# Run or resume a campaign on one machine with Open MPI / MPICH.
#
#   jobs/local.sh CAMPAIGN.yaml [DIR] [extra `memphase run` options...]
#   NP=4 jobs/local.sh campaigns/quick.yaml runs/quick
#
# DIR defaults to runs/<campaign name>. Re-running the same command resumes:
# committed tasks are skipped and in-flight tasks continue from their
# checkpoints. Ctrl-C (or SIGTERM to this script) asks every rank to
# checkpoint at its next epoch boundary and exit cleanly; a second Ctrl-C
# aborts at once (committed work is still safe).
#
# Environment: NP (ranks, default: all cores), MEMPHASE (binary, default
# memphase on PATH), MPIRUN (default mpirun), MPIRUN_FLAGS (e.g.
# "--oversubscribe").
set -euo pipefail

usage="usage: jobs/local.sh CAMPAIGN.yaml [DIR] [memphase run options...]"
campaign=${1:?$usage}
shift
out="runs/$(basename "${campaign%.*}")"
if [[ $# -gt 0 && $1 != -* ]]; then
  out=$1
  shift
fi
np=${NP:-$(nproc)}
memphase=${MEMPHASE:-memphase}
mpirun=${MPIRUN:-mpirun}
read -r -a mpirun_flags <<<"${MPIRUN_FLAGS:-}"

echo "memphase: running ${campaign} on ${np} ranks into ${out} (re-run this command to resume)"
# mpirun gets its own session so that a terminal Ctrl-C reaches only this
# script, which turns it into a clean stop (SIGUSR1, forwarded by mpirun to
# every rank) instead of mpirun's kill.
setsid "$mpirun" "${mpirun_flags[@]}" -np "$np" "$memphase" run "$campaign" --out "$out" "$@" &
pid=$!
stops=0
# shellcheck disable=SC2317  # invoked by the trap below
stop() {
  stops=$((stops + 1))
  if [[ $stops -eq 1 ]]; then
    echo "memphase: stopping cleanly (every rank checkpoints); Ctrl-C again to abort" >&2
    kill -s USR1 "$pid" 2>/dev/null || true
  else
    kill -s TERM "$pid" 2>/dev/null || true
  fi
}
trap stop INT TERM

rc=0
while :; do
  rc=0
  wait "$pid" || rc=$?
  # > 128: wait was interrupted by a trapped signal while mpirun still runs.
  if [[ $rc -gt 128 ]] && kill -0 "$pid" 2>/dev/null; then continue; fi
  break
done
trap - INT TERM

"$memphase" status "$out" || true
exit "$rc"
