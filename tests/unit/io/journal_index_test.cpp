// Journal indexes (io/journal_index.hpp): the index lists what its journal
// committed; a reader takes the index's verified prefix and reads the rest
// from the journal; torn, stale and missing indexes cost time, never a
// result; an index never makes a reader count a record the journal does not
// hold committed.
#include "io/journal_index.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "io/durable.hpp"
#include "families/registry.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

/// A committed result with distinct summary fields per i.
TaskResult result(int i) {
  TaskResult r;
  r.spec = make_spec("dcdt-nopost", "test");
  sec(r.spec).train.seed = static_cast<std::uint64_t>(i);
  sec(r.spec).train.record_every = 1;
  r.epochs_planned = 10 + i;
  r.epochs_run = 10 + i;
  r.status = i % 3 == 1 ? Status::diverged : Status::done;
  r.cls.net_class = static_cast<NetClass>(i % 4);
  r.cls.learned = i % 2 == 0;
  r.cls.stable = i % 3 != 2;
  r.cls.psd_ratio = i % 2 == 0 ? 0.01 * i : std::nan("");
  r.curves.resize(static_cast<std::size_t>(10 + i));
  r.train_seconds = 1.5 * i;
  return r;
}

std::string payload(const TaskResult& r) {
  ByteWriter w;
  put(w, r);
  return w.take();
}

void expect_summary(const IndexedRecord& rec, int i) {
  const RecordSummary want = summarize(result(i));
  ASSERT_TRUE(rec.summarized);
  EXPECT_EQ(rec.key, static_cast<std::uint64_t>(100 + i));
  EXPECT_EQ(rec.summary.train_seconds, want.train_seconds);
  EXPECT_EQ(rec.summary.epochs_run, want.epochs_run);
  EXPECT_EQ(rec.summary.curve_epochs, 10 + i);
  EXPECT_EQ(rec.summary.status, want.status);
  EXPECT_EQ(rec.summary.net_class, want.net_class);
  EXPECT_EQ(rec.summary.learned, want.learned);
  EXPECT_EQ(rec.summary.stable, want.stable);
  EXPECT_EQ(std::isnan(rec.summary.psd_ratio), std::isnan(want.psd_ratio));
  if (!std::isnan(want.psd_ratio)) EXPECT_EQ(rec.summary.psd_ratio, want.psd_ratio);
}

class JournalIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("memphase-jidx-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    journal_ = (dir_ / "s0001-r00000.log").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Commits results [from, to) the way a rank does: record, then entry.
  void commit(int from, int to, bool with_index = true) {
    JournalWriter j(journal_);
    JournalIndexWriter idx(journal_, j.size());
    for (int i = from; i < to; ++i) {
      const TaskResult r = result(i);
      const FrameInfo f = j.append(static_cast<std::uint64_t>(100 + i), payload(r));
      if (with_index) idx.add({static_cast<std::uint64_t>(100 + i), f.offset, f.size, f.hash, summarize(r), true});
    }
    EXPECT_EQ(idx.warning(), "");
  }
  std::string index() const { return index_path_of(journal_); }

  fs::path dir_;
  std::string journal_;
};

TEST_F(JournalIndexTest, IndexPathSitsBesideTheJournal) {
  EXPECT_EQ(index_path_of("/d/journal/s0001-r00002.log"), "/d/journal/s0001-r00002.idx");
}

TEST_F(JournalIndexTest, ReaderTakesEverySummaryFromACurrentIndex) {
  commit(0, 5);
  EXPECT_EQ(fs::file_size(index()), 32u + 5 * 80u);
  const JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::current);
  ASSERT_EQ(v.records.size(), 5u);
  EXPECT_EQ(v.indexed, 5u);
  EXPECT_EQ(v.covered, fs::file_size(journal_));
  EXPECT_FALSE(v.torn_tail);
  EXPECT_TRUE(v.warnings.empty());
  for (int i = 0; i < 5; ++i) expect_summary(v.records[static_cast<std::size_t>(i)], i);
  // The offsets are those of the journal's own scan.
  std::vector<std::uint64_t> offsets;
  scan_journal(journal_, [&](JournalRecord&& r) { offsets.push_back(r.offset); });
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(v.records[i].offset, offsets[i]);
}

