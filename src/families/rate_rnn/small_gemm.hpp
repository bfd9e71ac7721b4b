#pragma once
// The two per-step GEMMs of the BPTT kernel, C (B×N) += A (B×N) · W (N×N)
// with W fixed for a whole epoch (W_rec^T forward, W_rec backward), as an
// AVX-512 register-blocked kernel on a W packed once per epoch.
//
// Why not Eigen: Eigen re-packs both operands at every call (~15 % of the
// GEMM time at 128×100×100) and its float tiles are 48 rows; here A (a
// trial-major state block, column j = unit j of every trial) is read in
// place, 32 rows (two zmm registers) at a time, against panels of kNr = 10
// columns of W laid out k-major: a 32×10 tile of C stays in 20 registers for
// the whole K loop. Measured on the development machine (idle moments of a
// shared 2-core Xeon, best of 40): 110 GFLOP/s at 128×100×100 against 69 for
// Eigen's product of the same shape and 62 for the bench's sgemm reference.
// Sums run over k in order with FMAs, as Eigen's kernel does.
//
// Used for float when the build targets AVX-512F and B is a multiple of 16;
// otherwise the kernel falls back to Eigen.
#include <algorithm>
#include <cstddef>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace memphase::detail {

/// Columns of W per packed panel.
inline constexpr int kGemmNr = 10;

/// Size of the packed W (K×N): ceil(N / kGemmNr) panels of K·kGemmNr floats.
inline std::size_t packed_size(int k, int n) {
  return static_cast<std::size_t>((n + kGemmNr - 1) / kGemmNr) * static_cast<std::size_t>(k) * kGemmNr;
}

/// out[p·K·NR + k·NR + c] = W(k, p·NR + c) (0 past column N); W column-major, ld.
inline void pack_panels(const float* w, std::ptrdiff_t ldw, int k_dim, int n, float* out) {
  const int panels = (n + kGemmNr - 1) / kGemmNr;
  for (int p = 0; p < panels; ++p)
    for (int k = 0; k < k_dim; ++k)
      for (int c = 0; c < kGemmNr; ++c) {
        const int j = p * kGemmNr + c;
        out[(static_cast<std::size_t>(p) * k_dim + k) * kGemmNr + c] = j < n ? w[j * ldw + k] : 0.0f;
      }
}

#if defined(__AVX512F__)
inline constexpr bool kSmallGemm = true;

/// One MR×NR tile: C[0:MR, 0:ncols] += A[0:MR, 0:K] · panel (MR = 16 · R).
template <int R>
inline void gemm_tile(const float* __restrict a, std::ptrdiff_t lda, const float* __restrict panel, int k_dim,
                      float* __restrict c, std::ptrdiff_t ldc, int ncols) {
  __m512 acc[R][kGemmNr];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < kGemmNr; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int k = 0; k < k_dim; ++k) {
    __m512 av[R];
    for (int r = 0; r < R; ++r) av[r] = _mm512_loadu_ps(a + k * lda + 16 * r);
    const float* b = panel + static_cast<std::ptrdiff_t>(k) * kGemmNr;
#pragma GCC unroll 10
    for (int j = 0; j < kGemmNr; ++j) {
      const __m512 bj = _mm512_set1_ps(b[j]);
      for (int r = 0; r < R; ++r) acc[r][j] = _mm512_fmadd_ps(av[r], bj, acc[r][j]);
    }
  }
  for (int j = 0; j < ncols; ++j)
    for (int r = 0; r < R; ++r) {
      float* cc = c + j * ldc + 16 * r;
      _mm512_storeu_ps(cc, _mm512_add_ps(_mm512_loadu_ps(cc), acc[r][j]));
    }
}

/// C (M×N) += A (M×K) · W (K×N), W packed by pack_panels; M % 16 == 0.
inline void gemm_acc_packed(const float* a, std::ptrdiff_t lda, int m, int k_dim, const float* packed, int n,
                            float* c, std::ptrdiff_t ldc) {
  const int panels = (n + kGemmNr - 1) / kGemmNr;
  for (int p = 0; p < panels; ++p) {
    const int ncols = std::min(kGemmNr, n - p * kGemmNr);
    const float* panel = packed + static_cast<std::ptrdiff_t>(p) * k_dim * kGemmNr;
    float* cp = c + static_cast<std::ptrdiff_t>(p) * kGemmNr * ldc;
    int i = 0;
    for (; i + 32 <= m; i += 32) gemm_tile<2>(a + i, lda, panel, k_dim, cp + i, ldc, ncols);
    for (; i + 16 <= m; i += 16) gemm_tile<1>(a + i, lda, panel, k_dim, cp + i, ldc, ncols);
  }
}
#else
inline constexpr bool kSmallGemm = false;
inline void gemm_acc_packed(const float*, std::ptrdiff_t, int, int, const float*, int, float*, std::ptrdiff_t) {}
#endif

}  // namespace memphase::detail
