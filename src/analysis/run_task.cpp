#include "analysis/run_task.hpp"

namespace memphase {

TaskResult finish_task(const Trainer& trainer, TrainState&& s, const ClassifyOptions& o) {
  TaskResult r;
  r.spec = trainer.spec();
  r.epochs_planned = trainer.epochs();
  r.epochs_run = s.epoch;
  r.status = s.status;
  r.train_seconds = s.train_seconds;
  if (trainer.spec().task.kind == TaskKind::no_memory) {
    r.cls = classify_no_memory(s.curves, s.status, o);
  } else if (s.status != Status::done) {
    // Diverged or aborted: never learned; the curves decide fail vs unstable.
    r.cls.learned = false;
    r.cls.stable = is_stable(s.curves.accuracy, s.curves.reliability, o);
    r.cls.net_class = r.cls.stable ? NetClass::fail : NetClass::unstable;
  } else {
    Rng rng(trainer.spec().train.seed, stream::classify);
    r.cls = classify(s.curves, s.params, trainer.spec().model, trainer.layout().n_cue,
                     trainer.layout().steps, rng, o);
  }
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
