#include "families/toy/toy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/rng.hpp"

namespace memphase {
namespace {

constexpr double pi = std::numbers::pi;

bool finite(double v) { return std::isfinite(v); }

// Measure of t in [0, u] (in units of the period) where frac(t) > 1/2.
double cyc_g(double u) {
  const double fl = std::floor(u);
  return 0.5 * fl + std::max(0.0, (u - fl) - 0.5);
}
// Right derivative of cyc_g.
double cyc_dg(double u) { return (u - std::floor(u)) >= 0.5 ? 1.0 : 0.0; }

// F(τ) = |{t ∈ [0,τ] : o(t) = 1}| for the cycle and dF/dr.
void cyc_f(double r, double tau, double* f, double* df) {
  if (r == 0.0) {  // sin ≡ 0, Θ(0) = 0
    *f = 0.0;
    *df = 0.0;  // right derivative of G(rτ)/r at 0 is 0 (G = 0 for rτ < 1/2)
    return;
  }
  const double a = std::abs(r);
  const double g = cyc_g(a * tau);
  const double dfa = tau * cyc_dg(a * tau) / a - g / (a * a);  // d(G(aτ)/a)/da
  if (r > 0.0) {
    *f = g / a;
    *df = dfa;
  } else {  // o = Θ(sin(2π a t)): complement of the r > 0 set
    *f = tau - g / a;
    *df = dfa;  // d/dr = -d/da of (τ - G/a) = dfa
  }
}

// Generic GD loop. side = +1: start above the optimum, crossing when r ≤ r_opt;
// side = -1: start below, crossing when r ≥ r_opt.
template <class Grad, class Loss>
GdResult descend(Grad grad, Loss loss, double r0, double r_opt, double r_b, int side,
                 const GdOptions& opt) {
  GdResult res;
  double r = r0;
  const long cap = opt.max_steps;
  for (long k = 0;; ++k) {
    if (res.cross_step < 0 && k >= cap) {
      res.status = GdStatus::too_slow;
      break;
    }
    if (res.cross_step >= 0 && k >= res.cross_step + opt.settle_steps) {
      res.status = GdStatus::learned;
      break;
    }
    const double g = grad(r);
    if (!finite(g)) {
      res.status = GdStatus::non_finite;
      break;
    }
    r -= opt.lr * g;
    res.steps = k + 1;
    if (!finite(r)) {
      res.status = GdStatus::non_finite;
      break;
    }
    if (r < r_b) {
      res.status = GdStatus::stuck;
      break;
    }
    if (res.cross_step < 0 && (side > 0 ? r <= r_opt : r >= r_opt)) res.cross_step = k + 1;
  }
  res.r_final = r;
  res.loss_final = loss(r);
  if (!finite(res.loss_final) && res.status == GdStatus::learned) res.status = GdStatus::non_finite;
  return res;
}

}  // namespace

// ---------------------------------------------------------------- ghost ----

GhostTask ghost_spec_task(double t) { return GhostTask{t, t, GhostLoss::raw}; }

double ghost_escape_time(double r) {
  return r > 0.0 ? pi / (2.0 * std::sqrt(r)) : std::numeric_limits<double>::infinity();
}

double ghost_r_opt(const GhostTask& task) {
  return pi * pi / (4.0 * task.t_delay * task.t_delay);
}

double ghost_r_noreturn(const GhostTask& task) {
  const double t = task.t_delay + task.t_resp;
  return pi * pi / (4.0 * t * t);
}

double ghost_loss(const GhostTask& task, double r) {
  const double td = task.t_delay;
  const double tr = task.t_resp;
  const double te = ghost_escape_time(r);
  const bool norm = task.loss == GhostLoss::normalized;
  if (r < ghost_r_noreturn(task)) return norm ? 1.0 : tr;
  if (te < td) return norm ? (td - te) / td : td - te;
  return norm ? (te - td) / tr : te - td;
}

double ghost_grad(const GhostTask& task, double r) {
  if (r < ghost_r_noreturn(task)) return 0.0;
  const double dte = -pi / (4.0 * r * std::sqrt(r));  // d t_esc / dr
  const bool norm = task.loss == GhostLoss::normalized;
  if (r >= ghost_r_opt(task)) return norm ? -dte / task.t_delay : -dte;
  return norm ? dte / task.t_resp : dte;
}

double ghost_alpha_star(double t) {
  return 3.0 * pi * pi * pi * pi / 32.0 * std::pow(t, -5.0);
}

LossGrad ghost_numeric_loss_grad(const GhostTask& task, const GhostNumeric& num, double r) {
  const double td = task.t_delay;
  const double tr = task.t_resp;
  const bool norm = task.loss == GhostLoss::normalized;
  const long n_delay = std::lround(td / num.dt);
  const long n_total = std::lround((td + tr) / num.dt);
  const double w0 = norm ? num.dt / td : num.dt;
  const double w1 = norm ? num.dt / tr : num.dt;
  double x = 0.0;
  double s = 0.0;  // dx/dr
  bool clamped = false;
  LossGrad out;
  for (long n = 0; n < n_total; ++n) {
    const double z = num.confidence * (x - num.x_star);
    const double o = 1.0 / (1.0 + std::exp(-z));
    const double y = n < n_delay ? 0.0 : 1.0;
    const double w = n < n_delay ? w0 : w1;
    const double e = o - y;
    out.loss += w * e * e;
    out.grad += w * 2.0 * e * o * (1.0 - o) * num.confidence * s;
    if (!clamped) {
      const double xn = x + num.dt * (x * x + r);
      s = s + num.dt * (2.0 * x * s + 1.0);
      x = xn;
      if (x > num.x_clamp) {
        x = num.x_clamp;
        s = 0.0;
        clamped = true;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- cycle ----

double cycle_r_opt(const CycleTask& task) { return 0.5 / task.t_delay; }

double cycle_r_noreturn(const CycleTask& task) { return 0.5 / (task.t_delay + task.t_resp); }

double cycle_loss(const CycleTask& task, double r) {
  double f1, d1, f2, d2;
  cyc_f(r, task.t_delay, &f1, &d1);
  cyc_f(r, task.t_delay + task.t_resp, &f2, &d2);
  return f1 / task.t_delay + 1.0 - (f2 - f1) / task.t_resp;
}

double cycle_grad(const CycleTask& task, double r) {
  double f1, d1, f2, d2;
  cyc_f(r, task.t_delay, &f1, &d1);
  cyc_f(r, task.t_delay + task.t_resp, &f2, &d2);
  return d1 / task.t_delay - (d2 - d1) / task.t_resp;
}

// ------------------------------------------------------ gradient descent ----

const char* to_string(GdStatus s) {
  switch (s) {
    case GdStatus::learned: return "learned";
    case GdStatus::stuck: return "stuck";
    case GdStatus::too_slow: return "too_slow";
    case GdStatus::wrong_basin: return "wrong_basin";
    case GdStatus::non_finite: return "non_finite";
  }
  return "?";
}

double ghost_r0(const GhostTask& task, double eps) { return 10.0 * ghost_r_opt(task) * (1.0 + eps); }

double toy_r0_jitter(std::uint64_t seed, double width) {
  Rng rng(seed, "toy-r0");
  return width * (2.0 * rng.uniform() - 1.0);
}

GdResult ghost_descend(const GhostTask& task, double r0, const GdOptions& opt) {
  return descend([&](double r) { return ghost_grad(task, r); },
                 [&](double r) { return ghost_loss(task, r); }, r0, ghost_r_opt(task),
                 ghost_r_noreturn(task), r0 > ghost_r_opt(task) ? +1 : -1, opt);
}

GdResult ghost_numeric_descend(const GhostTask& task, const GhostNumeric& num, double r0,
                               const GdOptions& opt) {
  return descend([&](double r) { return ghost_numeric_loss_grad(task, num, r).grad; },
                 [&](double r) { return ghost_numeric_loss_grad(task, num, r).loss; }, r0,
                 ghost_r_opt(task), ghost_r_noreturn(task), r0 > ghost_r_opt(task) ? +1 : -1,
                 opt);
}

double cycle_r0(const CycleTask& task, double eps) {
  const double rb = cycle_r_noreturn(task);
  return rb + 0.5 * (cycle_r_opt(task) - rb) * (1.0 + eps);
}

GdResult cycle_descend(const CycleTask& task, double r0, const GdOptions& opt) {
  GdResult res = descend([&](double r) { return cycle_grad(task, r); },
                         [&](double r) { return cycle_loss(task, r); }, r0, cycle_r_opt(task),
                         cycle_r_noreturn(task), r0 > cycle_r_opt(task) ? +1 : -1, opt);
  if (res.status == GdStatus::learned && !(res.r_final < 1.0 / task.t_delay))
    res.status = GdStatus::wrong_basin;
  return res;
}

// --------------------------------------------------- largest learnable α ----

bool toy_learns(const ToyProblem& p, const GdOptions& opt) {
  if (p.kind == ToyKind::ghost)
    return ghost_descend(p.ghost, ghost_r0(p.ghost, p.eps), opt).status == GdStatus::learned;
  return cycle_descend(p.cycle, cycle_r0(p.cycle, p.eps), opt).status == GdStatus::learned;
}

namespace {
GdStatus toy_status(const ToyProblem& p, const GdOptions& opt) {
  if (p.kind == ToyKind::ghost) return ghost_descend(p.ghost, ghost_r0(p.ghost, p.eps), opt).status;
  return cycle_descend(p.cycle, cycle_r0(p.cycle, p.eps), opt).status;
}
}  // namespace

AlphaMax toy_alpha_max(const ToyProblem& p, const AlphaMaxOptions& opt) {
  AlphaMax out;
  GdOptions gd = opt.gd;
  auto status = [&](double a) {
    gd.lr = a;
    ++out.evaluations;
    return toy_status(p, gd);
  };
  auto learns = [&](double a) { return status(a) == GdStatus::learned; };
  // Bracketing. too_slow means α is too SMALL to finish: move up past it.
  double a = opt.alpha_guess;
  GdStatus s = status(a);
  int k = 0;
  for (; s == GdStatus::too_slow; s = status(a)) {
    a *= opt.bracket_factor;
    if (++k >= opt.max_bracket) return out;
  }
  double lo, hi;
  if (s == GdStatus::learned) {
    lo = a;
    for (hi = lo * opt.bracket_factor; learns(hi); hi *= opt.bracket_factor) {
      lo = hi;
      if (++k >= opt.max_bracket) return out;
    }
  } else {
    hi = a;
    for (lo = hi / opt.bracket_factor;; lo /= opt.bracket_factor) {
      s = status(lo);
      if (s == GdStatus::learned) break;
      if (s == GdStatus::too_slow || ++k >= opt.max_bracket) return out;  // no learnable α
      hi = lo;
    }
  }
  while (hi / lo - 1.0 > opt.rel_tol) {
    const double mid = std::sqrt(lo * hi);
    if (learns(mid)) lo = mid;
    else hi = mid;
  }
  // Downward scan for a lower failure (non-monotone band above α_max).
  if (opt.scan_step > 0.0 && opt.scan_band > 0.0) {
    const int n_scan = int(std::floor(std::log1p(opt.scan_band) / std::log1p(opt.scan_step)));
    int lowest = 0;  // grid index of the lowest failure (0: none)
    for (int j = 1; j <= n_scan; ++j)
      if (!learns(lo / std::pow(1.0 + opt.scan_step, double(j)))) lowest = j;
    if (lowest > 0) {
      hi = lo / std::pow(1.0 + opt.scan_step, double(lowest));
      lo = hi / (1.0 + opt.scan_step);
      while (hi / lo - 1.0 > opt.rel_tol) {
        const double mid = std::sqrt(lo * hi);
        if (learns(mid)) lo = mid;
        else hi = mid;
      }
    }
  }
  out.ok = true;
  out.alpha = lo;
  out.alpha_hi = hi;
  return out;
}

int toy_monotone_violations(const ToyProblem& p, const GdOptions& gd, double lo, double hi,
                            int n) {
  GdOptions g = gd;
  int changes = 0;
  bool prev = false;
  for (int i = 0; i < n; ++i) {
    g.lr = lo * std::pow(hi / lo, n > 1 ? double(i) / (n - 1) : 0.0);
    const bool cur = toy_learns(p, g);
    if (i > 0 && cur != prev) ++changes;
    prev = cur;
  }
  return std::max(0, changes - 1);
}

bool toy_ols(std::span<const double> x, std::span<const double> y, OlsLine* out) {
  const std::size_t n = x.size();
  if (n < 2 || y.size() != n) return false;
  double mx = 0.0, my = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= double(n);
  my /= double(n);
  double sxx = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (!(sxx > 0.0)) return false;
  out->slope = sxy / sxx;
  out->intercept = my - out->slope * mx;
  return true;
}

}  // namespace memphase
