#pragma once
// The scheduler's cost model (no MPI): used by `run` to order tasks longest
// first, to respect a walltime and for its progress line's ETA, and by
// `plan` and `status` for estimates; and the memory model of one task, used
// by `run`'s validation and by `plan`.
#include <set>
#include <string>

#include "config/campaign.hpp"
#include "core/spec.hpp"

namespace memphase {

/// Estimated cost of one task in GEMM-equivalent floating-point operations
/// (its family's cost model, Family::cost; the rate RNN: epochs x
/// epoch_flops(N, batch, steps)).
double task_cost(const TaskSpec& spec);

/// Effective GFLOP/s of one core for time estimates: the value `memphase
/// bench` measured on the development machine (epoch_gflops); the
/// environment variable MEMPHASE_GFLOPS overrides it.
double effective_gflops();

/// Estimated seconds of one task on one core: task_cost / (gflops * 1e9);
/// `gflops` <= 0 uses effective_gflops().
double task_seconds(const TaskSpec& spec, double gflops = 0.0);

/// The cost model calibrated on finished tasks: the ratio of their measured
/// training time to their estimate (1 before any task finished).
struct CostCalibration {
  double real_seconds = 0.0;       ///< sum of train_seconds of the finished tasks
  double estimated_seconds = 0.0;  ///< sum of their task_seconds()
  void add(double estimated, double real) {
    estimated_seconds += estimated;
    real_seconds += real;
  }
  double ratio() const {
    return real_seconds > 0 && estimated_seconds > 0 ? real_seconds / estimated_seconds : 1.0;
  }
};

/// ETA of the remaining work on `ranks` ranks, as `status` and `run`'s
/// progress line report it: max(remaining / P, longest remaining task) x
/// ratio, where `remaining` and `longest` are cost-model seconds of the tasks
/// not yet committed (in-flight ones in full) and `ratio` the calibration.
/// 0 when nothing remains; NaN when ranks <= 0 (unknown).
double calibrated_eta(double remaining_seconds, double longest_seconds, double ratio, int ranks);

/// Cost-model seconds of the tasks not yet committed, kept up to date as
/// tasks are committed (`run`'s progress line).
class RemainingWork {
 public:
  void add(double seconds);     ///< a task still to run (pending or in flight)
  void remove(double seconds);  ///< that task was committed
  double seconds() const { return tasks_.empty() ? 0.0 : sum_; }
  double longest() const { return tasks_.empty() ? 0.0 : *tasks_.rbegin(); }
  std::size_t tasks() const { return tasks_.size(); }

 private:
  std::multiset<double> tasks_;
  double sum_ = 0.0;
};

/// Estimated peak memory of one task's working set, in bytes, with its
/// terms and the spec field that drives it (its family's memory model,
/// Family::memory; a task is refused at validation on it).
MemoryEstimate task_memory(const TaskSpec& spec);
/// task_memory(spec).bytes, without building the texts (for every task of a plan).
double task_memory_bytes(const TaskSpec& spec);

/// Physical memory available to this process: the smaller of the machine's
/// RAM and a cgroup memory limit (Slurm --mem), in bytes; 0 if unknown.
double available_memory();

/// The per-task memory limit of validation: `override_bytes` if > 0, else
/// MEMPHASE_MAX_TASK_MEMORY (e.g. "64G"), else half of available_memory().
/// ConfigError for a malformed MEMPHASE_MAX_TASK_MEMORY.
MemoryCheck task_memory_check(double override_bytes = 0.0);

/// "64G", "512M", "1.5T", "2048K", "1000000" (bytes; binary units, an
/// optional trailing "B" or "iB") -> bytes. ConfigError naming `what`.
double parse_bytes(const std::string& text, const std::string& what);

}  // namespace memphase
