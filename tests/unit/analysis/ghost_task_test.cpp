// One ghost task of a campaign (analysis/ghost_task.hpp): the same numbers as
// the model's own training loop, resume == uninterrupted run, diagnostics
// tables, the recovery phase and the journal encoding of the extras.
#include "families/ghost/ghost_task.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/bytes.hpp"
#include "families/ghost/ghost_rnn.hpp"
#include "support/spec_access.hpp"
#include "families/ghost/config.hpp"
#include "families/ghost/family.hpp"

namespace memphase {
namespace {

TaskSpec rank1(std::int64_t epochs, std::uint64_t seed = 0) {
  TaskSpec s = ghost::family().make("ghost-rank1");
  sec(s).model.n = 100;
  sec(s).train.lr = 0.02;
  sec(s).train.momentum = 0.0;
  sec(s).train.weight_decay = 0.0;
  sec(s).train.epochs = epochs;
  sec(s).train.seed = seed;
  return s;
}

TEST(GhostTask, Rank1MatchesTheModelsTrainingLoop) {
  const TaskSpec s = rank1(300, 3);
  const TaskResult r = *run_ghost_task(s);
  GhostRank1<double> net = GhostRank1<double>::init(100, 3);
  GhostTrainOptions opt;
  opt.epochs = 300;
  opt.lr = 0.02;
  const GhostTrainRecord rec = net.train(opt);
  ASSERT_EQ(r.epochs_run, 300);
  ASSERT_EQ(r.curves.size(), 300u);
  for (std::size_t e = 0; e < 300; ++e) {
    EXPECT_EQ(r.curves.loss[e], static_cast<float>(rec.loss[e])) << e;
    EXPECT_EQ(r.curves.accuracy[e], static_cast<float>(rec.accuracy[e])) << e;
  }
  EXPECT_DOUBLE_EQ(r.extras.metric("final_loss"), rec.final_loss);
  const GhostOutcome o = ghost_outcome(rec);
  EXPECT_EQ(r.extras.metric("learned"), o.learned ? 1.0 : 0.0);
  EXPECT_EQ(r.extras.metric("stuck"), o.stuck ? 1.0 : 0.0);
  EXPECT_EQ(r.extras.initial.size(), 300u);
  const Vec<double> fin = net.params().pack();
  for (Eigen::Index i = 0; i < fin.size(); ++i)
    EXPECT_EQ(r.extras.final[static_cast<std::size_t>(i)], static_cast<float>(fin(i)));
}

/// Runs with a controller that checkpoints at `ckpt` and stops at `stop`
/// (epochs), then resumes from the last saved state.
TaskResult interrupted(const TaskSpec& s, std::int64_t ckpt, std::int64_t stop) {
  std::string saved;
  RunControl ctl;
  ctl.poll = [&](std::int64_t e) {
    return e == stop ? RunAction::stop : e == ckpt ? RunAction::checkpoint : RunAction::go_on;
  };
  ctl.save = [&](std::string st) { saved = std::move(st); };
  EXPECT_FALSE(run_ghost_task(s, &ctl).has_value());
  RunControl again;
  again.resume = saved;
  return *run_ghost_task(s, &again);
}

/// Bitwise comparison (NaN entries compare equal): the encoded extras.
std::string bytes_of(const Extras& x) {
  TaskResult t;
  t.spec = ghost::family().make("ghost-rank1");
  t.extras = x;
  ByteWriter w;
  put(w, t);
  return w.take();
}

void expect_same(const TaskResult& a, const TaskResult& b) {
  EXPECT_EQ(a.curves, b.curves);
  EXPECT_EQ(a.epochs_run, b.epochs_run);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(bytes_of(a.extras), bytes_of(b.extras));
}

TEST(GhostTask, ResumeInEitherPhaseEqualsAnUninterruptedRun) {
  TaskSpec s = rank1(400, 1);
  ghost::config(s).ghost.diag_every = 100;
  ghost::config(s).ghost.recovery_confidence = 0.1;
  ghost::config(s).ghost.recovery_epochs = 50;
  const TaskResult whole = *run_ghost_task(s);
  expect_same(interrupted(s, 150, 250), whole);  // stopped in phase 1
  expect_same(interrupted(s, 410, 430), whole);  // stopped in the recovery phase
}

TEST(GhostTask, RankKResume) {
  TaskSpec s = rank1(200, 2);
  ghost::config(s).ghost.kind = GhostModel::rankK;
  ghost::config(s).ghost.rank = 2;
  sec(s).model.n = 30;
  ghost::config(s).ghost.diag_every = 100;
  const TaskResult whole = *run_ghost_task(s);
  EXPECT_EQ(whole.extras.initial.size(), static_cast<std::size_t>(2 * 30 * 2 + 30 + 30 + 1));
  ASSERT_NE(whole.extras.table("slow_points"), nullptr);
  EXPECT_GT(whole.extras.table("slow_points")->rows(), 0u);
  expect_same(interrupted(s, 50, 120), whole);
}

TEST(GhostTask, LatentTablesEveryDiagEpochAndAtTheEnd) {
  TaskSpec s = rank1(250, 0);
  ghost::config(s).ghost.diag_every = 100;
  const TaskResult r = *run_ghost_task(s);
  const Table* lat = r.extras.table("latent");
  const Table* flow = r.extras.table("flow");
  ASSERT_NE(lat, nullptr);
  ASSERT_NE(flow, nullptr);
  ASSERT_EQ(lat->rows(), 4u);  // epochs 0, 100, 200 and the end, 250
  TaskSpec s2 = rank1(200, 0);
  ghost::config(s2).ghost.diag_every = 100;  // the end (200) is a multiple of diag_every: still recorded
  const Table* lat2 = run_ghost_task(s2)->extras.table("latent");
  ASSERT_EQ(lat2->rows(), 3u);
  const std::size_t w = lat->columns.size();
  ASSERT_EQ(w, 10u);
  EXPECT_EQ(lat2->data[2 * w], 200.0);
  EXPECT_EQ(lat->data[0], 0.0);
  EXPECT_EQ(lat->data[3 * w], 250.0);
  EXPECT_EQ(flow->rows(), 4u * 241u);
  // Every column of the epoch-100 row is that of the parameters of its epoch.
  GhostRank1<double> net = GhostRank1<double>::init(100, 0);
  for (int e = 0; e < 100; ++e) net.sgd_step(0.02);
  const Rank1Latent l = rank1_latent(net.params());
  auto col = [&](const char* name) {
    const auto it = std::find(lat->columns.begin(), lat->columns.end(), name);
    EXPECT_NE(it, lat->columns.end()) << name;
    return lat->data[1 * w + static_cast<std::size_t>(it - lat->columns.begin())];
  };
  EXPECT_EQ(col("fixed_points"), l.fixed_points);
  ASSERT_EQ(l.roots.size(), 1u);
  EXPECT_EQ(col("kappa_fp"), l.roots[0]);
  EXPECT_EQ(col("speed_kstar"), std::abs(rank1_flow(net.params(), 1.0)));
  EXPECT_DOUBLE_EQ(col("kappa0"), -0.3 * net.params().n.sum());  // κ_0 = n·x_0, x_0 = -0.3
}

TEST(GhostTask, DropEpochIsTheFirstEpochBelowHalfTheInitialLoss) {
  TaskSpec s = rank1(3500, 28);  // seed 28 at lr 0.02 drops near epoch 3,340 (ghost-fig4)
  const TaskResult r = *run_ghost_task(s);
  const double drop = r.extras.metric("drop_epoch");
  ASSERT_TRUE(std::isfinite(drop));
  const auto d = static_cast<std::size_t>(drop);
  ASSERT_GT(d, 0u);
  EXPECT_LT(r.curves.loss[d], 0.5 * r.curves.loss[0]);
  for (std::size_t e = 0; e < d; ++e) EXPECT_GE(r.curves.loss[e], 0.5 * r.curves.loss[0]) << e;
  // No drop: NaN.
  const TaskResult flat = *run_ghost_task(rank1(20, 0));
  EXPECT_TRUE(std::isnan(flat.extras.metric("drop_epoch")));
}

TEST(GhostTask, RecoveryPhaseLowersTheConfidenceAndRecordsItsCurve) {
  TaskSpec s = rank1(6000, 0);  // seed 0 ends stuck in the no-learning zone at lr 0.02
  ghost::config(s).ghost.recovery_confidence = 0.0853;
  ghost::config(s).ghost.recovery_epochs = 100;
  const TaskResult r = *run_ghost_task(s);
  ASSERT_EQ(r.extras.metric("stuck"), 1.0);
  EXPECT_EQ(r.epochs_run, 6100);
  const Table* t = r.extras.table("recovery");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->rows(), 101u);  // epochs 0..99 before their update, then after the last
  EXPECT_EQ(r.extras.metric("recovery_final_accuracy"), t->data[100 * 3 + 2]);
  // The same continuation by hand.
  GhostRank1<double> net = GhostRank1<double>::init(100, 0);
  GhostTrainOptions opt;
  opt.epochs = 6000;
  net.train(opt);
  const GhostTrainRecord rec = ghost_recover(net, 0.0853, 100, 0.02);
  EXPECT_DOUBLE_EQ(r.extras.metric("recovery_final_accuracy"), rec.final_accuracy);
}

TEST(GhostTask, AbsurdLearningRateIsAnOutcomeNotACrash) {
  // tanh saturates, so a ghost network's gradient vanishes instead of
  // overflowing (the model's own tests inject NaN parameters for the
  // diverged status). Whatever happens must be a consistent record.
  for (GhostModel kind : {GhostModel::rank1, GhostModel::rankK}) {
    TaskSpec s = rank1(50, 0);
    ghost::config(s).ghost.kind = kind;
    ghost::config(s).ghost.rank = kind == GhostModel::rankK ? 2 : 1;
    sec(s).model.n = 20;
    sec(s).train.lr = 1e308;
    TaskResult r;
    ASSERT_NO_THROW(r = *run_ghost_task(s));
    const std::size_t extra = r.status == Status::diverged ? 1 : 0;
    EXPECT_EQ(r.curves.size(), static_cast<std::size_t>(r.epochs_run) + extra);
    EXPECT_EQ(std::isnan(r.extras.metric("final_loss")), r.status == Status::diverged);
  }
}

TEST(GhostTask, ExtrasSurviveTheJournalEncoding) {
  TaskSpec s = rank1(120, 4);
  ghost::config(s).ghost.diag_every = 60;
  const TaskResult r = *run_ghost_task(s);
  ByteWriter w;
  put(w, r);
  ByteReader rd(w.str(), "test");
  TaskResult back;
  get(rd, back, +[](ByteReader& b) { return ghost::family().decode(b); });
  EXPECT_TRUE(rd.done());
  EXPECT_EQ(bytes_of(back.extras), bytes_of(r.extras));
  EXPECT_EQ(back.extras.tables.size(), 3u);  // latent, flow, checkpoints
  EXPECT_EQ(back.extras.metrics.size(), r.extras.metrics.size());
  EXPECT_EQ(ghost::config(back.spec).ghost.kind, GhostModel::rank1);
  EXPECT_EQ(ghost::config(back.spec).ghost.diag_every, 60);
}

TEST(GhostTask, CorruptResumeStateThrows) {
  RunControl ctl;
  ctl.resume = std::string("not a state");
  EXPECT_THROW(run_ghost_task(rank1(10), &ctl), IoError);
  // A state of another task is refused too.
  std::string saved;
  RunControl a;
  a.poll = [](std::int64_t e) { return e == 5 ? RunAction::stop : RunAction::go_on; };
  a.save = [&](std::string st) { saved = std::move(st); };
  run_ghost_task(rank1(10, 1), &a);
  RunControl b;
  b.resume = saved;
  EXPECT_THROW(run_ghost_task(rank1(10, 2), &b), IoError);
}

}  // namespace
}  // namespace memphase
