#pragma once
// Counter-based Gaussian noise of training (issue 15): Random123's
// philox4x32-10 (D. E. Shaw Research, Debian's librandom123-dev, header
// only) turned into N(0, 1) floats by a vectorised Box-Muller transform.
//
// Every value is addressable, so there is no generator state to save:
//   key     = (k0, k1) = the two halves of hash64(purpose, seed)
//   counter = (unit block u, trial b, step t, epoch e), 32 bits each
// One philox call at (u, b, t, e) gives four 32-bit words w0..w3 and four
// normals: Box-Muller(w0, w1) -> units 4u (cos), 4u+1 (sin), Box-Muller(w2,
// w3) -> units 4u+2 (cos), 4u+3 (sin). The normal of (seed, purpose, epoch,
// step, trial, unit) is therefore the same whatever order, batch shape or
// vector width evaluates it. Step index kInitialState (2^32 - 1) is reserved
// for the initial state r_0; eps_t of the update t -> t+1 uses step t.
// Epochs are taken modulo 2^32 (4e9 epochs: years of training).
//
// Box-Muller in float: r = sqrt(-2 ln u1) with u1 = (w0 + 1/2) 2^-32 in
// (0, 1] (32 bits: tails up to 6.66 sigma; Cephes logf), theta from w1 in turns: the top
// two bits pick the quadrant and the low 30 bits an angle phi in
// [-pi/4, pi/4), so sin/cos need no range reduction (Cephes sinf/cosf
// polynomials on [-pi/4, pi/4], float accuracy), and theta = q pi/2 + phi is
// uniform on a full turn.
#include <Random123/philox.h>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstddef>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "core/hash.hpp"

// The generation loops below must vectorise: GCC may use the full AVX-512
// width where the build targets it (it prefers 256 bits by default).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#if defined(__x86_64__)
#pragma GCC target("prefer-vector-width=512")
#endif
#endif

namespace memphase {

/// philox4x32-10 of Random123 (10 rounds), counter and key as in its KAT files.
inline philox4x32_ctr_t philox4x32_10(philox4x32_ctr_t ctr, philox4x32_key_t key) {
  return philox4x32_R(10, ctr, key);
}

class CounterNormals {
 public:
  /// Step index reserved for r_0 (the updates use steps 0 .. T-2).
  static constexpr std::uint32_t kInitialState = 0xFFFFFFFFu;
  /// Trials evaluated together by fill() (stack buffers, no allocation).
  static constexpr int kChunk = 64;

  /// Stream of (seed, purpose); purposes as in core/rng.hpp (stream::train).
  CounterNormals(std::uint64_t seed, std::string_view purpose) {
    const std::uint64_t h = hash64(purpose, seed);
    key_ = {{static_cast<std::uint32_t>(h), static_cast<std::uint32_t>(h >> 32)}};
  }

  philox4x32_key_t key() const { return key_; }

  /// The standard normal of (epoch, step, trial, unit): the scalar
  /// reference of fill(), through the same code (bit-identical to it).
  float at(std::uint64_t epoch, std::uint32_t step, std::uint32_t trial, std::uint32_t unit) const;

  /// x(b, j) = sigma * normal(epoch, step, b, j) for trials b < n_trials and
  /// units j < n_units; x is column-major with leading dimension ld (a
  /// trial-major block: column j holds unit j of every trial). sigma == 0
  /// fills zeros. S = float or double (double gets the same float normals).
  template <class S>
  void fill(S* x, std::ptrdiff_t ld, int n_trials, int n_units, std::uint64_t epoch, std::uint32_t step,
            S sigma) const;

