#pragma once
// Lyapunov spectra of the rate RNN (SPEC §2), autonomous (u = 0) and
// noise-free (eps = 0), by the QR method of dynamics/lyapunov.hpp:
//   r_{t+1} = (1 - α) r_t + α tanh(W_rec r_t + b_in + b_rec),
//   J_t = (1 - α) I + α diag(1 - tanh²(W_rec r_t + b_in + b_rec)) W_rec.
// `memphase analyze --lyapunov` cross-checks the PSD class with it.
#include "core/params.hpp"
#include "core/spec.hpp"
#include "core/types.hpp"
#include "dynamics/lyapunov.hpp"

namespace memphase {

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
