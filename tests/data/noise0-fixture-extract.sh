#!/bin/bash
# Regenerates tests/data/noise0-fixture.txt from a `memphase train` output file:
#   memphase-04764a7 train --config tests/data/noise0-fixture.yaml --out net.h5
#   bash tests/data/noise0-fixture-extract.sh net.h5 > tests/data/noise0-fixture.txt
# One line per tensor: name rows cols values (row-major, %.9g: float32 exact).
set -euo pipefail
f=$1
echo "# Generated from memphase 04764a7 (memphase train --config tests/data/noise0-fixture.yaml)"
echo "# by h5dump -m %.9g; one line per tensor: name rows cols values (row-major)."
for d in curves/loss curves/grad_norm \
         weights/initial/W_in weights/initial/W_rec weights/initial/W_out \
         weights/initial/b_in weights/initial/b_rec weights/initial/b_out \
         weights/final/W_in weights/final/W_rec weights/final/W_out \
         weights/final/b_in weights/final/b_rec weights/final/b_out; do
  dims=$(h5ls "$f/$d" | sed -E 's/.*\{(.*)\}.*/\1/' | tr -d ' ')
  IFS=, read -ra D <<< "$dims"
  if [ ${#D[@]} -eq 1 ]; then r=1; c=${D[0]}; elif [ ${#D[@]} -eq 2 ]; then r=${D[1]}; c=1; else r=${D[1]}; c=${D[2]}; fi
  vals=$(h5dump -d "/$d" -m %.9g -y -w 0 "$f" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ',\n' | tr -s ' ')
  echo "${d#*/} $r $c$vals" | sed 's/^final\//final./;s/^initial\//initial./'
done
