// Mechanism snapshots during training (SPEC §3.8, issue 17 part 2): the
// snapshots do not change the training (bit-identical weights and curves),
// they survive a stop/resume through the runner's checkpoint, the loss-jump
// detector and the switch debouncing on synthetic sequences, the null test,
// and the campaign key output.snapshots (absent at 0: config hashes stay).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "config/campaign.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "delayed_cue/mechanism_report.hpp"
#include "delayed_cue/snapshots.hpp"
#include "families/gru/family.hpp"
#include "families/rate_rnn/config.hpp"
#include "families/rate_rnn/family.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

// ------------------------------------------------------------------ loss jumps

std::vector<float> plateau_then_drop(int n, int at, float hi, float lo, int width) {
  std::vector<float> x(static_cast<std::size_t>(n));
  for (int t = 0; t < n; ++t) {
    const double u = std::clamp((t - at) / static_cast<double>(std::max(width, 1)), 0.0, 1.0);
    // a little deterministic wiggle, far below a factor 2
    x[static_cast<std::size_t>(t)] =
        static_cast<float>(std::exp((1 - u) * std::log(hi) + u * std::log(lo)) * (1.0 + 0.02 * std::sin(0.7 * t)));
  }
  return x;
}

TEST(LossJumps, OneSharpDropIsOneJumpAtTheDrop) {
  const std::vector<float> x = plateau_then_drop(1000, 400, 0.25f, 0.01f, 4);
  const std::vector<LossJump> j = detect_loss_jumps(x, {50, 2.0});
  ASSERT_EQ(j.size(), 1u);
  EXPECT_GE(j[0].epoch, 400);
  EXPECT_LE(j[0].epoch, 404);
  EXPECT_GE(j[0].start, 350);  // the window sees the drop 50 epochs ahead
  EXPECT_LT(j[0].start, 402);
  EXPECT_GT(j[0].ratio, 20.0);
}

TEST(LossJumps, SlowDecayAndFlatCurvesHaveNone) {
  std::vector<float> slow(2000), flat(500, 0.3f);
  for (int t = 0; t < 2000; ++t) slow[static_cast<std::size_t>(t)] = static_cast<float>(std::exp(-t / 200.0));
  // factor e^(50/200) = 1.28 per window: below 2
  EXPECT_TRUE(detect_loss_jumps(slow, {50, 2.0}).empty());
  EXPECT_TRUE(detect_loss_jumps(flat, {50, 2.0}).empty());
  // The same decay is a jump for a window in which it halves (200 ln 2 = 139).
  EXPECT_EQ(detect_loss_jumps(slow, {150, 2.0}).size(), 1u);
}

TEST(LossJumps, FactorIsAThreshold) {
  const std::vector<float> a = plateau_then_drop(600, 300, 1.0f, 1.0f / 1.9f, 1);
  const std::vector<float> b = plateau_then_drop(600, 300, 1.0f, 1.0f / 2.2f, 1);
  EXPECT_TRUE(detect_loss_jumps(a, {50, 2.0}).empty());
  EXPECT_EQ(detect_loss_jumps(b, {50, 2.0}).size(), 1u);
}

TEST(LossJumps, TwoDropsTwoJumpsAndNonFiniteLossesAreSkipped) {
  std::vector<float> x = plateau_then_drop(1200, 300, 0.25f, 0.05f, 2);
  const std::vector<float> second = plateau_then_drop(1200, 800, 1.0f, 0.1f, 2);
  for (std::size_t t = 0; t < x.size(); ++t) x[t] *= second[t];
  x.back() = std::numeric_limits<float>::quiet_NaN();  // a diverged last epoch
  const std::vector<LossJump> j = detect_loss_jumps(x, {50, 2.0});
  ASSERT_EQ(j.size(), 2u);
  EXPECT_NEAR(static_cast<double>(j[0].epoch), 301, 2);
  EXPECT_NEAR(static_cast<double>(j[1].epoch), 801, 2);
  EXPECT_TRUE(detect_loss_jumps(std::vector<float>{}, {}).empty());
  EXPECT_TRUE(detect_loss_jumps(std::vector<float>{1.0f}, {}).empty());
}

// ------------------------------------------------------------------ switches

