#include "stats/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace memphase {

const char* to_string(TransitionShape s) {
  switch (s) {
    case TransitionShape::exp_saturation: return "exp_saturation";
    case TransitionShape::logistic: return "logistic";
    case TransitionShape::lognormal: return "lognormal";
    case TransitionShape::ramp: return "ramp";
  }
  return "?";
}

const char* to_string(FloorKind k) {
  switch (k) {
    case FloorKind::none: return "none";
    case FloorKind::flat: return "flat";
    case FloorKind::varying: return "varying";
  }
  return "?";
}

double synthetic_tc(const SyntheticDesign& d, Boundary b, double lr) {
  const double beta = b == Boundary::lc ? d.beta_lc : d.beta_sp;
  const double ref = b == Boundary::lc ? d.tc_lc_ref : d.tc_sp_ref;
  return ref * std::pow(lr / d.lr_ref, -1.0 / beta);
}

double transition_cdf(TransitionShape s, double x, double width) {
  switch (s) {
    case TransitionShape::exp_saturation: return x < 1.0 ? 0.0 : 1.0 - std::exp(-(x - 1.0) / width);
    case TransitionShape::logistic: return 1.0 / (1.0 + std::exp(-(x - 1.0) / width));
    case TransitionShape::lognormal:
      return x <= 0.0 ? 0.0 : 0.5 * std::erfc(-std::log(x) / (width * std::sqrt(2.0)));
    case TransitionShape::ramp: return std::clamp((x - (1.0 - width)) / (2.0 * width), 0.0, 1.0);
  }
  return 0.0;
}

namespace {

/// Uniform in [0, 1) from 53 bits (portable, unlike std::uniform_real_distribution).
double uniform01(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * (1.0 / 9007199254740992.0); }

/// Standard normal by Box-Muller (portable).
double normal01(std::mt19937_64& g) {
  const double u1 = (static_cast<double>(g() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  const double u2 = uniform01(g);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

}  // namespace

OutcomeTable simulate_diagram(const SyntheticDesign& d, std::uint64_t rng_seed) {
  OutcomeTable t;
  t.lrs = d.lrs;
  t.delays = d.delays;
  t.n_seeds = d.seeds;
  t.codes.assign(d.lrs.size() * d.delays.size() * d.seeds, std::int8_t{-1});
  std::mt19937_64 g(rng_seed);
  std::vector<double> phi(d.seeds);
  for (double& p : phi) p = std::exp(d.seed_sigma * normal01(g));
  const auto [lr_min_it, lr_max_it] = std::minmax_element(d.lrs.begin(), d.lrs.end());
  const double ll0 = std::log(*lr_min_it), ll1 = std::log(*lr_max_it);
  const double tmax = d.delays.empty() ? 1.0 : *std::max_element(d.delays.begin(), d.delays.end());
  const bool windows = !d.window_lo.empty();
  for (std::size_t i = 0; i < d.lrs.size(); ++i) {
    const double lr = d.lrs[i];
    const double t_lc = synthetic_tc(d, Boundary::lc, lr), t_sp = synthetic_tc(d, Boundary::sp, lr);
    const double q = ll1 > ll0 ? (std::log(lr) - ll0) / (ll1 - ll0) : 0.5;
    for (std::size_t j = 0; j < d.delays.size(); ++j) {
      const double T = d.delays[j];
      if (windows && (T < d.window_lo[i] || T > d.window_hi[i])) continue;
      double u = 0.0;
      if (d.floor == FloorKind::flat) u = d.floor_level;
      if (d.floor == FloorKind::varying)
        u = std::min(1.0, d.floor_level * 2.0 * q * 4.0 * (T / tmax) * (1.0 - T / tmax));
      for (std::size_t s = 0; s < d.seeds; ++s) {
        const double p_fail = transition_cdf(d.lc_shape, T / (phi[s] * t_lc), d.lc_width);
        const double p_sp = d.sp_plateau * (1.0 - transition_cdf(d.sp_shape, T / (phi[s] * t_sp), d.sp_width));
        std::int8_t code = 1;
        if (uniform01(g) < u) {
          code = 3;
        } else if (uniform01(g) < p_fail) {
          code = 0;
        } else if (uniform01(g) < p_sp) {
          code = 2;
        }
        t.codes[(i * d.delays.size() + j) * d.seeds + s] = code;
      }
    }
  }
  return t;
}

}  // namespace memphase
