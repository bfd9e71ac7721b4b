#include "report/analyze.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "families/registry.hpp"
#include "plugin/family.hpp"
#include "rundir/run_dir.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/parallel.hpp"
#include "core/version.hpp"
#include "io/campaign_reader.hpp"
#include "io/durable.hpp"

namespace memphase {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ------------------------------------------------------------- loading ----

/// Campaign task index by key.
std::unordered_map<std::uint64_t, std::size_t> index_by_key(const Campaign& c) {
  std::unordered_map<std::uint64_t, std::size_t> m;
  m.reserve(c.tasks.size());
  for (std::size_t i = 0; i < c.tasks.size(); ++i) m.emplace(c.tasks[i].key, i);
  return m;
}

NetOutcome outcome_of(const TaskResult& r) {
  NetOutcome o;
  o.done = true;
  o.status = r.status;
  o.net_class = r.cls.net_class;
  o.learned = r.cls.learned;
  o.psd_ratio = r.cls.psd_ratio;
  o.extras = r.extras;
  o.extras.initial.clear();  // analysis never needs the parameters
  o.extras.final.clear();
  return o;
}

/// --reclassify and --lyapunov need network dynamics and PSD classes; the
/// campaign's family says whether its tasks have them.
void refuse_reanalysis(const AnalysisInput& in, const std::string& where, const LoadOptions& opt) {
  if (const std::optional<std::string> why = in.campaign.base.family->refuse_reanalysis(in.campaign.family))
    throw ConfigError(fmt::format("{}: {}: {}", where, opt.reclassify ? "--reclassify" : "--lyapunov", *why));
}

/// The passes over full rows (final weights, curves), in chunks: --reclassify
/// recomputes every done network's class, then --lyapunov computes the free
/// run's largest Lyapunov exponent of every LC and SP network. `read(i)` gives
/// task i's full result (called serially: HDF5 is not thread-safe); the work
/// runs on `threads` threads.
template <class Read>
void full_row_pass(AnalysisInput& in, const LoadOptions& opt, Read&& read) {
  const auto oscillates_or_holds = [](NetClass c) { return c == NetClass::lc || c == NetClass::sp; };
  constexpr std::size_t kChunk = 256;
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < in.nets.size(); ++i) {
    if (in.nets[i].done && (opt.reclassify || oscillates_or_holds(in.nets[i].net_class))) todo.push_back(i);
  }
  for (std::size_t a = 0; a < todo.size(); a += kChunk) {
    const std::size_t n = std::min(kChunk, todo.size() - a);
    std::vector<TaskResult> rs(n);
    for (std::size_t j = 0; j < n; ++j) rs[j] = read(todo[a + j]);
    std::vector<Classification> cs(n);
    std::vector<double> lambda1(n, std::numeric_limits<double>::quiet_NaN());
    parallel_for(n, opt.threads, [&](std::size_t j) {
      const TaskSpec& spec = in.campaign.tasks[todo[a + j]].spec;
      NetClass cls = in.nets[todo[a + j]].net_class;
      if (opt.reclassify) {
        cs[j] = spec.family->reclassify(spec, rs[j], opt.classify);
        cls = cs[j].net_class;
      }
      if (opt.lyapunov && oscillates_or_holds(cls)) lambda1[j] = spec.family->largest_lyapunov(spec, rs[j]);
    });
    for (std::size_t j = 0; j < n; ++j) {
      NetOutcome& o = in.nets[todo[a + j]];
      if (opt.reclassify) {
        if (o.net_class != cs[j].net_class || o.learned != cs[j].learned) ++in.reclass_changed;
        o.net_class = cs[j].net_class;
        o.learned = cs[j].learned;
        o.psd_ratio = cs[j].psd_ratio;
      }
      o.lambda1 = lambda1[j];
    }
  }
  in.reclassified = opt.reclassify;
  in.lyapunov = opt.lyapunov;
}

