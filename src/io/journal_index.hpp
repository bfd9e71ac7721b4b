#pragma once
// Journal indexes: DIR/journal/s<S>-r<R>.idx beside each journal
// s<S>-r<R>.log. A journal record is the whole TaskResult (~87 KB for a rate
// RNN of N = 100 with both weight sets); its index entry is the 80 bytes that
// `status`, `run`'s resume, `gather`'s layout and the ETA need. Reading the
// indexes of a 63,000-task campaign reads 5 MB instead of 5.5 GB.
//
// The index is derived; the journal stays the truth. An index covers a prefix
// of its journal, [0, covered), identified by its size and its checksum: the
// chained check of its last entry, which chains the XXH64 of every record of
// the prefix (each of which covers that record's bytes). A reader
//   * takes the entries whose chained checks verify and that tile the
//     journal from offset 0 without a gap (a torn index: the valid prefix);
//   * checks that the journal still holds that prefix: it is at least
//     `covered` bytes long and its first and last indexed records are the
//     ones listed (header and checksum, two preads each);
//   * reads the journal from `covered` on, verifying every record, exactly
//     like a reader without an index;
//   * ignores an index that fails these checks (stale) and reads the whole
//     journal instead.
// So an index never makes a reader count a record that is not committed in
// the journal, and a missing, torn or stale index costs time, not results.
//
// Writers (no reader ever writes):
//   * the rank that owns the journal appends one entry after each commit,
//     once the record is durable (JournalIndexWriter, not fsync'd: a lost or
//     torn entry only makes readers read that record from the journal);
//   * `run` rebuilds the index of every journal of earlier sessions that is
//     not current, on rank 0 under the run lock at start-up, and `status
//     --reindex` does the same under the lock (campaign/run_dir.hpp); both
//     replace the file atomically (io/durable.hpp atomic_write).
//
// File layout (little-endian):
//   header  [magic u32 "MPIX"][version u32 = 1][entry size u32 = 80][0 u32]
//           [XXH64 of the journal's file name u64][XXH64 of the 24 bytes before u64]
//   entry   [key u64][offset u64][frame bytes u64][frame XXH64 u64]
//           [train_seconds f64][psd_ratio f64][epochs_run i64][curve_epochs i64]
//           [status i8][class i8][flags u8: 1 learned, 2 stable, 4 extras][0 x5]
//           [check u64 = XXH64 of the 72 bytes before, seeded with the previous
//            entry's check (the header's for the first)]
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace memphase {

/// What status, plan, resume and gather need of one committed TaskResult.
struct RecordSummary {
  double train_seconds = 0.0;  ///< wall time of the training loop (one core)
  double psd_ratio = std::numeric_limits<double>::quiet_NaN();
  std::int64_t epochs_run = 0;
  /// curve_epochs(result): campaign.h5 keeps kept_count(curve_epochs,
  /// record_every) curve points of this task.
  std::int64_t curve_epochs = 0;
  Status status = Status::done;
  NetClass net_class = NetClass::fail;
  bool learned = false;
  bool stable = true;
  bool extras = false;  ///< has an extras block (ghost / WCRNN): gather decodes it for the layout
};

/// The summary of a finished result (as committed: curve_epochs is the same
/// for the dense result and for its thinned record).
RecordSummary summarize(const TaskResult& r);
/// Decodes a journal payload (a TaskResult) and summarizes it; IoError
/// naming `what` if it does not decode.
RecordSummary summarize_payload(std::string_view payload, const std::string& what);

/// One committed journal record as an index lists it.
struct IndexedRecord {
  std::uint64_t key = 0;
  std::uint64_t offset = 0;  ///< of its frame in the journal
  std::uint64_t size = 0;    ///< frame bytes
  std::uint64_t hash = 0;    ///< the frame's XXH64 (the checksum in its trailer)
  RecordSummary summary;
  /// False for a record read from a journal without decoding it, or one that
  /// does not decode (the summary is then unknown).
  bool summarized = true;
};

/// DIR/journal/s0001-r00000.log -> DIR/journal/s0001-r00000.idx.
std::string index_path_of(const std::string& journal);

/// How an index related to its journal when a reader looked.
enum class IndexState : std::int8_t {
  current,  ///< covers every committed record of the journal
  behind,   ///< intact, but committed records follow it (a job is appending, or died between a commit and its entry)
  torn,     ///< an entry fails its check (a crash or a read racing an append): its valid prefix was used
  stale,    ///< does not describe this journal (size or boundary records differ): ignored
  missing,  ///< no index (a journal written before indexes existed, or by hand)
};
std::string_view to_string(IndexState s);

/// The committed records of one journal, as a reader found them.
struct JournalView {
  std::string journal;
  std::vector<IndexedRecord> records;  ///< in file order
  std::size_t indexed = 0;             ///< records[0, indexed) came from the index
  std::uint64_t covered = 0;           ///< journal bytes the (valid part of the) index covers
  std::uint64_t size = 0;              ///< journal bytes when it was read
  std::uint64_t chain = 0;             ///< check of the last valid index entry (of the header if none)
  IndexState index = IndexState::missing;
  bool torn_tail = false;              ///< the journal ends in a torn record (not committed; ignored)
  std::vector<std::string> warnings;   ///< torn tail, stale index, records that do not decode
};

/// Reads one journal through its index: the index's verified prefix, then
/// every record after it, verified (and decoded for its summary when
/// `summarize_tail`; else those records have summarized = false). Never
/// writes. Throws IoError only when the journal cannot be read.
JournalView read_journal_view(const std::string& journal, bool summarize_tail = true);

/// The bytes of the index of `journal` listing `records`, which must tile the
/// journal from offset 0 (a view's records, up to the first one that is not
/// summarized).
std::string encode_index(const std::string& journal, const std::vector<IndexedRecord>& records);

/// Replaces the index of view.journal by one covering view.records (up to
/// the first record without a summary), atomically. Only for a process that
/// no other process can be appending to the journal against: its owner, or
/// the holder of the run lock for journals of earlier sessions.
void write_index(const JournalView& view);

/// Appends the entries of a journal that this process writes. Opening it
/// starts a new index for an empty journal and, for a journal that already
/// holds records, keeps a current index or rebuilds it first.
class JournalIndexWriter {
 public:
  /// `journal_size`: the journal's size now (JournalWriter::size()).
  JournalIndexWriter(std::string journal, std::uint64_t journal_size) noexcept;
  ~JournalIndexWriter();
  JournalIndexWriter(const JournalIndexWriter&) = delete;
  JournalIndexWriter& operator=(const JournalIndexWriter&) = delete;

  /// Appends the entry of a record that is already durable in the journal.
  /// Never throws: after a failure (disk full, ...) the index stops growing,
  /// readers read the rest from the journal, and warning() says why.
  void add(const IndexedRecord& r) noexcept;

  /// Empty while the index is being kept.
  const std::string& warning() const { return warning_; }

 private:
  void disable(std::string why) noexcept;

  std::string journal_, path_;
  int fd_ = -1;
  std::uint64_t chain_ = 0;
  std::string warning_;
};

}  // namespace memphase
