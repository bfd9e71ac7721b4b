#include "analysis/model_task.hpp"

#include "analysis/ghost_task.hpp"
#include "analysis/wcrnn_task.hpp"
#include "core/error.hpp"

namespace memphase {

std::optional<TaskResult> run_model_task(const TaskSpec& spec, RunControl* ctl) {
  if (spec.ghost.enabled()) return run_ghost_task(spec, ctl);
  if (spec.wcrnn.enabled()) return run_wcrnn_task(spec, ctl);
  throw ConfigError("run_model_task: the spec is not a ghost or WCRNN task");
}

}  // namespace memphase
