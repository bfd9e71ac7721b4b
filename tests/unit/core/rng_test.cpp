#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
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
