#include "engine/cost.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "core/error.hpp"

#include "plugin/family.hpp"

namespace memphase {

double effective_gflops() {
  if (const char* g = std::getenv("MEMPHASE_GFLOPS")) {
    const double v = std::atof(g);
    if (v > 0) return v;
  }
  return 80.0;  // memphase bench, epoch_gflops on the development machine (AVX-512 EPYC core)
}

double task_cost(const TaskSpec& spec) { return spec.family->cost(spec); }

}  // namespace memphase

// ------------------------------------------------------------------ additions
// (issue 15: ETA of the progress line, memory at validation)

namespace memphase {

double task_seconds(const TaskSpec& spec, double gflops) {
  return task_cost(spec) / ((gflops > 0 ? gflops : effective_gflops()) * 1e9);
}

double calibrated_eta(double remaining_seconds, double longest_seconds, double ratio, int ranks) {
  if (!(remaining_seconds > 0) && !(longest_seconds > 0)) return 0.0;
  if (ranks <= 0) return std::numeric_limits<double>::quiet_NaN();
  return std::max(remaining_seconds / ranks, longest_seconds) * ratio;
}

void RemainingWork::add(double seconds) {
  tasks_.insert(seconds);
  sum_ += seconds;
}

void RemainingWork::remove(double seconds) {
  const auto it = tasks_.find(seconds);
  if (it == tasks_.end()) return;
  tasks_.erase(it);
  sum_ = tasks_.empty() ? 0.0 : sum_ - seconds;
}

double task_memory_bytes(const TaskSpec& spec) { return spec.family->memory(spec, false).bytes; }

MemoryEstimate task_memory(const TaskSpec& spec) { return spec.family->memory(spec, true); }

double available_memory() {
  double bytes = 0.0;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) bytes = static_cast<double>(pages) * static_cast<double>(page);
  // A cgroup limit (v2, then v1): Slurm's --mem, a container's memory.
  for (const char* f : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(f);
    std::string v;
    if (!(in >> v) || v == "max") continue;
    char* end = nullptr;
    const double lim = std::strtod(v.c_str(), &end);
    if (end != v.c_str() && lim > 0 && (bytes <= 0 || lim < bytes)) bytes = lim;
  }
  return bytes;
}

double parse_bytes(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  double v = -1.0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = used > 0 ? text.substr(used) : std::string();
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  if (unit.size() == 2 && unit.back() == 'i') unit.pop_back();
  double f = 0.0;
  if (unit.empty()) f = 1.0;
  else if (unit.size() == 1) {
    switch (std::toupper(static_cast<unsigned char>(unit[0]))) {
      case 'K': f = 1024.0; break;
      case 'M': f = 1048576.0; break;
      case 'G': f = 1073741824.0; break;
      case 'T': f = 1099511627776.0; break;
      default: break;
    }
  }
  if (used == 0 || f == 0.0 || !std::isfinite(v) || !(v > 0))
    throw ConfigError(fmt::format("{}: expected a size such as 64G, 512M or a number of bytes > 0 (got '{}')", what,
                                  text));
  return v * f;
}

MemoryCheck task_memory_check(double override_bytes) {
  MemoryCheck m;
  m.estimate = [](const TaskSpec& s) { return task_memory(s); };
  const char* hint = "--max-task-memory or MEMPHASE_MAX_TASK_MEMORY sets it";
  if (override_bytes > 0) {
    m.limit_bytes = override_bytes;
    m.limit_text = fmt::format("--max-task-memory {}", format_bytes(override_bytes));
  } else if (const char* env = std::getenv("MEMPHASE_MAX_TASK_MEMORY"); env && *env) {
    m.limit_bytes = parse_bytes(env, "MEMPHASE_MAX_TASK_MEMORY");
    m.limit_text = fmt::format("MEMPHASE_MAX_TASK_MEMORY={}", env);
  } else if (const double avail = available_memory(); avail > 0) {
    m.limit_bytes = 0.5 * avail;
    m.limit_text = fmt::format("half of the {} of memory of this machine; {}", format_bytes(avail), hint);
  }
  return m;
}

}  // namespace memphase
