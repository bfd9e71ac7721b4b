#include "families/wcrnn/lyapunov.hpp"

namespace memphase {

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

}  // namespace memphase
