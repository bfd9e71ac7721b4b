#pragma once
// Seed-paired bootstrap (SPEC §3.7): resample seed indices with replacement,
// the SAME resampled list for every cell (seed i is the same initial network
// everywhere), and recompute the statistic. Deterministic given `seed`.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "stats/fit.hpp"

namespace memphase {

/// Options of the bootstrap.
struct BootstrapOptions {
  std::size_t resamples = 1000;  ///< B (SPEC: >= 1000)
  std::uint64_t seed = 0;        ///< RNG seed (std::mt19937_64 via std::seed_seq)
  double level = 0.95;           ///< percentile-interval coverage
};

/// Statistic on a list of seed indices (n_seeds entries, repeats allowed);
/// returns NaN (or any non-finite value) when its fit fails.
using SeedStatistic = std::function<double(std::span<const std::size_t> seeds)>;

/// Result of a bootstrap.
struct BootstrapResult {
  double estimate = 0.0;     ///< statistic on the original seeds 0..n-1 (NaN if it failed)
  double se = 0.0;           ///< sample SD (n-1) of the finite resampled values; NaN if < 2
  double lo = 0.0, hi = 0.0; ///< percentile interval (linear interpolation); NaN if none finite
  std::size_t resamples = 0; ///< B
  std::size_t failed = 0;    ///< resamples whose statistic was not finite
};

/// Type-7 quantile (linear interpolation) of a sorted, non-empty vector.
double quantile_sorted(const std::vector<double>& sorted, double q);

/// The B resampled seed lists of a bootstrap, in order (B x n_seeds,
/// row-major): the lists bootstrap_seeds applies its statistic to.
std::vector<std::size_t> resample_seed_lists(std::size_t n_seeds, const BootstrapOptions& opt);

/// SE and percentile interval of the finite `values` (the others count as
/// failed); `estimate` is copied into the result.
BootstrapResult summarize_bootstrap(double estimate, std::span<const double> values,
                                    const BootstrapOptions& opt);

/// Runs B resamples of n_seeds seed indices and applies `stat` to each.
BootstrapResult bootstrap_seeds(std::size_t n_seeds, const SeedStatistic& stat,
                                const BootstrapOptions& opt = {});

/// β of fit_scaling(t, sopt, ·) with its seed-paired bootstrap; a resample
/// whose ScalingFit is not ok counts as failed.
BootstrapResult bootstrap_scaling(const OutcomeTable& t, const ScalingOptions& sopt,
                                  const BootstrapOptions& opt = {});

}  // namespace memphase
