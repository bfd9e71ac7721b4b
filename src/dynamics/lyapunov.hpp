#pragma once
// Lyapunov spectra of discrete maps x_{t+1} = F_t(x_t) by the QR (Benettin)
// method. The maps of the families live with them (families/rate_rnn/
// lyapunov.hpp, families/wcrnn/lyapunov.hpp).
//
// Method: Q_0 (dim×k) has orthonormal columns (a fixed pseudo-random draw,
// so that no exponent is missed by an unlucky axis-aligned start). Every step
// Q ← J_t Q; every `reorth_every` steps (and after the last one) Q = Q'R' by
// Householder QR with diag(R') >= 0, Q ← Q', and after the transient
// Σ_i += log R'_ii. λ_i = Σ_i / steps: per step, natural log, sorted
// descending. During the `transient` steps Q is propagated (to align it with
// the dominant directions) but nothing is accumulated.
//
// Kernels do not throw; invalid options (k > dim, steps < 1) are asserted.
#include <cstdint>
#include <functional>

#include "core/types.hpp"

namespace memphase {

struct LyapunovOptions {
  int steps = 10000;       ///< accumulated steps (after the transient)
  int transient = 1000;    ///< steps before accumulation starts
  int reorth_every = 1;    ///< QR re-orthonormalisation interval (steps)
  int k = -1;              ///< exponents wanted, 1 <= k <= dim (-1: all)
  std::uint64_t seed = 0;  ///< for the initial orthonormal frame
};

/// Step function of a map: called with t = 0, 1, ..., transient+steps-1; it
/// must return the Jacobian dF_t/dx at the CURRENT state x_t (dim×dim) and
/// then advance its own state to x_{t+1}.
using JacobianStep = std::function<Mat<double>(int t)>;

/// The k largest Lyapunov exponents (per step, natural log), descending.
Vec<double> lyapunov_spectrum(int dim, const JacobianStep& step, const LyapunovOptions& opt);

}  // namespace memphase
