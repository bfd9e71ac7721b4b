#pragma once
// `memphase analyze DIR` (docs/analysis-outputs.md), the serial report: the
// phase diagram every family shares, and the family's own part (boundary
// fits and scaling exponents with their OLS and seed-paired bootstrap
// errors, its files and summary.json member: Family::analyze), for a
// finished or a partial campaign. Serial (threads for the bootstrap); no
// MPI, no lock: safe while a job writes to DIR. The records it exchanges
// with the families are in plugin/report.hpp.
//
//   load_analysis_input   DIR -> one NetOutcome per campaign task
//                         (campaign.h5, or the committed journal records)
//   analyze               NetOutcomes -> AnalysisReport (pure)
//   write_analysis        AnalysisReport -> DIR/analysis/* (atomic files)
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "config/campaign.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "plugin/report.hpp"

namespace memphase {

/// Reads DIR. Source `automatic`: campaign.h5 if it exists and holds every
/// committed task, else the journals. Throws CampaignError when DIR is not a
/// campaign directory (neither manifest.yaml nor campaign.h5), IoError on
/// unreadable files, ConfigError if --reclassify cannot be honoured.
AnalysisInput load_analysis_input(const std::string& dir, const LoadOptions& opt);

/// Seed blocks of one design, run as separate campaigns (same family, grid
/// and sections; only the name and disjoint seed lists differ: e.g. a
/// reproduction split so that a lost run directory loses one block), merged
/// into one input as if one campaign had run every seed. `out_dir` is where
/// the analysis is written. Throws CampaignError naming the directories when
/// they are not blocks of one design or share a seed.
AnalysisInput merge_analysis_inputs(std::vector<AnalysisInput> parts, const std::string& out_dir);

/// Phase diagram, and the family's fits, exponents and section (pure; see
/// analysis-outputs.md).
AnalysisReport analyze(const AnalysisInput& in, const AnalyzeOptions& opt);

/// Writes DIR/analysis/{summary.json, phase_diagram.csv, scaling.csv,
/// scaling.md, scaling.tex}, each atomically. Returns the directory.
std::string write_analysis(const AnalysisInput& in, const AnalysisReport& r);

/// The individual files (exposed for tests).
std::string summary_json(const AnalysisInput& in, const AnalysisReport& r);
std::string phase_diagram_csv(const AnalysisReport& r);
/// --lyapunov: one row per network with a λ1 (grid values, seed, class, ρ, λ1).
std::string lyapunov_csv(const AnalysisInput& in);
std::string scaling_csv(const AnalysisReport& r);
std::string scaling_markdown(const AnalysisInput& in, const AnalysisReport& r);
std::string scaling_latex(const AnalysisInput& in, const AnalysisReport& r);

/// What `memphase analyze` prints: counts, completeness per cell for a
/// partial campaign, one line per exponent.
std::string format_analysis(const AnalysisInput& in, const AnalysisReport& r);

}  // namespace memphase
