// Tests of the SPEC §3.7 fits (analysis/fit.hpp) and the seed-paired
// bootstrap (analysis/bootstrap.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analysis/bootstrap.hpp"
#include "analysis/fit.hpp"

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

  // A decreasing curve: the increasing logistic's best fit runs off the data
  // range, which must be reported, not returned as a boundary.
  const auto t = delays_0_to_400();
  std::vector<double> dec;
  for (const double ti : t) dec.push_back(1.0 - logistic(ti, 200, 0.05));
  const CurveFit d = fit_logistic(t, dec);
  EXPECT_EQ(d.status, FitStatus::failed);
  EXPECT_THAT(d.reason, HasSubstr("not identifiable"));
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
        const double p = b == Boundary::lc ? exp_sat(delays[j], tc * shift[s], rate)
                                           : logistic(delays[j], tc * shift[s], rate);
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
  // lr[0] (largest): never SP → skipped. lr[1]: SP everywhere → boundary
  // below the smallest delay → failed with a reason.
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
