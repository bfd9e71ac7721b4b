#include "stats/exponent.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include "stats/fit.hpp"
#include "core/parallel.hpp"

namespace memphase {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

ExponentFit fit_exponent(std::vector<ExponentPoint> points, std::size_t networks) {
  ExponentFit out;
  out.points = std::move(points);
  out.networks = networks;
  std::vector<double> x, y;
  x.reserve(out.points.size());
  y.reserve(out.points.size());
  for (const ExponentPoint& p : out.points) {
    if (!(std::isfinite(p.t) && std::isfinite(p.lr) && p.t > 0.0 && p.lr > 0.0)) {
      out.reason = "a point has a non-positive or non-finite value (t = " + std::to_string(p.t) +
                   ", lr = " + std::to_string(p.lr) + ")";
      return out;
    }
    x.push_back(std::log(p.t));
    y.push_back(std::log(p.lr));
  }
  if (out.points.size() < 2) {
    out.reason = "fewer than 2 points (" + std::to_string(out.points.size()) + ")";
    return out;
  }
  const OlsFit ols = fit_ols(x, y);
  if (!ols.ok) {
    out.reason = "log-log OLS failed (all t equal)";
    return out;
  }
  out.ok = true;
  out.slope = ols.slope;
  out.intercept = ols.intercept;
  out.slope_se = ols.slope_se;
  out.r2 = ols.r2;
  return out;
}

ExponentBootstrap bootstrap_exponent(std::size_t n_seeds, const ExponentStatistic& stat,
                                     const ExponentFit& point, const BootstrapOptions& opt,
                                     unsigned threads, std::size_t band_points) {
  ExponentBootstrap out;
  const std::size_t nb = opt.resamples;
  const std::vector<std::size_t> lists = resample_seed_lists(n_seeds, opt);
  std::vector<double> slope(nb, kNaN), icpt(nb, kNaN);

  if (n_seeds > 0) {
    parallel_for(nb, threads, [&](std::size_t b) {
      const ExponentFit f = stat(std::span<const std::size_t>(lists).subspan(b * n_seeds, n_seeds));
      if (f.ok && std::isfinite(f.slope) && std::isfinite(f.intercept)) {
        slope[b] = f.slope;
        icpt[b] = f.intercept;
      }
    });
  }

  std::vector<double> expo(nb);
  for (std::size_t b = 0; b < nb; ++b) expo[b] = -slope[b];
  out.boot = summarize_bootstrap(point.ok ? point.exponent() : kNaN, expo, opt);
  out.boot.resamples = nb;

  if (!point.ok || band_points < 2 || point.points.empty()) return out;
  auto [lo_it, hi_it] = std::minmax_element(point.points.begin(), point.points.end(),
                                            [](const auto& a, const auto& b) { return a.t < b.t; });
  const double l0 = std::log(lo_it->t), l1 = std::log(hi_it->t);
  const double a = 0.5 * (1.0 - opt.level);
  std::vector<double> pred;
  pred.reserve(nb);
  for (std::size_t i = 0; i < band_points; ++i) {
    const double lt = l0 + (l1 - l0) * static_cast<double>(i) / static_cast<double>(band_points - 1);
    pred.clear();
    for (std::size_t b = 0; b < nb; ++b) {
      if (std::isfinite(slope[b])) pred.push_back(icpt[b] + slope[b] * lt);
    }
    out.band_t.push_back(std::exp(lt));
    if (pred.empty()) {
      out.band_lo.push_back(kNaN);
      out.band_hi.push_back(kNaN);
      continue;
    }
    std::sort(pred.begin(), pred.end());
    out.band_lo.push_back(std::exp(quantile_sorted(pred, a)));
    out.band_hi.push_back(std::exp(quantile_sorted(pred, 1.0 - a)));
  }
  return out;
}

Resolution judge_exponent(const ExponentFit& fit, const BootstrapResult& boot, const ResolutionRules& rules) {
  Resolution r;
  auto fail = [&r](std::string why) { r.why_not.push_back(std::move(why)); };
  if (!fit.ok) {
    fail("not fitted");
    return r;
  }
  if (fit.points.size() < rules.min_points)
    fail(fmt::format("{} lr(s) kept < {}", fit.points.size(), rules.min_points));
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
  for (const ExponentPoint& p : fit.points) {
    lo = std::min(lo, p.lr);
    hi = std::max(hi, p.lr);
  }
  const double decades = fit.points.empty() ? 0.0 : std::log10(hi / lo);
  if (!(decades >= rules.min_decades))
    fail(fmt::format("kept lrs span {:.2f} decade(s) < {}", decades, rules.min_decades));
  if (!(fit.r2 >= rules.min_r2)) fail(fmt::format("R² {:.2f} < {}", fit.r2, rules.min_r2));
  const double est = fit.exponent();
  const double rel = (boot.hi - boot.lo) / std::abs(est);
  if (!(std::isfinite(rel) && rel <= rules.max_rel_ci))
    fail(fmt::format("CI width / estimate = {:.2f} > {}", rel, rules.max_rel_ci));
  const double failed = boot.resamples > 0 ? static_cast<double>(boot.failed) / static_cast<double>(boot.resamples) : 1.0;
  if (failed > rules.max_failed_share)
    fail(fmt::format("{:.0f} % of bootstrap resamples failed > {:.0f} %", 100.0 * failed,
                     100.0 * rules.max_failed_share));
  r.resolved = r.why_not.empty();
  return r;
}

}  // namespace memphase
