#!/usr/bin/python3
"""analysis/repro_table.py: the rows of docs/reproduction.md come from
summary.json as analyze wrote it; an incomplete run or a file without the
markers is refused; the per-lr table carries each estimator's boundary
delays and the unstable shares of phase_diagram.csv; the per-level table
finds each level of the failure transition on the binomial curve of
scaling.csv and on the isotonic failure fraction, with each level's exponent.

  repro_table_test.py REPO_ROOT
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "analysis"))
import repro_table  # noqa: E402


def exponent(estimate, resolved, reasons=(), ok=True, reason=""):
    return {"ok": ok, "reason": reason, "estimate": estimate if ok else None, "ci_lo": estimate - 0.1 if ok else None,
            "ci_hi": estimate + 0.2 if ok else None, "boot_se": 0.075, "ols_se": 0.05, "r2": 0.987,
            "n_points": 9, "networks": 4320, "resolved": resolved, "unresolved_because": list(reasons)}


def summary(complete=True):
    return {"memphase_analysis": 1, "seeds": list(range(16)),
            "counts": {"tasks": 4320, "done": 4320 if complete else 1000, "complete": complete},
            "exponents": {
                "beta_LC": exponent(1.5, False, ["12.0 % of the networks are unstable (> 5 %)", "R² 0.50 < 0.8"]),
                "beta_LC_binomial": exponent(2.7, True),
                "beta_SP": exponent(3.0, False, ["never resolved"]),
                "beta_SP_binomial": exponent(-4.05, True),
            }}


def write(d, name, obj):
    p = os.path.join(d, name)
    with open(p, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    return p


def rows(text):
    """The body rows of the first Markdown table in text."""
    body = []
    for line in text.splitlines()[2:]:
        if not line.startswith("|"):
            break
        body.append([c.strip() for c in line.strip("|").split(" | ")])
    return body


def second_table(text):
    return text[text.index("\n\n") + 2:]


PHASE_DIAGRAM = """lr,delay,seeds,done,missing,fail,lc,sp,unstable,diverged,aborted,frac_fail,frac_lc,frac_sp,frac_unstable,learned,frac_learned
0.1,0,4,4,0,0,0,4,0,0,0,0,0,1,0,4,1
0.1,100,4,4,0,1,1,1,1,0,0,0.5,0.25,0.25,0.25,2,0.5
0.01,0,4,4,0,0,0,4,0,0,0,0,0,1,0,4,1
0.01,100,4,4,0,0,3,0,1,0,0,0.25,0.75,0,0.25,3,0.75
0.001,0,4,4,0,0,0,4,0,0,0,0,0,1,0,4,1
0.001,100,4,4,0,0,4,0,0,0,0,0,1,0,0,4,1
"""


# LC binomial curves: lr 0.1 (T_c 100 ms, w 0.5, no floor), lr 0.01 (T_c 300
# ms, w 0.25, floor 0.2); the skipped lr and the SP row must be ignored.
SCALING = """fit,estimator,x_name,x,status,threshold,rate,sse,level,used,reason
beta_LC_binomial,binomial,lr,0.1,ok,100,2,1.5,0,1,
beta_LC_binomial,binomial,lr,0.01,ok,300,4,2.5,0.2,1,
beta_LC_binomial,binomial,lr,0.001,skipped,,,,,0,
beta_SP_binomial,binomial,lr,0.1,ok,50,-3,1.0,0.9,1,
"""


def with_points(s):
    """Boundary points for lrs 0.1 and 0.01; 0.001 skipped by the LC fits and
    not fitted by the SP ones."""
    for key, e in s["exponents"].items():
        lc = key.startswith("beta_LC")
        e["points"] = [{"t": 140.4 if lc else 45.6, "lr": 0.1}, {"t": 300.0 if lc else 80.2, "lr": 0.01}]
        e["skipped"] = [0.001] if lc else []
        e["failed"] = [] if lc else [{"lr": 0.001, "reason": "no crossing"}]
    return s


class ReproTable(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def run_main(self, args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = repro_table.main(args)
        return rc, out.getvalue()

    def test_rows_are_the_summary_numbers(self):
        nomem = summary()
        nomem["exponents"] = {"gamma_nomem": exponent(0.39, True)}
        rc, out = self.run_main(["--nopost", write(self.d, "s.json", summary()),
                                 "--nomemory", write(self.d, "n.json", nomem)])
        self.assertEqual(rc, 0)
        r = rows(out)
        self.assertEqual(len(r), 5)  # no post row unless a post summary is given
        for cells in r:
            self.assertEqual(len(cells), 12, cells)
        lc_ref, lc_bin, sp_ref, sp_bin, gamma = r
        self.assertEqual(lc_ref[:4], ["β_LC (nopost)", "2.72 ± 0.07", "reference", "1.50"])
        self.assertEqual(lc_ref[4], "[1.40, 1.70]")
        self.assertTrue(lc_ref[11].startswith("no: 12.0 % of the networks are unstable"), lc_ref[11])
        self.assertIn("; R² 0.50 < 0.8", lc_ref[11])
        self.assertEqual(lc_bin[2:4], ["binomial", "2.70 ± 0.22 (syst.)"])
        self.assertEqual(lc_bin[11], "yes")
        self.assertEqual(sp_bin[3], "−4.05")  # a minus sign, as the other docs tables
        self.assertEqual(sp_bin[5:11], ["0.07", "0.05", "0.99", "9", "4320", "16"])
        self.assertEqual(gamma[:4], ["γ (no memory)", "0.384 ± 0.016", "reference", "0.39"])

    def test_missing_campaigns_and_unfitted_exponents_say_so(self):
        s = summary()
        s["exponents"]["beta_SP_binomial"] = exponent(0, False, ok=False, reason="only 1 lr(s) kept; need >= 2")
        rc, out = self.run_main(["--nopost", write(self.d, "s.json", s)])
        r = rows(out)
        self.assertEqual(r[3][3], "not fitted: only 1 lr(s) kept; need >= 2")
        self.assertEqual(r[3][11], "no")
        self.assertEqual(r[4][3], "not run")

    def test_boundaries_are_the_points_and_the_phase_diagram_shares(self):
        p = write(self.d, "summary.json", with_points(summary()))
        with open(os.path.join(self.d, "phase_diagram.csv"), "w", encoding="utf-8") as f:
            f.write(PHASE_DIAGRAM)
        rc, out = self.run_main(["--nopost", p])
        self.assertEqual(rc, 0)
        b = rows(second_table(out))
        self.assertEqual(b[0], ["0.1", "140", "140", "46", "46", "8", "12.5 %", "50.0 %"])
        self.assertEqual(b[1], ["0.01", "300", "300", "80", "80", "8", "12.5 %", "100.0 %"])
        self.assertEqual(b[2], ["0.001", "skipped", "skipped", "not fitted", "not fitted", "8", "0.0 %", "n/a"])
        os.remove(os.path.join(self.d, "phase_diagram.csv"))  # without it, the counts say n/a
        rc, out = self.run_main(["--nopost", p])
        self.assertEqual(rows(second_table(out))[0][5:], ["n/a", "n/a", "n/a"])

    def test_levels_on_the_curve_and_the_isotonic_fraction(self):
        p = write(self.d, "summary.json", with_points(summary()))
        with open(os.path.join(self.d, "phase_diagram.csv"), "w", encoding="utf-8") as f:
            f.write(PHASE_DIAGRAM)
        with open(os.path.join(self.d, "scaling.csv"), "w", encoding="utf-8") as f:
            f.write(SCALING)
        rc, out = self.run_main(["--nopost", p])
        self.assertEqual(rc, 0)
        per_lr = out[out.index("| lr | T_c binomial"):]
        r = rows(per_lr)
        # lr 0.1: T_q = 100 ms * (q/(1-q))^0.5; the isotonic fraction is 0 at
        # 0 ms and 0.5 at 100 ms, so it reaches q at 200 q ms.
        self.assertEqual(r[0], ["0.1", "100", "0.500", "0.00", "33 / 20", "58 / 50", "100 / 100", "173 / not reached"])
        # lr 0.01: the floor 0.2 hides the 0.1 level; 0.25 = 0.2 + 0.8 σ(ln(1/15)).
        self.assertEqual(r[1], ["0.01", "300", "0.250", "0.20", "below floor / 40", "152 / 100",
                                "264 / not reached", "365 / not reached"])
        self.assertEqual(r[2], ["0.001", "n/a", "n/a", "n/a", "n/a / not reached", "n/a / not reached",
                                "n/a / not reached", "n/a / not reached"])
        slopes = rows(per_lr[per_lr.index("| level q"):])
        # q 0.1: the curve has one lr; the isotonic levels 20 and 40 ms over a
        # decade give β = ln 10 / ln 2.
        self.assertEqual(slopes[0], ["0.1", "n/a (1 lrs)", "", "1", "3.32", "1.00", "2"])
        # q 0.5: 100 and 264 ms on the curves: β = ln 10 / ln 2.640.
        self.assertEqual(slopes[2], ["0.5", "2.37", "1.00", "2", "n/a (1 lrs)", "", "1"])

    def test_isotonic_pools_violators_and_a_level_below_the_first_delay(self):
        for ys, ws, want in (([0, 0.5, 0.2, 1], [1, 1, 1, 1], [0, 0.35, 0.35, 1]),
                             ([0.6, 0.2], [1, 3], [0.3, 0.3]),  # weighted: (0.6 + 3 * 0.2) / 4
                             ([0.9, 0.5, 0.1], [1, 1, 1], [0.5, 0.5, 0.5])):
            got = repro_table.isotonic(ys, ws)
            self.assertEqual(len(got), len(want))
            for g, w in zip(got, want):
                self.assertAlmostEqual(g, w)
        cells = [(0.0, 4, 1, 0), (50.0, 0, 0, 0), (100.0, 4, 4, 0)]  # an empty cell does not count
        self.assertEqual(repro_table.isotonic_level(cells, 0.2), "≤ 0")
        self.assertAlmostEqual(repro_table.isotonic_level(cells, 0.625), 50.0)

    def test_level_exponent_regresses_ln_T_on_ln_lr(self):
        # as analyze fits the binomial β (noisy on exact): -1/slope of ln T on
        # ln lr is 2.861 here; the reverse regression would give 2.740.
        beta, r2, n = repro_table.exponent_of([(0.1, 100.0), (0.01, 300.0), (0.001, 500.0)])
        self.assertAlmostEqual(beta, 2.8613531, places=6)
        self.assertAlmostEqual(r2, 0.9574325, places=6)
        self.assertEqual(n, 3)
        self.assertIsNone(repro_table.exponent_of([(0.1, 100.0)]))

    def test_incomplete_run_is_refused(self):
        p = write(self.d, "s.json", summary(complete=False))
        with self.assertRaises(SystemExit) as e:
            self.run_main(["--nopost", p])
        self.assertIn("1000/4320", str(e.exception.code))
        self.assertIn(p, str(e.exception.code))

    def test_into_replaces_only_the_marked_block(self):
        md = os.path.join(self.d, "r.md")
        def into(before, s):
            with open(md, "w", encoding="utf-8") as f:
                f.write(before)
            self.run_main(["--nopost", write(self.d, "s.json", s), "--into", md])
            with open(md, encoding="utf-8") as f:
                return f.read()

        text = into(f"before\n{repro_table.BEGIN}\nold table\n{repro_table.END}\nafter\n", summary())
        self.assertTrue(text.startswith(f"before\n{repro_table.BEGIN}\n| exponent |"))
        self.assertTrue(text.endswith(f"{repro_table.END}\nafter\n"))
        self.assertNotIn("old table", text)
        # the per-lr block is replaced when it is there
        text = into(f"{repro_table.BEGIN}\n{repro_table.END}\nmid\n"
                    f"{repro_table.POINTS_BEGIN}\nold points\n{repro_table.POINTS_END}\nend\n", with_points(summary()))
        self.assertIn(f"mid\n{repro_table.POINTS_BEGIN}\n| lr | T_c^LC reference (ms) |", text)
        self.assertTrue(text.endswith(f"{repro_table.POINTS_END}\nend\n"))
        self.assertNotIn("old points", text)
        # and so is the per-level block
        text = into(f"{repro_table.BEGIN}\n{repro_table.END}\n"
                    f"{repro_table.LEVELS_BEGIN}\nold levels\n{repro_table.LEVELS_END}\nend\n", with_points(summary()))
        self.assertIn(f"{repro_table.LEVELS_BEGIN}\nn/a: neither scaling.csv nor phase_diagram.csv", text)
        self.assertTrue(text.endswith(f"{repro_table.LEVELS_END}\nend\n"))
        with open(md, "w", encoding="utf-8") as f:
            f.write("no markers\n")
        with self.assertRaises(SystemExit) as e:
            self.run_main(["--nopost", write(self.d, "s.json", summary()), "--into", md])
        self.assertIn("repro-table:begin", str(e.exception.code))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
