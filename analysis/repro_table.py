#!/usr/bin/python3
"""The results table of docs/reproduction.md, from `memphase analyze`'s
summary.json files, so that the published rows are the analysis' own numbers
and not a hand copy.

  repro_table.py --nopost SUMMARY [--nomemory SUMMARY] [--post SUMMARY]
                 [--into docs/reproduction.md]

Without --into, prints the Markdown tables. With --into, replaces the table
between the lines `<!-- repro-table:begin -->` and `<!-- repro-table:end -->`
of that file (an error if the markers are missing), and the per-lr table
between `<!-- repro-boundaries:begin -->` and `<!-- repro-boundaries:end -->`
if the file has those markers.

The per-lr table is the evidence under each slope: for every lr of the
nopost run, the boundary delay T_c of each estimator (the points the
power law is fitted to; "skipped" where the class fraction never reaches the
skip threshold, "not fitted" where the fit failed), and, from the
phase_diagram.csv beside summary.json, the share of the lr's networks that
are unstable (class 3) and the share of its failures (classes 0 and 3) that
are unstable.

One row per exponent and estimator, in the order of the paper's table:
β_LC and β_SP of dcdt-nopost by the reference estimator (SPEC §3.7) and the
binomial one, γ of the no-memory task, β_LC with the post period. A row whose
summary was not given says "not run"; an exponent analyze could not fit says
why. The binomial β_LC carries the systematic uncertainty fixed by the
synthetic study before the reproduction ran (docs/boundary-study.md, "The
decision": its largest |bias| over the study's 24 settings on the
reproduction's grid, 0.22), printed next to its bootstrap CI.
"""
import argparse
import csv
import json
import math
import os
import sys

BEGIN = "<!-- repro-table:begin -->"
END = "<!-- repro-table:end -->"
POINTS_BEGIN = "<!-- repro-boundaries:begin -->"
POINTS_END = "<!-- repro-boundaries:end -->"
# docs/boundary-study.md, "The decision" (committed in b310437 before any
# result of the reproduction was looked at).
LC_BINOMIAL_SYSTEMATIC = 0.22

HEADER = ("| exponent | paper | estimator | memphase | bootstrap 95 % CI | bootstrap SE "
          "| OLS SE | R² | lrs kept | networks | seeds | resolved |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")

# (source, key in summary.json "exponents", row label, paper value)
ROWS = [
    ("nopost", "beta_LC", "β_LC (nopost)", "2.72 ± 0.07"),
    ("nopost", "beta_LC_binomial", "β_LC (nopost)", ""),
    ("nopost", "beta_SP", "β_SP (nopost)", "4.05 ± 0.10"),
    ("nopost", "beta_SP_binomial", "β_SP (nopost)", ""),
    ("nomemory", "gamma_nomem", "γ (no memory)", "0.384 ± 0.016"),
    ("post", "beta_LC", "β_LC (post)", "2.65 ± 0.23"),
    ("post", "beta_LC_binomial", "β_LC (post)", ""),
]


def num(v, digits=2):
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "n/a"
    return f"{v:.{digits}f}".replace("-", "−")


def estimator_name(key):
    return "binomial" if key.endswith("_binomial") else "reference"


def row(label, paper, key, summary):
    est = estimator_name(key)
    cells = [label, paper, est]
    if summary is None:
        return cells + ["not run"] + [""] * 8
    e = summary.get("exponents", {}).get(key)
    seeds = str(len(summary.get("seeds", [])))
    if e is None:
        return cells + ["not in this analysis"] + [""] * 6 + [seeds, "no"]
    if not e.get("ok"):
        return cells + [f"not fitted: {e.get('reason', '')}", "", "", "", "", str(e.get("n_points", "")),
                        str(e.get("networks", "")), seeds, "no"]
    value = num(e["estimate"])
    if key == "beta_LC_binomial":
        value += f" ± {LC_BINOMIAL_SYSTEMATIC:.2f} (syst.)"
    ci = f"[{num(e.get('ci_lo'))}, {num(e.get('ci_hi'))}]"
    if e.get("resolved"):
        resolved = "yes"
    else:
        resolved = "no: " + "; ".join(e.get("unresolved_because", []))
    return cells + [value, ci, num(e.get("boot_se")), num(e.get("ols_se")), num(e.get("r2")),
                    str(e.get("n_points", "")), str(e.get("networks", "")), seeds, resolved]


def table(summaries):
    lines = [HEADER]
    for source, key, label, paper in ROWS:
        if source == "post" and summaries.get("post") is None:
            continue  # the post campaign is optional (issue 14: "if time allows")
        cells = row(label, paper, key, summaries.get(source))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


