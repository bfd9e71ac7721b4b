// Crash-safety primitives: atomic writes, checkpoint framing, journals with
// torn tails, and the run lock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/durable.hpp"

namespace memphase {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Durable : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt_name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string fmt_name() {
    return "memphase-durable-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  std::string path(const std::string& f) const { return (dir_ / f).string(); }
  fs::path dir_;
};

TEST_F(Durable, AtomicWriteReplacesAndLeavesNoTemp) {
  atomic_write(path("a"), "first");
  atomic_write(path("a"), "second");
  EXPECT_EQ(read_file(path("a")), "second");
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename(), "a") << "left behind: " << e.path();
}

TEST_F(Durable, AtomicWriteToMissingDirectoryNamesThePath) {
  EXPECT_THAT([&] { atomic_write(path("nope/x"), "data"); },
              ::testing::ThrowsMessage<IoError>(HasSubstr("nope/x")));
}

TEST_F(Durable, CheckpointFramingDetectsEveryCorruption) {
  const std::string payload(1000, 'p');
  const std::string f = frame_checkpoint(42, payload);
  std::string why;
  ASSERT_EQ(unframe_checkpoint(f, 42, &why).value(), payload);
  EXPECT_FALSE(unframe_checkpoint(f, 43, &why).has_value());
  EXPECT_THAT(why, HasSubstr("belongs to task"));
  // Cut short anywhere, or any single byte flipped: rejected.
  for (std::size_t cut = 0; cut < f.size(); cut += 97)
    EXPECT_FALSE(unframe_checkpoint(f.substr(0, cut), 42, &why).has_value()) << cut;
  for (std::size_t i = 0; i < f.size(); i += 31) {
    std::string g = f;
    g[i] = static_cast<char>(g[i] ^ 0x5a);
    EXPECT_FALSE(unframe_checkpoint(g, 42, &why).has_value()) << "flip at " << i;
  }
}

TEST_F(Durable, JournalKeepsCommittedRecordsAndIgnoresATornTail) {
  {
    JournalWriter j(path("j.log"));
    j.append(1, "one");
    j.append(2, std::string(5000, 'x'));
    j.append_torn(3, "three-is-torn", 20);
  }
  std::vector<std::uint64_t> keys;
  const JournalScan s = scan_journal(path("j.log"), [&](JournalRecord&& r) { keys.push_back(r.key); });
  EXPECT_EQ(keys, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(s.torn_files, 1u);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_THAT(s.warnings[0], HasSubstr("j.log"));
}

TEST_F(Durable, RecordsReadBackByOffset) {
  std::vector<JournalRecord> recs;
  {
    JournalWriter j(path("j.log"));
    for (std::uint64_t k = 0; k < 5; ++k) j.append(k, std::string(100 + k, static_cast<char>('a' + k)));
  }
  scan_journal(path("j.log"), [&](JournalRecord&& r) { recs.push_back(std::move(r)); });
  ASSERT_EQ(recs.size(), 5u);
  for (const auto& r : recs) EXPECT_EQ(read_journal_record(r.file, r.offset, r.key), r.payload);
  EXPECT_THROW(read_journal_record(recs[1].file, recs[1].offset, 99), IoError);
  EXPECT_THROW(read_journal_record(recs[1].file, recs[1].offset + 1, 1), IoError);
}

TEST_F(Durable, SecondLockIsRefusedAndADeadHoldersLockIsBroken) {
  {
    RunLock first(dir_.string());
    EXPECT_THAT([&] { RunLock second(dir_.string()); },
                ::testing::ThrowsMessage<CampaignError>(HasSubstr("another memphase run holds the lock")));
  }
  // A child takes the lock and dies with SIGKILL: the lock is free again.
  const pid_t pid = ::fork();
  if (pid == 0) {
    RunLock held(dir_.string());
    ::raise(SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_NO_THROW(RunLock again(dir_.string()));
}

}  // namespace
}  // namespace memphase
