// Tests of the SPEC §3.7 fits (analysis/fit.hpp) and the seed-paired
// bootstrap (analysis/bootstrap.hpp).
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stats/binomial_fit.hpp"
#include "stats/bootstrap.hpp"
#include "stats/exponent.hpp"
#include "stats/fit.hpp"
#include "stats/synthetic.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;

std::vector<double> delays_0_to_400() {
  std::vector<double> t;
  for (int d = 0; d <= 400; d += 20) t.push_back(d);
  return t;
}

double exp_sat(double t, double t0, double a) { return t < t0 ? 0.0 : 1.0 - std::exp(-a * (t - t0)); }
double logistic(double t, double t0, double k) { return 1.0 / (1.0 + std::exp(-k * (t - t0))); }

std::vector<double> logspace(double a, double b, int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = std::pow(10.0, a + (b - a) * i / (n - 1));
  return v;
}

// ---------------------------------------------------------------- curve fits

struct TrueParams { double t0, rate; };

TEST(FitExpSaturation, RecoversKnownParametersWithNoise) {
  // No initial guess is taken: the fit must find these from its own grid,
  // whatever the true values (boundaries near either end, slow and fast rise).
  const std::vector<TrueParams> truths{{120, 0.02}, {250, 0.005}, {40, 0.1}, {330, 0.04}};
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.03);
  const auto t = delays_0_to_400();
  for (const auto& p : truths) {
    std::vector<double> f;
    for (const double ti : t) f.push_back(exp_sat(ti, p.t0, p.rate) + noise(rng));
    const CurveFit fit = fit_exp_saturation(t, f);
    ASSERT_TRUE(fit.ok()) << fit.reason;
    EXPECT_NEAR(fit.t0, p.t0, 12.0) << "true T0 " << p.t0;
    EXPECT_NEAR(fit.rate / p.rate, 1.0, 0.3) << "true a " << p.rate;
    EXPECT_LT(fit.sse, 21 * 0.03 * 0.03 * 2.0);
  }
}

TEST(FitLogistic, RecoversKnownParametersWithNoise) {
  const std::vector<TrueParams> truths{{150, 0.05}, {300, 0.02}, {60, 0.2}, {380, 0.08}};
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0.0, 0.03);
  const auto t = delays_0_to_400();
  for (const auto& p : truths) {
    std::vector<double> f;
    for (const double ti : t) f.push_back(logistic(ti, p.t0, p.rate) + noise(rng));
    const CurveFit fit = fit_logistic(t, f);
    ASSERT_TRUE(fit.ok()) << fit.reason;
    EXPECT_NEAR(fit.t0, p.t0, 10.0) << "true T0 " << p.t0;
    EXPECT_NEAR(fit.rate / p.rate, 1.0, 0.3) << "true k " << p.rate;
  }
}

TEST(FitLogisticLogLr, RecoversCriticalLearningRate) {
  const auto lr = logspace(0, -3, 20);
  const std::vector<TrueParams> truths{{std::log(0.05), 3.0}, {std::log(0.3), 1.5}, {std::log(0.004), 5.0}};
  std::mt19937_64 rng(13);
  std::normal_distribution<double> noise(0.0, 0.03);
  for (const auto& p : truths) {
    std::vector<double> f;
    for (const double l : lr) f.push_back(logistic(std::log(l), p.t0, p.rate) + noise(rng));
    const CurveFit fit = fit_logistic_log_lr(lr, f);
    ASSERT_TRUE(fit.ok()) << fit.reason;
    EXPECT_NEAR(std::exp(fit.t0) / std::exp(p.t0), 1.0, 0.15) << "true lr_c " << std::exp(p.t0);
    EXPECT_NEAR(fit.rate / p.rate, 1.0, 0.35);
  }
}

TEST(FitCurves, SkipRuleIsDistinctFromFailure) {
  const auto t = delays_0_to_400();
  std::vector<double> f(t.size(), 0.0);
  f[20] = 0.099;
  const CurveFit e = fit_exp_saturation(t, f);
  EXPECT_EQ(e.status, FitStatus::skipped);
  EXPECT_THAT(e.reason, HasSubstr("< 0.1"));
  EXPECT_EQ(fit_logistic(t, f).status, FitStatus::skipped);
  f[20] = 0.1;  // exactly at the threshold: not skipped
  EXPECT_NE(fit_exp_saturation(t, f).status, FitStatus::skipped);
  EXPECT_NE(fit_logistic(t, f).status, FitStatus::skipped);
  EXPECT_STREQ(to_string(FitStatus::skipped), "skipped");
}