void load_from_journals(AnalysisInput& in, const RunPaths& p, const RunCampaign& rc,
                        const JournalIndex& idx, const LoadOptions& opt) {
  in.source = "journals";
  in.campaign = rc.campaign;
  in.code_version = rc.manifest.code_version;
  in.nets.assign(in.campaign.tasks.size(), NetOutcome{});
  const auto by_key = index_by_key(in.campaign);
  std::vector<std::pair<std::size_t, CommittedRef>> where(in.nets.size());
  std::int64_t unknown = 0, thinned = 0;
  int thinned_every = 1;
  for (const auto& [key, ref] : in_file_order(idx)) {
    const auto it = by_key.find(key);
    if (it == by_key.end()) {
      ++unknown;
      continue;
    }
    const TaskResult r = read_result(ref, key);
    in.nets[it->second] = outcome_of(r);
    where[it->second] = {it->second, ref};
    if (r.sampling.thinned()) {
      ++thinned;
      thinned_every = r.sampling.every;
    }
  }
  if (unknown > 0)
    in.notes.push_back(fmt::format("{} committed record(s) are not tasks of {} (ignored)", unknown,
                                   p.campaign()));
  if (idx.torn > 0)
    in.notes.push_back(fmt::format("{} journal file(s) end in a torn record (not committed; ignored)",
                                   idx.torn));
  if (opt.reclassify || opt.lyapunov) {
    refuse_reanalysis(in, p.campaign(), opt);
    // Journal records keep the epochs campaign.h5 keeps (thinned at commit);
    // only records committed before thinning existed hold every epoch.
    if (opt.reclassify && thinned > 0)
      throw ConfigError(fmt::format(
          "{}: --reclassify needs every-epoch curves, but {} committed record(s) keep curve points "
          "only every {} epochs (output.record_every is {}; journals are thinned like campaign.h5 "
          "when a task is committed): run the campaign with output.record_every: 1 to reclassify",
          p.dir, thinned, thinned_every, in.campaign.output.record_every));
    full_row_pass(in, opt, [&](std::size_t i) {
      return read_result(where[i].second, in.campaign.tasks[i].key);
    });
  }
}

void load_from_h5(AnalysisInput& in, const CampaignFileReader& f, const LoadOptions& opt) {
  in.source = "campaign.h5";
  const std::string family = f.attr("family");
  if (family.empty())
    throw CampaignError(fmt::format("{}: a single-network file of `memphase train`, not a campaign "
                                    "(its family attribute is empty)",
                                    f.path()));
  const Provenance prov = f.provenance();
  in.campaign = parse_campaign(prov.config_yaml, f.path() + " (attribute config_yaml)");
  in.code_version = prov.code_version;
  in.nets.assign(in.campaign.tasks.size(), NetOutcome{});
  const CampaignColumns cols = f.columns();
  const auto by_key = index_by_key(in.campaign);
  std::vector<std::int64_t> row_of(in.nets.size(), -1);
  for (std::size_t k = 0; k < cols.key.size(); ++k) {
    const auto it = by_key.find(cols.key[k]);
    if (it == by_key.end())
      throw IoError(fmt::format("{}: /tasks/key[{}] = {} is not a task of the file's config_yaml",
                                f.path(), k, hex64(cols.key[k])));
    row_of[it->second] = static_cast<std::int64_t>(k);
    if (cols.done[k] == 0) continue;
    NetOutcome& o = in.nets[it->second];
    o.done = true;
    o.status = static_cast<Status>(cols.status[k]);
    o.net_class = static_cast<NetClass>(cols.net_class[k]);
    o.learned = cols.learned[k] != 0;
    o.psd_ratio = cols.psd_ratio[k];
  }
  {
    std::vector<Extras> ex = f.all_extras(false);  // none for a family without metrics or tables
    for (std::size_t i = 0; i < in.nets.size(); ++i)
      if (row_of[i] >= 0 && in.nets[i].done) in.nets[i].extras = std::move(ex[static_cast<std::size_t>(row_of[i])]);
  }
  if (opt.reclassify || opt.lyapunov) {
    refuse_reanalysis(in, f.path(), opt);
    if (opt.reclassify && in.campaign.output.record_every != 1)
      throw ConfigError(fmt::format(
          "{}: --reclassify needs every-epoch curves, but output.record_every is {}; campaign.h5 "
          "and the journals (thinned the same way when a task is committed) keep curve points only "
          "every {} epochs: run the campaign with output.record_every: 1 to reclassify (the journals of a "
          "run made before commit-time thinning still hold every epoch: --source journals)",
          f.path(), in.campaign.output.record_every, in.campaign.output.record_every));
    if (!in.campaign.output.keep_final)
      throw ConfigError(fmt::format(
          "{}: {} needs the final weights, but output.weights leaves out 'final'; use "
          "--source journals",
          f.path(), opt.reclassify ? "--reclassify" : "--lyapunov"));
    full_row_pass(in, opt, [&](std::size_t i) { return f.row(row_of[i]); });
  }
}

}  // namespace

