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
if the file has those markers, and the per-level table between
`<!-- repro-levels:begin -->` and `<!-- repro-levels:end -->` likewise.

The per-lr table is the evidence under each slope: for every lr of the
nopost run, the boundary delay T_c of each estimator (the points the
power law is fitted to; "skipped" where the class fraction never reaches the
skip threshold, "not fitted" where the fit failed), and, from the
phase_diagram.csv beside summary.json, the share of the lr's networks that
are unstable (class 3) and the share of its failures (classes 0 and 3) that
are unstable.

The per-level table asks whether the failure boundary HAS one exponent. The
estimators (and the synthetic study that validated them) assume that every
location of the failure transition scales as lr^(-1/β), so that its foot and
its midpoint give the same β. For each lr it gives the delay T_q where the
failure fraction (classes 0 and 3) reaches q = 0.1 (SPEC §3.7's skip
threshold), 0.25, 0.5 and 0.75, twice: from the binomial fit's own curve
f0 + (1 - f0) σ((ln T - ln T_c)/w) (scaling.csv beside summary.json: T_c, the
width w = 1/|rate| in ln T, the floor f0), and model-free, by linear
interpolation of the isotonic (pooled-adjacent-violators, weighted by
networks) regression of the failure fraction on delay (phase_diagram.csv).
Then the exponent of each level, fitted as analyze fits the binomial one (OLS
of ln T_q on ln lr). These are point estimates without a CI: descriptive
evidence, not a measurement; the measurements are the results table's.

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
LEVELS_BEGIN = "<!-- repro-levels:begin -->"
LEVELS_END = "<!-- repro-levels:end -->"
# Fixed in session 11 (after the 8- and 12-seed interim looks, before the
# 16-seed run was complete): SPEC §3.7's skip threshold and the quartiles.
LEVELS = (0.1, 0.25, 0.5, 0.75)
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


def read_beside(summary_path, name):
    """The rows of the CSV `name` that analyze wrote beside summary.json, or
    None if it is missing."""
    path = os.path.join(os.path.dirname(os.path.abspath(summary_path)), name)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return path, list(csv.DictReader(f))
    except OSError:
        return path, None


def phase_cells(summary_path):
    """Per lr (the CSV spells each lr once, so the float is an exact key): a
    list of (delay, networks done, failures of classes 0 and 3, unstable)
    sorted by delay; None if phase_diagram.csv is missing."""
    path, rows = read_beside(summary_path, "phase_diagram.csv")
    if rows is None:
        return None
    cells = {}
    try:
        for r in rows:
            cells.setdefault(float(r["lr"]), []).append(
                (float(r["delay"]), int(r["done"]), int(r["fail"]) + int(r["unstable"]), int(r["unstable"])))
    except (KeyError, ValueError) as err:
        sys.exit(f"repro_table.py: {path}: not a phase_diagram.csv of memphase analyze ({err})")
    return {lr: sorted(c) for lr, c in cells.items()}


def per_lr_totals(cells):
    """Per lr: (networks done, unstable, failures of classes 0 and 3) of
    phase_cells' result; None if phase_diagram.csv was missing."""
    if cells is None:
        return None
    return {lr: (sum(c[1] for c in cs), sum(c[3] for c in cs), sum(c[2] for c in cs)) for lr, cs in cells.items()}


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


def binomial_curves(summary_path):
    """Per lr: (T_c, w, f0, used) of the binomial LC fit from scaling.csv;
    None if the file is missing."""
    path, rows = read_beside(summary_path, "scaling.csv")
    if rows is None:
        return None
    curves = {}
    try:
        for r in rows:
            if r["fit"] != "beta_LC_binomial" or r["status"] != "ok" or float(r["rate"]) == 0:
                continue
            curves[float(r["x"])] = (float(r["threshold"]), 1.0 / abs(float(r["rate"])), float(r["level"] or 0),
                                     r["used"] == "1")
    except (KeyError, ValueError) as err:
        sys.exit(f"repro_table.py: {path}: not a scaling.csv of memphase analyze ({err})")
    return curves


def curve_level(curve, q):
    """The delay where f0 + (1 - f0) σ((ln T - ln T_c)/w) = q, or the reason
    there is none."""
    tc, w, f0, _ = curve
    if q <= f0:
        return "below floor"
    p = (q - f0) / (1.0 - f0)
    return tc * math.exp(w * math.log(p / (1.0 - p)))


