#pragma once
// The rate_rnn family (SPEC §2-3): leaky rate RNNs trained by hand-written
// BPTT on the delayed cue discrimination task, classified fail / LC / SP /
// unstable by the PSD of a free run. Presets:
//   dcdt-nopost  : the defaults of sections/sections.hpp
//   dcdt-post    : post 30 ms, epochs_coeff 100
//   dcdt-longtau : tau 20 ms
//   no-memory    : TaskKind::no_memory, linear read-out, plain MSE, 3000
//                  epochs, abort_loss 100 (SPEC §3.6)
// Folder: model (rate_rnn.hpp), BPTT kernel (bptt.hpp, small_gemm.hpp), SGD
// (sgd.hpp), trainer and runner (trainer.hpp, run_task.hpp), Lyapunov
// spectra (lyapunov.hpp), configuration (config.hpp), this interface
// (family.cpp) and its benchmarks (bench.cpp).
#include "plugin/family.hpp"

namespace memphase::rate_rnn {

const Family& family();

}  // namespace memphase::rate_rnn