AnalysisInput load_analysis_input(const std::string& dir, const LoadOptions& opt) {
  const RunPaths p{dir};
  if (!fs::is_directory(dir))
    throw CampaignError(
        fmt::format("{}: not a campaign directory (it does not exist or is not a directory)", dir));
  const bool has_manifest = fs::exists(p.manifest());
  const bool has_h5 = fs::exists(p.output());
  if (!has_manifest && !has_h5)
    throw CampaignError(fmt::format(
        "{}: not a campaign directory (no manifest.yaml and no campaign.h5; expected the --out "
        "directory of `memphase run`)",
        dir));
  if (opt.source == AnalysisSource::h5 && !has_h5)
    throw CampaignError(fmt::format(
        "{}: no campaign.h5 (run `memphase gather {}` first, or use --source journals)", dir, dir));
  if (opt.source == AnalysisSource::journals && !has_manifest)
    throw CampaignError(fmt::format(
        "{}: not a campaign directory (no manifest.yaml): --source journals needs the run directory",
        dir));

  AnalysisInput in;
  in.dir = dir;
  std::optional<RunCampaign> rc;
  std::optional<JournalIndex> idx;
  if (has_manifest && opt.source != AnalysisSource::h5) {
    rc = open_run_dir(p);
    idx = index_journals(p);
  }
  if (has_h5 && opt.source != AnalysisSource::journals) {
    const CampaignFileReader f(p.output());
    if (opt.source == AnalysisSource::automatic && idx) {
      const CampaignColumns cols = f.columns();
      const auto h5_done = std::count(cols.done.begin(), cols.done.end(), std::int8_t{1});
      const auto committed = static_cast<std::int64_t>(idx->committed.size());
      if (committed > h5_done || f.provenance().config_hash != rc->campaign.hash) {
        in.notes.push_back(fmt::format(
            "campaign.h5 holds {} network(s), the journals {} (or the campaign changed since "
            "`gather`): reading the journals",
            h5_done, committed));
        load_from_journals(in, p, *rc, *idx, opt);
        return in;
      }
    }
    load_from_h5(in, f, opt);
    return in;
  }
  load_from_journals(in, p, *rc, *idx, opt);
  return in;
}

