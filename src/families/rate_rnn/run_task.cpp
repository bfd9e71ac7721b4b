#include "families/rate_rnn/run_task.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "delayed_cue/trial.hpp"
#include "families/rate_rnn/rate_rnn.hpp"

namespace memphase {

namespace {

Classification classify_with_layout(const rate_rnn::Config& spec, const TrialLayout& layout, Status status,
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

Classification classify(const Curves& curves, const Params<float>& final_params, const ModelConfig& model,
                        int n_cue, int steps, Rng& rng, const ClassifyOptions& o) {
  return classify(
      curves,
      [&] { return free_run(final_params, model, n_cue, /*cue_type=*/0, o.free_run_factor * steps, rng); }, o);
}

Classification classify_outcome(const TaskSpec& spec, Status status, const Curves& curves,
                                const Params<float>& final_params, const ClassifyOptions& o) {
  const rate_rnn::Config& c = rate_rnn::config(spec);
  return classify_with_layout(c, make_layout(c.task, c.model.dt), status, curves, final_params, o);
}

TaskResult finish_task(const Trainer& trainer, TrainState&& s, const ClassifyOptions& o) {
  TaskResult r;
  r.spec = trainer.spec();
  r.epochs_planned = trainer.epochs();
  r.epochs_run = s.epoch;
  r.status = s.status;
  r.train_seconds = s.train_seconds;
  r.cls = classify_with_layout(trainer.config(), trainer.layout(), s.status, s.curves, s.params, o);
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

std::optional<TaskResult> run_rate_rnn(const TaskSpec& spec, RunControl* ctl) {
  Trainer trainer(spec);
  TrainState s = ctl && ctl->resume ? decode_state(*ctl->resume, "checkpoint") : trainer.start();
  // Every completed epoch of an unfinished training made one update: an Adam
  // state must have exactly s.epoch steps, an SGD state none.
  const bool adam = trainer.config().train.optimizer == Optimizer::adam;
  if (!s.finished && s.adam.step != (adam ? s.epoch : 0))
    throw IoError(fmt::format("checkpoint: optimiser state of another optimiser ({} Adam steps at epoch {}, "
                              "train.optimizer {})", s.adam.step, s.epoch, adam ? "adam" : "sgd"));
  while (!trainer.advance(s, 1)) {
    const RunAction a = poll_control(ctl, s.epoch, &s.curves);
    if (a == RunAction::go_on) continue;
    if (ctl->save) ctl->save(encode_state(s));
    if (a == RunAction::stop) return std::nullopt;
  }
  return finish_task(trainer, std::move(s));
}

}  // namespace memphase
