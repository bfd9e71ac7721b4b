#pragma once
// `memphase status DIR`: progress of a campaign from its durable state only:
// the manifest, the canonical campaign text (DIR/campaign.yaml), the journals
// (committed results, through their indexes: io/journal_index.hpp) and the
// checkpoint directory. No MPI; safe to run while a job is writing to DIR: it
// takes no lock, writes nothing, and counts only committed records.
//
// A task is
//   done      : committed in a journal (diverged and aborted networks are done
//               too: they are recorded outcomes);
//   in flight : not committed, with a checkpoint in DIR/ckpt;
//   pending   : neither.
// Time estimates use the scheduler's cost model (see campaign/plan.hpp),
// scaled by the observed ratio real/estimated time of the committed tasks.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/campaign.hpp"
#include "core/types.hpp"

namespace memphase {

/// What status needs of one committed TaskResult.
struct CommitSummary {
  Status status = Status::done;
  NetClass net_class = NetClass::fail;
  double train_seconds = 0.0;  ///< wall time of its training loop (one core)
  bool decoded = true;         ///< false: the record could not be decoded (a warning says why)
  bool learned = false;        ///< cls.learned
};

struct StatusReport {
  std::string dir, name, family, campaign_hash, code_version, created;
  std::int64_t sessions = 0;

  std::int64_t total = 0;      ///< tasks of the campaign
  std::int64_t done = 0;       ///< committed
  std::int64_t in_flight = 0;  ///< checkpoint present, not committed
  std::int64_t pending = 0;    ///< neither
  std::int64_t diverged = 0, aborted = 0;  ///< among done (Status)
  std::int64_t cls_fail = 0, cls_lc = 0, cls_sp = 0, cls_unstable = 0;  ///< among decoded done
  std::int64_t learned = 0;    ///< among decoded done (cls.learned)
  bool has_classes = true;     ///< false for toy / ghost / WCRNN families (learned only)

  double core_hours = 0.0;             ///< spent: sum of train_seconds of committed tasks / 3600
  double est_done_seconds = 0.0;       ///< cost-model estimate of the committed tasks
  double est_remaining_seconds = 0.0;  ///< ... of in-flight + pending tasks (in full)
  double longest_remaining_seconds = 0.0;
  double speed_ratio = 1.0;            ///< real / estimated over committed tasks (1 before any)
  int ranks = 0;                       ///< for the ETA: --ranks, else the last session's; 0 unknown
  double networks_per_core_hour = 0.0; ///< done / core_hours
  double networks_per_hour = 0.0;      ///< at `ranks` ranks (0 if unknown)
  double remaining_core_hours = 0.0;   ///< est_remaining * speed_ratio / 3600
  /// ETA in seconds at `ranks` ranks: max(remaining/P, longest remaining task),
  /// both scaled by speed_ratio; NaN when `ranks` is unknown.
  double eta_seconds = 0.0;

  std::size_t journal_files = 0;
  std::size_t from_index = 0;       ///< committed records listed by journal indexes
  std::size_t from_journal = 0;     ///< ... read from the journals (past an index, or without one)
  std::uint64_t journal_bytes = 0;  ///< size of all journals
  std::uint64_t read_bytes = 0;     ///< journal bytes read (not covered by an index)
  std::size_t index_missing = 0;    ///< journals without an index (read in full)
  std::size_t index_stale = 0;      ///< journals whose index did not match (read in full; a warning)

  std::size_t torn = 0;        ///< journal files with a torn tail (a crash mid-append; harmless)
  std::size_t duplicates = 0;  ///< tasks committed more than once: must be 0
  std::int64_t unknown_commits = 0;      ///< committed keys that are not tasks of the campaign
  std::int64_t stale_checkpoints = 0;    ///< checkpoints of already committed tasks
  std::int64_t unknown_checkpoints = 0;  ///< checkpoints of keys not in the campaign
  std::vector<std::string> warnings;

  std::int64_t remaining() const { return total - done; }
  bool complete() const { return total > 0 && done == total; }
};

/// Pure: counts and estimates from the campaign's task list, the committed
/// results by task key, and the keys that have a checkpoint. `ranks` <= 0
/// leaves the ETA unknown. `gflops` <= 0 uses effective_gflops().
StatusReport compute_status(const Campaign& c, const std::map<std::uint64_t, CommitSummary>& committed,
                            const std::set<std::uint64_t>& checkpoints, int ranks, double gflops = 0.0);

/// Keys of DIR/ckpt/<16 hex>.ckpt files (other files are ignored).
std::set<std::uint64_t> checkpoint_keys(const std::string& ckpt_dir);

/// Number of ranks of the newest session that logged a run start
/// (DIR/logs/s<S>-r00000.log, event run_start); 0 if none is found.
int last_session_ranks(const std::string& dir, std::int64_t sessions);

/// Reads everything from DIR and computes the report: read_manifest (throws
/// CampaignError naming DIR if it is not a campaign directory),
/// parse_campaign(DIR/campaign.yaml), index_journals (summaries from the
/// journal indexes; only records past them are decoded), checkpoint_keys.
/// Journal diagnostics (torn tails, duplicate commits, stale indexes,
/// manifest/campaign mismatches) become warnings. `ranks` <= 0: the last
/// session's rank count. Writes nothing.
StatusReport read_status(const std::string& dir, int ranks = 0, double gflops = 0.0);

/// Human report (several lines, ends with '\n'); warnings are included.
std::string format_status(const StatusReport& r);
/// One line of JSON (no trailing newline). "remaining" is total - done, so
/// job scripts can test for 0.
std::string status_to_json(const StatusReport& r);

}  // namespace memphase
