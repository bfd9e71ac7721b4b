// `memphase plan`: the LPT list schedule against hand-computed optima, the
// lower and list-scheduling bounds, dispatch latency, walltime allocations
// (including the engine's "do not start what cannot finish" rule), parsing
// of the flags, and the speed of the 63,000 x 1,024 simulation. Also the
// memory model of one task: its estimate, the refusal of an absurd task at
// validation (message pinned), and the largest task of a plan.
#include "engine/plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "engine/cost.hpp"
#include "config/campaign.hpp"
#include "core/error.hpp"
#include "config/train_config.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr DispatchLatency kNoLatency{LatencyModel::none, 0.0};

/// Estimates with the given seconds, one epoch per task unless told.
std::vector<TaskEstimate> tasks_of(const std::vector<double>& seconds, double epochs = 1.0) {
  std::vector<TaskEstimate> t;
  for (std::size_t i = 0; i < seconds.size(); ++i)
    t.push_back({static_cast<std::int64_t>(i), seconds[i], seconds[i] / epochs});
  return t;
}

TEST(Plan, SortLongestFirstBreaksTiesByIndex) {
  auto t = tasks_of({1, 3, 2, 3});
  sort_longest_first(t);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].index, 1);
  EXPECT_EQ(t[1].index, 3);
  EXPECT_EQ(t[2].index, 2);
  EXPECT_EQ(t[3].index, 0);
}

TEST(Plan, LptHandExampleReachesTheOptimum) {
  // 7|5 -> 5 takes 4 (9) -> 7 takes 3 (10) -> 9 takes 3 (12) -> 10 takes 2 (12).
  auto t = tasks_of({3, 7, 2, 5, 4, 3});
  sort_longest_first(t);
  const Schedule s = simulate_schedule(t, 2, kNoLatency, 0.0, true);
  EXPECT_DOUBLE_EQ(s.makespan, 12.0);
  EXPECT_EQ(s.dispatched, 6);
  EXPECT_DOUBLE_EQ(s.dispatch_wait, 0.0);
  EXPECT_EQ(s.order, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));

  PlanOptions opt;
  opt.ranks = 2;
  opt.simulate = true;
  opt.latency = kNoLatency;
  opt.gflops = 1.0;
  const PlanReport r = make_plan(tasks_of({7, 5, 4, 3, 3, 2}), opt);
  EXPECT_EQ(r.tasks, 6);
  EXPECT_DOUBLE_EQ(r.total, 24.0);
  EXPECT_DOUBLE_EQ(r.lower_bound, 12.0);
  EXPECT_DOUBLE_EQ(r.makespan, 12.0);
  EXPECT_DOUBLE_EQ(r.ratio, 1.0);
  EXPECT_DOUBLE_EQ(r.task_max, 7.0);
  EXPECT_DOUBLE_EQ(r.task_min, 2.0);
  EXPECT_DOUBLE_EQ(r.upper_bound, 12.0 + 0.5 * 7.0);
}

TEST(Plan, LptIsNotAlwaysOptimal) {
  // Graham's classic: {3,3,2,2,2} on 2 ranks: LPT gives 7, the optimum is 6.
  auto t = tasks_of({3, 3, 2, 2, 2});
  const Schedule s = simulate_schedule(t, 2, kNoLatency);
  EXPECT_DOUBLE_EQ(s.makespan, 7.0);
}

TEST(Plan, LowerBoundIsTheLongestTaskWhenItDominates) {
  PlanOptions opt;
  opt.ranks = 4;
  opt.simulate = true;
  opt.latency = kNoLatency;
  opt.gflops = 1.0;
  const PlanReport r = make_plan(tasks_of({1, 10, 1}), opt);
  EXPECT_DOUBLE_EQ(r.lower_bound, 10.0);
  EXPECT_DOUBLE_EQ(r.makespan, 10.0);
  EXPECT_DOUBLE_EQ(r.core_hours, 12.0 / 3600.0);
}

