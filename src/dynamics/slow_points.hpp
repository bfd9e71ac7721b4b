#pragma once
// Slow points of a rank-K latent flow (SPEC §5 "Rank-2 slow points", SPEC
// §7), shared by every family whose recurrence has a K-dimensional latent
// circuit (ghost-rankK, rank2):
//
//   F(κ) = -κ + N tanh(M κ + b),   κ ∈ R^K,   M: N×K, N: K×N, b: N,
//
// the flow of τ dκ/dt in units of 1/τ; the "speed" is |F|.
#include <Eigen/Core>
#include <vector>

#include "core/types.hpp"

namespace memphase {

/// F(κ) = -κ + N tanh(M κ + b), κ ∈ R^K; M: N×K, N: K×N, b: N.
Vec<double> latent_flow(const Mat<double>& M, const Mat<double>& N, const Vec<double>& b,
                        const Vec<double>& kappa);

/// J(κ) = -I + N diag(sech²(M κ + b)) M: K×K.
Mat<double> latent_jacobian(const Mat<double>& M, const Mat<double>& N, const Vec<double>& b,
                            const Vec<double>& kappa);

struct SlowPointOptions {
  double lo = -15.0;  ///< search box [lo, hi]^K
  double hi = 15.0;
  int grid = 201;           ///< points per axis (cost grid^K flow evaluations)
  int max_iter = 200;       ///< damped-Newton iterations per candidate
  double grad_tol = 1e-13;  ///< stop when |∇ ½|F|²|_∞ < grad_tol
  double dedup_tol = 1e-6;  ///< points closer than dedup_tol·(1 + |κ|) are merged
};

struct SlowPoint {
  Vec<double> kappa;             ///< location (K)
  double speed = 0.0;            ///< |F(κ)| (0 at a fixed point, > 0 at a ghost)
  Eigen::VectorXcd eigenvalues;  ///< of J(κ) (K)
  bool converged = false;        ///< |∇ ½|F|²|_∞ < 1e-9 at the end
  int iterations = 0;
};

/// Slow points of the rank-K latent flow: every local minimum of |F| on the
/// grid (≤ all 3^K - 1 existing neighbours) is refined by Newton's method on
/// q = ½|F|² with the EXACT Hessian JᵀJ + Σ_i F_i ∇²F_i, Levenberg-damped
/// (H + λI must be positive definite and the step must lower q), which
/// converges quadratically both to fixed points and to ghosts (|F| > 0 at the
/// minimum, where Gauss-Newton alone is only linear). Results are
/// deduplicated and sorted by speed.
std::vector<SlowPoint> find_slow_points(const Mat<double>& M, const Mat<double>& N,
                                        const Vec<double>& b, const SlowPointOptions& opt = {});

}  // namespace memphase
