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

#include "stats/bootstrap.hpp"

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

/// Explicit rules that label an exponent "resolved" (issue 14). The defaults
/// were fixed from the synthetic study of the boundary estimators
/// (docs/boundary-study.md) BEFORE any reproduction data was looked at;
/// change them only with a new study.
struct ResolutionRules {
  std::size_t min_points = 5;       ///< kept lrs (points of the log-log fit)
  double min_decades = 1.0;         ///< log10(max t-axis lr / min lr) over the kept points
  double min_r2 = 0.8;              ///< R² of the log-log OLS
  double max_rel_ci = 0.5;          ///< (CI hi - CI lo) / |estimate|
  double max_failed_share = 0.1;    ///< bootstrap resamples whose fit failed
  /// Estimator rule (boundary exponents, stats/fit.hpp estimator_caveats):
  /// the reference β_LC is unresolved when more than this share of the
  /// networks is unstable (class 3).
  double max_unstable_share = 0.05;
};

/// The verdict, with every rule that failed in words.
struct Resolution {
  bool resolved = false;
  std::vector<std::string> why_not;  ///< empty when resolved
};

/// Applies `rules` to a fitted exponent and its bootstrap.
Resolution judge_exponent(const ExponentFit& fit, const BootstrapResult& boot, const ResolutionRules& rules);

}  // namespace memphase