TEST(Plan, ManyEqualTasksGiveRatioOneOrOneExtraRound) {
  PlanOptions opt;
  opt.ranks = 10;
  opt.simulate = true;
  opt.latency = kNoLatency;
  opt.gflops = 1.0;
  const PlanReport even = make_plan(tasks_of(std::vector<double>(1000, 1.0)), opt);
  EXPECT_DOUBLE_EQ(even.lower_bound, 100.0);
  EXPECT_DOUBLE_EQ(even.makespan, 100.0);
  EXPECT_DOUBLE_EQ(even.ratio, 1.0);
  EXPECT_DOUBLE_EQ(even.efficiency, 1.0);
  // One task more: one rank runs a 101st round.
  const PlanReport odd = make_plan(tasks_of(std::vector<double>(1001, 1.0)), opt);
  EXPECT_DOUBLE_EQ(odd.makespan, 101.0);
  EXPECT_DOUBLE_EQ(odd.ratio, 101.0 / 100.1);
}

TEST(Plan, WithoutSimulateOnlyAnalyticNumbers) {
  PlanOptions opt;
  opt.ranks = 2;
  opt.gflops = 1.0;
  const PlanReport r = make_plan(tasks_of({7, 5, 4, 3, 3, 2}), opt);
  EXPECT_FALSE(r.simulated);
  EXPECT_DOUBLE_EQ(r.makespan, 0.0);
  EXPECT_DOUBLE_EQ(r.lower_bound, 12.0);
  EXPECT_THAT(plan_to_json(r), HasSubstr("\"simulated\":false"));
  EXPECT_THAT(plan_to_json(r), Not(HasSubstr("makespan_seconds")));
}

TEST(Plan, HalfEpochLatencyDelaysWorkersWhileRankZeroTrains) {
  // Two 4 s tasks of 4 epochs (1 s each): rank 0 takes the first at t = 0;
  // rank 1's request waits half of rank 0's epoch.
  const auto t = tasks_of({4, 4}, 4.0);
  const Schedule half = simulate_schedule(t, 2, DispatchLatency{});
  EXPECT_DOUBLE_EQ(half.makespan, 4.5);
  EXPECT_DOUBLE_EQ(half.dispatch_wait, 0.5);
  const Schedule fixed = simulate_schedule(t, 2, DispatchLatency{LatencyModel::fixed, 0.25});
  EXPECT_DOUBLE_EQ(fixed.makespan, 4.25);
  // Rank 0 trains a 10 s task of 1 s epochs throughout: both of rank 1's
  // requests (t = 0 and t = 1.5) wait 0.5 s.
  const auto u = tasks_of({10, 1, 1}, 10.0);
  const Schedule s = simulate_schedule(u, 2, DispatchLatency{});
  EXPECT_DOUBLE_EQ(s.makespan, 10.0);
  EXPECT_DOUBLE_EQ(s.dispatch_wait, 1.0);
}

TEST(Plan, OneRankNeverWaits) {
  // Rank 0 takes its own tasks between epochs: no dispatch latency.
  const Schedule s = simulate_schedule(tasks_of({2, 2}, 2.0), 1, DispatchLatency{});
  EXPECT_DOUBLE_EQ(s.makespan, 4.0);
  EXPECT_DOUBLE_EQ(s.dispatch_wait, 0.0);
}

TEST(Plan, WalltimeAllocationsCountedBySimulation) {
  // Ten 1 h tasks on 2 ranks, 3 h usable: 6 in the first allocation, 2 in all.
  const auto t = tasks_of(std::vector<double>(10, 3600.0));
  const AllocationPlan a = simulate_allocations(t, 2, 3 * 3600.0 + 60.0, 60.0, kNoLatency);
  EXPECT_TRUE(a.simulated);
  EXPECT_DOUBLE_EQ(a.usable_seconds, 3 * 3600.0);
  EXPECT_EQ(a.first_allocation_tasks, 6);
  EXPECT_EQ(a.allocations, 2);
  EXPECT_EQ(a.never_fit, 0);
  EXPECT_FALSE(a.truncated);
  // Analytic: 10 h / (2 x 3 h) -> at least 2; the prefix of 6 tasks fits.
  const AllocationPlan b = estimate_allocations(t, 2, 3 * 3600.0 + 60.0, 60.0);
  EXPECT_FALSE(b.simulated);
  EXPECT_EQ(b.allocations, 2);
  EXPECT_EQ(b.first_allocation_tasks, 6);
}

