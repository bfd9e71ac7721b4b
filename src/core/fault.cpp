#include "core/fault.hpp"

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <string>

namespace memphase {

namespace {

struct FaultSpec {
  bool active = false;
  std::string point;
  int rank = -1;
  long count = 1;
  long seen = 0;
  int sig = SIGKILL;
};

FaultSpec& spec() {
  static FaultSpec s = [] {
    FaultSpec f;
    const char* env = std::getenv("MEMPHASE_FAULT");
    if (!env || !*env) return f;
    const std::string v(env);
    const auto a = v.find(':');
    const auto b = a == std::string::npos ? std::string::npos : v.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) return f;
    f.point = v.substr(0, a);
    f.rank = std::atoi(v.substr(a + 1, b - a - 1).c_str());
    const auto c = v.find(':', b + 1);
    f.count = std::atol(v.substr(b + 1, c == std::string::npos ? std::string::npos : c - b - 1).c_str());
    f.active = f.count > 0;
    if (c != std::string::npos) {
      const std::string sig = v.substr(c + 1);
      f.sig = sig == "TERM" ? SIGTERM : sig == "INT" ? SIGINT : sig == "USR1" ? SIGUSR1 : SIGKILL;
    }
    return f;
  }();
  return s;
}

int g_rank = 0;

}  // namespace

void fault_set_rank(int rank) {
  g_rank = rank;
  // MEMPHASE_FSIZE_LIMIT=<bytes>: a file-size limit (as a full quota looks),
  // applied after MPI start-up so that only memphase's own writes fail (EFBIG).
  if (const char* lim = std::getenv("MEMPHASE_FSIZE_LIMIT"); lim && *lim) {
    const rlim_t bytes = static_cast<rlim_t>(std::atoll(lim));
    const struct rlimit rl = {bytes, bytes};
    setrlimit(RLIMIT_FSIZE, &rl);
  }
}

void fault_point(std::string_view point) {
  FaultSpec& f = spec();
  if (!f.active || point != f.point || (f.rank >= 0 && f.rank != g_rank)) return;
  if (++f.seen == f.count) std::raise(f.sig);
}

}  // namespace memphase