std::vector<SnapshotRow> rows_of(const std::string& classes) {
  // '0' not learned, 'L' LC, 'S' SP; epochs 10, 20, ...
  std::vector<SnapshotRow> out;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    SnapshotRow r;
    r.epoch = 10 * static_cast<std::int64_t>(i + 1);
    r.net_class = classes[i] == 'L' ? NetClass::lc : classes[i] == 'S' ? NetClass::sp : NetClass::fail;
    out.push_back(r);
  }
  return out;
}

TEST(Switches, DebouncedDropsFlickersRawCountsEveryChange) {
  const auto r = rows_of("SSLSSLLL");
  const auto deb = debounced_switches(r);
  ASSERT_EQ(deb.size(), 1u);
  EXPECT_EQ(deb[0].from, NetClass::sp);
  EXPECT_EQ(deb[0].to, NetClass::lc);
  EXPECT_EQ(deb[0].epoch, 60);  // first LC of the last run
  EXPECT_EQ(raw_switches(r).size(), 3u);
}

TEST(Switches, NotLearnedSnapshotsAreSkippedNotBreaks) {
  // SP, unlearned, SP, LC, LC: one switch; the 0 does not split the SP run.
  const auto deb = debounced_switches(rows_of("S0SLL"));
  ASSERT_EQ(deb.size(), 1u);
  EXPECT_EQ(deb[0].epoch, 40);
  EXPECT_EQ(raw_switches(rows_of("S0SLL")).size(), 1u);
  // A single SP before LC LC: not established, no debounced switch.
  EXPECT_TRUE(debounced_switches(rows_of("000SLL")).empty());
  EXPECT_EQ(raw_switches(rows_of("000SLL")).size(), 1u);
}

TEST(Switches, BackAndForthAndTrailingFlicker) {
  const auto deb = debounced_switches(rows_of("LLSSLLS"));
  ASSERT_EQ(deb.size(), 2u);
  EXPECT_EQ(deb[0].to, NetClass::sp);
  EXPECT_EQ(deb[0].epoch, 30);
  EXPECT_EQ(deb[1].to, NetClass::lc);
  EXPECT_EQ(deb[1].epoch, 50);
  EXPECT_EQ(raw_switches(rows_of("LLSSLLS")).size(), 3u);  // the last S is raw only
  EXPECT_TRUE(debounced_switches(rows_of("LSLSLS")).empty());
  EXPECT_EQ(debounced_switches(rows_of("LSLSLS"), 1).size(), 5u);
}

// ------------------------------------------------------------------ null test

TEST(NullTest, SwitchesAtTheJumpsBeatRandomEpochs) {
  std::vector<SwitchSample> s;
  std::vector<std::int64_t> eligible;
  for (std::int64_t e = 20; e <= 1000; e += 10) eligible.push_back(e);
  for (int i = 0; i < 12; ++i) s.push_back({0, eligible, {500}});
  const NullTest t = null_test(s, 50, 2000, 7);
  EXPECT_EQ(t.observed_median, 0.0);
  EXPECT_GT(t.null_median, 150.0);
  EXPECT_LT(t.p_value, 0.01);
  EXPECT_EQ(t.observed_within, 1.0);
  // Switches far from the jump: not significant.
  for (SwitchSample& x : s) x.distance = 480;
  EXPECT_GT(null_test(s, 50, 2000, 7).p_value, 0.9);
  EXPECT_EQ(jump_distance(30, std::vector<std::int64_t>{10, 45}), 15);
  EXPECT_EQ(jump_distance(30, std::vector<std::int64_t>{}), -1);
}

