#pragma once
// Template part of Rng::fill_normal (hot: ~700k draws per epoch).
#include <Eigen/Core>
#include <cmath>
#include <numbers>
#include <type_traits>
#include <vector>

namespace memphase {

namespace detail {
/// Uniforms in (0, 1): float from 24-bit halves of one 64-bit draw (2 per
/// draw), double from 53 bits (1 per draw). Never 0, so log() is finite.
template <class S>
inline void fill_open_uniform(std::mt19937_64& eng, S* u, Eigen::Index n) {
  if constexpr (std::is_same_v<S, float>) {
    constexpr float k = 1.0f / 16777216.0f;  // 2^-24
    Eigen::Index i = 0;
    for (; i + 1 < n; i += 2) {
      const std::uint64_t x = eng();
      u[i] = (static_cast<float>(x >> 40) + 0.5f) * k;
      u[i + 1] = (static_cast<float>((x >> 8) & 0xFFFFFFu) + 0.5f) * k;
    }
    if (i < n) u[i] = (static_cast<float>(eng() >> 40) + 0.5f) * k;
  } else {
    constexpr double k = 1.0 / 9007199254740992.0;  // 2^-53
    for (Eigen::Index i = 0; i < n; ++i) u[i] = (static_cast<double>(eng() >> 11) + 0.5) * k;
  }
}
}  // namespace detail

template <class Derived>
void Rng::fill_normal(Eigen::DenseBase<Derived>& x, typename Derived::Scalar sigma) {
  using S = typename Derived::Scalar;
  using Arr = Eigen::Array<S, Eigen::Dynamic, 1>;
  const Eigen::Index n = x.size();
  if (sigma == S(0)) {
    x.setZero();
    return;
  }
  const Eigen::Index h = (n + 1) / 2;
  thread_local Arr u;
  u.resize(2 * h);
  detail::fill_open_uniform<S>(eng_, u.data(), 2 * h);
  auto u1 = u.head(h);
  auto u2 = u.tail(h);
  // Box-Muller: r = sigma*sqrt(-2 ln u1), theta = 2 pi u2 -> (r cos, r sin).
  const S two_pi = static_cast<S>(2.0 * std::numbers::pi);
  Arr rad = sigma * (S(-2) * u1.log()).sqrt();
  Arr th = two_pi * u2;
  // x is visited linearly; the first half gets cos, the second sin.
  Eigen::Map<Arr> out(x.derived().data(), n);
  out.head(h) = rad * th.cos();
  out.tail(n - h) = (rad * th.sin()).head(n - h);
}

}  // namespace memphase
