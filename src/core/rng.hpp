#pragma once
// Deterministic random streams. Every stream is a std::mt19937_64 (fully
// specified by the C++ standard, so identical on every platform) seeded from
// a 64-bit key derived by hashing (seed, purpose). Its state can be saved as
// text and restored.
//
// Used for the initial weights ("init": must not change, seed i is the same
// network everywhere), the classifier's free run ("classify") and the
// ghost / WCRNN families. The training noise of the rate RNN ("train": r_0
// and eps) is NOT drawn here but from the counter-based generator of
// core/philox.hpp, keyed by the same (seed, purpose) hash: it needs no state.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace memphase {

/// Well-known purposes of the per-network streams.
namespace stream {
inline constexpr std::string_view init = "init";          ///< initial weights (seed only)
inline constexpr std::string_view train = "train";        ///< r_0 and eps (the Philox key, core/philox.hpp)
inline constexpr std::string_view classify = "classify";  ///< free run of the classifier
}  // namespace stream

class Rng {
 public:
  /// Stream for (seed, purpose): independent streams for different purposes.
  Rng(std::uint64_t seed, std::string_view purpose);

  /// Raw 64-bit draw.
  std::uint64_t next() { return eng_(); }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform();

  /// Fills x with independent N(0, sigma^2) draws (Box-Muller on pairs, in
  /// the precision of S, vectorised through Eigen). sigma = 0 fills zeros
  /// without consuming randomness.
  template <class Derived>
  void fill_normal(Eigen::DenseBase<Derived>& x, typename Derived::Scalar sigma);

  /// Engine state as text (std::mt19937_64 stream format) and back.
  std::string save() const;
  void restore(const std::string& state);

  bool operator==(const Rng& o) const { return eng_ == o.eng_; }

 private:
  std::mt19937_64 eng_;
};

}  // namespace memphase

#include "core/rng_impl.hpp"