TEST(FitCurves, ReportsFailureWithReason) {
  const std::vector<double> x{0, 20, 40}, f2{0.5, 0.6};
  const CurveFit mismatch = fit_exp_saturation(x, f2);
  EXPECT_EQ(mismatch.status, FitStatus::failed);
  EXPECT_THAT(mismatch.reason, HasSubstr("length"));

  const std::vector<double> one{0.5, NAN, NAN};
  const CurveFit few = fit_logistic(x, one);
  EXPECT_EQ(few.status, FitStatus::failed);
  EXPECT_THAT(few.reason, HasSubstr("fewer than 2"));

  const std::vector<double> lr{0.1, -0.2, 0.3}, f3{0.2, 0.5, 0.9};
  const CurveFit neg = fit_logistic_log_lr(lr, f3);
  EXPECT_EQ(neg.status, FitStatus::failed);
  EXPECT_THAT(neg.reason, HasSubstr("lr[1] must be > 0"));

  // A flat curve has no midpoint: the best logistic runs T0 off the data
  // range (k -> 0), which must be reported, not returned as a boundary.
  const auto t = delays_0_to_400();
  const std::vector<double> flat(t.size(), 0.3);
  const CurveFit d = fit_logistic(t, flat);
  EXPECT_EQ(d.status, FitStatus::failed);
  EXPECT_THAT(d.reason, HasSubstr("not identifiable"));
}

TEST(FitLogistic, FallingSpFractionHasNegativeKAndItsMidpoint) {
  // SPEC §3.7: the SP fraction FALLS with delay (SP at short delays, LC at
  // long ones). The fit is unconstrained, k < 0, and T0 is the delay where
  // the fraction crosses 1/2. Binomial noise of 10 seeds per cell.
  const auto t = delays_0_to_400();
  std::mt19937_64 rng(31);
  for (const TrueParams& p : std::vector<TrueParams>{{50, -0.08}, {98, -0.05}, {200, -0.03}, {320, -0.1}}) {
    std::vector<double> f;
    for (const double ti : t) {
      std::binomial_distribution<int> b(10, logistic(ti, p.t0, p.rate));
      f.push_back(b(rng) / 10.0);
    }
    const CurveFit fit = fit_logistic(t, f);
    ASSERT_TRUE(fit.ok()) << fit.reason;
    EXPECT_LT(fit.rate, 0.0);
    EXPECT_NEAR(fit.t0, p.t0, 20.0) << "true T0 " << p.t0;
    // The midpoint is where the fitted curve crosses 1/2.
    EXPECT_NEAR(logistic(fit.t0, fit.t0, fit.rate), 0.5, 1e-12);
  }
  // An increasing curve still gives k > 0: the sign is the data's.
  std::vector<double> up;
  for (const double ti : t) up.push_back(logistic(ti, 150, 0.05));
  const CurveFit u = fit_logistic(t, up);
  ASSERT_TRUE(u.ok()) << u.reason;
  EXPECT_GT(u.rate, 0.0);
  EXPECT_NEAR(u.t0, 150.0, 0.5);
}

// ---------------------------------------------------------------------- OLS

TEST(FitOls, MatchesHouseholderQrAndTextbookFormulas) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z(0.0, 1.0);
  const int n = 17;
  std::vector<double> x(n), y(n);
  Eigen::MatrixXd X(n, 2);
  Eigen::VectorXd Y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = std::log(20.0 + 20.0 * i) + 0.05 * z(rng);
    y[i] = -2.7 * x[i] + 4.0 + 0.2 * z(rng);
    X(i, 0) = 1.0;
    X(i, 1) = x[i];
    Y(i) = y[i];
  }
  const OlsFit o = fit_ols(x, y);
  ASSERT_TRUE(o.ok);
  const Eigen::VectorXd b = X.householderQr().solve(Y);
  EXPECT_NEAR(o.intercept, b(0), 1e-10);
  EXPECT_NEAR(o.slope, b(1), 1e-10);
  // SE: sqrt(s^2 [(X^T X)^-1]_11), s^2 = RSS/(n-2); R^2 = 1 - RSS/TSS.
  const Eigen::VectorXd r = Y - X * b;
  const double s2 = r.squaredNorm() / (n - 2);
  const Eigen::MatrixXd cov = s2 * (X.transpose() * X).inverse();
  EXPECT_NEAR(o.slope_se, std::sqrt(cov(1, 1)), 1e-10);
  const double tss = (Y.array() - Y.mean()).square().sum();
  EXPECT_NEAR(o.r2, 1.0 - r.squaredNorm() / tss, 1e-12);
  EXPECT_EQ(o.n, static_cast<std::size_t>(n));
}

