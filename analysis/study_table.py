#!/usr/bin/python3
"""The table of the synthetic boundary study (docs/boundary-study.md) from the
per-setting CSVs of tests/study/boundary_study.cpp, with the "resolved"
columns under either set of rules.

  study_table.py CSV ... [--rules precision|estimator] [--md OUT]

`precision`: the CSV's own `resolved` column (ResolutionRules' precision
rules as the study binary applied them). `estimator`: the same AND the
estimator rules of src/stats/fit.hpp (estimator_caveats): the reference β_SP
is never resolved; the reference β_LC is not resolved when more than 5 % of
the networks are unstable. In the study's designs the unstable share is a
property of the floor (none: 0; flat: the floor level 15 %; varying: about
2/3 of it, 10 %; both far above 5 % at every seed count, see
tests/unit/analysis/fit_test.cpp Resolution.EstimatorRulesOfTheSyntheticStudy),
so that rule is "floor != none". The numbers are those of the study binary's
own Markdown (bias, SD, RMSE, coverage, median CI width: same definitions).
"""
import argparse
import csv
import math
import sys


def quantile_sorted(v, q):
    # the linear interpolation of src/stats/bootstrap.hpp quantile_sorted
    if not v:
        return math.nan
    h = (len(v) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def num(v):
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.2f}".replace("-", "−")


def resolved(row, rules):
    ok = row["resolved"] == "1"
    if rules == "estimator" and row["estimator"] == "reference":
        if row["boundary"] == "SP":
            ok = False
        elif row["floor"] != "none":
            ok = False
    return ok


def summarize(rows, rules):
    n = len(rows)
    err, widths, rerr = [], [], []
    covered = res = res_cov = ok = 0
    for r in rows:
        if r["ok"] != "1":
            continue
        ok += 1
        e = float(r["estimate"]) - float(r["truth"])
        err.append(e)
        w = float(r["ci_hi"]) - float(r["ci_lo"])
        if math.isfinite(w):
            widths.append(w)
        c = r["covered"] == "1"
        covered += c
        if resolved(r, rules):
            res += 1
            res_cov += c
            rerr.append(e)
    mean = lambda v: sum(v) / len(v) if v else math.nan
    rms = lambda v: math.sqrt(sum(x * x for x in v) / len(v)) if v else math.nan
    bias = mean(err)
    sd = math.sqrt(sum((x - bias) ** 2 for x in err) / (len(err) - 1)) if len(err) >= 2 else math.nan
    return dict(n=n, ok=ok, bias=bias, sd=sd, rmse=rms(err), cov=covered / n if ok else math.nan,
                width=quantile_sorted(sorted(widths), 0.5), res=res, rbias=mean(rerr), rrmse=rms(rerr),
                rcov=res_cov / res if res else math.nan)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+")
    ap.add_argument("--rules", choices=["precision", "estimator"], default="estimator")
    ap.add_argument("--md", default="")
    a = ap.parse_args()
    groups = {}
    for path in a.csv:
        with open(path) as f:
            for r in csv.DictReader(f):
                key = (r["boundary"], r["shapes"], r["floor"], int(r["seeds"]), r["estimator"])
                groups.setdefault(key, []).append(r)
    shape_order = {"exp_saturation+logistic": 0, "lognormal+ramp": 1}
    floor_order = {"none": 0, "flat": 1, "varying": 2}
    keys = sorted(groups, key=lambda k: (shape_order.get(k[1], 9), floor_order.get(k[2], 9), k[3], k[0], k[4]))
    out = ["| boundary | shapes | floor | seeds | estimator | fitted | bias | SD | RMSE | coverage | "
           "median CI width | resolved | bias (resolved) | RMSE (resolved) | coverage (resolved) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    names = {"exp_saturation+logistic": "paper", "lognormal+ramp": "foreign"}
    for k in keys:
        s = summarize(groups[k], a.rules)
        truth = "2.72" if k[0] == "LC" else "4.05"
        out.append(f"| β_{k[0]} ({truth}) | {names.get(k[1], k[1])} | {k[2]} | {k[3]} | {k[4]} | "
                   f"{s['ok']}/{s['n']} | {num(s['bias'])} | {num(s['sd'])} | {num(s['rmse'])} | "
                   f"{num(s['cov'])} | {num(s['width'])} | {s['res']}/{s['n']} | {num(s['rbias'])} | "
                   f"{num(s['rrmse'])} | {num(s['rcov'])} |")
    text = "\n".join(out) + "\n"
    if a.md:
        open(a.md, "w").write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
