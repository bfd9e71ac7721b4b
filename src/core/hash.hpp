#pragma once
// Hashing (xxHash, XXH64 / XXH3): config hashes, record checksums, RNG keys.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace memphase {

/// XXH64 of the bytes of s with the given seed.
std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0);
/// XXH64 of a raw buffer.
std::uint64_t hash64(const void* data, std::size_t size, std::uint64_t seed = 0);
/// 16 lowercase hex digits.
std::string hex64(std::uint64_t h);

}  // namespace memphase
