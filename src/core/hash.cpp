#include "core/hash.hpp"

#include <fmt/format.h>
#include <xxhash.h>

namespace memphase {

std::uint64_t hash64(std::string_view s, std::uint64_t seed) { return XXH64(s.data(), s.size(), seed); }

std::uint64_t hash64(const void* data, std::size_t size, std::uint64_t seed) {
  return XXH64(data, size, seed);
}

std::string hex64(std::uint64_t h) { return fmt::format("{:016x}", h); }

}  // namespace memphase