TEST(Plan, WalltimeSkipsTasksThatCannotFinishLikeTheEngine) {
  // One rank, 4 s usable: 3 (left 1) -> skips 2, 2 -> takes 1. Then 2 + 2.
  auto t = tasks_of({3, 2, 2, 1});
  sort_longest_first(t);
  const Schedule s = simulate_schedule(t, 1, kNoLatency, 4.0, true);
  EXPECT_EQ(s.dispatched, 2);
  EXPECT_EQ(s.order, (std::vector<std::int64_t>{0, 3}));
  EXPECT_DOUBLE_EQ(s.makespan, 4.0);
  const AllocationPlan a = simulate_allocations(t, 1, 5.0, 1.0, kNoLatency);
  EXPECT_EQ(a.first_allocation_tasks, 2);
  EXPECT_EQ(a.allocations, 2);
}

TEST(Plan, TasksLongerThanTheWalltimeNeverFit) {
  PlanOptions opt;
  opt.ranks = 2;
  opt.simulate = true;
  opt.gflops = 1.0;
  opt.walltime = 3600.0;
  opt.walltime_margin = 60.0;
  const PlanReport r = make_plan(tasks_of({5000, 100, 100}), opt);
  EXPECT_EQ(r.alloc.never_fit, 1);
  EXPECT_EQ(r.alloc.allocations, 1);
  EXPECT_EQ(r.alloc.first_allocation_tasks, 2);
  EXPECT_THAT(format_plan(r), HasSubstr("never be dispatched"));
  EXPECT_THAT(plan_to_json(r), HasSubstr("\"never_fit\":1"));

  opt.walltime = 30.0;  // shorter than the margin
  EXPECT_THAT([&] { make_plan(tasks_of({1}), opt); },
              ::testing::ThrowsMessage<ConfigError>(HasSubstr("--walltime-margin")));
}

TEST(Plan, LargeCampaignSimulatesNearTheLowerBound) {
  // 63,000 tasks with a 30x spread of costs on 1,024 ranks.
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(1.0, 30.0);
  std::vector<double> sec(63000);
  for (auto& s : sec) s = 100.0 * u(gen);
  PlanOptions opt;
  opt.ranks = 1024;
  opt.simulate = true;
  opt.gflops = 1.0;
  opt.walltime = 12 * 3600.0;
  // No timing assertion (shared, noisy machines): speed is shown by `plan`.
  const PlanReport r = make_plan(tasks_of(sec, 1000.0), opt);
  EXPECT_GE(r.ratio, 1.0);
  EXPECT_LT(r.ratio, 1.05);
  EXPECT_GE(r.makespan, r.lower_bound);
  // Half-epoch latency: <= 1.5 s per dispatch, about 62 dispatches per rank.
  EXPECT_LE(r.makespan, r.upper_bound + 200.0);
  EXPECT_GE(r.alloc.allocations, 1);
}

TEST(Plan, ParsesWalltimeAndLatency) {
  EXPECT_DOUBLE_EQ(parse_walltime("", "--walltime"), 0.0);
  EXPECT_DOUBLE_EQ(parse_walltime("3600", "--walltime"), 3600.0);
  EXPECT_DOUBLE_EQ(parse_walltime("90m", "--walltime"), 5400.0);
  EXPECT_DOUBLE_EQ(parse_walltime("12h", "--walltime"), 43200.0);
  EXPECT_DOUBLE_EQ(parse_walltime("1:30:00", "--walltime"), 5400.0);
  EXPECT_DOUBLE_EQ(parse_walltime("2:30", "--walltime"), 150.0);
  EXPECT_THAT([] { parse_walltime("12x", "--walltime"); },
              ::testing::ThrowsMessage<ConfigError>(HasSubstr("--walltime: cannot parse '12x'")));
  EXPECT_THAT([] { parse_walltime("-5", "--walltime"); }, ::testing::Throws<ConfigError>());

  EXPECT_EQ(parse_latency("half-epoch", "--dispatch-latency").model, LatencyModel::half_epoch);
  EXPECT_EQ(parse_latency("none", "--dispatch-latency").model, LatencyModel::none);
  const DispatchLatency f = parse_latency("0.01", "--dispatch-latency");
  EXPECT_EQ(f.model, LatencyModel::fixed);
  EXPECT_DOUBLE_EQ(f.seconds, 0.01);
  EXPECT_THAT([] { parse_latency("soon", "--dispatch-latency"); },
              ::testing::ThrowsMessage<ConfigError>(HasSubstr("--dispatch-latency")));
}

