#include "engine/status.hpp"

#include "plugin/family.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <tuple>
#include <unordered_map>

#include "engine/cost.hpp"
#include "engine/plan.hpp"
#include "rundir/run_dir.hpp"
#include "core/error.hpp"
#include "io/durable.hpp"

namespace memphase {

namespace fs = std::filesystem;

namespace {

bool parse_hex64(const std::string& s, std::uint64_t& out) {
  if (s.size() != 16) return false;
  std::uint64_t v = 0;
  for (const char ch : s) {
    int d = 0;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    else return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

/// 3 significant digits below 100, else no decimals: "0.00153", "12.5", "1446".
std::string sig3(double v) { return std::fabs(v) >= 100 ? fmt::format("{:.0f}", v) : fmt::format("{:.3g}", v); }

/// "5.27 GB", "812 kB", "36 B" (decimal units, 3 significant digits).
std::string bytes_text(std::uint64_t b) {
  const double v = static_cast<double>(b);
  if (v >= 1e9) return fmt::format("{:.3g} GB", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.3g} MB", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.3g} kB", v / 1e3);
  return fmt::format("{} B", b);
}

std::string percent(std::int64_t part, std::int64_t whole) {
  return fmt::format("{:.1f} %", whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
}

}  // namespace

StatusReport compute_status(const Campaign& c, const std::map<std::uint64_t, CommitSummary>& committed,
                            const std::set<std::uint64_t>& checkpoints, int ranks, double gflops) {
  StatusReport r;
  r.name = c.name;
  r.family = c.family;
  r.campaign_hash = c.hash;
  r.total = static_cast<std::int64_t>(c.tasks.size());
  r.ranks = std::max(0, ranks);
  const std::vector<TaskEstimate> est = estimate_tasks(c, gflops);
  std::unordered_map<std::uint64_t, std::size_t> row;
  row.reserve(c.tasks.size());
  for (std::size_t i = 0; i < c.tasks.size(); ++i) row.emplace(c.tasks[i].key, i);

  double real_s = 0.0;
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    const auto it = committed.find(c.tasks[i].key);
    if (it == committed.end()) {
      if (checkpoints.count(c.tasks[i].key)) ++r.in_flight;
      else ++r.pending;
      r.est_remaining_seconds += est[i].seconds;
      r.longest_remaining_seconds = std::max(r.longest_remaining_seconds, est[i].seconds);
      continue;
    }
    const CommitSummary& s = it->second;
    ++r.done;
    r.est_done_seconds += est[i].seconds;
    real_s += s.train_seconds;
    if (!s.decoded) continue;
    if (s.status == Status::diverged) ++r.diverged;
    if (s.status == Status::aborted) ++r.aborted;
    if (s.learned) ++r.learned;
    switch (s.net_class) {
      case NetClass::fail: ++r.cls_fail; break;
      case NetClass::lc: ++r.cls_lc; break;
      case NetClass::sp: ++r.cls_sp; break;
      case NetClass::unstable: ++r.cls_unstable; break;
    }
  }
  for (const auto& [key, s] : committed)
    if (!row.count(key)) ++r.unknown_commits;
  for (const auto key : checkpoints) {
    if (!row.count(key)) ++r.unknown_checkpoints;
    else if (committed.count(key)) ++r.stale_checkpoints;
  }
  if (r.unknown_commits > 0)
    r.warnings.push_back(fmt::format("{} committed record(s) belong to no task of this campaign (ignored)",
                                     r.unknown_commits));
  if (r.unknown_checkpoints > 0)
    r.warnings.push_back(fmt::format("{} checkpoint(s) belong to no task of this campaign (ignored)",
                                     r.unknown_checkpoints));

  r.core_hours = real_s / 3600.0;
  r.speed_ratio = CostCalibration{real_s, r.est_done_seconds}.ratio();
  if (r.core_hours > 0) r.networks_per_core_hour = static_cast<double>(r.done) / r.core_hours;
  r.networks_per_hour = r.ranks > 0 ? r.networks_per_core_hour * r.ranks : 0.0;
  r.remaining_core_hours = r.est_remaining_seconds * r.speed_ratio / 3600.0;
  // The same arithmetic as `run`'s progress line (campaign/cost.hpp).
  r.eta_seconds = r.remaining() == 0 ? 0.0
                                     : calibrated_eta(r.est_remaining_seconds, r.longest_remaining_seconds,
                                                      r.speed_ratio, r.ranks);
  return r;
}

std::set<std::uint64_t> checkpoint_keys(const std::string& ckpt_dir) {
  std::set<std::uint64_t> keys;
  std::error_code ec;
  if (!fs::is_directory(ckpt_dir, ec)) return keys;
  for (const auto& e : fs::directory_iterator(ckpt_dir, ec)) {
    if (e.path().extension() != ".ckpt") continue;
    std::uint64_t k = 0;
    if (parse_hex64(e.path().stem().string(), k)) keys.insert(k);
  }
  return keys;
}

int last_session_ranks(const std::string& dir, std::int64_t sessions) {
  for (std::int64_t s = sessions; s >= 1; --s) {
    std::ifstream in(fmt::format("{}/logs/s{:04d}-r{:05d}.log", dir, s, 0));
    if (!in) continue;
    int ranks = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"event\":\"run_start\"") == std::string::npos) continue;
      const auto p = line.find("\"ranks\":");
      if (p != std::string::npos) ranks = std::atoi(line.c_str() + p + 8);
    }
    if (ranks > 0) return ranks;
  }
  return 0;
}

