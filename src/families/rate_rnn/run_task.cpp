#include "families/rate_rnn/run_task.hpp"

#include <fmt/format.h>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "delayed_cue/snapshots.hpp"
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
  const rate_rnn::Config& cfg = trainer.config();
  // Mechanism snapshots (SPEC §3.8, output.snapshots): classify the current
  // weights every k epochs and at the last one, from their own streams (the
  // training noise is untouched). Off: the state is the TrainState alone,
  // byte for byte what it was before snapshots existed.
  SnapshotRecorder snaps(cfg.snapshot_every, cfg.train.seed);
  TrainState s;
  if (ctl && ctl->resume) {
    ByteReader r(*ctl->resume, "checkpoint");
    s = get_state(r, "checkpoint");
    if (snaps.on()) snaps.get(r);
    if (!r.done()) throw IoError("checkpoint: corrupt checkpoint (trailing bytes)");
  } else {
    s = trainer.start();
  }
  // Every completed epoch of an unfinished training made one update: an Adam
  // state must have exactly s.epoch steps, an SGD state none.
  const bool adam = cfg.train.optimizer == Optimizer::adam;
  if (!s.finished && s.adam.step != (adam ? s.epoch : 0))
    throw IoError(fmt::format("checkpoint: optimiser state of another optimiser ({} Adam steps at epoch {}, "
                              "train.optimizer {})", s.adam.step, s.epoch, adam ? "adam" : "sgd"));
  const auto snapshot = [&] {
    if (!snaps.due(s.epoch, s.finished)) return;
    const TrialLayout& L = trainer.layout();
    snaps.take(s.epoch, s.curves, [&](Rng& rng) {
      return free_run(s.params, cfg.model, L.n_cue, /*cue_type=*/0, ClassifyOptions{}.free_run_factor * L.steps, rng);
    });
  };
  while (!trainer.advance(s, 1)) {
    snapshot();
    const RunAction a = poll_control(ctl, s.epoch, &s.curves);
    if (a == RunAction::go_on) continue;
    if (ctl->save) {
      ByteWriter w;
      put_state(w, s);
      if (snaps.on()) snaps.put(w);
      ctl->save(w.take());
    }
    if (a == RunAction::stop) return std::nullopt;
  }
  snapshot();
  TaskResult r = finish_task(trainer, std::move(s));
  snaps.finish(r.curves.loss, r.extras);
  return r;
}

}  // namespace memphase