namespace {

/// A campaign's canonical text without the lines that may differ between
/// the seed blocks of one design: its name and its seed list.
std::string design_text(const Campaign& c) {
  std::string out;
  std::size_t pos = 0;
  while (pos < c.canonical.size()) {
    std::size_t end = c.canonical.find('\n', pos);
    if (end == std::string::npos) end = c.canonical.size();
    const std::string_view line(c.canonical.data() + pos, end - pos);
    if (!line.starts_with("name:") && !line.starts_with("seeds[")) {
      out.append(line);
      out += '\n';
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace

AnalysisInput merge_analysis_inputs(std::vector<AnalysisInput> parts, const std::string& out_dir) {
  if (parts.empty()) throw CampaignError("no campaign directory to merge");
  if (parts.size() == 1) {
    parts.front().dir = out_dir;
    return std::move(parts.front());
  }
  const AnalysisInput& first = parts.front();
  const std::string design = design_text(first.campaign);
  std::map<std::uint64_t, std::string> seed_owner;
  std::set<std::string> versions;
  std::vector<std::string> sources;
  for (const AnalysisInput& p : parts) {
    if (p.campaign.family != first.campaign.family || design_text(p.campaign) != design)
      throw CampaignError(fmt::format(
          "{} and {} are not seed blocks of one design: their campaigns differ in more than the name "
          "and the seeds (family, grid, model, task, train or output)",
          first.dir, p.dir));
    for (const std::uint64_t s : p.campaign.seeds) {
      const auto [it, fresh] = seed_owner.emplace(s, p.dir);
      if (!fresh)
        throw CampaignError(fmt::format("seed {} is in both {} and {}: seed blocks must be disjoint", s,
                                        it->second, p.dir));
    }
    if (p.reclassified != first.reclassified || p.lyapunov != first.lyapunov)
      throw CampaignError("merged directories must all be read with the same --reclassify / --lyapunov");
    versions.insert(p.code_version);
    sources.push_back(fmt::format("{} ({})", p.dir, p.source));
  }
  // The merged campaign: the first block's canonical text with the union of
  // the seeds, expanded again (so tasks, axis indices and keys are those of a
  // single campaign with every seed).
  std::string canonical;
  {
    std::size_t pos = 0;
    bool seeds_written = false;
    const std::string& c = first.campaign.canonical;
    while (pos < c.size()) {
      std::size_t end = c.find('\n', pos);
      if (end == std::string::npos) end = c.size();
      const std::string_view line(c.data() + pos, end - pos);
      if (line.starts_with("seeds[")) {
        if (!seeds_written) {
          std::size_t k = 0;
          for (const auto& [seed, owner] : seed_owner) canonical += fmt::format("seeds[{}]: {}\n", k++, seed);
          seeds_written = true;
        }
      } else {
        canonical.append(line);
        canonical += '\n';
      }
      pos = end + 1;
    }
  }
  AnalysisInput m;
  m.dir = out_dir;
  m.source = fmt::format("{}", fmt::join(sources, " + "));
  m.code_version = first.code_version;
  m.campaign = parse_campaign(canonical, fmt::format("merge of {}", fmt::join(sources, ", ")));
  m.reclassified = first.reclassified;
  m.lyapunov = first.lyapunov;
  std::unordered_map<std::uint64_t, const NetOutcome*> by_key;
  for (const AnalysisInput& p : parts) {
    for (std::size_t i = 0; i < p.campaign.tasks.size(); ++i) by_key.emplace(p.campaign.tasks[i].key, &p.nets[i]);
    m.reclass_changed += p.reclass_changed;
    for (const std::string& n : p.notes) m.notes.push_back(p.dir + ": " + n);
  }
  m.nets.reserve(m.campaign.tasks.size());
  for (const CampaignTask& t : m.campaign.tasks) {
    const auto it = by_key.find(t.key);
    if (it == by_key.end())
      throw CampaignError(fmt::format("merge: task {:016x} of the merged design is in none of the blocks", t.key));
    m.nets.push_back(*it->second);
  }
  m.notes.push_back(fmt::format("merged {} seed blocks ({} seeds): {}", parts.size(), seed_owner.size(),
                                fmt::join(sources, ", ")));
  if (versions.size() > 1)
    m.notes.push_back(fmt::format("the blocks were run by {} different code versions: {}", versions.size(),
                                  fmt::join(versions, ", ")));
  return m;
}

// ------------------------------------------------------------ analysis ----

namespace {

}  // namespace

AnalysisReport analyze(const AnalysisInput& in, const AnalyzeOptions& opt) {
  const Campaign& c = in.campaign;
  AnalysisReport r;
  r.options = opt;
  for (const GridAxis& a : c.axes) r.axis_names.push_back(a.name);

  // Cells in odometer order (last axis fastest), like the task expansion.
  std::size_t n_cells = 1;
  for (const GridAxis& a : c.axes) n_cells *= a.values.size();
  r.cells.resize(n_cells);
  for (std::size_t k = 0; k < n_cells; ++k) {
    std::size_t rest = k;
    std::vector<double> vals(c.axes.size());
    for (std::size_t a = c.axes.size(); a-- > 0;) {
      vals[a] = c.axes[a].values[rest % c.axes[a].values.size()];
      rest /= c.axes[a].values.size();
    }
    r.cells[k].axis_values = std::move(vals);
  }
  r.tasks = static_cast<std::int64_t>(c.tasks.size());
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    std::size_t k = 0;
    for (std::size_t a = 0; a < c.axes.size(); ++a)
      k = k * c.axes[a].values.size() + static_cast<std::size_t>(c.tasks[i].axis_index[a]);
    CellSummary& cell = r.cells[k];
    ++cell.seeds;
    const NetOutcome& o = in.nets[i];
    if (!o.done) continue;
    ++cell.done;
    switch (o.net_class) {
      case NetClass::fail: ++cell.fail; break;
      case NetClass::lc: ++cell.lc; break;
      case NetClass::sp: ++cell.sp; break;
      case NetClass::unstable: ++cell.unstable; break;
    }
    if (o.status == Status::diverged) ++cell.diverged;
    if (o.status == Status::aborted) ++cell.aborted;
    if (o.learned) ++cell.learned;
  }
  for (const CellSummary& cell : r.cells) {
    r.done += cell.done;
    r.fail += cell.fail;
    r.lc += cell.lc;
    r.sp += cell.sp;
    r.unstable += cell.unstable;
    r.diverged += cell.diverged;
    r.aborted += cell.aborted;
    r.learned += cell.learned;
  }

  c.base.family->analyze(in, opt, r);
  for (ExponentReport& e : r.exponents) {
    e.resolution = judge_exponent(e.fit, e.boot.boot, opt.rules);
    if (!e.fit.ok) continue;  // "not fitted" says it all
    for (const std::string& why : e.caveats) e.resolution.why_not.push_back(why);
    e.resolution.resolved = e.resolution.why_not.empty();
  }
  return r;
}

// -------------------------------------------------------------- output ----

namespace {

/// Shortest round-trip text of a double; empty for NaN/inf (CSV).
std::string csv_num(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (const char ch : s) {
    if (ch == '"') o += '"';
    o += ch;
  }
  return o + "\"";
}

std::string frac(std::int64_t n, std::int64_t d) {
  return d > 0 ? csv_num(static_cast<double>(n) / static_cast<double>(d)) : std::string();
}

/// Fixed-point text of an exponent-sized number; "n/a" for NaN.
std::string fixed(double v, int digits = 3) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : std::string("n/a");
}

/// "yes", or "no: <every failed rule>".
std::string resolution_text(const Resolution& res) {
  return res.resolved ? std::string("yes") : fmt::format("no: {}", fmt::join(res.why_not, "; "));
}

/// Said wherever an unresolved exponent is reported.
constexpr const char* kUnresolvedNote =
    "An unresolved exponent is not a measurement of β: its lrs, R² or bootstrap CI fail the rules of "
    "docs/boundary-study.md, or its estimator is one that study found biased in this situation. The paper's β needs lrs over >= 2 decades and enough seeds near the "
    "boundary; docs/reproduction.md gives memphase's own reproduction and the campaigns that produced it.";

nlohmann::ordered_json json_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

std::string short_version(std::string_view v) {
  const auto sp = v.find(' ');
  return std::string(sp == std::string::npos ? v : v.substr(0, sp));
}

/// --lyapunov, per class (LC, SP): how many networks, the median and range of
/// λ1, and how many agree with the class (LC: |λ1| <= tol, a cycle; SP:
/// λ1 < -tol, a stable point).
struct LyapunovClassSummary {
  std::size_t n = 0, agree = 0;
  double median = kNaN, min = kNaN, max = kNaN;
};
constexpr double kLyapunovZeroTol = 1e-3;  ///< |λ1| per step counted as 0

LyapunovClassSummary lyapunov_summary(const AnalysisInput& in, NetClass cls) {
  std::vector<double> v;
  for (const NetOutcome& o : in.nets)
    if (o.done && o.net_class == cls && std::isfinite(o.lambda1)) v.push_back(o.lambda1);
  LyapunovClassSummary s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  s.median = quantile_sorted(v, 0.5);
  for (const double l : v)
    s.agree += cls == NetClass::lc ? (std::abs(l) <= kLyapunovZeroTol) : (l < -kLyapunovZeroTol);
  return s;
}

}  // namespace

std::string lyapunov_csv(const AnalysisInput& in) {
  const Campaign& c = in.campaign;
  std::string o;
  for (const GridAxis& a : c.axes) o += a.name + ",";
  o += "seed,class,psd_ratio,lambda1\n";
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    const NetOutcome& n = in.nets[i];
    if (!n.done || !std::isfinite(n.lambda1)) continue;
    const CampaignTask& t = c.tasks[i];
    for (std::size_t a = 0; a < c.axes.size(); ++a)
      o += csv_num(c.axes[a].values[static_cast<std::size_t>(t.axis_index[a])]) + ",";
    o += fmt::format("{},{},{},{}\n", c.seeds[static_cast<std::size_t>(t.axis_index.back())],
                     to_string(n.net_class), csv_num(n.psd_ratio), csv_num(n.lambda1));
  }
  return o;
}

std::string phase_diagram_csv(const AnalysisReport& r) {
  std::string o;
  for (const std::string& a : r.axis_names) o += a + ",";
  o += "seeds,done,missing,fail,lc,sp,unstable,diverged,aborted,frac_fail,frac_lc,frac_sp,"
       "frac_unstable,learned,frac_learned\n";
  for (const CellSummary& c : r.cells) {
    for (const double v : c.axis_values) o += csv_num(v) + ",";
    o += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", c.seeds, c.done,
                     c.seeds - c.done, c.fail, c.lc, c.sp, c.unstable, c.diverged, c.aborted,
                     frac(c.fail, c.done), frac(c.lc, c.done), frac(c.sp, c.done),
                     frac(c.unstable, c.done), c.learned, frac(c.learned, c.done));
  }
  return o;
}

