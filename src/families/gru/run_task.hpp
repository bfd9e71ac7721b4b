#pragma once
// The gru family's runner (plugin/runner.hpp): trains one GRU by full-batch
// BPTT with train.optimizer (sgd | adam), one epoch per update, then
// classifies it (SPEC §3.5 on the free run of h). Its checkpoint state is
// self-contained (weights, optimiser state, curves); the training noise is
// counter-based, so no generator state is saved.
#include <optional>

#include "core/result.hpp"
#include "core/spec.hpp"
#include "delayed_cue/classify.hpp"
#include "families/gru/gru.hpp"
#include "plugin/runner.hpp"

namespace memphase::gru {

/// Runs or resumes one task; nullopt when ctl asked it to stop.
std::optional<TaskResult> run_gru(const TaskSpec& spec, RunControl* ctl);

/// SPEC §3.5 of a finished training: the curves, and for a learned network
/// the PSD ratio of the free run of h from the final packed parameters.
Classification classify_outcome(const TaskSpec& spec, Status status, const Curves& curves,
                                const std::vector<float>& final_packed,
                                const ClassifyOptions& o = {});

/// The optimiser step of the spec's train section on params p (grad consumed).
struct Optimiser {
  GruParams<float> buf, m, v;  ///< SGD momentum buffers; Adam's moments
  std::int64_t steps = 0;      ///< updates done
  void step(const TrainConfig& tc, GruParams<float>& p, GruParams<float>& grad);
};

}  // namespace memphase::gru
