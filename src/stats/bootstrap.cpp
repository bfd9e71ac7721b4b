#include "stats/bootstrap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace memphase {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double quantile_sorted(const std::vector<double>& v, double q) {
  const double h = (static_cast<double>(v.size()) - 1.0) * q;
  const auto i = static_cast<std::size_t>(std::floor(h));
  if (i + 1 >= v.size()) return v.back();
  return v[i] + (h - static_cast<double>(i)) * (v[i + 1] - v[i]);
}

std::vector<std::size_t> resample_seed_lists(std::size_t n_seeds, const BootstrapOptions& opt) {
  std::vector<std::size_t> out;
  if (n_seeds == 0) return out;
  out.resize(opt.resamples * n_seeds);
  const std::array<std::uint32_t, 2> words{static_cast<std::uint32_t>(opt.seed),
                                           static_cast<std::uint32_t>(opt.seed >> 32)};
  std::seed_seq sseq(words.begin(), words.end());
  std::mt19937_64 rng(sseq);
  // Uniform index in [0, n) from raw 64-bit draws (portable, unlike
  // std::uniform_int_distribution whose algorithm is implementation-defined).
  const std::uint64_t lim = ~std::uint64_t{0} - (~std::uint64_t{0} % n_seeds);
  for (auto& s : out) {
    std::uint64_t u;
    do u = rng(); while (u >= lim);
    s = static_cast<std::size_t>(u % n_seeds);
  }
  return out;
}

BootstrapResult summarize_bootstrap(double estimate, std::span<const double> values,
                                    const BootstrapOptions& opt) {
  BootstrapResult r;
  r.estimate = std::isfinite(estimate) ? estimate : kNaN;
  r.resamples = values.size();
  std::vector<double> vals;
  vals.reserve(values.size());
  for (const double v : values) {
    if (std::isfinite(v)) vals.push_back(v); else ++r.failed;
  }
  if (vals.size() >= 2) {
    const double m = std::accumulate(vals.begin(), vals.end(), 0.0) / static_cast<double>(vals.size());
    double ss = 0.0;
    for (const double v : vals) ss += (v - m) * (v - m);
    r.se = std::sqrt(ss / static_cast<double>(vals.size() - 1));
  } else {
    r.se = kNaN;
  }
  if (vals.empty()) {
    r.lo = r.hi = kNaN;
  } else {
    std::sort(vals.begin(), vals.end());
    const double a = 0.5 * (1.0 - opt.level);
    r.lo = quantile_sorted(vals, a);
    r.hi = quantile_sorted(vals, 1.0 - a);
  }
  return r;
}

BootstrapResult bootstrap_seeds(std::size_t n_seeds, const SeedStatistic& stat,
                                const BootstrapOptions& opt) {
  std::vector<std::size_t> idx(n_seeds);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  const double estimate = n_seeds > 0 ? stat(idx) : kNaN;
  const std::vector<std::size_t> lists = resample_seed_lists(n_seeds, opt);
  std::vector<double> vals(opt.resamples, kNaN);
  for (std::size_t b = 0; b < opt.resamples && n_seeds > 0; ++b) {
    vals[b] = stat(std::span<const std::size_t>(lists).subspan(b * n_seeds, n_seeds));
  }
  BootstrapResult r = summarize_bootstrap(estimate, vals, opt);
  r.resamples = opt.resamples;
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
