// Toy models of SPEC §4: closed forms, gradients, gradient descent, α_max and
// the scaling exponents (ground truth for the fitting pipeline).
#include "families/toy/toy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

namespace memphase {
namespace {

constexpr double pi = std::numbers::pi;

// Central difference with step relative to r.
template <class F>
double central(F f, double r, double rel = 1e-7) {
  const double h = rel * r;
  return (f(r + h) - f(r - h)) / (2.0 * h);
}

// Geometric grid of n points in [a, b].
std::vector<double> geom(double a, double b, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(a * std::pow(b / a, double(i) / (n - 1)));
  return v;
}

// ------------------------------------------------------------------ ghost --

TEST(ToyGhost, ClosedFormIsSpecFormula) {
  for (double t : {10.0, 100.0, 1000.0}) {
    const GhostTask task = ghost_spec_task(t);
    const double rs = pi * pi / (4.0 * t * t);
    EXPECT_DOUBLE_EQ(ghost_r_opt(task), rs);
    EXPECT_DOUBLE_EQ(ghost_r_noreturn(task), rs / 4.0);
    EXPECT_NEAR(ghost_loss(task, rs), 0.0, 1e-9 * t);
    for (double r : geom(rs * 1e-3, rs * 1e3, 301)) {
      const double spec = r >= rs / 4.0 ? std::abs(t - pi / (2.0 * std::sqrt(r))) : t;
      EXPECT_NEAR(ghost_loss(task, r), spec, 1e-12 * t) << "T=" << t << " r=" << r;
      const double dspec = r < rs / 4.0 ? 0.0 : (r < rs ? -1.0 : 1.0) * pi / (4.0 * std::pow(r, 1.5));
      EXPECT_NEAR(ghost_grad(task, r), dspec, 1e-12 * std::abs(dspec)) << "T=" << t << " r=" << r;
    }
  }
}

TEST(ToyGhost, GradientMatchesCentralDifferencesInEveryPiece) {
  const std::vector<GhostTask> tasks = {ghost_spec_task(100.0), {100.0, 10.0, GhostLoss::normalized},
                                        {250.0, 250.0, GhostLoss::normalized}, {50.0, 7.0, GhostLoss::raw}};
  for (const GhostTask& task : tasks) {
    const double rs = ghost_r_opt(task);
    const double rb = ghost_r_noreturn(task);
    const double pieces[3][2] = {{rb * 0.01, rb * (1.0 - 1e-4)},
                                 {rb * (1.0 + 1e-4), rs * (1.0 - 1e-4)},
                                 {rs * (1.0 + 1e-4), rs * 100.0}};
    for (const auto& piece : pieces) {
      for (double r : geom(piece[0], piece[1], 40)) {
        const double fd = central([&](double x) { return ghost_loss(task, x); }, r);
        const double g = ghost_grad(task, r);
        EXPECT_NEAR(g, fd, 1e-5 * std::abs(g) + 1e-9) << "T_d=" << task.t_delay << " r=" << r;
      }
    }
  }
}

TEST(ToyGhost, KinkSlopesAreSeed001Eq14) {
  const double t = 100.0;
  const GhostTask task = ghost_spec_task(t);
  const double rs = ghost_r_opt(task);
  EXPECT_NEAR(ghost_grad(task, rs), 2.0 * t * t * t / (pi * pi), 1e-9 * t * t * t);
  EXPECT_NEAR(ghost_grad(task, rs * (1.0 - 1e-12)), -2.0 * t * t * t / (pi * pi), 1e-6 * t * t * t);
}

TEST(ToyGhost, AlphaStarAtT100) {
  const double expected = 3.0 * std::pow(pi, 4) / 32.0 * 1e-10;
  EXPECT_NEAR(ghost_alpha_star(100.0), expected, 1e-15);
  ToyProblem p;
  p.ghost = ghost_spec_task(100.0);
  AlphaMaxOptions opt;
  opt.alpha_guess = 1e-8;  // deliberately not at the answer
  const AlphaMax a = toy_alpha_max(p, opt);
  ASSERT_TRUE(a.ok);
  std::printf("[toy] alpha_max(T=100) measured %.6e, 3pi^4/32*1e-10 = %.6e, ratio %.5f (%d GD runs)\n",
              a.alpha, expected, a.alpha / expected, a.evaluations);
  EXPECT_NEAR(a.alpha / expected, 1.0, 0.02);
  EXPECT_LT(a.alpha / a.alpha_hi, 1.0);
  EXPECT_GT(a.alpha / a.alpha_hi, 1.0 - 1e-5);
}

TEST(ToyGhost, DescentLearnsBelowAndSticksAboveAlphaStar) {
  const GhostTask task = ghost_spec_task(100.0);
  GdOptions opt;
  opt.lr = 0.5 * ghost_alpha_star(100.0);
  GdResult r = ghost_descend(task, ghost_r0(task), opt);
  EXPECT_EQ(r.status, GdStatus::learned) << to_string(r.status);
  EXPECT_GT(r.cross_step, 0);
  EXPECT_GT(r.r_final, ghost_r_noreturn(task));
  opt.lr = 1.1 * ghost_alpha_star(100.0);
  r = ghost_descend(task, ghost_r0(task), opt);
  EXPECT_EQ(r.status, GdStatus::stuck) << to_string(r.status);
  EXPECT_DOUBLE_EQ(r.loss_final, 100.0);  // no-learning zone: L = T
  opt.lr = 1e-16;  // far too small to reach r* in max_steps
  opt.max_steps = 1000;
  EXPECT_EQ(ghost_descend(task, ghost_r0(task), opt).status, GdStatus::too_slow);
}

TEST(ToyGhost, JitteredStartIsReproducibleAndStaysNearAlphaStar) {
  EXPECT_EQ(toy_r0_jitter(7), toy_r0_jitter(7));
  EXPECT_NE(toy_r0_jitter(7), toy_r0_jitter(8));
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const double eps = toy_r0_jitter(seed, 0.1);
    EXPECT_LE(std::abs(eps), 0.1);
    ToyProblem p;
    p.ghost = ghost_spec_task(100.0);
    p.eps = eps;
    const AlphaMax a = toy_alpha_max(p, AlphaMaxOptions{});
    ASSERT_TRUE(a.ok);
    EXPECT_NEAR(a.alpha / ghost_alpha_star(100.0), 1.0, 0.03) << "eps=" << eps;
  }
}

// ------------------------------------------------------ finite confidence --

TEST(ToyGhostNumeric, GradientMatchesCentralDifferences) {
  for (double c : {1.0, 0.1}) {
    for (GhostLoss lt : {GhostLoss::raw, GhostLoss::normalized}) {
      const GhostTask task{100.0, lt == GhostLoss::raw ? 100.0 : 30.0, lt};
      GhostNumeric num;
      num.confidence = c;
      const double rs = ghost_r_opt(task);
      for (double r : geom(rs * 0.05, rs * 20.0, 25)) {
        const LossGrad lg = ghost_numeric_loss_grad(task, num, r);
        const double fd = central([&](double x) { return ghost_numeric_loss_grad(task, num, x).loss; }, r, 1e-6);
        EXPECT_NEAR(lg.grad, fd, 1e-4 * std::abs(lg.grad) + 1e-6 * std::abs(lg.loss / r))
            << "c=" << c << " r/r*=" << r / rs;
      }
    }
  }
}

TEST(ToyGhostNumeric, ApproachesClosedFormAtHighConfidence) {
  const GhostTask task = ghost_spec_task(100.0);
  GhostNumeric num;
  num.confidence = 10.0;
  const double rs = ghost_r_opt(task);
  for (double q : {0.1, 0.3, 0.6, 2.0, 10.0}) {
    const double r = q * rs;
    // Euler with dt = 0.1 and the finite threshold x* = 10 shift the escape by O(1) time units.
    EXPECT_NEAR(ghost_numeric_loss_grad(task, num, r).loss, ghost_loss(task, r), 2.0) << "r/r*=" << q;
  }
}

TEST(ToyGhostNumeric, DescentWithConfidenceOneLearnsAtSmallRate) {
  const GhostTask task = ghost_spec_task(100.0);
  GhostNumeric num;  // c = 1
  GdOptions opt;
  opt.lr = 0.3 * ghost_alpha_star(100.0);
  opt.max_steps = 20000;
  opt.settle_steps = 500;
  const GdResult r = ghost_numeric_descend(task, num, ghost_r0(task), opt);
  EXPECT_EQ(r.status, GdStatus::learned) << to_string(r.status);
  EXPECT_LT(r.loss_final, 0.5 * ghost_numeric_loss_grad(task, num, ghost_r0(task)).loss);
}

// ------------------------------------------------------------------ cycle --

TEST(ToyCycle, ClosedFormIsSpecPiecewise) {
  for (double tr : {5.0, 10.0, 40.0}) {  // SPEC's pieces assume T_r ≤ T_d/2
    const double td = 100.0;
    const CycleTask task{td, tr};
    const double b1 = 0.5 / (td + tr), b2 = 0.5 / td, b3 = 1.0 / (td + tr), b4 = 1.0 / td;
    int n = 0;
    for (double r : geom(b1 * 0.1, b4 * (1.0 - 1e-9), 400)) {
      double spec;
      if (r <= b1) spec = 1.0;
      else if (r <= b2) spec = 0.5 / (tr * r) - td / tr;
      else if (r <= b3) spec = 1.0 - 0.5 / (td * r);
      else spec = 2.0 + td / tr - 0.5 / (r * td) - 1.0 / (r * tr);
      EXPECT_NEAR(cycle_loss(task, r), spec, 1e-12) << "T_r=" << tr << " r=" << r;
      ++n;
    }
    EXPECT_EQ(n, 400);
    EXPECT_NEAR(cycle_loss(task, cycle_r_opt(task)), 0.0, 1e-12);
    EXPECT_DOUBLE_EQ(cycle_loss(task, 0.0), 1.0);
  }
}

TEST(ToyCycle, GradientMatchesCentralDifferencesInEveryPiece) {
  for (double tr : {10.0, 100.0, 250.0}) {
    const CycleTask task{100.0, tr};
    const double td = task.t_delay;
    int n = 0;
    for (double r : geom(0.05 / td, 4.0 / td, 500)) {
      // skip points within the FD stencil of a kink: r τ ∈ ½ℤ for τ = T_d, T_d + T_r
      bool near_kink = false;
      for (double tau : {td, td + tr}) {
        const double u = 2.0 * r * tau;
        if (std::abs(u - std::round(u)) < 1e-4) near_kink = true;
      }
      if (near_kink) continue;
      const double fd = central([&](double x) { return cycle_loss(task, x); }, r);
      const double g = cycle_grad(task, r);
      EXPECT_NEAR(g, fd, 1e-5 * std::abs(g) + 1e-6) << "T_r=" << tr << " r*T_d=" << r * td;
      ++n;
    }
    EXPECT_GT(n, 450);
  }
}

TEST(ToyCycle, DescentLearnsAtSmallRateAndSticksAtLargeRate) {
  const CycleTask task{100.0, 100.0};
  GdOptions opt;
  opt.lr = 1e-6;
  GdResult r = cycle_descend(task, cycle_r0(task), opt);
  EXPECT_EQ(r.status, GdStatus::learned) << to_string(r.status);
  EXPECT_LT(r.loss_final, 0.05);
  opt.lr = 1e-3;
  r = cycle_descend(task, cycle_r0(task), opt);
  EXPECT_NE(r.status, GdStatus::learned);
}

// -------------------------------------------------------- α_max and fits --

TEST(ToyFit, OlsRecoversALine) {
  const std::vector<double> x = {0.0, 1.0, 2.0, 5.0};
  std::vector<double> y;
  for (double v : x) y.push_back(3.0 - 2.5 * v);
  OlsLine line;
  ASSERT_TRUE(toy_ols(x, y, &line));
  EXPECT_NEAR(line.slope, -2.5, 1e-12);
  EXPECT_NEAR(line.intercept, 3.0, 1e-12);
  EXPECT_FALSE(toy_ols(std::vector<double>{1.0}, std::vector<double>{1.0}, &line));
  EXPECT_FALSE(toy_ols(std::vector<double>{1.0, 1.0}, std::vector<double>{1.0, 2.0}, &line));
}

struct Setting {
  const char* name;
  ToyProblem (*make)(double t);
  double exponent;   // expected
  double tol;        // relative tolerance on the fitted exponent
  std::vector<double> ts;
};

ToyProblem ghost_spec(double t) {
  ToyProblem p;
  p.ghost = ghost_spec_task(t);
  return p;
}
ToyProblem ghost_fixed(double t) {
  ToyProblem p;
  p.ghost = {t, 10.0, GhostLoss::normalized};
  return p;
}
ToyProblem ghost_prop(double t) {
  ToyProblem p;
  p.ghost = {t, t, GhostLoss::normalized};
  return p;
}
ToyProblem cycle_fixed(double t) {
  ToyProblem p;
  p.kind = ToyKind::cycle;
  p.cycle = {t, 10.0};
  return p;
}
ToyProblem cycle_prop(double t) {
  ToyProblem p;
  p.kind = ToyKind::cycle;
  p.cycle = {t, t};
  return p;
}

const std::vector<double> kScaleFree = {10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
const std::vector<double> kAsymptotic = {500, 1000, 2000, 5000};

class ToyExponent : public ::testing::TestWithParam<Setting> {};

TEST_P(ToyExponent, FittedExponentMatchesTheory) {
  const Setting& s = GetParam();
  std::vector<double> lx, ly;
  // Local exponents over a wider range, for the report.
  std::vector<double> all = {10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
  std::vector<double> la;
  for (double t : all) {
    AlphaMaxOptions opt;
    opt.alpha_guess = std::pow(t, -4.0);  // not scaled with the answer
    const AlphaMax a = toy_alpha_max(s.make(t), opt);
    ASSERT_TRUE(a.ok) << s.name << " T=" << t;
    la.push_back(a.alpha);
  }
  std::printf("[toy] %s: alpha_max and local exponent -dln(alpha)/dln(T)\n", s.name);
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::printf("[toy]   T=%6g alpha_max=%.6e", all[i], la[i]);
    if (i > 0)
      std::printf("  local(%g-%g)=%.4f", all[i - 1], all[i],
                  -std::log(la[i] / la[i - 1]) / std::log(all[i] / all[i - 1]));
    std::printf("\n");
    for (double t : s.ts)
      if (t == all[i]) {
        lx.push_back(std::log(all[i]));
        ly.push_back(std::log(la[i]));
      }
  }
  ASSERT_EQ(lx.size(), s.ts.size());
  OlsLine line;
  ASSERT_TRUE(toy_ols(lx, ly, &line));
  std::printf("[toy] %s: fitted exponent %.4f over T in [%g, %g] (expected %g, tol %.0f%%)\n", s.name,
              -line.slope, s.ts.front(), s.ts.back(), s.exponent, 100 * s.tol);
  EXPECT_NEAR(-line.slope, s.exponent, s.tol * s.exponent) << s.name;
}

INSTANTIATE_TEST_SUITE_P(
    Settings, ToyExponent,
    ::testing::Values(Setting{"ghost_spec", ghost_spec, 5.0, 0.01, kScaleFree},
                      Setting{"ghost_prop", ghost_prop, 4.0, 0.01, kScaleFree},
                      Setting{"ghost_fixed", ghost_fixed, 5.0, 0.03, kAsymptotic},
                      Setting{"cycle_prop", cycle_prop, 2.0, 0.01, kScaleFree},
                      Setting{"cycle_fixed", cycle_fixed, 3.0, 0.03, kAsymptotic}),
    [](const ::testing::TestParamInfo<Setting>& i) { return std::string(i.param.name); });

// Bisection assumes "learns" is monotone in α away from α_max: all learn on
// [α_max/100, α_max/1.05] and all fail on [1.05 α_max, 100 α_max].
TEST(ToyAlphaMax, LearnabilityIsMonotoneOnACoarseGrid) {
  for (auto make : {ghost_spec, ghost_prop, ghost_fixed, cycle_prop, cycle_fixed}) {
    const ToyProblem p = make(300.0);
    AlphaMaxOptions opt;
    opt.alpha_guess = 1e-10;
    const AlphaMax a = toy_alpha_max(p, opt);
    ASSERT_TRUE(a.ok);
    GdOptions g = opt.gd;
    for (double lr : geom(a.alpha / 100.0, a.alpha / 1.05, 25)) {
      g.lr = lr;
      EXPECT_TRUE(toy_learns(p, g)) << "lr/alpha_max=" << lr / a.alpha;
    }
    for (double lr : geom(a.alpha * 1.05, a.alpha * 100.0, 25)) {
      g.lr = lr;
      EXPECT_FALSE(toy_learns(p, g)) << "lr/alpha_max=" << lr / a.alpha;
    }
    EXPECT_EQ(toy_monotone_violations(p, opt.gd, a.alpha / 100.0, a.alpha * 100.0, 41), 0);
  }
}

}  // namespace
}  // namespace memphase
