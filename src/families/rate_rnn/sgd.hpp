#pragma once
// The optimisers of a rate RNN's Params: SGD (below) and Adam (adam_step,
// torch.optim.Adam via sections/adam.hpp).
// SGD with momentum and weight decay in PyTorch semantics (SPEC §3.3):
//   g <- g + wd * p;  buf <- momentum * buf + g  (buf = g at the first step);
//   p <- p - lr * buf.
// Arithmetic is done in S with the hyper-parameters rounded to S, as PyTorch
// does for float32 parameters.
#include <cstdint>

#include "core/params.hpp"
#include "sections/adam.hpp"
#include "sections/sgd.hpp"

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
  if (!st.initialised) st.buf = Params<S>::zeros(p.n(), static_cast<int>(p.W_in.cols()),
                                                 static_cast<int>(p.W_out.rows()));
  const bool first = !st.initialised;
  auto apply = [&](auto& param, auto& g, auto& buf) {
    sgd_update(param, g, buf, first, lr, momentum, weight_decay);
  };
  apply(p.W_in, grad.W_in, st.buf.W_in);
  apply(p.W_rec, grad.W_rec, st.buf.W_rec);
  apply(p.W_out, grad.W_out, st.buf.W_out);
  apply(p.b_in, grad.b_in, st.buf.b_in);
  apply(p.b_rec, grad.b_rec, st.buf.b_rec);
  apply(p.b_out, grad.b_out, st.buf.b_out);
  st.initialised = true;
}

/// Adam's moments and update count (sections/adam.hpp), same shapes as the params.
template <class S>
struct AdamState {
  Params<S> m, v;
  std::int64_t step = 0;  ///< updates done; m and v are empty until the first
};

/// One Adam update of every tensor, in the canonical order. `grad` is
/// consumed (it receives g + wd p).
template <class S>
void adam_step(Params<S>& p, Params<S>& grad, AdamState<S>& st, const AdamHyper& h) {
  if (st.step == 0) {
    st.m = Params<S>::zeros(p.n(), static_cast<int>(p.W_in.cols()), static_cast<int>(p.W_out.rows()));
    st.v = st.m;
  }
  ++st.step;
  const AdamCoefficients c = adam_coefficients(h, st.step);
  adam_update(p.W_in, grad.W_in, st.m.W_in, st.v.W_in, h, c);
  adam_update(p.W_rec, grad.W_rec, st.m.W_rec, st.v.W_rec, h, c);
  adam_update(p.W_out, grad.W_out, st.m.W_out, st.v.W_out, h, c);
  adam_update(p.b_in, grad.b_in, st.m.b_in, st.v.b_in, h, c);
  adam_update(p.b_rec, grad.b_rec, st.m.b_rec, st.v.b_rec, h, c);
  adam_update(p.b_out, grad.b_out, st.m.b_out, st.v.b_out, h, c);
}

}  // namespace memphase
