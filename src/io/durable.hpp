#pragma once
// Crash-safe files of a run directory (POSIX):
//  * atomic_write: temp file in the same directory, fsync, rename, fsync dir;
//  * checkpoints: one atomically replaced file per in-flight task, framed with
//    a magic, a format version, the task key and an XXH64 checksum;
//  * journals: append-only files of committed records, each
//      [magic u32][version u32][key u64][len u64][payload][xxh64 u64][commit u32]
//    fsync'd after every append. A reader trusts only complete records whose
//    checksum and commit marker verify; it stops at the first torn record.
//    Readers stream a journal record by record (memory: one record), and can
//    start at any record boundary (the end of what a journal index covers,
//    io/journal_index.hpp).
//  * RunLock: an exclusive flock(2) on DIR/lock, released by the kernel when
//    the holder dies, so a lock left by a crashed run is never stale.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memphase {

/// Writes bytes to path atomically. Throws IoError naming the path and errno.
void atomic_write(const std::string& path, std::string_view bytes);

/// Reads a whole file; throws IoError if it cannot be read.
std::string read_file(const std::string& path);

/// fsyncs a directory (after creating/renaming/removing entries in it).
void fsync_dir(const std::string& dir);

/// Creates a directory and its parents (mkdir -p); IoError if a component is
/// not a directory.
void make_dirs(const std::string& dir);

/// Checkpoint framing. `key` identifies the task; load returns nullopt (and
/// fills *why) when the file is missing, truncated, for another key, or fails
/// its checksum, so the caller can warn and fall back. The frame's format
/// version says how to read the payload: frame_checkpoint writes
/// kCheckpointFormat (2: [epoch i64][runner state], rundir/run_dir.hpp);
/// unframe_checkpoint also accepts format 1 (checkpoints of memphase up to
/// release f4f7089, whose payload only the task's family can read) and
/// reports the format in *format.
inline constexpr std::uint32_t kCheckpointFormat = 2;
std::string frame_checkpoint(std::uint64_t key, std::string_view payload);
std::optional<std::string> unframe_checkpoint(std::string_view file, std::uint64_t key,
                                              std::string* why, std::uint32_t* format = nullptr);

/// Bytes a journal frame adds to its payload: header (magic, version, key,
/// len: 24) and trailer (xxh64, commit marker: 12).
inline constexpr std::uint64_t kJournalFrameOverhead = 36;

/// Where a journal record lies: its frame [offset, offset + size) and the
/// frame's XXH64 (the checksum stored in its trailer, over header + payload).
struct FrameInfo {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint64_t hash = 0;
};

/// One committed journal record.
struct JournalRecord {
  std::uint64_t key = 0;
  std::string payload;
  std::string file;          ///< journal it came from
  std::uint64_t offset = 0;  ///< byte offset of the record in that file
  std::uint64_t size = 0;    ///< frame bytes (payload + kJournalFrameOverhead)
  std::uint64_t hash = 0;    ///< the frame's XXH64
};

/// Appends committed records to one journal file (opened O_APPEND).
class JournalWriter {
 public:
  explicit JournalWriter(std::string path);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  /// Appends and fsyncs one record; returns only when it is durable, with
  /// the place of its frame in the file.
  FrameInfo append(std::uint64_t key, std::string_view payload);

  /// For fault injection: writes only the first `bytes` bytes of a record
  /// (a torn append), fsyncs, and returns.
  void append_torn(std::uint64_t key, std::string_view payload, std::size_t bytes);

  const std::string& path() const { return path_; }
  /// Bytes in the file: its size when opened plus everything appended since
  /// (this writer is the file's only writer).
  std::uint64_t size() const { return size_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

/// Statistics of a journal scan.
struct JournalScan {
  std::size_t records = 0;     ///< committed records seen
  std::size_t torn_files = 0;  ///< files with an incomplete/corrupt tail
  std::vector<std::string> warnings;
};

/// Reads every committed record of one file from byte `from` on (0, or the
/// end of a record), calling visit(record) in order. Streams the file: memory
/// is one record, whatever the journal's size. Reads up to the size the file
/// had when the scan started; a record being appended meanwhile is a torn
/// tail for this scan.
JournalScan scan_journal(const std::string& path, const std::function<void(JournalRecord&&)>& visit,
                         std::uint64_t from = 0);

/// Cheap identity check of one record without reading its payload: the
/// header at `f.offset` (magic, version, `key`, payload length f.size - 36)
/// and the trailer at f.offset + f.size - 12 (checksum f.hash, commit
/// marker). False with *why set if either differs or cannot be read.
bool journal_frame_matches(const std::string& file, const FrameInfo& f, std::uint64_t key, std::string* why);

/// Reads the payload of the record at `offset` of `file` and verifies it.
std::string read_journal_record(const std::string& file, std::uint64_t offset, std::uint64_t key);

/// Exclusive lock on a run directory, held for the object's lifetime.
class RunLock {
 public:
  /// Throws CampaignError naming the holder (host, pid, start time) when
  /// another live process holds the lock.
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace memphase