std::string scaling_csv(const AnalysisReport& r) {
  std::string o = "fit,estimator,x_name,x,status,threshold,rate,sse,level,used,reason\n";
  for (const BoundaryRow& b : r.boundaries) {
    o += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv_text(b.fit), b.estimator, b.x_name, csv_num(b.x),
                     to_string(b.status), csv_num(b.threshold), csv_num(b.rate), csv_num(b.sse),
                     csv_num(b.level), b.used ? 1 : 0, csv_text(b.reason));
  }
  return o;
}

std::string summary_json(const AnalysisInput& in, const AnalysisReport& r) {
  using J = nlohmann::ordered_json;
  const Campaign& c = in.campaign;
  J j;
  j["memphase_analysis"] = 1;
  j["dir"] = in.dir;
  j["source"] = in.source;
  j["created"] = utc_now_iso();
  j["campaign"] = {{"name", c.name},
                   {"family", c.family},
                   {"family_id", c.base.family ? std::string(c.base.family->id()) : std::string()},
                   {"config_hash", c.hash},
                   {"code_version", in.code_version},
                   {"analyze_version", code_version_string()}};
  J axes = J::object();
  for (const GridAxis& a : c.axes) axes[a.name] = a.values;
  j["axes"] = axes;
  j["seeds"] = c.seeds;
  j["counts"] = {{"tasks", r.tasks},       {"done", r.done},         {"missing", r.missing()},
                 {"complete", r.complete()}, {"fail", r.fail},         {"lc", r.lc},
                 {"sp", r.sp},             {"unstable", r.unstable}, {"diverged", r.diverged},
                 {"aborted", r.aborted},   {"learned", r.learned}};
  j["reclassified"] = in.reclassified;
  if (in.reclassified) j["reclassified_changed"] = in.reclass_changed;
  if (in.lyapunov) {
    J ly = {{"units", "per step of model.dt, natural log"}, {"zero_tolerance", kLyapunovZeroTol}};
    for (const NetClass cls : {NetClass::lc, NetClass::sp}) {
      const LyapunovClassSummary ls = lyapunov_summary(in, cls);
      ly[std::string(to_string(cls))] = {{"n", ls.n},           {"agree", ls.agree},
                                         {"median", json_or_null(ls.median)},
                                         {"min", json_or_null(ls.min)}, {"max", json_or_null(ls.max)}};
    }
    j["lyapunov"] = ly;
  }
  j["bootstrap"] = {{"resamples", r.options.boot.resamples},
                    {"seed", r.options.boot.seed},
                    {"level", r.options.boot.level}};
  j["fit_options"] = {{"lc_lrs", r.options.lc_lrs},
                      {"sp_lrs", r.options.sp_lrs},
                      {"skip_below", r.options.skip_below},
                      {"binomial", r.options.binomial}};
  // Every family's own options (not only this campaign's: the keys do not
  // depend on the family), with their values or defaults.
  for (const Family* f : families())
    for (const AnalysisOption& o : f->analysis_options()) {
      const double v = r.options.family_value(o.key, o.value);
      if (o.boolean) j["fit_options"][o.key] = v != 0.0;
      else j["fit_options"][o.key] = v;
    }
  const ResolutionRules& rr = r.options.rules;
  j["resolution_rules"] = {{"min_points", rr.min_points},
                           {"min_decades", rr.min_decades},
                           {"min_r2", rr.min_r2},
                           {"max_rel_ci", rr.max_rel_ci},
                           {"max_failed_share", rr.max_failed_share},
                           {"max_unstable_share", rr.max_unstable_share},
                           {"documented_in", "docs/boundary-study.md"}};
  if (r.any_unresolved()) j["unresolved_note"] = kUnresolvedNote;
  J ex = J::object();
  for (const ExponentReport& e : r.exponents) {
    J x;
    x["label"] = e.label;
    x["estimator"] = e.estimator;
    x["resolved"] = e.resolution.resolved;
    x["unresolved_because"] = e.resolution.why_not;
    x["t_name"] = e.t_name;
    x["lr_name"] = e.lr_name;
    x["ok"] = e.fit.ok;
    x["reason"] = e.fit.reason;
    x["estimate"] = json_or_null(e.fit.ok ? e.fit.exponent() : kNaN);
    x["ols_se"] = json_or_null(e.fit.slope_se);
    x["r2"] = json_or_null(e.fit.r2);
    x["intercept"] = json_or_null(e.fit.intercept);
    x["n_points"] = e.fit.points.size();
    x["networks"] = e.fit.networks;
    x["boot_se"] = json_or_null(e.boot.boot.se);
    x["ci_lo"] = json_or_null(e.boot.boot.lo);
    x["ci_hi"] = json_or_null(e.boot.boot.hi);
    x["resamples"] = e.boot.boot.resamples;
    x["boot_failed"] = e.boot.boot.failed;
    J pts = J::array();
    for (const ExponentPoint& p : e.fit.points) pts.push_back({{"t", p.t}, {"lr", p.lr}});
    x["points"] = pts;
    J skipped = J::array(), failed = J::array();
    for (const BoundaryRow& b : r.boundaries) {
      if (b.fit != e.name) continue;
      if (b.status == FitStatus::skipped) skipped.push_back(b.x);
      if (b.status == FitStatus::failed || (b.status == FitStatus::ok && !b.used && b.reason.rfind("T_c", 0) == 0))
        failed.push_back({{b.x_name, b.x}, {"reason", b.reason}});
    }
    x["skipped"] = skipped;
    x["failed"] = failed;
    J band_lo = J::array(), band_hi = J::array();
    for (const double v : e.boot.band_lo) band_lo.push_back(json_or_null(v));
    for (const double v : e.boot.band_hi) band_hi.push_back(json_or_null(v));
    x["band"] = {{"t", e.boot.band_t}, {"lr_lo", band_lo}, {"lr_hi", band_hi}};
    ex[e.name] = x;
  }
  j["exponents"] = ex;
  if (!r.section.json_key.empty()) j[r.section.json_key] = nlohmann::ordered_json::parse(r.section.json);
  return j.dump(2) + "\n";
}

