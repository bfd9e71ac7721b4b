#!/usr/bin/env python3
"""`memphase analyze A B --out M`: seed blocks of one design, run as separate
campaigns (a reproduction split so that a lost run directory loses one block),
analysed as one campaign. The merged analysis must equal that of a single
campaign with every seed (phase diagram and boundary fits byte for byte; the
exponents' numbers equal), and blocks that are not of one design, or that
share a seed, are refused with the directories named.

With --figures, analysis/figures.py renders the merged directory: its titles
say that the analysis merges blocks, and it does not tell the user to
`memphase gather` a directory that has no campaign of its own.

    seed_blocks.py --memphase BIN --mpiexec MPIEXEC --campaign tiny.yaml --work DIR [--figures figures.py]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memphase", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("--campaign", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--figures", help="analysis/figures.py: also render the merged directory")
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    text = open(a.campaign).read()
    if not re.search(r"^seeds: 3$", text, re.M):
        sys.exit(f"FAIL: {a.campaign} must have 'seeds: 3'")

    def write(name, seeds, extra=""):
        path = os.path.join(a.work, name + ".yaml")
        t = re.sub(r"^seeds: 3$", f"seeds: {seeds}", text, flags=re.M)
        t = re.sub(r"^name: .*$", f"name: {name}", t, flags=re.M) + extra
        open(path, "w").write(t)
        return path

    def run(np_, yaml, out):
        p = subprocess.run([a.mpiexec, "-n", str(np_), a.memphase, "run", yaml, "--out", out], env=env,
                           capture_output=True, text=True, timeout=600)
        if p.returncode:
            sys.exit(f"FAIL: run {yaml}: {p.stderr[-2000:]}")

    def analyze(*args):
        return subprocess.run([a.memphase, "analyze", "-B", "100", "-j", "2", *args], capture_output=True,
                              text=True, timeout=600)

    full, b1, b2 = (os.path.join(a.work, n) for n in ("full", "block1", "block2"))
    run(2, write("full", 3), full)
    run(2, write("block1", "[0]"), b1)
    run(1, write("block2", "[1, 2]"), b2)
    merged = os.path.join(a.work, "merged")
    for args in ([full], [b1, b2, "--out", merged]):
        p = analyze(*args)
        if p.returncode:
            sys.exit(f"FAIL: analyze {args}: {p.stderr}")
        print(p.stdout)
    for f in ("phase_diagram.csv", "scaling.csv"):
        x = open(os.path.join(full, "analysis", f)).read()
        y = open(os.path.join(merged, "analysis", f)).read()
        if x != y:
            sys.exit(f"FAIL: merged {f} differs from the single campaign's")
    sx = json.load(open(os.path.join(full, "analysis", "summary.json")))
    sy = json.load(open(os.path.join(merged, "analysis", "summary.json")))
    for k in ("counts", "axes", "seeds", "exponents"):
        if sx[k] != sy[k]:
            sys.exit(f"FAIL: summary.json '{k}' differs: {sx[k]} vs {sy[k]}")
    print("merged = single campaign: phase_diagram.csv, scaling.csv, summary.json counts/axes/seeds/exponents")
    if a.figures:
        check_figures(a.figures, merged, sx, sy)

    # Refusals, with the directories named.
    p = analyze(b1, b2)
    if p.returncode == 0 or "need --out" not in p.stderr:
        sys.exit(f"FAIL: two directories without --out: {p.stderr}")
    p = analyze(b1, full, "--out", merged)
    if p.returncode == 0 or f"seed 0 is in both {b1} and {full}" not in p.stderr:
        sys.exit(f"FAIL: overlapping seeds: {p.stderr}")
    other = os.path.join(a.work, "other")
    t = re.sub(r"^seeds: 3$", "seeds: [5]", text, flags=re.M)
    t = re.sub(r"epochs: (\d+)", lambda m: f"epochs: {int(m.group(1)) - 10}", t)
    open(os.path.join(a.work, "other.yaml"), "w").write(t)
    run(1, os.path.join(a.work, "other.yaml"), other)
    p = analyze(b1, other, "--out", merged)
    if p.returncode == 0 or "not seed blocks of one design" not in p.stderr:
        sys.exit(f"FAIL: different designs: {p.stderr}")
    print("refused: no --out; a shared seed; a different design")
    print("PASS")


def check_figures(figures, merged, single, summary):
    p = subprocess.run([sys.executable, figures, merged, "--formats", "png"], capture_output=True, text=True,
                       timeout=600)
    if p.returncode:
        sys.exit(f"FAIL: figures.py {merged}: {p.stderr[-2000:]}")
    for name in ("phase_diagram.png", "scaling.png"):
        if not os.path.getsize(os.path.join(merged, "analysis", "figures", name)):
            sys.exit(f"FAIL: figures.py wrote an empty {name}")
    if "merged analysis of 2 seed blocks" not in p.stderr or "memphase gather" in p.stderr:
        sys.exit(f"FAIL: figures.py on a merged directory must say so, not ask for a gather: {p.stderr}")
    sys.path.insert(0, os.path.dirname(os.path.abspath(figures)))
    import figures as fig
    if fig.campaign_title(summary) != "block1 + 1 more seed block(s), merged":
        sys.exit(f"FAIL: merged title {fig.campaign_title(summary)!r}")
    if fig.campaign_title(single) != "full":
        sys.exit(f"FAIL: single-campaign title {fig.campaign_title(single)!r}")
    print("figures.py: merged directory rendered, titled and explained")


if __name__ == "__main__":
    main()
