#include "families/gru/gru.hpp"

#include <cmath>

namespace memphase::gru {

namespace {

template <class D>
void fill_uniform(Rng& rng, D& m, double a) {
  // Column-major fill order; U(-a, a).
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) = (2.0 * rng.uniform() - 1.0) * a;
}

template <class S>
auto sigmoid(const Eigen::ArrayBase<S>& x) {
  using T = typename S::Scalar;
  return (T(1) + (-x).exp()).inverse();
}

}  // namespace

template <class S>
GruParams<S> GruParams<S>::zeros(int n) {
  return {Mat<S>::Zero(3 * n, 2), Mat<S>::Zero(3 * n, n), Mat<S>::Zero(2, n),
          Vec<S>::Zero(3 * n),    Vec<S>::Zero(3 * n),    Vec<S>::Zero(2)};
}

template <class S>
Vec<S> GruParams<S>::pack() const {
  Vec<S> v(size());
  Eigen::Index k = 0;
  const auto put = [&](const auto& m) {
    v.segment(k, m.size()) = Eigen::Map<const Vec<S>>(m.data(), m.size());
    k += m.size();
  };
  put(W_ih);
  put(W_hh);
  put(b_ih);
  put(b_hh);
  put(W_out);
  put(b_out);
  return v;
}

template <class S>
void GruParams<S>::unpack(const Vec<S>& v) {
  Eigen::Index k = 0;
  const auto get = [&](auto& m) {
    Eigen::Map<Vec<S>>(m.data(), m.size()) = v.segment(k, m.size());
    k += m.size();
  };
  get(W_ih);
  get(W_hh);
  get(b_ih);
  get(b_hh);
  get(W_out);
  get(b_out);
}

template struct GruParams<float>;
template struct GruParams<double>;

GruParams<float> init_params(int n, std::uint64_t seed) {
  Rng rng(seed, stream::init);
  GruParams<double> p = GruParams<double>::zeros(n);
  const double k = 1.0 / std::sqrt(static_cast<double>(n));
  fill_uniform(rng, p.W_ih, k);
  fill_uniform(rng, p.W_hh, k);
  fill_uniform(rng, p.b_ih, k);
  fill_uniform(rng, p.b_hh, k);
  fill_uniform(rng, p.W_out, k);
  fill_uniform(rng, p.b_out, k);
  return p.cast<float>();
}

double epoch_flops(int n, int batch, int steps) {
  const double N = n, B = batch, T = steps;
  return T * (3.0 * 2.0 * 3.0 * N * N * B + 3.0 * 2.0 * 2.0 * N * B);
}

template <class S>
GruKernel<S>::GruKernel(const ModelConfig& model, const TrialLayout& layout)
    : model_(model), layout_(layout), n_(model.n), b_(layout.batch()), t_(layout.steps) {
  const Eigen::Index u = static_cast<Eigen::Index>(b_) * std::max(t_ - 1, 0);
  h_.resize(n_, static_cast<Eigen::Index>(b_) * t_);
  eps_.resize(n_, u);
  r_.resize(n_, u);
  z_.resize(n_, u);
  c_.resize(n_, u);
  hn_.resize(n_, u);
  o_.resize(2, static_cast<Eigen::Index>(b_) * t_);
  g_.resize(2, static_cast<Eigen::Index>(b_) * t_);
  gh_.resize(3 * n_, b_);
  gi_.resize(3 * n_, b_);
  dg_.resize(3 * n_, b_);
  dh_.resize(n_, b_);
  tmp_.resize(b_, n_);
}

template <class S>
GruEpochStats GruKernel<S>::run(const GruParams<S>& p, const CounterNormals& noise,
                                std::uint64_t epoch, GruParams<S>& grad) {
  // The rate RNN's draws (trial-major B×N blocks), transposed to N×B.
  noise.fill<S>(tmp_.data(), b_, b_, n_, epoch, CounterNormals::kInitialState,
                static_cast<S>(model_.init_state_sigma));
  h_.leftCols(b_) = tmp_.transpose().array().tanh();
  for (int t = 0; t + 1 < t_; ++t) {
    noise.fill<S>(tmp_.data(), b_, b_, n_, epoch, static_cast<std::uint32_t>(t),
                  static_cast<S>(model_.noise_sigma));
    eps_.middleCols(static_cast<Eigen::Index>(t) * b_, b_) = tmp_.transpose();
  }
  return forward_backward(p, grad);
}

