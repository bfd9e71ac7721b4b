#pragma once
// The ghost families (SPEC §5, seed 001): the rank-one network κ = n·x,
// x ← (1-α)x + α tanh(mκ + b), read-out sigmoid(c(κ - 1)) (preset
// ghost-rank1), and W = M N of rank K with a trainable read-out (preset
// ghost-rankK), plain SGD on the 40-step delayed-activation task. Folder: the
// networks (ghost_rnn.hpp), one task as a runner (ghost_task.hpp), the
// report (report.hpp), configuration (config.hpp) and this interface.
#include "plugin/family.hpp"

namespace memphase::ghost {

const Family& family();

}  // namespace memphase::ghost
