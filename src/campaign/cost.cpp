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
  const TrialLayout L = make_layout(spec.task, spec.model.dt);
  return static_cast<double>(spec.train.resolved_epochs()) * epoch_flops(spec.model.n, L.batch(), L.steps);
}

}  // namespace memphase