template <class S>
GruEpochStats GruKernel<S>::run_with(const GruParams<S>& p, const Mat<S>& h0, const Mat<S>& eps,
                                     GruParams<S>& grad) {
  h_.leftCols(b_) = h0;
  eps_ = eps;
  return forward_backward(p, grad);
}

template <class S>
GruEpochStats GruKernel<S>::forward_backward(const GruParams<S>& p, GruParams<S>& grad) {
  const int N = n_, B = b_, reps = layout_.reps;
  const double scale = 1.0 / (static_cast<double>(B) * t_ * 2.0);
  double loss = 0.0, acc = 0.0, rel = 0.0;
  long n_win = 0;
  // Gate biases with the cue's input column folded in: [0] no input,
  // [1] cue type 0, [2] cue type 1 (x_t is one-hot while the cue is on).
  const Vec<S> bias0 = p.b_ih;
  const Vec<S> bias_cue[2] = {p.b_ih + p.W_ih.col(TrialLayout::channel_of_cue(0)),
                              p.b_ih + p.W_ih.col(TrialLayout::channel_of_cue(1))};
  for (int t = 0; t < t_; ++t) {
    const auto h = h_.middleCols(static_cast<Eigen::Index>(t) * B, B);
    // Read-out, loss, metrics and dL/dlogit of step t (SPEC §3.2-3.4).
    auto o = o_.middleCols(static_cast<Eigen::Index>(t) * B, B);
    auto g = g_.middleCols(static_cast<Eigen::Index>(t) * B, B);
    o = sigmoid(((p.W_out * h).colwise() + p.b_out).array()).matrix();
    const bool on = layout_.target_on(t);
    const bool in_win = t >= layout_.win_begin && t < layout_.win_end;
    const double w = layout_.weight[static_cast<std::size_t>(t)];
    const S gcoef = static_cast<S>(2.0 * w * scale);
    double lt = 0.0;
    for (int b = 0; b < B; ++b) {
      const int ch = TrialLayout::channel_of_cue(b < reps ? 0 : 1);
      const S o0 = o(0, b), o1 = o(1, b);
      const S d0 = o0 - ((on && ch == 0) ? S(1) : S(0)), d1 = o1 - ((on && ch == 1) ? S(1) : S(0));
      lt += static_cast<double>(d0 * d0 + d1 * d1);
      if (in_win) {
        // p = o / sum(o), NaN -> 0; argmax ties -> 0 (as the rate RNN).
        const S sum = o0 + o1;
        S p0 = o0 / sum, p1 = o1 / sum;
        if (std::isnan(p0)) p0 = S(0);
        if (std::isnan(p1)) p1 = S(0);
        const int target = on ? ch : 0;
        acc += (p1 > p0 ? 1 : 0) == target ? 1.0 : 0.0;
        rel += static_cast<double>(target == 0 ? p0 : p1);
        ++n_win;
      }
      g(0, b) = gcoef * d0 * o0 * (S(1) - o0);
      g(1, b) = gcoef * d1 * o1 * (S(1) - o1);
    }
    loss += w * lt;
    if (t + 1 == t_) break;
    // The update h_t -> h_{t+1}.
    const Eigen::Index u = static_cast<Eigen::Index>(t) * B;
    gh_.noalias() = p.W_hh * h;
    gh_.colwise() += p.b_hh;
    auto r = r_.middleCols(u, B), z = z_.middleCols(u, B), c = c_.middleCols(u, B),
         hn = hn_.middleCols(u, B);
    hn = gh_.bottomRows(N);
    // gi_ = W_ih x_t + b_ih per trial (x_t one-hot while the cue is on).
    if (layout_.input_on(t)) {
      gi_.leftCols(reps).colwise() = bias_cue[0];
      gi_.rightCols(B - reps).colwise() = bias_cue[1];
    } else {
      gi_.colwise() = bias0;
    }
    r = sigmoid((gi_.topRows(N) + gh_.topRows(N)).array()).matrix();
    z = sigmoid((gi_.middleRows(N, N) + gh_.middleRows(N, N)).array()).matrix();
    c = (gi_.bottomRows(N).array() + r.array() * hn.array() + eps_.middleCols(u, B).array())
            .tanh()
            .matrix();
    h_.middleCols(u + B, B).array() = (S(1) - z.array()) * c.array() + z.array() * h.array();
  }

  // Backward.
  grad.W_ih.setZero();
  grad.W_hh.setZero();
  grad.b_ih.setZero();
  grad.b_hh.setZero();
  grad.W_out.setZero();
  grad.b_out.setZero();
  for (int t = 0; t < t_; ++t) {
    const auto h = h_.middleCols(static_cast<Eigen::Index>(t) * B, B);
    const auto g = g_.middleCols(static_cast<Eigen::Index>(t) * B, B);
    grad.W_out.noalias() += g * h.transpose();
    grad.b_out += g.rowwise().sum();
  }
  const int last = t_ - 1;
  dh_.noalias() = p.W_out.transpose() * g_.middleCols(static_cast<Eigen::Index>(last) * B, B);
  for (int t = t_ - 2; t >= 0; --t) {
    // dh_ holds dL/dh_{t+1}.
    const Eigen::Index u = static_cast<Eigen::Index>(t) * B;
    const auto h = h_.middleCols(u, B);
    const auto r = r_.middleCols(u, B).array(), z = z_.middleCols(u, B).array(),
               c = c_.middleCols(u, B).array(), hn = hn_.middleCols(u, B).array();
    const auto dh = dh_.array();
    // δ of the candidate's pre-activation, and of the gates' pre-activations.
    const auto dc = (dh * (S(1) - z) * (S(1) - c * c)).eval();
    dg_.topRows(N).array() = dc * hn * r * (S(1) - r);
    dg_.middleRows(N, N).array() = dh * (h.array() - c) * z * (S(1) - z);
    // dL/d(W_ih x + b_ih): [δr; δz; δc]; dL/d(W_hh h + b_hh): [δr; δz; δc ⊙ r].
    dg_.bottomRows(N).array() = dc;
    grad.b_ih += dg_.rowwise().sum();
    if (layout_.input_on(t)) {
      const int ch0 = TrialLayout::channel_of_cue(0), ch1 = TrialLayout::channel_of_cue(1);
      grad.W_ih.col(ch0) += dg_.leftCols(reps).rowwise().sum();
      grad.W_ih.col(ch1) += dg_.rightCols(B - reps).rowwise().sum();
    }
    dg_.bottomRows(N).array() = dc * r;
    grad.b_hh += dg_.rowwise().sum();
    grad.W_hh.noalias() += dg_ * h.transpose();
    // dL/dh_t: through z's carry, through W_hh, and from the read-out of step t.
    tmp_.transpose() = (dh * z).matrix();
    dh_.noalias() = p.W_hh.transpose() * dg_;
    dh_ += tmp_.transpose();
    dh_.noalias() += p.W_out.transpose() * g_.middleCols(u, B);
  }

  GruEpochStats st;
  st.loss = loss * scale;
  st.accuracy = n_win ? acc / static_cast<double>(n_win) : 0.0;
  st.reliability = n_win ? rel / static_cast<double>(n_win) : 0.0;
  st.grad_norm = static_cast<double>(grad.W_hh.norm());
  return st;
}

