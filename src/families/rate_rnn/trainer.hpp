#pragma once
// Training of ONE network: a serial, deterministic function of the TaskSpec.
// The whole mutable state lives in TrainState, which can be checkpointed and
// restored at any epoch boundary; a restored state continues bit-identically.
// The training noise (r_0 and eps) is counter-based (core/philox.hpp): the
// noise of epoch e is a function of (seed, e), so there is no generator
// state to save.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/params.hpp"
#include "core/result.hpp"
#include "core/philox.hpp"
#include "core/rng.hpp"
#include "core/spec.hpp"
#include "families/rate_rnn/config.hpp"
#include "delayed_cue/trial.hpp"
#include "families/rate_rnn/bptt.hpp"
#include "families/rate_rnn/sgd.hpp"

namespace memphase {

/// Everything that changes during training.
struct TrainState {
  Params<float> initial;   ///< weights at epoch 0 (kept for the output file)
  Params<float> params;    ///< current weights
  SgdState<float> opt;     ///< momentum buffers (train.optimizer sgd)
  AdamState<float> adam;   ///< Adam's moments and step (train.optimizer adam)
  std::int64_t epoch = 0;  ///< epochs completed (= the noise counter of the next epoch)
  Curves curves;           ///< one entry per completed epoch
  Status status = Status::done;
  bool finished = false;   ///< all epochs ran, or diverged/aborted
  double train_seconds = 0.0;
};

/// Binary encoding of a TrainState (for checkpoints), tagged with
/// kTrainStateFormat; decode throws IoError naming `what` on a truncated or
/// malformed buffer, and on a checkpoint of another format (one written by
/// a memphase before issue 15, which carried a std::mt19937_64 state): the
/// engine then restarts that task from scratch (a bad_checkpoint event).
std::string encode_state(const TrainState& s);
TrainState decode_state(std::string_view bytes, const std::string& what);
/// The same from a reader, which may hold more bytes after the state (the
/// runner's snapshot block, delayed_cue/snapshots.hpp).
void put_state(ByteWriter& w, const TrainState& s);
TrainState get_state(ByteReader& r, const std::string& what);

/// First 8 bytes of an encoded TrainState: "MPTS" + format 2 (counter-based
/// noise, no RNG state). Format 1 had no tag: it began with W_in's row count.
inline constexpr std::uint64_t kTrainStateFormat = 0x00000002'5354504DULL;
/// Marker of the Adam block appended to an encoded TrainState of a network
/// trained with Adam: [tag][step i64][m][v] (an SGD state has none, so its
/// bytes are those of a memphase without Adam).
inline constexpr std::uint64_t kAdamStateTag = 0x0000'0001'4D414441ULL;  // "ADAM" v1

class Trainer {
 public:
  /// `spec` must be a rate_rnn spec (std::bad_cast otherwise).
  explicit Trainer(const TaskSpec& spec);

  /// Fresh state: weights from the seed only, optimiser empty, epoch 0.
  TrainState start() const;

  /// Runs at most `max_epochs` further epochs (all remaining if <= 0).
  /// Stops early with status diverged on a NaN/Inf loss, or aborted when the
  /// loss exceeds train.abort_loss (> 0). Returns s.finished.
  bool advance(TrainState& s, std::int64_t max_epochs = 0);

  const TaskSpec& spec() const { return spec_; }
  const rate_rnn::Config& config() const { return cfg_; }
  const TrialLayout& layout() const { return layout_; }
  std::int64_t epochs() const { return epochs_; }

 private:
  TaskSpec spec_;
  const rate_rnn::Config& cfg_;  ///< spec_'s configuration
  TrialLayout layout_;
  std::int64_t epochs_;
  CounterNormals noise_;  ///< stream "train" of the seed: r_0 and eps
  std::unique_ptr<BpttKernel<float>> kernel_;
  Params<float> grad_;
};

}  // namespace memphase
