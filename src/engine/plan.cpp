#include "engine/plan.hpp"

#include "plugin/family.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <utility>

#include "engine/cost.hpp"
#include "core/error.hpp"

namespace memphase {

namespace {

/// 63000 -> "63,000".
std::string grouped(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  if (v < 0) out.insert(out.begin(), '-');
  return out;
}

/// "first queued task that fits": positions are removed as they are taken;
/// find(i) is the first position >= i still queued (n when none), by path
/// halving over a "next candidate" array.
class Remaining {
 public:
  explicit Remaining(std::size_t n) : next_(n + 1) { std::iota(next_.begin(), next_.end(), std::size_t{0}); }
  std::size_t find(std::size_t i) {
    while (next_[i] != i) {
      next_[i] = next_[next_[i]];
      i = next_[i];
    }
    return i;
  }
  void take(std::size_t i) { next_[i] = i + 1; }

 private:
  std::vector<std::size_t> next_;
};

/// Core-seconds as core-hours: one decimal, or 3 significant digits below 10.
std::string core_hours(double core_seconds) {
  const double h = core_seconds / 3600.0;
  return h >= 10 ? fmt::format("{:.1f}", h) : fmt::format("{:.3g}", h);
}

}  // namespace

std::vector<TaskEstimate> estimate_tasks(const Campaign& c, double gflops) {
  const double flops_per_s = (gflops > 0 ? gflops : effective_gflops()) * 1e9;
  std::vector<TaskEstimate> out;
  out.reserve(c.tasks.size());
  for (const auto& t : c.tasks) {
    const double s = task_cost(t.spec) / flops_per_s;
    const auto epochs = std::max<std::int64_t>(1, t.spec.family->poll_epochs(t.spec));
    out.push_back({t.index, s, s / static_cast<double>(epochs)});
  }
  return out;
}

void sort_longest_first(std::vector<TaskEstimate>& tasks) {
  std::sort(tasks.begin(), tasks.end(), [](const TaskEstimate& a, const TaskEstimate& b) {
    if (a.seconds != b.seconds) return a.seconds > b.seconds;
    return a.index < b.index;
  });
}

DispatchLatency parse_latency(const std::string& text, const std::string& what) {
  if (text == "half-epoch" || text == "half_epoch") return {LatencyModel::half_epoch, 0.0};
  if (text == "none") return {LatencyModel::none, 0.0};
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v) && v >= 0) return {LatencyModel::fixed, v};
  } catch (const std::exception&) {
  }
  throw ConfigError(fmt::format("{}: expected 'half-epoch', 'none' or a number of seconds >= 0 (got '{}')",
                                what, text));
}

std::string to_string(const DispatchLatency& l) {
  switch (l.model) {
    case LatencyModel::none: return "none";
    case LatencyModel::half_epoch: return "half-epoch";
    case LatencyModel::fixed: return fmt::format("{}s", l.seconds);
  }
  return "?";
}

