#include "dynamics/lyapunov.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>

#include "core/rng.hpp"

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

}  // namespace memphase
