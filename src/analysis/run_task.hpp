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

/// start() + advance() to the end + finish_task().
TaskResult run_task(const TaskSpec& spec, const ClassifyOptions& o = {});

}  // namespace memphase
