#pragma once
// A deterministic parallel loop for embarrassingly parallel analysis work
// (bootstrap resamples, reclassification). Training never uses it: one task
// per core is the campaign's parallelism.
#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace memphase {

/// Number of threads for a request: 0 = hardware concurrency, at most n.
inline unsigned resolve_threads(unsigned requested, std::size_t n) {
  unsigned t = requested == 0 ? std::max(1u, std::thread::hardware_concurrency()) : requested;
  return static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(t, n)));
}

/// Calls fn(i) for i in [0, n) on `threads` threads (strided: thread k takes
/// k, k + threads, ...). fn must only write to per-i state. The first
/// exception thrown by any fn is rethrown after every thread has finished.
template <class Fn>
void parallel_for(std::size_t n, unsigned threads, Fn&& fn) {
  threads = resolve_threads(threads, n);
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::exception_ptr error;
  std::mutex m;
  {
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    for (unsigned k = 0; k < threads; ++k) {
      pool.emplace_back([&, k] {
        try {
          for (std::size_t i = k; i < n; i += threads) fn(i);
        } catch (...) {
          const std::lock_guard<std::mutex> lock(m);
          if (!error) error = std::current_exception();
        }
      });
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace memphase
