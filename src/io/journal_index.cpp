#include "io/journal_index.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/fault.hpp"
#include "core/hash.hpp"
#include "io/durable.hpp"
#include "families/registry.hpp"

namespace memphase {

namespace {

constexpr std::uint32_t kIndexMagic = 0x5849504du;  // "MPIX"
constexpr std::uint32_t kIndexVersion = 1;
constexpr std::size_t kHeader = 32;
constexpr std::size_t kEntry = 80;
constexpr std::size_t kEntryBody = kEntry - 8;  // bytes covered by an entry's check
constexpr std::uint8_t kLearned = 1, kStable = 2, kExtras = 4;

template <class T>
void put_pod(char* at, const T& v) {
  std::memcpy(at, &v, sizeof(T));
}

template <class T>
T get_pod(const char* at) {
  T v;
  std::memcpy(&v, at, sizeof(T));
  return v;
}

std::uint64_t name_hash(const std::string& journal) {
  return hash64(std::filesystem::path(journal).filename().string());
}

std::string header_bytes(const std::string& journal) {
  std::string h(kHeader, '\0');
  put_pod(h.data(), kIndexMagic);
  put_pod(h.data() + 4, kIndexVersion);
  put_pod(h.data() + 8, static_cast<std::uint32_t>(kEntry));
  put_pod(h.data() + 16, name_hash(journal));
  put_pod(h.data() + 24, hash64(h.data(), 24));
  return h;
}

/// The entry of r chained on `prev`; returns its check.
std::uint64_t encode_entry(char* e, const IndexedRecord& r, std::uint64_t prev) {
  std::memset(e, 0, kEntry);
  const RecordSummary& s = r.summary;
  put_pod(e, r.key);
  put_pod(e + 8, r.offset);
  put_pod(e + 16, r.size);
  put_pod(e + 24, r.hash);
  put_pod(e + 32, s.train_seconds);
  put_pod(e + 40, s.psd_ratio);
  put_pod(e + 48, s.epochs_run);
  put_pod(e + 56, s.curve_epochs);
  put_pod(e + 64, static_cast<std::int8_t>(s.status));
  put_pod(e + 65, static_cast<std::int8_t>(s.net_class));
  const std::uint8_t flags = static_cast<std::uint8_t>((s.learned ? kLearned : 0) | (s.stable ? kStable : 0) |
                                                       (s.extras ? kExtras : 0));
  put_pod(e + 66, flags);
  const std::uint64_t check = hash64(e, kEntryBody, prev);
  put_pod(e + kEntryBody, check);
  return check;
}

/// Decodes the entry at e if its check (seeded with prev) and its fields
/// verify; *check receives its check.
bool decode_entry(const char* e, std::uint64_t prev, IndexedRecord& r, std::uint64_t* check) {
  *check = get_pod<std::uint64_t>(e + kEntryBody);
  if (hash64(e, kEntryBody, prev) != *check) return false;
  const auto status = get_pod<std::int8_t>(e + 64), cls = get_pod<std::int8_t>(e + 65);
  const auto flags = get_pod<std::uint8_t>(e + 66);
  if (status < 0 || status > 2 || cls < 0 || cls > 3 || (flags & ~(kLearned | kStable | kExtras)) != 0) return false;
  r.key = get_pod<std::uint64_t>(e);
  r.offset = get_pod<std::uint64_t>(e + 8);
  r.size = get_pod<std::uint64_t>(e + 16);
  r.hash = get_pod<std::uint64_t>(e + 24);
  RecordSummary& s = r.summary;
  s.train_seconds = get_pod<double>(e + 32);
  s.psd_ratio = get_pod<double>(e + 40);
  s.epochs_run = get_pod<std::int64_t>(e + 48);
  s.curve_epochs = get_pod<std::int64_t>(e + 56);
  s.status = static_cast<Status>(status);
  s.net_class = static_cast<NetClass>(cls);
  s.learned = (flags & kLearned) != 0;
  s.stable = (flags & kStable) != 0;
  s.extras = (flags & kExtras) != 0;
  r.summarized = true;
  return true;
}

/// Reads the index file of view.journal into view (records, covered, chain,
/// index state: missing, stale or torn; current otherwise). Checks only the
/// file itself, not the journal.
void load_index(JournalView& v) {
  const std::string path = index_path_of(v.journal);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    v.index = IndexState::missing;
    return;
  }
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const IoError& e) {
    v.index = IndexState::stale;
    v.warnings.push_back(fmt::format("{}: unreadable journal index ignored ({})", path, e.what()));
    return;
  }
  if (bytes.size() < kHeader) {  // died while creating it
    v.index = IndexState::torn;
    return;
  }
  const std::string want = header_bytes(v.journal);
  if (bytes.compare(0, kHeader, want) != 0) {
    v.index = IndexState::stale;
    v.warnings.push_back(fmt::format("{}: not the index of {} (header differs); ignored", path, v.journal));
    return;
  }
  v.index = IndexState::current;
  std::uint64_t prev = get_pod<std::uint64_t>(want.data() + 24), end = 0;
  v.chain = prev;
  std::size_t at = kHeader;
  for (; at + kEntry <= bytes.size(); at += kEntry) {
    IndexedRecord r;
    std::uint64_t check = 0;
    if (!decode_entry(bytes.data() + at, prev, r, &check) || r.offset != end ||
        r.size < kJournalFrameOverhead)
      break;
    end = r.offset + r.size;
    prev = check;
    v.records.push_back(r);
  }
  if (at != bytes.size()) v.index = IndexState::torn;
  v.covered = end;
  v.chain = prev;
}

}  // namespace

