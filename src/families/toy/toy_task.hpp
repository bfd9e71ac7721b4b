#pragma once
// One toy task of the presets toy-ghost and toy-cycle (SPEC §4):
// gradient descent on the toy's loss at α = train.lr, reported as a
// TaskResult like a trained network. Serial, deterministic, microseconds to
// milliseconds (closed form) or O(max_steps · (T_d+T_r)/0.1) (finite
// confidence). Never throws for a valid spec.
#include "core/result.hpp"
#include "core/spec.hpp"
#include "families/toy/config.hpp"
#include "families/toy/toy.hpp"

namespace memphase {

/// The toy problem of a spec with toy.kind != none: kind, T_d = task.delay,
/// T_r = toy.response_for(T_d, task.response), the ghost loss, and the r0
/// jitter eps = toy_r0_jitter(train.seed, toy.r0_jitter) (0 if the width is 0).
ToyProblem toy_problem(const TaskSpec& spec);

/// GdOptions of the spec: lr = train.lr, max_steps, settle_steps.
GdOptions toy_gd_options(const TaskSpec& spec);

/// Full gradient-descent outcome of the spec's toy at α = train.lr: the
/// closed form (ghost_descend / cycle_descend) or, for the ghost with
/// toy.confidence > 0, ghost_numeric_descend with GhostNumeric{c, 0.1, 10, 1e6}.
GdResult toy_descend(const TaskSpec& spec);

/// toy_descend packed as a task result:
///   status        diverged if GdStatus::non_finite, else done
///   epochs_planned toy.max_steps; epochs_run = GD updates performed
///   cls.learned   GdStatus::learned; cls.net_class = learned ? (ghost: SP,
///                 cycle: LC) : fail; cls.stable = true; psd_ratio NaN
///   initial/final empty (N = 0), curves empty; train_seconds measured.
TaskResult run_toy_task(const TaskSpec& spec);

/// Whether the spec's toy learns at learning rate `alpha` (the spec's own lr
/// is replaced): the predicate behind a campaign's /tasks/learned, for
/// refining α_max between two grid values (analysis/toy_scaling.hpp).
bool toy_task_learns(const TaskSpec& spec, double alpha);

}  // namespace memphase
