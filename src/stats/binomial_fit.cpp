#include "stats/binomial_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <Eigen/Core>
#include <unsupported/Eigen/NonLinearOptimization>

namespace memphase {

namespace {

constexpr double kPMin = 1e-12;

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Parameters q = (T_c, ln w, u): the level is max_floor·σ(u) (rise) or
// σ(u) (fall), so every q is admissible.
double level_of(BinomialShape s, double u, double max_floor) {
  return s == BinomialShape::rise ? max_floor * logistic(u) : logistic(u);
}

double u_of(BinomialShape s, double level, double max_floor) {
  const double q = s == BinomialShape::rise ? level / max_floor : level;
  const double c = std::clamp(q, 1e-6, 1.0 - 1e-6);
  return std::log(c / (1.0 - c));
}

struct Cells {
  std::vector<double> x, k, n;
  std::vector<double> sat;  ///< k ln(k/n) + (n-k) ln((n-k)/n): the saturated model's log-likelihood
};

double xlogy(double a, double b) { return a > 0.0 ? a * std::log(b) : 0.0; }

/// Deviance contribution 2 [ll(saturated) - ll(p)] of one cell.
double cell_deviance(const Cells& c, std::size_t i, double p) {
  p = std::clamp(p, kPMin, 1.0 - kPMin);
  const double ll = xlogy(c.k[i], p) + xlogy(c.n[i] - c.k[i], 1.0 - p);
  return std::max(2.0 * (c.sat[i] - ll), 0.0);
}

/// The model and its gradient in (T_c, ln w, u) at one x. The
/// x-independent parts (w, the level) are computed once per parameter vector.
struct ModelGrad {
  double p, dtc, dlogw, du;
};
struct ModelAt {
  BinomialShape shape;
  double max_floor, t_c, w, su, dsu;
  ModelAt(BinomialShape s, double mf, const Eigen::VectorXd& q)
      : shape(s), max_floor(mf), t_c(q[0]), w(std::exp(q[1])), su(logistic(q[2])), dsu(su * (1.0 - su)) {}
  double p(double x) const {
    const double sig = logistic((x - t_c) / w);
    if (shape == BinomialShape::rise) {
      const double f0 = max_floor * su;
      return f0 + (1.0 - f0) * sig;
    }
    return su * (1.0 - sig);
  }
  ModelGrad grad(double x) const {
    const double z = (x - t_c) / w;
    const double s = logistic(z), ds = s * (1.0 - s);
    const double zds = std::isfinite(z) ? z * ds : 0.0;  // x = ln 0 = -inf: no slope
    ModelGrad g{};
    if (shape == BinomialShape::rise) {
      const double f0 = max_floor * su;
      g.p = f0 + (1.0 - f0) * s;
      g.dtc = -(1.0 - f0) * ds / w;
      g.dlogw = -(1.0 - f0) * zds;
      g.du = (1.0 - s) * max_floor * dsu;
    } else {
      g.p = su * (1.0 - s);
      g.dtc = su * ds / w;
      g.dlogw = su * zds;
      g.du = (1.0 - s) * dsu;
    }
    return g;
  }
};

// Levenberg-Marquardt on the signed deviance residuals r_i = ±sqrt(D_i):
// Σ r_i² is the deviance, so LM's least squares is maximum likelihood.
// Analytic Jacobian: dr/dp = -|k - np| / (p (1-p) sqrt(D)), which tends to
// -sqrt(n / (p(1-p))) where the cell is fitted exactly.
struct DevianceResiduals {
  using Scalar = double;
  enum { InputsAtCompileTime = Eigen::Dynamic, ValuesAtCompileTime = Eigen::Dynamic };
  using InputType = Eigen::VectorXd;
  using ValueType = Eigen::VectorXd;
  using JacobianType = Eigen::MatrixXd;

  BinomialShape shape;
  double max_floor;
  const Cells* cells;

  int inputs() const { return 3; }
  int values() const { return static_cast<int>(cells->x.size()); }

