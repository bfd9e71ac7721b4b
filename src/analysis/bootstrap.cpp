#include "analysis/bootstrap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace memphase {

namespace {

// Quantile with linear interpolation between order statistics (R type 7).
double quantile_sorted(const std::vector<double>& v, double q) {
  const double h = (static_cast<double>(v.size()) - 1.0) * q;
  const auto i = static_cast<std::size_t>(std::floor(h));
  if (i + 1 >= v.size()) return v.back();
  return v[i] + (h - static_cast<double>(i)) * (v[i + 1] - v[i]);
}

}  // namespace

BootstrapResult bootstrap_seeds(std::size_t n_seeds, const SeedStatistic& stat,
                                const BootstrapOptions& opt) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  BootstrapResult r;
  r.resamples = opt.resamples;
  std::vector<std::size_t> idx(n_seeds);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  r.estimate = n_seeds > 0 ? stat(idx) : nan;
  if (!std::isfinite(r.estimate)) r.estimate = nan;

  const std::array<std::uint32_t, 2> words{static_cast<std::uint32_t>(opt.seed),
                                           static_cast<std::uint32_t>(opt.seed >> 32)};
  std::seed_seq sseq(words.begin(), words.end());
  std::mt19937_64 rng(sseq);
  std::vector<double> vals;
  vals.reserve(opt.resamples);
  for (std::size_t b = 0; b < opt.resamples; ++b) {
    // Uniform index in [0, n) from raw 64-bit draws (portable, unlike
    // std::uniform_int_distribution whose algorithm is implementation-defined).
    for (auto& s : idx) {
      const std::uint64_t lim = ~std::uint64_t{0} - (~std::uint64_t{0} % n_seeds);
      std::uint64_t u;
      do u = rng(); while (u >= lim);
      s = static_cast<std::size_t>(u % n_seeds);
    }
    const double v = n_seeds > 0 ? stat(idx) : nan;
    if (std::isfinite(v)) vals.push_back(v); else ++r.failed;
  }

  if (vals.size() >= 2) {
    const double m = std::accumulate(vals.begin(), vals.end(), 0.0) / static_cast<double>(vals.size());
    double ss = 0.0;
    for (const double v : vals) ss += (v - m) * (v - m);
    r.se = std::sqrt(ss / static_cast<double>(vals.size() - 1));
  } else {
    r.se = nan;
  }
  if (vals.empty()) {
    r.lo = r.hi = nan;
  } else {
    std::sort(vals.begin(), vals.end());
    const double a = 0.5 * (1.0 - opt.level);
    r.lo = quantile_sorted(vals, a);
    r.hi = quantile_sorted(vals, 1.0 - a);
  }
  return r;
}

BootstrapResult bootstrap_scaling(const OutcomeTable& t, const ScalingOptions& sopt,
                                  const BootstrapOptions& opt) {
  return bootstrap_seeds(
      t.n_seeds,
      [&](std::span<const std::size_t> seeds) {
        const ScalingFit f = fit_scaling(t, sopt, seeds);
        return f.ok ? f.beta : std::numeric_limits<double>::quiet_NaN();
      },
      opt);
}

}  // namespace memphase
