#pragma once
// Weakly coupled residual RNNs (WCRNN) of SPEC §6 (seed 002): fixed residual
// matrices, the model, exact BPTT gradients over a batch, SGD with momentum
// (optionally clipped), and the adding-problem generator.
//
// Model (SPEC §6 form; seed 002 gives the idea, not the code):
//   h_0     = 0
//   a_t     = tanh(W h_t + U x_t + b)
//   h_{t+1} = R h_t + γ a_t,                     t = 0 .. T-1
//   y       = W_o h_T + b_o                      (read-out at the last step only)
// Shapes: N hidden, I inputs, O outputs: W: N×N, U: N×I, b: N, W_o: O×N,
// b_o: O, R: N×N. A batch of B sequences of length T is a std::vector of T
// matrices x_t: I×B (column j = sequence j), states are N×B.
// Elman baseline: γ = 1, R = 0 (same code).
// Losses (mean over the batch, PyTorch reduction="mean"):
//   mse:           L = 1/(B·O) Σ_j Σ_o (y_oj - target_oj)^2   (nn.MSELoss)
//   cross_entropy: L = 1/B Σ_j [logsumexp(y_:j) - y_{label_j, j}] (nn.CrossEntropyLoss)
//
// DECISIONS and their sources (seed 002 = /work/shared/seeds/002_*.txt; the
// seed is a summary and gives no initialisation, sizes or constants):
//  * Form and read-out: SPEC §6 verbatim. h_0 = 0 (PyTorch nn.RNN default
//    initial state; not stated in SPEC or seed).
//  * ONE bias b (SPEC §6 writes a single b; nn.RNNCell would carry two,
//    b_ih + b_hh — not used here, unlike SPEC §2).
//  * Initialisation: not given by the seed, so PyTorch defaults:
//    W, U, b as nn.RNNCell: every entry U(-1/√N, 1/√N);
//    W_o, b_o as nn.Linear(N, O): every entry U(-1/√N, 1/√N).
//    Draw order from Rng(seed, "init"): W (column-major), U, b, W_o, b_o.
//  * R is drawn (heterogeneous kinds only) from Rng(seed, "residual"), a
//    stream separate from "init", so the trainable initial weights of seed s
//    do not depend on the residual description (pairing across grid cells).
//  * Rotational R for odd N: blocks cover units 0..N-2 in pairs, the last unit
//    gets R_{N-1,N-1} = r alone (a real eigenvalue r). Own choice (SPEC silent).
//  * Rot(φ) = [[cos φ, -sin φ], [sin φ, cos φ]]; eigenvalues r e^{±iφ}.
//  * Optimiser: torch.optim.SGD with momentum μ, dampening 0, no Nesterov, no
//    weight decay: v ← μ v + g (v = 0 initially, so the first v = g),
//    p ← p - lr v. Clipping as torch.nn.utils.clip_grad_norm_ (global L2
//    norm over all trainable tensors): g ← g · min(1, c / (‖g‖ + 1e-6)),
//    applied before the momentum update. R and γ are not trained.
//
// Scalar: templates on S with explicit instantiations for double (required:
// gradient checks) and float. Kernels never throw; a non-finite loss or
// gradient is reported (finite = false) and no update is made.
#include <cstdint>
#include <utility>
#include <vector>

#include "families/wcrnn/residual.hpp"
#include "core/types.hpp"
#include "sections/adam.hpp"

namespace memphase {

// --------------------------------------------------------------- residual --

// ResidualKind and ResidualSpec live in families/wcrnn/residual.hpp.

/// Builds R: N×N. Heterogeneous kinds draw from Rng(seed, "residual"): per
/// unit r_i (diag), or per block r_i then φ_i (rot); an odd N's last unit of
/// a rotational kind draws r alone (heterogeneous_rot) or gets r (rotational).
Mat<double> make_residual(int n, const ResidualSpec& spec, std::uint64_t seed = 0);

// ------------------------------------------------------------- parameters --

/// Trainable parameters (also used for a gradient / momentum buffer):
///   W: N×N, U: N×I, b: N, W_o: O×N, b_o: O.
template <class S>
struct WcrnnParams {
  Mat<S> W, U, W_o;
  Vec<S> b, b_o;

