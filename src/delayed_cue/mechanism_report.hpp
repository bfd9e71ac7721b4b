#pragma once
// The report of mechanism evolution during training (SPEC §3.8), for every
// family whose tasks carry the "snapshots" and "loss_jumps" tables of
// delayed_cue/snapshots.hpp: per grid cell, the learned networks, the
// networks that switch, SP->LC and LC->SP counts (debounced and raw), and
// the epoch distance from each switch to the nearest loss jump of the same
// network against a null of random epochs (docs/analysis-outputs.md,
// "Mechanism evolution").
#include <cstdint>
#include <span>
#include <vector>

#include "delayed_cue/snapshots.hpp"
#include "plugin/report.hpp"

namespace memphase {

/// Distance (epochs) from `epoch` to the nearest of `jumps` (their epoch
/// fields); -1 when there is none.
std::int64_t jump_distance(std::int64_t epoch, std::span<const std::int64_t> jumps);

/// Monte-Carlo test of "switches sit closer to loss jumps than random
/// epochs". Each switch i has its observed distance d_i and the epochs at
/// which a switch of its network could have been seen (`eligible[i]`: the
/// network's learned snapshots but its first) with the network's jumps. One
/// null draw replaces every switch's epoch by a uniform pick from its own
/// eligible epochs; over `draws` draws: the pooled null median distance and
/// p = (1 + #{draws with median <= observed median}) / (draws + 1)
/// (one-sided: small when switches are nearer to jumps than chance).
struct NullTest {
  std::int64_t switches = 0;  ///< with at least one jump in their network
  double observed_median = 0.0, null_median = 0.0;
  double observed_within = 0.0, null_within = 0.0;  ///< share of distances <= window
  double p_value = 1.0;
  std::int64_t draws = 0;
};
struct SwitchSample {
  std::int64_t distance = 0;
  std::vector<std::int64_t> eligible;
  std::vector<std::int64_t> jumps;
  std::int64_t epoch = 0;    ///< the switch's epoch (for the timing-matched null)
  std::int64_t network = 0;  ///< its network (task index)
  std::int64_t group = 0;    ///< its grid cell: the matched null pairs switches of one cell only
};
NullTest null_test(std::span<const SwitchSample> s, std::int64_t window, std::int64_t draws, std::uint64_t seed);

/// The timing-matched null: the same statistic, but one null draw gives
/// every switch the epoch of a uniformly picked switch of ANOTHER network
/// of the same group (grid cell: lr and delay set the time scale of
/// training), its distance measured to its own network's jumps. It keeps WHEN
/// switches happen in training (e.g. early, where the learning onset's jump
/// also is) and breaks only their pairing with their own network's jumps:
/// small p means a switch sits nearer to its own network's jump than
/// switches of other networks at their times do. A switch whose group has
/// no other switching network is left out (`switches` counts those in);
/// none left: no test (switches 0, NaN medians).
NullTest matched_null_test(std::span<const SwitchSample> s, std::int64_t window, std::int64_t draws,
                           std::uint64_t seed);

/// Adds the mechanism section to `r` when any task carries a snapshots
/// table: the files mechanism.csv (per cell and an "all" row) and
/// mechanism_switches.csv (one row per debounced switch), the summary.json
/// member "mechanism", a Markdown and a LaTeX section, and a printed line.
/// Sets r.section.json_key; appends to r.section.text, markdown, latex.
void mechanism_report(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r);

}  // namespace memphase
