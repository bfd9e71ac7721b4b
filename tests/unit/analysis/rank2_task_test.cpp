// One rank-2 task of a campaign (families/rank2/rank2_task.hpp): the same
// numbers as the model's own SGD loop, the early stop, curves thinned by the
// runner, resume == uninterrupted run, the diagnostic tables, and the journal
// encoding of the result.
#include "families/rank2/rank2_task.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "families/rank2/config.hpp"
#include "families/rank2/family.hpp"
#include "families/rank2/rank2_rnn.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

TaskSpec spec(std::int64_t epochs, std::uint64_t seed = 0, double lr = 0.1, int every = 1) {
  TaskSpec s = rank2::family().make("rank2-a");
  sec(s).model.n = 40;
  sec(s).train.lr = lr;
  sec(s).train.epochs = epochs;
  sec(s).train.seed = seed;
  sec(s).train.record_every = every;
  rank2::config(s).rank2.early_stop = 0.0;
  return s;
}

Rank2Task task_a() {
  Rank2Task t;
  t.layout = rank2_layout(Rank2Variant::a);
  return t;
}

TEST(Rank2Task, MatchesTheModelsSgdLoop) {
  const TaskSpec s = spec(300, 3);
  const TaskResult r = *run_rank2_task(s);
  auto net = Rank2Net<float>::init(40, 3, task_a());
  ASSERT_EQ(r.epochs_run, 300);
  ASSERT_EQ(r.curves.size(), 300u);
  EXPECT_FALSE(r.sampling.thinned());
  for (std::size_t e = 0; e < 300; ++e) {
    const Rank2Step st = net.sgd_step(0.1);
    EXPECT_EQ(r.curves.loss[e], static_cast<float>(st.loss)) << e;
    EXPECT_EQ(r.curves.accuracy[e], static_cast<float>(st.accuracy)) << e;
  }
  const Vec<float> fin = net.params().pack();
  ASSERT_EQ(r.extras.final.size(), static_cast<std::size_t>(fin.size()));
  for (Eigen::Index i = 0; i < fin.size(); ++i)
    EXPECT_EQ(r.extras.final[static_cast<std::size_t>(i)], fin(i));
  EXPECT_EQ(r.extras.metric("final_loss"), net.forward().loss);
  EXPECT_EQ(r.extras.metric("epochs_run"), 300.0);
  EXPECT_EQ(r.extras.metric("stopped"), 0.0);
  EXPECT_TRUE(std::isnan(r.extras.metric("stop_epoch")));
}

TEST(Rank2Task, EarlyStopEndsAfterTheFirstEpochBelowTheRatio) {
  TaskSpec s = spec(100000, 1, 1.0);
  rank2::config(s).rank2.early_stop = 0.3;
  const TaskResult r = *run_rank2_task(s);
  ASSERT_EQ(r.extras.metric("stopped"), 1.0);
  const std::size_t n = r.curves.size();
  ASSERT_EQ(static_cast<std::int64_t>(n), r.epochs_run);
  EXPECT_EQ(r.extras.metric("stop_epoch"), static_cast<double>(n));
  const double loss0 = r.curves.loss[0];
  EXPECT_LT(r.curves.loss[n - 1], 0.3 * loss0 * (1 + 1e-6));
  for (std::size_t e = 0; e + 1 < n; ++e)
    ASSERT_GE(r.curves.loss[e], 0.3 * loss0 * (1 - 1e-6)) << e;
  EXPECT_LT(r.epochs_run, 100000);
  // Without the early stop the same network goes on (same curve up to there).
  TaskSpec longer = spec(static_cast<std::int64_t>(n) + 20, 1, 1.0);
  const TaskResult l = *run_rank2_task(longer);
  EXPECT_EQ(l.epochs_run, static_cast<std::int64_t>(n) + 20);
  for (std::size_t e = 0; e < n; ++e) ASSERT_EQ(l.curves.loss[e], r.curves.loss[e]) << e;
}

TEST(Rank2Task, TheRunnerThinsItsCurvesToThePointsAFileKeeps) {
  const TaskResult dense = *run_rank2_task(spec(95, 2));
  const TaskResult thin = *run_rank2_task(spec(95, 2, 0.1, 10));
  ASSERT_TRUE(thin.sampling.thinned());
  EXPECT_EQ(thin.sampling.every, 10);
  EXPECT_EQ(thin.sampling.epochs, 95);
  EXPECT_EQ(thin.curves, thin_curves(dense.curves, 95, 10));
  EXPECT_EQ(thin.curves.size(), 11u);  // 0, 10, ..., 90 and 94
  EXPECT_EQ(curve_epochs(thin), 95);
  // The journal encoding keeps them as they are and decodes them.
  ByteWriter w;
  put_committed(w, thin);
  const std::string b = w.take();
  ByteReader rd(b, "test");
  TaskResult back;
  get(rd, back, [](ByteReader& r) { return rank2::family().decode(r); });
  EXPECT_EQ(back.curves, thin.curves);
  EXPECT_EQ(back.sampling, thin.sampling);
  EXPECT_EQ(back.extras.metrics.size(), thin.extras.metrics.size());
  EXPECT_EQ(back.extras.tables, thin.extras.tables);
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
  EXPECT_FALSE(run_rank2_task(s, &ctl).has_value());
  RunControl again;
  again.resume = saved;
  return *run_rank2_task(s, &again);
}

