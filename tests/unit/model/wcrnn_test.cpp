// WCRNN of SPEC §6: residual matrices, initialisation, exact BPTT gradients
// (checked against finite differences), SGD with momentum and clipping
// (PyTorch semantics), and the adding-problem generator.
#include "families/wcrnn/wcrnn.hpp"

#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <numbers>
#include <vector>

#include "core/rng.hpp"
#include "support/gradcheck.hpp"

namespace memphase {
namespace {

using test::central_gradient;
using test::max_rel_error;

WcrnnBatch<double> random_batch(int n_in, int n_out, int T, int B, WcrnnLoss loss,
                                std::uint64_t seed) {
  Rng rng(seed, "test");
  WcrnnBatch<double> batch;
  for (int t = 0; t < T; ++t) {
    Mat<double> x(n_in, B);
    rng.fill_normal(x, 1.0);
    batch.x.push_back(x);
  }
  if (loss == WcrnnLoss::mse) {
    batch.target.resize(n_out, B);
    rng.fill_normal(batch.target, 1.0);
  } else {
    for (int j = 0; j < B; ++j) batch.labels.push_back(static_cast<int>(rng.next() % n_out));
  }
  return batch;
}

std::vector<double> sorted_moduli(const Mat<double>& R) {
  Eigen::EigenSolver<Mat<double>> es(R);
  std::vector<double> m;
  for (Eigen::Index i = 0; i < R.rows(); ++i) m.push_back(std::abs(es.eigenvalues()(i)));
  std::sort(m.begin(), m.end());
  return m;
}

// ------------------------------------------------------------- residual ----

TEST(WcrnnResidual, HomogeneousIsRTimesIdentity) {
  ResidualSpec s;
  s.r = 0.93;
  const Mat<double> R = make_residual(5, s);
  EXPECT_TRUE(R.isApprox(0.93 * Mat<double>::Identity(5, 5), 0.0));
}

TEST(WcrnnResidual, RotationalHasEigenvaluesREToThePlusMinusIPhi) {
  ResidualSpec s;
  s.kind = ResidualKind::rotational;
  s.r = 0.9;
  s.phi = 2 * std::numbers::pi / 28;
  for (int n : {6, 7}) {
    const Mat<double> R = make_residual(n, s);
    Eigen::EigenSolver<Mat<double>> es(R);
    int with_phase = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const std::complex<double> l = es.eigenvalues()(i);
      EXPECT_NEAR(std::abs(l), 0.9, 1e-12) << "n=" << n;
      if (std::abs(std::abs(std::arg(l)) - s.phi) < 1e-12) ++with_phase;
    }
    EXPECT_EQ(with_phase, 2 * (n / 2)) << "n=" << n;
    // R / r is orthogonal.
    EXPECT_TRUE(((R / 0.9).transpose() * (R / 0.9)).isApprox(Mat<double>::Identity(n, n), 1e-12));
    if (n % 2 == 1) {
      // odd N: the last unit is alone, with R = r.
      EXPECT_DOUBLE_EQ(R(n - 1, n - 1), 0.9);
      EXPECT_EQ(R.row(n - 1).head(n - 1).norm(), 0.0);
      EXPECT_EQ(R.col(n - 1).head(n - 1).norm(), 0.0);
    }
  }
}

TEST(WcrnnResidual, HeterogeneousDrawsFromRangesDeterministicallyPerSeed) {
  ResidualSpec s;
  s.kind = ResidualKind::heterogeneous_diag;
  s.r_lo = 0.5;
  s.r_hi = 0.9;
  const Mat<double> a = make_residual(50, s, 3), b = make_residual(50, s, 3),
                    c = make_residual(50, s, 4);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(Mat<double>(a.diagonal().asDiagonal()) == a);
  EXPECT_GE(a.diagonal().minCoeff(), 0.5);
  EXPECT_LT(a.diagonal().maxCoeff(), 0.9);
  EXPECT_GT(a.diagonal().maxCoeff() - a.diagonal().minCoeff(), 0.3);  // spread over the range

  s.kind = ResidualKind::heterogeneous_rot;
  s.phi_lo = 0.1;
  s.phi_hi = 0.5;
  const Mat<double> r = make_residual(9, s, 3);
  const auto m = sorted_moduli(r);
  EXPECT_GE(m.front(), 0.5);
  EXPECT_LT(m.back(), 0.9);
  Eigen::EigenSolver<Mat<double>> es(r);
  int complex_pairs = 0;
  for (Eigen::Index i = 0; i < 9; ++i) {
    const double ph = std::abs(std::arg(es.eigenvalues()(i)));
    if (ph > 1e-12) {
      EXPECT_GE(ph, 0.1 - 1e-12);
      EXPECT_LE(ph, 0.5 + 1e-12);
      ++complex_pairs;
    }
  }
  EXPECT_EQ(complex_pairs, 8);
}

// --------------------------------------------------------- initialisation --

TEST(WcrnnInit, PyTorchDefaultRangesDeterministicAndIndependentOfResidual) {
  const int n = 16;
  ResidualSpec hom;
  hom.r = 0.9;
  ResidualSpec rot;
  rot.kind = ResidualKind::rotational;
  rot.phi = 0.3;
  auto a = Wcrnn<double>::init(n, 2, 1, 0.1, hom, WcrnnLoss::mse, 7);
  auto b = Wcrnn<double>::init(n, 2, 1, 0.5, rot, WcrnnLoss::mse, 7);
  auto c = Wcrnn<double>::init(n, 2, 1, 0.1, hom, WcrnnLoss::mse, 8);
  EXPECT_EQ(a.params().pack(), b.params().pack());
  EXPECT_NE(a.params().pack(), c.params().pack());
  const Vec<double> v = a.params().pack();
  const double bound = 1.0 / std::sqrt(double(n));
  EXPECT_LE(v.cwiseAbs().maxCoeff(), bound);
  EXPECT_GT(v.cwiseAbs().maxCoeff(), 0.9 * bound);  // uses the whole range
  EXPECT_NEAR(v.mean(), 0.0, 0.1 * bound);
  // float init is the double one rounded.
  auto f = Wcrnn<float>::init(n, 2, 1, 0.1f, hom, WcrnnLoss::mse, 7);
  EXPECT_EQ(f.params().pack(), v.cast<float>());
  // Elman: gamma = 1, R = 0, same weights as the seed's WCRNN.
  auto e = Wcrnn<double>::elman(n, 2, 1, WcrnnLoss::mse, 7);
  EXPECT_EQ(e.gamma(), 1.0);
  EXPECT_EQ(e.residual().norm(), 0.0);
  EXPECT_EQ(e.params().pack(), v);
}

// -------------------------------------------------------------- gradients --

struct GradCase {
  WcrnnLoss loss;
  bool residual;  // rotational R, gamma 0.3 (else Elman: R = 0, gamma = 1)
};

class WcrnnGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(WcrnnGradient, MatchesCentralDifferences) {
  const auto [loss, residual] = GetParam();
  const int n = 7, n_in = 3, n_out = loss == WcrnnLoss::mse ? 2 : 10, T = 9, B = 4;
  ResidualSpec rot;
  rot.kind = ResidualKind::rotational;
  rot.r = 0.95;
  rot.phi = 0.4;
  Wcrnn<double> net = residual ? Wcrnn<double>::init(n, n_in, n_out, 0.3, rot, loss, 11)
                               : Wcrnn<double>::elman(n, n_in, n_out, loss, 11);
  // Larger weights than the init so that tanh is in its non-linear range.
  net.params().unpack(3.0 * net.params().pack());
  const auto batch = random_batch(n_in, n_out, T, B, loss, 5);
  WcrnnForward<double> f;
  const Vec<double> g = net.gradient(batch, &f).pack();
  EXPECT_GT(f.loss, 0.0);
  const Vec<double> p0 = net.params().pack();
  auto L = [&](const Vec<double>& v) {
    Wcrnn<double> m = net;
    m.params().unpack(v);
    return m.forward(batch).loss;
  };
  const Vec<double> fd = central_gradient(L, p0);
  const double err = max_rel_error(g, fd);
  std::printf("[ measure ] grad check loss=%s residual=%d: max rel err %.3e (|g|_inf %.3e)\n",
              loss == WcrnnLoss::mse ? "mse" : "ce", residual ? 1 : 0, err,
              fd.cwiseAbs().maxCoeff());
  EXPECT_LT(err, 1e-6);
  // The check can fail: a gradient with one tensor's sign flipped is caught.
  WcrnnParams<double> bad = net.gradient(batch);
  bad.W = -bad.W;
  EXPECT_GT(max_rel_error(bad.pack(), fd), 1e-2);
}

INSTANTIATE_TEST_SUITE_P(LossesAndResiduals, WcrnnGradient,
                         ::testing::Values(GradCase{WcrnnLoss::mse, false},
                                           GradCase{WcrnnLoss::mse, true},
                                           GradCase{WcrnnLoss::cross_entropy, false},
                                           GradCase{WcrnnLoss::cross_entropy, true}));

TEST(WcrnnForward, MatchesTheRecurrenceWrittenOut) {
  ResidualSpec rot;
  rot.kind = ResidualKind::rotational;
  rot.r = 0.8;
  rot.phi = 1.0;
  auto net = Wcrnn<double>::init(4, 2, 3, 0.2, rot, WcrnnLoss::cross_entropy, 1);
  auto batch = random_batch(2, 3, 5, 2, WcrnnLoss::cross_entropy, 2);
  const auto f = net.forward(batch);
  const auto& p = net.params();
  double loss = 0.0;
  for (int j = 0; j < 2; ++j) {
    Vec<double> h = Vec<double>::Zero(4);
    for (int t = 0; t < 5; ++t) {
      Vec<double> a = (p.W * h + p.U * batch.x[t].col(j) + p.b).array().tanh().matrix();
      h = net.residual() * h + 0.2 * a;
    }
    Vec<double> y = p.W_o * h + p.b_o;
    EXPECT_LT((y - f.y.col(j)).norm(), 1e-14);
    loss += -std::log(std::exp(y(batch.labels[j])) / y.array().exp().sum());
  }
  EXPECT_NEAR(f.loss, loss / 2, 1e-14);
}

// -------------------------------------------------------------- optimiser --

TEST(WcrnnSgd, MomentumFollowsPyTorchRecurrence) {
  auto net = Wcrnn<double>::init(5, 2, 1, 0.5, ResidualSpec{}, WcrnnLoss::mse, 3);
  const auto b0 = adding_problem<double>(6, 1, 0, 8);
  const auto b1 = adding_problem<double>(6, 1, 8, 8);
  const WcrnnSgdOptions opt{0.05, 0.9, 0.0};
  const Vec<double> p0 = net.params().pack();
  const Vec<double> g0 = net.gradient(b0).pack();
  net.sgd_step(b0, opt);
  const Vec<double> after0 = net.params().pack();
  EXPECT_LT((after0 - (p0 - 0.05 * g0)).norm(), 1e-15);  // first v = g
  const Vec<double> p1 = net.params().pack();
  const Vec<double> g1 = net.gradient(b1).pack();
  const auto st = net.sgd_step(b1, opt);
  EXPECT_TRUE(st.finite);
  EXPECT_NEAR(st.grad_norm, g1.norm(), 1e-14);
  const Vec<double> after1 = net.params().pack();
  EXPECT_LT((after1 - (p1 - 0.05 * (0.9 * g0 + g1))).norm(), 1e-15);
  // reset_optimizer zeroes the buffer: the next step is plain SGD again.
  net.reset_optimizer();
  const Vec<double> p2 = net.params().pack();
  const Vec<double> g2 = net.gradient(b0).pack();
  net.sgd_step(b0, opt);
  const Vec<double> after2 = net.params().pack();
  EXPECT_LT((after2 - (p2 - 0.05 * g2)).norm(), 1e-15);
}

TEST(WcrnnSgd, ClippingScalesTheGlobalNormLikeClipGradNorm) {
  auto net = Wcrnn<double>::init(5, 2, 1, 0.5, ResidualSpec{}, WcrnnLoss::mse, 3);
  const auto b = adding_problem<double>(6, 1, 0, 8);
  const Vec<double> p0 = net.params().pack();
  const Vec<double> g = net.gradient(b).pack();
  const double clip = 0.1 * g.norm();
  auto clipped = net;
  const auto st = clipped.sgd_step(b, {0.5, 0.0, clip});
  EXPECT_NEAR(st.grad_norm, g.norm(), 1e-14);  // reported before clipping
  const Vec<double> step = (p0 - clipped.params().pack()) / 0.5;
  EXPECT_LT((step - g * (clip / (g.norm() + 1e-6))).norm(), 1e-13);
  // A threshold above the norm leaves the gradient unchanged.
  auto loose = net;
  loose.sgd_step(b, {0.5, 0.0, 10 * g.norm()});
  const Vec<double> loose_step = (p0 - loose.params().pack()) / 0.5;
  EXPECT_LT((loose_step - g).norm(), 1e-14);
}

TEST(WcrnnSgd, NonFiniteLossMakesNoUpdate) {
  auto net = Wcrnn<double>::init(5, 2, 1, 0.5, ResidualSpec{}, WcrnnLoss::mse, 3);
  auto b = adding_problem<double>(6, 1, 0, 4);
  b.target(0, 1) = std::nan("");
  const Vec<double> p0 = net.params().pack();
  const auto st = net.sgd_step(b, {0.1, 0.9, 0.0});
  EXPECT_FALSE(st.finite);
  EXPECT_EQ(net.params().pack(), p0);
}

TEST(WcrnnSgd, LearnsTheAddingProblemFarBelowTheConstantPredictor) {
  // Smoke test of the whole loop: T = 10, N = 16, R = 0.9 I, γ = 0.1,
  // lr 0.05, momentum 0.9, clip 1, 3000 batches of 32. Measured: held-out MSE
  // 0.712 -> 0.0019 (the constant 1 scores 1/6); a broken gradient or
  // optimiser stays near or above 1/6.
  ResidualSpec s;
  s.r = 0.9;
  auto net = Wcrnn<double>::init(16, 2, 1, 0.1, s, WcrnnLoss::mse, 1);
  const auto test = adding_problem<double>(10, 99, 0, 500);
  const double before = net.forward(test).loss;
  for (int it = 0; it < 3000; ++it)
    net.sgd_step(adding_problem<double>(10, 1, std::int64_t(it) * 32, 32), {0.05, 0.9, 1.0});
  const double after = net.forward(test).loss;
  std::printf("[ measure ] adding T=10: held-out MSE %.4f -> %.4f (constant 1: 1/6)\n", before,
              after);
  EXPECT_LT(after, 0.1 / 6.0);
}

// --------------------------------------------------------- adding problem --

TEST(AddingProblem, MarkersOnePerHalfAndTargetIsTheirSum) {
  for (int T : {2, 7, 50}) {
    const auto b = adding_problem<double>(T, 4, 0, 200);
    ASSERT_EQ(b.length(), T);
    ASSERT_EQ(b.batch(), 200);
    for (int j = 0; j < 200; ++j) {
      int first = 0, second = 0;
      double sum = 0.0;
      for (int t = 0; t < T; ++t) {
        const double v = b.x[t](0, j), m = b.x[t](1, j);
        EXPECT_GE(v, 0.0);
        EXPECT_LT(v, 1.0);
        ASSERT_TRUE(m == 0.0 || m == 1.0);
        if (m == 1.0) {
          (t < T / 2 ? first : second) += 1;
          sum += v;
        }
      }
      EXPECT_EQ(first, 1) << "T=" << T << " j=" << j;
      EXPECT_EQ(second, 1) << "T=" << T << " j=" << j;
      EXPECT_DOUBLE_EQ(b.target(0, j), sum);
    }
  }
}

TEST(AddingProblem, DeterministicFromSeedAndIndex) {
  const auto all = adding_problem<double>(20, 5, 0, 10);
  const auto tail = adding_problem<double>(20, 5, 6, 4);
  for (int t = 0; t < 20; ++t) EXPECT_EQ(all.x[t].rightCols(4), tail.x[t]);
  EXPECT_EQ(all.target.rightCols(4), tail.target);
  const auto other = adding_problem<double>(20, 6, 0, 10);
  EXPECT_NE(all.target, other.target);
  EXPECT_NE(all.target(0, 0), all.target(0, 1));
}

TEST(AddingProblem, ConstantOnePredictorHasMseOneSixth) {
  // (s - 1) with s the sum of two U(0,1) is triangular on [-1, 1]: variance
  // 1/6, and Var((s-1)^2) = 1/15 - 1/36, so the mean over 40,000 samples has a
  // standard error of 0.00099. Tolerance: 5 standard errors.
  const int n = 40000;
  const auto b = adding_problem<double>(30, 2, 0, n);
  const double mse = (b.target.array() - 1.0).square().mean();
  std::printf("[ measure ] adding: MSE of constant 1 over %d samples = %.5f (1/6 = %.5f)\n", n, mse,
              1.0 / 6.0);
  EXPECT_NEAR(mse, 1.0 / 6.0, 5 * 0.00099);
  // Marker positions are spread over each half (first half of T = 30).
  std::vector<int> hits(30, 0);
  for (int j = 0; j < 3000; ++j)
    for (int t = 0; t < 30; ++t) hits[t] += b.x[t](1, j) == 1.0;
  EXPECT_GT(*std::min_element(hits.begin(), hits.end()), 3000 / 15 / 2);
}

}  // namespace
}  // namespace memphase