StatusReport read_status(const std::string& dir, int ranks, double gflops) {
  const RunPaths p{dir};
  const RunCampaign rc = open_run_dir(p);
  const Manifest& m = rc.manifest;
  const Campaign& c = rc.campaign;
  // The journal indexes give every summary; only records past an index (or
  // of a journal without one) are read and decoded. Nothing is written.
  const JournalIndex idx = index_journals(p, {.summarize = true});
  std::map<std::uint64_t, CommitSummary> committed;
  for (const auto& [key, ref] : idx.committed) {
    CommitSummary s;
    s.decoded = ref.summarized;
    if (ref.summarized) {
      s.status = ref.summary.status;
      s.net_class = ref.summary.net_class;
      s.learned = ref.summary.learned;
      s.train_seconds = ref.summary.train_seconds;
    }
    committed.emplace(key, s);
  }

  const int P = ranks > 0 ? ranks : last_session_ranks(dir, m.sessions);
  StatusReport r = compute_status(c, committed, checkpoint_keys(p.ckpt_dir()), P, gflops);
  r.has_classes = c.base.family->schema().has_classes;  // else learned / not learned only
  r.dir = dir;
  r.code_version = m.code_version;
  r.created = m.created;
  r.sessions = m.sessions;
  r.torn = idx.torn;
  r.duplicates = idx.duplicates;
  r.journal_files = idx.files;
  r.from_index = idx.from_index;
  r.from_journal = idx.from_journal;
  r.journal_bytes = idx.journal_bytes;
  r.read_bytes = idx.read_bytes;
  r.index_missing = idx.index_missing;
  r.index_stale = idx.index_stale;
  std::vector<std::string> w;
  if (m.campaign_hash != c.hash)
    w.push_back(fmt::format("{}: campaign hash {} differs from the manifest's {} (campaign.yaml edited by hand?)",
                            p.campaign(), c.hash, m.campaign_hash));
  if (m.grid_size != r.total)
    w.push_back(fmt::format("manifest grid_size {} differs from the {} tasks of campaign.yaml", m.grid_size,
                            r.total));
  if (idx.duplicates > 0)
    w.push_back(fmt::format("{} task(s) committed more than once (must be 0): please report this", idx.duplicates));
  if (idx.torn > 0)
    w.push_back(fmt::format("{} journal file(s) end in a torn record (a crash during an append; that task "
                            "was not committed and will run again)",
                            idx.torn));
  for (const auto& s : idx.warnings) w.push_back(s);
  w.insert(w.end(), r.warnings.begin(), r.warnings.end());
  r.warnings = std::move(w);
  return r;
}

