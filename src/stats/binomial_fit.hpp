#pragma once
// A boundary estimator for the seed counts people can afford (issue 14),
// reported NEXT TO the reference's curve fits of SPEC §3.7, never instead.
//
// The reference fits a curve to the fraction of networks per delay by least
// squares: every cell weighs the same whatever its seed count, and the
// curve must reach 0 (failures) or 1 (SP) outside the boundary. With a few
// seeds per cell and a floor of sporadic failures (class 3 at short delays,
// SPEC §3.7), the exp-saturation onset is pulled to wherever the first
// failure happens to fall.
//
// This estimator models the COUNTS: k of n networks per delay x are
// binomial with probability
//
//   rise (failures):  p(x) = f0 + (1 - f0) σ((ln x - ln T_c)/w),   0 <= f0 <= 1/2
//   fall (SP share):  p(x) = h (1 - σ((ln x - ln T_c)/w)),          0 <  h  <= 1
//
// σ the logistic function, w > 0 the width in ln x (x = 0 sits at the
// level; BinomialFitOptions::log_x = false uses x itself). The nuisance level (a floor f0
// of failures that happen at any delay; the plateau h of the SP share at
// short delays, below 1 when some short-delay networks fail or cycle) is
// fitted, not assumed, and T_c is the midpoint of the transition itself,
// wherever the level sits. The parameters maximise the binomial likelihood
// (Levenberg-Marquardt on the deviance residuals from a grid of starts; the
// deviance is the minimised sum of squares). Pure numerics, no I/O.
#include <span>
#include <string>

#include "stats/fit.hpp"

namespace memphase {

/// Direction of the transition.
enum class BinomialShape {
  rise,  ///< failure fraction: a floor f0, then up to 1
  fall,  ///< SP fraction: a plateau h, then down to 0
};

/// Tuning of fit_binomial_boundary.
struct BinomialFitOptions {
  double skip_below = 0.1;   ///< skip if max k/n < skip_below (the SPEC §3.7 rule)
  int tc_grid = 13;          ///< starts for T_c over [min x, max x]
  int width_grid = 4;        ///< starts for ln w over [ln(span/100), ln(span)]
  int starts = 3;            ///< best grid points refined by Levenberg-Marquardt
  double max_floor = 0.5;    ///< rise: f0 in [0, max_floor]
  /// The transition in ln x: σ((ln x - ln T_c)/w), w a width in ln x (x <= 0
  /// sits at the level). Scale-free: a transition whose width grows with T_c
  /// has the same shape at every lr, which is what made the synthetic study's
  /// bias smallest (docs/boundary-study.md). false: σ((x - T_c)/w) in x.
  bool log_x = true;
};

/// Result of fit_binomial_boundary.
struct BinomialFit {
  FitStatus status = FitStatus::failed;
  double t_c = 0.0;       ///< midpoint of the transition, in the units of x
  double width = 0.0;     ///< w (in ln x when log_x)
  double level = 0.0;     ///< f0 (rise) or h (fall)
  double deviance = 0.0;  ///< binomial deviance at the optimum (>= 0)
  std::string reason;     ///< why skipped / failed; empty when ok
  [[nodiscard]] bool ok() const { return status == FitStatus::ok; }
};

/// The model's probability at x (width in ln x when log_x).
double binomial_model(BinomialShape s, double x, double t_c, double width, double level, bool log_x = true);

/// Fits the model to counts k[i] of n[i] at x[i] (cells with n = 0 or a
/// non-finite value are ignored). Skipped when max k/n < skip_below; failed,
/// with a reason, when fewer than 3 cells remain, when the optimum is not
/// finite, or when T_c lies outside [min x, max x] (a transition outside the
/// sampled delays is not identified by the data).
BinomialFit fit_binomial_boundary(BinomialShape shape, std::span<const double> x,
                                  std::span<const double> k, std::span<const double> n,
                                  const BinomialFitOptions& opt = {});

}  // namespace memphase