TEST(NullTest, TheTimingMatchedNullSeparatesOwnJumpsFromEarlyTraining) {
  std::vector<std::int64_t> eligible;
  for (std::int64_t e = 20; e <= 1000; e += 10) eligible.push_back(e);
  // (a) Every network switches at its learning onset, epoch 30, where every
  // network also has its jump: the same-network null (random epochs over
  // training) calls this significant; the matched null (other networks'
  // switch epochs) does not: the timing alone explains it.
  std::vector<SwitchSample> early;
  for (int i = 0; i < 12; ++i) early.push_back({0, eligible, {30}, 30, i, 0});
  EXPECT_LT(null_test(early, 50, 2000, 7).p_value, 0.01);
  const NullTest m = matched_null_test(early, 50, 2000, 7);
  EXPECT_EQ(m.switches, 12);
  EXPECT_EQ(m.null_median, 0.0);
  EXPECT_GT(m.p_value, 0.9);
  // (b) Each network switches at ITS OWN jump, at different epochs: both
  // nulls reject.
  std::vector<SwitchSample> own;
  for (int i = 0; i < 12; ++i) own.push_back({0, eligible, {100 + 70 * i}, 100 + 70 * i, i, 0});
  const NullTest mo = matched_null_test(own, 50, 2000, 7);
  EXPECT_LT(mo.p_value, 0.01);
  EXPECT_GE(mo.null_median, 70.0);
  // Switches are paired only within their group, and only across networks:
  // a group with one switching network has no matched null.
  std::vector<SwitchSample> lonely = own;
  lonely[0].group = 1;
  EXPECT_EQ(matched_null_test(lonely, 50, 2000, 7).switches, 11);
  std::vector<SwitchSample> one_net(3, SwitchSample{0, eligible, {100}, 100, 5, 0});
  const NullTest none = matched_null_test(one_net, 50, 2000, 7);
  EXPECT_EQ(none.switches, 0);
  EXPECT_TRUE(std::isnan(none.null_median));
}

// ------------------------------------------------------------------ the runner

// Small and fast-learning networks of each family with the PSD classifier:
// learned after a few hundred epochs, so that the snapshots run free runs
// (checked, else the tests would prove nothing).
struct LearningCase {
  const char* name;
  const Family& (*family)();
  const char* preset;
  int n;
  double lr;
};

const LearningCase kCases[] = {
    {"rate_rnn", rate_rnn::family, "dcdt-nopost", 24, 0.3},
    {"gru", gru::family, "gru-nopost", 16, 1.0},
};

// gtest prints a parameter in test listings (and so in ctest's test names):
// the family name, not the struct's bytes (pointers that change per build).
void PrintTo(const LearningCase& c, std::ostream* os) { *os << c.name; }

TaskSpec learning_spec(const LearningCase& c, int snapshots) {
  TaskSpec s = c.family().make(c.preset);
  sec(s).model.n = c.n;
  sec(s).task.delay = 20;
  sec(s).task.reps = 8;
  sec(s).train.lr = c.lr;
  sec(s).train.epochs = 400;
  sec(s).train.seed = 1;
  EXPECT_TRUE(s.config->set_snapshots(snapshots));
  return s;
}

// Bitwise equality of two tables (NaN rho of not-learned snapshots included).
bool same_bits(const Table* a, const Table* b) {
  if (!a || !b || a->name != b->name || a->columns != b->columns || a->data.size() != b->data.size()) return false;
  return std::memcmp(a->data.data(), b->data.data(), a->data.size() * sizeof(double)) == 0;
}

class SnapshotRunner : public ::testing::TestWithParam<LearningCase> {
 protected:
  TaskSpec spec(int snapshots) const { return learning_spec(GetParam(), snapshots); }
};

TaskResult run(const TaskSpec& spec, RunControl* ctl = nullptr) {
  std::optional<TaskResult> r = spec.family->run(spec, ctl);
  EXPECT_TRUE(r.has_value());
  return *r;
}

TEST_P(SnapshotRunner, SnapshotsDoNotChangeTheTraining) {
  const TaskResult off = run(spec(0));
  const TaskResult on = run(spec(10));
  EXPECT_EQ(off.extras.table(snapshot_names::snapshots), nullptr);
  EXPECT_EQ(off.extras.table(snapshot_names::loss_jumps), nullptr);
  EXPECT_TRUE(off.extras.metrics.empty());
  const Table* t = on.extras.table(snapshot_names::snapshots);
  ASSERT_NE(t, nullptr);
  const std::vector<SnapshotRow> rows = snapshot_rows(t);
  ASSERT_EQ(rows.size(), 40u);  // epochs 10, 20, ..., 400
  EXPECT_EQ(rows.front().epoch, 10);
  EXPECT_EQ(rows.back().epoch, 400);
  int learned = 0;
  for (const SnapshotRow& r : rows) learned += std::isfinite(r.rho);
  ASSERT_GT(learned, 5) << "the network must learn, or no free run was made";
  // Bit-identical training: weights (a rate RNN's Params, another family's
  // packed vectors in extras), curves, classification.
  EXPECT_TRUE(on.initial == off.initial);
  EXPECT_TRUE(on.final == off.final);
  EXPECT_EQ(on.extras.initial, off.extras.initial);
  EXPECT_EQ(on.extras.final, off.extras.final);
  EXPECT_EQ(on.curves, off.curves);
  EXPECT_EQ(on.cls.net_class, off.cls.net_class);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(on.cls.psd_ratio), std::bit_cast<std::uint64_t>(off.cls.psd_ratio));
  // The rows carry the every-epoch curve values one update before.
  for (const SnapshotRow& r : rows) {
    EXPECT_EQ(r.loss, static_cast<double>(on.curves.loss[static_cast<std::size_t>(r.epoch - 1)]));
    EXPECT_EQ(r.accuracy, static_cast<double>(on.curves.accuracy[static_cast<std::size_t>(r.epoch - 1)]));
  }
  // The loss-jump table is the detector on the every-epoch loss.
  const Table* j = on.extras.table(snapshot_names::loss_jumps);
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(j->rows(), detect_loss_jumps(on.curves.loss, {}).size());
  EXPECT_EQ(on.extras.metric(snapshot_names::jump_window), 50.0);
  EXPECT_EQ(on.extras.metric(snapshot_names::every), 10.0);
}

