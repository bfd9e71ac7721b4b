#pragma once
// Lyapunov spectra of a WCRNN (SPEC §6) by the QR method of
// dynamics/lyapunov.hpp:
//   h_{t+1} = R h_t + γ tanh(W h_t + U x_t + b),
//   J_t = R + γ diag(1 - tanh²(W h_t + U x_t + b)) W.
#include "core/types.hpp"
#include "dynamics/lyapunov.hpp"
#include "families/wcrnn/wcrnn.hpp"

namespace memphase {

/// WCRNN Jacobian at state h (N) with input x (I).
Mat<double> wcrnn_jacobian(const Wcrnn<double>& net, const Vec<double>& h, const Vec<double>& x);

/// Spectrum of a WCRNN along the trajectory from h0 (N) driven by inputs:
/// I×C matrix, column t % C is the input at step t (C = 0: zero input).
Vec<double> wcrnn_spectrum(const Wcrnn<double>& net, const Vec<double>& h0,
                           const Mat<double>& inputs, const LyapunovOptions& opt);

}  // namespace memphase
