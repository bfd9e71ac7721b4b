#pragma once
// The rank-2 family (SPEC §7, seed 000 Fig. 2-3): the rank-2 rate RNN
// κ = n x, x ← (1-α)x + α tanh(m κ + b), read-out sigmoid(w_out·κ + b_out),
// plain SGD on the delayed-activation targets of the reference's variants
// (a)-(d), with the 2-D latent circuit recorded and classified LC / SP.
// Folder: the network (rank2_rnn.hpp), one task as a runner (rank2_task.hpp),
// the report (report.hpp), configuration (config.hpp) and this interface.
//
// Presets (the reference's settings, SPEC §7): rank2-a (variant a, lr 0.01,
// 5,000,000 epochs, early stop 1e-4), rank2-b (variant b, lr 0.01, 150,000
// epochs), rank2-c (variant c, lr 1e-3, 500,000 epochs), rank2-d (variant d,
// lr 1e-3, 1,000,000 epochs); no early stop but in (a), where SPEC §7 states
// it. The variant is also the key rank2.variant and a categorical grid axis
// `variant` (it sets the target layout only), so one campaign can compare
// variants paired by seed (rank2-fig3.yaml: (c) and (d)).
#include "plugin/family.hpp"

namespace memphase::rank2 {

const Family& family();

}  // namespace memphase::rank2
