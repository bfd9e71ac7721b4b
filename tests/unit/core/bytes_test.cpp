// TaskResult records of the journals: thinned at commit to the curve points
// a campaign file keeps (put_committed), decoded with their CurveSampling;
// records without the thinned block (written before it existed, or with
// record_every 1) decode exactly as before, and record_every 1 still writes
// the old bytes.
#include "core/bytes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "support/spec_access.hpp"
#include "families/registry.hpp"

namespace memphase {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// The TaskResult encoding as it was before curves could be thinned (field
/// order of the old put()): the "old-format record" every decoder must read.
std::string legacy_bytes(const TaskResult& t) {
  ByteWriter w;
  put(w, t.spec);
  w.put(t.epochs_planned); w.put(t.epochs_run); w.put(t.status);
  w.put(t.cls.net_class); w.put(t.cls.learned); w.put(t.cls.stable); w.put(t.cls.psd_ratio);
  put(w, t.initial); put(w, t.final); put(w, t.curves);
  w.put(t.train_seconds);
  if (!t.extras.empty()) {
    const Extras& x = t.extras;
    w.put<std::uint32_t>(0x45585431);  // "EXT1"
    w.put_vector(x.initial); w.put_vector(x.final);
    w.put<std::uint64_t>(x.metrics.size());
    for (const auto& [k, v] : x.metrics) { w.put_string(k); w.put(v); }
    w.put<std::uint64_t>(x.tables.size());
    for (const Table& tb : x.tables) {
      w.put_string(tb.name);
      w.put<std::uint64_t>(tb.columns.size());
      for (const auto& c : tb.columns) w.put_string(c);
      w.put_vector(tb.data);
    }
  }
  return w.take();
}

std::string committed_bytes(const TaskResult& t) {
  ByteWriter w;
  put_committed(w, t);
  return w.take();
}

std::string plain_bytes(const TaskResult& t) {
  ByteWriter w;
  put(w, t);
  return w.take();
}

TaskResult decode(const std::string& bytes) {
  ByteReader rd(bytes, "mem");
  TaskResult t;
  t.sampling = {7, 99};  // must be reset by get()
  get(rd, t, decode_spec);
  EXPECT_TRUE(rd.done());
  return t;
}

/// A rate RNN of N = 3 with `epochs` epochs run and `curve_len` curve entries
/// whose values name their epoch (loss 1000 + e, ...), kept every `every`.
TaskResult dense_result(std::int64_t epochs, int every, std::int64_t curve_len = -1) {
  if (curve_len < 0) curve_len = epochs;
  TaskResult r;
  r.spec = make_spec("dcdt-nopost", "test");
  sec(r.spec).model.n = 3;
  sec(r.spec).train.record_every = every;
  sec(r.spec).train.epochs = 40;
  r.epochs_planned = 40;
  r.epochs_run = epochs;
  r.status = Status::done;
  r.cls = {NetClass::lc, true, true, 0.3125};
  r.train_seconds = 1.25;
  r.initial = Params<float>::zeros(3);
  r.final = Params<float>::zeros(3);
  r.final.W_rec(1, 2) = 0.5f;
  r.final.b_out(1) = -2.0f;
  for (std::int64_t e = 0; e < curve_len; ++e) {
    const auto x = static_cast<float>(e);
    r.curves.loss.push_back(1000.0f + x);
    r.curves.accuracy.push_back(2000.0f + x);
    r.curves.reliability.push_back(3000.0f + x);
    r.curves.grad_norm.push_back(4000.0f + x);
  }
  return r;
}

Extras some_extras() {
  Extras x;
  x.initial = {1.0f, 2.0f, 3.0f};
  x.final = {4.0f, 5.0f, 6.0f};
  x.set("stuck", 1.0);
  x.set("recovery_epochs", 12.0);
  Table t{"checkpoints", {"epoch", "loss", "accuracy"}, {}};
  t.add_row({0.0, 1.5, 0.25});
  t.add_row({10.0, 0.5, 0.75});
  x.tables.push_back(t);
  return x;
}

/// Points of `v` at `epochs`.
std::vector<float> at(const std::vector<float>& v, const std::vector<std::int64_t>& epochs) {
  std::vector<float> out;
  for (std::int64_t e : epochs) out.push_back(v[static_cast<std::size_t>(e)]);
  return out;
}

/// Bitwise equality of float vectors (NaN entries compare by their bits).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void expect_thinned(const TaskResult& back, const TaskResult& dense, std::int64_t n, int every) {
  const std::vector<std::int64_t> kept = kept_epochs(n, every);
  EXPECT_EQ(back.sampling, (CurveSampling{every, n}));
  EXPECT_EQ(curve_epochs(back), n);
  EXPECT_TRUE(same_bits(back.curves.loss, at(dense.curves.loss, kept)));
  EXPECT_TRUE(same_bits(back.curves.accuracy, at(dense.curves.accuracy, kept)));
  EXPECT_TRUE(same_bits(back.curves.reliability, at(dense.curves.reliability, kept)));
  EXPECT_TRUE(same_bits(back.curves.grad_norm, at(dense.curves.grad_norm, kept)));
  // Everything else as committed.
  EXPECT_EQ(back.epochs_run, dense.epochs_run);
  EXPECT_EQ(back.epochs_planned, dense.epochs_planned);
  EXPECT_EQ(back.status, dense.status);
  EXPECT_EQ(back.cls.net_class, dense.cls.net_class);
  EXPECT_EQ(back.train_seconds, dense.train_seconds);
  EXPECT_EQ(back.final.W_rec, dense.final.W_rec);
  EXPECT_EQ(back.final.b_out, dense.final.b_out);
  EXPECT_EQ(back.extras, dense.extras);
}

