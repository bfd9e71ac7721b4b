// `memphase status`: a run directory built by hand (manifest, campaign.yaml,
// a journal with two committed results, one checkpoint) gives the expected
// counts; torn tails and duplicate commits are reported; a directory that is
// not a campaign is refused with its path in the message. Journals written
// by a rank (CommitLog) are read through their indexes; status writes
// nothing; `--reindex` rebuilds indexes only under the run lock.
#include "engine/status.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "report/analyze.hpp"
#include "engine/cost.hpp"
#include "engine/plan.hpp"
#include "rundir/run_dir.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "io/durable.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// 2 lr x 2 delays x 3 seeds = 12 tasks (tests/data/tiny.yaml).
constexpr const char* kTiny = R"(name: tiny
family: dcdt-nopost
grid:
  lr: [0.3, 0.05]
  delay: {range: [0, 40, 40]}
seeds: 3
model: {n: 24}
task: {reps: 8}
train: {epochs: 150}
output: {record_every: 5}
checkpoint: {every_epochs: 20, every_seconds: 0}
)";

TaskResult result_for(const CampaignTask& t, Status st, NetClass cls, double seconds) {
  TaskResult r;
  r.spec = t.spec;
  r.epochs_planned = sec(t.spec).train.resolved_epochs();
  r.epochs_run = r.epochs_planned;
  r.status = st;
  r.cls.net_class = cls;
  r.curves.resize(3);
  r.train_seconds = seconds;
  return r;
}

class StatusDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("memphase-status-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    c_ = parse_campaign(kTiny, "tiny.yaml");
    ASSERT_EQ(c_.tasks.size(), 12u);
    p_ = RunPaths{dir_};
    make_dirs(p_.journal_dir());
    make_dirs(p_.ckpt_dir());
    make_dirs(p_.log_dir());
    Manifest m = make_manifest(c_);
    m.sessions = 1;
    atomic_write(p_.manifest(), manifest_to_yaml(m));
    atomic_write(p_.campaign(), c_.canonical);
    {
      JournalWriter w(p_.journal(1, 0));
      w.append(c_.tasks[0].key, encode_result(result_for(c_.tasks[0], Status::done, NetClass::lc, 2.0)));
      w.append(c_.tasks[5].key, encode_result(result_for(c_.tasks[5], Status::diverged, NetClass::fail, 1.0)));
    }
    atomic_write(p_.checkpoint(c_.tasks[7].key), frame_checkpoint(c_.tasks[7].key, "state"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir_;
  Campaign c_;
  RunPaths p_;
};

TEST_F(StatusDir, CountsDoneInFlightPendingAndOutcomes) {
  const StatusReport r = read_status(dir_, 4, 1.0);
  EXPECT_EQ(r.name, "tiny");
  EXPECT_EQ(r.family, "dcdt-nopost");
  EXPECT_EQ(r.sessions, 1);
  EXPECT_EQ(r.total, 12);
  EXPECT_EQ(r.done, 2);
  EXPECT_EQ(r.in_flight, 1);
  EXPECT_EQ(r.pending, 9);
  EXPECT_EQ(r.remaining(), 10);
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(r.diverged, 1);
  EXPECT_EQ(r.aborted, 0);
  EXPECT_EQ(r.cls_lc, 1);
  EXPECT_EQ(r.cls_fail, 1);
  EXPECT_EQ(r.cls_sp, 0);
  EXPECT_EQ(r.cls_unstable, 0);
  EXPECT_DOUBLE_EQ(r.core_hours, 3.0 / 3600.0);
  EXPECT_EQ(r.torn, 0u);
  EXPECT_EQ(r.duplicates, 0u);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();

  // ETA: remaining estimate x (real / estimated of the committed tasks) / P,
  // or the longest remaining task if that is longer.
  const auto est = estimate_tasks(c_, 1.0);
  double done_est = est[0].seconds + est[5].seconds, rem = 0, longest = 0;
  for (std::size_t i = 0; i < est.size(); ++i)
    if (i != 0 && i != 5) {
      rem += est[i].seconds;
      longest = std::max(longest, est[i].seconds);
    }
  const double ratio = 3.0 / done_est;
  EXPECT_DOUBLE_EQ(r.speed_ratio, ratio);
  EXPECT_EQ(r.ranks, 4);
  EXPECT_DOUBLE_EQ(r.eta_seconds, std::max(rem / 4, longest) * ratio);
  EXPECT_DOUBLE_EQ(r.remaining_core_hours, rem * ratio / 3600.0);
  EXPECT_DOUBLE_EQ(r.networks_per_core_hour, 2.0 / (3.0 / 3600.0));
  EXPECT_DOUBLE_EQ(r.networks_per_hour, 4 * r.networks_per_core_hour);

  const std::string j = status_to_json(r);
  EXPECT_EQ(j.find('\n'), std::string::npos);
  EXPECT_THAT(j, HasSubstr("\"total\":12,\"done\":2,\"in_flight\":1,\"pending\":9,\"remaining\":10,"
                           "\"complete\":false"));
  EXPECT_THAT(j, HasSubstr("\"duplicates\":0"));
  const std::string h = format_status(r);
  EXPECT_THAT(h, HasSubstr("diverged 1, aborted 0"));
  EXPECT_THAT(h, HasSubstr("fail 1, LC 1, SP 0, unstable 0"));
}

TEST_F(StatusDir, RanksComeFromTheLastSessionLog) {
  {
    std::ofstream log(p_.log_dir() + "/s0001-r00000.log");
    log << R"({"time":"2024-01-01T00:00:00.000","rank":0,"event":"run_start","tasks":12,"committed":0,"ranks":3})"
        << "\n";
  }
  EXPECT_EQ(last_session_ranks(dir_, 1), 3);
  const StatusReport r = read_status(dir_, 0, 1.0);
  EXPECT_EQ(r.ranks, 3);
  EXPECT_TRUE(std::isfinite(r.eta_seconds));
  EXPECT_EQ(last_session_ranks(dir_, 0), 0);
}

TEST_F(StatusDir, UnknownRanksLeaveTheEtaUnknown) {
  const StatusReport r = read_status(dir_, 0, 1.0);
  EXPECT_EQ(r.ranks, 0);
  EXPECT_TRUE(std::isnan(r.eta_seconds));
  EXPECT_THAT(status_to_json(r), HasSubstr("\"eta_seconds\":null"));
  EXPECT_THAT(format_status(r), HasSubstr("pass --ranks"));
}

TEST_F(StatusDir, StaleCheckpointOfACommittedTaskIsNotInFlight) {
  atomic_write(p_.checkpoint(c_.tasks[0].key), frame_checkpoint(c_.tasks[0].key, "state"));
  atomic_write(p_.ckpt_dir() + "/not-a-key.ckpt", "x");
  const StatusReport r = read_status(dir_, 1, 1.0);
  EXPECT_EQ(r.done, 2);
  EXPECT_EQ(r.in_flight, 1);
  EXPECT_EQ(r.stale_checkpoints, 1);
}

TEST_F(StatusDir, TornTailsAndDuplicateCommitsAreWarnings) {
  {
    JournalWriter w(p_.journal(2, 1));
    // Task 0 again: a duplicate commit (must never happen; reported).
    w.append(c_.tasks[0].key, encode_result(result_for(c_.tasks[0], Status::done, NetClass::lc, 2.0)));
    const std::string payload = encode_result(result_for(c_.tasks[1], Status::done, NetClass::sp, 1.0));
    w.append_torn(c_.tasks[1].key, payload, payload.size() / 2);
  }
  const StatusReport r = read_status(dir_, 1, 1.0);
  EXPECT_EQ(r.done, 2);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.torn, 1u);
  EXPECT_THAT(format_status(r), HasSubstr("committed more than once"));
  EXPECT_THAT(format_status(r), HasSubstr("torn"));
  EXPECT_THAT(status_to_json(r), HasSubstr("\"torn\":1,\"duplicates\":1"));
}

TEST_F(StatusDir, CompleteCampaignHasNoEta) {
  std::map<std::uint64_t, CommitSummary> all;
  for (const auto& t : c_.tasks) all[t.key] = CommitSummary{Status::done, NetClass::sp, 1.0, true};
  const StatusReport r = compute_status(c_, all, {}, 2, 1.0);
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.remaining(), 0);
  EXPECT_EQ(r.cls_sp, 12);
  EXPECT_DOUBLE_EQ(r.eta_seconds, 0.0);
  EXPECT_THAT(status_to_json(r), HasSubstr("\"remaining\":0,\"complete\":true"));
}

