#include "core/spec.hpp"

#include <algorithm>

namespace memphase {

std::int64_t TrainConfig::resolved_epochs() const {
  if (epochs > 0) return epochs;
  // Python: int(np.maximum(1e3, 3e4 * 1e-3 / lr)) -- truncation toward zero.
  return static_cast<std::int64_t>(std::max(static_cast<double>(epochs_min), epochs_coeff / lr));
}

std::int64_t TaskSpec::planned_epochs() const {
  if (toy.enabled()) return toy.max_steps;
  if (ghost.enabled()) return train.epochs + (ghost.recovery() ? ghost.recovery_epochs : 0);
  if (wcrnn.enabled()) return wcrnn.task == WcrnnTask::lyapunov ? 0 : train.epochs;
  return train.resolved_epochs();
}

}  // namespace memphase
