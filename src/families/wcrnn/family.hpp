#pragma once
// The wcrnn family (SPEC §6, seed 002): weakly coupled residual RNNs
//   h_0 = 0,  h_{t+1} = R h_t + γ tanh(W h_t + U x_t + b),  y = W_o h_T + b_o
// with R fixed, trained with SGD + momentum on the adding problem and
// (permuted) sequential MNIST, or the Lyapunov spectrum of the untrained
// network. One preset, wcrnn. Folder: the network (wcrnn.hpp, residual.hpp),
// its Lyapunov spectra (lyapunov.hpp), one task as a runner
// (wcrnn_task.hpp), configuration (config.hpp) and this interface.
#include "plugin/family.hpp"

namespace memphase::wcrnn {

const Family& family();

}  // namespace memphase::wcrnn