TEST_F(StatusDir, CommittedRecordsKeepOnlyTheCampaignFileEpochs) {
  // tiny.yaml keeps every 5th epoch: the journal record of a 150-epoch network
  // holds the 31 points campaign.h5 keeps (0, 5, ..., 145, 149), not 150.
  TaskResult r = result_for(c_.tasks[2], Status::done, NetClass::sp, 1.0);
  r.curves.resize(150);
  for (std::size_t e = 0; e < 150; ++e) r.curves.loss[e] = static_cast<float>(e);
  const std::string thin = encode_result(r);
  ByteWriter dense;
  put(dense, r);  // the record as committed before thinning
  EXPECT_EQ(dense.str().size() - thin.size(), (150 - 31) * 4 * sizeof(float) - 16);
  {
    JournalWriter w(p_.journal(2, 0));
    w.append(c_.tasks[2].key, thin);
  }
  const std::string old_journal = dir_ + "/old.log";  // outside journal/: not indexed
  {
    JournalWriter w(old_journal);
    w.append(c_.tasks[2].key, dense.str());
  }
  EXPECT_LT(fs::file_size(p_.journal(2, 0)), fs::file_size(old_journal));

  const JournalIndex idx = index_journals(p_);
  const TaskResult back = read_result(idx.committed.at(c_.tasks[2].key), c_.tasks[2].key);
  EXPECT_EQ(back.sampling, (CurveSampling{5, 150}));
  ASSERT_EQ(back.curves.size(), 31u);
  EXPECT_EQ(back.curves.loss[1], 5.0f);
  EXPECT_EQ(back.curves.loss[30], 149.0f);
  // The dense record of the old journal still reads back whole.
  const TaskResult old = read_result({old_journal, 0}, c_.tasks[2].key);
  EXPECT_FALSE(old.sampling.thinned());
  EXPECT_EQ(old.curves, r.curves);

  const StatusReport st = read_status(dir_, 1, 1.0);
  EXPECT_EQ(st.done, 3);
  EXPECT_EQ(st.cls_sp, 1);
  EXPECT_TRUE(st.warnings.empty()) << st.warnings.front();
}

TEST_F(StatusDir, ReclassifyFromThinnedJournalsIsRefused) {
  // --reclassify needs every epoch; thinned journal records no longer have them.
  LoadOptions opt;
  opt.source = AnalysisSource::journals;
  opt.reclassify = true;
  EXPECT_THAT([&] { load_analysis_input(dir_, opt); },
              ::testing::ThrowsMessage<ConfigError>(::testing::AllOf(
                  HasSubstr("--reclassify needs every-epoch curves, but 2 committed record(s) keep"),
                  HasSubstr("output.record_every: 1"))));
  opt.reclassify = false;  // everything else reads thinned records
  const AnalysisInput in = load_analysis_input(dir_, opt);
  EXPECT_TRUE(in.nets[0].done);
  EXPECT_EQ(in.nets[0].net_class, NetClass::lc);
  EXPECT_TRUE(in.nets[5].done);
}

