#include "stats/fit.hpp"

#include "stats/binomial_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include <Eigen/Core>
#include <unsupported/Eigen/NonLinearOptimization>
#include <unsupported/Eigen/NumericalDiff>

namespace memphase {

const char* to_string(FitStatus s) {
  switch (s) {
    case FitStatus::ok: return "ok";
    case FitStatus::skipped: return "skipped";
    case FitStatus::failed: return "failed";
  }
  return "?";
}

const char* to_string(BoundaryEstimator e) {
  return e == BoundaryEstimator::binomial ? "binomial" : "reference";
}

namespace detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The two SPEC §3.7 models take p = (T0, rate) as the reference's unbounded
// curve_fit does, so that a local search from the reference's start
// p0 = (0.1, 0.1) follows the reference's path (Eigen's LM is a port of
// MINPACK, like scipy's leastsq); the logistic's k takes either sign, the
// exp-saturation rate is searched over > 0 (a fit that ends at a <= 0 is
// reported as failed). logistic_up (no-memory) keeps k > 0 through
// p = (T0, ln k).
enum class Model { exp_saturation, logistic_up, logistic_free };

/// Whether p[1] is the rate itself (else its logarithm).
bool direct_rate(Model m) { return m != Model::logistic_up; }
/// Whether the grid of starts tries both signs of the rate.
bool both_signs(Model m) { return m == Model::logistic_free; }

double model_value(Model m, double x, double t0, double rate) {
  if (m == Model::exp_saturation) return x < t0 ? 0.0 : 1.0 - std::exp(-rate * (x - t0));
  return 1.0 / (1.0 + std::exp(-rate * (x - t0)));
}

/// The rate a parameter vector stands for (see Model).
double rate_of(Model m, double p1) { return direct_rate(m) ? p1 : std::exp(p1); }

// Residuals for Eigen's LM over p = (T0, p1), p1 as in rate_of().
struct Residuals {
  using Scalar = double;
  enum { InputsAtCompileTime = Eigen::Dynamic, ValuesAtCompileTime = Eigen::Dynamic };
  using InputType = Eigen::VectorXd;
  using ValueType = Eigen::VectorXd;
  using JacobianType = Eigen::MatrixXd;

  Model model;
  const std::vector<double>* xs_;
  const std::vector<double>* fs_;