std::string bytes_of(const TaskResult& r) {
  TaskResult t = r;
  t.train_seconds = 0.0;
  ByteWriter w;
  put(w, t);
  return w.take();
}

TEST(Rank2Task, ResumeEqualsAnUninterruptedRun) {
  TaskSpec s = spec(400, 5, 0.3, 7);
  rank2::config(s).rank2.diag_every = 100;
  rank2::config(s).rank2.flow_grid = 5;
  const TaskResult whole = *run_rank2_task(s);
  EXPECT_EQ(bytes_of(interrupted(s, 150, 250)), bytes_of(whole));
  EXPECT_EQ(bytes_of(interrupted(s, 99, 101)), bytes_of(whole));  // stopped right after a snapshot
}

TEST(Rank2Task, DiagnosticTablesEveryDiagEpochAndAtTheEnd) {
  TaskSpec s = spec(250, 4, 0.3);
  rank2::config(s).rank2.diag_every = 100;
  rank2::config(s).rank2.flow_grid = 6;
  const TaskResult r = *run_rank2_task(s);
  const Table* la = r.extras.table("latent");
  ASSERT_NE(la, nullptr);
  ASSERT_EQ(la->rows(), 4u);  // epochs 0, 100, 200 and the end (250)
  const std::size_t w = la->columns.size();
  EXPECT_EQ(la->data[0 * w], 0.0);
  EXPECT_EQ(la->data[1 * w], 100.0);
  EXPECT_EQ(la->data[3 * w], 250.0);
  // The read-out boundary of the last row is that of the final parameters.
  const std::size_t nf = r.extras.final.size();
  EXPECT_EQ(la->data[3 * w + 3], static_cast<double>(r.extras.final[nf - 3]));
  EXPECT_EQ(la->data[3 * w + 4], static_cast<double>(r.extras.final[nf - 2]));
  EXPECT_EQ(la->data[3 * w + 5], static_cast<double>(r.extras.final[nf - 1]));
  // ... and its loss that of the curve at epoch 100 for the second row.
  EXPECT_EQ(static_cast<float>(la->data[1 * w + 1]), r.curves.loss[100]);
  const Table* tr = r.extras.table("trajectory");
  ASSERT_NE(tr, nullptr);
  EXPECT_EQ(tr->rows(), 4u * (3 * 17 + 1));
  const Table* fl = r.extras.table("flow");
  ASSERT_NE(fl, nullptr);
  EXPECT_EQ(fl->rows(), 4u * 36);
  const Table* sp = r.extras.table("slow_points");
  ASSERT_NE(sp, nullptr);
  EXPECT_GT(sp->rows(), 0u);
  // Final class metrics agree with the last latent row and cls.
  EXPECT_EQ(r.extras.metric("rho"), la->data[3 * w + 6]);
  EXPECT_EQ(r.extras.metric("lambda1"), la->data[3 * w + 7]);
  EXPECT_EQ(r.cls.learned, r.extras.metric("final_accuracy") == 1.0);
  if (r.cls.learned)
    EXPECT_EQ(static_cast<double>(r.cls.net_class), r.extras.metric("latent_class"));
  else
    EXPECT_EQ(r.cls.net_class, NetClass::fail);
}

TEST(Rank2Task, AnAbsurdLearningRateIsAnOutcomeNotACrash) {
  // lr 1e30 saturates every unit (the gradient vanishes: done, not learned);
  // 1e38 overflows float (diverged). Either way a recorded outcome.
  for (const double lr : {1e30, 1e38}) {
    const TaskResult r = *run_rank2_task(spec(200, 0, lr));
    EXPECT_EQ(static_cast<std::int64_t>(r.curves.size()), r.epochs_run) << lr;
    if (r.status == Status::diverged) {
      EXPECT_EQ(r.cls.net_class, NetClass::fail);
      EXPECT_LT(r.epochs_run, 200);
      EXPECT_TRUE(std::isnan(r.extras.metric("final_loss")));
    } else {
      EXPECT_EQ(r.epochs_run, 200);
      EXPECT_TRUE(std::isfinite(r.extras.metric("final_loss")));
    }
    std::printf("lr %g: status %d after %lld epochs\n", lr, static_cast<int>(r.status),
                static_cast<long long>(r.epochs_run));
  }
}

TEST(Rank2Task, CorruptOrForeignResumeStateThrows) {
  RunControl ctl;
  ctl.resume = std::string("not a state");
  EXPECT_THROW(run_rank2_task(spec(10), &ctl), IoError);
  std::string saved;
  RunControl a;
  a.poll = [](std::int64_t e) { return e == 5 ? RunAction::stop : RunAction::go_on; };
  a.save = [&](std::string st) { saved = std::move(st); };
  ASSERT_FALSE(run_rank2_task(spec(10), &a).has_value());
  RunControl b;
  b.resume = saved;
  EXPECT_THROW(run_rank2_task(spec(10, 1), &b), IoError);
}

}  // namespace
}  // namespace memphase
