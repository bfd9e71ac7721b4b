#!/usr/bin/python3
"""The results table of docs/reproduction.md, from `memphase analyze`'s
summary.json files, so that the published rows are the analysis' own numbers
and not a hand copy.

  repro_table.py --nopost SUMMARY [--nomemory SUMMARY] [--post SUMMARY]
                 [--into docs/reproduction.md]

Without --into, prints the Markdown table. With --into, replaces the table
between the lines `<!-- repro-table:begin -->` and `<!-- repro-table:end -->`
of that file (an error if the markers are missing).

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
import json
import math
import sys

BEGIN = "<!-- repro-table:begin -->"
END = "<!-- repro-table:end -->"
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


def splice(text, tab, path):
    b, e = text.find(BEGIN), text.find(END)
    if b < 0 or e < 0 or e < b:
        sys.exit(f"repro_table.py: {path}: no '{BEGIN}' ... '{END}' block to replace")
    return text[:b + len(BEGIN)] + "\n" + tab + text[e:]


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
    tab = table({"nopost": load(a.nopost), "nomemory": load(a.nomemory), "post": load(a.post)})
    if a.into is None:
        sys.stdout.write(tab)
        return 0
    with open(a.into, encoding="utf-8") as f:
        text = f.read()
    with open(a.into, "w", encoding="utf-8") as f:
        f.write(splice(text, tab, a.into))
    return 0


if __name__ == "__main__":
    sys.exit(main())
