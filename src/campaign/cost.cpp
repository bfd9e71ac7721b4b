#include "campaign/cost.hpp"

#include <cstdlib>

#include "task/trial.hpp"
#include "train/bptt.hpp"

namespace memphase {

double effective_gflops() {
  if (const char* g = std::getenv("MEMPHASE_GFLOPS")) {
    const double v = std::atof(g);
    if (v > 0) return v;
  }
  return 80.0;  // memphase bench, epoch_gflops on the development machine (AVX-512 EPYC core)
}

double task_cost(const TaskSpec& spec) {
  if (spec.toy.enabled()) {
    // GD updates x the cost of one loss gradient, in "GEMM-equivalent flops"
    // (scalar, branchy code: ~5 ns per closed-form update or per Euler step
    // of the finite-confidence ghost, which makes (T_d + T_r)/0.1 of them).
    const double t_resp = spec.toy.response_for(spec.task.delay, spec.task.response);
    const double per_step = spec.toy.confidence > 0.0 ? 400.0 * (spec.task.delay + t_resp) / 0.1 : 400.0;
    return static_cast<double>(spec.toy.max_steps) * per_step;
  }
  const double n = spec.model.n;
  if (spec.ghost.enabled()) {
    // Scalar-heavy 40-step BPTT on N-vectors. `memphase bench` (one idle
    // core): rank 1 (N = 100) 23.5 µs per epoch -> 2e4 flop-eq per unit;
    // rank K = 100 (N = 100) 181 µs, rank K = 1..10 ~50-80 µs (quick rank
    // sweep) -> 4e4 per unit + 1e3 per unit and rank.
    const double k = spec.ghost.rank;
    const double per_epoch = spec.ghost.kind == GhostModel::rankK ? n * (4e4 + 1e3 * k) : n * 2e4;
    return static_cast<double>(spec.planned_epochs()) * per_epoch;
  }
  if (spec.wcrnn.enabled()) {
    // T steps of an N×N and N×I product over the batch, forward + backward
    // (~3x forward), plus ~6e3 flop-equivalents of per-step, per-sequence
    // overhead. Measured (one core): adding N 32, T 100, B 32: 0.77 ms per
    // update (model 0.5 ms); sMNIST N 64, B 32: 8.6 ms (model 11 ms).
    const WcrnnConfig& w = spec.wcrnn;
    const bool images = w.task == WcrnnTask::smnist || w.task == WcrnnTask::psmnist;
    const double T = images ? 784.0 : static_cast<double>(w.seq_len);
    const double in = images ? 1.0 : 2.0;
    const double per_update = T * w.batch * (3.0 * 2.0 * (n * n + n * in) + 6e3);
    const double evals = static_cast<double>(spec.train.epochs) / w.eval_every + 1.0;
    const double eval = T * w.eval_size * (2.0 * (n * n + n * in) + 2e3);
    const double lyap = (w.lyap_steps + w.lyap_transient) * (n * n * n * 4.0);
    return static_cast<double>(spec.planned_epochs()) * per_update + evals * eval + lyap;
  }
  const TrialLayout L = make_layout(spec.task, spec.model.dt);
  return static_cast<double>(spec.train.resolved_epochs()) * epoch_flops(spec.model.n, L.batch(), L.steps);
}

}  // namespace memphase
