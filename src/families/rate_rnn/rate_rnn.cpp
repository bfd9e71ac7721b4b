#include "families/rate_rnn/rate_rnn.hpp"

#include <cmath>

#include "delayed_cue/trial.hpp"

namespace memphase {

namespace {

void fill_uniform(Rng& rng, Mat<double>& m, double a) {
  // Column-major fill order; U(-a, a).
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) = (2.0 * rng.uniform() - 1.0) * a;
}

}  // namespace

template <class S>
Params<S> init_params(int n, std::uint64_t seed) {
  Rng rng(seed, stream::init);
  Params<double> p = Params<double>::zeros(n);
  const double nd = n;
  fill_uniform(rng, p.W_in, std::sqrt(6.0 / (2.0 + nd)));
  fill_uniform(rng, p.W_rec, std::sqrt(6.0 / (nd + nd)));
  p.W_rec.diagonal().setZero();
  fill_uniform(rng, p.W_out, std::sqrt(6.0 / (nd + 2.0)));
  Mat<double> tmp(n, 1);
  fill_uniform(rng, tmp, 1.0 / std::sqrt(2.0));  // b_in: fan_in = 2
  p.b_in = tmp.col(0);
  fill_uniform(rng, tmp, 1.0 / std::sqrt(nd));  // b_rec: fan_in = N
  p.b_rec = tmp.col(0);
  Mat<double> tmp2(2, 1);
  fill_uniform(rng, tmp2, 1.0 / std::sqrt(nd));  // b_out: fan_in = N
  p.b_out = tmp2.col(0);
  if constexpr (std::is_same_v<S, double>) {
    return p;
  } else {
    return p.template cast<S>();
  }
}

template Params<float> init_params<float>(int, std::uint64_t);
template Params<double> init_params<double>(int, std::uint64_t);

Mat<double> free_run(const Params<float>& pf, const ModelConfig& model, int n_cue, int cue_type,
                     int steps, Rng& rng) {
  return free_run(pf, model, n_cue, cue_type, steps, rng, nullptr);
}

Mat<double> free_run(const Params<float>& pf, const ModelConfig& model, int n_cue, int cue_type,
                     int steps, Rng& rng, Mat<double>* outputs) {
  const Params<double> p = pf.cast<double>();
  const int n = p.n();
  const double alpha = model.alpha();
  Vec<double> r(n);
  rng.fill_normal(r, model.init_state_sigma);
  r = r.array().tanh();
  const int ch = TrialLayout::channel_of_cue(cue_type);
  const Vec<double> bias = p.b_in + p.b_rec;
  const Vec<double> bias_cue = bias + p.W_in.col(ch);
  Mat<double> F(steps, n);
  if (outputs) outputs->resize(steps, 2);
  Vec<double> eps(n), z(n);
  for (int t = 0; t < steps; ++t) {
    if (outputs) {
      Vec<double> logit = p.W_out * r + p.b_out;
      if (model.readout == Readout::sigmoid) logit = (1.0 + (-logit.array()).exp()).inverse().matrix();
      outputs->row(t) = logit.transpose();
    }
    rng.fill_normal(eps, model.noise_sigma);
    z = (p.W_rec * r + (t < n_cue ? bias_cue : bias) + eps).array().tanh();
    r = (1.0 - alpha) * r + alpha * z;
    F.row(t) = r.transpose();
  }
  return F;
}

}  // namespace memphase
