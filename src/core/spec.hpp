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

/// Everything that defines one training task.
struct TaskSpec {
  ModelConfig model;
  TaskConfig task;
  TrainConfig train;
};

}  // namespace memphase
