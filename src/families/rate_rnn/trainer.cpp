#include "families/rate_rnn/trainer.hpp"

#include <chrono>
#include <cmath>

#include "core/bytes.hpp"
#include "families/rate_rnn/rate_rnn.hpp"

namespace memphase {

Trainer::Trainer(const TaskSpec& spec)
    : spec_(spec),
      cfg_(rate_rnn::config(spec_)),
      layout_(make_layout(cfg_.task, cfg_.model.dt)),
      epochs_(cfg_.train.resolved_epochs()),
      noise_(cfg_.train.seed, stream::train),
      kernel_(std::make_unique<BpttKernel<float>>(cfg_.model, layout_)),
      grad_(Params<float>::zeros(cfg_.model.n)) {}

TrainState Trainer::start() const {
  TrainState s;
  s.initial = init_params<float>(cfg_.model.n, cfg_.train.seed);
  s.params = s.initial;
  s.curves.reserve(static_cast<std::size_t>(epochs_));
  return s;
}

void put_state(ByteWriter& w, const TrainState& s) {
  w.put(kTrainStateFormat);
  put(w, s.initial);
  put(w, s.params);
  w.put(s.opt.initialised);
  if (s.opt.initialised) put(w, s.opt.buf);
  w.put(s.epoch);
  put(w, s.curves);
  w.put(s.status);
  w.put(s.finished);
  w.put(s.train_seconds);
  if (s.adam.step > 0) {
    w.put(kAdamStateTag);
    w.put(s.adam.step);
    put(w, s.adam.m);
    put(w, s.adam.v);
  }
}

std::string encode_state(const TrainState& s) {
  ByteWriter w;
  put_state(w, s);
  return w.take();
}

TrainState get_state(ByteReader& r, const std::string& what) {
  if (r.remaining() < sizeof(kTrainStateFormat) || r.get<std::uint64_t>() != kTrainStateFormat)
    throw IoError(what + ": checkpoint of another format (not a counter-based-noise training state, e.g. "
                         "from a memphase before issue 15)");
  TrainState s;
  get(r, s.initial);
  get(r, s.params);
  s.opt.initialised = r.get<bool>();
  if (s.opt.initialised) get(r, s.opt.buf);
  s.epoch = r.get<std::int64_t>();
  get(r, s.curves);
  s.status = r.get<Status>();
  s.finished = r.get<bool>();
  s.train_seconds = r.get<double>();
  if (!r.done() && r.peek<std::uint64_t>() == kAdamStateTag) {
    r.get<std::uint64_t>();
    s.adam.step = r.get<std::int64_t>();
    if (s.adam.step < 1) r.fail("Adam step count");
    get(r, s.adam.m);
    get(r, s.adam.v);
  }
  if (static_cast<std::int64_t>(s.curves.size()) != s.epoch)
    throw IoError(what + ": corrupt checkpoint (curve length != epoch)");
  return s;
}

TrainState decode_state(std::string_view bytes, const std::string& what) {
  ByteReader r(bytes, what);
  TrainState s = get_state(r, what);
  if (!r.done()) throw IoError(what + ": corrupt checkpoint (trailing bytes)");
  return s;
}

bool Trainer::advance(TrainState& s, std::int64_t max_epochs) {
  if (s.finished) return true;
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t stop = max_epochs > 0 ? std::min(epochs_, s.epoch + max_epochs) : epochs_;
  const TrainConfig& tc = cfg_.train;
  while (s.epoch < stop) {
    const EpochStats st = kernel_->run(s.params, noise_, static_cast<std::uint64_t>(s.epoch), grad_);
    s.curves.loss.push_back(static_cast<float>(st.loss));
    s.curves.accuracy.push_back(static_cast<float>(st.accuracy));
    s.curves.reliability.push_back(static_cast<float>(st.reliability));
    s.curves.grad_norm.push_back(static_cast<float>(st.grad_norm));
    ++s.epoch;
    if (!std::isfinite(st.loss)) {
      s.status = Status::diverged;
      s.finished = true;
      break;
    }
    if (tc.abort_loss > 0 && st.loss > tc.abort_loss) {
      s.status = Status::aborted;
      s.finished = true;
      break;
    }
    if (tc.optimizer == Optimizer::adam)
      adam_step(s.params, grad_, s.adam, {tc.lr, tc.adam_beta1, tc.adam_beta2, tc.adam_eps, tc.weight_decay});
    else
      sgd_step(s.params, grad_, s.opt, tc.lr, tc.momentum, tc.weight_decay);
  }
  if (s.epoch >= epochs_) s.finished = true;
  s.train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s.finished;
}

}  // namespace memphase
