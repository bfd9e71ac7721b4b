// `memphase bench`: single-threaded speed of one training epoch against the
// GEMM roofline of the same core, printed as one JSON line.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "campaign/cost.hpp"
#include "core/version.hpp"
#include "model/ghost_rnn.hpp"
#include "model/wcrnn.hpp"
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
  const CounterNormals noise(0, stream::train);
  std::uint64_t epoch = 0;

  Mat<float> A = Mat<float>::Random(opt.n, opt.n), B = Mat<float>::Random(opt.n, opt.batch),
             C(opt.n, opt.batch);

  benchmark::RegisterBenchmark("epoch", [&](benchmark::State& st) {
    for (auto _ : st) {
      kernel.run(p, noise, epoch++, grad);
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
    Mat<float> eps(layout.batch(), static_cast<Eigen::Index>(opt.n) * layout.steps);
    for (auto _ : st) {
      // r_0 and the T-1 updates of one epoch: B×N normals per step.
      const int b = layout.batch();
      for (int t = 0; t < layout.steps; ++t)
        noise.fill(eps.data() + static_cast<Eigen::Index>(t) * b * opt.n, b, b, opt.n, epoch,
                   t == 0 ? CounterNormals::kInitialState : static_cast<std::uint32_t>(t - 1), 0.001f);
      ++epoch;
      benchmark::DoNotOptimize(eps.data());
    }
  })->Unit(benchmark::kMillisecond)->MinTime(opt.min_time);

  // The other families' unit of work (one epoch / one update), for the cost
  // model of `plan`/`status` (campaign/cost.cpp): measured / modelled time.
  GhostRank1<double> g1 = GhostRank1<double>::init(100, 0);
  GhostRankK<double> gk = GhostRankK<double>::init(100, 100, 0);
  benchmark::RegisterBenchmark("ghost_rank1", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(g1.sgd_step(1e-9).loss);
  })->Unit(benchmark::kMicrosecond)->MinTime(opt.min_time);
  benchmark::RegisterBenchmark("ghost_rank100", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(gk.sgd_step(1e-9).loss);
  })->Unit(benchmark::kMicrosecond)->MinTime(opt.min_time);
  ResidualSpec rot{ResidualKind::rotational, 0.999, 0.224};
  Wcrnn<float> wa = Wcrnn<float>::init(32, 2, 1, 0.1f, rot, WcrnnLoss::mse, 0);
  const WcrnnBatch<float> adding = adding_problem<float>(100, 0, 0, 32);
  Wcrnn<float> ws = Wcrnn<float>::init(64, 1, 10, 0.02f, rot, WcrnnLoss::cross_entropy, 0);
  WcrnnBatch<float> pixels;  // random "images": 784 steps of one pixel, 32 sequences
  for (int t = 0; t < 784; ++t) pixels.x.push_back(Mat<float>::Random(1, 32).cwiseAbs());
  for (int j = 0; j < 32; ++j) pixels.labels.push_back(j % 10);
  const WcrnnSgdOptions sgd{1e-9, 0.9, 1.0};
  benchmark::RegisterBenchmark("wcrnn_adding", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(wa.sgd_step(adding, sgd).loss);
  })->Unit(benchmark::kMillisecond)->MinTime(opt.min_time);
  benchmark::RegisterBenchmark("wcrnn_smnist", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(ws.sgd_step(pixels, sgd).loss);
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
  // Measured / modelled time of one unit of work of each other family.
  auto model_s = [](TaskSpec s) {
    s.train.epochs = 1;
    s.wcrnn.eval_every = 1 << 30;
    s.wcrnn.eval_size = 0;
    s.wcrnn.lyap_steps = s.wcrnn.lyap_transient = 0;
    return task_cost(s) / (effective_gflops() * 1e9);
  };
  TaskSpec s1, sk, sa, sm;
  s1.ghost.kind = GhostModel::rank1;
  sk.ghost.kind = GhostModel::rankK;
  sk.ghost.rank = 100;
  s1.model.n = sk.model.n = 100;
  sa.wcrnn.task = WcrnnTask::adding;
  sa.model.n = 32;
  sm.wcrnn.task = WcrnnTask::smnist;
  sm.model.n = 64;
  for (auto& [name, spec] : {std::pair{"ghost_rank1", s1}, std::pair{"ghost_rank100", sk},
                             std::pair{"wcrnn_adding", sa}, std::pair{"wcrnn_smnist", sm}}) {
    r.unit_ms[name] = col.seconds[name] * 1e3;
    r.cost_ratio[name] = col.seconds[name] / model_s(spec);
  }
  return r;
}

std::string to_json(const BenchResult& r) {
  return fmt::format(
      "{{\"bench\":\"epoch\",\"n\":{},\"batch\":{},\"steps\":{},\"epoch_ms\":{:.4f},"
      "\"noise_ms\":{:.4f},\"sgemm_gflops\":{:.2f},\"epoch_gemm_mflop\":{:.1f},"
      "\"epoch_gflops\":{:.2f},\"roofline_fraction\":{:.3f},\"roofline_epoch_ms\":{:.4f},"
      "\"reference_epoch_ms\":140.0,\"speedup_vs_reference\":{:.1f},{}\"code_version\":\"{}\"}}",
      r.n, r.batch, r.steps, r.epoch_ms, r.noise_ms, r.sgemm_gflops, r.epoch_flops / 1e6,
      r.epoch_gflops, r.roofline_fraction, r.roofline_epoch_ms, 140.0 / r.epoch_ms, [&] {
        std::string o;
        for (const auto& [k, v] : r.unit_ms)
          o += fmt::format("\"{}_ms\":{:.4f},\"{}_measured_over_cost_model\":{:.2f},", k, v, k, r.cost_ratio.at(k));
        return o;
      }(), code_version_string());
}

}  // namespace memphase::app
