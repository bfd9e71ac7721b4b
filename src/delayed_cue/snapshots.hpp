#pragma once
// Mechanism evolution during training (SPEC §3.8), shared by every family
// with the PSD classifier of delayed_cue/classify.hpp: the snapshots of the
// current network every k epochs (`output.snapshots: k`), the loss jumps of
// the every-epoch loss, and the switches between LC and SP that the report
// counts (delayed_cue/mechanism_report.hpp).
//
// A family opts in with a few lines in its runner:
//
//   SnapshotRecorder snaps(k, seed);             // k = spec.config->snapshots()
//   ... resume: decode the trainer state, then snaps.get(reader) if k > 0
//   after every optimiser update (s.epoch = updates done):
//     if (snaps.due(s.epoch, s.finished))
//       snaps.take(s.epoch, s.curves, [&](Rng& rng) { return <free run of the
//                  current weights, trial type 0, free_run_factor·T steps>; });
//   checkpoint: <trainer state> then snaps.put(writer) if k > 0
//   at the end: snaps.finish(dense_curves.loss, result.extras);
//
// The snapshots never touch the training: the free run of the snapshot after
// E updates draws from its own std::mt19937_64 stream Rng(seed,
// "snapshot:<E>") (core/rng.hpp), a function of (seed, E) only, so it needs
// no saved generator state, gives the same values after a resume, and is
// disjoint from the training noise (the counter-based Philox stream "train"
// of core/philox.hpp) and from the final classifier's stream "classify".
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "core/types.hpp"

namespace memphase {

/// Loss-jump rule of SPEC §3.8: the loss falls by at least `factor` within
/// `window` epochs. The values memphase uses (recorded with every task as the
/// metrics jump_window and jump_factor).
struct LossJumpRule {
  int window = 50;
  double factor = 2.0;
};

/// One loss jump of a training run, in curve epochs (entry e of the
/// every-epoch curves: the forward pass on the weights after e updates).
struct LossJump {
  std::int64_t epoch = 0;  ///< first epoch s > start with loss[s] <= loss[start] / factor
  std::int64_t start = 0;  ///< first epoch of the run of flagged epochs (see detect_loss_jumps)
  std::int64_t end = 0;    ///< last flagged epoch + window (clipped to the last epoch)
  double ratio = 0.0;      ///< largest loss[t] / min(loss[t+1 .. t+window]) over the run
};

/// Loss jumps of an every-epoch loss curve. Epoch t is flagged when loss[t]
/// and m(t) = min of the finite losses in (t, t + window] are finite, > 0 and
/// loss[t] >= factor · m(t). Each maximal run [a, b] of consecutive flagged
/// epochs is ONE jump (a steep descent flags every epoch in front of it):
/// its epoch is the first s in (a, a + window] with loss[s] <= loss[a] /
/// factor, i.e. where the loss has fallen by the factor from where the drop
/// began. O(n) (sliding-window minimum).
std::vector<LossJump> detect_loss_jumps(std::span<const float> loss, const LossJumpRule& rule = {});

/// One snapshot (SPEC §3.8) taken after `epoch` optimiser updates: the
/// class of the current weights by step 4 of §3.5 when the last recorded
/// epoch (curve entry epoch-1: the forward pass one update earlier, the
/// same offset as the final classification) has accuracy and reliability
/// both > 0.8; otherwise class 0 ("not yet learned", no free run, rho NaN).
struct SnapshotRow {
  std::int64_t epoch = 0;
  NetClass net_class = NetClass::fail;  ///< fail (not yet learned), lc or sp
  double rho = 0.0;                     ///< PSD ratio (NaN when not learned)
  double loss = 0.0, accuracy = 0.0, reliability = 0.0;
  bool operator==(const SnapshotRow&) const = default;
};

/// Names of what SnapshotRecorder::finish writes into a task's Extras.
namespace snapshot_names {
inline constexpr std::string_view snapshots = "snapshots";    ///< table: epoch, class, rho, loss, accuracy, reliability
inline constexpr std::string_view loss_jumps = "loss_jumps";  ///< table: epoch, start, end, ratio
inline constexpr std::string_view every = "snapshot_every";   ///< metric: k
inline constexpr std::string_view jump_window = "jump_window";
inline constexpr std::string_view jump_factor = "jump_factor";
}  // namespace snapshot_names

/// The snapshots of one training run; its rows are part of the runner's
/// checkpointed state (put/get).
class SnapshotRecorder {
 public:
  /// every = k (0: off, nothing is ever due); seed = the network seed.
  SnapshotRecorder(int every, std::uint64_t seed) : every_(every), seed_(seed) {}

  int every() const { return every_; }
  bool on() const { return every_ > 0; }
  /// A snapshot is due after `epoch` updates: every k-th epoch and the last.
  bool due(std::int64_t epoch, bool finished) const {
    return every_ > 0 && epoch > 0 && (epoch % every_ == 0 || finished);
  }
  /// Takes the snapshot after `epoch` updates (a second call for the same
  /// epoch, e.g. after a resume, does nothing). `curves`: dense, at least
  /// `epoch` entries. `free_run(rng)`: the family's free run of the current
  /// weights (trial type 0, o.free_run_factor·T steps, n×N rates), drawn
  /// from the rng it is given; called only for a learned snapshot.
  void take(std::int64_t epoch, const Curves& curves, const std::function<Mat<double>(Rng&)>& free_run,
            const ClassifyOptions& o = {});

  const std::vector<SnapshotRow>& rows() const { return rows_; }

  /// Checkpoint block: a tag, then the rows. get() throws IoError (naming
  /// the reader's `what`) on a missing tag or malformed rows.
  void put(ByteWriter& w) const;
  void get(ByteReader& r);

  /// Writes the tables "snapshots" and "loss_jumps" (from `loss`, the dense
  /// every-epoch loss of the whole run) and the metrics snapshot_every,
  /// jump_window, jump_factor into `x`. Nothing when off.
  void finish(std::span<const float> loss, Extras& x, const LossJumpRule& rule = {}) const;

  /// The stream of the free run of the snapshot after `epoch` updates.
  static Rng stream(std::uint64_t seed, std::int64_t epoch);

 private:
  int every_ = 0;
  std::uint64_t seed_ = 0;
  std::vector<SnapshotRow> rows_;
};

/// The snapshot rows of a "snapshots" table (empty for nullptr).
std::vector<SnapshotRow> snapshot_rows(const Table* t);

/// A change of mechanism between learned snapshots.
struct MechanismSwitch {
  std::int64_t epoch = 0;  ///< epoch of the first snapshot in the new class
  NetClass from = NetClass::sp, to = NetClass::lc;
};

/// Raw switches: every change of class between consecutive LEARNED
/// snapshots (class LC or SP; not-yet-learned snapshots are skipped).
std::vector<MechanismSwitch> raw_switches(std::span<const SnapshotRow> rows);

/// Debounced switches (SPEC §3.8): the learned snapshots' classes form runs
/// of equal classes; a run shorter than `persist` consecutive learned
/// snapshots is a flicker and is dropped (also at the end of training, where
/// persistence cannot be seen), the remaining neighbouring runs of the same
/// class merge, and each change between the remaining runs is a switch at the
/// first epoch of the new run. SP SP LC SP SP LC LC -> one switch SP->LC (at
/// the first LC of the last run); raw: 3.
std::vector<MechanismSwitch> debounced_switches(std::span<const SnapshotRow> rows, int persist = 2);

}  // namespace memphase
