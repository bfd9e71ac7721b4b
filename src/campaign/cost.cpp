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
  const TrialLayout L = make_layout(spec.task, spec.model.dt);
  return static_cast<double>(spec.train.resolved_epochs()) * epoch_flops(spec.model.n, L.batch(), L.steps);
}

}  // namespace memphase