std::string format_status(const StatusReport& r) {
  std::string o;
  auto row = [&o](std::string_view label, const std::string& value) {
    o += fmt::format("  {:<20}{}\n", label, value);
  };
  o += fmt::format("memphase status: {}: campaign '{}' ({}), family {}, {} session(s), code {}\n", r.dir, r.name,
                   r.campaign_hash, r.family, r.sessions, r.code_version);
  row("tasks", fmt::format("{}", r.total));
  row("done", fmt::format("{} ({}){}", r.done, percent(r.done, r.total), r.complete() ? ", complete" : ""));
  row("in flight", fmt::format("{} (checkpointed, not committed)", r.in_flight));
  row("pending", fmt::format("{}", r.pending));
  row("outcomes", fmt::format("diverged {}, aborted {}", r.diverged, r.aborted));
  if (r.has_classes)
    row("classes", fmt::format("fail {}, LC {}, SP {}, unstable {}", r.cls_fail, r.cls_lc, r.cls_sp,
                               r.cls_unstable));
  row("learned", fmt::format("{} of {} done", r.learned, r.done));
  row("core-hours spent", sig3(r.core_hours));
  row("speed", fmt::format("{:.3g} real/estimated time (cost model {})", r.speed_ratio,
                           r.done > 0 ? "calibrated on the committed tasks" : "uncalibrated: nothing done yet"));
  if (r.ranks > 0)
    row("throughput", fmt::format("{} networks per hour at {} ranks ({} per core-hour)", sig3(r.networks_per_hour),
                                  r.ranks, sig3(r.networks_per_core_hour)));
  else
    row("throughput", fmt::format("{} networks per core-hour", sig3(r.networks_per_core_hour)));
  row("remaining", fmt::format("{} tasks, about {} core-hours", r.remaining(), sig3(r.remaining_core_hours)));
  if (r.remaining() == 0) row("ETA", "none: every task is committed");
  else if (r.ranks > 0) row("ETA", fmt::format("{} at {} ranks", format_duration(r.eta_seconds), r.ranks));
  else row("ETA", "unknown (no run has logged its rank count; pass --ranks P)");
  row("journals", fmt::format("{} file(s), {}; {} record(s) from their indexes, {} read from the journals ({})",
                              r.journal_files, bytes_text(r.journal_bytes), r.from_index, r.from_journal,
                              bytes_text(r.read_bytes)));
  if (r.index_missing > 0)
    o += fmt::format("  note: {} journal(s) have no index and were read in full; `memphase status --reindex {}` "
                     "(or the next `memphase run` on it) builds them\n",
                     r.index_missing, r.dir);
  for (const auto& w : r.warnings) o += fmt::format("  warning: {}\n", w);
  return o;
}

std::string status_to_json(const StatusReport& r) {
  using detail::json_number;
  using detail::json_quote;
  std::string o = "{";
  o += fmt::format("\"dir\":{},\"name\":{},\"family\":{},\"campaign_hash\":{},\"code_version\":{},\"sessions\":{}",
                   json_quote(r.dir), json_quote(r.name), json_quote(r.family), json_quote(r.campaign_hash),
                   json_quote(r.code_version), r.sessions);
  o += fmt::format(",\"total\":{},\"done\":{},\"in_flight\":{},\"pending\":{},\"remaining\":{},\"complete\":{}",
                   r.total, r.done, r.in_flight, r.pending, r.remaining(), r.complete());
  o += fmt::format(",\"diverged\":{},\"aborted\":{},\"class_fail\":{},\"class_lc\":{},\"class_sp\":{},"
                   "\"class_unstable\":{}",
                   r.diverged, r.aborted, r.cls_fail, r.cls_lc, r.cls_sp, r.cls_unstable);
  o += fmt::format(",\"learned\":{},\"has_classes\":{}", r.learned, r.has_classes);
  o += fmt::format(",\"core_hours\":{},\"speed_ratio\":{},\"ranks\":{},\"networks_per_core_hour\":{},"
                   "\"networks_per_hour\":{},\"remaining_core_hours\":{},\"eta_seconds\":{}",
                   json_number(r.core_hours), json_number(r.speed_ratio), r.ranks,
                   json_number(r.networks_per_core_hour), json_number(r.networks_per_hour),
                   json_number(r.remaining_core_hours), json_number(r.eta_seconds));
  o += fmt::format(",\"journal_files\":{},\"from_index\":{},\"from_journal\":{},\"journal_bytes\":{},"
                   "\"read_bytes\":{},\"index_missing\":{},\"index_stale\":{}",
                   r.journal_files, r.from_index, r.from_journal, r.journal_bytes, r.read_bytes, r.index_missing,
                   r.index_stale);
  o += fmt::format(",\"torn\":{},\"duplicates\":{},\"unknown_commits\":{},\"stale_checkpoints\":{},"
                   "\"unknown_checkpoints\":{},\"warnings\":[",
                   r.torn, r.duplicates, r.unknown_commits, r.stale_checkpoints, r.unknown_checkpoints);
  for (std::size_t i = 0; i < r.warnings.size(); ++i) {
    if (i > 0) o += ',';
    o += json_quote(r.warnings[i]);
  }
  o += "]}";
  return o;
}

}  // namespace memphase
