#include "families/rate_rnn/bptt.hpp"

#include <type_traits>

#include "families/rate_rnn/small_gemm.hpp"

#include <algorithm>
#include <cmath>

namespace memphase {

double epoch_flops(int n, int batch, int steps) {
  const double nn = n, b = batch;
  return 3.0 * 2.0 * nn * nn * b * (steps - 1) + 3.0 * 2.0 * 2.0 * nn * b * steps;
}

template <class S>
bool BpttKernel<S>::use_small_gemm() const {
  return std::is_same_v<S, float> && detail::kSmallGemm && b_ % 16 == 0;
}

template <class S>
BpttKernel<S>::BpttKernel(const ModelConfig& model, const TrialLayout& layout)
    : model_(model),
      layout_(layout),
      n_(model.n),
      b_(layout.batch()),
      t_(layout.steps),
      alpha_(static_cast<S>(model.alpha())) {
  states_.resize(b_, static_cast<Eigen::Index>(n_) * t_);
  pre_.resize(b_, n_);
  delta_.resize(b_, n_);
  dr_.resize(b_, n_);
  o_.resize(b_, 2);
  g_.resize(b_, 2 * static_cast<Eigen::Index>(t_));
  w_rec_t_.resize(n_, n_);
  if (use_small_gemm()) {
    packed_fwd_.resize(static_cast<Eigen::Index>(detail::packed_size(n_, n_)));
    packed_bwd_.resize(static_cast<Eigen::Index>(detail::packed_size(n_, n_)));
  }
  for (auto& v : bias_) v.resize(n_);
}

template <class S>
void BpttKernel<S>::begin(const CounterNormals& noise, std::uint64_t epoch) {
  noise_ = &noise;
  epoch_ = epoch;
  auto r0 = states_.leftCols(n_);
  noise.fill<S>(r0.data(), b_, b_, n_, epoch, CounterNormals::kInitialState,
                static_cast<S>(model_.init_state_sigma));
  r0 = r0.array().tanh();
}

template <class S>
EpochStats BpttKernel<S>::run(const Params<S>& p, const CounterNormals& noise, std::uint64_t epoch,
                              Params<S>& grad) {
  begin(noise, epoch);
  begin_forward(p, grad);
  for (int t = 0; t < t_; ++t) forward_step(t, p, grad);
  begin_backward(p, grad);
  for (int t = t_ - 2; t >= 0; --t) backward_step(t, p, grad);
  return end(grad);
}

template <class S>
EpochStats run_interleaved(BpttKernel<S>& k1, const Params<S>& p1, const CounterNormals& n1, std::uint64_t e1,
                           Params<S>& g1, BpttKernel<S>& k2, const Params<S>& p2, const CounterNormals& n2,
                           std::uint64_t e2, Params<S>& g2, EpochStats* second) {
  k1.begin(n1, e1);
  k2.begin(n2, e2);
  k1.begin_forward(p1, g1);
  k2.begin_forward(p2, g2);
  const int t1 = k1.steps(), t2 = k2.steps();
  for (int t = 0; t < std::max(t1, t2); ++t) {
    if (t < t1) k1.forward_step(t, p1, g1);
    if (t < t2) k2.forward_step(t, p2, g2);
  }
  k1.begin_backward(p1, g1);
  k2.begin_backward(p2, g2);
  for (int t = std::max(t1, t2) - 2; t >= 0; --t) {
    if (t <= t1 - 2) k1.backward_step(t, p1, g1);
    if (t <= t2 - 2) k2.backward_step(t, p2, g2);
  }
  if (second) *second = k2.end(g2);
  return k1.end(g1);
}

template <class S>
EpochStats BpttKernel<S>::run_with(const Params<S>& p, const Mat<S>& r0_pre, const Mat<S>& eps,
                                   Params<S>& grad) {
  states_.leftCols(n_) = r0_pre.transpose().array().tanh();
  eps_ = &eps;
  begin_forward(p, grad);
  for (int t = 0; t < t_; ++t) forward_step(t, p, grad);
  begin_backward(p, grad);
  for (int t = t_ - 2; t >= 0; --t) backward_step(t, p, grad);
  eps_ = nullptr;
  return end(grad);
}

template <class S>
double BpttKernel<S>::loss_with(const Params<S>& p, const Mat<S>& r0_pre, const Mat<S>& eps) {
  Params<S> scratch = Params<S>::zeros(n_);
  states_.leftCols(n_) = r0_pre.transpose().array().tanh();
  eps_ = &eps;
  begin_forward(p, scratch);
  for (int t = 0; t < t_; ++t) forward_step(t, p, scratch);
  eps_ = nullptr;
  return loss_ * (1.0 / (static_cast<double>(b_) * t_ * 2.0));
}

template <class S>
EpochStats BpttKernel<S>::end(Params<S>& grad) {
  grad.b_in = grad.b_rec;
  const double scale = 1.0 / (static_cast<double>(b_) * t_ * 2.0);
  EpochStats st;
  st.loss = loss_ * scale;
  st.accuracy = n_win_ ? acc_ / static_cast<double>(n_win_) : 0.0;
  st.reliability = n_win_ ? rel_ / static_cast<double>(n_win_) : 0.0;
  st.grad_norm = static_cast<double>(grad.W_rec.norm());
  noise_ = nullptr;
  return st;
}

template <class S>
void BpttKernel<S>::begin_forward(const Params<S>& p, Params<S>& grad) {
  const int ch0 = TrialLayout::channel_of_cue(0), ch1 = TrialLayout::channel_of_cue(1);
  bias_[0] = p.b_in + p.b_rec;
  bias_[1] = bias_[0] + p.W_in.col(ch0);
  bias_[2] = bias_[0] + p.W_in.col(ch1);
  w_rec_t_ = p.W_rec.transpose();
  if constexpr (std::is_same_v<S, float>)
    if (use_small_gemm()) detail::pack_panels(w_rec_t_.data(), n_, n_, n_, packed_fwd_.data());
  grad.W_out.setZero();
  grad.b_out.setZero();
  loss_ = acc_ = rel_ = 0.0;
  n_win_ = 0;
  // Read-out logits of r_0.
  const auto r0 = states_.leftCols(n_);
  o_.setZero();
  for (int j = 0; j < n_; ++j) {
    o_.col(0) += p.W_out(0, j) * r0.col(j);
    o_.col(1) += p.W_out(1, j) * r0.col(j);
  }
  o_.col(0).array() += p.b_out(0);
  o_.col(1).array() += p.b_out(1);
}

template <class S>
void BpttKernel<S>::forward_step(int t, const Params<S>& p, Params<S>& grad) {
  const int reps = layout_.reps;
  const S a = alpha_, one_minus_a = S(1) - alpha_;
  loss_step(t, loss_, acc_, rel_, n_win_);
  const auto r = states_.middleCols(static_cast<Eigen::Index>(t) * n_, n_);
  const auto g0 = g_.col(2 * t), g1 = g_.col(2 * t + 1);
  grad.b_out(0) += g0.sum();
  grad.b_out(1) += g1.sum();
  if (t + 1 == t_) {
    for (int j = 0; j < n_; ++j) {
      grad.W_out(0, j) += g0.dot(r.col(j));
      grad.W_out(1, j) += g1.dot(r.col(j));
    }
    return;
  }
  // pre <- eps_t + bias(t, cue) + r_t W_rec^T, then tanh, in one B×N block.
  if (eps_) {
    pre_ = eps_->middleCols(static_cast<Eigen::Index>(t) * b_, b_).transpose();
  } else {
    noise_->fill<S>(pre_.data(), b_, b_, n_, epoch_, static_cast<std::uint32_t>(t),
                    static_cast<S>(model_.noise_sigma));
  }
  const bool cue = layout_.input_on(t);
  for (int j = 0; j < n_; ++j) {
    auto c = pre_.col(j).array();
    if (cue) {
      c.head(reps) += bias_[1](j);
      c.tail(b_ - reps) += bias_[2](j);
    } else {
      c += bias_[0](j);
    }
  }
  if constexpr (std::is_same_v<S, float>) {
    if (use_small_gemm())
      detail::gemm_acc_packed(r.data(), b_, b_, n_, packed_fwd_.data(), n_, pre_.data(), b_);
    else
      pre_.noalias() += r * w_rec_t_;
  } else {
    pre_.noalias() += r * w_rec_t_;
  }
  pre_ = pre_.array().tanh();
  // One column loop: r_{t+1} = (1-a) r_t + a z_t, the read-out of r_{t+1}
  // and dL/dW_out of r_t.
  auto rn = states_.middleCols(static_cast<Eigen::Index>(t + 1) * n_, n_);
  o_.setZero();
  for (int j = 0; j < n_; ++j) {
    rn.col(j) = one_minus_a * r.col(j) + a * pre_.col(j);
    o_.col(0) += p.W_out(0, j) * rn.col(j);
    o_.col(1) += p.W_out(1, j) * rn.col(j);
    grad.W_out(0, j) += g0.dot(r.col(j));
    grad.W_out(1, j) += g1.dot(r.col(j));
  }
  o_.col(0).array() += p.b_out(0);
  o_.col(1).array() += p.b_out(1);
}

template <class S>
void BpttKernel<S>::loss_step(int t, double& loss, double& acc, double& rel, long& n_win) {
  // Loss L = mean_{b,t,k} w_t (o - y)^2; g_ gets dL/dlogit of step t.
  const double scale = 1.0 / (static_cast<double>(b_) * t_ * 2.0);
  const int reps = layout_.reps;
  const bool sigmoid = model_.readout == Readout::sigmoid;
  if (sigmoid) o_ = (S(1) + (-o_.array()).exp()).inverse();
  const bool on = layout_.target_on(t);
  const bool in_win = t >= layout_.win_begin && t < layout_.win_end;
  const double w = layout_.weight[static_cast<std::size_t>(t)];
  const S gcoef = static_cast<S>(2.0 * w * scale);
  S* g0 = g_.col(2 * t).data();
  S* g1 = g_.col(2 * t + 1).data();
  double lt = 0.0;
  for (int b = 0; b < b_; ++b) {
    const int ch = TrialLayout::channel_of_cue(b < reps ? 0 : 1);
    const S o0 = o_(b, 0), o1 = o_(b, 1);
    const S y0 = (on && ch == 0) ? S(1) : S(0);
    const S y1 = (on && ch == 1) ? S(1) : S(0);
    const S d0 = o0 - y0, d1 = o1 - y1;
    lt += static_cast<double>(d0 * d0 + d1 * d1);
    if (in_win) {
      // p = o / sum(o) with NaN -> 0 (torch.nan_to_num); argmax ties -> 0.
      const S sum = o0 + o1;
      S p0 = o0 / sum, p1 = o1 / sum;
      if (std::isnan(p0)) p0 = S(0);
      if (std::isnan(p1)) p1 = S(0);
      const int target = on ? ch : 0;
      const int pred = p1 > p0 ? 1 : 0;
      acc += pred == target ? 1.0 : 0.0;
      rel += static_cast<double>(target == 0 ? p0 : p1);
      ++n_win;
    }
    const S s0 = sigmoid ? o0 * (S(1) - o0) : S(1);
    const S s1 = sigmoid ? o1 * (S(1) - o1) : S(1);
    g0[b] = gcoef * d0 * s0;
    g1[b] = gcoef * d1 * s1;
  }
  loss += w * lt;
}

template <class S>
void BpttKernel<S>::begin_backward(const Params<S>& p, Params<S>& grad) {
  grad.W_rec.setZero();
  grad.b_rec.setZero();
  grad.W_in.setZero();
  if constexpr (std::is_same_v<S, float>)
    if (use_small_gemm()) detail::pack_panels(p.W_rec.data(), n_, n_, n_, packed_bwd_.data());
  // dL/dr_{T-1} = dL/dlogit_{T-1} W_out
  const auto g0 = g_.col(2 * (t_ - 1)), g1 = g_.col(2 * (t_ - 1) + 1);
  for (int j = 0; j < n_; ++j) dr_.col(j) = g0 * p.W_out(0, j) + g1 * p.W_out(1, j);
}

template <class S>
void BpttKernel<S>::backward_step(int t, const Params<S>& p, Params<S>& grad) {
  const S a = alpha_, one_minus_a = S(1) - alpha_, inv_a = S(1) / alpha_;
  const int reps = layout_.reps;
  const int ch0 = TrialLayout::channel_of_cue(0), ch1 = TrialLayout::channel_of_cue(1);
  const auto r = states_.middleCols(static_cast<Eigen::Index>(t) * n_, n_);
  const auto rn = states_.middleCols(static_cast<Eigen::Index>(t + 1) * n_, n_);
  const auto g0 = g_.col(2 * t), g1 = g_.col(2 * t + 1);
  const bool cue = t < layout_.n_cue;
  for (int j = 0; j < n_; ++j) {
    // z_t from the stored states; delta_t = alpha (1 - z^2) dL/dr_{t+1}.
    const auto z = (rn.col(j).array() - one_minus_a * r.col(j).array()) * inv_a;
    auto d = delta_.col(j).array();
    d = a * (S(1) - z.square()) * dr_.col(j).array();
    grad.b_rec(j) += d.sum();
    if (cue) {
      grad.W_in(j, ch0) += d.head(reps).sum();
      grad.W_in(j, ch1) += d.tail(b_ - reps).sum();
    }
    // dL/dr_t = (1-a) dL/dr_{t+1} + dL/dlogit_t W_out (+ delta_t W_rec below)
    dr_.col(j) = one_minus_a * dr_.col(j) + g0 * p.W_out(0, j) + g1 * p.W_out(1, j);
  }
  if constexpr (std::is_same_v<S, float>) {
    if (use_small_gemm())
      detail::gemm_acc_packed(delta_.data(), b_, b_, n_, packed_bwd_.data(), n_, dr_.data(), b_);
    else
      dr_.noalias() += delta_ * p.W_rec;
  } else {
    dr_.noalias() += delta_ * p.W_rec;
  }
  grad.W_rec.noalias() += delta_.transpose() * r;
}

template class BpttKernel<float>;
template class BpttKernel<double>;
template EpochStats run_interleaved(BpttKernel<float>&, const Params<float>&, const CounterNormals&, std::uint64_t,
                                    Params<float>&, BpttKernel<float>&, const Params<float>&,
                                    const CounterNormals&, std::uint64_t, Params<float>&, EpochStats*);

}  // namespace memphase