  int operator()(const Eigen::VectorXd& q, Eigen::VectorXd& r) const {
    const ModelAt m(shape, max_floor, q);
    for (std::size_t i = 0; i < cells->x.size(); ++i) {
      const double p = m.p(cells->x[i]);
      const double d = cell_deviance(*cells, i, p);
      r[static_cast<Eigen::Index>(i)] = (cells->k[i] >= cells->n[i] * p ? 1.0 : -1.0) * std::sqrt(d);
    }
    return 0;
  }
  int df(const Eigen::VectorXd& q, Eigen::MatrixXd& jac) const {
    const ModelAt m(shape, max_floor, q);
    for (std::size_t i = 0; i < cells->x.size(); ++i) {
      const ModelGrad g = m.grad(cells->x[i]);
      const double p = std::clamp(g.p, kPMin, 1.0 - kPMin);
      const double n = cells->n[i], gap = std::abs(cells->k[i] - n * p);
      const double d = cell_deviance(*cells, i, p);
      const double drdp = gap > 1e-9 * n && d > 0.0 ? -gap / (p * (1.0 - p) * std::sqrt(d))
                                                  : -std::sqrt(n / (p * (1.0 - p)));
      const auto row = static_cast<Eigen::Index>(i);
      jac(row, 0) = drdp * g.dtc;
      jac(row, 1) = drdp * g.dlogw;
      jac(row, 2) = drdp * g.du;
    }
    return 0;
  }
  double deviance(const Eigen::VectorXd& q) const {
    const ModelAt m(shape, max_floor, q);
    double s = 0.0;
    for (std::size_t i = 0; i < cells->x.size(); ++i) s += cell_deviance(*cells, i, m.p(cells->x[i]));
    return s;
  }
};

}  // namespace

double binomial_model(BinomialShape s, double x, double t_c, double width, double level, bool log_x) {
  const double z = log_x ? (x > 0.0 ? (std::log(x) - std::log(t_c)) / width : -std::numeric_limits<double>::infinity())
                         : (x - t_c) / width;
  const double sig = logistic(z);
  return s == BinomialShape::rise ? level + (1.0 - level) * sig : level * (1.0 - sig);
}

BinomialFit fit_binomial_boundary(BinomialShape shape, std::span<const double> x,
                                  std::span<const double> k, std::span<const double> n,
                                  const BinomialFitOptions& opt) {
  BinomialFit out;
  if (x.size() != k.size() || x.size() != n.size()) {
    out.reason = fmt::format("x, k and n differ in length ({}, {}, {})", x.size(), k.size(), n.size());
    return out;
  }
  Cells c;
  double fmax = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(std::isfinite(x[i]) && std::isfinite(k[i]) && std::isfinite(n[i]) && n[i] > 0.0)) continue;
    if (k[i] < 0.0 || k[i] > n[i]) {
      out.reason = fmt::format("count k = {} outside [0, n = {}] at x = {}", k[i], n[i], x[i]);
      return out;
    }
    c.x.push_back(opt.log_x ? (x[i] > 0.0 ? std::log(x[i]) : -std::numeric_limits<double>::infinity()) : x[i]);
    c.k.push_back(k[i]);
    c.n.push_back(n[i]);
    c.sat.push_back(xlogy(k[i], k[i] / n[i]) + xlogy(n[i] - k[i], (n[i] - k[i]) / n[i]));
    fmax = std::max(fmax, k[i] / n[i]);
  }
  if (c.x.size() < 3) {
    out.reason = fmt::format("fewer than 3 cells with networks ({})", c.x.size());
    return out;
  }
  if (fmax < opt.skip_below) {
    out.status = FitStatus::skipped;
    out.reason = fmt::format("max fraction = {:.4g} < {}", fmax, opt.skip_below);
    return out;
  }
  // Range of the sampled x (log_x: of the positive x, in ln x).
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double v : c.x)
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  const double span = hi - lo;
  if (!(span > 0.0)) {
    out.reason = fmt::format("fewer than 2 distinct {}x", opt.log_x ? "positive " : "");
    return out;
  }

  const DevianceResiduals res{shape, opt.max_floor, &c};
  // Starts: T_c over the sampled range, ln w log-spaced, a few levels.
  std::vector<double> levels;
  if (shape == BinomialShape::rise) {
    levels = {0.02 * opt.max_floor, 0.3 * opt.max_floor};
  } else {
    levels = {std::min(fmax, 0.999), 0.5 * (1.0 + std::min(fmax, 0.999))};
  }
  const int nt = std::max(opt.tc_grid, 2), nw = std::max(opt.width_grid, 2);
  const double w_lo = std::log(span / 100.0), w_hi = std::log(span);  // log_x: widths in ln x
  std::vector<std::pair<double, Eigen::Vector3d>> grid;
  grid.reserve(static_cast<std::size_t>(nt * nw) * levels.size());
  Eigen::VectorXd p(3);
  for (int i = 0; i < nt; ++i)
    for (int j = 0; j < nw; ++j)
      for (const double lev : levels) {
        p << lo + span * i / (nt - 1), w_lo + (w_hi - w_lo) * j / (nw - 1), u_of(shape, lev, opt.max_floor);
        grid.emplace_back(res.deviance(p), Eigen::Vector3d(p));
      }
  const auto n_starts = std::min<std::size_t>(static_cast<std::size_t>(std::max(opt.starts, 1)), grid.size());
  std::partial_sort(grid.begin(), grid.begin() + static_cast<std::ptrdiff_t>(n_starts), grid.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });

  double best_dev = grid.front().first;
  Eigen::Vector3d best = grid.front().second;
  for (std::size_t s = 0; s < n_starts; ++s) {
    Eigen::VectorXd q = grid[s].second;
    DevianceResiduals fn = res;
    Eigen::LevenbergMarquardt<DevianceResiduals> lm(fn);
    lm.parameters.maxfev = 200;
    lm.minimize(q);
    if (!q.allFinite()) continue;
    const double d = res.deviance(q);
    if (std::isfinite(d) && d < best_dev) {
      best_dev = d;
      best = q;
    }
  }

  out.t_c = opt.log_x ? std::exp(best[0]) : best[0];
  out.width = std::exp(best[1]);
  out.level = level_of(shape, best[2], opt.max_floor);
  out.deviance = best_dev;
  if (!(std::isfinite(best[0]) && std::isfinite(out.width) && std::isfinite(out.deviance))) {
    out.reason = "optimum not finite";
  } else if (best[0] < lo || best[0] > hi) {
    const double a = opt.log_x ? std::exp(lo) : lo, b = opt.log_x ? std::exp(hi) : hi;
    out.reason = fmt::format("T_c = {:.4g} outside the sampled range [{:.4g}, {:.4g}] (transition not in the data)",
                             out.t_c, a, b);
  } else {
    out.status = FitStatus::ok;
  }
  return out;
}

}  // namespace memphase
