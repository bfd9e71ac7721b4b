#include "rundir/run_dir.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <set>
#include <sstream>
#include <tuple>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/version.hpp"
#include "families/registry.hpp"
#include "plugin/family.hpp"
#include "io/durable.hpp"

namespace memphase {

namespace fs = std::filesystem;

namespace {


std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string line; std::getline(is, line);) out.push_back(line);
  return out;
}

/// "key: value" -> key (everything before the first ": "), else the line.
std::string key_of(const std::string& line) {
  const auto p = line.find(": ");
  return p == std::string::npos ? line : line.substr(0, p);
}

}  // namespace

std::string RunPaths::journal(std::int64_t session, int rank) const {
  return fmt::format("{}/s{:04d}-r{:05d}.log", journal_dir(), session, rank);
}

std::string RunPaths::checkpoint(std::uint64_t key) const {
  return fmt::format("{}/{}.ckpt", ckpt_dir(), hex64(key));
}

Manifest make_manifest(const Campaign& c) {
  Manifest m;
  m.name = c.name;
  m.family = c.family;
  m.campaign_hash = c.hash;
  m.code_version = std::string(code_version_string());
  m.git_describe = std::string(code_version().git_describe);
  m.dirty = code_version().dirty;
  m.build_type = std::string(code_version().build_type);
  m.grid_size = static_cast<std::int64_t>(c.tasks.size());
  m.created = utc_now_iso();
  return m;
}

std::string manifest_to_yaml(const Manifest& m) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "memphase_manifest" << YAML::Value << 1;
  e << YAML::Key << "name" << YAML::Value << m.name;
  e << YAML::Key << "family" << YAML::Value << m.family;
  e << YAML::Key << "campaign_hash" << YAML::Value << m.campaign_hash;
  e << YAML::Key << "grid_size" << YAML::Value << m.grid_size;
  e << YAML::Key << "code_version" << YAML::Value << m.code_version;
  e << YAML::Key << "git_describe" << YAML::Value << m.git_describe;
  e << YAML::Key << "dirty" << YAML::Value << m.dirty;
  e << YAML::Key << "build_type" << YAML::Value << m.build_type;
  e << YAML::Key << "sessions" << YAML::Value << m.sessions;
  e << YAML::Key << "created" << YAML::Value << m.created;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

Manifest read_manifest(const RunPaths& p) {
  if (!fs::is_directory(p.dir))
    throw CampaignError(fmt::format("{}: not a campaign directory (it does not exist or is not a directory)", p.dir));
  if (!fs::exists(p.manifest()))
    throw CampaignError(fmt::format("{}: not a campaign directory (no manifest.yaml)", p.dir));
  try {
    const YAML::Node n = YAML::Load(read_file(p.manifest()));
    if (!n["memphase_manifest"])
      throw CampaignError(fmt::format("{}: not a memphase manifest", p.manifest()));
    Manifest m;
    m.name = n["name"].as<std::string>();
    m.family = n["family"].as<std::string>();
    m.campaign_hash = n["campaign_hash"].as<std::string>();
    m.grid_size = n["grid_size"].as<std::int64_t>();
    m.code_version = n["code_version"].as<std::string>();
    m.git_describe = n["git_describe"].as<std::string>();
    m.dirty = n["dirty"].as<bool>();
    m.build_type = n["build_type"].as<std::string>();
    m.sessions = n["sessions"].as<std::int64_t>();
    m.created = n["created"].as<std::string>();
    return m;
  } catch (const YAML::Exception& e) {
    throw CampaignError(fmt::format("{}: corrupt manifest ({})", p.manifest(), e.what()));
  }
}

