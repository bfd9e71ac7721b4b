#include "core/rng.hpp"

#include <sstream>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace memphase {

Rng::Rng(std::uint64_t seed, std::string_view purpose) {
  // Key = xxh64 of the purpose, seeded with the network seed; the engine is
  // seeded through seed_seq so that nearby keys give unrelated states.
  const std::uint64_t key = hash64(purpose, seed);
  std::seed_seq seq{static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32),
                    static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
  eng_.seed(seq);
}

double Rng::uniform() { return static_cast<double>(eng_() >> 11) * (1.0 / 9007199254740992.0); }

std::string Rng::save() const {
  std::ostringstream os;
  os << eng_;
  return os.str();
}

void Rng::restore(const std::string& state) {
  std::istringstream is(state);
  is >> eng_;
  if (!is) throw IoError("corrupt RNG state (" + std::to_string(state.size()) + " bytes)");
}

}  // namespace memphase
