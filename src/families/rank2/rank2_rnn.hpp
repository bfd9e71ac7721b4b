#pragma once
// The rank-2 rate RNN of SPEC §7 (seed 000, Fig. 2-3; from the reference
// code): model, exact BPTT gradients, plain SGD, and the latent-circuit
// diagnostics (trajectory, flow field, slow points, PSD class, Lyapunov
// exponent).
//
//   κ_t     = n x_t                                   n: 2×N, κ ∈ R²
//   x_{t+1} = (1 - α) x_t + α tanh(m κ_t + b)          m: N×2, b: N
//   o_{t+1} = sigmoid(w_out · κ_{t+1} + b_out)          w_out: 2, b_out: scalar
//
// No input, no noise: one deterministic trajectory per epoch from the seed's
// fixed x_0. Outputs o_1 .. o_total, target y_t = 1 for T_disc < t <=
// T_disc + n_on, else 0 (Rank2Layout), weighted MSE mean over the steps:
//   L = (1/total) Σ_t w_t (o_t - y_t)²,  w_t = w for t <= T_disc, 1 - w after,
//   w = (total - T_disc) / total.
// Accuracy = fraction of the `total` steps with (o_t > 0.5) == (y_t == 1).
//
// Because tanh(m n x + b) depends on x only through κ, the latent circuit is
// closed: κ_{t+1} = (1 - α) κ_t + α n tanh(m κ_t + b) exactly. Its flow (in
// units of 1/τ) is F(κ) = -κ + n tanh(m κ + b) (dynamics/slow_points.hpp with
// M = m, N = n), and the map's Jacobian is I + α J_F(κ).
//
// DECISIONS (SPEC §7 and why):
//  * Initialisation from Rng(seed, "init"), the seed ONLY, in this order:
//    m (N×2, column-major) ~ N(0, 1/N), n (2×N, column-major) ~ N(0, 1/N),
//    b = 0, w_out (2) ~ N(0, 1/2) (variance 1/2, the notation of m and n),
//    b_out ~ N(0, 1), then x_0 (N) ~ N(0, 1/100). Seed i is the same network
//    and the same x_0 in every grid cell (lr, variant).
//  * Campaigns train in float (the reference is PyTorch float32; Eigen's
//    vectorised tanh exists for float only); the gradient check runs the same
//    template in double. Diagnostics are double.
//  * The per-epoch loss/accuracy are those of the forward pass that produced
//    that epoch's gradient (before the update), as in the other families.
// Kernels never throw; a NaN/Inf loss or gradient is the status `diverged`.
#include <cstdint>
#include <functional>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "families/rank2/config.hpp"

namespace memphase {

/// Task of one variant (SPEC §7): layout, α = dt/τ = 0.5, weights.
struct Rank2Task {
  Rank2Layout layout;
  double alpha = 0.5;

  int total() const { return layout.total(); }
  /// Target y_t, t = 1..total.
  double target(int t) const {
    return t > layout.t_disc && t <= layout.t_disc + layout.n_on ? 1.0 : 0.0;
  }
  /// Loss weight w_t, t = 1..total.
  double weight(int t) const;
};

/// Trainable parameters: m: N×2, n: 2×N, b: N, w_out: 2, b_out. The same
/// type holds a gradient.
template <class S>
struct Rank2Params {
  Mat<S> m, n;
  Vec<S> b, w_out;
  S b_out = S(0);

  int size() const { return static_cast<int>(m.rows()); }
  /// Flattened as [vec(m) (2N, column-major); vec(n) (2N, column-major); b (N);
  /// w_out (2); b_out (1)] and back.
  Vec<S> pack() const;
  void unpack(const Vec<S>& v);
  Rank2Params<double> to_double() const;
};

/// One deterministic trial.
template <class S>
struct Rank2Forward {
  Mat<S> x;      ///< N×(total+1): x_0 .. x_total
  Mat<S> h;      ///< N×total: tanh(m κ_t + b), t = 0..total-1
  Mat<S> kappa;  ///< 2×(total+1): κ_t = n x_t
  Vec<S> out;    ///< total: o_1 .. o_total
  double loss = 0.0;
  double accuracy = 0.0;
};

/// Outcome of one SGD step (values of the forward pass BEFORE the update).
struct Rank2Step {
  double loss = 0.0;
  double accuracy = 0.0;
  double grad_norm = 0.0;  ///< Euclidean norm of the whole flattened gradient
  bool finite = true;      ///< loss and gradient finite; false: no update was made
};

template <class S>
class Rank2Net {
 public:
  using Params = Rank2Params<S>;