TEST(FitOls, DegenerateInputsAreNotOk) {
  const std::vector<double> c{1, 1, 1}, y{1, 2, 3};
  EXPECT_FALSE(fit_ols(c, y).ok);
  const std::vector<double> one{1}, one_y{2};
  EXPECT_FALSE(fit_ols(one, one_y).ok);
  const std::vector<double> two{1, 2}, two_y{2, 4};
  const OlsFit o = fit_ols(two, two_y);
  ASSERT_TRUE(o.ok);
  EXPECT_DOUBLE_EQ(o.slope, 2.0);
  EXPECT_TRUE(std::isnan(o.slope_se));
}

// ---------------------------------------------------------- scaling tables

// Outcome table from a model with T_c(lr) = C lr^(-1/beta). Each seed s has
// its own boundary shift exp(sigma z_s), shared by every cell (the same
// initial network everywhere), and each network's outcome is a Bernoulli
// draw. For Boundary::lc the positive class is 0 (fail) else 1 (LC); for
// Boundary::sp it is 2 (SP) else 1.
OutcomeTable synth_table(Boundary b, const std::vector<double>& lrs, const std::vector<double>& delays,
                         std::size_t n_seeds, double beta, double c, double rate, double sigma,
                         std::mt19937_64& rng) {
  OutcomeTable t;
  t.lrs = lrs;
  t.delays = delays;
  t.n_seeds = n_seeds;
  t.codes.resize(lrs.size() * delays.size() * n_seeds);
  std::normal_distribution<double> z(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> shift(n_seeds);
  for (auto& s : shift) s = std::exp(sigma * z(rng));
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    const double tc = c * std::pow(lrs[i], -1.0 / beta);
    for (std::size_t j = 0; j < delays.size(); ++j)
      for (std::size_t s = 0; s < n_seeds; ++s) {
        // LC: failures rise with delay; SP: the SP share FALLS with delay.
        const double p = b == Boundary::lc ? exp_sat(delays[j], tc * shift[s], rate)
                                           : 1.0 - logistic(delays[j], tc * shift[s], rate);
        const bool pos = u(rng) < p;
        t.codes[(i * delays.size() + j) * n_seeds + s] =
            static_cast<std::int8_t>(pos ? (b == Boundary::lc ? 0 : 2) : 1);
      }
  }
  return t;
}

TEST(FitScaling, RecoversExponentForBothBoundaries) {
  std::mt19937_64 rng(21);
  const auto lrs = logspace(-1, -3, 10);
  const auto delays = delays_0_to_400();
  // T_c(0.1) = 40 ms.
  for (const double beta : {2.7, 4.0}) {
    const double c = 40.0 * std::pow(0.1, 1.0 / beta);
    const OutcomeTable lc = synth_table(Boundary::lc, lrs, delays, 400, beta, c, 0.05, 0.0, rng);
    const ScalingFit f = fit_scaling(lc, ScalingOptions::reference(Boundary::lc));
    ASSERT_TRUE(f.ok) << f.reason;
    EXPECT_NEAR(f.beta, beta, 0.05 * beta);
    EXPECT_GT(f.r2, 0.98);
    EXPECT_EQ(f.kept_lrs.size() + f.skipped.size() + f.failed.size(), lrs.size());

    const OutcomeTable sp = synth_table(Boundary::sp, lrs, delays, 400, beta, c, 0.08, 0.0, rng);
    const ScalingFit g = fit_scaling(sp, ScalingOptions::reference(Boundary::sp));
    ASSERT_TRUE(g.ok) << g.reason;
    EXPECT_NEAR(g.beta, beta, 0.05 * beta);
    EXPECT_GT(g.r2, 0.98);
  }
}

TEST(FitScaling, LargestLrsOptionAndSkippedFailedLists) {
  std::mt19937_64 rng(5);
  const auto lrs = logspace(-1, -3, 8);
  const auto delays = delays_0_to_400();
  OutcomeTable t = synth_table(Boundary::sp, lrs, delays, 50, 3.0, 40.0 * std::pow(0.1, 1 / 3.0), 0.08, 0.0, rng);
  // lr[0] (largest): never SP → skipped. lr[1]: SP everywhere → no
  // midpoint in the data → failed with a reason.
  for (std::size_t j = 0; j < delays.size(); ++j)
    for (std::size_t s = 0; s < t.n_seeds; ++s) {
      t.codes[(0 * delays.size() + j) * t.n_seeds + s] = 1;
      t.codes[(1 * delays.size() + j) * t.n_seeds + s] = 2;
    }
  ScalingOptions o = ScalingOptions::reference(Boundary::sp);
  EXPECT_EQ(o.largest_lrs, 25u);
  o.largest_lrs = 6;
  const ScalingFit f = fit_scaling(t, o);
  ASSERT_EQ(f.all.size(), 6u);
  for (const auto& lf : f.all) EXPECT_GE(lf.lr, lrs[5]);
  ASSERT_EQ(f.skipped.size(), 1u);
  EXPECT_DOUBLE_EQ(f.skipped[0].lr, lrs[0]);
  ASSERT_EQ(f.failed.size(), 1u);
  EXPECT_DOUBLE_EQ(f.failed[0].lr, lrs[1]);
  EXPECT_FALSE(f.failed[0].fit.reason.empty());
  EXPECT_EQ(f.kept_lrs.size(), 4u);
  EXPECT_EQ(f.t_c.size(), 4u);
  EXPECT_TRUE(f.ok);

  // Too few kept lrs → not ok, with a reason.
  o.largest_lrs = 3;
  const ScalingFit g = fit_scaling(t, o);
  EXPECT_FALSE(g.ok);
  EXPECT_THAT(g.reason, HasSubstr("need >= 2"));
}

