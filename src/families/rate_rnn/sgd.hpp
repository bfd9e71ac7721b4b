#pragma once
// SGD with momentum and weight decay in PyTorch semantics (SPEC §3.3):
//   g <- g + wd * p;  buf <- momentum * buf + g  (buf = g at the first step);
//   p <- p - lr * buf.
// Arithmetic is done in S with the hyper-parameters rounded to S, as PyTorch
// does for float32 parameters.
#include "core/params.hpp"

namespace memphase {

template <class S>
struct SgdState {
  Params<S> buf;             ///< momentum buffers, same shapes as the params
  bool initialised = false;  ///< false until the first step (buf = g then)
};

/// One optimiser step. `grad` is consumed (it receives g + wd p).
template <class S>
void sgd_step(Params<S>& p, Params<S>& grad, SgdState<S>& st, double lr, double momentum,
              double weight_decay) {
  const S lr_s = static_cast<S>(lr), m_s = static_cast<S>(momentum),
          wd_s = static_cast<S>(weight_decay);
  if (!st.initialised) st.buf = Params<S>::zeros(p.n(), static_cast<int>(p.W_in.cols()),
                                                 static_cast<int>(p.W_out.rows()));
  auto apply = [&](auto& param, auto& g, auto& buf) {
    if (wd_s != S(0)) g.array() += wd_s * param.array();
    if (m_s != S(0)) {
      if (st.initialised) buf.array() = m_s * buf.array() + g.array();
      else buf = g;
      param.array() -= lr_s * buf.array();
    } else {
      param.array() -= lr_s * g.array();
    }
  };
  apply(p.W_in, grad.W_in, st.buf.W_in);
  apply(p.W_rec, grad.W_rec, st.buf.W_rec);
  apply(p.W_out, grad.W_out, st.buf.W_out);
  apply(p.b_in, grad.b_in, st.buf.b_in);
  apply(p.b_rec, grad.b_rec, st.buf.b_rec);
  apply(p.b_out, grad.b_out, st.buf.b_out);
  st.initialised = true;
}

}  // namespace memphase
