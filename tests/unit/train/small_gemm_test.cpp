// train/small_gemm.hpp against Eigen: C += A · W for the shapes of the BPTT
// kernel (B = 16·k trials, N units, any N: panels are zero-padded).
#include <gtest/gtest.h>

#include <vector>

#include "core/types.hpp"
#include "families/rate_rnn/small_gemm.hpp"

namespace memphase {
namespace {

TEST(SmallGemm, MatchesEigenForKernelShapes) {
  if (!detail::kSmallGemm) GTEST_SKIP() << "built without AVX-512F: the kernel uses Eigen";
  for (const auto& [m, n] : {std::pair{128, 100}, {48, 50}, {16, 7}, {32, 23}, {144, 200}}) {
    const Mat<float> a = Mat<float>::Random(m, n), w = Mat<float>::Random(n, n);
    Mat<float> c = Mat<float>::Random(m, n);
    Mat<float> ref = c;
    ref.noalias() += a * w;
    std::vector<float> packed(detail::packed_size(n, n));
    detail::pack_panels(w.data(), n, n, n, packed.data());
    detail::gemm_acc_packed(a.data(), m, m, n, packed.data(), n, c.data(), m);
    // Same k order with FMAs as Eigen's kernel: equal up to rounding.
    EXPECT_LE((c - ref).cwiseAbs().maxCoeff(), 1e-5f * ref.cwiseAbs().maxCoeff()) << m << "x" << n;
  }
}

}  // namespace
}  // namespace memphase
