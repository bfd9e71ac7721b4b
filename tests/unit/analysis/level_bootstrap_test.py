#!/usr/bin/python3
"""analysis/level_bootstrap.py on synthetic campaign.h5 files of known
failure transitions: a transition of one shape at every lr gives every level
the true β and difference intervals that hold 0; a transition that sharpens
as lr falls gives the levels' predicted, different β and difference
intervals that exclude 0; the point estimates are those of repro_table.py's
isotonic column; seed blocks are merged; an incomplete campaign, a seed in
two blocks and bad levels are refused with the file or value named.

  level_bootstrap_test.py REPO_ROOT
"""
import contextlib
import io
import json
import math
import os
import sys
import tempfile
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "analysis"))
import level_bootstrap  # noqa: E402
import repro_table  # noqa: E402

LRS = list(np.logspace(-0.5, -2.5, 7))
DELAYS = list(np.arange(10.0, 610.0, 10.0))
BETA = 3.0


def width_const(lr):
    return 0.3


def width_sharpening(lr):  # 0.6 at lr 0.316, 0.15 at lr 0.00316: linear in ln lr
    t = (math.log(lr) - math.log(LRS[0])) / (math.log(LRS[-1]) - math.log(LRS[0]))
    return 0.6 + t * (0.15 - 0.6)


def t_c(lr):
    return 60.0 * (lr / LRS[0]) ** (-1.0 / BETA)


def p_fail(lr, delay, width):
    return 1.0 / (1.0 + math.exp(-(math.log(delay) - math.log(t_c(lr))) / width(lr)))


def write_campaign(d, seeds, width, rng, done=True):
    os.makedirs(d, exist_ok=True)
    lr, delay, seed, cls = [], [], [], []
    for s in seeds:
        for x in LRS:
            for t in DELAYS:
                lr.append(x)
                delay.append(t)
                seed.append(s)
                # failures are class 0 or 3 (both count), successes LC or SP
                cls.append(rng.choice([0, 3]) if rng.random() < p_fail(x, t, width) else rng.choice([1, 2]))
    with h5py.File(os.path.join(d, "campaign.h5"), "w") as f:
        f["grid/lr"], f["grid/delay"], f["grid/seed"] = lr, delay, seed
        f["tasks/class"] = np.array(cls, dtype=np.int8)
        f["tasks/done"] = np.full(len(cls), 1 if done else 0, dtype=np.uint8)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = level_bootstrap.main([str(a) for a in args])
        except SystemExit as e:
            code = e.code
    return code, out.getvalue()


def expected_beta(width, q):
    """β of ln T_q = ln T_c + w(lr) logit(q) between the extreme lrs (exact
    for the model: both terms are linear in ln lr)."""
    def ln_tq(lr):
        return math.log(t_c(lr)) + width(lr) * math.log(q / (1 - q))
    return -(math.log(LRS[-1]) - math.log(LRS[0])) / (ln_tq(LRS[-1]) - ln_tq(LRS[0]))


class LevelBootstrap(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def analyse(self, width, seed=7):
        rng = np.random.default_rng(seed)
        a, b = os.path.join(self.tmp.name, "a"), os.path.join(self.tmp.name, "b")
        write_campaign(a, range(0, 24), width, rng)   # two seed blocks of one design
        write_campaign(b, range(24, 48), width, rng)
        out = os.path.join(self.tmp.name, "levels.json")
        code, table = run(a, b, "--resamples", 200, "--json", out)
        self.assertEqual(code, 0, table)
        self.assertIn("48 seeds", table)
        with open(out) as f:
            return json.load(f), (a, b)

    def test_one_shape_gives_one_exponent(self):
        data, _ = self.analyse(width_const)
        self.assertEqual(data["seeds"], 48)
        self.assertEqual(data["networks"], 48 * len(LRS) * len(DELAYS))
        for lv in data["levels"]:
            self.assertAlmostEqual(lv["beta"], BETA, delta=0.35, msg=lv)
            self.assertLess(lv["ci"][0], lv["beta"], lv)  # (one realisation: a level's CI need not hold β;
            self.assertGreater(lv["ci"][1], lv["beta"], lv)  # the differences' intervals are the claim)
            self.assertEqual(lv["failed_resamples"], 0, lv)
            if lv["q"] > 0.1:
                self.assertLessEqual(lv["diff_ci"][0], 0.0, lv)
                self.assertGreaterEqual(lv["diff_ci"][1], 0.0, lv)

    def test_a_sharpening_transition_gives_different_exponents(self):
        data, _ = self.analyse(width_sharpening)
        by_q = {lv["q"]: lv for lv in data["levels"]}
        for q, lv in by_q.items():
            self.assertAlmostEqual(lv["beta"], expected_beta(width_sharpening, q), delta=0.25 * lv["beta"], msg=lv)
        self.assertLess(by_q[0.1]["beta"], 2.3)
        self.assertGreater(by_q[0.75]["beta"], 3.8)
        for q in (0.5, 0.75):  # the differences from the 10 % level are resolved
            self.assertGreater(by_q[q]["diff_ci"][0], 0.0, by_q[q])

    def test_point_estimates_are_repro_tables_isotonic_column(self):
        data, (a, b) = self.analyse(width_sharpening, seed=3)
        lrs, delays, _, fails, n = level_bootstrap.read_counts([a, b])
        for lv in data["levels"]:
            pts = []
            for i, lr in enumerate(lrs):
                cells = [(d, int(n[i, j].sum()), int(fails[i, j].sum()), 0) for j, d in enumerate(delays)]
                pts.append((lr, repro_table.isotonic_level(cells, lv["q"])))
            self.assertTrue(all(isinstance(t, float) for _, t in pts), pts)
            self.assertAlmostEqual(lv["beta"], repro_table.exponent_of(pts)[0], places=9)

    def test_refusals(self):
        rng = np.random.default_rng(1)
        a, b, c = (os.path.join(self.tmp.name, x) for x in "abc")
        write_campaign(a, range(0, 4), width_const, rng)
        write_campaign(b, range(3, 6), width_const, rng)
        write_campaign(c, range(6, 8), width_const, rng, done=False)
        code, _ = run(a, b)
        self.assertIn(f"seed 3 is in both {a} and {b}", str(code))
        code, _ = run(a, c)
        self.assertIn(os.path.join(c, "campaign.h5"), str(code))
        self.assertIn("not done", str(code))
        code, _ = run(os.path.join(self.tmp.name, "missing"))
        self.assertIn("does not exist", str(code))
        for bad in ("0.5,0.1", "0.1,1.5", "x"):
            code, _ = run(a, "--levels", bad)
            self.assertIn(f"--levels {bad!r}", str(code))

    def test_into_splices_the_marked_block(self):
        rng = np.random.default_rng(2)
        a = os.path.join(self.tmp.name, "a")
        write_campaign(a, range(0, 6), width_const, rng)
        md = os.path.join(self.tmp.name, "doc.md")
        with open(md, "w") as f:
            f.write(f"before\n{level_bootstrap.BEGIN}\nold\n{level_bootstrap.END}\nafter\n")
        code, _ = run(a, "--resamples", 20, "--into", md)
        self.assertEqual(code, 0)
        text = open(md).read()
        self.assertNotIn("old", text)
        self.assertIn("| level q |", text)
        self.assertTrue(text.startswith("before\n") and text.endswith(f"{level_bootstrap.END}\nafter\n"))
        with open(md, "w") as f:
            f.write("no markers\n")
        code, _ = run(a, "--resamples", 20, "--into", md)
        self.assertIn("no '<!-- repro-level-ci:begin -->'", str(code))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
