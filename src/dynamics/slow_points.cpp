#include "dynamics/slow_points.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <utility>

namespace memphase {

Vec<double> latent_flow(const Mat<double>& M, const Mat<double>& N, const Vec<double>& b,
                        const Vec<double>& kappa) {
  return -kappa + N * (M * kappa + b).array().tanh().matrix();
}

Mat<double> latent_jacobian(const Mat<double>& M, const Mat<double>& N, const Vec<double>& b,
                            const Vec<double>& kappa) {
  const Eigen::ArrayXd t = (M * kappa + b).array().tanh();
  const Eigen::VectorXd s = (1.0 - t.square()).matrix();
  const Eigen::Index k = kappa.size();
  return -Mat<double>::Identity(k, k) + N * s.asDiagonal() * M;
}

namespace {

// Damped Newton on q = ½|F|² from kappa (in place). Returns the iterations.
int refine_slow_point(const Mat<double>& M, const Mat<double>& N, const Vec<double>& b,
                      const SlowPointOptions& opt, Vec<double>& kappa) {
  const Eigen::Index k = kappa.size();
  const Mat<double> I = Mat<double>::Identity(k, k);
  double lambda = 1e-8;
  int it = 0;
  for (; it < opt.max_iter; ++it) {
    const Eigen::ArrayXd t = (M * kappa + b).array().tanh();
    const Eigen::ArrayXd s = 1.0 - t.square();
    const Vec<double> F = -kappa + N * t.matrix();
    const double q = 0.5 * F.squaredNorm();
    const Mat<double> J = -I + N * s.matrix().asDiagonal() * M;
    const Vec<double> g = J.transpose() * F;
    if (g.lpNorm<Eigen::Infinity>() < opt.grad_tol || q == 0.0) break;
    // Σ_i F_i ∇²F_i = Mᵀ diag(w) M,  w_j = (NᵀF)_j · (-2 t_j s_j).
    const Eigen::ArrayXd w = (N.transpose() * F).array() * (-2.0 * t * s);
    const Mat<double> H = J.transpose() * J + M.transpose() * w.matrix().asDiagonal() * M;
    bool accepted = false;
    Vec<double> delta;
    while (lambda < 1e20) {
      Eigen::LLT<Mat<double>> llt(H + lambda * I);
      if (llt.info() == Eigen::Success) {
        delta = llt.solve(-g);
        const Vec<double> kn = kappa + delta;
        const double qn = 0.5 * latent_flow(M, N, b, kn).squaredNorm();
        if (std::isfinite(qn) && qn < q) {
          kappa = kn;
          lambda = std::max(lambda * 0.1, 1e-30);
          accepted = true;
          break;
        }
      }
      lambda = std::max(lambda * 10.0, 1e-12);
    }
    if (!accepted) break;  // no descent possible at machine precision
    if (delta.norm() <= 1e-15 * (1.0 + kappa.norm())) break;
  }
  return it;
}

}  // namespace

std::vector<SlowPoint> find_slow_points(const Mat<double>& M, const Mat<double>& N,
                                        const Vec<double>& b, const SlowPointOptions& opt) {
  const int k = static_cast<int>(M.cols());
  const int g = std::max(opt.grid, 2);
  const double step = (opt.hi - opt.lo) / (g - 1);
  std::size_t total = 1;
  for (int d = 0; d < k; ++d) total *= static_cast<std::size_t>(g);
  // |F|² on the grid; index = Σ_d i_d g^d.
  std::vector<double> q(total);
  std::vector<int> idx(static_cast<std::size_t>(k));
  Vec<double> kappa(k);
  for (std::size_t lin = 0; lin < total; ++lin) {
    std::size_t r = lin;
    for (int d = 0; d < k; ++d) {
      idx[static_cast<std::size_t>(d)] = static_cast<int>(r % static_cast<std::size_t>(g));
      r /= static_cast<std::size_t>(g);
      kappa(d) = opt.lo + step * idx[static_cast<std::size_t>(d)];
    }
    q[lin] = latent_flow(M, N, b, kappa).squaredNorm();
  }
  std::size_t n_off = 1;
  for (int d = 0; d < k; ++d) n_off *= 3;
  std::vector<SlowPoint> found;
  for (std::size_t lin = 0; lin < total; ++lin) {
    std::size_t r = lin;
    for (int d = 0; d < k; ++d) {
      idx[static_cast<std::size_t>(d)] = static_cast<int>(r % static_cast<std::size_t>(g));
      r /= static_cast<std::size_t>(g);
    }
    bool is_min = true;
    for (std::size_t off = 0; off < n_off && is_min; ++off) {
      std::size_t o = off, nb = 0, stride = 1;
      bool centre = true, inside = true;
      for (int d = 0; d < k; ++d) {
        const int delta = static_cast<int>(o % 3) - 1;
        o /= 3;
        const int j = idx[static_cast<std::size_t>(d)] + delta;
        if (delta != 0) centre = false;
        if (j < 0 || j >= g) inside = false;
        nb += static_cast<std::size_t>(std::max(j, 0)) * stride;
        stride *= static_cast<std::size_t>(g);
      }
      if (centre || !inside) continue;
      if (q[nb] < q[lin]) is_min = false;
    }
    if (!is_min) continue;
    SlowPoint sp;
    sp.kappa.resize(k);
    for (int d = 0; d < k; ++d) sp.kappa(d) = opt.lo + step * idx[static_cast<std::size_t>(d)];
    sp.iterations = refine_slow_point(M, N, b, opt, sp.kappa);
    found.push_back(std::move(sp));
  }
  for (SlowPoint& sp : found) {
    const Vec<double> F = latent_flow(M, N, b, sp.kappa);
    const Mat<double> J = latent_jacobian(M, N, b, sp.kappa);
    sp.speed = F.norm();
    sp.converged = (J.transpose() * F).lpNorm<Eigen::Infinity>() < 1e-9;
    sp.eigenvalues = Eigen::EigenSolver<Mat<double>>(J, false).eigenvalues();
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const SlowPoint& a, const SlowPoint& c) { return a.speed < c.speed; });
  std::vector<SlowPoint> kept;
  for (SlowPoint& sp : found) {
    bool dup = false;
    for (const SlowPoint& o : kept) {
      if ((o.kappa - sp.kappa).norm() < opt.dedup_tol * (1.0 + o.kappa.norm())) {
        dup = true;
        break;
      }
    }
    if (!dup) kept.push_back(std::move(sp));
  }
  return kept;
}

}  // namespace memphase