TEST_F(JournalIndexTest, ReaderDoesNotReadIndexedPayloads) {
  commit(0, 5);
  // Corrupt the payload of record 2 in place: a reader that trusted only the
  // journal would stop there; the index (whose boundary records still match)
  // lists all five. (gather verifies each record's checksum when it reads it.)
  const JournalView before = read_journal_view(journal_);
  {
    std::fstream f(journal_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(before.records[2].offset + 40));
    f.put('\x7f');
  }
  const JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::current);
  EXPECT_EQ(v.records.size(), 5u);
  EXPECT_THROW(read_journal_record(journal_, v.records[2].offset, v.records[2].key), IoError);
}

TEST_F(JournalIndexTest, RecordsPastTheIndexAreReadFromTheJournal) {
  commit(0, 3);
  commit(3, 5, /*with_index=*/false);  // e.g. a rank killed between a commit and its entry
  JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::behind);
  EXPECT_EQ(v.indexed, 3u);
  ASSERT_EQ(v.records.size(), 5u);
  for (int i = 0; i < 5; ++i) expect_summary(v.records[static_cast<std::size_t>(i)], i);
  // Without decoding, the tail records are located but not summarized.
  v = read_journal_view(journal_, false);
  EXPECT_TRUE(v.records[2].summarized);
  EXPECT_FALSE(v.records[3].summarized);
  // The owner (or the run lock's holder) rebuilds it.
  write_index(read_journal_view(journal_));
  v = read_journal_view(journal_, false);
  EXPECT_EQ(v.index, IndexState::current);
  EXPECT_EQ(v.indexed, 5u);
}

TEST_F(JournalIndexTest, TornIndexKeepsItsValidPrefix) {
  commit(0, 4);
  fs::resize_file(index(), 32 + 2 * 80 + 37);  // died halfway through entry 2
  JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::torn);
  EXPECT_EQ(v.indexed, 2u);
  ASSERT_EQ(v.records.size(), 4u);
  for (int i = 0; i < 4; ++i) expect_summary(v.records[static_cast<std::size_t>(i)], i);

  // A flipped byte in entry 1 fails its chained check: entry 0 is kept.
  commit(4, 4);  // the writer repairs the index it reopens
  EXPECT_EQ(read_journal_view(journal_).index, IndexState::current);
  {
    std::fstream f(index(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(32 + 80 + 33);
    f.put('\x01');
  }
  v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::torn);
  EXPECT_EQ(v.indexed, 1u);
  EXPECT_EQ(v.records.size(), 4u);
}

TEST_F(JournalIndexTest, StaleIndexIsIgnoredAndTheJournalReadInFull) {
  commit(0, 4);
  const std::string idx_bytes = read_file(index());
  // The journal is replaced by another one of the same name (different
  // records): the index's boundary records no longer match.
  fs::remove(journal_);
  commit(10, 14, /*with_index=*/false);
  atomic_write(index(), idx_bytes);
  JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::stale);
  EXPECT_EQ(v.indexed, 0u);
  ASSERT_EQ(v.records.size(), 4u);
  EXPECT_EQ(v.records[0].key, 110u);
  EXPECT_THAT(v.warnings.front(), HasSubstr("journal index does not match its journal"));

  // An index copied from another journal (file name differs) is stale too.
  const std::string other = (dir_ / "s0001-r00001.log").string();
  fs::copy_file(journal_, other);
  fs::copy_file(index(), index_path_of(other));
  write_index(read_journal_view(journal_));
  fs::copy_file(index(), index_path_of(other), fs::copy_options::overwrite_existing);
  v = read_journal_view(other);
  EXPECT_EQ(v.index, IndexState::stale);
  EXPECT_EQ(v.records.size(), 4u);
}

