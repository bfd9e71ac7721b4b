#!/usr/bin/python3
"""Reads, with h5py only, the file that io_test's TaskFile.WritesKnownFileForH5py
writes (N = 7, 23 epochs, record_every 5, W_rec(i, j) = 100 i + j, ...) and
checks it against those known values: Eigen's (row, column) meaning of every
weight, the curve offsets and epochs, the attributes, and every dataset's
dtype and shape (no more, no fewer datasets than docs/output-schema.md lists).

usage: read_task_file.py FILE [DOC]
With DOC (docs/output-schema.md), also runs the document's h5py snippet on
FILE, so the snippet cannot go stale.

Run it with /usr/bin/python3 (Debian's python3-h5py)."""
import os
import re
import sys
import tempfile

import h5py
import numpy as np

N, T = 7, 1
EPOCHS = np.array([0, 5, 10, 15, 20, 22])
P = len(EPOCHS)

SCHEMA = {
    **{f"grid/{k}": ("<f8", (T,)) for k in ("lr", "delay", "response", "post", "tau", "noise_sigma")},
    **{f"grid/{k}": ("<i8", (T,)) for k in ("seed", "n", "reps")},
    "tasks/key": ("<u8", (T,)),
    **{f"tasks/{k}": ("|i1", (T,)) for k in ("done", "status", "class", "learned", "stable")},
    "tasks/psd_ratio": ("<f8", (T,)),
    "tasks/epochs_planned": ("<i8", (T,)),
    "tasks/epochs_run": ("<i8", (T,)),
    "tasks/train_seconds": ("<f8", (T,)),
    **{f"weights/{w}/{k}": ("<f4", s) for w in ("initial", "final")
       for k, s in (("W_in", (T, N, 2)), ("W_rec", (T, N, N)), ("W_out", (T, 2, N)),
                    ("b_in", (T, N)), ("b_rec", (T, N)), ("b_out", (T, 2)))},
    **{f"curves/{k}": ("<f4", (P,)) for k in ("loss", "accuracy", "reliability", "grad_norm")},
    "curves/epoch": ("<i8", (P,)),
    "curves/offset": ("<i8", (T + 1,)),
}


def check_schema(f):
    found = {}

    def visit(name, obj):  # returning anything but None would stop the visit
        if isinstance(obj, h5py.Dataset):
            found[name] = obj

    f.visititems(visit)
    assert set(found) == set(SCHEMA), (sorted(set(found) - set(SCHEMA)), sorted(set(SCHEMA) - set(found)))
    for name, (dtype, shape) in SCHEMA.items():
        d = found[name]
        assert d.dtype == np.dtype(dtype) and d.shape == shape, (name, d.dtype, d.shape, dtype, shape)


def check_attrs(f):
    a = f.attrs
    assert a["schema_version"] == 1 and a["n_tasks"] == 1, dict(a)
    for k in ("config_yaml", "config_hash", "code_version", "command", "created", "campaign_name", "family",
              "class_codes", "status_codes"):
        assert isinstance(a[k], str), (k, type(a[k]))
    assert "τ in ms" in a["config_yaml"], a["config_yaml"]
    assert a["config_hash"] == "0123456789abcdef"
    assert a["command"] == "memphase train --lr 0.1 --delay 100 --seed 0 --out 'x y.h5'", a["command"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a["created"]), a["created"]


def check_values(f):
    i = np.arange(N)[:, None]
    w_rec = (100 * i + np.arange(N)[None, :]).astype(np.float32)
    w_in = (10 * i + np.arange(2)[None, :] + 0.5).astype(np.float32)
    w_out = -(100 * np.arange(2)[:, None] + np.arange(N)[None, :]).astype(np.float32)
    final = {"W_in": w_in, "W_rec": w_rec, "W_out": w_out, "b_in": np.arange(N) + 0.25,
             "b_rec": -np.arange(N) - 0.75, "b_out": np.array([1000.0, 1001.0])}
    for k, want in final.items():
        assert np.array_equal(f[f"weights/final/{k}"][0], want.astype(np.float32)), (k, f[f"weights/final/{k}"][0])
        assert np.array_equal(f[f"weights/initial/{k}"][0], (want - 0.5).astype(np.float32)), k
    # Element by element, as a user would index it: W_rec[task, row, column].
    d = f["weights/final/W_rec"]
    for r in range(N):
        for c in range(N):
            assert d[0, r, c] == 100 * r + c, (r, c, d[0, r, c])
    assert f["weights/final/W_in"][0, 6, 1] == 61.5 and f["weights/final/W_out"][0, 1, 6] == -106

    a, b = f["curves/offset"][:]
    assert (a, b) == (0, P), (a, b)
    e = f["curves/epoch"][a:b]
    assert np.array_equal(e, EPOCHS), e
    ef = e.astype(np.float32)
    for k, want in (("loss", 1 + 0.5 * ef), ("accuracy", ef / 32), ("reliability", 1 - ef / 64),
                    ("grad_norm", 2 * ef)):
        assert np.array_equal(f[f"curves/{k}"][a:b], want.astype(np.float32)), (k, f[f"curves/{k}"][a:b])

    g, t = f["grid"], f["tasks"]
    assert (g["lr"][0], g["delay"][0], g["seed"][0], g["n"][0]) == (0.1, 100.0, 0, N)
    assert (g["response"][0], g["post"][0], g["tau"][0], g["reps"][0]) == (50.0, 0.0, 10.0, 64)
    assert g["noise_sigma"][0] == 0.001
    assert (t["done"][0], t["status"][0], t["class"][0], t["learned"][0], t["stable"][0]) == (1, 0, 2, 1, 1)
    assert (t["psd_ratio"][0], t["train_seconds"][0]) == (0.75, 2.5)
    assert (t["epochs_planned"][0], t["epochs_run"][0]) == (23, 23)


def run_snippet(doc, path):
    """Runs the first ```python block of the schema document on `path`."""
    block = re.search(r"```python\n(.*?)```", open(doc, encoding="utf-8").read(), re.S).group(1)
    assert len(block.strip().splitlines()) <= 10, "the snippet must stay within 10 lines"
    assert '"campaign.h5"' in block, block
    block = block.replace('"campaign.h5"', repr(os.path.abspath(path)))
    import matplotlib
    matplotlib.use("Agg")
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        exec(compile(block, doc + " snippet", "exec"), {})
        assert os.path.getsize("loss.png") > 1000
        os.chdir("/")


def main(argv):
    path = argv[1]
    with h5py.File(path, "r") as f:
        check_schema(f)
        check_attrs(f)
        check_values(f)
    if len(argv) > 2:
        run_snippet(argv[2], path)
    print(f"{path}: schema, values, offsets and attributes as written" + (", snippet ran" if len(argv) > 2 else ""))


if __name__ == "__main__":
    main(sys.argv)
