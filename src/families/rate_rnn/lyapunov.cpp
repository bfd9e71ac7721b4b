#include "families/rate_rnn/lyapunov.hpp"

#include <algorithm>

#include "core/rng.hpp"
#include "delayed_cue/trial.hpp"
#include "families/rate_rnn/config.hpp"
#include "families/rate_rnn/rate_rnn.hpp"

namespace memphase {

template <class S>
Mat<double> rate_rnn_jacobian(const Params<S>& p, double alpha, const Vec<double>& r) {
  const Mat<double> W = p.W_rec.template cast<double>();
  const Vec<double> bias = (p.b_in + p.b_rec).template cast<double>();
  const Vec<double> z = (W * r + bias).array().tanh().matrix();
  Mat<double> J = alpha * ((1.0 - z.array().square()).matrix().asDiagonal() * W);
  J.diagonal().array() += 1.0 - alpha;
  return J;
}

template <class S>
Vec<double> rate_rnn_spectrum(const Params<S>& p, double alpha, const Vec<double>& r0,
                              const LyapunovOptions& opt) {
  const Mat<double> W = p.W_rec.template cast<double>();
  const Vec<double> bias = (p.b_in + p.b_rec).template cast<double>();
  Vec<double> r = r0;
  auto step = [&](int) {
    const Vec<double> z = (W * r + bias).array().tanh().matrix();
    Mat<double> J = alpha * ((1.0 - z.array().square()).matrix().asDiagonal() * W);
    J.diagonal().array() += 1.0 - alpha;
    r = (1.0 - alpha) * r + alpha * z;
    return J;
  };
  return lyapunov_spectrum(p.n(), step, opt);
}

template Mat<double> rate_rnn_jacobian<float>(const Params<float>&, double, const Vec<double>&);
template Mat<double> rate_rnn_jacobian<double>(const Params<double>&, double, const Vec<double>&);
template Vec<double> rate_rnn_spectrum<float>(const Params<float>&, double, const Vec<double>&,
                                              const LyapunovOptions&);
template Vec<double> rate_rnn_spectrum<double>(const Params<double>&, double, const Vec<double>&,
                                               const LyapunovOptions&);

Vec<double> free_run_spectrum(const TaskSpec& task, const Params<float>& final_params, int k) {
  const rate_rnn::Config& spec = rate_rnn::config(task);
  const TrialLayout L = make_layout(spec.task, spec.model.dt);
  ModelConfig m = spec.model;
  m.noise_sigma = 0.0;
  m.init_state_sigma = 0.0;
  Rng unused(spec.train.seed, "lyapunov");  // no draws: noise and r_0 spread are 0
  const Mat<double> cue = free_run(final_params, m, L.n_cue, /*cue_type=*/0, L.n_cue, unused);
  const Vec<double> r0 = cue.row(cue.rows() - 1).transpose();
  LyapunovOptions o;
  o.steps = 100 * L.steps;
  o.transient = 20 * L.steps;
  o.k = std::min(k, static_cast<int>(r0.size()));
  return rate_rnn_spectrum(final_params, m.alpha(), r0, o);
}

}  // namespace memphase
