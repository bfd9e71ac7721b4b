#pragma once
// `memphase plan`: what a campaign will cost before it runs. Pure functions
// of the expanded task list and the calibrated cost model (task_cost() and
// effective_gflops() of the scheduler); no MPI, no files.
//
// The schedule model is the engine's own policy (campaign/scheduler.cpp):
//  * the pending tasks form one queue, longest estimate first, ties in grid
//    order (a stable sort);
//  * all P ranks train, rank 0 included; a rank takes the next queued task as
//    soon as it is idle (list scheduling = LPT on a sorted queue);
//  * with a walltime W, a task is dispatched only if its estimate fits into
//    the time left before W - margin (the engine skips it otherwise), so a
//    task longer than W - margin is never dispatched by any allocation.
//
// Dispatch latency. Rank 0 answers requests only between its own training
// epochs. A worker's request therefore waits until rank 0's current epoch
// ends: half an epoch of rank 0's current task on average (requests arrive
// at times uncorrelated with rank 0's epoch boundaries). Rank 0 itself takes
// its next task without waiting, and once rank 0 has no task left it answers
// at once (it blocks in MPI_Probe). Message time itself (microseconds) is
// ignored. LatencyModel::fixed adds a constant per worker dispatch instead
// (e.g. for a busy interconnect), LatencyModel::none adds nothing.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/campaign.hpp"

namespace memphase {

/// Estimated cost of one task on one core.
struct TaskEstimate {
  std::int64_t index = 0;      ///< CampaignTask::index (row in campaign.h5)
  double seconds = 0.0;        ///< whole task: task_cost / (gflops * 1e9)
  double epoch_seconds = 0.0;  ///< one epoch (seconds / resolved epochs)
};

/// Estimates every task of `c` with the scheduler's cost model;
/// `gflops` <= 0 uses effective_gflops() (MEMPHASE_GFLOPS overrides it).
/// Returned in campaign order.
std::vector<TaskEstimate> estimate_tasks(const Campaign& c, double gflops = 0.0);

/// Reorders estimates exactly as the engine orders its queue: longest first,
/// ties by task index.
void sort_longest_first(std::vector<TaskEstimate>& tasks);

enum class LatencyModel : std::int8_t {
  none = 0,        ///< dispatch is instantaneous
  half_epoch = 1,  ///< default: + half an epoch of rank 0's current task (see above)
  fixed = 2,       ///< + DispatchLatency::seconds per dispatch to a rank != 0
};

struct DispatchLatency {
  LatencyModel model = LatencyModel::half_epoch;
  double seconds = 0.0;  ///< used by LatencyModel::fixed
};

/// Parses "half-epoch", "none" or a number of seconds (fixed model); throws
/// ConfigError naming `what` and the text otherwise.
DispatchLatency parse_latency(const std::string& text, const std::string& what);
std::string to_string(const DispatchLatency& l);

/// Parses a duration: "3600" (seconds), "3600s", "90m", "12h" or "h:mm:ss"
/// / "m:ss". Empty text is 0 (no walltime). Throws ConfigError naming `what`.
double parse_walltime(const std::string& text, const std::string& what);

/// Result of one simulated allocation (or of the whole campaign without a
/// walltime). Times in seconds from the start of the allocation.
struct Schedule {
  double makespan = 0.0;          ///< last task finishes
  std::int64_t dispatched = 0;    ///< tasks run to completion
  double dispatch_wait = 0.0;     ///< sum over dispatches of the latency, rank-seconds
  std::vector<std::int64_t> order;  ///< positions in the queue, in dispatch order
};

/// Event simulation of the engine on `ranks` ranks: a min-heap of rank free
/// times; the idle rank takes the first queued task that fits.
/// `queue` must already be sorted longest first. `usable` is the time
/// budget of the allocation (walltime - margin), <= 0 for none: then every
/// task is dispatched. With `keep_order`, Schedule::order is filled.
/// O(T log P) time; 63,000 tasks on 1,024 ranks take milliseconds.
Schedule simulate_schedule(std::span<const TaskEstimate> queue, int ranks, const DispatchLatency& lat,
                           double usable = 0.0, bool keep_order = false);

/// How a campaign splits into walltime-limited allocations (job submissions).
struct AllocationPlan {
  double usable_seconds = 0.0;             ///< walltime - margin
  std::int64_t first_allocation_tasks = 0; ///< tasks committed by the first allocation
  std::int64_t allocations = 0;            ///< submissions needed in all (resubmissions + 1)
  std::int64_t never_fit = 0;  ///< tasks longer than usable_seconds: never dispatched
  bool simulated = false;      ///< from simulate_schedule, else analytic bounds
  bool truncated = false;      ///< simulation stopped at max_allocations with tasks left
};

/// Analytic: allocations >= ceil(total / (P * usable)) (a lower bound); the
/// first allocation is estimated as the longest-first prefix whose sum is
/// <= P * usable. `queue` sorted longest first.
AllocationPlan estimate_allocations(std::span<const TaskEstimate> queue, int ranks, double walltime,
                                    double margin);
/// Simulated: runs simulate_schedule allocation after allocation on the tasks
/// left over until none remain. Tasks that can never fit are counted in
/// never_fit and not in allocations (the campaign then never completes).
/// At most `max_allocations` are simulated (then `truncated`).
AllocationPlan simulate_allocations(std::span<const TaskEstimate> queue, int ranks, double walltime,
                                    double margin, const DispatchLatency& lat,
                                    std::int64_t max_allocations = 10000);

struct PlanOptions {
  int ranks = 1;
  double walltime = 0.0;         ///< seconds; 0: none
  double walltime_margin = 60.0; ///< as `memphase run --walltime-margin`
  bool simulate = false;         ///< run the event simulation (else analytic only)
  DispatchLatency latency;
  double gflops = 0.0;           ///< <= 0: effective_gflops()
  double max_task_memory = 0.0;  ///< per-task memory limit (bytes) as `run --max-task-memory`; 0: its default
};

/// Everything `memphase plan` reports. Seconds unless named otherwise.
struct PlanReport {
  std::string source, name, family;
  std::int64_t tasks = 0;
  int ranks = 1;
  double gflops = 0.0;
  double task_min = 0.0, task_mean = 0.0, task_max = 0.0;
  double total = 0.0;           ///< sum of task estimates (core-seconds)
  double core_hours = 0.0;      ///< total / 3600
  double lower_bound = 0.0;     ///< max(total / P, longest task)
  double upper_bound = 0.0;     ///< list-scheduling bound total/P + (1 - 1/P) longest, no latency
  bool simulated = false;
  DispatchLatency latency;
  double makespan = 0.0;        ///< simulated (0 when not simulated)
  double ratio = 0.0;           ///< makespan / lower_bound
  double efficiency = 0.0;      ///< total / (P * makespan)
  double mean_dispatch_wait = 0.0;  ///< per dispatch, simulated
  double walltime = 0.0, walltime_margin = 0.0;
  AllocationPlan alloc;         ///< valid when walltime > 0