TEST_P(SnapshotRunner, LastEpochIsAlwaysSnapshotted) {
  const TaskResult on = run(spec(30));  // 400 is not a multiple of 30
  const std::vector<SnapshotRow> rows = snapshot_rows(on.extras.table(snapshot_names::snapshots));
  ASSERT_EQ(rows.size(), 14u);  // 30, ..., 390, 400
  EXPECT_EQ(rows[12].epoch, 390);
  EXPECT_EQ(rows.back().epoch, 400);
}

TEST_P(SnapshotRunner, StopAndResumeGivesTheSameTable) {
  const TaskSpec sp = spec(10);
  const TaskResult ref = run(sp);
  // Stop at epochs 55, 160 (just after a snapshot at 160) and 333, resuming
  // each time from the saved state, as the engine does.
  std::optional<std::string> state;
  std::optional<TaskResult> out;
  for (std::int64_t stop_at : {55, 160, 333, -1}) {
    RunControl ctl;
    ctl.resume = state;
    ctl.poll = [stop_at](std::int64_t e) { return e == stop_at ? RunAction::stop : RunAction::go_on; };
    ctl.save = [&state](std::string s) { state = std::move(s); };
    out = sp.family->run(sp, &ctl);
    if (stop_at >= 0) {
      ASSERT_FALSE(out.has_value()) << stop_at;
    }
  }
  ASSERT_TRUE(out.has_value());
  for (std::string_view name : {snapshot_names::snapshots, snapshot_names::loss_jumps})
    EXPECT_TRUE(same_bits(out->extras.table(name), ref.extras.table(name))) << name;
  EXPECT_EQ(out->extras.metrics, ref.extras.metrics);
  EXPECT_TRUE(out->final == ref.final);
  EXPECT_EQ(out->extras.final, ref.extras.final);
  EXPECT_EQ(out->curves, ref.curves);
}

TEST_P(SnapshotRunner, CheckpointWithoutItsSnapshotBlockIsRefused) {
  const TaskSpec off = spec(0), on = spec(10);
  std::optional<std::string> state;
  RunControl ctl;
  ctl.poll = [](std::int64_t e) { return e == 20 ? RunAction::stop : RunAction::go_on; };
  ctl.save = [&state](std::string s) { state = std::move(s); };
  ASSERT_FALSE(off.family->run(off, &ctl).has_value());
  ASSERT_TRUE(state.has_value());
  RunControl resume;
  resume.resume = state;
  EXPECT_THAT([&] { (void)on.family->run(on, &resume); }, ThrowsMessage<IoError>(HasSubstr("snapshot block")));
}

INSTANTIATE_TEST_SUITE_P(Families, SnapshotRunner, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<LearningCase>& i) { return std::string(i.param.name); });

