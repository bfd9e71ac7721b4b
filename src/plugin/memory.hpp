#pragma once
// Building a family's memory estimate (Family::memory) from its terms: each
// term is a buffer the task holds, with the spec fields it grows with; the
// estimate blames the field that drives the largest term most, so that an
// absurd size is refused at the key the user should change.
#include <string>
#include <string_view>
#include <vector>

#include "plugin/family.hpp"

namespace memphase {

/// A spec field a memory term grows with: its key path, its value (for the
/// message) and how far it is above a typical value (ratio). The field with
/// the largest ratio is blamed when its term dominates.
struct MemoryFactor {
  const char* key;
  double value;
  double ratio;
};

struct MemoryTerm {
  const char* what;
  std::string shape;  ///< "100 units x 128 trials x 96 steps" (may be empty when no text is wanted)
  double bytes;
  std::vector<MemoryFactor> factors;  ///< at least one
};

/// The sum of the terms; the breakdown "<what> <shape>: <bytes>; ..." and the
/// blamed key when `text`.
MemoryEstimate memory_estimate(const std::vector<MemoryTerm>& terms, bool text);

/// Bytes in binary units with 3 significant digits: "512 B", "4.72 MiB",
/// "1.47 TiB".
std::string format_bytes(double bytes);

}  // namespace memphase