TEST(KeptEpochs, EveryKthEpochAndTheLast) {
  EXPECT_THAT(kept_epochs(23, 5), ElementsAre(0, 5, 10, 15, 20, 22));
  EXPECT_THAT(kept_epochs(21, 5), ElementsAre(0, 5, 10, 15, 20));  // last on the grid: once
  EXPECT_THAT(kept_epochs(2, 5), ElementsAre(0, 1));
  EXPECT_THAT(kept_epochs(1, 5), ElementsAre(0));
  EXPECT_TRUE(kept_epochs(0, 5).empty());
  EXPECT_THAT(kept_epochs(4, 1), ElementsAre(0, 1, 2, 3));
  for (std::int64_t n = -1; n <= 60; ++n)
    for (int k = 0; k <= 9; ++k)
      EXPECT_EQ(kept_count(n, k), static_cast<std::int64_t>(kept_epochs(n, k).size())) << n << " " << k;
}

TEST(JournalRecord, RecordEveryOneWritesTheOldBytes) {
  TaskResult rnn = dense_result(23, 1);
  TaskResult ghost = dense_result(17, 1, 18);  // diverged: one more (non-finite) entry
  ghost.status = Status::diverged;
  ghost.curves.loss.back() = kNaN;
  ghost.extras = some_extras();
  for (const TaskResult* r : {&rnn, &ghost}) {
    EXPECT_EQ(committed_sampling(*r), CurveSampling{});
    const std::string bytes = committed_bytes(*r);
    EXPECT_EQ(bytes, legacy_bytes(*r));
    EXPECT_EQ(bytes, plain_bytes(*r));
    const TaskResult back = decode(bytes);
    EXPECT_FALSE(back.sampling.thinned());
    EXPECT_TRUE(same_bits(back.curves.loss, r->curves.loss));
    EXPECT_EQ(back.curves.size(), r->curves.size());
  }
}

TEST(JournalRecord, NothingToDropWritesTheOldBytes) {
  // Toys have no curves (epochs_run counts GD updates); runs of at most two
  // epochs keep every epoch; neither gets a thinned block.
  TaskResult toy;
  toy.spec = make_spec("toy-ghost", "test");
  sec(toy.spec).train.record_every = 5;
  toy.epochs_run = 1234;
  TaskResult two = dense_result(2, 5);
  TaskResult none = dense_result(0, 5);
  for (const TaskResult* r : {&toy, &two, &none}) {
    EXPECT_EQ(committed_sampling(*r), CurveSampling{});
    EXPECT_EQ(committed_bytes(*r), legacy_bytes(*r));
    EXPECT_FALSE(decode(committed_bytes(*r)).sampling.thinned());
  }
}

TEST(JournalRecord, ThinnedRoundTripKeepsTheCampaignFilePoints) {
  const TaskResult dense = dense_result(23, 5);
  const std::string bytes = committed_bytes(dense);
  const TaskResult back = decode(bytes);
  expect_thinned(back, dense, 23, 5);
  EXPECT_THAT(back.curves.loss, ElementsAre(1000, 1005, 1010, 1015, 1020, 1022));
  // A decoded thinned record encodes to the same bytes again (put and put_committed).
  EXPECT_EQ(plain_bytes(back), bytes);
  EXPECT_EQ(committed_bytes(back), bytes);
  // The in-memory result is not touched: training and classification stay dense.
  EXPECT_EQ(dense.curves.size(), 23u);
  EXPECT_FALSE(dense.sampling.thinned());
}

TEST(JournalRecord, ThinnedWithAndWithoutExtras) {
  TaskResult with = dense_result(40, 10);
  with.extras = some_extras();
  const std::string bytes = committed_bytes(with);
  const TaskResult back = decode(bytes);
  expect_thinned(back, with, 40, 10);
  EXPECT_EQ(back.extras, with.extras);
  EXPECT_EQ(plain_bytes(back), bytes);

  // The thinned block comes before the extras, which stay the last block: a
  // caller may append its own fields after the record (ghost checkpoints do).
  ByteWriter w;
  put_committed(w, with);
  w.put<int>(2);
  ByteReader rd(w.str(), "mem");
  TaskResult t;
  get(rd, t, decode_spec);
  EXPECT_EQ(t.extras, with.extras);
  EXPECT_EQ(t.sampling, (CurveSampling{10, 40}));
  EXPECT_EQ(rd.get<int>(), 2);
  EXPECT_TRUE(rd.done());
}

