#pragma once
// Trains one rate RNN and classifies it: the complete, serial, deterministic
// function (TaskSpec) -> TaskResult that campaigns distribute, as a resumable
// runner (plugin/runner.hpp) whose state is an encoded TrainState.
#include <optional>

#include "core/params.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "core/spec.hpp"
#include "delayed_cue/classify.hpp"
#include "families/rate_rnn/trainer.hpp"
#include "plugin/runner.hpp"

namespace memphase {

/// Classification of SPEC §3.5 of a rate RNN: the generic classifier of
/// delayed_cue/classify.hpp with the model's free run of trial type 0 for
/// o.free_run_factor · `steps` steps (`n_cue` cue steps) drawn from `rng`
/// (untouched when the network did not learn).
Classification classify(const Curves& curves, const Params<float>& final_params,
                        const ModelConfig& model, int n_cue, int steps, Rng& rng,
                        const ClassifyOptions& o = {});

/// Classifies a finished TrainState and packs the result. The classifier's
/// free run uses the seed's "classify" stream, so the result does not depend
/// on how training was split into checkpointed pieces.
TaskResult finish_task(const Trainer& trainer, TrainState&& state, const ClassifyOptions& o = {});

/// The classification of SPEC §3.5 (or §3.6 for the no-memory task) of a
/// finished training: status, every-epoch curves and final weights. Used by
/// finish_task and by `memphase analyze --reclassify`.
Classification classify_outcome(const TaskSpec& spec, Status status, const Curves& curves,
                                const Params<float>& final_params, const ClassifyOptions& o = {});

/// start() + advance() to the end + finish_task().
TaskResult run_task(const TaskSpec& spec, const ClassifyOptions& o = {});

/// The runner: trains from ctl->resume (an encode_state() of this task) or
/// from scratch, one epoch at a time, polling ctl after every epoch but the
/// last; nullopt when ctl asked it to stop (after saving its state).
std::optional<TaskResult> run_rate_rnn(const TaskSpec& spec, RunControl* ctl);

}  // namespace memphase
