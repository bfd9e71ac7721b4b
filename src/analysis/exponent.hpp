#pragma once
// The common shape of every scaling exponent memphase reports (β_LC, β_SP,
// the no-memory exponent, the toys' α_max exponent): a set of points (t, lr)
// fitted by  ln lr = B ln t + c  (OLS), exponent = -B, and its seed-paired
// bootstrap with a percentile band of the fitted line. Pure numerics.
#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "analysis/bootstrap.hpp"

namespace memphase {

/// One point of a log-log fit: t = T_c / response length / delay, lr = the
/// learning rate (or lr_c, α_max) that goes with it.
struct ExponentPoint {
  double t = 0.0;
  double lr = 0.0;
};

/// ln lr = slope · ln t + intercept over `points`; exponent = -slope.
struct ExponentFit {
  bool ok = false;
  std::string reason;  ///< why not ok; empty when ok
  double slope = std::numeric_limits<double>::quiet_NaN();
  double intercept = std::numeric_limits<double>::quiet_NaN();
  double slope_se = std::numeric_limits<double>::quiet_NaN();  ///< OLS SE; NaN with 2 points
  double r2 = std::numeric_limits<double>::quiet_NaN();
  std::vector<ExponentPoint> points;
  std::size_t networks = 0;  ///< networks behind the points (for the tables)
  [[nodiscard]] double exponent() const { return -slope; }
};

/// OLS of ln lr on ln t. Points with non-finite or non-positive t or lr are an
/// error (ok = false). Needs >= 2 points with distinct t.
ExponentFit fit_exponent(std::vector<ExponentPoint> points, std::size_t networks);

/// The point fit for a list of seed indices (n_seeds entries, repeats allowed).
using ExponentStatistic = std::function<ExponentFit(std::span<const std::size_t> seeds)>;

/// Bootstrap of an exponent plus the percentile band of the fitted lr.
struct ExponentBootstrap {
  BootstrapResult boot;          ///< of the exponent; `failed` = resamples whose fit was not ok
  std::vector<double> band_t;    ///< log-spaced t over the point fit's t range
  std::vector<double> band_lo;   ///< percentile interval of exp(c_b) t^{B_b} at band_t
  std::vector<double> band_hi;
};

/// Seed-paired bootstrap of `stat` (the resampled lists are those of
/// bootstrap_seeds with the same options). `point` is stat on the original
/// seeds (it sets the band's t range; no band if !point.ok). Resamples are
/// evaluated on `threads` threads (0 = hardware concurrency); the result does
/// not depend on the thread count.
ExponentBootstrap bootstrap_exponent(std::size_t n_seeds, const ExponentStatistic& stat,
                                     const ExponentFit& point, const BootstrapOptions& opt,
                                     unsigned threads = 1, std::size_t band_points = 50);

}  // namespace memphase
