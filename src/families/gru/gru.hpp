#pragma once
// A GRU on the delayed cue discrimination task (SPEC §3): the cell of
// PyTorch's nn.GRUCell(2, N), with the trial noise, read-out and loss of the
// rate RNN of SPEC §2. Per trial, state h_t ∈ R^N, input x_t ∈ R^2 (the cue
// for t < n_cue, else 0), output o_t ∈ R^2, for t = 0 .. T-1:
//
//   o_t     = sigmoid(W_out h_t + b_out)                       (read out BEFORE the update)
//   r_t     = sigmoid(W_ir x_t + b_ir + W_hr h_t + b_hr)        (reset gate)
//   z_t     = sigmoid(W_iz x_t + b_iz + W_hz h_t + b_hz)        (update gate)
//   n_t     = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_t + b_hn) + eps_t)   (candidate)
//   h_{t+1} = (1 - z_t) ⊙ n_t + z_t ⊙ h_t                       (t < T-1)
//
// W_ih = [W_ir; W_iz; W_in] (3N×2), W_hh = [W_hr; W_hz; W_hn] (3N×N), b_ih,
// b_hh (3N): nn.GRUCell's weight_ih, weight_hh, bias_ih, bias_hh in its gate
// order (r, z, n). Without eps_t this is nn.GRUCell exactly (checked against
// it: tests/unit/train/gru_test.cpp).
//
// Choices the papers do not make (seed 000 trains only the leaky rate RNN):
//  * Noise: eps_t ~ N(0, noise_sigma² I) enters the candidate's tanh, where
//    the rate RNN has it (inside its tanh); the gates are noise-free. It is
//    the rate RNN's counter-based stream (seed, "train") at (epoch, t, trial,
//    unit), so seed i sees the same ε as the rate RNN of seed i.
//    h_0 = tanh(init_state_sigma · g), g ~ N(0, I), fresh per trial and
//    epoch, from the same stream's reserved step (as r_0 of SPEC §2).
//  * No dt, tau or leak: the update gate z plays the leak's role. model.dt
//    only converts durations to steps (5 ms per step); model.tau is unused
//    and must keep its default 10.
//  * Both bias vectors of nn.GRUCell (b_ih and b_hh) are kept and trained,
//    as the rate RNN keeps b_in and b_rec (SPEC §2): with SGD the r and z
//    gates' two biases then move at twice the rate of one. The read-out is
//    nn.Linear(N, 2) followed by a sigmoid (SPEC §2's read-out).
//  * Initialisation: PyTorch's defaults, nn.GRUCell's U(-1/√N, 1/√N) for
//    every weight and bias and nn.Linear's (kaiming_uniform(a=√5), which is
//    U(-1/√N, 1/√N) as well) for the read-out; no Xavier and no zeroed
//    diagonal (those are the rate RNN's reference choices, not PyTorch's for
//    a GRU). Drawn in double from the seed's "init" stream ONLY, in the
//    order W_ih, W_hh, b_ih, b_hh, W_out, b_out (column-major), rounded to
//    float: seed i is the same initial network in every grid cell.
//  * grad_norm (the per-epoch curve SPEC §3.4 takes of dL/dW_rec) is the
//    Frobenius norm of dL/dW_hh.
//  * Classification (SPEC §3.5): the free run of h (9T steps, trial type 0,
//    noise on, fresh h_0, the "classify" stream as for the rate RNN), PCA of
//    the states h, PSD ratio; the fail/unstable rules on the curves.
// Everything else (trial layout, loss weights, metric window, epochs
// formula, SGD / Adam, β fits) is the shared delayed-cue task's.
#include <cstdint>

#include "core/philox.hpp"
#include "core/rng.hpp"
#include "core/types.hpp"
#include "delayed_cue/trial.hpp"
#include "sections/sections.hpp"

namespace memphase::gru {

/// Trainable parameters: W_ih: 3N×2, W_hh: 3N×N, b_ih: 3N, b_hh: 3N,
/// W_out: 2×N, b_out: 2 (also used for gradients and optimiser moments).
template <class S>
struct GruParams {
  Mat<S> W_ih, W_hh, W_out;
  Vec<S> b_ih, b_hh, b_out;

