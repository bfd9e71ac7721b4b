#pragma once
// The toy family (SPEC §4): no network, one gradient descent per task on the
// loss of a closed-form toy, ground truth for the scaling analysis. Presets
// toy-ghost (the ghost / slow point of SPEC §4.1) and toy-cycle (the limit
// cycle of SPEC §4.2). Folder: the toy models (toy.hpp), one task as a
// runner that never polls (toy_task.hpp), the α_max analysis
// (toy_scaling.hpp), configuration (config.hpp) and this interface.
#include "plugin/family.hpp"

namespace memphase::toy {

const Family& family();

}  // namespace memphase::toy