 private:
  philox4x32_key_t key_;
};

// ---------------------------------------------------------------------------

namespace detail {

/// w_k[i] = word k of philox(u, trial0 + i, step, epoch) for i < n.
inline void philox_words(philox4x32_key_t key, std::uint32_t u, std::uint32_t trial0,
                                            std::uint32_t step, std::uint32_t epoch, int n,
                                            std::uint32_t* __restrict w0, std::uint32_t* __restrict w1,
                                            std::uint32_t* __restrict w2, std::uint32_t* __restrict w3) {
#pragma GCC ivdep
  for (int i = 0; i < n; ++i) {
    const philox4x32_ctr_t c = {{u, trial0 + static_cast<std::uint32_t>(i), step, epoch}};
    const philox4x32_ctr_t w = philox4x32_10(c, key);
    w0[i] = w.v[0];
    w1[i] = w.v[1];
    w2[i] = w.v[2];
    w3[i] = w.v[3];
  }
}

/// ln x for normal floats x > 0 (Cephes logf: x = m 2^e, m in [sqrt(1/2),
/// sqrt(2)), degree-9 polynomial; float accuracy). Plain float arithmetic,
/// so that scalar and vectorised evaluations agree bit for bit.
inline float log_normal_float(float x) {
  std::uint32_t i;
  std::memcpy(&i, &x, sizeof i);
  float e = static_cast<float>(static_cast<int>(i >> 23) - 126);
  i = (i & 0x007FFFFFu) | 0x3F000000u;  // mantissa in [0.5, 1)
  float m;
  std::memcpy(&m, &i, sizeof m);
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1.0f : e;
  const float f = small ? m + m - 1.0f : m - 1.0f;
  const float z = f * f;
  float y = 7.0376836292e-2f;
  y = y * f - 1.1514610310e-1f;
  y = y * f + 1.1676998740e-1f;
  y = y * f - 1.2420140846e-1f;
  y = y * f + 1.4249322787e-1f;
  y = y * f - 1.6668057665e-1f;
  y = y * f + 2.0000714765e-1f;
  y = y * f - 2.4999993993e-1f;
  y = y * f + 3.3333331174e-1f;
  y = y * f * z;
  y += -2.12194440e-4f * e;
  y += -0.5f * z;
  return f + y + 0.693359375f * e;
}

/// Box-Muller over n pairs of words: out_cos[i], out_sin[i] = sigma * z.
/// x[i] = sqrt(x[i]) for i < n, x[i] >= 0. IEEE sqrt is correctly rounded,
/// so the vector and scalar instructions give the same bits. (std::sqrt in a
/// loop keeps an errno branch that stops GCC's vectoriser, and Eigen's
/// packet sqrt is a Newton-refined rsqrt under EIGEN_FAST_MATH.)
inline void sqrt_n(float* x, int n) {
  int i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_sqrt_ps(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(x + i, m, _mm512_sqrt_ps(_mm512_maskz_loadu_ps(m, x + i)));
    return;
  }
#elif defined(__AVX__)
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_sqrt_ps(_mm256_loadu_ps(x + i)));
#elif defined(__SSE2__)
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(x + i, _mm_sqrt_ps(_mm_loadu_ps(x + i)));
#endif
  for (; i < n; ++i) x[i] = std::sqrt(x[i]);
}

inline void box_muller_n(const std::uint32_t* __restrict wr, const std::uint32_t* __restrict wt, int n,
                         float sigma, float* __restrict out_cos, float* __restrict out_sin) {
  // Cephes sinf/cosf minimax polynomials on [-pi/4, pi/4].
  constexpr float s1 = -1.6666654611e-1f, s2 = 8.3321608736e-3f, s3 = -1.9515295891e-4f;
  constexpr float c1 = 4.166664568298827e-2f, c2 = -1.388731625493765e-3f, c3 = 2.443315711809948e-5f;
  constexpr float kHalfPi = 1.57079632679489662f;
  // r = sqrt(-2 ln u1), u1 = (w + 1/2) 2^-32 in (0, 1]: finite log, tails
  // to 6.66 sigma.
  alignas(64) float rad[CounterNormals::kChunk];
#pragma GCC ivdep
  for (int i = 0; i < n; ++i)
    rad[i] = -2.0f * log_normal_float(static_cast<float>(wr[i]) * 2.3283064365386963e-10f + 1.1641532182693481e-10f);
  sqrt_n(rad, n);
#pragma GCC ivdep
  for (int i = 0; i < n; ++i) {
    const float r = rad[i];
    const std::uint32_t q = wt[i] >> 30;
    const float phi =
        static_cast<float>(static_cast<std::int32_t>(wt[i] & 0x3FFFFFFFu) - 0x20000000) * (9.3132257e-10f * kHalfPi);
    const float p2 = phi * phi;
    const float sn = phi + phi * p2 * (s1 + p2 * (s2 + p2 * s3));
    const float cs = 1.0f - 0.5f * p2 + p2 * p2 * (c1 + p2 * (c2 + p2 * c3));
    // theta = q pi/2 + phi: rotate (cos phi, sin phi) by q quarter turns.
    const float c = (q & 1u) ? -sn : cs;
    const float s = (q & 1u) ? cs : sn;
    const float sr = (q & 2u) ? -r : r;
    out_cos[i] = sigma * (sr * c);
    out_sin[i] = sigma * (sr * s);
  }
}

}  // namespace detail

inline float CounterNormals::at(std::uint64_t epoch, std::uint32_t step, std::uint32_t trial,
                                std::uint32_t unit) const {
  std::uint32_t w[4];
  detail::philox_words(key_, unit / 4, trial, step, static_cast<std::uint32_t>(epoch), 1, &w[0], &w[1], &w[2],
                       &w[3]);
  const int pair = static_cast<int>(unit % 4) / 2;
  float z_cos, z_sin;
  detail::box_muller_n(&w[2 * pair], &w[2 * pair + 1], 1, 1.0f, &z_cos, &z_sin);
  return unit % 2 == 0 ? z_cos : z_sin;
}

template <class S>
void CounterNormals::fill(S* x, std::ptrdiff_t ld, int n_trials, int n_units, std::uint64_t epoch,
                          std::uint32_t step, S sigma) const {
  if (sigma == S(0)) {
    for (int j = 0; j < n_units; ++j) std::fill_n(x + j * ld, n_trials, S(0));
    return;
  }
  alignas(64) std::uint32_t w[4][kChunk];
  alignas(64) float z[2][kChunk];
  const auto e32 = static_cast<std::uint32_t>(epoch);
  for (int b0 = 0; b0 < n_trials; b0 += kChunk) {
    const int n = std::min(kChunk, n_trials - b0);
    for (int u = 0; 4 * u < n_units; ++u) {
      detail::philox_words(key_, static_cast<std::uint32_t>(u), static_cast<std::uint32_t>(b0), step, e32, n,
                           w[0], w[1], w[2], w[3]);
      for (int pair = 0; pair < 2; ++pair) {
        const int j = 4 * u + 2 * pair;
        if (j >= n_units) break;
        S* col_cos = x + j * ld + b0;
        S* col_sin = x + (j + 1) * ld + b0;
        if constexpr (std::is_same_v<S, float>) {
          if (j + 1 < n_units) {
            detail::box_muller_n(w[2 * pair], w[2 * pair + 1], n, sigma, col_cos, col_sin);
            continue;
          }
        }
        // double, or the last unit of an odd count: through float scratch.
        detail::box_muller_n(w[2 * pair], w[2 * pair + 1], n, 1.0f, z[0], z[1]);
        for (int i = 0; i < n; ++i) col_cos[i] = sigma * static_cast<S>(z[0][i]);
        if (j + 1 < n_units)
          for (int i = 0; i < n; ++i) col_sin[i] = sigma * static_cast<S>(z[1][i]);
      }
    }
  }
}

}  // namespace memphase

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
