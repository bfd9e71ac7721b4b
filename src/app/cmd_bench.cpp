// `memphase bench`: single-threaded speed of one training epoch against the
// GEMM roofline of the same core, printed as one JSON line.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "core/version.hpp"
#include "model/rate_rnn.hpp"
#include "train/bptt.hpp"
#include "train/sgd.hpp"

namespace memphase::app {

namespace {

/// Collects per-benchmark real time per iteration (seconds) instead of printing.
class Collector : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      // Names carry suffixes such as "epoch/min_time:1.000": key by the stem.
      const std::string name = r.benchmark_name().substr(0, r.benchmark_name().find('/'));
      seconds[name] = r.GetAdjustedRealTime() * unit_seconds(r.time_unit);
      iterations[name] = r.iterations;
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
  std::map<std::string, double> seconds;
  std::map<std::string, std::int64_t> iterations;
};

}  // namespace

BenchResult run_bench(const BenchOptions& opt) {
  ModelConfig model;
  model.n = opt.n;
  TaskConfig task;
  task.delay = opt.delay;
  task.reps = opt.batch / 2;
  const TrialLayout layout = make_layout(task, model.dt);

  BpttKernel<float> kernel(model, layout);
  Params<float> p = init_params<float>(model.n, 0);
  Params<float> grad = Params<float>::zeros(model.n);
  SgdState<float> opt_state;
  Rng rng(0, stream::train);

  Mat<float> A = Mat<float>::Random(opt.n, opt.n), B = Mat<float>::Random(opt.n, opt.batch),
             C(opt.n, opt.batch);

  benchmark::RegisterBenchmark("epoch", [&](benchmark::State& st) {
    for (auto _ : st) {
      kernel.run(p, rng, grad);
      sgd_step(p, grad, opt_state, 1e-6, 0.9, 1e-7);  // tiny lr: stay near init
      benchmark::ClobberMemory();
    }
  })->Unit(benchmark::kMillisecond)->MinTime(opt.min_time);
  benchmark::RegisterBenchmark("sgemm", [&](benchmark::State& st) {
    for (auto _ : st) {
      C.noalias() = A * B;
      benchmark::DoNotOptimize(C.data());
      benchmark::ClobberMemory();
    }
  })->Unit(benchmark::kMicrosecond)->MinTime(opt.min_time);
  benchmark::RegisterBenchmark("noise", [&](benchmark::State& st) {
    Mat<float> eps(opt.n, static_cast<Eigen::Index>(layout.batch()) * layout.steps);
    for (auto _ : st) {
      rng.fill_normal(eps, 0.001f);
      benchmark::DoNotOptimize(eps.data());
    }
  })->Unit(benchmark::kMillisecond)->MinTime(opt.min_time);

  int argc = 1;
  char arg0[] = "memphase-bench";
  char* argv[] = {arg0, nullptr};
  benchmark::Initialize(&argc, argv);
  Collector col;
  benchmark::RunSpecifiedBenchmarks(&col);
  benchmark::ClearRegisteredBenchmarks();

  BenchResult r;
  r.n = opt.n;
  r.batch = layout.batch();
  r.steps = layout.steps;
  r.epoch_ms = col.seconds["epoch"] * 1e3;
  r.noise_ms = col.seconds["noise"] * 1e3;
  const double gemm_flops = 2.0 * opt.n * opt.n * opt.batch;
  r.sgemm_gflops = gemm_flops / col.seconds["sgemm"] / 1e9;
  r.epoch_flops = epoch_flops(opt.n, layout.batch(), layout.steps);
  r.epoch_gflops = r.epoch_flops / col.seconds["epoch"] / 1e9;
  r.roofline_fraction = r.epoch_gflops / r.sgemm_gflops;
  r.roofline_epoch_ms = r.epoch_flops / (r.sgemm_gflops * 1e9) * 1e3;
  return r;
}

std::string to_json(const BenchResult& r) {
  return fmt::format(
      "{{\"bench\":\"epoch\",\"n\":{},\"batch\":{},\"steps\":{},\"epoch_ms\":{:.4f},"
      "\"noise_ms\":{:.4f},\"sgemm_gflops\":{:.2f},\"epoch_gemm_mflop\":{:.1f},"
      "\"epoch_gflops\":{:.2f},\"roofline_fraction\":{:.3f},\"roofline_epoch_ms\":{:.4f},"
      "\"reference_epoch_ms\":140.0,\"speedup_vs_reference\":{:.1f},\"code_version\":\"{}\"}}",
      r.n, r.batch, r.steps, r.epoch_ms, r.noise_ms, r.sgemm_gflops, r.epoch_flops / 1e6,
      r.epoch_gflops, r.roofline_fraction, r.roofline_epoch_ms, 140.0 / r.epoch_ms,
      code_version_string());
}

}  // namespace memphase::app
