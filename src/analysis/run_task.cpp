#include "analysis/run_task.hpp"

#include "task/trial.hpp"

namespace memphase {

namespace {

Classification classify_with_layout(const TaskSpec& spec, const TrialLayout& layout, Status status,
                                    const Curves& curves, const Params<float>& final_params,
                                    const ClassifyOptions& o) {
  if (spec.task.kind == TaskKind::no_memory) return classify_no_memory(curves, status, o);
  if (status != Status::done) {
    // Diverged or aborted: never learned; the curves decide fail vs unstable.
    Classification c;
    c.learned = false;
    c.stable = is_stable(curves.accuracy, curves.reliability, o);
    c.net_class = c.stable ? NetClass::fail : NetClass::unstable;
    return c;
  }
  // The free run keeps its std::mt19937_64 stream (issue 15): it is one
  // trial of 9T steps drawn once after training, never checkpointed and not
  // hot, and keeping it keeps --reclassify of existing campaigns exact. Only
  // the training noise moved to the counter-based core/philox.hpp.
  Rng rng(spec.train.seed, stream::classify);
  return classify(curves, final_params, spec.model, layout.n_cue, layout.steps, rng, o);
}

}  // namespace

Classification classify_outcome(const TaskSpec& spec, Status status, const Curves& curves,
                                const Params<float>& final_params, const ClassifyOptions& o) {
  return classify_with_layout(spec, make_layout(spec.task, spec.model.dt), status, curves,
                              final_params, o);
}

TaskResult finish_task(const Trainer& trainer, TrainState&& s, const ClassifyOptions& o) {
  TaskResult r;
  r.spec = trainer.spec();
  r.epochs_planned = trainer.epochs();
  r.epochs_run = s.epoch;
  r.status = s.status;
  r.train_seconds = s.train_seconds;
  r.cls = classify_with_layout(trainer.spec(), trainer.layout(), s.status, s.curves, s.params, o);
  r.initial = std::move(s.initial);
  r.final = std::move(s.params);
  r.curves = std::move(s.curves);
  return r;
}

TaskResult run_task(const TaskSpec& spec, const ClassifyOptions& o) {
  Trainer t(spec);
  TrainState s = t.start();
  t.advance(s);
  return finish_task(t, std::move(s), o);
}

}  // namespace memphase
