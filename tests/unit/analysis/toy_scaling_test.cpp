// α_max of a toy campaign grid (grid logic + bisection refinement) and the
// exponent fit (analysis/toy_scaling.hpp), and the toy task that a campaign
// runs (analysis/toy_task.hpp).
#include "families/toy/toy_scaling.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "families/toy/toy_task.hpp"
#include "config/campaign.hpp"
#include "families/toy/family.hpp"
#include "support/spec_access.hpp"
#include "families/toy/config.hpp"

namespace memphase {
namespace {

/// 10**linspace(a, b, n)
std::vector<double> logspace(double a, double b, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(std::pow(10.0, a + (b - a) * i / (n - 1)));
  return v;
}

/// A toy spec as a campaign of family toy-ghost / toy-cycle builds it.
TaskSpec toy_spec(ToyModel kind, double delay, double ratio, std::uint64_t seed) {
  TaskSpec s = toy::family().make(kind == ToyModel::ghost ? "toy-ghost" : "toy-cycle");
  toy::config(s).toy.kind = kind;
  toy::config(s).toy.loss = ToyGhostLoss::normalized;  // ghost: seed 000's loss; the cycle's only loss
  toy::config(s).toy.response_ratio = ratio;
  sec(s).task.delay = delay;
  sec(s).task.response = 10.0;
  sec(s).train.momentum = 0.0;
  sec(s).train.weight_decay = 0.0;
  sec(s).train.seed = seed;
  return s;
}

/// The campaign grid filled by run_toy_task (what /tasks/learned holds).
ToyGrid run_grid(ToyModel kind, double ratio, std::vector<double> delays, std::vector<double> alphas,
                 std::size_t n_seeds) {
  ToyGrid g;
  g.delays = std::move(delays);
  g.alphas = std::move(alphas);
  g.n_seeds = n_seeds;
  for (double d : g.delays)
    for (double a : g.alphas)
      for (std::size_t s = 0; s < n_seeds; ++s) {
        TaskSpec spec = toy_spec(kind, d, ratio, s);
        sec(spec).train.lr = a;
        g.learned.push_back(run_toy_task(spec).cls.learned ? 1 : 0);
      }
  return g;
}

// ---------------------------------------------------------------- toy task --

TEST(ToyTask, ReportsLearningLikeATrainedNetwork) {
  TaskSpec s = toy_spec(ToyModel::ghost, 100.0, 1.0, 3);
  const ToyProblem p = toy_problem(s);
  EXPECT_EQ(p.kind, ToyKind::ghost);
  EXPECT_EQ(p.ghost.t_resp, 100.0);  // response_ratio 1
  EXPECT_EQ(p.ghost.loss, GhostLoss::normalized);
  EXPECT_EQ(p.eps, toy_r0_jitter(3, 0.1));
  AlphaMaxOptions opt;
  opt.gd = toy_gd_options(s);
  const AlphaMax am = toy_alpha_max(p, opt);
  ASSERT_TRUE(am.ok);

  sec(s).train.lr = 0.5 * am.alpha;
  TaskResult r = run_toy_task(s);
  EXPECT_EQ(r.status, Status::done);
  EXPECT_TRUE(r.cls.learned);
  EXPECT_EQ(r.cls.net_class, NetClass::sp);
  EXPECT_TRUE(std::isnan(r.cls.psd_ratio));
  EXPECT_EQ(r.epochs_planned, toy::config(s).toy.max_steps);
  EXPECT_GT(r.epochs_run, toy::config(s).toy.settle_steps);
  EXPECT_EQ(r.initial.W_rec.size(), 0);
  EXPECT_EQ(r.final.W_rec.size(), 0);
  EXPECT_EQ(r.curves.size(), 0u);
  EXPECT_EQ(task_key(r.spec), task_key(s));
  EXPECT_TRUE(toy_task_learns(s, 0.5 * am.alpha));

  sec(s).train.lr = 2.0 * am.alpha;
  r = run_toy_task(s);
  EXPECT_FALSE(r.cls.learned);
  EXPECT_EQ(r.cls.net_class, NetClass::fail);
  EXPECT_FALSE(toy_task_learns(s, 2.0 * am.alpha));

  TaskSpec c = toy_spec(ToyModel::cycle, 100.0, 0.0, 0);
  sec(c).train.lr = 1e-7;
  EXPECT_EQ(toy_problem(c).cycle.t_resp, 10.0);
  r = run_toy_task(c);
  EXPECT_TRUE(r.cls.learned);
  EXPECT_EQ(r.cls.net_class, NetClass::lc);
}

TEST(ToyTask, FiniteConfidenceUsesTheNumericLoss) {
  TaskSpec s = toy_spec(ToyModel::ghost, 100.0, 1.0, 0);
  toy::config(s).toy.loss = ToyGhostLoss::raw;
  toy::config(s).toy.r0_jitter = 0.0;
  toy::config(s).toy.confidence = 1.0;
  toy::config(s).toy.max_steps = 20000;
  toy::config(s).toy.settle_steps = 500;
  sec(s).train.lr = 0.3 * ghost_alpha_star(100.0);
  GhostNumeric num;
  GdOptions gd = toy_gd_options(s);
  const GdResult ref = ghost_numeric_descend(ghost_spec_task(100.0), num, ghost_r0(ghost_spec_task(100.0)), gd);
  const TaskResult r = run_toy_task(s);
  EXPECT_EQ(r.epochs_run, ref.steps);
  EXPECT_EQ(r.cls.learned, ref.status == GdStatus::learned);
  EXPECT_TRUE(r.cls.learned);
}

// ------------------------------------------------------------- grid logic --

TEST(ToyAlphaMaxGrid, TopOfTheFirstLearnedRun) {
  ToyGrid g;
  g.delays = {10, 20, 30, 40, 50};
  g.alphas = {1, 2, 3, 4, 5, 6};
  g.n_seeds = 1;
  g.learned = {0, 1, 1, 0, 1, 0,    // too slow, learned band, non-monotone above: α_max 3
               0, 0, 0, 0, 0, 0,    // none learned
               0, 0, 1, 1, 1, 1,    // learned up to the top: all_learned
               1, 1, -1, 0, 0, 0,   // a task not done
               1, 0, 0, 0, 0, 1};   // isolated learning far above: α_max 1
  const auto cells = toy_alpha_max_grid(g, ToyLearns{}, AlphaMaxOptions{});
  ASSERT_EQ(cells.size(), 5u);
  EXPECT_EQ(cells[0].status, ToyCellStatus::ok);
  EXPECT_EQ(cells[0].alpha, 3.0);
  EXPECT_EQ(cells[0].alpha_hi, 4.0);
  EXPECT_FALSE(cells[0].refined);
  EXPECT_EQ(cells[1].status, ToyCellStatus::none_learned);
  EXPECT_EQ(cells[2].status, ToyCellStatus::all_learned);
  EXPECT_EQ(cells[2].alpha, 6.0);
  EXPECT_EQ(cells[3].status, ToyCellStatus::missing);
  EXPECT_EQ(cells[4].status, ToyCellStatus::ok);
  EXPECT_EQ(cells[4].alpha, 1.0);
  EXPECT_EQ(cells[4].alpha_hi, 2.0);

  // A predicate refines between alpha and alpha_hi: threshold 3.7 here.
  int calls = 0;
  AlphaMaxOptions opt;
  opt.scan_step = 0.0;  // monotone predicate: bisection only
  const auto refined = toy_alpha_max_grid(
      g, [&](std::size_t d, std::size_t, double a) { ++calls; return d == 0 ? a <= 3.7 : a <= 1.3; }, opt);
  EXPECT_TRUE(refined[0].refined);
  EXPECT_NEAR(refined[0].alpha, 3.7, 3.7 * 2e-6);
  EXPECT_GT(refined[0].alpha_hi, 3.7);
  EXPECT_NEAR(refined[4].alpha, 1.3, 1.3 * 2e-6);
  EXPECT_FALSE(refined[2].refined);  // all_learned: nothing to refine
  EXPECT_EQ(calls, refined[0].evaluations + refined[4].evaluations);

  // Wrong sizes or unsorted α: every cell missing.
  ToyGrid bad = g;
  std::swap(bad.alphas[0], bad.alphas[1]);
  for (const auto& c : toy_alpha_max_grid(bad, ToyLearns{}, opt)) EXPECT_EQ(c.status, ToyCellStatus::missing);
}

TEST(ToyAlphaMaxGrid, ExponentIsTheSlopeOfSeedGeometricMeans) {
  // Synthetic α_max = 2 T^-3 · (1 + 0.1 seed): exponent exactly 3.
  ToyGrid g;
  g.delays = {10, 100, 1000, 5};
  g.alphas = {1.0};
  g.n_seeds = 3;
  g.learned.assign(g.delays.size() * g.n_seeds, 1);
  std::vector<ToyAlphaMaxCell> cells(g.delays.size() * g.n_seeds);
  for (std::size_t d = 0; d < g.delays.size(); ++d)
    for (std::size_t s = 0; s < g.n_seeds; ++s) {
      auto& c = cells[d * g.n_seeds + s];
      c.status = d == 3 ? ToyCellStatus::none_learned : ToyCellStatus::ok;  // delay 5 left out
      c.alpha = 2.0 * std::pow(g.delays[d], -3.0) * (1.0 + 0.1 * double(s));
    }
  const std::vector<std::size_t> seeds = {0, 2, 2};
  const ExponentFit f = toy_exponent(g, cells, seeds);
  ASSERT_TRUE(f.ok) << f.reason;
  EXPECT_NEAR(f.exponent(), 3.0, 1e-12);
  ASSERT_EQ(f.points.size(), 3u);
  EXPECT_NEAR(f.points[0].lr, 2e-3 * std::cbrt(1.0 * 1.2 * 1.2), 1e-15);
  EXPECT_EQ(f.networks, 9u);  // 3 delays × 3 listed seeds × 1 α
  cells[0].status = ToyCellStatus::missing;
  cells[1].status = ToyCellStatus::missing;
  cells[2].status = ToyCellStatus::missing;
  cells[3].status = ToyCellStatus::missing;
  cells[4].status = ToyCellStatus::missing;
  cells[5].status = ToyCellStatus::missing;
  EXPECT_FALSE(toy_exponent(g, cells, seeds).ok);  // one delay left: no fit
}

// --------------------------------------------------- against the true model --

// The grid + bisection finds the α_max that toy_alpha_max finds by bracketing,
// to the scan step (both use the same downward scan); and a too-coarse grid
// tolerance would show: a 1e-2 error fails this test.
TEST(ToyAlphaMaxGrid, RefinedGridRecoversToyAlphaMax) {
  for (ToyModel kind : {ToyModel::ghost, ToyModel::cycle}) {
    const std::vector<double> delays = {50, 300};
    const ToyGrid g = run_grid(kind, 0.0, delays,
                               kind == ToyModel::ghost ? logspace(-13, -5, 33) : logspace(-9, -4, 21), 2);
    AlphaMaxOptions opt;
    opt.gd = toy_gd_options(toy_spec(kind, 1.0, 0.0, 0));
    const ToyProblemSource src{[&](std::size_t d, std::size_t s) -> std::optional<ToyProblem> {
                                 return toy_problem(toy_spec(kind, delays[d], 0.0, s));
                               },
                               opt.gd};
    const auto cells = toy_alpha_max_grid(g, src, opt);
    for (std::size_t d = 0; d < delays.size(); ++d)
      for (std::size_t s = 0; s < 2; ++s) {
        const ToyAlphaMaxCell& c = cells[d * 2 + s];
        ASSERT_EQ(c.status, ToyCellStatus::ok) << "T=" << delays[d];
        EXPECT_TRUE(c.refined);
        const ToyProblem p = toy_problem(toy_spec(kind, delays[d], 0.0, s));
        AlphaMaxOptions bo = opt;
        bo.alpha_guess = c.alpha / 37.0;  // bracketing from elsewhere
        const AlphaMax ref = toy_alpha_max(p, bo);
        ASSERT_TRUE(ref.ok);
        // Both bisect to rel_tol, but just above α_max "learns" is not monotone
        // (toy.hpp): two bisection paths can settle on different transitions of
        // that band, so the two agree to the downward scan's step, not rel_tol.
        EXPECT_NEAR(c.alpha / ref.alpha, 1.0, opt.scan_step) << "T=" << delays[d] << " seed " << s;
        EXPECT_LT(c.alpha, c.alpha_hi);
        EXPECT_LT(c.alpha_hi / c.alpha - 1.0, 1.0001 * opt.rel_tol);
      }
  }
}

// Campaign toy-ghost-prop in small: the exponent of the normalized-loss ghost
// with T_r = T_d is 4 (scale-free: within 1 %), and the seed bootstrap agrees.
TEST(ToyExponentFit, GhostWithResponseProportionalToDelayGivesFour) {
  const std::vector<double> delays = {10, 30, 100, 300, 1000, 3000};
  const ToyGrid g = run_grid(ToyModel::ghost, 1.0, delays, logspace(-15, -2.5, 51), 3);
  AlphaMaxOptions opt;
  const ToyLearns learns = [&](std::size_t d, std::size_t s, double a) {
    return toy_task_learns(toy_spec(ToyModel::ghost, delays[d], 1.0, s), a);
  };
  const auto cells = toy_alpha_max_grid(g, learns, opt);
  for (const auto& c : cells) ASSERT_EQ(c.status, ToyCellStatus::ok);
  // The refinement on 3 threads gives exactly the serial result.
  const auto threaded = toy_alpha_max_grid(g, learns, opt, 3);
  ASSERT_EQ(threaded.size(), cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(threaded[i].alpha, cells[i].alpha) << "cell " << i;
    EXPECT_EQ(threaded[i].alpha_hi, cells[i].alpha_hi) << "cell " << i;
    EXPECT_EQ(threaded[i].evaluations, cells[i].evaluations) << "cell " << i;
  }
  const std::vector<std::size_t> all = {0, 1, 2};
  const ExponentFit f = toy_exponent(g, cells, all);
  ASSERT_TRUE(f.ok) << f.reason;
  std::printf("[toy] ghost prop: exponent %.5f (R² %.6f) over %zu delays, %zu tasks\n", f.exponent(), f.r2,
              f.points.size(), f.networks);
  EXPECT_NEAR(f.exponent(), 4.0, 0.01 * 4.0);
  EXPECT_EQ(f.networks, g.learned.size());
  BootstrapOptions bo;
  bo.resamples = 200;
  const ExponentBootstrap b = bootstrap_exponent(3, toy_exponent_statistic(g, cells), f, bo);
  EXPECT_EQ(b.boot.failed, 0u);
  EXPECT_LE(b.boot.lo, f.exponent());
  EXPECT_GE(b.boot.hi, f.exponent());
  EXPECT_NEAR(b.boot.lo, 4.0, 0.04);
  EXPECT_NEAR(b.boot.hi, 4.0, 0.04);
}

// Without refinement the grid alone brackets α_max within one grid step.
TEST(ToyExponentFit, CycleWithFixedResponseGivesThreeAsymptotically) {
  const std::vector<double> delays = {500, 1000, 2000, 5000};
  const ToyGrid g = run_grid(ToyModel::cycle, 0.0, delays, logspace(-12, -7, 21), 2);
  const auto coarse = toy_alpha_max_grid(g, ToyLearns{}, AlphaMaxOptions{});
  AlphaMaxOptions opt;
  const auto cells = toy_alpha_max_grid(
      g,
      [&](std::size_t d, std::size_t s, double a) {
        return toy_task_learns(toy_spec(ToyModel::cycle, delays[d], 0.0, s), a);
      },
      opt);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    ASSERT_EQ(coarse[i].status, ToyCellStatus::ok);
    EXPECT_GE(cells[i].alpha, coarse[i].alpha);
    EXPECT_LE(cells[i].alpha_hi, coarse[i].alpha_hi);
  }
  const std::vector<std::size_t> all = {0, 1};
  const ExponentFit f = toy_exponent(g, cells, all);
  ASSERT_TRUE(f.ok) << f.reason;
  std::printf("[toy] cycle fixed: exponent %.5f over T in [500, 5000]\n", f.exponent());
  EXPECT_NEAR(f.exponent(), 3.0, 0.03 * 3.0);
}

}  // namespace
}  // namespace memphase
