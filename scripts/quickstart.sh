#!/usr/bin/env bash
# The quick end-to-end command of the README: installs the dependencies, builds
# memphase and trains one network of the reference task (lr 0.1, delay 100 ms,
# seed 0), then lists the HDF5 file it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target memphase
out=${1:-runs/quickstart/train.h5}
mkdir -p "$(dirname "$out")"
./build/release/src/memphase train --lr 0.1 --delay 100 --seed 0 --out "$out"
h5ls -r "$out"
