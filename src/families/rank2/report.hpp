#pragma once
// The report of the rank-2 family (`memphase analyze`): the metrics and
// tables of metric_report/metric_report.hpp, and per grid cell (every axis
// but the seed: lr, variant, ...) the class counts over seeds, the epochs to
// the early stop and the final loss (seed 000 Fig. 2-3):
//   rank2_classes.csv  axes, seeds, done, diverged, learned, LC, SP, fail,
//                      stopped, stop-epoch median/min/max (stopped networks),
//                      epochs-run median, final-loss median/max, λ1 median of
//                      the LC and of the SP networks
//   model.md/.tex      the same table first
// summary.json's "model" gets "classes" (one object per cell) after its cells.
#include <cstdint>
#include <string>
#include <vector>

#include "metric_report/metric_report.hpp"
#include "plugin/report.hpp"

namespace memphase::rank2 {

struct ClassRow {
  std::vector<double> axis_values;  ///< grid order (all axes)
  std::int64_t seeds = 0, done = 0, diverged = 0, learned = 0, lc = 0, sp = 0, fail = 0,
               stopped = 0;
  MetricStat stop_epoch;  ///< over the networks the early stop ended
  MetricStat epochs_run;  ///< over the done networks
  MetricStat final_loss;  ///< over the done, not diverged networks
  MetricStat lambda1_lc, lambda1_sp;
};

/// One row per grid cell, odometer order.
std::vector<ClassRow> class_rows(const AnalysisInput& in);

/// The family's section of the report.
ReportSection rank2_section(const AnalysisInput& in);

}  // namespace memphase::rank2
