#include "core/result.hpp"

#include <algorithm>

namespace memphase {

std::vector<std::int64_t> kept_epochs(std::int64_t n, int every) {
  std::vector<std::int64_t> e;
  if (n <= 0) return e;
  const std::int64_t k = std::max(1, every);
  e.reserve(static_cast<std::size_t>(kept_count(n, every)));
  for (std::int64_t i = 0; i < n; i += k) e.push_back(i);
  if (e.back() != n - 1) e.push_back(n - 1);
  return e;
}

std::int64_t kept_count(std::int64_t n, int every) {
  if (n <= 0) return 0;
  const std::int64_t k = std::max(1, every);
  // 0, k, ..., k*floor((n-1)/k), and n - 1 when that is not on the grid.
  return (n - 1) / k + 1 + ((n - 1) % k != 0 ? 1 : 0);
}

std::int64_t curve_epochs(const TaskResult& x) {
  if (x.sampling.thinned()) return x.sampling.epochs;
  return std::min<std::int64_t>(x.epochs_run, static_cast<std::int64_t>(x.curves.size()));
}

CurveSampling committed_sampling(const TaskResult& x) {
  if (x.sampling.thinned()) return x.sampling;
  const int k = x.spec.empty() ? 1 : x.spec.record_every();
  if (k <= 1) return {};
  const std::int64_t n = curve_epochs(x);
  if (kept_count(n, k) == static_cast<std::int64_t>(x.curves.size())) return {};  // nothing to drop
  return {k, n};
}

Curves thin_curves(const Curves& c, std::int64_t n, int every) {
  Curves t;
  const std::vector<std::int64_t> kept = kept_epochs(n, every);
  t.reserve(kept.size());
  for (const std::int64_t e : kept) {
    const auto u = static_cast<std::size_t>(e);
    t.loss.push_back(c.loss.at(u));
    t.accuracy.push_back(c.accuracy.at(u));
    t.reliability.push_back(c.reliability.at(u));
    t.grad_norm.push_back(c.grad_norm.at(u));
  }
  return t;
}

}  // namespace memphase
