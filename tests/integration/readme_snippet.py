#!/usr/bin/python3
"""Runs the h5py snippet of README.md (the block after 'plot its loss with
h5py alone') against a campaign directory, so the README cannot go stale."""
import os
import re
import sys

readme, run_dir, workdir = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(readme).read()
marker = text.index("plot its loss with h5py alone")
block = re.search(r"```python\n(.*?)```", text[marker:], re.S).group(1)
block = block.replace("runs/quick/campaign.h5", os.path.join(run_dir, "campaign.h5"))
os.makedirs(workdir, exist_ok=True)
os.chdir(workdir)
import matplotlib
matplotlib.use("Agg")
exec(compile(block, "README.md snippet", "exec"))
assert os.path.getsize("loss.png") > 1000
print("README snippet ran; wrote", os.path.join(workdir, "loss.png"))
