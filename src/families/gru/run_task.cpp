#include "families/gru/run_task.hpp"

#include <chrono>
#include <cmath>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "delayed_cue/snapshots.hpp"
#include "families/gru/config.hpp"
#include "sections/adam.hpp"
#include "sections/sgd.hpp"

namespace memphase::gru {

namespace {

constexpr std::uint64_t kStateTag = 0x0000'0001'5552'4753ULL;  // "SGRU" v1

struct State {
  GruParams<float> initial, params;
  Optimiser opt;
  Optimizer kind = Optimizer::sgd;  ///< train.optimizer of the task that wrote the state
  std::int64_t epoch = 0;
  Curves curves;
  Status status = Status::done;
  bool finished = false;
  double seconds = 0.0;
};

void put_params(ByteWriter& w, const GruParams<float>& p) { w.put_matrix(Vec<float>(p.pack())); }
void get_params(ByteReader& r, GruParams<float>& p, int n) {
  Vec<float> v;
  r.get_matrix(v);
  p = GruParams<float>::zeros(n);
  if (v.size() != p.size() || v.cols() != 1) r.fail("parameter count");
  p.unpack(v);
}

/// The checkpoint: the state, then the snapshot block when snapshots are
/// on (SnapshotRecorder::put; nothing when off, so the bytes of a run
/// without snapshots are what they were before snapshots existed).
std::string encode(const State& s, const SnapshotRecorder& snaps) {
  ByteWriter w;
  w.put(kStateTag);
  put_params(w, s.initial);
  put_params(w, s.params);
  w.put(s.kind);
  w.put(s.opt.steps);
  if (s.opt.steps > 0) {  // the optimiser's tensors exist after its first update
    put_params(w, s.opt.buf);
    put_params(w, s.opt.m);
    put_params(w, s.opt.v);
  }
  w.put(s.epoch);
  put(w, s.curves);
  w.put(s.status);
  w.put(s.finished);
  w.put(s.seconds);
  if (snaps.on()) snaps.put(w);
  return w.take();
}

State decode(std::string_view bytes, int n, SnapshotRecorder& snaps) {
  ByteReader r(bytes, "gru checkpoint");
  if (r.get<std::uint64_t>() != kStateTag) r.fail("gru state marker");
  State s;
  get_params(r, s.initial, n);
  get_params(r, s.params, n);
  s.kind = r.get<Optimizer>();
  s.opt.steps = r.get<std::int64_t>();
  if (s.opt.steps > 0) {
    get_params(r, s.opt.buf, n);
    get_params(r, s.opt.m, n);
    get_params(r, s.opt.v, n);
  }
  s.epoch = r.get<std::int64_t>();
  get(r, s.curves);
  s.status = r.get<Status>();
  s.finished = r.get<bool>();
  s.seconds = r.get<double>();
  if (snaps.on()) snaps.get(r);
  if (!r.done()) r.fail("trailing bytes");
  if (static_cast<std::int64_t>(s.curves.size()) != s.epoch) r.fail("curve length != epoch");
  if (!s.finished && s.opt.steps != s.epoch) r.fail("optimiser steps != epoch");
  return s;
}

std::vector<float> packed(const GruParams<float>& p) {
  const Vec<float> v = p.pack();
  return {v.data(), v.data() + v.size()};
}

}  // namespace

void Optimiser::step(const TrainConfig& tc, GruParams<float>& p, GruParams<float>& grad) {
  if (steps == 0) buf = m = v = GruParams<float>::zeros(p.n());
  ++steps;
  if (tc.optimizer == Optimizer::adam) {
    const AdamHyper h{tc.lr, tc.adam_beta1, tc.adam_beta2, tc.adam_eps, tc.weight_decay};
    const AdamCoefficients c = adam_coefficients(h, steps);
    adam_update(p.W_ih, grad.W_ih, m.W_ih, v.W_ih, h, c);
    adam_update(p.W_hh, grad.W_hh, m.W_hh, v.W_hh, h, c);
    adam_update(p.b_ih, grad.b_ih, m.b_ih, v.b_ih, h, c);
    adam_update(p.b_hh, grad.b_hh, m.b_hh, v.b_hh, h, c);
    adam_update(p.W_out, grad.W_out, m.W_out, v.W_out, h, c);
    adam_update(p.b_out, grad.b_out, m.b_out, v.b_out, h, c);
  } else {
    const bool first = steps == 1;
    const auto sgd = [&](auto& x, auto& g, auto& b) {
      sgd_update(x, g, b, first, tc.lr, tc.momentum, tc.weight_decay);
    };
    sgd(p.W_ih, grad.W_ih, buf.W_ih);
    sgd(p.W_hh, grad.W_hh, buf.W_hh);
    sgd(p.b_ih, grad.b_ih, buf.b_ih);
    sgd(p.b_hh, grad.b_hh, buf.b_hh);
    sgd(p.W_out, grad.W_out, buf.W_out);
    sgd(p.b_out, grad.b_out, buf.b_out);
  }
}

Classification classify_outcome(const TaskSpec& spec, Status status, const Curves& curves,
                                const std::vector<float>& final_packed, const ClassifyOptions& o) {
  const Config& c = config(spec);
  if (status != Status::done) {
    // Diverged or aborted: never learned; the curves decide fail vs unstable.
    Classification k;
    k.learned = false;
    k.stable = is_stable(curves.accuracy, curves.reliability, o);
    k.net_class = k.stable ? NetClass::fail : NetClass::unstable;
    return k;
  }
  const TrialLayout L = make_layout(c.task, c.model.dt);
  GruParams<float> p = GruParams<float>::zeros(c.model.n);
  p.unpack(Eigen::Map<const Vec<float>>(final_packed.data(),
                                        static_cast<Eigen::Index>(final_packed.size())));
  Rng rng(c.train.seed, stream::classify);
  return classify(
      curves,
      [&] {
        return free_run(p, c.model, L.n_cue, /*cue_type=*/0, o.free_run_factor * L.steps, rng);
      },
      o);
}

std::optional<TaskResult> run_gru(const TaskSpec& spec, RunControl* ctl) {
  const auto t0 = std::chrono::steady_clock::now();
  const Config& c = config(spec);
  const TrainConfig& tc = c.train;
  const int n = c.model.n;
  const TrialLayout L = make_layout(c.task, c.model.dt);
  const std::int64_t epochs = tc.resolved_epochs();
  // Mechanism snapshots (SPEC §3.8, output.snapshots): the current weights
  // classified every k updates and after the last, each free run from its
  // own stream (delayed_cue/snapshots.hpp): the training is untouched.
  SnapshotRecorder snaps(c.snapshot_every, tc.seed);
  State s;
  if (ctl && ctl->resume) {
    s = decode(*ctl->resume, n, snaps);
    if (s.kind != tc.optimizer)
      throw IoError(
          "gru checkpoint: state of another train.optimizer (an SGD state for Adam or vice versa)");
  } else {
    s.kind = tc.optimizer;
    s.initial = init_params(n, tc.seed);
    s.params = s.initial;
    s.curves.reserve(static_cast<std::size_t>(epochs));
  }
  GruKernel<float> kernel(c.model, L);
  const CounterNormals noise(tc.seed, stream::train);
  GruParams<float> grad = GruParams<float>::zeros(n);
  const auto elapsed = [&] {
    return s.seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  while (!s.finished) {
    const GruEpochStats st = kernel.run(s.params, noise, static_cast<std::uint64_t>(s.epoch), grad);
    s.curves.loss.push_back(static_cast<float>(st.loss));
    s.curves.accuracy.push_back(static_cast<float>(st.accuracy));
    s.curves.reliability.push_back(static_cast<float>(st.reliability));
    s.curves.grad_norm.push_back(static_cast<float>(st.grad_norm));
    ++s.epoch;
    if (!std::isfinite(st.loss)) {
      s.status = Status::diverged;
      s.finished = true;
    } else if (tc.abort_loss > 0 && st.loss > tc.abort_loss) {
      s.status = Status::aborted;
      s.finished = true;
    } else {
      s.opt.step(tc, s.params, grad);
      if (s.epoch >= epochs) s.finished = true;
    }
    // s.epoch updates are done, or s.epoch - 1 after a divergence or abort
    // (no update for the last epoch); the snapshot classifies the current
    // weights from curve entry s.epoch - 1 as every other one does.
    if (snaps.due(s.epoch, s.finished))
      snaps.take(s.epoch, s.curves, [&](Rng& rng) {
        return free_run(s.params, c.model, L.n_cue, /*cue_type=*/0,
                        ClassifyOptions{}.free_run_factor * L.steps, rng);
      });
    if (s.finished) break;
    const RunAction a = poll_control(ctl, s.epoch, &s.curves);
    if (a == RunAction::go_on) continue;
    if (ctl->save) {
      State snap = s;
      snap.seconds = elapsed();
      ctl->save(encode(snap, snaps));
    }
    if (a == RunAction::stop) return std::nullopt;
  }
  TaskResult r;
  r.spec = spec;
  r.epochs_planned = epochs;
  r.epochs_run = s.epoch;
  r.status = s.status;
  r.extras.initial = packed(s.initial);
  r.extras.final = packed(s.params);
  r.cls = classify_outcome(spec, s.status, s.curves, r.extras.final);
  r.curves = std::move(s.curves);
  r.train_seconds = elapsed();
  snaps.finish(r.curves.loss, r.extras);
  return r;
}

}  // namespace memphase::gru
