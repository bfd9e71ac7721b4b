#include "io/durable.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fault.hpp"
#include "core/hash.hpp"

namespace memphase {

namespace {

constexpr std::uint32_t kCkptMagic = 0x4b43504du;     // "MPCK"
constexpr std::uint32_t kJournalMagic = 0x4e4a504du;  // "MPJN"
constexpr std::uint32_t kCommit = 0x54494d43u;        // "CMIT"
constexpr std::uint32_t kFormat = 1;  ///< journal records (and checkpoints of format 1)

[[noreturn]] void sys_fail(const std::string& what, const std::string& path) {
  throw IoError(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
}

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      sys_fail("cannot write", path);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

template <class T>
void append_pod(std::string& s, const T& v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <class T>
T read_pod(std::string_view s, std::size_t at) {
  T v;
  std::memcpy(&v, s.data() + at, sizeof(T));
  return v;
}

std::string parent_dir(const std::string& path) {
  const auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

// Frame layout shared by checkpoints and journal records:
//   magic u32 | version u32 | key u64 | len u64 | payload | xxh64 u64 | commit u32
constexpr std::size_t kHead = 4 + 4 + 8 + 8;
constexpr std::size_t kTail = 8 + 4;
static_assert(kHead + kTail == kJournalFrameOverhead);

std::string frame(std::uint32_t magic, std::uint64_t key, std::string_view payload,
                  std::uint32_t version = kFormat) {
  std::string out;
  out.reserve(kHead + payload.size() + kTail);
  append_pod(out, magic);
  append_pod(out, version);
  append_pod(out, key);
  append_pod(out, static_cast<std::uint64_t>(payload.size()));
  out.append(payload);
  // The checksum covers the header and the payload.
  append_pod(out, hash64(out.data(), out.size()));
  append_pod(out, kCommit);
  return out;
}

/// Parses one frame at `at`; returns its total size, or 0 with *why set.
/// Accepts format versions 1 .. `max_version` (*version receives it).
std::size_t parse_frame(std::string_view s, std::size_t at, std::uint32_t magic,
                        std::uint64_t* key, std::string_view* payload, std::string* why,
                        std::uint32_t max_version = kFormat, std::uint32_t* version = nullptr) {
  if (s.size() - at < kHead + kTail) {
    *why = "incomplete header";
    return 0;
  }
  if (read_pod<std::uint32_t>(s, at) != magic) {
    *why = "bad magic";
    return 0;
  }
  const auto v = read_pod<std::uint32_t>(s, at + 4);
  if (v < 1 || v > max_version) {
    *why = "unknown format version";
    return 0;
  }
  if (version) *version = v;
  *key = read_pod<std::uint64_t>(s, at + 8);
  const auto len = read_pod<std::uint64_t>(s, at + 16);
  if (len > s.size() - at - kHead - kTail) {
    *why = "truncated payload";
    return 0;
  }
  const std::size_t end = at + kHead + len;
  if (read_pod<std::uint64_t>(s, end) != hash64(s.data() + at, kHead + len)) {
    *why = "checksum mismatch";
    return 0;
  }
  if (read_pod<std::uint32_t>(s, end + 8) != kCommit) {
    *why = "missing commit marker";
    return 0;
  }
  *payload = s.substr(at + kHead, len);
  return kHead + len + kTail;
}

}  // namespace

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) sys_fail("cannot open directory", dir);
  if (::fsync(fd) != 0 && errno != EINVAL) {
    ::close(fd);
    sys_fail("cannot fsync directory", dir);
  }
  ::close(fd);
}

void make_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw IoError(fmt::format("cannot create directory '{}': {}", dir,
                              ec ? ec.message() : "a path component is not a directory"));
}

void atomic_write(const std::string& path, std::string_view bytes) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) sys_fail("cannot create", tmp);
  try {
    const std::size_t half = bytes.size() / 2;
    write_all(fd, bytes.data(), half, tmp);
    fault_point("ckpt-write");  // crash tests: die with a half-written temp file
    write_all(fd, bytes.data() + half, bytes.size() - half, tmp);
    if (::fsync(fd) != 0) sys_fail("cannot fsync", tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    sys_fail("cannot close", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    sys_fail("cannot rename temp file to", path);
  }
  fsync_dir(parent_dir(path));
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) sys_fail("cannot open", path);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      sys_fail("cannot read", path);
    }
    if (r == 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  ::close(fd);
  return out;
}

