#pragma once
// The report of a family whose tasks record named metrics and diagnostic
// tables (TaskResult::extras; the ghost and WCRNN families): statistics of
// every metric per grid cell and per-task tables averaged over seeds.
// Pure functions of the loaded campaign; a family adds its own sections
// (MetricReportExtras) and gets the ReportSection of its report.
//
// Files (DIR/analysis/, docs/analysis-outputs.md):
//   metrics.csv        one row per grid cell and metric: n, mean, s.e.m.,
//                      median, min, max over the cell's done seeds
//   tables/<name>.csv  per-task tables averaged over seeds, per grid cell and
//                      key (epoch, index): n, mean and s.e.m. of every other
//                      column (the tables MetricReportOptions::table_keys names)
//   model.md/.tex      the same as tables for a paper: title, the family's
//                      sections, the main metrics per cell
// summary.json gets "model": {cells with their metrics, then the family's members}.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "plugin/report.hpp"

namespace memphase {

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

struct ModelReport {
  std::vector<MetricCell> cells;       ///< every grid cell, odometer order
  std::vector<TableSummary> tables;
  bool empty() const { return cells.empty(); }
};

struct MetricReportOptions {
  /// Tables averaged over seeds and the column that keys their rows
  /// ("checkpoints" -> "epoch"); the other tables are per-network diagnostics.
  std::map<std::string, std::string> table_keys;
  /// Metrics of the per-cell table of model.md, in this order (those present).
  std::vector<std::string> main_metrics;
  /// Which done tasks a table averages (empty: all).
  std::function<bool(const std::string& table, std::size_t task)> include;
};

ModelReport metric_report(const AnalysisInput& in, const MetricReportOptions& opt);

/// What a family adds to the report around the metrics and tables.
struct MetricReportExtras {
  std::string md, tex;  ///< between model.md's/.tex's title and the metrics table
  std::vector<std::pair<std::string, std::string>> files;  ///< more analysis/ files
  std::string json;     ///< a JSON object whose members follow "cells" in summary.json's "model"
  std::string text;     ///< printed after the learned line
  std::vector<std::string> listed;  ///< file names listed before the table files
};

/// The family's ReportSection: the files (metrics.csv, tables/*.csv, the
/// extras' files, model.md, model.tex), summary.json's "model" member and the
/// printed lines ("learned ... of ... done tasks", the extras' lines, the files).
ReportSection metric_report_section(const AnalysisInput& in, const ModelReport& r, const MetricReportOptions& opt,
                                    const MetricReportExtras& x);

// Text helpers of the report tables.
/// The rule line of a Markdown table with `cols` columns: |---|---|...
std::string md_rule(std::size_t cols);
/// Shortest round-trip text; empty for NaN/inf.
std::string num(double v);
/// Fixed-point text with `d` digits; "–" for NaN/inf.
std::string fix(double v, int d = 3);
/// Index of a task's grid cell in odometer order (last axis fastest).
std::size_t cell_of(const Campaign& c, const CampaignTask& t);

}  // namespace memphase
