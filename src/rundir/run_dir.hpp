#pragma once
// The run directory of a campaign and everything durable in it:
//
//   DIR/manifest.yaml      campaign hash, code version, grid size, sessions
//   DIR/campaign.yaml      canonical campaign text (compared on resume)
//   DIR/lock               flock(2) held by rank 0 of the running job
//   DIR/journal/s<S>-r<R>.log   committed results of session S, rank R
//   DIR/journal/s<S>-r<R>.idx   its index (derived; io/journal_index.hpp)
//   DIR/ckpt/<key>.ckpt    checkpoint of an in-flight task (one format for
//                          every family: the epoch and the runner's state)
//   DIR/logs/s<S>-r<R>.log structured log lines
//   DIR/campaign.h5        written by gather
//
// No MPI here: rank 0 calls these and broadcasts what others need.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/campaign.hpp"
#include "core/result.hpp"
#include "io/durable.hpp"
#include "io/journal_index.hpp"

namespace memphase {

/// What DIR/manifest.yaml records.
struct Manifest {
  std::string name, family, campaign_hash, code_version, git_describe, build_type;
  bool dirty = false;
  std::int64_t grid_size = 0;
  std::int64_t sessions = 0;  ///< run invocations so far
  std::string created;        ///< UTC ISO time
};

struct RunPaths {
  std::string dir;
  std::string manifest() const { return dir + "/manifest.yaml"; }
  std::string campaign() const { return dir + "/campaign.yaml"; }
  std::string journal_dir() const { return dir + "/journal"; }
  std::string ckpt_dir() const { return dir + "/ckpt"; }
  std::string log_dir() const { return dir + "/logs"; }
  std::string output() const { return dir + "/campaign.h5"; }
  std::string journal(std::int64_t session, int rank) const;
  std::string checkpoint(std::uint64_t key) const;
};

/// Manifest of the running binary for campaign c.
Manifest make_manifest(const Campaign& c);
std::string manifest_to_yaml(const Manifest& m);
/// Parses DIR/manifest.yaml; throws CampaignError if DIR is not a campaign.
Manifest read_manifest(const RunPaths& p);

/// Names the differences between two canonical campaign texts, one per line
/// ("train.epochs: 300 -> 400", "+ grid.seeds[3]: 3"); empty if equal.
std::string diff_canonical(const std::string& old_text, const std::string& new_text);

/// True if every task key of `old_c` is also a task of `new_c` and nothing
/// but the grid (axes, seeds) changed.
bool is_grid_superset(const Campaign& old_c, const Campaign& new_c);

/// Prepares DIR for `memphase run` on rank 0: creates it, or validates an
/// existing manifest against c (config hash, code version); with `extend`,
/// accepts a superset grid. Writes the updated manifest (sessions + 1).
/// Returns the new session number. Throws CampaignError naming what changed.
std::int64_t prepare_run_dir(const RunPaths& p, const Campaign& c, bool extend,
                             bool ignore_version);

/// Location of one committed result, and its summary when known.
struct CommittedRef {
  std::string file;
  std::uint64_t offset = 0;
  RecordSummary summary;     ///< valid when `summarized`
  bool summarized = false;   ///< from the journal's index, or decoded from the journal
};

/// Every committed record of DIR's journals: committed task key -> first
/// record. Counts of duplicate commits (must be 0) and torn tails are
/// returned for reporting, and how much the journal indexes saved.
struct JournalIndex {
  std::map<std::uint64_t, CommittedRef> committed;
  std::size_t duplicates = 0;
  std::size_t torn = 0;
  std::vector<std::string> warnings;

  std::size_t files = 0;            ///< journals read
  std::size_t from_index = 0;       ///< records listed by a journal index
  std::size_t from_journal = 0;     ///< records read from the journals themselves
  std::uint64_t journal_bytes = 0;  ///< total size of the journals
  std::uint64_t read_bytes = 0;     ///< journal bytes read past the indexes
  std::size_t index_missing = 0, index_stale = 0;  ///< journals whose index was not used at all
  std::size_t index_rebuilt = 0;    ///< indexes rewritten (IndexOptions::repair)
};

struct IndexOptions {
  /// Decode the records read from the journals themselves (past or without
  /// an index), so that every CommittedRef has a summary.
  bool summarize = false;
  /// Rewrite every index that is not current (implies summarize). Only
  /// under the run lock, before this session's ranks open their journals.
  bool repair = false;
};

/// Reads every journal of DIR through its index (io/journal_index.hpp): the
/// indexed records cost 80 bytes each, the rest is read and verified from
/// the journal. Journal files are visited in name order. Never writes unless
/// opt.repair.
JournalIndex index_journals(const RunPaths& p, const IndexOptions& opt = {});

/// `memphase status --reindex`: takes the run lock (CampaignError if a run
/// holds it) and rewrites every journal index that is not current. Returns
/// the index with index_rebuilt set.
JournalIndex reindex_journals(const RunPaths& p);

/// The journal of this rank in this session, and its index: commit()
/// appends the record and returns once it is durable, then appends its index
/// entry (best effort: see index_warning()).
class CommitLog {
 public:
  explicit CommitLog(const std::string& journal);
  FrameInfo commit(std::uint64_t key, const TaskResult& r);
  /// Non-empty once the index could not be kept; the journal is unaffected.
  const std::string& index_warning() const { return index_.warning(); }
  const std::string& path() const { return journal_.path(); }

 private:
  JournalWriter journal_;
  JournalIndexWriter index_;
};

/// Committed records ordered by (file, offset), so that decoding them reads
/// every journal sequentially.
std::vector<std::pair<std::uint64_t, CommittedRef>> in_file_order(const JournalIndex& idx);

/// The manifest and the parsed DIR/campaign.yaml of an existing campaign
/// directory (CampaignError if DIR is not one, or lacks campaign.yaml).
struct RunCampaign {
  Manifest manifest;
  Campaign campaign;
};
RunCampaign open_run_dir(const RunPaths& p);

/// Reads and decodes one committed result. Its curves are thinned
/// (result.sampling) if it was committed with record_every > 1 by a version
/// that thins, dense if it was written before.
TaskResult read_result(const CommittedRef& ref, std::uint64_t key);

/// Encodes a finished result as a journal payload: put_committed (curves
/// thinned to the epochs campaign.h5 keeps; unchanged with record_every 1).
std::string encode_result(const TaskResult& r);

/// The checkpoint of an in-flight task: the epoch (optimiser updates done)
/// it was taken at and the state its family's runner saved
/// (plugin/runner.hpp RunControl::save / resume).
struct Checkpoint {
  std::int64_t epoch = 0;
  std::string state;
};

/// Writes the checkpoint of an in-flight task atomically: frame format 2
/// (io/durable.hpp) with the payload [epoch i64][state: u64 length + bytes].
void write_checkpoint(const RunPaths& p, std::uint64_t key, std::int64_t epoch, std::string_view state);
/// Loads the checkpoint of task `key` of spec `spec`: nullopt with *why empty
/// if there is none, nullopt with *why set if it is unusable (corrupt, of
/// another task). A checkpoint of format 1 (memphase up to release f4f7089:
/// the rate RNN wrote its TrainState, the other families [epoch][state]) is
/// read by the spec's family (Family::legacy_checkpoint), so that a run
/// directory of that release resumes its in-flight tasks.
std::optional<Checkpoint> load_checkpoint(const RunPaths& p, std::uint64_t key, const TaskSpec& spec,
                                          std::string* why);
void remove_checkpoint(const RunPaths& p, std::uint64_t key);

}  // namespace memphase
