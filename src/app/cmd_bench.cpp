// `memphase bench`: single-threaded speed of the units of work every family
// declares (Family::bench_units: the rate RNN's epoch against the GEMM
// roofline of the same core, its noise, its N × T grid, two networks per
// core; one epoch / update of the other families), printed as one JSON
// line. Each family computes its own fields from the measured times
// (Family::bench_fields); a unit with a cost-model estimate also gets
// <name>_ms and <name>_measured_over_cost_model (the check of the cost model
// of plan and status at effective_gflops()).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "core/version.hpp"
#include "engine/cost.hpp"
#include "families/registry.hpp"
#include "plugin/family.hpp"

namespace memphase::app {

namespace {

/// Collects per-benchmark real time per iteration (seconds) instead of printing.
class Collector : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      // Names carry suffixes such as "epoch/round0/min_time:1.000": key by the stem.
      const std::string name = r.benchmark_name().substr(0, r.benchmark_name().find('/'));
      // Several rounds per benchmark: keep the fastest (least disturbed).
      const double sec = r.GetAdjustedRealTime() * unit_seconds(r.time_unit);
      const auto it = seconds.find(name);
      if (it == seconds.end() || sec < it->second) seconds[name] = sec;
    }
  }
  static double unit_seconds(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kNanosecond: return 1e-9;
      case benchmark::kMicrosecond: return 1e-6;
      case benchmark::kMillisecond: return 1e-3;
      default: return 1.0;
    }
  }
  BenchTimes seconds;
};

}  // namespace

std::string run_bench(const BenchOptions& opt) {
  // Every family's units, each run in `rounds` interleaved rounds of
  // min_time / rounds seconds; the result is the fastest round. On a shared
  // core the rounds spread every benchmark over the same disturbances, and
  // the minimum rejects the disturbed ones.
  std::vector<BenchUnit> units;
  for (const Family* f : families())
    for (BenchUnit& u : f->bench_units(opt)) units.push_back(std::move(u));
  const int rounds = std::max(1, opt.rounds);
  for (int round = 0; round < rounds; ++round)
    for (const BenchUnit& u : units)
      benchmark::RegisterBenchmark(fmt::format("{}/round{}", u.name, round).c_str(),
                                   [&u](benchmark::State& st) {
                                     for (auto _ : st) {
                                       u.run();
                                       benchmark::ClobberMemory();
                                     }
                                   })
          ->Unit(u.microseconds ? benchmark::kMicrosecond : benchmark::kMillisecond)
          ->MinTime(opt.min_time / rounds);
  int argc = 1;
  char arg0[] = "memphase-bench";
  char* argv[] = {arg0, nullptr};
  benchmark::Initialize(&argc, argv);
  Collector col;
  benchmark::RunSpecifiedBenchmarks(&col);
  benchmark::ClearRegisteredBenchmarks();

  BenchFields fields{{"bench", "\"epoch\""}};
  for (const Family* f : families()) f->bench_fields(opt, col.seconds, fields);
  fields.emplace_back("rounds", fmt::format("{}", rounds));
  for (const BenchUnit& u : units) {
    if (u.model_cost <= 0.0) continue;
    const double s = col.seconds[u.name];
    fields.emplace_back(u.name + "_ms", fmt::format("{:.4f}", s * 1e3));
    fields.emplace_back(u.name + "_measured_over_cost_model",
                        fmt::format("{:.2f}", s / (u.model_cost / (effective_gflops() * 1e9))));
  }
  fields.emplace_back("code_version", fmt::format("\"{}\"", code_version_string()));
  std::string line = "{";
  for (std::size_t i = 0; i < fields.size(); ++i)
    line += fmt::format("{}\"{}\":{}", i ? "," : "", fields[i].first, fields[i].second);
  return line + "}";
}

}  // namespace memphase::app
