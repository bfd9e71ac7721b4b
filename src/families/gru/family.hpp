#pragma once
// The gru family: PyTorch nn.GRUCell networks (hidden size N = 100) trained
// by hand-written BPTT on the delayed cue discrimination task of SPEC §3,
// with the rate RNN's trial noise, read-out, loss, optimisers (train.optimizer
// sgd | adam), metrics, PSD classification (on h) and β fits. Presets:
//   gru-nopost : the defaults of sections/sections.hpp (SPEC §3, no post period)
//   gru-post   : post 30 ms, epochs_coeff 100
// Folder: the model, its BPTT kernel and free run (gru.hpp), the runner
// (run_task.hpp), configuration (config.hpp) and this interface (family.cpp).
// The equations and every choice the papers do not make are in gru.hpp.
#include "plugin/family.hpp"

namespace memphase::gru {

const Family& family();

}  // namespace memphase::gru