TEST(Status, NotACampaignDirectoryNamesThePath) {
  const std::string dir =
      (fs::temp_directory_path() / ("memphase-status-empty-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  EXPECT_THAT([&] { read_status(dir); }, ::testing::ThrowsMessage<CampaignError>(HasSubstr(dir)));
  EXPECT_THAT([&] { read_status(dir + "/missing"); },
              ::testing::ThrowsMessage<CampaignError>(HasSubstr(dir + "/missing")));
  fs::remove_all(dir);
}


/// Every file under dir with its size and modification time.
std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> tree(const std::string& dir) {
  std::map<std::string, std::pair<std::uintmax_t, fs::file_time_type>> t;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    t[e.path().string()] = {e.is_regular_file() ? e.file_size() : 0, e.last_write_time()};
  return t;
}

TEST_F(StatusDir, RecordsCommittedByARankAreReadFromTheIndex) {
  {
    CommitLog log(p_.journal(2, 1));
    log.commit(c_.tasks[3].key, result_for(c_.tasks[3], Status::done, NetClass::sp, 4.0));
    log.commit(c_.tasks[4].key, result_for(c_.tasks[4], Status::aborted, NetClass::fail, 0.5));
    EXPECT_EQ(log.index_warning(), "");
  }
  const StatusReport r = read_status(dir_, 1, 1.0);
  EXPECT_EQ(r.done, 4);
  EXPECT_EQ(r.cls_sp, 1);
  EXPECT_EQ(r.aborted, 1);
  EXPECT_DOUBLE_EQ(r.core_hours, 7.5 / 3600.0);
  EXPECT_EQ(r.journal_files, 2u);
  EXPECT_EQ(r.from_index, 2u);    // the rank's journal
  EXPECT_EQ(r.from_journal, 2u);  // the fixture's journal, written without an index
  EXPECT_EQ(r.index_missing, 1u);
  EXPECT_EQ(r.read_bytes, fs::file_size(p_.journal(1, 0)));
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  const std::string h = format_status(r);
  EXPECT_THAT(h, HasSubstr("2 record(s) from their indexes, 2 read from the journals"));
  EXPECT_THAT(h, HasSubstr("note: 1 journal(s) have no index"));
  EXPECT_THAT(status_to_json(r), HasSubstr("\"from_index\":2,\"from_journal\":2,"));
}

TEST_F(StatusDir, StatusWritesNothingInTheRunDirectory) {
  {
    CommitLog log(p_.journal(2, 0));
    log.commit(c_.tasks[3].key, result_for(c_.tasks[3], Status::done, NetClass::sp, 4.0));
  }
  fs::resize_file(index_path_of(p_.journal(2, 0)), 40);  // torn, and the fixture's journal has none
  const auto before = tree(dir_);
  const StatusReport r = read_status(dir_, 1, 1.0);
  EXPECT_EQ(r.done, 3);
  EXPECT_EQ(tree(dir_), before);
}

TEST_F(StatusDir, ReindexRebuildsMissingIndexesOnlyUnderTheRunLock) {
  {
    const RunLock running(dir_);  // a job holds the directory
    EXPECT_THAT([&] { reindex_journals(p_); },
                ::testing::ThrowsMessage<CampaignError>(HasSubstr("another memphase run holds the lock")));
    EXPECT_FALSE(fs::exists(index_path_of(p_.journal(1, 0))));
  }
  const JournalIndex idx = reindex_journals(p_);
  EXPECT_EQ(idx.index_rebuilt, 1u);
  const StatusReport r = read_status(dir_, 1, 1.0);
  EXPECT_EQ(r.done, 2);
  EXPECT_EQ(r.from_index, 2u);
  EXPECT_EQ(r.from_journal, 0u);
  EXPECT_EQ(r.index_missing, 0u);
  EXPECT_EQ(reindex_journals(p_).index_rebuilt, 0u);  // current: left alone
}

TEST_F(StatusDir, EtaIsTheCalibratedCostModelOfTheProgressLine) {
  // status and run's progress line share calibrated_eta (campaign/cost.hpp).
  const StatusReport r = read_status(dir_, 3, 1.0);
  EXPECT_DOUBLE_EQ(r.eta_seconds, calibrated_eta(r.est_remaining_seconds, r.longest_remaining_seconds,
                                                 r.speed_ratio, 3));
  const CostCalibration calibration{3.0, r.est_done_seconds};
  EXPECT_DOUBLE_EQ(r.speed_ratio, calibration.ratio());
}
}  // namespace
}  // namespace memphase
