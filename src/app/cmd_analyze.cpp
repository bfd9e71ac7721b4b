// `memphase analyze DIR`: phase diagram, boundary fits and scaling exponents
// with OLS and seed-paired bootstrap errors (docs/analysis-outputs.md).
// Serial (threads for the bootstrap); no MPI, no lock.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <map>
#include <memory>

#include "app/commands.hpp"
#include "report/analyze.hpp"
#include "core/error.hpp"
#include "families/registry.hpp"
#include "plugin/family.hpp"

namespace memphase::app {

namespace {

struct AnalyzeFlags {
  std::vector<std::string> dirs;
  std::string out;
  std::size_t resamples = 1000;
  std::uint64_t boot_seed = 0;
  double level = 0.95;
  unsigned threads = 0;
  bool reclassify = false;
  bool lyapunov = false;
  std::string source = "auto";
  std::string lc_lrs = "all";
  std::string sp_lrs = "25";
  double skip_below = 0.1;
  /// Switches of the families' options (AnalysisOption::flag), by key: set
  /// when the flag was given.
  std::map<std::string, bool> switched;
  bool no_binomial = false;
  bool quiet = false;
};

/// "all" -> 0, else a positive count.
std::size_t parse_lrs(const std::string& flag, const std::string& v) {
  if (v == "all") return 0;
  std::size_t pos = 0;
  long long n = 0;
  try {
    n = std::stoll(v, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != v.size() || n < 2)
    throw ConfigError(fmt::format("{} must be 'all' or a count >= 2 (got '{}')", flag, v));
  return static_cast<std::size_t>(n);
}

int run_analyze(const AnalyzeFlags& f) {
  if (f.resamples < 1) throw ConfigError(fmt::format("--resamples must be >= 1 (got {})", f.resamples));
  if (!(f.level > 0.0 && f.level < 1.0))
    throw ConfigError(fmt::format("--level must be in (0, 1) (got {})", f.level));
  if (!(f.skip_below >= 0.0 && f.skip_below <= 1.0))
    throw ConfigError(fmt::format("--skip-below must be in [0, 1] (got {})", f.skip_below));
  LoadOptions lo;
  lo.source = f.source == "h5"         ? AnalysisSource::h5
              : f.source == "journals" ? AnalysisSource::journals
                                       : AnalysisSource::automatic;
  lo.reclassify = f.reclassify;
  lo.lyapunov = f.lyapunov;
  lo.threads = f.threads;
  AnalyzeOptions ao;
  ao.boot.resamples = f.resamples;
  ao.boot.seed = f.boot_seed;
  ao.boot.level = f.level;
  ao.threads = f.threads;
  ao.lc_lrs = parse_lrs("--lc-lrs", f.lc_lrs);
  ao.sp_lrs = parse_lrs("--sp-lrs", f.sp_lrs);
  ao.skip_below = f.skip_below;
  for (const Family* fam : families())
    for (const AnalysisOption& o : fam->analysis_options())
      if (o.boolean && !o.flag.empty() && f.switched.count(o.key) && f.switched.at(o.key))
        ao.family[o.key] = o.value != 0.0 ? 0.0 : 1.0;
  ao.binomial = !f.no_binomial;

  if (f.dirs.size() > 1 && f.out.empty())
    throw ConfigError(fmt::format("analyze: {} directories (seed blocks) need --out DIR for the merged analysis",
                                  f.dirs.size()));
  std::vector<AnalysisInput> parts;
  for (const std::string& d : f.dirs) parts.push_back(load_analysis_input(d, lo));
  const AnalysisInput in = merge_analysis_inputs(std::move(parts), f.out.empty() ? f.dirs.front() : f.out);
  const AnalysisReport r = analyze(in, ao);
  const std::string out = write_analysis(in, r);
  if (!f.quiet) {
    fmt::print("{}", format_analysis(in, r));
    fmt::print("  wrote          {}/{{summary.json, phase_diagram.csv, scaling.csv, scaling.md, scaling.tex{}}}\n",
               out, in.lyapunov ? ", lyapunov.csv" : "");
  }
  return 0;
}

}  // namespace

void add_analyze_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<AnalyzeFlags>();
  CLI::App* c = app.add_subcommand(
      "analyze", "Phase diagram, boundary fits and scaling exponents with bootstrap errors (no MPI)");
  c->add_option("dirs", f->dirs,
                "run directory (memphase run --out DIR); several: seed blocks of one design, merged (needs --out)")
      ->required();
  c->add_option("--out,-o", f->out, "write DIR/analysis here (default: the run directory; required for several)");
  c->add_option("--resamples,-B", f->resamples, "bootstrap resamples (SPEC: >= 1000)")->capture_default_str();
  c->add_option("--boot-seed", f->boot_seed, "seed of the bootstrap's resampling RNG")->capture_default_str();
  c->add_option("--level", f->level, "coverage of the percentile intervals")->capture_default_str();
  c->add_option("--threads,-j", f->threads, "bootstrap / reclassify / lyapunov / toy refinement threads (0 = all cores)")->capture_default_str();
  c->add_flag("--reclassify", f->reclassify,
              "recompute classes and PSD ratios from the final weights with the current classifier");
  c->add_flag("--lyapunov", f->lyapunov,
              "largest Lyapunov exponent of every LC/SP network's free run (cross-check of the PSD "
              "class; writes analysis/lyapunov.csv)");
  c->add_option("--source", f->source, "where to read networks from: auto, h5 (campaign.h5) or journals")
      ->check(CLI::IsMember({"auto", "h5", "journals"}))
      ->capture_default_str();
  c->add_option("--lc-lrs", f->lc_lrs, "β_LC: use the N largest lrs, or all (reference: all)")->capture_default_str();
  c->add_option("--sp-lrs", f->sp_lrs, "β_SP: use the N largest lrs, or all (reference: 25)")->capture_default_str();
  c->add_option("--skip-below", f->skip_below, "skip an lr whose max fraction is below this (SPEC §3.7)")
      ->capture_default_str();
  c->add_flag("--no-binomial", f->no_binomial,
              "β fits: only the reference's estimator of SPEC §3.7 (skip beta_*_binomial)");
  // The families' own switches (Family::analysis_options), e.g. --no-toy-refine.
  for (const Family* fam : families())
    for (const AnalysisOption& o : fam->analysis_options())
      if (o.boolean && !o.flag.empty()) c->add_flag(o.flag, f->switched[o.key], o.help);
  c->add_flag("--quiet,-q", f->quiet, "print nothing on success");
  c->callback([f, &exit_code]() { exit_code = run_analyze(*f); });
}

}  // namespace memphase::app