TEST_F(JournalIndexTest, IndexNeverCountsWhatTheJournalDoesNotHold) {
  commit(0, 4);
  // The journal lost its last record and a half (restored from an older copy):
  // the index claims more bytes than the journal has.
  const JournalView full = read_journal_view(journal_);
  fs::resize_file(journal_, full.records[2].offset + full.records[2].size / 2);
  const JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::stale);
  ASSERT_EQ(v.records.size(), 2u);  // only what a scan verifies
  EXPECT_TRUE(v.torn_tail);
}

TEST_F(JournalIndexTest, TornJournalTailAfterTheIndexIsNotCommitted) {
  commit(0, 3);
  {
    JournalWriter j(journal_);
    const std::string p = payload(result(3));
    j.append_torn(103, p, p.size() / 2);
  }
  const JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::current);
  EXPECT_EQ(v.records.size(), 3u);
  EXPECT_TRUE(v.torn_tail);
  EXPECT_THAT(v.warnings.front(), HasSubstr("ignoring"));
}

TEST_F(JournalIndexTest, MissingIndexMeansTheWholeJournal) {
  commit(0, 3, /*with_index=*/false);
  fs::remove(index());
  const JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::missing);
  EXPECT_EQ(v.indexed, 0u);
  ASSERT_EQ(v.records.size(), 3u);
  for (int i = 0; i < 3; ++i) expect_summary(v.records[static_cast<std::size_t>(i)], i);
  EXPECT_FALSE(fs::exists(index()));  // readers never write
}

TEST_F(JournalIndexTest, WriterReopeningAJournalRebuildsItsIndexFirst) {
  commit(0, 3, /*with_index=*/false);
  fs::remove(index());
  commit(3, 5);  // opens a journal with records and no index
  const JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::current);
  EXPECT_EQ(v.indexed, 5u);
  for (int i = 0; i < 5; ++i) expect_summary(v.records[static_cast<std::size_t>(i)], i);
}

TEST_F(JournalIndexTest, AnIndexThatCannotBeWrittenLeavesTheJournalAlone) {
  fs::create_directories(index());  // the index path is a directory
  {
    JournalWriter j(journal_);
    JournalIndexWriter idx(journal_, j.size());
    EXPECT_THAT(idx.warning(), HasSubstr("is no longer kept"));
    const FrameInfo f = j.append(100, payload(result(0)));
    idx.add({100, f.offset, f.size, f.hash, summarize(result(0)), true});  // a no-op, no throw
  }
  fs::remove_all(index());
  const JournalView v = read_journal_view(journal_);
  EXPECT_EQ(v.index, IndexState::missing);
  EXPECT_EQ(v.records.size(), 1u);
}

TEST_F(JournalIndexTest, ScanFromARecordBoundaryAndCheapFrameChecks) {
  commit(0, 3);
  const JournalView v = read_journal_view(journal_);
  std::vector<std::uint64_t> keys;
  const JournalScan s = scan_journal(journal_, [&](JournalRecord&& r) { keys.push_back(r.key); }, v.records[1].offset);
  EXPECT_EQ(keys, (std::vector<std::uint64_t>{101, 102}));
  EXPECT_EQ(s.torn_files, 0u);
  const IndexedRecord& r = v.records[1];
  std::string why;
  EXPECT_TRUE(journal_frame_matches(journal_, {r.offset, r.size, r.hash}, r.key, &why)) << why;
  EXPECT_FALSE(journal_frame_matches(journal_, {r.offset, r.size, r.hash ^ 1}, r.key, &why));
  EXPECT_THAT(why, HasSubstr("checksum"));
  EXPECT_FALSE(journal_frame_matches(journal_, {r.offset, r.size, r.hash}, r.key + 1, &why));
  EXPECT_FALSE(journal_frame_matches(journal_, {r.offset + r.size, r.size, r.hash}, r.key, &why));
}

}  // namespace
}  // namespace memphase