TEST(FitScaling, MissingCodesAreIgnored) {
  std::mt19937_64 rng(8);
  const auto lrs = logspace(-1, -3, 6);
  const auto delays = delays_0_to_400();
  OutcomeTable t = synth_table(Boundary::lc, lrs, delays, 40, 3.0, 40.0 * std::pow(0.1, 1 / 3.0), 0.05, 0.0, rng);
  const std::vector<double> before = class_fractions(t, 1u, std::vector<std::size_t>{0, 1, 2});
  // Seed 39 missing everywhere: fractions over seeds 0..2 unchanged; over all
  // seeds they equal the ones over 0..38.
  for (std::size_t k = 39; k < t.codes.size(); k += t.n_seeds) t.codes[k] = -1;
  EXPECT_EQ(class_fractions(t, 1u, std::vector<std::size_t>{0, 1, 2}), before);
  std::vector<std::size_t> s39(39), s40(40);
  std::iota(s39.begin(), s39.end(), std::size_t{0});
  std::iota(s40.begin(), s40.end(), std::size_t{0});
  EXPECT_EQ(class_fractions(t, 1u, s40), class_fractions(t, 1u, s39));
  EXPECT_TRUE(std::isnan(class_fractions(t, 1u, std::vector<std::size_t>{39})[0]));
}

// ------------------------------------------------- binomial boundary fit

std::vector<double> binomial_counts(BinomialShape sh, const std::vector<double>& x, double t_c, double w,
                                    double level, int n, std::mt19937_64& rng) {
  std::vector<double> k;
  for (const double xi : x) {
    std::binomial_distribution<int> b(n, binomial_model(sh, xi, t_c, w, level));
    k.push_back(b(rng));
  }
  return k;
}

TEST(BinomialFit, RecoversRiseWithFloorAndFallWithPlateau) {
  const auto x = delays_0_to_400();
  const std::vector<double> n(x.size(), 400.0);
  std::mt19937_64 rng(3);
  for (const double tc : {60.0, 150.0, 310.0})
    for (const double floor : {0.0, 0.15, 0.3}) {
      const auto k = binomial_counts(BinomialShape::rise, x, tc, 0.2, floor, 400, rng);
      const BinomialFit f = fit_binomial_boundary(BinomialShape::rise, x, k, n);
      ASSERT_TRUE(f.ok()) << f.reason;
      EXPECT_NEAR(f.t_c / tc, 1.0, 0.05) << "T_c " << tc << " floor " << floor;
      EXPECT_NEAR(f.level, floor, 0.03);
      EXPECT_NEAR(f.width, 0.2, 0.06);
      EXPECT_GE(f.deviance, 0.0);
      EXPECT_LT(f.deviance, 3.0 * static_cast<double>(x.size()));  // chi² with ~18 dof
    }
  for (const double tc : {50.0, 120.0, 250.0})
    for (const double plateau : {1.0, 0.8, 0.5}) {
      const auto k = binomial_counts(BinomialShape::fall, x, tc, 0.25, plateau, 400, rng);
      const BinomialFit f = fit_binomial_boundary(BinomialShape::fall, x, k, n);
      ASSERT_TRUE(f.ok()) << f.reason;
      EXPECT_NEAR(f.t_c / tc, 1.0, plateau < 0.6 ? 0.1 : 0.06) << "T_c " << tc << " plateau " << plateau;
      EXPECT_NEAR(f.level, plateau, 0.04);
    }
}