double parse_walltime(const std::string& text, const std::string& what) {
  if (text.empty()) return 0.0;
  double v = -1.0;
  try {
    if (text.find(':') != std::string::npos) {
      v = 0.0;
      std::size_t start = 0;
      for (;;) {
        const auto colon = text.find(':', start);
        const std::string part = text.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        std::size_t used = 0;
        const double x = std::stod(part, &used);
        if (used != part.size() || x < 0) throw std::invalid_argument(part);
        v = v * 60.0 + x;
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
    } else {
      std::size_t used = 0;
      const double x = std::stod(text, &used);
      const std::string unit = text.substr(used);
      if (unit.empty() || unit == "s") v = x;
      else if (unit == "m") v = x * 60.0;
      else if (unit == "h") v = x * 3600.0;
      else if (unit == "d") v = x * 86400.0;
    }
  } catch (const std::exception&) {
    v = -1.0;
  }
  if (!(v >= 0) || !std::isfinite(v))
    throw ConfigError(fmt::format("{}: cannot parse '{}' (use seconds, 90m, 12h or h:mm:ss)", what, text));
  return v;
}

Schedule simulate_schedule(std::span<const TaskEstimate> queue, int ranks, const DispatchLatency& lat,
                           double usable, bool keep_order) {
  Schedule s;
  const std::size_t n = queue.size();
  const int P = std::max(1, ranks);
  const bool limited = usable > 0;
  Remaining rem(n);
  std::size_t left = n;
  // (free time, rank): ties go to the lower rank, so rank 0 takes the head of
  // the queue at t = 0 exactly as the engine's rank 0 does.
  using Ev = std::pair<double, int>;
  std::vector<Ev> init;
  init.reserve(static_cast<std::size_t>(P));
  for (int r = 0; r < P; ++r) init.emplace_back(0.0, r);
  std::priority_queue<Ev, std::vector<Ev>, std::greater<Ev>> heap(std::greater<Ev>(), std::move(init));
  double r0_end = -1.0, r0_epoch = 0.0;  // rank 0's current task
  while (left > 0 && !heap.empty()) {
    const auto [t, r] = heap.top();
    heap.pop();
    double wait = 0.0;
    if (r != 0) {
      if (lat.model == LatencyModel::half_epoch && t < r0_end) wait = 0.5 * r0_epoch;
      else if (lat.model == LatencyModel::fixed) wait = lat.seconds;
    }
    const double start = t + wait;
    std::size_t first = 0;
    if (limited) {
      const double budget = usable - start;
      // Queue is sorted longest first: tasks that fit form a suffix.
      first = static_cast<std::size_t>(
          std::partition_point(queue.begin(), queue.end(),
                               [budget](const TaskEstimate& e) { return e.seconds > budget; }) -
          queue.begin());
    }
    const std::size_t pos = rem.find(first);
    if (pos >= n) continue;  // nothing fits: this rank is told to stop (time left only shrinks)
    rem.take(pos);
    --left;
    const double end = start + queue[pos].seconds;
    if (r == 0) {
      r0_end = end;
      r0_epoch = queue[pos].epoch_seconds;
    }
    s.makespan = std::max(s.makespan, end);
    s.dispatch_wait += wait;
    ++s.dispatched;
    if (keep_order) s.order.push_back(static_cast<std::int64_t>(pos));
    heap.emplace(end, r);
  }
  return s;
}

AllocationPlan estimate_allocations(std::span<const TaskEstimate> queue, int ranks, double walltime,
                                    double margin) {
  AllocationPlan a;
  a.usable_seconds = walltime - margin;
  const double capacity = std::max(1, ranks) * a.usable_seconds;
  double rest = 0.0, prefix = 0.0;
  bool prefix_open = true;
  for (const auto& e : queue) {
    if (!(e.seconds <= a.usable_seconds)) {
      ++a.never_fit;
      continue;
    }
    rest += e.seconds;
    if (prefix_open && prefix + e.seconds <= capacity) {
      prefix += e.seconds;
      ++a.first_allocation_tasks;
    } else {
      prefix_open = false;
    }
  }
  if (rest > 0 && capacity > 0) a.allocations = static_cast<std::int64_t>(std::ceil(rest / capacity));
  return a;
}

AllocationPlan simulate_allocations(std::span<const TaskEstimate> queue, int ranks, double walltime,
                                    double margin, const DispatchLatency& lat, std::int64_t max_allocations) {
  AllocationPlan a;
  a.simulated = true;
  a.usable_seconds = walltime - margin;
  // Sorted longest first: the tasks that can never fit are a prefix.
  std::vector<TaskEstimate> left;
  for (const auto& e : queue) {
    if (e.seconds <= a.usable_seconds) left.push_back(e);
    else ++a.never_fit;
  }
  std::vector<char> taken;
  while (!left.empty() && a.allocations < max_allocations) {
    const Schedule s = simulate_schedule(left, ranks, lat, a.usable_seconds, true);
    if (s.dispatched == 0) break;  // cannot happen: rank 0 starts with the whole budget
    ++a.allocations;
    if (a.allocations == 1) a.first_allocation_tasks = s.dispatched;
    taken.assign(left.size(), 0);
    for (const auto pos : s.order) taken[static_cast<std::size_t>(pos)] = 1;
    std::size_t w = 0;
    for (std::size_t i = 0; i < left.size(); ++i)
      if (!taken[i]) left[w++] = left[i];
    left.resize(w);
  }
  a.truncated = !left.empty();
  return a;
}

PlanReport make_plan(std::vector<TaskEstimate> tasks, const PlanOptions& opt) {
  PlanReport r;
  sort_longest_first(tasks);
  const int P = std::max(1, opt.ranks);
  r.tasks = static_cast<std::int64_t>(tasks.size());
  r.ranks = P;
  r.gflops = opt.gflops > 0 ? opt.gflops : effective_gflops();
  r.latency = opt.latency;
  if (!tasks.empty()) {
    r.task_max = tasks.front().seconds;
    r.task_min = tasks.back().seconds;
    for (const auto& e : tasks) r.total += e.seconds;
    r.task_mean = r.total / static_cast<double>(tasks.size());
  }
  r.core_hours = r.total / 3600.0;
  r.lower_bound = std::max(r.total / P, r.task_max);
  r.upper_bound = r.total / P + (1.0 - 1.0 / P) * r.task_max;
  if (opt.simulate) {
    const Schedule s = simulate_schedule(tasks, P, opt.latency);
    r.simulated = true;
    r.makespan = s.makespan;
    r.ratio = r.lower_bound > 0 ? s.makespan / r.lower_bound : 1.0;
    r.efficiency = s.makespan > 0 ? r.total / (P * s.makespan) : 1.0;
    r.mean_dispatch_wait = s.dispatched > 0 ? s.dispatch_wait / static_cast<double>(s.dispatched) : 0.0;
  }
  r.walltime = opt.walltime;
  r.walltime_margin = opt.walltime_margin;
  if (opt.walltime > 0) {
    if (opt.walltime <= opt.walltime_margin)
      throw ConfigError(fmt::format("--walltime {} s must exceed --walltime-margin {} s", opt.walltime,
                                    opt.walltime_margin));
    r.alloc = opt.simulate ? simulate_allocations(tasks, P, opt.walltime, opt.walltime_margin, opt.latency)
                           : estimate_allocations(tasks, P, opt.walltime, opt.walltime_margin);
  }
  return r;
}

PlanReport plan_campaign(const Campaign& c, const PlanOptions& opt) {
  PlanReport r = make_plan(estimate_tasks(c, opt.gflops), opt);
  r.source = c.source;
  r.name = c.name;
  r.family = c.family;
  const MemoryCheck check = task_memory_check(opt.max_task_memory);
  r.memory_limit = check.limit_bytes;
  r.memory_limit_text = check.limit_text;
  for (const auto& t : c.tasks) {
    const double b = task_memory_bytes(t.spec);
    if (b > r.max_memory || r.max_memory_task < 0) {
      r.max_memory = b;
      r.max_memory_task = t.index;
    }
    if (check.active() && b > check.limit_bytes) ++r.over_memory_limit;
  }
  if (r.max_memory_task >= 0) {
    const MemoryEstimate e = task_memory(c.tasks[static_cast<std::size_t>(r.max_memory_task)].spec);
    r.max_memory_detail = fmt::format("{}; driven by {} = {}", e.breakdown, e.key, e.value);
  }
  return r;
}

std::string format_duration(double s) {
  if (std::isnan(s)) return "?";
  if (std::isinf(s)) return "never";
  if (s < 0) return fmt::format("-{}", format_duration(-s));
  if (s == 0) return "0s";
  if (s < 1) return fmt::format("{:.3g}ms", s * 1e3);
  if (s < 10) return fmt::format("{:.2f}s", s);
  if (s < 60) return fmt::format("{:.1f}s", s);
  const auto t = static_cast<std::int64_t>(std::llround(s));
  if (t < 3600) return fmt::format("{}m{:02d}s", t / 60, t % 60);
  if (t < 48 * 3600) return fmt::format("{}h{:02d}m", t / 3600, (t % 3600) / 60);
  return fmt::format("{:.1f} d", s / 86400.0);
}

std::string format_plan(const PlanReport& r) {
  std::string o;
  auto row = [&o](std::string_view label, const std::string& value) {
    o += fmt::format("  {:<22}{}\n", label, value);
  };
  o += fmt::format("memphase plan: campaign '{}' ({}), family {}\n", r.name, r.source, r.family);
  row("tasks", grouped(r.tasks));
  row("cost model", fmt::format("{:g} GFLOP/s per core (memphase bench; MEMPHASE_GFLOPS or --gflops)", r.gflops));
  row("task estimate", fmt::format("min {}, mean {}, max {}", format_duration(r.task_min),
                                   format_duration(r.task_mean), format_duration(r.task_max)));
  row("total", fmt::format("{} core-hours", core_hours(r.total)));
  row("ranks", grouped(r.ranks));
  row("lower bound", fmt::format("{}  = max(total/P {}, longest task {})", format_duration(r.lower_bound),
                                 format_duration(r.total / r.ranks), format_duration(r.task_max)));
  row("list-schedule bound", fmt::format("{}  = total/P + (1 - 1/P) longest (no dispatch latency)",
                                         format_duration(r.upper_bound)));
  if (r.simulated) {
    row("makespan (simulated)",
        fmt::format("{}  = {:.4f} x lower bound, efficiency {:.1f} %", format_duration(r.makespan), r.ratio,
                    100.0 * r.efficiency));
    row("dispatch latency", fmt::format("{}: mean wait {:.3g} s per dispatch", to_string(r.latency),
                                        r.mean_dispatch_wait));
    row("allocated", fmt::format("{} core-hours (P x makespan)", core_hours(r.ranks * r.makespan)));
  } else {
    row("makespan", "between the bounds above; --simulate replays the scheduler");
  }
  if (r.max_memory_task >= 0) {
    row("memory per task", fmt::format("max {} (task {}: {})", format_bytes(r.max_memory), r.max_memory_task,
                                       r.max_memory_detail));
    if (r.memory_limit > 0)
      row("memory limit", fmt::format("{} per task ({})", format_bytes(r.memory_limit), r.memory_limit_text));
    if (r.over_memory_limit > 0)
      o += fmt::format("  warning: {} task(s) exceed the memory limit of this machine: `memphase run` here "
                       "refuses the campaign\n",
                       grouped(r.over_memory_limit));
  }
  if (r.walltime > 0) {
    const auto& a = r.alloc;
    row("walltime", fmt::format("{} (margin {}): {} usable per allocation", format_duration(r.walltime),
                                format_duration(r.walltime_margin), format_duration(a.usable_seconds)));
    const char* how = a.simulated ? "" : "about ";
    row("first allocation", fmt::format("{}{} tasks", how, grouped(a.first_allocation_tasks)));
    const std::string n = fmt::format("{}{}", a.truncated ? "more than " : a.simulated ? "" : "at least ",
                                      grouped(a.allocations));
    row("allocations", fmt::format("{} ({} resubmission(s))", n,
                                   grouped(std::max<std::int64_t>(0, a.allocations - 1))));
    if (a.never_fit > 0)
      o += fmt::format("  warning: {} task(s) are longer than the usable walltime {} and will never be "
                       "dispatched; use a longer walltime\n",
                       grouped(a.never_fit), format_duration(a.usable_seconds));
  }
  return o;
}

std::string plan_to_json(const PlanReport& r) {
  using detail::json_number;
  using detail::json_quote;
  std::string o = "{";
  o += fmt::format("\"campaign\":{},\"name\":{},\"family\":{},\"tasks\":{},\"ranks\":{},\"gflops\":{}",
                   json_quote(r.source), json_quote(r.name), json_quote(r.family), r.tasks, r.ranks,
                   json_number(r.gflops));
  o += fmt::format(",\"task_seconds_min\":{},\"task_seconds_mean\":{},\"task_seconds_max\":{}",
                   json_number(r.task_min), json_number(r.task_mean), json_number(r.task_max));
  o += fmt::format(",\"total_core_seconds\":{},\"core_hours\":{},\"lower_bound_seconds\":{},"
                   "\"upper_bound_seconds\":{}",
                   json_number(r.total), json_number(r.core_hours), json_number(r.lower_bound),
                   json_number(r.upper_bound));
  o += fmt::format(",\"max_task_memory_bytes\":{},\"max_memory_task\":{},\"task_memory_limit_bytes\":{},"
                   "\"tasks_over_memory_limit\":{}",
                   json_number(r.max_memory), r.max_memory_task, json_number(r.memory_limit), r.over_memory_limit);
  o += fmt::format(",\"simulated\":{}", r.simulated);
  if (r.simulated)
    o += fmt::format(",\"latency\":{},\"makespan_seconds\":{},\"ratio\":{},\"efficiency\":{},"
                     "\"mean_dispatch_wait_seconds\":{}",
                     json_quote(to_string(r.latency)), json_number(r.makespan), json_number(r.ratio),
                     json_number(r.efficiency), json_number(r.mean_dispatch_wait));
  if (r.walltime > 0)
    o += fmt::format(",\"walltime_seconds\":{},\"walltime_margin_seconds\":{},\"allocations_simulated\":{},"
                     "\"first_allocation_tasks\":{},\"allocations\":{},\"allocations_truncated\":{},"
                     "\"never_fit\":{}",
                     json_number(r.walltime), json_number(r.walltime_margin), r.alloc.simulated,
                     r.alloc.first_allocation_tasks, r.alloc.allocations, r.alloc.truncated, r.alloc.never_fit);
  o += "}";
  return o;
}

namespace detail {

std::string json_quote(std::string_view s) {
  std::string o = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) o += fmt::format("\\u{:04x}", c);
        else o += ch;
    }
  }
  return o + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.9g}", v);
}

}  // namespace detail

}  // namespace memphase
