#include "analysis/lyapunov.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>

#include "core/rng.hpp"
#include "model/rate_rnn.hpp"
#include "task/trial.hpp"

namespace memphase {

namespace {

// Q ← thin Q of Householder QR with non-negative diag(R); adds log|R_ii| to
// acc if acc != nullptr.
void reorthonormalise(Mat<double>& Q, Vec<double>* acc) {
  const Eigen::Index n = Q.rows(), k = Q.cols();
  Eigen::HouseholderQR<Mat<double>> qr(Q);
  const Mat<double> R = qr.matrixQR().topLeftCorner(k, k).triangularView<Eigen::Upper>();
  Mat<double> Qt = qr.householderQ() * Mat<double>::Identity(n, k);
  for (Eigen::Index i = 0; i < k; ++i) {
    const double d = R(i, i);
    if (d < 0) Qt.col(i) *= -1.0;
    if (acc != nullptr) (*acc)(i) += std::log(std::abs(d));
  }
  Q = std::move(Qt);
}

}  // namespace

Vec<double> lyapunov_spectrum(int dim, const JacobianStep& step, const LyapunovOptions& opt) {
  const int k = opt.k < 0 ? dim : opt.k;
  assert(k >= 1 && k <= dim && opt.steps >= 1 && opt.reorth_every >= 1);
  Rng rng(opt.seed, "lyapunov");
  Mat<double> Q(dim, k);
  rng.fill_normal(Q, 1.0);
  reorthonormalise(Q, nullptr);
  Vec<double> acc = Vec<double>::Zero(k);
  const int total = opt.transient + opt.steps;
  for (int t = 0; t < total; ++t) {
    Q = step(t) * Q;
    const bool last_transient = (t + 1 == opt.transient);
    const bool accumulate = t >= opt.transient;
    const int since = accumulate ? t - opt.transient + 1 : t + 1;
    if (since % opt.reorth_every == 0 || t + 1 == total || last_transient)
      reorthonormalise(Q, accumulate ? &acc : nullptr);
  }
  Vec<double> lam = acc / static_cast<double>(opt.steps);
  std::sort(lam.data(), lam.data() + lam.size(), std::greater<>());
  return lam;
}

Mat<double> wcrnn_jacobian(const Wcrnn<double>& net, const Vec<double>& h, const Vec<double>& x) {
  const auto& p = net.params();
  const Vec<double> a = (p.W * h + p.U * x + p.b).array().tanh().matrix();
  Mat<double> J = net.residual();
  J.noalias() += net.gamma() * ((1.0 - a.array().square()).matrix().asDiagonal() * p.W);
  return J;
}

Vec<double> wcrnn_spectrum(const Wcrnn<double>& net, const Vec<double>& h0,
                           const Mat<double>& inputs, const LyapunovOptions& opt) {
  const auto& p = net.params();
  Vec<double> h = h0;
  const Vec<double> zero = Vec<double>::Zero(p.n_in());
  auto step = [&](int t) {
    const Vec<double> x = inputs.cols() == 0 ? zero : Vec<double>(inputs.col(t % inputs.cols()));
    const Vec<double> a = (p.W * h + p.U * x + p.b).array().tanh().matrix();
    Mat<double> J = net.residual();
    J.noalias() += net.gamma() * ((1.0 - a.array().square()).matrix().asDiagonal() * p.W);
    h = net.residual() * h + net.gamma() * a;
    return J;
  };
  return lyapunov_spectrum(p.n(), step, opt);
}

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

Vec<double> free_run_spectrum(const TaskSpec& spec, const Params<float>& final_params, int k) {
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
