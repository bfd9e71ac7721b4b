#!/usr/bin/env python3
"""Digest of every dataset of the quick campaigns' campaign.h5 (issue 16).

A refactor that must not change results runs each family's quick campaign
with the old and the new binary and compares the digests. This is a script,
not a CI test: the bits of a float result depend on the CPU (vector width,
FMA), so the digests are only comparable between two binaries on one machine.

  campaign_digests.py run --memphase BIN --work DIR --out before.json [CAMPAIGN ...]
  campaign_digests.py files --memphase BIN --out x.json DIR ...  # digests of run directories already run
  campaign_digests.py table before.json after.json      # markdown, exit 1 on a difference

`run` runs every campaign with `mpirun -np N BIN run CAMPAIGN --out DIR/<name>`
(a fresh directory each time) and records, per campaign, the SHA-256 of every
dataset (dtype, shape and raw bytes) except /tasks/train_seconds (wall time),
and of the attributes except created, code_version and command (time, binary
and path). Without CAMPAIGN arguments it runs the quick campaign of every
family: campaigns/quick.yaml, toy-*.yaml, ghost-*-quick.yaml,
wcrnn-*-quick.yaml and tests/data/tiny*.yaml. Needs h5py
(/usr/bin/python3 on Debian).
"""
import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP_DATASETS = {"tasks/train_seconds"}
SKIP_ATTRS = {"created", "code_version", "command"}


def default_campaigns():
    c = [os.path.join(ROOT, "campaigns", "quick.yaml")]
    for pattern in ("toy-*.yaml", "ghost-*-quick.yaml", "wcrnn-*-quick.yaml"):
        c += sorted(glob.glob(os.path.join(ROOT, "campaigns", pattern)))
    c += sorted(glob.glob(os.path.join(ROOT, "tests", "data", "tiny*.yaml")))
    return c


def attr_text(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return repr(v.tolist())
    return repr(v)


def digests(path):
    """{dataset name: sha256} and the digest of the attributes, for one file."""
    out, attrs = {}, []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for k in sorted(obj.attrs):
                if name == "" and k in SKIP_ATTRS:
                    continue
                attrs.append(f"{name}@{k}={attr_text(obj.attrs[k])}")
            if isinstance(obj, h5py.Dataset) and name not in SKIP_DATASETS:
                a = obj[()]
                h = hashlib.sha256()
                h.update(f"{a.dtype.str}{a.shape}".encode())
                h.update(np.ascontiguousarray(a).tobytes())
                out[name] = h.hexdigest()
        visit("", f)
        f.visititems(visit)
    return out, hashlib.sha256("\n".join(sorted(attrs)).encode()).hexdigest()


def file_digest(ds):
    return hashlib.sha256("".join(f"{k}:{v}\n" for k, v in sorted(ds.items())).encode()).hexdigest()


def run(args):
    campaigns = args.campaigns or default_campaigns()
    os.makedirs(args.work, exist_ok=True)
    result = {"memphase": os.path.abspath(args.memphase), "np": args.np, "campaigns": {}}
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    for c in campaigns:
        name = os.path.splitext(os.path.basename(c))[0]
        out = os.path.join(args.work, name)
        shutil.rmtree(out, ignore_errors=True)
        cmd = [args.mpiexec, "-np", str(args.np), "--oversubscribe", args.memphase, "run", c, "--out", out]
        t0 = time.time()
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}")
        ds, attrs = digests(os.path.join(out, "campaign.h5"))
        result["campaigns"][name] = {"file": file_digest(ds), "attributes": attrs, "datasets": ds,
                                     "seconds": round(time.time() - t0, 1)}
        print(f"{name:28s} {file_digest(ds)[:16]} attrs {attrs[:16]} ({len(ds)} datasets, "
              f"{time.time() - t0:.0f} s)", flush=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)


def files(args):
    """Digests of run directories already run (DIR/campaign.h5, named by the
    directory): e.g. to merge runs of one binary made in several pieces."""
    result = {"memphase": os.path.abspath(args.memphase), "np": 0, "campaigns": {}}
    for d in args.dirs:
        name = os.path.basename(os.path.normpath(d))
        ds, attrs = digests(os.path.join(d, "campaign.h5"))
        result["campaigns"][name] = {"file": file_digest(ds), "attributes": attrs, "datasets": ds, "seconds": 0}
        print(f"{name:28s} {file_digest(ds)[:16]} attrs {attrs[:16]} ({len(ds)} datasets)", flush=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)


def table(args):
    a, b = (json.load(open(p)) for p in (args.before, args.after))
    print(f"| campaign | datasets | before ({os.path.basename(a['memphase'])}) | "
          f"after ({os.path.basename(b['memphase'])}) | attributes | equal |")
    print("|---|---:|---|---|---|---|")
    bad = 0
    for name in sorted(set(a["campaigns"]) | set(b["campaigns"])):
        x, y = a["campaigns"].get(name), b["campaigns"].get(name)
        if not x or not y:
            print(f"| {name} | | {x['file'][:16] if x else '-'} | {y['file'][:16] if y else '-'} | | MISSING |")
            bad += 1
            continue
        same = x["file"] == y["file"]
        same_attrs = x["attributes"] == y["attributes"]
        bad += 0 if same and same_attrs else 1
        print(f"| {name} | {len(y['datasets'])} | `{x['file'][:16]}` | `{y['file'][:16]}` | "
              f"{'equal' if same_attrs else 'DIFFER'} | {'yes' if same else 'NO'} |")
        if not same:
            for k in sorted(set(x["datasets"]) | set(y["datasets"])):
                if x["datasets"].get(k) != y["datasets"].get(k):
                    print(f"|   differs: `{k}` | | | | | |")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--memphase", required=True)
    r.add_argument("--mpiexec", default="mpiexec")
    r.add_argument("--np", type=int, default=2)
    r.add_argument("--work", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("campaigns", nargs="*")
    fl = sub.add_parser("files")
    fl.add_argument("--memphase", required=True, help="the binary that wrote them (recorded)")
    fl.add_argument("--out", required=True)
    fl.add_argument("dirs", nargs="+")
    t = sub.add_parser("table")
    t.add_argument("before")
    t.add_argument("after")
    args = ap.parse_args()
    if args.cmd == "run":
        run(args)
        return 0
    if args.cmd == "files":
        files(args)
        return 0
    return table(args)


if __name__ == "__main__":
    sys.exit(main())
