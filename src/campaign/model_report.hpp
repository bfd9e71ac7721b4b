#pragma once
// `memphase analyze` for the families whose tasks carry Extras (ghost-rank1,
// ghost-rankK: SPEC §5; wcrnn: SPEC §6). Pure functions of the loaded
// campaign (AnalysisInput); written next to the generic phase_diagram.csv.
//
// Files (DIR/analysis/, docs/analysis-outputs.md):
//   metrics.csv        one row per grid cell and metric: n, mean, s.e.m.,
//                      median, min, max over the cell's done seeds
//   tables/<name>.csv  per-task tables averaged over seeds, per grid cell and
//                      key (epoch, index): n, mean and s.e.m. of every other
//                      column. For ghost recovery tasks, the "recovery" table
//                      is averaged over the networks that were stuck after
//                      phase 1 only (seed 001 Fig. 4: s.e.m. over the stuck ones).
//   ghost_fig4.csv     ghost-rank1: per value of the non-recovery axes (lr):
//                      seeds, learned, stuck (each seed counted once)
//   recovery.csv       ghost-rank1 with recovery_c: per c, over stuck
//                      networks: n, accuracy after the last recovery epoch
//                      (mean, s.e.m.), accuracy averaged over the recovery
//                      epochs (mean, s.e.m.), and both as gains over the same
//                      networks at the largest c (paired by seed; s.e.m. of
//                      the differences)
//   abrupt.csv         ghost-rank1 with latent snapshots (seed 001 Fig. 3A):
//                      one row per network (seed counted once), the latent
//                      circuit before and after the abrupt loss drop
//                      (AbruptRow); model.md summarises the counts
//   model.md/.tex      the same as tables for a paper
// summary.json gets "model": {metrics per cell, fig4, recovery, abrupt}.
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace memphase {

struct AnalysisInput;

struct MetricStat {
  std::int64_t n = 0;  ///< finite values
  double mean = std::numeric_limits<double>::quiet_NaN();
  double sem = std::numeric_limits<double>::quiet_NaN();  ///< sd / sqrt(n) (n >= 2)
  double median = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
};

/// Statistics of the finite entries of v.
MetricStat metric_stat(std::vector<double> v);

struct MetricCell {
  std::vector<double> axis_values;  ///< grid order
  std::int64_t done = 0;
  std::map<std::string, MetricStat> stats;
};

/// One averaged table: rows keyed by (cell, key value).
struct TableSummary {
  std::string name, key;
  std::vector<std::string> columns;  ///< the averaged columns (not the key)
  struct Row {
    std::size_t cell = 0;  ///< index into ModelReport::cells
    double key = 0.0;
    std::vector<MetricStat> stats;  ///< one per column
  };
  std::vector<Row> rows;
};

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

struct ModelReport {
  std::vector<MetricCell> cells;       ///< every grid cell, odometer order
  std::vector<TableSummary> tables;
  std::vector<std::string> group_axes; ///< axes of Fig4Row/RecoveryRow::group
  std::vector<Fig4Row> fig4;           ///< ghost-rank1 only
  std::vector<RecoveryRow> recovery;   ///< ghost-rank1 with a recovery_c axis
  std::vector<AbruptRow> abrupt;       ///< ghost-rank1 with latent snapshots
  AbruptSummary abrupt_summary;
  bool empty() const { return cells.empty(); }
};

ModelReport model_report(const AnalysisInput& in);

/// (file name under analysis/, contents) of every file of the report.
std::vector<std::pair<std::string, std::string>> model_report_files(const AnalysisInput& in,
                                                                   const ModelReport& r);
/// JSON text of summary.json's "model" member.
std::string model_report_json(const AnalysisInput& in, const ModelReport& r);
/// Lines printed by `memphase analyze`.
std::string format_model_report(const AnalysisInput& in, const ModelReport& r);

}  // namespace memphase