TEST(JournalRecord, DivergedNetworksThinTheirCurveEpochs) {
  // Ghost/WCRNN: the non-finite epoch has a curve entry but is not run
  // (curves.size() == epochs_run + 1); the file keeps kept_epochs(epochs_run).
  TaskResult ghost = dense_result(10, 3, 11);
  ghost.status = Status::diverged;
  ghost.curves.loss.back() = kNaN;
  ghost.extras = some_extras();
  EXPECT_EQ(curve_epochs(ghost), 10);
  const TaskResult g = decode(committed_bytes(ghost));
  expect_thinned(g, ghost, 10, 3);
  EXPECT_THAT(g.curves.loss, ElementsAre(1000, 1003, 1006, 1009));

  // A rate RNN whose last epoch has a NaN loss (curves.size() == epochs_run):
  // the NaN point is the last kept epoch and survives bit for bit.
  TaskResult rnn = dense_result(12, 5);
  rnn.status = Status::diverged;
  rnn.cls = {NetClass::fail, false, false, std::numeric_limits<double>::quiet_NaN()};
  rnn.curves.loss.back() = kNaN;
  const TaskResult r = decode(committed_bytes(rnn));
  expect_thinned(r, rnn, 12, 5);
  ASSERT_EQ(r.curves.size(), 4u);
  EXPECT_TRUE(std::isnan(r.curves.loss[3]));
  EXPECT_TRUE(std::isnan(r.cls.psd_ratio));

  // Diverged at its first epoch: no epoch run, one non-finite entry, nothing kept.
  TaskResult first = dense_result(0, 5, 1);
  first.status = Status::diverged;
  const TaskResult f = decode(committed_bytes(first));
  EXPECT_EQ(f.sampling, (CurveSampling{5, 0}));
  EXPECT_EQ(f.curves.size(), 0u);
  EXPECT_EQ(curve_epochs(f), 0);
}

TEST(JournalRecord, OldDenseRecordsStillDecode) {
  // Written before thinning: dense curves although record_every is 5.
  TaskResult rnn = dense_result(23, 5);
  TaskResult ghost = dense_result(17, 5, 18);
  ghost.extras = some_extras();
  for (const TaskResult* r : {&rnn, &ghost}) {
    const TaskResult back = decode(legacy_bytes(*r));
    EXPECT_EQ(back.sampling, CurveSampling{});
    EXPECT_EQ(back.curves, r->curves);
    EXPECT_EQ(back.extras, r->extras);
    EXPECT_EQ(curve_epochs(back), curve_epochs(*r));
    EXPECT_EQ(plain_bytes(back), legacy_bytes(*r));
  }
}

TEST(JournalRecord, CommittedRecordIsSmallerByAboutRecordEvery) {
  // 6000 epochs kept every 10 (ghost-lr-sweep-quick): 601 of 6000 points stay.
  // The difference is exactly the dropped points (4 floats each) minus the
  // 16-byte block [tag u32][every i32][epochs i64].
  TaskResult r = dense_result(6000, 10);
  r.extras = some_extras();
  const std::string dense = plain_bytes(r), thin = committed_bytes(r);
  const std::size_t dropped = 6000 - 601;
  EXPECT_EQ(dense.size() - thin.size(), dropped * 4 * sizeof(float) - 16);
  EXPECT_LT(thin.size() * 9, dense.size());  // more than 9x smaller (N = 3: the curves dominate)
  EXPECT_LT(thin.size(), dense.size());
}

TEST(JournalRecord, CorruptThinnedBlocksAreRefused) {
  const std::string good = committed_bytes(dense_result(23, 5));
  // Offsets from the end: ... [tag u32][every i32][epochs i64].
  const std::size_t every_at = good.size() - 12, epochs_at = good.size() - 8, tag_at = good.size() - 16;
  auto patched = [&](std::size_t at, auto v) {
    std::string s = good;
    std::memcpy(s.data() + at, &v, sizeof v);
    return s;
  };
  auto fails = [](const std::string& bytes, const char* why) {
    ByteReader rd(bytes, "rec");
    TaskResult t;
    EXPECT_THAT([&] { get(rd, t, decode_spec); }, ThrowsMessage<IoError>(HasSubstr(why)));
  };
  fails(patched(every_at, std::int32_t{1}), "thinned curves");       // stride 1 is never written
  fails(patched(every_at, std::int32_t{4}), "thinned curves");       // 6 points are not kept(23, 4)
  fails(patched(epochs_at, std::int64_t{24}), "thinned curves");     // more epochs than epochs_run
  fails(patched(epochs_at, std::int64_t{-1}), "thinned curves");
  fails(patched(tag_at, std::uint32_t{0x12345678}), "extras marker");  // unknown block
  fails(good.substr(0, good.size() - 3), "truncated");
}

}  // namespace
}  // namespace memphase
