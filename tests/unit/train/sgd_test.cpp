// PyTorch SGD(momentum=0.9, weight_decay=wd) reproduced by hand-computed numbers.
#include <gtest/gtest.h>

#include "families/rate_rnn/sgd.hpp"

namespace memphase {
namespace {

TEST(Sgd, ReproducesPyTorchMomentumAndWeightDecayByHand) {
  // One scalar in every tensor suffices to follow the arithmetic; use N = 1.
  Params<double> p = Params<double>::zeros(1, 1, 1);
  p.W_rec(0, 0) = 2.0;
  SgdState<double> st;
  const double lr = 0.1, m = 0.9, wd = 0.01;

  // Step 1: g = 0.5 + 0.01*2 = 0.52; buf = g = 0.52; p = 2 - 0.1*0.52 = 1.948
  Params<double> g = Params<double>::zeros(1, 1, 1);
  g.W_rec(0, 0) = 0.5;
  sgd_step(p, g, st, lr, m, wd);
  EXPECT_DOUBLE_EQ(st.buf.W_rec(0, 0), 0.52);
  EXPECT_DOUBLE_EQ(p.W_rec(0, 0), 1.948);

  // Step 2: g = -0.3 + 0.01*1.948 = -0.28052; buf = 0.9*0.52 - 0.28052 = 0.18748;
  //         p = 1.948 - 0.1*0.18748 = 1.929252
  g = Params<double>::zeros(1, 1, 1);
  g.W_rec(0, 0) = -0.3;
  sgd_step(p, g, st, lr, m, wd);
  EXPECT_NEAR(st.buf.W_rec(0, 0), 0.18748, 1e-15);
  EXPECT_NEAR(p.W_rec(0, 0), 1.929252, 1e-15);

  // Step 3 with zero gradient: g = 0.01*1.929252 = 0.01929252;
  //         buf = 0.9*0.18748 + 0.01929252 = 0.18802452; p = 1.929252 - 0.018802452
  g = Params<double>::zeros(1, 1, 1);
  sgd_step(p, g, st, lr, m, wd);
  EXPECT_NEAR(st.buf.W_rec(0, 0), 0.18802452, 1e-15);
  EXPECT_NEAR(p.W_rec(0, 0), 1.910449548, 1e-15);
}

TEST(Sgd, FirstStepSetsBufferToGradientNotMomentumTimesZero) {
  Params<float> p = Params<float>::zeros(2);
  p.b_out.setConstant(1.0f);
  Params<float> g = Params<float>::zeros(2);
  g.b_out.setConstant(0.25f);
  SgdState<float> st;
  sgd_step(p, g, st, 1.0, 0.9, 0.0);
  EXPECT_FLOAT_EQ(p.b_out(0), 0.75f);  // not 1 - 0.1*0.25
  EXPECT_TRUE(st.initialised);
}

TEST(Sgd, PlainSgdWithoutMomentum) {
  Params<double> p = Params<double>::zeros(1, 1, 1);
  p.W_in(0, 0) = 1.0;
  Params<double> g = Params<double>::zeros(1, 1, 1);
  g.W_in(0, 0) = 2.0;
  SgdState<double> st;
  sgd_step(p, g, st, 0.5, 0.0, 0.0);
  EXPECT_DOUBLE_EQ(p.W_in(0, 0), 0.0);
}

}  // namespace
}  // namespace memphase