template class GruKernel<float>;
template class GruKernel<double>;

Mat<double> free_run(const GruParams<float>& pf, const ModelConfig& model, int n_cue, int cue_type,
                     int steps, Rng& rng) {
  const GruParams<double> p = pf.cast<double>();
  const int n = p.n();
  Vec<double> h(n);
  rng.fill_normal(h, model.init_state_sigma);
  h = h.array().tanh();
  const int ch = TrialLayout::channel_of_cue(cue_type);
  const Vec<double> bias_cue = p.b_ih + p.W_ih.col(ch);
  Mat<double> F(steps, n);
  Vec<double> eps(n), gh(3 * n);
  for (int t = 0; t < steps; ++t) {
    const Vec<double>& bi = t < n_cue ? bias_cue : p.b_ih;
    rng.fill_normal(eps, model.noise_sigma);
    gh = p.W_hh * h + p.b_hh;
    const Vec<double> r = sigmoid((bi.head(n) + gh.head(n)).array()).matrix();
    const Vec<double> z = sigmoid((bi.segment(n, n) + gh.segment(n, n)).array()).matrix();
    const Vec<double> c =
        (bi.tail(n).array() + r.array() * gh.tail(n).array() + eps.array()).tanh().matrix();
    h = ((1.0 - z.array()) * c.array() + z.array() * h.array()).matrix();
    F.row(t) = h.transpose();
  }
  return F;
}

}  // namespace memphase::gru