TEST(BinomialFit, LinearXModelIsAvailable) {
  const auto x = delays_0_to_400();
  const std::vector<double> n(x.size(), 400.0);
  std::mt19937_64 rng(4);
  const auto k = binomial_counts(BinomialShape::fall, x, 140.0, 25.0, 0.9, 400, rng);
  // binomial_counts used log_x = true above; draw in x instead.
  std::vector<double> kx;
  for (const double xi : x) {
    std::binomial_distribution<int> b(400, binomial_model(BinomialShape::fall, xi, 140.0, 25.0, 0.9, false));
    kx.push_back(b(rng));
  }
  BinomialFitOptions o;
  o.log_x = false;
  const BinomialFit f = fit_binomial_boundary(BinomialShape::fall, x, kx, n, o);
  ASSERT_TRUE(f.ok()) << f.reason;
  EXPECT_NEAR(f.t_c, 140.0, 6.0);
  EXPECT_NEAR(f.width, 25.0, 6.0);
}

TEST(BinomialFit, SkipFailureAndInputErrorsHaveReasons) {
  const auto x = delays_0_to_400();
  const std::vector<double> n(x.size(), 10.0);
  std::vector<double> k(x.size(), 0.0);
  k[5] = 0.0;
  EXPECT_EQ(fit_binomial_boundary(BinomialShape::rise, x, k, n).status, FitStatus::skipped);
  // Everything failed at every delay: the transition lies below the smallest
  // positive delay, not in the data.
  const BinomialFit all = fit_binomial_boundary(BinomialShape::rise, x, n, n);
  EXPECT_EQ(all.status, FitStatus::failed);
  EXPECT_THAT(all.reason, HasSubstr("outside the sampled range"));
  const std::vector<double> x2{0, 20}, k2{0, 1}, n2{2, 2};
  EXPECT_THAT(fit_binomial_boundary(BinomialShape::rise, x2, k2, n2).reason, HasSubstr("fewer than 3"));
  const std::vector<double> x3{0, 20, 40}, k3{0, 3, 1}, n3{2, 2, 2};
  EXPECT_THAT(fit_binomial_boundary(BinomialShape::rise, x3, k3, n3).reason, HasSubstr("outside [0, n"));
  const std::vector<double> k4{1};
  EXPECT_THAT(fit_binomial_boundary(BinomialShape::rise, x3, k4, n3).reason, HasSubstr("differ in length"));
  // Cells without networks (n = 0: not run, or no learned network) are ignored.
  std::mt19937_64 rng5(5);
  std::vector<double> kk = binomial_counts(BinomialShape::rise, x, 150.0, 0.2, 0.1, 10, rng5);
  std::vector<double> nn(x.size(), 10.0);
  nn[3] = 0.0;
  kk[3] = 0.0;
  EXPECT_TRUE(fit_binomial_boundary(BinomialShape::rise, x, kk, nn).ok());
}

TEST(BinomialFit, DefaultStartsReachTheDenseSearchOptimum) {
  // The default grid of starts is small (speed: it runs ~10^5 times in a
  // bootstrap). On noisy 10-seed curves it must reach the deviance that a
  // dense grid with many refined starts finds.
  const auto x = delays_0_to_400();
  const std::vector<double> n(x.size(), 10.0);
  BinomialFitOptions dense;
  dense.tc_grid = 60;
  dense.width_grid = 20;
  dense.starts = 12;
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int compared = 0;
  for (int r = 0; r < 150; ++r) {
    const BinomialShape sh = r % 2 ? BinomialShape::rise : BinomialShape::fall;
    const double tc = 30.0 + 300.0 * u(rng), w = 0.05 + 0.5 * u(rng);
    const double level = sh == BinomialShape::rise ? 0.3 * u(rng) : 0.5 + 0.5 * u(rng);
    const auto k = binomial_counts(sh, x, tc, w, level, 10, rng);
    const BinomialFit a = fit_binomial_boundary(sh, x, k, n);
    const BinomialFit b = fit_binomial_boundary(sh, x, k, n, dense);
    if (a.status == FitStatus::skipped) continue;
    ++compared;
    EXPECT_LE(a.deviance, b.deviance + 1e-3 * std::max(1.0, b.deviance)) << "replicate " << r;
  }
  EXPECT_GT(compared, 120);
}

// ---------------------------------------------- the estimators on known laws

