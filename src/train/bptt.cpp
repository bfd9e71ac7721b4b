#include "train/bptt.hpp"

#include <cmath>

namespace memphase {

double epoch_flops(int n, int batch, int steps) {
  const double nn = n, b = batch;
  return 3.0 * 2.0 * nn * nn * b * (steps - 1) + 3.0 * 2.0 * 2.0 * nn * b * steps;
}

template <class S>
BpttKernel<S>::BpttKernel(const ModelConfig& model, const TrialLayout& layout)
    : model_(model),
      layout_(layout),
      n_(model.n),
      b_(layout.batch()),
      t_(layout.steps),
      alpha_(static_cast<S>(model.alpha())) {
  states_.resize(n_, static_cast<Eigen::Index>(b_) * t_);
  work_.resize(n_, static_cast<Eigen::Index>(b_) * (t_ - 1));
  out_.resize(2, static_cast<Eigen::Index>(b_) * t_);
  dout_.resize(n_, static_cast<Eigen::Index>(b_) * t_);
  dr_.resize(n_, b_);
  for (auto& v : bias_) v.resize(n_);
}

template <class S>
EpochStats BpttKernel<S>::run(const Params<S>& p, Rng& rng, Params<S>& grad) {
  auto r0 = states_.leftCols(b_);
  rng.fill_normal(r0, static_cast<S>(model_.init_state_sigma));
  r0 = r0.array().tanh();
  rng.fill_normal(work_, static_cast<S>(model_.noise_sigma));
  forward(p);
  const EpochStats st = loss_and_output_grad();
  backward(p, grad);
  EpochStats out = st;
  out.grad_norm = static_cast<double>(grad.W_rec.norm());
  return out;
}

template <class S>
EpochStats BpttKernel<S>::run_with(const Params<S>& p, const Mat<S>& r0_pre, const Mat<S>& eps,
                                   Params<S>& grad) {
  states_.leftCols(b_) = r0_pre.array().tanh();
  work_ = eps;
  forward(p);
  EpochStats st = loss_and_output_grad();
  backward(p, grad);
  st.grad_norm = static_cast<double>(grad.W_rec.norm());
  return st;
}

template <class S>
double BpttKernel<S>::loss_with(const Params<S>& p, const Mat<S>& r0_pre, const Mat<S>& eps) {
  states_.leftCols(b_) = r0_pre.array().tanh();
  work_ = eps;
  forward(p);
  return loss_and_output_grad().loss;
}

template <class S>
void BpttKernel<S>::forward(const Params<S>& p) {
  const int ch0 = TrialLayout::channel_of_cue(0), ch1 = TrialLayout::channel_of_cue(1);
  bias_[0] = p.b_in + p.b_rec;
  bias_[1] = bias_[0] + p.W_in.col(ch0);
  bias_[2] = bias_[0] + p.W_in.col(ch1);
  const int reps = layout_.reps;
  const S a = alpha_, one_minus_a = S(1) - alpha_;
  for (int t = 0; t + 1 < t_; ++t) {
    auto r = states_.middleCols(static_cast<Eigen::Index>(t) * b_, b_);
    auto z = work_.middleCols(static_cast<Eigen::Index>(t) * b_, b_);  // holds eps_t on entry
    // z <- eps + bias(t, cue) + W_rec r  (one GEMM accumulating into z)
    if (layout_.input_on(t)) {
      z.leftCols(reps).colwise() += bias_[1];
      z.rightCols(b_ - reps).colwise() += bias_[2];
    } else {
      z.colwise() += bias_[0];
    }
    z.noalias() += p.W_rec * r;
    z = z.array().tanh();
    states_.middleCols(static_cast<Eigen::Index>(t + 1) * b_, b_) = one_minus_a * r + a * z;
  }
  // Read-out for all steps at once: o = f(W_out R + b_out), 2×(B·T).
  out_.noalias() = p.W_out * states_;
  out_.colwise() += p.b_out;
  if (model_.readout == Readout::sigmoid) out_ = (S(1) + (-out_.array()).exp()).inverse();
}

template <class S>
EpochStats BpttKernel<S>::loss_and_output_grad() {
  // Loss L = mean_{b,t,k} w_t (o - y)^2; out_ is overwritten by dL/dlogit.
  const double scale = 1.0 / (static_cast<double>(b_) * t_ * 2.0);
  const int reps = layout_.reps;
  const bool sigmoid = model_.readout == Readout::sigmoid;
  double loss = 0.0, acc = 0.0, rel = 0.0;
  long n_win = 0;
  for (int t = 0; t < t_; ++t) {
    const bool on = layout_.target_on(t);
    const bool in_win = t >= layout_.win_begin && t < layout_.win_end;
    const double w = layout_.weight[static_cast<std::size_t>(t)];
    const S gcoef = static_cast<S>(2.0 * w * scale);
    double lt = 0.0;
    for (int b = 0; b < b_; ++b) {
      const Eigen::Index col = static_cast<Eigen::Index>(t) * b_ + b;
      const int ch = TrialLayout::channel_of_cue(b < reps ? 0 : 1);
      const S o0 = out_(0, col), o1 = out_(1, col);
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
      out_(0, col) = gcoef * d0 * s0;
      out_(1, col) = gcoef * d1 * s1;
    }
    loss += w * lt;
  }
  EpochStats st;
  st.loss = loss * scale;
  st.accuracy = n_win ? acc / static_cast<double>(n_win) : 0.0;
  st.reliability = n_win ? rel / static_cast<double>(n_win) : 0.0;
  return st;
}

template <class S>
void BpttKernel<S>::backward(const Params<S>& p, Params<S>& grad) {
  const Eigen::Index bt = static_cast<Eigen::Index>(b_) * t_;
  grad.W_out.noalias() = out_ * states_.transpose();
  grad.b_out = out_.rowwise().sum();
  dout_.noalias() = p.W_out.transpose() * out_;
  const S a = alpha_, one_minus_a = S(1) - alpha_;
  dr_ = dout_.rightCols(b_);  // dL/dr_{T-1}
  for (int t = t_ - 2; t >= 0; --t) {
    auto zd = work_.middleCols(static_cast<Eigen::Index>(t) * b_, b_);
    // delta_t = dL/d(pre-activation) = alpha (1 - z^2) * dL/dr_{t+1}
    zd = a * (S(1) - zd.array().square()) * dr_.array();
    dr_ = one_minus_a * dr_ + dout_.middleCols(static_cast<Eigen::Index>(t) * b_, b_);
    dr_.noalias() += p.W_rec.transpose() * zd;
  }
  // work_ now holds delta_t for t = 0..T-2.
  grad.W_rec.noalias() = work_ * states_.leftCols(bt - b_).transpose();
  grad.b_rec = work_.rowwise().sum();
  grad.b_in = grad.b_rec;
  grad.W_in.setZero();
  const int reps = layout_.reps;
  const int ch0 = TrialLayout::channel_of_cue(0), ch1 = TrialLayout::channel_of_cue(1);
  for (int t = 0; t < std::min(layout_.n_cue, t_ - 1); ++t) {
    auto d = work_.middleCols(static_cast<Eigen::Index>(t) * b_, b_);
    grad.W_in.col(ch0) += d.leftCols(reps).rowwise().sum();
    grad.W_in.col(ch1) += d.rightCols(b_ - reps).rowwise().sum();
  }
}

template class BpttKernel<float>;
template class BpttKernel<double>;

}  // namespace memphase
