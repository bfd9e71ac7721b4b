#pragma once
// One ghost-mechanism task of a campaign (SPEC §5, seed 001; presets
// ghost-rank1 and ghost-rankK), resumable through plugin/runner.hpp.
//
// Phase 1: train.epochs epochs of plain SGD at train.lr from the seed's
// initial network (model/ghost_rnn.hpp), N = model.n, c = ghost.confidence
// (rank 1) or rank K = ghost.rank. Phase 2 (only when ghost.recovery_confidence
// > 0, rank 1): the recovery experiment of seed 001 Fig. 4, i.e. continue from
// the final state of phase 1 with a fresh plain-SGD optimiser (plain SGD has no
// state, so "fresh" only means the epoch counter), confidence
// ghost.recovery_confidence, ghost.recovery_epochs epochs at ghost.recovery_lr
// (0: train.lr). A recovery task recomputes phase 1 (deterministic): one task
// per (seed, recovery c), no dependency between tasks.
//
// Outputs (TaskResult):
//   curves          loss, accuracy, grad_norm of every epoch of both phases
//                   (values of the forward pass BEFORE that epoch's update);
//                   reliability = 0. epochs_run counts updates of both phases.
//   extras.initial  packed parameters (Rank1Params/RankKParams pack()) at epoch 0
//   extras.final    after the last update
//   metrics         phase1_epochs, final_loss, final_accuracy (after phase 1),
//                   best_accuracy, tail_best_accuracy, learned_accuracy (best
//                   accuracy > 0.5, Fig. 4), learned_loss (final / first loss
//                   < 1e-2, Fig. S2), learned (the family's criterion: accuracy
//                   for rank 1, loss for rank K; also cls.learned), stuck
//                   (learned_accuracy and accuracy <= 0.5 over the last
//                   ghost.tail epochs), loss_ratio (final / first loss),
//                   drop_epoch (first phase-1 epoch with loss < loss(0) / 2,
//                   the abrupt drop of Fig. 3A; NaN if none);
//                   recovery tasks also recovery_c, recovery_final_accuracy
//                   (after the last recovery update), recovery_mean_accuracy
//                   (mean of the recovery epochs' accuracies), recovery_best_accuracy
//   tables          rank 1, ghost.diag_every > 0: "latent" {epoch, fixed_points,
//                   min_speed, kappa_slowest, ghosts, ghost_speed, ghost_kappa,
//                   kappa_fp (the fixed point nearest κ*; NaN: none),
//                   speed_kstar (|f(κ*)|), kappa0 (n·x_0, where every trial
//                   starts)} (rank1_latent on κ ∈ [-15, 15]) and "flow" {epoch, kappa, f}
//                   (f(κ) on 241 points of κ ∈ [-3, 3]) every diag_every epochs of
//                   phase 1, epoch 0 and the end of phase 1 included;
//                   rank K <= 2, diag_every > 0: "slow_points" {epoch, k1, k2,
//                   speed, eig_re_max, converged} (find_slow_points; k2 = NaN for
//                   K = 1). K > 2: no diagnostics (grid^K candidates).
//                   Always: "checkpoints" {epoch, loss, accuracy} at epochs
//                   1, 2, 5, 10, 20, 50, ... below the end of phase 1, then its
//                   end (after the last update).
//                   Recovery tasks: "recovery" {epoch, loss, accuracy}, epochs
//                   0..recovery_epochs, the last row evaluated after the last update.
//   cls             learned as above; net_class fail (the PSD classes of SPEC
//                   §3.5 do not apply); status diverged at the first non-finite
//                   loss or gradient (a recorded outcome).
#include <optional>

#include "core/result.hpp"
#include "core/spec.hpp"
#include "plugin/runner.hpp"

namespace memphase {

/// Runs (or resumes, from ctl->resume) one ghost task; nullopt when ctl
/// asked it to stop (after saving its state).
std::optional<TaskResult> run_ghost_task(const TaskSpec& spec, RunControl* ctl = nullptr);

}  // namespace memphase