RecordSummary summarize(const TaskResult& r) {
  RecordSummary s;
  s.train_seconds = r.train_seconds;
  s.psd_ratio = r.cls.psd_ratio;
  s.epochs_run = r.epochs_run;
  s.curve_epochs = curve_epochs(r);
  s.status = r.status;
  s.net_class = r.cls.net_class;
  s.learned = r.cls.learned;
  s.stable = r.cls.stable;
  s.extras = !r.extras.empty();
  return s;
}

RecordSummary summarize_payload(std::string_view payload, const std::string& what) {
  ByteReader rd(payload, what);
  TaskResult t;
  get(rd, t, decode_spec);
  if (!rd.done()) rd.fail("trailing bytes");
  return summarize(t);
}

std::string index_path_of(const std::string& journal) {
  std::filesystem::path p(journal);
  p.replace_extension(".idx");
  return p.string();
}

std::string_view to_string(IndexState s) {
  switch (s) {
    case IndexState::current: return "current";
    case IndexState::behind: return "behind";
    case IndexState::torn: return "torn";
    case IndexState::stale: return "stale";
    case IndexState::missing: return "missing";
  }
  return "?";
}

JournalView read_journal_view(const std::string& journal, bool summarize_tail) {
  JournalView v;
  v.journal = journal;
  load_index(v);
  std::error_code ec;
  const auto size = std::filesystem::file_size(journal, ec);
  if (ec) throw IoError(fmt::format("cannot stat '{}': {}", journal, ec.message()));
  v.size = size;
  // The journal must still hold the indexed prefix: long enough, and the
  // first and last indexed records are where the index says they are.
  if (!v.records.empty()) {
    std::string why;
    const IndexedRecord& a = v.records.front();
    const IndexedRecord& b = v.records.back();
    if (v.covered > size) why = fmt::format("it covers {} bytes, the journal has {}", v.covered, size);
    else if (journal_frame_matches(journal, {a.offset, a.size, a.hash}, a.key, &why) &&
             journal_frame_matches(journal, {b.offset, b.size, b.hash}, b.key, &why))
      why.clear();
    if (!why.empty()) {
      v.warnings.push_back(fmt::format("{}: journal index does not match its journal ({}); ignored, the whole "
                                       "journal was read",
                                       index_path_of(journal), why));
      v.index = IndexState::stale;
      v.records.clear();
      v.covered = 0;
    }
  }
  v.indexed = v.records.size();
  const JournalScan scan = scan_journal(
      journal,
      [&](JournalRecord&& rec) {
        IndexedRecord r;
        r.key = rec.key;
        r.offset = rec.offset;
        r.size = rec.size;
        r.hash = rec.hash;
        r.summarized = false;
        if (summarize_tail) {
          try {
            r.summary = summarize_payload(rec.payload, fmt::format("{} (record at offset {})", journal, rec.offset));
            r.summarized = true;
          } catch (const Error& e) {
            v.warnings.push_back(fmt::format("cannot decode a committed record: {}", e.what()));
          }
        }
        v.records.push_back(std::move(r));
      },
      v.covered);
  v.torn_tail = scan.torn_files > 0;
  for (const auto& w : scan.warnings) v.warnings.push_back(w);
  if (v.index == IndexState::current && v.records.size() > v.indexed) v.index = IndexState::behind;
  return v;
}

