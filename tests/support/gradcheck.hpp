#pragma once
// Finite-difference gradient checks shared by the model tests (double).
#include <algorithm>
#include <cmath>

#include "core/types.hpp"

namespace memphase::test {

/// 4th-order central differences of loss(v) at v, step h·max(1, |v_i|).
/// Truncation O(h^4), round-off ~1e-16/h: h = 1e-3 keeps both near 1e-13, so
/// gradient components 1e-6 of the largest are still resolved to < 1e-6.
template <class LossFn>
Vec<double> central_gradient(LossFn loss, const Vec<double>& v, double h = 1e-3) {
  Vec<double> g(v.size());
  Vec<double> w = v;
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    const double s = h * std::max(1.0, std::abs(v(i)));
    auto at = [&](double d) {
      w(i) = v(i) + d;
      const double l = loss(w);
      w(i) = v(i);
      return l;
    };
    g(i) = (-at(2 * s) + 8 * at(s) - 8 * at(-s) + at(-2 * s)) / (12 * s);
  }
  return g;
}

/// max_i |a_i - b_i| / max(|a_i|, |b_i|, floor), floor = 1e-6·‖b‖_∞: components
/// six orders below the largest (pure round-off) are judged relative to it.
inline double max_rel_error(const Vec<double>& a, const Vec<double>& b) {
  const double floor = 1e-6 * b.lpNorm<Eigen::Infinity>();
  double e = 0.0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    const double d = std::max({std::abs(a(i)), std::abs(b(i)), floor});
    e = std::max(e, std::abs(a(i) - b(i)) / d);
  }
  return e;
}

}  // namespace memphase::test