  // Memory (plan_campaign only; campaign/cost.hpp task_memory).
  double max_memory = 0.0;          ///< estimated bytes of the largest task
  std::int64_t max_memory_task = -1;  ///< its index, -1 without tasks
  std::string max_memory_detail;    ///< its breakdown
  double memory_limit = 0.0;        ///< the limit `run` would apply here (0: unknown)
  std::string memory_limit_text;    ///< how that limit is set
  std::int64_t over_memory_limit = 0;  ///< tasks `run` would refuse on this machine
};

/// Builds the report from estimates (any order; they are sorted here).
PlanReport make_plan(std::vector<TaskEstimate> tasks, const PlanOptions& opt);
/// Convenience: estimate_tasks(c) then make_plan, with the campaign's names
/// and the memory of its largest task against the limit of this machine.
PlanReport plan_campaign(const Campaign& c, const PlanOptions& opt);

/// Human table (several lines, ends with '\n').
std::string format_plan(const PlanReport& r);
/// One line of JSON (no trailing newline).
std::string plan_to_json(const PlanReport& r);

/// "3h05m", "12m30s", "45s", "2.1 d" for long spans; "never" for infinity.
std::string format_duration(double seconds);

namespace detail {
/// JSON string literal of s (quotes, escapes).
std::string json_quote(std::string_view s);
/// JSON number (finite, 6 significant digits; null for NaN/Inf).
std::string json_number(double v);
}  // namespace detail

}  // namespace memphase
