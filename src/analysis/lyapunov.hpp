#pragma once
// Lyapunov spectra of discrete maps x_{t+1} = F_t(x_t) by the QR (Benettin)
// method, and the Jacobians of the two RNN maps memphase studies.
//
// Method: Q_0 (dim×k) has orthonormal columns (a fixed pseudo-random draw,
// so that no exponent is missed by an unlucky axis-aligned start). Every step
// Q ← J_t Q; every `reorth_every` steps (and after the last one) Q = Q'R' by
// Householder QR with diag(R') >= 0, Q ← Q', and after the transient
// Σ_i += log R'_ii. λ_i = Σ_i / steps: per step, natural log, sorted
// descending. During the `transient` steps Q is propagated (to align it with
// the dominant directions) but nothing is accumulated.
//
// Maps:
//  * WCRNN (SPEC §6): h_{t+1} = R h_t + γ tanh(W h_t + U x_t + b),
//      J_t = R + γ diag(1 - tanh²(W h_t + U x_t + b)) W.
//  * Rate RNN (SPEC §2), autonomous (u = 0) and noise-free (eps = 0):
//      r_{t+1} = (1 - α) r_t + α tanh(W_rec r_t + b_in + b_rec),
//      J_t = (1 - α) I + α diag(1 - tanh²(W_rec r_t + b_in + b_rec)) W_rec.
// Kernels do not throw; invalid options (k > dim, steps < 1) are asserted.
#include <cstdint>
#include <functional>

#include "core/params.hpp"
#include "core/spec.hpp"
#include "core/types.hpp"
#include "model/wcrnn.hpp"

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

/// WCRNN Jacobian at state h (N) with input x (I).
Mat<double> wcrnn_jacobian(const Wcrnn<double>& net, const Vec<double>& h, const Vec<double>& x);

/// Spectrum of a WCRNN along the trajectory from h0 (N) driven by inputs:
/// I×C matrix, column t % C is the input at step t (C = 0: zero input).
Vec<double> wcrnn_spectrum(const Wcrnn<double>& net, const Vec<double>& h0,
                           const Mat<double>& inputs, const LyapunovOptions& opt);

/// Rate-RNN Jacobian of the autonomous noise-free map at rates r (N);
/// alpha = dt/tau (ModelConfig::alpha()).
template <class S>
Mat<double> rate_rnn_jacobian(const Params<S>& p, double alpha, const Vec<double>& r);

/// Spectrum of the autonomous noise-free rate RNN from r0 (N).
template <class S>
Vec<double> rate_rnn_spectrum(const Params<S>& p, double alpha, const Vec<double>& r0,
                              const LyapunovOptions& opt);

/// The k largest exponents (per step of dt) of a trained DCDT network's free
/// run, the dynamics the classifier of SPEC §3.5 looks at: noise-free, from
/// the state at the end of the cue of trial type 0 (r_0 = 0), then zero
/// input; transient 20·T and accumulation 100·T steps (T = trial steps; with
/// 9·T, as long as the classifier's free run, the finite-time error of a zero
/// exponent is ~1e-3 and a third of the quick campaign's LC networks fell
/// outside |λ1| <= 1e-3; with 100·T, 4 of 46, all near ρ = 0.5).
/// Cross-check of the PSD class: an LC network's largest exponent is ≈ 0
/// (a limit cycle), an SP network's < 0 (a stable point).
Vec<double> free_run_spectrum(const TaskSpec& spec, const Params<float>& final_params, int k = 2);

}  // namespace memphase