TEST(SyntheticDiagram, DeterministicAndFollowsItsLaw) {
  SyntheticDesign d;
  d.lrs = logspace(-1, -3, 5);
  d.delays = delays_0_to_400();
  d.seeds = 2000;
  d.seed_sigma = 0.0;
  d.floor = FloorKind::flat;
  const OutcomeTable a = simulate_diagram(d, 9), b = simulate_diagram(d, 9);
  EXPECT_EQ(a.codes, b.codes);
  EXPECT_NE(a.codes, simulate_diagram(d, 10).codes);
  // Class shares of a cell match the generating probabilities.
  const std::size_t il = 2, id = 8;  // lr 0.01, T = 160 ms
  const double T = d.delays[id], lr = d.lrs[il];
  const double p_fail = transition_cdf(d.lc_shape, T / synthetic_tc(d, Boundary::lc, lr), d.lc_width);
  const double p_sp = d.sp_plateau * (1.0 - transition_cdf(d.sp_shape, T / synthetic_tc(d, Boundary::sp, lr), d.sp_width));
  std::array<double, 4> share{};
  for (std::size_t s = 0; s < d.seeds; ++s) share[static_cast<std::size_t>(a.code(il, id, s))] += 1.0 / d.seeds;
  EXPECT_NEAR(share[3], 0.15, 0.025);
  EXPECT_NEAR(share[0], 0.85 * p_fail, 0.03);
  EXPECT_NEAR(share[2], 0.85 * (1 - p_fail) * p_sp, 0.03);
  // CDFs: monotone from 0 to 1, located at x = 1 (onset or midpoint).
  for (const TransitionShape sh : {TransitionShape::exp_saturation, TransitionShape::logistic,
                                   TransitionShape::lognormal, TransitionShape::ramp}) {
    double prev = 0.0;
    for (double x = 0.0; x < 6.0; x += 0.05) {
      const double g = transition_cdf(sh, x, 0.3);
      EXPECT_GE(g, prev - 1e-15) << to_string(sh);
      prev = g;
    }
    EXPECT_NEAR(transition_cdf(sh, 10.0, 0.3), 1.0, 1e-6) << to_string(sh);
  }
  EXPECT_DOUBLE_EQ(transition_cdf(TransitionShape::logistic, 1.0, 0.3), 0.5);
  EXPECT_DOUBLE_EQ(transition_cdf(TransitionShape::lognormal, 1.0, 0.3), 0.5);
  EXPECT_DOUBLE_EQ(transition_cdf(TransitionShape::exp_saturation, 1.0, 0.3), 0.0);
  // Windows: cells outside an lr's window are not run (code -1).
  d.seeds = 3;
  d.window_lo.assign(d.lrs.size(), 100.0);
  d.window_hi.assign(d.lrs.size(), 200.0);
  const OutcomeTable w = simulate_diagram(d, 1);
  EXPECT_EQ(w.code(0, 0, 0), -1);
  EXPECT_GE(w.code(0, 5, 0), 0);
  EXPECT_EQ(w.code(0, 11, 0), -1);
}

// The statistical claim behind the binomial estimator, small enough for CI
// (the full study with bootstrap coverage: tests/study, label long). With the
// measured ~15 % unstable floor the reference's exp-saturation onset loses
// the LC law while the binomial estimator keeps it; with no floor both find it.
TEST(BinomialScaling, KeepsTheLawUnderAFloorWhereTheReferenceLosesIt) {
  SyntheticDesign d;
  d.lrs = logspace(-1, -3, 15);
  d.delays = delays_0_to_400();
  d.seeds = 20;
  const int reps = 24;
  for (const FloorKind fk : {FloorKind::none, FloorKind::flat}) {
    d.floor = fk;
    double sum_ref = 0, sum_bin = 0, sum_bin_sp = 0;
    for (int r = 0; r < reps; ++r) {
      const OutcomeTable t = simulate_diagram(d, 100 + static_cast<std::uint64_t>(r));
      ScalingOptions o = ScalingOptions::reference(Boundary::lc);
      const ScalingFit ref = fit_scaling(t, o);
      o.estimator = BoundaryEstimator::binomial;
      const ScalingFit bin = fit_scaling(t, o);
      ScalingOptions osp = ScalingOptions::reference(Boundary::sp);
      osp.estimator = BoundaryEstimator::binomial;
      const ScalingFit sp = fit_scaling(t, osp);
      ASSERT_TRUE(bin.ok && sp.ok) << bin.reason << sp.reason;
      sum_ref += ref.ok ? ref.beta : 0.0;
      sum_bin += bin.beta;
      sum_bin_sp += sp.beta;
    }
    const double mean_ref = sum_ref / reps, mean_bin = sum_bin / reps, mean_sp = sum_bin_sp / reps;
    std::printf("floor %s: mean β_LC reference %.2f, binomial %.2f; β_SP binomial %.2f (truth 2.72, 4.05)\n",
                to_string(fk), mean_ref, mean_bin, mean_sp);
    EXPECT_NEAR(mean_bin, d.beta_lc, 0.25);
    EXPECT_NEAR(mean_sp, d.beta_sp, 0.35);
    if (fk == FloorKind::none) EXPECT_NEAR(mean_ref, d.beta_lc, 0.35);
    if (fk == FloorKind::flat) EXPECT_LT(mean_ref, d.beta_lc - 0.5);
  }
}

