#pragma once
// SGD with momentum and weight decay in the semantics of torch.optim.SGD
// (dampening 0, no Nesterov; SPEC §3.3), one parameter tensor at a time, for
// every family that trains by backpropagation with train.optimizer sgd:
//   g <- g + wd * p;  buf <- momentum * buf + g  (buf = g at the first step);
//   p <- p - lr * buf   (p <- p - lr * g without momentum).
// Arithmetic in the tensors' scalar type S with the hyper-parameters rounded
// to S, as PyTorch does for float32 parameters.
#include <type_traits>

namespace memphase {

/// One update of one tensor (Eigen dense objects of one shape). `g` is
/// consumed (it receives g + wd p); `first`: buf is not initialised yet.
template <class P, class G, class B>
void sgd_update(P&& param, G&& g, B&& buf, bool first, double lr, double momentum,
                double weight_decay) {
  using S = typename std::decay_t<P>::Scalar;
  const S lr_s = static_cast<S>(lr), m_s = static_cast<S>(momentum),
          wd_s = static_cast<S>(weight_decay);
  if (wd_s != S(0)) g.array() += wd_s * param.array();
  if (m_s != S(0)) {
    if (!first)
      buf.array() = m_s * buf.array() + g.array();
    else
      buf = g;
    param.array() -= lr_s * buf.array();
  } else {
    param.array() -= lr_s * g.array();
  }
}

}  // namespace memphase
