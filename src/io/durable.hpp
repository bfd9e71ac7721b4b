#pragma once
// Crash-safe files of a run directory (POSIX):
//  * atomic_write: temp file in the same directory, fsync, rename, fsync dir;
//  * checkpoints: one atomically replaced file per in-flight task, framed with
//    a magic, a format version, the task key and an XXH64 checksum;
//  * journals: append-only files of committed records, each
//      [magic u32][version u32][key u64][len u64][payload][xxh64 u64][commit u32]
//    fsync'd after every append. A reader trusts only complete records whose
//    checksum and commit marker verify; it stops at the first torn record.
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
/// its checksum, so the caller can warn and fall back.
std::string frame_checkpoint(std::uint64_t key, std::string_view payload);
std::optional<std::string> unframe_checkpoint(std::string_view file, std::uint64_t key,
                                              std::string* why);

/// One committed journal record.
struct JournalRecord {
  std::uint64_t key = 0;
  std::string payload;
  std::string file;          ///< journal it came from
  std::uint64_t offset = 0;  ///< byte offset of the record in that file
};

/// Appends committed records to one journal file (opened O_APPEND).
class JournalWriter {
 public:
  explicit JournalWriter(std::string path);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  /// Appends and fsyncs one record; returns only when it is durable.
  void append(std::uint64_t key, std::string_view payload);

  /// For fault injection: writes only the first `bytes` bytes of a record
  /// (a torn append), fsyncs, and returns.
  void append_torn(std::uint64_t key, std::string_view payload, std::size_t bytes);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

/// Statistics of a journal scan.
struct JournalScan {
  std::size_t records = 0;     ///< committed records seen
  std::size_t torn_files = 0;  ///< files with an incomplete/corrupt tail
  std::vector<std::string> warnings;
};

/// Reads every committed record of one file, calling visit(record) in order.
/// With `headers_only`, payloads are not copied (record.payload stays empty)
/// but still verified.
JournalScan scan_journal(const std::string& path, const std::function<void(JournalRecord&&)>& visit);

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
