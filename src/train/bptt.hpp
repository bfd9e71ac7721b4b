#pragma once
// One epoch of full-batch training of the leaky rate RNN (SPEC §2-3.4):
// forward pass, loss, metrics and hand-written BPTT, in scalar type S
// (float for campaigns, double for gradient checks).
//
// Memory layout: a batch of states is N×B (one trial per column); the states
// of all steps are stored side by side, N×(B·T), step t in columns
// [t·B, (t+1)·B). All buffers are allocated once in the constructor: the
// epoch loop does not allocate.
#include "core/params.hpp"
#include "core/rng.hpp"
#include "core/spec.hpp"
#include "task/trial.hpp"

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

  /// Draws r_0 (N×B) then eps (N×B for each of the T-1 updates) from rng, in
  /// that order, and runs forward + backward. grad gets dL/dparams.
  EpochStats run(const Params<S>& p, Rng& rng, Params<S>& grad);

  /// Same with given noise: r0_pre is the N×B matrix g with r_0 = tanh(g)
  /// (already scaled by init_state_sigma), eps is N×(B·(T-1)). For tests.
  EpochStats run_with(const Params<S>& p, const Mat<S>& r0_pre, const Mat<S>& eps, Params<S>& grad);

  /// Forward only with given noise; returns the loss. For gradient checks.
  double loss_with(const Params<S>& p, const Mat<S>& r0_pre, const Mat<S>& eps);

  /// Outputs o_t of the last forward pass, 2×(B·T), step-major like the states.
  const Mat<S>& outputs() const { return out_; }

  int batch() const { return b_; }
  int steps() const { return t_; }
  int units() const { return n_; }

 private:
  void forward(const Params<S>& p);
  EpochStats loss_and_output_grad();
  void backward(const Params<S>& p, Params<S>& grad);

  ModelConfig model_;
  TrialLayout layout_;
  int n_, b_, t_;
  S alpha_;
  Mat<S> states_;  ///< N×(B·T): r_0 .. r_{T-1}
  Mat<S> work_;    ///< N×(B·(T-1)): eps -> pre-activation -> z_t -> delta_t
  Mat<S> out_;     ///< 2×(B·T): o_t, then dL/dlogit
  Mat<S> dout_;    ///< N×(B·T): W_out^T dL/dlogit
  Mat<S> dr_;      ///< N×B running dL/dr_t
  Vec<S> bias_[3]; ///< b_in + b_rec (+ W_in column of cue 0 / cue 1)
};

extern template class BpttKernel<float>;
extern template class BpttKernel<double>;

}  // namespace memphase