std::string frame_checkpoint(std::uint64_t key, std::string_view payload) {
  return frame(kCkptMagic, key, payload, kCheckpointFormat);
}

std::optional<std::string> unframe_checkpoint(std::string_view file, std::uint64_t key,
                                              std::string* why, std::uint32_t* format) {
  std::uint64_t k = 0;
  std::string_view payload;
  std::string reason;
  const std::size_t n = parse_frame(file, 0, kCkptMagic, &k, &payload, &reason, kCheckpointFormat, format);
  if (n == 0) {
    if (why) *why = reason;
    return std::nullopt;
  }
  if (k != key) {
    if (why) *why = fmt::format("checkpoint belongs to task {:016x}", k);
    return std::nullopt;
  }
  if (n != file.size()) {
    if (why) *why = "trailing bytes";
    return std::nullopt;
  }
  return std::string(payload);
}

JournalWriter::JournalWriter(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) sys_fail("cannot open journal", path_);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    ::close(fd_);
    fd_ = -1;
    sys_fail("cannot stat journal", path_);
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
  fsync_dir(parent_dir(path_));
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

FrameInfo JournalWriter::append(std::uint64_t key, std::string_view payload) {
  const std::string rec = frame(kJournalMagic, key, payload);
  const std::size_t half = rec.size() / 2;
  write_all(fd_, rec.data(), half, path_);
  size_ += half;
  fault_point("journal");  // crash tests: die with a torn record (page cache survives SIGKILL)
  write_all(fd_, rec.data() + half, rec.size() - half, path_);
  size_ += rec.size() - half;
  if (::fdatasync(fd_) != 0) sys_fail("cannot fsync journal", path_);
  return {size_ - rec.size(), rec.size(), read_pod<std::uint64_t>(rec, rec.size() - kTail)};
}

void JournalWriter::append_torn(std::uint64_t key, std::string_view payload, std::size_t bytes) {
  const std::string rec = frame(kJournalMagic, key, payload);
  const std::size_t n = std::min(bytes, rec.size());
  write_all(fd_, rec.data(), n, path_);
  size_ += n;
  if (::fdatasync(fd_) != 0) sys_fail("cannot fsync journal", path_);
}

namespace {

/// pread exactly n bytes at `at` into out (resized); false at end of file.
bool pread_exact(int fd, std::string& out, std::size_t n, std::uint64_t at) {
  out.resize(n);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, out.data() + got, n - got, static_cast<off_t>(at + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

/// A read-only descriptor closed on scope exit.
struct ReadFd {
  explicit ReadFd(const std::string& path, const char* what) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd < 0) sys_fail(what, path);
  }
  ~ReadFd() { ::close(fd); }
  ReadFd(const ReadFd&) = delete;
  ReadFd& operator=(const ReadFd&) = delete;
  int fd;
};

}  // namespace