TEST(SnapshotRecorder, RoundTripAndDue) {
  SnapshotRecorder a(5, 3);
  EXPECT_FALSE(a.due(0, false));
  EXPECT_TRUE(a.due(5, false));
  EXPECT_FALSE(a.due(6, false));
  EXPECT_TRUE(a.due(7, true));
  EXPECT_FALSE(SnapshotRecorder(0, 3).due(5, true));
  Curves c;
  c.resize(10);
  for (std::size_t i = 0; i < 10; ++i) c.loss[i] = c.accuracy[i] = c.reliability[i] = 0.1f * static_cast<float>(i);
  a.take(5, c, [](Rng&) { return Mat<double>(); });
  a.take(5, c, [](Rng&) { return Mat<double>(); });  // twice: one row
  a.take(10, c, [](Rng&) {
    Mat<double> f(90, 3);
    for (int t = 0; t < 90; ++t) f.row(t) << std::sin(0.5 * t), std::cos(0.5 * t), 0.1;
    return f;
  });
  ASSERT_EQ(a.rows().size(), 2u);
  EXPECT_EQ(a.rows()[0].net_class, NetClass::fail);  // acc 0.4 at epoch 5
  EXPECT_EQ(a.rows()[1].net_class, NetClass::lc);    // acc 0.9, a rotation
  ByteWriter w;
  a.put(w);
  const std::string bytes = w.take();
  SnapshotRecorder b(5, 3);
  ByteReader r(bytes, "mem");
  b.get(r);
  EXPECT_TRUE(r.done());
  ASSERT_EQ(b.rows().size(), a.rows().size());
  for (std::size_t i = 0; i < a.rows().size(); ++i) {
    EXPECT_EQ(b.rows()[i].epoch, a.rows()[i].epoch);
    EXPECT_EQ(b.rows()[i].net_class, a.rows()[i].net_class);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(b.rows()[i].rho), std::bit_cast<std::uint64_t>(a.rows()[i].rho));
    EXPECT_EQ(b.rows()[i].loss, a.rows()[i].loss);
  }
  ByteReader cut(std::string_view(bytes).substr(0, bytes.size() - 3), "mem");
  EXPECT_THROW(b.get(cut), IoError);
}

// ------------------------------------------------------------------ campaign key

const char* kCampaign = R"(name: snap
family: dcdt-nopost
grid:
  lr: [0.1, 0.05]
  delay: [0, 20]
seeds: 2
train: {epochs: 100}
output: {record_every: 1%s}
)";

Campaign parse_with(const std::string& extra) {
  char buf[512];
  std::snprintf(buf, sizeof buf, kCampaign, extra.c_str());
  return parse_campaign(buf, "snap.yaml");
}

TEST(SnapshotKey, ZeroLeavesTheCanonicalTextAndHashAlone) {
  const Campaign plain = parse_with(""), zero = parse_with(", snapshots: 0"), ten = parse_with(", snapshots: 10");
  EXPECT_EQ(zero.canonical, plain.canonical);
  EXPECT_EQ(zero.hash, plain.hash);
  EXPECT_THAT(plain.canonical, Not(HasSubstr("snapshots")));
  EXPECT_THAT(ten.canonical, HasSubstr("output.snapshots: 10\n"));
  EXPECT_NE(ten.hash, plain.hash);
  // The snapshot interval reaches every task, but not the task keys (it is
  // not part of the encoding: the training is the same).
  ASSERT_EQ(ten.tasks.size(), plain.tasks.size());
  for (std::size_t i = 0; i < ten.tasks.size(); ++i) {
    EXPECT_EQ(ten.tasks[i].key, plain.tasks[i].key);
    EXPECT_EQ(ten.tasks[i].spec.config->snapshots(), 10);
    EXPECT_EQ(plain.tasks[i].spec.config->snapshots(), 0);
  }
  // The canonical text parses back to the same campaign.
  EXPECT_EQ(parse_campaign(ten.canonical, "canonical").hash, ten.hash);
}

TEST(SnapshotKey, BadValuesAndFamiliesWithoutTheClassifierAreRefused) {
  EXPECT_THAT([] { parse_with(", snapshots: -1"); },
              ThrowsMessage<ConfigError>(HasSubstr("output.snapshots must be >= 0 (0: off) (got -1)")));
  const std::string nomem = R"(family: no-memory
grid: {lr: [0.1]}
seeds: 1
output: {snapshots: 10}
)";
  EXPECT_THAT([&] { parse_campaign(nomem, "n.yaml"); },
              ThrowsMessage<ConfigError>(HasSubstr("output.snapshots is only used by families with the PSD "
                                                   "classifier")));
  const std::string toy = R"(family: toy-ghost
grid: {lr: [0.1]}
seeds: 1
output: {snapshots: 10}
)";
  EXPECT_THAT([&] { parse_campaign(toy, "t.yaml"); },
              ThrowsMessage<ConfigError>(HasSubstr("output.snapshots is only used by families")));
}

}  // namespace
}  // namespace memphase