  Rank2Net(Params p, Vec<S> x0, const Rank2Task& task);

  /// SPEC §7 initialisation of parameters and x_0 from Rng(seed, "init")
  /// (order in the header comment). Drawn in double, rounded to S.
  static Rank2Net init(int n, std::uint64_t seed, const Rank2Task& task);

  const Params& params() const { return p_; }
  Params& params() { return p_; }
  const Vec<S>& x0() const { return x0_; }
  const Rank2Task& task() const { return task_; }

  /// One trial from x_0.
  Rank2Forward<S> forward() const;
  /// Exact gradient of the loss by back-propagation through time; fwd (if
  /// given) receives the forward pass it was computed from.
  Params gradient(Rank2Forward<S>* fwd = nullptr) const;
  /// Plain SGD p ← p - lr ∇L; no update if the loss or gradient is not finite.
  /// Reuses the net's buffers: no allocation after the first call.
  Rank2Step sgd_step(double lr);

 private:
  /// Buffers of the BPTT (sized on first use).
  struct Work {
    Mat<S> nT;         ///< N×2: nᵀ (contiguous rows of n)
    Mat<S> gnT;        ///< N×2: dL/dnᵀ
    Mat<S> gk;         ///< 2×(total+1): dL/dκ_t
    Vec<S> e;          ///< total+1: dL/d(w_out·κ_t + b_out)
    Vec<S> gx, delta;  ///< N
  };
  void forward_into(Rank2Forward<S>& f, Work& w) const;
  void gradient_into(Rank2Forward<S>& f, Params& g, Work& w) const;

  Params p_;
  Vec<S> x0_;
  Rank2Task task_;
  Rank2Forward<S> fwd_;  ///< buffers of sgd_step
  Params grad_;
  Work work_;
};

// -------------------------------------------------------- latent circuit --

/// A 2-D map κ_{t+1} = step(κ_t) with its Jacobian d step / dκ (2×2): the
/// latent circuit of a network, or a synthetic map in tests.
struct LatentMap {
  std::function<Vec<double>(const Vec<double>&)> step;
  std::function<Mat<double>(const Vec<double>&)> jacobian;
};

/// The latent map of a network: κ ↦ (1 - α) κ + α n tanh(m κ + b).
LatentMap rank2_latent_map(const Rank2Params<double>& p, double alpha);

/// κ_0 .. κ_steps of the map from kappa0: 2×(steps+1).
Mat<double> latent_run(const LatentMap& f, const Vec<double>& kappa0, int steps);

/// Class of a latent free run (SPEC §7 with §3.5): LC or SP by the PSD ratio
/// ρ of the 9·total-step free run κ_1 .. κ_{9 total} (psd_ratio of
/// delayed_cue/classify.hpp on the 9T×2 matrix of κ_t), ρ < 0.5 → LC, else
/// SP (a NaN ρ is SP, as in §3.5); and the largest Lyapunov exponent of the
/// map (per step, natural log; dynamics/lyapunov.hpp) after a transient of
/// 9·total steps, over 100·total steps: ≈ 0 on a limit cycle, < 0 at a
/// stable fixed point, > 0 if chaotic. `amplitude` = the largest extent
/// (max - min over one coordinate) of κ over the last 3·total steps of the
/// classified run: ≈ 0 when it settled on a fixed point.
struct LatentClass {
  NetClass net_class = NetClass::sp;
  double rho = 0.0;
  double lambda1 = 0.0;
  double amplitude = 0.0;
};
LatentClass classify_latent(const LatentMap& f, const Vec<double>& kappa0, int total,
                            const ClassifyOptions& o = {});

/// Final outcome of a network (used by the runner and --reclassify): learned
/// = every one of the `total` outputs on the right side of 0.5 (accuracy 1)
/// after the last update; class LC/SP by classify_latent if learned, else
/// fail; psd_ratio = ρ if learned, else NaN.
Classification rank2_classification(double final_accuracy, const LatentClass& lc);

}  // namespace memphase
