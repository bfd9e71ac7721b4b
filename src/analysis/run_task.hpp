#pragma once
// Trains one network and classifies it: the complete, serial, deterministic
// function (TaskSpec) -> TaskResult that campaigns distribute.
#include "analysis/classify.hpp"
#include "core/result.hpp"
#include "core/spec.hpp"
#include "train/trainer.hpp"

namespace memphase {

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

}  // namespace memphase
