#!/usr/bin/env python3
"""Issue 7 cross-check on the README's quick campaign: `memphase analyze DIR
--lyapunov` computes the largest Lyapunov exponent of every LC and SP
network's free run. An LC network (limit cycle) must have λ1 ≈ 0 and an SP
network (stable point) λ1 < 0: the medians must say so, and at least 80 % of
each class must agree (the rest sit near the PSD threshold ρ = 0.5).

  lyapunov_check.py --memphase BIN --dir DIR
"""
import argparse
import csv
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memphase", required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    p = subprocess.run([a.memphase, "analyze", a.dir, "--lyapunov", "--resamples", "200"],
                       capture_output=True, text=True, timeout=600)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: analyze --lyapunov exit {p.returncode}: {p.stderr}")
    out = os.path.join(a.dir, "analysis")
    with open(os.path.join(out, "summary.json")) as fh:
        s = json.load(fh)
    ly = s["lyapunov"]
    counts = s["counts"]
    with open(os.path.join(out, "lyapunov.csv")) as fh:
        rows = list(csv.DictReader(fh))
    fails = []
    if len(rows) != counts["lc"] + counts["sp"]:
        fails.append(f"lyapunov.csv has {len(rows)} rows, expected LC + SP = {counts['lc'] + counts['sp']}")
    if ly["LC"]["n"] != counts["lc"] or ly["SP"]["n"] != counts["sp"]:
        fails.append(f"summary counts {ly['LC']['n']}/{ly['SP']['n']} vs classes {counts['lc']}/{counts['sp']}")
    if not abs(ly["LC"]["median"]) <= 1e-3:
        fails.append(f"LC median λ1 = {ly['LC']['median']} (expected |λ1| <= 1e-3)")
    if not ly["SP"]["median"] < -1e-2:
        fails.append(f"SP median λ1 = {ly['SP']['median']} (expected < -0.01)")
    for cls in ("LC", "SP"):
        if ly[cls]["n"] == 0 or ly[cls]["agree"] < 0.8 * ly[cls]["n"]:
            fails.append(f"{cls}: {ly[cls]['agree']} of {ly[cls]['n']} agree with the class")
    if fails:
        raise SystemExit("FAIL:\n  " + "\n  ".join(fails))
    print(f"ok: LC λ1 median {ly['LC']['median']:.2e} ({ly['LC']['agree']}/{ly['LC']['n']} ≈ 0), "
          f"SP median {ly['SP']['median']:.3f} ({ly['SP']['agree']}/{ly['SP']['n']} < 0)")


if __name__ == "__main__":
    main()