TEST(Plan, JsonIsOneLineWithTheNumbers) {
  PlanOptions opt;
  opt.ranks = 2;
  opt.simulate = true;
  opt.latency = kNoLatency;
  opt.gflops = 1.0;
  opt.walltime = 100.0;
  opt.walltime_margin = 10.0;
  PlanReport r = make_plan(tasks_of({7, 5, 4, 3, 3, 2}), opt);
  r.name = "q\"x";
  const std::string j = plan_to_json(r);
  EXPECT_EQ(j.find('\n'), std::string::npos);
  EXPECT_THAT(j, HasSubstr("\"name\":\"q\\\"x\""));
  EXPECT_THAT(j, HasSubstr("\"tasks\":6,\"ranks\":2"));
  EXPECT_THAT(j, HasSubstr("\"makespan_seconds\":12,"));
  EXPECT_THAT(j, HasSubstr("\"lower_bound_seconds\":12,"));
  EXPECT_THAT(j, HasSubstr("\"ratio\":1,"));
  EXPECT_THAT(j, HasSubstr("\"allocations\":1,"));
  EXPECT_THAT(format_plan(r), HasSubstr("1.0000 x lower bound"));
}

TEST(Plan, FormatsDurations) {
  EXPECT_EQ(format_duration(0.0), "0s");
  EXPECT_EQ(format_duration(0.00125), "1.25ms");
  EXPECT_EQ(format_duration(1.234), "1.23s");
  EXPECT_EQ(format_duration(42.0), "42.0s");
  EXPECT_EQ(format_duration(750.0), "12m30s");
  EXPECT_EQ(format_duration(3 * 3600.0 + 300.0), "3h05m");
  EXPECT_EQ(format_duration(3 * 86400.0), "3.0 d");
  EXPECT_EQ(format_duration(std::numeric_limits<double>::infinity()), "never");
}


// ------------------------------------------------------------------ memory

/// A memory check with a fixed limit (the default depends on the machine).
MemoryCheck limit_of(double bytes) {
  MemoryCheck m = task_memory_check(bytes);
  EXPECT_EQ(m.limit_bytes, bytes);
  return m;
}

constexpr const char* kSmall = R"(name: small
family: dcdt-nopost
grid:
  lr: [0.1, 0.05]
  delay: [0, 200]
seeds: 2
)";

TEST(Memory, ReferenceTaskEstimateFollowsTheBuffers) {
  // N 100, reps 64 (B 128), cue 30 + delay 200 + response 50 ms at dt 5:
  // T = 6 + 40 + 10 = 56 steps; 3,000 epochs at lr 0.01 (30 / lr).
  TaskSpec s = preset_spec("dcdt-nopost", "t");
  sec(s).task.delay = 200;
  sec(s).train.lr = 0.01;
  const double N = 100, B = 128, T = 56, E = 3000;
  const double bptt = 4 * ((N + 2) * B * T + 3 * B * N + N * N) + 8 * T;
  const double free_run = 8 * 9 * T * (2 * N + 5);
  const double curves = 4 * 16 * E;
  const double weights = 8 * 4 * (N * N + 6 * N + 2);
  const MemoryEstimate e = task_memory(s);
  EXPECT_DOUBLE_EQ(e.bytes, bptt + free_run + curves + weights);
  EXPECT_DOUBLE_EQ(task_memory_bytes(s), e.bytes);
  EXPECT_THAT(e.breakdown, HasSubstr("BPTT buffers 100 units x 128 trials x 56 steps: 2.97 MiB"));
  EXPECT_THAT(e.breakdown, HasSubstr("free run 9 x 56 steps x 100 units"));
  EXPECT_THAT(e.breakdown, HasSubstr("curves 3000 epochs"));
  // What drives a large one: the field furthest above the reference task.
  sec(s).task.delay = 1e6;
  EXPECT_EQ(task_memory(s).key, "task.delay");
  EXPECT_EQ(task_memory(s).value, "1000000");
  sec(s).task.delay = 200;
  sec(s).model.n = 2000;
  EXPECT_EQ(task_memory(s).key, "model.n");
  sec(s).model.n = 100;
  sec(s).train.epochs = 1'000'000'000'000;
  EXPECT_EQ(task_memory(s).key, "train.epochs");
  sec(s).train.epochs = 0;
  sec(s).train.lr = 1e-12;  // epochs: auto = 30 / lr
  EXPECT_EQ(task_memory(s).key, "train.lr");
}

