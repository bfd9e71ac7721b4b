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

/// Everything that defines one training task.
struct TaskSpec {
  ModelConfig model;
  TaskConfig task;
  TrainConfig train;
  ToyConfig toy;  ///< kind none for every RNN task (encoded only when enabled)

  /// Planned length: toy.max_steps GD updates for a toy, else
  /// train.resolved_epochs().
  std::int64_t planned_epochs() const;
};

}  // namespace memphase
