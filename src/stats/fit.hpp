#pragma once
// Boundary and scaling fits of SPEC §3.7 (pure numerics: no I/O, no MPI).
//
// Curve fits are least squares over two parameters (T0 and a rate). They do
// not depend on a lucky initial guess: the SSE is first evaluated on a grid of
// (T0, rate) starts spanning the data, and the best few grid T0s plus the
// reference's own start are refined with Levenberg-Marquardt (Eigen's
// unsupported module, a MINPACK port like scipy's); the lowest SSE wins. A fit that cannot be trusted is reported as `failed` with a
// reason; a curve below the skip rule is `skipped`. Neither throws.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace memphase {

/// Outcome of a curve fit. `skipped` (SPEC skip rule: max f < threshold) is
/// distinct from `failed` (no trustworthy optimum).
enum class FitStatus { ok, skipped, failed };

/// "ok", "skipped" or "failed".
const char* to_string(FitStatus s);

/// Tuning of the two-parameter curve fits (SPEC §3.7: memphase's SSE must
/// never exceed the reference's curve_fit from p0 = (0.1, 0.1); the
/// cross-check test tests/unit/analysis/fit_crosscheck.py holds it to that).
struct CurveFitOptions {
  double skip_below = 0.1;   ///< skip if max f < skip_below (SPEC §3.7)
  int t0_grid = 24;          ///< grid points for T0 over [min x - span/2, max x + span/2]
  int rate_grid = 10;        ///< grid points for ln rate over [ln(0.3/span), ln(300/span)]
  int starts = 4;            ///< best grid T0s (each at its best rate) refined by Levenberg-Marquardt,
                             ///< plus the reference's start (T0, rate) = (0.1, 0.1) for the §3.7 models
};

/// Result of fit_exp_saturation / fit_logistic / fit_logistic_log_lr.
struct CurveFit {
  FitStatus status = FitStatus::failed;
  double t0 = 0.0;     ///< threshold T0, in the units of x (ms, or ln lr)
  double rate = 0.0;   ///< a (exp-saturation, > 0) or k (logistic), per unit of x
  double sse = 0.0;    ///< Σ (model - f)^2 at the optimum (binomial estimator: the deviance)
  double level = std::numeric_limits<double>::quiet_NaN();  ///< binomial estimator: f0 or h; else NaN
  std::string reason;  ///< why skipped/failed; empty when ok
  [[nodiscard]] bool ok() const { return status == FitStatus::ok; }
};

/// Fits g(x) = 0 for x < T0, 1 - exp(-a (x - T0)) for x >= T0 to (x_i, f_i)
/// (SPEC §3.7, failure fraction against delay T). x and f have equal length
/// (mismatch, < 2 finite points → failed). Fails when the optimum lies outside
/// [min x - span, max x + span] or is not finite.
CurveFit fit_exp_saturation(std::span<const double> x, std::span<const double> f,
                            const CurveFitOptions& opt = {});

/// Fits the logistic 1 / (1 + exp(-k (x - T0))) with k of EITHER sign (SPEC
/// §3.7, SP fraction against delay T: it falls with delay, so k < 0 and T0 is
/// where the curve crosses 1/2; the reference's curve_fit is unbounded too).
/// Same skip/failure rules as above.
CurveFit fit_logistic(std::span<const double> x, std::span<const double> f,
                      const CurveFitOptions& opt = {});

/// No-memory family: increasing logistic (k > 0) in x = ln lr of the failure
/// fraction against the learning rates `lr` (> 0): failures rise with lr.
/// `t0` of the result is ln lr_c; lr_c = exp(t0).
CurveFit fit_logistic_log_lr(std::span<const double> lr, std::span<const double> f,
                             const CurveFitOptions& opt = {});

/// Ordinary least squares y = slope·x + intercept (closed form).
struct OlsFit {
  bool ok = false;          ///< n >= 2 and x not constant
  std::size_t n = 0;
  double slope = 0.0;
  double intercept = 0.0;
  double slope_se = 0.0;    ///< sqrt(SSE/(n-2) / Sxx); NaN if n < 3
  double r2 = 0.0;          ///< 1 - SSE/SST (1 if SST = 0 and SSE = 0)
};

/// OLS of y on x (equal lengths; non-finite pairs are an error → ok = false).
OlsFit fit_ols(std::span<const double> x, std::span<const double> y);

/// Per-network class codes of a campaign (SPEC §3.5: 0 fail, 1 LC, 2 SP,
/// 3 unstable; a negative code = missing, e.g. a partial campaign).
/// codes has lrs.size() × delays.size() × n_seeds entries, seed fastest:
/// codes[(i_lr * delays.size() + i_delay) * n_seeds + seed].
struct OutcomeTable {
  std::vector<double> lrs;
  std::vector<double> delays;        ///< T in ms
  std::size_t n_seeds = 0;
  std::vector<std::int8_t> codes;
  [[nodiscard]] std::int8_t code(std::size_t i_lr, std::size_t i_delay, std::size_t seed) const {
    return codes[(i_lr * delays.size() + i_delay) * n_seeds + seed];
  }
};