TEST(Memory, AbsurdDelayIsRefusedAtValidationWithItsEstimate) {
  // delay: 1e9 ms is 2e8 steps: it used to start and run for ever.
  const std::string text = std::string(R"(name: absurd
family: dcdt-post
grid:
  lr: [0.1, 0.05]
seeds: 2
task: {delay: 1e9}
)");
  EXPECT_NO_THROW(parse_campaign(text, "run.yaml"));  // without the check (status, gather)
  const MemoryCheck m = limit_of(8.0 * 1024 * 1024 * 1024);
  EXPECT_THAT([&] { parse_campaign(text, "run.yaml", m); },
              ::testing::ThrowsMessage<ConfigError>(::testing::StrEq(
                  "run.yaml:6:15: task.delay makes one task need about 12.2 TiB of memory (BPTT buffers 100 "
                  "units x 128 trials x 200000022 steps: 9.50 TiB; free run 9 x 200000022 steps x 100 units: "
                  "2.68 TiB; curves 1000 epochs: 62.5 KiB; weights 8 copies of 100 units: 331 KiB), more than "
                  "the 8.00 GiB allowed per task (--max-task-memory 8.00 GiB) (got 1000000000)")));
}

TEST(Memory, GridValueAndGridPointAreRefusedWhereTheyAreWritten) {
  const MemoryCheck m = limit_of(1.0 * 1024 * 1024 * 1024);
  // One axis value alone: at that value.
  const std::string one = R"(name: g
family: dcdt-nopost
grid:
  lr: [0.1]
  delay: [0, 200, 5e6]
seeds: 1
)";
  EXPECT_THAT([&] { parse_campaign(one, "g.yaml", m); },
              ::testing::ThrowsMessage<ConfigError>(::testing::AllOf(
                  HasSubstr("g.yaml:5:19: grid.delay[2]: task.delay makes one task need about"),
                  HasSubstr("more than the 1.00 GiB allowed per task"), HasSubstr("(got 5000000)"))));
  // Each value fits, their combination does not: at the grid.
  const std::string both = R"(name: g
family: dcdt-nopost
grid:
  n: [100, 2000]
  delay: [0, 20000]
seeds: 1
)";
  EXPECT_THAT([&] { parse_campaign(both, "g.yaml", m); },
              ::testing::ThrowsMessage<ConfigError>(::testing::AllOf(
                  HasSubstr("g.yaml:4:3: grid point (n=2000, delay=20000.0): task.delay makes one task need "
                            "about 5.05 GiB of memory (BPTT buffers 2000 units x 128 trials x 4016 steps: 3.85 GiB;"),
                  HasSubstr("more than the 1.00 GiB allowed per task"))));
}

