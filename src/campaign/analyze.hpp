#pragma once
// `memphase analyze DIR` (docs/analysis-outputs.md): phase diagram, boundary
// fits and scaling exponents with their OLS and seed-paired bootstrap errors,
// for a finished or a partial campaign. Serial (threads for the bootstrap);
// no MPI, no lock: safe while a job writes to DIR.
//
//   load_analysis_input   DIR -> one NetOutcome per campaign task
//                         (campaign.h5, or the committed journal records)
//   analyze               NetOutcomes -> AnalysisReport (pure)
//   write_analysis        AnalysisReport -> DIR/analysis/* (atomic files)
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "analysis/bootstrap.hpp"
#include "analysis/classify.hpp"
#include "analysis/exponent.hpp"
#include "analysis/fit.hpp"
#include "campaign/model_report.hpp"
#include "config/campaign.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace memphase {

/// What analysis needs of one network.
struct NetOutcome {
  bool done = false;  ///< committed (diverged and aborted networks are done)
  Status status = Status::done;
  NetClass net_class = NetClass::fail;
  bool learned = false;
  double psd_ratio = std::numeric_limits<double>::quiet_NaN();
  /// --lyapunov: largest Lyapunov exponent (per step) of the free run of an
  /// LC or SP network (analysis/lyapunov.hpp free_run_spectrum); else NaN.
  double lambda1 = std::numeric_limits<double>::quiet_NaN();
  /// Ghost / WCRNN tasks: named metrics and diagnostic tables (no parameters).
  Extras extras;
};

enum class AnalysisSource { automatic, h5, journals };

struct LoadOptions {
  AnalysisSource source = AnalysisSource::automatic;
  bool reclassify = false;    ///< recompute classes from final weights + curves
  bool lyapunov = false;      ///< largest Lyapunov exponent of every LC/SP network
  unsigned threads = 1;       ///< for --reclassify/--lyapunov (0 = hardware concurrency)
  ClassifyOptions classify{};
};

struct AnalysisInput {
  std::string dir;
  std::string source;        ///< "campaign.h5" or "journals"
  std::string code_version;  ///< of the binary that ran the campaign
  Campaign campaign;
  std::vector<NetOutcome> nets;  ///< one per campaign.tasks entry, same order
  bool reclassified = false;
  std::int64_t reclass_changed = 0;  ///< networks whose class changed on --reclassify
  bool lyapunov = false;             ///< NetOutcome::lambda1 computed (--lyapunov)
  std::vector<std::string> notes;    ///< said to the user (source choice, warnings)
};

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

struct AnalyzeOptions {
  BootstrapOptions boot{};
  unsigned threads = 1;     ///< bootstrap and toy-refinement threads (0 = hardware concurrency)
  std::size_t lc_lrs = 0;   ///< β_LC: the N largest lrs (0 = all; reference)
  std::size_t sp_lrs = 25;  ///< β_SP: the N largest lrs (reference: 25; 0 = all)
  double skip_below = 0.1;  ///< skip rule of SPEC §3.7
  bool binomial = true;     ///< also the binomial boundary estimator (beta_*_binomial; analysis/binomial_fit.hpp)
  ResolutionRules rules{};  ///< resolved / unresolved labels (analysis/exponent.hpp)
  bool toy_refine = true;     ///< toys: bisect α_max between grid values on the model
  double toy_rel_tol = 1e-5;  ///< toys: relative width of the refined bracket
};

/// Counts of one grid cell (every axis but the seed).
struct CellSummary {
  std::vector<double> axis_values;  ///< in grid order
  std::int64_t seeds = 0, done = 0;
  std::int64_t fail = 0, lc = 0, sp = 0, unstable = 0, diverged = 0, aborted = 0, learned = 0;
};

/// One boundary fit (a row of scaling.csv).
struct BoundaryRow {
  std::string fit;     ///< exponent name
  std::string estimator = "reference";  ///< reference (SPEC §3.7) or binomial
  std::string x_name;  ///< lr, response, delay
  double x = 0.0;
  FitStatus status = FitStatus::failed;
  double threshold = std::numeric_limits<double>::quiet_NaN();  ///< T_c, lr_c, α_max
  double rate = std::numeric_limits<double>::quiet_NaN();
  double sse = std::numeric_limits<double>::quiet_NaN();    ///< SSE (reference) or deviance (binomial)
  double level = std::numeric_limits<double>::quiet_NaN();  ///< binomial: fitted floor f0 (LC) or plateau h (SP)
  bool used = false;
  std::string reason;
};

/// One exponent with its errors.
struct ExponentReport {
  std::string name;    ///< beta_LC, beta_SP, beta_LC_binomial, beta_SP_binomial, gamma_nomem, alpha_max
                       ///< (+ "[axis=value]" per group)
  std::string label;   ///< β_LC, ...
  std::string estimator = "reference";  ///< how the boundaries were estimated
  std::string t_name;  ///< axis label of t
  std::string lr_name; ///< axis label of lr
  ExponentFit fit;
  ExponentBootstrap boot;
  std::size_t skipped = 0, failed = 0;  ///< boundary fits of this exponent
  Resolution resolution;                ///< resolved by AnalyzeOptions::rules, or why not
};

struct AnalysisReport {
  std::vector<std::string> axis_names;  ///< grid axes but the seed
  std::vector<CellSummary> cells;       ///< odometer order of the axes
  std::int64_t tasks = 0, done = 0;
  std::int64_t fail = 0, lc = 0, sp = 0, unstable = 0, diverged = 0, aborted = 0, learned = 0;
  bool toy = false;                     ///< toy family: learned / not learned only
  std::vector<BoundaryRow> boundaries;
  std::vector<ExponentReport> exponents;
  AnalyzeOptions options;
  ModelReport model;                    ///< ghost / WCRNN families (campaign/model_report.hpp)

  std::int64_t missing() const { return tasks - done; }
  bool complete() const { return tasks > 0 && done == tasks; }
  /// Some fitted exponent is unresolved (analyze points to docs/reproduction.md).
  bool any_unresolved() const;
};

/// Phase diagram, boundary fits and exponents (pure; see analysis-outputs.md).
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