std::string diff_canonical(const std::string& old_text, const std::string& new_text) {
  const auto a = split_lines(old_text), b = split_lines(new_text);
  std::map<std::string, std::string> ma, mb;
  for (const auto& l : a) ma[key_of(l)] = l;
  for (const auto& l : b) mb[key_of(l)] = l;
  std::string out;
  for (const auto& [k, l] : ma) {
    auto it = mb.find(k);
    if (it == mb.end()) out += fmt::format("  - {}\n", l);
    else if (it->second != l) out += fmt::format("  {} -> {}\n", l, it->second.substr(std::min(it->second.size(), k.size() + 2)));
  }
  for (const auto& [k, l] : mb)
    if (!ma.count(k)) out += fmt::format("  + {}\n", l);
  return out;
}

bool is_grid_superset(const Campaign& old_c, const Campaign& new_c) {
  std::set<std::uint64_t> keys;
  for (const auto& t : new_c.tasks) keys.insert(t.key);
  for (const auto& t : old_c.tasks)
    if (!keys.count(t.key)) return false;
  return true;
}

std::int64_t prepare_run_dir(const RunPaths& p, const Campaign& c, bool extend, bool ignore_version) {
  if (fs::exists(p.dir) && !fs::is_directory(p.dir))
    throw CampaignError(fmt::format("--out {}: is a file, not a directory", p.dir));
  make_dirs(p.dir);
  make_dirs(p.journal_dir());
  make_dirs(p.ckpt_dir());
  make_dirs(p.log_dir());
  Manifest now = make_manifest(c);
  if (fs::exists(p.manifest())) {
    const Manifest old = read_manifest(p);
    if (old.campaign_hash != c.hash) {
      const std::string old_text = read_file(p.campaign());
      const std::string diff = diff_canonical(old_text, c.canonical);
      if (!extend)
        throw CampaignError(fmt::format(
            "{}: refusing to resume: the campaign config changed since this directory was "
            "created ({} -> {}). Changed keys:\n{}Run with the original config, use a new --out "
            "directory, or pass --extend if only the grid grew.",
            p.dir, old.campaign_hash, c.hash, diff));
      // --extend: the old campaign must be a subset of the new one.
      Campaign old_c = parse_campaign(old_text, p.campaign());
      if (!is_grid_superset(old_c, c))
        throw CampaignError(fmt::format(
            "{}: --extend needs a config whose grid is a superset of the original and whose "
            "other settings are unchanged; changed keys:\n{}",
            p.dir, diff));
    }
    const bool version_changed = old.git_describe != now.git_describe || old.dirty != now.dirty ||
                                 old.build_type != now.build_type;
    if (version_changed && !ignore_version)
      throw CampaignError(fmt::format(
          "{}: refusing to resume with a different code version: directory was created by "
          "'{}', this binary is '{}'. Results would not be bit-identical; rebuild that version, "
          "or pass --ignore-version to accept mixing.",
          p.dir, old.code_version, now.code_version));
    now.created = old.created;
    now.sessions = old.sessions;
  }
  now.sessions += 1;
  atomic_write(p.campaign(), c.canonical);
  atomic_write(p.manifest(), manifest_to_yaml(now));
  return now.sessions;
}

JournalIndex index_journals(const RunPaths& p, const IndexOptions& opt) {
  JournalIndex idx;
  if (!fs::is_directory(p.journal_dir())) return idx;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(p.journal_dir()))
    if (e.is_regular_file() && e.path().extension() == ".log") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const JournalView v = read_journal_view(f, opt.summarize || opt.repair);
    ++idx.files;
    idx.from_index += v.indexed;
    idx.from_journal += v.records.size() - v.indexed;
    idx.journal_bytes += v.size;
    idx.read_bytes += v.size - v.covered;
    if (v.index == IndexState::missing) ++idx.index_missing;
    if (v.index == IndexState::stale) ++idx.index_stale;
    for (const IndexedRecord& r : v.records) {
      auto [it, inserted] = idx.committed.try_emplace(r.key, CommittedRef{f, r.offset, r.summary, r.summarized});
      if (!inserted) ++idx.duplicates;
    }
    idx.torn += v.torn_tail ? 1 : 0;
    for (const auto& w : v.warnings) idx.warnings.push_back(w);
    if (opt.repair && v.index != IndexState::current) {
      try {
        write_index(v);
        ++idx.index_rebuilt;
      } catch (const IoError& e) {
        idx.warnings.push_back(fmt::format("cannot rebuild a journal index: {}", e.what()));
      }
    }
  }
  return idx;
}