std::string scaling_markdown(const AnalysisInput& in, const AnalysisReport& r) {
  const Campaign& c = in.campaign;
  const int pct = static_cast<int>(std::lround(r.options.boot.level * 100));
  std::string o = fmt::format("# Scaling exponents: {} ({})\n\n", c.name, c.family);
  o += fmt::format("| exponent | estimate | {} % CI (bootstrap) | bootstrap SE | OLS SE | R² | points | "
                   "networks | failed resamples | resolved |\n",
                   pct);
  o += "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const ExponentReport& e : r.exponents) {
    if (!e.fit.ok) {
      o += fmt::format("| {} | not fitted: {} | | | | | {} | {} | | no |\n", e.label, e.fit.reason,
                       e.fit.points.size(), e.fit.networks);
      continue;
    }
    o += fmt::format("| {} | {} | [{}, {}] | {} | {} | {} | {} | {} | {}/{} | {} |\n", e.label,
                     fixed(e.fit.exponent()), fixed(e.boot.boot.lo), fixed(e.boot.boot.hi),
                     fixed(e.boot.boot.se), fixed(e.fit.slope_se), fixed(e.fit.r2),
                     e.fit.points.size(), e.fit.networks, e.boot.boot.failed, e.boot.boot.resamples,
                     resolution_text(e.resolution));
  }
  if (r.any_unresolved()) o += "\n" + std::string(kUnresolvedNote) + "\n";
  o += fmt::format(
      "\n{} of {} networks done{}; seed-paired bootstrap: {} resamples, seed {}. Campaign hash `{}`, "
      "run with memphase {}, analysed with {}{}.\n",
      r.done, r.tasks, r.complete() ? "" : " (partial campaign)", r.options.boot.resamples,
      r.options.boot.seed, c.hash, short_version(in.code_version), short_version(code_version_string()),
      in.reclassified ? " (classes recomputed with --reclassify)" : "");
  if (!r.section.markdown.empty()) o += "\n" + r.section.markdown;
  return o;
}