TEST(Memory, LimitComesFromTheFlagTheEnvironmentOrHalfTheMemory) {
  EXPECT_DOUBLE_EQ(parse_bytes("64G", "x"), 64.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_bytes("512MiB", "x"), 512.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_bytes("1.5T", "x"), 1.5 * 1024.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_bytes("2048", "x"), 2048.0);
  EXPECT_DOUBLE_EQ(parse_bytes("100k", "x"), 102400.0);
  for (const char* bad : {"", "G", "-1G", "12Q", "0", "1e999"})
    EXPECT_THAT([&] { parse_bytes(bad, "--max-task-memory"); },
                ::testing::ThrowsMessage<ConfigError>(HasSubstr("--max-task-memory: expected a size")));
  const MemoryCheck by_flag = task_memory_check(1e9);
  EXPECT_EQ(by_flag.limit_text, "--max-task-memory 954 MiB");
  ::setenv("MEMPHASE_MAX_TASK_MEMORY", "3G", 1);
  const MemoryCheck by_env = task_memory_check();
  ::unsetenv("MEMPHASE_MAX_TASK_MEMORY");
  EXPECT_DOUBLE_EQ(by_env.limit_bytes, 3.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(by_env.limit_text, "MEMPHASE_MAX_TASK_MEMORY=3G");
  const MemoryCheck by_default = task_memory_check();
  if (available_memory() > 0) {
    EXPECT_DOUBLE_EQ(by_default.limit_bytes, 0.5 * available_memory());
    EXPECT_THAT(by_default.limit_text, HasSubstr("half of the"));
  }
}

TEST(Memory, PlanReportsTheLargestTask) {
  const Campaign c = parse_campaign(kSmall, "small.yaml");
  PlanOptions opt;
  opt.gflops = 1.0;
  opt.max_task_memory = 1024.0 * 1024;  // 1 MiB: every task is over
  const PlanReport r = plan_campaign(c, opt);
  // The longest trials (delay 200; 1,000 epochs at both lr): tasks 2, 3, 6
  // and 7; the first is reported.
  EXPECT_EQ(r.max_memory_task, 2);
  EXPECT_DOUBLE_EQ(r.max_memory, task_memory_bytes(c.tasks[2].spec));
  EXPECT_EQ(r.over_memory_limit, 8);
  const std::string h = format_plan(r);
  EXPECT_THAT(h, HasSubstr("memory per task       max 4.15 MiB (task 2: BPTT buffers 100 units x 128 trials x 56"));
  EXPECT_THAT(h, HasSubstr("memory limit          1.00 MiB per task (--max-task-memory 1.00 MiB)"));
  EXPECT_THAT(h, HasSubstr("warning: 8 task(s) exceed the memory limit"));
  EXPECT_THAT(plan_to_json(r), HasSubstr("\"max_memory_task\":2,\"task_memory_limit_bytes\":1048576,"
                                         "\"tasks_over_memory_limit\":8"));
}

// ------------------------------------------------------------------ ETA

TEST(Eta, CalibratedEtaIsTheCostModelScaledByTheObservedRatio) {
  // Nothing left: 0. Unknown ranks: NaN.
  EXPECT_EQ(calibrated_eta(0.0, 0.0, 1.3, 4), 0.0);
  EXPECT_TRUE(std::isnan(calibrated_eta(10.0, 2.0, 1.0, 0)));
  // Spread over P ranks, or the longest task if that is longer.
  EXPECT_DOUBLE_EQ(calibrated_eta(100.0, 2.0, 1.5, 4), 25.0 * 1.5);
  EXPECT_DOUBLE_EQ(calibrated_eta(100.0, 40.0, 1.5, 4), 40.0 * 1.5);
  CostCalibration c;
  EXPECT_EQ(c.ratio(), 1.0);  // uncalibrated
  c.add(10.0, 12.0);
  c.add(30.0, 36.0);
  EXPECT_DOUBLE_EQ(c.ratio(), 1.2);
}

TEST(Eta, RemainingWorkFollowsTheCommitsOfALongestFirstRun) {
  // The progress line of a 612-network campaign said 58 min (throughput of
  // the first, longest tasks, extrapolated) where the truth was 30. Here: 6
  // tasks queued longest first on 2 ranks; after the two longest commit, the
  // throughput extrapolation says 2 x the elapsed time, the cost model the
  // time the rest takes.
  const std::vector<double> est = {40, 30, 10, 10, 5, 5};
  RemainingWork w;
  for (const double e : est) w.add(e);
  EXPECT_DOUBLE_EQ(w.seconds(), 100.0);
  EXPECT_DOUBLE_EQ(w.longest(), 40.0);
  EXPECT_DOUBLE_EQ(calibrated_eta(w.seconds(), w.longest(), 1.0, 2), 50.0);
  CostCalibration c;
  w.remove(40);
  c.add(40, 44);  // 10 % slower than the model
  w.remove(30);
  c.add(30, 33);
  EXPECT_EQ(w.tasks(), 4u);
  EXPECT_DOUBLE_EQ(w.seconds(), 30.0);
  EXPECT_DOUBLE_EQ(w.longest(), 10.0);
  EXPECT_DOUBLE_EQ(calibrated_eta(w.seconds(), w.longest(), c.ratio(), 2), 15.0 * 1.1);
  const double elapsed = 44.0, throughput_eta = 4.0 / (2.0 / elapsed);
  EXPECT_GT(throughput_eta, 5 * calibrated_eta(w.seconds(), w.longest(), c.ratio(), 2));
  for (const double e : {10.0, 10.0, 5.0, 5.0}) w.remove(e);
  EXPECT_EQ(w.tasks(), 0u);
  EXPECT_EQ(w.seconds(), 0.0);
  EXPECT_EQ(calibrated_eta(w.seconds(), w.longest(), c.ratio(), 2), 0.0);
  w.remove(1.0);  // not there: ignored
  EXPECT_EQ(w.tasks(), 0u);
}
}  // namespace
}  // namespace memphase
