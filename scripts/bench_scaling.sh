#!/usr/bin/env bash
# Throughput of a campaign at 1 and 2 MPI ranks (a benchmark, not a test):
# runs CAMPAIGN (default campaigns/quick.yaml) from scratch at np 1 and np 2
# in one go and prints networks per hour and their ratio as one JSON line.
#   usage: scripts/bench_scaling.sh [CAMPAIGN] [NP_HIGH]
set -euo pipefail
cd "$(dirname "$0")/.."
campaign=${1:-campaigns/quick.yaml}
high=${2:-2}
bin=./build/release/src/memphase
[ -x "$bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A secs
for np in 1 "$high"; do
  start=$(date +%s.%N)
  mpirun --oversubscribe -np "$np" "$bin" run "$campaign" --out "$work/np$np" --progress-every 60 >/dev/null
  end=$(date +%s.%N)
  secs[$np]=$(/usr/bin/python3 -c "print($end - $start)")
done
tasks=$("$bin" status "$work/np1" --json | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
/usr/bin/python3 - "$tasks" "${secs[1]}" "${secs[$high]}" "$high" "$campaign" <<'PY'
import json, sys
tasks, s1, sh, high, camp = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r1, rh = tasks / s1 * 3600, tasks / sh * 3600
print(json.dumps({"bench": "scaling", "campaign": camp, "tasks": tasks, "np1_seconds": round(s1, 2),
                  f"np{high}_seconds": round(sh, 2), "np1_networks_per_hour": round(r1, 1),
                  f"np{high}_networks_per_hour": round(rh, 1), "speedup": round(rh / r1, 3)}))
PY