std::string scaling_latex(const AnalysisInput& in, const AnalysisReport& r) {
  const Campaign& c = in.campaign;
  const int pct = static_cast<int>(std::lround(r.options.boot.level * 100));
  auto tex_label = [](const ExponentReport& e) {
    std::string base = e.name, suffix;
    const auto br = base.find('[');
    if (br != std::string::npos) {
      suffix = base.substr(br);
      base = base.substr(0, br);
    }
    std::string l = base == "beta_LC"   ? "$\\beta_{\\mathrm{LC}}$"
                    : base == "beta_SP" ? "$\\beta_{\\mathrm{SP}}$"
                    : base == "beta_LC_binomial" ? "$\\beta_{\\mathrm{LC}}$ (binomial)"
                    : base == "beta_SP_binomial" ? "$\\beta_{\\mathrm{SP}}$ (binomial)"
                    : base == "gamma_nomem" ? "$\\gamma_{\\text{no memory}}$"
                    : base == "alpha_max" ? "$\\alpha_{\\max}$ exponent"
                                          : base;
    for (const char ch : suffix) l += (ch == '_' ? std::string("\\_") : std::string(1, ch));
    return l;
  };
  auto esc = [](const std::string& s) {
    std::string o;
    for (const char ch : s) {
      if (ch == '_' || ch == '%' || ch == '&' || ch == '#' || ch == '$') o += '\\';
      o += ch;
    }
    return o;
  };
  std::string o;
  o += "% memphase analyze: " + esc(c.name) + " (" + c.family + "), campaign hash " + c.hash + "\n";
  o += "\\begin{table}[t]\n\\centering\n\\begin{tabular}{lcccccccc}\n\\toprule\n";
  o += fmt::format("Exponent & Estimate & {}\\,\\% CI & Boot.\\ SE & OLS SE & $R^2$ & Points & Networks & Resolved \\\\\n",
                   pct);
  o += "\\midrule\n";
  for (const ExponentReport& e : r.exponents) {
    if (!e.fit.ok) {
      o += fmt::format("{} & \\multicolumn{{8}}{{l}}{{not fitted: {}}} \\\\\n", tex_label(e), esc(e.fit.reason));
      continue;
    }
    o += fmt::format("{} & {} & [{}, {}] & {} & {} & {} & {} & {} & {} \\\\\n", tex_label(e),
                     fixed(e.fit.exponent()), fixed(e.boot.boot.lo), fixed(e.boot.boot.hi),
                     fixed(e.boot.boot.se), fixed(e.fit.slope_se), fixed(e.fit.r2),
                     e.fit.points.size(), e.fit.networks, e.resolution.resolved ? "yes" : "no");
  }
  o += "\\bottomrule\n\\end{tabular}\n";
  o += fmt::format(
      "\\caption{{Scaling exponents of campaign \\texttt{{{}}} ({}), {} of {} networks. Errors: "
      "seed-paired bootstrap ({} resamples, percentile interval) and ordinary least squares. "
      "Campaign hash \\texttt{{{}}}.}}\n",
      esc(c.name), esc(c.family), r.done, r.tasks, r.options.boot.resamples, c.hash);
  o += "\\end{table}\n";
  if (!r.section.latex.empty()) o += "\n" + r.section.latex;
  return o;
}

