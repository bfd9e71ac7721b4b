#include "families/toy/toy_task.hpp"

#include <chrono>

namespace memphase {

ToyProblem toy_problem(const TaskSpec& task) {
  const toy::Config& spec = toy::config(task);
  ToyProblem p;
  const double td = spec.task.delay;
  const double tr = spec.toy.response_for(td, spec.task.response);
  p.kind = spec.toy.kind == ToyModel::cycle ? ToyKind::cycle : ToyKind::ghost;
  p.ghost = {td, tr,
             spec.toy.loss == ToyGhostLoss::normalized ? GhostLoss::normalized : GhostLoss::raw};
  p.cycle = {td, tr};
  p.eps = spec.toy.r0_jitter > 0.0 ? toy_r0_jitter(spec.train.seed, spec.toy.r0_jitter) : 0.0;
  return p;
}

GdOptions toy_gd_options(const TaskSpec& task) {
  const toy::Config& spec = toy::config(task);
  GdOptions gd;
  gd.lr = spec.train.lr;
  gd.max_steps = static_cast<long>(spec.toy.max_steps);
  gd.settle_steps = static_cast<long>(spec.toy.settle_steps);
  return gd;
}

GdResult toy_descend(const TaskSpec& task) {
  const toy::Config& spec = toy::config(task);
  const ToyProblem p = toy_problem(task);
  const GdOptions gd = toy_gd_options(task);
  if (p.kind == ToyKind::cycle) return cycle_descend(p.cycle, cycle_r0(p.cycle, p.eps), gd);
  if (spec.toy.confidence > 0.0) {
    GhostNumeric num;
    num.confidence = spec.toy.confidence;
    return ghost_numeric_descend(p.ghost, num, ghost_r0(p.ghost, p.eps), gd);
  }
  return ghost_descend(p.ghost, ghost_r0(p.ghost, p.eps), gd);
}

TaskResult run_toy_task(const TaskSpec& task) {
  const toy::Config& spec = toy::config(task);
  const auto t0 = std::chrono::steady_clock::now();
  const GdResult g = toy_descend(task);
  TaskResult r;
  r.spec = task;
  r.epochs_planned = spec.toy.max_steps;
  r.epochs_run = g.steps;
  r.status = g.status == GdStatus::non_finite ? Status::diverged : Status::done;
  r.cls.learned = g.status == GdStatus::learned;
  r.cls.net_class = !r.cls.learned                      ? NetClass::fail
                    : spec.toy.kind == ToyModel::cycle ? NetClass::lc
                                                       : NetClass::sp;
  r.cls.stable = true;
  r.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

bool toy_task_learns(const TaskSpec& spec, double alpha) {
  TaskSpec s = spec;
  toy::config(s).train.lr = alpha;
  return toy_descend(s).status == GdStatus::learned;
}

}  // namespace memphase
