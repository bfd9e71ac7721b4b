#!/usr/bin/env bash
# The test command of the README (and of .ci/run): installs the dependencies
# (no-op when present), builds the release preset and runs every default test
# (label "long" excluded; run those with: ctest --preset all).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
ctest --preset default -j "$(nproc)"