std::string write_analysis(const AnalysisInput& in, const AnalysisReport& r) {
  const std::string out = in.dir + "/analysis";
  make_dirs(out);
  atomic_write(out + "/phase_diagram.csv", phase_diagram_csv(r));
  atomic_write(out + "/scaling.csv", scaling_csv(r));
  atomic_write(out + "/scaling.md", scaling_markdown(in, r));
  atomic_write(out + "/scaling.tex", scaling_latex(in, r));
  if (in.lyapunov) atomic_write(out + "/lyapunov.csv", lyapunov_csv(in));
  for (const auto& [name, text] : r.section.files) {
    if (name.find('/') != std::string::npos) make_dirs(out + "/" + name.substr(0, name.rfind('/')));
    atomic_write(out + "/" + name, text);
  }
  // Last: a reader that sees the new summary sees the new tables too.
  atomic_write(out + "/summary.json", summary_json(in, r));
  return out;
}

std::string format_analysis(const AnalysisInput& in, const AnalysisReport& r) {
  const Campaign& c = in.campaign;
  std::string o = fmt::format("memphase analyze: {}: campaign '{}' ({}), read from {}\n", in.dir, c.name,
                              c.family, in.source);
  for (const std::string& n : in.notes) o += "  note: " + n + "\n";
  o += fmt::format("  networks       {} of {} done{}\n", r.done, r.tasks,
                   r.complete() ? " (complete)" : fmt::format(" ({} missing: partial campaign)", r.missing()));
  o += r.section.text;
  if (in.reclassified)
    o += fmt::format("  reclassified   {} network(s) changed class or learned flag\n", in.reclass_changed);
  if (in.lyapunov) {
    for (const NetClass cls : {NetClass::lc, NetClass::sp}) {
      const LyapunovClassSummary ls = lyapunov_summary(in, cls);
      o += fmt::format("  λ1 of {:<8} {} network(s): median {:.3g}, range [{:.3g}, {:.3g}] per step; {} {}\n",
                       to_string(cls), ls.n, ls.median, ls.min, ls.max, ls.agree,
                       cls == NetClass::lc ? "with |λ1| <= 1e-3 (a cycle)" : "with λ1 < -1e-3 (a stable point)");
    }
  }

  if (!r.complete()) {
    std::size_t complete = 0;
    for (const CellSummary& cell : r.cells) complete += cell.done == cell.seeds ? 1 : 0;
    o += fmt::format("  cells          {} of {} complete; networks done per cell:\n", complete, r.cells.size());
    if (c.axes.size() == 2) {
      const GridAxis& a0 = c.axes[0];
      const GridAxis& a1 = c.axes[1];
      o += fmt::format("    {:>12} |", a0.name + " \\ " + a1.name);
      for (const double v : a1.values) o += fmt::format(" {:>7.4g}", v);
      o += "\n";
      for (std::size_t i = 0; i < a0.values.size(); ++i) {
        o += fmt::format("    {:>12.4g} |", a0.values[i]);
        for (std::size_t k = 0; k < a1.values.size(); ++k) {
          const CellSummary& cell = r.cells[i * a1.values.size() + k];
          o += fmt::format(" {:>7}", fmt::format("{}/{}", cell.done, cell.seeds));
        }
        o += "\n";
      }
    } else {
      std::size_t shown = 0;
      for (const CellSummary& cell : r.cells) {
        if (cell.done == cell.seeds) continue;
        if (++shown > 30) {
          o += "    ... (see phase_diagram.csv: columns done and missing)\n";
          break;
        }
        std::vector<std::string> parts;
        for (std::size_t a = 0; a < c.axes.size(); ++a)
          parts.push_back(fmt::format("{}={}", c.axes[a].name, cell.axis_values[a]));
        o += fmt::format("    {}: {}/{}\n", fmt::join(parts, " "), cell.done, cell.seeds);
      }
    }
  }
  for (const ExponentReport& e : r.exponents) {
    if (!e.fit.ok) {
      o += fmt::format("  {:<20} not fitted: {}\n", e.label, e.fit.reason);
      continue;
    }
    o += fmt::format(
        "  {:<20} {} (OLS SE {}, R² {}; {} points, {} skipped, {} failed; {} networks)\n"
        "  {:<20} bootstrap {}: SE {}, {:.0f} % CI [{}, {}], {} failed resamples\n"
        "  {:<20} {}\n",
        e.label, fixed(e.fit.exponent()), fixed(e.fit.slope_se), fixed(e.fit.r2), e.fit.points.size(),
        e.skipped, e.failed, e.fit.networks, "", e.boot.boot.resamples, fixed(e.boot.boot.se),
        r.options.boot.level * 100, fixed(e.boot.boot.lo), fixed(e.boot.boot.hi), e.boot.boot.failed, "",
        e.resolution.resolved ? "resolved" : "UNRESOLVED: " + fmt::format("{}", fmt::join(e.resolution.why_not, "; ")));
  }
  if (r.any_unresolved()) o += "  note: " + std::string(kUnresolvedNote) + "\n";
  return o;
}

}  // namespace memphase