def isotonic(ys, ws):
    """Pooled adjacent violators: the non-decreasing sequence nearest to ys in
    least squares weighted by ws (all > 0)."""
    blocks = []  # [mean, weight, cells]
    for y, w in zip(ys, ws):
        blocks.append([y, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            y2, w2, n2 = blocks.pop()
            y1, w1, n1 = blocks.pop()
            blocks.append([(y1 * w1 + y2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    return [y for y, _, n in blocks for _ in range(n)]


def isotonic_level(cells, q):
    """The first delay where the isotonic failure fraction reaches q,
    interpolated linearly between delays, or the reason there is none."""
    cells = [c for c in cells if c[1] > 0]
    g = isotonic([c[2] / c[1] for c in cells], [c[1] for c in cells])
    for i, gi in enumerate(g):
        if gi >= q:
            if i == 0:
                return f"≤ {cells[0][0]:.0f}"
            d0, d1 = cells[i - 1][0], cells[i][0]
            return d0 + (q - g[i - 1]) / (gi - g[i - 1]) * (d1 - d0)
    return "not reached"


def exponent_of(points):
    """(β, R², n) of ln T = s ln lr + c fitted by OLS (as analyze fits the
    binomial β: β = -1/s), over (lr, T) points; None below 2 points."""
    pts = [(math.log(lr), math.log(t)) for lr, t in points]
    n = len(pts)
    if n < 2:
        return None
    mx, my = sum(x for x, _ in pts) / n, sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    sxy = sum((x - mx) * (y - my) for x, y in pts)
    syy = sum((y - my) ** 2 for _, y in pts)
    if sxx == 0 or sxy == 0:
        return None
    return -sxx / sxy, sxy * sxy / (sxx * syy), n


def ms(v):
    return f"{v:.0f}" if isinstance(v, float) else v


def levels(curves, cells):
    """The per-level tables: T_q of every lr by the binomial curve and by the
    isotonic failure fraction, and the exponent of each level."""
    if curves is None and cells is None:
        return "n/a: neither scaling.csv nor phase_diagram.csv is beside summary.json\n"
    curves, cells = curves or {}, cells or {}
    titles = ["lr", "T_c binomial (ms)", "width w (ln T)", "floor f0"] + \
        [f"T at {q:g} (ms): curve / isotonic" for q in LEVELS]
    lines = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(titles)]
    fitted = {q: [] for q in LEVELS}
    free = {q: [] for q in LEVELS}
    for lr in sorted(set(curves) | set(cells), reverse=True):
        curve = curves.get(lr)
        row = [f"{lr:.4g}"] + (["n/a"] * 3 if curve is None else
                               [f"{curve[0]:.0f}", f"{curve[1]:.3f}", f"{curve[2]:.2f}"])
        for q in LEVELS:
            a = "n/a" if curve is None else curve_level(curve, q)
            b = "n/a" if lr not in cells else isotonic_level(cells[lr], q)
            if isinstance(a, float) and curve[3]:  # only the lrs analyze's fit used
                fitted[q].append((lr, a))
            if isinstance(b, float):
                free[q].append((lr, b))
            row.append(f"{ms(a)} / {ms(b)}")
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "| level q | β (binomial curve) | R² | lrs | β (isotonic) | R² | lrs |", "|---|---|---|---|---|---|---|"]
    for q in LEVELS:
        row = [f"{q:g}"]
        for pts in (fitted[q], free[q]):
            e = exponent_of(pts)
            row += [f"n/a ({len(pts)} lrs)", "", str(len(pts))] if e is None else [num(e[0]), num(e[1]), str(e[2])]
        lines.append("| " + " | ".join(row) + " |")
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
    cells = phase_cells(a.nopost)
    points = boundaries(nopost, per_lr_totals(cells))
    by_level = levels(binomial_curves(a.nopost), cells)
    if a.into is None:
        sys.stdout.write(tab + "\n" + points + "\n" + by_level)
        return 0
    with open(a.into, encoding="utf-8") as f:
        text = f.read()
    text = splice(text, tab, a.into)
    if POINTS_BEGIN in text:
        text = splice(text, points, a.into, POINTS_BEGIN, POINTS_END)
    if LEVELS_BEGIN in text:
        text = splice(text, by_level, a.into, LEVELS_BEGIN, LEVELS_END)
    with open(a.into, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
