#include "plugin/memory.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace memphase {

MemoryEstimate memory_estimate(const std::vector<MemoryTerm>& terms, bool text) {
  MemoryEstimate e;
  if (terms.empty()) return e;
  const MemoryTerm* top = &terms.front();
  for (const MemoryTerm& t : terms) {
    e.bytes += t.bytes;
    if (t.bytes > top->bytes) top = &t;
    if (!text) continue;
    if (!e.breakdown.empty()) e.breakdown += "; ";
    e.breakdown += fmt::format("{} {}: {}", t.what, t.shape, format_bytes(t.bytes));
  }
  if (!text) return e;
  const MemoryFactor* blame = &top->factors.front();
  for (const MemoryFactor& f : top->factors)
    if (f.ratio > blame->ratio) blame = &f;
  e.key = blame->key;
  e.value = fmt::format("{}", blame->value);
  return e;
}

std::string format_bytes(double b) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (!std::isfinite(b)) return fmt::format("{} B", b);
  std::size_t u = 0;
  while (std::fabs(b) >= 1024.0 && u + 1 < std::size(units)) {
    b /= 1024.0;
    ++u;
  }
  // Three significant digits, trailing zeros kept: "8.00 GiB", "62.5 KiB".
  if (u == 0 || std::fabs(b) >= 100.0) return fmt::format("{:.0f} {}", b, units[u]);
  if (std::fabs(b) >= 10.0) return fmt::format("{:.1f} {}", b, units[u]);
  return fmt::format("{:.2f} {}", b, units[u]);
}

}  // namespace memphase
