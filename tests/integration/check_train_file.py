#!/usr/bin/python3
"""Checks the file of `memphase train --lr 0.1 --delay 100 --seed 0`: the
network learned (class LC or SP), and h5py reads every part of the layout."""
import sys

import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r") as f:
    assert f.attrs["n_tasks"] == 1
    assert len(f.attrs["config_hash"]) == 16, f.attrs["config_hash"]
    assert "\n  lr: 0.1\n" in f.attrs["config_yaml"], f.attrs["config_yaml"]
    # the family of the spec, by which analysis/figures.py picks analysis/families/<id>.py
    assert f.attrs["family_id"] == "rate_rnn", f.attrs.get("family_id")
    cls = int(f["tasks/class"][0])
    assert cls in (1, 2), f"network did not learn: class {cls}"
    assert f["tasks/status"][0] == 0 and f["tasks/done"][0] == 1
    assert f["grid/lr"][0] == 0.1 and f["grid/delay"][0] == 100 and f["grid/seed"][0] == 0
    n = int(f["grid/n"][0])
    assert f["weights/final/W_rec"].shape == (1, n, n)
    assert f["weights/initial/W_in"].shape == (1, n, 2)
    w0 = f["weights/initial/W_rec"][0]
    assert np.all(np.diag(w0) == 0), "diag(W_rec) must be 0 at initialisation"
    a, b = f["curves/offset"][:]
    loss = f["curves/loss"][a:b]
    assert b - a == f["tasks/epochs_run"][0] == 1000
    assert loss[-1] < loss[0] / 10, (loss[0], loss[-1])
    print(f"class {cls}, psd_ratio {f['tasks/psd_ratio'][0]:.4f}, loss {loss[0]:.4f} -> {loss[-1]:.5f}")
