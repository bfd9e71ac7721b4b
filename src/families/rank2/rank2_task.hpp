#pragma once
// One rank-2 task of a campaign (SPEC §7; presets rank2-a .. rank2-d),
// resumable through plugin/runner.hpp.
//
// Plain SGD at train.lr from the seed's network and x_0 (rank2_rnn.hpp), at
// most train.epochs epochs; with rank2.early_stop = r > 0 training ends after
// the first epoch e whose loss (before its update) is < r · loss(0) (that
// update applied: epochs_run = e + 1).
//
// Outputs (TaskResult):
//   curves          loss, accuracy, grad_norm (reliability = 0) before each
//                   update, THINNED BY THE RUNNER at train.record_every
//                   (epochs 0, k, 2k, ... and the last, the points a campaign
//                   file keeps; sampling = {k, epochs_run}): a 5,000,000-epoch
//                   run would otherwise hold and checkpoint 80 MB of curves.
//                   A diverged run's failed attempt is not in the curves.
//   extras.initial  packed parameters (Rank2Params::pack()) at epoch 0
//   extras.final    after the last update
//   metrics         epochs_run, final_loss, final_accuracy (after the last update),
//                   loss0 (epoch 0), loss_ratio (final / loss0), stopped (the
//                   early stop ended training), stop_epoch (epochs_run if
//                   stopped, else NaN), rho, lambda1, amplitude, latent_class
//                   (1 LC, 2 SP: classify_latent of the final network, learned
//                   or not), fixed_points (slow points with |F| < 1e-6 at the
//                   end), learned
//   tables          every rank2.diag_every epochs (0, k, 2k, ...; 0: none) and
//                   after the last update:
//                   "latent" {epoch, loss, accuracy, w1, w2, b_out, rho,
//                     lambda1, latent_class, amplitude, fixed_points}: the
//                     read-out boundary w1 κ1 + w2 κ2 + b_out = 0 and the class;
//                   "trajectory" {epoch, t, k1, k2, out}: κ_t and o_t =
//                     sigmoid(w_out·κ_t + b_out), t = 0..3·total (t <= total:
//                     the trial; after it the free run);
//                   "flow" {epoch, k1, k2, f1, f2}: F(κ) on flow_grid² points
//                     of the trajectory's bounding box padded by 25 % (at least
//                     ±0.25);
//                   "slow_points" {epoch, k1, k2, speed, eig1_re, eig1_im,
//                     eig2_re, eig2_im, converged}: find_slow_points
//                     (dynamics/slow_points.hpp) on [-B, B]², B = 1.05 · max(
//                     max_i Σ_j |n_ij|, max |κ_t|) (every fixed point lies in
//                     it), 201² grid, the 16 slowest; eigenvalues of J_F.
//   cls             rank2_classification: learned = final accuracy 1; LC/SP
//                   by ρ for learned networks, else fail; status diverged at the
//                   first non-finite loss or gradient.
#include <optional>

#include "core/result.hpp"
#include "core/spec.hpp"
#include "plugin/runner.hpp"

namespace memphase {

/// Runs (or resumes, from ctl->resume) one rank2 task; nullopt when ctl
/// asked it to stop (after saving its state).
std::optional<TaskResult> run_rank2_task(const TaskSpec& spec, RunControl* ctl = nullptr);

}  // namespace memphase