std::string encode_index(const std::string& journal, const std::vector<IndexedRecord>& records) {
  std::string out = header_bytes(journal);
  std::uint64_t prev = get_pod<std::uint64_t>(out.data() + 24), end = 0;
  char e[kEntry];
  for (const IndexedRecord& r : records) {
    if (!r.summarized || r.offset != end) break;
    prev = encode_entry(e, r, prev);
    out.append(e, kEntry);
    end = r.offset + r.size;
  }
  return out;
}

void write_index(const JournalView& view) { atomic_write(index_path_of(view.journal), encode_index(view.journal, view.records)); }

JournalIndexWriter::JournalIndexWriter(std::string journal, std::uint64_t journal_size) noexcept
    : journal_(std::move(journal)), path_(index_path_of(journal_)) {
  try {
    if (journal_size == 0) {
      // A new journal (every session starts its own): a new index.
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
      if (fd_ < 0) throw IoError(fmt::format("cannot create '{}': {}", path_, std::strerror(errno)));
      const std::string h = header_bytes(journal_);
      if (::write(fd_, h.data(), h.size()) != static_cast<ssize_t>(h.size()))
        throw IoError(fmt::format("cannot write '{}': {}", path_, std::strerror(errno)));
      chain_ = get_pod<std::uint64_t>(h.data() + 24);
      return;
    }
    // Reopening a journal that has records: keep its index if it is current,
    // else rebuild it from the journal first (we are its only writer).
    JournalView v = read_journal_view(journal_, true);
    if (v.index != IndexState::current) {
      write_index(v);
      v = read_journal_view(journal_, false);
    }
    if (v.index != IndexState::current || v.indexed != v.records.size())
      throw IoError(fmt::format("{}: cannot index every record of {}", path_, journal_));
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) throw IoError(fmt::format("cannot open '{}': {}", path_, std::strerror(errno)));
    chain_ = v.chain;
  } catch (const std::exception& e) {
    disable(e.what());
  }
}

JournalIndexWriter::~JournalIndexWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalIndexWriter::add(const IndexedRecord& r) noexcept {
  if (fd_ < 0) return;
  char e[kEntry];
  const std::uint64_t check = encode_entry(e, r, chain_);
  // No fsync: the record this entry describes is durable in the journal
  // already, and a lost or torn entry only sends readers to the journal.
  const std::size_t half = kEntry / 2;
  errno = 0;
  const ssize_t w1 = ::write(fd_, e, half);
  fault_point("index");  // crash tests: die with a torn index entry after a durable commit
  const ssize_t w2 = w1 == static_cast<ssize_t>(half) ? ::write(fd_, e + half, kEntry - half) : -1;
  if (w2 != static_cast<ssize_t>(kEntry - half)) {
    disable(errno != 0 ? fmt::format("cannot write '{}': {}", path_, std::strerror(errno))
                       : fmt::format("short write to '{}'", path_));
    return;
  }
  chain_ = check;
}

void JournalIndexWriter::disable(std::string why) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  try {
    warning_ = fmt::format("journal index of {} is no longer kept ({}); the journal is unaffected and readers "
                           "read its records directly",
                           journal_, why);
  } catch (...) {
    warning_ = "journal index is no longer kept";
  }
}

}  // namespace memphase
