#include "delayed_cue/trial.hpp"

#include <cmath>

namespace memphase {

namespace {
int steps_of(double duration, double dt) { return static_cast<int>(std::floor(duration / dt)); }
}  // namespace

void reference_window(double cue_ms, double delay_ms, double resp_ms, double dt_ms, int& begin,
                      int& end) {
  const double cue = cue_ms / 1000.0, delay = delay_ms / 1000.0, resp = resp_ms / 1000.0,
               dt = dt_ms / 1000.0;
  // Python int() truncates toward zero; all values here are positive.
  begin = static_cast<int>((cue + delay) / dt - 1.0);
  end = static_cast<int>((cue + delay + resp) / dt - 1.0);
}

TrialLayout make_layout(const TaskConfig& task, double dt) {
  TrialLayout L;
  L.kind = task.kind;
  L.reps = task.reps;
  L.n_cue = steps_of(task.cue, dt);
  L.n_resp = steps_of(task.response, dt);
  if (task.kind == TaskKind::dcdt) {
    L.n_delay = steps_of(task.delay, dt);
    L.n_post = steps_of(task.post, dt);
    L.steps = L.n_cue + L.n_delay + L.n_resp + L.n_post;
    L.target_begin = L.n_cue + L.n_delay;
    L.target_end = L.target_begin + L.n_resp;
    reference_window(task.cue, task.delay, task.response, dt, L.win_begin, L.win_end);
  } else {
    L.steps = L.n_cue + L.n_resp;
    L.target_begin = 0;
    L.target_end = L.steps;
    L.win_begin = L.steps - 1;
    L.win_end = L.steps;
  }
  L.weight.assign(static_cast<std::size_t>(L.steps), 1.0);
  if (task.loss == LossKind::weighted_mse) {
    // SPEC §3.2: the last m steps (response + post) weigh 1 - m/T, the rest m/T.
    const int m = L.n_resp + L.n_post;
    const double frac = static_cast<double>(m) / L.steps;
    for (int t = 0; t < L.steps; ++t) L.weight[static_cast<std::size_t>(t)] = t >= L.steps - m ? 1.0 - frac : frac;
  }
  return L;
}

}  // namespace memphase
