#pragma once
// Template part of Rng::fill_normal (hot: ~700k draws per epoch).
#include <Eigen/Core>
#include <cmath>
#include <numbers>
#include <type_traits>
#include <algorithm>

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
  using Chunk = Eigen::Array<S, Eigen::Dynamic, 1>;
  const Eigen::Index n = x.size();
  if (sigma == S(0)) {
    x.setZero();
    return;
  }
  // Box-Muller on pairs, in chunks of 2*kPairs values that stay in L1 and live
  // on the stack: no allocation, vectorised log/sqrt/sin/cos through Eigen.
  // Within a chunk of m pairs, the first m outputs take r cos(theta) and the
  // next m take r sin(theta).
  constexpr Eigen::Index kPairs = 512;
  alignas(64) S u[2 * kPairs];
  alignas(64) S rad[kPairs];
  S* out = x.derived().data();
  for (Eigen::Index pos = 0; pos < n; pos += 2 * kPairs) {
    const Eigen::Index len = std::min<Eigen::Index>(2 * kPairs, n - pos);
    const Eigen::Index m = (len + 1) / 2;
    detail::fill_open_uniform<S>(eng_, u, 2 * m);
    Eigen::Map<Chunk> u1(u, m), u2(u + m, m), r(rad, m);
    const S two_pi = static_cast<S>(2.0 * std::numbers::pi);
    r = sigma * (S(-2) * u1.log()).sqrt();
    u2 *= two_pi;
    Eigen::Map<Chunk> o(out + pos, len);
    o.head(m) = r * u2.cos();
    o.tail(len - m) = (r * u2.sin()).head(len - m);
  }
}

}  // namespace memphase
