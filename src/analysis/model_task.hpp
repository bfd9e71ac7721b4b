#pragma once
// Dispatch of the tasks driven through train/runner.hpp: ghost networks
// (SPEC §5, analysis/ghost_task.hpp) and WCRNNs (SPEC §6,
// analysis/wcrnn_task.hpp). The campaign engine and `memphase train` call
// this one function for every task that is not a rate RNN or a toy.
#include <optional>

#include "core/result.hpp"
#include "core/spec.hpp"
#include "train/runner.hpp"

namespace memphase {

/// Runs or resumes one ghost / WCRNN task; nullopt when ctl asked it to stop.
/// Throws ConfigError for a spec of another kind.
std::optional<TaskResult> run_model_task(const TaskSpec& spec, RunControl* ctl = nullptr);

}  // namespace memphase
