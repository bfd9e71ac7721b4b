#pragma once
// Training of ONE network: a serial, deterministic function of the TaskSpec.
// The whole mutable state lives in TrainState, which can be checkpointed and
// restored at any epoch boundary; a restored state continues bit-identically.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/params.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "core/spec.hpp"
#include "task/trial.hpp"
#include "train/bptt.hpp"
#include "train/sgd.hpp"

namespace memphase {

/// Everything that changes during training.
struct TrainState {
  Params<float> initial;   ///< weights at epoch 0 (kept for the output file)
  Params<float> params;    ///< current weights
  SgdState<float> opt;     ///< momentum buffers
  Rng rng;                 ///< stream "train" of the seed: r_0 and eps
  std::int64_t epoch = 0;  ///< epochs completed
  Curves curves;           ///< one entry per completed epoch
  Status status = Status::done;
  bool finished = false;   ///< all epochs ran, or diverged/aborted
  double train_seconds = 0.0;

  explicit TrainState(std::uint64_t seed) : rng(seed, stream::train) {}
};

/// Binary encoding of a TrainState (for checkpoints); decode throws IoError
/// naming `what` on a truncated or malformed buffer.
std::string encode_state(const TrainState& s);
TrainState decode_state(std::string_view bytes, const std::string& what);

class Trainer {
 public:
  explicit Trainer(const TaskSpec& spec);

  /// Fresh state: weights from the seed only, optimiser empty, epoch 0.
  TrainState start() const;

  /// Runs at most `max_epochs` further epochs (all remaining if <= 0).
  /// Stops early with status diverged on a NaN/Inf loss, or aborted when the
  /// loss exceeds train.abort_loss (> 0). Returns s.finished.
  bool advance(TrainState& s, std::int64_t max_epochs = 0);

  const TaskSpec& spec() const { return spec_; }
  const TrialLayout& layout() const { return layout_; }
  std::int64_t epochs() const { return epochs_; }

 private:
  TaskSpec spec_;
  TrialLayout layout_;
  std::int64_t epochs_;
  std::unique_ptr<BpttKernel<float>> kernel_;
  Params<float> grad_;
};

}  // namespace memphase
