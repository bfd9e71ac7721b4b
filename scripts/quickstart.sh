#!/usr/bin/env bash
# The quick end-to-end command of the README: installs the dependencies,
# builds memphase and runs campaigns/quick.yaml on 2 MPI ranks (96 networks,
# a few minutes on 2 cores), then prints the campaign status, lists the HDF5
# file, analyses it (phase diagram, β fits with bootstrap errors) and renders
# the figures into RUN_DIR/analysis/figures. Re-running it resumes (or finds
# everything done).
#   usage: scripts/quickstart.sh [RUN_DIR]     (default runs/quick)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./build/release/src/memphase
if [ -n "${MEMPHASE_BIN:-}" ]; then
  bin=$MEMPHASE_BIN  # the test of this script (ctest) has built it already
else
  bash scripts/setup.sh
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target memphase
fi
out=${1:-runs/quick}
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
np=${NP:-2}
mpirun --oversubscribe -np "$np" "$bin" run campaigns/quick.yaml --out "$out"
"$bin" status "$out"
h5ls "$out/campaign.h5"
"$bin" analyze "$out"
/usr/bin/python3 analysis/figures.py "$out"
echo
echo "quickstart: the quick campaign (4 lrs over one decade, 4 seeds) is a smoke test of the pipeline;"
echo "quickstart: its β are labelled UNRESOLVED. The paper's β table as memphase reproduces it, and the"
echo "quickstart: campaigns and commands behind it: docs/reproduction.md"
