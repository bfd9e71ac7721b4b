#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/philox.hpp"
#include "core/rng.hpp"

namespace memphase {
namespace {

TEST(Rng, StreamsDependOnSeedAndPurpose) {
  Rng a(1, "train"), b(1, "train"), c(2, "train"), d(1, "init");
  const auto xa = a.next();
  EXPECT_EQ(xa, b.next());
  EXPECT_NE(xa, c.next());
  EXPECT_NE(xa, d.next());
}

TEST(Rng, SaveRestoreContinuesIdentically) {
  Rng a(42, "train");
  for (int i = 0; i < 1000; ++i) a.next();
  const std::string s = a.save();
  Rng b(0, "other");
  b.restore(s);
  EXPECT_TRUE(a == b);
  Eigen::MatrixXf x(100, 37), y(100, 37);
  a.fill_normal(x, 0.5f);
  b.fill_normal(y, 0.5f);
  EXPECT_EQ(x, y);
}

TEST(Rng, RestoreRejectsGarbage) { 
  Rng a(1, "x");
  EXPECT_THROW(a.restore("not a state"), Error);
}

template <class S>
void check_normal_moments() {
  Rng r(7, "moments");
  Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> x(1001, 999);  // odd size
  r.fill_normal(x, S(2));
  const double n = static_cast<double>(x.size());
  const double mean = static_cast<double>(x.sum()) / n;
  const double var = static_cast<double>((x.array() - S(mean)).square().sum()) / n;
  const double kurt =
      static_cast<double>((x.array() - S(mean)).pow(4).sum()) / n / (var * var);
  EXPECT_NEAR(mean, 0.0, 5 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(var, 4.0, 0.02);
  EXPECT_NEAR(kurt, 3.0, 0.03);
  EXPECT_TRUE(x.allFinite());
}

TEST(Rng, NormalMomentsFloat) { check_normal_moments<float>(); }
TEST(Rng, NormalMomentsDouble) { check_normal_moments<double>(); }

TEST(Rng, ZeroSigmaDrawsNothing) {
  Rng a(3, "z"), b(3, "z");
  Eigen::VectorXf v(10);
  a.fill_normal(v, 0.0f);
  EXPECT_EQ(v.squaredNorm(), 0.0f);
  EXPECT_TRUE(a == b);
}

}  // namespace
}  // namespace memphase

// ---------------------------------------------------------------------------
// Counter-based training noise (core/philox.hpp, issue 15).

namespace memphase {
namespace {

TEST(Philox, KnownAnswerVectorsOfRandom123) {
  // Random123's kat_vectors, "philox4x32 10": counter, key -> output.
  struct Kat {
    philox4x32_ctr_t ctr;
    philox4x32_key_t key;
    std::array<std::uint32_t, 4> out;
  };
  const Kat kats[] = {
      {{{0u, 0u, 0u, 0u}}, {{0u, 0u}}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}},
       {{0xffffffffu, 0xffffffffu}},
       {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
       {{0xa4093822u, 0x299f31d0u}},
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
  };
  for (const Kat& k : kats) {
    const philox4x32_ctr_t r = philox4x32_10(k.ctr, k.key);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(r.v[i], k.out[static_cast<std::size_t>(i)]) << i;
  }
}

TEST(Philox, KeyIsTheHashOfSeedAndPurpose) {
  const CounterNormals a(7, "train");
  const std::uint64_t h = hash64(std::string_view("train"), 7);
  EXPECT_EQ(a.key().v[0], static_cast<std::uint32_t>(h));
  EXPECT_EQ(a.key().v[1], static_cast<std::uint32_t>(h >> 32));
}

/// x(b, j) of a fill of n_trials × n_units at (epoch, step), leading dimension ld.
template <class S>
Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> filled(const CounterNormals& c, int n_trials, int n_units,
                                                        std::uint64_t epoch, std::uint32_t step, S sigma = S(1)) {
  Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> x(n_trials + 3, n_units);  // ld > n_trials
  x.setConstant(S(-99));
  c.fill<S>(x.data(), x.rows(), n_trials, n_units, epoch, step, sigma);
  EXPECT_TRUE((x.bottomRows(3).array() == S(-99)).all()) << "fill wrote outside its block";
  return x.topRows(n_trials);
}

TEST(Philox, FillEqualsTheScalarReferenceForAnyShape) {
  const CounterNormals c(3, "train");
  for (const auto& [trials, units] : {std::pair{128, 100}, {5, 7}, {130, 3}, {64, 1}, {1, 9}}) {
    const Eigen::MatrixXf x = filled<float>(c, trials, units, 11, 4);
    for (int b = 0; b < trials; ++b)
      for (int j = 0; j < units; ++j)
        ASSERT_EQ(x(b, j), c.at(11, 4, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(j)))
            << trials << "x" << units << " at " << b << "," << j;
  }
}

TEST(Philox, SameValueWhateverTheEvaluationOrderOrBlock) {
  const CounterNormals c(5, "train");
  const Eigen::MatrixXf big = filled<float>(c, 128, 100, 2, 9);
  // A smaller block is a corner of the big one (trial and unit counts do
  // not enter the counter).
  EXPECT_EQ(Eigen::MatrixXf(filled<float>(c, 40, 37, 2, 9)), Eigen::MatrixXf(big.topLeftCorner(40, 37)));
  // Steps and epochs evaluated in reverse order give the same values.
  std::vector<Eigen::MatrixXf> fwd, rev;
  for (std::uint32_t t = 0; t < 4; ++t) fwd.push_back(filled<float>(c, 16, 8, 1, t));
  for (std::uint32_t t = 4; t-- > 0;) rev.insert(rev.begin(), filled<float>(c, 16, 8, 1, t));
  EXPECT_EQ(fwd, rev);
  // Scattered scalar look-ups in a shuffled order.
  std::mt19937 shuffle(1);
  for (int k = 0; k < 2000; ++k) {
    const int b = static_cast<int>(shuffle() % 128), j = static_cast<int>(shuffle() % 100);
    ASSERT_EQ(c.at(2, 9, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(j)), big(b, j));
  }
}

TEST(Philox, ValuesDifferPerTrialStepEpochUnitSeedAndPurpose) {
  const CounterNormals c(5, "train"), other_seed(6, "train"), other_purpose(5, "other");
  const float x = c.at(10, 20, 30, 40);
  EXPECT_NE(x, c.at(11, 20, 30, 40));  // epoch
  EXPECT_NE(x, c.at(10, 21, 30, 40));  // step
  EXPECT_NE(x, c.at(10, 20, 31, 40));  // trial
  EXPECT_NE(x, c.at(10, 20, 30, 41));  // unit
  EXPECT_NE(x, c.at(10, CounterNormals::kInitialState, 30, 40));  // r_0 slot
  EXPECT_NE(x, other_seed.at(10, 20, 30, 40));
  EXPECT_NE(x, other_purpose.at(10, 20, 30, 40));
  // Whole blocks: no two steps, epochs or trials share values, and adjacent
  // epochs / steps / trials are uncorrelated.
  const Eigen::MatrixXf a = filled<float>(c, 128, 100, 3, 7);
  for (const Eigen::MatrixXf& b : {Eigen::MatrixXf(filled<float>(c, 128, 100, 4, 7)),
                                   Eigen::MatrixXf(filled<float>(c, 128, 100, 3, 8)),
                                   Eigen::MatrixXf(filled<float>(c, 128, 100, 3, CounterNormals::kInitialState))}) {
    EXPECT_EQ(((a.array() == b.array()).cast<int>()).sum(), 0);
    const double corr = (a.array() * b.array()).cast<double>().sum() / static_cast<double>(a.size());
    EXPECT_LT(std::abs(corr), 5.0 / std::sqrt(static_cast<double>(a.size())));
  }
  const double trial_corr =
      (a.topRows(127).array() * a.bottomRows(127).array()).cast<double>().sum() / (127.0 * 100.0);
  EXPECT_LT(std::abs(trial_corr), 5.0 / std::sqrt(127.0 * 100.0));
}

TEST(Philox, SigmaScalesAndDoubleGetsTheSameNormals) {
  const CounterNormals c(8, "train");
  const Eigen::MatrixXf one = filled<float>(c, 20, 10, 0, 0);
  const Eigen::MatrixXd d = filled<double>(c, 20, 10, 0, 0, 0.25);
  EXPECT_EQ(d, (0.25 * one.cast<double>()).eval());
  const Eigen::MatrixXf f = filled<float>(c, 20, 10, 0, 0, 0.001f);
  EXPECT_EQ(f, (0.001f * one.array()).matrix().eval());
  EXPECT_TRUE((filled<float>(c, 20, 10, 0, 0, 0.0f).array() == 0.0f).all());
}

/// ~1e6 training normals: 80 steps × 128 trials × 100 units.
std::vector<double> many_normals() {
  const CounterNormals c(2024, "train");
  std::vector<double> v;
  Eigen::MatrixXf x(128, 100);
  for (std::uint32_t t = 0; t < 80; ++t) {
    c.fill<float>(x.data(), 128, 128, 100, 17, t, 1.0f);
    for (Eigen::Index i = 0; i < x.size(); ++i) v.push_back(x.data()[i]);
  }
  return v;
}

TEST(Philox, GaussianMoments) {
  const std::vector<double> v = many_normals();
  const double n = static_cast<double>(v.size());
  double m1 = 0;
  for (double x : v) m1 += x;
  m1 /= n;
  double m2 = 0, m3 = 0, m4 = 0;
  for (double x : v) {
    const double d = x - m1;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const double skew = m3 / std::pow(m2, 1.5), kurt = m4 / (m2 * m2);
  // Standard errors: mean 1/sqrt(n), variance sqrt(2/n), skewness sqrt(6/n),
  // kurtosis sqrt(24/n); tolerances 5 standard errors.
  EXPECT_NEAR(m1, 0.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(m2, 1.0, 5.0 * std::sqrt(2.0 / n));
  EXPECT_NEAR(skew, 0.0, 5.0 * std::sqrt(6.0 / n));
  EXPECT_NEAR(kurt, 3.0, 5.0 * std::sqrt(24.0 / n));
  // Tails: P(|z| > 3) = 0.0026998; binomial standard error.
  double tail = 0;
  for (double x : v) tail += std::abs(x) > 3.0 ? 1.0 : 0.0;
  EXPECT_NEAR(tail / n, 0.0026998, 5.0 * std::sqrt(0.0027 / n));
  std::cout << "[ philox   ] n " << n << " mean " << m1 << " var " << m2 << " skew " << skew << " kurt " << kurt
            << " P(|z|>3) " << tail / n << "\n";
}

TEST(Philox, KolmogorovSmirnovAgainstTheNormalCdf) {
  std::vector<double> v = many_normals();
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  double d = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double cdf = 0.5 * std::erfc(-v[i] / std::sqrt(2.0));
    d = std::max({d, static_cast<double>(i + 1) / n - cdf, cdf - static_cast<double>(i) / n});
  }
  // Critical value of the one-sample KS test at alpha = 0.001: 1.949/sqrt(n).
  std::cout << "[ philox   ] KS D = " << d << ", sqrt(n) D = " << d * std::sqrt(n) << " (critical 1.949)\n";
  EXPECT_LT(d * std::sqrt(n), 1.949);
}

TEST(Philox, BoxMullerPairsAreUncorrelated) {
  // Units 4u and 4u+1 (cos and sin of one pair), 4u and 4u+2 (two pairs).
  const CounterNormals c(77, "train");
  double c01 = 0, c02 = 0, c0sq1sq = 0;
  long n = 0;
  Eigen::MatrixXf x(128, 100);
  for (std::uint32_t t = 0; t < 40; ++t) {
    c.fill<float>(x.data(), 128, 128, 100, 0, t, 1.0f);
    for (int u = 0; u < 25; ++u)
      for (int b = 0; b < 128; ++b) {
        const double z0 = x(b, 4 * u), z1 = x(b, 4 * u + 1), z2 = x(b, 4 * u + 2);
        c01 += z0 * z1;
        c02 += z0 * z2;
        c0sq1sq += (z0 * z0 - 1) * (z1 * z1 - 1);
        ++n;
      }
  }
  const double se = 5.0 / std::sqrt(static_cast<double>(n));
  EXPECT_NEAR(c01 / static_cast<double>(n), 0.0, se);
  EXPECT_NEAR(c02 / static_cast<double>(n), 0.0, se);
  EXPECT_NEAR(c0sq1sq / static_cast<double>(n), 0.0, 2 * se);  // var of (z^2-1)(w^2-1) is 4
}

}  // namespace
}  // namespace memphase
