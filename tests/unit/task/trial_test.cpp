// The reference's quirks: metric window rounding, loss weights, epoch formula.
#include <gtest/gtest.h>

#include "delayed_cue/trial.hpp"

namespace memphase {
namespace {

TrialLayout dcdt(double delay, double post = 0) {
  TaskConfig t;
  t.delay = delay;
  t.post = post;
  return make_layout(t, 5.0);
}

TEST(Window, MatchesPythonIntOfSecondsArithmetic) {
  // Expected values computed with CPython:
  //   int((0.030+d)/0.005-1), int((0.030+d+0.050)/0.005-1)
  struct W { double delay; int s, e; };
  for (const W w : {W{0, 5, 15}, W{20, 9, 19}, W{200, 45, 55}, W{300, 64, 74}, W{320, 69, 78},
                    W{400, 85, 95}, W{420, 88, 98}, W{440, 92, 103}, W{800, 165, 175}}) {
    const TrialLayout L = dcdt(w.delay);
    EXPECT_EQ(L.win_begin, w.s) << "delay " << w.delay;
    EXPECT_EQ(L.win_end, w.e) << "delay " << w.delay;
  }
}

TEST(Window, IsShiftedOneStepEarlyOfTheTargetWindow) {
  const TrialLayout L = dcdt(200);
  EXPECT_EQ(L.steps, 56);  // the benchmark configuration: T = 56
  EXPECT_EQ(L.target_begin, 46);
  EXPECT_EQ(L.target_end, 56);
  EXPECT_EQ(L.win_begin, L.target_begin - 1);
  // 300 ms: rounding shifts the start one more step (65 -> 64).
  EXPECT_EQ(dcdt(300).target_begin - dcdt(300).win_begin, 2);
  // 320 ms: only the end is shifted by rounding (79 -> 78).
  EXPECT_EQ(dcdt(320).win_end, dcdt(320).target_end - 2);
}

TEST(Layout, StepCountsAndPostPeriod) {
  const TrialLayout L = dcdt(100, 30);
  EXPECT_EQ(L.n_cue, 6);
  EXPECT_EQ(L.n_delay, 20);
  EXPECT_EQ(L.n_resp, 10);
  EXPECT_EQ(L.n_post, 6);
  EXPECT_EQ(L.steps, 42);
  EXPECT_TRUE(L.input_on(5));
  EXPECT_FALSE(L.input_on(6));
  EXPECT_TRUE(L.target_on(26));
  EXPECT_FALSE(L.target_on(36));  // post period: target 0
}

TEST(LossWeights, LastMStepsWeighOneMinusMOverT) {
  const TrialLayout L = dcdt(200);  // T = 56, m = 10
  EXPECT_DOUBLE_EQ(L.weight[0], 10.0 / 56);
  EXPECT_DOUBLE_EQ(L.weight[45], 10.0 / 56);
  EXPECT_DOUBLE_EQ(L.weight[46], 1.0 - 10.0 / 56);
  EXPECT_DOUBLE_EQ(L.weight[55], 1.0 - 10.0 / 56);
  const TrialLayout P = dcdt(200, 30);  // T = 62, m = 16 (response + post)
  EXPECT_DOUBLE_EQ(P.weight[45], 16.0 / 62);
  EXPECT_DOUBLE_EQ(P.weight[46], 1.0 - 16.0 / 62);
  EXPECT_DOUBLE_EQ(P.weight[61], 1.0 - 16.0 / 62);
}

TEST(LossWeights, PlainMseHasUnitWeights) {
  TaskConfig t;
  t.loss = LossKind::mse;
  t.delay = 100;
  for (double w : make_layout(t, 5.0).weight) EXPECT_EQ(w, 1.0);
}

TEST(NoMemory, TargetEverywhereAndFinalStepWindow) {
  TaskConfig t;
  t.kind = TaskKind::no_memory;
  t.response = 60;
  const TrialLayout L = make_layout(t, 5.0);
  EXPECT_EQ(L.steps, 6 + 12);
  EXPECT_TRUE(L.target_on(0));
  EXPECT_TRUE(L.target_on(17));
  EXPECT_EQ(L.win_begin, 17);
  EXPECT_EQ(L.win_end, 18);
}

TEST(Epochs, ReferenceFormulaTruncates) {
  TrainConfig c;
  c.lr = 0.1;
  EXPECT_EQ(c.resolved_epochs(), 1000);
  c.lr = 0.01;
  EXPECT_EQ(c.resolved_epochs(), 3000);
  c.lr = 0.026826957952797256;  // logspace(-1,-3,15)[4]: 1118.3 -> 1118
  EXPECT_EQ(c.resolved_epochs(), 1118);
  c.lr = 0.0071968567300115215;  // 4168.5 -> 4168
  EXPECT_EQ(c.resolved_epochs(), 4168);
  c.lr = 0.001;
  EXPECT_EQ(c.resolved_epochs(), 30000);
  c.epochs_coeff = 100;  // post period: max(1000, 100/lr)
  c.lr = 0.05179474679231213;
  EXPECT_EQ(c.resolved_epochs(), 1930);
  c.epochs = 77;  // explicit wins
  EXPECT_EQ(c.resolved_epochs(), 77);
}

}  // namespace
}  // namespace memphase