# (key in summary.json "exponents", column title)
POINT_COLUMNS = [
    ("beta_LC", "T_c^LC reference (ms)"),
    ("beta_LC_binomial", "T_c^LC binomial (ms)"),
    ("beta_SP", "T_c^SP reference (ms)"),
    ("beta_SP_binomial", "T_c^SP binomial (ms)"),
]


def same_lr(a, b):
    return math.isclose(a, b, rel_tol=1e-9)


def boundary_cell(e, lr):
    if e is None:
        return "n/a"
    for p in e.get("points", []):
        if same_lr(p["lr"], lr):
            return f"{p['t']:.0f}"
    if any(same_lr(x, lr) for x in e.get("skipped", [])):
        return "skipped"
    for f in e.get("failed", []):
        if same_lr(f["lr"], lr):
            return "not fitted"
    return "n/a"


def read_phase_diagram(summary_path):
    """Per lr: (networks done, unstable, failures of classes 0 and 3); None if
    the phase_diagram.csv beside summary.json is missing."""
    path = os.path.join(os.path.dirname(os.path.abspath(summary_path)), "phase_diagram.csv")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return None
    per_lr = {}
    try:
        for r in rows:
            lr = float(r["lr"])  # one CSV spelling per lr, so the float is an exact key
            done, unstable, fail = per_lr.get(lr, (0, 0, 0))
            per_lr[lr] = (done + int(r["done"]), unstable + int(r["unstable"]),
                           fail + int(r["fail"]) + int(r["unstable"]))
    except (KeyError, ValueError) as err:
        sys.exit(f"repro_table.py: {path}: not a phase_diagram.csv of memphase analyze ({err})")
    return per_lr


def percent(k, n):
    return f"{100.0 * k / n:.1f} %" if n > 0 else "n/a"


def boundaries(summary, per_lr):
    """The per-lr table: the boundary delays the slopes are fitted to."""
    exps = summary.get("exponents", {})
    lrs = set()
    for key, _ in POINT_COLUMNS:
        e = exps.get(key) or {}
        lrs.update(p["lr"] for p in e.get("points", []))
        lrs.update(e.get("skipped", []))
        lrs.update(f["lr"] for f in e.get("failed", []))
    if per_lr:
        lrs.update(per_lr)
    distinct = []
    for lr in sorted(lrs, reverse=True):
        if not any(same_lr(lr, x) for x in distinct):
            distinct.append(lr)
    titles = ["lr"] + [t for _, t in POINT_COLUMNS] + ["networks", "unstable", "unstable share of failures"]
    lines = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(titles)]
    for lr in distinct:
        cells = [f"{lr:.4g}"] + [boundary_cell(exps.get(key), lr) for key, _ in POINT_COLUMNS]
        counts = None if per_lr is None else next((v for k, v in per_lr.items() if same_lr(k, lr)), None)
        if counts is None:
            cells += ["n/a", "n/a", "n/a"]
        else:
            done, unstable, fail = counts
            cells += [str(done), percent(unstable, done), percent(unstable, fail)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def splice(text, tab, path, begin=BEGIN, end=END):
    b, e = text.find(begin), text.find(end)
    if b < 0 or e < 0 or e < b:
        sys.exit(f"repro_table.py: {path}: no '{begin}' ... '{end}' block to replace")
    return text[:b + len(begin)] + "\n" + tab + text[e:]


def load(path):
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        sys.exit(f"repro_table.py: {path}: {err}")
    if "exponents" not in s or "memphase_analysis" not in s:
        sys.exit(f"repro_table.py: {path}: not a summary.json of memphase analyze (no 'exponents')")
    if not s.get("counts", {}).get("complete", False):
        c = s.get("counts", {})
        sys.exit(f"repro_table.py: {path}: the campaign is not complete ({c.get('done')}/{c.get('tasks')} "
                 "networks): docs/reproduction.md is filled from completed runs only")
    return s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nopost", required=True, help="summary.json of the dcdt-nopost reproduction")
    ap.add_argument("--nomemory", help="summary.json of the no-memory reproduction")
    ap.add_argument("--post", help="summary.json of the dcdt-post reproduction")
    ap.add_argument("--into", help="Markdown file whose marked table to replace")
    a = ap.parse_args(argv)
    nopost = load(a.nopost)
    tab = table({"nopost": nopost, "nomemory": load(a.nomemory), "post": load(a.post)})
    points = boundaries(nopost, read_phase_diagram(a.nopost))
    if a.into is None:
        sys.stdout.write(tab + "\n" + points)
        return 0
    with open(a.into, encoding="utf-8") as f:
        text = f.read()
    text = splice(text, tab, a.into)
    if POINTS_BEGIN in text:
        text = splice(text, points, a.into, POINTS_BEGIN, POINTS_END)
    with open(a.into, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