  static WcrnnParams zeros(int n, int n_in, int n_out);
  int n() const { return static_cast<int>(W.rows()); }
  int n_in() const { return static_cast<int>(U.cols()); }
  int n_out() const { return static_cast<int>(W_o.rows()); }
  Eigen::Index size() const { return W.size() + U.size() + b.size() + W_o.size() + b_o.size(); }
  /// Flattened [vec(W); vec(U); b; vec(W_o); b_o] (column-major) and back.
  Vec<S> pack() const;
  void unpack(const Vec<S>& v);
};

enum class WcrnnLoss : std::int8_t { mse = 0, cross_entropy = 1 };

/// A batch of B sequences of length T.
template <class S>
struct WcrnnBatch {
  std::vector<Mat<S>> x;    ///< T matrices, each I×B (x_0 .. x_{T-1})
  Mat<S> target;            ///< mse: O×B regression targets (unused for CE)
  std::vector<int> labels;  ///< cross_entropy: B class indices in [0, O)
  int batch() const { return x.empty() ? 0 : static_cast<int>(x.front().cols()); }
  int length() const { return static_cast<int>(x.size()); }
};

/// Forward pass of a batch.
template <class S>
struct WcrnnForward {
  std::vector<Mat<S>> h;  ///< T+1 states h_0 .. h_T, each N×B
  std::vector<Mat<S>> a;  ///< T activations a_0 .. a_{T-1}, each N×B
  Mat<S> y;               ///< O×B read-out of h_T
  double loss = 0.0;
  double accuracy = 0.0;  ///< cross_entropy: fraction argmax y == label; mse: 0
};

struct WcrnnSgdOptions {
  double lr = 1e-3;
  double momentum = 0.9;
  double clip = 0.0;  ///< max global L2 gradient norm (<= 0: no clipping)
};

/// Outcome of one optimiser step (values of the forward pass BEFORE it).
struct WcrnnStep {
  double loss = 0.0;
  double accuracy = 0.0;
  double grad_norm = 0.0;  ///< global L2 norm BEFORE clipping (as clip_grad_norm_ returns)
  bool finite = true;      ///< false: loss or gradient non-finite, no update made
};

// ------------------------------------------------------------------ model --

template <class S>
class Wcrnn {
 public:
  using Params = WcrnnParams<S>;

  /// R: N×N fixed residual, gamma: coupling constant.
  Wcrnn(Params p, Mat<S> R, S gamma, WcrnnLoss loss);

  /// PyTorch-default initialisation from Rng(seed, "init") (see DECISIONS;
  /// drawn in double, rounded to S) and R = make_residual(n, residual, seed).
  static Wcrnn init(int n, int n_in, int n_out, S gamma, const ResidualSpec& residual,
                    WcrnnLoss loss, std::uint64_t seed);

  /// Elman baseline: γ = 1, R = 0.
  static Wcrnn elman(int n, int n_in, int n_out, WcrnnLoss loss, std::uint64_t seed);

  const Params& params() const { return p_; }
  Params& params() { return p_; }
  const Mat<S>& residual() const { return R_; }
  S gamma() const { return gamma_; }
  WcrnnLoss loss_kind() const { return loss_; }

  /// Forward pass and loss over the batch.
  WcrnnForward<S> forward(const WcrnnBatch<S>& batch) const;

  /// Exact dL/d(W, U, b, W_o, b_o) by BPTT. If fwd is given it receives the
  /// forward pass.
  Params gradient(const WcrnnBatch<S>& batch, WcrnnForward<S>* fwd = nullptr) const;

  /// One step of SGD with momentum (PyTorch semantics, optional clipping);
  /// the momentum buffer lives in the model (reset_optimizer() zeroes it).
  WcrnnStep sgd_step(const WcrnnBatch<S>& batch, const WcrnnSgdOptions& opt);
  void reset_optimizer();
  /// The momentum buffer v (same shapes as params()), for checkpoints.
  const Params& momentum() const { return v_; }
  void set_momentum(Params v) { v_ = std::move(v); }

  /// One Adam update (torch.optim.Adam, sections/adam.hpp) after the same
  /// optional clipping (opt.clip; opt.lr is Adam's lr, opt.momentum unused);
  /// its moments and step count live in the model, like the momentum buffer.
  WcrnnStep adam_step(const WcrnnBatch<S>& batch, const WcrnnSgdOptions& opt, const AdamHyper& h);
  /// Adam's state for checkpoints: updates done (0: none, moments empty) and
  /// the moments m, v (same shapes as params()).
  std::int64_t adam_steps() const { return adam_t_; }
  const Params& adam_m() const { return adam_m_; }
  const Params& adam_v() const { return adam_v_; }
  void set_adam(std::int64_t t, Params m, Params v) {
    adam_t_ = t;
    adam_m_ = std::move(m);
    adam_v_ = std::move(v);
  }

 private:
  /// Gradient of a batch, clipped as clip_grad_norm_ when clip > 0; st gets
  /// loss, accuracy, the norm before clipping and finiteness.
  Params clipped_gradient(const WcrnnBatch<S>& batch, double clip, WcrnnStep& st) const;

  Params p_;
  Params v_;  ///< momentum buffer
  Params adam_m_, adam_v_;  ///< Adam's moments (train.optimizer adam)
  std::int64_t adam_t_ = 0;
  Mat<S> R_;
  S gamma_;
  WcrnnLoss loss_;
};

// ---------------------------------------------------------- adding problem --

/// Adding problem of SPEC §6: B = count sequences with indices
/// first_index .. first_index+count-1, each of length T (T >= 2). Channel 0:
/// values U(0,1); channel 1: marker, exactly one 1 at a uniform position in
/// [0, T/2) and one in [T/2, T) (T/2 rounded down). Target (1×B): sum of the
/// two marked values. Sequence i depends on (seed, i) only: it is drawn from
/// Rng(seed, "adding:<i>") in the order T values, first marker, second marker.
template <class S>
WcrnnBatch<S> adding_problem(int T, std::uint64_t seed, std::int64_t first_index, int count);

}  // namespace memphase