TEST(Resolution, EveryRuleIsAppliedAndNamed) {
  ExponentFit f;
  f.ok = true;
  f.slope = -2.7;
  f.r2 = 0.95;
  for (const double lr : {0.1, 0.05, 0.02, 0.01, 0.005, 0.002}) f.points.push_back({100.0, lr});
  BootstrapResult b;
  b.lo = 2.4;
  b.hi = 3.0;
  b.resamples = 1000;
  b.failed = 10;
  const ResolutionRules rules;
  EXPECT_TRUE(judge_exponent(f, b, rules).resolved);
  EXPECT_TRUE(judge_exponent(f, b, rules).why_not.empty());

  ExponentFit few = f;
  few.points.resize(4);
  EXPECT_THAT(judge_exponent(few, b, rules).why_not, ::testing::Contains(HasSubstr("4 lr(s) kept < 5")));
  ExponentFit narrow = f;
  for (auto& p : narrow.points) p.lr = 0.1 - p.lr / 100.0;
  EXPECT_THAT(judge_exponent(narrow, b, rules).why_not, ::testing::Contains(HasSubstr("decade")));
  ExponentFit poor = f;
  poor.r2 = 0.5;
  EXPECT_THAT(judge_exponent(poor, b, rules).why_not, ::testing::Contains(HasSubstr("R² 0.50 < 0.8")));
  BootstrapResult wide = b;
  wide.lo = 1.0;
  wide.hi = 3.0;  // width 2 / 2.7 = 0.74
  EXPECT_THAT(judge_exponent(f, wide, rules).why_not, ::testing::Contains(HasSubstr("CI width")));
  BootstrapResult broken = b;
  broken.failed = 200;
  EXPECT_THAT(judge_exponent(f, broken, rules).why_not, ::testing::Contains(HasSubstr("resamples failed")));
  ExponentFit none;
  EXPECT_FALSE(judge_exponent(none, b, rules).resolved);
  EXPECT_EQ(judge_exponent(none, b, rules).why_not, std::vector<std::string>{"not fitted"});
}

TEST(Resolution, EstimatorRulesOfTheSyntheticStudy) {
  SyntheticDesign d;
  d.lrs = logspace(-1, -3, 15);
  d.delays = delays_0_to_400();
  d.seeds = 10;
  const ResolutionRules rules;
  d.floor = FloorKind::none;
  const OutcomeTable clean = simulate_diagram(d, 5);
  EXPECT_EQ(unstable_share(clean), 0.0);
  d.floor = FloorKind::flat;  // 15 % unstable everywhere
  const OutcomeTable floored = simulate_diagram(d, 5);
  EXPECT_NEAR(unstable_share(floored), d.floor_level, 0.03);
  d.floor = FloorKind::varying;  // mean 2/3 of the level over the grid
  EXPECT_GT(unstable_share(simulate_diagram(d, 5)), rules.max_unstable_share);
  // The binomial estimator: no rule, floor or not.
  for (const Boundary b : {Boundary::lc, Boundary::sp}) {
    EXPECT_TRUE(estimator_caveats(clean, b, BoundaryEstimator::binomial, rules.max_unstable_share).empty());
    EXPECT_TRUE(estimator_caveats(floored, b, BoundaryEstimator::binomial, rules.max_unstable_share).empty());
  }
  // The reference β_LC: only under a floor, which the message quantifies.
  EXPECT_TRUE(estimator_caveats(clean, Boundary::lc, BoundaryEstimator::reference, 0.05).empty());
  const auto lc = estimator_caveats(floored, Boundary::lc, BoundaryEstimator::reference, 0.05);
  ASSERT_EQ(lc.size(), 1u);
  EXPECT_THAT(lc[0], HasSubstr("% of the networks are unstable (> 5 %)"));
  EXPECT_TRUE(estimator_caveats(floored, Boundary::lc, BoundaryEstimator::reference, 0.5).empty());
  // The reference β_SP: always.
  const auto sp = estimator_caveats(clean, Boundary::sp, BoundaryEstimator::reference, 0.05);
  ASSERT_EQ(sp.size(), 1u);
  EXPECT_THAT(sp[0], HasSubstr("memphase's β_SP is the binomial one"));
  // Missing cells (code -1) do not count.
  OutcomeTable part = floored;
  for (std::size_t i = 0; i < part.codes.size() / 2; ++i) part.codes[i] = -1;
  EXPECT_GT(unstable_share(part), 0.0);
  EXPECT_EQ(unstable_share(OutcomeTable{}), 0.0);
}

// ---------------------------------------------------------------- bootstrap