  static GruParams zeros(int n);
  int n() const { return static_cast<int>(W_hh.cols()); }
  Eigen::Index size() const {
    return W_ih.size() + W_hh.size() + b_ih.size() + b_hh.size() + W_out.size() + 2;
  }
  /// [vec(W_ih); vec(W_hh); b_ih; b_hh; vec(W_out); b_out], column-major
  /// (the /params layout of campaign.h5) and back (v of size() entries).
  Vec<S> pack() const;
  void unpack(const Vec<S>& v);
  template <class T>
  GruParams<T> cast() const {
    return {W_ih.template cast<T>(), W_hh.template cast<T>(), W_out.template cast<T>(),
            b_ih.template cast<T>(), b_hh.template cast<T>(), b_out.template cast<T>()};
  }
  /// Calls f(name, tensor) in the canonical order.
  template <class F>
  void for_each(F&& f) {
    f("W_ih", W_ih);
    f("W_hh", W_hh);
    f("b_ih", b_ih);
    f("b_hh", b_hh);
    f("W_out", W_out);
    f("b_out", b_out);
  }
};

/// PyTorch-default initialisation from Rng(seed, "init") only (see above).
GruParams<float> init_params(int n, std::uint64_t seed);

/// Scalars of one epoch, on the training batch before the update.
struct GruEpochStats {
  double loss = 0;         ///< (weighted) MSE, SPEC §3.2
  double accuracy = 0;     ///< SPEC §3.4, on the metric window
  double reliability = 0;  ///< SPEC §3.4
  double grad_norm = 0;    ///< ||dL/dW_hh||_F
};

/// GEMM flops of one epoch: per update W_hh h forward, W_hh^T δ and
/// dW_hh = δ h^T backward (2·3N·N·B each), read-out and its gradients.
double epoch_flops(int n, int batch, int steps);

/// One epoch of full-batch BPTT in scalar type S (float for campaigns,
/// double for gradient checks). States are N×B (one trial per column).
template <class S>
class GruKernel {
 public:
  GruKernel(const ModelConfig& model, const TrialLayout& layout);

  /// Epoch `epoch` with the noise of `noise`: h_0 = tanh(init_state_sigma g)
  /// with g at (epoch, kInitialState, trial, unit), eps_t = noise_sigma ·
  /// normal(epoch, t, trial, unit) for the updates t = 0..T-2. grad gets dL/dp.
  GruEpochStats run(const GruParams<S>& p, const CounterNormals& noise, std::uint64_t epoch,
                    GruParams<S>& grad);
  /// Same with given h_0 (N×B, the state itself) and noise eps (N×(B(T-1)),
  /// update t in columns [tB, (t+1)B)). For tests.
  GruEpochStats run_with(const GruParams<S>& p, const Mat<S>& h0, const Mat<S>& eps,
                         GruParams<S>& grad);
  /// The read-outs o_t of the last run (2×(B T), step t in columns [tB, (t+1)B)).
  const Mat<S>& outputs() const { return o_; }

  int batch() const { return b_; }
  int steps() const { return t_; }

 private:
  GruEpochStats forward_backward(const GruParams<S>& p, GruParams<S>& grad);

  ModelConfig model_;
  TrialLayout layout_;
  int n_, b_, t_;
  Mat<S> h_;               ///< N×(B T): h_0 .. h_{T-1}
  Mat<S> eps_;             ///< N×(B (T-1)): eps of every update
  Mat<S> r_, z_, c_, hn_;  ///< N×(B (T-1)): gates, candidate n_t, W_hn h_t + b_hn of every update
  Mat<S> o_;               ///< 2×(B T): read-outs
  Mat<S> g_;               ///< 2×(B T): dL/dlogit
  Mat<S> gh_, gi_, dg_, dh_, tmp_;  ///< work: 3N×B (W_hh h + b_hh, W_ih x + b_ih, δ), N×B, B×N
};

/// One trial of cue type `cue_type` run freely for `steps` steps (input the
/// cue for t < n_cue, then zeros; noise on; h_0 = tanh(init_state_sigma g));
/// returns h_1 .. h_steps as a steps×N matrix, in double. Normals from rng:
/// h_0's g first, then each step's eps.
Mat<double> free_run(const GruParams<float>& p, const ModelConfig& model, int n_cue, int cue_type,
                     int steps, Rng& rng);

extern template class GruKernel<float>;
extern template class GruKernel<double>;

}  // namespace memphase::gru
