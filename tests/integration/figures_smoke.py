"""Smoke test of analysis/figures.py: a campaign directory (given, or the tiny
campaign run here at np 2), `memphase analyze`, then the figure script; every
figure must exist as a valid, non-trivial PNG and a PDF.

  figures_smoke.py --memphase BIN --figures analysis/figures.py --dir DIR
                   [--run CAMPAIGN --mpiexec MPIEXEC --numproc-flag=-n --preflags=FLAGS]
"""
import argparse
import os
import shutil
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402

FIGURES = ("phase_diagram", "scaling", "curves_by_class", "psd_hist", "free_run")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memphase", required=True)
    ap.add_argument("--figures", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--run", help="campaign YAML to run into --dir first (fresh)")
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--numproc-flag", default="-n")
    ap.add_argument("--preflags", default="")
    a = ap.parse_args()
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if a.run:
        shutil.rmtree(a.dir, ignore_errors=True)
        subprocess.run([a.mpiexec, a.numproc_flag, "2"] + a.preflags.split() + [a.memphase, "run", a.run, "--out", a.dir],
                       env=env, check=True, timeout=600)
    shutil.rmtree(os.path.join(a.dir, "analysis"), ignore_errors=True)
    # The script refuses to run before analyze, with the reason.
    p = subprocess.run([sys.executable, a.figures, a.dir], capture_output=True, text=True)
    if p.returncode != 2 or "run `memphase analyze" not in p.stderr:
        raise SystemExit(f"FAIL: figures without analyze: exit {p.returncode}: {p.stderr}")
    subprocess.run([a.memphase, "analyze", a.dir, "--resamples", "200"], check=True, timeout=600)
    p = subprocess.run([sys.executable, a.figures, a.dir], capture_output=True, text=True, timeout=600)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0 or " failed: " in p.stderr:
        raise SystemExit(f"FAIL: figures.py exit {p.returncode} (a figure must not fail on this campaign)")
    out = os.path.join(a.dir, "analysis", "figures")
    for name in FIGURES:
        png, pdf = os.path.join(out, name + ".png"), os.path.join(out, name + ".pdf")
        img = mpimg.imread(png)
        h, w = img.shape[:2]
        if h < 300 or w < 500:
            raise SystemExit(f"FAIL: {png} is only {w}x{h}")
        if float(np.std(img[..., :3])) < 0.01:
            raise SystemExit(f"FAIL: {png} is blank")
        head = open(pdf, "rb").read(5)
        if head != b"%PDF-" or os.path.getsize(pdf) < 2000:
            raise SystemExit(f"FAIL: {pdf} is not a PDF of plausible size")
        print(f"ok {name}: {w}x{h} PNG, {os.path.getsize(pdf)} B PDF")
    print("PASS")


if __name__ == "__main__":
    main()
