// The common exponent fit (ln lr = B ln t + c) and its bootstrap with a
// percentile band: closed-form agreement, reproducibility, thread
// independence, failed resamples counted, and band coverage of the truth.
#include "stats/exponent.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace memphase {
namespace {

TEST(FitExponent, MatchesClosedFormOls) {
  // lr = 3 t^-2.5 with multiplicative noise; slope from the textbook formula.
  std::mt19937_64 rng(1);
  std::normal_distribution<double> noise(0.0, 0.05);
  std::vector<ExponentPoint> pts;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < 12; ++i) {
    const double t = 20.0 * std::pow(1.3, i);
    const double lr = 3.0 * std::pow(t, -2.5) * std::exp(noise(rng));
    pts.push_back({t, lr});
    const double x = std::log(t), y = std::log(lr);
    sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  const double n = 12, slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const ExponentFit f = fit_exponent(pts, 123);
  ASSERT_TRUE(f.ok) << f.reason;
  EXPECT_NEAR(f.slope, slope, 1e-12);
  EXPECT_NEAR(f.exponent(), 2.5, 0.05);
  EXPECT_NEAR(f.intercept, (sy - slope * sx) / n, 1e-10);
  EXPECT_GT(f.r2, 0.99);
  EXPECT_GT(f.slope_se, 0.0);
  EXPECT_EQ(f.networks, 123u);
}

TEST(FitExponent, RefusesBadPointsWithAReason) {
  EXPECT_FALSE(fit_exponent({{10.0, 0.1}}, 0).ok);
  const ExponentFit neg = fit_exponent({{10.0, 0.1}, {-1.0, 0.2}}, 0);
  EXPECT_FALSE(neg.ok);
  EXPECT_NE(neg.reason.find("non-positive"), std::string::npos);
  const ExponentFit same = fit_exponent({{10.0, 0.1}, {10.0, 0.2}}, 0);
  EXPECT_FALSE(same.ok);
  EXPECT_TRUE(std::isnan(fit_exponent({{10.0, 0.1}, {20.0, 0.05}}, 0).slope_se));  // 2 points
}

/// Per-seed noisy observations of lr = t^-3 at 8 values of t; a resample's
/// point is the mean over its seeds (with repeats) in log space.
struct Synthetic {
  std::size_t n_seeds = 25;
  std::vector<double> t;
  std::vector<std::vector<double>> log_lr;  // [seed][i]
  explicit Synthetic(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 0.3);
    for (int i = 0; i < 8; ++i) t.push_back(10.0 * std::pow(1.5, i));
    log_lr.resize(n_seeds);
    for (auto& row : log_lr)
      for (const double ti : t) row.push_back(-3.0 * std::log(ti) + noise(rng));
  }
  ExponentFit operator()(std::span<const std::size_t> seeds) const {
    std::vector<ExponentPoint> pts;
    for (std::size_t i = 0; i < t.size(); ++i) {
      double m = 0;
      for (const std::size_t s : seeds) m += log_lr[s][i];
      pts.push_back({t[i], std::exp(m / static_cast<double>(seeds.size()))});
    }
    return fit_exponent(pts, seeds.size());
  }
};

TEST(BootstrapExponent, ReproducibleAndIndependentOfThreads) {
  const Synthetic syn(2);
  std::vector<std::size_t> all(syn.n_seeds);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const ExponentFit point = syn(all);
  BootstrapOptions o;
  o.resamples = 300;
  o.seed = 5;
  const ExponentBootstrap a = bootstrap_exponent(syn.n_seeds, std::cref(syn), point, o, 1);
  const ExponentBootstrap b = bootstrap_exponent(syn.n_seeds, std::cref(syn), point, o, 3);
  EXPECT_EQ(a.boot.se, b.boot.se);
  EXPECT_EQ(a.boot.lo, b.boot.lo);
  EXPECT_EQ(a.band_lo, b.band_lo);
  EXPECT_EQ(a.boot.failed, 0u);
  EXPECT_EQ(a.boot.estimate, point.exponent());
  // The same lists as bootstrap_seeds: identical SE for the same statistic.
  const BootstrapResult c = bootstrap_seeds(
      syn.n_seeds, [&](std::span<const std::size_t> s) { return syn(s).exponent(); }, o);
  EXPECT_EQ(c.se, a.boot.se);
  o.seed = 6;
  EXPECT_NE(bootstrap_exponent(syn.n_seeds, std::cref(syn), point, o, 2).boot.se, a.boot.se);
  // Band: 50 log-spaced t over the points' range, lo <= fit <= hi.
  ASSERT_EQ(a.band_t.size(), 50u);
  EXPECT_NEAR(a.band_t.front(), syn.t.front(), 1e-9);
  EXPECT_NEAR(a.band_t.back(), syn.t.back(), 1e-9);
  for (std::size_t i = 0; i < a.band_t.size(); ++i) {
    const double fit = std::exp(point.intercept + point.slope * std::log(a.band_t[i]));
    EXPECT_LT(a.band_lo[i], fit);
    EXPECT_GT(a.band_hi[i], fit);
  }
}

TEST(BootstrapExponent, CountsFailedResamples) {
  // A statistic that fails whenever seed 0 is absent from the resample.
  const Synthetic syn(3);
  auto stat = [&](std::span<const std::size_t> seeds) {
    if (std::find(seeds.begin(), seeds.end(), std::size_t{0}) == seeds.end()) return ExponentFit{};
    return syn(seeds);
  };
  std::vector<std::size_t> all(syn.n_seeds);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  BootstrapOptions o;
  o.resamples = 400;
  const ExponentBootstrap b = bootstrap_exponent(syn.n_seeds, stat, syn(all), o, 2);
  // P(seed 0 absent) = (24/25)^25 = 0.36.
  EXPECT_GT(b.boot.failed, 100u);
  EXPECT_LT(b.boot.failed, 190u);
  EXPECT_TRUE(std::isfinite(b.boot.se));
}

TEST(BootstrapExponent, IntervalCoversTheTruthAtTheNominalRate) {
  // 100 replications with known exponent 3: the 95 % interval should cover it
  // in about 95 of them (binomial: 88..99 is a generous band).
  int covered = 0;
  for (std::uint64_t rep = 0; rep < 100; ++rep) {
    const Synthetic syn(100 + rep);
    std::vector<std::size_t> all(syn.n_seeds);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    BootstrapOptions o;
    o.resamples = 400;
    o.seed = rep;
    const ExponentBootstrap b = bootstrap_exponent(syn.n_seeds, std::cref(syn), syn(all), o, 2, 2);
    covered += (b.boot.lo <= 3.0 && 3.0 <= b.boot.hi) ? 1 : 0;
  }
  EXPECT_GE(covered, 85);
  EXPECT_LE(covered, 99) << "intervals too wide";
  std::printf("coverage %d of 100\n", covered);
}

}  // namespace
}  // namespace memphase
