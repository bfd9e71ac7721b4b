// `memphase bench`: single-threaded speed of one training epoch against the
// GEMM roofline of the same core, printed as one JSON line. The roofline is
// Eigen's sgemm at N×N×128 on the same core: an epoch's GEMM work
// (epoch_flops) at that rate is the time a perfect kernel would need.
// Also: the noise generation alone, a grid of N × T, two networks per core
// (steps interleaved vs one after the other), and the other families' units
// of work against the cost model.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
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
      // Several rounds per benchmark: keep the fastest (least disturbed).
      const double sec = r.GetAdjustedRealTime() * unit_seconds(r.time_unit);
      const auto it = seconds.find(name);
      if (it == seconds.end() || sec < it->second) seconds[name] = sec;
      iterations[name] += r.iterations;
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

/// Benchmarks to register, each run in BenchOptions::rounds interleaved
/// rounds of min_time / rounds seconds; the result is the fastest round. On a
/// shared core the rounds spread every benchmark over the same disturbances,
/// and the minimum rejects the disturbed ones.
struct BenchDef {
  std::string name;
  std::function<void(benchmark::State&)> fn;
  benchmark::TimeUnit unit;
};

}  // namespace

BenchResult run_bench(const BenchOptions& opt) {
  std::vector<BenchDef> defs;
  auto add = [&defs](const std::string& name, std::function<void(benchmark::State&)> fn, benchmark::TimeUnit unit) {
    defs.push_back(BenchDef{name, std::move(fn), unit});
  };
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

  add("epoch", [&](benchmark::State& st) {
    for (auto _ : st) {
      kernel.run(p, noise, epoch++, grad);
      sgd_step(p, grad, opt_state, 1e-6, 0.9, 1e-7);  // tiny lr: stay near init
      benchmark::ClobberMemory();
    }
  }, benchmark::kMillisecond);
  add("sgemm", [&](benchmark::State& st) {
    for (auto _ : st) {
      C.noalias() = A * B;
      benchmark::DoNotOptimize(C.data());
      benchmark::ClobberMemory();
    }
  }, benchmark::kMicrosecond);
  add("noise", [&](benchmark::State& st) {
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
  }, benchmark::kMillisecond);

  // Grid N × T (delays 0, 200, 400 ms: T = 16, 56, 96) and the sgemm rate
  // of each N. Every cell owns its kernel, weights and noise stream.
  struct Cell {
    int n, steps;
    std::unique_ptr<BpttKernel<float>> kernel;
    Params<float> p, grad;
    SgdState<float> opt;
    std::unique_ptr<CounterNormals> noise;
    std::uint64_t epoch = 0;
  };
  std::vector<Cell> cells;
  const int grid_n[] = {50, 100, 200};
  const double grid_delay[] = {0.0, 200.0, 400.0};
  for (int n : grid_n)
    for (double delay : grid_delay) {
      ModelConfig m;
      m.n = n;
      TaskConfig tk;
      tk.delay = delay;
      tk.reps = opt.batch / 2;
      const TrialLayout l = make_layout(tk, m.dt);
      cells.push_back(Cell{n, l.steps, std::make_unique<BpttKernel<float>>(m, l), init_params<float>(n, 0),
                           Params<float>::zeros(n), {}, std::make_unique<CounterNormals>(0, stream::train)});
    }
  for (auto& c : cells)
    add(fmt::format("grid_n{}_t{}", c.n, c.steps), [&c](benchmark::State& st) {
      for (auto _ : st) {
        c.kernel->run(c.p, *c.noise, c.epoch++, c.grad);
        sgd_step(c.p, c.grad, c.opt, 1e-6, 0.9, 1e-7);
        benchmark::ClobberMemory();
      }
    }, benchmark::kMillisecond);
  std::map<int, std::unique_ptr<Mat<float>[]>> gemm_ops;
  for (int n : grid_n) {
    if (n == opt.n) continue;
    auto& ops = gemm_ops[n];
    ops.reset(new Mat<float>[3]{Mat<float>::Random(n, n), Mat<float>::Random(n, opt.batch), Mat<float>(n, opt.batch)});
    add(fmt::format("sgemm_n{}", n), [&ops](benchmark::State& st) {
      for (auto _ : st) {
        ops[2].noalias() = ops[0] * ops[1];
        benchmark::DoNotOptimize(ops[2].data());
        benchmark::ClobberMemory();
      }
    }, benchmark::kMicrosecond);
  }

  // Two networks on one core (issue 15): the reference epoch of seeds 1 and
  // 2, steps interleaved (run_interleaved) vs one epoch after the other.
  BpttKernel<float> pk1(model, layout), pk2(model, layout);
  Params<float> pp1 = init_params<float>(model.n, 1), pp2 = init_params<float>(model.n, 2);
  Params<float> pg1 = Params<float>::zeros(model.n), pg2 = Params<float>::zeros(model.n);
  SgdState<float> po1, po2;
  const CounterNormals pn1(1, stream::train), pn2(2, stream::train);
  std::uint64_t pe = 0;
  add("pair_interleaved", [&](benchmark::State& st) {
    for (auto _ : st) {
      run_interleaved(pk1, pp1, pn1, pe, pg1, pk2, pp2, pn2, pe, pg2, nullptr);
      ++pe;
      sgd_step(pp1, pg1, po1, 1e-6, 0.9, 1e-7);
      sgd_step(pp2, pg2, po2, 1e-6, 0.9, 1e-7);
      benchmark::ClobberMemory();
    }
  }, benchmark::kMillisecond);
  add("pair_sequential", [&](benchmark::State& st) {
    for (auto _ : st) {
      pk1.run(pp1, pn1, pe, pg1);
      sgd_step(pp1, pg1, po1, 1e-6, 0.9, 1e-7);
      pk2.run(pp2, pn2, pe, pg2);
      sgd_step(pp2, pg2, po2, 1e-6, 0.9, 1e-7);
      ++pe;
      benchmark::ClobberMemory();
    }
  }, benchmark::kMillisecond);

  // The other families' unit of work (one epoch / one update), for the cost
  // model of `plan`/`status` (campaign/cost.cpp): measured / modelled time.
  GhostRank1<double> g1 = GhostRank1<double>::init(100, 0);
  GhostRankK<double> gk = GhostRankK<double>::init(100, 100, 0);
  add("ghost_rank1", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(g1.sgd_step(1e-9).loss);
  }, benchmark::kMicrosecond);
  add("ghost_rank100", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(gk.sgd_step(1e-9).loss);
  }, benchmark::kMicrosecond);
  ResidualSpec rot{ResidualKind::rotational, 0.999, 0.224};
  Wcrnn<float> wa = Wcrnn<float>::init(32, 2, 1, 0.1f, rot, WcrnnLoss::mse, 0);
  const WcrnnBatch<float> adding = adding_problem<float>(100, 0, 0, 32);
  Wcrnn<float> ws = Wcrnn<float>::init(64, 1, 10, 0.02f, rot, WcrnnLoss::cross_entropy, 0);
  WcrnnBatch<float> pixels;  // random "images": 784 steps of one pixel, 32 sequences
  for (int t = 0; t < 784; ++t) pixels.x.push_back(Mat<float>::Random(1, 32).cwiseAbs());
  for (int j = 0; j < 32; ++j) pixels.labels.push_back(j % 10);
  const WcrnnSgdOptions sgd{1e-9, 0.9, 1.0};
  add("wcrnn_adding", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(wa.sgd_step(adding, sgd).loss);
  }, benchmark::kMillisecond);
  add("wcrnn_smnist", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(ws.sgd_step(pixels, sgd).loss);
  }, benchmark::kMillisecond);

  const int rounds = std::max(1, opt.rounds);
  for (int round = 0; round < rounds; ++round)
    for (const BenchDef& d : defs)
      benchmark::RegisterBenchmark(fmt::format("{}/round{}", d.name, round).c_str(), d.fn)
          ->Unit(d.unit)
          ->MinTime(opt.min_time / rounds);
  int argc = 1;
  char arg0[] = "memphase-bench";
  char* argv[] = {arg0, nullptr};
  benchmark::Initialize(&argc, argv);
  Collector col;
  benchmark::RunSpecifiedBenchmarks(&col);
  benchmark::ClearRegisteredBenchmarks();

  BenchResult r;
  r.n = opt.n;
  r.rounds = rounds;
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
  for (const auto& c : cells) {
    BenchCell bc;
    bc.n = c.n;
    bc.steps = c.steps;
    bc.epoch_ms = col.seconds[fmt::format("grid_n{}_t{}", c.n, c.steps)] * 1e3;
    const double sgemm_s = c.n == opt.n ? col.seconds["sgemm"] : col.seconds[fmt::format("sgemm_n{}", c.n)];
    bc.sgemm_gflops = 2.0 * c.n * c.n * opt.batch / sgemm_s / 1e9;
    bc.roofline_fraction = epoch_flops(c.n, opt.batch, c.steps) / (bc.sgemm_gflops * 1e9) / (bc.epoch_ms * 1e-3);
    r.grid.push_back(bc);
  }
  r.pair_interleaved_ms = col.seconds["pair_interleaved"] * 1e3 / 2;
  r.pair_sequential_ms = col.seconds["pair_sequential"] * 1e3 / 2;
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
      "\"reference_epoch_ms\":140.0,\"speedup_vs_reference\":{:.1f},{}{}\"code_version\":\"{}\"}}",
      r.n, r.batch, r.steps, r.epoch_ms, r.noise_ms, r.sgemm_gflops, r.epoch_flops / 1e6,
      r.epoch_gflops, r.roofline_fraction, r.roofline_epoch_ms, 140.0 / r.epoch_ms, [&] {
        std::string o;
        for (const auto& [k, v] : r.unit_ms)
          o += fmt::format("\"{}_ms\":{:.4f},\"{}_measured_over_cost_model\":{:.2f},", k, v, k, r.cost_ratio.at(k));
        return o;
      }(),
      [&] {
        std::string o = "\"grid\":[";
        for (std::size_t i = 0; i < r.grid.size(); ++i) {
          const BenchCell& c = r.grid[i];
          o += fmt::format("{}{{\"n\":{},\"steps\":{},\"epoch_ms\":{:.4f},\"sgemm_gflops\":{:.2f},"
                           "\"roofline_fraction\":{:.3f}}}",
                           i ? "," : "", c.n, c.steps, c.epoch_ms, c.sgemm_gflops, c.roofline_fraction);
        }
        o += fmt::format("],\"rounds\":{},\"pair_interleaved_ms_per_epoch\":{:.4f},\"pair_sequential_ms_per_epoch\":{:.4f},"
                         "\"pair_interleaved_over_sequential\":{:.3f},",
                         r.rounds, r.pair_interleaved_ms, r.pair_sequential_ms,
                         r.pair_interleaved_ms / r.pair_sequential_ms);
        return o;
      }(),
      code_version_string());
}

}  // namespace memphase::app
