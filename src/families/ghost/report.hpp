#pragma once
// The report of the ghost families (`memphase analyze`): the metrics and
// tables of metric_report/metric_report.hpp, and for rank-one campaigns the
// sections of seed 001:
//   ghost_fig4.csv  per value of the non-recovery axes (lr): seeds, learned,
//                   stuck (each seed counted once) (Fig. 4)
//   recovery.csv    with a recovery_c axis: per c, over the stuck networks:
//                   accuracy after the last recovery epoch and averaged over
//                   the recovery epochs (mean, s.e.m.), and both as gains over
//                   the same networks at the largest c (paired by seed)
//   abrupt.csv      with latent snapshots (Fig. 3A): one row per network, the
//                   latent circuit before and after the abrupt loss drop;
//                   model.md summarises the counts
// summary.json's "model" gets fig4, recovery and abrupt after its cells.
#include "metric_report/metric_report.hpp"
#include "plugin/report.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace memphase::ghost {

struct Fig4Row {
  std::vector<double> group;  ///< values of the non-recovery axes
  std::int64_t seeds = 0, learned = 0, stuck = 0;
};

struct RecoveryRow {
  std::vector<double> group;
  double c = 0.0;
  MetricStat final_accuracy, mean_accuracy;
  /// Paired by seed: accuracy at c minus the same network's accuracy at
  /// ref_c, the largest c of the group (seed 001 Fig. 4: c = 10, no recovery).
  double ref_c = 0.0;
  MetricStat final_gain, mean_gain;
};

/// Seed 001 Fig. 3A, per rank-1 network with latent snapshots ("latent"
/// table, ghost.diag_every > 0): how the latent circuit changes across the
/// abrupt loss drop (metric drop_epoch). "Before" = the last snapshot at an
/// epoch < drop; "after" = the first at an epoch >= drop. NaN = not applicable.
struct AbruptRow {
  std::vector<double> group;  ///< values of the non-recovery axes
  std::uint64_t seed = 0;
  double drop_epoch = std::numeric_limits<double>::quiet_NaN();
  double kappa0 = std::numeric_limits<double>::quiet_NaN();  ///< κ_0 at epoch 0
  int fp_min = 0, fp_max = 0;  ///< fixed-point count over every snapshot of phase 1
  double kappa_fp_before = std::numeric_limits<double>::quiet_NaN();  ///< fixed point nearest κ*
  double kappa_fp_after = std::numeric_limits<double>::quiet_NaN();
  double speed_kstar_start = std::numeric_limits<double>::quiet_NaN();   ///< |f(κ*)| at epoch 0
  double speed_kstar_before = std::numeric_limits<double>::quiet_NaN();
  double ghost_onset = std::numeric_limits<double>::quiet_NaN();  ///< first snapshot with a ghost
  double ghost_speed_onset = std::numeric_limits<double>::quiet_NaN();
  double ghost_kappa_onset = std::numeric_limits<double>::quiet_NaN();
  bool ghost_before = false;  ///< a ghost at the last snapshot before the drop
  double ghost_speed_before = std::numeric_limits<double>::quiet_NaN();
  bool dropped() const { return std::isfinite(drop_epoch); }
};

/// Counts over the AbruptRows that dropped.
struct AbruptSummary {
  std::int64_t networks = 0, dropped = 0;
  std::int64_t fp_constant = 0;       ///< one fixed-point count through all of phase 1
  std::int64_t fp_crosses = 0;        ///< kappa_fp_before < κ* <= kappa_fp_after
  std::int64_t ghost_before = 0;      ///< a ghost just before the drop
  std::int64_t ghost_slowing = 0;     ///< ... whose speed fell from its onset to the drop
  std::int64_t ghost_after = 0;       ///< first ghost at or after the drop
  MetricStat ghost_lag;               ///< ghost_onset - drop_epoch (epochs; > 0: after)
};

/// The seed 001 sections of a rank-one campaign.
struct GhostReport {
  std::vector<std::string> group_axes; ///< axes of Fig4Row/RecoveryRow::group
  std::vector<Fig4Row> fig4;
  std::vector<RecoveryRow> recovery;   ///< with a recovery_c axis
  std::vector<AbruptRow> abrupt;       ///< with latent snapshots
  AbruptSummary abrupt_summary;
};

/// The seed 001 sections of a rank-one campaign (done tasks only).
GhostReport ghost_report(const AnalysisInput& in);

/// Tables averaged over seeds (recovery over the stuck networks only,
/// checkpoints) and the main metrics of `in`'s report.
MetricReportOptions report_options(const AnalysisInput& in);

/// The family's section of the report.
ReportSection ghost_section(const AnalysisInput& in);

}  // namespace memphase::ghost
