// `memphase bench` of the rate RNN: single-threaded speed of one training
// epoch against the GEMM roofline of the same core. The roofline is Eigen's
// sgemm at N×N×128 on the same core: an epoch's GEMM work (epoch_flops) at
// that rate is the time a perfect kernel would need. Also: the noise
// generation alone, a grid of N × T, and two networks per core (steps
// interleaved vs one after the other).
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "core/philox.hpp"
#include "delayed_cue/trial.hpp"
#include "families/rate_rnn/bptt.hpp"
#include "families/rate_rnn/rate_rnn.hpp"
#include "families/rate_rnn/sgd.hpp"
#include "plugin/bench.hpp"
#include "sections/sections.hpp"

namespace memphase::rate_rnn {

namespace {

/// Kernel, weights, optimiser and noise of one network being timed.
struct Net {
  std::unique_ptr<BpttKernel<float>> kernel;
  Params<float> p, grad;
  SgdState<float> opt;
  std::unique_ptr<CounterNormals> noise;
  std::uint64_t epoch = 0;

  Net(const ModelConfig& m, const TrialLayout& l, std::uint64_t seed)
      : kernel(std::make_unique<BpttKernel<float>>(m, l)),
        p(init_params<float>(m.n, seed)),
        grad(Params<float>::zeros(m.n)),
        noise(std::make_unique<CounterNormals>(seed, stream::train)) {}
  /// One epoch and a tiny-lr update (stays near init).
  void epoch_step() {
    kernel->run(p, *noise, epoch++, grad);
    sgd_step(p, grad, opt, 1e-6, 0.9, 1e-7);
  }
};

/// An sgemm C = A B of N×N times N×B.
struct Gemm {
  Mat<float> A, B, C;
  Gemm(int n, int batch) : A(Mat<float>::Random(n, n)), B(Mat<float>::Random(n, batch)), C(n, batch) {}
  void run() {
    C.noalias() = A * B;
    volatile float sink = C(0, 0);
    (void)sink;
  }
};

constexpr int kGridN[] = {50, 100, 200};
constexpr double kGridDelay[] = {0.0, 200.0, 400.0};

TrialLayout layout_of(int n, double delay, int batch, ModelConfig* m) {
  m->n = n;
  TaskConfig task;
  task.delay = delay;
  task.reps = batch / 2;
  return make_layout(task, m->dt);
}

std::string grid_name(int n, int steps) { return fmt::format("grid_n{}_t{}", n, steps); }

}  // namespace

std::vector<BenchUnit> bench_units(const BenchOptions& opt) {
  std::vector<BenchUnit> u;
  ModelConfig model;
  const TrialLayout layout = layout_of(opt.n, opt.delay, opt.batch, &model);

  auto net = std::make_shared<Net>(model, layout, 0);
  u.push_back({"epoch", [net] { net->epoch_step(); }});
  auto gemm = std::make_shared<Gemm>(opt.n, opt.batch);
  u.push_back({"sgemm", [gemm] { gemm->run(); }, true});
  struct Noise {
    Mat<float> eps;
    CounterNormals gen{0, stream::train};
    std::uint64_t epoch = 0;
  };
  auto noise = std::make_shared<Noise>();
  noise->eps.resize(layout.batch(), static_cast<Eigen::Index>(opt.n) * layout.steps);
  u.push_back({"noise", [noise, layout, n = opt.n] {
                 // r_0 and the T-1 updates of one epoch: B×N normals per step.
                 const int b = layout.batch();
                 for (int t = 0; t < layout.steps; ++t)
                   noise->gen.fill(noise->eps.data() + static_cast<Eigen::Index>(t) * b * n, b, b, n, noise->epoch,
                                   t == 0 ? CounterNormals::kInitialState : static_cast<std::uint32_t>(t - 1), 0.001f);
                 ++noise->epoch;
                 volatile float sink = noise->eps(0, 0);
                 (void)sink;
               }});

  // Grid N × T (delays 0, 200, 400 ms: T = 16, 56, 96) and the sgemm rate
  // of each N. Every cell owns its kernel, weights and noise stream.
  for (const int n : kGridN)
    for (const double delay : kGridDelay) {
      ModelConfig m;
      const TrialLayout l = layout_of(n, delay, opt.batch, &m);
      auto cell = std::make_shared<Net>(m, l, 0);
      u.push_back({grid_name(n, l.steps), [cell] { cell->epoch_step(); }});
    }
  for (const int n : kGridN) {
    if (n == opt.n) continue;
    auto g = std::make_shared<Gemm>(n, opt.batch);
    u.push_back({fmt::format("sgemm_n{}", n), [g] { g->run(); }, true});
  }

  // Two networks on one core (issue 15): the reference epoch of seeds 1 and
  // 2, steps interleaved (run_interleaved) vs one epoch after the other.
  struct Pair {
    Net a, b;
    std::uint64_t epoch = 0;
  };
  auto pi = std::make_shared<Pair>(Pair{Net(model, layout, 1), Net(model, layout, 2)});
  u.push_back({"pair_interleaved", [pi] {
                 run_interleaved(*pi->a.kernel, pi->a.p, *pi->a.noise, pi->epoch, pi->a.grad, *pi->b.kernel,
                                 pi->b.p, *pi->b.noise, pi->epoch, pi->b.grad, nullptr);
                 ++pi->epoch;
                 sgd_step(pi->a.p, pi->a.grad, pi->a.opt, 1e-6, 0.9, 1e-7);
                 sgd_step(pi->b.p, pi->b.grad, pi->b.opt, 1e-6, 0.9, 1e-7);
               }});
  u.push_back({"pair_sequential", [pi] {
                 pi->a.kernel->run(pi->a.p, *pi->a.noise, pi->epoch, pi->a.grad);
                 sgd_step(pi->a.p, pi->a.grad, pi->a.opt, 1e-6, 0.9, 1e-7);
                 pi->b.kernel->run(pi->b.p, *pi->b.noise, pi->epoch, pi->b.grad);
                 sgd_step(pi->b.p, pi->b.grad, pi->b.opt, 1e-6, 0.9, 1e-7);
                 ++pi->epoch;
               }});
  return u;
}

void bench_fields(const BenchOptions& opt, const BenchTimes& seconds, BenchFields& out) {
  const auto sec = [&seconds](const std::string& name) {
    const auto it = seconds.find(name);
    return it == seconds.end() ? 0.0 : it->second;
  };
  ModelConfig model;
  const TrialLayout layout = layout_of(opt.n, opt.delay, opt.batch, &model);
  const double epoch_ms = sec("epoch") * 1e3;
  const double gemm_flops = 2.0 * opt.n * opt.n * opt.batch;
  const double sgemm_gflops = gemm_flops / sec("sgemm") / 1e9;
  const double flops = epoch_flops(opt.n, layout.batch(), layout.steps);
  const double epoch_gflops = flops / sec("epoch") / 1e9;
  const auto add = [&out](std::string k, std::string v) { out.emplace_back(std::move(k), std::move(v)); };
  add("n", fmt::format("{}", opt.n));
  add("batch", fmt::format("{}", layout.batch()));
  add("steps", fmt::format("{}", layout.steps));
  add("epoch_ms", fmt::format("{:.4f}", epoch_ms));
  add("noise_ms", fmt::format("{:.4f}", sec("noise") * 1e3));
  add("sgemm_gflops", fmt::format("{:.2f}", sgemm_gflops));
  add("epoch_gemm_mflop", fmt::format("{:.1f}", flops / 1e6));
  add("epoch_gflops", fmt::format("{:.2f}", epoch_gflops));
  add("roofline_fraction", fmt::format("{:.3f}", epoch_gflops / sgemm_gflops));
  add("roofline_epoch_ms", fmt::format("{:.4f}", flops / (sgemm_gflops * 1e9) * 1e3));
  add("reference_epoch_ms", "140.0");
  add("speedup_vs_reference", fmt::format("{:.1f}", 140.0 / epoch_ms));
  std::string grid = "[";
  bool first = true;
  for (const int n : kGridN)
    for (const double delay : kGridDelay) {
      ModelConfig m;
      const TrialLayout l = layout_of(n, delay, opt.batch, &m);
      const double cell_ms = sec(grid_name(n, l.steps)) * 1e3;
      const double sgemm_s = n == opt.n ? sec("sgemm") : sec(fmt::format("sgemm_n{}", n));
      const double gflops = 2.0 * n * n * opt.batch / sgemm_s / 1e9;
      const double roof = epoch_flops(n, opt.batch, l.steps) / (gflops * 1e9) / (cell_ms * 1e-3);
      grid += fmt::format("{}{{\"n\":{},\"steps\":{},\"epoch_ms\":{:.4f},\"sgemm_gflops\":{:.2f},"
                          "\"roofline_fraction\":{:.3f}}}",
                          first ? "" : ",", n, l.steps, cell_ms, gflops, roof);
      first = false;
    }
  add("grid", grid + "]");
  const double pi = sec("pair_interleaved") * 1e3 / 2, ps = sec("pair_sequential") * 1e3 / 2;
  add("pair_interleaved_ms_per_epoch", fmt::format("{:.4f}", pi));
  add("pair_sequential_ms_per_epoch", fmt::format("{:.4f}", ps));
  add("pair_interleaved_over_sequential", fmt::format("{:.3f}", pi / ps));
}

}  // namespace memphase::rate_rnn
