#pragma once
// What a family's report (Family::analyze) sees and produces. The serial
// report (report/analyze.hpp) loads a campaign's outcomes into an
// AnalysisInput, computes the phase diagram every family shares, asks the
// family for its part (exponents, boundary fits, its own files and
// summary.json member, its printed lines) and writes everything
// (docs/analysis-outputs.md).
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "plugin/campaign.hpp"
#include "stats/bootstrap.hpp"
#include "stats/exponent.hpp"
#include "stats/fit.hpp"

namespace memphase {

/// What analysis needs of one network.
struct NetOutcome {
  bool done = false;  ///< committed (diverged and aborted networks are done)
  Status status = Status::done;
  NetClass net_class = NetClass::fail;
  bool learned = false;
  double psd_ratio = std::numeric_limits<double>::quiet_NaN();
  /// --lyapunov: largest Lyapunov exponent (per step) of the free run of an
  /// LC or SP network (Family::largest_lyapunov); else NaN.
  double lambda1 = std::numeric_limits<double>::quiet_NaN();
  /// Named metrics and diagnostic tables of the task (no parameters).
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

/// An option of a family's analysis: a `memphase analyze` flag and an entry
/// of summary.json's fit_options (Family::analysis_options).
struct AnalysisOption {
  std::string key;        ///< fit_options key; its value is AnalyzeOptions::family[key]
  double value = 0.0;     ///< default
  bool boolean = false;   ///< a switch (JSON true/false); its flag sets the opposite of the default
  std::string flag;       ///< CLI flag ("--no-x"; empty: none)
  std::string help;
};

struct AnalyzeOptions {
  BootstrapOptions boot{};
  unsigned threads = 1;     ///< bootstrap and refinement threads (0 = hardware concurrency)
  std::size_t lc_lrs = 0;   ///< β_LC: the N largest lrs (0 = all; reference)
  std::size_t sp_lrs = 25;  ///< β_SP: the N largest lrs (reference: 25; 0 = all)
  double skip_below = 0.1;  ///< skip rule of SPEC §3.7
  bool binomial = true;     ///< also the binomial boundary estimator (beta_*_binomial; stats/binomial_fit.hpp)
  ResolutionRules rules{};  ///< resolved / unresolved labels (stats/exponent.hpp)
  /// Values of the families' own options (AnalysisOption::key), set from
  /// their flags; an option missing here has its default.
  std::map<std::string, double> family;

  /// family[key], or `fallback` (the option's default) when unset.
  double family_value(const std::string& key, double fallback) const {
    const auto it = family.find(key);
    return it == family.end() ? fallback : it->second;
  }
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
  /// Estimator rules that held for this exponent (stats/fit.hpp
  /// estimator_caveats), set by the family: each makes it unresolved.
  std::vector<std::string> caveats;
  Resolution resolution;                ///< resolved by AnalyzeOptions::rules and caveats, or why not
};

/// A family's own part of the report besides exponents and boundary fits.
struct ReportSection {
  std::string text;       ///< lines `memphase analyze` prints after the network count
  std::string json_key;   ///< summary.json member holding `json` ("" : none)
  std::string json;       ///< a JSON value (text)
  std::vector<std::pair<std::string, std::string>> files;  ///< analysis/<name> -> contents
  /// Appended to scaling.md / scaling.tex (a section of the report; "": none).
  std::string markdown, latex;
};

struct AnalysisReport {
  std::vector<std::string> axis_names;  ///< grid axes but the seed
  std::vector<CellSummary> cells;       ///< odometer order of the axes
  std::int64_t tasks = 0, done = 0;
  std::int64_t fail = 0, lc = 0, sp = 0, unstable = 0, diverged = 0, aborted = 0, learned = 0;
  std::vector<BoundaryRow> boundaries;
  std::vector<ExponentReport> exponents;
  AnalyzeOptions options;
  ReportSection section;                ///< filled by the family

  std::int64_t missing() const { return tasks - done; }
  bool complete() const { return tasks > 0 && done == tasks; }
  /// Some fitted exponent is unresolved (analyze points to docs/reproduction.md).
  bool any_unresolved() const;
};

// ---------------------------------------------------------------- helpers
// For the fits of the families' reports.

/// Axis position by name in c.axes, or -1.
int axis_pos(const Campaign& c, std::string_view name);

/// One group of cells sharing the values of every axis except the two a fit
/// runs over, as an OutcomeTable (x = its "lrs", y = its "delays").
struct OutcomeGroup {
  std::string suffix;  ///< "" or "[tau=20]"
  OutcomeTable table;
  /// done networks per (i_x, i_y) cell, for the `networks` count
  std::vector<std::int64_t> done_per_cell;
};

/// Splits the campaign into groups over (x axis ax, y axis ay); `code` maps a
/// done network to its table code (not done: -1).
std::vector<OutcomeGroup> make_groups(const AnalysisInput& in, int ax, int ay,
                                      const std::function<std::int8_t(const NetOutcome&)>& code);

/// Done networks of the cells whose x value is in `xs_used`.
std::int64_t networks_in_rows(const OutcomeGroup& g, const std::vector<double>& xs_used);

/// An exponent that cannot be fitted because the grid lacks one of its axes.
void report_not_swept(AnalysisReport& r, std::string name, std::string label, std::string reason);

}  // namespace memphase
