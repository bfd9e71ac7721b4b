#pragma once
// One epoch of full-batch training of the leaky rate RNN (SPEC §2-3.4):
// forward pass, loss, metrics and hand-written BPTT, in scalar type S
// (float for campaigns, double for gradient checks).
//
// Memory layout (trial-major): a batch of states is B×N, one trial per row,
// so that column j (unit j of every trial) is contiguous. The GEMMs are then
// B×N·N×N products (M = B = 128, a multiple of the SIMD width, instead of
// M = N = 100), the noise of a (step, unit block) is generated across trials
// with full vectors, and the per-unit biases broadcast along columns. The
// states of all steps are stored side by side, B×(N·T), step t in columns
// [t·N, (t+1)·N).
//
// One pass per step and direction (issue 15): the forward step writes the
// step's noise into the pre-activation buffer, adds the bias, accumulates
// the GEMM into it, and one fused column loop applies tanh and the leak,
// stores r_{t+1}, accumulates the read-out of r_{t+1} and dL/dW_out of r_t.
// The loss and dL/dlogit of a step are computed as soon as its read-out is
// complete. The backward step recomputes z_t from the stored states
// (z_t = (r_{t+1} - (1-alpha) r_t) / alpha), forms delta_t, the bias
// gradients and the next dL/dr in one column loop, then two GEMMs:
// dL/dr_t += delta_t W_rec and dL/dW_rec += delta_t^T r_t. Nothing is
// allocated after the constructor.
#include <cstdint>

#include "core/params.hpp"
#include "core/philox.hpp"
#include "sections/sections.hpp"
#include "delayed_cue/trial.hpp"

namespace memphase {

/// Scalars of one epoch, computed on the training batch before the update.
struct EpochStats {
  double loss = 0;         ///< (weighted) MSE, SPEC §3.2
  double accuracy = 0;     ///< SPEC §3.4, on the metric window
  double reliability = 0;  ///< SPEC §3.4
  double grad_norm = 0;    ///< ||dL/dW_rec||_F
};

/// Floating-point operations of the GEMMs of one epoch (the cost model of
/// the scheduler and the numerator of `memphase bench`'s GFLOP/s): forward
/// W_rec r, backward W_rec^T delta and dW_rec = Delta R^T (2 N N B per step
/// each), plus read-out, its gradient and W_out^T G (2*2*N*B*T each).
double epoch_flops(int n, int batch, int steps);

template <class S>
class BpttKernel {
 public:
  BpttKernel(const ModelConfig& model, const TrialLayout& layout);

  /// Epoch `epoch` (0-based) with the noise of stream `noise`: r_0 = tanh(
  /// init_state_sigma g), g at (epoch, CounterNormals::kInitialState, trial,
  /// unit); eps_t = noise_sigma * normal(epoch, t, trial, unit) for the
  /// updates t = 0..T-2. Runs forward + backward; grad gets dL/dparams.
  EpochStats run(const Params<S>& p, const CounterNormals& noise, std::uint64_t epoch, Params<S>& grad);

  /// Same with given noise: r0_pre is the N×B matrix g with r_0 = tanh(g)
  /// (already scaled by init_state_sigma), eps is N×(B·(T-1)), the update
  /// t -> t+1 in columns [t·B, (t+1)·B) (unit-major, as the free run). For tests.
  EpochStats run_with(const Params<S>& p, const Mat<S>& r0_pre, const Mat<S>& eps, Params<S>& grad);

  /// Forward only with given noise; returns the loss. For gradient checks.
  double loss_with(const Params<S>& p, const Mat<S>& r0_pre, const Mat<S>& eps);

  int batch() const { return b_; }
  int steps() const { return t_; }
  int units() const { return n_; }

  /// The pieces of run(), for run_interleaved(): begin() draws r_0;
  /// begin_forward(), forward_step(t) for t = 0..T-1 (loss of step t, then
  /// the update t -> t+1), begin_backward(), backward_step(t) for t = T-2..0,
  /// end() returns the epoch's statistics.
  void begin(const CounterNormals& noise, std::uint64_t epoch);
  void begin_forward(const Params<S>& p, Params<S>& grad);
  void forward_step(int t, const Params<S>& p, Params<S>& grad);
  void begin_backward(const Params<S>& p, Params<S>& grad);
  void backward_step(int t, const Params<S>& p, Params<S>& grad);
  EpochStats end(Params<S>& grad);

 private:
  /// Loss terms and dL/dlogit of step t from the read-out logits in o_;
  /// writes g_ columns 2t, 2t+1 and accumulates into the sums.
  void loss_step(int t, double& loss, double& acc, double& rel, long& n_win);

  ModelConfig model_;
  TrialLayout layout_;
  int n_, b_, t_;
  S alpha_;
  Mat<S> states_;  ///< B×(N·T): r_0 .. r_{T-1}, step t in columns [tN, (t+1)N)
  Mat<S> pre_;     ///< B×N: eps_t + bias + r_t W_rec^T, then tanh
  Mat<S> delta_;   ///< B×N: delta_t = dL/d(pre-activation of update t)
  Mat<S> dr_;      ///< B×N: running dL/dr_t
  Mat<S> o_;       ///< B×2: read-out logits of the current step
  Mat<S> g_;       ///< B×(2T): dL/dlogit of every step (columns 2t, 2t+1)
  Mat<S> w_rec_t_; ///< N×N: W_rec^T of the current epoch (B×N · N×N forward GEMM)
  Vec<S> bias_[3]; ///< b_in + b_rec (+ W_in column of cue 0 / cue 1)
  /// W_rec^T (forward) and W_rec (backward) packed for train/small_gemm.hpp,
  /// once per epoch; used for float with AVX-512 and B % 16 == 0.
  Eigen::VectorXf packed_fwd_, packed_bwd_;
  bool use_small_gemm() const;
  const CounterNormals* noise_ = nullptr;  ///< noise of the running epoch (run)
  std::uint64_t epoch_ = 0;
  const Mat<S>* eps_ = nullptr;            ///< given noise (run_with, loss_with)
  double loss_ = 0, acc_ = 0, rel_ = 0;    ///< running sums of the forward pass
  long n_win_ = 0;
};

/// One epoch of each of two networks with their steps interleaved (k1's
/// step t, then k2's step t), for `memphase bench`'s measurement of whether
/// two networks per core beat one at a time. Returns k1's statistics and
/// k2's in *second. Same results as two run() calls.
template <class S>
EpochStats run_interleaved(BpttKernel<S>& k1, const Params<S>& p1, const CounterNormals& n1, std::uint64_t e1,
                           Params<S>& g1, BpttKernel<S>& k2, const Params<S>& p2, const CounterNormals& n2,
                           std::uint64_t e2, Params<S>& g2, EpochStats* second);

extern template class BpttKernel<float>;
extern template class BpttKernel<double>;

}  // namespace memphase
