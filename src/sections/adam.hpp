#pragma once
// Adam in the semantics of torch.optim.Adam (PyTorch 1.13, single-tensor
// path, amsgrad off, maximize off), for every family that trains by
// backpropagation and sets train.optimizer: adam. One update of a parameter
// tensor p with gradient g, first and second moments m, v and step count t
// (t counts updates, 1 at the first one):
//
//   g <- g + wd p                              (weight decay as L2, if wd != 0)
//   m <- beta1 m + (1 - beta1) g
//   v <- beta2 v + (1 - beta2) g g
//   p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// The bias corrections and the step size are computed in double, as Python
// does; the element-wise arithmetic is done in the parameters' scalar type S
// with the coefficients rounded to S, in PyTorch's operation order, so a
// float32 update matches torch.optim.Adam to float rounding
// (tests/unit/train/adam_test.cpp against tests/support/torch_adam.py).
// m and v start at zero; a checkpoint holds them and t (AdamState).
#include <cmath>
#include <cstdint>

namespace memphase {

/// Adam's hyper-parameters (train.lr, train.adam_beta1/2, train.adam_eps,
/// train.weight_decay).
struct AdamHyper {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

/// The coefficients of update number `step` (>= 1).
struct AdamCoefficients {
  double step_size;  ///< lr / (1 - beta1^step)
  double bc2_sqrt;   ///< sqrt(1 - beta2^step)
};
inline AdamCoefficients adam_coefficients(const AdamHyper& h, std::int64_t step) {
  const double t = static_cast<double>(step);
  return {h.lr / (1.0 - std::pow(h.beta1, t)), std::sqrt(1.0 - std::pow(h.beta2, t))};
}

/// One Adam update of one tensor (any Eigen dense objects of one shape and
/// scalar type S). `g` is consumed (it receives g + wd p, like torch's grad).
template <class P, class G, class M, class V>
void adam_update(P&& p, G&& g, M&& m, V&& v, const AdamHyper& h, const AdamCoefficients& c) {
  using S = typename std::decay_t<P>::Scalar;
  const S wd = static_cast<S>(h.weight_decay), b1 = static_cast<S>(h.beta1),
          b2 = static_cast<S>(h.beta2), one_b1 = static_cast<S>(1.0 - h.beta1),
          one_b2 = static_cast<S>(1.0 - h.beta2), eps = static_cast<S>(h.eps),
          bc2 = static_cast<S>(c.bc2_sqrt), neg_step = static_cast<S>(-c.step_size);
  if (h.weight_decay != 0.0) g.array() += wd * p.array();
  m.array() = m.array() * b1 + one_b1 * g.array();
  v.array() = v.array() * b2 + one_b2 * g.array() * g.array();
  p.array() += neg_step * m.array() / (v.array().sqrt() / bc2 + eps);
}

}  // namespace memphase