TEST(Bootstrap, ReproducibleGivenSeedAndChangesWithSeed) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<double> v(30);
  for (auto& x : v) x = z(rng);
  const SeedStatistic mean = [&](std::span<const std::size_t> s) {
    double m = 0;
    for (const auto i : s) m += v[i];
    return m / static_cast<double>(s.size());
  };
  const BootstrapOptions o{.resamples = 1000, .seed = 42, .level = 0.95};
  const BootstrapResult a = bootstrap_seeds(v.size(), mean, o);
  const BootstrapResult b = bootstrap_seeds(v.size(), mean, o);
  EXPECT_EQ(a.se, b.se);  // bitwise
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_EQ(a.estimate, mean(std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                                     15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29}));
  EXPECT_EQ(a.resamples, 1000u);
  EXPECT_EQ(a.failed, 0u);
  BootstrapOptions o2 = o;
  o2.seed = 43;
  const BootstrapResult c = bootstrap_seeds(v.size(), mean, o2);
  EXPECT_NE(a.se, c.se);
  EXPECT_NE(a.lo, c.lo);
  // The bootstrap SE of a mean ≈ the plug-in SD / sqrt(n).
  double m = 0, ss = 0;
  for (const double x : v) m += x;
  m /= 30;
  for (const double x : v) ss += (x - m) * (x - m);
  EXPECT_NEAR(a.se / std::sqrt(ss / 30 / 30), 1.0, 0.1);
  EXPECT_LT(a.lo, a.estimate);
  EXPECT_GT(a.hi, a.estimate);
}

TEST(Bootstrap, SameSeedListForEveryCallAndFailuresCounted) {
  // Statistic fails whenever seed 0 is drawn: P = 1 - (1 - 1/n)^n.
  const std::size_t n = 20;
  const SeedStatistic stat = [](std::span<const std::size_t> s) {
    return std::find(s.begin(), s.end(), 0u) != s.end() ? NAN : 1.0;
  };
  const BootstrapResult r = bootstrap_seeds(n, stat, {.resamples = 2000, .seed = 9, .level = 0.95});
  EXPECT_TRUE(std::isnan(r.estimate));  // the original sample contains seed 0
  const double p = 1.0 - std::pow(1.0 - 1.0 / n, static_cast<double>(n));
  EXPECT_NEAR(static_cast<double>(r.failed) / 2000.0, p, 0.04);
  EXPECT_EQ(r.lo, 1.0);
  EXPECT_EQ(r.hi, 1.0);
}

TEST(Bootstrap, ScalingIsReproducible) {
  std::mt19937_64 rng(2);
  const OutcomeTable t = synth_table(Boundary::lc, logspace(-1, -2, 5), delays_0_to_400(), 20, 2.5,
                                     80.0 * std::pow(0.1, 1 / 2.5), 0.03, 0.05, rng);
  const BootstrapOptions o{.resamples = 100, .seed = 5, .level = 0.95};
  const auto sopt = ScalingOptions::reference(Boundary::lc);
  const BootstrapResult a = bootstrap_scaling(t, sopt, o);
  const BootstrapResult b = bootstrap_scaling(t, sopt, o);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_EQ(a.se, b.se);
  EXPECT_EQ(a.failed, b.failed);
  EXPECT_EQ(a.estimate, fit_scaling(t, sopt).beta);
  EXPECT_TRUE(std::isfinite(a.se) && a.se > 0);
}

// Coverage: 200 replications of a synthetic campaign with known β; the 95 %
// percentile interval (B = 200 here to keep the test fast; the default is
// 1000) must cover the truth in 88-99 % of them.
TEST(Bootstrap, PercentileIntervalCoverage) {
  const auto start = std::chrono::steady_clock::now();
  const double beta = 2.5;
  const auto lrs = logspace(-1, -2, 6);
  const auto delays = delays_0_to_400();
  const double c = 80.0 * std::pow(0.1, 1.0 / beta);  // T_c from 80 to 200 ms
  const auto sopt = ScalingOptions::reference(Boundary::lc);
  std::mt19937_64 rng(2024);
  int covered = 0, reps = 200, failed_total = 0;
  for (int r = 0; r < reps; ++r) {
    const OutcomeTable t = synth_table(Boundary::lc, lrs, delays, 20, beta, c, 0.03, 0.05, rng);
    const BootstrapResult b =
        bootstrap_scaling(t, sopt, {.resamples = 200, .seed = static_cast<std::uint64_t>(r), .level = 0.95});
    failed_total += static_cast<int>(b.failed);
    if (b.lo <= beta && beta <= b.hi) ++covered;
  }
  const double cov = static_cast<double>(covered) / reps;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("coverage %d/%d = %.3f, failed resamples %d, %.1f s\n", covered, reps, cov, failed_total, secs);
  EXPECT_GE(cov, 0.88);
  EXPECT_LE(cov, 0.99);
}

}  // namespace
}  // namespace memphase