  int inputs() const { return 2; }
  int values() const { return static_cast<int>(xs_->size()); }
  int operator()(const Eigen::VectorXd& p, Eigen::VectorXd& r) const {
    const double rate = rate_of(model, p[1]);
    for (std::size_t i = 0; i < xs_->size(); ++i)
      r[static_cast<Eigen::Index>(i)] = model_value(model, (*xs_)[i], p[0], rate) - (*fs_)[i];
    return 0;
  }
};

double sse_of(const Residuals& res, double t0, double p1) {
  const double rate = rate_of(res.model, p1);
  double s = 0.0;
  for (std::size_t i = 0; i < res.xs_->size(); ++i) {
    const double d = model_value(res.model, (*res.xs_)[i], t0, rate) - (*res.fs_)[i];
    s += d * d;
  }
  return s;
}

CurveFit fit_curve(Model model, std::span<const double> xs, std::span<const double> fs,
                   const CurveFitOptions& opt) {
  CurveFit out;
  if (xs.size() != fs.size()) {
    out.reason = "x and f differ in length (" + std::to_string(xs.size()) + " vs " +
                 std::to_string(fs.size()) + ")";
    return out;
  }
  std::vector<double> x, f;
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (std::isfinite(xs[i]) && std::isfinite(fs[i])) {
      x.push_back(xs[i]);
      f.push_back(fs[i]);
    }
  if (x.size() < 2) {
    out.reason = "fewer than 2 finite points (" + std::to_string(x.size()) + ")";
    return out;
  }
  const double fmax = *std::max_element(f.begin(), f.end());
  if (fmax < opt.skip_below) {
    out.status = FitStatus::skipped;
    out.reason = "max f = " + std::to_string(fmax) + " < " + std::to_string(opt.skip_below);
    return out;
  }
  const auto [xmin_it, xmax_it] = std::minmax_element(x.begin(), x.end());
  const double lo = *xmin_it, hi = *xmax_it, span = hi - lo;
  if (!(span > 0.0)) {
    out.reason = "all x equal (" + std::to_string(lo) + ")";
    return out;
  }

  const Residuals res{model, &x, &f};
  // Grid of starts over (T0, |rate|) with |rate| log-spaced; a signed rate
  // gets both signs.
  const int nt = std::max(opt.t0_grid, 2), nr = std::max(opt.rate_grid, 2);
  const double t_lo = lo - 0.5 * span, t_hi = hi + 0.5 * span;
  const double r_lo = std::log(0.3 / span), r_hi = std::log(300.0 / span);
  std::vector<double> p1s;
  for (int j = 0; j < nr; ++j) {
    const double log_rate = r_lo + (r_hi - r_lo) * j / (nr - 1);
    if (!direct_rate(model)) {
      p1s.push_back(log_rate);
    } else {
      p1s.push_back(std::exp(log_rate));
      if (both_signs(model)) p1s.push_back(-std::exp(log_rate));
    }
  }
  // The best rate per T0 of the grid; the `starts` best of these (distinct
  // T0s: the exp-saturation SSE has kinks at every sample x, and starts in
  // different intervals find different local optima) are refined.
  std::vector<std::pair<double, Eigen::Vector2d>> grid;
  grid.reserve(static_cast<std::size_t>(nt) + 1);
  for (int i = 0; i < nt; ++i) {
    const double t0 = t_lo + (t_hi - t_lo) * i / (nt - 1);
    std::pair<double, Eigen::Vector2d> row{std::numeric_limits<double>::infinity(), Eigen::Vector2d(t0, p1s[0])};
    for (const double p1 : p1s) {
      const double e = sse_of(res, t0, p1);
      if (e < row.first) row = {e, Eigen::Vector2d(t0, p1)};
    }
    grid.push_back(row);
  }
  const auto n_starts = static_cast<std::size_t>(std::clamp<std::size_t>(
      static_cast<std::size_t>(std::max(opt.starts, 1)), 1, grid.size()));
  std::partial_sort(grid.begin(), grid.begin() + static_cast<std::ptrdiff_t>(n_starts), grid.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Eigen::Vector2d> starts;
  for (std::size_t s = 0; s < n_starts; ++s) starts.push_back(grid[s].second);
  // The reference's own start (SPEC §3.7), so that memphase's SSE never
  // exceeds that of the reference's local search.
  if (direct_rate(model)) starts.emplace_back(0.1, 0.1);

  double best_sse = grid.front().first;
  Eigen::Vector2d best = grid.front().second;
  for (const Eigen::Vector2d& start : starts) {
    Eigen::VectorXd p = start;
    Eigen::NumericalDiff<Residuals> nd(res);
    Eigen::LevenbergMarquardt<Eigen::NumericalDiff<Residuals>> lm(nd);
    lm.parameters.maxfev = 400;
    lm.minimize(p);
    if (!p.allFinite()) continue;
    const double s2 = sse_of(res, p[0], p[1]);
    if (std::isfinite(s2) && s2 < best_sse) {
      best_sse = s2;
      best = p;
    }
  }

  out.t0 = best[0];
  out.rate = rate_of(model, best[1]);
  out.sse = best_sse;
  if (!std::isfinite(out.t0) || !std::isfinite(out.rate) || !std::isfinite(out.sse)) {
    out.reason = "optimum not finite";
  } else if (model == Model::exp_saturation && !(out.rate > 0.0)) {
    out.reason = "exp-saturation rate a = " + std::to_string(out.rate) + " is not > 0";
  } else if (out.t0 < lo - span || out.t0 > hi + span) {
    out.reason = "T0 = " + std::to_string(out.t0) + " outside [" + std::to_string(lo - span) +
                 ", " + std::to_string(hi + span) + "] (boundary not identifiable)";
  } else {
    out.status = FitStatus::ok;
  }
  return out;
}

}  // namespace
}  // namespace detail

CurveFit fit_exp_saturation(std::span<const double> x, std::span<const double> f,
                            const CurveFitOptions& opt) {
  return detail::fit_curve(detail::Model::exp_saturation, x, f, opt);
}

CurveFit fit_logistic(std::span<const double> x, std::span<const double> f,
                      const CurveFitOptions& opt) {
  return detail::fit_curve(detail::Model::logistic_free, x, f, opt);
}

CurveFit fit_logistic_log_lr(std::span<const double> lr, std::span<const double> f,
                             const CurveFitOptions& opt) {
  std::vector<double> x(lr.size());
  for (std::size_t i = 0; i < lr.size(); ++i) {
    if (!(lr[i] > 0.0)) {
      CurveFit out;
      out.reason = "lr[" + std::to_string(i) + "] must be > 0 (got " + std::to_string(lr[i]) + ")";
      return out;
    }
    x[i] = std::log(lr[i]);
  }
  return detail::fit_curve(detail::Model::logistic_up, x, f, opt);
}