JournalIndex reindex_journals(const RunPaths& p) {
  read_manifest(p);  // CampaignError if DIR is not a campaign directory
  const RunLock lock(p.dir);
  return index_journals(p, {.summarize = true, .repair = true});
}

CommitLog::CommitLog(const std::string& journal) : journal_(journal), index_(journal, journal_.size()) {}

FrameInfo CommitLog::commit(std::uint64_t key, const TaskResult& r) {
  const FrameInfo f = journal_.append(key, encode_result(r));
  index_.add({key, f.offset, f.size, f.hash, summarize(r), true});
  return f;
}

std::vector<std::pair<std::uint64_t, CommittedRef>> in_file_order(const JournalIndex& idx) {
  std::vector<std::pair<std::uint64_t, CommittedRef>> refs(idx.committed.begin(), idx.committed.end());
  std::sort(refs.begin(), refs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.file, a.second.offset) < std::tie(b.second.file, b.second.offset);
  });
  return refs;
}

RunCampaign open_run_dir(const RunPaths& p) {
  RunCampaign rc;
  rc.manifest = read_manifest(p);
  if (!fs::exists(p.campaign()))
    throw CampaignError(fmt::format("{}: campaign directory without campaign.yaml (was it created by an "
                                    "interrupted first run?)", p.dir));
  rc.campaign = parse_campaign(read_file(p.campaign()), p.campaign());
  return rc;
}

TaskResult read_result(const CommittedRef& ref, std::uint64_t key) {
  const std::string payload = read_journal_record(ref.file, ref.offset, key);
  ByteReader r(payload, ref.file);
  TaskResult t;
  get(r, t, decode_spec);
  if (!r.done()) r.fail("trailing bytes");
  return t;
}

std::string encode_result(const TaskResult& r) {
  ByteWriter w;
  put_committed(w, r);
  return w.take();
}

void write_checkpoint(const RunPaths& p, std::uint64_t key, std::int64_t epoch, std::string_view state) {
  ByteWriter w;
  w.put(epoch);
  w.put_string(state);
  atomic_write(p.checkpoint(key), frame_checkpoint(key, w.str()));
}

std::optional<Checkpoint> load_checkpoint(const RunPaths& p, std::uint64_t key, const TaskSpec& spec,
                                          std::string* why) {
  const std::string path = p.checkpoint(key);
  if (!fs::exists(path)) return std::nullopt;
  try {
    const std::string bytes = read_file(path);
    std::uint32_t format = 0;
    auto payload = unframe_checkpoint(bytes, key, why, &format);
    if (!payload) return std::nullopt;
    Checkpoint c;
    if (format < kCheckpointFormat) {
      std::string reason;
      std::optional<std::string> state = spec.family->legacy_checkpoint(*payload, &c.epoch, &reason);
      if (!state) {
        if (why) *why = fmt::format("{}: checkpoint of format {}: {}", path, format, reason);
        return std::nullopt;
      }
      c.state = std::move(*state);
      return c;
    }
    ByteReader r(*payload, path);
    c.epoch = r.get<std::int64_t>();
    c.state = r.get_string();
    if (!r.done()) r.fail("trailing bytes");
    return c;
  } catch (const Error& e) {
    if (why) *why = e.what();
    return std::nullopt;
  }
}

void remove_checkpoint(const RunPaths& p, std::uint64_t key) {
  std::error_code ec;
  fs::remove(p.checkpoint(key), ec);
}

}  // namespace memphase
