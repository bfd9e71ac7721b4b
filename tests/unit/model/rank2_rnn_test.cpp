// The rank-2 network of SPEC §7 (families/rank2/rank2_rnn.hpp): task layout
// and weights of the variants, the recurrence, the seed-only initialisation,
// the exact BPTT gradient against finite differences (double), SGD, and the
// latent classifier on synthetic maps and on constructed networks.
#include "families/rank2/rank2_rnn.hpp"

#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

#include "core/rng.hpp"
#include "support/gradcheck.hpp"

namespace memphase {
namespace {

Rank2Task task_of(Rank2Variant v) {
  Rank2Task t;
  t.layout = rank2_layout(v);
  return t;
}

TEST(Rank2Task, VariantLayoutsTargetsAndWeightsAreSpec7) {
  const Rank2Task a = task_of(Rank2Variant::a);
  ASSERT_EQ(a.total(), 17);
  for (int t = 1; t <= 17; ++t) {
    EXPECT_EQ(a.target(t), t > 15 ? 1.0 : 0.0) << t;
    EXPECT_DOUBLE_EQ(a.weight(t), t <= 15 ? 2.0 / 17 : 15.0 / 17) << t;
  }
  const Rank2Task d = task_of(Rank2Variant::d);
  ASSERT_EQ(d.total(), 14);
  for (int t = 1; t <= 14; ++t) {
    EXPECT_EQ(d.target(t), t == 7 || t == 8 ? 1.0 : 0.0) << t;
    EXPECT_DOUBLE_EQ(d.weight(t), t <= 6 ? 8.0 / 14 : 1.0 - 8.0 / 14) << t;
  }
  EXPECT_EQ(task_of(Rank2Variant::b).total(), 40);
  EXPECT_EQ(task_of(Rank2Variant::c).total(), 8);
  EXPECT_DOUBLE_EQ(task_of(Rank2Variant::c).weight(1), 2.0 / 8);
}

TEST(Rank2Net, InitDependsOnSeedOnlyInTheDocumentedDrawOrder) {
  const Rank2Task task = task_of(Rank2Variant::a);
  const auto a = Rank2Net<double>::init(20, 7, task),
             b = Rank2Net<double>::init(20, 7, task_of(Rank2Variant::d));
  EXPECT_EQ(a.params().pack(), b.params().pack());
  EXPECT_EQ(a.x0(), b.x0());
  EXPECT_NE(a.params().pack(), Rank2Net<double>::init(20, 8, task).params().pack());
  Rng rng(7, stream::init);
  Mat<double> m(20, 2), n(2, 20);
  rng.fill_normal(m, 1.0 / std::sqrt(20.0));
  rng.fill_normal(n, 1.0 / std::sqrt(20.0));
  Vec<double> w(2), bo(1), x0(20);
  rng.fill_normal(w, std::sqrt(0.5));
  rng.fill_normal(bo, 1.0);
  rng.fill_normal(x0, 0.1);
  EXPECT_EQ(a.params().m, m);
  EXPECT_EQ(a.params().n, n);
  EXPECT_EQ(a.params().w_out, w);
  EXPECT_EQ(a.params().b_out, bo(0));
  EXPECT_EQ(a.params().b, Vec<double>::Zero(20));
  EXPECT_EQ(a.x0(), x0);
}

TEST(Rank2Net, ForwardIsTheSpecRecurrenceAndTheLatentCircuitIsClosed) {
  const Rank2Task task = task_of(Rank2Variant::a);
  auto net = Rank2Net<double>::init(30, 3, task);
  net.params().b.setConstant(0.2);  // a non-zero bias
  const Rank2Params<double>& p = net.params();
  const auto f = net.forward();
  Vec<double> x = net.x0();
  double loss = 0.0;
  for (int t = 1; t <= 17; ++t) {
    x = 0.5 * x + 0.5 * (p.m * (p.n * x) + p.b).array().tanh().matrix();
    const double o = 1.0 / (1.0 + std::exp(-(p.w_out.dot(p.n * x) + p.b_out)));
    EXPECT_NEAR(f.out(t - 1), o, 1e-14) << t;
    loss += task.weight(t) * (o - task.target(t)) * (o - task.target(t));
  }
  EXPECT_NEAR(f.loss, loss / 17, 1e-15);
  // κ_{t+1} = (1-α) κ_t + α n tanh(m κ_t + b): the 2-D map reproduces κ_t.
  const Mat<double> K = latent_run(rank2_latent_map(p, 0.5), p.n * net.x0(), 17);
  EXPECT_LT((K - f.kappa).cwiseAbs().maxCoeff(), 1e-13);
}

/// Relative error of each parameter group of the BPTT gradient against 4th-order
/// central differences of the loss, all in double.
void check_gradient(const Rank2Net<double>& net, const char* what) {
  const Rank2Params<double> g = net.gradient();
  const Vec<double> v = net.params().pack();
  Rank2Net<double> probe = net;
  const Vec<double> fd = test::central_gradient(
      [&](const Vec<double>& w) {
        probe.params().unpack(w);
        return probe.forward().loss;
      },
      v);
  Rank2Params<double> gfd = net.params();
  gfd.unpack(fd);
  const double em = test::max_rel_error(g.m.reshaped(), gfd.m.reshaped());
  const double en = test::max_rel_error(g.n.reshaped(), gfd.n.reshaped());
  const double eb = test::max_rel_error(g.b, gfd.b);
  const double ew = test::max_rel_error(g.w_out, gfd.w_out);
  Vec<double> go(1), gofd(1);
  go << g.b_out;
  gofd << gfd.b_out;
  const double eo = test::max_rel_error(go, gofd);
  std::printf(
      "gradient check (%s): max relative error m %.2e, n %.2e, b %.2e, w_out %.2e, b_out %.2e\n",
      what, em, en, eb, ew, eo);
  EXPECT_LT(em, 1e-6);
  EXPECT_LT(en, 1e-6);
  EXPECT_LT(eb, 1e-6);
  EXPECT_LT(ew, 1e-6);
  EXPECT_LT(eo, 1e-6);
  EXPECT_GT(g.m.norm(), 0.0);  // every group actually carries gradient
  EXPECT_GT(g.b.norm(), 0.0);
}

TEST(Rank2Gradient, MatchesFiniteDifferencesAtInitInEveryVariant) {
  for (const Rank2Variant v :
       {Rank2Variant::a, Rank2Variant::b, Rank2Variant::c, Rank2Variant::d}) {
    auto net = Rank2Net<double>::init(40, 11, task_of(v));
    net.params().b.setConstant(0.05);
    check_gradient(net, "init");
  }
}

TEST(Rank2Gradient, MatchesFiniteDifferencesAfterTraining) {
  auto net = Rank2Net<double>::init(40, 2, task_of(Rank2Variant::a));
  for (int e = 0; e < 300; ++e) ASSERT_TRUE(net.sgd_step(0.5).finite);
  check_gradient(net, "after 300 epochs at lr 0.5");
}

TEST(Rank2Gradient, SgdStepSubtractsLrScaledGradient) {
  auto net = Rank2Net<double>::init(25, 4, task_of(Rank2Variant::d));
  const Vec<double> before = net.params().pack();
  const Vec<double> g = net.gradient().pack();
  const double loss = net.forward().loss;
  const Rank2Step st = net.sgd_step(0.3);
  EXPECT_DOUBLE_EQ(st.loss, loss);
  EXPECT_NEAR(st.grad_norm, g.norm(), 1e-14);
  EXPECT_LT((net.params().pack() - (before - 0.3 * g)).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(Rank2Gradient, FloatTrainingFollowsDouble) {
  const Rank2Task task = task_of(Rank2Variant::a);
  auto d = Rank2Net<double>::init(50, 5, task);
  auto f = Rank2Net<float>::init(50, 5, task);
  for (int e = 0; e < 100; ++e) {
    const double ld = d.sgd_step(0.1).loss, lf = f.sgd_step(0.1).loss;
    ASSERT_NEAR(lf, ld, 1e-3 * ld) << e;
  }
}

TEST(Rank2Train, AnAbsurdStepIsDivergedNotAnException) {
  auto net = Rank2Net<double>::init(20, 0, task_of(Rank2Variant::a));
  net.params().m(0, 0) = std::numeric_limits<double>::quiet_NaN();
  const Vec<double> before = net.params().pack();
  const Rank2Step st = net.sgd_step(0.1);
  EXPECT_FALSE(st.finite);
  const Vec<double> after = net.params().pack();  // no update made
  for (Eigen::Index i = 0; i < before.size(); ++i)
    EXPECT_TRUE(after(i) == before(i) || (std::isnan(after(i)) && std::isnan(before(i)))) << i;
}

// ------------------------------------------------------------ classifier --

LatentMap linear_map(const Mat<double>& A, const Vec<double>& c) {
  return {[A, c](const Vec<double>& k) -> Vec<double> { return c + A * (k - c); },
          [A](const Vec<double>&) -> Mat<double> { return A; }};
}

TEST(Rank2Classifier, ARotationIsALimitCycleWithZeroLyapunovExponent) {
  const double th = 2 * std::numbers::pi / 11;  // period 11 steps
  Mat<double> R(2, 2);
  R << std::cos(th), -std::sin(th), std::sin(th), std::cos(th);
  Vec<double> k0(2), c(2);
  k0 << 1.0, 0.3;
  c << 0.4, -0.2;
  const LatentClass lc = classify_latent(linear_map(R, c), k0, 17);
  std::printf("rotation: rho %.4f lambda1 %.2e class %d\n", lc.rho, lc.lambda1,
              static_cast<int>(lc.net_class));
  EXPECT_EQ(lc.net_class, NetClass::lc);
  EXPECT_LT(lc.rho, 0.5);
  EXPECT_LT(std::abs(lc.lambda1), 1e-10);
  EXPECT_GT(lc.amplitude, 1.0);
}

TEST(Rank2Classifier, ADecayToAFixedPointIsASlowPointWithNegativeExponent) {
  Mat<double> A(2, 2);
  A << 0.8, 0.1, -0.05, 0.7;  // eigenvalues 0.75 ± 0.05i... real parts < 1
  Vec<double> k0(2), c(2);
  k0 << 1.5, -1.0;
  c << 0.3, 0.6;
  const LatentClass lc = classify_latent(linear_map(A, c), k0, 17);
  const double expect =
      std::log(Eigen::EigenSolver<Mat<double>>(A).eigenvalues().cwiseAbs().maxCoeff());
  std::printf("decay: rho %.4f lambda1 %.4f (log|eig| %.4f) class %d\n", lc.rho, lc.lambda1, expect,
              static_cast<int>(lc.net_class));
  EXPECT_EQ(lc.net_class, NetClass::sp);
  EXPECT_GE(lc.rho, 0.5);
  EXPECT_NEAR(lc.lambda1, expect, 1e-3);
  EXPECT_LT(lc.amplitude, 1e-6);
}

/// A rank-2 network whose latent circuit is rotation-equivariant: m_i = s
/// u_i, n_i = (2g/(N s)) R(θ) u_i with u_i on the unit circle, so that n m =
/// g R(θ) and F(κ) ≈ -κ + g R(θ) κ near 0.
Rank2Params<double> rotational_net(int N, double g, double theta) {
  Rank2Params<double> p;
  p.m.resize(N, 2);
  p.n.resize(2, N);
  const double s = 0.5;
  Mat<double> R(2, 2);
  R << std::cos(theta), -std::sin(theta), std::sin(theta), std::cos(theta);
  for (int i = 0; i < N; ++i) {
    Vec<double> u(2);
    u << std::cos(2 * std::numbers::pi * i / N), std::sin(2 * std::numbers::pi * i / N);
    p.m.row(i) = s * u.transpose();
    p.n.col(i) = 2 * g / (N * s) * R * u;
  }
  p.b = Vec<double>::Zero(N);
  p.w_out = Vec<double>::Zero(2);
  p.b_out = 0.0;
  return p;
}

TEST(Rank2Classifier, ANetworkWithAnUnstableFocusOscillatesAndOneWithAStableNodeSettles) {
  Vec<double> k0(2);
  k0 << 0.3, 0.1;
  // g cos θ > 1: the origin is an unstable focus; tanh saturation bounds the
  // orbit: a limit cycle.
  const LatentClass lc =
      classify_latent(rank2_latent_map(rotational_net(64, 2.0, std::numbers::pi / 4), 0.5), k0, 17);
  std::printf("network LC: rho %.4f lambda1 %.2e amplitude %.3f\n", lc.rho, lc.lambda1,
              lc.amplitude);
  EXPECT_EQ(lc.net_class, NetClass::lc);
  EXPECT_LT(std::abs(lc.lambda1), 5e-3);
  EXPECT_GT(lc.amplitude, 0.1);
  // g = 0.5, θ = 0: the origin is a stable node.
  const LatentClass sp =
      classify_latent(rank2_latent_map(rotational_net(64, 0.5, 0.0), 0.5), k0, 17);
  std::printf("network SP: rho %.4f lambda1 %.4f\n", sp.rho, sp.lambda1);
  EXPECT_EQ(sp.net_class, NetClass::sp);
  EXPECT_NEAR(sp.lambda1, std::log(0.75), 1e-3);  // map eigenvalue 1 + α(-1 + g)
}

TEST(Rank2Classifier, OnlyAPerfectNetworkIsLearnedAndClassified) {
  LatentClass lc;
  lc.net_class = NetClass::lc;
  lc.rho = 0.1;
  const Classification yes = rank2_classification(1.0, lc);
  EXPECT_TRUE(yes.learned);
  EXPECT_EQ(yes.net_class, NetClass::lc);
  EXPECT_EQ(yes.psd_ratio, 0.1);
  const Classification no = rank2_classification(16.0 / 17, lc);
  EXPECT_FALSE(no.learned);
  EXPECT_EQ(no.net_class, NetClass::fail);
  EXPECT_TRUE(std::isnan(no.psd_ratio));
}

}  // namespace
}  // namespace memphase