OlsFit fit_ols(std::span<const double> x, std::span<const double> y) {
  OlsFit o;
  const std::size_t n = x.size();
  if (y.size() != n || n < 2) return o;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) return o;
  const double dn = static_cast<double>(n);
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / dn;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / dn;
  double sxx = 0.0, sxy = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (!(sxx > 0.0)) return o;
  o.n = n;
  o.slope = sxy / sxx;
  o.intercept = my - o.slope * mx;
  double sse = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = y[i] - (o.intercept + o.slope * x[i]);
    sse += r * r;
  }
  o.slope_se = n > 2 ? std::sqrt(sse / (dn - 2.0) / sxx) : detail::kNaN;
  o.r2 = syy > 0.0 ? 1.0 - sse / syy : 1.0;
  o.ok = true;
  return o;
}

ScalingOptions ScalingOptions::reference(Boundary b) {
  ScalingOptions o;
  o.boundary = b;
  o.largest_lrs = b == Boundary::sp ? 25 : 0;
  return o;
}

ClassCounts class_counts(const OutcomeTable& t, unsigned classes, std::span<const std::size_t> seeds,
                         unsigned among) {
  const std::size_t nl = t.lrs.size(), nd = t.delays.size();
  ClassCounts out{std::vector<double>(nl * nd, 0.0), std::vector<double>(nl * nd, 0.0)};
  for (std::size_t i = 0; i < nl; ++i)
    for (std::size_t j = 0; j < nd; ++j) {
      std::size_t valid = 0, hit = 0;
      for (const std::size_t s : seeds) {
        const int c = t.code(i, j, s);
        if (c < 0 || c >= 32 || !((among >> c) & 1u)) continue;
        ++valid;
        if ((classes >> c) & 1u) ++hit;
      }
      out.hits[i * nd + j] = static_cast<double>(hit);
      out.valid[i * nd + j] = static_cast<double>(valid);
    }
  return out;
}

std::vector<double> class_fractions(const OutcomeTable& t, unsigned classes,
                                    std::span<const std::size_t> seeds) {
  const ClassCounts c = class_counts(t, classes, seeds);
  std::vector<double> out(c.hits.size(), detail::kNaN);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (c.valid[i] > 0) out[i] = c.hits[i] / c.valid[i];
  return out;
}

namespace {

/// One lr's boundary by the chosen estimator, as a CurveFit (binomial: t0 =
/// T_c, rate = 1/w with the sign of the transition, sse = deviance, level).
CurveFit boundary_fit(const OutcomeTable& t, const ScalingOptions& opt, const ClassCounts& counts,
                      std::size_t i) {
  const std::size_t nd = t.delays.size();
  if (opt.estimator == BoundaryEstimator::reference) {
    std::vector<double> f(nd, detail::kNaN);
    for (std::size_t j = 0; j < nd; ++j)
      if (counts.valid[i * nd + j] > 0) f[j] = counts.hits[i * nd + j] / counts.valid[i * nd + j];
    return opt.boundary == Boundary::lc ? fit_exp_saturation(t.delays, f, opt.curve)
                                        : fit_logistic(t.delays, f, opt.curve);
  }
  BinomialFitOptions bo;
  bo.skip_below = opt.curve.skip_below;
  const BinomialShape shape = opt.boundary == Boundary::lc ? BinomialShape::rise : BinomialShape::fall;
  const BinomialFit b = fit_binomial_boundary(shape, t.delays, std::span(counts.hits).subspan(i * nd, nd),
                                              std::span(counts.valid).subspan(i * nd, nd), bo);
  CurveFit c;
  c.status = b.status;
  c.reason = b.reason;
  c.t0 = b.t_c;
  c.rate = (shape == BinomialShape::rise ? 1.0 : -1.0) / b.width;
  c.sse = b.deviance;
  c.level = b.level;
  return c;
}

}  // namespace