/// Which boundary of SPEC §3.7 to fit.
enum class Boundary {
  lc,  ///< exp-saturation on the failure fraction (classes 0 and 3) → β_LC
  sp,  ///< logistic on the SP fraction (class 2) → β_SP
};

/// How each learning rate's boundary T_c is estimated.
enum class BoundaryEstimator {
  reference,  ///< SPEC §3.7: least-squares curve on the fractions (exp-saturation onset / logistic midpoint)
  /// analysis/binomial_fit.hpp: binomial likelihood of the counts, level
  /// fitted, T_c = midpoint. LC: failures (0, 3) among all networks; SP: SP
  /// among the LEARNED networks (LC + SP), so that failures at long delays
  /// do not move the SP boundary and cells with few learned networks weigh little.
  binomial,
};

/// "reference" or "binomial".
const char* to_string(BoundaryEstimator e);

/// Options of fit_scaling.
struct ScalingOptions {
  Boundary boundary = Boundary::lc;
  BoundaryEstimator estimator = BoundaryEstimator::reference;
  std::size_t largest_lrs = 0;  ///< use only the N largest lrs (0 = all)
  CurveFitOptions curve{};      ///< reference estimator (curve.skip_below applies to both)
  /// The reference's defaults: all lrs for LC, the 25 largest for SP.
  static ScalingOptions reference(Boundary b);
};

/// One learning rate's boundary fit inside a ScalingFit.
struct LrFit {
  double lr = 0.0;
  CurveFit fit;        ///< T_c = fit.t0 when fit.ok()
};

/// Result of fit_scaling: per-lr fits, then ln lr = B ln T_c + c over the
/// kept lrs, β = -B.
struct ScalingFit {
  bool ok = false;                 ///< >= 2 kept lrs and the OLS succeeded
  std::string reason;              ///< why not ok; empty when ok
  double beta = 0.0;               ///< -B
  double beta_se = 0.0;            ///< OLS SE of B (NaN with 2 kept lrs)
  double r2 = 0.0;
  double intercept = 0.0;          ///< c
  std::vector<double> kept_lrs;    ///< lrs that entered the OLS, in table order
  std::vector<double> t_c;         ///< their T_c (ms), same order
  std::vector<LrFit> skipped;      ///< skip rule
  std::vector<LrFit> failed;       ///< curve fit failed, or T_c <= 0 (no log)
  std::vector<LrFit> all;          ///< every considered lr, in table order
};

/// Fraction of networks per (lr, delay) over a seed list (with repeats, as a
/// bootstrap resample gives). Returns lrs.size() × delays.size() row-major
/// values; NaN where no listed seed has a valid code. `classes` is a bit mask
/// (1 << code), e.g. (1<<0)|(1<<3) for the failure fraction.
std::vector<double> class_fractions(const OutcomeTable& t, unsigned classes,
                                    std::span<const std::size_t> seeds);

/// Counts behind class_fractions: `hits` networks of class `classes` among
/// `valid` networks whose code is in `among` (default: every code), per
/// (lr, delay), row-major.
struct ClassCounts {
  std::vector<double> hits, valid;
};
ClassCounts class_counts(const OutcomeTable& t, unsigned classes, std::span<const std::size_t> seeds,
                         unsigned among = ~0u);

/// Fits SPEC §3.7 on the networks of `seeds` (empty = all seeds 0..n_seeds-1).
ScalingFit fit_scaling(const OutcomeTable& t, const ScalingOptions& opt,
                       std::span<const std::size_t> seeds = {});

/// Share of the valid networks of `t` that are unstable (class 3); 0 for an
/// empty table.
double unstable_share(const OutcomeTable& t);

/// The estimator rules of docs/boundary-study.md (issue 14): situations in
/// which the synthetic study found an estimator's β biased with a bootstrap
/// CI that does not cover the truth, whatever its precision. Each returned
/// sentence makes the exponent unresolved (on top of ResolutionRules'
/// precision rules). Fixed from the study before any reproduction data was
/// looked at:
///   * the reference β_SP (logistic midpoint, SPEC §3.7): always; biased low
///     in every setting of the study;
///   * the reference β_LC (exp-saturation onset): when more than
///     `max_unstable_share` of the networks are unstable (class 3): under
///     an unstable floor the onset follows the sporadic failures;
///   * the binomial estimator: none.
std::vector<std::string> estimator_caveats(const OutcomeTable& t, Boundary b, BoundaryEstimator e,
                                           double max_unstable_share);

}  // namespace memphase