JournalScan scan_journal(const std::string& path, const std::function<void(JournalRecord&&)>& visit,
                         std::uint64_t from) {
  JournalScan scan;
  const ReadFd in(path, "cannot open");
  struct stat st {};
  if (::fstat(in.fd, &st) != 0) sys_fail("cannot stat", path);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::string buf;
  std::uint64_t at = from;
  while (at < size) {
    // Header first (for the length), then the whole frame, verified by the
    // same parser as before: memory is one record.
    std::string why;
    std::size_t n = 0;
    std::uint64_t key = 0;
    std::string_view payload;
    if (size - at < kHead + kTail) {
      why = "incomplete header";
    } else if (!pread_exact(in.fd, buf, kHead, at)) {
      sys_fail("cannot read", path);
    } else {
      const auto len = read_pod<std::uint64_t>(buf, 16);
      if (read_pod<std::uint32_t>(buf, 0) != kJournalMagic) why = "bad magic";
      else if (read_pod<std::uint32_t>(buf, 4) != kFormat) why = "unknown format version";
      else if (len > size - at - kHead - kTail) why = "truncated payload";
      else if (!pread_exact(in.fd, buf, kHead + len + kTail, at)) sys_fail("cannot read", path);
      else n = parse_frame(buf, 0, kJournalMagic, &key, &payload, &why);
    }
    if (n == 0) {
      ++scan.torn_files;
      scan.warnings.push_back(fmt::format("{}: ignoring {} bytes after offset {} ({})", path, size - at, at, why));
      break;
    }
    JournalRecord rec;
    rec.key = key;
    rec.payload = std::string(payload);
    rec.file = path;
    rec.offset = at;
    rec.size = n;
    rec.hash = read_pod<std::uint64_t>(buf, n - kTail);
    visit(std::move(rec));
    ++scan.records;
    at += n;
  }
  return scan;
}

bool journal_frame_matches(const std::string& file, const FrameInfo& f, std::uint64_t key, std::string* why) {
  auto fail = [why](std::string text) {
    if (why) *why = std::move(text);
    return false;
  };
  if (f.size < kHead + kTail) return fail("frame too small");
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(fmt::format("cannot open: {}", std::strerror(errno)));
  std::string head, tail;
  const bool read = pread_exact(fd, head, kHead, f.offset) && pread_exact(fd, tail, kTail, f.offset + f.size - kTail);
  ::close(fd);
  if (!read) return fail(fmt::format("no record of {} bytes at offset {}", f.size, f.offset));
  if (read_pod<std::uint32_t>(head, 0) != kJournalMagic || read_pod<std::uint32_t>(head, 4) != kFormat ||
      read_pod<std::uint64_t>(head, 8) != key || read_pod<std::uint64_t>(head, 16) != f.size - kHead - kTail)
    return fail(fmt::format("another record header at offset {}", f.offset));
  if (read_pod<std::uint64_t>(tail, 0) != f.hash || read_pod<std::uint32_t>(tail, 8) != kCommit)
    return fail(fmt::format("another record checksum at offset {}", f.offset));
  return true;
}

std::string read_journal_record(const std::string& file, std::uint64_t offset, std::uint64_t key) {
  // pread only this record: gathering 10^5 records must not re-read whole files.
  const ReadFd in(file, "cannot open journal");
  std::string head;
  if (!pread_exact(in.fd, head, kHead, offset))
    throw IoError(fmt::format("{}: no complete record at offset {}", file, offset));
  const auto len = read_pod<std::uint64_t>(head, 16);
  std::string rec;
  const bool ok = len < (std::uint64_t{1} << 40) && pread_exact(in.fd, rec, kHead + len + kTail, offset);
  std::uint64_t k = 0;
  std::string_view payload;
  std::string why = ok ? "" : "truncated";
  if (!ok || parse_frame(rec, 0, kJournalMagic, &k, &payload, &why) == 0 || k != key)
    throw IoError(fmt::format("{}: record at offset {} is corrupt ({})", file, offset,
                              why.empty() ? "wrong key" : why));
  return std::string(payload);
}

RunLock::RunLock(const std::string& dir) {
  const std::string path = dir + "/lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) sys_fail("cannot open lock file", path);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    try {
      holder = read_file(path);
    } catch (const IoError&) {
    }
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw CampaignError(fmt::format(
          "{}: another memphase run holds the lock ({}); wait for it to finish or stop it first",
          dir, holder.empty() ? "holder unknown" : holder));
    errno = err;
    sys_fail("cannot lock", path);
  }
  // We hold it: any previous content is from a run that died (the kernel
  // released its lock). Record ourselves for the next reader.
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  const std::string me = fmt::format("host {} pid {} since {}", host, ::getpid(), static_cast<long long>(now));
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) < 0) sys_fail("cannot write lock", path);
}

RunLock::~RunLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace memphase