ScalingFit fit_scaling(const OutcomeTable& t, const ScalingOptions& opt,
                       std::span<const std::size_t> seeds) {
  ScalingFit out;
  const std::size_t nl = t.lrs.size(), nd = t.delays.size();
  if (t.codes.size() != nl * nd * t.n_seeds) {
    out.reason = "outcome table has " + std::to_string(t.codes.size()) + " codes, expected " +
                 std::to_string(nl * nd * t.n_seeds);
    return out;
  }
  std::vector<std::size_t> all_seeds;
  if (seeds.empty()) {
    all_seeds.resize(t.n_seeds);
    std::iota(all_seeds.begin(), all_seeds.end(), std::size_t{0});
    seeds = all_seeds;
  }
  for (const std::size_t s : seeds)
    if (s >= t.n_seeds) {
      out.reason = "seed index " + std::to_string(s) + " >= n_seeds " + std::to_string(t.n_seeds);
      return out;
    }

  const unsigned mask = opt.boundary == Boundary::lc ? (1u << 0) | (1u << 3) : (1u << 2);
  // The binomial SP boundary counts SP among the learned networks (LC + SP).
  const unsigned among = opt.boundary == Boundary::sp && opt.estimator == BoundaryEstimator::binomial
                             ? (1u << 1) | (1u << 2)
                             : ~0u;
  const ClassCounts counts = class_counts(t, mask, seeds, among);

  // Which lrs take part: all, or the `largest_lrs` largest values.
  std::vector<bool> use(nl, true);
  if (opt.largest_lrs > 0 && opt.largest_lrs < nl) {
    std::vector<std::size_t> idx(nl);
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::size_t a, std::size_t b) { return t.lrs[a] > t.lrs[b]; });
    std::fill(use.begin(), use.end(), false);
    for (std::size_t k = 0; k < opt.largest_lrs; ++k) use[idx[k]] = true;
  }

  std::vector<double> ln_tc, ln_lr;
  for (std::size_t i = 0; i < nl; ++i) {
    if (!use[i]) continue;
    LrFit lf{t.lrs[i], boundary_fit(t, opt, counts, i)};
    if (lf.fit.ok() && !(lf.fit.t0 > 0.0 && t.lrs[i] > 0.0)) {
      lf.fit.status = FitStatus::failed;
      lf.fit.reason = "T_c = " + std::to_string(lf.fit.t0) + " or lr = " + std::to_string(t.lrs[i]) +
                      " is not > 0 (no logarithm)";
    }
    switch (lf.fit.status) {
      case FitStatus::ok:
        out.kept_lrs.push_back(lf.lr);
        out.t_c.push_back(lf.fit.t0);
        ln_tc.push_back(std::log(lf.fit.t0));
        ln_lr.push_back(std::log(lf.lr));
        break;
      case FitStatus::skipped: out.skipped.push_back(lf); break;
      case FitStatus::failed: out.failed.push_back(lf); break;
    }
    out.all.push_back(std::move(lf));
  }
  if (ln_tc.size() < 2) {
    out.reason = "only " + std::to_string(ln_tc.size()) + " lr(s) kept; need >= 2";
    return out;
  }
  if (opt.estimator == BoundaryEstimator::reference) {
    // SPEC §3.7, as the reference: ln lr on ln T_c.
    const OlsFit ols = fit_ols(ln_tc, ln_lr);
    if (!ols.ok) {
      out.reason = "log-log OLS failed (all T_c equal?)";
      return out;
    }
    out.ok = true;
    out.beta = -ols.slope;
    out.beta_se = ols.slope_se;
    out.r2 = ols.r2;
    out.intercept = ols.intercept;
    return out;
  }
  // Binomial estimator: the estimated T_c carry the noise and lr does not, so
  // regress ln T_c on ln lr (ln T_c = s ln lr + c'): regressing ln lr on a
  // noisy ln T_c attenuates |B| and biases β low at few seeds. β = -1/s,
  // reported in the same form ln lr = B ln T_c + c (B = 1/s, c = -c'/s), its
  // OLS SE by the delta method (SE(s)/s²).
  const OlsFit ols = fit_ols(ln_lr, ln_tc);
  if (!ols.ok || !(ols.slope != 0.0)) {
    out.reason = "log-log OLS failed (all lrs equal, or T_c independent of lr)";
    return out;
  }
  out.ok = true;
  out.beta = -1.0 / ols.slope;
  out.beta_se = ols.slope_se / (ols.slope * ols.slope);
  out.r2 = ols.r2;
  out.intercept = -ols.intercept / ols.slope;
  return out;
}

}  // namespace memphase

namespace memphase {

double unstable_share(const OutcomeTable& t) {
  std::size_t valid = 0, unstable = 0;
  for (const std::int8_t c : t.codes) {
    if (c < 0) continue;
    ++valid;
    unstable += c == 3;
  }
  return valid > 0 ? static_cast<double>(unstable) / static_cast<double>(valid) : 0.0;
}

std::vector<std::string> estimator_caveats(const OutcomeTable& t, Boundary b, BoundaryEstimator e,
                                           double max_unstable_share) {
  std::vector<std::string> out;
  if (e != BoundaryEstimator::reference) return out;
  if (b == Boundary::sp) {
    out.emplace_back(
        "the reference's logistic midpoint gives a β_SP biased low in every setting of the synthetic study, "
        "with a CI that rarely holds the true β (docs/boundary-study.md): memphase's β_SP is the binomial one");
    return out;
  }
  const double u = unstable_share(t);
  if (u > max_unstable_share)
    out.push_back(fmt::format(
        "{:.1f} % of the networks are unstable (> {:.0f} %): under an unstable floor the reference's "
        "exp-saturation onset follows the sporadic failures and its β_LC is biased low (docs/boundary-study.md)",
        100.0 * u, 100.0 * max_unstable_share));
  return out;
}

}  // namespace memphase
